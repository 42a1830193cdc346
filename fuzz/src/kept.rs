//! Target `kept`: a [`KeptConnection`] over a server whose connections the input makes (LAN,
//! public, carrier-NAT, IPv6, loopback and named hosts; https, http and plex.direct; some flagged
//! relay) or reads from a resources answer that follows the script, with or without a last good
//! URI (a candidate, a skipped connection or one the device does not have), under a fuzz-chosen
//! [`KeepPolicy`] (one that does not validate is not run), driven by a fuzz-chosen script: a
//! probe is asked for, a pending probe gets an answer (the server, another server, 401,
//! something that is not `/identity`) or a failure (a transport error, a timeout), time passes,
//! the timer fires, the app reports a failure or a network change, a probe of an ended race is
//! answered late. At the end no probe is ever answered again while the timers fire.
//!
//! Asserts, beyond not panicking:
//! - a probe is `GET {candidate}/identity` of a candidate of the device's plan (or an http twin
//!   a race over fewer connections makes: [`World::planned`]), without a token, with the
//!   policy's timeout; no URI twice in one race; races only start, never come back;
//! - the warm start probes the last good connection alone;
//! - a probe sent while not racing (a recheck) is of a candidate of a better tier than the
//!   current one, and comes at least one recheck interval after that candidate's last probe
//!   (where its URI is that candidate's alone);
//! - [`current`](KeptConnection::current) is `None` or such a candidate; it
//!   changes only with an event; a `Changed` event's `old` is the current connection before it
//!   and its `new` the one after, won by the race it carries; `Lost` leaves no connection;
//!   `Started` and `WarmStart` come first, `MovedUp` only to a better tier, `Recovered` only
//!   from none;
//! - the timer: after `handle_timeout(now)` (and after any call that hands the machine `now`)
//!   it is `None` or later than `now`, so that a driver that waits for it never spins; when
//!   the machine has nothing to send and no timer, it is settled on the best tier there is
//!   (else a driver that waits for it would wait forever);
//! - `report_failure` while a race runs changes nothing (no second race), and after it when
//!   none runs, a race over every connection starts;
//! - an answer or a failure for a probe of an ended race changes nothing at all;
//! - the whole script takes time linear in its length times the device's size
//!   ([`check::linear`]).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use arbitrary::{Arbitrary, Unstructured};
use plexlink_core::kept::{KeepPolicy, KeptConnection, KeptEvent, KeptProbe, ProbeId, Reason};
use plexlink_core::race::{self, Candidate, Plan, Tier};
use plexlink_core::resources::{self, Connection, Device};
use plexlink_core::{ClientInfo, Error, HttpResponse, TransportErrorKind, server};

use crate::check;
use crate::clock::{self, Jump};
use crate::connection_race::{HASH, Race, SERVER_ID, identity};
use crate::jwt::answer;

/// A last good URI that no device here has.
const GONE: &str = "https://10.9.9.9:1";
/// Enough connections for every tier, scheme and duplicate; a step costs time in proportion to
/// them, and the time budget is scaled by them.
const MAX_CONNECTIONS: usize = 12;
/// A late answer is for one of the last probes sent: enough to reach back a few races.
const STALE_REACH: usize = 32;

pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(script) = Script::arbitrary(&mut u) else {
        return;
    };
    let Some(world) = World::new(&script, u.take_rest()) else {
        return;
    };
    // Each step may cost time in proportion to the device (a race plans every connection), so
    // the budget is linear in the input times the device's size.
    let scale = world.device.connections.len() + 1;
    check::linear("the kept connection", data.len().saturating_mul(scale), || {
        world.play(&script.steps)
    });
}

/// The script an input stands for, as text.
pub fn describe(data: &[u8]) -> String {
    let mut u = Unstructured::new(data);
    let script = Script::arbitrary(&mut u);
    format!(
        "{script:#?}\n\nthe rest (a resources answer for `DeviceSource::Answer`):\n{}",
        String::from_utf8_lossy(u.take_rest())
    )
}

/// The input: read with [`Arbitrary::arbitrary`] (not `take_rest`), so that the bytes after the
/// steps can hold a resources answer as text.
#[derive(Arbitrary, Debug)]
struct Script {
    policy: Policy,
    device: DeviceSource,
    /// An index into the candidates' URIs, then the skipped connections' URIs, then [`GONE`].
    last_good: Option<u8>,
    steps: Vec<Step>,
}

#[derive(Arbitrary, Debug)]
struct Policy {
    race: Race,
    warm_window: Span,
    recheck_interval: Span,
    recheck_max: Span,
    retry_max: Span,
}

/// A duration of the keep policy: milliseconds, so that rechecks and retries come within a few
/// steps, or seconds, as an app sets them. Zero is invalid and skipped.
#[derive(Arbitrary, Clone, Copy, Debug)]
enum Span {
    Millis(u16),
    Secs(u16),
}

