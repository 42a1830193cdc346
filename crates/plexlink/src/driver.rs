//! The drivers: the short loops that run the core's machines over real I/O, written once as
//! async functions over [`Io`]. `AsyncClient` awaits them; the blocking `Client` runs them with
//! [`executor::block_on`](crate::executor::block_on) on the caller's thread.
//!
//! A driver reads the clock (the core never does) and owns no policy: what to send, when, and
//! what an answer or a failure means is the machine's; the rules every request follows are
//! [`exchange`]'s.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use plexlink_core::jwt::{DeviceKey, Expected, JwtClaims, JwtRefresh, PlexJwt, RefreshConfig, RefreshEvent};
use plexlink_core::pin_login::{PinEvent, PinLogin, PinLoginConfig};
use plexlink_core::pins::Pin;
use plexlink_core::race::{ConnectionRace, RacePolicy};
use plexlink_core::resources::Device;
use plexlink_core::{ClientInfo, Error, HttpRequest, HttpResponse, Token};

use crate::io::{Io, Rules, exchange, first};
use crate::jwt::{self, JwtState};
use crate::{CancelToken, Connected, WaitProgress};

/// One request and its parser: every single call of both clients. The call's `secrets` are
/// redacted from its error, whatever the server echoed.
pub(crate) async fn call<T>(
    io: &dyn Io,
    rules: &Rules,
    request: Result<HttpRequest, Error>,
    parse: impl FnOnce(&HttpResponse) -> Result<T, Error>,
    secrets: &[&str],
) -> Result<T, Error> {
    let result = match request {
        Ok(request) => exchange(io, rules, request, rules.timeout)
            .await
            .and_then(|response| parse(&response)),
        Err(error) => Err(error),
    };
    result.map_err(|error| error.redacted(secrets))
}

/// What a PIN wait needs besides the PIN.
pub(crate) struct Wait<'a> {
    pub(crate) interval: Option<Duration>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) cancel: CancelToken,
    pub(crate) on_progress: Option<&'a mut (dyn FnMut(&WaitProgress) + Send)>,
}

impl Wait<'_> {
    fn config(&self) -> PinLoginConfig {
        let mut config = PinLoginConfig::default();
        if let Some(interval) = self.interval {
            config.interval = interval;
        }
        config
    }
}

/// A core machine that time drives: the PIN login and the JWT refresh. One loop ([`drive`])
/// runs each of them.
pub(crate) trait Machine {
    type Event;
    fn poll_transmit(&mut self, now: Instant) -> Option<HttpRequest>;
    fn handle_response(&mut self, now: Instant, response: HttpResponse);
    fn handle_transport_error(&mut self, now: Instant, error: Error);
    fn poll_timeout(&self) -> Option<Instant>;
    fn handle_timeout(&mut self, now: Instant);
    fn poll_event(&mut self) -> Option<Self::Event>;
    fn is_finished(&self) -> bool;
}

macro_rules! machine {
    ($machine:ty, $event:ty, |$m:ident, $now:ident| $on_timeout:expr) => {
        impl Machine for $machine {
            type Event = $event;
            fn poll_transmit(&mut self, now: Instant) -> Option<HttpRequest> {
                <$machine>::poll_transmit(self, now)
            }
            fn handle_response(&mut self, now: Instant, response: HttpResponse) {
                <$machine>::handle_response(self, now, response);
            }
            fn handle_transport_error(&mut self, now: Instant, error: Error) {
                <$machine>::handle_transport_error(self, now, error);
            }
            fn poll_timeout(&self) -> Option<Instant> {
                <$machine>::poll_timeout(self)
            }
            fn handle_timeout(&mut self, $now: Instant) {
                let $m = self;
                $on_timeout
            }
            fn poll_event(&mut self) -> Option<$event> {
                <$machine>::poll_event(self)
            }
            fn is_finished(&self) -> bool {
                <$machine>::is_finished(self)
            }
        }
    };
}

machine!(PinLogin, PinEvent, |m, now| m.handle_timeout(now));
// The refresh has no deadline of its own: its timer only says when to send again.
machine!(JwtRefresh, RefreshEvent, |_m, _now| ());

