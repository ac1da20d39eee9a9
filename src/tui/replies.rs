//! What the server's answers change: each reply to a request (`Effect`)
//! lands here and goes on to the component that asked, or updates the
//! mirror when it is plain data.

use super::app::*;
use super::customer;
use super::event::{Effect, PathTarget, Reply};
use super::panes::{self, chat};
use super::settings;
use super::update::open;
use crate::protocol::ConversationId;

/// Applies the answer to a request.
pub fn on_reply(app: &mut App, reply: Reply, fx: &mut Vec<Effect>) {
    match reply {
        Reply::Me(Ok(me)) => {
            // The server answers: the last known inbox catches up from the
            // event it was kept at (a resync, if the server no longer has
            // it).
            let cached = app.cached.take();
            let first = app.mirror.me.is_none() || cached.is_some();
            app.mirror.me = Some(me.agent);
            app.mirror.upload_limits = me.upload_limits;
            app.mirror.standard_editing = me.standard_editing;
            if first {
                let since = cached.map(|c| c.seq).unwrap_or(me.latest_seq);
                app.mirror.last_seq = Some(since);
                fx.push(Effect::StartStream(Some(since)));
                fx.push(Effect::LoadAgents);
                fx.push(Effect::LoadStandard);
                fx.push(Effect::LoadMacros);
                fx.push(Effect::LoadTeams);
                fx.push(Effect::LoadChannels);
                fx.push(Effect::LoadUnread);
                app.unread_asked = Some(app.now);
                panes::list::refilter(app, fx);
                // Back where the last session left off: the conversation
                // that was open, once the server has it.
                if let Some(id) = app.restoring.as_ref().and_then(|r| r.open) {
                    if app.mirror.convs.contains_key(&id) {
                        reopen(app, id, fx);
                    } else {
                        fx.push(Effect::LoadConversation(id));
                    }
                }
                finish_restoring(app);
                // Files kept on drafts from the last session: uploaded again.
                for id in std::mem::take(&mut app.uploads_to_retry) {
                    super::attach::retry_for(app, id, fx);
                }
            }
        }
        Reply::Me(Err(e)) if app.cached.is_some() => {
            app.notify(format!("offline: {e}; trying again"), Level::Info);
        }
        Reply::Me(Err(e)) => app.notify(format!("cannot sign in: {e}"), Level::Error),
        Reply::Preview(id, result) => {
            let p = match result {
                Ok(ready) => super::preview::Preview::Ready(ready),
                Err(_) => super::preview::Preview::Failed,
            };
            app.previews.insert(id, p);
        }
        Reply::FileDone(Ok(what)) => app.notify(what, Level::Info),
        Reply::FileDone(Err(e)) => app.notify(format!("the file: {e}"), Level::Error),
        Reply::UploadProgress {
            conversation,
            upload,
            sent,
        } => super::attach::on_progress(app, conversation, upload, sent),
        Reply::Uploaded {
            conversation,
            upload,
            result,
        } => super::attach::on_uploaded(app, conversation, upload, result),
        Reply::Agents(Ok(agents)) => app.mirror.agents = agents,
        Reply::Agents(Err(e)) => app.notify(format!("cannot load agents: {e}"), Level::Error),
        Reply::Conversations {
            generation,
            as_of,
            result,
            ..
        } => panes::list::page_loaded(app, generation, as_of, result, fx),
        Reply::Messages {
            conversation,
            older,
            result,
        } => chat::messages_loaded(app, conversation, older, result, fx),
        Reply::Customer(_, Ok(c)) => {
            app.mirror.customers.insert(c.id, c);
        }
        Reply::Customer(_, Err(e)) => {
            app.notify(format!("cannot load the customer: {e}"), Level::Error);
        }
        Reply::Notes(id, Ok(notes)) => {
            app.mirror.notes.insert(id, notes);
        }
        Reply::Notes(_, Err(e)) => app.notify(format!("cannot load notes: {e}"), Level::Error),
        Reply::Sent {
            conversation,
            client_id,
            result,
            away,
        } => chat::sent(app, conversation, &client_id, result, away),
        Reply::Changed {
            what,
            confirm,
            result,
        } => match result {
            Ok(conv) => {
                if let Some(confirm) = confirm {
                    app.notify(confirm.text(&conv, &app.mirror.agents), Level::Info);
                }
                if app.conn != ConnState::Connected {
                    app.mirror.upsert_conversation(conv, 0);
                    app.rebuild_view();
                }
            }
            Err(e) => app.notify(format!("{what} failed: {e}"), Level::Error),
        },
        Reply::Done { what, result } => {
            if let Err(e) = result {
                app.notify(format!("{what} failed: {e}"), Level::Error);
            }
        }
        Reply::Standard(Ok(mut folders)) => {
            folders.sort_by_key(|f| f.name.to_lowercase());
            app.mirror.standard = folders;
        }
        Reply::Standard(Err(e)) => {
            app.notify(format!("cannot load standard messages: {e}"), Level::Error);
        }
        Reply::Teams(Ok(teams)) => app.mirror.teams = teams,
        Reply::Channels(Ok(accounts)) => {
            app.mirror.accounts = accounts;
            // A tab for an account that has gone: back to All.
            if let Some(id) = app.filters.account {
                if !app.mirror.accounts.iter().any(|a| a.id == id) {
                    panes::list::set_filter(app, fx, |f| {
                        f.account = None;
                        f.channel = None;
                    });
                }
            }
        }
        Reply::SignedIn(result) => super::signin::signed_in(app, result, fx),
        Reply::Reopened(id, result) => {
            match result {
                Ok(row) => {
                    app.mirror.convs.entry(id).or_insert_with(|| Conv {
                        my_read: row.conversation.inbound_count - row.unread,
                        conversation: row.conversation,
                        seq: 0,
                    });
                    reopen(app, id, fx);
                }
                // Gone, or no longer to be seen: the inbox opens without it.
                Err(_) => {
                    if let Some(r) = app.restoring.as_mut() {
                        r.open = None;
                    }
                }
            }
            finish_restoring(app);
        }
        Reply::Channels(Err(e)) => {
            app.notify(format!("cannot load the channels: {e}"), Level::Error);
        }
        Reply::Unread(Ok(counts)) => {
            app.mirror.unread_accounts = counts
                .accounts
                .iter()
                .map(|a| (a.channel_account_id, a.unread))
                .collect();
        }
        // The counts wait for the next change; the list itself is fine.
        Reply::Unread(Err(_)) => {}
        Reply::Tags(Ok(tags)) => app.mirror.tags = tags,
        Reply::BulkDone { what, result } => super::triage::bulk_done(app, what, result),
        Reply::Found(Ok(rows)) => {
            for row in rows {
                app.mirror
                    .convs
                    .entry(row.conversation.id)
                    .or_insert_with(|| Conv {
                        my_read: row.conversation.inbound_count - row.unread,
                        conversation: row.conversation,
                        seq: 0,
                    });
            }
        }
        // The palette still has what is loaded.
        Reply::Found(Err(_)) => {}
        Reply::Macros(Ok(list)) => {
            app.mirror.shared_macros = list;
            super::macros::combine(app);
        }
        Reply::Macros(Err(e)) => app.notify(format!("cannot load macros: {e}"), Level::Error),
        Reply::MacroDone(report) => super::macros::finished(app, report),
        Reply::Broadcasts(Ok(mut list)) => {
            list.sort_by_key(|b| std::cmp::Reverse(b.id));
            app.mirror.broadcasts = list;
        }
        Reply::Broadcasts(Err(e)) => {
            app.notify(format!("cannot load broadcasts: {e}"), Level::Error);
        }
        Reply::Scheduled(id, Ok(list)) => {
            app.mirror.scheduled.insert(id, list);
        }
        Reply::Scheduled(_, Err(e)) => {
            app.notify(format!("cannot load scheduled messages: {e}"), Level::Error);
        }
        Reply::CustomerSaved { customer, result } => customer::saved(app, customer, result, fx),
        Reply::CustomerChanged(Ok(c)) => {
            app.mirror.customers.insert(c.id, c);
        }
        Reply::CustomerChanged(Err(e)) => app.notify(e, Level::Error),
        Reply::PopupSaved(result) => super::popups::form_saved(app, result),
        Reply::BroadcastPreview(a, result) => {
            if let Some(Popup::Broadcast(f)) = app.popup.as_mut() {
                if f.audience() == a {
                    match result {
                        Ok(p) => f.recipients = Some(p.recipients),
                        Err(e) => f.error = Some(e),
                    }
                }
            }
        }
        Reply::TagsChanged(result) => {
            match result {
                Ok(done) => app.notify(done, Level::Info),
                Err(e) => app.notify(e, Level::Error),
            }
            fx.push(Effect::LoadTags);
        }
        Reply::Tags(Err(e)) => app.notify(format!("cannot load tags: {e}"), Level::Error),
        Reply::Teams(Err(e)) => app.notify(format!("cannot load teams: {e}"), Level::Error),
        Reply::SettingsSaved(result) => {
            app.transfer = None;
            settings::saved(app, result);
        }
        Reply::FileChecked {
            typed,
            result,
            attach,
        } => super::attach::checked(app, &typed, result, attach, fx),
        Reply::PathCompleted {
            typed,
            done,
            target: PathTarget::Attach,
        } => super::attach::completed(app, &typed, done, fx),
        Reply::PathCompleted {
            typed,
            done,
            target: PathTarget::SettingsForm,
        } => settings::path_completed(app, &typed, done),
        Reply::Progress { done, total } => {
            if let Some(t) = app.transfer.as_mut() {
                t.done = done;
                t.total = total;
            } else {
                app.transfer = Some(Transfer {
                    what: "uploading".into(),
                    done,
                    total,
                });
            }
        }
        Reply::CustomersImported(result) => {
            app.transfer = None;
            match result {
                Ok(report) => {
                    app.settings.form = None;
                    let ok = report.errors.is_empty();
                    let mut lines = vec![report.summary()];
                    lines.extend(
                        report
                            .errors
                            .iter()
                            .take(5)
                            .map(|e| format!("row {}, {}: {}", e.row, e.column, e.message)),
                    );
                    let title = if ok {
                        "Customers imported"
                    } else {
                        "Customer import refused"
                    };
                    app.show_toast(title, lines, if ok { Level::Info } else { Level::Error });
                }
                Err(e) => settings::saved(app, Err(e)),
            }
        }
        Reply::Imported(path, result) => {
            app.transfer = None;
            match result {
                Ok(report) => settings::imported(app, path, report),
                Err(e) => settings::saved(app, Err(e)),
            }
        }
    }
}

/// Opens the conversation the last session had open, scrolled as it was.
pub(super) fn reopen(app: &mut App, id: ConversationId, fx: &mut Vec<Effect>) {
    let focus = app.focus;
    open(app, id, fx);
    app.focus = focus;
    if let Some(r) = app.restoring.as_mut() {
        app.chat_scroll = r.chat_scroll;
        r.open = None;
    }
}

/// Done putting things back once nothing is left to wait for.
pub(super) fn finish_restoring(app: &mut App) {
    if app
        .restoring
        .as_ref()
        .is_some_and(|r| r.open.is_none() && r.selected.is_none())
    {
        app.restoring = None;
    }
}
