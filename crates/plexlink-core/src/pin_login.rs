//! PIN sign-in as a state machine: create a PIN, poll it until the person approves it, back off
//! when plex.tv or the network struggles, and stop when it expires. Time is a parameter, so the
//! caller owns the clock and the HTTP stack, and a test runs a whole PIN life in microseconds.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::backoff::{Backoff, LONGEST_WAIT};
use crate::jwt::{self, DeviceKey, JwtClaims, PlexJwt, PlexKeys, WallClock};
use crate::pins::{self, Pin};
use crate::{ClientInfo, Error, HttpRequest, HttpResponse, Token};

/// Tries of the keys request after a JWT login's approval before it gives up with the last
/// failure (the PIN's deadline no longer applies then).
const VERIFY_ATTEMPTS: u32 = 5;

/// How long a nonce lives at plex.tv: a device JWT made from it is made again before then.
pub const NONCE_LIFETIME: Duration = Duration::from_secs(300);

/// How a [`PinLogin`] creates and polls its PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinLoginConfig {
    /// Ask for a strong code (approved through [`pins::auth_url`]) rather than a 4-character
    /// one (entered at [`pins::link_url`]).
    pub strong: bool,
    /// Time between checks (Plex advises 1 s). Also the first back-off step and the shortest
    /// wait of any kind. Must not be zero.
    pub interval: Duration,
    /// The longest back-off after repeated failures.
    pub max_backoff: Duration,
}

impl Default for PinLoginConfig {
    /// A short code, checked every second, backing off to at most 30 s.
    fn default() -> Self {
        Self {
            strong: false,
            interval: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// What a [`PinLogin`] reports, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PinEvent {
    /// The PIN exists: show its code with [`pins::link_url`], or send the person to
    /// [`pins::auth_url`] for a strong code.
    Created(Pin),
    /// A check found the PIN not yet approved.
    Pending {
        /// Time left before the PIN expires, when its lifetime is known.
        remaining: Option<Duration>,
    },
    /// The person approved the PIN. The final event. For a JWT login ([`PinLogin::new_jwt`])
    /// the token is a Plex JWT, already verified: its claims are [`PinLogin::jwt_claims`].
    Authorized(Token),
    /// The sign-in ended without a token: [`Error::PinExpired`] (by the clock or by plex.tv),
    /// [`Error::Cancelled`], or the error that cannot be retried. The final event.
    Failed(Error),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    Creating,
    Polling {
        pin_id: u64,
    },
    /// A JWT login's PIN was approved: plex.tv's keys are fetched to verify the Plex JWT.
    Verifying {
        token: Token,
    },
    Finished,
}

/// What is in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sent {
    /// The create, or a check.
    Pin,
    /// A nonce for the next device JWT.
    Nonce,
    /// plex.tv's keys.
    Keys,
}

/// The state of a JWT login: the device key, and the device JWT the checks carry.
#[derive(Clone, Debug)]
struct JwtLogin {
    key: DeviceKey,
    clock: WallClock,
    nonce_lifetime: Duration,
    /// The current device JWT and when its nonce was asked for (its life counts from then).
    device_jwt: Option<(Token, Instant)>,
    keys: Option<PlexKeys>,
    /// The Plex JWT once verified (its token also goes out in [`PinEvent::Authorized`]; kept
    /// here so that a host may read it with its claims whenever it likes).
    verified: Option<PlexJwt>,
}

impl JwtLogin {
    /// A device JWT is made again once less than a tenth of its nonce's life is left, so that
    /// a check never carries one that expires on the way.
    fn current(&self, now: Instant) -> Option<&Token> {
        let (jwt, asked) = self.device_jwt.as_ref()?;
        let usable = self.nonce_lifetime - self.nonce_lifetime / 10;
        (now.saturating_duration_since(*asked) < usable).then_some(jwt)
    }
}

/// A PIN sign-in, driven by the caller's HTTP stack and clock.
///
/// Call order, repeated until [`is_finished`](Self::is_finished) and the events are drained:
///
/// 1. [`poll_transmit(now)`](Self::poll_transmit): send the request it returns (at most one is
///    in flight), then pass its answer to [`handle_response`](Self::handle_response) or its
///    network failure to [`handle_transport_error`](Self::handle_transport_error).
/// 2. [`poll_event()`](Self::poll_event) until `None`: [`PinEvent::Created`] once (show the
///    code), [`PinEvent::Pending`] after each check, then one final `Authorized` or `Failed`.
/// 3. Wait for the in-flight answer or until [`poll_timeout()`](Self::poll_timeout), call
///    [`handle_timeout(now)`](Self::handle_timeout), and go back to 1.
///
/// [`cancel`](Self::cancel) may be called at any time. The PIN dies at its deadline (the create
/// request's send time plus [`Pin::lifetime`]): nothing is sent at or after it, and an answer
/// still in flight then is ignored. `Debug` shows neither the code nor the token.
///
/// ```
/// use std::time::Instant;
/// use plexlink_core::pin_login::{PinEvent, PinLogin, PinLoginConfig};
/// use plexlink_core::{pins, ClientInfo, Error, HttpRequest, HttpResponse, Token};
///
/// /// A blocking driver: `send` does one HTTP exchange, `clock` and `sleep_until` are the host's.
/// fn sign_in(
///     info: ClientInfo,
///     mut send: impl FnMut(HttpRequest) -> Result<HttpResponse, Error>,
///     mut clock: impl FnMut() -> Instant,
///     mut sleep_until: impl FnMut(Instant),
/// ) -> Result<Token, Error> {
///     let mut login = PinLogin::new(info.clone(), PinLoginConfig::default());
///     loop {
///         let now = clock();
///         login.handle_timeout(now);
///         if let Some(request) = login.poll_transmit(now) {
///             match send(request) {
///                 Ok(response) => login.handle_response(clock(), response),
///                 Err(error) => login.handle_transport_error(clock(), error),
///             }
///         }
///         while let Some(event) = login.poll_event() {
///             match event {
///                 PinEvent::Created(pin) => {
///                     println!("Enter {} at {}", pin.code.secret(), pins::link_url(&info))
///                 }
///                 PinEvent::Authorized(token) => return Ok(token),
///                 PinEvent::Failed(error) => return Err(error),
///                 _ => {}
///             }
///         }
///         if let Some(at) = login.poll_timeout() {
///             sleep_until(at);
///         }
///     }
/// }
/// ```
#[derive(Clone, Debug)]
pub struct PinLogin {
    info: ClientInfo,
    config: PinLoginConfig,
    phase: Phase,
    pin: Option<Pin>,
    jwt: Option<Box<JwtLogin>>,
    deadline: Option<Instant>,
    /// `None`: as soon as `poll_transmit` is called.
    next_send: Option<Instant>,
    /// When the request in flight was sent, and what it is.
    in_flight: Option<(Instant, Sent)>,
    backoff: Backoff,
    events: VecDeque<PinEvent>,
}

impl PinLogin {
    /// A sign-in that starts by creating a PIN (short or strong as `config` says).
    ///
    /// An unusable `info` or `config` gives a machine that sends nothing and reports
    /// [`PinEvent::Failed`] with [`Error::InvalidArgument`].
    pub fn new(info: ClientInfo, config: PinLoginConfig) -> Self {
        Self::start(info, config, Phase::Creating, None, None, None)
    }

