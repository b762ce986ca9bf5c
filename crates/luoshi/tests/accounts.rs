//! `luoshi user` and `luoshi token` as an operator runs them on the server
//! machine: one-time passwords and token secrets printed once, refusals by
//! code, and a user added here logs in to `luoshi serve`.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("luoshi-accounts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn luoshi(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_luoshi"))
        .current_dir(dir)
        .env_remove("LUOSHI_DATABASE_URL")
        .env("LUOSHI_ACTOR", "运维")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn refused(out: &Output, code: &str) {
    assert_eq!(out.status.code(), Some(65), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("[{code}]")), "{err}");
}

/// The secret after `marker` on the first line that has it.
fn after(text: &str, marker: &str) -> String {
    text.split(marker)
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no {marker} in {text}"))
        .to_owned()
}

#[test]
fn operators_add_users_reset_passwords_and_create_tokens() {
    let dir = temp_dir();
    stdout(&luoshi(&dir, &["unit", "add", "省水利厅"]));
    let added = stdout(&luoshi(
        &dir,
        &[
            "user",
            "add",
            "ZhangSan",
            "--name",
            "张三",
            "--role",
            "unit_staff",
            "--unit",
            "省水利厅",
        ],
    ));
    assert!(
        added.contains("zhangsan") && added.contains("单位工作人员"),
        "{added}"
    );
    let otp = after(&added, "一次性密码：");
    assert_eq!(otp.chars().count(), 20);
    refused(
        &luoshi(
            &dir,
            &[
                "user", "add", "zhangsan", "--name", "张三", "--role", "office",
            ],
        ),
        "duplicate",
    );
    refused(
        &luoshi(
            &dir,
            &["user", "add", "lisi", "--name", "李四", "--role", "root"],
        ),
        "unknown_role",
    );
    refused(
        &luoshi(
            &dir,
            &[
                "user",
                "add",
                "lisi",
                "--name",
                "李四",
                "--role",
                "unit_lead",
            ],
        ),
        "unit_required",
    );
    refused(
        &luoshi(
            &dir,
            &["user", "add", "李四", "--name", "李四", "--role", "office"],
        ),
        "bad_login",
    );
    refused(
        &luoshi(&dir, &["user", "reset-password", "nobody"]),
        "not_found",
    );
    let list = stdout(&luoshi(&dir, &["user", "list"]));
    assert!(
        list.contains("zhangsan\t张三\t单位工作人员\t省水利厅 [待修改密码]"),
        "{list}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&luoshi(&dir, &["user", "list", "--json"]))).unwrap();
    assert_eq!(json[0]["login"], "zhangsan");
    let token = stdout(&luoshi(
        &dir,
        &["token", "create", "zhangsan", "--name", "同步脚本"],
    ));
    let secret = after(&token, "“同步脚本”：");
    assert_eq!(secret.len(), 64);
    assert!(token.contains("尚未修改初始密码"), "{token}");
    let reset = stdout(&luoshi(&dir, &["user", "reset-password", "zhangsan"]));
    let new_otp = after(&reset, "一次性密码：");
    assert_ne!(new_otp, otp);

    // The server on the same database: no first administrator to print
    // (users exist), and the new one-time password logs in.
    let mut child = Command::new(env!("CARGO_BIN_EXE_luoshi"))
        .current_dir(&dir)
        .env_remove("LUOSHI_DATABASE_URL")
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("luoshi 已启动"), "{line}");
    let start = line.find("http://").unwrap() + 7;
    let addr: SocketAddr = line[start..start + line[start..].find('/').unwrap()]
        .parse()
        .unwrap();
    let login = |password: &str| {
        let body = format!("{{\"login\": \"zhangsan\", \"password\": \"{password}\"}}");
        let mut conn = TcpStream::connect(addr).unwrap();
        write!(
            conn,
            "POST /api/v1/session HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        conn.read_to_string(&mut response).unwrap();
        response
    };
    assert!(login(&otp).starts_with("HTTP/1.1 401"));
    let ok = login(&new_otp);
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.contains("\"must_change_password\":true"), "{ok}");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(dir);
}
