//! Plex's JWT sign-in over real HTTP: keys, nonces, device keys, the exchange, Plex JWTs on
//! plex.tv and PMS, device removal, the end of the legacy token, the JWT PIN. The device JWTs
//! are signed here with ed25519-dalek, and the Plex JWTs checked against `/api/v2/auth/keys`.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64ct::{Base64UrlUnpadded, Encoding};
use common::{Emulator, FORM, Resp, form, plex_headers, request};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use plexlink_emulator::{EmuError, JwtSettings, Scenario};
use serde_json::{Value, json};

const SCOPE: &str = "username,email,friendly_name,restricted,anonymous,joinedAt";

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    Base64UrlUnpadded::decode_vec(text).unwrap()
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// A device: one Ed25519 key and the client identifier it was made for.
struct Device {
    key: SigningKey,
    kid: String,
    client: String,
}

impl Device {
    fn new(seed: u8, client: &str) -> Device {
        Device {
            key: SigningKey::from_bytes(&[seed; 32]),
            kid: format!("kid-{seed}"),
            client: client.to_string(),
        }
    }

    fn jwk(&self) -> Value {
        json!({"kty": "OKP", "crv": "Ed25519", "x": b64(self.key.verifying_key().as_bytes()),
               "use": "sig", "alg": "EdDSA", "kid": self.kid})
    }

    fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": self.kid});
        let signed = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        format!("{signed}.{}", b64(&self.key.sign(signed.as_bytes()).to_bytes()))
    }

    fn claims(&self, nonce: &str) -> Value {
        let iat = now();
        json!({"nonce": nonce, "scope": SCOPE, "aud": "plex.tv", "iss": self.client,
               "iat": iat, "exp": iat + 300})
    }

    fn device_jwt(&self, nonce: &str) -> String {
        self.sign(&self.claims(nonce))
    }
}

fn json_headers<'a>(client: &'a str, token: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut h = plex_headers(client, token);
    h.push(("Content-Type", "application/json"));
    h
}

fn get(emu: &Emulator, path: &str, client: &str, token: Option<&str>) -> Resp {
    request(&emu.url(), "GET", path, &plex_headers(client, token), b"")
}

fn nonce(emu: &Emulator, client: &str) -> String {
    let r = get(emu, "/api/v2/auth/nonce", client, None);
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["nonce"].as_str().unwrap().to_string()
}

fn register(emu: &Emulator, device: &Device, token: Option<&str>) -> Resp {
    let body = json!({ "jwk": device.jwk() }).to_string();
    request(
        &emu.url(),
        "POST",
        "/api/v2/auth/jwk",
        &json_headers(&device.client, token),
        body.as_bytes(),
    )
}

fn exchange(emu: &Emulator, client: &str, device_jwt: &str) -> Resp {
    let body = json!({ "jwt": device_jwt }).to_string();
    request(
        &emu.url(),
        "POST",
        "/api/v2/auth/token",
        &json_headers(client, None),
        body.as_bytes(),
    )
}

/// Registers the device's key with alice's legacy token and exchanges a fresh device JWT.
fn plex_jwt(emu: &Emulator, device: &Device) -> String {
    let alice = emu.token_for("alice").unwrap();
    let r = register(emu, device, Some(&alice));
    assert_eq!(r.status, 201, "{}", r.text());
    let r = exchange(emu, &device.client, &device.device_jwt(&nonce(emu, &device.client)));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["auth_token"].as_str().unwrap().to_string()
}

fn code(r: &Resp) -> (u16, u64) {
    (r.status, r.plex_code())
}

