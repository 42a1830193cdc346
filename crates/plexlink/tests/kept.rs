//! The kept connection against the emulator, whose connections change while it runs: warm
//! start, failover, moving up when the LAN comes back, the network changing, the async client;
//! and the servers from a snapshot while plex.tv is down. Waits are bounded generously and
//! assert on what happened, never on how fast.

mod common;

use std::sync::mpsc::Receiver;
use std::time::Duration;

use plexlink::{
    AsyncClient, Device, Error, KeepOptions, KeepPolicy, KeptEvent, KeptServer, RacePolicy, Reason, ResourcesSnapshot,
    Token,
};
use plexlink_emulator::{Behaviour, DownMode, Emulator, Scenario};

const SERVER: &str = "Living Room";

fn policy() -> KeepPolicy {
    KeepPolicy {
        race: RacePolicy {
            probe_timeout: Duration::from_secs(2),
            ..RacePolicy::default()
        },
        recheck_interval: Duration::from_millis(300),
        recheck_max: Duration::from_millis(600),
        retry_max: Duration::from_secs(2),
        ..KeepPolicy::default()
    }
}

fn options(last_good: Option<String>) -> KeepOptions {
    KeepOptions {
        policy: policy(),
        last_good,
        ..KeepOptions::default()
    }
}

fn living_room(client: &plexlink::Client, emu: &Emulator) -> Device {
    let token = common::token_of(emu, "alice");
    client
        .servers(&token)
        .unwrap()
        .into_iter()
        .find(|d| d.name == SERVER)
        .unwrap()
}

fn uri(emu: &Emulator, connection: &str) -> String {
    emu.server_uri(SERVER, connection).unwrap()
}

