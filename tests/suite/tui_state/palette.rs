//! Finding and running things: help, emoji, the emacs preset, the palette and typed commands, macros, notifications.

use super::*;

#[test]
fn help_and_emoji_popups() {
    let mut app = fixtures::app_with_open(3);
    press(&mut app, "?");
    assert!(matches!(app.popup, Some(Popup::Help { .. })));
    let lines = chatsmart::tui::popups::help::lines(&app);
    assert!(lines
        .iter()
        .any(|(k, t)| k.as_deref() == Some("j down") && t.contains("list.next")));
    press(&mut app, "esc");
    press(&mut app, "e");
    assert!(matches!(app.popup, Some(Popup::Emoji { .. })));
    type_text(&mut app, "thumbs up");
    press(&mut app, "enter");
    assert!(app.popup.is_none());
    assert_eq!(app.focus, Focus::Compose);
    assert_eq!(app.draft().unwrap().text(), "👍");
}

#[test]
fn the_emacs_preset_drives_the_same_commands() {
    let mut app = fixtures::app(5);
    app.config.keymap = Keymap::preset("emacs").unwrap();
    press(&mut app, "ctrl-n ctrl-n");
    assert_eq!(app.list.selected, 2);
    press(&mut app, "enter");
    assert_eq!(app.open, Some(app.list.view[2]));
}

#[test]
fn the_palette_finds_commands_conversations_and_replies() {
    let mut app = fixtures::app_with_open(6);
    app.mirror.standard = fixtures::standard_folders();
    press(&mut app, "ctrl-k");
    assert!(matches!(app.popup, Some(Popup::Palette(_))));
    assert_eq!(app.context(), chatsmart::tui::keymap::Context::Picker);
    // A command by words of its description; its key is shown beside it.
    type_text(&mut app, "resolve next");
    let items = chatsmart::tui::palette::items(&app, "resolve next");
    assert_eq!(
        items[0],
        chatsmart::tui::palette::Item::Command(chatsmart::tui::command::Command::ConvResolveNext)
    );
    let fx = press(&mut app, "enter");
    assert!(fx.contains(&Effect::SetStatus(
        1,
        SetStatus {
            status: ConvStatus::Resolved,
            snooze_until: None
        }
    )));
    // A conversation by the customer's name.
    press(&mut app, "ctrl-k");
    type_text(&mut app, "sato");
    let items = chatsmart::tui::palette::items(&app, "佐藤");
    assert_eq!(items[0], chatsmart::tui::palette::Item::Conversation(3));
    press(&mut app, "ctrl-u");
    type_text(&mut app, "佐藤");
    press(&mut app, "enter");
    assert_eq!(app.open, Some(3));
    // A standard reply goes into the reply box.
    press(&mut app, "ctrl-k");
    type_text(&mut app, "parcel ships");
    press(&mut app, "enter");
    assert_eq!(app.focus, Focus::Compose);
    assert!(app
        .draft()
        .unwrap()
        .text()
        .contains("Your parcel ships today"));
}

