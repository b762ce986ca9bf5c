//! 督办 (supervision) pages: reports due and missed, open warning cards
//! (cleared by the office with a reason), a per-unit view, the signed-in
//! user's notification centre, the unit evaluation (考核) ranking and the
//! printable implementation status report. The problem list and the
//! indicators are in [`super::problems`].
//!
//! Every page asks the store exactly what the matching API handler asks
//! (`routes_supervision.rs`, `routes_problems.rs`), narrowed by the
//! caller's visible units, and every form goes through the same
//! permission check (`Caller::require`) before it writes.
//!
//! [`task_cards`] and [`dashboard_cards`] render the partial
//! `cards_partial.html` for the task page and the dashboard.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use luoshi_core::problems::EvalPeriod;
use luoshi_core::{
    Card, CardFilter, CardId, Date, DocumentId, DueFilter, DueReport, EvaluationRules, Ledger,
    NotificationFilter, Permission, ReportQuery, ReportScope, TaskId, Text, Version, WarningRules,
};
use serde::Deserialize;

use super::i18n::T;
use super::pages::{Opt, local_time, render};
use super::{Chrome, Page, error_page, error_text, see_other};
use crate::caller::{Caller, hidden_document};
use crate::error::{ApiError, unknown_unit_in};
use crate::routes::AppState;

/// Rows a list on these pages shows at most.
pub const LIST_LIMIT: u32 = 200;

/// Open cards the dashboard's partial lists (newest first).
const DASHBOARD_CARDS: usize = 5;

/// What a `?done=` parameter of these pages may name.
pub const DONE: [&str; 10] = [
    "card_cleared",
    "notification_read",
    "problem_filed",
    "problem_rectified",
    "problem_closed",
    "problem_classified",
    "class_closed",
    "indicator_recorded",
    "indicator_added",
    "notifications_read",
];

/// The routes of this area.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/supervision", get(supervision))
        .route("/cards/{id}/clear", post(clear_card))
        .route("/notifications", get(notifications))
        .route("/notifications/read-all", post(read_all_notifications))
        .route("/notifications/{id}/read", post(read_notification))
        .route("/evaluation", get(evaluation))
        .route("/status-report", get(status_report))
        .route("/status-report/ledger", get(ledger_report))
        .merge(super::problems::routes())
}

// ----- shared helpers ------------------------------------------------------------

