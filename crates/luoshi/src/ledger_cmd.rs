//! The ledger (台账) on the command line: ingest, units, assignment,
//! progress reports, completion, the Excel ledger, and the audit check. Each command opens
//! the store named by `--database`, does one thing, and prints the records
//! it touched as Chinese text or, with `--json`, as JSON.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use luoshi_core::xlsx;
use luoshi_core::{
    Date, Ledger, NewAssignment, NewDocument, NewReport, Percent, Period, PersonName,
    ProgressReport, Status, StatusFilter, Store, SystemClock, Task, TaskFilter, TaskId, Text, Unit,
    UnitName, VerifyReport,
};
use serde_json::{Value, json};

use crate::UserError;

/// Options every ledger command shares.
#[derive(Debug, clap::Args)]
pub struct Global {
    /// sqlite://PATH (default ./luoshi.db) or postgres://…
    #[arg(
        long,
        global = true,
        env = "LUOSHI_DATABASE_URL",
        value_name = "URL",
        default_value = luoshi_core::DEFAULT_DATABASE_URL,
        help = "数据库：sqlite://路径（默认 ./luoshi.db）或 postgres://…",
        help_heading = "选项"
    )]
    pub database: String,
    /// Who acts, for the audit trail; default the operating-system user.
    #[arg(
        long,
        global = true,
        env = "LUOSHI_ACTOR",
        value_name = "姓名",
        help = "操作人（记入留痕）；默认为操作系统用户名",
        help_heading = "选项"
    )]
    pub actor: Option<String>,
    /// Print records as JSON.
    #[arg(long, global = true, help = "以 JSON 输出", help_heading = "选项")]
    pub json: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum UnitCommand {
    /// Adds a unit.
    #[command(about = "新增单位")]
    Add {
        #[arg(value_name = "名称", help = "单位名称")]
        name: String,
        #[arg(long, value_name = "上级", help = "上级单位名称")]
        parent: Option<String>,
    },
    /// Lists the units.
    #[command(about = "列出单位")]
    List,
    /// Renames a unit (its tasks and reports follow).
    #[command(about = "单位更名（其任务和反馈随之更名）")]
    Rename {
        #[arg(value_name = "原名称")]
        name: String,
        #[arg(value_name = "新名称")]
        new_name: String,
    },
    /// Moves a unit under another parent, or to the top level.
    #[command(about = "调整单位隶属关系")]
    Move {
        #[arg(value_name = "名称")]
        name: String,
        #[arg(
            long,
            value_name = "上级",
            help = "新的上级单位",
            conflicts_with = "top"
        )]
        parent: Option<String>,
        #[arg(long, help = "改为不隶属任何单位的顶层单位")]
        top: bool,
    },
}

