//! One error type for every failure, with the variants a caller branches on.

use std::time::Duration;

use crate::HttpResponse;

/// What went wrong. The variants are what callers branch on; the server's own text is kept in
/// `message` wherever the server sent one. No variant ever holds a secret.
///
/// Only [`Error::Unauthorized`] says that a token is bad ([`Error::is_token_rejected`]): a network
/// failure, a 5xx or a rate limit says nothing about it, and must never log a person out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 401 (code 1001, or no code) or 422 "Invalid token": the credentials or token were refused.
    #[error("unauthorized: {message}")]
    Unauthorized {
        /// The HTTP status it came with.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// 401 code 1029: the account has two-factor authentication; sign in again with the code.
    #[error("two-factor verification code required: {message}")]
    TwoFactorRequired {
        /// The HTTP status it came with.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// 401 code 1028: the two-factor verification code was wrong.
    #[error("invalid verification code: {message}")]
    InvalidVerificationCode {
        /// The HTTP status it came with.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// 401 code 1031: this IP address is locked out after repeated failed sign-ins. Stop retrying.
    #[error("IP address locked out: {message}")]
    IpLockedOut {
        /// The HTTP status it came with.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// 404 (code 1020, or none), or the PIN's life ran out by plex.tv's clock: the PIN is gone.
    /// Create a new one.
    #[error("PIN expired or not found")]
    PinExpired {
        /// The HTTP status when plex.tv said so; `None` when its life ran out while waiting.
        status: Option<u16>,
    },
    /// 403 code 1041: switching to this Home user needs their PIN.
    #[error("home user PIN required: {message}")]
    HomePinRequired {
        /// The HTTP status it came with.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// 429: too many requests; wait `retry_after` (when the server said) before trying again.
    #[error("rate limited{}", retry_after.map(|d| format!(", retry after {} s", d.as_secs_f64())).unwrap_or_default())]
    RateLimited {
        /// The server's `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
        /// The server's message.
        message: String,
    },
    /// 498: the Plex JWT has expired; refresh it.
    #[error("token expired: {message}")]
    TokenExpired {
        /// The server's message.
        message: String,
    },
    /// Code 1097 ("jwk missing"): this device was removed from the account's Authorized Devices,
    /// so its key is gone. Refreshing cannot help: sign in again under a new client identifier
    /// with a new [`DeviceKey`](crate::jwt::DeviceKey).
    #[error("device removed, sign in again with a new identity: {message}")]
    DeviceRemoved {
        /// The HTTP status it came with.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// A Plex JWT failed verification: a bad signature, an unknown key, the wrong issuer,
    /// audience or thumbprint, expired, or issued in the future. The reason never holds the token.
    #[error("Plex JWT refused: {reason}")]
    InvalidJwt {
        /// Why.
        reason: String,
    },
    /// A Plex Media Server refused the token (401) or this call for it (403). Unlike
    /// [`Error::Unauthorized`], this does not say that the account's token is bad: the server may
    /// no longer be shared with the account, may have a new access token, or the call may be
    /// for the server's owner only. Fetch the resources again for the server's current
    /// `access_token`; only plex.tv can say that a token is bad (ask it with `user()`).
    #[error("the server refused this token (HTTP {status}); fetch its resources again for its current access token")]
    ServerRefused {
        /// The HTTP status: 401 or 403.
        status: u16,
    },
    /// Any other error that plex.tv described with a code.
    #[error("plex.tv error {code} (HTTP {status}): {message}", code = code.map(|c| c.to_string()).unwrap_or_else(|| "-".into()))]
    Plex {
        /// The HTTP status.
        status: u16,
        /// Plex's error code, when one was given.
        code: Option<u32>,
        /// The server's message.
        message: String,
    },
    /// An HTTP error status without a Plex error body (a PMS sends HTML pages).
    #[error("HTTP {status}")]
    Http {
        /// The HTTP status.
        status: u16,
    },
    /// The answer could not be read as what it should be.
    #[error("malformed {what}: {detail}")]
    Decode {
        /// What was being read.
        what: &'static str,
        /// Why it could not be read.
        detail: String,
    },
    /// The caller passed something unusable.
    #[error("invalid {what}: {detail}")]
    InvalidArgument {
        /// Which argument.
        what: &'static str,
        /// Why.
        detail: String,
    },
    /// A token would have been sent where it must not go (plain HTTP to a public address,
    /// or a redirect target).
    #[error("refused to send a token to {url}: {reason}")]
    InsecureTransport {
        /// Where it would have gone (without any token).
        url: String,
        /// Why it was refused and how to allow it.
        reason: String,
    },
    /// The request did not get an answer.
    #[error("{kind}: {detail}")]
    Transport {
        /// What kind of failure.
        kind: TransportErrorKind,
        /// The HTTP stack's description.
        detail: String,
    },
    /// The answer was larger than the configured cap.
    #[error("response larger than the {limit}-byte limit")]
    ResponseTooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// The server answered with a redirect, which plexlink does not follow with a token.
    #[error("unexpected redirect (HTTP {status}) to {location}")]
    Redirect {
        /// The HTTP status.
        status: u16,
        /// The `Location` header.
        location: String,
    },
    /// The caller gave up waiting (an overall timeout).
    #[error("timed out: {what}")]
    Timeout {
        /// What was being waited for.
        what: &'static str,
    },
    /// The caller cancelled the operation.
    #[error("cancelled")]
    Cancelled,
    /// No connection of the server answered as that server.
    #[error("no working connection to {server}")]
    NoConnection {
        /// The server's name.
        server: String,
        /// The race that found none, when there was one: every candidate's result and why
        /// the others were skipped, to show why nothing worked.
        race: Option<Box<crate::race::RaceOutcome>>,
    },
}

/// Why a request got no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Name resolution failed.
    Dns,
    /// The TCP connection could not be made (refused, unreachable).
    Connect,
    /// The TLS handshake or certificate check failed.
    Tls,
    /// No answer within the request's timeout.
    Timeout,
    /// Anything else (connection reset, malformed HTTP, ...).
    Other,
}

impl TransportErrorKind {
    /// A stable name for programs: `dns`, `connect`, `tls`, `timeout`, `other`.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Dns => "dns",
            Self::Connect => "connect",
            Self::Tls => "tls",
            Self::Timeout => "timeout",
            Self::Other => "other",
        }
    }
}

impl std::fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Dns => "name resolution failed",
            Self::Connect => "connection failed",
            Self::Tls => "TLS failed",
            Self::Timeout => "request timed out",
            Self::Other => "network error",
        })
    }
}

