//! The problem list (问题清单), indicators (指标) and unit evaluation (考核),
//! pure: the closed vocabularies, script-insensitive similarity of problem
//! descriptions, an indicator's progress against the time elapsed, and the
//! evaluation formula with its configurable rules. The store side is
//! [`crate::problem_store`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ValueError;
use crate::value::Date;

/// Lists the codes and labels of a closed vocabulary for an error message.
fn choices(all: &[(&str, &str)]) -> String {
    all.iter()
        .map(|(c, l)| format!("{c}（{l}）"))
        .collect::<Vec<_>>()
        .join("、")
}

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $field:literal, $what:literal, [$($variant:ident => $code:literal, $label:literal),+ $(,)?]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Stable snake_case English code.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// The Chinese label.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }

            /// Reads a code or a Chinese label.
            pub fn parse(input: &str) -> Result<$name, ValueError> {
                let t = input.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == t || v.label() == t)
                    .ok_or_else(|| ValueError::BadChoice {
                        field: $field,
                        detail: format!(
                            "未知的{}“{}”。可选：{}。",
                            $what,
                            input.chars().take(40).collect::<String>(),
                            choices(&[$(($code, $label)),+])
                        ),
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

vocabulary!(
    /// How a problem was found (发现途径).
    FoundBy, "found_by", "发现途径", [
        Inspection => "inspection", "督查",
        SelfCheck => "self_check", "自查",
        Research => "research", "调研",
        Public => "public", "群众反映",
    ]
);

vocabulary!(
    /// The root cause type of a problem (问题根源).
    RootCause, "root_cause", "问题根源类型", [
        Mechanism => "mechanism", "机制性缺陷",
        Institution => "institution", "制度性漏洞",
        Execution => "execution", "执行不力",
        Resources => "resources", "资源不足",
        Other => "other", "其他",
    ]
);

vocabulary!(
    /// Where a problem stands: open → rectifying → closed (销号).
    ProblemStatus, "status", "问题状态", [
        Open => "open", "待整改",
        Rectifying => "rectifying", "整改中",
        Closed => "closed", "已销号",
    ]
);

// ----- similarity ----------------------------------------------------------------

/// The text compared: Simplified script, letters and digits lowercased,
/// punctuation and spaces dropped (they say nothing about the problem).
pub fn normalize_for_similarity(text: &str) -> Vec<char> {
    luoshi_extract::simplified(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .map(fold_width)
        .collect()
}

/// Full-width ASCII (Ａ１) folded to its half-width form.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// The distinct character bigrams of a normalised text, sorted.
fn bigrams(chars: &[char]) -> Vec<(char, char)> {
    let mut out: Vec<(char, char)> = if chars.len() == 1 {
        vec![(chars[0], '\0')]
    } else {
        chars.windows(2).map(|w| (w[0], w[1])).collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// Dice coefficient of two sorted bigram sets, 0–1.
fn dice(x: &[(char, char)], y: &[(char, char)]) -> f64 {
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * common as f64 / (x.len() + y.len()) as f64
}

/// Dice coefficient of the character bigrams of two normalised texts, 0–1.
/// Chinese has no spaces: bigrams catch the two-character words a problem
/// is described in, whatever the segmentation.
pub fn similarity_of(a: &[char], b: &[char]) -> f64 {
    dice(&bigrams(a), &bigrams(b))
}

/// Script-insensitive similarity of two descriptions, 0–1.
pub fn similarity(a: &str, b: &str) -> f64 {
    similarity_of(&normalize_for_similarity(a), &normalize_for_similarity(b))
}

/// Suggestions shown when a problem is filed.
pub const SUGGEST_TOP: usize = 5;
/// Pairs below this similarity are not suggested.
pub const SUGGEST_THRESHOLD: f64 = 0.3;

/// The candidates most similar to `text`, best first: at most `top`, each
/// at least `threshold` similar; ties keep the candidates' order.
pub fn rank_similar<K: Clone>(
    text: &str,
    candidates: &[(K, String)],
    threshold: f64,
    top: usize,
) -> Vec<(K, f64)> {
    let probe = bigrams(&normalize_for_similarity(text));
    let mut scored: Vec<(usize, f64)> = candidates
        .iter()
        .enumerate()
        .map(|(i, (_, t))| (i, dice(&probe, &bigrams(&normalize_for_similarity(t)))))
        .filter(|(_, s)| *s >= threshold)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored
        .into_iter()
        .take(top)
        .map(|(i, s)| (candidates[i].0.clone(), (s * 1000.0).round() / 1000.0))
        .collect()
}

// ----- indicators ----------------------------------------------------------------

/// A number as a person writes it (12, 12.5, -3, 1,200), finite.
pub fn parse_number(input: &str) -> Result<f64, ValueError> {
    let t: String = input
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '，')
        .collect();
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && t.len() <= 30)
        .ok_or_else(|| ValueError::BadNumber {
            input: input.chars().take(40).collect(),
        })
}

/// A number as stored and shown: no trailing zeros (12.5, 12, -0.25).
pub fn format_number(v: f64) -> String {
    let s = format!("{:.6}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// An indicator's progress on a day: the share of the annual target the
/// latest value reaches against the share of the year elapsed (序时进度),
/// both in percent, one decimal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndicatorProgress {
    /// Latest value / annual target × 100 (0 when the target is 0).
    pub reached: f64,
    /// Days of the year passed on `day` / days of the year × 100.
    pub elapsed: f64,
    /// `reached - elapsed`: negative when behind the time elapsed.
    pub gap: f64,
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// See [`IndicatorProgress`]. Days before the year count 0, after it 100.
pub fn indicator_progress(year: i64, target: f64, latest: f64, day: Date) -> IndicatorProgress {
    let start = Date::from_ymd(year, 1, 1).map_or(0, Date::days_since_epoch);
    let end = Date::from_ymd(year + 1, 1, 1).map_or(start + 365, Date::days_since_epoch);
    let passed = (day.days_since_epoch() - start + 1).clamp(0, end - start);
    let elapsed = round1(passed as f64 * 100.0 / (end - start).max(1) as f64);
    let reached = if target == 0.0 {
        0.0
    } else {
        round1(latest * 100.0 / target)
    };
    IndicatorProgress {
        reached,
        elapsed,
        gap: round1(reached - elapsed),
    }
}

// ----- evaluation ----------------------------------------------------------------

/// The period a unit is evaluated for: a month (2026-11), a quarter
/// (2026-Q4) or a year (2026).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalPeriod {
    pub from: Date,
    pub to: Date,
}

impl EvalPeriod {
    pub fn parse(input: &str) -> Result<EvalPeriod, ValueError> {
        let bad = || ValueError::BadEvalPeriod {
            input: input.chars().take(40).collect(),
        };
        let t = input.trim();
        let num = |s: &str| -> Result<i64, ValueError> {
            if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) || s.len() > 4 {
                return Err(bad());
            }
            s.parse::<i64>().map_err(|_| bad())
        };
        let (year, first, last) = match t.split_once('-') {
            None => (num(t)?, 1, 12),
            Some((y, q)) if q.starts_with(['Q', 'q']) => {
                let q = num(&q[1..])?;
                if !(1..=4).contains(&q) {
                    return Err(bad());
                }
                (num(y)?, q * 3 - 2, q * 3)
            }
            Some((y, m)) => {
                let m = num(m)?;
                (num(y)?, m, m)
            }
        };
        if !(1900..=9998).contains(&year) || !(1..=12).contains(&first) {
            return Err(bad());
        }
        let from = Date::from_ymd(year, first, 1).ok_or_else(bad)?;
        let next = if last == 12 {
            Date::from_ymd(year + 1, 1, 1)
        } else {
            Date::from_ymd(year, last + 1, 1)
        };
        let to = next.and_then(|d| d.add_days(-1)).ok_or_else(bad)?;
        Ok(EvalPeriod { from, to })
    }
}

impl fmt::Display for EvalPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}至{}", self.from, self.to)
    }
}

