//! Accounts, sessions, tokens and unit-scoped visibility: every test runs
//! on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used)]

mod helpers;

use helpers::{COMMUNIQUE, TestDb, day, office, person, unit};
use luoshi_core::accounts::{LOCKOUT_MILLIS, LOCKOUT_THRESHOLD};
use luoshi_core::{
    Accounts, AuthError, AuthFailure, Clock, DocumentName, Ingested, Ledger, Login, NewAssignment,
    NewDocument, NewUser, Password, Permission, Principal, Problem, Role, Store, StoreError,
    TaskFilter, TaskKind, UnitId, UserChange, Version,
};

fn login(l: &str) -> Login {
    Login::parse(l).unwrap()
}

fn password(p: &str) -> Password {
    Password::parse(p).unwrap()
}

fn code<T: std::fmt::Debug>(r: Result<T, StoreError>) -> &'static str {
    r.unwrap_err().code()
}

fn auth_code<T: std::fmt::Debug>(r: Result<T, AuthFailure>) -> &'static str {
    r.unwrap_err().code()
}

/// Bootstraps the first administrator and signs in as them.
async fn admin(store: &Store) -> Principal {
    let (_, otp) = store.bootstrap_admin().await.unwrap().unwrap();
    store.authenticate("admin", &otp).await.unwrap()
}

async fn new_user(
    store: &Store,
    actor: &Principal,
    l: &str,
    role: Role,
    unit_name: Option<&str>,
) -> luoshi_core::User {
    store
        .create_user(
            actor,
            &NewUser {
                login: login(l),
                name: person(&format!("用户{l}")),
                role,
                unit: unit_name.map(unit),
                password: password("initial password"),
            },
        )
        .await
        .unwrap()
}

async fn add_units(store: &Store) {
    let actor = person("管理员");
    store.add_unit(&actor, &unit("省政府"), None).await.unwrap();
    for name in ["省发展改革委", "省科技厅", "省水利厅"] {
        store
            .add_unit(&actor, &unit(name), Some(&unit("省政府")))
            .await
            .unwrap();
    }
    store
        .add_unit(&actor, &unit("规划处"), Some(&unit("省发展改革委")))
        .await
        .unwrap();
}

async fn ingest(store: &Store) -> Ingested {
    let source = luoshi_extract::decode(COMMUNIQUE.as_bytes()).unwrap();
    let extraction = luoshi_extract::extract(&source);
    let name = DocumentName::parse("通稿.txt").unwrap();
    store
        .ingest(
            &office(),
            NewDocument {
                name: Some(&name),
                source: &source,
                extraction: &extraction,
            },
        )
        .await
        .unwrap()
}

fn assignment(lead: &str, co: &[&str]) -> NewAssignment {
    NewAssignment {
        lead: unit(lead),
        co_units: co.iter().map(|c| unit(c)).collect(),
        owner: Some(person("李四")),
        deadline: day("2026-06-30"),
    }
}

async fn assert_verifies(store: &Store) {
    let report = store.verify().await.unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
}

async fn bootstrap_happens_once(db: TestDb) {
    let s = &db.store;
    let (user, otp) = s.bootstrap_admin().await.unwrap().unwrap();
    assert_eq!(user.login.as_str(), "admin");
    assert_eq!(user.role, Role::Admin);
    assert!(user.must_change_password && user.active);
    assert!(otp.chars().count() >= 16);
    assert!(s.bootstrap_admin().await.unwrap().is_none());
    assert_eq!(s.users().await.unwrap().len(), 1);
    // The one-time password works, and asks for a new one.
    let p = s.authenticate("ADMIN", &otp).await.unwrap();
    assert!(p.must_change_password);
    assert!(p.sees_all_units() && p.may(Permission::ManageUsers));
    assert_eq!(p.actor().as_str(), "admin");
    // No hash in the trail, only a digest of it.
    let after = db
        .raw
        .int("SELECT COUNT(*) FROM audit_events WHERE after_state LIKE '%argon2%'")
        .await;
    assert_eq!(after, 0);
    assert_verifies(s).await;
    db.finish().await;
}

