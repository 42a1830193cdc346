//! `KeptServer`: a server whose connection plexlink keeps right in the background
//! (`plexlink::KeptServer`, docs/protocol.md §3.7), and its events.
//!
//! plexlink runs the driver (a thread of its own for the blocking client, a task of this
//! module's runtime for the asyncio face) and calls one hook per event. The hook installed here
//! (`Hub::record`) takes no GIL: it remembers the connection chosen and the race that chose it
//! (so an event's ``old`` is a whole `Connected`, as ``new`` is) and hands the event to every
//! `events()` iterator on a channel. Python objects are made only where the GIL is taken
//! anyway: by the iterator's consumer, or to call ``on_event``.
//!
//! Deadlocks: no lock of this module or of plexlink is held while Python runs or while the GIL
//! is awaited. The hub's lock is taken for a few instructions (with or without the GIL), and
//! plexlink calls the hook after releasing its own state lock. A Python thread that holds the
//! GIL never waits for the driver, except `keep()` itself, which waits for the first decision
//! with the GIL released (the first event's ``on_event`` needs it).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, mpsc};
use std::time::{Duration, Instant};

use plexlink::core::race::{Candidate, RaceOutcome as CoreOutcome};
use plexlink::{Error, KeepOptions, KeepPolicy, KeptEvent as CoreEvent, RacePolicy, TransportErrorKind};
use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyTuple, PyType};
use pyo3::{PyTraverseError, PyVisit};

use crate::aio::Ready;
use crate::connect::{Connected, RaceOutcome, race_options};
use crate::convert::{Options, Seconds, quoted, seconds};
use crate::errors::{to_pyerr, transport_failure};
use crate::resources::Resource;

/// How often a thread waiting for an event looks up: the bound on Ctrl-C latency.
const SLICE: Duration = Duration::from_millis(100);

/// The keep policy for ``keep``'s keyword arguments: plexlink's defaults for what is not given,
/// checked by the core now (so that the asyncio face raises at the call, not at the await).
pub(crate) fn keep_policy(
    race: RacePolicy,
    warm_window: Option<Seconds>,
    recheck_interval: Option<Seconds>,
    recheck_max: Option<Seconds>,
    retry_max: Option<Seconds>,
) -> PyResult<KeepPolicy> {
    let defaults = KeepPolicy::default();
    let policy = KeepPolicy {
        race,
        warm_window: seconds("warm_window", warm_window)?.unwrap_or(defaults.warm_window),
        recheck_interval: seconds("recheck_interval", recheck_interval)?.unwrap_or(defaults.recheck_interval),
        recheck_max: seconds("recheck_max", recheck_max)?.unwrap_or(defaults.recheck_max),
        retry_max: seconds("retry_max", retry_max)?.unwrap_or(defaults.retry_max),
    };
    policy.validate().map_err(to_pyerr)?;
    Ok(policy)
}

/// [`keep_policy`] for the options as the asyncio face hands them over: one tuple
/// ``(warm_window, recheck_interval, recheck_max, retry_max)`` and the race's (see
/// [`race_options`]), read in that order, as the blocking client reads its arguments.
pub(crate) fn keep_options(options: &Bound<'_, PyTuple>, race: &Bound<'_, PyTuple>) -> PyResult<KeepPolicy> {
    let mut options = Options::new(options);
    let warm_window = options.next("warm_window")?;
    let recheck_interval = options.next("recheck_interval")?;
    let recheck_max = options.next("recheck_max")?;
    let retry_max = options.next("retry_max")?;
    let race = race_options(race)?;
    keep_policy(race, warm_window, recheck_interval, recheck_max, retry_max)
}

/// One event as the hub hands it on: the core's, and the race that chose its `old` connection
/// (which the core's event does not carry).
pub(crate) struct Recorded {
    event: CoreEvent,
    old_outcome: Option<CoreOutcome>,
}

/// Events are shared by every subscriber, not copied for each.
pub(crate) type Record = Arc<Recorded>;

/// An `events()` iterator's end of a channel.
enum Subscriber {
    /// The blocking iterator, read by a Python thread.
    Thread(mpsc::Sender<Record>),
    /// The asyncio iterator, read by a task of the runtime.
    Task(tokio::sync::mpsc::UnboundedSender<Record>),
}

impl Subscriber {
    /// Whether the iterator is still there to take it.
    fn send(&self, record: &Record) -> bool {
        match self {
            Subscriber::Thread(tx) => tx.send(Arc::clone(record)).is_ok(),
            Subscriber::Task(tx) => tx.send(Arc::clone(record)).is_ok(),
        }
    }
}

