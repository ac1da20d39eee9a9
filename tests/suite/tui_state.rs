//! The inbox's state machine without a terminal: messages in, state and
//! requests out.

use chatsmart::client::StreamUpdate;
use chatsmart::protocol::*;
use chatsmart::tui::app::*;
use chatsmart::tui::event::{Confirm, Effect, Msg, Reply};
use chatsmart::tui::fixtures;
use chatsmart::tui::keymap::{Key, KeyCodeOrd, Keymap};
use chatsmart::tui::update::update;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

fn key_event(s: &str) -> KeyEvent {
    let k = Key::parse(s).unwrap();
    let code = match k.code {
        KeyCodeOrd::Char(c) => KeyCode::Char(c),
        KeyCodeOrd::F(n) => KeyCode::F(n),
        KeyCodeOrd::Enter => KeyCode::Enter,
        KeyCodeOrd::Esc => KeyCode::Esc,
        KeyCodeOrd::Tab => KeyCode::Tab,
        KeyCodeOrd::BackTab => KeyCode::BackTab,
        KeyCodeOrd::Backspace => KeyCode::Backspace,
        KeyCodeOrd::Delete => KeyCode::Delete,
        KeyCodeOrd::Insert => KeyCode::Insert,
        KeyCodeOrd::Home => KeyCode::Home,
        KeyCodeOrd::End => KeyCode::End,
        KeyCodeOrd::PageUp => KeyCode::PageUp,
        KeyCodeOrd::PageDown => KeyCode::PageDown,
        KeyCodeOrd::Up => KeyCode::Up,
        KeyCodeOrd::Down => KeyCode::Down,
        KeyCodeOrd::Left => KeyCode::Left,
        KeyCodeOrd::Right => KeyCode::Right,
    };
    let mut m = KeyModifiers::empty();
    if k.ctrl {
        m |= KeyModifiers::CONTROL;
    }
    if k.alt {
        m |= KeyModifiers::ALT;
    }
    if k.shift {
        m |= KeyModifiers::SHIFT;
    }
    KeyEvent::new(code, m)
}

/// Presses keys written as in keymap files, separated by spaces.
fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    keys.split(' ')
        .filter(|k| !k.is_empty())
        .flat_map(|k| update(app, Msg::Key(key_event(k))))
        .collect()
}

fn type_text(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| {
            update(
                app,
                Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::empty())),
            )
        })
        .collect()
}

fn event(seq: Seq, kind: EventKind) -> Msg {
    Msg::Server(StreamUpdate::Event(Box::new(Event {
        seq,
        at: fixtures::now(),
        kind,
    })))
}

fn inbound(app: &App, id: ConversationId, msg_id: MessageId, text: &str) -> EventKind {
    let mut conversation = app.convs[&id].conversation.clone();
    conversation.inbound_count += 1;
    conversation.last_activity_at = fixtures::now();
    conversation.last_message = Some(MessagePreview {
        id: msg_id,
        kind: MessageKind::Inbound,
        text: text.into(),
        created_at: fixtures::now(),
    });
    EventKind::MessageCreated {
        conversation,
        message: Message {
            id: msg_id,
            conversation_id: id,
            kind: MessageKind::Inbound,
            text: text.into(),
            attachment: None,
            author_id: None,
            author_name: None,
            created_at: fixtures::now(),
            status: DeliveryStatus::Delivered,
            failure: None,
            client_id: None,
            scheduled_id: None,
        },
    }
}

fn names(app: &App) -> Vec<String> {
    app.list
        .view
        .iter()
        .map(|id| app.convs[id].conversation.customer_name.clone())
        .collect()
}

#[test]
fn filters_narrow_the_list_at_once_and_ask_the_server() {
    let mut app = fixtures::app(12);
    assert_eq!(app.list.view.len(), 12);
    assert_eq!(app.list.view[0], 1, "newest activity first");

    let fx = press(&mut app, "alt-3");
    assert_eq!(app.filters.channel, Some(ChannelKind::Line));
    assert!(app
        .list
        .view
        .iter()
        .all(|id| app.convs[id].conversation.channel == ChannelKind::Line));
    assert!(
        matches!(&fx[..], [Effect::LoadConversations { query, .. }] if query.channel == Some(ChannelKind::Line))
    );

    press(&mut app, "alt-0 S");
    assert_eq!(app.filters.section, Some(Section::Agent));
    assert!(app
        .list
        .view
        .iter()
        .all(|id| !app.convs[id].conversation.bot_active));
    press(&mut app, "S");
    assert!(app
        .list
        .view
        .iter()
        .all(|id| app.convs[id].conversation.bot_active));
    press(&mut app, "S");
    assert_eq!(app.filters.section, None);

    press(&mut app, "m");
    assert_eq!(names(&app), vec!["佐藤陽菜"], "assigned to me");
    press(&mut app, "o");
    assert!(app.list.view.iter().all(|id| {
        let c = &app.convs[id].conversation;
        !c.assignees.is_empty() && !c.is_assigned_to(1)
    }));
    press(&mut app, "n");
    assert!(app
        .list
        .view
        .iter()
        .all(|id| app.convs[id].conversation.assignees.is_empty()));
    press(&mut app, "ctrl-a");
    assert_eq!(app.list.view.len(), 12);

    // Search: typed text filters locally and goes to the server.
    press(&mut app, "/");
    assert_eq!(app.focus, Focus::Search);
    let fx = type_text(&mut app, "退货");
    assert_eq!(names(&app), vec!["王伟"]);
    assert!(fx.iter().any(|f| matches!(f, Effect::LoadConversations { query, .. } if query.q.as_deref() == Some("退货"))));
    press(&mut app, "enter");
    assert_eq!(app.focus, Focus::Pane(Pane::List));
    press(&mut app, "esc");
    assert_eq!(app.filters.q, "");
    assert_eq!(app.list.view.len(), 12);
}

#[test]
fn a_search_hit_deep_in_the_history_comes_from_the_server() {
    let mut app = fixtures::app(12);
    press(&mut app, "/");
    type_text(&mut app, "serial number");
    assert!(
        app.list.view.is_empty(),
        "nothing loaded matches by name or last message"
    );
    let generation = app.list.generation;
    let row = ConversationRow {
        conversation: app.convs[&5].conversation.clone(),
        unread: 0,
    };
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Conversations {
            generation,
            append: false,
            as_of: 0,
            result: Ok(Page {
                items: vec![row],
                next_cursor: None,
            }),
        })),
    );
    assert_eq!(app.list.view, vec![5]);
    // A stale answer for older filters is ignored.
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Conversations {
            generation: generation - 1,
            append: false,
            as_of: 0,
            result: Ok(Page {
                items: vec![],
                next_cursor: Some("x".into()),
            }),
        })),
    );
    assert_eq!(app.list.next_cursor, None);
}

#[test]
fn inbound_messages_count_as_unread_until_opened() {
    let mut app = fixtures::app(6);
    let before = app.total_unread();
    let unread_3 = app.convs[&3].unread();
    let ev = inbound(&app, 3, 9001, "any update?");
    update(&mut app, event(10, ev));
    assert_eq!(app.convs[&3].unread(), unread_3 + 1);
    assert_eq!(app.total_unread(), before + 1);
    assert_eq!(app.list.view[0], 3, "moves to the top");
    assert_eq!(app.last_seq, Some(10));

    // Opening it marks it read, locally at once and on the server.
    app.list.selected = 0;
    let fx = press(&mut app, "enter");
    assert_eq!(app.open, Some(3));
    assert_eq!(app.convs[&3].unread(), 0);
    assert!(fx.contains(&Effect::MarkRead(3)));
    assert!(fx.contains(&Effect::LoadMessages {
        conversation: 3,
        before: None
    }));
    assert!(fx.contains(&Effect::LoadCustomer(3)));

    // While it is open and looked at, new messages are read as they come.
    let ev = inbound(&app, 3, 9002, "hello?");
    let fx = update(&mut app, event(11, ev));
    assert_eq!(app.convs[&3].unread(), 0);
    assert!(fx.contains(&Effect::MarkRead(3)));

    // Read elsewhere by this agent: the count follows; by others: it does not.
    let ev = inbound(&app, 4, 9003, "hi");
    update(&mut app, event(12, ev));
    let n = app.convs[&4].conversation.inbound_count;
    update(
        &mut app,
        event(
            13,
            EventKind::ConversationRead {
                conversation_id: 4,
                agent_id: 2,
                inbound_count: n,
            },
        ),
    );
    assert!(app.convs[&4].unread() > 0);
    update(
        &mut app,
        event(
            14,
            EventKind::ConversationRead {
                conversation_id: 4,
                agent_id: 1,
                inbound_count: n,
            },
        ),
    );
    assert_eq!(app.convs[&4].unread(), 0);
}

#[test]
fn a_page_does_not_undo_newer_events() {
    let mut app = fixtures::app(3);
    let stale = app.convs[&2].conversation.clone();
    let ev = inbound(&app, 2, 500, "newest");
    update(&mut app, event(20, ev));
    let generation = app.list.generation;
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Conversations {
            generation,
            append: true,
            as_of: 15,
            result: Ok(Page {
                items: vec![ConversationRow {
                    conversation: stale,
                    unread: 0,
                }],
                next_cursor: None,
            }),
        })),
    );
    assert_eq!(
        app.convs[&2]
            .conversation
            .last_message
            .as_ref()
            .unwrap()
            .text,
        "newest"
    );
}

