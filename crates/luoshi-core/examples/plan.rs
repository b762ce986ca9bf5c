//! Prints SQLite's query plan and timing for the statements on stdin (one
//! per line, `$1` bound from the first argument), with the SQLite bundled
//! into luoshi — its planner, not the system `sqlite3` shell's, is the one
//! the server runs.
//!
//! `cargo run --release -p luoshi-core --example plan -- DB.sqlite [ARG] < statements.sql`
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::io::BufRead;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("a database file");
    let arg: Option<i64> = args.next().map(|a| a.parse().unwrap());
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA mmap_size = 2147418112;")
        .unwrap();
    for line in std::io::stdin().lock().lines() {
        let sql = line.unwrap();
        if sql.trim().is_empty() || sql.starts_with('.') {
            continue;
        }
        println!("== {}", &sql[..sql.len().min(120)]);
        let mut plan = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        if plan.parameter_count() > 0 {
            plan.raw_bind_parameter(1, arg.unwrap_or(0)).unwrap();
        }
        let mut rows = plan.raw_query();
        while let Some(r) = rows.next().unwrap() {
            println!("  {}", r.get::<_, String>(3).unwrap());
        }
        let mut stmt = conn.prepare(&sql).unwrap();
        for round in 0..3 {
            let start = std::time::Instant::now();
            if stmt.parameter_count() > 0 {
                stmt.raw_bind_parameter(1, arg.unwrap_or(0)).unwrap();
            }
            let mut rows = stmt.raw_query();
            let mut n = 0;
            while rows.next().unwrap().is_some() {
                n += 1;
            }
            println!(
                "  run {round}: {n} rows in {:.2} ms",
                start.elapsed().as_secs_f64() * 1000.0
            );
        }
    }
}
