//! Supervision (督办) on the command line: reporting cycles, reports due,
//! the warning rules and their cards, and the implementation status
//! report as a Word file. Glue: parse, call the store, print.

use std::path::PathBuf;
use std::sync::Arc;

use luoshi_core::{
    CardFilter, CardId, Channel, Cycle, Date, DocumentId, DueFilter, NewNotice, NoticeTarget,
    ReportQuery, ReportScope, Store, SystemClock, UnitName, Version, WarningRules,
};
use serde_json::{Value, json};

use crate::UserError;
use crate::ledger_cmd::{Global, actor, store_error, task_id, text, user_error, value};

#[derive(Debug, clap::Args)]
pub struct CycleArgs {
    #[arg(value_name = "任务号")]
    id: String,
    #[arg(
        long,
        value_name = "周期",
        help = "weekly（每周）、fortnightly（每两周）、monthly（每月）、quarterly（每季度）或 dates（指定日期）"
    )]
    cycle: String,
    #[arg(
        long,
        value_name = "YYYY-MM-DD,…",
        value_delimiter = ',',
        help = "周期为 dates 时的报送日期，用逗号分隔"
    )]
    dates: Vec<String>,
    #[arg(
        long,
        value_name = "YYYY-MM-DD",
        help = "开始报送的日期；默认为交办之日"
    )]
    start: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct DueArgs {
    #[arg(long, value_name = "YYYY-MM-DD", help = "查询哪一天；默认为今天")]
    day: Option<String>,
    #[arg(
        long,
        default_value_t = 7,
        value_name = "天数",
        help = "列出此后多少天内到期的反馈"
    )]
    within: u32,
    #[arg(long, value_name = "单位", help = "只看该单位牵头或配合的任务")]
    unit: Option<String>,
    #[arg(long, value_name = "文件号", help = "只看该文件的任务")]
    document: Option<String>,
    #[arg(long, value_name = "文件", help = "预警规则（JSON）；默认为内置规则")]
    rules: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("scope").required(true).args(["document", "theme", "all"])))]
pub struct StatusArgs {
    #[arg(long, value_name = "文件号", help = "汇报哪份文件的贯彻落实情况")]
    document: Option<String>,
    #[arg(long, value_name = "任务号", help = "只汇报这个主题（及其下各项任务）")]
    theme: Option<String>,
    #[arg(long, help = "汇报全部文件的全部任务")]
    all: bool,
    #[arg(long, value_name = "文件", help = "写出的 Word 文档（.docx）")]
    docx: PathBuf,
    #[arg(long, value_name = "YYYY-MM-DD", help = "统计起始日期（含）")]
    from: Option<String>,
    #[arg(
        long,
        value_name = "YYYY-MM-DD",
        help = "统计截止日期（含）；默认为今天"
    )]
    to: Option<String>,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["task", "unit"])))]
