//! The `luoshi` command line: parses arguments and dispatches. Glue only.

mod extract_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// luoshi (落实): from a meeting communiqué to closed tasks.
#[derive(Debug, Parser)]
#[command(name = "luoshi", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Extract the meeting and its task tree from a communiqué
    /// (.txt in UTF-8/UTF-16/GB18030/Big5, .html, .docx).
    Extract(extract_cmd::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Extract(args) => extract_cmd::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
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
            _ => 65,
        }
    }
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "错误 [{}]：{}", self.code, self.message)
    }
}
