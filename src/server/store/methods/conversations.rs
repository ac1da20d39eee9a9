//! The conversation list, one conversation, reading, assignment.

use super::*;

/// The store's the conversation list, one conversation, reading, assignment.
#[async_trait]
pub trait ConversationStore: Send + Sync {
    async fn list_conversations(
        &self,
        agent: AgentId,
        query: ConversationQuery,
    ) -> StoreResult<Page<ConversationRow>>;
    async fn get_conversation(
        &self,
        agent: AgentId,
        id: ConversationId,
    ) -> StoreResult<ConversationRow>;
    async fn mark_read(&self, agent: AgentId, id: ConversationId) -> StoreResult<ReadMarker>;
    async fn add_assignee(
        &self,
        actor: Actor,
        id: ConversationId,
        agent: AgentId,
    ) -> StoreResult<Conversation>;
    async fn remove_assignee(
        &self,
        actor: Actor,
        id: ConversationId,
        agent: AgentId,
    ) -> StoreResult<Conversation>;
    async fn total_unread(&self, agent: AgentId) -> StoreResult<i64>;
    /// The agent's unread customer messages per account (accounts with none
    /// left out).
    async fn unread_by_account(&self, agent: AgentId) -> StoreResult<Vec<AccountUnread>>;
    /// Assigns the team member with the fewest open conversations (or
    /// keeps the one already on it).
    async fn assign_team(
        &self,
        actor: Actor,
        id: ConversationId,
        team: String,
    ) -> StoreResult<Conversation>;
}

