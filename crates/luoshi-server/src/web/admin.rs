//! 单位与用户 (administration: unit tree, users, roles) and one's own API
//! tokens.
//!
//! `/admin` shows the unit tree (indented; a unit's "adjust" link opens the
//! rename and move-under form for it, "add below" pre-fills the parent of
//! the add form) and the users (role, unit, state; "edit" opens the form
//! that changes name, role and unit, resets the password or disables the
//! account). The unit half needs `Permission::ManageUnits`, the user half
//! `Permission::ManageUsers`, asked exactly as `POST /api/v1/units` and
//! `/api/v1/users…` ask them; the writes are the same core calls
//! (`add_unit`, `change_unit`, `create_user`, `update_user`,
//! `reset_password`). Nobody is deleted: an account is disabled.
//!
//! `/tokens` lists the signed-in user's own API tokens and creates and
//! revokes them (revoking asks for confirmation first, on its own page
//! state, so it works without JavaScript). Another user's token is never
//! listed, and revoking one is refused as not found — even for an
//! administrator, whom the core would allow: this page is about one's own.
//!
//! A new password or token secret is shown once: the form's answer is the
//! page itself (200, `Cache-Control: no-store`), because a secret must not
//! travel in a redirect's URL; every other form redirects (303) to
//! `?done=…`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use luoshi_core::{
    Accounts, Entity, Ledger, Login, NewUser, Password, Permission, PersonName, Role, StoreError,
    Unit, UnitName, User, UserChange, UserId, ValueError, Version, one_time_password,
};

use super::assign::pairs;
use super::i18n::T;
use super::pages::{Opt, local_time, render};
use super::{Chrome, Page, error_page, error_text, see_other};
use crate::error::{ApiError, unknown_unit_in};
use crate::routes::{AppState, field, unit_name};

/// What a `?done=` parameter of these pages may name.
const DONE: [&str; 7] = [
    "unit_added",
    "unit_renamed",
    "unit_moved",
    "user_changed",
    "user_disabled",
    "user_enabled",
    "token_revoked",
];

/// The routes of this area.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin", get(admin_page))
        .route("/admin/units", post(add_unit))
        .route("/admin/units/change", post(change_unit))
        .route("/admin/users", post(create_user))
        .route("/admin/users/{id}", post(update_user))
        .route("/admin/users/{id}/password", post(reset_password))
        .route("/tokens", get(tokens_page).post(create_token))
        .route("/tokens/{id}/revoke", post(revoke_token))
}

fn first<'a>(p: &'a [(String, String)], key: &str) -> &'a str {
    p.iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.trim())
}

fn done_text(t: T, done: &str) -> Option<String> {
    DONE.contains(&done)
        .then(|| t.t(&format!("admin.done.{done}")).to_owned())
}

fn version_of(s: &str) -> Result<Version, ApiError> {
    s.parse::<i64>().map(Version).map_err(|_| {
        ApiError::invalid(
            "expected_version",
            &ValueError::BadId {
                input: s.chars().take(20).collect(),
            },
        )
    })
}

fn id_of(s: &str) -> Result<i64, ApiError> {
    match s.trim().parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(ApiError::invalid(
            "id",
            &ValueError::BadId {
                input: s.chars().take(40).collect(),
            },
        )),
    }
}

// ----- the administration page ----------------------------------------------------

/// A unit in the tree.
#[derive(Debug, Clone)]
pub struct UnitLine {
    pub name: String,
    /// Indentation in em.
    pub indent: String,
    pub depth: usize,
    pub edit_href: String,
    pub under_href: String,
    /// "3 个用户" when the unit has users.
    pub users: Option<String>,
}

/// The unit being renamed or moved.
#[derive(Debug, Clone)]
pub struct UnitEdit {
    pub title: String,
    pub name: String,
    pub version: i64,
    pub parent: String,
}

/// A user in the list.
#[derive(Debug, Clone)]
pub struct UserLine {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: String,
    pub unit: String,
    pub state: String,
    pub state_code: &'static str,
    pub edit_href: String,
}

/// The user being edited.
#[derive(Debug, Clone)]
pub struct UserEdit {
    pub title: String,
    pub id: i64,
    pub version: i64,
    pub login: String,
    pub name: String,
    pub unit: String,
    pub roles: Vec<Opt>,
    pub active: bool,
}

/// A secret shown once.
#[derive(Debug, Clone)]
pub struct Secret {
    pub title: String,
    pub value: String,
    pub hint: String,
}