/// What `luoshi export` writes.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[arg(long, value_name = "文件", help = "写出的 Excel 台账（.xlsx）")]
    pub xlsx: PathBuf,
    #[arg(long, value_name = "单位", help = "只导出该单位牵头或配合的任务")]
    pub unit: Option<String>,
    #[arg(
        long,
        value_name = "状态",
        help = "draft、assigned、in_progress、completion_requested、closed、suspended 或 open"
    )]
    pub status: Option<String>,
    #[arg(long, help = "只导出已超期的任务")]
    pub overdue: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum TaskCommand {
    /// Assigns a task.
    #[command(about = "交办任务：牵头单位、配合单位、责任人、完成时限")]
    Assign {
        #[arg(value_name = "任务号")]
        id: String,
        #[arg(long, value_name = "单位", help = "牵头单位")]
        lead: String,
        #[arg(long = "co", value_name = "单位", help = "配合单位（可多次给出）")]
        co: Vec<String>,
        #[arg(long, value_name = "YYYY-MM-DD", help = "完成时限")]
        due: String,
        #[arg(long, value_name = "姓名", help = "责任人")]
        owner: Option<String>,
    },
    /// Lists tasks.
    #[command(about = "列出任务")]
    List {
        #[arg(long, value_name = "单位", help = "只看该单位牵头或配合的任务")]
        unit: Option<String>,
        #[arg(
            long,
            value_name = "状态",
            help = "draft、assigned、in_progress、completion_requested、closed、suspended 或 open"
        )]
        status: Option<String>,
        #[arg(long, help = "只看已超期的任务")]
        overdue: bool,
    },
    /// Shows one task with its timeline.
    #[command(about = "查看任务及其进展和留痕")]
    Show {
        #[arg(value_name = "任务号")]
        id: String,
    },
    /// Requests completion with evidence.
    #[command(name = "request-close", about = "申请办结（附佐证材料）")]
    RequestClose {
        #[arg(value_name = "任务号")]
        id: String,
        #[arg(long, value_name = "文字", help = "佐证材料")]
        evidence: String,
    },
    /// Accepts a completion request.
    #[command(about = "同意办结，销号")]
    Close {
        #[arg(value_name = "任务号")]
        id: String,
    },
    /// Returns a completion request, optionally with the new date by which
    /// completion is to be requested again.
    #[command(about = "退回办结申请")]
    Return {
        #[arg(value_name = "任务号")]
        id: String,
        #[arg(long, value_name = "文字", help = "退回理由")]
        reason: String,
        #[arg(
            long = "new-date",
            value_name = "YYYY-MM-DD",
            help = "整改/重新办结期限：逾期仍未重新申请办结的，按预警规则亮牌"
        )]
        new_date: Option<String>,
    },
    /// Suspends a task.
    #[command(about = "暂缓任务")]
    Suspend {
        #[arg(value_name = "任务号")]
        id: String,
        #[arg(long, value_name = "文字", help = "暂缓理由")]
        reason: String,
    },
    /// Resumes a suspended task.
    #[command(about = "恢复暂缓的任务")]
    Resume {
        #[arg(value_name = "任务号")]
        id: String,
    },
    /// Sets a task's reporting cycle (see supervise_cmd).
    #[command(about = "设置任务的反馈周期：每周、每两周、每月、每季度或指定日期")]
    Cycle(crate::supervise_cmd::CycleArgs),
}

#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// Files a progress report; with `--tasks` one report for several tasks
    /// of the unit (合并反馈, all or nothing).
    #[command(about = "填报任务进展；用 --tasks 1,2,3 为本单位的多项任务合并填报一份进展")]
    Add {
        #[arg(
            value_name = "任务号",
            required_unless_present = "tasks",
            conflicts_with = "tasks"
        )]
        id: Option<String>,
        #[arg(
            long,
            value_name = "任务号,…",
            value_delimiter = ',',
            num_args = 1..,
            help = "合并反馈：同一份进展填报到这些任务（至少两项；单位须是每项任务的牵头或配合单位）"
        )]
        tasks: Vec<String>,
        #[arg(long, value_name = "文字", help = "已完成的工作")]
        done: String,
        #[arg(long = "next", value_name = "文字", help = "下一步举措")]
        next: Option<String>,
        #[arg(long, value_name = "0-100", help = "完成进度（百分比）")]
        percent: i64,
        #[arg(
            long,
            value_name = "周期",
            help = "反馈周期，如 2026年11月；默认为本月"
        )]
        period: Option<String>,
        #[arg(long, value_name = "文字", help = "遇到的问题")]
        problems: Option<String>,
        #[arg(long, value_name = "文字", help = "佐证材料")]
        evidence: Option<String>,
        #[arg(long, value_name = "单位", help = "填报单位")]
        unit: Option<String>,
    },
    /// Accepts a submitted progress report.
    #[command(about = "审核通过进展反馈")]
    Accept {
        #[arg(value_name = "反馈号")]
        id: String,
        #[arg(long, value_name = "文字", help = "审核意见")]
        note: Option<String>,
    },
    /// Returns a submitted progress report for the unit to report again.
    #[command(about = "退回进展反馈，请单位重新填报")]
    Return {
        #[arg(value_name = "反馈号")]
        id: String,
        #[arg(long, value_name = "文字", help = "退回理由")]
        reason: String,
    },
    /// Reports due soon or missed (see supervise_cmd).
    #[command(about = "列出即将到期和已逾期未报的进展反馈")]
    Due(crate::supervise_cmd::DueArgs),
    /// The implementation status report as a Word file (see supervise_cmd).
    #[command(about = "生成贯彻落实情况汇报（Word 文档）")]
    Status(crate::supervise_cmd::StatusArgs),
}

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Verifies the audit trail against the current rows.
    #[command(about = "核验留痕：校验哈希链，并核对每张表的当前数据与留痕是否一致")]
    Verify,
}

