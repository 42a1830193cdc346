//! A connection to one server kept right while an app runs (docs/protocol.md §3.7): a warm
//! start from the last good connection, a new race when the app reports a failure, rechecks
//! of better tiers now and then (moving up when one answers), and an event at each change.
//!
//! Every race is a [`ConnectionRace`] over some of the device's connections; this machine only
//! decides which race runs when, and what its result changes. Time is a parameter.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::backoff::Backoff;
use crate::race::{self, Candidate, ConnectionRace, RaceOutcome, RacePolicy, Tier};
use crate::resources::Device;
use crate::{ClientInfo, Error, HttpRequest, HttpResponse};

/// How a [`KeptConnection`] keeps its connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeepPolicy {
    /// How every race probes and chooses.
    pub race: RacePolicy,
    /// How long a warm start waits for the last good connection before racing them all.
    pub warm_window: Duration,
    /// Time between rechecks of the better tiers while on a worse one; doubles after each
    /// recheck that finds nothing, up to [`recheck_max`](Self::recheck_max), and starts again
    /// after a change. Each recheck sends one probe per better candidate.
    pub recheck_interval: Duration,
    /// The longest time between rechecks.
    pub recheck_max: Duration,
    /// The longest wait before racing again while no connection works (the wait starts at one
    /// second and doubles).
    pub retry_max: Duration,
}

impl Default for KeepPolicy {
    /// The default race; a 300 ms warm window; rechecks every minute, backing off to 4 minutes;
    /// retries backing off to a minute.
    fn default() -> Self {
        Self {
            race: RacePolicy::default(),
            warm_window: Duration::from_millis(300),
            recheck_interval: Duration::from_secs(60),
            recheck_max: Duration::from_secs(240),
            retry_max: Duration::from_secs(60),
        }
    }
}

impl KeepPolicy {
    /// `InvalidArgument` naming the field of a value that cannot work.
    pub fn validate(&self) -> Result<(), Error> {
        self.race.validate()?;
        for (what, value) in [
            ("warm_window", self.warm_window),
            ("recheck_interval", self.recheck_interval),
            ("recheck_max", self.recheck_max),
            ("retry_max", self.retry_max),
        ] {
            if value.is_zero() || value > Duration::from_secs(86_400) {
                return Err(Error::InvalidArgument {
                    what,
                    detail: "must be more than zero and at most a day".into(),
                });
            }
        }
        Ok(())
    }
}

/// Why the kept connection changed (or was lost).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The first race chose it.
    Started,
    /// The last good connection answered within the warm window.
    WarmStart,
    /// The app reported a failed request, and a new race chose another connection.
    Failover,
    /// A recheck found a better tier answering.
    MovedUp,
    /// The app said the network changed, and a new race chose another connection.
    NetworkChanged,
    /// No connection worked for a while; now one does.
    Recovered,
}

impl Reason {
    /// A stable name for programs: `started`, `warm_start`, `failover`, `moved_up`,
    /// `network_changed`, `recovered`.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::WarmStart => "warm_start",
            Self::Failover => "failover",
            Self::MovedUp => "moved_up",
            Self::NetworkChanged => "network_changed",
            Self::Recovered => "recovered",
        }
    }
}

/// What a [`KeptConnection`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeptEvent {
    /// The connection to use is now `new` (`old` was the one before, if any).
    Changed {
        /// The connection before; `None` at the start and after a loss.
        old: Option<Candidate>,
        /// The connection to use from now on. Its `index` is its rank in the race that chose
        /// it, which may not have raced every connection.
        new: Candidate,
        /// Why.
        why: Reason,
        /// The race that chose it.
        outcome: RaceOutcome,
    },
    /// No connection answered as the server: there is none to use until a later race finds
    /// one (the machine keeps trying, backing off).
    Lost {
        /// The connection before, if any.
        old: Option<Candidate>,
        /// What started the race that found nothing.
        why: Reason,
        /// That race.
        outcome: RaceOutcome,
    },
}

/// Which probe an answer is for: give it back with the answer. Answers to probes of a race
/// that has ended are ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProbeId {
    race: u64,
    candidate: usize,
}

