//! Standard replies: the picker, folders and messages kept by agents and admins, imports, several replies in one message.

use super::*;

#[test]
fn the_standard_reply_picker_offers_what_is_in_scope_and_fills_placeholders() {
    let mut app = fixtures::app_with_open(3);
    app.mirror.standard = fixtures::standard_folders();
    let fx = press(&mut app, "s");
    assert!(matches!(app.popup, Some(Popup::Standard { .. })));
    assert!(fx.contains(&Effect::LoadStandard), "refreshed on open");
    // Alice (Support) on LINE: Greetings and Shipping; not Billing's, not Bob's.
    let hits = chatsmart::tui::standard::hits(&app, "");
    let folders: Vec<&str> = hits
        .iter()
        .map(|h| app.mirror.standard[h.folder].name.as_str())
        .collect();
    assert_eq!(
        folders,
        vec!["Greetings", "Greetings", "Shipping", "Shipping"]
    );
    press(&mut app, "/");
    type_text(&mut app, "parcel");
    let hits = chatsmart::tui::standard::hits(&app, "parcel");
    assert_eq!(app.mirror.standard[hits[0].folder].name, "Shipping");
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
    app.mirror.standard = fixtures::standard_folders();
    press(&mut app, "s");
    let folder_names = |app: &App| match rows(app) {
        Rows::Folders(v) => v
            .iter()
            .map(|&i| app.mirror.standard[i].name.clone())
            .collect::<Vec<_>>(),
        other => panic!("expected folders, got {other:?}"),
    };
    // Alice (Support) on LINE: Greetings and Shipping only.
    assert_eq!(folder_names(&app), vec!["Greetings", "Shipping"]);
    press(&mut app, "j enter");
    match rows(&app) {
        Rows::Messages(fi, v) => {
            assert_eq!(app.mirror.standard[fi].name, "Shipping");
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
    app.mirror.standard = fixtures::standard_folders();
    // Alice as an agent of Support, not an admin.
    app.mirror.me.as_mut().unwrap().role = Role::Agent;
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
    app.mirror.standard_editing = StandardEditing::Admins;
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
    app.mirror.standard = fixtures::standard_folders();
    app.mirror.teams = vec![
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
    assert!(app.mirror.standard.iter().any(|x| x.name == "Hello"));
    update(
        &mut app,
        event(51, EventKind::StandardFolderDeleted { folder_id: 1 }),
    );
    assert!(!app.mirror.standard.iter().any(|x| x.id == 1));
}

#[test]
fn agents_change_only_the_standard_messages_they_keep() {
    let mut app = fixtures::app(2);
    app.mirror.me = Some(fixtures::agents()[1].clone());
    app.mirror.standard = fixtures::standard_folders();
    app.mirror.standard_editing = StandardEditing::Admins;
    press(&mut app, ",");
    press(&mut app, "n");
    assert!(app.settings.form.is_none());
    assert!(app.notice.as_ref().unwrap().text.contains("only admins"));
    press(&mut app, "I");
    assert!(app.settings.form.is_none());
    // Where agents keep their own: a new folder starts as Bob's; a folder
    // for everyone stays an admin's.
    app.mirror.standard_editing = StandardEditing::Everyone;
    press(&mut app, "n");
    match &app.settings.form.as_ref().unwrap().kind {
        chatsmart::tui::settings::FormKind::Folder { assignees, .. } => {
            assert_eq!(assignees.iter().copied().collect::<Vec<_>>(), vec![2]);
        }
        other => panic!("expected a folder form, got {other:?}"),
    }
    press(&mut app, "esc e");
    assert!(app.settings.form.is_none());
    assert!(app.notice.as_ref().unwrap().text.contains("admin's"));
}

#[test]
fn several_standard_replies_go_into_one_message() {
    let mut app = fixtures::app_with_open(3);
    app.mirror.standard = fixtures::standard_folders();
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
