//! Result codes, the one mapping from the core's `Error` to them, and the per-thread last error.

use std::cell::RefCell;
use std::ffi::{CStr, c_char};
use std::sync::Arc;

use plexlink_core::{Error, TransportErrorKind};

use crate::connect::{ConnectResultHandle, plexlink_connect_result};
use crate::ffi::{self, CText, PLEXLINK_NO_TIME, c_string, millis};
use crate::panic::ffi_panic_boundary;

/// What a call did. The numbers are fixed and never reused; they are grouped by family, and a
/// retired number stays reserved.
///
/// - 0: success. 1–99: outcomes that are not errors (`DONE`, `PENDING`).
/// - 100–199: the caller misused the API.
/// - 200–299: a failure inside the library.
/// - 300–399: the server refused (sign-in, tokens, PINs, HTTP errors).
/// - 400–499: no usable answer (network, TLS, transport rules).
/// - 500–599: an answer that could not be read.
/// - 600–699: how a longer flow ended (timeout, cancel, no connection).
///
/// `plexlink_result_str` gives a short description of a code; `plexlink_last_error_message`
/// the full text of the last failure on the calling thread.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(non_camel_case_types)]
pub enum plexlink_result {
    /// Success.
    Ok = 0,
    /// Nothing to do now, nothing to report: no request to send, no event (the sans-IO
    /// machines); no race kept by an error (`plexlink_last_error_connect_result`).
    Done = 1,
    /// Not finished yet: the task still runs, the race is not decided.
    Pending = 2,

    /// A required pointer argument was NULL.
    NullParameter = 100,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 101,
    /// An argument was unusable (an empty product name, a bad URL, a zero timeout, ...).
    InvalidParameter = 102,
    /// The caller's buffer was too small; it holds as much as fitted.
    InsufficientSize = 103,
    /// The handle is not in a state that allows this call (a task that has not finished, a
    /// result already taken, a task result of another kind).
    WrongState = 104,

    /// The library panicked; the call did nothing. A bug: please report it.
    Panic = 200,
    /// The library could not do its work (a thread could not be started, ...).
    Internal = 201,
    /// An error this version of the C API has no code for; the last error says what it is.
    Unknown = 202,

    /// The credentials or the token were refused (HTTP 401, or 422 "Invalid token"). The only
    /// code that means a stored token is bad and should be forgotten.
    Unauthorized = 300,
    /// The account has two-factor authentication: sign in again with the verification code.
    TwoFactorRequired = 301,
    /// The two-factor verification code was wrong.
    InvalidVerificationCode = 302,
    /// This IP address is locked out after repeated failed sign-ins. Stop retrying.
    IpLockedOut = 303,
    /// The PIN expired or does not exist. Create a new one.
    PinExpired = 304,
    /// Switching to this Home user needs their Home PIN (or the PIN was wrong).
    HomePinRequired = 305,
    /// Too many requests: `plexlink_last_error_retry_after_ms` says how long to wait, if the
    /// server said.
    RateLimited = 306,
    /// The Plex JWT has expired.
    TokenExpired = 307,
    /// Another error that plex.tv described with its own code (see the last error).
    PlexError = 308,
    /// An HTTP error status without a Plex error body (`plexlink_last_error_http_status`).
    HttpStatus = 309,
    /// The server answered with a redirect, which plexlink does not follow with a token.
    Redirect = 310,
    /// This device was removed from the account (plex.tv's code 1097): its device key is gone
    /// and refreshing cannot help. Sign in again under a new client identifier with a new
    /// device key.
    DeviceRemoved = 311,
    /// A Plex Media Server refused the token (HTTP 401) or this call for it (403): the server
    /// may no longer be shared with the account, may have a new access token, or the call is
    /// for its owner only. Not `PLEXLINK_RESULT_UNAUTHORIZED`: the account's token may be fine
    /// (only plex.tv can say). Fetch the resources again for the server's current access token.
    ServerRefused = 312,

