//! Who may ask: health open, everything else behind a token; signing in; bad input answered with the documented errors and changing nothing.

use super::*;

#[tokio::test]
async fn health_is_open_and_everything_else_needs_a_token() {
    let t = TestServer::start().await;
    let resp = reqwest::get(t.api("health")).await.unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["protocol"], PROTOCOL_VERSION);

    for path in [
        "me",
        "agents",
        "conversations",
        "conversations/1/messages",
        "customers/1",
        "tags",
    ] {
        let resp = reqwest::get(t.api(path)).await.unwrap();
        assert_eq!(resp.status(), 401, "{path} without a token");
        let body: ErrorBody = resp.json().await.unwrap();
        assert_eq!(body.error.code, "unauthorized");
    }
    let resp = t
        .http()
        .get(t.api("me"))
        .bearer_auth("cs_not-a-real-token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    // The WebSocket refuses too.
    let url = format!("{}/api/v1/events", t.url().replace("http", "ws"));
    let err = tokio_tungstenite::connect_async(url).await.unwrap_err();
    match err {
        tokio_tungstenite::tungstenite::Error::Http(resp) => assert_eq!(resp.status(), 401),
        other => panic!("expected a 401, got {other}"),
    }
    // Inbound needs an admin.
    let e = t
        .alice
        .client
        .inbound(&Inbound {
            channel: ChannelKind::Line,
            channel_user_id: "U1".into(),
            customer_name: "x".into(),
            text: "x".into(),
            external_id: "x".into(),
            attachment_id: None,
        })
        .await
        .unwrap_err();
    assert_eq!(status(e), 403);
}

#[tokio::test]
async fn login_with_password_gives_a_working_token() {
    let t = TestServer::start().await;
    let anon = chatsmart::client::Client::new(&t.url(), None).unwrap();
    let ok = anon.login("alice.wong", PASSWORD).await.unwrap();
    assert_eq!(ok.agent.name, "Alice Wong");
    let me = anon.with_token(ok.token).me().await.unwrap();
    assert_eq!(me.agent.id, t.alice.agent.id);
    assert_eq!(
        status(anon.login("alice.wong", "wrong").await.unwrap_err()),
        401
    );
    assert_eq!(
        status(anon.login("nobody", PASSWORD).await.unwrap_err()),
        401
    );
}

#[tokio::test]
async fn bad_input_gets_the_documented_errors_and_changes_nothing() {
    let t = TestServer::start().await;
    let acc = t.inbound(ChannelKind::Line, "U1", "Mia", "hi", "b-1").await;
    let http = t.http();
    let url = t.api(&format!("conversations/{}/messages", acc.conversation_id));
    let post = |body: String| {
        http.post(&url)
            .bearer_auth(&t.alice.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let check = |resp: reqwest::Response, want: u16| async move {
        assert_eq!(resp.status().as_u16(), want);
        let body: ErrorBody = resp.json().await.expect("a JSON error body");
        assert!(!body.error.code.is_empty() && !body.error.message.is_empty());
        body.error.code
    };

    assert_eq!(
        check(post("{not json".into()).await.unwrap(), 400).await,
        "bad_request"
    );
    assert_eq!(
        check(post(r#"{"text": 5}"#.into()).await.unwrap(), 422).await,
        "invalid"
    );
    assert_eq!(
        check(
            post(r#"{"text": "   ", "client_id": "z"}"#.into())
                .await
                .unwrap(),
            422
        )
        .await,
        "invalid"
    );
    let huge = format!(
        r#"{{"text": "{}", "client_id": "big"}}"#,
        "a".repeat(2 * 1024 * 1024)
    );
    assert_eq!(
        check(post(huge).await.unwrap(), 413).await,
        "payload_too_large"
    );
    let resp = http
        .post(&url)
        .bearer_auth(&t.alice.token)
        .body("text=hello")
        .send()
        .await
        .unwrap();
    check(resp, 415).await;

    // Unknown ids.
    for path in [
        "conversations/999",
        "conversations/999/messages",
        "customers/999",
        "customers/999/notes",
    ] {
        let resp = http
            .get(t.api(path))
            .bearer_auth(&t.alice.token)
            .send()
            .await
            .unwrap();
        assert_eq!(check(resp, 404).await, "not_found", "{path}");
    }
    let resp = http
        .put(t.api("conversations/999/bot"))
        .bearer_auth(&t.alice.token)
        .json(&SetBot { active: false })
        .send()
        .await
        .unwrap();
    check(resp, 404).await;
    // A path id that is not a number, a filter value that does not exist.
    let resp = http
        .get(t.api("conversations/abc"))
        .bearer_auth(&t.alice.token)
        .send()
        .await
        .unwrap();
    check(resp, 400).await;
    let resp = http
        .get(t.api("conversations?channel=telegram"))
        .bearer_auth(&t.alice.token)
        .send()
        .await
        .unwrap();
    check(resp, 400).await;
    let resp = http
        .get(t.api("conversations?cursor=garbage"))
        .bearer_auth(&t.alice.token)
        .send()
        .await
        .unwrap();
    check(resp, 422).await;
    let resp = http
        .get(t.api("nope"))
        .bearer_auth(&t.alice.token)
        .send()
        .await
        .unwrap();
    check(resp, 404).await;

    // Nothing of the bad requests was stored.
    let page = t
        .alice
        .client
        .messages(acc.conversation_id, &MessagesQuery::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    // And the server still answers.
    assert_eq!(t.alice.client.health().await.unwrap().status, "ok");
}
