//! The PIN login against the emulator: short and strong codes, cancel, expiry, 429 back-off,
//! and the connections one wait uses.

mod common;

use std::time::{Duration, Instant};

use plexlink::{CancelToken, Error, WaitOptions};
use plexlink_emulator::{Fault, FaultKind, Scenario};

fn fast(interval_ms: u64) -> WaitOptions<'static> {
    WaitOptions {
        interval: Some(Duration::from_millis(interval_ms)),
        timeout: Some(Duration::from_secs(20)),
        ..WaitOptions::default()
    }
}

#[test]
fn short_pin_is_approved_on_the_link_page_and_gives_the_token_over_one_connection() {
    let (emu, client) = common::setup();
    let pin = client.create_pin(false).unwrap();
    assert_eq!(pin.code.secret().len(), 4);
    assert!(!pin.strong);
    assert_eq!(client.link_url(), format!("{}link", emu.url()));

    let waiter = {
        let client = client.clone();
        let pin = pin.clone();
        std::thread::spawn(move || client.wait_for_token(&pin, fast(200)))
    };
    // Approve while the client waits, as a person would on the link page.
    std::thread::sleep(Duration::from_millis(1200));
    emu.approve_code(pin.code.secret(), "alice").unwrap();
    let token = waiter.join().unwrap().unwrap();
    assert_eq!(token.secret(), emu.token_for("alice").unwrap());

    let plextv = emu.counters().plextv;
    assert_eq!(plextv.requests_to("POST /api/v2/pins"), 1);
    let checks = plextv.requests_to("GET /api/v2/pins/{id}");
    assert!(
        (5..=9).contains(&checks),
        "about one check per 200 ms over ~1.2 s, got {checks}"
    );
    assert_eq!(
        plextv.tcp_connections, 1,
        "the create and every check share one kept-alive connection"
    );
}

#[test]
fn strong_pin_uses_the_auth_page() {
    let (emu, client) = common::setup();
    let pin = client.create_pin(true).unwrap();
    assert!(pin.strong);
    assert!(pin.code.secret().len() > 4);
    let url = client.auth_url(&pin, Some("http://127.0.0.1:9/back?x=1"));
    assert!(url.starts_with(&format!("{}auth#?", emu.url())), "{url}");
    assert!(url.contains(&format!("clientID={}", common::CLIENT_ID)), "{url}");
    assert!(url.contains(&format!("code={}", pin.code.secret())), "{url}");
    assert!(
        url.contains("forwardUrl=http%3A%2F%2F127.0.0.1%3A9%2Fback%3Fx%3D1"),
        "{url}"
    );
    // plex.tv/link takes only short codes.
    assert!(emu.approve_code(pin.code.secret(), "alice").is_err());
    emu.approve_pin(pin.id, "carol").unwrap();
    let token = client.wait_for_token(&pin, fast(100)).unwrap();
    assert_eq!(token.secret(), emu.token_for("carol").unwrap());
}

#[test]
fn check_pin_shows_the_token_once_approved_and_resume_works() {
    let (emu, client) = common::setup();
    let pin = client.create_pin(false).unwrap();
    assert!(client.check_pin(pin.id).unwrap().auth_token.is_none());
    emu.approve_pin(pin.id, "alice").unwrap();
    let checked = client.check_pin(pin.id).unwrap();
    assert_eq!(checked.auth_token.unwrap().secret(), emu.token_for("alice").unwrap());
    // A restarted program resumes the PIN by id.
    let resumed = client.check_pin(pin.id).unwrap();
    assert_eq!(
        client.wait_for_token(&resumed, fast(100)).unwrap().secret(),
        emu.token_for("alice").unwrap()
    );
}

#[test]
fn cancel_from_another_thread_stops_the_wait_at_once() {
    let (_emu, client) = common::setup();
    let pin = client.create_pin(false).unwrap();
    let cancel = CancelToken::new();
    let trigger = cancel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        trigger.cancel();
    });
    let started = Instant::now();
    let options = WaitOptions {
        cancel: Some(cancel),
        ..fast(1000)
    };
    assert_eq!(client.wait_for_token(&pin, options).unwrap_err(), Error::Cancelled);
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "cancel took {:?}",
        started.elapsed()
    );
}

#[test]
fn an_expired_pin_ends_the_wait() {
    let scenario = Scenario {
        pin_lifetime_secs: 2,
        ..Scenario::default()
    };
    let (emu, client) = common::setup_with(scenario);
    let pin = client.create_pin(false).unwrap();
    let started = Instant::now();
    assert_eq!(
        client.wait_for_token(&pin, fast(200)).unwrap_err(),
        Error::PinExpired { status: Some(404) }
    );
    assert!(started.elapsed() < Duration::from_secs(4));

    // Expired on the server's side before the client's clock says so: 404 / 1020.
    let pin = client.create_pin(false).unwrap();
    emu.expire_pin(pin.id).unwrap();
    assert_eq!(
        client.check_pin(pin.id).unwrap_err(),
        Error::PinExpired { status: Some(404) }
    );
    assert_eq!(
        client.wait_for_token(&pin, fast(200)).unwrap_err(),
        Error::PinExpired { status: Some(404) }
    );
}

