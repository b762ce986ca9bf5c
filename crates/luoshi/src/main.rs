//! The `luoshi` command line: parses arguments and dispatches. Glue only.

// mimalloc: the server allocates many small, short-lived values per
// request (rows, DTOs, JSON); see docs/benchmarks.md for the measurement.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod account_cmd;
mod demo;
mod extract_cmd;
mod ledger_cmd;
mod problem_cmd;
mod serve_cmd;
mod supervise_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The command line speaks the interface's language (Chinese); the help
/// texts are therefore given as attributes rather than doc comments.
#[derive(Debug, Parser)]
#[command(
    name = "luoshi",
    version,
    about = "落实：从会议通稿到任务销号的贯彻落实全流程。",
    help_template = "{about}\n\n用法：{usage}\n\n{all-args}",
    subcommand_help_heading = "命令",
    disable_help_subcommand = true,
    disable_help_flag = true,
    disable_version_flag = true
)]
struct Cli {
    #[arg(short = 'h', long, action = clap::ArgAction::Help, global = true, help = "显示帮助", help_heading = "选项")]
    help: Option<bool>,
    #[arg(short = 'V', long, action = clap::ArgAction::Version, help = "显示版本", help_heading = "选项")]
    version: Option<bool>,
    #[command(flatten)]
    global: ledger_cmd::Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Extracts the meeting and its task tree from a communiqué.
    #[command(
        about = "从会议通稿中提取会议信息和任务树（支持 .txt、.html、.docx；UTF-8、GB18030、Big5 等编码）。",
        help_template = "{about}\n\n用法：{usage}\n\n{all-args}",
        disable_help_flag = true
    )]
    Extract(extract_cmd::Args),
    /// Extracts a communiqué and stores its tasks as drafts.
    #[command(
        about = "导入通稿：提取任务树并存入台账（待交办）",
        disable_help_flag = true
    )]
    Ingest {
        #[arg(value_name = "文件", help = "通稿文件；用 - 表示从标准输入读取")]
        file: std::path::PathBuf,
    },
    /// Writes the ledger as an Excel sheet.
    #[command(
        about = "导出 Excel 任务台账（可按单位、状态、超期筛选）",
        disable_help_flag = true
    )]
    Export(ledger_cmd::ExportArgs),
    /// Reads an Excel ledger into the database.
    #[command(
        about = "导入 Excel 任务台账：先逐格校验，有任何错误则不导入",
        disable_help_flag = true
    )]
    Import {
        #[arg(long, value_name = "文件", help = "要导入的 Excel 台账（.xlsx）")]
        xlsx: std::path::PathBuf,
    },
    /// Writes a consistent backup of the whole ledger while others may write.
    #[command(
        about = "备份整个台账（含留痕）到一个新文件；运行中也可备份，不覆盖已有文件",
        disable_help_flag = true
    )]
    Backup {
        #[arg(
            value_name = "文件",
            help = "备份文件（SQLite 格式，两种数据库通用）；不能已存在"
        )]
        file: std::path::PathBuf,
    },
    /// Restores a backup into an empty database.
    #[command(
        about = "把备份恢复到空数据库（编号不变，留痕可核验）；数据库非空则拒绝",
        disable_help_flag = true
    )]
    Restore {
        #[arg(value_name = "文件", help = "luoshi backup 写出的备份文件")]
        file: std::path::PathBuf,
    },
    /// Units (单位).
    #[command(about = "单位：新增、列出", disable_help_flag = true)]
    Unit {
        #[command(subcommand)]
        command: ledger_cmd::UnitCommand,
    },
    /// Tasks (任务).
    #[command(
        about = "任务：交办、列出、查看、申请办结、销号、退回、暂缓、恢复",
        disable_help_flag = true
    )]
    Task {
        #[command(subcommand)]
        command: ledger_cmd::TaskCommand,
    },
    /// Progress reports (进展反馈).
    #[command(
        about = "进展反馈：填报、审核、到期提醒、贯彻落实情况汇报",
        disable_help_flag = true
    )]
    Report {
        #[command(subcommand)]
        command: ledger_cmd::ReportCommand,
    },
    /// User accounts (用户), for the operator.
    #[command(
        about = "用户：新增、列出、重置密码（在服务器上直接操作数据库）",
        disable_help_flag = true
    )]
    User {
        #[command(subcommand)]
        command: account_cmd::UserCommand,
    },
    /// API tokens (访问令牌), for the operator.
    #[command(
        about = "访问令牌：为用户创建（供脚本调用接口）",
        disable_help_flag = true
    )]
    Token {
        #[command(subcommand)]
        command: account_cmd::TokenCommand,
    },
    /// Serves the ledger as a JSON API over HTTP.
    #[command(
        about = "启动服务：以 JSON 接口（/api/v1）提供台账，接口说明见 /api/openapi.json；收到 SIGTERM 或 Ctrl-C 时处理完进行中的请求后停止",
        disable_help_flag = true
    )]
    Serve(serve_cmd::ServeArgs),
    /// Development facilities.
    #[command(about = "开发工具：生成演示数据", disable_help_flag = true)]
    Dev {
        #[command(subcommand)]
        command: ledger_cmd::DevCommand,
    },
    /// Supervision (督办): the warning rules.
    #[command(
        about = "督办：按预警规则研判，发出黄牌、红牌",
        disable_help_flag = true
    )]
    Supervise {
        #[command(subcommand)]
        command: supervise_cmd::SuperviseCommand,
    },
    /// Warning cards (预警).
    #[command(about = "预警（红黄牌）：列出、解除", disable_help_flag = true)]
    Card {
        #[command(subcommand)]
        command: supervise_cmd::CardCommand,
    },
    /// The problem list (问题清单).
    #[command(
        about = "问题清单：登记、列出、查看、相似问题、整改、销号",
        disable_help_flag = true
    )]
    Problem {
        #[command(subcommand)]
        command: problem_cmd::ProblemCommand,
    },
    /// Indicators (指标).
    #[command(about = "指标：设定、填报完成值、列出进度", disable_help_flag = true)]
    Indicator {
        #[command(subcommand)]
        command: problem_cmd::IndicatorCommand,
    },
    /// Unit evaluation (考核).
    #[command(
        about = "单位考核：按期间计算得分和排名（含报送负担），可导出 Excel",
        disable_help_flag = true
    )]
    Evaluate(problem_cmd::EvaluateArgs),
    /// The audit trail (留痕).
    #[command(about = "留痕：核验", disable_help_flag = true)]
    Audit {
        #[command(subcommand)]
        command: ledger_cmd::AuditCommand,
    },
}

