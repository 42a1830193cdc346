//! The crowd case: `connect_all` over 200 servers × 8 connections (1,600 candidates), timed
//! with the threads and the memory it takes. Each face of plexlink runs in a process of its own
//! (this binary again, as `plexlink-bench --crowd-child FACE ...`), as python-plexapi runs in
//! its Python: a process's peak threads and peak resident memory are then that library's
//! alone, not the emulator's or another case's.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use plexlink::{Connected, Error, Token};
use plexlink_emulator::Emulator;
use serde_json::json;

use crate::plexapi::Outcome;
use crate::scenarios::{self, CROWD_CONNECTIONS};
use crate::{Bench, Row, Target, choices, fmt_bytes, fmt_ratio, fmt_time, median, start};

/// The first argument of a crowd child.
pub const CHILD_FLAG: &str = "--crowd-child";
/// The account token, for a crowd child (kept off its command line).
const TOKEN_VAR: &str = "PLEXLINK_BENCH_TOKEN";
/// The most threads of plexlink's own that the 1,600 candidates may take: the blocking
/// client's runtime has one worker and at most four blocking threads.
const OWN_THREADS: usize = 5;

/// A face of plexlink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Face {
    /// `Client`: the drivers on the caller's thread, the requests on a private runtime thread.
    Blocking,
    /// `AsyncClient` on a multi-thread tokio runtime that the program builds (the default one
    /// of `#[tokio::main]`: a worker a core).
    Async,
}

impl Face {
    const ALL: [Face; 2] = [Face::Blocking, Face::Async];

    fn as_str(self) -> &'static str {
        match self {
            Face::Blocking => "blocking",
            Face::Async => "async",
        }
    }

    fn parse(text: &str) -> Option<Face> {
        Face::ALL.into_iter().find(|f| f.as_str() == text)
    }

    fn label(self) -> String {
        match self {
            Face::Blocking => "Client (blocking)".into(),
            Face::Async => format!("AsyncClient (tokio, {} workers)", workers()),
        }
    }

    /// The threads the program has whatever plexlink does: its main thread, and for the async
    /// face the workers of its runtime.
    fn program_threads(self) -> usize {
        match self {
            Face::Blocking => 1,
            Face::Async => 1 + workers(),
        }
    }
}

/// The workers of a default multi-thread tokio runtime: one a core.
fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The most threads this process runs while it lives, sampled every 2 ms from
/// /proc/self/task by a watcher thread, which is not counted.
struct ThreadPeak {
    running: Arc<AtomicBool>,
    most: Arc<AtomicUsize>,
    watcher: JoinHandle<()>,
}