/// Reads a form body; a malformed one reads as empty fields.
pub fn form<F: for<'de> Deserialize<'de> + Default>(body: &Bytes) -> F {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

/// Reads a query string leniently: what cannot be read is left out.
pub fn query<Q: for<'de> Deserialize<'de> + Default>(raw: Option<&str>) -> Q {
    raw.and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default()
}

/// The message of a `?done=` parameter of this area.
pub fn done_text(t: T, done: Option<&str>) -> Option<String> {
    done.filter(|d| DONE.contains(d))
        .map(|d| t.t(&format!("sup.done.{d}")).to_owned())
}

/// A trimmed, non-empty value.
pub fn given(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The CSRF token the page's forms carry.
pub fn csrf_of(caller: &Caller) -> String {
    caller.csrf().unwrap_or("").to_owned()
}

/// A `version` form field.
pub fn version_field(v: &str) -> Result<Version, ApiError> {
    v.trim().parse::<i64>().map(Version).map_err(|_| {
        ApiError::invalid(
            "expected_version",
            &luoshi_core::ValueError::BadId {
                input: v.chars().take(20).collect(),
            },
        )
    })
}

/// A required text field, checked as the API checks it.
pub fn text_field(name: &str, s: &str) -> Result<Text, ApiError> {
    Text::parse(s).map_err(|e| ApiError::invalid(name, &e))
}

/// The label of a card's tier: the catalogue's for the default tiers,
/// else the rules' own (Chinese) label.
fn tier_label(t: T, card: &Card) -> String {
    match card.tier.as_str() {
        "yellow" | "red" => t.t(&format!("sup.tier.{}", card.tier)).to_owned(),
        _ => t.script(&card.tier_label),
    }
}

/// `1.0` → `1`, `12.5` → `12.5`.
pub fn num(v: f64) -> String {
    luoshi_core::problems::format_number(v)
}

// ----- cards ---------------------------------------------------------------------

/// A warning card as the pages show it.
#[derive(Debug, Clone)]
pub struct CardView {
    pub id: i64,
    pub version: i64,
    pub tier: String,
    pub tier_label: String,
    pub reasons: Vec<String>,
    pub task: i64,
    pub task_title: String,
    pub unit: String,
    pub raised_on: String,
    pub open: bool,
    /// "解除：理由（人，时间）" for a cleared card.
    pub cleared: Option<String>,
}

fn card_view(t: T, c: &Card) -> CardView {
    CardView {
        id: c.id.0,
        version: c.version.0,
        tier: c.tier.clone(),
        tier_label: tier_label(t, c),
        reasons: c.reasons.iter().map(|r| t.script(&r.text)).collect(),
        task: c.task.0,
        task_title: c.task_title.to_string(),
        unit: c
            .unit
            .as_ref()
            .map(|u| u.name.to_string())
            .unwrap_or_default(),
        raised_on: c.raised_on.to_string(),
        open: c.is_open(),
        cleared: c.cleared_at.map(|at| {
            t.f(
                "sup.cleared_note",
                &[
                    ("reason", c.clear_reason.as_deref().unwrap_or("")),
                    ("who", c.cleared_by.as_ref().map_or("", |p| p.as_str())),
                    ("at", &local_time(at)),
                ],
            )
        }),
    }
}

/// The warning cards shown on a task page or the dashboard.
#[derive(Template)]
#[template(path = "cards_partial.html")]
pub struct CardsPartial {
    pub t: T,
    pub cards: Vec<CardView>,
    /// Whether the reader may clear a card (the office).
    pub may_clear: bool,
    pub csrf: String,
    /// Where a cleared card's form comes back to.
    pub back: String,
    /// Show the task of each card (the dashboard), not on the task page.
    pub show_task: bool,
    /// Open cards beyond those listed (the dashboard's).
    pub more: Option<String>,
}

impl CardsPartial {
    /// The partial as HTML, to be put in a page with `|safe`; empty when
    /// it cannot be rendered (logged).
    pub fn html(&self) -> String {
        self.render().unwrap_or_else(|e| {
            eprintln!("luoshi serve: cannot render the cards partial: {e}");
            String::new()
        })
    }
}

/// The cards of one task (open first, then cleared and superseded ones,
/// newest first), for the task page. The caller must be allowed to see
/// the task: this checks it as `GET /api/v1/cards?task=` does (the cards
/// of tasks the caller may not see are never loaded).
pub async fn task_cards(
    state: &AppState,
    caller: &Caller,
    t: T,
    task: TaskId,
) -> Result<CardsPartial, ApiError> {
    let mut cards = state
        .store
        .cards(&CardFilter {
            task: Some(task),
            visible_units: caller.visible_units().map(<[_]>::to_vec),
            limit: Some(LIST_LIMIT),
            ..CardFilter::default()
        })
        .await?;
    cards.sort_by_key(|c| (!c.is_open(), std::cmp::Reverse(c.id.0)));
    Ok(CardsPartial {
        t,
        cards: cards.iter().map(|c| card_view(t, c)).collect(),
        may_clear: caller.principal().may(Permission::Review),
        csrf: csrf_of(caller),
        back: format!("/tasks/{task}"),
        show_task: false,
        more: None,
    })
}

/// The newest open cards the caller may see, for the dashboard.
pub async fn dashboard_cards(
    state: &AppState,
    caller: &Caller,
    t: T,
) -> Result<CardsPartial, ApiError> {
    // The newest open cards and how many there are, from the scope's
    // outline (kept until the ledger changes).
    let outline = state.open_cards(caller, None).await?;
    let cards = state
        .store
        .cards_by_ids(
            outline
                .newest
                .get(..DASHBOARD_CARDS.min(outline.newest.len()))
                .unwrap_or_default(),
        )
        .await?;
    let total = outline.severe_first.len() as u64;
    let more =
        (total > cards.len() as u64).then(|| t.f("sup.cards_more", &[("n", &total.to_string())]));
    Ok(CardsPartial {
        t,
        cards: cards.iter().map(|c| card_view(t, c)).collect(),
        may_clear: caller.principal().may(Permission::Review),
        csrf: csrf_of(caller),
        back: "/dashboard".to_owned(),
        show_task: true,
        more,
    })
}

// ----- /supervision ----------------------------------------------------------------

/// Rows on one page of a list of the 督办 views.
pub const PAGE_ROWS: usize = 50;

/// Rows each section of the overview shows before its "all N" link.
const OVERVIEW_ROWS: usize = 20;

/// A value computed from the whole ledger on a day, with the head of the
/// audit chain read before it was computed.
#[derive(Debug)]
struct Kept<V> {
    day: Date,
    head: i64,
    value: Arc<V>,
}

/// Values computed from the whole ledger (the reports due and missed of a
/// scope, the evaluation of a period), kept until the ledger changes.
///
/// Which reports are due is only known after the rules ran over every
/// task being worked on, and an evaluation reads every report of the
/// period: tens of thousands of rows in a province, too slow for every
/// page view, while a page needs the whole result for its totals and
/// pages. Every write appends to the audit chain, so a value is reused
/// while the chain's head and the day are those it was computed on, and
/// computed again after any write (the head is read before computing, so
/// a write during the computation only makes the next view compute again).
#[derive(Debug)]
pub struct LedgerCache<K, V> {
    entries: std::sync::Mutex<std::collections::HashMap<K, Kept<V>>>,
}

impl<K, V> Default for LedgerCache<K, V> {
    fn default() -> Self {
        LedgerCache {
            entries: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }
}

/// Keys kept at most per cache (each office reader shares one scope, each
/// unit's staff another).
const CACHE_KEYS: usize = 256;

impl<K: std::hash::Hash + Eq, V> LedgerCache<K, V> {
    /// The value of `key` on `day`: kept, or computed by `compute`.
    pub async fn get<F, Fut, E>(
        &self,
        store: &luoshi_core::Store,
        key: K,
        day: Date,
        compute: F,
    ) -> Result<Arc<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<V, E>>,
        E: From<luoshi_core::StoreError>,
    {
        let head = store.audit_head().await?;
        if let Ok(entries) = self.entries.lock()
            && let Some(e) = entries.get(&key)
            && e.day == day
            && e.head == head
        {
            return Ok(Arc::clone(&e.value));
        }
        let value = Arc::new(compute().await?);
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CACHE_KEYS {
                entries.clear();
            }
            entries.insert(
                key,
                Kept {
                    day,
                    head,
                    value: Arc::clone(&value),
                },
            );
        }
        Ok(value)
    }
}

/// Whose due list: the reader's visible units (`None`: all) and the unit
/// filter.
pub type DueKey = (Option<Vec<i64>>, Option<String>);

/// The caches of the 督办 pages, in the server's state.
#[derive(Debug, Default)]
pub struct SupervisionCache {
    /// The reports due and missed (default rules) by scope.
    pub due: LedgerCache<DueKey, Vec<DueReport>>,
    /// The evaluation (default rules) by period.
    pub evaluation: LedgerCache<String, luoshi_core::Evaluation>,
    /// The whole ledger's overview numbers.
    pub ledger_totals: LedgerCache<(), luoshi_core::StatusTotals>,
    /// The open cards (order and per-unit counts) by scope.
    pub cards: LedgerCache<DueKey, luoshi_core::CardOutline>,
}

impl AppState {
    /// The outline of the open cards of the caller's scope, narrowed to
    /// the cards raised on `unit`: kept until the ledger changes, like the
    /// due list (cards are raised and cleared by audited writes only).
    async fn open_cards(
        &self,
        caller: &Caller,
        unit: Option<luoshi_core::UnitName>,
    ) -> Result<Arc<luoshi_core::CardOutline>, ApiError> {
        let visible = caller.visible_units().map(<[_]>::to_vec);
        let key: DueKey = (
            visible.as_ref().map(|v| v.iter().map(|u| u.0).collect()),
            unit.as_ref().map(ToString::to_string),
        );
        let filter = CardFilter {
            unit,
            open: true,
            visible_units: visible,
            ..CardFilter::default()
        };
        self.cache_sup
            .cards
            .get(&self.store, key, self.store.clock().today(), || async {
                self.store.card_outline(&filter).await
            })
            .await
            .map_err(unknown_unit_in("unit"))
    }
}

/// A task with a report due soon or missed.
#[derive(Debug, Clone)]
pub struct DueRow {
    pub task: i64,
    pub title: String,
    pub lead: String,
    pub cycle: String,
    pub next_due: String,
    pub missed: String,
    pub missed_n: usize,
    pub missed_label: String,
    pub last_report: String,
}

/// A unit's line of the per-unit view.
#[derive(Debug, Clone, Default)]
pub struct UnitRow {
    pub name: String,
    pub href: String,
    pub due: usize,
    pub missed: usize,
    pub yellow: u64,
    pub red: u64,
    pub other: u64,
}

/// A link of the view switcher.
#[derive(Debug, Clone)]
pub struct ViewTab {
    pub href: String,
    pub label: String,
    pub current: bool,
}

/// "全部 N 项" after the first rows of a list on the overview.
#[derive(Debug, Clone)]
pub struct MoreLink {
    pub href: String,
    pub label: String,
}

/// Previous and next links of a paged view.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    /// "第 2 / 7 页，共 320 项".
    pub label: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// The views of /supervision: the overview (each list's first rows) or
/// one list, paged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SupView {
    Overview,
    Due,
    Missed,
    Cards,
    Units,
}

impl SupView {
    const ALL: [SupView; 5] = [
        SupView::Overview,
        SupView::Due,
        SupView::Missed,
        SupView::Cards,
        SupView::Units,
    ];

    fn code(self) -> &'static str {
        match self {
            SupView::Overview => "",
            SupView::Due => "due",
            SupView::Missed => "missed",
            SupView::Cards => "cards",
            SupView::Units => "units",
        }
    }

    fn parse(s: Option<&str>) -> SupView {
        SupView::ALL
            .into_iter()
            .find(|v| Some(v.code()) == s && !v.code().is_empty())
            .unwrap_or(SupView::Overview)
    }
}

