//! Attachments end to end: real multipart uploads over HTTP to a server on
//! loopback, bytes content-addressed on disk, downloads streamed back.

use crate::common::*;
use chatsmart::protocol::*;
use sha2::{Digest, Sha256};

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Every stored blob under the files directory (not the temporary ones).
fn blobs(t: &TestServer) -> Vec<std::path::PathBuf> {
    let root = t.dir.path().join("files");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p != root.join("tmp") {
                    stack.push(p);
                }
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn leftovers(t: &TestServer) -> usize {
    std::fs::read_dir(t.dir.path().join("files").join("tmp"))
        .map(std::iter::Iterator::count)
        .unwrap_or(0)
}

#[tokio::test]
async fn every_allowed_type_round_trips_byte_for_byte() {
    let t = TestServer::start().await;
    for (name, bytes) in samples::all() {
        let a = t
            .alice
            .client
            .upload_bytes(&name, bytes.clone())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected = type_for_name(&name).unwrap();
        assert_eq!(a.name, name);
        assert_eq!(a.mime, expected.mime, "{name}");
        assert_eq!(a.kind, expected.kind, "{name}");
        assert_eq!(a.size, bytes.len() as u64);
        assert_eq!(a.sha256, sha(&bytes));
        let back = t.bob.client.download(a.id).await.unwrap();
        assert_eq!(sha(&back), sha(&bytes), "{name} came back changed");
    }
    assert_eq!(leftovers(&t), 0, "no temporary files left behind");
}

#[tokio::test]
async fn a_download_is_streamed_with_its_type_and_name() {
    let t = TestServer::start().await;
    let pdf = samples::bytes_for("pdf");
    let a = t
        .alice
        .client
        .upload_bytes("報價單 May.pdf", pdf.clone())
        .await
        .unwrap();
    let resp = t
        .http()
        .get(t.api(&format!("attachments/{}", a.id)))
        .bearer_auth(&t.bob.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let h = resp.headers();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["content-length"], pdf.len().to_string().as_str());
    assert_eq!(h["x-content-type-options"], "nosniff");
    let cd = h["content-disposition"].to_str().unwrap().to_string();
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(
        cd.contains("filename*=UTF-8''%E5%A0%B1%E5%83%B9%E5%96%AE%20May.pdf"),
        "{cd}"
    );
    assert_eq!(resp.bytes().await.unwrap().to_vec(), pdf);

    // A file streamed from disk by the client arrives whole too.
    let dir = tempfile::tempdir().unwrap();
    let big: Vec<u8> = samples::bytes_for("wav")
        .into_iter()
        .chain((0..3_000_000u32).map(|i| (i % 251) as u8))
        .collect();
    let path = dir.path().join("call recording.wav");
    std::fs::write(&path, &big).unwrap();
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let s = seen.clone();
    let a = t
        .alice
        .client
        .upload_file(&path, move |n| {
            s.store(n, std::sync::atomic::Ordering::Relaxed);
        })
        .await
        .unwrap();
    assert_eq!(a.size, big.len() as u64);
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::Relaxed),
        big.len() as u64,
        "progress reached the whole file"
    );
    let dest = dir.path().join("saved.wav");
    let n = t.bob.client.download_to(a.id, &dest).await.unwrap();
    assert_eq!(n, big.len() as u64);
    assert_eq!(sha(&std::fs::read(&dest).unwrap()), sha(&big));
}

