//! PMS listeners over real HTTP: identity, connection behaviours, token calls.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::ErrorKind;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{Conn, Emulator, request};
use plexlink_emulator::{Behaviour, Connection, Scenario};

const LIVING_ROOM_ID: &str = "8276c3fa6bc24e44b347e19c71fbb98b9287c1e9";
const JSON: (&str, &str) = ("Accept", "application/json");

fn uri(emu: &Emulator, server: &str, connection: &str) -> String {
    emu.server_uri(server, connection).unwrap()
}

#[test]
fn identity_answers_without_a_token() {
    let emu = Emulator::start_default().unwrap();
    let r = request(&uri(&emu, "Living Room", "local"), "GET", "/identity", &[JSON], b"");
    assert_eq!(r.status, 200);
    let c = &r.json()["MediaContainer"];
    assert_eq!(c["machineIdentifier"], LIVING_ROOM_ID);
    assert_eq!(c["claimed"], true);
    assert_eq!(c["size"], 0);
    let xml = request(&uri(&emu, "Living Room", "relay"), "GET", "/identity", &[], b"");
    assert!(xml.text().contains(&format!("machineIdentifier=\"{LIVING_ROOM_ID}\"")));
}

#[test]
fn wrong_id_answers_with_another_identifier() {
    let emu = Emulator::start_default().unwrap();
    let r = request(
        &uri(&emu, "Living Room", "local-wrong-id"),
        "GET",
        "/identity",
        &[JSON],
        b"",
    );
    assert_eq!(r.status, 200);
    let id = r.json()["MediaContainer"]["machineIdentifier"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(id, LIVING_ROOM_ID);
    assert!(!id.is_empty());
}

#[test]
fn dead_refuses_and_blackhole_never_answers() {
    let emu = Emulator::start_default().unwrap();
    let dead = common::host_port(&uri(&emu, "Living Room", "local-dead"));
    let err = TcpStream::connect(&dead).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);

    let mut conn = Conn::open(&uri(&emu, "Living Room", "local-blackhole")).unwrap();
    conn.set_read_timeout(Duration::from_millis(300));
    let err = conn.send("GET", "/identity", &[JSON], b"").unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err:?}"
    );
    let counters = emu.counters().connection("Living Room", "local-blackhole");
    assert_eq!(counters.tcp_connections, 1);
    assert_eq!(counters.total_requests(), 0);
}

#[test]
fn slow_answers_late() {
    let emu = Emulator::start_default().unwrap();
    let start = Instant::now();
    let r = request(
        &uri(&emu, "Living Room", "remote-slow"),
        "GET",
        "/identity",
        &[JSON],
        b"",
    );
    assert_eq!(r.status, 200);
    assert!(start.elapsed() >= Duration::from_millis(300));
}

#[test]
fn unauthorized_answers_401_html_to_everything() {
    let mut scenario = Scenario::default();
    scenario.servers[0]
        .connections
        .push(Connection::new("proxy", Behaviour::Unauthorized, false));
    let emu = Emulator::start(scenario).unwrap();
    let r = request(&uri(&emu, "Living Room", "proxy"), "GET", "/identity", &[JSON], b"");
    assert_eq!(r.status, 401);
    assert!(r.text().contains("<title>Unauthorized</title>"));
}

#[test]
fn root_needs_a_token_the_server_accepts() {
    let emu = Emulator::start_default().unwrap();
    let local = uri(&emu, "Living Room", "local");
    let alice = emu.token_for("alice").unwrap();
    assert_eq!(request(&local, "GET", "/", &[JSON], b"").status, 401);
    assert_eq!(
        request(&local, "GET", "/", &[JSON, ("X-Plex-Token", "nope")], b"").status,
        401
    );
    let ok = request(&local, "GET", "/", &[JSON, ("X-Plex-Token", &alice)], b"");
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["MediaContainer"]["machineIdentifier"], LIVING_ROOM_ID);

    // On a shared server the account token is refused; the share's token works.
    let friend = uri(&emu, "Friend's Server", "remote");
    assert_eq!(
        request(&friend, "GET", "/", &[JSON, ("X-Plex-Token", &alice)], b"").status,
        401
    );
    let share = emu.scenario().server("Friend's Server").unwrap().shares[0]
        .access_token
        .clone();
    assert_eq!(
        request(&friend, "GET", "/", &[JSON, ("X-Plex-Token", &share)], b"").status,
        200
    );
}

#[test]
fn transient_token_and_source_resources() {
    let emu = Emulator::start_default().unwrap();
    let local = uri(&emu, "Living Room", "local");
    let alice = emu.token_for("alice").unwrap();
    let path = "/security/token?type=delegation&scope=all";

    let r = request(&local, "GET", path, &[JSON, ("X-Plex-Token", &alice)], b"");
    assert_eq!(r.status, 200);
    let transient = r.json()["MediaContainer"]["token"].as_str().unwrap().to_string();
    assert!(transient.starts_with("transient-"));
    let xml = request(&local, "POST", path, &[("X-Plex-Token", &alice)], b"");
    assert!(xml.text().contains("token=\"transient-"), "{}", xml.text());
    assert_eq!(request(&local, "GET", path, &[JSON], b"").status, 401);
    assert_eq!(
        request(&local, "GET", "/security/token", &[JSON, ("X-Plex-Token", &alice)], b"").status,
        400
    );

    // A non-admin (share) token is forbidden.
    let friend = uri(&emu, "Friend's Server", "local");
    let share = emu.scenario().server("Friend's Server").unwrap().shares[0]
        .access_token
        .clone();
    let r = request(&friend, "GET", path, &[JSON, ("X-Plex-Token", &share)], b"");
    assert_eq!(r.status, 403);
    assert!(r.text().starts_with("<html>"));

    // Source connection information with the transient token.
    let friend_id = emu
        .scenario()
        .server("Friend's Server")
        .unwrap()
        .client_identifier
        .clone();
    let r = request(
        &local,
        "GET",
        &format!("/security/resources?source=server://{friend_id}"),
        &[JSON, ("X-Plex-Token", &transient)],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let device = &r.json()["MediaContainer"]["Device"];
    assert_eq!(device["clientIdentifier"], friend_id.as_str());
    assert_eq!(device["accessToken"], share.as_str());
    assert_eq!(device["Connection"].as_array().unwrap().len(), 2);
    let bad = request(
        &local,
        "GET",
        "/security/resources?source=nonsense",
        &[JSON, ("X-Plex-Token", &transient)],
        b"",
    );
    assert_eq!(bad.status, 400);
    let none = request(
        &local,
        "GET",
        &format!("/security/resources?source=server://{friend_id}"),
        &[JSON],
        b"",
    );
    assert_eq!(none.status, 401);
}
