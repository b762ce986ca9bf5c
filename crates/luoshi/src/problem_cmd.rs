//! The problem list (问题清单), indicators (指标) and unit evaluation (考核)
//! on the command line. Glue: parse, call the store, print.

use std::path::PathBuf;
use std::sync::Arc;

use luoshi_core::problem_store::parse_class;
use luoshi_core::problems::{EvalPeriod, parse_number};
use luoshi_core::{
    Date, EvaluationRules, FoundBy, Indicator, NewIndicator, NewProblem, ProblemEntry,
    ProblemFilter, ProblemStatus, ReportId, RootCause, Store, SystemClock, UnitName, WarningRules,
    xlsx,
};
use serde_json::{Value, json};

use crate::UserError;
use crate::ledger_cmd::{Global, actor, store_error, task_id, text, user_error, value};

#[derive(Debug, clap::Subcommand)]
pub enum ProblemCommand {
    /// Files a problem and shows the similar ones already listed.
    #[command(about = "登记问题（同时列出相似的已有问题）")]
    Add {
        #[arg(long, value_name = "文字", help = "问题描述")]
        description: String,
        #[arg(long, value_name = "任务号", help = "所属任务")]
        task: Option<String>,
        #[arg(long, value_name = "反馈号", help = "由哪条进展反馈发现")]
        report: Option<String>,
        #[arg(
            long,
            value_name = "单位",
            help = "责任单位；默认为反馈单位或任务的牵头单位"
        )]
        unit: Option<String>,
        #[arg(
            long,
            value_name = "途径",
            help = "发现途径：督查、自查、调研、群众反映（或 inspection、self_check、research、public）"
        )]
        found_by: String,
        #[arg(
            long,
            value_name = "类型",
            help = "问题根源：机制性缺陷、制度性漏洞、执行不力、资源不足、其他"
        )]
        root_cause: String,
        #[arg(long, value_name = "类别", help = "问题类别（相似问题共用）")]
        class: Option<String>,
        #[arg(long, value_name = "YYYY-MM-DD", help = "整改时限")]
        deadline: String,
    },
    /// Lists problems.
    #[command(about = "列出问题")]
    List {
        #[arg(long, value_name = "单位", help = "只看该单位的问题")]
        unit: Option<String>,
        #[arg(
            long,
            value_name = "状态",
            help = "open（待整改）、rectifying（整改中）、closed（已销号）"
        )]
        status: Option<String>,
        #[arg(long, value_name = "类别", help = "只看该类别的问题")]
        class: Option<String>,
    },
    /// Shows one problem.
    #[command(about = "查看问题")]
    Show {
        #[arg(value_name = "问题号")]
        id: String,
    },
    /// Lists listed problems similar to a description (either script).
    #[command(about = "查找与描述相似的已有问题（简繁体通用）")]
    Similar {
        #[arg(value_name = "文字")]
        description: String,
    },
    /// Gives a problem a class.
    #[command(about = "设定问题类别")]
    Classify {
        #[arg(value_name = "问题号")]
        id: String,
        #[arg(value_name = "类别")]
        class: String,
    },
    /// Records rectification measures.
    #[command(about = "报告整改措施（待整改 → 整改中）")]
    Rectify {
        #[arg(value_name = "问题号")]
        id: String,
        #[arg(long, value_name = "文字", help = "整改措施")]
        measures: String,
        #[arg(long, value_name = "文字", help = "佐证材料")]
        evidence: Option<String>,
    },
    /// Closes a problem, or every open problem of a class, with evidence.
    #[command(about = "问题销号（须附佐证材料）；用 --class 可整类销号")]
    Close {
        #[arg(value_name = "问题号", required_unless_present = "class")]
        id: Option<String>,
        #[arg(long, value_name = "类别", help = "对该类别下全部未销号问题一并销号")]
        class: Option<String>,
        #[arg(long, value_name = "文字", help = "佐证材料")]
        evidence: String,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum IndicatorCommand {
    /// Attaches an indicator to a task.
    #[command(about = "为任务设定指标（年度目标）")]
    Add {
        #[arg(long, value_name = "任务号")]
        task: String,
        #[arg(long, value_name = "名称", help = "指标名称")]
        name: String,
        #[arg(long, value_name = "单位", help = "计量单位，例如 家、亿元、%")]
        measure: String,
        #[arg(long, value_name = "年份", help = "目标年度")]
        year: i64,
        #[arg(long, value_name = "数值", help = "年度目标值")]
        target: String,
    },
    /// Records an actual value.
    #[command(about = "填报指标完成值（截至某期的累计值；同期再报为更正）")]
    Record {
        #[arg(value_name = "指标号")]
        id: String,
        #[arg(
            long,
            value_name = "期间",
            help = "截至哪一期：2026-06（月）或 2026-06-30（日）"
        )]
        period: String,
        #[arg(long, value_name = "数值")]
        value: String,
    },
    /// Lists indicators with their progress against the time elapsed.
    #[command(about = "列出指标及其完成进度与序时进度")]
    List {
        #[arg(long, value_name = "任务号", help = "只看该任务的指标")]
        task: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    #[arg(
        long,
        value_name = "期间",
        help = "考核期间：2026-11（月）、2026-Q4（季度）或 2026（年度）"
    )]
    period: Option<String>,
    #[arg(long, value_name = "文件", help = "把排名写成 Excel 文件（.xlsx）")]
    xlsx: Option<PathBuf>,
    #[arg(long, value_name = "文件", help = "考核规则（JSON）；默认为内置规则")]
    rules: Option<PathBuf>,
    #[arg(long, value_name = "文件", help = "预警规则（JSON）；默认为内置规则")]
    warning_rules: Option<PathBuf>,
    #[arg(long, help = "只打印内置考核规则（JSON）")]
    print_rules: bool,
}

