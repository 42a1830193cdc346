//! Timestamps as Unix seconds, without a date library: RFC 3339 (`2024-07-16T17:18:05Z`, in
//! plex.tv's JSON) and the HTTP `Date` header (`Tue, 16 Jul 2024 17:18:05 GMT`).

/// Unix seconds of an RFC 3339 timestamp (`Z` or `±hh:mm`, fractional seconds ignored).
///
/// ```
/// use plexlink_core::timefmt::parse_rfc3339;
///
/// assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
/// assert_eq!(parse_rfc3339("2024-07-16T17:18:05Z"), Some(1_721_150_285));
/// assert_eq!(parse_rfc3339("yesterday"), None);
/// ```
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let text = text.trim();
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(range)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let ob = rest.as_bytes();
            if ob.len() != 6 || ob[3] != b':' {
                return None;
            }
            let sign = match ob[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            // Digits only (parse alone takes `+1`), and an offset a clock can have.
            let at = text.len() - rest.len();
            let (h, m) = (num(at + 1..at + 3)?, num(at + 4..at + 6)?);
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Unix seconds of an HTTP date in the form every server must send (RFC 9110's IMF-fixdate:
/// `Tue, 16 Jul 2024 17:18:05 GMT`). The weekday is not checked; the obsolete forms are refused.
///
/// ```
/// use plexlink_core::timefmt::parse_http_date;
///
/// assert_eq!(parse_http_date("Tue, 16 Jul 2024 17:18:05 GMT"), Some(1_721_150_285));
/// assert_eq!(parse_http_date("Tuesday, 16-Jul-24 17:18:05 GMT"), None);
/// ```
pub fn parse_http_date(text: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let text = text.trim();
    let b = text.as_bytes();
    if b.len() != 29 || b[3] != b',' || b[4] != b' ' || b[7] != b' ' || b[11] != b' ' || b[16] != b' ' {
        return None;
    }
    if b[19] != b':' || b[22] != b':' || text.get(25..)? != " GMT" {
        return None;
    }
    let month = MONTHS.iter().position(|m| text.get(8..11) == Some(m))?;
    let month = i64::try_from(month).ok()? + 1;
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(range)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
    };
    let (day, year) = (num(5..7)?, num(12..16)?);
    let (hour, minute, second) = (num(17..19)?, num(20..22)?, num(23..25)?);
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_fractions() {
        assert_eq!(parse_rfc3339("2024-07-16T17:03:05Z"), Some(1_721_149_385));
        assert_eq!(parse_rfc3339("2024-07-16T19:03:05+02:00"), Some(1_721_149_385));
        assert_eq!(parse_rfc3339("2024-07-16T17:03:05.123456Z"), Some(1_721_149_385));
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(parse_rfc3339("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2024-07-16T17:03:05"), None);
        assert_eq!(parse_rfc3339("2024-07-16T17:03:05+0200"), None);
        assert_eq!(parse_rfc3339("２０２4-07-16T17:03:05Z"), None);
    }

    #[test]
    fn offsets_no_clock_has_are_refused() {
        assert_eq!(parse_rfc3339("2024-07-16T17:03:05+99:99"), None);
        assert_eq!(parse_rfc3339("2024-07-16T17:03:05+24:00"), None);
        assert_eq!(parse_rfc3339("2024-07-16T17:03:05-00:60"), None);
        assert_eq!(parse_rfc3339("2024-07-16T17:03:05++1:00"), None);
        assert_eq!(parse_rfc3339("2024-07-16T17:03:05+01:+1"), None);
        assert_eq!(parse_rfc3339("2024-07-16T12:33:05-04:30"), Some(1_721_149_385));
    }

    #[test]
    fn http_dates() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date(" Tue, 16 Jul 2024 17:18:05 GMT "), Some(1_721_150_285));
        assert_eq!(parse_http_date("Tue, 16 Jul 2024 17:18:05 UTC"), None);
        assert_eq!(parse_http_date("Tue, 16 Xyz 2024 17:18:05 GMT"), None);
        assert_eq!(parse_http_date("Tue, 32 Jul 2024 17:18:05 GMT"), None);
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), None);
        assert_eq!(parse_http_date("Tue, 16 Jul 2024 17:18:0५ GMT"), None);
        assert_eq!(parse_http_date(""), None);
    }
}