#[test]
fn bot_toggle_and_assignment_follow_keys_and_events() {
    let mut app = fixtures::app_with_open(6);
    assert!(app.convs[&1].conversation.bot_active);
    let fx = press(&mut app, "b");
    assert_eq!(
        fx,
        vec![Effect::SetBot {
            conversation: 1,
            active: false
        }]
    );

    let mut conv = app.convs[&1].conversation.clone();
    conv.bot_active = false;
    update(
        &mut app,
        event(
            30,
            EventKind::BotToggled {
                conversation: conv.clone(),
                active: false,
                by: Some(1),
            },
        ),
    );
    assert!(!app.convs[&1].conversation.bot_active);
    press(&mut app, "esc S");
    assert!(app.list.view.contains(&1), "now in Chat with Agent");

    // The assignee picker: agents sorted by name; enter adds, - removes.
    press(&mut app, "tab");
    let fx = press(&mut app, "a");
    assert!(matches!(app.popup, Some(Popup::Assign { .. })));
    assert!(fx.contains(&Effect::LoadAgents));
    let fx = press(&mut app, "j enter");
    assert_eq!(
        fx,
        vec![Effect::Assign {
            conversation: 1,
            agent: 2
        }]
    );
    conv.assignees.push(Assignee {
        agent_id: 2,
        name: "Bob Chen".into(),
        assigned_at: fixtures::now(),
    });
    update(
        &mut app,
        event(
            31,
            EventKind::AssigneeAdded {
                conversation: conv.clone(),
                agent_id: 2,
                by: Some(1),
            },
        ),
    );
    let fx = press(&mut app, "-");
    assert_eq!(
        fx,
        vec![Effect::Unassign {
            conversation: 1,
            agent: 2
        }]
    );
    press(&mut app, "esc");
    assert!(app.popup.is_none());

    // Assigned to me moves it into "Mine".
    press(&mut app, "m");
    assert!(!app.list.view.contains(&1));
    conv.assignees.push(Assignee {
        agent_id: 1,
        name: "Alice Wong".into(),
        assigned_at: fixtures::now(),
    });
    update(
        &mut app,
        event(
            32,
            EventKind::AssigneeAdded {
                conversation: conv,
                agent_id: 1,
                by: Some(1),
            },
        ),
    );
    assert!(app.list.view.contains(&1));
}

/// Each change is confirmed once the server has it, in the help centre's
/// words; a refusal says what failed instead.
#[test]
fn assignment_and_bot_changes_are_confirmed() {
    let mut app = fixtures::app_with_open(6);
    let mut conv = app.convs[&1].conversation.clone();
    let said = |app: &mut App, confirm: Confirm, conv: &Conversation| {
        update(
            app,
            Msg::Reply(Box::new(Reply::Changed {
                what: "assigning".into(),
                confirm: Some(confirm),
                result: Ok(conv.clone()),
            })),
        );
        app.notice.as_ref().unwrap().text.clone()
    };
    assert_eq!(
        said(&mut app, Confirm::Bot(true), &conv),
        "Bot successfully assigned"
    );
    conv.bot_active = false;
    assert!(said(&mut app, Confirm::Bot(false), &conv).starts_with("Bot turned off"));
    conv.assignees.push(Assignee {
        agent_id: 2,
        name: "Bob Chen".into(),
        assigned_at: fixtures::now(),
    });
    assert_eq!(
        said(&mut app, Confirm::Assigned(2), &conv),
        "Agent successfully assigned: Bob Chen (bot off)"
    );
    conv.assignees.clear();
    app.agents = vec![Agent {
        id: 2,
        login: "bob".into(),
        name: "Bob Chen".into(),
        role: Role::Agent,
        teams: vec![],
        disabled: false,
    }];
    assert_eq!(
        said(&mut app, Confirm::Unassigned(2), &conv),
        "Bob Chen removed from the assignees"
    );
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Changed {
            what: "assigning".into(),
            confirm: Some(Confirm::Assigned(2)),
            result: Err("agent is disabled".into()),
        })),
    );
    assert_eq!(
        app.notice.as_ref().unwrap().text,
        "assigning failed: agent is disabled"
    );
}

#[test]
fn a_reply_is_shown_while_sending_and_kept_when_it_fails() {
    let mut app = fixtures::app_with_open(3);
    press(&mut app, "i");
    assert_eq!(app.focus, Focus::Compose);
    type_text(&mut app, "Thanks :thumbsup:");
    assert_eq!(app.draft().unwrap().text(), "Thanks 👍");
    press(&mut app, "alt-enter");
    type_text(&mut app, "Bye");
    let fx = press(&mut app, "enter");
    let (client_id, text) = match &fx[..] {
        [Effect::Send {
            conversation: 1,
            text,
            client_id,
            attachment_id: None,
        }] => (client_id.clone(), text.clone()),
        other => panic!("expected a send, got {other:?}"),
    };
    assert_eq!(text, "Thanks 👍\nBye");
    assert!(app.draft().unwrap().is_empty());
    assert_eq!(app.logs[&1].pending.len(), 1);

    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Sent {
            conversation: 1,
            client_id: client_id.clone(),
            result: Err("cannot reach the server".into()),
            away: false,
        })),
    );
    let p = &app.logs[&1].pending[0];
    assert!(matches!(&p.state, PendingState::Failed(e) if e.contains("cannot reach")));
    assert_eq!(p.text, "Thanks 👍\nBye", "the text is not lost");
    assert!(app.notice.as_ref().unwrap().text.contains("not sent"));

    // Retry resends with the same client_id, so the server stores it once.
    press(&mut app, "esc");
    let fx = press(&mut app, "r");
    assert_eq!(
        fx,
        vec![Effect::Send {
            conversation: 1,
            text: "Thanks 👍\nBye".into(),
            client_id: client_id.clone(),
            attachment_id: None,
        }]
    );
    let stored = Message {
        id: 77,
        conversation_id: 1,
        kind: MessageKind::Agent,
        text: "Thanks 👍\nBye".into(),
        attachment: None,
        author_id: Some(1),
        author_name: Some("Alice Wong".into()),
        created_at: fixtures::now(),
        status: DeliveryStatus::Sent,
        failure: None,
        client_id: Some(client_id.clone()),
        scheduled_id: None,
    };
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Sent {
            conversation: 1,
            client_id,
            result: Ok(stored),
            away: false,
        })),
    );
    assert!(app.logs[&1].pending.is_empty());
    assert_eq!(app.logs[&1].messages.last().unwrap().id, 77);
}

#[test]
fn drafts_are_kept_per_conversation_and_quitting_asks_only_for_unsent_replies() {
    let mut app = fixtures::app_with_open(3);
    press(&mut app, "i");
    type_text(&mut app, "half-written");
    press(&mut app, "esc esc");
    assert_eq!(app.focus, Focus::Pane(Pane::List));
    assert_eq!(app.drafts[&1].text(), "half-written");
    // A draft is kept on disk: quitting does not ask.
    press(&mut app, "q");
    assert!(app.popup.is_none() && app.quit);
    // A reply on its way does: it is kept too, and said.
    let mut app = fixtures::app_with_open(3);
    press(&mut app, "i");
    type_text(&mut app, "on its way");
    press(&mut app, "enter esc q");
    assert!(matches!(app.popup, Some(Popup::Confirm { .. })));
    assert!(!app.quit);
    press(&mut app, "n");
    assert!(app.popup.is_none() && !app.quit);
    press(&mut app, "q y");
    assert!(app.quit);
}

#[test]
fn list_movement_pages_in_more_and_mouse_selects() {
    let mut app = fixtures::app(40);
    app.list.next_cursor = Some("c".into());
    let fx = press(&mut app, "G");
    assert_eq!(app.list.selected, 39);
    assert!(
        matches!(&fx[..], [Effect::LoadConversations { append: true, query, .. }] if query.cursor.as_deref() == Some("c"))
    );
    assert!(app.list.offset > 0, "the selection stays visible");
    press(&mut app, "g");
    assert_eq!((app.list.selected, app.list.offset), (0, 0));

    let a = chatsmart::tui::layout::areas(&app);
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: a.list_rows.x + 2,
        row: a.list_rows.y + 2 * chatsmart::tui::layout::ROW_HEIGHT,
        modifiers: KeyModifiers::empty(),
    };
    let fx = update(&mut app, Msg::Mouse(click));
    assert_eq!(app.list.selected, 2);
    assert_eq!(app.open, Some(app.list.view[2]));
    assert!(fx.iter().any(|f| matches!(f, Effect::LoadMessages { .. })));
}

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
    app.keymap = Keymap::preset("emacs").unwrap();
    press(&mut app, "ctrl-n ctrl-n");
    assert_eq!(app.list.selected, 2);
    press(&mut app, "enter");
    assert_eq!(app.open, Some(app.list.view[2]));
}

#[test]
fn connection_state_and_resync() {
    let mut app = fixtures::app(3);
    update(
        &mut app,
        Msg::Server(StreamUpdate::Disconnected {
            reason: "gone".into(),
            retry_in: std::time::Duration::from_secs(4),
        }),
    );
    assert!(matches!(app.conn, ConnState::Reconnecting { .. }));
    update(&mut app, Msg::Server(StreamUpdate::Connected));
    assert_eq!(app.conn, ConnState::Connected);
    let g = app.list.generation;
    let fx = update(
        &mut app,
        event(
            99,
            EventKind::ResyncRequired {
                reason: "old".into(),
            },
        ),
    );
    assert!(app.list.generation > g);
    assert!(fx
        .iter()
        .any(|f| matches!(f, Effect::LoadConversations { .. })));
    assert_eq!(app.last_seq, Some(99));
}

