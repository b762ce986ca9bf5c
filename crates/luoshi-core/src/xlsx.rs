//! The Excel ledger (台账) that offices exchange: writing it from the
//! store, and reading one back — also one a person edited in Excel or WPS —
//! into validated rows that [`crate::Ledger::import_ledger`] stores in one
//! transaction.
//!
//! The layout, one sheet 任务台账:
//!
//! * row 1: the title (任务落实台账（截至 YYYY-MM-DD）), merged across;
//! * row 2: the header 序号 | 任务 | 牵头单位 | 配合单位 | 责任人 | 完成时限 |
//!   进展情况 | 状态, bold, frozen, repeated on every printed page;
//! * then, per document: its tasks without a theme, numbered 1, 2, …; then
//!   each theme (a task of kind theme, or one with children) as a row
//!   numbered 一、二、… whose title is merged across 任务…状态, followed by
//!   every task under it, numbered again from 1 (number cells, so Excel can
//!   sort them).
//!
//! 配合单位 are joined with 、; 完成时限 is a real date cell shown as
//! YYYY-MM-DD; 进展情况 is the latest report as `【period】完成N%：done`;
//! 状态 is the Chinese status label, with （逾期） appended when the task
//! is overdue on the day of export. Two hidden columns, 任务编号 and
//! 文件编号, carry each row's task id and document id: rows of one
//! document id become one document on import. Printing: A4 landscape,
//! fitted to the page width, borders and wrapped text.
//!
//! Reading is lenient about what a spreadsheet program does to cells
//! (numbers, dates as serials or date cells, strings with spaces, columns
//! found by their header) and strict about what they mean: every bad cell
//! is reported by row and column, and a sheet with any bad cell yields no
//! rows at all.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};

use crate::error::StoreError;
use crate::ledger::Ledger;
use crate::lifecycle::{ResumeTo, Status};
use crate::model::{NewAssignment, ProgressReport, Task, TaskFilter, TaskKind};
use crate::value::{Date, DocumentId, Percent, Period, PersonName, TaskId, Text, UnitName};

/// The name of the ledger sheet.
pub const SHEET: &str = "任务台账";

/// The visible columns, in order.
pub const HEADERS: [&str; 8] = [
    "序号",
    "任务",
    "牵头单位",
    "配合单位",
    "责任人",
    "完成时限",
    "进展情况",
    "状态",
];

/// The hidden columns after the visible ones.
pub const HIDDEN_HEADERS: [&str; 2] = ["任务编号", "文件编号"];

/// The period a report gets when an imported 进展情况 does not say one.
pub const IMPORTED_PERIOD: &str = "台账导入";

/// The period label of a completion request (as the store writes it).
const COMPLETION_PERIOD: &str = "办结申请";

const OVERDUE_MARK: &str = "（逾期）";

// ----- errors --------------------------------------------------------------------

/// One bad cell: where it is and what is wrong, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// The row as Excel numbers it, from 1.
    pub row: u32,
    /// The column letter (A, B, …).
    pub column: String,
    /// The column's header (完成时限…).
    pub header: String,
    /// Stable snake_case English code.
    pub code: &'static str,
    /// What is wrong, in Chinese.
    pub message: String,
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "第 {} 行 {} 列（{}）：{}",
            self.row, self.column, self.header, self.message
        )
    }
}

/// Why a workbook could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("无法生成 Excel 文件：{0}")]
    Write(#[from] rust_xlsxwriter::XlsxError),
    #[error("无法读取 Excel 文件（需要 .xlsx 格式）：{0}")]
    Open(String),
    #[error("Excel 文件中没有工作表。")]
    NoSheet,
    #[error(
        "在工作表“{sheet}”中找不到表头（序号、任务、牵头单位、配合单位、责任人、完成时限、进展情况、状态）：缺少“{missing}”。"
    )]
    Header { sheet: String, missing: String },
    #[error("工作表“{0}”中没有任务行。")]
    Empty(String),
    #[error("台账有 {} 处错误，未导入任何数据：\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Cells(Vec<CellError>),
}

