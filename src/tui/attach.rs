//! Attaching a file to a reply: the path prompt (tab completes from the
//! file system, the file's type and size shown as you type, a wrong type or
//! size refused before anything is sent), the upload in the background
//! with its progress, and the file waiting on the draft until it is sent.
//! A failed upload keeps the draft and the file; the retry key tries again.

use super::app::{App, Level, Popup};
use super::command::Command;
use super::editor::Editor;
use super::event::Effect;
use super::paths;
use crate::protocol::*;
use std::io::Read;
use std::path::PathBuf;

/// The path prompt.
#[derive(Debug, Clone, Default)]
pub struct AttachForm {
    pub path: Editor,
    /// What tab found when more than one name matched.
    pub choices: Vec<String>,
    /// The file the path names now, or why it cannot be sent.
    pub check: Option<Result<FileCheck, String>>,
    /// The open conversation's platform: what it cannot carry is refused
    /// here, before anything is uploaded.
    pub channel: Option<ChannelKind>,
}

/// A file that may be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCheck {
    pub path: PathBuf,
    pub name: String,
    pub mime: &'static str,
    pub kind: AttachmentKind,
    pub size: u64,
    /// How the platform will deliver it, when not as a file of its kind
    /// (LINE: audio and video as a link).
    pub note: Option<&'static str>,
}

/// A file on a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftFile {
    pub file: FileCheck,
    /// Tells this upload's answers from an earlier one's.
    pub upload: u64,
    pub state: FileState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    Uploading { sent: u64 },
    Ready(Attachment),
    Failed(String),
}

/// The icon for a kind of file.
pub fn icon(kind: AttachmentKind) -> &'static str {
    match kind {
        AttachmentKind::Image => "🖼",
        AttachmentKind::Audio => "🎵",
        AttachmentKind::Video => "🎬",
        AttachmentKind::Document => "📄",
        AttachmentKind::Contact => "👤",
    }
}

/// Whether the file at `typed` can be sent, and what it is: it must exist,
/// be a regular file of an allowed type (by name and by content) and fit
/// the server's limit for its kind.
pub fn check(
    typed: &str,
    limits: &UploadLimits,
    channel: Option<ChannelKind>,
) -> Result<FileCheck, String> {
    if typed.trim().is_empty() {
        return Err("type the path of a file".into());
    }
    let path = paths::expand(typed, paths::home().as_deref());
    let meta = std::fs::metadata(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("no file at {}", path.display()),
        _ => format!("{}: {e}", path.display()),
    })?;
    if meta.is_dir() {
        return Err(format!(
            "{} is a folder; tab completes its files",
            path.display()
        ));
    }
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let claimed = type_for_name(&name)?;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    std::fs::File::open(&path)
        .and_then(|f| f.take(SNIFF_BYTES as u64).read_to_end(&mut head))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let ftype = sniff(&name, &head)?;
    limits.check(&name, claimed.kind, meta.len())?;
    let note = match channel.map(|c| carriage(c, ftype.kind, ftype.mime)) {
        Some(Carriage::Refused(why)) => return Err(why.to_string()),
        Some(Carriage::Link(how)) => Some(how),
        _ => None,
    };
    Ok(FileCheck {
        path,
        name,
        mime: ftype.mime,
        kind: ftype.kind,
        size: meta.len(),
        note,
    })
}

/// Opens the path prompt for the open conversation.
pub fn open_prompt(app: &mut App, fx: &mut Vec<Effect>) {
    if app.open.is_none() {
        app.notify("open a conversation first", Level::Info);
        return;
    }
    let start = app
        .last_attach_dir
        .clone()
        .unwrap_or_else(|| "~/".to_string());
    let mut form = AttachForm {
        path: Editor::with_text(&start),
        channel: app.open_conv().map(|c| c.conversation.channel),
        ..Default::default()
    };
    refresh(&mut form, &app.mirror.upload_limits, fx);
    app.popup = Some(Popup::Attach(form));
}

/// Has the typed path checked again (after every edit); the answer comes
/// back as [`Reply::FileChecked`](super::event::Reply::FileChecked).
pub fn refresh(form: &mut AttachForm, limits: &UploadLimits, fx: &mut Vec<Effect>) {
    let typed = form.path.text();
    form.check = None;
    if !(typed.trim().is_empty() || typed.ends_with('/')) {
        fx.push(Effect::CheckFile {
            typed: typed.to_string(),
            channel: form.channel,
            limits: limits.clone(),
            attach: false,
        });
    }
}

/// The answer to a check of `typed`: shown if the prompt still holds that
/// path; with `attach`, a file that passed goes on the draft.
pub fn checked(
    app: &mut App,
    typed: &str,
    result: Result<FileCheck, String>,
    attach: bool,
    fx: &mut Vec<Effect>,
) {
    let Some(Popup::Attach(form)) = app.popup.as_mut() else {
        return;
    };
    if form.path.text() != typed {
        return;
    }
    match result {
        Ok(file) if attach => {
            app.last_attach_dir = typed.rfind('/').map(|i| typed[..=i].to_string());
            app.popup = None;
            start(app, file, fx);
        }
        other => form.check = Some(other),
    }
}

/// The answer to a tab on `typed`: the path as far as it completes, and
/// the choices when several remain.
pub fn completed(app: &mut App, typed: &str, done: super::paths::Completion, fx: &mut Vec<Effect>) {
    let limits = app.mirror.upload_limits.clone();
    let Some(Popup::Attach(form)) = app.popup.as_mut() else {
        return;
    };
    if form.path.text() != typed {
        return;
    }
    form.path = Editor::with_text(&done.input);
    form.choices = done.choices;
    refresh(form, &limits, fx);
}

