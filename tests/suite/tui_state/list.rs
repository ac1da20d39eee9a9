//! The chatroom list: filters, search, unread counts, paging, channel tabs, status views and sorting, jumps, marking several.

use super::*;

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
        .all(|id| app.mirror.convs[id].conversation.channel == ChannelKind::Line));
    assert!(
        matches!(&fx[..], [Effect::LoadConversations { query, .. }] if query.channel == Some(ChannelKind::Line))
    );

    press(&mut app, "alt-0 S");
    assert_eq!(app.filters.section, Some(Section::Agent));
    assert!(app
        .list
        .view
        .iter()
        .all(|id| !app.mirror.convs[id].conversation.bot_active));
    press(&mut app, "S");
    assert!(app
        .list
        .view
        .iter()
        .all(|id| app.mirror.convs[id].conversation.bot_active));
    press(&mut app, "S");
    assert_eq!(app.filters.section, None);

    press(&mut app, "m");
    assert_eq!(names(&app), vec!["佐藤陽菜"], "assigned to me");
    press(&mut app, "o");
    assert!(app.list.view.iter().all(|id| {
        let c = &app.mirror.convs[id].conversation;
        !c.assignees.is_empty() && !c.is_assigned_to(1)
    }));
    press(&mut app, "n");
    assert!(app
        .list
        .view
        .iter()
        .all(|id| app.mirror.convs[id].conversation.assignees.is_empty()));
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
        conversation: app.mirror.convs[&5].conversation.clone(),
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
    let unread_3 = app.mirror.convs[&3].unread();
    let ev = inbound(&app, 3, 9001, "any update?");
    update(&mut app, event(10, ev));
    assert_eq!(app.mirror.convs[&3].unread(), unread_3 + 1);
    assert_eq!(app.total_unread(), before + 1);
    assert_eq!(app.list.view[0], 3, "moves to the top");
    assert_eq!(app.mirror.last_seq, Some(10));

    // Opening it marks it read, locally at once and on the server.
    app.list.selected = 0;
    let fx = press(&mut app, "enter");
    assert_eq!(app.open, Some(3));
    assert_eq!(app.mirror.convs[&3].unread(), 0);
    assert!(fx.contains(&Effect::MarkRead(3)));
    assert!(fx.contains(&Effect::LoadMessages {
        conversation: 3,
        before: None
    }));
    assert!(fx.contains(&Effect::LoadCustomer(3)));

    // While it is open and looked at, new messages are read as they come.
    let ev = inbound(&app, 3, 9002, "hello?");
    let fx = update(&mut app, event(11, ev));
    assert_eq!(app.mirror.convs[&3].unread(), 0);
    assert!(fx.contains(&Effect::MarkRead(3)));

    // Read elsewhere by this agent: the count follows; by others: it does not.
    let ev = inbound(&app, 4, 9003, "hi");
    update(&mut app, event(12, ev));
    let n = app.mirror.convs[&4].conversation.inbound_count;
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
    assert!(app.mirror.convs[&4].unread() > 0);
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
    assert_eq!(app.mirror.convs[&4].unread(), 0);
}

#[test]
fn a_page_does_not_undo_newer_events() {
    let mut app = fixtures::app(3);
    let stale = app.mirror.convs[&2].conversation.clone();
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
        app.mirror.convs[&2]
            .conversation
            .last_message
            .as_ref()
            .unwrap()
            .text,
        "newest"
    );
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
fn scrolling_to_the_top_loads_older_messages() {
    let mut app = fixtures::app_with_open(3);
    app.mirror.logs.get_mut(&1).unwrap().has_more = true;
    app.size = (120, 30);
    let fx = press(&mut app, "g");
    assert_eq!(
        fx,
        vec![Effect::LoadMessages {
            conversation: 1,
            before: Some(1)
        }]
    );
    assert!(app.mirror.logs[&1].loading);
    // While loading, scrolling asks no more.
    assert!(press(&mut app, "k").is_empty());
    let older = Message {
        tap: None,
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
    let log = &app.mirror.logs[&1];
    assert_eq!(log.messages[0].text, "the very first message");
    assert!(!log.has_more && !log.loading);
    press(&mut app, "G");
    assert_eq!(app.chat_scroll, 0);
}

#[test]
fn the_status_view_and_sort_order_follow_keys_and_events() {
    let mut app = fixtures::app(4);
    assert_eq!(app.filters.query().status, Some(StatusSet::active()));
    // A conversation resolved elsewhere leaves the active view.
    let mut c = app.mirror.convs[&2].conversation.clone();
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
    let mut c = app.mirror.convs[&4].conversation.clone();
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
            assert_eq!(message, "Assign Bob Chen to 3 conversations?");
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
    for row in app.mirror.convs.values_mut() {
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
        .all(|id| app.mirror.convs[id].conversation.channel_account_id == 11));
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