/// Checks a Plex JWT's signature against the emulator's published keys (by `kid`); answers
/// its header and claims.
fn verified(emu: &Emulator, token: &str) -> (Value, Value) {
    let keys = get(emu, "/api/v2/auth/keys", "verifier", None).json();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    let header: Value = serde_json::from_slice(&unb64(parts[0])).unwrap();
    let claims: Value = serde_json::from_slice(&unb64(parts[1])).unwrap();
    let jwk = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .unwrap_or_else(|| panic!("no published key has kid {}", header["kid"]));
    let x: [u8; 32] = unb64(jwk["x"].as_str().unwrap()).try_into().unwrap();
    let sig: [u8; 64] = unb64(parts[2]).try_into().unwrap();
    VerifyingKey::from_bytes(&x)
        .unwrap()
        .verify_strict(
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
            &Signature::from_bytes(&sig),
        )
        .expect("the Plex JWT is signed by the published key");
    (header, claims)
}

#[test]
fn keys_are_two_ed25519_jwks_and_a_rotation_changes_the_signer() {
    let emu = Emulator::start_default().unwrap();
    let r = get(&emu, "/api/v2/auth/keys", "c", None);
    assert_eq!(r.status, 200);
    let keys = r.json()["keys"].as_array().unwrap().clone();
    assert_eq!(keys.len(), 2);
    for k in &keys {
        assert_eq!((k["kty"].as_str(), k["crv"].as_str()), (Some("OKP"), Some("Ed25519")));
        assert_eq!((k["use"].as_str(), k["alg"].as_str()), (Some("sig"), Some("EdDSA")));
        assert_eq!(unb64(k["x"].as_str().unwrap()).len(), 32);
        assert!(!k["kid"].as_str().unwrap().is_empty());
    }
    assert_ne!(keys[0]["kid"], keys[1]["kid"]);

    let before = plex_jwt(&emu, &Device::new(1, "dev-1"));
    assert_eq!(verified(&emu, &before).0["kid"], keys[0]["kid"]);

    let r = request(&emu.url(), "POST", "/_emulator/jwt/rotate", &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["kid"], keys[1]["kid"]);
    let after = plex_jwt(&emu, &Device::new(2, "dev-2"));
    assert_eq!(verified(&emu, &after).0["kid"], keys[1]["kid"]);
    // The list is the same, and a token of the first key is still good.
    assert_eq!(get(&emu, "/api/v2/auth/keys", "c", None).json()["keys"], json!(keys));
    assert_eq!(get(&emu, "/api/v2/user", "dev-1", Some(&before)).status, 200);

    assert_eq!(Some(emu.rotate_jwt_key().as_str()), keys[0]["kid"].as_str());
    let again = plex_jwt(&emu, &Device::new(3, "dev-3"));
    assert_eq!(verified(&emu, &again).0["kid"], keys[0]["kid"]);
}

#[test]
fn nonces_need_no_token_and_are_limited_per_client_identifier() {
    let emu = Emulator::start_default().unwrap();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..30 {
        let n = nonce(&emu, "busy");
        let groups: Vec<usize> = n.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{n}");
        assert!(seen.insert(n));
    }
    let r = get(&emu, "/api/v2/auth/nonce", "busy", None);
    assert_eq!(code(&r), (429, 1003));
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(r.json()["errors"][0]["message"], "Too many requests");
    // The limit is per client identifier.
    nonce(&emu, "quiet");
    // And can be lifted at run time (0: none).
    emu.set_jwt_settings(JwtSettings {
        nonce_rate_limit_per_minute: Some(0),
        ..JwtSettings::default()
    });
    nonce(&emu, "busy");
}

