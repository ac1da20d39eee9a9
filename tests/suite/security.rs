//! The server as an attacker meets it: sign-in limits, sessions that end,
//! event streams that show each agent only what it may see and that a
//! misbehaving client cannot hold open, data files for this user only.
//! Real server on loopback, real HTTP and WebSockets, real SQLite.

use crate::common::*;
use chatsmart::client::{Client, ClientError};
use chatsmart::protocol::*;
use chatsmart::server::auth::login::LoginLimits;
use chatsmart::server::ServerConfig;
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as WsMessage;

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

#[tokio::test]
async fn unknown_logins_and_wrong_passwords_are_refused_alike() {
    let t = TestServer::start().await;
    let http = t.http();
    let wrong = http
        .post(t.api("login"))
        .json(&serde_json::json!({ "login": "alice.wong", "password": "nope" }))
        .send()
        .await
        .unwrap();
    let unknown = http
        .post(t.api("login"))
        .json(&serde_json::json!({ "login": "nobody.here", "password": "nope" }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    assert_eq!(wrong.text().await.unwrap(), unknown.text().await.unwrap());
    // A password too long to be anyone's is simply wrong.
    let (code, _) = login_status(&http, &t, "alice.wong", &"x".repeat(100_000)).await;
    assert_eq!(code, 401);
    let ok = t.alice.client.login("alice.wong", PASSWORD).await.unwrap();
    assert_eq!(ok.agent.login, "alice.wong");
}

#[tokio::test]
async fn failed_sign_ins_are_budgeted_per_login_and_per_address() {
    let t = TestServer::start_with_config(|c| ServerConfig {
        login_limits: LoginLimits {
            per_address: (6, Duration::from_secs(600)),
            per_login: (3, Duration::from_secs(600)),
            queue: 64,
        },
        ..c
    })
    .await;
    let a = http_from("127.0.0.2");
    for _ in 0..3 {
        assert_eq!(login_status(&a, &t, "alice.wong", "wrong").await.0, 401);
    }
    // Alice's login has no tries left from that address, in any spelling,
    // even with her right password...
    let (code, retry) = login_status(&a, &t, "Alice.Wong", PASSWORD).await;
    assert_eq!(code, 429);
    assert!(retry.unwrap() >= 1);
    // ...but nobody can lock her out from elsewhere: she signs in from her
    // own address.
    let b = http_from("127.0.0.3");
    assert_eq!(login_status(&b, &t, "alice.wong", PASSWORD).await.0, 200);
    // Bob's login works from the first address.
    assert_eq!(login_status(&a, &t, "bob.chen", PASSWORD).await.0, 200);
    // A success (and a refusal before any check) gives its try back;
    // failures for other logins use up the address's budget (6: 3 for
    // alice, 3 more).
    for ghost in ["ghost.one", "ghost.two", "ghost.three"] {
        assert_eq!(login_status(&a, &t, ghost, "x").await.0, 401);
    }
    let (code, retry) = login_status(&a, &t, "ghost.four", "x").await;
    assert_eq!(code, 429);
    assert!(retry.is_some());
    // Another address is not affected.
    assert_eq!(
        login_status(&http_from("127.0.0.4"), &t, "bob.chen", PASSWORD)
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn a_login_flood_is_bounded_and_the_server_keeps_answering() {
    // Budgets high enough that every request reaches the password check:
    // what holds the flood is the bounded queue of checks.
    let t = TestServer::start_with_config(|c| ServerConfig {
        login_limits: LoginLimits {
            per_address: (10_000, Duration::from_secs(1)),
            per_login: (10_000, Duration::from_secs(1)),
            queue: 16,
        },
        ..c
    })
    .await;
    let url = t.api("login");
    let flood: Vec<_> = (0..300)
        .map(|i| {
            let url = url.clone();
            tokio::spawn(async move {
                reqwest::Client::new()
                    .post(url)
                    .json(&serde_json::json!({ "login": format!("alice.wong{}", i % 3), "password": "wrong" }))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0)
            })
        })
        .collect();
    // The server answers other requests while the flood is checked.
    let health = reqwest::Client::new()
        .get(t.api("health"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let mut by_status = std::collections::BTreeMap::new();
    for f in flood {
        *by_status.entry(f.await.unwrap()).or_insert(0) += 1;
    }
    // Every request got an answer: checked and refused, or told to come back.
    assert_eq!(
        by_status
            .keys()
            .copied()
            .filter(|s| *s != 401 && *s != 503)
            .count(),
        0,
        "{by_status:?}"
    );
    assert!(
        by_status.get(&503).copied().unwrap_or(0) > 0,
        "{by_status:?}"
    );
    // A real sign-in still works once it has passed.
    assert_eq!(
        login_status(&t.http(), &t, "bob.chen", PASSWORD).await.0,
        200
    );
}

#[tokio::test]
async fn logging_out_ends_the_token_and_its_event_stream() {
    let t = TestServer::start().await;
    let signed_in = t.alice.client.login("alice.wong", PASSWORD).await.unwrap();
    let c = Client::new(&t.url(), Some(signed_in.token.clone())).unwrap();
    c.me().await.unwrap();
    let mut ws = t.ws(&signed_in.token, None).await;
    c.logout().await.unwrap();
    assert_eq!(status(c.me().await.unwrap_err()), 401);
    assert_eq!(status(c.logout().await.unwrap_err()), 401);
    assert!(
        ws.closed_within(Duration::from_secs(5)).await,
        "the stream closes"
    );
    // Her other sign-in is untouched.
    t.alice.client.me().await.unwrap();
}

#[tokio::test]
async fn the_token_goes_in_the_header_except_on_the_event_stream() {
    let t = TestServer::start().await;
    let resp = t
        .http()
        .get(format!("{}?token={}", t.api("me"), t.alice.token))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    // The stream takes it from the query (browsers cannot set headers).
    let mut ws = t.ws(&t.alice.token, None).await;
    t.inbound(ChannelKind::Line, "U1", "Kenji", "hello", "m1")
        .await;
    ws.until(|e| matches!(e.kind, EventKind::MessageCreated { .. }))
        .await;
}

#[tokio::test]
async fn a_disabled_agent_is_signed_out_and_cannot_sign_in_until_enabled() {
    let t = TestServer::start().await;
    let alice = t.alice.agent.id;
    // Only admins manage agents.
    for e in [
        t.bob.client.disable_agent(alice).await.unwrap_err(),
        t.bob.client.enable_agent(alice).await.unwrap_err(),
        t.bob.client.remove_agent(alice).await.unwrap_err(),
        t.bob.client.revoke_agent_tokens(alice).await.unwrap_err(),
    ] {
        assert_eq!(status(e), 403);
    }
    let conv = t
        .inbound(ChannelKind::Line, "U1", "Kenji", "hi", "m1")
        .await;
    let later = t
        .alice
        .client
        .schedule(
            conv.conversation_id,
            &NewScheduled {
                name: "follow up".into(),
                text: "Any news?".into(),
                send_at: chrono::Utc::now() + chrono::Duration::hours(3),
            },
        )
        .await
        .unwrap();
    let mut ws = t.ws(&t.alice.token, None).await;
    let mut admin_ws = t.ws(&t.admin.token, None).await;
    let disabled = t.admin.client.disable_agent(alice).await.unwrap();
    assert!(disabled.disabled);
    assert_eq!(status(t.alice.client.me().await.unwrap_err()), 401);
    assert!(ws.closed_within(Duration::from_secs(5)).await);
    let ev = admin_ws
        .until(|e| matches!(e.kind, EventKind::AgentUpdated { .. }))
        .await;
    assert!(matches!(ev.kind, EventKind::AgentUpdated { agent } if agent.disabled));
    let e = t
        .alice
        .client
        .login("alice.wong", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(status(e), 403);
    // A wrong password still reads as a wrong password.
    let e = t
        .alice
        .client
        .login("alice.wong", "wrong")
        .await
        .unwrap_err();
    assert_eq!(status(e), 401);
    // Nothing goes out in her name, nobody can assign her, and team
    // assignment skips her.
    let scheduled = t
        .admin
        .client
        .scheduled(conv.conversation_id)
        .await
        .unwrap();
    let s = scheduled.iter().find(|s| s.id == later.id).unwrap();
    assert_eq!(s.status, ScheduledStatus::Cancelled);
    let e = t
        .admin
        .client
        .assign(conv.conversation_id, alice)
        .await
        .unwrap_err();
    assert_eq!(status(e), 422);
    let assigned = t
        .admin
        .client
        .assign_team(conv.conversation_id, "Support")
        .await
        .unwrap();
    assert!(assigned.assignees.iter().all(|a| a.agent_id != alice));

    t.admin.client.enable_agent(alice).await.unwrap();
    let again = t.alice.client.login("alice.wong", PASSWORD).await.unwrap();
    assert!(!again.agent.disabled);
}

#[tokio::test]
async fn the_last_admin_cannot_be_disabled_or_removed() {
    let t = TestServer::start().await;
    let admin = t.admin.agent.id;
    assert_eq!(
        status(t.admin.client.disable_agent(admin).await.unwrap_err()),
        409
    );
    assert_eq!(
        status(t.admin.client.remove_agent(admin).await.unwrap_err()),
        409
    );
    t.admin.client.me().await.unwrap();
    assert_eq!(
        status(t.admin.client.disable_agent(9_999).await.unwrap_err()),
        404
    );
}

#[tokio::test]
async fn revoking_an_agents_tokens_signs_it_out_everywhere() {
    let t = TestServer::start().await;
    let second = t.bob.client.login("bob.chen", PASSWORD).await.unwrap();
    let c2 = Client::new(&t.url(), Some(second.token)).unwrap();
    let revoked = t
        .admin
        .client
        .revoke_agent_tokens(t.bob.agent.id)
        .await
        .unwrap();
    assert_eq!(revoked.revoked, 2);
    assert_eq!(status(t.bob.client.me().await.unwrap_err()), 401);
    assert_eq!(status(c2.me().await.unwrap_err()), 401);
    // Not disabled: Bob signs in again.
    t.bob.client.login("bob.chen", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn a_removed_agent_is_unassigned_unlisted_and_its_login_is_free() {
    let t = TestServer::start().await;
    let bob = t.bob.agent.id;
    let conv = t
        .inbound(ChannelKind::Line, "U1", "Kenji", "hi", "m1")
        .await;
    t.admin
        .client
        .assign(conv.conversation_id, bob)
        .await
        .unwrap();
    let mut ws = t.ws(&t.alice.token, None).await;
    t.admin.client.remove_agent(bob).await.unwrap();
    let ev = ws
        .until(|e| matches!(e.kind, EventKind::AssigneeRemoved { .. }))
        .await;
    assert!(matches!(ev.kind, EventKind::AssigneeRemoved { agent_id, .. } if agent_id == bob));
    ws.until(|e| matches!(e.kind, EventKind::AgentRemoved { agent_id } if agent_id == bob))
        .await;
    assert_eq!(status(t.bob.client.me().await.unwrap_err()), 401);
    let agents = t.alice.client.agents().await.unwrap();
    assert!(agents.iter().all(|a| a.id != bob));
    let page = t
        .alice
        .client
        .messages(conv.conversation_id, &MessagesQuery::default())
        .await
        .unwrap();
    assert!(page
        .items
        .iter()
        .any(|m| m.text.contains("Bob Chen unassigned: removed by Ada Admin")));
    // Removed means removed: no second time, no sign-in.
    assert_eq!(
        status(t.admin.client.remove_agent(bob).await.unwrap_err()),
        404
    );
    let e = t.bob.client.login("bob.chen", PASSWORD).await.unwrap_err();
    assert_eq!(status(e), 401);
}

#[tokio::test]
async fn tokens_unused_for_the_idle_time_stop_working() {
    let clock = std::sync::Arc::new(chatsmart::server::clock::ManualClock::new(
        chrono::Utc::now(),
    ));
    let c2 = clock.clone();
    let t = TestServer::start_with_config(move |c| ServerConfig {
        clock: c2,
        token_idle: chrono::Duration::days(2),
        ..c
    })
    .await;
    t.alice.client.me().await.unwrap();
    clock.advance(chrono::Duration::days(1));
    t.alice.client.me().await.unwrap();
    // Used a day in: idle from then.
    clock.advance(chrono::Duration::days(2) - chrono::Duration::minutes(1));
    t.alice.client.me().await.unwrap();
    clock.advance(chrono::Duration::days(2) + chrono::Duration::minutes(1));
    assert_eq!(status(t.alice.client.me().await.unwrap_err()), 401);
    // Signing in again gives a fresh token.
    let fresh = t.alice.client.login("alice.wong", PASSWORD).await.unwrap();
    Client::new(&t.url(), Some(fresh.token))
        .unwrap()
        .me()
        .await
        .unwrap();
}

#[tokio::test]
async fn an_agent_holds_a_bounded_number_of_streams() {
    let t = TestServer::start_with_config(|c| ServerConfig {
        streams_per_agent: 2,
        ..c
    })
    .await;
    let first = t.ws(&t.alice.token, None).await;
    let _second = t.ws(&t.alice.token, None).await;
    let client = Client::new(&t.url(), None).unwrap();
    let mut url = client.events_url(None);
    url.query_pairs_mut().append_pair("token", &t.alice.token);
    match tokio_tungstenite::connect_async(url.as_str()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status(), 429);
        }
        other => panic!(
            "a third stream should be refused, got {:?}",
            other.map(|_| ())
        ),
    }
    // Bob is not affected; closing one frees its place.
    let _bob = t.ws(&t.bob.token, None).await;
    drop(first);
    let mut again = None;
    for _ in 0..50 {
        if let Ok(ws) = tokio_tungstenite::connect_async(url.as_str()).await {
            again = Some(ws);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(again.is_some(), "a closed stream frees its place");
}

#[tokio::test]
async fn oversized_frames_and_silent_clients_are_dropped() {
    let t = TestServer::start_with_config(|c| ServerConfig {
        stream_idle: Duration::from_millis(900),
        ..c
    })
    .await;
    let client = Client::new(&t.url(), None).unwrap();
    let mut url = client.events_url(None);
    url.query_pairs_mut().append_pair("token", &t.alice.token);
    // A frame over 64 KiB closes the connection.
    let (mut big, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    let _ = big
        .send(WsMessage::Binary(vec![0u8; 200 * 1024].into()))
        .await;
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match big.next().await {
                None | Some(Err(_) | Ok(WsMessage::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "an oversized frame ends the stream");

    // A client that never reads (so never answers a ping) is dropped.
    let (_silent, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    let streams = |t: &TestServer| {
        t.state()
            .security
            .streams
            .lock()
            .unwrap()
            .get(&t.alice.agent.id)
            .copied()
            .unwrap_or(0)
    };
    let mut gone = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if streams(&t) == 0 {
            gone = true;
            break;
        }
    }
    assert!(gone, "the silent client was still held");
}

#[tokio::test]
async fn each_agent_streams_only_what_the_api_shows_it() {
    let t = TestServer::start().await;
    let support = t
        .admin
        .client
        .teams()
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.name == "Support")
        .unwrap();
    let mut admin = t.ws(&t.admin.token, None).await;
    let mut alice = t.ws(&t.alice.token, None).await; // in Support
    let mut bob = t.ws(&t.bob.token, None).await; // in Billing
    let folder = t
        .admin
        .client
        .create_folder(&FolderInput {
            name: "Support only".into(),
            channels: vec![],
            team_id: Some(support.id),
            assignee_ids: vec![],
        })
        .await
        .unwrap();
    let tag = t
        .admin
        .client
        .create_tag(&NewTag {
            name: "vip".into(),
            color: None,
        })
        .await
        .unwrap();
    t.admin
        .client
        .broadcast(&NewBroadcast {
            tag_id: tag.id,
            channels: vec![],
            text: "Sale!".into(),
            send_at: Some(chrono::Utc::now() + chrono::Duration::days(1)),
        })
        .await
        .unwrap();
    // Alice reads a conversation: her read marker is hers alone.
    let first = t
        .inbound(ChannelKind::Line, "U2", "Mei", "hello", "m0")
        .await;
    t.alice
        .client
        .mark_read(first.conversation_id)
        .await
        .unwrap();
    // A marker every agent sees, so "nothing else came" is known for sure.
    t.inbound(ChannelKind::Line, "U1", "Kenji", "marker", "m1")
        .await;
    let is_marker = |e: &Event| matches!(&e.kind, EventKind::MessageCreated { message, .. } if message.text == "marker");
    async fn kinds_until(ws: &mut Ws, stop: impl Fn(&Event) -> bool) -> Vec<EventKind> {
        let mut seen = Vec::new();
        loop {
            let ev = ws.next().await;
            let done = stop(&ev);
            seen.push(ev.kind);
            if done {
                return seen;
            }
        }
    }
    let for_admin = kinds_until(&mut admin, is_marker).await;
    let for_alice = kinds_until(&mut alice, is_marker).await;
    let for_bob = kinds_until(&mut bob, is_marker).await;
    let folder_text = |k: &[EventKind]| {
        k.iter()
            .filter(|k| matches!(k, EventKind::StandardFolderChanged { folder: f } if f.id == folder.id))
            .count()
    };
    let broadcasts = |k: &[EventKind]| {
        k.iter()
            .filter(|k| matches!(k, EventKind::BroadcastChanged { .. }))
            .count()
    };
    assert_eq!(folder_text(&for_admin), 1);
    assert_eq!(folder_text(&for_alice), 1);
    assert_eq!(folder_text(&for_bob), 0, "{for_bob:?}");
    assert!(for_bob.iter().any(
        |k| matches!(k, EventKind::StandardFolderDeleted { folder_id } if *folder_id == folder.id)
    ));
    assert!(broadcasts(&for_admin) >= 1);
    assert_eq!(broadcasts(&for_alice), 0);
    assert_eq!(broadcasts(&for_bob), 0);
    let reads = |k: &[EventKind]| {
        k.iter()
            .filter(|k| matches!(k, EventKind::ConversationRead { .. }))
            .count()
    };
    assert_eq!(reads(&for_alice), 1);
    assert_eq!(reads(&for_bob), 0);
    assert_eq!(reads(&for_admin), 0);
    // The same rules when the log is replayed from the start.
    let mut replay = t.ws(&t.bob.token, Some(0)).await;
    let replayed = kinds_until(&mut replay, is_marker).await;
    assert_eq!(folder_text(&replayed), 0);
    assert_eq!(broadcasts(&replayed), 0);
}

#[tokio::test]
async fn only_the_author_or_an_admin_changes_a_scheduled_message() {
    let t = TestServer::start().await;
    let conv = t
        .inbound(ChannelKind::Line, "U1", "Kenji", "hi", "m1")
        .await;
    let s = t
        .alice
        .client
        .schedule(
            conv.conversation_id,
            &NewScheduled {
                name: "follow up".into(),
                text: "How did it go?".into(),
                send_at: chrono::Utc::now() + chrono::Duration::hours(2),
            },
        )
        .await
        .unwrap();
    let patch = ScheduledPatch {
        text: Some("Send me your card number".into()),
        ..Default::default()
    };
    let e = t
        .bob
        .client
        .update_scheduled(s.id, &patch)
        .await
        .unwrap_err();
    assert_eq!(status(e), 403);
    assert_eq!(
        status(t.bob.client.cancel_scheduled(s.id).await.unwrap_err()),
        403
    );
    // Unchanged.
    let now = t
        .alice
        .client
        .scheduled(conv.conversation_id)
        .await
        .unwrap();
    assert_eq!(now[0].text, "How did it go?");
    assert!(now[0].updated_by.is_none());
    // Its author may; an admin may, and is named.
    t.alice
        .client
        .update_scheduled(
            s.id,
            &ScheduledPatch {
                name: Some("follow-up".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let by_admin = t
        .admin
        .client
        .update_scheduled(
            s.id,
            &ScheduledPatch {
                text: Some("How did it go, Kenji?".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(by_admin.updated_by.as_ref().unwrap().name, "Ada Admin");
    assert_eq!(by_admin.created_by.name, "Alice Wong");
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_and_its_folder_are_for_this_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = data.join("chat.db");
    let server = chatsmart::server::start(chatsmart::server::ServerConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        db.clone(),
    ))
    .await
    .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&db), 0o600);
    let wal = data.join("chat.db-wal");
    assert!(wal.exists());
    assert_eq!(mode(&wal), 0o600);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_client_stops_its_stream_when_its_sign_in_ends() {
    use chatsmart::client::events::{spawn_event_stream, StreamUpdate};
    let t = TestServer::start().await;
    let signed_in = t.alice.client.login("alice.wong", PASSWORD).await.unwrap();
    let c = Client::new(&t.url(), Some(signed_in.token)).unwrap();
    let (mut rx, _task) = spawn_event_stream(c.clone(), None);
    assert_eq!(rx.recv().await, Some(StreamUpdate::Connected));
    c.logout().await.unwrap();
    let next = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("an update within 5 s");
    assert_eq!(next, Some(StreamUpdate::Unauthorized));
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

#[tokio::test]
async fn spreadsheet_bombs_are_refused_and_the_server_lives() {
    let t = TestServer::start().await;
    let admin = &t.admin.client;
    let xlsx = xlsx_bomb();
    assert!(xlsx.len() < 10_000, "{} bytes", xlsx.len());
    let cases = [
        (xlsx, "bomb.xlsx", "columns"),
        (xls_bomb(false), "bomb.xls", "IV65536"),
        (xls_bomb(true), "backwards.xls", "backwards"),
    ];
    for (bytes, name, says) in cases {
        let e = admin
            .standard_import(bytes.clone(), name, false)
            .await
            .unwrap_err();
        let (code, message) = api_error(e);
        assert_eq!(code, 422, "{name}: {message}");
        assert!(message.contains(says), "{name}: {message}");
        let e = admin.customers_import(bytes, name, true).await.unwrap_err();
        assert_eq!(api_error(e).0, 422, "{name}");
    }
    // Still here, and nothing was imported.
    admin.me().await.unwrap();
    let folders = admin
        .standard_folders(&StandardQuery::default())
        .await
        .unwrap();
    assert!(folders.is_empty());
}

#[tokio::test]
async fn channel_credentials_are_encrypted_at_rest_with_a_key_kept_outside() {
    use chatsmart::server::store::secrets;
    use chatsmart::server::store::SqliteStore;
    let mut t = TestServer::start().await;
    let creds: std::collections::BTreeMap<String, String> = [
        ("channel_secret", "line-secret-VALUE"),
        ("channel_access_token", "line-token-VALUE"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let ch = t
        .admin
        .client
        .create_channel(&NewChannel {
            kind: ChannelKind::Line,
            name: "LINE @lumen".into(),
            credentials: creds.clone(),
        })
        .await
        .unwrap();
    let raw = |db: &std::path::Path| -> String {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row(
                "SELECT credentials FROM channel_accounts WHERE id = ?1",
                [ch.id],
                |r| r.get(0),
            )
            .unwrap()
    };
    let stored = raw(&t.db());
    assert!(stored.starts_with("enc1:"), "{stored}");
    assert!(!stored.contains("VALUE"));
    let key_file = secrets::key_file(&t.db());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The server still uses them.
    let (_, used) = t
        .state()
        .store
        .channel_credentials(ch.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(used, creds);

    // Not while the server runs: it would go on sealing with the old key.
    {
        let beside = SqliteStore::open(&t.db(), chatsmart::server::store::Offline).unwrap();
        let e = beside.rotate_key().await.unwrap_err();
        assert!(e.to_string().contains("stop it first"), "{e}");
    }
    // A database from before encryption is sealed when opened.
    t.stop().await;
    rusqlite::Connection::open(t.db())
        .unwrap()
        .execute(
            "UPDATE channel_accounts SET credentials = ?2 WHERE id = ?1",
            rusqlite::params![ch.id, serde_json::to_string(&creds).unwrap()],
        )
        .unwrap();
    {
        let store = SqliteStore::open(&t.db(), chatsmart::server::store::Offline).unwrap();
        assert!(raw(&t.db()).starts_with("enc1:"));
        // Rotation: sealed under a new key, which replaces the old file.
        let before = std::fs::read_to_string(&key_file).unwrap();
        let id = store.rotate_key().await.unwrap();
        let after = std::fs::read_to_string(&key_file).unwrap();
        assert_ne!(before, after);
        assert!(raw(&t.db()).starts_with(&format!("enc1:{id}:")));
        assert!(!secrets::new_key_file(&t.db()).exists());
    }
    t.restart_stopped().await;
    let (_, used) = t
        .state()
        .store
        .channel_credentials(ch.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(used, creds, "readable with the new key");
    // Listings name the keys, never the values.
    let listed = t.admin.client.channels().await.unwrap();
    let line = listed.iter().find(|c| c.id == ch.id).unwrap();
    assert_eq!(line.credential_keys.len(), 2);
}

#[tokio::test]
async fn each_agent_uploads_within_a_daily_quota() {
    let png = chatsmart::protocol::attachments::samples::bytes_for("png");
    let quota = png.len() as u64 * 2 + png.len() as u64 / 2;
    let t = TestServer::start_with_config(move |c| ServerConfig {
        upload_quota: quota,
        ..c
    })
    .await;
    for _ in 0..2 {
        t.alice
            .client
            .upload_bytes("a.png", png.clone())
            .await
            .unwrap();
    }
    let e = t
        .alice
        .client
        .upload_bytes("a.png", png.clone())
        .await
        .unwrap_err();
    let (code, message) = api_error(e);
    assert_eq!(code, 429, "{message}");
    assert!(message.contains("a day"), "{message}");
    // Another agent has a quota of its own.
    t.bob.client.upload_bytes("b.png", png).await.unwrap();
}

/// Every kind of event, against an admin, an agent in the scope of what
/// it is about and an agent outside it: what each one's stream does with
/// it, decided here independently of the server's table.
#[test]
fn every_event_type_reaches_exactly_who_the_api_would_show_it_to() {
    use chatsmart::server::audience::{Audience, ForAgent};
    use chatsmart::tui::fixtures;
    let agents = fixtures::agents();
    let admin = agents.iter().find(|a| a.is_admin()).unwrap().clone();
    let inside = Agent {
        role: Role::Agent,
        ..agents[1].clone()
    };
    let outside = Agent {
        id: 99,
        name: "Out Side".into(),
        login: "out.side".into(),
        role: Role::Agent,
        teams: vec![Team {
            id: 42,
            name: "Elsewhere".into(),
        }],
        disabled: false,
    };
    let team = inside.teams[0].clone();
    let app = fixtures::app(3);
    let conversation = app
        .mirror
        .convs
        .values()
        .next()
        .unwrap()
        .conversation
        .clone();
    let message = fixtures::history()[0].clone();
    let customer = fixtures::customer();
    let note = fixtures::notes()[0].clone();
    let tag = Tag {
        id: 1,
        name: "vip".into(),
        color: "red".into(),
    };
    let folder: StandardFolder = serde_json::from_value(serde_json::json!({
        "id": 7, "name": "Refunds", "channels": [], "team": team,
        "assignees": [], "messages": []
    }))
    .unwrap();
    let scheduled = Scheduled {
        id: 1,
        conversation_id: conversation.id,
        name: "follow up".into(),
        text: "How was it?".into(),
        send_at: fixtures::now(),
        created_by: AgentRef {
            id: inside.id,
            name: inside.name.clone(),
        },
        created_at: fixtures::now(),
        status: ScheduledStatus::Pending,
        sent_message_id: None,
        updated_by: None,
    };
    let by = Some(admin.id);
    let events = vec![
        EventKind::MessageCreated {
            conversation: conversation.clone(),
            message: message.clone(),
        },
        EventKind::MessageUpdated { message },
        EventKind::ConversationCreated {
            conversation: conversation.clone(),
        },
        EventKind::BotToggled {
            conversation: conversation.clone(),
            active: false,
            by,
        },
        EventKind::StatusChanged {
            conversation: conversation.clone(),
            from: ConvStatus::Open,
            reason: StatusReason::Agent,
            by,
        },
        EventKind::PriorityChanged {
            conversation: conversation.clone(),
            by,
        },
        EventKind::MacroChanged {
            shared: SharedMacro {
                name: "m".into(),
                steps: vec![],
                updated_by: admin.id,
                updated_at: fixtures::now(),
            },
        },
        EventKind::MacroDeleted { name: "m".into() },
        EventKind::AssigneeAdded {
            conversation: conversation.clone(),
            agent_id: inside.id,
            by,
        },
        EventKind::AssigneeRemoved {
            conversation: conversation.clone(),
            agent_id: inside.id,
            by,
        },
        EventKind::ConversationRead {
            conversation_id: conversation.id,
            agent_id: inside.id,
            inbound_count: 3,
        },
        EventKind::CustomerCreated {
            customer: customer.clone(),
        },
        EventKind::CustomerUpdated { customer },
        EventKind::TagCreated { tag: tag.clone() },
        EventKind::NoteCreated { note: note.clone() },
        EventKind::NoteUpdated { note: note.clone() },
        EventKind::NoteDeleted {
            note_id: note.id,
            customer_id: note.customer_id,
        },
        EventKind::AgentCreated {
            agent: outside.clone(),
        },
        EventKind::AgentUpdated {
            agent: outside.clone(),
        },
        EventKind::AgentRemoved {
            agent_id: outside.id,
        },
        EventKind::StandardFolderChanged {
            folder: folder.clone(),
        },
        EventKind::StandardFolderDeleted {
            folder_id: folder.id,
        },
        EventKind::TagUpdated { tag: tag.clone() },
        EventKind::TagDeleted { tag_id: tag.id },
        EventKind::TagsMerged { from: 2, into: tag },
        EventKind::CustomersImported {
            created: 1,
            updated: 2,
        },
        EventKind::BroadcastChanged {
            broadcast: fixtures::broadcast(1, BroadcastStatus::Running, 1, 0),
        },
        EventKind::ScheduledChanged { scheduled },
        EventKind::ResyncRequired { reason: "x".into() },
    ];
    // Every type is here once (a new one fails this until it is added).
    let names: std::collections::BTreeSet<&str> = events
        .iter()
        .map(chatsmart::protocol::EventKind::type_name)
        .collect();
    assert_eq!(names.len(), events.len());
    assert_eq!(names.len(), 29, "a new kind of event: add it here, decided");
    use ForAgent::{Send, Skip};
    for kind in &events {
        // (admin, inside, outside), as the REST API decides.
        let expected: [ForAgent; 3] = match kind {
            EventKind::BroadcastChanged { .. } => [Send, Skip, Skip],
            EventKind::ConversationRead { .. } => [Skip, Send, Skip],
            EventKind::StandardFolderChanged { folder } => [
                Send,
                Send,
                ForAgent::Instead(Box::new(EventKind::StandardFolderDeleted {
                    folder_id: folder.id,
                })),
            ],
            _ => [Send, Send, Send],
        };
        let audience = Audience::of(kind);
        let got = [&admin, &inside, &outside].map(|a| audience.for_agent(a));
        assert_eq!(got, expected, "{}", kind.type_name());
    }
}
