//! Standard messages over real HTTP: folders with scope, placeholders,
//! events, and the spreadsheet template, import and export.
//!
//! The helpers are here; the tests, by area, below.

use crate::common::*;
use chatsmart::protocol::*;
use chatsmart::sheets;
use std::collections::BTreeSet;

mod folders;
mod import;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn status(e: chatsmart::client::ClientError) -> u16 {
    e.status()
        .unwrap_or_else(|| panic!("expected an API error, got {e}"))
}

async fn team_id(t: &TestServer, name: &str) -> TeamId {
    t.admin
        .client
        .teams()
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.name == name)
        .unwrap()
        .id
}
