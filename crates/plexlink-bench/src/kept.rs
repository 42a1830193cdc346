//! The kept-connection case (issue 12), plexlink's side, on the emulator of
//! [`scenarios::kept`]: a warm start against a cold race with the best-ranked connection
//! black-holed, failover after a reported failure, moving up when the LAN comes back, the
//! rechecks' traffic counted at the emulator, and connecting from a stored snapshot while
//! plex.tv is down. python-plexapi keeps no connection and no snapshot: its only figures here
//! (its `connect()` on the warm start's device, its failure to list servers without plex.tv)
//! are taken in main.rs.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use plexlink::{Client, Device, KeepOptions, KeepPolicy, KeptEvent, RacePolicy, Reason, ResourcesSnapshot, Token};
use plexlink_emulator::{Behaviour, DownMode, Emulator};

use crate::scenarios::{BEST_SERVER, KEPT_SERVER, OWNER, RECHECK_SERVER, WARM_SERVER};

/// The longest wait for an event: far beyond every target, so that a miss shows as a figure
/// (or an error naming the event) rather than a benchmark that hangs.
const EVENT_WAIT: Duration = Duration::from_secs(30);

fn token(emu: &Emulator) -> Token {
    Token::new(emu.token_for(OWNER).unwrap_or_default())
}

fn device(emu: &Emulator, client: &Client, name: &str) -> Result<Device, String> {
    client
        .servers(&token(emu))
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|d| d.name == name)
        .ok_or(format!("{name} is not among the servers"))
}

fn uri(emu: &Emulator, server: &str, connection: &str) -> Result<String, String> {
    emu.server_uri(server, connection)
        .ok_or(format!("{server} has no connection {connection}"))
}

fn set(emu: &Emulator, server: &str, connection: &str, behaviour: Behaviour) -> Result<(), String> {
    emu.set_behaviour(server, connection, behaviour)
        .map_err(|e| format!("{server}/{connection}: {e}"))
}

/// A change as the app sees it: the new URI, the race that chose it, and when the event came
/// out of [`KeptServer::events`](plexlink::KeptServer::events).
struct Change {
    uri: String,
    race: Duration,
    at: Instant,
}

/// The next event, which must be a change for `why`: any other (a loss, another reason) is an
/// error, since the figures would then time something else.
fn next_change(events: &Receiver<KeptEvent>, why: Reason) -> Result<Change, String> {
    match events.recv_timeout(EVENT_WAIT) {
        Ok(KeptEvent::Changed {
            new, why: w, outcome, ..
        }) if w == why => Ok(Change {
            uri: new.uri,
            race: outcome.elapsed,
            at: Instant::now(),
        }),
        Ok(KeptEvent::Changed { new, why: w, .. }) => Err(format!(
            "a {} change to {} where a {} one was expected",
            w.as_str(),
            new.uri,
            why.as_str()
        )),
        Ok(KeptEvent::Lost { why: w, .. }) => Err(format!(
            "the connection was lost ({}) where a {} change was expected",
            w.as_str(),
            why.as_str()
        )),
        Ok(other) => Err(format!("{other:?} where a {} change was expected", why.as_str())),
        Err(_) => Err(format!("no {} change within {EVENT_WAIT:?}", why.as_str())),
    }
}

fn expect_uri(what: &str, got: Option<&str>, want: &str) -> Result<(), String> {
    if got == Some(want) {
        Ok(())
    } else {
        Err(format!("{what}: on {got:?}, expected {want}"))
    }
}

/// The warm start against the cold race on [`WARM_SERVER`], each round's.
#[derive(Debug, Default)]
pub struct WarmStart {
    /// `keep` with `last_good` = the remote: from the call until it returns with the
    /// connection known.
    pub warm: Vec<Duration>,
    /// The remote's own answer to the warm probe: from sending it to its answer (TCP, TLS and
    /// `GET /identity`), as the race measured it.
    pub answer: Vec<Duration>,
    /// `connect`: the cold race over both connections.
    pub cold: Vec<Duration>,
    pub warm_uri: String,
    pub cold_uri: String,
}

