//! Writing and sending: replies while sending and after a failure, drafts per conversation, retrying, attaching files, the files list, image previews.

use super::*;

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
    assert_eq!(app.mirror.logs[&1].pending.len(), 1);

    update(
        &mut app,
        Msg::Reply(Box::new(Reply::Sent {
            conversation: 1,
            client_id: client_id.clone(),
            result: Err("cannot reach the server".into()),
            away: false,
        })),
    );
    let p = &app.mirror.logs[&1].pending[0];
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
        tap: None,
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
    assert!(app.mirror.logs[&1].pending.is_empty());
    assert_eq!(app.mirror.logs[&1].messages.last().unwrap().id, 77);
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
        app.mirror.logs[&1].pending.last().unwrap().attachment,
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
    let log = app.mirror.logs.get_mut(&1).unwrap();
    let mut older = log.messages.last().unwrap().clone();
    older.id = 500;
    older.attachment = Some(file(1, "older.png"));
    let mut newer = older.clone();
    newer.id = 501;
    newer.attachment = Some(file(2, "newer.png"));
    log.upsert(older);
    log.upsert(newer);
    app.config.download_dir = "/tmp/dl".into();
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
    app.config.previews_enabled = true;
    let mut m = app.mirror.logs[&1].messages.last().unwrap().clone();
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
    let log = app.mirror.logs.get_mut(&1).unwrap();
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
    let conv = &mut app.mirror.convs.get_mut(&1).unwrap().conversation;
    conv.channel = ChannelKind::Wechat;
    conv.via_platform = true;
    conv.customer_last_at = Some(app.now - chrono::Duration::hours(49));
    let notice = app.reply_notice().unwrap();
    assert!(notice.contains("48-hour reply window closed"), "{notice}");
    app.mirror
        .convs
        .get_mut(&1)
        .unwrap()
        .conversation
        .customer_last_at = Some(app.now - chrono::Duration::hours(47));
    assert_eq!(app.reply_notice(), None);
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
        app.mirror.convs.get_mut(&id).unwrap().conversation.channel = channel;
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