impl Error {
    /// True only when the server said the token is not valid (401, or 422 "Invalid token"):
    /// the one case in which a stored token should be forgotten.
    pub fn is_token_rejected(&self) -> bool {
        matches!(self, Self::Unauthorized { .. })
    }

    /// The HTTP status the server answered with, whenever the error stands for an answer with
    /// an error status (`Unauthorized` keeps whether it was 401 or 422). `None` for failures
    /// that had no answer, and for a PIN whose life ran out while waiting.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Plex { status, .. }
            | Self::Http { status }
            | Self::Redirect { status, .. }
            | Self::Unauthorized { status, .. }
            | Self::TwoFactorRequired { status, .. }
            | Self::InvalidVerificationCode { status, .. }
            | Self::IpLockedOut { status, .. }
            | Self::HomePinRequired { status, .. }
            | Self::DeviceRemoved { status, .. }
            | Self::ServerRefused { status } => Some(*status),
            Self::PinExpired { status } => *status,
            Self::RateLimited { .. } => Some(429),
            Self::TokenExpired { .. } => Some(498),
            _ => None,
        }
    }

    /// The error with every one of `secrets` (a call's token, password, codes) replaced by
    /// `[redacted]` wherever it holds text. The core never puts a secret in an error itself, but
    /// a server's message may echo one ("bad token abc…"); every call redacts its own secrets
    /// with this before the error leaves plexlink. Empty or blank secrets are ignored.
    ///
    /// ```
    /// use plexlink_core::Error;
    ///
    /// let echoed = Error::Unauthorized { status: 401, message: "no such token: abc123".into() };
    /// assert_eq!(echoed.redacted(&["abc123"]).to_string(), "unauthorized: no such token: [redacted]");
    /// ```
    #[must_use]
    pub fn redacted(self, secrets: &[&str]) -> Self {
        let secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.trim().is_empty()).collect();
        if secrets.is_empty() {
            return self;
        }
        let clean = |text: String| {
            secrets
                .iter()
                .fold(text, |text, secret| text.replace(secret, "[redacted]"))
        };
        match self {
            Self::Unauthorized { status, message } => Self::Unauthorized {
                status,
                message: clean(message),
            },
            Self::TwoFactorRequired { status, message } => Self::TwoFactorRequired {
                status,
                message: clean(message),
            },
            Self::InvalidVerificationCode { status, message } => Self::InvalidVerificationCode {
                status,
                message: clean(message),
            },
            Self::IpLockedOut { status, message } => Self::IpLockedOut {
                status,
                message: clean(message),
            },
            Self::HomePinRequired { status, message } => Self::HomePinRequired {
                status,
                message: clean(message),
            },
            Self::RateLimited { retry_after, message } => Self::RateLimited {
                retry_after,
                message: clean(message),
            },
            Self::TokenExpired { message } => Self::TokenExpired {
                message: clean(message),
            },
            Self::DeviceRemoved { status, message } => Self::DeviceRemoved {
                status,
                message: clean(message),
            },
            Self::InvalidJwt { reason } => Self::InvalidJwt { reason: clean(reason) },
            Self::Plex { status, code, message } => Self::Plex {
                status,
                code,
                message: clean(message),
            },
            Self::Decode { what, detail } => Self::Decode {
                what,
                detail: clean(detail),
            },
            Self::InvalidArgument { what, detail } => Self::InvalidArgument {
                what,
                detail: clean(detail),
            },
            Self::InsecureTransport { url, reason } => Self::InsecureTransport {
                url: clean(url),
                reason: clean(reason),
            },
            Self::Transport { kind, detail } => Self::Transport {
                kind,
                detail: clean(detail),
            },
            Self::Redirect { status, location } => Self::Redirect {
                status,
                location: clean(location),
            },
            // A race holds no secret: probes carry no token.
            Self::NoConnection { server, race } => Self::NoConnection {
                server: clean(server),
                race,
            },
            // No text in these: listed, not caught by a wildcard, so that a new variant with
            // text cannot slip past.
            plain @ (Self::PinExpired { .. }
            | Self::Http { .. }
            | Self::ServerRefused { .. }
            | Self::ResponseTooLarge { .. }
            | Self::Timeout { .. }
            | Self::Cancelled) => plain,
        }
    }

    /// True for failures worth retrying later unchanged: transport errors, timeouts of a single
    /// request, 5xx and 429.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport { .. } | Self::RateLimited { .. } => true,
            Self::Http { status } | Self::Plex { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// The error an unsuccessful answer stands for: Plex's code when the body has one (JSON or
    /// XML), else the status alone.
    pub fn from_response(response: &HttpResponse) -> Error {
        let status = response.status().as_u16();
        let (code, message) = match plex_error_body(response.body()) {
            Some((code, message)) => (code, message),
            None => (None, String::new()),
        };
        let message_or = |fallback: &str| {
            if message.is_empty() {
                fallback.to_owned()
            } else {
                message.clone()
            }
        };
        match (status, code) {
            (_, Some(1029)) => Error::TwoFactorRequired {
                status,
                message: message_or("verification code required"),
            },
            (_, Some(1028)) => Error::InvalidVerificationCode {
                status,
                message: message_or("invalid verification code"),
            },
            (_, Some(1031)) => Error::IpLockedOut {
                status,
                message: message_or("IP address locked out"),
            },
            (_, Some(1041)) => Error::HomePinRequired {
                status,
                message: message_or("home user PIN required"),
            },
            (_, Some(1020)) => Error::PinExpired { status: Some(status) },
            (_, Some(1097)) => Error::DeviceRemoved {
                status,
                message: message_or("jwk missing"),
            },
            (401, _) => Error::Unauthorized {
                status,
                message: message_or("unauthorized"),
            },
            (422, _) if message.to_ascii_lowercase().contains("invalid token") => {
                Error::Unauthorized { status, message }
            }
            (429, _) => Error::RateLimited {
                retry_after: retry_after(response),
                message: message_or("too many requests"),
            },
            (498, _) => Error::TokenExpired {
                message: message_or("token expired"),
            },
            _ if code.is_some() || !message.is_empty() => Error::Plex { status, code, message },
            _ => Error::Http { status },
        }
    }

    /// The error a Plex Media Server's unsuccessful answer stands for. A server's 401 and 403
    /// say that this token opens nothing there, or not this call: [`Error::ServerRefused`],
    /// never [`Error::Unauthorized`], for only plex.tv can say that a token is bad, and an app
    /// that forgets a token on `Unauthorized` must not sign its user out because a friend
    /// stopped sharing a server. Any other status as [`Error::from_response`].
    pub fn from_server_response(response: &HttpResponse) -> Error {
        match response.status().as_u16() {
            status @ (401 | 403) => Error::ServerRefused { status },
            _ => Error::from_response(response),
        }
    }
}

