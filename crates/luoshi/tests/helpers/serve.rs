//! `luoshi serve` started as a process on a free loopback port, as an
//! operator starts it.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("luoshi-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn luoshi(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_luoshi"));
    c.current_dir(dir)
        .env_remove("LUOSHI_DATABASE_URL")
        .env_remove("LUOSHI_LISTEN")
        .env_remove("LUOSHI_CONFIG")
        .env_remove("LUOSHI_MAX_BODY_BYTES")
        .env_remove("LUOSHI_SECURE_COOKIES")
        .env_remove("LUOSHI_SESSION_HOURS");
    c
}

/// Starts `luoshi serve` and returns it with its start line (`luoshi
/// 已启动…`); the lines before it (the first administrator's) are in
/// [`start_with_preamble`].
pub fn start(cmd: Command) -> (Child, String) {
    let (child, line, _) = start_with_preamble(cmd);
    (child, line)
}

pub fn start_with_preamble(mut cmd: Command) -> (Child, String, Vec<String>) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut preamble = Vec::new();
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.as_mut().unwrap());
    loop {
        line.clear();
        out.read_line(&mut line).unwrap();
        if line.is_empty() || line.contains("luoshi 已启动") {
            break;
        }
        preamble.push(line.clone());
    }
    if line.is_empty() {
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        panic!("luoshi serve did not start: {err}");
    }
    (child, line, preamble)
}

/// The address in `luoshi 已启动：http://ADDR/api/v1…`.
pub fn address(line: &str) -> SocketAddr {
    let start = line.find("http://").unwrap() + 7;
    let end = start + line[start..].find('/').unwrap();
    line[start..end].parse().unwrap()
}
