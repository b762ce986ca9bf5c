//! Extracts the fixture documents in a loop, for a profiler:
//! `cargo build --release --example profile_extract && perf record -g target/release/examples/profile_extract`.

fn main() {
    let mut docs = Vec::new();
    for set in ["genre", "varied", "wild"] {
        let dir = format!("{}/tests/fixtures/{set}", env!("CARGO_MANIFEST_DIR"));
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            if e.path().extension().is_some_and(|x| x == "txt")
                && let Ok(s) = std::fs::read_to_string(e.path())
            {
                docs.push(s);
            }
        }
    }
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300);
    let bytes: usize = docs.iter().map(String::len).sum::<usize>() * rounds;
    let t = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..rounds {
        for d in &docs {
            n += luoshi_extract::extract_text(d).tasks.len();
        }
    }
    let secs = t.elapsed().as_secs_f64();
    if std::env::var_os("TINY").is_some() {
        let t = std::time::Instant::now();
        let mut m = 0;
        for _ in 0..100_000 {
            m += luoshi_extract::extract_text("会议指出，要加强领导。")
                .tasks
                .len();
        }
        println!(
            "tiny doc: {:.2} us each ({m})",
            t.elapsed().as_secs_f64() * 10.0
        );
    }
    if std::env::var_os("CLEAN_ONLY").is_some() {
        let t = std::time::Instant::now();
        let mut m = 0;
        for _ in 0..rounds {
            for d in &docs {
                m += luoshi_extract::clean_text(luoshi_extract::SourceKind::Text, d).len();
            }
        }
        let s2 = t.elapsed().as_secs_f64();
        println!("clean only: {:.0} ms ({m})", s2 * 1e3);
    }
    println!(
        "{n} tasks, {:.1} MB in {:.0} ms: {:.1} MB/s",
        bytes as f64 / 1e6,
        secs * 1e3,
        bytes as f64 / 1e6 / secs
    );
}
