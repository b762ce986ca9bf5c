//! Validated values: names, texts, dates, timestamps, percentages, ids.
//!
//! Every constructor checks its input, so a value of these types is valid by
//! construction; nothing downstream re-checks. Errors are [`ValueError`]s with
//! a Chinese message and a stable English code.

use std::fmt;

use crate::error::ValueError;

/// Text that a person typed: trimmed, not empty, no control characters
/// except line breaks and tabs (when `multiline`), at most `max` characters.
pub(crate) fn clean(
    field: &'static str,
    input: &str,
    max: usize,
    multiline: bool,
) -> Result<String, ValueError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(ValueError::Empty { field });
    }
    let bad = |c: char| {
        if multiline {
            c.is_control() && c != '\n' && c != '\t' && c != '\r'
        } else {
            c.is_control()
        }
    };
    if text.chars().any(bad) {
        return Err(ValueError::ControlCharacter { field });
    }
    if text.chars().count() > max {
        return Err(ValueError::TooLong { field, max });
    }
    Ok(text.to_owned())
}

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr, $multiline:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Longest accepted value, in characters.
            pub const MAX_CHARS: usize = $max;

            /// Trims `input` and checks it; see the type's documentation.
            pub fn parse(input: &str) -> Result<Self, ValueError> {
                clean($field, input, $max, $multiline).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

text_newtype!(
    /// The name of an organisation unit (单位), unique in a ledger: one line,
    /// at most 64 characters.
    UnitName, "单位名称", 64, false
);
text_newtype!(
    /// The file name a document came from: one line, at most 255 characters.
    DocumentName, "文件名", 255, false
);
text_newtype!(
    /// A person as the ledger knows them: a name, one line, at most 32
    /// characters. Used for actors in the audit trail and responsible persons.
    PersonName, "人员姓名", 32, false
);
text_newtype!(
    /// A reporting period as the unit labels it (2026年11月, 第47周, 2026Q4):
    /// one line, at most 32 characters.
    Period, "反馈周期", 32, false
);
text_newtype!(
    /// Free text that a person wrote (progress, next steps, problems,
    /// evidence, reasons): not empty, at most 10,000 characters, line breaks
    /// allowed.
    Text, "文字内容", 10_000, true
);

impl PersonName {
    /// A name the code itself vouches for (a login, a constant): cut to
    /// the maximum length instead of being checked.
    pub(crate) fn trusted(name: &str) -> PersonName {
        PersonName(name.chars().take(Self::MAX_CHARS).collect())
    }
}

/// A calendar day, `YYYY-MM-DD`, years 1900 to 9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

impl Date {
    /// 1970-01-01.
    pub const UNIX_EPOCH: Date = Date {
        year: 1970,
        month: 1,
        day: 1,
    };

    /// Builds a date from its parts, checking that the day exists.
    pub fn from_ymd(year: i64, month: i64, day: i64) -> Option<Date> {
        if !(1900..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        let month = u8::try_from(month).ok()?;
        if day < 1 || day > i64::from(days_in_month(year, month)) {
            return None;
        }
        Some(Date {
            year: u16::try_from(year).ok()?,
            month,
            day: u8::try_from(day).ok()?,
        })
    }

    /// Parses exactly `YYYY-MM-DD` (ASCII digits, a real day).
    pub fn parse(input: &str) -> Result<Date, ValueError> {
        let bad = || ValueError::BadDate {
            input: input.chars().take(40).collect(),
        };
        let b = input.trim().as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let s = &b[r];
            if !s.iter().all(u8::is_ascii_digit) {
                return None;
            }
            std::str::from_utf8(s).ok()?.parse().ok()
        };
        let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
            return Err(bad());
        };
        Date::from_ymd(y, m, d).ok_or_else(bad)
    }

    pub fn year(self) -> i64 {
        i64::from(self.year)
    }

    pub fn month(self) -> i64 {
        i64::from(self.month)
    }

    pub fn day(self) -> i64 {
        i64::from(self.day)
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub fn days_since_epoch(self) -> i64 {
        let m = self.month();
        let y = self.year() - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + self.day() - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The day `days` after 1970-01-01; `None` outside years 1900–9999.
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        Date::from_ymd(y, m, d)
    }

    /// The date `n` days later (earlier for negative `n`).
    pub fn add_days(self, n: i64) -> Option<Date> {
        Date::from_days_since_epoch(self.days_since_epoch() + n)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// An instant, as milliseconds since 1970-01-01T00:00:00Z. Stored as an
/// integer on both engines; shown as ISO-8601 in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn from_millis(ms: i64) -> Timestamp {
        Timestamp(ms)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// The calendar day at this instant in a zone `offset_minutes` east of
    /// UTC (480 for China Standard Time).
    pub fn date_at_offset(self, offset_minutes: i64) -> Option<Date> {
        let local = self.0 + offset_minutes * 60_000;
        Date::from_days_since_epoch(local.div_euclid(86_400_000))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400_000);
        let ms = self.0.rem_euclid(86_400_000);
        let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        match Date::from_days_since_epoch(days) {
            Some(d) => write!(f, "{d}T{h:02}:{m:02}:{s:02}.{milli:03}Z"),
            None => write!(f, "@{}ms", self.0),
        }
    }
}

/// A share of work done, 0 to 100 percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Percent(u8);

impl Percent {
    pub fn new(value: i64) -> Result<Percent, ValueError> {
        u8::try_from(value)
            .ok()
            .filter(|v| *v <= 100)
            .map(Percent)
            .ok_or(ValueError::PercentOutOfRange { value })
    }

    pub fn value(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0)
    }
}

