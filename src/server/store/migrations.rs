//! Versioned schema migrations, applied in order at start-up.
//! The applied version is kept in SQLite's `user_version`; never edit a
//! migration that has shipped, add the next one.

pub const MIGRATIONS: &[&str] = &[
    // 1: the foundation schema. Times are milliseconds since the Unix epoch, UTC.
    r#"
CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE
);
CREATE TABLE agents (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    login TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
    password_hash TEXT,
    created_at INTEGER NOT NULL
);
CREATE TABLE agent_teams (
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, team_id)
);
-- Bearer tokens, stored as the SHA-256 of the token: a leaked database does
-- not leak working tokens.
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);
CREATE TABLE channel_accounts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('messenger', 'whatsapp', 'line', 'wechat')),
    name TEXT NOT NULL,
    -- 1 for the account that the API inbound route delivers to.
    is_api INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    channel_account_id INTEGER NOT NULL REFERENCES channel_accounts(id),
    channel_user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    email TEXT,
    phone TEXT,
    gender TEXT,
    age INTEGER,
    language TEXT,
    custom_fields TEXT NOT NULL DEFAULT '{}',
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (channel_account_id, channel_user_id)
);
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    channel_account_id INTEGER NOT NULL REFERENCES channel_accounts(id),
    bot_active INTEGER NOT NULL DEFAULT 1,
    last_message_id INTEGER,
    last_activity_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    inbound_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (customer_id, channel_account_id)
);
CREATE INDEX conversations_activity ON conversations (last_activity_at DESC, id DESC);
CREATE TABLE conversation_assignees (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    assigned_at INTEGER NOT NULL,
    assigned_by INTEGER REFERENCES agents(id),
    PRIMARY KEY (conversation_id, agent_id)
);
CREATE INDEX conversation_assignees_agent ON conversation_assignees (agent_id);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('inbound', 'agent', 'bot', 'system')),
    text TEXT NOT NULL,
    attachment_id INTEGER,
    author_id INTEGER REFERENCES agents(id),
    created_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    client_id TEXT
);
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE UNIQUE INDEX messages_client_id ON messages (conversation_id, client_id)
    WHERE client_id IS NOT NULL;
-- Platform or API message ids already stored, so a redelivery stores nothing.
CREATE TABLE inbound_dedupe (
    channel_account_id INTEGER NOT NULL,
    external_id TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (channel_account_id, external_id)
);
-- How many customer messages of a conversation each agent has read:
-- unread = conversations.inbound_count - read_markers.inbound_count.
CREATE TABLE read_markers (
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    inbound_count INTEGER NOT NULL,
    read_at INTEGER NOT NULL,
    PRIMARY KEY (agent_id, conversation_id)
);
CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    color TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE customer_tags (
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (customer_id, tag_id)
);
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL REFERENCES agents(id),
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX notes_customer ON notes (customer_id, id);
-- The event log streamed to clients; seq never goes backwards.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
"#,
    // 2: standard messages in scoped folders.
    r#"
