//! A real server per test on loopback (port 0) over a fresh ledger: a
//! SQLite file in a temporary directory, or a new database on the
//! PostgreSQL server named by `LUOSHI_TEST_POSTGRES_URL` (which
//! `scripts/with-postgres.sh` starts and exports). Without that variable
//! the PostgreSQL tests fail and say why: never skipped silently.
//!
//! [`engine_tests!`] turns each `async fn(TestServer)` into one test per
//! engine; [`engine_cases!`] each `async fn(Engine)` (for tests that start
//! their server themselves: a fresh one, a body limit).

#![allow(dead_code, clippy::unwrap_used)]

pub mod browser;
pub mod visitor;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use luoshi_core::{
    Accounts, Date, Login, ManualClock, NewUser, Password, PersonName, Role, Store, UnitName,
};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sqlx::{Connection, Executor};

pub const POSTGRES_ENV: &str = "LUOSHI_TEST_POSTGRES_URL";

/// The communiqué the tests ingest: one theme with three tasks, one more.
pub const COMMUNIQUE: &str = "2026年3月5日，省委常委会召开会议，省委书记张三主持。会议指出，要打造科技创新高地，加快建设实验室体系。\
要推动产业升级，6月底前出台实施方案。要强化要素保障，年底前完成用地指标调剂。\
会议强调，必须加强水利建设，汛期前完成病险水库除险加固。";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// A prefix that keeps this engine's screenshots apart from the
    /// other's: none for SQLite (the names the README gives), `pg-` for
    /// PostgreSQL.
    pub fn tag(self) -> &'static str {
        match self {
            Engine::Sqlite => "",
            Engine::Postgres => "pg-",
        }
    }
}

enum Cleanup {
    Dir(PathBuf),
    Database { admin_url: String, name: String },
}

/// The password the test accounts are given after their one-time one.
pub const PASSWORD: &str = "correct horse battery";

pub struct TestServer {
    pub engine: Engine,
    pub base: String,
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub clock: Arc<ManualClock>,
    /// The same ledger the server serves, for setting up accounts.
    pub store: Store,
    /// The first administrator's one-time password as the server printed it.
    pub first_admin: Option<(String, String)>,
    /// A token of `admin` (its password changed to [`PASSWORD`]); empty for
    /// a fresh server.
    pub admin_token: String,
    /// A token of `office` (督查室); the default of `get` and `post`.
    pub office_token: String,
    /// The database URL, for opening a second store on the same ledger.
    pub url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
    cleanup: Cleanup,
}

/// A response: status and JSON body (Null when the body is not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    /// Asserts the one error shape and returns the code.
    pub fn error_code(&self) -> &str {
        assert_error_shape(self);
        self.body["code"].as_str().unwrap()
    }

    pub fn field(&self) -> Option<&str> {
        self.body["field"].as_str()
    }
}

/// `{code, message, field?}` and nothing else, all strings, not empty.
pub fn assert_error_shape(r: &Reply) {
    let obj = r
        .body
        .as_object()
        .unwrap_or_else(|| panic!("{} without a JSON error body: {:?}", r.status, r.bytes));
    for key in obj.keys() {
        assert!(
            ["code", "message", "field"].contains(&key.as_str()),
            "unexpected key {key} in {}",
            r.body
        );
    }
    let code = obj.get("code").and_then(Value::as_str).unwrap_or("");
    assert!(
        !code.is_empty()
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "{}",
        r.body
    );
    assert!(
        obj.get("message")
            .and_then(Value::as_str)
            .is_some_and(|m| !m.is_empty()),
        "{}",
        r.body
    );
    if let Some(f) = obj.get("field") {
        assert!(f.as_str().is_some_and(|f| !f.is_empty()), "{}", r.body);
    }
    assert!(
        r.content_type.starts_with("application/json"),
        "{}",
        r.content_type
    );
}

pub fn start_day() -> Date {
    Date::parse("2026-03-10").unwrap()
}

fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "luoshi_srv_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// `url` with its database name replaced by `name` (query kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let prefix = match base[authority..].find('/') {
        Some(i) => &base[..authority + i],
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

impl TestServer {
    /// A server with `admin` (password changed) and `office` accounts and a
    /// token for each.
    pub async fn start(engine: Engine) -> TestServer {
        TestServer::start_with_limit(engine, luoshi_server::DEFAULT_MAX_BODY_BYTES).await
    }

