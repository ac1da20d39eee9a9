//! The chatsmart client library: typed calls for every route, and the
//! event stream that keeps a client up to date. The TUI, the demo and the
//! scriptable CLI all use it; the tests drive the server through it.

pub mod events;

use crate::protocol::*;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;

pub use events::{spawn_event_stream, spawn_event_stream_with, StreamUpdate};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error.
    #[error("{message} ({status})")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    /// The server could not be reached, or the connection broke.
    #[error("cannot reach the server: {0}")]
    Network(String),
    /// The answer was not what the protocol says.
    #[error("unexpected answer from the server: {0}")]
    Decode(String),
}

impl ClientError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

pub type ClientResult<T> = Result<T, ClientError>;

/// How long a file upload or download may take in all (a 25 MB file over a
/// slow link takes minutes; other requests keep the client's 30 s).
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(3600);

/// The documented error body of a failed answer, or its first characters.
fn api_error(status: StatusCode, body: &[u8]) -> ClientError {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => ClientError::Api {
            status: status.as_u16(),
            code: b.error.code,
            message: b.error.message,
        },
        Err(_) => ClientError::Api {
            status: status.as_u16(),
            code: "http".into(),
            message: String::from_utf8_lossy(body).chars().take(200).collect(),
        },
    }
}

#[derive(Clone)]
pub struct Client {
    base: url::Url,
    token: Option<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .finish()
    }
}

