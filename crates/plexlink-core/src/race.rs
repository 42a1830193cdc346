//! Choosing the connection to use for one server: which of its connections to try, in what
//! order, and which answer to keep.
//!
//! [`plan`] turns a device's connections into ranked [`Candidate`]s (and says why the others
//! were skipped). [`ConnectionRace`] probes every candidate's `/identity` at once and reduces the
//! answers to one winner, waiting a short grace window for a nearer or more secure connection after the
//! first good answer. Time is a parameter: the race reads no clock and opens no socket.
//!
//! Why not the ways others choose (docs/protocol.md §3.6): waiting for every probe makes one dead address cost
//! the whole timeout; taking the first answer lets a relay (~2 Mbit/s) win at home by a few
//! milliseconds. The grace window keeps the speed of the first and the ranking of the second.

use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::resources::{Connection, Device};
use crate::wire;
use crate::{AddressRules, ClientInfo, Error, HttpRequest, HttpResponse, TransportErrorKind, plex_direct, server};

/// The default grace window: half a second.
///
/// Long enough for a LAN server that answers slowly (a sleepy NAS, a TLS handshake on a weak CPU,
/// a busy Wi-Fi: 300 ms is common) to beat a relay that answered in 5 ms, and short enough that a
/// person barely notices it when the nearer candidates never answer. A relay caps at ~2 Mbit/s
/// for as long as the connection is used, so losing a LAN server to it costs far more than waiting
/// once. The window opens only at the first good answer and only for a better class (a nearer
/// tier, or https over http): a dead or black-holed candidate of the winner's own class costs
/// nothing, and the race ends as soon as no better candidate can still answer.
pub const DEFAULT_GRACE: Duration = Duration::from_millis(500);

/// The default time a probe may take. A server that needs longer to say who it is will not
/// serve media well either; waiting 30 s (as others do) makes one dead address stall the choice.
pub const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Where plain `http://` candidates may be probed. Under every policy a plaintext candidate
/// ranks after every https candidate of its tier, and none is made when the server says
/// `httpsRequired`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HttpPolicy {
    /// https only: no plaintext candidate at all.
    Never,
    /// Plaintext only where a token may travel in the clear: loopback, private, link-local and
    /// unique-local addresses (the rule of [`crate::token_allowed_for`] under
    /// [`RacePolicy::addresses`]). The winner is used with a token afterwards, so a connection
    /// that could never carry one must not win.
    #[default]
    PrivateOnly,
    /// Plaintext wherever plex.tv lists it, public addresses included, for hosts that opted in to
    /// insecure connections (they must also allow the token to be sent). http twins, when asked
    /// for, are still made for non-public addresses only.
    Anywhere,
}

/// How a race chooses. [`RacePolicy::default`] is what plexlink recommends.
///
/// ```
/// use std::time::Duration;
/// use plexlink_core::race::{HttpPolicy, RacePolicy};
///
/// let away = RacePolicy { relay: false, allow_http: HttpPolicy::Never, ..RacePolicy::default() };
/// assert_eq!(away.grace, Duration::from_millis(500));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RacePolicy {
    /// After the first good answer, how long to wait for a candidate of a better class (a nearer
    /// tier, or https over http) still pending. Zero: the first good answer wins.
    pub grace: Duration,
    /// How long each probe may take before it counts as timed out.
    pub probe_timeout: Duration,
    /// Where plain http may be probed.
    pub allow_http: HttpPolicy,
    /// Whether IPv6 connections are candidates.
    pub ipv6: bool,
    /// Whether relay connections are candidates (relays cap at ~2 Mbit/s).
    pub relay: bool,
    /// Whether each https plex.direct connection to a non-public address gets a plain-http twin
    /// (`http://<address>:<port>`). Off by default. A twin is a fallback only for a name that
    /// does not resolve (a router's DNS-rebinding protection, with plex.direct names left to the
    /// system's DNS): it can win only after its https connection failed to resolve. After a TLS
    /// or certificate failure (someone may be in the middle), a timeout or any other failure,
    /// it is never chosen, and its report says why. `/identity` over plain http proves nothing:
    /// `machineIdentifier` is public.
    pub http_twins: bool,
    /// How addresses are read: whether plex.direct labels say where a name goes, and whether
    /// carrier-grade NAT is private. Decides which plaintext candidates may exist and which
    /// connections point into a LAN. The HTTP stack that sends the probes must agree with
    /// [`AddressRules::plex_direct_by_label`].
    pub addresses: AddressRules,
}

impl Default for RacePolicy {
    /// 500 ms grace, 5 s probe timeout, plaintext to private addresses only, no http twins,
    /// IPv6 and relays on, the strict [`AddressRules`].
    fn default() -> Self {
        Self {
            grace: DEFAULT_GRACE,
            probe_timeout: DEFAULT_PROBE_TIMEOUT,
            allow_http: HttpPolicy::default(),
            ipv6: true,
            relay: true,
            http_twins: false,
            addresses: AddressRules::default(),
        }
    }
}

impl RacePolicy {
    /// Checks that the policy can work: a probe timeout of zero would time every probe out
    /// before it is sent. Durations too long for the clock are no limit, never an overflow.
    pub fn validate(&self) -> Result<(), Error> {
        if self.probe_timeout.is_zero() {
            return Err(Error::InvalidArgument {
                what: "probe_timeout",
                detail: "must be more than zero: every probe would time out".into(),
            });
        }
        Ok(())
    }
}

/// The kind of path a candidate takes, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// A private address (`local` in resources).
    Local,
    /// A public address of the server.
    Remote,
    /// A Plex relay: works almost everywhere, but slow.
    Relay,
}

impl Tier {
    /// A stable name for programs: `local`, `remote`, `relay`.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Remote => "remote",
            Self::Relay => "relay",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a connection is not a candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SkipReason {
    /// The URI is not an http(s) URL with a host.
    InvalidUri,
    /// A relay, and the policy leaves relays out.
    RelayDisabled,
    /// IPv6, and the policy leaves IPv6 out.
    Ipv6Disabled,
    /// A non-public address (whatever its `local` flag says) of a server this account does not
    /// own, and the caller is not on the server's network (`publicAddressMatches` false): it
    /// points into someone else's LAN, or into the caller's own.
    ForeignLan,
    /// Plain http, and the server requires https.
    HttpsRequired,
    /// Plain http, and the policy is [`HttpPolicy::Never`].
    HttpDisabled,
    /// Plain http to a public address, and the policy is [`HttpPolicy::PrivateOnly`].
    PlaintextToPublic,
    /// Same URI as a better-ranked candidate.
    Duplicate,
}

impl SkipReason {
    /// A stable name for programs: `invalid_uri`, `relay_disabled`, `ipv6_disabled`,
    /// `foreign_lan`, `https_required`, `http_disabled`, `plaintext_to_public`, `duplicate`.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::InvalidUri => "invalid_uri",
            Self::RelayDisabled => "relay_disabled",
            Self::Ipv6Disabled => "ipv6_disabled",
            Self::ForeignLan => "foreign_lan",
            Self::HttpsRequired => "https_required",
            Self::HttpDisabled => "http_disabled",
            Self::PlaintextToPublic => "plaintext_to_public",
            Self::Duplicate => "duplicate",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidUri => "not an http(s) URL",
            Self::RelayDisabled => "relays are disabled",
            Self::Ipv6Disabled => "IPv6 is disabled",
            Self::ForeignLan => "a private address on another network",
            Self::HttpsRequired => "the server requires https",
            Self::HttpDisabled => "plain http is disabled",
            Self::PlaintextToPublic => "plain http to a public address",
            Self::Duplicate => "duplicate of a better-ranked URI",
        })
    }
}

/// A connection worth probing, with its rank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// Its position in [`Plan::candidates`], which is its rank: 0 is the best.
    pub index: usize,
    /// The connection plex.tv listed (for an http twin, the https connection it derives from).
    pub connection: Connection,
    /// What to probe and then use. For an http twin this is the twin's own `http://` URI, not
    /// `connection.uri`.
    pub uri: String,
    /// Local, remote or relay.
    pub tier: Tier,
    /// `https`.
    pub secure: bool,
    /// An IPv6 address.
    pub ipv6: bool,
    /// A plain-http fallback made from an https plex.direct connection: `http://<address>:<port>`
    /// with the address its name encodes. Reaches the server when TLS or plex.direct DNS fails.
    pub http_twin: bool,
}

/// A device's connections sorted into candidates and skipped ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Best first; `candidates[i].index == i`.
    pub candidates: Vec<Candidate>,
    /// The connections left out, in the order they were dropped, and why.
    pub skipped: Vec<(Connection, SkipReason)>,
}