#[test]
fn scrolling_to_the_top_loads_older_messages() {
    let mut app = fixtures::app_with_open(3);
    app.logs.get_mut(&1).unwrap().has_more = true;
    app.size = (120, 30);
    let fx = press(&mut app, "g");
    assert_eq!(
        fx,
        vec![Effect::LoadMessages {
            conversation: 1,
            before: Some(1)
        }]
    );
    assert!(app.logs[&1].loading);
    // While loading, scrolling asks no more.
    assert!(press(&mut app, "k").is_empty());
    let older = Message {
        id: 0,
        conversation_id: 1,
        kind: MessageKind::Inbound,
        text: "the very first message".into(),
        attachment: None,
        author_id: None,
        author_name: None,
        created_at: fixtures::now() - chrono::Duration::days(3),
        status: DeliveryStatus::Delivered,
        failure: None,
        client_id: None,
        scheduled_id: None,
    };
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Messages {
            conversation: 1,
            older: true,
            result: Ok(MessagePage {
                items: vec![older],
                has_more: false,
            }),
        })),
    );
    let log = &app.logs[&1];
    assert_eq!(log.messages[0].text, "the very first message");
    assert!(!log.has_more && !log.loading);
    press(&mut app, "G");
    assert_eq!(app.chat_scroll, 0);
}

#[test]
fn the_standard_reply_picker_offers_what_is_in_scope_and_fills_placeholders() {
    let mut app = fixtures::app_with_open(3);
    app.standard = fixtures::standard_folders();
    let fx = press(&mut app, "s");
    assert!(matches!(app.popup, Some(Popup::Standard { .. })));
    assert!(fx.contains(&Effect::LoadStandard), "refreshed on open");
    // Alice (Support) on LINE: Greetings and Shipping; not Billing's, not Bob's.
    let hits = chatsmart::tui::standard::hits(&app, "");
    let folders: Vec<&str> = hits
        .iter()
        .map(|h| app.standard[h.folder].name.as_str())
        .collect();
    assert_eq!(
        folders,
        vec!["Greetings", "Greetings", "Shipping", "Shipping"]
    );
    press(&mut app, "/");
    type_text(&mut app, "parcel");
    let hits = chatsmart::tui::standard::hits(&app, "parcel");
    assert_eq!(app.standard[hits[0].folder].name, "Shipping");
    press(&mut app, "enter");
    assert!(app.popup.is_none());
    assert_eq!(app.focus, Focus::Compose);
    assert_eq!(
        app.draft().unwrap().text(),
        "Your parcel ships today 📦\nTracking by email."
    );

    // Placeholders are filled from the customer and the agent; the send key
    // sends at once and keeps what was being typed.
    app.drafts.get_mut(&1).unwrap().clear();
    type_text(&mut app, "half typed");
    press(&mut app, "ctrl-s enter");
    let fx = press(&mut app, "alt-enter");
    match &fx[..] {
        [Effect::Send {
            conversation: 1,
            text,
            ..
        }] => assert_eq!(text, "Hi 陳美玲, I'm Alice 😊"),
        other => panic!("expected a send, got {other:?}"),
    }
    assert_eq!(app.draft().unwrap().text(), "half typed");
}

/// The picker is the help centre's folder in the live chat: folders in
/// scope, then a folder's messages; back out, or search them all.
#[test]
fn the_standard_replies_browse_folders_then_their_messages() {
    use chatsmart::tui::standard::{rows, Rows};
    let mut app = fixtures::app_with_open(3);
    app.standard = fixtures::standard_folders();
    press(&mut app, "s");
    let folder_names = |app: &App| match rows(app) {
        Rows::Folders(v) => v
            .iter()
            .map(|&i| app.standard[i].name.clone())
            .collect::<Vec<_>>(),
        other => panic!("expected folders, got {other:?}"),
    };
    // Alice (Support) on LINE: Greetings and Shipping only.
    assert_eq!(folder_names(&app), vec!["Greetings", "Shipping"]);
    press(&mut app, "j enter");
    match rows(&app) {
        Rows::Messages(fi, v) => {
            assert_eq!(app.standard[fi].name, "Shipping");
            assert_eq!(v.len(), 2);
        }
        other => panic!("expected Shipping's messages, got {other:?}"),
    }
    // Letters are keys here, not a search.
    press(&mut app, "j");
    assert!(matches!(
        app.popup,
        Some(Popup::Standard { selected: 1, .. })
    ));
    // Back to the folders, on the one we were in.
    press(&mut app, "h");
    assert!(matches!(
        app.popup,
        Some(Popup::Standard {
            selected: 1,
            folder: None,
            ..
        })
    ));
    // Search, then esc leaves the search, not the picker.
    press(&mut app, "/");
    type_text(&mut app, "thanks");
    assert!(matches!(rows(&app), Rows::Found(v) if v.len() == 1));
    press(&mut app, "esc");
    assert_eq!(folder_names(&app), vec!["Greetings", "Shipping"]);
    press(&mut app, "esc");
    assert!(app.popup.is_none());
}

/// Where the agent may (their own folders, their teams'), n, e and d
/// manage folders and messages from the picker; elsewhere they say why.
#[test]
fn agents_manage_their_folders_from_the_picker() {
    let mut app = fixtures::app_with_open(3);
    app.standard = fixtures::standard_folders();
    // Alice as an agent of Support, not an admin.
    app.me.as_mut().unwrap().role = Role::Agent;
    press(&mut app, "s");
    // Greetings is for everyone: an admin's.
    press(&mut app, "e");
    assert!(app.settings.form.is_none());
    assert!(app.notice.as_ref().unwrap().text.contains("admin"));

    // A new folder: for this conversation's channel (LINE), and for her.
    press(&mut app, "n");
    assert!(app.settings.form.is_some());
    assert_eq!(app.context(), chatsmart::tui::keymap::Context::Form);
    type_text(&mut app, "My LINE replies");
    let fx = press(&mut app, "enter");
    assert_eq!(
        fx,
        vec![Effect::CreateFolder(FolderInput {
            name: "My LINE replies".into(),
            channels: vec![ChannelKind::Line],
            team_id: None,
            assignee_ids: vec![1],
        })]
    );
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::SettingsSaved(Ok(
            "saved the folder My LINE replies".into(),
        )))),
    );
    assert!(app.settings.form.is_none());
    assert!(
        matches!(app.popup, Some(Popup::Standard { .. })),
        "back in the picker"
    );

    // Shipping is her team's: a message added, one edited, one deleted.
    press(&mut app, "j enter n");
    type_text(&mut app, "Back tomorrow 🙏");
    let fx = press(&mut app, "enter");
    assert_eq!(
        fx,
        vec![Effect::AddStandardMessage(2, "Back tomorrow 🙏".into())]
    );
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::SettingsSaved(Ok(
            "saved the message".into()
        )))),
    );
    press(&mut app, "e");
    type_text(&mut app, " (today)");
    let fx = press(&mut app, "enter");
    assert_eq!(
        fx,
        vec![Effect::EditStandardMessage(
            200,
            "Your parcel ships today 📦\nTracking by email. (today)".into()
        )]
    );
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::SettingsSaved(Ok(
            "saved the message".into()
        )))),
    );
    press(&mut app, "j d");
    assert!(matches!(app.popup, Some(Popup::Confirm { .. })));
    let fx = press(&mut app, "y");
    assert_eq!(fx, vec![Effect::DeleteStandardMessage(201)]);
    assert!(
        matches!(
            app.popup,
            Some(Popup::Standard {
                folder: Some(2),
                ..
            })
        ),
        "the picker is where it was"
    );
    // Saying no keeps everything, and the picker too.
    press(&mut app, "d n");
    assert!(matches!(app.popup, Some(Popup::Standard { .. })));

    // A server that keeps standard messages for admins.
    app.standard_editing = StandardEditing::Admins;
    press(&mut app, "h n");
    assert!(app.settings.form.is_none());
    assert!(app.notice.as_ref().unwrap().text.contains("only admins"));
}

/// An import is checked first (a dry run); its report is shown and the
/// import runs only once confirmed; refused rows are listed instead.
#[test]
fn an_import_shows_its_dry_run_and_asks_before_importing() {
    use chatsmart::tui::settings::FileAction;
    let mut app = fixtures::app(2);
    let path = std::path::PathBuf::from("/tmp/replies.xlsx");
    let dry = ImportReport {
        dry_run: true,
        rows: 3,
        messages_added: 3,
        folders_created: vec!["Greetings".into(), "Greetings".into()],
        ..Default::default()
    };
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Imported(path.clone(), Ok(dry)))),
    );
    match &app.popup {
        Some(Popup::Confirm { message, action }) => {
            assert!(
                message.contains("3 rows: would add 3 messages in 2 new folders"),
                "{message}"
            );
            assert_eq!(*action, ConfirmAction::ImportStandard(path.clone()));
        }
        other => panic!("expected a confirmation, got {other:?}"),
    }
    let fx = press(&mut app, "y");
    assert_eq!(
        fx,
        vec![Effect::StandardFile {
            action: FileAction::ImportChecked,
            path: path.clone()
        }]
    );
    let done = ImportReport {
        applied: true,
        rows: 3,
        messages_added: 3,
        ..Default::default()
    };
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Imported(path.clone(), Ok(done)))),
    );
    assert_eq!(app.toast.as_ref().unwrap().title, "Import finished");

    // Refused rows: listed, nothing asked.
    let bad = ImportReport {
        dry_run: true,
        rows: 2,
        rows_refused: 1,
        errors: vec![RowError {
            row: 3,
            column: "Message".into(),
            message: "empty".into(),
        }],
        ..Default::default()
    };
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Imported(path, Ok(bad)))),
    );
    assert!(matches!(app.popup, Some(Popup::ImportErrors { .. })));
}

