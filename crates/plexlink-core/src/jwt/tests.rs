//! Verification and refresh, on scripted answers and a simulated clock.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::*;
use crate::{ClientInfo, Error, HttpResponse, Token};

const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const CLIENT: &str = "my-app";

/// plex.tv's signing key, in these tests: any Ed25519 key signs like one.
fn plex_key() -> DeviceKey {
    DeviceKey::from_seed([200; 32])
}

fn device() -> DeviceKey {
    DeviceKey::from_seed([1; 32])
}

fn keys_json(signers: &[&DeviceKey]) -> String {
    let keys: Vec<Value> = signers.iter().map(|k| k.public_jwk()).collect();
    json!({ "keys": keys }).to_string()
}

fn answer(status: u16, body: &str) -> HttpResponse {
    http::Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn published(signers: &[&DeviceKey]) -> PlexKeys {
    parse_keys(&answer(200, &keys_json(signers))).unwrap()
}

fn claims(iat: i64, exp: i64) -> Value {
    json!({
        "iss": "plex.tv",
        "aud": ["plex.tv", CLIENT],
        "iat": iat,
        "exp": exp,
        "thumbprint": device().kid(),
        "nonce": "n-1",
        "user": {"id": 7, "uuid": "u-7", "username": "alice", "email": "alice@example.com", "friendlyName": "Alice"},
    })
}

fn plex_jwt(signer: &DeviceKey, claims: &Value) -> Token {
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": signer.kid()});
    Token::new(signer.sign_compact(&header, claims))
}

fn expected() -> Expected<'static> {
    Expected {
        client_identifier: CLIENT,
        thumbprint: Some(Box::leak(device().kid().to_owned().into_boxed_str())),
    }
}

