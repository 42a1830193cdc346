//! `plexlink_pin_login`: the core's sans-IO PIN login, for hosts that bring their own HTTP stack
//! and event loop. The host sends the requests it is given, hands back the answers, and keeps
//! the time: every `now_ms` is the host's own monotonic clock in milliseconds (any origin, never
//! going back).

use std::ffi::c_char;
use std::time::{Duration, Instant};

use plexlink_core::jwt::{DeviceKey, PlexKeys, WallClock};
use plexlink_core::pin_login::{PinEvent, PinLogin, PinLoginConfig};
use plexlink_core::pins::Pin;
use plexlink_core::{ClientInfo, HttpRequest};

use crate::config::{Config, plexlink_client_config};
use crate::error::{self, ErrorInfo, plexlink_result};
use crate::ffi::{
    self, CText, PLEXLINK_NO_TIME, c_string, castable, millis, try_mut_from_ptr, try_out, try_ref_from_ptr,
};
use crate::host::{self, HostClock, Reporter, machine, requester};
use crate::jwt::{JwtHandle, give_plex_keys, plexlink_device_key, plexlink_jwt, plexlink_plex_keys, taken_plex_keys};
use crate::panic::ffi_panic_boundary;
use crate::pin::{PinHandle, plexlink_pin};

/// A PIN sign-in driven by the host. Not thread-safe: call it from one thread at a time. Free
/// with `plexlink_pin_login_free`.
///
/// The loop, repeated until `plexlink_pin_login_is_finished` and no event is left:
/// 1. `plexlink_pin_login_poll_transmit(now)`: when it gives a request, send it (at most one is
///    in flight) and later hand its answer to `plexlink_pin_login_handle_response`, or its
///    failure to `plexlink_pin_login_handle_transport_error`.
/// 2. `plexlink_pin_login_poll_event` until `PLEXLINK_RESULT_DONE`: `CREATED` once (show the
///    code), `PENDING` after each check, then one final `AUTHORIZED` (the token) or `FAILED`.
/// 3. Sleep until the answer arrives or until `plexlink_pin_login_poll_timeout()` (`PLEXLINK_NO_TIME`:
///    no timer, wait for the answer), call `plexlink_pin_login_handle_timeout(now)`, go to 1.
#[derive(Debug)]
pub struct plexlink_pin_login {
    _private: [u8; 0],
}

/// A request to send: lent by nothing, owned by the caller; free with
/// `plexlink_http_request_free`. Its strings and body are lent while it lives.
#[derive(Debug)]
pub struct plexlink_http_request {
    _private: [u8; 0],
}

/// An event of a PIN login, owned by the caller; free with `plexlink_pin_event_free`. What it
/// lends is valid while it lives.
#[derive(Debug)]
pub struct plexlink_pin_event {
    _private: [u8; 0],
}

/// One header of an answer handed to `plexlink_pin_login_handle_response`: two NUL-terminated
/// UTF-8 strings, borrowed for the call.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct plexlink_http_header {
    /// The header's name (any case).
    pub name: *const c_char,
    /// The header's value.
    pub value: *const c_char,
}

/// What a PIN login reports.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum plexlink_pin_event_kind {
    /// The PIN exists: show `plexlink_pin_code` of `plexlink_pin_event_pin` with the link page,
    /// or send the person to the auth URL for a strong code. Store its id to resume later.
    Created = 0,
    /// A check found the PIN not yet approved (`plexlink_pin_event_remaining_ms`).
    Pending = 1,
    /// The person approved the PIN: `plexlink_pin_event_token` is the token (for a JWT sign-in,
    /// the Plex JWT, already verified: `plexlink_pin_login_jwt` gives it with its claims). The
    /// final event.
    Authorized = 2,
    /// The sign-in ended without a token (`plexlink_pin_event_error`): the PIN expired, it was
    /// cancelled, or an error that cannot be retried. The final event.
    Failed = 3,
}

