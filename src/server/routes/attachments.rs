//! Files: `POST /uploads` (multipart, the file in the field `file`),
//! `GET /attachments/{id}` (the bytes, streamed) and
//! `DELETE /messages/{id}/attachment` (take a file off a message).

use crate::protocol::*;
use crate::server::auth::Authed;
use crate::server::error::{ApiError, ApiResult};
use crate::server::store::NewAttachment;
use crate::server::AppState;
use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Room for the multipart framing around the file.
const FRAMING: u64 = 64 * 1024;

fn too_large(message: String) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
}

fn unsupported(message: String) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_file",
        message,
    )
}

fn io_error(e: std::io::Error) -> ApiError {
    tracing::error!("receiving an upload: {e}");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the server could not store the file; it has been logged",
    )
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::bad_request(format!("the upload is not valid multipart form data: {e}"))
}

pub async fn upload(
    State(state): State<AppState>,
    Authed(me): Authed,
    headers: HeaderMap,
    mut form: Multipart,
) -> ApiResult<(StatusCode, axum::Json<Attachment>)> {
    let limits = state.uploads.clone();
    // A body larger than any file may be is refused before it is read.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // Each agent may upload so much a day: a stolen or careless token
    // cannot fill the disk.
    let quota = state.security.upload_quota;
    let day_ago = state.clock.now() - chrono::Duration::hours(24);
    let stored = state.store.uploaded_bytes_since(me.id, day_ago).await?;
    let arriving = Arriving::new(&state.security, me.id);
    let used = stored.saturating_add(arriving.others());
    let room = quota.saturating_sub(used);
    let over_quota = || {
        ApiError::too_many(
            3600,
            format!(
                "you have uploaded {} in the last 24 hours, and each agent may upload {} a day; try again later or ask an admin",
                human_size(used),
                human_size(quota)
            ),
        )
    };
    if declared.is_some_and(|len| len > room.saturating_add(FRAMING)) || room == 0 {
        return Err(over_quota());
    }
    if let Some(len) = declared {
        if len > limits.largest() + FRAMING {
            return Err(too_large(format!(
                "the upload is {}; files can be at most {}",
                human_size(len),
                human_size(limits.largest())
            )));
        }
    }
    while let Some(mut field) = form.next_field().await.map_err(multipart_error)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = clean_file_name(field.file_name().unwrap_or("file"));
        let claimed = type_for_name(&name).map_err(unsupported)?;
        let limit = limits.limit(claimed.kind);
        if let Some(len) = declared {
            if len > limit + FRAMING {
                return Err(too_large(format!(
                    "{name:?} is about {}; {} files can be at most {}",
                    human_size(len),
                    claimed.kind.as_str(),
                    human_size(limit)
                )));
            }
        }
        let mut incoming = state.files.incoming().await.map_err(io_error)?;
        let mut checked = false;
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            incoming.write(&chunk).await.map_err(io_error)?;
            arriving.add(chunk.len() as u64);
            if !checked && incoming.head().len() >= SNIFF_BYTES {
                sniff(&name, incoming.head()).map_err(unsupported)?;
                checked = true;
            }
            if incoming.size() > room {
                return Err(over_quota());
            }
            if incoming.size() > limit {
                // Nothing more is written; the partial file goes with
                // `incoming`.
                return Err(too_large(format!(
                    "{name:?} is larger than {}, the most {} files can be",
                    human_size(limit),
                    claimed.kind.as_str()
                )));
            }
        }
        let ftype = sniff(&name, incoming.head()).map_err(unsupported)?;
        let received = incoming.finish().await.map_err(io_error)?;
        let store = state.store.clone();
        let attachment = state
            .files
            .keep(received, |sha256, size| async move {
                store
                    .create_attachment(NewAttachment {
                        sha256,
                        name,
                        mime: ftype.mime.to_string(),
                        kind: ftype.kind,
                        size,
                        uploaded_by: Some(me.id),
                    })
                    .await
            })
            .await?;
        return Ok((StatusCode::CREATED, axum::Json(attachment)));
    }
    Err(ApiError::bad_request(
        "send the file as multipart form data in a field named \"file\"",
    ))
}

/// An upload's bytes while they arrive, counted for its agent's quota.
struct Arriving<'a> {
    security: &'a crate::server::auth::Security,
    agent: AgentId,
    bytes: std::cell::Cell<u64>,
}

impl<'a> Arriving<'a> {
    fn new(security: &'a crate::server::auth::Security, agent: AgentId) -> Self {
        Arriving {
            security,
            agent,
            bytes: std::cell::Cell::new(0),
        }
    }

    /// What the agent's other uploads have brought in so far.
    fn others(&self) -> u64 {
        self.security
            .uploading
            .lock()
            .map(|m| m.get(&self.agent).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    fn add(&self, n: u64) {
        self.bytes.set(self.bytes.get() + n);
        if let Ok(mut m) = self.security.uploading.lock() {
            *m.entry(self.agent).or_insert(0) += n;
        }
    }
}

impl Drop for Arriving<'_> {
    fn drop(&mut self) {
        if let Ok(mut m) = self.security.uploading.lock() {
            if let Some(v) = m.get_mut(&self.agent) {
                *v = v.saturating_sub(self.bytes.get());
                if *v == 0 {
                    m.remove(&self.agent);
                }
            }
        }
    }
}

/// `Content-Disposition` for a name that may hold any script: an ASCII
/// fallback and the UTF-8 name (RFC 6266).
fn disposition(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

pub async fn download(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<AttachmentId>,
) -> ApiResult<Response> {
    file_response(&state, id).await
}

/// The attachment's bytes, streamed, with its type, length, name and tag.
pub async fn file_response(state: &AppState, id: AttachmentId) -> ApiResult<Response> {
    let attachment = state
        .store
        .attachment(id)
        .await?
        .ok_or_else(|| ApiError::not_found("attachment not found"))?;
    let file = match state.files.open(&attachment.sha256).await {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(
                "attachment {id}: its bytes ({}) cannot be read: {e}",
                attachment.sha256
            );
            return Err(ApiError::new(
                StatusCode::GONE,
                "file_missing",
                "the file's bytes are missing on the server; it has been logged",
            ));
        }
    };
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&attachment.mime)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(attachment.size));
    headers.insert(header::CONTENT_DISPOSITION, disposition(&attachment.name));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Even opened in a browser, a file runs nothing and loads nothing.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", attachment.sha256)) {
        headers.insert(header::ETAG, etag);
    }
    Ok((StatusCode::OK, headers, body).into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(message): Path<MessageId>,
) -> ApiResult<axum::Json<Message>> {
    let removed = state.store.remove_attachment(&me, message).await?;
    if let Some(sha) = removed.unused_sha256 {
        if let Err(e) = state.files.delete_if_unused(&sha, &*state.store).await {
            // The message is already changed; stray bytes are harmless.
            tracing::warn!("could not delete unused file {sha}: {e}");
        }
    }
    Ok(axum::Json(removed.message))
}