async fn users_are_created_and_updated_by_version(db: TestDb) {
    let s = &db.store;
    add_units(s).await;
    let root = admin(s).await;
    let u = new_user(s, &root, "Zhang.San", Role::UnitStaff, Some("省科技厅")).await;
    assert_eq!(u.login.as_str(), "zhang.san");
    assert_eq!(u.unit.as_ref().unwrap().name.as_str(), "省科技厅");
    assert_eq!(u.version, Version(1));
    assert!(u.must_change_password);
    assert_eq!(s.user(u.id).await.unwrap(), u);

    // A login in use, a unit role without a unit, an unknown unit.
    let dup = s
        .create_user(
            &root,
            &NewUser {
                login: login("ZHANG.SAN"),
                name: person("另一个张三"),
                role: Role::Office,
                unit: None,
                password: password("initial password"),
            },
        )
        .await;
    assert_eq!(code(dup), "duplicate");
    let no_unit = s
        .create_user(
            &root,
            &NewUser {
                login: login("li"),
                name: person("李四"),
                role: Role::UnitLead,
                unit: None,
                password: password("initial password"),
            },
        )
        .await;
    assert_eq!(code(no_unit), "unit_required");
    let unknown_unit = s
        .create_user(
            &root,
            &NewUser {
                login: login("li"),
                name: person("李四"),
                role: Role::UnitLead,
                unit: Some(unit("不存在的单位")),
                password: password("initial password"),
            },
        )
        .await;
    assert_eq!(code(unknown_unit), "not_found");

    // Only an administrator manages users.
    let staff = s
        .authenticate("zhang.san", "initial password")
        .await
        .unwrap();
    let forbidden = s
        .create_user(
            &staff,
            &NewUser {
                login: login("wang"),
                name: person("王五"),
                role: Role::Admin,
                unit: None,
                password: password("initial password"),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(forbidden.code(), "forbidden");
    assert_eq!(forbidden.to_string(), "您没有权限管理用户。");

    let changed = s
        .update_user(
            &root,
            u.id,
            u.version,
            &UserChange {
                name: Some(person("张三丰")),
                role: Some(Role::UnitLead),
                unit: Some(Some(unit("省水利厅"))),
                active: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.version, Version(2));
    assert_eq!(changed.role, Role::UnitLead);
    assert_eq!(changed.name.as_str(), "张三丰");
    assert_eq!(changed.unit.as_ref().unwrap().name.as_str(), "省水利厅");
    // The version read before is stale now, and changes nothing.
    let stale = s
        .update_user(
            &root,
            u.id,
            u.version,
            &UserChange {
                active: Some(false),
                ..UserChange::default()
            },
        )
        .await;
    assert_eq!(code(stale), "stale_version");
    assert!(s.user(u.id).await.unwrap().active);
    // A unit role cannot lose its unit.
    let unitless = s
        .update_user(
            &root,
            u.id,
            changed.version,
            &UserChange {
                unit: Some(None),
                ..UserChange::default()
            },
        )
        .await;
    assert_eq!(code(unitless), "unit_required");
    // The last administrator stays.
    let root_user = s.user(root.user).await.unwrap();
    let last = s
        .update_user(
            &root,
            root.user,
            root_user.version,
            &UserChange {
                role: Some(Role::Office),
                ..UserChange::default()
            },
        )
        .await;
    assert_eq!(code(last), "last_admin");
    assert_eq!(s.user(root.user).await.unwrap().role, Role::Admin);
    assert_eq!(s.users().await.unwrap().len(), 2);
    assert_verifies(s).await;
    db.finish().await;
}

async fn authentication_locks_out_and_unlocks(db: TestDb) {
    let s = &db.store;
    let root = admin(s).await;
    new_user(s, &root, "zhao", Role::Office, None).await;

    assert_eq!(
        auth_code(s.authenticate("zhao", "wrong password").await),
        "bad_credentials"
    );
    assert_eq!(
        auth_code(s.authenticate("nobody", "initial password").await),
        "bad_credentials"
    );
    assert_eq!(
        auth_code(s.authenticate("not a login!", "initial password").await),
        "bad_credentials"
    );
    // A success resets the count of failures.
    s.authenticate("zhao", "initial password").await.unwrap();
    for _ in 0..LOCKOUT_THRESHOLD - 1 {
        assert_eq!(
            auth_code(s.authenticate("zhao", "wrong password").await),
            "bad_credentials"
        );
    }
    // The fifth failure in a row locks the account for 15 minutes.
    let locked = s.authenticate("zhao", "wrong password").await.unwrap_err();
    let AuthFailure::Auth(AuthError::Locked { until }) = locked else {
        panic!("expected a lock-out, got {locked:?}");
    };
    assert_eq!(until.millis(), db.clock.now().millis() + LOCKOUT_MILLIS);
    assert_eq!(locked.code(), "account_locked");
    assert!(locked.to_string().contains("锁定"), "{locked}");
    // Even the right password is refused while locked.
    assert_eq!(
        auth_code(s.authenticate("zhao", "initial password").await),
        "account_locked"
    );
    let zhao = s.users().await.unwrap().pop().unwrap();
    assert_eq!(zhao.locked_until, Some(until));
    db.clock.advance_millis(LOCKOUT_MILLIS - 1);
    assert_eq!(
        auth_code(s.authenticate("zhao", "initial password").await),
        "account_locked"
    );
    db.clock.advance_millis(1);
    let p = s.authenticate("zhao", "initial password").await.unwrap();
    assert_eq!(p.role, Role::Office);
    assert_eq!(s.user(p.user).await.unwrap().locked_until, None);
    // The count starts again from zero.
    assert_eq!(
        auth_code(s.authenticate("zhao", "wrong password").await),
        "bad_credentials"
    );
    assert_verifies(s).await;
    db.finish().await;
}

async fn a_disabled_user_is_refused(db: TestDb) {
    let s = &db.store;
    let root = admin(s).await;
    let u = new_user(s, &root, "qian", Role::Leadership, None).await;
    let p = s.authenticate("qian", "initial password").await.unwrap();
    let (secret, _) = s.create_session(u.id, 3600).await.unwrap();
    let (_, token) = s.create_token(&p, "报表脚本").await.unwrap();
    assert!(s.session(&secret).await.unwrap().is_some());
    assert!(s.principal_by_token(&token).await.unwrap().is_some());

    s.update_user(
        &root,
        u.id,
        u.version,
        &UserChange {
            active: Some(false),
            ..UserChange::default()
        },
    )
    .await
    .unwrap();
    // A wrong password says nothing about the account; a right one hears
    // that it is disabled.
    assert_eq!(
        auth_code(s.authenticate("qian", "wrong password").await),
        "bad_credentials"
    );
    let err = s
        .authenticate("qian", "initial password")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "account_disabled");
    assert_eq!(err.to_string(), "账号已停用，请联系系统管理员。");
    assert!(s.session(&secret).await.unwrap().is_none());
    assert!(s.principal_by_token(&token).await.unwrap().is_none());
    // Nothing was deleted.
    assert_eq!(db.raw.int("SELECT COUNT(*) FROM users").await, 2);
    assert_verifies(s).await;
    db.finish().await;
}

async fn passwords_are_changed_and_reset(db: TestDb) {
    let s = &db.store;
    let root = admin(s).await;
    let u = new_user(s, &root, "sun", Role::Office, None).await;
    assert_eq!(
        code(
            s.change_password(u.id, "not the password", &password("a new passphrase"))
                .await
        ),
        "wrong_password"
    );
    assert_eq!(
        code(
            s.change_password(u.id, "initial password", &password("initial password"))
                .await
        ),
        "password_unchanged"
    );
    s.change_password(u.id, "initial password", &password("a new passphrase"))
        .await
        .unwrap();
    assert!(!s.user(u.id).await.unwrap().must_change_password);
    assert_eq!(
        auth_code(s.authenticate("sun", "initial password").await),
        "bad_credentials"
    );
    let p = s.authenticate("sun", "a new passphrase").await.unwrap();
    assert!(!p.must_change_password);

    // A reset sets a password to change and ends the user's sessions.
    let (secret, _) = s.create_session(u.id, 3600).await.unwrap();
    s.reset_password(&root, u.id, &password("reset by admin"))
        .await
        .unwrap();
    assert!(s.session(&secret).await.unwrap().is_none());
    let p = s.authenticate("sun", "reset by admin").await.unwrap();
    assert!(p.must_change_password);
    // Guessing the current password counts toward the lock-out.
    for _ in 0..LOCKOUT_THRESHOLD - 1 {
        assert_eq!(
            code(
                s.change_password(u.id, "a wrong guess", &password("a new passphrase"))
                    .await
            ),
            "wrong_password"
        );
    }
    assert_eq!(
        code(
            s.change_password(u.id, "a wrong guess", &password("a new passphrase"))
                .await
        ),
        "account_locked"
    );
    assert_eq!(
        code(
            s.change_password(u.id, "reset by admin", &password("a new passphrase"))
                .await
        ),
        "account_locked"
    );
    assert_eq!(
        auth_code(s.authenticate("sun", "reset by admin").await),
        "account_locked"
    );
    // An administrator's reset lifts the lock.
    s.reset_password(&root, u.id, &password("reset by admin"))
        .await
        .unwrap();
    let p = s.authenticate("sun", "reset by admin").await.unwrap();
    assert_eq!(
        code(
            s.reset_password(&p, root.user, &password("taken over!"))
                .await
        ),
        "forbidden"
    );
    // The trail records each change of password, never the hash.
    let actions = db
        .raw
        .int(
            "SELECT COUNT(*) FROM audit_events WHERE entity_table = 'users'
             AND action IN ('change_password', 'reset_password')",
        )
        .await;
    assert_eq!(actions, 3);
    assert_eq!(
        db.raw
            .int("SELECT COUNT(*) FROM audit_events WHERE after_state LIKE '%$argon2%'")
            .await,
        0
    );
    assert_verifies(s).await;
    db.finish().await;
}

async fn sessions_expire_and_end(db: TestDb) {
    let s = &db.store;
    let root = admin(s).await;
    let (secret, session) = s.create_session(root.user, 600).await.unwrap();
    assert_eq!(session.principal, root);
    assert_eq!(session.csrf.len(), 64);
    assert_eq!(
        session.expires_at.millis(),
        db.clock.now().millis() + 600_000
    );
    let found = s.session(&secret).await.unwrap().unwrap();
    assert_eq!(found, session);
    assert!(s.session("unknown").await.unwrap().is_none());
    // Only the hash is stored.
    assert_eq!(
        db.raw
            .int(&format!(
                "SELECT COUNT(*) FROM sessions WHERE secret_hash = '{secret}' OR csrf = '{secret}'"
            ))
            .await,
        0
    );
    db.clock.advance_millis(600_000);
    assert!(s.session(&secret).await.unwrap().is_none());

    let (secret, _) = s.create_session(root.user, 600).await.unwrap();
    assert!(s.session(&secret).await.unwrap().is_some());
    s.end_session(&secret).await.unwrap();
    assert!(s.session(&secret).await.unwrap().is_none());
    s.end_session(&secret).await.unwrap();
    assert_eq!(
        code(s.create_session(luoshi_core::UserId(999), 600).await),
        "not_found"
    );
    // Sessions are not audited.
    assert_eq!(
        db.raw
            .int("SELECT COUNT(*) FROM audit_events WHERE entity_table = 'sessions'")
            .await,
        0
    );
    assert_verifies(s).await;
    db.finish().await;
}

async fn tokens_are_created_listed_and_revoked(db: TestDb) {
    let s = &db.store;
    let root = admin(s).await;
    new_user(s, &root, "zhou", Role::Office, None).await;
    new_user(s, &root, "wu", Role::Office, None).await;
    let zhou = s.authenticate("zhou", "initial password").await.unwrap();
    let wu = s.authenticate("wu", "initial password").await.unwrap();

    let (token, secret) = s.create_token(&zhou, " 数据同步 ").await.unwrap();
    assert_eq!(token.name, "数据同步");
    assert_eq!(token.prefix, secret[..8]);
    assert_eq!(token.last_used_at, None);
    assert_eq!(code(s.create_token(&zhou, "  ").await), "value_empty");
    assert_eq!(
        s.principal_by_token(&secret).await.unwrap(),
        Some(zhou.clone())
    );
    assert!(s.principal_by_token("nonsense").await.unwrap().is_none());
    let listed = s.tokens(zhou.user).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].last_used_at, Some(db.clock.now()));
    assert!(s.tokens(wu.user).await.unwrap().is_empty());

    // Another user's token is none of their business; the owner revokes.
    assert_eq!(code(s.revoke_token(&wu, token.id).await), "not_found");
    s.revoke_token(&zhou, token.id).await.unwrap();
    s.revoke_token(&zhou, token.id).await.unwrap();
    assert!(s.principal_by_token(&secret).await.unwrap().is_none());
    let listed = s.tokens(zhou.user).await.unwrap();
    assert_eq!(listed[0].revoked_at, Some(db.clock.now()));

    // An administrator may revoke any token.
    let (other, other_secret) = s.create_token(&wu, "脚本").await.unwrap();
    s.revoke_token(&root, other.id).await.unwrap();
    assert!(s.principal_by_token(&other_secret).await.unwrap().is_none());
    assert_eq!(db.raw.int("SELECT COUNT(*) FROM api_tokens").await, 2);
    assert_eq!(
        db.raw
            .int("SELECT COUNT(*) FROM audit_events WHERE entity_table = 'api_tokens'")
            .await,
        4
    );
    // A use after a minute updates last_used_at without troubling verify.
    let (_, third) = s.create_token(&wu, "第三个").await.unwrap();
    s.principal_by_token(&third).await.unwrap().unwrap();
    db.clock.advance_millis(61_000);
    s.principal_by_token(&third).await.unwrap().unwrap();
    assert_eq!(
        s.tokens(wu.user).await.unwrap()[1].last_used_at,
        Some(db.clock.now())
    );
    assert_verifies(s).await;
    db.finish().await;
}

