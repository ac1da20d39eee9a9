//! A yes/no question before something that cannot be undone.

use super::super::app::App;
use super::super::app::{ConfirmAction, Popup};
use super::super::command::Command;
use super::super::event::Effect;
use super::super::keymap::Context;
use super::super::settings;
use super::super::theme::{Role, Theme};
use crate::protocol::CustomerPatch;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(app: &App, message: &str, theme: &Theme, area: Rect, f: &mut Frame) {
    let r = super::centered(area, 54, 7);
    let inner = super::frame(f, r, "Confirm", theme);
    let [(yes, _), (no, _)] = HINTS else {
        unreachable!("a yes and a no")
    };
    let yes = app.config.keymap.keys_for(Context::Popup, *yes);
    let no = app.config.keymap.keys_for(Context::Popup, *no);
    let join = |v: Vec<super::super::keymap::Key>| {
        v.iter()
            .map(std::string::ToString::to_string)
            .collect::<Vec<_>>()
            .join("/")
    };
    let lines = vec![
        Line::from(Span::styled(message.to_string(), theme.style(Role::Text))),
        Line::raw(""),
        Line::from(vec![
            Span::styled(join(yes), theme.style(Role::HintKey)),
            Span::styled(" yes    ", theme.style(Role::Text)),
            Span::styled(join(no), theme.style(Role::HintKey)),
            Span::styled(" no", theme.style(Role::Text)),
        ]),
    ];
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// What the question answers, with its key hints.
pub const HINTS: &[(Command, &str)] =
    &[(Command::PopupConfirm, "yes"), (Command::PopupClose, "no")];

/// Yes does what was asked; no goes back to where the question came from.
/// False for anything else.
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) -> bool {
    let Some(Popup::Confirm { action, .. }) = app.popup.as_mut() else {
        return false;
    };
    match cmd {
        Command::PopupClose => app.popup = app.after_confirm.take().map(|p| *p),
        Command::PopupConfirm => {
            let action = action.clone();
            app.popup = app.after_confirm.take().map(|p| *p);
            match action {
                ConfirmAction::Quit => app.quit = true,
                ConfirmAction::DeleteFolder(id) => fx.push(Effect::DeleteFolder(id)),
                ConfirmAction::DeleteStandardMessage(id) => {
                    fx.push(Effect::DeleteStandardMessage(id));
                }
                ConfirmAction::ImportStandard(path) => {
                    app.transfer = Some(super::super::app::Transfer {
                        what: "importing".into(),
                        done: 0,
                        total: 0,
                    });
                    fx.push(Effect::StandardFile {
                        action: settings::FileAction::ImportChecked,
                        path,
                    });
                }
                ConfirmAction::RemoveCustomField(cid, key) => {
                    if let Some(c) = app.mirror.customers.get(&cid) {
                        let mut fields = c.custom_fields.clone();
                        fields.remove(&key);
                        let patch = CustomerPatch {
                            version: Some(c.version),
                            custom_fields: Some(fields),
                            ..Default::default()
                        };
                        fx.push(Effect::PatchCustomer(cid, Box::new(patch)));
                    }
                }
                ConfirmAction::DeleteNote(id) => fx.push(Effect::DeleteNote(id)),
                ConfirmAction::CancelScheduled(id) => fx.push(Effect::CancelScheduled(id)),
                ConfirmAction::DeleteTag(id) => fx.push(Effect::DeleteTag(id)),
                ConfirmAction::CancelBroadcast(id) => fx.push(Effect::CancelBroadcast(id)),
                ConfirmAction::Bulk(req) => fx.push(Effect::Bulk(req)),
                ConfirmAction::MergeTags(from, into) => fx.push(Effect::MergeTag(from, into)),
            }
        }
        _ => return false,
    }
    true
}
