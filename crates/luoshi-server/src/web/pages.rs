//! One handler per page and per form. A page reads through [`Page`] (the
//! API's `Caller`), asks the ledger once or twice, and renders its
//! template. A form post does what the matching API handler does, with
//! the same checks, then redirects (303) to the page with `?done=…`; when
//! it is refused the page is rendered again with the reason and the
//! values typed so far.

use std::sync::Arc;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use luoshi_core::{
    Accounts, AuthError, AuthFailure, Date, DocumentId, Ledger, NewReport, Password, Percent,
    Period, Permission, ProgressReport, ReportId, ReportKind, ReviewState, Status, StatusFilter,
    StoreError, Task, TaskFilter, TaskId, TaskKind, TaskSort, Timestamp, Version,
};
use serde::Deserialize;

use super::chart::{self, Bar};
use super::i18n::{self, LANG_COOKIE, T};
use super::{Chrome, Page, PageLang, SelfPage, error_page, error_text, local_path, see_other};
use crate::accounts::ClientIp;
use crate::auth::{cleared_cookie, session_cookie};
use crate::error::{ApiError, unknown_unit_in};
use crate::routes::{
    AppState, base_filter, field, opt_text, range_filter, reporting_unit, sort_of, text,
};

/// Tasks on one page of the ledger.
pub const PAGE_SIZE: u32 = 50;

/// Bars in the dashboard's chart of units.
const TOP_UNITS: usize = 20;

/// What a `?done=` parameter may name (anything else is ignored).
const DONE: [&str; 9] = [
    "report_filed",
    "close_requested",
    "closed",
    "returned",
    "report_accepted",
    "report_returned",
    "password_changed",
    "logged_out",
    "ingested",
];

/// Renders a template as an HTML response.
pub fn render<P: Template>(status: StatusCode, page: &P) -> Response {
    match page.render() {
        Ok(html) => (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            html,
        )
            .into_response(),
        Err(e) => {
            eprintln!("luoshi serve: cannot render a page: {e}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "服务器内部错误 / Internal error",
            )
                .into_response()
        }
    }
}

/// Reads a form body; a malformed one reads as empty fields.
fn form<F: for<'de> Deserialize<'de> + Default>(body: &Bytes) -> F {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

/// Reads a query string leniently: what cannot be read is left out.
fn query<Q: for<'de> Deserialize<'de> + Default>(raw: Option<&str>) -> Q {
    raw.and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default()
}

/// The message of a `?done=` parameter.
fn done_text(t: T, done: Option<&str>) -> Option<String> {
    done.filter(|d| DONE.contains(d))
        .map(|d| t.t(&format!("done.{d}")).to_owned())
}

/// `YYYY-MM-DD HH:MM` in Beijing time (UTC+8), as offices read times.
pub fn local_time(ts: Timestamp) -> String {
    let shifted = Timestamp::from_millis(ts.millis() + 8 * 3_600_000).to_string();
    shifted.get(..16).unwrap_or(&shifted).replacen('T', " ", 1)
}

fn status_label(t: T, s: Status) -> String {
    t.t(&format!("status.{}", s.code())).to_owned()
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

// ----- error page -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub t: T,
    pub chrome: Chrome,
    pub message: String,
}

// ----- home, language --------------------------------------------------------------

pub async fn home() -> Response {
    see_other("/ledger")
}

#[derive(Debug, Default, Deserialize)]
pub struct LangQuery {
    to: Option<String>,
    back: Option<String>,
}

/// The language switch: remembers the choice in a cookie for a year and
/// goes back to the page it was chosen on.
pub async fn set_lang(RawQuery(raw): RawQuery) -> Response {
    let q: LangQuery = query(raw.as_deref());
    let back = q
        .back
        .filter(|b| local_path(b))
        .unwrap_or_else(|| "/ledger".to_owned());
    let mut r = see_other(&back);
    if let Some(lang) = q.to.as_deref().and_then(i18n::from_tag) {
        let c = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            i18n::tag(lang)
        );
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    r
}

// ----- login, logout, password ----------------------------------------------------

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub t: T,
    pub chrome: Chrome,
    pub next: String,
    pub login: String,
    pub error: Option<String>,
    pub done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    done: Option<String>,
}