castable!(Box plexlink_pin_login => LoginHandle);
castable!(Box plexlink_http_request => RequestHandle);
castable!(Box plexlink_pin_event => EventHandle);

/// The machine and the host's clock.
#[derive(Debug)]
pub(crate) struct LoginHandle {
    login: PinLogin,
    clock: HostClock,
    /// A JWT login (`plexlink_pin_login_new_jwt`, `_resume_jwt`): it ends with a Plex JWT.
    jwt: bool,
}

machine!(LoginHandle, login);
requester!(LoginHandle, login);

impl Reporter for LoginHandle {
    type Event = PinEvent;
    type C = plexlink_pin_event;

    fn next_event(&mut self) -> Option<PinEvent> {
        self.login.poll_event()
    }

    fn for_c(&self, event: PinEvent) -> Option<EventHandle> {
        EventHandle::new(event, self.login.pin())
    }
}

/// How a login starts: given the client's identity and the `Instant` of the host's `now_ms`,
/// the core's login.
trait Start: FnOnce(ClientInfo, Instant) -> PinLogin {}
impl<F: FnOnce(ClientInfo, Instant) -> PinLogin> Start for F {}

/// A login that creates its PIN (a strong code when `strong`).
fn create(strong: bool, interval_ms: u64) -> impl Start {
    move |info, _| PinLogin::new(info, login_config(strong, interval_ms))
}

/// A login that checks `pin`, created earlier.
fn resume(pin: Pin, interval_ms: u64) -> impl Start {
    move |info, origin| PinLogin::resume(info, login_config(pin.strong, interval_ms), pin, origin)
}

impl LoginHandle {
    fn new(info: ClientInfo, now_ms: u64, start: impl Start) -> Self {
        let clock = HostClock::new(now_ms);
        Self {
            login: start(info, clock.origin()),
            clock,
            jwt: false,
        }
    }

    /// A JWT login: `start`'s login signing with `key`, the host's Unix time `unix_now_s` tied
    /// to its `now_ms` (the core reads no clock), and the configuration's nonce life.
    fn new_jwt(
        config: &Config,
        now_ms: u64,
        unix_now_s: i64,
        key: DeviceKey,
        keys: Option<PlexKeys>,
        start: impl Start,
    ) -> Self {
        let nonce_lifetime = config.jwt_nonce_lifetime;
        let mut handle = Self::new(config.info.clone(), now_ms, |info, origin| {
            let mut login = start(info, origin).with_device_key(key, WallClock::new(origin, unix_now_s));
            if let Some(keys) = keys {
                login = login.with_plex_keys(keys);
            }
            match nonce_lifetime {
                Some(lifetime) => login.with_nonce_lifetime(lifetime),
                None => login,
            }
        });
        handle.jwt = true;
        handle
    }
}

#[derive(Debug)]
pub(crate) struct RequestHandle {
    method: CText,
    url: CText,
    headers: Vec<(CText, CText)>,
    body: Vec<u8>,
}

impl RequestHandle {
    pub(crate) fn new(request: HttpRequest) -> Self {
        let (parts, body) = request.into_parts();
        Self {
            method: c_string(parts.method.as_str()),
            url: c_string(&parts.uri.to_string()),
            headers: parts
                .headers
                .iter()
                .map(|(name, value)| {
                    (
                        c_string(name.as_str()),
                        c_string(&String::from_utf8_lossy(value.as_bytes())),
                    )
                })
                .collect(),
            body,
        }
    }
}

#[derive(Debug)]
pub(crate) struct EventHandle {
    kind: plexlink_pin_event_kind,
    pin: Option<PinHandle>,
    remaining_ms: u64,
    token: Option<CText>,
    error: Option<ErrorInfo>,
}

