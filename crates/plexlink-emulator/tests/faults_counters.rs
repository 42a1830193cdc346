//! Faults, counters and the emulator's lifecycle.

#![allow(clippy::unwrap_used)]

mod common;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{Conn, Emulator, plex_headers, request};
use plexlink_emulator::{Fault, FaultKind};

fn fault(prefix: &str, method: Option<&str>, kind: FaultKind, times: u32) -> Fault {
    Fault {
        path_prefix: prefix.to_string(),
        method: method.map(str::to_string),
        kind,
        times,
    }
}

#[test]
fn status_fault_with_retry_after_then_normal() {
    let emu = Emulator::start_default().unwrap();
    emu.add_fault(fault(
        "/api/v2/pins",
        Some("POST"),
        FaultKind::Status {
            status: 429,
            retry_after: Some(2),
            body: String::new(),
        },
        1,
    ));
    let h = plex_headers("c", None);
    let limited = request(&emu.url(), "POST", "/api/v2/pins", &h, b"");
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("2"));
    assert_eq!(request(&emu.url(), "POST", "/api/v2/pins", &h, b"").status, 201);

    emu.add_fault(fault(
        "/api/v2/",
        None,
        FaultKind::Status {
            status: 500,
            retry_after: None,
            body: r#"{"errors":[]}"#.to_string(),
        },
        0,
    ));
    for _ in 0..3 {
        let r = request(&emu.url(), "GET", "/api/v2/user", &h, b"");
        assert_eq!(r.status, 500);
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
    // Control requests are never faulted.
    assert_eq!(request(&emu.url(), "GET", "/_emulator/counters", &[], b"").status, 200);
    emu.clear_faults();
    assert_eq!(request(&emu.url(), "POST", "/api/v2/pins", &h, b"").status, 201);
}

#[test]
fn malformed_oversized_delay_and_close() {
    let emu = Emulator::start_default().unwrap();
    let h = plex_headers("c", None);

    emu.add_fault(fault("/api/v2/pins", None, FaultKind::MalformedJson, 1));
    let r = request(&emu.url(), "POST", "/api/v2/pins", &h, b"");
    assert_eq!(r.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());

    emu.add_fault(fault("/api/v2/pins", None, FaultKind::Oversized { bytes: 200_000 }, 1));
    let r = request(&emu.url(), "POST", "/api/v2/pins", &h, b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), 200_000);
    assert!(r.header("content-length").is_none(), "streamed, not announced");

    emu.add_fault(fault("/api/v2/pins", None, FaultKind::Delay { ms: 200 }, 1));
    let start = Instant::now();
    assert_eq!(request(&emu.url(), "POST", "/api/v2/pins", &h, b"").status, 201);
    assert!(start.elapsed() >= Duration::from_millis(200));

    // Close drops the connection with no answer, on a PMS listener too.
    emu.add_fault(fault("/identity", None, FaultKind::Close, 1));
    let mut conn = Conn::open(&emu.server_uri("Living Room", "local").unwrap()).unwrap();
    assert!(conn.send("GET", "/identity", &[], b"").is_err());
}

#[test]
fn faults_can_be_added_over_http() {
    let emu = Emulator::start_default().unwrap();
    let body = br#"{"path_prefix":"/identity","method":"GET","kind":{"type":"status","status":503},"times":1}"#;
    assert_eq!(request(&emu.url(), "POST", "/_emulator/faults", &[], body).status, 201);
    let local = emu.server_uri("Living Room", "local").unwrap();
    assert_eq!(request(&local, "GET", "/identity", &[], b"").status, 503);
    assert_eq!(request(&local, "GET", "/identity", &[], b"").status, 200);
    assert_eq!(request(&emu.url(), "POST", "/_emulator/faults", &[], b"{").status, 400);
    assert_eq!(request(&emu.url(), "DELETE", "/_emulator/faults", &[], b"").status, 204);
}