impl Span {
    fn duration(self) -> Duration {
        match self {
            Self::Millis(ms) => Duration::from_millis(ms.into()),
            Self::Secs(s) => Duration::from_secs(s.into()),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum DeviceSource {
    /// `Device::server` over connections made with `Connection::new`.
    Built {
        owned: bool,
        https_required: bool,
        public_address_matches: bool,
        connections: Vec<Conn>,
    },
    /// The first device of the resources answer (status 200) that follows the script.
    Answer,
}

#[derive(Arbitrary, Debug)]
struct Conn {
    address: Address,
    scheme: Scheme,
    /// 8443 rather than 32400.
    other_port: bool,
    local: bool,
    relay: bool,
}

/// Few addresses, so that the same one comes back under another scheme or flag.
#[derive(Arbitrary, Clone, Copy, Debug)]
enum Address {
    Lan(u8),
    Public(u8),
    CarrierNat(u8),
    V6Lan(u8),
    V6Public(u8),
    Loopback,
    /// A host name: its tier is its `local` flag.
    Name(u8),
}

#[derive(Arbitrary, Clone, Copy, Debug)]
enum Scheme {
    Https,
    Http,
    PlexDirect,
    /// A URI no request can be built for (skipped by the plan).
    Junk,
}

impl Conn {
    fn connection(&self) -> Connection {
        let n = |k: u8| k % 4 + 1;
        let (address, host, label) = match self.address {
            Address::Lan(k) => {
                let a = format!("192.168.1.{}", n(k));
                (a.clone(), a.clone(), a.replace('.', "-"))
            }
            Address::Public(k) => {
                let a = format!("203.0.113.{}", n(k));
                (a.clone(), a.clone(), a.replace('.', "-"))
            }
            Address::CarrierNat(k) => {
                let a = format!("100.64.0.{}", n(k));
                (a.clone(), a.clone(), a.replace('.', "-"))
            }
            Address::V6Lan(k) => {
                let a = format!("fd00::{}", n(k));
                (a.clone(), format!("[{a}]"), format!("fd00-0-0-0-0-0-0-{}", n(k)))
            }
            Address::V6Public(k) => {
                let a = format!("2001:db8::{}", n(k));
                (a.clone(), format!("[{a}]"), format!("2001-db8-0-0-0-0-0-{}", n(k)))
            }
            Address::Loopback => ("127.0.0.1".into(), "127.0.0.1".into(), "127-0-0-1".into()),
            Address::Name(k) => (String::new(), format!("nas-{}.example.com", n(k)), String::new()),
        };
        let port = if self.other_port { 8443 } else { 32400 };
        let (protocol, uri) = match self.scheme {
            Scheme::Https => ("https", format!("https://{host}:{port}")),
            Scheme::Http => ("http", format!("http://{host}:{port}")),
            Scheme::PlexDirect if !label.is_empty() => ("https", format!("https://{label}.{HASH}.plex.direct:{port}")),
            Scheme::PlexDirect => ("https", format!("https://{host}:{port}")),
            Scheme::Junk => ("https", format!("https://{host}:{port}:junk")),
        };
        Connection::new(protocol, &address, port, &uri, self.local, self.relay)
    }
}

#[derive(Arbitrary, Debug)]
enum Step {
    /// `poll_transmit` once.
    Transmit,
    /// The answer to one of the probes sent and not yet answered (of any race).
    Answer {
        to: u8,
        reply: Reply,
    },
    /// Time passes without a call.
    Wait(Jump),
    /// The clock goes to the machine's timer (if any), then further, and `handle_timeout`.
    Timer(Jump),
    ReportFailure,
    NetworkChanged,
    /// An answer (again) to one of the last probes sent, when its race has ended.
    Late {
        to: u8,
        reply: Reply,
    },
}

#[derive(Arbitrary, Debug)]
enum Reply {
    /// `/identity` of the server.
    Good,
    /// `/identity` of another server.
    WrongMachine(u8),
    Unauthorized,
    /// Not `/identity`: garbage, no identifier, a 5xx, an HTML 404.
    Malformed(u8),
    /// A transport error: DNS, connect, TLS, other.
    Failed(u8),
    /// The I/O layer's timeout, as a transport error or its own.
    TimedOut(bool),
}

/// What a script plays against: the device, the policy, and what they imply.
struct World {
    device: Device,
    policy: KeepPolicy,
    last_good: Option<String>,
    /// The device's plan under the policy.
    plan: Plan,
    /// Every candidate a race of the machine may hold: the plan's, and the http twins a race
    /// over fewer connections makes (the warm start's, a recheck's). A twin whose URI the plan
    /// gives to a listed connection is dropped from the plan, but not from a race without that
    /// connection: then one URI is two candidates, of two tiers (reported; a plain-http
    /// connection flagged relay, or a loopback one, at the address and port of a plex.direct
    /// one).
    planned: Vec<Candidate>,
    /// By probe request URI (the candidate's URI as the request normalizes it), its candidates.
    by_request: HashMap<String, Vec<Candidate>>,
    /// The best tier of the plan.
    best: Option<Tier>,
    /// With a last good URI among the candidates: the request URIs of its connection's
    /// candidates (the warm start probes that connection alone).
    warm: Option<HashSet<String>>,
}

/// What a script did, for the seeds' test: each event's reason and new URI (`None`: lost).
pub type Summary = Vec<(Reason, Option<String>)>;

fn info() -> ClientInfo {
    ClientInfo::new("Fuzz Player", "fuzz-app")
}

/// The request URI of the probe of `uri`, as text.
fn request_uri(uri: &str) -> Option<String> {
    server::identity_request(&info(), uri).ok().map(|r| r.uri().to_string())
}

impl World {
    fn new(script: &Script, tail: &[u8]) -> Option<Self> {
        let p = &script.policy;
        let policy = KeepPolicy {
            race: p.race.policy(),
            warm_window: p.warm_window.duration(),
            recheck_interval: p.recheck_interval.duration(),
            recheck_max: p.recheck_max.duration(),
            retry_max: p.retry_max.duration(),
        };
        // The machine documents no behaviour for a policy that does not validate: the apps'
        // layers validate first.
        policy.validate().ok()?;
        let mut device = match &script.device {
            DeviceSource::Built {
                owned,
                https_required,
                public_address_matches,
                connections,
            } => {
                let connections = connections.iter().take(MAX_CONNECTIONS).map(Conn::connection).collect();
                let mut device = Device::server("Fuzz Server", SERVER_ID, connections);
                device.owned = *owned;
                device.https_required = *https_required;
                device.public_address_matches = *public_address_matches;
                device
            }
            DeviceSource::Answer => {
                let answer = http::Response::builder().status(200).body(tail.to_vec()).ok()?;
                resources::parse_resources(&answer).ok()?.into_iter().next()?
            }
        };
        device.connections.truncate(MAX_CONNECTIONS);
        let plan = race::plan(&device, &policy.race);
        // A race over some connections plans each as the plan of that connection alone does,
        // but for duplicates: the twins of each connection alone are all it can add.
        let mut planned = plan.candidates.clone();
        for connection in &device.connections {
            let mut alone = device.clone();
            alone.connections = vec![connection.clone()];
            for c in race::plan(&alone, &policy.race).candidates {
                if !planned.iter().any(|p| same(p, &c)) {
                    planned.push(c);
                }
            }
        }
        let mut by_request: HashMap<String, Vec<Candidate>> = HashMap::new();
        for c in &planned {
            let uri = request_uri(&c.uri).unwrap_or_else(|| panic!("the candidate {:?} cannot be probed", c.uri));
            by_request.entry(uri).or_default().push(c.clone());
        }
        let best = plan.candidates.iter().map(|c| c.tier).min();
        let last_good = script.last_good.map(|i| {
            let uris: Vec<&str> = plan
                .candidates
                .iter()
                .map(|c| c.uri.as_str())
                .chain(plan.skipped.iter().map(|(c, _)| c.uri.as_str()))
                .chain([GONE])
                .collect();
            uris[usize::from(i) % uris.len()].to_owned()
        });
        // "A last_good that is not among the device's connections any more is ignored"; one
        // that is, is probed alone: its connection's own candidates.
        let warm = last_good
            .as_deref()
            .and_then(|uri| plan.candidates.iter().find(|c| c.uri == uri))
            .map(|c| {
                let mut alone = device.clone();
                alone.connections.retain(|other| *other == c.connection);
                race::plan(&alone, &policy.race)
                    .candidates
                    .iter()
                    .filter_map(|c| request_uri(&c.uri))
                    .collect()
            });
        Some(Self {
            device,
            policy,
            last_good,
            plan,
            planned,
            by_request,
            best,
            warm,
        })
    }

    fn play(&self, steps: &[Step]) -> Summary {
        let start = clock::origin();
        let kept = KeptConnection::new(
            info(),
            self.device.clone(),
            self.policy,
            self.last_good.as_deref(),
            start,
        );
        let first_race = race_number(&kept);
        let mut h = Harness {
            world: self,
            kept,
            now: start,
            first_race,
            sent: Vec::new(),
            pending: Vec::new(),
            race: 0,
            probed: HashSet::new(),
            last_probe: HashMap::new(),
            summary: Vec::new(),
        };
        h.check_current(None);
        h.check_timer("new");
        for step in steps {
            h.step(step);
        }
        // Nothing answers any more: every probe goes out and every timer fires, a while. The
        // machine keeps racing and backing off, never spinning and never stalling.
        for _ in 0..8 {
            while h.transmit() {}
            let Some(at) = h.kept.poll_timeout() else {
                break;
            };
            h.now = h.now.max(at);
            h.call("handle_timeout", KeptConnection::handle_timeout);
        }
        h.summary
    }
}

/// A probe sent.
struct Sent {
    id: ProbeId,
    race: u64,
}

/// The machine and what its driver has seen of it.
struct Harness<'w> {
    world: &'w World,
    kept: KeptConnection,
    now: Instant,
    /// The number of the race `new` started (the warm one, with a last good URI).
    first_race: u64,
    sent: Vec<Sent>,
    /// Indexes into `sent` of the probes not answered yet.
    pending: Vec<usize>,
    /// The race of the last probe sent, and the request URIs it probed.
    race: u64,
    probed: HashSet<String>,
    /// By request URI, when it was last probed.
    last_probe: HashMap<String, Instant>,
    summary: Summary,
}

/// The race a probe belongs to. `ProbeId` keeps it private and offers only equality; its
/// `Debug` is the one window on it, and the target needs it to tell an ended race's probe.
fn race_of(id: ProbeId) -> u64 {
    let text = format!("{id:?}");
    number_after(&text, "race: ").unwrap_or_else(|| panic!("no race in {text}"))
}

/// The number of the machine's latest race, read from its `Debug` (as [`race_of`]).
fn race_number(kept: &KeptConnection) -> u64 {
    let text = format!("{kept:?}");
    number_after(&text, "race_number: ").unwrap_or_else(|| panic!("no race_number in {text}"))
}

/// The number after the first `key` outside the string literals of a `Debug` text: the
/// device's names and URIs are the input's, and may hold the key themselves. `Debug` escapes
/// `"` and `\` inside a string, so an unescaped `"` opens or closes one.
fn number_after(text: &str, key: &str) -> Option<u64> {
    let mut in_string = false;
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if let Some(rest) = text[at..].strip_prefix(key) {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            return digits.parse().ok();
        }
    }
    None
}

/// Two candidates are the same connection: all but `index`, which is the rank in the race that
/// chose it.
fn same(a: &Candidate, b: &Candidate) -> bool {
    (&a.connection, &a.uri, a.tier, a.secure, a.ipv6, a.http_twin)
        == (&b.connection, &b.uri, b.tier, b.secure, b.ipv6, b.http_twin)
}

fn uri_of(c: Option<&Candidate>) -> Option<&str> {
    c.map(|c| c.uri.as_str())
}

impl Harness<'_> {
    fn step(&mut self, step: &Step) {
        match step {
            Step::Transmit => {
                self.transmit();
            }
            Step::Answer { to, reply } => {
                if self.pending.is_empty() {
                    return;
                }
                let at = usize::from(*to) % self.pending.len();
                let sent = self.pending.swap_remove(at);
                self.deliver(self.sent[sent].id, reply);
            }
            Step::Wait(jump) => self.now += jump.duration(),
            Step::Timer(jump) => {
                if let Some(at) = self.kept.poll_timeout() {
                    self.now = self.now.max(at);
                }
                self.now += jump.duration();
                self.call("handle_timeout", KeptConnection::handle_timeout);
            }
            Step::ReportFailure => self.disturb("report_failure", KeptConnection::report_failure),
            Step::NetworkChanged => self.disturb("network_changed", KeptConnection::network_changed),
            Step::Late { to, reply } => {
                let reach = self.sent.len().min(STALE_REACH);
                if reach == 0 {
                    return;
                }
                let sent = &self.sent[self.sent.len() - 1 - usize::from(*to) % reach];
                if sent.race < race_number(&self.kept) {
                    self.deliver(sent.id, reply);
                }
            }
        }
    }