pub async fn login_page(PageLang(t): PageLang, RawQuery(raw): RawQuery) -> Response {
    let q: LoginQuery = query(raw.as_deref());
    let next = q.next.filter(|n| local_path(n)).unwrap_or_default();
    render(
        StatusCode::OK,
        &LoginPage {
            t,
            chrome: Chrome::new(t, None, "/login", "login"),
            next,
            login: String::new(),
            error: None,
            done: done_text(t, q.done.as_deref()),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Logs in as `POST /api/v1/session` does (same limiter, same lock-out),
/// then goes to the password page when the password must be changed, else
/// to where the user was going.
pub async fn login(
    State(state): State<Arc<AppState>>,
    PageLang(t): PageLang,
    ClientIp(ip): ClientIp,
    body: Bytes,
) -> Response {
    let f: LoginForm = form(&body);
    let next = f.next.filter(|n| local_path(n)).unwrap_or_default();
    let refuse = |status: StatusCode, e: ApiError, login: String, next: String| {
        render(
            status,
            &LoginPage {
                t,
                chrome: Chrome::new(t, None, "/login", "login"),
                next,
                login,
                error: Some(error_text(t, &e)),
                done: None,
            },
        )
    };
    if let Err(wait) = state
        .limiter
        .attempt(ip, state.settings.login_attempts_per_minute)
    {
        let e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            format!("登录尝试过于频繁，请 {wait} 秒后再试。"),
        );
        return refuse(e.status, e, f.login, next);
    }
    let principal = match state.store.authenticate(&f.login, &f.password).await {
        Ok(p) => p,
        Err(AuthFailure::Store(e)) => {
            let e: ApiError = e.into();
            return refuse(e.status, e, f.login, next);
        }
        Err(AuthFailure::Auth(e)) => {
            let status = match e {
                AuthError::BadCredentials => StatusCode::UNAUTHORIZED,
                AuthError::Locked { .. } => StatusCode::LOCKED,
                AuthError::Disabled => StatusCode::FORBIDDEN,
            };
            let e = ApiError::new(status, e.code(), e.to_string());
            return refuse(status, e, f.login, next);
        }
    };
    let (secret, _session) = match state
        .store
        .create_session(principal.user, state.settings.session_ttl_secs)
        .await
    {
        Ok(s) => s,
        Err(e) => {
            let e: ApiError = e.into();
            return refuse(e.status, e, f.login, next);
        }
    };
    let to = if principal.must_change_password {
        "/password".to_owned()
    } else if next.is_empty() {
        "/ledger".to_owned()
    } else {
        next
    };
    let mut r = see_other(&to);
    if let Ok(v) = HeaderValue::from_str(&session_cookie(&secret, &state.settings)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// Ends the session (a form post, with its CSRF token) and clears the cookie.
pub async fn logout(State(state): State<Arc<AppState>>, page: SelfPage) -> Response {
    if let crate::auth::Credential::Session(secret) = page.caller.credential() {
        if let Err(e) = state.store.end_session(secret).await {
            return error_page(page.t, Some(&page.caller), &e.into());
        }
        state.cache.remove(&page.caller.credential().key());
    }
    let mut r = see_other("/login?done=logged_out");
    if let Ok(v) = HeaderValue::from_str(&cleared_cookie(&state.settings)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    pub t: T,
    pub chrome: Chrome,
    pub forced: bool,
    pub error: Option<String>,
}

fn password_page_of(page: &SelfPage, status: StatusCode, error: Option<String>) -> Response {
    let forced = page.caller.principal().must_change_password;
    // A user who must change the password sees no navigation yet.
    let mut chrome = Chrome::new(page.t, Some(&page.caller), "/password", "password");
    if forced {
        chrome.nav = false;
    }
    render(
        status,
        &PasswordPage {
            t: page.t,
            chrome,
            forced,
            error,
        },
    )
}

pub async fn password_page(page: SelfPage) -> Response {
    password_page_of(&page, StatusCode::OK, None)
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    old_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm: String,
}

/// Changes one's own password as `POST /api/v1/me/password` does.
pub async fn change_password(
    State(state): State<Arc<AppState>>,
    page: SelfPage,
    body: Bytes,
) -> Response {
    let f: PasswordForm = form(&body);
    if f.new_password != f.confirm {
        return password_page_of(
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(page.t.t("password.mismatch").to_owned()),
        );
    }
    let result = async {
        let new = field("new_password", Password::parse(&f.new_password))?;
        state
            .store
            .change_password(page.caller.principal().user, &f.old_password, &new)
            .await?;
        Ok::<(), ApiError>(())
    }
    .await;
    match result {
        Ok(()) => {
            state.cache.clear();
            see_other("/ledger?done=password_changed")
        }
        Err(e) => password_page_of(&page, e.status, Some(error_text(page.t, &e))),
    }
}

// ----- ledger ----------------------------------------------------------------------

/// A row of a task table.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: i64,
    pub title: String,
    pub theme: bool,
    pub lead: String,
    pub co: String,
    pub deadline: String,
    pub status: String,
    pub status_code: &'static str,
    pub overdue: bool,
}

fn row(t: T, task: &Task, today: Date) -> Row {
    let a = task.assignment.as_ref();
    Row {
        id: task.id.0,
        title: task.title.to_string(),
        theme: task.kind == TaskKind::Theme,
        lead: a.map(|a| a.lead.name.to_string()).unwrap_or_default(),
        co: a
            .map(|a| {
                a.co_units
                    .iter()
                    .map(|u| u.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            })
            .unwrap_or_default(),
        deadline: a.map(|a| a.deadline.to_string()).unwrap_or_default(),
        status: status_label(t, task.status),
        status_code: task.status.code(),
        overdue: task.is_overdue(today),
    }
}

/// An option of a `<select>`.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LedgerQuery {
    pub unit: Option<String>,
    pub status: Option<String>,
    pub document: Option<String>,
    pub overdue: Option<String>,
    pub q: Option<String>,
    pub theme: Option<String>,
    pub deadline_from: Option<String>,
    pub deadline_to: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
    pub done: Option<String>,
}

impl LedgerQuery {
    /// The filter part as a query string (no sort, no page).
    fn filters(&self) -> Vec<(&'static str, String)> {
        let mut v = Vec::new();
        for (k, val) in [
            ("unit", &self.unit),
            ("status", &self.status),
            ("document", &self.document),
            ("q", &self.q),
            ("theme", &self.theme),
            ("deadline_from", &self.deadline_from),
            ("deadline_to", &self.deadline_to),
        ] {
            if let Some(x) = non_empty(val) {
                v.push((k, x.to_owned()));
            }
        }
        if self.overdue_on() {
            v.push(("overdue", "true".to_owned()));
        }
        v
    }

    fn overdue_on(&self) -> bool {
        matches!(non_empty(&self.overdue), Some("true" | "on" | "1"))
    }

    /// This query with another sort and page, as a ledger link.
    fn href(&self, sort: Option<&str>, page: u32) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.filters() {
            s.append_pair(k, &v);
        }
        if let Some(sort) = sort.filter(|s| !s.is_empty() && *s != "id") {
            s.append_pair("sort", sort);
        }
        if page > 1 {
            s.append_pair("page", &page.to_string());
        }
        let q = s.finish();
        if q.is_empty() {
            "/ledger".to_owned()
        } else {
            format!("/ledger?{q}")
        }
    }
}

#[derive(Template)]
#[template(path = "ledger.html")]
pub struct LedgerPage {
    pub t: T,
    pub chrome: Chrome,
    pub q: LedgerQuery,
    pub rows: Vec<Row>,
    pub statuses: Vec<Opt>,
    pub sorts: Vec<Opt>,
    pub documents: Vec<Opt>,
    /// The themes of the chosen document (empty without one).
    pub themes: Vec<Opt>,
    /// The theme filtered by, when it is not among `themes`: its title and
    /// the link that drops it.
    pub theme_chip: Option<(String, String)>,
    pub page_label: String,
    pub showing: String,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub export_href: Option<String>,
    /// Column header links that sort by the column.
    pub sort_id: String,
    pub sort_deadline: String,
    pub sort_status: String,
    pub error: Option<String>,
    pub done: Option<String>,
    /// Nothing to show and nothing filtered: say where to begin.
    pub first_start: bool,
}

const SORTS: [&str; 6] = ["id", "-id", "deadline", "-deadline", "status", "-updated"];

/// The ledger: filters, sorting, pages of [`PAGE_SIZE`], and the link to
/// export exactly the filtered list (the API's export).
pub async fn ledger(
    State(state): State<Arc<AppState>>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    let q: LedgerQuery = query(raw.as_deref());
    let t = page.t;
    let caller = &page.caller;
    let sort_code = non_empty(&q.sort).unwrap_or("id").to_owned();
    let page_no = non_empty(&q.page)
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1);
    let result: Result<Vec<Task>, ApiError> = async {
        let document = non_empty(&q.document)
            .map(|d| {
                d.parse::<i64>().map_err(|_| {
                    ApiError::invalid(
                        "document",
                        &luoshi_core::ValueError::BadId {
                            input: d.chars().take(40).collect(),
                        },
                    )
                })
            })
            .transpose()?;
        let mut filter = base_filter(
            &state.store,
            non_empty(&q.unit),
            non_empty(&q.status),
            Some(q.overdue_on()),
            document,
            non_empty(&q.q),
        )?;
        let theme = non_empty(&q.theme)
            .map(|d| {
                d.parse::<i64>().map_err(|_| {
                    ApiError::invalid(
                        "theme",
                        &luoshi_core::ValueError::BadId {
                            input: d.chars().take(40).collect(),
                        },
                    )
                })
            })
            .transpose()?;
        range_filter(
            &mut filter,
            theme,
            non_empty(&q.deadline_from),
            non_empty(&q.deadline_to),
        )?;
        filter.sort = sort_of(Some(&sort_code))?;
        filter.offset = Some((page_no - 1) * PAGE_SIZE).filter(|o| *o > 0);
        filter.limit = Some(PAGE_SIZE + 1);
        caller.scope(&mut filter);
        state
            .store
            .tasks(&filter)
            .await
            .map_err(unknown_unit_in("unit"))
    }
    .await;
    let (mut tasks, error, status) = match result {
        Ok(tasks) => (tasks, None, StatusCode::OK),
        Err(e) => (Vec::new(), Some(error_text(t, &e)), e.status),
    };
    let more = tasks.len() > PAGE_SIZE as usize;
    tasks.truncate(PAGE_SIZE as usize);
    let today = state.store.clock().today();
    // Documents to filter by: only for readers of every unit (a scoped
    // reader must not learn the names of documents it has no task in).
    let documents = if caller.sees_all() {
        match state.store.documents(None, 200).await {
            Ok(docs) => docs
                .iter()
                .map(|d| {
                    let label = d
                        .title
                        .clone()
                        .or_else(|| d.name.clone())
                        .unwrap_or_else(|| d.id.to_string());
                    Opt {
                        value: d.id.to_string(),
                        label: format!("{} {}", d.id, label),
                        selected: non_empty(&q.document) == Some(d.id.to_string().as_str()),
                    }
                })
                .collect(),
            Err(e) => return error_page(t, Some(caller), &e.into()),
        }
    } else {
        Vec::new()
    };
    let (themes, theme_chip) = match ledger_themes(&state, caller, &q).await {
        Ok(v) => v,
        Err(e) => return error_page(t, Some(caller), &e),
    };
    let status_sel = non_empty(&q.status).unwrap_or("");
    let mut statuses = vec![
        Opt {
            value: String::new(),
            label: t.t("ledger.any").to_owned(),
            selected: status_sel.is_empty(),
        },
        Opt {
            value: "open".into(),
            label: t.t("ledger.open").to_owned(),
            selected: status_sel == "open",
        },
    ];
    statuses.extend(Status::CODES.iter().map(|c| Opt {
        value: (*c).to_owned(),
        label: t.t(&format!("status.{c}")).to_owned(),
        selected: status_sel == *c,
    }));
    let sorts = SORTS
        .iter()
        .map(|s| Opt {
            value: (*s).to_owned(),
            label: t.t(&format!("sort.{s}")).to_owned(),
            selected: sort_code == *s,
        })
        .collect();
    let toggle = |col: &str| {
        if sort_code == col {
            format!("-{col}")
        } else {
            col.to_owned()
        }
    };
    let export_href = caller.principal().may(Permission::Export).then(|| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in q.filters() {
            s.append_pair(k, &v);
        }
        let qs = s.finish();
        if qs.is_empty() {
            "/api/v1/tasks/export".to_owned()
        } else {
            format!("/api/v1/tasks/export?{qs}")
        }
    });
    let rows: Vec<Row> = tasks.iter().map(|task| row(t, task, today)).collect();
    let first_start = rows.is_empty() && error.is_none() && page_no == 1 && q.filters().is_empty();
    let p = LedgerPage {
        first_start,
        t,
        chrome: Chrome::new(t, Some(caller), &page.here, "ledger"),
        page_label: t.f("ledger.page", &[("n", &page_no.to_string())]),
        showing: t.f("ledger.showing", &[("n", &rows.len().to_string())]),
        prev_href: (page_no > 1).then(|| q.href(Some(&sort_code), page_no - 1)),
        next_href: more.then(|| q.href(Some(&sort_code), page_no + 1)),
        export_href,
        sort_id: q.href(Some(&toggle("id")), 1),
        sort_deadline: q.href(Some(&toggle("deadline")), 1),
        sort_status: q.href(Some("status"), 1),
        rows,
        statuses,
        sorts,
        documents,
        themes,
        theme_chip,
        error,
        done: done_text(t, q.done.as_deref()),
        q,
    };
    render(status, &p)
}

/// The theme choices of the ledger's filter: the themes of the chosen
/// document that the caller may see (`Store::theme_counts`, scoped), and
/// when the theme asked for is not among them, its title if the caller
/// may see it (nothing is said about a theme it may not see).
async fn ledger_themes(
    state: &AppState,
    caller: &crate::caller::Caller,
    q: &LedgerQuery,
) -> Result<(Vec<Opt>, Option<(String, String)>), ApiError> {
    let chosen = non_empty(&q.theme).and_then(|v| v.parse::<i64>().ok());
    let document = non_empty(&q.document).and_then(|d| d.parse::<i64>().ok());
    let themes: Vec<Opt> = match document.filter(|d| *d > 0) {
        Some(doc) => state
            .store
            .theme_counts(DocumentId(doc), caller.visible_units())
            .await?
            .into_iter()
            .map(|c| Opt {
                value: c.theme.to_string(),
                label: c.title.to_string(),
                selected: chosen == Some(c.theme.0),
            })
            .collect(),
        None => Vec::new(),
    };
    let Some(id) = chosen.filter(|c| *c > 0 && !themes.iter().any(|o| o.selected)) else {
        return Ok((themes, None));
    };
    let id = TaskId(id);
    let visible = match caller.visible_units() {
        None => true,
        Some(units) => match state.store.task_visible(id, units).await {
            Ok(v) => v,
            Err(StoreError::NotFound { .. }) => false,
            Err(e) => return Err(e.into()),
        },
    };
    let title = if visible {
        match state.store.task(id).await {
            Ok(task) => task.title.to_string(),
            Err(StoreError::NotFound { .. }) => id.to_string(),
            Err(e) => return Err(e.into()),
        }
    } else {
        id.to_string()
    };
    let without = LedgerQuery {
        theme: None,
        ..q.clone()
    };
    let sort = non_empty(&q.sort).map(str::to_owned);
    Ok((themes, Some((title, without.href(sort.as_deref(), 1)))))
}

// ----- task ------------------------------------------------------------------------

/// An entry of the task's timeline: a report or an audit event.
#[derive(Debug, Clone)]
pub struct Entry {
    pub at: String,
    pub title: String,
    pub who: String,
    pub note: Option<String>,
    pub report: Option<ReportView>,
    sort_key: i64,
}

#[derive(Debug, Clone)]
pub struct ReportView {
    pub id: i64,
    pub version: i64,
    pub fields: Vec<(String, String)>,
    pub review: String,
    pub review_code: &'static str,
    /// The office may accept or return it here.
    pub reviewable: bool,
}

/// What was typed into the report form, to show again after a refusal.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub percent: String,
    #[serde(default)]
    pub done: String,
    #[serde(default)]
    pub next_steps: String,
    #[serde(default)]
    pub problems: String,
    #[serde(default)]
    pub evidence: String,
}

