//! Target `pin_login`: a [`PinLogin`], new or resumed, driven by a fuzz-chosen script: time
//! passes (milliseconds to hours), the machine is asked for a request, the request in flight (or
//! none) gets an answer (a created PIN, pending, approved, 404, 429 with or without
//! `Retry-After`, 5xx, 401, another status, garbage; with or without dates and a `Date`) or a
//! transport error, its timer fires, or it is cancelled. At the end the clock jumps past the
//! deadline.
//!
//! Asserts, beyond not panicking:
//! - it never polls faster than its interval (capped at a day), and after a 429 it waits the
//!   answer's `Retry-After` (capped at a day);
//! - it ends by the expiry: no request at or after the deadline it last made known (the create
//!   request's send time plus the PIN's lifetime, a resumed PIN's lifetime from the start, or
//!   the time of a `Pending` plus its `remaining`), no approval handed in at or after it; asked
//!   at or after it, it is finished; while it runs, its timer is never later than the deadline;
//! - it never stalls: after an answer or a failure its timer is at most
//!   max(interval, max back-off, `Retry-After`) away, capped at a day;
//! - at most one request is in flight; the create request is `POST /api/v2/pins` (`?strong=true`
//!   for a strong code), the checks `GET /api/v2/pins/{id}` of its PIN, none with a token;
//! - events: `Created` once and first (never for a resumed PIN), one final event last and
//!   nothing after it, `Authorized` with the token of the answer just handed in; an unusable
//!   configuration sends nothing and fails with `InvalidArgument`; once finished it sends nothing
//!   and sets no timer;
//! - a `Failed` event's error (`Display` and `Debug`) never shows the PIN's code (the core
//!   redacts it: a server may quote what it was given).
//!
//! The rules both halves share are kept by the driver of `pin_login/driver.rs`.
//!
//! The same input is then read again as the script of a JWT sign-in, whose rules
//! `pin_login/jwt_login.rs` gives: every input drives both, so that what the fuzzer finds for
//! one still means something to the other (and the legacy half reads its inputs as it always
//! did).

use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use plexlink_core::pin_login::{PinEvent, PinLogin};
use plexlink_core::{Error, HttpRequest, HttpResponse, TransportErrorKind};

use crate::clock;
use driver::{CODE, Half, Harness, LONG_CODE, Setup, Step};

mod driver;
mod jwt_login;

/// No wait of the machine is longer than a day.
const DAY: Duration = Duration::from_secs(86_400);
/// 2024-07-16T17:03:05Z: the PINs' dates count from here.
const EPOCH: i64 = 1_721_149_385;
const ID: u64 = 308_667_304;
const CLIENT: &str = "fuzz-app";

pub fn run(data: &[u8]) {
    if let Ok(script) = Script::arbitrary_take_rest(Unstructured::new(data)) {
        script.play();
    }
    if let Ok(script) = jwt_login::Script::arbitrary_take_rest(Unstructured::new(data)) {
        script.play();
    }
}

/// The scripts an input stands for, as text.
pub fn describe(data: &[u8]) -> String {
    format!(
        "{:#?}\n\nas a JWT sign-in:\n{:#?}",
        Script::arbitrary_take_rest(Unstructured::new(data)),
        jwt_login::Script::arbitrary_take_rest(Unstructured::new(data))
    )
}

#[derive(Arbitrary, Debug)]
struct Script {
    setup: Setup,
    steps: Vec<Step<Reply>>,
}

/// A PIN created earlier, and the dates it carries.
#[derive(Arbitrary, Debug)]
struct Resumed {
    id: u32,
    expires_in: Option<u16>,
    dates: Option<Dates>,
}

/// `createdAt` and `expiresAt`, in seconds after [`EPOCH`].
#[derive(Arbitrary, Clone, Copy, Debug)]
struct Dates {
    created: u16,
    expires: u16,
}