impl EventHandle {
    /// The event for C. A failure's text goes through `Error::redacted` with the PIN's code:
    /// the host's own answers reach the machine here without passing through `plexlink`, which
    /// redacts the code on its side of the PIN wait.
    fn new(event: PinEvent, pin: Option<&Pin>) -> Option<Self> {
        let blank = |kind| Self {
            kind,
            pin: None,
            remaining_ms: PLEXLINK_NO_TIME,
            token: None,
            error: None,
        };
        Some(match event {
            PinEvent::Created(pin) => Self {
                pin: Some(PinHandle::new(pin)),
                ..blank(plexlink_pin_event_kind::Created)
            },
            PinEvent::Pending { remaining } => Self {
                remaining_ms: remaining.map_or(PLEXLINK_NO_TIME, millis),
                ..blank(plexlink_pin_event_kind::Pending)
            },
            PinEvent::Authorized(token) => Self {
                token: Some(c_string(token.secret())),
                ..blank(plexlink_pin_event_kind::Authorized)
            },
            PinEvent::Failed(e) => Self {
                error: Some(ErrorInfo::from_error(
                    &e.redacted(&[pin.map_or("", |p| p.code.secret())]),
                )),
                ..blank(plexlink_pin_event_kind::Failed)
            },
            _ => return None,
        })
    }
}

fn login_config(strong: bool, interval_ms: u64) -> PinLoginConfig {
    let default = PinLoginConfig::default();
    PinLoginConfig {
        strong,
        interval: if interval_ms == 0 {
            default.interval
        } else {
            Duration::from_millis(interval_ms)
        },
        ..default
    }
}

// --- the machine -------------------------------------------------------------------------------

/// A sign-in that starts by creating a PIN (a strong code when `strong`), checking it every
/// `interval_ms` (0: the default, 1000). `now_ms` is the host's clock now. No I/O: the first
/// `plexlink_pin_login_poll_transmit` gives the request that creates the PIN. On success
/// `*login_out` is the caller's. An unusable configuration gives a login whose first event is
/// `FAILED`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_login_new(
    config: *const plexlink_client_config,
    strong: bool,
    interval_ms: u64,
    now_ms: u64,
    login_out: *mut *mut plexlink_pin_login,
) -> plexlink_result {
    ffi_panic_boundary! {
        let config = try_ref_from_ptr!(config);
        let out = try_out!(login_out);
        out.write_ok(ffi::to_box(LoginHandle::new(config.info.clone(), now_ms, create(strong, interval_ms))))
    }
}

/// A sign-in that checks a PIN created earlier (`pin` is copied; the configuration must carry
/// the client identifier that created it), starting at once; no `CREATED` event. The PIN dies
/// at its expiry by plex.tv's clock (its `expiresAt` less each check answer's `Date`), never by
/// the host's, or else at plex.tv's "not found". On success `*login_out` is the caller's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_login_resume(
    config: *const plexlink_client_config,
    pin: *const plexlink_pin,
    interval_ms: u64,
    now_ms: u64,
    login_out: *mut *mut plexlink_pin_login,
) -> plexlink_result {
    ffi_panic_boundary! {
        let config = try_ref_from_ptr!(config);
        let pin = try_ref_from_ptr!(pin).pin.clone();
        let out = try_out!(login_out);
        out.write_ok(ffi::to_box(LoginHandle::new(config.info.clone(), now_ms, resume(pin, interval_ms))))
    }
}

