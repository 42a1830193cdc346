//! `AsyncClient` on tokio against the emulator: the PIN login, the servers and their races,
//! cancel by drop, and the whole-request timeout against a server that trickles its answer.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use plexlink::{AsyncClient, Error, TransportErrorKind, WaitOptions};
use plexlink_emulator::Emulator;

fn async_client(emu: &Emulator) -> AsyncClient {
    AsyncClient::builder("plexlink tests", common::CLIENT_ID)
        .plex_url(emu.url())
        .timeout(Duration::from_secs(10))
        .build_async()
        .expect("builds")
}

fn assert_send<T: Send>(_: &T) {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pin_login_then_every_server_raced_at_once() {
    let emu = Emulator::start_default().expect("starts");
    let client = async_client(&emu);
    let pin = client.create_pin(false).await.unwrap();
    assert_eq!(client.link_url(), format!("{}link", emu.url()));

    let options = WaitOptions {
        interval: Some(Duration::from_millis(100)),
        ..WaitOptions::default()
    };
    let wait = client.wait_for_token(&pin, options);
    assert_send(&wait);
    let approve = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        emu.approve_pin(pin.id, "alice")
    };
    let (token, approved) = tokio::join!(wait, approve);
    approved.expect("approved");
    let token = token.expect("the token");
    assert_eq!(token.secret(), emu.token_for("alice").unwrap());
    assert_eq!(
        emu.counters().plextv.tcp_connections,
        1,
        "the create and every check share one kept-alive connection"
    );

    let servers = client.servers(&token).await.unwrap();
    let races = client.connect_all(&servers);
    assert_send(&races);
    let results = races.await;
    assert_eq!(results.len(), servers.len());
    let living = servers.iter().position(|s| s.name == "Living Room").unwrap();
    let chosen = results[living].as_ref().expect("Living Room connects");
    assert_eq!(chosen.uri, emu.server_uri("Living Room", "local").unwrap());
    let transient = client
        .transient_token(&chosen.uri, chosen.access_token().unwrap())
        .await
        .unwrap();
    assert!(!transient.secret().is_empty());
}

#[tokio::test]
async fn dropping_the_wait_stops_the_checks() {
    let emu = Emulator::start_default().expect("starts");
    let client = async_client(&emu);
    let pin = client.create_pin(false).await.unwrap();
    let options = WaitOptions {
        interval: Some(Duration::from_millis(50)),
        ..WaitOptions::default()
    };
    let waited = tokio::time::timeout(Duration::from_millis(400), client.wait_for_token(&pin, options)).await;
    assert!(waited.is_err(), "still waiting when dropped");
    let checks = || emu.counters().plextv.requests_to("GET /api/v2/pins/{id}");
    let after_drop = checks();
    assert!(after_drop >= 2, "it was checking: {after_drop}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(checks(), after_drop, "no check after the future was dropped");
}

#[tokio::test]
async fn a_cancel_token_ends_the_wait_too() {
    let emu = Emulator::start_default().expect("starts");
    let client = async_client(&emu);
    let pin = client.create_pin(false).await.unwrap();
    let cancel = plexlink::CancelToken::new();
    let options = WaitOptions {
        cancel: Some(cancel.clone()),
        ..WaitOptions::default()
    };
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        cancel.cancel();
    });
    assert_eq!(
        client.wait_for_token(&pin, options).await.unwrap_err(),
        Error::Cancelled
    );
    canceller.await.unwrap();
}

/// A server that answers `/identity` with a header promising 1000 bytes, then sends one byte
/// every 100 ms. It stops when the client goes away.
fn trickling_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                for _ in 0..1000 {
                    std::thread::sleep(Duration::from_millis(100));
                    if stream.write_all(b" ").is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{address}")
}

fn is_timeout(error: &Error) -> bool {
    matches!(
        error,
        Error::Transport {
            kind: TransportErrorKind::Timeout,
            ..
        }
    )
}

#[tokio::test]
async fn a_trickling_answer_ends_at_the_whole_request_timeout() {
    let emu = Emulator::start_default().expect("starts");
    let server = trickling_server();
    let client = AsyncClient::builder("plexlink tests", common::CLIENT_ID)
        .plex_url(emu.url())
        .timeout(Duration::from_secs(2))
        .build_async()
        .unwrap();
    let started = Instant::now();
    let error = client.identity(&server).await.expect_err("never complete");
    assert!(is_timeout(&error), "{error:?}");
    // The bytes keep coming every 100 ms: a per-read timeout would wait 100 s.
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
}

