//! Supervision rules (督办), pure: reporting cycles and warning cards.
//!
//! Nothing here reads the clock or the database: every function takes the
//! day it answers for. The store ([`crate::Store::assess`],
//! [`crate::Store::reports_due`]) feeds them with what it read in a few
//! set-based queries.
//!
//! **Reporting cycles.** A cycle yields due dates (报送截止日), counted from
//! the day reporting starts (normally the day of assignment):
//!
//! * weekly: the configured weekday of every week (default Friday, 每周五前);
//! * fortnightly: that weekday of every second week, counted from the week
//!   reporting starts;
//! * monthly: the configured day of the following month (default the 5th:
//!   a month's report is due by the 5th of the next month, 次月5日前);
//! * quarterly: the configured day of the month after the quarter ends
//!   (default the 5th: 4月5日, 7月5日, 10月5日, 1月5日);
//! * dates: the dates given.
//!
//! A periodic due date less than [`DueRules::min_lead_days`] after the start
//! is skipped (a task assigned on 3 April owes no March report on 5 April).
//! Due dates split time into windows `(previous due date, due date]`; a
//! report filed in a window satisfies that window's due date. A report filed
//! late belongs to the next window, so the missed one stays missed. Only the
//! latest report matters: every window after the one it satisfies is open.
//!
//! **Warning cards (预警, 红黄牌).** [`WarningRules`] lists tiers from least
//! to most severe (yellow/red by default; blue/yellow/red or blue/orange/red
//! are configuration). A task in progress deserves the most severe tier one
//! of whose conditions holds: points behind the time elapsed (序时进度),
//! consecutive reports missed, or the deadline passed.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ValueError;
use crate::lifecycle::Status;
use crate::value::Date;

/// How often a task reports (反馈周期).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cycle {
    Weekly,
    Fortnightly,
    Monthly,
    Quarterly,
    /// Reports due on these dates (ascending, distinct).
    Dates(Vec<Date>),
}

/// The most explicit due dates one cycle may list.
pub const MAX_CYCLE_DATES: usize = 366;

impl Cycle {
    /// Stable English code, as stored.
    pub fn code(&self) -> &'static str {
        match self {
            Cycle::Weekly => "weekly",
            Cycle::Fortnightly => "fortnightly",
            Cycle::Monthly => "monthly",
            Cycle::Quarterly => "quarterly",
            Cycle::Dates(_) => "dates",
        }
    }

    /// The Chinese name.
    pub fn label(&self) -> &'static str {
        match self {
            Cycle::Weekly => "每周",
            Cycle::Fortnightly => "每两周",
            Cycle::Monthly => "每月",
            Cycle::Quarterly => "每季度",
            Cycle::Dates(_) => "指定日期",
        }
    }

    /// A cycle from its code and, for `dates`, the dates (any order,
    /// duplicates dropped). Other kinds take no dates.
    pub fn parse(code: &str, dates: &[Date]) -> Result<Cycle, ValueError> {
        let bad = |detail: &str| ValueError::BadCycle {
            detail: detail.to_owned(),
        };
        let cycle = match code.trim() {
            "weekly" | "每周" => Cycle::Weekly,
            "fortnightly" | "biweekly" | "每两周" => Cycle::Fortnightly,
            "monthly" | "每月" => Cycle::Monthly,
            "quarterly" | "每季度" => Cycle::Quarterly,
            "dates" | "指定日期" => {
                if dates.is_empty() {
                    return Err(bad("周期为 dates（指定日期）时须给出至少一个日期"));
                }
                if dates.len() > MAX_CYCLE_DATES {
                    return Err(bad("指定日期最多 366 个"));
                }
                let mut d = dates.to_vec();
                d.sort_unstable();
                d.dedup();
                return Ok(Cycle::Dates(d));
            }
            other => {
                return Err(bad(&format!(
                    "未知的反馈周期“{}”，可选：weekly（每周）、fortnightly（每两周）、monthly（每月）、quarterly（每季度）、dates（指定日期）",
                    other.chars().take(20).collect::<String>()
                )));
            }
        };
        if !dates.is_empty() {
            return Err(bad("只有周期为 dates（指定日期）时才能给出日期"));
        }
        Ok(cycle)
    }

    /// The explicit dates, comma-separated, as stored (empty for periodic
    /// cycles).
    pub fn dates_text(&self) -> String {
        match self {
            Cycle::Dates(d) => d
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
            _ => String::new(),
        }
    }

    /// Reads a stored cycle (code and comma-separated dates).
    pub fn from_stored(code: &str, dates: &str) -> Result<Cycle, ValueError> {
        let dates = dates
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Date::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Cycle::parse(code, &dates)
    }
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cycle::Dates(d) => write!(
                f,
                "指定日期（{}）",
                d.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            other => f.write_str(other.label()),
        }
    }
}

