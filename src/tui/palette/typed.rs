//! Commands typed after `:`, such as `assign bob`, `snooze 2h`,
//! `priority high` or `filter channel=line status=open`: parsing into what
//! to do, and completing the word being typed.

use super::super::command::Command;
use crate::protocol::*;
use chrono::{DateTime, FixedOffset, Utc};

/// What the parser needs to know about the workspace.
pub struct Ctx<'a> {
    pub agents: &'a [Agent],
    pub tags: &'a [TagInfo],
    pub macros: &'a [String],
    pub now: DateTime<Utc>,
    pub tz: FixedOffset,
}

/// One change of the list's filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterSet {
    Channel(Option<ChannelKind>),
    Status(Option<StatusSet>),
    Assignee(Option<AssigneeFilter>),
    Section(Option<Section>),
    /// A tag by name (None: any tag).
    Tag(Option<TagId>),
    Sort(ListSort),
    /// Back to the defaults.
    Clear,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typed {
    /// A named command of the keymap, or a short alias of one.
    Run(Command),
    /// An action on the open, selected or marked conversations.
    Act(BulkAction),
    Filter(Vec<FilterSet>),
    Macro(String),
}

/// The words a line can start with, besides command names.
pub const VERBS: &[(&str, &str)] = &[
    ("assign", "assign AGENT|me"),
    ("unassign", "unassign AGENT|me"),
    ("bot", "bot on|off"),
    ("tag", "tag NAME"),
    ("resolve", "resolve"),
    ("reopen", "reopen"),
    ("pending", "pending"),
    ("snooze", "snooze 2h|tonight|tomorrow 09:00|next week|reply"),
    ("priority", "priority none|low|medium|high|urgent"),
    ("status", "status open|pending|resolved"),
    (
        "filter",
        "filter channel=line status=open assignee=me section=bot tag=NAME | clear",
    ),
    ("sort", "sort activity|waiting|priority"),
    ("macro", "macro NAME"),
    ("help", "help"),
    ("quit", "quit"),
];

const SNOOZES: &[&str] = &["1h", "tonight", "tomorrow 09:00", "next week", "reply"];