/// A command of this module, as dispatched from `main`.
#[derive(Debug)]
pub enum Command {
    Problem(ProblemCommand),
    Indicator(IndicatorCommand),
    Evaluate(EvaluateArgs),
}

pub fn run(global: &Global, command: Command) -> Result<(), UserError> {
    if let Command::Evaluate(EvaluateArgs {
        print_rules: true, ..
    }) = command
    {
        println!("{}", EvaluationRules::default().to_json());
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

fn problem_id(s: &str) -> Result<i64, UserError> {
    value(luoshi_core::TaskId::parse(s).map(|t| t.0))
}

fn read_file(p: &PathBuf) -> Result<String, UserError> {
    std::fs::read_to_string(p)
        .map_err(|e| user_error("io_read", format!("无法读取 {}：{e}", p.display())))
}

/// `2026-06` as the month's last day, or a day as given.
fn period_end(s: &str) -> Result<Date, UserError> {
    if s.trim().len() == 7 {
        let p = value(EvalPeriod::parse(s))?;
        return Ok(p.to);
    }
    value(Date::parse(s.trim()))
}

fn print_json(v: &Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

pub fn problem_json(p: &ProblemEntry) -> Value {
    json!({
        "id": p.id, "version": p.version.0,
        "task": p.task.map(|t| t.0), "report": p.report.map(|r| r.0),
        "unit": p.unit.name.as_str(), "description": p.description.as_str(),
        "found_by": p.found_by.code(), "root_cause": p.root_cause.code(),
        "class": p.class, "deadline": p.deadline.to_string(),
        "status": p.status.code(), "measures": p.measures, "evidence": p.evidence,
        "created_by": p.created_by, "closed_by": p.closed_by,
    })
}

fn print_problems(global: &Global, list: &[ProblemEntry]) {
    if global.json {
        print_json(&Value::Array(list.iter().map(problem_json).collect()));
        return;
    }
    for p in list {
        let class = p
            .class
            .as_deref()
            .map(|c| format!("〔{c}〕"))
            .unwrap_or_default();
        println!(
            "[{}] {}{class}　{}　责任单位：{}　{}·{}　整改时限 {}",
            p.id,
            p.status.label(),
            p.description,
            p.unit.name,
            p.found_by.label(),
            p.root_cause.label(),
            p.deadline
        );
    }
}

fn indicator_json(i: &Indicator) -> Value {
    json!({
        "id": i.id, "version": i.version.0, "task": i.task.0, "name": i.name.as_str(),
        "measure": i.measure, "year": i.year, "annual_target": i.annual_target,
        "values": i.values.iter().map(|v| json!({
            "period_end": v.period_end.to_string(), "value": v.value, "version": v.version.0,
        })).collect::<Vec<_>>(),
        "progress": {"reached": i.progress.reached, "elapsed": i.progress.elapsed, "gap": i.progress.gap},
    })
}

fn print_indicators(global: &Global, list: &[Indicator]) {
    if global.json {
        print_json(&Value::Array(list.iter().map(indicator_json).collect()));
        return;
    }
    for i in list {
        let latest = i.values.last().map_or(0.0, |v| v.value);
        println!(
            "[{}] 任务 {}　{}：{} 年目标 {}{}，已完成 {}{}（{}%），序时进度 {}%",
            i.id,
            i.task,
            i.name,
            i.year,
            i.annual_target,
            i.measure,
            latest,
            i.measure,
            i.progress.reached,
            i.progress.elapsed
        );
    }
}

async fn dispatch(store: &Store, global: &Global, command: Command) -> Result<(), UserError> {
    match command {
        Command::Problem(c) => problem(store, global, c).await,
        Command::Indicator(c) => indicator(store, global, c).await,
        Command::Evaluate(args) => evaluate(store, global, args).await,
    }
}

async fn problem(store: &Store, global: &Global, c: ProblemCommand) -> Result<(), UserError> {
    match c {
        ProblemCommand::Add {
            description,
            task,
            report,
            unit,
            found_by,
            root_cause,
            class,
            deadline,
        } => {
            let new = NewProblem {
                task: task.map(|t| task_id(&t)).transpose()?,
                report: report.map(|r| value(ReportId::parse(&r))).transpose()?,
                unit: unit.map(|u| value(UnitName::parse(&u))).transpose()?,
                description: text(&description)?,
                found_by: value(FoundBy::parse(&found_by))?,
                root_cause: value(RootCause::parse(&root_cause))?,
                class: class.map(|c| value(parse_class(&c))).transpose()?,
                deadline: value(Date::parse(&deadline))?,
            };
            let filed = store
                .add_problem(&actor(global)?, &new)
                .await
                .map_err(store_error)?;
            if global.json {
                print_json(&json!({
                    "problem": problem_json(&filed.problem),
                    "similar": filed.similar.iter().map(|s| json!({
                        "similarity": s.similarity, "problem": problem_json(&s.problem),
                    })).collect::<Vec<_>>(),
                }));
                return Ok(());
            }
            print_problems(global, std::slice::from_ref(&filed.problem));
            if !filed.similar.is_empty() {
                println!("相似的已有问题：");
                for s in &filed.similar {
                    print!("  相似度 {:.0}%　", s.similarity * 100.0);
                    print_problems(global, std::slice::from_ref(&s.problem));
                }
            }
            Ok(())
        }
        ProblemCommand::List {
            unit,
            status,
            class,
        } => {
            let filter = ProblemFilter {
                unit: unit.map(|u| value(UnitName::parse(&u))).transpose()?,
                status: status
                    .map(|s| value(ProblemStatus::parse(&s)))
                    .transpose()?,
                class: class.map(|c| value(parse_class(&c))).transpose()?,
                ..ProblemFilter::default()
            };
            let list = store.problems(&filter).await.map_err(store_error)?;
            print_problems(global, &list);
            Ok(())
        }
        ProblemCommand::Show { id } => {
            let p = store.problem(problem_id(&id)?).await.map_err(store_error)?;
            print_problems(global, &[p]);
            Ok(())
        }
        ProblemCommand::Similar { description } => {
            let list = store
                .similar_problems(text(&description)?.as_str(), None, None)
                .await
                .map_err(store_error)?;
            if global.json {
                print_json(&Value::Array(
                    list.iter()
                        .map(|s| json!({"similarity": s.similarity, "problem": problem_json(&s.problem)}))
                        .collect(),
                ));
                return Ok(());
            }
            for s in &list {
                print!("相似度 {:.0}%　", s.similarity * 100.0);
                print_problems(global, std::slice::from_ref(&s.problem));
            }
            Ok(())
        }
        ProblemCommand::Classify { id, class } => {
            let id = problem_id(&id)?;
            let class = value(parse_class(&class))?;
            let current = store.problem(id).await.map_err(store_error)?;
            let p = store
                .set_problem_class(&actor(global)?, id, current.version, Some(&class))
                .await
                .map_err(store_error)?;
            print_problems(global, &[p]);
            Ok(())
        }
        ProblemCommand::Rectify {
            id,
            measures,
            evidence,
        } => {
            let id = problem_id(&id)?;
            let current = store.problem(id).await.map_err(store_error)?;
            let evidence = evidence.map(|e| text(&e)).transpose()?;
            let p = store
                .rectify_problem(
                    &actor(global)?,
                    id,
                    current.version,
                    &text(&measures)?,
                    evidence.as_ref(),
                )
                .await
                .map_err(store_error)?;
            print_problems(global, &[p]);
            Ok(())
        }
        ProblemCommand::Close {
            id,
            class,
            evidence,
        } => {
            let evidence = text(&evidence)?;
            let list = match (id, class) {
                (_, Some(class)) => store
                    .close_problem_class(&actor(global)?, &value(parse_class(&class))?, &evidence)
                    .await
                    .map_err(store_error)?,
                (Some(id), None) => {
                    let id = problem_id(&id)?;
                    let current = store.problem(id).await.map_err(store_error)?;
                    vec![
                        store
                            .close_problem(&actor(global)?, id, current.version, &evidence)
                            .await
                            .map_err(store_error)?,
                    ]
                }
                (None, None) => {
                    return Err(user_error("missing_argument", "请给出问题号或 --class。"));
                }
            };
            print_problems(global, &list);
            Ok(())
        }
    }
}

async fn indicator(store: &Store, global: &Global, c: IndicatorCommand) -> Result<(), UserError> {
    match c {
        IndicatorCommand::Add {
            task,
            name,
            measure,
            year,
            target,
        } => {
            let i = store
                .add_indicator(
                    &actor(global)?,
                    &NewIndicator {
                        task: task_id(&task)?,
                        name: text(&name)?,
                        measure,
                        year,
                        annual_target: value(parse_number(&target))?,
                    },
                )
                .await
                .map_err(store_error)?;
            print_indicators(global, &[i]);
            Ok(())
        }
        IndicatorCommand::Record {
            id,
            period,
            value: v,
        } => {
            let i = store
                .record_indicator(
                    &actor(global)?,
                    problem_id(&id)?,
                    period_end(&period)?,
                    value(parse_number(&v))?,
                )
                .await
                .map_err(store_error)?;
            print_indicators(global, &[i]);
            Ok(())
        }
        IndicatorCommand::List { task } => {
            let list = store
                .indicators(task.map(|t| task_id(&t)).transpose()?, None)
                .await
                .map_err(store_error)?;
            print_indicators(global, &list);
            Ok(())
        }
    }
}

async fn evaluate(store: &Store, global: &Global, args: EvaluateArgs) -> Result<(), UserError> {
    let Some(period) = args.period else {
        return Err(user_error(
            "missing_argument",
            "请用 --period 指定考核期间，例如 2026-11。",
        ));
    };
    let period = value(EvalPeriod::parse(&period))?;
    let rules = match &args.rules {
        Some(p) => value(EvaluationRules::from_json(&read_file(p)?))?,
        None => EvaluationRules::default(),
    };
    let warning = match &args.warning_rules {
        Some(p) => value(WarningRules::from_json(&read_file(p)?))?,
        None => WarningRules::default(),
    };
    let e = store
        .evaluate(period, &rules, &warning)
        .await
        .map_err(store_error)?;
    if let Some(path) = &args.xlsx {
        let bytes = xlsx::write_evaluation(&e)
            .map_err(|err| user_error("xlsx_write_failed", err.to_string()))?;
        std::fs::write(path, bytes)
            .map_err(|err| user_error("io_write", format!("无法写入 {}：{err}", path.display())))?;
    }
    if global.json {
        print_json(&json!({
            "period": {"from": e.period.from.to_string(), "to": e.period.to.to_string()},
            "counted_until": e.counted_until.to_string(),
            "units": e.units.iter().map(|u| json!({
                "rank": u.rank, "unit": u.unit.name.as_str(), "score": u.score.score,
                "report_rate": u.score.report_rate, "completion_rate": u.score.completion_rate,
                "reports_due": u.facts.reports_due, "reports_on_time": u.facts.reports_on_time,
                "tasks_due": u.facts.tasks_due, "tasks_on_time": u.facts.tasks_on_time,
                "returned_reports": u.facts.returned_reports, "reports_filed": u.facts.reports_filed,
                "cards": u.facts.cards.iter().map(|(t, n)| json!({"tier": t, "count": n})).collect::<Vec<_>>(),
                "consequences": u.score.consequences.iter().map(|c| json!({
                    "code": c.code, "label": c.label, "count": c.count, "points": c.points,
                })).collect::<Vec<_>>(),
                "reports_asked": u.score.reports_asked, "fields_asked": u.score.fields_asked,
            })).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
    println!("单位考核排名（{}，统计至 {}）", e.period, e.counted_until);
    for u in &e.units {
        let outcome = u
            .score
            .consequences
            .iter()
            .map(|c| format!("{} {} 次", c.label, c.count))
            .collect::<Vec<_>>()
            .join("、");
        println!(
            "{:>3}. {}　{:.1} 分　按时报送 {}%　按时完成 {}%　要求报送 {} 次、填报 {} 项{}",
            u.rank,
            u.unit.name,
            u.score.score,
            u.score.report_rate,
            u.score.completion_rate,
            u.score.reports_asked,
            u.score.fields_asked,
            if outcome.is_empty() {
                String::new()
            } else {
                format!("　处理：{outcome}")
            }
        );
    }
    Ok(())
}