impl ThreadPeak {
    fn start() -> ThreadPeak {
        let running = Arc::new(AtomicBool::new(true));
        let most = Arc::new(AtomicUsize::new(0));
        let watcher = {
            let (running, most) = (Arc::clone(&running), Arc::clone(&most));
            std::thread::spawn(move || {
                while running.load(Ordering::Relaxed) {
                    if let Some(now) = threads() {
                        most.fetch_max(now.saturating_sub(1), Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
            })
        };
        ThreadPeak { running, most, watcher }
    }

    /// The most threads seen, the watcher left out; `None` without /proc.
    fn stop(self) -> Option<usize> {
        self.running.store(false, Ordering::Relaxed);
        let _ = self.watcher.join();
        threads().map(|_| self.most.load(Ordering::Relaxed))
    }
}

/// Threads of this process (Linux: one entry a thread in /proc/self/task).
fn threads() -> Option<usize> {
    std::fs::read_dir("/proc/self/task").ok().map(|d| d.count())
}

/// The most memory this process has had resident, in bytes (VmHWM of /proc/self/status).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// `1,600` for 1600.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A crowd child: `--crowd-child FACE URL CA_FILE ROUNDS`, the token in `PLEXLINK_BENCH_TOKEN`.
/// Lists the servers, then runs `connect_all` over them `ROUNDS` times, each on a new client,
/// and prints one JSON line: each round's time, the last round's choices, the most threads the
/// process ran during the rounds and its peak resident memory.
pub fn child_main(args: &[String]) -> ExitCode {
    let run = || -> Result<serde_json::Value, String> {
        let [face, url, ca, rounds] = args else {
            return Err(format!("usage: plexlink-bench {CHILD_FLAG} FACE URL CA_FILE ROUNDS"));
        };
        let face = Face::parse(face).ok_or(format!("no face {face:?}"))?;
        let rounds: usize = rounds.parse().map_err(|_| format!("bad rounds {rounds:?}"))?;
        let ca = std::fs::read(ca).map_err(|e| format!("{ca}: {e}"))?;
        let token = Token::new(std::env::var(TOKEN_VAR).map_err(|_| format!("no {TOKEN_VAR}"))?);
        let builder = || crate::builder(url, &ca);
        let (devices, measured) = match face {
            Face::Blocking => {
                let devices = builder().build().and_then(|c| c.servers(&token)).map_err(text)?;
                let measured = measure(rounds, || {
                    let client = builder().build().map_err(text)?;
                    let started = Instant::now();
                    let results = client.connect_all(&devices);
                    Ok((started.elapsed(), results))
                })?;
                (devices, measured)
            }
            Face::Async => {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                let devices = runtime
                    .block_on(async { builder().build_async()?.servers(&token).await })
                    .map_err(text)?;
                let measured = measure(rounds, || {
                    runtime.block_on(async {
                        let client = builder().build_async().map_err(text)?;
                        let started = Instant::now();
                        let results = client.connect_all(&devices).await;
                        Ok((started.elapsed(), results))
                    })
                })?;
                (devices, measured)
            }
        };
        Ok(json!({
            "times": measured.times.iter().map(Duration::as_secs_f64).collect::<Vec<_>>(),
            "chosen": measured.last.iter().map(|c| c.uri.as_str()).collect::<Vec<_>>(),
            "names": devices.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
            "threads": measured.threads,
            "rss": peak_rss(),
        }))
    };
    match run() {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("plexlink-bench {CHILD_FLAG}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn text(e: Error) -> String {
    e.to_string()
}

type Round = (Duration, Vec<Result<Connected, Error>>);

/// What the rounds of a child gave.
struct Measured {
    times: Vec<Duration>,
    /// The last round's choices.
    last: Vec<Connected>,
    /// The most threads seen during the rounds.
    threads: Option<usize>,
}

/// `rounds` rounds of `round`, under a thread watcher; every server must connect.
fn measure(rounds: usize, mut round: impl FnMut() -> Result<Round, String>) -> Result<Measured, String> {
    let peak = ThreadPeak::start();
    let mut times = Vec::new();
    let mut last = Vec::new();
    for _ in 0..rounds {
        let (took, results) = round()?;
        times.push(took);
        last = results.into_iter().collect::<Result<Vec<_>, _>>().map_err(text)?;
    }
    Ok(Measured {
        times,
        last,
        threads: peak.stop(),
    })
}

/// Runs a crowd child of this binary against `emu`.
fn run_child(face: Face, emu: &Emulator, ca: &Path, rounds: usize) -> Result<Outcome, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let token = emu.token_for(scenarios::OWNER).ok_or("no token")?;
    let output = Command::new(exe)
        .arg(CHILD_FLAG)
        .args([face.as_str(), &emu.url()])
        .arg(ca)
        .arg(rounds.to_string())
        .env(TOKEN_VAR, token)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!("the {} child exited with {}", face.as_str(), output.status));
    }
    Outcome::from_stdout(&output.stdout)
}

/// The emulator's test authority in a file, for the children; removed when dropped.
struct CaFile(PathBuf);

impl CaFile {
    fn new(emu: &Emulator) -> Result<CaFile, String> {
        let path = std::env::temp_dir().join(format!("plexlink-bench-crowd-{}.pem", std::process::id()));
        std::fs::write(&path, emu.ca_pem()).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(CaFile(path))
    }
}

impl Drop for CaFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// One measure of a crowd row from a case's outcome.
#[derive(Clone, Copy)]
enum Measure {
    Wall,
    Threads,
    Rss,
}

impl Measure {
    fn name(self) -> &'static str {
        match self {
            Measure::Wall => "wall time",
            Measure::Threads => "peak threads",
            Measure::Rss => "peak RSS",
        }
    }

    /// The figure shown and the number the ratio is taken of.
    fn of(self, outcome: &Outcome) -> Option<(String, f64)> {
        match self {
            Measure::Wall => {
                let t = median(&outcome.times);
                Some((fmt_time(t), t.as_secs_f64()))
            }
            Measure::Threads => {
                let n = outcome.raw["threads"].as_u64()?;
                Some((n.to_string(), n as f64))
            }
            Measure::Rss => {
                let n = outcome.raw["rss"].as_u64()?;
                Some((fmt_bytes(n), n as f64))
            }
        }
    }
}

impl Bench<'_> {
    /// `connect_all` over 200 servers × 8 connections, for each face of plexlink and for
    /// python-plexapi's `connect()` in a loop: wall time, peak threads, peak memory.
    pub(crate) fn crowd(&mut self) -> Result<(), String> {
        let count = if self.args.quick { 20 } else { 200 };
        let candidates = count * CROWD_CONNECTIONS;
        let (rounds, their_rounds) = (self.args.rounds, self.args.crowd_rounds);
        let emu = start(scenarios::crowd(count))?;
        let ca = CaFile::new(&emu)?;
        let ours: Vec<(Face, Outcome)> = Face::ALL
            .into_iter()
            .map(|face| run_child(face, &emu, &ca.0, rounds).map(|o| (face, o)))
            .collect::<Result<_, _>>()?;
        let theirs = self.plexapi.as_ref().map(|plexapi| {
            plexapi
                .run(Some(&emu), &["fleet", "--rounds", &their_rounds.to_string()])
                .map_err(|e| format!("failed: {e}"))
        });
        let their_choice = match &theirs {
            Some(Ok(outcome)) => choices(&emu, outcome),
            _ => "—".into(),
        };
        let case = format!(
            "{count} servers × {CROWD_CONNECTIONS} connections ({} candidates)",
            thousands(candidates)
        );
        // The notes of a measure go with its first face; the second says what differs.
        let notes = |measure: Measure, face: Face, outcome: &Outcome| {
            match (measure, face) {
            (Measure::Wall, Face::Blocking) => format!(
                "plexlink: connect_all; plexapi: connect() in a loop. Median of {rounds} rounds (plexapi: {their_rounds}), a new client (plexapi: Session) each. The {} bad candidates of each server refuse: were they black-holed, python-plexapi would wait its 30 s timeout on every server. plexlink → {}; plexapi → {their_choice}",
                CROWD_CONNECTIONS - 1,
                choices(&emu, outcome)
            ),
            (Measure::Wall, Face::Async) => format!("plexlink → {}", choices(&emu, outcome)),
            (Measure::Threads, Face::Blocking) => "the process's during the rounds, its main thread included, the sampler not (/proc/self/task every 2 ms); plexapi starts a thread a URL (16 a server: http and https of each connection), one server after another".to_string(),
            (Measure::Rss, Face::Blocking) => "VmHWM: each library in a process of its own (plexlink: this binary again; plexapi: its Python, ru_maxrss), the listing of the servers included".to_string(),
            (_, Face::Async) => "as above".to_string(),
        }
        };
        for measure in [Measure::Wall, Measure::Threads, Measure::Rss] {
            for (face, outcome) in &ours {
                let (mine, mine_n) = measure.of(outcome).unwrap_or(("n/a".into(), 0.0));
                let (plexapi, ratio_text) = match &theirs {
                    None => ("not run".to_string(), "—".to_string()),
                    Some(Err(e)) => (e.clone(), "—".into()),
                    Some(Ok(t)) => match measure.of(t) {
                        Some((shown, n)) if mine_n > 0.0 => (shown, fmt_ratio(n / mine_n)),
                        Some((shown, _)) => (shown, "—".into()),
                        None => ("n/a".into(), "—".into()),
                    },
                };
                self.rows.push(Row {
                    case: format!("{case}: {}, {}", measure.name(), face.label()),
                    plexlink: mine,
                    plexapi,
                    ratio: ratio_text,
                    notes: notes(measure, *face, outcome),
                });
            }
        }
        let most: Vec<(Face, Option<u64>)> = ours
            .iter()
            .map(|(face, o)| (*face, o.raw["threads"].as_u64()))
            .collect();
        self.targets.push(Target {
            what: format!(
                "{} candidates: a few threads, never one a probe (at most {OWN_THREADS} beyond the program's main thread and runtime workers)",
                thousands(candidates)
            ),
            met: most
                .iter()
                .all(|(face, n)| n.is_some_and(|n| n <= (face.program_threads() + OWN_THREADS) as u64)),
            figures: most
                .iter()
                .map(|(face, n)| format!("{}: {}", face.label(), n.map_or("n/a".into(), |n| n.to_string())))
                .collect::<Vec<_>>()
                .join(", "),
        });
        Ok(())
    }
}
