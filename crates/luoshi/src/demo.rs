//! `luoshi serve --demo`: a small, realistic ledger a newcomer can click
//! through, written into an empty database before the server starts.
//!
//! Two communiqués (the extractor's own sample documents, written for the
//! project) are ingested and their tasks assigned to six provincial
//! departments with deadlines around today — some late — and then carried
//! along the cycle: progress reports, completion requests waiting for
//! review, closed tasks. Five accounts, one per role, share one demo
//! password printed at start. Everything goes through the ledger's own
//! operations, so the audit trail verifies. A database that already holds
//! documents or users is left as it is.

use luoshi_core::{
    Accounts, Clock, Cycle, Date, DocumentName, Ledger, Login, NewAssignment, NewDocument,
    NewReport, NewUser, Password, Percent, Period, PersonName, Principal, Role, Store, TaskKind,
    Text, UnitName, UserId,
};

use crate::UserError;

/// The sample communiqués.
const DOCUMENTS: [(&str, &str); 2] = [
    (
        "城市更新和营商环境.txt",
        include_str!("../../luoshi-extract/tests/fixtures/genre/01.txt"),
    ),
    (
        "示例通稿二.txt",
        include_str!("../../luoshi-extract/tests/fixtures/genre/02.txt"),
    ),
];

/// The departments tasks are assigned to.
const UNITS: [&str; 6] = [
    "省发展改革委",
    "省住房城乡建设厅",
    "省科技厅",
    "省财政厅",
    "省水利厅",
    "省农业农村厅",
];

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "luoshi-demo-2026";

/// A demo account to print.
pub struct DemoLogin {
    pub login: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub unit: Option<&'static str>,
}

const LOGINS: [DemoLogin; 5] = [
    DemoLogin {
        login: "admin",
        name: "系统管理员",
        role: Role::Admin,
        unit: None,
    },
    DemoLogin {
        login: "duchashi",
        name: "督查室王五",
        role: Role::Office,
        unit: None,
    },
    DemoLogin {
        login: "shuili",
        name: "水利厅张三",
        role: Role::UnitStaff,
        unit: Some("省水利厅"),
    },
    DemoLogin {
        login: "fagaiwei",
        name: "发展改革委李四",
        role: Role::UnitLead,
        unit: Some("省发展改革委"),
    },
    DemoLogin {
        login: "lingdao",
        name: "分管领导",
        role: Role::Leadership,
        unit: None,
    },
];

fn failed(what: &str, e: impl std::fmt::Display) -> UserError {
    UserError {
        code: "demo_failed",
        message: format!("写入演示数据失败（{what}）：{e}"),
    }
}

/// Fills an empty ledger with the demo; returns the accounts to print, or
/// `None` when the database already held documents or users.
pub async fn fill(store: &Store) -> Result<Option<&'static [DemoLogin]>, UserError> {
    let has_users = !store
        .users()
        .await
        .map_err(|e| failed("读取用户", e))?
        .is_empty();
    let has_documents = !store
        .documents(None, 1)
        .await
        .map_err(|e| failed("读取文件", e))?
        .is_empty();
    if has_users || has_documents {
        return Ok(None);
    }
    let v = |what: &'static str| move |e: luoshi_core::ValueError| failed(what, e);
    let s = |what: &'static str| move |e: luoshi_core::StoreError| failed(what, e);
    let office = PersonName::parse("督查室王五").map_err(v("姓名"))?;
    let today = Clock::today(store.clock());
    let day = |offset: i64| today.add_days(offset).unwrap_or(today);

    for unit in UNITS {
        let name = UnitName::parse(unit).map_err(v("单位"))?;
        store
            .add_unit(&office, &name, None)
            .await
            .map_err(s("添加单位"))?;
    }
    let mut n = 0usize;
    for (file, text) in DOCUMENTS {
        let source = luoshi_extract::decode(text.as_bytes()).map_err(|e| failed("读取通稿", e))?;
        let extraction = luoshi_extract::extract(&source);
        let name = DocumentName::parse(file).map_err(v("文件名"))?;
        let ingested = store
            .ingest(
                &office,
                NewDocument {
                    name: Some(&name),
                    source: &source,
                    extraction: &extraction,
                },
            )
            .await
            .map_err(s("入库"))?;
        for task in ingested.tasks.iter().filter(|t| t.kind == TaskKind::Task) {
            n += 1;
            cycle_one(store, &office, task.id, n, day).await?;
        }
    }

    let system = Principal {
        user: UserId(0),
        login: Login::parse("system").map_err(v("账号"))?,
        name: PersonName::parse("系统").map_err(v("姓名"))?,
        role: Role::Admin,
        unit: None,
        must_change_password: false,
    };
    let first = Password::parse("demo-first-password-0").map_err(v("密码"))?;
    let demo = Password::parse(DEMO_PASSWORD).map_err(v("密码"))?;
    for l in &LOGINS {
        let user = store
            .create_user(
                &system,
                &NewUser {
                    login: Login::parse(l.login).map_err(v("账号"))?,
                    name: PersonName::parse(l.name).map_err(v("姓名"))?,
                    role: l.role,
                    unit: l.unit.map(UnitName::parse).transpose().map_err(v("单位"))?,
                    password: first.clone(),
                },
            )
            .await
            .map_err(s("添加用户"))?;
        // A demo account needs no first-login password change.
        store
            .change_password(user.id, "demo-first-password-0", &demo)
            .await
            .map_err(s("设置密码"))?;
    }
    Ok(Some(&LOGINS))
}