#[test]
fn overall_timeout_and_progress() {
    let (_emu, client) = common::setup();
    let pin = client.create_pin(false).unwrap();
    let mut seen = Vec::new();
    let mut on_progress = |p: &plexlink::WaitProgress| seen.push(p.clone());
    let options = WaitOptions {
        interval: Some(Duration::from_millis(100)),
        timeout: Some(Duration::from_millis(550)),
        on_progress: Some(&mut on_progress),
        ..WaitOptions::default()
    };
    assert!(matches!(
        client.wait_for_token(&pin, options),
        Err(Error::Timeout { .. })
    ));
    assert!(seen.len() >= 3, "progress after each pending check: {seen:?}");
    assert!(seen.windows(2).all(|w| w[1].checks == w[0].checks + 1));
    let remaining = seen[0].remaining.expect("the PIN's lifetime is known");
    assert!(
        remaining > Duration::from_secs(880) && remaining <= Duration::from_secs(900),
        "{remaining:?}"
    );
}

#[test]
fn rate_limited_checks_wait_for_retry_after() {
    let (emu, client) = common::setup();
    let pin = client.create_pin(false).unwrap();
    emu.add_fault(Fault {
        path_prefix: "/api/v2/pins/".into(),
        method: Some("GET".into()),
        kind: FaultKind::Status {
            status: 429,
            retry_after: Some(2),
            body: String::new(),
        },
        times: 1,
    });
    emu.reset_counters();
    let waiter = {
        let client = client.clone();
        let pin = pin.clone();
        std::thread::spawn(move || client.wait_for_token(&pin, fast(100)))
    };
    std::thread::sleep(Duration::from_millis(1500));
    let during = emu.counters().plextv.requests_to("GET /api/v2/pins/{id}");
    assert_eq!(
        during, 1,
        "after the 429 the client must wait Retry-After (2 s) before checking again"
    );
    emu.approve_pin(pin.id, "alice").unwrap();
    assert!(waiter.join().unwrap().is_ok());
    let after = emu.counters().plextv.requests_to("GET /api/v2/pins/{id}");
    assert!(after >= 2);
}

#[test]
fn server_errors_back_off_and_recover() {
    let (emu, client) = common::setup();
    let pin = client.create_pin(false).unwrap();
    emu.add_fault(Fault {
        path_prefix: "/api/v2/pins/".into(),
        method: Some("GET".into()),
        kind: FaultKind::Status {
            status: 503,
            retry_after: None,
            body: String::new(),
        },
        times: 3,
    });
    emu.reset_counters();
    let started = Instant::now();
    emu.approve_pin(pin.id, "alice").unwrap();
    let token = client.wait_for_token(&pin, fast(100)).unwrap();
    assert_eq!(token.secret(), emu.token_for("alice").unwrap());
    // 3 failures back off 100, 200, 400 ms before the 4th check succeeds.
    assert!(
        started.elapsed() >= Duration::from_millis(650),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(emu.counters().plextv.requests_to("GET /api/v2/pins/{id}"), 4);
}

#[test]
fn a_device_whose_clock_runs_ahead_still_waits_for_the_pin() {
    // The dates of a PIN are plex.tv's. Seen from a device whose clock runs far ahead of them
    // (here: dates from 2024), the PIN expired long ago; the wait must count by plex.tv's clock
    // (the lifetime, then each answer's `Date`) and get the token all the same.
    let (emu, client) = common::setup();
    let mut pin = client.create_pin(false).unwrap();
    assert!(pin.expires_at.is_some(), "the emulator dates its PINs");
    pin.created_at = Some("2024-07-16T17:03:05Z".into());
    pin.expires_at = Some("2024-07-16T17:18:05Z".into());
    let waiter = {
        let client = client.clone();
        let pin = pin.clone();
        std::thread::spawn(move || client.wait_for_token(&pin, fast(100)))
    };
    std::thread::sleep(Duration::from_millis(400));
    emu.approve_pin(pin.id, "alice").unwrap();
    let token = waiter
        .join()
        .unwrap()
        .expect("the token, whatever the local clock says");
    assert_eq!(token.secret(), emu.token_for("alice").unwrap());
    assert!(emu.counters().plextv.requests_to("GET /api/v2/pins/{id}") >= 2);
}

#[test]
fn a_pin_with_no_time_left_ends_as_expired_not_as_a_protocol_error() {
    let (emu, client) = common::setup();
    let created = client.create_pin(false).unwrap();
    let mut pin = plexlink::Pin::new(created.id, created.code.clone(), common::CLIENT_ID);
    pin.expires_in = Some(0);
    let error = client.wait_for_token(&pin, fast(100)).unwrap_err();
    assert_eq!(error, Error::PinExpired { status: None });
    assert_eq!(emu.counters().plextv.requests_to("GET /api/v2/pins/{id}"), 0);
}

#[test]
fn a_timeout_too_long_for_the_clock_means_no_timeout() {
    let (emu, client) = common::setup();
    let pin = client.create_pin(false).unwrap();
    let waiter = {
        let client = client.clone();
        let pin = pin.clone();
        std::thread::spawn(move || {
            let options = WaitOptions {
                interval: Some(Duration::from_millis(100)),
                timeout: Some(Duration::MAX),
                ..WaitOptions::default()
            };
            client.wait_for_token(&pin, options)
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    emu.approve_pin(pin.id, "alice").unwrap();
    assert!(waiter.join().expect("no panic").is_ok());
}
