//! Time limits named in a task (年底前, 6月底前, 一季度, 到2027年), as written
//! and as the last day they allow.

use std::sync::LazyLock;

use regex::Regex;

use crate::dates::{days_in_month, number};
use crate::model::Due;

const NUM: &str = r"[0-9]{1,2}|[一二三四五六七八九十]{1,3}";

static MONTH: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:([0-9]{{4}})年|(今年|明年))?({NUM})月份?(?:(底|末|上旬|中旬|下旬)(?:前|之前|以前)?|({NUM})日(?:前|之前|以前)|(?:前|之前|以前))"
    ))
    .ok()
});
static YEAR_END: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?:([0-9]{4})年|(今年|明年))?(?:年底|年末|年内|底)(?:前|之前|以前)?").ok()
});
static HALF: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?:([0-9]{4})年|(今年|明年))?(上|下)半年").ok());
static QUARTER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?:([0-9]{4})年|(今年|明年))?第?([一二三四1-4])季度(?:末|底|前|内)?").ok()
});
static BY_YEAR: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?:到|至|于|在|力争|确保)([0-9]{4})年(?:底|末)?(?:前|之前)?|([0-9]{4})年(?:底|末)?(?:前|之前|以前)").ok()
});

fn year_of(
    explicit: Option<regex::Match>,
    relative: Option<regex::Match>,
    base: Option<i32>,
) -> Option<i32> {
    if let Some(y) = explicit.and_then(|m| m.as_str().parse().ok()) {
        return Some(y);
    }
    match relative.map(|m| m.as_str()) {
        Some("明年") => base.map(|y| y + 1),
        _ => base,
    }
}

fn ymd(year: Option<i32>, m: u32, d: u32) -> String {
    match year {
        Some(y) => format!("{y:04}-{m:02}-{d:02}"),
        None => format!("--{m:02}-{d:02}"),
    }
}

/// Finds the first time limit in `text` (Simplified). `year` is the year
/// the document speaks from (the meeting's), when known; `display` gives
/// the original words.
pub fn find(text: &str, display: &str, year: Option<i32>) -> Option<Due> {
    let mut best: Option<(usize, usize, Option<String>, Option<&'static str>)> = None;
    let mut offer =
        |start: usize, end: usize, date: Option<String>, period: Option<&'static str>| {
            if best.as_ref().is_none_or(|b| start < b.0) {
                best = Some((start, end, date, period));
            }
        };
    if let Some(re) = MONTH.as_ref().filter(|_| text.contains('月')) {
        for c in re.captures_iter(text) {
            let (Some(all), Some(m)) = (c.get(0), c.get(3).and_then(|m| number(m.as_str()))) else {
                continue;
            };
            if !(1..=12).contains(&m) {
                continue;
            }
            let y = year_of(c.get(1), c.get(2), year);
            let last = days_in_month(y, m);
            let d = match (
                c.get(4).map(|x| x.as_str()),
                c.get(5).and_then(|x| number(x.as_str())),
            ) {
                (Some("上旬"), _) => 10,
                (Some("中旬"), _) => 20,
                (_, Some(d)) if (1..=last).contains(&d) => d,
                _ => last,
            };
            offer(all.start(), all.end(), Some(ymd(y, m, d)), None);
        }
    }
    if let Some(re) = YEAR_END.as_ref().filter(|_| {
        ["年底", "年末", "年内", "年底"]
            .iter()
            .any(|w| text.contains(w))
    }) {
        for c in re.captures_iter(text) {
            let Some(all) = c.get(0) else { continue };
            // A bare 底 needs a year in front of it (2025年底).
            if all.as_str().starts_with('底') {
                continue;
            }
            let y = year_of(c.get(1), c.get(2), year);
            offer(all.start(), all.end(), Some(ymd(y, 12, 31)), Some("year"));
        }
    }
    if let Some(re) = HALF.as_ref().filter(|_| text.contains("半年")) {
        for c in re.captures_iter(text) {
            let Some(all) = c.get(0) else { continue };
            let y = year_of(c.get(1), c.get(2), year);
            let first = c.get(3).is_some_and(|h| h.as_str() == "上");
            let (m, d, p) = if first { (6, 30, "H1") } else { (12, 31, "H2") };
            offer(all.start(), all.end(), Some(ymd(y, m, d)), Some(p));
        }
    }
    if let Some(re) = QUARTER.as_ref().filter(|_| text.contains("季度")) {
        for c in re.captures_iter(text) {
            let Some(all) = c.get(0) else { continue };
            let q = match c.get(3).map(|x| x.as_str()) {
                Some("一" | "1") => 1,
                Some("二" | "2") => 2,
                Some("三" | "3") => 3,
                _ => 4,
            };
            let y = year_of(c.get(1), c.get(2), year);
            let m = q * 3;
            let p = ["Q1", "Q2", "Q3", "Q4"][(q - 1) as usize];
            offer(
                all.start(),
                all.end(),
                Some(ymd(y, m, days_in_month(y, m))),
                Some(p),
            );
        }
    }
    if let Some(re) = BY_YEAR.as_ref().filter(|_| {
        text.as_bytes()
            .windows(4)
            .any(|w| w[0].is_ascii_digit() && w[1..] == *"年".as_bytes())
    }) {
        for c in re.captures_iter(text) {
            let Some(all) = c.get(0) else { continue };
            let y: Option<i32> = c.get(1).or(c.get(2)).and_then(|m| m.as_str().parse().ok());
            if let Some(y) = y {
                offer(
                    all.start(),
                    all.end(),
                    Some(format!("{y:04}-12-31")),
                    Some("year"),
                );
            }
        }
    }
    let (start, end, date, period) = best?;
    // The simplified and display strings hold the same characters one for
    // one; map the byte range through character counts.
    let cs = text[..start].chars().count();
    let ce = cs + text[start..end].chars().count();
    let words: String = display.chars().skip(cs).take(ce - cs).collect();
    Some(Due {
        text: words,
        date,
        period,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn due(s: &str, y: Option<i32>) -> Option<(String, Option<String>, Option<&'static str>)> {
        find(s, s, y).map(|d| (d.text, d.date, d.period))
    }

    #[test]
    fn limits() {
        assert_eq!(
            due("要在年底前完成", Some(2024)),
            Some(("年底前".into(), Some("2024-12-31".into()), Some("year")))
        );
        assert_eq!(
            due("6月底前完成整改", None),
            Some(("6月底前".into(), Some("--06-30".into()), None))
        );
        assert_eq!(
            due("一季度完成", Some(2025)),
            Some(("一季度".into(), Some("2025-03-31".into()), Some("Q1")))
        );
        assert_eq!(
            due("到2027年基本建成", None),
            Some(("到2027年".into(), Some("2027-12-31".into()), Some("year")))
        );
        assert_eq!(
            due("2025年底前全面完成", None),
            Some(("2025年底前".into(), Some("2025-12-31".into()), Some("year")))
        );
        assert_eq!(
            due("十月十五日前报送", Some(2024)),
            Some(("十月十五日前".into(), Some("2024-10-15".into()), None))
        );
        assert_eq!(
            due("明年上半年", Some(2024)),
            Some(("明年上半年".into(), Some("2025-06-30".into()), Some("H1")))
        );
        assert_eq!(due("要加强领导，确保落实", None), None);
        assert_eq!(due("2023年取得成效", None), None);
    }
}
