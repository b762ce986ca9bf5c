//! The task life cycle of PRODUCT.md, in one place.
//!
//! ```text
//! draft ──assign──▶ assigned ──report──▶ in_progress ──request_close──▶ completion_requested ──close──▶ closed
//!                                            ▲                                   │
//!                                            └────────────── return ─────────────┘
//! assigned | in_progress ──suspend──▶ suspended ──resume──▶ the state it was suspended from
//! ```
//!
//! [`transition`] is the only function that decides whether an action is
//! allowed; the store asks it before every change of status. Overdue is not a
//! status: [`is_overdue`] derives it from the deadline and a given day.

use std::fmt;

use crate::model::{ReportKind, ReviewState};
use crate::value::Date;

/// Where a suspended task goes back to when it is resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResumeTo {
    Assigned,
    InProgress,
}

impl ResumeTo {
    pub fn status(self) -> Status {
        match self {
            ResumeTo::Assigned => Status::Assigned,
            ResumeTo::InProgress => Status::InProgress,
        }
    }
}

/// The status of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Extracted from a document, not yet confirmed and assigned (待交办).
    Draft,
    /// Handed to a lead unit with a deadline (已交办).
    Assigned,
    /// The units are working on it and reporting (办理中).
    InProgress,
    /// The lead unit asked for it to be closed, with evidence (申请办结).
    CompletionRequested,
    /// Accepted as done (已销号). Final.
    Closed,
    /// Put on hold (暂缓); remembers what to resume to.
    Suspended { resume_to: ResumeTo },
}

impl Status {
    /// Every status code, in life-cycle order.
    pub const CODES: [&'static str; 6] = [
        "draft",
        "assigned",
        "in_progress",
        "completion_requested",
        "closed",
        "suspended",
    ];

    /// Stable snake_case code, as stored and as filtered by.
    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Assigned => "assigned",
            Status::InProgress => "in_progress",
            Status::CompletionRequested => "completion_requested",
            Status::Closed => "closed",
            Status::Suspended { .. } => "suspended",
        }
    }

    /// The status as the interface names it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "待交办",
            Status::Assigned => "已交办",
            Status::InProgress => "办理中",
            Status::CompletionRequested => "申请办结",
            Status::Closed => "已销号",
            Status::Suspended { .. } => "暂缓",
        }
    }

    /// Whether the task still needs work from a unit or the office.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Closed)
    }

    /// Reads a stored status; `suspended_from` is the stored resume target.
    pub fn from_codes(code: &str, suspended_from: Option<&str>) -> Option<Status> {
        Some(match (code, suspended_from) {
            ("draft", None) => Status::Draft,
            ("assigned", None) => Status::Assigned,
            ("in_progress", None) => Status::InProgress,
            ("completion_requested", None) => Status::CompletionRequested,
            ("closed", None) => Status::Closed,
            ("suspended", Some("assigned")) => Status::Suspended {
                resume_to: ResumeTo::Assigned,
            },
            ("suspended", Some("in_progress")) => Status::Suspended {
                resume_to: ResumeTo::InProgress,
            },
            _ => return None,
        })
    }

    /// The stored resume target: `Some` only for a suspended task.
    pub fn suspended_from(self) -> Option<&'static str> {
        match self {
            Status::Suspended { resume_to } => Some(resume_to.status().code()),
            _ => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The status codes a list can be filtered by (suspended tasks of either
/// origin are one filter value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusFilter {
    Draft,
    Assigned,
    InProgress,
    CompletionRequested,
    Closed,
    Suspended,
    /// Everything but closed.
    Open,
}

impl StatusFilter {
    /// Reads a status code (`draft`, …, `suspended`, or `open`).
    pub fn parse(code: &str) -> Result<StatusFilter, crate::error::ValueError> {
        Ok(match code.trim() {
            "draft" => StatusFilter::Draft,
            "assigned" => StatusFilter::Assigned,
            "in_progress" => StatusFilter::InProgress,
            "completion_requested" => StatusFilter::CompletionRequested,
            "closed" => StatusFilter::Closed,
            "suspended" => StatusFilter::Suspended,
            "open" => StatusFilter::Open,
            other => {
                return Err(crate::error::ValueError::UnknownStatus {
                    input: other.chars().take(40).collect(),
                });
            }
        })
    }
}

/// What somebody does to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Give it a lead unit, co-units, a responsible person and a deadline (交办).
    Assign,
    /// File a progress report (反馈进展).
    Report,
    /// Ask for it to be closed, with evidence (申请办结).
    RequestClose,
    /// Accept the completion request (销号).
    Close,
    /// Send the completion request back (退回).
    Return,
    /// Put it on hold (暂缓).
    Suspend,
    /// Take it off hold (恢复).
    Resume,
}

