//! The customer panel: profile fields, tags, notes, scheduled messages, the tags popup, broadcasts.

use super::*;

#[test]
fn profile_fields_are_edited_in_place_and_checked_before_saving() {
    let mut app = fixtures::app_with_open(3);
    press(&mut app, "3");
    assert_eq!(app.focus, Focus::Pane(Pane::Customer));
    press(&mut app, "j e");
    assert_eq!(app.context(), chatsmart::tui::keymap::Context::Form);
    press(&mut app, "ctrl-u");
    type_text(&mut app, "not-an-email");
    let fx = press(&mut app, "enter");
    assert!(fx.is_empty(), "an invalid value is never sent");
    let edit = app.customer_ui.edit.as_ref().unwrap();
    assert!(edit.error.as_ref().unwrap().contains("not an email"));
    assert_eq!(edit.editor.text(), "not-an-email", "the typed text stays");
    press(&mut app, "ctrl-u");
    type_text(&mut app, "mei@new.example");
    let fx = press(&mut app, "enter");
    let patch = match &fx[..] {
        [Effect::PatchCustomer(1, p)] => p.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(patch.version, Some(3));
    assert_eq!(patch.email, Some(Some("mei@new.example".into())));

    // Someone else saved first: say so, reload, keep the text.
    let fx = update(
        &mut app,
        Msg::Reply(Box::new(Reply::CustomerSaved {
            customer: 1,
            result: Err((Some(409), "conflict".into())),
        })),
    );
    assert_eq!(fx, vec![Effect::LoadCustomer(1)]);
    let edit = app.customer_ui.edit.as_ref().unwrap();
    assert!(edit
        .error
        .as_ref()
        .unwrap()
        .contains("someone else changed"));
    assert_eq!(edit.editor.text(), "mei@new.example");
    let mut c = fixtures::customer();
    c.email = Some("mei@new.example".into());
    c.version = 5;
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::CustomerSaved {
            customer: 1,
            result: Ok(c),
        })),
    );
    assert!(app.customer_ui.edit.is_none());
    assert_eq!(
        app.mirror.customers[&1].email.as_deref(),
        Some("mei@new.example")
    );

    // Age must be a whole number; Esc leaves without saving.
    press(&mut app, "j j j e ctrl-u");
    type_text(&mut app, "thirty");
    assert!(press(&mut app, "enter").is_empty());
    assert!(app
        .customer_ui
        .edit
        .as_ref()
        .unwrap()
        .error
        .as_ref()
        .unwrap()
        .contains("whole number"));
    press(&mut app, "esc");
    assert!(app.customer_ui.edit.is_none());

    // A custom field is added as name = value.
    press(&mut app, "+");
    type_text(&mut app, "Plan = Gold");
    let fx = press(&mut app, "enter");
    match &fx[..] {
        [Effect::PatchCustomer(1, p)] => {
            let f = p.custom_fields.as_ref().unwrap();
            assert_eq!(f.get("Plan").map(String::as_str), Some("Gold"));
            assert_eq!(
                f.get("Member no").map(String::as_str),
                Some("A-1001"),
                "others kept"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn tags_notes_and_scheduled_messages_from_the_panel() {
    let mut app = fixtures::app_with_open(3);
    app.mirror.scheduled.insert(1, vec![]);
    press(&mut app, "3");
    let fx = press(&mut app, "t");
    assert!(fx.contains(&Effect::LoadTags));
    app.mirror.tags = vec![
        TagInfo {
            tag: Tag {
                id: 1,
                name: "VIP".into(),
                color: "blue".into(),
            },
            customers: 4,
        },
        TagInfo {
            tag: Tag {
                id: 3,
                name: "Refund".into(),
                color: "red".into(),
            },
            customers: 2,
        },
    ];
    type_text(&mut app, "ref");
    let fx = press(&mut app, "enter");
    assert_eq!(
        fx,
        vec![Effect::TagCustomer(
            1,
            TagCustomer {
                tag_id: Some(3),
                name: None
            }
        )]
    );
    press(&mut app, "t");
    type_text(&mut app, "Wholesale");
    let fx = press(&mut app, "enter");
    assert_eq!(
        fx,
        vec![Effect::TagCustomer(
            1,
            TagCustomer {
                tag_id: None,
                name: Some("Wholesale".into())
            }
        )],
        "created on the spot"
    );

    // A note, over two lines.
    press(&mut app, "n");
    type_text(&mut app, "Prefers English");
    press(&mut app, "alt-enter");
    type_text(&mut app, "Call after 6pm");
    let fx = press(&mut app, "enter");
    assert_eq!(
        fx,
        vec![Effect::AddNote(1, "Prefers English\nCall after 6pm".into())]
    );
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::PopupSaved(Err(
            "a note cannot be empty".into()
        )))),
    );
    assert!(
        matches!(&app.popup, Some(Popup::Note(f)) if f.error.is_some() && f.editor.text().contains("6pm"))
    );
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::PopupSaved(Ok("note added".into())))),
    );
    assert!(app.popup.is_none());

    // A scheduled message: the time is read in the agent's zone.
    press(&mut app, "S");
    type_text(&mut app, "Follow-up");
    press(&mut app, "tab");
    type_text(&mut app, "Hi {{customer.name}}, any news?");
    press(&mut app, "tab ctrl-u");
    type_text(&mut app, "in 2h");
    let fx = press(&mut app, "enter");
    assert_eq!(
        fx,
        vec![Effect::Schedule(
            1,
            NewScheduled {
                name: "Follow-up".into(),
                text: "Hi {{customer.name}}, any news?".into(),
                send_at: fixtures::now() + chrono::Duration::hours(2),
            }
        )]
    );
    // A time that means nothing is explained, not sent.
    if let Some(Popup::Schedule(f)) = app.popup.as_mut() {
        f.saving = false;
        f.when = chatsmart::tui::editor::Editor::with_text("someday");
    }
    assert!(press(&mut app, "enter").is_empty());
    assert!(
        matches!(&app.popup, Some(Popup::Schedule(f)) if f.error.as_ref().unwrap().contains("try"))
    );
    press(&mut app, "esc");

    // The note by Bob: Alice is an admin, so she may delete it, after confirming.
    let items = chatsmart::tui::customer::items(&app);
    let note_at = items
        .iter()
        .position(|i| matches!(i, chatsmart::tui::customer::Item::Note(1)))
        .unwrap();
    app.customer_ui.selected = note_at;
    press(&mut app, "d");
    assert!(matches!(
        app.popup,
        Some(Popup::Confirm {
            action: ConfirmAction::DeleteNote(1),
            ..
        })
    ));
    assert_eq!(press(&mut app, "y"), vec![Effect::DeleteNote(1)]);
}

