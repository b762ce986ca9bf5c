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
pub mod notice;
pub mod ooxml;
pub mod status;

use std::io::{Cursor, Read, Write};

use docx_rs::{
    AlignmentType, Docx, FieldCharType, Footer, InstrPAGE, InstrText, LineSpacing, LineSpacingType,
    PageMargin, Paragraph, Run, RunFonts, SpecialIndentType, Table, TableCell, TableRow, WidthType,
};
use luoshi_core::Date;

pub use notice::{notice_docx, notice_title};
pub use status::{Block, Outline, status_docx, status_outline, theme_completion, title};

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

/// An A4 document with the margins of official documents, 仿宋_GB2312
/// 三号 by default, and page numbers “— 1 —” centred in the footer.
fn official_page() -> Docx {
    let doc = Docx::new()
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
    // Page numbers: “— 1 —”, 四号 宋体, centred.
    let page = Run::new()
        .fonts(fonts("宋体"))
        .size(SIHAO)
        .add_field_char(FieldCharType::Begin, false)
        .add_instr_text(InstrText::PAGE(InstrPAGE {}))
        .add_field_char(FieldCharType::Separate, false)
        .add_text("1")
        .add_field_char(FieldCharType::End, false);
    doc.footer(
        Footer::new().add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(run("— ", "宋体", SIHAO))
                .add_run(page)
                .add_run(run(" —", "宋体", SIHAO)),
        ),
    )
}

/// A centred title in 方正小标宋简体 二号.
fn title_paragraph(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, TITLE_FONT, ERHAO))
        .align(AlignmentType::Center)
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Exact)
                .line(700)
                .before(0)
                .after(0),
        )
}

/// An empty line of body pitch.
fn blank() -> Paragraph {
    Paragraph::new().line_spacing(spacing())
}

/// Text width of the page in twips (210 mm − 28 mm − 26 mm).
fn text_width() -> usize {
    usize::try_from(mm(210.0 - 28.0 - 26.0)).unwrap_or(8_844)
}

/// 小四 (12 pt) for tables, in half-points.
const XIAOSI: usize = 24;

/// A bordered table in 仿宋_GB2312 小四: a header row in 黑体 kept with the
/// first row, then rows that do not break across pages; `shares` are the
/// columns' relative widths.
fn table(header: &[String], rows: &[Vec<String>], shares: &[usize]) -> Table {
    let total: usize = shares.iter().sum::<usize>().max(1);
    let widths: Vec<usize> = shares.iter().map(|s| text_width() * s / total).collect();
    let cell = |text: &str, font: &str, w: usize, head: bool| {
        let mut p = Paragraph::new()
            .add_run(run(text, font, XIAOSI))
            .line_spacing(LineSpacing::new().before(0).after(0));
        if head {
            p = p.align(AlignmentType::Center).keep_next(true);
        }
        TableCell::new().add_paragraph(p).width(w, WidthType::Dxa)
    };
    let mut out = vec![
        TableRow::new(
            header
                .iter()
                .zip(&widths)
                .map(|(h, w)| cell(h, HEADING_FONT, *w, true))
                .collect(),
        )
        .cant_split(),
    ];
    for r in rows {
        out.push(
            TableRow::new(
                r.iter()
                    .zip(&widths)
                    .map(|(c, w)| cell(c, BODY_FONT, *w, false))
                    .collect(),
            )
            .cant_split(),
        );
    }
    Table::new(out)
        .set_grid(widths)
        .width(text_width(), WidthType::Dxa)
}

/// Packs a document and puts in the font table with fallbacks.
fn package(doc: Docx) -> Result<Vec<u8>, ReportError> {
    let mut out = Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| ReportError::Docx(e.to_string()))?;
    finish_package(&out.into_inner())
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

