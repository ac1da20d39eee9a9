//! Standard messages over real HTTP: folders with scope, placeholders,
//! events, and the spreadsheet template, import and export.

mod common;

use chatsmart::protocol::*;
use chatsmart::sheets;
use common::*;
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
async fn folders_are_managed_by_admins_and_seen_within_their_scope() {
    let t = TestServer::start().await;
    let line = t.inbound(ChannelKind::Line, "U1", "Mei", "hi", "s-1").await;
    let wa = t
        .inbound(ChannelKind::Whatsapp, "852", "Ava", "hi", "s-2")
        .await;
    let support = team_id(&t, "Support").await;
    let billing = team_id(&t, "Billing").await;
    let me = t.alice.client.me().await.unwrap();
    let mut ws = t.ws(&t.alice.token, Some(me.latest_seq)).await;

    // Agents cannot manage folders.
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
                    ..Default::default()
                })
                .await
                .unwrap_err()
        ),
        409
    );
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
    assert_eq!(dry.messages_added, 8);
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
    assert_eq!(r.messages_added, 8);
    assert_eq!(r.blank_rows_skipped, 1);
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
    let greetings = get("Greetings");
    assert!(greetings.channels.is_empty(), "All");
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
    assert_eq!(again.duplicates_skipped, 8);
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
    assert_eq!(r.messages_added, 8);
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
            (8, "Channels"),
            (9, "Channels")
        ],
        "{:#?}",
        r.errors
    );
    assert!(r.errors[0].message.contains("Telegram"));
    assert!(r.errors[4].message.contains("{{customer.nickname}}"));
    assert!(
        r.errors[5].message.contains("row 7"),
        "points at the row it disagrees with: {}",
        r.errors[5].message
    );
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
    let e = t
        .alice
        .client
        .standard_import(fixture("standard_ok.xlsx"), "standard_ok.xlsx", false)
        .await
        .unwrap_err();
    assert_eq!(status(e), 403);
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
    assert_eq!(grid.rows.len(), 2, "header and example");

    // Fill it: the example row plus ours, written as a person would save it.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Standard messages").unwrap();
    let rows: Vec<Vec<&str>> = vec![
        sheets::standard::COLUMNS.to_vec(),
        grid.rows[1].1.iter().map(|s| s.as_str()).collect(),
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
        vec!["All", "Empty folder", "", "", ""],
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
    assert_eq!(r.messages_added, 3);

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
        while v.last().is_some_and(|s| s.is_empty()) {
            v.pop();
        }
        v
    };
    let set = |rows: &[(usize, Vec<String>)]| -> BTreeSet<Vec<String>> {
        rows.iter().skip(1).map(|(_, r)| cells(r)).collect()
    };
    let mut want: BTreeSet<Vec<String>> = rows[1..]
        .iter()
        .map(|r| cells(&r.iter().map(|s| s.to_string()).collect::<Vec<_>>()))
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
    assert!(out.contains("would add 8 messages"), "{out}");
    let (ok, out, _) = run(&["standard-messages", "import", &good]);
    assert!(ok);
    assert!(out.contains("added 8 messages"), "{out}");

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
    assert_eq!(grid.rows.len(), 9, "header and 8 messages");

    let txt = dir.path().join("notes.txt");
    std::fs::write(&txt, "hello").unwrap();
    let (ok, _, err) = run(&["standard-messages", "import", txt.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("not a spreadsheet"), "{err}");
}

#[tokio::test]
async fn an_import_that_clashes_with_a_stored_folder_changes_nothing() {
    let t = TestServer::start().await;
    let c = &t.admin.client;
    let billing = team_id(&t, "Billing").await;
    c.create_folder(&FolderInput {
        name: "Refunds".into(),
        channels: vec![],
        team_id: Some(billing),
        assignee_ids: vec![],
    })
    .await
    .unwrap();
    let r = c
        .standard_import(fixture("standard_ok.xlsx"), "standard_ok.xlsx", false)
        .await
        .unwrap();
    assert!(!r.applied);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].column, "Folder_name");
    assert!(
        r.errors[0].message.contains("already exists"),
        "{}",
        r.errors[0].message
    );
    assert!(
        r.folders_created.is_empty() && r.messages_added == 0,
        "{r:?}"
    );
    assert_eq!(
        c.standard_folders(&StandardQuery::default())
            .await
            .unwrap()
            .len(),
        1
    );
}