/// Values typed into the add forms, shown again after a refusal.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    pub unit_name: String,
    pub unit_parent: String,
    pub login: String,
    pub name: String,
    pub role: String,
    pub unit: String,
}

#[derive(askama::Template)]
#[template(path = "admin.html")]
pub struct AdminPage {
    pub t: T,
    pub chrome: Chrome,
    pub manage_units: bool,
    pub manage_users: bool,
    pub units: Vec<UnitLine>,
    pub unit_names: Vec<String>,
    pub unit_edit: Option<UnitEdit>,
    pub users: Vec<UserLine>,
    pub user_edit: Option<UserEdit>,
    pub roles: Vec<Opt>,
    pub typed: Typed,
    pub secret: Option<Secret>,
    pub error: Option<String>,
    pub done: Option<String>,
}

/// The units depth first under their parents, in the order they were added.
fn tree(units: &[Unit]) -> Vec<(usize, &Unit)> {
    // Children by parent, in the list's order: one pass, not a scan of
    // every unit for each unit (2,000 units in a province).
    let mut children: std::collections::HashMap<Option<i64>, Vec<&Unit>> =
        std::collections::HashMap::new();
    for u in units {
        children
            .entry(u.parent.as_ref().map(|p| p.id.0))
            .or_default()
            .push(u);
    }
    fn walk<'a>(
        children: &std::collections::HashMap<Option<i64>, Vec<&'a Unit>>,
        parent: Option<i64>,
        depth: usize,
        out: &mut Vec<(usize, &'a Unit)>,
    ) {
        for u in children.get(&parent).into_iter().flatten() {
            out.push((depth, u));
            // A tree deeper than this is a data error; stop rather than loop.
            if depth < 64 {
                walk(children, Some(u.id.0), depth + 1, out);
            }
        }
    }
    let mut out = Vec::with_capacity(units.len());
    walk(&children, None, 0, &mut out);
    // Units whose parent is missing from the list (cannot happen with
    // foreign keys) are still shown, at the top level.
    if out.len() < units.len() {
        let shown: std::collections::HashSet<i64> = out.iter().map(|(_, u)| u.id.0).collect();
        for u in units {
            if !shown.contains(&u.id.0) {
                out.push((0, u));
            }
        }
    }
    out
}

fn admin_href(key: &str, value: &str, anchor: &str) -> String {
    let q = form_urlencoded::Serializer::new(String::new())
        .append_pair(key, value)
        .finish();
    format!("/admin?{q}#{anchor}")
}

fn role_opts(t: T, selected: &str) -> Vec<Opt> {
    Role::ALL
        .iter()
        .map(|r| Opt {
            value: r.code().to_owned(),
            label: t.t(&format!("role.{}", r.code())).to_owned(),
            selected: r.code() == selected,
        })
        .collect()
}

fn user_state(t: T, u: &User, now: luoshi_core::Timestamp) -> (String, &'static str) {
    let code = if !u.active {
        "disabled"
    } else if u.locked_until.is_some_and(|l| l > now) {
        "locked"
    } else if u.must_change_password {
        "must_change"
    } else {
        "active"
    };
    (t.t(&format!("admin.user.state.{code}")).to_owned(), code)
}

/// What the administration page shows besides the lists.
#[derive(Debug, Default)]
struct View {
    edit_unit: String,
    under: String,
    edit_user: Option<i64>,
    typed: Typed,
    secret: Option<Secret>,
    error: Option<String>,
    done: Option<String>,
}