    pub async fn start_with_limit(engine: Engine, max_body_bytes: usize) -> TestServer {
        TestServer::start_set_up(
            engine,
            luoshi_server::Settings {
                max_body_bytes,
                ..luoshi_server::Settings::default()
            },
        )
        .await
    }

    /// A server of these settings with the `admin` and `office` accounts.
    pub async fn start_set_up(engine: Engine, settings: luoshi_server::Settings) -> TestServer {
        let mut s = TestServer::start_with(engine, settings).await;
        let (login, otp) = s.first_admin.clone().unwrap();
        let admin = s.store.authenticate(&login, &otp).await.unwrap();
        s.store
            .change_password(admin.user, &otp, &Password::parse(PASSWORD).unwrap())
            .await
            .unwrap();
        let admin = s.store.authenticate(&login, PASSWORD).await.unwrap();
        s.admin_token = s.store.create_token(&admin, "tests").await.unwrap().1;
        s.office_token = s.account("office", Role::Office, None).await.1;
        s
    }

    /// A user with a usable password ([`PASSWORD`]) and a token: `(id, token)`.
    pub async fn account(&self, login: &str, role: Role, unit: Option<&str>) -> (i64, String) {
        let admin = self.store.authenticate("admin", PASSWORD).await.unwrap();
        let otp = "one-time-password-1";
        let user = self
            .store
            .create_user(
                &admin,
                &NewUser {
                    login: Login::parse(login).unwrap(),
                    name: PersonName::parse(&format!("{login}姓名")).unwrap(),
                    role,
                    unit: unit.map(|u| UnitName::parse(u).unwrap()),
                    password: Password::parse(otp).unwrap(),
                },
            )
            .await
            .unwrap();
        self.store
            .change_password(user.id, otp, &Password::parse(PASSWORD).unwrap())
            .await
            .unwrap();
        let me = self.store.authenticate(login, PASSWORD).await.unwrap();
        let token = self.store.create_token(&me, "tests").await.unwrap().1;
        (user.id.0, token)
    }

    /// A server on an untouched database: only the first administrator,
    /// with its one-time password.
    pub async fn start_with(engine: Engine, settings: luoshi_server::Settings) -> TestServer {
        let clock = Arc::new(ManualClock::at_noon(start_day()));
        let (url, cleanup) = match engine {
            Engine::Sqlite => {
                let dir = std::env::temp_dir().join(unique_name());
                std::fs::create_dir_all(&dir).unwrap();
                let url = format!("sqlite://{}", dir.join("luoshi.db").display());
                (url, Cleanup::Dir(dir))
            }
            Engine::Postgres => {
                let admin_url = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
                    panic!(
                        "{POSTGRES_ENV} is not set, so the PostgreSQL half of the server suite cannot run. \
                         Run the tests with a throwaway server: `scripts/test` (or \
                         `scripts/with-postgres.sh cargo test -p luoshi-server`), or set \
                         {POSTGRES_ENV}=postgres://USER@HOST:PORT/DB for a server where USER may create databases."
                    )
                });
                let name = unique_name();
                let mut admin = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_ENV}: {e}"));
                admin
                    .execute(format!("CREATE DATABASE \"{name}\"").as_str())
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                (
                    with_database(&admin_url, &name),
                    Cleanup::Database { admin_url, name },
                )
            }
        };
        let store = Store::open(&url, clock.clone()).await.unwrap();
        let db_url = url.clone();
        let server = luoshi_server::Server::with_store(
            store.clone(),
            "127.0.0.1:0".parse().unwrap(),
            settings,
        )
        .await
        .unwrap();
        let first_admin = server
            .first_admin()
            .map(|a| (a.login.clone(), a.password.clone()));
        let addr = server.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            server
                .run(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        TestServer {
            engine,
            base: format!("http://{addr}"),
            addr,
            client: reqwest::Client::new(),
            clock,
            store,
            first_admin,
            admin_token: String::new(),
            office_token: String::new(),
            url: db_url,
            shutdown: Some(tx),
            handle: Some(handle),
            cleanup,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = resp.bytes().await.unwrap().to_vec();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            content_type,
            bytes,
        }
    }

    /// GET as the office.
    pub async fn get(&self, path: &str) -> Reply {
        self.get_as(&self.office_token, path).await
    }

    /// POST as the office.
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.post_as(&self.office_token, path, body).await
    }

    pub async fn get_as(&self, token: &str, path: &str) -> Reply {
        self.send(self.client.get(self.url(path)).bearer_auth(token))
            .await
    }

    pub async fn post_as(&self, token: &str, path: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .post(self.url(path))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    /// A request of `method` to `path` with a bearer token.
    pub fn request(&self, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }

    /// POST as `token`, asserting the status; returns the body.
    pub async fn ok_post_as(&self, token: &str, path: &str, body: &Value, status: u16) -> Value {
        let r = self.post_as(token, path, body).await;
        assert_eq!(r.status.as_u16(), status, "POST {path} {body}: {}", r.body);
        r.body
    }

    pub async fn ok_get_as(&self, token: &str, path: &str) -> Value {
        let r = self.get_as(token, path).await;
        assert_eq!(r.status, StatusCode::OK, "GET {path}: {}", r.body);
        r.body
    }

    /// A success: asserts `status` and returns the body.
    pub async fn ok_get(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "GET {path}: {}", r.body);
        r.body
    }

    pub async fn ok_post(&self, path: &str, body: &Value, status: u16) -> Value {
        let r = self.post(path, body).await;
        assert_eq!(r.status.as_u16(), status, "POST {path} {body}: {}", r.body);
        r.body
    }

    /// Stops the server (in-flight requests finish) and removes the database.
    pub async fn finish(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.unwrap();
        }
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Database { admin_url, name } => {
                let mut admin = sqlx::PgConnection::connect(admin_url).await.unwrap();
                admin
                    .execute(format!("DROP DATABASE \"{name}\" WITH (FORCE)").as_str())
                    .await
                    .unwrap();
                admin.close().await.unwrap();
            }
        }
    }
}