CREATE TABLE standard_folders (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    -- Comma-separated channel kinds; empty means every channel.
    channels TEXT NOT NULL DEFAULT '',
    team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE standard_folder_assignees (
    folder_id INTEGER NOT NULL REFERENCES standard_folders(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    PRIMARY KEY (folder_id, agent_id)
);
CREATE TABLE standard_messages (
    id INTEGER PRIMARY KEY,
    folder_id INTEGER NOT NULL REFERENCES standard_folders(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX standard_messages_folder ON standard_messages (folder_id, id);
"#,
    // 3: scheduled messages.
    r#"
ALTER TABLE messages ADD COLUMN scheduled_id INTEGER;
CREATE TABLE scheduled_messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    text TEXT NOT NULL,
    send_at INTEGER NOT NULL,
    created_by INTEGER NOT NULL REFERENCES agents(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'cancelled')),
    sent_message_id INTEGER
);
CREATE INDEX scheduled_due ON scheduled_messages (status, send_at);
CREATE INDEX scheduled_conversation ON scheduled_messages (conversation_id, send_at);
CREATE INDEX customer_tags_tag ON customer_tags (tag_id);
"#,
    // 4: broadcasts.
    r#"
CREATE TABLE broadcasts (
    id INTEGER PRIMARY KEY,
    tag_id INTEGER NOT NULL,
    tag_name TEXT NOT NULL,
    tag_color TEXT NOT NULL,
    channels TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    send_at INTEGER NOT NULL,
    created_by INTEGER NOT NULL REFERENCES agents(id),
    created_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'running', 'done', 'cancelled')),
    total INTEGER NOT NULL DEFAULT 0,
    sent INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    finished_at INTEGER
);
CREATE INDEX broadcasts_status ON broadcasts (status, send_at);
CREATE TABLE broadcast_recipients (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    error TEXT,
    message_id INTEGER,
    PRIMARY KEY (broadcast_id, conversation_id)
);
CREATE INDEX broadcast_recipients_pending ON broadcast_recipients (broadcast_id, status);
"#,
    // 5: triage: status, snooze, priority, and who is waiting since when.
    r#"
ALTER TABLE conversations ADD COLUMN status TEXT NOT NULL DEFAULT 'open'
    CHECK (status IN ('open', 'pending', 'snoozed', 'resolved'));
ALTER TABLE conversations ADD COLUMN snoozed_until INTEGER;
ALTER TABLE conversations ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN waiting_since INTEGER;
UPDATE conversations SET waiting_since = (
    SELECT MIN(m.created_at) FROM messages m
    WHERE m.conversation_id = conversations.id AND m.kind = 'inbound'
      AND m.created_at > COALESCE((SELECT MAX(o.created_at) FROM messages o
          WHERE o.conversation_id = conversations.id AND o.kind IN ('agent', 'bot')), -1)
);
CREATE INDEX conversations_status ON conversations (status, last_activity_at);
CREATE INDEX conversations_snoozed ON conversations (snoozed_until) WHERE status = 'snoozed';
"#,
    // 6: shared macros.
    r#"
CREATE TABLE macros (
    name TEXT NOT NULL PRIMARY KEY,
    steps TEXT NOT NULL,
    updated_by INTEGER NOT NULL REFERENCES agents(id),
    updated_at INTEGER NOT NULL
);
"#,
    // 7: full-text search over message texts (trigram: substrings in any
    // script, case-insensitive), kept in step by triggers.
    r#"