/// The next change event within 15 s (a loaded machine is slow, never this slow).
fn next_change(events: &Receiver<KeptEvent>) -> (Reason, String) {
    loop {
        match events.recv_timeout(Duration::from_secs(15)).expect("an event") {
            KeptEvent::Changed { new, why, .. } => return (why, new.uri),
            KeptEvent::Lost { .. } => continue,
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_cold_start_races_and_a_warm_start_takes_the_last_connection_then_moves_up() {
    let (emu, client) = common::setup();
    let device = living_room(&client, &emu);
    let cold = client.keep(&device, options(None)).unwrap();
    assert_eq!(cold.uri(), Some(uri(&emu, "local")));
    assert!(cold.last_outcome().is_some());
    drop(cold);

    // The app saved the relay last time: taken at once, then the LAN found by a recheck.
    let warm = client.keep(&device, options(Some(uri(&emu, "relay")))).unwrap();
    let events = warm.events();
    let first = warm.uri();
    assert!(
        first == Some(uri(&emu, "relay")) || first == Some(uri(&emu, "local")),
        "{first:?}"
    );
    if first == Some(uri(&emu, "relay")) {
        assert_eq!(next_change(&events), (Reason::MovedUp, uri(&emu, "local")));
    }
    assert_eq!(warm.uri(), Some(uri(&emu, "local")));
}

#[test]
fn a_reported_failure_fails_over_and_a_returning_lan_server_is_moved_up_to() {
    let (emu, client) = common::setup();
    let device = living_room(&client, &emu);
    let kept = client.keep(&device, options(None)).unwrap();
    let events = kept.events();
    assert_eq!(kept.uri(), Some(uri(&emu, "local")));

    emu.set_behaviour(SERVER, "local", Behaviour::Dead).unwrap();
    for _ in 0..5 {
        kept.report_failure();
    }
    let (why, new) = next_change(&events);
    assert_eq!(why, Reason::Failover);
    assert_eq!(new, uri(&emu, "remote-slow"), "the best tier left");

    emu.set_behaviour(SERVER, "local", Behaviour::Good).unwrap();
    assert_eq!(next_change(&events), (Reason::MovedUp, uri(&emu, "local")));
    let probes_to_local = || emu.counters().connection(SERVER, "local").tcp_connections;
    // On the best tier again: no more rechecks.
    let settled = probes_to_local();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(probes_to_local(), settled);
}

#[test]
fn a_call_that_fails_reports_by_itself_and_network_changes_race_at_once() {
    let (emu, client) = common::setup();
    let device = living_room(&client, &emu);
    let kept = client.keep(&device, options(None)).unwrap();
    let events = kept.events();
    emu.set_behaviour(SERVER, "local", Behaviour::Dead).unwrap();
    let failed = kept.call(|uri| client.identity(uri));
    assert!(matches!(failed, Err(Error::Transport { .. })), "{failed:?}");
    assert_eq!(next_change(&events).0, Reason::Failover);
    // Back, and the app says the network changed: raced now, not at the next recheck.
    emu.set_behaviour(SERVER, "local", Behaviour::Good).unwrap();
    kept.network_changed();
    let (why, new) = next_change(&events);
    assert!(matches!(why, Reason::NetworkChanged | Reason::MovedUp), "{why:?}");
    assert_eq!(new, uri(&emu, "local"));
    assert!(kept.call(|uri| client.identity(uri)).is_ok());
}

#[test]
fn dropping_every_handle_stops_the_driver() {
    let (emu, client) = common::setup();
    let mut device = living_room(&client, &emu);
    // A black-holed LAN and a remote: settled on the remote, the driver rechecks the LAN (a TCP
    // connection each time) for as long as it runs.
    device
        .connections
        .retain(|c| c.uri == uri(&emu, "local-blackhole") || c.uri == uri(&emu, "remote-slow"));
    let rechecks = || emu.counters().connection(SERVER, "local-blackhole").tcp_connections;
    let kept: KeptServer = client.keep(&device, options(None)).unwrap();
    assert_eq!(kept.uri(), Some(uri(&emu, "remote-slow")));
    let twin = kept.clone();
    drop(kept);
    let before = rechecks();
    std::thread::sleep(Duration::from_millis(2500));
    assert!(rechecks() > before, "a clone still holds it: it keeps rechecking");
    assert!(twin.uri().is_some());
    drop(twin);
    // A probe already out may still connect; then nothing more.
    std::thread::sleep(Duration::from_millis(300));
    let stopped_at = rechecks();
    std::thread::sleep(Duration::from_millis(2000));
    assert_eq!(rechecks(), stopped_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_async_client_keeps_a_connection_too() {
    let emu = Emulator::start_default().unwrap();
    let client = AsyncClient::builder("plexlink tests", common::CLIENT_ID)
        .plex_url(emu.url())
        .build_async()
        .unwrap();
    let token = common::token_of(&emu, "alice");
    let device = client
        .servers(&token)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.name == SERVER)
        .unwrap();
    let kept = client.keep(&device, options(None)).await.unwrap();
    assert_eq!(kept.uri(), Some(uri(&emu, "local")));
    let events = kept.events();
    emu.set_behaviour(SERVER, "local", Behaviour::Dead).unwrap();
    kept.report_failure();
    let change = tokio::task::spawn_blocking(move || next_change(&events)).await.unwrap();
    assert_eq!(change.0, Reason::Failover);
}

#[test]
fn with_plex_tv_down_the_servers_come_from_the_snapshot_and_still_connect() {
    let (emu, client) = common::setup();
    let token = common::token_of(&emu, "alice");
    let live = client.servers_or_snapshot(&token, None).unwrap();
    assert!(live.offline.is_none());
    let stored = live.snapshot.to_json();
    assert!(!format!("{:?}", live.snapshot).contains(token.secret()));

    for mode in [DownMode::Refuse, DownMode::Unavailable] {
        emu.set_plex_tv_down_mode(mode);
        emu.set_plex_tv_down(true);
        // Without a snapshot, the error stands.
        assert!(client.servers_or_snapshot(&token, None).is_err());
        let kept = ResourcesSnapshot::from_json(&stored).unwrap();
        let offline = client.servers_or_snapshot(&token, Some(&kept)).unwrap();
        assert!(offline.offline.is_some(), "{mode:?}");
        assert_eq!(offline.servers.len(), live.servers.len());
        let device = offline.servers.iter().find(|d| d.name == SERVER).unwrap();
        // The servers answer (and prove who they are) while plex.tv does not.
        assert_eq!(client.connect(device).unwrap().uri, uri(&emu, "local"));
        emu.set_plex_tv_down(false);
    }

    // A refused token is never answered from the snapshot.
    let kept = ResourcesSnapshot::from_json(&stored).unwrap();
    let refused = client.servers_or_snapshot(&Token::new("not-a-token"), Some(&kept));
    assert!(matches!(refused, Err(e) if e.is_token_rejected()));
}

#[test]
fn ipv6_candidates_race_beside_ipv4_ones() {
    if !Emulator::ipv6_available() {
        eprintln!("no IPv6 loopback here: skipped");
        return;
    }
    let emu = Emulator::start(Scenario::dual_stack()).unwrap();
    // Its connections are https plex.direct names, signed by the emulator's own authority, and
    // dialled at the address their label encodes ([::1] for the IPv6 one).
    let client = plexlink::Client::builder("plexlink tests", common::CLIENT_ID)
        .plex_url(emu.url())
        .add_root_certificate_pem(emu.ca_pem())
        .build()
        .unwrap();
    let device = client
        .servers(&common::token_of(&emu, "alice"))
        .unwrap()
        .into_iter()
        .find(|d| d.name == plexlink_emulator::DUAL_STACK)
        .unwrap();
    assert!(device.connections.iter().any(|c| c.ipv6));
    let connected = client.connect(&device).unwrap();
    // IPv4 ranks before IPv6 in the same tier; both are candidates. Which one wins depends on
    // which answers within the grace window, so only the ranking is asserted.
    let v4 = emu.server_uri(plexlink_emulator::DUAL_STACK, "local").unwrap();
    let v6 = emu.server_uri(plexlink_emulator::DUAL_STACK, "local-v6").unwrap();
    let ranked: Vec<(&str, bool)> = connected
        .outcome
        .reports
        .iter()
        .map(|r| (r.candidate.uri.as_str(), r.candidate.ipv6))
        .collect();
    assert_eq!(ranked, [(v4.as_str(), false), (v6.as_str(), true)]);
    assert!(connected.uri == v4 || connected.uri == v6);
    // Kept on the IPv4 one (the IPv6 one down at first, so no timing decides), then the IPv4
    // listener goes down and the IPv6 one is back: the kept connection fails over to [::1].
    emu.set_behaviour(plexlink_emulator::DUAL_STACK, "local-v6", Behaviour::Dead)
        .unwrap();
    let kept = client.keep(&device, options(None)).unwrap();
    assert_eq!(kept.uri(), Some(v4.clone()));
    let events = kept.events();
    emu.set_behaviour(plexlink_emulator::DUAL_STACK, "local-v6", Behaviour::Good)
        .unwrap();
    emu.set_behaviour(plexlink_emulator::DUAL_STACK, "local", Behaviour::Dead)
        .unwrap();
    kept.report_failure();
    assert_eq!(next_change(&events), (Reason::Failover, v6.clone()));
    assert!(client.identity(&v6).is_ok());
}

#[test]
fn the_kept_races_read_addresses_as_the_client_dials_them() {
    let (emu, client) = common::setup();
    let mut device = living_room(&client, &emu);
    // Plain http to a plex.direct name: private only because this client dials the address its
    // label encodes (127.0.0.1), which the strict default reading does not trust.
    let port: u16 = uri(&emu, "local").rsplit(':').next().unwrap().parse().unwrap();
    let name = format!("http://127-0-0-1.0123456789abcdef0123456789abcdef.plex.direct:{port}");
    device.connections = vec![plexlink::Connection::new("http", "127.0.0.1", port, &name, true, false)];
    assert_eq!(client.connect(&device).unwrap().uri, name);
    let kept = client.keep(&device, options(None)).unwrap();
    assert_eq!(kept.uri(), Some(name));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_driver_that_dies_before_deciding_is_an_error_not_a_hang() {
    // An HTTP stack that panics: the driver's task dies at its first probe.
    let client = AsyncClient::builder("plexlink tests", common::CLIENT_ID)
        .build_async_with(|_request: plexlink::HttpRequest, _timeout: Duration| async move {
            if true {
                panic!("this stack always fails");
            }
            Err::<plexlink::HttpResponse, Error>(Error::Cancelled)
        })
        .unwrap();
    let device = Device::server(
        "Somewhere",
        "abc",
        vec![plexlink::Connection::new(
            "http",
            "127.0.0.1",
            9,
            "http://127.0.0.1:9",
            true,
            false,
        )],
    );
    let kept = tokio::time::timeout(Duration::from_secs(20), client.keep(&device, options(None))).await;
    let result = kept.expect("keep returned instead of waiting for ever");
    assert!(result.is_err(), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_driver_that_dies_later_offers_no_connection_and_says_so() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    // A stack that answers the server's identity until it breaks, and then panics: the kept
    // connection's driver dies in the race after a reported failure. The handle must not go on
    // offering the connection just reported failing, with nothing left to find another.
    let broken = Arc::new(AtomicBool::new(false));
    let stack_broken = Arc::clone(&broken);
    let client = AsyncClient::builder("plexlink tests", common::CLIENT_ID)
        .build_async_with(move |_request: plexlink::HttpRequest, _timeout: Duration| {
            let broken = stack_broken.load(Ordering::SeqCst);
            async move {
                assert!(!broken, "this stack broke");
                let identity = br#"{"MediaContainer":{"machineIdentifier":"abc"}}"#.to_vec();
                Ok::<_, Error>(http::Response::builder().status(200).body(identity).unwrap())
            }
        })
        .unwrap();
    let connection = plexlink::Connection::new("http", "127.0.0.1", 9, "http://127.0.0.1:9", true, false);
    let device = Device::server("Somewhere", "abc", vec![connection]);
    let kept = client.keep(&device, options(None)).await.unwrap();
    assert_eq!(kept.uri().as_deref(), Some("http://127.0.0.1:9"));
    assert!(kept.is_running());
    let events = kept.events();

    broken.store(true, Ordering::SeqCst);
    kept.report_failure();
    for _ in 0..300 {
        if !kept.is_running() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !kept.is_running(),
        "the driver is still running after its stack panicked"
    );
    assert_eq!(kept.uri(), None);
    let error = kept.call(|_| Ok(())).unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.to_string().contains("keep the server again"), "{error}");
    // The events end: the channel closes rather than staying silent for ever.
    let ended = tokio::task::spawn_blocking(move || {
        loop {
            match events.recv_timeout(Duration::from_secs(15)) {
                Ok(_) => continue,
                Err(end) => return end,
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(ended, std::sync::mpsc::RecvTimeoutError::Disconnected);
}