async fn admin_view(state: &AppState, page: &Page, mut v: View, status: StatusCode) -> Response {
    let t = page.t;
    let caller = &page.caller;
    let p = caller.principal();
    let manage_units = p.may(Permission::ManageUnits);
    let manage_users = p.may(Permission::ManageUsers);
    if !manage_units && !manage_users {
        // Asked through the API's check so the refusal is audited.
        if let Err(e) = caller.require(Permission::ManageUsers).await {
            return error_page(t, Some(caller), &e);
        }
    }
    let units = match state.store.units().await {
        Ok(u) => u,
        Err(e) => return error_page(t, Some(caller), &e.into()),
    };
    let users = if manage_users {
        match state.store.users().await {
            Ok(u) => u,
            Err(e) => return error_page(t, Some(caller), &e.into()),
        }
    } else {
        Vec::new()
    };
    let now = state.store.clock().now();
    let unit_lines = tree(&units)
        .into_iter()
        .map(|(depth, u)| UnitLine {
            name: u.name.to_string(),
            indent: format!("{}em", depth * 3 / 2),
            depth,
            edit_href: admin_href("unit", u.name.as_str(), "unit-edit"),
            under_href: admin_href("under", u.name.as_str(), "unit-add"),
            users: Some(
                users
                    .iter()
                    .filter(|x| x.unit.as_ref().is_some_and(|r| r.id == u.id))
                    .count(),
            )
            .filter(|n| *n > 0)
            .map(|n| t.f("admin.unit.users_n", &[("n", &n.to_string())])),
        })
        .collect();
    let unit_edit = units
        .iter()
        .find(|u| u.name.as_str() == v.edit_unit)
        .filter(|_| manage_units)
        .map(|u| UnitEdit {
            title: t.f("admin.unit.edit_title", &[("name", u.name.as_str())]),
            name: u.name.to_string(),
            version: u.version.0,
            parent: u
                .parent
                .as_ref()
                .map(|p| p.name.to_string())
                .unwrap_or_default(),
        });
    let user_lines = users
        .iter()
        .map(|u| {
            let (state, state_code) = user_state(t, u, now);
            UserLine {
                id: u.id.0,
                login: u.login.to_string(),
                name: u.name.to_string(),
                role: t.t(&format!("role.{}", u.role.code())).to_owned(),
                unit: u
                    .unit
                    .as_ref()
                    .map(|r| r.name.to_string())
                    .unwrap_or_default(),
                state,
                state_code,
                edit_href: admin_href("user", &u.id.to_string(), "user-edit"),
            }
        })
        .collect();
    let user_edit = v
        .edit_user
        .and_then(|id| users.iter().find(|u| u.id.0 == id))
        .map(|u| UserEdit {
            title: t.f("admin.user.edit_title", &[("login", u.login.as_str())]),
            id: u.id.0,
            version: u.version.0,
            login: u.login.to_string(),
            name: u.name.to_string(),
            unit: u
                .unit
                .as_ref()
                .map(|r| r.name.to_string())
                .unwrap_or_default(),
            roles: role_opts(t, u.role.code()),
            active: u.active,
        });
    if v.typed.unit_parent.is_empty() {
        v.typed.unit_parent = v.under.clone();
    }
    let role_sel = if v.typed.role.is_empty() {
        "unit_staff".to_owned()
    } else {
        v.typed.role.clone()
    };
    let page_view = AdminPage {
        t,
        chrome: Chrome::new(t, Some(caller), "/admin", "admin"),
        manage_units,
        manage_users,
        unit_names: units.iter().map(|u| u.name.to_string()).collect(),
        units: unit_lines,
        unit_edit,
        users: user_lines,
        user_edit,
        roles: role_opts(t, &role_sel),
        typed: v.typed,
        secret: v.secret,
        error: v.error,
        done: v.done,
    };
    render(status, &page_view)
}

pub async fn admin_page(
    State(state): State<Arc<AppState>>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = pairs(raw.as_deref().unwrap_or("").as_bytes());
    let v = View {
        edit_unit: first(&p, "unit").to_owned(),
        under: first(&p, "under").to_owned(),
        edit_user: first(&p, "user").parse().ok(),
        done: done_text(page.t, first(&p, "done")),
        ..View::default()
    };
    admin_view(&state, &page, v, StatusCode::OK).await
}

/// The page again after a refused form, with the reason.
async fn refused(state: &AppState, page: &Page, e: &ApiError, mut v: View) -> Response {
    v.error = Some(error_text(page.t, e));
    admin_view(state, page, v, e.status).await
}

/// Adds a unit as `POST /api/v1/units` does.
pub async fn add_unit(State(state): State<Arc<AppState>>, page: Page, body: Bytes) -> Response {
    let p = pairs(&body);
    let caller = &page.caller;
    let typed = Typed {
        unit_name: first(&p, "name").to_owned(),
        unit_parent: first(&p, "parent").to_owned(),
        ..Typed::default()
    };
    let result = async {
        caller.require(Permission::ManageUnits).await?;
        let name = unit_name("name", &typed.unit_name)?;
        let parent = Some(typed.unit_parent.as_str())
            .filter(|p| !p.is_empty())
            .map(|p| unit_name("parent", p))
            .transpose()?;
        state
            .store
            .add_unit(caller.actor(), &name, parent.as_ref())
            .await
            .map_err(unknown_unit_in("parent"))?;
        Ok::<(), ApiError>(())
    }
    .await;
    match result {
        Ok(()) => see_other("/admin?done=unit_added#units"),
        Err(e) if e.status == StatusCode::FORBIDDEN => error_page(page.t, Some(caller), &e),
        Err(e) => {
            let v = View {
                typed,
                ..View::default()
            };
            refused(&state, &page, &e, v).await
        }
    }
}