impl XlsxError {
    /// Stable snake_case English code.
    pub fn code(&self) -> &'static str {
        match self {
            XlsxError::Store(e) => e.code(),
            XlsxError::Write(_) => "xlsx_write_failed",
            XlsxError::Open(_) => "xlsx_unreadable",
            XlsxError::NoSheet => "xlsx_no_sheet",
            XlsxError::Header { .. } => "xlsx_bad_header",
            XlsxError::Empty(_) => "xlsx_no_rows",
            XlsxError::Cells(_) => "xlsx_bad_cells",
        }
    }
}

// ----- the sheet as rows ---------------------------------------------------------

/// A row of the sheet as export lays it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub kind: TaskKind,
    /// 一、 for a theme, 1, 2, … for a task.
    pub number: String,
    pub title: String,
    pub lead: String,
    pub co_units: String,
    pub owner: String,
    pub deadline: Option<Date>,
    pub progress: String,
    pub status: String,
    pub task: TaskId,
    pub document: DocumentId,
}

/// `一`, `二`, … `九十九` (and digits beyond).
pub fn chinese_numeral(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => DIGITS[n].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", DIGITS[n % 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", DIGITS[n / 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

/// The value a chinese numeral stands for (一 to 九十九).
fn parse_chinese_numeral(s: &str) -> Option<usize> {
    (1..100).find(|n| chinese_numeral(*n) == s)
}

/// How a report reads in 进展情况.
pub fn progress_text(r: &ProgressReport) -> String {
    format!("【{}】完成{}%：{}", r.period, r.percent.value(), r.done)
}

/// Lays out the ledger: `all` is every task (to know the tree), `selected`
/// the ones the filter kept, `latest` the latest report of each task.
pub fn layout(
    all: &[Task],
    selected: &HashSet<TaskId>,
    latest: &HashMap<TaskId, ProgressReport>,
    today: Date,
) -> Vec<SheetRow> {
    let mut children: HashMap<TaskId, Vec<&Task>> = HashMap::new();
    let mut documents: Vec<DocumentId> = Vec::new();
    for t in all {
        if let Some(p) = t.parent {
            children.entry(p).or_default().push(t);
        }
        if !documents.contains(&t.document) {
            documents.push(t.document);
        }
    }
    for list in children.values_mut() {
        list.sort_by_key(|t| t.ordinal);
    }
    let is_theme = |t: &Task| t.kind == TaskKind::Theme || children.contains_key(&t.id);
    let mut rows = Vec::new();
    for doc in documents {
        let mut roots: Vec<&Task> = all
            .iter()
            .filter(|t| t.document == doc && t.parent.is_none())
            .collect();
        roots.sort_by_key(|t| t.ordinal);
        let mut n = 0;
        for t in roots.iter().filter(|t| !is_theme(t)) {
            if selected.contains(&t.id) {
                n += 1;
                rows.push(task_row(t, n, latest, today));
            }
        }
        let mut themes = 0;
        for theme in roots.iter().filter(|t| is_theme(t)) {
            let mut under = Vec::new();
            descendants(theme.id, &children, &mut under);
            under.retain(|t| selected.contains(&t.id));
            if under.is_empty() && !selected.contains(&theme.id) {
                continue;
            }
            themes += 1;
            rows.push(SheetRow {
                kind: TaskKind::Theme,
                number: format!("{}、", chinese_numeral(themes)),
                title: theme.title.to_string(),
                lead: String::new(),
                co_units: String::new(),
                owner: String::new(),
                deadline: None,
                progress: String::new(),
                status: String::new(),
                task: theme.id,
                document: theme.document,
            });
            for (i, t) in under.iter().enumerate() {
                rows.push(task_row(t, i + 1, latest, today));
            }
        }
    }
    rows
}

/// Every task below `id`, depth first in document order.
fn descendants<'a>(id: TaskId, children: &HashMap<TaskId, Vec<&'a Task>>, out: &mut Vec<&'a Task>) {
    for c in children.get(&id).map(Vec::as_slice).unwrap_or_default() {
        out.push(c);
        descendants(c.id, children, out);
    }
}

fn task_row(t: &Task, n: usize, latest: &HashMap<TaskId, ProgressReport>, today: Date) -> SheetRow {
    let a = t.assignment.as_ref();
    let mut status = t.status.label().to_owned();
    if t.is_overdue(today) {
        status.push_str(OVERDUE_MARK);
    }
    SheetRow {
        kind: TaskKind::Task,
        number: n.to_string(),
        title: t.title.to_string(),
        lead: a.map(|a| a.lead.name.to_string()).unwrap_or_default(),
        co_units: a
            .map(|a| {
                a.co_units
                    .iter()
                    .map(|u| u.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            })
            .unwrap_or_default(),
        owner: a
            .and_then(|a| a.owner.as_ref())
            .map(ToString::to_string)
            .unwrap_or_default(),
        deadline: a.map(|a| a.deadline),
        progress: latest.get(&t.id).map(progress_text).unwrap_or_default(),
        status,
        task: t.id,
        document: t.document,
    }
}

// ----- writing ---------------------------------------------------------------------

/// Writes the ledger of the tasks `filter` keeps, as of `today`, and
/// returns the .xlsx file's bytes.
pub async fn export<L: Ledger>(
    ledger: &L,
    filter: &TaskFilter,
    today: Date,
) -> Result<Vec<u8>, XlsxError> {
    let all = ledger.tasks(&TaskFilter::default()).await?;
    let selected: HashSet<TaskId> = if *filter == TaskFilter::default() {
        all.iter().map(|t| t.id).collect()
    } else {
        ledger.tasks(filter).await?.iter().map(|t| t.id).collect()
    };
    let ids: Vec<TaskId> = all.iter().map(|t| t.id).collect();
    let latest = ledger.latest_reports(&ids).await?;
    let rows = layout(&all, &selected, &latest, today);
    write(&rows, &format!("任务落实台账（截至 {today}）"))
}

/// Writes laid-out rows under `title` into an .xlsx file's bytes.
pub fn write(rows: &[SheetRow], title: &str) -> Result<Vec<u8>, XlsxError> {
    let border = |f: Format| f.set_border(FormatBorder::Thin);
    let title_fmt = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let header_fmt = border(Format::new())
        .set_bold()
        .set_text_wrap()
        .set_background_color(0x00D9_D9D9)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let text_fmt = border(Format::new())
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let center_fmt = text_fmt
        .clone()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let date_fmt = center_fmt.clone().set_num_format("yyyy-mm-dd");
    let theme_fmt = text_fmt.clone().set_bold();

    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(SHEET)?;
    let widths = [6.0, 42.0, 14.0, 22.0, 10.0, 12.0, 42.0, 12.0, 10.0, 10.0];
    for (col, w) in (0u16..).zip(widths) {
        sheet.set_column_width(col, w)?;
    }
    sheet.set_column_hidden(8)?;
    sheet.set_column_hidden(9)?;
    sheet.merge_range(0, 0, 0, 7, title, &title_fmt)?;
    sheet.set_row_height(0, 32)?;
    for (col, h) in (0u16..).zip(HEADERS.iter().chain(&HIDDEN_HEADERS)) {
        sheet.write_string_with_format(1, col, *h, &header_fmt)?;
    }
    sheet.set_freeze_panes(2, 0)?;
    sheet.set_repeat_rows(1, 1)?;
    sheet.set_landscape();
    sheet.set_paper_size(9); // A4
    sheet.set_print_fit_to_pages(1, 0);

    for (r, row) in (2u32..).zip(rows) {
        #[allow(clippy::cast_precision_loss)] // ids stay far below 2^53
        let (task, doc) = (row.task.0 as f64, row.document.0 as f64);
        sheet.write_number(r, 8, task)?;
        sheet.write_number(r, 9, doc)?;
        if row.kind == TaskKind::Theme {
            sheet.write_string_with_format(r, 0, &row.number, &theme_fmt)?;
            sheet.merge_range(r, 1, r, 7, &row.title, &theme_fmt)?;
            continue;
        }
        match row.number.parse::<u32>() {
            Ok(n) => sheet.write_number_with_format(r, 0, f64::from(n), &center_fmt)?,
            Err(_) => sheet.write_string_with_format(r, 0, &row.number, &center_fmt)?,
        };
        sheet.write_string_with_format(r, 1, &row.title, &text_fmt)?;
        sheet.write_string_with_format(r, 2, &row.lead, &center_fmt)?;
        sheet.write_string_with_format(r, 3, &row.co_units, &text_fmt)?;
        sheet.write_string_with_format(r, 4, &row.owner, &center_fmt)?;
        match row.deadline {
            Some(d) => {
                let cell = ExcelDateTime::from_ymd(
                    u16::try_from(d.year()).unwrap_or(1900),
                    u8::try_from(d.month()).unwrap_or(1),
                    u8::try_from(d.day()).unwrap_or(1),
                )?;
                sheet.write_datetime_with_format(r, 5, &cell, &date_fmt)?
            }
            None => sheet.write_blank(r, 5, &date_fmt)?,
        };
        sheet.write_string_with_format(r, 6, &row.progress, &text_fmt)?;
        sheet.write_string_with_format(r, 7, &row.status, &center_fmt)?;
    }
    Ok(book.save_to_buffer()?)
}

/// The headers of the evaluation ranking sheet (考核排名).
pub const EVALUATION_HEADERS: [&str; 12] = [
    "名次",
    "单位",
    "得分",
    "按时报送率（%）",
    "按时完成率（%）",
    "应报 / 按时",
    "到期任务 / 按时完成",
    "退回反馈",
    "预警",
    "处理",
    "要求报送次数",
    "要求填报项数",
];

/// Writes the evaluation ranking (考核排名) on one sheet in the house
/// style of [`write`]: title row, frozen header repeated on every printed
/// page, A4 landscape fitted to the width; the burden (减负) beside the
/// score.
pub fn write_evaluation(e: &crate::problem_store::Evaluation) -> Result<Vec<u8>, XlsxError> {
    let border = |f: Format| f.set_border(FormatBorder::Thin);
    let title_fmt = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let header_fmt = border(Format::new())
        .set_bold()
        .set_text_wrap()
        .set_background_color(0x00D9_D9D9)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let text_fmt = border(Format::new())
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let center_fmt = text_fmt
        .clone()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let score_fmt = center_fmt.clone().set_num_format("0.0");

    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("考核排名")?;
    let widths = [
        6.0, 22.0, 8.0, 10.0, 10.0, 10.0, 12.0, 8.0, 16.0, 28.0, 10.0, 10.0,
    ];
    for (col, w) in (0u16..).zip(widths) {
        sheet.set_column_width(col, w)?;
    }
    let title = format!("单位考核排名（{}）", e.period);
    sheet.merge_range(0, 0, 0, 11, &title, &title_fmt)?;
    sheet.set_row_height(0, 32)?;
    for (col, h) in (0u16..).zip(EVALUATION_HEADERS) {
        sheet.write_string_with_format(1, col, h, &header_fmt)?;
    }
    sheet.set_freeze_panes(2, 0)?;
    sheet.set_repeat_rows(1, 1)?;
    sheet.set_landscape();
    sheet.set_paper_size(9); // A4
    sheet.set_print_fit_to_pages(1, 0);
    #[allow(clippy::cast_precision_loss)] // counts stay far below 2^53
    for (r, u) in (2u32..).zip(&e.units) {
        let f = &u.facts;
        sheet.write_number_with_format(r, 0, f64::from(u.rank), &center_fmt)?;
        sheet.write_string_with_format(r, 1, u.unit.name.as_str(), &text_fmt)?;
        sheet.write_number_with_format(r, 2, u.score.score, &score_fmt)?;
        sheet.write_number_with_format(r, 3, u.score.report_rate, &score_fmt)?;
        sheet.write_number_with_format(r, 4, u.score.completion_rate, &score_fmt)?;
        let pair = |a: u64, b: u64| format!("{a} / {b}");
        sheet.write_string_with_format(
            r,
            5,
            pair(f.reports_due, f.reports_on_time),
            &center_fmt,
        )?;
        sheet.write_string_with_format(r, 6, pair(f.tasks_due, f.tasks_on_time), &center_fmt)?;
        sheet.write_number_with_format(r, 7, f.returned_reports as f64, &center_fmt)?;
        let cards = f
            .cards
            .iter()
            .map(|(t, n)| format!("{t}×{n}"))
            .collect::<Vec<_>>()
            .join("、");
        sheet.write_string_with_format(r, 8, cards, &text_fmt)?;
        let outcome = u
            .score
            .consequences
            .iter()
            .map(|c| format!("{} {} 次（扣 {} 分）", c.label, c.count, c.points))
            .collect::<Vec<_>>()
            .join("；");
        sheet.write_string_with_format(r, 9, outcome, &text_fmt)?;
        sheet.write_number_with_format(r, 10, u.score.reports_asked as f64, &center_fmt)?;
        sheet.write_number_with_format(r, 11, u.score.fields_asked as f64, &center_fmt)?;
    }
    Ok(book.save_to_buffer()?)
}

// ----- reading ---------------------------------------------------------------------

/// A progress report read from 进展情况.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedProgress {
    pub period: Period,
    pub percent: Percent,
    pub done: Text,
}

/// One validated row of an imported sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// The row as Excel numbers it, from 1.
    pub row: u32,
    pub kind: TaskKind,
    pub title: Text,
    /// `None` for themes and for tasks not yet assigned.
    pub assignment: Option<NewAssignment>,
    pub status: Status,
    pub progress: Option<ImportedProgress>,
    /// The hidden 任务编号, when the sheet carries it.
    pub task_ref: Option<i64>,
    /// The hidden 文件编号: rows with one value become one document.
    pub document_ref: Option<i64>,
}

