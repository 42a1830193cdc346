//! The DNS-rebinding workaround against the emulator's https plex.direct listeners: the client
//! reads the address from a `*.plex.direct` name instead of asking DNS, and keeps the name for
//! TLS (SNI and the certificate check).
//!
//! This machine has no DNS for plex.direct names, so the system resolver here refuses them just
//! as a router with DNS-rebinding protection does for private addresses.

mod common;

use std::net::ToSocketAddrs;
use std::time::Duration;

use plexlink::core::race::{ProbeResult, Tier};
use plexlink::{Client, Device, Error, TransportErrorKind};
use plexlink_emulator::{Behaviour, Connection, Emulator, Scenario};

/// Living Room, at home: an https LAN connection, an https remote on 127.0.0.2 and an https
/// relay on 127.0.0.3, all plex.direct names.
fn https_scenario() -> Scenario {
    let mut scenario = Scenario::default();
    scenario.servers[0].connections = vec![
        Connection {
            https: true,
            ..Connection::new("local", Behaviour::Good, true)
        },
        Connection {
            https: true,
            address: "127.0.0.2".into(),
            ..Connection::new("remote", Behaviour::Good, false)
        },
        Connection {
            https: true,
            relay: true,
            address: "127.0.0.3".into(),
            ..Connection::new("relay", Behaviour::Good, false)
        },
    ];
    scenario
}

fn client(emu: &Emulator, resolve_plex_direct: bool, ca_pem: Option<String>) -> Client {
    let mut builder = Client::builder("plexlink tests", common::CLIENT_ID)
        .plex_url(emu.url())
        .timeout(Duration::from_secs(10))
        .resolve_plex_direct(resolve_plex_direct);
    if let Some(pem) = ca_pem {
        builder = builder.add_root_certificate_pem(pem);
    }
    builder.build().expect("the client builds")
}

fn living_room(emu: &Emulator, client: &Client) -> Device {
    common::server_named(client, &common::token_of(emu, "alice"), "Living Room")
}

fn host_of(uri: &str) -> String {
    let rest = uri.strip_prefix("https://").expect("an https URI");
    rest.rsplit_once(':').expect("a port").0.to_string()
}

fn transport_kind(error: &Error) -> Option<TransportErrorKind> {
    match error {
        Error::Transport { kind, .. } => Some(*kind),
        _ => None,
    }
}

#[test]
fn without_the_workaround_the_lan_name_does_not_resolve_here() {
    let emu = Emulator::start(https_scenario()).expect("starts");
    let local = emu.server_uri("Living Room", "local").expect("local");
    let host = host_of(&local);
    let resolved = (host.as_str(), 443)
        .to_socket_addrs()
        .is_ok_and(|mut found| found.next().is_some());
    if resolved {
        // A machine whose DNS answers plex.direct names (Plex's own DNS does) cannot play the
        // refusing router; the other tests still show the workaround at work.
        eprintln!("this machine resolves {host}: the refusing-resolver check is skipped");
        return;
    }
    let plain_dns = client(&emu, false, Some(emu.ca_pem()));
    let error = plain_dns.identity(&local).expect_err("no DNS answer for the name");
    assert_eq!(transport_kind(&error), Some(TransportErrorKind::Dns), "{error:?}");
    assert_eq!(emu.counters().connection("Living Room", "local").tcp_connections, 0);

    // The race cannot use the https names either. Plain-http twins are opt-in: without them
    // nothing is left.
    let living = living_room(&emu, &plain_dns);
    let error = plain_dns.connect(&living).expect_err("no twin by default");
    assert!(matches!(error, Error::NoConnection { .. }), "{error:?}");

    // With twins, the one of the LAN connection (its address from the name, plaintext allowed
    // to a private address) answers, and may win because its https name did not resolve. The
    // window after the twin's answer lasts as long as the https probe may: the race waits for
    // that probe's own result, however late the resolver answers.
    let patient = plexlink::RacePolicy {
        grace: Duration::from_secs(10),
        probe_timeout: Duration::from_secs(10),
        http_twins: true,
        ..plexlink::RacePolicy::default()
    };
    let connected = plain_dns.connect_with(&living, patient).expect("the twin answers");
    let winner = connected.outcome.winning_candidate().expect("a winner");
    assert!(winner.http_twin && !winner.secure, "{winner:?}");
    assert_eq!(winner.tier, Tier::Local);
    assert!(matches!(
        connected.outcome.reports[0].result,
        ProbeResult::Failed(Error::Transport {
            kind: TransportErrorKind::Dns,
            ..
        })
    ));
}

