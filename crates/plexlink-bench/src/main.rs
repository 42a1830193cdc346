//! `plexlink-bench`: plexlink against python-plexapi, on the emulator, in one run.
//!
//! ```text
//! plexlink-bench [--python PATH] [--rounds N] [--blackhole-rounds N] [--pin-rounds N]
//!                [--parse-rounds N] [--crowd-rounds N] [--jwt-rounds N] [--only CASES]
//!                [--plexlink-only] [--quick]
//! ```
//!
//! Each case starts an emulator, times plexlink in this process, then times python-plexapi
//! (`bench/plexapi_bench.py` run by `--python`, a Python with plexapi installed) against the
//! same emulator, and prints a Markdown table of medians and ratios, then the targets of issue 6.
//! The crowd case runs plexlink in processes of its own (this binary again, with
//! `--crowd-child`: see `crowd.rs`), so that its threads and memory are measured as
//! python-plexapi's are.
//! `scripts/bench.sh` makes the Python environment and runs this in release mode.

mod crowd;
mod jwt;
mod kept;
mod pin;
mod plexapi;
mod scenarios;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use plexlink::core::resources::{self, Include};
use plexlink::{Client, ClientBuilder, Connected, Device, Token};
use plexlink_emulator::{Emulator, JwtSettings, Scenario};

use crate::pin::PinSummary;
use crate::plexapi::{Outcome, Plexapi};
use crate::scenarios::OWNER;

const USAGE: &str = "usage: plexlink-bench [--python PATH] [--rounds N] [--blackhole-rounds N] [--pin-rounds N]
                      [--parse-rounds N] [--crowd-rounds N] [--jwt-rounds N] [--only CASES]
                      [--plexlink-only] [--quick]

  --python PATH         a Python with python-plexapi installed (scripts/bench.sh makes one)
  --rounds N            rounds of each connect case and of each kept-connection row (default 7)
  --blackhole-rounds N  python-plexapi's rounds of the black-holed cases, the blackhole case and
                        the kept case's warm start (default 3: each takes its default 30 s timeout)
  --pin-rounds N        PIN logins per library (default 5)
  --parse-rounds N      parses of the 500-server answer (default 15)
  --crowd-rounds N      python-plexapi's rounds of the 200-server case (default 3: its
                        connect() loop takes about 15 s a round)
  --jwt-rounds N        refreshes of a Plex JWT over HTTP per library (default 20; signing and
                        verifying run 1000 rounds, 50 with --quick)
  --only CASES          run only these cases, a comma list of: blackhole, home, slow, fleet, crowd,
                        pin, parse, jwt, kept, import, size (default: all)
  --plexlink-only       leave python-plexapi out
  --quick               small worlds and short waits (the smoke test)";

/// The cases, in the order they run; `--only` names them.
const CASES: [&str; 11] = [
    "blackhole",
    "home",
    "slow",
    "fleet",
    "crowd",
    "pin",
    "parse",
    "jwt",
    "kept",
    "import",
    "size",
];

#[derive(Debug)]
struct Args {
    python: Option<PathBuf>,
    rounds: usize,
    blackhole_rounds: usize,
    pin_rounds: usize,
    parse_rounds: usize,
    crowd_rounds: usize,
    jwt_rounds: usize,
    /// The cases to run (`--only`); `None`: every case.
    only: Option<Vec<String>>,
    plexlink_only: bool,
    quick: bool,
}

impl Args {
    fn runs(&self, case: &str) -> bool {
        self.only.as_ref().is_none_or(|only| only.iter().any(|c| c == case))
    }
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        python: None,
        rounds: 7,
        blackhole_rounds: 3,
        pin_rounds: 5,
        parse_rounds: 15,
        crowd_rounds: 3,
        jwt_rounds: 20,
        only: None,
        plexlink_only: false,
        quick: false,
    };
    let mut it = std::env::args().skip(1);
    let number = |flag: &str, value: Option<String>| -> Result<usize, String> {
        let value = value.ok_or(format!("{flag} needs a value"))?;
        match value.parse() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("{flag}: not a positive number: {value}")),
        }
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--python" => args.python = Some(it.next().ok_or("--python needs a path")?.into()),
            "--rounds" => args.rounds = number("--rounds", it.next())?,
            "--blackhole-rounds" => args.blackhole_rounds = number("--blackhole-rounds", it.next())?,
            "--pin-rounds" => args.pin_rounds = number("--pin-rounds", it.next())?,
            "--parse-rounds" => args.parse_rounds = number("--parse-rounds", it.next())?,
            "--crowd-rounds" => args.crowd_rounds = number("--crowd-rounds", it.next())?,
            "--jwt-rounds" => args.jwt_rounds = number("--jwt-rounds", it.next())?,
            "--only" => {
                let list = it.next().ok_or("--only needs a comma list of cases")?;
                let cases: Vec<String> = list.split(',').map(|c| c.trim().to_owned()).collect();
                if let Some(bad) = cases.iter().find(|c| !CASES.contains(&c.as_str())) {
                    return Err(format!("--only: no case {bad:?} (cases: {})", CASES.join(", ")));
                }
                args.only = Some(cases);
            }
            "--plexlink-only" => args.plexlink_only = true,
            "--quick" => args.quick = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some(crowd::CHILD_FLAG) {
        return crowd::child_main(&argv[1..]);
    }
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("plexlink-bench: {e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("plexlink-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One line of the table.
struct Row {
    case: String,
    plexlink: String,
    plexapi: String,
    ratio: String,
    notes: String,
}

/// One target of issue 6 and whether it was met.
struct Target {
    what: String,
    met: bool,
    figures: String,
}

struct Bench<'a> {
    args: &'a Args,
    plexapi: Option<Plexapi>,
    rows: Vec<Row>,
    targets: Vec<Target>,
}