#[test]
fn settings_manage_folders_and_keep_a_form_that_failed() {
    let mut app = fixtures::app(2);
    app.standard = fixtures::standard_folders();
    app.teams = vec![
        Team {
            id: 1,
            name: "Support".into(),
        },
        Team {
            id: 2,
            name: "Billing".into(),
        },
    ];
    let fx = press(&mut app, ",");
    assert_eq!(app.screen, Screen::Settings);
    assert!(fx.contains(&Effect::LoadStandard) && fx.contains(&Effect::LoadTeams));

    // A new folder: name, LINE ticked, Support team, Bob only.
    press(&mut app, "n");
    assert!(app.settings.form.is_some());
    type_text(&mut app, "VIP care");
    press(&mut app, "tab right right space tab right tab down space");
    let fx = press(&mut app, "enter");
    assert_eq!(
        fx,
        vec![Effect::CreateFolder(FolderInput {
            name: "VIP care".into(),
            channels: vec![ChannelKind::Line],
            team_id: Some(1),
            assignee_ids: vec![2],
        })]
    );
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::SettingsSaved(Err(
            "a folder named \"VIP care\" already exists".into(),
        )))),
    );
    let form = app.settings.form.as_ref().expect("the form stays open");
    assert!(form.error.as_ref().unwrap().contains("already exists"));
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::SettingsSaved(Ok(
            "created the folder VIP care".into(),
        )))),
    );
    assert!(app.settings.form.is_none());

    // Messages: an unknown placeholder is caught before sending.
    press(&mut app, "tab n");
    type_text(&mut app, "Hi {{customer.nick}}");
    let fx = press(&mut app, "enter");
    assert!(fx.is_empty());
    assert!(app
        .settings
        .form
        .as_ref()
        .unwrap()
        .error
        .as_ref()
        .unwrap()
        .contains("unknown placeholder"));
    press(&mut app, "esc");

    // Deleting asks first.
    press(&mut app, "tab d");
    assert!(matches!(
        app.popup,
        Some(Popup::Confirm {
            action: ConfirmAction::DeleteFolder(1),
            ..
        })
    ));
    let fx = press(&mut app, "y");
    assert_eq!(fx, vec![Effect::DeleteFolder(1)]);

    // The channel filter narrows the folders.
    press(&mut app, "f f f");
    assert_eq!(app.settings.channel, Some(ChannelKind::Line));
    let names: Vec<&str> = chatsmart::tui::settings::folders(&app)
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, vec!["Greetings", "Shipping", "Refunds", "Bob only"]);
    press(&mut app, "f");
    let names: Vec<&str> = chatsmart::tui::settings::folders(&app)
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(
        names,
        vec!["Greetings", "Shipping", "Refunds", "Bob only"],
        "WeChat: Shipping serves it too"
    );
    press(&mut app, "f");
    assert_eq!(app.settings.channel, None);
    press(&mut app, "esc");
    assert_eq!(app.screen, Screen::Inbox);

    // Folder events keep the list current.
    let mut f = fixtures::standard_folders()[0].clone();
    f.name = "Hello".into();
    update(
        &mut app,
        event(50, EventKind::StandardFolderChanged { folder: f }),
    );
    assert!(app.standard.iter().any(|x| x.name == "Hello"));
    update(
        &mut app,
        event(51, EventKind::StandardFolderDeleted { folder_id: 1 }),
    );
    assert!(!app.standard.iter().any(|x| x.id == 1));
}

#[test]
fn agents_change_only_the_standard_messages_they_keep() {
    let mut app = fixtures::app(2);
    app.me = Some(fixtures::agents()[1].clone());
    app.standard = fixtures::standard_folders();
    app.standard_editing = StandardEditing::Admins;
    press(&mut app, ",");
    press(&mut app, "n");
    assert!(app.settings.form.is_none());
    assert!(app.notice.as_ref().unwrap().text.contains("only admins"));
    press(&mut app, "I");
    assert!(app.settings.form.is_none());
    // Where agents keep their own: a new folder starts as Bob's; a folder
    // for everyone stays an admin's.
    app.standard_editing = StandardEditing::Everyone;
    press(&mut app, "n");
    match &app.settings.form.as_ref().unwrap().kind {
        chatsmart::tui::settings::FormKind::Folder { assignees, .. } => {
            assert_eq!(assignees.iter().copied().collect::<Vec<_>>(), vec![2])
        }
        other => panic!("expected a folder form, got {other:?}"),
    }
    press(&mut app, "esc e");
    assert!(app.settings.form.is_none());
    assert!(app.notice.as_ref().unwrap().text.contains("admin's"));
}

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
    assert_eq!(app.customers[&1].email.as_deref(), Some("mei@new.example"));

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
    app.scheduled.insert(1, vec![]);
    press(&mut app, "3");
    let fx = press(&mut app, "t");
    assert!(fx.contains(&Effect::LoadTags));
    app.tags = vec![
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
    app.tags = vec![
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
    app.tags = vec![TagInfo {
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
        app.broadcasts.iter().map(|b| b.id).collect::<Vec<_>>(),
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
    assert_eq!(app.broadcasts.len(), 2);
    assert_eq!((app.broadcasts[0].sent, app.broadcasts[0].failed), (25, 1));
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
    app.me = Some(fixtures::agents()[1].clone());
    assert!(press(&mut app, "B").is_empty());
    assert!(app.popup.is_none());
}

#[test]
fn status_snooze_and_priority_from_the_keyboard() {
    let mut app = fixtures::app(6);
    // From the list, the selected row.
    press(&mut app, "j");
    assert_eq!(
        press(&mut app, "X"),
        vec![Effect::SetStatus(
            2,
            SetStatus {
                status: ConvStatus::Resolved,
                snooze_until: None
            }
        )]
    );
    assert_eq!(
        press(&mut app, "P"),
        vec![Effect::SetStatus(
            2,
            SetStatus {
                status: ConvStatus::Pending,
                snooze_until: None
            }
        )]
    );
    // Priority menu: starts on the current one.
    press(&mut app, "p");
    assert!(matches!(&app.popup, Some(Popup::Priority(m)) if m.selected == 0));
    assert_eq!(
        press(&mut app, "j j j enter"),
        vec![Effect::SetPriority(2, Priority::High)]
    );
    assert!(app.popup.is_none());
    // Snooze: a preset, shown as a time in the agent's zone.
    press(&mut app, "z");
    assert_eq!(app.context(), chatsmart::tui::keymap::Context::Picker);
    let fx = press(&mut app, "down enter");
    let tonight = chatsmart::tui::when::parse("tonight", app.now, app.tz).unwrap();
    assert_eq!(
        fx,
        vec![Effect::SetStatus(
            2,
            SetStatus {
                status: ConvStatus::Snoozed,
                snooze_until: Some(tonight)
            }
        )]
    );
    // A typed time; nonsense is explained and nothing is sent.
    press(&mut app, "z");
    type_text(&mut app, "whenever");
    assert!(press(&mut app, "enter").is_empty());
    assert!(matches!(&app.popup, Some(Popup::Snooze(m)) if m.error.is_some()));
    press(&mut app, "ctrl-u");
    type_text(&mut app, "in 3h");
    assert_eq!(
        press(&mut app, "enter"),
        vec![Effect::SetStatus(
            2,
            SetStatus {
                status: ConvStatus::Snoozed,
                snooze_until: Some(app.now + chrono::Duration::hours(3))
            }
        )]
    );
    // Until the customer replies: no time at all.
    press(&mut app, "z");
    let fx = press(&mut app, "down down down down enter");
    assert_eq!(
        fx,
        vec![Effect::SetStatus(
            2,
            SetStatus {
                status: ConvStatus::Snoozed,
                snooze_until: None
            }
        )]
    );
}

#[test]
fn the_status_view_and_sort_order_follow_keys_and_events() {
    let mut app = fixtures::app(4);
    assert_eq!(app.filters.query().status, Some(StatusSet::active()));
    // A conversation resolved elsewhere leaves the active view.
    let mut c = app.convs[&2].conversation.clone();
    c.status = ConvStatus::Resolved;
    update(
        &mut app,
        event(
            50,
            EventKind::StatusChanged {
                conversation: c,
                from: ConvStatus::Open,
                reason: StatusReason::Agent,
                by: Some(2),
            },
        ),
    );
    assert!(!app.list.view.contains(&2));
    // Resolved view: only it, and the server is asked.
    let fx = press(&mut app, "v v v v");
    assert_eq!(app.list.view, vec![2]);
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::LoadConversations { query, .. }
        if query.status == Some(StatusSet::from(ConvStatus::Resolved)))));
    press(&mut app, "v");
    assert_eq!(app.filters.status, None, "all");
    assert_eq!(app.list.view.len(), 4);
    press(&mut app, "v");
    assert_eq!(app.filters.status, Some(StatusSet::active()));
    // Priority first, then newest.
    let mut c = app.convs[&4].conversation.clone();
    c.priority = Priority::Urgent;
    update(
        &mut app,
        event(
            51,
            EventKind::PriorityChanged {
                conversation: c,
                by: Some(1),
            },
        ),
    );
    press(&mut app, "> >");
    assert_eq!(app.filters.sort, ListSort::Priority);
    assert_eq!(app.list.view, vec![4, 1, 3]);
    // Longest waiting first.
    press(&mut app, ">");
    assert_eq!(app.filters.sort, ListSort::Activity);
    press(&mut app, ">");
    assert_eq!(app.list.view, vec![4, 3, 1], "oldest wait first");
}

