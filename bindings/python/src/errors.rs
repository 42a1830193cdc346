//! The exception tree, and the one place where the core's `Error` becomes a Python exception.
//!
//! Every class derives from `PlexlinkError` (never straight from `Exception`), so
//! `except plexlink.PlexlinkError` catches everything plexlink raises. Each instance carries
//! `message` (the server's own text where it sent one), `status` and `code` (HTTP status and
//! Plex error code, when known); `RateLimited` adds `retry_after`, `NetworkError` adds `kind`,
//! `NoConnection` adds the race's `candidates` and `skipped`.
//!
//! One way back, too: a JWT session asks the core what to do after an exception that the
//! caller's own code raised (`refresh_then_retry`), so that the rule stays the core's.

use plexlink::core::jwt::{Recovery, recovery_for};
use plexlink::{Error, TransportErrorKind};
use pyo3::PyTypeInfo;
use pyo3::create_exception;
use pyo3::exceptions::{PyConnectionError, PyException, PyTimeoutError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple, PyType};

use crate::connect::{RaceReports, race_reports};

create_exception!(
    plexlink,
    PlexlinkError,
    PyException,
    "Base class of every error plexlink raises. ``message`` is the server's text (or a description), ``status`` and ``code`` the HTTP status and Plex error code when known."
);
create_exception!(
    plexlink,
    Unauthorized,
    PlexlinkError,
    "The credentials or the token were refused (401, or 422 \"Invalid token\"). The only error after which a stored token should be forgotten."
);
create_exception!(
    plexlink,
    TwoFactorRequired,
    PlexlinkError,
    "The account has two-factor authentication: sign in again with ``verification_code``."
);
create_exception!(
    plexlink,
    InvalidVerificationCode,
    PlexlinkError,
    "The two-factor verification code was wrong."
);
create_exception!(
    plexlink,
    IpLockedOut,
    PlexlinkError,
    "This address is locked out after repeated failed sign-ins: stop retrying for a while."
);
create_exception!(
    plexlink,
    PinExpired,
    PlexlinkError,
    "The PIN expired or is unknown: create a new one."
);
create_exception!(
    plexlink,
    HomePinRequired,
    PlexlinkError,
    "Switching to this Home user needs their Home PIN."
);
create_exception!(
    plexlink,
    RateLimited,
    PlexlinkError,
    "Too many requests (429). ``retry_after`` is the server's wait in seconds, or None."
);
create_exception!(
    plexlink,
    TokenExpired,
    PlexlinkError,
    "The Plex JWT has expired (498): refresh it."
);
create_exception!(
    plexlink,
    DeviceRemoved,
    Unauthorized,
    "This device was removed from the account's authorized devices (Plex code 1097): its key and its Plex JWTs are refused for good, and refreshing cannot help. Forget the JWT and the key, make a new client identifier and key, and sign in again. An ``Unauthorized``, so code that forgets a refused token already does the right thing."
);
create_exception!(
    plexlink,
    InvalidJwt,
    PlexlinkError,
    "A Plex JWT failed verification: a bad signature, an unknown key, the wrong issuer, audience or thumbprint (issued to another device), expired, or issued in the future. ``message`` says which; it never holds the token."
);
create_exception!(
    plexlink,
    HttpError,
    PlexlinkError,
    "An error status the other errors do not name; ``status`` is set, ``code`` when Plex gave one."
);
create_exception!(
    plexlink,
    ServerRefused,
    PlexlinkError,
    "A Plex Media Server refused the token (``status`` 401) or this call for it (403): the server may no longer be shared with the account, may have a new access token, or the call is for its owner only. Not an ``Unauthorized``: the account's token may be fine (only plex.tv can say, ask it with ``Client.user``). Fetch the resources again for the server's current ``access_token``."
);
create_exception!(
    plexlink,
    ProtocolError,
    PlexlinkError,
    "The answer could not be used: malformed, larger than the size cap, or an unexpected redirect."
);
create_exception!(
    plexlink,
    InvalidArgument,
    PlexlinkError,
    "An argument was unusable (empty product, bad URL...)."
);
create_exception!(
    plexlink,
    InsecureTransport,
    PlexlinkError,
    "A token would have gone over plain HTTP to a public address; nothing was sent."
);
create_exception!(
    plexlink,
    NetworkError,
    PlexlinkError,
    "The request got no answer. ``kind`` is \"dns\", \"connect\", \"tls\", \"timeout\" or \"other\"."
);
create_exception!(
    plexlink,
    Timeout,
    PlexlinkError,
    "The overall time given to a wait ran out."
);
create_exception!(
    plexlink,
    Cancelled,
    PlexlinkError,
    "The wait was cancelled (a ``Cancel`` handle, or asyncio)."
);
create_exception!(
    plexlink,
    NoConnection,
    PlexlinkError,
    "No connection of the server answered as that server. ``candidates`` and ``skipped`` tell why, as ``Connected``'s do (empty when no race ran)."
);