#[derive(Debug, clap::Subcommand)]
pub enum DevCommand {
    /// Fills an empty database with a generated, realistic ledger (for
    /// development and benchmarks); every row is in the audit trail.
    #[command(about = "向空数据库写入生成的演示台账（单位、通稿、任务、交办、进展反馈，全部留痕）")]
    Seed {
        #[arg(long, default_value_t = 2000, help = "单位数（含省级）")]
        units: u64,
        #[arg(long, default_value_t = 100_000, help = "任务数（含主题）")]
        tasks: u64,
        #[arg(long, default_value_t = 1_000_000, help = "进展反馈数")]
        reports: u64,
        #[arg(long, default_value_t = 1, help = "随机种子：相同种子生成相同数据")]
        seed: u64,
    },
}

/// A ledger command, as dispatched from `main`.
#[derive(Debug)]
pub enum Command {
    Ingest { file: PathBuf },
    Export(ExportArgs),
    Import { xlsx: PathBuf },
    Backup { file: PathBuf },
    Restore { file: PathBuf },
    Unit(UnitCommand),
    Task(TaskCommand),
    Report(ReportCommand),
    Audit(AuditCommand),
    Dev(DevCommand),
}

pub(crate) fn user_error(code: &'static str, message: impl Into<String>) -> UserError {
    UserError {
        code,
        message: message.into(),
    }
}

pub(crate) fn store_error(e: luoshi_core::StoreError) -> UserError {
    user_error(e.code(), e.to_string())
}

fn xlsx_error(e: xlsx::XlsxError) -> UserError {
    user_error(e.code(), e.to_string())
}

pub(crate) fn value<T>(r: Result<T, luoshi_core::ValueError>) -> Result<T, UserError> {
    r.map_err(|e| user_error(e.code(), e.to_string()))
}

/// Runs a ledger command to completion on a small runtime of its own.
pub fn run(global: &Global, command: Command) -> Result<(), UserError> {
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

pub(crate) fn actor(global: &Global) -> Result<PersonName, UserError> {
    let name = global
        .actor
        .clone()
        .or_else(|| {
            ["USER", "LOGNAME", "USERNAME"]
                .iter()
                .find_map(|v| std::env::var(v).ok())
        })
        .filter(|n| !n.trim().is_empty())
        .or_else(os_user)
        .unwrap_or_else(|| "未知用户".to_string());
    value(PersonName::parse(&name))
}

/// The login name of the user running the process, from /etc/passwd
/// (services started without a login environment have no $USER).
fn os_user() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let _password = f.next()?;
        (f.next()?.parse::<u32>().ok()? == uid).then(|| name.to_string())
    })
}

