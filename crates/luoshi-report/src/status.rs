//! The implementation status report (贯彻落实情况汇报): [`status_outline`]
//! turns a [`StatusReport`] into an [`Outline`] — title, date line and
//! blocks (headings, paragraphs, the chart, tables) in the order of an
//! official report — and [`status_docx`] lays the outline out as a Word
//! file. The printable web page renders the same outline, so the page and
//! the file always say the same thing.
//!
//! Sections: overview; 一、总体进展 (figures and the chart); 二、各项任务推进
//! 情况 (each theme with its tasks' status and latest progress — past
//! [`DETAIL_THEMES`] themes a table by theme instead); 三、重点指标完成情况;
//! 四、存在的问题及整改情况; 五、逾期事项 (a table by unit); 六、预警情况;
//! 七、下一步工作举措. Long lists are cut at a fixed length with a sentence
//! saying how many were left out, so a ledger of 100,000 tasks still gives
//! a report people can read.

use docx_rs::{AlignmentType, Paragraph, Pic, Run};
use luoshi_core::problems::format_number;
use luoshi_core::{Date, ProblemStatus, ReportScope, Status, StatusReport, TaskLine, ThemeSection};

use crate::{
    KAI_FONT, ReportError, SIHAO, blank, body, chart, chinese_date, chinese_number, format_rate,
    heading, official_page, package, run, spacing, subheading, table, title_paragraph,
};

/// Past this many themes, section 二 is a table by theme.
pub const DETAIL_THEMES: usize = 60;
/// Rows of the table by theme.
pub const THEME_ROWS: usize = 100;
/// Tasks listed under one theme.
pub const TASKS_PER_THEME: usize = 40;
/// Entries listed in the problem, card and next-step sections.
pub const LIST_LIMIT: usize = 100;
/// Tasks named per unit in the overdue table.
pub const OVERDUE_PER_UNIT: usize = 8;
/// Units in the overdue table.
pub const OVERDUE_UNITS: usize = 100;

/// One block of a report, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// 一、… (黑体).
    Heading(String),
    /// （一）… (楷体).
    Subheading(String),
    /// A body paragraph.
    Paragraph(String),
    /// A body paragraph about one task: `head` (its number and title) then
    /// `rest`. The Word file prints them as one paragraph; the web page
    /// links the head to the task.
    Task { id: i64, head: String, rest: String },
    /// Completion by theme: `rates` in percent (0–100) for bars 1, 2, …
    /// ([`chart::completion_png`] draws them) and the caption naming them.
    Chart { rates: Vec<u8>, caption: String },
    /// A table: caption, header and rows of text.
    Table {
        caption: String,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        /// Relative column widths.
        shares: Vec<usize>,
    },
}

/// A report as text: what the Word file and the web page both show.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    pub title: String,
    /// The date line under the title, e.g. （截至2026年7月8日）.
    pub subtitle: String,
    pub blocks: Vec<Block>,
}

/// What the report is about: the theme, the meeting's title, its date and
/// body, the file name — or the whole ledger.
fn subject(r: &StatusReport) -> String {
    if let Some(t) = &r.theme {
        return format!("“{}”", t.title.as_str().trim_end_matches('。'));
    }
    if r.scope == ReportScope::Ledger {
        return "各项部署任务".to_owned();
    }
    let Some(doc) = r.documents.first() else {
        return "有关文件".to_owned();
    };
    if let Some(m) = &doc.meeting {
        if let Some(t) = m.title.as_deref().filter(|t| !t.trim().is_empty()) {
            return format!("《{}》", t.trim());
        }
        let held = m
            .held_on
            .as_deref()
            .and_then(|h| Date::parse(h).ok())
            .map(chinese_date);
        match (held, m.body.as_deref()) {
            (Some(d), Some(b)) => return format!("{d}{b}会议精神"),
            (None, Some(b)) => return format!("{b}会议精神"),
            (Some(d), None) => return format!("{d}会议精神"),
            (None, None) => {}
        }
    }
    match doc.name.as_deref() {
        Some(n) => format!(
            "《{}》",
            n.trim_end_matches(".txt").trim_end_matches(".docx")
        ),
        None => format!("第 {} 号文件", doc.id),
    }
}