    /// A JWT sign-in (docs/protocol.md, "JWT PIN login"): the PIN is created at clients.plex.tv
    /// with the device key's public JWK, each check carries a device JWT (made again from a
    /// new nonce before the last one's [`NONCE_LIFETIME`] ends, for as long as the PIN lives),
    /// and the Plex JWT that arrives is verified against plex.tv's keys before
    /// [`PinEvent::Authorized`] reports it. `clock` gives the device JWTs' Unix times.
    ///
    /// The Plex JWT ends the legacy token of this client identifier: see [`crate::jwt`].
    pub fn new_jwt(info: ClientInfo, config: PinLoginConfig, key: DeviceKey, clock: WallClock) -> Self {
        Self::new(info, config).with_device_key(key, clock)
    }

    /// Makes this a JWT sign-in ([`new_jwt`](Self::new_jwt)); with [`resume`](Self::resume),
    /// for a PIN that [`pins::create_request_with_jwk`] created earlier. Call it before the first
    /// [`poll_transmit`](Self::poll_transmit).
    #[must_use]
    pub fn with_device_key(mut self, key: DeviceKey, clock: WallClock) -> Self {
        self.jwt = Some(Box::new(JwtLogin {
            key,
            clock,
            nonce_lifetime: NONCE_LIFETIME,
            device_jwt: None,
            keys: None,
            verified: None,
        }));
        self
    }

    /// A nonce life other than plex.tv's [`NONCE_LIFETIME`] (an emulator set to a short one).
    /// Ignored by a login that is not a JWT one; at least a second.
    #[must_use]
    pub fn with_nonce_lifetime(mut self, lifetime: Duration) -> Self {
        if let Some(jwt) = &mut self.jwt {
            jwt.nonce_lifetime = lifetime.max(Duration::from_secs(1));
        }
        self
    }

    /// plex.tv's keys, known before the login starts (kept from an earlier verification):
    /// saves one request at the end of a JWT login.
    #[must_use]
    pub fn with_plex_keys(mut self, keys: PlexKeys) -> Self {
        if let Some(jwt) = &mut self.jwt {
            jwt.keys = Some(keys);
        }
        self
    }

    /// A JWT login's verified claims, once [`PinEvent::Authorized`] is queued.
    #[must_use]
    pub fn jwt_claims(&self) -> Option<&JwtClaims> {
        self.plex_jwt().map(|jwt| &jwt.claims)
    }

    /// A JWT login's verified Plex JWT, token and claims, once [`PinEvent::Authorized`] is
    /// queued (whether or not the event was taken yet).
    #[must_use]
    pub fn plex_jwt(&self) -> Option<&PlexJwt> {
        self.jwt.as_ref()?.verified.as_ref()
    }

    /// plex.tv's keys as a JWT login knows them (to keep for the next verification).
    #[must_use]
    pub fn plex_keys(&self) -> Option<&PlexKeys> {
        self.jwt.as_ref()?.keys.as_ref()
    }

    /// A sign-in that polls a PIN created earlier (a web app that kept its id, a restarted
    /// program), starting at once. No `Created` event is reported. `info` must carry the client
    /// identifier that created the PIN.
    ///
    /// No local wall clock is read: until the first check, the deadline is [`Pin::lifetime`]
    /// counted from `now` (an upper bound); each check answer then sets it from plex.tv's own
    /// clock ([`pins::time_left`]: the PIN's expiry less the answer's `Date`). Without either, only
    /// plex.tv's 404 ends the wait.
    pub fn resume(info: ClientInfo, config: PinLoginConfig, pin: Pin, now: Instant) -> Self {
        let deadline = pin.lifetime().and_then(|left| now.checked_add(left));
        let phase = Phase::Polling { pin_id: pin.id };
        Self::start(info, config, phase, Some(pin), deadline, Some(now))
    }