fn refused(token: &Token, keys: &PlexKeys) -> String {
    match verify(token, keys, &expected(), NOW) {
        Err(Error::InvalidJwt { reason }) => {
            if token.secret().len() > 3 {
                assert!(!reason.contains(token.secret()));
            }
            reason
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_good_plex_jwt_verifies_and_its_claims_read() {
    let token = plex_jwt(&plex_key(), &claims(NOW - 10, NOW + 7 * 86_400));
    let claims = verify(&token, &published(&[&plex_key()]), &expected(), NOW).unwrap();
    assert_eq!(claims.user.username, "alice");
    assert_eq!(claims.user.id, Some(7));
    assert_eq!(claims.user.friendly_name, "Alice");
    assert_eq!(claims.expires_at, NOW + 7 * 86_400);
    assert_eq!(claims.seconds_left(NOW), 7 * 86_400);
    assert!(!needs_refresh(&claims, NOW));
    assert!(needs_refresh(&claims, NOW + 6 * 86_400 + 1));
}

#[test]
fn tampered_expired_foreign_and_future_tokens_are_refused() {
    let keys = published(&[&plex_key()]);
    let good = plex_jwt(&plex_key(), &claims(NOW, NOW + 3600));
    // Tampered: the claims changed after signing.
    let parts: Vec<&str> = good.secret().split('.').collect();
    let mut other = claims(NOW, NOW + 3600);
    other["user"]["username"] = "mallory".into();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64::encode(other.to_string().as_bytes()),
        parts[2]
    );
    assert!(refused(&Token::new(forged), &keys).contains("signature"));
    // Signed by a key plex.tv does not publish.
    assert!(
        refused(
            &plex_jwt(&DeviceKey::from_seed([3; 32]), &claims(NOW, NOW + 3600)),
            &keys
        )
        .contains("signature")
    );
    assert_eq!(
        refused(&plex_jwt(&plex_key(), &claims(NOW - 7200, NOW)), &keys),
        "expired"
    );
    assert_eq!(
        refused(&plex_jwt(&plex_key(), &claims(NOW + 61, NOW + 3600)), &keys),
        "issued in the future"
    );
    // Within the leeway is fine.
    verify(
        &plex_jwt(&plex_key(), &claims(NOW + 60, NOW + 3600)),
        &keys,
        &expected(),
        NOW,
    )
    .unwrap();
    let mut wrong_aud = claims(NOW, NOW + 3600);
    wrong_aud["aud"] = json!(["plex.tv", "another-app"]);
    assert!(refused(&plex_jwt(&plex_key(), &wrong_aud), &keys).contains("client identifier"));
    wrong_aud["aud"] = json!(CLIENT);
    assert!(refused(&plex_jwt(&plex_key(), &wrong_aud), &keys).contains("plex.tv"));
    let mut wrong_thumbprint = claims(NOW, NOW + 3600);
    wrong_thumbprint["thumbprint"] = "someone-else".into();
    assert!(refused(&plex_jwt(&plex_key(), &wrong_thumbprint), &keys).contains("thumbprint"));
    let mut wrong_issuer = claims(NOW, NOW + 3600);
    wrong_issuer["iss"] = "example.com".into();
    assert!(refused(&plex_jwt(&plex_key(), &wrong_issuer), &keys).contains("issuer"));
}

#[test]
fn alg_none_and_malformed_tokens_are_refused_without_panics() {
    let keys = published(&[&plex_key()]);
    let none_header = b64::encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = b64::encode(claims(NOW, NOW + 60).to_string().as_bytes());
    assert!(refused(&Token::new(format!("{none_header}.{body}.")), &keys).contains("algorithm"));
    // An EdDSA header over an RSA-sized signature, or the other way round, matches nothing.
    let rs_header = b64::encode(br#"{"alg":"RS256"}"#);
    let sig = b64::encode(&[0; 64]);
    assert!(refused(&Token::new(format!("{rs_header}.{body}.{sig}")), &keys).contains("signature"));
    for junk in [
        "",
        ".",
        "..",
        "a.b.c",
        "a.b.c.d",
        "====.====.====",
        &"x".repeat(20_000),
        "é.é.é",
    ] {
        refused(&Token::new(junk), &keys);
    }
}

#[test]
fn the_key_named_by_kid_is_used_else_every_key_is_tried() {
    let first = plex_key();
    let second = DeviceKey::from_seed([201; 32]);
    let keys = published(&[&first, &second]);
    assert_eq!(keys.len(), 2);
    verify(&plex_jwt(&second, &claims(NOW, NOW + 60)), &keys, &expected(), NOW).unwrap();
    // No kid, or a kid nobody has: each key in turn.
    let no_kid = Token::new(second.sign_compact(&json!({"alg":"EdDSA"}), &claims(NOW, NOW + 60)));
    verify(&no_kid, &keys, &expected(), NOW).unwrap();
    let odd_kid = Token::new(second.sign_compact(&json!({"alg":"EdDSA","kid":"gone"}), &claims(NOW, NOW + 60)));
    verify(&odd_kid, &keys, &expected(), NOW).unwrap();
    // A kid that names the wrong key: that key alone is tried.
    let lying = Token::new(second.sign_compact(&json!({"alg":"EdDSA","kid":first.kid()}), &claims(NOW, NOW + 60)));
    assert!(refused(&lying, &keys).contains("signature"));
}

/// A 2048-bit RSA key and an RS256 JWT it signed, made once with Python's `cryptography`.
const RSA_N: &str = "yaUGRUdjlKIjsJAHIeJrv7EMpllm6GEjWWh4ya1syKnw-ubVptUDrzBN_fr9KAnudoNhuJI81K2XFDYAIQ64RYmQDtsE8G2Gg-7u454M9Cl0mIGyX7kTO5QQd1uB12fzAhuuRLzzTmmErs7fe--zQdIhIjBU5JXdr6zzVpMmaefRr4QKaG9F3baiSYeZzTKQCRvxNG7jRDA0gX6xJZcI9Yx1JtI-w8dOKeqynYun0dg7LSpsiDooC7quDp0hXEzoTGNOQ3QFRMnvTqyyevcNsG2pqhn3TzAgDEpq_F5lTeosPW3GnY6EW_Ulv8939iVqKwW-t8Cs87CGRNHmLZGWKw";
const RSA_JWT: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYS10ZXN0In0.eyJpc3MiOiJwbGV4LnR2IiwiYXVkIjpbInBsZXgudHYiLCJteS1hcHAiXSwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDA2MDQ4MDAsInRodW1icHJpbnQiOiJkZXZpY2Uta2lkIiwidXNlciI6eyJpZCI6NywidXVpZCI6InUtNyIsInVzZXJuYW1lIjoiYWxpY2UifX0.Hop1UEeidUrTkic8FFjHBkvXcPkLlj8V1jGO3VQrwQFGQhZcH06W-A6nke6TawLy79E9qHpRMXXKdHG0AX2_2TKSudQc4ssitYrBb_fnFKlEoSb4rxd3wuDzY7_934x4JixvprpEwpkjuBb_7dCtbWRos7lS0pFf8J0ttQsl6z7jO33zNqqTPmYLWRwZtvC502rM-urtbBADO9z5YRoxn5U7ZjXOl0Xlau0aKWseuKt81amrcwmZixTTaSYeJsxCUC8fqTWawSLELOvwoWdASSWGfRd1-JgRSCisxFnoSbFtF4Te9XaHnp6Gb3Ax2pPLDK2EFrDdiT-JVEqyc5K44A";

#[test]
fn rs256_keys_verify() {
    let set = json!({"keys": [
        {"kty": "RSA", "alg": "RS256", "kid": "rsa-test", "n": RSA_N, "e": "AQAB"},
        {"kty": "EC", "crv": "P-256", "x": "skipped", "y": "skipped"},
    ]});
    let keys = parse_keys(&answer(200, &set.to_string())).unwrap();
    assert_eq!(keys.len(), 1, "the EC key is skipped, not an error");
    let expected = Expected {
        client_identifier: CLIENT,
        thumbprint: Some("device-kid"),
    };
    let claims = verify(&Token::new(RSA_JWT), &keys, &expected, 1_700_000_100).unwrap();
    assert_eq!(claims.user.username, "alice");
    // One bit of the signature changed.
    let mut bad = RSA_JWT.to_owned();
    let last = bad.pop().unwrap();
    bad.push(if last == 'A' { 'Q' } else { 'A' });
    assert!(matches!(
        verify(&Token::new(bad), &keys, &expected, 1_700_000_100),
        Err(Error::InvalidJwt { .. })
    ));
}

#[test]
fn a_long_key_list_is_cut_so_one_check_stays_cheap() {
    let signers: Vec<DeviceKey> = (0..40u8).map(|i| DeviceKey::from_seed([i; 32])).collect();
    let keys = published(&signers.iter().collect::<Vec<_>>());
    assert_eq!(keys.len(), 16);
    // The first keys are kept: a JWT of the 40th key is refused, one of the first verifies.
    assert!(refused(&plex_jwt(&signers[39], &claims(NOW, NOW + 60)), &keys).contains("signature"));
    verify(&plex_jwt(&signers[0], &claims(NOW, NOW + 60)), &keys, &expected(), NOW).unwrap();
}

#[test]
fn keys_answers_with_nothing_usable_are_errors() {
    for body in [
        r#"{"keys":[]}"#,
        r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"short"}]}"#,
        "[1,2]",
        "{}",
        "not json",
    ] {
        assert!(parse_keys(&answer(200, body)).is_err(), "{body}");
    }
    assert!(matches!(parse_keys(&answer(429, "")), Err(Error::RateLimited { .. })));
}