/// A moment as people here read it: Beijing time, to the second.
fn local_time(t: luoshi_core::Timestamp) -> String {
    let ms = t.millis() + 8 * 3_600_000;
    let day = luoshi_core::Date::from_days_since_epoch(ms.div_euclid(86_400_000));
    let s = ms.rem_euclid(86_400_000) / 1000;
    match day {
        Some(d) => format!("{d} {:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60),
        None => t.to_string(),
    }
}

/// The Chinese name of an audited action.
fn action_label(action: &str) -> &str {
    match action {
        "create" => "新建",
        "ingest" => "导入",
        "import" => "台账导入",
        "assign" => "交办",
        "report" => "反馈进展",
        "request_close" => "申请办结",
        "return" => "退回",
        "accept" => "通过",
        "close" => "销号",
        "suspend" => "暂缓",
        "resume" => "恢复",
        "seed" => "生成（演示数据）",
        other => other,
    }
}

/// The Chinese name of an audited table.
fn table_label(table: &str) -> &str {
    match table {
        "documents" => "文件",
        "meetings" => "会议",
        "tasks" => "任务",
        "units" => "单位",
        "assignments" => "交办",
        "progress_reports" => "进展",
        "co_units" | "task_co_units" => "配合单位",
        "audit_events" => "留痕",
        other => other,
    }
}

pub(crate) fn task_id(id: &str) -> Result<TaskId, UserError> {
    value(TaskId::parse(id.trim_start_matches(['t', 'T', '#'])))
}

pub(crate) fn text(s: &str) -> Result<Text, UserError> {
    value(Text::parse(s))
}

async fn dispatch(store: &Store, global: &Global, command: Command) -> Result<(), UserError> {
    let out = Output { json: global.json };
    match command {
        Command::Ingest { file } => {
            let bytes = crate::extract_cmd::read_input(&file)?;
            let source =
                luoshi_extract::decode(&bytes).map_err(|e| user_error(e.code(), e.to_string()))?;
            let extraction = luoshi_extract::extract(&source);
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .filter(|n| n != "-")
                .map(|n| value(luoshi_core::DocumentName::parse(&n)))
                .transpose()?;
            let doc = NewDocument {
                name: name.as_ref(),
                source: &source,
                extraction: &extraction,
            };
            let ingested = store
                .ingest(&actor(global)?, doc)
                .await
                .map_err(store_error)?;
            out.ingested(&ingested, luoshi_core::Clock::today(store.clock()));
        }
        Command::Export(args) => {
            let today = luoshi_core::Clock::today(store.clock());
            let filter = TaskFilter {
                unit: args.unit.map(|u| value(UnitName::parse(&u))).transpose()?,
                status: args
                    .status
                    .map(|s| value(StatusFilter::parse(&s)))
                    .transpose()?,
                overdue_on: args.overdue.then_some(today),
                ..TaskFilter::default()
            };
            let bytes = xlsx::export(store, &filter, today)
                .await
                .map_err(xlsx_error)?;
            std::fs::write(&args.xlsx, bytes).map_err(|e| {
                user_error("io_write", format!("无法写入 {}：{e}", args.xlsx.display()))
            })?;
            if out.json {
                out.print_json(&json!({ "file": args.xlsx.display().to_string() }));
            } else {
                println!("已导出任务台账：{}", args.xlsx.display());
            }
        }
        Command::Import { xlsx: file } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| user_error("io_read", format!("无法读取 {}：{e}", file.display())))?;
            let sheet = xlsx::read(&bytes).map_err(xlsx_error)?;
            let name = file
                .file_name()
                .map_or_else(|| "台账".to_owned(), |n| n.to_string_lossy().into_owned());
            let imported = store
                .import_ledger(&actor(global)?, &sheet, &name)
                .await
                .map_err(store_error)?;
            if out.json {
                out.print_json(&json!({
                    "documents": imported.documents.iter().map(|d| d.0).collect::<Vec<_>>(),
                    "tasks": imported.tasks.iter().map(|t| t.0).collect::<Vec<_>>(),
                    "units_created": imported.units_created.iter().map(UnitName::as_str).collect::<Vec<_>>(),
                }));
            } else {
                println!(
                    "已导入 {}：{} 份文件，{} 条任务（含主题），新建单位 {} 个{}",
                    file.display(),
                    imported.documents.len(),
                    imported.tasks.len(),
                    imported.units_created.len(),
                    if imported.units_created.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "：{}",
                            imported
                                .units_created
                                .iter()
                                .map(UnitName::as_str)
                                .collect::<Vec<_>>()
                                .join("、")
                        )
                    }
                );
            }
        }
        Command::Backup { file } => {
            let copied = store.backup(&file).await.map_err(store_error)?;
            out.copied("已备份到", &file, &copied);
        }
        Command::Restore { file } => {
            let copied = store.restore(&file).await.map_err(store_error)?;
            out.copied("已从备份恢复", &file, &copied);
        }
        Command::Unit(UnitCommand::Add { name, parent }) => {
            let name = value(UnitName::parse(&name))?;
            let parent = parent.map(|p| value(UnitName::parse(&p))).transpose()?;
            let unit = store
                .add_unit(&actor(global)?, &name, parent.as_ref())
                .await
                .map_err(store_error)?;
            out.units(&[unit]);
        }
        Command::Unit(UnitCommand::List) => {
            let units = store.units().await.map_err(store_error)?;
            out.units(&units);
        }
        Command::Unit(UnitCommand::Rename { name, new_name }) => {
            let name = value(UnitName::parse(&name))?;
            let new_name = value(UnitName::parse(&new_name))?;
            let version = store.unit(&name).await.map_err(store_error)?.version;
            let unit = store
                .change_unit(&actor(global)?, &name, version, Some(&new_name), None)
                .await
                .map_err(store_error)?;
            out.units(&[unit]);
        }
        Command::Unit(UnitCommand::Move { name, parent, top }) => {
            let name = value(UnitName::parse(&name))?;
            let parent = parent.map(|p| value(UnitName::parse(&p))).transpose()?;
            if parent.is_none() && !top {
                return Err(user_error(
                    "usage",
                    "请用 --parent 给出新的上级单位，或用 --top 改为顶层单位。",
                ));
            }
            let version = store.unit(&name).await.map_err(store_error)?.version;
            let unit = store
                .change_unit(&actor(global)?, &name, version, None, Some(parent.as_ref()))
                .await
                .map_err(store_error)?;
            out.units(&[unit]);
        }
        Command::Task(cmd) => task(store, global, &out, cmd).await?,
        Command::Report(ReportCommand::Add {
            id,
            tasks,
            done,
            next,
            percent,
            period,
            problems,
            evidence,
            unit,
        }) => {
            let today = luoshi_core::Clock::today(store.clock());
            if id.is_none() {
                let tasks = tasks
                    .iter()
                    .map(|t| task_id(t.trim()))
                    .collect::<Result<Vec<_>, _>>()?;
                let period =
                    period.unwrap_or_else(|| format!("{}年{}月", today.year(), today.month()));
                let report = NewReport {
                    unit: None,
                    period: value(Period::parse(&period))?,
                    done: text(&done)?,
                    next_steps: next.map(|n| text(&n)).transpose()?,
                    percent: value(Percent::new(percent))?,
                    problems: problems.map(|p| text(&p)).transpose()?,
                    evidence: evidence.map(|e| text(&e)).transpose()?,
                };
                let unit = match unit {
                    Some(u) => value(UnitName::parse(&u))?,
                    None => common_lead(store, &tasks).await?,
                };
                let saved = store
                    .add_shared_report(&actor(global)?, &unit, &tasks, &report)
                    .await
                    .map_err(store_error)?;
                out.reports(&saved);
                return Ok(());
            }
            let task = task_id(id.as_deref().unwrap_or_default())?;
            let period = period.unwrap_or_else(|| format!("{}年{}月", today.year(), today.month()));
            let report = NewReport {
                unit: unit.map(|u| value(UnitName::parse(&u))).transpose()?,
                period: value(Period::parse(&period))?,
                done: text(&done)?,
                next_steps: next.map(|n| text(&n)).transpose()?,
                percent: value(Percent::new(percent))?,
                problems: problems.map(|p| text(&p)).transpose()?,
                evidence: evidence.map(|e| text(&e)).transpose()?,
            };
            let saved = store
                .add_report(&actor(global)?, task, &report)
                .await
                .map_err(store_error)?;
            out.reports(&[saved]);
        }
        Command::Report(ReportCommand::Due(args)) => {
            crate::supervise_cmd::due(store, global, args).await?;
        }
        Command::Report(ReportCommand::Status(args)) => {
            crate::supervise_cmd::status(store, global, args).await?;
        }
        Command::Report(ReportCommand::Accept { id, note }) => {
            let saved = review(store, global, &id, true, note.as_deref()).await?;
            out.reports(&[saved]);
        }
        Command::Report(ReportCommand::Return { id, reason }) => {
            let saved = review(store, global, &id, false, Some(&reason)).await?;
            out.reports(&[saved]);
        }
        Command::Dev(DevCommand::Seed {
            units,
            tasks,
            reports,
            seed,
        }) => {
            let plan = luoshi_core::SeedPlan {
                units,
                tasks,
                reports,
                seed,
            };
            let started = std::time::Instant::now();
            let s = store
                .seed(&actor(global)?, &plan)
                .await
                .map_err(store_error)?;
            let seconds = started.elapsed().as_secs_f64();
            if out.json {
                println!(
                    "{}",
                    json!({
                        "units": s.units,
                        "documents": s.documents,
                        "tasks": s.tasks,
                        "co_units": s.co_units,
                        "reports": s.reports,
                        "events": s.events,
                        "seconds": seconds,
                    })
                );
            } else {
                println!(
                    "已生成演示数据：单位 {} 个，通稿 {} 份，任务 {} 项（配合单位 {} 条），进展反馈 {} 条，留痕 {} 条；用时 {seconds:.1} 秒。",
                    s.units, s.documents, s.tasks, s.co_units, s.reports, s.events
                );
            }
        }
        Command::Audit(AuditCommand::Verify) => {
            let report = store.verify().await.map_err(store_error)?;
            out.verify(&report);
            if !report.problems.is_empty() {
                return Err(user_error(
                    "audit_failed",
                    format!("留痕核验未通过：发现 {} 处问题。", report.problems.len()),
                ));
            }
        }
    }
    Ok(())
}

