//! The values plexlink returns, as frozen Python classes.
//!
//! Each is built once from the core's value while the GIL is held and never changes after, so
//! every class is `frozen`. Tokens are readable attributes (`token`, `access_token`) where the
//! API hands them out, but no `__repr__` ever shows one (nor a PIN code, which is a secret in
//! the core too).

use std::fmt::Write as _;

use plexlink::core::race::{CandidateReport as CoreReport, ProbeResult, SkipReason};
use plexlink::core::timefmt::parse_rfc3339;
use plexlink::{Connected as CoreConnected, WaitProgress as CoreProgress};
use pyo3::prelude::*;

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

fn py_bool(value: bool) -> &'static str {
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

/// An aware `datetime` for an RFC 3339 text from plex.tv, `None` when absent or unreadable.
fn rfc3339_datetime<'py>(py: Python<'py>, text: Option<&str>) -> PyResult<Option<Bound<'py, PyAny>>> {
    utc_datetime(py, text.and_then(parse_rfc3339))
}

// --- PIN login ------------------------------------------------------------------------------

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

// --- Accounts ---------------------------------------------------------------------------------

/// A Plex Pass subscription.
#[pyclass(frozen, module = "plexlink", get_all)]
pub(crate) struct Subscription {
    /// Whether it is active.
    active: bool,
    /// ``Active``, ``Inactive``, ...
    status: String,
    /// ``monthly``, ``yearly``, ``lifetime``, ...
    plan: String,
}

#[pymethods]
impl Subscription {
    fn __repr__(&self) -> String {
        format!(
            "Subscription(active={}, status={}, plan={})",
            py_bool(self.active),
            quoted(&self.status),
            quoted(&self.plan)
        )
    }
}

/// A Plex account, as ``Client.user``, ``Client.sign_in`` and ``Client.switch_home_user``
/// return it. ``token`` is the account's token when the call hands one out.
#[pyclass(frozen, module = "plexlink", get_all)]
pub(crate) struct Account {
    /// The numeric id, when known.
    id: Option<u64>,
    /// The account's UUID.
    uuid: String,
    /// The user name.
    username: String,
    /// The e-mail address.
    email: String,
    /// The name to show.
    friendly_name: String,
    /// The title (a managed user's name).
    title: String,
    /// The avatar's URL.
    thumb: String,
    /// The account's token (sign-in and Home switch give the new token here); None otherwise.
    token: Option<String>,
    /// Whether two-factor authentication is on.
    two_factor_enabled: bool,
    /// Whether the account belongs to a Plex Home.
    home: bool,
    /// Whether it is the Home's administrator.
    home_admin: bool,
    /// The Plex Pass subscription, when plex.tv sent it.
    subscription: Option<Py<Subscription>>,
}

impl Account {
    pub(crate) fn new(py: Python<'_>, account: plexlink::Account) -> PyResult<Self> {
        let subscription = match account.subscription {
            Some(s) => Some(Py::new(
                py,
                Subscription {
                    active: s.active,
                    status: s.status,
                    plan: s.plan,
                },
            )?),
            None => None,
        };
        Ok(Self {
            id: account.id,
            uuid: account.uuid,
            username: account.username,
            email: account.email,
            friendly_name: account.friendly_name,
            title: account.title,
            thumb: account.thumb,
            token: account.auth_token.map(plexlink::Token::into_secret),
            two_factor_enabled: account.two_factor_enabled,
            home: account.home,
            home_admin: account.home_admin,
            subscription,
        })
    }
}

#[pymethods]
impl Account {
    fn __repr__(&self) -> String {
        let id = self.id.map_or_else(|| "None".to_owned(), |i| i.to_string());
        format!(
            "Account(id={id}, username={}, title={}, home={}, home_admin={})",
            quoted(&self.username),
            quoted(&self.title),
            py_bool(self.home),
            py_bool(self.home_admin)
        )
    }
}

