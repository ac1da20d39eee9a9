//! Fuzzing the parsers that read what strangers send: the four platforms'
//! webhooks (signed the platform's way, through a real server over HTTP),
//! WeChat's decryption, the spreadsheet readers (.xlsx, .xls, .csv), the
//! `:` command parser, the time parser and `sanitize`.
//!
//! The toolchain here is stable Rust, where cargo-fuzz's sanitizers are not
//! available, so this is a mutation fuzzer of our own: each target starts
//! from its seeds (built here, plus every file in `tests/fuzz/<target>/`,
//! which is where regression inputs are kept), and mutates them (bit flips,
//! byte changes, inserts, deletes, repeats, splices, tokens of the format).
//! A panic anywhere in our code (seen by a panic hook, also inside the
//! server's tasks), a panic that escapes a dependency, a 5xx answer, or a
//! broken invariant is a crash: the input is written to
//! `tests/fuzz/<target>/crash-<hash>` and the test fails. Keep the file
//! once the bug is fixed: it is replayed on every run.
//!
//! In the normal suite each target runs briefly (FUZZ_ITERS, 150 by
//! default). For a real run: `FUZZ_SECONDS=300 cargo test --release --test
//! fuzz -- --nocapture` gives each target five minutes; `FUZZ_ONLY=xlsx`
//! picks one; `FUZZ_SEED` repeats a run.

use crate::common::platforms::{deliver, Platform};
use crate::common::*;
use chatsmart::protocol::*;
use rand::{Rng, SeedableRng};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // A panic inside a dependency that our code contains (the
            // spreadsheet readers run under catch_unwind) is a file that
            // cannot be read; one that escapes is caught below as a crash.
            let in_dependency = info
                .location()
                .is_some_and(|l| l.file().contains(".cargo/registry"));
            if !in_dependency {
                PANICS.fetch_add(1, Ordering::SeqCst);
                default(info);
            }
        }));
    });
}

/// How long each target runs.
enum Budget {
    Iterations(usize),
    Time(Duration),
}

fn budget() -> Budget {
    if let Some(s) = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return Budget::Time(Duration::from_secs(s));
    }
    let n = std::env::var("FUZZ_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150);
    Budget::Iterations(n)
}

fn wanted(target: &str) -> bool {
    std::env::var("FUZZ_ONLY").map_or(true, |o| o.split(',').any(|t| t == target))
}

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz")
        .join(target)
}

/// The seeds: those given, and every file kept for the target.
fn seeds(target: &str, mut given: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    if let Ok(dir) = std::fs::read_dir(corpus_dir(target)) {
        let mut kept: Vec<PathBuf> = dir.flatten().map(|e| e.path()).collect();
        kept.sort();
        for p in kept {
            if let Ok(b) = std::fs::read(&p) {
                given.push(b);
            }
        }
    }
    given
}

