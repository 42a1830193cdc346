//! `Client`: the blocking `plexlink::Client`, one method per Plex call.
//!
//! Arguments are converted while the GIL is held; the network call itself runs detached
//! (`py.detach`), so other Python threads keep running. A PIN wait (for a token or a Plex JWT)
//! runs on a helper thread and the calling thread wakes every `SLICE` to deliver progress,
//! notice Ctrl-C and a `Cancel` handle.

use std::sync::{OnceLock, mpsc};
use std::time::Duration;

use plexlink::{
    CancelToken, ClientBuilder, Error, Password, PinCode, Token, VerificationCode, WaitOptions,
    WaitProgress as CoreProgress,
};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use crate::account::{Account, HomeUser};
use crate::cancel::Cancel;
use crate::connect::{Connected, race_policy};
use crate::convert::{Bytes, Seconds, bytes, quoted, seconds};
use crate::errors::{refresh_then_retry, to_pyerr};
use crate::jwt::{DeviceKey, JwtClaims, JwtSession, PlexJwt};
use crate::kept::{KeptServer, keep_policy, prepare};
use crate::offline::{ResourcesSnapshot, ServerList};
use crate::pin::{Pin, PinRef, WaitProgress, wait_key};
use crate::resources::{Identity, Resource};

/// How often a waiting thread looks up from the wait: the bound on Ctrl-C latency.
const SLICE: Duration = Duration::from_millis(100);

/// A PEM certificate given as text or bytes.
#[derive(FromPyObject)]
enum Pem {
    Text(String),
    Bytes(Vec<u8>),
}

/// The client's settings: what Python gave, and plexlink's defaults for the rest.
trait Given: Sized {
    /// `set` with `value` when Python gave one.
    fn given<T>(self, value: Option<T>, set: impl FnOnce(Self, T) -> Self) -> Self {
        match value {
            Some(value) => set(self, value),
            None => self,
        }
    }
}

impl Given for ClientBuilder {}

/// A Home user given as a `HomeUser` or as its uuid.
#[derive(FromPyObject)]
pub(crate) enum UserRef<'py> {
    User(Bound<'py, HomeUser>),
    Uuid(String),
}

impl UserRef<'_> {
    /// The user's uuid.
    pub(crate) fn uuid(self) -> String {
        match self {
            UserRef::User(user) => user.get().uuid.clone(),
            UserRef::Uuid(uuid) => uuid,
        }
    }
}

/// A wait's `timeout` and `interval`, checked.
pub(crate) fn wait_times(
    timeout: Option<Seconds>,
    interval: Option<Seconds>,
) -> PyResult<(Option<Duration>, Option<Duration>)> {
    let timeout = seconds("timeout", timeout)?;
    let interval = seconds("interval", interval)?;
    if interval.is_some_and(|i| i.is_zero()) {
        return Err(PyValueError::new_err("interval must be more than zero"));
    }
    Ok((timeout, interval))
}

/// The resources `connect_all` was given, read in order.
pub(crate) fn resource_list<'py>(resources: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, Resource>>> {
    resources
        .try_iter()?
        .map(|item| Ok(item?.cast_into::<Resource>()?))
        .collect()
}

/// `connect_all`'s answer: each resource's `Connected`, or the exception `connect` would raise.
pub(crate) fn connect_all_results(
    py: Python<'_>,
    resources: Vec<Py<Resource>>,
    results: Vec<Result<plexlink::Connected, Error>>,
    rules: &plexlink::AddressRules,
) -> PyResult<Vec<Py<PyAny>>> {
    resources
        .into_iter()
        .zip(results)
        .map(|(resource, result)| match result {
            Ok(connected) => Ok(Connected::create(py, resource, connected, rules)?.into_any()),
            Err(error) => Ok(to_pyerr(error).into_value(py).into_any()),
        })
        .collect()
}

/// What the wait thread tells the waiting Python thread.
enum Note<T> {
    Progress(CoreProgress),
    Done(Result<T, Error>),
}

