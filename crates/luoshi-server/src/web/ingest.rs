//! 新建 (ingest): paste or upload a communiqué, review the extracted tree
//! beside its source, correct it, store it; and import an Excel 台账.
//!
//! * `GET /ingest`: the paste / upload form (one multipart form: a text
//!   area, a file input for .txt/.html/.docx, an optional name).
//! * `POST /ingest`: decodes and extracts (off the async workers), then
//!   answers with the review page; a source longer than [`LARGE_CHARS`]
//!   characters becomes a job instead and the browser is sent to its page.
//! * `POST /ingest/review`: one edit of the review, or its confirmation.
//!   The review keeps its state in the form itself: the hidden field
//!   `draft` holds the source and the edited tree as JSON (see [`Draft`]),
//!   every button posts the whole form (titles, parents, meeting fields)
//!   and names its operation in `op` (`save`, `merge`, `add`, `confirm`,
//!   `split:ID`, `drop:ID`, `restore:ID`); the answer is the review page
//!   again. No server state: a draft survives restarts and works behind
//!   several app servers; the form is multipart so that a long source is
//!   not percent-encoded nine bytes a character. `confirm` turns the draft
//!   into an extraction and stores it with `Ledger::ingest`, the same path
//!   and validation as `POST /api/v1/documents`, then redirects to the
//!   ledger of the new document.
//! * `GET|POST /ingest/import`: an Excel 台账 upload, imported by a job with
//!   `xlsx::read_with_progress` and `Ledger::import_ledger` (one
//!   transaction: rows validated are counted, then "writing").
//! * `GET /ingest/jobs/{id}`: a job's page; it refreshes itself (`Refresh`
//!   header, no script needed) until the job is done. Jobs live in memory
//!   ([`JOBS`]), keyed by a random id, and are visible only to the user
//!   who started them.
//! * `GET /static/ingest.js`: the page script (highlighting a task's
//!   sentence in the source, adding a task from a selection); the pages
//!   work without it.
//!
//! Every route asks `Permission::Ingest` first, as the API does.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use askama::Template;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use luoshi_core::accounts::UserId;
use luoshi_core::{DocumentName, Ledger, NewDocument, Permission, xlsx};
use luoshi_extract::model::{Due, Extraction, Meeting, Script, Task, TaskKind};
use luoshi_extract::{Source, SourceKind};
use serde::{Deserialize, Serialize};

use super::i18n::T;
use super::multipart::{self, Part};
use super::pages::render;
use super::{Chrome, MAX_UPLOAD_BYTES, Page, error_page, error_text, see_other};
use crate::error::ApiError;
use crate::routes::AppState;

/// The page script, compiled in.
pub const SCRIPT: &str = include_str!("static/ingest.js");

/// A source longer than this (in characters) is extracted by a job with
/// a progress page instead of within the request.
pub const LARGE_CHARS: usize = 20_000;

/// The most tasks a posted draft may hold (a long plan has hundreds).
const MAX_DRAFT_TASKS: usize = 10_000;

/// How long a finished job stays readable.
const JOB_TTL: Duration = Duration::from_secs(3600);

/// Jobs kept at most; the oldest finished ones go first.
const MAX_JOBS: usize = 512;

/// The routes of this area.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/ingest", get(new_page).post(start))
        .route("/ingest/review", axum::routing::post(review))
        .route("/ingest/import", get(import_page).post(import))
        .route("/ingest/jobs/{id}", get(job_page))
        .route("/static/ingest.js", get(script))
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SCRIPT,
    )
        .into_response()
}

// ----- the draft --------------------------------------------------------------------

/// The review's state, carried in the form as JSON: the source as decoded
/// and the tree as edited so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub name: Option<String>,
    /// `text`, `html` or `docx`.
    pub kind: String,
    pub encoding: String,
    pub script: String,
    pub source: String,
    pub meeting: DraftMeeting,
    pub tasks: Vec<DraftTask>,
    /// The extractor's warnings (shown; not stored).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The number of the next task added by hand (`n1`, `n2`, …).
    #[serde(default)]
    pub next: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftMeeting {
    pub title: Option<String>,
    pub date: Option<String>,
    pub body: Option<String>,
    pub chair: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftTask {
    pub id: String,
    pub parent: Option<String>,
    /// `theme` or `task`.
    pub kind: String,
    pub cue: String,
    pub title: String,
    pub text: String,
    /// `[start, end)` in Unicode scalar values into `source`.
    pub span: [usize; 2],
    #[serde(default)]
    pub actors: Vec<String>,
    pub due_text: Option<String>,
    pub due_date: Option<String>,
    pub due_period: Option<String>,
    /// Dropped as a false task: listed apart, not stored, restorable.
    #[serde(default)]
    pub dropped: bool,
}

fn kind_code(k: SourceKind) -> &'static str {
    match k {
        SourceKind::Text => "text",
        SourceKind::Html => "html",
        SourceKind::Docx => "docx",
    }
}

fn source_kind(code: &str) -> SourceKind {
    match code {
        "html" => SourceKind::Html,
        "docx" => SourceKind::Docx,
        _ => SourceKind::Text,
    }
}

/// The encoding labels `luoshi_extract::decode` reports, as `'static`
/// strings again (the draft carries them as text).
fn encoding_label(s: &str) -> &'static str {
    const KNOWN: [&str; 16] = [
        "UTF-8",
        "UTF-16LE",
        "UTF-16BE",
        "GB18030",
        "GBK",
        "Big5",
        "docx",
        "EUC-JP",
        "Shift_JIS",
        "ISO-2022-JP",
        "EUC-KR",
        "windows-1252",
        "ISO-8859-2",
        "windows-1251",
        "KOI8-R",
        "macintosh",
    ];
    KNOWN
        .iter()
        .find(|k| **k == s)
        .copied()
        .unwrap_or("unknown")
}

fn period_label(s: Option<&str>) -> Option<&'static str> {
    const KNOWN: [&str; 7] = ["Q1", "Q2", "Q3", "Q4", "H1", "H2", "year"];
    s.and_then(|s| KNOWN.iter().find(|k| **k == s).copied())
}

impl Draft {
    /// The draft of a freshly extracted source.
    pub fn new(name: Option<String>, source: &Source, ex: &Extraction) -> Draft {
        Draft {
            name,
            kind: kind_code(source.kind).to_owned(),
            encoding: source.encoding.to_owned(),
            script: ex.script.as_str().to_owned(),
            source: source.text.clone(),
            meeting: DraftMeeting {
                title: ex.meeting.title.clone(),
                date: ex.meeting.date.clone(),
                body: ex.meeting.body.clone(),
                chair: ex.meeting.chair.clone(),
            },
            tasks: ex
                .tasks
                .iter()
                .map(|t| DraftTask {
                    id: t.id.clone(),
                    parent: t.parent.clone(),
                    kind: match t.kind {
                        TaskKind::Theme => "theme",
                        TaskKind::Task => "task",
                    }
                    .to_owned(),
                    cue: t.cue.clone(),
                    title: t.title.clone(),
                    text: t.text.clone(),
                    span: t.span,
                    actors: t.actors.clone(),
                    due_text: t.due.as_ref().map(|d| d.text.clone()),
                    due_date: t.due.as_ref().and_then(|d| d.date.clone()),
                    due_period: t.due.as_ref().and_then(|d| d.period.map(str::to_owned)),
                    dropped: false,
                })
                .collect(),
            warnings: ex.warnings.iter().map(|w| w.message.clone()).collect(),
            next: 1,
        }
    }