#[test]
fn registering_a_key_answers_201_empty_and_a_taken_thumbprint_422() {
    let emu = Emulator::start_default().unwrap();
    let alice = emu.token_for("alice").unwrap();
    let device = Device::new(1, "phone");
    let r = register(&emu, &device, Some(&alice));
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(r.body.is_empty());
    assert_eq!(r.header("content-length"), Some("0"));
    // Again from the same device: fine.
    assert_eq!(register(&emu, &device, Some(&alice)).status, 201);
    let devices = emu.jwt_devices();
    assert_eq!(devices.len(), 1);
    assert_eq!(
        (
            devices[0].client_identifier.as_str(),
            devices[0].account.as_str(),
            devices[0].kid.as_str()
        ),
        ("phone", "alice", "kid-1")
    );

    // The same kid from another client identifier.
    let thief = Device {
        client: "tablet".to_string(),
        ..Device::new(1, "phone")
    };
    let r = register(&emu, &thief, Some(&alice));
    assert_eq!(code(&r), (422, 1098));
    assert_eq!(r.json()["errors"][0]["message"], "Thumbprint Already Taken");

    // Not an Ed25519 key, a short x, no key at all, not JSON.
    for body in [
        json!({"jwk": {"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "r"}}).to_string(),
        json!({"jwk": {"kty": "OKP", "crv": "Ed25519", "x": b64(&[1; 31]), "kid": "s"}}).to_string(),
        json!({"key": device.jwk()}).to_string(),
        "{not json".to_string(),
    ] {
        let r = request(
            &emu.url(),
            "POST",
            "/api/v2/auth/jwk",
            &json_headers("tablet", Some(&alice)),
            body.as_bytes(),
        );
        assert_eq!(code(&r), (422, 1090), "{body}");
    }
    // Without a valid token.
    assert_eq!(code(&register(&emu, &Device::new(2, "tv"), None)), (401, 1001));
    assert_eq!(code(&register(&emu, &Device::new(2, "tv"), Some("nope"))), (401, 1001));
    let devices = request(&emu.url(), "GET", "/_emulator/jwt/devices", &[], b"").json();
    assert_eq!(devices.as_array().unwrap().len(), 1);
}

#[test]
fn a_device_jwt_is_exchanged_for_a_plex_jwt_signed_by_the_emulator() {
    let emu = Emulator::start_default().unwrap();
    let device = Device::new(5, "laptop");
    assert_eq!(
        register(&emu, &device, Some(&emu.token_for("alice").unwrap())).status,
        201
    );
    let n = nonce(&emu, "laptop");
    let device_jwt = device.device_jwt(&n);
    let before = now();
    let r = exchange(&emu, "laptop", &device_jwt);
    let after = now();
    assert_eq!(r.status, 200, "{}", r.text());
    let token = r.json()["auth_token"].as_str().unwrap().to_string();

    let (header, claims) = verified(&emu, &token);
    assert_eq!(
        (header["alg"].as_str(), header["typ"].as_str()),
        (Some("EdDSA"), Some("JWT"))
    );
    assert_eq!(claims["iss"], "plex.tv");
    assert_eq!(claims["aud"], json!(["plex.tv", "laptop"]));
    assert_eq!(claims["nonce"].as_str(), Some(n.as_str()));
    assert_eq!(claims["thumbprint"], "kid-5");
    assert_eq!(claims["scope"], SCOPE);
    let (iat, exp) = (claims["iat"].as_u64().unwrap(), claims["exp"].as_u64().unwrap());
    assert_eq!(exp - iat, 7 * 86_400);
    // Rounded up to the second, so at most one ahead of the clock.
    assert!((before..=after + 1).contains(&iat), "iat {iat} is now");
    let user = &claims["user"];
    assert_eq!(user["username"], "alice");
    assert_eq!(user["email"], "alice@example.com");
    assert_eq!(user["friendlyName"], "Alice");
    assert_eq!(user["restricted"], false);
    assert_eq!(user["id"].as_u64(), Some(13_692_262));
    assert_eq!(user["uuid"], "5e8a3c71d2b94f06");

    // The Plex JWT is a plex.tv token like the legacy one.
    let me = get(&emu, "/api/v2/user", "laptop", Some(&token));
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["username"], "alice");
    assert_eq!(me.json()["authToken"].as_str(), Some(token.as_str()));
    let resources = get(&emu, "/api/v2/resources", "laptop", Some(&token));
    assert_eq!(resources.status, 200);
    assert!(!resources.json().as_array().unwrap().is_empty());
    assert_eq!(get(&emu, "/api/v2/home/users", "laptop", Some(&token)).status, 200);
    // In the query too.
    assert_eq!(
        get(&emu, &format!("/api/v2/ping?X-Plex-Token={token}"), "laptop", None).status,
        200
    );
    // A forged token: the claims changed under the emulator's signature.
    let parts: Vec<&str> = token.split('.').collect();
    let mut forged_claims = claims.clone();
    forged_claims["user"]["id"] = json!(40_960_512);
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64(forged_claims.to_string().as_bytes()),
        parts[2]
    );
    assert_eq!(code(&get(&emu, "/api/v2/user", "laptop", Some(&forged))), (401, 1001));

    // A nonce serves once.
    assert_eq!(code(&exchange(&emu, "laptop", &device_jwt)), (422, 1092));
}

#[test]
fn a_bad_device_jwt_is_refused_with_422() {
    let emu = Emulator::start_default().unwrap();
    let device = Device::new(6, "desk");
    assert_eq!(
        register(&emu, &device, Some(&emu.token_for("alice").unwrap())).status,
        201
    );
    // Signed by another key under the registered kid.
    let impostor = Device {
        key: SigningKey::from_bytes(&[66; 32]),
        ..Device::new(6, "desk")
    };
    let r = exchange(&emu, "desk", &impostor.device_jwt(&nonce(&emu, "desk")));
    assert_eq!(code(&r), (422, 1091));
    assert_eq!(r.json()["errors"][0]["message"], "Invalid signature");
    // The signature of another claims part.
    let good = device.device_jwt(&nonce(&emu, "desk"));
    let other = device.device_jwt(&nonce(&emu, "desk"));
    let (g, o): (Vec<&str>, Vec<&str>) = (good.split('.').collect(), other.split('.').collect());
    let spliced = format!("{}.{}.{}", g[0], g[1], o[2]);
    assert_eq!(code(&exchange(&emu, "desk", &spliced)), (422, 1091));
    // An unknown key.
    let stranger = Device::new(7, "desk");
    let r = exchange(&emu, "desk", &stranger.device_jwt(&nonce(&emu, "desk")));
    assert_eq!(code(&r), (422, 1090));
    // `iss` is not the key's client identifier.
    let mut claims = device.claims(&nonce(&emu, "desk"));
    claims["iss"] = json!("someone-else");
    assert_eq!(code(&exchange(&emu, "desk", &device.sign(&claims))), (422, 1090));
    // A nonce the emulator never issued.
    assert_eq!(
        code(&exchange(
            &emu,
            "desk",
            &device.device_jwt("00000000-0000-4000-8000-000000000000")
        )),
        (422, 1092)
    );
    // Another audience; an `exp` gone by.
    let mut claims = device.claims(&nonce(&emu, "desk"));
    claims["aud"] = json!("example.com");
    assert_eq!(code(&exchange(&emu, "desk", &device.sign(&claims))), (422, 1093));
    let mut claims = device.claims(&nonce(&emu, "desk"));
    claims["exp"] = json!(now() - 10);
    assert_eq!(code(&exchange(&emu, "desk", &device.sign(&claims))), (422, 1093));
    // Not a JWT at all.
    for jwt in ["", "a.b", "a.b.c", "e30.e30.%%%", "x.y.z.w"] {
        assert_eq!(code(&exchange(&emu, "desk", jwt)), (422, 1093), "{jwt:?}");
    }
    // After all that, the right one still works.
    assert_eq!(exchange(&emu, "desk", &good).status, 200);
}

#[test]
fn an_expired_plex_jwt_answers_498_and_a_fresh_one_works() {
    let emu = Emulator::start_default().unwrap();
    let r = request(
        &emu.url(),
        "POST",
        "/_emulator/jwt/settings",
        &[],
        br#"{"jwt_lifetime_secs":1}"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["jwt_lifetime_secs"], 1);
    assert_eq!(r.json()["nonce_lifetime_secs"], 300);
    let device = Device::new(8, "kiosk");
    let short = plex_jwt(&emu, &device);
    let exp = verified(&emu, &short).1["exp"].as_u64().unwrap();
    // Wait until the clock is past `exp`, whatever the fraction of a second it was issued in.
    while now() <= exp {
        std::thread::sleep(Duration::from_millis(100));
    }
    let r = get(&emu, "/api/v2/user", "kiosk", Some(&short));
    assert_eq!(code(&r), (498, 1099));
    assert_eq!(r.json()["errors"][0]["message"], "Token expired");

    // Refresh: a new nonce, a new device JWT, a new Plex JWT (now with a long life again).
    emu.set_jwt_settings(JwtSettings {
        jwt_lifetime_secs: Some(3600),
        ..JwtSettings::default()
    });
    let r = exchange(&emu, "kiosk", &device.device_jwt(&nonce(&emu, "kiosk")));
    assert_eq!(r.status, 200);
    let fresh = r.json()["auth_token"].as_str().unwrap().to_string();
    assert_eq!(get(&emu, "/api/v2/user", "kiosk", Some(&fresh)).status, 200);
    assert_eq!(emu.jwt_settings().jwt_lifetime_secs, Some(3600));
}

#[test]
fn a_nonce_expires_after_its_lifetime() {
    let emu = Emulator::start_default().unwrap();
    emu.set_jwt_settings(JwtSettings {
        nonce_lifetime_secs: Some(1),
        ..JwtSettings::default()
    });
    let device = Device::new(9, "slow");
    assert_eq!(
        register(&emu, &device, Some(&emu.token_for("alice").unwrap())).status,
        201
    );
    let stale = device.device_jwt(&nonce(&emu, "slow"));
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(code(&exchange(&emu, "slow", &stale)), (422, 1092));
}

#[test]
fn a_removed_device_gets_jwk_missing() {
    let emu = Emulator::start_default().unwrap();
    let device = Device::new(10, "old-phone");
    let token = plex_jwt(&emu, &device);
    assert_eq!(get(&emu, "/api/v2/user", "old-phone", Some(&token)).status, 200);

    emu.remove_jwt_device("old-phone").unwrap();
    assert!(emu.jwt_devices().is_empty());
    let r = get(&emu, "/api/v2/user", "old-phone", Some(&token));
    assert_eq!(code(&r), (401, 1097));
    assert_eq!(r.json()["errors"][0]["message"], "jwk missing");
    let r = exchange(&emu, "old-phone", &device.device_jwt(&nonce(&emu, "old-phone")));
    assert_eq!(code(&r), (422, 1097));
    // A new key for the same identifier is unknown too: recovery takes a new identifier.
    let new_key = Device::new(11, "old-phone");
    let r = exchange(&emu, "old-phone", &new_key.device_jwt(&nonce(&emu, "old-phone")));
    assert_eq!(code(&r), (422, 1097));

    let again = request(&emu.url(), "POST", "/_emulator/jwt/devices/old-phone/remove", &[], b"");
    assert_eq!(again.status, 404);
    assert_eq!(
        emu.remove_jwt_device("old-phone"),
        Err(EmuError::UnknownDevice("old-phone".to_string()))
    );
    // Over HTTP, with an identifier that must be escaped in the path.
    let other = Device::new(12, "new phone/2");
    let token = plex_jwt(&emu, &other);
    let r = request(
        &emu.url(),
        "POST",
        "/_emulator/jwt/devices/new%20phone%2F2/remove",
        &[],
        b"",
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        code(&get(&emu, "/api/v2/ping", "new phone/2", Some(&token))),
        (401, 1097)
    );
}

#[test]
fn a_plex_jwt_ends_the_legacy_token_of_its_client_identifier_only() {
    let emu = Emulator::start_default().unwrap();
    let alice = emu.token_for("alice").unwrap();
    assert_eq!(get(&emu, "/api/v2/user", "jwt-app", Some(&alice)).status, 200);
    // Registering alone changes nothing.
    assert_eq!(register(&emu, &Device::new(13, "jwt-app"), Some(&alice)).status, 201);
    assert_eq!(get(&emu, "/api/v2/user", "jwt-app", Some(&alice)).status, 200);
    let jwt = plex_jwt(&emu, &Device::new(13, "jwt-app"));

    assert_eq!(code(&get(&emu, "/api/v2/user", "jwt-app", Some(&alice))), (401, 1001));
    assert_eq!(get(&emu, "/api/v2/user", "jwt-app", Some(&jwt)).status, 200);
    assert_eq!(get(&emu, "/api/v2/user", "legacy-app", Some(&alice)).status, 200);
    assert_eq!(get(&emu, "/api/v2/resources", "legacy-app", Some(&alice)).status, 200);

    // A password sign-in from that identifier fails; from another one it works.
    let sign_in = |client: &str| {
        let mut h = plex_headers(client, None);
        h.push(FORM);
        request(
            &emu.url(),
            "POST",
            "/api/v2/users/signin",
            &h,
            &form(&[("login", "alice"), ("password", "alice-password")]),
        )
    };
    assert_eq!(code(&sign_in("jwt-app")), (401, 1001));
    let r = sign_in("legacy-app");
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["authToken"].as_str(), Some(alice.as_str()));

    // So does a legacy PIN login.
    let legacy_pin = |client: &str| {
        let pin = request(&emu.url(), "POST", "/api/v2/pins", &plex_headers(client, None), b"").json();
        let id = pin["id"].as_u64().unwrap();
        emu.approve_pin(id, "alice").unwrap();
        get(&emu, &format!("/api/v2/pins/{id}"), client, None)
    };
    assert_eq!(code(&legacy_pin("jwt-app")), (401, 1001));
    let r = legacy_pin("legacy-app");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["authToken"].as_str(), Some(alice.as_str()));

    // Other accounts from that identifier keep theirs.
    let carol = emu.token_for("carol").unwrap();
    assert_eq!(get(&emu, "/api/v2/user", "jwt-app", Some(&carol)).status, 200);
}