/// The `Retry-After` delay, at most a day: seconds, or an HTTP date counted from the answer's
/// own `Date` (the core reads no clock, and the server's two dates share one). plex.tv sends
/// seconds; a proxy in front of a server may send the date.
pub(crate) fn retry_after(response: &HttpResponse) -> Option<Duration> {
    const DAY: f64 = 86_400.0;
    let header = |name| response.headers().get(name)?.to_str().ok();
    let value = header(http::header::RETRY_AFTER)?.trim();
    let seconds = match value.parse::<f64>() {
        Ok(seconds) => seconds,
        Err(_) => {
            let at = crate::timefmt::parse_http_date(value)?;
            let now = crate::timefmt::parse_http_date(header(http::header::DATE)?)?;
            (at.saturating_sub(now)).max(0) as f64
        }
    };
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(DAY)))
}

/// Reads `{"errors":[{"code":..,"message":..}]}` or `<errors><error code=".." message=".."/></errors>`.
fn plex_error_body(body: &[u8]) -> Option<(Option<u32>, String)> {
    let text = std::str::from_utf8(body).ok()?.trim_start();
    if text.starts_with('{') {
        #[derive(serde::Deserialize)]
        struct Errors {
            #[serde(default)]
            errors: Vec<Item>,
            #[serde(default)]
            error: Option<String>,
        }
        #[derive(serde::Deserialize)]
        struct Item {
            #[serde(default)]
            code: Option<serde_json::Value>,
            #[serde(default)]
            message: Option<String>,
        }
        let parsed: Errors = serde_json::from_str(text).ok()?;
        if let Some(first) = parsed.errors.into_iter().next() {
            let code = first.code.as_ref().and_then(json_code);
            return Some((code, first.message.unwrap_or_default()));
        }
        return parsed.error.map(|m| (None, m));
    }
    if text.starts_with('<')
        && !text.get(..5).is_some_and(|s| s.eq_ignore_ascii_case("<html"))
        && !text.get(..9).is_some_and(|s| s.eq_ignore_ascii_case("<!doctype"))
    {
        let element = crate::xml::find_element(text, "error")?;
        let code = element.attr("code").and_then(|c| c.trim().parse().ok());
        let message = element.attr("message").unwrap_or_default();
        return Some((code, message));
    }
    None
}