/// Signs people in to Plex and finds their servers.
///
/// ``product`` is your application's name (people see it in their list of authorized devices)
/// and ``client_identifier`` a lasting id of this installation: make a UUID once and keep it,
/// since plex.tv lists every new identifier as a new device. ``plex_url`` points the client at
/// another plex.tv (an emulator, in tests); ``timeout`` bounds each request, in seconds, and
/// ``max_response_bytes`` the size of an answer.
/// ``root_certificates`` (PEM texts) are trusted beside the system's; ``allow_insecure_http``
/// lets tokens go over plain HTTP to public addresses (only for networks you trust);
/// ``resolve_plex_direct=False`` asks DNS for plex.direct names instead of reading the
/// address from the name. ``carrier_nat_is_private=True`` counts carrier-grade NAT addresses
/// (100.64.0.0/10) as private, for a VPN that uses them (Tailscale does): plain http may then
/// carry a token to them and they rank as local. Off by default, because behind a carrier's
/// NAT that range is the carrier's network. ``jwt_nonce_lifetime`` (seconds) is how long the
/// JWT calls take a plex.tv nonce to live (Plex's five minutes by default; shorter for an
/// emulator that issues short ones).
///
/// Every duration plexlink takes, here and in the calls, is a number of seconds (int or float):
/// ``float('inf')`` (or any value past the longest duration) means no limit, and a negative or
/// NaN one is a ``ValueError``, as is a byte count below zero or past the platform's size.
///
/// A client is cheap to share: every method may be called from any thread at once, and all of
/// them release the GIL while they wait on the network.
#[pyclass(frozen, module = "plexlink")]
pub(crate) struct Client {
    inner: plexlink::Client,
    /// The settings it was built with, for its async twin.
    builder: ClientBuilder,
    /// The async twin that `plexlink.aio` runs on, built on first use and shared by every
    /// asyncio face of this client (so they share one connection pool).
    aio: OnceLock<plexlink::AsyncClient>,
}

impl Client {
    fn pin(&self, core: plexlink::Pin, jwt_key: Option<plexlink::DeviceKey>) -> Pin {
        Pin {
            core,
            client: self.inner.clone(),
            jwt_key,
        }
    }

    /// The blocking client.
    pub(crate) fn blocking(&self) -> &plexlink::Client {
        &self.inner
    }

