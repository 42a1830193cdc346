//! What the sans-IO machines (`plexlink_pin_login`, `plexlink_race`, `plexlink_jwt_refresh`,
//! `plexlink_kept`) share: the host's clock, the requests or probes they send, the answers and
//! failures the host hands back, their timers, events and end. Each C function of a machine that
//! does what another machine's does (`_poll_transmit`, `_handle_response`, `_poll_timeout`,
//! ...) checks its arguments and calls the one function here that does it for every machine,
//! through the traits the machine's handle implements ([`Machine`], [`Exchange`], ...).

use std::ffi::c_char;
use std::time::{Duration, Instant};

use plexlink_core::{Error, HttpRequest, HttpResponse, TransportErrorKind};

use crate::error::{self, plexlink_result};
use crate::ffi::{self, Castable, OutParam, OwnershipBox, PLEXLINK_NO_TIME, millis, try_bytes, try_checked, try_str};
use crate::panic::NullParameterOrDefault;
use crate::pin_login::{RequestHandle, plexlink_http_header, plexlink_http_request};

/// The host's monotonic clock in milliseconds (any origin, never going back), mapped to the
/// `Instant`s the core's machines take.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HostClock {
    origin: Instant,
    origin_ms: u64,
}

impl HostClock {
    /// A clock whose `now_ms` is now.
    pub(crate) fn new(now_ms: u64) -> Self {
        Self {
            origin: Instant::now(),
            origin_ms: now_ms,
        }
    }

    /// The `Instant` of the host's `now_ms` given to [`new`](Self::new).
    pub(crate) fn origin(&self) -> Instant {
        self.origin
    }

    /// The host's time as an `Instant` (times before the origin count as the origin).
    pub(crate) fn at(&self, now_ms: u64) -> Instant {
        let since = Duration::from_millis(now_ms.saturating_sub(self.origin_ms));
        // About 30 years: far enough for any timer, near enough to never overflow an Instant.
        let far = Duration::from_secs(1 << 30);
        self.origin.checked_add(since.min(far)).unwrap_or(self.origin)
    }

    /// An `Instant` as the host's milliseconds, rounded up so the host never wakes early.
    pub(crate) fn ms(&self, at: Instant) -> u64 {
        let since = at.saturating_duration_since(self.origin);
        let whole = millis(since);
        let up = u64::from(since.subsec_nanos() % 1_000_000 != 0);
        self.origin_ms.saturating_add(whole).saturating_add(up)
    }

    /// A machine's next timer as the host's milliseconds; `PLEXLINK_NO_TIME` for none.
    pub(crate) fn timer_ms(&self, at: Option<Instant>) -> u64 {
        at.map_or(PLEXLINK_NO_TIME, |at| self.ms(at))
    }
}

/// A sans-IO machine with the host's clock, for what every one of them does alike.
pub(crate) trait Machine {
    fn clock(&self) -> &HostClock;
    /// When the machine's next timer fires.
    fn timer(&self) -> Option<Instant>;
    /// Applies the timers due by `now`.
    fn on_timeout(&mut self, now: Instant);
}

/// `impl Machine` for a handle with a `clock` and the core's machine in `$field`.
macro_rules! machine {
    ($handle:ty, $field:ident) => {
        impl $crate::host::Machine for $handle {
            fn clock(&self) -> &$crate::host::HostClock {
                &self.clock
            }

            fn timer(&self) -> Option<std::time::Instant> {
                self.$field.poll_timeout()
            }

            fn on_timeout(&mut self, now: std::time::Instant) {
                self.$field.handle_timeout(now);
            }
        }
    };
}
pub(crate) use machine;

/// `plexlink_<machine>_poll_timeout`: the next timer on the host's clock; `PLEXLINK_NO_TIME` when
/// there is none, and for NULL.
///
/// # Safety
/// `machine` is NULL or a live handle of its type.
pub(crate) unsafe fn poll_timeout<C: Castable>(machine: *const C) -> u64
where
    C::RustType: Machine,
{
    // SAFETY: per this function's contract.
    unsafe { ffi::try_from(machine) }.map_or(PLEXLINK_NO_TIME, |m| m.clock().timer_ms(m.timer()))
}

/// `plexlink_<machine>_handle_timeout`: applies the timers due by the host's `now_ms`.
pub(crate) fn handle_timeout<M: Machine>(machine: &mut M, now_ms: u64) -> plexlink_result {
    let now = machine.clock().at(now_ms);
    machine.on_timeout(now);
    plexlink_result::Ok
}

/// A sans-IO machine that ends: the PIN login, the race, the JWT refresh (the kept connection
/// never does).
pub(crate) trait Finite {
    /// Whether it has ended (for the race: decided).
    fn is_finished(&self) -> bool;
}

