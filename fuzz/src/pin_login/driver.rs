//! What the two halves of target `pin_login` share: the setup their scripts start with, their
//! steps, and the driver of a [`PinLogin`] that keeps the rules both hold it to (the PIN's timing,
//! one request in flight, the events' order, nothing once finished, no secret in a final error).
//! A [`Half`] adds what only its sign-in knows: its requests, its answers, its final events.

use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use plexlink_core::pin_login::{PinEvent, PinLogin, PinLoginConfig};
use plexlink_core::pins::Pin;
use plexlink_core::{ClientInfo, Error, HttpRequest, HttpResponse, PinCode};

use super::{DAY, EPOCH, Failure, Resumed};
use crate::clock::{self, Jump};

/// The code of every PIN the harness makes (a resumed one, a short created one), and the long
/// code a created one may have instead.
pub(super) const CODE: &str = "7RQZ";
pub(super) const LONG_CODE: &str = "x7k2m9q4w8e5r1t6y3u0i2o4p";

/// How a script starts: the configuration, and the PIN it resumes, if any.
#[derive(Arbitrary, Debug)]
pub(super) struct Setup {
    pub(super) strong: bool,
    pub(super) interval_ms: u32,
    pub(super) max_backoff_ms: u32,
    pub(super) blank_identifier: bool,
    pub(super) resume: Option<Resumed>,
}

impl Setup {
    /// The client, `client` unless the script blanks its identifier.
    pub(super) fn info(&self, client: &str) -> ClientInfo {
        ClientInfo::new("Fuzz Player", if self.blank_identifier { " " } else { client })
    }

    pub(super) fn config(&self) -> PinLoginConfig {
        PinLoginConfig {
            strong: self.strong,
            interval: Duration::from_millis(self.interval_ms.into()),
            max_backoff: Duration::from_millis(self.max_backoff_ms.into()),
        }
    }

    /// The PIN of `client` to resume at `start`, with the deadline its lifetime gives.
    pub(super) fn resumed(&self, client: &str, start: Instant) -> Option<(Pin, Option<Instant>)> {
        let resumed = self.resume.as_ref()?;
        let mut pin = Pin::new(resumed.id.into(), PinCode::new(CODE), client);
        pin.expires_in = resumed.expires_in.map(u64::from);
        if let Some(d) = resumed.dates {
            pin.created_at = Some(clock::rfc3339(EPOCH + i64::from(d.created)));
            pin.expires_at = Some(clock::rfc3339(EPOCH + i64::from(d.expires)));
        }
        let deadline = pin.lifetime().map(|left| start + left);
        Some((pin, deadline))
    }
}

/// One step of a script; `R` is the half's answers.
#[derive(Arbitrary, Debug)]
pub(super) enum Step<R> {
    Wait(Jump),
    Transmit,
    Answer(R),
    Fail(Failure),
    /// Its timer fires, late by the jump.
    Timer(Jump),
    Cancel,
}

/// What one half of the target knows that the other does not.
pub(super) trait Half: Sized {
    /// The answers of its scripts.
    type Reply;
    /// What a request in flight is.
    type Kind: Copy;
    /// Whether, after an answer, a running machine may set no timer because a request is due at
    /// once (the JWT half's keys after an approval); else it must always set one.
    const SENDS_AT_ONCE: bool;

    /// Hands the machine `reply` (through [`Harness::answer`]) and checks what it did.
    fn reply(h: &mut Harness<Self>, reply: &Self::Reply);

    /// Checks `request` beyond what every request must be; returns what it is and whether it
    /// polls the PIN (creates or checks it: held to the interval).
    fn request(h: &mut Harness<Self>, request: &HttpRequest) -> (Self::Kind, bool);

    /// Learns what the answer to a `kind` request sent at `sent` tells a driver that knows
    /// plex.tv, before the machine has it. Returns whether the machine must authorize at once.
    fn learn(_h: &mut Harness<Self>, _kind: Self::Kind, _sent: Instant, _response: &HttpResponse) -> bool {
        false
    }

    /// Checks a final event (`Authorized` or `Failed`) beyond what every one must be.
    fn ended(_h: &mut Harness<Self>, _event: &PinEvent) {}
}

