//! Plex JWT sign-in's values: `DeviceKey` (the device's Ed25519 key), `PlexJwt` with its
//! `JwtClaims`, and `JwtSession` (a key and its current JWT, which the client refreshes). The
//! calls that make and use them are `Client`'s (`client.rs`) and `_AsyncCore`'s (`aio.rs`); what
//! a JWT is and when it is refreshed is `plexlink`'s.
//!
//! Secrets: a key's private half and a JWT are readable attributes (`private_key`, `seed`,
//! `token`), since the app must keep them, but no `repr` shows them and none of these values
//! pickles: a pickle is a file like any other, and keeping a secret should be a visible act
//! (`key.private_key` into a keychain, `DeviceKey.from_private_key` back).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use plexlink::{PrivateKey, Token};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBytes, PyDict};

use crate::convert::{py_bool, quoted, utc_datetime_clamped};
use crate::errors::to_pyerr;

/// The refusal every secret-holding value gives `pickle`, naming the explicit way instead.
pub(crate) fn not_picklable(what: &str, instead: &str) -> PyErr {
    PyTypeError::new_err(format!("{what} is not picklable: it holds a secret; {instead}"))
}

/// A device's Ed25519 key: its identity at plex.tv for Plex JWT sign-in.
///
/// Make one per client identifier with :meth:`generate` and keep it as long as that identifier:
/// store :attr:`private_key` (a secret, like a password) and load it again with
/// :meth:`from_private_key`. ``repr()`` shows the key id (:attr:`kid`) only. Keys compare equal
/// when they are the same key. Not picklable, on purpose: keep ``private_key`` instead.
#[pyclass(frozen, module = "plexlink")]
pub(crate) struct DeviceKey {
    pub(crate) core: plexlink::DeviceKey,
}

impl From<plexlink::DeviceKey> for DeviceKey {
    fn from(core: plexlink::DeviceKey) -> Self {
        Self { core }
    }
}

#[pymethods]
impl DeviceKey {
    /// A new key from the operating system's random generator.
    #[staticmethod]
    fn generate() -> PyResult<Self> {
        plexlink::new_device_key().map(Self::from).map_err(to_pyerr)
    }

    /// The key whose private part is ``seed``: exactly 32 bytes (``bytes`` or ``bytearray``),
    /// else ``ValueError``. For keys kept as raw bytes; :meth:`from_private_key` reads the text
    /// form.
    #[staticmethod]
    fn from_seed(seed: PyBackedBytes) -> PyResult<Self> {
        let seed: [u8; 32] = seed
            .as_ref()
            .try_into()
            .map_err(|_| PyValueError::new_err(format!("a device key's seed is 32 bytes, not {}", seed.len())))?;
        Ok(plexlink::DeviceKey::from_seed(seed).into())
    }

    /// The key kept earlier as :attr:`private_key` text. Raises :class:`InvalidArgument` when
    /// the text is not one.
    #[staticmethod]
    fn from_private_key(private_key: &str) -> PyResult<Self> {
        plexlink::DeviceKey::from_private_key(&PrivateKey::new(private_key))
            .map(Self::from)
            .map_err(to_pyerr)
    }

    /// The private key as text (base64url of the 32-byte seed): **a secret**. Store it where
    /// you would store a password, next to the client identifier, and never log it.
    #[getter]
    fn private_key(&self) -> String {
        self.core.private_key().into_secret()
    }

    /// The 32-byte seed (the private key as bytes): **a secret**, as :attr:`private_key`.
    #[getter]
    fn seed<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.core.seed())
    }

    /// The key's id: the RFC 7638 thumbprint of its public key. Not a secret; Plex JWTs issued
    /// to this device carry it as their ``thumbprint``.
    #[getter]
    fn kid(&self) -> String {
        self.core.kid().to_owned()
    }

    /// The 32-byte public key.
    #[getter]
    fn public_key<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.core.public_key())
    }

    /// The public key as the JWK plex.tv registers (a new dict at each read).
    #[getter]
    fn public_jwk<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let text = self.core.public_jwk().to_string();
        Ok(py
            .import("json")?
            .call_method1("loads", (text,))?
            .cast_into::<PyDict>()?)
    }

    fn __eq__(&self, other: &Self) -> bool {
        // The kid is a hash of the public key, which the private one determines.
        self.core.kid() == other.core.kid()
    }

    fn __hash__(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        self.core.kid().hash(&mut hasher);
        hasher.finish()
    }

    fn __reduce__(&self) -> PyResult<()> {
        Err(not_picklable(
            "DeviceKey",
            "keep key.private_key and load it with DeviceKey.from_private_key",
        ))
    }

    // Immutable: a copy is the key itself (copy.copy would otherwise hit __reduce__).
    fn __copy__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __deepcopy__<'py>(slf: Bound<'py, Self>, _memo: &Bound<'py, PyAny>) -> Bound<'py, Self> {
        slf
    }

    fn __repr__(&self) -> String {
        format!("DeviceKey(kid={})", quoted(self.core.kid()))
    }
}

