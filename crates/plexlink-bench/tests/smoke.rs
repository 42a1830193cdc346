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
    ] {
        assert!(stdout.contains(case), "no {case:?} row: {stdout}");
    }
    assert!(stdout.contains("Targets:"), "{stdout}");
}

#[test]
fn bad_arguments_exit_2() {
    let output = Command::new(env!("CARGO_BIN_EXE_plexlink-bench"))
        .arg("--rounds")
        .arg("0")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
}