#[test]
fn the_jwt_pin_flow_hands_out_a_plex_jwt() {
    let emu = Emulator::start_default().unwrap();
    let device = Device::new(14, "tv-app");
    let body = json!({"jwk": device.jwk(), "strong": true}).to_string();
    let r = request(
        &emu.url(),
        "POST",
        "/api/v2/pins",
        &json_headers("tv-app", None),
        body.as_bytes(),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let pin = r.json();
    let id = pin["id"].as_u64().unwrap();
    assert!(pin["code"].as_str().unwrap().len() > 4, "strong");
    assert!(emu.pins()[0].jwk);

    let poll = |device_jwt: Option<&str>| {
        let path = match device_jwt {
            Some(j) => format!("/api/v2/pins/{id}?deviceJWT={j}"),
            None => format!("/api/v2/pins/{id}"),
        };
        get(&emu, &path, "tv-app", None)
    };
    let device_jwt = device.device_jwt(&nonce(&emu, "tv-app"));
    for r in [poll(None), poll(Some(&device_jwt)), poll(Some(&device_jwt))] {
        assert_eq!(r.status, 200);
        assert!(r.json()["authToken"].is_null());
    }
    // Signed by another key, another iss, a nonce never issued: refused while pending too.
    let other = Device {
        key: SigningKey::from_bytes(&[99; 32]),
        ..Device::new(14, "tv-app")
    };
    let mut wrong_iss = device.claims(&nonce(&emu, "tv-app"));
    wrong_iss["iss"] = json!("another-app");
    for bad in [
        other.device_jwt(&nonce(&emu, "tv-app")),
        device.sign(&wrong_iss),
        device.device_jwt("00000000-0000-4000-8000-000000000000"),
        "garbage".to_string(),
    ] {
        let r = poll(Some(&bad));
        assert_eq!(code(&r), (422, 1096), "{bad}");
    }

    emu.approve_pin(id, "alice").unwrap();
    // Without a device JWT the token stays hidden.
    assert!(poll(None).json()["authToken"].is_null());
    let r = poll(Some(&device_jwt));
    assert_eq!(r.status, 200);
    let token = r.json()["authToken"].as_str().unwrap().to_string();
    let (_, claims) = verified(&emu, &token);
    assert_eq!(claims["thumbprint"], "kid-14");
    assert_eq!(claims["aud"], json!(["plex.tv", "tv-app"]));
    assert_eq!(claims["user"]["username"], "alice");
    // Later polls get the same token; the key is registered; the legacy token is over here.
    assert_eq!(
        poll(Some(&device_jwt)).json()["authToken"].as_str(),
        Some(token.as_str())
    );
    assert_eq!(emu.jwt_devices()[0].client_identifier, "tv-app");
    assert_eq!(get(&emu, "/api/v2/user", "tv-app", Some(&token)).status, 200);
    let alice = emu.token_for("alice").unwrap();
    assert_eq!(code(&get(&emu, "/api/v2/user", "tv-app", Some(&alice))), (401, 1001));
    // The key now exchanges device JWTs too.
    let r = exchange(&emu, "tv-app", &device.device_jwt(&nonce(&emu, "tv-app")));
    assert_eq!(r.status, 200);

    // A short code for the JWT variant when `strong` is left out.
    let short = Device::new(15, "watch");
    let body = json!({ "jwk": short.jwk() }).to_string();
    let r = request(
        &emu.url(),
        "POST",
        "/api/v2/pins",
        &json_headers("watch", None),
        body.as_bytes(),
    );
    assert_eq!(r.json()["code"].as_str().unwrap().len(), 4);
}

#[test]
fn plex_media_servers_refuse_a_plex_jwt() {
    let emu = Emulator::start_default().unwrap();
    let token = plex_jwt(&emu, &Device::new(16, "player"));
    let local = emu.server_uri("Living Room", "local").unwrap();
    let json = ("Accept", "application/json");
    let with = |t: &str| {
        request(
            &local,
            "GET",
            "/",
            &[json, ("X-Plex-Token", t), ("X-Plex-Client-Identifier", "player")],
            b"",
        )
        .status
    };
    assert_eq!(with(&token), 401);
    let r = request(
        &local,
        "GET",
        "/security/token?type=delegation&scope=all",
        &[json, ("X-Plex-Token", &token)],
        b"",
    );
    assert_eq!(r.status, 401);
    // The server's access token from resources (read with the JWT) still works.
    let resources = get(&emu, "/api/v2/resources", "player", Some(&token)).json();
    let living_room = resources
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "Living Room")
        .unwrap()
        .clone();
    assert_eq!(with(living_room["accessToken"].as_str().unwrap()), 200);
}

