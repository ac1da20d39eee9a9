//! `GET /media/{account}/{attachment}/{expires}/{sig}`: a file a platform
//! fetches by link (LINE takes files no other way). No bearer token: the
//! signature, made with a key only the server has, is the authentication
//! (see `platforms::links`), and only a file sent on that account is
//! served. Anything wrong is a plain 404, so a link's parts cannot be
//! probed one at a time.

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
    if !links::verify(
        &state.link_key[..],
        account,
        attachment,
        expires,
        &sig,
        chrono::Utc::now(),
    ) {
        return Err(gone());
    }
    // Only then the database: a live LINE account that sent this file.
    if !matches!(
        state.store.channel_credentials(account).await?,
        Some((ChannelKind::Line, _))
    ) {
        return Err(gone());
    }
    if !state.store.attachment_sent_on(account, attachment).await? {
        return Err(gone());
    }
    file_response(&state, attachment).await
}
