//! The kept connection on a simulated network and clock: each connection's behaviour can change
//! while the machine runs, and every probe is counted.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::*;
use crate::TransportErrorKind;
use crate::resources::Connection;

const ID: &str = "machine-abc";
const LOCAL: &str = "https://192.168.1.10:32400";
const REMOTE: &str = "https://203.0.113.5:32400";
const RELAY: &str = "https://198.51.100.7:8443";

#[derive(Clone, Copy, Debug)]
enum Net {
    /// Answers as the server after this long.
    Good(u64),
    /// Refuses at once.
    Dead,
    /// Never answers.
    Blackhole,
}

fn device() -> Device {
    let connection = |uri: &str, local, relay| {
        let host = uri.trim_start_matches("https://");
        let (address, port) = host.split_once(':').unwrap();
        Connection::new("https", address, port.parse().unwrap(), uri, local, relay)
    };
    Device::server(
        "Living Room",
        ID,
        vec![
            connection(RELAY, false, true),
            connection(REMOTE, false, false),
            connection(LOCAL, true, false),
        ],
    )
}

fn policy() -> KeepPolicy {
    KeepPolicy {
        recheck_interval: Duration::from_secs(60),
        recheck_max: Duration::from_secs(240),
        ..KeepPolicy::default()
    }
}

