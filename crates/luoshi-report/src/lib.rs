//! luoshi-report: the documents luoshi writes for people, built from data
//! the ledger assembled. Pure: no database, no clock, no files — data in,
//! bytes out.
//!
//! * [`status_docx`]: the implementation status report (贯彻落实情况汇报)
//!   of one document as a Word file, laid out as official documents are
//!   (GB/T 9704 in spirit): A4, margins top 37 mm, bottom 35 mm, left
//!   28 mm, right 26 mm; title in 方正小标宋简体 二号; first-level headings
//!   一、二、… in 黑体 三号; body in 仿宋_GB2312 三号, fixed 28 pt lines,
//!   first lines indented two characters; page numbers in the footer as
//!   “— 1 —”. Fonts a machine lacks fall back by the font table: each
//!   named font carries an alternative name (仿宋_GB2312 → FangSong, which
//!   Windows also calls 仿宋; 黑体 → SimHei; 楷体_GB2312 → KaiTi;
//!   方正小标宋简体 → SimSun) and a generic family (serif: `roman`).
//! * [`chart::completion_png`]: completion by theme as a small PNG bar
//!   chart with no text but numbers, so it needs no CJK font; the legend
//!   is written in the document.
//!
//! Architecture invariant: this crate depends on `luoshi-core` for its
//! types only and never opens a store.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod chart;

use std::io::{Cursor, Read, Write};

use docx_rs::{
    AlignmentType, Docx, FieldCharType, Footer, InstrPAGE, InstrText, LineSpacing, LineSpacingType,
    PageMargin, Paragraph, Pic, Run, RunFonts, SpecialIndentType,
};
use luoshi_core::{Date, StatusData, TaskLine};

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("生成 Word 文件失败：{0}")]
    Docx(String),
}

impl ReportError {
    /// Stable snake_case English code.
    pub fn code(&self) -> &'static str {
        match self {
            ReportError::Docx(_) => "report_docx_failed",
        }
    }
}

/// Title font (方正小标宋简体).
pub const TITLE_FONT: &str = "方正小标宋简体";
/// Heading font (黑体).
pub const HEADING_FONT: &str = "黑体";
/// Body font (仿宋_GB2312).
pub const BODY_FONT: &str = "仿宋_GB2312";
/// Date line and second-level headings (楷体_GB2312).
pub const KAI_FONT: &str = "楷体_GB2312";

/// Sizes in half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt.
const ERHAO: usize = 44;
const SANHAO: usize = 32;
const SIHAO: usize = 28;

/// Twips per millimetre (1 inch = 1440 twips = 25.4 mm).
fn mm(v: f64) -> i32 {
    (v * 1440.0 / 25.4).round() as i32
}

/// Fixed line pitch of official documents: 28 pt.
const LINE: i32 = 560;

fn fonts(name: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(name)
        .ascii(name)
        .hi_ansi(name)
        .cs(name)
}

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(text).fonts(fonts(font)).size(size)
}

fn spacing() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(LINE)
        .before(0)
        .after(0)
}

/// A body paragraph, first line indented by two characters.
fn body(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, BODY_FONT, SANHAO))
        .line_spacing(spacing())
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .align(AlignmentType::Both)
}

/// A first-level heading (一、…) in 黑体.
fn heading(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, HEADING_FONT, SANHAO))
        .line_spacing(spacing())
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .keep_next(true)
        .outline_lvl(0)
}

/// A second-level heading (（一）…) in 楷体.
fn subheading(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, KAI_FONT, SANHAO))
        .line_spacing(spacing())
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .keep_next(true)
        .outline_lvl(1)
}

/// 一, 二, … 九十九 (Chinese numerals for headings).
pub fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_owned(),
        10..=19 => format!("十{}", if n == 10 { "" } else { DIGITS[n - 10] }),
        20..=99 => format!(
            "{}十{}",
            DIGITS[n / 10],
            if n.is_multiple_of(10) {
                ""
            } else {
                DIGITS[n % 10]
            }
        ),
        _ => n.to_string(),
    }
}

/// 2026年11月28日.
pub fn chinese_date(d: Date) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// What the report is about: the meeting's title, or its date and body,
/// or the file name.
fn subject(data: &StatusData) -> String {
    let m = &data.meeting;
    if let Some(t) = m.title.as_deref().filter(|t| !t.trim().is_empty()) {
        return format!("《{}》", t.trim());
    }
    let held = m
        .held_on
        .as_deref()
        .and_then(|h| Date::parse(h).ok())
        .map(chinese_date);
    match (held, m.body.as_deref()) {
        (Some(d), Some(b)) => format!("{d}{b}会议精神"),
        (None, Some(b)) => format!("{b}会议精神"),
        (Some(d), None) => format!("{d}会议精神"),
        (None, None) => match data.document_name.as_deref() {
            Some(n) => format!(
                "《{}》",
                n.trim_end_matches(".txt").trim_end_matches(".docx")
            ),
            None => format!("第 {} 号文件", data.document),
        },
    }
}

