//! The bot's flow file (TOML; the built-in default is bots/default.toml)
//! and the decision it makes for one customer message. Pure: no I/O, so
//! every rule is tested on its own.

use chrono::{DateTime, Datelike, FixedOffset, NaiveTime, Utc, Weekday};
use regex::Regex;
use serde::Deserialize;

/// The flow shipped in the repository, used when the server is given none.
pub const DEFAULT_FLOW: &str = include_str!("../../../../bots/default.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowFile {
    greeting: Option<String>,
    fallback: Option<String>,
    fallbacks_before_handoff: Option<u32>,
    #[serde(default)]
    handoff_words: Vec<String>,
    handoff_message: Option<String>,
    menu: Option<MenuFile>,
    hours: Option<HoursFile>,
    #[serde(default)]
    rules: Vec<AnswerFile>,
    external: Option<External>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MenuFile {
    #[serde(default)]
    text: String,
    options: Vec<AnswerFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoursFile {
    #[serde(default = "utc")]
    utc_offset: String,
    days: Vec<String>,
    open: String,
    close: String,
    closed_message: String,
}

fn utc() -> String {
    "+00:00".into()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerFile {
    label: Option<String>,
    #[serde(default)]
    keywords: Vec<String>,
    pattern: Option<String>,
    /// Button payloads the rule answers (a tap's payload, exactly).
    #[serde(default)]
    payloads: Vec<String>,
    reply: Option<String>,
    standard: Option<String>,
    standard_index: Option<usize>,
    #[serde(default)]
    handoff: bool,
    handoff_reason: Option<String>,
}

/// An outside bot: each customer message is POSTed to `url`, signed with
/// `secret` (`X-Chatsmart-Signature: sha256=<hex HMAC-SHA256 of the body>`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct External {
    pub url: String,
    pub secret: String,
}

/// What the bot answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Reply(String),
    /// The `index`-th message (from 1) of the standard-message folder.
    Standard {
        folder: String,
        index: usize,
    },
    /// Hand over to the agents, saying why.
    Handoff(String),
}

#[derive(Debug)]
struct Rule {
    keywords: Vec<String>,
    pattern: Option<Regex>,
    payloads: Vec<String>,
    answer: Answer,
}

#[derive(Debug)]
struct Hours {
    offset: FixedOffset,
    days: Vec<Weekday>,
    open: NaiveTime,
    close: NaiveTime,
    closed_message: String,
}

/// A checked flow, ready to answer.
#[derive(Debug)]
pub struct Flow {
    greeting: Option<String>,
    /// None: the bot says nothing to what it does not understand.
    fallback: Option<String>,
    fallbacks_before_handoff: u32,
    handoff_words: Vec<String>,
    handoff_message: String,
    menu_text: String,
    menu: Vec<(String, Answer)>,
    hours: Option<Hours>,
    rules: Vec<Rule>,
    pub external: Option<External>,
}

/// One thing the bot does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Say(String),
    SayStandard {
        folder: String,
        index: usize,
    },
    /// Turn the bot off and give the conversation to the agents.
    HandOver(String),
}

/// The customer message the bot answers, and what it needs to know.
pub struct Turn<'a> {
    pub text: &'a str,
    /// A tapped button's payload (`text` is then the button's title).
    pub payload: Option<&'a str>,
    /// The customer's name; empty when it is not known (never a
    /// platform's id).
    pub customer_name: &'a str,
    /// The conversation's first customer message.
    pub first: bool,
    pub now: DateTime<Utc>,
    /// The bot's fallback answers in a row just before this message.
    pub misses: u32,
    /// The bot's last message in the conversation, if any.
    pub last_bot: Option<&'a str>,
}

impl Default for Flow {
    fn default() -> Self {
        Flow::parse(DEFAULT_FLOW).expect("the built-in flow bots/default.toml is valid")
    }
}

