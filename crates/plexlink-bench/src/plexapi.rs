//! python-plexapi's side: runs `bench/plexapi_bench.py` with the benchmark's Python against the
//! same emulator, and reads its results.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use plexlink_emulator::Emulator;
use serde_json::Value;

use crate::pin::{PinRound, checks_of};
use crate::scenarios::OWNER;

/// A Python with python-plexapi installed, and the driver script.
#[derive(Debug)]
pub struct Plexapi {
    python: PathBuf,
    script: PathBuf,
    scratch: PathBuf,
    /// `plexapi` and `python` versions, and the installed size of plexapi and its dependencies.
    pub versions: Value,
}

/// What one case gave back: each round's time and the URIs connected to.
#[derive(Debug, Default)]
pub struct Outcome {
    pub times: Vec<Duration>,
    pub chosen: Vec<String>,
    pub raw: Value,
}

impl Outcome {
    /// The last line a case printed: `{"times": [seconds, ...], "chosen": [uri, ...], ...}`
    /// (python-plexapi's script, and plexlink's own crowd children, speak alike).
    pub fn from_stdout(stdout: &[u8]) -> Result<Outcome, String> {
        let text = String::from_utf8_lossy(stdout);
        let line = text.lines().last().unwrap_or_default();
        let raw: Value = serde_json::from_str(line).map_err(|e| format!("not JSON ({e}): {line}"))?;
        Ok(Outcome {
            times: durations(&raw["times"]),
            chosen: strings(&raw["chosen"]),
            raw,
        })
    }

    /// Another list of seconds the case printed beside `times` (the JWT case's `sign`, ...).
    pub fn durations(&self, field: &str) -> Vec<Duration> {
        if field == "times" {
            return self.times.clone();
        }
        durations(&self.raw[field])
    }

    /// The servers of `chosen`, in its order, when the case named them.
    pub fn names(&self) -> Vec<String> {
        strings(&self.raw["names"])
    }
}

fn durations(value: &Value) -> Vec<Duration> {
    value
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(Value::as_f64)
                .map(Duration::from_secs_f64)
                .collect()
        })
        .unwrap_or_default()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|c| c.iter().filter_map(|u| u.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

impl Plexapi {
    /// The driver with this Python, or why it cannot run.
    pub fn new(python: &Path, script: &Path) -> Result<Plexapi, String> {
        if !script.is_file() {
            return Err(format!("{} not found", script.display()));
        }
        let scratch = std::env::temp_dir().join(format!("plexlink-bench-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
        // The script runs in a scratch directory: a relative path must not depend on that.
        let python = if python.components().count() > 1 {
            std::path::absolute(python).map_err(|e| format!("{}: {e}", python.display()))?
        } else {
            python.to_path_buf()
        };
        let mut plexapi = Plexapi {
            python,
            script: script.to_path_buf(),
            scratch,
            versions: Value::Null,
        };
        plexapi.versions = plexapi.run(None, &["versions"])?.raw;
        Ok(plexapi)
    }

    /// The Python interpreter.
    pub fn python(&self) -> &Path {
        &self.python
    }

    fn command(&self, emu: Option<&Emulator>, args: &[&str]) -> Result<Command, String> {
        let mut command = Command::new(&self.python);
        command.arg(&self.script).args(args).current_dir(&self.scratch);
        // python-plexapi's defaults, whatever the person running the benchmark configured.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("PLEXAPI_") {
                command.env_remove(name);
            }
        }
        command.env("PLEXAPI_CONFIG_PATH", self.scratch.join("no-config.ini"));
        if let Some(emu) = emu {
            let ca = self.scratch.join(format!("ca-{}.pem", port_of(&emu.url())));
            std::fs::write(&ca, emu.ca_pem()).map_err(|e| e.to_string())?;
            command.env("REQUESTS_CA_BUNDLE", ca);
            command.args(["--url", &emu.url()]);
            let token = emu.token_for(OWNER).ok_or("no token")?;
            command.args(["--token", &token]);
        }
        Ok(command)
    }

    /// Runs one case and reads its JSON line.
    pub fn run(&self, emu: Option<&Emulator>, args: &[&str]) -> Result<Outcome, String> {
        let output = self
            .command(emu, args)?
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("{}: {e}", self.python.display()))?;
        if !output.status.success() {
            return Err(format!(
                "plexapi_bench.py {} exited with {}",
                args.join(" "),
                output.status
            ));
        }
        Outcome::from_stdout(&output.stdout)
    }

    /// `MyPlexPinLogin` rounds: the script creates the PIN and polls it; this side approves it
    /// after `delay(round)` and times the token's arrival (the script prints `token` from
    /// plexapi's callback).
    pub fn pin_rounds(
        &self,
        emu: &Emulator,
        rounds: usize,
        delay: impl Fn(usize) -> Duration,
    ) -> Result<Vec<PinRound>, String> {
        let mut child = self
            .command(Some(emu), &["pin", "--rounds", &rounds.to_string()])?
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| e.to_string())?;
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (lines_tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send((line, Instant::now())).is_err() {
                    break;
                }
            }
        });
        let next = |expect: &str| -> Result<(String, Instant), String> {
            let (line, at) = lines
                .recv_timeout(Duration::from_secs(30))
                .map_err(|_| format!("plexapi_bench.py pin: no {expect:?} line"))?;
            if line.starts_with(expect) {
                Ok((line, at))
            } else {
                Err(format!("plexapi_bench.py pin: {line:?} where {expect:?} was expected"))
            }
        };
        let mut results = Vec::new();
        let outcome = (|| {
            for round in 0..rounds {
                next("ready")?;
                emu.reset_counters();
                writeln!(stdin, "go").map_err(|e| e.to_string())?;
                stdin.flush().map_err(|e| e.to_string())?;
                let (line, _) = next("pin ")?;
                let id: u64 = line[4..].trim().parse().map_err(|_| format!("bad PIN line {line:?}"))?;
                std::thread::sleep(delay(round));
                let approved = Instant::now();
                emu.approve_pin(id, OWNER).map_err(|e| e.to_string())?;
                let (_, token_at) = next("token")?;
                // Let plexapi's poll thread finish its request before the counts are read.
                std::thread::sleep(Duration::from_millis(50));
                results.push(PinRound {
                    to_token: token_at.saturating_duration_since(approved),
                    tcp_connections: emu.counters().plextv.tcp_connections,
                    checks: checks_of(emu),
                });
            }
            next("done").map(|_| ())
        })();
        drop(stdin);
        if outcome.is_err() {
            let _ = child.kill();
        }
        let _ = child.wait();
        outcome.map(|()| results)
    }
}

impl Drop for Plexapi {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

fn port_of(url: &str) -> String {
    url.trim_end_matches('/').rsplit(':').next().unwrap_or("0").to_string()
}