#[test]
fn typed_commands_complete_run_and_are_remembered() {
    let mut app = fixtures::app_with_open(6);
    press(&mut app, "esc");
    press(&mut app, ":");
    assert!(matches!(&app.popup, Some(Popup::Palette(p)) if p.input.text() == ":"));
    type_text(&mut app, "prio");
    press(&mut app, "tab");
    assert!(matches!(&app.popup, Some(Popup::Palette(p)) if p.input.text() == ":priority "));
    type_text(&mut app, "hi");
    // Incomplete, but the completion below it runs.
    let fx = press(&mut app, "enter");
    assert_eq!(fx, vec![Effect::SetPriority(1, Priority::High)]);
    assert!(app.popup.is_none());
    // Arguments: an agent by name.
    press(&mut app, ":");
    type_text(&mut app, "assign bob");
    let fx = press(&mut app, "enter");
    assert_eq!(
        fx,
        vec![Effect::Assign {
            conversation: 1,
            agent: 2
        }]
    );
    // Filters.
    press(&mut app, ":");
    type_text(&mut app, "filter channel=line status=all");
    press(&mut app, "enter");
    assert_eq!(app.filters.channel, Some(ChannelKind::Line));
    assert_eq!(app.filters.status, None);
    // A mistake is explained and the line stays.
    press(&mut app, ":");
    type_text(&mut app, "snooze whenever");
    assert!(press(&mut app, "enter").is_empty());
    match &app.popup {
        Some(Popup::Palette(p)) => {
            assert!(p.error.as_ref().unwrap().contains("try"));
            assert_eq!(p.input.text(), ":snooze whenever");
        }
        other => panic!("{other:?}"),
    }
    press(&mut app, "esc");
    // History: the lines that ran, newest first.
    press(&mut app, ":");
    let items = chatsmart::tui::palette::items(&app, ":");
    assert_eq!(
        items,
        vec![
            chatsmart::tui::palette::Item::Line("filter channel=line status=all".into()),
            chatsmart::tui::palette::Item::Line("assign bob".into()),
            chatsmart::tui::palette::Item::Line("priority high".into()),
        ]
    );
    let fx = press(&mut app, "down enter");
    assert_eq!(
        fx,
        vec![Effect::Assign {
            conversation: 1,
            agent: 2
        }]
    );
}

#[test]
fn macros_run_from_a_key_or_the_palette_and_report_failures() {
    use chatsmart::tui::macros::{MacroReport, Planned};
    let mut app = fixtures::app_with_open(4);
    app.mirror.standard = fixtures::standard_folders();
    app.config.personal_macros = vec![
        Macro {
            name: "Shipping answer".into(),
            steps: vec![
                MacroStep::Standard("parcel".into()),
                MacroStep::Tag("shipping".into()),
                MacroStep::Assign("me".into()),
                MacroStep::Status(ConvStatus::Pending),
            ],
        },
        Macro {
            name: "Broken".into(),
            steps: vec![
                MacroStep::Priority(Priority::High),
                MacroStep::Assign("nobody at all".into()),
            ],
        },
    ];
    chatsmart::tui::macros::combine(&mut app);
    let errors = app.config.keymap.apply(
        "keymap.toml",
        "[global]\n\"f5\" = \"macro.Shipping answer\"\n",
    );
    assert!(errors.is_empty(), "{errors:?}");
    let fx = press(&mut app, "f5");
    match &fx[..] {
        [Effect::RunMacro(run)] => {
            assert_eq!(run.targets, vec![1]);
            assert_eq!(run.steps.len(), 4);
            assert!(matches!(&run.steps[0].1, Planned::Insert(t) if t.starts_with("Your parcel")));
            assert_eq!(
                run.steps[2].1,
                Planned::Act(BulkAction::Assign { agent_id: 1 })
            );
        }
        other => panic!("{other:?}"),
    }
    // The palette lists macros with their key.
    let items = chatsmart::tui::palette::items(&app, "shipping answer");
    assert_eq!(
        items[0],
        chatsmart::tui::palette::Item::Macro("Shipping answer".into())
    );
    // A step that cannot work stops the run before anything is done.
    press(&mut app, ":");
    type_text(&mut app, "macro broken");
    let fx = press(&mut app, "enter");
    assert!(fx.is_empty());
    let toast = app.toast.as_ref().unwrap();
    assert!(toast.title.contains("nothing was done"));
    assert!(toast.lines[0].contains("step 2"), "{:?}", toast.lines);
    // A run that failed halfway on the server says what was done.
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::MacroDone(MacroReport {
            name: "Shipping answer".into(),
            conversation: Some(1),
            done: vec![
                "insert standard reply “parcel”".into(),
                "tag #shipping".into(),
            ],
            inserts: vec!["Your parcel ships today".into()],
            failed: Some((3, "assign me".into(), "forbidden".into())),
            skipped: vec!["set status pending".into()],
        }))),
    );
    let toast = app.toast.as_ref().unwrap();
    assert_eq!(toast.title, "Macro Shipping answer stopped");
    assert!(toast.lines[0].contains("step 3 (assign me) failed: forbidden"));
    assert!(toast.lines[1].contains("tag #shipping"));
    assert!(toast.lines[2].contains("set status pending"));
    assert_eq!(app.draft().unwrap().text(), "Your parcel ships today");
}