/// A member of a Plex Home (``Client.home_users``).
#[pyclass(frozen, module = "plexlink", get_all)]
pub(crate) struct HomeUser {
    /// The numeric id, when known.
    id: Option<u64>,
    /// The UUID: what ``Client.switch_home_user`` takes.
    pub(crate) uuid: String,
    /// The name to show.
    title: String,
    /// The user name (empty for managed users).
    username: String,
    /// Whether this user is the Home's administrator.
    admin: bool,
    /// Whether this is a managed user with restrictions.
    restricted: bool,
    /// Whether switching to this user needs their Home PIN.
    protected: bool,
    /// Whether this is the guest user.
    guest: bool,
    /// The avatar's URL.
    thumb: String,
}

impl From<plexlink::HomeUser> for HomeUser {
    fn from(user: plexlink::HomeUser) -> Self {
        Self {
            id: user.id,
            uuid: user.uuid,
            title: user.title,
            username: user.username,
            admin: user.admin,
            restricted: user.restricted,
            protected: user.protected,
            guest: user.guest,
            thumb: user.thumb,
        }
    }
}

#[pymethods]
impl HomeUser {
    fn __repr__(&self) -> String {
        format!(
            "HomeUser(uuid={}, title={}, admin={}, protected={})",
            quoted(&self.uuid),
            quoted(&self.title),
            py_bool(self.admin),
            py_bool(self.protected)
        )
    }
}

// --- Servers ----------------------------------------------------------------------------------

/// One way to reach a server, as plex.tv lists it.
///
/// Equal connections compare equal and hash alike.
#[pyclass(frozen, subclass, eq, hash, module = "plexlink", get_all)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Connection {
    /// The URI to use (a plex.direct name for https).
    uri: String,
    /// ``https`` or ``http``.
    protocol: String,
    /// The IP address (IPv6 without brackets).
    address: String,
    /// The port.
    port: u16,
    /// A private address.
    local: bool,
    /// A Plex relay (works almost everywhere, but slow).
    relay: bool,
    /// An IPv6 address.
    ipv6: bool,
}

impl From<&plexlink::Connection> for Connection {
    fn from(c: &plexlink::Connection) -> Self {
        Self {
            uri: c.uri.clone(),
            protocol: c.protocol.clone(),
            address: c.address.clone(),
            port: c.port,
            local: c.local,
            relay: c.relay,
            ipv6: c.is_ipv6(),
        }
    }
}

#[pymethods]
impl Connection {
    fn __repr__(&self) -> String {
        format!(
            "Connection(uri={}, local={}, relay={}, ipv6={})",
            quoted(&self.uri),
            py_bool(self.local),
            py_bool(self.relay),
            py_bool(self.ipv6)
        )
    }
}