/// How units are scored (考核办法), serde configuration. The score is
///
/// ```text
/// base × (report_weight × on-time report rate + completion_weight × on-time completion rate)
///      / (report_weight + completion_weight)
/// − returned_report_points × returned reports
/// − letter_points × ⌊cards of letter_tier / cards_per_letter⌋      (督办函)
/// − interview_points × cards of interview_tier                     (约谈)
/// ```
///
/// floored at 0, one decimal. A rate with nothing due counts as 100 %.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EvaluationRules {
    pub base: f64,
    pub report_weight: f64,
    pub completion_weight: f64,
    /// Points off per progress report returned (退回) in the period.
    pub returned_report_points: f64,
    /// The card tier whose count leads to supervision letters (督办函).
    pub letter_tier: String,
    /// That many cards of `letter_tier` in a period make one letter.
    pub cards_per_letter: u32,
    pub letter_points: f64,
    /// Each card of this tier brings an interview of the unit head (约谈).
    pub interview_tier: String,
    pub interview_points: f64,
    /// Fields a unit fills in per progress report, for the burden count
    /// (期间、工作进展、下一步举措、完成比例、存在问题、佐证材料).
    pub fields_per_report: u32,
}

impl Default for EvaluationRules {
    /// Base 100 weighted half by on-time reporting, half by on-time
    /// completion; 0.5 off per returned report; two yellow cards make a
    /// supervision letter and 1 point off; each red card 2 points off and
    /// an interview of the unit head.
    fn default() -> Self {
        EvaluationRules {
            base: 100.0,
            report_weight: 0.5,
            completion_weight: 0.5,
            returned_report_points: 0.5,
            letter_tier: "yellow".to_owned(),
            cards_per_letter: 2,
            letter_points: 1.0,
            interview_tier: "red".to_owned(),
            interview_points: 2.0,
            fields_per_report: 6,
        }
    }
}

