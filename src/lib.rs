//! chatsmart: a keyboard-driven terminal inbox for customer-support agents,
//! and the messaging server it talks to.
//!
//! - [`protocol`]: the contract both sides compile against.
//! - [`server`]: the HTTP + WebSocket server on SQLite.
//! - [`client`]: the HTTP client and the event stream.
//! - [`demo`]: the embedded demo (seeded server plus a live simulator).
//! - [`cli`]: the command line.

pub mod bench;
pub mod cli;
pub mod client;
pub mod config;
pub mod demo;
pub mod private_files;
pub mod protocol;
pub mod sanitize;
pub mod server;
pub mod sheets;
pub mod tui;
pub mod watch;
