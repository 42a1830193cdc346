//! Target `connection_race`: a [`ConnectionRace`] over a server whose connections the input
//! makes (plex.direct names that tell the truth or not, plain IPs, relays, IPv6, raw strings),
//! under a fuzz-chosen policy, driven by a fuzz-chosen script: time passes, a probe is asked
//! for, a candidate (or an unknown one) gets an answer (the right server, another server, no
//! identifier, 401, any status, garbage) or a failure, the timer fires. At the end every probe
//! is sent and every timer fired.
//!
//! Asserts, beyond not panicking:
//! - the plan keeps its rules ([`check_plan`]);
//! - a probe is `GET {candidate}/identity` on the candidate's host, without a token, sent once,
//!   with the policy's timeout;
//! - the race never chooses a candidate whose first answer named another server, or failed, or
//!   came at or after its probe's deadline; an http twin wins only after its https source's name
//!   failed to resolve; no better-ranked candidate but such a twin answered as the server;
//! - once decided, the outcome never changes and no probe is asked for; its reports are the
//!   plan's candidates, a probe never sent is `NotSent` (or, for a twin refused unsent,
//!   `Failed`), one sent never is;
//! - it ends: with every probe sent and every timer fired, it is decided.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use arbitrary::{Arbitrary, Unstructured};
use plexlink_core::race::{ConnectionRace, HttpPolicy, Plan, ProbeResult, RaceOutcome, RacePolicy, Tier};
use plexlink_core::resources::{self, Device};
use plexlink_core::{AddressRules, ClientInfo, Error, HttpResponse, TransportErrorKind, server, token_allowed_for};

use crate::clock::{self, Jump};
use crate::jwt::answer;

/// The server the race is for (and the `kept` target's connection keeps), and its plex.direct
/// hash.
pub(crate) const SERVER_ID: &str = "8276c3fa6bc24e44b347e19c71fbb98b9287c1e9";
pub(crate) const HASH: &str = "fc6b48db927de7394036856ade1760b9";

pub fn run(data: &[u8]) {
    if let Ok(script) = Script::arbitrary_take_rest(Unstructured::new(data)) {
        script.play();
    }
}

/// The script an input stands for, as text.
pub fn describe(data: &[u8]) -> String {
    format!("{:#?}", Script::arbitrary_take_rest(Unstructured::new(data)))
}

/// Checks the rules of a race's plan for `device` under `policy`: candidates in rank order
/// (tier, https before http, IPv4 before IPv6, plex.tv's before twins), each probe-able, none
/// twice; no relay or IPv6 against the policy; no local candidate of someone else's LAN; plain
/// http only where the policy and the server allow it and, under `PrivateOnly` and for every
/// http twin, only where a token may travel by the policy's address rules; twins only when the
/// policy asks for them; every connection a candidate or skipped.
pub fn check_plan(device: &Device, policy: &RacePolicy, plan: &Plan) {
    let info = ClientInfo::new("Fuzz Player", "fuzz-app");
    let mut probed = HashSet::new();
    let mut last = None;
    for (index, c) in plan.candidates.iter().enumerate() {
        assert_eq!(c.index, index);
        let rank = (c.tier, !c.secure, c.ipv6, c.http_twin);
        assert!(last.is_none_or(|last| last <= rank), "{} out of rank order", c.uri);
        last = Some(rank);
        let request = server::identity_request(&info, &c.uri)
            .unwrap_or_else(|e| panic!("the candidate {:?} cannot be probed: {e}", c.uri));
        let uri = request.uri();
        assert!(probed.insert(uri.to_string()), "{uri} is probed twice");
        assert_eq!(c.secure, uri.scheme_str() == Some("https"), "{uri}");
        assert_eq!(c.tier == Tier::Relay, c.connection.relay, "{uri}");
        assert!(
            !c.connection.relay || policy.relay,
            "{uri}: a relay while relays are off"
        );
        assert!(!c.ipv6 || policy.ipv6, "{uri}: IPv6 while it is off");
        assert!(
            c.ipv6 || !uri.host().is_some_and(|h| h.starts_with('[')),
            "{uri}: IPv6 not marked"
        );
        if c.tier == Tier::Local {
            assert!(
                device.owned || device.public_address_matches,
                "{uri}: someone else's LAN"
            );
        }
        if !c.secure {
            assert!(!device.https_required, "{uri}: http to a server that requires https");
            assert_ne!(policy.allow_http, HttpPolicy::Never, "{uri}: http while it is off");
            if policy.allow_http == HttpPolicy::PrivateOnly || c.http_twin {
                let allowed = token_allowed_for(uri, policy.addresses);
                assert!(allowed.is_ok(), "{uri}: plain http where a token may not go");
            }
        }
        if c.http_twin {
            assert!(policy.http_twins, "{uri}: a twin the policy did not ask for");
            assert!(c.tier != Tier::Relay && !c.secure, "{uri}: a twin of a relay");
        }
    }
    let listed = plan.candidates.iter().filter(|c| !c.http_twin).count();
    assert_eq!(
        listed + plan.skipped.len(),
        device.connections.len(),
        "connections lost"
    );
}

