//! `plexlink_device_list`, `plexlink_device` and `plexlink_connection`: the account's servers and
//! the ways to reach them; and the calls to a server itself (identity, transient token, source
//! connection information).

use std::ffi::c_char;

use plexlink_core::Token;
use plexlink_core::resources::{Connection, Device};
use plexlink_core::server::Identity;

use crate::call::{Call, Checked, token_call, try_call};
use crate::client::plexlink_client;
use crate::error::plexlink_result;
use crate::ffi::{
    self, CText, c_string, castable, opt_c_string, opt_ptr, try_clone_arc, try_out, try_ref_from_ptr, try_str,
};
use crate::panic::ffi_panic_boundary;

/// A list of devices (servers, players, ...). Immutable; free with `plexlink_device_list_free`,
/// which also ends every device and connection it lent.
#[derive(Debug)]
pub struct plexlink_device_list {
    _private: [u8; 0],
}

/// A device: lent by a `plexlink_device_list` or a `plexlink_connect_result`, valid while that
/// handle lives; never freed on its own. Its strings are lent for as long.
#[derive(Debug)]
pub struct plexlink_device {
    _private: [u8; 0],
}

/// One way to reach a device: lent by its device (or by a connect result), valid while the
/// handle that owns the device lives; never freed on its own.
#[derive(Debug)]
pub struct plexlink_connection {
    _private: [u8; 0],
}

/// What a server's `/identity` says. Immutable; free with `plexlink_identity_free`.
#[derive(Debug)]
pub struct plexlink_identity {
    _private: [u8; 0],
}

castable!(Box plexlink_device_list => Vec<DeviceHandle>);
castable!(Ref plexlink_device => DeviceHandle);
castable!(Ref plexlink_connection => ConnectionHandle);
castable!(Box plexlink_identity => IdentityHandle);

/// A device and its strings, ready for C.
#[derive(Clone, Debug)]
pub(crate) struct DeviceHandle {
    pub(crate) device: Device,
    name: CText,
    product: CText,
    product_version: CText,
    platform: CText,
    platform_version: CText,
    kind: CText,
    client_identifier: CText,
    created_at: Option<CText>,
    last_seen_at: Option<CText>,
    provides: CText,
    source_title: Option<CText>,
    public_address: Option<CText>,
    access_token: Option<CText>,
    connections: Vec<ConnectionHandle>,
}

impl DeviceHandle {
    pub(crate) fn new(device: Device) -> Self {
        Self {
            name: c_string(&device.name),
            product: c_string(&device.product),
            product_version: c_string(&device.product_version),
            platform: c_string(&device.platform),
            platform_version: c_string(&device.platform_version),
            kind: c_string(&device.device),
            client_identifier: c_string(&device.client_identifier),
            created_at: opt_c_string(device.created_at.as_deref()),
            last_seen_at: opt_c_string(device.last_seen_at.as_deref()),
            provides: c_string(&device.provides.join(",")),
            source_title: opt_c_string(device.source_title.as_deref()),
            public_address: opt_c_string(device.public_address.as_deref()),
            access_token: opt_c_string(device.access_token.as_ref().map(Token::secret)),
            connections: device.connections.iter().cloned().map(ConnectionHandle::new).collect(),
            device,
        }
    }
}

/// A connection and its strings, ready for C.
#[derive(Clone, Debug)]
pub(crate) struct ConnectionHandle {
    connection: Connection,
    protocol: CText,
    address: CText,
    uri: CText,
}

impl ConnectionHandle {
    pub(crate) fn new(connection: Connection) -> Self {
        Self {
            protocol: c_string(&connection.protocol),
            address: c_string(&connection.address),
            uri: c_string(&connection.uri),
            connection,
        }
    }
}

#[derive(Debug)]
pub(crate) struct IdentityHandle {
    identity: Identity,
    machine_identifier: CText,
    version: CText,
}

impl IdentityHandle {
    pub(crate) fn boxed(identity: Identity) -> Box<Self> {
        Box::new(Self::new(identity))
    }