fn run(args: &Args) -> Result<(), String> {
    let plexapi = if args.plexlink_only {
        None
    } else {
        let python = args.python.clone().unwrap_or_else(|| PathBuf::from("python3"));
        let script = workspace_root().join("bench/plexapi_bench.py");
        match Plexapi::new(&python, &script) {
            Ok(p) => Some(p),
            Err(e) => {
                return Err(format!(
                    "python-plexapi cannot run ({e}); pass --plexlink-only to leave it out"
                ));
            }
        }
    };
    let mut bench = Bench {
        args,
        plexapi,
        rows: Vec::new(),
        targets: Vec::new(),
    };
    let started = Instant::now();
    if bench.plexapi.is_some() && (args.runs("blackhole") || args.runs("kept")) {
        eprintln!(
            "plexlink-bench: each black-holed case (blackhole, kept) costs python-plexapi its default 30 s timeout in each of its {} rounds",
            args.blackhole_rounds
        );
    }
    for case in CASES.into_iter().filter(|c| args.runs(c)) {
        match case {
            "blackhole" => bench.blackhole()?,
            "home" => bench.at_home()?,
            "slow" => bench.slow_local()?,
            "fleet" => bench.fleet()?,
            "crowd" => bench.crowd()?,
            "pin" => bench.pin()?,
            "parse" => bench.parse()?,
            "jwt" => bench.jwt()?,
            "kept" => bench.kept()?,
            "import" => bench.import_time(),
            "size" => bench.library_size(),
            other => unreachable!("{other} is in CASES without a way to run it"),
        }
    }
    print!("{}", bench.report(started.elapsed()));
    Ok(())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn start(scenario: Scenario) -> Result<Emulator, String> {
    Emulator::start(scenario).map_err(|e| format!("the emulator does not start: {e}"))
}

/// A client of the emulator that trusts its test authority: what a program that starts has.
fn client_for(emu: &Emulator) -> Result<Client, String> {
    builder(&emu.url(), emu.ca_pem().as_bytes())
        .build()
        .map_err(|e| e.to_string())
}

/// The builder of [`client_for`], from the emulator's URL and test authority.
fn builder(url: &str, ca_pem: &[u8]) -> ClientBuilder {
    Client::builder("plexlink-bench", "plexlink-bench-5f0c3e1a")
        .plex_url(url)
        .add_root_certificate_pem(ca_pem)
}

fn token(emu: &Emulator) -> Token {
    Token::new(emu.token_for(OWNER).unwrap_or_default())
}

fn servers(emu: &Emulator, client: &Client) -> Result<Vec<Device>, String> {
    client.servers(&token(emu)).map_err(|e| e.to_string())
}

/// What a URI leads to, in the scenario's words: `lan (https)`, `relay (http)`, ...
fn describe(emu: &Emulator, server: &str, uri: &str) -> String {
    let scheme = uri.split(':').next().unwrap_or_default();
    let port = uri.trim_end_matches('/').rsplit(':').next().unwrap_or_default();
    let name = emu
        .scenario()
        .server(server)
        .into_iter()
        .flat_map(|s| &s.connections)
        .find(|c| {
            emu.server_uri(server, &c.name)
                .is_some_and(|u| u.rsplit(':').next() == Some(port))
        })
        .map_or("?", |c| c.name.as_str());
    format!("{name} ({scheme})")
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

fn fmt_time(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1.0 {
        format!("{:.0} µs", ms * 1000.0)
    } else if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

fn fmt_ratio(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}×")
    } else if x >= 10.0 {
        format!("{x:.1}×")
    } else {
        format!("{x:.2}×")
    }
}

fn ratio(theirs: Duration, ours: Duration) -> f64 {
    theirs.as_secs_f64() / ours.as_secs_f64().max(1e-9)
}

fn fmt_bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.2} MiB", n as f64 / f64::from(1 << 20))
    } else {
        format!("{:.0} KiB", n as f64 / 1024.0)
    }
}

/// Rounds of `connect` (or, for several devices, `connect_all`).
struct Timed {
    /// Each round's wall time.
    times: Vec<Duration>,
    /// Each round's wall time less the winning probe's answer time (the slowest server's).
    after_answer: Vec<Duration>,
    /// The last round's choices.
    last: Vec<Connected>,
}

fn time_connect(client: &Client, devices: &[Device], rounds: usize) -> Result<Timed, String> {
    let mut timed = Timed {
        times: Vec::new(),
        after_answer: Vec::new(),
        last: Vec::new(),
    };
    for _ in 0..rounds {
        let started = Instant::now();
        let results = if devices.len() == 1 {
            vec![client.connect(&devices[0])]
        } else {
            client.connect_all(devices)
        };
        let took = started.elapsed();
        let connected = results
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        let answered = connected
            .iter()
            .filter_map(|c| c.outcome.winner.and_then(|w| c.outcome.reports[w].latency))
            .max()
            .unwrap_or_default();
        timed.times.push(took);
        timed.after_answer.push(took.saturating_sub(answered));
        timed.last = connected;
    }
    Ok(timed)
}

/// `n × what` for a list of choices, most frequent first.
fn tally(items: impl IntoIterator<Item = String>) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for item in items {
        match counts.iter_mut().find(|(i, _)| *i == item) {
            Some((_, n)) => *n += 1,
            None => counts.push((item, 1)),
        }
    }
    counts.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    counts
        .into_iter()
        .map(|(item, n)| if n == 1 { item } else { format!("{n} × {item}") })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a case with a choice for each server chose, as [`tally`] tells it.
