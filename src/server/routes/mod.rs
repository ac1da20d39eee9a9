//! The HTTP routes, one file per resource. Every route but `health`,
//! `login` and the WebSocket's upgrade check goes through [`Authed`] or
//! [`Admin`](super::auth::Admin).

mod agents;
pub(crate) mod attachments;
mod broadcasts;
mod conversations;
mod customers;
mod customers_bulk;
mod events;
mod inbound;
mod macros;
mod scheduled;
mod session;
mod standard;

use super::AppState;
use crate::protocol::{Health, PROTOCOL_VERSION};
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/login", post(session::login))
        .route("/logout", post(session::logout))
        .route("/me", get(session::me))
        .route("/unread", get(session::unread))
        .route("/agents", get(agents::list))
        .route("/agents/{id}", delete(agents::remove))
        .route("/agents/{id}/disable", post(agents::disable))
        .route("/agents/{id}/enable", post(agents::enable))
        .route("/agents/{id}/tokens", delete(agents::revoke_tokens))
        .route("/teams", get(agents::teams))
        .route(
            "/channels",
            get(agents::channels).post(agents::create_channel),
        )
        .route(
            "/channels/{id}",
            delete(agents::remove_channel).patch(agents::update_channel),
        )
        .route("/conversations", get(conversations::list))
        .route("/conversations/bulk", post(conversations::bulk))
        .route("/conversations/{id}", get(conversations::get))
        .route(
            "/conversations/{id}/messages",
            get(conversations::messages).post(conversations::send),
        )
        .route("/conversations/{id}/read", post(conversations::read))
        .route("/conversations/{id}/bot", put(conversations::bot))
        .route("/conversations/{id}/status", put(conversations::status))
        .route(
            "/conversations/{id}/assign-team",
            post(conversations::assign_team),
        )
        .route("/macros", get(macros::list))
        .route("/macros/{name}", put(macros::put).delete(macros::delete))
        .route("/conversations/{id}/priority", put(conversations::priority))
        .route("/conversations/{id}/assignees", post(conversations::assign))
        .route(
            "/conversations/{id}/assignees/{agent_id}",
            delete(conversations::unassign),
        )
        .route("/customers", get(customers::search))
        .route(
            "/customers/{id}",
            get(customers::get).patch(customers::patch),
        )
        .route("/customers/{id}/tags", post(customers::tag))
        .route("/customers/{id}/tags/{tag_id}", delete(customers::untag))
        .route(
            "/customers/{id}/notes",
            get(customers::notes).post(customers::add_note),
        )
        .route(
            "/notes/{id}",
            axum::routing::patch(customers::edit_note).delete(customers::delete_note),
        )
        .route("/tags", get(customers::tags).post(customers::create_tag))
        .route(
            "/tags/{id}",
            axum::routing::patch(customers::update_tag).delete(customers::delete_tag),
        )
        .route("/tags/{id}/merge", post(customers::merge_tag))
        .route(
            "/conversations/{id}/scheduled",
            get(scheduled::list).post(scheduled::create),
        )
        .route(
            "/scheduled/{id}",
            axum::routing::patch(scheduled::update).delete(scheduled::cancel),
        )
        .route("/standard-messages", get(standard::list))
        .route("/standard-messages/template", get(standard::template))
        .route("/standard-messages/export", get(standard::export))
        .route(
            "/standard-messages/import",
            post(standard::import).layer(DefaultBodyLimit::max(crate::sheets::MAX_BYTES + 1024)),
        )
        .route(
            "/standard-messages/{id}",
            axum::routing::patch(standard::edit_message).delete(standard::delete_message),
        )
        .route("/standard-folders", post(standard::create_folder))
        .route(
            "/standard-folders/{id}",
            axum::routing::patch(standard::update_folder).delete(standard::delete_folder),
        )
        .route(
            "/standard-folders/{id}/messages",
            post(standard::add_message),
        )
        .route(
            "/broadcasts",
            get(broadcasts::list).post(broadcasts::create),
        )
        .route("/broadcasts/preview", post(broadcasts::preview))
        .route(
            "/broadcasts/{id}",
            get(broadcasts::get).delete(broadcasts::cancel),
        )
        .route("/customers/export", get(customers_bulk::export))
        .route(
            "/customers/import",
            post(customers_bulk::import).layer(DefaultBodyLimit::max(
                crate::sheets::MAX_CUSTOMER_BYTES + 1024,
            )),
        )
        .route("/inbound", post(inbound::inbound))
        // Uploads stream to disk and check their own limits as they go.
        .route(
            "/uploads",
            post(attachments::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/attachments/{id}", get(attachments::download))
        .route("/messages/{id}/attachment", delete(attachments::remove))
        .route("/messages/{id}/retry", post(conversations::retry_message))
        .route("/events", get(events::events))
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        protocol: PROTOCOL_VERSION,
    })
}
