//! Accounts: users with a role, their passwords, sessions, API tokens, and
//! what a [`Principal`] (the user acting) may do and see.
//!
//! * Passwords are stored as argon2id PHC strings (default parameters),
//!   computed off the async executor. An unknown login costs the same as a
//!   known one: a dummy hash is verified.
//! * Session and token secrets are 32 random bytes from the operating
//!   system (hex); the database holds only their SHA-256 and looks them up
//!   by it.
//! * Five failed logins in a row lock an account for fifteen minutes of the
//!   store's [`crate::Clock`]; a success resets the count. The counter lives
//!   in `login_failures`, which is neither audited nor backed up.
//! * `users` and `api_tokens` are audited like the ledger (creation,
//!   change, password reset and change, revocation); their secrets enter
//!   the trail only as a digest. `sessions` are high-churn and not audited.
//! * Refusals are recorded with [`Accounts::record_denial`]: an audit event
//!   (action `denied`) without snapshots.
//!
//! Authentication failures are [`AuthFailure`]: either an [`AuthError`]
//! (bad credentials, locked, disabled) or a [`StoreError`]. Other
//! operations return [`StoreError`]; a principal without the needed
//! [`Permission`] gets [`StoreError::Forbidden`].

use std::fmt;
use std::future::Future;

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

use crate::audit::{API_TOKENS, USERS, Writer, hex};
use crate::db::{Row, Tx, args};
use crate::error::{Conflict, Entity, StoreError, ValueError};
use crate::model::UnitRef;
use crate::store::{Store, returned_id, unit_id, unit_ref};
use crate::value::{PersonName, Timestamp, UnitId, UnitName, Version, clean};

/// Consecutive failed logins that lock an account.
pub const LOCKOUT_THRESHOLD: i64 = 5;

/// How long a locked account stays locked, in milliseconds (15 minutes).
pub const LOCKOUT_MILLIS: i64 = 15 * 60 * 1000;

/// A token's `last_used_at` is written at most this often (milliseconds),
/// so that a busy API client does not write on every request.
const TOKEN_USE_GRANULARITY_MILLIS: i64 = 60 * 1000;

/// The actor of writes nobody asked for (the first administrator).
const SYSTEM_ACTOR: &str = "系统";

/// What a user is in the implementation cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// 系统管理员: units, users, roles, backups.
    Admin,
    /// 督查室: ingests, assigns, chases, accepts or returns, closes.
    Office,
    /// 单位负责人: approves the unit's reports.
    UnitLead,
    /// 单位工作人员: reports on the unit's tasks.
    UnitStaff,
    /// 领导: reads across all units.
    Leadership,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Office,
        Role::UnitLead,
        Role::UnitStaff,
        Role::Leadership,
    ];

    /// Stable snake_case English code.
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Office => "office",
            Role::UnitLead => "unit_lead",
            Role::UnitStaff => "unit_staff",
            Role::Leadership => "leadership",
        }
    }

    /// The Chinese name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Office => "督查室",
            Role::UnitLead => "单位负责人",
            Role::UnitStaff => "单位工作人员",
            Role::Leadership => "领导",
        }
    }

    /// Reads a role code (`unit_staff`), as stored or typed.
    pub fn parse(code: &str) -> Result<Role, ValueError> {
        let code = code.trim();
        Role::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .ok_or_else(|| ValueError::UnknownRole {
                input: code.chars().take(40).collect(),
            })
    }

    /// Unit roles act for one unit and must belong to one.
    pub fn needs_unit(self) -> bool {
        matches!(self, Role::UnitLead | Role::UnitStaff)
    }

    /// Whether the role sees every unit's tasks.
    pub fn sees_all_units(self) -> bool {
        matches!(self, Role::Admin | Role::Office | Role::Leadership)
    }

    /// What the role may do:
    ///
    /// | permission | admin | office | unit_lead | unit_staff | leadership |
    /// | --- | --- | --- | --- | --- | --- |
    /// | ManageUsers, ManageUnits | ✓ | | | | |
    /// | Ingest, Assign, Review, Suspend | | ✓ | | | |
    /// | Report | | | ✓ | ✓ | |
    /// | Export | ✓ | ✓ | ✓ | | ✓ |
    /// | ReadAll | ✓ | ✓ | | | ✓ |
    pub fn may(self, what: Permission) -> bool {
        use Permission as P;
        match what {
            P::ManageUsers | P::ManageUnits => self == Role::Admin,
            P::Ingest | P::Assign | P::Review | P::Suspend => self == Role::Office,
            P::Report => self.needs_unit(),
            P::Export => self != Role::UnitStaff,
            P::ReadAll => self.sees_all_units(),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Something a principal may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ManageUsers,
    ManageUnits,
    /// Ingest documents and import ledgers.
    Ingest,
    Assign,
    /// Close, return, accept a completion request.
    Review,
    /// Suspend and resume.
    Suspend,
    /// File progress reports, request close.
    Report,
    Export,
    /// See every unit's tasks.
    ReadAll,
}

impl Permission {
    /// Stable snake_case English code.
    pub fn code(self) -> &'static str {
        match self {
            Permission::ManageUsers => "manage_users",
            Permission::ManageUnits => "manage_units",
            Permission::Ingest => "ingest",
            Permission::Assign => "assign",
            Permission::Review => "review",
            Permission::Suspend => "suspend",
            Permission::Report => "report",
            Permission::Export => "export",
            Permission::ReadAll => "read_all",
        }
    }

    /// The action in Chinese, to complete “您没有权限……”.
    pub fn label(self) -> &'static str {
        match self {
            Permission::ManageUsers => "管理用户",
            Permission::ManageUnits => "管理单位",
            Permission::Ingest => "录入文件",
            Permission::Assign => "交办任务",
            Permission::Review => "审核办结（销号、退回）",
            Permission::Suspend => "暂缓或恢复任务",
            Permission::Report => "反馈进展或申请办结",
            Permission::Export => "导出台账",
            Permission::ReadAll => "查看全部单位的任务",
        }
    }
}

