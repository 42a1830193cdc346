//! plex.tv endpoints over real HTTP.

#![allow(clippy::unwrap_used)]

mod common;

use base64ct::Encoding as _;
use std::time::Duration;

use common::{Conn, Emulator, FORM, form, plex_headers, request};
use plexlink_emulator::Scenario;

fn create_pin(emu: &Emulator, client: &str, strong: bool) -> serde_json::Value {
    let path = if strong {
        "/api/v2/pins?strong=true"
    } else {
        "/api/v2/pins"
    };
    let r = request(&emu.url(), "POST", path, &plex_headers(client, None), b"");
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

fn check_pin(emu: &Emulator, client: &str, id: u64) -> common::Resp {
    request(
        &emu.url(),
        "GET",
        &format!("/api/v2/pins/{id}"),
        &plex_headers(client, None),
        b"",
    )
}

#[test]
fn url_has_a_trailing_slash_on_loopback() {
    let emu = Emulator::start_default().unwrap();
    assert!(emu.url().starts_with("http://127.0.0.1:"));
    assert!(emu.url().ends_with('/'));
}

#[test]
fn pin_create_approve_check_returns_the_token() {
    let emu = Emulator::start_default().unwrap();
    let pin = create_pin(&emu, "client-a", false);
    let id = pin["id"].as_u64().unwrap();
    let code = pin["code"].as_str().unwrap();
    assert_eq!(code.len(), 4);
    assert!(code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    assert_eq!(pin["expiresIn"], 900);
    assert!(pin["authToken"].is_null());
    assert!(pin["createdAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(pin["clientIdentifier"], "client-a");
    assert_eq!(pin["product"], "plexlink tests");

    let pending = check_pin(&emu, "client-a", id);
    assert_eq!(pending.status, 200);
    assert!(pending.json()["authToken"].is_null());

    emu.approve_pin(id, "alice").unwrap();
    let done = check_pin(&emu, "client-a", id);
    assert_eq!(done.status, 200);
    let token = done.json()["authToken"].as_str().unwrap().to_string();
    assert_eq!(Some(token.clone()), emu.token_for("alice"));
    assert_eq!(token.len(), 536);

    // Another client identifier may not see it.
    let other = check_pin(&emu, "client-b", id);
    assert_eq!((other.status, other.plex_code()), (404, 1020));

    let info = emu.pins().into_iter().find(|p| p.id == id).unwrap();
    assert!(info.approved && !info.strong);
    assert_eq!(info.account.as_deref(), Some("alice"));
}

#[test]
fn strong_pins_have_long_codes_and_their_own_lifetime() {
    let emu = Emulator::start_default().unwrap();
    let pin = create_pin(&emu, "client-a", true);
    assert!(pin["code"].as_str().unwrap().len() > 10);
    assert_eq!(pin["expiresIn"], 1799);
    // plex.tv/link takes only short codes.
    assert!(emu.approve_code(pin["code"].as_str().unwrap(), "alice").is_err());
    // A JSON body may ask for a strong PIN too (the JWT variant), with a valid key only.
    let mut h = plex_headers("client-a", None);
    h.push(("Content-Type", "application/json"));
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let x = base64ct::Base64UrlUnpadded::encode_string(key.verifying_key().as_bytes());
    let body = serde_json::json!({"strong": true, "jwk": {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "k"}});
    let r = request(&emu.url(), "POST", "/api/v2/pins", &h, body.to_string().as_bytes());
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["expiresIn"], 1799);
    let r = request(
        &emu.url(),
        "POST",
        "/api/v2/pins",
        &h,
        br#"{"strong":true,"jwk":{"kty":"OKP"}}"#,
    );
    assert_eq!((r.status, r.plex_code()), (422, 1090));
}

#[test]
fn expired_pins_answer_1020() {
    let emu = Emulator::start(Scenario {
        pin_lifetime_secs: 1,
        ..Scenario::default()
    })
    .unwrap();
    let by_hand = create_pin(&emu, "c", false)["id"].as_u64().unwrap();
    emu.expire_pin(by_hand).unwrap();
    let r = check_pin(&emu, "c", by_hand);
    assert_eq!((r.status, r.plex_code()), (404, 1020));
    assert_eq!(r.json()["errors"][0]["message"], "Code not found or expired");
    assert!(emu.approve_pin(by_hand, "alice").is_err());

    let by_clock = create_pin(&emu, "c", false)["id"].as_u64().unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(check_pin(&emu, "c", by_clock).status, 404);

    let unknown = check_pin(&emu, "c", 1);
    assert_eq!((unknown.status, unknown.plex_code()), (404, 1020));
}

#[test]
fn a_missing_client_identifier_is_400_1000_in_json_or_xml() {
    let emu = Emulator::start_default().unwrap();
    for path in ["/api/v2/pins", "/api/v2/users/signin"] {
        let r = request(&emu.url(), "POST", path, &[("Accept", "application/json")], b"");
        assert_eq!((r.status, r.plex_code()), (400, 1000));
    }
    let xml = request(&emu.url(), "GET", "/api/v2/user", &[], b"");
    assert_eq!(xml.status, 400);
    assert!(xml.text().contains(r#"<error code="1000""#), "{}", xml.text());
}

#[test]
fn link_approves_a_code_with_a_token() {
    let emu = Emulator::start_default().unwrap();
    let pin = create_pin(&emu, "tv", false);
    let carol = emu.token_for("carol").unwrap();
    let mut h = plex_headers("phone", Some(&carol));
    h.push(FORM);
    let r = request(
        &emu.url(),
        "PUT",
        "/api/v2/pins/link",
        &h,
        &form(&[("code", pin["code"].as_str().unwrap())]),
    );
    assert_eq!(r.status, 204);
    let done = check_pin(&emu, "tv", pin["id"].as_u64().unwrap());
    assert_eq!(done.json()["authToken"].as_str(), Some(carol.as_str()));

    let unknown = request(&emu.url(), "PUT", "/api/v2/pins/link", &h, &form(&[("code", "ZZZZ!")]));
    assert_eq!((unknown.status, unknown.plex_code()), (404, 1020));
    let no_token = request(
        &emu.url(),
        "PUT",
        "/api/v2/pins/link",
        &[FORM, ("X-Plex-Client-Identifier", "p")],
        b"code=AAAA",
    );
    assert_eq!(no_token.status, 401);
}

fn sign_in(emu: &Emulator, client: &str, fields: &[(&str, &str)]) -> common::Resp {
    let mut h = plex_headers(client, None);
    h.push(FORM);
    request(&emu.url(), "POST", "/api/v2/users/signin", &h, &form(fields))
}

#[test]
fn sign_in_plain_by_username_or_email() {
    let emu = Emulator::start_default().unwrap();
    for login in ["alice", "alice@example.com", "ALICE@example.com"] {
        let r = sign_in(
            &emu,
            "c",
            &[("login", login), ("password", "alice-password"), ("rememberMe", "true")],
        );
        assert_eq!(r.status, 201, "{login}: {}", r.text());
        let account = r.json();
        assert_eq!(account["username"], "alice");
        assert_eq!(account["authToken"].as_str(), emu.token_for("alice").as_deref());
        assert_eq!(account["twoFactorEnabled"], false);
        assert_eq!(account["subscription"]["active"], true);
    }
    let bad = sign_in(&emu, "c", &[("login", "alice"), ("password", "nope")]);
    assert_eq!((bad.status, bad.plex_code()), (401, 1001));
}

#[test]
fn sign_in_with_two_factor() {
    let emu = Emulator::start_default().unwrap();
    let base = [("login", "bob"), ("password", "bob-password")];
    let needed = sign_in(&emu, "c", &base);
    assert_eq!((needed.status, needed.plex_code()), (401, 1029));
    let wrong = sign_in(&emu, "c", &[base[0], base[1], ("verificationCode", "654321")]);
    assert_eq!((wrong.status, wrong.plex_code()), (401, 1028));
    for code in ["123456", "backup-code-1234567890"] {
        let ok = sign_in(&emu, "c", &[base[0], base[1], ("verificationCode", code)]);
        assert_eq!(ok.status, 201, "{code}");
        assert_eq!(ok.json()["twoFactorEnabled"], true);
    }
}

#[test]
fn repeated_failures_lock_the_client_out() {
    let emu = Emulator::start_default().unwrap();
    for _ in 0..5 {
        assert_eq!(
            sign_in(&emu, "locked", &[("login", "alice"), ("password", "x")]).plex_code(),
            1001
        );
    }
    let locked = sign_in(&emu, "locked", &[("login", "alice"), ("password", "alice-password")]);
    assert_eq!((locked.status, locked.plex_code()), (401, 1031));
    // Another client is not locked.
    assert_eq!(
        sign_in(&emu, "other", &[("login", "alice"), ("password", "alice-password")]).status,
        201
    );
}

#[test]
fn user_signout_and_sign_in_again() {
    let emu = Emulator::start_default().unwrap();
    let token = emu.token_for("alice").unwrap();
    let user = request(&emu.url(), "GET", "/api/v2/user", &plex_headers("c", Some(&token)), b"");
    assert_eq!(user.status, 200);
    let u = user.json();
    for field in [
        "id",
        "uuid",
        "username",
        "email",
        "friendlyName",
        "title",
        "thumb",
        "authToken",
        "home",
        "homeAdmin",
    ] {
        assert!(!u[field].is_null(), "{field} missing");
    }
    // The token may come in the query too.
    let q = request(
        &emu.url(),
        "GET",
        &format!("/api/v2/user?X-Plex-Token={token}"),
        &plex_headers("c", None),
        b"",
    );
    assert_eq!(q.status, 200);
    assert_eq!(
        request(&emu.url(), "GET", "/api/v2/ping", &plex_headers("c", Some(&token)), b"").status,
        200
    );

    let out = request(
        &emu.url(),
        "DELETE",
        "/api/v2/users/signout",
        &plex_headers("c", Some(&token)),
        b"",
    );
    assert_eq!(out.status, 204);
    let after = request(&emu.url(), "GET", "/api/v2/user", &plex_headers("c", Some(&token)), b"");
    assert_eq!((after.status, after.plex_code()), (401, 1001));

    assert_eq!(
        sign_in(&emu, "c", &[("login", "alice"), ("password", "alice-password")]).status,
        201
    );
    assert_eq!(
        request(&emu.url(), "GET", "/api/v2/user", &plex_headers("c", Some(&token)), b"").status,
        200
    );

    let unknown = request(&emu.url(), "GET", "/api/v2/user", &plex_headers("c", Some("nope")), b"");
    assert_eq!((unknown.status, unknown.plex_code()), (401, 1001));
}

#[test]
fn home_users_and_switch() {
    let emu = Emulator::start_default().unwrap();
    let carol = emu.token_for("carol").unwrap();
    let home = request(
        &emu.url(),
        "GET",
        "/api/v2/home/users",
        &plex_headers("c", Some(&carol)),
        b"",
    )
    .json();
    let users = home["users"].as_array().unwrap();
    assert_eq!(users.len(), 3);
    let find = |name: &str| users.iter().find(|u| u["title"] == name).unwrap().clone();
    assert_eq!(find("Carol")["admin"], true);
    assert_eq!(find("Dave")["restricted"], true);
    assert_eq!(find("Dave")["protected"], false);
    assert_eq!(find("Erin")["protected"], true);

    let switch = |uuid: &str, pin: Option<&str>| {
        let path = match pin {
            Some(p) => format!("/api/v2/home/users/{uuid}/switch?pin={p}"),
            None => format!("/api/v2/home/users/{uuid}/switch"),
        };
        request(&emu.url(), "POST", &path, &plex_headers("c", Some(&carol)), b"")
    };
    let dave = switch(find("Dave")["uuid"].as_str().unwrap(), None);
    assert_eq!(dave.status, 201);
    assert_eq!(dave.json()["authToken"].as_str(), emu.token_for("dave").as_deref());

    let erin_uuid = find("Erin")["uuid"].as_str().unwrap().to_string();
    for pin in [None, Some("0000")] {
        let r = switch(&erin_uuid, pin);
        assert_eq!((r.status, r.plex_code()), (403, 1041));
    }
    let erin = switch(&erin_uuid, Some("1234"));
    assert_eq!(erin.json()["authToken"].as_str(), emu.token_for("erin").as_deref());
    assert_eq!(switch(find("Carol")["uuid"].as_str().unwrap(), None).status, 201);

    let claim = request(
        &emu.url(),
        "GET",
        "/api/claim/token.json",
        &plex_headers("c", Some(&carol)),
        b"",
    );
    assert!(claim.json()["token"].as_str().unwrap().starts_with("claim-"));
}

fn resources(emu: &Emulator, account: &str, query: &str) -> Vec<serde_json::Value> {
    let token = emu.token_for(account).unwrap();
    let r = request(
        &emu.url(),
        "GET",
        &format!("/api/v2/resources{query}"),
        &plex_headers("c", Some(&token)),
        b"",
    );
    assert_eq!(r.status, 200);
    r.json().as_array().unwrap().clone()
}

#[test]
fn resources_shape_and_include_flags() {
    let emu = Emulator::start_default().unwrap();
    let all = resources(&emu, "alice", "?includeHttps=1&includeRelay=1&includeIPv6=1");
    let servers: Vec<_> = all
        .iter()
        .filter(|d| d["provides"].as_str().unwrap().contains("server"))
        .collect();
    assert_eq!(servers.len(), 2);
    assert!(
        all.iter().any(|d| !d["provides"].as_str().unwrap().contains("server")),
        "a player is listed too"
    );

    let living = servers.iter().find(|d| d["name"] == "Living Room").unwrap();
    assert_eq!(living["owned"], true);
    assert_eq!(living["publicAddressMatches"], true);
    assert_eq!(living["httpsRequired"], false);
    assert_eq!(living["clientIdentifier"], "8276c3fa6bc24e44b347e19c71fbb98b9287c1e9");
    let conns = living["connections"].as_array().unwrap();
    assert_eq!(conns.len(), 6);
    for c in conns {
        assert_eq!(c["protocol"], "http");
        assert_eq!(c["address"], "127.0.0.1");
        assert_eq!(c["IPv6"], false);
        assert_eq!(c["uri"].as_str().unwrap(), format!("http://127.0.0.1:{}", c["port"]));
    }
    assert_eq!(conns.iter().filter(|c| c["relay"] == true).count(), 1);
    assert_eq!(
        Some(conns[0]["uri"].as_str().unwrap().to_string()),
        emu.server_uri("Living Room", "local")
    );

    let friend = servers.iter().find(|d| d["name"] == "Friend's Server").unwrap();
    assert_eq!(friend["owned"], false);
    assert_eq!(friend["sourceTitle"], "Frank");
    assert_ne!(friend["accessToken"].as_str(), emu.token_for("alice").as_deref());

    let no_relay = resources(&emu, "alice", "?includeHttps=1&includeIPv6=1");
    let living = no_relay.iter().find(|d| d["name"] == "Living Room").unwrap();
    assert_eq!(living["connections"].as_array().unwrap().len(), 5);
    assert!(
        living["connections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["relay"] == false)
    );

    // A managed Home user sees the household server as not owned, with their own token.
    let dave = resources(&emu, "dave", "?includeRelay=1");
    assert_eq!(dave.len(), 1);
    assert_eq!(dave[0]["name"], "Home Server");
    assert_eq!(dave[0]["owned"], false);
    assert_eq!(dave[0]["home"], true);
    assert_eq!(resources(&emu, "carol", "")[0]["owned"], true);
}

#[test]
fn the_link_page_approves_a_code() {
    let emu = Emulator::start_default().unwrap();
    let page = request(&emu.url(), "GET", "/link", &[], b"");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("<form") && page.text().contains("value=\"alice\""));

    let pin = create_pin(&emu, "tv", false);
    let code = pin["code"].as_str().unwrap().to_ascii_lowercase();
    let ok = request(
        &emu.url(),
        "POST",
        "/link",
        &[FORM],
        &form(&[("code", &code), ("account", "bob")]),
    );
    assert_eq!(ok.status, 200, "{}", ok.text());
    let done = check_pin(&emu, "tv", pin["id"].as_u64().unwrap());
    assert_eq!(done.json()["authToken"].as_str(), emu.token_for("bob").as_deref());

    let bad = request(
        &emu.url(),
        "POST",
        "/link",
        &[FORM],
        &form(&[("code", "<b>x"), ("account", "bob")]),
    );
    assert_eq!(bad.status, 404);
    assert!(bad.text().contains("&lt;b&gt;x") && !bad.text().contains("<b>x"));
}

#[test]
fn the_auth_page_approves_a_strong_code_and_forwards() {
    let emu = Emulator::start_default().unwrap();
    let page = request(&emu.url(), "GET", "/auth", &[], b"");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("location.hash"));

    let pin = create_pin(&emu, "web", true);
    let body = form(&[
        ("code", pin["code"].as_str().unwrap()),
        ("account", "carol"),
        ("forwardUrl", "http://127.0.0.1:9/back"),
    ]);
    let r = request(&emu.url(), "POST", "/auth/approve", &[FORM], &body);
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("http://127.0.0.1:9/back"));
    let done = check_pin(&emu, "web", pin["id"].as_u64().unwrap());
    assert_eq!(done.json()["authToken"].as_str(), emu.token_for("carol").as_deref());

    // No redirect to anything but http(s).
    let pin = create_pin(&emu, "web", true);
    let body = form(&[
        ("code", pin["code"].as_str().unwrap()),
        ("account", "carol"),
        ("forwardUrl", "javascript:alert(1)"),
    ]);
    let r = request(&emu.url(), "POST", "/auth/approve", &[FORM], &body);
    assert_eq!(r.status, 200);
    assert!(r.header("location").is_none());
}

#[test]
fn control_endpoints_over_http() {
    let emu = Emulator::start_default().unwrap();
    let pin = create_pin(&emu, "c", false);
    let id = pin["id"].as_u64().unwrap();
    let list = request(&emu.url(), "GET", "/_emulator/pins", &[], b"").json();
    assert_eq!(list[0]["id"].as_u64(), Some(id));
    let r = request(
        &emu.url(),
        "POST",
        &format!("/_emulator/pins/{id}/approve?account=alice"),
        &[],
        b"",
    );
    assert_eq!(r.status, 204);
    assert!(check_pin(&emu, "c", id).json()["authToken"].is_string());
    let r = request(&emu.url(), "POST", &format!("/_emulator/pins/{id}/expire"), &[], b"");
    assert_eq!(r.status, 204);
    assert_eq!(check_pin(&emu, "c", id).status, 404);
    let r = request(
        &emu.url(),
        "POST",
        "/_emulator/pins/1/approve",
        &[FORM],
        b"account=alice",
    );
    assert_eq!(r.status, 404);
    let r = request(
        &emu.url(),
        "POST",
        &format!("/_emulator/pins/{id}/approve"),
        &[FORM],
        b"account=nobody",
    );
    assert_eq!(r.status, 400);

    let servers = request(&emu.url(), "GET", "/_emulator/servers", &[], b"").json();
    assert_eq!(
        servers["Living Room"]["local"].as_str(),
        emu.server_uri("Living Room", "local").as_deref()
    );
    let scenario: Scenario =
        serde_json::from_slice(&request(&emu.url(), "GET", "/_emulator/scenario", &[], b"").body).unwrap();
    assert_eq!(&scenario, emu.scenario());

    // Keep-alive: one connection for several control calls.
    let mut conn = Conn::open(&emu.url()).unwrap();
    for _ in 0..3 {
        assert_eq!(conn.send("GET", "/_emulator/counters", &[], b"").unwrap().status, 200);
    }
}