/// `rounds` warm starts and cold races, one after the other in each round so that both see
/// the same load. Each warm start's handle is dropped before the cold race: its driver (which
/// starts rechecking the black-holed LAN at once, a better tier) stops with it.
pub fn warm_start(emu: &Emulator, client: &Client, rounds: usize) -> Result<WarmStart, String> {
    let device = device(emu, client, WARM_SERVER)?;
    let last_good = uri(emu, WARM_SERVER, "remote")?;
    let mut out = WarmStart::default();
    for _ in 0..rounds {
        let options = KeepOptions {
            last_good: Some(last_good.clone()),
            ..KeepOptions::default()
        };
        let started = Instant::now();
        let kept = client.keep(&device, options).map_err(|e| format!("keep: {e}"))?;
        out.warm.push(started.elapsed());
        out.warm_uri = kept.uri().unwrap_or_default();
        expect_uri("the warm start", Some(&out.warm_uri), &last_good)?;
        let outcome = kept.last_outcome().ok_or("the warm start reported no race")?;
        let answer = outcome
            .winner
            .and_then(|w| outcome.reports[w].latency)
            .ok_or("the warm start's winner has no answer time")?;
        out.answer.push(answer);
        drop(kept);

        let started = Instant::now();
        let connected = client.connect(&device).map_err(|e| format!("connect: {e}"))?;
        out.cold.push(started.elapsed());
        out.cold_uri = connected.uri;
    }
    Ok(out)
}

/// Failovers on [`KEPT_SERVER`], each round's.
#[derive(Debug, Default)]
pub struct Failover {
    /// From `report_failure()` to the `Changed { why: Failover }` event.
    pub times: Vec<Duration>,
    /// The race's own time, from the event's outcome.
    pub races: Vec<Duration>,
    /// The probe timeout of the policy used (the target).
    pub probe_timeout: Duration,
}

/// `rounds` failovers with the default policy: kept on the LAN (a new `keep` each round), the
/// LAN turned dead, one `report_failure()`, then the LAN brought back for the next round.
pub fn failover(emu: &Emulator, client: &Client, rounds: usize) -> Result<Failover, String> {
    let device = device(emu, client, KEPT_SERVER)?;
    let (lan, remote) = (uri(emu, KEPT_SERVER, "lan")?, uri(emu, KEPT_SERVER, "remote")?);
    let mut out = Failover {
        probe_timeout: KeepPolicy::default().race.probe_timeout,
        ..Failover::default()
    };
    for _ in 0..rounds {
        let kept = client
            .keep(&device, KeepOptions::default())
            .map_err(|e| format!("keep: {e}"))?;
        expect_uri("the start", kept.uri().as_deref(), &lan)?;
        let events = kept.events();
        set(emu, KEPT_SERVER, "lan", Behaviour::Dead)?;
        let started = Instant::now();
        kept.report_failure();
        let change = next_change(&events, Reason::Failover);
        drop(kept);
        set(emu, KEPT_SERVER, "lan", Behaviour::Good)?;
        let change = change?;
        expect_uri("the failover", Some(&change.uri), &remote)?;
        out.times.push(change.at.saturating_duration_since(started));
        out.races.push(change.race);
    }
    Ok(out)
}

/// `rounds` moves up on [`KEPT_SERVER`], each the time from the LAN's return to the
/// `Changed { why: MovedUp }` event. Each round keeps a new connection while the LAN is dead
/// (so it settles on the remote), and brings the LAN back at `(round + ½) / rounds` of the
/// first recheck interval after `keep` returned: the returns are spread evenly over the
/// interval, as an app cannot choose when the LAN comes back. `recheck_max` is four intervals,
/// the default ratio (60 s to 240 s); the first recheck comes one interval after settling
/// whatever it is.
pub fn move_up(emu: &Emulator, client: &Client, interval: Duration, rounds: usize) -> Result<Vec<Duration>, String> {
    let device = device(emu, client, KEPT_SERVER)?;
    let (lan, remote) = (uri(emu, KEPT_SERVER, "lan")?, uri(emu, KEPT_SERVER, "remote")?);
    let policy = KeepPolicy {
        recheck_interval: interval,
        recheck_max: interval * 4,
        ..KeepPolicy::default()
    };
    let mut times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        set(emu, KEPT_SERVER, "lan", Behaviour::Dead)?;
        let options = KeepOptions {
            policy,
            ..KeepOptions::default()
        };
        let kept = client.keep(&device, options).map_err(|e| format!("keep: {e}"))?;
        let settled = Instant::now();
        expect_uri("the start with the LAN dead", kept.uri().as_deref(), &remote)?;
        let events = kept.events();
        let offset = interval.mul_f64((round as f64 + 0.5) / rounds as f64);
        std::thread::sleep((settled + offset).saturating_duration_since(Instant::now()));
        set(emu, KEPT_SERVER, "lan", Behaviour::Good)?;
        let back = Instant::now();
        let change = next_change(&events, Reason::MovedUp)?;
        expect_uri("the move up", Some(&change.uri), &lan)?;
        times.push(change.at.saturating_duration_since(back));
    }
    Ok(times)
}

