//! chatsmart: a keyboard-driven terminal inbox for customer-support agents,
//! and the messaging server it talks to.
//!
//! - [`protocol`]: the contract both sides compile against.
//! - [`server`]: the HTTP + WebSocket server on SQLite: routes, auth,
//!   webhooks and platform clients, workers (delivery, files, scheduler,
//!   the bot), the store.
//! - [`client`]: the HTTP client and the event stream.
//! - [`tui`]: the inbox: one event loop (`update` changes state, `ui`
//!   draws it, `runner` does the network, `kept` the disk).
//! - [`sheets`]: reading and writing spreadsheets (standard messages,
//!   customers).
//! - [`demo`]: the embedded demo (seeded server plus a live simulator).
//! - [`bench`](mod@bench): `chatsmart bench`, the speed and memory budgets.
//! - [`cli`]: the command line; [`watch`]: the event stream as lines.
//! - [`config`], [`private_files`], [`sanitize`]: client settings and
//!   paths, files only this user reads, text made safe for a terminal.

pub mod bench;
pub mod cli;
pub mod client;
pub mod config;
pub mod demo;
pub mod dirs;
pub mod private_files;
pub mod protocol;
pub mod sanitize;
pub mod server;
pub mod sheets;
pub mod tui;
pub mod watch;