/// A JWT sign-in (Plex's sign-in with a device key): as `plexlink_pin_login_new`, but the PIN
/// is created with the public part of `key` (copied), every check carries a device JWT signed
/// by it (signed again from a new nonce before the last one's life ends, for as long as the PIN
/// lives), and the token of the `AUTHORIZED` event is a Plex JWT, verified against plex.tv's
/// keys first (one more request to fetch them); `plexlink_pin_login_jwt` then gives it with its
/// claims. `unix_now_s` is the Unix time (seconds) at `now_ms`, from the host's wall clock: the
/// device JWTs carry Unix times, and the library reads no clock of its own. `plex_keys` may be
/// NULL: plex.tv's keys kept from an earlier sign-in or refresh (copied), which spare that
/// request. No I/O. On success `*login_out` is the caller's.
///
/// The Plex JWT ENDS THE LEGACY TOKEN of the configuration's client identifier (and password
/// or PIN sign-ins under it). Send the JWT to plex.tv only, never to a server: servers take
/// their own access tokens.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_login_new_jwt(
    config: *const plexlink_client_config,
    key: *const plexlink_device_key,
    plex_keys: *const plexlink_plex_keys,
    strong: bool,
    interval_ms: u64,
    now_ms: u64,
    unix_now_s: i64,
    login_out: *mut *mut plexlink_pin_login,
) -> plexlink_result {
    ffi_panic_boundary! {
        let config = try_ref_from_ptr!(config);
        let key = try_ref_from_ptr!(key).key.clone();
        let out = try_out!(login_out);
        // SAFETY: `plex_keys` is NULL or live keys (this function's contract).
        let keys = unsafe { taken_plex_keys(plex_keys) };
        let start = create(strong, interval_ms);
        out.write_ok(ffi::to_box(LoginHandle::new_jwt(config, now_ms, unix_now_s, key, keys, start)))
    }
}

/// A JWT sign-in that checks a PIN created earlier with `key`'s public part
/// (`plexlink_client_create_jwt_pin`, or a `plexlink_pin_login_new_jwt` that stopped), as
/// `plexlink_pin_login_resume` does for a PIN and as `plexlink_pin_login_new_jwt` for the key,
/// `plex_keys` and `unix_now_s`. `pin` and `key` are copied. On success `*login_out` is the caller's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_login_resume_jwt(
    config: *const plexlink_client_config,
    pin: *const plexlink_pin,
    key: *const plexlink_device_key,
    plex_keys: *const plexlink_plex_keys,
    interval_ms: u64,
    now_ms: u64,
    unix_now_s: i64,
    login_out: *mut *mut plexlink_pin_login,
) -> plexlink_result {
    ffi_panic_boundary! {
        let config = try_ref_from_ptr!(config);
        let pin = try_ref_from_ptr!(pin).pin.clone();
        let key = try_ref_from_ptr!(key).key.clone();
        let out = try_out!(login_out);
        // SAFETY: `plex_keys` is NULL or live keys (this function's contract).
        let keys = unsafe { taken_plex_keys(plex_keys) };
        let start = resume(pin, interval_ms);
        out.write_ok(ffi::to_box(LoginHandle::new_jwt(config, now_ms, unix_now_s, key, keys, start)))
    }
}

/// The verified Plex JWT of a JWT sign-in that ended `AUTHORIZED` (whether or not that event
/// was taken yet), with its claims: `PLEXLINK_RESULT_OK` with `*jwt_out` (the caller's, to free
/// with `plexlink_jwt_free`; may be asked again), `PLEXLINK_RESULT_PENDING` while the login
/// runs (nothing written), `PLEXLINK_RESULT_WRONG_STATE` when it ended `FAILED` or is not a JWT
/// sign-in.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_login_jwt(
    login: *const plexlink_pin_login,
    jwt_out: *mut *mut plexlink_jwt,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_ref_from_ptr!(login);
        let out = try_out!(jwt_out);
        if !handle.jwt {
            return error::misuse(plexlink_result::WrongState, "not a JWT sign-in: it ends with a legacy token");
        }
        match handle.login.plex_jwt() {
            Some(jwt) => out.write_ok(ffi::boxed_to_c(JwtHandle::boxed(jwt.clone()))),
            None if handle.login.is_finished() => {
                error::misuse(plexlink_result::WrongState, "the sign-in ended without a Plex JWT (its FAILED event says why)")
            }
            None => plexlink_result::Pending,
        }
    }
}