impl Action {
    /// Stable snake_case code, as written into the audit trail.
    pub fn code(self) -> &'static str {
        match self {
            Action::Assign => "assign",
            Action::Report => "report",
            Action::RequestClose => "request_close",
            Action::Close => "close",
            Action::Return => "return",
            Action::Suspend => "suspend",
            Action::Resume => "resume",
        }
    }

    /// The action as the interface names it.
    pub fn label(self) -> &'static str {
        match self {
            Action::Assign => "交办",
            Action::Report => "反馈进展",
            Action::RequestClose => "申请办结",
            Action::Close => "销号",
            Action::Return => "退回",
            Action::Suspend => "暂缓",
            Action::Resume => "恢复",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why an action is not allowed on a task in its current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("任务已销号，不能再{action}。")]
    Closed { action: Action },
    #[error("任务已暂缓，请先恢复再{action}。")]
    Suspended { action: Action },
    #[error("任务尚未交办，不能{action}。请先确定牵头单位和完成时限。")]
    NotAssigned { action: Action },
    #[error("任务没有待审核的办结申请，不能{action}。")]
    NoCompletionRequest { action: Action },
    #[error("任务已申请办结、正在审核，不能{action}；如需继续办理，请先退回。")]
    CompletionPending { action: Action },
    #[error("任务没有暂缓，无需恢复。")]
    NotSuspended,
    #[error("任务当前状态为“{from}”，不能{action}。")]
    Illegal { from: Status, action: Action },
    #[error("该反馈已审核（{state}），不能再次审核；如有新情况，请单位重新反馈。")]
    ReportReviewed { state: &'static str },
    #[error("办结申请随任务一起审核：请对任务“销号”或“退回”。")]
    CompletionReport,
}

impl LifecycleError {
    /// Stable snake_case English code.
    pub fn code(&self) -> &'static str {
        match self {
            LifecycleError::Closed { .. } => "task_closed",
            LifecycleError::Suspended { .. } => "task_suspended",
            LifecycleError::NotAssigned { .. } => "task_not_assigned",
            LifecycleError::NoCompletionRequest { .. } => "no_completion_request",
            LifecycleError::CompletionPending { .. } => "completion_pending",
            LifecycleError::NotSuspended => "task_not_suspended",
            LifecycleError::Illegal { .. } => "illegal_transition",
            LifecycleError::ReportReviewed { .. } => "report_already_reviewed",
            LifecycleError::CompletionReport => "report_is_completion_request",
        }
    }
}

/// The status a task in status `from` reaches by `action`, or why it can't.
pub fn transition(from: Status, action: Action) -> Result<Status, LifecycleError> {
    use Action as A;
    use Status as S;
    match (from, action) {
        (S::Draft | S::Assigned, A::Assign) => Ok(S::Assigned),
        // Changing the lead unit or the deadline during the work keeps it going.
        (S::InProgress, A::Assign) => Ok(S::InProgress),
        (S::Assigned | S::InProgress, A::Report) => Ok(S::InProgress),
        (S::InProgress, A::RequestClose) => Ok(S::CompletionRequested),
        (S::CompletionRequested, A::Close) => Ok(S::Closed),
        (S::CompletionRequested, A::Return) => Ok(S::InProgress),
        (S::Assigned, A::Suspend) => Ok(S::Suspended {
            resume_to: ResumeTo::Assigned,
        }),
        (S::InProgress, A::Suspend) => Ok(S::Suspended {
            resume_to: ResumeTo::InProgress,
        }),
        (S::Suspended { resume_to }, A::Resume) => Ok(resume_to.status()),

        (S::Closed, action) => Err(LifecycleError::Closed { action }),
        (S::Suspended { .. }, action) => Err(LifecycleError::Suspended { action }),
        (_, A::Resume) => Err(LifecycleError::NotSuspended),
        (_, action @ (A::Close | A::Return)) => Err(LifecycleError::NoCompletionRequest { action }),
        (S::Draft, action) => Err(LifecycleError::NotAssigned { action }),
        (S::CompletionRequested, action) => Err(LifecycleError::CompletionPending { action }),
        (from, action) => Err(LifecycleError::Illegal { from, action }),
    }
}

/// The review state a progress report reaches when the supervision office
/// accepts it (`accept`) or returns it (审核): only a submitted progress
/// report can be reviewed, once; a completion request is reviewed by
/// closing or returning its task.
pub fn review_report(
    kind: ReportKind,
    state: ReviewState,
    accept: bool,
) -> Result<ReviewState, LifecycleError> {
    match (kind, state) {
        (ReportKind::Completion, _) => Err(LifecycleError::CompletionReport),
        (ReportKind::Progress, ReviewState::Submitted) if accept => Ok(ReviewState::Accepted),
        (ReportKind::Progress, ReviewState::Submitted) => Ok(ReviewState::Returned),
        (ReportKind::Progress, state) => Err(LifecycleError::ReportReviewed {
            state: state.label(),
        }),
    }
}

/// Whether a task is overdue on `today`: it is still with a unit (assigned
/// or in progress) and its deadline has passed. The deadline day itself is
/// not late. A task awaiting acceptance, suspended or closed is not overdue.
pub fn is_overdue(status: Status, deadline: Option<Date>, today: Date) -> bool {
    matches!(status, Status::Assigned | Status::InProgress) && deadline.is_some_and(|d| d < today)
}

