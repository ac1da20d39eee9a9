//! The protocol end to end: real HTTP and a real WebSocket against a server
//! on a loopback port, with a real SQLite file. The helpers are here; the
//! tests, by area, below.

use crate::common::*;
use chatsmart::client::ClientError;
use chatsmart::protocol::*;
use std::time::Duration;

mod conversations;
mod session;
mod stream;

fn status(e: ClientError) -> u16 {
    e.status()
        .unwrap_or_else(|| panic!("expected an API error, got {e}"))
}
