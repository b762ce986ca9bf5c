//! Supervision from the command line: a cycle, reports due, cards raised
//! once and cleared, and the implementation status report written as a
//! .docx from an ingested and assigned document (SQLite).

#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Output};

const DOC: &str = "省政府召开常务会议\n3月5日，省政府召开常务会议。省长张三主持会议。\n会议指出，要抓好春耕生产，确保粮食安全。要加强水利建设，年底前完工。\n会议要求，各地要压实安全生产责任。\n";

struct Ledger {
    url: String,
    dir: PathBuf,
}

impl Ledger {
    fn new(name: &str) -> Ledger {
        let dir =
            std::env::temp_dir().join(format!("luoshi-supervise-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Ledger {
            url: format!("sqlite://{}", dir.join("luoshi.db").display()),
            dir,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_luoshi"))
            .args(args)
            .env("LUOSHI_DATABASE_URL", &self.url)
            .env("LUOSHI_ACTOR", "督查室王五")
            .current_dir(&self.dir)
            .output()
            .expect("luoshi runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "luoshi {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(&all)).unwrap()
    }
}

#[test]
fn supervision_and_the_status_report_from_the_command_line() {
    let l = Ledger::new("cycle");
    std::fs::write(l.dir.join("doc.txt"), DOC).unwrap();
    let ingested = l.json(&["ingest", "doc.txt"]);
    let doc = ingested["document"].as_i64().unwrap().to_string();
    let tasks: Vec<String> = ingested["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "task")
        .map(|t| t["id"].as_i64().unwrap().to_string())
        .collect();
    assert!(tasks.len() >= 2, "{ingested}");
    l.ok(&["unit", "add", "省农业农村厅"]);
    l.ok(&["unit", "add", "省水利厅"]);
    l.ok(&[
        "task",
        "assign",
        &tasks[0],
        "--lead",
        "省农业农村厅",
        "--due",
        "2020-06-30",
    ]);
    l.ok(&[
        "task",
        "assign",
        &tasks[1],
        "--lead",
        "省水利厅",
        "--due",
        "2099-12-31",
    ]);

    let c = l.json(&["task", "cycle", &tasks[1], "--cycle", "quarterly"]);
    assert_eq!(c["cycle"], "quarterly");
    let c = l.json(&[
        "task",
        "cycle",
        &tasks[0],
        "--cycle",
        "dates",
        "--dates",
        "2026-06-30,2026-03-31",
    ]);
    assert_eq!(c["dates"], "2026-03-31,2026-06-30");
    assert_eq!(c["version"], 1);
    let bad = l.run(&["task", "cycle", &tasks[0], "--cycle", "daily"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("[bad_cycle]"));

    l.ok(&[
        "report",
        "add",
        &tasks[1],
        "--done",
        "完成选址",
        "--next",
        "开工建设",
        "--percent",
        "20",
    ]);

    // Reports due a year on: the quarterly task missed its reports.
    let due = l.json(&["report", "due", "--day", "2100-01-10"]);
    assert!(
        due.as_array().unwrap().iter().any(|d| d["task"]
            .as_i64()
            .map(|t| t.to_string())
            .as_deref()
            == Some(tasks[1].as_str())
            && !d["missed"].as_array().unwrap().is_empty()),
        "{due}"
    );

    // Cards: raised once on a day, then listed and cleared.
    let a = l.json(&["supervise", "assess", "--day", "2030-01-10"]);
    let raised = a["raised"].as_array().unwrap();
    assert!(!raised.is_empty(), "{a}");
    let again = l.json(&["supervise", "assess", "--day", "2030-01-10"]);
    assert!(again["raised"].as_array().unwrap().is_empty(), "{again}");
    let open = l.json(&["card", "list", "--open"]);
    let first = open[0]["id"].as_i64().unwrap().to_string();
    let cleared = l.json(&["card", "clear", &first, "--reason", "已约谈单位负责人"]);
    assert_eq!(cleared[0]["open"], false);
    let refused = l.run(&["card", "clear", &first, "--reason", "再次解除"]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("[card_already_cleared]"));
    let unit = l.json(&["card", "list", "--unit", "省水利厅"]);
    assert!(
        unit.as_array()
            .unwrap()
            .iter()
            .all(|c| c["unit"] == "省水利厅")
    );
    assert!(l.ok(&["supervise", "rules"]).contains("\"yellow\""));

    // The status report.
    let s = l.json(&[
        "report",
        "status",
        "--document",
        &doc,
        "--docx",
        "report.docx",
    ]);
    assert_eq!(s["file"], "report.docx");
    let bytes = std::fs::read(l.dir.join("report.docx")).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(xml.contains("贯彻落实情况的汇报"));
    assert!(xml.contains("省水利厅"));
    assert!(
        xml.contains("开工建设"),
        "next steps from the latest report"
    );
    let bad = l.run(&["report", "status", "--document", "999", "--docx", "x.docx"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("[not_found]"));
    // The whole ledger, one theme, and refused scopes and ranges.
    let all = l.json(&["report", "status", "--all", "--docx", "all.docx"]);
    assert_eq!(all["documents"], 1);
    assert_eq!(all["tasks"], s["tasks"]);
    let theme = ingested["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "theme")
        .map(|t| t["id"].as_i64().unwrap().to_string());
    if let Some(theme) = theme {
        let t = l.json(&[
            "report",
            "status",
            "--theme",
            &theme,
            "--docx",
            "theme.docx",
        ]);
        assert!(t["title"].as_str().unwrap().starts_with("关于“"), "{t}");
    }
    let none = l.run(&["report", "status", "--docx", "x.docx"]);
    assert!(!none.status.success());
    assert!(!l.dir.join("x.docx").exists());
    let range = l.run(&[
        "report",
        "status",
        "--all",
        "--from",
        "2026-05-01",
        "--to",
        "2026-04-01",
        "--docx",
        "x.docx",
    ]);
    assert!(String::from_utf8_lossy(&range.stderr).contains("[report_bad_range]"));

    // Supervision notices: numbered per year, never reused, audited.
    let n1 = l.json(&[
        "supervise",
        "notice",
        "--task",
        &tasks[0],
        "--docx",
        "n1.docx",
        "--day",
        "2026-11-28",
    ]);
    assert_eq!(n1["reference"], "督〔2026〕1号");
    assert_eq!(n1["unit"], "省农业农村厅");
    assert_eq!(n1["reply_by"], "2026-12-05");
    let n2 = l.json(&[
        "supervise",
        "notice",
        "--unit",
        "省农业农村厅",
        "--docx",
        "n2.docx",
        "--day",
        "2026-11-28",
        "--reply-by",
        "2026-12-10",
        "--office",
        "省政府督查室",
    ]);
    assert_eq!(n2["reference"], "督〔2026〕2号");
    assert_eq!(n2["tasks"][0].as_i64().unwrap().to_string(), tasks[0]);
    let mut xml = String::new();
    zip::ZipArchive::new(std::io::Cursor::new(
        std::fs::read(l.dir.join("n2.docx")).unwrap(),
    ))
    .unwrap()
    .by_name("word/document.xml")
    .unwrap()
    .read_to_string(&mut xml)
    .unwrap();
    assert!(xml.contains("督〔2026〕2号") && xml.contains("省政府督查室"));
    assert!(xml.contains("2026年12月10日前"));
    let text = l.ok(&[
        "supervise",
        "notice",
        "--task",
        &tasks[1],
        "--docx",
        "n3.docx",
        "--day",
        "2026-11-28",
    ]);
    assert!(
        text.contains("督〔2026〕3号") && text.contains("省水利厅"),
        "{text}"
    );
    let nothing = l.run(&["unit", "add", "省统计局"]);
    assert!(nothing.status.success());
    let refused = l.run(&[
        "supervise",
        "notice",
        "--unit",
        "省统计局",
        "--docx",
        "n4.docx",
        "--day",
        "2026-11-28",
    ]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("[notice_nothing_due]"));
    assert!(!l.dir.join("n4.docx").exists());
    let no_dir = l.run(&[
        "supervise",
        "notice",
        "--task",
        &tasks[0],
        "--docx",
        "nowhere/n.docx",
    ]);
    assert!(String::from_utf8_lossy(&no_dir.stderr).contains("[io_write]"));
    let n5 = l.json(&[
        "supervise",
        "notice",
        "--task",
        &tasks[0],
        "--docx",
        "n5.docx",
        "--day",
        "2026-11-29",
    ]);
    assert_eq!(n5["number"], 4, "refusals took no number: {n5}");

    let verified = l.json(&["audit", "verify"]);
    assert_eq!(
        verified["problems"].as_array().unwrap().len(),
        0,
        "{verified}"
    );
    let _ = std::fs::remove_dir_all(&l.dir);
}

#[test]
fn supervise_status_lists_the_next_reminders_and_what_was_sent() {
    let l = Ledger::new("remind");
    std::fs::write(l.dir.join("doc.txt"), DOC).unwrap();
    let ingested = l.json(&["ingest", "doc.txt"]);
    let task = ingested["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "task")
        .map(|t| t["id"].as_i64().unwrap())
        .unwrap();
    l.ok(&["unit", "add", "省水利厅"]);
    l.ok(&[
        "task",
        "assign",
        &task.to_string(),
        "--lead",
        "省水利厅",
        "--due",
        "2099-12-31",
    ]);
    l.ok(&[
        "supervise",
        "contact",
        "--unit",
        "省水利厅",
        "--email",
        "slt@example.gov.cn",
    ]);
    let bad = l.run(&[
        "supervise",
        "contact",
        "--unit",
        "省水利厅",
        "--email",
        "not an address",
    ]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("[value_bad_email]"));

    let s = l.json(&["supervise", "status", "--day", "2026-04-01"]);
    let pending = s["pending"].as_array().unwrap();
    assert_eq!(pending.len(), 1, "{s}");
    assert_eq!(pending[0]["task"], task);
    assert_eq!(pending[0]["unit"], "省水利厅");
    assert_eq!(pending[0]["kind"], "report_before");
    assert_eq!(s["sent"].as_array().unwrap().len(), 0);
    let text = l.ok(&["supervise", "status", "--day", "2026-04-01"]);
    assert!(
        text.contains("待发催办") && text.contains("反馈即将到期"),
        "{text}"
    );
    let bad = l.run(&["supervise", "status", "--channel", "fax"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("[unknown_channel]"));
}