/// Reviews a progress report at the version it has now.
async fn review(
    store: &Store,
    global: &Global,
    id: &str,
    accept: bool,
    note: Option<&str>,
) -> Result<ProgressReport, UserError> {
    let id = value(luoshi_core::ReportId::parse(
        id.trim_start_matches(['r', 'R', '#']),
    ))?;
    let note = note.map(text).transpose()?;
    let version = store.report(id).await.map_err(store_error)?.version;
    store
        .review_report(&actor(global)?, id, version, accept, note.as_ref())
        .await
        .map_err(store_error)
}

async fn task(
    store: &Store,
    global: &Global,
    out: &Output,
    cmd: TaskCommand,
) -> Result<(), UserError> {
    // Writes name the version they read, so that a concurrent change makes
    // this one fail instead of silently overwriting it.
    let current = |id: TaskId| async move { store.task(id).await.map_err(store_error) };
    let task = match cmd {
        TaskCommand::Assign {
            id,
            lead,
            co,
            due,
            owner,
        } => {
            let id = task_id(&id)?;
            let assignment = NewAssignment {
                lead: value(UnitName::parse(&lead))?,
                co_units: co
                    .iter()
                    .map(|c| value(UnitName::parse(c)))
                    .collect::<Result<_, _>>()?,
                owner: owner.map(|o| value(PersonName::parse(&o))).transpose()?,
                deadline: value(Date::parse(&due))?,
            };
            let version = current(id).await?.version;
            store
                .assign(&actor(global)?, id, version, &assignment)
                .await
        }
        TaskCommand::List {
            unit,
            status,
            overdue,
        } => {
            let today = luoshi_core::Clock::today(store.clock());
            let filter = TaskFilter {
                unit: unit.map(|u| value(UnitName::parse(&u))).transpose()?,
                status: status.map(|s| value(StatusFilter::parse(&s))).transpose()?,
                overdue_on: overdue.then_some(today),
                ..TaskFilter::default()
            };
            let tasks = store.tasks(&filter).await.map_err(store_error)?;
            out.tasks(&tasks, today);
            return Ok(());
        }
        TaskCommand::Show { id } => {
            let detail = store
                .task_detail(task_id(&id)?)
                .await
                .map_err(store_error)?;
            out.detail(&detail, luoshi_core::Clock::today(store.clock()));
            return Ok(());
        }
        TaskCommand::RequestClose { id, evidence } => {
            let id = task_id(&id)?;
            let version = current(id).await?.version;
            store
                .request_close(&actor(global)?, id, version, &text(&evidence)?)
                .await
        }
        TaskCommand::Close { id } => {
            let id = task_id(&id)?;
            let version = current(id).await?.version;
            store.close_task(&actor(global)?, id, version).await
        }
        TaskCommand::Return {
            id,
            reason,
            new_date,
        } => {
            let id = task_id(&id)?;
            let new_date = new_date.map(|d| value(Date::parse(d.trim()))).transpose()?;
            let version = current(id).await?.version;
            store
                .return_task_until(&actor(global)?, id, version, &text(&reason)?, new_date)
                .await
        }
        TaskCommand::Suspend { id, reason } => {
            let id = task_id(&id)?;
            let version = current(id).await?.version;
            store
                .suspend(&actor(global)?, id, version, &text(&reason)?)
                .await
        }
        TaskCommand::Resume { id } => {
            let id = task_id(&id)?;
            let version = current(id).await?.version;
            store.resume(&actor(global)?, id, version).await
        }
        TaskCommand::Cycle(args) => return crate::supervise_cmd::cycle(store, global, args).await,
    }
    .map_err(store_error)?;
    out.tasks(&[task], luoshi_core::Clock::today(store.clock()));
    Ok(())
}