/// The report's title.
pub fn title(data: &StatusData) -> String {
    format!("关于{}贯彻落实情况的汇报", subject(data))
}

fn status_text(line: &TaskLine) -> String {
    let label = line.task.status.label();
    if line.overdue {
        format!("{label}，已逾期")
    } else {
        label.to_owned()
    }
}

/// One task as a sentence: number, title, lead unit, deadline, status,
/// latest progress.
fn task_sentence(n: usize, line: &TaskLine) -> String {
    let t = &line.task;
    let mut s = format!("{n}. {}", t.title);
    if let Some(a) = &t.assignment {
        s.push_str(&format!(
            "（牵头单位：{}；完成时限：{}；状态：{}）",
            a.lead.name,
            chinese_date(a.deadline),
            status_text(line)
        ));
    } else {
        s.push_str(&format!("（状态：{}）", status_text(line)));
    }
    s.push('。');
    match &line.latest {
        Some(r) => s.push_str(&format!(
            "最新进展（{}，完成{}%）：{}",
            r.period,
            r.percent.value(),
            r.done.as_str().trim_end_matches('。')
        )),
        None => s.push_str("尚未报送进展"),
    }
    s.push('。');
    s
}

/// The share of a theme's tasks that are closed, in percent (0–100).
pub fn theme_completion(lines: &[TaskLine]) -> u8 {
    if lines.is_empty() {
        return 0;
    }
    let closed = lines
        .iter()
        .filter(|l| l.task.status == luoshi_core::Status::Closed)
        .count();
    u8::try_from(closed * 100 / lines.len()).unwrap_or(100)
}

