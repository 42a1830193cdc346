//! `plexlink_jwt_refresh`: the core's Plex JWT refresh, for hosts that bring their own HTTP
//! stack and event loop, driven like `plexlink_pin_login` (the host's monotonic clock in
//! milliseconds, and its wall clock once, as Unix seconds, for the device JWT).

use std::ffi::c_char;
use std::time::Instant;

use plexlink_core::jwt::{JwtRefresh, PlexJwt, RefreshConfig, RefreshEvent, WallClock};

use crate::config::plexlink_client_config;
use crate::error::{ErrorInfo, plexlink_result};
use crate::ffi::{self, castable, try_mut_from_ptr, try_out, try_ref_from_ptr};
use crate::host::{self, HostClock, Machine, requester};
use crate::jwt::{JwtHandle, give_plex_keys, plexlink_device_key, plexlink_jwt, plexlink_plex_keys, taken_plex_keys};
use crate::panic::ffi_panic_boundary;
use crate::pin_login::{plexlink_http_header, plexlink_http_request};

/// A refresh of a device's Plex JWT driven by the host: nonce, device JWT signed by the key,
/// exchange, verification against plex.tv's keys (fetched by the refresh). Not thread-safe:
/// call it from one thread at a time. Free with `plexlink_jwt_refresh_free`.
///
/// The loop, the PIN login's, repeated until `plexlink_jwt_refresh_is_finished`:
/// 1. `plexlink_jwt_refresh_poll_transmit(now)`: when it gives a request, send it (at most one
///    is in flight) and later hand its answer to `plexlink_jwt_refresh_handle_response`, or its
///    failure to `plexlink_jwt_refresh_handle_transport_error`.
/// 2. Sleep until the answer arrives or until `plexlink_jwt_refresh_poll_timeout()`
///    (`PLEXLINK_NO_TIME`: no timer, wait for the answer), call `plexlink_jwt_refresh_handle_timeout(now)`,
///    go to 1.
///
/// Then `plexlink_jwt_refresh_outcome` gives the new Plex JWT, or why there is none.
#[derive(Debug)]
pub struct plexlink_jwt_refresh {
    _private: [u8; 0],
}

castable!(Box plexlink_jwt_refresh => RefreshHandle);

/// The machine, the host's clock, and the final event once taken from the machine.
#[derive(Debug)]
pub(crate) struct RefreshHandle {
    refresh: JwtRefresh,
    clock: HostClock,
    outcome: Option<Result<PlexJwt, ErrorInfo>>,
}

impl Machine for RefreshHandle {
    fn clock(&self) -> &HostClock {
        &self.clock
    }

    fn timer(&self) -> Option<Instant> {
        self.refresh.poll_timeout()
    }

    /// A refresh's only timer says when to send again, which `poll_transmit` does: nothing is
    /// due here (the C function exists so that one host loop drives every machine).
    fn on_timeout(&mut self, _now: Instant) {}
}

requester!(RefreshHandle, refresh);

impl RefreshHandle {
    /// The final event, kept once the machine gave it (so the outcome can be read again).
    fn outcome(&mut self) -> Option<&Result<PlexJwt, ErrorInfo>> {
        while let Some(event) = self.refresh.poll_event() {
            match event {
                RefreshEvent::Refreshed(jwt) => self.outcome = Some(Ok(*jwt)),
                RefreshEvent::Failed(e) => self.outcome = Some(Err(ErrorInfo::from_error(&e))),
                _ => {}
            }
        }
        self.outcome.as_ref()
    }
}

/// A refresh of the Plex JWT of `key` (copied), which must be registered for the
/// configuration's client identifier (by a JWT sign-in or an upgrade). `plex_keys` may be NULL:
/// plex.tv's keys kept from an earlier sign-in or refresh (copied), which spare the request
/// that fetches them. `now_ms` is the host's clock now and `unix_now_s` the Unix time (seconds)
/// then, from the host's wall clock. No I/O: the first `plexlink_jwt_refresh_poll_transmit`
/// gives the nonce request. On success `*refresh_out` is the caller's. An unusable
/// configuration gives a refresh that is finished at once, its outcome the error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_refresh_new(
    config: *const plexlink_client_config,
    key: *const plexlink_device_key,
    plex_keys: *const plexlink_plex_keys,
    now_ms: u64,
    unix_now_s: i64,
    refresh_out: *mut *mut plexlink_jwt_refresh,
) -> plexlink_result {
    ffi_panic_boundary! {
        let config = try_ref_from_ptr!(config);
        let key = try_ref_from_ptr!(key).key.clone();
        let out = try_out!(refresh_out);
        let clock = HostClock::new(now_ms);
        let wall = WallClock::new(clock.origin(), unix_now_s);
        // SAFETY: `plex_keys` is NULL or live keys (this function's contract).
        let keys = unsafe { taken_plex_keys(plex_keys) };
        let refresh = JwtRefresh::new(config.info.clone(), key, keys, wall, RefreshConfig::default());
        out.write_ok(ffi::to_box(RefreshHandle { refresh, clock, outcome: None }))
    }
}

/// The next request to send, when one is due: `PLEXLINK_RESULT_OK` with `*request_out` (the
/// caller's, to free with `plexlink_http_request_free`), or `PLEXLINK_RESULT_DONE` when nothing
/// is to be sent now (a request is in flight, the next is not due, or the refresh has
/// finished). The exchange's body carries a device JWT: do not log it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_refresh_poll_transmit(
    refresh: *mut plexlink_jwt_refresh,
    now_ms: u64,
    request_out: *mut *mut plexlink_http_request,
) -> plexlink_result {
    ffi_panic_boundary! { host::poll_request(try_mut_from_ptr!(refresh), now_ms, try_out!(request_out)) }
}

