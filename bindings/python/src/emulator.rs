//! `Emulator`: plexlink-emulator (a local plex.tv and Plex Media Servers) for Python tests.
//!
//! It runs its own tokio runtime on a background thread, so it answers while Python threads
//! block in plexlink calls. The handle is frozen and keeps the running emulator behind a lock,
//! so `stop()` (and `with`) can end it from any thread.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use plexlink_emulator::{Behaviour, DownMode, Emulator as Inner, Fault, FaultKind, JwtSettings, Scenario};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyType};

use crate::convert::{Bytes, Seconds, bytes, quoted, seconds};
use crate::pin::PinRef;

/// A local stand-in for plex.tv and Plex Media Servers on 127.0.0.1, for tests.
///
/// Point a client at it with ``Client(..., plex_url=emu.url)``. The built-in scenario has the
/// accounts ``alice`` (password ``alice-password``; owns "Living Room", sees "Friend's
/// Server"), ``bob`` (2FA: ``bob-password``, code ``123456``), ``carol`` (Home admin,
/// ``carol-password``) with Home users ``dave`` (no PIN) and ``erin`` (Home PIN ``1234``).
///
/// Plex JWT sign-in is emulated too (signing keys, nonces, device keys, JWT PINs): see
/// :meth:`set_jwt_settings`, :meth:`rotate_jwt_key` and :meth:`remove_jwt_device`.
///
/// Connections and plex.tv change while it runs, to see a client keep (or lose) its
/// connection: :meth:`set_behaviour`, :meth:`set_plex_tv_down`.
///
/// ``scenario`` replaces it (a dict or a JSON text in the emulator's scenario format);
/// ``dual_stack=True`` adds the server "Dual Stack" (owned by alice) with two https
/// connections, ``local`` on 127.0.0.1 and ``local-v6`` on ``[::1]``: it needs an IPv6
/// loopback (:meth:`ipv6_available`; without one the emulator does not start) and a client
/// that trusts :attr:`ca_pem`. ``pin_lifetime``, ``strong_pin_lifetime`` (seconds) and
/// ``lockout_after_failures`` adjust either. Use it as a context manager, or call
/// :meth:`stop`.
#[pyclass(frozen, module = "plexlink.testing")]
pub(crate) struct Emulator {
    inner: Mutex<Option<Inner>>,
    url: String,
}

impl Emulator {
    fn lock_running(&self) -> PyResult<MutexGuard<'_, Option<Inner>>> {
        let guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            return Err(PyRuntimeError::new_err("the emulator is stopped"));
        }
        Ok(guard)
    }

    fn with<T>(&self, f: impl FnOnce(&Inner) -> T) -> PyResult<T> {
        let guard = self.lock_running()?;
        // `running` checked that it is there.
        Ok(f(guard.as_ref().expect("running")))
    }
}

fn json_loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (text,))
}

/// The JWT settings under the names the Python methods take (seconds without a `_secs`, as
/// every duration of this module).
fn jwt_settings_dict(py: Python<'_>, settings: JwtSettings) -> PyResult<Bound<'_, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("jwt_lifetime", settings.jwt_lifetime_secs)?;
    dict.set_item("nonce_lifetime", settings.nonce_lifetime_secs)?;
    dict.set_item("nonce_rate_limit_per_minute", settings.nonce_rate_limit_per_minute)?;
    Ok(dict)
}

fn to_json<T: serde::Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