    fn chars(&self) -> usize {
        self.source.chars().count()
    }

    fn index(&self, id: &str) -> Option<usize> {
        self.tasks.iter().position(|t| t.id == id)
    }

    fn live(&self, id: &str) -> Option<usize> {
        self.index(id).filter(|&i| !self.tasks[i].dropped)
    }

    fn has_children(&self, id: &str) -> bool {
        self.tasks
            .iter()
            .any(|t| !t.dropped && t.parent.as_deref() == Some(id))
    }

    /// The live tasks in tree order (each parent before its children,
    /// siblings by their place in the source) with their depth. A task
    /// whose parent is missing, dropped or part of a loop is a root.
    fn ordered(&self) -> Vec<(usize, usize)> {
        let live: Vec<usize> = (0..self.tasks.len())
            .filter(|&i| !self.tasks[i].dropped)
            .collect();
        let by_id: HashMap<&str, usize> = live
            .iter()
            .map(|&i| (self.tasks[i].id.as_str(), i))
            .collect();
        let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut roots = Vec::new();
        for &i in &live {
            match self.tasks[i]
                .parent
                .as_deref()
                .and_then(|p| by_id.get(p).copied())
                .filter(|&p| p != i)
            {
                Some(p) => children.entry(p).or_default().push(i),
                None => roots.push(i),
            }
        }
        let key = |i: &usize| (self.tasks[*i].span[0], *i);
        roots.sort_by_key(key);
        for c in children.values_mut() {
            c.sort_by_key(key);
        }
        let mut out = Vec::with_capacity(live.len());
        let mut seen = HashSet::new();
        let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|&r| (r, 0)).collect();
        loop {
            while let Some((i, depth)) = stack.pop() {
                if !seen.insert(i) {
                    continue;
                }
                out.push((i, depth));
                if let Some(c) = children.get(&i) {
                    stack.extend(c.iter().rev().map(|&c| (c, depth + 1)));
                }
            }
            // Tasks in a parent loop were not reached from a root.
            match live.iter().find(|i| !seen.contains(*i)) {
                Some(&i) => stack.push((i, 0)),
                None => break,
            }
        }
        out
    }

    /// The extraction the review ends in: live tasks in tree order,
    /// numbered again `t1`, `t2`, …; a task with children is a theme.
    pub fn extraction(&self) -> Extraction {
        let order = self.ordered();
        let mut new_ids: HashMap<&str, String> = HashMap::new();
        let mut tasks = Vec::with_capacity(order.len());
        for (n, (i, _)) in order.iter().enumerate() {
            let t = &self.tasks[*i];
            let id = format!("t{}", n + 1);
            let parent = t.parent.as_deref().and_then(|p| new_ids.get(p)).cloned();
            let kind = if t.kind == "theme" || self.has_children(&t.id) {
                TaskKind::Theme
            } else {
                TaskKind::Task
            };
            tasks.push(Task {
                id: id.clone(),
                parent,
                kind,
                cue: t.cue.clone(),
                title: t.title.trim().to_owned(),
                text: t.text.clone(),
                span: t.span,
                actors: t.actors.clone(),
                due: t.due_text.as_ref().map(|text| Due {
                    text: text.clone(),
                    date: t.due_date.clone(),
                    period: period_label(t.due_period.as_deref()),
                }),
            });
            new_ids.insert(t.id.as_str(), id);
        }
        Extraction {
            script: match self.script.as_str() {
                "hant" => Script::Hant,
                "mixed" => Script::Mixed,
                _ => Script::Hans,
            },
            meeting: Meeting {
                title: self.meeting.title.clone(),
                date: self.meeting.date.clone(),
                body: self.meeting.body.clone(),
                chair: self.meeting.chair.clone(),
            },
            tasks,
            warnings: Vec::new(),
        }
    }

    pub fn source(&self) -> Source {
        Source {
            text: self.source.clone(),
            kind: source_kind(&self.kind),
            encoding: encoding_label(&self.encoding),
            tables: Vec::new(),
        }
    }

    /// The display text of the source (visible text for HTML) with each
    /// character's offset in the source.
    fn display(&self) -> Vec<(char, usize)> {
        match source_kind(&self.kind) {
            SourceKind::Html => luoshi_extract::html::html_text(&self.source)
                .into_iter()
                .map(|(c, o)| (c, o as usize))
                .collect(),
            _ => self.source.chars().zip(0..).collect(),
        }
    }

    /// The text of `span` as a task's `text` is made.
    fn text_of(&self, span: [usize; 2]) -> String {
        let raw: String = self
            .source
            .chars()
            .skip(span[0])
            .take(span[1].saturating_sub(span[0]))
            .collect();
        luoshi_extract::clean_text(source_kind(&self.kind), &raw)
    }
}

/// An edit refused: the catalogue key of its reason and its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

fn refuse(key: &'static str) -> EditError {
    EditError {
        key,
        args: Vec::new(),
    }
}

fn refuse_task(key: &'static str, title: &str) -> EditError {
    EditError {
        key,
        args: vec![("task", title.to_owned())],
    }
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// `YYYY-MM-DD`, `--MM-DD` or `---DD`, as the extraction contract writes
/// a meeting date.
fn meeting_date_ok(s: &str) -> bool {
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    if let Some(d) = s.strip_prefix("---") {
        return digits(d, 2);
    }
    if let Some(md) = s.strip_prefix("--") {
        return md
            .split_once('-')
            .is_some_and(|(m, d)| digits(m, 2) && digits(d, 2));
    }
    let p: Vec<&str> = s.split('-').collect();
    p.len() == 3 && digits(p[0], 4) && digits(p[1], 2) && digits(p[2], 2)
}

/// The fields of a posted review form.
pub struct Fields(Vec<Part>);

impl Fields {
    fn get(&self, name: &str) -> Option<String> {
        self.0.iter().find(|p| p.name == name).map(Part::text)
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|p| p.name == name)
            .map(Part::text)
            .collect()
    }

    fn file(&self, name: &str) -> Option<&Part> {
        self.0
            .iter()
            .find(|p| p.name == name && p.filename.is_some() && !p.data.is_empty())
    }
}