/// A sheet whose every row is valid, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSheet {
    pub rows: Vec<ImportRow>,
}

/// A cell read as text: trimmed, numbers without a trailing `.0`, date
/// cells as YYYY-MM-DD.
fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::Error(e) => format!("#{e:?}"),
        Data::Empty => String::new(),
    }
}

/// A deadline cell: a date cell, an Excel serial number, YYYYMMDD, or a
/// string like 2026-06-30, 2026/6/30, 2026.6.30 or 2026年6月30日.
fn cell_date(d: &Data) -> Option<Date> {
    match d {
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Date::from_ymd(i64::from(y), i64::from(m), i64::from(d))
        }
        Data::Int(i) => serial_date(*i as f64),
        Data::Float(f) => serial_date(*f),
        Data::String(s) | Data::DateTimeIso(s) => text_date(s),
        _ => None,
    }
}

#[allow(clippy::cast_possible_truncation)] // checked to be a small whole number first
fn serial_date(f: f64) -> Option<Date> {
    if f.fract() != 0.0 {
        return None;
    }
    if (19_000_101.0..=99_991_231.0).contains(&f) {
        let n = f as i64;
        return Date::from_ymd(n / 10_000, n / 100 % 100, n % 100);
    }
    // Serials count days from 1899-12-30 in the 1900 date system (past
    // Excel's phantom 1900-02-29); 25569 is 1970-01-01.
    (61.0..=2_958_465.0)
        .contains(&f)
        .then(|| Date::from_days_since_epoch(f as i64 - 25_569))
        .flatten()
}