    /// Runs a PIN wait (`wait`, given this client and the wait's options) on a helper thread,
    /// and waits for it here: delivers its progress to `on_progress` on this thread, and stops
    /// it on Ctrl-C, on an exception from `on_progress`, or when `cancel` is cancelled.
    fn wait<T: Send + 'static>(
        &self,
        py: Python<'_>,
        timeout: Option<Seconds>,
        interval: Option<Seconds>,
        on_progress: Option<Bound<'_, PyAny>>,
        cancel: Option<Bound<'_, Cancel>>,
        wait: impl FnOnce(&plexlink::Client, WaitOptions<'_>) -> Result<T, Error> + Send + 'static,
    ) -> PyResult<T> {
        let (timeout, interval) = wait_times(timeout, interval)?;
        let caller_cancel = cancel.map(|c| c.get().clone());
        // The wait's own token: Ctrl-C or a failing callback stops this wait without cancelling
        // the caller's handle, which may be shared.
        let stop = CancelToken::new();
        let (tx, mut inbox) = mpsc::channel();
        let client = self.inner.clone();
        let thread_stop = stop.clone();
        let wants_progress = on_progress.is_some();
        std::thread::Builder::new()
            .name("plexlink-wait".into())
            .spawn(move || {
                let progress = tx.clone();
                let mut report = |p: &CoreProgress| {
                    let _ = progress.send(Note::Progress(p.clone()));
                };
                let options = WaitOptions {
                    interval,
                    timeout,
                    cancel: Some(thread_stop),
                    on_progress: if wants_progress { Some(&mut report) } else { None },
                };
                let result = wait(&client, options);
                let _ = tx.send(Note::Done(result));
            })
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start the wait thread: {e}")))?;
        // If this thread stops waiting early (Ctrl-C, a callback's exception), the helper sees
        // `stop` and ends on its own; nobody joins it.
        loop {
            let (back, note) = py.detach(move || {
                let note = inbox.recv_timeout(SLICE);
                (inbox, note)
            });
            inbox = back;
            match note {
                Ok(Note::Done(result)) => return result.map_err(to_pyerr),
                Ok(Note::Progress(progress)) => {
                    if let Some(callback) = &on_progress {
                        let report = Py::new(py, WaitProgress::from(progress))?;
                        if let Err(error) = callback.call1((report,)) {
                            stop.cancel();
                            return Err(error);
                        }
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(PyRuntimeError::new_err("the wait thread ended without a result"));
                }
            }
            if let Err(interrupt) = py.check_signals() {
                stop.cancel();
                return Err(interrupt);
            }
            if caller_cancel.as_ref().is_some_and(Cancel::is_cancelled) {
                stop.cancel();
            }
        }
    }

    /// The async client with the same settings (see `aio.rs`).
    pub(crate) fn async_twin(&self) -> PyResult<plexlink::AsyncClient> {
        if let Some(client) = self.aio.get() {
            return Ok(client.clone());
        }
        let built = self.builder.clone().build_async().map_err(to_pyerr)?;
        Ok(self.aio.get_or_init(|| built).clone())
    }
}

#[pymethods]
impl Client {
    #[new]
    #[pyo3(signature = (
        product,
        client_identifier,
        *,
        version = None,
        device_name = None,
        platform = None,
        platform_version = None,
        device = None,
        model = None,
        provides = None,
        plex_url = None,
        timeout = None,
        connect_timeout = None,
        max_response_bytes = None,
        allow_insecure_http = false,
        root_certificates = None,
        resolve_plex_direct = true,
        carrier_nat_is_private = false,
        jwt_nonce_lifetime = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        product: &str,
        client_identifier: &str,
        version: Option<&str>,
        device_name: Option<&str>,
        platform: Option<&str>,
        platform_version: Option<&str>,
        device: Option<&str>,
        model: Option<&str>,
        provides: Option<&str>,
        plex_url: Option<&str>,
        timeout: Option<Seconds>,
        connect_timeout: Option<Seconds>,
        max_response_bytes: Option<Bytes>,
        allow_insecure_http: bool,
        root_certificates: Option<Vec<Pem>>,
        resolve_plex_direct: bool,
        carrier_nat_is_private: bool,
        jwt_nonce_lifetime: Option<Seconds>,
    ) -> PyResult<Self> {
        let timeout = seconds("timeout", timeout)?;
        let connect_timeout = seconds("connect_timeout", connect_timeout)?;
        let max_response_bytes = bytes("max_response_bytes", max_response_bytes)?;
        let jwt_nonce_lifetime = seconds("jwt_nonce_lifetime", jwt_nonce_lifetime)?;
        let mut builder = plexlink::Client::builder(product, client_identifier)
            .allow_insecure_http(allow_insecure_http)
            .resolve_plex_direct(resolve_plex_direct)
            .carrier_nat_is_private(carrier_nat_is_private);
        for pem in root_certificates.unwrap_or_default() {
            builder = builder.add_root_certificate_pem(match pem {
                Pem::Text(text) => text.into_bytes(),
                Pem::Bytes(bytes) => bytes,
            });
        }
        let builder = builder
            .given(version, ClientBuilder::version)
            .given(device_name, ClientBuilder::device_name)
            .given(platform, ClientBuilder::platform)
            .given(platform_version, ClientBuilder::platform_version)
            .given(device, ClientBuilder::device)
            .given(model, ClientBuilder::model)
            .given(provides, ClientBuilder::provides)
            .given(plex_url, ClientBuilder::plex_url)
            .given(timeout, ClientBuilder::timeout)
            .given(connect_timeout, ClientBuilder::connect_timeout)
            .given(max_response_bytes, ClientBuilder::max_response_bytes)
            .given(jwt_nonce_lifetime, ClientBuilder::jwt_nonce_lifetime);
        Ok(Self {
            inner: builder.clone().build().map_err(to_pyerr)?,
            builder,
            aio: OnceLock::new(),
        })
    }

    /// The application's name (``X-Plex-Product``).
    #[getter]
    fn product(&self) -> String {
        self.inner.info().product.clone()
    }

    /// This installation's lasting identifier (``X-Plex-Client-Identifier``).
    #[getter]
    fn client_identifier(&self) -> String {
        self.inner.info().client_identifier.clone()
    }

    /// The plex.tv base URL this client talks to.
    #[getter]
    fn plex_url(&self) -> String {
        self.inner.info().plex_url().to_string()
    }

    /// The page where a person types a short PIN code (``https://plex.tv/link``).
    #[getter]
    fn link_url(&self) -> String {
        self.inner.link_url()
    }

    // --- PIN login -------------------------------------------------------------------------