/// Applies what the whole form says (meeting, titles, parents) to the
/// draft, then the operation `op`.
pub fn edit(draft: &mut Draft, fields: &Fields, op: &str) -> Result<(), EditError> {
    for (field, slot) in [
        ("m_title", &mut draft.meeting.title),
        ("m_date", &mut draft.meeting.date),
        ("m_body", &mut draft.meeting.body),
        ("m_chair", &mut draft.meeting.chair),
    ] {
        if let Some(v) = fields.get(field) {
            *slot = non_empty(Some(&v));
        }
    }
    if let Some(d) = &draft.meeting.date
        && !meeting_date_ok(d)
    {
        return Err(refuse("ingest.err.meeting_date"));
    }
    let ids: Vec<String> = draft
        .tasks
        .iter()
        .filter(|t| !t.dropped)
        .map(|t| t.id.clone())
        .collect();
    for id in &ids {
        if let Some(title) = fields.get(&format!("title.{id}")) {
            let title = title.trim();
            let Some(i) = draft.index(id) else { continue };
            if title.is_empty() {
                return Err(refuse_task("ingest.err.empty_title", &draft.tasks[i].title));
            }
            draft.tasks[i].title = title.to_owned();
        }
    }
    for id in &ids {
        let Some(parent) = fields.get(&format!("parent.{id}")) else {
            continue;
        };
        let parent = non_empty(Some(&parent));
        let Some(i) = draft.index(id) else { continue };
        if draft.tasks[i].parent == parent {
            continue;
        }
        let title = draft.tasks[i].title.clone();
        if let Some(p) = &parent {
            let Some(pi) = draft.live(p) else {
                return Err(refuse_task("ingest.err.bad_parent", &title));
            };
            if p == id || draft.tasks[pi].parent.is_some() {
                return Err(refuse_task("ingest.err.bad_parent", &title));
            }
        }
        if draft.has_children(id) {
            return Err(refuse_task("ingest.err.move_has_children", &title));
        }
        draft.tasks[i].parent = parent;
    }
    match op.split_once(':') {
        Some(("split", id)) => split(draft, id),
        Some(("drop", id)) => {
            let i = draft.live(id).ok_or_else(|| refuse("ingest.err.no_task"))?;
            let parent = draft.tasks[i].parent.clone();
            for t in &mut draft.tasks {
                if t.parent.as_deref() == Some(id) {
                    t.parent.clone_from(&parent);
                }
            }
            draft.tasks[i].dropped = true;
            Ok(())
        }
        Some(("restore", id)) => {
            let i = draft
                .index(id)
                .ok_or_else(|| refuse("ingest.err.no_task"))?;
            draft.tasks[i].dropped = false;
            if let Some(p) = draft.tasks[i].parent.clone()
                && draft.live(&p).is_none()
            {
                draft.tasks[i].parent = None;
            }
            Ok(())
        }
        _ => match op {
            "merge" => merge(draft, &fields.all("sel")),
            "add" => add(draft, fields),
            "save" | "confirm" => Ok(()),
            _ => Err(refuse("ingest.err.bad_op")),
        },
    }
}

/// Splits a task where its title carries `|` (or `｜`): the part after it
/// becomes a new task beside it; the sentence is cut where that part
/// begins in the source, when it can be found there.
fn split(draft: &mut Draft, id: &str) -> Result<(), EditError> {
    let i = draft.live(id).ok_or_else(|| refuse("ingest.err.no_task"))?;
    let title = draft.tasks[i].title.clone();
    let Some((a, b)) = title.split_once(['|', '｜']) else {
        return Err(refuse_task("ingest.err.split_mark", &title));
    };
    let (a, b) = (
        a.trim().to_owned(),
        b.replace(['|', '｜'], "").trim().to_owned(),
    );
    if a.is_empty() || b.is_empty() {
        return Err(refuse_task("ingest.err.split_mark", &title));
    }
    let [start, end] = draft.tasks[i].span;
    let cut = {
        let chars: Vec<char> = draft.source.chars().collect();
        let end = end.min(chars.len());
        let start = start.min(end);
        let needle: Vec<char> = b.chars().take(4).collect();
        (start + 1..end)
            .find(|&k| chars[k..end].starts_with(&needle))
            .filter(|_| !needle.is_empty())
    };
    let mut second = draft.tasks[i].clone();
    second.id = format!("n{}", draft.next.max(1));
    draft.next = draft.next.max(1) + 1;
    second.title = b;
    second.kind = "task".to_owned();
    second.cue = String::new();
    second.due_text = None;
    second.due_date = None;
    second.due_period = None;
    draft.tasks[i].title = a;
    if let Some(k) = cut {
        draft.tasks[i].span = [start, k];
        second.span = [k, end];
        let (ta, tb) = (draft.text_of([start, k]), draft.text_of([k, end]));
        if !ta.is_empty() && !tb.is_empty() {
            draft.tasks[i].text = ta;
            second.text = tb;
        }
    }
    // A theme keeps its children; the new part is its sibling.
    draft.tasks.insert(i + 1, second);
    Ok(())
}

/// Merges the chosen tasks into the first of them in the source: titles
/// joined with ；, the sentence from the first start to the last end,
/// children moved to it.
fn merge(draft: &mut Draft, chosen: &[String]) -> Result<(), EditError> {
    let mut picked: Vec<usize> = chosen.iter().filter_map(|id| draft.live(id)).collect();
    picked.sort_by_key(|&i| (draft.tasks[i].span[0], i));
    picked.dedup();
    if picked.len() < 2 {
        return Err(refuse("ingest.err.merge_two"));
    }
    let first = picked[0];
    let keep = draft.tasks[first].id.clone();
    let others: Vec<String> = picked[1..]
        .iter()
        .map(|&i| draft.tasks[i].id.clone())
        .collect();
    // Merging a theme with its own child: the child is part of it now.
    let start = picked
        .iter()
        .map(|&i| draft.tasks[i].span[0])
        .min()
        .unwrap_or(0);
    let end = picked
        .iter()
        .map(|&i| draft.tasks[i].span[1])
        .max()
        .unwrap_or(0);
    let title = picked
        .iter()
        .map(|&i| draft.tasks[i].title.trim().trim_end_matches(['；', '。']))
        .collect::<Vec<_>>()
        .join("；");
    let text = picked
        .iter()
        .map(|&i| draft.tasks[i].text.as_str())
        .collect::<String>();
    for t in &mut draft.tasks {
        if t.parent.as_ref().is_some_and(|p| others.contains(p)) {
            t.parent = Some(keep.clone());
        }
    }
    let first_task = &mut draft.tasks[first];
    first_task.title = title;
    first_task.span = [start, end];
    first_task.text = text;
    if first_task
        .parent
        .as_ref()
        .is_some_and(|p| others.contains(p))
    {
        first_task.parent = None;
    }
    draft.tasks.retain(|t| !others.contains(&t.id));
    for t in &mut draft.tasks {
        if t.parent.as_deref() == Some(t.id.as_str()) {
            t.parent = None;
        }
    }
    Ok(())
}

