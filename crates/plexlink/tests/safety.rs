//! The transport's rules: tokens stay off plain HTTP to public addresses and off redirects,
//! answers are capped, slow servers time out, malformed answers are clear errors, and no secret
//! ever shows up in an error's text.

mod common;

use std::time::{Duration, Instant};

use plexlink::{Client, Error, Password, Token};
use plexlink_emulator::{Fault, FaultKind};

fn fault(path: &str, kind: FaultKind) -> Fault {
    Fault {
        path_prefix: path.into(),
        method: None,
        kind,
        times: 1,
    }
}

#[test]
fn no_token_over_plain_http_to_a_public_address() {
    let (emu, client) = common::setup();
    let token = common::token_of(&emu, "alice");
    // 192.0.2.0/24 is TEST-NET-1: public, and nothing is sent to it because the check comes first.
    let err = client.transient_token("http://192.0.2.10:32400", &token).unwrap_err();
    match &err {
        Error::InsecureTransport { url, reason } => {
            assert_eq!(url, "http://192.0.2.10:32400/security/token");
            assert!(reason.contains("allow"), "the error says how to allow it: {reason}");
        }
        other => panic!("expected InsecureTransport, got {other:?}"),
    }
    // Identity needs no token, so no check applies: it fails on the network (quickly, no route
    // needed: we only check the kind of error is not InsecureTransport).
    let plex_over_http = Client::builder("t", "id")
        .plex_url("http://192.0.2.10:9/")
        .build()
        .unwrap();
    assert!(matches!(
        plex_over_http.user(&token),
        Err(Error::InsecureTransport { .. })
    ));
}

#[test]
fn redirects_are_not_followed() {
    let (emu, client) = common::setup();
    emu.add_fault(fault(
        "/api/v2/user",
        FaultKind::Status {
            status: 302,
            retry_after: None,
            body: String::new(),
        },
    ));
    let err = client.user(&common::token_of(&emu, "alice")).unwrap_err();
    assert!(matches!(err, Error::Redirect { status: 302, .. }), "{err:?}");
}

#[test]
fn oversized_and_malformed_answers_are_clear_errors() {
    let (emu, _) = common::setup();
    let client = Client::builder("t", "id")
        .plex_url(emu.url())
        .max_response_bytes(64 * 1024)
        .build()
        .unwrap();
    let token = common::token_of(&emu, "alice");
    emu.add_fault(fault("/api/v2/resources", FaultKind::Oversized { bytes: 1024 * 1024 }));
    assert_eq!(
        client.resources(&token).unwrap_err(),
        Error::ResponseTooLarge { limit: 64 * 1024 }
    );
    emu.add_fault(fault("/api/v2/resources", FaultKind::MalformedJson));
    assert!(matches!(
        client.resources(&token).unwrap_err(),
        Error::Decode { what: "resources", .. }
    ));
    // The client still works afterwards.
    assert!(!client.resources(&token).unwrap().is_empty());
}

#[test]
fn a_slow_server_times_out_and_a_dropped_connection_is_a_network_error() {
    let (emu, _) = common::setup();
    let client = Client::builder("t", "id")
        .plex_url(emu.url())
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let token = common::token_of(&emu, "alice");
    emu.add_fault(fault("/api/v2/user", FaultKind::Delay { ms: 3000 }));
    let started = Instant::now();
    let err = client.user(&token).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: plexlink::TransportErrorKind::Timeout,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(!err.is_token_rejected());
    emu.add_fault(fault("/api/v2/user", FaultKind::Close));
    let err = client.user(&token).unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[test]
fn rate_limits_carry_retry_after() {
    let (emu, client) = common::setup();
    emu.add_fault(fault(
        "/api/v2/users/signin",
        FaultKind::Status {
            status: 429,
            retry_after: Some(30),
            body: String::new(),
        },
    ));
    let err = client
        .sign_in("alice", &Password::new("alice-password"), None)
        .unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(30)),
        "{err:?}"
    );
}