/// A probe to send: `GET {uri}/identity`, without a token.
#[derive(Debug)]
pub struct KeptProbe {
    /// Give it back with the answer.
    pub id: ProbeId,
    /// The request.
    pub request: HttpRequest,
    /// When the race stops waiting for it.
    pub deadline: Instant,
}

#[derive(Clone, Debug)]
enum Phase {
    /// Probing only the last good connection, until `until`.
    Warm { race: ConnectionRace, until: Instant },
    /// A race over every connection.
    Racing { race: ConnectionRace, why: Reason },
    /// A race over the tiers better than the current one.
    Rechecking { race: ConnectionRace },
    /// On a connection; `recheck_at` is when the better tiers are looked at again (`None`:
    /// on the best tier the device has).
    Settled { recheck_at: Option<Instant> },
    /// No connection works; race again at `retry_at`.
    Lost { retry_at: Instant },
}

/// One server's connection, kept right over time, driven by the caller's HTTP stack and clock.
///
/// Drive it like a [`ConnectionRace`] that never ends: send what
/// [`poll_transmit`](Self::poll_transmit) gives, hand back each answer or failure with its
/// [`ProbeId`], call [`handle_timeout`](Self::handle_timeout) at
/// [`poll_timeout`](Self::poll_timeout), and read [`poll_event`](Self::poll_event). Tell it
/// when a request to the current connection failed ([`report_failure`](Self::report_failure))
/// and when the network changed ([`network_changed`](Self::network_changed)).
///
/// ```
/// use std::time::Instant;
/// use plexlink_core::kept::{KeepPolicy, KeptConnection};
/// use plexlink_core::resources::{Connection, Device};
/// use plexlink_core::ClientInfo;
///
/// let device = Device::server("Living Room", "abc123", vec![
///     Connection::new("http", "192.168.1.10", 32400, "http://192.168.1.10:32400", true, false),
/// ]);
/// let info = ClientInfo::new("My Player", "my-app");
/// let now = Instant::now();
/// // The app kept the last good connection: it is probed first, alone.
/// let mut kept = KeptConnection::new(info, device, KeepPolicy::default(), Some("http://192.168.1.10:32400"), now);
/// let probe = kept.poll_transmit(now).unwrap();
/// assert_eq!(probe.request.uri(), "http://192.168.1.10:32400/identity");
/// ```
#[derive(Clone, Debug)]
pub struct KeptConnection {
    info: ClientInfo,
    device: Device,
    policy: KeepPolicy,
    /// The best tier any connection of the device has under the policy.
    best_tier: Option<Tier>,
    current: Option<Candidate>,
    phase: Phase,
    /// Numbers the races, so that an answer to an ended one is recognised.
    race_number: u64,
    rechecks: Backoff,
    retries: Backoff,
    last_outcome: Option<RaceOutcome>,
    events: VecDeque<KeptEvent>,
}

impl KeptConnection {
    /// Starts keeping `device`'s connection at `now`: with `last_good` (a URI the app saved from
    /// an earlier run) it probes that connection alone for [`KeepPolicy::warm_window`] first,
    /// else it races every connection. A `last_good` that is not among the device's
    /// connections any more is ignored.
    pub fn new(info: ClientInfo, device: Device, policy: KeepPolicy, last_good: Option<&str>, now: Instant) -> Self {
        let plan = race::plan(&device, &policy.race);
        let best_tier = plan.candidates.iter().map(|c| c.tier).min();
        let warm = last_good
            .and_then(|uri| plan.candidates.iter().find(|c| c.uri == uri))
            .map(|c| {
                let connection = c.connection.clone();
                narrowed(&device, |other| *other == connection)
            });
        let mut kept = Self {
            rechecks: Backoff::new(policy.recheck_interval, policy.recheck_max),
            retries: Backoff::new(Duration::from_secs(1), policy.retry_max),
            info,
            policy,
            best_tier,
            current: None,
            phase: Phase::Settled { recheck_at: None },
            race_number: 0,
            last_outcome: None,
            events: VecDeque::new(),
            device,
        };
        kept.phase = match warm {
            Some(device) => Phase::Warm {
                race: kept.new_race(&device, now),
                // An unvalidated policy must not overflow the clock: a day is the longest window.
                until: now + policy.warm_window.min(Duration::from_secs(86_400)),
            },
            None => kept.racing(Reason::Started, now),
        };
        kept.advance(now);
        kept
    }