/// Adds a task the extractor missed: from a selection in the source (the
/// script sends its offsets) or, without the script, from text copied out
/// of the source, looked up in it.
fn add(draft: &mut Draft, fields: &Fields) -> Result<(), EditError> {
    let typed = fields.get("add_text").unwrap_or_default();
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(refuse("ingest.err.add_empty"));
    }
    let n = draft.chars();
    let offset = |f: &str| fields.get(f).and_then(|v| v.trim().parse::<usize>().ok());
    let display = draft.display();
    let src: Vec<char> = draft.source.chars().collect();
    // Where the source form of the character shown at offset `o` ends: a
    // character reference (`&ldquo;`) ends at its ';', so a span never
    // cuts one in two.
    let after = |o: usize| {
        let i = display.partition_point(|(_, x)| *x < o);
        let reference =
            display.get(i).is_some_and(|(c, x)| *x == o && *c != '&') && src.get(o) == Some(&'&');
        let end = if reference {
            src[o..]
                .iter()
                .position(|c| *c == ';')
                .map_or(o + 1, |p| o + p + 1)
        } else {
            o + 1
        };
        end.min(n)
    };
    let span = match (offset("add_start"), offset("add_end")) {
        (Some(s), Some(e)) if s < e && e <= n => [s, after(e - 1)],
        _ => {
            let wanted: Vec<char> = typed.chars().filter(|c| !c.is_whitespace()).collect();
            // Indices of the characters shown, whitespace left out.
            let shown: Vec<usize> = (0..display.len())
                .filter(|&i| !display[i].0.is_whitespace())
                .collect();
            let at = (0..shown.len().saturating_sub(wanted.len()) + 1)
                .find(|&k| {
                    shown.len() >= k + wanted.len()
                        && shown[k..k + wanted.len()]
                            .iter()
                            .map(|&i| display[i].0)
                            .eq(wanted.iter().copied())
                })
                .filter(|_| !wanted.is_empty())
                .ok_or_else(|| refuse("ingest.err.add_not_found"))?;
            let last = shown[at + wanted.len() - 1];
            [display[shown[at]].1, after(display[last].1)]
        }
    };
    let text = draft.text_of(span);
    if text.is_empty() {
        return Err(refuse("ingest.err.add_empty"));
    }
    let title = non_empty(fields.get("add_title").as_deref()).unwrap_or_else(|| {
        text.trim_end_matches(['。', '；', '，', '！', '.', ';'])
            .chars()
            .take(80)
            .collect()
    });
    let parent = non_empty(fields.get("add_parent").as_deref());
    if let Some(p) = &parent {
        match draft.live(p) {
            Some(pi) if draft.tasks[pi].parent.is_none() => {}
            _ => return Err(refuse_task("ingest.err.bad_parent", &title)),
        }
    }
    let id = format!("n{}", draft.next.max(1));
    draft.next = draft.next.max(1) + 1;
    draft.tasks.push(DraftTask {
        id,
        parent,
        kind: "task".to_owned(),
        cue: String::new(),
        title,
        text,
        span,
        ..DraftTask::default()
    });
    Ok(())
}

// ----- reading a posted form --------------------------------------------------------

/// Reads a posted body: multipart (what the pages send) or urlencoded.
async fn read_form(
    state: &AppState,
    t: T,
    headers: &HeaderMap,
    body: Body,
) -> Result<Fields, (StatusCode, String)> {
    let limit = state.settings.max_body_bytes.min(MAX_UPLOAD_BYTES);
    let bytes: Bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        let mb = format!("{:.1}", limit as f64 / 1_048_576.0);
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            t.f("ingest.err.too_large", &[("mb", &mb)]),
        )
    })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Some(b) = multipart::boundary(content_type) {
        return multipart::parse(&bytes, &b).await.map(Fields).map_err(|_| {
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                t.t("ingest.err.form").to_owned(),
            )
        });
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return Ok(Fields(
            form_urlencoded::parse(&bytes)
                .map(|(k, v)| Part {
                    name: k.into_owned(),
                    filename: None,
                    data: Bytes::from(v.into_owned()),
                })
                .collect(),
        ));
    }
    Err((
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        t.t("ingest.err.form").to_owned(),
    ))
}

fn edit_text(t: T, e: &EditError) -> String {
    let args: Vec<(&str, &str)> = e.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    t.f(e.key, &args)
}

/// Refuses, with the API's 403 page, a user who may not ingest.
async fn allowed(page: &Page) -> Result<(), Response> {
    page.caller
        .require(Permission::Ingest)
        .await
        .map_err(|e| error_page(page.t, Some(&page.caller), &e))
}

fn csrf(page: &Page) -> String {
    page.caller.csrf().unwrap_or("").to_owned()
}

// ----- the paste / upload form ------------------------------------------------------

#[derive(Template)]
#[template(path = "ingest.html")]
pub struct NewPage {
    pub t: T,
    pub chrome: Chrome,
    pub csrf: String,
    pub text: String,
    pub name: String,
    pub error: Option<String>,
    pub large: String,
}

fn new_form(page: &Page, text: String, name: String, error: Option<String>) -> NewPage {
    NewPage {
        t: page.t,
        chrome: Chrome::new(page.t, Some(&page.caller), "/ingest", "ingest"),
        csrf: csrf(page),
        text,
        name,
        error,
        large: page
            .t
            .f("ingest.file_hint", &[("chars", &LARGE_CHARS.to_string())]),
    }
}

pub async fn new_page(page: Page) -> Response {
    if let Err(r) = allowed(&page).await {
        return r;
    }
    render(
        StatusCode::OK,
        &new_form(&page, String::new(), String::new(), None),
    )
}

/// Decodes and extracts a pasted or uploaded communiqué: the review page,
/// or a job for a long one.
pub async fn start(
    State(state): State<Arc<AppState>>,
    page: Page,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Err(r) = allowed(&page).await {
        return r;
    }
    let t = page.t;
    let fields = match read_form(&state, t, &headers, body).await {
        Ok(f) => f,
        Err((status, e)) => {
            return render(
                status,
                &new_form(&page, String::new(), String::new(), Some(e)),
            );
        }
    };
    let text = fields.get("text").unwrap_or_default();
    let typed_name = fields.get("name").unwrap_or_default();
    let again = |key: &str, status: StatusCode| {
        render(
            status,
            &new_form(
                &page,
                text.clone(),
                typed_name.clone(),
                Some(t.t(key).to_owned()),
            ),
        )
    };
    let file = fields.file("file");
    let pasted = !text.trim().is_empty();
    let bytes: Vec<u8> = match (file, pasted) {
        (Some(_), true) => return again("ingest.err.both", StatusCode::UNPROCESSABLE_ENTITY),
        (None, false) => return again("ingest.err.nothing", StatusCode::UNPROCESSABLE_ENTITY),
        (Some(f), false) => f.data.to_vec(),
        // A browser sends a text area's line breaks as CRLF; the text the
        // user pasted had plain ones.
        (None, true) => text.replace("\r\n", "\n").into_bytes(),
    };
    let name = non_empty(
        file.and_then(|f| f.filename.as_deref())
            .or(Some(typed_name.as_str())),
    );
    let name = match name.as_deref().map(DocumentName::parse).transpose() {
        Ok(n) => n.map(|n| n.as_str().to_owned()),
        Err(e) => {
            let e = ApiError::from(luoshi_core::StoreError::from(e));
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &new_form(
                    &page,
                    text.clone(),
                    typed_name.clone(),
                    Some(error_text(t, &e)),
                ),
            );
        }
    };
    let source = match tokio::task::spawn_blocking(move || luoshi_extract::decode(&bytes)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            let e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string());
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &new_form(
                    &page,
                    text.clone(),
                    typed_name.clone(),
                    Some(error_text(t, &e)),
                ),
            );
        }
        Err(_) => return error_page(t, Some(&page.caller), &ApiError::internal()),
    };
    let chars = source.text.chars().count();
    if chars > LARGE_CHARS {
        let job = Job::start(&page, JobKind::Ingest);
        job.total.store(chars, Ordering::Relaxed);
        let id = job.id.clone();
        tokio::spawn(async move {
            let outcome = tokio::task::spawn_blocking(move || {
                let ex = luoshi_extract::extract(&source);
                Draft::new(name, &source, &ex)
            })
            .await
            .map_or_else(
                |_| Outcome::Failed(error_text(t, &ApiError::internal())),
                |d| Outcome::Draft(Box::new(d)),
            );
            job.finish(outcome);
        });
        return see_other(&format!("/ingest/jobs/{id}"));
    }
    let draft = match tokio::task::spawn_blocking(move || {
        let ex = luoshi_extract::extract(&source);
        Draft::new(name, &source, &ex)
    })
    .await
    {
        Ok(d) => d,
        Err(_) => return error_page(t, Some(&page.caller), &ApiError::internal()),
    };
    review_page(&page, &draft, StatusCode::OK, None, None)
}

