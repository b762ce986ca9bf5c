//! luoshi-server: the ledger as a JSON API over HTTP, `luoshi serve`.
//!
//! * [`Server`]: opens the store once (migrations apply), binds, serves
//!   until a shutdown signal, lets in-flight requests finish, closes the
//!   store.
//! * [`app`]: the axum router: `/api/v1/…` ([`routes`]), the OpenAPI 3.1
//!   document at `/api/openapi.json` (generated from the handlers by
//!   utoipa), 404/405 fallbacks, the body limit, panic catching and the
//!   error-language middleware — every error in the shape of
//!   [`error::ErrorBody`].
//! * [`caller`]: who acts on a request — authentication (bearer token or
//!   session cookie with CSRF), and the permission and visibility checks
//!   handlers ask for; [`auth`]: cookies, the principal cache, the login
//!   limiter; [`accounts`]: `/session`, `/me`, `/users`.
//!
//! Architecture invariant: this crate speaks HTTP and nothing else; every
//! rule of the ledger lives in luoshi-core, reached through [`Ledger`]
//! (luoshi_core::Ledger), and nothing here reads the system clock for the
//! ledger: "today" is the store's clock.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod accounts;
pub mod auth;
pub mod caller;
pub mod dto;
pub mod error;
pub mod request;
pub mod routes;
pub mod routes_problems;
pub mod routes_supervision;
pub mod scheduler;
pub mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use luoshi_core::{Accounts, Store, StoreError, SystemClock};
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use crate::auth::Settings;
use crate::error::ApiError;
use crate::routes::AppState;
use crate::scheduler::Scheduler;

/// Default request body limit: a long communiqué as base64 .docx fits.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// How long requests in flight may take to finish after the stop signal.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// Default address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// What `luoshi serve` needs to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub listen: SocketAddr,
    pub database: String,
    pub settings: Settings,
}

/// The administrator created on the first start of an empty database.
#[derive(Clone, PartialEq, Eq)]
pub struct FirstAdmin {
    pub login: String,
    /// One-time: must be changed at the first login.
    pub password: String,
}

impl std::fmt::Debug for FirstAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FirstAdmin {{ login: {:?}, password: *** }}", self.login)
    }
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("无法在 {addr} 上监听：{source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("服务异常停止：{0}")]
    Serve(#[source] std::io::Error),
    #[error("催办设置无效：{0}")]
    Scheduler(String),
}

impl ServeError {
    /// Stable snake_case English code.
    pub fn code(&self) -> &'static str {
        match self {
            ServeError::Store(e) => e.code(),
            ServeError::Bind { .. } => "listen_failed",
            ServeError::Serve(_) => "serve_failed",
            ServeError::Scheduler(_) => "scheduler_settings_invalid",
        }
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "luoshi",
        description = "落实：贯彻落实全流程台账的 JSON 接口。Errors are `{code, message, field?}`; \
            messages are Chinese unless Accept-Language prefers English (en) or Traditional \
            Chinese (zh-Hant, zh-TW, zh-HK). Changes of a task take `expected_version` (the \
            `version` read) in the body; a stale one is 409 `stale_version` and changes nothing. \
            Authentication: `POST /api/v1/session` (login and password) sets an HttpOnly \
            session cookie and returns `csrf_token`; every POST/PATCH/PUT/DELETE made with the \
            cookie must send it back in `X-CSRF-Token` (else 403 `csrf_failed`). Scripts use \
            an API token (`POST /api/v1/me/tokens`) as `Authorization: Bearer <secret>`, no CSRF. \
            No credentials: 401. A refused action or another unit's task: 403 `forbidden` (a task \
            that does not exist gives a unit user the same 403). A new account must change its \
            password first: every other endpoint answers 403 `password_change_required`.",
    ),
    tags(
        (name = "extract", description = "提取预览（不入库）"),
        (name = "documents", description = "文件（通稿）"),
        (name = "tasks", description = "任务：列表、交办、反馈、办结、统计、导出"),
        (name = "units", description = "单位"),
        (name = "accounts", description = "登录、本人账号、访问令牌"),
        (name = "users", description = "用户管理（系统管理员）"),
        (name = "problems", description = "问题清单：登记、相似问题、整改、销号"),
        (name = "indicators", description = "指标：年度目标、完成值、序时进度"),
        (name = "evaluation", description = "单位考核排名与报送负担"),
        (name = "supervision", description = "督办：反馈周期、应报未报、预警、催办提醒、落实情况汇报"),
    ),
    modifiers(&SecuritySchemes),
    security(("session" = []), ("bearer" = []))
)]
struct ApiDoc;