/// The machine, a simulated network and clock.
struct World {
    kept: KeptConnection,
    start: Instant,
    now: Instant,
    net: HashMap<&'static str, Net>,
    /// Answers on their way: when, to which probe, what.
    flying: Vec<(Instant, ProbeId, Option<&'static str>)>,
    /// Every probe sent: when (since the start) and to which URI.
    probes: Vec<(Duration, String)>,
    events: Vec<(Duration, KeptEvent)>,
}

impl World {
    fn new(net: &[(&'static str, Net)], last_good: Option<&str>) -> Self {
        let start = Instant::now();
        let info = ClientInfo::new("My Player", "my-app");
        Self {
            kept: KeptConnection::new(info, device(), policy(), last_good, start),
            start,
            now: start,
            net: net.iter().copied().collect(),
            flying: Vec::new(),
            probes: Vec::new(),
            events: Vec::new(),
        }
    }

    fn set(&mut self, uri: &'static str, behaviour: Net) {
        self.net.insert(uri, behaviour);
    }

    fn secs(&self) -> Duration {
        self.now - self.start
    }

    /// Runs the machine and the network until `at` (since the start).
    fn run_until(&mut self, at: Duration) {
        let until = self.start + at;
        loop {
            while let Some(probe) = self.kept.poll_transmit(self.now) {
                let uri = probe.request.uri().to_string();
                let base = uri.trim_end_matches("/identity").to_owned();
                self.probes.push((self.secs(), base.clone()));
                let key = self.net.keys().copied().find(|k| *k == base).expect("a known URI");
                match self.net[key] {
                    Net::Good(ms) => self
                        .flying
                        .push((self.now + Duration::from_millis(ms), probe.id, Some(key))),
                    Net::Dead => self.flying.push((self.now, probe.id, None)),
                    Net::Blackhole => {}
                }
            }
            self.collect();
            let next_answer = self.flying.iter().map(|(at, ..)| *at).min();
            let next = [self.kept.poll_timeout(), next_answer].into_iter().flatten().min();
            match next {
                Some(next) if next <= until => {
                    self.now = self.now.max(next);
                    let (due, later): (Vec<_>, Vec<_>) = self.flying.drain(..).partition(|(at, ..)| *at <= self.now);
                    self.flying = later;
                    for (_, id, answer) in due {
                        match answer {
                            Some(_) => {
                                let body = format!(r#"{{"MediaContainer":{{"machineIdentifier":"{ID}"}}}}"#);
                                let response = http::Response::builder().status(200).body(body.into_bytes()).unwrap();
                                self.kept.handle_response(self.now, id, response);
                            }
                            None => self.kept.handle_failure(
                                self.now,
                                id,
                                Error::Transport {
                                    kind: TransportErrorKind::Connect,
                                    detail: "refused".into(),
                                },
                            ),
                        }
                    }
                    self.kept.handle_timeout(self.now);
                }
                _ => {
                    self.now = self.now.max(until);
                    self.kept.handle_timeout(self.now);
                    self.collect();
                    return;
                }
            }
        }
    }

    fn collect(&mut self) {
        while let Some(event) = self.kept.poll_event() {
            self.events.push((self.now - self.start, event));
        }
    }

    fn current(&self) -> Option<&str> {
        self.kept.current().map(|c| c.uri.as_str())
    }

    fn changes(&self) -> Vec<(Reason, &str)> {
        self.events
            .iter()
            .filter_map(|(_, e)| match e {
                KeptEvent::Changed { new, why, .. } => Some((*why, new.uri.as_str())),
                KeptEvent::Lost { .. } => None,
            })
            .collect()
    }

    fn probes_to(&self, uri: &str, from: Duration, to: Duration) -> usize {
        self.probes
            .iter()
            .filter(|(at, u)| u == uri && *at >= from && *at < to)
            .count()
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn a_cold_start_races_and_then_stays_quiet_on_the_best_tier() {
    let mut w = World::new(
        &[(LOCAL, Net::Good(2)), (REMOTE, Net::Good(40)), (RELAY, Net::Good(90))],
        None,
    );
    w.run_until(secs(3600));
    assert_eq!(w.changes(), [(Reason::Started, LOCAL)]);
    assert_eq!(w.current(), Some(LOCAL));
    // One probe each for the race, then nothing for an hour: the best tier needs no recheck.
    assert_eq!(w.probes.len(), 3);
    assert_eq!(w.kept.poll_timeout(), None);
}

#[test]
fn a_warm_start_takes_the_last_connection_as_it_answers() {
    let mut w = World::new(
        &[(LOCAL, Net::Good(3)), (REMOTE, Net::Good(40)), (RELAY, Net::Good(90))],
        Some(LOCAL),
    );
    w.run_until(secs(10));
    assert_eq!(w.changes(), [(Reason::WarmStart, LOCAL)]);
    // At its answer, not after a grace window or a race.
    assert_eq!(w.events[0].0, ms(3));
    assert_eq!(w.probes.len(), 1);
}

#[test]
fn a_dead_last_connection_costs_one_warm_window_then_a_race() {
    let mut w = World::new(
        &[(LOCAL, Net::Good(3)), (REMOTE, Net::Blackhole), (RELAY, Net::Good(90))],
        Some(REMOTE),
    );
    w.run_until(secs(10));
    assert_eq!(w.changes(), [(Reason::Started, LOCAL)]);
    assert_eq!(w.events[0].0, ms(300 + 3), "the warm window, then the local answer");
}

#[test]
fn a_warm_start_on_a_worse_tier_looks_for_a_better_one_at_once() {
    let mut w = World::new(
        &[(LOCAL, Net::Good(3)), (REMOTE, Net::Good(20)), (RELAY, Net::Good(90))],
        Some(REMOTE),
    );
    w.run_until(secs(10));
    assert_eq!(w.changes(), [(Reason::WarmStart, REMOTE), (Reason::MovedUp, LOCAL)]);
    assert_eq!(w.events[1].0, ms(23));
}

#[test]
fn a_reported_failure_fails_over_once_however_many_reports() {
    let mut w = World::new(
        &[(LOCAL, Net::Good(2)), (REMOTE, Net::Good(40)), (RELAY, Net::Good(90))],
        None,
    );
    w.run_until(secs(1));
    w.set(LOCAL, Net::Dead);
    let before = w.probes.len();
    for _ in 0..10 {
        w.kept.report_failure(w.now);
    }
    w.run_until(secs(2));
    assert_eq!(w.changes(), [(Reason::Started, LOCAL), (Reason::Failover, REMOTE)]);
    assert_eq!(w.probes.len() - before, 3, "one race for ten reports");
    assert!(matches!(&w.events[1].1, KeptEvent::Changed { old: Some(old), .. } if old.uri == LOCAL));
}

#[test]
fn on_a_worse_tier_it_rechecks_each_interval_with_back_off_and_moves_up_when_lan_returns() {
    let mut w = World::new(
        &[(LOCAL, Net::Dead), (REMOTE, Net::Good(40)), (RELAY, Net::Good(90))],
        None,
    );
    w.run_until(secs(600));
    assert_eq!(w.changes(), [(Reason::Started, REMOTE)]);
    // Settled at 40 ms (the remote answer), then rechecks of the local connection only, 60, 120,
    // 240 s apart (and 240 s after that): never more than one a minute, and the remote one is
    // not probed again while it works.
    let rechecks: Vec<u64> = w.probes.iter().skip(3).map(|(at, _)| at.as_secs()).collect();
    assert_eq!(rechecks, [60, 180, 420]);
    assert!(w.probes.iter().skip(3).all(|(_, uri)| uri == LOCAL));
    // The LAN server comes back: taken at the next recheck, within one interval.
    w.set(LOCAL, Net::Good(2));
    w.run_until(secs(700));
    assert_eq!(w.changes(), [(Reason::Started, REMOTE), (Reason::MovedUp, LOCAL)]);
    assert_eq!(w.events[1].0, ms(40) + secs(660) + ms(2));
    // On the best tier now: no more rechecks.
    w.run_until(secs(4000));
    assert_eq!(w.probes_to(LOCAL, secs(661), secs(4000)), 0);
}

#[test]
fn a_changed_network_races_at_once_and_resets_the_recheck_interval() {
    let mut w = World::new(
        &[(LOCAL, Net::Dead), (REMOTE, Net::Good(40)), (RELAY, Net::Good(90))],
        None,
    );
    w.run_until(secs(500));
    w.set(LOCAL, Net::Good(2));
    w.kept.network_changed(w.now);
    w.run_until(secs(501));
    assert_eq!(
        w.changes(),
        [(Reason::Started, REMOTE), (Reason::NetworkChanged, LOCAL)]
    );
}

#[test]
fn when_nothing_answers_it_reports_the_loss_and_retries_with_back_off() {
    let mut w = World::new(&[(LOCAL, Net::Good(2)), (REMOTE, Net::Dead), (RELAY, Net::Dead)], None);
    w.run_until(secs(1));
    w.set(LOCAL, Net::Dead);
    w.kept.report_failure(w.now);
    w.run_until(secs(20));
    assert!(matches!(
        &w.events[1].1,
        KeptEvent::Lost {
            why: Reason::Failover,
            old: Some(_),
            ..
        }
    ));
    assert_eq!(w.current(), None);
    // Retries at 1, 2, 4, 8 s after each loss: races at about 2, 4, 8, 16 s.
    let races: Vec<u64> = w
        .probes
        .iter()
        .filter(|(_, u)| u == LOCAL)
        .map(|(at, _)| at.as_secs())
        .collect();
    assert_eq!(races, [0, 1, 2, 4, 8, 16]);
    w.set(REMOTE, Net::Good(30));
    w.run_until(secs(60));
    let last = w.changes().last().copied();
    assert_eq!(last, Some((Reason::Recovered, REMOTE)));
}

#[test]
fn answers_to_an_ended_race_are_ignored() {
    let mut w = World::new(
        &[(LOCAL, Net::Good(2)), (REMOTE, Net::Good(40)), (RELAY, Net::Good(90))],
        None,
    );
    w.run_until(secs(1));
    // The first race's probe to the local connection, candidate 0, answered again later.
    let stale = ProbeId { race: 1, candidate: 0 };
    assert_eq!(w.current(), Some(LOCAL));
    w.set(LOCAL, Net::Blackhole);
    w.kept.report_failure(w.now);
    // The new race's probes go out; the local one never answers.
    w.run_until(secs(1));
    // The late answer names candidate 0 (the local connection) of a race that has ended: were it
    // taken for the new race's pending candidate 0, the silent local connection would win again.
    let body = format!(r#"{{"MediaContainer":{{"machineIdentifier":"{ID}"}}}}"#);
    let response = http::Response::builder().status(200).body(body.into_bytes()).unwrap();
    w.kept.handle_response(w.now, stale, response);
    w.run_until(secs(30));
    assert_eq!(w.changes(), [(Reason::Started, LOCAL), (Reason::Failover, REMOTE)]);
}

#[test]
fn a_last_good_uri_that_is_gone_is_ignored_and_bad_policies_are_refused() {
    let mut w = World::new(
        &[(LOCAL, Net::Good(2)), (REMOTE, Net::Good(40)), (RELAY, Net::Good(90))],
        Some("https://10.9.9.9:1"),
    );
    w.run_until(secs(1));
    assert_eq!(w.changes(), [(Reason::Started, LOCAL)]);
    let bad = KeepPolicy {
        recheck_interval: Duration::ZERO,
        ..KeepPolicy::default()
    };
    assert!(matches!(
        bad.validate(),
        Err(Error::InvalidArgument {
            what: "recheck_interval",
            ..
        })
    ));
    assert!(KeepPolicy::default().validate().is_ok());
    assert_eq!(Reason::MovedUp.as_str(), "moved_up");
}

#[test]
fn probes_that_time_out_before_the_next_poll_transmit_still_end_the_race() {
    // Found by the `kept` fuzz target: the driver's first call after every probe's deadline is
    // poll_transmit (a host that woke from sleep and said the network changed while racing).
    let start = Instant::now();
    let mut kept = KeptConnection::new(ClientInfo::new("My Player", "my-app"), device(), policy(), None, start);
    while kept.poll_transmit(start).is_some() {}
    let now = start + secs(6);
    kept.network_changed(now);
    assert!(kept.poll_transmit(now).is_none());
    // The race is over without a winner: the loss is reported and a retry is set, else a
    // driver that waits for the timer waits forever.
    assert!(matches!(kept.poll_event(), Some(KeptEvent::Lost { .. })));
    assert!(kept.poll_timeout().is_some_and(|at| at > now));
}

#[test]
fn an_unvalidated_policy_does_not_panic() {
    let policy = KeepPolicy {
        warm_window: Duration::MAX,
        recheck_interval: Duration::MAX,
        recheck_max: Duration::MAX,
        retry_max: Duration::MAX,
        ..KeepPolicy::default()
    };
    assert!(policy.validate().is_err());
    let now = Instant::now();
    let mut kept = KeptConnection::new(ClientInfo::new("P", "id"), device(), policy, Some(LOCAL), now);
    assert!(kept.poll_transmit(now).is_some());
    kept.report_failure(now);
    kept.network_changed(now);
}