/// A user's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A login name: 2–32 characters, ASCII letters, digits, `.`, `_`, `-`;
/// stored lowercased, so logins are case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Login(String);

impl Login {
    pub const MIN_CHARS: usize = 2;
    pub const MAX_CHARS: usize = 32;

    /// Trims, checks and lowercases `input`.
    pub fn parse(input: &str) -> Result<Login, ValueError> {
        let login = input.trim();
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&login.len())
            || !login.chars().all(ok_char)
        {
            return Err(ValueError::BadLogin);
        }
        Ok(Login(login.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password: 10–128 characters, not only digits, no control
/// characters. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 128;

    /// Checks `input` as given (no trimming: spaces are characters).
    pub fn parse(input: &str) -> Result<Password, ValueError> {
        let n = input.chars().count();
        let reason = if n < Self::MIN_CHARS {
            Some("至少需要 10 个字符。")
        } else if n > Self::MAX_CHARS {
            Some("最多 128 个字符。")
        } else if input.chars().all(|c| c.is_ascii_digit()) {
            Some("不能全是数字。")
        } else if input.chars().any(char::is_control) {
            Some("不能包含控制字符。")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(ValueError::WeakPassword { reason }),
            None => Ok(Password(input.to_owned())),
        }
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub version: Version,
    pub login: Login,
    pub name: PersonName,
    pub role: Role,
    pub unit: Option<UnitRef>,
    pub must_change_password: bool,
    pub active: bool,
    /// Set while the account is locked after failed logins.
    pub locked_until: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: Login,
    pub name: PersonName,
    pub role: Role,
    /// Required for unit roles (unit lead, unit staff).
    pub unit: Option<UnitName>,
    pub password: Password,
}

/// A change to a user; `None` leaves a field as it is. `unit: Some(None)`
/// removes the unit.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub name: Option<PersonName>,
    pub role: Option<Role>,
    pub unit: Option<Option<UnitName>>,
    pub active: Option<bool>,
}

/// Who is acting, resolved from a session or token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user: UserId,
    pub login: Login,
    pub name: PersonName,
    pub role: Role,
    pub unit: Option<UnitId>,
    pub must_change_password: bool,
}

impl Principal {
    /// What goes into audit events: the login.
    pub fn actor(&self) -> PersonName {
        // A login (2–32 ASCII letters, digits, . _ -) is a valid person name.
        PersonName::trusted(self.login.as_str())
    }

    /// Admin, office and leadership see every unit.
    pub fn sees_all_units(&self) -> bool {
        self.role.sees_all_units()
    }

    pub fn may(&self, what: Permission) -> bool {
        self.role.may(what)
    }

    /// `Ok` when the principal may do `what`, else [`StoreError::Forbidden`].
    pub fn require(&self, what: Permission) -> Result<(), StoreError> {
        if self.may(what) {
            Ok(())
        } else {
            Err(StoreError::Forbidden { what: what.label() })
        }
    }
}

/// An API token as listed; its secret is shown once, at creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The first 8 characters of the secret, to recognise it.
    pub prefix: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// A signed-in browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub principal: Principal,
    /// The anti-CSRF token that forms of this session must echo.
    pub csrf: String,
    pub expires_at: Timestamp,
}

/// Why a login was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("登录名或密码不正确。")]
    BadCredentials,
    #[error("连续登录失败次数过多，账号已锁定至 {until}（UTC），请稍后再试或联系系统管理员。")]
    Locked { until: Timestamp },
    #[error("账号已停用，请联系系统管理员。")]
    Disabled,
}

impl AuthError {
    /// Stable snake_case English code.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::BadCredentials => "bad_credentials",
            AuthError::Locked { .. } => "account_locked",
            AuthError::Disabled => "account_disabled",
        }
    }
}

/// The error of [`Accounts::authenticate`]: a refused login, or the store
/// failing.
#[derive(Debug, thiserror::Error)]
pub enum AuthFailure {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AuthFailure {
    /// Stable snake_case English code.
    pub fn code(&self) -> &'static str {
        match self {
            AuthFailure::Auth(e) => e.code(),
            AuthFailure::Store(e) => e.code(),
        }
    }
}

/// Accounts, sessions and tokens, on the same store as the ledger.
pub trait Accounts: Send + Sync {
    /// On a database with no users: creates `admin` (role Admin, must
    /// change password) with a random one-time password (20 characters from
    /// the operating system's CSPRNG) and returns it; on a database with
    /// users returns `None`.
    fn bootstrap_admin(
        &self,
    ) -> impl Future<Output = Result<Option<(User, String)>, StoreError>> + Send;