/// The two ways to authenticate, in the OpenAPI document.
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                auth::SESSION_COOKIE,
                "Set by POST /api/v1/session; unsafe methods also need X-CSRF-Token.",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from POST /api/v1/me/tokens."))
                    .build(),
            ),
        );
    }
}

fn api_router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(routes::extract))
        .routes(routes!(routes::ingest, routes::list_documents))
        .routes(routes!(routes::get_document))
        .routes(routes!(routes::list_tasks))
        .routes(routes!(routes::export))
        .routes(routes!(routes::get_task))
        .routes(routes!(routes::assign))
        .routes(routes!(routes::add_report))
        .routes(routes!(routes::request_close))
        .routes(routes!(routes::close))
        .routes(routes!(routes::return_task))
        .routes(routes!(routes::suspend))
        .routes(routes!(routes::resume))
        .routes(routes!(routes::counts))
        .routes(routes!(routes::list_units, routes::add_unit))
        .routes(routes!(routes::get_unit))
        .routes(routes!(routes::accept_report))
        .routes(routes!(routes::return_report))
        .routes(routes!(accounts::login, accounts::logout))
        .routes(routes!(accounts::me))
        .routes(routes!(accounts::change_password))
        .routes(routes!(accounts::list_tokens, accounts::create_token))
        .routes(routes!(accounts::revoke_token))
        .routes(routes!(accounts::list_users, accounts::create_user))
        .routes(routes!(accounts::get_user, accounts::update_user))
        .routes(routes!(accounts::reset_password))
        .routes(routes!(
            routes_problems::list_problems,
            routes_problems::add_problem
        ))
        .routes(routes!(routes_problems::similar_problems))
        .routes(routes!(routes_problems::get_problem))
        .routes(routes!(routes_problems::rectify_problem))
        .routes(routes!(routes_problems::close_problem))
        .routes(routes!(routes_problems::classify_problem))
        .routes(routes!(
            routes_problems::list_indicators,
            routes_problems::add_indicator
        ))
        .routes(routes!(routes_problems::record_indicator))
        .routes(routes!(routes_problems::get_evaluation))
        .routes(routes!(routes_problems::export_evaluation))
        .routes(routes!(
            routes_supervision::get_cycle,
            routes_supervision::set_cycle
        ))
        .routes(routes!(routes_supervision::reports_due))
        .routes(routes!(routes_supervision::list_cards))
        .routes(routes!(routes_supervision::clear_card))
        .routes(routes!(routes_supervision::list_notifications))
        .routes(routes!(routes_supervision::read_notification))
        .routes(routes!(routes_supervision::status_report))
        .routes(routes!(routes_supervision::scheduler_status))
        .routes(routes!(routes_supervision::scoped_status_report))
        .routes(routes!(routes_supervision::task_notice))
        .routes(routes!(routes_supervision::unit_notice))
        .routes(routes!(routes_supervision::add_combined_report))
        .routes(routes!(routes_supervision::set_unit_contact))
}

/// The OpenAPI 3.1 document of the API, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().into_openapi()
}

/// The whole HTTP application on a store.
pub fn app(store: Store, settings: Settings) -> Router {
    let scheduler = Arc::new(Scheduler::new(store.clone(), settings.scheduler.clone()));
    app_with(store, settings, scheduler)
}

/// The application with the scheduler whose status it reports.
pub fn app_with(store: Store, settings: Settings, scheduler: Arc<Scheduler>) -> Router {
    let max_body_bytes = settings.max_body_bytes;
    let (router, api) = api_router().split_for_parts();
    let doc: Bytes = api
        .to_pretty_json()
        .map(Bytes::from)
        .unwrap_or_else(|_| Bytes::from_static(b"{}"));
    let state = Arc::new(AppState {
        store,
        settings,
        cache: auth::PrincipalCache::default(),
        limiter: auth::LoginLimiter::default(),
        scheduler,
        cache_sup: web::supervision::SupervisionCache::default(),
    });
    router
        .merge(web::router())
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], doc) }
            }),
        )
        .fallback(|| async { ApiError::not_found_route() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .with_state(state)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(axum::middleware::from_fn(error::localize))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                eprintln!("luoshi serve: a request handler panicked");
                ApiError::internal().into_response()
            },
        ))
}