#[derive(Template)]
#[template(path = "task.html")]
pub struct TaskPage {
    pub t: T,
    pub chrome: Chrome,
    pub id: i64,
    pub heading: String,
    pub title: String,
    pub kind: String,
    pub text: String,
    pub document: i64,
    pub due_text: Option<String>,
    pub status: String,
    pub status_code: &'static str,
    pub overdue: bool,
    pub lead: Option<String>,
    pub co: String,
    pub owner: String,
    pub deadline: String,
    pub version: i64,
    pub timeline: Vec<Entry>,
    pub report_form: Option<ReportForm>,
    pub close_form: bool,
    pub office_form: bool,
    /// "N progress reports wait for review" when there are any.
    pub pending_reviews: Option<String>,
    /// The task's open warning cards, one line each.
    pub cards: Vec<String>,
    /// The reporting cycle, the next report due and the reports missed
    /// (tasks being worked on only).
    pub cycle: Option<String>,
    pub next_due: Option<String>,
    pub missed: Option<String>,
    /// The task's problems and indicators (`web::problems::task_problems`),
    /// rendered.
    pub problems_html: String,
    /// Evidence given in reports and completion requests: (when, what).
    pub evidence: Vec<(String, String)>,
    pub error: Option<String>,
    pub done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

fn event_label(t: T, action: &str) -> String {
    let key = format!("event.{action}");
    let s = t.t(&key);
    if s == key {
        format!("{}（{action}）", t.t("event.other"))
    } else {
        s.to_owned()
    }
}

fn report_view(t: T, r: &ProgressReport, may_review: bool) -> ReportView {
    let mut fields = vec![
        (t.t("report.period").to_owned(), r.period.to_string()),
        (
            t.t("report.percent").to_owned(),
            r.percent.value().to_string(),
        ),
        (t.t("report.done").to_owned(), r.done.to_string()),
    ];
    for (key, v) in [
        ("report.next", &r.next_steps),
        ("report.problems", &r.problems),
        ("report.evidence", &r.evidence),
    ] {
        if let Some(v) = v {
            fields.push((t.t(key).to_owned(), v.to_string()));
        }
    }
    if let Some(note) = &r.review_note {
        fields.push((t.t("review.note").to_owned(), note.clone()));
    }
    ReportView {
        id: r.id.0,
        version: r.version.0,
        fields,
        review: t.t(&format!("review.{}", r.review.code())).to_owned(),
        review_code: r.review.code(),
        reviewable: may_review
            && r.review == ReviewState::Submitted
            && r.kind == ReportKind::Progress,
    }
}

/// The task page: loaded and checked exactly as `GET /api/v1/tasks/{id}`.
async fn task_page(
    state: &AppState,
    page: &Page,
    id: &str,
    status: StatusCode,
    error: Option<String>,
    done: Option<String>,
    refill: Option<ReportForm>,
) -> Response {
    let t = page.t;
    let caller = &page.caller;
    let id = match field("id", TaskId::parse(id)) {
        Ok(id) => id,
        Err(e) => return error_page(t, Some(caller), &e),
    };
    let detail = match caller
        .check_task(id, state.store.task_detail(id).await, |d| &d.task)
        .await
    {
        Ok(d) => d,
        Err(e) => return error_page(t, Some(caller), &e),
    };
    let task = &detail.task;
    let p = caller.principal();
    let today = state.store.clock().today();
    let (cards, cycle_info) = match supervision_of(state, task, &detail.reports, today).await {
        Ok(v) => v,
        Err(e) => return error_page(t, Some(caller), &e.into()),
    };
    let cards: Vec<String> = cards
        .iter()
        .map(|c| {
            t.f(
                "task.card_raised",
                &[
                    // A stored tier code is shown in the page's language;
                    // a tier of another rule set as it was named.
                    (
                        "tier",
                        &match c.tier.as_str() {
                            "yellow" | "red" => t.t(&format!("sup.tier.{}", c.tier)).to_owned(),
                            _ => t.script(&c.tier_label),
                        },
                    ),
                    ("date", &c.raised_on.to_string()),
                    (
                        "reasons",
                        &c.reasons
                            .iter()
                            .map(|r| r.text.as_str())
                            .collect::<Vec<_>>()
                            .join("；"),
                    ),
                ],
            )
        })
        .collect();
    let evidence: Vec<(String, String)> = detail
        .reports
        .iter()
        .filter_map(|r| {
            r.evidence
                .as_ref()
                .map(|e| (local_time(r.created_at), e.to_string()))
        })
        .collect();
    let a = task.assignment.as_ref();
    let mine = a.is_some_and(|a| {
        caller.sees_unit(a.lead.id) || a.co_units.iter().any(|u| caller.sees_unit(u.id))
    });
    let lead_mine = a.is_some_and(|a| caller.sees_unit(a.lead.id)) && !caller.sees_all();
    let may_review = p.may(Permission::Review);
    let can_report = p.may(Permission::Report)
        && mine
        && matches!(task.status, Status::Assigned | Status::InProgress);
    let reports = detail
        .reports
        .iter()
        .map(|r| Entry {
            at: local_time(r.created_at),
            title: t
                .t(match r.kind {
                    ReportKind::Progress => "report.kind.progress",
                    ReportKind::Completion => "report.kind.completion",
                })
                .to_owned(),
            who: t.f(
                "report.by",
                &[
                    (
                        "unit",
                        &r.unit
                            .as_ref()
                            .map(|u| u.name.to_string())
                            .unwrap_or_default(),
                    ),
                    ("person", r.reported_by.as_str()),
                ],
            ),
            note: None,
            report: Some(report_view(t, r, may_review)),
            sort_key: r.created_at.millis(),
        })
        .collect::<Vec<Entry>>();
    // Events first, so that on equal times a report follows the events
    // before it; a report's own creation event is the report itself.
    let mut timeline: Vec<Entry> = detail
        .events
        .iter()
        // Refusals belong to the audit trail, not to the task's story.
        .filter(|e| e.action != "denied")
        .filter(|e| !(e.table == "progress_reports" && e.action == "create"))
        .map(|e| Entry {
            at: local_time(e.at),
            title: event_label(t, &e.action),
            who: e.actor.clone(),
            note: e.note.clone(),
            report: None,
            sort_key: e.at.millis(),
        })
        .collect();
    timeline.extend(reports);
    timeline.sort_by_key(|e| e.sort_key);
    let pending = timeline
        .iter()
        .filter(|e| e.report.as_ref().is_some_and(|r| r.reviewable))
        .count();
    let pending_reviews =
        (pending > 0).then(|| t.f("task.pending_reviews", &[("n", &pending.to_string())]));
    let default_period = format!("{}年{}月", today.year(), today.month());
    let report_form = can_report.then(|| {
        refill.unwrap_or(ReportForm {
            period: default_period,
            ..ReportForm::default()
        })
    });
    let problems_html = crate::web::problems::task_problems(state, caller, t, task.id)
        .await
        .map(|p| p.html())
        .unwrap_or_default();
    let page = TaskPage {
        t,
        chrome: Chrome::new(t, Some(caller), &page.here, "ledger"),
        id: task.id.0,
        heading: t.f("task.title", &[("id", &task.id.to_string())]),
        title: task.title.to_string(),
        kind: t
            .t(match task.kind {
                TaskKind::Theme => "kind.theme",
                TaskKind::Task => "kind.task",
            })
            .to_owned(),
        text: task.text.to_string(),
        document: task.document.0,
        due_text: task.due_text.clone(),
        status: status_label(t, task.status),
        status_code: task.status.code(),
        overdue: task.is_overdue(today),
        lead: a.map(|a| a.lead.name.to_string()),
        co: a
            .map(|a| {
                a.co_units
                    .iter()
                    .map(|u| u.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            })
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| t.t("task.none").to_owned()),
        owner: a
            .and_then(|a| a.owner.as_ref())
            .map_or_else(|| t.t("task.none").to_owned(), ToString::to_string),
        deadline: a.map(|a| a.deadline.to_string()).unwrap_or_default(),
        version: task.version.0,
        timeline,
        report_form,
        close_form: p.may(Permission::Report) && lead_mine && task.status == Status::InProgress,
        office_form: may_review && task.status == Status::CompletionRequested,
        pending_reviews,
        cards,
        // The stored cycle code in the page's language.
        cycle: cycle_info
            .as_ref()
            .map(|c| t.t(&format!("assign.cycle.{}", c.0)).to_owned()),
        next_due: cycle_info.as_ref().and_then(|c| c.1.map(|d| d.to_string())),
        missed: cycle_info
            .as_ref()
            .filter(|c| c.2 > 0)
            .map(|c| t.f("task.missed", &[("n", &c.2.to_string())])),
        problems_html,
        evidence,
        error,
        done,
    };
    render(status, &page)
}

/// The task's open warning cards, and for a task being worked on its
/// reporting cycle (its own or the default one of the rules the API
/// uses), the next report due and how many were missed in a row: two
/// indexed reads by task id and the pure rule `supervise::cycle_state`
/// over the reports already loaded.
async fn supervision_of(
    state: &AppState,
    task: &Task,
    reports: &[ProgressReport],
    today: Date,
) -> Result<
    (
        Vec<luoshi_core::Card>,
        Option<(String, Option<Date>, usize)>,
    ),
    StoreError,
> {
    let cards = state
        .store
        .cards(&luoshi_core::CardFilter {
            task: Some(task.id),
            open: true,
            limit: Some(10),
            ..luoshi_core::CardFilter::default()
        })
        .await?;
    if !matches!(task.status, Status::Assigned | Status::InProgress) || task.assignment.is_none() {
        return Ok((cards, None));
    }
    let rules = luoshi_core::WarningRules::default();
    let start_of = |ms: i64| {
        Timestamp::from_millis(ms)
            .date_at_offset(480)
            .unwrap_or(today)
    };
    let (cycle, start) = match state.store.cycle(task.id).await? {
        Some(c) => (c.cycle, c.starts_on),
        None => match rules.default_cycle() {
            Ok(Some(c)) => (c, start_of(task.created_at.millis())),
            _ => return Ok((cards, None)),
        },
    };
    let days: Vec<Date> = reports
        .iter()
        .map(|r| start_of(r.created_at.millis()))
        .collect();
    let st = luoshi_core::supervise::cycle_state(&cycle, start, &days, today, &rules.due);
    Ok((
        cards,
        Some((cycle.code().to_owned(), st.next_due, st.missed.len())),
    ))
}

pub async fn task(
    State(state): State<Arc<AppState>>,
    page: Page,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let q: DoneQuery = query(raw.as_deref());
    let done = done_text(page.t, q.done.as_deref());
    task_page(&state, &page, &id, StatusCode::OK, None, done, None).await
}

fn task_done(id: TaskId, done: &str) -> Response {
    see_other(&format!("/tasks/{id}?done={done}"))
}

/// After a refused form: the task page again, with the reason.
async fn refused(
    state: &AppState,
    page: &Page,
    id: &str,
    e: &ApiError,
    refill: Option<ReportForm>,
) -> Response {
    let message = error_text(page.t, e);
    task_page(state, page, id, e.status, Some(message), None, refill).await
}

/// Files a progress report as `POST /api/v1/tasks/{id}/reports` does.
pub async fn file_report(
    State(state): State<Arc<AppState>>,
    page: Page,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f: ReportForm = form(&body);
    let caller = &page.caller;
    let result = async {
        caller.require(Permission::Report).await?;
        let task_id = field("id", TaskId::parse(&id))?;
        let task = caller.task_to_act_on(task_id, "反馈进展").await?;
        let unit = match &task {
            Some(task) => Some(reporting_unit(caller, task, None).await?),
            None => None,
        };
        let percent = f.percent.trim().parse::<i64>().map_err(|_| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_value",
                "完成进度须为 0 到 100 之间的整数。",
            )
            .with_field("percent")
        })?;
        let report = NewReport {
            unit,
            period: field("period", Period::parse(f.period.trim()))?,
            done: text("done", &f.done)?,
            next_steps: opt_text(
                "next_steps",
                Some(f.next_steps.as_str()).filter(|s| !s.trim().is_empty()),
            )?,
            percent: field("percent", Percent::new(percent))?,
            problems: opt_text(
                "problems",
                Some(f.problems.as_str()).filter(|s| !s.trim().is_empty()),
            )?,
            evidence: opt_text(
                "evidence",
                Some(f.evidence.as_str()).filter(|s| !s.trim().is_empty()),
            )?,
        };
        state
            .store
            .add_report(caller.actor(), task_id, &report)
            .await
            .map_err(unknown_unit_in("unit"))?;
        Ok::<TaskId, ApiError>(task_id)
    }
    .await;
    match result {
        Ok(task_id) => task_done(task_id, "report_filed"),
        Err(e) => refused(&state, &page, &id, &e, Some(f)).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    task: String,
    /// `review` when the form was on the review queue: go back there.
    #[serde(default)]
    back: String,
    /// 重新办结期限 given with a return (optional).
    #[serde(default)]
    new_date: String,
}