/// Assigns the `n`-th task and carries it some way along the cycle.
async fn cycle_one(
    store: &Store,
    office: &PersonName,
    id: luoshi_core::TaskId,
    n: usize,
    day: impl Fn(i64) -> Date,
) -> Result<(), UserError> {
    let s = |what: &'static str| move |e: luoshi_core::StoreError| failed(what, e);
    let v = |what: &'static str| move |e: luoshi_core::ValueError| failed(what, e);
    let lead = UNITS[n % UNITS.len()];
    let co = n.is_multiple_of(3).then(|| UNITS[(n + 1) % UNITS.len()]);
    // Deadlines from five weeks ago to four months ahead: some are late.
    let deadline = day(-35 + (n as i64 * 17) % 155);
    let assignment = NewAssignment {
        lead: UnitName::parse(lead).map_err(v("单位"))?,
        co_units: co
            .map(UnitName::parse)
            .transpose()
            .map_err(v("单位"))?
            .into_iter()
            .collect(),
        owner: Some(
            PersonName::parse(&format!(
                "{}负责人",
                lead.chars().skip(1).collect::<String>()
            ))
            .map_err(v("姓名"))?,
        ),
        deadline,
    };
    let task = store.task(id).await.map_err(s("读取任务"))?;
    store
        .assign(office, id, task.version, &assignment)
        .await
        .map_err(s("交办"))?;
    store
        .set_cycle(office, id, None, &Cycle::Monthly, Some(day(-60)))
        .await
        .map_err(s("设置反馈周期"))?;
    if n % 4 == 3 {
        return Ok(()); // not started yet
    }
    let unit_staff = PersonName::parse(&format!("{lead}联络员")).map_err(v("姓名"))?;
    let today = day(0);
    let percent = 20 + (n as i64 * 13) % 70;
    let report = NewReport {
        unit: None,
        period: Period::parse(&format!("{}年{}月", today.year(), today.month()))
            .map_err(v("周期"))?,
        done: Text::parse("已制定工作方案，明确责任分工和时间节点，阶段性任务正在推进。")
            .map_err(v("内容"))?,
        next_steps: Some(Text::parse("加快推进，按期完成年度目标。").map_err(v("内容"))?),
        percent: Percent::new(percent).map_err(v("进度"))?,
        problems: n
            .is_multiple_of(5)
            .then(|| Text::parse("配套资金尚未完全到位。"))
            .transpose()
            .map_err(v("内容"))?,
        evidence: None,
    };
    store
        .add_report(&unit_staff, id, &report)
        .await
        .map_err(s("反馈"))?;
    if n % 5 == 1 || n % 5 == 2 {
        let task = store.task(id).await.map_err(s("读取任务"))?;
        let evidence = Text::parse("验收报告及相关佐证材料").map_err(v("佐证"))?;
        let task = store
            .request_close(&unit_staff, id, task.version, &evidence)
            .await
            .map_err(s("申请办结"))?;
        if n % 5 == 1 {
            store
                .close_task(office, id, task.version)
                .await
                .map_err(s("销号"))?;
        }
    }
    Ok(())
}
