//! The Excel ledger (台账) on real files, on SQLite and on PostgreSQL:
//! export → import into a fresh database → export gives the same cells; a
//! sheet with one bad cell imports nothing and says where; a sheet a person
//! typed (numbers, date cells, serials, spaces) imports; the audit trail
//! verifies after every import.

#![allow(clippy::unwrap_used)]

mod helpers;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use helpers::{COMMUNIQUE, TestDb, day, office, person, start_day, unit};
use luoshi_core::xlsx::{self, XlsxError};
use luoshi_core::{
    DocumentName, Ledger, NewAssignment, NewDocument, NewReport, Percent, Period, Status, Store,
    TaskFilter, TaskKind, Text,
};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// A ledger with every kind of row: a theme with tasks, tasks assigned
/// with co-units, reported on, closed, suspended, overdue, and one left a
/// draft.
async fn populated(store: &Store) {
    let source = luoshi_extract::decode(COMMUNIQUE.as_bytes()).unwrap();
    let extraction = luoshi_extract::extract(&source);
    let name = DocumentName::parse("省委常委会会议通稿.txt").unwrap();
    let ingested = store
        .ingest(
            &office(),
            NewDocument {
                name: Some(&name),
                source: &source,
                extraction: &extraction,
            },
        )
        .await
        .unwrap();
    for u in ["省发展改革委", "省科技厅", "省水利厅", "省财政厅"] {
        store.add_unit(&office(), &unit(u), None).await.unwrap();
    }
    let leaves: Vec<_> = ingested
        .tasks
        .iter()
        .filter(|t| !ingested.tasks.iter().any(|c| c.parent == Some(t.id)))
        .collect();
    assert!(leaves.len() >= 3, "{:#?}", ingested.tasks);
    let plans = [
        ("省科技厅", vec!["省发展改革委", "省财政厅"], "2026-12-31"),
        ("省发展改革委", vec![], "2026-03-01"),
        ("省水利厅", vec!["省财政厅"], "2026-06-30"),
    ];
    let mut ids = Vec::new();
    for (t, (lead, co, due)) in leaves.iter().zip(plans) {
        let task = store
            .assign(
                &office(),
                t.id,
                t.version,
                &NewAssignment {
                    lead: unit(lead),
                    co_units: co.into_iter().map(unit).collect(),
                    owner: Some(person("李四")),
                    deadline: day(due),
                },
            )
            .await
            .unwrap();
        ids.push(task.id);
    }
    // The first is reported on twice, the latest report shows.
    for (period, percent) in [("2026年2月", 30), ("2026年3月", 60)] {
        store
            .add_report(
                &office(),
                ids[0],
                &NewReport {
                    unit: None,
                    period: Period::parse(period).unwrap(),
                    done: Text::parse(&format!("实验室体系建设完成{percent}%")).unwrap(),
                    next_steps: None,
                    percent: Percent::new(percent).unwrap(),
                    problems: None,
                    evidence: None,
                },
            )
            .await
            .unwrap();
    }
    // The third is closed with evidence.
    let t = store.task(ids[2]).await.unwrap();
    let r = NewReport {
        unit: None,
        period: Period::parse("2026年3月").unwrap(),
        done: Text::parse("完成除险加固").unwrap(),
        next_steps: None,
        percent: Percent::new(90).unwrap(),
        problems: None,
        evidence: None,
    };
    store.add_report(&office(), t.id, &r).await.unwrap();
    let t = store.task(ids[2]).await.unwrap();
    let t = store
        .request_close(
            &office(),
            t.id,
            t.version,
            &Text::parse("验收报告").unwrap(),
        )
        .await
        .unwrap();
    store.close_task(&office(), t.id, t.version).await.unwrap();
    // The second (overdue: due 2026-03-01, today 2026-03-10) stays assigned.
    if let Some(fourth) = leaves.get(3) {
        let t = store
            .assign(
                &office(),
                fourth.id,
                fourth.version,
                &NewAssignment {
                    lead: unit("省水利厅"),
                    co_units: vec![],
                    owner: None,
                    deadline: day("2026-10-01"),
                },
            )
            .await
            .unwrap();
        store
            .suspend(
                &office(),
                t.id,
                t.version,
                &Text::parse("等待批复").unwrap(),
            )
            .await
            .unwrap();
    }
}