/// plex.tv's keys as a JWT sign-in has them (given, or fetched to verify its Plex JWT), to give
/// to the next sign-in or refresh: `PLEXLINK_RESULT_OK` with `*keys_out` (the caller's, to free
/// with `plexlink_plex_keys_free`), or `PLEXLINK_RESULT_DONE` (nothing written) when it has none
/// (not yet, or not a JWT sign-in).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_login_plex_keys(
    login: *const plexlink_pin_login,
    keys_out: *mut *mut plexlink_plex_keys,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_ref_from_ptr!(login);
        let out = try_out!(keys_out);
        give_plex_keys(handle.login.plex_keys(), out)
    }
}

/// The next request to send, when one is due: `PLEXLINK_RESULT_OK` with `*request_out` (the
/// caller's, to free with `plexlink_http_request_free`), or `PLEXLINK_RESULT_DONE` when nothing
/// is to be sent now (a request is in flight, the next is not due, or the login has finished).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_login_poll_transmit(
    login: *mut plexlink_pin_login,
    now_ms: u64,
    request_out: *mut *mut plexlink_http_request,
) -> plexlink_result {
    ffi_panic_boundary! { host::poll_request(try_mut_from_ptr!(login), now_ms, try_out!(request_out)) }
}

/// Hands in the answer to the request in flight: its HTTP `status`, `headers_len` headers
/// (`headers` may be NULL when `headers_len` is 0) and `body_len` bytes of body (`body` may be
/// NULL when `body_len` is 0), all borrowed for the call. An answer when none is expected is
/// ignored. `PLEXLINK_RESULT_INVALID_PARAMETER` for a status outside 100–999 or a header that
/// HTTP does not allow (nothing is handed in then).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_login_handle_response(
    login: *mut plexlink_pin_login,
    now_ms: u64,
    status: u16,
    headers: *const plexlink_http_header,
    headers_len: usize,
    body: *const u8,
    body_len: usize,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_mut_from_ptr!(login);
        // SAFETY: the answer's pointers are as this function's contract says.
        unsafe { host::answer(handle, now_ms, (), status, headers, headers_len, body, body_len) }
    }
}

/// The request in flight got no answer. `kind` says why, as a result code:
/// `PLEXLINK_RESULT_NETWORK`, `_DNS`, `_CONNECT`, `_TLS` or `_REQUEST_TIMEOUT` (these are retried
/// with back-off); `message` (copied; never put a token in it) describes it. Any other `kind`:
/// `PLEXLINK_RESULT_INVALID_PARAMETER`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_login_handle_transport_error(
    login: *mut plexlink_pin_login,
    now_ms: u64,
    kind: u32,
    message: *const c_char,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_mut_from_ptr!(login);
        // SAFETY: `message` is as this function's contract says.
        unsafe { host::failure(handle, now_ms, (), kind, message) }
    }
}

/// When to call `plexlink_pin_login_handle_timeout` and `plexlink_pin_login_poll_transmit`
/// next, on the host's clock: the next check or the PIN's expiry, whichever comes first.
/// `PLEXLINK_NO_TIME` when there is no timer: once finished, and while only the answer in flight (or
/// the first `poll_transmit`) can move the login on. `PLEXLINK_NO_TIME` for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_login_poll_timeout(login: *const plexlink_pin_login) -> u64 {
    ffi_panic_boundary! {
        // SAFETY: `login` is as this function's contract says.
        unsafe { host::poll_timeout(login) }
    }
}

/// Applies the timers due by `now_ms` (the PIN's expiry). Sending is left to
/// `plexlink_pin_login_poll_transmit`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_login_handle_timeout(
    login: *mut plexlink_pin_login,
    now_ms: u64,
) -> plexlink_result {
    ffi_panic_boundary! { host::handle_timeout(try_mut_from_ptr!(login), now_ms) }
}