/// A theme part: Word expects one beside the document (the Open XML SDK
/// reports its absence); docx-rs writes none. Office's colours, and the
/// report's own fonts for East Asian text.
const THEME: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="luoshi"><a:themeElements><a:clrScheme name="Office"><a:dk1><a:sysClr val="windowText" lastClr="000000"/></a:dk1><a:lt1><a:sysClr val="window" lastClr="FFFFFF"/></a:lt1><a:dk2><a:srgbClr val="44546A"/></a:dk2><a:lt2><a:srgbClr val="E7E6E6"/></a:lt2><a:accent1><a:srgbClr val="4472C4"/></a:accent1><a:accent2><a:srgbClr val="ED7D31"/></a:accent2><a:accent3><a:srgbClr val="A5A5A5"/></a:accent3><a:accent4><a:srgbClr val="FFC000"/></a:accent4><a:accent5><a:srgbClr val="5B9BD5"/></a:accent5><a:accent6><a:srgbClr val="70AD47"/></a:accent6><a:hlink><a:srgbClr val="0563C1"/></a:hlink><a:folHlink><a:srgbClr val="954F72"/></a:folHlink></a:clrScheme><a:fontScheme name="luoshi"><a:majorFont><a:latin typeface="Times New Roman"/><a:ea typeface="黑体"/><a:cs typeface=""/></a:majorFont><a:minorFont><a:latin typeface="Times New Roman"/><a:ea typeface="仿宋_GB2312"/><a:cs typeface=""/></a:minorFont></a:fontScheme><a:fmtScheme name="Office"><a:fillStyleLst><a:solidFill><a:schemeClr val="phClr"/></a:solidFill><a:solidFill><a:schemeClr val="phClr"/></a:solidFill><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:fillStyleLst><a:lnStyleLst><a:ln w="6350"><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:ln><a:ln w="12700"><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:ln><a:ln w="19050"><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:ln></a:lnStyleLst><a:effectStyleLst><a:effectStyle><a:effectLst/></a:effectStyle><a:effectStyle><a:effectLst/></a:effectStyle><a:effectStyle><a:effectLst/></a:effectStyle></a:effectStyleLst><a:bgFillStyleLst><a:solidFill><a:schemeClr val="phClr"/></a:solidFill><a:solidFill><a:schemeClr val="phClr"/></a:solidFill><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:bgFillStyleLst></a:fmtScheme></a:themeElements><a:objectDefaults/><a:extraClrSchemeLst/></a:theme>"#;

const THEME_PART: &str = "word/theme/theme1.xml";
const THEME_TYPE: &str = r#"<Override PartName="/word/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>"#;
const THEME_REL: &str = r#"<Relationship Id="rIdTheme1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme" Target="theme/theme1.xml"/>"#;

/// Inserts `item` before the closing tag `close` of a package XML part.
fn insert_before(bytes: &[u8], close: &str, item: &str) -> Result<Vec<u8>, ReportError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ReportError::Docx(e.to_string()))?;
    let at = text
        .rfind(close)
        .ok_or_else(|| ReportError::Docx(format!("docx-rs 写出的部件缺少 {close}")))?;
    Ok(format!("{}{item}{}", &text[..at], &text[at..]).into_bytes())
}

/// Finishes the package docx-rs wrote: our font table (with fallbacks)
/// instead of its generic Latin one, every WordprocessingML part in
/// schema order ([`ooxml::conform`]), and a theme part.
fn finish_package(docx: &[u8]) -> Result<Vec<u8>, ReportError> {
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
        } else if name == "[Content_Types].xml" {
            bytes = insert_before(&bytes, "</Types>", THEME_TYPE)?;
        } else if name == "word/_rels/document.xml.rels" {
            bytes = insert_before(&bytes, "</Relationships>", THEME_REL)?;
        } else if name.starts_with("word/") && name.ends_with(".xml") && !name[5..].contains('/') {
            bytes = ooxml::conform(&bytes).map_err(|e| err(&e.0))?;
        }
        out.start_file(name, options).map_err(|e| err(&e))?;
        out.write_all(&bytes).map_err(|e| err(&e))?;
    }
    if !has_table {
        return Err(ReportError::Docx(
            "docx-rs 未写出 word/fontTable.xml".to_owned(),
        ));
    }
    out.start_file(THEME_PART, options).map_err(|e| err(&e))?;
    out.write_all(THEME.as_bytes()).map_err(|e| err(&e))?;
    Ok(out.finish().map_err(|e| err(&e))?.into_inner())
}
