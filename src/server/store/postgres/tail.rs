//! Every replica streams the whole event log: the tail reads the events
//! after the last one it published, in sequence order, and hands them to
//! the replica's sink (the hub). It runs after each local commit and when
//! another replica's commit notifies (`LISTEN`), and every second besides,
//! so a lost notification or a dropped connection delays events, never
//! loses them.

use super::super::sql::postgres::PgConn;
use super::super::writer::{self, Logged, WriteQueue};
use super::super::EventSink;
use super::{connect, CHANNEL};
use crate::protocol::EventKind;
use std::sync::Mutex;
use std::time::Duration;

/// Events read per query while catching up.
const PAGE: i64 = 500;

/// How long the listener waits for a notification before it looks anyway
/// (and checks whether the store closed).
const POLL: Duration = Duration::from_secs(1);

pub struct Tail {
    url: String,
    sink: Box<dyn EventSink>,
    state: Mutex<State>,
}

struct State {
    /// The last sequence number published.
    last: i64,
    conn: Option<PgConn>,
}

impl Tail {
    /// A tail that publishes what commits after `last`.
    pub fn new(url: &str, sink: Box<dyn EventSink>, last: i64) -> Tail {
        Tail {
            url: url.to_string(),
            sink,
            state: Mutex::new(State { last, conn: None }),
        }
    }

    /// Publishes every committed event after the last one published, in
    /// order. A failure is logged; the next call picks up from the same
    /// place.
    pub fn catch_up(&self) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        self.read(&mut state);
    }

    /// This replica's writer committed `events`: when they follow the
    /// last one published with nothing between (no other replica
    /// committed since), they are published as they are, without reading
    /// them back; otherwise the log is read from where the tail is.
    pub fn committed_here(&self, events: Vec<Logged>) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let follows = events.first().is_some_and(|e| e.seq == state.last + 1);
        if let (true, Some(last)) = (follows, events.last().map(|e| e.seq)) {
            state.last = last;
            writer::publish(&*self.sink, events);
            return;
        }
        self.read(&mut state);
    }

    /// Reads and publishes what follows the last event published; a
    /// failure is logged, and the next read starts from the same place.
    fn read(&self, state: &mut State) {
        if let Err(e) = self.read_on(state) {
            tracing::warn!("could not read the event log: {e}");
            state.conn = None;
        }
    }

    fn read_on(&self, state: &mut State) -> super::StoreResult<()> {
        let conn = match state.conn.take() {
            Some(c) if !c.is_closed() => c,
            _ => connect(&self.url)?,
        };
        loop {
            let rows: Vec<(i64, String, i64)> = conn.db().query(
                "SELECT seq, payload, created_at FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                &[&state.last, &PAGE],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let full = rows.len() as i64 == PAGE;
            let mut events = Vec::with_capacity(rows.len());
            for (seq, payload, at) in rows {
                state.last = seq;
                match serde_json::from_str::<EventKind>(&payload) {
                    Ok(kind) => events.push(Logged::of(seq, &kind, payload, at)),
                    // Written by a newer chatsmart: this replica cannot say
                    // who may see it, so nobody here does.
                    Err(e) => tracing::warn!("event {seq} is not one this version reads: {e}"),
                }
            }
            writer::publish(&*self.sink, events);
            if !full {
                state.conn = Some(conn);
                return Ok(());
            }
        }
    }
}

/// The listener thread: waits for other replicas' commits and catches the
/// tail up, until the store closes.
pub fn listen(url: &str, queue: &WriteQueue, tail: &Tail) {
    let mut conn: Option<PgConn> = None;
    while !queue.is_closed() {
        let listening = match conn.take() {
            Some(c) if !c.is_closed() => Ok(c),
            _ => connect(url).and_then(|c| {
                c.batch(&format!("LISTEN {CHANNEL}"))?;
                Ok(c)
            }),
        };
        match listening {
            Ok(c) => {
                if let Err(e) = c.notified(POLL) {
                    tracing::warn!("lost the notification connection: {e}");
                } else {
                    conn = Some(c);
                }
            }
            Err(e) => {
                tracing::warn!("cannot listen for other replicas' events: {e}");
                if queue.wait_closed(POLL) {
                    return;
                }
            }
        }
        tail.catch_up();
    }
}
