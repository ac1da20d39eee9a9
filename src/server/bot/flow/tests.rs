//! The flow's decisions, one rule at a time.

use super::*;

fn monday(h: u32) -> DateTime<Utc> {
    // 2026-11-30 is a Monday; the default flow's hours are UTC+8.
    DateTime::parse_from_rfc3339(&format!("2026-11-30T{h:02}:30:00+08:00"))
        .unwrap()
        .with_timezone(&Utc)
}

fn turn(text: &str, first: bool, now: DateTime<Utc>) -> Turn<'_> {
    Turn {
        text,
        payload: None,
        customer_name: "Mei",
        first,
        now,
        misses: 0,
        last_bot: None,
    }
}

#[test]
fn the_default_flow_is_valid() {
    let f = Flow::default();
    assert_eq!(f.menu.len(), 4);
    assert!(f.open_at(monday(10)));
    assert!(!f.open_at(monday(20)));
    let saturday = monday(10) + chrono::Duration::days(5);
    assert!(!f.open_at(saturday));
}

#[test]
fn greets_a_new_customer_with_the_menu() {
    let f = Flow::default();
    let steps = f.respond(&turn("hello", true, monday(10)));
    // One message: the greeting, then the menu.
    let [Step::Say(s)] = &steps[..] else {
        panic!("{steps:?}")
    };
    assert!(s.starts_with("Hi Mei!"), "{s}");
    assert!(s.contains("\n\nReply with a number:\n1. Where is my order?"));
    assert!(s.contains("4. Talk to a person"));
    // A photo alone later is not a miss: the bot waits for words.
    assert!(f.respond(&turn("", false, monday(10))).is_empty());
}

#[test]
fn menu_numbers_rules_and_handoff_words() {
    let f = Flow::default();
    let s = f.respond(&turn("2", false, monday(10)));
    assert!(matches!(&s[..], [Step::Say(r)] if r.contains("within 30 days")));
    let s = f.respond(&turn("4", false, monday(10)));
    assert_eq!(
        s[1],
        Step::HandOver("the customer chose \"Talk to a person\"".into())
    );
    let s = f.respond(&turn("I want a REFUND please", false, monday(10)));
    assert!(matches!(&s[..], [Step::Say(r)] if r.contains("return anything")));
    let s = f.respond(&turn("my order number LH-20931 is late", false, monday(10)));
    assert!(matches!(&s[..], [Step::Say(r)] if r.contains("noted your order number")));
    for (text, word) in [
        ("can I talk to an agent?", "agent"),
        ("我要真人", "真人"),
        ("轉人工", "人工"),
    ] {
        let s = f.respond(&turn(text, false, monday(10)));
        assert_eq!(
            s.last(),
            Some(&Step::HandOver(format!(
                "the customer asked for a person (\"{word}\")"
            ))),
            "{text}"
        );
    }
    // Whole words only, in Latin script.
    let s = f.respond(&turn("the agency sent it", false, monday(10)));
    assert!(!s.iter().any(|s| matches!(s, Step::HandOver(_))));
    let s = f.respond(&turn("it arrived broken", false, monday(10)));
    assert_eq!(
        s.last(),
        Some(&Step::HandOver("the customer reported a problem".into()))
    );
}

#[test]
fn out_of_hours_and_fallbacks() {
    let f = Flow::default();
    let s = f.respond(&turn("hmm", false, monday(10)));
    assert!(matches!(&s[..], [Step::Say(r)] if r.starts_with("Sorry") && r.contains("1. Where")));
    let s = f.respond(&turn("hmm", false, monday(21)));
    assert!(matches!(&s[..], [Step::Say(r)] if r.contains("away now")));
    // Once is enough.
    let Step::Say(closed) = &s[0] else { panic!() };
    let mut again = turn("hello??", false, monday(22));
    again.last_bot = Some(closed);
    assert!(f.respond(&again).is_empty());
    // Rules still answer out of hours.
    let s = f.respond(&turn("refund", false, monday(21)));
    assert!(matches!(&s[..], [Step::Say(r)] if r.contains("return anything")));
    // A handoff out of hours says when the team is back.
    let s = f.respond(&turn("human", false, monday(21)));
    assert!(matches!(&s[0], Step::Say(r) if r.contains("Connecting") && r.contains("away now")));
    let mut t = turn("hmm", false, monday(10));
    t.misses = 2;
    let s = f.respond(&t);
    assert_eq!(
        s.last(),
        Some(&Step::HandOver(
            "the bot did not understand 3 messages in a row".into()
        ))
    );
}