    /// Needs [`Permission::ManageUsers`]. A login in use is
    /// [`Conflict::Duplicate`]; unit roles need a unit.
    fn create_user(
        &self,
        actor: &Principal,
        new: &NewUser,
    ) -> impl Future<Output = Result<User, StoreError>> + Send;

    /// All users, in the order they were created.
    fn users(&self) -> impl Future<Output = Result<Vec<User>, StoreError>> + Send;

    fn user(&self, id: UserId) -> impl Future<Output = Result<User, StoreError>> + Send;

    /// Needs [`Permission::ManageUsers`]. A stale version is
    /// [`Conflict::Stale`]. Disabling a user ends their sessions. The last
    /// active administrator cannot be disabled or given another role.
    fn update_user(
        &self,
        actor: &Principal,
        id: UserId,
        expected: Version,
        change: &UserChange,
    ) -> impl Future<Output = Result<User, StoreError>> + Send;

    /// Needs [`Permission::ManageUsers`]. Sets a new password that must be
    /// changed at the next login, ends the user's sessions and lifts a
    /// lock-out.
    fn reset_password(
        &self,
        actor: &Principal,
        id: UserId,
        new: &Password,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The user changes their own password: `old` must be right
    /// ([`ValueError::WrongPassword`]) and differ from `new`
    /// ([`ValueError::PasswordUnchanged`]); clears must_change_password.
    /// A wrong `old` counts as a failed login, and a locked account is
    /// refused ([`ValueError::AccountLocked`]).
    fn change_password(
        &self,
        id: UserId,
        old: &str,
        new: &Password,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Checks login and password. [`LOCKOUT_THRESHOLD`] consecutive
    /// failures lock the account for [`LOCKOUT_MILLIS`] (the failure that
    /// locks it already answers `Locked`); a success resets the count.
    /// Unknown logins cost the same time as known ones. A disabled account
    /// is refused only after a correct password.
    fn authenticate(
        &self,
        login: &str,
        password: &str,
    ) -> impl Future<Output = Result<Principal, AuthFailure>> + Send;

    /// Starts a session of `ttl_secs` seconds; returns its secret (for the
    /// cookie) and the session. The user must exist; call it after
    /// [`Accounts::authenticate`] (a disabled user's session never resolves).
    fn create_session(
        &self,
        user: UserId,
        ttl_secs: i64,
    ) -> impl Future<Output = Result<(String, Session), StoreError>> + Send;

    /// The session of a secret, with the principal as it is now; `None`
    /// when unknown, expired, ended, or the user is disabled.
    fn session(
        &self,
        secret: &str,
    ) -> impl Future<Output = Result<Option<Session>, StoreError>> + Send;

    /// Ends a session (logout); an unknown or ended one is no error.
    fn end_session(&self, secret: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A new API token of the acting user, named `name` (1–64 characters);
    /// returns it and its secret, which is shown this once.
    fn create_token(
        &self,
        actor: &Principal,
        name: &str,
    ) -> impl Future<Output = Result<(ApiToken, String), StoreError>> + Send;

    /// A user's tokens, revoked ones included, in creation order.
    fn tokens(
        &self,
        user: UserId,
    ) -> impl Future<Output = Result<Vec<ApiToken>, StoreError>> + Send;

    /// Revokes a token of the actor (an administrator: any token). Another
    /// user's token is [`StoreError::NotFound`], so ids reveal nothing.
    /// Revoking a revoked token changes nothing.
    fn revoke_token(
        &self,
        actor: &Principal,
        id: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The principal of a token secret; `None` when unknown, revoked, or
    /// the user is disabled.
    fn principal_by_token(
        &self,
        secret: &str,
    ) -> impl Future<Output = Result<Option<Principal>, StoreError>> + Send;

    /// Appends an audit event (action `denied`, note `what`) recording that
    /// `who` was refused `what` on an entity (`entity_id` 0 when none). An
    /// event about a task appears in its timeline.
    fn record_denial(
        &self,
        who: &Principal,
        what: &str,
        entity_table: &str,
        entity_id: Option<i64>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The unit ids a principal may see: `None` = all units; `Some(ids)` =
    /// its unit and all units below it (empty for a principal of a unit
    /// role without a unit).
    fn visible_units(
        &self,
        who: &Principal,
    ) -> impl Future<Output = Result<Option<Vec<UnitId>>, StoreError>> + Send;
}

// ----- secrets ---------------------------------------------------------------------

fn random_bytes<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| StoreError::other("生成随机数", e.to_string()))?;
    Ok(buf)
}

/// A new secret: 32 random bytes as 64 hex digits.
fn new_secret() -> Result<String, StoreError> {
    Ok(hex(&random_bytes::<32>()?))
}

/// What the database keeps of a secret.
fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.trim().as_bytes()))
}

