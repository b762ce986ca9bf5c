//! Extraction throughput against plain word segmentation.
//!
//! Builds a ~10 MB corpus by repeating the project's own fixture
//! communiqués (tests/fixtures/*), then measures, side by side in one
//! process: `extract` (decode excluded; normalisation, script conversion,
//! metadata, rules and spans included) and jieba-rs `cut` with HMM over the
//! same documents. Prints MB/s for both and their ratio, and the time to
//! extract one ~6 KB communiqué.
//!
//! Run: `cargo bench -p luoshi-extract --bench extract`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use jieba_rs::Jieba;
use luoshi_extract::extract_text;

fn fixture_docs() -> Vec<String> {
    let mut docs = Vec::new();
    for set in ["genre", "varied", "wild"] {
        let dir = format!("{}/tests/fixtures/{set}", env!("CARGO_MANIFEST_DIR"));
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if p.extension().is_some_and(|e| e == "txt")
                && let Ok(bytes) = std::fs::read(&p)
                && let Ok(src) = luoshi_extract::decode(&bytes)
            {
                docs.push(src.text);
            }
        }
    }
    assert!(!docs.is_empty(), "no fixture documents found");
    docs
}

/// The fixtures repeated until they add up to `target` bytes.
fn corpus(docs: &[String], target: usize) -> (Vec<&str>, usize) {
    let mut out = Vec::new();
    let mut bytes = 0;
    while bytes < target {
        for d in docs {
            out.push(d.as_str());
            bytes += d.len();
        }
    }
    (out, bytes)
}

/// One communiqué of about 6 KB: fixture paragraphs joined.
fn six_kb(docs: &[String]) -> String {
    let mut s = String::new();
    for d in docs {
        if s.len() >= 6 * 1024 {
            break;
        }
        s.push_str(d);
        s.push('\n');
    }
    s.chars()
        .scan(0, |n, c| {
            *n += c.len_utf8();
            (*n <= 6 * 1024).then_some(c)
        })
        .collect()
}

fn extract_all(docs: &[&str]) -> usize {
    docs.iter().map(|d| extract_text(d).tasks.len()).sum()
}

fn cut_all(jieba: &Jieba, docs: &[&str]) -> usize {
    docs.iter().map(|d| jieba.cut(d, true).len()).sum()
}

fn bench(c: &mut Criterion) {
    let docs = fixture_docs();
    let (corpus, bytes) = corpus(&docs, 10 * 1024 * 1024);
    let jieba = Jieba::new();
    let mut g = c.benchmark_group("corpus_10MB");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("luoshi_extract", |b| {
        b.iter(|| black_box(extract_all(&corpus)))
    });
    g.bench_function("jieba_cut_hmm", |b| {
        b.iter(|| black_box(cut_all(&jieba, &corpus)))
    });
    g.finish();

    let doc = six_kb(&docs);
    let mut g = c.benchmark_group("communique_6KB");
    g.throughput(Throughput::Bytes(doc.len() as u64));
    g.bench_function("luoshi_extract", |b| {
        b.iter(|| black_box(extract_text(&doc)))
    });
    g.finish();
}

/// Interleaves the two workloads round by round so that drift on a noisy
/// machine hits both alike, and prints the medians and ratios for three
/// arrangements of the same text: each document on its own, the whole
/// corpus as one buffer (how jieba-rs is usually timed), and one communiqué
/// of about 6 KB.
fn side_by_side() {
    let docs = fixture_docs();
    let (corpus, bytes) = corpus(&docs, 10 * 1024 * 1024);
    let jieba = Jieba::new();
    let mb = bytes as f64 / 1e6;
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let pair = |rounds: usize, a: &dyn Fn(), b: &dyn Fn()| {
        let (mut ta, mut tb) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let t = Instant::now();
            a();
            ta.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            b();
            tb.push(t.elapsed().as_secs_f64());
        }
        (median(ta), median(tb))
    };
    let report = |title: String, mb: f64, (e, j): (f64, f64)| {
        println!("{title}");
        println!("  luoshi extract : {:7.1} MB/s ({:.3} ms)", mb / e, e * 1e3);
        println!("  jieba cut (HMM): {:7.1} MB/s ({:.3} ms)", mb / j, j * 1e3);
        println!("  ratio extract/jieba throughput = {:.2}", j / e);
    };

    let per_doc = pair(
        7,
        &|| {
            black_box(extract_all(&corpus));
        },
        &|| {
            black_box(cut_all(&jieba, &corpus));
        },
    );
    let buffer: String = corpus.concat();
    let whole = pair(
        5,
        &|| {
            black_box(extract_text(&buffer).tasks.len());
        },
        &|| {
            black_box(jieba.cut(&buffer, true).len());
        },
    );
    let doc = six_kb(&docs);
    let one = pair(
        201,
        &|| {
            black_box(extract_text(&doc));
        },
        &|| {
            black_box(jieba.cut(&doc, true));
        },
    );
    println!();
    report(
        format!(
            "{mb:.1} MB corpus, each of its {} documents on its own (median of 7 rounds):",
            corpus.len()
        ),
        mb,
        per_doc,
    );
    report(
        format!("the same {mb:.1} MB as one buffer (median of 5 rounds):"),
        mb,
        whole,
    );
    report(
        format!(
            "one {} KB communiqué (median of 201 rounds; bar: extract < 1 ms):",
            doc.len() / 1024
        ),
        doc.len() as f64 / 1e6,
        one,
    );
    // The bar: extraction over this corpus at least as fast as
    // jieba-rs cut over the same text as a 10 MB buffer (about 60 MB/s here).
    println!(
        "bar: extraction per document {:.1} MB/s vs jieba-rs over the 10 MB buffer {:.1} MB/s: ratio {:.2} (>= 1.0)",
        mb / per_doc.0,
        mb / whole.1,
        whole.1 / per_doc.0
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    side_by_side();
    Criterion::default().configure_from_args().final_summary();
}