#[derive(Default)]
struct HubState {
    /// The connection chosen last and the race that chose it; None before the first choice
    /// and while none works.
    chosen: Option<(Candidate, CoreOutcome)>,
    subscribers: Vec<Subscriber>,
    /// Stopped: no more events, iterators end.
    closed: bool,
}

/// What a kept server's Python handle, its iterators and its driver's hook share.
pub(crate) struct Hub {
    /// The server, for every `Connected` made of its connections.
    resource: Py<Resource>,
    state: Mutex<HubState>,
    /// ``on_event``. Apart from the state, so that the garbage collector can clear it (a
    /// callback that refers to its own handle makes a cycle through Rust).
    callback: Mutex<Option<Py<PyAny>>>,
}

impl Hub {
    fn state(&self) -> MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn callback_slot(&self) -> MutexGuard<'_, Option<Py<PyAny>>> {
        self.callback.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes an event (on the driver's thread or task, without the GIL) and hands it to every
    /// iterator. `None` for a kind of event this module does not know (the core's enum may grow;
    /// such an event is left out rather than shown wrong).
    fn record(&self, event: &CoreEvent) -> Option<Record> {
        let mut state = self.state();
        let (old, before) = match event {
            CoreEvent::Changed { old, new, outcome, .. } => (old, state.chosen.replace((new.clone(), outcome.clone()))),
            CoreEvent::Lost { old, .. } => (old, state.chosen.take()),
            _ => return None,
        };
        let old_outcome = match (old, before) {
            (Some(old), Some((was, outcome))) if was.uri == old.uri => Some(outcome),
            _ => None,
        };
        let record = Arc::new(Recorded {
            event: event.clone(),
            old_outcome,
        });
        state.subscribers.retain(|s| s.send(&record));
        Some(record)
    }

    fn subscribe(&self, subscriber: Subscriber) {
        let mut state = self.state();
        // Once stopped, the subscriber is dropped here, and its iterator ends at once.
        if !state.closed {
            state.subscribers.push(subscriber);
        }
    }

    /// Ends every iterator, now and later.
    fn close(&self) {
        let mut state = self.state();
        state.closed = true;
        state.subscribers.clear();
    }

    fn has_callback(&self) -> bool {
        self.callback_slot().is_some()
    }

    /// Calls ``on_event`` with `event`; what it raises goes to ``sys.unraisablehook``, as an
    /// exception in a ``__del__`` does: there is no caller to raise it to, and the driver must
    /// go on (a panic would end it).
    pub(crate) fn call_back(&self, py: Python<'_>, event: &Bound<'_, PyAny>) {
        // Cloned out, so that the lock is not held while Python runs.
        let Some(callback) = self.callback_slot().as_ref().map(|c| c.clone_ref(py)) else {
            return;
        };
        if let Err(error) = callback.call1(py, (event,)) {
            error.write_unraisable(py, Some(callback.bind(py)));
        }
    }

    /// The connection chosen now, as a `Connected` whose race is the one that chose it.
    fn current(&self, py: Python<'_>) -> PyResult<Option<Py<Connected>>> {
        let chosen = self.state().chosen.clone();
        chosen
            .map(|(candidate, outcome)| Connected::chosen(py, self.resource.clone_ref(py), &candidate, &outcome))
            .transpose()
    }

    /// The Python object for a recorded event.
    pub(crate) fn event(&self, py: Python<'_>, record: &Recorded) -> PyResult<Py<KeptEvent>> {
        let connected = |candidate: &Candidate, outcome: &CoreOutcome| {
            Connected::chosen(py, self.resource.clone_ref(py), candidate, outcome)
        };
        // The hub saw every event from the first, so an old connection's race is known; were it
        // not, an empty race says so rather than another race's reports.
        let old_outcome = record.old_outcome.clone().unwrap_or_default();
        let (kind, old, new, why, outcome) = match &record.event {
            CoreEvent::Changed { old, new, why, outcome } => {
                ("changed", old, Some(connected(new, outcome)?), why, outcome)
            }
            CoreEvent::Lost { old, why, outcome } => ("lost", old, None, why, outcome),
            // `record` keeps only the kinds above.
            _ => return Err(pyo3::exceptions::PyRuntimeError::new_err("an event of an unknown kind")),
        };
        let event = KeptEvent {
            kind,
            old: old.as_ref().map(|c| connected(c, &old_outcome)).transpose()?,
            new,
            why: why.as_str(),
            outcome: RaceOutcome::create(py, outcome)?,
        };
        Py::new(py, event)
    }
}

/// The hub of a new kept server and the options for plexlink. `on_event` goes on the driver's
/// thread (`to_loop` None: the blocking client) or on a channel to the task that hands it to
/// an event loop (the asyncio face).
pub(crate) fn prepare(
    resource: Py<Resource>,
    policy: KeepPolicy,
    last_good: Option<String>,
    on_event: Option<Py<PyAny>>,
    to_loop: Option<tokio::sync::mpsc::UnboundedSender<Record>>,
) -> (Arc<Hub>, KeepOptions) {
    let hub = Arc::new(Hub {
        resource,
        state: Mutex::new(HubState::default()),
        callback: Mutex::new(on_event),
    });
    let hook_hub = Arc::clone(&hub);
    let hook = move |event: &CoreEvent| {
        let Some(record) = hook_hub.record(event) else { return };
        match &to_loop {
            Some(tx) => {
                let _ = tx.send(record);
            }
            // The blocking client's driver thread: the GIL is taken only when there is a
            // callback, and never at all while the interpreter shuts down.
            None if hook_hub.has_callback() => {
                let _ = Python::try_attach(|py| match hook_hub.event(py, &record) {
                    Ok(event) => hook_hub.call_back(py, event.bind(py).as_any()),
                    Err(error) => error.write_unraisable(py, None),
                });
            }
            None => {}
        }
    };
    let options = KeepOptions {
        policy,
        last_good,
        on_event: Some(Box::new(hook)),
    };
    (hub, options)
}

/// The callable an event loop runs for each event of an asyncio kept server: ``on_event``, its
/// exceptions reported as on the driver's thread.
pub(crate) fn loop_callback<'py>(py: Python<'py>, hub: &Arc<Hub>) -> PyResult<Bound<'py, PyCFunction>> {
    let hub = Arc::clone(hub);
    PyCFunction::new_closure(py, Some(c"on_event"), None, move |args, _kwargs| -> PyResult<()> {
        hub.call_back(args.py(), &args.get_item(0)?);
        Ok(())
    })
}

