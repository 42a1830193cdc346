//! Choosing a server's connection: the core's `ConnectionRace` with its probes sent in parallel.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use plexlink_core::race::{ConnectionRace, RaceOutcome, RacePolicy};
use plexlink_core::resources::{Connection, Device};
use plexlink_core::{Error, Token};

use crate::Client;

/// A server and the connection chosen for it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Connected {
    /// The server.
    pub device: Device,
    /// The winning connection as plex.tv advertised it.
    pub connection: Connection,
    /// The URI to use (the connection's, or its plain-HTTP twin's).
    pub uri: String,
    /// Every candidate's result, latency and why it lost.
    pub outcome: RaceOutcome,
    /// How long choosing took.
    pub elapsed: Duration,
}

impl Connected {
    /// The token to use with this server: its own `accessToken` (a shared server refuses the
    /// account token), if plex.tv gave one.
    pub fn access_token(&self) -> Option<&Token> {
        self.device.access_token.as_ref()
    }
}

impl Client {
    /// Chooses the best working connection of `device` with the default policy: probes every
    /// candidate's `/identity` at once and returns as soon as the race is decided (the best
    /// candidate answered, or the grace window after a worse one ended), not when the slowest
    /// probe gives up. [`Error::NoConnection`] when none answered as that server.
    pub fn connect(&self, device: &Device) -> Result<Connected, Error> {
        self.connect_with(device, RacePolicy::default())
    }

    /// [`connect`](Self::connect) with a policy of your own (grace window, probe timeout,
    /// plain HTTP, relays, IPv6).
    pub fn connect_with(&self, device: &Device, policy: RacePolicy) -> Result<Connected, Error> {
        let started = Instant::now();
        let mut race = ConnectionRace::new(self.info().clone(), device, policy, started);
        let (results, inbox) = mpsc::channel();
        loop {
            let now = Instant::now();
            while let Some(probe) = race.poll_transmit(now) {
                let client = self.clone();
                let results = results.clone();
                let budget = probe.deadline.saturating_duration_since(now);
                // A probe thread ends by its own deadline (the request's timeout); when the race
                // is decided first, its result goes nowhere.
                std::thread::spawn(move || {
                    let result = client.send_within(probe.request, budget);
                    let _ = results.send((probe.candidate, result, Instant::now()));
                });
            }
            if race.is_decided() {
                break;
            }
            let Some(wake) = race.poll_timeout() else { break };
            match inbox.recv_timeout(wake.saturating_duration_since(Instant::now())) {
                Ok((candidate, Ok(response), at)) => race.handle_response(at, candidate, response),
                Ok((candidate, Err(error), at)) => race.handle_failure(at, candidate, error),
                Err(mpsc::RecvTimeoutError::Timeout) => race.handle_timeout(Instant::now()),
                Err(mpsc::RecvTimeoutError::Disconnected) => race.handle_timeout(Instant::now()),
            }
        }
        let elapsed = started.elapsed();
        let chosen = match race.winner() {
            Some(result) => result?.clone(),
            None => {
                return Err(Error::NoConnection {
                    server: device.name.clone(),
                });
            }
        };
        let outcome = race.outcome().cloned().ok_or_else(|| Error::NoConnection {
            server: device.name.clone(),
        })?;
        Ok(Connected {
            device: device.clone(),
            connection: chosen.connection,
            uri: chosen.uri,
            outcome,
            elapsed,
        })
    }
}
