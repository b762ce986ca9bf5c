//! Where the ledger gets the time from.
//!
//! The library never reads the system clock on its own: the store is given a
//! [`Clock`] when it is opened (the binary passes [`SystemClock`], tests a
//! [`ManualClock`]), and questions that depend on the day ("overdue?") take
//! the day as a parameter.

use std::sync::atomic::{AtomicI64, Ordering};

use crate::value::{Date, Timestamp};

/// China Standard Time, UTC+08:00, in minutes east of UTC.
pub const CHINA_OFFSET_MINUTES: i64 = 8 * 60;

/// A source of the current instant and the current calendar day.
pub trait Clock: Send + Sync {
    /// The current instant (written into audit events and records).
    fn now(&self) -> Timestamp;
    /// The calendar day at [`Clock::now`] where the ledger is used.
    fn today(&self) -> Date;
}

/// The operating system's clock, with days counted in a fixed UTC offset
/// (China Standard Time unless told otherwise).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    pub offset_minutes: i64,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock {
            offset_minutes: CHINA_OFFSET_MINUTES,
        }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp::from_millis(ms)
    }

    fn today(&self) -> Date {
        day_of(self.now(), self.offset_minutes)
    }
}

/// A clock that stands still until told to move: for tests and replays.
#[derive(Debug)]
pub struct ManualClock {
    millis: AtomicI64,
    offset_minutes: i64,
}

impl ManualClock {
    /// A clock at noon (China Standard Time) of `day`.
    pub fn at_noon(day: Date) -> ManualClock {
        let millis =
            day.days_since_epoch() * 86_400_000 + (12 * 60 - CHINA_OFFSET_MINUTES) * 60_000;
        ManualClock {
            millis: AtomicI64::new(millis),
            offset_minutes: CHINA_OFFSET_MINUTES,
        }
    }

    /// Moves the clock forward by `ms` milliseconds.
    pub fn advance_millis(&self, ms: i64) {
        self.millis.fetch_add(ms, Ordering::SeqCst);
    }

    /// Moves the clock forward by whole days.
    pub fn advance_days(&self, days: i64) {
        self.advance_millis(days * 86_400_000);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.millis.load(Ordering::SeqCst))
    }

    fn today(&self) -> Date {
        day_of(self.now(), self.offset_minutes)
    }
}

fn day_of(t: Timestamp, offset_minutes: i64) -> Date {
    // Only outside years 1900–9999, i.e. with a broken system clock.
    t.date_at_offset(offset_minutes).unwrap_or(Date::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let day = Date::parse("2026-11-28").unwrap();
        let clock = ManualClock::at_noon(day);
        assert_eq!(clock.today(), day);
        assert_eq!(clock.now().to_string(), "2026-11-28T04:00:00.000Z");
        clock.advance_days(3);
        assert_eq!(clock.today().to_string(), "2026-12-01");
    }
}