/// A one-time password: 20 characters from an alphabet without look-alikes
/// (0/O, 1/l/I), drawn without bias. Public so that the server and the
/// command line give new and reset accounts the same kind of password as
/// [`Accounts::bootstrap_admin`].
pub fn one_time_password() -> Result<String, StoreError> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    const LEN: usize = 20;
    let limit = 256 - 256 % ALPHABET.len();
    let mut out = String::with_capacity(LEN);
    while out.len() < LEN {
        for b in random_bytes::<64>()? {
            if usize::from(b) < limit && out.len() < LEN {
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    Ok(out)
}

fn hash_now(password: &str) -> Result<String, StoreError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| StoreError::other("计算密码哈希", e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::other("计算密码哈希", e.to_string()))
}

fn verify_now(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Hashes a password on a blocking thread (argon2 takes tens of
/// milliseconds by design).
async fn hash_password(password: &str) -> Result<String, StoreError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|e| StoreError::other("计算密码哈希", e))?
}

/// Checks a password against a PHC string on a blocking thread; `None`
/// checks against a dummy hash so that unknown logins take as long.
async fn verify_password(password: &str, phc: Option<String>) -> Result<bool, StoreError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify_now(&password, &phc),
        None => {
            verify_now(&password, DUMMY_HASH);
            false
        }
    })
    .await
    .map_err(|e| StoreError::other("校验密码", e))
}

/// The hash an unknown login is checked against: a PHC string of a random
/// secret nobody kept, with the parameters of `Argon2::default()`, so that
/// checking it costs what checking a real one does.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$l8YtRjKdjZ7dapdTNue6RA$/tvCl8xnew5Fnqw2XMVS3q6P45AmqBxFmiLcq/Sdjd8";

// ----- rows ------------------------------------------------------------------------

const USER_SELECT: &str = "SELECT u.id, u.version, u.login, u.name, u.role, u.unit_id, n.name AS unit_name,
        u.must_change_password, u.active, u.created_at, f.locked_until
    FROM users u LEFT JOIN units n ON n.id = u.unit_id LEFT JOIN login_failures f ON f.user_id = u.id";

const TOKEN_SELECT: &str =
    "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens";

fn user_of(r: &Row, now: Timestamp) -> Result<User, StoreError> {
    let id = r.int("id")?;
    let corrupt = |what: &str| StoreError::corrupt("users", id, what);
    Ok(User {
        id: UserId(id),
        version: Version(r.int("version")?),
        login: Login::parse(&r.text("login")?).map_err(|_| corrupt("login"))?,
        name: PersonName::parse(&r.text("name")?).map_err(|_| corrupt("name"))?,
        role: Role::parse(&r.text("role")?).map_err(|_| corrupt("role"))?,
        unit: unit_ref(r.opt_int("unit_id")?, r.opt_text("unit_name")?)?,
        must_change_password: r.int("must_change_password")? != 0,
        active: r.int("active")? != 0,
        locked_until: r
            .opt_int("locked_until")?
            .map(Timestamp::from_millis)
            .filter(|t| *t > now),
        created_at: Timestamp::from_millis(r.int("created_at")?),
    })
}

fn principal_of(user: &User) -> Principal {
    Principal {
        user: user.id,
        login: user.login.clone(),
        name: user.name.clone(),
        role: user.role,
        unit: user.unit.as_ref().map(|u| u.id),
        must_change_password: user.must_change_password,
    }
}

fn token_of(r: &Row) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: r.int("id")?,
        name: r.text("name")?,
        prefix: r.text("prefix")?,
        created_at: Timestamp::from_millis(r.int("created_at")?),
        last_used_at: r.opt_int("last_used_at")?.map(Timestamp::from_millis),
        revoked_at: r.opt_int("revoked_at")?.map(Timestamp::from_millis),
    })
}

async fn load_user(tx: &mut Tx, id: UserId, now: Timestamp) -> Result<User, StoreError> {
    let row = tx
        .fetch_optional(&format!("{USER_SELECT} WHERE u.id = $1"), args![id.0])
        .await?
        .ok_or_else(|| StoreError::not_found(Entity::User, id))?;
    user_of(&row, now)
}

async fn active_admins(tx: &mut Tx) -> Result<i64, StoreError> {
    tx.fetch_optional(
        "SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND active = 1",
        vec![],
    )
    .await?
    .map(|r| r.int("n"))
    .transpose()
    .map(Option::unwrap_or_default)
}

async fn end_sessions_of(tx: &mut Tx, user: UserId, now: Timestamp) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL",
        args![now.millis(), user.0],
    )
    .await?;
    Ok(())
}

fn flag(b: bool) -> i64 {
    i64::from(b)
}

fn system_actor() -> PersonName {
    PersonName::trusted(SYSTEM_ACTOR)
}

impl Store {
    fn now(&self) -> Timestamp {
        self.clock().now()
    }

    async fn account_writer(&self, actor: &PersonName) -> Result<Writer, StoreError> {
        Writer::begin(self.pool(), actor, self.now()).await
    }

    /// Counts a failed login; returns the lock's end when this failure
    /// locks the account.
    async fn count_failure(&self, user: UserId) -> Result<Option<Timestamp>, StoreError> {
        let now = self.now();
        let mut tx = self.pool().write().await?;
        tx.execute(
            "INSERT INTO login_failures (user_id, failures, locked_until, last_failed_at)
             VALUES ($1, 1, NULL, $2)
             ON CONFLICT (user_id) DO UPDATE
             SET failures = login_failures.failures + 1, last_failed_at = $2",
            args![user.0, now.millis()],
        )
        .await?;
        let failures = tx
            .fetch_optional(
                "SELECT failures FROM login_failures WHERE user_id = $1",
                args![user.0],
            )
            .await?
            .map(|r| r.int("failures"))
            .transpose()?
            .unwrap_or(0);
        let locked = if failures >= LOCKOUT_THRESHOLD {
            let until = Timestamp::from_millis(now.millis() + LOCKOUT_MILLIS);
            tx.execute(
                "UPDATE login_failures SET failures = 0, locked_until = $1 WHERE user_id = $2",
                args![until.millis(), user.0],
            )
            .await?;
            Some(until)
        } else {
            None
        };
        tx.commit().await?;
        Ok(locked)
    }