    /// Creates a PIN: a 4-character code for :attr:`link_url`, or (``strong=True``) a long code
    /// approved through ``Pin.auth_url()``.
    ///
    /// With ``jwt_key`` (a :class:`DeviceKey`) it is a JWT PIN: the person approves it the same
    /// way, and the wait ends with a Plex JWT for that key (:meth:`wait_for_jwt`). Signing in
    /// this way ends the legacy token of this client identifier, if it had one.
    #[pyo3(signature = (strong = false, *, jwt_key = None))]
    fn create_pin(&self, py: Python<'_>, strong: bool, jwt_key: Option<Bound<'_, DeviceKey>>) -> PyResult<Pin> {
        let key = jwt_key.map(|k| k.get().core.clone());
        let core = py
            .detach(|| match &key {
                Some(key) => self.inner.create_jwt_pin(key, strong),
                None => self.inner.create_pin(strong),
            })
            .map_err(to_pyerr)?;
        Ok(self.pin(core, key))
    }

    /// Checks a PIN (a ``Pin`` or its id) once; the answer's ``token`` is set once the person
    /// approved it. Raises :class:`PinExpired` when it is gone. A JWT PIN's answer keeps its
    /// key, and its ``token`` stays None: wait for it instead.
    fn check_pin(&self, py: Python<'_>, pin: PinRef<'_>) -> PyResult<Pin> {
        let id = pin.id();
        let core = py.detach(|| self.inner.check_pin(id)).map_err(to_pyerr)?;
        Ok(self.pin(core, pin.jwt_key()))
    }

    /// A PIN known by its id and code (stored across restarts, or by a web app between
    /// requests), to check or wait for with this client; ``jwt_key`` for a JWT PIN. Sends
    /// nothing.
    #[pyo3(signature = (id, code, *, jwt_key = None))]
    fn resume_pin(&self, id: u64, code: &str, jwt_key: Option<Bound<'_, DeviceKey>>) -> Pin {
        let core = plexlink::Pin::new(id, PinCode::new(code), self.inner.info().client_identifier.clone());
        self.pin(core, jwt_key.map(|k| k.get().core.clone()))
    }

    /// The app.plex.tv page that approves ``pin``, then sends the browser to ``forward_url``.
    #[pyo3(signature = (pin, forward_url = None))]
    fn auth_url(&self, pin: &Bound<'_, Pin>, forward_url: Option<&str>) -> String {
        self.inner.auth_url(&pin.get().core, forward_url)
    }

    /// Waits until the person approves ``pin`` and returns the token.
    ///
    /// Checks every ``interval`` seconds (default 1, Plex's advice) and backs off on rate
    /// limits and network errors. Raises :class:`PinExpired` when the PIN expires,
    /// :class:`Timeout` after ``timeout`` seconds, :class:`Cancelled` when ``cancel`` is
    /// cancelled. ``on_progress(WaitProgress)`` is called on this thread after each check that
    /// found the PIN still waiting; an exception from it stops the wait and propagates.
    /// Ctrl-C interrupts the wait within a fraction of a second.
    ///
    /// For a JWT PIN the token is its Plex JWT, verified (:meth:`wait_for_jwt` returns it with
    /// its claims).
    #[pyo3(signature = (pin, *, timeout = None, interval = None, on_progress = None, cancel = None))]
    fn wait_for_token(
        &self,
        py: Python<'_>,
        pin: &Bound<'_, Pin>,
        timeout: Option<Seconds>,
        interval: Option<Seconds>,
        on_progress: Option<Bound<'_, PyAny>>,
        cancel: Option<Bound<'_, Cancel>>,
    ) -> PyResult<String> {
        let core_pin = pin.get().core.clone();
        match pin.get().jwt_key.clone() {
            Some(key) => {
                let jwt = self.wait(py, timeout, interval, on_progress, cancel, move |c, o| {
                    c.wait_for_jwt(&core_pin, &key, o)
                })?;
                Ok(jwt.token.into_secret())
            }
            None => {
                let token = self.wait(py, timeout, interval, on_progress, cancel, move |c, o| {
                    c.wait_for_token(&core_pin, o)
                })?;
                Ok(token.into_secret())
            }
        }
    }

