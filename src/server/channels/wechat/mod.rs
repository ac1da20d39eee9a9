//! WeChat Official Accounts: the API client (access tokens, customer
//! service messages, media, user info), the webhook (plaintext and safe
//! mode) and safe mode's crypto.

mod api;
pub mod crypto;
pub mod webhook;

pub use api::*;