async fn a_denial_is_audited(db: TestDb) {
    let s = &db.store;
    add_units(s).await;
    let ingested = ingest(s).await;
    let root = admin(s).await;
    new_user(s, &root, "feng", Role::UnitStaff, Some("省科技厅")).await;
    let feng = s.authenticate("feng", "initial password").await.unwrap();
    let task = ingested.tasks[1].id;
    let before = db.raw.int("SELECT COUNT(*) FROM audit_events").await;
    s.record_denial(&feng, "销号", "tasks", Some(task.0))
        .await
        .unwrap();
    s.record_denial(&feng, "管理用户", "users", None)
        .await
        .unwrap();
    assert_eq!(
        db.raw.int("SELECT COUNT(*) FROM audit_events").await,
        before + 2
    );
    let detail = s.task_detail(task).await.unwrap();
    let denied = detail.events.last().unwrap();
    assert_eq!(denied.action, "denied");
    assert_eq!(denied.actor, "feng");
    assert_eq!(denied.note.as_deref(), Some("销号"));
    assert_eq!(denied.before, None);
    assert_eq!(denied.after, None);
    // The refusals are in the chain and change no record's history.
    assert_verifies(s).await;
    db.finish().await;
}

async fn verify_finds_a_users_row_edited_behind_its_back(db: TestDb) {
    let s = &db.store;
    add_units(s).await;
    let root = admin(s).await;
    let u = new_user(s, &root, "chen", Role::UnitStaff, Some("省水利厅")).await;
    let p = s.authenticate("chen", "initial password").await.unwrap();
    s.create_token(&p, "同步").await.unwrap();
    s.create_session(u.id, 60).await.unwrap();
    s.record_denial(&p, "交办", "tasks", None).await.unwrap();
    assert_verifies(s).await;

    // Someone with database access makes themselves administrator …
    db.raw
        .exec(&format!(
            "UPDATE users SET role = 'admin' WHERE id = {}",
            u.id.0
        ))
        .await
        .unwrap();
    let report = s.verify().await.unwrap();
    assert_eq!(
        report.problems,
        vec![Problem::RowAltered {
            table: "users",
            id: u.id.0
        }]
    );
    db.raw
        .exec(&format!(
            "UPDATE users SET role = 'unit_staff' WHERE id = {}",
            u.id.0
        ))
        .await
        .unwrap();
    assert_verifies(s).await;
    // … or sets a password hash they know.
    db.raw
        .exec(&format!(
            "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE login = 'admin') WHERE id = {}",
            u.id.0
        ))
        .await
        .unwrap();
    let report = s.verify().await.unwrap();
    assert_eq!(
        report.problems,
        vec![Problem::RowAltered {
            table: "users",
            id: u.id.0
        }]
    );
    // A token un-revoked by hand shows too.
    db.raw
        .exec("UPDATE api_tokens SET name = 'x'")
        .await
        .unwrap();
    assert_eq!(s.verify().await.unwrap().problems.len(), 2);
    db.finish().await;
}