#[test]
fn an_empty_flow_says_nothing() {
    let f = Flow::parse("").unwrap();
    assert!(f.is_silent());
    assert!(!Flow::default().is_silent());
    assert!(f.respond(&turn("hello", true, monday(10))).is_empty());
    assert!(f.respond(&turn("agent", false, monday(10))).is_empty());
}

#[test]
fn mistakes_in_a_flow_say_where() {
    let e = Flow::parse("[[rules]]\nkeywords = [\"x\"]\n").unwrap_err();
    assert!(e.contains("rules[1] needs exactly one of"), "{e}");
    let e = Flow::parse("[[rules]]\npattern = \"(\"\nreply = \"r\"\n").unwrap_err();
    assert!(e.contains("rules[1].pattern"), "{e}");
    let e = Flow::parse("greting = \"hi\"\n").unwrap_err();
    assert!(e.contains("greting"), "{e}");
    let e = Flow::parse(
        "[hours]\ndays=[\"funday\"]\nopen=\"09:00\"\nclose=\"18:00\"\nclosed_message=\"x\"\n",
    )
    .unwrap_err();
    assert!(e.contains("funday"), "{e}");
    let ok = Flow::parse(
        "[[rules]]\nkeywords = [\"price\"]\nstandard = \"Pricing\"\nstandard_index = 2\n",
    )
    .unwrap();
    let s = ok.respond(&turn("what's the price?", false, monday(10)));
    assert_eq!(
        s,
        vec![Step::SayStandard {
            folder: "Pricing".into(),
            index: 2
        }]
    );
}

#[test]
fn a_tap_is_answered_by_its_payload_first() {
    let f = Flow::parse(
        r#"
fallback = "Sorry?"
[[rules]]
payloads = ["TRACK_ORDER"]
reply = "Your order is on its way."
[[rules]]
keywords = ["track"]
reply = "Typed: track."
"#,
    )
    .unwrap();
    let mut t = turn("Track my order", false, monday(10));
    t.payload = Some("TRACK_ORDER");
    assert_eq!(
        f.respond(&t),
        vec![Step::Say("Your order is on its way.".into())]
    );
    // The same words typed: the keyword rule.
    let typed = turn("Track my order", false, monday(10));
    assert_eq!(f.respond(&typed), vec![Step::Say("Typed: track.".into())]);
    // A payload no rule knows: read like its title.
    t.payload = Some("OTHER");
    assert_eq!(f.respond(&t), vec![Step::Say("Typed: track.".into())]);
    // A rule of payloads alone never matches typed words.
    let f = Flow::parse("[[rules]]\npayloads = [\"X\"]\nreply = \"x\"").unwrap();
    assert!(f.respond(&turn("X", false, monday(10))).is_empty());
    assert!(Flow::parse("[[rules]]\nreply = \"x\"")
        .unwrap_err()
        .contains("keywords, a pattern or payloads"));
}

#[test]
fn a_menu_option_is_chosen_by_its_label_too() {
    let f = Flow::default();
    let steps = f.respond(&turn("returns and refunds", false, monday(10)));
    let [Step::Say(s)] = &steps[..] else {
        panic!("{steps:?}")
    };
    assert!(
        s.starts_with("You can return anything within 30 days"),
        "{s}"
    );
}

#[test]
fn with_no_name_the_greeting_has_none() {
    assert_eq!(fill_name("Hi {name}! Welcome.", "Mei"), "Hi Mei! Welcome.");
    assert_eq!(fill_name("Hi {name}! Welcome.", ""), "Hi! Welcome.");
    assert_eq!(fill_name("Hello, {name}.", " "), "Hello.");
    assert_eq!(fill_name("{name}, hi", ""), ", hi");
    assert_eq!(fill_name("您好，{name}！", ""), "您好！");
    let f = Flow::default();
    let mut t = turn("hello", true, monday(10));
    t.customer_name = "";
    let steps = f.respond(&t);
    let [Step::Say(s)] = &steps[..] else {
        panic!("{steps:?}")
    };
    assert!(s.starts_with("Hi! I'm the chatsmart assistant"), "{s}");
}
