//! Time limits named in a task (年底前, 6月底前, 一季度, 到2027年), as written
//! and as the last day they allow.
//!
//! A scanner over the Simplified view: it looks for the few characters a
//! time limit turns on (月, 年, 季度, 半年) and reads the words around them.

use crate::chars::starts_with;
use crate::dates::{days_in_month, number};
use crate::model::Due;

/// A limit found: where its words start and end, its last day and period.
struct Found {
    start: usize,
    end: usize,
    /// (year if known, month, day)
    day: (Option<i32>, u32, u32),
    period: Option<&'static str>,
}

fn is_numeral(c: char) -> bool {
    c.is_ascii_digit()
        || matches!(
            c,
            '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十'
        )
}

/// The numeral (at most `max` characters) ending just before `end`.
fn numeral_before(c: &[char], end: usize, max: usize) -> Option<(usize, u32)> {
    let mut start = end;
    while start > 0 && end - start < max && is_numeral(c[start - 1]) {
        start -= 1;
    }
    (start < end).then_some(())?;
    let digits = c[start].is_ascii_digit();
    if c[start..end].iter().any(|d| d.is_ascii_digit() != digits) {
        return None;
    }
    number(&crate::chars::collect(&c[start..end])).map(|v| (start, v))
}

/// The numeral (at most `max` characters) starting at `start`.
fn numeral_after(c: &[char], start: usize, max: usize) -> Option<(usize, u32)> {
    let mut end = start;
    while end < c.len() && end - start < max && is_numeral(c[end]) {
        end += 1;
    }
    (start < end).then_some(())?;
    number(&crate::chars::collect(&c[start..end])).map(|v| (end, v))
}

/// A year written in front of `end`: 2025年 (end at 年) or 今年 / 明年.
/// Returns where the year words start and the year, resolved from `base`.
fn year_before(c: &[char], end: usize, base: Option<i32>) -> Option<(usize, Option<i32>)> {
    if end >= 1 && c[end - 1] == '年' {
        let y_end = end - 1;
        if y_end >= 4 && c[y_end - 4..y_end].iter().all(char::is_ascii_digit) {
            let y = c[y_end - 4..y_end]
                .iter()
                .fold(0, |v, d| v * 10 + d.to_digit(10).unwrap_or(0));
            return Some((y_end - 4, Some(y as i32)));
        }
        if y_end >= 1 && matches!(c[y_end - 1], '今' | '本') {
            return Some((y_end - 1, base));
        }
        if y_end >= 1 && c[y_end - 1] == '明' {
            return Some((y_end - 1, base.map(|y| y + 1)));
        }
    }
    None
}

/// Skips 前 / 之前 / 以前 at `k`.
fn before_words(c: &[char], k: usize) -> Option<usize> {
    ["之前", "以前", "前"]
        .iter()
        .find(|w| starts_with(&c[k.min(c.len())..], w))
        .map(|w| k + w.chars().count())
}

fn four_digit_year(c: &[char], end: usize) -> Option<(usize, i32)> {
    (end >= 4 && c[end - 4..end].iter().all(char::is_ascii_digit)).then(|| {
        (
            end - 4,
            c[end - 4..end]
                .iter()
                .fold(0, |v, d| v * 10 + d.to_digit(10).unwrap_or(0)) as i32,
        )
    })
}