#[test]
fn no_secret_appears_in_any_error_or_debug_text() {
    let (emu, client) = common::setup();
    let secrets = common::all_secrets(&emu);
    let alice = common::token_of(&emu, "alice");
    let mut texts = Vec::new();
    let mut record = |r: Result<String, Error>| match r {
        Ok(debug) => texts.push(debug),
        Err(e) => texts.push(format!("{e} {e:?}")),
    };
    record(
        client
            .sign_in("alice", &Password::new("alice-password"), None)
            .map(|a| format!("{a:?}")),
    );
    record(
        client
            .sign_in("bob", &Password::new("bob-password"), None)
            .map(|a| format!("{a:?}")),
    );
    record(client.user(&alice).map(|a| format!("{a:?}")));
    record(client.resources(&alice).map(|r| format!("{r:?}")));
    record(
        client
            .transient_token("http://192.0.2.1:32400", &alice)
            .map(|t| format!("{t:?}")),
    );
    let living = common::server_named(&client, &alice, "Living Room");
    let connected = client.connect(&living).unwrap();
    record(Ok(format!("{connected:?}")));
    record(
        client
            .transient_token(&connected.uri, connected.access_token().unwrap())
            .map(|t| format!("{t:?} {t}")),
    );
    record(
        client
            .source_connection_info(&connected.uri, &Token::new("bad"), "x")
            .map(|d| format!("{d:?}")),
    );
    record(Ok(format!("{client:?}")));
    let pin = client.create_pin(false).unwrap();
    emu.approve_pin(pin.id, "alice").unwrap();
    record(client.check_pin(pin.id).map(|p| format!("{p:?}")));
    assert!(texts.len() >= 10);
    for text in &texts {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "a secret leaked into: {text}");
        }
        assert!(!text.contains(pin.code.secret()), "the PIN code leaked into: {text}");
    }
}

#[test]
fn a_root_certificate_that_is_not_pem_is_refused() {
    let err = Client::builder("t", "id")
        .add_root_certificate_pem("not a certificate")
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                what: "root certificate",
                ..
            }
        ),
        "{err:?}"
    );
    let garbled = "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n";
    assert!(
        Client::builder("t", "id")
            .add_root_certificate_pem(garbled)
            .build()
            .is_err()
    );
}

#[test]
fn the_largest_answer_limit_means_no_limit_and_zero_is_refused() {
    let emu = plexlink_emulator::Emulator::start_default().expect("starts");
    let alice = common::token_of(&emu, "alice");
    // usize::MAX + 1 once wrapped to zero: every body read as empty and failed to parse.
    let unlimited = Client::builder("plexlink tests", common::CLIENT_ID)
        .plex_url(emu.url())
        .max_response_bytes(usize::MAX)
        .build()
        .expect("builds");
    assert_eq!(unlimited.user(&alice).expect("the whole answer").username, "alice");

    let error = Client::builder("plexlink tests", common::CLIENT_ID)
        .plex_url(emu.url())
        .max_response_bytes(0)
        .build()
        .expect_err("a limit that refuses every answer");
    assert!(
        matches!(
            error,
            Error::InvalidArgument {
                what: "max_response_bytes",
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn a_carrier_nat_address_gets_no_token_in_clear_unless_allowed() {
    let emu = plexlink_emulator::Emulator::start_default().expect("starts");
    let token = Token::new("secret-token");
    // Nothing listens there; the refusal comes before any connection is tried.
    let strict = common::client_for(&emu.url());
    let error = strict.transient_token("http://100.64.0.9:32400", &token).unwrap_err();
    assert!(matches!(error, Error::InsecureTransport { .. }), "{error:?}");

    // Opted in (a VPN on that range), the same request may go; checked without sending it,
    // since nothing here may reach beyond 127.0.0.1.
    let vpn = Client::builder("plexlink tests", common::CLIENT_ID)
        .plex_url(emu.url())
        .carrier_nat_is_private(true)
        .build()
        .expect("builds");
    let uri: http::Uri = "http://100.64.0.9:32400/security/token".parse().unwrap();
    assert!(plexlink::core::token_allowed_for(&uri, vpn.address_rules()).is_ok());
    assert!(plexlink::core::token_allowed_for(&uri, strict.address_rules()).is_err());
}

#[test]
fn a_plex_direct_label_allows_plain_http_only_when_the_client_dials_the_label() {
    let emu = plexlink_emulator::Emulator::start_default().expect("starts");
    let port = emu.url().rsplit(':').next().unwrap().trim_end_matches('/').to_owned();
    // The label says 127.0.0.1, where the emulator listens.
    let name = format!("http://127-0-0-1.0123456789abcdef0123456789abcdef.plex.direct:{port}");
    let token = common::token_of(&emu, "alice");

    // Dialled by its label, the request goes where the label says: plain http to loopback is
    // allowed, and plex.tv's emulator answers (a 404: it is no server, but it was reached).
    let by_label = common::client_for(&emu.url());
    let error = by_label.transient_token(&name, &token).unwrap_err();
    assert!(!matches!(error, Error::InsecureTransport { .. }), "{error:?}");

    // Left to the system's DNS (or a hosts file), the name may lead anywhere: the label proves
    // nothing, so the token is not sent in clear. It once was, wherever DNS pointed.
    let system_dns = Client::builder("plexlink tests", common::CLIENT_ID)
        .plex_url(emu.url())
        .resolve_plex_direct(false)
        .build()
        .expect("builds");
    let error = system_dns.transient_token(&name, &token).unwrap_err();
    assert!(matches!(error, Error::InsecureTransport { .. }), "{error:?}");
}