/// The probes each connection of a server received over a window, counted at the emulator.
#[derive(Debug, Default)]
pub struct Counted {
    /// Connection name → TCP connections accepted (each probe is one: probes close theirs).
    pub tcp: Vec<(String, u64)>,
    /// Connection name → `GET /identity` requests answered.
    pub identity: Vec<(String, u64)>,
}

impl Counted {
    fn of(emu: &Emulator, server: &str) -> Counted {
        let counters = emu.counters();
        let mut counted = Counted::default();
        for (name, c) in counters.pms.get(server).into_iter().flatten() {
            counted.tcp.push((name.clone(), c.tcp_connections));
            counted.identity.push((name.clone(), c.requests_to("GET /identity")));
        }
        counted
    }

    /// The TCP connections to `connection`.
    pub fn tcp_to(&self, connection: &str) -> u64 {
        self.tcp.iter().find(|(n, _)| n == connection).map_or(0, |(_, n)| *n)
    }

    pub fn total(&self) -> u64 {
        self.tcp.iter().map(|(_, n)| n).sum()
    }
}

/// What the rechecks cost while nothing changes.
#[derive(Debug)]
pub struct Traffic {
    /// [`RECHECK_SERVER`], settled on its remote: its two LAN candidates are rechecked.
    pub worse: Counted,
    /// [`BEST_SERVER`], settled on its LAN: nothing better to look for.
    pub best: Counted,
    /// The window, measured.
    pub window: Duration,
    /// How much faster than the default policy's clock the policy ran (60 s ÷ the interval).
    pub scale: f64,
    /// The policy used: [`KeepPolicy::default`] with every duration divided by `scale`.
    pub policy: KeepPolicy,
}

impl Traffic {
    /// `count` probes over the window, as probes per hour of the default policy's clock.
    pub fn per_hour(&self, count: u64) -> f64 {
        count as f64 * 3600.0 / (self.window.as_secs_f64() * self.scale)
    }
}

/// The LAN candidates of [`RECHECK_SERVER`], better than its remote.
pub const RECHECKED: [&str; 2] = ["lan-other-box", "lan-blackhole"];

/// Keeps [`RECHECK_SERVER`] (on its remote) and [`BEST_SERVER`] (on its LAN) together with the
/// default policy scaled down to a recheck `interval` (every duration of it divided by the same
/// factor, the probe timeout included: a recheck with a black-holed candidate lasts a probe
/// timeout, and the next is scheduled from its end), then counts at the emulator the probes
/// each connection receives over `intervals` intervals, from the moment both have settled.
pub fn recheck_traffic(emu: &Emulator, client: &Client, interval: Duration, intervals: u32) -> Result<Traffic, String> {
    let defaults = KeepPolicy::default();
    let scale = defaults.recheck_interval.as_secs_f64() / interval.as_secs_f64();
    let down = |d: Duration| d.div_f64(scale);
    let policy = KeepPolicy {
        race: RacePolicy {
            grace: down(defaults.race.grace),
            probe_timeout: down(defaults.race.probe_timeout),
            ..defaults.race
        },
        warm_window: down(defaults.warm_window),
        recheck_interval: interval,
        recheck_max: down(defaults.recheck_max),
        retry_max: down(defaults.retry_max),
    };
    let options = || KeepOptions {
        policy,
        ..KeepOptions::default()
    };
    let worse_device = device(emu, client, RECHECK_SERVER)?;
    let remote = uri(emu, RECHECK_SERVER, "remote")?;
    // The scaled probe timeout is tens of milliseconds: on a loaded machine the first race can
    // miss the remote's answer and settle on the relay, where the remote would be rechecked
    // too. Such a start is tried again rather than counted.
    let mut worse = None;
    for _ in 0..3 {
        let kept = client
            .keep(&worse_device, options())
            .map_err(|e| format!("keep: {e}"))?;
        if kept.uri().as_deref() == Some(remote.as_str()) {
            worse = Some(kept);
            break;
        }
    }
    let worse = worse.ok_or(format!("{RECHECK_SERVER} did not settle on its remote in 3 tries"))?;
    let best = client
        .keep(&device(emu, client, BEST_SERVER)?, options())
        .map_err(|e| format!("keep: {e}"))?;
    expect_uri(BEST_SERVER, best.uri().as_deref(), &uri(emu, BEST_SERVER, "lan")?)?;

    emu.reset_counters();
    let started = Instant::now();
    std::thread::sleep(interval * intervals);
    let (worse_counted, best_counted) = (Counted::of(emu, RECHECK_SERVER), Counted::of(emu, BEST_SERVER));
    let window = started.elapsed();
    // Nothing may have changed, or the window counted a move and not the rechecks.
    expect_uri(RECHECK_SERVER, worse.uri().as_deref(), &remote)?;
    expect_uri(BEST_SERVER, best.uri().as_deref(), &uri(emu, BEST_SERVER, "lan")?)?;
    Ok(Traffic {
        worse: worse_counted,
        best: best_counted,
        window,
        scale,
        policy,
    })
}