    /// The connection to use now; `None` before the first race chose one and while none works.
    #[must_use]
    pub fn current(&self) -> Option<&Candidate> {
        self.current.as_ref()
    }

    /// The device this keeps a connection to.
    #[must_use]
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The outcome of the last race that ended (every candidate's result).
    #[must_use]
    pub fn last_outcome(&self) -> Option<&RaceOutcome> {
        self.last_outcome.as_ref()
    }

    /// True while a race over every connection (or the warm probe) is running: there is no
    /// settled answer yet.
    #[must_use]
    pub fn is_racing(&self) -> bool {
        matches!(self.phase, Phase::Warm { .. } | Phase::Racing { .. })
    }

    /// The next probe to send.
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant) -> Option<KeptProbe> {
        // The race applies its timers due by `now` before it sends anything; applied here, before
        // `advance`, a race they decide moves the machine on (a loss, a new race) instead of
        // leaving it on a decided race with no timer, waiting for nothing.
        if let Some(race) = self.race_mut() {
            race.handle_timeout(now);
        }
        self.advance(now);
        let number = self.race_number;
        let probe = self.race_mut()?.poll_transmit(now)?;
        Some(KeptProbe {
            id: ProbeId {
                race: number,
                candidate: probe.candidate,
            },
            request: probe.request,
            deadline: probe.deadline,
        })
    }

    /// The answer to a probe.
    pub fn handle_response(&mut self, now: Instant, probe: ProbeId, response: HttpResponse) {
        if probe.race == self.race_number {
            if let Some(race) = self.race_mut() {
                race.handle_response(now, probe.candidate, response);
            }
        }
        self.advance(now);
    }

    /// A probe that got no answer.
    pub fn handle_failure(&mut self, now: Instant, probe: ProbeId, error: Error) {
        if probe.race == self.race_number {
            if let Some(race) = self.race_mut() {
                race.handle_failure(now, probe.candidate, error);
            }
        }
        self.advance(now);
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.phase {
            Phase::Warm { race, until } => Some(race.poll_timeout().map_or(*until, |at| at.min(*until))),
            Phase::Racing { race, .. } | Phase::Rechecking { race } => race.poll_timeout(),
            Phase::Settled { recheck_at } => *recheck_at,
            Phase::Lost { retry_at } => Some(*retry_at),
        }
    }

