//! The store's methods, written once for every backend: each checks its
//! input, then runs one read or one write on the engine (`Engine`), whose
//! SQL and rules are in `data/`. Grouped by resource; the blanket
//! `impl Store` at the end only hands each call to its group.

mod agents;
mod attachments;
mod bot;
mod broadcasts;
mod channels;
mod conversations;
mod customers;
mod delivery;
mod events;
mod inbound;
mod macros;
mod messages;
mod notes;
mod scheduled;
mod sessions;
mod standard;
mod tags;
mod triage;

use super::data;
use super::data::agents::{agent_name, ensure_team, load_agent, who};
use super::data::attachments::load_attachment;
use super::data::channels::{api_account, channels_to_db};
use super::data::conversations::{bot_off, load_conversation, unread_for};
use super::data::customers::load_customer;
use super::data::messages::{
    insert_message, insert_message_with, load_message, message_from_row, system_message,
    validate_message_text, validate_text, MESSAGE_COLUMNS, MESSAGE_JOINS,
};
use super::data::notes::load_note;
use super::data::scheduled::load_scheduled;
use super::data::{now_ms, to_dt};
use super::engine::Engine;
use super::sql::{Dialect, Param, Value};
use super::*;
use crate::protocol::validate;
use std::collections::HashMap;

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;

/// 404 for an unknown conversation before anything else is looked at.
async fn load_conversation_checked(store: &impl Engine, id: ConversationId) -> StoreResult<()> {
    store
        .read(move |db| load_conversation(db, id).map(drop))
        .await
}

/// `q` as one FTS5 phrase: matched as a substring, quotes doubled.
fn fts_phrase(q: &str) -> String {
    format!("\"{}\"", q.replace('"', "\"\""))
}

/// A LIKE pattern matching text that holds `q` (PostgreSQL's LIKE, whose
/// escape character is the backslash).
fn like_pattern(q: &str) -> String {
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

enum Cursor {
    /// After this (last_activity_ms, id), newest activity first.
    After(i64, i64),
    /// Skip this many rows (other sort orders).
    Offset(i64),
}

/// Conversation list cursor: "<last_activity_ms>.<id>" for the activity
/// order, "o<offset>" for the others.
fn parse_cursor(cursor: &str, sort: ListSort) -> StoreResult<Cursor> {
    let bad = || StoreError::Invalid(format!("bad cursor {cursor:?}"));
    match (sort, cursor.strip_prefix('o')) {
        (ListSort::Activity, _) => {
            let (a, b) = cursor.split_once('.').ok_or_else(bad)?;
            Ok(Cursor::After(
                a.parse().map_err(|_| bad())?,
                b.parse().map_err(|_| bad())?,
            ))
        }
        (_, Some(n)) => match n.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(Cursor::Offset(n)),
            _ => Err(bad()),
        },
        (_, None) => Err(bad()),
    }
}

/// A scheduled message goes out in its author's name: only the author, or
/// an admin, may change or cancel it.
fn author_or_admin(s: &Scheduled, by: &Agent) -> StoreResult<()> {
    if s.created_by.id == by.id || by.is_admin() {
        Ok(())
    } else {
        Err(StoreError::Forbidden(format!(
            "only {} (who wrote it) or an admin may change this scheduled message",
            s.created_by.name
        )))
    }
}

/// How far in the past a send time may be when it is saved (clock skew).
const SCHEDULE_GRACE_MS: i64 = 60_000;

fn check_schedule(
    name: &str,
    text: &str,
    send_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    validate_text(name, "a scheduled message's name", 200)?;
    validate_text(text, "a scheduled message", MAX_MESSAGE_CHARS)?;
    check_placeholders(text).map_err(StoreError::Invalid)?;
    if send_at.timestamp_millis() < now.timestamp_millis() - SCHEDULE_GRACE_MS {
        return Err(StoreError::Invalid(format!(
            "the send time {} has already passed",
            send_at.format("%Y-%m-%d %H:%M UTC")
        )));
    }
    Ok(())
}

