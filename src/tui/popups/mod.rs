//! Popups, one file each, drawn over the panes.

pub mod assign;
pub mod attach;
pub mod broadcast;
pub mod broadcasts;
pub mod confirm;
pub mod emoji;
pub mod files;
pub mod help;
pub mod import_errors;
pub mod note;
pub mod palette;
pub mod priority;
pub mod schedule;
pub mod snooze;
pub mod standard;
pub mod tag_picker;
pub mod tags;
pub mod toast;

use super::app::{App, Level, Popup};
use super::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::widgets::{Block, BorderType, Borders, Clear};
use ratatui::Frame;

/// A rectangle of `w` x `h` cells centred in `area` (clamped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Clears the area and draws the popup's frame; returns the inside.
pub fn frame(f: &mut Frame, area: Rect, title: &str, theme: &Theme) -> Rect {
    f.render_widget(Clear, area);
    let b = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.style(Role::BorderFocused))
        .style(theme.style(Role::Base))
        .title(ratatui::text::Span::styled(
            format!(" {title} "),
            theme.style(Role::Title),
        ));
    let inner = b.inner(area);
    f.render_widget(b, area);
    inner
}

pub fn draw(app: &App, theme: &Theme, f: &mut Frame) {
    let area = f.area();
    match &app.popup {
        None => {}
        Some(Popup::Attach(form)) => attach::draw(app, form, theme, area, f),
        Some(Popup::Files { selected }) => {
            files::draw(app, super::files::position(app, *selected), theme, area, f);
        }
        Some(Popup::Help { scroll }) => help::draw(app, *scroll, theme, area, f),
        Some(Popup::Assign { selected }) => assign::draw(app, *selected, theme, area, f),
        Some(Popup::Emoji { filter, selected }) => emoji::draw(filter, *selected, theme, area, f),
        Some(Popup::Standard {
            filter, selected, ..
        }) => {
            standard::draw(app, filter, *selected, theme, area, f);
            // A folder or message form opened from the picker.
            if let Some(form) = &app.settings.form {
                super::settings::draw::draw_form(app, form, theme, area, f);
            }
        }
        Some(Popup::Confirm { message, .. }) => confirm::draw(app, message, theme, area, f),
        Some(Popup::ImportErrors { report, scroll }) => {
            import_errors::draw(app, report, *scroll, theme, area, f);
        }
        Some(Popup::TagPicker { filter, selected }) => {
            tag_picker::draw(app, filter, *selected, theme, area, f);
        }
        Some(Popup::Tags {
            filter,
            selected,
            mode,
        }) => tags::draw(app, filter, *selected, mode, theme, area, f),
        Some(Popup::Note(form)) => note::draw(&app.config.keymap, form, theme, area, f),
        Some(Popup::Broadcast(form)) => broadcast::draw(app, form, theme, area, f),
        Some(Popup::Schedule(form)) => schedule::draw(app, form, theme, area, f),
        Some(Popup::Broadcasts { selected }) => broadcasts::draw(app, *selected, theme, area, f),
        Some(Popup::Snooze(menu)) => snooze::draw(app, menu, theme, area, f),
        Some(Popup::Palette(p)) => palette::draw(app, p, theme, area, f),
        Some(Popup::Priority(menu)) => priority::draw(app, menu, theme, area, f),
    }
    if let Some(t) = &app.toast {
        toast::draw(t, theme, area, f);
    }
}