fn mutate(rng: &mut impl Rng, pool: &[Vec<u8>], tokens: &[&[u8]], max: usize) -> Vec<u8> {
    let mut v = pool[rng.gen_range(0..pool.len())].clone();
    for _ in 0..rng.gen_range(1..=4) {
        let len = v.len();
        match rng.gen_range(0..8) {
            0 if len > 0 => {
                let i = rng.gen_range(0..len);
                v[i] ^= 1 << rng.gen_range(0..8);
            }
            1 if len > 0 => {
                let i = rng.gen_range(0..len);
                v[i] = [0u8, 0xff, b'"', b'<', b'9', b'-', 0x7f, 0x80][rng.gen_range(0..8)];
            }
            2 => {
                let i = rng.gen_range(0..=len);
                let n = rng.gen_range(1..16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
                v.splice(i..i, bytes);
            }
            3 if len > 0 => {
                let a = rng.gen_range(0..len);
                let b = (a + rng.gen_range(1..64)).min(len);
                v.drain(a..b);
            }
            4 => {
                let i = rng.gen_range(0..=len);
                let t = tokens[rng.gen_range(0..tokens.len())];
                v.splice(i..i, t.iter().copied());
            }
            5 if len > 0 => {
                let a = rng.gen_range(0..len);
                let b = (a + rng.gen_range(1..32)).min(len);
                let piece = v[a..b].to_vec();
                for _ in 0..rng.gen_range(1..8) {
                    v.splice(b..b, piece.iter().copied());
                }
            }
            6 => {
                let other = &pool[rng.gen_range(0..pool.len())];
                if !other.is_empty() && len > 0 {
                    let a = rng.gen_range(0..len);
                    let b = rng.gen_range(0..other.len());
                    v.truncate(a);
                    v.extend_from_slice(&other[b..]);
                }
            }
            _ => {
                // A number where one may be: a huge one.
                let i = rng.gen_range(0..=len);
                let n = [
                    "99999999999999999999",
                    "-1",
                    "0",
                    "1e308",
                    "18446744073709551616",
                ][rng.gen_range(0..5)];
                v.splice(i..i, n.bytes());
            }
        }
    }
    v.truncate(max);
    v
}

fn save_crash(target: &str, input: &[u8]) -> PathBuf {
    use sha2::Digest;
    let dir = corpus_dir(target);
    let _ = std::fs::create_dir_all(&dir);
    let name = format!("crash-{}", hex::encode(&sha2::Sha256::digest(input)[..6]));
    let path = dir.join(name);
    let _ = std::fs::write(&path, input);
    path
}

/// Runs `check` on every seed, then on mutations, until the budget is
/// spent. `check` says what is wrong with an input, if anything; a panic
/// counts too.
async fn fuzz<F, Fut>(target: &str, seeds: Vec<Vec<u8>>, tokens: &[&[u8]], max: usize, check: F)
where
    F: Fn(Vec<u8>) -> Fut,
    Fut: std::future::Future<Output = Option<String>>,
{
    if !wanted(target) {
        return;
    }
    count_panics();
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let pool = seeds_with_fallback(seeds);
    let started = Instant::now();
    let mut runs = 0usize;
    let mut inputs = pool.clone().into_iter();
    loop {
        let input = match inputs.next() {
            Some(i) => i,
            None => {
                let done = match budget() {
                    Budget::Iterations(n) => runs >= pool.len() + n,
                    Budget::Time(d) => started.elapsed() >= d,
                };
                if done {
                    break;
                }
                mutate(&mut rng, &pool, tokens, max)
            }
        };
        runs += 1;
        let before = PANICS.load(Ordering::SeqCst);
        let outcome = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(check(
            input.clone(),
        )))
        .await
        .unwrap_or_else(|_| Some("a panic that escaped".into()));
        let panicked = PANICS.load(Ordering::SeqCst) > before;
        if panicked || outcome.is_some() {
            let path = save_crash(target, &input);
            panic!(
                "{target}: {} on an input kept in {} (FUZZ_SEED={seed})",
                outcome.unwrap_or_else(|| "a panic".into()),
                path.display()
            );
        }
    }
    eprintln!(
        "fuzz {target}: {runs} inputs in {:.1} s (FUZZ_SEED={seed})",
        started.elapsed().as_secs_f64()
    );
}

fn seeds_with_fallback(mut s: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    if s.is_empty() {
        s.push(Vec::new());
    }
    s
}

const JSON: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"null",
    b"true",
    b"\"\\u0000\"",
    b"\"\\ud800\"",
    b"\"\xe4\xbd\xa0\"",
    b"{\"mid\":\"\"}",
    b"[[[[[[[[",
    b"\"\x1b[2J\"",
];

/// What is wrong with a webhook's answer to a fuzzed body: a 5xx.
fn server_error(code: u16, body: &str) -> Option<String> {
    (code >= 500 || code == 0).then(|| format!("the server answered {code}: {body}"))
}

