//! Plain values between Rust and Python: how reprs quote text and write bools, aware
//! `datetime`s for plex.tv's times, seconds as `Duration`s, counts of bytes as `usize`s, and the
//! tuples of options the asyncio face hands over.

use std::fmt::Write as _;
use std::time::Duration;

use plexlink::core::timefmt::parse_rfc3339;
use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use pyo3::types::iter::BoundTupleIterator;

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

/// The first and last second a `datetime` holds (0001-01-01 and 9999-12-31T23:59:59, UTC).
const DATETIME_RANGE: (i64, i64) = (-62_135_596_800, 253_402_300_799);

/// An aware `datetime` (UTC) for Unix seconds that may lie outside what a `datetime` holds (a
/// JWT's times are any integer): those become `datetime.min` or `datetime.max`, so reading a
/// time never raises.
pub(crate) fn utc_datetime_clamped(py: Python<'_>, unix: i64) -> PyResult<Bound<'_, PyAny>> {
    let (first, last) = DATETIME_RANGE;
    let datetime = utc_datetime(py, Some(unix.clamp(first, last)))?;
    // `Some` in, `Some` out.
    Ok(datetime.expect("a datetime for a time"))
}

/// An aware `datetime` for an RFC 3339 text from plex.tv, `None` when absent or unreadable.
pub(crate) fn rfc3339_datetime<'py>(py: Python<'py>, text: Option<&str>) -> PyResult<Option<Bound<'py, PyAny>>> {
    utc_datetime(py, text.and_then(parse_rfc3339))
}

/// A number of seconds as Python gives it (an int or a float), not yet checked. An int too large
/// for a float reads as an infinity of its sign, so that no size of number is an `OverflowError`.
pub(crate) struct Seconds(f64);

impl<'a, 'py> FromPyObject<'a, 'py> for Seconds {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        match obj.extract::<f64>() {
            Ok(value) => Ok(Self(value)),
            Err(e) if e.is_instance_of::<PyOverflowError>(obj.py()) => {
                Ok(Self(if obj.gt(0)? { f64::INFINITY } else { f64::NEG_INFINITY }))
            }
            Err(e) => Err(e),
        }
    }
}

/// Seconds as a `Duration`. Whatever is past the longest `Duration` (``float('inf')``, 1e300, a
/// huge int) means no limit and becomes `Duration::MAX`, which plexlink waits on as long as its
/// clock reaches; negative or NaN is a `ValueError` that names the argument.
pub(crate) fn seconds(what: &str, value: Option<Seconds>) -> PyResult<Option<Duration>> {
    let Some(Seconds(s)) = value else { return Ok(None) };
    match Duration::try_from_secs_f64(s) {
        Ok(duration) => Ok(Some(duration)),
        Err(_) if s > 0.0 => Ok(Some(Duration::MAX)),
        Err(_) => Err(PyValueError::new_err(format!(
            "{what} must be a number of seconds, zero or more (float('inf') for no limit), not {}",
            python_float(s)
        ))),
    }
}

/// A float as Python's `repr` writes the ones `seconds` refuses (`nan`, `-inf`, `-1.5`).
fn python_float(value: f64) -> String {
    if value.is_nan() {
        "nan".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        format!("{value:?}")
    }
}

/// A count of bytes as Python gives it (an int of any size), not yet checked.
pub(crate) enum Bytes {
    /// It fits a `usize`.
    Count(usize),
    /// Below zero.
    Negative,
    /// Past `usize::MAX`.
    TooLarge,
}

impl<'a, 'py> FromPyObject<'a, 'py> for Bytes {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        match obj.extract::<usize>() {
            Ok(count) => Ok(Self::Count(count)),
            Err(e) if e.is_instance_of::<PyOverflowError>(obj.py()) => {
                Ok(if obj.lt(0)? { Self::Negative } else { Self::TooLarge })
            }
            Err(e) => Err(e),
        }
    }
}

/// A count of bytes as a `usize`; `ValueError` (naming the argument) when it is negative or
/// past `usize::MAX`, which is already more than any answer can be.
pub(crate) fn bytes(what: &str, value: Option<Bytes>) -> PyResult<Option<usize>> {
    match value {
        None => Ok(None),
        Some(Bytes::Count(count)) => Ok(Some(count)),
        Some(Bytes::Negative) => Err(PyValueError::new_err(format!(
            "{what} must be a number of bytes, zero or more, not a negative number"
        ))),
        Some(Bytes::TooLarge) => Err(PyValueError::new_err(format!(
            "{what} must be a number of bytes up to {} (which is already no limit)",
            usize::MAX
        ))),
    }
}

/// A group of keyword arguments as `plexlink.aio` hands it to `_AsyncCore`: one tuple of their
/// values, in the order the blocking `Client` declares them (`AsyncClient` declares the keywords
/// for the asyncio face; `_AsyncCore` does not declare them again). Read in that order with
/// [`next`](Self::next).
pub(crate) struct Options<'py>(BoundTupleIterator<'py>);

impl<'py> Options<'py> {
    pub(crate) fn new(tuple: &Bound<'py, PyTuple>) -> Self {
        Self(tuple.iter())
    }

    /// The next value, converted as pyo3 converts the blocking `Client`'s argument `name`: what
    /// that raises, this raises, with the same note naming the argument.
    pub(crate) fn next<T: FromPyObjectOwned<'py>>(&mut self, name: &str) -> PyResult<T> {
        let value = self
            .0
            .next()
            .ok_or_else(|| PyTypeError::new_err(format!("no value for the option {name}")))?;
        value.extract::<T>().map_err(|error| {
            let error: PyErr = error.into();
            // pyo3's note; before Python 3.11 there is no add_note, and no note.
            let note = format!("while processing '{name}'");
            let _ = error.value(value.py()).call_method1("add_note", (note,));
            error
        })
    }
}