impl Client {
    /// `server` is the base URL, for example `http://127.0.0.1:7878`.
    pub fn new(server: &str, token: Option<String>) -> anyhow::Result<Self> {
        let mut base = url::Url::parse(server.trim())
            .map_err(|e| anyhow::anyhow!("{server:?} is not a server URL: {e}"))?;
        if !matches!(base.scheme(), "http" | "https") {
            anyhow::bail!("{server:?} is not an http:// or https:// URL");
        }
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("chatsmart/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Client { base, token, http })
    }

    pub fn base_url(&self) -> &url::Url {
        &self.base
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub fn with_token(&self, token: String) -> Client {
        Client {
            token: Some(token),
            ..self.clone()
        }
    }

    /// The full URL of an API path such as `conversations/3`.
    pub fn url(&self, path: &str) -> url::Url {
        let rel = format!("{}/{}", API_PREFIX.trim_start_matches('/'), path);
        self.base
            .join(&rel)
            .expect("API paths are valid relative URLs")
    }

    async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: Option<&(impl Serialize + ?Sized)>,
        body: Option<&B>,
    ) -> ClientResult<(StatusCode, T)> {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(q) = query {
            req = req.query(q);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| ClientError::Network(e.without_url().to_string()))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ClientError::Network(e.without_url().to_string()))?;
        if !status.is_success() {
            return Err(api_error(status, &bytes));
        }
        let bytes = if bytes.is_empty() {
            &b"null"[..]
        } else {
            &bytes[..]
        };
        let value =
            serde_json::from_slice(bytes).map_err(|e| ClientError::Decode(e.to_string()))?;
        Ok((status, value))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> ClientResult<T> {
        Ok(self
            .call::<(), T>(Method::GET, path, None::<&()>, None)
            .await?
            .1)
    }

    async fn get_q<Q: Serialize, T: DeserializeOwned>(&self, path: &str, q: &Q) -> ClientResult<T> {
        Ok(self
            .call::<(), T>(Method::GET, path, Some(q), None)
            .await?
            .1)
    }

    async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> ClientResult<T> {
        Ok(self.call(method, path, None::<&()>, Some(body)).await?.1)
    }

    pub async fn health(&self) -> ClientResult<Health> {
        self.get("health").await
    }

    pub async fn login(&self, login: &str, password: &str) -> ClientResult<LoginResponse> {
        let req = LoginRequest {
            login: login.into(),
            password: password.into(),
        };
        self.send(Method::POST, "login", &req).await
    }

    /// Ends this client's sign-in on the server: its token stops working.
    pub async fn logout(&self) -> ClientResult<()> {
        self.call::<(), ()>(Method::POST, "logout", None::<&()>, None)
            .await?;
        Ok(())
    }

    /// Stops an agent signing in (admin): its tokens stop working at once.
    pub async fn disable_agent(&self, id: AgentId) -> ClientResult<Agent> {
        self.call::<(), Agent>(
            Method::POST,
            &format!("agents/{id}/disable"),
            None::<&()>,
            None,
        )
        .await
        .map(|r| r.1)
    }

    pub async fn enable_agent(&self, id: AgentId) -> ClientResult<Agent> {
        self.call::<(), Agent>(
            Method::POST,
            &format!("agents/{id}/enable"),
            None::<&()>,
            None,
        )
        .await
        .map(|r| r.1)
    }

    /// Removes an agent (admin): unassigned everywhere, signed out, unlisted.
    pub async fn remove_agent(&self, id: AgentId) -> ClientResult<()> {
        self.call::<(), ()>(Method::DELETE, &format!("agents/{id}"), None::<&()>, None)
            .await?;
        Ok(())
    }

    /// Signs an agent out everywhere (admin).
    pub async fn revoke_agent_tokens(&self, id: AgentId) -> ClientResult<TokensRevoked> {
        self.call::<(), TokensRevoked>(
            Method::DELETE,
            &format!("agents/{id}/tokens"),
            None::<&()>,
            None,
        )
        .await
        .map(|r| r.1)
    }

    pub async fn me(&self) -> ClientResult<Me> {
        self.get("me").await
    }

    pub async fn agents(&self) -> ClientResult<Vec<Agent>> {
        self.get("agents").await
    }

    pub async fn teams(&self) -> ClientResult<Vec<Team>> {
        self.get("teams").await
    }

    pub async fn channels(&self) -> ClientResult<Vec<ChannelAccount>> {
        self.get("channels").await
    }

    /// Unread customer messages, in all and per account.
    pub async fn unread(&self) -> ClientResult<UnreadCounts> {
        self.get("unread").await
    }

    /// Connects a platform account (admin).
    pub async fn create_channel(&self, new: &NewChannel) -> ClientResult<ChannelCreated> {
        self.send(Method::POST, "channels", new).await
    }

    /// Stops a channel account taking webhooks (admin).
    /// Renames a channel account or changes its credentials (admin).
    pub async fn update_channel(
        &self,
        id: ChannelAccountId,
        patch: &ChannelPatch,
    ) -> ClientResult<ChannelAccount> {
        self.send(Method::PATCH, &format!("channels/{id}"), patch)
            .await
    }

    pub async fn remove_channel(&self, id: ChannelAccountId) -> ClientResult<()> {
        self.call::<(), serde_json::Value>(
            Method::DELETE,
            &format!("channels/{id}"),
            None::<&()>,
            None,
        )
        .await
        .map(drop)
    }

    pub async fn conversations(
        &self,
        q: &ConversationQuery,
    ) -> ClientResult<Page<ConversationRow>> {
        self.get_q("conversations", q).await
    }

    pub async fn conversation(&self, id: ConversationId) -> ClientResult<ConversationRow> {
        self.get(&format!("conversations/{id}")).await
    }

    pub async fn messages(
        &self,
        id: ConversationId,
        q: &MessagesQuery,
    ) -> ClientResult<MessagePage> {
        self.get_q(&format!("conversations/{id}/messages"), q).await
    }

    /// Sends an agent reply. Retrying with the same `client_id` is safe.
    pub async fn send_message(
        &self,
        id: ConversationId,
        text: &str,
        client_id: &str,
    ) -> ClientResult<Message> {
        let body = SendMessage {
            text: text.into(),
            client_id: client_id.into(),
            attachment_id: None,
            as_bot: false,
        };
        self.send_message_with(id, &body).await
    }

    /// Sends an agent reply that may carry an uploaded file.
    pub async fn send_message_with(
        &self,
        id: ConversationId,
        body: &SendMessage,
    ) -> ClientResult<Message> {
        self.send(Method::POST, &format!("conversations/{id}/messages"), body)
            .await
    }

    /// Uploads a file from disk, streamed; `progress` hears how many bytes
    /// have gone so far. The file's type is the server's to check too, but
    /// callers should [`sniff`] it first to refuse early.
    pub async fn upload_file(
        &self,
        path: &std::path::Path,
        progress: impl Fn(u64) + Send + Sync + 'static,
    ) -> ClientResult<Attachment> {
        use futures_util::StreamExt;
        let local = |e: std::io::Error| ClientError::Network(format!("{}: {e}", path.display()));
        let file = tokio::fs::File::open(path).await.map_err(local)?;
        let size = file.metadata().await.map_err(local)?.len();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        let mut sent = 0u64;
        let stream = tokio_util::io::ReaderStream::new(file).map(move |chunk| {
            if let Ok(c) = &chunk {
                sent += c.len() as u64;
                progress(sent);
            }
            chunk
        });
        let part =
            reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(stream), size)
                .file_name(name.clone());
        self.upload_part(part, &name).await
    }