fn text_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let s = s.split(['T', ' ']).next().unwrap_or(s);
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return serial_date(s.parse::<f64>().ok()?);
    }
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut seps = Vec::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            current.push(c);
        } else {
            if current.is_empty() {
                return None;
            }
            parts.push(std::mem::take(&mut current));
            seps.push(c);
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    let seps_ok = matches!(
        seps.as_slice(),
        ['-', '-'] | ['/', '/'] | ['.', '.'] | ['年', '月'] | ['年', '月', '日']
    );
    if parts.len() != 3
        || !seps_ok
        || parts[0].len() != 4
        || parts[1].len() > 2
        || parts[2].len() > 2
    {
        return None;
    }
    let n = |p: &str| p.parse::<i64>().ok();
    Date::from_ymd(n(&parts[0])?, n(&parts[1])?, n(&parts[2])?)
}

/// A status label (or code), with a trailing （逾期） allowed.
fn parse_status(s: &str) -> Option<Status> {
    let s = s
        .trim()
        .trim_end_matches(OVERDUE_MARK)
        .trim_end_matches("(逾期)")
        .trim();
    Some(match s {
        "待交办" | "draft" => Status::Draft,
        "已交办" | "assigned" => Status::Assigned,
        "办理中" | "in_progress" => Status::InProgress,
        "申请办结" | "completion_requested" => Status::CompletionRequested,
        "已销号" | "closed" => Status::Closed,
        "暂缓" | "suspended" => Status::Suspended {
            resume_to: ResumeTo::InProgress,
        },
        _ => return None,
    })
}

