//! The contract between the chatsmart server and its clients.
//!
//! Domain types, REST request/response bodies and the WebSocket event enum.
//! Nothing in here knows about HTTP frameworks, terminals or SQL: the server
//! and every client compile against these types, so a change to the contract
//! is one change that both sides see.

pub mod api;
pub mod attachments;
pub mod broadcast;
pub mod channels;
pub mod events;
pub mod macros;
pub mod model;
pub mod scheduled;
pub mod standard;
pub mod triage;
pub mod validate;

pub use api::*;
pub use attachments::*;
pub use broadcast::*;
pub use channels::*;
pub use events::*;
pub use macros::*;
pub use model::*;
pub use scheduled::*;
pub use standard::*;
pub use triage::*;

/// Bumped whenever a request, response or event changes incompatibly.
pub const PROTOCOL_VERSION: u32 = 1;

/// Every route lives under this prefix.
pub const API_PREFIX: &str = "/api/v1";