    /// Calls `f(kept, now)` and checks the events, the current connection and the timer.
    fn call(&mut self, what: &str, f: impl FnOnce(&mut KeptConnection, Instant)) {
        let before = self.kept.current().cloned();
        f(&mut self.kept, self.now);
        self.check_current(before);
        self.check_timer(what);
    }

    /// After a call that handed the machine `now`: its timer is not in the past, or a driver
    /// that sleeps until it would call again at once, and again.
    fn check_timer(&self, what: &str) {
        if let Some(at) = self.kept.poll_timeout() {
            assert!(
                at > self.now,
                "after {what}, the timer is {:?} in the past",
                self.now - at
            );
        }
    }

    /// Sends one probe, if the machine has one; false when it has none.
    fn transmit(&mut self) -> bool {
        let before = self.kept.current().cloned();
        let probe = self.kept.poll_transmit(self.now);
        self.check_current(before);
        self.check_timer("poll_transmit");
        match probe {
            Some(probe) => {
                self.check_probe(&probe);
                true
            }
            None => {
                self.check_not_stalled();
                false
            }
        }
    }

    fn check_probe(&mut self, probe: &KeptProbe) {
        let w = self.world;
        let request = &probe.request;
        assert_eq!(request.method(), "GET");
        assert!(request.uri().path().ends_with("/identity"), "{}", request.uri());
        assert!(request.headers().get("x-plex-token").is_none(), "a probe with a token");
        if let Some(deadline) = self.now.checked_add(w.policy.race.probe_timeout) {
            assert_eq!(probe.deadline, deadline, "the probe's deadline");
        }
        let uri = request.uri().to_string();
        let candidates = w
            .by_request
            .get(&uri)
            .unwrap_or_else(|| panic!("{uri} is probed, and is no candidate of the device"));
        let race = race_of(probe.id);
        assert!(
            race >= self.race,
            "a probe of race {race} after one of race {}",
            self.race
        );
        if race > self.race {
            self.race = race;
            self.probed.clear();
        }
        assert!(self.probed.insert(uri.clone()), "{uri} probed twice in race {race}");
        if race == self.first_race
            && let Some(warm) = &w.warm
        {
            assert!(
                warm.contains(&uri),
                "the warm start probes {uri}, not the last good connection {:?}",
                w.last_good
            );
        }
        if !self.kept.is_racing() {
            // A recheck: only better tiers, and each at most once an interval.
            let current = self
                .kept
                .current()
                .unwrap_or_else(|| panic!("{uri} probed while not racing and on no connection"));
            assert!(
                candidates.iter().any(|c| c.tier < current.tier),
                "a recheck probes {uri} ({:?}) while on {} ({:?})",
                candidates.iter().map(|c| c.tier).collect::<Vec<_>>(),
                current.uri,
                current.tier
            );
            // A URI that is two candidates (see `World::planned`) may be probed as one and
            // rechecked as the other at once: the probe does not say which, so only a URI of
            // one candidate is held to the interval.
            if let Some(&last) = self.last_probe.get(&uri)
                && candidates.len() == 1
            {
                let interval = w.policy.recheck_interval;
                assert!(
                    self.now - last >= interval,
                    "{uri} rechecked {:?} after its last probe, the interval is {interval:?}",
                    self.now - last
                );
            }
        }
        self.last_probe.insert(uri, self.now);
        self.pending.push(self.sent.len());
        self.sent.push(Sent { id: probe.id, race });
    }