fn version_of(f: &VersionForm) -> Result<Version, ApiError> {
    f.version.trim().parse::<i64>().map(Version).map_err(|_| {
        ApiError::invalid(
            "expected_version",
            &luoshi_core::ValueError::BadId {
                input: f.version.chars().take(20).collect(),
            },
        )
    })
}

/// Requests completion as `POST /api/v1/tasks/{id}/request-close` does:
/// the lead unit only.
pub async fn request_close(
    State(state): State<Arc<AppState>>,
    page: Page,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f: VersionForm = form(&body);
    let caller = &page.caller;
    let result = async {
        caller.require(Permission::Report).await?;
        let task_id = field("id", TaskId::parse(&id))?;
        if let Some(task) = caller.task_to_act_on(task_id, "申请办结").await?
            && !task
                .assignment
                .as_ref()
                .is_some_and(|a| caller.sees_unit(a.lead.id))
        {
            let refusal = ApiError::new(
                StatusCode::FORBIDDEN,
                "lead_unit_only",
                "只有牵头单位可以申请办结；配合单位请通过进展反馈报告完成情况。",
            );
            return Err(caller
                .refuse("申请办结（非牵头单位）", "tasks", Some(task_id.0), refusal)
                .await);
        }
        let evidence = text("evidence", &f.evidence)?;
        state
            .store
            .request_close(caller.actor(), task_id, version_of(&f)?, &evidence)
            .await?;
        Ok(task_id)
    }
    .await;
    match result {
        Ok(task_id) => task_done(task_id, "close_requested"),
        Err(e) => refused(&state, &page, &id, &e, None).await,
    }
}