#[test]
fn the_calls_go_to_clients_plex_tv_and_follow_the_emulator() {
    let mut info = ClientInfo::new("My Player", CLIENT);
    assert_eq!(
        nonce_request(&info).unwrap().uri(),
        "https://clients.plex.tv/api/v2/auth/nonce"
    );
    let register = register_request(&info, &Token::new("legacy"), &device()).unwrap();
    assert_eq!(register.uri(), "https://clients.plex.tv/api/v2/auth/jwk");
    assert_eq!(register.headers()["x-plex-token"], "legacy");
    let body: Value = serde_json::from_slice(register.body()).unwrap();
    assert_eq!(body["jwk"]["kid"], device().kid());
    assert!(body["jwk"].get("d").is_none(), "never the private key");
    info.set_plex_url("http://127.0.0.1:9/").unwrap();
    assert_eq!(
        keys_request(&info).unwrap().uri(),
        "http://127.0.0.1:9/api/v2/auth/keys"
    );
    let exchange = exchange_request(&info, &Token::new("device.jwt.sig")).unwrap();
    assert_eq!(exchange.uri(), "http://127.0.0.1:9/api/v2/auth/token");
    assert!(exchange.headers().get("x-plex-token").is_none());
    // 201 with an empty body is Plex's usual answer to a registration.
    parse_register(&answer(201, "")).unwrap();
    let taken = parse_register(&answer(
        422,
        r#"{"errors":[{"code":1098,"message":"Thumbprint Already Taken"}]}"#,
    ));
    assert!(taken.unwrap_err().to_string().contains("Thumbprint Already Taken"));
}