/// The candidates for `device`, ranked, and the connections left out.
///
/// Rank: tier (local, remote, relay), then https before http, then IPv4 before IPv6, then
/// plex.tv's own connections before http twins, then the order plex.tv gave.
///
/// ```
/// use plexlink_core::race::{plan, RacePolicy, Tier};
/// use plexlink_core::resources::parse_resources;
///
/// let body = br#"[{"name":"Srv","clientIdentifier":"abc","provides":"server","owned":true,
///   "connections":[
///     {"protocol":"https","address":"162.243.175.222","port":8443,"relay":true,
///      "uri":"https://162-243-175-222.0123abcd.plex.direct:8443"},
///     {"protocol":"https","address":"192.168.1.150","port":32400,"local":true,
///      "uri":"https://192-168-1-150.0123abcd.plex.direct:32400"}]}]"#;
/// let response = http::Response::builder().status(200).body(body.to_vec()).unwrap();
/// let device = &parse_resources(&response).unwrap()[0];
///
/// let plan = plan(device, &RacePolicy::default());
/// let uris: Vec<_> = plan.candidates.iter().map(|c| (c.tier, c.uri.as_str())).collect();
/// assert_eq!(uris, [
///     (Tier::Local, "https://192-168-1-150.0123abcd.plex.direct:32400"),
///     (Tier::Relay, "https://162-243-175-222.0123abcd.plex.direct:8443"),
/// ]);
///
/// // With http twins (opt-in), the LAN connection gets a plain-http fallback.
/// let twins = plexlink_core::race::plan(device, &RacePolicy { http_twins: true, ..RacePolicy::default() });
/// assert_eq!(twins.candidates[1].uri, "http://192.168.1.150:32400");
/// assert!(twins.candidates[1].http_twin);
/// ```
#[must_use]
pub fn plan(device: &Device, policy: &RacePolicy) -> Plan {
    let mut skipped = Vec::new();
    let mut admitted = Vec::new();
    for (position, connection) in device.connections.iter().enumerate() {
        match admit(device, policy, position, connection) {
            Ok(ranked) => admitted.push(ranked),
            Err(reason) => skipped.push((connection.clone(), reason)),
        }
    }
    // Sorting before removing duplicates keeps the best-ranked copy of a URI listed twice.
    admitted.sort_by_key(Ranked::rank);
    let mut seen = HashSet::new();
    let mut kept = Vec::new();
    for ranked in admitted {
        if seen.insert(ranked.key.clone()) {
            kept.push(ranked);
        } else {
            skipped.push((ranked.candidate.connection, SkipReason::Duplicate));
        }
    }
    if policy.http_twins && policy.allow_http != HttpPolicy::Never && !device.https_required {
        let twins: Vec<Ranked> = kept
            .iter()
            .filter_map(|source| twin_of(source, &policy.addresses))
            .filter(|twin| seen.insert(twin.key.clone()))
            .collect();
        kept.extend(twins);
        kept.sort_by_key(Ranked::rank);
    }
    let candidates = kept
        .into_iter()
        .enumerate()
        .map(|(index, ranked)| Candidate {
            index,
            ..ranked.candidate
        })
        .collect();
    Plan { candidates, skipped }
}

/// A candidate while the plan is built.
struct Ranked {
    /// Where plex.tv listed the connection (for a twin, its source).
    position: usize,
    /// The normalized probe URL: two candidates with the same key are the same candidate.
    key: String,
    candidate: Candidate,
}

impl Ranked {
    fn rank(&self) -> (Tier, bool, bool, bool, usize) {
        let c = &self.candidate;
        // A twin is a guess from the name; plex.tv's own plaintext listings come first.
        (c.tier, !c.secure, c.ipv6, c.http_twin, self.position)
    }
}

fn admit(device: &Device, policy: &RacePolicy, position: usize, connection: &Connection) -> Result<Ranked, SkipReason> {
    // The same parser the probe request uses, so every candidate can be probed.
    let endpoint = wire::server_endpoint(&connection.uri, "identity").map_err(|_| SkipReason::InvalidUri)?;
    let secure = endpoint.scheme() == "https";
    let ipv6 = connection.is_ipv6() || matches!(endpoint.host(), Some(url::Host::Ipv6(_)));
    if connection.relay && !policy.relay {
        return Err(SkipReason::RelayDisabled);
    }
    if ipv6 && !policy.ipv6 {
        return Err(SkipReason::Ipv6Disabled);
    }
    let tier = connection.tier(&policy.addresses);
    // A server's owner writes its connection list (custom URLs included): a private address
    // listed as `local:false` must not make a friend's client probe its own LAN.
    if tier == Tier::Local && !device.owned && !device.public_address_matches {
        return Err(SkipReason::ForeignLan);
    }
    if !secure {
        if device.https_required {
            return Err(SkipReason::HttpsRequired);
        }
        match policy.allow_http {
            HttpPolicy::Never => return Err(SkipReason::HttpDisabled),
            HttpPolicy::PrivateOnly => {
                let may_carry_token = wire::request_uri(&endpoint)
                    .is_ok_and(|uri| crate::token_allowed_for(&uri, policy.addresses).is_ok());
                if !may_carry_token {
                    return Err(SkipReason::PlaintextToPublic);
                }
            }
            HttpPolicy::Anywhere => {}
        }
    }
    Ok(Ranked {
        position,
        key: endpoint.into(),
        candidate: Candidate {
            index: 0,
            connection: connection.clone(),
            uri: connection.uri.trim().to_owned(),
            tier,
            secure,
            ipv6,
            http_twin: false,
        },
    })
}

/// The plain-http twin of an https plex.direct candidate, where one may exist: never for a relay
/// (the relay's address is Plex's, not the server's), and only for a non-public address because
/// the connection will carry a token.
fn twin_of(source: &Ranked, rules: &AddressRules) -> Option<Ranked> {
    let c = &source.candidate;
    if !c.secure || c.http_twin || c.tier == Tier::Relay || c.connection.relay {
        return None;
    }
    let address: SocketAddr = plex_direct::direct_address(&c.connection)?;
    if !rules.is_non_public(address.ip()) {
        return None;
    }
    // SocketAddr brackets IPv6 addresses, as URLs need.
    let uri = format!("http://{address}");
    let key = wire::server_endpoint(&uri, "identity").ok()?.into();
    Some(Ranked {
        position: source.position,
        key,
        candidate: Candidate {
            index: 0,
            connection: c.connection.clone(),
            uri,
            tier: c.tier,
            secure: false,
            ipv6: address.is_ipv6(),
            http_twin: true,
        },
    })
}

/// A probe to send: `GET {candidate uri}/identity`, without a token.
#[derive(Debug)]
pub struct Probe {
    /// The candidate's index in [`ConnectionRace::plan`]; give it back with the answer.
    pub candidate: usize,
    /// The request to send.
    pub request: HttpRequest,
    /// When the race stops waiting for it. The I/O layer may use `deadline - now` as the
    /// request's own timeout.
    pub deadline: Instant,
}

/// What became of one candidate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProbeResult {
    /// It answered as the server and was chosen.
    Won,
    /// It answered as the server, but a better-ranked candidate won.
    Answered,
    /// Another server answered at that address (another box on someone's LAN): never a winner.
    WrongServer {
        /// The `machineIdentifier` it gave.
        machine_identifier: String,
    },
    /// It answered 401: reachable, but refusing. Not a winner.
    Unauthorized,
    /// It failed: a transport error, an error status, or an answer that is not `/identity`.
    Failed(Error),
    /// No answer before its deadline.
    TimedOut,
    /// Still pending when the race was decided.
    Abandoned,
    /// Never sent before the race was decided.
    NotSent,
}

impl ProbeResult {
    /// A stable name for programs: `won`, `answered`, `wrong_server`, `unauthorized`, `failed`,
    /// `timed_out`, `abandoned`, `not_sent`. [`Display`](fmt::Display) is the prose for people.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Won => "won",
            Self::Answered => "answered",
            Self::WrongServer { .. } => "wrong_server",
            Self::Unauthorized => "unauthorized",
            Self::Failed(_) => "failed",
            Self::TimedOut => "timed_out",
            Self::Abandoned => "abandoned",
            Self::NotSent => "not_sent",
        }
    }
}

impl fmt::Display for ProbeResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Won => f.write_str("chosen"),
            Self::Answered => f.write_str("answered, but a better connection won"),
            Self::WrongServer { machine_identifier } => {
                write!(f, "another server answered ({machine_identifier})")
            }
            Self::Unauthorized => f.write_str("unauthorized"),
            Self::Failed(error) => write!(f, "failed: {error}"),
            Self::TimedOut => f.write_str("timed out"),
            Self::Abandoned => f.write_str("still pending when the race ended"),
            Self::NotSent => f.write_str("not sent"),
        }
    }
}