/// When periodic reports fall due. Defaults as offices commonly set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DueRules {
    /// Weekday a weekly or fortnightly report is due, 1 = Monday … 7 =
    /// Sunday. Default 5 (Friday).
    pub weekday: u8,
    /// Day of the following month a monthly report is due. Default 5.
    /// Days past the month's end mean its last day.
    pub monthly_day: u8,
    /// Day of the month after a quarter's end a quarterly report is due.
    /// Default 5.
    pub quarterly_day: u8,
    /// A periodic due date closer than this many days to the start of
    /// reporting is skipped. Default 3.
    pub min_lead_days: u8,
}

impl Default for DueRules {
    fn default() -> Self {
        DueRules {
            weekday: 5,
            monthly_day: 5,
            quarterly_day: 5,
            min_lead_days: 3,
        }
    }
}

impl DueRules {
    fn validate(&self) -> Result<(), ValueError> {
        let bad = |detail: &str| ValueError::BadRules {
            detail: detail.to_owned(),
        };
        if !(1..=7).contains(&self.weekday) {
            return Err(bad("weekday 应为 1（周一）到 7（周日）"));
        }
        if !(1..=31).contains(&self.monthly_day) || !(1..=31).contains(&self.quarterly_day) {
            return Err(bad("monthly_day 和 quarterly_day 应为 1 到 31"));
        }
        Ok(())
    }
}

/// 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday).
pub fn weekday(d: Date) -> i64 {
    (d.days_since_epoch() + 3).rem_euclid(7) + 1
}

/// `day` of month `month` (1–12) of `year`, the month's last day when it
/// has fewer days.
fn clamped(year: i64, month: i64, day: u8) -> Option<Date> {
    let mut d = i64::from(day);
    while d > 28 {
        if let Some(date) = Date::from_ymd(year, month, d) {
            return Some(date);
        }
        d -= 1;
    }
    Date::from_ymd(year, month, d.max(1))
}

/// The due dates of `cycle` for reporting that starts on `start`, in
/// ascending order, up to and including the first one on or after `until`
/// (so the next due date is always present when there is one).
pub fn due_dates(cycle: &Cycle, start: Date, until: Date, rules: &DueRules) -> Vec<Date> {
    let mut out = Vec::new();
    let earliest = start
        .add_days(i64::from(rules.min_lead_days))
        .unwrap_or(start);
    // Safety valve: at most ~30 years of weekly dates per call.
    const MAX: usize = 1600;
    let push = |d: Date, out: &mut Vec<Date>| -> bool {
        if d >= earliest {
            out.push(d);
        }
        d >= until || out.len() >= MAX
    };
    match cycle {
        Cycle::Dates(dates) => {
            for d in dates.iter().filter(|d| **d >= start) {
                out.push(*d);
                if *d >= until {
                    break;
                }
            }
        }
        Cycle::Monthly => {
            let (mut y, mut m) = (start.year(), start.month());
            loop {
                let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                let Some(d) = clamped(ny, nm, rules.monthly_day) else {
                    break;
                };
                if push(d, &mut out) {
                    break;
                }
                (y, m) = (ny, nm);
            }
        }
        Cycle::Quarterly => {
            let mut y = start.year();
            // The month after the end of start's quarter: 4, 7, 10 or 1.
            let mut m = (start.month() - 1) / 3 * 3 + 4;
            loop {
                if m > 12 {
                    m -= 12;
                    y += 1;
                }
                let Some(d) = clamped(y, m, rules.quarterly_day) else {
                    break;
                };
                if push(d, &mut out) {
                    break;
                }
                m += 3;
            }
        }
        Cycle::Weekly | Cycle::Fortnightly => {
            let step = if *cycle == Cycle::Weekly { 7 } else { 14 };
            let monday = start.days_since_epoch() - (weekday(start) - 1);
            // The first due day: in start's week (weekly) or the week after
            // (fortnightly, the end of the first two-week period).
            let mut at = monday + i64::from(rules.weekday) - 1 + (step - 7);
            while let Some(d) = Date::from_days_since_epoch(at) {
                if push(d, &mut out) {
                    break;
                }
                at += step;
            }
        }
    }
    out
}