    pub(crate) fn new(identity: Identity) -> Self {
        Self {
            machine_identifier: c_string(&identity.machine_identifier),
            version: c_string(&identity.version),
            identity,
        }
    }
}

pub(crate) fn device_list(devices: Vec<Device>) -> Vec<DeviceHandle> {
    devices.into_iter().map(DeviceHandle::new).collect()
}

// --- plexlink_device_list ----------------------------------------------------------------------

/// How many devices the list holds; 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_list_len(list: *const plexlink_device_list) -> usize {
    ffi_panic_boundary! { try_ref_from_ptr!(list).len() }
}

/// The device at `index` (0-based), lent while `list` lives; NULL when out of range or for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_list_get(
    list: *const plexlink_device_list,
    index: usize,
) -> *const plexlink_device {
    ffi_panic_boundary! { try_ref_from_ptr!(list).get(index).map_or(std::ptr::null(), ffi::lend) }
}

/// Frees the list, its devices and their connections. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_list_free(list: *mut plexlink_device_list) {
    ffi_panic_boundary! {
        // SAFETY: `list` is NULL or a live list that C gives up (this function's contract).
        unsafe { ffi::free_box(list) }
    }
}

// --- plexlink_device -------------------------------------------------------------------------

/// The name the owner gave the device. Lent (see `plexlink_device`). NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_name(device: *const plexlink_device) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(device).name.as_ptr() }
}

/// The product ("Plex Media Server", "Plex for iOS", ...). Lent. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_product(device: *const plexlink_device) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(device).product.as_ptr() }
}

/// The product's version. Lent. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_product_version(device: *const plexlink_device) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(device).product_version.as_ptr() }
}

/// The platform ("Linux", "Windows", ...). Lent. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_platform(device: *const plexlink_device) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(device).platform.as_ptr() }
}

/// The platform's version. Lent. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_platform_version(device: *const plexlink_device) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(device).platform_version.as_ptr() }
}

/// The hardware ("PC", "Docker Container", ...). Lent. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_device(device: *const plexlink_device) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(device).kind.as_ptr() }
}

/// The device's identifier; for a server, the machine identifier its `/identity` gives. Lent.
/// NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_client_identifier(device: *const plexlink_device) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(device).client_identifier.as_ptr() }
}

/// When the device was registered (RFC 3339), or NULL when unknown. Lent.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_created_at(device: *const plexlink_device) -> *const c_char {
    ffi_panic_boundary! { opt_ptr(&try_ref_from_ptr!(device).created_at) }
}

/// When plex.tv last heard of the device (RFC 3339), or NULL when unknown. Lent.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_last_seen_at(device: *const plexlink_device) -> *const c_char {
    ffi_panic_boundary! { opt_ptr(&try_ref_from_ptr!(device).last_seen_at) }
}

/// What the device provides, as a comma list ("server", "client,player", ...). Lent. NULL for
/// NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_provides(device: *const plexlink_device) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(device).provides.as_ptr() }
}

/// True when the device is a Plex Media Server (provides "server"). False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_is_server(device: *const plexlink_device) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(device).device.is_server() }
}

/// The owner's account id for a device shared with this account; 0 otherwise (and for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_owner_id(device: *const plexlink_device) -> u64 {
    ffi_panic_boundary! { try_ref_from_ptr!(device).device.owner_id.unwrap_or(0) }
}

/// The owner's name for a device shared with this account, or NULL. Lent.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_source_title(device: *const plexlink_device) -> *const c_char {
    ffi_panic_boundary! { opt_ptr(&try_ref_from_ptr!(device).source_title) }
}

/// The public address plex.tv last saw the device at, or NULL. Lent.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_public_address(device: *const plexlink_device) -> *const c_char {
    ffi_panic_boundary! { opt_ptr(&try_ref_from_ptr!(device).public_address) }
}

/// The token for this device (for a shared server, the only token it accepts), or NULL. A
/// secret: never log it. Lent.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_access_token(device: *const plexlink_device) -> *const c_char {
    ffi_panic_boundary! { opt_ptr(&try_ref_from_ptr!(device).access_token) }
}