/// One candidate's part in a race.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CandidateReport {
    /// The candidate.
    pub candidate: Candidate,
    /// What became of it.
    pub result: ProbeResult,
    /// From sending the probe to its HTTP answer (any status); `None` without an answer.
    pub latency: Option<Duration>,
}

/// How a race ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RaceOutcome {
    /// The index of the chosen candidate; `None` when no candidate answered as the server.
    pub winner: Option<usize>,
    /// Every candidate, in rank order (`reports[i].candidate.index == i`).
    pub reports: Vec<CandidateReport>,
    /// The connections that were not candidates, and why.
    pub skipped: Vec<(Connection, SkipReason)>,
    /// From the race's start to its decision.
    pub elapsed: Duration,
}

impl RaceOutcome {
    /// The chosen candidate, if any.
    #[must_use]
    pub fn winning_candidate(&self) -> Option<&Candidate> {
        self.winner.map(|w| &self.reports[w].candidate)
    }
}

#[derive(Clone, Debug)]
enum Slot {
    Unsent,
    Pending {
        sent: Instant,
        deadline: Instant,
    },
    // A good answer is kept as `Answered` until the decision names the winner.
    Done {
        result: ProbeResult,
        latency: Option<Duration>,
    },
}

impl Slot {
    fn still_possible(&self) -> bool {
        matches!(self, Self::Unsent | Self::Pending { .. })
    }

    fn is_good(&self) -> bool {
        matches!(
            self,
            Self::Done {
                result: ProbeResult::Answered,
                ..
            }
        )
    }
}

/// Probes one server's connections and chooses the best one that answers as that server.
///
/// Every candidate of [`plan`] is probed at once with `GET {uri}/identity`. An answer counts when
/// its `machineIdentifier` is the device's `clientIdentifier`. When the first good answer
/// arrives, the race waits at most [`RacePolicy::grace`] for candidates of a better class (a
/// nearer tier, or https over http) still pending; it ends as soon as none can still answer, and
/// then ignores everything else. Within one class the first good answer wins at once. Without any good answer it ends when every probe has failed or timed out.
///
/// Call order (the race reads no clock; `now` is the caller's):
/// 1. [`new`](Self::new), then [`poll_transmit`](Self::poll_transmit) until it returns `None`,
///    sending every probe at once.
/// 2. Hand each answer to [`handle_response`](Self::handle_response) and each transport error to
///    [`handle_failure`](Self::handle_failure), as they come.
/// 3. When [`poll_timeout`](Self::poll_timeout)'s instant passes with nothing else to report,
///    call [`handle_timeout`](Self::handle_timeout).
/// 4. Once [`is_decided`](Self::is_decided), read [`outcome`](Self::outcome) and drop the
///    probes still in flight.
///
/// Timers are applied in time order before any event handed in with a later `now`: an answer
/// handed in after its deadline, or after the grace window ended, arrives too late even if
/// `handle_timeout` was not called in between.
///
/// ```no_run
/// use std::time::Instant;
/// use plexlink_core::race::{ConnectionRace, RacePolicy};
/// use plexlink_core::resources::Device;
/// use plexlink_core::{ClientInfo, Error, HttpRequest, HttpResponse};
///
/// // A sequential driver for illustration; a real one sends the probes concurrently.
/// fn choose(
///     info: ClientInfo,
///     device: &Device,
///     clock: impl Fn() -> Instant,
///     send: impl Fn(HttpRequest, Instant) -> Result<HttpResponse, Error>,
/// ) -> Option<String> {
///     let mut race = ConnectionRace::new(info, device, RacePolicy::default(), clock());
///     let mut probes = Vec::new();
///     while let Some(probe) = race.poll_transmit(clock()) {
///         probes.push(probe);
///     }
///     for probe in probes {
///         match send(probe.request, probe.deadline) {
///             Ok(response) => race.handle_response(clock(), probe.candidate, response),
///             Err(error) => race.handle_failure(clock(), probe.candidate, error),
///         }
///         if race.is_decided() {
///             break;
///         }
///     }
///     while let Some(at) = race.poll_timeout() {
///         race.handle_timeout(at.max(clock()));
///     }
///     race.winner()?.ok().map(|candidate| candidate.uri.clone())
/// }
/// ```
#[derive(Clone, Debug)]
pub struct ConnectionRace {
    info: ClientInfo,
    server_name: String,
    machine_identifier: String,
    policy: RacePolicy,
    plan: Plan,
    /// For each http twin, the index of the https candidate it derives from.
    sources: Vec<Option<usize>>,
    slots: Vec<Slot>,
    started: Instant,
    grace_end: Option<Instant>,
    outcome: Option<RaceOutcome>,
}

impl ConnectionRace {
    /// A race over the candidates of `plan(device, &policy)`, started at `now`. With no
    /// candidate it is decided at once, without a winner.
    pub fn new(info: ClientInfo, device: &Device, policy: RacePolicy, now: Instant) -> Self {
        let plan = plan(device, &policy);
        let sources = plan
            .candidates
            .iter()
            .map(|twin| {
                twin.http_twin.then(|| {
                    plan.candidates
                        .iter()
                        .position(|c| !c.http_twin && c.secure && c.connection == twin.connection)
                })?
            })
            .collect();
        let mut race = Self {
            info,
            server_name: device.name.clone(),
            machine_identifier: device.client_identifier.clone(),
            policy,
            sources,
            slots: vec![Slot::Unsent; plan.candidates.len()],
            plan,
            started: now,
            grace_end: None,
            outcome: None,
        };
        race.reduce(now);
        race
    }

    /// The next probe to send, or `None` when every probe is out (or the race is decided).
    /// Each probe's deadline is `now` + [`RacePolicy::probe_timeout`].
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Probe> {
        self.catch_up(now);
        while self.outcome.is_none() {
            let index = self.slots.iter().position(|slot| matches!(slot, Slot::Unsent))?;
            match server::identity_request(&self.info, &self.plan.candidates[index].uri) {
                Ok(request) => {
                    let deadline = later(now, self.policy.probe_timeout);
                    self.slots[index] = Slot::Pending { sent: now, deadline };
                    return Some(Probe {
                        candidate: index,
                        request,
                        deadline,
                    });
                }
                // `plan` admits only URIs this request accepts; should a caller-built race ever
                // hold one, it fails like any unreachable connection instead of stalling.
                Err(error) => {
                    self.slots[index] = Slot::Done {
                        result: ProbeResult::Failed(error),
                        latency: None,
                    };
                    self.reduce(now);
                }
            }
        }
        None
    }

    /// The answer to `candidate`'s probe. Ignored when that probe is not pending (unknown index,
    /// already settled, timed out) or the race is decided.
    pub fn handle_response(&mut self, now: Instant, candidate: usize, response: HttpResponse) {
        self.settle(now, candidate, |race, sent| {
            (race.judge(&response), Some(now.saturating_duration_since(sent)))
        });
    }

