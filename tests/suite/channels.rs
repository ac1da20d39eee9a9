//! Channel accounts over the real API: an admin connects each platform's
//! account with its fixed credential keys, gets its webhook path, and no
//! route or event ever gives a secret back.

use crate::common;

use crate::common::*;
use chatsmart::protocol::*;
use std::collections::BTreeMap;

/// Credentials for a kind, each value a recognisable secret.
fn creds(kind: ChannelKind) -> BTreeMap<String, String> {
    credential_keys(kind)
        .iter()
        .map(|k| (k.to_string(), format!("SECRET-{}-{k}", kind.as_str())))
        .collect()
}

#[tokio::test]
async fn an_admin_connects_each_platform_and_secrets_never_come_back() {
    let t = TestServer::start().await;
    let mut ws = t.ws(&t.admin.token, None).await;
    let mut ids = Vec::new();
    for kind in ChannelKind::ALL {
        let created = t
            .admin
            .client
            .create_channel(&NewChannel {
                kind,
                name: format!("Lumen {}", kind.display_name()),
                credentials: creds(kind),
            })
            .await
            .unwrap();
        assert_eq!(
            created.webhook_path,
            format!("/webhooks/{}/{}", kind.as_str(), created.id)
        );
        ids.push(created.id);
    }
    // The raw answers of the listing and the event stream hold no secret.
    let listing = t
        .http()
        .get(t.api("channels"))
        .bearer_auth(&t.alice.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!listing.contains("SECRET-"), "{listing}");
    let list = t.alice.client.channels().await.unwrap();
    for id in &ids {
        let c = list.iter().find(|c| c.id == *id).unwrap();
        assert!(!c.is_api);
        assert_eq!(
            c.credential_keys,
            {
                let mut k: Vec<String> = credential_keys(c.kind)
                    .iter()
                    .map(std::string::ToString::to_string)
                    .collect();
                k.sort();
                k
            },
            "the keys are named"
        );
    }
    while let Some(ev) = ws.next_within(std::time::Duration::from_millis(200)).await {
        let json = serde_json::to_string(&ev).unwrap();
        assert!(!json.contains("SECRET-"), "{json}");
    }

    // Removed: no longer listed; removing again is 404.
    t.admin.client.remove_channel(ids[0]).await.unwrap();
    let list = t.alice.client.channels().await.unwrap();
    assert!(list.iter().all(|c| c.id != ids[0]));
    assert_eq!(
        api_error(t.admin.client.remove_channel(ids[0]).await.unwrap_err()).0,
        404
    );
    // The API channel's accounts cannot be removed this way.
    t.inbound(ChannelKind::Line, "u1", "Mei", "hi", "e1").await;
    let api = t
        .alice
        .client
        .channels()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.is_api)
        .unwrap();
    assert!(api.webhook_path.is_none());
    assert_eq!(
        api_error(t.admin.client.remove_channel(api.id).await.unwrap_err()).0,
        404
    );
}

#[tokio::test]
async fn wrong_credentials_and_non_admins_are_refused() {
    let t = TestServer::start().await;
    let mut line = creds(ChannelKind::Line);
    line.remove("channel_secret");
    line.insert("page_id".into(), "x".into());
    let (code, msg) = api_error(
        t.admin
            .client
            .create_channel(&NewChannel {
                kind: ChannelKind::Line,
                name: "LINE".into(),
                credentials: line,
            })
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 422);
    assert!(
        msg.contains("missing channel_secret") && msg.contains("unknown page_id"),
        "{msg}"
    );
    let (code, _) = api_error(
        t.admin
            .client
            .create_channel(&NewChannel {
                kind: ChannelKind::Wechat,
                name: "  ".into(),
                credentials: creds(ChannelKind::Wechat),
            })
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 422);
    let (code, _) = api_error(
        t.alice
            .client
            .create_channel(&NewChannel {
                kind: ChannelKind::Wechat,
                name: "WeChat".into(),
                credentials: creds(ChannelKind::Wechat),
            })
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 403);
    let (code, _) = api_error(t.alice.client.remove_channel(1).await.unwrap_err());
    assert_eq!(code, 403);
    assert!(t
        .alice
        .client
        .channels()
        .await
        .unwrap()
        .iter()
        .all(|c| c.is_api));
}