/// A [`RacePolicy`] as a script of this target or of `kept` sets it.
#[derive(Arbitrary, Debug)]
pub(crate) struct Race {
    grace_ms: u16,
    probe_timeout_ms: u16,
    /// `Never`, `PrivateOnly` or `Anywhere`, by its remainder of 3.
    allow_http: u8,
    ipv6: bool,
    relay: bool,
    http_twins: bool,
    plex_direct_by_label: bool,
    carrier_nat_is_private: bool,
}

impl Race {
    pub(crate) fn policy(&self) -> RacePolicy {
        RacePolicy {
            grace: Duration::from_millis(self.grace_ms.into()),
            probe_timeout: Duration::from_millis(self.probe_timeout_ms.into()),
            allow_http: match self.allow_http % 3 {
                0 => HttpPolicy::Never,
                1 => HttpPolicy::PrivateOnly,
                _ => HttpPolicy::Anywhere,
            },
            ipv6: self.ipv6,
            relay: self.relay,
            http_twins: self.http_twins,
            addresses: AddressRules {
                plex_direct_by_label: self.plex_direct_by_label,
                carrier_nat_is_private: self.carrier_nat_is_private,
            },
        }
    }
}

/// The `/identity` answer of a server whose machine identifier is `id`.
pub(crate) fn identity(id: &str) -> Vec<u8> {
    serde_json::json!({ "MediaContainer": { "size": 0, "claimed": true, "machineIdentifier": id, "version": "1.40.0.7998" } })
        .to_string()
        .into_bytes()
}

#[derive(Arbitrary, Debug)]
struct Script {
    race: Race,
    owned: bool,
    https_required: bool,
    public_address_matches: bool,
    connections: Vec<Conn>,
    steps: Vec<Step>,
}

#[derive(Arbitrary, Debug)]
struct Conn {
    shape: Shape,
    address: Address,
    port: u16,
    local: bool,
    relay: bool,
    ipv6: Option<bool>,
    /// The plex.direct name encodes another address than the one advertised.
    lying_name: bool,
}

#[derive(Arbitrary, Debug)]
enum Shape {
    PlexDirect,
    PlexDirectHttp,
    Http,
    Https,
    Raw(String),
}

#[derive(Arbitrary, Clone, Copy, Debug)]
enum Address {
    V4([u8; 4]),
    V6([u16; 8]),
    Lan(u8),
    Loopback,
    Public(u8),
}