#[pymethods]
impl Emulator {
    #[new]
    #[pyo3(signature = (
        *,
        scenario = None,
        pin_lifetime = None,
        strong_pin_lifetime = None,
        lockout_after_failures = None,
        dual_stack = false,
    ))]
    fn new(
        py: Python<'_>,
        scenario: Option<Bound<'_, PyAny>>,
        pin_lifetime: Option<u64>,
        strong_pin_lifetime: Option<u64>,
        lockout_after_failures: Option<u32>,
        dual_stack: bool,
    ) -> PyResult<Self> {
        let mut scenario: Scenario = match scenario {
            None if dual_stack => Scenario::dual_stack(),
            None => Scenario::default(),
            Some(_) if dual_stack => {
                return Err(PyValueError::new_err(
                    "dual_stack adds a server to the built-in scenario: give scenario or dual_stack, not both",
                ));
            }
            Some(given) => {
                let text: String = if given.is_instance_of::<PyString>() {
                    given.extract()?
                } else {
                    py.import("json")?.call_method1("dumps", (given,))?.extract()?
                };
                serde_json::from_str(&text).map_err(|e| PyValueError::new_err(format!("invalid scenario: {e}")))?
            }
        };
        if let Some(secs) = pin_lifetime {
            scenario.pin_lifetime_secs = secs;
        }
        if let Some(secs) = strong_pin_lifetime {
            scenario.strong_pin_lifetime_secs = secs;
        }
        if let Some(n) = lockout_after_failures {
            scenario.lockout_after_failures = n;
        }
        let emulator = py.detach(|| Inner::start(scenario)).map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidInput => PyValueError::new_err(format!("invalid scenario: {e}")),
            _ => PyRuntimeError::new_err(format!("cannot start the emulator: {e}")),
        })?;
        let url = emulator.url();
        Ok(Self {
            inner: Mutex::new(Some(emulator)),
            url,
        })
    }

    /// The plex.tv base URL, ``http://127.0.0.1:PORT/``: give it to ``Client(plex_url=...)``.
    #[getter]
    fn url(&self) -> String {
        self.url.clone()
    }

    /// Whether it is still running.
    #[getter]
    fn running(&self) -> bool {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// The scenario it plays, as a dict.
    fn scenario<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = self.with(|e| to_json(e.scenario()))??;
        json_loads(py, &text)
    }

    /// Approves ``pin`` (a ``Pin`` or its id) for ``account`` (user name or e-mail), as if
    /// the person signed in on the consent page. The next check of the PIN gets the token.
    #[pyo3(signature = (pin, account = "alice"))]
    fn approve(&self, pin: PinRef<'_>, account: &str) -> PyResult<()> {
        let id = pin.id();
        self.with(|e| e.approve_pin(id, account))?
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// Approves the live short PIN with this 4-character ``code``, as plex.tv/link does.
    /// Returns the PIN's id.
    #[pyo3(signature = (code, account = "alice"))]
    fn approve_code(&self, code: &str, account: &str) -> PyResult<u64> {
        self.with(|e| e.approve_code(code, account))?
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// Expires ``pin`` now: checks of it fail with ``PinExpired`` from then on.
    fn expire(&self, pin: PinRef<'_>) -> PyResult<()> {
        let id = pin.id();
        self.with(|e| e.expire_pin(id))?
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// Every PIN created so far, oldest first, as dicts (``id``, ``code``, ``strong``,
    /// ``client_identifier``, ``product``, ``approved``, ``account``, ``expired``, and ``jwk``:
    /// whether it is a JWT PIN).
    fn pins<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = self.with(|e| to_json(&e.pins()))??;
        json_loads(py, &text)
    }

    /// Makes requests whose path starts with ``path_prefix`` (and whose method is ``method``,
    /// when given) fail: with HTTP ``status`` (and ``retry_after`` seconds, ``body``), with
    /// malformed JSON (``malformed_json=True``), an ``oversized`` body of that many bytes, a
    /// ``delay`` in seconds before the usual answer, or a dropped connection
    /// (``close=True``). ``times``: how many requests get it (None: all, until
    /// :meth:`clear_faults`). Faults apply to plex.tv and to every server alike.
    #[pyo3(signature = (
        path_prefix,
        *,
        method = None,
        status = None,
        retry_after = None,
        body = None,
        malformed_json = false,
        oversized = None,
        delay = None,
        close = false,
        times = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn add_fault(
        &self,
        path_prefix: &str,
        method: Option<&str>,
        status: Option<u16>,
        retry_after: Option<u64>,
        body: Option<&str>,
        malformed_json: bool,
        oversized: Option<Bytes>,
        delay: Option<Seconds>,
        close: bool,
        times: Option<u32>,
    ) -> PyResult<()> {
        let mut kinds = Vec::new();
        if let Some(status) = status {
            kinds.push(FaultKind::Status {
                status,
                retry_after,
                body: body.unwrap_or_default().to_owned(),
            });
        } else if retry_after.is_some() || body.is_some() {
            return Err(PyValueError::new_err("retry_after and body go with status"));
        }
        if malformed_json {
            kinds.push(FaultKind::MalformedJson);
        }
        if let Some(bytes) = bytes("oversized", oversized)? {
            kinds.push(FaultKind::Oversized { bytes });
        }
        if let Some(delay) = seconds("delay", delay)? {
            // To the nearest millisecond; past u64::MAX ms is forever all the same.
            let ms = delay.saturating_add(Duration::from_micros(500)).as_millis();
            kinds.push(FaultKind::Delay {
                ms: u64::try_from(ms).unwrap_or(u64::MAX),
            });
        }
        if close {
            kinds.push(FaultKind::Close);
        }
        let kind = match (kinds.pop(), kinds.is_empty()) {
            (Some(kind), true) => kind,
            _ => {
                return Err(PyValueError::new_err(
                    "give exactly one of status, malformed_json, oversized, delay or close",
                ));
            }
        };
        let fault = Fault {
            path_prefix: path_prefix.to_owned(),
            method: method.map(str::to_owned),
            kind,
            times: times.unwrap_or(0),
        };
        if fault.times == 0 && times.is_some() {
            return Err(PyValueError::new_err("times must be at least 1 (None: every request)"));
        }
        self.with(|e| e.add_fault(fault))
    }

    /// Removes every fault.
    fn clear_faults(&self) -> PyResult<()> {
        self.with(Inner::clear_faults)
    }

    /// Request and TCP connection counts so far, as a dict: ``{"plextv": {"tcp_connections":
    /// n, "requests": {"GET /api/v2/pins/{id}": n, ...}}, "pms": {server: {connection:
    /// {...}}}}``.
    fn counters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = self.with(|e| to_json(&e.counters()))??;
        json_loads(py, &text)
    }

    /// Zeros every count.
    fn reset_counters(&self) -> PyResult<()> {
        self.with(Inner::reset_counters)
    }

    /// The account token of ``account`` (user name or e-mail); None for an unknown account.
    fn token_for(&self, account: &str) -> PyResult<Option<String>> {
        self.with(|e| e.token_for(account))
    }

    /// The URI of one connection of a server (e.g. ``server_uri("Living Room", "local")``),
    /// None when there is no such connection.
    fn server_uri(&self, server: &str, connection: &str) -> PyResult<Option<String>> {
        self.with(|e| e.server_uri(server, connection))
    }

    /// Every request seen so far (up to the last 10,000), oldest first, as dicts:
    /// ``listener`` (``"plex.tv"`` or ``"<server>/<connection>"``), ``request`` (``"GET
    /// /api/v2/user"``), ``at_ms``, and ``token_kind``: ``"jwt"``, ``"legacy"`` or None, never
    /// the token itself.
    fn requests<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = self.with(|e| to_json(&e.requests()))??;
        json_loads(py, &text)
    }

    // --- Changes while running ------------------------------------------------------------

    /// Changes how a connection of a server behaves, at once; its port and URI stay.
    /// ``behaviour``: ``"good"``, ``"slow"`` (each answer after ``ms`` milliseconds, which it
    /// needs), ``"dead"`` (connects refused; its open connections closed), ``"blackhole"``
    /// (accepts and never answers), ``"wrong_id"`` (another machine identifier) or
    /// ``"unauthorized"`` (401 to everything). ``ValueError`` for an unknown connection or
    /// behaviour.
    #[pyo3(signature = (server, connection, behaviour, ms = None))]
    fn set_behaviour(&self, server: &str, connection: &str, behaviour: &str, ms: Option<u64>) -> PyResult<()> {
        // The emulator's own spelling of a behaviour (as its scenario and control endpoint
        // take it), so the names are not written twice.
        let mut spelled = serde_json::json!({ "kind": behaviour });
        if let Some(ms) = ms {
            spelled["ms"] = ms.into();
        }
        let parsed: Behaviour = serde_json::from_value(spelled)
            .map_err(|e| PyValueError::new_err(format!("behaviour {behaviour:?}: {e}")))?;
        if ms.is_some() && !matches!(parsed, Behaviour::Slow { .. }) {
            return Err(PyValueError::new_err("ms goes with \"slow\" only"));
        }
        // Called with the GIL held, as every control call here: detaching while the lock is held
        // could deadlock with another thread's control call (it is a short call in any case).
        self.with(|e| e.set_behaviour(server, connection, parsed))?
            .map_err(|e| match e {
                plexlink_emulator::EmuError::Listen(_) => PyRuntimeError::new_err(e.to_string()),
                other => PyValueError::new_err(other.to_string()),
            })
    }

    /// Takes plex.tv down (``down=True``) or brings it back. ``mode``: what a plex.tv that is
    /// down does with each request, ``"refuse"`` (the connection closed unanswered: a
    /// :class:`plexlink.NetworkError` for the client) or ``"503"`` (Service Unavailable, with
    /// ``Retry-After``). Control calls and servers keep working.
    #[pyo3(signature = (down, mode = "refuse"))]
    fn set_plex_tv_down(&self, down: bool, mode: &str) -> PyResult<()> {
        let mode: DownMode = serde_json::from_value(serde_json::Value::from(mode))
            .map_err(|_| PyValueError::new_err(format!("mode must be \"refuse\" or \"503\", not {mode:?}")))?;
        self.with(|e| {
            e.set_plex_tv_down_mode(mode);
            e.set_plex_tv_down(down);
        })
    }

    /// Whether this machine has an IPv6 loopback (``[::1]`` can be bound): ``dual_stack=True``
    /// needs one, so tests check this first and skip.
    #[staticmethod]
    fn ipv6_available() -> bool {
        Inner::ipv6_available()
    }

    // --- Plex JWT sign-in ----------------------------------------------------------------

    /// Makes the emulator's other signing key the one that signs Plex JWTs from now on (JWTs
    /// of either key stay valid), as plex.tv rotates its keys. Returns the ``kid`` that signs
    /// now.
    fn rotate_jwt_key(&self) -> PyResult<String> {
        self.with(Inner::rotate_jwt_key)
    }

    /// Removes the device of ``client_identifier`` from its account, as the account's owner
    /// can on plex.tv: its key is forgotten, its Plex JWTs and refreshes fail with
    /// ``DeviceRemoved``. ``ValueError`` when no key is registered for it.
    fn remove_jwt_device(&self, client_identifier: &str) -> PyResult<()> {
        self.with(|e| e.remove_jwt_device(client_identifier))?
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The device keys registered now, as dicts (``client_identifier``, ``account``, ``kid``).
    fn jwt_devices<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = self.with(|e| to_json(&e.jwt_devices()))??;
        json_loads(py, &text)
    }

    /// Changes, from now on, how long the Plex JWTs it issues live (``jwt_lifetime``, whole
    /// seconds), how long its nonces live (``nonce_lifetime``) and how many nonces one client
    /// identifier may get in a minute (``nonce_rate_limit_per_minute``, 0 for no limit). What
    /// is left out keeps its value; tokens and nonces already issued keep theirs. Returns the
    /// settings in force, as :meth:`jwt_settings`.
    #[pyo3(signature = (*, jwt_lifetime = None, nonce_lifetime = None, nonce_rate_limit_per_minute = None))]
    fn set_jwt_settings<'py>(
        &self,
        py: Python<'py>,
        jwt_lifetime: Option<u64>,
        nonce_lifetime: Option<u64>,
        nonce_rate_limit_per_minute: Option<u32>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let changes = JwtSettings {
            jwt_lifetime_secs: jwt_lifetime,
            nonce_lifetime_secs: nonce_lifetime,
            nonce_rate_limit_per_minute,
        };
        let settings = self.with(|e| e.set_jwt_settings(changes))?;
        jwt_settings_dict(py, settings)
    }

    /// The JWT settings in force, as a dict with the keys :meth:`set_jwt_settings` takes.
    fn jwt_settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let settings = self.with(Inner::jwt_settings)?;
        jwt_settings_dict(py, settings)
    }

    /// The PEM certificate of the authority that signs the https (plex.direct) listeners,
    /// new at every start: give it to ``Client(root_certificates=[emu.ca_pem])``.
    #[getter]
    fn ca_pem(&self) -> PyResult<String> {
        self.with(Inner::ca_pem)
    }

    /// Stops it and closes every port (also what leaving a ``with`` block does). Stopping
    /// twice is harmless.
    fn stop(&self, py: Python<'_>) {
        let taken = self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(emulator) = taken {
            // Joining the emulator's thread waits for its listeners to close: no GIL needed.
            py.detach(move || emulator.stop());
        }
    }

    /// Returns itself: ``with`` starts nothing, since it already runs.
    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    /// Stops the emulator (:meth:`stop`) and lets any exception through.
    #[pyo3(signature = (_exc_type = None, _exc = None, _traceback = None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        _exc_type: Option<Bound<'_, PyType>>,
        _exc: Option<Bound<'_, PyAny>>,
        _traceback: Option<Bound<'_, PyAny>>,
    ) -> bool {
        self.stop(py);
        false
    }

    fn __repr__(&self) -> String {
        let state = if self.running() { "running" } else { "stopped" };
        format!("Emulator(url={}, {state})", quoted(&self.url))
    }
}
