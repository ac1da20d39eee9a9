//! Every integration test, in one binary: one link instead of one per
//! file. Each module is named for what it tests; `common` starts real
//! servers on loopback ports and holds the platform doubles.

mod common;

mod api;
mod attachments;
mod bot;
mod channels;
mod cli;
mod cli_inbox;
mod customers;
mod demo;
mod e2e;
mod fuzz;
mod group_commit;
mod layers;
mod macros;
mod platforms;
mod replicas;
mod security;
mod standard;
mod storage;
mod triage;
mod tui_snapshots;
mod tui_state;
mod webhooks;
