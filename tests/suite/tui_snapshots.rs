//! Pictures of the screen: each pane and popup drawn into ratatui's
//! TestBackend at fixed sizes, compared with the approved snapshots in
//! tests/suite/snapshots/. Review a change with `cargo insta review`, or rerun
//! with INSTA_UPDATE=always and read the diff.

use chatsmart::tui::app::*;
use chatsmart::tui::editor::Editor;
use chatsmart::tui::fixtures;
use chatsmart::tui::theme::{ColorDepth, Theme};
use chatsmart::tui::ui;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn render(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    app.size = (w, h);
    let theme = Theme::preset("dark", ColorDepth::TrueColor).unwrap();
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| ui::draw(app, &theme, f)).unwrap();
    assert_clean(&term);
    term
}

/// No control character or bidi override from customer text reaches the screen.
fn assert_clean(term: &Terminal<TestBackend>) {
    for cell in term.backend().buffer().content() {
        assert!(
            !cell.symbol().chars().any(chatsmart::sanitize::is_dangerous),
            "a dangerous character reached the screen: {:?}",
            cell.symbol()
        );
    }
}

fn screen(term: &Terminal<TestBackend>) -> String {
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let s = buf[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(s).saturating_sub(1);
            line.push_str(s);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn inbox_with_no_conversation_open() {
    let mut app = fixtures::app(12);
    let t = render(&mut app, 120, 40);
    insta::assert_snapshot!(screen(&t));
}

#[test]
fn open_conversation_with_cjk_emoji_and_hostile_text() {
    let mut app = fixtures::app_with_open(8);
    let t = render(&mut app, 160, 48);
    let s = screen(&t);
    assert!(
        s.contains("hostile"),
        "the hostile message is shown, defanged"
    );
    assert!(!s.contains("]52;"), "no OSC payload");
    insta::assert_snapshot!(s);
}

#[test]
fn narrow_terminal_hides_the_customer_panel_until_focused() {
    let mut app = fixtures::app_with_open(8);
    let t = render(&mut app, 80, 24);
    insta::assert_snapshot!("narrow_chat", screen(&t));
    app.focus = Focus::Pane(Pane::Customer);
    let t = render(&mut app, 80, 24);
    insta::assert_snapshot!("narrow_customer", screen(&t));
}

#[test]
fn too_small_terminal_gets_a_notice() {
    let mut app = fixtures::app(3);
    let t = render(&mut app, 60, 20);
    let s = screen(&t);
    assert!(s.contains("at least 80×24"));
    insta::assert_snapshot!(s);
}

#[test]
fn help_popup_lists_the_keymap_in_force() {
    let mut app = fixtures::app(6);
    app.popup = Some(Popup::Help { scroll: 0 });
    let t = render(&mut app, 120, 40);
    let s = screen(&t);
    assert!(s.contains("Quit chatsmart  (app.quit)"), "{s}");
    assert!(s.contains("Show the keys in force  (help.open)"));
    insta::assert_snapshot!(s);
}

#[test]
fn assign_popup_marks_current_assignees() {
    let mut app = fixtures::app_with_open(4);
    app.mirror
        .convs
        .get_mut(&1)
        .unwrap()
        .conversation
        .assignees
        .push(chatsmart::protocol::Assignee {
            agent_id: 2,
            name: "Bob Chen".into(),
            assigned_at: fixtures::now() - chrono::Duration::minutes(90),
        });
    // An agent an admin disabled is listed, marked, not hidden.
    app.mirror.agents[2].disabled = true;
    app.popup = Some(Popup::Assign { selected: 1 });
    let t = render(&mut app, 120, 40);
    let s = screen(&t);
    let name = app.mirror.agents[2].name.clone();
    assert!(
        s.lines()
            .any(|l| l.contains(&name) && l.contains("disabled")),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn emoji_picker_filters_by_name() {
    let mut app = fixtures::app_with_open(4);
    app.popup = Some(Popup::Emoji {
        filter: Editor::with_text("thumb"),
        selected: 0,
    });
    let t = render(&mut app, 120, 40);
    let s = screen(&t);
    assert!(s.contains("👍"));
    insta::assert_snapshot!(s);
}

#[test]
fn compose_box_with_a_multiline_draft_and_a_failed_send() {
    let mut app = fixtures::app_with_open(4);
    app.focus = Focus::Compose;
    app.drafts
        .insert(1, Editor::with_text("Line one of the reply\n第二行 😊"));
    app.mirror.logs.get_mut(&1).unwrap().pending.push(Pending {
        client_id: "c1".into(),
        text: "An earlier reply".into(),
        state: PendingState::Failed("cannot reach the server".into()),
        created_at: fixtures::now(),
        attachment: None,
    });
    app.notify(
        "not sent: cannot reach the server (r retries)",
        Level::Error,
    );
    let t = render(&mut app, 120, 40);
    insta::assert_snapshot!(screen(&t));
}

#[test]
fn a_closed_whatsapp_window_and_replies_the_platform_refused() {
    use chatsmart::protocol::*;
    let mut app = fixtures::app_with_open(4);
    let conv = &mut app.mirror.convs.get_mut(&1).unwrap().conversation;
    conv.channel = ChannelKind::Whatsapp;
    conv.via_platform = true;
    conv.customer_last_at = Some(fixtures::now() - chrono::Duration::hours(30));
    app.now = fixtures::now();
    let log = app.mirror.logs.get_mut(&1).unwrap();
    let mut failed = log.messages.last().unwrap().clone();
    failed.id = 900;
    failed.kind = MessageKind::Agent;
    failed.client_id = None;
    failed.text = "Your parcel left the warehouse today.".into();
    failed.status = DeliveryStatus::Failed;
    failed.failure = Some(
        "WhatsApp refused it: more than 24 hours since the customer wrote (131047: \x1b[31mRe-engagement message)".into(),
    );
    let mut retrying = failed.clone();
    retrying.id = 901;
    retrying.text = "And the invoice is attached.".into();
    retrying.status = DeliveryStatus::Pending;
    retrying.failure = Some("WhatsApp answered 503: Service unavailable".into());
    log.upsert(failed);
    log.upsert(retrying);
    let t = render(&mut app, 120, 40);
    insta::assert_snapshot!(screen(&t));
}

#[test]
fn taps_stickers_locations_and_contacts_in_the_chat() {
    use chatsmart::protocol::*;
    let mut app = fixtures::app_with_open(4);
    let log = app.mirror.logs.get_mut(&1).unwrap();
    let base = log.messages.first().unwrap().clone();
    let said = [
        ("Track my order", Some("TRACK_ORDER")),
        ("Sticker: Happy, Smile", None),
        ("Location: Taipei 101, No. 7, Section 5, Xinyi Road (25.03361, 121.56500) https://www.openstreetmap.org/?mlat=25.03361&mlon=121.56500#map=17/25.03361/121.56500", None),
        ("Contact: Ann Lee · +852 5555 0100 · ann@example.com", None),
        // A hostile payload never reaches the screen (only the title is shown).
        ("Yes\x1b[2J", Some("\x1b]52;c;aGk=\x07")),
    ];
    for (i, (text, tap)) in said.into_iter().enumerate() {
        let mut m = base.clone();
        m.id = 950 + i as i64;
        m.kind = MessageKind::Inbound;
        m.text = text.into();
        m.tap = tap.map(str::to_string);
        m.created_at = fixtures::now() - chrono::Duration::minutes(5 - i as i64);
        log.upsert(m);
    }
    let t = render(&mut app, 120, 40);
    let s = screen(&t);
    assert_eq!(s.matches("tapped a button").count(), 2, "{s}");
    assert!(s.contains("Sticker: Happy, Smile"));
    insta::assert_snapshot!(s);
}

#[test]
fn a_customer_who_blocked_the_account() {
    use chatsmart::protocol::*;
    let mut app = fixtures::app_with_open(4);
    let conv = &mut app.mirror.convs.get_mut(&1).unwrap().conversation;
    conv.blocked = Some(
        "the customer blocked the account on LINE: replies cannot reach them until they follow it again"
            .into(),
    );
    let log = app.mirror.logs.get_mut(&1).unwrap();
    let mut note = log.messages.last().unwrap().clone();
    note.id = 990;
    note.kind = MessageKind::System;
    note.author_id = None;
    note.author_name = None;
    note.text = "The customer blocked the account on LINE: replies cannot reach them until they follow it again".into();
    log.upsert(note);
    let t = render(&mut app, 120, 40);
    let s = screen(&t);
    assert!(s.contains("⊘ blocked"), "{s}");
    assert!(
        s.contains("⚠ the customer blocked the account on LINE"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn quit_confirmation() {
    let mut app = fixtures::app(4);
    app.popup = Some(Popup::Confirm {
        message: "1 unsent reply will be lost. Quit anyway?".into(),
        action: ConfirmAction::Quit,
    });
    let t = render(&mut app, 100, 30);
    insta::assert_snapshot!(screen(&t));
}

#[test]
fn reconnecting_status_and_filters_in_the_status_bar() {
    let mut app = fixtures::app(6);
    app.conn = ConnState::Reconnecting {
        retry_in: std::time::Duration::from_secs(8),
        since: fixtures::now(),
    };
    app.filters.channel = Some(chatsmart::protocol::ChannelKind::Line);
    app.rebuild_view();
    let t = render(&mut app, 120, 30);
    let s = screen(&t);
    assert!(s.contains("reconnecting in 8s"));
    assert!(s.contains("LINE · Agent + Bot · All"));
    insta::assert_snapshot!(s);
}

#[test]
fn every_theme_draws_at_every_colour_depth() {
    use ratatui::style::Color;
    // What each depth may use: true colour anything; 256 colours no RGB;
    // 16 colours only the named ones; none only the terminal's own.
    let allowed = |depth: ColorDepth, c: Color| match (depth, c) {
        (_, Color::Reset) => true,
        (ColorDepth::TrueColor, _) => true,
        (ColorDepth::Ansi256, Color::Rgb(..)) => false,
        (ColorDepth::Ansi256, _) => true,
        (ColorDepth::Ansi16, Color::Rgb(..) | Color::Indexed(_)) => false,
        (ColorDepth::Ansi16, _) => true,
        (ColorDepth::None, _) => false,
    };
    for (name, _) in chatsmart::tui::theme::PRESETS {
        for depth in [
            ColorDepth::TrueColor,
            ColorDepth::Ansi256,
            ColorDepth::Ansi16,
            ColorDepth::None,
        ] {
            let theme = Theme::preset(name, depth).unwrap();
            let app = fixtures::app_with_open(6);
            let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
            term.draw(|f| ui::draw(&app, &theme, f)).unwrap();
            let cells = term.backend().buffer().content();
            for cell in cells {
                for c in [cell.fg, cell.bg] {
                    assert!(allowed(depth, c), "{name} at {depth:?} uses {c:?}");
                }
            }
            // Colour where there is colour: the screen is not all default.
            let coloured = cells
                .iter()
                .any(|c| c.fg != Color::Reset || c.bg != Color::Reset);
            assert_eq!(coloured, depth != ColorDepth::None, "{name} at {depth:?}");
        }
    }
}

#[test]
fn standard_reply_picker_with_a_filled_preview() {
    let mut app = fixtures::app_with_open(4);
    app.mirror.standard = fixtures::standard_folders();
    app.popup = Some(Popup::Standard {
        filter: Editor::new(),
        selected: 0,
        folder: Some(1),
        searching: false,
    });
    let t = render(&mut app, 120, 40);
    let s = screen(&t);
    assert!(
        s.contains("Hi 陳美玲, I'm Alice 😊"),
        "the preview fills placeholders"
    );
    assert!(!s.contains("Refunds"), "Billing's folder is out of scope");
    insta::assert_snapshot!(s);
}

/// The picker opens on the folders in scope, as the help centre's folder
/// in the live chat, with the keys for new, edit and delete.
#[test]
fn standard_reply_folders() {
    let mut app = fixtures::app_with_open(4);
    app.mirror.standard = fixtures::standard_folders();
    app.popup = Some(Popup::Standard {
        filter: Editor::new(),
        selected: 1,
        folder: None,
        searching: false,
    });
    let t = render(&mut app, 120, 40);
    let s = screen(&t);
    assert!(s.contains("Greetings") && s.contains("Shipping"));
    assert!(s.contains("n: new folder"), "the keys in force");
    insta::assert_snapshot!(s);
}

#[test]
fn settings_screen_with_a_folder_form() {
    let mut app = fixtures::app(4);
    app.mirror.standard = fixtures::standard_folders();
    app.mirror.teams = vec![
        chatsmart::protocol::Team {
            id: 1,
            name: "Support".into(),
        },
        chatsmart::protocol::Team {
            id: 2,
            name: "Billing".into(),
        },
    ];
    app.screen = Screen::Settings;
    app.settings.folder = 1;
    let t = render(&mut app, 120, 40);
    insta::assert_snapshot!("settings_screen", screen(&t));
    let shipping = app.mirror.standard[1].clone();
    app.settings.form = Some(chatsmart::tui::settings::Form {
        kind: chatsmart::tui::settings::FormKind::Folder {
            id: Some(shipping.id),
            name: Editor::with_text("Shipping"),
            channels: [false, false, true, true],
            channel_cursor: 2,
            team: Some(1),
            assignees: Default::default(),
            agent_cursor: 0,
            field: chatsmart::tui::settings::FolderField::Channels,
        },
        error: Some("a folder named \"Shipping\" already exists".into()),
        saving: false,
    });
    let t = render(&mut app, 120, 40);
    insta::assert_snapshot!("settings_folder_form", screen(&t));
}

#[test]
fn customer_forms_tag_picker_note_and_schedule() {
    use chatsmart::protocol::{Tag, TagInfo};
    let mut app = fixtures::app_with_open(4);
    app.focus = Focus::Pane(Pane::Customer);
    app.mirror.tags = vec![
        TagInfo {
            tag: Tag {
                id: 3,
                name: "Refund".into(),
                color: "red".into(),
            },
            customers: 2,
        },
        TagInfo {
            tag: Tag {
                id: 4,
                name: "Wholesale".into(),
                color: "#7bb32e".into(),
            },
            customers: 5,
        },
    ];
    app.popup = Some(Popup::TagPicker {
        filter: Editor::with_text("re"),
        selected: 0,
    });
    let t = render(&mut app, 120, 40);
    insta::assert_snapshot!("tag_picker", screen(&t));
    app.popup = Some(Popup::Note(chatsmart::tui::popups::note::NoteForm {
        customer: 1,
        id: None,
        editor: Editor::with_text("Prefers English\nCall after 6pm"),
        error: None,
        saving: false,
    }));
    let t = render(&mut app, 120, 40);
    insta::assert_snapshot!("note_editor", screen(&t));
    app.popup = Some(Popup::Schedule(
        chatsmart::tui::popups::schedule::ScheduleForm {
            conversation: 1,
            id: None,
            name: Editor::with_text("Follow-up"),
            text: Editor::with_text("Hi {{customer.name}}, any news on the lamp?"),
            when: Editor::with_text("tomorrow 09:00"),
            field: 2,
            error: None,
            saving: false,
        },
    ));
    let t = render(&mut app, 120, 40);
    let s = screen(&t);
    assert!(
        s.contains("→ Thu 26 Nov 2026 09:00 (UTC+00:00)"),
        "the time is shown back in full"
    );
    insta::assert_snapshot!("schedule_form", s);
    // A field being edited with the reason it cannot be saved.
    app.popup = None;
    app.customer_ui.edit = Some(chatsmart::tui::customer::FieldEdit {
        item: chatsmart::tui::customer::Item::Field(chatsmart::tui::customer::FieldKey::Email),
        editor: Editor::with_text("not-an-email"),
        error: Some("\"not-an-email\" is not an email address (name@example.com)".into()),
        saving: false,
        rename: false,
    });
    let t = render(&mut app, 120, 40);
    let s = screen(&t);
    assert!(s.contains("not-an-email"));
    insta::assert_snapshot!("customer_field_edit", s);
}

#[test]
fn broadcasts_review_and_renaming_a_field() {
    use chatsmart::protocol::BroadcastStatus;
    let mut app = fixtures::app_with_open(4);
    app.mirror.broadcasts = vec![
        fixtures::broadcast(3, BroadcastStatus::Running, 25, 1),
        fixtures::broadcast(2, BroadcastStatus::Done, 38, 2),
        fixtures::broadcast(1, BroadcastStatus::Cancelled, 5, 0),
    ];
    app.popup = Some(Popup::Broadcasts { selected: 0 });
    let t = render(&mut app, 120, 40);
    assert_clean(&t);
    let s = screen(&t);
    assert!(s.contains("sending"));
    assert!(s.contains("25 of 40 sent, 1 failed"));
    assert!(s.contains("38 of 40 sent, 2 failed"));
    assert!(s.contains("#VIP on LINE"));
    assert!(s.contains("-: cancel the selected one"));
    insta::assert_snapshot!("broadcasts_review", s);

    // Renaming a custom field shows the name being typed in place.
    app.popup = None;
    app.focus = Focus::Pane(Pane::Customer);
    app.customer_ui.selected = 6;
    app.customer_ui.edit = Some(chatsmart::tui::customer::FieldEdit {
        item: chatsmart::tui::customer::Item::Custom("Member no".into()),
        editor: Editor::with_text("Membership"),
        error: None,
        saving: false,
        rename: true,
    });
    let t = render(&mut app, 120, 40);
    let s = screen(&t);
    assert!(s.contains("Rename"));
    assert!(s.contains("Membership"));
    assert!(s.contains("new name"));
}

#[test]
fn triage_marks_priorities_statuses_and_the_snooze_menu() {
    use chatsmart::protocol::{ConvStatus, Priority};
    let mut app = fixtures::app_with_open(6);
    app.filters.status = None;
    let now = app.now;
    let set = |app: &mut App, id: i64, s: ConvStatus, p: Priority| {
        let c = &mut app.mirror.convs.get_mut(&id).unwrap().conversation;
        c.status = s;
        c.priority = p;
        if s == ConvStatus::Snoozed {
            c.snoozed_until = Some(now + chrono::Duration::hours(3));
        }
    };
    set(&mut app, 1, ConvStatus::Open, Priority::Urgent);
    set(&mut app, 2, ConvStatus::Pending, Priority::High);
    set(&mut app, 3, ConvStatus::Snoozed, Priority::None);
    set(&mut app, 4, ConvStatus::Resolved, Priority::Low);
    app.rebuild_view();
    app.marked.extend([2, 3]);
    let t = render(&mut app, 140, 36);
    assert_clean(&t);
    let s = screen(&t);
    assert!(s.contains("URGENT") && s.contains("high") && s.contains("low"));
    assert!(s.contains("pending") && s.contains("resolved") && s.contains("zz "));
    assert!(s.contains("2 marked"));
    assert!(s.contains("✓"));
    assert!(
        s.contains("Open") && s.contains("URGENT"),
        "the chat header"
    );
    insta::assert_snapshot!("triage_list", s);

    app.popup = Some(Popup::Snooze(chatsmart::tui::triage::SnoozeMenu {
        targets: vec![2, 3],
        selected: 0,
        typed: Editor::with_text("fri 10:00"),
        error: None,
    }));
    let t = render(&mut app, 140, 36);
    let s = screen(&t);
    assert!(s.contains("Snooze 2 conversations until"));
    assert!(s.contains("→ Fri 27 Nov 2026 10:00"), "{s}");
    insta::assert_snapshot!("snooze_menu", s);
}

#[test]
fn palette_with_keys_and_a_typed_command_with_completions() {
    use chatsmart::tui::keymap::Context;
    use chatsmart::tui::palette::Palette;
    let mut app = fixtures::app_with_open(6);
    app.mirror.standard = fixtures::standard_folders();
    app.popup = Some(Popup::Palette(Palette::new(&app, "snooze", Context::List)));
    let t = render(&mut app, 120, 36);
    assert_clean(&t);
    let s = screen(&t);
    assert!(s.contains("Snooze: 1 hour"), "{s}");
    assert!(s.contains(" z"), "the key beside it");
    insta::assert_snapshot!("palette", s);
    app.popup = Some(Popup::Palette(Palette::new(
        &app,
        ":filter channel=l",
        Context::List,
    )));
    let t = render(&mut app, 120, 36);
    let s = screen(&t);
    assert!(s.contains(":filter channel=line"));
    assert!(s.contains(":filter channel=line status=open"), "usage");
    insta::assert_snapshot!("palette_typed", s);
}

#[test]
fn a_conversation_with_files_and_one_uploading() {
    use chatsmart::protocol::*;
    use chatsmart::tui::attach::{DraftFile, FileCheck, FileState};
    let mut app = fixtures::app_with_open(4);
    let file = |id, name: &str, mime: &str, kind, size| Attachment {
        id,
        name: name.into(),
        mime: mime.into(),
        kind,
        size,
        sha256: "ab".repeat(32),
        created_at: fixtures::now(),
    };
    let log = app.mirror.logs.get_mut(&1).unwrap();
    let last = log.messages.last().unwrap().clone();
    let mut photo = last.clone();
    photo.id = 900;
    photo.kind = MessageKind::Inbound;
    photo.author_id = None;
    photo.author_name = None;
    photo.text = String::new();
    // A hostile name: its escape sequence must not reach the screen.
    photo.attachment = Some(file(
        1,
        "IMG_2041\u{1b}[2J.jpg",
        "image/jpeg",
        AttachmentKind::Image,
        1_482_113,
    ));
    let mut menu = last.clone();
    menu.id = 901;
    menu.kind = MessageKind::Agent;
    menu.text = "Our price list, as promised".into();
    menu.attachment = Some(file(
        2,
        "價目表 2026.pdf",
        "application/pdf",
        AttachmentKind::Document,
        312_004,
    ));
    log.upsert(photo);
    log.upsert(menu);
    // The photo's preview, in half-blocks (a gradient stands in for it).
    let img = image::RgbaImage::from_fn(320, 160, |x, y| {
        image::Rgba([(x / 2) as u8, (y * 3 / 2) as u8, 160, 255])
    });
    let picker = chatsmart::tui::preview::picker("halfblocks")
        .unwrap()
        .unwrap();
    let protocol = picker
        .new_protocol(
            image::DynamicImage::ImageRgba8(img),
            ratatui::layout::Rect::new(0, 0, 16, 4),
            ratatui_image::Resize::Fit(None),
        )
        .unwrap();
    app.previews.insert(
        1,
        chatsmart::tui::preview::Preview::Ready(chatsmart::tui::preview::Ready(protocol)),
    );
    app.focus = Focus::Compose;
    app.drafts
        .insert(1, Editor::with_text("And the voice note"));
    app.draft_files.insert(
        1,
        DraftFile {
            file: FileCheck {
                path: "/home/alice/note.m4a".into(),
                name: "note.m4a".into(),
                mime: "audio/mp4",
                kind: AttachmentKind::Audio,
                size: 2_400_000,
                note: None,
            },
            upload: 1,
            state: FileState::Uploading { sent: 1_000_000 },
        },
    );
    let t = render(&mut app, 120, 40);
    insta::assert_snapshot!(screen(&t));
}

#[test]
fn the_attach_prompt_with_choices_and_a_checked_file() {
    use chatsmart::tui::attach::{AttachForm, FileCheck};
    let mut app = fixtures::app_with_open(4);
    app.popup = Some(Popup::Attach(AttachForm {
        path: Editor::with_text("~/Downloads/receipt-"),
        choices: vec![
            "receipt-june.jpg".into(),
            "receipt-may.png".into(),
            "receipts/".into(),
        ],
        check: Some(Ok(FileCheck {
            path: "/home/alice/Downloads/receipt-may.png".into(),
            name: "receipt-may.png".into(),
            mime: "image/png",
            kind: chatsmart::protocol::AttachmentKind::Image,
            size: 48_213,
            note: None,
        })),
        channel: Some(chatsmart::protocol::ChannelKind::Whatsapp),
    }));
    let t = render(&mut app, 100, 30);
    insta::assert_snapshot!(screen(&t));
}

/// The channel tabs from the connected accounts, with unread counts; when
/// they do not fit, the window slides to keep the chosen one in sight.
#[test]
fn channel_tabs_from_accounts_with_counts() {
    use chatsmart::protocol::{ChannelAccount, ChannelKind};
    let mut app = fixtures::app(4);
    let acc = |id, kind, name: &str| ChannelAccount {
        id,
        kind,
        name: name.into(),
        is_api: false,
        webhook_path: None,
        credential_keys: vec![],
    };
    app.mirror.accounts = vec![
        acc(11, ChannelKind::Whatsapp, "Sales"),
        acc(12, ChannelKind::Whatsapp, "Support desk"),
        acc(21, ChannelKind::Line, "Shop"),
        acc(31, ChannelKind::Messenger, "Page"),
        acc(41, ChannelKind::Wechat, "Official"),
    ];
    app.mirror.unread_accounts = [(11, 3), (21, 150)].into_iter().collect();
    let t = render(&mut app, 120, 24);
    let s = screen(&t);
    assert!(s.contains("WA Sales 3"), "{s}");
    assert!(s.contains("›"), "some tabs out of sight: {s}");
    // The last tab chosen: the window slides to it.
    app.filters.channel = Some(ChannelKind::Wechat);
    let t = render(&mut app, 120, 24);
    let s2 = screen(&t);
    assert!(s2.contains(" WC ") && s2.contains("‹"), "{s2}");
    insta::assert_snapshot!(s);
}
