//! Opening a conversation's files: with the desktop's opener when this
//! terminal has a display, otherwise (over SSH, on a server console) saved
//! to the download folder, and the agent is told where.

use super::app::{App, Level, Popup};
use crate::protocol::*;
use std::path::{Path, PathBuf};

/// The system's download folder, or `~/Downloads`, or the temp directory.
pub fn default_download_dir() -> PathBuf {
    directories::UserDirs::new()
        .and_then(|u| u.download_dir().map(Path::to_path_buf))
        .or_else(|| super::paths::home().map(|h| h.join("Downloads")))
        .unwrap_or_else(std::env::temp_dir)
}

/// The program that opens files on this desktop, when there is one to
/// reach: never over SSH, and on Linux only with a display.
pub fn desktop_opener() -> Option<&'static str> {
    let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty());
    if set("SSH_CONNECTION") || set("SSH_TTY") {
        return None;
    }
    if cfg!(target_os = "macos") {
        return Some("open");
    }
    if cfg!(windows) {
        return Some("explorer");
    }
    if !(set("DISPLAY") || set("WAYLAND_DISPLAY")) {
        return None;
    }
    let on_path = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("xdg-open").is_file()));
    on_path.then_some("xdg-open")
}

/// A path in `dir` for `name` that is not taken: `name`, then
/// `name (1)`, `name (2)`... before the extension.
pub fn free_path(dir: &Path, name: &str) -> PathBuf {
    let name = clean_file_name(name);
    let first = dir.join(&name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_string(), format!(".{e}")),
        _ => (name.clone(), String::new()),
    };
    (1..)
        .map(|i| dir.join(format!("{stem} ({i}){ext}")))
        .find(|p| !p.exists())
        .expect("some number is free")
}

/// The loaded files of the open conversation, newest first.
pub fn listed(app: &App) -> Vec<(&Message, &Attachment)> {
    let Some(log) = app.open.and_then(|id| app.mirror.logs.get(&id)) else {
        return Vec::new();
    };
    log.messages
        .iter()
        .rev()
        .filter_map(|m| m.attachment.as_ref().map(|a| (m, a)))
        .collect()
}

pub fn open_list(app: &mut App) {
    let Some(first) = listed(app).first().map(|(_, a)| a.id) else {
        app.notify("no files in this conversation", Level::Info);
        return;
    };
    app.popup = Some(Popup::Files {
        selected: Some(first),
    });
}

/// Where the chosen file is in the list now (files arriving meanwhile move
/// it; the choice follows the file, not the row).
pub fn position(app: &App, selected: Option<AttachmentId>) -> usize {
    listed(app)
        .iter()
        .position(|(_, a)| Some(a.id) == selected)
        .unwrap_or(0)
}

/// Does what [`Effect::OpenFile`] asks; says what happened.
pub async fn open_or_save(
    client: &crate::client::Client,
    attachment: &Attachment,
    save: bool,
    download_dir: &Path,
) -> Result<String, String> {
    let name = crate::sanitize::line(&attachment.name);
    // Only a file of an allowed type, recorded as that type, is opened;
    // anything else is saved, and the agent is told why.
    let openable = crate::protocol::openable(attachment);
    if let (false, true, Some(opener)) = (save, openable, desktop_opener()) {
        // A private copy per content, fetched once.
        let dir = crate::dirs::files_cache_dir();
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let sha = attachment.sha256.get(..16).unwrap_or("file");
        let path = dir.join(format!("{sha}-{}", clean_file_name(&attachment.name)));
        if !path.exists() {
            let (tmp, _) = client
                .download_beside(attachment.id, &dir)
                .await
                .map_err(|e| e.to_string())?;
            // Same content, same name: another copy landing first is fine.
            tmp.persist(&path)
                .map_err(|e| format!("{}: {}", path.display(), e.error))?;
        }
        std::process::Command::new(opener)
            .arg(&path)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {opener}: {e}"))?;
        return Ok(format!("opened {name}"));
    }
    std::fs::create_dir_all(download_dir)
        .map_err(|e| format!("cannot use {}: {e}", download_dir.display()))?;
    let (mut tmp, _) = client
        .download_beside(attachment.id, download_dir)
        .await
        .map_err(|e| e.to_string())?;
    // Never replaces a file: the next free name is claimed atomically.
    let why = if !save && !openable && desktop_opener().is_some() {
        " (not opened: not a type chatsmart opens)"
    } else {
        ""
    };
    for _ in 0..1000 {
        let path = free_path(download_dir, &attachment.name);
        match tmp.persist_noclobber(&path) {
            Ok(_) => {
                return Ok(format!(
                    "saved {name} to {}{why}",
                    crate::sanitize::line(&path.display().to_string())
                ))
            }
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => tmp = e.file,
            Err(e) => return Err(format!("{}: {}", path.display(), e.error)),
        }
    }
    Err(format!(
        "no free name for {name} in {}",
        download_dir.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saving_never_overwrites() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(free_path(d.path(), "a.jpg"), d.path().join("a.jpg"));
        std::fs::write(d.path().join("a.jpg"), b"x").unwrap();
        assert_eq!(free_path(d.path(), "a.jpg"), d.path().join("a (1).jpg"));
        std::fs::write(d.path().join("a (1).jpg"), b"x").unwrap();
        assert_eq!(free_path(d.path(), "a.jpg"), d.path().join("a (2).jpg"));
        // A hostile name stays inside the folder.
        assert_eq!(
            free_path(d.path(), "../../etc/passwd"),
            d.path().join("passwd")
        );
    }
}
