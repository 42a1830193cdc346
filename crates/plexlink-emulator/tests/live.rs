//! Changes while the emulator runs: a connection's behaviour (dead and back on the same port,
//! slow, blackhole), plex.tv down and up, and IPv6 connections on [::1].
//!
//! Every wait here is on something the emulator guarantees when the call returns (a closed
//! port, a request that cannot be answered yet), or is bounded by a generous timeout, so the
//! tests hold on a loaded machine.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Conn, Emulator, plex_headers, request};
use plexlink_emulator::{Behaviour, DUAL_STACK, DUAL_STACK_TOKEN, DownMode, Scenario};
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

const LIVING: &str = "Living Room";
const LIVING_ROOM_ID: &str = "8276c3fa6bc24e44b347e19c71fbb98b9287c1e9";
const DUAL_STACK_ID: &str = "6d2e8f4a1b9c3e7f5a0d2c4b6e8f1a3c5e7d9b0f";
const JSON: (&str, &str) = ("Accept", "application/json");

fn uri(emu: &Emulator, server: &str, connection: &str) -> String {
    emu.server_uri(server, connection).unwrap()
}

fn wait_until(mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// `GET /identity` on a fresh connection: the machine identifier it answers.
fn identity(base: &str) -> String {
    let r = request(base, "GET", "/identity", &[JSON], b"");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["MediaContainer"]["machineIdentifier"]
        .as_str()
        .unwrap()
        .to_string()
}

fn refused(base: &str) -> bool {
    matches!(TcpStream::connect(common::host_port(base)), Err(e) if e.kind() == ErrorKind::ConnectionRefused)
}

fn post_json(emu: &Emulator, path: &str, body: &str) -> common::Resp {
    request(
        &emu.url(),
        "POST",
        path,
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
}

#[test]
fn a_connection_turned_dead_refuses_then_answers_again_on_the_same_port() {
    let emu = Emulator::start_default().unwrap();
    let local = uri(&emu, LIVING, "local");
    assert_eq!(identity(&local), LIVING_ROOM_ID);

    emu.set_behaviour(LIVING, "local", Behaviour::Dead).unwrap();
    assert_eq!(emu.behaviour(LIVING, "local"), Some(Behaviour::Dead));
    // Refused as soon as the call returns, and every time after.
    for _ in 0..3 {
        assert!(refused(&local), "a dead connection refuses connects");
    }
    assert_eq!(uri(&emu, LIVING, "local"), local, "the advertised URI stays");
    // The scenario keeps what the emulator started with.
    assert_eq!(emu.scenario().servers[0].connections[0].behaviour, Behaviour::Good);

    emu.set_behaviour(LIVING, "local", Behaviour::Good).unwrap();
    assert_eq!(identity(&local), LIVING_ROOM_ID, "the same port answers again");
    // Dead then good again, to see the port come back more than once.
    emu.set_behaviour(LIVING, "local", Behaviour::Dead).unwrap();
    assert!(refused(&local));
    emu.set_behaviour(LIVING, "local", Behaviour::Good).unwrap();
    assert_eq!(identity(&local), LIVING_ROOM_ID);

    // The counters saw the three accepted connections and none of the refused ones.
    let c = emu.counters().connection(LIVING, "local");
    assert_eq!(c.tcp_connections, 3);
    assert_eq!(c.requests_to("GET /identity"), 3);

    // A connection dead from the start comes alive on the port it was advertised with.
    let dead = uri(&emu, LIVING, "local-dead");
    assert!(refused(&dead));
    emu.set_behaviour(LIVING, "local-dead", Behaviour::WrongId).unwrap();
    assert_ne!(identity(&dead), LIVING_ROOM_ID, "now another box answers there");
    assert_eq!(emu.counters().connection(LIVING, "local-dead").tcp_connections, 1);
    emu.stop();
}

#[test]
fn a_kept_alive_socket_is_closed_when_its_connection_turns_dead() {
    let emu = Emulator::start_default().unwrap();
    let local = uri(&emu, LIVING, "local");
    let mut kept = Conn::open(&local).unwrap();
    assert_eq!(kept.send("GET", "/identity", &[JSON], b"").unwrap().status, 200);
    let mut idle = Conn::open(&local).unwrap();
    assert_eq!(idle.send("GET", "/identity", &[JSON], b"").unwrap().status, 200);
    let open = || emu.counters().connection(LIVING, "local").open_connections;
    assert_eq!(open(), 2);

    emu.set_behaviour(LIVING, "local", Behaviour::Dead).unwrap();
    // A request on a pooled socket after the change is never answered...
    assert!(kept.send("GET", "/identity", &[JSON], b"").is_err());
    // ...and an idle one is closed by the emulator, not left for the client to find out.
    assert!(idle.closed_by_peer(Duration::from_secs(10)));
    assert!(wait_until(|| open() == 0), "every connection closed");
    assert_eq!(
        emu.counters().connection(LIVING, "local").requests_to("GET /identity"),
        2,
        "the request after the change was not served"
    );

    // Back up: a new connection is served, the old sockets stay closed.
    emu.set_behaviour(LIVING, "local", Behaviour::Good).unwrap();
    let mut fresh = Conn::open(&local).unwrap();
    assert_eq!(fresh.send("GET", "/identity", &[JSON], b"").unwrap().status, 200);
    emu.stop();
}

#[test]
fn https_connections_turned_dead_close_their_tls_sockets() {
    let mut scenario = Scenario::default();
    scenario.servers[0].connections[0].https = true;
    let emu = Emulator::start(scenario).unwrap();
    let name_and_port = uri(&emu, LIVING, "local");
    let (name, port) = host_and_port(&name_and_port);
    let mut tls = tls_stream(&emu.ca_pem(), &name, "127.0.0.1".parse().unwrap(), port);
    assert!(tls_get(&mut tls, &name, port, "/identity", false).contains(LIVING_ROOM_ID));
    assert!(wait_until(|| emu
        .counters()
        .connection(LIVING, "local")
        .tls_connections
        == 1));

    emu.set_behaviour(LIVING, "local", Behaviour::Dead).unwrap();
    let mut rest = Vec::new();
    // End of stream (TLS may call it unexpected, without its close message) or a reset, well
    // before the read timeout: closed, and nothing sent.
    if let Err(e) = tls.read_to_end(&mut rest) {
        assert!(!matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut), "{e}");
    }
    assert!(rest.is_empty(), "nothing sent after the change");
    assert!(refused(&format!("http://127.0.0.1:{port}")));
    emu.stop();
}

#[test]
fn slow_takes_its_new_delay_and_good_answers_at_once() {
    let emu = Emulator::start_default().unwrap();
    let slow = uri(&emu, LIVING, "remote-slow");
    let start = Instant::now();
    assert_eq!(identity(&slow), LIVING_ROOM_ID);
    assert!(start.elapsed() >= Duration::from_millis(300), "the scenario's 300 ms");

    emu.set_behaviour(LIVING, "remote-slow", Behaviour::Slow { ms: 700 })
        .unwrap();
    let start = Instant::now();
    assert_eq!(identity(&slow), LIVING_ROOM_ID);
    assert!(start.elapsed() >= Duration::from_millis(700), "the new delay");

    // A delay far longer than any timeout here: a request cannot be answered within a second...
    emu.set_behaviour(LIVING, "remote-slow", Behaviour::Slow { ms: 600_000 })
        .unwrap();
    let mut waiting = Conn::open(&slow).unwrap();
    waiting.set_read_timeout(Duration::from_secs(1));
    assert!(waiting.send("GET", "/identity", &[JSON], b"").is_err());
    // ...and once good, one is answered long before that delay could have passed.
    emu.set_behaviour(LIVING, "remote-slow", Behaviour::Good).unwrap();
    let mut fresh = Conn::open(&slow).unwrap();
    fresh.set_read_timeout(Duration::from_secs(60));
    assert_eq!(fresh.send("GET", "/identity", &[JSON], b"").unwrap().status, 200);
    emu.stop();
}

#[test]
fn a_blackholed_connection_holds_requests_until_it_is_good_again() {
    let emu = Emulator::start_default().unwrap();
    let local = uri(&emu, LIVING, "local");
    let mut before = Conn::open(&local).unwrap();
    assert_eq!(before.send("GET", "/identity", &[JSON], b"").unwrap().status, 200);

    emu.set_behaviour(LIVING, "local", Behaviour::Blackhole).unwrap();
    // A connection accepted now is never answered.
    let mut during = Conn::open(&local).unwrap();
    during.set_read_timeout(Duration::from_millis(300));
    let err = during.send("GET", "/identity", &[JSON], b"").unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err}"
    );

    // A request on the connection opened before waits, unanswered, for the change.
    let pending = std::thread::spawn(move || {
        before.set_read_timeout(Duration::from_secs(60));
        before.send("GET", "/identity", &[JSON], b"").map(|r| r.status)
    });
    std::thread::sleep(Duration::from_millis(200));
    assert!(!pending.is_finished(), "not answered while blackholed");
    assert_eq!(
        emu.counters().connection(LIVING, "local").requests_to("GET /identity"),
        1
    );
    emu.set_behaviour(LIVING, "local", Behaviour::Good).unwrap();
    assert_eq!(pending.join().unwrap().unwrap(), 200, "answered once good again");
    assert_eq!(identity(&local), LIVING_ROOM_ID);
    assert_eq!(emu.counters().connection(LIVING, "local").tcp_connections, 3);
    emu.stop();
}

