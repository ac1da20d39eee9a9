//! Three `chatsmart serve` processes on one PostgreSQL database, as a team
//! runs them behind a load balancer: a burst posted to two reaches the
//! third's sockets whole, once and in order; a client resumes on another
//! replica; replies and a scheduled message reach the platform (the LINE
//! double) exactly once; a file uploaded through one downloads through
//! another; and `kill -9` of a replica under load loses no message it
//! acknowledged.

use crate::common::platforms::{deliver, Double, Platform};
use crate::common::postgres::TestPostgres;
use crate::common::*;
use chatsmart::client::Client;
use chatsmart::protocol::*;
use chatsmart::server::store::secrets::{Key, Keys};
use chatsmart::server::store::{self, Database, NewAgent, Offline, OpenOptions};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One `chatsmart serve` process; killed when dropped.
struct Replica {
    child: Child,
    url: String,
    /// What it wrote to stderr, for a failure's message.
    log: Arc<Mutex<Vec<String>>>,
    _files: tempfile::TempDir,
}

impl Replica {
    fn start(db: &str, key: &Key, line_api: &str, config_home: &std::path::Path) -> Replica {
        let files = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_chatsmart"))
            .args(["serve", "--listen", "127.0.0.1:0", "--db", db, "--files"])
            .arg(files.path())
            .env("CHATSMART_SECRET_KEY", key.to_hex())
            .env("CHATSMART_LINE_API_BASE", line_api)
            .env("XDG_CONFIG_HOME", config_home)
            .env("CHATSMART_LOG", "warn")
            .env_remove("CHATSMART_DB")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.strip_prefix("chatsmart server on ") {
                    let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
                }
                kept.lock().unwrap().push(line);
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("serve did not start: {:?}", log.lock().unwrap()));
        Replica {
            child,
            url,
            log,
            _files: files,
        }
    }

    fn kill_9(&mut self) {
        let ok = Command::new("kill")
            .args(["-9", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("replica {}: {:?}", self.url, self.log.lock().unwrap());
        }
    }
}

/// Message texts LINE delivered (replies and pushes through any replica's
/// double; a push repeating an accepted retry key is not delivered again),
/// counted.
fn sent_to_line(line: &[Double]) -> HashMap<String, usize> {
    let mut n = HashMap::new();
    let mut keys = HashSet::new();
    for call in line.iter().flat_map(Double::seen) {
        let repeat = call
            .headers
            .get("x-line-retry-key")
            .is_some_and(|k| !keys.insert(k.to_str().unwrap().to_string()));
        if repeat
            || (!call.path.ends_with("/message/reply") && !call.path.ends_with("/message/push"))
        {
            continue;
        }
        for m in call.json["messages"].as_array().into_iter().flatten() {
            if let Some(text) = m["text"].as_str() {
                *n.entry(text.to_string()).or_default() += 1;
            }
        }
    }
    n
}