/// Every cell of the ledger sheet, as calamine reads it.
fn cells(bytes: &[u8]) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range(xlsx::SHEET).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

async fn export(store: &Store) -> Vec<u8> {
    xlsx::export(store, &TaskFilter::default(), start_day())
        .await
        .unwrap()
}

async fn export_import_export_gives_the_same_sheet(db: TestDb) {
    populated(&db.store).await;
    let first = export(&db.store).await;

    let fresh = TestDb::open(db.engine).await;
    let sheet = xlsx::read(&first).unwrap();
    let imported = fresh
        .store
        .import_ledger(&office(), &sheet, "台账.xlsx")
        .await
        .unwrap();
    assert_eq!(imported.documents.len(), 1);
    assert_eq!(imported.units_created.len(), 4);
    let second = export(&fresh.store).await;

    // Every cell is equal, the hidden ids included: the fresh database
    // numbers the records as the original did.
    let (a, b) = (cells(&first), cells(&second));
    assert!(a.len() >= 6, "{a:?}");
    assert_eq!(a, b);
    // What the sheet shows is what the store holds.
    let tasks = fresh.store.tasks(&TaskFilter::default()).await.unwrap();
    assert!(tasks.iter().any(|t| t.status == Status::Closed));
    assert!(tasks.iter().any(|t| t.kind == TaskKind::Theme));
    assert!(tasks.iter().any(|t| t.is_overdue(start_day())));
    let detail = fresh
        .store
        .task_detail(*imported.tasks.last().unwrap())
        .await
        .unwrap();
    assert!(detail.events.iter().all(|e| e.action == "import"));

    let report = fresh.store.verify().await.unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert!(db.store.verify().await.unwrap().is_ok());

    // Into a ledger that already holds records the visible cells are
    // still equal; the ids are the new ones.
    let third_db = TestDb::open(db.engine).await;
    populated(&third_db.store).await;
    let sheet = xlsx::read(&first).unwrap();
    let again = third_db
        .store
        .import_ledger(&office(), &sheet, "台账.xlsx")
        .await
        .unwrap();
    let c = cells(&export(&third_db.store).await);
    let visible =
        |rows: &[Vec<Data>]| -> Vec<Vec<Data>> { rows.iter().map(|r| r[..8].to_vec()).collect() };
    assert_eq!(visible(&c[a.len()..]), visible(&a[2..]));
    assert_eq!(again.documents, [luoshi_core::DocumentId(2)]);
    assert!(third_db.store.verify().await.unwrap().is_ok());
    third_db.finish().await;
    fresh.finish().await;
    db.finish().await;
}