/// Renames a unit or moves it under another (机构调整), as the core's
/// `change_unit` does, with the version read when the form was shown.
pub async fn change_unit(State(state): State<Arc<AppState>>, page: Page, body: Bytes) -> Response {
    let p = pairs(&body);
    let caller = &page.caller;
    let unit = first(&p, "unit").to_owned();
    let action = first(&p, "action");
    let result = async {
        caller.require(Permission::ManageUnits).await?;
        let name = unit_name("unit", &unit)?;
        let version = version_of(first(&p, "version"))?;
        let (new_name, parent) = if action == "move" {
            let parent = Some(first(&p, "parent"))
                .filter(|p| !p.is_empty())
                .map(|p| unit_name("parent", p))
                .transpose()?;
            (None, Some(parent))
        } else {
            (Some(unit_name("new_name", first(&p, "new_name"))?), None)
        };
        state
            .store
            .change_unit(
                caller.actor(),
                &name,
                version,
                new_name.as_ref(),
                parent.as_ref().map(Option::as_ref),
            )
            .await
            .map_err(|e| match e {
                StoreError::NotFound {
                    entity: Entity::Unit,
                    ref key,
                } if key.as_str() != name.as_str() => unknown_unit_in("parent")(e),
                e => e.into(),
            })?;
        Ok::<(), ApiError>(())
    }
    .await;
    match result {
        Ok(()) => see_other(if action == "move" {
            "/admin?done=unit_moved#units"
        } else {
            "/admin?done=unit_renamed#units"
        }),
        Err(e) if e.status == StatusCode::FORBIDDEN => error_page(page.t, Some(caller), &e),
        Err(e) => {
            let v = View {
                edit_unit: unit,
                ..View::default()
            };
            refused(&state, &page, &e, v).await
        }
    }
}

/// Creates a user with a one-time password as `POST /api/v1/users` does;
/// the answer is the page showing that password once.
pub async fn create_user(State(state): State<Arc<AppState>>, page: Page, body: Bytes) -> Response {
    let p = pairs(&body);
    let caller = &page.caller;
    let t = page.t;
    let typed = Typed {
        login: first(&p, "login").to_owned(),
        name: first(&p, "name").to_owned(),
        role: first(&p, "role").to_owned(),
        unit: first(&p, "unit").to_owned(),
        ..Typed::default()
    };
    let result = async {
        caller.require(Permission::ManageUsers).await?;
        let password = one_time_password()?;
        let new = NewUser {
            login: field("login", Login::parse(&typed.login))?,
            name: field("name", PersonName::parse(&typed.name))?,
            role: field("role", Role::parse(&typed.role))?,
            unit: Some(typed.unit.as_str())
                .filter(|u| !u.is_empty())
                .map(|u| field("unit", UnitName::parse(u)))
                .transpose()?,
            password: field("password", Password::parse(&password))?,
        };
        let user = state
            .store
            .create_user(caller.principal(), &new)
            .await
            .map_err(|e| match e {
                StoreError::NotFound { .. } => unknown_unit_in("unit")(e),
                e => e.into(),
            })?;
        Ok::<(User, String), ApiError>((user, password))
    }
    .await;
    match result {
        Ok((user, password)) => {
            let v = View {
                secret: Some(Secret {
                    title: t.f(
                        "admin.user.created",
                        &[("login", user.login.as_str()), ("name", user.name.as_str())],
                    ),
                    value: password,
                    hint: t.t("admin.user.otp_hint").to_owned(),
                }),
                ..View::default()
            };
            admin_view(&state, &page, v, StatusCode::OK).await
        }
        Err(e) if e.status == StatusCode::FORBIDDEN => error_page(t, Some(caller), &e),
        Err(e) => {
            let v = View {
                typed,
                ..View::default()
            };
            refused(&state, &page, &e, v).await
        }
    }
}