#[test]
fn jumps_go_to_what_needs_attention_and_back() {
    let mut app = fixtures::app_with_open(8);
    assert_eq!(app.open, Some(1));
    // Unread: 1 and 5 (1 is open).
    press(&mut app, "u");
    assert_eq!(app.open, Some(5));
    assert_eq!(app.selected_id(), Some(5));
    // Mine: Alice has 3.
    press(&mut app, "M");
    assert_eq!(app.open, Some(3));
    // New requests: unassigned and open; after 3 comes 4.
    press(&mut app, "N");
    assert_eq!(app.open, Some(4));
    press(&mut app, "ctrl-o");
    assert_eq!(app.open, Some(3));
    press(&mut app, "ctrl-o");
    assert_eq!(app.open, Some(5));
    // Resolve and move on to the next one that needs an answer.
    let fx = press(&mut app, "x");
    assert!(fx.contains(&Effect::SetStatus(
        5,
        SetStatus {
            status: ConvStatus::Resolved,
            snooze_until: None
        }
    )));
    assert_eq!(app.open, Some(6));
}

#[test]
fn marked_conversations_take_one_action_together() {
    let mut app = fixtures::app(6);
    press(&mut app, "space space space");
    assert_eq!(
        app.marked.iter().copied().collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    // Assign Bob to all three: asks first, saying how many.
    press(&mut app, "a");
    let fx = press(&mut app, "j enter");
    assert!(fx.is_empty());
    match &app.popup {
        Some(Popup::Confirm { message, .. }) => {
            assert_eq!(message, "Assign Bob Chen to 3 conversations?")
        }
        other => panic!("{other:?}"),
    }
    let fx = press(&mut app, "y");
    assert_eq!(
        fx,
        vec![Effect::Bulk(BulkRequest {
            ids: vec![1, 2, 3],
            action: BulkAction::Assign { agent_id: 2 }
        })]
    );
    // One failed: it stays marked, and the toast says why.
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::BulkDone {
            what: "assign: 3 conversations".into(),
            result: Ok(BulkReport {
                succeeded: 2,
                failed: 1,
                results: vec![
                    BulkItem {
                        id: 1,
                        ok: true,
                        error: None,
                    },
                    BulkItem {
                        id: 2,
                        ok: false,
                        error: Some("conversation not found".into()),
                    },
                    BulkItem {
                        id: 3,
                        ok: true,
                        error: None,
                    },
                ],
            }),
        })),
    );
    assert_eq!(app.marked.iter().copied().collect::<Vec<_>>(), vec![2]);
    let toast = app.toast.as_ref().unwrap();
    assert!(toast.title.contains("2 done, 1 failed"));
    assert!(toast.lines[0].contains("conversation not found"));
    // Mark all, set priority for all, clear.
    press(&mut app, "*");
    assert_eq!(app.marked.len(), 6);
    press(&mut app, "p");
    press(&mut app, "j j j j enter");
    let fx = press(&mut app, "y");
    assert!(
        matches!(&fx[..], [Effect::Bulk(BulkRequest { ids, action: BulkAction::Priority { priority: Priority::Urgent } })] if ids.len() == 6)
    );
    press(&mut app, "*");
    assert!(app.marked.is_empty());
    // Resolve two; the bot for two; esc clears the marks.
    press(&mut app, "g space space X");
    assert!(
        matches!(&app.popup, Some(Popup::Confirm { message, .. }) if message == "Resolve 2 conversations?")
    );
    press(&mut app, "n");
    press(&mut app, "b");
    assert!(
        matches!(&app.popup, Some(Popup::Confirm { message, .. }) if message == "Turn the bot off for 2 conversations?")
    );
    press(&mut app, "esc esc");
    assert!(app.marked.is_empty());
}

#[test]
fn several_standard_replies_go_into_one_message() {
    let mut app = fixtures::app_with_open(3);
    app.standard = fixtures::standard_folders();
    press(&mut app, "s /");
    type_text(&mut app, "parcel");
    press(&mut app, "tab");
    assert!(
        matches!(app.popup, Some(Popup::Standard { .. })),
        "still open"
    );
    type_text(&mut app, "Hi");
    press(&mut app, "enter");
    assert_eq!(
        app.draft().unwrap().text(),
        "Your parcel ships today 📦\nTracking by email.\nHi 陳美玲, I'm Alice 😊"
    );
}

#[test]
fn the_palette_finds_commands_conversations_and_replies() {
    let mut app = fixtures::app_with_open(6);
    app.standard = fixtures::standard_folders();
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
    app.standard = fixtures::standard_folders();
    app.personal_macros = vec![
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
    let errors = app.keymap.apply(
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
    let mut c = app.convs[&2].conversation.clone();
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
    app.notify.new_request = Alert::Bell;
    app.notify.bot_handoff = Alert::Off;
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
    let mut far = app.convs[&2].conversation.clone();
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

#[test]
fn attaching_a_file_completes_the_path_checks_it_uploads_and_sends_it_with_the_text() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("receipt-may.png"), samples::png_1x1()).unwrap();
    std::fs::write(dir.path().join("renamed.pdf"), b"MZ\x90\x00 a program").unwrap();
    let mut app = fixtures::app_with_open(4);
    app.focus = Focus::Compose;
    type_text(&mut app, "Here is your receipt");
    press(&mut app, "ctrl-t");
    assert!(matches!(app.popup, Some(Popup::Attach(_))));
    // Type the folder and the start of the name; tab completes it.
    press(&mut app, "ctrl-u");
    type_text(&mut app, &format!("{}/rec", dir.path().display()));
    press(&mut app, "tab");
    let Some(Popup::Attach(form)) = &app.popup else {
        panic!("the prompt closed")
    };
    assert!(
        form.path.text().ends_with("/receipt-may.png"),
        "{}",
        form.path.text()
    );
    let file = form.check.clone().unwrap().unwrap();
    assert_eq!(
        (file.mime, file.size),
        ("image/png", samples::png_1x1().len() as u64)
    );

    // A renamed program is refused before anything is sent.
    press(&mut app, "ctrl-u");
    type_text(&mut app, &format!("{}/renamed.pdf", dir.path().display()));
    let fx = press(&mut app, "enter");
    assert!(fx.is_empty());
    let Some(Popup::Attach(form)) = &app.popup else {
        panic!("the prompt closed on a bad file")
    };
    assert!(form.check.clone().unwrap().unwrap_err().contains("not pdf"));

    press(&mut app, "ctrl-u");
    type_text(
        &mut app,
        &format!("{}/receipt-may.png", dir.path().display()),
    );
    let fx = press(&mut app, "enter");
    let upload = match &fx[..] {
        [Effect::Upload {
            conversation: 1,
            upload,
            path,
        }] => {
            assert!(path.ends_with("receipt-may.png"));
            *upload
        }
        other => panic!("expected an upload, got {other:?}"),
    };
    assert!(app.popup.is_none());
    assert!(matches!(
        app.draft_files[&1].state,
        chatsmart::tui::attach::FileState::Uploading { sent: 0 }
    ));

    // Sending while it uploads holds the reply back, text and all.
    let fx = press(&mut app, "enter");
    assert!(fx.is_empty());
    assert!(app
        .notice
        .as_ref()
        .unwrap()
        .text
        .contains("still uploading"));
    assert_eq!(app.draft().unwrap().text(), "Here is your receipt");

    // The upload fails: the draft and the file stay; retry uploads again.
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Uploaded {
            conversation: 1,
            upload,
            result: Err("cannot reach the server".into()),
        })),
    );
    assert!(matches!(
        app.draft_files[&1].state,
        chatsmart::tui::attach::FileState::Failed(_)
    ));
    assert!(
        press(&mut app, "enter").is_empty(),
        "not sent after a failed upload"
    );
    assert_eq!(app.draft().unwrap().text(), "Here is your receipt");
    let fx = press(&mut app, "ctrl-r");
    let upload = match &fx[..] {
        [Effect::Upload { upload, .. }] => *upload,
        other => panic!("expected a second upload, got {other:?}"),
    };
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::UploadProgress {
            conversation: 1,
            upload,
            sent: 40,
        })),
    );
    assert!(matches!(
        app.draft_files[&1].state,
        chatsmart::tui::attach::FileState::Uploading { sent: 40 }
    ));
    let stored = Attachment {
        id: 9,
        name: "receipt-may.png".into(),
        mime: "image/png".into(),
        kind: AttachmentKind::Image,
        size: samples::png_1x1().len() as u64,
        sha256: "ab".repeat(32),
        created_at: fixtures::now(),
    };
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Uploaded {
            conversation: 1,
            upload,
            result: Ok(stored.clone()),
        })),
    );
    let fx = press(&mut app, "enter");
    match &fx[..] {
        [Effect::Send {
            conversation: 1,
            text,
            attachment_id: Some(9),
            ..
        }] => assert_eq!(text, "Here is your receipt"),
        other => panic!("expected a send with the file, got {other:?}"),
    }
    assert!(app.draft_files.is_empty());
    assert_eq!(
        app.logs[&1].pending.last().unwrap().attachment,
        Some(stored)
    );

    // A file alone (no text) can be sent; ctrl-x takes a file off.
    press(&mut app, "ctrl-t");
    press(&mut app, "ctrl-u");
    type_text(
        &mut app,
        &format!("{}/receipt-may.png", dir.path().display()),
    );
    press(&mut app, "enter");
    assert_eq!(app.draft_files.len(), 1);
    press(&mut app, "ctrl-x");
    assert!(app.draft_files.is_empty());
}

