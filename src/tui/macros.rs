//! Macros in the inbox: personal ones from `macros.toml` in the config
//! directory, shared ones from the server, run with a key
//! (`"f5" = "macro.Refund request"` in keymap.toml) or from the palette.
//!
//! A run is planned here (every step checked: the standard reply exists,
//! the agent is known, the time parses) and then carried out step by step
//! by the runner; one that fails halfway says which step failed and what
//! was already done.

use super::app::{App, Focus, Level};
use super::event::Effect;
use crate::client::Client;
use crate::protocol::*;
use serde::Deserialize;

/// A macro as the inbox offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroDef {
    pub name: String,
    pub steps: Vec<MacroStep>,
    /// From the server (shared) or the config directory (personal).
    pub shared: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "macro")]
    macros: Vec<Macro>,
}

/// Reads `macros.toml`: `[[macro]]` tables with a `name` and `steps`.
/// Returns the good macros and a problem per bad one.
pub fn parse_file(file: &str, text: &str) -> (Vec<Macro>, Vec<String>) {
    let parsed: File = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            return (Vec::new(), vec![crate::config::toml_error(file, text, &e)]);
        }
    };
    let mut good = Vec::new();
    let mut problems = Vec::new();
    for m in parsed.macros {
        match check_macro(&m.name, &m.steps) {
            Ok(()) => good.push(m),
            Err(e) => problems.push(format!("{file}: {e}")),
        }
    }
    (good, problems)
}

/// The personal macros, from the config directory.
pub fn load_personal() -> (Vec<Macro>, Vec<String>) {
    let Some(path) = crate::dirs::macros_file() else {
        return (Vec::new(), Vec::new());
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_file(&path.display().to_string(), &text),
        Err(_) => (Vec::new(), Vec::new()),
    }
}

/// Personal macros first; a shared one with the same name is hidden by
/// the personal one.
pub fn combine(app: &mut App) {
    let mut all: Vec<MacroDef> = app
        .config
        .personal_macros
        .iter()
        .map(|m| MacroDef {
            name: m.name.clone(),
            steps: m.steps.clone(),
            shared: false,
        })
        .collect();
    for s in &app.mirror.shared_macros {
        if !all.iter().any(|m| m.name.eq_ignore_ascii_case(&s.name)) {
            all.push(MacroDef {
                name: s.name.clone(),
                steps: s.steps.clone(),
                shared: true,
            });
        }
    }
    app.macros = all;
}

