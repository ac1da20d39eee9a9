//! Drafts kept on disk, so nothing typed is lost: every conversation's
//! reply (text, cursor, the file attached to it) is written to the state
//! folder as it is typed (at most about once a second, whole or not at
//! all, readable only by this user) and comes back after any exit: quit,
//! crash, `kill -9`, a dropped SSH session. Sending or clearing a reply
//! takes it out at the next write; drafts older than `keep_drafts_days`
//! are dropped when the inbox starts.
//!
//! `update` decides when to keep (it never writes): it hands a snapshot to
//! the writer as an effect; `run` reads the file at start and writes the
//! last snapshot on the way out.

use super::app::{App, Pending, PendingState};
use super::attach::{DraftFile, FileState};
use super::editor::Editor;
use crate::protocol::ConversationId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One conversation's draft as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptDraft {
    pub conversation: ConversationId,
    pub text: String,
    /// Byte offset of the cursor in `text`.
    pub cursor: usize,
    /// The file attached to the reply, by path (uploaded again after a
    /// restart).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    pub updated_at: DateTime<Utc>,
}

/// A reply sent but not acknowledged by the server: the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptReply {
    pub conversation: ConversationId,
    /// The same id is sent again, so the server keeps it once.
    pub client_id: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<crate::protocol::Attachment>,
    /// Why the server refused it, if it did (then it waits for a retry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

/// The drafts file: every draft with something in it, and the outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptDrafts {
    pub version: u32,
    pub drafts: Vec<KeptDraft>,
    #[serde(default)]
    pub outbox: Vec<KeptReply>,
}

/// How long an untouched draft is kept, unless the config says.
pub const KEEP_DAYS: u32 = 30;

/// `$XDG_STATE_HOME/chatsmart/drafts/<server>.json`.
pub fn path(server: &str) -> PathBuf {
    super::kept::path("drafts", server)
}

/// What to keep now: the drafts with text or a file, as they are.
pub fn snapshot(app: &App) -> KeptDrafts {
    let mut ids: Vec<ConversationId> = app
        .drafts
        .iter()
        .filter(|(_, d)| !d.text().is_empty())
        .map(|(id, _)| *id)
        .chain(app.draft_files.keys().copied())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let drafts = ids
        .into_iter()
        .map(|id| {
            let d = app.drafts.get(&id);
            KeptDraft {
                conversation: id,
                text: d.map(|d| d.text().to_string()).unwrap_or_default(),
                cursor: d.map(super::editor::Editor::cursor).unwrap_or(0),
                file: app.draft_files.get(&id).map(|f| f.file.path.clone()),
                updated_at: app.draft_times.get(&id).copied().unwrap_or(app.now),
            }
        })
        .collect();
    let mut outbox: Vec<KeptReply> = app
        .mirror
        .logs
        .iter()
        .flat_map(|(id, log)| {
            log.pending.iter().map(move |p| KeptReply {
                conversation: *id,
                client_id: p.client_id.clone(),
                text: p.text.clone(),
                created_at: p.created_at,
                attachment: p.attachment.clone(),
                refused: match &p.state {
                    PendingState::Failed(why) => Some(why.clone()),
                    _ => None,
                },
            })
        })
        .collect();
    // Oldest first; a stable sort keeps each conversation's typed order.
    outbox.sort_by_key(|r| (r.created_at, r.conversation));
    KeptDrafts {
        version: 1,
        drafts,
        outbox,
    }
}