/// The next event, oldest first: `PLEXLINK_RESULT_OK` with `*event_out` (the caller's, to free
/// with `plexlink_pin_event_free`), or `PLEXLINK_RESULT_DONE` when there is none.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_login_poll_event(
    login: *mut plexlink_pin_login,
    event_out: *mut *mut plexlink_pin_event,
) -> plexlink_result {
    ffi_panic_boundary! { host::poll_event(try_mut_from_ptr!(login), try_out!(event_out)) }
}

/// Gives up: the final event is `FAILED` with `PLEXLINK_RESULT_CANCELLED`, and nothing more is
/// sent. Does nothing once finished.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_login_cancel(login: *mut plexlink_pin_login) -> plexlink_result {
    ffi_panic_boundary! { host::cancel(try_mut_from_ptr!(login)) }
}

/// True once the final event has been queued (`plexlink_pin_login_poll_event` may still hold
/// events). True for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_login_is_finished(login: *const plexlink_pin_login) -> bool {
    ffi_panic_boundary! {
        // SAFETY: `login` is as this function's contract says.
        unsafe { host::is_finished(login) }
    }
}

/// Frees a login. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_login_free(login: *mut plexlink_pin_login) {
    ffi_panic_boundary! {
        // SAFETY: `login` is NULL or a live login that C gives up (this function's contract).
        unsafe { ffi::free_box(login) }
    }
}

// --- plexlink_http_request ---------------------------------------------------------------------

/// The method ("GET", "POST", ...). Lent: valid while `request` lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_http_request_method(request: *const plexlink_http_request) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(request).method.as_ptr() }
}

/// The absolute URL. Lent: valid while `request` lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_http_request_url(request: *const plexlink_http_request) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(request).url.as_ptr() }
}

/// How many headers to send; 0 for NULL. (`Host`, `Content-Length` and the like are the HTTP
/// stack's to add.)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_http_request_headers_len(request: *const plexlink_http_request) -> usize {
    ffi_panic_boundary! { try_ref_from_ptr!(request).headers.len() }
}

/// The name of header `index` (lower case). Lent: valid while `request` lives. NULL when out of
/// range or for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_http_request_header_name(
    request: *const plexlink_http_request,
    index: usize,
) -> *const c_char {
    ffi_panic_boundary! {
        try_ref_from_ptr!(request).headers.get(index).map_or(std::ptr::null(), |(name, _)| name.as_ptr())
    }
}

/// The value of header `index`. Lent: valid while `request` lives. NULL when out of range or
/// for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_http_request_header_value(
    request: *const plexlink_http_request,
    index: usize,
) -> *const c_char {
    ffi_panic_boundary! {
        try_ref_from_ptr!(request).headers.get(index).map_or(std::ptr::null(), |(_, value)| value.as_ptr())
    }
}

/// The body's length in bytes; 0 for none (and for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_http_request_body_len(request: *const plexlink_http_request) -> usize {
    ffi_panic_boundary! { try_ref_from_ptr!(request).body.len() }
}

/// The body's bytes (`plexlink_http_request_body_len` of them; not NUL-terminated). Lent: valid
/// while `request` lives. NULL when the body is empty, and for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_http_request_body(request: *const plexlink_http_request) -> *const u8 {
    ffi_panic_boundary! {
        let body = &try_ref_from_ptr!(request).body;
        if body.is_empty() { std::ptr::null() } else { body.as_ptr() }
    }
}

/// Frees a request. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_http_request_free(request: *mut plexlink_http_request) {
    ffi_panic_boundary! {
        // SAFETY: `request` is NULL or a live request that C gives up (this function's contract).
        unsafe { ffi::free_box(request) }
    }
}

// --- plexlink_pin_event ----------------------------------------------------------------------

/// What happened. `PLEXLINK_PIN_EVENT_KIND_FAILED` for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_event_get_kind(event: *const plexlink_pin_event) -> plexlink_pin_event_kind {
    ffi_panic_boundary! {
        // SAFETY: `event` is NULL or a live event (this function's contract).
        unsafe { ffi::try_from(event) }.map_or(plexlink_pin_event_kind::Failed, |e| e.kind)
    }
}

