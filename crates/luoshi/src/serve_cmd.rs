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
        help = "TOML 配置文件（可选），可写 listen、database、max_body_bytes、secure_cookies、session_hours、scheduler、remind_days_before、tick_seconds、webhook_url、webhook_secret、smtp_host、smtp_port、smtp_from、smtp_username、smtp_password、smtp_starttls；优先级：命令行 > 环境变量 > 配置文件 > 默认值"
    )]
    pub config: Option<PathBuf>,
    #[arg(
        long,
        env = "LUOSHI_MAX_BODY_BYTES",
        value_name = "字节数",
        help = "请求体上限（字节），默认 8388608（8 MiB）；超出返回 413"
    )]
    pub max_body_bytes: Option<String>,
    #[arg(
        long,
        env = "LUOSHI_SECURE_COOKIES",
        value_name = "true|false",
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new(),
        help = "会话 Cookie 加 Secure 标记（只经 HTTPS 发送）；经 HTTPS 反向代理对外服务时应开启。默认关闭"
    )]
    pub secure_cookies: Option<bool>,
    #[arg(
        long,
        env = "LUOSHI_SESSION_HOURS",
        value_name = "小时",
        help = "登录会话的有效期（小时，1 到 720），默认 8"
    )]
    pub session_hours: Option<String>,
    #[arg(
        long,
        help = "空数据库时先写入演示数据（两份通稿、六个单位、各角色演示账号，密码在启动时显示），便于初次体验"
    )]
    pub demo: bool,
    #[arg(
        long,
        env = "LUOSHI_SCHEDULER",
        value_name = "true|false",
        value_parser = clap::builder::BoolishValueParser::new(),
        help = "运行催办调度（每日预警研判、到期前/到期日/逾期催办），默认开启"
    )]
    pub scheduler: Option<bool>,
    #[arg(
        long,
        env = "LUOSHI_REMIND_DAYS_BEFORE",
        value_name = "天数",
        help = "反馈或完成时限到期前几天催办（0 到 60），默认 3"
    )]
    pub remind_days_before: Option<String>,
    #[arg(
        long,
        env = "LUOSHI_TICK_SECONDS",
        value_name = "秒",
        help = "调度检查间隔（秒，1 到 86400），默认 60"
    )]
    pub tick_seconds: Option<String>,
    #[arg(
        long,
        env = "LUOSHI_WEBHOOK_URL",
        value_name = "URL",
        help = "催办 webhook 地址（http://…，JSON POST，须同时设置 --webhook-secret）"
    )]
    pub webhook_url: Option<String>,
    #[arg(
        long,
        env = "LUOSHI_WEBHOOK_SECRET",
        value_name = "密钥",
        value_parser = secret,
        help = "webhook 签名密钥：请求头 X-Luoshi-Signature: sha256=<请求体的 HMAC-SHA256，十六进制>"
    )]
    pub webhook_secret: Option<Secret>,
    #[arg(
        long,
        env = "LUOSHI_SMTP_HOST",
        value_name = "主机",
        help = "催办邮件的 SMTP 服务器（设置后按单位邮箱发送邮件）"
    )]
    pub smtp_host: Option<String>,
    #[arg(
        long,
        env = "LUOSHI_SMTP_PORT",
        value_name = "端口",
        help = "SMTP 端口，默认 587（STARTTLS）或 25（不加密）"
    )]
    pub smtp_port: Option<String>,
    #[arg(
        long,
        env = "LUOSHI_SMTP_FROM",
        value_name = "地址",
        help = "发件人地址，如 督查室 <duban@example.gov.cn>"
    )]
    pub smtp_from: Option<String>,
    #[arg(
        long,
        env = "LUOSHI_SMTP_USERNAME",
        value_name = "用户名",
        help = "SMTP 登录用户名（可选）"
    )]
    pub smtp_username: Option<String>,
    #[arg(long, env = "LUOSHI_SMTP_PASSWORD", value_name = "密码", value_parser = secret, help = "SMTP 登录密码（可选）")]
    pub smtp_password: Option<Secret>,
    #[arg(
        long,
        env = "LUOSHI_SMTP_STARTTLS",
        value_name = "true|false",
        value_parser = clap::builder::BoolishValueParser::new(),
        help = "用 STARTTLS 加密 SMTP 连接，默认开启；仅内网明文中继可关闭"
    )]
    pub smtp_starttls: Option<bool>,
}

