//! `plexlink_client_config_builder` → `plexlink_client_config`: who the application is (the
//! `X-Plex-*` identity), where plex.tv is, and the transport's limits.

use std::ffi::c_char;
use std::sync::Arc;
use std::time::Duration;

use plexlink_core::{AddressRules, ClientInfo, Error};

use crate::error::{self, plexlink_result};
use crate::ffi::{self, castable, try_bytes, try_mut_from_ptr, try_out, try_str};
use crate::panic::ffi_panic_boundary;

/// Collects a client configuration. Made by `plexlink_client_config_builder_new`, changed by
/// the `plexlink_client_config_builder_set_*` functions, turned into a `plexlink_client_config`
/// by `plexlink_client_config_builder_build`. Not thread-safe: use it from one thread at a time.
#[derive(Debug)]
pub struct plexlink_client_config_builder {
    _private: [u8; 0],
}

/// An immutable client configuration, shareable between threads. Used by `plexlink_client_new`
/// and by the sans-IO machines (`plexlink_pin_login_new`, `plexlink_race_new`,
/// `plexlink_jwt_refresh_new`, ...). Free with `plexlink_client_config_free`.
#[derive(Debug)]
pub struct plexlink_client_config {
    _private: [u8; 0],
}

castable!(Box plexlink_client_config_builder => Config);
castable!(Arc plexlink_client_config => Config);

/// Everything a client is made from.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) info: ClientInfo,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    max_response_bytes: Option<usize>,
    allow_insecure_http: bool,
    roots: Vec<Vec<u8>>,
    resolve_plex_direct: bool,
    carrier_nat_is_private: bool,
    /// The JWT nonce life the JWT PIN login assumes, when not plex.tv's.
    pub(crate) jwt_nonce_lifetime: Option<Duration>,
}

impl Config {
    /// How a host's own HTTP stack reads addresses: it resolves `plex.direct` names through
    /// DNS, so their labels say nothing about where a request goes.
    pub(crate) fn host_address_rules(&self) -> AddressRules {
        AddressRules {
            plex_direct_by_label: false,
            carrier_nat_is_private: self.carrier_nat_is_private,
        }
    }

    /// A blocking client with these settings.
    pub(crate) fn client(&self) -> Result<blocking::Client, Error> {
        let mut builder = blocking::Client::builder_from_info(self.info.clone())
            .allow_insecure_http(self.allow_insecure_http)
            .resolve_plex_direct(self.resolve_plex_direct)
            .carrier_nat_is_private(self.carrier_nat_is_private);
        if let Some(timeout) = self.connect_timeout {
            builder = builder.connect_timeout(timeout);
        }
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(limit) = self.max_response_bytes {
            builder = builder.max_response_bytes(limit);
        }
        if let Some(lifetime) = self.jwt_nonce_lifetime {
            builder = builder.jwt_nonce_lifetime(lifetime);
        }
        for pem in &self.roots {
            builder = builder.add_root_certificate_pem(pem.clone());
        }
        builder.build()
    }
}

/// Starts a configuration for the application `product` (`X-Plex-Product`, shown to the person
/// on the consent page) with its lasting `client_identifier` (`X-Plex-Client-Identifier`).
///
/// Make the identifier once per installation (a UUID), store it, and pass the same one every
/// time: plex.tv lists every new identifier as a new device, and a PIN must be checked with the
/// identifier that created it. The other fields default to version "1.0", the OS as platform,
/// the product as device name, and the real plex.tv.
///
/// On success `*builder_out` is a new builder: give it to `plexlink_client_config_builder_build`
/// or free it with `plexlink_client_config_builder_free`. Both strings are copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_new(
    product: *const c_char,
    client_identifier: *const c_char,
    builder_out: *mut *mut plexlink_client_config_builder,
) -> plexlink_result {
    ffi_panic_boundary! {
        let out = try_out!(builder_out);
        let product = try_str!(product);
        let client_identifier = try_str!(client_identifier);
        let config = Config {
            info: ClientInfo::new(product, client_identifier),
            connect_timeout: None,
            timeout: None,
            max_response_bytes: None,
            allow_insecure_http: false,
            roots: Vec::new(),
            resolve_plex_direct: true,
            carrier_nat_is_private: false,
            jwt_nonce_lifetime: None,
        };
        out.write(ffi::to_box(config));
        plexlink_result::Ok
    }
}

/// What every `plexlink_client_config_builder_set_*` does: checks `builder`, then lets `change`
/// set a field of it, or refuse its value with a code (also made the last error).
///
/// # Safety
/// As every exported function: `builder` is NULL or a live builder.
unsafe fn set(
    builder: *mut plexlink_client_config_builder,
    change: impl FnOnce(&mut Config) -> Result<(), plexlink_result>,
) -> plexlink_result {
    let config = try_mut_from_ptr!(builder);
    change(config).map_or_else(|code| code, |()| plexlink_result::Ok)
}

