//! The PIN login's values: `Pin` (and a PIN given by its id), and the progress of a wait.

use plexlink::WaitProgress as CoreProgress;
use pyo3::prelude::*;

use crate::convert::{py_bool, quoted, rfc3339_datetime, utc_datetime};

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
}

/// A PIN: the code a person enters at :attr:`link_url` (or approves at :meth:`auth_url`).
///
/// Made by ``Client.create_pin``, ``Client.check_pin`` and ``Client.resume_pin``. ``token`` is
/// set once the person approved it (after ``check_pin``).
#[pyclass(frozen, module = "plexlink")]
pub(crate) struct Pin {
    pub(crate) core: plexlink::Pin,
    // Kept for the URLs, which depend on the client's identity and plex.tv address.
    pub(crate) client: plexlink::Client,
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
        format!(
            "Pin(id={}, strong={}, expires_at={expires}, authorized={})",
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