    /// The request got no answer (connection reset, malformed HTTP, ...).
    Network = 400,
    /// Name resolution failed.
    Dns = 401,
    /// The TCP connection could not be made.
    Connect = 402,
    /// The TLS handshake or the certificate check failed.
    Tls = 403,
    /// One request got no answer within its timeout.
    RequestTimeout = 404,
    /// A token would have been sent where it must not go (plain HTTP to a public address).
    InsecureTransport = 405,
    /// The answer was larger than the configured limit.
    ResponseTooLarge = 406,

    /// The answer could not be read as what it should be.
    Decode = 500,
    /// A Plex JWT failed verification: a bad signature, a key plex.tv does not publish, the wrong
    /// issuer, audience or device (thumbprint), expired, or issued in the future. Never trust
    /// its claims.
    InvalidJwt = 501,

    /// The overall wait ended without a result (`timeout_ms` of a PIN wait).
    Timeout = 600,
    /// The call was cancelled.
    Cancelled = 601,
    /// No connection of the server answered as that server.
    NoConnection = 602,
}

impl plexlink_result {
    /// Every code, for `plexlink_result_str` and the tests.
    pub(crate) fn all() -> &'static [plexlink_result] {
        &[
            Self::Ok,
            Self::Done,
            Self::Pending,
            Self::NullParameter,
            Self::InvalidUtf8,
            Self::InvalidParameter,
            Self::InsufficientSize,
            Self::WrongState,
            Self::Panic,
            Self::Internal,
            Self::Unknown,
            Self::Unauthorized,
            Self::TwoFactorRequired,
            Self::InvalidVerificationCode,
            Self::IpLockedOut,
            Self::PinExpired,
            Self::HomePinRequired,
            Self::RateLimited,
            Self::TokenExpired,
            Self::PlexError,
            Self::HttpStatus,
            Self::Redirect,
            Self::DeviceRemoved,
            Self::ServerRefused,
            Self::Network,
            Self::Dns,
            Self::Connect,
            Self::Tls,
            Self::RequestTimeout,
            Self::InsecureTransport,
            Self::ResponseTooLarge,
            Self::Decode,
            Self::InvalidJwt,
            Self::Timeout,
            Self::Cancelled,
            Self::NoConnection,
        ]
    }

    /// The code with this number, if there is one.
    pub(crate) fn from_u32(value: u32) -> Option<Self> {
        Self::all().iter().copied().find(|code| *code as u32 == value)
    }

    /// A short description.
    pub(crate) fn describe(self) -> &'static CStr {
        match self {
            Self::Ok => c"ok",
            Self::Done => c"nothing to do",
            Self::Pending => c"not finished yet",
            Self::NullParameter => c"a required pointer argument was NULL",
            Self::InvalidUtf8 => c"a string argument was not valid UTF-8",
            Self::InvalidParameter => c"invalid argument",
            Self::InsufficientSize => c"the buffer was too small",
            Self::WrongState => c"not allowed in the handle's current state",
            Self::Panic => c"internal error: the library panicked",
            Self::Internal => c"internal error",
            Self::Unknown => c"an error without a code of its own",
            Self::Unauthorized => c"unauthorized: the credentials or the token were refused",
            Self::TwoFactorRequired => c"two-factor verification code required",
            Self::InvalidVerificationCode => c"invalid two-factor verification code",
            Self::IpLockedOut => c"IP address locked out after failed sign-ins",
            Self::PinExpired => c"PIN expired or not found",
            Self::HomePinRequired => c"Home user PIN required",
            Self::RateLimited => c"rate limited: too many requests",
            Self::TokenExpired => c"token expired",
            Self::PlexError => c"plex.tv error",
            Self::HttpStatus => c"HTTP error status",
            Self::Redirect => c"unexpected redirect",
            Self::DeviceRemoved => c"device removed: sign in again with a new client identifier and device key",
            Self::ServerRefused => c"the server refused this token: fetch its resources again",
            Self::Network => c"network error",
            Self::Dns => c"name resolution failed",
            Self::Connect => c"connection failed",
            Self::Tls => c"TLS failed",
            Self::RequestTimeout => c"request timed out",
            Self::InsecureTransport => c"refused to send a token over an insecure connection",
            Self::ResponseTooLarge => c"response too large",
            Self::Decode => c"malformed answer",
            Self::InvalidJwt => c"the Plex JWT failed verification",
            Self::Timeout => c"timed out",
            Self::Cancelled => c"cancelled",
            Self::NoConnection => c"no working connection",
        }
    }
}

