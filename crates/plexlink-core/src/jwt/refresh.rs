//! Getting a new Plex JWT with the device key: nonce, sign, exchange, verify. Time is a
//! parameter, as in every machine of the core.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::verify::{Expected, JwtClaims, PlexKeys, verify, verify_with_kept};
use super::{DEFAULT_SCOPE, DeviceKey, WallClock, calls};
use crate::backoff::Backoff;
use crate::{ClientInfo, Error, HttpRequest, HttpResponse, Token};

/// Refresh once less than this is left of a Plex JWT (Plex's advice: a day of its seven).
pub const REFRESH_BEFORE: Duration = Duration::from_secs(86_400);

/// Whether a Plex JWT with these claims should be refreshed at `now` (Unix seconds): less than
/// [`REFRESH_BEFORE`] left.
#[must_use]
pub fn needs_refresh(claims: &JwtClaims, now: i64) -> bool {
    claims.seconds_left(now) < REFRESH_BEFORE.as_secs()
}

/// What to do when plex.tv refuses a call made with a Plex JWT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Recovery {
    /// 498, the JWT expired: refresh, then make the call once more.
    RefreshThenRetry,
    /// 1097, the device was removed: only a new identity (client identifier and key) helps.
    NewIdentity,
    /// Anything else: the error stands.
    GiveUp,
}

/// The recovery for `error` from a call made with a Plex JWT. A call is retried at most once
/// after a refresh: a second 498 stands.
#[must_use]
pub fn recovery_for(error: &Error) -> Recovery {
    match error {
        Error::TokenExpired { .. } => Recovery::RefreshThenRetry,
        Error::DeviceRemoved { .. } => Recovery::NewIdentity,
        _ => Recovery::GiveUp,
    }
}

/// A verified Plex JWT and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlexJwt {
    /// The JWT: send it as `X-Plex-Token` to plex.tv (never to a server; see [`super`]).
    pub token: Token,
    /// Its claims, as verified.
    pub claims: JwtClaims,
}

/// How a [`JwtRefresh`] retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshConfig {
    /// The first back-off step after a transient failure; must not be zero.
    pub interval: Duration,
    /// The longest back-off.
    pub max_backoff: Duration,
    /// Transient failures (over all its steps) before it gives up with the last one: a step
    /// that succeeds does not reset the count, so a nonce that works and an exchange that
    /// fails cannot go round for ever.
    pub attempts: u32,
    /// The scopes the device JWT asks for ([`DEFAULT_SCOPE`]).
    pub scope: &'static str,
}

impl Default for RefreshConfig {
    /// 1 s, doubling to at most 30 s, 5 tries, the default scopes.
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            attempts: 5,
            scope: DEFAULT_SCOPE,
        }
    }
}

/// What a [`JwtRefresh`] reports: exactly one, at the end.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefreshEvent {
    /// The new, verified Plex JWT.
    Refreshed(Box<PlexJwt>),
    /// The refresh failed: [`Error::DeviceRemoved`] (sign in again under a new identity),
    /// [`Error::InvalidJwt`], [`Error::Cancelled`], or the last transient failure.
    Failed(Error),
}

#[derive(Clone, Debug)]
enum Step {
    Nonce,
    Exchange { device_jwt: Token },
    Keys { token: Token },
    Finished,
}

/// A refresh of the Plex JWT (also the second half of upgrading a legacy token, after
/// [`calls::register_request`]): nonce → device JWT → exchange → verify, fetching plex.tv's keys
/// when none are known or the JWT names one that is not among them (a rotation).
///
/// Driven like [`crate::pin_login::PinLogin`]: [`poll_transmit`](Self::poll_transmit), hand back
/// the answer or the transport error, [`poll_event`](Self::poll_event), wait until
/// [`poll_timeout`](Self::poll_timeout). At most one request is in flight.
#[derive(Clone, Debug)]
pub struct JwtRefresh {
    info: ClientInfo,
    key: DeviceKey,
    clock: WallClock,
    config: RefreshConfig,
    keys: Option<PlexKeys>,
    fetched_keys: bool,
    step: Step,
    ended: bool,
    in_flight: bool,
    next_send: Option<Instant>,
    backoff: Backoff,
    /// The last device JWT made: redacted from the final error, which may quote an answer.
    device_jwt: Option<Token>,
    events: VecDeque<RefreshEvent>,
}

impl JwtRefresh {
    /// A refresh for the device `key` of `info`'s client identifier. `keys`: plex.tv's keys
    /// from an earlier verification, if kept; `clock` gives the device JWT's `iat`.
    pub fn new(
        info: ClientInfo,
        key: DeviceKey,
        keys: Option<PlexKeys>,
        clock: WallClock,
        config: RefreshConfig,
    ) -> Self {
        let mut refresh = Self {
            backoff: Backoff::new(config.interval, config.max_backoff),
            info,
            key,
            clock,
            config,
            keys,
            fetched_keys: false,
            step: Step::Nonce,
            ended: false,
            in_flight: false,
            next_send: None,
            device_jwt: None,
            events: VecDeque::new(),
        };
        if let Err(error) = crate::backoff::check_setup(&refresh.info, refresh.config.interval) {
            refresh.finish(RefreshEvent::Failed(error));
        }
        refresh
    }