/// A server whose connection plexlink keeps right in the background (``Client.keep``): a warm
/// start from the last good connection, a new race when a request fails (many reports, one
/// race), rechecks of better tiers while on a worse one (moving up when one answers), and an
/// event at each change.
///
/// Read :attr:`uri` (or :attr:`current`) for each request; when a request to it fails at the
/// transport level, :meth:`report_failure` (or let :meth:`call` do it). Save :attr:`uri` at
/// exit and give it as ``last_good`` next time.
///
/// The driver runs until :meth:`stop`, the end of a ``with`` block, or until this handle is
/// garbage collected. Every method may be called from any thread.
#[pyclass(frozen, module = "plexlink")]
pub(crate) struct KeptServer {
    kept: plexlink::KeptServer,
    hub: Arc<Hub>,
}

impl KeptServer {
    pub(crate) fn new(kept: plexlink::KeptServer, hub: Arc<Hub>) -> Self {
        Self { kept, hub }
    }
}

#[pymethods]
impl KeptServer {
    /// The URI to use now; None while no connection works (the driver keeps looking).
    #[getter]
    fn uri(&self) -> Option<String> {
        self.kept.uri()
    }

    /// The connection to use now, as a :class:`Connected` (``uri``, ``tier``, the race that
    /// chose it), or None while no connection works.
    #[getter]
    fn current(&self, py: Python<'_>) -> PyResult<Option<Py<Connected>>> {
        // None whenever `uri` is: also once a dead driver left no connection behind.
        if self.kept.uri().is_none() {
            return Ok(None);
        }
        self.hub.current(py)
    }

    /// True while the driver keeps the connection right; False once it has ended: moments
    /// after :meth:`stop`, or if it died (a bug), when :attr:`uri` is None for good and only
    /// keeping the server again brings a connection back.
    #[getter]
    fn is_running(&self) -> bool {
        self.kept.is_running()
    }

    /// The server (the :class:`Resource` given to ``keep``).
    #[getter]
    fn server(&self, py: Python<'_>) -> Py<Resource> {
        self.hub.resource.clone_ref(py)
    }

    /// The last race that changed something (chose a connection, or found none), or None.
    #[getter]
    fn last_outcome(&self, py: Python<'_>) -> PyResult<Option<Py<RaceOutcome>>> {
        self.kept
            .last_outcome()
            .map(|outcome| RaceOutcome::create(py, &outcome))
            .transpose()
    }

    /// A request to the current connection failed at the transport level: race every
    /// connection again. Many reports during one race start nothing more. Returns at once.
    fn report_failure(&self) {
        self.kept.report_failure();
    }

