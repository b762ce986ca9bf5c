//! The `luoshi` binary as a user runs it: files, standard input, formats,
//! and the errors bad input gets.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn luoshi(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_luoshi"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("luoshi starts");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("luoshi finishes")
}

const DOC: &str = "省委常委会召开会议\n3月5日，省委常委会召开会议。省委书记张三主持会议。\n会议指出，要抓好春耕生产，确保粮食安全。要加强水利建设，年底前完工。\n";

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("luoshi-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write fixture");
    path
}

#[test]
fn json_from_a_file_when_piped() {
    let path = temp_file("doc.txt", DOC.as_bytes());
    let out = luoshi(&["extract", path.to_str().expect("path")], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on a pipe");
    assert_eq!(v["script"], "hans");
    assert_eq!(v["meeting"]["body"], "省委常委会");
    assert_eq!(v["meeting"]["chair"], "张三");
    assert_eq!(v["meeting"]["date"], "--03-05");
    let tasks = v["tasks"].as_array().expect("tasks");
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[0]["kind"], "theme");
    assert_eq!(tasks[1]["parent"], "t1");
    assert_eq!(tasks[1]["due"]["text"], "年底前");
}

#[test]
fn standard_input_and_tree_format() {
    let out = luoshi(&["extract", "-", "--format", "tree"], Some(DOC.as_bytes()));
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).expect("utf-8");
    assert!(s.contains("会议：省委常委会召开会议"), "{s}");
    assert!(s.contains("■ t1 抓好春耕生产"), "{s}");
    assert!(s.contains("    □ t2 加强水利建设"), "{s}");
}

fn assert_refused(out: &Output, code: &str) {
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("[{code}]")), "{err}");
    assert!(
        err.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "message in Chinese: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_inputs_get_a_clear_error() {
    assert_refused(
        &luoshi(&["extract", "/nonexistent/通稿.txt"], None),
        "io_read",
    );
    assert_refused(&luoshi(&["extract", "-"], Some(b"")), "input_empty");
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_refused(&luoshi(&["extract", "-"], Some(&random)), "input_binary");
    let pdf = temp_file("a.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj");
    assert_refused(
        &luoshi(&["extract", pdf.to_str().expect("path")], None),
        "input_pdf",
    );
    let dir = std::env::temp_dir();
    assert_refused(
        &luoshi(&["extract", dir.to_str().expect("path")], None),
        "io_read",
    );
}

#[test]
fn usage_mistakes_are_explained_in_chinese() {
    assert_refused(&luoshi(&["extract"], None), "usage");
    assert_refused(&luoshi(&["extract", "x", "--format", "xml"], None), "usage");
    assert_refused(&luoshi(&["frobnicate"], None), "usage");
    let help = luoshi(&["extract", "--help"], None);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("从会议通稿中提取"));
}

#[test]
fn gb18030_file_reads_like_utf8() {
    let (gb, _, _) = encoding_rs::GB18030.encode(DOC);
    let path = temp_file("gbk.txt", &gb);
    let out = luoshi(
        &["extract", path.to_str().expect("path"), "--format", "json"],
        None,
    );
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["tasks"].as_array().map(Vec::len), Some(2));
}
