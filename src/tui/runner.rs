//! Performs effects on the async runtime and sends their answers back into
//! the event loop as messages. The only place the TUI does network I/O.

use super::event::{err, Confirm, Effect, Msg, Reply};
use crate::client::{spawn_event_stream_with, Client};
use crate::protocol::MessagesQuery;
use tokio::sync::mpsc::UnboundedSender;

pub struct Runner {
    /// The server's client; none until the sign-in screen has one.
    client: std::sync::Arc<std::sync::RwLock<Option<Client>>>,
    tx: UnboundedSender<Msg>,
    /// How image previews are drawn; none when they are off.
    picker: Option<ratatui_image::picker::Picker>,
    /// Wakes the event stream's wait before reconnecting.
    wake: std::sync::Arc<tokio::sync::Notify>,
}

impl Runner {
    pub fn new(client: Option<Client>, tx: UnboundedSender<Msg>) -> Self {
        Runner {
            client: std::sync::Arc::new(std::sync::RwLock::new(client)),
            tx,
            picker: None,
            wake: Default::default(),
        }
    }

    pub fn with_picker(self, picker: Option<ratatui_image::picker::Picker>) -> Self {
        Runner { picker, ..self }
    }

    pub fn perform(&self, fx: Effect) {
        let tx = self.tx.clone();
        if let Effect::ReconnectNow = fx {
            self.wake.notify_one();
            return;
        }
        if let Effect::SignIn {
            server,
            login,
            password,
        } = fx
        {
            let slot = self.client.clone();
            tokio::spawn(async move {
                let result = sign_in(&server, &login, &password.0).await.map(|client| {
                    if let Ok(mut c) = slot.write() {
                        *c = Some(client);
                    }
                    server
                });
                let _ = tx.send(Msg::Reply(Box::new(Reply::SignedIn(result))));
            });
            return;
        }
        if let Effect::CheckFile { .. } | Effect::CompletePath { .. } = fx {
            // The file system, off the event loop.
            tokio::task::spawn_blocking(move || {
                if let Some(reply) = local(fx) {
                    let _ = tx.send(Msg::Reply(Box::new(reply)));
                }
            });
            return;
        }
        // Nothing reaches a server before there is one (the sign-in screen).
        let Some(c) = self.client.read().ok().and_then(|c| c.clone()) else {
            return;
        };
        if let Effect::StartStream(since) = fx {
            let (mut rx, _task) = spawn_event_stream_with(c, since, self.wake.clone());
            tokio::spawn(async move {
                while let Some(update) = rx.recv().await {
                    if tx.send(Msg::Server(update)).is_err() {
                        break;
                    }
                }
            });
            return;
        }
        let picker = self.picker.clone();
        tokio::spawn(async move {
            let reply = match fx {
                Effect::LoadPreview(attachment) => Reply::Preview(
                    attachment.id,
                    match &picker {
                        Some(p) => super::preview::load(&c, p, &attachment).await,
                        None => Err("previews are off".into()),
                    },
                ),
                Effect::StartStream(_)
                | Effect::SignIn { .. }
                | Effect::KeepDrafts(_)
                | Effect::KeepSession(_)
                | Effect::KeepCache(_)
                | Effect::CheckFile { .. }
                | Effect::CompletePath { .. }
                | Effect::ReconnectNow => return,
                Effect::LoadConversation(id) => {
                    Reply::Reopened(id, c.conversation(id).await.map_err(err))
                }
                Effect::LoadMe => Reply::Me(c.me().await.map_err(err)),
                Effect::LoadAgents => Reply::Agents(c.agents().await.map_err(err)),
                Effect::LoadConversations {
                    generation,
                    query,
                    append,
                    as_of,
                } => Reply::Conversations {
                    generation,
                    append,
                    as_of,
                    result: c.conversations(&query).await.map_err(err),
                },
                Effect::LoadMessages {
                    conversation,
                    before,
                } => Reply::Messages {
                    conversation,
                    older: before.is_some(),
                    result: c
                        .messages(
                            conversation,
                            &MessagesQuery {
                                before,
                                limit: Some(100),
                            },
                        )
                        .await
                        .map_err(err),
                },
                Effect::LoadCustomer(id) => Reply::Customer(id, c.customer(id).await.map_err(err)),
                Effect::LoadNotes(id) => Reply::Notes(id, c.notes(id).await.map_err(err)),
                Effect::Send {
                    conversation,
                    text,
                    client_id,
                    attachment_id,
                } => send(&c, conversation, text, client_id, attachment_id).await,
                Effect::SendInOrder(sends) => {
                    for fx in sends {
                        if let Effect::Send {
                            conversation,
                            text,
                            client_id,
                            attachment_id,
                        } = fx
                        {
                            let reply =
                                send(&c, conversation, text, client_id, attachment_id).await;
                            if tx.send(Msg::Reply(Box::new(reply))).is_err() {
                                return;
                            }
                        }
                    }
                    return;
                }
                Effect::OpenFile {
                    attachment,
                    save,
                    download_dir,
                } => Reply::FileDone(
                    super::files::open_or_save(&c, &attachment, save, &download_dir).await,
                ),
                Effect::Upload {
                    conversation,
                    upload,
                    path,
                } => {
                    let progress_tx = tx.clone();
                    // A progress message at most every 64 KiB.
                    let last = std::sync::atomic::AtomicU64::new(0);
                    let progress = move |sent: u64| {
                        let before = last.load(std::sync::atomic::Ordering::Relaxed);
                        if sent >= before + 64 * 1024 {
                            last.store(sent, std::sync::atomic::Ordering::Relaxed);
                            let _ = progress_tx.send(Msg::Reply(Box::new(Reply::UploadProgress {
                                conversation,
                                upload,
                                sent,
                            })));
                        }
                    };
                    Reply::Uploaded {
                        conversation,
                        upload,
                        result: c.upload_file(&path, progress).await.map_err(err),
                    }
                }
                Effect::RetryMessage(id) => Reply::Done {
                    what: "sending it again".into(),
                    result: c.retry_message(id).await.map(|_| ()).map_err(err),
                },
                Effect::MarkRead(id) => Reply::Done {
                    what: "marking read".into(),
                    result: c.mark_read(id).await.map(|_| ()).map_err(err),
                },
                Effect::SetBot {
                    conversation,
                    active,
                } => Reply::Changed {
                    what: if active {
                        "turning the bot on"
                    } else {
                        "turning the bot off"
                    }
                    .into(),
                    confirm: Some(Confirm::Bot(active)),
                    result: c.set_bot(conversation, active).await.map_err(err),
                },
                Effect::Assign {
                    conversation,
                    agent,
                } => Reply::Changed {
                    what: "assigning".into(),
                    confirm: Some(Confirm::Assigned(agent)),
                    result: c.assign(conversation, agent).await.map_err(err),
                },
                Effect::Unassign {
                    conversation,
                    agent,
                } => Reply::Changed {
                    what: "unassigning".into(),
                    confirm: Some(Confirm::Unassigned(agent)),
                    result: c.unassign(conversation, agent).await.map_err(err),
                },
                Effect::LoadStandard => Reply::Standard(
                    c.standard_folders(&crate::protocol::StandardQuery::default())
                        .await
                        .map_err(err),
                ),
                Effect::LoadTeams => Reply::Teams(c.teams().await.map_err(err)),
                Effect::LoadChannels => Reply::Channels(c.channels().await.map_err(err)),
                Effect::LoadUnread => Reply::Unread(c.unread().await.map_err(err)),
                Effect::LoadTags => Reply::Tags(c.tags().await.map_err(err)),
                // The terminal's loop writes these; nothing to ask here.
                Effect::Notify(_) => return,
                Effect::FindConversations(q) => Reply::Found(
                    c.conversations(&crate::protocol::ConversationQuery {
                        q: Some(q),
                        limit: Some(20),
                        ..Default::default()
                    })
                    .await
                    .map(|p| p.items)
                    .map_err(err),
                ),
                Effect::LoadMacros => Reply::Macros(c.macros().await.map_err(err)),
                Effect::RunMacro(run) => Reply::MacroDone(super::macros::execute(&c, run).await),
                Effect::SetStatus(id, req) => Reply::Changed {
                    what: format!("setting the status to {}", req.status),
                    confirm: None,
                    result: c.set_status(id, &req).await.map_err(err),
                },
                Effect::SetPriority(id, p) => Reply::Changed {
                    what: format!("setting the priority to {p}"),
                    confirm: None,
                    result: c.set_priority(id, p).await.map_err(err),
                },
                Effect::Bulk(req) => Reply::BulkDone {
                    what: bulk_what(&req),
                    result: c.bulk(&req).await.map_err(err),
                },
                Effect::LoadBroadcasts => Reply::Broadcasts(c.broadcasts().await.map_err(err)),
                Effect::CancelBroadcast(id) => Reply::TagsChanged(
                    c.cancel_broadcast(id)
                        .await
                        .map(|b| format!("cancelled the broadcast to #{}", b.tag.name))
                        .map_err(err),
                ),
                Effect::UpdateTag(id, patch) => Reply::TagsChanged(
                    c.update_tag(id, &patch)
                        .await
                        .map(|t| format!("saved the tag {}", t.name))
                        .map_err(err),
                ),
                Effect::MergeTag(from, into) => Reply::TagsChanged(
                    c.merge_tag(from, into)
                        .await
                        .map(|t| format!("merged: {} customers carry {}", t.customers, t.tag.name))
                        .map_err(err),
                ),
                Effect::DeleteTag(id) => Reply::TagsChanged(
                    c.delete_tag(id)
                        .await
                        .map(|r| format!("deleted the tag from {} customers", r.customers))
                        .map_err(err),
                ),
                Effect::BroadcastPreview(a) => {
                    let r = c.broadcast_preview(&a).await.map_err(err);
                    Reply::BroadcastPreview(a, r)
                }
                Effect::Broadcast(new) => Reply::PopupSaved(
                    c.broadcast(&new)
                        .await
                        .map(|b| format!("broadcast to #{} started", b.tag.name))
                        .map_err(err),
                ),
                Effect::LoadScheduled(id) => {
                    Reply::Scheduled(id, c.scheduled(id).await.map_err(err))
                }
                Effect::PatchCustomer(id, patch) => Reply::CustomerSaved {
                    customer: id,
                    result: c
                        .patch_customer(id, &patch)
                        .await
                        .map_err(|e| (e.status(), e.to_string())),
                },
                Effect::TagCustomer(id, tag) => {
                    Reply::CustomerChanged(c.tag_customer(id, &tag).await.map_err(err))
                }
                Effect::UntagCustomer(id, tag) => {
                    Reply::CustomerChanged(c.untag_customer(id, tag).await.map_err(err))
                }
                Effect::AddNote(id, text) => Reply::PopupSaved(
                    c.add_note(id, &text)
                        .await
                        .map(|_| "note added".to_string())
                        .map_err(err),
                ),
                Effect::EditNote(id, text) => Reply::PopupSaved(
                    c.edit_note(id, &text)
                        .await
                        .map(|_| "note saved".to_string())
                        .map_err(err),
                ),
                Effect::DeleteNote(id) => Reply::PopupSaved(
                    c.delete_note(id)
                        .await
                        .map(|()| "note deleted".to_string())
                        .map_err(err),
                ),
                Effect::Schedule(conv, new) => Reply::PopupSaved(
                    c.schedule(conv, &new)
                        .await
                        .map(|s| format!("scheduled “{}”", s.name))
                        .map_err(err),
                ),
                Effect::UpdateScheduled(id, patch) => Reply::PopupSaved(
                    c.update_scheduled(id, &patch)
                        .await
                        .map(|s| format!("rescheduled “{}”", s.name))
                        .map_err(err),
                ),
                Effect::CancelScheduled(id) => Reply::PopupSaved(
                    c.cancel_scheduled(id)
                        .await
                        .map(|s| format!("cancelled “{}”", s.name))
                        .map_err(err),
                ),
                Effect::CreateFolder(input) => Reply::SettingsSaved(
                    c.create_folder(&input)
                        .await
                        .map(|f| format!("created the folder {}", f.name))
                        .map_err(err),
                ),
                Effect::UpdateFolder(id, patch) => Reply::SettingsSaved(
                    c.update_folder(id, &patch)
                        .await
                        .map(|f| format!("saved the folder {}", f.name))
                        .map_err(err),
                ),
                Effect::DeleteFolder(id) => Reply::SettingsSaved(
                    c.delete_folder(id)
                        .await
                        .map(|()| "deleted the folder".to_string())
                        .map_err(err),
                ),
                Effect::AddStandardMessage(folder, text) => Reply::SettingsSaved(
                    c.add_standard_message(folder, &text)
                        .await
                        .map(|_| "added the message".to_string())
                        .map_err(err),
                ),
                Effect::EditStandardMessage(id, text) => Reply::SettingsSaved(
                    c.edit_standard_message(id, &text)
                        .await
                        .map(|_| "saved the message".to_string())
                        .map_err(err),
                ),
                Effect::DeleteStandardMessage(id) => Reply::SettingsSaved(
                    c.delete_standard_message(id)
                        .await
                        .map(|()| "deleted the message".to_string())
                        .map_err(err),
                ),
                Effect::StandardFile { action, path } => file(&c, &tx, action, path).await,
            };
            let _ = tx.send(Msg::Reply(Box::new(reply)));
        });
    }
}