/// Prints records as Chinese text or JSON.
struct Output {
    json: bool,
}

fn task_json(t: &Task, today: Date) -> Value {
    json!({
        "id": t.id.0,
        "version": t.version.0,
        "document": t.document.0,
        "parent": t.parent.map(|p| p.0),
        "kind": if t.kind == luoshi_core::TaskKind::Theme { "theme" } else { "task" },
        "cue": t.cue,
        "title": t.title.as_str(),
        "text": t.text.as_str(),
        "span": [t.span.start(), t.span.end()],
        "due_text": t.due_text,
        "status": t.status.code(),
        "overdue": t.is_overdue(today),
        "assignment": t.assignment.as_ref().map(|a| json!({
            "lead": a.lead.name.as_str(),
            "co_units": a.co_units.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
            "owner": a.owner.as_ref().map(PersonName::as_str),
            "deadline": a.deadline.to_string(),
        })),
    })
}

fn report_json(r: &ProgressReport) -> Value {
    json!({
        "id": r.id.0,
        "task": r.task.0,
        "kind": r.kind.code(),
        "unit": r.unit.as_ref().map(|u| u.name.as_str()),
        "period": r.period.as_str(),
        "done": r.done.as_str(),
        "next_steps": r.next_steps.as_ref().map(Text::as_str),
        "percent": r.percent.value(),
        "problems": r.problems.as_ref().map(Text::as_str),
        "evidence": r.evidence.as_ref().map(Text::as_str),
        "review": r.review.code(),
        "review_note": r.review_note,
        "reported_by": r.reported_by.as_str(),
        "created_at": r.created_at.to_string(),
    })
}