/// The claims of a verified Plex JWT: whom it signs in, for which device, until when.
///
/// ``exp`` and ``iat`` are the JWT's Unix times; :attr:`expires_at` and :attr:`issued_at` the
/// same as aware ``datetime``s (UTC). Claims compare equal when they are the same.
#[pyclass(frozen, eq, module = "plexlink")]
#[derive(PartialEq)]
pub(crate) struct JwtClaims {
    pub(crate) core: plexlink::JwtClaims,
}

#[pymethods]
impl JwtClaims {
    /// ``iss``: who issued it (``plex.tv``).
    #[getter]
    fn issuer(&self) -> String {
        self.core.issuer.clone()
    }

    /// ``aud``: whom it is for (``plex.tv`` and the client identifier).
    #[getter]
    fn audience(&self) -> Vec<String> {
        self.core.audience.clone()
    }

    /// ``exp``: when it expires, in Unix seconds.
    #[getter]
    fn exp(&self) -> i64 {
        self.core.expires_at
    }

    /// ``iat``: when it was issued, in Unix seconds.
    #[getter]
    fn iat(&self) -> i64 {
        self.core.issued_at
    }

    /// When it expires (aware ``datetime``, UTC).
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        utc_datetime_clamped(py, self.core.expires_at)
    }

    /// When it was issued (aware ``datetime``, UTC).
    #[getter]
    fn issued_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        utc_datetime_clamped(py, self.core.issued_at)
    }

    /// The key id (``DeviceKey.kid``) of the device it was issued to, when it says.
    #[getter]
    fn thumbprint(&self) -> Option<String> {
        self.core.thumbprint.clone()
    }

    /// The scopes it was asked with, when it says.
    #[getter]
    fn scope(&self) -> Option<String> {
        self.core.scope.clone()
    }

    /// The account's numeric id, when given.
    #[getter]
    fn user_id(&self) -> Option<u64> {
        self.core.user.id
    }

    /// The account's uuid.
    #[getter]
    fn uuid(&self) -> String {
        self.core.user.uuid.clone()
    }

    /// The account's user name.
    #[getter]
    fn username(&self) -> String {
        self.core.user.username.clone()
    }

    /// The account's e-mail address.
    #[getter]
    fn email(&self) -> String {
        self.core.user.email.clone()
    }

    /// The name shown for the account.
    #[getter]
    fn friendly_name(&self) -> String {
        self.core.user.friendly_name.clone()
    }

    /// Whether the account is a managed (restricted) Home user.
    #[getter]
    fn restricted(&self) -> bool {
        self.core.user.restricted
    }

    /// Seconds left before it expires (zero once expired), at ``now`` (Unix seconds; default:
    /// the clock now).
    #[pyo3(signature = (now = None))]
    fn seconds_left(&self, now: Option<f64>) -> u64 {
        let now = match now {
            // Whole seconds, as the JWT's times are; `as` saturates NaN and infinities.
            Some(now) => now.floor() as i64,
            None => unix_now(),
        };
        self.core.seconds_left(now)
    }

    fn __hash__(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        (
            self.core.expires_at,
            self.core.issued_at,
            &self.core.thumbprint,
            &self.core.user.uuid,
        )
            .hash(&mut hasher);
        hasher.finish()
    }

    fn __repr__(&self) -> String {
        let thumbprint = self
            .core
            .thumbprint
            .as_deref()
            .map_or_else(|| "None".to_owned(), quoted);
        format!(
            "JwtClaims(username={}, exp={}, thumbprint={thumbprint}, restricted={})",
            quoted(&self.core.user.username),
            self.core.expires_at,
            py_bool(self.core.user.restricted)
        )
    }
}