    /// Waits until the person approves the JWT PIN ``pin``, as :meth:`wait_for_token` does, and
    /// returns the Plex JWT, verified, with its claims.
    ///
    /// ``key`` is the :class:`DeviceKey` the PIN was made with: by default the PIN's own
    /// (``create_pin(jwt_key=key)``); give it for a PIN resumed by its id and code. Each check
    /// proves the key to plex.tv. The JWT ends the legacy token of this client identifier.
    #[pyo3(signature = (pin, key = None, *, timeout = None, interval = None, on_progress = None, cancel = None))]
    #[allow(clippy::too_many_arguments)]
    fn wait_for_jwt(
        &self,
        py: Python<'_>,
        pin: &Bound<'_, Pin>,
        key: Option<Bound<'_, DeviceKey>>,
        timeout: Option<Seconds>,
        interval: Option<Seconds>,
        on_progress: Option<Bound<'_, PyAny>>,
        cancel: Option<Bound<'_, Cancel>>,
    ) -> PyResult<PlexJwt> {
        let key = wait_key(pin.get(), key.as_ref())?;
        let core_pin = pin.get().core.clone();
        let jwt = self.wait(py, timeout, interval, on_progress, cancel, move |c, o| {
            c.wait_for_jwt(&core_pin, &key, o)
        })?;
        PlexJwt::create(py, jwt)
    }

    /// Approves another device's 4-character ``code`` with this account's ``token`` (what the
    /// plex.tv/link page does).
    fn link_pin(&self, py: Python<'_>, token: &str, code: &str) -> PyResult<()> {
        let (token, code) = (Token::new(token), PinCode::new(code));
        py.detach(|| self.inner.link_pin(&token, &code)).map_err(to_pyerr)
    }

    // --- Plex JWT ----------------------------------------------------------------------------

    /// Upgrades the legacy ``token`` to a Plex JWT for ``key``: registers the key with the
    /// token, then gets a JWT for it.
    ///
    /// **This ends ``token`` for this client identifier** (and later password or PIN sign-ins
    /// under it); other client identifiers keep it. To keep a legacy token, sign in with a JWT
    /// PIN under a second client identifier and approve that PIN with :meth:`link_pin` and the
    /// legacy token instead.
    fn upgrade_to_jwt(&self, py: Python<'_>, token: &str, key: &Bound<'_, DeviceKey>) -> PyResult<PlexJwt> {
        let (token, key) = (Token::new(token), &key.get().core);
        let jwt = py.detach(|| self.inner.upgrade_to_jwt(&token, key)).map_err(to_pyerr)?;
        PlexJwt::create(py, jwt)
    }

    /// A new Plex JWT for the registered ``key``, verified. Raises :class:`DeviceRemoved` when
    /// the device was removed from the account (a new identity is needed).
    fn refresh_jwt(&self, py: Python<'_>, key: &Bound<'_, DeviceKey>) -> PyResult<PlexJwt> {
        let key = &key.get().core;
        let jwt = py.detach(|| self.inner.refresh_jwt(key)).map_err(to_pyerr)?;
        PlexJwt::create(py, jwt)
    }

    /// Verifies a Plex JWT issued to ``key`` (plex.tv's signature, issuer, audience, expiry,
    /// the key's thumbprint) and returns its claims; raises :class:`InvalidJwt` with the reason
    /// otherwise. plex.tv's keys are fetched once per client and again when they rotate.
    fn verify_jwt(&self, py: Python<'_>, token: &str, key: &Bound<'_, DeviceKey>) -> PyResult<JwtClaims> {
        let (token, key) = (Token::new(token), &key.get().core);
        let claims = py.detach(|| self.inner.verify_jwt(&token, key)).map_err(to_pyerr)?;
        Ok(JwtClaims { core: claims })
    }

    /// The session's Plex JWT (its token), refreshed first when less than a day is left.
    fn jwt_token(&self, py: Python<'_>, session: &Bound<'_, JwtSession>) -> PyResult<String> {
        let session = &session.get().inner;
        let token = py.detach(|| self.inner.jwt_token(session)).map_err(to_pyerr)?;
        Ok(token.into_secret())
    }

    /// Refreshes the session's Plex JWT now, however long it has left, and returns the new
    /// token: after plex.tv said it expired (:class:`TokenExpired`) on a call made outside
    /// :meth:`with_jwt`.
    fn refresh_session(&self, py: Python<'_>, session: &Bound<'_, JwtSession>) -> PyResult<String> {
        let session = &session.get().inner;
        let token = py.detach(|| self.inner.refresh_session(session)).map_err(to_pyerr)?;
        Ok(token.into_secret())
    }