fn answer_of(a: &AnswerFile, what: &str) -> Result<Answer, String> {
    let n = [a.reply.is_some(), a.standard.is_some(), a.handoff]
        .iter()
        .filter(|b| **b)
        .count();
    if n != 1 {
        return Err(format!(
            "{what} needs exactly one of reply, standard or handoff = true"
        ));
    }
    if let Some(r) = &a.reply {
        if r.trim().is_empty() {
            return Err(format!("{what} has an empty reply"));
        }
        return Ok(Answer::Reply(r.clone()));
    }
    if let Some(folder) = &a.standard {
        let index = a.standard_index.unwrap_or(1);
        if index == 0 {
            return Err(format!("{what}: standard_index counts from 1"));
        }
        return Ok(Answer::Standard {
            folder: folder.clone(),
            index,
        });
    }
    Ok(Answer::Handoff(
        a.handoff_reason
            .clone()
            .unwrap_or_else(|| format!("{what} says so")),
    ))
}

fn parse_time(s: &str, what: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| format!("hours.{what} {s:?} is not a time like 09:00"))
}

fn parse_day(s: &str) -> Result<Weekday, String> {
    s.trim()
        .parse::<Weekday>()
        .map_err(|_| format!("hours.days: {s:?} is not a day (mon, tue, ...)"))
}

impl Flow {
    /// Reads and checks a flow file's text: every mistake is reported with
    /// where it is.
    pub fn parse(text: &str) -> Result<Flow, String> {
        let f: FlowFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut rules = Vec::new();
        for (i, r) in f.rules.iter().enumerate() {
            let what = format!("rules[{}]", i + 1);
            let pattern = match &r.pattern {
                Some(p) => Some(Regex::new(p).map_err(|e| format!("{what}.pattern: {e}"))?),
                None => None,
            };
            let keywords: Vec<String> = r
                .keywords
                .iter()
                .map(|k| k.trim().to_lowercase())
                .filter(|k| !k.is_empty())
                .collect();
            let payloads: Vec<String> = r
                .payloads
                .iter()
                .filter(|p| !p.is_empty())
                .cloned()
                .collect();
            if pattern.is_none() && keywords.is_empty() && payloads.is_empty() {
                return Err(format!("{what} needs keywords, a pattern or payloads"));
            }
            rules.push(Rule {
                keywords,
                pattern,
                payloads,
                answer: answer_of(r, &what)?,
            });
        }
        let (menu_text, menu) = match &f.menu {
            None => (String::new(), Vec::new()),
            Some(m) => {
                let mut options = Vec::new();
                for (i, o) in m.options.iter().enumerate() {
                    let what = format!("menu.options[{}]", i + 1);
                    let label = o
                        .label
                        .clone()
                        .filter(|l| !l.trim().is_empty())
                        .ok_or_else(|| format!("{what} needs a label"))?;
                    let answer = match answer_of(o, &what)? {
                        Answer::Handoff(_) if o.handoff_reason.is_none() => {
                            Answer::Handoff(format!("the customer chose \"{label}\""))
                        }
                        a => a,
                    };
                    options.push((label, answer));
                }
                (m.text.clone(), options)
            }
        };
        let hours = match f.hours {
            None => None,
            Some(h) => Some(Hours {
                offset: h.utc_offset.trim().parse::<FixedOffset>().map_err(|_| {
                    format!("hours.utc_offset {:?} is not like +08:00", h.utc_offset)
                })?,
                days: h
                    .days
                    .iter()
                    .map(|d| parse_day(d))
                    .collect::<Result<_, _>>()?,
                open: parse_time(&h.open, "open")?,
                close: parse_time(&h.close, "close")?,
                closed_message: h.closed_message,
            }),
        };
        if let Some(e) = &f.external {
            let ok = e.url.starts_with("http://") || e.url.starts_with("https://");
            if !ok {
                return Err(format!(
                    "external.url {:?} is not an http(s) address",
                    e.url
                ));
            }
            if e.secret.trim().len() < 16 {
                return Err("external.secret must be at least 16 characters".into());
            }
        }
        Ok(Flow {
            greeting: f.greeting.filter(|g| !g.trim().is_empty()),
            fallback: f.fallback.filter(|t| !t.trim().is_empty()),
            fallbacks_before_handoff: f.fallbacks_before_handoff.unwrap_or(0),
            handoff_words: f
                .handoff_words
                .iter()
                .map(|w| w.trim().to_lowercase())
                .filter(|w| !w.is_empty())
                .collect(),
            handoff_message: f
                .handoff_message
                .unwrap_or_else(|| "Connecting you with our team now.".into()),
            menu_text,
            menu,
            hours,
            rules,
            external: f.external,
        })
    }

