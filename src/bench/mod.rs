//! `chatsmart bench`: measures the figures that make chatsmart fast to use
//! (frame cost, bytes to the terminal, key to screen, ingest, ...) on this
//! machine, in one run, and prints one table with each budget and PASS or
//! FAIL. Budgets live here, never in timed tests.
//!
//! `--quick` runs every row at small sizes to prove the harness works (CI
//! does that); its figures are not the published ones.

mod client;
pub mod data;
mod postgres;
mod process;
mod server;

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    /// A figure shown for context, without a budget of its own.
    Info,
    /// Not measured by this build yet.
    Todo,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub what: String,
    pub budget: String,
    pub measured: String,
    pub verdict: Verdict,
}

impl Row {
    pub fn new(what: impl Into<String>, budget: impl Into<String>) -> Self {
        Row {
            what: what.into(),
            budget: budget.into(),
            measured: String::new(),
            verdict: Verdict::Info,
        }
    }

    /// The figure, and whether it is within budget.
    pub fn check(mut self, measured: impl Into<String>, ok: bool) -> Self {
        self.measured = measured.into();
        self.verdict = if ok { Verdict::Pass } else { Verdict::Fail };
        self
    }

    pub fn info(mut self, measured: impl Into<String>) -> Self {
        self.measured = measured.into();
        self.verdict = Verdict::Info;
        self
    }

    pub fn todo(mut self, why: impl Into<String>) -> Self {
        self.measured = why.into();
        self.verdict = Verdict::Todo;
        self
    }
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Small sizes: proves the harness, not the budgets.
    pub quick: bool,
    /// Only the groups whose name contains this (for profiling one).
    pub only: Option<String>,
    /// A PostgreSQL server to make the replicas' databases on (its admin
    /// URL); without it those rows are not measured.
    pub postgres: Option<String>,
}

impl Options {
    fn wants(&self, group: &str) -> bool {
        self.only
            .as_deref()
            .is_none_or(|o| group.to_lowercase().contains(&o.to_lowercase()))
    }
}

/// Sizes for a run: the real ones, or a tenth (about) in quick mode.
pub fn size(opts: &Options, real: usize, quick: usize) -> usize {
    if opts.quick {
        quick
    } else {
        real
    }
}

pub fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// The p-th percentile (0..=100) of some durations.
pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    samples.sort_unstable();
    let i = ((p / 100.0) * (samples.len() - 1) as f64).round() as usize;
    samples[i.min(samples.len() - 1)]
}

/// Resident memory of this process, in bytes (Linux; None elsewhere).
pub fn rss() -> Option<u64> {
    rss_of("self")
}

/// Resident memory of process `pid` ("self" for this one), in bytes.
pub fn rss_of(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// "x86_64, 2 cores, Intel(R) Xeon(R) ..., 24 GiB, linux".
pub fn machine() -> String {
    let cores = std::thread::available_parallelism()
        .map(std::num::NonZero::get)
        .unwrap_or(1);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| format!("{} GiB", (kb + 512 * 1024) / (1024 * 1024)))
        .unwrap_or_else(|| "? GiB".into());
    format!(
        "{}, {cores} core{}, {cpu}, {mem}, {}",
        std::env::consts::ARCH,
        if cores == 1 { "" } else { "s" },
        std::env::consts::OS
    )
}

/// Every row, in the order. `progress` hears each row's name as
/// it starts (the server rows take a while).
pub async fn run(opts: Options, progress: impl Fn(&str)) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let o = &opts;
    if o.wants("memory") {
        progress("memory (client)");
        rows.extend(client::memory(o));
    }
    if o.wants("frame") {
        progress("frame render");
        rows.extend(client::frame_render(o));
    }
    if o.wants("bytes") {
        progress("bytes to the terminal");
        rows.extend(client::bytes_to_terminal(o)?);
    }
    if o.wants("key") {
        progress("key to screen");
        rows.extend(client::key_to_screen(o)?);
    }
    if o.wants("ingest") {
        progress("ingest");
        rows.extend(server::ingest(o).await?);
    }
    if o.wants("spreadsheets") {
        progress("spreadsheets");
        rows.extend(server::spreadsheets(o).await?);
    }
    if o.wants("search") {
        progress("search");
        rows.extend(server::search(o).await?);
    }
    if o.wants("fan-out") {
        progress("fan-out");
        rows.extend(server::fan_out(o).await?);
    }
    if o.wants("sockets") {
        progress("idle sockets");
        rows.extend(process::idle_sockets(o).await?);
    }
    if o.wants("login-flood") {
        progress("login flood");
        rows.extend(process::login_flood(o).await?);
    }
    if o.wants("replicas") {
        progress("replicas on PostgreSQL");
        rows.extend(postgres::rows(o).await?);
    }
    if o.wants("start-up") {
        progress("start-up");
        rows.extend(process::start_up(o).await?);
        rows.extend(server::start_up(o).await?);
    }
    Ok(rows)
}

/// The table as text: what, budget, measured, result.
pub fn table(rows: &[Row]) -> String {
    let head = ["what", "budget", "measured", "result"];
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            [
                r.what.clone(),
                r.budget.clone(),
                r.measured.clone(),
                match r.verdict {
                    Verdict::Pass => "PASS",
                    Verdict::Fail => "FAIL",
                    Verdict::Info => "",
                    Verdict::Todo => "TODO",
                }
                .to_string(),
            ]
        })
        .collect();
    let mut w = head.map(str::len);
    for c in &cells {
        for (i, x) in c.iter().enumerate() {
            w[i] = w[i].max(crate::tui::wrap::width(x));
        }
    }
    let line = |c: [&str; 4]| {
        let mut s = String::from("|");
        for (i, x) in c.iter().enumerate() {
            s.push(' ');
            s.push_str(x);
            s.push_str(&" ".repeat(w[i] - crate::tui::wrap::width(x)));
            s.push_str(" |");
        }
        s.push('\n');
        s
    };
    let mut out = line(head);
    out.push_str(&line(
        w.map(|n| "-".repeat(n))
            .each_ref()
            .map(std::string::String::as_str),
    ));
    for c in &cells {
        out.push_str(&line(c.each_ref().map(std::string::String::as_str)));
    }
    out
}