/// One test, the targets one after another: the panic hook's count is
/// for the whole process, so nothing else may run beside a target.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_target() {
    webhooks().await;
    wechat_decryption().await;
    spreadsheets().await;
    typed_commands_times_and_sanitize().await;
}

async fn webhooks() {
    let t = TestServer::start().await;
    let now = chrono::Utc::now().timestamp_millis();
    let fb = channel(
        &t,
        ChannelKind::Messenger,
        &[
            ("app_secret", "fb"),
            ("verify_token", "v"),
            ("page_access_token", "p"),
            ("page_id", "PAGE"),
        ],
    )
    .await;
    let messenger = serde_json::json!({"object": "page", "entry": [{"id": "PAGE", "time": now, "messaging": [
        {"sender": {"id": "PSID"}, "recipient": {"id": "PAGE"}, "timestamp": now, "message": {"mid": "m1", "text": "hello 你好 😀"}},
        {"sender": {"id": "PSID"}, "timestamp": now, "message": {"mid": "m2", "attachments": [{"type": "image", "payload": {"url": "https://scontent.xx.fbcdn.net/a.jpg"}}, {"type": "image", "payload": {"sticker_id": 1}}]}},
        {"sender": {"id": "PSID"}, "timestamp": now, "delivery": {"mids": ["x"], "watermark": now}},
        {"sender": {"id": "PSID"}, "timestamp": now, "read": {"watermark": now}}
    ]}]});
    let url = t.url();
    fuzz(
        "messenger",
        seeds("messenger", vec![messenger.to_string().into_bytes()]),
        JSON,
        16 * 1024,
        |body| {
            let (url, path) = (url.clone(), fb.webhook_path.clone());
            async move {
                let (code, text) = deliver(&url, &path, Platform::Meta, "fb", &body).await;
                server_error(code, &text)
            }
        },
    )
    .await;

    let wa = channel(
        &t,
        ChannelKind::Whatsapp,
        &[
            ("app_secret", "wa"),
            ("verify_token", "v"),
            ("access_token", "a"),
            ("phone_number_id", "PHONE"),
        ],
    )
    .await;
    let whatsapp = serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [{"field": "messages", "value": {
        "metadata": {"phone_number_id": "PHONE"},
        "contacts": [{"wa_id": "8529", "profile": {"name": "Mei"}}],
        "messages": [
            {"from": "8529", "id": "wamid.1", "timestamp": (now / 1000).to_string(), "type": "text", "text": {"body": "hi"}},
            {"from": "8529", "id": "wamid.2", "timestamp": "1", "type": "image", "image": {"id": "MEDIA", "mime_type": "image/jpeg", "caption": "c"}}
        ],
        "statuses": [{"id": "wamid.x", "status": "failed", "errors": [{"code": 131047, "title": "t"}]}]
    }}]}]});
    fuzz(
        "whatsapp",
        seeds("whatsapp", vec![whatsapp.to_string().into_bytes()]),
        JSON,
        16 * 1024,
        |body| {
            let (url, path) = (url.clone(), wa.webhook_path.clone());
            async move {
                let (code, text) = deliver(&url, &path, Platform::Meta, "wa", &body).await;
                server_error(code, &text)
            }
        },
    )
    .await;

    let line = channel(
        &t,
        ChannelKind::Line,
        &[("channel_secret", "ln"), ("channel_access_token", "t")],
    )
    .await;
    let line_body = serde_json::json!({"destination": "U0", "events": [
        {"type": "message", "mode": "active", "timestamp": now, "source": {"type": "user", "userId": "U1"},
         "webhookEventId": "ev1", "replyToken": "rt", "message": {"id": "1", "type": "text", "text": "hi"}},
        {"type": "message", "timestamp": now, "source": {"type": "user", "userId": "U1"},
         "message": {"id": "2", "type": "file", "fileName": "a.pdf", "contentProvider": {"type": "external", "originalContentUrl": "https://x"}}},
        {"type": "follow", "timestamp": now, "source": {"type": "user", "userId": "U1"}}
    ]});
    fuzz(
        "line",
        seeds("line", vec![line_body.to_string().into_bytes()]),
        JSON,
        16 * 1024,
        |body| {
            let (url, path) = (url.clone(), line.webhook_path.clone());
            async move {
                let (code, text) = deliver(&url, &path, Platform::Line, "ln", &body).await;
                server_error(code, &text)
            }
        },
    )
    .await;

    let wc = channel(
        &t,
        ChannelKind::Wechat,
        &[("app_id", "wx1"), ("app_secret", "s"), ("token", "wt")],
    )
    .await;
    let xml = format!(
        "<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[oWx]]></FromUserName><CreateTime>{}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好 &lt;]]></Content><MsgId>1</MsgId></xml>",
        now / 1000
    );
    let voice = "<xml><FromUserName>oWx</FromUserName><CreateTime>1</CreateTime><MsgType>voice</MsgType><MediaId>M</MediaId><MsgId>2</MsgId></xml>";
    let xml_tokens: &[&[u8]] = &[
        b"<",
        b">",
        b"</",
        b"<![CDATA[",
        b"]]>",
        b"&lt;",
        b"&#20320;",
        b"&#x10FFFF;",
        b"&unknown;",
        b"<xml>",
        b"<Encrypt>",
        b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
    ];
    fuzz(
        "wechat",
        seeds("wechat", vec![xml.into_bytes(), voice.as_bytes().to_vec()]),
        xml_tokens,
        16 * 1024,
        |body| {
            let (url, path) = (url.clone(), wc.webhook_path.clone());
            async move {
                // Each push freshly signed (timestamp and nonce), as WeChat does.
                let (code, text) = deliver(&url, &path, Platform::Wechat, "wt", &body).await;
                server_error(code, &text)
            }
        },
    )
    .await;
    // The server is still up and answers.
    t.admin.client.me().await.unwrap();
}

