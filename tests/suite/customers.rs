//! The customer's record over real HTTP: validated profile fields, shared
//! tags and their management, and scheduled messages on a clock the test
//! moves by hand.

use crate::common::*;
use chatsmart::protocol::*;
use chatsmart::server::clock::ManualClock;
use chatsmart::server::workers::scheduler;
use std::sync::Arc;

fn status(e: chatsmart::client::ClientError) -> u16 {
    e.status()
        .unwrap_or_else(|| panic!("expected an API error, got {e}"))
}

#[tokio::test]
async fn profile_fields_are_validated_and_bad_values_never_saved() {
    let t = TestServer::start().await;
    let acc = t.inbound(ChannelKind::Line, "U1", "Mei", "hi", "p-1").await;
    let c = &t.alice.client;
    let patch = |p: CustomerPatch| async move { c.patch_customer(acc.customer_id, &p).await };
    for bad in [
        CustomerPatch {
            email: Some(Some("not-an-email".into())),
            ..Default::default()
        },
        CustomerPatch {
            phone: Some(Some("call me maybe".into())),
            ..Default::default()
        },
        CustomerPatch {
            age: Some(Some(151)),
            ..Default::default()
        },
        CustomerPatch {
            custom_fields: Some([(" ".to_string(), "x".to_string())].into()),
            ..Default::default()
        },
        CustomerPatch {
            name: Some("  ".into()),
            ..Default::default()
        },
    ] {
        assert_eq!(
            status(patch(bad.clone()).await.unwrap_err()),
            422,
            "{bad:?}"
        );
    }
    let before = c.customer(acc.customer_id).await.unwrap();
    assert_eq!(before.version, 1, "nothing was saved");
    let ok = patch(CustomerPatch {
        version: Some(1),
        email: Some(Some(" mei@example.com ".into())),
        phone: Some(Some("+852 5123 4567".into())),
        custom_fields: Some([(" Member no ".to_string(), " A-1 ".to_string())].into()),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(ok.email.as_deref(), Some("mei@example.com"));
    assert_eq!(
        ok.custom_fields.get("Member no").map(String::as_str),
        Some("A-1")
    );
    // A second agent who loaded version 1 is told, not silently overwritten.
    let e = t
        .bob
        .client
        .patch_customer(
            acc.customer_id,
            &CustomerPatch {
                version: Some(1),
                email: Some(None),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(status(e), 409);
    assert_eq!(
        c.customer(acc.customer_id).await.unwrap().email.as_deref(),
        Some("mei@example.com")
    );
}

#[tokio::test]
async fn tags_are_counted_renamed_merged_deleted_and_filter_the_list() {
    let t = TestServer::start().await;
    let a = t.inbound(ChannelKind::Line, "U1", "Mei", "hi", "t-1").await;
    let b = t
        .inbound(ChannelKind::Wechat, "o1", "Wei", "hi", "t-2")
        .await;
    let c3 = t
        .inbound(ChannelKind::Messenger, "p1", "Ava", "hi", "t-3")
        .await;
    let al = &t.alice.client;
    let tag = |n: &str| TagCustomer {
        tag_id: None,
        name: Some(n.into()),
    };
    al.tag_customer(a.customer_id, &tag("VIP")).await.unwrap();
    al.tag_customer(b.customer_id, &tag("VIP")).await.unwrap();
    al.tag_customer(b.customer_id, &tag("vip-old"))
        .await
        .unwrap();
    al.tag_customer(c3.customer_id, &tag("vip-old"))
        .await
        .unwrap();
    al.tag_customer(c3.customer_id, &tag("Refund"))
        .await
        .unwrap();
    let infos = al.tags().await.unwrap();
    let count =
        |n: &str, infos: &[TagInfo]| infos.iter().find(|i| i.tag.name == n).map(|i| i.customers);
    assert_eq!(count("VIP", &infos), Some(2));
    assert_eq!(count("vip-old", &infos), Some(2));
    let id = |n: &str| infos.iter().find(|i| i.tag.name == n).unwrap().tag.id;

    // The list filters by tag, and each row carries its customer's tags.
    let q = ConversationQuery {
        tag: Some(id("VIP")),
        ..Default::default()
    };
    let rows = al.conversations(&q).await.unwrap().items;
    let mut ids: Vec<_> = rows.iter().map(|r| r.conversation.id).collect();
    ids.sort_unstable();
    assert_eq!(ids, vec![a.conversation_id, b.conversation_id]);
    assert!(rows
        .iter()
        .all(|r| r.conversation.tag_ids.contains(&id("VIP"))));

    // Management is for admins.
    assert_eq!(status(al.delete_tag(id("Refund")).await.unwrap_err()), 403);
    let admin = &t.admin.client;
    let me = admin.me().await.unwrap();
    let mut ws = t.ws(&t.admin.token, Some(me.latest_seq)).await;
    assert_eq!(
        status(
            admin
                .update_tag(
                    id("vip-old"),
                    &TagPatch {
                        name: Some("vip".into()),
                        color: None
                    }
                )
                .await
                .unwrap_err()
        ),
        409,
        "renaming onto another tag's name is a merge, not a rename"
    );
    let recoloured = admin
        .update_tag(
            id("Refund"),
            &TagPatch {
                name: Some("Refunds".into()),
                color: Some("#ff8800".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (recoloured.name.as_str(), recoloured.color.as_str()),
        ("Refunds", "#ff8800")
    );
    ws.until(|e| matches!(&e.kind, EventKind::TagUpdated { tag } if tag.name == "Refunds"))
        .await;
    assert_eq!(
        al.customer(c3.customer_id)
            .await
            .unwrap()
            .tags
            .iter()
            .find(|t| t.id == id("Refund"))
            .unwrap()
            .name,
        "Refunds"
    );

    // Merge vip-old into VIP: B keeps one VIP, C gains it.
    let merged = admin.merge_tag(id("vip-old"), id("VIP")).await.unwrap();
    assert_eq!(merged.customers, 3);
    ws.until(|e| matches!(&e.kind, EventKind::TagsMerged { .. }))
        .await;
    let b_tags: Vec<_> = al
        .customer(b.customer_id)
        .await
        .unwrap()
        .tags
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(b_tags, vec!["VIP"]);
    assert!(al
        .tags()
        .await
        .unwrap()
        .iter()
        .all(|i| i.tag.name != "vip-old"));
    assert_eq!(
        status(admin.merge_tag(id("VIP"), id("VIP")).await.unwrap_err()),
        422
    );

    // Delete says how many customers lose it.
    let removed = admin.delete_tag(id("VIP")).await.unwrap();
    assert_eq!(removed.customers, 3);
    ws.until(|e| matches!(&e.kind, EventKind::TagDeleted { .. }))
        .await;
    assert!(al.customer(a.customer_id).await.unwrap().tags.is_empty());
    assert_eq!(status(admin.delete_tag(id("VIP")).await.unwrap_err()), 404);
}

#[tokio::test]
async fn scheduled_messages_go_out_on_time_exactly_once_even_across_a_restart() {
    let start: chrono::DateTime<chrono::Utc> = "2026-11-25T08:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let mut t = TestServer::start_with_clock(clock.clone()).await;
    let acc = t
        .inbound(ChannelKind::Line, "U1", "Mei Chan", "hi", "sch-1")
        .await;
    t.alice
        .client
        .patch_customer(
            acc.customer_id,
            &CustomerPatch {
                email: Some(Some("mei@example.com".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let c = &t.alice.client;
    let at = |h: i64| start + chrono::Duration::hours(h);

    // Bad ones are refused.
    let bad = |name: &str, text: &str, when| NewScheduled {
        name: name.into(),
        text: text.into(),
        send_at: when,
    };
    assert_eq!(
        status(
            c.schedule(acc.conversation_id, &bad("past", "x", at(-1)))
                .await
                .unwrap_err()
        ),
        422
    );
    assert_eq!(
        status(
            c.schedule(
                acc.conversation_id,
                &bad("ph", "Hi {{customer.nick}}", at(1))
            )
            .await
            .unwrap_err()
        ),
        422
    );
    assert_eq!(
        status(
            c.schedule(acc.conversation_id, &bad("", "x", at(1)))
                .await
                .unwrap_err()
        ),
        422
    );
    assert_eq!(
        status(c.schedule(9999, &bad("x", "x", at(1))).await.unwrap_err()),
        404
    );

    let reminder = c
        .schedule(
            acc.conversation_id,
            &bad(
                "Reminder",
                "Hi {{customer.first_name}}, a reminder from {{agent.name}}: {{customer.email}}",
                at(2),
            ),
        )
        .await
        .unwrap();
    assert_eq!(reminder.status, ScheduledStatus::Pending);
    assert_eq!(reminder.created_by.name, "Alice Wong");
    let later = c
        .schedule(acc.conversation_id, &bad("Later", "to be cancelled", at(3)))
        .await
        .unwrap();
    let moved = c
        .update_scheduled(
            reminder.id,
            &ScheduledPatch {
                send_at: Some(at(1)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.send_at, at(1));
    c.cancel_scheduled(later.id).await.unwrap();
    assert_eq!(status(c.cancel_scheduled(later.id).await.unwrap_err()), 409);

    // Not yet due: nothing goes out.
    assert_eq!(scheduler::tick(t.state()).await, 0);
    clock.advance(chrono::Duration::minutes(59));
    assert_eq!(scheduler::tick(t.state()).await, 0);
    // Due: out once, however often the scheduler looks.
    clock.advance(chrono::Duration::minutes(1));
    let sent_now = scheduler::tick(t.state()).await + scheduler::tick(t.state()).await;
    let msgs = c
        .messages(acc.conversation_id, &MessagesQuery::default())
        .await
        .unwrap()
        .items;
    let scheduled_msgs: Vec<_> = msgs.iter().filter(|m| m.scheduled_id.is_some()).collect();
    assert_eq!(
        scheduled_msgs.len(),
        1,
        "exactly once (the background scheduler may have sent it: {sent_now})"
    );
    let m = scheduled_msgs[0];
    assert_eq!(
        m.text,
        "Hi Mei, a reminder from Alice Wong: mei@example.com"
    );
    assert_eq!(m.kind, MessageKind::Agent);
    assert_eq!(m.author_name.as_deref(), Some("Alice Wong"));
    assert_eq!(m.scheduled_id, Some(reminder.id));
    let list = c.scheduled(acc.conversation_id).await.unwrap();
    let r = list.iter().find(|s| s.id == reminder.id).unwrap();
    assert_eq!(r.status, ScheduledStatus::Sent);
    assert_eq!(r.sent_message_id, Some(m.id));
    assert_eq!(
        status(
            c.update_scheduled(
                reminder.id,
                &ScheduledPatch {
                    text: Some("x".into()),
                    ..Default::default()
                }
            )
            .await
            .unwrap_err()
        ),
        409
    );

    // One falls due while the server is down: it goes out when it starts, once.
    let overnight = c
        .schedule(
            acc.conversation_id,
            &bad("Overnight", "Good morning!", at(5)),
        )
        .await
        .unwrap();
    t.stop().await;
    clock.advance(chrono::Duration::hours(8));
    t.restart_stopped().await;
    let c = &t.alice.client;
    let mut found = 0;
    for _ in 0..100 {
        let msgs = c
            .messages(acc.conversation_id, &MessagesQuery::default())
            .await
            .unwrap()
            .items;
        found = msgs
            .iter()
            .filter(|m| m.scheduled_id == Some(overnight.id))
            .count();
        if found > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(found, 1, "sent on start");
    for _ in 0..3 {
        scheduler::tick(t.state()).await;
    }
    t.restart().await;
    scheduler::tick(t.state()).await;
    let msgs = t
        .alice
        .client
        .messages(acc.conversation_id, &MessagesQuery::default())
        .await
        .unwrap()
        .items;
    assert_eq!(
        msgs.iter()
            .filter(|m| m.scheduled_id == Some(overnight.id))
            .count(),
        1,
        "never twice"
    );
    assert_eq!(
        msgs.iter().filter(|m| m.text == "to be cancelled").count(),
        0,
        "cancelled never goes out"
    );
}

#[tokio::test]
async fn broadcasts_reach_everyone_with_the_tag_in_the_background_and_are_kept() {
    let start: chrono::DateTime<chrono::Utc> = "2026-11-25T08:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let t = TestServer::start_with_clock(clock.clone()).await;
    let mut convs = Vec::new();
    for i in 0..5 {
        let ch = if i < 3 {
            ChannelKind::Line
        } else {
            ChannelKind::Whatsapp
        };
        let acc = t
            .inbound(
                ch,
                &format!("u{i}"),
                &format!("Customer {i}"),
                "hi",
                &format!("b-{i}"),
            )
            .await;
        t.admin
            .client
            .tag_customer(
                acc.customer_id,
                &TagCustomer {
                    tag_id: None,
                    name: Some("VIP".into()),
                },
            )
            .await
            .unwrap();
        convs.push(acc.conversation_id);
    }
    t.inbound(ChannelKind::Line, "other", "Not VIP", "hi", "b-x")
        .await;
    let vip = t.admin.client.tags().await.unwrap()[0].tag.id;
    let admin = &t.admin.client;
    // Preview, then send to LINE only.
    let all = admin
        .broadcast_preview(&BroadcastAudience {
            tag_id: vip,
            channels: vec![],
        })
        .await
        .unwrap();
    assert_eq!(all.recipients, 5);
    let line = BroadcastAudience {
        tag_id: vip,
        channels: vec![ChannelKind::Line],
    };
    assert_eq!(admin.broadcast_preview(&line).await.unwrap().recipients, 3);
    assert_eq!(
        status(t.alice.client.broadcast_preview(&line).await.unwrap_err()),
        403,
        "admins only"
    );
    let e = admin
        .broadcast(&NewBroadcast {
            tag_id: vip,
            channels: vec![],
            text: "Hi {{customer.nick}}".into(),
            send_at: None,
        })
        .await
        .unwrap_err();
    assert_eq!(status(e), 422);

    let b = admin
        .broadcast(&NewBroadcast {
            tag_id: vip,
            channels: vec![ChannelKind::Line],
            text: "Sale for {{customer.name}} 🎉".into(),
            send_at: None,
        })
        .await
        .unwrap();
    assert_eq!(b.status, BroadcastStatus::Scheduled);
    for _ in 0..3 {
        scheduler::tick(t.state()).await;
    }
    let done = admin.get_broadcast(b.id).await.unwrap();
    assert_eq!(
        (done.status, done.total, done.sent, done.failed),
        (BroadcastStatus::Done, 3, 3, 0)
    );
    for (i, conv) in convs.iter().enumerate() {
        let msgs = admin
            .messages(*conv, &MessagesQuery::default())
            .await
            .unwrap()
            .items;
        let got = msgs
            .iter()
            .filter(|m| m.text == format!("Sale for Customer {i} 🎉"))
            .count();
        assert_eq!(
            got,
            usize::from(i < 3),
            "conversation {i}: once, and only on LINE"
        );
    }
    // Kept for review; a finished one cannot be cancelled.
    assert_eq!(admin.broadcasts().await.unwrap()[0].id, b.id);
    assert_eq!(status(admin.cancel_broadcast(b.id).await.unwrap_err()), 409);

    // A scheduled broadcast waits for its time, and can be cancelled.
    let later = admin
        .broadcast(&NewBroadcast {
            tag_id: vip,
            channels: vec![],
            text: "Later".into(),
            send_at: Some(start + chrono::Duration::hours(1)),
        })
        .await
        .unwrap();
    scheduler::tick(t.state()).await;
    assert_eq!(
        admin.get_broadcast(later.id).await.unwrap().status,
        BroadcastStatus::Scheduled
    );
    clock.advance(chrono::Duration::hours(1));
    scheduler::tick(t.state()).await;
    let l = admin.get_broadcast(later.id).await.unwrap();
    assert_eq!((l.status, l.sent), (BroadcastStatus::Done, 5));
    let third = admin
        .broadcast(&NewBroadcast {
            tag_id: vip,
            channels: vec![],
            text: "Never".into(),
            send_at: Some(start + chrono::Duration::hours(5)),
        })
        .await
        .unwrap();
    assert_eq!(
        admin.cancel_broadcast(third.id).await.unwrap().status,
        BroadcastStatus::Cancelled
    );
    clock.advance(chrono::Duration::hours(10));
    scheduler::tick(t.state()).await;
    let msgs = admin
        .messages(convs[0], &MessagesQuery::default())
        .await
        .unwrap()
        .items;
    assert!(!msgs.iter().any(|m| m.text == "Never"));
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[tokio::test]
async fn customers_import_from_files_made_elsewhere_and_export_round_trips() {
    for file in ["customers_ok.xlsx", "customers_ok.xls"] {
        let t = TestServer::start().await;
        let existing = t
            .inbound(ChannelKind::Line, "U-existing", "Mei", "hi", "ci-1")
            .await;
        let admin = &t.admin.client;
        assert_eq!(
            status(
                t.alice
                    .client
                    .customers_import(fixture(file), file, false)
                    .await
                    .unwrap_err()
            ),
            403
        );

        let dry = admin
            .customers_import(fixture(file), file, true)
            .await
            .unwrap();
        assert!(dry.errors.is_empty(), "{file}: {:?}", dry.errors);
        assert_eq!(
            (dry.created, dry.updated, dry.applied),
            (3, 1, false),
            "{file}"
        );
        assert_eq!(
            admin.customer(existing.customer_id).await.unwrap().name,
            "Mei",
            "a dry run changes nothing"
        );

        let r = admin
            .customers_import(fixture(file), file, false)
            .await
            .unwrap();
        assert!(r.applied, "{file}: {r:?}");
        assert_eq!((r.created, r.updated, r.blank_rows_skipped), (3, 1, 1));
        let mei = admin.customer(existing.customer_id).await.unwrap();
        assert_eq!(mei.name, "陳美玲 (updated)");
        assert_eq!(mei.age, Some(34));
        assert_eq!(
            mei.custom_fields.get("Member no").map(String::as_str),
            Some("A-1001")
        );
        let mut tags: Vec<_> = mei.tags.iter().map(|t| t.name.clone()).collect();
        tags.sort();
        assert_eq!(tags, vec!["VIP", "退款"]);

        // Export, then import the export: nothing changes.
        for csv in [false, true] {
            let bytes = admin.customers_export(csv).await.unwrap();
            let name = if csv { "out.csv" } else { "out.xlsx" };
            let again = admin.customers_import(bytes, name, false).await.unwrap();
            assert!(again.errors.is_empty(), "{name}: {:?}", again.errors);
            assert_eq!(
                (again.created, again.updated, again.unchanged),
                (0, 0, 4),
                "{file} via {name}"
            );
        }
        let all = t.state().store.all_customers().await.unwrap();
        let olivia = all.iter().find(|c| c.channel_user_id == "psid-9").unwrap();
        assert_eq!(
            olivia.custom_fields.get("Member no").map(String::as_str),
            Some("gold member\nsince 2021"),
            "multi-line kept"
        );
        assert_eq!(olivia.channel, ChannelKind::Messenger);
    }
}

#[tokio::test]
async fn a_bad_customer_row_stops_the_whole_import() {
    let t = TestServer::start().await;
    let csv = "Channel,Channel_user_id,Name,Email,Age\nLINE,U1,Fine,,\nTelegram,U2,X,,\nLINE,,Y,,\nLINE,U3,Z,nope,\nLINE,U4,W,,999\n";
    let r = t
        .admin
        .client
        .customers_import(csv.as_bytes().to_vec(), "c.csv", false)
        .await
        .unwrap();
    assert!(!r.applied);
    let got: Vec<(usize, &str)> = r
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "Channel"),
            (4, "Channel_user_id"),
            (5, "Email"),
            (6, "Age")
        ]
    );
    assert!(
        t.state().store.all_customers().await.unwrap().is_empty(),
        "not even the good row"
    );
    let e = t
        .admin
        .client
        .customers_import(b"\x00\x01binary".to_vec(), "x.pdf", false)
        .await
        .unwrap_err();
    assert_eq!(status(e), 415);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customers_cli_acts_on_a_server() {
    let t = TestServer::start().await;
    t.inbound(ChannelKind::Line, "U1", "=HYPERLINK(\"x\")", "hi", "cc-1")
        .await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_chatsmart"))
            .args(args)
            .env("CHATSMART_SERVER", t.url())
            .env("CHATSMART_TOKEN", &t.admin.token)
            .env("XDG_CONFIG_HOME", dir.path())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let csv = dir.path().join("c.csv");
    let (ok, _, err) = run(&["customers", "export", csv.to_str().unwrap()]);
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.contains("'=HYPERLINK"),
        "a formula-like name is written as text: {text}"
    );
    let (ok, out, _) = run(&["customers", "import", csv.to_str().unwrap(), "--dry-run"]);
    assert!(ok);
    assert!(out.contains("would create 0 and would update 0"), "{out}");
    let xlsx = dir.path().join("c.xlsx");
    let (ok, _, err) = run(&["customers", "export", xlsx.to_str().unwrap()]);
    assert!(ok, "{err}");
    let (ok, _, err) = run(&[
        "customers",
        "export",
        dir.path().join("c.txt").to_str().unwrap(),
    ]);
    assert!(!ok && err.contains(".xlsx or .csv"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_broadcasts_cli_lists_shows_and_cancels() {
    let t = TestServer::start().await;
    let acc = t
        .inbound(ChannelKind::Line, "U9", "Vip Customer", "hi", "bc-1")
        .await;
    t.admin
        .client
        .tag_customer(
            acc.customer_id,
            &TagCustomer {
                tag_id: None,
                name: Some("VIP".into()),
            },
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_chatsmart"))
            .args(args)
            .env("CHATSMART_SERVER", t.url())
            .env("CHATSMART_TOKEN", &t.admin.token)
            .env("XDG_CONFIG_HOME", dir.path())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(&[
        "broadcast",
        "--tag",
        "vip",
        "--at",
        "in 2h",
        "--yes",
        "Sale, {{customer.name}}!",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("reaches 1 conversation"), "{out}");
    // Piped: JSON by default.
    let (ok, out, _) = run(&["broadcasts"]);
    assert!(ok);
    let list: Vec<Broadcast> = serde_json::from_str(&out).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].status, BroadcastStatus::Scheduled);
    let id = list[0].id.to_string();
    let (_, out, _) = run(&["broadcasts", "-q"]);
    assert_eq!(out, format!("{id}\n"));
    let (_, out, _) = run(&["broadcasts", "list", "-o", "csv"]);
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("id,tag,channels,status,total,sent,failed,send_at,by,text")
    );
    let row = lines.next().unwrap();
    assert!(
        row.starts_with(&format!("{id},VIP,all,scheduled,")),
        "{row}"
    );
    assert!(row.ends_with(",\"Sale, {{customer.name}}!\""), "{row}");
    let (_, out, _) = run(&["broadcasts", "show", &id, "-o", "table"]);
    assert!(out.contains("status    scheduled"), "{out}");
    let (ok, out, err) = run(&["-o", "json", "broadcasts", "cancel", &id]);
    assert!(ok, "{err}");
    let b: Broadcast = serde_json::from_str(&out).unwrap();
    assert_eq!(b.status, BroadcastStatus::Cancelled);
    assert!(err.contains("cancelled broadcast"), "{err}");
    // Errors: one line on stderr, a failing exit code.
    let (ok, _, err) = run(&["broadcasts", "cancel", &id]);
    assert!(!ok);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("already"), "{err}");
    let (ok, _, err) = run(&["broadcasts", "show", "99999"]);
    assert!(!ok && !err.is_empty());
}