    /// The network changed (another Wi-Fi, a VPN, a wake from sleep): race every connection
    /// now. Returns at once.
    fn network_changed(&self) {
        self.kept.network_changed();
    }

    /// Calls ``function(uri)`` with the current URI and returns what it returns. When it raises
    /// a transport-level exception (no answer at all: :class:`NetworkError`,
    /// ``ConnectionError``, ``TimeoutError``, or one of ``transport_errors``, e.g.
    /// ``(requests.ConnectionError, requests.Timeout)``), the failure is reported first, then
    /// the exception propagates; the next call finds a new connection. Other exceptions
    /// (an HTTP error status, say) report nothing. Raises :class:`NoConnection` when no
    /// connection works now.
    #[pyo3(signature = (function, /, *, transport_errors = None))]
    fn call(
        &self,
        py: Python<'_>,
        function: &Bound<'_, PyAny>,
        transport_errors: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let mut raised = None;
        // plexlink's call decides: it reports exactly when the call failed at the transport
        // level, which the exception is translated to. No lock is held while `function` runs.
        let result = self.kept.call(|uri| match function.call1((uri,)) {
            Ok(value) => Ok(value.unbind()),
            Err(error) => {
                let failed = if transport_failure(py, &error, transport_errors) {
                    Error::Transport {
                        kind: TransportErrorKind::Other,
                        detail: String::new(),
                    }
                } else {
                    // Anything that is not a transport failure: plexlink reports nothing.
                    Error::Cancelled
                };
                raised = Some(error);
                Err(failed)
            }
        });
        match (result, raised) {
            (Ok(value), _) => Ok(value),
            (Err(_), Some(error)) => Err(error),
            (Err(error), None) => Err(to_pyerr(error)),
        }
    }

    /// The events from now on (each a :class:`KeptEvent`), oldest first. The iteration ends
    /// when the kept server is stopped, or when no event came for ``timeout`` seconds (None:
    /// no limit). Waiting releases the GIL and Ctrl-C interrupts it. Each call makes an
    /// iterator of its own, which sees every event after the call.
    #[pyo3(signature = (timeout = None))]
    fn events(slf: &Bound<'_, Self>, timeout: Option<Seconds>) -> PyResult<KeptEvents> {
        let timeout = seconds("timeout", timeout)?;
        let (tx, rx) = mpsc::channel();
        slf.get().hub.subscribe(Subscriber::Thread(tx));
        Ok(KeptEvents {
            kept: slf.clone().unbind(),
            inbox: Mutex::new(rx),
            timeout,
        })
    }

    /// Stops the driver now: no more probes, no more events, and every events iterator ends.
    /// :attr:`uri` keeps its last value. Stopping twice is harmless.
    fn stop(&self) {
        self.kept.stop();
        self.hub.close();
    }

    /// Returns itself: ``with`` starts nothing, since it already runs.
    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    /// Stops the driver (:meth:`stop`) and lets any exception through.
    #[pyo3(signature = (_exc_type = None, _exc = None, _traceback = None))]
    fn __exit__(
        &self,
        _exc_type: Option<Bound<'_, PyType>>,
        _exc: Option<Bound<'_, PyAny>>,
        _traceback: Option<Bound<'_, PyAny>>,
    ) -> bool {
        self.stop();
        false
    }

    /// ``plexlink.aio``: the events as an asynchronous iterator (see :meth:`events`).
    #[pyo3(signature = (timeout = None))]
    fn _async_events(slf: &Bound<'_, Self>, timeout: Option<Seconds>) -> PyResult<AsyncKeptEvents> {
        let timeout = seconds("timeout", timeout)?;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        slf.get().hub.subscribe(Subscriber::Task(tx));
        Ok(AsyncKeptEvents {
            kept: slf.clone().unbind(),
            inbox: Arc::new(tokio::sync::Mutex::new(rx)),
            timeout,
        })
    }

    /// ``plexlink.aio``'s ``call``, before it awaits: the URI to call, or
    /// :class:`NoConnection` (plexlink's own answer when none works).
    fn _call_uri(&self) -> PyResult<String> {
        self.kept.call(|uri| Ok(uri.to_owned())).map_err(to_pyerr)
    }