async fn wechat_decryption() {
    use base64::Engine;
    let key = chatsmart::server::channels::wechat::crypto::key(
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    )
    .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let seeds = vec![
        b64.encode([0u8; 32]).into_bytes(),
        b64.encode([7u8; 64]).into_bytes(),
        b"not base64!".to_vec(),
    ];
    fuzz(
        "wechat_decrypt",
        seeds,
        &[b"=", b"+", b"/", b"AAAA"],
        4096,
        |input| async move {
            let text = String::from_utf8_lossy(&input);
            let _ = chatsmart::server::channels::wechat::crypto::decrypt(&key, &text);
            let _ = chatsmart::server::channels::wechat::crypto::key(&text);
            None
        },
    )
    .await;
}

fn spreadsheet_check(bytes: Vec<u8>, name: &'static str) -> Option<String> {
    let teams = vec![Team {
        id: 1,
        name: "Support".into(),
    }];
    let _ = chatsmart::sheets::standard::plan(&bytes, name, &teams, &[], true);
    let _ = chatsmart::sheets::customers::parse(&bytes, name, true);
    None
}

async fn spreadsheets() {
    let template = chatsmart::sheets::standard::template().unwrap();
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let read = |n: &str| std::fs::read(fixtures.join(n)).unwrap();
    let zip_tokens: &[&[u8]] = &[
        b"PK\x03\x04",
        b"PK\x01\x02",
        b"PK\x05\x06",
        b"<c r=\"XFD1048576\">",
        b"<dimension ref=\"A1:XFD1048576\"/>",
    ];
    fuzz(
        "xlsx",
        seeds(
            "xlsx",
            vec![
                template,
                read("standard_ok.xlsx"),
                read("customers_ok.xlsx"),
            ],
        ),
        zip_tokens,
        256 * 1024,
        |b| async move { spreadsheet_check(b, "f.xlsx") },
    )
    .await;
    let biff_tokens: &[&[u8]] = &[
        b"\x09\x08\x10\x00",
        b"\x00\x02\x0e\x00",
        b"\xff\xff\xff\xff",
        b"\xbd\x00",
        b"\xfd\x00\x0a\x00",
    ];
    fuzz(
        "xls",
        seeds(
            "xls",
            vec![read("standard_ok.xls"), read("customers_ok.xls")],
        ),
        biff_tokens,
        256 * 1024,
        |b| async move { spreadsheet_check(b, "f.xls") },
    )
    .await;
    let csv = "channel,channel_user_id,name,email,tags\nline,U1,\"Mei, Chan\",mei@example.com,vip;refund\nwhatsapp,8529,=cmd|' /C calc'!A0,,\n";
    fuzz(
        "csv",
        seeds("csv", vec![csv.as_bytes().to_vec()]),
        &[b"\"", b",", b"\n", b"\r\n", b"=", b"\xef\xbb\xbf"],
        64 * 1024,
        |b| async move { spreadsheet_check(b, "f.csv") },
    )
    .await;
}

