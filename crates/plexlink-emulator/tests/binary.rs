//! The `plexlink-emulator` binary: URL on the first line, clean stop on SIGTERM.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_plexlink-emulator");

#[test]
fn print_scenario_is_the_default_scenario_as_json() {
    let out = Command::new(BIN).arg("--print-scenario").output().unwrap();
    assert!(out.status.success());
    let printed: plexlink_emulator::Scenario = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, plexlink_emulator::Scenario::default());
}

#[test]
fn bad_arguments_exit_2() {
    let out = Command::new(BIN).arg("--nope").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn prints_its_url_first_and_stops_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("plexlink-emulator-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = dir.join("scenario.json");
    std::fs::write(&scenario, r#"{"pin_lifetime_secs": 5}"#).unwrap();

    let mut child = Command::new(BIN)
        .arg("--scenario")
        .arg(&scenario)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .trim()
        .strip_prefix("plexlink-emulator listening on ")
        .unwrap()
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with('/'), "{first}");

    let pin = common::request(&url, "POST", "/api/v2/pins", &common::plex_headers("bin", None), b"");
    assert_eq!(pin.json()["expiresIn"], 5);

    let kill = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(kill.success());
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(std::net::TcpStream::connect(common::host_port(&url)).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dual_stack_is_the_dual_stack_scenario_and_excludes_scenario() {
    let out = Command::new(BIN)
        .args(["--dual-stack", "--print-scenario"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed: plexlink_emulator::Scenario = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, plexlink_emulator::Scenario::dual_stack());
    let out = Command::new(BIN)
        .args(["--dual-stack", "--scenario", "x.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
