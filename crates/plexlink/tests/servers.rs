//! Resources, the connection race and the server token calls against the emulator's servers.

mod common;

use std::time::Duration;

use plexlink::core::race::ProbeResult;
use plexlink::{Error, Token};

#[test]
fn resources_list_devices_with_their_connections() {
    let (emu, client) = common::setup();
    let alice = common::token_of(&emu, "alice");
    let devices = client.resources(&alice).unwrap();
    assert!(devices.iter().any(|d| !d.is_server()), "players are listed too");
    let servers = client.servers(&alice).unwrap();
    let names: Vec<&str> = servers.iter().map(|s| s.name.as_str()).collect();
    assert!(
        names.contains(&"Living Room") && names.contains(&"Friend's Server"),
        "{names:?}"
    );
    let living = servers.iter().find(|s| s.name == "Living Room").unwrap();
    assert!(living.owned);
    assert_eq!(living.connections.len(), 6);
    assert!(living.connections.iter().any(|c| c.relay));
    let friend = servers.iter().find(|s| s.name == "Friend's Server").unwrap();
    assert!(!friend.owned);
    assert!(friend.source_title.is_some());
    assert_ne!(
        friend.access_token.as_ref().unwrap(),
        &alice,
        "a shared server has its own token"
    );
    assert!(client.resources(&Token::new("bad")).unwrap_err().is_token_rejected());
}

#[test]
fn connect_picks_the_good_local_connection_past_dead_blackholed_slow_and_wrong_ones() {
    let (emu, client) = common::setup();
    let alice = common::token_of(&emu, "alice");
    let living = common::server_named(&client, &alice, "Living Room");
    emu.reset_counters();
    let connected = client.connect(&living).unwrap();
    assert_eq!(connected.uri, emu.server_uri("Living Room", "local").unwrap());
    assert!(connected.connection.local && !connected.connection.relay);
    // The black-holed candidate never answers; the call must not wait for it (its probe
    // deadline is 5 s).
    assert!(connected.elapsed < Duration::from_secs(2), "{:?}", connected.elapsed);

    let result_of = |name: &str| {
        let uri = emu.server_uri("Living Room", name).unwrap();
        connected
            .outcome
            .reports
            .iter()
            .find(|r| r.candidate.uri == uri)
            .map(|r| r.result.clone())
    };
    assert_eq!(result_of("local"), Some(ProbeResult::Won));
    assert_eq!(
        emu.counters()
            .connection("Living Room", "local")
            .requests_to("GET /identity"),
        1
    );
    // Every other candidate was probed at once, in parallel: the black hole gets a TCP
    // connection (perhaps a moment after the race was decided: the probes are not waited for).
    let probed = (0..50).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        emu.counters()
            .connection("Living Room", "local-blackhole")
            .tcp_connections
            >= 1
    });
    assert!(probed, "the black-holed candidate was probed too");
    assert!(
        connected
            .outcome
            .reports
            .iter()
            .all(|r| !matches!(r.result, ProbeResult::NotSent))
    );
    assert!(!matches!(result_of("local-wrong-id"), Some(ProbeResult::Won)));
}

