//! Errors of the ledger, in layers: [`ValueError`] for a bad input value,
//! [`LifecycleError`] for an action the life cycle does
//! not allow, and [`StoreError`] (NotFound / Conflict / Invalid / Other) for
//! every store operation. Each has a Chinese `Display` for the user and a
//! stable snake_case English `code()` for programs and message catalogues.

use std::fmt;

use crate::lifecycle::LifecycleError;

/// A value that a person or a document gave is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("{field}不能为空。")]
    Empty { field: &'static str },
    #[error("{field}不能包含控制字符。")]
    ControlCharacter { field: &'static str },
    #[error("{field}太长，最多 {max} 个字。")]
    TooLong { field: &'static str, max: usize },
    #[error("日期“{input}”无效，请按 YYYY-MM-DD 填写一个真实的日期，例如 2026-06-30。")]
    BadDate { input: String },
    #[error("电子邮件地址“{input}”无效。")]
    BadEmail { input: String },
    #[error("完成比例 {value} 无效，应为 0 到 100 之间的整数。")]
    PercentOutOfRange { value: i64 },
    #[error("编号“{input}”无效，应为正整数。")]
    BadId { input: String },
    #[error(
        "未知的任务状态“{input}”。可用的状态：draft（待交办）、assigned（已交办）、in_progress（办理中）、completion_requested（申请办结）、closed（已销号）、suspended（暂缓）、open（未销号）。"
    )]
    UnknownStatus { input: String },
    #[error(
        "不支持的数据库地址（{scheme}）。请使用 sqlite://文件路径（默认 sqlite://./luoshi.db）或 postgres://用户@主机:端口/数据库。"
    )]
    DatabaseUrl { scheme: String },
    #[error("文件的提取结果有误：{detail}")]
    Extraction { detail: String },
    #[error("单位“{unit}”不是该任务的牵头单位或配合单位，不能代其反馈。")]
    NotAUnitOfTask { unit: String },
    #[error("牵头单位“{unit}”不能同时作为配合单位。")]
    LeadAlsoCoUnit { unit: String },
    #[error("不能把单位“{unit}”移到“{parent}”之下：“{parent}”是它自己或它的下级单位。")]
    UnitCycle { unit: String, parent: String },
    #[error("登录名无效：应为 2 到 32 个字符，只能包含英文字母、数字和 . _ -。")]
    BadLogin,
    #[error("密码不符合要求：{reason}")]
    WeakPassword { reason: &'static str },
    #[error(
        "未知的角色“{input}”。可用的角色：admin（系统管理员）、office（督查室）、unit_lead（单位负责人）、unit_staff（单位工作人员）、leadership（领导）。"
    )]
    UnknownRole { input: String },
    #[error("角色“{role}”必须指定所属单位。")]
    UnitRequired { role: &'static str },
    #[error("当前密码不正确。")]
    WrongPassword,
    #[error("连续输错密码次数过多，账号已锁定至 {until}（UTC），请稍后再试或联系系统管理员。")]
    AccountLocked { until: crate::value::Timestamp },
    #[error("新密码不能与当前密码相同。")]
    PasswordUnchanged,
    #[error("不能停用或更改最后一个在用的系统管理员。")]
    LastAdmin,
    #[error("反馈周期无效：{detail}。")]
    BadCycle { detail: String },
    #[error("预警规则无效：{detail}。")]
    BadRules { detail: String },
    #[error("任务 {task} 尚未交办（没有牵头单位和完成时限），不能设置反馈周期。")]
    TaskNotAssigned { task: i64 },
    #[error("预警 {card} 已于 {at} 解除，不能再次解除。")]
    CardCleared { card: i64, at: String },
    #[error("预警 {card} 已被更高等级的预警 {by} 取代，请处理预警 {by}。")]
    CardSuperseded { card: i64, by: i64 },
    #[error("{detail}")]
    BadChoice { field: &'static str, detail: String },
    #[error("问题 {problem} 已销号，不能再更改。")]
    ProblemClosed { problem: i64 },
    #[error("数值“{input}”无效，应为一个数，例如 12.5。")]
    BadNumber { input: String },
    #[error("考核周期“{input}”无效，请写作 2026-11（月）、2026-Q4（季度）或 2026（年度）。")]
    BadEvalPeriod { input: String },
    #[error("考核规则无效：{detail}。")]
    BadEvaluationRules { detail: String },
    #[error("合并反馈至少要包含两项不同的任务。")]
    BatchTooSmall,
    #[error("单位“{unit}”目前没有逾期或被预警的牵头任务，无需发督办通知。")]
    NoticeNothingDue { unit: String },
    #[error("任务 {task} {reason}，不能发督办通知。")]
    NoticeTaskNotOpen { task: i64, reason: &'static str },
    #[error("回复时限 {reply_by} 早于发文日期 {issued}，请填写发文当日或之后的日期。")]
    NoticeReplyBy { reply_by: String, issued: String },
    #[error("重新办结期限 {date} 早于今天（{today}），请填写今天或以后的日期。")]
    ReturnDateInPast { date: String, today: String },
}

impl ValueError {
    /// Stable snake_case English code.
    pub fn code(&self) -> &'static str {
        match self {
            ValueError::Empty { .. } => "value_empty",
            ValueError::ControlCharacter { .. } => "value_control_character",
            ValueError::TooLong { .. } => "value_too_long",
            ValueError::BadDate { .. } => "value_bad_date",
            ValueError::BadEmail { .. } => "value_bad_email",
            ValueError::PercentOutOfRange { .. } => "value_percent_out_of_range",
            ValueError::BadId { .. } => "value_bad_id",
            ValueError::UnknownStatus { .. } => "value_unknown_status",
            ValueError::DatabaseUrl { .. } => "database_url_unsupported",
            ValueError::Extraction { .. } => "extraction_invalid",
            ValueError::NotAUnitOfTask { .. } => "not_a_unit_of_task",
            ValueError::LeadAlsoCoUnit { .. } => "lead_also_co_unit",
            ValueError::UnitCycle { .. } => "unit_cycle",
            ValueError::BadLogin => "bad_login",
            ValueError::WeakPassword { .. } => "weak_password",
            ValueError::UnknownRole { .. } => "unknown_role",
            ValueError::UnitRequired { .. } => "unit_required",
            ValueError::WrongPassword => "wrong_password",
            ValueError::AccountLocked { .. } => "account_locked",
            ValueError::PasswordUnchanged => "password_unchanged",
            ValueError::LastAdmin => "last_admin",
            ValueError::BadCycle { .. } => "bad_cycle",
            ValueError::BadRules { .. } => "bad_warning_rules",
            ValueError::TaskNotAssigned { .. } => "task_not_assigned",
            ValueError::CardCleared { .. } => "card_already_cleared",
            ValueError::CardSuperseded { .. } => "card_superseded",
            ValueError::BadChoice { .. } => "value_bad_choice",
            ValueError::ProblemClosed { .. } => "problem_closed",
            ValueError::BadNumber { .. } => "value_bad_number",
            ValueError::BadEvalPeriod { .. } => "bad_evaluation_period",
            ValueError::BadEvaluationRules { .. } => "bad_evaluation_rules",
            ValueError::BatchTooSmall => "batch_too_small",
            ValueError::NoticeNothingDue { .. } => "notice_nothing_due",
            ValueError::NoticeTaskNotOpen { .. } => "notice_task_not_open",
            ValueError::NoticeReplyBy { .. } => "notice_bad_reply_by",
            ValueError::ReturnDateInPast { .. } => "return_date_in_past",
        }
    }
}

/// The kinds of record the ledger keeps, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    Document,
    Meeting,
    Unit,
    Task,
    CoUnit,
    Report,
    User,
    ApiToken,
    Cycle,
    Card,
    Problem,
    Indicator,
    Notification,
}