/// Closes the task (销号) as `POST /api/v1/tasks/{id}/close` does.
pub async fn close(
    State(state): State<Arc<AppState>>,
    page: Page,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f: VersionForm = form(&body);
    let caller = &page.caller;
    let result = async {
        caller.require(Permission::Review).await?;
        let task_id = field("id", TaskId::parse(&id))?;
        state
            .store
            .close_task(caller.actor(), task_id, version_of(&f)?)
            .await?;
        Ok::<TaskId, ApiError>(task_id)
    }
    .await;
    match result {
        Ok(task_id) => task_done(task_id, "closed"),
        Err(e) => refused(&state, &page, &id, &e, None).await,
    }
}

/// Returns the completion request as `POST /api/v1/tasks/{id}/return` does.
pub async fn return_task(
    State(state): State<Arc<AppState>>,
    page: Page,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f: VersionForm = form(&body);
    let caller = &page.caller;
    let result = async {
        caller.require(Permission::Review).await?;
        let task_id = field("id", TaskId::parse(&id))?;
        let reason = text("reason", &f.reason)?;
        let new_date = match f.new_date.trim() {
            "" => None,
            d => Some(field("new_date", Date::parse(d))?),
        };
        state
            .store
            .return_task_until(caller.actor(), task_id, version_of(&f)?, &reason, new_date)
            .await?;
        Ok::<TaskId, ApiError>(task_id)
    }
    .await;
    match result {
        Ok(task_id) => task_done(task_id, "returned"),
        Err(e) => refused(&state, &page, &id, &e, None).await,
    }
}