#[test]
fn notifications_for_what_needs_attention_but_not_while_typing_there() {
    use chatsmart::tui::notify::{Alert, Notification};
    let notes = |fx: &[Effect]| -> Vec<Notification> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::Notify(n) => Some(n.clone()),
                _ => None,
            })
            .collect()
    };
    let mut app = fixtures::app(6);
    // Conversation 3 is assigned to Alice (me); 1 is not.
    let e = inbound(&app, 3, 9001, "Is it shipped?");
    let fx = update(&mut app, event(60, e));
    let n = notes(&fx);
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].title, "佐藤陽菜");
    assert_eq!(n[0].body, "Is it shipped?");
    assert!(n[0].bell && n[0].desktop);
    let e = inbound(&app, 1, 9002, "hello");
    let fx = update(&mut app, event(61, e));
    assert!(notes(&fx).is_empty(), "not mine");
    // Typing in that conversation: quiet.
    chatsmart::tui::update::open(&mut app, 3, &mut Vec::new());
    app.focus = Focus::Compose;
    let e = inbound(&app, 3, 9003, "still there?");
    let fx = update(&mut app, event(62, e));
    assert!(notes(&fx).is_empty());
    // The bot hands over; a snooze ends; a new request.
    let mut c = app.mirror.convs[&2].conversation.clone();
    c.bot_active = false;
    let fx = update(
        &mut app,
        event(
            63,
            EventKind::BotToggled {
                conversation: c.clone(),
                active: false,
                by: None,
            },
        ),
    );
    assert_eq!(notes(&fx)[0].title, "The bot handed over");
    let fx = update(
        &mut app,
        event(
            64,
            EventKind::StatusChanged {
                conversation: c.clone(),
                from: ConvStatus::Snoozed,
                reason: StatusReason::SnoozeEnded,
                by: None,
            },
        ),
    );
    assert_eq!(notes(&fx)[0].title, "Snooze ended");
    // Configured per kind.
    app.config.notify.new_request = Alert::Bell;
    app.config.notify.bot_handoff = Alert::Off;
    let mut fresh = c.clone();
    fresh.id = 99;
    let fx = update(
        &mut app,
        event(
            65,
            EventKind::ConversationCreated {
                conversation: fresh,
            },
        ),
    );
    let n = notes(&fx);
    assert!(n[0].bell && !n[0].desktop);
    let fx = update(
        &mut app,
        event(
            66,
            EventKind::BotToggled {
                conversation: c,
                active: false,
                by: None,
            },
        ),
    );
    assert!(notes(&fx).is_empty());
}

#[test]
fn the_palette_asks_the_server_for_conversations_not_loaded() {
    let mut app = fixtures::app_with_open(3);
    press(&mut app, "ctrl-k");
    let fx = type_text(&mut app, "zo");
    assert_eq!(fx.last(), Some(&Effect::FindConversations("zo".into())));
    let mut far = app.mirror.convs[&2].conversation.clone();
    far.id = 4242;
    far.customer_name = "Zoe Faraway".into();
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Found(Ok(vec![ConversationRow {
            conversation: far,
            unread: 0,
        }])))),
    );
    let items = chatsmart::tui::palette::items(&app, "zoe");
    assert_eq!(items[0], chatsmart::tui::palette::Item::Conversation(4242));
    // Typed commands are not searched for.
    press(&mut app, "ctrl-u");
    let fx = type_text(&mut app, ":assign");
    assert!(!fx.iter().any(|e| matches!(e, Effect::FindConversations(_))));
}
