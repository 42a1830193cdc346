//! Time for the targets: a simulated clock that jumps, and dates written the way plex.tv writes
//! them (RFC 3339 in JSON, the IMF-fixdate of HTTP's `Date`), computed here by counting days
//! rather than with the core's formula, so that the two can check each other.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;

/// The simulated clock's origin: the one real clock read, since `Instant` has no other
/// constructor. Targets move time only by [`Jump`]s from here.
pub fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// How far the clock moves in one step: not at all, milliseconds, seconds, or hours (a laptop
/// that slept).
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Jump {
    Still,
    Millis(u16),
    Secs(u16),
    Hours(u8),
}

impl Jump {
    pub fn duration(self) -> Duration {
        match self {
            Self::Still => Duration::ZERO,
            Self::Millis(ms) => Duration::from_millis(ms.into()),
            Self::Secs(s) => Duration::from_secs(s.into()),
            Self::Hours(h) => Duration::from_secs(u64::from(h) * 3600),
        }
    }
}

/// The civil date and time of Unix seconds `unix`: (year, month, day, hour, minute, second).
pub fn civil(unix: i64) -> (i64, i64, i64, i64, i64, i64) {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    // Any 400 years hold 146 097 days; inside one span, count years and then months.
    let mut year = 1970 + 400 * days.div_euclid(146_097);
    let mut rest = days.rem_euclid(146_097);
    while rest >= year_len(year) {
        rest -= year_len(year);
        year += 1;
    }
    let mut month = 1;
    while rest >= month_len(year, month) {
        rest -= month_len(year, month);
        month += 1;
    }
    (year, month, rest + 1, secs / 3600, secs / 60 % 60, secs % 60)
}

pub fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn year_len(year: i64) -> i64 {
    if is_leap(year) { 366 } else { 365 }
}

pub fn month_len(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `2024-07-16T17:18:05Z`.
pub fn rfc3339(unix: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(unix);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `Tue, 16 Jul 2024 17:18:05 GMT`.
pub fn http_date(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d, h, mi, s) = civil(unix);
    let weekday = DAYS[usize::try_from(unix.div_euclid(86_400).rem_euclid(7)).unwrap_or(0)];
    let month = MONTHS[usize::try_from(mo - 1).unwrap_or(0)];
    format!("{weekday}, {d:02} {month} {y:04} {h:02}:{mi:02}:{s:02} GMT")
}