// ----- the review -------------------------------------------------------------------

/// A stretch of the source shown in the source pane: consecutive
/// characters covered by the same tasks.
pub struct Piece {
    /// Offset of its first character in the source.
    pub at: usize,
    pub text: String,
    /// Ids of the tasks whose sentence covers it, space-separated.
    pub tasks: String,
    /// `src-ID` for the first piece of a task, the target of its link.
    pub anchor: Option<String>,
}

/// A theme a task may be moved under.
pub struct Opt {
    pub value: String,
    pub label: String,
}

pub struct Row {
    pub id: String,
    pub number: String,
    pub depth: usize,
    pub theme: bool,
    pub title: String,
    pub text: String,
    pub due: String,
    /// The parent's id, empty for none.
    pub parent: String,
    pub may_move: bool,
}

#[derive(Template)]
#[template(path = "ingest_review.html")]
pub struct ReviewPage {
    pub t: T,
    pub chrome: Chrome,
    pub csrf: String,
    pub draft: String,
    pub name: String,
    pub pieces: Vec<Piece>,
    pub rows: Vec<Row>,
    pub dropped: Vec<Row>,
    pub targets: Vec<Opt>,
    pub m_title: String,
    pub m_date: String,
    pub m_body: String,
    pub m_chair: String,
    pub summary: String,
    pub warnings: Vec<String>,
    pub error: Option<String>,
    pub done: Option<String>,
    pub add_text: String,
    pub add_title: String,
}