/// The code for a core error: the one place where `Error` variants meet result codes.
pub(crate) fn code_for(error: &Error) -> plexlink_result {
    use plexlink_result as R;
    match error {
        Error::Unauthorized { .. } => R::Unauthorized,
        Error::TwoFactorRequired { .. } => R::TwoFactorRequired,
        Error::InvalidVerificationCode { .. } => R::InvalidVerificationCode,
        Error::IpLockedOut { .. } => R::IpLockedOut,
        Error::PinExpired { .. } => R::PinExpired,
        Error::HomePinRequired { .. } => R::HomePinRequired,
        Error::RateLimited { .. } => R::RateLimited,
        Error::TokenExpired { .. } => R::TokenExpired,
        Error::Plex { .. } => R::PlexError,
        Error::Http { .. } => R::HttpStatus,
        Error::Redirect { .. } => R::Redirect,
        Error::DeviceRemoved { .. } => R::DeviceRemoved,
        Error::ServerRefused { .. } => R::ServerRefused,
        Error::InvalidJwt { .. } => R::InvalidJwt,
        Error::Decode { .. } => R::Decode,
        Error::InvalidArgument { .. } => R::InvalidParameter,
        Error::InsecureTransport { .. } => R::InsecureTransport,
        Error::Transport { kind, .. } => match kind {
            TransportErrorKind::Dns => R::Dns,
            TransportErrorKind::Connect => R::Connect,
            TransportErrorKind::Tls => R::Tls,
            TransportErrorKind::Timeout => R::RequestTimeout,
            _ => R::Network,
        },
        Error::ResponseTooLarge { .. } => R::ResponseTooLarge,
        Error::Timeout { .. } => R::Timeout,
        Error::Cancelled => R::Cancelled,
        Error::NoConnection { .. } => R::NoConnection,
        _ => R::Unknown,
    }
}

/// A failure as C sees it: its code and everything the last-error functions report.
///
/// Its text is the core error's own: the calls of `plexlink` redact their secrets from their
/// errors themselves, and the sans-IO machines redact theirs with `Error::redacted` before the
/// error gets here, so no text is rewritten in this crate.
#[derive(Clone, Debug)]
pub(crate) struct ErrorInfo {
    pub(crate) code: plexlink_result,
    pub(crate) message: CText,
    pub(crate) http_status: u16,
    pub(crate) retry_after_ms: Option<u64>,
    /// The race of a connect that found no working connection: every candidate's result.
    pub(crate) race: Option<Arc<ConnectResultHandle>>,
}

impl ErrorInfo {
    /// The description of `error`.
    pub(crate) fn from_error(error: &Error) -> Self {
        let http_status = error.http_status().unwrap_or(0);
        let retry_after_ms = match error {
            Error::RateLimited { retry_after, .. } => retry_after.map(millis),
            _ => None,
        };
        Self {
            code: code_for(error),
            message: c_string(&error.to_string()),
            http_status,
            retry_after_ms,
            race: None,
        }
    }

    /// A failure found by the C layer itself.
    pub(crate) fn new(code: plexlink_result, message: &str) -> Self {
        Self {
            code,
            message: c_string(message),
            http_status: 0,
            retry_after_ms: None,
            race: None,
        }
    }

    /// This failure, keeping the race that found no connection (`plexlink_connect_result`).
    pub(crate) fn with_race(self, race: ConnectResultHandle) -> Self {
        Self {
            race: Some(Arc::new(race)),
            ..self
        }
    }