/// A popup form (note, schedule, broadcast) was saved or refused: it
/// closes, or stays with the server's reason and the typed text.
pub fn form_saved(app: &mut App, result: Result<String, String>) {
    match result {
        Ok(done) => {
            if matches!(
                app.popup,
                Some(Popup::Note(_) | Popup::Schedule(_) | Popup::Broadcast(_))
            ) {
                app.popup = None;
            }
            app.notify(done, Level::Info);
        }
        Err(e) => match app.popup.as_mut() {
            Some(Popup::Note(f)) => {
                f.saving = false;
                f.error = Some(e);
            }
            Some(Popup::Schedule(f)) => {
                f.saving = false;
                f.error = Some(e);
            }
            Some(Popup::Broadcast(f)) => {
                f.saving = false;
                f.error = Some(e);
            }
            _ => app.notify(e, Level::Error),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::app::{ConfirmAction, TagsMode};
    use super::super::command::Command;
    use super::super::editor::Editor;
    use super::super::event::Effect;
    use super::super::fixtures;
    use super::*;

    type Handler = fn(&mut App, Command, &mut Vec<Effect>) -> bool;
    /// A popup, the hints it shows, and what answers its commands.
    type Case = (Popup, &'static [(Command, &'static str)], Handler);

    /// Every key hint a popup shows is a command it answers itself: the
    /// hints come from the same list as the handling, and cannot promise
    /// a key that does nothing.
    #[test]
    fn every_hinted_command_is_answered_by_its_popup() {
        let cases: Vec<Case> = vec![
            (Popup::Help { scroll: 0 }, help::HINTS, |a, c, _| {
                help::command(a, c)
            }),
            (
                Popup::Assign { selected: 0 },
                assign::HINTS,
                assign::command,
            ),
            (
                Popup::Emoji {
                    filter: Editor::new(),
                    selected: 0,
                },
                emoji::HINTS,
                |a, c, _| emoji::command(a, c),
            ),
            (
                Popup::TagPicker {
                    filter: Editor::new(),
                    selected: 0,
                },
                tag_picker::HINTS,
                tag_picker::command,
            ),
            (
                Popup::Tags {
                    filter: Editor::new(),
                    selected: 0,
                    mode: TagsMode::Browse,
                },
                tags::HINTS,
                tags::command,
            ),
            (
                Popup::ImportErrors {
                    report: Default::default(),
                    scroll: 0,
                },
                import_errors::HINTS,
                |a, c, _| import_errors::command(a, c),
            ),
            (
                Popup::Broadcasts { selected: 0 },
                broadcasts::HINTS,
                |a, c, _| broadcasts::command(a, c),
            ),
            (
                Popup::Confirm {
                    message: "Sure?".into(),
                    action: ConfirmAction::Quit,
                },
                confirm::HINTS,
                confirm::command,
            ),
            (
                Popup::Snooze(super::super::triage::SnoozeMenu {
                    targets: vec![1],
                    selected: 0,
                    typed: Editor::new(),
                    error: None,
                }),
                snooze::HINTS,
                snooze::command,
            ),
            (
                Popup::Priority(super::super::triage::PriorityMenu {
                    targets: vec![1],
                    selected: 0,
                }),
                priority::HINTS,
                priority::command,
            ),
            (
                Popup::Files { selected: None },
                &files::HINTS,
                files::command,
            ),
            (
                Popup::Attach(Default::default()),
                attach::HINTS,
                attach::command,
            ),
            (
                Popup::Palette(palette_in(&fixtures::app_with_open(4))),
                palette::HINTS,
                palette::command,
            ),
            (
                standard_picker(None, false),
                standard::FOLDER_HINTS,
                standard::command,
            ),
            (
                standard_picker(Some(1), false),
                standard::MESSAGE_HINTS,
                standard::command,
            ),
            (
                standard_picker(None, true),
                standard::SEARCH_HINTS,
                standard::command,
            ),
        ];
        for (popup, hints, handle) in cases {
            assert!(!hints.is_empty());
            for (cmd, label) in hints {
                let mut app = fixtures::app_with_open(4);
                app.mirror.standard = fixtures::standard_folders();
                app.popup = Some(popup.clone());
                let mut fx = Vec::new();
                assert!(
                    handle(&mut app, *cmd, &mut fx),
                    "{popup:?} shows {} ({label}) but does not answer it",
                    cmd.name()
                );
            }
            // And it leaves quitting to the app, and (but the standard
            // replies, which swallow the rest) what it does not know.
            let mut app = fixtures::app_with_open(4);
            app.popup = Some(popup.clone());
            assert!(
                !handle(&mut app, Command::Quit, &mut Vec::new()),
                "{popup:?} keeps quitting from the app"
            );
            if !matches!(popup, Popup::Standard { .. }) {
                assert!(!handle(&mut app, Command::JumpUnread, &mut Vec::new()));
            }
        }
    }

    /// The forms (note, scheduled message, broadcast) answer every key
    /// they hint; quitting from one asks first, and no comes back to the
    /// form with what was typed.
    #[test]
    fn forms_answer_their_hints_and_quitting_keeps_what_was_typed() {
        type FormHandler = fn(&mut App, Command, &mut Vec<Effect>) -> bool;
        type Form = (
            fn(&mut App),
            &'static [(Command, &'static str)],
            FormHandler,
        );
        let open: [Form; 3] = [
            (|a| note::open(a, None), note::HINTS, note::command),
            (
                |a| schedule::open(a, None),
                schedule::HINTS,
                schedule::command,
            ),
            (
                |a| {
                    a.popup = Some(Popup::Broadcast(broadcast::BroadcastForm {
                        tag: crate::protocol::Tag {
                            id: 1,
                            name: "vip".into(),
                            color: "green".into(),
                        },
                        text: Editor::new(),
                        when: Editor::new(),
                        channel: None,
                        field: 0,
                        recipients: None,
                        error: None,
                        saving: false,
                    }));
                },
                broadcast::HINTS,
                broadcast::command,
            ),
        ];
        for (open, hints, handle) in open {
            for (cmd, label) in hints {
                let mut app = fixtures::app_with_open(4);
                open(&mut app);
                let before = format!("{:?}", app.popup);
                assert!(
                    handle(&mut app, *cmd, &mut Vec::new()),
                    "{before} shows {} ({label}) but does not answer it",
                    cmd.name()
                );
            }
            let mut app = fixtures::app_with_open(4);
            open(&mut app);
            let typed = |app: &App| match &app.popup {
                Some(Popup::Note(f)) => f.editor.text().to_string(),
                Some(Popup::Schedule(f)) => f.name.text().to_string(),
                Some(Popup::Broadcast(f)) => f.text.text().to_string(),
                other => panic!("not a form: {other:?}"),
            };
            for c in "half a thought".chars() {
                match &app.popup {
                    Some(Popup::Note(_)) => note::type_char(&mut app, c),
                    Some(Popup::Schedule(_)) => schedule::type_char(&mut app, c),
                    _ => broadcast::type_char(&mut app, c),
                }
            }
            assert!(handle(&mut app, Command::Quit, &mut Vec::new()));
            assert!(!app.quit, "asked first");
            let Some(Popup::Confirm { message, .. }) = &app.popup else {
                panic!("a question: {:?}", app.popup);
            };
            assert!(message.contains("not saved"), "{message}");
            assert!(confirm::command(
                &mut app,
                Command::PopupClose,
                &mut Vec::new()
            ));
            assert_eq!(typed(&app), "half a thought", "back to the form as typed");
            handle(&mut app, Command::Quit, &mut Vec::new());
            confirm::command(&mut app, Command::PopupConfirm, &mut Vec::new());
            assert!(app.quit, "yes quits");
        }
    }

    fn palette_in(app: &App) -> super::super::palette::Palette {
        super::super::palette::Palette::new(app, "", super::super::keymap::Context::List)
    }

    fn standard_picker(folder: Option<crate::protocol::FolderId>, searching: bool) -> Popup {
        Popup::Standard {
            filter: Editor::new(),
            selected: 0,
            folder,
            searching,
        }
    }
}