/// Sets one text field of a builder (the value is copied), as [`set`] sets any field.
///
/// # Safety
/// As every exported function: `builder` is NULL or a live builder, `value` NULL or a
/// NUL-terminated string.
unsafe fn set_text(
    builder: *mut plexlink_client_config_builder,
    value: *const c_char,
    set_field: impl FnOnce(&mut Config, &str) -> Result<(), Error>,
) -> plexlink_result {
    let change = |config: &mut Config| {
        let value = try_str!(value);
        set_field(config, value).map_err(|e| error::fail(&e))
    };
    // SAFETY: per this function's contract.
    unsafe { set(builder, change) }
}

/// `value`, unless it is 0: `PLEXLINK_RESULT_INVALID_PARAMETER` then, the last error saying
/// "invalid `what`: must be more than 0 `unit`".
fn positive<T: Default + PartialEq>(value: T, what: &str, unit: &str) -> Result<T, plexlink_result> {
    if value == T::default() {
        return Err(error::invalid_parameter(&format!(
            "invalid {what}: must be more than 0 {unit}"
        )));
    }
    Ok(value)
}

/// A time of `ms` milliseconds, checked as [`positive`] checks it.
fn positive_ms(ms: u64, what: &str) -> Result<Duration, plexlink_result> {
    positive(ms, what, "ms").map(Duration::from_millis)
}

/// `X-Plex-Version`: the application's version. Copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_set_version(
    builder: *mut plexlink_client_config_builder,
    version: *const c_char,
) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: the arguments are passed on under this function's own contract.
        unsafe { set_text(builder, version, |c, v| { c.info.version = v.into(); Ok(()) }) }
    }
}

/// `X-Plex-Device-Name`: the name the person knows this device by (any UTF-8). Copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_set_device_name(
    builder: *mut plexlink_client_config_builder,
    device_name: *const c_char,
) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: the arguments are passed on under this function's own contract.
        unsafe { set_text(builder, device_name, |c, v| { c.info.device_name = v.into(); Ok(()) }) }
    }
}

/// `X-Plex-Platform` (defaults to the OS the library was built for). Copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_set_platform(
    builder: *mut plexlink_client_config_builder,
    platform: *const c_char,
) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: the arguments are passed on under this function's own contract.
        unsafe { set_text(builder, platform, |c, v| { c.info.platform = v.into(); Ok(()) }) }
    }
}

/// `X-Plex-Platform-Version`; empty leaves the header out. Copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_set_platform_version(
    builder: *mut plexlink_client_config_builder,
    platform_version: *const c_char,
) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: the arguments are passed on under this function's own contract.
        unsafe { set_text(builder, platform_version, |c, v| { c.info.platform_version = v.into(); Ok(()) }) }
    }
}

/// `X-Plex-Device`, the kind of hardware (e.g. "PC"); empty leaves the header out. Copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_set_device(
    builder: *mut plexlink_client_config_builder,
    device: *const c_char,
) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: the arguments are passed on under this function's own contract.
        unsafe { set_text(builder, device, |c, v| { c.info.device = v.into(); Ok(()) }) }
    }
}

/// `X-Plex-Model`; empty leaves the header out. Copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_set_model(
    builder: *mut plexlink_client_config_builder,
    model: *const c_char,
) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: the arguments are passed on under this function's own contract.
        unsafe { set_text(builder, model, |c, v| { c.info.model = v.into(); Ok(()) }) }
    }
}

/// `X-Plex-Provides` (e.g. "player", "controller"); empty leaves the header out. Copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_set_provides(
    builder: *mut plexlink_client_config_builder,
    provides: *const c_char,
) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: the arguments are passed on under this function's own contract.
        unsafe { set_text(builder, provides, |c, v| { c.info.provides = v.into(); Ok(()) }) }
    }
}

/// Points every plex.tv address (plex.tv, clients.plex.tv, the auth page) at one base URL, such
/// as an emulator's `http://127.0.0.1:PORT/`. `PLEXLINK_RESULT_INVALID_PARAMETER` when it is not
/// an http(s) URL with a host. Copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_set_plex_url(
    builder: *mut plexlink_client_config_builder,
    url: *const c_char,
) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: the arguments are passed on under this function's own contract.
        unsafe { set_text(builder, url, |c, v| c.info.set_plex_url(v)) }
    }
}

/// The longest wait for a TCP (and TLS) connection, in milliseconds (default 5000; not 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_set_connect_timeout_ms(
    builder: *mut plexlink_client_config_builder,
    timeout_ms: u64,
) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: `builder` is passed on under this function's own contract.
        unsafe { set(builder, |c| positive_ms(timeout_ms, "connect timeout").map(|t| c.connect_timeout = Some(t))) }
    }
}

/// The longest wait for a whole answer, in milliseconds (default 30000; not 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_set_timeout_ms(
    builder: *mut plexlink_client_config_builder,
    timeout_ms: u64,
) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: `builder` is passed on under this function's own contract.
        unsafe { set(builder, |c| positive_ms(timeout_ms, "timeout").map(|t| c.timeout = Some(t))) }
    }
}