/// A digest of the drafts as they are, to notice a change cheaply.
pub fn fingerprint(app: &App) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut items: Vec<(ConversationId, &str, usize, Option<&Path>)> = app
        .drafts
        .iter()
        .map(|(id, d)| {
            (
                *id,
                d.text(),
                d.cursor(),
                app.draft_files.get(id).map(|f| f.file.path.as_path()),
            )
        })
        .collect();
    items.extend(
        app.draft_files
            .iter()
            .filter(|(id, _)| !app.drafts.contains_key(id))
            .map(|(id, f)| (*id, "", 0, Some(f.file.path.as_path()))),
    );
    items.sort_unstable();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    items.hash(&mut h);
    // The outbox too: what waits, and in which state.
    let mut waiting: Vec<(ConversationId, &str, u8)> = app
        .mirror
        .logs
        .iter()
        .flat_map(|(id, l)| {
            l.pending.iter().map(move |p| {
                let state = match p.state {
                    PendingState::Sending => 0,
                    PendingState::Queued => 1,
                    PendingState::Failed(_) => 2,
                };
                (*id, p.client_id.as_str(), state)
            })
        })
        .collect();
    waiting.sort_unstable();
    waiting.hash(&mut h);
    h.finish()
}

/// Reads the kept drafts; those older than `keep_days` are dropped. A
/// file that cannot be read is reported, and left for a person to look at
/// (it is set aside, not overwritten).
pub fn load(path: &Path, keep_days: u32, now: DateTime<Utc>) -> Result<KeptDrafts, String> {
    let Some(mut kept) = super::kept::read::<KeptDrafts>(path, "the kept drafts")? else {
        return Ok(KeptDrafts::default());
    };
    let oldest = now - chrono::Duration::days(i64::from(keep_days));
    // Old drafts go; the outbox never does (those were sent).
    kept.drafts.retain(|d| d.updated_at >= oldest);
    Ok(kept)
}

/// Puts kept drafts back: the text with its cursor, and the file as one
/// to upload again (`r` does, as for a failed upload); and the outbox,
/// queued to go out once the server answers.
pub fn restore(app: &mut App, kept: KeptDrafts) {
    for r in kept.outbox {
        app.mirror
            .logs
            .entry(r.conversation)
            .or_default()
            .pending
            .push(Pending {
                client_id: r.client_id,
                text: r.text,
                state: match r.refused {
                    Some(why) => PendingState::Failed(why),
                    None => PendingState::Queued,
                },
                created_at: r.created_at,
                attachment: r.attachment,
            });
    }
    for d in kept.drafts {
        let mut ed = Editor::with_text(&d.text);
        ed.set_cursor(d.cursor);
        if !d.text.is_empty() {
            app.drafts.insert(d.conversation, ed);
        }
        app.draft_times.insert(d.conversation, d.updated_at);
        if let Some(path) = d.file {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let kind = crate::protocol::type_for_name(&name).ok();
            app.uploads_started += 1;
            app.uploads_to_retry.push(d.conversation);
            app.draft_files.insert(
                d.conversation,
                DraftFile {
                    file: super::attach::FileCheck {
                        path,
                        name,
                        mime: kind.map(|k| k.mime).unwrap_or("application/octet-stream"),
                        kind: kind
                            .map(|k| k.kind)
                            .unwrap_or(crate::protocol::AttachmentKind::Document),
                        size: 0,
                        note: None,
                    },
                    upload: app.uploads_started,
                    state: FileState::Failed(
                        "kept from the last session: retry uploads it again".into(),
                    ),
                },
            );
        }
    }
    app.drafts_fp = fingerprint(app);
}

/// Writes the drafts whole or not at all, readable only by this user.
pub fn write(path: &Path, kept: &KeptDrafts) -> anyhow::Result<()> {
    super::kept::write(path, &serde_json::to_vec(kept)?)
}

/// After each change: keep the drafts now if the last keep was a while
/// ago, or mark them to keep at the next tick.
pub fn after_change(app: &mut App, fx: &mut Vec<super::event::Effect>) {
    let fp = fingerprint(app);
    if fp != app.drafts_fp {
        app.drafts_fp = fp;
        app.drafts_dirty = true;
        // When each draft last changed, for pruning.
        let now = app.now;
        let touched: Vec<ConversationId> = app.open.into_iter().collect();
        for id in touched {
            app.draft_times.insert(id, now);
        }
    }
    if app.drafts_dirty && app.drafts_saved_at.is_none_or(|at| app.now > at) {
        app.drafts_dirty = false;
        app.drafts_saved_at = Some(app.now);
        fx.push(super::event::Effect::KeepDrafts(snapshot(app)));
    }
}