impl EvaluationRules {
    pub fn from_json(json: &str) -> Result<EvaluationRules, ValueError> {
        let rules: EvaluationRules =
            serde_json::from_str(json).map_err(|e| ValueError::BadEvaluationRules {
                detail: e.to_string(),
            })?;
        rules.validate()?;
        Ok(rules)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn validate(&self) -> Result<(), ValueError> {
        let bad = |detail: &str| {
            Err(ValueError::BadEvaluationRules {
                detail: detail.to_owned(),
            })
        };
        let numbers = [
            self.base,
            self.report_weight,
            self.completion_weight,
            self.returned_report_points,
            self.letter_points,
            self.interview_points,
        ];
        if numbers.iter().any(|n| !n.is_finite() || *n < 0.0) {
            return bad("分值和权重应为非负数");
        }
        if self.report_weight + self.completion_weight <= 0.0 {
            return bad("按时报送率和按时完成率的权重不能都为 0");
        }
        if self.cards_per_letter == 0 {
            return bad("cards_per_letter 至少为 1");
        }
        Ok(())
    }
}

/// What a unit did in a period, as counted by the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitFacts {
    /// Progress reports due by the cycles of the tasks it leads.
    pub reports_due: u64,
    /// Of those, filed within their window.
    pub reports_on_time: u64,
    /// Tasks it leads whose deadline fell in the period.
    pub tasks_due: u64,
    /// Of those, closed (销号) by their deadline.
    pub tasks_on_time: u64,
    /// Its progress reports returned (退回) in the period.
    pub returned_reports: u64,
    /// Cards raised on it in the period, by tier code.
    pub cards: Vec<(String, u64)>,
    /// Reports it filed; several tasks' report filed together counts once.
    pub reports_filed: u64,
}

impl UnitFacts {
    fn cards_of(&self, tier: &str) -> u64 {
        self.cards
            .iter()
            .filter(|(t, _)| t == tier)
            .map(|(_, n)| n)
            .sum()
    }
}

/// A consequence of a unit's cards in a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Consequence {
    /// `supervision_letter` (督办函) or `interview` (约谈).
    pub code: &'static str,
    pub label: &'static str,
    pub count: u64,
    pub points: f64,
}

/// A unit's score and how it came about.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// On-time report rate, percent, one decimal.
    pub report_rate: f64,
    /// On-time completion rate, percent, one decimal.
    pub completion_rate: f64,
    pub score: f64,
    pub consequences: Vec<Consequence>,
    /// Reports and fields asked of the unit in the period (减负).
    pub reports_asked: u64,
    pub fields_asked: u64,
}

fn rate(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part.min(whole) as f64 / whole as f64
    }
}