/// The report's title.
pub fn title(r: &StatusReport) -> String {
    format!("关于{}贯彻落实情况的汇报", subject(r))
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
fn task_sentence(n: usize, line: &TaskLine) -> Block {
    let t = &line.task;
    let head = format!("{n}. {}", t.title.as_str().trim_end_matches('。'));
    let mut s = String::new();
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
    Block::Task {
        id: t.id.0,
        head,
        rest: s,
    }
}

/// The share of a theme's tasks that are closed, in percent (0–100).
pub fn theme_completion(lines: &[TaskLine]) -> u8 {
    if lines.is_empty() {
        return 0;
    }
    let closed = lines
        .iter()
        .filter(|l| l.task.status == Status::Closed)
        .count();
    u8::try_from(closed * 100 / lines.len()).unwrap_or(100)
}

fn theme_name(s: &ThemeSection) -> String {
    s.theme.as_ref().map_or_else(
        || "其他任务".to_owned(),
        |t| t.title.as_str().trim_end_matches('。').to_owned(),
    )
}

fn more(shown: usize, total: usize, what: &str) -> Option<String> {
    (total > shown).then(|| {
        format!(
            "（以上列出{shown}{what}，另有{}{what}未列出。）",
            total - shown
        )
    })
}

/// The report as an outline (see the module documentation).
pub fn status_outline(r: &StatusReport) -> Outline {
    let t = r.totals;
    let mut blocks = Vec::new();
    let subtitle = match (r.from, r.to) {
        (Some(f), Some(to)) => format!("（{}至{}）", chinese_date(f), chinese_date(to)),
        (Some(f), None) => format!("（{}以来）", chinese_date(f)),
        (None, Some(to)) => format!("（截至{}）", chinese_date(to)),
        (None, None) => format!("（{}）", chinese_date(r.day)),
    };
    let docs = if r.scope == ReportScope::Ledger {
        format!("{}份文件", r.documents.len())
    } else {
        subject(r)
    };
    blocks.push(Block::Paragraph(format!(
        "截至{}，{}部署的{}项任务中，已交办{}项，正在推进{}项，已办结销号{}项，逾期未完成{}项，完成率{}%。现将有关情况汇报如下。",
        chinese_date(r.as_of()),
        docs,
        t.tasks,
        t.assigned,
        t.in_progress,
        t.closed,
        t.overdue,
        format_rate(t.completion_rate())
    )));

    let mut tables = 0usize;
    let mut section = 0usize;
    let mut next = |text: &str| {
        section += 1;
        Block::Heading(format!("{}、{text}", chinese_number(section)))
    };

    // 总体进展.
    blocks.push(next("总体进展"));
    blocks.push(Block::Paragraph(format!(
        "全部{}项任务中，已办结{}项，占{}%；正在推进{}项；尚未交办{}项；逾期{}项。期间发出预警{}张，发现问题{}个，跟踪指标{}项。",
        t.tasks,
        t.closed,
        format_rate(t.completion_rate()),
        t.in_progress,
        t.tasks.saturating_sub(t.assigned),
        t.overdue,
        r.cards.len(),
        r.problems.len(),
        r.indicators.len()
    )));
    let themed: Vec<(String, u8)> = r
        .themes
        .iter()
        .filter(|s| !s.tasks.is_empty())
        .map(|s| (theme_name(s), theme_completion(&s.tasks)))
        .collect();
    if !themed.is_empty() && themed.len() <= chart::MAX_BARS {
        let legend: Vec<String> = themed
            .iter()
            .enumerate()
            .map(|(i, (name, rate))| format!("{}为{name}（{rate}%）", i + 1))
            .collect();
        blocks.push(Block::Chart {
            rates: themed.iter().map(|(_, r)| *r).collect(),
            caption: format!(
                "图1　各主题任务完成率（纵轴为已办结任务占比，%；横轴序号{}）",
                legend.join("，")
            ),
        });
    }

    // 各项任务推进情况.
    blocks.push(next("各项任务推进情况"));
    let with_tasks: Vec<&ThemeSection> = r.themes.iter().filter(|s| !s.tasks.is_empty()).collect();
    if with_tasks.is_empty() {
        blocks.push(Block::Paragraph("暂无具体任务。".to_owned()));
    } else if with_tasks.len() > DETAIL_THEMES {
        tables += 1;
        // The themes with most overdue tasks first, then in document order.
        let mut ranked: Vec<(usize, &&ThemeSection, usize)> = with_tasks
            .iter()
            .enumerate()
            .map(|(i, s)| (i, s, s.tasks.iter().filter(|l| l.overdue).count()))
            .collect();
        ranked.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        let shown = ranked.len().min(THEME_ROWS);
        blocks.push(Block::Paragraph(format!(
            "共{}个主题，各主题任务推进情况见表{tables}{}。",
            with_tasks.len(),
            if shown < ranked.len() {
                format!("（按逾期任务数列出前{shown}个）")
            } else {
                String::new()
            }
        )));
        let rows = ranked
            .iter()
            .take(THEME_ROWS)
            .enumerate()
            .map(|(k, (_, s, overdue))| {
                let closed = s
                    .tasks
                    .iter()
                    .filter(|l| l.task.status == Status::Closed)
                    .count();
                vec![
                    (k + 1).to_string(),
                    theme_name(s),
                    s.tasks.len().to_string(),
                    closed.to_string(),
                    overdue.to_string(),
                    format!("{}%", theme_completion(&s.tasks)),
                ]
            })
            .collect();
        blocks.push(Block::Table {
            caption: format!("表{tables}　各主题任务推进情况"),
            header: ["序号", "主题", "任务数", "已办结", "逾期", "完成率"]
                .map(str::to_owned)
                .to_vec(),
            rows,
            shares: vec![8, 42, 12, 12, 12, 14],
        });
        if let Some(m) = more(THEME_ROWS, ranked.len(), "个主题") {
            blocks.push(Block::Paragraph(m));
        }
    } else {
        for (k, s) in with_tasks.iter().enumerate() {
            blocks.push(Block::Subheading(format!(
                "（{}）{}",
                chinese_number(k + 1),
                theme_name(s)
            )));
            let closed = s
                .tasks
                .iter()
                .filter(|l| l.task.status == Status::Closed)
                .count();
            let overdue = s.tasks.iter().filter(|l| l.overdue).count();
            blocks.push(Block::Paragraph(format!(
                "本主题共{}项任务，已办结{closed}项，逾期{overdue}项。",
                s.tasks.len()
            )));
            // Overdue tasks first when the list is cut.
            let mut lines: Vec<&TaskLine> = s.tasks.iter().collect();
            if lines.len() > TASKS_PER_THEME {
                lines.sort_by_key(|l| !l.overdue);
            }
            for (n, line) in lines.iter().take(TASKS_PER_THEME).enumerate() {
                blocks.push(task_sentence(n + 1, line));
            }
            if let Some(m) = more(TASKS_PER_THEME, s.tasks.len(), "项任务") {
                blocks.push(Block::Paragraph(m));
            }
        }
    }

    // 重点指标完成情况.
    blocks.push(next("重点指标完成情况"));
    if r.indicators.is_empty() {
        blocks.push(Block::Paragraph("本期未设置量化指标。".to_owned()));
    } else {
        let behind = r
            .indicators
            .iter()
            .filter(|i| i.indicator.progress.gap < 0.0)
            .count();
        blocks.push(Block::Paragraph(format!(
            "共跟踪指标{}项，{}项达到或超过序时进度，{behind}项落后于序时进度，具体见表{}。",
            r.indicators.len(),
            r.indicators.len() - behind,
            tables + 1
        )));
        let rows = r
            .indicators
            .iter()
            .take(LIST_LIMIT)
            .map(|i| {
                let ind = &i.indicator;
                let latest = ind.values.last().map_or("—".to_owned(), |v| {
                    format!("{}{}", format_number(v.value), ind.measure)
                });
                vec![
                    ind.name.as_str().to_owned(),
                    i.task_title.clone(),
                    format!("{}{}", format_number(ind.annual_target), ind.measure),
                    latest,
                    format!("{}%", format_number(ind.progress.reached)),
                    format!("{}%", format_number(ind.progress.elapsed)),
                ]
            })
            .collect();
        blocks.push(Block::Table {
            caption: {
                tables += 1;
                format!(
                    "表{tables}　重点指标完成情况（{}年）",
                    r.indicators
                        .first()
                        .map_or(r.day.year(), |i| i.indicator.year)
                )
            },
            header: [
                "指标",
                "所属任务",
                "年度目标",
                "当前值",
                "完成进度",
                "序时进度",
            ]
            .map(str::to_owned)
            .to_vec(),
            rows,
            shares: vec![21, 24, 15, 12, 14, 14],
        });
        if let Some(m) = more(LIST_LIMIT, r.indicators.len(), "项指标") {
            blocks.push(Block::Paragraph(m));
        }
    }

    // 存在的问题及整改情况.
    blocks.push(next("存在的问题及整改情况"));
    if r.problems.is_empty() {
        blocks.push(Block::Paragraph("期间未发现需要整改的问题。".to_owned()));
    } else {
        let count = |s: ProblemStatus| r.problems.iter().filter(|p| p.problem.status == s).count();
        let late = r
            .problems
            .iter()
            .filter(|p| p.problem.is_overdue(r.day))
            .count();
        let mut causes: Vec<(&str, usize)> = Vec::new();
        for p in &r.problems {
            let label = p.problem.root_cause.label();
            match causes.iter_mut().find(|(l, _)| *l == label) {
                Some((_, n)) => *n += 1,
                None => causes.push((label, 1)),
            }
        }
        blocks.push(Block::Paragraph(format!(
            "共发现问题{}个，已整改销号{}个，整改中{}个，待整改{}个，超过整改时限{late}个。从问题根源看，{}。",
            r.problems.len(),
            count(ProblemStatus::Closed),
            count(ProblemStatus::Rectifying),
            count(ProblemStatus::Open),
            causes
                .iter()
                .map(|(l, n)| format!("{l}{n}个"))
                .collect::<Vec<_>>()
                .join("、")
        )));
        for (n, p) in r.problems.iter().take(LIST_LIMIT).enumerate() {
            let e = &p.problem;
            let task = p
                .task_title
                .as_deref()
                .map(|t| format!("（{}）", t.trim_end_matches('。')))
                .unwrap_or_default();
            let measures = e
                .measures
                .as_deref()
                .map(|m| format!("整改措施：{}。", m.trim_end_matches('。')))
                .unwrap_or_else(|| "尚未报送整改措施。".to_owned());
            let late = if e.is_overdue(r.day) {
                "，已超过整改时限"
            } else {
                ""
            };
            blocks.push(Block::Paragraph(format!(
                "{}. {}{task}：{}。问题根源：{}；整改时限：{}；状态：{}{late}。{measures}",
                n + 1,
                e.unit.name,
                e.description.as_str().trim_end_matches('。'),
                e.root_cause.label(),
                chinese_date(e.deadline),
                e.status.label(),
            )));
        }
        if let Some(m) = more(LIST_LIMIT, r.problems.len(), "个问题") {
            blocks.push(Block::Paragraph(m));
        }
    }

    // 逾期事项.
    blocks.push(next("逾期事项"));
    if r.overdue_by_unit.is_empty() {
        blocks.push(Block::Paragraph("目前没有逾期未完成的任务。".to_owned()));
    } else {
        let mut units: Vec<&(luoshi_core::UnitRef, Vec<TaskLine>)> =
            r.overdue_by_unit.iter().collect();
        // The units with most overdue tasks when the table is cut.
        if units.len() > OVERDUE_UNITS {
            units.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.name.cmp(&b.0.name)));
        }
        tables += 1;
        blocks.push(Block::Paragraph(format!(
            "逾期未完成任务{}项，涉及{}个牵头单位，按单位列示见表{tables}。",
            t.overdue,
            r.overdue_by_unit.len()
        )));
        let rows = units
            .iter()
            .take(OVERDUE_UNITS)
            .map(|(unit, lines)| {
                let mut names: Vec<String> = lines
                    .iter()
                    .take(OVERDUE_PER_UNIT)
                    .map(|l| {
                        let due = l
                            .task
                            .assignment
                            .as_ref()
                            .map(|a| {
                                format!(
                                    "（时限{}，逾期{}天）",
                                    chinese_date(a.deadline),
                                    r.day.days_since_epoch() - a.deadline.days_since_epoch()
                                )
                            })
                            .unwrap_or_default();
                        format!("{}{due}", l.task.title.as_str().trim_end_matches('。'))
                    })
                    .collect();
                if lines.len() > OVERDUE_PER_UNIT {
                    names.push(format!("等{}项", lines.len()));
                }
                vec![
                    unit.name.to_string(),
                    lines.len().to_string(),
                    names.join("；"),
                ]
            })
            .collect();
        blocks.push(Block::Table {
            caption: format!("表{tables}　逾期事项（按牵头单位）"),
            header: ["牵头单位", "逾期项数", "逾期任务"]
                .map(str::to_owned)
                .to_vec(),
            rows,
            shares: vec![20, 14, 66],
        });
        if let Some(m) = more(OVERDUE_UNITS, r.overdue_by_unit.len(), "个单位") {
            blocks.push(Block::Paragraph(m));
        }
    }

    // 预警情况.
    blocks.push(next("预警情况"));
    if r.cards.is_empty() {
        blocks.push(Block::Paragraph("期间未发出预警。".to_owned()));
    } else {
        let mut tiers: Vec<(&str, usize)> = Vec::new();
        for c in &r.cards {
            match tiers.iter_mut().find(|(l, _)| *l == c.tier_label) {
                Some((_, n)) => *n += 1,
                None => tiers.push((&c.tier_label, 1)),
            }
        }
        let open = r.cards.iter().filter(|c| c.is_open()).count();
        blocks.push(Block::Paragraph(format!(
            "期间共发出预警{}张（{}），目前仍未解除{}张。",
            r.cards.len(),
            tiers
                .iter()
                .map(|(l, n)| format!("{l}{n}张"))
                .collect::<Vec<_>>()
                .join("、"),
            open
        )));
        // Open cards first when the list is cut.
        let mut cards: Vec<&luoshi_core::Card> = r.cards.iter().collect();
        if cards.len() > LIST_LIMIT {
            cards.sort_by_key(|c| !c.is_open());
        }
        for c in cards.iter().take(LIST_LIMIT) {
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
            let reasons: Vec<&str> = c.reasons.iter().map(|x| x.text.as_str()).collect();
            blocks.push(Block::Paragraph(format!(
                "{}　{}　{}：{}（{}，{}）。",
                c.tier_label,
                c.unit.as_ref().map_or("—", |u| u.name.as_str()),
                c.task_title.as_str().trim_end_matches('。'),
                reasons.join("；"),
                chinese_date(c.raised_on),
                state
            )));
        }
        if let Some(m) = more(LIST_LIMIT, r.cards.len(), "张预警") {
            blocks.push(Block::Paragraph(m));
        }
    }

    // 下一步工作举措.
    blocks.push(next("下一步工作举措"));
    let steps: Vec<String> = r
        .themes
        .iter()
        .flat_map(|s| &s.tasks)
        .filter(|l| l.task.status != Status::Closed)
        .filter_map(|l| {
            let rep = l.latest.as_ref()?;
            let next = rep.next_steps.as_ref()?;
            let unit = rep
                .unit
                .as_ref()
                .map(|u| u.name.to_string())
                .or_else(|| l.task.assignment.as_ref().map(|a| a.lead.name.to_string()))
                .unwrap_or_default();
            Some(format!(
                "{unit}（{}）：{}。",
                l.task.title.as_str().trim_end_matches('。'),
                next.as_str().trim_end_matches('。')
            ))
        })
        .take(LIST_LIMIT + 1)
        .collect();
    let cut = steps.len() > LIST_LIMIT;
    for (n, s) in steps.iter().take(LIST_LIMIT).enumerate() {
        blocks.push(Block::Paragraph(format!("{}. {s}", n + 1)));
    }
    if cut {
        blocks.push(Block::Paragraph(format!(
            "（以上列出{LIST_LIMIT}项，其余各单位下一步举措见进展台账。）"
        )));
    }
    let mut closing = Vec::new();
    if t.overdue > 0 {
        closing.push(format!("对{}项逾期任务逐项督办、限期办结", t.overdue));
    }
    let open_problems = r
        .problems
        .iter()
        .filter(|p| p.problem.status != ProblemStatus::Closed)
        .count();
    if open_problems > 0 {
        closing.push(format!("推动{open_problems}个问题按时整改销号"));
    }
    closing.push("督促各牵头单位按期报送进展".to_owned());
    blocks.push(Block::Paragraph(format!(
        "下一步，将{}，确保各项任务按时落实到位。",
        closing.join("，")
    )));

    Outline {
        title: title(r),
        subtitle,
        blocks,
    }
}