/// A secret setting: never shown by `Debug`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

fn secret(s: &str) -> Result<Secret, String> {
    Ok(Secret(s.to_owned()))
}

/// The longest session lifetime a setting may ask for: 30 days.
const MAX_SESSION_HOURS: i64 = 720;

/// The optional TOML file: the same settings, lowest but the defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database: Option<String>,
    max_body_bytes: Option<usize>,
    secure_cookies: Option<bool>,
    session_hours: Option<i64>,
    scheduler: Option<bool>,
    remind_days_before: Option<u32>,
    tick_seconds: Option<u64>,
    webhook_url: Option<String>,
    webhook_secret: Option<Secret>,
    smtp_host: Option<String>,
    smtp_port: Option<u16>,
    smtp_from: Option<String>,
    smtp_username: Option<String>,
    smtp_password: Option<Secret>,
    smtp_starttls: Option<bool>,
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
            "配置文件 {} 有误（可用的设置：listen、database、max_body_bytes、secure_cookies、session_hours、scheduler、remind_days_before、tick_seconds、webhook_url、webhook_secret、smtp_host、smtp_port、smtp_from、smtp_username、smtp_password、smtp_starttls）：{}",
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
    let file_scheduler = FileScheduler {
        scheduler: file.scheduler,
        remind_days_before: file.remind_days_before,
        tick_seconds: file.tick_seconds,
        webhook_url: file.webhook_url.clone(),
        webhook_secret: file.webhook_secret.clone(),
        smtp_host: file.smtp_host.clone(),
        smtp_port: file.smtp_port,
        smtp_from: file.smtp_from.clone(),
        smtp_username: file.smtp_username.clone(),
        smtp_password: file.smtp_password.clone(),
        smtp_starttls: file.smtp_starttls,
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
    let session_hours = match &args.session_hours {
        Some(h) => h.trim().parse::<i64>().ok(),
        None => Some(
            file.session_hours
                .unwrap_or(luoshi_server::auth::DEFAULT_SESSION_TTL_SECS / 3600),
        ),
    }
    .filter(|h| (1..=MAX_SESSION_HOURS).contains(h))
    .ok_or_else(|| {
        config_error(format!(
            "会话有效期无效，应为 1 到 {MAX_SESSION_HOURS} 之间的整数（小时）。"
        ))
    })?;
    let scheduler = scheduler_config(args, file_scheduler)?;
    Ok(luoshi_server::Config {
        listen,
        database,
        settings: luoshi_server::Settings {
            max_body_bytes,
            secure_cookies: args.secure_cookies.or(file.secure_cookies).unwrap_or(false),
            session_ttl_secs: session_hours * 3600,
            scheduler,
            ..luoshi_server::Settings::default()
        },
    })
}

/// The scheduler's part of the file.
struct FileScheduler {
    scheduler: Option<bool>,
    remind_days_before: Option<u32>,
    tick_seconds: Option<u64>,
    webhook_url: Option<String>,
    webhook_secret: Option<Secret>,
    smtp_host: Option<String>,
    smtp_port: Option<u16>,
    smtp_from: Option<String>,
    smtp_username: Option<String>,
    smtp_password: Option<Secret>,
    smtp_starttls: Option<bool>,
}

fn number<T: std::str::FromStr + PartialOrd>(
    flag: Option<&String>,
    file: Option<T>,
    default: T,
    range: std::ops::RangeInclusive<T>,
    message: &str,
) -> Result<T, UserError> {
    let value = match flag {
        Some(text) => text.trim().parse::<T>().ok(),
        None => Some(file.unwrap_or(default)),
    };
    value
        .filter(|v| range.contains(v))
        .ok_or_else(|| config_error(message.to_owned()))
}