    /// Runs ``call(token)`` with the session's Plex JWT and returns what it returns. When it
    /// raises :class:`TokenExpired` (plex.tv said the JWT expired), refreshes the JWT and runs
    /// it once more; anything else it raises propagates as it is. For plex.tv calls only:
    /// servers take their own ``access_token``, never the account's JWT.
    ///
    /// >>> account = client.with_jwt(session, client.user)  # doctest: +SKIP
    fn with_jwt(
        &self,
        py: Python<'_>,
        session: &Bound<'_, JwtSession>,
        call: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let session = &session.get().inner;
        let token = py.detach(|| self.inner.jwt_token(session)).map_err(to_pyerr)?;
        let first = match call.call1((token.into_secret(),)) {
            Err(error) if refresh_then_retry(py, &error) => error,
            other => return other.map(Bound::unbind),
        };
        let token = py.detach(|| self.inner.refresh_session(session)).map_err(|failed| {
            // As Python chains an exception raised while handling another.
            let failed = to_pyerr(failed);
            let _ = failed.value(py).setattr("__context__", first.value(py));
            failed
        })?;
        call.call1((token.into_secret(),)).map(Bound::unbind)
    }

    // --- Account -----------------------------------------------------------------------------

    /// Signs in with a login (user name or e-mail) and password; the returned account's
    /// ``token`` is set. Raises :class:`TwoFactorRequired` when the account needs
    /// ``verification_code``, :class:`InvalidVerificationCode` when it was wrong,
    /// :class:`Unauthorized` for a wrong password and :class:`IpLockedOut` after too many.
    #[pyo3(signature = (login, password, verification_code = None))]
    fn sign_in(
        &self,
        py: Python<'_>,
        login: &str,
        password: &str,
        verification_code: Option<&str>,
    ) -> PyResult<Account> {
        let password = Password::new(password);
        let code = verification_code.map(VerificationCode::new);
        let account = py
            .detach(|| self.inner.sign_in(login, &password, code.as_ref()))
            .map_err(to_pyerr)?;
        Account::new(py, account)
    }

    /// The account ``token`` belongs to. Only :class:`Unauthorized` means the token is bad;
    /// any other error says nothing about it.
    fn user(&self, py: Python<'_>, token: &str) -> PyResult<Account> {
        let token = Token::new(token);
        let account = py.detach(|| self.inner.user(&token)).map_err(to_pyerr)?;
        Account::new(py, account)
    }

    /// Revokes ``token``.
    fn sign_out(&self, py: Python<'_>, token: &str) -> PyResult<()> {
        let token = Token::new(token);
        py.detach(|| self.inner.sign_out(&token)).map_err(to_pyerr)
    }

    /// Keeps ``token`` alive.
    fn ping(&self, py: Python<'_>, token: &str) -> PyResult<()> {
        let token = Token::new(token);
        py.detach(|| self.inner.ping(&token)).map_err(to_pyerr)
    }

    /// The members of the account's Plex Home.
    fn home_users(&self, py: Python<'_>, token: &str) -> PyResult<Vec<HomeUser>> {
        let token = Token::new(token);
        let users = py.detach(|| self.inner.home_users(&token)).map_err(to_pyerr)?;
        Ok(users.into_iter().map(HomeUser::from).collect())
    }

    /// Switches to a Home user (a ``HomeUser`` or its uuid), with their Home ``pin`` when they
    /// are protected (else :class:`HomePinRequired`). The answer's ``token`` is the Home
    /// user's token: read resources again with it.
    #[pyo3(signature = (token, user, pin = None))]
    fn switch_home_user(&self, py: Python<'_>, token: &str, user: UserRef<'_>, pin: Option<&str>) -> PyResult<Account> {
        let uuid = user.uuid();
        let token = Token::new(token);
        let pin = pin.map(PinCode::new);
        let account = py
            .detach(|| self.inner.switch_home_user(&token, &uuid, pin.as_ref()))
            .map_err(to_pyerr)?;
        Account::new(py, account)
    }

    /// A claim token for setting up a new server.
    fn claim_token(&self, py: Python<'_>, token: &str) -> PyResult<String> {
        let token = Token::new(token);
        let claim = py.detach(|| self.inner.claim_token(&token)).map_err(to_pyerr)?;
        Ok(claim.into_secret())
    }

    // --- Servers -----------------------------------------------------------------------------

    /// Every device of the account with all its connections.
    fn resources(&self, py: Python<'_>, token: &str) -> PyResult<Vec<Resource>> {
        let token = Token::new(token);
        let devices = py.detach(|| self.inner.resources(&token)).map_err(to_pyerr)?;
        Resource::list(py, devices)
    }

    /// The account's Plex Media Servers (the resources that provide ``server``).
    fn servers(&self, py: Python<'_>, token: &str) -> PyResult<Vec<Resource>> {
        let token = Token::new(token);
        let devices = py.detach(|| self.inner.servers(&token)).map_err(to_pyerr)?;
        Resource::list(py, devices)
    }