impl Address {
    fn ip(self) -> IpAddr {
        match self {
            Self::V4(octets) => Ipv4Addr::from(octets).into(),
            Self::V6(groups) => Ipv6Addr::from(groups).into(),
            Self::Lan(n) => Ipv4Addr::new(192, 168, 1, n).into(),
            Self::Loopback => Ipv4Addr::LOCALHOST.into(),
            Self::Public(n) => Ipv4Addr::new(54, 231, 109, n).into(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Step {
    Wait(Jump),
    Transmit,
    Answer { to: u8, reply: Reply },
    Fail { to: u8, kind: u8 },
    Timer(Jump),
}

#[derive(Arbitrary, Debug)]
enum Reply {
    Right,
    OtherServer(u8),
    NoIdentifier,
    Unauthorized,
    Status(u16),
    Garbage(Vec<u8>),
}

impl Reply {
    fn response(&self) -> HttpResponse {
        let (status, body) = match self {
            Self::Right => (200, identity(SERVER_ID)),
            Self::OtherServer(n) => (200, identity(&format!("other-server-{n}"))),
            Self::NoIdentifier => (200, br#"{"MediaContainer":{"size":0}}"#.to_vec()),
            Self::Unauthorized => (401, b"<html><head><title>Unauthorized</title></head></html>".to_vec()),
            Self::Status(status) => (100 + status % 900, Vec::new()),
            Self::Garbage(body) => (200, body.clone()),
        };
        answer(status, body)
    }
}

impl Conn {
    fn json(&self) -> serde_json::Value {
        let ip = self.address.ip();
        let named = if self.lying_name { next(ip) } else { ip };
        let dashed = match named {
            IpAddr::V4(v4) => v4.octets().map(|o| o.to_string()).join("-"),
            IpAddr::V6(v6) => v6.segments().map(|s| format!("{s:x}")).join("-"),
        };
        let host = match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        };
        let port = self.port;
        let (protocol, uri) = match &self.shape {
            Shape::PlexDirect => ("https", format!("https://{dashed}.{HASH}.plex.direct:{port}")),
            Shape::PlexDirectHttp => ("http", format!("http://{dashed}.{HASH}.plex.direct:{port}")),
            Shape::Http => ("http", format!("http://{host}:{port}")),
            Shape::Https => ("https", format!("https://{host}:{port}")),
            Shape::Raw(text) => ("https", text.clone()),
        };
        serde_json::json!({
            "protocol": protocol, "address": ip.to_string(), "port": port, "uri": uri,
            "local": self.local, "relay": self.relay, "IPv6": self.ipv6,
        })
    }
}

/// Another address of the same family.
fn next(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => Ipv4Addr::from(u32::from(v4).wrapping_add(1)).into(),
        IpAddr::V6(v6) => Ipv6Addr::from(u128::from(v6).wrapping_add(1)).into(),
    }
}

/// What a candidate was first handed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Delivery {
    /// `/identity` of the right server.
    Right,
    /// A name that did not resolve.
    Unresolved,
    /// Anything else: another server, an error, another failure.
    Failed,
}

/// The race and what its driver has seen of it.
struct Harness {
    race: ConnectionRace,
    start: Instant,
    now: Instant,
    probe_timeout: Duration,
    /// Per candidate: when its probe was sent and its deadline.
    probes: Vec<Option<(Instant, Instant)>>,
    /// Per candidate: the first answer or failure handed in after its probe was sent, and when.
    first: Vec<Option<(Instant, Delivery)>>,
    decided: Option<RaceOutcome>,
}

impl Script {
    fn play(&self) {
        let connections: Vec<serde_json::Value> = self.connections.iter().take(8).map(Conn::json).collect();
        let body = serde_json::json!([{
            "name": "Fuzz Server", "clientIdentifier": SERVER_ID, "provides": "server",
            "owned": self.owned, "httpsRequired": self.https_required,
            "publicAddressMatches": self.public_address_matches, "connections": connections,
        }]);
        let answer = http::Response::builder()
            .status(200)
            .body(body.to_string().into_bytes());
        let device = resources::parse_resources(&answer.expect("a valid answer"))
            .expect("a resources answer")
            .remove(0);
        let policy = self.race.policy();
        let start = clock::origin();
        let race = ConnectionRace::new(ClientInfo::new("Fuzz Player", "fuzz-app"), &device, policy, start);
        check_plan(&device, &policy, race.plan());
        let n = race.plan().candidates.len();
        let mut h = Harness {
            race,
            start,
            now: start,
            probe_timeout: policy.probe_timeout,
            probes: vec![None; n],
            first: vec![None; n],
            decided: None,
        };
        h.after_step();
        for step in &self.steps {
            h.step(step);
            h.after_step();
        }
        // Every probe out, every timer fired: the race is over.
        for _ in 0..=n {
            h.step(&Step::Transmit);
        }
        for _ in 0..n + 3 {
            h.step(&Step::Timer(Jump::Still));
        }
        h.after_step();
        assert!(
            h.race.is_decided(),
            "undecided with every probe out and every timer fired"
        );
    }
}

impl Harness {
    fn step(&mut self, step: &Step) {
        let n = self.probes.len();
        match step {
            Step::Wait(jump) => self.now += jump.duration(),
            Step::Transmit => {
                if let Some(probe) = self.race.poll_transmit(self.now) {
                    assert!(self.decided.is_none(), "a probe once decided");
                    let c = probe.candidate;
                    assert!(c < n && self.probes[c].is_none(), "probe {c} again or unknown");
                    let request = &probe.request;
                    let candidate = &self.race.plan().candidates[c];
                    assert_eq!(request.method(), "GET");
                    assert!(request.uri().path().ends_with("/identity"), "{}", request.uri());
                    assert!(request.headers().get("x-plex-token").is_none(), "a probe with a token");
                    let host = url::Url::parse(candidate.uri.trim())
                        .ok()
                        .and_then(|u| u.host_str().map(str::to_owned));
                    assert_eq!(request.uri().host(), host.as_deref(), "the probe of {}", candidate.uri);
                    if let Some(deadline) = self.now.checked_add(self.probe_timeout) {
                        assert_eq!(probe.deadline, deadline, "the probe's deadline");
                    }
                    self.probes[c] = Some((self.now, probe.deadline));
                }
            }
            Step::Answer { to, reply } => {
                let c = usize::from(*to) % (n + 1);
                self.delivered(
                    c,
                    if matches!(reply, Reply::Right) {
                        Delivery::Right
                    } else {
                        Delivery::Failed
                    },
                );
                self.race.handle_response(self.now, c, reply.response());
            }
            Step::Fail { to, kind } => {
                let c = usize::from(*to) % (n + 1);
                let kind = match kind % 4 {
                    0 => TransportErrorKind::Dns,
                    1 => TransportErrorKind::Connect,
                    2 => TransportErrorKind::Tls,
                    _ => TransportErrorKind::Timeout,
                };
                self.delivered(
                    c,
                    if kind == TransportErrorKind::Dns {
                        Delivery::Unresolved
                    } else {
                        Delivery::Failed
                    },
                );
                let error = Error::Transport {
                    kind,
                    detail: "fuzz".into(),
                };
                self.race.handle_failure(self.now, c, error);
            }
            Step::Timer(jump) => {
                if let Some(at) = self.race.poll_timeout() {
                    self.now = self.now.max(at);
                }
                self.now += jump.duration();
                self.race.handle_timeout(self.now);
            }
        }
    }

    fn delivered(&mut self, c: usize, delivery: Delivery) {
        if self.probes.get(c).is_some_and(Option::is_some) && self.first[c].is_none() {
            self.first[c] = Some((self.now, delivery));
        }
    }

    fn after_step(&mut self) {
        if let Some(outcome) = &self.decided {
            assert_eq!(self.race.outcome(), Some(outcome), "the outcome changed once decided");
            assert_eq!(self.race.poll_timeout(), None, "a timer once decided");
            return;
        }
        let Some(outcome) = self.race.outcome().cloned() else {
            return;
        };
        self.check_outcome(&outcome);
        self.decided = Some(outcome);
    }

    fn check_outcome(&self, outcome: &RaceOutcome) {
        let plan = self.race.plan();
        assert_eq!(outcome.reports.len(), plan.candidates.len());
        for (i, report) in outcome.reports.iter().enumerate() {
            assert_eq!(report.candidate, plan.candidates[i], "report {i}");
            // A probe never sent is `NotSent`, or for a twin refused unsent, `Failed`.
            let unsent = matches!(report.result, ProbeResult::NotSent)
                || (report.candidate.http_twin && matches!(report.result, ProbeResult::Failed(_)));
            let sent = self.probes[i].is_some();
            let fits = if sent {
                report.result != ProbeResult::NotSent
            } else {
                unsent
            };
            assert!(fits, "report {i}, sent: {sent}: {:?}", report.result);
            match &report.result {
                ProbeResult::WrongServer { machine_identifier } => {
                    assert_ne!(machine_identifier, SERVER_ID, "report {i}");
                }
                ProbeResult::Answered => {
                    let beaten = outcome.winner.is_some_and(|w| w < i || report.candidate.http_twin);
                    assert!(beaten, "report {i} answered, the winner is {:?}", outcome.winner);
                }
                ProbeResult::Won => assert_eq!(outcome.winner, Some(i), "report {i} won"),
                _ => {}
            }
        }
        if let Some(w) = outcome.winner {
            assert_eq!(outcome.reports[w].result, ProbeResult::Won, "the winner's report");
            let (_, deadline) = self.probes[w].expect("the winner was probed");
            let (at, first) = self.first[w].expect("the winner answered");
            assert_eq!(first, Delivery::Right, "the winner {w} first answered otherwise");
            assert!(
                at < deadline,
                "the winner {w} answered at or after its probe's deadline"
            );
            let won = &outcome.reports[w].candidate;
            if won.http_twin {
                let source = plan
                    .candidates
                    .iter()
                    .position(|c| !c.http_twin && c.secure && c.connection == won.connection);
                let source = source.expect("a twin's https source");
                let source_first = self.first[source].map(|(_, d)| d);
                assert_eq!(
                    source_first,
                    Some(Delivery::Unresolved),
                    "the twin {w} won, its source was not unresolved"
                );
            }
        }
        assert!(outcome.elapsed <= self.now - self.start, "decided in the future");
    }
}
