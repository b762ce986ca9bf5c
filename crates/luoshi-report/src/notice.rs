//! The supervision notice (督办通知) as a Word file: a red head (督办通知 and
//! the number 督〔2026〕N号 above a red rule), the title 关于督促办理…的通知,
//! the addressee unit, each task chased with its source sentence,
//! deadline, status, days overdue, open cards and latest progress, the
//! requirement with the reply deadline, and the issuing office and date
//! (落款). A4 with the margins of official documents, body in 仿宋_GB2312
//! 三号, page numbers “— 1 —”.

use docx_rs::{
    AlignmentType, Paragraph, Table, TableBorder, TableBorderPosition, TableCell, TableRow,
    WidthType,
};
use luoshi_core::{Notice, NoticeItem};

use crate::{
    BODY_FONT, ReportError, SANHAO, TITLE_FONT, blank, body, chinese_date, chinese_number, heading,
    official_page, package, run, spacing, text_width, title_paragraph,
};

/// 小初 (36 pt) for the red head, in half-points.
const XIAOCHU: usize = 72;
/// The red of official document heads.
const RED: &str = "FF0000";

/// The notice's title: about one task, or about a unit's overdue tasks.
pub fn notice_title(n: &Notice) -> String {
    match (n.task, n.items.first()) {
        (Some(_), Some(i)) => format!(
            "关于督促办理“{}”的通知",
            i.task.title.as_str().trim_end_matches('。')
        ),
        _ => format!("关于督促办理{}逾期及预警任务的通知", n.unit.name),
    }
}

fn item_paragraphs(n: &Notice, item: &NoticeItem) -> Vec<String> {
    let t = &item.task;
    let mut out = vec![format!("原文：{}", t.text.as_str())];
    let mut facts = Vec::new();
    if let Some(a) = &t.assignment {
        facts.push(format!("牵头单位：{}", a.lead.name));
        if !a.co_units.is_empty() {
            facts.push(format!(
                "配合单位：{}",
                a.co_units
                    .iter()
                    .map(|u| u.name.to_string())
                    .collect::<Vec<_>>()
                    .join("、")
            ));
        }
        facts.push(format!("完成时限：{}", chinese_date(a.deadline)));
    }
    facts.push(format!("当前状态：{}", t.status.label()));
    if item.days_overdue > 0 {
        facts.push(format!(
            "截至{}已逾期{}天",
            chinese_date(n.issued_on),
            item.days_overdue
        ));
    }
    out.push(format!("{}。", facts.join("；")));
    for c in &item.open_cards {
        let reasons: Vec<&str> = c.reasons.iter().map(|r| r.text.as_str()).collect();
        out.push(format!(
            "{}（{}发出，未解除）：{}。",
            c.tier_label,
            chinese_date(c.raised_on),
            reasons.join("；").trim_end_matches('。')
        ));
    }
    out.push(match &item.latest {
        Some(r) => format!(
            "最新进展（{}，完成{}%）：{}。",
            r.period,
            r.percent.value(),
            r.done.as_str().trim_end_matches('。')
        ),
        None => "该任务尚未报送进展。".to_owned(),
    });
    out
}

/// The red rule under the head: an empty borderless table whose bottom
/// border is red (docx-rs writes no paragraph borders).
fn red_rule() -> Table {
    Table::without_borders(vec![TableRow::new(vec![
        TableCell::new()
            .add_paragraph(Paragraph::new().line_spacing(spacing().line(120)))
            .width(text_width(), WidthType::Dxa),
    ])])
    .set_grid(vec![text_width()])
    .width(text_width(), WidthType::Dxa)
    .set_border(
        TableBorder::new(TableBorderPosition::Bottom)
            .color(RED)
            .size(18),
    )
}

/// The notice as a .docx file.
pub fn notice_docx(n: &Notice) -> Result<Vec<u8>, ReportError> {
    let mut doc = official_page()
        .add_paragraph(
            Paragraph::new()
                .add_run(run("督 办 通 知", TITLE_FONT, XIAOCHU).color(RED))
                .align(AlignmentType::Center)
                .line_spacing(spacing().line(1_000)),
        )
        .add_paragraph(blank())
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&n.reference(), BODY_FONT, SANHAO))
                .align(AlignmentType::Center)
                .line_spacing(spacing()),
        )
        .add_table(red_rule())
        .add_paragraph(blank())
        .add_paragraph(title_paragraph(&notice_title(n)))
        .add_paragraph(blank())
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&format!("{}：", n.unit.name), BODY_FONT, SANHAO))
                .line_spacing(spacing()),
        );
    let overdue = n.items.iter().filter(|i| i.days_overdue > 0).count();
    let carded = n.items.iter().filter(|i| !i.open_cards.is_empty()).count();
    let mut why = Vec::new();
    if overdue > 0 {
        why.push(format!("{overdue}项已超过完成时限"));
    }
    if carded > 0 {
        why.push(format!("{carded}项被亮牌预警"));
    }
    let opening = if n.task.is_some() {
        let state = if why.is_empty() {
            "推进情况需要加快".to_owned()
        } else {
            why.join("、")
        };
        format!("你单位牵头承办的下列任务{state}，现予督办。有关情况如下：")
    } else {
        format!(
            "经督查，你单位牵头承办的任务中，共有{}项需要督促办理（{}）。现予督办，有关情况如下：",
            n.items.len(),
            why.join("，")
        )
    };
    doc = doc.add_paragraph(body(&opening));
    for (k, item) in n.items.iter().enumerate() {
        doc = doc.add_paragraph(heading(&format!(
            "{}、{}",
            chinese_number(k + 1),
            item.task.title.as_str().trim_end_matches('。')
        )));
        for p in item_paragraphs(n, item) {
            doc = doc.add_paragraph(body(&p));
        }
    }
    doc = doc
        .add_paragraph(heading(&format!(
            "{}、办理要求",
            chinese_number(n.items.len() + 1)
        )))
        .add_paragraph(body(&format!(
            "请你单位高度重视，认真分析未能按期推进的原因，明确整改措施、责任人和完成时限，于{}前将办理情况书面报送{}。逾期未报或整改不力的，将按有关规定予以通报。",
            chinese_date(n.reply_by),
            n.office
        )))
        .add_paragraph(blank())
        .add_paragraph(blank());
    // 落款: the office and the date, right-aligned four characters in.
    let signature = |text: &str| {
        Paragraph::new()
            .add_run(run(text, BODY_FONT, SANHAO))
            .align(AlignmentType::Right)
            .indent(None, None, Some(1_280), None)
            .line_spacing(spacing())
    };
    doc = doc
        .add_paragraph(signature(&n.office))
        .add_paragraph(signature(&chinese_date(n.issued_on)));
    package(doc)
}
