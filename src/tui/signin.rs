//! The sign-in screen: with no server or token configured, the inbox opens
//! on a form (server address, login, password) instead of printing how to
//! connect. It signs in as `chatsmart login` does and keeps the token the
//! same way; errors are said in place and what was typed stays (but the
//! password, which is asked again). Its state, keys and drawing live here.

use super::app::{App, Screen};
use super::command::Command;
use super::editor::Editor;
use super::event::Effect;
use super::keymap::Context;
use super::theme::{Role, Theme};
use crate::sanitize;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Server,
    Login,
    Password,
}

const FIELDS: [Field; 3] = [Field::Server, Field::Login, Field::Password];

#[derive(Debug, Clone)]
pub struct SignInForm {
    pub server: Editor,
    pub login: Editor,
    pub password: Editor,
    pub field: Field,
    /// Why the last try failed.
    pub error: Option<String>,
    /// A try is on its way.
    pub busy: bool,
}

impl SignInForm {
    /// The form, with the server already known (flag, environment or
    /// config file) filled in and the cursor on the first empty field.
    pub fn new(server: Option<&str>) -> Self {
        let server = server.unwrap_or("");
        SignInForm {
            server: Editor::with_text(server),
            login: Editor::new(),
            password: Editor::new(),
            field: if server.is_empty() {
                Field::Server
            } else {
                Field::Login
            },
            error: None,
            busy: false,
        }
    }

    pub fn editor(&mut self) -> &mut Editor {
        match self.field {
            Field::Server => &mut self.server,
            Field::Login => &mut self.login,
            Field::Password => &mut self.password,
        }
    }
}

/// Opens the inbox on the sign-in form.
pub fn open(app: &mut App, server: Option<&str>) {
    app.screen = Screen::SignIn;
    app.signin = Some(SignInForm::new(server));
}

/// A command on the sign-in screen.
pub fn command(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) {
    let Some(form) = app.signin.as_mut() else {
        return;
    };
    match cmd {
        Command::Quit | Command::Back => app.quit = true,
        Command::FormNextField | Command::FormPrevField | Command::InputDown | Command::InputUp => {
            let i = FIELDS.iter().position(|f| *f == form.field).unwrap_or(0);
            let forward = matches!(cmd, Command::FormNextField | Command::InputDown);
            form.field = FIELDS[if forward { (i + 1) % 3 } else { (i + 2) % 3 }];
        }
        Command::FormSave => submit(app, fx),
        // The form's toggle key is a space here: passwords have spaces.
        Command::FormToggle => form.editor().insert_char(' '),
        c => {
            form.editor().apply(c);
        }
    }
}

pub fn type_char(app: &mut App, c: char) {
    if let Some(form) = app.signin.as_mut() {
        form.editor().insert_char(c);
    }
}

/// Pasted text goes into the field, on one line.
pub fn paste(app: &mut App, text: &str) {
    if let Some(form) = app.signin.as_mut() {
        form.editor().insert(&sanitize::line(text));
    }
}

fn submit(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(form) = app.signin.as_mut() else {
        return;
    };
    if form.busy {
        return;
    }
    let server = form.server.text().trim().to_string();
    let login = form.login.text().trim().to_string();
    let password = form.password.text().to_string();
    let missing = [
        (Field::Server, server.is_empty(), "the server's address"),
        (Field::Login, login.is_empty(), "your login"),
        (Field::Password, password.is_empty(), "your password"),
    ]
    .into_iter()
    .find(|(_, empty, _)| *empty);
    if let Some((field, _, what)) = missing {
        form.field = field;
        form.error = Some(format!("type {what}"));
        return;
    }
    if !(server.starts_with("http://") || server.starts_with("https://")) {
        form.field = Field::Server;
        form.error =
            Some("the address starts with https:// (or http:// on a trusted network)".into());
        return;
    }
    form.busy = true;
    form.error = None;
    fx.push(Effect::SignIn {
        server,
        login,
        password: password.into(),
    });
}

/// The answer: into the inbox, or the reason in place (the password is
/// asked again).
pub fn signed_in(app: &mut App, result: Result<String, String>, fx: &mut Vec<Effect>) {
    match result {
        Ok(server) => {
            app.signin = None;
            app.screen = Screen::Inbox;
            app.config.server = server;
            fx.extend(super::update::start(app));
        }
        Err(e) => {
            if let Some(form) = app.signin.as_mut() {
                form.busy = false;
                form.error = Some(e);
                form.password.clear();
                form.field = Field::Password;
            }
        }
    }
}

pub fn draw(app: &App, theme: &Theme, area: Rect, f: &mut Frame) {
    let Some(form) = &app.signin else {
        return;
    };
    let r = super::popups::centered(area, 64.min(area.width), 14.min(area.height));
    let inner = super::popups::frame(f, r, "Sign in to chatsmart", theme);
    let w = inner.width.saturating_sub(12) as usize;
    let mut lines = vec![Line::from(Span::styled(
        "Your team's chatsmart server, and your login.",
        theme.style(Role::Muted),
    ))];
    lines.push(Line::raw(""));
    let mut cursor = None;
    for (i, (field, label)) in [
        (Field::Server, "Server"),
        (Field::Login, "Login"),
        (Field::Password, "Password"),
    ]
    .into_iter()
    .enumerate()
    {
        let ed = match field {
            Field::Server => &form.server,
            Field::Login => &form.login,
            Field::Password => &form.password,
        };
        // The password shows as dots, one per character typed.
        let shown = match field {
            Field::Password => "•".repeat(ed.text().chars().count()),
            _ => sanitize::line(ed.text()),
        };
        let shown = super::wrap::truncate_start(&shown, w.max(4));
        let active = form.field == field;
        let label_role = if active { Role::HintKey } else { Role::Label };
        if active {
            let before = match field {
                Field::Password => ed.text()[..ed.cursor()].chars().count(),
                _ => super::wrap::width(&ed.text()[..ed.cursor()]),
            };
            cursor = Some((
                inner.x + 10 + (before as u16).min(w as u16),
                inner.y + 2 + i as u16 * 2,
            ));
        }
        lines.push(Line::from(vec![
            Span::styled(format!("{label:<10}"), theme.style(label_role)),
            Span::styled(shown, theme.style(Role::Input)),
        ]));
        lines.push(Line::raw(""));
    }
    match (&form.error, form.busy) {
        (Some(e), _) => lines.push(Line::from(Span::styled(
            sanitize::line(e),
            theme.style(Role::Error),
        ))),
        (None, true) => lines.push(Line::from(Span::styled(
            "signing in…",
            theme.style(Role::Muted),
        ))),
        _ => lines.push(Line::raw("")),
    }
    lines.push(Line::from(Span::styled(
        app.config.keymap.hints(
            Context::Form,
            &[
                (Command::FormNextField, "next field"),
                (Command::FormSave, "sign in"),
                (Command::Back, "quit"),
            ],
        ),
        theme.style(Role::Muted),
    )));
    lines.push(Line::from(Span::styled(
        "No server yet? Quit and try: chatsmart demo",
        theme.style(Role::Muted),
    )));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if let Some(pos) = cursor {
        f.set_cursor_position(pos);
    }
}