/// `plexlink_<machine>_is_finished` (the race's `_is_decided`): true once the machine has
/// ended, and for NULL.
///
/// # Safety
/// `machine` is NULL or a live handle of its type.
pub(crate) unsafe fn is_finished<C: Castable>(machine: *const C) -> bool
where
    C::RustType: Finite,
{
    // SAFETY: per this function's contract.
    unsafe { ffi::try_from(machine) }.is_none_or(Finite::is_finished)
}

/// A sans-IO machine that sends requests through the host, which hands back each one's answer,
/// or its failure, with the request's id.
pub(crate) trait Exchange: Machine {
    /// How C names a request out: the race's candidate index, the kept connection's probe
    /// number; `()` for the machines with one request out at most (`Requester`).
    type Id: Copy;
    /// The answer to request `id`, or why none came.
    fn on_answer(&mut self, now: Instant, id: Self::Id, answer: Result<HttpResponse, Error>);
}

/// A sans-IO machine with one request out at a time, that the host may cancel: the PIN login,
/// the JWT refresh.
pub(crate) trait Requester: Exchange<Id = ()> + Finite {
    /// The next request due by `now`.
    fn next_request(&mut self, now: Instant) -> Option<HttpRequest>;
    /// Gives up: the machine ends, cancelled, and sends nothing more.
    fn cancel(&mut self);
}

/// `impl Requester` (and `Exchange`, `Finite`) for a handle whose core machine, in `$field`,
/// has the PIN login's methods: `poll_transmit`, `handle_response`, `handle_transport_error`,
/// `cancel`, `is_finished` (`PinLogin`, `JwtRefresh`).
macro_rules! requester {
    ($handle:ty, $field:ident) => {
        impl $crate::host::Finite for $handle {
            fn is_finished(&self) -> bool {
                self.$field.is_finished()
            }
        }

        impl $crate::host::Exchange for $handle {
            type Id = ();

            fn on_answer(
                &mut self,
                now: std::time::Instant,
                _id: (),
                answer: Result<plexlink_core::HttpResponse, plexlink_core::Error>,
            ) {
                match answer {
                    Ok(response) => self.$field.handle_response(now, response),
                    Err(error) => self.$field.handle_transport_error(now, error),
                }
            }
        }

        impl $crate::host::Requester for $handle {
            fn next_request(&mut self, now: std::time::Instant) -> Option<plexlink_core::HttpRequest> {
                self.$field.poll_transmit(now)
            }

            fn cancel(&mut self) {
                self.$field.cancel();
            }
        }
    };
}
pub(crate) use requester;

/// `plexlink_<machine>_poll_transmit` of a [`Requester`]: the next request (the caller's)
/// written out, or `PLEXLINK_RESULT_DONE` when none is to be sent now.
pub(crate) fn poll_request<R: Requester>(
    machine: &mut R,
    now_ms: u64,
    request_out: OutParam<'_, *mut plexlink_http_request>,
) -> plexlink_result {
    let now = machine.clock().at(now_ms);
    let request = machine
        .next_request(now)
        .map(|request| ffi::to_box(RequestHandle::new(request)));
    request_out.write_or(request, plexlink_result::Done)
}

/// `plexlink_<machine>_cancel` of a [`Requester`].
pub(crate) fn cancel<R: Requester>(machine: &mut R) -> plexlink_result {
    machine.cancel();
    plexlink_result::Ok
}

/// A sans-IO machine that probes connections (the race, the kept connection): every probe goes
/// out with an id and a deadline, many at once.
pub(crate) trait Prober: Exchange {
    /// The next probe due by `now`: its id, when the machine stops waiting for it, the request.
    fn next_probe(&mut self, now: Instant) -> Option<(Self::Id, Instant, HttpRequest)>;
}

/// `plexlink_<machine>_poll_transmit` of a [`Prober`]: the next probe, its id and deadline (the
/// host's clock) and its request (the caller's) written out; `PLEXLINK_RESULT_DONE` when none
/// is due.
pub(crate) fn poll_probe<P: Prober>(
    machine: &mut P,
    now_ms: u64,
    id_out: OutParam<'_, P::Id>,
    deadline_ms_out: OutParam<'_, u64>,
    request_out: OutParam<'_, *mut plexlink_http_request>,
) -> plexlink_result {
    let now = machine.clock().at(now_ms);
    match machine.next_probe(now) {
        Some((id, deadline, request)) => {
            id_out.write(id);
            deadline_ms_out.write(machine.clock().ms(deadline));
            request_out.write_ok(ffi::to_box(RequestHandle::new(request)))
        }
        None => plexlink_result::Done,
    }
}

/// `plexlink_<machine>_handle_response`: the host's answer to request `id`, checked as
/// [`response`] checks it (nothing handed in when it is refused).
///
/// # Safety
/// As [`response`].
// The arguments are the C function's, passed on as they came.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn answer<E: Exchange>(
    machine: &mut E,
    now_ms: u64,
    id: E::Id,
    status: u16,
    headers: *const plexlink_http_header,
    headers_len: usize,
    body: *const u8,
    body_len: usize,
) -> plexlink_result {
    // SAFETY: per this function's contract.
    let answer = try_checked!(unsafe { response(status, headers, headers_len, body, body_len) });
    let now = machine.clock().at(now_ms);
    machine.on_answer(now, id, Ok(answer));
    plexlink_result::Ok
}