/// An agent by "me", id, login or name (any case, then any part of it);
/// several matching is an error that names them. Shared with the CLI.
pub fn find_agent(agents: &[Agent], who: &str, me: Option<AgentId>) -> Result<AgentId, String> {
    let w = who.trim();
    if w.eq_ignore_ascii_case("me") {
        return me.ok_or_else(|| "not signed in yet".to_string());
    }
    if let Some(a) = w
        .parse::<AgentId>()
        .ok()
        .and_then(|id| agents.iter().find(|a| a.id == id))
    {
        return Ok(a.id);
    }
    if let Some(a) = agents
        .iter()
        .find(|a| a.login.eq_ignore_ascii_case(w) || a.name.eq_ignore_ascii_case(w))
    {
        return Ok(a.id);
    }
    let lower = w.to_lowercase();
    let named: Vec<&Agent> = agents
        .iter()
        .filter(|a| a.name.to_lowercase().contains(&lower) || a.login.contains(&lower))
        .collect();
    match named[..] {
        [a] => Ok(a.id),
        [] => Err(format!("no agent {w:?} (give a login, a name or an id)")),
        _ => Err(format!(
            "{w:?} could be {}",
            named
                .iter()
                .map(|a| a.login.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn none_word(v: &str) -> bool {
    matches!(v, "all" | "any" | "none" | "*")
}

fn filter_item(ctx: &Ctx, item: &str) -> Result<FilterSet, String> {
    if item.eq_ignore_ascii_case("clear") || item.eq_ignore_ascii_case("reset") {
        return Ok(FilterSet::Clear);
    }
    let (k, v) = item
        .split_once('=')
        .ok_or_else(|| format!("{item:?}: write key=value, for example channel=line"))?;
    let v = v.trim().to_lowercase();
    let v = v.as_str();
    Ok(match k.trim().to_lowercase().as_str() {
        "channel" => FilterSet::Channel(if none_word(v) { None } else { Some(v.parse()?) }),
        "status" => FilterSet::Status(match v {
            "all" | "any" | "*" => None,
            "active" => Some(StatusSet::active()),
            _ => Some(v.parse()?),
        }),
        "assignee" => FilterSet::Assignee(if none_word(v) { None } else { Some(v.parse()?) }),
        "section" => FilterSet::Section(if none_word(v) { None } else { Some(v.parse()?) }),
        "tag" => FilterSet::Tag(if none_word(v) {
            None
        } else {
            Some(
                ctx.tags
                    .iter()
                    .find(|t| t.tag.name.eq_ignore_ascii_case(v))
                    .map(|t| t.tag.id)
                    .ok_or_else(|| format!("no tag named {v:?}"))?,
            )
        }),
        "sort" => FilterSet::Sort(v.parse()?),
        other => {
            return Err(format!(
                "unknown filter {other:?} (channel, status, assignee, section, tag, sort)"
            ))
        }
    })
}

/// Reads a typed line. `me` is the signed-in agent.
pub fn parse(line: &str, ctx: &Ctx, me: Option<AgentId>) -> Result<Typed, String> {
    let line = line.trim().trim_start_matches(':').trim();
    let (verb, rest) = match line.split_once(char::is_whitespace) {
        Some((v, r)) => (v, r.trim()),
        None => (line, ""),
    };
    let need = |what: &str| -> Result<(), String> {
        if rest.is_empty() {
            Err(format!("{verb} what? {what}"))
        } else {
            Ok(())
        }
    };
    let status = |s| {
        Ok(Typed::Act(BulkAction::Status {
            status: s,
            snooze_until: None,
        }))
    };
    match verb.to_lowercase().as_str() {
        "" => Err("type a command; tab completes".into()),
        "assign" => {
            need("an agent, or me")?;
            Ok(Typed::Act(BulkAction::Assign {
                agent_id: find_agent(ctx.agents, rest, me)?,
            }))
        }
        "unassign" => {
            need("an agent, or me")?;
            Ok(Typed::Act(BulkAction::Unassign {
                agent_id: find_agent(ctx.agents, rest, me)?,
            }))
        }
        "bot" => match rest.to_lowercase().as_str() {
            "on" => Ok(Typed::Act(BulkAction::Bot { active: true })),
            "off" => Ok(Typed::Act(BulkAction::Bot { active: false })),
            _ => Err("bot on or bot off".into()),
        },
        "tag" => {
            need("a tag name")?;
            let rest = rest.trim_start_matches('#');
            Ok(Typed::Act(
                match ctx
                    .tags
                    .iter()
                    .find(|t| t.tag.name.eq_ignore_ascii_case(rest))
                {
                    Some(t) => BulkAction::Tag {
                        tag_id: Some(t.tag.id),
                        name: None,
                    },
                    None => BulkAction::Tag {
                        tag_id: None,
                        name: Some(rest.to_string()),
                    },
                },
            ))
        }
        "resolve" | "done" => status(ConvStatus::Resolved),
        "reopen" | "open" if rest.is_empty() => status(ConvStatus::Open),
        "pending" => status(ConvStatus::Pending),
        "status" => {
            need("open, pending or resolved")?;
            match rest.parse::<ConvStatus>()? {
                ConvStatus::Snoozed => Err("snooze WHEN, for example snooze 2h".into()),
                s => status(s),
            }
        }
        "snooze" => {
            need("for example 2h, tonight, tomorrow 09:00, next week, reply")?;
            let until = super::super::when::snooze_until(rest, ctx.now, ctx.tz)?;
            Ok(Typed::Act(BulkAction::Status {
                status: ConvStatus::Snoozed,
                snooze_until: until,
            }))
        }
        "priority" | "prio" => {
            need("none, low, medium, high or urgent")?;
            Ok(Typed::Act(BulkAction::Priority {
                priority: rest.parse()?,
            }))
        }
        "filter" | "f" => {
            need("for example channel=line status=open, or clear")?;
            let items = rest
                .split_whitespace()
                .map(|i| filter_item(ctx, i))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Typed::Filter(items))
        }
        "sort" => {
            need("activity, waiting or priority")?;
            Ok(Typed::Filter(vec![FilterSet::Sort(rest.parse()?)]))
        }
        "macro" | "m" => {
            need("a macro name")?;
            ctx.macros
                .iter()
                .find(|m| m.eq_ignore_ascii_case(rest))
                .map(|m| Typed::Macro(m.clone()))
                .ok_or_else(|| format!("no macro named {rest:?}"))
        }
        "help" | "h" | "?" => Ok(Typed::Run(Command::HelpOpen)),
        "quit" | "q" => Ok(Typed::Run(Command::Quit)),
        _ => match Command::from_name(verb) {
            Some(c) if rest.is_empty() => Ok(Typed::Run(c)),
            Some(_) => Err(format!("{verb} takes nothing after it")),
            None => Err(format!("unknown command {verb:?}; tab completes")),
        },
    }
}

/// Whole lines the typed `line` could become, best first.
pub fn complete(line: &str, ctx: &Ctx) -> Vec<String> {
    let line = line.trim_start_matches(':').trim_start();
    let Some((verb, rest)) = line.split_once(char::is_whitespace) else {
        // The first word: verbs, then command names.
        let w = line.to_lowercase();
        let mut out: Vec<String> = VERBS
            .iter()
            .map(|(v, _)| v.to_string())
            .filter(|v| v.starts_with(&w))
            .collect();
        out.extend(
            Command::ALL
                .iter()
                .map(|c| c.name().to_string())
                .filter(|n| n.starts_with(&w) || (w.len() > 1 && n.contains(&w))),
        );
        return out;
    };
    let rest = rest.trim_start();
    let with = |words: Vec<String>| -> Vec<String> {
        let r = rest.to_lowercase();
        words
            .into_iter()
            .filter(|w| w.to_lowercase().starts_with(&r) && !w.eq_ignore_ascii_case(rest))
            .map(|w| format!("{verb} {w}"))
            .collect()
    };
    match verb.to_lowercase().as_str() {
        "assign" | "unassign" => with(
            std::iter::once("me".to_string())
                .chain(ctx.agents.iter().map(|a| a.login.clone()))
                .collect(),
        ),
        "bot" => with(vec!["on".into(), "off".into()]),
        "tag" => with(ctx.tags.iter().map(|t| t.tag.name.clone()).collect()),
        "snooze" => with(
            SNOOZES
                .iter()
                .map(std::string::ToString::to_string)
                .collect(),
        ),
        "priority" | "prio" => with(
            Priority::ALL
                .iter()
                .map(std::string::ToString::to_string)
                .collect(),
        ),
        "status" => with(
            ["open", "pending", "resolved"]
                .iter()
                .map(std::string::ToString::to_string)
                .collect(),
        ),
        "sort" => with(
            ["activity", "waiting", "priority"]
                .iter()
                .map(std::string::ToString::to_string)
                .collect(),
        ),
        "macro" | "m" => with(ctx.macros.to_vec()),
        "filter" | "f" => {
            // Complete the last key=value; keep what comes before it.
            let (before, last) = match rest.rsplit_once(char::is_whitespace) {
                Some((b, l)) => (format!("{b} "), l),
                None => (String::new(), rest),
            };
            let options: Vec<String> = match last.split_once('=') {
                None => [
                    "channel=",
                    "status=",
                    "assignee=",
                    "section=",
                    "tag=",
                    "sort=",
                    "clear",
                ]
                .iter()
                .map(std::string::ToString::to_string)
                .collect(),
                Some((k, _)) => {
                    let values: Vec<String> = match k {
                        "channel" => std::iter::once("all".to_string())
                            .chain(ChannelKind::ALL.iter().map(|c| c.as_str().to_string()))
                            .collect(),
                        "status" => ["active", "open", "pending", "snoozed", "resolved", "all"]
                            .iter()
                            .map(std::string::ToString::to_string)
                            .collect(),
                        "assignee" => ["me", "unassigned", "others", "all"]
                            .iter()
                            .map(std::string::ToString::to_string)
                            .collect(),
                        "section" => ["agent", "bot", "all"]
                            .iter()
                            .map(std::string::ToString::to_string)
                            .collect(),
                        "tag" => std::iter::once("all".to_string())
                            .chain(ctx.tags.iter().map(|t| t.tag.name.clone()))
                            .collect(),
                        "sort" => ["activity", "waiting", "priority"]
                            .iter()
                            .map(std::string::ToString::to_string)
                            .collect(),
                        _ => Vec::new(),
                    };
                    values.into_iter().map(|v| format!("{k}={v}")).collect()
                }
            };
            let l = last.to_lowercase();
            options
                .into_iter()
                .filter(|o| o.to_lowercase().starts_with(&l) && *o != last)
                .map(|o| format!("{verb} {before}{o}"))
                .collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agents() -> Vec<Agent> {
        super::super::super::fixtures::agents()
    }

    fn tags() -> Vec<TagInfo> {
        vec![TagInfo {
            tag: Tag {
                id: 7,
                name: "refund".into(),
                color: "red".into(),
            },
            customers: 2,
        }]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        #[test]
        fn any_line_is_a_command_or_a_reason(line in "(assign|snooze|filter|tag|priority|macro|sort|me|=|channel|status| |[a-z0-9]{1,8}|\\PC){0,8}") {
            with(|ctx| {
                let _ = parse(&line, ctx, Some(2));
                let _ = complete(&line, ctx);
            });
        }
    }

    fn with<T>(f: impl FnOnce(&Ctx) -> T) -> T {
        let (a, t) = (agents(), tags());
        let macros = vec!["Refund request".to_string()];
        let ctx = Ctx {
            agents: &a,
            tags: &t,
            macros: &macros,
            now: super::super::super::fixtures::now(),
            tz: FixedOffset::east_opt(0).unwrap(),
        };
        f(&ctx)
    }

    fn p(line: &str) -> Result<Typed, String> {
        with(|c| parse(line, c, Some(1)))
    }

    #[test]
    fn actions_with_arguments() {
        assert_eq!(
            p(":assign bob"),
            Ok(Typed::Act(BulkAction::Assign { agent_id: 2 }))
        );
        assert_eq!(
            p("assign me"),
            Ok(Typed::Act(BulkAction::Assign { agent_id: 1 }))
        );
        assert_eq!(
            p("unassign bob.chen"),
            Ok(Typed::Act(BulkAction::Unassign { agent_id: 2 }))
        );
        assert_eq!(
            p("priority HIGH"),
            Ok(Typed::Act(BulkAction::Priority {
                priority: Priority::High
            }))
        );
        let now = super::super::super::fixtures::now();
        assert_eq!(
            p("snooze 2h"),
            Ok(Typed::Act(BulkAction::Status {
                status: ConvStatus::Snoozed,
                snooze_until: Some(now + chrono::Duration::hours(2))
            }))
        );
        assert_eq!(
            p("snooze reply"),
            Ok(Typed::Act(BulkAction::Status {
                status: ConvStatus::Snoozed,
                snooze_until: None
            }))
        );
        assert_eq!(
            p("tag Refund"),
            Ok(Typed::Act(BulkAction::Tag {
                tag_id: Some(7),
                name: None
            }))
        );
        assert_eq!(
            p("tag #vip-gold"),
            Ok(Typed::Act(BulkAction::Tag {
                tag_id: None,
                name: Some("vip-gold".into())
            }))
        );
        assert_eq!(
            p("bot off"),
            Ok(Typed::Act(BulkAction::Bot { active: false }))
        );
        assert_eq!(
            p("resolve"),
            Ok(Typed::Act(BulkAction::Status {
                status: ConvStatus::Resolved,
                snooze_until: None
            }))
        );
        assert_eq!(p("list.next"), Ok(Typed::Run(Command::ListNext)));
        assert_eq!(p("q"), Ok(Typed::Run(Command::Quit)));
        assert_eq!(
            p("macro refund request"),
            Ok(Typed::Macro("Refund request".into()))
        );
    }

    #[test]
    fn filters() {
        assert_eq!(
            p("filter channel=line status=open assignee=me"),
            Ok(Typed::Filter(vec![
                FilterSet::Channel(Some(ChannelKind::Line)),
                FilterSet::Status(Some(StatusSet::from(ConvStatus::Open))),
                FilterSet::Assignee(Some(AssigneeFilter::Me)),
            ]))
        );
        assert_eq!(
            p("filter channel=all tag=refund section=bot sort=waiting"),
            Ok(Typed::Filter(vec![
                FilterSet::Channel(None),
                FilterSet::Tag(Some(7)),
                FilterSet::Section(Some(Section::Bot)),
                FilterSet::Sort(ListSort::Waiting),
            ]))
        );
        assert_eq!(p("filter clear"), Ok(Typed::Filter(vec![FilterSet::Clear])));
        assert_eq!(
            p("sort priority"),
            Ok(Typed::Filter(vec![FilterSet::Sort(ListSort::Priority)]))
        );
    }

    #[test]
    fn mistakes_are_explained() {
        for (line, says) in [
            ("assign", "assign what?"),
            ("assign nobody", "no agent"),
            ("assign a", "could be"),
            ("priority extreme", "unknown priority"),
            ("snooze whenever", "try"),
            ("filter channel", "key=value"),
            ("filter colour=red", "unknown filter"),
            ("filter channel=fax", "fax"),
            ("filter tag=nope", "no tag"),
            ("frobnicate", "unknown command"),
            ("bot maybe", "bot on or bot off"),
            ("macro nope", "no macro"),
            ("list.next now", "takes nothing"),
        ] {
            let e = p(line).unwrap_err();
            assert!(e.contains(says), "{line}: {e}");
        }
    }

    #[test]
    fn completion_of_verbs_and_arguments() {
        let c = |l: &str| with(|ctx| complete(l, ctx));
        assert_eq!(c("ass")[0], "assign");
        assert!(c("ass").contains(&"assign.open".to_string()));
        assert_eq!(c("assign b"), vec!["assign bob.chen"]);
        assert!(c("assign ").contains(&"assign me".to_string()));
        assert_eq!(c("priority h"), vec!["priority high"]);
        assert_eq!(
            c("snooze to"),
            vec!["snooze tonight", "snooze tomorrow 09:00"]
        );
        assert_eq!(c("filter ch"), vec!["filter channel="]);
        assert_eq!(c("filter channel=l"), vec!["filter channel=line"]);
        assert_eq!(
            c("filter status=open assignee=u"),
            vec!["filter status=open assignee=unassigned"]
        );
        assert_eq!(c("tag re"), vec!["tag refund"]);
        assert!(c("priority high").is_empty(), "complete already");
    }
}