/// `/supervision` with a view, a unit and a page (the first page and the
/// overview leave theirs out).
fn sup_href(view: SupView, unit: Option<&str>, page: usize) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    if view != SupView::Overview {
        q.append_pair("view", view.code());
    }
    if let Some(u) = unit {
        q.append_pair("unit", u);
    }
    if page > 1 {
        q.append_pair("page", &page.to_string());
    }
    let q = q.finish();
    if q.is_empty() {
        "/supervision".to_owned()
    } else {
        format!("/supervision?{q}")
    }
}

/// The page's slice of `total` rows: its first index and the pager.
fn page_of(
    t: T,
    view: SupView,
    unit: Option<&str>,
    page: usize,
    total: usize,
) -> (usize, usize, Pager) {
    paged(t, page, total, |p| sup_href(view, unit, p))
}

/// Page `page` (from 1; clamped to the pages there are) of a list of
/// `total` rows shown [`PAGE_ROWS`] at a time: the range of its rows and
/// its pager ("第 2 / 7 页，共 320 项"), linking to `href(page)`.
pub fn paged(
    t: T,
    page: usize,
    total: usize,
    href: impl Fn(usize) -> String,
) -> (usize, usize, Pager) {
    let pages = total.div_ceil(PAGE_ROWS).max(1);
    let page = page.clamp(1, pages);
    let from = (page - 1) * PAGE_ROWS;
    let pager = Pager {
        label: t.f(
            "sup.page",
            &[
                ("n", &page.to_string()),
                ("pages", &pages.to_string()),
                ("total", &total.to_string()),
            ],
        ),
        prev: (page > 1).then(|| href(page - 1)),
        next: (page < pages).then(|| href(page + 1)),
    };
    (from, (from + PAGE_ROWS).min(total), pager)
}