    /// Makes this the calling thread's last error, and returns its code.
    pub(crate) fn set_last(&self) -> plexlink_result {
        LAST_ERROR.with(|last| *last.borrow_mut() = Some(self.clone()));
        self.code
    }
}

/// Writes an owned copy of the race `error` kept to `out`: `PLEXLINK_RESULT_OK`, or
/// `PLEXLINK_RESULT_DONE` (nothing written) when it kept none.
pub(crate) fn race_copy(
    error: Option<&ErrorInfo>,
    out: ffi::OutParam<'_, *mut plexlink_connect_result>,
) -> plexlink_result {
    match error.and_then(|e| e.race.as_deref()) {
        Some(race) => {
            out.write(ffi::to_box(race.clone()));
            plexlink_result::Ok
        }
        None => plexlink_result::Done,
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<ErrorInfo>> = const { RefCell::new(None) };
}

/// Records a core error as the thread's last error and returns its code.
pub(crate) fn fail(error: &Error) -> plexlink_result {
    ErrorInfo::from_error(error).set_last()
}

/// A failure found by the C layer: recorded as the last error, its code returned.
pub(crate) fn misuse(code: plexlink_result, message: &str) -> plexlink_result {
    ErrorInfo::new(code, message).set_last()
}

pub(crate) fn null_parameter(name: &str) -> plexlink_result {
    misuse(
        plexlink_result::NullParameter,
        &format!("the argument `{name}` is NULL"),
    )
}

pub(crate) fn invalid_utf8(name: &str) -> plexlink_result {
    misuse(
        plexlink_result::InvalidUtf8,
        &format!("the argument `{name}` is not valid UTF-8"),
    )
}

pub(crate) fn invalid_parameter(message: &str) -> plexlink_result {
    misuse(plexlink_result::InvalidParameter, message)
}

pub(crate) fn set_panic(message: String) {
    ErrorInfo::new(
        plexlink_result::Panic,
        &format!("internal error: the library panicked: {message}"),
    )
    .set_last();
}

/// The last error's message on this thread ("" when none), for Rust tests.
#[cfg(test)]
pub(crate) fn last_error_text() -> String {
    LAST_ERROR.with(|last| {
        last.borrow()
            .as_ref()
            .map(|e| String::from_utf8_lossy(e.message.as_bytes()).into_owned())
            .unwrap_or_default()
    })
}

fn with_last<T>(read: impl FnOnce(&ErrorInfo) -> T, none: T) -> T {
    LAST_ERROR.with(|last| last.borrow().as_ref().map_or(none, read))
}

/// A short, static description of a result code ("unauthorized: ...", "ok"); an unknown number
/// gives "unknown result code". Never NULL; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn plexlink_result_str(result: u32) -> *const c_char {
    ffi_panic_boundary! {
        match plexlink_result::from_u32(result) {
            Some(code) => code.describe().as_ptr(),
            None => c"unknown result code".as_ptr(),
        }
    }
}

/// Copies the full text of the last failure on the calling thread (the server's message, the
/// HTTP status, the argument that was NULL, ...) into `buf` as a NUL-terminated string, and
/// stores its length (without the NUL) in `*out_n`. The text never contains a token, password
/// or code. An empty string when no call on this thread has failed yet.
///
/// The last error is set by every function that fails and is left alone by calls that succeed,
/// so read it right after the failing call.
///
/// Returns `PLEXLINK_RESULT_OK`, or `PLEXLINK_RESULT_INSUFFICIENT_SIZE` when the text did not
/// fit: `buf` then holds as much as fitted (cut at a UTF-8 character boundary, NUL-terminated
/// when `len > 0`) and `*out_n` that shorter length. `PLEXLINK_RESULT_NULL_PARAMETER` when `buf`
/// or `out_n` is NULL (the last error is then left unchanged).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_last_error_message(
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> plexlink_result {
    ffi_panic_boundary! {
        if buf.is_null() || out_n.is_null() {
            // Not recorded: it would replace the error the caller wants to read.
            return plexlink_result::NullParameter;
        }
        let message = with_last(|e| e.message.clone(), CText::default());
        let bytes = message.as_bytes();
        let mut n = bytes.len().min(len.saturating_sub(1));
        while n < bytes.len() && n > 0 && !is_char_boundary(bytes, n) {
            n -= 1;
        }
        if len > 0 {
            // SAFETY: `buf` is valid for `len` bytes (the function's contract) and `n < len`,
            // so the text and its NUL fit; the source is a separate Rust allocation.
            unsafe {
                std::ptr::copy_nonoverlapping(bytes.as_ptr().cast::<c_char>(), buf, n);
                buf.add(n).write(0);
            }
        }
        // SAFETY: `out_n` is non-NULL and valid for writes (the function's contract).
        if let Some(out) = unsafe { ffi::out_param(out_n) } {
            out.write(n);
        }
        if n < bytes.len() { plexlink_result::InsufficientSize } else { plexlink_result::Ok }
    }
}

