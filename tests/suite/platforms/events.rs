//! What customers do besides typing, in the shapes the platforms send it:
//! button taps (postbacks, quick replies, reply buttons, list rows, menu
//! clicks), stickers, locations, contacts and links become messages that
//! say what the customer chose or shared; the bot answers taps; nobody is
//! greeted by a platform id.

use super::*;
use chatsmart::server::bot::Flow;

/// A server talking to `double`, with the built-in bot flow.
async fn server_with_bot(double: &Double) -> TestServer {
    TestServer::start_with_config(|c| ServerConfig {
        api_bases: double.bases(c.api_bases.clone()),
        retry_base: Duration::from_millis(40),
        bot: std::sync::Arc::new(Flow::default()),
        ..c
    })
    .await
}

/// The bot's messages in the conversation, once there are `n`.
async fn bot_messages(t: &TestServer, conv: ConversationId, n: usize) -> Vec<Message> {
    let c = t.alice.client.clone();
    until(&format!("{n} bot messages"), || {
        let c = c.clone();
        async move {
            let bot: Vec<Message> = c
                .messages(conv, &MessagesQuery::default())
                .await
                .unwrap()
                .items
                .into_iter()
                .filter(|m| m.kind == MessageKind::Bot)
                .collect();
            (bot.len() >= n).then_some(bot)
        }
    })
    .await
}

/// The conversation's customer messages, once there are `n`.
async fn inbound_n(t: &TestServer, conv: ConversationId, n: usize) -> Vec<Message> {
    let c = t.alice.client.clone();
    until(&format!("{n} customer messages"), || {
        let c = c.clone();
        async move {
            let m = inbound_for(&c, conv).await;
            (m.len() >= n).then_some(m)
        }
    })
    .await
}

fn line_events(events: Vec<serde_json::Value>) -> Vec<u8> {
    json!({"destination": "Ubot", "events": events})
        .to_string()
        .into_bytes()
}