    /// Chooses the best working connection of a server: probes every candidate at once and
    /// returns as soon as the choice is made. The result is the chosen :class:`Connection`
    /// (a :class:`Connected`, whose ``candidates`` tell what became of the others).
    ///
    /// ``grace``: seconds to wait, after a first good answer, for a nearer or more secure one
    /// (default 0.5). ``probe_timeout``: seconds each probe may take (default 5).
    /// ``relay``/``ipv6``: whether those connections are tried. ``allow_http``: ``"never"``,
    /// ``"private"`` (plain http only to private addresses, the default) or ``"anywhere"``.
    /// ``http_twins``: also try each https plex.direct connection to a private address as
    /// plain ``http://address:port``, a fallback used only when the plex.direct name does not
    /// resolve (a router's DNS-rebinding protection), never after a TLS failure (off by
    /// default). Raises :class:`NoConnection` when none answered as that server.
    #[pyo3(signature = (
        resource,
        *,
        grace = None,
        probe_timeout = None,
        relay = true,
        ipv6 = true,
        allow_http = "private",
        http_twins = false,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn connect(
        &self,
        py: Python<'_>,
        resource: Bound<'_, Resource>,
        grace: Option<Seconds>,
        probe_timeout: Option<Seconds>,
        relay: bool,
        ipv6: bool,
        allow_http: &str,
        http_twins: bool,
    ) -> PyResult<Py<Connected>> {
        let policy = race_policy(grace, probe_timeout, relay, ipv6, allow_http, http_twins)?;
        let device = &resource.get().core;
        let connected = py
            .detach(|| self.inner.connect_with(device, policy))
            .map_err(to_pyerr)?;
        Connected::create(py, resource.unbind(), connected, &self.inner.address_rules())
    }

    /// Chooses a connection for every server at once: all their races run together, so the
    /// call takes as long as the slowest race, not the sum of them. Takes the same options as
    /// :meth:`connect`, for every server.
    ///
    /// Returns one result per resource, in the order given: its :class:`Connected`, or the
    /// exception :meth:`connect` would have raised for it (a :class:`PlexlinkError`, most often
    /// :class:`NoConnection`), as ``asyncio.gather(..., return_exceptions=True)`` does. One
    /// server out of reach does not hide the others; ``raise`` the error to handle it as
    /// ``connect``'s. Only an unusable argument raises.
    #[pyo3(signature = (
        resources,
        *,
        grace = None,
        probe_timeout = None,
        relay = true,
        ipv6 = true,
        allow_http = "private",
        http_twins = false,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn connect_all(
        &self,
        py: Python<'_>,
        resources: &Bound<'_, PyAny>,
        grace: Option<Seconds>,
        probe_timeout: Option<Seconds>,
        relay: bool,
        ipv6: bool,
        allow_http: &str,
        http_twins: bool,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let resources = resource_list(resources)?;
        let policy = race_policy(grace, probe_timeout, relay, ipv6, allow_http, http_twins)?;
        let devices: Vec<plexlink::Device> = resources.iter().map(|r| r.get().core.clone()).collect();
        let results = py.detach(|| self.inner.connect_all_with(&devices, policy));
        let resources = resources.into_iter().map(Bound::unbind).collect();
        connect_all_results(py, resources, results, &self.inner.address_rules())
    }

    /// The account's servers, as :meth:`servers` lists them, with a fallback: when plex.tv
    /// cannot be reached (a network error, a timeout, a 5xx or a 429; never a refused token,
    /// which raises :class:`Unauthorized` as ever), the servers of ``snapshot`` (an earlier
    /// answer the app stored), and ``offline`` says why. Without a snapshot the error raises.
    ///
    /// Store ``result.snapshot.to_json()`` (as privately as a token: it holds every server's
    /// ``access_token``) and read it next time with :meth:`ResourcesSnapshot.from_json`. A race
    /// to a server from the snapshot still checks that server's identity.
    #[pyo3(signature = (token, snapshot = None))]
    fn servers_or_snapshot(
        &self,
        py: Python<'_>,
        token: &str,
        snapshot: Option<Bound<'_, ResourcesSnapshot>>,
    ) -> PyResult<ServerList> {
        let token = Token::new(token);
        let kept = snapshot.as_ref().map(|s| &s.get().core);
        let list = py
            .detach(|| self.inner.servers_or_snapshot(&token, kept))
            .map_err(to_pyerr)?;
        ServerList::create(py, list)
    }