#[test]
fn wrong_server_and_dead_connections_never_win() {
    let (emu, client) = common::setup();
    let alice = common::token_of(&emu, "alice");
    let mut living = common::server_named(&client, &alice, "Living Room");
    let keep =
        ["local-dead", "local-blackhole", "local-wrong-id", "relay"].map(|n| emu.server_uri("Living Room", n).unwrap());
    living.connections.retain(|c| keep.contains(&c.uri));
    // A grace window as long as the probe timeout: the race is decided only once every local
    // probe has settled, so the dead and wrong ones report their own result, whatever the
    // order of the answers (with a shorter window it may end first: both "abandoned").
    let policy = plexlink::RacePolicy {
        probe_timeout: Duration::from_millis(800),
        grace: Duration::from_millis(800),
        ..plexlink::RacePolicy::default()
    };
    let connected = client.connect_with(&living, policy).unwrap();
    assert_eq!(connected.uri, emu.server_uri("Living Room", "relay").unwrap());
    let wrong_uri = emu.server_uri("Living Room", "local-wrong-id").unwrap();
    let wrong = connected
        .outcome
        .reports
        .iter()
        .find(|r| r.candidate.uri == wrong_uri)
        .unwrap();
    assert!(
        matches!(wrong.result, ProbeResult::WrongServer { .. }),
        "{:?}",
        wrong.result
    );
    let dead_uri = emu.server_uri("Living Room", "local-dead").unwrap();
    let dead = connected
        .outcome
        .reports
        .iter()
        .find(|r| r.candidate.uri == dead_uri)
        .unwrap();
    assert!(
        matches!(dead.result, ProbeResult::Failed(Error::Transport { .. })),
        "{:?}",
        dead.result
    );

    living.connections.retain(|c| c.uri != keep[3]);
    let none = client.connect_with(&living, policy).unwrap_err();
    // The error keeps the race: why each candidate failed.
    let Error::NoConnection { race: Some(race), .. } = &none else {
        panic!("{none:?}")
    };
    assert_eq!(race.winner, None);
    assert_eq!(race.reports.len(), living.connections.len());
    assert!(race.reports.iter().all(|r| r.result != ProbeResult::Won), "{race:?}");
}

#[test]
fn a_shared_server_is_reached_remotely_with_its_own_token() {
    let (emu, client) = common::setup();
    let alice = common::token_of(&emu, "alice");
    let friend = common::server_named(&client, &alice, "Friend's Server");
    let connected = client.connect(&friend).unwrap();
    // Its LAN address is someone else's LAN: not a candidate, since we are not on that network.
    assert!(!friend.public_address_matches);
    assert_eq!(connected.uri, emu.server_uri("Friend's Server", "remote").unwrap());
    let lan = emu.server_uri("Friend's Server", "local").unwrap();
    assert!(
        connected.outcome.skipped.iter().any(|(c, _)| c.uri == lan),
        "{:?}",
        connected.outcome.skipped
    );
    assert_eq!(connected.access_token(), friend.access_token.as_ref());
}

#[test]
fn transient_token_and_source_connection_information() {
    let (emu, client) = common::setup();
    let alice = common::token_of(&emu, "alice");
    let living = common::server_named(&client, &alice, "Living Room");
    let connected = client.connect(&living).unwrap();
    let server_token = connected.access_token().unwrap().clone();
    let transient = client.transient_token(&connected.uri, &server_token).unwrap();
    assert!(!transient.secret().is_empty());
    assert_ne!(transient, server_token);

    let devices = client
        .source_connection_info(&connected.uri, &transient, &living.client_identifier)
        .unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].client_identifier, living.client_identifier);
    assert!(!devices[0].connections.is_empty());

    // No access to this server (Bob's token is good at plex.tv), or a shared server's token
    // asking for what only its owner may: the server refuses, and neither refusal is plex.tv's
    // "this token is bad" (an app would sign its user out on that).
    let bob = common::token_of(&emu, "bob");
    let none = client.transient_token(&connected.uri, &bob).unwrap_err();
    assert_eq!(none, Error::ServerRefused { status: 401 });
    let nope = client
        .source_connection_info(&connected.uri, &Token::new("nope"), &living.client_identifier)
        .unwrap_err();
    assert_eq!(nope, Error::ServerRefused { status: 401 });
    let friend = client
        .connect(&common::server_named(&client, &alice, "Friend's Server"))
        .unwrap();
    let shared = friend.access_token().unwrap();
    let not_owner = client.transient_token(&friend.uri, shared).unwrap_err();
    assert_eq!(not_owner, Error::ServerRefused { status: 403 });
    assert!([none, nope, not_owner].iter().all(|e| !e.is_token_rejected()));
}

#[test]
fn identity_of_a_connection() {
    let (emu, client) = common::setup();
    let identity = client
        .identity(&emu.server_uri("Living Room", "local").unwrap())
        .unwrap();
    assert_eq!(
        identity.machine_identifier,
        emu.scenario().server("Living Room").unwrap().client_identifier
    );
}