/// Puts the file on the open conversation's draft and starts uploading.
fn start(app: &mut App, file: FileCheck, fx: &mut Vec<Effect>) {
    let Some(conversation) = app.open else {
        return;
    };
    app.uploads_started += 1;
    let upload = app.uploads_started;
    fx.push(Effect::Upload {
        conversation,
        upload,
        path: file.path.clone(),
    });
    app.draft_files.insert(
        conversation,
        DraftFile {
            file,
            upload,
            state: FileState::Uploading { sent: 0 },
        },
    );
}

/// Tries a failed upload again.
pub fn retry(app: &mut App, fx: &mut Vec<Effect>) -> bool {
    match app.open {
        Some(id) => retry_for(app, id, fx),
        None => false,
    }
}

/// Tries a failed upload of a conversation's draft again (also the ones
/// kept from the last session, when the inbox starts).
pub fn retry_for(app: &mut App, id: ConversationId, fx: &mut Vec<Effect>) -> bool {
    let Some(d) = app.draft_files.get(&id) else {
        return false;
    };
    if !matches!(d.state, FileState::Failed(_)) {
        return false;
    }
    let file = d.file.clone();
    // The file may have changed since: checked again.
    let channel = app.mirror.convs.get(&id).map(|c| c.conversation.channel);
    match check(
        &file.path.to_string_lossy(),
        &app.mirror.upload_limits.clone(),
        channel,
    ) {
        Ok(file) => start(app, file, fx),
        Err(e) => {
            if let Some(d) = app.draft_files.get_mut(&id) {
                d.state = FileState::Failed(e);
            }
        }
    }
    true
}

/// Takes the file off the open conversation's draft.
pub fn remove(app: &mut App) {
    let Some(id) = app.open else {
        return;
    };
    if let Some(d) = app.draft_files.remove(&id) {
        app.notify(format!("{} taken off the reply", d.file.name), Level::Info);
    }
}

pub fn on_progress(app: &mut App, conversation: ConversationId, upload: u64, sent: u64) {
    if let Some(d) = app.draft_files.get_mut(&conversation) {
        if d.upload == upload {
            if let FileState::Uploading { sent: s } = &mut d.state {
                *s = sent;
            }
        }
    }
}

pub fn on_uploaded(
    app: &mut App,
    conversation: ConversationId,
    upload: u64,
    result: Result<Attachment, String>,
) {
    let Some(d) = app.draft_files.get_mut(&conversation) else {
        return;
    };
    if d.upload != upload {
        return;
    }
    match result {
        Ok(a) => d.state = FileState::Ready(a),
        Err(e) => {
            let name = d.file.name.clone();
            d.state = FileState::Failed(e.clone());
            app.notify(
                format!("{name} was not uploaded: {e}; the reply keeps it, retry when ready"),
                Level::Error,
            );
        }
    }
}

/// What sending the open draft carries: `Ok(None)` without a file,
/// `Ok(Some(attachment))` with one ready, or why it cannot go yet (the file
/// is uploading, or failed to).
pub fn ready_file(app: &App, id: ConversationId) -> Result<Option<Attachment>, String> {
    let why = match app.draft_files.get(&id).map(|d| &d.state) {
        None => return Ok(None),
        Some(FileState::Ready(a)) => return Ok(Some(a.clone())),
        Some(FileState::Uploading { sent }) => {
            let total = app.draft_files[&id].file.size.max(1);
            format!(
                "the file is still uploading ({}%); send when it is done",
                sent * 100 / total
            )
        }
        Some(FileState::Failed(_)) => {
            let key = app
                .config
                .keymap
                .hint(super::keymap::Context::Compose, Command::RetryFailed)
                .unwrap_or_else(|| "chat.retry".into());
            format!("the file did not upload; {key} tries again")
        }
    };
    Err(why)
}

/// One line about a file: "🖼 receipt.jpg  image/jpeg · 1.4 KB".
pub fn describe(kind: AttachmentKind, name: &str, mime: &str, size: u64) -> String {
    format!(
        "{} {}  {mime} · {}",
        icon(kind),
        crate::sanitize::line(name),
        human_size(size)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_checked_by_type_content_and_size_before_upload() {
        let d = tempfile::tempdir().unwrap();
        let png = d.path().join("photo.png");
        std::fs::write(&png, samples::png_1x1()).unwrap();
        let limits = UploadLimits::default();
        let ok = check(&png.to_string_lossy(), &limits, None).unwrap();
        assert_eq!((ok.mime, ok.kind), ("image/png", AttachmentKind::Image));
        assert_eq!(ok.size, samples::png_1x1().len() as u64);

        let fake = d.path().join("invoice.pdf");
        std::fs::write(&fake, b"MZ\x90\x00 not a pdf").unwrap();
        let e = check(&fake.to_string_lossy(), &limits, None).unwrap_err();
        assert!(e.contains("not pdf"), "{e}");

        let exe = d.path().join("tool.exe");
        std::fs::write(&exe, b"MZ").unwrap();
        assert!(check(&exe.to_string_lossy(), &limits, None)
            .unwrap_err()
            .contains(".exe files cannot be sent"));

        let mut small = UploadLimits::default();
        small.parse_setting("image=16B").unwrap();
        let e = check(&png.to_string_lossy(), &small, None).unwrap_err();
        assert!(e.contains("at most 16 B"), "{e}");

        let e = check(&d.path().join("nope.png").to_string_lossy(), &limits, None).unwrap_err();
        assert!(e.contains("no file at"), "{e}");
        let e = check(&d.path().to_string_lossy(), &limits, None).unwrap_err();
        assert!(e.contains("is a folder"), "{e}");
    }
}