#[test]
fn the_request_log_tells_jwt_from_legacy_tokens() {
    let emu = Emulator::start_default().unwrap();
    let token = plex_jwt(&emu, &Device::new(17, "logged"));
    emu.reset_counters();
    let alice = emu.token_for("alice").unwrap();
    get(&emu, "/api/v2/user", "logged", Some(&token));
    get(&emu, "/api/v2/user", "other", Some(&alice));
    get(&emu, &format!("/api/v2/ping?X-Plex-Token={token}"), "logged", None);
    get(&emu, "/api/v2/auth/nonce", "logged", None);
    let kinds: Vec<Option<&str>> = emu.requests().iter().map(|r| r.token_kind).collect();
    // alice's legacy token starts like a JWT header; it is still a legacy token.
    assert_eq!(kinds, [Some("jwt"), Some("legacy"), Some("jwt"), None]);
    let json = request(&emu.url(), "GET", "/_emulator/requests", &[], b"").json();
    let kinds: Vec<Value> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["token_kind"].clone())
        .collect();
    assert_eq!(kinds[..4], [json!("jwt"), json!("legacy"), json!("jwt"), Value::Null]);
    assert!(!json.to_string().contains(&token), "the log never holds a token");
}

#[test]
fn jwt_settings_over_http_take_any_subset() {
    let emu = Emulator::start_default().unwrap();
    let current = request(&emu.url(), "GET", "/_emulator/jwt/settings", &[], b"").json();
    assert_eq!(
        current,
        json!({"jwt_lifetime_secs": 604_800, "nonce_lifetime_secs": 300, "nonce_rate_limit_per_minute": 30})
    );
    let r = request(
        &emu.url(),
        "POST",
        "/_emulator/jwt/settings",
        &[],
        br#"{"nonce_lifetime_secs":2,"nonce_rate_limit_per_minute":1}"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        emu.jwt_settings(),
        JwtSettings {
            jwt_lifetime_secs: Some(604_800),
            nonce_lifetime_secs: Some(2),
            nonce_rate_limit_per_minute: Some(1),
        }
    );
    nonce(&emu, "one");
    assert_eq!(get(&emu, "/api/v2/auth/nonce", "one", None).status, 429);
    for bad in [
        &br#"{"jwt_lifetime":1}"#[..],
        br#"{"jwt_lifetime_secs":-1}"#,
        br#"{"nonce_rate_limit_per_minute":99999999999}"#,
        b"nope",
    ] {
        let r = request(&emu.url(), "POST", "/_emulator/jwt/settings", &[], bad);
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(bad));
    }
    // Huge lifetimes are accepted and never overflow.
    let r = request(
        &emu.url(),
        "POST",
        "/_emulator/jwt/settings",
        &[],
        br#"{"jwt_lifetime_secs":18446744073709551615,"nonce_lifetime_secs":18446744073709551615,"nonce_rate_limit_per_minute":0}"#,
    );
    assert_eq!(r.status, 200);
    let device = Device::new(18, "forever");
    let token = plex_jwt(&emu, &device);
    assert_eq!(get(&emu, "/api/v2/user", "forever", Some(&token)).status, 200);
    assert_eq!(Scenario::default().jwt_lifetime_secs, 604_800, "the scenario's default");
}