    /// Keeps ``server``'s connection right in the background and returns its
    /// :class:`KeptServer`, once the warm start or the first race has decided (when nothing
    /// answered, its ``uri`` is None and it keeps trying). Use it as a context manager, or call
    /// ``stop()``.
    ///
    /// ``last_good``: the URI that worked last time (``kept.uri``, saved by the app): probed
    /// first, alone, and taken as soon as it answers within ``warm_window`` seconds (default
    /// 0.3); else every connection races. While on a worse tier it rechecks the better ones
    /// every ``recheck_interval`` seconds (default 60), doubling up to ``recheck_max`` (240),
    /// and moves up when one answers. While none works it races again after 1 s, doubling up
    /// to ``retry_max`` (60). Each of these is more than zero and at most a day, else
    /// :class:`InvalidArgument`. ``grace``, ``probe_timeout``, ``relay``, ``ipv6``,
    /// ``allow_http`` and ``http_twins`` are every race's, as :meth:`connect` takes them.
    ///
    /// ``on_event`` is called with each :class:`KeptEvent` (the first decision's too) **on the
    /// driver's thread**, a thread of plexlink's: keep it short (the driver waits for it) and
    /// thread-safe. What it raises is reported through ``sys.unraisablehook`` and the driver
    /// goes on. :meth:`KeptServer.events` is the other way to read them.
    #[pyo3(signature = (
        server,
        *,
        last_good = None,
        warm_window = None,
        recheck_interval = None,
        recheck_max = None,
        retry_max = None,
        grace = None,
        probe_timeout = None,
        relay = true,
        ipv6 = true,
        allow_http = "private",
        http_twins = false,
        on_event = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn keep(
        &self,
        py: Python<'_>,
        server: Bound<'_, Resource>,
        last_good: Option<String>,
        warm_window: Option<Seconds>,
        recheck_interval: Option<Seconds>,
        recheck_max: Option<Seconds>,
        retry_max: Option<Seconds>,
        grace: Option<Seconds>,
        probe_timeout: Option<Seconds>,
        relay: bool,
        ipv6: bool,
        allow_http: &str,
        http_twins: bool,
        on_event: Option<Py<PyAny>>,
    ) -> PyResult<KeptServer> {
        let race = race_policy(grace, probe_timeout, relay, ipv6, allow_http, http_twins)?;
        let policy = keep_policy(race, warm_window, recheck_interval, recheck_max, retry_max)?;
        let device = server.get().core.clone();
        let (hub, options) = prepare(server.unbind(), policy, last_good, on_event, None);
        // Detached: the first decision's on_event takes the GIL on the driver's thread.
        let kept = py.detach(|| self.inner.keep(&device, options)).map_err(to_pyerr)?;
        Ok(KeptServer::new(kept, hub))
    }

    /// What the server at ``server_uri`` says about itself (its ``/identity``; no token).
    fn identity(&self, py: Python<'_>, server_uri: &str) -> PyResult<Identity> {
        let identity = py.detach(|| self.inner.identity(server_uri)).map_err(to_pyerr)?;
        Ok(identity.into())
    }

    /// A transient token from the server at ``server_uri`` (valid up to 48 hours, gone when
    /// the server restarts), asked with an admin ``token``.
    fn transient_token(&self, py: Python<'_>, server_uri: &str, token: &str) -> PyResult<String> {
        let token = Token::new(token);
        let transient = py
            .detach(|| self.inner.transient_token(server_uri, &token))
            .map_err(to_pyerr)?;
        Ok(transient.into_secret())
    }

    /// How to reach the server or provider ``source`` (``server://<machine id>`` or a bare
    /// machine identifier), as the server at ``server_uri`` knows it.
    fn source_connection_info(
        &self,
        py: Python<'_>,
        server_uri: &str,
        token: &str,
        source: &str,
    ) -> PyResult<Vec<Resource>> {
        let token = Token::new(token);
        let devices = py
            .detach(|| self.inner.source_connection_info(server_uri, &token, source))
            .map_err(to_pyerr)?;
        Resource::list(py, devices)
    }

    fn __repr__(&self) -> String {
        let info = self.inner.info();
        format!(
            "Client(product={}, client_identifier={}, plex_url={})",
            quoted(&info.product),
            quoted(&info.client_identifier),
            quoted(info.plex_url().as_str())
        )
    }
}