/// Changes a user's name, role and unit, or disables / enables the
/// account, as `PATCH /api/v1/users/{id}` does.
pub async fn update_user(
    State(state): State<Arc<AppState>>,
    page: Page,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let p = pairs(&body);
    let caller = &page.caller;
    let action = first(&p, "action").to_owned();
    let result = async {
        caller.require(Permission::ManageUsers).await?;
        let id = UserId(id_of(&id)?);
        let version = version_of(first(&p, "version"))?;
        let change = match action.as_str() {
            "disable" => UserChange {
                active: Some(false),
                ..UserChange::default()
            },
            "enable" => UserChange {
                active: Some(true),
                ..UserChange::default()
            },
            _ => {
                let role = field("role", Role::parse(first(&p, "role")))?;
                let unit = Some(first(&p, "unit"))
                    .filter(|u| !u.is_empty())
                    .map(|u| field("unit", UnitName::parse(u)))
                    .transpose()?;
                UserChange {
                    name: Some(field("name", PersonName::parse(first(&p, "name")))?),
                    role: Some(role),
                    // A role that acts for all units keeps no unit.
                    unit: Some(unit.filter(|_| role.needs_unit())),
                    active: None,
                }
            }
        };
        state
            .store
            .update_user(caller.principal(), id, version, &change)
            .await
            .map_err(|e| match e {
                StoreError::NotFound {
                    entity: Entity::Unit,
                    ..
                } => unknown_unit_in("unit")(e),
                e => e.into(),
            })?;
        state.cache.clear();
        Ok::<i64, ApiError>(id.0)
    }
    .await;
    match result {
        Ok(id) => {
            let done = match action.as_str() {
                "disable" => "user_disabled",
                "enable" => "user_enabled",
                _ => "user_changed",
            };
            see_other(&format!("/admin?user={id}&done={done}#user-edit"))
        }
        Err(e) if e.status == StatusCode::FORBIDDEN => error_page(page.t, Some(caller), &e),
        Err(e) => {
            let v = View {
                edit_user: id.trim().parse().ok(),
                ..View::default()
            };
            refused(&state, &page, &e, v).await
        }
    }
}

/// Resets a user's password to a new one-time password, shown once, as
/// `POST /api/v1/users/{id}/password` does.
pub async fn reset_password(
    State(state): State<Arc<AppState>>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    let caller = &page.caller;
    let t = page.t;
    let result = async {
        caller.require(Permission::ManageUsers).await?;
        let id = UserId(id_of(&id)?);
        let password = one_time_password()?;
        let parsed = field("password", Password::parse(&password))?;
        state
            .store
            .reset_password(caller.principal(), id, &parsed)
            .await?;
        state.cache.clear();
        let user = state.store.user(id).await?;
        Ok::<(User, String), ApiError>((user, password))
    }
    .await;
    match result {
        Ok((user, password)) => {
            let v = View {
                edit_user: Some(user.id.0),
                secret: Some(Secret {
                    title: t.f(
                        "admin.user.reset",
                        &[("login", user.login.as_str()), ("name", user.name.as_str())],
                    ),
                    value: password,
                    hint: t.t("admin.user.otp_hint").to_owned(),
                }),
                ..View::default()
            };
            admin_view(&state, &page, v, StatusCode::OK).await
        }
        Err(e) if e.status == StatusCode::FORBIDDEN => error_page(t, Some(caller), &e),
        Err(e) => refused(&state, &page, &e, View::default()).await,
    }
}

// ----- one's own API tokens ---------------------------------------------------------

/// A token in the list.
#[derive(Debug, Clone)]
pub struct TokenLine {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub last_used: String,
    pub revoked: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    pub t: T,
    pub chrome: Chrome,
    pub tokens: Vec<TokenLine>,
    /// The token whose revocation waits for confirmation.
    pub confirm: Option<TokenLine>,
    pub secret: Option<Secret>,
    pub name: String,
    pub error: Option<String>,
    pub done: Option<String>,
}

#[derive(Debug, Default)]
struct TokensView {
    confirm: Option<i64>,
    secret: Option<Secret>,
    name: String,
    error: Option<String>,
    done: Option<String>,
}

