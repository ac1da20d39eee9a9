//! Standard messages over real HTTP: folders with scope, placeholders,
//! events, and the spreadsheet template, import and export.

use crate::common::*;
use chatsmart::protocol::*;
use chatsmart::sheets;
use std::collections::BTreeSet;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn status(e: chatsmart::client::ClientError) -> u16 {
    e.status()
        .unwrap_or_else(|| panic!("expected an API error, got {e}"))
}

async fn team_id(t: &TestServer, name: &str) -> TeamId {
    t.admin
        .client
        .teams()
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.name == name)
        .unwrap()
        .id
}

#[tokio::test]
async fn folders_are_seen_within_their_scope_and_named_once_per_scope() {
    let t = TestServer::start().await;
    let line = t.inbound(ChannelKind::Line, "U1", "Mei", "hi", "s-1").await;
    let wa = t
        .inbound(ChannelKind::Whatsapp, "852", "Ava", "hi", "s-2")
        .await;
    let support = team_id(&t, "Support").await;
    let billing = team_id(&t, "Billing").await;
    let me = t.alice.client.me().await.unwrap();
    let mut ws = t.ws(&t.alice.token, Some(me.latest_seq)).await;

    // Folders for everyone are an admin's.
    let e = t
        .alice
        .client
        .create_folder(&FolderInput {
            name: "Mine".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status(e), 403);

    let admin = &t.admin.client;
    let shipping = admin
        .create_folder(&FolderInput {
            name: "Shipping".into(),
            channels: vec![ChannelKind::Line],
            team_id: Some(support),
            assignee_ids: vec![],
        })
        .await
        .unwrap();
    let everyone = admin
        .create_folder(&FolderInput {
            name: "Greetings".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let billing_f = admin
        .create_folder(&FolderInput {
            name: "Refunds".into(),
            channels: vec![],
            team_id: Some(billing),
            assignee_ids: vec![],
        })
        .await
        .unwrap();
    let private = admin
        .create_folder(&FolderInput {
            name: "Bob only".into(),
            channels: vec![],
            team_id: None,
            assignee_ids: vec![t.bob.agent.id],
        })
        .await
        .unwrap();
    assert_eq!(
        status(
            admin
                .create_folder(&FolderInput {
                    name: "shipping".into(),
                    channels: vec![ChannelKind::Line],
                    team_id: Some(support),
                    assignee_ids: vec![],
                })
                .await
                .unwrap_err()
        ),
        409,
        "one name per scope"
    );
    // The same name for another channel is a folder of its own.
    let shipping_wa = admin
        .create_folder(&FolderInput {
            name: "Shipping".into(),
            channels: vec![ChannelKind::Whatsapp],
            team_id: Some(support),
            assignee_ids: vec![],
        })
        .await
        .unwrap();
    // Nor can a change give a folder the name and scope of another.
    assert_eq!(
        status(
            admin
                .update_folder(
                    shipping_wa.id,
                    &FolderPatch {
                        channels: Some(vec![ChannelKind::Line]),
                        ..Default::default()
                    },
                )
                .await
                .unwrap_err()
        ),
        409
    );
    admin.delete_folder(shipping_wa.id).await.unwrap();
    admin
        .add_standard_message(
            shipping.id,
            "Hi {{customer.name}}, your parcel is on its way 📦",
        )
        .await
        .unwrap();
    admin
        .add_standard_message(everyone.id, "Hello! 😊")
        .await
        .unwrap();
    admin
        .add_standard_message(billing_f.id, "Refunds take 3–5 days.")
        .await
        .unwrap();
    admin
        .add_standard_message(private.id, "For Bob")
        .await
        .unwrap();
    // An unknown placeholder is refused when saved.
    let e = admin
        .add_standard_message(everyone.id, "Hi {{customer.nickname}}")
        .await
        .unwrap_err();
    assert_eq!(status(e), 422);

    let names =
        |folders: Vec<StandardFolder>| folders.into_iter().map(|f| f.name).collect::<BTreeSet<_>>();
    let q = |c: ConversationId| StandardQuery {
        conversation: Some(c),
        channel: None,
    };
    // Alice (Support) on LINE: Shipping and Greetings; on WhatsApp: Greetings.
    assert_eq!(
        names(
            t.alice
                .client
                .standard_folders(&q(line.conversation_id))
                .await
                .unwrap()
        ),
        BTreeSet::from(["Greetings".to_string(), "Shipping".to_string()])
    );
    assert_eq!(
        names(
            t.alice
                .client
                .standard_folders(&q(wa.conversation_id))
                .await
                .unwrap()
        ),
        BTreeSet::from(["Greetings".to_string()])
    );
    // Bob (Billing): Refunds, Greetings and his own folder, never Support's.
    assert_eq!(
        names(
            t.bob
                .client
                .standard_folders(&q(line.conversation_id))
                .await
                .unwrap()
        ),
        BTreeSet::from([
            "Bob only".to_string(),
            "Greetings".to_string(),
            "Refunds".to_string()
        ])
    );
    // Admins managing see everything.
    assert_eq!(
        admin
            .standard_folders(&StandardQuery::default())
            .await
            .unwrap()
            .len(),
        4
    );

    // Edits stream to open clients.
    let renamed = admin
        .update_folder(
            shipping.id,
            &FolderPatch {
                name: Some("Delivery".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "Delivery");
    assert_eq!(
        renamed.team.as_ref().unwrap().id,
        support,
        "other fields unchanged"
    );
    let ev = ws.until(|e| matches!(&e.kind, EventKind::StandardFolderChanged { folder } if folder.name == "Delivery")).await;
    assert!(matches!(ev.kind, EventKind::StandardFolderChanged { .. }));
    let msg_id = renamed.messages[0].id;
    let edited = admin
        .edit_standard_message(msg_id, "Your parcel ships today, {{customer.first_name}}")
        .await
        .unwrap();
    assert_eq!(edited.id, msg_id);
    admin.delete_standard_message(msg_id).await.unwrap();
    assert_eq!(
        status(admin.delete_standard_message(msg_id).await.unwrap_err()),
        404
    );
    admin.delete_folder(private.id).await.unwrap();
    ws.until(|e| matches!(&e.kind, EventKind::StandardFolderDeleted { folder_id } if *folder_id == private.id)).await;
    assert_eq!(
        admin
            .standard_folders(&StandardQuery::default())
            .await
            .unwrap()
            .len(),
        3
    );
}

/// The help centre has agents keep their own standard messages: a folder
/// for themselves or for a team they are in, and its messages; admins
/// manage all, and a server may keep editing for admins.
#[tokio::test]
async fn agents_keep_folders_for_themselves_and_their_teams() {
    let t = TestServer::start().await;
    let support = team_id(&t, "Support").await;
    let billing = team_id(&t, "Billing").await;
    let alice = &t.alice.client;
    let me = alice.me().await.unwrap();
    assert_eq!(me.standard_editing, StandardEditing::Everyone);
    let mut bob_ws = t.ws(&t.bob.token, Some(me.latest_seq)).await;

    // Her own folder: 201.
    let own = alice
        .create_folder(&FolderInput {
            name: "My replies".into(),
            channels: vec![ChannelKind::Line],
            team_id: None,
            assignee_ids: vec![t.alice.agent.id],
        })
        .await
        .unwrap();
    // Her team's: 201; another team's: 403, saying why.
    let team = alice
        .create_folder(&FolderInput {
            name: "Support replies".into(),
            team_id: Some(support),
            ..Default::default()
        })
        .await
        .unwrap();
    let e = alice
        .create_folder(&FolderInput {
            name: "Billing replies".into(),
            team_id: Some(billing),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status(e), 403);
    // Her team's, for some of its people: hers to keep when she is one of
    // them; a teammate's own (Ada's) is not hers to make, see or change.
    alice
        .create_folder(&FolderInput {
            name: "Support, Ada's and mine".into(),
            team_id: Some(support),
            assignee_ids: vec![t.alice.agent.id, t.admin.agent.id],
            ..Default::default()
        })
        .await
        .unwrap();
    let e = alice
        .create_folder(&FolderInput {
            name: "Ada's".into(),
            team_id: Some(support),
            assignee_ids: vec![t.admin.agent.id],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status(e), 403);
    let adas = t
        .admin
        .client
        .create_folder(&FolderInput {
            name: "Ada's".into(),
            team_id: Some(support),
            assignee_ids: vec![t.admin.agent.id],
            ..Default::default()
        })
        .await
        .unwrap();
    let adas_msg = t
        .admin
        .client
        .add_standard_message(adas.id, "private to Ada")
        .await
        .unwrap();
    for e in [
        alice
            .update_folder(adas.id, &FolderPatch::default())
            .await
            .unwrap_err(),
        alice
            .update_folder(
                adas.id,
                &FolderPatch {
                    assignee_ids: Some(vec![]),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err(),
        alice.delete_folder(adas.id).await.unwrap_err(),
        alice
            .add_standard_message(adas.id, "mine now")
            .await
            .unwrap_err(),
        alice
            .edit_standard_message(adas_msg.id, "mine now")
            .await
            .unwrap_err(),
        alice
            .delete_standard_message(adas_msg.id)
            .await
            .unwrap_err(),
    ] {
        assert_eq!(
            status(e),
            404,
            "a teammate's own folder does not exist for her"
        );
    }
    // A folder for someone else is not hers to make.
    let e = alice
        .create_folder(&FolderInput {
            name: "For Bob".into(),
            assignee_ids: vec![t.bob.agent.id],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status(e), 403);

    // Messages in her folders: add, edit, delete.
    let m = alice
        .add_standard_message(own.id, "Thanks {{customer.first_name}}! 🙏")
        .await
        .unwrap();
    alice
        .edit_standard_message(m.id, "Thank you {{customer.first_name}}!")
        .await
        .unwrap();
    let tm = alice
        .add_standard_message(team.id, "Support here, how can we help?")
        .await
        .unwrap();
    alice.delete_standard_message(m.id).await.unwrap();
    // Nor can she move a folder out of her reach.
    let e = alice
        .update_folder(
            team.id,
            &FolderPatch {
                team_id: Some(Some(billing)),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(status(e), 403);

    // Bob (Billing) does not see Alice's folders: for him they do not exist.
    let e = t
        .bob
        .client
        .add_standard_message(own.id, "sneaky")
        .await
        .unwrap_err();
    assert_eq!(status(e), 404);
    let e = t
        .bob
        .client
        .delete_standard_message(tm.id)
        .await
        .unwrap_err();
    assert_eq!(status(e), 404);
    // An admin's folder for everyone: Bob sees it and cannot change it.
    let all = t
        .admin
        .client
        .create_folder(&FolderInput {
            name: "Everyone".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    bob_ws
        .until(|e| matches!(&e.kind, EventKind::StandardFolderChanged { folder } if folder.id == all.id))
        .await;
    let e = t
        .bob
        .client
        .update_folder(
            all.id,
            &FolderPatch {
                name: Some("Mine now".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(status(e), 403);
    let e = t.bob.client.delete_folder(all.id).await.unwrap_err();
    assert_eq!(status(e), 403);
    // Admins manage every folder.
    t.admin
        .client
        .add_standard_message(own.id, "from the admin")
        .await
        .unwrap();
    alice.delete_folder(own.id).await.unwrap();

    // A removed agent's own folder stays its own: only admins see it now.
    let bobs = t
        .admin
        .client
        .create_folder(&FolderInput {
            name: "Bob's".into(),
            assignee_ids: vec![t.bob.agent.id],
            ..Default::default()
        })
        .await
        .unwrap();
    t.admin.client.remove_agent(t.bob.agent.id).await.unwrap();
    let seen = alice
        .standard_folders(&StandardQuery::default())
        .await
        .unwrap();
    assert!(
        !seen.iter().any(|f| f.id == bobs.id),
        "not opened to everyone"
    );
    let kept = t
        .admin
        .client
        .standard_folders(&StandardQuery::default())
        .await
        .unwrap();
    let kept = kept.iter().find(|f| f.id == bobs.id).unwrap();
    assert_eq!(kept.assignees[0].id, t.bob.agent.id);
    // The admin can still re-scope it.
    t.admin
        .client
        .update_folder(
            bobs.id,
            &FolderPatch {
                team_id: Some(Some(support)),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    // A server that keeps standard messages for admins.
    let strict = TestServer::start_with_config(|c| chatsmart::server::ServerConfig {
        standard_editing: StandardEditing::Admins,
        ..c
    })
    .await;
    let a = &strict.alice.client;
    assert_eq!(
        a.me().await.unwrap().standard_editing,
        StandardEditing::Admins
    );
    let e = a
        .create_folder(&FolderInput {
            name: "Mine".into(),
            assignee_ids: vec![strict.alice.agent.id],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status(e), 403);
    let e = a
        .standard_import(fixture("standard_ok.xlsx"), "standard_ok.xlsx", true)
        .await
        .unwrap_err();
    assert_eq!(status(e), 403);
}

#[tokio::test]
async fn import_of_a_file_made_by_openpyxl_then_again_adds_nothing() {
    let t = TestServer::start().await;
    let admin = &t.admin.client;
    // Dry run: a report, nothing stored.
    let dry = admin
        .standard_import(fixture("standard_ok.xlsx"), "standard_ok.xlsx", true)
        .await
        .unwrap();
    assert!(dry.errors.is_empty(), "{:?}", dry.errors);
    assert!(dry.dry_run && !dry.applied);
    assert_eq!(dry.messages_added, 10);
    assert_eq!(dry.rows, 10, "every row with something in it");
    assert!(admin
        .standard_folders(&StandardQuery::default())
        .await
        .unwrap()
        .is_empty());

    let r = admin
        .standard_import(fixture("standard_ok.xlsx"), "standard_ok.xlsx", false)
        .await
        .unwrap();
    assert!(r.applied, "{r:?}");
    assert_eq!(r.messages_added, 10);
    assert_eq!(r.blank_rows_skipped, 1);
    assert_eq!(r.rows, r.messages_added + r.duplicates_skipped);
    assert_eq!(
        r.summary(),
        "10 rows: added 10 messages in 7 new folders, 0 already there; 1 blank row skipped"
    );
    assert_eq!(r.folders_created.len(), 7, "{:?}", r.folders_created);
    assert_eq!(
        r.folders_created.iter().cloned().collect::<BTreeSet<_>>(),
        ["Shipping", "Greetings", "Refunds", "お知らせ", "Formulas"]
            .into_iter()
            .map(String::from)
            .collect()
    );
    let folders = admin
        .standard_folders(&StandardQuery::default())
        .await
        .unwrap();
    let get = |n: &str| folders.iter().find(|f| f.name == n).unwrap().clone();
    let shipping = get("Shipping");
    assert_eq!(
        shipping.channels,
        vec![ChannelKind::Line, ChannelKind::Wechat]
    );
    assert_eq!(shipping.team.as_ref().unwrap().name, "Support");
    assert_eq!(
        shipping.messages[0].text,
        "Hi {{customer.name}}, your order is on its way 📦\nTracking follows by email.",
        "multi-line kept"
    );
    // Greetings three times: for every channel, and Support's on WhatsApp
    // and on LINE.
    let greetings: Vec<_> = folders.iter().filter(|f| f.name == "Greetings").collect();
    assert_eq!(greetings.len(), 3);
    let on = |c: Vec<ChannelKind>| greetings.iter().find(|f| f.channels == c).unwrap();
    assert_eq!(
        on(vec![ChannelKind::Whatsapp]).team.as_ref().unwrap().name,
        "Support"
    );
    assert_eq!(
        on(vec![ChannelKind::Line]).messages[0].text,
        "สวัสดีค่ะ ยินดีต้อนรับค่ะ 🙏"
    );
    let greetings = on(vec![]);
    assert_eq!(
        greetings.messages[0].text, "Hello! How can I help you today? 😊",
        "trimmed"
    );
    let refunds = get("Refunds");
    assert_eq!(
        refunds.channels,
        vec![ChannelKind::Messenger, ChannelKind::Whatsapp]
    );
    assert_eq!(
        refunds
            .assignees
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        vec!["Alice Wong", "Bob Chen"]
    );

    let again = admin
        .standard_import(fixture("standard_ok.xlsx"), "standard_ok.xlsx", false)
        .await
        .unwrap();
    assert_eq!(again.messages_added, 0);
    assert_eq!(again.duplicates_skipped, 10);
    assert!(again.folders_created.is_empty());
}

#[tokio::test]
async fn legacy_xls_from_xlwt_imports_too() {
    let t = TestServer::start().await;
    let r = t
        .admin
        .client
        .standard_import(fixture("standard_ok.xls"), "standard_ok.xls", false)
        .await
        .unwrap();
    assert!(r.applied, "{:?}", r.errors);
    assert_eq!(r.messages_added, 10);
    let folders = t
        .admin
        .client
        .standard_folders(&StandardQuery::default())
        .await
        .unwrap();
    let texts: Vec<String> = folders
        .iter()
        .flat_map(|f| f.messages.iter().map(|m| m.text.clone()))
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("📦")),
        "emoji survive .xls: {texts:?}"
    );
    assert!(texts.iter().any(|t| t.contains("担当者")));
}

#[tokio::test]
async fn every_bad_row_is_reported_and_nothing_is_imported() {
    let t = TestServer::start().await;
    let r = t
        .admin
        .client
        .standard_import(fixture("standard_bad.xlsx"), "standard_bad.xlsx", false)
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
            (2, "Channels"),
            (3, "Folder_name"),
            (4, "Team"),
            (5, "User"),
            (6, "Message"),
            (7, "Message"),
            (8, "Message"),
            (9, "Channels"),
        ],
        "{:#?}",
        r.errors
    );
    assert!(r.errors[0].message.contains("Telegram"));
    assert!(r.errors[4].message.contains("{{customer.nickname}}"));
    assert!(
        r.errors[5].message.starts_with("empty"),
        "{}",
        r.errors[5].message
    );
    // Every row is accounted for: 11 read, 8 refused, the rest not imported
    // because of them.
    assert_eq!((r.rows, r.rows_refused), (11, 8));
    assert_eq!(r.summary(), "8 of 11 rows refused: nothing imported");
    assert!(
        t.admin
            .client
            .standard_folders(&StandardQuery::default())
            .await
            .unwrap()
            .is_empty(),
        "not even the good row"
    );
}

#[tokio::test]
async fn files_that_are_not_spreadsheets_are_refused_clearly() {
    let t = TestServer::start().await;
    let c = &t.admin.client;
    let e = c
        .standard_import(
            b"Channels,Folder_name\nAll,x\n".to_vec(),
            "messages.csv",
            false,
        )
        .await
        .unwrap_err();
    assert_eq!(status(e), 415);
    let e = c
        .standard_import(b"MZ\x90\x00 not really".to_vec(), "renamed.xlsx", false)
        .await
        .unwrap_err();
    assert_eq!(status(e), 415);
    let e = c
        .standard_import(b"PK\x03\x04 broken zip".to_vec(), "broken.xlsx", false)
        .await
        .unwrap_err();
    assert_eq!(status(e), 422);
    let mut huge = b"PK\x03\x04".to_vec();
    huge.resize(sheets::MAX_BYTES + 2048, 0);
    let e = c
        .standard_import(huge, "huge.xlsx", false)
        .await
        .unwrap_err();
    assert_eq!(status(e), 413);
    // An agent's import goes only into folders for themselves and their
    // teams: every other row is refused, naming it.
    let r = t
        .alice
        .client
        .standard_import(fixture("standard_ok.xlsx"), "standard_ok.xlsx", false)
        .await
        .unwrap();
    assert!(!r.applied);
    assert!(r
        .errors
        .iter()
        .all(|e| e.column == "Team" || e.column == "User"));
    assert!(r
        .errors
        .iter()
        .any(|e| e.row == 5 && e.message.contains("admin")));
    assert!(c
        .standard_folders(&StandardQuery::default())
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn template_filled_imported_and_exported_comes_back_the_same() {
    let t = TestServer::start().await;
    let c = &t.admin.client;
    let template = c.standard_template().await.unwrap();
    let grid = sheets::read_grid(&template, "template.xlsx", sheets::standard::SHEET).unwrap();
    assert_eq!(grid.rows[0].1, sheets::standard::COLUMNS.to_vec());
    assert_eq!(grid.rows.len(), 4, "header and examples");
    // One folder name on two channels.
    assert_eq!(grid.rows[1].1[1], "Greetings");
    assert_eq!(grid.rows[2].1[1], "Greetings");
    assert_ne!(grid.rows[1].1[0], grid.rows[2].1[0]);

    // Fill it: the example row plus ours, written as a person would save it.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Standard messages").unwrap();
    let rows: Vec<Vec<&str>> = vec![
        sheets::standard::COLUMNS.to_vec(),
        grid.rows[1]
            .1
            .iter()
            .map(std::string::String::as_str)
            .collect(),
        grid.rows[2]
            .1
            .iter()
            .map(std::string::String::as_str)
            .collect(),
        grid.rows[3]
            .1
            .iter()
            .map(std::string::String::as_str)
            .collect(),
        vec![
            "WeChat",
            "售后",
            "Billing",
            "Bob Chen",
            "您好 {{customer.name}}，退款已处理 ✅\n如有疑问请回复。",
        ],
        vec![
            "All",
            "Greetings",
            "",
            "",
            "+1 for great service? @here -dash =not a formula",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    let filled = wb.save_to_buffer().unwrap();
    let r = c
        .standard_import(filled, "filled.xlsx", false)
        .await
        .unwrap();
    assert!(r.applied, "{:?}", r.errors);
    assert_eq!(r.messages_added, 5);

    let exported = c.standard_export().await.unwrap();
    // Nothing in the export is a formula.
    {
        use calamine::Reader;
        let mut x: calamine::Xlsx<_> =
            calamine::Xlsx::new(std::io::Cursor::new(exported.clone())).unwrap();
        let formulas = x.worksheet_formula("Standard messages").unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "no formulas"
        );
    }
    let back = sheets::read_grid(&exported, "export.xlsx", sheets::standard::SHEET).unwrap();
    // Rows as their cells up to the last one with something in it (a row
    // is read only as wide as its last cell).
    let cells = |r: &[String]| -> Vec<String> {
        let mut v: Vec<String> = r.iter().map(|s| s.trim().to_string()).collect();
        while v.last().is_some_and(std::string::String::is_empty) {
            v.pop();
        }
        v
    };
    let set = |rows: &[(usize, Vec<String>)]| -> BTreeSet<Vec<String>> {
        rows.iter().skip(1).map(|(_, r)| cells(r)).collect()
    };
    let mut want: BTreeSet<Vec<String>> = rows[1..]
        .iter()
        .map(|r| {
            cells(
                &r.iter()
                    .map(std::string::ToString::to_string)
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    // Channels come back in their display names.
    want = want
        .into_iter()
        .map(|mut r| {
            r[0] = match r[0].as_str() {
                "LINE, WeChat" => "LINE, WeChat".into(),
                other => other.to_string(),
            };
            r
        })
        .collect();
    assert_eq!(set(&back.rows), want);

    // The export imports back to the same set: nothing new.
    let r = c
        .standard_import(exported, "export.xlsx", false)
        .await
        .unwrap();
    assert!(r.applied, "{:?}", r.errors);
    assert_eq!((r.messages_added, r.folders_created.len()), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_acts_on_a_server() {
    let t = TestServer::start().await;
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
    let tpl = dir.path().join("template.xlsx");
    let (ok, _, err) = run(&["standard-messages", "template", tpl.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(std::fs::read(&tpl).unwrap().starts_with(b"PK"));

    let good = format!(
        "{}/tests/fixtures/standard_ok.xlsx",
        env!("CARGO_MANIFEST_DIR")
    );
    let (ok, out, _) = run(&["standard-messages", "import", &good, "--dry-run"]);
    assert!(ok);
    assert!(out.contains("would add 10 messages"), "{out}");
    let (ok, out, _) = run(&["standard-messages", "import", &good]);
    assert!(ok);
    assert!(out.contains("added 10 messages"), "{out}");

    let bad = format!(
        "{}/tests/fixtures/standard_bad.xlsx",
        env!("CARGO_MANIFEST_DIR")
    );
    let (ok, _, err) = run(&["standard-messages", "import", &bad]);
    assert!(!ok);
    assert!(err.contains("row 2, Channels"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");

    let out_file = dir.path().join("out.xlsx");
    let (ok, _, err) = run(&["standard-messages", "export", out_file.to_str().unwrap()]);
    assert!(ok, "{err}");
    let grid = sheets::read_grid(
        &std::fs::read(&out_file).unwrap(),
        "out.xlsx",
        "Standard messages",
    )
    .unwrap();
    assert_eq!(grid.rows.len(), 11, "header and 10 messages");

    let txt = dir.path().join("notes.txt");
    std::fs::write(&txt, "hello").unwrap();
    let (ok, _, err) = run(&["standard-messages", "import", txt.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("not a spreadsheet"), "{err}");
}

/// An import adds to the stored folder of the same name and scope, and
/// beside a folder of the same name in another scope makes its own.
#[tokio::test]
async fn an_import_fills_the_folder_of_the_same_scope_and_leaves_others_alone() {
    let t = TestServer::start().await;
    let c = &t.admin.client;
    let billing = team_id(&t, "Billing").await;
    let support = team_id(&t, "Support").await;
    let refunds = c
        .create_folder(&FolderInput {
            name: "Refunds".into(),
            channels: vec![],
            team_id: Some(billing),
            assignee_ids: vec![],
        })
        .await
        .unwrap();
    let shipping = c
        .create_folder(&FolderInput {
            name: "shipping".into(),
            channels: vec![ChannelKind::Wechat, ChannelKind::Line],
            team_id: Some(support),
            assignee_ids: vec![],
        })
        .await
        .unwrap();
    c.add_standard_message(
        shipping.id,
        "Hi {{customer.name}}, your order is on its way 📦\nTracking follows by email.",
    )
    .await
    .unwrap();
    let r = c
        .standard_import(fixture("standard_ok.xlsx"), "standard_ok.xlsx", false)
        .await
        .unwrap();
    assert!(r.applied, "{:?}", r.errors);
    assert_eq!((r.messages_added, r.duplicates_skipped), (9, 1));
    assert!(!r
        .folders_created
        .iter()
        .any(|f| f.eq_ignore_ascii_case("shipping")));
    let folders = c.standard_folders(&StandardQuery::default()).await.unwrap();
    let shipping = folders.iter().find(|f| f.id == shipping.id).unwrap();
    assert_eq!(shipping.messages.len(), 2, "one added beside the one there");
    let refunds_now = folders.iter().find(|f| f.id == refunds.id).unwrap();
    assert!(refunds_now.messages.is_empty(), "another scope: untouched");
    assert_eq!(folders.iter().filter(|f| f.name == "Refunds").count(), 2);
}

/// A sheet names people by login, or by a name only one agent has; every
/// row of a folder refused is counted, repeats included.
#[tokio::test]
async fn import_names_people_unambiguously_and_counts_every_refused_row() {
    let t = TestServer::start().await;
    // A second Bob Chen.
    t.state()
        .store
        .create_agent(chatsmart::server::store::NewAgent {
            name: "Bob Chen".into(),
            login: "bob.chen2".into(),
            role: Role::Agent,
            teams: vec!["Billing".into()],
            password_hash: None,
        })
        .await
        .unwrap();
    let sheet = |rows: &[[&str; 5]]| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("Standard messages").unwrap();
        for (c, h) in sheets::standard::COLUMNS.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
            }
        }
        wb.save_to_buffer().unwrap()
    };
    let admin = &t.admin.client;
    let r = admin
        .standard_import(
            sheet(&[["All", "Refunds", "", "Bob Chen", "Refunds take 3 days."]]),
            "a.xlsx",
            true,
        )
        .await
        .unwrap();
    assert_eq!(r.errors.len(), 1);
    assert!(r.errors[0].message.contains("bob.chen2"), "{:?}", r.errors);
    let r = admin
        .standard_import(
            sheet(&[["All", "Refunds", "", "bob.chen2", "Refunds take 3 days."]]),
            "a.xlsx",
            true,
        )
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);

    // Alice (Support) imports two identical rows for Billing: both refused.
    let r = t
        .alice
        .client
        .standard_import(
            sheet(&[
                ["All", "Billing", "Billing", "", "same"],
                ["All", "Billing", "Billing", "", "same"],
            ]),
            "b.xlsx",
            false,
        )
        .await
        .unwrap();
    assert_eq!((r.rows, r.rows_refused), (2, 2), "{r:?}");
    assert_eq!(
        r.errors.iter().map(|e| e.row).collect::<Vec<_>>(),
        vec![2, 3]
    );
}