/// The PIN of a `CREATED` event (id, code, expiry), lent while `event` lives; NULL for other
/// events and for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_event_pin(event: *const plexlink_pin_event) -> *const plexlink_pin {
    ffi_panic_boundary! { try_ref_from_ptr!(event).pin.as_ref().map_or(std::ptr::null(), ffi::lend) }
}

/// Milliseconds until the PIN expires, for a `PENDING` event; `PLEXLINK_NO_TIME` when unknown, for
/// other events and for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_event_remaining_ms(event: *const plexlink_pin_event) -> u64 {
    ffi_panic_boundary! {
        // SAFETY: `event` is NULL or a live event (this function's contract).
        unsafe { ffi::try_from(event) }.map_or(PLEXLINK_NO_TIME, |e| e.remaining_ms)
    }
}

/// The token of an `AUTHORIZED` event, lent while `event` lives (copy it to keep it); NULL for
/// other events and for NULL. A secret: store it safely, never log it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_event_token(event: *const plexlink_pin_event) -> *const c_char {
    ffi_panic_boundary! { ffi::opt_ptr(&try_ref_from_ptr!(event).token) }
}

/// Why a `FAILED` event failed (`PLEXLINK_RESULT_PIN_EXPIRED`, `PLEXLINK_RESULT_CANCELLED`, ...);
/// `PLEXLINK_RESULT_OK` for other events. `PLEXLINK_RESULT_NULL_PARAMETER` for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_event_error(event: *const plexlink_pin_event) -> plexlink_result {
    ffi_panic_boundary! { try_ref_from_ptr!(event).error.as_ref().map_or(plexlink_result::Ok, |e| e.code) }
}

/// The full text of a `FAILED` event's error, lent while `event` lives; "" for other events.
/// NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_event_error_message(event: *const plexlink_pin_event) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(event).error.as_ref().map_or(c"".as_ptr(), |e| e.message.as_ptr()) }
}

/// Frees an event. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_event_free(event: *mut plexlink_pin_event) {
    ffi_panic_boundary! {
        // SAFETY: `event` is NULL or a live event that C gives up (this function's contract).
        unsafe { ffi::free_box(event) }
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use plexlink_core::ClientInfo;

    use super::*;

    #[test]
    fn a_failure_never_shows_the_pin_code_a_host_answer_echoed() {
        let pin = Pin::new(7, "WXYZ".into(), "c-tests");
        let info = ClientInfo::new("p", "c-tests");
        let mut handle = LoginHandle::new(info, 0, resume(pin, 0));
        let now = handle.clock.at(0);
        assert!(handle.login.poll_transmit(now).is_some(), "the check");
        let echo = http::Response::builder()
            .status(400)
            .body(br#"{"errors":[{"code":1000,"message":"no PIN WXYZ here"}]}"#.to_vec())
            .expect("an answer");
        handle.login.handle_response(now, echo);
        let login: *mut plexlink_pin_login = ffi::to_box(handle);
        let mut event = std::ptr::null_mut();
        // SAFETY: `login` is live and `event` a valid out-parameter; each handle is freed once.
        unsafe {
            assert_eq!(plexlink_pin_login_poll_event(login, &mut event), plexlink_result::Ok);
            assert_eq!(plexlink_pin_event_get_kind(event), plexlink_pin_event_kind::Failed);
            assert_eq!(plexlink_pin_event_error(event), plexlink_result::PlexError);
            let text = CStr::from_ptr(plexlink_pin_event_error_message(event)).to_string_lossy();
            assert!(
                text.contains("no PIN [redacted] here") && !text.contains("WXYZ"),
                "{text}"
            );
            plexlink_pin_event_free(event);
            plexlink_pin_login_free(login);
        }
    }
}