/// `【period】完成N%：done`, as export writes it.
fn parse_progress(s: &str) -> Option<(String, i64, String)> {
    let rest = s.strip_prefix('【')?;
    let (period, rest) = rest.split_once('】')?;
    let rest = rest.strip_prefix("完成")?;
    let (percent, done) = rest.split_once("%：")?;
    Some((
        period.to_owned(),
        percent.trim().parse().ok()?,
        done.to_owned(),
    ))
}

/// A theme's number: 一、 一 （一） (一).
fn theme_number(s: &str) -> Option<(usize, &str)> {
    let s = s.trim();
    let s = s
        .strip_prefix('（')
        .or_else(|| s.strip_prefix('('))
        .unwrap_or(s);
    let end = s
        .char_indices()
        .find(|(_, c)| !"零一二三四五六七八九十".contains(*c))
        .map_or(s.len(), |(i, _)| i);
    let n = parse_chinese_numeral(&s[..end])?;
    let rest = s[end..]
        .trim_start_matches(['、', '）', ')', '.', '．'])
        .trim();
    Some((n, rest))
}

fn column_letter(col: usize) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// Reads a ledger sheet from .xlsx bytes. Every row is validated; when any
/// cell is bad the result lists them all and no row is returned.
pub fn read(bytes: &[u8]) -> Result<ImportSheet, XlsxError> {
    read_with_progress(bytes, &mut |_, _| {})
}

