//! The account's servers while plex.tv cannot be reached: `ResourcesSnapshot` (plex.tv's last
//! answer, kept by the app) and `ServerList` (what `servers_or_snapshot` returns). When the
//! snapshot may stand in for plex.tv is the core's rule (`use_snapshot_after`), applied by
//! plexlink; nothing here decides it.

use plexlink::ResourcesSnapshot as CoreSnapshot;
use pyo3::prelude::*;

use crate::convert::{quoted, utc_datetime_clamped};
use crate::errors::to_pyerr;
use crate::jwt::{not_picklable, unix_now};
use crate::resources::Resource;

/// What plex.tv said of the account's devices, and when: kept by the app (``to_json``) so that
/// :meth:`Client.servers_or_snapshot` can still list the servers while plex.tv is down.
///
/// It holds every server's ``access_token``: store its text as privately as a token. ``repr()``
/// shows only when it was taken and how many resources it holds, and it does not pickle (keep
/// ``to_json()`` instead). Snapshots with the same content compare equal.
#[pyclass(frozen, eq, module = "plexlink")]
#[derive(PartialEq)]
pub(crate) struct ResourcesSnapshot {
    pub(crate) core: CoreSnapshot,
}

#[pymethods]
impl ResourcesSnapshot {
    /// Reads a snapshot stored with :meth:`to_json`. Raises :class:`ProtocolError` for text
    /// that is not one, or one written by another version of plexlink (the message never
    /// quotes the text, which holds tokens).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        // Parsing a large answer takes a while: other threads may run meanwhile.
        let core = py.detach(|| CoreSnapshot::from_json(text)).map_err(to_pyerr)?;
        Ok(Self { core })
    }

    /// The snapshot as text to store (JSON: a version, when it was taken and plex.tv's answer).
    /// A secret, like a token.
    fn to_json(&self) -> String {
        self.core.to_json()
    }

    /// When plex.tv gave this answer (an aware ``datetime``, UTC).
    #[getter]
    fn taken_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        utc_datetime_clamped(py, self.core.taken_at())
    }

    /// How old it is, in seconds, at ``now`` (Unix seconds; default: the clock now); zero for
    /// one taken after ``now``.
    #[pyo3(signature = (now = None))]
    fn age(&self, now: Option<f64>) -> f64 {
        let now = match now {
            // Whole seconds, as the snapshot's time is; `as` saturates NaN and infinities.
            Some(now) => now.floor() as i64,
            None => unix_now(),
        };
        self.core.age(now).as_secs_f64()
    }

    /// The servers of the answer, as :meth:`Client.servers` lists them.
    #[getter]
    fn servers(&self, py: Python<'_>) -> PyResult<Vec<Resource>> {
        Resource::list(py, self.core.servers())
    }

    /// Every device of the answer, as :meth:`Client.resources` lists them.
    #[getter]
    fn resources(&self, py: Python<'_>) -> PyResult<Vec<Resource>> {
        Resource::list(py, self.core.devices().to_vec())
    }

    fn __reduce__(&self) -> PyResult<()> {
        Err(not_picklable(
            "ResourcesSnapshot",
            "store snapshot.to_json() and read it with ResourcesSnapshot.from_json",
        ))
    }

    // Immutable: a copy is the snapshot itself (copy.copy would otherwise hit __reduce__).
    fn __copy__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __deepcopy__<'py>(slf: Bound<'py, Self>, _memo: &Bound<'py, PyAny>) -> Bound<'py, Self> {
        slf
    }

    fn __repr__(&self) -> String {
        format!(
            "ResourcesSnapshot(taken_at={}, resources={})",
            self.core.taken_at(),
            self.core.devices().len()
        )
    }
}

/// The account's servers (:meth:`Client.servers_or_snapshot`), and the snapshot to store for
/// the next time plex.tv cannot be reached.
#[pyclass(frozen, module = "plexlink", get_all)]
pub(crate) struct ServerList {
    /// The servers, as :meth:`Client.servers` lists them.
    servers: Vec<Py<Resource>>,
    /// plex.tv's answer: a new one, or the one given when plex.tv could not be reached. Store
    /// ``snapshot.to_json()`` (as privately as a token) for the next call.
    snapshot: Py<ResourcesSnapshot>,
    /// Why the servers come from the snapshot (the :class:`PlexlinkError` plex.tv's call
    /// raised: a :class:`NetworkError`, a 5xx :class:`HttpError`, :class:`RateLimited`...);
    /// None when plex.tv answered now.
    offline: Option<Py<PyAny>>,
}

impl ServerList {
    pub(crate) fn create(py: Python<'_>, list: plexlink::ServerList) -> PyResult<Self> {
        let servers = Resource::list(py, list.servers)?
            .into_iter()
            .map(|r| Py::new(py, r))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(Self {
            servers,
            snapshot: Py::new(py, ResourcesSnapshot { core: list.snapshot })?,
            offline: list.offline.map(|e| to_pyerr(e).into_value(py).into_any()),
        })
    }
}

#[pymethods]
impl ServerList {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let offline = match &self.offline {
            Some(error) => quoted(&error.bind(py).get_type().name()?.to_string()),
            None => "None".to_owned(),
        };
        Ok(format!("ServerList(servers={}, offline={offline})", self.servers.len()))
    }
}
