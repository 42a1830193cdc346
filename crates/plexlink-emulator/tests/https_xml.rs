//! https plex.direct listeners (the test authority, the names, plain http on the same port),
//! the open-connection count, and plex.tv's XML answers.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Emulator, plex_headers, request};
use plexlink_emulator::{Behaviour, Connection, Scenario};
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

const LIVING_ROOM_ID: &str = "8276c3fa6bc24e44b347e19c71fbb98b9287c1e9";

/// The built-in scenario with Living Room's `local` connection advertised as https.
fn https_scenario() -> Scenario {
    let mut scenario = Scenario::default();
    let living = &mut scenario.servers[0];
    living.connections = vec![
        Connection {
            https: true,
            ..Connection::new("local", Behaviour::Good, true)
        },
        Connection {
            https: true,
            ..Connection::new("local-blackhole", Behaviour::Blackhole, true)
        },
        Connection::new("plain", Behaviour::Good, true),
    ];
    scenario
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

/// `(host, port)` of `https://host:port`.
fn host_and_port(uri: &str) -> (String, u16) {
    let rest = uri.strip_prefix("https://").unwrap();
    let (host, port) = rest.rsplit_once(':').unwrap();
    (host.to_string(), port.parse().unwrap())
}

/// `GET path` over TLS to 127.0.0.1:port with `name` for SNI and the certificate check.
fn https_get(config: Arc<ClientConfig>, name: &str, port: u16, path: &str) -> std::io::Result<String> {
    let tcp = TcpStream::connect(("127.0.0.1", port))?;
    tcp.set_read_timeout(Some(Duration::from_secs(5)))?;
    let server_name = ServerName::try_from(name.to_string()).unwrap();
    let mut tls = StreamOwned::new(ClientConnection::new(config, server_name).unwrap(), tcp);
    write!(
        tls,
        "GET {path} HTTP/1.1\r\nHost: {name}:{port}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    tls.read_to_string(&mut answer)?;
    Ok(answer)
}

fn wait_until(mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

#[test]
fn an_https_connection_serves_tls_for_its_plex_direct_name_and_plain_http_on_the_same_port() {
    let emu = Emulator::start(https_scenario()).unwrap();
    let hash = emu.scenario().servers[0].plex_direct_hash();
    let uri = emu.server_uri("Living Room", "local").unwrap();
    let (host, port) = host_and_port(&uri);
    assert_eq!(host, format!("127-0-0-1.{hash}.plex.direct"));

    let answer = https_get(tls_config(&emu.ca_pem()), &host, port, "/identity").unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(LIVING_ROOM_ID), "{answer}");

    // The same port answers plain http, as a Plex Media Server does.
    let plain = request(&format!("http://127.0.0.1:{port}"), "GET", "/identity", &[], b"");
    assert_eq!(plain.status, 200);
    assert!(plain.text().contains(LIVING_ROOM_ID));

    let counts = emu.counters().connection("Living Room", "local");
    assert_eq!(counts.tcp_connections, 2);
    assert_eq!(counts.tls_connections, 1);
    assert_eq!(counts.requests_to("GET /identity"), 2);
}

#[test]
fn the_certificate_holds_only_for_the_servers_names_and_this_emulators_authority() {
    let emu = Emulator::start(https_scenario()).unwrap();
    let uri = emu.server_uri("Living Room", "local").unwrap();
    let (host, port) = host_and_port(&uri);

    // Any address label under the server's hash is covered (the certificate is a wildcard).
    let other_label = host.replacen("127-0-0-1", "10-0-0-7", 1);
    assert!(https_get(tls_config(&emu.ca_pem()), &other_label, port, "/identity").is_ok());

    // Another server's hash is not.
    let wrong_name = format!("127-0-0-1.{}.plex.direct", "0".repeat(32));
    let err = https_get(tls_config(&emu.ca_pem()), &wrong_name, port, "/identity").unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");

    // Another emulator's authority (a new one is made at every start) is not trusted.
    let other = Emulator::start(https_scenario()).unwrap();
    assert_ne!(other.ca_pem(), emu.ca_pem());
    let err = https_get(tls_config(&other.ca_pem()), &host, port, "/identity").unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");
    assert_eq!(emu.counters().connection("Living Room", "local").tls_connections, 1);
}

#[test]
fn resources_advertise_https_connections_with_include_https_and_plain_http_without() {
    let emu = Emulator::start(https_scenario()).unwrap();
    let alice = emu.token_for("alice").unwrap();
    let hash = emu.scenario().servers[0].plex_direct_hash();
    let headers = {
        let mut h = plex_headers("https-test", Some(&alice));
        h.push(("Accept", "application/json"));
        h
    };
    let connections = |query: &str| {
        let r = request(&emu.url(), "GET", &format!("/api/v2/resources{query}"), &headers, b"");
        assert_eq!(r.status, 200);
        let devices = r.json();
        let living = devices
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == "Living Room")
            .unwrap()
            .clone();
        living["connections"].as_array().unwrap().clone()
    };

    let with = connections("?includeHttps=1&includeRelay=1&includeIPv6=1");
    assert_eq!(with[0]["protocol"], "https");
    assert_eq!(with[0]["address"], "127.0.0.1");
    let port = with[0]["port"].as_u64().unwrap();
    assert_eq!(with[0]["uri"], format!("https://127-0-0-1.{hash}.plex.direct:{port}"));
    assert_eq!(with[0]["uri"], emu.server_uri("Living Room", "local").unwrap());
    assert_eq!(with[2]["protocol"], "http", "a plain connection stays plain");

    let without = connections("?includeRelay=1");
    assert_eq!(without[0]["protocol"], "http");
    assert_eq!(without[0]["uri"], format!("http://127.0.0.1:{port}"));
}

#[test]
fn open_connections_count_until_the_client_closes() {
    let emu = Emulator::start(https_scenario()).unwrap();
    let open = |name: &str| emu.counters().connection("Living Room", name).open_connections;
    let port = |name: &str| host_and_port(&emu.server_uri("Living Room", name).unwrap()).1;

    let held = TcpStream::connect(("127.0.0.1", port("local-blackhole"))).unwrap();
    let kept = TcpStream::connect(("127.0.0.1", port("local"))).unwrap();
    assert!(wait_until(|| open("local-blackhole") == 1 && open("local") == 1));
    emu.reset_counters();
    assert_eq!(open("local"), 1, "a reset does not forget open connections");
    drop(held);
    drop(kept);
    assert!(wait_until(|| open("local-blackhole") == 0 && open("local") == 0));

    // A request on its own connection leaves nothing open once the client hangs up.
    let plain = emu.server_uri("Living Room", "plain").unwrap();
    assert_eq!(request(&plain, "GET", "/identity", &[], b"").status, 200);
    assert!(wait_until(|| open("plain") == 0));
    assert_eq!(emu.counters().connection("Living Room", "plain").tcp_connections, 1);
}

#[test]
fn plex_tv_answers_xml_without_a_json_accept() {
    let emu = Emulator::start(https_scenario()).unwrap();
    let alice = emu.token_for("alice").unwrap();
    // The usual headers without `Accept: application/json`, as python-plexapi sends them.
    let without_accept = |token| {
        let mut h = plex_headers("xml-test", token);
        h.retain(|(name, _)| *name != "Accept");
        h
    };
    let anonymous = without_accept(None);
    let authed = without_accept(Some(&alice));

    let created = request(&emu.url(), "POST", "/api/v2/pins", &anonymous, b"");
    assert_eq!(created.status, 201);
    assert!(created.header("content-type").unwrap().contains("xml"));
    let text = created.text();
    assert!(text.starts_with("<?xml"), "{text}");
    assert!(
        text.contains("<pin ") && text.contains(" code=\"") && !text.contains("authToken="),
        "{text}"
    );
    let pin = emu.pins().pop().unwrap();
    assert!(text.contains(&format!(" id=\"{}\"", pin.id)), "{text}");

    emu.approve_pin(pin.id, "alice").unwrap();
    let checked = request(&emu.url(), "GET", &format!("/api/v2/pins/{}", pin.id), &anonymous, b"");
    assert!(
        checked.text().contains(&format!(" authToken=\"{alice}\"")),
        "{}",
        checked.text()
    );

    let user = request(&emu.url(), "GET", "/api/v2/user", &authed, b"").text();
    assert!(
        user.contains("<user ") && user.contains(" username=\"alice\""),
        "{user}"
    );
    assert!(user.contains("<subscription ") && user.contains("<profile "), "{user}");
    assert!(user.contains(" twoFactorEnabled=\"0\""), "booleans are 1/0: {user}");

    let resources = request(
        &emu.url(),
        "GET",
        "/api/v2/resources?includeHttps=1&includeRelay=1",
        &authed,
        b"",
    )
    .text();
    assert!(resources.contains("<resources size=\""), "{resources}");
    assert!(resources.contains("<resource ") && resources.contains(" name=\"Living Room\""));
    assert!(resources.contains("<connections>") && resources.contains("<connection "));
    assert!(resources.contains(" protocol=\"https\""), "{resources}");
    assert_eq!(
        resources.matches("<resource ").count(),
        resources.matches("</resource>").count(),
        "{resources}"
    );
}