#[derive(Arbitrary, Debug)]
enum Reply {
    Created {
        long_code: bool,
        expires_in: Option<u16>,
        dates: Option<Dates>,
    },
    Pending {
        expires: Option<u16>,
        date: Option<u16>,
    },
    Approved(u16),
    Gone,
    RateLimited(Option<RetryAfter>),
    ServerError(u8),
    Unauthorized,
    Status(u16, Vec<u8>),
    Garbage(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum RetryAfter {
    Seconds(u32),
    Text(String),
}

#[derive(Arbitrary, Debug)]
enum Failure {
    Transport(u8),
    Redirect,
    TooLarge,
}

impl Reply {
    fn response(&self) -> HttpResponse {
        let pin = |fields: serde_json::Value| {
            let mut body = serde_json::json!({ "id": ID, "code": CODE, "clientIdentifier": CLIENT, "authToken": null });
            body.as_object_mut()
                .expect("an object")
                .extend(fields.as_object().cloned().unwrap_or_default());
            body.to_string().into_bytes()
        };
        let mut answer = http::Response::builder().status(200);
        let body = match self {
            Self::Created {
                long_code,
                expires_in,
                dates,
            } => {
                answer = answer.status(201);
                let code = if *long_code { LONG_CODE } else { CODE };
                let mut fields = serde_json::json!({ "code": code, "expiresIn": expires_in });
                if let Some(d) = dates {
                    fields["createdAt"] = clock::rfc3339(EPOCH + i64::from(d.created)).into();
                    fields["expiresAt"] = clock::rfc3339(EPOCH + i64::from(d.expires)).into();
                }
                pin(fields)
            }
            Self::Pending { expires, date } => {
                if let Some(date) = date {
                    answer = answer.header("date", clock::http_date(EPOCH + i64::from(*date)));
                }
                let expires = expires.map(|e| clock::rfc3339(EPOCH + i64::from(e)));
                pin(serde_json::json!({ "expiresAt": expires }))
            }
            Self::Approved(n) => pin(serde_json::json!({ "authToken": token(*n), "newRegistration": false })),
            Self::Gone => {
                answer = answer.status(404);
                br#"{"errors":[{"code":1020,"message":"Code not found or expired","status":404}]}"#.to_vec()
            }
            Self::RateLimited(after) => {
                answer = answer.status(429);
                match after {
                    Some(RetryAfter::Seconds(s)) => answer = answer.header("retry-after", s.to_string()),
                    Some(RetryAfter::Text(t)) => {
                        if let Ok(value) = http::HeaderValue::from_str(t) {
                            answer = answer.header("retry-after", value);
                        }
                    }
                    None => {}
                }
                Vec::new()
            }
            Self::ServerError(n) => {
                answer = answer.status(500 + u16::from(*n) % 100);
                b"<html><head><title>Bad Gateway</title></head></html>".to_vec()
            }
            Self::Unauthorized => {
                answer = answer.status(401);
                br#"{"errors":[{"code":1001,"message":"User could not be authenticated"}]}"#.to_vec()
            }
            Self::Status(status, body) => {
                answer = answer.status(100 + status % 900);
                body.clone()
            }
            Self::Garbage(body) => body.clone(),
        };
        answer.body(body).expect("a valid answer")
    }
}

fn token(n: u16) -> String {
    format!("approved-token-{n}")
}

impl Failure {
    fn error(&self) -> Error {
        let transport = |kind| Error::Transport {
            kind,
            detail: "fuzz".into(),
        };
        match self {
            Self::Transport(n) => transport(match n % 5 {
                0 => TransportErrorKind::Dns,
                1 => TransportErrorKind::Connect,
                2 => TransportErrorKind::Tls,
                3 => TransportErrorKind::Timeout,
                _ => TransportErrorKind::Other,
            }),
            Self::Redirect => Error::Redirect {
                status: 302,
                location: "https://elsewhere.example/".into(),
            },
            Self::TooLarge => Error::ResponseTooLarge { limit: 16 },
        }
    }
}

impl Script {
    fn play(&self) {
        let mut info = self.setup.info(CLIENT);
        info.version = "1.0".into();
        let config = self.setup.config();
        let (login, deadline) = match self.setup.resumed(CLIENT, clock::origin()) {
            Some((pin, deadline)) => (PinLogin::resume(info, config, pin, clock::origin()), deadline),
            None => (PinLogin::new(info, config), None),
        };
        Harness::new(login, &self.setup, deadline, Legacy).play(&self.setup, &self.steps);
    }
}

/// The legacy half: a PIN approved with a legacy token.
struct Legacy;

impl Half for Legacy {
    type Reply = Reply;
    /// Whether the request creates the PIN.
    type Kind = bool;
    const SENDS_AT_ONCE: bool = false;

    fn reply(h: &mut Harness<Self>, reply: &Reply) {
        let expected = match reply {
            Reply::Approved(n) => Some(token(*n)),
            _ => None,
        };
        let deadline = h.deadline;
        let (events, was_in_flight) = h.answer(reply.response());
        for event in &events {
            if let PinEvent::Authorized(token) = event {
                assert_eq!(
                    Some(token.secret()),
                    expected.as_deref(),
                    "the approving answer's token"
                );
                assert!(was_in_flight, "an approval with no request in flight");
                assert!(deadline.is_none_or(|d| h.now < d), "approved at or after the deadline");
            }
        }
    }

    fn request(h: &mut Harness<Self>, request: &HttpRequest) -> (bool, bool) {
        let creates = !h.resumed && !h.created;
        let uri = request.uri();
        if creates {
            assert_eq!((request.method().as_str(), uri.path()), ("POST", "/api/v2/pins"));
            assert_eq!(uri.query(), h.strong.then_some("strong=true"));
        } else {
            let id = h.login.pin().expect("a PIN to check").id;
            assert_eq!(
                (request.method().as_str(), uri.path()),
                ("GET", format!("/api/v2/pins/{id}").as_str())
            );
        }
        // Every request polls the PIN.
        (creates, true)
    }
}