CREATE VIRTUAL TABLE messages_fts USING fts5(
    text, content = 'messages', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
"#,
    // 8: files: one row per upload (its own name), the bytes stored once
    // per content hash in the files directory.
    r#"
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    kind TEXT NOT NULL,
    size INTEGER NOT NULL,
    uploaded_by INTEGER REFERENCES agents(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX attachments_sha256 ON attachments (sha256);
CREATE INDEX messages_attachment ON messages (attachment_id) WHERE attachment_id IS NOT NULL;
"#,
    // 9: real channel accounts: their credentials (JSON, kept on the
    // server only) and removal (their conversations stay).
    r#"
ALTER TABLE channel_accounts ADD COLUMN credentials TEXT;
ALTER TABLE channel_accounts ADD COLUMN removed_at INTEGER;
"#,
    // 10: sending through the platforms: each outbound message's platform
    // id, why it failed, and its retries; when the customer last wrote
    // (the reply windows run from it) and LINE's reply token; media still
    // to fetch from a platform.
    r#"
ALTER TABLE messages ADD COLUMN external_id TEXT;
ALTER TABLE messages ADD COLUMN failure TEXT;
ALTER TABLE messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN next_attempt_at INTEGER;
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status = 'pending';
CREATE INDEX messages_external ON messages (external_id) WHERE external_id IS NOT NULL;
ALTER TABLE conversations ADD COLUMN customer_last_at INTEGER;
ALTER TABLE conversations ADD COLUMN reply_token TEXT;
ALTER TABLE conversations ADD COLUMN reply_token_at INTEGER;
UPDATE conversations SET customer_last_at = (
    SELECT MAX(m.created_at) FROM messages m
    WHERE m.conversation_id = conversations.id AND m.kind = 'inbound'
);
CREATE TABLE media_fetches (
    message_id INTEGER NOT NULL PRIMARY KEY REFERENCES messages(id),
    media TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL
);
"#,
    // 11: how many calls of a message that goes in parts (a long text) an
    // earlier try made, so a retry does not send them again.
    r#"
ALTER TABLE messages ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;
"#,
    // 12: a platform's status for a message id not recorded yet (the
    // status raced the answer to the send), applied when the id is.
    r#"
CREATE TABLE early_statuses (
    channel_account_id INTEGER NOT NULL,
    external_id TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    at INTEGER NOT NULL,
    PRIMARY KEY (channel_account_id, external_id, status)
);
"#,
    // 13: sessions that end: when each token was last used (idle tokens
    // expire), agents an admin disabled or removed; who last changed a
    // scheduled message.
    r#"
ALTER TABLE scheduled_messages ADD COLUMN updated_by INTEGER REFERENCES agents(id);
ALTER TABLE tokens ADD COLUMN last_used_at INTEGER;
-- When each was last used is not known: from now, so no token in use
-- expires at the upgrade.
UPDATE tokens SET last_used_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000;
CREATE INDEX tokens_agent ON tokens (agent_id);
CREATE INDEX attachments_uploader ON attachments (uploaded_by, created_at);
ALTER TABLE agents ADD COLUMN disabled_at INTEGER;
ALTER TABLE agents ADD COLUMN removed_at INTEGER;
"#,
    // 14: folder names are unique within a scope (channels, team, users),
    // not across every folder: a team may keep "Greetings" for WhatsApp and
    // another "Greetings" for LINE. SQLite cannot drop a UNIQUE constraint,
    // so the table is rebuilt (foreign keys are off while migrations run;
    // the ids, and so the messages and assignees, stay as they were).
    r#"
CREATE TABLE standard_folders_new (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE,
    -- Comma-separated channel kinds; empty means every channel.
    channels TEXT NOT NULL DEFAULT '',
    team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
INSERT INTO standard_folders_new (id, name, channels, team_id, created_at, updated_at)
    SELECT id, name, channels, team_id, created_at, updated_at FROM standard_folders;
DROP TABLE standard_folders;
ALTER TABLE standard_folders_new RENAME TO standard_folders;
CREATE INDEX standard_folders_name ON standard_folders (name COLLATE NOCASE);
"#,
    // 15: the bot's queue: a customer message it is to answer, queued with
    // the message, so a crash before the answer does not lose it.
    r#"
CREATE TABLE bot_work (
    message_id INTEGER NOT NULL PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL,
    -- What the bot reads when the stored text is not what the customer
    -- wrote (a file on its way: its caption).
    reads TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at INTEGER NOT NULL
);
CREATE INDEX bot_work_conversation ON bot_work (conversation_id, message_id);
"#,
    // 16: platforms' access tokens, shared by whoever sends (a new WeChat
    // token invalidates the old; data/platform_tokens.rs).
    r#"
CREATE TABLE platform_tokens (
    channel_account_id INTEGER NOT NULL PRIMARY KEY REFERENCES channel_accounts(id) ON DELETE CASCADE,
    -- Sealed like the account's credentials.
    token TEXT,
    fetched_at INTEGER NOT NULL DEFAULT 0,
    use_until INTEGER NOT NULL DEFAULT 0,
    -- A fetch under way, claimed until then.
    fetching_until INTEGER NOT NULL DEFAULT 0
);
"#,
    // 17: a customer's tap on a button: its payload (the text is its title).
    r#"
ALTER TABLE messages ADD COLUMN tap TEXT;
"#,
    // 18: why replies are refused while the customer blocks the account.
    r#"
ALTER TABLE conversations ADD COLUMN blocked TEXT;
"#,
];
