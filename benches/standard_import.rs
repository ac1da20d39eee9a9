//! Importing 10,000 standard messages from a spreadsheet: parsing and
//! checking every row, then the whole import into SQLite. Budget: well
//! under 2 seconds for the whole import.
//!
//! `cargo bench --bench standard_import`

use chatsmart::protocol::*;
use chatsmart::server::hub::Hub;
use chatsmart::server::store::prelude::*;
use chatsmart::server::store::{NewAgent, SqliteStore};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

const ROWS: usize = 10_000;

fn sheet() -> Vec<u8> {
    chatsmart::bench::data::standard_sheet(ROWS).unwrap()
}

async fn fresh_store(dir: &std::path::Path) -> (SqliteStore, Vec<Team>, Vec<Agent>) {
    let store = SqliteStore::open(&dir.join("bench.db"), Hub::new()).unwrap();
    store
        .create_agent(NewAgent {
            name: "Alice Wong".into(),
            login: "alice".into(),
            role: Role::Admin,
            teams: vec!["Support".into()],
            password_hash: None,
        })
        .await
        .unwrap();
    let teams = store.list_teams().await.unwrap();
    let agents = store.list_agents().await.unwrap();
    (store, teams, agents)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let bytes = sheet();
    let dir = tempfile::tempdir().unwrap();
    let (_, teams, agents) = rt.block_on(fresh_store(dir.path()));
    let mut g = c.benchmark_group("standard_import_10k");
    g.sample_size(10);
    g.bench_function("read and check every row", |b| {
        b.iter(|| {
            let (plan, report) =
                chatsmart::sheets::standard::plan(&bytes, "bench.xlsx", &teams, &agents, false)
                    .unwrap();
            assert!(report.errors.is_empty());
            assert_eq!(plan.len(), 100);
        });
    });
    g.bench_function("whole import into SQLite", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let (store, teams, agents) = rt.block_on(fresh_store(dir.path()));
                (dir, store, teams, agents)
            },
            |(_dir, store, teams, agents)| {
                let (plan, report) =
                    chatsmart::sheets::standard::plan(&bytes, "bench.xlsx", &teams, &agents, false)
                        .unwrap();
                let done = rt
                    .block_on(store.import_standard(
                        plan,
                        report,
                        chatsmart::server::store::any_folder(),
                    ))
                    .unwrap();
                assert_eq!(done.messages_added, ROWS);
            },
            BatchSize::PerIteration,
        );
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
