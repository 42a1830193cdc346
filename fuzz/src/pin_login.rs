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
//!   and sets no timer.
//!
//! The same input is then read again as the script of a JWT sign-in, whose rules
//! `pin_login/jwt_login.rs` gives: every input drives both, so that what the fuzzer finds for
//! one still means something to the other (and the legacy half reads its inputs as it always
//! did).

use std::time::{Duration, Instant};

use arbitrary::{Arbitrary, Unstructured};
use plexlink_core::pin_login::{PinEvent, PinLogin, PinLoginConfig};
use plexlink_core::pins::Pin;
use plexlink_core::{ClientInfo, Error, HttpRequest, HttpResponse, PinCode, TransportErrorKind};

use crate::clock::{self, Jump};

mod jwt_login;

/// No wait of the machine is longer than a day.
const DAY: Duration = Duration::from_secs(86_400);
/// 2024-07-16T17:03:05Z: the PINs' dates count from here.
const EPOCH: i64 = 1_721_149_385;
const ID: u64 = 308_667_304;

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
    strong: bool,
    interval_ms: u32,
    max_backoff_ms: u32,
    blank_identifier: bool,
    resume: Option<Resumed>,
    steps: Vec<Step>,
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
enum Step {
    Wait(Jump),
    Transmit,
    Answer(Reply),
    Fail(Failure),
    /// Its timer fires, late by the jump.
    Timer(Jump),
    Cancel,
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
            let mut body =
                serde_json::json!({ "id": ID, "code": "7RQZ", "clientIdentifier": "fuzz-app", "authToken": null });
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
                let code = if *long_code {
                    "x7k2m9q4w8e5r1t6y3u0i2o4p"
                } else {
                    "7RQZ"
                };
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

/// The machine and what its driver has seen of it.
struct Harness {
    login: PinLogin,
    now: Instant,
    /// The interval as the machine applies it (capped at a day).
    interval: Duration,
    /// max(interval, max back-off), capped at a day: the longest wait after a failure
    /// without `Retry-After`.
    longest_backoff: Duration,
    strong: bool,
    resumed: bool,
    last_send: Option<Instant>,
    /// When the request in flight was sent, and whether it creates the PIN.
    in_flight: Option<(Instant, bool)>,
    /// The deadline the machine last made known.
    deadline: Option<Instant>,
    /// No request before this (a `Retry-After`).
    not_before: Option<Instant>,
    created: bool,
    finished: bool,
}

impl Script {
    fn play(&self) {
        let mut info = ClientInfo::new("Fuzz Player", if self.blank_identifier { " " } else { "fuzz-app" });
        info.version = "1.0".into();
        let config = PinLoginConfig {
            strong: self.strong,
            interval: Duration::from_millis(self.interval_ms.into()),
            max_backoff: Duration::from_millis(self.max_backoff_ms.into()),
        };
        let start = clock::origin();
        let (login, deadline) = match &self.resume {
            Some(resumed) => {
                let mut pin = Pin::new(resumed.id.into(), PinCode::new("7RQZ"), "fuzz-app");
                pin.expires_in = resumed.expires_in.map(u64::from);
                if let Some(d) = resumed.dates {
                    pin.created_at = Some(clock::rfc3339(EPOCH + i64::from(d.created)));
                    pin.expires_at = Some(clock::rfc3339(EPOCH + i64::from(d.expires)));
                }
                let deadline = pin.lifetime().map(|left| start + left);
                (PinLogin::resume(info, config, pin, start), deadline)
            }
            None => (PinLogin::new(info, config), None),
        };
        let mut h = Harness {
            login,
            now: start,
            interval: config.interval.min(DAY),
            longest_backoff: config.interval.max(config.max_backoff).min(DAY),
            strong: self.strong,
            resumed: self.resume.is_some(),
            last_send: None,
            in_flight: None,
            deadline,
            not_before: None,
            created: false,
            finished: false,
        };
        let unusable = self.interval_ms == 0 || self.blank_identifier;
        let first = h.events();
        if unusable {
            assert!(
                matches!(first.as_slice(), [PinEvent::Failed(Error::InvalidArgument { .. })]),
                "an unusable configuration: {first:?}"
            );
        }
        for step in &self.steps {
            h.step(step);
        }
        // However the script left it, the machine is over once its deadline has passed.
        if let Some(deadline) = h.deadline {
            h.now = h.now.max(deadline);
            h.login.handle_timeout(h.now);
            h.events();
            assert!(h.finished, "still running after its deadline");
        }
    }
}

impl Harness {
    fn step(&mut self, step: &Step) {
        match step {
            Step::Wait(jump) => self.now += jump.duration(),
            Step::Transmit => {
                if let Some(request) = self.login.poll_transmit(self.now) {
                    self.sent(&request);
                }
                self.events();
                self.after_clock(self.deadline);
            }
            Step::Answer(reply) => {
                let response = reply.response();
                let retry_after = match Error::from_response(&response) {
                    Error::RateLimited { retry_after, .. } => retry_after,
                    _ => None,
                };
                let expected = match reply {
                    Reply::Approved(n) => Some(token(*n)),
                    _ => None,
                };
                let deadline = self.deadline;
                let (events, was_in_flight) =
                    self.hand_in(retry_after, |login, now| login.handle_response(now, response));
                for event in &events {
                    if let PinEvent::Authorized(token) = event {
                        assert_eq!(
                            Some(token.secret()),
                            expected.as_deref(),
                            "the approving answer's token"
                        );
                        assert!(was_in_flight, "an approval with no request in flight");
                        assert!(
                            deadline.is_none_or(|d| self.now < d),
                            "approved at or after the deadline"
                        );
                    }
                }
            }
            Step::Fail(failure) => {
                self.hand_in(None, |login, now| login.handle_transport_error(now, failure.error()));
            }
            Step::Timer(jump) => {
                if let Some(at) = self.login.poll_timeout() {
                    self.now = self.now.max(at);
                }
                self.now += jump.duration();
                self.login.handle_timeout(self.now);
                self.events();
                self.after_clock(self.deadline);
            }
            Step::Cancel => {
                self.login.cancel();
                self.events();
                assert!(self.finished, "cancel did not end it");
            }
        }
        self.check_timer();
    }

