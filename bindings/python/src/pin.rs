//! The PIN login's values: `Pin` (and a PIN given by its id), and the progress of a wait.

use plexlink::WaitProgress as CoreProgress;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::convert::{py_bool, quoted, rfc3339_datetime, utc_datetime};
use crate::jwt::DeviceKey;

/// A PIN given as a `Pin` or as its id.
#[derive(FromPyObject)]
pub(crate) enum PinRef<'py> {
    Pin(Bound<'py, Pin>),
    Id(u64),
}

impl PinRef<'_> {
    pub(crate) fn id(&self) -> u64 {
        match self {
            PinRef::Pin(pin) => pin.get().core.id,
            PinRef::Id(id) => *id,
        }
    }

    /// The device key of a JWT PIN given as a `Pin`, which a check's answer keeps.
    pub(crate) fn jwt_key(&self) -> Option<plexlink::DeviceKey> {
        match self {
            PinRef::Pin(pin) => pin.get().jwt_key.clone(),
            PinRef::Id(_) => None,
        }
    }
}

/// A PIN: the code a person enters at :attr:`link_url` (or approves at :meth:`auth_url`).
///
/// Made by ``Client.create_pin``, ``Client.check_pin`` and ``Client.resume_pin``. ``token`` is
/// set once the person approved it (after ``check_pin``).
///
/// A JWT PIN (``create_pin(jwt_key=key)``) remembers its :attr:`jwt_key`: waiting for it ends
/// with a Plex JWT for that key (``Client.wait_for_jwt``, or its token from
/// ``Client.wait_for_token``). Its ``token`` stays None after ``check_pin``, since only a wait
/// proves the key to plex.tv.
#[pyclass(frozen, module = "plexlink")]
pub(crate) struct Pin {
    pub(crate) core: plexlink::Pin,
    // Kept for the URLs, which depend on the client's identity and plex.tv address.
    pub(crate) client: plexlink::Client,
    /// The device key of a JWT PIN.
    pub(crate) jwt_key: Option<plexlink::DeviceKey>,
}

#[pymethods]
impl Pin {
    /// The PIN's id: what is checked, and what to store to resume it later.
    #[getter]
    fn id(&self) -> u64 {
        self.core.id
    }

    /// The code to show the person (4 characters), or the long code of a strong PIN.
    #[getter]
    fn code(&self) -> String {
        self.core.code.secret().to_owned()
    }

    /// Whether this is a strong (long) code, approved through :meth:`auth_url` only.
    #[getter]
    fn strong(&self) -> bool {
        self.core.strong
    }

    /// The client identifier the PIN belongs to.
    #[getter]
    fn client_identifier(&self) -> String {
        self.core.client_identifier.clone()
    }

    /// When the PIN expires: an aware ``datetime`` (UTC), or None when plex.tv did not say.
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        utc_datetime(py, self.core.expires_at_unix())
    }

    /// When plex.tv created the PIN (aware ``datetime``), or None.
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        rfc3339_datetime(py, self.core.created_at.as_deref())
    }

    /// How long the PIN lives, in seconds, as plex.tv said; None when unknown.
    #[getter]
    fn expires_in(&self) -> Option<u64> {
        self.core.expires_in
    }

    /// The token, once the person approved the PIN; None before.
    #[getter]
    fn token(&self) -> Option<String> {
        self.core.auth_token.as_ref().map(|t| t.secret().to_owned())
    }

    /// Whether the person approved the PIN (``token`` is set).
    #[getter]
    fn authorized(&self) -> bool {
        self.core.auth_token.is_some()
    }

    /// Whether approving it created a new Plex account; None until approval.
    #[getter]
    fn new_registration(&self) -> Option<bool> {
        self.core.new_registration
    }

    /// The device key a JWT PIN was made with; None for a PIN whose token is a legacy token.
    #[getter]
    fn jwt_key(&self) -> Option<DeviceKey> {
        self.jwt_key.clone().map(DeviceKey::from)
    }

    /// The page where the person types a short code (``https://plex.tv/link``).
    #[getter]
    fn link_url(&self) -> String {
        self.client.link_url()
    }

    /// The app.plex.tv page that approves this PIN (use it for strong PINs), sending the
    /// browser on to ``forward_url`` afterwards when given.
    #[pyo3(signature = (forward_url = None))]
    fn auth_url(&self, forward_url: Option<&str>) -> String {
        self.client.auth_url(&self.core, forward_url)
    }

    fn __repr__(&self) -> String {
        let expires = self
            .core
            .expires_at
            .as_deref()
            .map_or_else(|| "None".to_owned(), quoted);
        // The key's id only for a JWT PIN: a legacy PIN's repr stays as it was.
        let jwt = self.jwt_key.as_ref().map_or_else(String::new, |key| {
            format!(", jwt_key=DeviceKey(kid={})", quoted(key.kid()))
        });
        format!(
            "Pin(id={}, strong={}, expires_at={expires}, authorized={}{jwt})",
            self.core.id,
            py_bool(self.core.strong),
            py_bool(self.core.auth_token.is_some())
        )
    }
}

/// What a wait for a PIN's approval has seen so far, passed to ``on_progress``.
#[pyclass(frozen, module = "plexlink", get_all)]
pub(crate) struct WaitProgress {
    /// Seconds until the PIN expires, when known.
    remaining: Option<f64>,
    /// Checks answered so far.
    checks: u32,
}

impl From<CoreProgress> for WaitProgress {
    fn from(progress: CoreProgress) -> Self {
        Self {
            remaining: progress.remaining.map(|d| d.as_secs_f64()),
            checks: progress.checks,
        }
    }
}

#[pymethods]
impl WaitProgress {
    fn __repr__(&self) -> String {
        let remaining = self.remaining.map_or_else(|| "None".to_owned(), |r| format!("{r:.1}"));
        format!("WaitProgress(remaining={remaining}, checks={})", self.checks)
    }
}

/// The device key a wait for a Plex JWT uses: `key` when given, else the one the PIN was made
/// with. A `ValueError` when there is none, or when the two differ (the wait could only end
/// with a JWT refused as another device's).
pub(crate) fn wait_key(pin: &Pin, key: Option<&Bound<'_, DeviceKey>>) -> PyResult<plexlink::DeviceKey> {
    match (key.map(|k| &k.get().core), &pin.jwt_key) {
        (Some(given), Some(made)) if given.kid() != made.kid() => Err(PyValueError::new_err(
            "this PIN was made with another device key (leave key= out to use the PIN's own)",
        )),
        (Some(key), _) | (None, Some(key)) => Ok(key.clone()),
        (None, None) => Err(PyValueError::new_err(
            "this PIN has no device key: create it with create_pin(jwt_key=key), or give key= \
             for a JWT PIN resumed by its id and code",
        )),
    }
}