/// The machine and what its driver has seen of it.
pub(super) struct Harness<H: Half> {
    pub(super) login: PinLogin,
    pub(super) start: Instant,
    pub(super) now: Instant,
    /// The interval as the machine applies it (capped at a day).
    interval: Duration,
    /// max(interval, max back-off), capped at a day: the longest wait after a failure without
    /// `Retry-After`.
    longest_backoff: Duration,
    pub(super) strong: bool,
    pub(super) resumed: bool,
    /// The last request that polled the PIN (a create or a check).
    last_poll: Option<Instant>,
    /// When the request in flight was sent, and what it is.
    in_flight: Option<(Instant, H::Kind)>,
    /// The deadline the machine last made known (the JWT half drops it once approved).
    pub(super) deadline: Option<Instant>,
    /// No request before this (a `Retry-After`).
    not_before: Option<Instant>,
    pub(super) created: bool,
    pub(super) finished: bool,
    /// The PIN codes and device JWTs the machine held or sent: no final error may show one.
    pub(super) secrets: Vec<String>,
    pub(super) half: H,
}

impl<H: Half> Harness<H> {
    /// The driver of `login`, made at [`clock::origin`] as `setup` says, whose deadline is known
    /// to be `deadline` (a resumed PIN's).
    pub(super) fn new(login: PinLogin, setup: &Setup, deadline: Option<Instant>, half: H) -> Self {
        let config = setup.config();
        let start = clock::origin();
        let secrets = login
            .pin()
            .map(|pin| pin.code.secret().to_owned())
            .into_iter()
            .collect();
        Self {
            login,
            start,
            now: start,
            interval: config.interval.min(DAY),
            longest_backoff: config.interval.max(config.max_backoff).min(DAY),
            strong: setup.strong,
            resumed: setup.resume.is_some(),
            last_poll: None,
            in_flight: None,
            deadline,
            not_before: None,
            created: false,
            finished: false,
            secrets,
            half,
        }
    }

    /// Plays `steps` from the start ([`Self::run`]), then moves the clock to the deadline, if
    /// one is known.
    pub(super) fn play(&mut self, setup: &Setup, steps: &[Step<H::Reply>]) {
        self.run(setup, steps);
        // However the script left it, the machine is over once its deadline has passed (the
        // JWT half's machine has none once approved).
        if let Some(deadline) = self.deadline {
            self.now = self.now.max(deadline);
            self.login.handle_timeout(self.now);
            self.events();
            assert!(self.finished, "still running after its deadline");
        }
    }

    /// Plays `steps` from the start.
    pub(super) fn run(&mut self, setup: &Setup, steps: &[Step<H::Reply>]) {
        let first = self.events();
        if setup.interval_ms == 0 || setup.blank_identifier {
            assert!(
                matches!(first.as_slice(), [PinEvent::Failed(Error::InvalidArgument { .. })]),
                "an unusable configuration: {first:?}"
            );
        }
        for step in steps {
            self.step(step);
        }
    }