fn scheduler_config(
    args: &ServeArgs,
    file: FileScheduler,
) -> Result<luoshi_server::scheduler::SchedulerConfig, UserError> {
    use luoshi_server::scheduler::{SchedulerConfig, SmtpConfig, WebhookConfig};
    let remind_days_before = number(
        args.remind_days_before.as_ref(),
        file.remind_days_before,
        luoshi_core::remind::DEFAULT_DAYS_BEFORE,
        0..=60,
        "催办提前天数无效，应为 0 到 60 之间的整数。",
    )?;
    let tick_seconds = number(
        args.tick_seconds.as_ref(),
        file.tick_seconds,
        luoshi_server::scheduler::DEFAULT_TICK_SECONDS,
        1..=86_400,
        "调度检查间隔无效，应为 1 到 86400 之间的整数（秒）。",
    )?;
    let url = args.webhook_url.clone().or(file.webhook_url);
    let secret = args.webhook_secret.clone().or(file.webhook_secret);
    let webhook = match (url, secret) {
        (None, None) => None,
        (Some(url), Some(secret)) => {
            let url = url.trim().to_owned();
            if !url.starts_with("http://") || url.len() <= "http://".len() {
                return Err(config_error(format!(
                    "webhook 地址“{url}”无效，应为 http://主机[:端口]/路径（经内网 HTTPS 代理转发时写代理的 http 地址）。"
                )));
            }
            if secret.0.is_empty() {
                return Err(config_error("webhook 签名密钥不能为空。".to_owned()));
            }
            Some(WebhookConfig {
                url,
                secret: secret.0,
            })
        }
        _ => {
            return Err(config_error(
                "webhook_url 与 webhook_secret 须同时设置。".to_owned(),
            ));
        }
    };
    let starttls = args.smtp_starttls.or(file.smtp_starttls).unwrap_or(true);
    let host = args.smtp_host.clone().or(file.smtp_host);
    let smtp = match host {
        None => None,
        Some(host) => {
            let port = number(
                args.smtp_port.as_ref(),
                file.smtp_port,
                if starttls { 587 } else { 25 },
                1..=65_535,
                "SMTP 端口无效，应为 1 到 65535 之间的整数。",
            )?;
            let from = args.smtp_from.clone().or(file.smtp_from).ok_or_else(|| {
                config_error("设置了 smtp_host 时须同时设置发件人地址 smtp_from。".to_owned())
            })?;
            Some(SmtpConfig {
                host: host.trim().to_owned(),
                port,
                from,
                username: args.smtp_username.clone().or(file.smtp_username),
                password: args
                    .smtp_password
                    .clone()
                    .or(file.smtp_password)
                    .map(|s| s.0),
                starttls,
            })
        }
    };
    Ok(SchedulerConfig {
        enabled: args.scheduler.or(file.scheduler).unwrap_or(true),
        remind_days_before,
        tick_seconds,
        webhook,
        smtp,
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
pub fn run(config: &luoshi_server::Config, demo: bool) -> Result<(), UserError> {
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
        if demo {
            fill_demo(config).await?;
        }
        let server = luoshi_server::Server::bind(config).await.map_err(serve_error)?;
        let addr = server.local_addr().map_err(serve_error)?;
        if let Some(admin) = server.first_admin() {
            println!(
                "首次启动：已创建系统管理员账号 {}，一次性密码：{}",
                admin.login, admin.password
            );
            println!(
                "请立即用此账号登录（POST /api/v1/session）并修改密码；此密码只显示这一次。"
            );
        }
        println!(
            "luoshi 已启动：在浏览器中打开 http://{addr}/ ；接口：http://{addr}/api/v1（接口说明：http://{addr}/api/openapi.json）；数据库：{}。按 Ctrl-C 停止。",
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

/// Writes the demo ledger into an empty database and prints its accounts.
async fn fill_demo(config: &luoshi_server::Config) -> Result<(), UserError> {
    let store = luoshi_core::Store::open(
        &config.database,
        std::sync::Arc::new(luoshi_core::SystemClock::default()),
    )
    .await
    .map_err(|e| UserError {
        code: e.code(),
        message: e.to_string(),
    })?;
    let filled = crate::demo::fill(&store).await;
    store.close().await;
    match filled? {
        Some(logins) => {
            println!(
                "已写入演示数据。演示账号（密码均为 {}）：",
                crate::demo::DEMO_PASSWORD
            );
            for l in logins {
                println!(
                    "  {:<10} {}（{}{}）",
                    l.login,
                    l.name,
                    l.role.label(),
                    l.unit.map(|u| format!("，{u}")).unwrap_or_default()
                );
            }
        }
        None => println!("数据库中已有数据，未写入演示数据。"),
    }
    Ok(())
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