/// Hands in the answer to the request in flight, as `plexlink_pin_login_handle_response` does
/// (everything borrowed for the call; an answer when none is expected is ignored;
/// `PLEXLINK_RESULT_INVALID_PARAMETER` for a status outside 100–999 or a header that HTTP does
/// not allow, and nothing is handed in then).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_refresh_handle_response(
    refresh: *mut plexlink_jwt_refresh,
    now_ms: u64,
    status: u16,
    headers: *const plexlink_http_header,
    headers_len: usize,
    body: *const u8,
    body_len: usize,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_mut_from_ptr!(refresh);
        // SAFETY: the answer's pointers are as this function's contract says.
        unsafe { host::answer(handle, now_ms, (), status, headers, headers_len, body, body_len) }
    }
}

/// The request in flight got no answer, as `plexlink_pin_login_handle_transport_error` takes it
/// (`kind` one of `PLEXLINK_RESULT_NETWORK`, `_DNS`, `_CONNECT`, `_TLS`, `_REQUEST_TIMEOUT`,
/// retried with back-off a few times; `message` copied). Any other `kind`:
/// `PLEXLINK_RESULT_INVALID_PARAMETER`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_refresh_handle_transport_error(
    refresh: *mut plexlink_jwt_refresh,
    now_ms: u64,
    kind: u32,
    message: *const c_char,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_mut_from_ptr!(refresh);
        // SAFETY: `message` is as this function's contract says.
        unsafe { host::failure(handle, now_ms, (), kind, message) }
    }
}

/// When to call `plexlink_jwt_refresh_handle_timeout` and `plexlink_jwt_refresh_poll_transmit`
/// next, on the host's clock: the next try after a failure. `PLEXLINK_NO_TIME` when there is no
/// timer: once finished, and while only the answer in flight (or the first `poll_transmit`)
/// can move the refresh on. `PLEXLINK_NO_TIME` for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_refresh_poll_timeout(refresh: *const plexlink_jwt_refresh) -> u64 {
    ffi_panic_boundary! {
        // SAFETY: `refresh` is as this function's contract says.
        unsafe { host::poll_timeout(refresh) }
    }
}

/// Applies the timers due by `now_ms`. A refresh has none of its own (its next try is sent by
/// `plexlink_jwt_refresh_poll_transmit`): this keeps the PIN login's loop.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_refresh_handle_timeout(
    refresh: *mut plexlink_jwt_refresh,
    now_ms: u64,
) -> plexlink_result {
    ffi_panic_boundary! { host::handle_timeout(try_mut_from_ptr!(refresh), now_ms) }
}

/// How the refresh ended, once finished: `PLEXLINK_RESULT_OK` with `*jwt_out` (the new Plex
/// JWT, verified; the caller's, to free with `plexlink_jwt_free`), or the failure's code, which
/// is also made the calling thread's last error (nothing written):
/// `PLEXLINK_RESULT_DEVICE_REMOVED` (only a new client identifier and key help),
/// `PLEXLINK_RESULT_INVALID_JWT`, `PLEXLINK_RESULT_CANCELLED`, or the last of the failures it
/// retried. `PLEXLINK_RESULT_PENDING` while it runs (nothing written). May be asked again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_refresh_outcome(
    refresh: *mut plexlink_jwt_refresh,
    jwt_out: *mut *mut plexlink_jwt,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_mut_from_ptr!(refresh);
        let out = try_out!(jwt_out);
        match handle.outcome() {
            Some(Ok(jwt)) => out.write_ok(ffi::boxed_to_c(JwtHandle::boxed(jwt.clone()))),
            Some(Err(e)) => e.set_last(),
            None => plexlink_result::Pending,
        }
    }
}

/// plex.tv's keys as the refresh has them (given, or fetched to verify its Plex JWT), to give to
/// the next sign-in or refresh: `PLEXLINK_RESULT_OK` with `*keys_out` (the caller's, to free
/// with `plexlink_plex_keys_free`), or `PLEXLINK_RESULT_DONE` (nothing written) when it has none.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_refresh_plex_keys(
    refresh: *const plexlink_jwt_refresh,
    keys_out: *mut *mut plexlink_plex_keys,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_ref_from_ptr!(refresh);
        let out = try_out!(keys_out);
        give_plex_keys(handle.refresh.keys(), out)
    }
}

/// Gives up: the outcome is `PLEXLINK_RESULT_CANCELLED`, and nothing more is sent. Does nothing
/// once finished.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_refresh_cancel(refresh: *mut plexlink_jwt_refresh) -> plexlink_result {
    ffi_panic_boundary! { host::cancel(try_mut_from_ptr!(refresh)) }
}

/// True once the refresh has ended (`plexlink_jwt_refresh_outcome` says how). True for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_refresh_is_finished(refresh: *const plexlink_jwt_refresh) -> bool {
    ffi_panic_boundary! {
        // SAFETY: `refresh` is as this function's contract says.
        unsafe { host::is_finished(refresh) }
    }
}

/// Frees a refresh (a request in flight needs no answer). NULL is fine; must not be called
/// twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_refresh_free(refresh: *mut plexlink_jwt_refresh) {
    ffi_panic_boundary! {
        // SAFETY: `refresh` is NULL or a live refresh that C gives up (this function's contract).
        unsafe { ffi::free_box(refresh) }
    }
}