    fn start(
        info: ClientInfo,
        config: PinLoginConfig,
        phase: Phase,
        pin: Option<Pin>,
        deadline: Option<Instant>,
        next_send: Option<Instant>,
    ) -> Self {
        let mut login = Self {
            info,
            config,
            phase,
            pin,
            jwt: None,
            deadline,
            next_send,
            in_flight: None,
            backoff: Backoff::new(config.interval, config.max_backoff),
            events: VecDeque::new(),
        };
        if let Err(error) = crate::backoff::check_setup(&login.info, login.config.interval) {
            login.finish(PinEvent::Failed(error));
        }
        login
    }

    /// The next request when one is due: the PIN creation, or a check. `None` while a request
    /// is in flight, before the next one is due, and once finished.
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant) -> Option<HttpRequest> {
        self.expire_if_due(now);
        if self.in_flight.is_some() || self.next_send.is_some_and(|at| now < at) {
            return None;
        }
        let (sent, request) = match (&self.phase, self.jwt.as_deref()) {
            (Phase::Creating, None) => (Sent::Pin, pins::create_request(&self.info, self.config.strong)),
            (Phase::Creating, Some(jwt)) => (
                Sent::Pin,
                pins::create_request_with_jwk(&self.info, self.config.strong, &jwt.key.public_jwk()),
            ),
            (Phase::Polling { pin_id }, None) => (Sent::Pin, pins::check_request(&self.info, *pin_id)),
            (Phase::Polling { pin_id }, Some(jwt)) => match jwt.current(now) {
                Some(device_jwt) => (
                    Sent::Pin,
                    pins::check_request_with_device_jwt(&self.info, *pin_id, device_jwt.secret()),
                ),
                None => (Sent::Nonce, jwt::nonce_request(&self.info)),
            },
            (Phase::Verifying { .. }, _) => (Sent::Keys, jwt::keys_request(&self.info)),
            (Phase::Finished, _) => return None,
        };
        match request {
            Ok(request) => {
                self.in_flight = Some((now, sent));
                Some(request)
            }
            Err(error) => {
                self.finish(PinEvent::Failed(error));
                None
            }
        }
    }

    /// The answer to the request in flight. An answer when none is expected (after a cancel or
    /// the deadline) is ignored; so is one handed in at or after the deadline, whether or not
    /// [`handle_timeout`](Self::handle_timeout) ran first: the PIN is dead by then.
    pub fn handle_response(&mut self, now: Instant, response: HttpResponse) {
        self.expire_if_due(now);
        let Some((sent, what)) = self.in_flight.take() else {
            return;
        };
        match what {
            Sent::Pin => {}
            Sent::Nonce => return self.nonce_answered(sent, now, &response),
            Sent::Keys => return self.keys_answered(now, &response),
        }
        match (self.phase.clone(), pins::parse_pin(&response)) {
            (Phase::Creating, Ok(pin)) => self.created(sent, pin),
            (Phase::Polling { .. }, Ok(pin)) => {
                let known = self.pin.as_ref();
                let left =
                    pins::time_left(&response, &pin).or_else(|| known.and_then(|k| pins::time_left(&response, k)));
                self.checked(sent, now, pin, left);
            }
            (Phase::Finished | Phase::Verifying { .. }, _) => {}
            (_, Err(error)) => self.failed(now, error),
        }
    }