/// Scores one unit by `rules` (see [`EvaluationRules`]).
pub fn score(facts: &UnitFacts, rules: &EvaluationRules) -> Score {
    let r = rate(facts.reports_on_time, facts.reports_due);
    let c = rate(facts.tasks_on_time, facts.tasks_due);
    let weights = (rules.report_weight + rules.completion_weight).max(f64::MIN_POSITIVE);
    let mut total = rules.base * (rules.report_weight * r + rules.completion_weight * c) / weights;
    total -= rules.returned_report_points * facts.returned_reports as f64;
    let mut consequences = Vec::new();
    let letters = facts.cards_of(&rules.letter_tier) / u64::from(rules.cards_per_letter.max(1));
    if letters > 0 {
        let points = rules.letter_points * letters as f64;
        total -= points;
        consequences.push(Consequence {
            code: "supervision_letter",
            label: "发督办函",
            count: letters,
            points,
        });
    }
    let interviews = facts.cards_of(&rules.interview_tier);
    if interviews > 0 {
        let points = rules.interview_points * interviews as f64;
        total -= points;
        consequences.push(Consequence {
            code: "interview",
            label: "约谈单位主要负责人",
            count: interviews,
            points,
        });
    }
    Score {
        report_rate: round1(r * 100.0),
        completion_rate: round1(c * 100.0),
        score: round1(total.max(0.0)),
        consequences,
        reports_asked: facts.reports_due,
        fields_asked: facts.reports_due * u64::from(rules.fields_per_report),
    }
}