/// Where a task stands with its reporting on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleState {
    /// The first due date on or after the day that no report satisfies yet.
    pub next_due: Option<Date>,
    /// Due dates before the day without a report, since the latest report
    /// (consecutive misses; a report filed ends the run).
    pub missed: Vec<Date>,
}

/// The reporting state of a task on `day`: its cycle, the day reporting
/// started, the days its reports were filed (any order), and the rules.
pub fn cycle_state(
    cycle: &Cycle,
    start: Date,
    reports: &[Date],
    day: Date,
    rules: &DueRules,
) -> CycleState {
    // The latest report satisfies the window it falls in: the first due
    // date on or after it. Reports before the start count for nothing.
    let last = reports.iter().filter(|r| **r >= start).max().copied();
    let mut dates = due_dates(cycle, start, last.map_or(day, |l| l.max(day)), rules);
    // A report may satisfy the last date listed: list one more.
    if let (Some(l), Some(end)) = (last, dates.last().copied())
        && end >= l
        && !matches!(cycle, Cycle::Dates(_))
    {
        dates = due_dates(cycle, start, end.add_days(1).unwrap_or(end), rules);
    }
    let satisfied = last.and_then(|r| dates.iter().position(|d| *d >= r));
    let open_from = match (last, satisfied) {
        (None, _) => 0,
        (Some(_), Some(i)) => i + 1,
        // Filed after every due date listed (only possible with explicit
        // dates): nothing is open.
        (Some(_), None) => dates.len(),
    };
    let open = dates.get(open_from..).unwrap_or_default();
    CycleState {
        next_due: open.iter().find(|d| **d >= day).copied(),
        missed: open.iter().filter(|d| **d < day).copied().collect(),
    }
}

/// One tier of warning card, e.g. 黄牌. A task deserves a tier when any of
/// its conditions holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Stable English code, e.g. `yellow`.
    pub code: String,
    /// Chinese name, e.g. 黄牌.
    pub label: String,
    /// Raised when the task is at least this many points behind the time
    /// elapsed (序时进度 minus reported percent).
    #[serde(default)]
    pub behind_points: Option<i64>,
    /// Raised when at least this many reports in a row were missed.
    #[serde(default)]
    pub missed_reports: Option<u32>,
    /// Raised when the deadline has passed and the task is not done.
    #[serde(default)]
    pub deadline_passed: bool,
    /// Raised when a completion request was returned (退回) with a new date
    /// (整改/重新办结期限), the date has passed and completion has not been
    /// requested again.
    #[serde(default)]
    pub return_date_passed: bool,
}

/// The warning rules: tiers from least to most severe, and when reports
/// fall due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WarningRules {
    pub tiers: Vec<Tier>,
    pub due: DueRules,
    /// The cycle of assigned tasks that have none of their own (default
    /// monthly, the most common requirement); `None` leaves them out of
    /// reporting discipline.
    pub default_cycle: Option<String>,
}

impl Default for WarningRules {
    /// Yellow when 10–30 points behind the time elapsed or one report
    /// missed; red when more than 30 points behind, the deadline passed, a
    /// second report missed in a row, or a returned completion request
    /// past its new date.
    fn default() -> Self {
        WarningRules {
            tiers: vec![
                Tier {
                    code: "yellow".to_owned(),
                    label: "黄牌".to_owned(),
                    behind_points: Some(10),
                    missed_reports: Some(1),
                    deadline_passed: false,
                    return_date_passed: false,
                },
                Tier {
                    code: "red".to_owned(),
                    label: "红牌".to_owned(),
                    behind_points: Some(31),
                    missed_reports: Some(2),
                    deadline_passed: true,
                    return_date_passed: true,
                },
            ],
            due: DueRules::default(),
            default_cycle: Some("monthly".to_owned()),
        }
    }
}

