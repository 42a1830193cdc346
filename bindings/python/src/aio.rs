//! `_AsyncCore`: what `plexlink.aio.AsyncClient` awaits. Each call is a future of
//! `plexlink::AsyncClient` spawned on one tokio runtime of this module (pyo3-async-runtimes)
//! and handed to asyncio as an `asyncio.Future` of the caller's event loop.
//!
//! - No thread per call: the runtime has `WORKERS` threads, and at most `BLOCKING` more that
//!   take the GIL to hand a result (or a wait's progress) to the event loop, so a tokio worker
//!   never waits for the GIL. The runtime starts on the first call, not at import.
//! - Cancelling the asyncio future (the awaiting task was cancelled, `wait_for` timed out)
//!   drops the Rust future, which cancels its requests and its timers.
//! - Arguments are converted while the GIL is held, as the blocking `Client` does; results
//!   become Python objects once the GIL is held again, on their way to the event loop.

use std::pin::Pin as Pinned;
use std::sync::Arc;

use plexlink::{Error, Password, PinCode, Token, VerificationCode, WaitOptions, WaitProgress as CoreProgress};
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::account::{Account, HomeUser};
use crate::cancel::Cancel;
use crate::client::{Client, UserRef, connect_all_results, resource_list, wait_times};
use crate::connect::{Connected, race_options};
use crate::convert::{Options, Seconds};
use crate::errors::to_pyerr;
use crate::jwt::{DeviceKey, JwtClaims, JwtSession, PlexJwt};
use crate::kept::{KeptServer, keep_options, loop_callback, prepare};
use crate::offline::{ResourcesSnapshot, ServerList};
use crate::pin::{Pin, PinRef, WaitProgress, wait_key};
use crate::resources::{Identity, Resource};

/// The runtime's worker threads: every call's I/O and timers.
const WORKERS: usize = 2;
/// The most threads the runtime starts for blocking work: handing results to Python (which
/// needs the GIL) and the system resolver. Past this many at once, they wait in line.
const BLOCKING: usize = 8;

/// Configures the runtime the calls run on; it starts with the first call.
pub(crate) fn init_runtime() {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder
        .worker_threads(WORKERS)
        .max_blocking_threads(BLOCKING)
        .thread_name("plexlink-aio")
        .enable_all();
    pyo3_async_runtimes::tokio::init(builder);
}

/// Makes a finished call's Python value (or exception); needs the GIL.
type Convert = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

/// A finished call's value, made into a Python object once the GIL is held.
pub(crate) struct Ready(Convert);

impl Ready {
    /// The value `convert` makes.
    pub(crate) fn new(convert: impl FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send + 'static) -> Self {
        Self(Box::new(convert))
    }
}

impl<'py> IntoPyObject<'py> for Ready {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        (self.0)(py).map(|object| object.into_bound(py))
    }
}

/// `call` as an `asyncio.Future` of the running loop; its value is `convert`ed, its error
/// becomes the exception the blocking client would raise.
fn spawn<'py, T, C>(
    py: Python<'py>,
    call: impl Future<Output = Result<T, Error>> + Send + 'static,
    convert: C,
) -> PyResult<Bound<'py, PyAny>>
where
    T: Send + 'static,
    C: FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>> + Send + 'static,
{
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        let result = call.await;
        Ok(Ready(Box::new(move |py| match result {
            Ok(value) => convert(py, value),
            Err(error) => Err(to_pyerr(error)),
        })))
    })
}

/// Hands each item of `items` to Python with `hand`, in order (a wait's progress, a kept
/// server's events, for the event loop's thread). Each takes the GIL on a blocking thread,
/// never on a worker; ends when the sender is dropped, or once `hand` fails (a closed loop has
/// no one left to tell).
async fn deliver<T: Send + 'static>(
    mut items: tokio::sync::mpsc::UnboundedReceiver<T>,
    hand: impl Fn(Python<'_>, T) -> PyResult<()> + Send + Sync + 'static,
) {
    let hand = Arc::new(hand);
    while let Some(item) = items.recv().await {
        let hand = Arc::clone(&hand);
        let handed = tokio::task::spawn_blocking(move || Python::attach(|py| hand(py, item))).await;
        if !matches!(handed, Ok(Ok(()))) {
            return;
        }
    }
}