pub struct NoticeArgs {
    #[arg(long, value_name = "任务号", help = "督办这项任务（发给其牵头单位）")]
    task: Option<String>,
    #[arg(
        long,
        value_name = "单位",
        help = "督办该单位牵头的全部逾期、被预警任务"
    )]
    unit: Option<String>,
    #[arg(long, value_name = "文件", help = "写出的 Word 文档（.docx）")]
    docx: PathBuf,
    #[arg(long, value_name = "YYYY-MM-DD", help = "发文日期；默认为今天")]
    day: Option<String>,
    #[arg(long, value_name = "YYYY-MM-DD", help = "回复时限；默认为发文后 7 天")]
    reply_by: Option<String>,
    #[arg(long, value_name = "名称", help = "发文单位（落款）；默认为督查室")]
    office: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum SuperviseCommand {
    /// Runs the warning rules over every task being worked on.
    #[command(
        about = "按预警规则研判所有在办任务，发出应发的黄牌、红牌（同日重复运行不会重复发牌）"
    )]
    Assess {
        #[arg(long, value_name = "YYYY-MM-DD", help = "研判哪一天；默认为今天")]
        day: Option<String>,
        #[arg(long, value_name = "文件", help = "预警规则（JSON）；默认为内置规则")]
        rules: Option<PathBuf>,
    },
    /// Prints the built-in warning rules as JSON, to copy and edit.
    #[command(about = "打印内置预警规则（JSON），可复制修改后用 --rules 指定")]
    Rules,
    /// What the reminder scheduler will send next and what it has sent.
    #[command(
        about = "催办情况：各任务下一次催办（待发）与已发催办（按渠道，含发送时间、失败原因）"
    )]
    Status {
        #[arg(
            long,
            value_name = "YYYY-MM-DD",
            help = "从哪一天看待发催办；默认为今天"
        )]
        day: Option<String>,
        #[arg(
            long,
            default_value_t = luoshi_core::remind::DEFAULT_DAYS_BEFORE,
            value_name = "天数",
            help = "到期前几天催办（与 serve 的 remind_days_before 一致）"
        )]
        days_before: u32,
        #[arg(
            long,
            default_value_t = 20,
            value_name = "条数",
            help = "待发与已发各列出多少条"
        )]
        limit: u32,
        #[arg(
            long,
            value_name = "渠道",
            help = "只看该渠道的已发催办：inapp、webhook 或 email"
        )]
        channel: Option<String>,
    },
    /// Issues a supervision notice (督办通知) as a Word file.
    #[command(
        about = "发督办通知（Word）：针对一项任务（--task）或一个单位的全部逾期、被预警任务（--unit）；每次发文占用当年一个文号并留痕"
    )]
    Notice(NoticeArgs),
    /// Sets the e-mail address a unit's reminders go to.
    #[command(about = "设置单位接收催办邮件的地址")]
    Contact {
        #[arg(long, value_name = "单位")]
        unit: String,
        #[arg(long, value_name = "地址")]
        email: String,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum CardCommand {
    /// Lists cards.
    #[command(about = "列出预警")]
    List {
        #[arg(long, value_name = "单位", help = "只看该单位的预警")]
        unit: Option<String>,
        #[arg(long, value_name = "任务号", help = "只看该任务的预警")]
        task: Option<String>,
        #[arg(long, help = "只看未解除的预警")]
        open: bool,
    },
    /// Clears an open card with a reason.
    #[command(about = "解除预警（须说明理由）")]
    Clear {
        #[arg(value_name = "预警号")]
        id: String,
        #[arg(long, value_name = "文字", help = "解除理由")]
        reason: String,
    },
}

/// A supervision command, as dispatched from `main`.
#[derive(Debug)]
pub enum Command {
    Supervise(SuperviseCommand),
    Card(CardCommand),
}

/// Runs a supervision command on a small runtime of its own.
pub fn run(global: &Global, command: Command) -> Result<(), UserError> {
    if let Command::Supervise(SuperviseCommand::Rules) = command {
        let rules = serde_json::to_string_pretty(&WarningRules::default())
            .map_err(|e| user_error("rules", e.to_string()))?;
        println!("{rules}");
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| user_error("runtime", format!("无法启动运行时：{e}")))?;
    runtime.block_on(async {
        let store = Store::open(&global.database, Arc::new(SystemClock::default()))
            .await
            .map_err(store_error)?;
        let result = dispatch(&store, global, command).await;
        store.close().await;
        result
    })
}

fn day_or_today(store: &Store, day: Option<&str>) -> Result<Date, UserError> {
    match day {
        Some(d) => value(Date::parse(d)),
        None => Ok(luoshi_core::Clock::today(store.clock())),
    }
}

fn rules(path: Option<&PathBuf>) -> Result<WarningRules, UserError> {
    match path {
        None => Ok(WarningRules::default()),
        Some(p) => {
            let json = std::fs::read_to_string(p)
                .map_err(|e| user_error("io_read", format!("无法读取 {}：{e}", p.display())))?;
            value(WarningRules::from_json(&json))
        }
    }
}

fn print_json(v: &Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

fn dates(list: &[Date]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("、")
}

async fn dispatch(store: &Store, global: &Global, command: Command) -> Result<(), UserError> {
    match command {
        Command::Supervise(SuperviseCommand::Rules) => Ok(()),
        Command::Supervise(SuperviseCommand::Assess { day, rules: path }) => {
            let day = day_or_today(store, day.as_deref())?;
            let rules = rules(path.as_ref())?;
            let a = store.assess(day, &rules).await.map_err(store_error)?;
            if global.json {
                print_json(&json!({
                    "day": a.day.to_string(),
                    "judged": a.judged,
                    "raised": a.raised.iter().map(|r| json!({
                        "card": r.card.0, "task": r.task.0, "unit": r.unit.map(|u| u.0),
                        "tier": r.tier, "tier_label": r.tier_label,
                        "supersedes": r.supersedes.map(|c| c.0),
                        "reasons": r.reasons.iter().map(|x| json!({"code": x.code, "text": x.text})).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                }));
                return Ok(());
            }
            println!(
                "{} 研判在办任务 {} 项，新发预警 {} 张。",
                a.day,
                a.judged,
                a.raised.len()
            );
            for r in &a.raised {
                let up = r
                    .supersedes
                    .map(|c| format!("（升级，取代预警 {c}）"))
                    .unwrap_or_default();
                let reasons: Vec<&str> = r.reasons.iter().map(|x| x.text.as_str()).collect();
                println!(
                    "[{}] {}　任务 {}{up}：{}",
                    r.card,
                    r.tier_label,
                    r.task,
                    reasons.join("；")
                );
            }
            Ok(())
        }
        Command::Supervise(SuperviseCommand::Notice(args)) => notice(store, global, args).await,
        Command::Supervise(SuperviseCommand::Contact { unit, email }) => {
            let unit = value(UnitName::parse(&unit))?;
            store
                .set_unit_email(&unit, &email)
                .await
                .map_err(store_error)?;
            println!("已设置 {unit} 的催办邮箱：{}", email.trim());
            Ok(())
        }
        Command::Supervise(SuperviseCommand::Status {
            day,
            days_before,
            limit,
            channel,
        }) => {
            let day = day_or_today(store, day.as_deref())?;
            let channel = channel
                .map(|c| {
                    Channel::from_code(c.trim()).ok_or_else(|| {
                        user_error(
                            "unknown_channel",
                            format!("渠道“{c}”无效，应为 inapp、webhook 或 email。"),
                        )
                    })
                })
                .transpose()?;
            let upcoming = store
                .upcoming_reminders(
                    day,
                    days_before,
                    &WarningRules::default(),
                    None,
                    limit as usize,
                )
                .await
                .map_err(store_error)?;
            let sent = store
                .reminders_sent(channel, None, None, limit)
                .await
                .map_err(store_error)?;
            let counts = store.reminder_counts().await.map_err(store_error)?;
            if global.json {
                print_json(&json!({
                    "day": day.to_string(),
                    "days_before": days_before,
                    "pending": upcoming.iter().map(|u| json!({
                        "task": u.task.0, "title": u.title,
                        "unit": u.unit.as_ref().map(|x| x.name.as_str()),
                        "send_on": u.send_on.to_string(), "kind": u.kind.code(),
                        "kind_label": u.kind.label(), "due_on": u.due_on.to_string(),
                    })).collect::<Vec<_>>(),
                    "totals": counts.iter().map(|(c, n, p)| json!({
                        "channel": c.code(), "sent": n, "undelivered": p,
                    })).collect::<Vec<_>>(),
                    "sent": sent.iter().map(|r| json!({
                        "id": r.id, "task": r.task.0, "kind": r.kind.code(),
                        "due_on": r.due_on.to_string(), "channel": r.channel.code(),
                        "unit": r.unit.as_ref().map(|x| x.name.as_str()),
                        "recorded_at": r.created_at.to_string(),
                        "sent_at": r.sent_at.map(|t| t.to_string()),
                        "attempts": r.attempts, "last_error": r.last_error,
                    })).collect::<Vec<_>>(),
                }));
                return Ok(());
            }
            println!("待发催办（{day} 之后，到期前 {days_before} 天起）：");
            if upcoming.is_empty() {
                println!("　（无）");
            }
            for u in &upcoming {
                println!(
                    "　{}　任务 {}　{}　{}（到期 {}）　{}",
                    u.send_on,
                    u.task,
                    u.unit.as_ref().map_or("—", |x| x.name.as_str()),
                    u.kind.label(),
                    u.due_on,
                    u.title
                );
            }
            println!("已发催办：");
            for (c, n, p) in &counts {
                println!("　{}：已发送 {n} 条，未送达 {p} 条", channel_label(*c));
            }
            for r in &sent {
                let when = r.sent_at.map_or_else(
                    || {
                        format!(
                            "未送达（已试 {} 次{}）",
                            r.attempts,
                            r.last_error
                                .as_deref()
                                .map(|e| format!("：{e}"))
                                .unwrap_or_default()
                        )
                    },
                    |t| t.to_string(),
                );
                println!(
                    "　[{}] {}　任务 {}　{}　{}（到期 {}）　{when}",
                    r.id,
                    channel_label(r.channel),
                    r.task,
                    r.unit.as_ref().map_or("—", |x| x.name.as_str()),
                    r.kind.label(),
                    r.due_on
                );
            }
            Ok(())
        }
        Command::Card(CardCommand::List { unit, task, open }) => {
            let filter = CardFilter {
                unit: unit.map(|u| value(UnitName::parse(&u))).transpose()?,
                task: task.map(|t| task_id(&t)).transpose()?,
                open,
                ..CardFilter::default()
            };
            let cards = store.cards(&filter).await.map_err(store_error)?;
            print_cards(global, &cards);
            Ok(())
        }
        Command::Card(CardCommand::Clear { id, reason }) => {
            let id = value(CardId::parse(&id))?;
            let current = store.card(id).await.map_err(store_error)?;
            let card = store
                .clear_card(&actor(global)?, id, current.version, &text(&reason)?)
                .await
                .map_err(store_error)?;
            print_cards(global, &[card]);
            Ok(())
        }
    }
}

fn channel_label(c: Channel) -> &'static str {
    match c {
        Channel::InApp => "站内通知",
        Channel::Webhook => "webhook",
        Channel::Email => "电子邮件",
    }
}

fn print_cards(global: &Global, cards: &[luoshi_core::Card]) {
    if global.json {
        print_json(&Value::Array(
            cards
                .iter()
                .map(|c| {
                    json!({
                        "id": c.id.0, "version": c.version.0, "task": c.task.0,
                        "task_title": c.task_title.as_str(),
                        "unit": c.unit.as_ref().map(|u| u.name.as_str()),
                        "tier": c.tier, "tier_label": c.tier_label,
                        "reasons": c.reasons.iter().map(|x| json!({"code": x.code, "text": x.text})).collect::<Vec<_>>(),
                        "raised_on": c.raised_on.to_string(),
                        "open": c.is_open(),
                        "cleared_by": c.cleared_by.as_ref().map(|p| p.as_str()),
                        "clear_reason": c.clear_reason,
                        "superseded_by": c.superseded_by.map(|s| s.0),
                    })
                })
                .collect(),
        ));
        return;
    }
    if cards.is_empty() {
        println!("没有符合条件的预警。");
    }
    for c in cards {
        let state = if c.is_open() {
            "未解除".to_owned()
        } else if let Some(by) = c.superseded_by {
            format!("已升级为预警 {by}")
        } else {
            format!(
                "已解除（{}：{}）",
                c.cleared_by.as_ref().map_or("—", |p| p.as_str()),
                c.clear_reason.as_deref().unwrap_or("")
            )
        };
        let reasons: Vec<&str> = c.reasons.iter().map(|x| x.text.as_str()).collect();
        println!(
            "[{}] {}　{}　任务 {} {}　{}　〔{}〕　{}",
            c.id,
            c.tier_label,
            c.unit.as_ref().map_or("—", |u| u.name.as_str()),
            c.task,
            c.task_title,
            c.raised_on,
            state,
            reasons.join("；")
        );
    }
}

/// `luoshi task cycle`.
pub async fn cycle(store: &Store, global: &Global, args: CycleArgs) -> Result<(), UserError> {
    let id = task_id(&args.id)?;
    let list = args
        .dates
        .iter()
        .filter(|d| !d.trim().is_empty())
        .map(|d| value(Date::parse(d)))
        .collect::<Result<Vec<_>, _>>()?;
    let cycle = value(Cycle::parse(&args.cycle, &list))?;
    let start = args
        .start
        .as_deref()
        .map(|d| value(Date::parse(d)))
        .transpose()?;
    let expected: Option<Version> = store
        .cycle(id)
        .await
        .map_err(store_error)?
        .map(|c| c.version);
    let saved = store
        .set_cycle(&actor(global)?, id, expected, &cycle, start)
        .await
        .map_err(store_error)?;
    let today = luoshi_core::Clock::today(store.clock());
    let state = luoshi_core::supervise::cycle_state(
        &saved.cycle,
        saved.starts_on,
        &[],
        today,
        &WarningRules::default().due,
    );
    if global.json {
        print_json(&json!({
            "task": saved.task.0, "version": saved.version.0, "cycle": saved.cycle.code(),
            "dates": saved.cycle.dates_text(), "starts_on": saved.starts_on.to_string(),
        }));
    } else {
        println!(
            "任务 {} 的反馈周期：{}，自 {} 起报送{}",
            saved.task,
            saved.cycle,
            saved.starts_on,
            state
                .next_due
                .map(|d| format!("；下次报送截止 {d}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// `luoshi report due`.
pub async fn due(store: &Store, global: &Global, args: DueArgs) -> Result<(), UserError> {
    let day = day_or_today(store, args.day.as_deref())?;
    let rules = rules(args.rules.as_ref())?;
    let filter = DueFilter {
        within_days: args.within,
        unit: args.unit.map(|u| value(UnitName::parse(&u))).transpose()?,
        document: args
            .document
            .map(|d| value(DocumentId::parse(&d)))
            .transpose()?,
        ..DueFilter::on(day)
    };
    let due = store
        .reports_due(&filter, &rules)
        .await
        .map_err(store_error)?;
    if global.json {
        print_json(&Value::Array(
            due.iter()
                .map(|d| {
                    json!({
                        "task": d.task.0, "title": d.title.as_str(), "lead": d.lead.name.as_str(),
                        "cycle": d.cycle.code(),
                        "next_due": d.next_due.map(|x| x.to_string()),
                        "missed": d.missed.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        "last_report": d.last_report.map(|x| x.to_string()),
                    })
                })
                .collect(),
        ));
        return Ok(());
    }
    if due.is_empty() {
        println!(
            "{day}：{} 天内没有到期的进展反馈，也没有逾期未报。",
            args.within
        );
    }
    for d in &due {
        let missed = if d.missed.is_empty() {
            String::new()
        } else {
            format!("　逾期未报 {} 次（{}）", d.missed.len(), dates(&d.missed))
        };
        let next = d
            .next_due
            .map(|n| format!("　下次截止 {n}"))
            .unwrap_or_default();
        println!(
            "[{}] {}　牵头：{}　{}{next}{missed}",
            d.task, d.title, d.lead.name, d.cycle
        );
    }
    Ok(())
}

/// `luoshi report status`.
pub async fn status(store: &Store, global: &Global, args: StatusArgs) -> Result<(), UserError> {
    let scope = match (&args.document, &args.theme) {
        (Some(d), _) => ReportScope::Document(value(DocumentId::parse(d))?),
        (None, Some(t)) => ReportScope::Theme(task_id(t)?),
        (None, None) => ReportScope::Ledger,
    };
    let from = args
        .from
        .as_deref()
        .map(|d| value(Date::parse(d)))
        .transpose()?;
    let to = args
        .to
        .as_deref()
        .map(|d| value(Date::parse(d)))
        .transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(user_error(
            "report_bad_range",
            format!("统计起始日期 {f} 晚于截止日期 {t}，请调换或改正。"),
        ));
    }
    let day = to.unwrap_or_else(|| luoshi_core::Clock::today(store.clock()));
    let data = store
        .status_report(&ReportQuery {
            scope,
            from,
            to,
            day,
        })
        .await
        .map_err(store_error)?;
    let bytes =
        luoshi_report::status_docx(&data).map_err(|e| user_error(e.code(), e.to_string()))?;
    std::fs::write(&args.docx, bytes)
        .map_err(|e| user_error("io_write", format!("无法写入 {}：{e}", args.docx.display())))?;
    if global.json {
        print_json(&json!({
            "file": args.docx.display().to_string(),
            "title": luoshi_report::title(&data),
            "documents": data.documents.len(),
            "tasks": data.totals.tasks,
            "closed": data.totals.closed,
            "overdue": data.totals.overdue,
            "cards": data.cards.len(),
            "problems": data.problems.len(),
            "indicators": data.indicators.len(),
        }));
    } else {
        println!(
            "已生成《{}》：{}（任务 {} 项，已销号 {} 项，逾期 {} 项，预警 {} 张，问题 {} 个，指标 {} 项）",
            luoshi_report::title(&data),
            args.docx.display(),
            data.totals.tasks,
            data.totals.closed,
            data.totals.overdue,
            data.cards.len(),
            data.problems.len(),
            data.indicators.len()
        );
    }
    Ok(())
}

/// `luoshi supervise notice`.
pub async fn notice(store: &Store, global: &Global, args: NoticeArgs) -> Result<(), UserError> {
    let target = match (&args.task, &args.unit) {
        (Some(t), _) => NoticeTarget::Task(task_id(t)?),
        (None, Some(u)) => NoticeTarget::Unit(value(UnitName::parse(u))?),
        (None, None) => {
            return Err(user_error(
                "notice_target_missing",
                "请用 --task 指定任务，或用 --unit 指定单位。".to_owned(),
            ));
        }
    };
    let issued_on = day_or_today(store, args.day.as_deref())?;
    let reply_by = args
        .reply_by
        .as_deref()
        .map(|d| value(Date::parse(d)))
        .transpose()?;
    // A notice whose file cannot be written should not take a number:
    // check the folder before issuing.
    if let Some(dir) = args.docx.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(user_error(
            "io_write",
            format!("无法写入 {}：目录不存在。", args.docx.display()),
        ));
    }
    let n = store
        .issue_notice(
            &actor(global)?,
            &NewNotice {
                target,
                issued_on,
                reply_by,
                office: args.office.clone(),
            },
        )
        .await
        .map_err(store_error)?;
    let bytes = luoshi_report::notice_docx(&n).map_err(|e| user_error(e.code(), e.to_string()))?;
    std::fs::write(&args.docx, bytes)
        .map_err(|e| user_error("io_write", format!("无法写入 {}：{e}", args.docx.display())))?;
    if global.json {
        print_json(&json!({
            "file": args.docx.display().to_string(),
            "id": n.id,
            "reference": n.reference(),
            "year": n.year,
            "number": n.number,
            "unit": n.unit.name.to_string(),
            "tasks": n.items.iter().map(|i| i.task.id.0).collect::<Vec<_>>(),
            "issued_on": n.issued_on.to_string(),
            "reply_by": n.reply_by.to_string(),
        }));
    } else {
        println!(
            "已发督办通知 {}（{}）：{}，致 {}，督办任务 {} 项，回复时限 {}",
            n.reference(),
            luoshi_report::notice_title(&n),
            args.docx.display(),
            n.unit.name,
            n.items.len(),
            n.reply_by
        );
    }
    Ok(())
}