/// A device of the account: a Plex Media Server, a player... (``Client.resources``).
///
/// ``access_token`` is the token to use with this server (a shared server accepts only its
/// own); ``repr()`` never shows it.
#[pyclass(frozen, module = "plexlink")]
pub(crate) struct Resource {
    /// The name the owner gave it.
    #[pyo3(get)]
    name: String,
    /// ``Plex Media Server``, ``Plex for Android (TV)``, ...
    #[pyo3(get)]
    product: String,
    /// The product's version.
    #[pyo3(get)]
    product_version: String,
    /// ``Linux``, ``Windows``, ...
    #[pyo3(get)]
    platform: String,
    /// The platform's version.
    #[pyo3(get)]
    platform_version: String,
    /// The hardware (``Docker Container``, ``PC``, ...).
    #[pyo3(get)]
    device: String,
    /// The device's identifier (a server's machine identifier).
    #[pyo3(get)]
    client_identifier: String,
    /// What it provides (``server``, ``player``, ...).
    #[pyo3(get)]
    provides: Vec<String>,
    /// The owner's account id, for a device shared with this account.
    #[pyo3(get)]
    owner_id: Option<u64>,
    /// The owner's name, for a device shared with this account.
    #[pyo3(get)]
    source_title: Option<String>,
    /// The public address plex.tv last saw it at.
    #[pyo3(get)]
    public_address: Option<String>,
    /// The token for this device; None when plex.tv gave none.
    #[pyo3(get)]
    access_token: Option<String>,
    /// Whether this account owns it.
    #[pyo3(get)]
    owned: bool,
    /// Whether it belongs to the account's Plex Home.
    #[pyo3(get)]
    home: bool,
    /// Whether it is a synced device.
    #[pyo3(get)]
    synced: bool,
    /// Whether it can be reached through a Plex relay.
    #[pyo3(get)]
    relay: bool,
    /// Whether it is online, as far as plex.tv knows.
    #[pyo3(get)]
    presence: bool,
    /// Whether it refuses plain HTTP.
    #[pyo3(get)]
    https_required: bool,
    /// Whether the caller is on the device's network (same public address).
    #[pyo3(get)]
    public_address_matches: bool,
    /// Whether its network blocks plex.direct names (DNS-rebinding protection).
    #[pyo3(get)]
    dns_rebinding_protection: bool,
    /// Whether its router loops back connections to its own public address.
    #[pyo3(get)]
    nat_loopback_supported: bool,
    /// The ways to reach it, as plex.tv lists them.
    #[pyo3(get)]
    connections: Vec<Py<Connection>>,
    // The core's value, for connect().
    pub(crate) core: plexlink::Device,
}

impl Resource {
    pub(crate) fn new(py: Python<'_>, device: plexlink::Device) -> PyResult<Self> {
        let connections = device
            .connections
            .iter()
            .map(|c| Py::new(py, Connection::from(c)))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(Self {
            name: device.name.clone(),
            product: device.product.clone(),
            product_version: device.product_version.clone(),
            platform: device.platform.clone(),
            platform_version: device.platform_version.clone(),
            device: device.device.clone(),
            client_identifier: device.client_identifier.clone(),
            provides: device.provides.clone(),
            owner_id: device.owner_id,
            source_title: device.source_title.clone(),
            public_address: device.public_address.clone(),
            access_token: device.access_token.as_ref().map(|t| t.secret().to_owned()),
            owned: device.owned,
            home: device.home,
            synced: device.synced,
            relay: device.relay,
            presence: device.presence,
            https_required: device.https_required,
            public_address_matches: device.public_address_matches,
            dns_rebinding_protection: device.dns_rebinding_protection,
            nat_loopback_supported: device.nat_loopback_supported,
            connections,
            core: device,
        })
    }

    pub(crate) fn list(py: Python<'_>, devices: Vec<plexlink::Device>) -> PyResult<Vec<Resource>> {
        devices.into_iter().map(|d| Resource::new(py, d)).collect()
    }
}

#[pymethods]
impl Resource {
    /// Whether it is a Plex Media Server (provides ``server``).
    #[getter]
    fn is_server(&self) -> bool {
        self.core.is_server()
    }

    /// When it was registered (aware ``datetime``), or None.
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        rfc3339_datetime(py, self.core.created_at.as_deref())
    }

    /// When plex.tv last heard of it (aware ``datetime``), or None.
    #[getter]
    fn last_seen_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        rfc3339_datetime(py, self.core.last_seen_at.as_deref())
    }

    fn __repr__(&self) -> String {
        format!(
            "Resource(name={}, product={}, owned={}, connections={})",
            quoted(&self.name),
            quoted(&self.product),
            py_bool(self.owned),
            self.connections.len()
        )
    }
}