    async fn principal_where(
        &self,
        tx: &mut Tx,
        user: UserId,
    ) -> Result<Option<Principal>, StoreError> {
        let user = load_user(tx, user, self.now()).await?;
        Ok(user.active.then(|| principal_of(&user)))
    }
}

impl Accounts for Store {
    async fn bootstrap_admin(&self) -> Result<Option<(User, String)>, StoreError> {
        let mut tx = self.pool().read().await?;
        let any = tx
            .fetch_optional("SELECT id FROM users LIMIT 1", vec![])
            .await?;
        tx.commit().await?;
        if any.is_some() {
            return Ok(None);
        }
        let password = one_time_password()?;
        let hash = hash_password(&password).await?;
        let mut w = self.account_writer(&system_actor()).await?;
        // Another process may have bootstrapped meanwhile; the write lock
        // makes this second look final.
        if w.tx
            .fetch_optional("SELECT id FROM users LIMIT 1", vec![])
            .await?
            .is_some()
        {
            return Ok(None);
        }
        let row =
            w.tx.fetch_optional(
                "INSERT INTO users (version, login, name, role, unit_id, password_hash,
                                    must_change_password, active, created_at)
                 VALUES (1, 'admin', $1, 'admin', NULL, $2, 1, 1, $3) RETURNING id",
                args![Role::Admin.label(), hash, w.at().millis()],
            )
            .await?;
        let id = returned_id(row)?;
        w.record(&USERS, id, None, "bootstrap", None, None).await?;
        w.commit().await?;
        Ok(Some((self.user(UserId(id)).await?, password)))
    }

    async fn create_user(&self, actor: &Principal, new: &NewUser) -> Result<User, StoreError> {
        actor.require(Permission::ManageUsers)?;
        if new.role.needs_unit() && new.unit.is_none() {
            return Err(ValueError::UnitRequired {
                role: new.role.label(),
            }
            .into());
        }
        let hash = hash_password(new.password.expose()).await?;
        let mut w = self.account_writer(&actor.actor()).await?;
        let taken =
            w.tx.fetch_optional(
                "SELECT id FROM users WHERE login = $1",
                args![new.login.as_str()],
            )
            .await?;
        if taken.is_some() {
            return Err(Conflict::Duplicate {
                entity: Entity::User,
                key: new.login.to_string(),
            }
            .into());
        }
        let unit = match &new.unit {
            Some(name) => Some(unit_id(&mut w.tx, name).await?),
            None => None,
        };
        let row =
            w.tx.fetch_optional(
                "INSERT INTO users (version, login, name, role, unit_id, password_hash,
                                    must_change_password, active, created_at)
                 VALUES (1, $1, $2, $3, $4, $5, 1, 1, $6) RETURNING id",
                args![
                    new.login.as_str(),
                    new.name.as_str(),
                    new.role.code(),
                    unit,
                    hash,
                    w.at().millis()
                ],
            )
            .await?;
        let id = returned_id(row)?;
        w.record(&USERS, id, None, "create", None, None).await?;
        w.commit().await?;
        self.user(UserId(id)).await
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        let mut tx = self.pool().read().await?;
        let rows = tx
            .fetch_all(&format!("{USER_SELECT} ORDER BY u.id"), vec![])
            .await?;
        tx.commit().await?;
        let now = self.now();
        rows.iter().map(|r| user_of(r, now)).collect()
    }

    async fn user(&self, id: UserId) -> Result<User, StoreError> {
        let mut tx = self.pool().read().await?;
        let user = load_user(&mut tx, id, self.now()).await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn update_user(
        &self,
        actor: &Principal,
        id: UserId,
        expected: Version,
        change: &UserChange,
    ) -> Result<User, StoreError> {
        actor.require(Permission::ManageUsers)?;
        let mut w = self.account_writer(&actor.actor()).await?;
        let at = w.at();
        let current = load_user(&mut w.tx, id, at).await?;
        if current.version != expected {
            return Err(Conflict::Stale {
                entity: Entity::User,
                id: id.0,
                expected: expected.0,
                actual: current.version.0,
            }
            .into());
        }
        let name = change.name.as_ref().unwrap_or(&current.name);
        let role = change.role.unwrap_or(current.role);
        let active = change.active.unwrap_or(current.active);
        let unit = match &change.unit {
            None => current.unit.as_ref().map(|u| u.id.0),
            Some(None) => None,
            Some(Some(name)) => Some(unit_id(&mut w.tx, name).await?),
        };
        if role.needs_unit() && unit.is_none() {
            return Err(ValueError::UnitRequired { role: role.label() }.into());
        }
        let before = w
            .snapshot(&USERS, id.0)
            .await?
            .ok_or_else(|| StoreError::not_found(Entity::User, id))?;
        let changed = w
            .tx
            .execute(
                "UPDATE users SET name = $1, role = $2, unit_id = $3, active = $4, version = version + 1
                 WHERE id = $5 AND version = $6",
                args![
                    name.as_str(),
                    role.code(),
                    unit,
                    flag(active),
                    id.0,
                    expected.0
                ],
            )
            .await?;
        if changed != 1 {
            return Err(Conflict::Stale {
                entity: Entity::User,
                id: id.0,
                expected: expected.0,
                actual: -1,
            }
            .into());
        }
        if active_admins(&mut w.tx).await? == 0 {
            // Dropping the writer rolls the change back.
            return Err(ValueError::LastAdmin.into());
        }
        if !active {
            end_sessions_of(&mut w.tx, id, at).await?;
        }
        w.record(&USERS, id.0, None, "update", None, Some(before))
            .await?;
        w.commit().await?;
        self.user(id).await
    }

    async fn reset_password(
        &self,
        actor: &Principal,
        id: UserId,
        new: &Password,
    ) -> Result<(), StoreError> {
        actor.require(Permission::ManageUsers)?;
        let hash = hash_password(new.expose()).await?;
        let mut w = self.account_writer(&actor.actor()).await?;
        let before = w
            .snapshot(&USERS, id.0)
            .await?
            .ok_or_else(|| StoreError::not_found(Entity::User, id))?;
        w.tx.execute(
            "UPDATE users SET password_hash = $1, must_change_password = 1, version = version + 1
             WHERE id = $2",
            args![hash, id.0],
        )
        .await?;
        let at = w.at();
        end_sessions_of(&mut w.tx, id, at).await?;
        w.tx.execute(
            "UPDATE login_failures SET failures = 0, locked_until = NULL WHERE user_id = $1",
            args![id.0],
        )
        .await?;
        w.record(&USERS, id.0, None, "reset_password", None, Some(before))
            .await?;
        w.commit().await
    }

    async fn change_password(
        &self,
        id: UserId,
        old: &str,
        new: &Password,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().read().await?;
        let row = tx
            .fetch_optional(
                "SELECT u.login, u.password_hash, f.locked_until
                 FROM users u LEFT JOIN login_failures f ON f.user_id = u.id WHERE u.id = $1",
                args![id.0],
            )
            .await?
            .ok_or_else(|| StoreError::not_found(Entity::User, id))?;
        tx.commit().await?;
        // Guessing the current password here counts like guessing it at
        // the login form, so a stolen session cannot try without limit.
        if let Some(until) = row.opt_int("locked_until")?.map(Timestamp::from_millis)
            && until > self.now()
        {
            return Err(ValueError::AccountLocked { until }.into());
        }
        let old_hash = row.text("password_hash")?;
        if !verify_password(old, Some(old_hash.clone())).await? {
            return Err(match self.count_failure(id).await? {
                Some(until) => ValueError::AccountLocked { until },
                None => ValueError::WrongPassword,
            }
            .into());
        }
        if new.expose() == old {
            return Err(ValueError::PasswordUnchanged.into());
        }
        let hash = hash_password(new.expose()).await?;
        let actor = PersonName::parse(&row.text("login")?)
            .map_err(|_| StoreError::corrupt("users", id.0, "login"))?;
        let mut w = self.account_writer(&actor).await?;
        let before = w
            .snapshot(&USERS, id.0)
            .await?
            .ok_or_else(|| StoreError::not_found(Entity::User, id))?;
        // Only if nobody changed the password since it was checked.
        let changed = w
            .tx
            .execute(
                "UPDATE users SET password_hash = $1, must_change_password = 0, version = version + 1
                 WHERE id = $2 AND password_hash = $3",
                args![hash, id.0, old_hash],
            )
            .await?;
        if changed != 1 {
            return Err(ValueError::WrongPassword.into());
        }
        w.record(&USERS, id.0, None, "change_password", None, Some(before))
            .await?;
        w.commit().await
    }

    async fn authenticate(&self, login: &str, password: &str) -> Result<Principal, AuthFailure> {
        let now = self.now();
        let found = match Login::parse(login) {
            Ok(login) => {
                let mut tx = self.pool().read().await?;
                let row = tx
                    .fetch_optional(
                        "SELECT u.id, u.password_hash, f.failures, f.locked_until
                         FROM users u LEFT JOIN login_failures f ON f.user_id = u.id
                         WHERE u.login = $1",
                        args![login.as_str()],
                    )
                    .await?;
                tx.commit().await?;
                row
            }
            Err(_) => None,
        };
        let Some(row) = found else {
            verify_password(password, None).await?;
            return Err(AuthError::BadCredentials.into());
        };
        let id = UserId(row.int("id")?);
        if let Some(until) = row.opt_int("locked_until")?.map(Timestamp::from_millis)
            && until > now
        {
            return Err(AuthError::Locked { until }.into());
        }
        if !verify_password(password, Some(row.text("password_hash")?)).await? {
            return Err(match self.count_failure(id).await? {
                Some(until) => AuthError::Locked { until },
                None => AuthError::BadCredentials,
            }
            .into());
        }
        // A success resets the count; most logins have none to reset and
        // take no write lock.
        let mut tx = if row.opt_int("failures")?.unwrap_or(0) > 0 {
            let mut tx = self.pool().write().await?;
            tx.execute(
                "UPDATE login_failures SET failures = 0, locked_until = NULL WHERE user_id = $1",
                args![id.0],
            )
            .await?;
            tx
        } else {
            self.pool().read().await?
        };
        let principal = self.principal_where(&mut tx, id).await?;
        tx.commit().await?;
        principal.ok_or_else(|| AuthError::Disabled.into())
    }

    async fn create_session(
        &self,
        user: UserId,
        ttl_secs: i64,
    ) -> Result<(String, Session), StoreError> {
        let secret = new_secret()?;
        let csrf = new_secret()?;
        let now = self.now();
        let expires_at =
            Timestamp::from_millis(now.millis().saturating_add(ttl_secs.saturating_mul(1000)));
        let mut tx = self.pool().write().await?;
        let user = load_user(&mut tx, user, now).await?;
        tx.execute(
            "INSERT INTO sessions (secret_hash, user_id, csrf, created_at, expires_at, ended_at)
             VALUES ($1, $2, $3, $4, $5, NULL)",
            args![
                secret_hash(&secret),
                user.id.0,
                csrf.as_str(),
                now.millis(),
                expires_at.millis()
            ],
        )
        .await?;
        tx.commit().await?;
        Ok((
            secret,
            Session {
                principal: principal_of(&user),
                csrf,
                expires_at,
            },
        ))
    }

    async fn session(&self, secret: &str) -> Result<Option<Session>, StoreError> {
        let mut tx = self.pool().read().await?;
        let row = tx
            .fetch_optional(
                "SELECT user_id, csrf, expires_at FROM sessions
                 WHERE secret_hash = $1 AND ended_at IS NULL AND expires_at > $2",
                args![secret_hash(secret), self.now().millis()],
            )
            .await?;
        let session = match row {
            Some(row) => self
                .principal_where(&mut tx, UserId(row.int("user_id")?))
                .await?
                .map(|principal| -> Result<Session, StoreError> {
                    Ok(Session {
                        principal,
                        csrf: row.text("csrf")?,
                        expires_at: Timestamp::from_millis(row.int("expires_at")?),
                    })
                })
                .transpose()?,
            None => None,
        };
        tx.commit().await?;
        Ok(session)
    }

    async fn end_session(&self, secret: &str) -> Result<(), StoreError> {
        let mut tx = self.pool().write().await?;
        tx.execute(
            "UPDATE sessions SET ended_at = $1 WHERE secret_hash = $2 AND ended_at IS NULL",
            args![self.now().millis(), secret_hash(secret)],
        )
        .await?;
        tx.commit().await
    }

    async fn create_token(
        &self,
        actor: &Principal,
        name: &str,
    ) -> Result<(ApiToken, String), StoreError> {
        let name = clean("令牌名称", name, 64, false)?;
        let secret = new_secret()?;
        let prefix: String = secret.chars().take(8).collect();
        let mut w = self.account_writer(&actor.actor()).await?;
        let row =
            w.tx.fetch_optional(
                "INSERT INTO api_tokens (version, user_id, name, prefix, secret_hash, created_at,
                                         revoked_at, last_used_at)
                 VALUES (1, $1, $2, $3, $4, $5, NULL, NULL) RETURNING id",
                args![
                    actor.user.0,
                    name.as_str(),
                    prefix.as_str(),
                    secret_hash(&secret),
                    w.at().millis()
                ],
            )
            .await?;
        let id = returned_id(row)?;
        w.record(&API_TOKENS, id, None, "create", None, None)
            .await?;
        let token = token_of(
            &w.tx
                .fetch_optional(&format!("{TOKEN_SELECT} WHERE id = $1"), args![id])
                .await?
                .ok_or_else(|| StoreError::not_found(Entity::ApiToken, id))?,
        )?;
        w.commit().await?;
        Ok((token, secret))
    }

    async fn tokens(&self, user: UserId) -> Result<Vec<ApiToken>, StoreError> {
        let mut tx = self.pool().read().await?;
        let rows = tx
            .fetch_all(
                &format!("{TOKEN_SELECT} WHERE user_id = $1 ORDER BY id"),
                args![user.0],
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(token_of).collect()
    }

    async fn revoke_token(&self, actor: &Principal, id: i64) -> Result<(), StoreError> {
        let mut w = self.account_writer(&actor.actor()).await?;
        let row =
            w.tx.fetch_optional(
                "SELECT user_id, revoked_at FROM api_tokens WHERE id = $1",
                args![id],
            )
            .await?
            .ok_or_else(|| StoreError::not_found(Entity::ApiToken, id))?;
        if row.int("user_id")? != actor.user.0 && actor.role != Role::Admin {
            return Err(StoreError::not_found(Entity::ApiToken, id));
        }
        if row.opt_int("revoked_at")?.is_some() {
            return Ok(());
        }
        let before = w.snapshot(&API_TOKENS, id).await?;
        w.tx.execute(
            "UPDATE api_tokens SET revoked_at = $1, version = version + 1 WHERE id = $2",
            args![w.at().millis(), id],
        )
        .await?;
        w.record(&API_TOKENS, id, None, "revoke", None, before)
            .await?;
        w.commit().await
    }

    async fn principal_by_token(&self, secret: &str) -> Result<Option<Principal>, StoreError> {
        let now = self.now();
        let mut tx = self.pool().read().await?;
        let row = tx
            .fetch_optional(
                "SELECT id, user_id, last_used_at FROM api_tokens
                 WHERE secret_hash = $1 AND revoked_at IS NULL",
                args![secret_hash(secret)],
            )
            .await?;
        let Some(row) = row else {
            tx.commit().await?;
            return Ok(None);
        };
        let principal = self
            .principal_where(&mut tx, UserId(row.int("user_id")?))
            .await?;
        tx.commit().await?;
        let stale_use = row
            .opt_int("last_used_at")?
            .is_none_or(|t| now.millis() - t >= TOKEN_USE_GRANULARITY_MILLIS);
        if principal.is_some() && stale_use {
            let mut tx = self.pool().write().await?;
            tx.execute(
                "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
                args![now.millis(), row.int("id")?],
            )
            .await?;
            tx.commit().await?;
        }
        Ok(principal)
    }

    async fn record_denial(
        &self,
        who: &Principal,
        what: &str,
        entity_table: &str,
        entity_id: Option<i64>,
    ) -> Result<(), StoreError> {
        let what: String = what.chars().take(200).collect();
        let table: String = entity_table.chars().take(64).collect();
        let id = entity_id.unwrap_or(0);
        let task = (table == "tasks" && id > 0).then_some(id);
        let mut w = self.account_writer(&who.actor()).await?;
        w.record_note(&table, id, task, "denied", Some(&what))
            .await?;
        w.commit().await
    }

    async fn visible_units(&self, who: &Principal) -> Result<Option<Vec<UnitId>>, StoreError> {
        if who.sees_all_units() {
            return Ok(None);
        }
        let Some(unit) = who.unit else {
            return Ok(Some(Vec::new()));
        };
        let mut tx = self.pool().read().await?;
        let rows = tx
            .fetch_all(
                "WITH RECURSIVE below (id) AS (
                     SELECT id FROM units WHERE id = $1
                     UNION
                     SELECT u.id FROM units u JOIN below b ON u.parent_id = b.id
                 )
                 SELECT id FROM below ORDER BY id",
                args![unit.0],
            )
            .await?;
        tx.commit().await?;
        Ok(Some(
            rows.iter()
                .map(|r| r.int("id").map(UnitId))
                .collect::<Result<_, _>>()?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_short_ascii_and_lowercased() {
        assert_eq!(
            Login::parse(" Zhang.San_1-a ").unwrap().as_str(),
            "zhang.san_1-a"
        );
        assert_eq!(Login::parse("ab").unwrap().as_str(), "ab");
        assert_eq!(Login::parse(&"a".repeat(32)).unwrap().as_str().len(), 32);
        for bad in [
            "a",
            "",
            "   ",
            &"a".repeat(33),
            "张三",
            "a b",
            "a@b",
            "a/b",
            "a\nb",
        ] {
            let err = Login::parse(bad).unwrap_err();
            assert_eq!(err.code(), "bad_login", "{bad:?}");
        }
    }

    #[test]
    fn passwords_are_long_enough_and_not_only_digits() {
        assert!(Password::parse("correct horse").is_ok());
        assert!(Password::parse("密码密码密码密码密码").is_ok());
        assert!(Password::parse(&"x".repeat(128)).is_ok());
        for bad in [
            "short",
            "123456789",
            "1234567890123",
            &"x".repeat(129),
            "abcdefghij\u{7}",
        ] {
            let err = Password::parse(bad).unwrap_err();
            assert_eq!(err.code(), "weak_password", "{bad:?}");
        }
        let p = Password::parse("a secret passphrase").unwrap();
        assert_eq!(format!("{p:?}"), "***");
        assert!(
            !format!(
                "{:?}",
                NewUser {
                    login: Login::parse("zhang").unwrap(),
                    name: PersonName::parse("张三").unwrap(),
                    role: Role::UnitStaff,
                    unit: None,
                    password: p,
                }
            )
            .contains("secret")
        );
    }

    #[test]
    fn roles_have_codes_labels_and_permissions() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Ok(role));
        }
        assert_eq!(Role::parse("unit_staff"), Ok(Role::UnitStaff));
        assert_eq!(Role::UnitLead.label(), "单位负责人");
        assert_eq!(Role::Leadership.to_string(), "领导");
        assert_eq!(Role::parse("root").unwrap_err().code(), "unknown_role");
        assert!(Role::Admin.may(Permission::ManageUsers));
        assert!(!Role::Office.may(Permission::ManageUsers));
        assert!(Role::Office.may(Permission::Review));
        assert!(!Role::UnitStaff.may(Permission::Review));
        assert!(Role::UnitStaff.may(Permission::Report));
        assert!(!Role::UnitStaff.may(Permission::ReadAll));
        assert!(Role::Leadership.may(Permission::ReadAll));
        assert!(!Role::Leadership.may(Permission::Report));
        assert!(Role::UnitLead.needs_unit() && !Role::Office.needs_unit());
    }

    #[test]
    fn secrets_are_random_hex_and_stored_hashed() {
        let a = new_secret().unwrap();
        let b = new_secret().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(secret_hash(&a), a);
        assert_eq!(secret_hash(&a), secret_hash(&a));
        let otp = one_time_password().unwrap();
        assert_eq!(otp.chars().count(), 20);
        assert!(Password::parse(&otp).is_ok());
    }

    #[test]
    fn passwords_hash_and_verify() {
        let phc = hash_now("a secret passphrase").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_now("a secret passphrase", &phc));
        assert!(!verify_now("another passphrase", &phc));
        assert!(!verify_now("a secret passphrase", "not a hash"));
        // The dummy is a real hash with today's default parameters, so an
        // unknown login costs a full check.
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        let default = PasswordHash::new(&phc).unwrap();
        assert_eq!(dummy.algorithm, default.algorithm);
        assert_eq!(dummy.params, default.params);
    }
}
