//! 100,000 customers imported from CSV into SQLite, and exported to .xlsx
//! and .csv. Budget: seconds, not minutes (under 5 s each).
//!
//! `cargo bench --bench customers`

use chatsmart::server::hub::Hub;
use chatsmart::server::store::prelude::*;
use chatsmart::server::store::SqliteStore;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::time::Duration;

const N: usize = 100_000;

fn csv() -> Vec<u8> {
    chatsmart::bench::data::customers_csv(N)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let bytes = csv();
    let mut g = c.benchmark_group("customers_100k");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("import from CSV into SQLite", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let store = SqliteStore::open(&dir.path().join("b.db"), Hub::new()).unwrap();
                (dir, store)
            },
            |(_dir, store)| {
                let (rows, report) =
                    chatsmart::sheets::customers::parse(&bytes, "c.csv", false).unwrap();
                let r = rt.block_on(store.import_customers(rows, report)).unwrap();
                assert_eq!(r.created, N);
            },
            BatchSize::PerIteration,
        );
    });
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("b.db"), Hub::new()).unwrap();
    let (rows, report) = chatsmart::sheets::customers::parse(&bytes, "c.csv", false).unwrap();
    rt.block_on(store.import_customers(rows, report)).unwrap();
    g.bench_function("export to xlsx", |b| {
        b.iter(|| {
            let all = rt.block_on(store.all_customers()).unwrap();
            chatsmart::sheets::customers::export_xlsx(&all).unwrap()
        });
    });
    g.bench_function("export to csv", |b| {
        b.iter(|| {
            let all = rt.block_on(store.all_customers()).unwrap();
            chatsmart::sheets::customers::export_csv(&all).unwrap()
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