#[tokio::test]
async fn an_admin_renames_an_account_and_rotates_its_secret_keeping_its_webhook() {
    use common::platforms::{deliver, Platform};
    let t = TestServer::start().await;
    let created = t
        .admin
        .client
        .create_channel(&NewChannel {
            kind: ChannelKind::Line,
            name: "LINE".into(),
            credentials: creds(ChannelKind::Line),
        })
        .await
        .unwrap();
    let patch = |name: Option<&str>, pairs: &[(&str, &str)]| ChannelPatch {
        name: name.map(str::to_string),
        credentials: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    let updated = t
        .admin
        .client
        .update_channel(
            created.id,
            &patch(Some("LINE @lumen"), &[("channel_secret", "NEW-SECRET")]),
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "LINE @lumen");
    assert_eq!(
        updated.webhook_path.as_deref(),
        Some(created.webhook_path.as_str())
    );
    assert_eq!(
        updated.credential_keys,
        ["channel_access_token", "channel_secret"]
    );
    // The answer and the listing name keys, never values.
    let raw = t
        .http()
        .get(t.api("channels"))
        .bearer_auth(&t.admin.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !raw.contains("NEW-SECRET") && !raw.contains("SECRET-line"),
        "{raw}"
    );

    // The webhook now takes the new secret's signature only.
    let body = br#"{"destination":"U","events":[]}"#;
    let old = deliver(
        &t.url(),
        &created.webhook_path,
        Platform::Line,
        "SECRET-line-channel_secret",
        body,
    )
    .await;
    assert_eq!(old.0, 403);
    let new = deliver(
        &t.url(),
        &created.webhook_path,
        Platform::Line,
        "NEW-SECRET",
        body,
    )
    .await;
    assert_eq!(new.0, 200);

    // A required key cannot be emptied, an unknown one is refused, and
    // only admins may change anything.
    for (p, want) in [
        (
            patch(None, &[("channel_access_token", "")]),
            "missing channel_access_token",
        ),
        (patch(None, &[("page_id", "x")]), "unknown page_id"),
        (patch(Some("  "), &[]), "1 to 100 characters"),
    ] {
        let (code, msg) = api_error(
            t.admin
                .client
                .update_channel(created.id, &p)
                .await
                .unwrap_err(),
        );
        assert_eq!(code, 422, "{msg}");
        assert!(msg.contains(want), "{msg}");
    }
    let (code, _) = api_error(
        t.alice
            .client
            .update_channel(created.id, &patch(Some("x"), &[]))
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 403);
    let (code, _) = api_error(
        t.admin
            .client
            .update_channel(9999, &patch(Some("x"), &[]))
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 404);

    // WeChat's optional key can be added, then removed with an empty value.
    let wx = t
        .admin
        .client
        .create_channel(&NewChannel {
            kind: ChannelKind::Wechat,
            name: "WeChat".into(),
            credentials: creds(ChannelKind::Wechat),
        })
        .await
        .unwrap();
    let key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    let with = t
        .admin
        .client
        .update_channel(wx.id, &patch(None, &[("encoding_aes_key", key)]))
        .await
        .unwrap();
    assert!(with
        .credential_keys
        .contains(&"encoding_aes_key".to_string()));
    let without = t
        .admin
        .client
        .update_channel(wx.id, &patch(None, &[("encoding_aes_key", "")]))
        .await
        .unwrap();
    assert!(!without
        .credential_keys
        .contains(&"encoding_aes_key".to_string()));
}
