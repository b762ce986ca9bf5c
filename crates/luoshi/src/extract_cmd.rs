//! `luoshi extract FILE|-`: prints the document model as JSON, or as an
//! indented tree on a terminal.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

use clap::ValueEnum;
use luoshi_extract::{Extraction, Task, TaskKind};

use crate::UserError;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The document to read; `-` reads standard input.
    #[arg(
        value_name = "文件",
        help = "要读取的通稿文件；用 - 表示从标准输入读取",
        help_heading = "参数"
    )]
    pub file: PathBuf,
    /// Output format. Default: `tree` on a terminal, `json` otherwise.
    #[arg(
        long,
        value_enum,
        value_name = "格式",
        hide_possible_values = true,
        help = "输出格式：json（提取结果，供程序使用）或 tree（任务树，供人阅读）；默认终端上为 tree，重定向时为 json",
        help_heading = "选项"
    )]
    pub format: Option<Format>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The extraction contract as pretty-printed JSON.
    #[value(help = "提取结果的 JSON（供程序使用）")]
    Json,
    /// An indented tree of themes and tasks for reading.
    #[value(help = "缩进的任务树（供人阅读）")]
    Tree,
}

/// Refuse inputs larger than this: no communiqué comes near it, and a
/// mistaken path to a disk image should fail fast.
const MAX_INPUT: u64 = 64 * 1024 * 1024;

pub fn read_input(path: &PathBuf) -> Result<Vec<u8>, UserError> {
    let io_err = |e: std::io::Error| UserError {
        code: "io_read",
        message: format!("无法读取“{}”：{}", path.display(), io_error_zh(&e)),
    };
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut bytes)
            .map_err(io_err)?;
    } else {
        if path.is_dir() {
            return Err(UserError {
                code: "io_read",
                message: format!("“{}”是文件夹，请给出一个文件。", path.display()),
            });
        }
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_INPUT + 1).read_to_end(&mut bytes))
            .map_err(io_err)?;
    }
    if bytes.len() as u64 > MAX_INPUT {
        return Err(UserError {
            code: "input_too_large",
            message: "文件超过 64 MB，不像是一份会议通稿。".into(),
        });
    }
    Ok(bytes)
}

fn io_error_zh(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "文件不存在".into(),
        PermissionDenied => "没有读取权限".into(),
        _ => format!("读取失败（{e}）"),
    }
}

pub fn run(args: &Args) -> Result<(), UserError> {
    let bytes = read_input(&args.file)?;
    let doc = luoshi_extract::extract_bytes(&bytes).map_err(|e| UserError {
        code: e.code(),
        message: e.to_string(),
    })?;
    let stdout = std::io::stdout();
    let format = args.format.unwrap_or(if stdout.is_terminal() {
        Format::Tree
    } else {
        Format::Json
    });
    let out = match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&doc).map_err(|e| UserError {
                code: "internal",
                message: format!("无法生成 JSON：{e}"),
            })?;
            s.push('\n');
            s
        }
        Format::Tree => tree(&doc),
    };
    let mut lock = stdout.lock();
    match lock.write_all(out.as_bytes()).and_then(|()| lock.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(UserError {
            code: "io_write",
            message: format!("无法输出结果：{e}"),
        }),
    }
}

/// Renders the tree: meeting first, then each theme with its tasks.
pub fn tree(doc: &Extraction) -> String {
    let m = &doc.meeting;
    let dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "—".into());
    let mut s = String::new();
    s.push_str(&format!("会议：{}\n", dash(&m.title)));
    s.push_str(&format!(
        "日期：{}　召开：{}　主持：{}　文字：{}\n",
        dash(&m.date),
        dash(&m.body),
        dash(&m.chair),
        doc.script.as_str()
    ));
    let themes = doc
        .tasks
        .iter()
        .filter(|t| t.kind == TaskKind::Theme)
        .count();
    s.push_str(&format!(
        "任务：{} 项（其中总体要求 {} 项）\n\n",
        doc.tasks.len(),
        themes
    ));
    for t in doc.tasks.iter().filter(|t| t.parent.is_none()) {
        node(doc, t, 0, &mut s);
    }
    for w in &doc.warnings {
        s.push_str(&format!("\n注意 [{}]：{}", w.code, w.message));
    }
    if !doc.warnings.is_empty() {
        s.push('\n');
    }
    s
}

fn node(doc: &Extraction, t: &Task, depth: usize, s: &mut String) {
    let indent = "    ".repeat(depth);
    let mark = if t.kind == TaskKind::Theme {
        "■"
    } else {
        "□"
    };
    s.push_str(&format!(
        "{indent}{mark} {} {}  〔{}〕 @{}-{}\n",
        t.id, t.title, t.cue, t.span[0], t.span[1]
    ));
    let mut extra = Vec::new();
    if !t.actors.is_empty() {
        extra.push(format!("责任：{}", t.actors.join("、")));
    }
    if let Some(d) = &t.due {
        extra.push(format!(
            "时限：{}（{}）",
            d.text,
            d.date.clone().unwrap_or_else(|| "—".into())
        ));
    }
    if !extra.is_empty() {
        s.push_str(&format!("{indent}    {}\n", extra.join("　")));
    }
    for c in doc
        .tasks
        .iter()
        .filter(|c| c.parent.as_deref() == Some(t.id.as_str()))
    {
        node(doc, c, depth + 1, s);
    }
}