fn main() -> ExitCode {
    let parsed = localized(<Cli as clap::CommandFactory>::command())
        .try_get_matches()
        .and_then(|m| {
            // Whether --database / LUOSHI_DATABASE_URL was given, so that a
            // config file's database ranks below them but above the default.
            let given = |m: &clap::ArgMatches| {
                m.value_source("database")
                    .is_some_and(|s| s != clap::parser::ValueSource::DefaultValue)
            };
            let database_given = given(&m) || m.subcommand().is_some_and(|(_, sub)| given(sub));
            <Cli as clap::FromArgMatches>::from_arg_matches(&m).map(|cli| (cli, database_given))
        });
    let (cli, database_given) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => return usage_error(&e),
    };
    let result = match cli.command {
        Command::Extract(args) => extract_cmd::run(&args),
        Command::Ingest { file } => {
            ledger_cmd::run(&cli.global, ledger_cmd::Command::Ingest { file })
        }
        Command::Export(args) => ledger_cmd::run(&cli.global, ledger_cmd::Command::Export(args)),
        Command::Import { xlsx } => {
            ledger_cmd::run(&cli.global, ledger_cmd::Command::Import { xlsx })
        }
        Command::Backup { file } => {
            ledger_cmd::run(&cli.global, ledger_cmd::Command::Backup { file })
        }
        Command::Restore { file } => {
            ledger_cmd::run(&cli.global, ledger_cmd::Command::Restore { file })
        }
        Command::Unit { command } => {
            ledger_cmd::run(&cli.global, ledger_cmd::Command::Unit(command))
        }
        Command::Task { command } => {
            ledger_cmd::run(&cli.global, ledger_cmd::Command::Task(command))
        }
        Command::Report { command } => {
            ledger_cmd::run(&cli.global, ledger_cmd::Command::Report(command))
        }
        Command::User { command } => {
            account_cmd::run(&cli.global, account_cmd::Command::User(command))
        }
        Command::Token { command } => {
            account_cmd::run(&cli.global, account_cmd::Command::Token(command))
        }
        Command::Serve(args) => serve_cmd::config(&args, &cli.global.database, database_given)
            .and_then(|config| serve_cmd::run(&config, args.demo)),
        Command::Dev { command } => ledger_cmd::run(&cli.global, ledger_cmd::Command::Dev(command)),
        Command::Supervise { command } => {
            supervise_cmd::run(&cli.global, supervise_cmd::Command::Supervise(command))
        }
        Command::Card { command } => {
            supervise_cmd::run(&cli.global, supervise_cmd::Command::Card(command))
        }
        Command::Problem { command } => {
            problem_cmd::run(&cli.global, problem_cmd::Command::Problem(command))
        }
        Command::Indicator { command } => {
            problem_cmd::run(&cli.global, problem_cmd::Command::Indicator(command))
        }
        Command::Evaluate(args) => {
            problem_cmd::run(&cli.global, problem_cmd::Command::Evaluate(args))
        }
        Command::Audit { command } => {
            ledger_cmd::run(&cli.global, ledger_cmd::Command::Audit(command))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Gives every command and subcommand the Chinese help layout.
fn localized(cmd: clap::Command) -> clap::Command {
    cmd.help_template("{about}\n\n用法：{usage}\n\n{all-args}")
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        .mut_args(|a| match a.get_help_heading() {
            Some(_) => a,
            None if a.is_positional() => a.help_heading("参数"),
            None => a.help_heading("选项"),
        })
        .mut_subcommands(localized)
}

/// Reports a command-line mistake in Chinese (help and version pass
/// through as clap prints them).
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ErrorKind};
    let what = |kind| e.get(kind).map(ToString::to_string).unwrap_or_default();
    let message = match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
        ErrorKind::MissingRequiredArgument => {
            format!("缺少参数：{}", what(ContextKind::InvalidArg))
        }
        ErrorKind::InvalidValue => format!(
            "参数 {} 的取值“{}”无效，可选：{}",
            what(ContextKind::InvalidArg),
            what(ContextKind::InvalidValue),
            what(ContextKind::ValidValue)
        ),
        ErrorKind::UnknownArgument => format!("无法识别的参数：{}", what(ContextKind::InvalidArg)),
        ErrorKind::InvalidSubcommand => {
            format!("没有这个命令：{}", what(ContextKind::InvalidSubcommand))
        }
        _ => "命令行参数有误".to_string(),
    };
    eprintln!("错误 [usage]：{message}。运行 luoshi --help 查看用法。");
    ExitCode::from(2)
}

/// An error that reaches the user: a Chinese message with a stable code.
#[derive(Debug)]
pub struct UserError {
    pub code: &'static str,
    pub message: String,
}

impl UserError {
    fn exit_code(&self) -> u8 {
        match self.code {
            "io_read" | "io_write" => 74,
            "config_invalid" | "config_unreadable" => 78,
            "listen_failed" => 69,
            _ => 65,
        }
    }
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "错误 [{}]：{}", self.code, self.message)
    }
}