async fn typed_commands_times_and_sanitize() {
    use chatsmart::tui::palette::typed;
    use chatsmart::tui::when;
    let now = chrono::Utc::now();
    let tz = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let agents = vec![Agent {
        id: 2,
        name: "Alice Wong".into(),
        login: "alice.wong".into(),
        role: Role::Agent,
        teams: vec![],
        disabled: false,
    }];
    let seeds: Vec<Vec<u8>> = [
        "assign alice",
        "snooze tomorrow 09:00",
        "filter channel=line status=open assignee=me tag=vip",
        "priority urgent",
        "macro Refund request",
        "tag 退款",
        "sort waiting",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    fuzz(
        "typed",
        seeds,
        &[b" ", b"=", b"me", b"\xe4\xbd\xa0", b"9999999999"],
        512,
        |b| {
            let agents = agents.clone();
            async move {
                let line = String::from_utf8_lossy(&b);
                let ctx = typed::Ctx {
                    agents: &agents,
                    tags: &[],
                    macros: &[],
                    now,
                    tz,
                };
                let _ = typed::parse(&line, &ctx, Some(2));
                let _ = typed::complete(&line, &ctx);
                None
            }
        },
    )
    .await;
    let times: Vec<Vec<u8>> = [
        "in 2h",
        "tomorrow 09:00",
        "next week",
        "2026-12-31 23:59",
        "tonight",
        "fri 10am",
        "in 99999999999 days",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    fuzz(
        "when",
        times,
        &[b" ", b":", b"-", b"999999999999", b"pm", b"days"],
        256,
        |b| async move {
            let _ = when::parse(&String::from_utf8_lossy(&b), now, tz);
            None
        },
    )
    .await;
    let hostile: Vec<Vec<u8>> = [
        "hi\x1b[2J\x1b]0;pwned\x07 there\u{9b}31m\u{202E}evil",
        "a\x1bPq#0\x1b\\b",
        "\u{9d}8;;http://x\u{9c}",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    fuzz(
        "sanitize",
        hostile,
        &[
            b"\x1b",
            b"\x1b[",
            b"\x1b]",
            b"\xc2\x9b",
            b"\xc2\x9d",
            b"\x07",
            b"\xe2\x80\xae",
            b"\r",
        ],
        4096,
        |b| async move {
            let text = String::from_utf8_lossy(&b);
            // One line keeps nothing dangerous; many lines keep only '\n'.
            let line = chatsmart::sanitize::line(&text);
            let lines = chatsmart::sanitize::multiline(&text);
            let bad = |out: &str, keep: &[char]| {
                out.chars()
                    .find(|c| chatsmart::sanitize::is_dangerous(*c) && !keep.contains(c))
            };
            if let Some(c) = bad(&line, &[]).or(bad(&lines, &['\n'])) {
                return Some(format!("{c:?} survived sanitising"));
            }
            None
        },
    )
    .await;
}