/// [`read`], telling `on_row(rows validated, rows below the header)`
/// after each row, so that a page can show how far a long import is.
pub fn read_with_progress(
    bytes: &[u8],
    on_row: &mut dyn FnMut(usize, usize),
) -> Result<ImportSheet, XlsxError> {
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| XlsxError::Open(e.to_string()))?;
    let names = book.sheet_names();
    let name = names
        .iter()
        .find(|n| n.trim() == SHEET)
        .or_else(|| names.first())
        .cloned()
        .ok_or(XlsxError::NoSheet)?;
    let range = book
        .worksheet_range(&name)
        .map_err(|e| XlsxError::Open(e.to_string()))?;
    let Some((top, left)) = range.start() else {
        return Err(XlsxError::Empty(name));
    };
    let (top, left) = (top as usize, left as usize);
    let grid: Vec<&[Data]> = range.rows().collect();

    // The header row: the first row naming every visible column.
    let mut columns: HashMap<&str, usize> = HashMap::new();
    let mut header_at = None;
    for (i, row) in grid.iter().enumerate().take(20) {
        let found: HashMap<&str, usize> = row
            .iter()
            .enumerate()
            .filter_map(|(c, d)| {
                let t = cell_text(d);
                HEADERS
                    .iter()
                    .chain(&HIDDEN_HEADERS)
                    .find(|h| **h == t.replace([' ', '　'], ""))
                    .map(|h| (*h, c))
            })
            .collect();
        if HEADERS.iter().all(|h| found.contains_key(h)) {
            columns = found;
            header_at = Some(i);
            break;
        }
    }
    let Some(header_at) = header_at else {
        let first = grid
            .iter()
            .take(20)
            .map(|r| r.iter().map(cell_text).collect::<Vec<_>>());
        let seen: HashSet<String> = first.flatten().collect();
        let missing = HEADERS
            .iter()
            .find(|h| !seen.contains(**h))
            .unwrap_or(&HEADERS[0]);
        return Err(XlsxError::Header {
            sheet: name,
            missing: (*missing).to_owned(),
        });
    };

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let below_header = grid.len() - header_at - 1;
    for (i, cells) in grid.iter().enumerate().skip(header_at + 1) {
        on_row(i - header_at - 1, below_header);
        let excel_row = u32::try_from(top + i + 1).unwrap_or(u32::MAX);
        let get = |h: &str| -> &Data {
            columns
                .get(h)
                .and_then(|c| cells.get(*c))
                .unwrap_or(&Data::Empty)
        };
        let text = |h: &str| cell_text(get(h));
        let mut bad = |h: &str, code: &'static str, message: String| {
            let col = columns.get(h).copied().unwrap_or(0);
            errors.push(CellError {
                row: excel_row,
                column: column_letter(left + col),
                header: h.to_owned(),
                code,
                message,
            });
        };
        if HEADERS.iter().all(|h| text(h).is_empty()) {
            continue;
        }
        let id_of = |h: &str| -> Option<i64> {
            match get(h) {
                Data::Int(i) => Some(*i),
                #[allow(clippy::cast_possible_truncation)]
                Data::Float(f) if f.fract() == 0.0 => Some(*f as i64),
                Data::String(s) => s.trim().parse().ok(),
                _ => None,
            }
        };
        let (task_ref, document_ref) = (id_of("任务编号"), id_of("文件编号"));

        // A theme: numbered 一、, with its title in 任务 or after the number.
        let number = text("序号");
        let mut title_text = text("任务");
        let theme = theme_number(&number).map(|(_, rest)| {
            if title_text.is_empty() {
                title_text = rest.to_owned();
            }
        });
        let kind = if theme.is_some() {
            TaskKind::Theme
        } else {
            TaskKind::Task
        };
        let title = match Text::parse(&title_text) {
            Ok(t) => Some(t),
            Err(e) => {
                let (code, message) = match e {
                    crate::error::ValueError::Empty { .. } => {
                        ("xlsx_empty_title", "任务名称不能为空".to_owned())
                    }
                    other => ("xlsx_bad_title", other.to_string()),
                };
                bad("任务", code, message);
                None
            }
        };
        if kind == TaskKind::Theme {
            if let Some(title) = title {
                rows.push(ImportRow {
                    row: excel_row,
                    kind,
                    title,
                    assignment: None,
                    status: Status::Draft,
                    progress: None,
                    task_ref,
                    document_ref,
                });
            }
            continue;
        }

        let lead_text = text("牵头单位");
        let lead = if lead_text.is_empty() {
            None
        } else {
            match UnitName::parse(&lead_text) {
                Ok(u) => Some(u),
                Err(e) => {
                    bad("牵头单位", "xlsx_bad_unit", e.to_string());
                    None
                }
            }
        };
        let mut co_units = Vec::new();
        for part in text("配合单位").split(['、', '，', ',', '；', ';', '\n']) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            match UnitName::parse(part) {
                Ok(u) if Some(&u) == lead.as_ref() => bad(
                    "配合单位",
                    "xlsx_lead_also_co_unit",
                    format!("牵头单位“{u}”不能同时作为配合单位"),
                ),
                Ok(u) if !co_units.contains(&u) => co_units.push(u),
                Ok(_) => {}
                Err(e) => bad("配合单位", "xlsx_bad_unit", e.to_string()),
            }
        }
        let owner_text = text("责任人");
        let owner = if owner_text.is_empty() {
            None
        } else {
            match PersonName::parse(&owner_text) {
                Ok(p) => Some(p),
                Err(e) => {
                    bad("责任人", "xlsx_bad_owner", e.to_string());
                    None
                }
            }
        };
        let deadline_cell = get("完成时限");
        let deadline_text = cell_text(deadline_cell);
        let deadline = if deadline_text.is_empty() {
            None
        } else {
            let d = cell_date(deadline_cell);
            if d.is_none() {
                bad(
                    "完成时限",
                    "xlsx_bad_date",
                    format!("‘{deadline_text}’不是有效日期，请填写如 2026-06-30 的日期"),
                );
            }
            d
        };
        let status_text = text("状态");
        let status = if status_text.is_empty() {
            Some(if lead.is_some() || deadline.is_some() {
                Status::Assigned
            } else {
                Status::Draft
            })
        } else {
            let s = parse_status(&status_text);
            if s.is_none() {
                bad(
                    "状态",
                    "xlsx_unknown_status",
                    format!(
                        "‘{status_text}’不是可用的状态，可用：待交办、已交办、办理中、申请办结、已销号、暂缓"
                    ),
                );
            }
            s
        };
        let progress_raw = text("进展情况");
        let progress = if progress_raw.is_empty() {
            None
        } else {
            let (period, percent, done) = parse_progress(&progress_raw)
                .unwrap_or_else(|| (IMPORTED_PERIOD.to_owned(), 0, progress_raw.clone()));
            match (
                Period::parse(&period),
                Percent::new(percent),
                Text::parse(&done),
            ) {
                (Ok(period), Ok(percent), Ok(done)) => Some(ImportedProgress {
                    period,
                    percent,
                    done,
                }),
                (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => {
                    bad("进展情况", "xlsx_bad_progress", e.to_string());
                    None
                }
            }
        };
        let status = status.map(|s| match s {
            Status::Suspended { .. } if progress.is_none() => Status::Suspended {
                resume_to: ResumeTo::Assigned,
            },
            s => s,
        });

        let assignment = match (lead, deadline, status) {
            (Some(_), Some(_), Some(Status::Draft)) => {
                bad(
                    "状态",
                    "xlsx_status_conflict",
                    "已填写牵头单位和完成时限的任务，状态不能是“待交办”".to_owned(),
                );
                None
            }
            (Some(lead), Some(deadline), _) => Some(NewAssignment {
                lead,
                co_units,
                owner,
                deadline,
            }),
            (None, None, Some(Status::Draft)) if co_units.is_empty() && owner.is_none() => None,
            (None, _, _) if lead_text.is_empty() => {
                bad(
                    "牵头单位",
                    "xlsx_missing_lead",
                    "已交办的任务须填写牵头单位".to_owned(),
                );
                None
            }
            (_, None, _) if deadline_text.is_empty() => {
                bad(
                    "完成时限",
                    "xlsx_missing_deadline",
                    "已交办的任务须填写完成时限".to_owned(),
                );
                None
            }
            _ => None, // the bad cell is already reported
        };
        if let (Some(title), Some(status)) = (title, status) {
            rows.push(ImportRow {
                row: excel_row,
                kind,
                title,
                assignment,
                status,
                progress,
                task_ref,
                document_ref,
            });
        }
    }
    on_row(below_header, below_header);
    if !errors.is_empty() {
        return Err(XlsxError::Cells(errors));
    }
    if rows.is_empty() {
        return Err(XlsxError::Empty(name));
    }
    Ok(ImportSheet { rows })
}