    /// A probe that got no answer: `error` is the I/O layer's (a transport error; its own
    /// timeout counts as [`ProbeResult::TimedOut`]). Ignored like a late response.
    pub fn handle_failure(&mut self, now: Instant, candidate: usize, error: Error) {
        self.settle(now, candidate, |_, _| {
            let result = match error {
                Error::Transport {
                    kind: TransportErrorKind::Timeout,
                    ..
                }
                | Error::Timeout { .. } => ProbeResult::TimedOut,
                error => ProbeResult::Failed(error),
            };
            (result, None)
        });
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called: the earliest probe
    /// deadline or the end of the grace window. `None` once decided, and also while no probe is
    /// out yet: a probe's clock starts when [`poll_transmit`](Self::poll_transmit) hands it over.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.outcome.is_some() {
            return None;
        }
        let deadlines = self.slots.iter().filter_map(|slot| match slot {
            Slot::Pending { deadline, .. } => Some(*deadline),
            _ => None,
        });
        deadlines.chain(self.grace_end).min()
    }

    /// Applies every timer due by `now`: probes past their deadline time out, and the end of the
    /// grace window decides the race.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.catch_up(now);
    }

    /// How the race ended; `None` until it is decided.
    #[must_use]
    pub fn outcome(&self) -> Option<&RaceOutcome> {
        self.outcome.as_ref()
    }

    /// The chosen candidate, or [`Error::NoConnection`] when none answered as the server;
    /// `None` until the race is decided.
    #[must_use]
    pub fn winner(&self) -> Option<Result<&Candidate, Error>> {
        let outcome = self.outcome.as_ref()?;
        Some(outcome.winning_candidate().ok_or_else(|| Error::NoConnection {
            server: self.server_name.clone(),
            race: Some(Box::new(outcome.clone())),
        }))
    }

    /// True once the race has chosen (or found that nothing answered).
    #[must_use]
    pub fn is_decided(&self) -> bool {
        self.outcome.is_some()
    }

    /// The candidates being raced and the connections left out.
    #[must_use]
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    fn settle(
        &mut self,
        now: Instant,
        candidate: usize,
        result: impl FnOnce(&Self, Instant) -> (ProbeResult, Option<Duration>),
    ) {
        self.catch_up(now);
        if self.outcome.is_some() {
            return;
        }
        let Some(&Slot::Pending { sent, .. }) = self.slots.get(candidate) else {
            return;
        };
        let (result, latency) = result(self, sent);
        self.slots[candidate] = Slot::Done { result, latency };
        self.reduce(now);
    }

    fn judge(&self, response: &HttpResponse) -> ProbeResult {
        match server::parse_identity(response) {
            Ok(identity) if identity.machine_identifier == self.machine_identifier => ProbeResult::Answered,
            Ok(identity) => ProbeResult::WrongServer {
                machine_identifier: identity.machine_identifier,
            },
            Err(Error::ServerRefused { status: 401 }) => ProbeResult::Unauthorized,
            Err(error) => ProbeResult::Failed(error),
        }
    }

    /// Fires the timers due by `now` one at a time, in time order, so that the decision happens
    /// at the instant it would have with a caller that never runs late.
    fn catch_up(&mut self, now: Instant) {
        while let Some(at) = self.poll_timeout().filter(|&at| at <= now) {
            for slot in &mut self.slots {
                if matches!(slot, Slot::Pending { deadline, .. } if *deadline <= at) {
                    *slot = Slot::Done {
                        result: ProbeResult::TimedOut,
                        latency: None,
                    };
                }
            }
            self.reduce(at);
        }
    }

    /// Decides when the state at `at` allows it.
    fn reduce(&mut self, at: Instant) {
        if self.outcome.is_some() {
            return;
        }
        self.refuse_twins();
        let best = (0..self.slots.len()).find(|&i| self.can_win(i));
        // The window opens at the first answer that can win (a twin's counts only once its
        // source failed to resolve).
        if best.is_some() && self.grace_end.is_none() {
            self.grace_end = Some(later(at, self.policy.grace));
        }
        let grace_over = self.grace_end.is_some_and(|end| end <= at);
        match best {
            Some(best) if grace_over || !self.better_class_pending(best) => self.decide(Some(best), at),
            None if !(0..self.slots.len()).any(|i| self.still_possible(i)) => self.decide(None, at),
            _ => {}
        }
    }

    /// Whether candidate `i` answered as the server and may be chosen: an http twin only once
    /// its https source failed to resolve (the one failure a twin is a fallback for).
    fn can_win(&self, i: usize) -> bool {
        self.slots[i].is_good() && self.sources[i].is_none_or(|source| self.source_unresolved(source))
    }

    /// Whether candidate `i` may still come to win: its probe is out, or it is a twin that
    /// answered while its source is still out.
    fn still_possible(&self, i: usize) -> bool {
        self.slots[i].still_possible()
            || (self.slots[i].is_good() && self.sources[i].is_some_and(|source| self.slots[source].still_possible()))
    }

    fn source_unresolved(&self, source: usize) -> bool {
        matches!(
            &self.slots[source],
            Slot::Done {
                result: ProbeResult::Failed(Error::Transport {
                    kind: TransportErrorKind::Dns,
                    ..
                }),
                ..
            }
        )
    }

    /// Settles every twin whose source ended other than by a failed name resolution: it is
    /// never chosen, whatever it answered. Above all after a TLS or certificate failure, where
    /// plain http would hand the token to whoever broke TLS.
    fn refuse_twins(&mut self) {
        for twin in 0..self.slots.len() {
            let Some(source) = self.sources[twin] else { continue };
            let Slot::Done {
                result: source_result, ..
            } = &self.slots[source]
            else {
                continue;
            };
            if self.source_unresolved(source)
                || matches!(
                    self.slots[twin],
                    Slot::Done {
                        result: ProbeResult::Failed(_),
                        ..
                    }
                )
            {
                continue;
            }
            let reason = format!(
                "a plain-http twin is used only when its https name does not resolve; the https connection {source_result}"
            );
            let latency = match &self.slots[twin] {
                Slot::Done { latency, .. } => *latency,
                _ => None,
            };
            self.slots[twin] = Slot::Done {
                result: ProbeResult::Failed(Error::InsecureTransport {
                    url: self.plan.candidates[twin].uri.clone(),
                    reason,
                }),
                latency,
            };
        }
    }

    /// Whether a candidate of a better class than `best` (a nearer tier, or https over http)
    /// can still answer. Within one class the first good answer is as good as any: waiting for a
    /// better-ranked twin of the same kind (the next IPv4 address, plex.tv's next listing) would
    /// let one black-holed address cost the whole grace window.
    fn better_class_pending(&self, best: usize) -> bool {
        let class = |c: &Candidate| (c.tier, !c.secure);
        let best_class = class(&self.plan.candidates[best]);
        (0..self.slots.len()).any(|i| self.still_possible(i) && class(&self.plan.candidates[i]) < best_class)
    }

    fn decide(&mut self, winner: Option<usize>, at: Instant) {
        let reports = self
            .plan
            .candidates
            .iter()
            .zip(&self.slots)
            .map(|(candidate, slot)| {
                let (result, latency) = match slot {
                    Slot::Unsent => (ProbeResult::NotSent, None),
                    Slot::Pending { .. } => (ProbeResult::Abandoned, None),
                    Slot::Done { result, latency } if winner == Some(candidate.index) => {
                        debug_assert_eq!(*result, ProbeResult::Answered);
                        (ProbeResult::Won, *latency)
                    }
                    Slot::Done { result, latency } => (result.clone(), *latency),
                };
                CandidateReport {
                    candidate: candidate.clone(),
                    result,
                    latency,
                }
            })
            .collect();
        self.outcome = Some(RaceOutcome {
            winner,
            reports,
            skipped: self.plan.skipped.clone(),
            elapsed: at.saturating_duration_since(self.started),
        });
    }
}

