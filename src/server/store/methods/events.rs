//! The event log.

use super::*;

pub async fn events_since<E: Engine>(store: &E, since: Seq, limit: u32) -> StoreResult<Vec<Event>> {
    store
        .read(move |db| {
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

pub async fn prune_events<E: Engine>(store: &E, keep: u64) -> StoreResult<u64> {
    store
        .write(move |db, _| {
            let max: Option<i64> =
                db.query_row("SELECT MAX(seq) FROM events", &[], |r| r.get(0))?;
            let Some(max) = max else { return Ok(0) };
            let cutoff = max - keep.min(i64::MAX as u64) as i64;
            let n = db.execute("DELETE FROM events WHERE seq <= ?1", &[&cutoff])?;
            Ok(n)
        })
        .await
}

pub async fn seq_bounds<E: Engine>(store: &E) -> StoreResult<(Seq, Seq)> {
    store
        .read(|db| {
            let (max, min): (Option<i64>, Option<i64>) =
                db.query_row("SELECT MAX(seq), MIN(seq) FROM events", &[], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            Ok((max.unwrap_or(0), min.unwrap_or(0)))
        })
        .await
}
