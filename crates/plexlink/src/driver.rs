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
use plexlink_core::pin_login::{PinEvent, PinLogin, PinLoginConfig};
use plexlink_core::pins::Pin;
use plexlink_core::race::{ConnectionRace, RacePolicy};
use plexlink_core::resources::Device;
use plexlink_core::{ClientInfo, Error, HttpRequest, HttpResponse, Token};

use crate::io::{Io, Rules, exchange, first};
use crate::{CancelToken, Connected, WaitProgress};

/// One request and its parser: every single call of both clients. The call's `secrets` are
/// redacted from its error, whatever the server echoed.
pub(crate) async fn call<T>(
    io: &dyn Io,
    rules: &Rules,
    request: Result<HttpRequest, Error>,
    parse: fn(&HttpResponse) -> Result<T, Error>,
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

/// The PIN wait: [`PinLogin`] resumed on `pin`, polled until it ends, the caller's timeout
/// passes or `cancel` fires. Every send failure goes to the machine, which alone decides
/// whether to retry.
pub(crate) async fn wait_for_token(
    io: &dyn Io,
    rules: &Rules,
    info: ClientInfo,
    pin: &Pin,
    wait: Wait<'_>,
) -> Result<Token, Error> {
    let Wait {
        interval,
        timeout,
        cancel,
        mut on_progress,
    } = wait;
    let mut config = PinLoginConfig::default();
    if let Some(interval) = interval {
        config.interval = interval;
    }
    let started = Instant::now();
    // A timeout too long for the clock to hold (Python's `timeout=1.8e19`) is no timeout.
    let give_up = timeout.and_then(|t| started.checked_add(t));
    let secrets = [pin.code.secret()];
    let mut login = PinLogin::resume(info, config, pin.clone(), started);
    let mut checks = 0u32;
    loop {
        while let Some(event) = login.poll_event() {
            match event {
                PinEvent::Authorized(token) => return Ok(token),
                PinEvent::Failed(error) => return Err(error.redacted(&secrets)),
                PinEvent::Pending { remaining } => {
                    checks += 1;
                    if let Some(report) = on_progress.as_mut() {
                        report(&WaitProgress { remaining, checks });
                    }
                }
                _ => {}
            }
        }
        if login.is_finished() {
            // Finished without a final event is impossible by the machine's contract; fail
            // loudly rather than spin.
            return Err(Error::Decode {
                what: "PIN state",
                detail: "login stopped without a result".into(),
            });
        }
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        if let Some(request) = login.poll_transmit(Instant::now()) {
            match first(exchange(io, rules, request, rules.timeout), cancel.cancelled()).await {
                Some(Ok(response)) => login.handle_response(Instant::now(), response),
                Some(Err(error)) => login.handle_transport_error(Instant::now(), error),
                None => return Err(Error::Cancelled),
            }
            continue;
        }
        let Some(next) = login.poll_timeout() else {
            // `poll_transmit` found the PIN expired: its final event is queued, and the top of
            // the loop reads it.
            continue;
        };
        let wake = give_up.map_or(next, |g| next.min(g));
        if first(io.sleep_until(wake), cancel.cancelled()).await.is_none() {
            return Err(Error::Cancelled);
        }
        let now = Instant::now();
        if give_up.is_some_and(|g| now >= g) {
            return Err(Error::Timeout { what: "PIN approval" });
        }
        login.handle_timeout(now);
    }
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