/// The period label of a completion request, for the store.
pub(crate) fn is_completion_period(p: &Period) -> bool {
    p.as_str() == COMPLETION_PERIOD
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals_and_columns() {
        assert_eq!(chinese_numeral(1), "一");
        assert_eq!(chinese_numeral(10), "十");
        assert_eq!(chinese_numeral(15), "十五");
        assert_eq!(chinese_numeral(20), "二十");
        assert_eq!(chinese_numeral(42), "四十二");
        assert_eq!(theme_number("三、"), Some((3, "")));
        assert_eq!(theme_number("（二）打造高地"), Some((2, "打造高地")));
        assert_eq!(theme_number("3"), None);
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(5), "F");
        assert_eq!(column_letter(27), "AB");
    }

    #[test]
    fn dates_in_the_forms_people_type() {
        let d = |s: &str| text_date(s).map(|d| d.to_string());
        assert_eq!(d("2026-06-30").as_deref(), Some("2026-06-30"));
        assert_eq!(d(" 2026/6/30 ").as_deref(), Some("2026-06-30"));
        assert_eq!(d("2026.6.3").as_deref(), Some("2026-06-03"));
        assert_eq!(d("2026年6月30日").as_deref(), Some("2026-06-30"));
        assert_eq!(d("20260630").as_deref(), Some("2026-06-30"));
        assert_eq!(d("2026-02-30"), None);
        assert_eq!(d("明年"), None);
        assert_eq!(d("6月底前"), None);
        assert_eq!(
            serial_date(46203.0).map(|d| d.to_string()).as_deref(),
            Some("2026-06-30")
        );
    }

    #[test]
    fn statuses_and_progress() {
        assert_eq!(parse_status("办理中（逾期）"), Some(Status::InProgress));
        assert_eq!(parse_status(" 已销号 "), Some(Status::Closed));
        assert_eq!(parse_status("完成了"), None);
        assert_eq!(
            parse_progress("【2026年3月】完成60%：建成实验室"),
            Some(("2026年3月".to_owned(), 60, "建成实验室".to_owned()))
        );
        assert_eq!(parse_progress("正在推进"), None);
    }
}