#[test]
fn the_tags_popup_filters_the_list_and_manages_tags() {
    let mut app = fixtures::app(6);
    let fx = press(&mut app, "#");
    assert!(fx.contains(&Effect::LoadTags));
    app.mirror.tags = vec![
        TagInfo {
            tag: Tag {
                id: 1,
                name: "VIP".into(),
                color: "blue".into(),
            },
            customers: 1,
        },
        TagInfo {
            tag: Tag {
                id: 2,
                name: "Warranty".into(),
                color: "green".into(),
            },
            customers: 1,
        },
        TagInfo {
            tag: Tag {
                id: 3,
                name: "Refund".into(),
                color: "red".into(),
            },
            customers: 0,
        },
    ];
    type_text(&mut app, "vip");
    let fx = press(&mut app, "enter");
    assert_eq!(app.filters.tag, Some(1));
    assert_eq!(app.list.view, vec![1], "only the customer with the tag");
    assert!(matches!(&fx[..], [Effect::LoadConversations { query, .. }] if query.tag == Some(1)));

    // Rename, merge and delete (Alice is an admin).
    press(&mut app, "#");
    press(&mut app, "down down alt-r");
    assert!(
        matches!(
            &app.popup,
            Some(Popup::Tags {
                mode: TagsMode::Rename(3, _),
                ..
            })
        ),
        "{:?}",
        app.popup
    );
    // Escape leaves the renaming, not the list.
    press(&mut app, "esc");
    assert!(matches!(
        &app.popup,
        Some(Popup::Tags {
            mode: TagsMode::Browse,
            ..
        })
    ));
    press(&mut app, "alt-r");
    press(&mut app, "ctrl-u");
    type_text(&mut app, "Refunds");
    let fx = press(&mut app, "enter");
    assert_eq!(
        fx,
        vec![Effect::UpdateTag(
            3,
            TagPatch {
                name: Some("Refunds".into()),
                color: None
            }
        )]
    );
    app.popup = None;
    press(&mut app, "#");
    press(&mut app, "alt-m");
    let fx = press(&mut app, "down enter");
    assert!(fx.is_empty());
    assert!(
        matches!(
            app.popup,
            Some(Popup::Confirm {
                action: ConfirmAction::MergeTags(1, 3),
                ..
            })
        ),
        "VIP into the second listed, skipping VIP itself"
    );
    assert_eq!(press(&mut app, "y"), vec![Effect::MergeTag(1, 3)]);
    press(&mut app, "#");
    press(&mut app, "alt-d");
    assert!(
        matches!(&app.popup, Some(Popup::Confirm { message, action: ConfirmAction::DeleteTag(1) }) if message.contains("1 customer lose"))
    );
}