#[tokio::test]
async fn a_renamed_or_unlisted_file_is_refused_and_nothing_is_kept() {
    let t = TestServer::start().await;
    let exe: Vec<u8> = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
        .iter()
        .copied()
        .chain(std::iter::repeat_n(0u8, 4096))
        .collect();
    let (code, msg) = api_error(
        t.alice
            .client
            .upload_bytes("invoice.pdf", exe.clone())
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 415, "{msg}");
    assert!(
        msg.contains("not pdf") && msg.contains("Windows program"),
        "{msg}"
    );
    let (code, msg) = api_error(
        t.alice
            .client
            .upload_bytes("setup.exe", exe)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 415);
    assert!(msg.contains(".exe files cannot be sent"), "{msg}");
    // A jpeg named .png is not a png.
    let (code, _) = api_error(
        t.alice
            .client
            .upload_bytes("photo.png", samples::bytes_for("jpg"))
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 415);
    assert!(blobs(&t).is_empty(), "nothing stored");
    assert_eq!(leftovers(&t), 0, "no partial files");

    // No file field at all.
    let form = reqwest::multipart::Form::new().text("note", "hello");
    let resp = t
        .http()
        .post(t.api("uploads"))
        .bearer_auth(&t.alice.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn an_oversized_file_gets_413_with_the_limit() {
    let t = TestServer::start_with_config(|c| {
        let mut uploads = UploadLimits::default();
        uploads.parse_setting("256KB").unwrap();
        uploads.parse_setting("image=4KB").unwrap();
        chatsmart::server::ServerConfig { uploads, ..c }
    })
    .await;
    let mut png = samples::png_1x1();
    png.extend(std::iter::repeat_n(0u8, 8 * 1024));
    let (code, msg) = api_error(
        t.alice
            .client
            .upload_bytes("big.png", png)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 413, "{msg}");
    assert!(msg.contains("4.0 KB") && msg.contains("image"), "{msg}");
    // Far over every limit: refused from its declared length alone.
    let mut mp4 = samples::bytes_for("mp4");
    mp4.extend(std::iter::repeat_n(7u8, 2 * 1024 * 1024));
    let (code, msg) = api_error(
        t.alice
            .client
            .upload_bytes("clip.mp4", mp4)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 413, "{msg}");
    // Under the default limit, a video is fine.
    let mut mp4 = samples::bytes_for("mp4");
    mp4.extend(std::iter::repeat_n(7u8, 100 * 1024));
    t.alice.client.upload_bytes("clip.mp4", mp4).await.unwrap();
    assert_eq!(blobs(&t).len(), 1);
    assert_eq!(leftovers(&t), 0);
}

#[tokio::test]
async fn the_same_bytes_are_stored_once_and_kept_while_used() {
    let t = TestServer::start().await;
    let conv = t
        .inbound(ChannelKind::Line, "u1", "Mei", "hi", "e1")
        .await
        .conversation_id;
    let jpg = samples::bytes_for("jpg");
    let a = t
        .alice
        .client
        .upload_bytes("receipt.jpg", jpg.clone())
        .await
        .unwrap();
    let b = t
        .bob
        .client
        .upload_bytes("same receipt.jpeg", jpg.clone())
        .await
        .unwrap();
    assert_ne!(a.id, b.id, "each upload has its own record and name");
    assert_eq!(a.sha256, b.sha256);
    assert_eq!(blobs(&t).len(), 1, "one copy on disk");

    let send = |client: &chatsmart::client::Client, att: AttachmentId, key: &str| {
        let client = client.clone();
        let key = key.to_string();
        async move {
            client
                .send_message_with(
                    conv,
                    &SendMessage {
                        text: String::new(),
                        client_id: key,
                        attachment_id: Some(att),
                        as_bot: false,
                    },
                )
                .await
        }
    };
    let m1 = send(&t.alice.client, a.id, "k1").await.unwrap();
    let m2 = send(&t.bob.client, b.id, "k2").await.unwrap();
    assert_eq!(m1.attachment.as_ref().unwrap().name, "receipt.jpg");
    assert_eq!(m2.attachment.as_ref().unwrap().name, "same receipt.jpeg");

    // Bob may not take Alice's file off her message.
    let (code, _) = api_error(t.bob.client.remove_attachment(m1.id).await.unwrap_err());
    assert_eq!(code, 403);
    // Alice removes hers: Bob's message still has the bytes.
    let m1 = t.alice.client.remove_attachment(m1.id).await.unwrap();
    assert!(m1.attachment.is_none());
    assert_eq!(blobs(&t).len(), 1);
    assert_eq!(t.alice.client.download(b.id).await.unwrap(), jpg);
    assert_eq!(
        api_error(t.alice.client.download(a.id).await.unwrap_err()).0,
        404
    );
    // An admin removes the last use: the bytes go.
    t.admin.client.remove_attachment(m2.id).await.unwrap();
    assert!(blobs(&t).is_empty(), "unused bytes deleted");
    let page = t
        .alice
        .client
        .messages(conv, &MessagesQuery::default())
        .await
        .unwrap();
    assert!(page.items.iter().all(|m| m.attachment.is_none()));
}

#[tokio::test]
async fn downloads_and_uploads_need_a_token() {
    let t = TestServer::start().await;
    let a = t
        .alice
        .client
        .upload_bytes("card.vcf", samples::bytes_for("vcf"))
        .await
        .unwrap();
    let url = t.api(&format!("attachments/{}", a.id));
    let resp = t.http().get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let resp = t
        .http()
        .get(&url)
        .bearer_auth("cs_not_a_real_token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(samples::png_1x1()).file_name("x.png"),
    );
    let resp = t
        .http()
        .post(t.api("uploads"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(blobs(&t).len(), 1, "only Alice's file");
    let resp = t
        .http()
        .get(t.api("attachments/999999"))
        .bearer_auth(&t.alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn messages_carry_files_both_ways_and_stream_them() {
    let t = TestServer::start().await;
    let mut ws = t.ws(&t.alice.token, None).await;
    // A customer's photo through the inbound route.
    let photo = t
        .admin
        .client
        .upload_bytes("IMG_2041.png", samples::png_1x1())
        .await
        .unwrap();
    let accepted = t
        .admin
        .client
        .inbound(&Inbound {
            channel: ChannelKind::Whatsapp,
            channel_user_id: "+886900000001".into(),
            customer_name: "Chen".into(),
            text: String::new(),
            external_id: "wamid.1".into(),
            attachment_id: Some(photo.id),
        })
        .await
        .unwrap();
    let ev = ws
        .until(|e| matches!(e.kind, EventKind::MessageCreated { .. }))
        .await;
    let EventKind::MessageCreated { message, .. } = ev.kind else {
        unreachable!()
    };
    assert_eq!(message.id, accepted.message_id);
    assert_eq!(message.attachment.as_ref().unwrap().sha256, photo.sha256);
    assert_eq!(message.text, "");
    // The list previews a file without a caption by its name.
    let conv = t
        .alice
        .client
        .conversation(accepted.conversation_id)
        .await
        .unwrap();
    assert_eq!(
        conv.conversation.last_message.unwrap().text,
        "📎 IMG_2041.png"
    );

    // An agent replies with a file and a caption.
    let pdf = t
        .alice
        .client
        .upload_bytes("menu.pdf", samples::bytes_for("pdf"))
        .await
        .unwrap();
    let reply = t
        .alice
        .client
        .send_message_with(
            accepted.conversation_id,
            &SendMessage {
                text: "Our menu".into(),
                client_id: "r1".into(),
                attachment_id: Some(pdf.id),
                as_bot: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        reply.attachment.as_ref().unwrap().kind,
        AttachmentKind::Document
    );
    let page = t
        .bob
        .client
        .messages(accepted.conversation_id, &MessagesQuery::default())
        .await
        .unwrap();
    let names: Vec<_> = page
        .items
        .iter()
        .filter_map(|m| m.attachment.as_ref().map(|a| a.name.clone()))
        .collect();
    assert_eq!(names, vec!["IMG_2041.png", "menu.pdf"]);

    // No text and no file, or a file that does not exist: refused.
    for (text, att) in [("", None), ("see this", Some(424242))] {
        let (code, msg) = api_error(
            t.alice
                .client
                .send_message_with(
                    accepted.conversation_id,
                    &SendMessage {
                        text: text.into(),
                        client_id: format!("bad-{text}"),
                        attachment_id: att,
                        as_bot: false,
                    },
                )
                .await
                .unwrap_err(),
        );
        assert_eq!(code, 422, "{msg}");
    }
}

#[tokio::test]
async fn uploads_no_message_took_are_deleted_after_a_week() {
    let clock = std::sync::Arc::new(chatsmart::server::clock::ManualClock::new(
        chrono::Utc::now(),
    ));
    let t = TestServer::start_with_clock(clock.clone()).await;
    let conv = t
        .inbound(ChannelKind::Line, "u9", "Kai", "hi", "e9")
        .await
        .conversation_id;
    let used = t
        .alice
        .client
        .upload_bytes("kept.gif", samples::bytes_for("gif"))
        .await
        .unwrap();
    t.alice
        .client
        .send_message_with(
            conv,
            &SendMessage {
                text: String::new(),
                client_id: "g1".into(),
                attachment_id: Some(used.id),
                as_bot: false,
            },
        )
        .await
        .unwrap();
    let stray = t
        .alice
        .client
        .upload_bytes("never sent.wav", samples::bytes_for("wav"))
        .await
        .unwrap();
    // A second, unused copy of the sent file's bytes.
    let copy = t
        .bob
        .client
        .upload_bytes("copy.gif", samples::bytes_for("gif"))
        .await
        .unwrap();
    assert_eq!(blobs(&t).len(), 2);
    // Within the week nothing goes.
    clock.advance(chrono::Duration::hours(6 * 24));
    chatsmart::server::prune_unused_files(t.state()).await;
    assert_eq!(blobs(&t).len(), 2);
    // A week later, uploads without a message go; bytes a message uses stay.
    clock.advance(chrono::Duration::hours(25));
    chatsmart::server::prune_unused_files(t.state()).await;
    assert_eq!(blobs(&t).len(), 1, "the wav is gone, the gif stays");
    assert_eq!(
        api_error(t.alice.client.download(stray.id).await.unwrap_err()).0,
        404
    );
    assert_eq!(
        api_error(t.alice.client.download(copy.id).await.unwrap_err()).0,
        404
    );
    assert_eq!(
        t.bob.client.download(used.id).await.unwrap(),
        samples::bytes_for("gif")
    );
}

/// A file the conversation's platform cannot carry is refused when sent
/// (422 with the reason), not failed after the reply was acknowledged; an
/// .acc file is AAC, as the help centre lists it.
#[tokio::test]
async fn a_file_the_platform_cannot_carry_is_refused_when_sent() {
    let t = TestServer::start().await;
    let wechat = t
        .inbound(ChannelKind::Wechat, "o1", "王伟", "你好", "x-1")
        .await
        .conversation_id;
    let alice = &t.alice.client;
    let pdf = alice
        .upload_bytes("menu.pdf", samples::bytes_for("pdf"))
        .await
        .unwrap();
    let e = alice
        .send_message_with(
            wechat,
            &SendMessage {
                text: "Our menu".into(),
                client_id: "c-pdf".into(),
                attachment_id: Some(pdf.id),
                as_bot: false,
            },
        )
        .await
        .unwrap_err();
    let (status, message) = api_error(e);
    assert_eq!(status, 422);
    assert!(message.contains("WeChat"), "{message}");
    // Nothing was stored.
    let msgs = alice
        .messages(wechat, &MessagesQuery::default())
        .await
        .unwrap();
    assert!(!msgs.items.iter().any(|m| m.kind == MessageKind::Agent));
    // Voice goes; .acc is taken as AAC.
    let voice = alice
        .upload_bytes("voice.acc", samples::bytes_for("acc"))
        .await
        .unwrap();
    assert_eq!(voice.mime, "audio/aac");
    alice
        .send_message_with(
            wechat,
            &SendMessage {
                text: String::new(),
                client_id: "c-voice".into(),
                attachment_id: Some(voice.id),
                as_bot: false,
            },
        )
        .await
        .unwrap();
}

/// On PostgreSQL a file's bytes are kept in the database too: uploaded
/// through one replica, a file downloads whole through another, which has
/// never seen it on its own disk; deleting it there later leaves nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_uploaded_through_one_replica_downloads_through_another() {
    if !on_postgres() {
        eprintln!("replicas share files on PostgreSQL only (CHATSMART_TEST_BACKEND=postgres)");
        return;
    }
    let t = TestServer::start().await;
    // Several parts of a megabyte, and a bit.
    let mut bytes = samples::bytes_for("pdf");
    bytes.extend((0..(2 * 1024 * 1024 + 4321)).map(|i: u32| (i % 251) as u8));
    let a = t
        .alice
        .client
        .upload_bytes("big.pdf", bytes.clone())
        .await
        .unwrap();
    let (other, other_files) = t.replica().await;
    let there = chatsmart::client::Client::new(&other.url(), Some(t.bob.token.clone())).unwrap();
    let back = there.download(a.id).await.unwrap();
    assert_eq!(back.len(), bytes.len());
    assert_eq!(sha(&back), sha(&bytes), "came back whole");
    // Now cached on the second replica's disk.
    let cached = other_files
        .path()
        .join(&a.sha256[0..2])
        .join(&a.sha256[2..4])
        .join(&a.sha256);
    assert!(cached.exists());
    // The same bytes uploaded through the replica are kept once.
    let again = there.upload_bytes("copy.pdf", bytes.clone()).await.unwrap();
    assert_eq!(again.sha256, a.sha256);
    let parts: i64 = t.with_db(|db| {
        db.query_row(
            "SELECT count(*) FROM file_parts WHERE sha256 = ?1",
            &[&a.sha256],
            |r| r.get(0),
        )
        .unwrap()
    });
    assert_eq!(parts, 3);
    // Named by attachments, the bytes stay however old they are.
    let store = t.state().store.clone();
    let later = chrono::Utc::now() + chrono::Duration::hours(2);
    assert_eq!(store.prune_file_bytes(later).await.unwrap(), 0);
    other.stop().await.unwrap();
}