/// Cuts the display text into pieces at every task boundary, at every
/// jump in source offsets (HTML markup) and at carriage returns (which
/// a browser drops from the page, and the script counts characters).
fn pieces(draft: &Draft, spans: &[(String, [usize; 2])]) -> Vec<Piece> {
    let mut bounds: Vec<usize> = spans.iter().flat_map(|(_, s)| [s[0], s[1]]).collect();
    bounds.sort_unstable();
    bounds.dedup();
    let segment = |o: usize| bounds.partition_point(|b| *b <= o);
    let mut covers: HashMap<usize, String> = HashMap::new();
    let mut out: Vec<Piece> = Vec::new();
    let mut anchored: HashSet<&str> = HashSet::new();
    let mut last: Option<(usize, usize)> = None; // (segment, next offset)
    for (c, o) in draft.display() {
        if c == '\r' {
            last = None;
            continue;
        }
        let seg = segment(o);
        if last == Some((seg, o)) {
            if let Some(p) = out.last_mut() {
                p.text.push(c);
            }
        } else {
            let tasks = covers
                .entry(seg)
                .or_insert_with(|| {
                    spans
                        .iter()
                        .filter(|(_, s)| s[0] <= o && o < s[1])
                        .map(|(id, _)| id.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .clone();
            let anchor = tasks
                .split(' ')
                .find(|id| !id.is_empty() && !anchored.contains(id))
                .and_then(|id| spans.iter().find(|(s, _)| s == id))
                .map(|(id, _)| {
                    anchored.insert(id.as_str());
                    format!("src-{id}")
                });
            out.push(Piece {
                at: o,
                text: c.to_string(),
                tasks,
                anchor,
            });
        }
        last = Some((seg, o + 1));
    }
    out
}

fn task_row(
    draft: &Draft,
    with_children: &HashSet<&str>,
    i: usize,
    number: String,
    depth: usize,
) -> Row {
    let task = &draft.tasks[i];
    let heads = with_children.contains(task.id.as_str());
    Row {
        id: task.id.clone(),
        number,
        depth: depth.min(3),
        theme: task.kind == "theme" || heads,
        title: task.title.clone(),
        text: task.text.clone(),
        due: task.due_text.clone().unwrap_or_default(),
        parent: task.parent.clone().unwrap_or_default(),
        may_move: !heads,
    }
}

fn review_page(
    page: &Page,
    draft: &Draft,
    status: StatusCode,
    error: Option<String>,
    done: Option<String>,
) -> Response {
    let t = page.t;
    let order = draft.ordered();
    let with_children: HashSet<&str> = draft
        .tasks
        .iter()
        .filter(|t| !t.dropped)
        .filter_map(|t| t.parent.as_deref())
        .collect();
    let rows: Vec<Row> = order
        .iter()
        .copied()
        .scan(Vec::<usize>::new(), |counter, (i, depth)| {
            counter.truncate(depth + 1);
            while counter.len() < depth + 1 {
                counter.push(0);
            }
            counter[depth] += 1;
            let number = counter
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(".");
            Some(task_row(draft, &with_children, i, number, depth))
        })
        .collect();
    let dropped: Vec<Row> = (0..draft.tasks.len())
        .filter(|&i| draft.tasks[i].dropped)
        .map(|i| task_row(draft, &with_children, i, String::new(), 0))
        .collect();
    let spans: Vec<(String, [usize; 2])> = order
        .iter()
        .map(|&(i, _)| (draft.tasks[i].id.clone(), draft.tasks[i].span))
        .collect();
    // Move targets: the top-level themes (a task goes one level down).
    let targets: Vec<Opt> = rows
        .iter()
        .filter(|r| r.depth == 0 && r.theme)
        .map(|r| Opt {
            value: r.id.clone(),
            label: format!(
                "{} {}",
                r.number,
                r.title.chars().take(20).collect::<String>()
            ),
        })
        .collect();
    let themes = rows.iter().filter(|r| r.theme).count();
    let summary = t.f(
        "ingest.summary",
        &[
            ("themes", &themes.to_string()),
            ("tasks", &(rows.len() - themes).to_string()),
            ("chars", &draft.chars().to_string()),
        ],
    );
    let json = serde_json::to_string(draft).unwrap_or_default();
    let p = ReviewPage {
        t,
        chrome: Chrome::new(t, Some(&page.caller), "/ingest", "ingest"),
        csrf: csrf(page),
        draft: json,
        name: draft.name.clone().unwrap_or_default(),
        pieces: pieces(draft, &spans),
        rows,
        dropped,
        targets,
        m_title: draft.meeting.title.clone().unwrap_or_default(),
        m_date: draft.meeting.date.clone().unwrap_or_default(),
        m_body: draft.meeting.body.clone().unwrap_or_default(),
        m_chair: draft.meeting.chair.clone().unwrap_or_default(),
        summary,
        warnings: draft.warnings.clone(),
        error,
        done,
        add_text: String::new(),
        add_title: String::new(),
    };
    render(status, &p)
}

/// One edit of the review, or its confirmation.
pub async fn review(
    State(state): State<Arc<AppState>>,
    page: Page,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Err(r) = allowed(&page).await {
        return r;
    }
    let t = page.t;
    let fields = match read_form(&state, t, &headers, body).await {
        Ok(f) => f,
        Err((status, e)) => {
            return render(
                status,
                &new_form(&page, String::new(), String::new(), Some(e)),
            );
        }
    };
    let Some(mut draft) = fields
        .get("draft")
        .and_then(|d| serde_json::from_str::<Draft>(&d).ok())
        .filter(|d| d.tasks.len() <= MAX_DRAFT_TASKS)
    else {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &new_form(
                &page,
                String::new(),
                String::new(),
                Some(t.t("ingest.err.draft").to_owned()),
            ),
        );
    };
    let op = fields.get("op").unwrap_or_else(|| "save".to_owned());
    let before = draft.clone();
    if let Err(e) = edit(&mut draft, &fields, &op) {
        // Nothing of a refused edit is kept, so the page shows the draft as
        // it was and the reason.
        return review_page(
            &page,
            &before,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(edit_text(t, &e)),
            None,
        );
    }
    if op != "confirm" {
        let done = match op.split_once(':').map_or(op.as_str(), |(o, _)| o) {
            "split" => "ingest.done.split",
            "drop" => "ingest.done.drop",
            "restore" => "ingest.done.restore",
            "merge" => "ingest.done.merge",
            "add" => "ingest.done.add",
            _ => "ingest.done.save",
        };
        return review_page(
            &page,
            &draft,
            StatusCode::OK,
            None,
            Some(t.t(done).to_owned()),
        );
    }
    if draft.ordered().is_empty() {
        return review_page(
            &page,
            &draft,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(t.t("ingest.err.no_tasks").to_owned()),
            None,
        );
    }
    let name = match draft.name.as_deref().map(DocumentName::parse).transpose() {
        Ok(n) => n,
        Err(e) => {
            let e = ApiError::from(luoshi_core::StoreError::from(e));
            return review_page(
                &page,
                &draft,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(error_text(t, &e)),
                None,
            );
        }
    };
    let source = draft.source();
    let extraction = draft.extraction();
    let doc = NewDocument {
        name: name.as_ref(),
        source: &source,
        extraction: &extraction,
    };
    match state.store.ingest(page.caller.actor(), doc).await {
        Ok(ingested) => see_other(&format!(
            "/ledger?document={}&done=ingested",
            ingested.document.id.0
        )),
        Err(e) => {
            let e = ApiError::from(e);
            let status = e.status;
            review_page(&page, &draft, status, Some(error_text(t, &e)), None)
        }
    }
}

// ----- jobs -------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    Import,
    Ingest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Running,
    /// Rows are validated; the one transaction is writing them.
    Writing,
}

enum Outcome {
    Imported {
        documents: Vec<i64>,
        tasks: usize,
        units: Vec<String>,
    },
    Draft(Box<Draft>),
    Failed(String),
}

enum JobState {
    Running(Phase),
    Finished(Instant, Outcome),
}

/// Long work started from a page: an Excel import or a large ingest.
pub struct Job {
    id: String,
    owner: UserId,
    kind: JobKind,
    started: Instant,
    /// Rows validated (import) or characters (ingest) so far and in all.
    done: AtomicUsize,
    total: AtomicUsize,
    state: Mutex<JobState>,
}

/// The jobs of this process, by id.
static JOBS: LazyLock<Mutex<HashMap<String, Arc<Job>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn jobs() -> std::sync::MutexGuard<'static, HashMap<String, Arc<Job>>> {
    JOBS.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Job {
    fn start(page: &Page, kind: JobKind) -> Arc<Job> {
        // 20 characters from 57: about 117 bits, not guessable.
        let id = luoshi_core::accounts::one_time_password()
            .unwrap_or_else(|_| format!("{:x}", Instant::now().elapsed().as_nanos()));
        let job = Arc::new(Job {
            id: id.clone(),
            owner: page.caller.principal().user,
            kind,
            started: Instant::now(),
            done: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
            state: Mutex::new(JobState::Running(Phase::Running)),
        });
        let mut all = jobs();
        all.retain(|_, j| match &*j.lock() {
            JobState::Finished(at, _) => at.elapsed() < JOB_TTL,
            JobState::Running(_) => true,
        });
        if all.len() >= MAX_JOBS {
            let oldest = all
                .values()
                .filter(|j| matches!(&*j.lock(), JobState::Finished(..)))
                .min_by_key(|j| j.started)
                .map(|j| j.id.clone());
            if let Some(o) = oldest {
                all.remove(&o);
            }
        }
        all.insert(id, job.clone());
        job
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, JobState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn phase(&self, p: Phase) {
        *self.lock() = JobState::Running(p);
    }

    fn finish(&self, outcome: Outcome) {
        *self.lock() = JobState::Finished(Instant::now(), outcome);
    }
}

// ----- the Excel import -------------------------------------------------------------

#[derive(Template)]
#[template(path = "ingest_import.html")]
pub struct ImportPage {
    pub t: T,
    pub chrome: Chrome,
    pub csrf: String,
    pub error: Option<String>,
}

fn import_form(page: &Page, error: Option<String>) -> ImportPage {
    ImportPage {
        t: page.t,
        chrome: Chrome::new(page.t, Some(&page.caller), "/ingest/import", "ingest"),
        csrf: csrf(page),
        error,
    }
}

pub async fn import_page(page: Page) -> Response {
    if let Err(r) = allowed(&page).await {
        return r;
    }
    render(StatusCode::OK, &import_form(&page, None))
}

/// Starts importing an uploaded 台账 and sends the browser to the job.
pub async fn import(
    State(state): State<Arc<AppState>>,
    page: Page,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Err(r) = allowed(&page).await {
        return r;
    }
    let t = page.t;
    let fields = match read_form(&state, t, &headers, body).await {
        Ok(f) => f,
        Err((status, e)) => return render(status, &import_form(&page, Some(e))),
    };
    let Some(file) = fields.file("file") else {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &import_form(&page, Some(t.t("ingest.err.no_xlsx").to_owned())),
        );
    };
    let bytes = file.data.clone();
    let name = non_empty(file.filename.as_deref()).unwrap_or_else(|| "台账".to_owned());
    let job = Job::start(&page, JobKind::Import);
    let id = job.id.clone();
    let actor = page.caller.actor().clone();
    tokio::spawn(async move {
        let counter = job.clone();
        let read = tokio::task::spawn_blocking(move || {
            xlsx::read_with_progress(&bytes, &mut |n, total| {
                counter.done.store(n, Ordering::Relaxed);
                counter.total.store(total, Ordering::Relaxed);
            })
        })
        .await;
        let outcome = match read {
            Ok(Ok(sheet)) => {
                job.phase(Phase::Writing);
                match state.store.import_ledger(&actor, &sheet, &name).await {
                    Ok(imported) => Outcome::Imported {
                        documents: imported.documents.iter().map(|d| d.0).collect(),
                        tasks: imported.tasks.len(),
                        units: imported
                            .units_created
                            .iter()
                            .map(|u| u.as_str().to_owned())
                            .collect(),
                    },
                    Err(e) => Outcome::Failed(error_text(t, &ApiError::from(e))),
                }
            }
            Ok(Err(e)) => Outcome::Failed(xlsx_error_text(t, &e)),
            Err(_) => Outcome::Failed(error_text(t, &ApiError::internal())),
        };
        job.finish(outcome);
    });
    see_other(&format!("/ingest/jobs/{id}"))
}

/// An import's failure: the first bad cell with its row (and how many
/// more there are), or the workbook's problem, in the page's script.
fn xlsx_error_text(t: T, e: &xlsx::XlsxError) -> String {
    let text = match e {
        xlsx::XlsxError::Cells(cells) => {
            let first = cells.first().map(ToString::to_string).unwrap_or_default();
            if cells.len() > 1 {
                format!(
                    "{first}{}",
                    t.f(
                        "ingest.job.more_errors",
                        &[("n", &(cells.len() - 1).to_string())]
                    )
                )
            } else {
                first
            }
        }
        other => other.to_string(),
    };
    t.script(&text)
}

// ----- the job page -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "ingest_job.html")]
pub struct JobPage {
    pub t: T,
    pub chrome: Chrome,
    pub heading: String,
    pub running: bool,
    pub progress: String,
    /// `value` and `max` of the progress bar; none while indeterminate.
    pub bar: Option<(usize, usize)>,
    pub phase: String,
    pub error: Option<String>,
    pub result: Option<String>,
    pub documents: Vec<i64>,
    pub again: &'static str,
}

pub async fn job_page(page: Page, Path(id): Path<String>) -> Response {
    if let Err(r) = allowed(&page).await {
        return r;
    }
    let t = page.t;
    let job = jobs().get(&id).cloned();
    let Some(job) = job.filter(|j| j.owner == page.caller.principal().user) else {
        let e = ApiError::new(
            StatusCode::NOT_FOUND,
            "job_not_found",
            "找不到这项处理任务：它可能已过期（完成一小时后清除）或属于其他用户。请重新上传。",
        );
        return error_page(t, Some(&page.caller), &e);
    };
    let (done, total) = (
        job.done.load(Ordering::Relaxed),
        job.total.load(Ordering::Relaxed),
    );
    let secs = job.started.elapsed().as_secs().to_string();
    let heading = t
        .t(match job.kind {
            JobKind::Import => "ingest.job.import",
            JobKind::Ingest => "ingest.job.ingest",
        })
        .to_owned();
    let again = match job.kind {
        JobKind::Import => "/ingest/import",
        JobKind::Ingest => "/ingest",
    };
    let mut p = JobPage {
        t,
        chrome: Chrome::new(t, Some(&page.caller), "/ingest", "ingest"),
        heading,
        running: false,
        progress: String::new(),
        bar: None,
        phase: String::new(),
        error: None,
        result: None,
        documents: Vec::new(),
        again,
    };
    let rows = t.f(
        "ingest.job.rows",
        &[("n", &done.to_string()), ("total", &total.to_string())],
    );
    let state = job.lock();
    match &*state {
        JobState::Running(phase) => {
            p.running = true;
            match (job.kind, phase) {
                (JobKind::Import, Phase::Running) if total == 0 => {
                    p.phase = t.t("ingest.job.opening").to_owned();
                }
                (JobKind::Import, Phase::Running) => {
                    p.progress = rows;
                    p.bar = (total > 0).then_some((done, total));
                    p.phase = t.t("ingest.job.reading").to_owned();
                }
                (JobKind::Import, Phase::Writing) => {
                    p.progress = rows;
                    p.phase = t.t("ingest.job.writing").to_owned();
                }
                (JobKind::Ingest, _) => {
                    p.progress = t.f(
                        "ingest.job.chars",
                        &[("chars", &total.to_string()), ("secs", &secs)],
                    );
                    p.phase = t.t("ingest.job.extracting").to_owned();
                }
            }
        }
        JobState::Finished(_, Outcome::Draft(draft)) => {
            let draft = draft.clone();
            drop(state);
            return review_page(&page, &draft, StatusCode::OK, None, None);
        }
        JobState::Finished(_, Outcome::Failed(msg)) => {
            p.error = Some(msg.clone());
            p.progress = rows;
        }
        JobState::Finished(
            _,
            Outcome::Imported {
                documents,
                tasks,
                units,
            },
        ) => {
            p.progress = rows;
            p.bar = Some((total, total));
            p.result = Some(t.f(
                "ingest.job.imported",
                &[
                    ("documents", &documents.len().to_string()),
                    ("tasks", &tasks.to_string()),
                    ("units", &units.len().to_string()),
                ],
            ));
            p.documents.clone_from(documents);
        }
    }
    drop(state);
    let mut r = render(StatusCode::OK, &p);
    if p.running {
        // Reloads the page every second until the job is done: no script.
        r.headers_mut()
            .insert(header::REFRESH, HeaderValue::from_static("1"));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "2026年3月5日，省委常委会召开会议。会议指出，要打造科技创新高地，加快建设实验室体系。\
要推动产业升级，6月底前出台实施方案。要强化要素保障，年底前完成用地指标调剂。\
会议强调，必须加强水利建设，汛期前完成病险水库除险加固。";

    fn draft() -> Draft {
        let source = luoshi_extract::decode(TEXT.as_bytes()).unwrap();
        let ex = luoshi_extract::extract(&source);
        Draft::new(None, &source, &ex)
    }

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(k, v)| Part {
                    name: (*k).to_owned(),
                    filename: None,
                    data: Bytes::from(v.to_string()),
                })
                .collect(),
        )
    }

    fn titles(d: &Draft) -> Vec<String> {
        d.extraction()
            .tasks
            .iter()
            .map(|t| t.title.clone())
            .collect()
    }

    #[test]
    fn an_untouched_draft_gives_back_the_extraction() {
        let source = luoshi_extract::decode(TEXT.as_bytes()).unwrap();
        let ex = luoshi_extract::extract(&source);
        let d = Draft::new(None, &source, &ex);
        let back = d.extraction();
        assert_eq!(back.tasks.len(), ex.tasks.len());
        for (a, b) in back.tasks.iter().zip(&ex.tasks) {
            assert_eq!(
                (&a.title, a.span, &a.parent, a.kind),
                (&b.title, b.span, &b.parent, b.kind)
            );
        }
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(serde_json::from_str::<Draft>(&json).unwrap(), d);
    }

    #[test]
    fn rename_drop_restore_and_move() {
        let mut d = draft();
        assert_eq!(d.tasks[0].kind, "theme");
        let child = d.tasks[1].id.clone();
        edit(
            &mut d,
            &fields(&[(&format!("title.{child}"), " 建设实验室 ")]),
            "save",
        )
        .unwrap();
        assert_eq!(d.tasks[1].title, "建设实验室");
        // Dropping the theme lifts its children to the top.
        edit(&mut d, &fields(&[]), "drop:t1").unwrap();
        assert!(d.extraction().tasks.iter().all(|t| t.parent.is_none()));
        assert!(!titles(&d).contains(&"打造科技创新高地".to_owned()));
        edit(&mut d, &fields(&[]), "restore:t1").unwrap();
        assert!(titles(&d).contains(&"打造科技创新高地".to_owned()));
        // Move the last task under the theme: it comes after the theme's
        // other children in the stored order.
        let last = d.tasks.last().unwrap().id.clone();
        edit(
            &mut d,
            &fields(&[(&format!("parent.{last}"), "t1")]),
            "save",
        )
        .unwrap();
        let ex = d.extraction();
        let moved = ex.tasks.iter().find(|t| t.title.contains("水利")).unwrap();
        assert_eq!(moved.parent.as_deref(), Some("t1"));
        // A task cannot go under itself or under a child.
        let e = edit(&mut d, &fields(&[("parent.t1", "t1")]), "save").unwrap_err();
        assert_eq!(e.key, "ingest.err.bad_parent");
        assert_eq!(
            edit(&mut d, &fields(&[]), "nonsense").unwrap_err().key,
            "ingest.err.bad_op"
        );
        let e = edit(&mut d, &fields(&[("title.t1", "  ")]), "save").unwrap_err();
        assert_eq!(e.key, "ingest.err.empty_title");
    }

    #[test]
    fn split_cuts_title_and_sentence() {
        let mut d = draft();
        let id = d.tasks[1].id.clone();
        let before = d.tasks[1].clone();
        edit(
            &mut d,
            &fields(&[(&format!("title.{id}"), "推动产业升级|出台实施方案")]),
            &format!("split:{id}"),
        )
        .unwrap();
        let a = &d.tasks[1];
        let b = &d.tasks[2];
        assert_eq!(
            (a.title.as_str(), b.title.as_str()),
            ("推动产业升级", "出台实施方案")
        );
        assert_eq!(a.span[0], before.span[0]);
        assert_eq!(a.span[1], b.span[0]);
        assert_eq!(b.span[1], before.span[1]);
        assert!(b.text.contains("出台实施方案"), "{}", b.text);
        assert_eq!(b.parent, before.parent);
        let e = edit(&mut d, &fields(&[]), &format!("split:{id}")).unwrap_err();
        assert_eq!(e.key, "ingest.err.split_mark");
    }

    #[test]
    fn merge_and_add() {
        let mut d = draft();
        let (a, b) = (d.tasks[1].id.clone(), d.tasks[2].id.clone());
        let n = d.extraction().tasks.len();
        edit(&mut d, &fields(&[("sel", &a), ("sel", &b)]), "merge").unwrap();
        assert_eq!(d.extraction().tasks.len(), n - 1);
        let m = d.tasks.iter().find(|t| t.id == a).unwrap();
        assert_eq!(m.title, "推动产业升级；强化要素保障");
        assert_eq!(
            edit(&mut d, &fields(&[("sel", &a)]), "merge")
                .unwrap_err()
                .key,
            "ingest.err.merge_two"
        );
        // Without the script: text copied from the source is found in it.
        edit(
            &mut d,
            &fields(&[("add_text", "加快建设实验室体系。"), ("add_parent", "t1")]),
            "add",
        )
        .unwrap();
        let added = d.tasks.last().unwrap();
        let chars: Vec<char> = TEXT.chars().collect();
        let got: String = chars[added.span[0]..added.span[1]].iter().collect();
        assert_eq!(got, "加快建设实验室体系。");
        assert_eq!(added.title, "加快建设实验室体系");
        assert_eq!(added.parent.as_deref(), Some("t1"));
        // With the script: the offsets of the selection.
        edit(
            &mut d,
            &fields(&[
                ("add_text", "召开会议"),
                ("add_start", "15"),
                ("add_end", "19"),
                ("add_title", "开会"),
            ]),
            "add",
        )
        .unwrap();
        assert_eq!(d.tasks.last().unwrap().span, [15, 19]);
        let e = edit(&mut d, &fields(&[("add_text", "不在原文里的话")]), "add").unwrap_err();
        assert_eq!(e.key, "ingest.err.add_not_found");
        // The stored order keeps parents first.
        let ex = d.extraction();
        for (i, t) in ex.tasks.iter().enumerate() {
            if let Some(p) = &t.parent {
                assert!(ex.tasks[..i].iter().any(|q| &q.id == p));
            }
        }
    }

    #[test]
    fn an_added_span_in_html_never_cuts_a_character_reference() {
        let html = "<html><body><p>会议要求，要建设&ldquo;高地&rdquo;。</p></body></html>";
        let source = luoshi_extract::decode(html.as_bytes()).unwrap();
        let ex = luoshi_extract::extract(&source);
        let mut d = Draft::new(None, &source, &ex);
        let chars: Vec<char> = html.chars().collect();
        let amp = html[..html.rfind("&rdquo;").unwrap()].chars().count();
        // The script's offsets: one past the reference's '&'.
        let start = html[..html.find("建设").unwrap()].chars().count();
        let (s, e) = (start.to_string(), (amp + 1).to_string());
        edit(
            &mut d,
            &fields(&[
                ("add_text", "建设“高地”"),
                ("add_start", &s),
                ("add_end", &e),
            ]),
            "add",
        )
        .unwrap();
        let span = d.tasks.last().unwrap().span;
        assert_eq!(
            chars[span[0]..span[1]].iter().collect::<String>(),
            "建设&ldquo;高地&rdquo;"
        );
        assert_eq!(d.tasks.last().unwrap().text, "建设“高地”");
        // Without the script: found in the text shown.
        edit(&mut d, &fields(&[("add_text", "“高地”。")]), "add").unwrap();
        let span = d.tasks.last().unwrap().span;
        assert_eq!(
            chars[span[0]..span[1]].iter().collect::<String>(),
            "&ldquo;高地&rdquo;。"
        );
    }

    #[test]
    fn pieces_cover_the_source_and_mark_tasks() {
        let d = draft();
        let spans: Vec<(String, [usize; 2])> =
            d.tasks.iter().map(|t| (t.id.clone(), t.span)).collect();
        let ps = pieces(&d, &spans);
        let all: String = ps.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(all, TEXT);
        for (id, span) in &spans {
            let first = ps
                .iter()
                .find(|p| p.tasks.split(' ').any(|t| t == id))
                .unwrap();
            assert_eq!(first.at, span[0]);
            assert_eq!(first.anchor.as_deref(), Some(format!("src-{id}").as_str()));
        }
        // A CR is left out and starts a new piece at the right offset.
        let mut d2 = d.clone();
        d2.source = "甲\r\n乙".to_owned();
        let ps = pieces(&d2, &[]);
        assert_eq!(
            ps.iter()
                .map(|p| (p.at, p.text.as_str()))
                .collect::<Vec<_>>(),
            [(0, "甲"), (2, "\n乙")]
        );
    }

    #[test]
    fn meeting_dates_follow_the_contract() {
        for ok in ["2026-03-05", "--03-05", "---05"] {
            assert!(meeting_date_ok(ok), "{ok}");
        }
        for bad in ["2026-3-5", "昨天", "--3-05", "----05", ""] {
            assert!(!meeting_date_ok(bad), "{bad}");
        }
    }
}
