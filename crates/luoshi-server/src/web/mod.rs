//! The web interface: server-rendered pages for officials and office staff,
//! served by `luoshi serve` next to the API, from the same binary.
//!
//! * [`router`]: the page routes, the stylesheet, and [`form_csrf`], the
//!   layer that lets a form carry the session's CSRF token as a hidden
//!   field (`csrf`) instead of the `X-CSRF-Token` header.
//! * [`Page`] / [`SelfPage`]: the API's [`Caller`] / [`SelfCaller`] with the
//!   page's language; a request without a session is sent to the login
//!   page, one that must change its password to the password page, any
//!   other refusal is an error page. Every permission and visibility
//!   check is the API's own (`require`, `scope`, `check_task`,
//!   `task_to_act_on`).
//! * [`pages`]: one handler per page and per form; forms post normally and
//!   redirect (303) to a page that shows what was done (`?done=…`).
//! * [`i18n`]: the message catalogues (zh-Hans, zh-Hant, English).
//! * [`chart`]: bar charts drawn as SVG on the server.
//! * [`ingest`] (新建: paste or upload, review the extracted tree, store),
//!   [`assign`] (交办 in bulk), [`admin`] (单位与用户, one's own API
//!   tokens), [`supervision`] (督办: cards, notifications, problems,
//!   indicators, evaluation, the status report): one module per area, each
//!   with its routes, templates and catalogue files (`i18n/<area>/`).
//!
//! Templates (askama, checked at compile time) are in `templates/`; the
//! stylesheet is `static/app.css`, compiled in.

pub mod admin;
pub mod assign;
pub mod chart;
pub mod i18n;
pub mod ingest;
pub mod multipart;
pub mod pages;
pub mod problems;
pub mod supervision;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::auth::CSRF_HEADER;
use crate::caller::{Caller, SelfCaller};
use crate::error::ApiError;
use crate::routes::AppState;
use i18n::{LANGS, T};

/// The stylesheet, compiled in.
pub const CSS: &str = include_str!("static/app.css");

/// The largest form a page posts (a progress report with long texts).
const MAX_FORM_BYTES: usize = 256 * 1024;

/// The largest multipart form (an uploaded communiqué or 台账, or the
/// ingest review's draft); the handler may hold it to less.
pub const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;

/// The page routes.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_page).post(pages::login))
        .route("/logout", post(pages::logout))
        .route(
            "/password",
            get(pages::password_page).post(pages::change_password),
        )
        .route("/lang", get(pages::set_lang))
        .route("/ledger", get(pages::ledger))
        .route("/tasks/{id}", get(pages::task))
        .route("/tasks/{id}/report", post(pages::file_report))
        .route("/tasks/{id}/request-close", post(pages::request_close))
        .route("/tasks/{id}/close", post(pages::close))
        .route("/tasks/{id}/return", post(pages::return_task))
        .route("/reports/{id}/review", post(pages::review_report))
        .route("/dashboard", get(pages::dashboard))
        .route("/review", get(pages::review_queue))
        .route("/static/app.css", get(stylesheet))
        .merge(ingest::routes())
        .merge(assign::routes())
        .merge(admin::routes())
        .merge(supervision::routes())
        .layer(axum::middleware::from_fn(form_csrf))
        .layer(axum::middleware::from_fn(header_scope))
}

tokio::task_local! {
    /// The signed-in user's unread notification count for this request's
    /// page header: set by the [`Page`] and [`SelfPage`] extractors (they
    /// have the store), read by [`Chrome::new`] (which has not), so no
    /// handler has to pass it along. `None` outside a page request or
    /// when the count could not be read (the header then shows the link
    /// without a number).
    static UNREAD: std::cell::Cell<Option<u64>>;
}

/// Gives every page request its own [`UNREAD`] slot.
async fn header_scope(request: Request, next: Next) -> Response {
    UNREAD
        .scope(std::cell::Cell::new(None), next.run(request))
        .await
}

/// Counts the caller's unread notifications (the units it sees, as the
/// notification centre lists them) into this request's [`UNREAD`] slot.
async fn count_unread(state: &AppState, caller: &Caller) {
    let n = state
        .store
        .unread_notification_count(caller.visible_units())
        .await
        .ok();
    let _ = UNREAD.try_with(|slot| slot.set(n));
}

/// This request's unread count as the header shows it (up to
/// [`luoshi_core::UNREAD_BADGE_CAP`]), when it was read.
pub(crate) fn header_unread() -> Option<u64> {
    UNREAD.try_with(std::cell::Cell::get).ok().flatten()
}