impl WarningRules {
    /// Reads rules from JSON (fields left out take their defaults) and
    /// checks them.
    pub fn from_json(json: &str) -> Result<WarningRules, ValueError> {
        let rules: WarningRules = serde_json::from_str(json).map_err(|e| ValueError::BadRules {
            detail: e.to_string(),
        })?;
        rules.validate()?;
        Ok(rules)
    }

    /// Checks the rules: at least one tier, at most eight, distinct
    /// non-empty codes, a known default cycle.
    pub fn validate(&self) -> Result<(), ValueError> {
        let bad = |detail: String| ValueError::BadRules { detail };
        if self.tiers.is_empty() || self.tiers.len() > 8 {
            return Err(bad("预警等级应为 1 到 8 个".to_owned()));
        }
        for (i, t) in self.tiers.iter().enumerate() {
            if t.code.trim().is_empty() || t.label.trim().is_empty() {
                return Err(bad(format!("第 {} 个预警等级缺少代码或名称", i + 1)));
            }
            if self.tiers[..i].iter().any(|o| o.code == t.code) {
                return Err(bad(format!("预警等级代码“{}”重复", t.code)));
            }
        }
        self.due.validate()?;
        self.default_cycle().map_err(|e| bad(e.to_string()))?;
        Ok(())
    }

    /// The default cycle, parsed.
    pub fn default_cycle(&self) -> Result<Option<Cycle>, ValueError> {
        self.default_cycle
            .as_deref()
            .map(|c| Cycle::parse(c, &[]))
            .transpose()
    }

    /// The position of the tier `code` (0 = least severe).
    pub fn rank(&self, code: &str) -> Option<usize> {
        self.tiers.iter().position(|t| t.code == code)
    }
}

/// Why a card was raised, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// `behind_schedule`, `reports_missed`, `deadline_passed` or
    /// `return_date_passed`.
    pub code: String,
    /// The reason in Chinese, with its figures.
    pub text: String,
}

/// What the rules know of a task on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFacts {
    pub status: Status,
    /// The day its time started (assignment, or the cycle's start).
    pub start: Date,
    pub deadline: Date,
    /// The latest reported percent, `None` before any report.
    pub percent: Option<u8>,
    /// Consecutive reports missed up to the day (see [`cycle_state`]).
    pub missed: usize,
    /// The new date of the latest return (退回) of a completion request,
    /// while completion has not been requested again since.
    pub return_due: Option<Date>,
}

/// The card a task deserves: the tier's position in the rules and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub rank: usize,
    pub reasons: Vec<Reason>,
}

/// The share of the task's time that has passed on `day`, in whole points
/// (0–100, rounded down): 序时进度.
pub fn time_elapsed_points(start: Date, deadline: Date, day: Date) -> i64 {
    let total = deadline.days_since_epoch() - start.days_since_epoch();
    let passed = day.days_since_epoch() - start.days_since_epoch();
    if passed <= 0 {
        return 0;
    }
    if total <= 0 || passed >= total {
        return 100;
    }
    passed * 100 / total
}