fn is_char_boundary(bytes: &[u8], index: usize) -> bool {
    // A UTF-8 continuation byte is 0b10xx_xxxx.
    bytes.get(index).is_none_or(|b| (b & 0xC0) != 0x80)
}

/// The code of the last failure on the calling thread; `PLEXLINK_RESULT_OK` when none.
#[unsafe(no_mangle)]
pub extern "C" fn plexlink_last_error_code() -> plexlink_result {
    ffi_panic_boundary! { with_last(|e| e.code, plexlink_result::Ok) }
}

/// The HTTP status of the last failure on the calling thread when the server answered with an
/// error status (401, 429, 500, ...); 0 when there was none or it is not known.
#[unsafe(no_mangle)]
pub extern "C" fn plexlink_last_error_http_status() -> u16 {
    ffi_panic_boundary! { with_last(|e| e.http_status, 0) }
}

/// How long the server asked to wait before trying again (`Retry-After`) when the last failure
/// on the calling thread was `PLEXLINK_RESULT_RATE_LIMITED`, in milliseconds; `PLEXLINK_NO_TIME` when
/// the server did not say or the last failure was something else.
#[unsafe(no_mangle)]
pub extern "C" fn plexlink_last_error_retry_after_ms() -> u64 {
    ffi_panic_boundary! { with_last(|e| e.retry_after_ms.unwrap_or(PLEXLINK_NO_TIME), PLEXLINK_NO_TIME) }
}

/// Why each connection failed, when the last failure on the calling thread was a connect that
/// found no working connection (`PLEXLINK_RESULT_NO_CONNECTION` from
/// `plexlink_client_connect`, `plexlink_client_connect_with`, or a `plexlink_task_connect`
/// whose error became the thread's last error): `PLEXLINK_RESULT_OK` with `*result_out`, an
/// owned copy of the race (the caller's, to free with `plexlink_connect_result_free`). Read it
/// as any connect result: `plexlink_connect_result_uri` and `plexlink_connect_result_connection`
/// are NULL (nothing won), `plexlink_connect_result_device` is the device raced, and the
/// candidates (`plexlink_connect_result_candidate_get`: each one's result, error and
/// description) and skipped connections say what became of every connection.
///
/// `PLEXLINK_RESULT_DONE` (nothing written) when the last failure kept no race: another error,
/// a connect that failed before racing (a bad policy), or no failure yet.
/// `PLEXLINK_RESULT_NULL_PARAMETER` when `result_out` is NULL (the last error is then left
/// unchanged).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_last_error_connect_result(
    result_out: *mut *mut plexlink_connect_result,
) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: `result_out` is NULL or valid for writes (the function's contract).
        let Some(out) = (unsafe { ffi::out_param(result_out) }) else {
            // Not recorded: it would replace the error the caller wants to read.
            return plexlink_result::NullParameter;
        };
        LAST_ERROR.with(|last| race_copy(last.borrow().as_ref(), out))
    }
}