/// The optimistic-concurrency version of a record: 1 when created, one
/// more with every change. A write names the version it read; a stale one
/// is a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version(pub i64);

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

macro_rules! id_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl $name {
            /// Reads an id as a person types it (`12`).
            pub fn parse(input: &str) -> Result<Self, ValueError> {
                input
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .map(Self)
                    .ok_or_else(|| ValueError::BadId {
                        input: input.chars().take(40).collect(),
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_newtype!(
    /// Identifies a stored document.
    DocumentId
);
id_newtype!(
    /// Identifies a meeting.
    MeetingId
);
id_newtype!(
    /// Identifies a warning card (预警).
    CardId
);
id_newtype!(
    /// Identifies a task's reporting cycle.
    CycleId
);
id_newtype!(
    /// Identifies a task (a node of a task tree).
    TaskId
);
id_newtype!(
    /// Identifies a unit.
    UnitId
);
id_newtype!(
    /// Identifies a progress report.
    ReportId
);
id_newtype!(
    /// Identifies an audit event; ids grow by one along the chain.
    EventId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(
            UnitName::parse("  省发展改革委 ").unwrap().as_str(),
            "省发展改革委"
        );
        assert_eq!(UnitName::parse("   ").unwrap_err().code(), "value_empty");
        assert_eq!(
            UnitName::parse("a\u{7}b").unwrap_err().code(),
            "value_control_character"
        );
        assert_eq!(
            UnitName::parse(&"单".repeat(65)).unwrap_err().code(),
            "value_too_long"
        );
        assert!(Text::parse("第一行\n第二行").is_ok());
        assert!(Period::parse("第一行\n第二行").is_err());
    }

    #[test]
    fn dates_are_real_days() {
        assert_eq!(Date::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "24-01-01",
            "2024/01/01",
            "",
            "２０２４-01-01",
            "1899-12-31",
        ] {
            assert_eq!(
                Date::parse(bad).unwrap_err().code(),
                "value_bad_date",
                "{bad}"
            );
        }
    }

    #[test]
    fn days_round_trip() {
        let epoch = Date::parse("1970-01-01").unwrap();
        assert_eq!(epoch.days_since_epoch(), 0);
        let d = Date::parse("2026-11-28").unwrap();
        assert_eq!(Date::from_days_since_epoch(d.days_since_epoch()), Some(d));
        assert_eq!(d.add_days(3).unwrap().to_string(), "2026-12-01");
        assert_eq!(
            Date::parse("2000-03-01")
                .unwrap()
                .add_days(-1)
                .unwrap()
                .to_string(),
            "2000-02-29"
        );
    }

    #[test]
    fn timestamps_show_as_iso_and_give_local_dates() {
        let t = Timestamp::from_millis(1_764_288_000_123); // 2025-11-28T00:00:00.123Z
        assert_eq!(t.to_string(), "2025-11-28T00:00:00.123Z");
        let late = Timestamp::from_millis(1_764_288_000_000 - 3_600_000); // 23:00 UTC the day before
        assert_eq!(late.date_at_offset(0).unwrap().to_string(), "2025-11-27");
        assert_eq!(late.date_at_offset(480).unwrap().to_string(), "2025-11-28");
    }

    #[test]
    fn percent_and_ids() {
        assert_eq!(Percent::new(100).unwrap().value(), 100);
        assert_eq!(
            Percent::new(101).unwrap_err().code(),
            "value_percent_out_of_range"
        );
        assert_eq!(
            Percent::new(-1).unwrap_err().code(),
            "value_percent_out_of_range"
        );
        assert_eq!(TaskId::parse(" 12 ").unwrap(), TaskId(12));
        assert_eq!(TaskId::parse("t1").unwrap_err().code(), "value_bad_id");
        assert_eq!(TaskId::parse("0").unwrap_err().code(), "value_bad_id");
    }
}