#[derive(Template)]
#[template(path = "supervision.html")]
pub struct SupervisionPage {
    pub t: T,
    pub chrome: Chrome,
    pub unit: String,
    pub as_of: String,
    /// The view's code (empty: the overview).
    pub view: &'static str,
    pub tabs: Vec<ViewTab>,
    pub show_due: bool,
    pub show_cards: bool,
    pub show_units: bool,
    /// The heading of the due list (应报与漏报, or 应报未报 alone).
    pub due_heading: String,
    pub due: Vec<DueRow>,
    /// Totals of the whole lists, every page.
    pub missed_total: usize,
    pub due_soon: usize,
    pub cards_total: u64,
    pub units_total: usize,
    /// "共 N 个单位".
    pub units_label: String,
    pub due_href: String,
    pub missed_href: String,
    pub cards_href: String,
    /// On the overview: "全部 N 项" links to the paged views.
    pub due_more: Option<MoreLink>,
    pub cards_more: Option<MoreLink>,
    pub units_more: Option<MoreLink>,
    /// On a list view: where the page is in the list.
    pub pager: Option<Pager>,
    /// The caller's units' unread notifications as a badge ("99+" from
    /// the header's cap), none when there are none.
    pub unread: Option<String>,
    pub cards: Vec<CardView>,
    pub units: Vec<UnitRow>,
    pub may_clear: bool,
    pub may_report: bool,
    pub csrf: String,
    pub back: String,
    pub error: Option<String>,
    pub done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct UnitQuery {
    unit: Option<String>,
    view: Option<String>,
    page: Option<String>,
    done: Option<String>,
}

fn due_row(t: T, d: &DueReport) -> DueRow {
    DueRow {
        task: d.task.0,
        title: d.title.to_string(),
        lead: d.lead.name.to_string(),
        cycle: t.t(&format!("sup.cycle.{}", d.cycle.code())).to_owned(),
        next_due: d.next_due.map(|d| d.to_string()).unwrap_or_default(),
        missed: d
            .missed
            .iter()
            .map(Date::to_string)
            .collect::<Vec<_>>()
            .join("、"),
        missed_n: d.missed.len(),
        missed_label: t.f("sup.missed_n", &[("n", &d.missed.len().to_string())]),
        last_report: d
            .last_report
            .map_or_else(|| t.t("sup.never").to_owned(), |d| d.to_string()),
    }
}

/// What a view shows besides the totals.
struct Loaded {
    due: Vec<DueRow>,
    missed_total: usize,
    due_soon: usize,
    due_listed: usize,
    cards: Vec<Card>,
    cards_total: u64,
    units: Vec<UnitRow>,
    units_total: usize,
    pager: Option<Pager>,
}

#[allow(clippy::too_many_lines)]
async fn load_view(
    state: &AppState,
    caller: &Caller,
    t: T,
    view: SupView,
    unit: Option<&str>,
    page: usize,
) -> Result<Loaded, ApiError> {
    let today = state.store.clock().today();
    let unit_name = unit
        .map(|u| crate::routes::unit_name("unit", u))
        .transpose()?;
    let visible = caller.visible_units().map(<[_]>::to_vec);
    let due_filter = DueFilter {
        unit: unit_name.clone(),
        visible_units: visible.clone(),
        ..DueFilter::on(today)
    };
    let key: DueKey = (
        visible.as_ref().map(|v| v.iter().map(|u| u.0).collect()),
        unit_name.as_ref().map(ToString::to_string),
    );
    let all_due = state
        .cache_sup
        .due
        .get(&state.store, key, today, || async {
            state
                .store
                .reports_due_all(&due_filter, &WarningRules::default())
                .await
                .map(|(_, list)| list)
        })
        .await
        .map_err(unknown_unit_in("unit"))?;
    let missed_total = all_due.iter().filter(|d| !d.missed.is_empty()).count();
    let due_soon = all_due.len() - missed_total;
    let cards = state.open_cards(caller, unit_name).await?;
    let cards_total = cards.severe_first.len() as u64;
    let mut out = Loaded {
        due: Vec::new(),
        missed_total,
        due_soon,
        due_listed: 0,
        cards: Vec::new(),
        cards_total,
        units: Vec::new(),
        units_total: 0,
        pager: None,
    };
    // The due list: every row, or the missed ones only.
    if matches!(view, SupView::Overview | SupView::Due | SupView::Missed) {
        let rows: Vec<&DueReport> = all_due
            .iter()
            .filter(|d| view != SupView::Missed || !d.missed.is_empty())
            .collect();
        out.due_listed = rows.len();
        let (from, to) = if view == SupView::Overview {
            (0, rows.len().min(OVERVIEW_ROWS))
        } else {
            let (from, to, pager) = page_of(t, view, unit, page, rows.len());
            out.pager = Some(pager);
            (from, to)
        };
        out.due = rows[from..to].iter().map(|d| due_row(t, d)).collect();
    }
    if matches!(view, SupView::Overview | SupView::Cards) {
        let (offset, limit) = if view == SupView::Overview {
            (0, OVERVIEW_ROWS)
        } else {
            let total = usize::try_from(cards_total).unwrap_or(usize::MAX);
            let (from, to, pager) = page_of(t, view, unit, page, total);
            out.pager = Some(pager);
            (from, to - from)
        };
        let end = (offset + limit).min(cards.severe_first.len());
        out.cards = state
            .store
            .cards_by_ids(cards.severe_first.get(offset..end).unwrap_or_default())
            .await?;
    }
    if matches!(view, SupView::Overview | SupView::Units) {
        let mut units: BTreeMap<String, UnitRow> = BTreeMap::new();
        fn row_of<'a>(units: &'a mut BTreeMap<String, UnitRow>, name: &str) -> &'a mut UnitRow {
            units.entry(name.to_owned()).or_insert_with(|| UnitRow {
                name: name.to_owned(),
                href: sup_href(SupView::Overview, Some(name), 1),
                ..UnitRow::default()
            })
        }
        for d in all_due.iter() {
            let r = row_of(&mut units, d.lead.name.as_str());
            if d.missed.is_empty() {
                r.due += 1;
            } else {
                r.missed += 1;
            }
        }
        for (u, tier, n) in &cards.by_unit {
            let r = row_of(&mut units, u.name.as_str());
            match tier.as_str() {
                "yellow" => r.yellow += n,
                "red" => r.red += n,
                _ => r.other += n,
            }
        }
        let mut units: Vec<UnitRow> = units.into_values().collect();
        units.sort_by(|a, b| {
            (b.red, b.missed, b.yellow, b.due)
                .cmp(&(a.red, a.missed, a.yellow, a.due))
                .then_with(|| a.name.cmp(&b.name))
        });
        out.units_total = units.len();
        let (from, to) = if view == SupView::Overview {
            (0, units.len().min(OVERVIEW_ROWS))
        } else {
            let (from, to, pager) = page_of(t, view, unit, page, units.len());
            out.pager = Some(pager);
            (from, to)
        };
        units.truncate(to);
        out.units = units.split_off(from);
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
async fn supervision_page(
    state: &AppState,
    page: &Page,
    view: SupView,
    unit: Option<&str>,
    page_no: usize,
    status: StatusCode,
    error: Option<String>,
    done: Option<String>,
) -> Response {
    let t = page.t;
    let caller = &page.caller;
    let today = state.store.clock().today();
    let loaded = load_view(state, caller, t, view, unit, page_no).await;
    // The header's count (read once per request), else read here.
    let unread = match super::header_unread() {
        Some(n) => n,
        None => match state
            .store
            .unread_notification_count(caller.visible_units())
            .await
        {
            Ok(n) => n,
            Err(e) => return error_page(t, Some(caller), &e.into()),
        },
    };
    let unread = (unread > 0).then(|| super::unread_badge(unread));
    let (l, error, status) = match loaded {
        Ok(l) => (l, error, status),
        Err(e) if e.status.is_client_error() => (
            Loaded {
                due: Vec::new(),
                missed_total: 0,
                due_soon: 0,
                due_listed: 0,
                cards: Vec::new(),
                cards_total: 0,
                units: Vec::new(),
                units_total: 0,
                pager: None,
            },
            Some(error_text(t, &e)),
            e.status,
        ),
        Err(e) => return error_page(t, Some(caller), &e),
    };
    let overview = view == SupView::Overview;
    let more = |n: usize, shown: usize, v: SupView| {
        (overview && n > shown).then(|| MoreLink {
            href: sup_href(v, unit, 1),
            label: t.f("sup.all_n", &[("n", &n.to_string())]),
        })
    };
    let due_more = more(l.due_listed, l.due.len(), SupView::Due);
    let cards_more = more(
        usize::try_from(l.cards_total).unwrap_or(usize::MAX),
        l.cards.len(),
        SupView::Cards,
    );
    let units_more = more(l.units_total, l.units.len(), SupView::Units);
    let tabs = SupView::ALL
        .into_iter()
        .map(|v| ViewTab {
            href: sup_href(v, unit, 1),
            label: t
                .t(&format!(
                    "sup.view.{}",
                    if v.code().is_empty() {
                        "overview"
                    } else {
                        v.code()
                    }
                ))
                .to_owned(),
            current: v == view,
        })
        .collect();
    let back = sup_href(view, unit, page_no);
    render(
        status,
        &SupervisionPage {
            t,
            chrome: Chrome::new(t, Some(caller), &page.here, "supervision"),
            unit: unit.unwrap_or_default().to_owned(),
            as_of: t.f("sup.as_of", &[("day", &today.to_string())]),
            view: view.code(),
            tabs,
            show_due: matches!(view, SupView::Overview | SupView::Due | SupView::Missed),
            show_cards: matches!(view, SupView::Overview | SupView::Cards),
            show_units: matches!(view, SupView::Overview | SupView::Units),
            due_heading: t
                .t(if view == SupView::Missed {
                    "sup.missed"
                } else {
                    "sup.due_h"
                })
                .to_owned(),
            missed_total: l.missed_total,
            due_soon: l.due_soon,
            cards_total: l.cards_total,
            units_total: l.units_total,
            units_label: t.f("sup.units_n", &[("n", &l.units_total.to_string())]),
            due_href: sup_href(SupView::Due, unit, 1),
            missed_href: sup_href(SupView::Missed, unit, 1),
            cards_href: sup_href(SupView::Cards, unit, 1),
            due_more,
            cards_more,
            units_more,
            pager: l.pager,
            unread,
            due: l.due,
            cards: l.cards.iter().map(|c| card_view(t, c)).collect(),
            units: l.units,
            may_clear: caller.principal().may(Permission::Review),
            may_report: caller.principal().may(Permission::Report),
            csrf: csrf_of(caller),
            back,
            error,
            done,
        },
    )
}

/// 督办: reports due and missed, open cards, the per-unit view; the
/// overview shows each list's first rows, `?view=due|missed|cards|units`
/// one list in pages of [`PAGE_ROWS`] (`?page=`), with its total.
pub async fn supervision(
    State(state): State<Arc<AppState>>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    let q: UnitQuery = query(raw.as_deref());
    let done = done_text(page.t, q.done.as_deref());
    let page_no = given(q.page.as_deref())
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| (1..=1_000_000).contains(p))
        .unwrap_or(1);
    supervision_page(
        &state,
        &page,
        SupView::parse(given(q.view.as_deref())),
        given(q.unit.as_deref()),
        page_no,
        StatusCode::OK,
        None,
        done,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ClearForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: String,
}

/// Where a form may come back to: one of this site's pages.
fn back_to(back: &str, fallback: &str) -> String {
    if super::local_path(back) {
        back.to_owned()
    } else {
        fallback.to_owned()
    }
}

fn with_done(back: &str, done: &str) -> String {
    let sep = if back.contains('?') { '&' } else { '?' };
    format!("{back}{sep}done={done}")
}

/// Clears an open card with a reason, as `POST /api/v1/cards/{id}/clear`
/// does (the office).
pub async fn clear_card(
    State(state): State<Arc<AppState>>,
    page: Page,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f: ClearForm = form(&body);
    let caller = &page.caller;
    let result = async {
        caller.require(Permission::Review).await?;
        let id = CardId::parse(&id).map_err(|e| ApiError::invalid("id", &e))?;
        let reason = text_field("reason", &f.reason)?;
        state
            .store
            .clear_card(caller.actor(), id, version_field(&f.version)?, &reason)
            .await?;
        Ok::<(), ApiError>(())
    }
    .await;
    let back = back_to(&f.back, "/supervision");
    match result {
        Ok(()) => see_other(&with_done(&back, "card_cleared")),
        Err(e) => {
            let message = error_text(page.t, &e);
            supervision_page(
                &state,
                &page,
                SupView::Overview,
                None,
                1,
                e.status,
                Some(message),
                None,
            )
            .await
        }
    }
}

// ----- /notifications ----------------------------------------------------------------

/// An entry of the notification centre.
#[derive(Debug, Clone)]
pub struct NoteRow {
    pub id: i64,
    pub kind: String,
    pub kind_code: &'static str,
    pub unit: String,
    pub task: i64,
    pub due_on: String,
    pub text: String,
    pub created_at: String,
    /// "已读（人，时间）".
    pub read: Option<String>,
}

#[derive(Template)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    pub t: T,
    pub chrome: Chrome,
    pub rows: Vec<NoteRow>,
    pub unread_only: bool,
    pub unread: u64,
    pub unread_label: String,
    /// "共 N 条" (of the list shown: all or unread).
    pub total_label: String,
    /// The next (older) page and the first page, when not on it.
    pub older: Option<String>,
    pub newest: Option<String>,
    pub may_mark: bool,
    pub csrf: String,
    pub error: Option<String>,
    pub done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct NoteQuery {
    unread: Option<String>,
    before: Option<String>,
    done: Option<String>,
}

async fn notifications_page(
    state: &AppState,
    page: &Page,
    unread_only: bool,
    before: Option<i64>,
    status: StatusCode,
    error: Option<String>,
    done: Option<String>,
) -> Response {
    let t = page.t;
    let caller = &page.caller;
    let units = caller.visible_units().map(<[_]>::to_vec);
    let list = state
        .store
        .notifications(&NotificationFilter {
            units: units.clone(),
            unread: unread_only,
            before,
            limit: Some(PAGE_ROWS as u32 + 1),
        })
        .await;
    // Exact counts (the header's stops at its cap); the total is the
    // unread count again on the unread view.
    let unread = state
        .store
        .count_notifications(units.as_deref(), true)
        .await;
    let total = match (&unread, unread_only) {
        (Ok(n), true) => Ok(*n),
        _ => {
            state
                .store
                .count_notifications(units.as_deref(), unread_only)
                .await
        }
    };
    let (mut list, unread, total) = match (list, unread, total) {
        (Ok(l), Ok(u), Ok(n)) => (l, u, n),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return error_page(t, Some(caller), &e.into());
        }
    };
    // Newest first, a page at a time: the next page starts below the
    // last id shown.
    let older = (list.len() > PAGE_ROWS).then(|| {
        list.truncate(PAGE_ROWS);
        let mut q = form_urlencoded::Serializer::new(String::new());
        if unread_only {
            q.append_pair("unread", "1");
        }
        q.append_pair("before", &list.last().map_or(0, |n| n.id).to_string());
        format!("/notifications?{}", q.finish())
    });
    let newest = before.map(|_| {
        if unread_only {
            "/notifications?unread=1".to_owned()
        } else {
            "/notifications".to_owned()
        }
    });
    let rows = list
        .iter()
        .map(|n| NoteRow {
            id: n.id,
            kind: t.t(&format!("notif.kind.{}", n.kind.code())).to_owned(),
            kind_code: n.kind.code(),
            unit: n.unit.name.to_string(),
            task: n.task.0,
            due_on: n.due_on.to_string(),
            text: t.script(&n.text),
            created_at: local_time(n.created_at),
            read: n.read_at.map(|at| {
                t.f(
                    "notif.read_by",
                    &[
                        ("who", n.read_by.as_deref().unwrap_or("")),
                        ("at", &local_time(at)),
                    ],
                )
            }),
        })
        .collect();
    render(
        status,
        &NotificationsPage {
            t,
            chrome: Chrome::new(t, Some(caller), &page.here, "supervision"),
            rows,
            unread_only,
            unread_label: t.f("notif.unread_n", &[("n", &unread.to_string())]),
            unread,
            total_label: t.f("notif.total_n", &[("n", &total.to_string())]),
            older,
            newest,
            may_mark: caller.principal().may(Permission::Report),
            csrf: csrf_of(caller),
            error,
            done,
        },
    )
}

