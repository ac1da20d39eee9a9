//! Spreadsheet import and export: openpyxl and xlwt files, bad rows, files that are not spreadsheets, the template round trip, scopes, names.

use super::*;

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