/// The implementation status report of one document as a .docx file.
pub fn status_docx(data: &StatusData) -> Result<Vec<u8>, ReportError> {
    let t = data.totals;
    let mut doc = Docx::new()
        .page_size(11_906, 16_838)
        .page_margin(
            PageMargin::new()
                .top(mm(37.0))
                .bottom(mm(35.0))
                .left(mm(28.0))
                .right(mm(26.0))
                .header(mm(15.0))
                .footer(mm(28.0)),
        )
        .default_fonts(fonts(BODY_FONT))
        .default_size(SANHAO);

    // Page numbers: “— 1 —”, 四号, centred.
    let page = Run::new()
        .fonts(fonts("宋体"))
        .size(SIHAO)
        .add_field_char(FieldCharType::Begin, false)
        .add_instr_text(InstrText::PAGE(InstrPAGE {}))
        .add_field_char(FieldCharType::Separate, false)
        .add_text("1")
        .add_field_char(FieldCharType::End, false);
    doc = doc.footer(
        Footer::new().add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(run("— ", "宋体", SIHAO))
                .add_run(page)
                .add_run(run(" —", "宋体", SIHAO)),
        ),
    );

    // Title and date line.
    doc = doc.add_paragraph(
        Paragraph::new()
            .add_run(run(&title(data), TITLE_FONT, ERHAO))
            .align(AlignmentType::Center)
            .line_spacing(
                LineSpacing::new()
                    .line_rule(LineSpacingType::Exact)
                    .line(700)
                    .before(0)
                    .after(0),
            ),
    );
    let range = match (data.from, data.to) {
        (Some(f), Some(to)) => format!("（{}至{}）", chinese_date(f), chinese_date(to)),
        (Some(f), None) => format!("（{}以来）", chinese_date(f)),
        (None, Some(to)) => format!("（截至{}）", chinese_date(to)),
        (None, None) => format!("（{}）", chinese_date(data.day)),
    };
    doc = doc
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&range, KAI_FONT, SANHAO))
                .align(AlignmentType::Center)
                .line_spacing(spacing()),
        )
        .add_paragraph(Paragraph::new().line_spacing(spacing()));

    // Overview.
    let as_of = data.to.unwrap_or(data.day);
    doc = doc.add_paragraph(body(&format!(
        "截至{}，{}部署的{}项任务中，已交办{}项，正在推进{}项，已办结销号{}项，逾期未完成{}项，完成率{}%。现将有关情况汇报如下。",
        chinese_date(as_of),
        subject(data),
        t.tasks,
        t.assigned,
        t.in_progress,
        t.closed,
        t.overdue,
        format_rate(t.completion_rate())
    )));

    let mut section = 0usize;
    let mut next_heading = |text: &str| {
        section += 1;
        heading(&format!("{}、{text}", chinese_number(section)))
    };

    // Completion by theme: a chart, its legend in the text.
    let themed: Vec<(String, u8)> = data
        .themes
        .iter()
        .filter(|s| !s.tasks.is_empty())
        .map(|s| {
            (
                s.theme
                    .as_ref()
                    .map_or_else(|| "其他任务".to_owned(), |t| t.title.to_string()),
                theme_completion(&s.tasks),
            )
        })
        .collect();
    doc = doc.add_paragraph(next_heading("总体进展"));
    doc = doc.add_paragraph(body(&format!(
        "全部{}项任务中，已办结{}项，占{}%；正在推进{}项；尚未交办{}项；逾期{}项。",
        t.tasks,
        t.closed,
        format_rate(t.completion_rate()),
        t.in_progress,
        t.tasks.saturating_sub(t.assigned),
        t.overdue
    )));
    if !themed.is_empty() {
        let rates: Vec<u8> = themed.iter().map(|(_, r)| *r).collect();
        let png = chart::completion_png(&rates);
        let (w, h) = chart::SIZE;
        // 15 cm wide, in EMU (360,000 per cm).
        let width_emu = 5_400_000u32;
        let height_emu = width_emu / w * h;
        let pic = Pic::new_with_dimensions(png, w, h).size(width_emu, height_emu);
        doc = doc.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(Run::new().add_image(pic)),
        );
        let legend: Vec<String> = themed
            .iter()
            .enumerate()
            .map(|(i, (name, rate))| format!("{}为{name}（{rate}%）", i + 1))
            .collect();
        doc = doc.add_paragraph(
            Paragraph::new()
                .add_run(run(
                    &format!(
                        "图1　各主题任务完成率（纵轴为已办结任务占比，%；横轴序号{}）",
                        legend.join("，")
                    ),
                    KAI_FONT,
                    SIHAO,
                ))
                .align(AlignmentType::Center)
                .line_spacing(spacing()),
        );
    }

    // Each theme and its tasks.
    for (i, s) in data.themes.iter().enumerate() {
        let name = s
            .theme
            .as_ref()
            .map_or_else(|| "其他任务".to_owned(), |t| t.title.to_string());
        doc = doc.add_paragraph(next_heading(&name));
        if s.tasks.is_empty() {
            doc = doc.add_paragraph(body("该主题下暂无具体任务。"));
            continue;
        }
        let closed = s
            .tasks
            .iter()
            .filter(|l| l.task.status == luoshi_core::Status::Closed)
            .count();
        let overdue = s.tasks.iter().filter(|l| l.overdue).count();
        doc = doc.add_paragraph(body(&format!(
            "本主题共{}项任务，已办结{closed}项，逾期{overdue}项。",
            s.tasks.len()
        )));
        let _ = i;
        for (n, line) in s.tasks.iter().enumerate() {
            doc = doc.add_paragraph(body(&task_sentence(n + 1, line)));
        }
    }

    // Overdue items by unit.
    doc = doc.add_paragraph(next_heading("逾期事项"));
    if data.overdue_by_unit.is_empty() {
        doc = doc.add_paragraph(body("目前没有逾期未完成的任务。"));
    } else {
        for (k, (unit, lines)) in data.overdue_by_unit.iter().enumerate() {
            let titles: Vec<String> = lines
                .iter()
                .map(|l| {
                    let due = l
                        .task
                        .assignment
                        .as_ref()
                        .map(|a| format!("（时限{}）", chinese_date(a.deadline)))
                        .unwrap_or_default();
                    format!("{}{due}", l.task.title)
                })
                .collect();
            doc = doc.add_paragraph(subheading(&format!(
                "（{}）{}：{}项",
                chinese_number(k + 1),
                unit.name,
                lines.len()
            )));
            doc = doc.add_paragraph(body(&format!("{}。", titles.join("；"))));
        }
    }

    // Cards raised.
    doc = doc.add_paragraph(next_heading("预警情况"));
    if data.cards.is_empty() {
        doc = doc.add_paragraph(body("期间未发出预警。"));
    } else {
        let mut tiers: Vec<(&str, usize)> = Vec::new();
        for c in &data.cards {
            match tiers.iter_mut().find(|(l, _)| *l == c.tier_label) {
                Some((_, n)) => *n += 1,
                None => tiers.push((&c.tier_label, 1)),
            }
        }
        let open = data.cards.iter().filter(|c| c.is_open()).count();
        doc = doc.add_paragraph(body(&format!(
            "期间共发出预警{}张（{}），目前仍未解除{}张。",
            data.cards.len(),
            tiers
                .iter()
                .map(|(l, n)| format!("{l}{n}张"))
                .collect::<Vec<_>>()
                .join("、"),
            open
        )));
        for c in &data.cards {
            let state = if c.is_open() {
                "未解除".to_owned()
            } else if c.superseded_by.is_some() {
                "已升级".to_owned()
            } else {
                format!(
                    "已解除：{}",
                    c.clear_reason
                        .as_deref()
                        .unwrap_or("")
                        .trim_end_matches('。')
                )
            };
            let reasons: Vec<&str> = c.reasons.iter().map(|r| r.text.as_str()).collect();
            doc = doc.add_paragraph(body(&format!(
                "{}　{}　{}：{}（{}，{}）。",
                c.tier_label,
                c.unit.as_ref().map_or("—", |u| u.name.as_str()),
                c.task_title,
                reasons.join("；"),
                chinese_date(c.raised_on),
                state
            )));
        }
    }

    // Next steps, from the latest reports.
    doc = doc.add_paragraph(next_heading("下一步工作"));
    let steps: Vec<String> = data
        .themes
        .iter()
        .flat_map(|s| &s.tasks)
        .filter(|l| l.task.status != luoshi_core::Status::Closed)
        .filter_map(|l| {
            let r = l.latest.as_ref()?;
            let next = r.next_steps.as_ref()?;
            let unit = r
                .unit
                .as_ref()
                .map(|u| u.name.to_string())
                .or_else(|| l.task.assignment.as_ref().map(|a| a.lead.name.to_string()))
                .unwrap_or_default();
            Some(format!(
                "{unit}（{}）：{}。",
                l.task.title,
                next.as_str().trim_end_matches('。')
            ))
        })
        .collect();
    if steps.is_empty() {
        doc = doc.add_paragraph(body(
            "督促各牵头单位按期报送进展，对逾期和预警事项逐项跟踪督办，确保各项任务按时落实到位。",
        ));
    } else {
        for s in steps {
            doc = doc.add_paragraph(body(&s));
        }
    }

    let mut out = Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| ReportError::Docx(e.to_string()))?;
    with_font_table(&out.into_inner())
}