async fn wait_for<T>(what: &str, secs: u64, mut f: impl FnMut() -> Option<T>) -> T {
    let give_up = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < give_up, "waited {secs} s for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every message-created event for `conv` on `ws` until `n` of `texts`
/// are seen, with the sequence of every event that came.
async fn collect(ws: &mut Ws, conv: ConversationId, want: &HashSet<String>) -> Vec<(Seq, String)> {
    let mut seen = Vec::new();
    let mut got = 0;
    while got < want.len() {
        let ev = ws
            .next_within(Duration::from_secs(20))
            .await
            .unwrap_or_else(|| panic!("the stream stopped after {got} of {}", want.len()));
        let text = match &ev.kind {
            EventKind::MessageCreated { message, .. } if message.conversation_id == conv => {
                if want.contains(&message.text) {
                    got += 1;
                }
                message.text.clone()
            }
            _ => String::new(),
        };
        seen.push((ev.seq, text));
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_serve_one_team() {
    // Its own database, whichever backend the suite runs the rest on: run
    // once, in the SQLite pass.
    if sqlite_only("three_replicas_serve_one_team (makes its own PostgreSQL database)") {
        return;
    }
    let Some(pg) = TestPostgres::create("replicas") else {
        return;
    };
    // LINE, as each replica reaches it (one double each, so that what a
    // replica sent is known).
    let mut line = Vec::new();
    for _ in 0..3 {
        line.push(Double::start(Platform::Line).await);
    }
    let key = Key::generate();
    let config_home = tempfile::tempdir().unwrap();
    // Started together: the first migrates, the others wait for it.
    let mut replicas: Vec<Replica> = std::thread::scope(|s| {
        let started: Vec<_> = line
            .iter()
            .map(|l| {
                let api = l.bases(Default::default()).line;
                let (pg, key, home) = (&pg, &key, config_home.path());
                s.spawn(move || Replica::start(&pg.url, key, &api, home))
            })
            .collect();
        started.into_iter().map(|h| h.join().unwrap()).collect()
    });

    // A team admin, made in the database the replicas share.
    let db = Database::Postgres(pg.url.clone());
    let shared = store::open(
        &db,
        Offline,
        OpenOptions {
            keys: Some(Keys {
                current: key.clone(),
                older: Vec::new(),
            }),
            ..Default::default()
        },
    )
    .unwrap();
    let admin = shared
        .create_agent(NewAgent {
            name: "Ada Admin".into(),
            login: "ada".into(),
            role: Role::Admin,
            teams: vec!["Support".into()],
            password_hash: None,
        })
        .await
        .unwrap();
    let token = chatsmart::server::auth::new_token();
    shared
        .add_token(
            admin.id,
            chatsmart::server::auth::token_hash(&token),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let urls: Vec<String> = replicas.iter().map(|r| r.url.clone()).collect();
    let on = |i: usize| Client::new(&urls[i], Some(token.clone())).unwrap();
    let (a, b, c) = (on(0), on(1), on(2));

    // A LINE account, set up through one replica; a customer writes to
    // another.
    let ch = a
        .create_channel(&NewChannel {
            kind: ChannelKind::Line,
            name: "LINE".into(),
            credentials: BTreeMap::from([
                ("channel_secret".to_string(), "line-secret".to_string()),
                ("channel_access_token".to_string(), "LINE-TOKEN".to_string()),
            ]),
        })
        .await
        .unwrap();
    let event = serde_json::json!({"destination": "Ubot", "events": [{
        "type": "message", "timestamp": chrono::Utc::now().timestamp_millis(), "mode": "active",
        "source": {"type": "user", "userId": "U4af4980629"},
        "webhookEventId": "01HREPLICAS", "deliveryContext": {"isRedelivery": false},
        "replyToken": "b60d432864f44d079f6d8efe86cf404b",
        "message": {"id": "m1", "type": "text", "text": "is anyone there?"}
    }]});
    let (code, said) = deliver(
        &replicas[1].url,
        &ch.webhook_path,
        Platform::Line,
        "line-secret",
        event.to_string().as_bytes(),
    )
    .await;
    assert_eq!(code, 200, "{said}");
    // Watching through the third replica, from the start of the log.
    let mut watching = Ws::connect(&replicas[2].url, &token, Some(0)).await;
    let conv = match watching
        .until(|e| matches!(&e.kind, EventKind::MessageCreated { message, .. } if message.text == "is anyone there?"))
        .await
        .kind
    {
        EventKind::MessageCreated { conversation, .. } => conversation.id,
        _ => unreachable!(),
    };

    // A burst posted to two replicas at once reaches sockets on the third
    // whole, once and in order.
    let texts = |who: &str| {
        (0..25)
            .map(move |i| format!("{who} {i:02}"))
            .collect::<Vec<_>>()
    };
    let post = |client: Client, texts: Vec<String>| {
        tokio::spawn(async move {
            let mut acked = Vec::new();
            for t in texts {
                acked.push(client.send_message(conv, &t, &t).await.unwrap().id);
            }
            acked
        })
    };
    let (via_a, via_b) = (post(a.clone(), texts("a")), post(b.clone(), texts("b")));
    let (via_a, via_b) = (via_a.await.unwrap(), via_b.await.unwrap());
    let want: HashSet<String> = texts("a").into_iter().chain(texts("b")).collect();
    let seen = collect(&mut watching, conv, &want).await;
    let seqs: Vec<Seq> = seen.iter().map(|(s, _)| *s).collect();
    assert!(
        seqs.windows(2).all(|w| w[1] > w[0]),
        "strictly increasing: {seqs:?}"
    );
    let ours: Vec<&String> = seen
        .iter()
        .map(|(_, t)| t)
        .filter(|t| want.contains(*t))
        .collect();
    assert_eq!(ours.len(), 50, "each once");
    for who in ["a", "b"] {
        let theirs: Vec<&String> = ours
            .iter()
            .copied()
            .filter(|t| t.starts_with(who))
            .collect();
        assert_eq!(
            theirs,
            texts(who).iter().collect::<Vec<_>>(),
            "in the order {who} posted them"
        );
    }
    assert_eq!(via_a.len() + via_b.len(), 50);

    // A client that reconnects to another replica from the middle
    // continues with no gap and nothing twice.
    let middle = seqs[seqs.len() / 2];
    let mut resumed = Ws::connect(&replicas[0].url, &token, Some(middle)).await;
    let mut again = Vec::new();
    while again.last() != seqs.last() {
        let ev = resumed
            .next_within(Duration::from_secs(20))
            .await
            .expect("the rest of the log");
        again.push(ev.seq);
    }
    let rest: Vec<Seq> = seqs.iter().copied().filter(|s| *s > middle).collect();
    assert_eq!(again, rest, "the same events, after the same one");

    // Every reply reaches the platform once, whichever replica sends it.
    let sent = wait_for("every reply at LINE", 30, || {
        let n = sent_to_line(&line);
        want.iter().all(|t| n.contains_key(t)).then_some(n)
    })
    .await;
    // A moment for a second replica to send one again, were it to.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let sent_later = sent_to_line(&line);
    for t in &want {
        assert_eq!(sent_later[t], 1, "{t} went once ({:?})", sent[t]);
    }

    // A scheduled message goes out once, though three schedulers look.
    a.schedule(
        conv,
        &NewScheduled {
            name: "follow-up".into(),
            text: "Following up on your order".into(),
            send_at: chrono::Utc::now() + chrono::Duration::seconds(2),
        },
    )
    .await
    .unwrap();
    wait_for("the scheduled message at LINE", 30, || {
        sent_to_line(&line)
            .contains_key("Following up on your order")
            .then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sent_to_line(&line)["Following up on your order"], 1);

    // A file uploaded through one replica downloads through another.
    let bytes: Vec<u8> = crate::common::platforms::photo()
        .into_iter()
        .chain((0..1_300_000u32).map(|i| (i % 241) as u8))
        .collect();
    let up = b.upload_bytes("order.png", bytes.clone()).await.unwrap();
    assert_eq!(c.download(up.id).await.unwrap(), bytes);

    // kill -9 of a replica under load: every message it acknowledged is
    // there, through the others.
    let acked = Arc::new(Mutex::new(Vec::new()));
    let load: Vec<_> = (0..3)
        .map(|w| {
            let client = on(1);
            let acked = acked.clone();
            tokio::spawn(async move {
                for i in 0..10_000 {
                    let text = format!("load {w} {i}");
                    match client.send_message(conv, &text, &text).await {
                        Ok(m) => acked.lock().unwrap().push(m.id),
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    {
        let acked = acked.clone();
        wait_for("load on the second replica", 30, || {
            (acked.lock().unwrap().len() >= 60).then_some(())
        })
        .await;
    }
    // Caught mid-send: LINE has the second replica's push, but the
    // replica never hears back.
    let pushes = |l: &Double| l.calls("/v2/bot/message/push").len();
    let before = pushes(&line[1]);
    line[1].delay_answers(Duration::from_secs(3600));
    wait_for("the second replica sending", 30, || {
        (pushes(&line[1]) > before).then_some(())
    })
    .await;
    replicas[1].kill_9();
    for task in load {
        task.await.unwrap();
    }
    let acked: HashSet<MessageId> = acked.lock().unwrap().iter().copied().collect();
    let mut stored = HashSet::new();
    let mut before = None;
    loop {
        let page = c
            .messages(
                conv,
                &MessagesQuery {
                    before,
                    limit: Some(500),
                },
            )
            .await
            .unwrap();
        stored.extend(page.items.iter().map(|m| m.id));
        before = page.items.first().map(|m| m.id);
        if !page.has_more {
            break;
        }
    }
    let lost: Vec<_> = acked.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged, then lost: {lost:?}");
    assert!(acked.len() >= 60);

    // What the dead replica had claimed to send is taken again when its
    // claims run out (30 s), and reaches LINE once.
    let load_texts: HashSet<String> = {
        let mut texts = HashSet::new();
        let mut before = None;
        loop {
            let page = c
                .messages(
                    conv,
                    &MessagesQuery {
                        before,
                        limit: Some(500),
                    },
                )
                .await
                .unwrap();
            texts.extend(
                page.items
                    .iter()
                    .filter(|m| acked.contains(&m.id))
                    .map(|m| m.text.clone()),
            );
            before = page.items.first().map(|m| m.id);
            if !page.has_more {
                break;
            }
        }
        texts
    };
    wait_for("every acknowledged message at LINE", 90, || {
        let n = sent_to_line(&line);
        load_texts.iter().all(|t| n.contains_key(t)).then_some(())
    })
    .await;
    let n = sent_to_line(&line);
    for t in &load_texts {
        assert_eq!(n[t], 1, "{t} reached LINE once");
    }

    // A long reply takes two calls to LINE (8 texts, 5 a call); its
    // sender dies between them. The replica that takes it over makes only
    // the second: the first was recorded before the second was made.
    for i in [0, 2] {
        line[i].hold_first_containing(Some("END"));
    }
    let long = format!("{}END", "🙂".repeat(19_997));
    let long_id = c.send_message(conv, &long, "long").await.unwrap().id;
    let holder = wait_for("the long reply's second call", 60, || {
        [0, 2].into_iter().find(|&i| {
            line[i]
                .seen()
                .iter()
                .any(|call| String::from_utf8_lossy(&call.body).contains("END"))
        })
    })
    .await;
    let survivor = 2 - holder;
    line[survivor].hold_first_containing(None);
    let there = on(survivor);
    replicas[holder].kill_9();
    let give_up = Instant::now() + Duration::from_secs(90);
    loop {
        let page = there
            .messages(conv, &MessagesQuery::default())
            .await
            .unwrap();
        let status = page
            .items
            .iter()
            .find(|m| m.id == long_id)
            .map(|m| m.status);
        if status == Some(DeliveryStatus::Sent) {
            break;
        }
        assert!(
            Instant::now() < give_up,
            "the long reply is still {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let calls: Vec<_> = line
        .iter()
        .flat_map(Double::seen)
        .filter(|call| String::from_utf8_lossy(&call.body).contains('🙂'))
        .collect();
    let (second, first): (Vec<_>, Vec<_>) = calls
        .iter()
        .partition(|call| String::from_utf8_lossy(&call.body).contains("END"));
    assert_eq!(first.len(), 1, "the first call made once");
    assert_eq!(first[0].json["messages"].as_array().unwrap().len(), 5);
    assert_eq!(second.len(), 2, "the second made again by the survivor");
    let key = |call: &crate::common::platforms::Seen| call.headers.get("x-line-retry-key").cloned();
    assert!(key(second[0]).is_some());
    assert_eq!(key(second[0]), key(second[1]), "with the same retry key");
}