#[test]
fn hostile_jwt_requests_get_answers_not_panics() {
    let emu = Emulator::start_default().unwrap();
    let alice = emu.token_for("alice").unwrap();
    // Large, yet within what hyper reads in a header.
    let huge = "A".repeat(20_000);
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"\xff\xfe".to_vec(),
        b"[]".to_vec(),
        br#"{"jwt":123}"#.to_vec(),
        br#"{"jwt":null}"#.to_vec(),
        format!(r#"{{"jwt":"{huge}.{huge}.{huge}"}}"#).into_bytes(),
        br#"{"jwk":{"kty":"OKP","crv":"Ed25519","x":"!!!!","kid":"k"}}"#.to_vec(),
        format!(r#"{{"jwk":{{"kty":"OKP","crv":"Ed25519","x":"{huge}","kid":"k"}}}}"#).into_bytes(),
        "[".repeat(10_000).into_bytes(),
    ];
    for path in ["/api/v2/auth/token", "/api/v2/auth/jwk", "/api/v2/pins"] {
        for body in &bodies {
            let r = request(&emu.url(), "POST", path, &json_headers("h", Some(&alice)), body);
            assert!(
                (400..500).contains(&r.status) || (path == "/api/v2/pins" && r.status == 201),
                "{path}: {}",
                r.status
            );
        }
    }
    let tokens = [
        "a.b.c".to_string(),
        "e30.e30.e30".to_string(),
        format!(
            "{}.{}.",
            b64(br#"{"alg":"EdDSA"}"#),
            b64(br#"{"exp":1e308,"user":{"id":-1}}"#)
        ),
        format!("{huge}.{huge}.{huge}"),
        "..".to_string(),
    ];
    for t in &tokens {
        let r = get(&emu, "/api/v2/user", "h", Some(t));
        assert_eq!(r.status, 401, "{t:.40}");
        let r = get(&emu, &format!("/api/v2/pins/1?deviceJWT={t}"), "h", None);
        assert_eq!(r.status, 404);
    }
    // Still serving.
    nonce(&emu, "h");
}
