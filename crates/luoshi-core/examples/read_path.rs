//! Times the store's hot reads (a unit by name, one unit's task list, one
//! task's timeline) one at a time and 64 at once on a 2-worker runtime:
//! `cargo run --release -p luoshi-core --example read_path -- sqlite://ledger.db 4000`
//! on a database made by `luoshi dev seed`. For profiling (`perf record`).

#![allow(clippy::unwrap_used)]
use std::sync::Arc;
use std::time::Instant;

use luoshi_core::{Ledger, Store, SystemClock, TaskFilter, TaskId, UnitName};

fn main() {
    let url = std::env::args().nth(1).unwrap();
    let n: usize = std::env::args()
        .nth(2)
        .map(|s| s.parse().unwrap())
        .unwrap_or(2000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Arc::new(
            Store::open(&url, Arc::new(SystemClock::default()))
                .await
                .unwrap(),
        );
        let units = store.units().await.unwrap();
        let names: Vec<UnitName> = units.iter().map(|u| u.name.clone()).collect();
        for conc in [1usize, 64] {
            for what in ["unit", "list", "detail"] {
                let start = Instant::now();
                let cpu0 = cpu_seconds();
                let mut set = tokio::task::JoinSet::new();
                for c in 0..conc {
                    let store = store.clone();
                    let names = names.clone();
                    set.spawn(async move {
                        for i in 0..n / conc {
                            let k = c * 7919 + i * 104729;
                            match what {
                                "unit" => {
                                    store.unit(&names[k % names.len()]).await.unwrap();
                                }
                                "list" => {
                                    let f = TaskFilter {
                                        unit: Some(names[k % names.len()].clone()),
                                        limit: Some(50),
                                        ..TaskFilter::default()
                                    };
                                    store.tasks(&f).await.unwrap();
                                }
                                _ => {
                                    store
                                        .task_detail(TaskId(1 + (k % 100_000) as i64))
                                        .await
                                        .unwrap();
                                }
                            }
                        }
                    });
                }
                while set.join_next().await.is_some() {}
                let s = start.elapsed().as_secs_f64();
                let cpu = cpu_seconds() - cpu0;
                println!(
                    "conc {conc:2} {what:6} {:8.0} ops/s  {:.3} ms/op wall  {:.3} ms/op cpu",
                    n as f64 / s,
                    s * 1000.0 / n as f64,
                    cpu * 1000.0 / n as f64
                );
            }
        }
    });
}

/// User + system CPU time of this process so far (from /proc, in ticks of 10 ms).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}