fn scan(c: &[char], year: Option<i32>) -> Option<Found> {
    let mut best: Option<Found> = None;
    let mut offer = |f: Found| {
        if best.as_ref().is_none_or(|b| f.start < b.start) {
            best = Some(f);
        }
    };
    for k in 0..c.len() {
        match c[k] {
            // 6月底前, 10月15日前, 三月上旬, 9月前
            '月' => {
                let Some((m_start, m)) = numeral_before(c, k, 3) else {
                    continue;
                };
                if !(1..=12).contains(&m) {
                    continue;
                }
                let (start, y) = year_before(c, m_start, year).unwrap_or((m_start, year));
                let mut j = k + 1;
                if c.get(j) == Some(&'份') {
                    j += 1;
                }
                let last = days_in_month(y, m);
                let rest = &c[j.min(c.len())..];
                let (d, end) = if matches!(rest.first(), Some('底' | '末')) {
                    (last, before_words(c, j + 1).unwrap_or(j + 1))
                } else if let Some((w, d)) = [("上旬", 10), ("中旬", 20), ("下旬", last)]
                    .iter()
                    .find(|(w, _)| starts_with(rest, w))
                {
                    (*d, before_words(c, j + w.chars().count()).unwrap_or(j + 2))
                } else if let Some((e, d)) =
                    numeral_after(c, j, 3).filter(|&(e, _)| c.get(e) == Some(&'日'))
                {
                    let Some(end) = before_words(c, e + 1) else {
                        continue;
                    };
                    if !(1..=last).contains(&d) {
                        continue;
                    }
                    (d, end)
                } else if let Some(end) = before_words(c, j) {
                    (last, end)
                } else {
                    continue;
                };
                offer(Found {
                    start,
                    end,
                    day: (y, m, d),
                    period: None,
                });
            }
            // 年底前, 2025年底, 年内, 今年底
            '年' if matches!(c.get(k + 1), Some('底' | '末' | '内')) => {
                let (start, y) = year_before(c, k + 1, year).unwrap_or((k, year));
                let end = before_words(c, k + 2).unwrap_or(k + 2);
                offer(Found {
                    start,
                    end,
                    day: (y, 12, 31),
                    period: Some("year"),
                });
            }
            // 上半年 / 下半年
            '半' if c.get(k + 1) == Some(&'年') && k > 0 && matches!(c[k - 1], '上' | '下') => {
                let (start, y) = year_before(c, k - 1, year).unwrap_or((k - 1, year));
                let first = c[k - 1] == '上';
                let (m, d, p) = if first { (6, 30, "H1") } else { (12, 31, "H2") };
                offer(Found {
                    start,
                    end: k + 2,
                    day: (y, m, d),
                    period: Some(p),
                });
            }
            // 一季度 / 第三季度末
            '季' if c.get(k + 1) == Some(&'度') && k > 0 => {
                let q = match c[k - 1] {
                    '一' | '1' => 1,
                    '二' | '2' => 2,
                    '三' | '3' => 3,
                    '四' | '4' => 4,
                    _ => continue,
                };
                let mut start = k - 1;
                if start > 0 && c[start - 1] == '第' {
                    start -= 1;
                }
                let (start, y) = year_before(c, start, year).unwrap_or((start, year));
                let mut end = k + 2;
                if matches!(c.get(end), Some('末' | '底' | '前' | '内')) {
                    end += 1;
                }
                let m = q * 3;
                let p = ["Q1", "Q2", "Q3", "Q4"][(q - 1) as usize];
                offer(Found {
                    start,
                    end,
                    day: (y, m, days_in_month(y, m)),
                    period: Some(p),
                });
            }
            // 到2027年 / 2026年前
            '年' => {
                let Some((y_start, y)) = four_digit_year(c, k) else {
                    continue;
                };
                let lead = ["到", "至", "于", "在", "力争", "确保"]
                    .iter()
                    .find(|w| {
                        y_start >= w.chars().count()
                            && starts_with(&c[y_start - w.chars().count()..], w)
                    })
                    .map(|w| y_start - w.chars().count());
                let mut end = k + 1;
                if matches!(c.get(end), Some('底' | '末')) {
                    end += 1;
                }
                let closing = before_words(c, end);
                if lead.is_none() && closing.is_none() {
                    continue;
                }
                let start = lead.unwrap_or(y_start);
                offer(Found {
                    start,
                    end: closing.unwrap_or(end),
                    day: (Some(y), 12, 31),
                    period: Some("year"),
                });
            }
            _ => {}
        }
    }
    best
}

/// Finds the first time limit in `simp` (the Simplified view of a task).
/// `year` is the year the document speaks from (the meeting's), when known;
/// `display` (aligned with `simp`) gives the original words.
pub fn find(simp: &[char], display: &[char], year: Option<i32>) -> Option<Due> {
    // Most tasks name no time: skip them with one tight loop.
    if !simp.iter().any(|&c| matches!(c, '月' | '年' | '半' | '季')) {
        return None;
    }
    let f = scan(simp, year)?;
    let (y, m, d) = f.day;
    let date = match y {
        Some(y) => format!("{y:04}-{m:02}-{d:02}"),
        None => format!("--{m:02}-{d:02}"),
    };
    let words = crate::chars::collect(&display[f.start..f.end.min(display.len())]);
    Some(Due {
        text: words,
        date: Some(date),
        period: f.period,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn due(s: &str, y: Option<i32>) -> Option<(String, Option<String>, Option<&'static str>)> {
        let c: Vec<char> = s.chars().collect();
        find(&c, &c, y).map(|d| (d.text, d.date, d.period))
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
        assert_eq!(
            due("今年底前建成", Some(2024)),
            Some(("今年底前".into(), Some("2024-12-31".into()), Some("year")))
        );
        assert_eq!(
            due("第三季度末完成", None),
            Some(("第三季度末".into(), Some("--09-30".into()), Some("Q3")))
        );
        assert_eq!(
            due("3月上旬启动", Some(2025)),
            Some(("3月上旬".into(), Some("2025-03-10".into()), None))
        );
        assert_eq!(
            due("2026年前完成", None),
            Some(("2026年前".into(), Some("2026-12-31".into()), Some("year")))
        );
        assert_eq!(
            due("9月份前报送", None),
            Some(("9月份前".into(), Some("--09-30".into()), None))
        );
        assert_eq!(
            due("2月底前", None),
            Some(("2月底前".into(), Some("--02-29".into()), None))
        );
        assert_eq!(due("全年目标，党内监督，以前的经验", None), None);
        assert_eq!(due("要加强领导，确保落实", None), None);
        assert_eq!(due("2023年取得成效", None), None);
    }
}