impl Entity {
    /// Stable snake_case English name.
    pub fn code(self) -> &'static str {
        match self {
            Entity::Document => "document",
            Entity::Meeting => "meeting",
            Entity::Unit => "unit",
            Entity::Task => "task",
            Entity::CoUnit => "co_unit",
            Entity::Report => "report",
            Entity::User => "user",
            Entity::ApiToken => "api_token",
            Entity::Cycle => "report_cycle",
            Entity::Card => "card",
            Entity::Problem => "problem",
            Entity::Indicator => "indicator",
            Entity::Notification => "notification",
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Entity::Document => "文件",
            Entity::Meeting => "会议",
            Entity::Unit => "单位",
            Entity::Task => "任务",
            Entity::CoUnit => "配合单位",
            Entity::Report => "进展反馈",
            Entity::User => "用户",
            Entity::ApiToken => "访问令牌",
            Entity::Cycle => "反馈周期",
            Entity::Card => "预警",
            Entity::Problem => "问题",
            Entity::Indicator => "指标",
            Entity::Notification => "通知",
        })
    }
}

/// A write that would contradict what is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error(
        "{entity} {id} 已被他人修改（您看到的是第 {expected} 版，当前是第 {actual} 版），请刷新后重试。"
    )]
    Stale {
        entity: Entity,
        id: i64,
        expected: i64,
        actual: i64,
    },
    #[error("{entity}“{key}”已存在。")]
    Duplicate { entity: Entity, key: String },
}