fn format_rate(r: f64) -> String {
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// The font table: each font the report names, with the alternative a
/// reader without it should use and its generic family.
const FONT_TABLE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<w:font w:name="仿宋_GB2312"><w:altName w:val="FangSong"/><w:charset w:val="86"/><w:family w:val="roman"/><w:pitch w:val="fixed"/></w:font>
<w:font w:name="FangSong"><w:altName w:val="仿宋"/><w:charset w:val="86"/><w:family w:val="roman"/><w:pitch w:val="fixed"/></w:font>
<w:font w:name="方正小标宋简体"><w:altName w:val="SimSun"/><w:charset w:val="86"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>
<w:font w:name="黑体"><w:altName w:val="SimHei"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>
<w:font w:name="楷体_GB2312"><w:altName w:val="KaiTi"/><w:charset w:val="86"/><w:family w:val="roman"/><w:pitch w:val="fixed"/></w:font>
<w:font w:name="宋体"><w:altName w:val="SimSun"/><w:charset w:val="86"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>
</w:fonts>"#;

/// Replaces the font table docx-rs writes (generic Latin fonts) with ours.
fn with_font_table(docx: &[u8]) -> Result<Vec<u8>, ReportError> {
    let err = |e: &dyn std::fmt::Display| ReportError::Docx(e.to_string());
    let mut src = zip::ZipArchive::new(Cursor::new(docx)).map_err(|e| err(&e))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut has_table = false;
    for i in 0..src.len() {
        let mut f = src.by_index(i).map_err(|e| err(&e))?;
        // Folders are implied by the part names; packages need none.
        if f.is_dir() {
            continue;
        }
        let name = f.name().map_err(|e| err(&e))?.into_owned();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).map_err(|e| err(&e))?;
        if name == "word/fontTable.xml" {
            has_table = true;
            bytes = FONT_TABLE.as_bytes().to_vec();
        }
        out.start_file(name, options).map_err(|e| err(&e))?;
        out.write_all(&bytes).map_err(|e| err(&e))?;
    }
    if !has_table {
        return Err(ReportError::Docx(
            "docx-rs 未写出 word/fontTable.xml".to_owned(),
        ));
    }
    Ok(out.finish().map_err(|e| err(&e))?.into_inner())
}
