//! Where the agent was: the list's filters, status view, sort and search,
//! the open conversation and how far its chat was scrolled, the selected
//! row and the focused pane. Kept as they change (at most about once a
//! second, as the drafts are) and put back when the inbox starts again;
//! `chatsmart --fresh` starts clean.

use super::app::{App, Filters, Focus, Pane};
use crate::protocol::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeptFocus {
    List,
    Chat,
    Customer,
    Compose,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptSession {
    pub version: u32,
    pub channel: Option<ChannelKind>,
    pub account: Option<ChannelAccountId>,
    pub section: Option<Section>,
    pub assignee: Option<AssigneeFilter>,
    pub tag: Option<TagId>,
    /// None: every status.
    pub status: Option<StatusSet>,
    pub sort: ListSort,
    pub search: String,
    pub open: Option<ConversationId>,
    pub selected: Option<ConversationId>,
    pub chat_scroll: usize,
    pub focus: KeptFocus,
}

/// Where the agent is now.
pub fn snapshot(app: &App) -> KeptSession {
    let f = &app.filters;
    KeptSession {
        version: 1,
        channel: f.channel,
        account: f.account,
        section: f.section,
        assignee: f.assignee,
        tag: f.tag,
        status: f.status.clone(),
        sort: f.sort,
        search: f.q.clone(),
        open: app.open,
        selected: app.list.view.get(app.list.selected).copied(),
        chat_scroll: app.chat_scroll,
        focus: match app.focus {
            Focus::Pane(Pane::List) | Focus::Search => KeptFocus::List,
            Focus::Pane(Pane::Chat) => KeptFocus::Chat,
            Focus::Pane(Pane::Customer) => KeptFocus::Customer,
            Focus::Compose => KeptFocus::Compose,
        },
    }
}

/// Puts the agent back where they were: the filters now; the open
/// conversation, its scroll and the selected row once the server answers
/// (see `update`).
pub fn restore(app: &mut App, kept: KeptSession) {
    app.filters = Filters {
        channel: kept.channel,
        account: kept.account,
        section: kept.section,
        assignee: kept.assignee,
        tag: kept.tag,
        status: kept.status.clone(),
        sort: kept.sort,
        q: kept.search.clone(),
    };
    app.search = super::editor::Editor::with_text(&kept.search);
    app.focus = match kept.focus {
        KeptFocus::List => Focus::Pane(Pane::List),
        KeptFocus::Chat => Focus::Pane(Pane::Chat),
        KeptFocus::Customer => Focus::Pane(Pane::Customer),
        KeptFocus::Compose => Focus::Compose,
    };
    app.restoring = Some(Restoring {
        open: kept.open,
        selected: kept.selected,
        chat_scroll: kept.chat_scroll,
    });
    app.kept_session = Some(kept);
}

/// What is still to put back once the server has answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restoring {
    pub open: Option<ConversationId>,
    pub selected: Option<ConversationId>,
    pub chat_scroll: usize,
}

/// After each change: keep where the agent is, at most about once a
/// second (as the drafts).
pub fn after_change(app: &mut App, fx: &mut Vec<super::event::Effect>) {
    // Not before the inbox is really open: the sign-in form, or the
    // restore still under way, are not places to come back to.
    if app.mirror.me.is_none() || app.restoring.is_some() {
        return;
    }
    let now = snapshot(app);
    if app.kept_session.as_ref() != Some(&now) {
        app.session_dirty = true;
    }
    if app.session_dirty && app.session_saved_at.is_none_or(|at| app.now > at) {
        app.session_dirty = false;
        app.session_saved_at = Some(app.now);
        app.kept_session = Some(now.clone());
        fx.push(super::event::Effect::KeepSession(now));
    }
}
