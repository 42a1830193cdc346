//! The account's devices and the ways to reach them (`Resource`, `Connection`), and what a
//! server says about itself (`Identity`).

use pyo3::prelude::*;

use crate::convert::{py_bool, quoted, rfc3339_datetime};

/// One way to reach a server, as plex.tv lists it.
///
/// Equal connections compare equal and hash alike.
#[pyclass(frozen, subclass, eq, hash, module = "plexlink", get_all)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Connection {
    /// The URI to use (a plex.direct name for https).
    pub(crate) uri: String,
    /// ``https`` or ``http``.
    pub(crate) protocol: String,
    /// The IP address (IPv6 without brackets).
    pub(crate) address: String,
    /// The port.
    pub(crate) port: u16,
    /// A private address.
    pub(crate) local: bool,
    /// A Plex relay (works almost everywhere, but slow).
    pub(crate) relay: bool,
    /// An IPv6 address.
    pub(crate) ipv6: bool,
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
    pub(crate) name: String,
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
    pub(crate) access_token: Option<String>,
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