/// The card a task deserves on `day`, or `None`. Only tasks being worked on
/// (assigned, in progress) are judged: a completion request waits on the
/// office, a suspended or closed task on nobody.
pub fn judge(facts: &TaskFacts, day: Date, rules: &WarningRules) -> Option<Verdict> {
    if !matches!(facts.status, Status::Assigned | Status::InProgress) {
        return None;
    }
    let elapsed = time_elapsed_points(facts.start, facts.deadline, day);
    let percent = i64::from(facts.percent.unwrap_or(0));
    let behind = elapsed - percent;
    let late = day > facts.deadline;
    let missed = u32::try_from(facts.missed).unwrap_or(u32::MAX);
    for (rank, tier) in rules.tiers.iter().enumerate().rev() {
        let mut reasons = Vec::new();
        if tier.deadline_passed && late {
            reasons.push(Reason {
                code: "deadline_passed".to_owned(),
                text: format!(
                    "已超过完成时限 {}（逾期 {} 天）",
                    facts.deadline,
                    day.days_since_epoch() - facts.deadline.days_since_epoch()
                ),
            });
        }
        if tier.return_date_passed
            && let Some(due) = facts.return_due
            && day > due
        {
            reasons.push(Reason {
                code: "return_date_passed".to_owned(),
                text: format!(
                    "办结申请被退回，重新办结期限 {due} 已过（逾期 {} 天），仍未重新申请办结",
                    day.days_since_epoch() - due.days_since_epoch()
                ),
            });
        }
        if let Some(points) = tier.behind_points
            && behind >= points
        {
            reasons.push(Reason {
                code: "behind_schedule".to_owned(),
                text: format!("序时进度 {elapsed}%，报送进度 {percent}%，落后 {behind} 个百分点"),
            });
        }
        if let Some(n) = tier.missed_reports
            && missed >= n
        {
            reasons.push(Reason {
                code: "reports_missed".to_owned(),
                text: format!("连续 {missed} 次未按期报送进展"),
            });
        }
        if !reasons.is_empty() {
            return Some(Verdict { rank, reasons });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn ds(list: &[&str]) -> Vec<Date> {
        list.iter().map(|s| d(s)).collect()
    }

    fn rules() -> DueRules {
        DueRules::default()
    }

    #[test]
    fn weekdays_are_counted_from_monday() {
        assert_eq!(weekday(d("1970-01-01")), 4);
        assert_eq!(weekday(d("2026-11-27")), 5);
        assert_eq!(weekday(d("2026-11-30")), 1);
        assert_eq!(weekday(d("2024-02-29")), 4);
    }

    #[test]
    fn monthly_reports_fall_due_on_the_fifth_of_the_next_month() {
        let due = due_dates(&Cycle::Monthly, d("2026-03-10"), d("2026-06-01"), &rules());
        assert_eq!(
            due,
            ds(&["2026-04-05", "2026-05-05", "2026-06-05"]),
            "up to the first on or after the day"
        );
        // Assigned on 3 April: 5 April is too close, the first is 5 May.
        let due = due_dates(&Cycle::Monthly, d("2026-04-03"), d("2026-05-01"), &rules());
        assert_eq!(due, ds(&["2026-05-05"]));
        // Year end.
        let due = due_dates(&Cycle::Monthly, d("2026-12-01"), d("2027-01-05"), &rules());
        assert_eq!(due, ds(&["2027-01-05"]));
    }

    #[test]
    fn a_due_day_past_the_month_end_is_its_last_day() {
        let r = DueRules {
            monthly_day: 31,
            ..rules()
        };
        let due = due_dates(&Cycle::Monthly, d("2024-01-01"), d("2024-05-01"), &r);
        assert_eq!(
            due,
            ds(&["2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"]),
            "leap February, then months of 31 and 30 days"
        );
        let due = due_dates(&Cycle::Monthly, d("2025-01-01"), d("2025-02-01"), &r);
        assert_eq!(due, ds(&["2025-02-28"]));
        let r = DueRules {
            monthly_day: 29,
            ..rules()
        };
        assert_eq!(
            due_dates(&Cycle::Monthly, d("2100-01-01"), d("2100-02-01"), &r),
            ds(&["2100-02-28"]),
            "2100 is not a leap year"
        );
        assert_eq!(
            due_dates(&Cycle::Monthly, d("2000-01-01"), d("2000-02-01"), &r),
            ds(&["2000-02-29"]),
            "2000 is"
        );
    }

    #[test]
    fn quarterly_reports_follow_quarter_ends() {
        let due = due_dates(
            &Cycle::Quarterly,
            d("2026-02-10"),
            d("2027-01-01"),
            &rules(),
        );
        assert_eq!(
            due,
            ds(&["2026-04-05", "2026-07-05", "2026-10-05", "2027-01-05"])
        );
        // Started in the last days of a quarter: its first due date is
        // still the one after that quarter when far enough away.
        let due = due_dates(
            &Cycle::Quarterly,
            d("2026-12-30"),
            d("2027-01-02"),
            &rules(),
        );
        assert_eq!(due, ds(&["2027-01-05"]));
        let due = due_dates(
            &Cycle::Quarterly,
            d("2027-01-04"),
            d("2027-01-05"),
            &rules(),
        );
        assert_eq!(due, ds(&["2027-04-05"]));
    }

    #[test]
    fn weekly_and_fortnightly_reports_fall_on_fridays() {
        // 2026-11-23 is a Monday.
        let due = due_dates(&Cycle::Weekly, d("2026-11-23"), d("2026-12-10"), &rules());
        assert_eq!(due, ds(&["2026-11-27", "2026-12-04", "2026-12-11"]));
        // Assigned on Wednesday: Friday is only two days away.
        let due = due_dates(&Cycle::Weekly, d("2026-11-25"), d("2026-12-01"), &rules());
        assert_eq!(due, ds(&["2026-12-04"]));
        let due = due_dates(
            &Cycle::Fortnightly,
            d("2026-11-23"),
            d("2026-12-20"),
            &rules(),
        );
        assert_eq!(due, ds(&["2026-12-04", "2026-12-18", "2027-01-01"]));
    }

    #[test]
    fn explicit_dates_are_due_as_given() {
        let cycle =
            Cycle::parse("dates", &ds(&["2026-06-30", "2026-03-31", "2026-06-30"])).unwrap();
        assert_eq!(cycle.dates_text(), "2026-03-31,2026-06-30");
        assert_eq!(
            due_dates(&cycle, d("2026-03-10"), d("2026-04-01"), &rules()),
            ds(&["2026-03-31", "2026-06-30"])
        );
        // A date before the start is not owed.
        assert_eq!(
            due_dates(&cycle, d("2026-04-01"), d("2026-12-31"), &rules()),
            ds(&["2026-06-30"])
        );
        assert_eq!(
            Cycle::from_stored("dates", "2026-03-31,2026-06-30").unwrap(),
            cycle
        );
    }

    #[test]
    fn bad_cycles_are_refused_with_a_code() {
        assert_eq!(Cycle::parse("daily", &[]).unwrap_err().code(), "bad_cycle");
        assert_eq!(Cycle::parse("dates", &[]).unwrap_err().code(), "bad_cycle");
        assert!(Cycle::parse("monthly", &ds(&["2026-01-01"])).is_err());
        assert!(Cycle::from_stored("dates", "2026-02-30").is_err());
        assert_eq!(Cycle::parse(" 每月 ", &[]).unwrap(), Cycle::Monthly);
    }

    #[test]
    fn the_state_names_the_next_due_date_and_the_misses() {
        let start = d("2026-03-10");
        // No report yet on 20 May: April's and May's 5th missed.
        let s = cycle_state(&Cycle::Monthly, start, &[], d("2026-05-20"), &rules());
        assert_eq!(s.missed, ds(&["2026-04-05", "2026-05-05"]));
        assert_eq!(s.next_due, Some(d("2026-06-05")));
        // A report on the due day itself satisfies it.
        let s = cycle_state(
            &Cycle::Monthly,
            start,
            &ds(&["2026-04-05"]),
            d("2026-04-06"),
            &rules(),
        );
        assert!(s.missed.is_empty());
        assert_eq!(s.next_due, Some(d("2026-05-05")));
        // Reported on 2 May: the window up to 5 May is satisfied, so the
        // next due date is 5 June even on 3 May; April's stays missed only
        // until that report (the run of misses ends with a report).
        let s = cycle_state(
            &Cycle::Monthly,
            start,
            &ds(&["2026-05-02"]),
            d("2026-05-03"),
            &rules(),
        );
        assert!(s.missed.is_empty());
        assert_eq!(s.next_due, Some(d("2026-06-05")));
        // A late report (6 April) does not cover 5 April after the fact,
        // but it does cover 5 May.
        let s = cycle_state(
            &Cycle::Monthly,
            start,
            &ds(&["2026-04-06"]),
            d("2026-06-10"),
            &rules(),
        );
        assert_eq!(s.missed, ds(&["2026-06-05"]));
        // On the due day itself nothing is missed yet.
        let s = cycle_state(&Cycle::Monthly, start, &[], d("2026-04-05"), &rules());
        assert!(s.missed.is_empty());
        assert_eq!(s.next_due, Some(d("2026-04-05")));
        // After the last explicit date there is nothing more to report.
        let dates = Cycle::parse("dates", &ds(&["2026-03-31"])).unwrap();
        let s = cycle_state(
            &dates,
            start,
            &ds(&["2026-03-20"]),
            d("2026-05-01"),
            &rules(),
        );
        assert_eq!(s.next_due, None);
        assert!(s.missed.is_empty());
    }

    fn facts(percent: Option<u8>, missed: usize) -> TaskFacts {
        TaskFacts {
            status: Status::InProgress,
            start: d("2026-01-01"),
            // 100 days: one point a day.
            deadline: d("2026-04-11"),
            percent,
            missed,
            return_due: None,
        }
    }

    fn tier_of(f: &TaskFacts, day: &str, rules: &WarningRules) -> Option<String> {
        judge(f, d(day), rules).map(|v| rules.tiers[v.rank].code.clone())
    }

    #[test]
    fn time_elapsed_is_a_share_of_the_whole_time() {
        let (s, e) = (d("2026-01-01"), d("2026-04-11"));
        assert_eq!(time_elapsed_points(s, e, d("2025-12-01")), 0);
        assert_eq!(time_elapsed_points(s, e, d("2026-01-11")), 10);
        assert_eq!(time_elapsed_points(s, e, d("2026-04-11")), 100);
        assert_eq!(time_elapsed_points(s, e, d("2027-01-01")), 100);
        assert_eq!(time_elapsed_points(e, s, d("2026-05-01")), 100);
    }

    #[test]
    fn behind_schedule_boundaries() {
        let r = WarningRules::default();
        // Day 40 = 40 points elapsed.
        let day = "2026-02-10";
        assert_eq!(tier_of(&facts(Some(31), 0), day, &r), None, "9 behind");
        assert_eq!(
            tier_of(&facts(Some(30), 0), day, &r).as_deref(),
            Some("yellow"),
            "10 behind"
        );
        assert_eq!(
            tier_of(&facts(Some(10), 0), day, &r).as_deref(),
            Some("yellow"),
            "30 behind"
        );
        assert_eq!(
            tier_of(&facts(Some(9), 0), day, &r).as_deref(),
            Some("red"),
            "31 behind"
        );
        assert_eq!(
            tier_of(&facts(None, 0), day, &r).as_deref(),
            Some("red"),
            "no report counts as 0%"
        );
        // Ahead of time: nothing.
        assert_eq!(tier_of(&facts(Some(90), 0), day, &r), None);
    }

    #[test]
    fn missed_reports_and_the_deadline() {
        let r = WarningRules::default();
        let day = "2026-01-05";
        assert_eq!(tier_of(&facts(Some(5), 0), day, &r), None);
        assert_eq!(
            tier_of(&facts(Some(5), 1), day, &r).as_deref(),
            Some("yellow")
        );
        let v = judge(&facts(Some(5), 2), d(day), &r).unwrap();
        assert_eq!(r.tiers[v.rank].code, "red");
        assert_eq!(v.reasons[0].code, "reports_missed");
        assert!(v.reasons[0].text.contains("连续 2 次"));
        // On the deadline itself it is not passed; the day after it is.
        assert_eq!(
            tier_of(&facts(Some(100), 0), "2026-04-11", &r),
            None,
            "done on time"
        );
        let v = judge(&facts(Some(100), 0), d("2026-04-12"), &r).unwrap();
        assert_eq!(r.tiers[v.rank].code, "red");
        assert_eq!(v.reasons[0].code, "deadline_passed");
        // Tasks not being worked on are not judged.
        let mut f = facts(None, 5);
        for status in [Status::CompletionRequested, Status::Closed, Status::Draft] {
            f.status = status;
            assert_eq!(judge(&f, d("2026-12-01"), &r), None);
        }
    }

    #[test]
    fn a_returned_completion_request_past_its_new_date_is_red() {
        let r = WarningRules::default();
        // Well ahead of the time elapsed, nothing missed: only the return.
        let mut f = facts(Some(90), 0);
        f.return_due = Some(d("2026-01-20"));
        assert_eq!(tier_of(&f, "2026-01-20", &r), None, "on the new date");
        let v = judge(&f, d("2026-01-23"), &r).unwrap();
        assert_eq!(r.tiers[v.rank].code, "red");
        assert_eq!(v.reasons.len(), 1);
        assert_eq!(v.reasons[0].code, "return_date_passed");
        assert!(v.reasons[0].text.contains("2026-01-20"));
        assert!(v.reasons[0].text.contains("逾期 3 天"));
        // Configurable like the other tiers: on yellow, off everywhere.
        let y = WarningRules::from_json(
            r#"{"tiers": [
                {"code": "yellow", "label": "黄牌", "return_date_passed": true},
                {"code": "red", "label": "红牌", "deadline_passed": true}
            ]}"#,
        )
        .unwrap();
        assert_eq!(tier_of(&f, "2026-01-23", &y).as_deref(), Some("yellow"));
        let off = WarningRules::from_json(
            r#"{"tiers": [{"code": "red", "label": "红牌", "missed_reports": 2}]}"#,
        )
        .unwrap();
        assert_eq!(tier_of(&f, "2026-01-23", &off), None);
        // Requested again: the office reviews it, no card.
        f.status = Status::CompletionRequested;
        assert_eq!(judge(&f, d("2026-01-23"), &r), None);
    }

    #[test]
    fn three_tiers_from_configuration() {
        let r = WarningRules::from_json(
            r#"{"tiers": [
                {"code": "blue", "label": "蓝牌", "behind_points": 5},
                {"code": "orange", "label": "橙牌", "behind_points": 15, "missed_reports": 1},
                {"code": "red", "label": "红牌", "behind_points": 30, "deadline_passed": true}
            ], "due": {"monthly_day": 10}}"#,
        )
        .unwrap();
        assert_eq!(r.due.monthly_day, 10);
        assert_eq!(r.due.weekday, 5, "left out: the default");
        let day = "2026-02-10";
        assert_eq!(tier_of(&facts(Some(36), 0), day, &r), None);
        assert_eq!(
            tier_of(&facts(Some(35), 0), day, &r).as_deref(),
            Some("blue")
        );
        assert_eq!(
            tier_of(&facts(Some(25), 0), day, &r).as_deref(),
            Some("orange")
        );
        assert_eq!(
            tier_of(&facts(Some(38), 1), day, &r).as_deref(),
            Some("orange")
        );
        assert_eq!(
            tier_of(&facts(Some(10), 0), day, &r).as_deref(),
            Some("red")
        );
        assert_eq!(tier_of(&facts(Some(40), 0), day, &r), None);
        assert_eq!(r.rank("orange"), Some(1));
    }

    #[test]
    fn no_day_and_no_rule_makes_it_panic() {
        let cycles = [
            Cycle::Weekly,
            Cycle::Fortnightly,
            Cycle::Monthly,
            Cycle::Quarterly,
            Cycle::parse("dates", &ds(&["1900-01-01", "9999-12-31"])).unwrap(),
        ];
        let days = ds(&[
            "1900-01-01",
            "1900-02-28",
            "2000-02-29",
            "2026-12-31",
            "9999-11-30",
            "9999-12-31",
        ]);
        let extremes = DueRules {
            weekday: 7,
            monthly_day: 31,
            quarterly_day: 31,
            min_lead_days: 255,
        };
        for cycle in &cycles {
            for rules in [DueRules::default(), extremes] {
                for start in &days {
                    for day in &days {
                        let s = cycle_state(cycle, *start, &[*start, *day], *day, &rules);
                        assert!(s.missed.iter().all(|m| m < day));
                        let f = TaskFacts {
                            status: Status::InProgress,
                            start: *start,
                            deadline: *day,
                            percent: Some(100),
                            missed: s.missed.len(),
                            return_due: None,
                        };
                        let _ = judge(&f, *day, &WarningRules::default());
                    }
                }
            }
        }
    }

    #[test]
    fn bad_rules_are_refused() {
        for json in [
            r#"{"tiers": []}"#,
            r#"{"tiers": [{"code": "a", "label": "甲"}, {"code": "a", "label": "乙"}]}"#,
            r#"{"due": {"weekday": 8}}"#,
            r#"{"default_cycle": "daily"}"#,
            r#"{"colour": "red"}"#,
            "not json",
        ] {
            let err = WarningRules::from_json(json).unwrap_err();
            assert_eq!(err.code(), "bad_warning_rules", "{json}");
        }
        assert!(WarningRules::default().validate().is_ok());
    }
}