    /// The request in flight got no answer. Transient failures ([`Error::is_transient`]) are
    /// retried with back-off; any other error (a refused redirect, an oversized answer) ends the
    /// sign-in with it.
    pub fn handle_transport_error(&mut self, now: Instant, error: Error) {
        self.expire_if_due(now);
        if self.in_flight.take().is_some() {
            self.failed(now, error);
        }
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) and
    /// [`poll_transmit`](Self::poll_transmit) next: the next request's time or the deadline,
    /// whichever is first. `None` once finished, and when nothing but the in-flight answer (or
    /// the first `poll_transmit`) can move the sign-in on.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.is_finished() {
            return None;
        }
        let send = if self.in_flight.is_some() { None } else { self.next_send };
        match (send, self.deadline) {
            (Some(send), Some(deadline)) => Some(send.min(deadline)),
            (send, deadline) => send.or(deadline),
        }
    }

    /// Expires the PIN once its deadline has come. Sending is left to
    /// [`poll_transmit`](Self::poll_transmit).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.expire_if_due(now);
    }

    /// The next event, oldest first.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<PinEvent> {
        self.events.pop_front()
    }

    /// Gives up: reports [`PinEvent::Failed`] with [`Error::Cancelled`] and sends nothing more.
    /// Does nothing once finished.
    pub fn cancel(&mut self) {
        if !self.is_finished() {
            self.finish(PinEvent::Failed(Error::Cancelled));
        }
    }

    /// The PIN, once created (or as resumed); after approval it carries the token.
    #[must_use]
    pub fn pin(&self) -> Option<&Pin> {
        self.pin.as_ref()
    }

    /// True once the final event has been queued; [`poll_event`](Self::poll_event) may still
    /// hold events.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Finished
    }

    fn nonce_answered(&mut self, sent: Instant, now: Instant, response: &HttpResponse) {
        let Some(jwt) = self.jwt.as_deref_mut() else {
            return;
        };
        let signed = jwt::parse_nonce(response).and_then(|nonce| {
            let iat = jwt.clock.unix_at(now);
            jwt.key
                .device_jwt(&self.info.client_identifier, &nonce, jwt::DEFAULT_SCOPE, iat)
        });
        match signed {
            // Its life counts from the request: plex.tv started the nonce's clock after it.
            Ok(device_jwt) => jwt.device_jwt = Some((device_jwt, sent)),
            Err(error) => self.failed(now, error),
        }
    }

    fn keys_answered(&mut self, now: Instant, response: &HttpResponse) {
        match jwt::parse_keys(response) {
            Ok(keys) => {
                if let Some(jwt) = self.jwt.as_deref_mut() {
                    jwt.keys = Some(keys);
                }
                self.verify(now, true);
            }
            Err(error) => self.failed(now, error),
        }
    }

    /// Verifies the approved Plex JWT with the keys known, or asks for plex.tv's keys (once
    /// more when the kept ones do not verify it: they may have rotated).
    fn verify(&mut self, now: Instant, fetched: bool) {
        let (Phase::Verifying { token }, Some(jwt)) = (&self.phase, self.jwt.as_deref_mut()) else {
            return;
        };
        let expected = jwt::Expected {
            client_identifier: &self.info.client_identifier,
            thumbprint: Some(jwt.key.kid()),
        };
        let at = jwt.clock.unix_at(now);
        let verified = if fetched {
            jwt::verify(token, &jwt.keys.clone().unwrap_or_default(), &expected, at)
        } else {
            match jwt::verify_with_kept(token, jwt.keys.as_ref(), &expected, at) {
                Some(verified) => verified,
                // Asked for by the next `poll_transmit`.
                None => return,
            }
        };
        match verified {
            Ok(claims) => {
                let token = token.clone();
                jwt.verified = Some(PlexJwt {
                    token: token.clone(),
                    claims,
                });
                self.finish(PinEvent::Authorized(token));
            }
            Err(error) => self.finish(PinEvent::Failed(error)),
        }
    }

    fn created(&mut self, sent: Instant, pin: Pin) {
        // Counted from the send, not the answer: plex.tv started the clock somewhere between
        // the two, and polling a dead PIN is worse than stopping a moment early.
        self.deadline = pin.lifetime().and_then(|lifetime| sent.checked_add(lifetime));
        self.phase = Phase::Polling { pin_id: pin.id };
        self.backoff.reset();
        self.next_send = Some(sent + self.config.interval.min(LONGEST_WAIT));
        self.events.push_back(PinEvent::Created(pin.clone()));
        self.pin = Some(pin);
    }

    /// `left`: the PIN's time left by plex.tv's clock at this answer, when the answer says.
    fn checked(&mut self, sent: Instant, now: Instant, checked: Pin, left: Option<Duration>) {
        self.backoff.reset();
        // Counted from the send: plex.tv stamped its `Date` after it, so this errs early.
        if let Some(deadline) = left.and_then(|left| sent.checked_add(left)) {
            self.deadline = Some(deadline);
        }
        // A check answers with the PIN as created; only its approval is news.
        if let Some(pin) = &mut self.pin {
            pin.auth_token.clone_from(&checked.auth_token);
            pin.new_registration = checked.new_registration;
        }
        if let Some(token) = checked.auth_token {
            if self.jwt.is_some() {
                // The PIN's life no longer matters: the token is here, only its check is left.
                // The keys request (if one is needed) is due at once; the timer says so.
                self.deadline = None;
                self.next_send = Some(now);
                self.backoff.reset();
                self.phase = Phase::Verifying { token };
                self.verify(now, false);
            } else {
                self.finish(PinEvent::Authorized(token));
            }
        } else if self.deadline.is_some_and(|deadline| now >= deadline) {
            self.finish(PinEvent::Failed(Error::PinExpired { status: None }));
        } else {
            let remaining = self.deadline.map(|deadline| deadline - now);
            self.events.push_back(PinEvent::Pending { remaining });
            // From the send, so that a slow answer does not stretch the cadence.
            self.next_send = Some(sent + self.config.interval.min(LONGEST_WAIT));
        }
    }

    fn failed(&mut self, now: Instant, error: Error) {
        // Once approved there is no PIN deadline left to end the retries of the keys request:
        // they are counted instead, as a refresh counts its own.
        let verifying = matches!(self.phase, Phase::Verifying { .. });
        if !error.is_transient() || verifying && self.backoff.failures().saturating_add(1) >= VERIFY_ATTEMPTS {
            self.finish(PinEvent::Failed(error));
            return;
        }
        let wait = self.backoff.after(&error);
        self.next_send = Some(now + wait);
    }

    fn expire_if_due(&mut self, now: Instant) {
        if !self.is_finished() && self.deadline.is_some_and(|deadline| now >= deadline) {
            self.finish(PinEvent::Failed(Error::PinExpired { status: None }));
        }
    }

    fn finish(&mut self, event: PinEvent) {
        self.phase = Phase::Finished;
        self.in_flight = None;
        self.next_send = None;
        // An error may quote an answer, and a server may repeat what it was sent: the code and
        // the device JWT are credentials (the code until the PIN dies, the JWT until its nonce
        // is spent). Done here, every host's driver has it.
        let event = match event {
            PinEvent::Failed(error) => {
                let code = self.pin.as_ref().map_or("", |pin| pin.code.secret());
                let device_jwt = self.jwt.as_ref().and_then(|jwt| jwt.device_jwt.as_ref());
                let device_jwt = device_jwt.map_or("", |(jwt, _)| jwt.secret());
                PinEvent::Failed(error.redacted(&[code, device_jwt]))
            }
            event => event,
        };
        self.events.push_back(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PinCode, TransportErrorKind};

    const ID: u64 = 308_667_304;

    /// The simulated clock's origin, and the module's only clock read: `Instant` has no other
    /// constructor. The tests move time only by what the machine asks for.
    fn origin() -> Instant {
        Instant::now()
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn info() -> ClientInfo {
        ClientInfo::new("My Player", "my-app-id")
    }

    fn answer(status: u16, body: &str) -> Reply {
        Reply::Answer(
            http::Response::builder()
                .status(status)
                .body(body.as_bytes().to_vec())
                .expect("valid response"),
        )
    }

    fn created(code: &str, expires_in: u64) -> Reply {
        answer(
            201,
            &format!(
                r#"{{"id":{ID},"code":"{code}","clientIdentifier":"my-app-id","expiresIn":{expires_in},"authToken":null}}"#
            ),
        )
    }

    fn pending() -> Reply {
        answer(
            200,
            &format!(r#"{{"id":{ID},"code":"7RQZ","authToken":null,"newRegistration":null}}"#),
        )
    }

    fn authorized(token: &str) -> Reply {
        answer(
            200,
            &format!(r#"{{"id":{ID},"code":"7RQZ","authToken":"{token}","newRegistration":false}}"#),
        )
    }

    fn rate_limited(retry_after: &str) -> Reply {
        Reply::Answer(
            http::Response::builder()
                .status(429)
                .header("Retry-After", retry_after)
                .body(Vec::new())
                .expect("valid response"),
        )
    }

    fn network_error() -> Reply {
        Reply::Fail(Error::Transport {
            kind: TransportErrorKind::Connect,
            detail: "connection refused".into(),
        })
    }

    enum Reply {
        Answer(HttpResponse),
        Fail(Error),
    }

    /// The machine, a simulated clock and a scripted plex.tv that answers each request at once.
    struct Harness {
        machine: PinLogin,
        start: Instant,
        now: Instant,
        replies: VecDeque<Reply>,
        sent: Vec<(Duration, HttpRequest)>,
        events: Vec<(Duration, PinEvent)>,
    }

    impl Harness {
        fn new(machine: PinLogin, start: Instant, replies: impl IntoIterator<Item = Reply>) -> Self {
            Self {
                machine,
                start,
                now: start,
                replies: replies.into_iter().collect(),
                sent: Vec::new(),
                events: Vec::new(),
            }
        }

        fn login(config: PinLoginConfig, replies: impl IntoIterator<Item = Reply>) -> Self {
            Self::new(PinLogin::new(info(), config), origin(), replies)
        }

        fn elapsed(&self) -> Duration {
            self.now - self.start
        }

        /// Sends what is due, collects the events, and moves the clock to the next timer.
        /// False once the machine has finished.
        fn step(&mut self) -> bool {
            while let Some(request) = self.machine.poll_transmit(self.now) {
                self.sent.push((self.elapsed(), request));
                match self.replies.pop_front().expect("the script answers every request") {
                    Reply::Answer(response) => self.machine.handle_response(self.now, response),
                    Reply::Fail(error) => self.machine.handle_transport_error(self.now, error),
                }
            }
            while let Some(event) = self.machine.poll_event() {
                self.events.push((self.elapsed(), event));
            }
            if self.machine.is_finished() {
                return false;
            }
            let at = self.machine.poll_timeout().expect("an idle machine has a timer");
            assert!(at > self.now, "a timer that does not move the clock would spin");
            self.now = at;
            self.machine.handle_timeout(self.now);
            true
        }

        fn drive(&mut self) {
            self.drive_until(|_| false);
        }

        fn drive_until(&mut self, done: impl Fn(&Self) -> bool) {
            for _ in 0..10_000 {
                if done(self) || !self.step() {
                    return;
                }
            }
            panic!("the machine never finished");
        }

        fn send_times(&self) -> Vec<u64> {
            self.sent.iter().map(|(at, _)| at.as_secs()).collect()
        }

        fn last_event(&self) -> &PinEvent {
            &self.events.last().expect("an event").1
        }

        fn assert_silent_afterwards(&mut self) {
            assert!(self.machine.is_finished());
            assert_eq!(self.machine.poll_timeout(), None);
            assert!(self.machine.poll_transmit(self.now + secs(3600)).is_none());
            assert!(self.machine.poll_event().is_none());
        }
    }

    #[test]
    fn whole_life_create_pending_authorized() {
        let token = "t".repeat(536);
        let mut h = Harness::login(
            PinLoginConfig::default(),
            [
                created("7RQZ", 900),
                pending(),
                pending(),
                pending(),
                authorized(&token),
            ],
        );
        h.drive();

        assert_eq!(h.send_times(), [0, 1, 2, 3, 4], "create, then one check per second");
        let (_, create) = &h.sent[0];
        assert_eq!(
            (create.method().as_str(), create.uri().to_string().as_str()),
            ("POST", "https://plex.tv/api/v2/pins")
        );
        for (_, check) in &h.sent[1..] {
            assert_eq!(check.method(), "GET");
            assert_eq!(check.uri(), "https://plex.tv/api/v2/pins/308667304");
            assert_eq!(check.headers()["x-plex-client-identifier"], "my-app-id");
            assert!(check.headers().get("x-plex-token").is_none());
        }

        let events: Vec<_> = h.events.iter().map(|(at, e)| (at.as_secs(), e.clone())).collect();
        let PinEvent::Created(pin) = &events[0].1 else {
            panic!("first event: {:?}", events[0])
        };
        assert_eq!((pin.id, pin.code.secret(), pin.strong), (ID, "7RQZ", false));
        assert_eq!(
            events[1..],
            [
                (
                    1,
                    PinEvent::Pending {
                        remaining: Some(secs(899))
                    }
                ),
                (
                    2,
                    PinEvent::Pending {
                        remaining: Some(secs(898))
                    }
                ),
                (
                    3,
                    PinEvent::Pending {
                        remaining: Some(secs(897))
                    }
                ),
                (4, PinEvent::Authorized(Token::new(token.clone()))),
            ]
        );
        assert_eq!(
            h.machine.pin().and_then(|p| p.auth_token.as_ref()).map(Token::secret),
            Some(token.as_str())
        );
        let debug = format!("{:?}", h.machine);
        assert!(!debug.contains("7RQZ") && !debug.contains(&token), "{debug}");
        h.assert_silent_afterwards();
    }

    #[test]
    fn expires_by_the_clock_and_sends_nothing_at_the_deadline() {
        let mut h = Harness::login(
            PinLoginConfig::default(),
            [created("7RQZ", 5)].into_iter().chain((0..10).map(|_| pending())),
        );
        h.drive();
        assert_eq!(h.send_times(), [0, 1, 2, 3, 4]);
        assert_eq!(h.events.last().map(|(at, _)| at.as_secs()), Some(5));
        assert_eq!(h.last_event(), &PinEvent::Failed(Error::PinExpired { status: None }));
        let remaining: Vec<_> = h
            .events
            .iter()
            .filter_map(|(_, e)| match e {
                PinEvent::Pending { remaining } => *remaining,
                _ => None,
            })
            .collect();
        assert_eq!(remaining, [secs(4), secs(3), secs(2), secs(1)]);
        assert_eq!(h.replies.len(), 6, "no request after the deadline");
        h.assert_silent_afterwards();
    }

    #[test]
    fn dates_outrank_expires_in_for_the_deadline() {
        let body = format!(
            r#"{{"id":{ID},"code":"7RQZ","expiresIn":900,"createdAt":"2024-07-16T17:03:05Z","expiresAt":"2024-07-16T17:03:08Z"}}"#
        );
        let mut h = Harness::login(
            PinLoginConfig::default(),
            [answer(201, &body), pending(), pending(), pending()],
        );
        h.drive();
        assert_eq!(h.send_times(), [0, 1, 2]);
        assert_eq!(h.last_event(), &PinEvent::Failed(Error::PinExpired { status: None }));
    }

    #[test]
    fn not_found_stops_polling() {
        let gone = answer(
            404,
            r#"{"errors":[{"code":1020,"message":"Code not found or expired"}]}"#,
        );
        let mut h = Harness::login(
            PinLoginConfig::default(),
            [created("7RQZ", 900), pending(), gone, pending()],
        );
        h.drive();
        assert_eq!(h.send_times(), [0, 1, 2]);
        assert_eq!(
            h.last_event(),
            &PinEvent::Failed(Error::PinExpired { status: Some(404) })
        );
        assert_eq!(h.replies.len(), 1);
        h.assert_silent_afterwards();

        let mut h = Harness::login(PinLoginConfig::default(), [created("7RQZ", 900), answer(404, "")]);
        h.drive();
        assert_eq!(
            h.last_event(),
            &PinEvent::Failed(Error::PinExpired { status: Some(404) })
        );
    }

    #[test]
    fn errors_that_cannot_be_retried_end_the_login() {
        let refused = answer(
            401,
            r#"{"errors":[{"code":1001,"message":"User could not be authenticated"}]}"#,
        );
        let mut h = Harness::login(PinLoginConfig::default(), [created("7RQZ", 900), refused]);
        h.drive();
        assert!(matches!(h.last_event(), PinEvent::Failed(Error::Unauthorized { .. })));

        let mut h = Harness::login(
            PinLoginConfig::default(),
            [created("7RQZ", 900), Reply::Fail(Error::ResponseTooLarge { limit: 10 })],
        );
        h.drive();
        assert_eq!(h.last_event(), &PinEvent::Failed(Error::ResponseTooLarge { limit: 10 }));
        h.assert_silent_afterwards();
    }

    #[test]
    fn rate_limit_waits_retry_after_but_never_less_than_the_interval() {
        let mut h = Harness::login(
            PinLoginConfig::default(),
            [
                created("7RQZ", 900),
                pending(),
                rate_limited("5"),
                pending(),
                rate_limited("0"),
                authorized("tok"),
            ],
        );
        h.drive();
        assert_eq!(h.send_times(), [0, 1, 2, 7, 8, 9]);
        assert_eq!(h.last_event(), &PinEvent::Authorized(Token::new("tok")));
    }

    #[test]
    fn failures_back_off_doubling_capped_and_reset_after_success() {
        let mut h = Harness::login(
            PinLoginConfig::default(),
            [
                created("7RQZ", 900),
                answer(500, ""),
                network_error(),
                answer(503, ""),
                answer(502, "<html>Bad Gateway</html>"),
                answer(500, ""),
                network_error(),
                answer(500, ""),
                pending(),
                answer(500, ""),
                authorized("tok"),
            ],
        );
        h.drive();
        let times = h.send_times();
        let gaps: Vec<u64> = times.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(gaps, [1, 1, 2, 4, 8, 16, 30, 30, 1, 1], "sent at {times:?}");
        assert_eq!(h.last_event(), &PinEvent::Authorized(Token::new("tok")));
        let pendings = h
            .events
            .iter()
            .filter(|(_, e)| matches!(e, PinEvent::Pending { .. }))
            .count();
        assert_eq!(pendings, 1, "only a pending check reports Pending");
    }

    #[test]
    fn create_failures_retry_or_end() {
        let refused = answer(
            400,
            r#"{"errors":[{"code":1000,"message":"X-Plex-Client-Identifier is missing"}]}"#,
        );
        let mut h = Harness::login(
            PinLoginConfig::default(),
            [answer(503, ""), network_error(), rate_limited("3"), refused],
        );
        h.drive();
        assert_eq!(h.send_times(), [0, 1, 3, 6]);
        assert!(
            h.sent
                .iter()
                .all(|(_, r)| r.method() == "POST" && r.uri().path() == "/api/v2/pins")
        );
        assert_eq!(h.events.len(), 1);
        assert!(matches!(
            h.last_event(),
            PinEvent::Failed(Error::Plex {
                status: 400,
                code: Some(1000),
                ..
            })
        ));
        assert!(h.machine.pin().is_none());
        h.assert_silent_afterwards();

        let mut h = Harness::login(
            PinLoginConfig::default(),
            [network_error(), created("7RQZ", 900), authorized("tok")],
        );
        h.drive();
        assert_eq!(h.send_times(), [0, 1, 2]);
        assert_eq!(h.last_event(), &PinEvent::Authorized(Token::new("tok")));
    }

    #[test]
    fn cancel_mid_wait_ends_with_cancelled() {
        let mut h = Harness::login(
            PinLoginConfig::default(),
            [created("7RQZ", 900)].into_iter().chain((0..10).map(|_| pending())),
        );
        h.drive_until(|h| h.events.iter().any(|(_, e)| matches!(e, PinEvent::Pending { .. })));
        h.now += Duration::from_millis(500);
        h.machine.cancel();
        assert_eq!(h.machine.poll_event(), Some(PinEvent::Failed(Error::Cancelled)));
        assert_eq!(h.sent.len(), 2);
        h.assert_silent_afterwards();
        h.machine.cancel();
        assert!(h.machine.poll_event().is_none(), "a second cancel reports nothing");
    }

    #[test]
    fn one_request_in_flight_and_late_answers_are_ignored() {
        let start = origin();
        let mut login = PinLogin::new(info(), PinLoginConfig::default());
        assert_eq!(login.poll_timeout(), None, "nothing is timed before the first transmit");
        assert!(login.poll_transmit(start).is_some());
        assert!(login.poll_transmit(start).is_none());
        assert!(
            login.poll_transmit(start + secs(60)).is_none(),
            "still waiting for the create answer"
        );
        assert_eq!(login.poll_timeout(), None);
        login.cancel();
        let Reply::Answer(late) = created("7RQZ", 900) else {
            unreachable!()
        };
        login.handle_response(start + secs(1), late);
        assert_eq!(login.poll_event(), Some(PinEvent::Failed(Error::Cancelled)));
        assert_eq!(login.poll_event(), None);
        assert!(login.pin().is_none());

        let Reply::Answer(unasked) = pending() else {
            unreachable!()
        };
        let mut login = PinLogin::new(info(), PinLoginConfig::default());
        login.handle_response(start, unasked);
        assert!(login.poll_event().is_none());
        assert!(
            login.poll_transmit(start).is_some(),
            "an unasked answer changes nothing"
        );
    }

    #[test]
    fn the_deadline_drops_an_answer_in_flight() {
        let start = origin();
        let mut h = Harness::new(
            PinLogin::new(info(), PinLoginConfig::default()),
            start,
            [created("7RQZ", 3)],
        );
        h.step();
        let check = h.machine.poll_transmit(start + secs(1));
        assert!(check.is_some());
        assert_eq!(
            h.machine.poll_timeout(),
            Some(start + secs(3)),
            "the deadline is armed while waiting"
        );
        h.machine.handle_timeout(start + secs(3));
        let Reply::Answer(late) = authorized("tok") else {
            unreachable!()
        };
        h.machine.handle_response(start + secs(4), late);
        let events: Vec<_> = std::iter::from_fn(|| h.machine.poll_event()).collect();
        assert_eq!(events, [PinEvent::Failed(Error::PinExpired { status: None })]);
    }

    /// A check answer as plex.tv sends it: the PIN's expiry in the body, its own time in `Date`.
    fn dated_pending(expires_at: &str, date: &str) -> Reply {
        Reply::Answer(
            http::Response::builder()
                .status(200)
                .header("Date", date)
                .body(format!(r#"{{"id":77,"code":"7RQZ","authToken":null,"expiresAt":"{expires_at}"}}"#).into_bytes())
                .expect("valid response"),
        )
    }

    #[test]
    fn a_resumed_pin_counts_its_life_by_plex_tv_s_clock_not_the_local_one() {
        // Created 2024-07-16T17:03:05Z, expiring 15 minutes later: a device whose own clock runs
        // days ahead (or behind) must poll it all the same, and stop when plex.tv's clock says.
        let mut pin = Pin::new(77, PinCode::new("7RQZ"), "my-app-id");
        pin.created_at = Some("2024-07-16T17:03:05Z".into());
        pin.expires_at = Some("2024-07-16T17:18:05Z".into());
        let start = origin();
        let login = PinLogin::resume(info(), PinLoginConfig::default(), pin.clone(), start);
        assert_eq!(login.pin(), Some(&pin));
        assert_eq!(login.poll_timeout(), Some(start), "a resumed PIN is checked at once");
        assert_eq!(
            login.deadline,
            Some(start + secs(900)),
            "until plex.tv says, the whole lifetime"
        );
        // plex.tv's clock says 10 s are left at the first check.
        let replies = (0..20).map(|i| {
            dated_pending(
                "2024-07-16T17:18:05Z",
                &format!("Tue, 16 Jul 2024 17:17:{:02} GMT", 55 + i),
            )
        });
        let mut h = Harness::new(login, start, replies);
        h.drive();
        assert_eq!(h.send_times(), (0..10).collect::<Vec<_>>());
        assert!(h.sent.iter().all(|(_, r)| r.uri() == "https://plex.tv/api/v2/pins/77"));
        assert!(!h.events.iter().any(|(_, e)| matches!(e, PinEvent::Created(_))));
        assert_eq!(
            h.events[0].1,
            PinEvent::Pending {
                remaining: Some(secs(10))
            }
        );
        assert_eq!(h.events.last().map(|(at, _)| at.as_secs()), Some(10));
        assert_eq!(h.last_event(), &PinEvent::Failed(Error::PinExpired { status: None }));

        // plex.tv says it is already past: one check, then expired.
        let mut h = Harness::new(
            PinLogin::resume(info(), PinLoginConfig::default(), pin.clone(), start),
            start,
            [dated_pending("2024-07-16T17:18:05Z", "Tue, 16 Jul 2024 17:20:00 GMT")],
        );
        h.drive();
        assert_eq!(h.send_times(), [0]);
        assert_eq!(h.last_event(), &PinEvent::Failed(Error::PinExpired { status: None }));

        // No Date and no dates: the lifetime counts from now.
        let mut undated = Pin::new(77, PinCode::new("7RQZ"), "my-app-id");
        undated.expires_in = Some(3);
        let mut h = Harness::new(
            PinLogin::resume(info(), PinLoginConfig::default(), undated, start),
            start,
            (0..5).map(|_| pending()),
        );
        h.drive();
        assert_eq!(h.send_times(), [0, 1, 2], "the lifetime counts from now without dates");
    }

    #[test]
    fn an_answer_at_or_after_the_deadline_is_refused_whether_or_not_the_timer_ran() {
        for run_timer_first in [false, true] {
            let start = origin();
            let mut h = Harness::new(
                PinLogin::new(info(), PinLoginConfig::default()),
                start,
                [created("7RQZ", 3)],
            );
            h.step();
            let check = h.machine.poll_transmit(start + secs(2));
            assert!(check.is_some());
            if run_timer_first {
                h.machine.handle_timeout(start + secs(3));
            }
            let Reply::Answer(late) = authorized("tok") else {
                unreachable!()
            };
            h.machine.handle_response(start + secs(3), late);
            let events: Vec<_> = std::iter::from_fn(|| h.machine.poll_event()).collect();
            assert_eq!(
                events,
                [PinEvent::Failed(Error::PinExpired { status: None })],
                "timer first: {run_timer_first}"
            );

            // A transport error at the deadline: the PIN expired, it is not a network failure.
            let mut h = Harness::new(
                PinLogin::new(info(), PinLoginConfig::default()),
                start,
                [created("7RQZ", 3)],
            );
            h.step();
            assert!(h.machine.poll_transmit(start + secs(2)).is_some());
            h.machine.handle_transport_error(start + secs(3), Error::Cancelled);
            let events: Vec<_> = std::iter::from_fn(|| h.machine.poll_event()).collect();
            assert_eq!(events, [PinEvent::Failed(Error::PinExpired { status: None })]);
        }
    }

    #[test]
    fn strong_pin() {
        let code = "x7k2m9q4w8e5r1t6y3u0i2o4p";
        let config = PinLoginConfig {
            strong: true,
            ..PinLoginConfig::default()
        };
        let mut h = Harness::login(config, [created(code, 1799), pending(), authorized("tok")]);
        h.drive();
        assert_eq!(h.sent[0].1.uri(), "https://plex.tv/api/v2/pins?strong=true");
        let PinEvent::Created(pin) = &h.events[0].1 else {
            panic!("first event: {:?}", h.events[0])
        };
        assert!(pin.strong);
        assert_eq!(pin.code.secret(), code);
        assert_eq!(
            h.events[1].1,
            PinEvent::Pending {
                remaining: Some(secs(1798))
            }
        );
        assert!(pins::auth_url(&info(), pin, None).contains(&format!("&code={code}&")));
        assert_eq!(h.last_event(), &PinEvent::Authorized(Token::new("tok")));
        assert!(!format!("{:?}", h.events).contains(code));
    }

    #[test]
    fn unusable_setup_fails_without_sending() {
        let mut login = PinLogin::new(ClientInfo::new("My Player", ""), PinLoginConfig::default());
        assert!(login.poll_transmit(origin()).is_none());
        assert!(matches!(
            login.poll_event(),
            Some(PinEvent::Failed(Error::InvalidArgument {
                what: "client_identifier",
                ..
            }))
        ));

        let config = PinLoginConfig {
            interval: Duration::ZERO,
            ..PinLoginConfig::default()
        };
        let mut login = PinLogin::new(info(), config);
        assert!(login.is_finished());
        assert!(matches!(
            login.poll_event(),
            Some(PinEvent::Failed(Error::InvalidArgument { what: "interval", .. }))
        ));
    }
}