/// An unread count as a badge shows it: "99+" from the cap on.
pub(crate) fn unread_badge(n: u64) -> String {
    if n >= luoshi_core::UNREAD_BADGE_CAP {
        format!("{}+", luoshi_core::UNREAD_BADGE_CAP - 1)
    } else {
        n.to_string()
    }
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// Lets a cookie-authenticated form post carry the CSRF token as the
/// hidden field `csrf`: the field's value becomes the `X-CSRF-Token`
/// header that [`Caller`] checks, so a page form is held to exactly the
/// API's rule. Only form posts without the header are read
/// (`application/x-www-form-urlencoded`, at most 256 KiB, or
/// `multipart/form-data`, at most [`MAX_UPLOAD_BYTES`], whose `csrf` part
/// is read with [`multipart::parse`]); the body is passed on unchanged.
pub async fn form_csrf(request: Request, next: Next) -> Response {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = multipart::boundary(content_type);
    let unsafe_form =
        request.method() == Method::POST && !request.headers().contains_key(CSRF_HEADER);
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    if !unsafe_form || (!is_form && boundary.is_none()) {
        return next.run(request).await;
    }
    let limit = if boundary.is_some() {
        MAX_UPLOAD_BYTES
    } else {
        MAX_FORM_BYTES
    };
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        let t = T::new(i18n::lang_of(&parts));
        let e = if boundary.is_some() {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!(
                    "上传的内容太大（上限 {} MB），请拆分文件或只上传正文后再试。",
                    MAX_UPLOAD_BYTES / (1024 * 1024)
                ),
            )
        } else {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "提交的内容太长，请精简后再提交。",
            )
        };
        return error_page(t, None, &e);
    };
    // A multipart form carries the token as its `csrf` part (the forms put
    // it first); an unreadable body gets no token and is refused by the
    // caller check like any other post without one.
    let token = match &boundary {
        Some(b) => multipart::parse(&bytes, b)
            .await
            .ok()
            .and_then(|ps| ps.into_iter().find(|p| p.name == "csrf"))
            .map(|p| p.text()),
        None => form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned()),
    };
    if let Some(v) = token.and_then(|v| HeaderValue::from_str(&v).ok()) {
        parts.headers.insert(CSRF_HEADER, v);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The signed-in user as the page header shows them.
#[derive(Debug, Clone)]
pub struct UserBar {
    pub name: String,
    pub role: String,
    /// "当前用户：姓名（角色）".
    pub label: String,
    pub csrf: String,
    pub may_review: bool,
    pub may_ingest: bool,
    pub may_assign: bool,
    /// Manage users or units.
    pub may_admin: bool,
    /// Unread notifications of the units the user sees, when counted.
    pub unread: Option<u64>,
    /// The header's link to the notification centre: "通知 (3)".
    pub notifications: String,
}

/// A link of the language switch.
#[derive(Debug, Clone)]
pub struct LangLink {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
    pub tag: &'static str,
}

/// What every page shows around its content: who is signed in, the
/// navigation, the language switch.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub user: Option<UserBar>,
    pub langs: Vec<LangLink>,
    /// The navigation entry of this page (`ledger`, `dashboard`, …).
    pub active: &'static str,
    /// Whether to show the navigation (not before a forced password change).
    pub nav: bool,
}

impl Chrome {
    /// `back` is the path (and query) the language switch returns to.
    pub fn new(t: T, caller: Option<&Caller>, back: &str, active: &'static str) -> Chrome {
        let langs = LANGS
            .iter()
            .map(|&l| {
                let tag = i18n::tag(l);
                let query = form_urlencoded::Serializer::new(String::new())
                    .append_pair("to", tag)
                    .append_pair("back", back)
                    .finish();
                LangLink {
                    label: T::new(l).t(match l {
                        i18n::Lang::Hans => "lang.zh-Hans",
                        i18n::Lang::Hant => "lang.zh-Hant",
                        i18n::Lang::En => "lang.en",
                    }),
                    href: format!("/lang?{query}"),
                    current: l == t.lang,
                    tag,
                }
            })
            .collect();
        let user = caller.map(|c| {
            let p = c.principal();
            let role = t.t(&format!("role.{}", p.role.code())).to_owned();
            let unread = header_unread();
            UserBar {
                notifications: match unread {
                    Some(n) if n > 0 => t.f("nav.notifications_n", &[("n", &unread_badge(n))]),
                    _ => t.t("nav.notifications").to_owned(),
                },
                unread,
                label: t.f(
                    "nav.signed_in_as",
                    &[("name", p.name.as_str()), ("role", role.as_str())],
                ),
                name: p.name.to_string(),
                role,
                csrf: c.csrf().unwrap_or("").to_owned(),
                may_review: p.may(luoshi_core::Permission::Review),
                may_ingest: p.may(luoshi_core::Permission::Ingest),
                may_assign: p.may(luoshi_core::Permission::Assign),
                may_admin: p.may(luoshi_core::Permission::ManageUsers)
                    || p.may(luoshi_core::Permission::ManageUnits),
            }
        });
        Chrome {
            nav: user.is_some(),
            user,
            langs,
            active,
        }
    }
}