    /// Reads a flow file from disk.
    pub fn load(path: &std::path::Path) -> Result<Flow, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the bot flow {}: {e}", path.display()))?;
        Flow::parse(&text).map_err(|e| format!("the bot flow {}: {e}", path.display()))
    }

    /// Whether the flow can never say or do anything (an empty flow).
    pub fn is_silent(&self) -> bool {
        self.greeting.is_none()
            && self.fallback.is_none()
            && self.handoff_words.is_empty()
            && self.menu.is_empty()
            && self.rules.is_empty()
            && self.hours.is_none()
            && self.external.is_none()
    }

    /// What the flow does, in a few lines (for `chatsmart bot check`).
    pub fn summary(&self) -> Vec<String> {
        let mut out = Vec::new();
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        out.push(format!("greeting: {}", yes_no(self.greeting.is_some())));
        out.push(format!("menu options: {}", self.menu.len()));
        out.push(format!("rules: {}", self.rules.len()));
        out.push(match &self.hours {
            Some(h) => {
                let days: Vec<String> = h
                    .days
                    .iter()
                    .map(std::string::ToString::to_string)
                    .collect();
                format!(
                    "business hours: {} {}-{} (UTC{})",
                    days.join(" "),
                    h.open.format("%H:%M"),
                    h.close.format("%H:%M"),
                    h.offset
                )
            }
            None => "business hours: always open".into(),
        });
        out.push(format!(
            "fallback: {}",
            match (&self.fallback, self.fallbacks_before_handoff) {
                (None, _) => "says nothing".to_string(),
                (Some(_), 0) => "yes".to_string(),
                (Some(_), n) => format!("yes, handing over after {n} in a row"),
            }
        ));
        out.push(format!("handoff words: {}", self.handoff_words.join(", ")));
        if let Some(e) = &self.external {
            out.push(format!("outside bot: {}", e.url));
        }
        out
    }

    /// The fallback text, for counting misses in a row.
    pub fn fallback(&self) -> Option<&str> {
        self.fallback.as_deref()
    }

    /// Whether agents are in at `now` (always, without business hours).
    pub fn open_at(&self, now: DateTime<Utc>) -> bool {
        let Some(h) = &self.hours else {
            return true;
        };
        let local = now.with_timezone(&h.offset);
        let t = local.time();
        h.days.contains(&local.weekday()) && t >= h.open && t < h.close
    }

    fn menu(&self) -> Option<String> {
        if self.menu.is_empty() {
            return None;
        }
        let mut s = self.menu_text.trim().to_string();
        for (i, (label, _)) in self.menu.iter().enumerate() {
            if !s.is_empty() {
                s.push('\n');
            }
            s.push_str(&format!("{}. {label}", i + 1));
        }
        Some(s)
    }

    /// The handoff word the text asks for, if any.
    fn asks_for_person(&self, text: &str) -> Option<&str> {
        let lower = text.to_lowercase();
        self.handoff_words
            .iter()
            .find(|w| contains_word(&lower, w))
            .map(String::as_str)
    }

    /// What the bot does for one customer message: what it says goes as
    /// one message (a greeting with its menu, say), so a platform that
    /// counts messages (LINE's free reply) counts one.
    pub fn respond(&self, turn: &Turn) -> Vec<Step> {
        let mut out: Vec<Step> = Vec::new();
        for step in self.steps(turn) {
            match (out.last_mut(), step) {
                (Some(Step::Say(said)), Step::Say(more)) => {
                    said.push_str("\n\n");
                    said.push_str(&more);
                }
                (_, step) => out.push(step),
            }
        }
        out
    }

    fn steps(&self, turn: &Turn) -> Vec<Step> {
        let fill = |s: &str| fill_name(s, turn.customer_name);
        let open = self.open_at(turn.now);
        let closed_note = || {
            self.hours
                .as_ref()
                .filter(|_| !open)
                .map(|h| fill(&h.closed_message))
        };
        let hand_over = |why: String| {
            let mut say = fill(&self.handoff_message);
            if let Some(c) = closed_note() {
                say = format!("{say}\n\n{c}");
            }
            vec![Step::Say(say), Step::HandOver(why)]
        };
        let text = turn.text.trim();
        if let Some(word) = self.asks_for_person(text) {
            return hand_over(format!("the customer asked for a person (\"{word}\")"));
        }
        let mut steps = Vec::new();
        if turn.first {
            if let Some(g) = &self.greeting {
                steps.push(Step::Say(fill(g)));
            }
        }
        // A file without words is not a miss: the bot waits for words.
        if text.is_empty() && !turn.first {
            return steps;
        }
        // A tap is answered by its payload first; then, like typed words,
        // by a menu option (its number or its label) or a rule.
        let tapped = turn.payload.and_then(|p| {
            self.rules
                .iter()
                .find(|r| r.payloads.iter().any(|x| x == p))
                .map(|r| r.answer.clone())
        });
        let chosen = text
            .trim_end_matches(['.', ')'])
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| self.menu.get(i))
            .or_else(|| {
                self.menu
                    .iter()
                    .find(|(label, _)| label.trim().eq_ignore_ascii_case(text))
            })
            .map(|(_, a)| a.clone());
        let answer = tapped.or(chosen).or_else(|| {
            let lower = text.to_lowercase();
            self.rules
                .iter()
                .find(|r| {
                    r.keywords.iter().any(|k| contains_word(&lower, k))
                        || r.pattern.as_ref().is_some_and(|p| p.is_match(text))
                })
                .map(|r| r.answer.clone())
        });
        match answer {
            Some(Answer::Reply(r)) => steps.push(Step::Say(fill(&r))),
            Some(Answer::Standard { folder, index }) => {
                steps.push(Step::SayStandard { folder, index });
            }
            Some(Answer::Handoff(why)) => {
                steps.extend(hand_over(why));
                return steps;
            }
            None if turn.first => {
                if let Some(m) = self.menu() {
                    steps.push(Step::Say(fill(&m)));
                }
                if let Some(c) = closed_note() {
                    steps.push(Step::Say(c));
                }
            }
            None => {
                if self.fallbacks_before_handoff > 0
                    && turn.misses + 1 >= self.fallbacks_before_handoff
                {
                    return hand_over(format!(
                        "the bot did not understand {} messages in a row",
                        turn.misses + 1
                    ));
                }
                if let Some(c) = closed_note() {
                    // Said once: the customer already knows.
                    if !turn.last_bot.is_some_and(|b| b.ends_with(c.as_str())) {
                        steps.push(Step::Say(c));
                    }
                } else if let Some(fallback) = &self.fallback {
                    let mut say = fill(fallback);
                    if let Some(m) = self.menu() {
                        say = format!("{say}\n\n{}", fill(&m));
                    }
                    steps.push(Step::Say(say));
                }
            }
        }
        steps
    }
}

/// `text` with `{name}` filled in; with no name known, `{name}` goes with
/// the space or comma before it ("Hi {name}!" says "Hi!"), so the bot
/// never greets anyone by a platform's id or by nothing.
pub fn fill_name(text: &str, name: &str) -> String {
    let name = name.trim();
    if !name.is_empty() {
        return text.replace("{name}", name);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("{name}") {
        out.push_str(rest[..i].trim_end_matches([' ', ',', '\u{3001}', '\u{ff0c}']));
        rest = &rest[i + "{name}".len()..];
    }
    out.push_str(rest);
    out
}

/// Whether `word` (lower case) is in `text` (lower case): as a whole word
/// for words in Latin letters, anywhere for scripts written without spaces
/// (真人 in 我要真人).
fn contains_word(text: &str, word: &str) -> bool {
    if !word.is_ascii() {
        return text.contains(word);
    }
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests;