/// Why a file to import could not be read, in the agent's words.
fn unreadable(shown: &str, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => format!("no file at {shown}"),
        std::io::ErrorKind::IsADirectory => format!("{shown} is a folder"),
        _ => format!("cannot read {shown}: {e}"),
    }
}

/// Performs an effect that only reads this machine's file system (checking
/// a file, completing a path); None for any other effect. Blocking: the
/// runner calls it off the event loop.
pub fn local(fx: Effect) -> Option<Reply> {
    match fx {
        Effect::CheckFile {
            typed,
            channel,
            limits,
            attach,
        } => Some(Reply::FileChecked {
            result: super::attach::check(&typed, &limits, channel),
            typed,
            attach,
        }),
        Effect::CompletePath { typed, target } => Some(Reply::PathCompleted {
            done: super::paths::complete(&typed, super::paths::home().as_deref()),
            typed,
            target,
        }),
        _ => None,
    }
}

async fn file(
    c: &Client,
    tx: &UnboundedSender<Msg>,
    action: super::settings::FileAction,
    path: std::path::PathBuf,
) -> Reply {
    use super::settings::FileAction;
    let shown = path.display().to_string();
    match action {
        FileAction::CustomersExport => {
            let csv = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            let result = match c.customers_export(csv).await {
                Ok(bytes) => tokio::task::spawn_blocking(move || {
                    crate::config::write_atomic(&path, &bytes).map_err(|e| format!("{e:#}"))
                })
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r)
                .map(|()| format!("saved {shown}")),
                Err(e) => Err(err(e)),
            };
            Reply::SettingsSaved(result)
        }
        FileAction::CustomersImport => {
            let bytes = match tokio::fs::read(&path).await {
                Ok(b) => b,
                Err(e) => return Reply::SettingsSaved(Err(unreadable(&shown, &e))),
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let result = c.customers_import(bytes, &name, false).await.map_err(err);
            Reply::CustomersImported(result)
        }
        FileAction::Template | FileAction::Export => {
            let got = if action == FileAction::Template {
                c.standard_template().await
            } else {
                c.standard_export().await
            };
            let result = match got {
                Ok(bytes) => tokio::task::spawn_blocking(move || {
                    crate::config::write_atomic(&path, &bytes).map_err(|e| format!("{e:#}"))
                })
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r)
                .map(|()| format!("saved {shown}")),
                Err(e) => Err(err(e)),
            };
            Reply::SettingsSaved(result)
        }
        FileAction::Import | FileAction::ImportChecked => {
            // First a dry run: the agent sees what would happen and confirms.
            let dry_run = action == FileAction::Import;
            let bytes = match tokio::fs::read(&path).await {
                Ok(b) => b,
                Err(e) => return Reply::SettingsSaved(Err(unreadable(&shown, &e))),
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let progress_tx = tx.clone();
            let result = c
                .standard_import_with_progress(bytes, &name, dry_run, move |done, total| {
                    let _ = progress_tx.send(Msg::Reply(Box::new(Reply::Progress { done, total })));
                })
                .await
                .map_err(err);
            Reply::Imported(path, result)
        }
    }
}