/// The connection ``Client.connect`` chose: a :class:`Connection` (its ``uri`` is the one to
/// use), with the server, every candidate's outcome and the time choosing took.
#[pyclass(frozen, extends = Connection, module = "plexlink", get_all)]
pub(crate) struct Connected {
    /// The server.
    resource: Py<Resource>,
    /// The winning connection as plex.tv listed it (its ``uri`` differs from this object's
    /// when the plain-http twin of an https connection won).
    advertised: Py<Connection>,
    /// Every candidate in rank order, with what became of it.
    candidates: Vec<Py<CandidateReport>>,
    /// The connections that were not tried, and why.
    skipped: Vec<Py<SkippedConnection>>,
    /// Seconds choosing took.
    elapsed: f64,
}

impl Connected {
    /// The Python object for a race's result: the base `Connection` is the one to use.
    pub(crate) fn create(py: Python<'_>, resource: Py<Resource>, connected: CoreConnected) -> PyResult<Py<Connected>> {
        let used = match connected.outcome.winning_candidate() {
            Some(candidate) => used_connection(candidate),
            None => Connection {
                uri: connected.uri.clone(),
                ..Connection::from(&connected.connection)
            },
        };
        let candidates = connected
            .outcome
            .reports
            .iter()
            .map(|r| Py::new(py, CandidateReport::new(py, r)?))
            .collect::<PyResult<Vec<_>>>()?;
        let skipped = connected
            .outcome
            .skipped
            .iter()
            .map(|(c, reason)| Py::new(py, SkippedConnection::new(py, c, *reason)?))
            .collect::<PyResult<Vec<_>>>()?;
        let this = Connected {
            resource,
            advertised: Py::new(py, Connection::from(&connected.connection))?,
            candidates,
            skipped,
            elapsed: connected.elapsed.as_secs_f64(),
        };
        Py::new(py, PyClassInitializer::from(used).add_subclass(this))
    }
}

/// The connection a candidate stands for, with the URI and scheme it is used with.
fn used_connection(candidate: &plexlink::core::race::Candidate) -> Connection {
    Connection {
        uri: candidate.uri.clone(),
        protocol: if candidate.secure { "https" } else { "http" }.to_owned(),
        ipv6: candidate.ipv6,
        ..Connection::from(&candidate.connection)
    }
}

#[pymethods]
impl Connected {
    /// The token to use with this server (its ``access_token``), or None.
    #[getter]
    fn access_token(&self, py: Python<'_>) -> Option<String> {
        self.resource.bind(py).get().access_token.clone()
    }

    fn __repr__(self_: PyRef<'_, Self>) -> String {
        let base = self_.as_super();
        let name = self_.resource.bind(self_.py()).get().name.clone();
        format!(
            "Connected(server={}, uri={}, elapsed={:.3})",
            quoted(&name),
            quoted(&base.uri),
            self_.elapsed
        )
    }
}

/// One candidate of a connection race and what became of it.
#[pyclass(frozen, module = "plexlink", get_all)]
pub(crate) struct CandidateReport {
    /// What was probed (and would be used).
    uri: String,
    /// The connection as plex.tv listed it.
    connection: Py<Connection>,
    /// ``local``, ``remote`` or ``relay``.
    tier: String,
    /// Whether it is https.
    secure: bool,
    /// Whether it is IPv6.
    ipv6: bool,
    /// Whether it is the plain-http twin of an https plex.direct connection.
    http_twin: bool,
    /// ``won``, ``answered``, ``wrong_server``, ``unauthorized``, ``failed``, ``timed_out``,
    /// ``abandoned`` or ``not_sent``.
    result: String,
    /// The error (for ``failed``) or the other machine identifier (``wrong_server``); None
    /// otherwise.
    detail: Option<String>,
    /// Seconds from sending the probe to its answer; None without an answer.
    latency: Option<f64>,
}

