//! Staying connected and losing nothing: connection state, sign-in, kept drafts, reopening where the agent left, the outbox, the last known inbox.

use super::*;

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
    assert_eq!(app.mirror.last_seq, Some(99));
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
        conversation: app.mirror.convs[&1].conversation.clone(),
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
            conversation: app.mirror.convs[id].conversation.clone(),
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
    let pending = &app.mirror.logs[&1].pending;
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
    let p = app.mirror.logs[&1]
        .pending
        .iter()
        .find(|p| p.client_id == ids[1])
        .unwrap();
    assert_eq!(p.state, PendingState::Queued);

    // After a restart the outbox is back, queued.
    let mut next = fixtures::app_with_open(3);
    drafts::restore(&mut next, drafts::snapshot(&app));
    assert_eq!(next.mirror.logs[&1].pending.len(), 2);
    assert!(next.mirror.logs[&1]
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
    app.mirror.last_seq = Some(42);
    let id = app.open.unwrap();
    let log = app.mirror.logs.entry(id).or_default();
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
    app.mirror.me = None;
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