fn json_code(value: &serde_json::Value) -> Option<u32> {
    match value {
        serde_json::Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> HttpResponse {
        http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn the_wire_table_maps_to_variants() {
        let json = |status, code, msg: &str| {
            response(
                status,
                &format!(r#"{{"errors":[{{"code":{code},"message":"{msg}","status":{status}}}]}}"#),
            )
        };
        assert_eq!(
            Error::from_response(&json(401, 1001, "User could not be authenticated")),
            Error::Unauthorized {
                status: 401,
                message: "User could not be authenticated".into()
            }
        );
        assert!(matches!(
            Error::from_response(&json(401, 1029, "x")),
            Error::TwoFactorRequired { .. }
        ));
        assert!(matches!(
            Error::from_response(&json(401, 1028, "x")),
            Error::InvalidVerificationCode { .. }
        ));
        assert!(matches!(
            Error::from_response(&json(401, 1031, "x")),
            Error::IpLockedOut { .. }
        ));
        assert!(matches!(
            Error::from_response(&json(403, 1041, "x")),
            Error::HomePinRequired { .. }
        ));
        assert_eq!(
            Error::from_response(&json(404, 1020, "Code not found or expired")),
            Error::PinExpired { status: Some(404) }
        );
        assert_eq!(
            Error::from_response(&json(400, 1000, "X-Plex-Client-Identifier is missing")),
            Error::Plex {
                status: 400,
                code: Some(1000),
                message: "X-Plex-Client-Identifier is missing".into()
            }
        );
    }

    #[test]
    fn xml_errors_are_read_too() {
        let r = response(
            401,
            r#"<?xml version="1.0"?><errors><error code="1029" message="Please enter the verification code" status="401"/></errors>"#,
        );
        assert_eq!(
            Error::from_response(&r),
            Error::TwoFactorRequired {
                status: 401,
                message: "Please enter the verification code".into()
            }
        );
    }

    #[test]
    fn html_from_a_server_uses_the_status_alone() {
        let r = response(
            401,
            "<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>",
        );
        assert_eq!(
            Error::from_response(&r),
            Error::Unauthorized {
                status: 401,
                message: "unauthorized".into()
            }
        );
        let r = response(403, "<html><head><title>Forbidden</title></head></html>");
        assert_eq!(Error::from_response(&r), Error::Http { status: 403 });
        let r = response(502, "");
        assert_eq!(Error::from_response(&r), Error::Http { status: 502 });
    }

    #[test]
    fn a_servers_refusal_is_its_own_and_rejects_no_token() {
        for status in [401, 403] {
            for body in [
                "",
                "<html><title>Unauthorized</title></html>",
                r#"{"errors":[{"code":1001}]}"#,
            ] {
                let refused = Error::from_server_response(&response(status, body));
                assert_eq!(refused, Error::ServerRefused { status });
                assert!(!refused.is_token_rejected() && !refused.is_transient());
                assert_eq!(refused.http_status(), Some(status));
            }
        }
        // The rest as plex.tv's table.
        for status in [404, 429, 498, 500, 503] {
            let r = response(status, "");
            assert_eq!(Error::from_server_response(&r), Error::from_response(&r));
        }
    }

    #[test]
    fn only_unauthorized_rejects_a_token() {
        assert!(Error::from_response(&response(401, "")).is_token_rejected());
        let invalid = response(422, r#"{"errors":[{"code":0,"message":"Invalid token"}]}"#);
        assert!(Error::from_response(&invalid).is_token_rejected());
        let jwk = response(422, r#"{"errors":[{"code":0,"message":"Thumbprint Already Taken"}]}"#);
        assert!(!Error::from_response(&jwk).is_token_rejected());
        assert!(!Error::from_response(&response(500, "")).is_token_rejected());
        assert!(!Error::from_response(&response(429, "")).is_token_rejected());
        let transport = Error::Transport {
            kind: TransportErrorKind::Connect,
            detail: "refused".into(),
        };
        assert!(!transport.is_token_rejected());
        assert!(transport.is_transient());
    }

    #[test]
    fn http_status_is_kept_where_the_error_stands_for_one() {
        assert_eq!(Error::from_response(&response(429, "")).http_status(), Some(429));
        assert_eq!(Error::from_response(&response(498, "")).http_status(), Some(498));
        assert_eq!(Error::from_response(&response(503, "")).http_status(), Some(503));
        let plex = response(400, r#"{"errors":[{"code":1000,"message":"missing"}]}"#);
        assert_eq!(Error::from_response(&plex).http_status(), Some(400));
        assert_eq!(Error::Cancelled.http_status(), None);
        // Every answer with an error status keeps it, the variants told apart by kind included.
        let coded =
            |status: u16, code: u32| response(status, &format!(r#"{{"errors":[{{"code":{code},"message":"m"}}]}}"#));
        for (answer, status) in [
            (response(401, ""), 401),
            (
                response(422, r#"{"errors":[{"code":0,"message":"Invalid token"}]}"#),
                422,
            ),
            (coded(401, 1029), 401),
            (coded(401, 1028), 401),
            (coded(401, 1031), 401),
            (coded(403, 1041), 403),
            (coded(404, 1020), 404),
            (response(404, ""), 404),
            (response(307, ""), 307),
        ] {
            assert_eq!(Error::from_response(&answer).http_status(), Some(status), "{answer:?}");
        }
        assert_eq!(
            Error::PinExpired { status: None }.http_status(),
            None,
            "ran out while waiting"
        );
    }

    #[test]
    fn rate_limit_keeps_retry_after() {
        let r = http::Response::builder()
            .status(429)
            .header("Retry-After", "7")
            .body(Vec::new())
            .unwrap();
        assert_eq!(
            Error::from_response(&r),
            Error::RateLimited {
                retry_after: Some(Duration::from_secs(7)),
                message: "too many requests".into()
            }
        );
        let r = http::Response::builder()
            .status(429)
            .header("Retry-After", "soon")
            .body(Vec::new())
            .unwrap();
        assert!(matches!(
            Error::from_response(&r),
            Error::RateLimited { retry_after: None, .. }
        ));
    }

    #[test]
    fn retry_after_as_a_date_counts_from_the_answers_date() {
        let limited = |retry_after: &str, date: Option<&str>| {
            let mut r = http::Response::builder().status(429).header("Retry-After", retry_after);
            if let Some(date) = date {
                r = r.header("Date", date);
            }
            match Error::from_response(&r.body(Vec::new()).unwrap()) {
                Error::RateLimited { retry_after, .. } => retry_after,
                other => panic!("{other:?}"),
            }
        };
        let date = Some("Tue, 16 Jul 2024 17:18:05 GMT");
        assert_eq!(
            limited("Tue, 16 Jul 2024 17:18:35 GMT", date),
            Some(Duration::from_secs(30))
        );
        // Already past: at once. Far off: a day at most. No Date to count from: unknown.
        assert_eq!(limited("Tue, 16 Jul 2024 17:00:00 GMT", date), Some(Duration::ZERO));
        assert_eq!(
            limited("Fri, 31 Dec 9999 23:59:59 GMT", date),
            Some(Duration::from_secs(86_400))
        );
        assert_eq!(limited("Tue, 16 Jul 2024 17:18:35 GMT", None), None);
    }

    #[test]
    fn malformed_error_bodies_fall_back_to_the_status() {
        assert_eq!(
            Error::from_response(&response(500, "{not json")),
            Error::Http { status: 500 }
        );
        assert_eq!(
            Error::from_response(&response(503, "<errors><error")),
            Error::Http { status: 503 }
        );
        let bytes = http::Response::builder().status(500).body(vec![0xff, 0xfe]).unwrap();
        assert_eq!(Error::from_response(&bytes), Error::Http { status: 500 });
    }
}