    /// Applies the timers due by `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(race) = self.race_mut() {
            race.handle_timeout(now);
        }
        self.advance(now);
    }

    /// The next event, oldest first.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<KeptEvent> {
        self.events.pop_front()
    }

    /// A request to the current connection failed at the transport level (or the app thinks
    /// it is gone): race every connection again. Reports while a race runs start nothing more.
    pub fn report_failure(&mut self, now: Instant) {
        if !self.is_racing() {
            self.phase = self.racing(Reason::Failover, now);
            self.advance(now);
        }
    }

    /// The network changed (another Wi-Fi, a VPN, the laptop woke up): race every connection
    /// now, and look at better tiers at the first interval again.
    pub fn network_changed(&mut self, now: Instant) {
        self.rechecks.reset();
        self.retries.reset();
        if !self.is_racing() {
            self.phase = self.racing(Reason::NetworkChanged, now);
            self.advance(now);
        }
    }

    fn race_mut(&mut self) -> Option<&mut ConnectionRace> {
        match &mut self.phase {
            Phase::Warm { race, .. } | Phase::Racing { race, .. } | Phase::Rechecking { race } => Some(race),
            Phase::Settled { .. } | Phase::Lost { .. } => None,
        }
    }

    fn new_race(&mut self, device: &Device, now: Instant) -> ConnectionRace {
        self.race_number += 1;
        ConnectionRace::new(self.info.clone(), device, self.policy.race, now)
    }

    fn racing(&mut self, why: Reason, now: Instant) -> Phase {
        let device = self.device.clone();
        Phase::Racing {
            race: self.new_race(&device, now),
            why,
        }
    }

    /// Moves on from whatever the current phase has come to by `now`.
    fn advance(&mut self, now: Instant) {
        // Each step ends a phase; a new race may be decided at once (no candidate), hence the loop.
        for _ in 0..8 {
            let next = match &self.phase {
                Phase::Warm { race, until } => match race.winner() {
                    Some(Ok(winner)) => {
                        let (winner, outcome) = (winner.clone(), race.outcome().cloned());
                        self.change(winner, Reason::WarmStart, outcome, now);
                        // The warm start skipped the race: if better tiers exist, look at them now.
                        Phase::Settled {
                            recheck_at: self.better_exists().then_some(now),
                        }
                    }
                    Some(Err(_)) => self.racing(Reason::Started, now),
                    None if now >= *until => self.racing(Reason::Started, now),
                    None => return,
                },
                Phase::Racing { race, why } => {
                    let why = *why;
                    match race.winner() {
                        None => return,
                        Some(Ok(winner)) => {
                            let (winner, outcome) = (winner.clone(), race.outcome().cloned());
                            self.retries.reset();
                            self.change(winner, why, outcome, now);
                            self.settled(now, false)
                        }
                        Some(Err(_)) => {
                            let outcome = race.outcome().cloned().unwrap_or_default();
                            self.last_outcome = Some(outcome.clone());
                            let old = self.current.take();
                            self.events.push_back(KeptEvent::Lost { old, why, outcome });
                            let wait = self.retries.after(&Error::Cancelled);
                            Phase::Lost { retry_at: now + wait }
                        }
                    }
                }
                Phase::Rechecking { race } => match race.winner() {
                    None => return,
                    Some(Ok(winner)) => {
                        let (winner, outcome) = (winner.clone(), race.outcome().cloned());
                        self.change(winner, Reason::MovedUp, outcome, now);
                        self.settled(now, false)
                    }
                    // Nothing better answers: keep the current one, look again later.
                    Some(Err(_)) => self.settled(now, true),
                },
                Phase::Settled { recheck_at: Some(at) } if now >= *at => match self.better_device() {
                    Some(device) => Phase::Rechecking {
                        race: self.new_race(&device, now),
                    },
                    None => Phase::Settled { recheck_at: None },
                },
                Phase::Lost { retry_at } if now >= *retry_at => self.racing(Reason::Recovered, now),
                Phase::Settled { .. } | Phase::Lost { .. } => return,
            };
            self.phase = next;
        }
    }

    /// Settled on the current connection: the next recheck, if a better tier exists. After a
    /// recheck that found nothing the interval backs off; after a change it starts again.
    fn settled(&mut self, now: Instant, found_nothing: bool) -> Phase {
        if !found_nothing {
            self.rechecks.reset();
        }
        let recheck_at = self
            .better_exists()
            .then(|| now + self.rechecks.after(&Error::Cancelled));
        Phase::Settled { recheck_at }
    }

    fn change(&mut self, new: Candidate, why: Reason, outcome: Option<RaceOutcome>, _now: Instant) {
        let outcome = outcome.unwrap_or_default();
        self.last_outcome = Some(outcome.clone());
        if self.current.as_ref().is_some_and(|old| old.uri == new.uri) {
            // The same connection won again: nothing changed for the app.
            self.current = Some(new);
            return;
        }
        let old = self.current.replace(new.clone());
        self.events.push_back(KeptEvent::Changed { old, new, why, outcome });
    }

    fn better_exists(&self) -> bool {
        match (&self.current, self.best_tier) {
            (Some(current), Some(best)) => best < current.tier,
            _ => false,
        }
    }

    /// The device with only the connections of a better tier than the current one.
    fn better_device(&self) -> Option<Device> {
        let current = self.current.as_ref()?.tier;
        let plan = race::plan(&self.device, &self.policy.race);
        let better: Vec<_> = plan
            .candidates
            .iter()
            .filter(|c| c.tier < current)
            .map(|c| c.connection.clone())
            .collect();
        (!better.is_empty()).then(|| narrowed(&self.device, |c| better.contains(c)))
    }
}

/// `device` with only the connections `keep` accepts.
fn narrowed(device: &Device, keep: impl Fn(&crate::resources::Connection) -> bool) -> Device {
    let mut device = device.clone();
    device.connections.retain(|c| keep(c));
    device
}

#[cfg(test)]
mod tests;