#[test]
fn behaviours_change_over_http() {
    let emu = Emulator::start_default().unwrap();
    let path = "/_emulator/servers/Living%20Room/connections/local/behaviour";
    let local = uri(&emu, LIVING, "local");

    let r = post_json(&emu, path, r#"{"behaviour":"dead"}"#);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), serde_json::json!({"kind": "dead"}));
    assert!(refused(&local));
    let now = request(&emu.url(), "GET", path, &[], b"");
    assert_eq!(now.json(), serde_json::json!({"kind": "dead"}));

    // The scenario's own form works too.
    let r = post_json(&emu, path, r#"{"kind":"slow","ms":250}"#);
    assert_eq!(r.json(), serde_json::json!({"kind": "slow", "ms": 250}));
    assert_eq!(emu.behaviour(LIVING, "local"), Some(Behaviour::Slow { ms: 250 }));
    let start = Instant::now();
    assert_eq!(identity(&local), LIVING_ROOM_ID);
    assert!(start.elapsed() >= Duration::from_millis(250));
    assert_eq!(post_json(&emu, path, r#"{"behaviour":"good"}"#).status, 200);
    assert_eq!(
        post_json(
            &emu,
            "/_emulator/servers/Friend%27s%20Server/connections/remote/behaviour",
            r#"{"behaviour":"blackhole"}"#
        )
        .status,
        200
    );
    assert_eq!(emu.behaviour("Friend's Server", "remote"), Some(Behaviour::Blackhole));

    // Hostile or mistaken requests get an error, never a panic.
    let bad = [
        (path, "", 400),
        (path, "{", 400),
        (path, r#"{"behaviour":"slow"}"#, 400),
        (path, r#"{"behaviour":"slow","ms":-1}"#, 400),
        (path, r#"{"behaviour":"sleepy"}"#, 400),
        (path, r#"{"behaviour":7}"#, 400),
        (path, "[]", 400),
        (path, r#"{"kind":"good","behaviour":"dead"}"#, 200),
        (
            "/_emulator/servers/Nowhere/connections/local/behaviour",
            r#"{"behaviour":"dead"}"#,
            404,
        ),
        (
            "/_emulator/servers/Living%20Room/connections/%FF%00/behaviour",
            r#"{"behaviour":"dead"}"#,
            404,
        ),
        (
            "/_emulator/servers/%/connections/%%/behaviour",
            r#"{"behaviour":"dead"}"#,
            404,
        ),
    ];
    for (path, body, status) in bad {
        assert_eq!(post_json(&emu, path, body).status, status, "{path} {body}");
    }
    // `kind` wins over `behaviour` when both are given.
    assert_eq!(emu.behaviour(LIVING, "local"), Some(Behaviour::Good));
    assert_eq!(
        request(
            &emu.url(),
            "GET",
            "/_emulator/servers/Living%20Room/connections/nope/behaviour",
            &[],
            b""
        )
        .status,
        404
    );
    assert_eq!(identity(&local), LIVING_ROOM_ID, "still serving");
    emu.stop();
}

#[test]
fn resources_show_a_server_without_presence_while_every_connection_is_dead() {
    let emu = Emulator::start_default().unwrap();
    let token = emu.token_for("frank").unwrap();
    let presence = || {
        let r = request(
            &emu.url(),
            "GET",
            "/api/v2/resources?includeRelay=1",
            &plex_headers("c", Some(&token)),
            b"",
        );
        r.json().as_array().unwrap()[0]["presence"].as_bool().unwrap()
    };
    assert!(presence());
    emu.set_behaviour("Friend's Server", "local", Behaviour::Dead).unwrap();
    assert!(presence(), "one connection left");
    emu.set_behaviour("Friend's Server", "remote", Behaviour::Dead).unwrap();
    assert!(!presence());
    emu.set_behaviour("Friend's Server", "remote", Behaviour::Good).unwrap();
    assert!(presence());
    emu.stop();
}

#[test]
fn plex_tv_down_refuses_api_calls_while_control_and_servers_keep_working() {
    let emu = Emulator::start_default().unwrap();
    let token = emu.token_for("alice").unwrap();
    let h = plex_headers("c", Some(&token));
    let mut kept = Conn::open(&emu.url()).unwrap();
    assert_eq!(kept.send("GET", "/api/v2/user", &h, b"").unwrap().status, 200);

    let r = post_json(&emu, "/_emulator/plextv/down", "");
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), serde_json::json!({"down": true, "mode": "refuse"}));
    assert!(emu.plex_tv_status().down);
    // Closed without an answer: on a fresh connection, on a kept-alive one, for a page too.
    assert!(
        Conn::open(&emu.url())
            .unwrap()
            .send("GET", "/api/v2/user", &h, b"")
            .is_err()
    );
    assert!(kept.send("GET", "/api/v2/user", &h, b"").is_err());
    assert!(
        Conn::open(&emu.url())
            .unwrap()
            .send("POST", "/api/v2/pins", &h, b"")
            .is_err()
    );
    assert!(Conn::open(&emu.url()).unwrap().send("GET", "/link", &[], b"").is_err());
    // Control requests still answer, over one kept-alive connection.
    let mut control = Conn::open(&emu.url()).unwrap();
    let counters = control.send("GET", "/_emulator/counters", &[], b"").unwrap();
    assert_eq!(counters.status, 200);
    // The refused requests were counted, so a test can count a client's retries.
    assert_eq!(counters.json()["plextv"]["requests"]["GET /api/v2/user"], 3);
    assert_eq!(
        control.send("GET", "/_emulator/plextv", &[], b"").unwrap().json(),
        serde_json::json!({"down": true, "mode": "refuse"})
    );
    // The servers are not plex.tv.
    assert_eq!(identity(&uri(&emu, LIVING, "local")), LIVING_ROOM_ID);

    let up = control.send("POST", "/_emulator/plextv/up", &[], b"").unwrap();
    assert_eq!(up.json(), serde_json::json!({"down": false, "mode": "refuse"}));
    assert_eq!(request(&emu.url(), "GET", "/api/v2/user", &h, b"").status, 200);

    // The same from Rust.
    emu.set_plex_tv_down(true);
    assert!(
        Conn::open(&emu.url())
            .unwrap()
            .send("GET", "/api/v2/user", &h, b"")
            .is_err()
    );
    emu.set_plex_tv_down(false);
    assert_eq!(request(&emu.url(), "GET", "/api/v2/user", &h, b"").status, 200);
    emu.stop();
}

#[test]
fn plex_tv_down_can_answer_503_instead() {
    let emu = Emulator::start_default().unwrap();
    let token = emu.token_for("alice").unwrap();
    let h = plex_headers("c", Some(&token));

    let r = post_json(&emu, "/_emulator/plextv/down", r#"{"mode":"503"}"#);
    assert_eq!(r.json(), serde_json::json!({"down": true, "mode": "503"}));
    let mut kept = Conn::open(&emu.url()).unwrap();
    for _ in 0..2 {
        // Answered, so the connection stays open for the next try.
        let r = kept.send("GET", "/api/v2/resources", &h, b"").unwrap();
        assert_eq!(r.status, 503);
        assert_eq!(r.header("retry-after"), Some("30"));
    }
    assert_eq!(
        emu.counters().plextv.requests_to("GET /api/v2/resources"),
        2,
        "counted while down"
    );
    // Down again without a body keeps the mode; up keeps it for next time.
    assert_eq!(post_json(&emu, "/_emulator/plextv/up", "").status, 200);
    assert_eq!(kept.send("GET", "/api/v2/user", &h, b"").unwrap().status, 200);
    let r = post_json(&emu, "/_emulator/plextv/down", "");
    assert_eq!(r.json(), serde_json::json!({"down": true, "mode": "503"}));
    assert_eq!(kept.send("GET", "/api/v2/user", &h, b"").unwrap().status, 503);

    // From Rust: switching the mode applies at once.
    emu.set_plex_tv_down_mode(DownMode::Refuse);
    assert!(kept.send("GET", "/api/v2/user", &h, b"").is_err());
    emu.set_plex_tv_down_mode(DownMode::Unavailable);
    assert_eq!(request(&emu.url(), "GET", "/api/v2/user", &h, b"").status, 503);
    emu.set_plex_tv_down(false);
    assert_eq!(request(&emu.url(), "GET", "/api/v2/user", &h, b"").status, 200);

    for body in ["{", r#"{"mode":"404"}"#, r#"{"mode":"refuse","x":1}"#, "[]"] {
        assert_eq!(post_json(&emu, "/_emulator/plextv/down", body).status, 400, "{body}");
    }
    assert!(!emu.plex_tv_status().down, "a bad request changes nothing");
    emu.stop();
}

fn tls_config(ca_pem: &str) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
        .unwrap();
    Arc::new(
        ClientConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// `(name, port)` of `https://name:port`.
fn host_and_port(uri: &str) -> (String, u16) {
    let rest = uri.strip_prefix("https://").unwrap();
    let (host, port) = rest.rsplit_once(':').unwrap();
    (host.to_string(), port.parse().unwrap())
}

/// A TLS connection to `ip:port`, checked for `name` against the emulator's authority.
fn tls_stream(ca_pem: &str, name: &str, ip: std::net::IpAddr, port: u16) -> StreamOwned<ClientConnection, TcpStream> {
    let tcp = TcpStream::connect((ip, port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let server_name = ServerName::try_from(name.to_string()).unwrap();
    StreamOwned::new(ClientConnection::new(tls_config(ca_pem), server_name).unwrap(), tcp)
}

/// One `GET` over a TLS stream; with `close` the whole answer, else up to its body's end.
fn tls_get(
    tls: &mut StreamOwned<ClientConnection, TcpStream>,
    name: &str,
    port: u16,
    path: &str,
    close: bool,
) -> String {
    let connection = if close { "close" } else { "keep-alive" };
    write!(
        tls,
        "GET {path} HTTP/1.1\r\nHost: {name}:{port}\r\nAccept: application/json\r\nConnection: {connection}\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    // An /identity answer is small and ends with its JSON object.
    while !(answer.ends_with(b"}}") || answer.ends_with(b"}}\n")) {
        let n = tls.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn an_ipv6_connection_answers_on_the_ipv6_loopback_and_is_advertised_as_ipv6() {
    if !Emulator::ipv6_available() {
        // What a scenario with IPv6 does on such a machine: a clear error, not a half start.
        let err = Emulator::start(Scenario::dual_stack()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrNotAvailable);
        assert!(err.to_string().contains("IPv6"), "{err}");
        eprintln!("skipped: this machine has no IPv6 loopback");
        return;
    }
    let emu = Emulator::start(Scenario::dual_stack()).unwrap();
    let v6 = uri(&emu, DUAL_STACK, "local-v6");
    let (name, port) = host_and_port(&v6);
    assert_eq!(
        name.split('.').next().unwrap(),
        "0-0-0-0-0-0-0-1",
        "the IPv6 plex.direct label: eight groups joined by '-'"
    );
    assert!(name.ends_with(".plex.direct"));

    // Plain http on [::1]:PORT, as the listener of an https connection also answers.
    let plain = format!("http://[::1]:{port}");
    assert_eq!(identity(&plain), DUAL_STACK_ID);
    // And TLS for its plex.direct name, dialled at the address the name encodes.
    let mut tls = tls_stream(&emu.ca_pem(), &name, "::1".parse().unwrap(), port);
    assert!(tls_get(&mut tls, &name, port, "/identity", true).contains(DUAL_STACK_ID));
    // Nothing of it on IPv4.
    assert!(refused(&format!("http://127.0.0.1:{port}")));
    let counters = emu.counters().connection(DUAL_STACK, "local-v6");
    assert_eq!((counters.tcp_connections, counters.tls_connections), (2, 1));

    // Advertised as plex.tv advertises IPv6, and only when asked for.
    let token = emu.token_for("alice").unwrap();
    let h = plex_headers("c", Some(&token));
    let connections = |query: &str| -> Vec<serde_json::Value> {
        let r = request(&emu.url(), "GET", &format!("/api/v2/resources{query}"), &h, b"");
        let devices = r.json();
        let device = devices
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == DUAL_STACK)
            .unwrap()
            .clone();
        assert_eq!(device["accessToken"], DUAL_STACK_TOKEN);
        device["connections"].as_array().unwrap().clone()
    };
    let all = connections("?includeHttps=1&includeIPv6=1");
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["IPv6"], false);
    assert_eq!(all[0]["address"], "127.0.0.1");
    assert_eq!(all[1]["IPv6"], true);
    assert_eq!(all[1]["address"], "::1");
    assert_eq!(all[1]["protocol"], "https");
    assert_eq!(all[1]["uri"], v6);
    assert_eq!(all[1]["port"], port);
    assert_eq!(all[1]["local"], true);
    let http = connections("?includeIPv6=1");
    assert_eq!(http[1]["uri"], plain);
    assert_eq!(http[1]["protocol"], "http");
    let without = connections("?includeHttps=1");
    assert_eq!(without.len(), 1, "IPv6 connections only with includeIPv6=1");
    assert_eq!(without[0]["IPv6"], false);
    let xml = request(
        &emu.url(),
        "GET",
        "/api/v2/resources?includeIPv6=1",
        &[("X-Plex-Token", &token), ("X-Plex-Client-Identifier", "c")],
        b"",
    )
    .text();
    assert!(xml.contains(r#"IPv6="1""#) && xml.contains(r#"address="::1""#), "{xml}");

    // Dead and back on the same IPv6 port.
    emu.set_behaviour(DUAL_STACK, "local-v6", Behaviour::Dead).unwrap();
    assert!(refused(&plain));
    emu.set_behaviour(DUAL_STACK, "local-v6", Behaviour::Good).unwrap();
    assert_eq!(identity(&plain), DUAL_STACK_ID);
    // The IPv4 twin was never touched.
    let (_, v4_port) = host_and_port(&uri(&emu, DUAL_STACK, "local"));
    assert_eq!(identity(&format!("http://127.0.0.1:{v4_port}")), DUAL_STACK_ID);
    emu.stop();
}

#[test]
fn changes_racing_clients_and_each_other_never_wedge_the_emulator() {
    let emu = Arc::new(Emulator::start_default().unwrap());
    let local = uri(&emu, LIVING, "local");
    let flipper = {
        let emu = emu.clone();
        std::thread::spawn(move || {
            for i in 0..100 {
                let b = if i % 2 == 0 { Behaviour::Dead } else { Behaviour::Good };
                emu.set_behaviour(LIVING, "local", b).unwrap();
            }
        })
    };
    let over_http = {
        let url = emu.url();
        std::thread::spawn(move || {
            let path = "/_emulator/servers/Living%20Room/connections/local/behaviour";
            for body in [
                r#"{"behaviour":"good"}"#,
                r#"{"behaviour":"dead"}"#,
                r#"{"behaviour":"blackhole"}"#,
            ]
            .iter()
            .cycle()
            .take(60)
            {
                let r = request(&url, "POST", path, &[], body.as_bytes());
                assert_eq!(r.status, 200, "{}", r.text());
            }
        })
    };
    let client = {
        let local = local.clone();
        std::thread::spawn(move || {
            for _ in 0..100 {
                // Refused, closed, unanswered or answered: any, but never a hang past the timeout.
                if let Ok(mut c) = Conn::open(&local) {
                    c.set_read_timeout(Duration::from_millis(100));
                    if let Ok(r) = c.send("GET", "/identity", &[JSON], b"") {
                        assert_eq!(r.status, 200);
                    }
                }
            }
        })
    };
    flipper.join().unwrap();
    over_http.join().unwrap();
    client.join().unwrap();
    emu.set_behaviour(LIVING, "local", Behaviour::Good).unwrap();
    assert_eq!(identity(&local), LIVING_ROOM_ID);
    assert!(wait_until(|| emu
        .counters()
        .connection(LIVING, "local")
        .open_connections
        == 0));
    drop(emu);
}

#[test]
fn stop_frees_every_port_after_changes() {
    let emu = Emulator::start_default().unwrap();
    let ports: Vec<String> = ["local", "local-dead", "local-blackhole", "remote-slow"]
        .map(|c| common::host_port(&uri(&emu, LIVING, c)))
        .to_vec();
    emu.set_behaviour(LIVING, "local", Behaviour::Dead).unwrap();
    emu.set_behaviour(LIVING, "local-dead", Behaviour::Good).unwrap();
    emu.set_behaviour(LIVING, "remote-slow", Behaviour::Blackhole).unwrap();
    let _held = TcpStream::connect(&ports[3]).unwrap();
    let _also_held = TcpStream::connect(&ports[2]).unwrap();
    emu.set_plex_tv_down(true);
    let start = Instant::now();
    emu.stop();
    assert!(start.elapsed() < Duration::from_secs(5));
    for p in &ports {
        assert!(TcpStream::connect(p).is_err(), "{p} still listens after stop");
        // The reserved port is free again too.
        assert!(std::net::TcpListener::bind(p).is_ok(), "{p} still bound after stop");
    }
}