/// The path and query of a request, for coming back to it.
fn here(parts: &Parts) -> String {
    parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned())
}

/// A 303 redirect.
pub fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// Whether `path` is a path of this site (no scheme, no `//host`): the
/// only kind of place a redirect parameter may send a browser.
pub fn local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(char::is_control)
}

/// An error as a page: the message in the page's language.
pub fn error_page(t: T, caller: Option<&Caller>, e: &ApiError) -> Response {
    let page = pages::ErrorPage {
        t,
        chrome: Chrome::new(t, caller, "/ledger", ""),
        message: error_text(t, e),
    };
    pages::render(e.status, &page)
}

/// The message of an API error in the page's language.
pub fn error_text(t: T, e: &ApiError) -> String {
    match t.lang {
        i18n::Lang::Hans => e.message.clone(),
        i18n::Lang::Hant => hanconv::s2t(&e.message),
        i18n::Lang::En => {
            crate::error::english(&e.code).map_or_else(|| e.message.clone(), str::to_owned)
        }
    }
}

/// How a page answers a request the API would refuse: to the login page
/// without a (valid) session, to the password page when the password must
/// be changed, else an error page.
fn rejection(parts: &Parts, t: T, e: &ApiError) -> Response {
    match e.code.as_ref() {
        "unauthenticated" | "credentials_invalid" => {
            if parts.method == Method::GET {
                let next = form_urlencoded::Serializer::new(String::new())
                    .append_pair("next", &here(parts))
                    .finish();
                see_other(&format!("/login?{next}"))
            } else {
                see_other("/login")
            }
        }
        "password_change_required" => see_other("/password"),
        _ => error_page(t, None, e),
    }
}

/// A signed-in user who may use the pages, with the page's language.
#[derive(Debug, Clone)]
pub struct Page {
    pub caller: Caller,
    pub t: T,
    /// The path and query of this request.
    pub here: String,
}

impl FromRequestParts<Arc<AppState>> for Page {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Response> {
        let t = T::new(i18n::lang_of(parts));
        match Caller::from_request_parts(parts, state).await {
            Ok(caller) => {
                count_unread(state, &caller).await;
                Ok(Page {
                    caller,
                    t,
                    here: here(parts),
                })
            }
            Err(e) => Err(rejection(parts, t, &e)),
        }
    }
}

/// A signed-in user who may still have to change their password: the
/// password page and logging out.
#[derive(Debug, Clone)]
pub struct SelfPage {
    pub caller: Caller,
    pub t: T,
}

impl FromRequestParts<Arc<AppState>> for SelfPage {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Response> {
        let t = T::new(i18n::lang_of(parts));
        match SelfCaller::from_request_parts(parts, state).await {
            Ok(SelfCaller(caller)) => {
                count_unread(state, &caller).await;
                Ok(SelfPage { caller, t })
            }
            Err(e) => Err(rejection(parts, t, &e)),
        }
    }
}

/// The page's language, for pages without a user (login).
#[derive(Debug, Clone, Copy)]
pub struct PageLang(pub T);

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PageLang(T::new(i18n::lang_of(parts))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unread_badge_says_99_plus_from_the_cap() {
        assert_eq!(unread_badge(1), "1");
        assert_eq!(unread_badge(99), "99");
        assert_eq!(unread_badge(luoshi_core::UNREAD_BADGE_CAP), "99+");
    }

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert!(local_path("/ledger?q=1"));
        assert!(!local_path("//evil.example/"));
        assert!(!local_path("/\\evil.example"));
        assert!(!local_path("https://evil.example/"));
        assert!(!local_path("ledger"));
        assert!(!local_path("/a\nb"));
    }

    #[test]
    fn every_css_block_is_closed() {
        // An unclosed `@media {` swallows every rule after it: they then
        // apply on phones only. Comments hold no braces here.
        let mut depth = 0i32;
        for (n, line) in CSS.lines().enumerate() {
            if line.starts_with("/* -----") {
                assert_eq!(depth, 0, "a block is still open at line {}: {line}", n + 1);
            }
            for c in line.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            assert!(depth >= 0, "an extra `}}` at line {}", n + 1);
        }
        assert_eq!(depth, 0, "a block is never closed");
    }

    #[test]
    fn css_stays_small() {
        // Every stylesheet and script the pages load, together.
        let total = CSS.len() + ingest::SCRIPT.len();
        assert!(total < 150 * 1024, "CSS + JS = {total} bytes");
    }
}