/// Hands a wait's progress to `callback` on the event loop's thread, in order.
async fn deliver_progress(
    reports: tokio::sync::mpsc::UnboundedReceiver<CoreProgress>,
    event_loop: Py<PyAny>,
    callback: Py<PyAny>,
) {
    deliver(reports, move |py, progress| {
        let report = Py::new(py, WaitProgress::from(progress))?;
        event_loop.call_method1(py, "call_soon_threadsafe", (&callback, report))?;
        Ok(())
    })
    .await;
}

/// The native half of `plexlink.aio.AsyncClient`: the network calls of a `Client`, as
/// awaitables of the running event loop.
#[pyclass(frozen, name = "_AsyncCore", module = "plexlink._plexlink")]
pub(crate) struct AsyncCore {
    blocking: plexlink::Client,
    inner: plexlink::AsyncClient,
}

impl AsyncCore {
    /// `call` on a clone of the async client, its value converted by `convert`.
    fn run<'py, T, F>(
        &self,
        py: Python<'py>,
        call: impl FnOnce(plexlink::AsyncClient) -> F,
        convert: impl FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>> + Send + 'static,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, Error>> + Send + 'static,
    {
        spawn(py, call(self.inner.clone()), convert)
    }

    /// A PIN wait (`wait`, given the async client and the wait's options) as an awaitable:
    /// `on_progress` runs on the event loop's thread, and `cancel` (read, never cancelled)
    /// ends the wait as dropping it does.
    fn wait<'py, T: Send + 'static>(
        &self,
        py: Python<'py>,
        (timeout, interval, on_progress, cancel): WaitArgs<'_>,
        wait: impl for<'a> FnOnce(&'a plexlink::AsyncClient, WaitOptions<'a>) -> PinWait<'a, T> + Send + 'static,
        convert: impl FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>> + Send + 'static,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (timeout, interval) = wait_times(timeout, interval)?;
        // Read only: the caller's handle may guard other work, and this wait ends by being
        // dropped.
        let cancel = cancel.map(|c| c.get().clone());
        let reports = match on_progress {
            Some(callback) => {
                let event_loop = pyo3_async_runtimes::get_running_loop(py)?.unbind();
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                Some((tx, rx, event_loop, callback))
            }
            None => None,
        };
        self.run(
            py,
            move |client| async move {
                let progress = reports.map(|(tx, rx, event_loop, callback)| {
                    tokio::spawn(deliver_progress(rx, event_loop, callback));
                    tx
                });
                let mut report = |p: &CoreProgress| {
                    if let Some(tx) = &progress {
                        let _ = tx.send(p.clone());
                    }
                };
                let options = WaitOptions {
                    interval,
                    timeout,
                    cancel: None,
                    on_progress: Some(&mut report),
                };
                let wait = wait(&client, options);
                match &cancel {
                    None => wait.await,
                    Some(cancel) => tokio::select! {
                        result = wait => result,
                        () = cancel.until_cancelled() => Err(Error::Cancelled),
                    },
                }
            },
            convert,
        )
    }

    /// [`run`](Self::run) for a call that takes only a token.
    fn with_token<'py, T, F>(
        &self,
        py: Python<'py>,
        token: &str,
        call: impl FnOnce(plexlink::AsyncClient, Token) -> F,
        convert: impl FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>> + Send + 'static,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, Error>> + Send + 'static,
    {
        spawn(py, call(self.inner.clone(), Token::new(token)), convert)
    }
}

/// A PIN wait of the async client, given its options: a boxed future, since it borrows them.
type PinWait<'a, T> = Pinned<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// A wait's `timeout`, `interval`, `on_progress` and `cancel`, as Python gave them.
type WaitArgs<'py> = (
    Option<Seconds>,
    Option<Seconds>,
    Option<Py<PyAny>>,
    Option<Bound<'py, Cancel>>,
);

/// A wait's options as the asyncio face hands them over: one tuple ``(timeout, interval,
/// on_progress, cancel)`` (see [`Options`]).
fn wait_options<'py>(options: &Bound<'py, PyTuple>) -> PyResult<WaitArgs<'py>> {
    let mut options = Options::new(options);
    Ok((
        options.next("timeout")?,
        options.next("interval")?,
        options.next("on_progress")?,
        options.next("cancel")?,
    ))
}