#[test]
fn the_files_list_opens_or_saves_the_chosen_file() {
    let mut app = fixtures::app_with_open(4);
    assert!(press(&mut app, "o").is_empty());
    assert!(app.popup.is_none(), "no files, no list");
    assert!(app.notice.as_ref().unwrap().text.contains("no files"));
    let file = |id, name: &str| Attachment {
        id,
        name: name.into(),
        mime: "image/png".into(),
        kind: AttachmentKind::Image,
        size: 10,
        sha256: "cd".repeat(32),
        created_at: fixtures::now(),
    };
    let log = app.logs.get_mut(&1).unwrap();
    let mut older = log.messages.last().unwrap().clone();
    older.id = 500;
    older.attachment = Some(file(1, "older.png"));
    let mut newer = older.clone();
    newer.id = 501;
    newer.attachment = Some(file(2, "newer.png"));
    log.upsert(older);
    log.upsert(newer);
    app.download_dir = "/tmp/dl".into();
    press(&mut app, "o");
    assert!(matches!(
        app.popup,
        Some(Popup::Files { selected: Some(2) })
    ));
    let fx = press(&mut app, "enter");
    match &fx[..] {
        [Effect::OpenFile {
            attachment,
            save: false,
            download_dir,
        }] => {
            assert_eq!(attachment.name, "newer.png", "newest first");
            assert_eq!(download_dir, std::path::Path::new("/tmp/dl"));
        }
        other => panic!("expected an open, got {other:?}"),
    }
    press(&mut app, "o");
    press(&mut app, "j");
    let fx = press(&mut app, "s");
    assert!(
        matches!(&fx[..], [Effect::OpenFile { attachment, save: true, .. }] if attachment.name == "older.png"),
        "{fx:?}"
    );
    assert!(app.popup.is_none());
}

#[test]
fn images_in_a_loaded_conversation_get_previews_once() {
    let mut app = fixtures::app_with_open(4);
    app.previews_enabled = true;
    let mut m = app.logs[&1].messages.last().unwrap().clone();
    m.id = 700;
    m.attachment = Some(Attachment {
        id: 5,
        name: "photo.png".into(),
        mime: "image/png".into(),
        kind: AttachmentKind::Image,
        size: 100,
        sha256: "ef".repeat(32),
        created_at: fixtures::now(),
    });
    let mut pdf = m.clone();
    pdf.id = 701;
    pdf.attachment = Some(Attachment {
        id: 6,
        name: "menu.pdf".into(),
        mime: "application/pdf".into(),
        kind: AttachmentKind::Document,
        ..pdf.attachment.clone().unwrap()
    });
    let page = || MessagePage {
        items: vec![m.clone(), pdf.clone()],
        has_more: false,
    };
    let fx = update(
        &mut app,
        Msg::Reply(Box::new(Reply::Messages {
            conversation: 1,
            older: false,
            result: Ok(page()),
        })),
    );
    assert!(
        matches!(&fx[..], [Effect::LoadPreview(a)] if a.id == 5),
        "only the image: {fx:?}"
    );
    let fx = update(
        &mut app,
        Msg::Reply(Box::new(Reply::Messages {
            conversation: 1,
            older: false,
            result: Ok(page()),
        })),
    );
    assert!(fx.is_empty(), "asked once: {fx:?}");
}

#[test]
fn the_retry_key_sends_a_refused_reply_again_and_the_window_is_told() {
    let mut app = fixtures::app_with_open(3);
    app.focus = Focus::Pane(Pane::Chat);
    let log = app.logs.get_mut(&1).unwrap();
    let mut failed = log.messages.last().unwrap().clone();
    failed.id = 777;
    failed.kind = MessageKind::Agent;
    failed.status = DeliveryStatus::Failed;
    failed.failure = Some("LINE answered 429: monthly limit".into());
    log.upsert(failed);
    let fx = press(&mut app, "r");
    assert!(
        fx.iter().any(|e| matches!(e, Effect::RetryMessage(777))),
        "{fx:?}"
    );
    // On the API channel there is no window; on WeChat after 48 hours
    // there is, and it is said before anything is typed.
    assert_eq!(app.reply_notice(), None);
    let conv = &mut app.convs.get_mut(&1).unwrap().conversation;
    conv.channel = ChannelKind::Wechat;
    conv.via_platform = true;
    conv.customer_last_at = Some(app.now - chrono::Duration::hours(49));
    let notice = app.reply_notice().unwrap();
    assert!(notice.contains("48-hour reply window closed"), "{notice}");
    app.convs.get_mut(&1).unwrap().conversation.customer_last_at =
        Some(app.now - chrono::Duration::hours(47));
    assert_eq!(app.reply_notice(), None);
}

/// The channel tabs come from the connected accounts: one per kind, or one
/// per account where a kind has several, each with the agent's unread count
/// from the server, asked again shortly after anything moves it.
#[test]
fn channel_tabs_follow_the_connected_accounts_with_unread_counts() {
    let mut app = fixtures::app(12);
    let account = |c: &Conversation| match c.channel {
        ChannelKind::Whatsapp if c.id % 2 == 0 => 11,
        ChannelKind::Whatsapp => 12,
        ChannelKind::Line => 21,
        ChannelKind::Messenger => 31,
        ChannelKind::Wechat => 41,
    };
    for row in app.convs.values_mut() {
        row.conversation.channel_account_id = account(&row.conversation);
    }
    let acc = |id, kind, name: &str| ChannelAccount {
        id,
        kind,
        name: name.into(),
        is_api: false,
        webhook_path: None,
        credential_keys: vec![],
    };
    let accounts = vec![
        acc(11, ChannelKind::Whatsapp, "Sales"),
        acc(12, ChannelKind::Whatsapp, "Support"),
        acc(21, ChannelKind::Line, "Shop"),
        acc(31, ChannelKind::Messenger, "Page"),
    ];
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Channels(Ok(accounts.clone())))),
    );
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Unread(Ok(UnreadCounts {
            total: 153,
            accounts: vec![
                AccountUnread {
                    channel_account_id: 11,
                    unread: 3,
                },
                AccountUnread {
                    channel_account_id: 21,
                    unread: 150,
                },
            ],
        })))),
    );
    let tabs = app.channel_tabs();
    let shown: Vec<(&str, i64)> = tabs.iter().map(|t| (t.label.as_str(), t.unread)).collect();
    // WeChat is not connected: no tab.
    assert_eq!(
        shown,
        vec![
            ("All", 153),
            ("FB", 0),
            ("WA Sales", 3),
            ("WA Support", 0),
            ("LINE", 150)
        ]
    );

    // f steps through them; an account's tab asks for that account only.
    press(&mut app, "f");
    let fx = press(&mut app, "f");
    assert_eq!(
        app.channel_tab(),
        Some(ChannelTab::Account(ChannelKind::Whatsapp, 11))
    );
    let asked = fx.iter().find_map(|e| match e {
        Effect::LoadConversations { query, .. } => Some(query.clone()),
        _ => None,
    });
    let q = asked.expect("the list is asked for");
    assert_eq!(
        (q.channel, q.channel_account),
        (Some(ChannelKind::Whatsapp), Some(11))
    );
    assert!(!app.list.view.is_empty());
    assert!(app
        .list
        .view
        .iter()
        .all(|id| app.convs[id].conversation.channel_account_id == 11));
    // alt-2: every WhatsApp account; no single tab is lit, f goes to the
    // first of them.
    press(&mut app, "alt-2");
    assert_eq!(app.channel_tab(), None);
    assert_eq!(
        (app.filters.channel, app.filters.account),
        (Some(ChannelKind::Whatsapp), None)
    );
    press(&mut app, "f");
    assert_eq!(
        app.channel_tab(),
        Some(ChannelTab::Account(ChannelKind::Whatsapp, 11))
    );

    // A customer writes: the counts are asked again at the next tick.
    let kind = inbound(&app, 1, 9001, "still there?");
    update(&mut app, event(40, kind));
    assert!(app.unread_stale);
    let later = fixtures::now() + chrono::Duration::seconds(5);
    let fx = update(&mut app, Msg::Tick(later));
    assert!(fx.contains(&Effect::LoadUnread));
    // Not again until something else changes.
    let fx = update(&mut app, Msg::Tick(later + chrono::Duration::seconds(5)));
    assert!(!fx.contains(&Effect::LoadUnread));

    // The account the tab was on goes away: back to All.
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Channels(Ok(accounts[1..].to_vec())))),
    );
    assert_eq!(app.channel_tab(), Some(ChannelTab::All));
}