fn pending_only(s: &Scheduled) -> StoreResult<()> {
    match s.status {
        ScheduledStatus::Pending => Ok(()),
        ScheduledStatus::Sent => Err(StoreError::Conflict(
            "this scheduled message has already been sent".into(),
        )),
        ScheduledStatus::Cancelled => Err(StoreError::Conflict(
            "this scheduled message was cancelled".into(),
        )),
    }
}

#[async_trait]
impl<E: Engine> Store for E {
    fn keys(&self) -> &super::secrets::Keys {
        Engine::keys(self)
    }

    fn keeps_file_bytes(&self) -> bool {
        Engine::keeps_file_bytes(self)
    }

    async fn hold_file_bytes(&self, sha256: String, size: u64) -> StoreResult<bool> {
        attachments::hold_file_bytes(self, sha256, size).await
    }

    async fn put_file_bytes(&self, sha256: String, part: u32, bytes: Vec<u8>) -> StoreResult<()> {
        attachments::put_file_bytes(self, sha256, part, bytes).await
    }

    async fn file_bytes_complete(&self, sha256: String) -> StoreResult<()> {
        attachments::file_bytes_complete(self, sha256).await
    }

    async fn file_bytes_size(&self, sha256: String) -> StoreResult<Option<u64>> {
        attachments::file_bytes_size(self, sha256).await
    }

    async fn file_bytes_part(&self, sha256: String, part: u32) -> StoreResult<Option<Vec<u8>>> {
        attachments::file_bytes_part(self, sha256, part).await
    }

    async fn prune_file_bytes(&self, touched_before: DateTime<Utc>) -> StoreResult<u64> {
        attachments::prune_file_bytes(self, touched_before).await
    }

    async fn create_agent(&self, new: NewAgent) -> StoreResult<Agent> {
        agents::create_agent(self, new).await
    }

    async fn list_agents(&self) -> StoreResult<Vec<Agent>> {
        agents::list_agents(self).await
    }

    async fn list_teams(&self) -> StoreResult<Vec<Team>> {
        agents::list_teams(self).await
    }

    async fn add_token(
        &self,
        agent_id: AgentId,
        token_hash: String,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sessions::add_token(self, agent_id, token_hash, at).await
    }

    async fn agent_by_token_hash(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle: chrono::Duration,
    ) -> StoreResult<Option<Agent>> {
        sessions::agent_by_token_hash(self, token_hash, now, idle).await
    }

    async fn prune_tokens(&self, idle_since: DateTime<Utc>) -> StoreResult<usize> {
        sessions::prune_tokens(self, idle_since).await
    }

    async fn revoke_token(&self, token_hash: &str) -> StoreResult<bool> {
        sessions::revoke_token(self, token_hash).await
    }

    async fn revoke_tokens(&self, agent: AgentId) -> StoreResult<usize> {
        sessions::revoke_tokens(self, agent).await
    }

    async fn set_agent_disabled(&self, agent: AgentId, disabled: bool) -> StoreResult<Agent> {
        agents::set_agent_disabled(self, agent, disabled).await
    }

    async fn remove_agent(&self, actor: Actor, agent: AgentId) -> StoreResult<()> {
        agents::remove_agent(self, actor, agent).await
    }

    async fn agent_login(&self, login: &str) -> StoreResult<Option<(Agent, Option<String>)>> {
        agents::agent_login(self, login).await
    }

    async fn set_password(&self, agent_id: AgentId, password_hash: String) -> StoreResult<()> {
        agents::set_password(self, agent_id, password_hash).await
    }

    async fn list_channel_accounts(&self) -> StoreResult<Vec<ChannelAccount>> {
        channels::list_channel_accounts(self).await
    }