    /// ``plexlink.aio``'s ``call``, after the awaited call raised ``error``: reports the failure
    /// when it is a transport-level one (as :meth:`call` decides), and says whether it did.
    #[pyo3(signature = (error, transport_errors = None))]
    fn _report_if_transport(&self, error: &Bound<'_, PyAny>, transport_errors: Option<&Bound<'_, PyAny>>) -> bool {
        let py = error.py();
        let failed = transport_failure(py, &PyErr::from_value(error.clone()), transport_errors);
        if failed {
            self.kept.report_failure();
        }
        failed
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        // Never block here: a callback being swapped out is simply not visited this time.
        if let Ok(slot) = self.hub.callback.try_lock() {
            if let Some(callback) = slot.as_ref() {
                visit.call(callback)?;
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        // Unreachable but for a cycle through its callback: drop the callback, which breaks it.
        let taken = self.hub.callback_slot().take();
        drop(taken);
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let name = self.hub.resource.bind(py).get().name.clone();
        let uri = self.kept.uri().map_or_else(|| "None".to_owned(), |u| quoted(&u));
        format!("KeptServer(server={}, uri={uri})", quoted(&name))
    }
}

/// A change of a kept server's connection (``KeptServer.events()`` and ``on_event``).
#[pyclass(frozen, module = "plexlink", get_all)]
pub(crate) struct KeptEvent {
    /// ``changed`` (``new`` is the connection to use from now on) or ``lost`` (no connection
    /// works; the driver keeps trying, backing off).
    kind: &'static str,
    /// The connection before, with the race that chose it; None at the start and after a loss.
    old: Option<Py<Connected>>,
    /// The connection to use from now on (for ``changed``), with the race that chose it; None
    /// for ``lost``.
    new: Option<Py<Connected>>,
    /// Why (the core's names): ``started`` (the first race), ``warm_start`` (the last good
    /// connection answered at once), ``failover`` (after a reported failure),
    /// ``moved_up`` (a recheck found a better tier), ``network_changed`` or ``recovered``
    /// (one works again after none did).
    why: &'static str,
    /// The race behind this event.
    outcome: Py<RaceOutcome>,
}

#[pymethods]
impl KeptEvent {
    fn __repr__(&self, py: Python<'_>) -> String {
        let uri = |c: &Option<Py<Connected>>| {
            c.as_ref()
                .map_or_else(|| "None".to_owned(), |c| quoted(&c.bind(py).as_super().get().uri))
        };
        format!(
            "KeptEvent(kind={}, why={}, old={}, new={})",
            quoted(self.kind),
            quoted(self.why),
            uri(&self.old),
            uri(&self.new)
        )
    }
}

/// A kept server's events, for a Python thread (``KeptServer.events()``).
#[pyclass(frozen, module = "plexlink._plexlink")]
pub(crate) struct KeptEvents {
    /// Held so that iterating keeps the server kept.
    kept: Py<KeptServer>,
    inbox: Mutex<mpsc::Receiver<Record>>,
    timeout: Option<Duration>,
}

#[pymethods]
impl KeptEvents {
    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<KeptEvent>>> {
        let deadline = self.timeout.and_then(|t| Instant::now().checked_add(t));
        loop {
            let slice = deadline.map_or(SLICE, |d| d.saturating_duration_since(Instant::now()).min(SLICE));
            // The lock is taken with the GIL released: another thread reading this iterator
            // may hold it for a slice, and must be able to take the GIL meanwhile.
            let got = py.detach(|| {
                let inbox = self.inbox.lock().unwrap_or_else(PoisonError::into_inner);
                inbox.recv_timeout(slice)
            });
            match got {
                Ok(record) => return Ok(Some(self.kept.get().hub.event(py, &record)?)),
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(None),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    py.check_signals()?;
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        return Ok(None);
                    }
                }
            }
        }
    }
}

/// A kept server's events, for an event loop (``plexlink.aio``'s ``events()``).
#[pyclass(frozen, name = "_AsyncKeptEvents", module = "plexlink._plexlink")]
pub(crate) struct AsyncKeptEvents {
    /// Held so that iterating keeps the server kept.
    kept: Py<KeptServer>,
    inbox: Arc<tokio::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<Record>>>,
    timeout: Option<Duration>,
}

#[pymethods]
impl AsyncKeptEvents {
    fn __aiter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let inbox = Arc::clone(&self.inbox);
        let hub = Arc::clone(&self.kept.get().hub);
        let timeout = self.timeout;
        // The wait is a future of the runtime: the loop runs meanwhile, and cancelling the
        // awaiting task drops it (an event not yet taken stays in the channel).
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let next = {
                let mut inbox = inbox.lock().await;
                match timeout {
                    // An elapsed timeout ends the iteration, as the blocking one does.
                    Some(limit) => tokio::time::timeout(limit, inbox.recv()).await.unwrap_or(None),
                    None => inbox.recv().await,
                }
            };
            Ok(Ready::new(move |py| match next {
                Some(record) => Ok(hub.event(py, &record)?.into_any()),
                None => Err(PyStopAsyncIteration::new_err(())),
            }))
        })
    }
}