impl CandidateReport {
    fn new(py: Python<'_>, report: &CoreReport) -> PyResult<Self> {
        let (result, detail) = match &report.result {
            ProbeResult::Won => ("won", None),
            ProbeResult::Answered => ("answered", None),
            ProbeResult::WrongServer { machine_identifier } => ("wrong_server", Some(machine_identifier.clone())),
            ProbeResult::Unauthorized => ("unauthorized", None),
            ProbeResult::Failed(error) => ("failed", Some(error.to_string())),
            ProbeResult::TimedOut => ("timed_out", None),
            ProbeResult::Abandoned => ("abandoned", None),
            ProbeResult::NotSent => ("not_sent", None),
        };
        let candidate = &report.candidate;
        Ok(Self {
            uri: candidate.uri.clone(),
            connection: Py::new(py, Connection::from(&candidate.connection))?,
            tier: candidate.tier.to_string(),
            secure: candidate.secure,
            ipv6: candidate.ipv6,
            http_twin: candidate.http_twin,
            result: result.to_owned(),
            detail,
            latency: report.latency.map(|d| d.as_secs_f64()),
        })
    }
}

#[pymethods]
impl CandidateReport {
    /// Whether this candidate was chosen.
    #[getter]
    fn won(&self) -> bool {
        self.result == "won"
    }

    fn __repr__(&self) -> String {
        let latency = self.latency.map_or_else(|| "None".to_owned(), |l| format!("{l:.3}"));
        format!(
            "CandidateReport(uri={}, tier={}, result={}, latency={latency})",
            quoted(&self.uri),
            quoted(&self.tier),
            quoted(&self.result)
        )
    }
}

/// A connection that was not a candidate, and why.
#[pyclass(frozen, module = "plexlink", get_all)]
pub(crate) struct SkippedConnection {
    /// The connection as plex.tv listed it.
    connection: Py<Connection>,
    /// ``invalid_uri``, ``relay_disabled``, ``ipv6_disabled``, ``foreign_lan``,
    /// ``https_required``, ``http_disabled``, ``plaintext_to_public``, ``duplicate`` or ``other``.
    reason: String,
    /// The reason in words.
    message: String,
}

impl SkippedConnection {
    fn new(py: Python<'_>, connection: &plexlink::Connection, reason: SkipReason) -> PyResult<Self> {
        let code = match reason {
            SkipReason::InvalidUri => "invalid_uri",
            SkipReason::RelayDisabled => "relay_disabled",
            SkipReason::Ipv6Disabled => "ipv6_disabled",
            SkipReason::ForeignLan => "foreign_lan",
            SkipReason::HttpsRequired => "https_required",
            SkipReason::HttpDisabled => "http_disabled",
            SkipReason::PlaintextToPublic => "plaintext_to_public",
            SkipReason::Duplicate => "duplicate",
            _ => "other",
        };
        Ok(Self {
            connection: Py::new(py, Connection::from(connection))?,
            reason: code.to_owned(),
            message: reason.to_string(),
        })
    }
}

#[pymethods]
impl SkippedConnection {
    fn __repr__(&self, py: Python<'_>) -> String {
        let uri = self.connection.bind(py).get().uri.clone();
        format!(
            "SkippedConnection(uri={}, reason={})",
            quoted(&uri),
            quoted(&self.reason)
        )
    }
}

/// What a server's ``/identity`` says (``Client.identity``).
#[pyclass(frozen, module = "plexlink", get_all)]
pub(crate) struct Identity {
    /// The server's machine identifier (its ``client_identifier`` in resources).
    machine_identifier: String,
    /// Whether the server is claimed by an account.
    claimed: bool,
    /// The server's version.
    version: String,
}

impl From<plexlink::Identity> for Identity {
    fn from(identity: plexlink::Identity) -> Self {
        Self {
            machine_identifier: identity.machine_identifier,
            claimed: identity.claimed,
            version: identity.version,
        }
    }
}

#[pymethods]
impl Identity {
    fn __repr__(&self) -> String {
        format!(
            "Identity(machine_identifier={}, claimed={}, version={})",
            quoted(&self.machine_identifier),
            py_bool(self.claimed),
            quoted(&self.version)
        )
    }
}