#[test]
fn a_trickling_answer_ends_at_the_whole_request_timeout_blocking_too() {
    let emu = Emulator::start_default().expect("starts");
    let server = trickling_server();
    let client = plexlink::Client::builder("plexlink tests", common::CLIENT_ID)
        .plex_url(emu.url())
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.identity(&server).expect_err("never complete");
    assert!(is_timeout(&error), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
}

#[test]
fn a_blocking_stack_of_your_own_is_held_to_the_same_rules() {
    let emu = Emulator::start_default().expect("starts");
    let alice = common::token_of(&emu, "alice");
    // A stack that answers every request with a redirect carrying a secret in its query, and
    // then one that never answers in time.
    let redirecting = plexlink::Client::builder("plexlink tests", common::CLIENT_ID)
        .plex_url(emu.url())
        .build_with(|_request, _timeout| {
            Ok(http::Response::builder()
                .status(302)
                .header("Location", "https://elsewhere.example/next?token=s3cret")
                .body(Vec::new())
                .unwrap())
        })
        .unwrap();
    let error = redirecting.user(&alice).unwrap_err();
    assert_eq!(
        error,
        Error::Redirect {
            status: 302,
            location: "https://elsewhere.example/next".into()
        }
    );

    let slow = plexlink::Client::builder("plexlink tests", common::CLIENT_ID)
        .plex_url(emu.url())
        .timeout(Duration::from_millis(300))
        .build_with(|_request, _timeout| {
            std::thread::sleep(Duration::from_secs(3));
            Err(Error::Cancelled)
        })
        .unwrap();
    let started = Instant::now();
    let error = slow.user(&alice).unwrap_err();
    assert!(is_timeout(&error), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "given up at the deadline");

    // The token rule holds for any stack: plain http to a public address never gets it.
    let never_called = plexlink::Client::builder("plexlink tests", common::CLIENT_ID)
        .plex_url("http://203.0.113.9/")
        .build_with(|_request, _timeout| -> Result<plexlink::HttpResponse, Error> {
            panic!("the request must not reach the stack")
        })
        .unwrap();
    assert!(matches!(
        never_called.user(&alice),
        Err(Error::InsecureTransport { .. })
    ));
}

#[test]
fn values_that_cannot_work_are_refused_by_name() {
    let build = |builder: plexlink::ClientBuilder| builder.build().unwrap_err();
    let base = || plexlink::Client::builder("plexlink tests", common::CLIENT_ID);
    let named = |error: Error| match error {
        Error::InvalidArgument { what, .. } => what,
        other => panic!("{other:?}"),
    };
    assert_eq!(named(build(base().timeout(Duration::ZERO))), "timeout");
    assert_eq!(named(build(base().connect_timeout(Duration::ZERO))), "connect_timeout");
    assert_eq!(named(build(base().max_response_bytes(0))), "max_response_bytes");
    // The largest values mean no limit, without overflow.
    assert!(
        base()
            .timeout(Duration::MAX)
            .connect_timeout(Duration::MAX)
            .max_response_bytes(usize::MAX)
            .build()
            .is_ok()
    );
    let emu = Emulator::start_default().expect("starts");
    let client = common::client_for(&emu.url());
    let device = common::server_named(&client, &common::token_of(&emu, "alice"), "Living Room");
    let zero_probe = plexlink::RacePolicy {
        probe_timeout: Duration::ZERO,
        ..plexlink::RacePolicy::default()
    };
    assert_eq!(
        named(client.connect_with(&device, zero_probe).unwrap_err()),
        "probe_timeout"
    );
}

#[test]
fn a_secret_echoed_by_the_server_is_redacted_from_the_error() {
    let emu = Emulator::start_default().expect("starts");
    let client = common::client_for(&emu.url());
    let token = plexlink::Token::new("echoed-secret-7Qx");
    emu.add_fault(plexlink_emulator::Fault {
        path_prefix: "/api/v2/user".into(),
        method: None,
        kind: plexlink_emulator::FaultKind::Status {
            status: 401,
            retry_after: None,
            body: r#"{"errors":[{"code":1001,"message":"no such token: echoed-secret-7Qx"}]}"#.into(),
        },
        times: 1,
    });
    let error = client.user(&token).unwrap_err();
    assert!(error.is_token_rejected());
    assert!(!format!("{error} {error:?}").contains("echoed-secret-7Qx"), "{error:?}");
}

#[tokio::test]
async fn a_blocking_client_can_be_made_used_and_dropped_inside_a_runtime() {
    let emu = Emulator::start_default().expect("starts");
    let alice = common::token_of(&emu, "alice");
    // Blocking calls inside a runtime block that thread, which is the caller's choice; they
    // must not panic, nor may the client's own runtime when it is dropped here.
    let client = common::client_for(&emu.url());
    assert_eq!(client.user(&alice).unwrap().username, "alice");
    drop(client);
}