/// The statuses [`is_overdue`] counts, as stored codes (for queries).
pub const OVERDUE_STATUSES: [&str; 2] = ["assigned", "in_progress"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_progress_report_is_reviewed_once() {
        use ReviewState as R;
        assert_eq!(
            review_report(ReportKind::Progress, R::Submitted, true),
            Ok(R::Accepted)
        );
        assert_eq!(
            review_report(ReportKind::Progress, R::Submitted, false),
            Ok(R::Returned)
        );
        for state in [R::Accepted, R::Returned] {
            let err = review_report(ReportKind::Progress, state, true).unwrap_err();
            assert_eq!(err.code(), "report_already_reviewed");
            assert!(err.to_string().contains(state.label()), "{err}");
        }
        let err = review_report(ReportKind::Completion, R::Submitted, true).unwrap_err();
        assert_eq!(err.code(), "report_is_completion_request");
    }

    const ALL_ACTIONS: [Action; 7] = [
        Action::Assign,
        Action::Report,
        Action::RequestClose,
        Action::Close,
        Action::Return,
        Action::Suspend,
        Action::Resume,
    ];

    fn all_statuses() -> [Status; 7] {
        [
            Status::Draft,
            Status::Assigned,
            Status::InProgress,
            Status::CompletionRequested,
            Status::Closed,
            Status::Suspended {
                resume_to: ResumeTo::Assigned,
            },
            Status::Suspended {
                resume_to: ResumeTo::InProgress,
            },
        ]
    }

    #[test]
    fn the_main_path_and_the_return_loop() {
        let mut s = Status::Draft;
        for (action, expected) in [
            (Action::Assign, Status::Assigned),
            (Action::Report, Status::InProgress),
            (Action::Report, Status::InProgress),
            (Action::RequestClose, Status::CompletionRequested),
            (Action::Return, Status::InProgress),
            (Action::RequestClose, Status::CompletionRequested),
            (Action::Close, Status::Closed),
        ] {
            s = transition(s, action).unwrap();
            assert_eq!(s, expected, "{action:?}");
        }
    }

    #[test]
    fn suspend_remembers_where_to_resume() {
        for from in [Status::Assigned, Status::InProgress] {
            let held = transition(from, Action::Suspend).unwrap();
            assert_eq!(held.code(), "suspended");
            assert_eq!(transition(held, Action::Resume).unwrap(), from);
            assert_eq!(
                Status::from_codes("suspended", held.suspended_from()),
                Some(held)
            );
        }
    }

    #[test]
    fn a_closed_task_takes_no_action() {
        for action in ALL_ACTIONS {
            assert_eq!(
                transition(Status::Closed, action).unwrap_err().code(),
                "task_closed"
            );
        }
    }

    #[test]
    fn illegal_transitions_have_codes_and_chinese_messages() {
        let cases = [
            (Status::Draft, Action::Report, "task_not_assigned"),
            (Status::Draft, Action::Close, "no_completion_request"),
            (Status::Assigned, Action::Close, "no_completion_request"),
            (Status::InProgress, Action::Return, "no_completion_request"),
            (Status::Assigned, Action::RequestClose, "illegal_transition"),
            (Status::Assigned, Action::Resume, "task_not_suspended"),
            (
                Status::CompletionRequested,
                Action::Report,
                "completion_pending",
            ),
            (
                Status::CompletionRequested,
                Action::Suspend,
                "completion_pending",
            ),
            (
                Status::Suspended {
                    resume_to: ResumeTo::InProgress,
                },
                Action::Report,
                "task_suspended",
            ),
        ];
        for (from, action, code) in cases {
            let err = transition(from, action).unwrap_err();
            assert_eq!(err.code(), code, "{from:?} {action:?}");
            let message = err.to_string();
            assert!(
                message
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{message}"
            );
        }
        assert_eq!(
            transition(Status::Assigned, Action::RequestClose)
                .unwrap_err()
                .to_string(),
            "任务当前状态为“已交办”，不能申请办结。"
        );
    }

    #[test]
    fn every_pair_is_decided_and_status_codes_round_trip() {
        for from in all_statuses() {
            assert_eq!(
                Status::from_codes(from.code(), from.suspended_from()),
                Some(from)
            );
            for action in ALL_ACTIONS {
                // Either a status or a typed error; never a panic.
                let _ = transition(from, action);
            }
        }
    }

    #[test]
    fn overdue_is_derived_from_the_deadline_and_the_day() {
        let due = Date::parse("2026-06-30").ok();
        let on = Date::parse("2026-06-30").unwrap();
        let after = Date::parse("2026-07-01").unwrap();
        assert!(!is_overdue(Status::InProgress, due, on));
        assert!(is_overdue(Status::InProgress, due, after));
        assert!(is_overdue(Status::Assigned, due, after));
        assert!(!is_overdue(Status::CompletionRequested, due, after));
        assert!(!is_overdue(Status::Closed, due, after));
        assert!(!is_overdue(Status::Draft, None, after));
        for code in OVERDUE_STATUSES {
            let s = Status::from_codes(code, None).unwrap();
            assert!(is_overdue(s, due, after));
        }
    }
}
