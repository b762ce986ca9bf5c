//! `luoshi serve` as an operator runs it: settings from flags, environment
//! and a TOML file in that order; a graceful stop on SIGTERM that lets the
//! request in flight finish and exits 0.

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

mod helpers;

use helpers::serve::{address, luoshi, start, start_with_preamble, temp_dir};

/// One HTTP/1.1 exchange on a fresh connection: `(status, head, body)`.
fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> (u16, String, String) {
    let mut conn = TcpStream::connect(addr).unwrap();
    write!(
        conn,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{headers}Connection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

/// Logs in as the first administrator with the one-time password printed
/// at the first start, changes it, and returns the `Cookie:` and
/// `X-CSRF-Token:` header lines of the session.
fn admin_session(addr: SocketAddr, preamble: &[String]) -> String {
    let printed = preamble.concat();
    let otp = printed
        .split("一次性密码：")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no one-time password in {printed:?}"));
    assert!(
        printed.contains("admin") && printed.contains("修改密码"),
        "{printed}"
    );
    let login = format!("{{\"login\": \"admin\", \"password\": \"{otp}\"}}");
    let (status, head, body) = exchange(addr, "POST", "/api/v1/session", "", &login);
    assert_eq!(status, 200, "{head}\n{body}");
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    let csrf = body["csrf_token"].as_str().unwrap();
    let headers = format!("Cookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\n");
    let change =
        format!("{{\"old_password\": \"{otp}\", \"new_password\": \"a long new passphrase\"}}");
    let (status, head, _) = exchange(addr, "POST", "/api/v1/me/password", &headers, &change);
    assert_eq!(status, 204, "{head}");
    headers
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "luoshi serve did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_and_exits_zero() {
    let dir = temp_dir("sigterm");
    let db = format!("sqlite://{}", dir.join("luoshi.db").display());
    let mut cmd = luoshi(&dir);
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--database", &db]);
    let (mut child, line, preamble) = start_with_preamble(cmd);
    assert!(line.contains("luoshi 已启动"), "{line}");
    let addr = address(&line);
    let session = admin_session(addr, &preamble);

    // Headers and half the body, then SIGTERM, then the rest.
    let body = "{\"name\": \"省水利厅\"}".as_bytes();
    let mut conn = TcpStream::connect(addr).unwrap();
    write!(
        conn,
        "POST /api/v1/units HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{session}Connection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    conn.write_all(&body[..5]).unwrap();
    conn.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "TERM");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "stopped with a request in flight"
    );
    conn.write_all(&body[5..]).unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    assert!(response.contains("省水利厅"), "{response}");

    let status = wait(&mut child, Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut rest)
        .unwrap();
    assert!(rest.contains("luoshi 已停止"), "{rest}");
    // New connections are refused, and what was written stays written.
    assert!(TcpStream::connect(addr).is_err());
    let out = luoshi(&dir)
        .args(["unit", "list", "--json", "--database", &db])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("省水利厅"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn ctrl_c_stops_an_idle_server() {
    let dir = temp_dir("sigint");
    let mut cmd = luoshi(&dir);
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    let (mut child, line) = start(cmd);
    // Zero configuration: ./luoshi.db in the working directory.
    assert!(line.contains("sqlite://./luoshi.db"), "{line}");
    assert!(dir.join("luoshi.db").exists());
    signal(&child, "INT");
    assert!(wait(&mut child, Duration::from_secs(10)).success());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn settings_come_from_flags_then_environment_then_the_file() {
    let dir = temp_dir("settings");
    std::fs::write(
        dir.join("luoshi.toml"),
        "listen = \"127.0.0.1:0\"\ndatabase = \"sqlite://from-file.db\"\nmax_body_bytes = 1024\n",
    )
    .unwrap();
    // The file alone.
    let mut cmd = luoshi(&dir);
    cmd.args(["serve", "--config", "luoshi.toml"]);
    let (mut child, line) = start(cmd);
    assert!(line.contains("sqlite://from-file.db"), "{line}");
    let addr = address(&line);
    // Its body limit applies.
    let mut conn = TcpStream::connect(addr).unwrap();
    let body = format!("{{\"login\": \"{}\"}}", "x".repeat(2000));
    write!(
        conn,
        "POST /api/v1/session HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("body_too_large"), "{response}");
    signal(&child, "TERM");
    assert!(wait(&mut child, Duration::from_secs(10)).success());

    // The environment beats the file (the config file named by environment too).
    let mut cmd = luoshi(&dir);
    cmd.args(["serve"])
        .env("LUOSHI_CONFIG", "luoshi.toml")
        .env("LUOSHI_DATABASE_URL", "sqlite://from-env.db");
    let (mut child, line) = start(cmd);
    assert!(line.contains("sqlite://from-env.db"), "{line}");
    signal(&child, "TERM");
    assert!(wait(&mut child, Duration::from_secs(10)).success());

    // A flag beats the environment.
    let mut cmd = luoshi(&dir);
    cmd.args(["serve", "--database", "sqlite://from-flag.db"])
        .env("LUOSHI_CONFIG", "luoshi.toml")
        .env("LUOSHI_DATABASE_URL", "sqlite://from-env.db");
    let (mut child, line) = start(cmd);
    assert!(line.contains("sqlite://from-flag.db"), "{line}");
    signal(&child, "TERM");
    assert!(wait(&mut child, Duration::from_secs(10)).success());

    // A mistake in the file is named, in Chinese, with the configuration exit code.
    std::fs::write(
        dir.join("bad.toml"),
        "listen = \"127.0.0.1:0\"\nport = 8080\n",
    )
    .unwrap();
    let out = luoshi(&dir)
        .args(["serve", "--config", "bad.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[config_invalid]") && err.contains("port"),
        "{err}"
    );
    let out = luoshi(&dir)
        .args(["serve", "--listen", "localhost"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn serve_help_documents_every_setting() {
    let out = Command::new(env!("CARGO_BIN_EXE_luoshi"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "用法：",
        "选项",
        "--listen",
        "LUOSHI_LISTEN",
        "127.0.0.1:8080",
        "--database",
        "LUOSHI_DATABASE_URL",
        "--config",
        "LUOSHI_CONFIG",
        "--max-body-bytes",
        "LUOSHI_MAX_BODY_BYTES",
        "--secure-cookies",
        "LUOSHI_SECURE_COOKIES",
        "--session-hours",
        "LUOSHI_SESSION_HOURS",
        "SIGTERM",
    ] {
        assert!(help.contains(expected), "{expected} missing from:\n{help}");
    }
}

#[test]
fn the_first_start_prints_the_administrator_once_and_cookie_settings_apply() {
    let dir = temp_dir("first-start");
    let mut cmd = luoshi(&dir);
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--secure-cookies"])
        .env("LUOSHI_SESSION_HOURS", "2");
    let (mut child, line, preamble) = start_with_preamble(cmd);
    let addr = address(&line);
    let printed = preamble.concat();
    let otp = printed
        .split("一次性密码：")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_owned();
    let login = format!("{{\"login\": \"admin\", \"password\": \"{otp}\"}}");
    let (status, head, _) = exchange(addr, "POST", "/api/v1/session", "", &login);
    assert_eq!(status, 200, "{head}");
    let cookie = head
        .lines()
        .find(|l| l.starts_with("set-cookie: "))
        .unwrap();
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
        "Max-Age=7200",
        "Secure",
    ] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    signal(&child, "TERM");
    assert!(wait(&mut child, Duration::from_secs(10)).success());
    // The second start prints no password: the administrator exists.
    let mut cmd = luoshi(&dir);
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    let (mut child, _, preamble) = start_with_preamble(cmd);
    assert!(preamble.is_empty(), "{preamble:?}");
    signal(&child, "TERM");
    assert!(wait(&mut child, Duration::from_secs(10)).success());
    // A bad session lifetime is a configuration error.
    let out = luoshi(&dir)
        .args(["serve", "--session-hours", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_demo_fills_an_empty_ledger_a_unit_user_can_log_into() {
    let dir = temp_dir("demo");
    let mut cmd = luoshi(&dir);
    cmd.args(["serve", "--demo", "--listen", "127.0.0.1:0"]);
    let (mut child, line, preamble) = start_with_preamble(cmd);
    let addr = address(&line);
    let printed = preamble.concat();
    assert!(printed.contains("已写入演示数据"), "{printed}");
    assert!(printed.contains("shuili"), "{printed}");
    // A unit's staff logs in with the printed demo password, needs no
    // password change, and sees its own unit's tasks only.
    let login = "{\"login\": \"shuili\", \"password\": \"luoshi-demo-2026\"}";
    let (status, head, body) = exchange(addr, "POST", "/api/v1/session", "", login);
    assert_eq!(status, 200, "{head}\n{body}");
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let headers = format!("Cookie: {cookie}\r\n");
    let (status, _, body) = exchange(addr, "GET", "/api/v1/tasks?limit=200", &headers, "");
    assert_eq!(status, 200, "{body}");
    let page: serde_json::Value = serde_json::from_str(&body).unwrap();
    let tasks: Vec<&serde_json::Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "task")
        .collect();
    assert!(!tasks.is_empty(), "{body}");
    for t in &tasks {
        let a = &t["assignment"];
        let ours = a["lead"]["name"] == "省水利厅"
            || a["co_units"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["name"] == "省水利厅");
        assert!(ours, "{t}");
    }
    signal(&child, "TERM");
    assert!(wait(&mut child, Duration::from_secs(10)).success());
    // The ledger verifies; a second demo start leaves it as it is.
    let out = luoshi(&dir).args(["audit", "verify"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let mut cmd = luoshi(&dir);
    cmd.args(["serve", "--demo", "--listen", "127.0.0.1:0"]);
    let (mut child, _, preamble) = start_with_preamble(cmd);
    assert!(preamble.concat().contains("未写入演示数据"), "{preamble:?}");
    signal(&child, "TERM");
    assert!(wait(&mut child, Duration::from_secs(10)).success());
    let _ = std::fs::remove_dir_all(dir);
}