#[test]
fn a_broadcast_from_the_tags_popup_shows_its_reach_and_sends() {
    let mut app = fixtures::app(6);
    press(&mut app, "#");
    app.mirror.tags = vec![TagInfo {
        tag: Tag {
            id: 1,
            name: "VIP".into(),
            color: "blue".into(),
        },
        customers: 3,
    }];
    let fx = press(&mut app, "alt-b");
    let audience = BroadcastAudience {
        tag_id: 1,
        channels: vec![],
    };
    assert_eq!(fx, vec![Effect::BroadcastPreview(audience.clone())]);
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::BroadcastPreview(
            audience,
            Ok(BroadcastPreview { recipients: 3 }),
        ))),
    );
    assert!(matches!(&app.popup, Some(Popup::Broadcast(f)) if f.recipients == Some(3)));
    type_text(&mut app, "Sale for {{customer.name}}");
    // Only LINE: the count is asked again.
    let fx = press(&mut app, "tab tab space space space");
    assert_eq!(
        fx.last(),
        Some(&Effect::BroadcastPreview(BroadcastAudience {
            tag_id: 1,
            channels: vec![ChannelKind::Line]
        }))
    );
    let fx = press(&mut app, "enter");
    assert_eq!(
        fx,
        vec![Effect::Broadcast(NewBroadcast {
            tag_id: 1,
            channels: vec![ChannelKind::Line],
            text: "Sale for {{customer.name}}".into(),
            send_at: None,
        })]
    );
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::PopupSaved(Ok(
            "broadcast to #VIP started".into()
        )))),
    );
    assert!(app.popup.is_none());
}

#[test]
fn a_custom_field_is_renamed_keeping_its_value() {
    let mut app = fixtures::app_with_open(3);
    press(&mut app, "3");
    // Past the six profile fields to "Member no".
    press(&mut app, "j j j j j j");
    let fx = press(&mut app, "r");
    assert!(fx.is_empty());
    let edit = app.customer_ui.edit.as_ref().unwrap();
    assert!(edit.rename);
    assert_eq!(edit.editor.text(), "Member no");
    press(&mut app, "ctrl-u");
    assert!(
        press(&mut app, "enter").is_empty(),
        "an empty name is refused"
    );
    assert!(app.customer_ui.edit.as_ref().unwrap().error.is_some());
    type_text(&mut app, "Membership");
    let fx = press(&mut app, "enter");
    match &fx[..] {
        [Effect::PatchCustomer(1, p)] => {
            let f = p.custom_fields.as_ref().unwrap();
            assert_eq!(f.get("Membership").map(String::as_str), Some("A-1001"));
            assert!(!f.contains_key("Member no"), "the old name goes");
            assert_eq!(p.version, Some(3));
        }
        other => panic!("{other:?}"),
    }
    // Only custom fields have names to change.
    press(&mut app, "esc k");
    press(&mut app, "r");
    assert!(app.customer_ui.edit.is_none());
    assert!(app
        .notice
        .as_ref()
        .unwrap()
        .text
        .contains("only a custom field"));
}

#[test]
fn broadcasts_are_reviewed_live_and_a_running_one_cancelled() {
    let mut app = fixtures::app(3);
    let fx = press(&mut app, "B");
    assert_eq!(fx, vec![Effect::LoadBroadcasts]);
    assert!(matches!(app.popup, Some(Popup::Broadcasts { selected: 0 })));
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Broadcasts(Ok(vec![
            fixtures::broadcast(1, BroadcastStatus::Done, 38, 2),
            fixtures::broadcast(2, BroadcastStatus::Running, 10, 0),
        ])))),
    );
    assert_eq!(
        app.mirror
            .broadcasts
            .iter()
            .map(|b| b.id)
            .collect::<Vec<_>>(),
        vec![2, 1],
        "newest first"
    );
    // Progress arrives as events.
    update(
        &mut app,
        event(
            40,
            EventKind::BroadcastChanged {
                broadcast: fixtures::broadcast(2, BroadcastStatus::Running, 25, 1),
            },
        ),
    );
    assert_eq!(app.mirror.broadcasts.len(), 2);
    assert_eq!(
        (
            app.mirror.broadcasts[0].sent,
            app.mirror.broadcasts[0].failed
        ),
        (25, 1)
    );
    // A finished one cannot be cancelled; a running one asks first.
    press(&mut app, "j");
    assert!(press(&mut app, "-").is_empty());
    assert!(matches!(app.popup, Some(Popup::Broadcasts { selected: 1 })));
    press(&mut app, "k");
    press(&mut app, "-");
    match &app.popup {
        Some(Popup::Confirm { message, .. }) => assert!(message.contains("25 of 40 sent")),
        other => panic!("{other:?}"),
    }
    assert_eq!(press(&mut app, "y"), vec![Effect::CancelBroadcast(2)]);
}

#[test]
fn only_admins_review_broadcasts() {
    let mut app = fixtures::app(3);
    app.mirror.me = Some(fixtures::agents()[1].clone());
    assert!(press(&mut app, "B").is_empty());
    assert!(app.popup.is_none());
}