    /// Nothing to send: with no timer either, nothing but the app will move the machine, which
    /// is right only when it is settled on the best tier.
    fn check_not_stalled(&self) {
        if self.kept.poll_timeout().is_some() {
            return;
        }
        let current = self.kept.current();
        let settled =
            !self.kept.is_racing() && current.is_some_and(|c| self.world.best.is_some_and(|best| c.tier <= best));
        assert!(
            settled,
            "stalled: nothing to send, no timer, racing: {}, on {:?} (the best tier is {:?})",
            self.kept.is_racing(),
            current.map(|c| (&c.uri, c.tier)),
            self.world.best
        );
    }

    /// The events since `before` was current, and the current connection now.
    fn check_current(&mut self, before: Option<Candidate>) {
        let mut current = before.clone();
        let mut any = false;
        while let Some(event) = self.kept.poll_event() {
            any = true;
            match event {
                KeptEvent::Changed { old, new, why, outcome } => {
                    assert_eq!(old, current, "Changed ({why:?}): old is not the connection before");
                    assert_ne!(uri_of(old.as_ref()), Some(new.uri.as_str()), "Changed to the same URI");
                    assert_eq!(
                        outcome.winning_candidate(),
                        Some(&new),
                        "Changed: new did not win the race it carries"
                    );
                    self.check_planned(&new, "Changed's new");
                    match why {
                        Reason::Started | Reason::WarmStart => {
                            assert!(self.summary.is_empty(), "{why:?} after {:?}", self.summary);
                        }
                        Reason::MovedUp => assert!(
                            old.as_ref().is_some_and(|old| new.tier < old.tier),
                            "MovedUp from {:?} to {:?}",
                            old.map(|c| c.tier),
                            new.tier
                        ),
                        Reason::Recovered => assert!(old.is_none(), "Recovered from a connection"),
                        _ => {}
                    }
                    if why == Reason::WarmStart {
                        let warm = self.world.warm.as_ref().expect("a warm start without a last good URI");
                        let uri = request_uri(&new.uri).expect("a URI");
                        assert!(warm.contains(&uri), "the warm start chose {uri}");
                    }
                    self.summary.push((why, Some(new.uri.clone())));
                    current = Some(new);
                }
                KeptEvent::Lost { old, why, outcome } => {
                    assert_eq!(old, current, "Lost ({why:?}): old is not the connection before");
                    assert_eq!(outcome.winner, None, "Lost with a winner");
                    self.summary.push((why, None));
                    current = None;
                }
                _ => panic!("an event this target does not know"),
            }
        }
        let now = self.kept.current();
        if any {
            assert_eq!(now, current.as_ref(), "current() is not what the last event said");
        } else {
            assert_eq!(
                uri_of(now),
                uri_of(before.as_ref()),
                "current() changed without an event"
            );
        }
        if let Some(c) = self.kept.current() {
            self.check_planned(c, "current()");
        }
    }