/// Accepts or returns a progress report as `POST /api/v1/reports/{id}/…`.
pub async fn review_report(
    State(state): State<Arc<AppState>>,
    page: Page,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f: VersionForm = form(&body);
    let caller = &page.caller;
    let accept = f.decision == "accept";
    let result = async {
        caller.require(Permission::Review).await?;
        let report_id = field("id", ReportId::parse(&id))?;
        let note = opt_text(
            "note",
            Some(f.note.as_str()).filter(|s| !s.trim().is_empty()),
        )?;
        if !accept && note.is_none() {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "missing_field",
                "退回进展反馈须说明理由（note）。",
            )
            .with_field("note"));
        }
        let report = state
            .store
            .review_report(
                caller.actor(),
                report_id,
                version_of(&f)?,
                accept,
                note.as_ref(),
            )
            .await?;
        Ok(report.task)
    }
    .await;
    let done = if accept {
        "report_accepted"
    } else {
        "report_returned"
    };
    match result {
        Ok(_) if f.back == "review" => see_other(&format!("/review?done={done}")),
        Ok(task_id) => task_done(task_id, done),
        Err(e) => {
            if TaskId::parse(&f.task).is_ok() {
                refused(&state, &page, &f.task, &e, None).await
            } else {
                error_page(page.t, Some(caller), &e)
            }
        }
    }
}

// ----- dashboard -------------------------------------------------------------------

/// A unit's line in the dashboard's table.
#[derive(Debug, Clone)]
pub struct UnitLine {
    pub name: String,
    pub total: i64,
    pub closed: i64,
    pub rate: String,
}

/// A theme's line in the dashboard's table.
#[derive(Debug, Clone)]
pub struct ThemeLine {
    pub id: i64,
    pub title: String,
    pub total: i64,
    pub closed: i64,
    pub rate: String,
}

/// A month's line under the chart of progress over time.
#[derive(Debug, Clone)]
pub struct MonthLine {
    pub month: String,
    pub assigned: i64,
    pub closed: i64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub t: T,
    pub chrome: Chrome,
    /// The newest open warning cards (`web::supervision::dashboard_cards`),
    /// rendered.
    pub cards_html: String,
    pub total: i64,
    pub overdue: i64,
    pub overdue_href: String,
    pub at_risk: i64,
    pub at_risk_href: String,
    pub at_risk_label: String,
    pub units: Vec<UnitLine>,
    pub unit_chart: String,
    pub status_chart: String,
    pub statuses: Vec<(String, i64)>,
    /// Documents to show the themes of (readers of every unit only).
    pub documents: Vec<Opt>,
    /// The document whose themes are shown, and its label.
    pub document: Option<(i64, String)>,
    pub themes: Vec<ThemeLine>,
    pub theme_chart: String,
    pub months: Vec<MonthLine>,
    pub month_chart: String,
    pub error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    document: Option<String>,
}

