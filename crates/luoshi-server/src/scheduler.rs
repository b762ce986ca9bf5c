//! The scheduler inside `luoshi serve`: on every tick it runs the warning
//! rules once a day (`Store::assess`), records the reminders (催办) the
//! day calls for (`Store::record_reminders`: in-app notifications at once)
//! and delivers the ones still pending on the external channels — a
//! signed JSON POST to a webhook, an e-mail through an SMTP server.
//!
//! The day's assessment and the reminders come from one read of the tasks
//! being worked on ([`Store::supervise_day`], chunked by task id, writing
//! only what is new).
//!
//! Tests call [`Scheduler::tick`] by hand with the store's manual clock;
//! `luoshi serve` calls it every `tick_seconds` ([`Scheduler::run`]).
//! Idempotency lives in the store (a UNIQUE key per task, kind, due date
//! and channel, recorded before delivery), so a restart, a second tick on
//! the same day or a second server on the same database sends nothing
//! twice; assessing again on the same day raises nothing (assess is
//! idempotent), so the "once a day" of assess is kept in memory only.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use luoshi_core::clock::CHINA_OFFSET_MINUTES;
use luoshi_core::remind::DEFAULT_DAYS_BEFORE;
use luoshi_core::{
    Channel, Date, Delivery, ReminderPass, Store, StoreError, Timestamp, WarningRules,
};
use serde::Serialize;
use sha2::Sha256;

/// The header carrying the webhook body's signature.
pub const SIGNATURE_HEADER: &str = "X-Luoshi-Signature";

/// Default seconds between ticks.
pub const DEFAULT_TICK_SECONDS: u64 = 60;

/// Deliveries attempted per tick at most (the rest wait for the next one).
const DELIVERIES_PER_TICK: u32 = 2_000;

/// The outbound webhook.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    pub url: String,
    /// The HMAC-SHA256 key of [`SIGNATURE_HEADER`].
    pub secret: String,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WebhookConfig {{ url: {:?}, secret: *** }}", self.url)
    }
}

/// The SMTP server e-mail reminders go through.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub from: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Upgrade the connection with STARTTLS (required when set).
    pub starttls: bool,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SmtpConfig {{ host: {:?}, port: {}, from: {:?}, username: {:?}, password: {}, starttls: {} }}",
            self.host,
            self.port,
            self.from,
            self.username,
            if self.password.is_some() {
                "***"
            } else {
                "None"
            },
            self.starttls
        )
    }
}

/// The scheduler's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerConfig {
    /// Run the tick loop in `Server::run` (off in `Settings::default`, so
    /// tests drive the tick by hand).
    pub enabled: bool,
    /// Days before a report or deadline falls due that the first reminder
    /// goes out.
    pub remind_days_before: u32,
    pub tick_seconds: u64,
    pub webhook: Option<WebhookConfig>,
    pub smtp: Option<SmtpConfig>,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            enabled: false,
            remind_days_before: DEFAULT_DAYS_BEFORE,
            tick_seconds: DEFAULT_TICK_SECONDS,
            webhook: None,
            smtp: None,
        }
    }
}

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TickReport {
    pub day: String,
    /// Cards raised by the day's assessment (`None`: already assessed today).
    pub cards_raised: Option<usize>,
    pub reminders_recorded: usize,
    pub notifications: usize,
    pub delivered: usize,
    pub failed: usize,
}

/// What the scheduler last did, for `GET /api/v1/scheduler`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SchedulerStatus {
    pub running: bool,
    pub remind_days_before: u32,
    pub tick_seconds: u64,
    pub webhook: bool,
    pub email: bool,
    pub last_tick_at: Option<String>,
    pub last_tick: Option<TickReport>,
    pub last_assessed_day: Option<String>,
    pub last_error: Option<String>,
}

/// The scheduler of one server process.
pub struct Scheduler {
    store: Store,
    config: SchedulerConfig,
    rules: WarningRules,
    http: reqwest::Client,
    mailer: Option<AsyncSmtpTransport<Tokio1Executor>>,
    config_error: Option<String>,
    status: Mutex<SchedulerStatus>,
    /// The day and audit head of the last complete pass.
    last_pass: Mutex<Option<(Date, i64)>>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Why a delivery failed (kept on the reminder, retried next tick).
type DeliveryError = String;

/// The hex HMAC-SHA256 of `body` under `secret`, as the webhook header
/// carries it after `sha256=`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        // HMAC takes keys of any length; this arm is never reached.
        Err(_) => return String::new(),
    };
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The JSON a webhook receives.
#[derive(Debug, Serialize)]
struct WebhookBody<'a> {
    event: &'static str,
    reminder_id: i64,
    task_id: i64,
    task_title: &'a str,
    kind: &'static str,
    kind_label: &'static str,
    due_on: String,
    unit: Option<&'a str>,
    text: &'a str,
}