#[test]
fn counters_count_connections_and_requests() {
    let emu = Emulator::start_default().unwrap();
    let h = plex_headers("c", None);
    let mut conn = Conn::open(&emu.url()).unwrap();
    let pin = conn.send("POST", "/api/v2/pins", &h, b"").unwrap().json();
    let path = format!("/api/v2/pins/{}", pin["id"]);
    for _ in 0..4 {
        assert_eq!(conn.send("GET", &path, &h, b"").unwrap().status, 200);
    }
    let c = emu.counters();
    assert_eq!(
        c.plextv.tcp_connections, 1,
        "keep-alive: one connection for the whole wait"
    );
    assert_eq!(c.plextv.requests_to("POST /api/v2/pins"), 1);
    assert_eq!(c.plextv.requests_to("GET /api/v2/pins/{id}"), 4);

    let local = emu.server_uri("Living Room", "local").unwrap();
    request(&local, "GET", "/identity", &[], b"");
    request(&local, "GET", "/identity", &[], b"");
    let c = emu.counters();
    let l = c.connection("Living Room", "local");
    assert_eq!((l.tcp_connections, l.requests_to("GET /identity")), (2, 2));
    assert_eq!(c.connection("Living Room", "relay").tcp_connections, 0);
    assert!(
        c.pms["Living Room"].contains_key("relay"),
        "listeners are listed before any traffic"
    );

    // Over HTTP too; the control request counts under its own key.
    let json = request(&emu.url(), "GET", "/_emulator/counters", &[], b"").json();
    assert_eq!(json["plextv"]["requests"]["GET /api/v2/pins/{id}"], 4);
    assert_eq!(json["plextv"]["requests"]["GET /_emulator/counters"], 1);

    emu.reset_counters();
    let c = emu.counters();
    assert_eq!(c.plextv.total_requests(), 0);
    assert_eq!(c.connection("Living Room", "local").tcp_connections, 0);
}

#[test]
fn stop_frees_every_port() {
    let emu = Emulator::start_default().unwrap();
    let addresses: Vec<String> = std::iter::once(emu.url())
        .chain(["local", "local-blackhole", "remote-slow", "relay"].map(|c| emu.server_uri("Living Room", c).unwrap()))
        .map(|u| common::host_port(&u))
        .collect();
    // An open blackholed connection must not keep the emulator from stopping.
    let _held = TcpStream::connect(&addresses[2]).unwrap();
    for a in &addresses {
        assert!(TcpStream::connect(a).is_ok(), "{a} listens while running");
    }
    let start = Instant::now();
    emu.stop();
    assert!(start.elapsed() < Duration::from_secs(2));
    for a in &addresses {
        assert!(TcpStream::connect(a).is_err(), "{a} still listens after stop");
    }
}

#[test]
fn two_emulators_run_side_by_side() {
    let a = Emulator::start_default().unwrap();
    let b = Emulator::start_default().unwrap();
    assert_ne!(a.url(), b.url());
    assert_eq!(
        request(
            &a.url(),
            "GET",
            "/api/v2/ping",
            &plex_headers("c", a.token_for("bob").as_deref()),
            b""
        )
        .status,
        200
    );
    drop(a);
    assert_eq!(
        request(
            &b.url(),
            "GET",
            "/api/v2/ping",
            &plex_headers("c", b.token_for("bob").as_deref()),
            b""
        )
        .status,
        200
    );
}

#[test]
fn the_request_log_shows_when_requests_came() {
    let emu = Emulator::start_default().unwrap();
    let h = plex_headers("c", None);
    request(&emu.url(), "POST", "/api/v2/pins", &h, b"");
    std::thread::sleep(Duration::from_millis(150));
    request(
        &emu.server_uri("Home Server", "local").unwrap(),
        "GET",
        "/identity",
        &[],
        b"",
    );
    let log = emu.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].listener.as_str(), log[0].request.as_str()),
        ("plex.tv", "POST /api/v2/pins")
    );
    assert_eq!(
        (log[1].listener.as_str(), log[1].request.as_str()),
        ("Home Server/local", "GET /identity")
    );
    assert!(log[1].at_ms >= log[0].at_ms + 150);
    let json = request(&emu.url(), "GET", "/_emulator/requests", &[], b"").json();
    assert_eq!(
        json.as_array().unwrap().len(),
        3,
        "the control request itself is logged"
    );
    emu.reset_counters();
    assert!(emu.requests().is_empty());
}

#[test]
fn plextv_allows_browser_calls() {
    let emu = Emulator::start_default().unwrap();
    let pre = request(
        &emu.url(),
        "OPTIONS",
        "/api/v2/pins",
        &[
            ("Origin", "http://127.0.0.1:9"),
            ("Access-Control-Request-Headers", "x-plex-client-identifier"),
        ],
        b"",
    );
    assert_eq!(pre.status, 204);
    assert_eq!(pre.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        pre.header("access-control-allow-headers"),
        Some("x-plex-client-identifier")
    );
    let r = request(&emu.url(), "POST", "/api/v2/pins", &plex_headers("c", None), b"");
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
}

#[test]
fn the_emulator_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Emulator>();
}
