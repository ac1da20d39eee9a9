//! Folders and who sees and keeps them: scopes, agents' own and their teams' folders, the CLI.

use super::*;

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