/// Days ahead a deadline puts an unfinished task at risk.
const AT_RISK_DAYS: u32 = 14;

/// Months of progress over time.
const MONTHS: i64 = 12;

fn percent_text(closed: i64, total: i64) -> String {
    if total == 0 {
        "0%".to_owned()
    } else {
        format!("{}%", closed * 100 / total)
    }
}

/// `(year, month)` `back` months before `day`'s month.
fn month_back(day: Date, back: i64) -> (i64, i64) {
    let index = day.year() * 12 + day.month() - 1 - back;
    (index.div_euclid(12), index.rem_euclid(12) + 1)
}

/// Completion by unit and by theme, overdue and at-risk counts, tasks by
/// status and progress over time: five store calls, each one indexed
/// statement (the derived counts table, the themes of one document, a
/// range read of deadlines, a range read of the audit trail's
/// assignments and closures), each scoped to the caller's units.
pub async fn dashboard(
    State(state): State<Arc<AppState>>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    let q: DashboardQuery = query(raw.as_deref());
    let t = page.t;
    let caller = &page.caller;
    let units_scope = caller.visible_units();
    let today = state.store.clock().today();
    let counts = match state.store.counts_by_unit_status_in(units_scope).await {
        Ok(c) => c,
        Err(e) => return error_page(t, Some(caller), &e.into()),
    };
    let deadlines = match state
        .store
        .deadline_counts(today, AT_RISK_DAYS, units_scope)
        .await
    {
        Ok(c) => c,
        Err(e) => return error_page(t, Some(caller), &e.into()),
    };
    // The document whose themes are shown: the one asked for, else the
    // newest the caller has a task in.
    let mut error = None;
    let asked = match non_empty(&q.document).map(|d| d.parse::<i64>()) {
        None => None,
        Some(Ok(d)) if d > 0 => Some(DocumentId(d)),
        Some(_) => {
            error = Some(t.t("dashboard.bad_document").to_owned());
            None
        }
    };
    let document = asked.or(deadlines.latest_document);
    let theme_counts = match document {
        Some(d) => match state.store.theme_counts(d, units_scope).await {
            Ok(c) => c,
            Err(e) => return error_page(t, Some(caller), &e.into()),
        },
        None => Vec::new(),
    };
    let (first_year, first_month) = month_back(today, MONTHS - 1);
    let since = Date::from_ymd(first_year, first_month, 1).unwrap_or(today);
    let activity = match state.store.activity_by_day(since, units_scope).await {
        Ok(a) => a,
        Err(e) => return error_page(t, Some(caller), &e.into()),
    };
    // Recent documents to choose from: only for readers of every unit (a
    // scoped reader must not learn the names of documents it has no task in).
    let mut documents = Vec::new();
    let mut document_label = None;
    if caller.sees_all() {
        let latest = deadlines.latest_document.map_or(0, |d| d.0);
        let after = (latest - 21).max(0);
        let docs = match state
            .store
            .documents((after > 0).then_some(DocumentId(after)), 21)
            .await
        {
            Ok(d) => d,
            Err(e) => return error_page(t, Some(caller), &e.into()),
        };
        for d in docs.iter().rev() {
            let label = match d.title.clone().or_else(|| d.name.clone()) {
                Some(title) => format!("{} {title}", d.id),
                None => t.f("dashboard.document_n", &[("id", &d.id.to_string())]),
            };
            let selected = document == Some(d.id);
            if selected {
                document_label = Some(label.clone());
            }
            documents.push(Opt {
                value: d.id.to_string(),
                label,
                selected,
            });
        }
    }
    let document = document.filter(|_| !theme_counts.is_empty() || caller.sees_all());
    let document = document.map(|d| {
        (
            d.0,
            document_label
                .clone()
                .unwrap_or_else(|| t.f("dashboard.document_n", &[("id", &d.0.to_string())])),
        )
    });

    // Per unit: total and closed; per status: total.
    // The counts come a unit at a time (ordered by unit), so a unit's
    // line is the last one or a new one: no search through thousands of
    // units for each count.
    let mut by_unit: Vec<(String, i64, i64)> = Vec::new();
    let mut by_status: Vec<(&'static str, i64)> = Status::CODES.iter().map(|c| (*c, 0)).collect();
    let mut last_unit = None;
    for c in &counts {
        let key = c.unit.as_ref().map(|u| u.id);
        if last_unit != Some(key) || by_unit.is_empty() {
            last_unit = Some(key);
            let name = c.unit.as_ref().map_or_else(
                || t.t("dashboard.unassigned").to_owned(),
                |u| u.name.to_string(),
            );
            by_unit.push((name, 0, 0));
        }
        if let Some(entry) = by_unit.last_mut() {
            entry.1 += c.count;
            if c.status == "closed" {
                entry.2 += c.count;
            }
        }
        if let Some(s) = by_status.iter_mut().find(|(s, _)| *s == c.status) {
            s.1 += c.count;
        }
    }
    let total: i64 = by_status.iter().map(|(_, n)| n).sum();
    by_unit.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    by_unit.truncate(TOP_UNITS);
    let units: Vec<UnitLine> = by_unit
        .iter()
        .map(|(name, total, closed)| UnitLine {
            name: name.clone(),
            total: *total,
            closed: *closed,
            rate: percent_text(*closed, *total),
        })
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let share = |closed: i64, total: i64| {
        if total == 0 {
            0.0
        } else {
            closed as f64 / total as f64
        }
    };
    let unit_bars: Vec<Bar> = units
        .iter()
        .map(|u| Bar {
            label: u.name.clone(),
            share: share(u.closed, u.total),
            value: format!("{}（{}/{}）", u.rate, u.closed, u.total),
        })
        .collect();
    let max = by_status.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let status_bars: Vec<Bar> = by_status
        .iter()
        .map(|(s, n)| Bar {
            label: t.t(&format!("status.{s}")).to_owned(),
            share: share(*n, max),
            value: n.to_string(),
        })
        .collect();
    let themes: Vec<ThemeLine> = theme_counts
        .iter()
        .map(|c| ThemeLine {
            id: c.theme.0,
            title: c.title.to_string(),
            total: c.total,
            closed: c.closed,
            rate: percent_text(c.closed, c.total),
        })
        .collect();
    let theme_bars: Vec<Bar> = themes
        .iter()
        .map(|c| Bar {
            label: c.title.clone(),
            share: share(c.closed, c.total),
            value: format!("{}（{}/{}）", c.rate, c.closed, c.total),
        })
        .collect();
    // Months, oldest first, each with its assignments and closures.
    let mut months: Vec<MonthLine> = (0..MONTHS)
        .rev()
        .map(|back| {
            let (y, m) = month_back(today, back);
            MonthLine {
                month: format!("{y}-{m:02}"),
                assigned: 0,
                closed: 0,
            }
        })
        .collect();
    for a in &activity {
        let key = format!("{}-{:02}", a.day.year(), a.day.month());
        if let Some(m) = months.iter_mut().find(|m| m.month == key) {
            m.assigned += a.assigned;
            m.closed += a.closed;
        }
    }
    let groups: Vec<chart::Group> = months
        .iter()
        .map(|m| chart::Group {
            label: m.month.clone(),
            values: vec![m.assigned, m.closed],
        })
        .collect();
    let until = today
        .add_days(i64::from(AT_RISK_DAYS))
        .unwrap_or(today)
        .to_string();
    let cards_html = crate::web::supervision::dashboard_cards(&state, caller, t)
        .await
        .map(|p| p.html())
        .unwrap_or_default();
    render(
        StatusCode::OK,
        &DashboardPage {
            t,
            chrome: Chrome::new(t, Some(caller), "/dashboard", "dashboard"),
            cards_html,
            total,
            overdue: deadlines.overdue,
            overdue_href: "/ledger?overdue=true".to_owned(),
            at_risk: deadlines.at_risk,
            at_risk_href: format!(
                "/ledger?status=open&deadline_from={today}&deadline_to={until}&sort=deadline"
            ),
            at_risk_label: t.f("dashboard.at_risk", &[("n", &AT_RISK_DAYS.to_string())]),
            unit_chart: chart::bars(t.t("dashboard.chart_unit"), &unit_bars),
            status_chart: chart::bars(t.t("dashboard.chart_status"), &status_bars),
            theme_chart: chart::bars(t.t("dashboard.chart_theme"), &theme_bars),
            month_chart: chart::columns(
                t.t("dashboard.chart_months"),
                &[t.t("dashboard.assigned"), t.t("dashboard.closed")],
                &groups,
            ),
            statuses: by_status
                .iter()
                .map(|(s, n)| (t.t(&format!("status.{s}")).to_owned(), *n))
                .collect(),
            units,
            documents,
            document,
            themes,
            months,
            error,
        },
    )
}

// ----- review queue ----------------------------------------------------------------

/// A progress report in the review queue.
#[derive(Debug, Clone)]
pub struct QueuedReport {
    pub id: i64,
    pub version: i64,
    pub task: i64,
    pub task_title: String,
    pub lead: String,
    pub period: String,
    pub percent: i64,
    pub done: String,
    pub problems: Option<String>,
    pub at: String,
    /// "unit person" as the task page writes who reported.
    pub who: String,
}

#[derive(Template)]
#[template(path = "review.html")]
pub struct ReviewPage {
    pub t: T,
    pub chrome: Chrome,
    pub rows: Vec<Row>,
    pub reports: Vec<QueuedReport>,
    pub page_label: String,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ReviewQuery {
    page: Option<String>,
    done: Option<String>,
}

/// The office's queue: progress reports waiting for review, newest
/// first, paged by [`PAGE_SIZE`], each with its accept / return form; and
/// tasks whose completion is requested, oldest change first. Two store
/// calls, both scoped to the caller's units.
pub async fn review_queue(
    State(state): State<Arc<AppState>>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    let q: ReviewQuery = query(raw.as_deref());
    let t = page.t;
    let caller = &page.caller;
    if let Err(e) = caller.require(Permission::Review).await {
        return error_page(t, Some(caller), &e);
    }
    let page_no = non_empty(&q.page)
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1);
    let mut filter = TaskFilter {
        status: Some(StatusFilter::CompletionRequested),
        sort: TaskSort::Updated,
        limit: Some(PAGE_SIZE),
        ..TaskFilter::default()
    };
    caller.scope(&mut filter);
    let tasks = match state.store.tasks(&filter).await {
        Ok(v) => v,
        Err(e) => return error_page(t, Some(caller), &e.into()),
    };
    let mut pending = match state
        .store
        .submitted_reports(
            caller.visible_units(),
            PAGE_SIZE + 1,
            (page_no - 1) * PAGE_SIZE,
        )
        .await
    {
        Ok(v) => v,
        Err(e) => return error_page(t, Some(caller), &e.into()),
    };
    let more = pending.len() > PAGE_SIZE as usize;
    pending.truncate(PAGE_SIZE as usize);
    let reports = pending
        .iter()
        .map(|p| {
            let r = &p.report;
            QueuedReport {
                id: r.id.0,
                version: r.version.0,
                task: r.task.0,
                task_title: p.task_title.to_string(),
                lead: p
                    .task_lead
                    .as_ref()
                    .map(|u| u.name.to_string())
                    .unwrap_or_default(),
                period: r.period.to_string(),
                percent: i64::from(r.percent.value()),
                done: r.done.to_string(),
                problems: r.problems.as_ref().map(ToString::to_string),
                at: local_time(r.created_at),
                who: t.f(
                    "review.reported_by",
                    &[
                        (
                            "unit",
                            &r.unit
                                .as_ref()
                                .map(|u| u.name.to_string())
                                .unwrap_or_default(),
                        ),
                        ("person", r.reported_by.as_str()),
                    ],
                ),
            }
        })
        .collect();
    let href = |n: u32| {
        if n > 1 {
            format!("/review?page={n}")
        } else {
            "/review".to_owned()
        }
    };
    let today = state.store.clock().today();
    render(
        StatusCode::OK,
        &ReviewPage {
            t,
            chrome: Chrome::new(t, Some(caller), "/review", "review"),
            rows: tasks.iter().map(|task| row(t, task, today)).collect(),
            reports,
            page_label: t.f("ledger.page", &[("n", &page_no.to_string())]),
            prev_href: (page_no > 1).then(|| href(page_no - 1)),
            next_href: more.then(|| href(page_no + 1)),
            done: done_text(t, q.done.as_deref()),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_beijing_time() {
        // 2026-03-10T00:00Z is 08:00 in Beijing.
        let ts = Timestamp::from_millis(1_773_100_800_000);
        assert_eq!(local_time(ts), "2026-03-10 08:00");
    }

    #[test]
    fn ledger_links_keep_the_filters() {
        let q = LedgerQuery {
            unit: Some("省水利厅".into()),
            overdue: Some("on".into()),
            q: Some(" ".into()),
            ..LedgerQuery::default()
        };
        let href = q.href(Some("deadline"), 2);
        assert!(href.starts_with("/ledger?unit=%E7%9C%81"));
        assert!(href.contains("overdue=true&sort=deadline&page=2"));
        assert!(!href.contains("q="));
        assert_eq!(LedgerQuery::default().href(Some("id"), 1), "/ledger");
    }
}
