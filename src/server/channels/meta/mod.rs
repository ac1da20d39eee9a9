//! Messenger and WhatsApp, both on Meta's Graph host: the API client
//! (sending, profiles, files) and the webhook (signature, the two event
//! shapes).

mod api;
pub mod webhook;

pub use api::*;