    /// Hands the machine an answer or a failure, then checks what any must leave: over if the
    /// deadline known before it has come, nothing but expiry when no request was in flight, and
    /// the next wait. Returns the events and whether a request was in flight.
    fn hand_in(
        &mut self,
        retry_after: Option<Duration>,
        hand: impl FnOnce(&mut PinLogin, Instant),
    ) -> (Vec<PinEvent>, bool) {
        let (was_in_flight, deadline) = (self.in_flight.take().is_some(), self.deadline);
        hand(&mut self.login, self.now);
        let events = self.events();
        self.after_clock(deadline);
        if !was_in_flight {
            assert!(
                events
                    .iter()
                    .all(|e| matches!(e, PinEvent::Failed(Error::PinExpired { .. }))),
                "an answer with no request in flight did something: {events:?}"
            );
        }
        self.after_answer(was_in_flight, retry_after);
        (events, was_in_flight)
    }

    fn sent(&mut self, request: &HttpRequest) {
        assert!(!self.finished, "a request after the final event");
        assert!(self.in_flight.is_none(), "two requests in flight");
        assert!(
            self.deadline.is_none_or(|d| self.now < d),
            "a request at or after the deadline"
        );
        if let Some(last) = self.last_send {
            assert!(
                self.now - last >= self.interval,
                "polled {:?} after the last request",
                self.now - last
            );
        }
        assert!(
            self.not_before.is_none_or(|t| self.now >= t),
            "a request before Retry-After"
        );
        assert!(
            request.headers().get("x-plex-token").is_none(),
            "a PIN request with a token"
        );
        let creates = !self.resumed && !self.created;
        let uri = request.uri();
        if creates {
            assert_eq!((request.method().as_str(), uri.path()), ("POST", "/api/v2/pins"));
            assert_eq!(uri.query(), self.strong.then_some("strong=true"));
        } else {
            let id = self.login.pin().expect("a PIN to check").id;
            assert_eq!(
                (request.method().as_str(), uri.path()),
                ("GET", format!("/api/v2/pins/{id}").as_str())
            );
        }
        self.last_send = Some(self.now);
        self.in_flight = Some((self.now, creates));
    }

    /// Drains the events, checks their order and learns the deadline from them.
    fn events(&mut self) -> Vec<PinEvent> {
        let events: Vec<PinEvent> = std::iter::from_fn(|| self.login.poll_event()).collect();
        for event in &events {
            assert!(!self.finished, "an event after the final one: {event:?}");
            match event {
                PinEvent::Created(pin) => {
                    assert!(!self.resumed && !self.created, "a second Created, or one when resumed");
                    self.created = true;
                    let sent = self.last_send.expect("created by a request");
                    self.deadline = pin.lifetime().map(|left| sent + left);
                }
                PinEvent::Pending { remaining } => {
                    assert!(self.resumed || self.created, "Pending before Created");
                    if let Some(left) = remaining {
                        self.deadline = Some(self.now + *left);
                    }
                }
                PinEvent::Authorized(_) | PinEvent::Failed(_) => self.finished = true,
                _ => {}
            }
        }
        assert_eq!(
            self.login.is_finished(),
            self.finished,
            "is_finished and the final event"
        );
        if self.finished {
            self.in_flight = None;
        }
        events
    }

    /// After the machine read the clock: at or past the deadline it knew then, it is over. (An
    /// answer may tell a deadline already past: the next timer ends it.)
    fn after_clock(&self, deadline: Option<Instant>) {
        if deadline.is_some_and(|d| self.now >= d) {
            assert!(self.finished, "running at or after its deadline");
        }
    }

    /// After an answer or a failure: the next request waits at least `Retry-After`, and the
    /// machine wakes up again within its longest wait.
    fn after_answer(&mut self, was_in_flight: bool, retry_after: Option<Duration>) {
        if self.finished || !was_in_flight {
            return;
        }
        if let Some(after) = retry_after {
            self.not_before = Some(self.now + after.min(DAY));
        }
        let longest = self.longest_backoff.max(retry_after.unwrap_or_default()).min(DAY);
        let at = self.login.poll_timeout().expect("a running machine sets a timer");
        assert!(at <= self.now + longest, "stalled: woken {:?} from now", at - self.now);
    }

    fn check_timer(&self) {
        let timer = self.login.poll_timeout();
        if self.finished {
            assert_eq!(timer, None, "a timer once finished");
            assert!(
                self.login.clone().poll_transmit(self.now + DAY).is_none(),
                "a request once finished"
            );
        } else if let Some(deadline) = self.deadline {
            assert!(
                timer.is_some_and(|t| t <= deadline),
                "timer {timer:?} past the deadline"
            );
        }
    }
}