fn unit_json(u: &Unit) -> Value {
    json!({"id": u.id.0, "name": u.name.as_str(), "parent": u.parent.as_ref().map(|p| p.name.as_str())})
}

fn status_label(s: Status, overdue: bool) -> String {
    if overdue {
        format!("{}·超期", s.label())
    } else {
        s.label().to_string()
    }
}

impl Output {
    fn print_json(&self, v: &Value) {
        println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
    }

    fn copied(&self, done: &str, file: &Path, copied: &luoshi_core::backup::Copied) {
        if self.json {
            let tables: serde_json::Map<String, Value> = copied
                .tables
                .iter()
                .map(|(t, n)| (t.clone(), json!(n)))
                .collect();
            self.print_json(&json!({
                "file": file.display().to_string(),
                "rows": copied.total(),
                "tables": tables,
            }));
        } else {
            let parts: Vec<String> = copied
                .tables
                .iter()
                .map(|(t, n)| format!("{} {n}", table_label(t)))
                .collect();
            println!(
                "{done} {}：共 {} 条记录（{}）",
                file.display(),
                copied.total(),
                parts.join("，")
            );
        }
    }

    fn ingested(&self, i: &luoshi_core::Ingested, today: Date) {
        if self.json {
            self.print_json(&json!({
                "document": i.document.id.0,
                "meeting": {"title": i.meeting.title, "date": i.meeting.held_on, "body": i.meeting.body, "chair": i.meeting.chair},
                "tasks": i.tasks.iter().map(|t| task_json(t, today)).collect::<Vec<_>>(),
            }));
            return;
        }
        println!(
            "已入库文件 {}：{}",
            i.document.id,
            i.meeting.title.as_deref().unwrap_or("（无标题）")
        );
        println!(
            "会议：{}　{}　主持：{}",
            i.meeting.held_on.as_deref().unwrap_or("日期不详"),
            i.meeting.body.as_deref().unwrap_or("召开单位不详"),
            i.meeting.chair.as_deref().unwrap_or("—")
        );
        println!("任务 {} 项（待交办）：", i.tasks.len());
        for t in &i.tasks {
            let indent = if t.parent.is_some() { "    " } else { "" };
            let due = t
                .due_text
                .as_deref()
                .map(|d| format!("　时限：{d}"))
                .unwrap_or_default();
            println!("{indent}[{}] {}{due}", t.id, t.title);
        }
    }

    fn units(&self, units: &[Unit]) {
        if self.json {
            self.print_json(&Value::Array(units.iter().map(unit_json).collect()));
            return;
        }
        if units.is_empty() {
            println!("还没有单位。用 luoshi unit add 名称 新增。");
        }
        for u in units {
            match &u.parent {
                Some(p) => println!("[{}] {}（上级：{}）", u.id, u.name, p.name),
                None => println!("[{}] {}", u.id, u.name),
            }
        }
    }

