//! LINE: the Messaging API client (reply or push, profiles, message
//! content) and the webhook (signature, events).

mod api;
pub mod webhook;

pub use api::*;