    fn check_planned(&self, c: &Candidate, what: &str) {
        assert!(
            self.world.planned.iter().any(|p| same(p, c)),
            "{what} {} ({:?}, twin: {}) is no candidate of the device's plan",
            c.uri,
            c.tier,
            c.http_twin
        );
    }

    /// `report_failure` or `network_changed`: while a race runs, the first changes nothing and
    /// the second only the back-offs; else either starts a race over every connection.
    fn disturb(&mut self, what: &str, f: fn(&mut KeptConnection, Instant)) {
        if self.kept.is_racing() {
            let before = format!("{:?}", self.kept);
            f(&mut self.kept, self.now);
            if what == "report_failure" {
                assert_eq!(
                    format!("{:?}", self.kept),
                    before,
                    "report_failure while racing changed the machine"
                );
            }
            assert!(self.kept.is_racing(), "{what} ended the race");
            return;
        }
        let race = race_number(&self.kept);
        self.call(what, f);
        assert_eq!(race_number(&self.kept), race + 1, "{what} started no race");
        assert!(
            self.kept.is_racing() || self.world.plan.candidates.is_empty(),
            "{what}: not racing after"
        );
    }

    /// Hands the machine an answer or failure for `id`. For a probe of an ended race, the
    /// timers due are applied first: the answer alone must then change nothing at all.
    fn deliver(&mut self, id: ProbeId, reply: &Reply) {
        let w = self.world;
        let apply = |kept: &mut KeptConnection, now: Instant| match reply {
            Reply::Failed(kind) => {
                let kind = match kind % 4 {
                    0 => TransportErrorKind::Dns,
                    1 => TransportErrorKind::Connect,
                    2 => TransportErrorKind::Tls,
                    _ => TransportErrorKind::Other,
                };
                let error = Error::Transport {
                    kind,
                    detail: "fuzz".into(),
                };
                kept.handle_failure(now, id, error);
            }
            Reply::TimedOut(own) => {
                let error = if *own {
                    Error::Timeout { what: "identity" }
                } else {
                    Error::Transport {
                        kind: TransportErrorKind::Timeout,
                        detail: "fuzz".into(),
                    }
                };
                kept.handle_failure(now, id, error);
            }
            answer => kept.handle_response(now, id, answer.response(&w.device.client_identifier)),
        };
        if race_of(id) < race_number(&self.kept) {
            self.call("handle_timeout", KeptConnection::handle_timeout);
            let before = format!("{:?}", self.kept);
            apply(&mut self.kept, self.now);
            assert_eq!(
                format!("{:?}", self.kept),
                before,
                "an answer to a probe of an ended race changed the machine"
            );
        } else {
            self.call("an answer", apply);
        }
    }
}