    fn tasks(&self, tasks: &[Task], today: Date) {
        if self.json {
            self.print_json(&Value::Array(
                tasks.iter().map(|t| task_json(t, today)).collect(),
            ));
            return;
        }
        if tasks.is_empty() {
            println!("没有符合条件的任务。");
        }
        for t in tasks {
            let who = t
                .assignment
                .as_ref()
                .map(|a| {
                    let co = if a.co_units.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "　配合：{}",
                            a.co_units
                                .iter()
                                .map(|u| u.name.as_str())
                                .collect::<Vec<_>>()
                                .join("、")
                        )
                    };
                    format!("　牵头：{}{co}　时限：{}", a.lead.name, a.deadline)
                })
                .unwrap_or_default();
            println!(
                "[{}] {}　〔{}〕{who}",
                t.id,
                t.title,
                status_label(t.status, t.is_overdue(today))
            );
        }
    }

    fn reports(&self, reports: &[ProgressReport]) {
        if self.json {
            self.print_json(&Value::Array(reports.iter().map(report_json).collect()));
            return;
        }
        for r in reports {
            println!(
                "已填报进展 {}（任务 {}，{}）：{}%　{}",
                r.id,
                r.task,
                r.period,
                r.percent.value(),
                r.done
            );
        }
    }

    fn detail(&self, d: &luoshi_core::TaskDetail, today: Date) {
        if self.json {
            self.print_json(&json!({
                "task": task_json(&d.task, today),
                "reports": d.reports.iter().map(report_json).collect::<Vec<_>>(),
                "events": d.events.iter().map(|e| json!({
                    "id": e.id.0, "at": e.at.to_string(), "actor": e.actor, "table": e.table,
                    "entity_id": e.entity_id, "action": e.action, "note": e.note,
                })).collect::<Vec<_>>(),
            }));
            return;
        }
        let t = &d.task;
        println!(
            "[{}] {}　〔{}〕",
            t.id,
            t.title,
            status_label(t.status, t.is_overdue(today))
        );
        println!("原文：{}", t.text);
        if let Some(a) = &t.assignment {
            let co: Vec<&str> = a.co_units.iter().map(|u| u.name.as_str()).collect();
            println!(
                "牵头：{}　配合：{}　责任人：{}　时限：{}",
                a.lead.name,
                if co.is_empty() {
                    "—".to_string()
                } else {
                    co.join("、")
                },
                a.owner.as_ref().map_or("—", PersonName::as_str),
                a.deadline
            );
        }
        if !d.reports.is_empty() {
            println!("进展：");
            for r in &d.reports {
                println!(
                    "  {}　{}%　{}　〔{}〕",
                    r.period,
                    r.percent.value(),
                    r.done,
                    r.review.label()
                );
            }
        }
        println!("留痕：");
        for e in &d.events {
            let note = e
                .note
                .as_deref()
                .map(|n| format!("　{n}"))
                .unwrap_or_default();
            println!(
                "  {}　{}　{}{}{note}",
                local_time(e.at),
                e.actor,
                action_label(&e.action),
                table_label(&e.table)
            );
        }
    }

    fn verify(&self, r: &VerifyReport) {
        if self.json {
            self.print_json(&json!({
                "events": r.events,
                "rows": r.rows,
                "head": r.head.as_ref().map(|(id, hash)| json!({"event": id.0, "hash": hash})),
                "problems": r.problems.iter().map(|p| json!({
                    "code": p.code(), "table": p.table(), "id": p.id(), "message": p.to_string(),
                })).collect::<Vec<_>>(),
            }));
            return;
        }
        if r.problems.is_empty() {
            println!(
                "留痕核验通过：{} 条留痕，{} 行数据，与留痕一致。",
                r.events, r.rows
            );
        }
        for p in &r.problems {
            println!("[{}] {}", p.code(), p);
        }
    }
}

/// The lead unit all of `tasks` share: the unit a combined report is filed
/// for when `--unit` is not given.
async fn common_lead(store: &Store, tasks: &[TaskId]) -> Result<UnitName, UserError> {
    let mut lead: Option<UnitName> = None;
    for id in tasks {
        let task = store.task(*id).await.map_err(store_error)?;
        let this = task.assignment.as_ref().map(|a| a.lead.name.clone());
        match (&lead, this) {
            (_, None) => {
                return Err(user_error(
                    "task_not_assigned",
                    format!("任务 {} 尚未交办，不能填报进展。", id.0),
                ));
            }
            (None, Some(u)) => lead = Some(u),
            (Some(l), Some(u)) if *l == u => {}
            (Some(_), Some(_)) => {
                return Err(user_error(
                    "usage",
                    "这些任务的牵头单位不同，请用 --unit 指定填报单位。",
                ));
            }
        }
    }
    lead.ok_or_else(|| user_error("usage", "请用 --tasks 给出至少两项任务。"))
}