/// `plexlink_<machine>_handle_failure` (`_handle_transport_error`): request `id` got no answer,
/// as [`transport_error`] reads the host's `kind` and `message`.
///
/// # Safety
/// As [`transport_error`].
pub(crate) unsafe fn failure<E: Exchange>(
    machine: &mut E,
    now_ms: u64,
    id: E::Id,
    kind: u32,
    message: *const c_char,
) -> plexlink_result {
    // SAFETY: per this function's contract.
    let error = try_checked!(unsafe { transport_error(kind, message) });
    let now = machine.clock().at(now_ms);
    machine.on_answer(now, id, Err(error));
    plexlink_result::Ok
}

/// A sans-IO machine that reports events: the PIN login, the kept connection.
pub(crate) trait Reporter {
    /// The core's event.
    type Event;
    /// The C handle of an event.
    type C: Castable<Ownership = OwnershipBox>;
    /// The core's next event.
    fn next_event(&mut self) -> Option<Self::Event>;
    /// The event as C reads it; `None` for a kind C is not told of (it is skipped).
    fn for_c(&self, event: Self::Event) -> Option<<Self::C as Castable>::RustType>;
}

/// `plexlink_<machine>_poll_event`: the next event, oldest first (the caller's), written out;
/// `PLEXLINK_RESULT_DONE` when there is none.
pub(crate) fn poll_event<R: Reporter>(machine: &mut R, event_out: OutParam<'_, *mut R::C>) -> plexlink_result {
    while let Some(event) = machine.next_event() {
        if let Some(event) = machine.for_c(event) {
            return event_out.write_ok(ffi::to_box(event));
        }
    }
    plexlink_result::Done
}

/// An answer the host hands in: its HTTP `status`, `headers_len` headers (`headers` may be NULL
/// when `headers_len` is 0) and `body_len` bytes of body (`body` may be NULL when `body_len` is
/// 0). `PLEXLINK_RESULT_INVALID_PARAMETER` for a status outside 100–999 or a header that HTTP
/// does not allow.
///
/// # Safety
/// The pointers are NULL or valid for their lengths, and each header's strings are NULL or
/// NUL-terminated, for the duration of the call.
pub(crate) unsafe fn response(
    status: u16,
    headers: *const plexlink_http_header,
    headers_len: usize,
    body: *const u8,
    body_len: usize,
) -> Result<HttpResponse, plexlink_result> {
    let headers = if headers.is_null() {
        if headers_len != 0 {
            return NullParameterOrDefault::null_parameter("headers");
        }
        &[][..]
    } else {
        // SAFETY: `headers` points at `headers_len` initialized headers during the call (this
        // function's contract).
        unsafe { std::slice::from_raw_parts(headers, headers_len) }
    };
    let body = try_bytes!(body, body_len);
    let Ok(code) = http::StatusCode::from_u16(status) else {
        return Err(error::invalid_parameter(&format!(
            "invalid HTTP status {status}: must be 100-999"
        )));
    };
    let mut builder = http::Response::builder().status(code);
    for header in headers {
        let name = header.name;
        let value = header.value;
        let name = try_str!(name);
        let value = try_str!(value);
        let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) else {
            return Err(error::invalid_parameter(&format!("invalid HTTP header `{name}`")));
        };
        builder = builder.header(name, value);
    }
    builder
        .body(body.to_vec())
        .map_err(|e| error::invalid_parameter(&format!("invalid HTTP response: {e}")))
}

/// A request that got no answer, as the host says: `kind` is `PLEXLINK_RESULT_NETWORK`, `_DNS`,
/// `_CONNECT`, `_TLS` or `_REQUEST_TIMEOUT`, `message` describes it; any other `kind` gives
/// `PLEXLINK_RESULT_INVALID_PARAMETER`.
///
/// # Safety
/// `message` is NULL or a NUL-terminated string, for the duration of the call.
pub(crate) unsafe fn transport_error(kind: u32, message: *const c_char) -> Result<Error, plexlink_result> {
    let message = try_str!(message);
    let kind = match plexlink_result::from_u32(kind) {
        Some(plexlink_result::Network) => TransportErrorKind::Other,
        Some(plexlink_result::Dns) => TransportErrorKind::Dns,
        Some(plexlink_result::Connect) => TransportErrorKind::Connect,
        Some(plexlink_result::Tls) => TransportErrorKind::Tls,
        Some(plexlink_result::RequestTimeout) => TransportErrorKind::Timeout,
        _ => {
            return Err(error::invalid_parameter(&format!(
                "invalid transport error kind {kind}"
            )));
        }
    };
    Ok(Error::Transport {
        kind,
        detail: message.to_owned(),
    })
}
