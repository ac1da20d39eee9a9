//! Group commit, for both engines: writes queue up, one writer thread runs
//! whatever has queued in one transaction (each write in its own
//! savepoint), appends their events to the log, commits once, and only
//! then answers each caller. A write that fails (or is a dry run) rolls
//! back its savepoint alone; the others commit.
//!
//! What differs per engine is a [`Committer`]: how a transaction begins
//! (SQLite's IMMEDIATE, PostgreSQL's advisory lock that orders the log
//! across replicas) and how committed events are published.

use super::sql::Db;
use super::{EventSink, StoreError, StoreResult, Work};
use crate::protocol::{DeliveryStatus, EventKind, MessageKind, Seq};
use crate::server::audience::Audience;
use std::sync::{Arc, Condvar, Mutex};

/// At most this many writes share one transaction.
const GROUP: usize = 256;

/// What an engine's writer connection does around a group of writes.
pub(super) trait Committer: Send + 'static {
    /// Begins the group's transaction (reconnecting first if need be).
    fn begin(&mut self) -> StoreResult<()>;
    /// The connection the writes run on, inside the transaction.
    fn db(&self) -> Db<'_>;
    /// Just before the commit, with the group's events appended.
    fn before_commit(&mut self, _events: &[Logged]) -> StoreResult<()> {
        Ok(())
    }
    /// After the commit: publish the events, in sequence order. Runs
    /// before any caller hears back.
    fn committed(&mut self, events: Vec<Logged>);
    /// The transaction failed; the connection may be unusable.
    fn failed(&mut self) {}
}

/// A write's outcome, delivered once the transaction holding it committed
/// (or failed to).
type Finish = Box<dyn FnOnce(StoreResult<()>) + Send>;

/// One queued write: runs in its own savepoint; says whether to keep its
/// changes, and how to answer its caller after the commit.
type Job = Box<dyn FnOnce(Db, &mut Vec<EventKind>) -> (bool, Finish) + Send>;

/// Writes waiting for the writer thread.
#[derive(Default)]
pub(super) struct WriteQueue {
    state: Mutex<Queued>,
    /// Wakes the writer: a job was queued, or the store closed.
    ready: Condvar,
    /// Wakes helper threads (a checkpointer, a listener) when it closes.
    pub closing: Condvar,
}

#[derive(Default)]
struct Queued {
    jobs: Vec<Job>,
    closed: bool,
}

impl WriteQueue {
    /// Queues `f`; its result once the transaction it ran in committed.
    pub async fn submit<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(Db, &mut Vec<EventKind>) -> StoreResult<(T, bool)> + Send + 'static,
    {
        let (send, recv) = tokio::sync::oneshot::channel::<StoreResult<T>>();
        let job: Job = Box::new(move |db, events| match f(db, events) {
            Ok((out, keep)) => {
                let finish: Finish = Box::new(move |committed| {
                    let _ = send.send(committed.map(|()| out));
                });
                (keep, finish)
            }
            Err(e) => {
                let finish: Finish = Box::new(move |_| {
                    let _ = send.send(Err(e));
                });
                (false, finish)
            }
        });
        {
            let mut q = self
                .state
                .lock()
                .map_err(|_| StoreError::Internal("write queue poisoned".into()))?;
            if q.closed {
                return Err(StoreError::Internal("the store is closed".into()));
            }
            q.jobs.push(job);
        }
        self.ready.notify_one();
        recv.await
            .map_err(|_| StoreError::Internal("the write was dropped".into()))?
    }

    /// The writer finishes what is queued and stops; helpers wake.
    pub fn close(&self) {
        if let Ok(mut q) = self.state.lock() {
            q.closed = true;
        }
        self.ready.notify_all();
        self.closing.notify_all();
    }

    pub fn is_closed(&self) -> bool {
        self.state.lock().map_or(true, |q| q.closed)
    }

    /// Waits up to `wait` for the store to close; whether it has.
    pub fn wait_closed(&self, wait: std::time::Duration) -> bool {
        let Ok(q) = self.state.lock() else {
            return true;
        };
        if q.closed {
            return true;
        }
        match self.closing.wait_timeout(q, wait) {
            Ok((q, _)) => q.closed,
            Err(_) => true,
        }
    }
}

/// Starts the writer thread for `conn`.
pub(super) fn spawn<C: Committer>(
    name: &str,
    conn: C,
    queue: Arc<WriteQueue>,
) -> StoreResult<std::thread::JoinHandle<()>> {
    let writer = Writer { conn, queue };
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || writer.run())
        .map_err(|e| StoreError::Internal(format!("cannot start the writer: {e}")))
}

/// The writer thread: owns the one writing connection and commits queued
/// writes in groups, so concurrent requests never wait on a lock for it.
struct Writer<C> {
    conn: C,
    queue: Arc<WriteQueue>,
}

impl<C: Committer> Writer<C> {
    fn run(mut self) {
        loop {
            let jobs: Vec<Job> = {
                let Ok(mut q) = self.queue.state.lock() else {
                    tracing::error!("write queue poisoned; the writer stops");
                    return;
                };
                while q.jobs.is_empty() && !q.closed {
                    q = match self.queue.ready.wait(q) {
                        Ok(q) => q,
                        Err(_) => return,
                    };
                }
                if q.jobs.is_empty() {
                    return;
                }
                let n = q.jobs.len().min(GROUP);
                q.jobs.drain(..n).collect()
            };
            self.commit_group(jobs);
        }
    }

