//! `luoshi serve`: the settings, layered (flags, then environment
//! `LUOSHI_*`, then the TOML file, then defaults), then the server of
//! luoshi-server until SIGTERM or ctrl-c.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::UserError;

/// The settings of `luoshi serve` (the database is the global `--database`).
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[arg(
        long,
        env = "LUOSHI_LISTEN",
        value_name = "地址:端口",
        help = "监听地址，默认 127.0.0.1:8080（仅本机可访问）；对外服务须明确给出，如 0.0.0.0:8080"
    )]
    pub listen: Option<String>,
    #[arg(
        long,
        env = "LUOSHI_CONFIG",
        value_name = "文件",
        help = "TOML 配置文件（可选），可写 listen、database、max_body_bytes 三项；优先级：命令行 > 环境变量 > 配置文件 > 默认值"
    )]
    pub config: Option<PathBuf>,
    #[arg(
        long,
        env = "LUOSHI_MAX_BODY_BYTES",
        value_name = "字节数",
        help = "请求体上限（字节），默认 8388608（8 MiB）；超出返回 413"
    )]
    pub max_body_bytes: Option<String>,
}

/// The optional TOML file: the same settings, lowest but the defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database: Option<String>,
    max_body_bytes: Option<usize>,
}

fn config_error(message: String) -> UserError {
    UserError {
        code: "config_invalid",
        message,
    }
}

fn read_file(path: &Path) -> Result<FileConfig, UserError> {
    let text = std::fs::read_to_string(path).map_err(|e| UserError {
        code: "config_unreadable",
        message: format!("无法读取配置文件 {}：{e}", path.display()),
    })?;
    toml::from_str(&text).map_err(|e| {
        config_error(format!(
            "配置文件 {} 有误（可用的设置：listen、database、max_body_bytes）：{}",
            path.display(),
            e.message()
        ))
    })
}

/// Resolves the settings. `database` is the global option's value, and
/// `database_given` whether it came from the command line or the
/// environment rather than its default.
pub fn config(
    args: &ServeArgs,
    database: &str,
    database_given: bool,
) -> Result<luoshi_server::Config, UserError> {
    let file = match &args.config {
        Some(path) => read_file(path)?,
        None => FileConfig::default(),
    };
    let listen_text = args
        .listen
        .clone()
        .or(file.listen)
        .unwrap_or_else(|| luoshi_server::DEFAULT_LISTEN.to_owned());
    let listen: SocketAddr = listen_text.trim().parse().map_err(|_| {
        config_error(format!(
            "监听地址“{listen_text}”无效，应为 IP:端口，例如 127.0.0.1:8080。"
        ))
    })?;
    let database = match (database_given, file.database) {
        (false, Some(db)) => db,
        _ => database.to_owned(),
    };
    let max_body_bytes = match &args.max_body_bytes {
        Some(n) => n
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| config_error(format!("请求体上限“{n}”无效，应为正整数（字节）。")))?,
        None => file
            .max_body_bytes
            .unwrap_or(luoshi_server::DEFAULT_MAX_BODY_BYTES),
    };
    Ok(luoshi_server::Config {
        listen,
        database,
        max_body_bytes,
    })
}

/// The database URL with any password hidden, for printing.
fn redacted(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    match (rest.find('@'), rest.find(':')) {
        (Some(at), Some(colon)) if colon < at => {
            format!(
                "{}{}:***{}",
                &url[..scheme_end],
                &rest[..colon],
                &rest[at..]
            )
        }
        _ => url.to_owned(),
    }
}

/// Serves until SIGTERM or ctrl-c; in-flight requests finish first.
pub fn run(config: &luoshi_server::Config) -> Result<(), UserError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| UserError {
            code: "runtime",
            message: format!("无法启动运行时：{e}"),
        })?;
    let serve_error = |e: luoshi_server::ServeError| UserError {
        code: e.code(),
        message: e.to_string(),
    };
    runtime.block_on(async {
        let shutdown = luoshi_server::shutdown_signal().map_err(|e| UserError {
            code: "runtime",
            message: format!("无法注册停止信号（SIGTERM、Ctrl-C）的处理：{e}"),
        })?;
        let server = luoshi_server::Server::bind(config).await.map_err(serve_error)?;
        let addr = server.local_addr().map_err(serve_error)?;
        println!(
            "luoshi 已启动：http://{addr}/api/v1（接口说明：http://{addr}/api/openapi.json）；数据库：{}。按 Ctrl-C 停止。",
            redacted(&config.database)
        );
        server
            .run(shutdown)
            .await
            .map_err(serve_error)?;
        println!("luoshi 已停止。");
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redacted("postgres://luoshi:geheim@db:5432/luoshi"),
            "postgres://luoshi:***@db:5432/luoshi"
        );
        assert_eq!(
            redacted("postgres://luoshi@db/luoshi"),
            "postgres://luoshi@db/luoshi"
        );
        assert_eq!(redacted("sqlite://./luoshi.db"), "sqlite://./luoshi.db");
    }
}
