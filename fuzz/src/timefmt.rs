//! Target `timefmt`: the RFC 3339 and HTTP-date parsers, and the PIN's times built on them. The
//! input is read twice: as text for both parsers, and as an instant (with a fraction of a second
//! and an offset) written in both forms, plus a PIN's dates and an answer's `Date` around it.
//!
//! Asserts, beyond not panicking and linear time:
//! - a parsed time lies within the years 0000 to 9999 (give or take its offset);
//! - an instant written in RFC 3339 (any offset, fraction, `T`, `t` or space) or as an HTTP date
//!   parses back to itself (the dates are written by counting days, not by the core's formula);
//! - [`Pin::lifetime`] is `expiresAt − createdAt` when both are dated and in order, else
//!   `expiresIn`; [`Pin::expires_at_unix`] is `expiresAt`; [`pins::time_left`] is `expiresAt`
//!   less the answer's `Date`, never negative.

use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use plexlink_core::pins::{self, Pin};
use plexlink_core::timefmt::{parse_http_date, parse_rfc3339};
use plexlink_core::{HttpResponse, PinCode};

use crate::{check, clock};

/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
const FIRST: i64 = -62_167_219_200;
const LAST: i64 = 253_402_300_799;

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (rfc, http) = check::linear("the time parsers", text.len(), || {
        (parse_rfc3339(&text), parse_http_date(&text))
    });
    // The offset's two-digit hours and minutes move the time by at most 99:99.
    let offset = 99 * 3600 + 99 * 60;
    if let Some(t) = rfc {
        assert!((FIRST - offset..=LAST + offset).contains(&t), "{text:?} gave {t}");
    }
    if let Some(t) = http {
        assert!((FIRST..=LAST).contains(&t), "{text:?} gave {t}");
    }
    if let Ok(stamp) = Stamp::arbitrary_take_rest(Unstructured::new(data)) {
        stamp.check();
    }
}

#[derive(Arbitrary, Debug)]
struct Stamp {
    /// The local time, folded into the years 0000 to 9999.
    local: u64,
    /// Digits of a fraction of a second (0 to 9 shown).
    fraction: Option<(u8, u32)>,
    /// Minutes east of UTC, folded into ±23:59; `None` writes `Z`.
    offset: Option<i16>,
    separator: Separator,
    lowercase_z: bool,
    /// A PIN's `createdAt`, `expiresAt` and an answer's `Date`, in seconds after `local`.
    created: u16,
    expires: u16,
    date: u16,
    expires_in: Option<u64>,
}

#[derive(Arbitrary, Debug)]
enum Separator {
    Upper,
    Lower,
    Space,
}

impl Stamp {
    fn check(&self) {
        let span = u64::try_from(LAST - FIRST + 1).unwrap_or(1);
        let local = FIRST + i64::try_from(self.local % span).unwrap_or(0);
        let offset = self.offset.map(|m| i64::from(m) % (24 * 60));
        let (y, mo, d, h, mi, s) = clock::civil(local);
        let separator = match self.separator {
            Separator::Upper => 'T',
            Separator::Lower => 't',
            Separator::Space => ' ',
        };
        let mut text = format!("{y:04}-{mo:02}-{d:02}{separator}{h:02}:{mi:02}:{s:02}");
        if let Some((digits, value)) = self.fraction {
            let digits = usize::from(digits % 10).max(1);
            text.push_str(&format!(".{value:0digits$}")[..=digits]);
        }
        match offset {
            None if self.lowercase_z => text.push('z'),
            None => text.push('Z'),
            Some(m) => text.push_str(&format!(
                "{}{:02}:{:02}",
                if m < 0 { '-' } else { '+' },
                m.abs() / 60,
                m.abs() % 60
            )),
        }
        let utc = local - offset.unwrap_or(0) * 60;
        assert_eq!(parse_rfc3339(&text), Some(utc), "{text}");
        let http = clock::http_date(local);
        assert_eq!(parse_http_date(&http), Some(local), "{http}");
        self.check_pin(local);
    }

    fn check_pin(&self, at: i64) {
        let (created, expires, date) = (
            at + i64::from(self.created),
            at + i64::from(self.expires),
            at + i64::from(self.date),
        );
        if expires > LAST || date > LAST || created > LAST {
            return;
        }
        let mut pin = Pin::new(1, PinCode::new("7RQZ"), "id");
        pin.created_at = Some(clock::rfc3339(created));
        pin.expires_at = Some(clock::rfc3339(expires));
        pin.expires_in = self.expires_in;
        let lifetime = if expires > created {
            Some(Duration::from_secs(u64::try_from(expires - created).unwrap_or(0)))
        } else {
            self.expires_in.map(Duration::from_secs)
        };
        assert_eq!(pin.lifetime(), lifetime, "{pin:?}");
        assert_eq!(pin.expires_at_unix(), Some(expires), "{pin:?}");
        let answer: HttpResponse = http::Response::builder()
            .header("date", clock::http_date(date))
            .body(Vec::new())
            .expect("a valid answer");
        let left = Duration::from_secs(u64::try_from(expires - date).unwrap_or(0));
        assert_eq!(pins::time_left(&answer, &pin), Some(left), "{pin:?} at {date}");
    }
}