async fn tokens_view(state: &AppState, page: &Page, v: TokensView, status: StatusCode) -> Response {
    let t = page.t;
    let caller = &page.caller;
    let tokens = match state.store.tokens(caller.principal().user).await {
        Ok(x) => x,
        Err(e) => return error_page(t, Some(caller), &e.into()),
    };
    let lines: Vec<TokenLine> = tokens
        .iter()
        .map(|k| TokenLine {
            id: k.id,
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            created: local_time(k.created_at),
            last_used: k
                .last_used_at
                .map_or_else(|| t.t("tokens.never").to_owned(), local_time),
            revoked: k.revoked_at.map(local_time),
        })
        .collect();
    let confirm = v
        .confirm
        .and_then(|id| lines.iter().find(|l| l.id == id && l.revoked.is_none()))
        .cloned();
    render(
        status,
        &TokensPage {
            t,
            chrome: Chrome::new(t, Some(caller), "/tokens", "tokens"),
            tokens: lines,
            confirm,
            secret: v.secret,
            name: v.name,
            error: v.error,
            done: v.done,
        },
    )
}

pub async fn tokens_page(
    State(state): State<Arc<AppState>>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    let p = pairs(raw.as_deref().unwrap_or("").as_bytes());
    let v = TokensView {
        confirm: first(&p, "revoke").parse().ok(),
        done: done_text(page.t, first(&p, "done")),
        ..TokensView::default()
    };
    tokens_view(&state, &page, v, StatusCode::OK).await
}

/// Creates a token as `POST /api/v1/me/tokens` does; the answer is the
/// page showing its secret once.
pub async fn create_token(State(state): State<Arc<AppState>>, page: Page, body: Bytes) -> Response {
    let p = pairs(&body);
    let t = page.t;
    let name = first(&p, "name").to_owned();
    let result = state
        .store
        .create_token(page.caller.principal(), &name)
        .await;
    match result {
        Ok((token, secret)) => {
            let v = TokensView {
                secret: Some(Secret {
                    title: t.f("tokens.created", &[("name", token.name.as_str())]),
                    value: secret,
                    hint: t.t("tokens.copy_hint").to_owned(),
                }),
                ..TokensView::default()
            };
            tokens_view(&state, &page, v, StatusCode::OK).await
        }
        Err(e) => {
            let e: ApiError = e.into();
            let status = if e.status.is_server_error() {
                e.status
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let v = TokensView {
                name,
                error: Some(error_text(t, &e)),
                ..TokensView::default()
            };
            tokens_view(&state, &page, v, status).await
        }
    }
}

/// Revokes one of the caller's own tokens (kept, marked revoked).
pub async fn revoke_token(
    State(state): State<Arc<AppState>>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    let caller = &page.caller;
    let result = async {
        let id = id_of(&id)?;
        let own = state.store.tokens(caller.principal().user).await?;
        if !own.iter().any(|k| k.id == id) {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "token_not_found",
                "没有这个令牌：只能撤销自己的 API 令牌。",
            ));
        }
        state.store.revoke_token(caller.principal(), id).await?;
        state.cache.clear();
        Ok::<(), ApiError>(())
    }
    .await;
    match result {
        Ok(()) => see_other("/tokens?done=token_revoked"),
        Err(e) => {
            let v = TokensView {
                error: Some(error_text(page.t, &e)),
                ..TokensView::default()
            };
            tokens_view(&state, &page, v, e.status).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use luoshi_core::{Timestamp, UnitId, UnitRef};

    fn unit(id: i64, name: &str, parent: Option<(i64, &str)>) -> Unit {
        Unit {
            id: UnitId(id),
            version: Version(1),
            name: UnitName::parse(name).unwrap(),
            parent: parent.map(|(id, n)| UnitRef {
                id: UnitId(id),
                name: UnitName::parse(n).unwrap(),
            }),
            created_at: Timestamp::from_millis(0),
        }
    }

    #[test]
    fn the_tree_puts_children_under_their_parent() {
        let units = vec![
            unit(1, "省政府", None),
            unit(2, "省水利厅", Some((1, "省政府"))),
            unit(3, "省委", None),
            unit(4, "河湖处", Some((2, "省水利厅"))),
            unit(5, "省财政厅", Some((1, "省政府"))),
        ];
        let order: Vec<(usize, &str)> = tree(&units)
            .iter()
            .map(|(d, u)| (*d, u.name.as_str()))
            .collect();
        assert_eq!(
            order,
            vec![
                (0, "省政府"),
                (1, "省水利厅"),
                (2, "河湖处"),
                (1, "省财政厅"),
                (0, "省委"),
            ]
        );
    }

    #[test]
    fn only_known_done_codes_are_shown() {
        let t = T::new(crate::error::Lang::Hans);
        assert!(done_text(t, "unit_added").is_some());
        assert!(done_text(t, "<script>").is_none());
    }
}