    fn step(&mut self, step: &Step<H::Reply>) {
        match step {
            Step::Wait(jump) => self.now += jump.duration(),
            Step::Transmit => {
                if let Some(request) = self.login.poll_transmit(self.now) {
                    self.sent(&request);
                }
                self.events();
                self.after_clock(self.deadline);
            }
            Step::Answer(reply) => H::reply(self, reply),
            Step::Fail(failure) => {
                self.hand_in(None, None, |login, now| {
                    login.handle_transport_error(now, failure.error());
                });
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

    /// Hands the machine an answer; returns its events and whether a request was in flight.
    pub(super) fn answer(&mut self, response: HttpResponse) -> (Vec<PinEvent>, bool) {
        let retry_after = match Error::from_response(&response) {
            Error::RateLimited { retry_after, .. } => retry_after,
            _ => None,
        };
        self.hand_in(retry_after, Some(&response), |login, now| {
            login.handle_response(now, response.clone());
        })
    }

    /// Hands the machine an answer (`response`) or a failure, learning first what the answer
    /// tells ([`Half::learn`]), then checks what any must leave: over if the deadline known
    /// before it has come, nothing but expiry when no request was in flight, an authorization
    /// when the half learnt one is due at once, and the next wait. Returns the events and
    /// whether a request was in flight.
    fn hand_in(
        &mut self,
        retry_after: Option<Duration>,
        response: Option<&HttpResponse>,
        hand: impl FnOnce(&mut PinLogin, Instant),
    ) -> (Vec<PinEvent>, bool) {
        let (was, deadline) = (self.in_flight.take(), self.deadline);
        let alive = deadline.is_none_or(|d| self.now < d);
        let mut at_once = false;
        if let (Some((sent, kind)), Some(response), true) = (was, response, alive) {
            at_once = H::learn(self, kind, sent, response);
        }
        hand(&mut self.login, self.now);
        let events = self.events();
        self.after_clock(deadline);
        if was.is_none() {
            assert!(
                events
                    .iter()
                    .all(|e| matches!(e, PinEvent::Failed(Error::PinExpired { .. }))),
                "an answer with no request in flight did something: {events:?}"
            );
        }
        if at_once {
            assert!(
                matches!(events.last(), Some(PinEvent::Authorized(_))),
                "the kept keys verify the approval, yet: {events:?}"
            );
        }
        self.after_answer(was.is_some(), retry_after);
        (events, was.is_some())
    }

    fn sent(&mut self, request: &HttpRequest) {
        assert!(!self.finished, "a request after the final event");
        assert!(self.in_flight.is_none(), "two requests in flight");
        assert!(
            self.deadline.is_none_or(|d| self.now < d),
            "a request at or after the deadline"
        );
        assert!(
            self.not_before.is_none_or(|t| self.now >= t),
            "a request before Retry-After"
        );
        assert!(
            request.headers().get("x-plex-token").is_none(),
            "a sign-in request with a token"
        );
        let (kind, polls) = H::request(self, request);
        if polls {
            if let Some(last) = self.last_poll {
                assert!(
                    self.now - last >= self.interval,
                    "polled {:?} after the last poll",
                    self.now - last
                );
            }
            self.last_poll = Some(self.now);
        }
        self.in_flight = Some((self.now, kind));
    }

    /// Drains the events, checks their order and what they carry, and learns the deadline.
    pub(super) fn events(&mut self) -> Vec<PinEvent> {
        let events: Vec<PinEvent> = std::iter::from_fn(|| self.login.poll_event()).collect();
        for event in &events {
            assert!(!self.finished, "an event after the final one: {event:?}");
            match event {
                PinEvent::Created(pin) => {
                    assert!(!self.resumed && !self.created, "a second Created, or one when resumed");
                    self.created = true;
                    // The harness's own codes: a code a fuzz-made answer carries may be any
                    // text, which an error's own words may hold.
                    let code = pin.code.secret();
                    if [CODE, LONG_CODE].contains(&code) {
                        self.secrets.push(code.to_owned());
                    }
                    let sent = self.last_poll.expect("created by a request");
                    self.deadline = pin.lifetime().map(|left| sent + left);
                }
                PinEvent::Pending { remaining } => {
                    assert!(self.resumed || self.created, "Pending before Created");
                    if let Some(left) = remaining {
                        self.deadline = Some(self.now + *left);
                    }
                }
                PinEvent::Authorized(_) => {
                    self.finished = true;
                    H::ended(self, event);
                }
                PinEvent::Failed(error) => {
                    self.finished = true;
                    let shown = format!("{error} {error:?}");
                    for secret in &self.secrets {
                        assert!(
                            !shown.contains(secret.as_str()),
                            "the final error shows the PIN code or a device JWT: {shown}"
                        );
                    }
                    H::ended(self, event);
                }
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
    /// machine goes on within its longest wait: by its timer, or (where the half allows it) by
    /// a request due at once.
    fn after_answer(&mut self, was_in_flight: bool, retry_after: Option<Duration>) {
        if self.finished || !was_in_flight {
            return;
        }
        if let Some(after) = retry_after {
            self.not_before = Some(self.now + after.min(DAY));
        }
        let longest = self.longest_backoff.max(retry_after.unwrap_or_default()).min(DAY);
        match self.login.poll_timeout() {
            Some(at) => assert!(at <= self.now + longest, "stalled: woken {:?} from now", at - self.now),
            None => assert!(
                H::SENDS_AT_ONCE && self.login.clone().poll_transmit(self.now).is_some(),
                "stalled: no timer and nothing to send"
            ),
        }
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