/// Ranks of scores, best first: equal scores share a rank and the next
/// rank skips (1, 2, 2, 4). Returns each input index with its rank, in
/// ranking order; ties keep the input order.
pub fn ranking(scores: &[f64]) -> Vec<(usize, u32)> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]).then(a.cmp(b)));
    let mut out = Vec::with_capacity(order.len());
    let mut rank = 0u32;
    for (pos, i) in order.iter().enumerate() {
        if pos == 0 || scores[*i] != scores[order[pos - 1]] {
            rank = pos as u32 + 1;
        }
        out.push((*i, rank));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn vocabularies_read_codes_and_labels() {
        assert_eq!(FoundBy::parse("督查").unwrap(), FoundBy::Inspection);
        assert_eq!(FoundBy::parse("public").unwrap(), FoundBy::Public);
        assert_eq!(
            RootCause::parse("机制性缺陷").unwrap(),
            RootCause::Mechanism
        );
        let e = RootCause::parse("天灾").unwrap_err();
        assert_eq!(e.code(), "value_bad_choice");
        assert!(e.to_string().contains("执行不力"), "{e}");
        assert_eq!(ProblemStatus::parse("closed").unwrap().label(), "已销号");
    }

    #[test]
    fn traditional_and_simplified_descriptions_match() {
        let s = "部分市县污水处理设施建设滞后，运行管理机制不健全";
        let t = "部分市縣污水處理設施建設滯後，運行管理機制不健全";
        assert_eq!(similarity(s, t), 1.0);
        assert!(similarity(s, "农村公路养护资金不到位") < 0.1);
        // Punctuation, spaces and width do not matter.
        assert_eq!(similarity("ＡＢ 项目，滞后", "ab项目滞后"), 1.0);
        assert_eq!(similarity("", "任何"), 0.0);
        assert_eq!(similarity("水", "水"), 1.0);
    }

    #[test]
    fn similar_problems_are_ranked_above_a_threshold() {
        let candidates = vec![
            (1, "农村公路养护资金不到位".to_owned()),
            (2, "污水處理設施建設滯後".to_owned()),
            (3, "部分县污水处理设施建设滞后，运维机制缺失".to_owned()),
            (4, "项目审批慢".to_owned()),
        ];
        let r = rank_similar(
            "部分市县污水处理设施建设滞后",
            &candidates,
            SUGGEST_THRESHOLD,
            SUGGEST_TOP,
        );
        let ids: Vec<i32> = r.iter().map(|(k, _)| *k).collect();
        assert_eq!(ids, vec![2, 3]);
        assert!(r[0].1 >= r[1].1);
        assert_eq!(rank_similar("x", &candidates, 0.3, 5), vec![]);
        assert_eq!(
            rank_similar("污水处理设施建设滞后", &candidates, 0.0, 1).len(),
            1
        );
    }

    #[test]
    fn numbers_are_read_and_shown_plainly() {
        assert_eq!(parse_number(" 1,200 ").unwrap(), 1200.0);
        assert_eq!(parse_number("12.5").unwrap(), 12.5);
        for bad in ["", "abc", "NaN", "inf", "1e999"] {
            assert_eq!(parse_number(bad).unwrap_err().code(), "value_bad_number");
        }
        assert_eq!(format_number(12.0), "12");
        assert_eq!(format_number(12.50), "12.5");
        assert_eq!(format_number(-0.0), "0");
    }

    #[test]
    fn indicator_progress_is_against_the_year_elapsed() {
        // 2026-07-02 is day 183 of 365: 50.1 % of the year.
        let p = indicator_progress(2026, 200.0, 80.0, day("2026-07-02"));
        assert_eq!(p.reached, 40.0);
        assert_eq!(p.elapsed, 50.1);
        assert_eq!(p.gap, -10.1);
        assert_eq!(
            indicator_progress(2026, 10.0, 0.0, day("2025-12-31")).elapsed,
            0.0
        );
        assert_eq!(
            indicator_progress(2026, 10.0, 12.0, day("2027-03-01")),
            IndicatorProgress {
                reached: 120.0,
                elapsed: 100.0,
                gap: 20.0
            }
        );
        assert_eq!(
            indicator_progress(2026, 0.0, 5.0, day("2026-01-01")).reached,
            0.0
        );
    }

    #[test]
    fn evaluation_periods() {
        let m = EvalPeriod::parse("2026-11").unwrap();
        assert_eq!((m.from, m.to), (day("2026-11-01"), day("2026-11-30")));
        let q = EvalPeriod::parse("2026-Q4").unwrap();
        assert_eq!((q.from, q.to), (day("2026-10-01"), day("2026-12-31")));
        let y = EvalPeriod::parse("2024").unwrap();
        assert_eq!((y.from, y.to), (day("2024-01-01"), day("2024-12-31")));
        let feb = EvalPeriod::parse("2024-02").unwrap();
        assert_eq!(feb.to, day("2024-02-29"));
        for bad in [
            "",
            "2026-13",
            "2026-Q5",
            "26-1",
            "2026-11-01",
            "abc",
            "2026-",
        ] {
            assert_eq!(
                EvalPeriod::parse(bad).unwrap_err().code(),
                "bad_evaluation_period",
                "{bad}"
            );
        }
    }

    #[test]
    fn the_default_formula_as_offices_use_it() {
        let rules = EvaluationRules::default();
        let perfect = score(&UnitFacts::default(), &rules);
        assert_eq!(perfect.score, 100.0);
        assert!(perfect.consequences.is_empty());
        // 3 of 4 reports on time (75 %), 1 of 2 tasks (50 %): 62.5; one
        // returned report −0.5; three yellow cards: one letter −1; a red
        // card: −2 and an interview.
        let facts = UnitFacts {
            reports_due: 4,
            reports_on_time: 3,
            tasks_due: 2,
            tasks_on_time: 1,
            returned_reports: 1,
            cards: vec![("yellow".into(), 3), ("red".into(), 1)],
            reports_filed: 3,
        };
        let s = score(&facts, &rules);
        assert_eq!(s.report_rate, 75.0);
        assert_eq!(s.completion_rate, 50.0);
        assert_eq!(s.score, 59.0);
        assert_eq!(
            s.consequences
                .iter()
                .map(|c| (c.code, c.count))
                .collect::<Vec<_>>(),
            vec![("supervision_letter", 1), ("interview", 1)]
        );
        assert_eq!((s.reports_asked, s.fields_asked), (4, 24));
        // One yellow card is no letter yet.
        let one = UnitFacts {
            cards: vec![("yellow".into(), 1)],
            ..UnitFacts::default()
        };
        assert!(score(&one, &rules).consequences.is_empty());
    }

    #[test]
    fn rules_are_configurable_and_checked() {
        let rules = EvaluationRules::from_json(
            r#"{"letter_tier": "orange", "cards_per_letter": 1, "letter_points": 3}"#,
        )
        .unwrap();
        assert_eq!(rules.base, 100.0);
        let facts = UnitFacts {
            cards: vec![("orange".into(), 2)],
            ..UnitFacts::default()
        };
        assert_eq!(score(&facts, &rules).score, 94.0);
        assert_eq!(
            EvaluationRules::from_json(r#"{"base": -1}"#)
                .unwrap_err()
                .code(),
            "bad_evaluation_rules"
        );
        assert!(EvaluationRules::from_json(r#"{"nope": 1}"#).is_err());
        assert!(EvaluationRules::from_json(r#"{"cards_per_letter": 0}"#).is_err());
        let back = EvaluationRules::from_json(&EvaluationRules::default().to_json()).unwrap();
        assert_eq!(back, EvaluationRules::default());
    }

    #[test]
    fn ranking_shares_ranks_on_ties() {
        assert_eq!(
            ranking(&[90.0, 100.0, 90.0, 80.0]),
            vec![(1, 1), (0, 2), (2, 2), (3, 4)]
        );
        assert_eq!(ranking(&[]), vec![]);
    }
}