    /// Uploads a file held in memory.
    pub async fn upload_bytes(&self, name: &str, bytes: Vec<u8>) -> ClientResult<Attachment> {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
        self.upload_part(part, name).await
    }

    async fn upload_part(
        &self,
        part: reqwest::multipart::Part,
        name: &str,
    ) -> ClientResult<Attachment> {
        let part = match type_for_name(name) {
            Ok(t) => part
                .mime_str(t.mime)
                .map_err(|e| ClientError::Decode(e.to_string()))?,
            Err(_) => part,
        };
        let form = reqwest::multipart::Form::new().part("file", part);
        let req = self
            .http
            .post(self.url("uploads"))
            .multipart(form)
            .timeout(TRANSFER_TIMEOUT);
        let bytes = self.bytes(req).await?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// A stored file's bytes.
    pub async fn download(&self, id: AttachmentId) -> ClientResult<Vec<u8>> {
        self.bytes(
            self.http
                .get(self.url(&format!("attachments/{id}")))
                .timeout(TRANSFER_TIMEOUT),
        )
        .await
    }

    /// Streams a stored file into `dest`, replacing what is there (written
    /// to a temporary file beside it first, so a broken download leaves no
    /// half file under that name).
    pub async fn download_to(&self, id: AttachmentId, dest: &std::path::Path) -> ClientResult<u64> {
        let dir = dest.parent().unwrap_or(std::path::Path::new("."));
        let (tmp, written) = self.download_beside(id, dir).await?;
        tmp.persist(dest)
            .map_err(|e| ClientError::Network(format!("{}: {}", dest.display(), e.error)))?;
        Ok(written)
    }

    /// Streams a stored file into a new temporary file in `dir` (deleted
    /// if dropped; persist it to keep it).
    pub async fn download_beside(
        &self,
        id: AttachmentId,
        dir: &std::path::Path,
    ) -> ClientResult<(tempfile::NamedTempFile, u64)> {
        use futures_util::StreamExt;
        use std::io::Write;
        let local = |e: std::io::Error| ClientError::Network(format!("{}: {e}", dir.display()));
        let mut req = self
            .http
            .get(self.url(&format!("attachments/{id}")))
            .timeout(TRANSFER_TIMEOUT);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| ClientError::Network(e.without_url().to_string()))?;
        let status = resp.status();
        if !status.is_success() {
            let body = resp.bytes().await.unwrap_or_default();
            return Err(api_error(status, &body));
        }
        let mut tmp = tempfile::Builder::new()
            .prefix(".chatsmart-")
            .suffix(".part")
            .tempfile_in(dir)
            .map_err(local)?;
        let mut stream = resp.bytes_stream();
        let mut written = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| ClientError::Network(e.without_url().to_string()))?;
            tmp.write_all(&chunk).map_err(local)?;
            written += chunk.len() as u64;
        }
        tmp.flush().map_err(local)?;
        Ok((tmp, written))
    }

    /// Sends a failed reply again.
    pub async fn retry_message(&self, message: MessageId) -> ClientResult<Message> {
        self.call::<(), Message>(
            Method::POST,
            &format!("messages/{message}/retry"),
            None::<&()>,
            None,
        )
        .await
        .map(|(_, m)| m)
    }

    /// Takes the file off a message (its author or an admin).
    pub async fn remove_attachment(&self, message: MessageId) -> ClientResult<Message> {
        self.call::<(), Message>(
            Method::DELETE,
            &format!("messages/{message}/attachment"),
            None::<&()>,
            None,
        )
        .await
        .map(|(_, m)| m)
    }

    pub async fn mark_read(&self, id: ConversationId) -> ClientResult<ReadMarker> {
        self.send(Method::POST, &format!("conversations/{id}/read"), &())
            .await
    }

    pub async fn set_bot(&self, id: ConversationId, active: bool) -> ClientResult<Conversation> {
        self.send(
            Method::PUT,
            &format!("conversations/{id}/bot"),
            &SetBot { active },
        )
        .await
    }

    pub async fn set_status(
        &self,
        id: ConversationId,
        req: &SetStatus,
    ) -> ClientResult<Conversation> {
        self.send(Method::PUT, &format!("conversations/{id}/status"), req)
            .await
    }

    pub async fn set_priority(
        &self,
        id: ConversationId,
        priority: Priority,
    ) -> ClientResult<Conversation> {
        self.send(
            Method::PUT,
            &format!("conversations/{id}/priority"),
            &SetPriority { priority },
        )
        .await
    }

    pub async fn assign_team(&self, id: ConversationId, team: &str) -> ClientResult<Conversation> {
        self.send(
            Method::POST,
            &format!("conversations/{id}/assign-team"),
            &AssignTeam { team: team.into() },
        )
        .await
    }

    pub async fn macros(&self) -> ClientResult<Vec<SharedMacro>> {
        self.get("macros").await
    }

    pub async fn put_macro(&self, name: &str, steps: &[MacroStep]) -> ClientResult<SharedMacro> {
        self.send(
            Method::PUT,
            &format!("macros/{}", path_segment(name)),
            &MacroInput {
                steps: steps.to_vec(),
            },
        )
        .await
    }

    pub async fn delete_macro(&self, name: &str) -> ClientResult<()> {
        self.call::<(), ()>(
            Method::DELETE,
            &format!("macros/{}", path_segment(name)),
            None::<&()>,
            None,
        )
        .await?;
        Ok(())
    }

    pub async fn bulk(&self, req: &BulkRequest) -> ClientResult<BulkReport> {
        self.send(Method::POST, "conversations/bulk", req).await
    }

    pub async fn assign(
        &self,
        id: ConversationId,
        agent_id: AgentId,
    ) -> ClientResult<Conversation> {
        self.send(
            Method::POST,
            &format!("conversations/{id}/assignees"),
            &AddAssignee { agent_id },
        )
        .await
    }

    pub async fn unassign(
        &self,
        id: ConversationId,
        agent_id: AgentId,
    ) -> ClientResult<Conversation> {
        Ok(self
            .call::<(), Conversation>(
                Method::DELETE,
                &format!("conversations/{id}/assignees/{agent_id}"),
                None::<&()>,
                None,
            )
            .await?
            .1)
    }

    pub async fn search_customers(&self, q: &CustomerQuery) -> ClientResult<Vec<Customer>> {
        self.get_q("customers", q).await
    }

    pub async fn customer(&self, id: CustomerId) -> ClientResult<Customer> {
        self.get(&format!("customers/{id}")).await
    }

    pub async fn patch_customer(
        &self,
        id: CustomerId,
        patch: &CustomerPatch,
    ) -> ClientResult<Customer> {
        self.send(Method::PATCH, &format!("customers/{id}"), patch)
            .await
    }

    /// Every tag, with how many customers carry it.
    pub async fn tags(&self) -> ClientResult<Vec<TagInfo>> {
        self.get("tags").await
    }

    pub async fn update_tag(&self, id: TagId, patch: &TagPatch) -> ClientResult<Tag> {
        self.send(Method::PATCH, &format!("tags/{id}"), patch).await
    }

    /// Deletes a tag; answers how many customers lost it.
    pub async fn delete_tag(&self, id: TagId) -> ClientResult<TagRemoved> {
        Ok(self
            .call::<(), TagRemoved>(Method::DELETE, &format!("tags/{id}"), None::<&()>, None)
            .await?
            .1)
    }

    pub async fn merge_tag(&self, from: TagId, into: TagId) -> ClientResult<TagInfo> {
        self.send(
            Method::POST,
            &format!("tags/{from}/merge"),
            &MergeTag { into },
        )
        .await
    }

    pub async fn scheduled(&self, conversation: ConversationId) -> ClientResult<Vec<Scheduled>> {
        self.get(&format!("conversations/{conversation}/scheduled"))
            .await
    }

    pub async fn schedule(
        &self,
        conversation: ConversationId,
        new: &NewScheduled,
    ) -> ClientResult<Scheduled> {
        self.send(
            Method::POST,
            &format!("conversations/{conversation}/scheduled"),
            new,
        )
        .await
    }

    pub async fn update_scheduled(
        &self,
        id: ScheduledId,
        patch: &ScheduledPatch,
    ) -> ClientResult<Scheduled> {
        self.send(Method::PATCH, &format!("scheduled/{id}"), patch)
            .await
    }

    /// Cancels a pending scheduled message.
    pub async fn cancel_scheduled(&self, id: ScheduledId) -> ClientResult<Scheduled> {
        Ok(self
            .call::<(), Scheduled>(
                Method::DELETE,
                &format!("scheduled/{id}"),
                None::<&()>,
                None,
            )
            .await?
            .1)
    }

    pub async fn create_tag(&self, tag: &NewTag) -> ClientResult<Tag> {
        self.send(Method::POST, "tags", tag).await
    }

    pub async fn tag_customer(&self, id: CustomerId, tag: &TagCustomer) -> ClientResult<Customer> {
        self.send(Method::POST, &format!("customers/{id}/tags"), tag)
            .await
    }

    pub async fn untag_customer(&self, id: CustomerId, tag: TagId) -> ClientResult<Customer> {
        Ok(self
            .call::<(), Customer>(
                Method::DELETE,
                &format!("customers/{id}/tags/{tag}"),
                None::<&()>,
                None,
            )
            .await?
            .1)
    }

    pub async fn notes(&self, id: CustomerId) -> ClientResult<Vec<Note>> {
        self.get(&format!("customers/{id}/notes")).await
    }

    pub async fn add_note(&self, id: CustomerId, text: &str) -> ClientResult<Note> {
        self.send(
            Method::POST,
            &format!("customers/{id}/notes"),
            &NoteText { text: text.into() },
        )
        .await
    }

    pub async fn edit_note(&self, id: NoteId, text: &str) -> ClientResult<Note> {
        self.send(
            Method::PATCH,
            &format!("notes/{id}"),
            &NoteText { text: text.into() },
        )
        .await
    }

    pub async fn delete_note(&self, id: NoteId) -> ClientResult<()> {
        self.call::<(), ()>(Method::DELETE, &format!("notes/{id}"), None::<&()>, None)
            .await?;
        Ok(())
    }

    /// Delivers a customer message through the API channel (admin only).
    /// Returns whether it was new (201) or a redelivery (200).
    pub async fn inbound(&self, msg: &Inbound) -> ClientResult<InboundAccepted> {
        self.send(Method::POST, "inbound", msg).await
    }

    async fn bytes(&self, req: reqwest::RequestBuilder) -> ClientResult<Vec<u8>> {
        let mut req = req;
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| ClientError::Network(e.without_url().to_string()))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ClientError::Network(e.without_url().to_string()))?;
        if !status.is_success() {
            return Err(api_error(status, &bytes));
        }
        Ok(bytes.to_vec())
    }

    /// Standard-message folders the caller may use (for a conversation: in
    /// scope for it; admins without one: every folder).
    pub async fn standard_folders(&self, q: &StandardQuery) -> ClientResult<Vec<StandardFolder>> {
        self.get_q("standard-messages", q).await
    }

    pub async fn create_folder(&self, input: &FolderInput) -> ClientResult<StandardFolder> {
        self.send(Method::POST, "standard-folders", input).await
    }

    pub async fn update_folder(
        &self,
        id: FolderId,
        patch: &FolderPatch,
    ) -> ClientResult<StandardFolder> {
        self.send(Method::PATCH, &format!("standard-folders/{id}"), patch)
            .await
    }

    pub async fn delete_folder(&self, id: FolderId) -> ClientResult<()> {
        self.call::<(), ()>(
            Method::DELETE,
            &format!("standard-folders/{id}"),
            None::<&()>,
            None,
        )
        .await?;
        Ok(())
    }

    pub async fn add_standard_message(
        &self,
        folder: FolderId,
        text: &str,
    ) -> ClientResult<StandardMessage> {
        self.send(
            Method::POST,
            &format!("standard-folders/{folder}/messages"),
            &StandardText { text: text.into() },
        )
        .await
    }

    pub async fn edit_standard_message(
        &self,
        id: StandardMessageId,
        text: &str,
    ) -> ClientResult<StandardMessage> {
        self.send(
            Method::PATCH,
            &format!("standard-messages/{id}"),
            &StandardText { text: text.into() },
        )
        .await
    }

    pub async fn delete_standard_message(&self, id: StandardMessageId) -> ClientResult<()> {
        self.call::<(), ()>(
            Method::DELETE,
            &format!("standard-messages/{id}"),
            None::<&()>,
            None,
        )
        .await?;
        Ok(())
    }

    /// The blank .xlsx template.
    pub async fn standard_template(&self) -> ClientResult<Vec<u8>> {
        self.bytes(self.http.get(self.url("standard-messages/template")))
            .await
    }

    /// Every folder and message as .xlsx (admin).
    pub async fn standard_export(&self) -> ClientResult<Vec<u8>> {
        self.bytes(self.http.get(self.url("standard-messages/export")))
            .await
    }

    /// Imports a spreadsheet (admin). With `dry_run`, reports without changing anything.
    pub async fn standard_import(
        &self,
        file: Vec<u8>,
        file_name: &str,
        dry_run: bool,
    ) -> ClientResult<ImportReport> {
        self.standard_import_with_progress(file, file_name, dry_run, |_, _| {})
            .await
    }

    /// [`standard_import`](Self::standard_import), calling `progress(sent, total)`
    /// as the file goes up.
    pub async fn standard_import_with_progress(
        &self,
        file: Vec<u8>,
        file_name: &str,
        dry_run: bool,
        progress: impl Fn(u64, u64) + Send + Sync + 'static,
    ) -> ClientResult<ImportReport> {
        let total = file.len() as u64;
        let chunks: Vec<Vec<u8>> = file.chunks(64 * 1024).map(<[u8]>::to_vec).collect();
        let mut sent = 0u64;
        let stream = futures_util::stream::iter(chunks.into_iter().map(move |c| {
            sent += c.len() as u64;
            progress(sent, total);
            Ok::<Vec<u8>, std::io::Error>(c)
        }));
        let req = self
            .http
            .post(self.url("standard-messages/import"))
            .query(&[
                ("dry_run", dry_run.to_string()),
                ("filename", file_name.to_string()),
            ])
            .header("content-type", "application/octet-stream")
            .header("content-length", total.to_string())
            .timeout(Duration::from_secs(300))
            .body(reqwest::Body::wrap_stream(stream));
        let bytes = self.bytes(req).await?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))
    }

    pub async fn broadcast_preview(&self, a: &BroadcastAudience) -> ClientResult<BroadcastPreview> {
        self.send(Method::POST, "broadcasts/preview", a).await
    }

    pub async fn broadcast(&self, new: &NewBroadcast) -> ClientResult<Broadcast> {
        self.send(Method::POST, "broadcasts", new).await
    }

    pub async fn broadcasts(&self) -> ClientResult<Vec<Broadcast>> {
        self.get("broadcasts").await
    }

    pub async fn get_broadcast(&self, id: BroadcastId) -> ClientResult<Broadcast> {
        self.get(&format!("broadcasts/{id}")).await
    }

    pub async fn cancel_broadcast(&self, id: BroadcastId) -> ClientResult<Broadcast> {
        Ok(self
            .call::<(), Broadcast>(
                Method::DELETE,
                &format!("broadcasts/{id}"),
                None::<&()>,
                None,
            )
            .await?
            .1)
    }

    /// Every customer as .xlsx or, with `csv`, as .csv (admin).
    pub async fn customers_export(&self, csv: bool) -> ClientResult<Vec<u8>> {
        let format = if csv { "csv" } else { "xlsx" };
        self.bytes(
            self.http
                .get(self.url("customers/export"))
                .query(&[("format", format)]),
        )
        .await
    }

    /// Imports customers from .xlsx, .xls or .csv (admin).
    pub async fn customers_import(
        &self,
        file: Vec<u8>,
        file_name: &str,
        dry_run: bool,
    ) -> ClientResult<CustomerImportReport> {
        let req = self
            .http
            .post(self.url("customers/import"))
            .query(&[
                ("dry_run", dry_run.to_string()),
                ("filename", file_name.to_string()),
            ])
            .header("content-type", "application/octet-stream")
            .timeout(Duration::from_secs(600))
            .body(file);
        let bytes = self.bytes(req).await?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// The WebSocket URL of the event stream, resuming after `since`.
    pub fn events_url(&self, since: Option<Seq>) -> url::Url {
        let mut url = self.url("events");
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        url.set_scheme(scheme)
            .expect("ws and wss are valid schemes");
        if let Some(s) = since {
            url.query_pairs_mut().append_pair("since", &s.to_string());
        }
        url
    }
}

/// A name as one URL path segment: everything but unreserved characters
/// percent-encoded (UTF-8).
pub fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char);
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