/// Forgets the last failure on the calling thread.
#[unsafe(no_mangle)]
pub extern "C" fn plexlink_last_error_clear() {
    ffi_panic_boundary! { LAST_ERROR.with(|last| *last.borrow_mut() = None) }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::time::Duration;

    use super::*;

    #[test]
    fn codes_are_unique_and_described() {
        let mut seen = HashSet::new();
        for code in plexlink_result::all() {
            assert!(seen.insert(*code as u32), "{code:?} twice");
            assert_eq!(plexlink_result::from_u32(*code as u32), Some(*code));
            assert!(!code.describe().to_bytes().is_empty());
        }
        assert_eq!(plexlink_result::from_u32(0), Some(plexlink_result::Ok));
        assert_eq!(plexlink_result::from_u32(7777), None);
    }

    #[test]
    fn the_wire_table_maps_to_codes() {
        use plexlink_result as R;
        let msg = || "m".to_owned();
        let cases = [
            (
                Error::Unauthorized {
                    status: 401,
                    message: msg(),
                },
                R::Unauthorized,
            ),
            (
                Error::TwoFactorRequired {
                    status: 401,
                    message: msg(),
                },
                R::TwoFactorRequired,
            ),
            (
                Error::InvalidVerificationCode {
                    status: 401,
                    message: msg(),
                },
                R::InvalidVerificationCode,
            ),
            (
                Error::IpLockedOut {
                    status: 401,
                    message: msg(),
                },
                R::IpLockedOut,
            ),
            (Error::PinExpired { status: Some(404) }, R::PinExpired),
            (
                Error::HomePinRequired {
                    status: 403,
                    message: msg(),
                },
                R::HomePinRequired,
            ),
            (
                Error::RateLimited {
                    retry_after: None,
                    message: msg(),
                },
                R::RateLimited,
            ),
            (Error::Http { status: 503 }, R::HttpStatus),
            (Error::ServerRefused { status: 401 }, R::ServerRefused),
            (Error::TokenExpired { message: msg() }, R::TokenExpired),
            (
                Error::DeviceRemoved {
                    status: 401,
                    message: msg(),
                },
                R::DeviceRemoved,
            ),
            (Error::InvalidJwt { reason: msg() }, R::InvalidJwt),
            (
                Error::Transport {
                    kind: TransportErrorKind::Tls,
                    detail: msg(),
                },
                R::Tls,
            ),
            (
                Error::Transport {
                    kind: TransportErrorKind::Other,
                    detail: msg(),
                },
                R::Network,
            ),
            (Error::Timeout { what: "x" }, R::Timeout),
            (Error::Cancelled, R::Cancelled),
            (
                Error::NoConnection {
                    server: msg(),
                    race: None,
                },
                R::NoConnection,
            ),
        ];
        for (error, code) in cases {
            assert_eq!(code_for(&error), code, "{error:?}");
        }
    }

    #[test]
    fn the_last_error_keeps_status_and_retry_after() {
        let error = Error::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
            message: "slow down".into(),
        };
        assert_eq!(fail(&error), plexlink_result::RateLimited);
        assert_eq!(plexlink_last_error_code(), plexlink_result::RateLimited);
        assert_eq!(plexlink_last_error_retry_after_ms(), 7000);
        assert_eq!(plexlink_last_error_http_status(), 429);
        let refused = Error::Unauthorized {
            status: 401,
            message: "no such token".into(),
        };
        assert_eq!(fail(&refused), plexlink_result::Unauthorized);
        assert_eq!(last_error_text(), "unauthorized: no such token");
        assert_eq!(
            plexlink_last_error_retry_after_ms(),
            u64::MAX,
            "only a rate limit has one"
        );
        plexlink_last_error_clear();
        assert_eq!(plexlink_last_error_code(), plexlink_result::Ok);
        assert_eq!(plexlink_last_error_retry_after_ms(), u64::MAX);
    }

    #[test]
    fn the_last_error_gives_every_status_the_core_keeps() {
        let m = || "m".to_owned();
        // Every variant that carries a status, and those that stand for one.
        let with_status = [
            (
                Error::Plex {
                    status: 400,
                    code: Some(1000),
                    message: m(),
                },
                400,
            ),
            (
                Error::Plex {
                    status: 422,
                    code: None,
                    message: m(),
                },
                422,
            ),
            (Error::Http { status: 403 }, 403),
            (Error::ServerRefused { status: 403 }, 403),
            (Error::Http { status: 404 }, 404),
            (Error::Http { status: 502 }, 502),
            (
                Error::Redirect {
                    status: 307,
                    location: m(),
                },
                307,
            ),
            (
                Error::RateLimited {
                    retry_after: None,
                    message: m(),
                },
                429,
            ),
            (Error::TokenExpired { message: m() }, 498),
            (
                Error::Unauthorized {
                    status: 401,
                    message: m(),
                },
                401,
            ),
            (
                Error::Unauthorized {
                    status: 422,
                    message: m(),
                },
                422,
            ),
            (
                Error::TwoFactorRequired {
                    status: 401,
                    message: m(),
                },
                401,
            ),
            (
                Error::InvalidVerificationCode {
                    status: 401,
                    message: m(),
                },
                401,
            ),
            (
                Error::IpLockedOut {
                    status: 401,
                    message: m(),
                },
                401,
            ),
            (
                Error::HomePinRequired {
                    status: 403,
                    message: m(),
                },
                403,
            ),
            (Error::PinExpired { status: Some(404) }, 404),
            (
                Error::DeviceRemoved {
                    status: 401,
                    message: m(),
                },
                401,
            ),
            (
                Error::DeviceRemoved {
                    status: 422,
                    message: m(),
                },
                422,
            ),
        ];
        for (error, status) in with_status {
            assert_eq!(fail(&error), code_for(&error));
            assert_eq!(plexlink_last_error_http_status(), status, "{error:?}");
            // A task keeps the same `ErrorInfo` and makes it the last error where C reads it.
            assert_eq!(ErrorInfo::from_error(&error).http_status, status, "{error:?}");
        }
        // Every other variant had no answer with an error status: 0, as the core says.
        let others = [
            Error::PinExpired { status: None },
            Error::Decode { what: "x", detail: m() },
            Error::InvalidJwt { reason: m() },
            Error::InvalidArgument { what: "x", detail: m() },
            Error::InsecureTransport { url: m(), reason: m() },
            Error::Transport {
                kind: TransportErrorKind::Connect,
                detail: m(),
            },
            Error::ResponseTooLarge { limit: 1 },
            Error::Timeout { what: "x" },
            Error::Cancelled,
            Error::NoConnection {
                server: m(),
                race: None,
            },
        ];
        for error in others {
            fail(&error);
            assert_eq!(
                plexlink_last_error_http_status(),
                error.http_status().unwrap_or(0),
                "{error:?}"
            );
        }
        misuse(plexlink_result::InvalidParameter, "no server involved");
        assert_eq!(plexlink_last_error_http_status(), 0);
    }

    #[test]
    fn the_message_is_cut_at_a_character_boundary() {
        misuse(plexlink_result::InvalidParameter, "héllo");
        let mut buf = [0 as c_char; 3];
        let mut n = 99usize;
        // SAFETY: `buf` has 3 bytes and `n` is a live usize.
        let r = unsafe { plexlink_last_error_message(buf.as_mut_ptr(), buf.len(), &mut n) };
        assert_eq!(r, plexlink_result::InsufficientSize);
        assert_eq!(n, 1, "'h' fits, the two bytes of 'é' do not");
        assert_eq!(buf[0] as u8, b'h');
        assert_eq!(buf[1], 0);
        let mut big = [0 as c_char; 64];
        // SAFETY: as above.
        let r = unsafe { plexlink_last_error_message(big.as_mut_ptr(), big.len(), &mut n) };
        assert_eq!(r, plexlink_result::Ok);
        assert_eq!(n, "héllo".len());
    }
}