#[test]
fn after_a_certificate_error_the_plain_http_twin_is_never_chosen() {
    // Someone on the LAN answers TLS with a certificate we do not trust (here: another
    // authority's). The twin reaches the same address in plain http and answers as the server,
    // since `/identity` is public: choosing it would hand them the token.
    let emu = Emulator::start(https_scenario()).expect("starts");
    let other = Emulator::start(https_scenario()).expect("starts");
    let wrong_ca = client(&emu, true, Some(other.ca_pem()));
    let living = living_room(&emu, &wrong_ca);
    let policy = plexlink::RacePolicy {
        http_twins: true,
        probe_timeout: Duration::from_secs(10),
        ..plexlink::RacePolicy::default()
    };
    let error = wrong_ca
        .connect_with(&living, policy)
        .expect_err("no connection may be used");
    assert!(matches!(error, Error::NoConnection { .. }), "{error:?}");

    // The reports say why: the https connection failed TLS, and its twin was refused for it.
    let devices = std::slice::from_ref(&living);
    let races = wrong_ca.connect_all_with(devices, policy);
    assert!(races[0].is_err());
    let mut race = plexlink::core::race::ConnectionRace::new(
        wrong_ca.info().clone(),
        &living,
        plexlink::RacePolicy {
            addresses: wrong_ca.address_rules(),
            ..policy
        },
        std::time::Instant::now(),
    );
    let twin = race
        .plan()
        .candidates
        .iter()
        .position(|c| c.http_twin)
        .expect("a twin is planned");
    let source = race
        .plan()
        .candidates
        .iter()
        .position(|c| c.secure && c.tier == Tier::Local)
        .expect("the LAN https connection");
    let probes: Vec<_> = std::iter::from_fn(|| race.poll_transmit(std::time::Instant::now())).collect();
    let mut results = Vec::new();
    for probe in probes {
        results.push((probe.candidate, wrong_ca.send(probe.request)));
    }
    // The twin's answer first: it must wait for its source, then be refused.
    results.sort_by_key(|(candidate, _)| *candidate != twin);
    for (candidate, result) in results {
        match result {
            Ok(response) => race.handle_response(std::time::Instant::now(), candidate, response),
            Err(error) => race.handle_failure(std::time::Instant::now(), candidate, error),
        }
    }
    let outcome = race.outcome().expect("every probe settled");
    assert_eq!(outcome.winner, None);
    assert!(
        matches!(
            &outcome.reports[source].result,
            ProbeResult::Failed(Error::Transport {
                kind: TransportErrorKind::Tls,
                ..
            })
        ),
        "{:?}",
        outcome.reports[source].result
    );
    let said = outcome.reports[twin].result.to_string();
    assert!(
        matches!(
            outcome.reports[twin].result,
            ProbeResult::Failed(Error::InsecureTransport { .. })
        ) && said.contains("TLS failed"),
        "{said}"
    );
}

#[test]
fn with_the_workaround_the_lan_name_connects_over_tls_verified_for_the_name() {
    let emu = Emulator::start(https_scenario()).expect("starts");
    let client = client(&emu, true, Some(emu.ca_pem()));
    let local = emu.server_uri("Living Room", "local").expect("local");
    let identity = client.identity(&local).expect("reached by the address in its name");
    assert_eq!(identity.machine_identifier, emu.scenario().servers[0].client_identifier);
    assert_eq!(emu.counters().connection("Living Room", "local").tls_connections, 1);

    let living = living_room(&emu, &client);
    assert!(living.connections.iter().all(|c| c.protocol == "https"));
    let connected = client.connect(&living).expect("connects");
    assert_eq!(connected.uri, local, "the LAN connection, by its plex.direct name");
    assert!(connected.connection.local && !connected.connection.relay);
    let winner = connected.outcome.winning_candidate().expect("a winner");
    assert!(winner.secure && !winner.http_twin && winner.tier == Tier::Local);

    // The token calls go over the same verified name.
    let token = connected.access_token().expect("a server token").clone();
    assert!(client.transient_token(&connected.uri, &token).is_ok());
}

#[test]
fn a_certificate_from_another_authority_is_a_tls_error() {
    let emu = Emulator::start(https_scenario()).expect("starts");
    let other = Emulator::start(https_scenario()).expect("starts");
    let local = emu.server_uri("Living Room", "local").expect("local");

    let wrong_ca = client(&emu, true, Some(other.ca_pem()));
    let error = wrong_ca.identity(&local).expect_err("not our authority");
    assert_eq!(transport_kind(&error), Some(TransportErrorKind::Tls), "{error:?}");

    let system_roots_only = client(&emu, true, None);
    let error = system_roots_only.identity(&local).expect_err("not a public authority");
    assert_eq!(transport_kind(&error), Some(TransportErrorKind::Tls), "{error:?}");
    assert_eq!(emu.counters().connection("Living Room", "local").tls_connections, 0);
}

#[test]
fn the_certificate_is_checked_against_the_name_not_the_address() {
    let emu = Emulator::start(https_scenario()).expect("starts");
    let client = client(&emu, true, Some(emu.ca_pem()));
    let local = emu.server_uri("Living Room", "local").expect("local");
    // The same address and port under another server's hash: the resolver connects to the
    // right socket, and TLS refuses it, because the certificate is for the real hash only.
    let hash = emu.scenario().servers[0].plex_direct_hash();
    let other_name = local.replace(&hash, &"0".repeat(32));
    let error = client
        .identity(&other_name)
        .expect_err("wrong name for the certificate");
    assert_eq!(transport_kind(&error), Some(TransportErrorKind::Tls), "{error:?}");
}

#[test]
fn a_name_that_disagrees_with_the_advertised_address_is_used_over_tls_only() {
    let emu = Emulator::start(https_scenario()).expect("starts");
    let client = client(&emu, true, Some(emu.ca_pem()));
    let mut living = living_room(&emu, &client);
    // plex.tv says 127.0.0.9; the name says 127-0-0-1. Over https the name decides where to
    // connect (as Plex's DNS would) and the certificate vouches for it; no plaintext twin is
    // made from a name nothing vouches for.
    living.connections.truncate(1);
    let mut lying = living.connections[0].clone();
    lying.address = "127.0.0.9".into();
    living.connections = vec![lying];
    let connected = client.connect(&living).expect("the https name still works");
    assert!(connected.uri.starts_with("https://127-0-0-1."), "{}", connected.uri);
    assert_eq!(connected.outcome.reports.len(), 1, "no http twin");
}