/// A sheet laid out as people type one: title, header, a theme, tasks.
fn hand_made(rows: &[[&str; 8]]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("任务台账").unwrap();
    sheet.write_string(0, 0, "2026年重点任务台账").unwrap();
    for (c, h) in (0u16..).zip(xlsx::HEADERS) {
        sheet.write_string(1, c, h).unwrap();
    }
    for (r, row) in (2u32..).zip(rows) {
        for (c, v) in (0u16..).zip(row) {
            if !v.is_empty() {
                sheet.write_string(r, c, *v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

async fn a_nonsense_deadline_imports_nothing(db: TestDb) {
    let bytes = hand_made(&[
        ["一、", "打造科技创新高地", "", "", "", "", "", ""],
        [
            "1",
            "建设实验室体系",
            "省科技厅",
            "省财政厅",
            "李四",
            "2026-06-30",
            "",
            "已交办",
        ],
        [
            "2",
            "出台实施方案",
            "省发展改革委",
            "",
            "",
            "2026-02-30",
            "",
            "已交办",
        ],
    ]);
    let err = xlsx::read(&bytes).unwrap_err();
    assert_eq!(err.code(), "xlsx_bad_cells");
    let XlsxError::Cells(cells) = &err else {
        panic!("{err}")
    };
    assert_eq!(cells.len(), 1, "{err}");
    assert_eq!((cells[0].row, cells[0].column.as_str()), (5, "F"));
    assert_eq!(cells[0].code, "xlsx_bad_date");
    assert!(
        err.to_string()
            .contains("第 5 行 F 列（完成时限）：‘2026-02-30’不是有效日期"),
        "{err}"
    );

    // Several kinds of bad cell are all reported at once.
    let bytes = hand_made(&[
        ["1", "", "省科技厅", "", "", "2026-06-30", "", "已交办"],
        [
            "2",
            "出台实施方案",
            "省发展改革委",
            "",
            "",
            "明年",
            "",
            "已交办",
        ],
        [
            "3",
            "强化要素保障",
            "省财政厅",
            "",
            "",
            "2026-12-31",
            "",
            "完成了",
        ],
    ]);
    let XlsxError::Cells(cells) = xlsx::read(&bytes).unwrap_err() else {
        panic!()
    };
    let found: Vec<_> = cells
        .iter()
        .map(|c| (c.row, c.column.as_str(), c.code))
        .collect();
    assert_eq!(
        found,
        [
            (3, "B", "xlsx_empty_title"),
            (4, "F", "xlsx_bad_date"),
            (5, "H", "xlsx_unknown_status")
        ]
    );
    // Nothing reached the ledger: no units, no tasks, no events.
    assert!(db.store.units().await.unwrap().is_empty());
    assert!(
        db.store
            .tasks(&TaskFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(db.store.verify().await.unwrap().events, 0);
    db.finish().await;
}

async fn half_an_assignment_is_named_by_its_missing_cell(db: TestDb) {
    let bytes = hand_made(&[
        ["1", "出台实施方案", "", "", "", "2026-06-30", "", ""],
        ["2", "强化要素保障", "省财政厅", "", "", "", "", "办理中"],
        [
            "3",
            "加强水利建设",
            "省水利厅",
            "",
            "",
            "2026-06-30",
            "",
            "待交办",
        ],
        [
            "4",
            "建设实验室",
            "省科技厅",
            "省科技厅",
            "",
            "2026-06-30",
            "",
            "已交办",
        ],
        [
            "5",
            "推动产业升级",
            "省发展改革委",
            "",
            "",
            "2026-06-30",
            "正在推进",
            "暂缓",
        ],
        ["6", "调剂用地指标", "", "", "", "", "", ""],
    ]);
    let XlsxError::Cells(cells) = xlsx::read(&bytes).unwrap_err() else {
        panic!()
    };
    let found: Vec<_> = cells
        .iter()
        .map(|c| (c.row, c.column.as_str(), c.code))
        .collect();
    assert_eq!(
        found,
        [
            (3, "C", "xlsx_missing_lead"),
            (4, "F", "xlsx_missing_deadline"),
            (5, "H", "xlsx_status_conflict"),
            (6, "D", "xlsx_lead_also_co_unit"),
        ]
    );
    assert_eq!(
        cells[0].to_string(),
        "第 3 行 C 列（牵头单位）：已交办的任务须填写牵头单位"
    );
    // Without those rows the sheet imports: a suspended task with progress
    // resumes to in progress, a row with only a title is a draft.
    let bytes = hand_made(&[
        [
            "5",
            "推动产业升级",
            "省发展改革委",
            "",
            "",
            "2026-06-30",
            "正在推进",
            "暂缓",
        ],
        ["6", "调剂用地指标", "", "", "", "", "", ""],
    ]);
    let sheet = xlsx::read(&bytes).unwrap();
    db.store
        .import_ledger(&office(), &sheet, "台账.xlsx")
        .await
        .unwrap();
    let tasks = db.store.tasks(&TaskFilter::default()).await.unwrap();
    assert_eq!(
        tasks[0].status,
        Status::Suspended {
            resume_to: luoshi_core::ResumeTo::InProgress
        }
    );
    assert_eq!(tasks[1].status, Status::Draft);
    assert!(tasks[1].assignment.is_none());
    assert!(db.store.verify().await.unwrap().is_ok());
    db.finish().await;
}

async fn a_sheet_a_person_edited_imports(db: TestDb) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("任务台账").unwrap();
    let date = Format::new().set_num_format("yyyy/m/d");
    sheet.write_string(0, 0, "2026年重点任务台账").unwrap();
    for (c, h) in (0u16..).zip(xlsx::HEADERS) {
        // WPS users pad headers with spaces.
        sheet.write_string(1, c, format!(" {h} ")).unwrap();
    }
    // A theme typed into 序号 alone, merged across.
    sheet
        .merge_range(2, 0, 2, 7, "一、打造科技创新高地", &Format::new())
        .unwrap();
    // 序号 as numbers; a date cell; a serial number; a string with spaces.
    sheet.write_number(3, 0, 1).unwrap();
    sheet.write_string(3, 1, "建设实验室体系").unwrap();
    sheet.write_string(3, 2, " 省科技厅 ").unwrap();
    sheet.write_string(3, 3, "省发展改革委，省财政厅").unwrap();
    sheet.write_string(3, 4, "李四").unwrap();
    sheet
        .write_datetime_with_format(3, 5, ExcelDateTime::from_ymd(2026, 6, 30).unwrap(), &date)
        .unwrap();
    sheet.write_string(3, 6, "已完成选址，正在建设").unwrap();
    sheet.write_string(3, 7, "办理中").unwrap();
    sheet.write_number(4, 0, 2).unwrap();
    sheet.write_string(4, 1, "  出台实施方案 ").unwrap();
    sheet.write_string(4, 2, "省发展改革委").unwrap();
    sheet.write_number(4, 5, 46_387).unwrap(); // 2026-12-31 as a serial
    sheet.write_number(5, 0, 3).unwrap();
    sheet.write_string(5, 1, "强化要素保障").unwrap();
    sheet.write_string(5, 2, "省自然资源厅").unwrap();
    sheet.write_string(5, 5, " 2026年9月30日 ").unwrap();
    sheet.write_string(5, 7, "已交办").unwrap();
    let bytes = book.save_to_buffer().unwrap();

    let sheet = xlsx::read(&bytes).unwrap();
    assert_eq!(sheet.rows.len(), 4);
    let imported = db
        .store
        .import_ledger(&office(), &sheet, "手工台账.xlsx")
        .await
        .unwrap();
    assert_eq!(imported.units_created.len(), 4);
    let tasks = db.store.tasks(&TaskFilter::default()).await.unwrap();
    assert_eq!(tasks[0].kind, TaskKind::Theme);
    assert_eq!(tasks[0].title.as_str(), "打造科技创新高地");
    assert!(tasks[1..].iter().all(|t| t.parent == Some(tasks[0].id)));
    let a = tasks[1].assignment.as_ref().unwrap();
    assert_eq!(a.lead.name.as_str(), "省科技厅");
    assert_eq!(a.co_units.len(), 2);
    assert_eq!(a.deadline, day("2026-06-30"));
    assert_eq!(tasks[1].status, Status::InProgress);
    assert_eq!(tasks[2].title.as_str(), "出台实施方案");
    assert_eq!(tasks[2].status, Status::Assigned);
    assert_eq!(
        tasks[2].assignment.as_ref().unwrap().deadline,
        day("2026-12-31")
    );
    assert_eq!(
        tasks[3].assignment.as_ref().unwrap().deadline,
        day("2026-09-30")
    );
    let detail = db.store.task_detail(tasks[1].id).await.unwrap();
    assert_eq!(detail.reports.len(), 1);
    assert_eq!(detail.reports[0].done.as_str(), "已完成选址，正在建设");
    assert_eq!(detail.reports[0].period.as_str(), xlsx::IMPORTED_PERIOD);

    let report = db.store.verify().await.unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    // Importing into a ledger that already has the units reuses them.
    db.store
        .import_ledger(&office(), &sheet, "手工台账.xlsx")
        .await
        .unwrap();
    assert_eq!(db.store.units().await.unwrap().len(), 4);
    assert!(db.store.verify().await.unwrap().is_ok());
    db.finish().await;
}

async fn export_filters_keep_the_themes_of_the_tasks_they_keep(db: TestDb) {
    populated(&db.store).await;
    let filter = TaskFilter {
        unit: Some(unit("省财政厅")),
        ..TaskFilter::default()
    };
    let bytes = xlsx::export(&db.store, &filter, start_day()).await.unwrap();
    let rows = cells(&bytes);
    let tasks: Vec<_> = rows[2..]
        .iter()
        .filter(|r| matches!(r[0], Data::Float(_) | Data::Int(_)))
        .collect();
    assert_eq!(tasks.len(), 2, "{rows:?}");
    assert!(tasks.iter().all(|r| r[3].to_string().contains("省财政厅")));
    db.finish().await;
}

engine_tests!(
    export_import_export_gives_the_same_sheet,
    a_nonsense_deadline_imports_nothing,
    a_sheet_a_person_edited_imports,
    half_an_assignment_is_named_by_its_missing_cell,
    export_filters_keep_the_themes_of_the_tasks_they_keep,
);