fn line_base(kind: &str, user: &str, id: &str) -> serde_json::Value {
    json!({
        "type": kind, "timestamp": now_ms(), "mode": "active",
        "source": {"type": "user", "userId": user},
        "webhookEventId": id, "deliveryContext": {"isRedelivery": false},
        "replyToken": format!("rt-{id}")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn line_postbacks_stickers_and_locations_are_messages() {
    let line = Double::start(Platform::Line).await;
    let t = server_for(&line).await;
    let ch = channel(&t, ChannelKind::Line, &LINE).await;
    let mut postback = line_base("postback", "U-ken", "ev-pb");
    postback["postback"] = json!({"data": "action=track&order=A-1001"});
    let mut picker = line_base("postback", "U-ken", "ev-date");
    picker["postback"] = json!({"data": "action=visit", "params": {"date": "2026-12-24"}});
    let mut sticker = line_base("message", "U-ken", "ev-st");
    sticker["message"] = json!({"id": "9001", "type": "sticker", "packageId": "446",
        "stickerId": "1988", "stickerResourceType": "STATIC", "keywords": ["Happy", "Smile"]});
    let mut location = line_base("message", "U-ken", "ev-loc");
    location["message"] = json!({"id": "9002", "type": "location", "title": "Taipei 101",
        "address": "No. 7, Section 5, Xinyi Road", "latitude": 25.033611, "longitude": 121.565});
    let body = line_events(vec![postback, picker, sticker, location]);
    let (code, _) = deliver(
        &t.url(),
        &ch.webhook_path,
        Platform::Line,
        "line-secret",
        &body,
    )
    .await;
    assert_eq!(code, 200);
    let conv = the_conversation(&t).await.conversation.id;
    let got = inbound_n(&t, conv, 4).await;
    // A postback: LINE sends its data, not the label; kept as the payload.
    assert_eq!(got[0].text, "action=track&order=A-1001");
    assert_eq!(got[0].tap.as_deref(), Some("action=track&order=A-1001"));
    // A date picker: what was picked.
    assert_eq!(got[1].text, "2026-12-24");
    assert_eq!(got[1].tap.as_deref(), Some("action=visit"));
    assert_eq!(got[2].text, "Sticker: Happy, Smile");
    assert_eq!(got[2].tap, None);
    assert!(
        got[3].text.starts_with(
            "Location: Taipei 101, No. 7, Section 5, Xinyi Road (25.03361, 121.56500) https://www.openstreetmap.org/?mlat=25.03361&mlon=121.56500"
        ),
        "{}",
        got[3].text
    );
    // Redelivered: kept once.
    deliver(
        &t.url(),
        &ch.webhook_path,
        Platform::Line,
        "line-secret",
        &body,
    )
    .await;
    assert_eq!(inbound_messages(&t, conv).await.len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messenger_postbacks_and_quick_replies_are_taps_the_bot_answers() {
    let meta = Double::start(Platform::Meta).await;
    let t = server_with_bot(&meta).await;
    let ch = channel(&t, ChannelKind::Messenger, &FB).await;
    let at = now_ms();
    // Get Started: the conversation starts with a tap, and the bot greets.
    let body = json!({"object": "page", "entry": [{"id": "PAGE-1", "time": at, "messaging": [
        {"sender": {"id": "PSID-9"}, "recipient": {"id": "PAGE-1"}, "timestamp": at,
         "postback": {"mid": "m-gs", "title": "Get Started", "payload": "GET_STARTED"}}
    ]}]})
    .to_string()
    .into_bytes();
    let (code, _) = deliver(
        &t.url(),
        &ch.webhook_path,
        Platform::Meta,
        "fb-secret",
        &body,
    )
    .await;
    assert_eq!(code, 200);
    let conv = the_conversation(&t).await.conversation.id;
    let first = inbound_n(&t, conv, 1).await;
    assert_eq!(first[0].text, "Get Started");
    assert_eq!(first[0].tap.as_deref(), Some("GET_STARTED"));
    let greeting = &bot_messages(&t, conv, 1).await[0];
    assert!(
        greeting.text.contains("Reply with a number"),
        "{}",
        greeting.text
    );

    // A quick reply whose title is a menu option: the option's answer.
    let body = json!({"object": "page", "entry": [{"id": "PAGE-1", "time": at, "messaging": [
        {"sender": {"id": "PSID-9"}, "recipient": {"id": "PAGE-1"}, "timestamp": at + 1,
         "message": {"mid": "m-qr", "text": "Returns and refunds",
                     "quick_reply": {"payload": "MENU_2"}}},
        {"sender": {"id": "PSID-9"}, "recipient": {"id": "PAGE-1"}, "timestamp": at + 2,
         "message": {"mid": "m-like", "attachments": [{"type": "image",
            "payload": {"url": "https://scontent.example/like.png", "sticker_id": 369239263222822u64}}]}},
        {"sender": {"id": "PSID-9"}, "recipient": {"id": "PAGE-1"}, "timestamp": at + 3,
         "message": {"mid": "m-loc", "attachments": [{"type": "location",
            "payload": {"title": "Pinned", "coordinates": {"lat": 51.5007, "long": -0.1246}}}]}}
    ]}]})
    .to_string()
    .into_bytes();
    deliver(
        &t.url(),
        &ch.webhook_path,
        Platform::Meta,
        "fb-secret",
        &body,
    )
    .await;
    let got = inbound_n(&t, conv, 4).await;
    assert_eq!(got[1].text, "Returns and refunds");
    assert_eq!(got[1].tap.as_deref(), Some("MENU_2"));
    // The like button is its emoji, never fetched.
    assert_eq!(got[2].text, "👍");
    assert!(got[2].attachment.is_none());
    assert!(got[3]
        .text
        .starts_with("Location: Pinned (51.50070, -0.12460) https://"));
    let answers = bot_messages(&t, conv, 2).await;
    assert!(
        answers[1]
            .text
            .starts_with("You can return anything within 30 days"),
        "{}",
        answers[1].text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatsapp_buttons_lists_locations_contacts_and_stickers() {
    let meta = Double::start(Platform::Meta).await;
    let t = server_for(&meta).await;
    let ch = channel(&t, ChannelKind::Whatsapp, &WA).await;
    let s = (now_ms() / 1000).to_string();
    let body = whatsapp_value(json!({
        "messaging_product": "whatsapp",
        "metadata": {"phone_number_id": "PHONE-1"},
        "contacts": [{"wa_id": "852", "profile": {"name": "Olivia"}}],
        "messages": [
            {"from": "852", "id": "w-1", "timestamp": s, "type": "interactive",
             "interactive": {"type": "button_reply", "button_reply": {"id": "track", "title": "Track my order"}}},
            {"from": "852", "id": "w-2", "timestamp": s, "type": "interactive",
             "interactive": {"type": "list_reply", "list_reply": {"id": "row-3", "title": "Opening hours", "description": "When we are in"}}},
            {"from": "852", "id": "w-3", "timestamp": s, "type": "button",
             "button": {"payload": "STOP_PROMOS", "text": "Stop promotions"}},
            {"from": "852", "id": "w-4", "timestamp": s, "type": "location",
             "location": {"latitude": 22.2783, "longitude": 114.1747, "name": "Office", "address": "1 Queen's Road"}},
            {"from": "852", "id": "w-5", "timestamp": s, "type": "contacts",
             "contacts": [{"name": {"formatted_name": "Ann Lee", "first_name": "Ann"},
                           "phones": [{"phone": "+852 5555 0100", "type": "CELL"}],
                           "emails": [{"email": "ann@example.com", "type": "WORK"}]}]},
            {"from": "852", "id": "w-6", "timestamp": s, "type": "sticker",
             "sticker": {"id": "wa-media-sticker", "mime_type": "image/webp", "animated": false}}
        ]
    }));
    let (code, _) = deliver(
        &t.url(),
        &ch.webhook_path,
        Platform::Meta,
        "wa-secret",
        &body,
    )
    .await;
    assert_eq!(code, 200);
    let conv = the_conversation(&t).await.conversation.id;
    let got = inbound_n(&t, conv, 6).await;
    assert_eq!(
        (got[0].text.as_str(), got[0].tap.as_deref()),
        ("Track my order", Some("track"))
    );
    assert_eq!(
        (got[1].text.as_str(), got[1].tap.as_deref()),
        ("Opening hours", Some("row-3"))
    );
    assert_eq!(
        (got[2].text.as_str(), got[2].tap.as_deref()),
        ("Stop promotions", Some("STOP_PROMOS"))
    );
    assert!(got[3]
        .text
        .starts_with("Location: Office, 1 Queen's Road (22.27830, 114.17470) https://"));
    assert_eq!(
        got[4].text,
        "Contact: Ann Lee · +852 5555 0100 · ann@example.com"
    );
    // A sticker is a webp image, fetched like a photo.
    let sticker = file_message(&t, conv).await;
    assert_eq!(sticker.attachment.unwrap().kind, AttachmentKind::Image);
    // Nothing is a placeholder.
    assert!(
        got.iter().all(|m| !m.text.contains("cannot show")),
        "{got:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechat_menu_clicks_locations_and_links() {
    let wx = Double::start(Platform::Wechat).await;
    let t = server_for(&wx).await;
    let ch = channel(&t, ChannelKind::Wechat, &WECHAT).await;
    let click = format!(
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oWX]]></FromUserName>\
         <CreateTime>{}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event>\
         <EventKey><![CDATA[V1001_ORDERS]]></EventKey></xml>",
        now_ms() / 1000
    );
    let path = &ch.webhook_path;
    assert_eq!(
        deliver(
            &t.url(),
            path,
            Platform::Wechat,
            "wx-token",
            click.as_bytes()
        )
        .await
        .0,
        200
    );
    let loc = wechat_push(
        "oWX",
        "location",
        "<Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[Tianhe, Guangzhou]]></Label>",
        "7100",
    );
    deliver(&t.url(), path, Platform::Wechat, "wx-token", &loc).await;
    let link = wechat_push(
        "oWX",
        "link",
        "<Title><![CDATA[My order]]></Title><Description><![CDATA[Order A-1]]></Description><Url><![CDATA[https://shop.example/a1]]></Url>",
        "7101",
    );
    deliver(&t.url(), path, Platform::Wechat, "wx-token", &link).await;
    let conv = the_conversation(&t).await.conversation.id;
    let got = inbound_n(&t, conv, 3).await;
    assert_eq!(got[0].text, "V1001_ORDERS");
    assert_eq!(got[0].tap.as_deref(), Some("V1001_ORDERS"));
    assert!(got[1]
        .text
        .starts_with("Location: Tianhe, Guangzhou (23.13452, 113.35880) https://"));
    assert_eq!(
        got[2].text,
        "Link: My order · Order A-1 · https://shop.example/a1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_name_from_the_platform_the_bot_greets_without_one() {
    let line = Double::start(Platform::Line).await;
    let t = server_with_bot(&line).await;
    let ch = channel(&t, ChannelKind::Line, &LINE).await;
    let body = line_event(
        "U-anon-1",
        "ev-anon",
        "rt-anon",
        json!({"id": "7301", "type": "text", "text": "hello"}),
    );
    deliver(
        &t.url(),
        &ch.webhook_path,
        Platform::Line,
        "line-secret",
        &body,
    )
    .await;
    let conv = the_conversation(&t).await.conversation.id;
    let greeting = &bot_messages(&t, conv, 1).await[0];
    assert!(
        greeting.text.starts_with("Hi! I'm the chatsmart assistant"),
        "{}",
        greeting.text
    );
    assert!(!greeting.text.contains("U-anon"), "{}", greeting.text);
}

/// All the conversation's messages, once there are `n`.
async fn all_n(t: &TestServer, conv: ConversationId, n: usize) -> Vec<Message> {
    let c = t.alice.client.clone();
    until(&format!("{n} messages"), || {
        let c = c.clone();
        async move {
            let m = c
                .messages(conv, &MessagesQuery::default())
                .await
                .unwrap()
                .items;
            (m.len() >= n).then_some(m)
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_follow_is_greeted_a_block_refuses_replies_and_a_new_follow_lifts_it() {
    let line = Double::start(Platform::Line).await;
    let t = server_with_bot(&line).await;
    let ch = channel(&t, ChannelKind::Line, &LINE).await;
    let deliver_line = |events: Vec<serde_json::Value>| {
        let (url, path) = (t.url(), ch.webhook_path.clone());
        async move {
            let body = line_events(events);
            deliver(&url, &path, Platform::Line, "line-secret", &body).await
        }
    };
    let mut follow = line_base("follow", "U-ken", "ev-follow");
    follow["follow"] = json!({"isUnblocked": false});
    assert_eq!(deliver_line(vec![follow.clone()]).await.0, 200);
    // The conversation starts with a note, and the bot greets by name, in
    // the follow's free reply.
    let row = the_conversation(&t).await;
    let conv = row.conversation.id;
    let greeting = &bot_messages(&t, conv, 1).await[0];
    assert!(
        greeting.text.starts_with("Hi Ken Sato!"),
        "{}",
        greeting.text
    );
    let reply = &line.wait_calls("/v2/bot/message/reply", 1).await[0];
    assert_eq!(reply.json["replyToken"], "rt-ev-follow");
    let msgs = all_n(&t, conv, 2).await;
    assert_eq!(msgs[0].kind, MessageKind::System);
    assert_eq!(msgs[0].text, "The customer followed the account");
    // A note is nothing to read.
    let row = t.alice.client.conversation(conv).await.unwrap();
    assert_eq!(row.unread, 0);
    // Redelivered: once.
    deliver_line(vec![follow]).await;
    // The customer's first words are answered, not greeted again (a rule,
    // which answers in and out of business hours).
    let mut hello = line_base("message", "U-ken", "ev-hello");
    hello["message"] = json!({"id": "8001", "type": "text", "text": "hello, a refund please"});
    deliver_line(vec![hello]).await;
    let answers = bot_messages(&t, conv, 2).await;
    assert!(
        answers[1].text.starts_with("You can return anything"),
        "{}",
        answers[1].text
    );
    assert_eq!(answers.len(), 2);

    // Blocked: a note, the conversation marked, replies refused saying why.
    let unfollow = line_base("unfollow", "U-ken", "ev-unfollow");
    deliver_line(vec![unfollow]).await;
    let blocked = until("the block", || {
        let c = t.alice.client.clone();
        async move {
            let row = c.conversation(conv).await.unwrap();
            row.conversation.blocked
        }
    })
    .await;
    assert!(blocked.contains("blocked the account on LINE"), "{blocked}");
    let last = t
        .alice
        .client
        .messages(conv, &MessagesQuery::default())
        .await
        .unwrap()
        .items
        .pop()
        .unwrap();
    assert_eq!(last.kind, MessageKind::System);
    assert!(last
        .text
        .starts_with("The customer blocked the account on LINE"));
    let before =
        line.calls("/v2/bot/message/push").len() + line.calls("/v2/bot/message/reply").len();
    let err = t
        .alice
        .client
        .send_message(conv, "Are you still there?", "c-blocked")
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("blocked the account on LINE"),
        "{err}"
    );
    // Nothing stored, nothing sent.
    let texts: Vec<String> = t
        .alice
        .client
        .messages(conv, &MessagesQuery::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert!(!texts.iter().any(|x| x == "Are you still there?"));

    // Followed again: unblocked, and replies go out.
    let mut again = line_base("follow", "U-ken", "ev-follow-2");
    again["follow"] = json!({"isUnblocked": true});
    deliver_line(vec![again]).await;
    until("the block lifted", || {
        let c = t.alice.client.clone();
        async move {
            let row = c.conversation(conv).await.unwrap();
            row.conversation.blocked.is_none().then_some(())
        }
    })
    .await;
    let sent = t
        .alice
        .client
        .send_message(conv, "Welcome back!", "c-back")
        .await
        .unwrap();
    status_of(&t, conv, sent.id, DeliveryStatus::Sent).await;
    let after =
        line.calls("/v2/bot/message/push").len() + line.calls("/v2/bot/message/reply").len();
    assert_eq!(after, before + 1);
    let notes: Vec<String> = all_n(&t, conv, 1)
        .await
        .into_iter()
        .filter(|m| m.kind == MessageKind::System && m.text.starts_with("The customer"))
        .map(|m| m.text)
        .collect();
    assert_eq!(notes.last().unwrap(), "The customer unblocked the account");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wechat_subscribe_by_qr_scene_and_an_unsubscribe() {
    let wx = Double::start(Platform::Wechat).await;
    let t = server_with_bot(&wx).await;
    let ch = channel(&t, ChannelKind::Wechat, &WECHAT).await;
    let event = |name: &str, key: &str, at: i64| {
        format!(
            "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oSUB]]></FromUserName>\
             <CreateTime>{at}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{name}]]></Event>\
             <EventKey><![CDATA[{key}]]></EventKey></xml>"
        )
    };
    let now = now_ms() / 1000;
    let path = &ch.webhook_path;
    let sub = event("subscribe", "qrscene_store-42", now);
    assert_eq!(
        deliver(&t.url(), path, Platform::Wechat, "wx-token", sub.as_bytes())
            .await
            .0,
        200
    );
    let conv = the_conversation(&t).await.conversation.id;
    let first = &all_n(&t, conv, 1).await[0];
    assert_eq!(
        first.text,
        "The customer followed the account by the QR code of scene store-42"
    );
    bot_messages(&t, conv, 1).await;
    let unsub = event("unsubscribe", "", now + 1);
    deliver(
        &t.url(),
        path,
        Platform::Wechat,
        "wx-token",
        unsub.as_bytes(),
    )
    .await;
    let blocked = until("the unfollow", || {
        let c = t.alice.client.clone();
        async move { c.conversation(conv).await.unwrap().conversation.blocked }
    })
    .await;
    assert!(
        blocked.contains("unfollowed the account on WeChat"),
        "{blocked}"
    );
    let err = t
        .alice
        .client
        .send_message(conv, "hello?", "c-1")
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("unfollowed the account on WeChat"),
        "{err}"
    );
}