/// Sends one reply; a repeated `client_id` is answered with the message
/// the server kept the first time, so sending again is safe.
async fn send(
    c: &Client,
    conversation: crate::protocol::ConversationId,
    text: String,
    client_id: String,
    attachment_id: Option<crate::protocol::AttachmentId>,
) -> Reply {
    let result = c
        .send_message_with(
            conversation,
            &crate::protocol::SendMessage {
                text,
                client_id: client_id.clone(),
                attachment_id,
                as_bot: false,
            },
        )
        .await;
    let away = result
        .as_ref()
        .err()
        .is_some_and(|e| e.status().is_none_or(|s| s >= 500 || s == 429));
    Reply::Sent {
        conversation,
        client_id,
        result: result.map_err(err),
        away,
    }
}

/// Signs in as `chatsmart login` does and keeps the token the same way;
/// the client it gives carries the token.
async fn sign_in(server: &str, login: &str, password: &str) -> Result<Client, String> {
    let anon = Client::new(server, None).map_err(|e| format!("{e:#}"))?;
    let ok = anon
        .login(login, password)
        .await
        .map_err(|e| match e.status() {
            Some(401) => "wrong login or password".to_string(),
            _ => err(e),
        })?;
    let (server, token) = (server.to_string(), ok.token);
    tokio::task::spawn_blocking({
        let (server, token) = (server.clone(), token.clone());
        move || crate::config::save_login(&server, &token)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("signed in, but the token could not be kept: {e:#}"))?;
    Client::new(&server, Some(token)).map_err(|e| format!("{e:#}"))
}

/// "resolve 3 conversations", for the report.
fn bulk_what(req: &crate::protocol::BulkRequest) -> String {
    use crate::protocol::BulkAction;
    let n = req.ids.len();
    let what = match &req.action {
        BulkAction::Assign { .. } => "assign",
        BulkAction::Unassign { .. } => "unassign",
        BulkAction::Bot { active: true } => "bot on for",
        BulkAction::Bot { active: false } => "bot off for",
        BulkAction::Tag { .. } => "tag",
        BulkAction::Status { status, .. } => match status {
            crate::protocol::ConvStatus::Open => "reopen",
            crate::protocol::ConvStatus::Pending => "mark pending",
            crate::protocol::ConvStatus::Snoozed => "snooze",
            crate::protocol::ConvStatus::Resolved => "resolve",
        },
        BulkAction::Priority { .. } => "set priority of",
    };
    format!("{what} {n} conversation{}", if n == 1 { "" } else { "s" })
}
