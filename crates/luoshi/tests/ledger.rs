//! The ledger cycle from the command line, as a supervision office runs it:
//! ingest a communiqué, add units, assign, report, request completion, get
//! returned, close, and prove with `audit verify` that nothing was altered —
//! on a fresh SQLite file and on PostgreSQL.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sqlx::{Connection, Executor};

const DOC: &str = "省政府召开常务会议\n3月5日，省政府召开常务会议。省长张三主持会议。\n会议指出，要抓好春耕生产，确保粮食安全。要加强水利建设，年底前完工。\n会议要求，各地要压实安全生产责任。\n";

struct Ledger {
    url: String,
    dir: PathBuf,
}

impl Ledger {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_luoshi"))
            .args(args)
            .env("LUOSHI_DATABASE_URL", &self.url)
            .env("LUOSHI_ACTOR", "督查室王五")
            .current_dir(&self.dir)
            .output()
            .expect("luoshi runs")
    }

    /// Runs a command that must succeed; returns its standard output.
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

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("luoshi-ledger-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sqlite_ledger(name: &str) -> Ledger {
    let dir = temp_dir(name);
    Ledger {
        url: format!("sqlite://{}", dir.join("luoshi.db").display()),
        dir,
    }
}

/// The whole cycle; returns the id of the task that went through it.
fn cycle(l: &Ledger) -> i64 {
    std::fs::write(l.dir.join("通稿.txt"), DOC).unwrap();
    let ingested = l.json(&["ingest", "通稿.txt"]);
    let tasks = ingested["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 3, "{ingested}");
    assert!(tasks.iter().all(|t| t["status"] == "draft"));
    let id = tasks[1]["id"].as_i64().unwrap().to_string();
    assert_eq!(tasks[1]["parent"], tasks[0]["id"]);

    l.ok(&["unit", "add", "省农业农村厅"]);
    l.ok(&["unit", "add", "省水利厅"]);
    l.ok(&["unit", "add", "省财政厅"]);
    let units = l.json(&["unit", "list"]);
    assert_eq!(units.as_array().unwrap().len(), 3);

    let assigned = l.json(&[
        "task",
        "assign",
        &id,
        "--lead",
        "省水利厅",
        "--co",
        "省财政厅",
        "--due",
        "2099-12-31",
        "--owner",
        "李四",
    ]);
    assert_eq!(assigned[0]["status"], "assigned");
    assert_eq!(assigned[0]["assignment"]["co_units"][0], "省财政厅");

    // A co-unit sees the task; a unit with no part in it does not.
    assert_eq!(
        l.json(&["task", "list", "--unit", "省财政厅"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        l.json(&["task", "list", "--unit", "省农业农村厅"])
            .as_array()
            .unwrap()
            .len(),
        0
    );

    let report = l.json(&[
        "report",
        "add",
        &id,
        "--done",
        "完成渠系改造一期",
        "--next",
        "推进二期",
        "--percent",
        "60",
    ]);
    assert_eq!(report[0]["percent"], 60);
    assert_eq!(
        l.json(&["task", "show", &id])["task"]["status"],
        "in_progress"
    );
    // The office returns the report once, then accepts the new one.
    let first = report[0]["id"].as_i64().unwrap().to_string();
    let returned = l.json(&["report", "return", &first, "--reason", "请补充资金到位情况"]);
    assert_eq!(returned[0]["review"], "returned");
    refused(
        &l.run(&["report", "accept", &first]),
        "report_already_reviewed",
    );
    let again = l.json(&[
        "report",
        "add",
        &id,
        "--done",
        "完成渠系改造一期，资金已到位",
        "--percent",
        "65",
    ]);
    let again = again[0]["id"].as_i64().unwrap().to_string();
    let accepted = l.json(&["report", "accept", &again, "--note", "同意"]);
    assert_eq!(accepted[0]["review"], "accepted");
    assert_eq!(accepted[0]["review_note"], "同意");

    l.ok(&["task", "request-close", &id, "--evidence", "验收报告"]);
    // A new date for completing again must not lie in the past.
    refused(
        &l.run(&[
            "task",
            "return",
            &id,
            "--reason",
            "缺少验收签字",
            "--new-date",
            "2000-01-01",
        ]),
        "return_date_in_past",
    );
    let returned = l.json(&[
        "task",
        "return",
        &id,
        "--reason",
        "缺少验收签字",
        "--new-date",
        "2099-06-30",
    ]);
    assert_eq!(returned[0]["status"], "in_progress");
    l.ok(&[
        "task",
        "request-close",
        &id,
        "--evidence",
        "验收报告（已签字）",
    ]);
    let closed = l.json(&["task", "close", &id]);
    assert_eq!(closed[0]["status"], "closed");

    let shown = l.json(&["task", "show", &id]);
    let events = shown["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["action"] == "return" && e["note"] == "缺少验收签字")
    );
    assert!(events.iter().all(|e| e["actor"] == "督查室王五"));
    assert_eq!(
        l.json(&["audit", "verify"])["problems"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    id.parse().unwrap()
}

fn refused(out: &Output, code: &str) {
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("[{code}]")), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn the_cycle_on_a_fresh_sqlite_file() {
    let l = sqlite_ledger("cycle");
    let id = cycle(&l).to_string();
    // A closed task takes no more reports; the error says why.
    refused(
        &l.run(&["report", "add", &id, "--done", "补报", "--percent", "100"]),
        "task_closed",
    );
    // Bad input is refused before anything is written.
    refused(
        &l.run(&[
            "task",
            "assign",
            "1",
            "--lead",
            "省水利厅",
            "--due",
            "2026-02-30",
        ]),
        "value_bad_date",
    );
    refused(
        &l.run(&[
            "task",
            "assign",
            "999",
            "--lead",
            "省水利厅",
            "--due",
            "2026-12-31",
        ]),
        "not_found",
    );
    refused(
        &l.run(&["report", "add", "1", "--done", "x", "--percent", "120"]),
        "value_percent_out_of_range",
    );
    refused(&l.run(&["unit", "add", "省水利厅"]), "duplicate");
    // A department renamed keeps its tasks; moving it under itself is refused.
    l.ok(&["unit", "rename", "省水利厅", "省水利水电厅"]);
    assert_eq!(
        l.json(&["task", "list", "--unit", "省水利水电厅"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    l.ok(&["unit", "move", "省财政厅", "--parent", "省水利水电厅"]);
    refused(
        &l.run(&["unit", "move", "省水利水电厅", "--parent", "省财政厅"]),
        "unit_cycle",
    );
    refused(&l.run(&["unit", "move", "省财政厅"]), "usage");
    refused(
        &l.run(&["task", "list", "--status", "finished"]),
        "value_unknown_status",
    );
    assert_eq!(
        l.json(&["audit", "verify"])["problems"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn editing_a_row_behind_the_ledgers_back_fails_the_audit() {
    let l = sqlite_ledger("tamper");
    let id = cycle(&l);
    let path = l.dir.join("luoshi.db");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            conn.execute(format!("UPDATE tasks SET title = '改过的标题' WHERE id = {id}").as_str())
                .await
                .unwrap();
            conn.close().await.unwrap();
        });
    let out = l.run(&["audit", "verify"]);
    refused(&out, "audit_failed");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("tasks"), "{printed}");
    assert!(printed.contains(&id.to_string()), "{printed}");
}

#[test]
fn the_cycle_on_postgresql() {
    let l = postgres_ledger("cycle");
    cycle(&l);
    assert!(
        !Path::new(&l.dir.join("luoshi.db")).exists(),
        "nothing written to SQLite"
    );
    // The ledger moves from PostgreSQL to a fresh SQLite file as a sheet.
    round_trip(&l, &sqlite_ledger("pg-to-sqlite"));
}

/// Every cell of the sheet 任务台账, the hidden id columns included.
fn sheet_cells(path: &Path) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = book.worksheet_range("任务台账").unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| format!("{c:?}")).collect())
        .collect()
}

/// Exports `from`, imports the sheet into the fresh `to`, exports again:
/// the two sheets hold the same cells, ids included, and `to`'s audit
/// trail verifies.
fn round_trip(from: &Ledger, to: &Ledger) {
    let first = to.dir.join("导出.xlsx");
    let second = to.dir.join("再导出.xlsx");
    let printed = from.ok(&["export", "--xlsx", first.to_str().unwrap()]);
    assert!(printed.contains("已导出任务台账"), "{printed}");
    let imported = to.json(&["import", "--xlsx", first.to_str().unwrap()]);
    assert_eq!(imported["documents"].as_array().unwrap().len(), 1);
    assert_eq!(imported["tasks"].as_array().unwrap().len(), 3);
    assert_eq!(imported["units_created"].as_array().unwrap().len(), 2);
    to.ok(&["export", "--xlsx", second.to_str().unwrap()]);
    let (a, b) = (sheet_cells(&first), sheet_cells(&second));
    assert_eq!(a, b);
    assert!(a.iter().flatten().any(|c| c.contains("已销号")), "{a:?}");
    assert_eq!(
        to.json(&["audit", "verify"])["problems"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn the_excel_ledger_round_trips_through_the_command_line() {
    let l = sqlite_ledger("xlsx-from");
    cycle(&l);
    round_trip(&l, &sqlite_ledger("xlsx-to"));

    // Filters narrow the sheet; a bad filter is refused.
    let filtered = l.dir.join("财政厅.xlsx");
    l.ok(&[
        "export",
        "--xlsx",
        filtered.to_str().unwrap(),
        "--unit",
        "省财政厅",
        "--status",
        "closed",
    ]);
    let cells = sheet_cells(&filtered);
    assert!(cells.iter().flatten().any(|c| c.contains("省财政厅")));
    refused(
        &l.run(&["export", "--xlsx", "x.xlsx", "--status", "finished"]),
        "value_unknown_status",
    );
    l.ok(&["export", "--xlsx", "超期.xlsx", "--overdue"]);
}

#[test]
fn a_sheet_with_a_nonsense_deadline_imports_nothing_from_the_command_line() {
    let l = sqlite_ledger("xlsx-bad");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("任务台账").unwrap();
    let rows: [[&str; 8]; 4] = [
        [
            "序号",
            "任务",
            "牵头单位",
            "配合单位",
            "责任人",
            "完成时限",
            "进展情况",
            "状态",
        ],
        ["一、", "抓好春耕生产", "", "", "", "", "", ""],
        [
            "1",
            "确保粮食安全",
            "省农业农村厅",
            "",
            "李四",
            "2026-06-30",
            "",
            "已交办",
        ],
        [
            "2",
            "加强水利建设",
            "省水利厅",
            "省财政厅",
            "",
            "明年",
            "",
            "已交办",
        ],
    ];
    for (r, row) in (1u32..).zip(rows) {
        for (c, v) in (0u16..).zip(row) {
            sheet.write_string(r, c, v).unwrap();
        }
    }
    book.save(l.dir.join("台账.xlsx")).unwrap();
    let out = l.run(&["import", "--xlsx", "台账.xlsx"]);
    refused(&out, "xlsx_bad_cells");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("第 5 行 F 列（完成时限）：‘明年’不是有效日期"),
        "{err}"
    );
    assert_eq!(l.json(&["unit", "list"]).as_array().unwrap().len(), 0);
    assert_eq!(l.json(&["task", "list"]).as_array().unwrap().len(), 0);
    refused(
        &l.run(&["import", "--xlsx", "没有这个文件.xlsx"]),
        "io_read",
    );
    std::fs::write(l.dir.join("不是表格.xlsx"), "hello").unwrap();
    refused(
        &l.run(&["import", "--xlsx", "不是表格.xlsx"]),
        "xlsx_unreadable",
    );
}

#[test]
fn dev_seed_fills_an_empty_ledger_that_verifies() {
    let l = sqlite_ledger("seed");
    let args = [
        "dev",
        "seed",
        "--units",
        "20",
        "--tasks",
        "300",
        "--reports",
        "1000",
        "--seed",
        "3",
    ];
    let summary = l.json(&args);
    assert_eq!(summary["units"], 20);
    assert_eq!(summary["tasks"], 300);
    assert_eq!(summary["reports"], 1000);
    assert!(l.ok(&["audit", "verify"]).contains("留痕核验通过"));
    let units = l.json(&["unit", "list"]);
    assert_eq!(units.as_array().map(Vec::len), Some(20));
    // A second seed into the same ledger is refused and changes nothing.
    assert!(!l.run(&args).status.success());
    assert!(l.ok(&["audit", "verify"]).contains("留痕核验通过"));
    let _ = std::fs::remove_dir_all(&l.dir);
}

/// A fresh, empty PostgreSQL database of the test server (its working
/// folder apart from the SQLite ledgers', so tests of the same name on both
/// engines can run side by side).
fn postgres_ledger(name: &str) -> Ledger {
    let base = std::env::var("LUOSHI_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!("LUOSHI_TEST_POSTGRES_URL is not set: run the suite with scripts/test, which starts PostgreSQL")
    });
    let db = format!("luoshi_cli_{name}_{}", std::process::id());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
            conn.execute(format!("CREATE DATABASE {db}").as_str())
                .await
                .unwrap();
            conn.close().await.unwrap();
        });
    let (prefix, _) = base.rsplit_once('/').unwrap();
    Ledger {
        url: format!("{prefix}/{db}"),
        dir: temp_dir(&format!("pg-{name}")),
    }
}

fn verified(l: &Ledger) -> serde_json::Value {
    let report = l.json(&["audit", "verify"]);
    assert_eq!(report["problems"].as_array().unwrap().len(), 0, "{report}");
    report
}

/// Backs `from` up (after the cycle on task `id`), restores the backup
/// into each of the empty ledgers `to`: the copy verifies and shows the
/// task exactly as the original does; the refusals change nothing.
fn backup_and_restore(from: &Ledger, id: i64, to: &[Ledger]) {
    let file = from.dir.join("备份.luoshi");
    let file = file.to_str().unwrap();
    let backed = from.json(&["backup", file]);
    assert!(backed["rows"].as_u64().unwrap() > 10, "{backed}");
    assert_eq!(backed["tables"]["tasks"], 3);
    // Never overwritten.
    let before = std::fs::read(file).unwrap();
    refused(&from.run(&["backup", file]), "backup_file_exists");
    assert_eq!(std::fs::read(file).unwrap(), before);

    let id = id.to_string();
    let shown = from.json(&["task", "show", &id]);
    let audit = verified(from);
    for to in to {
        let restored = to.json(&["restore", file]);
        assert_eq!(restored["rows"], backed["rows"]);
        assert_eq!(verified(to), audit);
        assert_eq!(to.json(&["task", "show", &id]), shown);
        assert_eq!(to.json(&["unit", "list"]), from.json(&["unit", "list"]));

        // A second restore finds a ledger that is not empty: refused, unchanged.
        refused(&to.run(&["restore", file]), "restore_target_not_empty");
        assert_eq!(verified(to), audit);

        // The copy goes on: new ids follow the restored ones.
        let unit = to.json(&["unit", "add", "省审计厅"]);
        assert_eq!(unit[0]["id"], 4, "{unit}");
        verified(to);
    }
    refused(
        &to[0].run(&["restore", "没有这个文件.luoshi"]),
        "backup_invalid",
    );
}

#[test]
fn a_sqlite_ledger_backs_up_and_restores_into_both_engines() {
    let l = sqlite_ledger("backup-from");
    let id = cycle(&l);
    backup_and_restore(
        &l,
        id,
        &[
            sqlite_ledger("backup-to"),
            postgres_ledger("restore_from_sqlite"),
        ],
    );
}

#[test]
fn a_postgresql_ledger_backs_up_and_restores_into_both_engines() {
    let l = postgres_ledger("backup_from");
    let id = cycle(&l);
    backup_and_restore(
        &l,
        id,
        &[
            sqlite_ledger("pg-backup-to"),
            postgres_ledger("restore_from_pg"),
        ],
    );
}

/// Backups taken while another process keeps writing are consistent:
/// each restores into a ledger whose audit trail verifies.
fn backup_while_writing(l: &Ledger, fresh: &dyn Fn(usize) -> Ledger) {
    l.ok(&["unit", "add", "省政府办公厅"]);
    let writer = {
        let l = Ledger {
            url: l.url.clone(),
            dir: l.dir.clone(),
        };
        std::thread::spawn(move || {
            for i in 0..40 {
                l.ok(&[
                    "unit",
                    "add",
                    &format!("第{i}办"),
                    "--parent",
                    "省政府办公厅",
                ]);
            }
        })
    };
    let mut files = Vec::new();
    for i in 0..4 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let file = l.dir.join(format!("运行中备份{i}.luoshi"));
        l.ok(&["backup", file.to_str().unwrap()]);
        files.push(file);
    }
    writer.join().unwrap();
    verified(l);
    let mut sizes = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let to = fresh(i);
        let restored = to.json(&["restore", file.to_str().unwrap()]);
        sizes.push(restored["tables"]["units"].as_u64().unwrap());
        verified(&to);
    }
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "{sizes:?}");
    // At least one backup was taken while the writer was still writing.
    assert!(sizes[0] < 41, "{sizes:?}");
    eprintln!("units in the backups taken while writing: {sizes:?}");
}

#[test]
fn a_backup_taken_while_another_process_writes_verifies_after_restore() {
    backup_while_writing(&sqlite_ledger("busy"), &|i| {
        sqlite_ledger(&format!("busy-to-{i}"))
    });
    backup_while_writing(&postgres_ledger("busy"), &|i| {
        postgres_ledger(&format!("busy_to_{i}"))
    });
}

#[test]
fn one_report_for_several_tasks_from_the_command_line() {
    let l = sqlite_ledger("combined");
    std::fs::write(l.dir.join("通稿.txt"), DOC).unwrap();
    let ingested = l.json(&["ingest", "通稿.txt"]);
    let ids: Vec<String> = ingested["tasks"].as_array().unwrap()[1..]
        .iter()
        .map(|t| t["id"].as_i64().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2);
    l.ok(&["unit", "add", "省水利厅"]);
    l.ok(&["unit", "add", "省财政厅"]);
    for id in &ids {
        l.ok(&[
            "task",
            "assign",
            id,
            "--lead",
            "省水利厅",
            "--due",
            "2099-12-31",
        ]);
    }
    let both = format!("{},{}", ids[0], ids[1]);
    // All or nothing: a unit on neither task, a single task.
    refused(
        &l.run(&[
            "report",
            "add",
            "--tasks",
            &both,
            "--unit",
            "省财政厅",
            "--done",
            "合并",
            "--percent",
            "30",
        ]),
        "not_a_unit_of_task",
    );
    refused(
        &l.run(&[
            "report",
            "add",
            "--tasks",
            &ids[0],
            "--done",
            "一项",
            "--percent",
            "30",
        ]),
        "batch_too_small",
    );
    let reports = l.json(&[
        "report",
        "add",
        "--tasks",
        &both,
        "--done",
        "两项水利任务一并推进",
        "--percent",
        "30",
    ]);
    let reports = reports.as_array().unwrap();
    assert_eq!(reports.len(), 2, "{reports:?}");
    assert!(reports.iter().all(|r| r["percent"] == 30));
    for id in &ids {
        let shown = l.json(&["task", "show", id]);
        assert_eq!(shown["reports"].as_array().unwrap().len(), 1, "{shown}");
    }
    assert_eq!(
        l.json(&["audit", "verify"])["problems"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}