/// The signed-in user's notification centre: a unit role's own units,
/// every unit for roles that see all (as `GET /api/v1/me/notifications`).
pub async fn notifications(
    State(state): State<Arc<AppState>>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    let q: NoteQuery = query(raw.as_deref());
    let unread_only = matches!(given(q.unread.as_deref()), Some("1" | "true" | "on"));
    let before = given(q.before.as_deref())
        .and_then(|b| b.parse::<i64>().ok())
        .filter(|b| *b > 0);
    let done = done_text(page.t, q.done.as_deref());
    notifications_page(
        &state,
        &page,
        unread_only,
        before,
        StatusCode::OK,
        None,
        done,
    )
    .await
}

/// Marks a notification read, as `POST /api/v1/me/notifications/{id}/read`
/// does (people of the notified unit).
pub async fn read_notification(
    State(state): State<Arc<AppState>>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    let caller = &page.caller;
    let result = async {
        caller.require(Permission::Report).await?;
        let id = id
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "value_bad_id",
                    "编号无效，应为正整数。",
                )
                .with_field("id")
            })?;
        state
            .store
            .mark_notification_read(id, caller.actor(), caller.visible_units())
            .await?;
        Ok::<(), ApiError>(())
    }
    .await;
    match result {
        Ok(()) => see_other("/notifications?done=notification_read"),
        Err(e) => {
            let message = error_text(page.t, &e);
            notifications_page(&state, &page, false, None, e.status, Some(message), None).await
        }
    }
}

/// Marks every unread notification of the caller's units read (each as
/// `POST /api/v1/me/notifications/{id}/read` does; people of a unit).
pub async fn read_all_notifications(State(state): State<Arc<AppState>>, page: Page) -> Response {
    let caller = &page.caller;
    let result = async {
        caller.require(Permission::Report).await?;
        let unread = state
            .store
            .notifications(&NotificationFilter {
                units: caller.visible_units().map(<[_]>::to_vec),
                unread: true,
                before: None,
                limit: Some(LIST_LIMIT),
            })
            .await?;
        for n in &unread {
            state
                .store
                .mark_notification_read(n.id, caller.actor(), caller.visible_units())
                .await?;
        }
        Ok::<(), ApiError>(())
    }
    .await;
    match result {
        Ok(()) => see_other("/notifications?done=notifications_read"),
        Err(e) => {
            let message = error_text(page.t, &e);
            notifications_page(&state, &page, false, None, e.status, Some(message), None).await
        }
    }
}

