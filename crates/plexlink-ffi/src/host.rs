//! What the sans-IO machines (`plexlink_pin_login`, `plexlink_race`) share: the host's clock,
//! and the answers and failures the host hands in.

use std::ffi::c_char;
use std::time::{Duration, Instant};

use plexlink_core::{Error, HttpResponse, TransportErrorKind};

use crate::error::{self, plexlink_result};
use crate::ffi::{self, Castable, OwnershipBox, millis, try_bytes, try_mut_from_ptr, try_str};
use crate::panic::NullParameterOrDefault;
use crate::pin_login::plexlink_http_header;

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

    /// A machine's next timer as the host's milliseconds; `UINT64_MAX` for none.
    pub(crate) fn timer_ms(&self, at: Option<Instant>) -> u64 {
        at.map_or(u64::MAX, |at| self.ms(at))
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

/// `plexlink_<machine>_poll_timeout`: the next timer on the host's clock; `UINT64_MAX` when
/// there is none, and for NULL.
///
/// # Safety
/// `machine` is NULL or a live handle of its type.
pub(crate) unsafe fn poll_timeout<C: Castable>(machine: *const C) -> u64
where
    C::RustType: Machine,
{
    // SAFETY: per this function's contract.
    unsafe { ffi::try_from(machine) }.map_or(u64::MAX, |m| m.clock().timer_ms(m.timer()))
}

/// `plexlink_<machine>_handle_timeout`: applies the timers due by the host's `now_ms`.
///
/// # Safety
/// `machine` is NULL or a live handle of its type, used by one thread at a time.
pub(crate) unsafe fn handle_timeout<C: Castable<Ownership = OwnershipBox>>(
    machine: *mut C,
    now_ms: u64,
) -> plexlink_result
where
    C::RustType: Machine,
{
    let machine = try_mut_from_ptr!(machine);
    let now = machine.clock().at(now_ms);
    machine.on_timeout(now);
    plexlink_result::Ok
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