/// Unix seconds now, for `seconds_left()` (and a snapshot's `age()`) without an argument.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A Plex JWT, verified, and its claims.
///
/// ``token`` is what plex.tv takes as a token (``client.user(jwt.token)``); send it to plex.tv
/// only, never to a server (servers take their own ``access_token`` from resources). It is a
/// secret: ``repr()`` never shows it, and it does not pickle. To keep one across runs, store
/// ``token`` and restore it with ``PlexJwt(token, client.verify_jwt(token, key))``.
#[pyclass(frozen, module = "plexlink")]
pub(crate) struct PlexJwt {
    token: Token,
    claims: Py<JwtClaims>,
}

impl PlexJwt {
    pub(crate) fn create(py: Python<'_>, jwt: plexlink::PlexJwt) -> PyResult<Self> {
        Ok(Self {
            token: jwt.token,
            claims: Py::new(py, JwtClaims { core: jwt.claims })?,
        })
    }

    /// The core's value, for a session.
    fn core(&self) -> plexlink::PlexJwt {
        plexlink::PlexJwt {
            token: self.token.clone(),
            claims: self.claims.get().core.clone(),
        }
    }
}

#[pymethods]
impl PlexJwt {
    /// A JWT kept from before, with its ``claims`` as :meth:`Client.verify_jwt` returned them
    /// (a session trusts them as given to decide when to refresh).
    #[new]
    fn new(token: &str, claims: Bound<'_, JwtClaims>) -> Self {
        Self {
            token: Token::new(token),
            claims: claims.unbind(),
        }
    }

    /// The JWT itself: **a secret**, to send to plex.tv as a token.
    #[getter]
    fn token(&self) -> String {
        self.token.secret().to_owned()
    }

    /// What it says, as verified.
    #[getter]
    fn claims(&self, py: Python<'_>) -> Py<JwtClaims> {
        self.claims.clone_ref(py)
    }

    fn __reduce__(&self) -> PyResult<()> {
        Err(not_picklable(
            "PlexJwt",
            "keep jwt.token and restore it with PlexJwt(token, client.verify_jwt(token, key))",
        ))
    }

    fn __repr__(&self) -> String {
        let claims = &self.claims.get().core;
        format!(
            "PlexJwt(username={}, exp={})",
            quoted(&claims.user.username),
            claims.expires_at
        )
    }
}

/// A signed-in device: its key and its current Plex JWT, which the client refreshes when less
/// than a day is left (``client.jwt_token(session)``) or when plex.tv says it expired
/// (``client.with_jwt(session, call)``). Safe to share between threads and clients of the same
/// client identifier; ``session.jwt`` is the JWT as it is now (keep its token for the next run).
#[pyclass(frozen, module = "plexlink")]
pub(crate) struct JwtSession {
    /// Shared with the futures of `plexlink.aio`, which outlive any borrow of this object.
    pub(crate) inner: Arc<plexlink::JwtSession>,
}

#[pymethods]
impl JwtSession {
    /// A session of ``key`` starting from ``jwt`` (from a login, an upgrade, or restored).
    #[new]
    fn new(key: &Bound<'_, DeviceKey>, jwt: &Bound<'_, PlexJwt>) -> Self {
        Self {
            inner: Arc::new(plexlink::JwtSession::new(key.get().core.clone(), jwt.get().core())),
        }
    }

    /// The device key.
    #[getter]
    fn key(&self) -> DeviceKey {
        self.inner.key().clone().into()
    }

    /// The Plex JWT as it is now (a new value after each refresh).
    #[getter]
    fn jwt(&self, py: Python<'_>) -> PyResult<PlexJwt> {
        PlexJwt::create(py, self.inner.current())
    }

    fn __reduce__(&self) -> PyResult<()> {
        Err(not_picklable(
            "JwtSession",
            "keep session.key.private_key and session.jwt.token instead",
        ))
    }

    fn __repr__(&self) -> String {
        let current = self.inner.current();
        format!(
            "JwtSession(kid={}, username={}, exp={})",
            quoted(self.inner.key().kid()),
            quoted(&current.claims.user.username),
            current.claims.expires_at
        )
    }
}