/// `now + duration`; a duration too large for the platform's clock means "as late as can be".
fn later(now: Instant, duration: Duration) -> Instant {
    now.checked_add(duration)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::parse_resources;
    use ProbeResult::{Abandoned, Answered, TimedOut, Won};
    use Reply::{Fail, Identity, Status};

    const HASH: &str = "fc6b48db927de7394036856ade1760b9";
    const SERVER_ID: &str = "8276c3fa6bc24e44b347e19c71fbb98b9287c1e9";
    const RESOURCES_EXAMPLE: &str = include_str!("../testdata/resources_example.json");

    /// The resources example of docs/protocol.md §3.1 (testdata/resources_example.json): local
    /// https, remote https, relay; with http twins, the local one gets a twin after it.
    fn wire_device() -> Device {
        let response = http::Response::builder()
            .status(200)
            .body(RESOURCES_EXAMPLE.as_bytes().to_vec())
            .expect("response");
        parse_resources(&response).expect("the example parses").remove(0)
    }

    fn device_with(connections: Vec<Connection>) -> Device {
        let mut device = wire_device();
        device.connections = connections;
        device
    }

    fn direct(address: &str, port: u16, local: bool, relay: bool) -> Connection {
        let label = match address.parse::<std::net::IpAddr>().expect("an IP address") {
            std::net::IpAddr::V4(v4) => v4.octets().map(|o| o.to_string()).join("-"),
            std::net::IpAddr::V6(v6) => v6.segments().map(|s| format!("{s:x}")).join("-"),
        };
        Connection::new(
            "https",
            address,
            port,
            &format!("https://{label}.{HASH}.plex.direct:{port}"),
            local,
            relay,
        )
    }

    fn plain(address: &str, port: u16, local: bool) -> Connection {
        let host = if address.contains(':') {
            format!("[{address}]")
        } else {
            address.to_owned()
        };
        Connection::new("http", address, port, &format!("http://{host}:{port}"), local, false)
    }

    fn uris(plan: &Plan) -> Vec<&str> {
        plan.candidates.iter().map(|c| c.uri.as_str()).collect()
    }

    fn reasons(plan: &Plan) -> Vec<(&str, SkipReason)> {
        plan.skipped.iter().map(|(c, r)| (c.uri.as_str(), *r)).collect()
    }

    fn info() -> ClientInfo {
        ClientInfo::new("Player", "client-1")
    }

    /// The default policy with http twins, which are opt-in.
    fn twins() -> RacePolicy {
        RacePolicy {
            http_twins: true,
            ..RacePolicy::default()
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// The origin of the simulated clock. This is the one clock read in the core's tests: an
    /// `Instant` cannot be made any other way, and only offsets from it are ever compared.
    fn epoch() -> Instant {
        Instant::now()
    }

    // ---- planning ----

    #[test]
    fn the_wire_example_plans_local_twin_remote_relay() {
        let plan = plan(&wire_device(), &twins());
        assert_eq!(
            uris(&plan),
            [
                format!("https://192-168-1-150.{HASH}.plex.direct:32400").as_str(),
                "http://192.168.1.150:32400",
                &format!("https://54-231-109-34.{HASH}.plex.direct:45678"),
                &format!("https://162-243-175-222.{HASH}.plex.direct:8443"),
            ]
        );
        let tiers: Vec<_> = plan
            .candidates
            .iter()
            .map(|c| (c.index, c.tier, c.secure, c.http_twin))
            .collect();
        assert_eq!(
            tiers,
            [
                (0, Tier::Local, true, false),
                (1, Tier::Local, false, true),
                (2, Tier::Remote, true, false),
                (3, Tier::Relay, true, false)
            ]
        );
        assert_eq!(
            plan.candidates[1].connection,
            wire_device().connections[0],
            "a twin keeps its source"
        );
        assert!(plan.skipped.is_empty());
    }

    #[test]
    fn lan_addresses_of_unowned_servers_are_dropped_unless_we_are_on_that_lan() {
        let mut device = wire_device();
        device.owned = false;
        let away = plan(&device, &RacePolicy::default());
        assert_eq!(
            reasons(&away),
            [(device.connections[0].uri.as_str(), SkipReason::ForeignLan)]
        );
        assert!(
            away.candidates.iter().all(|c| c.tier != Tier::Local),
            "no twin of a skipped connection either"
        );

        device.public_address_matches = true;
        let home = plan(&device, &twins());
        assert!(home.skipped.is_empty());
        assert_eq!(home.candidates[0].tier, Tier::Local);
        assert!(home.candidates[1].http_twin);
    }

    #[test]
    fn https_required_or_never_leaves_no_plaintext() {
        let mut device = device_with(vec![
            direct("192.168.1.150", 32400, true, false),
            plain("192.168.1.151", 32400, true),
        ]);
        let both = plan(&device, &twins());
        assert_eq!(
            uris(&both),
            [
                format!("https://192-168-1-150.{HASH}.plex.direct:32400").as_str(),
                "http://192.168.1.151:32400",
                "http://192.168.1.150:32400"
            ]
        );
        assert_eq!(
            both.candidates.iter().map(|c| c.http_twin).collect::<Vec<_>>(),
            [false, false, true],
            "a twin ranks after plex.tv's own plaintext connections"
        );

        device.https_required = true;
        let required = plan(&device, &twins());
        assert_eq!(required.candidates.len(), 1);
        assert!(required.candidates[0].secure);
        assert_eq!(
            reasons(&required),
            [("http://192.168.1.151:32400", SkipReason::HttpsRequired)]
        );

        device.https_required = false;
        let never = plan(
            &device,
            &RacePolicy {
                allow_http: HttpPolicy::Never,
                ..RacePolicy::default()
            },
        );
        assert_eq!(never.candidates.len(), 1);
        assert_eq!(
            reasons(&never),
            [("http://192.168.1.151:32400", SkipReason::HttpDisabled)]
        );
    }

    #[test]
    fn twins_only_for_private_plex_direct_names() {
        let device = device_with(vec![
            direct("10.0.0.5", 32400, true, false),
            direct("54.231.109.34", 32400, false, false),
            // A relay never gets a twin, even one whose name encodes a private address.
            direct("10.9.9.9", 8443, false, true),
            direct("100.64.1.2", 32400, false, false),
            // A name that does not encode the advertised address is not trusted.
            Connection::new(
                "https",
                "10.0.0.6",
                32400,
                &format!("https://10-0-0-7.{HASH}.plex.direct:32400"),
                true,
                false,
            ),
            Connection::new(
                "https",
                "10.0.0.8",
                32400,
                "https://myserver.example.com:32400",
                true,
                false,
            ),
        ]);
        assert!(
            plan(&device, &RacePolicy::default())
                .candidates
                .iter()
                .all(|c| !c.http_twin),
            "twins are opt-in"
        );
        let twins_of = |policy: &RacePolicy| -> Vec<(String, Tier)> {
            plan(&device, policy)
                .candidates
                .iter()
                .filter(|c| c.http_twin)
                .map(|c| (c.uri.clone(), c.tier))
                .collect()
        };
        assert_eq!(twins_of(&twins()), [("http://10.0.0.5:32400".to_owned(), Tier::Local)]);
        // Carrier-grade NAT is private only when asked: then its address is local, twin and all.
        let mut cgnat = twins();
        cgnat.addresses.carrier_nat_is_private = true;
        assert_eq!(
            twins_of(&cgnat),
            [
                ("http://10.0.0.5:32400".to_owned(), Tier::Local),
                ("http://100.64.1.2:32400".to_owned(), Tier::Local)
            ]
        );
        let plan = plan(&device, &twins());
        assert!(
            plan.candidates
                .iter()
                .filter(|c| c.http_twin)
                .all(|c| !c.secure && !c.connection.relay)
        );
    }

    #[test]
    fn ipv6_twins_are_bracketed_and_rank_after_ipv4() {
        let device = device_with(vec![
            direct("fd00::5", 32400, true, false),
            direct("192.168.1.150", 32400, true, false),
        ]);
        let plan = plan(&device, &twins());
        assert_eq!(
            uris(&plan),
            [
                format!("https://192-168-1-150.{HASH}.plex.direct:32400").as_str(),
                &format!("https://fd00-0-0-0-0-0-0-5.{HASH}.plex.direct:32400"),
                "http://192.168.1.150:32400",
                "http://[fd00::5]:32400",
            ]
        );
        assert_eq!(
            plan.candidates.iter().map(|c| c.ipv6).collect::<Vec<_>>(),
            [false, true, false, true]
        );
        let request = server::identity_request(&info(), &plan.candidates[3].uri).expect("a probe-able twin");
        assert_eq!(request.uri(), "http://[fd00::5]:32400/identity");

        let v4_only = super::plan(&device, &RacePolicy { ipv6: false, ..twins() });
        assert_eq!(v4_only.candidates.len(), 2);
        assert_eq!(
            reasons(&v4_only),
            [(
                format!("https://fd00-0-0-0-0-0-0-5.{HASH}.plex.direct:32400").as_str(),
                SkipReason::Ipv6Disabled
            )]
        );
    }

    #[test]
    fn order_is_tier_then_https_then_ipv4_then_given_order() {
        let device = device_with(vec![
            direct("162.243.175.222", 8443, false, true),
            plain("2001:db8::7", 32400, false),
            plain("54.231.109.35", 32400, false),
            direct("2001:db8::5", 32400, false, false),
            plain("192.168.1.151", 32400, true),
            direct("54.231.109.34", 32400, false, false),
            direct("192.168.1.150", 32400, true, false),
            direct("54.231.109.36", 32400, false, false),
        ]);
        let anywhere = RacePolicy {
            allow_http: HttpPolicy::Anywhere,
            ..twins()
        };
        let plan = plan(&device, &anywhere);
        assert_eq!(
            uris(&plan),
            [
                format!("https://192-168-1-150.{HASH}.plex.direct:32400").as_str(),
                "http://192.168.1.151:32400",
                "http://192.168.1.150:32400",
                &format!("https://54-231-109-34.{HASH}.plex.direct:32400"),
                &format!("https://54-231-109-36.{HASH}.plex.direct:32400"),
                &format!("https://2001-db8-0-0-0-0-0-5.{HASH}.plex.direct:32400"),
                "http://54.231.109.35:32400",
                "http://[2001:db8::7]:32400",
                &format!("https://162-243-175-222.{HASH}.plex.direct:8443"),
            ]
        );
        assert!(plan.candidates.iter().enumerate().all(|(i, c)| c.index == i));

        // By default plaintext to a public address is no candidate: its winner could not carry a token.
        let private = super::plan(&device, &RacePolicy::default());
        assert_eq!(
            reasons(&private),
            [
                ("http://[2001:db8::7]:32400", SkipReason::PlaintextToPublic),
                ("http://54.231.109.35:32400", SkipReason::PlaintextToPublic)
            ]
        );
        let no_relay = super::plan(
            &device,
            &RacePolicy {
                relay: false,
                ..RacePolicy::default()
            },
        );
        assert!(no_relay.candidates.iter().all(|c| c.tier != Tier::Relay));
        assert!(reasons(&no_relay).contains(&(
            format!("https://162-243-175-222.{HASH}.plex.direct:8443").as_str(),
            SkipReason::RelayDisabled
        )));
    }

    #[test]
    fn duplicates_and_garbage_are_skipped() {
        let local = direct("192.168.1.150", 32400, true, false);
        let mut same_as_remote = local.clone();
        same_as_remote.local = false;
        let device = device_with(vec![
            same_as_remote.clone(),
            local.clone(),
            plain("192.168.1.150", 32400, true),
            Connection::new("https", "", 0, "not a uri", false, false),
            Connection::new("ftp", "10.0.0.1", 21, "ftp://10.0.0.1:21", true, false),
            Connection::new(
                "http",
                "192.168.1.150",
                32400,
                "HTTP://192.168.1.150:32400/",
                true,
                false,
            ),
        ]);
        let plan = plan(&device, &RacePolicy::default());
        // The best-ranked copy stays; plex.tv's own http connection makes a twin unnecessary.
        assert_eq!(uris(&plan), [local.uri.as_str(), "http://192.168.1.150:32400"]);
        assert_eq!(plan.candidates[0].tier, Tier::Local);
        assert!(!plan.candidates[1].http_twin);
        assert_eq!(
            reasons(&plan),
            [
                ("not a uri", SkipReason::InvalidUri),
                ("ftp://10.0.0.1:21", SkipReason::InvalidUri),
                // Both copies are local by their address, so plex.tv's first listing stays.
                (local.uri.as_str(), SkipReason::Duplicate),
                ("HTTP://192.168.1.150:32400/", SkipReason::Duplicate),
            ]
        );
    }

    // ---- the race, on a simulated clock ----

    /// The docs/protocol.md §3.1 example with plex.tv's own plain-http listing of the LAN address: candidates
    /// 0 local https, 1 local http, 2 remote https, 3 relay, one of each class.
    fn raced_device() -> Device {
        let mut device = wire_device();
        device.connections.insert(1, plain("192.168.1.150", 32400, true));
        device
    }

    #[derive(Clone, Debug)]
    enum Reply {
        /// 200 with this `machineIdentifier`.
        Identity(&'static str),
        /// An error status with an HTML page, as a PMS sends.
        Status(u16),
        /// No answer: a transport error of this kind.
        Fail(TransportErrorKind),
    }

    fn ok() -> Reply {
        Identity(SERVER_ID)
    }

    fn response(reply: &Reply) -> HttpResponse {
        let (status, body) = match reply {
            Identity(id) => (
                200,
                format!(
                    r#"{{"MediaContainer":{{"size":0,"claimed":true,"machineIdentifier":"{id}","version":"1.40.0.7998"}}}}"#
                ),
            ),
            Status(status) => (*status, "<html><head><title>Error</title></head></html>".to_owned()),
            Fail(_) => unreachable!("failures are not responses"),
        };
        http::Response::builder()
            .status(status)
            .body(body.into_bytes())
            .expect("response")
    }

    /// Drives a race with scripted replies `(candidate, at_ms, reply)` on a simulated clock that
    /// jumps to the next timer or scripted event. Candidates without a reply stay silent.
    struct Harness {
        race: ConnectionRace,
        origin: Instant,
    }

    impl Harness {
        fn new(device: &Device, policy: RacePolicy) -> Self {
            let origin = epoch();
            let mut race = ConnectionRace::new(info(), device, policy, origin);
            let mut probes = Vec::new();
            while let Some(probe) = race.poll_transmit(origin) {
                probes.push(probe);
            }
            assert_eq!(
                probes.len(),
                race.plan().candidates.len(),
                "every probe is released at once"
            );
            for (i, probe) in probes.iter().enumerate() {
                assert_eq!(probe.candidate, i);
                assert_eq!(probe.deadline, origin + policy.probe_timeout);
                assert_eq!(probe.request.method(), "GET");
                assert_eq!(
                    probe.request.uri().to_string(),
                    format!("{}/identity", race.plan().candidates[i].uri)
                );
                assert!(probe.request.headers().get("x-plex-token").is_none());
                assert_eq!(probe.request.headers()["x-plex-client-identifier"], "client-1");
            }
            Self { race, origin }
        }

        /// Runs the script to its end (events after the decision included, which must change
        /// nothing) and returns the outcome.
        fn run(&mut self, script: &[(usize, u64, Reply)]) -> RaceOutcome {
            let mut events = script.to_vec();
            events.sort_by_key(|e| e.1);
            let mut events = events.into_iter().peekable();
            let mut decided: Option<RaceOutcome> = None;
            loop {
                let event_at = events.peek().map(|e| self.origin + ms(e.1));
                let now = match (self.race.poll_timeout(), event_at) {
                    (None, None) => break,
                    // A timer due at the same instant as an answer fires first.
                    (Some(timer), at) if at.is_none_or(|at| timer <= at) => {
                        self.race.handle_timeout(timer);
                        timer
                    }
                    (_, Some(at)) => {
                        let (candidate, _, reply) = events.next().expect("peeked");
                        match reply {
                            Fail(kind) => {
                                let error = Error::Transport {
                                    kind,
                                    detail: "scripted".into(),
                                };
                                self.race.handle_failure(at, candidate, error);
                            }
                            reply => self.race.handle_response(at, candidate, response(&reply)),
                        }
                        at
                    }
                    (Some(_), None) => unreachable!("a timer with no event left fires first"),
                };
                assert!(self.race.poll_transmit(now).is_none(), "nothing is sent twice");
                match (&decided, self.race.outcome()) {
                    (Some(before), Some(after)) => {
                        assert_eq!(before, after, "a decided race never changes")
                    }
                    (None, Some(first)) => decided = Some(first.clone()),
                    (Some(_), None) => panic!("a decision was undone"),
                    (None, None) => {}
                }
            }
            assert!(self.race.is_decided(), "a race always ends");
            assert_eq!(self.race.poll_timeout(), None);
            self.race.outcome().expect("decided").clone()
        }
    }

    fn results(outcome: &RaceOutcome) -> Vec<ProbeResult> {
        outcome.reports.iter().map(|r| r.result.clone()).collect()
    }

    fn run(script: &[(usize, u64, Reply)]) -> RaceOutcome {
        Harness::new(&raced_device(), RacePolicy::default()).run(script)
    }

    #[test]
    fn a_better_candidate_within_grace_beats_the_relay_that_answered_first() {
        let outcome = run(&[(3, 20, ok()), (0, 100, ok()), (2, 300, ok())]);
        assert_eq!(outcome.winner, Some(0));
        assert_eq!(outcome.elapsed, ms(100), "the best candidate ends the race at once");
        assert_eq!(results(&outcome), [Won, Abandoned, Abandoned, Answered]);
        assert_eq!(outcome.reports[0].latency, Some(ms(100)));
        assert_eq!(outcome.reports[3].latency, Some(ms(20)));
        assert_eq!(outcome.reports[1].latency, None);
    }

    #[test]
    fn a_better_candidate_after_grace_is_too_late() {
        let outcome = run(&[(3, 20, ok()), (2, 60, ok()), (0, 600, ok())]);
        assert_eq!(outcome.winner, Some(2), "the best that answered within the window");
        assert_eq!(outcome.elapsed, ms(520), "decided at first answer + grace");
        assert_eq!(results(&outcome), [Abandoned, Abandoned, Won, Answered]);

        let relay_alone = run(&[(3, 20, ok()), (0, 600, ok())]);
        assert_eq!(relay_alone.winner, Some(3));
        assert_eq!(relay_alone.elapsed, ms(520));
        assert_eq!(relay_alone.winning_candidate().map(|c| c.tier), Some(Tier::Relay));
    }

    #[test]
    fn the_default_grace_lets_a_slow_lan_server_beat_a_fast_relay() {
        // The case the default window is sized for: the LAN server answers in 300 ms, the relay
        // in 5 ms. The LAN server wins, and the race ends the moment it answers.
        let outcome = run(&[(3, 5, ok()), (0, 300, ok())]);
        assert_eq!(outcome.winner, Some(0));
        assert_eq!(outcome.elapsed, ms(300));
        // When nothing nearer answers, the relay wins one grace window after its own answer.
        let outcome = run(&[(3, 5, ok())]);
        assert_eq!(outcome.winner, Some(3));
        assert_eq!(outcome.elapsed, ms(5) + DEFAULT_GRACE);
    }

    #[test]
    fn the_best_candidate_answering_first_decides_at_once() {
        let origin = epoch();
        let mut race = ConnectionRace::new(info(), &raced_device(), RacePolicy::default(), origin);
        let probes: Vec<Probe> = std::iter::from_fn(|| race.poll_transmit(origin)).collect();
        assert_eq!(probes.len(), 4);
        assert_eq!(race.poll_timeout(), Some(origin + DEFAULT_PROBE_TIMEOUT));
        race.handle_response(origin + ms(5), 0, response(&ok()));
        assert!(race.is_decided());
        assert_eq!(race.poll_timeout(), None);
        let outcome = race.outcome().expect("decided");
        assert_eq!(outcome.winner, Some(0));
        assert_eq!(outcome.elapsed, ms(5));
        assert_eq!(results(outcome), [Won, Abandoned, Abandoned, Abandoned]);
        assert_eq!(
            race.winner().expect("decided").expect("a winner").uri,
            race.plan().candidates[0].uri
        );
    }

    #[test]
    fn a_black_hole_of_the_same_class_costs_nothing() {
        // Two plain local addresses: the first listed never answers, the second does.
        let device = device_with(vec![
            plain("192.168.1.150", 32400, true),
            plain("192.168.1.151", 32400, true),
        ]);
        let outcome = Harness::new(&device, RacePolicy::default()).run(&[(1, 4, ok())]);
        assert_eq!(outcome.winner, Some(1));
        assert_eq!(outcome.elapsed, ms(4), "no grace window within one class");
        assert_eq!(results(&outcome), [Abandoned, Won]);
    }

    #[test]
    fn failures_of_every_better_candidate_decide_at_once() {
        let outcome = run(&[
            (2, 10, ok()),
            (0, 30, Fail(TransportErrorKind::Dns)),
            (1, 40, Fail(TransportErrorKind::Connect)),
        ]);
        assert_eq!(outcome.winner, Some(2));
        assert_eq!(outcome.elapsed, ms(40), "no need to wait out the grace window");
        assert!(matches!(
            outcome.reports[0].result,
            ProbeResult::Failed(Error::Transport {
                kind: TransportErrorKind::Dns,
                ..
            })
        ));
        assert_eq!(outcome.reports[3].result, Abandoned);
    }

    #[test]
    fn the_wrong_server_never_wins() {
        let outcome = run(&[
            (0, 5, Identity("someone-elses-box")),
            (1, 6, Identity("someone-elses-box")),
            (2, 30, ok()),
        ]);
        assert_eq!(outcome.winner, Some(2));
        assert_eq!(
            outcome.reports[0].result,
            ProbeResult::WrongServer {
                machine_identifier: "someone-elses-box".into()
            }
        );
        assert_eq!(outcome.reports[0].latency, Some(ms(5)));

        let impostors_only = run(&[
            (0, 5, Identity("x")),
            (1, 6, Identity("x")),
            (2, 7, Identity("x")),
            (3, 8, Identity("x")),
        ]);
        assert_eq!(impostors_only.winner, None);
        assert_eq!(impostors_only.elapsed, ms(8));
    }

    #[test]
    fn unauthorized_is_its_own_result_and_never_wins() {
        let outcome = run(&[
            (0, 5, Status(401)),
            (1, 6, Status(500)),
            (2, 7, Status(200)),
            (3, 40, ok()),
        ]);
        assert_eq!(outcome.winner, Some(3));
        assert_eq!(outcome.reports[0].result, ProbeResult::Unauthorized);
        assert_eq!(
            outcome.reports[1].result,
            ProbeResult::Failed(Error::Http { status: 500 })
        );
        assert!(matches!(
            outcome.reports[2].result,
            ProbeResult::Failed(Error::Decode { .. })
        ));
        assert_eq!(outcome.elapsed, ms(40));
    }

    #[test]
    fn all_failing_leaves_no_winner() {
        let mut harness = Harness::new(&raced_device(), RacePolicy::default());
        let outcome = harness.run(&[
            (0, 1, Fail(TransportErrorKind::Tls)),
            (1, 2, Status(401)),
            (2, 3, Fail(TransportErrorKind::Connect)),
            (3, 4, Status(502)),
        ]);
        assert_eq!(outcome.winner, None);
        assert_eq!(outcome.elapsed, ms(4));
        let Some(Err(Error::NoConnection { server, race })) = harness.race.winner() else {
            panic!("no winner: {:?}", harness.race.winner())
        };
        assert_eq!(server, "StreamMaster");
        assert_eq!(race.as_deref(), harness.race.outcome(), "the error carries the race");
    }

    #[test]
    fn silent_probes_time_out_through_handle_timeout() {
        let outcome = run(&[]);
        assert_eq!(outcome.winner, None);
        assert_eq!(outcome.elapsed, DEFAULT_PROBE_TIMEOUT);
        assert_eq!(results(&outcome), [TimedOut, TimedOut, TimedOut, TimedOut]);

        // With a probe timeout shorter than the grace window, the timeouts end the wait.
        let policy = RacePolicy {
            probe_timeout: ms(100),
            ..RacePolicy::default()
        };
        let outcome = Harness::new(&raced_device(), policy).run(&[(3, 20, ok())]);
        assert_eq!(outcome.winner, Some(3));
        assert_eq!(outcome.elapsed, ms(100));
        assert_eq!(results(&outcome), [TimedOut, TimedOut, TimedOut, Won]);

        // The I/O layer's own timeout counts as one too.
        let outcome = run(&[(0, 50, Fail(TransportErrorKind::Timeout)), (1, 51, ok())]);
        assert_eq!(outcome.reports[0].result, TimedOut);
        assert_eq!(outcome.winner, Some(1));
    }

    #[test]
    fn answers_after_the_decision_or_the_deadline_change_nothing() {
        let origin = epoch();
        let policy = RacePolicy {
            probe_timeout: ms(1000),
            ..RacePolicy::default()
        };
        let mut race = ConnectionRace::new(info(), &raced_device(), policy, origin);
        while race.poll_transmit(origin).is_some() {}
        race.handle_response(origin + ms(10), 3, response(&ok()));
        race.handle_response(origin + ms(20), 3, response(&Identity("changed my mind")));
        race.handle_response(origin + ms(20), 7, response(&ok()));
        assert!(!race.is_decided());
        assert_eq!(race.poll_timeout(), Some(origin + ms(510)));
        // Handed in late without a handle_timeout call: the grace window had already ended.
        race.handle_response(origin + ms(600), 0, response(&ok()));
        let decided = race.outcome().expect("decided at grace end").clone();
        assert_eq!(decided.winner, Some(3));
        assert_eq!(decided.elapsed, ms(510));
        assert_eq!(decided.reports[0].result, Abandoned);

        race.handle_response(origin + ms(700), 1, response(&ok()));
        race.handle_failure(origin + ms(700), 2, Error::Cancelled);
        race.handle_timeout(origin + ms(10_000));
        assert!(race.poll_transmit(origin + ms(10_000)).is_none());
        assert_eq!(race.outcome(), Some(&decided));

        // A probe whose deadline passed is timed out, whatever arrives for it later.
        let mut race = ConnectionRace::new(info(), &raced_device(), policy, origin);
        while race.poll_transmit(origin).is_some() {}
        race.handle_response(origin + ms(1500), 3, response(&ok()));
        assert_eq!(race.outcome().map(|o| (o.winner, o.elapsed)), Some((None, ms(1000))));
    }

    #[test]
    fn zero_grace_takes_the_first_good_answer() {
        let policy = RacePolicy {
            grace: Duration::ZERO,
            ..RacePolicy::default()
        };
        let outcome = Harness::new(&raced_device(), policy).run(&[(3, 20, ok()), (0, 21, ok())]);
        assert_eq!(outcome.winner, Some(3));
        assert_eq!(outcome.elapsed, ms(20));
    }

    #[test]
    fn nothing_to_race_is_decided_at_once() {
        let origin = epoch();
        let mut device = wire_device();
        device.connections.clear();
        device.connections.push(direct("162.243.175.222", 8443, false, true));
        let mut race = ConnectionRace::new(
            info(),
            &device,
            RacePolicy {
                relay: false,
                ..RacePolicy::default()
            },
            origin,
        );
        assert!(race.is_decided());
        assert!(race.poll_transmit(origin).is_none());
        let outcome = race.outcome().expect("decided");
        assert_eq!((outcome.winner, outcome.elapsed), (None, Duration::ZERO));
        assert_eq!(
            outcome.skipped,
            [(device.connections[0].clone(), SkipReason::RelayDisabled)]
        );
    }

    #[test]
    fn probes_never_sent_are_reported_as_such() {
        let origin = epoch();
        let mut race = ConnectionRace::new(info(), &raced_device(), RacePolicy::default(), origin);
        let first = race.poll_transmit(origin).expect("a probe");
        let second = race.poll_transmit(origin).expect("a probe");
        race.handle_response(origin + ms(3), second.candidate, response(&ok()));
        assert!(!race.is_decided(), "candidate 0 may still answer");
        race.handle_failure(origin + ms(4), first.candidate, Error::Cancelled);
        let outcome = race.outcome().expect("no better candidate left");
        assert_eq!(outcome.winner, Some(1));
        assert_eq!(outcome.elapsed, ms(4));
        assert_eq!(results(outcome)[2..], [ProbeResult::NotSent, ProbeResult::NotSent]);

        let mut race = ConnectionRace::new(info(), &raced_device(), RacePolicy::default(), origin);
        let sent: Vec<usize> = (0..3)
            .filter_map(|_| race.poll_transmit(origin))
            .map(|p| p.candidate)
            .collect();
        assert_eq!(sent, [0, 1, 2], "probes come out in rank order");
        race.handle_response(origin + ms(3), 2, response(&ok()));
        race.handle_timeout(origin + ms(600));
        let outcome = race.outcome().expect("decided at grace end");
        assert_eq!((outcome.winner, outcome.elapsed), (Some(2), ms(503)));
        assert_eq!(results(outcome), [Abandoned, Abandoned, Won, ProbeResult::NotSent]);
    }

    /// Every arrival order of four candidates, at several spacings and with several result
    /// patterns, against an independent statement of the rules.
    #[test]
    fn every_arrival_order_gives_the_winner_the_rules_say() {
        #[derive(Clone, Copy, Debug, PartialEq)]
        enum Kind {
            Good,
            Bad,
            Impostor,
            Refused,
            Silent,
        }
        use Kind::{Bad, Good, Impostor, Refused, Silent};
        let patterns = [
            [Good, Good, Good, Good],
            [Bad, Good, Good, Good],
            [Impostor, Refused, Good, Good],
            [Silent, Good, Silent, Good],
            [Bad, Silent, Impostor, Refused],
            [Silent, Bad, Bad, Good],
        ];
        let grace = DEFAULT_GRACE.as_millis() as u64;
        let timeout = DEFAULT_PROBE_TIMEOUT.as_millis() as u64;
        let mut orders = Vec::new();
        permutations(&mut [0, 1, 2, 3], 0, &mut orders);
        assert_eq!(orders.len(), 24);
        let mut races = 0;
        for pattern in patterns {
            for order in &orders {
                for spacing in [1, 40, 100, 160, 250, 400, 600] {
                    let at = |candidate: usize| {
                        10 + spacing * order.iter().position(|&c| c == candidate).expect("in order") as u64
                    };
                    let script: Vec<_> = (0..4)
                        .filter_map(|c| {
                            let reply = match pattern[c] {
                                Good => ok(),
                                Bad => Fail(TransportErrorKind::Connect),
                                Impostor => Identity("other"),
                                Refused => Status(401),
                                Silent => return None,
                            };
                            Some((c, at(c), reply))
                        })
                        .collect();
                    let outcome = run(&script);
                    races += 1;

                    // The rules, stated independently of the machine.
                    let settles = |c: usize| if pattern[c] == Silent { timeout } else { at(c) };
                    let first_good = (0..4).filter(|&c| pattern[c] == Good).map(at).min();
                    let (winner, decided) = match first_good {
                        Some(first) => {
                            let window_end = first + grace;
                            let w = (0..4)
                                .find(|&c| pattern[c] == Good && at(c) < window_end)
                                .expect("the first is in");
                            let better_settled = (0..w).map(settles).chain([at(w)]).max().expect("non-empty");
                            (Some(w), better_settled.min(window_end))
                        }
                        None => (None, (0..4).map(settles).max().expect("non-empty")),
                    };
                    let context = format!("pattern {pattern:?}, order {order:?}, spacing {spacing} ms");
                    assert_eq!(outcome.winner, winner, "{context}");
                    assert_eq!(outcome.elapsed, ms(decided), "{context}");
                    for (c, report) in outcome.reports.iter().enumerate() {
                        // The end of the grace window fires before an answer at the same instant.
                        let after_window = first_good.is_some_and(|first| settles(c) >= first + grace);
                        let expected = if settles(c) > decided || after_window {
                            Abandoned
                        } else {
                            match pattern[c] {
                                Good if Some(c) == winner => Won,
                                Good => Answered,
                                Bad => ProbeResult::Failed(Error::Transport {
                                    kind: TransportErrorKind::Connect,
                                    detail: "scripted".into(),
                                }),
                                Impostor => ProbeResult::WrongServer {
                                    machine_identifier: "other".into(),
                                },
                                Refused => ProbeResult::Unauthorized,
                                Silent => TimedOut,
                            }
                        };
                        assert_eq!(report.result, expected, "candidate {c}, {context}");
                    }
                }
            }
        }
        assert_eq!(races, 6 * 24 * 7);
    }

    /// A twin wins only after its https source failed to resolve; after any other end of the
    /// source (TLS above all) it is refused and says why. Every pair of outcomes, both orders.
    #[test]
    fn an_http_twin_is_a_fallback_for_dns_only_never_after_tls_fails() {
        let device = device_with(vec![direct("192.168.1.150", 32400, true, false)]);
        let source_replies = [
            ("good", Some(ok())),
            ("dns", Some(Fail(TransportErrorKind::Dns))),
            ("tls", Some(Fail(TransportErrorKind::Tls))),
            ("connect", Some(Fail(TransportErrorKind::Connect))),
            ("401", Some(Status(401))),
            ("silent", None),
        ];
        let twin_replies = [("good", Some(ok())), ("bad", Some(Status(500))), ("silent", None)];
        for (source_name, source_reply) in &source_replies {
            for (twin_name, twin_reply) in &twin_replies {
                for (source_at, twin_at) in [(10, 20), (20, 10), (10, 700), (700, 10)] {
                    let mut harness = Harness::new(&device, twins());
                    assert!(harness.race.plan().candidates[1].http_twin);
                    let mut script = Vec::new();
                    if let Some(reply) = source_reply {
                        script.push((0, source_at, reply.clone()));
                    }
                    if let Some(reply) = twin_reply {
                        script.push((1, twin_at, reply.clone()));
                    }
                    let outcome = harness.run(&script);
                    let context = format!("source {source_name} at {source_at}, twin {twin_name} at {twin_at}");
                    let expected = match (*source_name, *twin_name) {
                        ("good", _) => Some(0),
                        ("dns", "good") => Some(1),
                        _ => None,
                    };
                    assert_eq!(outcome.winner, expected, "{context}");
                    let refused = matches!(
                        &outcome.reports[1].result,
                        ProbeResult::Failed(Error::InsecureTransport { reason, .. }) if reason.contains("does not resolve")
                    );
                    if *twin_name == "good" && !matches!(*source_name, "good" | "dns") {
                        assert!(refused, "{context}: {:?}", outcome.reports[1].result);
                    }
                    if *source_name == "tls" {
                        assert_ne!(outcome.winner, Some(1), "{context}");
                        if refused {
                            let text = outcome.reports[1].result.to_string();
                            assert!(text.contains("TLS failed"), "the report says why: {text}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn hostile_connection_uris_are_skipped_not_a_panic() {
        let long = format!("https://{}.plex.direct:32400", "a".repeat(70_000));
        let hostile = [
            "https://a\"b.plex.direct:32400",
            "https://a{b}:32400",
            "https://a`b:32400",
            long.as_str(),
        ];
        let mut connections: Vec<Connection> = hostile
            .iter()
            .map(|uri| Connection::new("https", "10.0.0.1", 32400, uri, true, false))
            .collect();
        connections.push(direct("192.168.1.150", 32400, true, false));
        let device = device_with(connections);
        let plan = plan(&device, &twins());
        assert_eq!(plan.skipped.len(), hostile.len());
        assert!(plan.skipped.iter().all(|(_, reason)| *reason == SkipReason::InvalidUri));
        let outcome = Harness::new(&device, twins()).run(&[(0, 3, ok())]);
        assert_eq!(outcome.winner, Some(0));
    }

    #[test]
    fn a_private_address_of_a_server_we_do_not_own_is_foreign_whatever_its_flag() {
        let mut device = device_with(vec![
            direct("192.168.1.150", 32400, false, false),
            plain("169.254.169.254", 80, false),
            direct("10.0.0.9", 32400, false, false),
            direct("54.231.109.34", 32400, true, false),
        ]);
        device.owned = false;
        let plan = plan(&device, &twins());
        assert_eq!(
            plan.skipped
                .iter()
                .map(|(c, r)| (c.address.as_str(), *r))
                .collect::<Vec<_>>(),
            [
                ("192.168.1.150", SkipReason::ForeignLan),
                ("169.254.169.254", SkipReason::ForeignLan),
                ("10.0.0.9", SkipReason::ForeignLan),
            ]
        );
        // The public address listed as `local` is remote: the tier comes from the address.
        assert_eq!(
            plan.candidates
                .iter()
                .map(|c| (c.connection.address.as_str(), c.tier, c.http_twin))
                .collect::<Vec<_>>(),
            [("54.231.109.34", Tier::Remote, false)]
        );
    }

    fn permutations(items: &mut [usize; 4], k: usize, out: &mut Vec<[usize; 4]>) {
        if k == items.len() {
            out.push(*items);
            return;
        }
        for i in k..items.len() {
            items.swap(k, i);
            permutations(items, k + 1, out);
            items.swap(k, i);
        }
    }
}