    async fn create_channel(&self, new: NewChannel) -> StoreResult<ChannelCreated> {
        channels::create_channel(self, new).await
    }

    async fn update_channel(
        &self,
        id: ChannelAccountId,
        patch: ChannelPatch,
    ) -> StoreResult<ChannelAccount> {
        channels::update_channel(self, id, patch).await
    }

    async fn remove_channel(&self, id: ChannelAccountId) -> StoreResult<()> {
        channels::remove_channel(self, id).await
    }

    async fn uploaded_bytes_since(&self, agent: AgentId, since: DateTime<Utc>) -> StoreResult<u64> {
        attachments::uploaded_bytes_since(self, agent, since).await
    }

    async fn attachment_sent_on(
        &self,
        account: ChannelAccountId,
        attachment: AttachmentId,
    ) -> StoreResult<bool> {
        attachments::attachment_sent_on(self, account, attachment).await
    }

    async fn channel_credentials(
        &self,
        id: ChannelAccountId,
    ) -> StoreResult<Option<(ChannelKind, std::collections::BTreeMap<String, String>)>> {
        channels::channel_credentials(self, id).await
    }

    async fn platform_token(
        &self,
        account: ChannelAccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PlatformToken>> {
        channels::platform_token(self, account, now).await
    }

    async fn claim_platform_token_fetch(
        &self,
        account: ChannelAccountId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        channels::claim_platform_token_fetch(self, account, now, until).await
    }

    async fn platform_token_fetched(
        &self,
        account: ChannelAccountId,
        claimed_until: DateTime<Utc>,
        token: Option<PlatformToken>,
    ) -> StoreResult<()> {
        channels::platform_token_fetched(self, account, claimed_until, token).await
    }

    async fn platform_token_refused(
        &self,
        account: ChannelAccountId,
        fetched_at_ms: i64,
    ) -> StoreResult<()> {
        channels::platform_token_refused(self, account, fetched_at_ms).await
    }

    async fn get_customer(&self, id: CustomerId) -> StoreResult<Customer> {
        customers::get_customer(self, id).await
    }

    async fn search_customers(&self, query: CustomerQuery) -> StoreResult<Vec<Customer>> {
        customers::search_customers(self, query).await
    }

    async fn patch_customer(
        &self,
        _by: AgentId,
        id: CustomerId,
        patch: CustomerPatch,
    ) -> StoreResult<Customer> {
        customers::patch_customer(self, _by, id, patch).await
    }

    async fn inbound(&self, msg: InboundMessage) -> StoreResult<InboundAccepted> {
        inbound::inbound(self, msg).await
    }

    async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Delivery>> {
        delivery::claim_deliveries(self, now, until, limit).await
    }

    async fn renew_claims(
        &self,
        messages: Vec<MessageId>,
        media: Vec<MessageId>,
        until: DateTime<Utc>,
    ) -> StoreResult<()> {
        delivery::renew_claims(self, messages, media, until).await
    }

    async fn parts_sent(&self, id: MessageId, parts: u32) -> StoreResult<()> {
        delivery::parts_sent(self, id, parts).await
    }

    async fn delivery_done(&self, id: MessageId, outcome: DeliveryOutcome) -> StoreResult<Message> {
        delivery::delivery_done(self, id, outcome).await
    }

    async fn platform_status(
        &self,
        account: ChannelAccountId,
        external_id: String,
        status: DeliveryStatus,
        reason: Option<String>,
    ) -> StoreResult<Option<Message>> {
        delivery::platform_status(self, account, external_id, status, reason).await
    }

    async fn platform_status_until(
        &self,
        account: ChannelAccountId,
        channel_user_id: String,
        until: DateTime<Utc>,
        status: DeliveryStatus,
    ) -> StoreResult<Vec<Message>> {
        delivery::platform_status_until(self, account, channel_user_id, until, status).await
    }

    async fn retry_message(&self, by: &Agent, id: MessageId) -> StoreResult<Message> {
        delivery::retry_message(self, by, id).await
    }

    async fn claim_media(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<MediaFetch>> {
        delivery::claim_media(self, now, until, limit).await
    }

    async fn due_bot_work(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<BotWork>> {
        bot::due_bot_work(self, now, limit).await
    }

    async fn bot_work_now(&self, message: MessageId) -> StoreResult<()> {
        bot::bot_work_now(self, message).await
    }

    async fn claim_bot_work(&self, message: MessageId, until: DateTime<Utc>) -> StoreResult<bool> {
        bot::claim_bot_work(self, message, until).await
    }

    async fn bot_work_done(
        &self,
        message: MessageId,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        bot::bot_work_done(self, message, retry_at).await
    }

    async fn media_done(&self, id: MessageId, outcome: MediaOutcome) -> StoreResult<()> {
        delivery::media_done(self, id, outcome).await
    }

    async fn set_platform_name(
        &self,
        account: ChannelAccountId,
        channel_user_id: String,
        name: String,
    ) -> StoreResult<()> {
        delivery::set_platform_name(self, account, channel_user_id, name).await
    }

    async fn create_attachment(&self, new: NewAttachment) -> StoreResult<Attachment> {
        attachments::create_attachment(self, new).await
    }

    async fn attachment(&self, id: AttachmentId) -> StoreResult<Option<Attachment>> {
        attachments::attachment(self, id).await
    }

    async fn prune_unused_attachments(&self, before: DateTime<Utc>) -> StoreResult<Vec<String>> {
        attachments::prune_unused_attachments(self, before).await
    }

    async fn sha256_in_use(&self, sha256: &str) -> StoreResult<bool> {
        attachments::sha256_in_use(self, sha256).await
    }

    async fn remove_attachment(
        &self,
        by: &Agent,
        message: MessageId,
    ) -> StoreResult<RemovedAttachment> {
        attachments::remove_attachment(self, by, message).await
    }

    async fn list_conversations(
        &self,
        agent: AgentId,
        query: ConversationQuery,
    ) -> StoreResult<Page<ConversationRow>> {
        conversations::list_conversations(self, agent, query).await
    }

    async fn get_conversation(
        &self,
        agent: AgentId,
        id: ConversationId,
    ) -> StoreResult<ConversationRow> {
        conversations::get_conversation(self, agent, id).await
    }

    async fn list_messages(
        &self,
        conversation: ConversationId,
        query: MessagesQuery,
    ) -> StoreResult<MessagePage> {
        messages::list_messages(self, conversation, query).await
    }

    async fn add_message(&self, msg: OutboundMessage) -> StoreResult<(Message, bool)> {
        messages::add_message(self, msg).await
    }

    async fn hand_over(&self, id: ConversationId, why: String) -> StoreResult<Conversation> {
        bot::hand_over(self, id, why).await
    }

    async fn mark_read(&self, agent: AgentId, id: ConversationId) -> StoreResult<ReadMarker> {
        conversations::mark_read(self, agent, id).await
    }

    async fn set_status(
        &self,
        actor: Actor,
        id: ConversationId,
        req: SetStatus,
    ) -> StoreResult<Conversation> {
        triage::set_status(self, actor, id, req).await
    }

    async fn set_priority(
        &self,
        actor: Actor,
        id: ConversationId,
        priority: Priority,
    ) -> StoreResult<Conversation> {
        triage::set_priority(self, actor, id, priority).await
    }

    async fn list_macros(&self) -> StoreResult<Vec<SharedMacro>> {
        macros::list_macros(self).await
    }

    async fn put_macro(
        &self,
        by: AgentId,
        name: String,
        steps: Vec<MacroStep>,
    ) -> StoreResult<SharedMacro> {
        macros::put_macro(self, by, name, steps).await
    }

    async fn delete_macro(&self, name: String) -> StoreResult<()> {
        macros::delete_macro(self, name).await
    }

    async fn assign_team(
        &self,
        actor: Actor,
        id: ConversationId,
        team: String,
    ) -> StoreResult<Conversation> {
        conversations::assign_team(self, actor, id, team).await
    }

    async fn wake_snoozed(&self, now: DateTime<Utc>) -> StoreResult<Vec<ConversationId>> {
        triage::wake_snoozed(self, now).await
    }

    async fn set_bot(
        &self,
        actor: Actor,
        id: ConversationId,
        active: bool,
    ) -> StoreResult<Conversation> {
        bot::set_bot(self, actor, id, active).await
    }

    async fn add_assignee(
        &self,
        actor: Actor,
        id: ConversationId,
        agent: AgentId,
    ) -> StoreResult<Conversation> {
        conversations::add_assignee(self, actor, id, agent).await
    }

    async fn remove_assignee(
        &self,
        actor: Actor,
        id: ConversationId,
        agent: AgentId,
    ) -> StoreResult<Conversation> {
        conversations::remove_assignee(self, actor, id, agent).await
    }

    async fn unread_by_account(&self, agent: AgentId) -> StoreResult<Vec<AccountUnread>> {
        conversations::unread_by_account(self, agent).await
    }

    async fn total_unread(&self, agent: AgentId) -> StoreResult<i64> {
        conversations::total_unread(self, agent).await
    }

    async fn list_tags(&self) -> StoreResult<Vec<Tag>> {
        tags::list_tags(self).await
    }

    async fn create_tag(&self, tag: NewTag) -> StoreResult<Tag> {
        tags::create_tag(self, tag).await
    }

    async fn tag_customer(&self, customer: CustomerId, tag: TagCustomer) -> StoreResult<Customer> {
        tags::tag_customer(self, customer, tag).await
    }

    async fn untag_customer(&self, customer: CustomerId, tag: TagId) -> StoreResult<Customer> {
        tags::untag_customer(self, customer, tag).await
    }

    async fn list_notes(&self, customer: CustomerId) -> StoreResult<Vec<Note>> {
        notes::list_notes(self, customer).await
    }

    async fn create_note(
        &self,
        author: AgentId,
        customer: CustomerId,
        text: String,
    ) -> StoreResult<Note> {
        notes::create_note(self, author, customer, text).await
    }

    async fn update_note(&self, by: &Agent, id: NoteId, text: String) -> StoreResult<Note> {
        notes::update_note(self, by, id, text).await
    }

    async fn delete_note(&self, by: &Agent, id: NoteId) -> StoreResult<()> {
        notes::delete_note(self, by, id).await
    }

    async fn list_standard_folders(&self) -> StoreResult<Vec<StandardFolder>> {
        standard::list_standard_folders(self).await
    }

    async fn create_folder(
        &self,
        input: FolderInput,
        guard: FolderGuard,
    ) -> StoreResult<StandardFolder> {
        standard::create_folder(self, input, guard).await
    }

    async fn update_folder(
        &self,
        id: FolderId,
        patch: FolderPatch,
        guard: FolderGuard,
    ) -> StoreResult<StandardFolder> {
        standard::update_folder(self, id, patch, guard).await
    }

    async fn delete_folder(&self, id: FolderId, guard: FolderGuard) -> StoreResult<()> {
        standard::delete_folder(self, id, guard).await
    }

    async fn add_standard_message(
        &self,
        folder: FolderId,
        text: String,
        guard: FolderGuard,
    ) -> StoreResult<StandardMessage> {
        standard::add_standard_message(self, folder, text, guard).await
    }

    async fn update_standard_message(
        &self,
        id: StandardMessageId,
        text: String,
        guard: FolderGuard,
    ) -> StoreResult<StandardMessage> {
        standard::update_standard_message(self, id, text, guard).await
    }

    async fn delete_standard_message(
        &self,
        id: StandardMessageId,
        guard: FolderGuard,
    ) -> StoreResult<()> {
        standard::delete_standard_message(self, id, guard).await
    }

    async fn import_standard(
        &self,
        plan: Vec<PlannedFolder>,
        report: ImportReport,
        guard: FolderGuard,
    ) -> StoreResult<ImportReport> {
        standard::import_standard(self, plan, report, guard).await
    }

    async fn tag_infos(&self) -> StoreResult<Vec<TagInfo>> {
        tags::tag_infos(self).await
    }

    async fn update_tag(&self, id: TagId, patch: TagPatch) -> StoreResult<Tag> {
        tags::update_tag(self, id, patch).await
    }

    async fn delete_tag(&self, id: TagId) -> StoreResult<i64> {
        tags::delete_tag(self, id).await
    }

    async fn merge_tags(&self, from: TagId, into: TagId) -> StoreResult<TagInfo> {
        tags::merge_tags(self, from, into).await
    }

    async fn list_scheduled(&self, conversation: ConversationId) -> StoreResult<Vec<Scheduled>> {
        scheduled::list_scheduled(self, conversation).await
    }

    async fn create_scheduled(
        &self,
        by: AgentId,
        conversation: ConversationId,
        new: NewScheduled,
        now: DateTime<Utc>,
    ) -> StoreResult<Scheduled> {
        scheduled::create_scheduled(self, by, conversation, new, now).await
    }

    async fn update_scheduled(
        &self,
        by: &Agent,
        id: ScheduledId,
        patch: ScheduledPatch,
        now: DateTime<Utc>,
    ) -> StoreResult<Scheduled> {
        scheduled::update_scheduled(self, by, id, patch, now).await
    }

    async fn cancel_scheduled(&self, by: &Agent, id: ScheduledId) -> StoreResult<Scheduled> {
        scheduled::cancel_scheduled(self, by, id).await
    }

    async fn send_due(&self, now: DateTime<Utc>) -> StoreResult<Vec<MessageId>> {
        scheduled::send_due(self, now).await
    }

    async fn broadcast_audience(&self, a: BroadcastAudience) -> StoreResult<i64> {
        broadcasts::broadcast_audience(self, a).await
    }

    async fn create_broadcast(
        &self,
        by: AgentId,
        new: NewBroadcast,
        now: DateTime<Utc>,
    ) -> StoreResult<Broadcast> {
        broadcasts::create_broadcast(self, by, new, now).await
    }

    async fn list_broadcasts(&self) -> StoreResult<Vec<Broadcast>> {
        broadcasts::list_broadcasts(self).await
    }

    async fn get_broadcast(&self, id: BroadcastId) -> StoreResult<Broadcast> {
        broadcasts::get_broadcast(self, id).await
    }

    async fn cancel_broadcast(&self, id: BroadcastId) -> StoreResult<Broadcast> {
        broadcasts::cancel_broadcast(self, id).await
    }

    async fn run_broadcasts(&self, now: DateTime<Utc>, batch: u32) -> StoreResult<usize> {
        broadcasts::run_broadcasts(self, now, batch).await
    }

    async fn all_customers(&self) -> StoreResult<Vec<Customer>> {
        customers::all_customers(self).await
    }

    async fn import_customers(
        &self,
        rows: Vec<CustomerIn>,
        report: CustomerImportReport,
    ) -> StoreResult<CustomerImportReport> {
        customers::import_customers(self, rows, report).await
    }

    async fn events_since(&self, since: Seq, limit: u32) -> StoreResult<Vec<Event>> {
        events::events_since(self, since, limit).await
    }

    async fn prune_events(&self, keep: u64) -> StoreResult<u64> {
        events::prune_events(self, keep).await
    }

    async fn seq_bounds(&self) -> StoreResult<(Seq, Seq)> {
        events::seq_bounds(self).await
    }
}
