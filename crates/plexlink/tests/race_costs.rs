//! What choosing a connection costs, against the emulator's listeners: a black-holed or dead
//! candidate costs nothing once a better one has answered, the winner is known at most one grace
//! window after the first good answer, a slow LAN server beats a fast relay within the window,
//! and many servers are chosen for at once.

mod common;

use std::time::{Duration, Instant};

use plexlink::core::race::{DEFAULT_GRACE, ProbeResult, Tier};
use plexlink::{Client, Device};
use plexlink_emulator::{Behaviour, Connection, Emulator, Scenario, Server};

/// Slack for thread start-up and scheduling on a loaded 2-core machine (debug build).
const SLACK: Duration = Duration::from_millis(50);

fn https(name: &str, behaviour: Behaviour, local: bool) -> Connection {
    Connection {
        https: true,
        ..Connection::new(name, behaviour, local)
    }
}

fn relay(name: &str, behaviour: Behaviour) -> Connection {
    Connection {
        relay: true,
        address: "127.0.0.3".into(),
        ..https(name, behaviour, false)
    }
}

/// The built-in scenario with Living Room's connections replaced.
fn living_room_with(connections: Vec<Connection>) -> Scenario {
    let mut scenario = Scenario::default();
    scenario.servers[0].connections = connections;
    scenario
}

fn setup(scenario: Scenario) -> (Emulator, Client, Vec<Device>) {
    let emu = Emulator::start(scenario).expect("starts");
    let client = Client::builder("plexlink tests", common::CLIENT_ID)
        .plex_url(emu.url())
        .add_root_certificate_pem(emu.ca_pem())
        .build()
        .expect("builds");
    let servers = client.servers(&common::token_of(&emu, "alice")).expect("servers");
    (emu, client, servers)
}

fn named<'a>(servers: &'a [Device], name: &str) -> &'a Device {
    servers.iter().find(|s| s.name == name).expect("the server")
}

#[test]
fn a_black_holed_and_two_dead_candidates_cost_nothing_once_the_good_one_answers() {
    // Listed first, as a Docker bridge address often is: the black hole, then two dead ones.
    let (emu, client, servers) = setup(living_room_with(vec![
        https("blackhole", Behaviour::Blackhole, true),
        https("dead-1", Behaviour::Dead, true),
        https("dead-2", Behaviour::Dead, true),
        https("good", Behaviour::Good, true),
    ]));
    let living = named(&servers, "Living Room");
    for _ in 0..3 {
        let connected = client.connect(living).expect("connects");
        assert_eq!(connected.uri, emu.server_uri("Living Room", "good").expect("uri"));
        let winner = &connected.outcome.reports[connected.outcome.winner.expect("a winner")];
        let answered = winner.latency.expect("the winner answered");
        assert!(
            connected.elapsed <= answered + SLACK,
            "chosen {:?} after the good answer ({answered:?})",
            connected.elapsed
        );
        assert!(connected.elapsed < Duration::from_secs(1));
        let blackhole = &connected.outcome.reports[0];
        assert_eq!(blackhole.result, ProbeResult::Abandoned, "{:?}", blackhole.result);
    }
}

#[test]
fn a_slow_lan_server_beats_a_fast_relay_within_the_default_grace_window() {
    let (emu, client, servers) = setup(living_room_with(vec![
        https("local", Behaviour::Slow { ms: 300 }, true),
        relay("relay", Behaviour::Slow { ms: 5 }),
    ]));
    let connected = client.connect(named(&servers, "Living Room")).expect("connects");
    assert_eq!(connected.uri, emu.server_uri("Living Room", "local").expect("uri"));
    let relay_report = connected
        .outcome
        .reports
        .iter()
        .find(|r| r.candidate.tier == Tier::Relay)
        .expect("the relay was a candidate");
    // The relay answered first and lost; should its answer come in after the LAN server's (a
    // stalled thread), the race was decided without it.
    assert!(
        matches!(relay_report.result, ProbeResult::Answered | ProbeResult::Abandoned),
        "{:?}",
        relay_report.result
    );
    assert!(connected.elapsed >= Duration::from_millis(300));
    assert!(connected.elapsed < DEFAULT_GRACE, "{:?}", connected.elapsed);
}

#[test]
fn the_winner_is_known_one_grace_window_after_the_first_good_answer() {
    // The LAN server answers too late (800 ms): the relay wins when the window after its own
    // answer ends, not when the LAN probe gives up.
    let (emu, client, servers) = setup(living_room_with(vec![
        https("local", Behaviour::Slow { ms: 800 }, true),
        relay("relay", Behaviour::Good),
    ]));
    let connected = client.connect(named(&servers, "Living Room")).expect("connects");
    assert_eq!(connected.uri, emu.server_uri("Living Room", "relay").expect("uri"));
    let relay_answer = connected.outcome.reports[connected.outcome.winner.expect("a winner")]
        .latency
        .expect("answered");
    assert!(connected.elapsed >= DEFAULT_GRACE);
    assert!(
        connected.elapsed <= relay_answer + DEFAULT_GRACE + SLACK,
        "{:?} vs the relay's answer {relay_answer:?}",
        connected.elapsed
    );
}

#[test]
fn connect_all_races_every_server_at_once() {
    let mut scenario = Scenario::default();
    scenario
        .servers
        .retain(|s| s.owner != "alice" && s.shares.iter().all(|share| share.account != "alice"));
    for i in 0..8 {
        scenario.servers.push(Server {
            name: format!("Server {i}"),
            client_identifier: format!("{i:02}c5e9f3b7d2468097531eca8642fdb975310ec0"),
            owner: "alice".into(),
            access_token: format!("server-{i}-token"),
            connections: vec![
                https("local", Behaviour::Slow { ms: 200 }, true),
                https("dead", Behaviour::Dead, true),
                relay("relay", Behaviour::Good),
            ],
            ..Server::default()
        });
    }
    // One server with nothing that answers: its result is an error, the others are unaffected.
    scenario.servers.push(Server {
        name: "Offline".into(),
        client_identifier: "ffc5e9f3b7d2468097531eca8642fdb975310ec0".into(),
        owner: "alice".into(),
        access_token: "offline-token".into(),
        connections: vec![https("dead", Behaviour::Dead, true)],
        ..Server::default()
    });
    let (emu, client, servers) = setup(scenario);
    assert_eq!(servers.len(), 9);
    let started = Instant::now();
    let results = client.connect_all(&servers);
    let took = started.elapsed();
    assert_eq!(results.len(), servers.len());
    for (server, result) in servers.iter().zip(&results) {
        if server.name == "Offline" {
            assert!(
                matches!(result, Err(plexlink::Error::NoConnection { .. })),
                "{result:?}"
            );
            continue;
        }
        let connected = result.as_ref().expect("connected");
        assert_eq!(connected.device.name, server.name, "results keep the order given");
        assert_eq!(connected.uri, emu.server_uri(&server.name, "local").expect("uri"));
        assert!(connected.elapsed <= took);
    }
    // Eight races of ~200 ms each, run together: far less than one after another.
    assert!(took < Duration::from_millis(200 * 4), "{took:?}");
    assert!(client.connect_all(&[]).is_empty());
}
