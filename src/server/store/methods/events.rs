//! The event log.

use super::*;

/// The store's the event log.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Events with `seq > since`, oldest first, at most `limit`.
    async fn events_since(&self, since: Seq, limit: u32) -> StoreResult<Vec<Event>>;
    /// The newest and the oldest sequence numbers still kept (0, 0 when empty).
    async fn seq_bounds(&self) -> StoreResult<(Seq, Seq)>;
    /// Drops all but the newest `keep` events; returns how many went.
    /// Clients asking for older ones are told to resync.
    async fn prune_events(&self, keep: u64) -> StoreResult<u64>;
}

#[async_trait]
impl<E: Engine> EventStore for E {
    async fn events_since(&self, since: Seq, limit: u32) -> StoreResult<Vec<Event>> {
        self.read(move |db| {
            let rows: Vec<(i64, String, i64)> = db.query(
                "SELECT seq, payload, created_at FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                &[&since, &i64::from(limit)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            rows.into_iter()
                .map(|(seq, payload, at)| {
                    let kind: EventKind = serde_json::from_str(&payload).map_err(|e| {
                        StoreError::Internal(format!("event {seq} is unreadable: {e}"))
                    })?;
                    Ok(Event {
                        seq,
                        at: to_dt(at),
                        kind,
                    })
                })
                .collect()
        })
        .await
    }

    async fn seq_bounds(&self) -> StoreResult<(Seq, Seq)> {
        self.read(|db| {
            let (max, min): (Option<i64>, Option<i64>) =
                db.query_row("SELECT MAX(seq), MIN(seq) FROM events", &[], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            Ok((max.unwrap_or(0), min.unwrap_or(0)))
        })
        .await
    }

    async fn prune_events(&self, keep: u64) -> StoreResult<u64> {
        self.write(move |db, _| {
            let max: Option<i64> =
                db.query_row("SELECT MAX(seq) FROM events", &[], |r| r.get(0))?;
            let Some(max) = max else { return Ok(0) };
            let cutoff = max - keep.min(i64::MAX as u64) as i64;
            let n = db.execute("DELETE FROM events WHERE seq <= ?1", &[&cutoff])?;
            Ok(n)
        })
        .await
    }
}