/// A step ready to carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    /// Text for the reply box (done here, when the run reports back).
    Insert(String),
    Send(String),
    Act(BulkAction),
    AssignTeam(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroRun {
    pub name: String,
    pub targets: Vec<ConversationId>,
    /// What each step is called, and what it does.
    pub steps: Vec<(String, Planned)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroReport {
    pub name: String,
    /// The conversation the inserted text goes to.
    pub conversation: Option<ConversationId>,
    pub done: Vec<String>,
    pub inserts: Vec<String>,
    /// The step (1-based) that failed, what it is, and why.
    pub failed: Option<(usize, String, String)>,
    /// Steps not reached.
    pub skipped: Vec<String>,
}

/// Runs the macro `name` on the open, selected or marked conversations.
pub fn run(app: &mut App, name: &str, fx: &mut Vec<Effect>) {
    let Some(def) = app
        .macros
        .iter()
        .find(|m| m.name.eq_ignore_ascii_case(name))
        .cloned()
    else {
        app.notify(format!("no macro named {name:?}"), Level::Error);
        return;
    };
    match plan(app, &def) {
        Ok(run) => fx.push(Effect::RunMacro(run)),
        Err((i, e)) => app.show_toast(
            format!("Macro {}: nothing was done", def.name),
            vec![format!("step {} ({}): {e}", i + 1, def.steps[i].describe())],
            Level::Error,
        ),
    }
}

/// Checks every step against what the inbox knows; the first that cannot
/// work stops the run before anything is done.
pub fn plan(app: &App, def: &MacroDef) -> Result<MacroRun, (usize, String)> {
    let targets = super::triage::targets(app);
    if targets.is_empty() {
        return Err((0, "open, select or mark a conversation first".into()));
    }
    super::palette::with_ctx(app, |ctx| plan_in(app, def, targets, ctx))
}

fn plan_in(
    app: &App,
    def: &MacroDef,
    targets: Vec<ConversationId>,
    ctx: &super::palette::typed::Ctx,
) -> Result<MacroRun, (usize, String)> {
    let me = app.mirror.me.as_ref().map(|m| m.id);
    let one = |i: usize| -> Result<ConversationId, (usize, String)> {
        match targets[..] {
            [id] => Ok(id),
            _ => Err((i, "writes a reply: run it on one conversation".into())),
        }
    };
    let act = |i: usize, line: String| -> Result<Planned, (usize, String)> {
        match super::palette::typed::parse(&line, ctx, me) {
            Ok(super::palette::typed::Typed::Act(a)) => Ok(Planned::Act(a)),
            Ok(_) => Err((i, "not an action".into())),
            Err(e) => Err((i, e)),
        }
    };
    let mut steps = Vec::new();
    for (i, s) in def.steps.iter().enumerate() {
        let planned = match s {
            MacroStep::Standard(find) => {
                let id = one(i)?;
                let f = find.to_lowercase();
                let hit = super::standard::hits(app, "").into_iter().find(|h| {
                    let (folder, m) = super::standard::message(app, *h);
                    format!("{} {}", folder.name, m.text)
                        .to_lowercase()
                        .contains(&f)
                });
                let _ = id;
                match hit {
                    Some(h) => Planned::Insert(super::standard::filled(app, h)),
                    None => return Err((i, format!("no standard reply matches {find:?}"))),
                }
            }
            MacroStep::Text(t) => {
                one(i)?;
                Planned::Insert(super::standard::fill_text(app, t))
            }
            MacroStep::Reply(t) => {
                one(i)?;
                Planned::Send(super::standard::fill_text(app, t))
            }
            MacroStep::Tag(t) => act(i, format!("tag {t}"))?,
            MacroStep::Assign(a) => act(i, format!("assign {a}"))?,
            MacroStep::Unassign(a) => act(i, format!("unassign {a}"))?,
            MacroStep::AssignTeam(t) => {
                if !app.mirror.teams.is_empty()
                    && !app
                        .mirror
                        .teams
                        .iter()
                        .any(|x| x.name.eq_ignore_ascii_case(t))
                {
                    return Err((i, format!("no team named {t:?}")));
                }
                Planned::AssignTeam(t.clone())
            }
            MacroStep::Status(ConvStatus::Snoozed) => {
                return Err((i, "use { snooze = \"2h\" } to snooze".into()))
            }
            MacroStep::Status(st) => Planned::Act(BulkAction::Status {
                status: *st,
                snooze_until: None,
            }),
            MacroStep::Snooze(w) => act(i, format!("snooze {w}"))?,
            MacroStep::Priority(p) => Planned::Act(BulkAction::Priority { priority: *p }),
            MacroStep::Bot(on) => Planned::Act(BulkAction::Bot { active: *on }),
        };
        steps.push((s.describe(), planned));
    }
    Ok(MacroRun {
        name: def.name.clone(),
        targets,
        steps,
    })
}

/// Carries a planned run out against the server, step by step, each step
/// on every target before the next; stops at the first failure.
pub async fn execute(client: &Client, run: MacroRun) -> MacroReport {
    let mut report = MacroReport {
        name: run.name.clone(),
        conversation: match run.targets[..] {
            [id] => Some(id),
            _ => None,
        },
        done: Vec::new(),
        inserts: Vec::new(),
        failed: None,
        skipped: Vec::new(),
    };
    let mut steps = run.steps.into_iter().enumerate();
    for (i, (what, step)) in steps.by_ref() {
        let result: Result<(), String> = match &step {
            Planned::Insert(t) => {
                report.inserts.push(t.clone());
                Ok(())
            }
            Planned::Send(text) => {
                let mut r = Ok(());
                for id in &run.targets {
                    let client_id = uuid::Uuid::new_v4().to_string();
                    if let Err(e) = client.send_message(*id, text, &client_id).await {
                        r = Err(e.to_string());
                        break;
                    }
                }
                r
            }
            Planned::AssignTeam(team) => {
                let mut r = Ok(());
                for id in &run.targets {
                    if let Err(e) = client.assign_team(*id, team).await {
                        r = Err(e.to_string());
                        break;
                    }
                }
                r
            }
            Planned::Act(action) => client
                .bulk(&BulkRequest {
                    ids: run.targets.clone(),
                    action: action.clone(),
                })
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| match r.results.iter().find(|x| !x.ok) {
                    None => Ok(()),
                    Some(x) => Err(format!(
                        "#{}: {}",
                        x.id,
                        x.error.clone().unwrap_or_default()
                    )),
                }),
        };
        match result {
            Ok(()) => report.done.push(what),
            Err(e) => {
                report.failed = Some((i + 1, what, e));
                break;
            }
        }
    }
    report.skipped = steps.map(|(_, (what, _))| what).collect();
    report
}

/// The runner's report: inserted text goes into the reply box, and the
/// agent hears what happened.
pub fn finished(app: &mut App, r: MacroReport) {
    if let Some(id) = r.conversation {
        for text in &r.inserts {
            super::standard::insert_into_draft(app, id, text);
        }
        if !r.inserts.is_empty() && app.open == Some(id) {
            app.focus = Focus::Compose;
        }
    }
    match &r.failed {
        None => app.notify(
            format!(
                "macro {}: {} step{} done",
                r.name,
                r.done.len(),
                if r.done.len() == 1 { "" } else { "s" }
            ),
            Level::Info,
        ),
        Some((n, what, why)) => {
            let mut lines = vec![format!("step {n} ({what}) failed: {why}")];
            if r.done.is_empty() {
                lines.push("nothing was done before it".into());
            } else {
                lines.push(format!("done: {}", r.done.join("; ")));
            }
            if !r.skipped.is_empty() {
                lines.push(format!("not done: {}", r.skipped.join("; ")));
            }
            app.show_toast(format!("Macro {} stopped", r.name), lines, Level::Error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macros_toml_reads_steps_and_reports_bad_ones() {
        let text = r#"
[[macro]]
name = "Refund request"
steps = [
  { standard = "refund" },
  { tag = "refund" },
  { assign_team = "Billing" },
  { status = "pending" },
]

[[macro]]
name = "Empty"
steps = []
"#;
        let (good, problems) = parse_file("macros.toml", text);
        assert_eq!(good.len(), 1);
        assert_eq!(
            good[0].steps,
            vec![
                MacroStep::Standard("refund".into()),
                MacroStep::Tag("refund".into()),
                MacroStep::AssignTeam("Billing".into()),
                MacroStep::Status(ConvStatus::Pending),
            ]
        );
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("no steps"), "{problems:?}");
        let (_, problems) = parse_file(
            "macros.toml",
            "[[macro]]\nname = \"x\"\nsteps = [ { fly = \"away\" } ]\n",
        );
        assert!(problems[0].starts_with("macros.toml:"), "{problems:?}");
    }
}