/// A signed-in browser session: the `Cookie` value and the CSRF token.
#[derive(Debug, Clone)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
    /// The whole Set-Cookie header of the login.
    pub set_cookie: String,
    pub login_body: Value,
}

impl TestServer {
    /// Logs in by password; panics unless it succeeds.
    pub async fn login(&self, login: &str, password: &str) -> Browser {
        let r = self
            .send(
                self.client
                    .post(self.url("/api/v1/session"))
                    .json(&serde_json::json!({"login": login, "password": password})),
            )
            .await;
        assert_eq!(r.status.as_u16(), 200, "login {login}: {}", r.body);
        let set_cookie = r
            .headers
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        Browser {
            cookie: set_cookie.split(';').next().unwrap().to_owned(),
            csrf: r.body["csrf_token"].as_str().unwrap().to_owned(),
            set_cookie,
            login_body: r.body,
        }
    }

    /// A request with the session cookie and, for unsafe methods, the CSRF header.
    pub fn browser(&self, b: &Browser, method: Method, path: &str) -> reqwest::RequestBuilder {
        let unsafe_method = !matches!(method, Method::GET | Method::HEAD);
        let req = self
            .client
            .request(method, self.url(path))
            .header("cookie", &b.cookie);
        if unsafe_method {
            req.header("x-csrf-token", &b.csrf)
        } else {
            req
        }
    }
}

/// `engine_tests!(a, b)` defines `sqlite::a`, `postgres::a`, … each running
/// `async fn a(server: TestServer)` against a fresh server of that engine.
#[macro_export]
macro_rules! engine_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let s = $crate::helpers::TestServer::start($crate::helpers::Engine::Sqlite).await;
                    super::$name(s).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let s = $crate::helpers::TestServer::start($crate::helpers::Engine::Postgres).await;
                    super::$name(s).await;
                }
            )*
        }
    };
}

/// `engine_cases!(a, b)` defines `sqlite::a`, `postgres::a`, … each running
/// `async fn a(engine: Engine)`, which starts its own server of that engine.
#[macro_export]
macro_rules! engine_cases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Engine::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let engine = $crate::helpers::Engine::Postgres;
                    $crate::helpers::browser::SHOT_PREFIX
                        .scope(engine.tag(), super::$name(engine))
                        .await;
                }
            )*
        }
    };
}
