//! Plain values between Rust and Python: how reprs quote text and write bools, aware
//! `datetime`s for plex.tv's times, and seconds as `Duration`s.

use std::fmt::Write as _;
use std::time::Duration;

use plexlink::core::timefmt::parse_rfc3339;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// `'text'` as Python's `repr` of a str would write it (close enough for reprs).
pub(crate) fn quoted(text: &str) -> String {
    // Python's choice: single quotes unless the text has a single quote and no double one.
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "{}", c.escape_default());
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `True` or `False`, as Python writes a bool.
pub(crate) fn py_bool(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}

/// An aware `datetime` (UTC) for Unix seconds.
pub(crate) fn utc_datetime(py: Python<'_>, unix: Option<i64>) -> PyResult<Option<Bound<'_, PyAny>>> {
    let Some(unix) = unix else { return Ok(None) };
    // The datetime C API is not part of the stable ABI before 3.12 in every form pyo3 needs;
    // calling the module is as cheap as it gets for a value read a few times per login.
    let datetime = py.import("datetime")?;
    let utc = datetime.getattr("timezone")?.getattr("utc")?;
    let value = datetime
        .getattr("datetime")?
        .call_method1("fromtimestamp", (unix, utc))?;
    Ok(Some(value))
}

/// An aware `datetime` for an RFC 3339 text from plex.tv, `None` when absent or unreadable.
pub(crate) fn rfc3339_datetime<'py>(py: Python<'py>, text: Option<&str>) -> PyResult<Option<Bound<'py, PyAny>>> {
    utc_datetime(py, text.and_then(parse_rfc3339))
}

/// A number of seconds from Python as a `Duration`; `ValueError` for negative or NaN.
pub(crate) fn seconds(what: &str, value: Option<f64>) -> PyResult<Option<Duration>> {
    value
        .map(|s| {
            Duration::try_from_secs_f64(s)
                .map_err(|_| PyValueError::new_err(format!("{what} must be a non-negative number of seconds, not {s}")))
        })
        .transpose()
}
