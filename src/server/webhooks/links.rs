//! `GET /media/{account}/{attachment}/{expires}/{sig}`: a file a platform
//! fetches by link (LINE takes files no other way). No bearer token: the
//! signature, made with the account's own secret, is the authentication
//! (see `platforms::links`). Anything wrong is a plain 404, so a link's
//! parts cannot be probed one at a time.

use crate::protocol::*;
use crate::server::error::{ApiError, ApiResult};
use crate::server::platforms::links;
use crate::server::routes::attachments::file_response;
use crate::server::AppState;
use axum::extract::{Path, State};
use axum::response::Response;

pub async fn serve(
    State(state): State<AppState>,
    Path((account, attachment, expires, sig)): Path<(ChannelAccountId, AttachmentId, i64, String)>,
) -> ApiResult<Response> {
    let gone = || ApiError::not_found("no such file");
    let creds = match state.store.channel_credentials(account).await? {
        Some((ChannelKind::Line, creds)) => creds,
        _ => return Err(gone()),
    };
    let secret = creds.get("channel_secret").ok_or_else(gone)?;
    if !links::verify(
        secret,
        account,
        attachment,
        expires,
        &sig,
        chrono::Utc::now(),
    ) {
        return Err(gone());
    }
    file_response(&state, attachment).await
}