#[async_trait]
impl<E: Engine> ConversationStore for E {
    async fn list_conversations(
        &self,
        agent: AgentId,
        query: ConversationQuery,
    ) -> StoreResult<Page<ConversationRow>> {
        let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
        let sort = query.sort.unwrap_or_default();
        let cursor = query
            .cursor
            .as_deref()
            .map(|c| parse_cursor(c, sort))
            .transpose()?;
        self.read(move |db| {
                let mut sql = String::from(
                    "SELECT cv.id, cv.last_activity_at FROM conversations cv
                     JOIN channel_accounts a ON a.id = cv.channel_account_id
                     JOIN customers cu ON cu.id = cv.customer_id WHERE 1 = 1",
                );
                let mut args: Vec<Value> = Vec::new();
                let arg = |v: Value, args: &mut Vec<Value>| {
                    args.push(v);
                    format!("?{}", args.len())
                };
                if let Some(ch) = query.channel {
                    let p = arg(ch.as_str().to_string().into(), &mut args);
                    sql.push_str(&format!(" AND a.kind = {p}"));
                }
                if let Some(account) = query.channel_account {
                    let p = arg(account.into(), &mut args);
                    sql.push_str(&format!(" AND cv.channel_account_id = {p}"));
                }
                match query.section {
                    Some(Section::Bot) => sql.push_str(" AND cv.bot_active = 1"),
                    Some(Section::Agent) => sql.push_str(" AND cv.bot_active = 0"),
                    None => {}
                }
                if let Some(filter) = query.assignee {
                    // Every parameter sent must appear in the query: PostgreSQL
                    // cannot type one that does not.
                    let mut mine = || {
                        let p = arg(agent.into(), &mut args);
                        format!(
                            "EXISTS (SELECT 1 FROM conversation_assignees x WHERE x.conversation_id = cv.id AND x.agent_id = {p})"
                        )
                    };
                    let any = "EXISTS (SELECT 1 FROM conversation_assignees x WHERE x.conversation_id = cv.id)";
                    match filter {
                        AssigneeFilter::Me => sql.push_str(&format!(" AND {}", mine())),
                        AssigneeFilter::Unassigned => sql.push_str(&format!(" AND NOT {any}")),
                        AssigneeFilter::Others => {
                            sql.push_str(&format!(" AND {any} AND NOT {}", mine()));
                        }
                    }
                }
                if let Some(set) = query.status.as_ref().filter(|s| !s.0.is_empty()) {
                    let ps: Vec<String> = set
                        .0
                        .iter()
                        .map(|s| arg(s.as_str().to_string().into(), &mut args))
                        .collect();
                    sql.push_str(&format!(" AND cv.status IN ({})", ps.join(", ")));
                }
                if let Some(priority) = query.priority {
                    let p = arg(priority.rank().into(), &mut args);
                    sql.push_str(&format!(" AND cv.priority = {p}"));
                }
                if let Some(tag) = query.tag {
                    let p = arg(tag.into(), &mut args);
                    sql.push_str(&format!(
                        " AND EXISTS (SELECT 1 FROM customer_tags ct WHERE ct.customer_id = cv.customer_id AND ct.tag_id = {p})"
                    ));
                }
                if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
                    let p = arg(q.to_lowercase().into(), &mut args);
                    // The trigram index suits rare text; text found in thousands
                    // of messages is quicker to meet walking the newest
                    // conversations, which stop at the first page.
                    let instr = db.instr();
                    // Messages whose text holds q, by each engine's trigram
                    // index: SQLite's FTS5 table, PostgreSQL's pg_trgm index on
                    // lower(text) (which serves LIKE).
                    let (matching, pattern) = match db.dialect() {
                        Dialect::Sqlite => (
                            "SELECT sm.conversation_id FROM messages_fts
                             JOIN messages sm ON sm.id = messages_fts.rowid
                             WHERE messages_fts MATCH {pm} AND sm.kind != 'system'",
                            fts_phrase(q),
                        ),
                        Dialect::Postgres => (
                            "SELECT sm.conversation_id FROM messages sm
                             WHERE lower(sm.text) LIKE {pm} AND sm.kind != 'system'",
                            like_pattern(&q.to_lowercase()),
                        ),
                    };
                    // The trigram index suits rare text; text found in thousands
                    // of messages is quicker to meet walking the newest
                    // conversations, which stop at the first page.
                    let rare = q.chars().count() >= 3
                        && db.query_row(
                            &format!(
                                "SELECT count(*) FROM ({} LIMIT 2000) found",
                                matching.replace("{pm}", "?1")
                            ),
                            &[&pattern],
                            |r| r.get::<i64>(0),
                        )? < 2000;
                    if rare {
                        // The trigram index finds the messages; names are few.
                        let pm = arg(pattern.into(), &mut args);
                        sql.push_str(&format!(
                            " AND ({instr}(lower(cu.name), {p}) > 0 OR cv.id IN ({}))",
                            matching.replace("{pm}", &pm)
                        ));
                    } else {
                        // Common text, or one or two characters (below what
                        // trigrams index).
                        sql.push_str(&format!(
                            " AND ({instr}(lower(cu.name), {p}) > 0 OR EXISTS (SELECT 1 FROM messages sm
                               WHERE sm.conversation_id = cv.id AND sm.kind != 'system'
                               AND {instr}(lower(sm.text), {p}) > 0))"
                        ));
                    }
                }
                let mut offset = 0;
                match cursor {
                    Some(Cursor::After(at, id)) => {
                        let pa = arg(at.into(), &mut args);
                        let pi = arg(id.into(), &mut args);
                        sql.push_str(&format!(
                            " AND (cv.last_activity_at < {pa} OR (cv.last_activity_at = {pa} AND cv.id < {pi}))"
                        ));
                    }
                    Some(Cursor::Offset(n)) => offset = n,
                    None => {}
                }
                let order = match sort {
                    ListSort::Activity => "cv.last_activity_at DESC, cv.id DESC",
                    ListSort::Waiting => {
                        "cv.waiting_since IS NULL, cv.waiting_since ASC, cv.last_activity_at DESC, cv.id DESC"
                    }
                    ListSort::Priority => "cv.priority DESC, cv.last_activity_at DESC, cv.id DESC",
                };
                let pl = arg(i64::from(limit + 1).into(), &mut args);
                let po = arg(offset.into(), &mut args);
                sql.push_str(&format!(" ORDER BY {order} LIMIT {pl} OFFSET {po}"));
                let params: Vec<&dyn Param> = args.iter().map(|a| a as &dyn Param).collect();
                let mut found: Vec<(i64, i64)> =
                    db.query(&sql, &params, |r| Ok((r.get(0)?, r.get(1)?)))?;
                let next_cursor = if found.len() > limit as usize {
                    found.truncate(limit as usize);
                    match sort {
                        ListSort::Activity => found.last().map(|(id, at)| format!("{at}.{id}")),
                        // Other orders page by position.
                        _ => Some(format!("o{}", offset + i64::from(limit))),
                    }
                } else {
                    None
                };
                let mut items = Vec::with_capacity(found.len());
                for (id, _) in found {
                    let conversation = load_conversation(db, id)?;
                    let unread = unread_for(db, agent, &conversation)?;
                    items.push(ConversationRow {
                        conversation,
                        unread,
                    });
                }
                Ok(Page { items, next_cursor })
            })
            .await
    }

    async fn get_conversation(
        &self,
        agent: AgentId,
        id: ConversationId,
    ) -> StoreResult<ConversationRow> {
        self.read(move |db| {
            let conversation = load_conversation(db, id)?;
            let unread = unread_for(db, agent, &conversation)?;
            Ok(ConversationRow {
                conversation,
                unread,
            })
        })
        .await
    }

    async fn mark_read(&self, agent: AgentId, id: ConversationId) -> StoreResult<ReadMarker> {
        self
            .write(move |db, events| {
                let conv = load_conversation(db, id)?;
                let before = unread_for(db, agent, &conv)?;
                if before == 0 {
                    return Ok(ReadMarker {
                        conversation_id: id,
                        unread: 0,
                    });
                }
                db.execute(
                    "INSERT INTO read_markers (agent_id, conversation_id, inbound_count, read_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (agent_id, conversation_id)
                     DO UPDATE SET inbound_count = excluded.inbound_count, read_at = excluded.read_at",
                    &[&agent, &id, &conv.inbound_count, &now_ms()],
                )?;
                events.push(EventKind::ConversationRead {
                    conversation_id: id,
                    agent_id: agent,
                    inbound_count: conv.inbound_count,
                });
                Ok(ReadMarker {
                    conversation_id: id,
                    unread: 0,
                })
            })
            .await
    }

    async fn add_assignee(
        &self,
        actor: Actor,
        id: ConversationId,
        agent: AgentId,
    ) -> StoreResult<Conversation> {
        let by = actor.by;
        let at = actor.at_ms();
        self.write(move |db, events| {
                let conv = load_conversation(db, id)?;
                if conv.is_assigned_to(agent) {
                    // Given again to someone who has it while the bot talks (it
                    // was turned back on): the person takes over, as on a
                    // first assignment.
                    if conv.bot_active {
                        let name = agent_name(db, agent)?;
                        let why = format!("bot turned off: assigned to {name} by {}", who(db, by)?);
                        bot_off(db, events, id, by, why, at)?;
                        return load_conversation(db, id);
                    }
                    return Ok(conv);
                }
                let name = data::sessions::assignable(db, agent)?.name;
                db.execute("INSERT INTO conversation_assignees (conversation_id, agent_id, assigned_at, assigned_by)
                     VALUES (?1, ?2, ?3, ?4)", &[&id, &agent, &at, &by])?;
                let text = match by {
                    Some(b) if b == agent => format!("{name} took the conversation"),
                    _ => format!("assigned to {name} by {}", who(db, by)?),
                };
                system_message(db, events, id, by, text.clone(), at)?;
                // A person has taken it: the bot steps back (the help centre
                // offers the bot *or* an agent), and the customer now waits for
                // that person, from their last message.
                if conv.bot_active {
                    db.execute("UPDATE conversations SET waiting_since = COALESCE(waiting_since, customer_last_at)
                         WHERE id = ?1", &[&id])?;
                    bot_off(db, events, id, by, format!("bot turned off: {text}"), at)?;
                }
                let conversation = load_conversation(db, id)?;
                events.push(EventKind::AssigneeAdded {
                    conversation: conversation.clone(),
                    agent_id: agent,
                    by,
                });
                Ok(conversation)
            })
            .await
    }

    async fn remove_assignee(
        &self,
        actor: Actor,
        id: ConversationId,
        agent: AgentId,
    ) -> StoreResult<Conversation> {
        let by = actor.by;
        let at = actor.at_ms();
        self.write(move |db, events| {
            let conv = load_conversation(db, id)?;
            let name = agent_name(db, agent)?;
            if !conv.is_assigned_to(agent) {
                return Err(StoreError::NotFound("assignee"));
            }
            db.execute(
                "DELETE FROM conversation_assignees WHERE conversation_id = ?1 AND agent_id = ?2",
                &[&id, &agent],
            )?;
            let text = format!("{name} unassigned by {}", who(db, by)?);
            system_message(db, events, id, by, text, at)?;
            let conversation = load_conversation(db, id)?;
            events.push(EventKind::AssigneeRemoved {
                conversation: conversation.clone(),
                agent_id: agent,
                by,
            });
            Ok(conversation)
        })
        .await
    }

    async fn total_unread(&self, agent: AgentId) -> StoreResult<i64> {
        self.read(move |db| {
                let n: i64 = db.query_row(&format!("SELECT CAST(COALESCE(SUM({}(cv.inbound_count - COALESCE(rm.inbound_count, 0), 0)), 0) AS BIGINT)
                     FROM conversations cv
                     LEFT JOIN read_markers rm ON rm.conversation_id = cv.id AND rm.agent_id = ?1", db.greatest()), &[&agent], |r| r.get(0))?;
                Ok(n)
            })
            .await
    }

    async fn unread_by_account(&self, agent: AgentId) -> StoreResult<Vec<AccountUnread>> {
        self.read(move |db| {
                let max = db.greatest();
                let rows = db.query(&format!("SELECT cv.channel_account_id,
                                CAST(SUM({max}(cv.inbound_count - COALESCE(rm.inbound_count, 0), 0)) AS BIGINT)
                         FROM conversations cv
                         LEFT JOIN read_markers rm ON rm.conversation_id = cv.id AND rm.agent_id = ?1
                         GROUP BY cv.channel_account_id
                         HAVING SUM({max}(cv.inbound_count - COALESCE(rm.inbound_count, 0), 0)) > 0
                         ORDER BY cv.channel_account_id"), &[&agent], |r| {
                        Ok(AccountUnread {
                            channel_account_id: r.get(0)?,
                            unread: r.get(1)?,
                        })
                    })?;
                Ok(rows)
            })
            .await
    }

    async fn assign_team(
        &self,
        actor: Actor,
        id: ConversationId,
        team: String,
    ) -> StoreResult<Conversation> {
        load_conversation_checked(self, id).await?;
        let agent = self
            .read(move |db| data::macros::team_member(db, id, &team))
            .await?;
        self.add_assignee(actor, id, agent).await
    }
}