/// Whether this account owns the device. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_owned(device: *const plexlink_device) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(device).device.owned }
}

/// Whether the device belongs to the account's Plex Home. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_home(device: *const plexlink_device) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(device).device.home }
}

/// Whether it is a synced device. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_synced(device: *const plexlink_device) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(device).device.synced }
}

/// Whether the device can be reached through a Plex relay. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_relay(device: *const plexlink_device) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(device).device.relay }
}

/// Whether the device is online now, as far as plex.tv knows. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_presence(device: *const plexlink_device) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(device).device.presence }
}

/// Whether the device refuses plain HTTP. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_https_required(device: *const plexlink_device) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(device).device.https_required }
}

/// Whether this client's public address is the device's (it is on the device's network).
/// False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_public_address_matches(device: *const plexlink_device) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(device).device.public_address_matches }
}

/// Whether the device's network blocks plex.direct names (DNS-rebinding protection). False for
/// NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_dns_rebinding_protection(device: *const plexlink_device) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(device).device.dns_rebinding_protection }
}

/// Whether the device's router loops back connections to its own public address. False for
/// NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_nat_loopback_supported(device: *const plexlink_device) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(device).device.nat_loopback_supported }
}

/// How many connections the device lists; 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_connections_len(device: *const plexlink_device) -> usize {
    ffi_panic_boundary! { try_ref_from_ptr!(device).connections.len() }
}

/// The connection at `index` (0-based, in plex.tv's order), lent like the device; NULL when out
/// of range or for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_connection_get(
    device: *const plexlink_device,
    index: usize,
) -> *const plexlink_connection {
    ffi_panic_boundary! { try_ref_from_ptr!(device).connections.get(index).map_or(std::ptr::null(), ffi::lend) }
}

// --- plexlink_connection -----------------------------------------------------------------------

/// "https" or "http". Lent (see `plexlink_connection`). NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connection_protocol(connection: *const plexlink_connection) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(connection).protocol.as_ptr() }
}

/// The IP address (IPv6 without brackets). Lent. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connection_address(connection: *const plexlink_connection) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(connection).address.as_ptr() }
}

/// The port; 0 when unknown (and for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connection_port(connection: *const plexlink_connection) -> u16 {
    ffi_panic_boundary! { try_ref_from_ptr!(connection).connection.port }
}

/// The URI as plex.tv lists it (a plex.direct name for https). Lent. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connection_uri(connection: *const plexlink_connection) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(connection).uri.as_ptr() }
}

/// Whether the address is private (not "on your network": see
/// `plexlink_device_public_address_matches`). False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connection_local(connection: *const plexlink_connection) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(connection).connection.local }
}

/// Whether it is a Plex relay. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connection_relay(connection: *const plexlink_connection) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(connection).connection.relay }
}

/// Whether the address is IPv6. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connection_ipv6(connection: *const plexlink_connection) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(connection).connection.is_ipv6() }
}

// --- plexlink_identity -------------------------------------------------------------------------

/// The server's machine identifier (a device's `plexlink_device_client_identifier`). Lent:
/// valid while `identity` lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_identity_machine_identifier(identity: *const plexlink_identity) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(identity).machine_identifier.as_ptr() }
}

/// The server's version. Lent: valid while `identity` lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_identity_version(identity: *const plexlink_identity) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(identity).version.as_ptr() }
}

/// Whether the server is claimed by an account. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_identity_claimed(identity: *const plexlink_identity) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(identity).identity.claimed }
}

/// Frees an identity. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_identity_free(identity: *mut plexlink_identity) {
    ffi_panic_boundary! {
        // SAFETY: `identity` is NULL or a live identity that C gives up (this function's contract).
        unsafe { ffi::free_box(identity) }
    }
}

// --- blocking calls --------------------------------------------------------------------------

/// The call of `plexlink_client_resources` and `plexlink_task_resources`.
pub(crate) unsafe fn resources(client: *const plexlink_client, token: *const c_char) -> Checked<Vec<DeviceHandle>> {
    let client = try_clone_arc!(client);
    // SAFETY: `token` as this function's callers got it.
    unsafe { token_call(client, token, |c, token| c.resources(token).map(device_list)) }
}