// ----- /evaluation ---------------------------------------------------------------------

/// A unit's line of the ranking.
#[derive(Debug, Clone)]
pub struct ScoreRow {
    pub rank: u32,
    pub unit: String,
    pub score: String,
    pub report_rate: String,
    pub reports: String,
    pub completion_rate: String,
    pub tasks: String,
    pub returned: u64,
    pub cards: String,
    pub consequences: String,
    pub reports_asked: u64,
    pub fields_asked: u64,
    pub reports_filed: u64,
    pub burden: String,
}

#[derive(Template)]
#[template(path = "evaluation.html")]
pub struct EvaluationPage {
    pub t: T,
    pub chrome: Chrome,
    pub period: String,
    pub periods: Vec<Opt>,
    pub range: String,
    pub rows: Vec<ScoreRow>,
    /// Where the page is in the ranking (pages of [`PAGE_ROWS`] units).
    pub pager: Pager,
    pub export_href: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    period: Option<String>,
    page: Option<String>,
}

/// The periods offered: this month and the eleven before it, this
/// quarter and the three before it, this year and last year.
fn periods_around(today: Date, chosen: &str) -> Vec<Opt> {
    let mut v = Vec::new();
    let (y, m) = (today.year(), today.month());
    for back in 0..12 {
        let months = y * 12 + (m - 1) - back;
        v.push(format!("{}-{:02}", months / 12, months % 12 + 1));
    }
    let q = (m - 1) / 3;
    for back in 0..4 {
        let quarters = y * 4 + q - back;
        v.push(format!("{}-Q{}", quarters / 4, quarters % 4 + 1));
    }
    v.push(y.to_string());
    v.push((y - 1).to_string());
    if !v.iter().any(|p| p == chosen) {
        v.insert(0, chosen.to_owned());
    }
    v.into_iter()
        .map(|p| Opt {
            selected: p == chosen,
            label: p.clone(),
            value: p,
        })
        .collect()
}

/// The unit evaluation (考核) ranking of a period with the parts of each
/// score and the reporting burden beside it, as `GET /api/v1/evaluation`
/// (a unit's people see their own rows); the Excel export is the API's.
pub async fn evaluation(
    State(state): State<Arc<AppState>>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    let t = page.t;
    let caller = &page.caller;
    let q: PeriodQuery = query(raw.as_deref());
    let today = state.store.clock().today();
    let period_text = given(q.period.as_deref()).map_or_else(
        || format!("{}-{:02}", today.year(), today.month()),
        str::to_owned,
    );
    let result = async {
        let period =
            EvalPeriod::parse(&period_text).map_err(|e| ApiError::invalid("period", &e))?;
        // Read from every report of the period: kept until the ledger
        // changes (see LedgerCache).
        let e = state
            .cache_sup
            .evaluation
            .get(&state.store, period_text.clone(), today, || async {
                state
                    .store
                    .evaluate(
                        period,
                        &EvaluationRules::default(),
                        &WarningRules::default(),
                    )
                    .await
            })
            .await?;
        Ok::<_, ApiError>(e)
    }
    .await;
    let (e, error, status) = match result {
        Ok(e) => (Some(e), None, StatusCode::OK),
        Err(e) if e.status.is_client_error() => (None, Some(error_text(t, &e)), e.status),
        Err(e) => return error_page(t, Some(caller), &e),
    };
    let visible = caller.visible_units();
    let page_no = given(q.page.as_deref())
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| (1..=1_000_000).contains(p))
        .unwrap_or(1);
    // The caller's rows of the ranking, then the page of them.
    let mine: Vec<&luoshi_core::UnitEvaluation> = e
        .as_ref()
        .map(|e| {
            e.units
                .iter()
                .filter(|u| visible.is_none_or(|v| v.contains(&u.unit.id)))
                .collect()
        })
        .unwrap_or_default();
    let pages = mine.len().div_ceil(PAGE_ROWS).max(1);
    let page_no = page_no.min(pages);
    let eval_href = |n: usize| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("period", &period_text);
        if n > 1 {
            s.append_pair("page", &n.to_string());
        }
        format!("/evaluation?{}", s.finish())
    };
    let pager = Pager {
        label: t.f(
            "sup.page",
            &[
                ("n", &page_no.to_string()),
                ("pages", &pages.to_string()),
                ("total", &mine.len().to_string()),
            ],
        ),
        prev: (page_no > 1).then(|| eval_href(page_no - 1)),
        next: (page_no < pages).then(|| eval_href(page_no + 1)),
    };
    let rows: Vec<ScoreRow> = mine
        .iter()
        .skip((page_no - 1) * PAGE_ROWS)
        .take(PAGE_ROWS)
        .map(|u| ScoreRow {
            rank: u.rank,
            unit: u.unit.name.to_string(),
            score: num(u.score.score),
            report_rate: format!("{}%", num(u.score.report_rate)),
            reports: format!("{}/{}", u.facts.reports_on_time, u.facts.reports_due),
            completion_rate: format!("{}%", num(u.score.completion_rate)),
            tasks: format!("{}/{}", u.facts.tasks_on_time, u.facts.tasks_due),
            returned: u.facts.returned_reports,
            cards: u
                .facts
                .cards
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(tier, n)| {
                    let label = match tier.as_str() {
                        "yellow" | "red" => t.t(&format!("sup.tier.{tier}")).to_owned(),
                        other => other.to_owned(),
                    };
                    format!("{label} {n}")
                })
                .collect::<Vec<_>>()
                .join("、"),
            consequences: u
                .score
                .consequences
                .iter()
                .filter(|c| c.count > 0)
                .map(|c| {
                    t.f(
                        "eval.consequence",
                        &[
                            ("what", t.t(&format!("eval.cons.{}", c.code))),
                            ("n", &c.count.to_string()),
                            ("points", &num(c.points)),
                        ],
                    )
                })
                .collect::<Vec<_>>()
                .join("；"),
            reports_asked: u.score.reports_asked,
            fields_asked: u.score.fields_asked,
            reports_filed: u.facts.reports_filed,
            burden: t.f(
                "eval.burden",
                &[
                    ("asked", &u.score.reports_asked.to_string()),
                    ("fields", &u.score.fields_asked.to_string()),
                    ("filed", &u.facts.reports_filed.to_string()),
                ],
            ),
        })
        .collect();
    let range = e.as_ref().map_or_else(String::new, |e| {
        t.f(
            "eval.range",
            &[
                ("from", &e.period.from.to_string()),
                ("to", &e.period.to.to_string()),
                ("until", &e.counted_until.to_string()),
            ],
        )
    });
    let export_href = (e.is_some() && caller.principal().may(Permission::ReadAll)).then(|| {
        format!(
            "/api/v1/evaluation/export?{}",
            form_urlencoded::Serializer::new(String::new())
                .append_pair("period", &period_text)
                .finish()
        )
    });
    render(
        status,
        &EvaluationPage {
            t,
            chrome: Chrome::new(t, Some(caller), &page.here, "supervision"),
            periods: periods_around(today, &period_text),
            period: period_text,
            range,
            rows,
            pager,
            export_href,
            error,
        },
    )
}