/// The implementation status report as a .docx file.
pub fn status_docx(r: &StatusReport) -> Result<Vec<u8>, ReportError> {
    outline_docx(&status_outline(r))
}

/// Lays an outline out as an official-style Word document.
pub fn outline_docx(o: &Outline) -> Result<Vec<u8>, ReportError> {
    let mut doc = official_page()
        .add_paragraph(title_paragraph(&o.title))
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&o.subtitle, KAI_FONT, crate::SANHAO))
                .align(AlignmentType::Center)
                .line_spacing(spacing()),
        )
        .add_paragraph(blank());
    for b in &o.blocks {
        doc = match b {
            Block::Heading(t) => doc.add_paragraph(heading(t)),
            Block::Subheading(t) => doc.add_paragraph(subheading(t)),
            Block::Paragraph(t) => doc.add_paragraph(body(t)),
            Block::Task { head, rest, .. } => doc.add_paragraph(body(&format!("{head}{rest}"))),
            Block::Chart { rates, caption } => {
                let png = chart::completion_png(rates);
                let (w, h) = chart::SIZE;
                // 15 cm wide, in EMU (360,000 per cm).
                let width_emu = 5_400_000u32;
                let height_emu = width_emu / w * h;
                let pic = Pic::new_with_dimensions(png, w, h).size(width_emu, height_emu);
                doc.add_paragraph(
                    Paragraph::new()
                        .align(AlignmentType::Center)
                        .add_run(Run::new().add_image(pic)),
                )
                .add_paragraph(caption_paragraph(caption))
            }
            Block::Table {
                caption,
                header,
                rows,
                shares,
            } => doc
                .add_paragraph(caption_paragraph(caption).keep_next(true))
                .add_table(table(header, rows, shares))
                .add_paragraph(blank()),
        };
    }
    package(doc)
}

fn caption_paragraph(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, KAI_FONT, SIHAO))
        .align(AlignmentType::Center)
        .line_spacing(spacing())
}