/// Adds the classes to the module, with class-level defaults for the attributes every instance
/// sets, so that they exist on the classes as the stubs say.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let base = py.get_type::<PlexlinkError>();
    base.setattr("message", "")?;
    base.setattr("status", py.None())?;
    base.setattr("code", py.None())?;
    py.get_type::<RateLimited>().setattr("retry_after", py.None())?;
    py.get_type::<NetworkError>()
        .setattr("kind", TransportErrorKind::Other.as_str())?;
    let no_connection = py.get_type::<NoConnection>();
    no_connection.setattr("candidates", PyTuple::empty(py))?;
    no_connection.setattr("skipped", PyTuple::empty(py))?;
    let classes: [Bound<'_, PyType>; 20] = [
        base,
        py.get_type::<Unauthorized>(),
        py.get_type::<TwoFactorRequired>(),
        py.get_type::<InvalidVerificationCode>(),
        py.get_type::<IpLockedOut>(),
        py.get_type::<PinExpired>(),
        py.get_type::<HomePinRequired>(),
        py.get_type::<RateLimited>(),
        py.get_type::<TokenExpired>(),
        py.get_type::<DeviceRemoved>(),
        py.get_type::<InvalidJwt>(),
        py.get_type::<HttpError>(),
        py.get_type::<ServerRefused>(),
        py.get_type::<ProtocolError>(),
        py.get_type::<InvalidArgument>(),
        py.get_type::<InsecureTransport>(),
        py.get_type::<NetworkError>(),
        py.get_type::<Timeout>(),
        py.get_type::<Cancelled>(),
        py.get_type::<NoConnection>(),
    ];
    for class in classes {
        m.add(class.name()?, class)?;
    }
    Ok(())
}

/// The Python exception for a core error: the one mapping.
pub(crate) fn to_pyerr(error: Error) -> PyErr {
    Python::attach(|py| build(py, error))
}

fn build(py: Python<'_>, error: Error) -> PyErr {
    let text = error.to_string();
    let status = error.http_status();
    let mut code = None;
    let mut extra: Vec<(&str, Py<PyAny>)> = Vec::new();
    let (err, message) = match &error {
        Error::Unauthorized { message, .. } => (PyErr::new::<Unauthorized, _>(text.clone()), message.clone()),
        Error::TwoFactorRequired { message, .. } => (PyErr::new::<TwoFactorRequired, _>(text.clone()), message.clone()),
        Error::InvalidVerificationCode { message, .. } => {
            (PyErr::new::<InvalidVerificationCode, _>(text.clone()), message.clone())
        }
        Error::IpLockedOut { message, .. } => (PyErr::new::<IpLockedOut, _>(text.clone()), message.clone()),
        Error::PinExpired { .. } => (PyErr::new::<PinExpired, _>(text.clone()), text.clone()),
        Error::HomePinRequired { message, .. } => (PyErr::new::<HomePinRequired, _>(text.clone()), message.clone()),
        Error::RateLimited { retry_after, message } => {
            let seconds = retry_after.map(|d| d.as_secs_f64());
            extra.push((
                "retry_after",
                seconds
                    .into_pyobject(py)
                    .map(|o| o.into_any().unbind())
                    .unwrap_or_else(|_| py.None()),
            ));
            (PyErr::new::<RateLimited, _>(text.clone()), message.clone())
        }
        Error::TokenExpired { message } => (PyErr::new::<TokenExpired, _>(text.clone()), message.clone()),
        Error::DeviceRemoved { message, .. } => (PyErr::new::<DeviceRemoved, _>(text.clone()), message.clone()),
        Error::InvalidJwt { reason } => (PyErr::new::<InvalidJwt, _>(text.clone()), reason.clone()),
        Error::Plex { code: c, message, .. } => {
            code = *c;
            (PyErr::new::<HttpError, _>(text.clone()), message.clone())
        }
        Error::Http { .. } => (PyErr::new::<HttpError, _>(text.clone()), text.clone()),
        Error::ServerRefused { .. } => (PyErr::new::<ServerRefused, _>(text.clone()), text.clone()),
        Error::Redirect { .. } => (PyErr::new::<ProtocolError, _>(text.clone()), text.clone()),
        Error::Decode { .. } | Error::ResponseTooLarge { .. } => {
            (PyErr::new::<ProtocolError, _>(text.clone()), text.clone())
        }
        Error::InvalidArgument { .. } => (PyErr::new::<InvalidArgument, _>(text.clone()), text.clone()),
        Error::InsecureTransport { .. } => (PyErr::new::<InsecureTransport, _>(text.clone()), text.clone()),
        Error::Transport { kind, detail } => {
            extra.push((
                "kind",
                kind.as_str()
                    .into_pyobject(py)
                    .map(|o| o.into_any().unbind())
                    .unwrap_or_else(|_| py.None()),
            ));
            (PyErr::new::<NetworkError, _>(text.clone()), detail.clone())
        }
        Error::Timeout { .. } => (PyErr::new::<Timeout, _>(text.clone()), text.clone()),
        Error::Cancelled => (PyErr::new::<Cancelled, _>(text.clone()), text.clone()),
        Error::NoConnection { race, .. } => {
            // Why nothing worked: the race's reports, when a race ran. Building them cannot fail
            // short of memory exhaustion; then the exception keeps the class's empty defaults.
            if let Some(Ok(RaceReports { candidates, skipped })) = race.as_deref().map(|race| race_reports(py, race)) {
                extra.extend(list(py, "candidates", candidates));
                extra.extend(list(py, "skipped", skipped));
            }
            (PyErr::new::<NoConnection, _>(text.clone()), text.clone())
        }
        // The core may grow variants; they still belong to the tree.
        _ => (PyErr::new::<PlexlinkError, _>(text.clone()), text.clone()),
    };
    let value = err.value(py);
    let message = if message.is_empty() { text } else { message };
    // Setting attributes on a fresh exception instance cannot fail short of memory exhaustion;
    // if it did, the exception is still raised with its text.
    let _ = value.setattr("message", message);
    let _ = value.setattr("status", status);
    let _ = value.setattr("code", code);
    for (name, object) in extra {
        let _ = value.setattr(name, object);
    }
    err
}

