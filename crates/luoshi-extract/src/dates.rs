//! Calendar dates as communiqués write them: numerals in either form,
//! partial dates, and the little arithmetic that resolving 昨天 needs.

/// A date of which any part may be unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PartialDate {
    pub year: Option<i32>,
    pub month: Option<u32>,
    pub day: Option<u32>,
}

impl PartialDate {
    pub fn full(year: i32, month: u32, day: u32) -> Option<Self> {
        valid(year, month, day).then_some(Self {
            year: Some(year),
            month: Some(month),
            day: Some(day),
        })
    }

    /// `YYYY-MM-DD`, `--MM-DD`, `---DD`, or `YYYY-MM` / `YYYY` when the day
    /// or month is unknown.
    pub fn render(&self) -> Option<String> {
        Some(match (self.year, self.month, self.day) {
            (Some(y), Some(m), Some(d)) => format!("{y:04}-{m:02}-{d:02}"),
            (None, Some(m), Some(d)) => format!("--{m:02}-{d:02}"),
            (None, None, Some(d)) => format!("---{d:02}"),
            (Some(y), Some(m), None) => format!("{y:04}-{m:02}"),
            (Some(y), None, None) => format!("{y:04}"),
            _ => return None,
        })
    }
}

/// Parses Arabic or Chinese numerals: 12, 十二, 二十八, 二〇二四, 两.
pub fn number(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    if s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().ok();
    }
    let digit = |c: char| -> Option<u32> {
        Some(match c {
            '〇' | '零' | 'О' => 0,
            '一' => 1,
            '二' | '两' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    };
    if !s.contains('十') {
        // Positional: 二〇二四.
        return s
            .chars()
            .try_fold(0u32, |acc, c| Some(acc * 10 + digit(c)?));
    }
    let (tens, ones) = s.split_once('十')?;
    let t = if tens.is_empty() {
        1
    } else {
        digit(tens.chars().next()?)?
    };
    let o = if ones.is_empty() {
        0
    } else {
        digit(ones.chars().next()?)?
    };
    Some(t * 10 + o)
}

pub fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(year: Option<i32>, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => match year {
            Some(y) if is_leap(y) => 29,
            Some(_) => 28,
            // Unknown year: the 29th is a real day in some years.
            None => 29,
        },
        _ => 0,
    }
}

pub fn valid(y: i32, m: u32, d: u32) -> bool {
    (1900..=2200).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(Some(y), m)
}

/// Days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

/// The full date `delta` days after (or before) `(y, m, d)`.
pub fn add_days(y: i32, m: u32, d: u32, delta: i64) -> (i32, u32, u32) {
    civil_from_days(days_from_civil(y, m, d) + delta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals() {
        assert_eq!(number("12"), Some(12));
        assert_eq!(number("十二"), Some(12));
        assert_eq!(number("二十八"), Some(28));
        assert_eq!(number("十"), Some(10));
        assert_eq!(number("三十"), Some(30));
        assert_eq!(number("二〇二四"), Some(2024));
        assert_eq!(number("x"), None);
        assert_eq!(number(""), None);
    }

    #[test]
    fn arithmetic() {
        assert_eq!(add_days(2023, 3, 1, -1), (2023, 2, 28));
        assert_eq!(add_days(2024, 3, 1, -1), (2024, 2, 29));
        assert_eq!(add_days(2024, 1, 1, -2), (2023, 12, 30));
        assert_eq!(add_days(2024, 12, 31, 1), (2025, 1, 1));
    }

    #[test]
    fn rendering() {
        let p = |y, m, d| {
            PartialDate {
                year: y,
                month: m,
                day: d,
            }
            .render()
        };
        assert_eq!(p(Some(2024), Some(7), Some(2)), Some("2024-07-02".into()));
        assert_eq!(p(None, Some(7), Some(12)), Some("--07-12".into()));
        assert_eq!(p(None, None, Some(5)), Some("---05".into()));
        assert_eq!(p(None, None, None), None);
        assert!(PartialDate::full(2023, 2, 29).is_none());
    }
}