    fn commit_group(&mut self, jobs: Vec<Job>) {
        if let Err(e) = self.conn.begin() {
            // Nothing ran: every caller hears that its write was dropped.
            tracing::error!("cannot start a write: {e}");
            self.conn.failed();
            return;
        }
        // Each caller's answer, and whether its own part went through.
        let mut done: Vec<(Finish, StoreResult<()>)> = Vec::with_capacity(jobs.len());
        let mut events: Vec<Logged> = Vec::new();
        let now = super::data::now_ms();
        let mut broken: Option<String> = None;
        // The last write's savepoint, kept: released as the next one is
        // made (one round trip for both on PostgreSQL), or by the commit.
        let mut unreleased = false;
        for job in jobs {
            if broken.is_some() {
                // The transaction is unusable: the rest are not run (their
                // callers hear that the write was dropped).
                drop(job);
                continue;
            }
            let db = self.conn.db();
            let begun = if unreleased {
                db.controls(&["RELEASE job", "SAVEPOINT job"])
            } else {
                db.control("SAVEPOINT job")
            };
            unreleased = false;
            if let Err(e) = begun {
                broken = Some(e.to_string());
                drop(job);
                continue;
            }
            let mut kinds = Vec::new();
            // A panicking write must not take the writer thread with it:
            // its savepoint is rolled back and its caller hears it dropped.
            let ran =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(db, &mut kinds)));
            let Ok((keep, finish)) = ran else {
                tracing::error!("a write panicked; it was rolled back");
                if let Err(e) = rollback_to_savepoint(db) {
                    broken = Some(e.to_string());
                }
                continue;
            };
            let mut mine = Vec::new();
            let outcome = if keep {
                append_events(db, kinds, now, &mut mine)
            } else {
                Ok(())
            };
            let end = if keep && outcome.is_ok() {
                events.append(&mut mine);
                unreleased = true;
                Ok(())
            } else {
                rollback_to_savepoint(db)
            };
            if let Err(e) = end {
                broken = Some(e.to_string());
            }
            done.push((finish, outcome));
        }
        if broken.is_none() {
            if let Err(e) = self.conn.before_commit(&events) {
                broken = Some(e.to_string());
            }
        }
        let committed = match broken {
            Some(why) => {
                let _ = self.conn.db().control("ROLLBACK");
                self.conn.failed();
                events.clear();
                Err(StoreError::Internal(format!("the write failed: {why}")))
            }
            None => match self.conn.db().control("COMMIT") {
                Ok(()) => Ok(()),
                Err(e) => {
                    let _ = self.conn.db().control("ROLLBACK");
                    self.conn.failed();
                    Err(StoreError::Internal(format!("the commit failed: {e}")))
                }
            },
        };
        match &committed {
            Ok(()) => {
                self.conn.committed(events);
                for (finish, outcome) in done {
                    finish(outcome);
                }
            }
            Err(e) => {
                let why = e.to_string();
                for (finish, _) in done {
                    finish(Err(StoreError::Internal(why.clone())));
                }
            }
        }
    }
}

fn rollback_to_savepoint(db: Db) -> StoreResult<()> {
    db.controls(&["ROLLBACK TO job", "RELEASE job"])
}

/// Appends a write's events to the log, each numbered by the log in
/// order.
fn append_events(
    db: Db,
    kinds: Vec<EventKind>,
    now: i64,
    out: &mut Vec<Logged>,
) -> StoreResult<()> {
    for kind in kinds {
        let payload =
            serde_json::to_string(&kind).map_err(|e| StoreError::Internal(e.to_string()))?;
        let seq: Seq = db.query_row(
            "INSERT INTO events (type, payload, created_at) VALUES (?1, ?2, ?3) RETURNING seq",
            &[&kind.type_name(), &payload, &now],
            |r| r.get(0),
        )?;
        out.push(Logged::of(seq, &kind, payload, now));
    }
    Ok(())
}

/// An event in the log, as it is published once committed.
pub(super) struct Logged {
    pub seq: Seq,
    pub payload: String,
    /// A message now waits to go out through its platform.
    pub outbox: bool,
    /// A customer message now waits for the bot.
    pub bot: bool,
    pub audience: Audience,
    /// When it was committed, in milliseconds since the epoch.
    pub at_ms: i64,
}

impl Logged {
    pub fn of(seq: Seq, kind: &EventKind, payload: String, at_ms: i64) -> Logged {
        // A message waiting for the delivery worker wakes it after commit.
        let outbox = match kind {
            EventKind::MessageCreated { message, .. } | EventKind::MessageUpdated { message } => {
                message.status == DeliveryStatus::Pending
            }
            _ => false,
        };
        // A customer message the bot is to answer wakes the bot.
        let bot = matches!(kind, EventKind::MessageCreated { message, conversation }
            if message.kind == MessageKind::Inbound && conversation.bot_active);
        Logged {
            seq,
            payload,
            outbox,
            bot,
            audience: Audience::of(kind),
            at_ms,
        }
    }
}

/// Hands committed events to `sink` in order, then the work they left.
pub(super) fn publish(sink: &dyn EventSink, events: Vec<Logged>) {
    let (mut outbox, mut bot) = (false, false);
    for ev in events {
        outbox |= ev.outbox;
        bot |= ev.bot;
        sink.committed(
            ev.seq,
            super::data::to_dt(ev.at_ms),
            &ev.payload,
            ev.audience,
        );
    }
    if outbox {
        sink.work_waiting(Work::Outbox);
    }
    if bot {
        sink.work_waiting(Work::Bot);
    }
}
