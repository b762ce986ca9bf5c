//! The reminder scheduler at scale: seeds 2,000 units, 100,000 tasks and
//! 1,000,000 progress reports (`Store::seed`; every open task on the
//! default monthly cycle), then times `Store::record_reminders` — the
//! scheduler's pass over every task being worked on — beside a baseline
//! in the same process: a plain `SELECT` of the same task rows through
//! sqlx.
//!
//! Three figures, as a daily scheduler meets them: the first pass 40 days
//! after the seed (nearly every open task has a missed report or a passed
//! deadline: tens of thousands of reminders recorded on two channels, the
//! in-app one with its notification), the same day again (nothing new: the
//! steady pass, median of `LUOSHI_BENCH_ITERS`, default 10), and the whole
//! steady tick (`Store::assess` + `record_reminders`). SQLite always;
//! PostgreSQL too under `scripts/with-postgres.sh`.
//! See `common/mod.rs` for `LUOSHI_BENCH_SCALE` and
//! `LUOSHI_BENCH_KEEP_SEED`; `tick_scale.rs` measures the whole tick as
//! the scheduler runs it (one pass for both).

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Instant;

use common::{median, ms};
use luoshi_core::{Channel, Store, WarningRules};

const BASELINE: &str = "SELECT id, title, lead_unit_id, deadline, created_at FROM tasks
     WHERE status IN ('assigned', 'in_progress') AND lead_unit_id IS NOT NULL";

async fn baseline(_engine: &str, url: &str) -> (std::time::Duration, usize) {
    common::baseline(url, BASELINE).await
}

async fn run(engine: &str, url: &str, store: &Store, iters: usize) {
    let rules = WarningRules::default();
    let channels = [Channel::InApp, Channel::Webhook];
    let day = luoshi_core::Clock::today(store.clock())
        .add_days(40)
        .unwrap();
    let _ = baseline(engine, url).await;

    let (b, rows) = baseline(engine, url).await;
    let start = Instant::now();
    let first = store
        .record_reminders(day, 3, &channels, &rules)
        .await
        .unwrap();
    let t1 = start.elapsed();
    let recorded: usize = first.by_channel.iter().map(|(_, n)| n).sum();
    println!(
        "{engine:8} first pass  {day}: record_reminders {:>7}  baseline SELECT {:>6} ({rows} rows)  ratio {:.1}  tasks {}, reminders recorded {recorded}, notifications {}",
        ms(t1),
        ms(b),
        t1.as_secs_f64() / b.as_secs_f64(),
        first.tasks,
        first.notifications
    );

    let (mut passes, mut bases) = (Vec::new(), Vec::new());
    for _ in 0..iters {
        bases.push(baseline(engine, url).await.0);
        let start = Instant::now();
        let again = store
            .record_reminders(day, 3, &channels, &rules)
            .await
            .unwrap();
        passes.push(start.elapsed());
        assert_eq!(again.notifications, 0);
    }
    let ((p, pmax), (b, _)) = (median(passes), median(bases));
    println!(
        "{engine:8} steady pass {day}: record_reminders {:>7}  baseline SELECT {:>6}  ratio {:.1}  (median of {iters}; max {})",
        ms(p),
        ms(b),
        p.as_secs_f64() / b.as_secs_f64(),
        ms(pmax)
    );

    // The whole daily tick once the ledger is up to date: assess (its
    // first run raises the cards; time the ones after) and the reminders.
    store.assess(day, &rules).await.unwrap();
    let (mut ticks, mut bases) = (Vec::new(), Vec::new());
    for _ in 0..iters {
        bases.push(baseline(engine, url).await.0);
        let start = Instant::now();
        store.assess(day, &rules).await.unwrap();
        store
            .record_reminders(day, 3, &channels, &rules)
            .await
            .unwrap();
        ticks.push(start.elapsed());
    }
    let ((t, tmax), (b, _)) = (median(ticks), median(bases));
    println!(
        "{engine:8} steady tick {day}: assess + record_reminders {:>7}  baseline SELECT {:>6}  ratio {:.1}  (median of {iters}; max {})",
        ms(t),
        ms(b),
        t.as_secs_f64() / b.as_secs_f64(),
        ms(tmax)
    );
}

fn main() {
    let iters = common::iters();
    common::runtime().block_on(async {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("remind_scale");
        let (url, store, path) = common::sqlite_ledger(&dir).await;
        run("sqlite", &url, &store, iters).await;
        store.close().await;
        common::remove_sqlite(&path);

        if let Some((url, store)) = common::postgres_ledger("luoshi_remind_bench").await {
            run("postgres", &url, &store, iters).await;
            store.close().await;
        }
    });
}
