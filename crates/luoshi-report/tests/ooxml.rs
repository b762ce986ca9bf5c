//! The status report and the supervision notice are valid
//! WordprocessingML as Word checks it: `openxml-audit` (a port of the Open
//! XML SDK's validator: schema, package and semantic rules) finds nothing
//! in them, for Office 2007 (the strictest) and Microsoft 365.
//!
//! When the validator is missing, the test installs it from PyPI
//! (`python3 -m pip install openxml-audit==0.8.0`); when it cannot, it
//! fails and says how — it is never skipped.

#![allow(clippy::unwrap_used)]

mod helpers;

use std::path::Path;
use std::process::{Command, Stdio};

use helpers::{day, ledger, unit_notice};
use luoshi_core::{ReportQuery, ReportScope};

const VALIDATOR: &str = "openxml-audit==0.8.0";

fn has_validator() -> bool {
    Command::new("python3")
        .args(["-c", "import openxml_audit"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn ensure_validator() {
    if has_validator() {
        return;
    }
    for extra in [&[][..], &["--break-system-packages"][..]] {
        let _ = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", VALIDATOR])
            .args(extra)
            .status();
        if has_validator() {
            return;
        }
    }
    panic!("this test needs Python's openxml-audit: `python3 -m pip install {VALIDATOR}`");
}

/// The validator's findings for one file and format, as
/// `part: path: description` lines.
fn findings(file: &Path, format: &str) -> Vec<String> {
    let out = Command::new("python3")
        .args(["-m", "openxml_audit", "-f", format, "-o", "json", "-m", "0"])
        .arg(file)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "openxml-audit gave no JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let file = &report[0];
    assert_eq!(file["format"], format);
    let errors = file["errors"].as_array().unwrap();
    assert_eq!(file["valid"].as_bool(), Some(errors.is_empty()), "{file:#}");
    errors
        .iter()
        .map(|e| format!("{}: {}: {}", e["part_uri"], e["path"], e["description"]))
        .collect()
}

#[tokio::test]
async fn word_finds_nothing_to_repair_in_the_report_and_the_notice() {
    ensure_validator();
    let dir = std::env::temp_dir().join(format!("luoshi_report_ooxml_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (store, doc) = ledger(&dir).await;
    let mut files = Vec::new();
    for (name, scope) in [
        ("report-document.docx", ReportScope::Document(doc)),
        ("report-ledger.docx", ReportScope::Ledger),
    ] {
        let report = store
            .status_report(&ReportQuery {
                scope,
                from: None,
                to: None,
                day: day("2026-07-08"),
            })
            .await
            .unwrap();
        // The richest report: a chart, indicators, problems, overdue items.
        assert!(!report.indicators.is_empty() && !report.problems.is_empty());
        let path = dir.join(name);
        std::fs::write(&path, luoshi_report::status_docx(&report).unwrap()).unwrap();
        files.push(path);
    }
    let notice = unit_notice(&store).await;
    let path = dir.join("notice.docx");
    std::fs::write(&path, luoshi_report::notice_docx(&notice).unwrap()).unwrap();
    files.push(path);
    store.close().await;

    for file in &files {
        for format in ["office2007", "microsoft365"] {
            let found = findings(file, format);
            assert!(
                found.is_empty(),
                "{} ({format}): {} findings:\n{}",
                file.display(),
                found.len(),
                found.join("\n")
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