impl Scheduler {
    /// A scheduler on `store`. Settings that cannot work (an SMTP host
    /// that is not a valid name) are reported by [`Scheduler::config_error`];
    /// `Server::with_store` refuses to start with them.
    pub fn new(store: Store, config: SchedulerConfig) -> Scheduler {
        let mut config_error = None;
        let mailer = match &config.smtp {
            None => None,
            Some(s) => {
                let builder = if s.starttls {
                    AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
                        .map_err(|e| format!("SMTP 服务器 {} 无效：{e}", s.host))
                } else {
                    Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                        &s.host,
                    ))
                };
                match builder {
                    Ok(builder) => {
                        let mut builder =
                            builder.port(s.port).timeout(Some(Duration::from_secs(20)));
                        if let (Some(u), Some(p)) = (&s.username, &s.password) {
                            builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
                        }
                        Some(builder.build())
                    }
                    Err(e) => {
                        config_error = Some(e);
                        None
                    }
                }
            }
        };
        if let Some(s) = &config.smtp
            && s.from.parse::<lettre::message::Mailbox>().is_err()
        {
            config_error = Some(format!("SMTP 发件人地址“{}”无效", s.from));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap_or_default();
        let status = SchedulerStatus {
            running: config.enabled,
            remind_days_before: config.remind_days_before,
            tick_seconds: config.tick_seconds,
            webhook: config.webhook.is_some(),
            email: config.smtp.is_some(),
            ..SchedulerStatus::default()
        };
        Scheduler {
            store,
            config,
            rules: WarningRules::default(),
            http,
            mailer,
            config_error,
            status: Mutex::new(status),
            last_pass: Mutex::new(None),
        }
    }

    /// Why the settings cannot work, if they cannot.
    pub fn config_error(&self) -> Option<&str> {
        self.config_error.as_deref()
    }

    pub fn config(&self) -> &SchedulerConfig {
        &self.config
    }

    /// What the scheduler last did.
    pub fn status(&self) -> SchedulerStatus {
        match self.status.lock() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn channels(&self) -> Vec<Channel> {
        let mut out = vec![Channel::InApp];
        if self.config.webhook.is_some() {
            out.push(Channel::Webhook);
        }
        if self.config.smtp.is_some() {
            out.push(Channel::Email);
        }
        out
    }

    /// One pass at `now`: assess once a day, record the day's reminders,
    /// deliver what is pending. A failed delivery is not an error of the
    /// tick (it is kept and retried); a storage failure is.
    pub async fn tick(&self, now: Timestamp) -> Result<TickReport, StoreError> {
        let result = self.tick_inner(now).await;
        let mut status = match self.status.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        status.last_tick_at = Some(now.to_string());
        match &result {
            Ok(r) => {
                status.last_tick = Some(r.clone());
                status.last_error = None;
            }
            Err(e) => status.last_error = Some(e.to_string()),
        }
        result
    }

    async fn tick_inner(&self, now: Timestamp) -> Result<TickReport, StoreError> {
        let day = now
            .date_at_offset(CHINA_OFFSET_MINUTES)
            .unwrap_or(Date::UNIX_EPOCH);
        let assessed = self.status().last_assessed_day;
        let assess = assessed.as_deref() != Some(day.to_string().as_str());
        // A pass made on this day with the ledger as it is now (same head
        // of the audit chain) would find nothing new: every input of the
        // rules is audited, and reminders already recorded stay recorded.
        // The head is read before the pass, so a write during it is seen
        // by the next tick.
        let head = self.store.audit_head().await?;
        let done = match self.last_pass.lock() {
            Ok(p) => *p,
            Err(p) => *p.into_inner(),
        };
        if !assess && done == Some((day, head)) {
            return self
                .deliver_pending(TickReport {
                    day: day.to_string(),
                    ..TickReport::default()
                })
                .await;
        }
        // One read of the tasks being worked on serves the warning rules
        // and the reminders (Store::supervise_day): a steady day is reads
        // only, chunk by chunk.
        let channels = self.channels();
        let pass = self
            .store
            .supervise_day(
                day,
                &self.rules,
                assess.then_some(()),
                Some(ReminderPass {
                    days_before: self.config.remind_days_before,
                    channels: &channels,
                }),
            )
            .await?;
        let cards_raised = match pass.assessment {
            Some(a) => {
                if let Ok(mut s) = self.status.lock() {
                    s.last_assessed_day = Some(day.to_string());
                }
                Some(a.raised.len())
            }
            None => None,
        };
        let recorded = pass.reminders.unwrap_or_default();
        if let Ok(mut p) = self.last_pass.lock() {
            *p = Some((day, head));
        }
        let report = TickReport {
            day: day.to_string(),
            cards_raised,
            reminders_recorded: recorded.by_channel.iter().map(|(_, n)| n).sum(),
            notifications: recorded.notifications,
            delivered: 0,
            failed: 0,
        };
        self.deliver_pending(report).await
    }

    /// Delivers what waits on the external channels, counting into `report`.
    async fn deliver_pending(&self, mut report: TickReport) -> Result<TickReport, StoreError> {
        if self.config.webhook.is_none() && self.mailer.is_none() {
            return Ok(report);
        }
        for d in self.store.pending_deliveries(DELIVERIES_PER_TICK).await? {
            let outcome = self.deliver(&d).await;
            if outcome.is_ok() {
                report.delivered += 1;
            } else {
                report.failed += 1;
            }
            self.store.mark_delivery(d.id, outcome).await?;
        }
        Ok(report)
    }

    async fn deliver(&self, d: &Delivery) -> Result<(), DeliveryError> {
        match d.channel {
            Channel::InApp => Ok(()),
            Channel::Webhook => {
                let Some(hook) = &self.config.webhook else {
                    return Err("未配置 webhook".to_owned());
                };
                let body = serde_json::to_vec(&WebhookBody {
                    event: "reminder",
                    reminder_id: d.id,
                    task_id: d.task.0,
                    task_title: &d.task_title,
                    kind: d.kind.code(),
                    kind_label: d.kind.label(),
                    due_on: d.due_on.to_string(),
                    unit: d.unit.as_ref().map(|u| u.name.as_str()),
                    text: &d.text,
                })
                .map_err(|e| e.to_string())?;
                let sig = format!("sha256={}", signature(&hook.secret, &body));
                let resp = self
                    .http
                    .post(&hook.url)
                    .header("content-type", "application/json")
                    .header(SIGNATURE_HEADER, sig)
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| format!("webhook 请求失败：{e}"))?;
                if resp.status().is_success() {
                    Ok(())
                } else {
                    Err(format!("webhook 返回 {}", resp.status()))
                }
            }
            Channel::Email => {
                let (Some(mailer), Some(smtp)) = (&self.mailer, &self.config.smtp) else {
                    return Err("未配置 SMTP".to_owned());
                };
                let Some(to) = &d.email else {
                    return Err("单位没有电子邮件地址".to_owned());
                };
                let title: String = d.task_title.chars().take(40).collect();
                let message = Message::builder()
                    .from(
                        smtp.from
                            .parse()
                            .map_err(|e| format!("发件人地址无效：{e}"))?,
                    )
                    .to(to.parse().map_err(|e| format!("收件人地址无效：{e}"))?)
                    .subject(format!("【催办】{}：{title}", d.kind.label()))
                    .header(ContentType::TEXT_PLAIN)
                    .body(d.text.clone())
                    .map_err(|e| format!("邮件无法生成：{e}"))?;
                mailer
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("邮件发送失败：{e}"))
            }
        }
    }

    /// Ticks every `tick_seconds` at the store's clock until `stop` turns
    /// true. A failed tick is logged and the next one tries again.
    pub async fn run(self: Arc<Self>, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut interval =
            tokio::time::interval(Duration::from_secs(self.config.tick_seconds.max(1)));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = interval.tick() => {
                    let now = self.store.clock().now();
                    if let Err(e) = self.tick(now).await {
                        eprintln!("luoshi serve: scheduler tick failed: {e}");
                    }
                }
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        break;
                    }
                }
            }
        }
    }
}
