//! The benchmark binary runs: one quick round of plexlink's side (python-plexapi is left out:
//! `scripts/bench.sh` runs the real comparison, which takes minutes and is no test).

use std::process::Command;

#[test]
fn one_quick_round_of_plexlinks_side_prints_the_table() {
    let output = Command::new(env!("CARGO_BIN_EXE_plexlink-bench"))
        .args([
            "--plexlink-only",
            "--quick",
            "--rounds",
            "1",
            "--pin-rounds",
            "1",
            "--parse-rounds",
            "1",
            "--jwt-rounds",
            "1",
        ])
        .output()
        .expect("the benchmark runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("| case | plexlink | python-plexapi |"), "{stdout}");
    for case in [
        "black-holed",
        "refuses the LAN name",
        "slow LAN",
        "connect_all",
        "peak threads, Client (blocking)",
        "peak RSS, AsyncClient",
        "PIN login",
        "resources answer",
        "sign a device JWT",
        "verify a Plex JWT",
        "refresh a Plex JWT",
        "warm start: keep()",
        "cold race: connect() on the same device",
        "failover: the LAN turned dead",
        "move up: the LAN back",
        "recheck traffic on a worse tier",
        "recheck traffic on the best tier",
        "connect with plex.tv down",
    ] {
        assert!(stdout.contains(case), "no {case:?} row: {stdout}");
    }
    assert!(stdout.contains("Targets:"), "{stdout}");
    for target in [
        "warm start within",
        "failover within",
        "move up within",
        "recheck traffic at most",
        "no recheck traffic on the best tier",
    ] {
        assert!(stdout.contains(target), "no {target:?} target: {stdout}");
    }
}

#[test]
fn only_runs_the_cases_named() {
    let output = Command::new(env!("CARGO_BIN_EXE_plexlink-bench"))
        .args([
            "--plexlink-only",
            "--quick",
            "--parse-rounds",
            "1",
            "--only",
            "parse,size",
        ])
        .output()
        .expect("the benchmark runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("resources answer"), "{stdout}");
    assert!(stdout.contains("stripped shared library"), "{stdout}");
    assert!(!stdout.contains("black-holed"), "{stdout}");
    assert!(!stdout.contains("warm start"), "{stdout}");
}

#[test]
fn bad_arguments_exit_2() {
    for args in [&["--rounds", "0"][..], &["--only", "kept,nothing"]] {
        let output = Command::new(env!("CARGO_BIN_EXE_plexlink-bench"))
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}