async fn backup_and_restore_carry_users(db: TestDb) {
    let s = &db.store;
    add_units(s).await;
    let root = admin(s).await;
    let u = new_user(s, &root, "he", Role::UnitLead, Some("省科技厅")).await;
    let p = s.authenticate("he", "initial password").await.unwrap();
    let (_, token) = s.create_token(&p, "同步").await.unwrap();
    let (session, _) = s.create_session(u.id, 3600).await.unwrap();
    s.authenticate("he", "wrong password").await.unwrap_err();

    let dir = std::env::temp_dir().join(format!(
        "luoshi_accounts_backup_{}_{:?}",
        std::process::id(),
        db.engine
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("backup.db");
    let _ = std::fs::remove_file(&path);
    let copied = s.backup(&path).await.unwrap();
    let count = |t: &str| {
        copied
            .tables
            .iter()
            .find(|(name, _)| name == t)
            .map(|(_, n)| *n)
    };
    assert_eq!(count("users"), Some(2));
    assert_eq!(count("api_tokens"), Some(1));
    assert_eq!(count("sessions"), None);

    let target = TestDb::open(db.engine).await;
    target.store.restore(&path).await.unwrap();
    let t = &target.store;
    assert_eq!(t.users().await.unwrap(), s.users().await.unwrap());
    let restored = t.authenticate("he", "initial password").await.unwrap();
    assert_eq!(restored, p);
    assert_eq!(t.principal_by_token(&token).await.unwrap(), Some(p.clone()));
    // Sessions and lock-out counters stay behind.
    assert!(t.session(&session).await.unwrap().is_none());
    assert_eq!(target.raw.int("SELECT COUNT(*) FROM sessions").await, 0);
    // The copy verifies, and new users get new ids.
    assert_verifies(t).await;
    let next = new_user(t, &root, "new.one", Role::Office, None).await;
    assert!(next.id.0 > u.id.0);
    // A ledger with users is not an empty target.
    let again = t.restore(&path).await;
    assert_eq!(code(again), "restore_target_not_empty");
    target.finish().await;
    let _ = std::fs::remove_dir_all(&dir);
    db.finish().await;
}

async fn unit_staff_see_only_their_units_tasks(db: TestDb) {
    let s = &db.store;
    add_units(s).await;
    let ingested = ingest(s).await;
    let theme = ingested.tasks[0].clone();
    assert_eq!(theme.kind, TaskKind::Theme);
    let tasks: Vec<_> = ingested
        .tasks
        .iter()
        .filter(|t| t.kind == TaskKind::Task)
        .cloned()
        .collect();
    let (t1, t2, t3) = (&tasks[0], &tasks[1], &tasks[2]);
    assert_eq!(t1.parent, Some(theme.id));
    // t1: led by a sub-unit of 省发展改革委, 省科技厅 co-operates.
    s.assign(
        &office(),
        t1.id,
        t1.version,
        &assignment("规划处", &["省科技厅"]),
    )
    .await
    .unwrap();
    // t2: 省科技厅 co-operated, then was removed.
    let t2v = s
        .assign(
            &office(),
            t2.id,
            t2.version,
            &assignment("省水利厅", &["省科技厅"]),
        )
        .await
        .unwrap();
    s.assign(&office(), t2.id, t2v.version, &assignment("省水利厅", &[]))
        .await
        .unwrap();
    s.assign(&office(), t3.id, t3.version, &assignment("省水利厅", &[]))
        .await
        .unwrap();

    let root = admin(s).await;
    new_user(s, &root, "kj", Role::UnitStaff, Some("省科技厅")).await;
    new_user(s, &root, "fgw", Role::UnitLead, Some("省发展改革委")).await;
    new_user(s, &root, "sl", Role::UnitStaff, Some("省水利厅")).await;
    new_user(s, &root, "ld", Role::Leadership, None).await;
    let sign_in =
        |l: &'static str| async move { s.authenticate(l, "initial password").await.unwrap() };
    let unit_id = |name: &'static str| async move { s.unit(&unit(name)).await.unwrap().id };

    let visible = |units: Option<Vec<UnitId>>| async move {
        s.tasks(&TaskFilter {
            visible_units: units,
            ..TaskFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect::<Vec<_>>()
    };

    // Unit staff of 省科技厅: the task it co-operates on and its theme,
    // not the one it was removed from, not 省水利厅's.
    let kj = sign_in("kj").await;
    assert!(!kj.sees_all_units());
    let kj_units = s.visible_units(&kj).await.unwrap().unwrap();
    assert_eq!(kj_units, vec![unit_id("省科技厅").await]);
    assert_eq!(visible(Some(kj_units.clone())).await, vec![theme.id, t1.id]);
    assert!(s.task_visible(t1.id, &kj_units).await.unwrap());
    assert!(s.task_visible(theme.id, &kj_units).await.unwrap());
    assert!(!s.task_visible(t2.id, &kj_units).await.unwrap());
    assert!(!s.task_visible(t3.id, &kj_units).await.unwrap());
    assert_eq!(
        code(s.task_visible(luoshi_core::TaskId(9999), &kj_units).await),
        "not_found"
    );

    // The lead of 省发展改革委 sees its sub-unit's task.
    let fgw = sign_in("fgw").await;
    let mut fgw_units = s.visible_units(&fgw).await.unwrap().unwrap();
    fgw_units.sort();
    let mut expected = vec![unit_id("省发展改革委").await, unit_id("规划处").await];
    expected.sort();
    assert_eq!(fgw_units, expected);
    assert_eq!(visible(Some(fgw_units)).await, vec![theme.id, t1.id]);

    // 省水利厅 sees what it leads (and a theme only through a child).
    let sl = sign_in("sl").await;
    let sl_units = s.visible_units(&sl).await.unwrap().unwrap();
    let mut expected = vec![t2.id, t3.id];
    if [t2, t3].iter().any(|t| t.parent == Some(theme.id)) {
        expected.insert(0, theme.id);
    }
    assert_eq!(visible(Some(sl_units.clone())).await, expected);
    // Visibility holds together with the other conditions and paging.
    let page = s
        .tasks(&TaskFilter {
            visible_units: Some(sl_units.clone()),
            after: Some(t2.id),
            limit: Some(1),
            ..TaskFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(page.iter().map(|t| t.id).collect::<Vec<_>>(), vec![t3.id]);
    let by_unit = s
        .tasks(&TaskFilter {
            unit: Some(unit("省科技厅")),
            visible_units: Some(sl_units),
            ..TaskFilter::default()
        })
        .await
        .unwrap();
    assert!(by_unit.is_empty());

    // Leadership and the office see everything; nobody sees through an
    // empty set.
    let ld = sign_in("ld").await;
    assert_eq!(s.visible_units(&ld).await.unwrap(), None);
    assert_eq!(s.visible_units(&root).await.unwrap(), None);
    assert_eq!(visible(None).await.len(), ingested.tasks.len());
    assert!(visible(Some(Vec::new())).await.is_empty());
    assert!(!s.task_visible(t1.id, &[]).await.unwrap());
    db.finish().await;
}

engine_tests!(
    bootstrap_happens_once,
    users_are_created_and_updated_by_version,
    authentication_locks_out_and_unlocks,
    a_disabled_user_is_refused,
    passwords_are_changed_and_reset,
    sessions_expire_and_end,
    tokens_are_created_listed_and_revoked,
    a_denial_is_audited,
    verify_finds_a_users_row_edited_behind_its_back,
    backup_and_restore_carry_users,
    unit_staff_see_only_their_units_tasks,
);