/// An attribute whose value is a Python list of `items`; None if the list cannot be made.
fn list<'a, T: PyTypeInfo>(py: Python<'_>, name: &'a str, items: Vec<Py<T>>) -> Option<(&'a str, Py<PyAny>)> {
    let list = PyList::new(py, items).ok()?;
    Some((name, list.into_any().unbind()))
}

/// The core's error that a plexlink exception stands for, where the core's rules decide on it:
/// the JWT failures a session recovers from (or cannot). Anything else, raised by plexlink or by
/// the caller's code, is `None`: no rule of the core applies to it.
fn core_error(py: Python<'_>, error: &PyErr) -> Option<Error> {
    let value = error.value(py);
    let message = value
        .getattr("message")
        .and_then(|m| m.extract::<String>())
        .unwrap_or_default();
    if error.is_instance_of::<TokenExpired>(py) {
        Some(Error::TokenExpired { message })
    } else if error.is_instance_of::<DeviceRemoved>(py) {
        let status = value.getattr("status").and_then(|s| s.extract::<u16>()).unwrap_or(401);
        Some(Error::DeviceRemoved { status, message })
    } else {
        None
    }
}

/// Whether a call made with a session's Plex JWT that raised `error` should refresh the JWT
/// and run once more: the core's rule (`recovery_for`), asked of the exception a Python
/// callable raised (`plexlink.TokenExpired`, from plexlink or from the caller's own request).
pub(crate) fn refresh_then_retry(py: Python<'_>, error: &PyErr) -> bool {
    core_error(py, error).is_some_and(|core| recovery_for(&core) == Recovery::RefreshThenRetry)
}

/// ``_refresh_then_retry(error)``: :func:`refresh_then_retry` for ``plexlink.aio``, whose
/// ``with_jwt`` awaits the caller's coroutine itself.
#[pyfunction]
#[pyo3(name = "_refresh_then_retry")]
pub(crate) fn refresh_then_retry_py(error: &Bound<'_, PyAny>) -> bool {
    refresh_then_retry(error.py(), &PyErr::from_value(error.clone()))
}

/// Whether an exception from the caller's own request to a server means that the server gave no
/// answer at all (what plexlink calls a transport error, which makes a kept server race again):
/// plexlink's :class:`NetworkError`, Python's ``ConnectionError`` and ``TimeoutError`` (what
/// the standard library's sockets raise), or one of `extra` (a class or tuple of classes, as
/// ``except`` takes: another HTTP library's own, such as ``requests.ConnectionError``).
pub(crate) fn transport_failure(py: Python<'_>, error: &PyErr, extra: Option<&Bound<'_, PyAny>>) -> bool {
    error.is_instance_of::<NetworkError>(py)
        || error.is_instance_of::<PyConnectionError>(py)
        || error.is_instance_of::<PyTimeoutError>(py)
        || extra.is_some_and(|classes| error.is_instance(py, classes))
}
