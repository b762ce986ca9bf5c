//! The problem list, indicators and the evaluation from the command line
//! (SQLite): a problem filed in Traditional script finds its Simplified
//! twin, is rectified and closed; an indicator is recorded; the ranking is
//! printed and written as .xlsx; the trail verifies.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

const DOC: &str = "省政府召开常务会议\n3月5日，省政府召开常务会议。省长张三主持会议。\n会议指出，要抓好春耕生产，确保粮食安全。要加强水利建设，年底前完工。\n";

struct Ledger {
    url: String,
    dir: PathBuf,
}

impl Ledger {
    fn new(name: &str) -> Ledger {
        let dir =
            std::env::temp_dir().join(format!("luoshi-problems-{name}-{}", std::process::id()));
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
fn problems_indicators_and_evaluation_from_the_command_line() {
    let l = Ledger::new("cycle");
    std::fs::write(l.dir.join("doc.txt"), DOC).unwrap();
    let ingested = l.json(&["ingest", "doc.txt"]);
    let tasks: Vec<String> = ingested["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "task")
        .map(|t| t["id"].as_i64().unwrap().to_string())
        .collect();
    l.ok(&["unit", "add", "省水利厅"]);
    l.ok(&[
        "task",
        "assign",
        &tasks[0],
        "--lead",
        "省水利厅",
        "--due",
        "2026-01-31",
    ]);

    let first = l.json(&[
        "problem",
        "add",
        "--description",
        "部分市县污水处理设施建设滞后",
        "--task",
        &tasks[0],
        "--found-by",
        "督查",
        "--root-cause",
        "机制性缺陷",
        "--class",
        "污水设施",
        "--deadline",
        "2026-06-30",
    ]);
    assert_eq!(first["problem"]["unit"], "省水利厅");
    assert_eq!(first["similar"].as_array().unwrap().len(), 0);
    let twin = l.json(&[
        "problem",
        "add",
        "--description",
        "部分市縣污水處理設施建設滯後",
        "--unit",
        "省水利厅",
        "--found-by",
        "self_check",
        "--root-cause",
        "execution",
        "--deadline",
        "2026-06-30",
    ]);
    assert_eq!(twin["similar"][0]["problem"]["id"], first["problem"]["id"]);
    let similar = l.ok(&["problem", "similar", "污水處理設施"]);
    assert!(similar.contains("污水处理设施建设滞后"), "{similar}");
    let bad = l.run(&[
        "problem",
        "add",
        "--description",
        "x",
        "--unit",
        "省水利厅",
        "--found-by",
        "天降",
        "--root-cause",
        "其他",
        "--deadline",
        "2026-06-30",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("[value_bad_choice]"));

    let id = twin["problem"]["id"].to_string();
    l.ok(&["problem", "classify", &id, "污水设施"]);
    let r = l.json(&["problem", "rectify", &id, "--measures", "制定运维办法"]);
    assert_eq!(r[0]["status"], "rectifying");
    let closed = l.json(&[
        "problem",
        "close",
        "--class",
        "污水设施",
        "--evidence",
        "验收报告",
    ]);
    assert_eq!(closed.as_array().unwrap().len(), 2);
    let list = l.json(&["problem", "list", "--status", "closed"]);
    assert_eq!(list.as_array().unwrap().len(), 2);

    let ind = l.json(&[
        "indicator",
        "add",
        "--task",
        &tasks[0],
        "--name",
        "新建污水管网",
        "--measure",
        "公里",
        "--year",
        "2026",
        "--target",
        "120",
    ]);
    let ind_id = ind[0]["id"].to_string();
    let ind = l.json(&[
        "indicator",
        "record",
        &ind_id,
        "--period",
        "2026-03",
        "--value",
        "30",
    ]);
    assert_eq!(ind[0]["values"][0]["period_end"], "2026-03-31");
    assert_eq!(ind[0]["progress"]["reached"], 25.0);
    assert!(l.ok(&["indicator", "list"]).contains("新建污水管网"));

    let file = l.dir.join("rank.xlsx");
    let e = l.json(&[
        "evaluate",
        "--period",
        "2026-01",
        "--xlsx",
        file.to_str().unwrap(),
    ]);
    assert_eq!(e["units"][0]["unit"], "省水利厅");
    assert_eq!(e["units"][0]["rank"], 1);
    assert!(std::fs::read(&file).unwrap().starts_with(b"PK"));
    let bad = l.run(&["evaluate", "--period", "2026-13"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("[bad_evaluation_period]"));
    assert!(
        l.ok(&["evaluate", "--print-rules"])
            .contains("cards_per_letter")
    );

    l.ok(&["audit", "verify"]);
    let _ = std::fs::remove_dir_all(&l.dir);
}
