//! The API channel: external systems (and the demo's simulator) deliver
//! customer messages here; the platforms' webhooks (server/channels) feed
//! the same store call. Either way the store queues the message for the
//! bot, which answers if it is on.

use crate::protocol::*;
use crate::server::auth::Admin;
use crate::server::error::ApiResult;
use crate::server::extract::Json;
use crate::server::store::InboundMessage;
use crate::server::AppState;
use axum::extract::State;
use axum::http::StatusCode;

pub async fn inbound(
    State(state): State<AppState>,
    _: Admin,
    Json(req): Json<Inbound>,
) -> ApiResult<(StatusCode, axum::Json<InboundAccepted>)> {
    let accepted = state
        .store
        .inbound(InboundMessage {
            reach: None,
            tap: None,
            channel: req.channel,
            channel_user_id: req.channel_user_id,
            customer_name: req.customer_name,
            text: req.text,
            external_id: req.external_id,
            at: None,
            sent_at: None,
            attachment_id: req.attachment_id,
            account: None,
            reply_token: None,
            media: None,
            bot: Some(Default::default()),
        })
        .await?;
    let status = if accepted.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, axum::Json(accepted)))
}