    /// The next request when one is due.
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant) -> Option<HttpRequest> {
        if self.in_flight || self.next_send.is_some_and(|at| now < at) {
            return None;
        }
        let request = match &self.step {
            Step::Nonce => calls::nonce_request(&self.info),
            Step::Exchange { device_jwt } => calls::exchange_request(&self.info, device_jwt),
            Step::Keys { .. } => calls::keys_request(&self.info),
            Step::Finished => return None,
        };
        match request {
            Ok(request) => {
                self.in_flight = true;
                Some(request)
            }
            Err(error) => {
                self.finish(RefreshEvent::Failed(error));
                None
            }
        }
    }

    /// The answer to the request in flight.
    pub fn handle_response(&mut self, now: Instant, response: HttpResponse) {
        if !std::mem::take(&mut self.in_flight) || self.ended {
            return;
        }
        match std::mem::replace(&mut self.step, Step::Nonce) {
            Step::Nonce => {
                let signed = calls::parse_nonce(&response).and_then(|nonce| {
                    let iat = self.clock.unix_at(now);
                    self.key
                        .device_jwt(&self.info.client_identifier, &nonce, self.config.scope, iat)
                });
                match signed {
                    Ok(device_jwt) => {
                        self.device_jwt = Some(device_jwt.clone());
                        self.step = Step::Exchange { device_jwt };
                    }
                    Err(error) => self.failed(now, error),
                }
            }
            Step::Exchange { .. } => match calls::parse_exchange(&response) {
                Ok(token) => {
                    self.step = self.check(now, token);
                }
                // Retried from a new nonce: the one in the device JWT is spent.
                Err(error) => self.failed(now, error),
            },
            Step::Keys { token } => match calls::parse_keys(&response) {
                Ok(keys) => {
                    self.keys = Some(keys);
                    self.fetched_keys = true;
                    self.step = self.check(now, token);
                }
                Err(error) => {
                    self.step = Step::Keys { token };
                    self.failed(now, error);
                }
            },
            Step::Finished => self.step = Step::Finished,
        }
    }

    /// The request in flight got no answer.
    pub fn handle_transport_error(&mut self, now: Instant, error: Error) {
        if std::mem::take(&mut self.in_flight) {
            self.failed(now, error);
        }
    }

    /// When to call [`poll_transmit`](Self::poll_transmit) next; `None` while a request is in
    /// flight or once finished.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.in_flight || self.is_finished() {
            None
        } else {
            self.next_send
        }
    }

    /// The final event, once.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<RefreshEvent> {
        self.events.pop_front()
    }

    /// Gives up with [`Error::Cancelled`].
    pub fn cancel(&mut self) {
        if !self.is_finished() {
            self.finish(RefreshEvent::Failed(Error::Cancelled));
        }
    }

    /// True once the final event is queued.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.ended
    }

    /// plex.tv's keys as known now (fetched by this refresh or given to it): keep them for the
    /// next verification.
    #[must_use]
    pub fn keys(&self) -> Option<&PlexKeys> {
        self.keys.as_ref()
    }

    /// Verifies the exchanged `token`, or asks for plex.tv's keys first.
    fn check(&mut self, now: Instant, token: Token) -> Step {
        let expected = Expected {
            client_identifier: &self.info.client_identifier,
            thumbprint: Some(self.key.kid()),
        };
        let at = self.clock.unix_at(now);
        let verified = if self.fetched_keys {
            verify(&token, &self.keys.clone().unwrap_or_default(), &expected, at)
        } else {
            match verify_with_kept(&token, self.keys.as_ref(), &expected, at) {
                Some(verified) => verified,
                None => return Step::Keys { token },
            }
        };
        match verified {
            Ok(claims) => self.finish(RefreshEvent::Refreshed(Box::new(PlexJwt { token, claims }))),
            Err(error) => self.finish(RefreshEvent::Failed(error)),
        }
        Step::Finished
    }

    fn failed(&mut self, now: Instant, error: Error) {
        if !error.is_transient() || self.backoff.failures().saturating_add(1) >= self.config.attempts {
            self.finish(RefreshEvent::Failed(error));
            return;
        }
        let wait = self.backoff.after(&error);
        self.next_send = Some(now + wait);
    }

    fn finish(&mut self, event: RefreshEvent) {
        if !self.ended {
            let event = match (event, &self.device_jwt) {
                (RefreshEvent::Failed(error), Some(sent)) => RefreshEvent::Failed(error.redacted(&[sent.secret()])),
                (event, _) => event,
            };
            self.events.push_back(event);
        }
        self.ended = true;
        self.step = Step::Finished;
        self.in_flight = false;
        self.next_send = None;
    }
}
