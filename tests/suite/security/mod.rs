//! The server as an attacker meets it: sign-in limits, sessions that end,
//! event streams that show each agent only what it may see and that a
//! misbehaving client cannot hold open, data files for this user only.
//! Real server on loopback, real HTTP and WebSockets, real SQLite.
//!
//! The helpers are here; the tests, by area, below.

use crate::common::*;
use chatsmart::client::{Client, ClientError};
use chatsmart::protocol::*;
use chatsmart::server::auth::login::LoginLimits;
use chatsmart::server::ServerConfig;
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as WsMessage;

mod signin;
mod storage;
mod streams;

fn status(e: ClientError) -> u16 {
    e.status()
        .unwrap_or_else(|| panic!("expected an API error, got {e}"))
}

/// A client whose requests come from `ip` (any 127.x address is this
/// machine), so address budgets can be told apart.
fn http_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

async fn login_status(
    http: &reqwest::Client,
    t: &TestServer,
    login: &str,
    pw: &str,
) -> (u16, Option<u64>) {
    let resp = http
        .post(t.api("login"))
        .json(&serde_json::json!({ "login": login, "password": pw }))
        .send()
        .await
        .unwrap();
    let retry = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (resp.status().as_u16(), retry)
}

/// A tiny .xlsx whose only cells are A1 and XFD1048576: loaded as a dense
/// grid it would ask for half a terabyte.
fn xlsx_bomb() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Standard messages").unwrap();
    ws.write(0, 0, "Channels").unwrap();
    ws.write(1_048_575, 16_383, "boom").unwrap();
    wb.save_to_buffer().unwrap()
}

/// A legacy .xls (BIFF8 in a compound file): a workbook naming one sheet,
/// which declares its rows backwards (calamine would reserve ~170 GB) or,
/// with `backwards` false, has cells at two far corners of its grid.
fn xls_bomb(backwards: bool) -> Vec<u8> {
    fn record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
        out.extend_from_slice(&typ.to_le_bytes());
        out.extend_from_slice(&(data.len() as u16).to_le_bytes());
        out.extend_from_slice(data);
    }
    let bof = |kind: u16| {
        let mut b = vec![0u8; 16];
        b[0..2].copy_from_slice(&0x0600u16.to_le_bytes());
        b[2..4].copy_from_slice(&kind.to_le_bytes());
        b
    };
    let mut globals = Vec::new();
    record(&mut globals, 0x0809, &bof(0x0005));
    let sheet_at_placeholder = globals.len() + 4;
    let mut bound = vec![0u8; 6];
    bound.extend_from_slice(&[1, 0, b'S']);
    record(&mut globals, 0x0085, &bound);
    record(&mut globals, 0x000A, &[]);
    let sheet_at = globals.len() as u32;
    globals[sheet_at_placeholder..sheet_at_placeholder + 4]
        .copy_from_slice(&sheet_at.to_le_bytes());
    let mut stream = globals;
    record(&mut stream, 0x0809, &bof(0x0010));
    let mut dims = Vec::new();
    let (r0, r1) = if backwards { (5u32, 1u32) } else { (0, 1) };
    dims.extend_from_slice(&r0.to_le_bytes());
    dims.extend_from_slice(&r1.to_le_bytes());
    dims.extend_from_slice(&0u16.to_le_bytes());
    dims.extend_from_slice(&1u16.to_le_bytes());
    dims.extend_from_slice(&0u16.to_le_bytes());
    record(&mut stream, 0x0200, &dims);
    for (row, col) in [(0u16, 0u16), (65_535, 255)] {
        let mut num = Vec::new();
        num.extend_from_slice(&row.to_le_bytes());
        num.extend_from_slice(&col.to_le_bytes());
        num.extend_from_slice(&0u16.to_le_bytes());
        num.extend_from_slice(&1.0f64.to_le_bytes());
        record(&mut stream, 0x0203, &num);
    }
    record(&mut stream, 0x000A, &[]);
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    std::io::Write::write_all(&mut file.create_stream("/Workbook").unwrap(), &stream).unwrap();
    file.flush().unwrap();
    file.into_inner().into_inner()
}
