//! Signing in and out: refusals alike, budgets per login and address, floods, logout, disabled, removed and revoked agents, idle tokens.

use super::*;

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