/// The attach prompt knows the open conversation's platform: what it
/// cannot carry is refused before any upload, and how LINE will deliver
/// audio and video is said; an .acc file is AAC, as the help centre lists.
#[test]
fn the_attach_prompt_refuses_what_the_platform_cannot_carry() {
    let dir = tempfile::tempdir().unwrap();
    let put = |name: &str, ext: &str| {
        std::fs::write(dir.path().join(name), samples::bytes_for(ext)).unwrap();
        format!("{}/{name}", dir.path().display())
    };
    let pdf = put("invoice.pdf", "pdf");
    let voice = put("voice.acc", "acc");
    let mut app = fixtures::app_with_open(4);
    let open_on = |app: &mut App, channel: ChannelKind| {
        let id = app.open.unwrap();
        app.convs.get_mut(&id).unwrap().conversation.channel = channel;
        app.popup = None;
        app.focus = Focus::Compose;
        press(app, "ctrl-t ctrl-u");
    };
    let checked = |app: &App| match &app.popup {
        Some(Popup::Attach(form)) => form.check.clone().unwrap(),
        other => panic!("expected the prompt, got {other:?}"),
    };

    open_on(&mut app, ChannelKind::Wechat);
    type_text(&mut app, &pdf);
    let e = checked(&app).unwrap_err();
    assert!(e.contains("WeChat") && e.contains("not other files"), "{e}");
    assert!(press(&mut app, "enter").is_empty(), "nothing uploaded");
    // Voice is fine on WeChat; .acc is AAC.
    press(&mut app, "ctrl-u");
    type_text(&mut app, &voice);
    let file = checked(&app).unwrap();
    assert_eq!((file.mime, file.note), ("audio/aac", None));

    open_on(&mut app, ChannelKind::Line);
    type_text(&mut app, &voice);
    let file = checked(&app).unwrap();
    assert!(file.note.unwrap().contains("as a link"), "{:?}", file.note);
    open_on(&mut app, ChannelKind::Whatsapp);
    type_text(&mut app, &pdf);
    assert_eq!(checked(&app).unwrap().note, None);
}

/// With no server or token, the inbox opens on a sign-in form: errors are
/// said in place, what was typed stays but the password, and a sign-in
/// goes on into the inbox.
#[test]
fn the_sign_in_form_signs_in_and_says_what_went_wrong() {
    use chatsmart::tui::event::Password;
    let mut app = App::new(
        String::new(),
        chatsmart::tui::keymap::Keymap::preset("default").unwrap(),
        fixtures::now(),
    );
    chatsmart::tui::signin::open(&mut app, Some("https://chat.example.com"));
    assert!(
        chatsmart::tui::update::start(&mut app).is_empty(),
        "no server to ask yet"
    );
    assert_eq!(app.context(), chatsmart::tui::keymap::Context::Form);
    // The server is known: the cursor starts on the login. q and ? are
    // letters here.
    type_text(&mut app, "alice.q?");
    press(&mut app, "backspace ctrl-h");
    let fx = press(&mut app, "enter");
    assert!(fx.is_empty());
    let form = app.signin.as_ref().unwrap();
    assert_eq!(form.login.text(), "alice.");
    assert!(form.error.as_ref().unwrap().contains("password"));
    type_text(&mut app, "hunter2");
    press(&mut app, "space");
    let fx = press(&mut app, "enter");
    assert_eq!(
        fx,
        vec![Effect::SignIn {
            server: "https://chat.example.com".into(),
            login: "alice.".into(),
            password: Password("hunter2 ".into()),
        }]
    );
    // The password never shows, not even in a debug dump.
    assert!(!format!("{fx:?}").contains("hunter2"));
    // (a space, as the form's toggle key, is typed into the field)
    // Refused: said in place; the password is asked again.
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::SignedIn(Err(
            "wrong login or password".into()
        )))),
    );
    let form = app.signin.as_ref().unwrap();
    assert_eq!(form.error.as_deref(), Some("wrong login or password"));
    assert_eq!((form.login.text(), form.password.text()), ("alice.", ""));
    assert_eq!(app.screen, Screen::SignIn);
    type_text(&mut app, "right");
    press(&mut app, "enter");
    let fx = update(
        &mut app,
        Msg::Reply(Box::new(Reply::SignedIn(Ok(
            "https://chat.example.com".into()
        )))),
    );
    assert_eq!(app.screen, Screen::Inbox);
    assert!(app.signin.is_none());
    assert_eq!(fx, vec![Effect::LoadMe], "the inbox starts");

    // An address that is not one is refused before anything is sent.
    let mut app = App::new(
        String::new(),
        chatsmart::tui::keymap::Keymap::preset("default").unwrap(),
        fixtures::now(),
    );
    chatsmart::tui::signin::open(&mut app, None);
    type_text(&mut app, "chat.example.com");
    press(&mut app, "tab");
    type_text(&mut app, "alice");
    press(&mut app, "tab");
    type_text(&mut app, "pw");
    assert!(press(&mut app, "enter").is_empty());
    assert!(app
        .signin
        .as_ref()
        .unwrap()
        .error
        .as_ref()
        .unwrap()
        .contains("https://"));
    // esc leaves.
    press(&mut app, "esc");
    assert!(app.quit);
}

/// Drafts are kept as they are typed: the first change at once, then at
/// most once a tick; sending takes the draft out; kept drafts come back
/// with their cursor, and old ones are dropped.
#[test]
fn drafts_are_kept_as_typed_and_come_back() {
    use chatsmart::tui::drafts;
    let mut app = fixtures::app_with_open(3);
    app.focus = Focus::Compose;
    let kept = |fx: &[Effect]| {
        fx.iter().find_map(|e| match e {
            Effect::KeepDrafts(k) => Some(k.clone()),
            _ => None,
        })
    };
    let keep = chatsmart::tui::update::keep;
    press(&mut app, "h");
    let k = kept(&keep(&mut app)).expect("the first change is kept at once");
    assert_eq!(k.drafts.len(), 1);
    assert_eq!(
        (k.drafts[0].conversation, k.drafts[0].text.as_str()),
        (1, "h")
    );
    // More typing within the same second waits for the tick.
    press(&mut app, "i");
    assert!(kept(&keep(&mut app)).is_none());
    update(
        &mut app,
        Msg::Tick(fixtures::now() + chrono::Duration::seconds(1)),
    );
    let k = kept(&keep(&mut app)).expect("kept at the tick");
    assert_eq!(k.drafts[0].text, "hi");
    assert_eq!(k.drafts[0].cursor, 2);
    // Nothing changed: nothing written.
    update(
        &mut app,
        Msg::Tick(fixtures::now() + chrono::Duration::seconds(2)),
    );
    assert!(kept(&keep(&mut app)).is_none());
    // Sent: the draft is gone from what is kept.
    let fx = press(&mut app, "enter");
    assert!(fx.iter().any(|e| matches!(e, Effect::Send { .. })));
    let k = kept(&keep(&mut app)).expect("the change is kept (a while after the last)");
    assert!(k.drafts.is_empty());

    // Back after a restart: text and cursor; a week-old one is dropped with
    // keep_drafts_days = 3.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drafts/x.json");
    let now = fixtures::now();
    let file = drafts::KeptDrafts {
        version: 1,
        outbox: vec![],
        drafts: vec![
            drafts::KeptDraft {
                conversation: 2,
                text: "half written, 還沒寫完".into(),
                cursor: 4,
                file: Some("/tmp/receipt.png".into()),
                updated_at: now,
            },
            drafts::KeptDraft {
                conversation: 3,
                text: "old".into(),
                cursor: 3,
                file: None,
                updated_at: now - chrono::Duration::days(7),
            },
        ],
    };
    drafts::write(&path, &file).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable only by this user");
    }
    let back = drafts::load(&path, 3, now).unwrap();
    assert_eq!(back.drafts.len(), 1);
    let mut app = fixtures::app_with_open(3);
    drafts::restore(&mut app, back);
    assert_eq!(app.drafts[&2].text(), "half written, 還沒寫完");
    assert_eq!(app.drafts[&2].cursor(), 4);
    assert!(matches!(
        app.draft_files[&2].state,
        chatsmart::tui::attach::FileState::Failed(_)
    ));
    // Restoring is not a change to write back.
    update(&mut app, Msg::Tick(now));
    assert!(kept(&keep(&mut app)).is_none());
    // A file that cannot be read is set aside and said, not overwritten.
    std::fs::write(&path, "{ not json").unwrap();
    let e = drafts::load(&path, 3, now).unwrap_err();
    assert!(e.contains("unreadable"), "{e}");
    assert!(!path.exists());
}