/// Every device of the account with all its connections (https, relay, IPv6). On success
/// `*list_out` is the caller's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_resources(
    client: *const plexlink_client,
    token: *const c_char,
    list_out: *mut *mut plexlink_device_list,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(resources(client, token)).run(try_out!(list_out)) }
}

/// The call of `plexlink_client_servers` and `plexlink_task_servers`.
pub(crate) unsafe fn servers(client: *const plexlink_client, token: *const c_char) -> Checked<Vec<DeviceHandle>> {
    let client = try_clone_arc!(client);
    // SAFETY: `token` as this function's callers got it.
    unsafe { token_call(client, token, |c, token| c.servers(token).map(device_list)) }
}

/// The account's Plex Media Servers (the devices that provide "server"). On success `*list_out`
/// is the caller's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_servers(
    client: *const plexlink_client,
    token: *const c_char,
    list_out: *mut *mut plexlink_device_list,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(servers(client, token)).run(try_out!(list_out)) }
}

/// The call of `plexlink_client_identity` and `plexlink_task_identity`.
pub(crate) unsafe fn identity(
    client: *const plexlink_client,
    server_uri: *const c_char,
) -> Checked<Box<IdentityHandle>> {
    let client = try_clone_arc!(client);
    let server_uri = try_str!(server_uri).to_owned();
    Ok(Call::new(client, move |c, _| {
        c.identity(&server_uri).map(IdentityHandle::boxed)
    }))
}

/// What the server at `server_uri` says about itself (`/identity`, no token needed). On success
/// `*identity_out` is the caller's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_identity(
    client: *const plexlink_client,
    server_uri: *const c_char,
    identity_out: *mut *mut plexlink_identity,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(identity(client, server_uri)).run(try_out!(identity_out)) }
}

/// The call of `plexlink_client_transient_token` and `plexlink_task_transient_token`.
pub(crate) unsafe fn transient_token(
    client: *const plexlink_client,
    server_uri: *const c_char,
    token: *const c_char,
) -> Checked<CText> {
    let client = try_clone_arc!(client);
    let server_uri = try_str!(server_uri).to_owned();
    // SAFETY: `token` as this function's callers got it.
    unsafe {
        token_call(client, token, move |c, token| {
            c.transient_token(&server_uri, token).map(|t| c_string(t.secret()))
        })
    }
}

/// A transient token from the server at `server_uri`, asked with an admin `token` (valid up to
/// 48 h, gone when the server restarts). On success `*transient_token_out` is owned: free it
/// with `plexlink_string_free`. A secret.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_transient_token(
    client: *const plexlink_client,
    server_uri: *const c_char,
    token: *const c_char,
    transient_token_out: *mut *mut c_char,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(transient_token(client, server_uri, token)).run(try_out!(transient_token_out)) }
}

/// The call of `plexlink_client_source_connection_info` and
/// `plexlink_task_source_connection_info`.
pub(crate) unsafe fn source_connection_info(
    client: *const plexlink_client,
    server_uri: *const c_char,
    token: *const c_char,
    source: *const c_char,
) -> Checked<Vec<DeviceHandle>> {
    let client = try_clone_arc!(client);
    let server_uri = try_str!(server_uri).to_owned();
    let source = try_str!(source).to_owned();
    // SAFETY: `token` as this function's callers got it.
    unsafe {
        token_call(client, token, move |c, token| {
            c.source_connection_info(&server_uri, token, &source).map(device_list)
        })
    }
}

/// How to reach the server or provider `source` (`server://<machine identifier>`, or a bare
/// machine identifier), as the server at `server_uri` knows it, asked with an admin or transient
/// `token`. On success `*list_out` is the caller's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_source_connection_info(
    client: *const plexlink_client,
    server_uri: *const c_char,
    token: *const c_char,
    source: *const c_char,
    list_out: *mut *mut plexlink_device_list,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(source_connection_info(client, server_uri, token, source)).run(try_out!(list_out)) }
}