/// Answers larger than `limit` bytes are refused with `PLEXLINK_RESULT_RESPONSE_TOO_LARGE`
/// (default 16 MiB; not 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_set_max_response_bytes(
    builder: *mut plexlink_client_config_builder,
    limit: usize,
) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: `builder` is passed on under this function's own contract.
        unsafe { set(builder, |c| positive(limit, "response limit", "bytes").map(|n| c.max_response_bytes = Some(n))) }
    }
}

/// Allows sending a token over plain HTTP to public addresses (off by default: anyone on the
/// path could read it). Only for networks you trust. Loopback and private addresses never need
/// this.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_set_allow_insecure_http(
    builder: *mut plexlink_client_config_builder,
    allow: bool,
) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: `builder` is passed on under this function's own contract.
        unsafe { set(builder, |c| { c.allow_insecure_http = allow; Ok(()) }) }
    }
}

/// Reads `*.plex.direct` addresses from the name instead of asking DNS (on by default), so
/// routers that block those names do not push the connection onto a relay. TLS still checks
/// the certificate against the name.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_set_resolve_plex_direct(
    builder: *mut plexlink_client_config_builder,
    resolve: bool,
) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: `builder` is passed on under this function's own contract.
        unsafe { set(builder, |c| { c.resolve_plex_direct = resolve; Ok(()) }) }
    }
}

/// Counts carrier-grade NAT addresses (100.64.0.0/10) as private (off by default): plain http
/// may then carry a token to them, and they rank as local connections. Behind a carrier's NAT
/// that range is the carrier's network; turn it on for a VPN that uses it (Tailscale does).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_set_carrier_nat_is_private(
    builder: *mut plexlink_client_config_builder,
    private: bool,
) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: `builder` is passed on under this function's own contract.
        unsafe { set(builder, |c| { c.carrier_nat_is_private = private; Ok(()) }) }
    }
}

/// The life of a JWT nonce in milliseconds, when it is not plex.tv's five minutes (an emulator
/// set to a short one): a JWT PIN login (`plexlink_client_wait_for_jwt`,
/// `plexlink_pin_login_new_jwt`) signs a new device JWT before it ends. At least 1000.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_set_jwt_nonce_lifetime_ms(
    builder: *mut plexlink_client_config_builder,
    lifetime_ms: u64,
) -> plexlink_result {
    ffi_panic_boundary! {
        let config = try_mut_from_ptr!(builder);
        // Below a second the core would round it up anyway; saying so is kinder.
        if lifetime_ms < 1000 {
            return error::invalid_parameter("invalid JWT nonce lifetime: must be at least 1000 ms");
        }
        config.jwt_nonce_lifetime = Some(Duration::from_millis(lifetime_ms));
        plexlink_result::Ok
    }
}

/// Trusts one more certificate authority, beside the system's: `pem` points at `pem_len` bytes
/// of PEM text (copied). A bad certificate is reported by `plexlink_client_new`
/// (`PLEXLINK_RESULT_INVALID_PARAMETER`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_add_root_certificate_pem(
    builder: *mut plexlink_client_config_builder,
    pem: *const u8,
    pem_len: usize,
) -> plexlink_result {
    ffi_panic_boundary! {
        let config = try_mut_from_ptr!(builder);
        if pem.is_null() {
            return error::null_parameter("pem");
        }
        let pem = try_bytes!(pem, pem_len);
        config.roots.push(pem.to_vec());
        plexlink_result::Ok
    }
}

/// Checks the configuration and makes it immutable.
///
/// On success `*config_out` is a new configuration (free it with `plexlink_client_config_free`)
/// and the builder is consumed: it is freed and must not be used again. On failure
/// (`PLEXLINK_RESULT_INVALID_PARAMETER` for an empty product or client identifier) nothing is
/// written and the builder is left as it was, still the caller's to fix or free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_build(
    builder: *mut plexlink_client_config_builder,
    config_out: *mut *const plexlink_client_config,
) -> plexlink_result {
    ffi_panic_boundary! {
        let config = try_mut_from_ptr!(builder);
        let out = try_out!(config_out);
        if let Err(e) = config.info.validate() {
            return error::fail(&e);
        }
        // SAFETY: `builder` is a live builder (checked above) that C gives up on success.
        let config = unsafe { ffi::take_box(builder) };
        if let Some(config) = config {
            out.write(ffi::to_arc(Arc::new(*config)));
        }
        plexlink_result::Ok
    }
}

/// Frees a builder that was not built. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_builder_free(builder: *mut plexlink_client_config_builder) {
    ffi_panic_boundary! {
        // SAFETY: `builder` is NULL or a live builder that C gives up (this function's contract).
        unsafe { ffi::free_box(builder) }
    }
}

/// Frees a configuration. Clients made from it keep their own copy, so it may be freed while
/// they live. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_config_free(config: *const plexlink_client_config) {
    ffi_panic_boundary! {
        // SAFETY: `config` is NULL or a live configuration that C gives up.
        unsafe { ffi::free_arc(config) }
    }
}