/// Where the agent was comes back: filters, status view, sort, search,
/// the open conversation with its scroll, the selected row and the pane;
/// it is kept as it changes.
#[test]
fn the_inbox_reopens_where_the_agent_left_it() {
    use chatsmart::tui::session;
    let mut app = fixtures::app_with_open(8);
    press(&mut app, "v > 2");
    app.chat_scroll = 3;
    let before = session::snapshot(&app);
    assert_eq!(before.open, Some(1));
    assert_eq!(before.focus, session::KeptFocus::Chat);
    assert!(before.selected.is_some(), "{before:?}");
    // Kept as it changes.
    update(
        &mut app,
        Msg::Tick(fixtures::now() + chrono::Duration::seconds(5)),
    );
    let fx = chatsmart::tui::update::keep(&mut app);
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::KeepSession(s) if *s == before)));

    // A new session, as the program starts: nothing loaded yet.
    let mut next = App::new(
        "http://127.0.0.1:7878/".into(),
        chatsmart::tui::keymap::Keymap::preset("default").unwrap(),
        fixtures::now(),
    );
    session::restore(&mut next, before.clone());
    assert_eq!(next.filters, app.filters, "filters at once");
    let me = Me {
        agent: fixtures::agents()[0].clone(),
        total_unread: 0,
        latest_seq: 10,
        upload_limits: Default::default(),
        standard_editing: Default::default(),
    };
    let fx = update(&mut next, Msg::Reply(Box::new(Reply::Me(Ok(me)))));
    let query = fx
        .iter()
        .find_map(|e| match e {
            Effect::LoadConversations { query, .. } => Some(query.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        query.status, app.filters.status,
        "the list is asked with them"
    );
    assert!(fx.contains(&Effect::LoadConversation(1)));
    // Nothing is kept while it is being put back.
    let kept_now = chatsmart::tui::update::keep(&mut next);
    assert!(!kept_now.iter().any(|e| matches!(e, Effect::KeepSession(_))));
    let row = ConversationRow {
        conversation: app.convs[&1].conversation.clone(),
        unread: 0,
    };
    update(&mut next, Msg::Reply(Box::new(Reply::Reopened(1, Ok(row)))));
    assert_eq!(next.open, Some(1));
    assert_eq!(next.chat_scroll, 3);
    assert_eq!(next.focus, Focus::Pane(Pane::Chat));
    assert!(
        next.restoring.is_some(),
        "the selected row waits for the list"
    );
    let generation = next.list.generation;
    let rows: Vec<ConversationRow> = app
        .list
        .view
        .iter()
        .map(|id| ConversationRow {
            conversation: app.convs[id].conversation.clone(),
            unread: 0,
        })
        .collect();
    update(
        &mut next,
        Msg::Reply(Box::new(Reply::Conversations {
            generation,
            append: false,
            as_of: 10,
            result: Ok(Page {
                items: rows,
                next_cursor: None,
            }),
        })),
    );
    assert!(next.restoring.is_none());
    assert_eq!(
        next.list.view.get(next.list.selected),
        before.selected.as_ref(),
        "the same row selected"
    );
    assert_eq!(session::snapshot(&next), before);

    // A conversation gone since: the inbox opens without it.
    let mut other = App::new(
        "http://x/".into(),
        chatsmart::tui::keymap::Keymap::preset("default").unwrap(),
        fixtures::now(),
    );
    session::restore(&mut other, before);
    update(
        &mut other,
        Msg::Reply(Box::new(Reply::Reopened(
            1,
            Err("conversation not found".into()),
        ))),
    );
    assert_eq!(other.open, None);
}

/// Away from the server, a reply is queued (shown so), kept with the
/// drafts, and sent in order with its own client_id once the connection is
/// back; quitting with replies waiting says they are kept.
#[test]
fn replies_wait_in_an_outbox_while_the_server_is_away() {
    use chatsmart::tui::drafts;
    let mut app = fixtures::app_with_open(3);
    app.conn = ConnState::Reconnecting {
        retry_in: std::time::Duration::from_secs(5),
        since: fixtures::now(),
    };
    app.focus = Focus::Compose;
    type_text(&mut app, "first");
    let fx = press(&mut app, "enter");
    assert!(!fx
        .iter()
        .any(|e| matches!(e, Effect::Send { .. } | Effect::SendInOrder(_))));
    type_text(&mut app, "second");
    press(&mut app, "enter");
    let pending = &app.logs[&1].pending;
    assert_eq!(pending.len(), 2);
    assert!(pending.iter().all(|p| p.state == PendingState::Queued));
    let ids: Vec<String> = pending.iter().map(|p| p.client_id.clone()).collect();
    // Kept on disk, in order.
    let kept = drafts::snapshot(&app);
    assert_eq!(
        kept.outbox
            .iter()
            .map(|r| r.text.as_str())
            .collect::<Vec<_>>(),
        vec!["first", "second"]
    );
    // Quitting says they are kept.
    press(&mut app, "esc q");
    match &app.popup {
        Some(Popup::Confirm { message, .. }) => assert!(message.contains("kept"), "{message}"),
        other => panic!("expected a confirmation, got {other:?}"),
    }
    press(&mut app, "n");

    // Back: sent in order, with the same client ids.
    let fx = update(&mut app, Msg::Server(StreamUpdate::Connected));
    let sends: Vec<(String, String)> = fx
        .iter()
        .find_map(|e| match e {
            Effect::SendInOrder(v) => Some(
                v.iter()
                    .map(|s| match s {
                        Effect::Send {
                            text, client_id, ..
                        } => (text.clone(), client_id.clone()),
                        other => panic!("{other:?}"),
                    })
                    .collect(),
            ),
            _ => None,
        })
        .expect("the queue goes out");
    assert_eq!(
        sends,
        vec![
            ("first".to_string(), ids[0].clone()),
            ("second".to_string(), ids[1].clone())
        ]
    );
    // The server goes away mid-way: queued again, not failed.
    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Sent {
            conversation: 1,
            client_id: ids[1].clone(),
            result: Err("connection refused".into()),
            away: true,
        })),
    );
    let p = app.logs[&1]
        .pending
        .iter()
        .find(|p| p.client_id == ids[1])
        .unwrap();
    assert_eq!(p.state, PendingState::Queued);

    // After a restart the outbox is back, queued.
    let mut next = fixtures::app_with_open(3);
    drafts::restore(&mut next, drafts::snapshot(&app));
    assert_eq!(next.logs[&1].pending.len(), 2);
    assert!(next.logs[&1]
        .pending
        .iter()
        .any(|p| p.state == PendingState::Queued));
}

/// While reconnecting, the countdown shows with the key to try now; the
/// key wakes the stream at once.
#[test]
fn reconnect_now_cuts_the_wait_short() {
    let mut app = fixtures::app(3);
    update(
        &mut app,
        Msg::Server(StreamUpdate::Disconnected {
            reason: "reset".into(),
            retry_in: std::time::Duration::from_secs(20),
        }),
    );
    assert!(matches!(app.conn, ConnState::Reconnecting { .. }));
    let fx = press(&mut app, "R");
    assert_eq!(fx, vec![Effect::ReconnectNow]);
    assert_eq!(app.conn, ConnState::Connecting);
    // Connected: nothing to do.
    update(&mut app, Msg::Server(StreamUpdate::Connected));
    assert!(press(&mut app, "R").is_empty());
}

/// Started while the server is away, the inbox shows the last known one:
/// conversations and histories, marked and read-only; when the server
/// answers it catches up from the event the cache was taken at.
#[test]
fn the_last_known_inbox_shows_while_the_server_is_away() {
    use chatsmart::tui::offline;
    let mut app = fixtures::app_with_open(5);
    app.last_seq = Some(42);
    let id = app.open.unwrap();
    let log = app.logs.entry(id).or_default();
    log.loaded = true;
    let kept = offline::snapshot(&app).expect("something to keep");
    assert!(kept.histories.iter().any(|h| h.conversation == id));

    let mut next = App::new(
        "http://127.0.0.1:7878/".into(),
        chatsmart::tui::keymap::Keymap::preset("default").unwrap(),
        fixtures::now(),
    );
    offline::restore(&mut next, kept);
    assert!(next.cached.is_some());
    assert_eq!(next.list.view.len(), app.list.view.len());
    // Read-only: a change does not go to the server; it says why.
    next.open = Some(id);
    let fx = press(&mut next, "b");
    assert!(fx.is_empty(), "{fx:?}");
    assert!(next.notice.as_ref().unwrap().text.contains("read-only"));
    // The server answers: catch up from the kept event.
    let me = Me {
        agent: fixtures::agents()[0].clone(),
        total_unread: 0,
        latest_seq: 99,
        upload_limits: Default::default(),
        standard_editing: Default::default(),
    };
    let fx = update(&mut next, Msg::Reply(Box::new(Reply::Me(Ok(me)))));
    assert!(fx.contains(&Effect::StartStream(Some(42))), "{fx:?}");
    assert!(next.cached.is_none());
}

/// A file kept on a draft from the last session is uploaded again once the
/// server answers.
#[test]
fn a_kept_draft_file_is_uploaded_again_at_start() {
    use chatsmart::tui::drafts;
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("receipt.png");
    std::fs::write(&png, samples::png_1x1()).unwrap();
    let mut app = fixtures::app_with_open(3);
    app.me = None;
    drafts::restore(
        &mut app,
        drafts::KeptDrafts {
            version: 1,
            drafts: vec![drafts::KeptDraft {
                conversation: 1,
                text: "here it is".into(),
                cursor: 10,
                file: Some(png.clone()),
                updated_at: fixtures::now(),
            }],
            outbox: vec![],
        },
    );
    let me = Me {
        agent: fixtures::agents()[0].clone(),
        total_unread: 0,
        latest_seq: 1,
        upload_limits: Default::default(),
        standard_editing: Default::default(),
    };
    let fx = update(&mut app, Msg::Reply(Box::new(Reply::Me(Ok(me)))));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Upload { conversation: 1, path, .. } if *path == png)),
        "{fx:?}"
    );
}