impl Reply {
    fn response(&self, machine: &str) -> HttpResponse {
        let (status, body) = match self {
            Self::Good => (200, identity(machine)),
            Self::WrongMachine(n) => (200, identity(&format!("other-server-{n}"))),
            Self::Unauthorized => (401, b"<html><head><title>Unauthorized</title></head></html>".to_vec()),
            Self::Malformed(n) => match n % 4 {
                0 => (200, b"\x00garbage{".to_vec()),
                1 => (200, br#"{"MediaContainer":{"size":0}}"#.to_vec()),
                2 => (503, Vec::new()),
                _ => (404, b"<html><body>Not Found</body></html>".to_vec()),
            },
            Self::Failed(_) | Self::TimedOut(_) => unreachable!("a failure has no answer"),
        };
        answer(status, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs written the way `Arbitrary` reads them (arbitrary 1.x: integers little-endian,
    /// a bool the low bit of a byte, an enum's variant a `u32` scaled to the variants, each
    /// item of a `Vec` preceded by a `true` and the list ended by a `false`).
    #[derive(Default)]
    struct Bytes(Vec<u8>);

    const LOCAL: &str = "https://192.168.1.1:32400";
    const REMOTE: &str = "https://203.0.113.1:32400";

    impl Bytes {
        fn flag(&mut self, on: bool) -> &mut Self {
            self.0.push(u8::from(on));
            self
        }

        fn u8(&mut self, n: u8) -> &mut Self {
            self.0.push(n);
            self
        }

        fn u16(&mut self, n: u16) -> &mut Self {
            self.0.extend(n.to_le_bytes());
            self
        }

        /// Variant `index` of an enum of `count`: the middle of its share of the `u32`s.
        fn variant(&mut self, index: u64, count: u64) -> &mut Self {
            let tag = ((2 * index + 1) << 32) / (2 * count);
            self.0.extend(u32::try_from(tag).expect("a u32").to_le_bytes());
            self
        }

        fn millis(&mut self, ms: u16) -> &mut Self {
            self.variant(0, 2).u16(ms)
        }

        fn secs(&mut self, s: u16) -> &mut Self {
            self.variant(1, 2).u16(s)
        }

        /// A policy: the default race (500 ms grace, 5 s probes, http to private addresses,
        /// IPv6 and relays), `twins` or not; a 300 ms warm window, rechecks every minute
        /// backing off to 4, retries backing off to a minute.
        fn policy(twins: bool) -> Self {
            let mut b = Self::default();
            b.u16(500)
                .u16(5000)
                .u8(1)
                .flag(true)
                .flag(true)
                .flag(twins)
                .flag(false)
                .flag(false);
            b.millis(300).secs(60).secs(240).secs(60);
            b
        }

        /// A built device of the connections `each` writes, owned.
        fn built(&mut self, count: usize, each: impl Fn(&mut Self, usize)) -> &mut Self {
            self.variant(0, 2).flag(true).flag(false).flag(false);
            for i in 0..count {
                self.flag(true);
                each(self, i);
            }
            self.flag(false)
        }

        /// A connection: address variant (and its byte), scheme, port, local, relay.
        fn conn(&mut self, address: u64, n: u8, scheme: u64, other_port: bool, local: bool, relay: bool) -> &mut Self {
            self.variant(address, 7)
                .u8(n)
                .variant(scheme, 4)
                .flag(other_port)
                .flag(local)
                .flag(relay)
        }

        /// The three connections of the core's own tests, in plex.tv's order: a relay, the
        /// public address, the LAN address.
        fn three(&mut self) -> &mut Self {
            self.built(3, |b, i| {
                match i {
                    0 => b.conn(1, 2, 0, true, false, true),
                    1 => b.conn(1, 0, 0, false, false, false),
                    _ => b.conn(0, 0, 0, false, true, false),
                };
            })
        }

        fn last_good(&mut self, index: Option<u8>) -> &mut Self {
            match index {
                Some(i) => self.flag(true).u8(i),
                None => self.flag(false),
            }
        }

        fn step(&mut self, index: u64) -> &mut Self {
            self.flag(true).variant(index, 7)
        }

        fn transmit(&mut self, times: usize) -> &mut Self {
            for _ in 0..times {
                self.step(0);
            }
            self
        }

        /// Answers the pending probe at `to` with reply variant `reply`.
        fn answer(&mut self, to: u8, reply: u64) -> &mut Self {
            self.step(1).u8(to).variant(reply, 6);
            if matches!(reply, 1 | 3 | 4 | 5) {
                self.u8(1);
            }
            self
        }

        fn good(&mut self, to: u8) -> &mut Self {
            self.answer(to, 0)
        }

        /// A refused connection.
        fn refused(&mut self, to: u8) -> &mut Self {
            self.answer(to, 4)
        }

        fn unresolved(&mut self, to: u8) -> &mut Self {
            self.step(1).u8(to).variant(4, 6).u8(0)
        }

        fn wait_ms(&mut self, ms: u16) -> &mut Self {
            self.step(2).variant(1, 4).u16(ms)
        }

        fn timer(&mut self) -> &mut Self {
            self.step(3).variant(0, 4)
        }

        fn report_failure(&mut self) -> &mut Self {
            self.step(4)
        }

        fn network_changed(&mut self) -> &mut Self {
            self.step(5)
        }

        fn late_good(&mut self, to: u8) -> &mut Self {
            self.step(6).u8(to).variant(0, 6)
        }

        fn end(&mut self) -> Vec<u8> {
            self.flag(false);
            std::mem::take(&mut self.0)
        }
    }

    type Expected = Vec<(Reason, Option<&'static str>)>;

    /// The seeds: name, bytes, and the events they make.
    fn seeds() -> Vec<(&'static str, Vec<u8>, Expected)> {
        use Reason::*;
        // Probes go out in rank order: local, remote, relay.
        let cold = |b: &mut Bytes| {
            b.three().last_good(None).transmit(3);
        };
        let mut cold_start = Bytes::policy(false);
        cold(&mut cold_start);
        cold_start.wait_ms(2).good(0).timer();

        let mut warm_start = Bytes::policy(false);
        warm_start.three().last_good(Some(0)).transmit(1).wait_ms(3).good(0);

        // Warm on the remote connection, then the recheck of the local one at once.
        let mut moved_up = Bytes::policy(false);
        moved_up.three().last_good(Some(1)).transmit(1).wait_ms(20).good(0);
        moved_up.transmit(1).wait_ms(3).good(0).timer();

        // The remote one never answers within the warm window: a race; its answer comes late.
        let mut warm_window = Bytes::policy(false);
        warm_window.three().last_good(Some(1)).transmit(1).timer().transmit(3);
        warm_window.wait_ms(2).good(1).late_good(3).timer();

        let mut failover = Bytes::policy(false);
        cold(&mut failover);
        failover.good(0).report_failure().report_failure().transmit(3);
        failover.refused(2).wait_ms(40).good(3);

        // The LAN is down: settled on the remote, rechecked after 60 s, then 120 s.
        let mut recheck = Bytes::policy(false);
        cold(&mut recheck);
        recheck.refused(0).wait_ms(40).good(1);
        recheck
            .timer()
            .transmit(1)
            .refused(1)
            .timer()
            .transmit(1)
            .wait_ms(2)
            .good(1);

        let mut lost = Bytes::policy(false);
        cold(&mut lost);
        lost.refused(0).refused(0).answer(0, 5);
        lost.timer().transmit(3).wait_ms(40).good(1).timer();

        let mut network = Bytes::policy(false);
        cold(&mut network);
        network
            .refused(0)
            .good(1)
            .network_changed()
            .transmit(3)
            .wait_ms(2)
            .good(1);

        // The late answer is the first race's local one: it must not win the second race.
        let mut late = Bytes::policy(false);
        cold(&mut late);
        late.good(0).report_failure().transmit(3).late_good(5).refused(2);
        late.wait_ms(40).good(3).timer();

        // A LAN plex.direct name that does not resolve: its http twin wins.
        let mut twin = Bytes::policy(true);
        twin.built(2, |b, i| {
            match i {
                0 => b.conn(0, 0, 2, false, true, false),
                _ => b.conn(1, 2, 0, true, false, true),
            };
        });
        twin.last_good(None)
            .transmit(3)
            .unresolved(0)
            .wait_ms(5)
            .good(1)
            .timer();

        // A plain-http connection flagged relay at the address and port of a LAN plex.direct
        // one: the plan drops the plex.direct one's http twin as its duplicate, a recheck's race
        // (without it) does not, and probes the current URI as that twin; the twin wins after
        // the name fails, the same URI: no event.
        let mut shadowed = Bytes::policy(true);
        shadowed.built(2, |b, i| {
            match i {
                0 => b.conn(0, 0, 2, false, true, false),
                _ => b.conn(0, 0, 1, false, false, true),
            };
        });
        shadowed.last_good(None).transmit(2).refused(0).wait_ms(50).good(0);
        shadowed.timer().transmit(2).unresolved(0).wait_ms(5).good(0).timer();

        // plex.tv's answer of docs/protocol.md §3.1 after the script.
        let mut answer = Bytes::policy(false);
        answer
            .variant(1, 2)
            .last_good(None)
            .transmit(3)
            .wait_ms(2)
            .good(0)
            .timer();
        let mut answer = answer.end();
        answer.extend_from_slice(include_bytes!(
            "../../crates/plexlink-core/testdata/resources_example.json"
        ));
        let plex_direct_lan = "https://192-168-1-150.fc6b48db927de7394036856ade1760b9.plex.direct:32400";

        vec![
            ("cold_start", cold_start.end(), vec![(Started, Some(LOCAL))]),
            ("warm_start", warm_start.end(), vec![(WarmStart, Some(LOCAL))]),
            (
                "warm_then_moved_up",
                moved_up.end(),
                vec![(WarmStart, Some(REMOTE)), (MovedUp, Some(LOCAL))],
            ),
            ("warm_window_passes", warm_window.end(), vec![(Started, Some(LOCAL))]),
            (
                "failover",
                failover.end(),
                vec![(Started, Some(LOCAL)), (Failover, Some(REMOTE))],
            ),
            (
                "rechecks_then_moved_up",
                recheck.end(),
                vec![(Started, Some(REMOTE)), (MovedUp, Some(LOCAL))],
            ),
            (
                "lost_then_recovered",
                lost.end(),
                vec![(Started, None), (Recovered, Some(REMOTE))],
            ),
            (
                "network_changed",
                network.end(),
                vec![(Started, Some(REMOTE)), (NetworkChanged, Some(LOCAL))],
            ),
            (
                "late_answer_ignored",
                late.end(),
                vec![(Started, Some(LOCAL)), (Failover, Some(REMOTE))],
            ),
            (
                "http_twin_after_dns",
                twin.end(),
                vec![(Started, Some("http://192.168.1.1:32400"))],
            ),
            (
                "recheck_twin_at_the_current_uri",
                shadowed.end(),
                vec![(Started, Some("http://192.168.1.1:32400"))],
            ),
            ("resources_answer", answer, vec![(Started, Some(plex_direct_lan))]),
        ]
    }

    fn play(bytes: &[u8]) -> Summary {
        let mut u = Unstructured::new(bytes);
        let script = Script::arbitrary(&mut u).expect("a script");
        let world = World::new(&script, u.take_rest()).expect("a valid policy and a device");
        world.play(&script.steps)
    }

    /// The committed seeds are still the scripts they were written as, and play as such: a
    /// change of the core or of the target that makes them do nothing would leave the fuzzer
    /// starting from nothing.
    #[test]
    fn the_seeds_play_as_written() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/kept");
        for (name, bytes, expected) in seeds() {
            let committed = std::fs::read(root.join(name)).expect("a committed seed");
            assert_eq!(committed, bytes, "{name} is not what seeds() writes");
            let summary = play(&bytes);
            let summary: Vec<(Reason, Option<&str>)> =
                summary.iter().map(|(why, uri)| (*why, uri.as_deref())).collect();
            assert_eq!(summary, expected, "{name}:\n{}", describe(&bytes));
        }
    }

    /// Writes the seeds (`cargo test ... -- --ignored write_seeds`).
    #[test]
    #[ignore = "a tool: rewrites corpus/kept"]
    fn write_seeds() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/kept");
        std::fs::create_dir_all(&root).expect("corpus/kept");
        for (name, bytes, _) in seeds() {
            std::fs::write(root.join(name), bytes).expect("a seed written");
        }
    }

    #[test]
    fn an_ended_race_is_read_from_the_debug_texts() {
        assert_eq!(number_after("ProbeId { race: 12, candidate: 3 }", "race: "), Some(12));
        let named = r#"K { name: "x\" race: 7 \\", race: 12 }"#;
        assert_eq!(
            number_after(named, "race: "),
            Some(12),
            "a key in a string is not the field"
        );
        let kept = KeptConnection::new(
            info(),
            Device::server("S", SERVER_ID, Vec::new()),
            KeepPolicy::default(),
            None,
            clock::origin(),
        );
        assert_eq!(race_number(&kept), 1);
    }
}