/// Connecting from a stored snapshot while plex.tv is down, each round's.
#[derive(Debug, Default)]
pub struct Offline {
    /// From reading the stored snapshot to the connection.
    pub times: Vec<Duration>,
    /// Why the servers came from the snapshot (the last round's `offline`).
    pub why: String,
    /// Servers listed from the snapshot.
    pub servers: usize,
    /// The connection chosen in the last round.
    pub uri: String,
    /// Requests plex.tv received (and closed unanswered) over the rounds.
    pub plex_tv_requests: u64,
}

/// Stores a snapshot while plex.tv is up, takes it down (refusing: each request closed
/// unanswered), then in each round, with a new client (a program that starts while plex.tv is
/// down, with no connection to it kept alive from before), reads the snapshot back,
/// lists the servers with `servers_or_snapshot` and connects to [`KEPT_SERVER`]. plex.tv is
/// left down, for python-plexapi's turn: the caller brings it back.
pub fn offline(
    emu: &Emulator,
    new_client: impl Fn() -> Result<Client, String>,
    rounds: usize,
) -> Result<Offline, String> {
    let token = token(emu);
    let live = new_client()?
        .servers_or_snapshot(&token, None)
        .map_err(|e| format!("servers_or_snapshot with plex.tv up: {e}"))?;
    if let Some(why) = live.offline {
        return Err(format!("plex.tv is up, yet the servers came from no answer: {why}"));
    }
    let stored = live.snapshot.to_json();
    let lan = uri(emu, KEPT_SERVER, "lan")?;
    emu.set_plex_tv_down_mode(DownMode::Refuse);
    emu.set_plex_tv_down(true);
    emu.reset_counters();
    let mut out = Offline::default();
    for _ in 0..rounds {
        let client = new_client()?;
        let started = Instant::now();
        let snapshot = ResourcesSnapshot::from_json(&stored).map_err(|e| format!("from_json: {e}"))?;
        let list = client
            .servers_or_snapshot(&token, Some(&snapshot))
            .map_err(|e| format!("servers_or_snapshot with plex.tv down: {e}"))?;
        let server = list
            .servers
            .iter()
            .find(|d| d.name == KEPT_SERVER)
            .ok_or(format!("{KEPT_SERVER} is not in the snapshot"))?;
        let connected = client.connect(server).map_err(|e| format!("connect: {e}"))?;
        out.times.push(started.elapsed());
        out.why = list
            .offline
            .ok_or("plex.tv is down, yet servers_or_snapshot says it answered")?
            .to_string();
        out.servers = list.servers.len();
        out.uri = connected.uri;
    }
    expect_uri("the connection from the snapshot", Some(&out.uri), &lan)?;
    out.plex_tv_requests = emu.counters().plextv.total_requests();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scaled_policy_keeps_the_defaults_proportions() {
        let emu = Emulator::start(crate::scenarios::kept()).unwrap();
        let client = crate::client_for(&emu).unwrap();
        let traffic = recheck_traffic(&emu, &client, Duration::from_millis(500), 1).unwrap();
        assert!((traffic.scale - 120.0).abs() < 1e-9);
        assert_eq!(traffic.policy.recheck_max, Duration::from_secs(2));
        assert_eq!(traffic.policy.race.probe_timeout, Duration::from_secs(5).div_f64(120.0));
        assert!(traffic.policy.validate().is_ok());
        assert_eq!(traffic.best.total(), 0);
    }
}
