//! The status report at scale: seeds 2,000 units, 100,000 tasks and
//! 1,000,000 progress reports (`Store::seed`, the path of `luoshi dev
//! seed`) into a SQLite file, runs the warning rules once (so there are
//! cards), then times the whole build — `Store::status_report` and
//! `status_docx` — for the whole ledger, for a document of about 20 tasks,
//! and for a document without tasks (the baseline), in the same process.
//! Prints p50 and max of each, split into reading and writing the file.
//!
//! `cargo bench -p luoshi-report --bench status_report` (release-like
//! profile). `LUOSHI_BENCH_SCALE=0.1` scales the plan down;
//! `LUOSHI_BENCH_ITERS` sets the timed runs of the small builds (default
//! 50; the ledger build runs a tenth of them, at least 3).

#![allow(clippy::unwrap_used)]

// The allocator of the shipped binary (crates/luoshi/src/main.rs): the
// build allocates a value per column of 100,000 task rows, and glibc's
// malloc spent a third of the ledger build consolidating its free lists.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::{Duration, Instant};

use luoshi_core::{
    DocumentId, DocumentName, Ledger, NewDocument, PersonName, ReportQuery, ReportScope, SeedPlan,
    Store, SystemClock, TaskFilter, WarningRules,
};

fn plan() -> SeedPlan {
    let scale: f64 = std::env::var("LUOSHI_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let n = |x: f64| (x * scale).round().max(1.0) as u64;
    SeedPlan {
        units: n(2_000.0),
        tasks: n(100_000.0),
        reports: n(1_000_000.0),
        seed: 1,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

struct Timing {
    read: Duration,
    write: Duration,
    total: Duration,
    bytes: usize,
    tasks: u64,
}

async fn build(store: &Store, q: &ReportQuery) -> Timing {
    let start = Instant::now();
    let data = store.status_report(q).await.unwrap();
    let read = start.elapsed();
    let bytes = luoshi_report::status_docx(&data).unwrap();
    let total = start.elapsed();
    Timing {
        read,
        write: total - read,
        total,
        bytes: bytes.len(),
        tasks: data.totals.tasks,
    }
}

/// Times `iters` builds after two warm-up builds; returns the p50 total.
async fn time(name: &str, store: &Store, q: &ReportQuery, iters: usize) -> Duration {
    for _ in 0..2 {
        build(store, q).await;
    }
    let mut runs = Vec::with_capacity(iters);
    for _ in 0..iters {
        runs.push(build(store, q).await);
    }
    runs.sort_by_key(|t| t.total);
    let mid = &runs[runs.len() / 2];
    println!(
        "{name:34} p50 {:>11} (read {:>10}, docx {:>10})  max {:>11}  {:>6} tasks  {:>7} bytes  {iters} runs",
        ms(mid.total),
        ms(mid.read),
        ms(mid.write),
        ms(runs.last().unwrap().total),
        mid.tasks,
        mid.bytes
    );
    mid.total
}

fn main() {
    let iters: usize = std::env::var("LUOSHI_BENCH_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = std::env::temp_dir().join(format!("luoshi_report_bench_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("luoshi.db").display());
        let store = Store::open(&url, Arc::new(SystemClock::default()))
            .await
            .unwrap();
        let actor = PersonName::parse("bench").unwrap();
        let plan = plan();
        let started = Instant::now();
        let s = store.seed(&actor, &plan).await.unwrap();
        println!(
            "seeded {} units, {} documents, {} tasks, {} reports in {:.1} s",
            s.units,
            s.documents,
            s.tasks,
            s.reports,
            started.elapsed().as_secs_f64()
        );
        let today = luoshi_core::Clock::today(store.clock());
        let started = Instant::now();
        let a = store.assess(today, &WarningRules::default()).await.unwrap();
        println!(
            "assessed {} tasks, {} cards in {:.1} s",
            a.judged,
            a.raised.len(),
            started.elapsed().as_secs_f64()
        );
        // A document without tasks: the baseline (the same queries, nothing
        // to lay out).
        let source = luoshi_extract::decode("会议听取了工作汇报。".as_bytes()).unwrap();
        let extraction = luoshi_extract::extract(&source);
        let empty = store
            .ingest(
                &actor,
                NewDocument {
                    name: Some(&DocumentName::parse("空白.txt").unwrap()),
                    source: &source,
                    extraction: &extraction,
                },
            )
            .await
            .unwrap()
            .document
            .id;
        // The seeded document whose size is closest to 20 tasks.
        let mut best = (DocumentId(1), usize::MAX);
        for d in 1..=s.documents.min(300) {
            let id = DocumentId(i64::try_from(d).unwrap());
            let n = store
                .tasks(&TaskFilter {
                    document: Some(id),
                    ..TaskFilter::default()
                })
                .await
                .unwrap()
                .len();
            if n.abs_diff(20) < best.1.abs_diff(20) {
                best = (id, n);
            }
        }
        let q = |scope| ReportQuery {
            scope,
            from: None,
            to: None,
            day: today,
        };
        println!(
            "status report build (SQLite, {} tasks in the ledger):",
            s.tasks
        );
        let base = time(
            "empty document (baseline)",
            &store,
            &q(ReportScope::Document(empty)),
            iters,
        )
        .await;
        let small = time(
            &format!("document of {} rows", best.1),
            &store,
            &q(ReportScope::Document(best.0)),
            iters,
        )
        .await;
        let ledger = time(
            "whole ledger",
            &store,
            &q(ReportScope::Ledger),
            (iters / 10).max(3),
        )
        .await;
        println!(
            "ratios to the baseline: small document {:.1}x, whole ledger {:.0}x",
            small.as_secs_f64() / base.as_secs_f64(),
            ledger.as_secs_f64() / base.as_secs_f64()
        );
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    });
}