/// The Python value of an answer that has none.
fn none(py: Python<'_>, (): ()) -> PyResult<Py<PyAny>> {
    Ok(py.None())
}

/// An account as Python sees it.
fn account(py: Python<'_>, account: plexlink::Account) -> PyResult<Py<PyAny>> {
    Account::new(py, account)?.into_py_any(py)
}

/// Devices as Python sees them.
fn resources(py: Python<'_>, devices: Vec<plexlink::Device>) -> PyResult<Py<PyAny>> {
    Resource::list(py, devices)?.into_py_any(py)
}

/// A token's text.
fn secret(py: Python<'_>, token: Token) -> PyResult<Py<PyAny>> {
    token.into_secret().into_py_any(py)
}

/// A Plex JWT as Python sees it.
fn plex_jwt(py: Python<'_>, jwt: plexlink::PlexJwt) -> PyResult<Py<PyAny>> {
    PlexJwt::create(py, jwt)?.into_py_any(py)
}

#[pymethods]
impl AsyncCore {
    /// The asyncio calls of ``client``, over an async client with its settings.
    #[new]
    fn new(client: &Bound<'_, Client>) -> PyResult<Self> {
        let client = client.get();
        Ok(Self {
            blocking: client.blocking().clone(),
            inner: client.async_twin()?,
        })
    }