// ----- /status-report --------------------------------------------------------------------

/// One block of the report as the page draws it: the report crate's
/// [`luoshi_report::Block`], with the chart drawn as SVG instead of PNG.
#[derive(Debug, Clone)]
pub enum BlockView {
    Heading(String),
    Subheading(String),
    Paragraph(String),
    /// A task's paragraph, its number and title linking to the task.
    Task {
        id: i64,
        head: String,
        rest: String,
    },
    /// The completion chart (an `<svg>` element) and its caption.
    Chart {
        svg: String,
        caption: String,
    },
    Table {
        caption: String,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

impl BlockView {
    fn of(b: &luoshi_report::Block) -> BlockView {
        use luoshi_report::Block;
        match b {
            Block::Heading(x) => BlockView::Heading(x.clone()),
            Block::Subheading(x) => BlockView::Subheading(x.clone()),
            Block::Paragraph(x) => BlockView::Paragraph(x.clone()),
            Block::Task { id, head, rest } => BlockView::Task {
                id: *id,
                head: head.clone(),
                rest: rest.clone(),
            },
            Block::Chart { rates, caption } => {
                // The bars are numbered 1, 2, … as in the .docx; the caption
                // names them.
                let bars: Vec<super::chart::Bar> = rates
                    .iter()
                    .enumerate()
                    .map(|(i, r)| super::chart::Bar {
                        label: (i + 1).to_string(),
                        share: f64::from(*r) / 100.0,
                        value: format!("{r}%"),
                    })
                    .collect();
                BlockView::Chart {
                    svg: super::chart::bars(caption, &bars),
                    caption: caption.clone(),
                }
            }
            Block::Table {
                caption,
                header,
                rows,
                ..
            } => BlockView::Table {
                caption: caption.clone(),
                header: header.clone(),
                rows: rows.clone(),
            },
        }
    }
}

/// A document to choose.
#[derive(Debug, Clone)]
pub struct DocChoice {
    pub id: i64,
    pub label: String,
}

#[derive(Template)]
#[template(path = "status_report.html")]
pub struct StatusReportPage {
    pub t: T,
    pub chrome: Chrome,
    /// Without a document: the documents to choose from.
    pub documents: Vec<DocChoice>,
    pub report: Option<StatusReportView>,
    pub from: String,
    pub to: String,
    pub error: Option<String>,
}

/// The report of one document: the report crate's outline, as the .docx
/// lays it out.
#[derive(Debug, Clone)]
pub struct StatusReportView {
    pub document: i64,
    pub title: String,
    /// The date line under the title.
    pub subtitle: String,
    pub blocks: Vec<BlockView>,
    pub docx_href: String,
}

impl StatusReportView {
    /// The page's view of `outline` (of document `document`).
    pub fn new(document: i64, outline: &luoshi_report::Outline, docx_href: String) -> Self {
        StatusReportView {
            document,
            title: outline.title.clone(),
            subtitle: outline.subtitle.clone(),
            blocks: outline.blocks.iter().map(BlockView::of).collect(),
            docx_href,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct StatusQuery {
    document: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn opt_day(name: &str, s: Option<&str>) -> Result<Option<Date>, ApiError> {
    given(s)
        .map(|s| Date::parse(s).map_err(|e| ApiError::invalid(name, &e)))
        .transpose()
}

/// The implementation status report of a document as a printable page:
/// exactly the outline the .docx is made of (`luoshi_report::status_outline`
/// over `Store::status_report`, with the same range and day), so the page
/// and the file cannot drift; roles that see every unit, as the .docx.
/// The report body is Chinese in every language, like the .docx; the page
/// around it follows the page's language.
pub async fn status_report(
    State(state): State<Arc<AppState>>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    let t = page.t;
    let caller = &page.caller;
    if let Err(e) = caller.require(Permission::ReadAll).await {
        return error_page(t, Some(caller), &e);
    }
    let q: StatusQuery = query(raw.as_deref());
    let chrome = Chrome::new(t, Some(caller), &page.here, "supervision");
    let (from_text, to_text) = (
        given(q.from.as_deref()).unwrap_or("").to_owned(),
        given(q.to.as_deref()).unwrap_or("").to_owned(),
    );
    let Some(doc) = given(q.document.as_deref()) else {
        let documents = match state.store.documents(None, LIST_LIMIT).await {
            Ok(d) => d
                .iter()
                .map(|d| DocChoice {
                    id: d.id.0,
                    label: d
                        .title
                        .clone()
                        .or_else(|| d.name.clone())
                        .unwrap_or_else(|| d.id.to_string()),
                })
                .collect(),
            Err(e) => return error_page(t, Some(caller), &e.into()),
        };
        return render(
            StatusCode::OK,
            &StatusReportPage {
                t,
                chrome,
                documents,
                report: None,
                from: from_text,
                to: to_text,
                error: None,
            },
        );
    };
    let result = async {
        let id = DocumentId::parse(doc).map_err(|e| ApiError::invalid("document", &e))?;
        if !caller.may_see_document(id).await? {
            return Err(caller
                .refuse("查看文件", "documents", None, hidden_document())
                .await);
        }
        let from = opt_day("from", q.from.as_deref())?;
        let to = opt_day("to", q.to.as_deref())?;
        if let (Some(f), Some(to)) = (from, to)
            && f > to
        {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "report_bad_range",
                format!("统计起始日期 {f} 晚于截止日期 {to}，请调换或改正。"),
            )
            .with_field("from"));
        }
        // The .docx's query (`status_report_response`): the figures as of
        // the end of the range, else today.
        let data = state
            .store
            .status_report(&ReportQuery {
                scope: ReportScope::Document(id),
                from,
                to,
                day: to.unwrap_or_else(|| state.store.clock().today()),
            })
            .await?;
        Ok::<_, ApiError>((id, luoshi_report::status_outline(&data)))
    }
    .await;
    let (id, outline) = match result {
        Ok(v) => v,
        Err(e) => return error_page(t, Some(caller), &e),
    };
    let mut query = form_urlencoded::Serializer::new(String::new());
    if !from_text.is_empty() {
        query.append_pair("from", &from_text);
    }
    if !to_text.is_empty() {
        query.append_pair("to", &to_text);
    }
    let query = query.finish();
    let docx_href = if query.is_empty() {
        format!("/api/v1/documents/{id}/status-report.docx")
    } else {
        format!("/api/v1/documents/{id}/status-report.docx?{query}")
    };
    render(
        StatusCode::OK,
        &StatusReportPage {
            t,
            chrome,
            documents: Vec::new(),
            report: Some(StatusReportView::new(id.0, &outline, docx_href)),
            from: from_text,
            to: to_text,
            error: None,
        },
    )
}

// ----- /status-report/ledger ----------------------------------------------------------

/// A document's line of the whole-ledger summary.
#[derive(Debug, Clone)]
pub struct DocLine {
    pub id: i64,
    pub label: String,
    pub tasks: u64,
    pub in_progress: u64,
    pub closed: u64,
    pub overdue: u64,
    pub rate: String,
}

#[derive(Template)]
#[template(path = "status_report_ledger.html")]
pub struct LedgerReportPage {
    pub t: T,
    pub chrome: Chrome,
    pub date: String,
    pub overview: String,
    pub rows: Vec<DocLine>,
    /// The next documents, and the first page when not on it.
    pub next: Option<String>,
    pub first: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AfterQuery {
    after: Option<String>,
}

/// The implementation status of the whole ledger as a page: the overview
/// numbers of every task, then one line per document (pages of
/// [`PAGE_ROWS`] documents, each linking to its own report). The whole
/// report of 100,000 tasks is a document of thousands of pages: it stays
/// complete in the .docx (`/api/v1/status-report.docx`); the page
/// summarises instead. Roles that see every unit, as the .docx.
pub async fn ledger_report(
    State(state): State<Arc<AppState>>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    let t = page.t;
    let caller = &page.caller;
    if let Err(e) = caller.require(Permission::ReadAll).await {
        return error_page(t, Some(caller), &e);
    }
    let q: AfterQuery = query(raw.as_deref());
    let after = given(q.after.as_deref())
        .and_then(|a| a.parse::<i64>().ok())
        .filter(|a| *a > 0)
        .map(DocumentId);
    let day = state.store.clock().today();
    let result = async {
        let totals = state
            .cache_sup
            .ledger_totals
            .get(&state.store, (), day, || async {
                Ok::<_, luoshi_core::StoreError>(
                    state
                        .store
                        .status_totals(None, day)
                        .await?
                        .first()
                        .map(|(_, t)| *t)
                        .unwrap_or_default(),
                )
            })
            .await?;
        let mut docs = state.store.documents(after, PAGE_ROWS as u32 + 1).await?;
        let more = docs.len() > PAGE_ROWS;
        docs.truncate(PAGE_ROWS);
        let ids: Vec<DocumentId> = docs.iter().map(|d| d.id).collect();
        let by_doc: std::collections::HashMap<DocumentId, luoshi_core::StatusTotals> = state
            .store
            .status_totals(Some(&ids), day)
            .await?
            .into_iter()
            .filter_map(|(d, t)| Some((d?, t)))
            .collect();
        Ok::<_, luoshi_core::StoreError>((totals, docs, by_doc, more))
    }
    .await;
    let (totals, docs, by_doc, more) = match result {
        Ok(v) => v,
        Err(e) => return error_page(t, Some(caller), &e.into()),
    };
    let overview = t.f(
        "sr.overview",
        &[
            ("tasks", &totals.tasks.to_string()),
            ("assigned", &totals.assigned.to_string()),
            ("in_progress", &totals.in_progress.to_string()),
            ("closed", &totals.closed.to_string()),
            ("overdue", &totals.overdue.to_string()),
            ("rate", &num(totals.completion_rate())),
        ],
    );
    let rows = docs
        .iter()
        .map(|d| {
            let n = by_doc.get(&d.id).copied().unwrap_or_default();
            DocLine {
                id: d.id.0,
                label: d
                    .title
                    .clone()
                    .or_else(|| d.name.clone())
                    .unwrap_or_else(|| d.id.to_string()),
                tasks: n.tasks,
                in_progress: n.in_progress,
                closed: n.closed,
                overdue: n.overdue,
                rate: format!("{}%", num(n.completion_rate())),
            }
        })
        .collect::<Vec<_>>();
    render(
        StatusCode::OK,
        &LedgerReportPage {
            t,
            chrome: Chrome::new(t, Some(caller), &page.here, "supervision"),
            date: luoshi_report::chinese_date(day),
            overview,
            next: more
                .then(|| {
                    rows.last()
                        .map(|r| format!("/status-report/ledger?after={}", r.id))
                })
                .flatten(),
            first: after.map(|_| "/status-report/ledger".to_owned()),
            rows,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_offer_months_quarters_and_years() {
        let today = Date::parse("2026-02-10").unwrap();
        let p = periods_around(today, "2026-02");
        let values: Vec<&str> = p.iter().map(|o| o.value.as_str()).collect();
        assert_eq!(values[0], "2026-02");
        assert_eq!(values[1], "2026-01");
        assert_eq!(values[2], "2025-12");
        assert!(values.contains(&"2026-Q1"));
        assert!(values.contains(&"2025-Q2"));
        assert!(values.contains(&"2025"));
        assert_eq!(p.iter().filter(|o| o.selected).count(), 1);
        // A period typed by hand is offered too.
        let p = periods_around(today, "2020-Q3");
        assert_eq!(p[0].value, "2020-Q3");
        assert!(p[0].selected);
    }

    fn view(id: i64, tier: &str, open: bool) -> CardView {
        CardView {
            id,
            version: 1,
            tier: tier.to_owned(),
            tier_label: if tier == "red" { "红牌" } else { "黄牌" }.to_owned(),
            reasons: vec!["连续 2 次未按期报送进展".to_owned()],
            task: 7,
            task_title: "推动产业升级".to_owned(),
            unit: "省水利厅".to_owned(),
            raised_on: "2026-07-01".to_owned(),
            open,
            cleared: (!open).then(|| "已解除：已约谈（张三，2026-07-02 09:00）".to_owned()),
        }
    }

    #[test]
    fn the_cards_partial_offers_clearing_to_the_office_only() {
        let t = T::new(crate::error::Lang::Hans);
        let mut partial = CardsPartial {
            t,
            cards: vec![view(1, "red", true), view(2, "yellow", false)],
            may_clear: true,
            csrf: "tok".to_owned(),
            back: "/tasks/7".to_owned(),
            show_task: false,
            more: None,
        };
        let html = partial.html();
        assert!(html.contains("tier-red") && html.contains("红牌"));
        assert!(html.contains("连续 2 次未按期报送进展"));
        assert!(html.contains("action=\"/cards/1/clear\""), "the open card");
        assert!(
            !html.contains("action=\"/cards/2/clear\""),
            "not the cleared one"
        );
        assert!(html.contains("name=\"back\" value=\"/tasks/7\""));
        assert!(html.contains("已解除：已约谈"));
        assert!(
            !html.contains("href=\"/tasks/7\""),
            "no task link on its own page"
        );
        partial.may_clear = false;
        partial.show_task = true;
        let html = partial.html();
        assert!(!html.contains("/clear\""));
        assert!(html.contains("href=\"/tasks/7\""));
        partial.cards.clear();
        assert!(partial.html().contains("没有未解除的预警"));
    }

    #[test]
    fn forms_come_back_only_to_local_pages() {
        assert_eq!(back_to("/tasks/3", "/supervision"), "/tasks/3");
        assert_eq!(back_to("//evil.example", "/supervision"), "/supervision");
        assert_eq!(
            with_done("/supervision?unit=x", "a"),
            "/supervision?unit=x&done=a"
        );
        assert_eq!(with_done("/dashboard", "a"), "/dashboard?done=a");
    }
}