/// Runs `machine` until `on_event` turns one of its events into the result, the caller's
/// `give_up` time passes ([`Error::Timeout`] naming `what`) or `cancel` fires. Every send
/// failure goes to the machine, which alone decides whether to retry.
async fn drive<M: Machine, T>(
    io: &dyn Io,
    rules: &Rules,
    machine: &mut M,
    cancel: &CancelToken,
    give_up: Option<(Instant, &'static str)>,
    mut on_event: impl FnMut(M::Event) -> Option<Result<T, Error>>,
) -> Result<T, Error> {
    loop {
        while let Some(event) = machine.poll_event() {
            if let Some(result) = on_event(event) {
                return result;
            }
        }
        if machine.is_finished() {
            // Finished without a final event is impossible by the machines' contract; fail
            // loudly rather than spin.
            return Err(Error::Decode {
                what: "sign-in state",
                detail: "stopped without a result".into(),
            });
        }
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        if let Some(request) = machine.poll_transmit(Instant::now()) {
            match first(exchange(io, rules, request, rules.timeout), cancel.cancelled()).await {
                Some(Ok(response)) => machine.handle_response(Instant::now(), response),
                Some(Err(error)) => machine.handle_transport_error(Instant::now(), error),
                None => return Err(Error::Cancelled),
            }
            continue;
        }
        let Some(next) = machine.poll_timeout() else {
            // `poll_transmit` ended the machine (a PIN found expired): its final event is
            // queued, and the top of the loop reads it.
            continue;
        };
        let wake = give_up.map_or(next, |(at, _)| next.min(at));
        if first(io.sleep_until(wake), cancel.cancelled()).await.is_none() {
            return Err(Error::Cancelled);
        }
        let now = Instant::now();
        if let Some((at, what)) = give_up {
            if now >= at {
                return Err(Error::Timeout { what });
            }
        }
        machine.handle_timeout(now);
    }
}

/// The PIN wait: [`PinLogin`] resumed on `pin`, polled until it ends, the caller's timeout
/// passes or `cancel` fires.
pub(crate) async fn wait_for_token(
    io: &dyn Io,
    rules: &Rules,
    info: ClientInfo,
    pin: &Pin,
    wait: Wait<'_>,
) -> Result<Token, Error> {
    let started = Instant::now();
    let login = PinLogin::resume(info, wait.config(), pin.clone(), started);
    wait_for_pin(io, rules, login, pin, wait, started)
        .await
        .map(|(token, _)| token)
}

/// The JWT PIN wait: as [`wait_for_token`], each check carrying a device JWT of `key`, and
/// the Plex JWT verified at the end (with plex.tv's keys as `jwt` keeps them).
pub(crate) async fn wait_for_jwt(
    io: &dyn Io,
    rules: &Rules,
    info: ClientInfo,
    pin: &Pin,
    key: &DeviceKey,
    jwt: &JwtState,
    wait: Wait<'_>,
) -> Result<PlexJwt, Error> {
    let started = Instant::now();
    let mut login = PinLogin::resume(info, wait.config(), pin.clone(), started)
        .with_device_key(key.clone(), jwt::wall_clock(started))
        .with_nonce_lifetime(jwt.nonce_lifetime);
    if let Some(keys) = jwt.keys() {
        login = login.with_plex_keys(keys);
    }
    let (token, login) = wait_for_pin(io, rules, login, pin, wait, started).await?;
    jwt.keep_keys(login.plex_keys());
    let claims = login.jwt_claims().cloned().ok_or_else(|| Error::InvalidJwt {
        reason: "the sign-in ended without verified claims".into(),
    })?;
    Ok(PlexJwt { token, claims })
}

async fn wait_for_pin(
    io: &dyn Io,
    rules: &Rules,
    mut login: PinLogin,
    pin: &Pin,
    wait: Wait<'_>,
    started: Instant,
) -> Result<(Token, PinLogin), Error> {
    let Wait {
        timeout,
        cancel,
        mut on_progress,
        ..
    } = wait;
    // A timeout too long for the clock to hold (Python's `timeout=1.8e19`) is no timeout.
    let give_up = timeout
        .and_then(|t| started.checked_add(t))
        .map(|at| (at, "PIN approval"));
    let secrets = [pin.code.secret()];
    let mut checks = 0u32;
    let token = drive(io, rules, &mut login, &cancel, give_up, |event| match event {
        PinEvent::Authorized(token) => Some(Ok(token)),
        PinEvent::Failed(error) => Some(Err(error)),
        PinEvent::Pending { remaining } => {
            checks += 1;
            if let Some(report) = on_progress.as_mut() {
                report(&WaitProgress { remaining, checks });
            }
            None
        }
        _ => None,
    })
    .await
    .map_err(|error| error.redacted(&secrets))?;
    Ok((token, login))
}

/// A new Plex JWT for `key` (nonce, sign, exchange, verify), with plex.tv's keys as `jwt`
/// keeps them (and keeping what the refresh fetched).
pub(crate) async fn refresh_jwt(
    io: &dyn Io,
    rules: &Rules,
    info: ClientInfo,
    key: &DeviceKey,
    jwt: &JwtState,
) -> Result<PlexJwt, Error> {
    let now = Instant::now();
    let mut refresh = JwtRefresh::new(
        info,
        key.clone(),
        jwt.keys(),
        jwt::wall_clock(now),
        RefreshConfig::default(),
    );
    let result = drive(
        io,
        rules,
        &mut refresh,
        &CancelToken::new(),
        None,
        |event| match event {
            RefreshEvent::Refreshed(plex_jwt) => Some(Ok(*plex_jwt)),
            RefreshEvent::Failed(error) => Some(Err(error)),
            _ => None,
        },
    )
    .await;
    jwt.keep_keys(refresh.keys());
    result
}

/// Upgrading a legacy `token`: the key registered with it, then a Plex JWT for the key. The
/// exchange ends `token` for this client identifier.
pub(crate) async fn upgrade_to_jwt(
    io: &dyn Io,
    rules: &Rules,
    info: ClientInfo,
    token: &Token,
    key: &DeviceKey,
    jwt: &JwtState,
) -> Result<PlexJwt, Error> {
    let register = jwt::core::register_request(&info, token, key);
    call(io, rules, register, jwt::core::parse_register, &[token.secret()]).await?;
    refresh_jwt(io, rules, info, key, jwt).await
}

/// The claims of `token`, verified with the kept keys when they decide, else with plex.tv's
/// keys fetched now (and kept).
pub(crate) async fn verify_jwt(
    io: &dyn Io,
    rules: &Rules,
    info: &ClientInfo,
    token: &Token,
    key: &DeviceKey,
    jwt: &JwtState,
) -> Result<JwtClaims, Error> {
    let expected = Expected {
        client_identifier: &info.client_identifier,
        thumbprint: Some(key.kid()),
    };
    let now = jwt::unix_now();
    if let Some(verified) = jwt::core::verify_with_kept(token, jwt.keys().as_ref(), &expected, now) {
        return verified;
    }
    let keys = call(io, rules, jwt::core::keys_request(info), jwt::core::parse_keys, &[]).await?;
    jwt.keep_keys(Some(&keys));
    jwt::core::verify(token, &keys, &expected, jwt::unix_now())
}

/// The races of every device at once: every probe in flight together (as futures, never a
/// thread each), each race decided as soon as the core says, the call over when the last one
/// is. Probes still in flight then are dropped, which cancels them.
pub(crate) async fn connect_all(
    io: &dyn Io,
    rules: &Rules,
    info: &ClientInfo,
    devices: &[Device],
    policy: RacePolicy,
) -> Vec<Result<Connected, Error>> {
    let started = Instant::now();
    let mut races: Vec<ConnectionRace> = devices
        .iter()
        .map(|device| ConnectionRace::new(info.clone(), device, policy, started))
        .collect();
    let mut decided_after: Vec<Option<Duration>> = vec![None; races.len()];
    let mut in_flight = FuturesUnordered::new();
    loop {
        let now = Instant::now();
        for (index, race) in races.iter_mut().enumerate() {
            if race.poll_timeout().is_some_and(|at| at <= now) {
                race.handle_timeout(now);
            }
            while let Some(probe) = race.poll_transmit(now) {
                let budget = probe.deadline.saturating_duration_since(now);
                let mut request = probe.request;
                // The probe's socket must not outlive the probe in the connection pool.
                request
                    .headers_mut()
                    .insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
                let candidate = probe.candidate;
                // Sent now, not when first polled: every probe goes out at once, even when the
                // first answer comes back before the others would have been polled.
                let sent = exchange(io, rules, request, budget);
                in_flight.push(async move {
                    let result = sent.await;
                    (index, candidate, result, Instant::now())
                });
            }
            if race.is_decided() && decided_after[index].is_none() {
                decided_after[index] = Some(started.elapsed());
            }
        }
        let Some(wake) = races.iter().filter_map(ConnectionRace::poll_timeout).min() else {
            break;
        };
        // The timers are applied at the top of the loop.
        if in_flight.is_empty() {
            io.sleep_until(wake).await;
            continue;
        }
        if let Some(Some((race, candidate, result, at))) = first(in_flight.next(), io.sleep_until(wake)).await {
            match result {
                Ok(response) => races[race].handle_response(at, candidate, response),
                Err(error) => races[race].handle_failure(at, candidate, error),
            }
        }
    }
    races
        .iter()
        .zip(devices)
        .zip(decided_after)
        .map(|((race, device), elapsed)| connected(race, device, elapsed.unwrap_or_else(|| started.elapsed())))
        .collect()
}

fn connected(race: &ConnectionRace, device: &Device, elapsed: Duration) -> Result<Connected, Error> {
    let no_connection = || Error::NoConnection {
        server: device.name.clone(),
        race: None,
    };
    let chosen = race.winner().ok_or_else(no_connection)??.clone();
    let outcome = race.outcome().cloned().ok_or_else(no_connection)?;
    Ok(Connected {
        device: device.clone(),
        connection: chosen.connection,
        uri: chosen.uri,
        outcome,
        elapsed,
    })
}
