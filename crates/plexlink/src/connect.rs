//! Choosing a server's connection: the core's `ConnectionRace` with its probes sent in parallel,
//! for one server or for many at once.
//!
//! What a race costs, and for how long:
//! - the call returns as soon as the core decides (at most one grace window after the first
//!   good answer, sooner when no better candidate can still answer), never when the slowest
//!   probe gives up: a dead or black-holed candidate costs nothing once a better one has won;
//! - each probe runs on a thread of its own that ends by the probe's deadline (the request's
//!   own timeout), so no thread outlives the call by more than the probe timeout;
//! - probes ask the server to close the connection after answering (`Connection: close`), so
//!   no probe's socket is kept in the pool: a late answer closes its socket when it arrives, a
//!   silent one is closed at the deadline.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use plexlink_core::race::{ConnectionRace, RaceOutcome, RacePolicy};
use plexlink_core::resources::{Connection, Device};
use plexlink_core::{Error, HttpResponse, Token};

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
        self.connect_all_with(std::slice::from_ref(device), policy)
            .pop()
            .unwrap_or_else(|| {
                Err(Error::NoConnection {
                    server: device.name.clone(),
                })
            })
    }

    /// Chooses a connection for every server at once, with the default policy: all their races
    /// run together, so the call takes as long as the slowest race, not the sum of them. One
    /// result per device, in the order given; each [`Connected::elapsed`] is when that server's
    /// race was decided.
    ///
    /// ```no_run
    /// # let client = plexlink::Client::builder("My Player", "id").build()?;
    /// # let token = plexlink::Token::new("t");
    /// let servers = client.servers(&token)?;
    /// for (server, result) in servers.iter().zip(client.connect_all(&servers)) {
    ///     match result {
    ///         Ok(connected) => println!("{}: {}", server.name, connected.uri),
    ///         Err(error) => println!("{}: {error}", server.name),
    ///     }
    /// }
    /// # Ok::<(), plexlink::Error>(())
    /// ```
    pub fn connect_all(&self, devices: &[Device]) -> Vec<Result<Connected, Error>> {
        self.connect_all_with(devices, RacePolicy::default())
    }

    /// [`connect_all`](Self::connect_all) with a policy of your own. Its
    /// [`addresses`](RacePolicy::addresses) are this client's ([`Client::address_rules`]): the
    /// race must read addresses as the HTTP stack that sends its probes dials them.
    pub fn connect_all_with(&self, devices: &[Device], mut policy: RacePolicy) -> Vec<Result<Connected, Error>> {
        policy.addresses = self.address_rules();
        let started = Instant::now();
        let mut races: Vec<ConnectionRace> = devices
            .iter()
            .map(|device| ConnectionRace::new(self.info().clone(), device, policy, started))
            .collect();
        let mut decided_after: Vec<Option<Duration>> = vec![None; races.len()];
        let (results, inbox) = mpsc::channel::<ProbeDone>();
        loop {
            let now = Instant::now();
            for (index, race) in races.iter_mut().enumerate() {
                if race.poll_timeout().is_some_and(|at| at <= now) {
                    race.handle_timeout(now);
                }
                while let Some(probe) = race.poll_transmit(now) {
                    self.spawn_probe(index, probe, now, results.clone());
                }
                if race.is_decided() && decided_after[index].is_none() {
                    decided_after[index] = Some(started.elapsed());
                }
            }
            let Some(wake) = races.iter().filter_map(ConnectionRace::poll_timeout).min() else {
                break;
            };
            match inbox.recv_timeout(wake.saturating_duration_since(Instant::now())) {
                Ok(done) => match done.result {
                    Ok(response) => races[done.race].handle_response(done.at, done.candidate, response),
                    Err(error) => races[done.race].handle_failure(done.at, done.candidate, error),
                },
                // The timers are applied at the top of the loop.
                Err(mpsc::RecvTimeoutError::Timeout | mpsc::RecvTimeoutError::Disconnected) => {}
            }
        }
        races
            .iter()
            .zip(devices)
            .zip(decided_after)
            .map(|((race, device), elapsed)| connected(race, device, elapsed.unwrap_or_else(|| started.elapsed())))
            .collect()
    }

    /// Sends one probe on a thread of its own. The thread ends by the probe's deadline (the
    /// request's own timeout); when the race is decided first, its result goes nowhere.
    fn spawn_probe(
        &self,
        race: usize,
        probe: plexlink_core::race::Probe,
        now: Instant,
        results: mpsc::Sender<ProbeDone>,
    ) {
        let client = self.clone();
        let budget = probe.deadline.saturating_duration_since(now);
        let mut request = probe.request;
        // The probe's socket must not outlive the probe in the connection pool.
        request
            .headers_mut()
            .insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
        std::thread::spawn(move || {
            let result = client.send_within(request, budget);
            let _ = results.send(ProbeDone {
                race,
                candidate: probe.candidate,
                result,
                at: Instant::now(),
            });
        });
    }
}

/// A probe's answer, handed back to the loop that drives the races.
struct ProbeDone {
    race: usize,
    candidate: usize,
    result: Result<HttpResponse, Error>,
    at: Instant,
}

fn connected(race: &ConnectionRace, device: &Device, elapsed: Duration) -> Result<Connected, Error> {
    let no_connection = || Error::NoConnection {
        server: device.name.clone(),
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