    #[pyo3(signature = (strong = false, *, jwt_key = None))]
    fn create_pin<'py>(
        &self,
        py: Python<'py>,
        strong: bool,
        jwt_key: Option<Bound<'_, DeviceKey>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let pins = self.blocking.clone();
        let key = jwt_key.map(|k| k.get().core.clone());
        let made_with = key.clone();
        self.run(
            py,
            move |c| async move {
                match &key {
                    Some(key) => c.create_jwt_pin(key, strong).await,
                    None => c.create_pin(strong).await,
                }
            },
            move |py, core| {
                Pin {
                    core,
                    client: pins,
                    jwt_key: made_with,
                }
                .into_py_any(py)
            },
        )
    }

    fn check_pin<'py>(&self, py: Python<'py>, pin: PinRef<'_>) -> PyResult<Bound<'py, PyAny>> {
        let id = pin.id();
        let jwt_key = pin.jwt_key();
        let pins = self.blocking.clone();
        self.run(
            py,
            move |c| async move { c.check_pin(id).await },
            move |py, core| {
                Pin {
                    core,
                    client: pins,
                    jwt_key,
                }
                .into_py_any(py)
            },
        )
    }

    // `wait`: the wait's options (`wait_options`).
    fn wait_for_token<'py>(
        &self,
        py: Python<'py>,
        pin: &Bound<'_, Pin>,
        wait: &Bound<'_, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let wait = wait_options(wait)?;
        let core_pin = pin.get().core.clone();
        match pin.get().jwt_key.clone() {
            // A JWT PIN's token is its Plex JWT, as the blocking client's wait says.
            Some(key) => self.wait(
                py,
                wait,
                move |c, o| Box::pin(async move { c.wait_for_jwt(&core_pin, &key, o).await }),
                |py, jwt| secret(py, jwt.token),
            ),
            None => self.wait(
                py,
                wait,
                move |c, o| Box::pin(async move { c.wait_for_token(&core_pin, o).await }),
                secret,
            ),
        }
    }

    // `wait`: the wait's options (`wait_options`).
    fn wait_for_jwt<'py>(
        &self,
        py: Python<'py>,
        pin: &Bound<'_, Pin>,
        key: Option<Bound<'_, DeviceKey>>,
        wait: &Bound<'_, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let wait = wait_options(wait)?;
        let key = wait_key(pin.get(), key.as_ref())?;
        let core_pin = pin.get().core.clone();
        self.wait(
            py,
            wait,
            move |c, o| Box::pin(async move { c.wait_for_jwt(&core_pin, &key, o).await }),
            plex_jwt,
        )
    }

    fn upgrade_to_jwt<'py>(
        &self,
        py: Python<'py>,
        token: &str,
        key: &Bound<'_, DeviceKey>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let key = key.get().core.clone();
        self.with_token(
            py,
            token,
            |c, t| async move { c.upgrade_to_jwt(&t, &key).await },
            plex_jwt,
        )
    }

    fn refresh_jwt<'py>(&self, py: Python<'py>, key: &Bound<'_, DeviceKey>) -> PyResult<Bound<'py, PyAny>> {
        let key = key.get().core.clone();
        self.run(py, move |c| async move { c.refresh_jwt(&key).await }, plex_jwt)
    }

    fn verify_jwt<'py>(&self, py: Python<'py>, token: &str, key: &Bound<'_, DeviceKey>) -> PyResult<Bound<'py, PyAny>> {
        let key = key.get().core.clone();
        self.with_token(
            py,
            token,
            |c, t| async move { c.verify_jwt(&t, &key).await },
            |py, claims| JwtClaims { core: claims }.into_py_any(py),
        )
    }

    fn jwt_token<'py>(&self, py: Python<'py>, session: &Bound<'_, JwtSession>) -> PyResult<Bound<'py, PyAny>> {
        let session = Arc::clone(&session.get().inner);
        self.run(py, move |c| async move { c.jwt_token(&session).await }, secret)
    }

    fn refresh_session<'py>(&self, py: Python<'py>, session: &Bound<'_, JwtSession>) -> PyResult<Bound<'py, PyAny>> {
        let session = Arc::clone(&session.get().inner);
        self.run(py, move |c| async move { c.refresh_session(&session).await }, secret)
    }

    fn link_pin<'py>(&self, py: Python<'py>, token: &str, code: &str) -> PyResult<Bound<'py, PyAny>> {
        let (token, code) = (Token::new(token), PinCode::new(code));
        self.run(py, move |c| async move { c.link_pin(&token, &code).await }, none)
    }

    #[pyo3(signature = (login, password, verification_code = None))]
    fn sign_in<'py>(
        &self,
        py: Python<'py>,
        login: String,
        password: &str,
        verification_code: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let password = Password::new(password);
        let code = verification_code.map(VerificationCode::new);
        self.run(
            py,
            move |c| async move { c.sign_in(&login, &password, code.as_ref()).await },
            account,
        )
    }

    fn user<'py>(&self, py: Python<'py>, token: &str) -> PyResult<Bound<'py, PyAny>> {
        self.with_token(py, token, |c, t| async move { c.user(&t).await }, account)
    }

    fn sign_out<'py>(&self, py: Python<'py>, token: &str) -> PyResult<Bound<'py, PyAny>> {
        self.with_token(py, token, |c, t| async move { c.sign_out(&t).await }, none)
    }

    fn ping<'py>(&self, py: Python<'py>, token: &str) -> PyResult<Bound<'py, PyAny>> {
        self.with_token(py, token, |c, t| async move { c.ping(&t).await }, none)
    }

    fn home_users<'py>(&self, py: Python<'py>, token: &str) -> PyResult<Bound<'py, PyAny>> {
        self.with_token(
            py,
            token,
            |c, t| async move { c.home_users(&t).await },
            |py, users| {
                users
                    .into_iter()
                    .map(HomeUser::from)
                    .collect::<Vec<_>>()
                    .into_py_any(py)
            },
        )
    }

    #[pyo3(signature = (token, user, pin = None))]
    fn switch_home_user<'py>(
        &self,
        py: Python<'py>,
        token: &str,
        user: UserRef<'_>,
        pin: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let uuid = user.uuid();
        let token = Token::new(token);
        let pin = pin.map(PinCode::new);
        self.run(
            py,
            move |c| async move { c.switch_home_user(&token, &uuid, pin.as_ref()).await },
            account,
        )
    }

    fn claim_token<'py>(&self, py: Python<'py>, token: &str) -> PyResult<Bound<'py, PyAny>> {
        self.with_token(py, token, |c, t| async move { c.claim_token(&t).await }, secret)
    }

    fn resources<'py>(&self, py: Python<'py>, token: &str) -> PyResult<Bound<'py, PyAny>> {
        self.with_token(py, token, |c, t| async move { c.resources(&t).await }, resources)
    }

    fn servers<'py>(&self, py: Python<'py>, token: &str) -> PyResult<Bound<'py, PyAny>> {
        self.with_token(py, token, |c, t| async move { c.servers(&t).await }, resources)
    }

    // `race`: the race's options (`race_options`).
    fn connect<'py>(
        &self,
        py: Python<'py>,
        resource: Bound<'_, Resource>,
        race: &Bound<'_, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let policy = race_options(race)?;
        let device = resource.get().core.clone();
        let resource = resource.unbind();
        let rules = self.inner.address_rules();
        self.run(
            py,
            move |c| async move { c.connect_with(&device, policy).await },
            move |py, connected| Ok(Connected::create(py, resource, connected, &rules)?.into_any()),
        )
    }

    // `race`: the race's options (`race_options`).
    fn connect_all<'py>(
        &self,
        py: Python<'py>,
        resources: &Bound<'_, PyAny>,
        race: &Bound<'_, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let resources = resource_list(resources)?;
        let policy = race_options(race)?;
        let devices: Vec<plexlink::Device> = resources.iter().map(|r| r.get().core.clone()).collect();
        let resources: Vec<Py<Resource>> = resources.into_iter().map(Bound::unbind).collect();
        let rules = self.inner.address_rules();
        self.run(
            py,
            move |c| async move { Ok::<_, Error>(c.connect_all_with(&devices, policy).await) },
            move |py, results| {
                let results = connect_all_results(py, resources, results, &rules)?;
                Ok(PyList::new(py, results)?.into_any().unbind())
            },
        )
    }

    fn identity<'py>(&self, py: Python<'py>, server_uri: String) -> PyResult<Bound<'py, PyAny>> {
        self.run(
            py,
            move |c| async move { c.identity(&server_uri).await },
            |py, identity| Identity::from(identity).into_py_any(py),
        )
    }

    fn transient_token<'py>(&self, py: Python<'py>, server_uri: String, token: &str) -> PyResult<Bound<'py, PyAny>> {
        let token = Token::new(token);
        self.run(
            py,
            move |c| async move { c.transient_token(&server_uri, &token).await },
            secret,
        )
    }

    fn source_connection_info<'py>(
        &self,
        py: Python<'py>,
        server_uri: String,
        token: &str,
        source: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let token = Token::new(token);
        self.run(
            py,
            move |c| async move { c.source_connection_info(&server_uri, &token, &source).await },
            resources,
        )
    }

    #[pyo3(signature = (token, snapshot = None))]
    fn servers_or_snapshot<'py>(
        &self,
        py: Python<'py>,
        token: &str,
        snapshot: Option<Bound<'_, ResourcesSnapshot>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kept = snapshot.map(|s| s.get().core.clone());
        self.with_token(
            py,
            token,
            |c, t| async move { c.servers_or_snapshot(&t, kept.as_ref()).await },
            |py, list| ServerList::create(py, list)?.into_py_any(py),
        )
    }

    /// The kept server's driver is a task of this module's runtime; ``on_event`` is called on
    /// the event loop that awaited this call.
    // `timing` and `race`: the options of the kept server and of its races (`keep_options`).
    fn keep<'py>(
        &self,
        py: Python<'py>,
        server: Bound<'_, Resource>,
        last_good: Option<String>,
        timing: &Bound<'_, PyTuple>,
        race: &Bound<'_, PyTuple>,
        on_event: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let policy = keep_options(timing, race)?;
        let device = server.get().core.clone();
        // With a callback, the driver's hook puts each event on a channel, and a task hands
        // them to the loop in order (the hook runs on a worker, which never takes the GIL).
        let to_loop = match &on_event {
            Some(_) => Some((
                tokio::sync::mpsc::unbounded_channel(),
                pyo3_async_runtimes::get_running_loop(py)?.unbind(),
            )),
            None => None,
        };
        let (tx, delivery) = match to_loop {
            Some(((tx, rx), event_loop)) => (Some(tx), Some((rx, event_loop))),
            None => (None, None),
        };
        let (hub, options) = prepare(server.unbind(), policy, last_good, on_event, tx);
        let delivery = match delivery {
            Some((rx, event_loop)) => Some((rx, event_loop, loop_callback(py, &hub)?.into_any().unbind())),
            None => None,
        };
        let events_hub = Arc::clone(&hub);
        self.run(
            py,
            move |c| async move {
                if let Some((rx, event_loop, callback)) = delivery {
                    tokio::spawn(deliver(rx, move |py, record| {
                        let event = events_hub.event(py, &record)?;
                        event_loop.call_method1(py, "call_soon_threadsafe", (&callback, event))?;
                        Ok(())
                    }));
                }
                c.keep(&device, options).await
            },
            move |py, kept| KeptServer::new(kept, hub).into_py_any(py),
        )
    }
}