/// A bound server, ready to serve.
#[derive(Debug)]
pub struct Server {
    listener: tokio::net::TcpListener,
    store: Store,
    settings: Settings,
    first_admin: Option<FirstAdmin>,
    scheduler: Arc<Scheduler>,
}

impl Server {
    /// Opens the store named by the configuration (creating and migrating
    /// it) and binds the listening address.
    pub async fn bind(config: &Config) -> Result<Server, ServeError> {
        let store = Store::open(&config.database, Arc::new(SystemClock::default())).await?;
        Server::with_store(store, config.listen, config.settings.clone()).await
    }

    /// Binds `listen` for an open store (tests use their own clock). On a
    /// database without users it creates the first administrator
    /// ([`Server::first_admin`]).
    pub async fn with_store(
        store: Store,
        listen: SocketAddr,
        settings: Settings,
    ) -> Result<Server, ServeError> {
        let scheduler = Arc::new(Scheduler::new(store.clone(), settings.scheduler.clone()));
        if let Some(e) = scheduler.config_error() {
            return Err(ServeError::Scheduler(e.to_owned()));
        }
        let first_admin = store
            .bootstrap_admin()
            .await?
            .map(|(user, password)| FirstAdmin {
                login: user.login.to_string(),
                password,
            });
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| ServeError::Bind {
                addr: listen,
                source,
            })?;
        // Build the conversion tables now rather than in the first request.
        luoshi_extract::warm();
        let _ = hanconv::s2t("简");
        Ok(Server {
            listener,
            store,
            settings,
            first_admin,
            scheduler,
        })
    }

    /// The scheduler this server runs (tests tick it by hand).
    pub fn scheduler(&self) -> Arc<Scheduler> {
        self.scheduler.clone()
    }

    /// The administrator this start created, with its one-time password:
    /// only on the first start of an empty database.
    pub fn first_admin(&self) -> Option<&FirstAdmin> {
        self.first_admin.as_ref()
    }

    /// Where it listens (the real port when bound to port 0).
    pub fn local_addr(&self) -> Result<SocketAddr, ServeError> {
        self.listener.local_addr().map_err(ServeError::Serve)
    }

    /// Serves until `shutdown` completes, then stops accepting, lets the
    /// requests in flight finish (for at most [`SHUTDOWN_GRACE`], so that a
    /// client that stopped sending cannot hold the server up forever), and
    /// closes the store.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let app = app_with(
            self.store.clone(),
            self.settings.clone(),
            self.scheduler.clone(),
        )
        .into_make_service_with_connect_info::<SocketAddr>();
        let (stopping, mut stopped) = tokio::sync::watch::channel(false);
        let ticking = if self.settings.scheduler.enabled {
            Some(tokio::spawn(self.scheduler.clone().run(stopped.clone())))
        } else {
            None
        };
        let signal = async move {
            shutdown.await;
            let _ = stopping.send(true);
        };
        let serve = axum::serve(self.listener, app).with_graceful_shutdown(signal);
        let grace = async move {
            if stopped.wait_for(|s| *s).await.is_err() {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        };
        let served = tokio::select! {
            served = serve => served,
            () = grace => {
                eprintln!(
                    "luoshi serve: requests still open {} s after the stop signal were cut off",
                    SHUTDOWN_GRACE.as_secs()
                );
                Ok(())
            }
        };
        if let Some(t) = ticking {
            // The loop ends at the stop signal once a tick in progress is
            // done; a tick stuck on a slow mail server is cut off after the
            // grace period (its unsent reminders are retried at the next
            // start: nothing is marked sent before it was).
            if tokio::time::timeout(SHUTDOWN_GRACE, t).await.is_err() {
                eprintln!("luoshi serve: the scheduler's tick was cut off at shutdown");
            }
        }
        self.store.close().await;
        served.map_err(ServeError::Serve)
    }
}

/// A future that completes on ctrl-c (SIGINT) or SIGTERM. The handlers
/// are installed when this is called, not when the future is first polled,
/// so call it before announcing that the server is up: a signal that
/// arrives in between then stops the server gracefully instead of killing
/// the process. Must be called inside the runtime.
#[cfg(unix)]
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// A future that completes on ctrl-c.
#[cfg(not(unix))]
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
}
