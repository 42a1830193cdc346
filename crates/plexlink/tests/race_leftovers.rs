//! Nothing a race starts outlives the call by more than its probe deadline: not a probe thread,
//! not a socket (the black-holed one included), not the winner's or a late loser's connection
//! in the pool. One test in its own binary, so that no other test's threads are counted.

mod common;

use std::time::{Duration, Instant};

use plexlink::{Client, RacePolicy};
use plexlink_emulator::{Behaviour, Connection, Emulator, Scenario};

/// Threads of this process (Linux: one entry per thread in /proc/self/task).
fn threads() -> Option<usize> {
    std::fs::read_dir("/proc/self/task").ok().map(|d| d.count())
}

fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if done() {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn no_probe_thread_or_socket_outlives_the_probe_deadline() {
    let https = |name: &str, behaviour, local| Connection {
        https: true,
        ..Connection::new(name, behaviour, local)
    };
    let mut scenario = Scenario::default();
    scenario.servers[0].connections = vec![
        https("local", Behaviour::Good, true),
        https("blackhole", Behaviour::Blackhole, true),
        // Answers after the race is decided: its late answer must not stay in the pool.
        Connection {
            address: "127.0.0.2".into(),
            ..https("remote-slow", Behaviour::Slow { ms: 300 }, false)
        },
        Connection {
            relay: true,
            address: "127.0.0.3".into(),
            ..https("relay", Behaviour::Good, false)
        },
    ];
    let emu = Emulator::start(scenario).expect("starts");
    let client = Client::builder("plexlink tests", common::CLIENT_ID)
        .plex_url(emu.url())
        .add_root_certificate_pem(emu.ca_pem())
        .build()
        .expect("builds");
    let living = common::server_named(&client, &common::token_of(&emu, "alice"), "Living Room");
    let policy = RacePolicy {
        probe_timeout: Duration::from_millis(800),
        ..RacePolicy::default()
    };
    // Let the emulator's listeners settle, then count this process's threads at rest.
    std::thread::sleep(Duration::from_millis(100));
    let at_rest = threads();

    let started = Instant::now();
    let connected = client.connect_with(&living, policy).expect("connects");
    assert_eq!(connected.uri, emu.server_uri("Living Room", "local").expect("uri"));
    assert!(
        connected.elapsed < Duration::from_millis(300),
        "{:?}",
        connected.elapsed
    );
    let deadline = started + policy.probe_timeout;
    let open = |name: &str| emu.counters().connection("Living Room", name).open_connections;
    // The black hole holds its socket until the probe's deadline.
    // (its https probe and the plain-http twin of it both wait there).
    assert!(wait_until(Duration::from_millis(500), || open("blackhole") >= 1));

    // By the deadline (plus scheduling slack) every probe thread has ended and every socket a
    // probe opened is closed, the winner's included.
    let slack = Duration::from_millis(400);
    let limit = deadline.saturating_duration_since(Instant::now()) + slack;
    let names = ["local", "blackhole", "remote-slow", "relay"];
    assert!(
        wait_until(limit, || names.iter().all(|n| open(n) == 0)),
        "still open: {:?}",
        names.map(|n| (n, open(n)))
    );
    if let Some(at_rest) = at_rest {
        assert!(
            wait_until(slack, || threads() == Some(at_rest)),
            "threads: {at_rest} at rest, {:?} after the deadline",
            threads()
        );
    }
    let slow = emu.counters().connection("Living Room", "remote-slow");
    assert!(
        slow.requests_to("GET /identity") >= 1,
        "the late loser was probed and answered"
    );
}