fn choices(emu: &Emulator, outcome: &Outcome) -> String {
    tally(
        outcome
            .chosen
            .iter()
            .zip(outcome.names())
            .map(|(uri, name)| describe(emu, &name, uri)),
    )
}

impl Bench<'_> {
    /// A connect case: plexlink's rounds, python-plexapi's, and the row.
    fn connect_case(
        &mut self,
        case: &str,
        emu: &Emulator,
        server: &str,
        plexapi_rounds: usize,
        plexapi_args: &[&str],
    ) -> Result<(Timed, Option<Duration>), String> {
        let client = client_for(emu)?;
        let device: Vec<Device> = servers(emu, &client)?
            .into_iter()
            .filter(|d| d.name == server)
            .collect();
        if device.is_empty() {
            return Err(format!("{server} is not among the servers"));
        }
        let timed = time_connect(&client, &device, self.args.rounds)?;
        let ours = median(&timed.times);
        let chosen = describe(emu, server, &timed.last[0].uri);
        let (theirs, their_choice) = self.plexapi_connect(emu, server, plexapi_rounds, plexapi_args);
        let (plexapi, ratio_text) = match &theirs {
            Ok(t) => (fmt_time(*t), fmt_ratio(ratio(*t, ours))),
            Err(e) => (e.clone(), "—".into()),
        };
        self.rows.push(Row {
            case: case.into(),
            plexlink: fmt_time(ours),
            plexapi,
            ratio: ratio_text,
            notes: format!("plexlink → {chosen}; plexapi → {their_choice}"),
        });
        Ok((timed, theirs.ok()))
    }

    fn plexapi_connect(
        &self,
        emu: &Emulator,
        server: &str,
        rounds: usize,
        extra: &[&str],
    ) -> (Result<Duration, String>, String) {
        let Some(plexapi) = &self.plexapi else {
            return (Err("not run".into()), "—".into());
        };
        let rounds = rounds.to_string();
        let mut args = vec!["connect", "--server", server, "--rounds", &rounds];
        args.extend_from_slice(extra);
        match plexapi.run(Some(emu), &args) {
            Ok(outcome) => {
                let choice = tally(outcome.chosen.iter().map(|u| describe(emu, server, u)));
                (Ok(median(&outcome.times)), choice)
            }
            Err(e) => (Err(format!("failed: {e}")), "—".into()),
        }
    }

    fn blackhole(&mut self) -> Result<(), String> {
        let emu = start(scenarios::blackhole())?;
        let rounds = self.args.blackhole_rounds;
        let (timed, theirs) = self.connect_case(
            &format!("one good LAN connection beside two dead and one black-holed (plexapi: {rounds} rounds)"),
            &emu,
            scenarios::BLACKHOLE_SERVER,
            rounds,
            &[],
        )?;
        let over = timed.after_answer.iter().max().copied().unwrap_or_default();
        self.targets.push(Target {
            what: "black-holed: chosen within the good candidate's answer + 50 ms".into(),
            met: over <= Duration::from_millis(50),
            figures: format!(
                "at most {} after the good answer over {} rounds (median round {})",
                fmt_time(over),
                timed.times.len(),
                fmt_time(median(&timed.times))
            ),
        });
        if let Some(theirs) = theirs {
            let x = ratio(theirs, median(&timed.times));
            self.targets.push(Target {
                what: "black-holed: at least 20× faster than python-plexapi's default connect()".into(),
                met: x >= 20.0,
                figures: format!(
                    "{} against {}: {}",
                    fmt_time(median(&timed.times)),
                    fmt_time(theirs),
                    fmt_ratio(x)
                ),
            });
        }
        Ok(())
    }

    fn at_home(&mut self) -> Result<(), String> {
        let emu = start(scenarios::at_home())?;
        let block = ["--block", scenarios::LAN];
        let rounds = self.args.rounds;
        let (timed, _) = self.connect_case(
            "at home, the router refuses the LAN name; remote and relay up",
            &emu,
            scenarios::HOME_SERVER,
            rounds,
            &block,
        )?;
        let winner = timed.last[0].outcome.winning_candidate();
        self.targets.push(Target {
            what: "LAN name refused: the LAN connection over TLS, verified for its name".into(),
            met: winner.is_some_and(|c| c.secure && c.tier == plexlink::core::race::Tier::Local),
            figures: describe(&emu, scenarios::HOME_SERVER, &timed.last[0].uri),
        });
        Ok(())
    }

    fn slow_local(&mut self) -> Result<(), String> {
        let emu = start(scenarios::slow_local())?;
        let rounds = self.args.rounds;
        let (timed, _) = self.connect_case(
            "slow LAN server (300 ms) against a fast relay (5 ms)",
            &emu,
            scenarios::SLOW_SERVER,
            rounds,
            &[],
        )?;
        let chosen = describe(&emu, scenarios::SLOW_SERVER, &timed.last[0].uri);
        self.targets.push(Target {
            what: "slow LAN (300 ms) against fast relay (5 ms): the LAN server wins".into(),
            met: chosen.starts_with("lan "),
            figures: format!("{chosen} in {} (median)", fmt_time(median(&timed.times))),
        });
        Ok(())
    }

    fn fleet(&mut self) -> Result<(), String> {
        let count = if self.args.quick { 5 } else { 20 };
        let emu = start(scenarios::fleet(count))?;
        let client = client_for(&emu)?;
        let devices = servers(&emu, &client)?;
        let timed = time_connect(&client, &devices, self.args.rounds)?;
        let ours = median(&timed.times);
        let our_choice = tally(timed.last.iter().map(|c| describe(&emu, &c.device.name, &c.uri)));
        let (plexapi, ratio_text, their_choice) = match &self.plexapi {
            None => ("not run".to_string(), "—".to_string(), "—".to_string()),
            Some(plexapi) => {
                let rounds = self.args.rounds.to_string();
                match plexapi.run(Some(&emu), &["fleet", "--rounds", &rounds]) {
                    Ok(outcome) => {
                        let theirs = median(&outcome.times);
                        (
                            fmt_time(theirs),
                            fmt_ratio(ratio(theirs, ours)),
                            choices(&emu, &outcome),
                        )
                    }
                    Err(e) => (format!("failed: {e}"), "—".into(), "—".into()),
                }
            }
        };
        self.rows.push(Row {
            case: format!("{count} servers × 4 connections, a choice for each (plexlink: connect_all; plexapi: connect() in a loop)"),
            plexlink: fmt_time(ours),
            plexapi,
            ratio: ratio_text,
            notes: format!("plexlink → {our_choice}; plexapi → {their_choice}"),
        });
        Ok(())
    }

    fn pin(&mut self) -> Result<(), String> {
        let emu = start(Scenario::default())?;
        let base = if self.args.quick {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(2)
        };
        let rounds = self.args.pin_rounds;
        let ours = pin::plexlink_rounds(&emu, || client_for(&emu), rounds, |r| pin::delay(base, r))?;
        let ours = pin::summarize(&ours);
        let theirs = self.plexapi.as_ref().map(|p| {
            p.pin_rounds(&emu, rounds, |r| pin::delay(base, r))
                .map(|r| pin::summarize(&r))
        });
        let theirs_or = |f: &dyn Fn(&PinSummary) -> String| match &theirs {
            None => "not run".to_string(),
            Some(Ok(s)) => f(s),
            Some(Err(e)) => format!("failed: {e}"),
        };
        let to_token = |s: &PinSummary| {
            format!(
                "{} (max {})",
                fmt_time(median(&s.to_token)),
                fmt_time(s.to_token.iter().max().copied().unwrap_or_default())
            )
        };
        let to_token_ratio = match &theirs {
            Some(Ok(s)) => fmt_ratio(ratio(median(&s.to_token), median(&ours.to_token))),
            _ => "—".into(),
        };
        let note = format!(
            "{rounds} logins each, approved {}–{} after the PIN was made; 1 s poll interval on both sides",
            fmt_time(base),
            fmt_time(base + Duration::from_secs(1))
        );
        self.rows.push(Row {
            case: "PIN login: from the approval to the token".into(),
            plexlink: to_token(&ours),
            plexapi: theirs_or(&to_token),
            ratio: to_token_ratio,
            notes: note,
        });
        let rate = |s: &PinSummary| format!("{:.1} (shortest gap {})", s.per_minute, fmt_time(s.shortest_gap));
        self.rows.push(Row {
            case: "PIN login: checks per minute of waiting".into(),
            plexlink: rate(&ours),
            plexapi: theirs_or(&rate),
            ratio: "—".into(),
            notes: "from the emulator's request log".into(),
        });
        let connections = |s: &PinSummary| format!("{} (most in one login)", s.most_connections);
        self.rows.push(Row {
            case: "PIN login: TCP connections to plex.tv".into(),
            plexlink: connections(&ours),
            plexapi: theirs_or(&connections),
            ratio: "—".into(),
            notes: "the PIN's creation included".into(),
        });
        let slowest = ours.to_token.iter().max().copied().unwrap_or_default();
        self.targets.push(Target {
            what: "PIN: the token within one poll interval + 50 ms of the approval".into(),
            met: slowest <= Duration::from_millis(1050),
            figures: format!("slowest {} over {rounds} logins", fmt_time(slowest)),
        });
        self.targets.push(Target {
            what: "PIN: one TCP connection".into(),
            met: ours.most_connections == 1,
            figures: format!("{} at most", ours.most_connections),
        });
        self.targets.push(Target {
            what: "PIN: no more than one request per interval".into(),
            // The emulator logs arrival times: a few ms of jitter either way.
            met: ours.shortest_gap + Duration::from_millis(10) >= Duration::from_secs(1),
            figures: format!(
                "shortest gap {}, {:.1} checks per minute",
                fmt_time(ours.shortest_gap),
                ours.per_minute
            ),
        });
        Ok(())
    }

    fn parse(&mut self) -> Result<(), String> {
        let count = if self.args.quick { 50 } else { 500 };
        let emu = start(scenarios::library(count))?;
        let client = client_for(&emu)?;
        let request =
            resources::resources_request(client.info(), &token(&emu), Include::default()).map_err(|e| e.to_string())?;
        let response = client.send(request).map_err(|e| e.to_string())?;
        let mut times = Vec::new();
        let mut devices = 0;
        for _ in 0..self.args.parse_rounds {
            let started = Instant::now();
            let parsed = resources::parse_resources(&response).map_err(|e| e.to_string())?;
            times.push(started.elapsed());
            devices = std::hint::black_box(parsed).len();
        }
        if devices < count {
            return Err(format!("parsed {devices} devices, expected {count} servers"));
        }
        let ours = median(&times);
        let json_size = response.body().len() as u64;
        let (plexapi, ratio_text, xml_size, x) = match &self.plexapi {
            None => ("not run".to_string(), "—".to_string(), None, None),
            Some(plexapi) => {
                let rounds = self.args.parse_rounds.to_string();
                match plexapi.run(Some(&emu), &["parse", "--rounds", &rounds]) {
                    Ok(outcome) => {
                        let theirs = median(&outcome.times);
                        let x = ratio(theirs, ours);
                        (fmt_time(theirs), fmt_ratio(x), outcome.raw["bytes"].as_u64(), Some(x))
                    }
                    Err(e) => (format!("failed: {e}"), "—".into(), None, None),
                }
            }
        };
        self.rows.push(Row {
            case: format!("parse a {count}-server resources answer"),
            plexlink: fmt_time(ours),
            plexapi,
            ratio: ratio_text,
            notes: format!(
                "plexlink: JSON, {}; plexapi: XML{} (parse + MyPlexResource + connections)",
                fmt_bytes(json_size),
                xml_size.map(|n| format!(", {}", fmt_bytes(n))).unwrap_or_default()
            ),
        });
        if let Some(x) = x {
            self.targets.push(Target {
                what: format!("parsing the {count}-server answer at least 10× faster than python-plexapi"),
                met: x >= 10.0,
                figures: fmt_ratio(x),
            });
        }
        Ok(())
    }

    /// Signing a device JWT, verifying a Plex JWT, refreshing one over HTTP: three rows, one
    /// emulator for both libraries, each with its own client identifier and device key.
    fn jwt(&mut self) -> Result<(), String> {
        let emu = start(Scenario::default())?;
        // The refresh rounds ask a nonce each, more in a minute than the emulator allows one
        // client identifier (30, as plex.tv rate-limits nonces): the rounds time the calls, not
        // the limit's 429 and Retry-After.
        emu.set_jwt_settings(JwtSettings {
            nonce_rate_limit_per_minute: Some(0),
            ..JwtSettings::default()
        });
        let client = client_for(&emu)?;
        let fast_rounds = if self.args.quick { 50 } else { 1000 };
        let refresh_rounds = self.args.jwt_rounds;
        let ours = jwt::plexlink_rounds(&emu, &client, fast_rounds, refresh_rounds)?;
        let theirs = self.plexapi.as_ref().map(|p| {
            let (refreshes, fast) = (refresh_rounds.to_string(), fast_rounds.to_string());
            let args = [
                "jwt",
                "--rounds",
                &refreshes,
                "--sign-rounds",
                &fast,
                "--nonce",
                jwt::FIXED_NONCE,
            ];
            p.run(Some(&emu), &args)
        });
        // plexapi's median of one of the script's lists, or why there is none.
        let their_median = |field: &str| -> Result<Duration, String> {
            match &theirs {
                None => Err("not run".into()),
                Some(Err(e)) => Err(format!("failed: {e}")),
                Some(Ok(outcome)) => Ok(median(&outcome.durations(field))),
            }
        };
        // An extra plexapi figure for the notes, with its ratio to plexlink's.
        let aside = |what: &str, field: &str, ours: Duration| match their_median(field) {
            Ok(t) => format!("; {what}: {} ({})", fmt_time(t), fmt_ratio(ratio(t, ours))),
            Err(_) => String::new(),
        };
        let mut row = |case: &str, ours: Duration, field: &str, notes: String| {
            let (plexapi, ratio_text) = match their_median(field) {
                Ok(t) => (fmt_time(t), fmt_ratio(ratio(t, ours))),
                Err(e) => (e, "—".into()),
            };
            self.rows.push(Row {
                case: case.into(),
                plexlink: fmt_time(ours),
                plexapi,
                ratio: ratio_text,
                notes,
            });
        };
        let sign = median(&ours.sign);
        row(
            "sign a device JWT",
            sign,
            "sign",
            format!(
                "median of {fast_rounds}, one fixed nonce on both sides; plexlink: DeviceKey::device_jwt (header and \
                 claims as JSON, base64url, Ed25519); plexapi: the jwt.encode() call of _encodeClientJWT() alone, its \
                 key argument _privateJWK included (a PyJWK made from the raw keys on every call){}",
                aside("with the PyJWK made once", "sign_key_kept", sign)
            ),
        );
        let verify = median(&ours.verify);
        row(
            "verify a Plex JWT (keys kept)",
            verify,
            "verify",
            format!(
                "median of {fast_rounds}; plexlink: jwt::verify with plex.tv's keys fetched and parsed once \
                 (signature, issuer, audience, expiry, iat, thumbprint); plexapi: decodePlexJWT() as it is, which \
                 fetches plex.tv's keys over HTTP on every call (it has no way to keep them) and tries them last \
                 first{}",
                aside(
                    "PyJWT's jwt.decode() alone, the signing key given",
                    "verify_key_kept",
                    verify
                )
            ),
        );
        let refresh = median(&ours.refresh);
        row(
            "refresh a Plex JWT over HTTP (nonce + exchange + verify)",
            refresh,
            "times",
            format!(
                "median of {refresh_rounds}, after registering the device key with the account token (plexlink: \
                 upgrade_to_jwt; plexapi: registerDevice()), over the connection that kept alive, the emulator's \
                 nonce limit lifted; plexlink: Client::refresh_jwt (nonce, device JWT, exchange, verification with \
                 the keys the client kept: {} key fetches in the rounds); plexapi: refreshJWT() (nonce, device JWT, \
                 exchange, then verifyJWT(), which fetches the keys again), PyJWT given a 1 s leeway: without one \
                 it refuses the emulator's iat, rounded up to the second, and refreshJWT() fails",
                ours.keys_fetched_in_refreshes
            ),
        );
        if let Ok(t) = their_median("times") {
            self.targets.push(Target {
                what: "JWT refresh at least as fast as python-plexapi's refreshJWT()".into(),
                met: refresh <= t,
                figures: format!(
                    "{} against {}: {}",
                    fmt_time(refresh),
                    fmt_time(t),
                    fmt_ratio(ratio(t, refresh))
                ),
            });
        }
        self.targets.push(Target {
            what: "JWT refresh: plex.tv's keys kept by the client, not fetched again".into(),
            met: ours.keys_fetched_in_refreshes == 0,
            figures: format!(
                "{} key fetches over {refresh_rounds} refreshes",
                ours.keys_fetched_in_refreshes
            ),
        });
        Ok(())
    }

    /// The kept connection and plex.tv down (issue 12): one emulator of four servers
    /// (`scenarios::kept`), plex.tv taken down last. python-plexapi keeps no connection: it has
    /// an equivalent only for the warm start's device (its `connect()`), and for plex.tv down
    /// only its failure to list the servers.
    fn kept(&mut self) -> Result<(), String> {
        let emu = start(scenarios::kept())?;
        let client = client_for(&emu)?;
        let rounds = self.args.rounds;
        let no_equivalent = || "no equivalent".to_string();

        // 1. Warm start against the cold race, the LAN (ranked first) black-holed.
        let warm = kept::warm_start(&emu, &client, rounds)?;
        let plexapi_rounds = self.args.blackhole_rounds;
        let (theirs, their_choice) = self.plexapi_connect(&emu, scenarios::WARM_SERVER, plexapi_rounds, &[]);
        let (warm_median, cold_median, answer_median) = (median(&warm.warm), median(&warm.cold), median(&warm.answer));
        let against_plexapi = |ours: Duration| match &theirs {
            Ok(t) => (fmt_time(*t), fmt_ratio(ratio(*t, ours))),
            Err(e) => (e.clone(), "—".into()),
        };
        let (plexapi, ratio_text) = against_plexapi(warm_median);
        let describe_warm = |uri: &str| describe(&emu, scenarios::WARM_SERVER, uri);
        self.rows.push(Row {
            case: format!(
                "warm start: keep() with last_good = the remote, the LAN ranked first black-holed (plexapi: connect(), {plexapi_rounds} rounds)"
            ),
            plexlink: fmt_time(warm_median),
            plexapi,
            ratio: ratio_text,
            notes: format!(
                "until keep() returns with the connection chosen (default policy: the last good one probed alone, \
                 taken at its answer); the remote's own answer to that probe (TCP, TLS, GET /identity): {} (median); \
                 {} faster than plexlink's cold race below; plexlink → {}{}",
                fmt_time(answer_median),
                fmt_ratio(ratio(cold_median, warm_median)),
                describe_warm(&warm.warm_uri),
                if theirs.is_ok() {
                    format!("; plexapi → {their_choice}, after its 30 s timeout on the LAN")
                } else {
                    String::new()
                }
            ),
        });
        let (plexapi, ratio_text) = against_plexapi(cold_median);
        self.rows.push(Row {
            case: "cold race: connect() on the same device".into(),
            plexlink: fmt_time(cold_median),
            plexapi,
            ratio: ratio_text,
            notes: format!(
                "the remote answers at once, and the race then waits its 500 ms grace window for the LAN, a better \
                 tier still pending (black-holed: no answer before the 5 s probe timeout); plexlink → {}",
                describe_warm(&warm.cold_uri)
            ),
        });
        let over: Vec<Duration> = warm
            .warm
            .iter()
            .zip(&warm.answer)
            .map(|(w, a)| w.saturating_sub(*a))
            .collect();
        let worst = over.iter().max().copied().unwrap_or_default();
        self.targets.push(Target {
            what: "warm start within the last connection's answer time + 5 ms".into(),
            met: worst <= Duration::from_millis(5),
            figures: format!(
                "keep() {} against the remote's answer {} (medians): {} over it in the median round, {} at most over {} rounds",
                fmt_time(warm_median),
                fmt_time(answer_median),
                fmt_time(median(&over)),
                fmt_time(worst),
                over.len()
            ),
        });

        // 2. Failover.
        let failover = kept::failover(&emu, &client, rounds)?;
        let slowest = failover.times.iter().max().copied().unwrap_or_default();
        self.rows.push(Row {
            case: "failover: the LAN turned dead, report_failure() → Changed { why: Failover } (remote up)".into(),
            plexlink: format!("{} (max {})", fmt_time(median(&failover.times)), fmt_time(slowest)),
            plexapi: no_equivalent(),
            ratio: "—".into(),
            notes: format!(
                "from report_failure() to the event out of events(), default policy, a new keep() on the LAN each \
                 round; the race itself: {} (median; the dead LAN refuses at once, so no grace window); \
                 python-plexapi keeps no connection and hears of no failure: an app catches the exception and \
                 calls connect() again, which probes every connection and waits for them all",
                fmt_time(median(&failover.races))
            ),
        });
        self.targets.push(Target {
            what: format!(
                "failover within the probe timeout ({})",
                fmt_time(failover.probe_timeout)
            ),
            met: slowest <= failover.probe_timeout,
            figures: format!(
                "{} at most over {} rounds (median {})",
                fmt_time(slowest),
                failover.times.len(),
                fmt_time(median(&failover.times))
            ),
        });

        // 3. Move up.
        let interval = if self.args.quick {
            Duration::from_millis(300)
        } else {
            Duration::from_secs(1)
        };
        let moved = kept::move_up(&emu, &client, interval, rounds)?;
        let slowest = moved.iter().max().copied().unwrap_or_default();
        self.rows.push(Row {
            case: format!(
                "move up: the LAN back while kept on the remote → Changed {{ why: MovedUp }}, recheck_interval {}",
                fmt_time(interval)
            ),
            plexlink: format!("{} (max {})", fmt_time(median(&moved)), fmt_time(slowest)),
            plexapi: no_equivalent(),
            ratio: "—".into(),
            notes: format!(
                "from turning the LAN good to the event; the LAN came back at (r + ½)/{rounds} of the first interval \
                 after keep() returned in round r, spread evenly as an app cannot choose when, so the median is about \
                 half an interval; recheck_max {} (the default ratio, 60 s to 240 s); python-plexapi never looks \
                 again: a program stays on the connection connect() gave until it calls connect() again",
                fmt_time(interval * 4)
            ),
        });
        self.targets.push(Target {
            what: format!("move up within one recheck interval ({})", fmt_time(interval)),
            met: slowest <= interval,
            figures: format!(
                "{} at most over {} rounds (median {})",
                fmt_time(slowest),
                moved.len(),
                fmt_time(median(&moved))
            ),
        });

        // 4. Recheck traffic while nothing changes: a scaled hour in full, a tenth of one quick.
        let recheck = Duration::from_millis(500);
        let intervals = if self.args.quick { 6 } else { 60 };
        let traffic = kept::recheck_traffic(&emu, &client, recheck, intervals)?;
        let per_hour: Vec<(&str, u64, f64)> = kept::RECHECKED
            .iter()
            .map(|c| {
                let n = traffic.worse.tcp_to(c);
                (*c, n, traffic.per_hour(n))
            })
            .collect();
        let most = per_hour.iter().map(|(_, _, h)| *h).fold(0.0, f64::max);
        let counted = |c: &kept::Counted| {
            c.tcp
                .iter()
                .map(|(name, n)| format!("{name} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let identity = traffic
            .worse
            .identity
            .iter()
            .find(|(n, _)| n == "lan-other-box")
            .map_or(0, |(_, n)| *n);
        let scaled_window = traffic.window.mul_f64(traffic.scale);
        self.rows.push(Row {
            case: "recheck traffic on a worse tier: kept on the remote, two LAN candidates rechecked (per candidate per hour, default 60 s interval)".into(),
            plexlink: format!(
                "{} per hour",
                per_hour
                    .iter()
                    .map(|(_, _, h)| format!("{h:.0}"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
            plexapi: no_equivalent(),
            ratio: "—".into(),
            notes: format!(
                "measured, not computed: TCP connections the emulator accepted per connection over {} ({intervals} \
                 recheck intervals, from settling): {} (lan-other-box, another box on the LAN address, also answered \
                 {identity} GET /identity); the default policy ran {:.0}× faster (every duration divided alike: \
                 recheck {} doubling to {}, probe timeout {}, grace {}), so the window stands for {:.0} min of the \
                 default clock (60 s doubling to 240 s, a black-holed candidate's recheck lasting its 5 s timeout) \
                 and a count × {:.1} is per hour; python-plexapi never rechecks (0 requests, and no move up)",
                fmt_time(traffic.window),
                counted(&traffic.worse),
                traffic.scale,
                fmt_time(traffic.policy.recheck_interval),
                fmt_time(traffic.policy.recheck_max),
                fmt_time(traffic.policy.race.probe_timeout),
                fmt_time(traffic.policy.race.grace),
                scaled_window.as_secs_f64() / 60.0,
                3600.0 / scaled_window.as_secs_f64(),
            ),
        });
        self.rows.push(Row {
            case: "recheck traffic on the best tier: kept on the LAN (remote and relay up)".into(),
            plexlink: format!("{:.0} per hour", traffic.per_hour(traffic.best.total())),
            plexapi: no_equivalent(),
            ratio: "—".into(),
            notes: format!("the same window and policy: {} TCP connections", counted(&traffic.best)),
        });
        self.targets.push(Target {
            what: "recheck traffic at most 1 request per candidate per minute (60 per hour)".into(),
            met: most <= 60.0,
            figures: per_hour
                .iter()
                .map(|(c, n, h)| format!("{c}: {n} in the window, {h:.1} per hour"))
                .collect::<Vec<_>>()
                .join("; "),
        });
        self.targets.push(Target {
            what: "no recheck traffic on the best tier".into(),
            met: traffic.best.total() == 0,
            figures: format!("{} TCP connections ({})", traffic.best.total(), counted(&traffic.best)),
        });

        // 5. plex.tv down: the servers from a stored snapshot, then connect. Last: it takes
        // plex.tv down, and brings it back only after python-plexapi's turn.
        let url = emu.url();
        let ca = emu.ca_pem();
        let offline = kept::offline(
            &emu,
            || builder(&url, ca.as_bytes()).build().map_err(|e| e.to_string()),
            rounds,
        );
        let theirs = match (&offline, &self.plexapi) {
            (Ok(_), Some(p)) => Some(p.run(Some(&emu), &["offline", "--rounds", &rounds.to_string()])),
            _ => None,
        };
        emu.set_plex_tv_down(false);
        let offline = offline?;
        let their_failure = match &theirs {
            None => "python-plexapi not run".to_string(),
            Some(Err(e)) => format!("python-plexapi's run failed: {e}"),
            Some(Ok(o)) if o.raw["listed"].as_bool() == Some(true) => {
                "python-plexapi listed the servers with plex.tv down (not expected)".to_string()
            }
            Some(Ok(o)) => format!(
                "python-plexapi: MyPlexAccount(token) raises {} after {} (median of {}), before resources() is \
                 reached: it asks plex.tv who the token is first, and keeps no earlier answer, so it has no server \
                 to connect to",
                o.raw["error"].as_str().unwrap_or("?"),
                fmt_time(median(&o.times)),
                o.times.len()
            ),
        };
        self.rows.push(Row {
            case: "connect with plex.tv down (refused): stored snapshot → servers_or_snapshot → connect".into(),
            plexlink: fmt_time(median(&offline.times)),
            plexapi: no_equivalent(),
            ratio: "—".into(),
            notes: format!(
                "a new Client each round (a program that starts while plex.tv is down), timed from reading the \
                 stored snapshot (from_json) to the connection: {} requests to plex.tv in {rounds} rounds, each \
                 closed unanswered (offline: \"{}\"), then the snapshot's {} servers and the race, which checks the \
                 server's identity → {}; {their_failure}",
                offline.plex_tv_requests,
                offline.why,
                offline.servers,
                describe(&emu, scenarios::KEPT_SERVER, &offline.uri),
            ),
        });
        Ok(())
    }

    fn import_time(&mut self) {
        let Some(plexapi) = &self.plexapi else {
            self.rows.push(Row {
                case: "import time of the Python module".into(),
                plexlink: "not run".into(),
                plexapi: "not run".into(),
                ratio: "—".into(),
                notes: String::new(),
            });
            return;
        };
        let python = plexapi.python();
        let rounds = 7;
        let ours = import_time(python, "plexlink", rounds);
        let theirs = import_time(python, "plexapi.myplex", rounds);
        let show = |t: Option<Duration>| t.map_or("n/a (not built)".to_string(), fmt_time);
        let ratio_text = match (ours, theirs) {
            (Some(o), Some(t)) => fmt_ratio(ratio(t, o)),
            _ => "—".into(),
        };
        self.rows.push(Row {
            case: "import time of the Python module".into(),
            plexlink: show(ours),
            plexapi: show(theirs),
            ratio: ratio_text,
            notes: format!(
                "`import plexlink` against `import plexapi.myplex`, timed inside a fresh interpreter, median of {rounds}"
            ),
        });
    }

    fn library_size(&mut self) {
        let footprint = self
            .plexapi
            .as_ref()
            .and_then(|p| p.versions["footprint"].as_u64())
            .map_or("—".to_string(), |n| format!("({} of Python)", fmt_bytes(n)));
        let (ours, notes) = match stripped_library_size() {
            Some((path, size)) => {
                let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
                // Cargo's folder is the profile's name (target/<profile>/libplexlink.so):
                // scripts/bench.sh measures dist, the one scripts/build-c.sh ships.
                let profile = path.parent().and_then(name).unwrap_or_else(|| "?".into());
                (
                    fmt_bytes(size),
                    format!(
                        "{} ({profile} profile), stripped; plexapi: plexapi + requests, urllib3, idna, charset_normalizer, certifi on disk",
                        name(&path).unwrap_or_else(|| path.display().to_string())
                    ),
                )
            }
            None => (
                "n/a (not built)".to_string(),
                "libplexlink.so (crates/plexlink-ffi, scripts/build-c.sh)".to_string(),
            ),
        };
        self.rows.push(Row {
            case: "size of the stripped shared library".into(),
            plexlink: ours,
            plexapi: footprint,
            ratio: "—".into(),
            notes,
        });
    }

    fn report(&self, took: Duration) -> String {
        let mut out = String::new();
        let versions = match &self.plexapi {
            Some(p) => format!(
                "python-plexapi {} on Python {}",
                p.versions["plexapi"].as_str().unwrap_or("?"),
                p.versions["python"].as_str().unwrap_or("?")
            ),
            None => "python-plexapi not run".to_string(),
        };
        let _ = writeln!(
            out,
            "\nplexlink {} against {versions}, on the emulator (127.0.0.x), {} cores; medians of {} rounds unless said; {} in all.\n",
            env!("CARGO_PKG_VERSION"),
            std::thread::available_parallelism().map_or(0, usize::from),
            self.args.rounds,
            fmt_time(took)
        );
        let _ = writeln!(out, "| case | plexlink | python-plexapi | plexapi ÷ plexlink | notes |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for row in &self.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                row.case, row.plexlink, row.plexapi, row.ratio, row.notes
            );
        }
        let _ = writeln!(out, "\nTargets:");
        for target in &self.targets {
            let _ = writeln!(
                out,
                "- [{}] {}: {}",
                if target.met { "met" } else { "MISSED" },
                target.what,
                target.figures
            );
        }
        out
    }
}

/// The median time `import <module>` takes in a fresh interpreter, timed inside it (what the
/// import adds to a program's start); `None` when the module does not import.
fn import_time(python: &Path, module: &str, rounds: usize) -> Option<Duration> {
    let scratch = std::env::temp_dir();
    let code =
        format!("import time\nstarted = time.perf_counter()\nimport {module}\nprint(time.perf_counter() - started)");
    let once = || -> Option<Duration> {
        let output = Command::new(python)
            .args(["-c", &code])
            .current_dir(&scratch)
            .env("PLEXAPI_CONFIG_PATH", scratch.join("plexlink-bench-no-config.ini"))
            .stderr(Stdio::null())
            .output()
            .ok()?;
        let seconds: f64 = String::from_utf8_lossy(&output.stdout).trim().parse().ok()?;
        output.status.success().then(|| Duration::from_secs_f64(seconds))
    };
    once()?; // warms the file cache and writes the bytecode
    let times: Vec<Duration> = (0..rounds).map(|_| once()).collect::<Option<_>>()?;
    Some(median(&times))
}

/// `libplexlink.so` built beside this binary (or at `$PLEXLINK_LIB`), stripped of symbols.
fn stripped_library_size() -> Option<(PathBuf, u64)> {
    let beside = std::env::current_exe().ok()?.parent()?.join("libplexlink.so");
    let path = std::env::var_os("PLEXLINK_LIB").map_or(beside, PathBuf::from);
    if !path.is_file() {
        return None;
    }
    let copy = std::env::temp_dir().join(format!("plexlink-bench-{}.so", std::process::id()));
    std::fs::copy(&path, &copy).ok()?;
    let stripped = Command::new("strip")
        .arg("--strip-all")
        .arg(&copy)
        .status()
        .is_ok_and(|s| s.success());
    let size = std::fs::metadata(&copy).ok().map(|m| m.len());
    let _ = std::fs::remove_file(&copy);
    stripped.then_some(())?;
    Some((path, size?))
}