#[test]
fn error_1097_is_a_removed_device_and_498_asks_for_a_refresh() {
    let removed = Error::from_response(&answer(422, r#"{"errors":[{"code":1097,"message":"jwk missing"}]}"#));
    assert!(matches!(removed, Error::DeviceRemoved { status: 422, .. }));
    assert_eq!(recovery_for(&removed), Recovery::NewIdentity);
    let expired = Error::from_response(&answer(498, ""));
    assert_eq!(recovery_for(&expired), Recovery::RefreshThenRetry);
    assert_eq!(recovery_for(&Error::Http { status: 401 }), Recovery::GiveUp);
}

#[test]
fn wall_clock_follows_the_callers_instants() {
    let at = Instant::now();
    let clock = WallClock::new(at + Duration::from_secs(10), NOW);
    assert_eq!(clock.unix_at(at + Duration::from_secs(70)), NOW + 60);
    assert_eq!(clock.unix_at(at), NOW - 10);
}

// --- the refresh machine ---

struct Run {
    refresh: JwtRefresh,
    now: Instant,
    sent: Vec<String>,
}

impl Run {
    fn new(keys: Option<PlexKeys>) -> Self {
        let now = Instant::now();
        let info = ClientInfo::new("My Player", CLIENT);
        let refresh = JwtRefresh::new(info, device(), keys, WallClock::new(now, NOW), RefreshConfig::default());
        Self {
            refresh,
            now,
            sent: Vec::new(),
        }
    }

    /// Sends the due request (moving the clock to it when one is scheduled) and answers it.
    fn answer(&mut self, response: HttpResponse) {
        if let Some(at) = self.refresh.poll_timeout() {
            self.now = self.now.max(at);
        }
        let request = self.refresh.poll_transmit(self.now).expect("a request is due");
        self.sent.push(request.uri().path().to_owned());
        self.refresh.handle_response(self.now, response);
    }

    fn exchange_answer(&self, signer: &DeviceKey) -> HttpResponse {
        let token = plex_jwt(signer, &claims(NOW, NOW + 7 * 86_400));
        answer(200, &json!({ "auth_token": token.secret() }).to_string())
    }
}

#[test]
fn a_refresh_fetches_a_nonce_exchanges_and_verifies() {
    let mut run = Run::new(None);
    run.answer(answer(200, r#"{"nonce":"n-1"}"#));
    let exchange = run.exchange_answer(&plex_key());
    run.answer(exchange);
    run.answer(answer(200, &keys_json(&[&plex_key()])));
    assert_eq!(
        run.sent,
        ["/api/v2/auth/nonce", "/api/v2/auth/token", "/api/v2/auth/keys"]
    );
    match run.refresh.poll_event() {
        Some(RefreshEvent::Refreshed(jwt)) => assert_eq!(jwt.claims.user.username, "alice"),
        other => panic!("{other:?}"),
    }
    assert!(run.refresh.is_finished());
    assert!(run.refresh.keys().is_some_and(|k| k.has_kid(plex_key().kid())));
    assert!(run.refresh.poll_transmit(run.now).is_none());
}

#[test]
fn kept_keys_are_used_and_fetched_again_after_a_rotation() {
    // Known keys: no fetch.
    let mut run = Run::new(Some(published(&[&plex_key()])));
    run.answer(answer(200, r#"{"nonce":"n-1"}"#));
    let exchange = run.exchange_answer(&plex_key());
    run.answer(exchange);
    assert_eq!(run.sent.len(), 2);
    assert!(matches!(run.refresh.poll_event(), Some(RefreshEvent::Refreshed(_))));
    // plex.tv now signs with a key the kept set does not have: fetched once, then verified.
    let rotated = DeviceKey::from_seed([202; 32]);
    let mut run = Run::new(Some(published(&[&plex_key()])));
    run.answer(answer(200, r#"{"nonce":"n-1"}"#));
    let exchange = run.exchange_answer(&rotated);
    run.answer(exchange);
    run.answer(answer(200, &keys_json(&[&plex_key(), &rotated])));
    assert!(matches!(run.refresh.poll_event(), Some(RefreshEvent::Refreshed(_))));
    // A JWT no published key verifies fails after one fetch, not in a loop.
    let mut run = Run::new(None);
    run.answer(answer(200, r#"{"nonce":"n-1"}"#));
    let exchange = run.exchange_answer(&DeviceKey::from_seed([9; 32]));
    run.answer(exchange);
    run.answer(answer(200, &keys_json(&[&plex_key()])));
    assert!(matches!(
        run.refresh.poll_event(),
        Some(RefreshEvent::Failed(Error::InvalidJwt { .. }))
    ));
    assert!(run.refresh.poll_transmit(run.now).is_none());
}

#[test]
fn a_rate_limited_nonce_waits_and_a_removed_device_stops() {
    let mut run = Run::new(Some(published(&[&plex_key()])));
    let start = run.now;
    let limited = http::Response::builder()
        .status(429)
        .header("retry-after", "7")
        .body(Vec::new())
        .unwrap();
    run.answer(limited);
    assert_eq!(run.refresh.poll_timeout(), Some(start + Duration::from_secs(7)));
    assert!(run.refresh.poll_transmit(start + Duration::from_secs(6)).is_none());
    run.answer(answer(200, r#"{"nonce":"n-2"}"#));
    run.answer(answer(422, r#"{"errors":[{"code":1097,"message":"jwk missing"}]}"#));
    assert!(matches!(
        run.refresh.poll_event(),
        Some(RefreshEvent::Failed(Error::DeviceRemoved { .. }))
    ));
    assert_eq!(
        run.sent,
        ["/api/v2/auth/nonce", "/api/v2/auth/nonce", "/api/v2/auth/token"]
    );
}

#[test]
fn a_failed_exchange_is_retried_from_a_new_nonce_and_attempts_are_bounded() {
    let mut run = Run::new(Some(published(&[&plex_key()])));
    run.answer(answer(200, r#"{"nonce":"n-1"}"#));
    run.answer(answer(503, ""));
    // The spent nonce is not reused.
    run.answer(answer(200, r#"{"nonce":"n-2"}"#));
    assert_eq!(
        run.sent,
        ["/api/v2/auth/nonce", "/api/v2/auth/token", "/api/v2/auth/nonce"]
    );
    for _ in 0..4 {
        if run.refresh.is_finished() {
            break;
        }
        run.answer(answer(503, ""));
    }
    assert!(matches!(
        run.refresh.poll_event(),
        Some(RefreshEvent::Failed(Error::Http { status: 503 }))
    ));
}

/// A 401 whose message quotes `echoed`, as a server that repeats what it was sent would.
fn echoing(echoed: &str) -> HttpResponse {
    let body = json!({"errors": [{"code": 1001, "message": format!("refused: {echoed}")}]});
    answer(401, &body.to_string())
}

#[test]
fn an_answer_that_echoes_the_device_jwt_fails_without_it() {
    // The device JWT proves the key until its nonce is spent: no error may carry it out.
    let mut run = Run::new(Some(published(&[&plex_key()])));
    run.answer(answer(200, r#"{"nonce":"n-1"}"#));
    let request = run.refresh.poll_transmit(run.now).expect("the exchange");
    let body: Value = serde_json::from_slice(request.body()).unwrap();
    let device_jwt = body["jwt"].as_str().unwrap().to_owned();
    run.refresh.handle_response(run.now, echoing(&device_jwt));
    match run.refresh.poll_event() {
        Some(RefreshEvent::Failed(error)) => {
            assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains(&device_jwt), "{shown}");
            assert!(shown.contains("[redacted]"), "{shown}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_device_jwt_is_signed_at_the_callers_wall_time() {
    let mut run = Run::new(Some(published(&[&plex_key()])));
    run.now += Duration::from_secs(90);
    let request = run.refresh.poll_transmit(run.now).unwrap();
    assert_eq!(request.uri().path(), "/api/v2/auth/nonce");
    run.refresh.handle_response(run.now, answer(200, r#"{"nonce":"n-1"}"#));
    let exchange = run.refresh.poll_transmit(run.now).unwrap();
    let body: Value = serde_json::from_slice(exchange.body()).unwrap();
    let jwt = body["jwt"].as_str().unwrap();
    let claims: Value = serde_json::from_slice(&b64::decode(jwt.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert_eq!(claims["iat"], NOW + 90);
    assert_eq!(claims["nonce"], "n-1");
}

#[test]
fn cancel_ends_with_cancelled() {
    let mut run = Run::new(None);
    run.refresh.cancel();
    assert_eq!(run.refresh.poll_event(), Some(RefreshEvent::Failed(Error::Cancelled)));
    assert!(run.refresh.poll_transmit(run.now).is_none());
    run.refresh.cancel();
    assert_eq!(run.refresh.poll_event(), None);
}

// --- the JWT PIN login, against a scripted plex.tv on a simulated clock ---

mod pin_login {
    use std::collections::HashMap;

    use super::*;
    use crate::pin_login::{NONCE_LIFETIME, PinEvent, PinLogin, PinLoginConfig};

    const PIN_ID: u64 = 4242;

    /// plex.tv as the JWT PIN login sees it: nonces that live [`NONCE_LIFETIME`] (checked on
    /// every poll), a PIN approved at `approve_at`, keys published.
    struct Plex {
        start: Instant,
        approve_at: Duration,
        nonces: HashMap<String, Instant>,
        polls: usize,
        jwk: Option<Value>,
    }

    impl Plex {
        fn answer(&mut self, now: Instant, request: &crate::HttpRequest) -> HttpResponse {
            let path = request.uri().path();
            match (request.method().as_str(), path) {
                ("POST", "/api/v2/pins") => {
                    let body: Value = serde_json::from_slice(request.body()).unwrap();
                    self.jwk = Some(body["jwk"].clone());
                    assert_eq!(body["strong"], true);
                    let pin = json!({"id": PIN_ID, "code": "strongcode123", "expiresIn": 1800, "authToken": null});
                    answer(201, &pin.to_string())
                }
                ("GET", "/api/v2/auth/nonce") => {
                    let nonce = format!("n-{}", self.nonces.len());
                    self.nonces.insert(nonce.clone(), now);
                    answer(200, &json!({ "nonce": nonce }).to_string())
                }
                ("GET", "/api/v2/auth/keys") => answer(200, &keys_json(&[&plex_key()])),
                ("GET", p) if p == format!("/api/v2/pins/{PIN_ID}") => {
                    self.polls += 1;
                    let query = request.uri().query().unwrap();
                    let device_jwt = query.strip_prefix("deviceJWT=").unwrap();
                    let claims: Value =
                        serde_json::from_slice(&b64::decode(device_jwt.split('.').nth(1).unwrap()).unwrap()).unwrap();
                    let asked = self.nonces[claims["nonce"].as_str().unwrap()];
                    assert!(now - asked < NONCE_LIFETIME, "a poll carried an expired nonce");
                    // Signed by the key the PIN was created with.
                    let x = self.jwk.as_ref().unwrap()["x"].as_str().unwrap();
                    let public: [u8; 32] = b64::decode(x).unwrap().try_into().unwrap();
                    let key = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
                    let (signed, sig) = device_jwt.rsplit_once('.').unwrap();
                    let sig = ed25519_dalek::Signature::from_slice(&b64::decode(sig).unwrap()).unwrap();
                    key.verify_strict(signed.as_bytes(), &sig).expect("a valid device JWT");
                    let wall = NOW + i64::try_from((now - self.start).as_secs()).unwrap();
                    let iat = claims["iat"].as_i64().unwrap();
                    assert!(iat <= wall && wall - iat < 300, "iat {iat} at {wall}");
                    let token = (now - self.start >= self.approve_at)
                        .then(|| plex_jwt(&plex_key(), &super::claims(wall, wall + 7 * 86_400)).into_secret());
                    answer(
                        200,
                        &json!({"id": PIN_ID, "code": "strongcode123", "authToken": token}).to_string(),
                    )
                }
                other => panic!("unexpected request {other:?}"),
            }
        }
    }

    fn run(approve_after: Duration) -> (PinLogin, Plex, Vec<PinEvent>) {
        let start = Instant::now();
        let config = PinLoginConfig {
            strong: true,
            ..PinLoginConfig::default()
        };
        let info = ClientInfo::new("My Player", CLIENT);
        let mut login = PinLogin::new_jwt(info, config, device(), WallClock::new(start, NOW));
        let mut plex = Plex {
            start,
            approve_at: approve_after,
            nonces: HashMap::new(),
            polls: 0,
            jwk: None,
        };
        let mut now = start;
        let mut events = Vec::new();
        for _ in 0..100_000 {
            while let Some(request) = login.poll_transmit(now) {
                let response = plex.answer(now, &request);
                login.handle_response(now, response);
            }
            events.extend(std::iter::from_fn(|| login.poll_event()));
            if login.is_finished() {
                return (login, plex, events);
            }
            now = login.poll_timeout().expect("a timer");
            login.handle_timeout(now);
        }
        panic!("never finished");
    }

    #[test]
    fn a_jwt_login_that_outlives_many_nonces_ends_with_a_verified_plex_jwt() {
        // 10 minutes: two nonce lives, polled every second.
        let (login, plex, events) = run(Duration::from_secs(10 * 60));
        assert!(matches!(events.first(), Some(PinEvent::Created(_))));
        assert!(matches!(events.last(), Some(PinEvent::Authorized(_))));
        assert_eq!(plex.polls, 10 * 60, "one a second, the first a second after the create");
        // A nonce per 270 s (nine tenths of a life), not per poll.
        assert_eq!(plex.nonces.len(), 3);
        let claims = login.jwt_claims().expect("verified claims");
        assert_eq!(claims.user.username, "alice");
        assert!(login.plex_keys().is_some());
    }

    #[test]
    fn a_jwt_approved_at_once_needs_one_nonce() {
        let (login, plex, events) = run(Duration::ZERO);
        assert_eq!(plex.nonces.len(), 1);
        assert_eq!(plex.polls, 1);
        match events.last() {
            Some(PinEvent::Authorized(token)) => {
                assert_eq!(token.secret().split('.').count(), 3);
                // The token reported and the one kept with its claims are the same.
                let kept = login.plex_jwt().expect("the verified Plex JWT");
                assert_eq!(&kept.token, token);
                assert_eq!(Some(&kept.claims), login.jwt_claims());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn after_approval_the_keys_request_is_due_at_once_and_its_retries_end() {
        let start = Instant::now();
        let info = ClientInfo::new("My Player", CLIENT);
        let mut login = PinLogin::new_jwt(info, PinLoginConfig::default(), device(), WallClock::new(start, NOW));
        let mut now = start;
        let approved = json!({"id": PIN_ID, "code": "ABCD", "authToken": plex_jwt(&plex_key(), &claims(NOW, NOW + 600)).into_secret()});
        for response in [
            answer(
                201,
                &json!({"id": PIN_ID, "code": "ABCD", "expiresIn": 600}).to_string(),
            ),
            answer(200, r#"{"nonce":"n"}"#),
            answer(200, &approved.to_string()),
        ] {
            if let Some(at) = login.poll_timeout() {
                now = now.max(at);
            }
            let _ = login.poll_transmit(now).expect("a request");
            login.handle_response(now, response);
        }
        // Approved; the keys are unknown: a timer says the keys request is due now.
        assert_eq!(login.poll_timeout(), Some(now));
        let mut keys_requests = 0;
        while !login.is_finished() {
            now = now.max(login.poll_timeout().expect("a timer while not finished"));
            let request = login.poll_transmit(now).expect("the keys request");
            assert_eq!(request.uri().path(), "/api/v2/auth/keys");
            keys_requests += 1;
            login.handle_response(now, answer(503, ""));
            assert!(keys_requests < 100, "retried for ever");
        }
        assert_eq!(keys_requests, 5);
        let last = std::iter::from_fn(|| login.poll_event()).last();
        assert!(
            matches!(last, Some(PinEvent::Failed(Error::Http { status: 503 }))),
            "{last:?}"
        );
    }

    #[test]
    fn a_check_answer_that_echoes_the_device_jwt_and_the_code_fails_without_them() {
        let start = Instant::now();
        let info = ClientInfo::new("My Player", CLIENT);
        let mut login = PinLogin::new_jwt(info, PinLoginConfig::default(), device(), WallClock::new(start, NOW));
        let mut now = start;
        for response in [
            answer(
                201,
                &json!({"id": PIN_ID, "code": "WXYZ", "expiresIn": 600}).to_string(),
            ),
            answer(200, r#"{"nonce":"n"}"#),
        ] {
            now = now.max(login.poll_timeout().unwrap_or(now));
            let _ = login.poll_transmit(now).expect("a request");
            login.handle_response(now, response);
        }
        now = now.max(login.poll_timeout().expect("the check's timer"));
        let check = login.poll_transmit(now).expect("the check");
        let device_jwt = check
            .uri()
            .query()
            .unwrap()
            .strip_prefix("deviceJWT=")
            .unwrap()
            .to_owned();
        login.handle_response(now, echoing(&format!("{device_jwt} for PIN WXYZ")));
        match std::iter::from_fn(|| login.poll_event()).last() {
            Some(PinEvent::Failed(error)) => {
                let shown = format!("{error} {error:?}");
                assert!(!shown.contains(&device_jwt) && !shown.contains("WXYZ"), "{shown}");
                assert!(shown.contains("[redacted]"), "{shown}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_plex_jwt_that_does_not_verify_fails_the_login() {
        let start = Instant::now();
        let info = ClientInfo::new("My Player", CLIENT);
        let mut login = PinLogin::new_jwt(info, PinLoginConfig::default(), device(), WallClock::new(start, NOW))
            .with_plex_keys(published(&[&DeviceKey::from_seed([77; 32])]));
        let now = start;
        let steps = [
            answer(201, &json!({"id": PIN_ID, "code": "ABCD", "expiresIn": 600}).to_string()),
            answer(200, r#"{"nonce":"n"}"#),
            // Signed by a key plex.tv does not publish.
            answer(
                200,
                &json!({"id": PIN_ID, "code": "ABCD", "authToken": plex_jwt(&DeviceKey::from_seed([5; 32]), &claims(NOW, NOW + 60)).into_secret()})
                    .to_string(),
            ),
            answer(200, &keys_json(&[&plex_key()])),
        ];
        let mut paths = Vec::new();
        let mut now = now;
        for response in steps {
            if let Some(at) = login.poll_timeout() {
                now = now.max(at);
            }
            let request = login.poll_transmit(now).expect("a request");
            paths.push(request.uri().path().to_owned());
            login.handle_response(now, response);
        }
        // The kept keys did not verify it: fetched once more, and still refused.
        assert_eq!(
            paths,
            [
                "/api/v2/pins",
                "/api/v2/auth/nonce",
                "/api/v2/pins/4242",
                "/api/v2/auth/keys"
            ]
        );
        let last = std::iter::from_fn(|| login.poll_event()).last();
        assert!(
            matches!(last, Some(PinEvent::Failed(Error::InvalidJwt { .. }))),
            "{last:?}"
        );
        assert!(login.plex_jwt().is_none(), "nothing unverified is kept");
        assert!(login.poll_transmit(now + Duration::from_secs(10)).is_none());
    }
}