/// An input the ledger refuses: a bad value or an action the life cycle
/// does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error(transparent)]
    Value(#[from] ValueError),
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
}

/// A backup or restore the ledger refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackupError {
    #[error("备份文件 {path} 已存在，为免覆盖已拒绝；请换一个文件名，或先移走原文件。")]
    FileExists { path: String },
    #[error("无法创建备份文件 {path}：{detail}")]
    Create { path: String, detail: String },
    #[error("{path} 不是可用的 luoshi 备份文件：{detail}")]
    NotABackup { path: String, detail: String },
    #[error(
        "备份的数据库结构版本为 {found}，本程序为 {expected}，无法恢复；请使用相同版本的 luoshi。"
    )]
    SchemaMismatch { found: i64, expected: i64 },
    #[error(
        "目标数据库不是空的（表 {table} 中已有记录），恢复只能写入新建的空数据库；未做任何改动。"
    )]
    TargetNotEmpty { table: String },
}

impl BackupError {
    /// Stable snake_case English code.
    pub fn code(&self) -> &'static str {
        match self {
            BackupError::FileExists { .. } => "backup_file_exists",
            BackupError::Create { .. } => "backup_create_failed",
            BackupError::NotABackup { .. } => "backup_invalid",
            BackupError::SchemaMismatch { .. } => "backup_schema_mismatch",
            BackupError::TargetNotEmpty { .. } => "restore_target_not_empty",
        }
    }
}

/// The error of every store operation (atuin's `DbError`, in four kinds).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("未找到{entity}“{key}”。")]
    NotFound { entity: Entity, key: String },
    #[error(transparent)]
    Conflict(#[from] Conflict),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The database failed or holds something the ledger cannot read.
    #[error(transparent)]
    Backup(#[from] BackupError),
    /// The acting principal may not do this (see
    /// [`crate::accounts::Permission`]); `what` is the refused action in
    /// Chinese, e.g. 管理用户.
    #[error("您没有权限{what}。")]
    Forbidden { what: &'static str },
    #[error("数据库操作失败（{context}）：{source}")]
    Other {
        context: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl StoreError {
    /// Stable snake_case English code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::NotFound { .. } => "not_found",
            StoreError::Conflict(Conflict::Stale { .. }) => "stale_version",
            StoreError::Conflict(Conflict::Duplicate { .. }) => "duplicate",
            StoreError::Invalid(Invalid::Value(e)) => e.code(),
            StoreError::Invalid(Invalid::Lifecycle(e)) => e.code(),
            StoreError::Backup(e) => e.code(),
            StoreError::Forbidden { .. } => "forbidden",
            StoreError::Other { .. } => "storage_error",
        }
    }

    pub(crate) fn not_found(entity: Entity, key: impl fmt::Display) -> StoreError {
        StoreError::NotFound {
            entity,
            key: key.to_string(),
        }
    }

    pub(crate) fn other(
        context: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> StoreError {
        StoreError::Other {
            context,
            source: source.into(),
        }
    }

    /// A row that the ledger wrote but cannot read back (edited behind its back).
    pub(crate) fn corrupt(table: &str, id: i64, what: &str) -> StoreError {
        StoreError::other(
            "读取记录",
            format!("表 {table} 中 id 为 {id} 的记录无法解读：{what}"),
        )
    }
}

impl From<ValueError> for StoreError {
    fn from(e: ValueError) -> Self {
        StoreError::Invalid(Invalid::Value(e))
    }
}

impl From<LifecycleError> for StoreError {
    fn from(e: LifecycleError) -> Self {
        StoreError::Invalid(Invalid::Lifecycle(e))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::other("SQL", e)
    }
}
