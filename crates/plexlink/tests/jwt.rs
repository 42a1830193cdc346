//! Plex JWT sign-in against the emulator, blocking and async: the JWT PIN login (also one that
//! outlives its nonce), upgrading a legacy token, refresh after a 498, key rotation, a removed
//! device, verification, and no account JWT ever sent to a server.

mod common;

use std::time::Duration;

use plexlink::{AsyncClient, Client, Error, JwtSession, PlexJwt, Token, WaitOptions, new_device_key};
use plexlink_emulator::{Emulator, JwtSettings};

fn quick() -> WaitOptions<'static> {
    WaitOptions {
        interval: Some(Duration::from_millis(50)),
        timeout: Some(Duration::from_secs(60)),
        ..WaitOptions::default()
    }
}

/// How many requests of `request` ("METHOD /path") plex.tv got.
fn count(emu: &Emulator, request: &str) -> u64 {
    emu.counters().plextv.requests_to(request)
}

/// A JWT PIN login on the blocking client, the PIN approved by `alice` after `after`.
fn jwt_login(emu: &Emulator, client: &Client, key: &plexlink::DeviceKey, after: Duration) -> PlexJwt {
    let pin = client.create_jwt_pin(key, true).unwrap();
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(after);
            emu.approve_pin(pin.id, "alice").unwrap();
        });
        client.wait_for_jwt(&pin, key, quick()).unwrap()
    })
}

#[test]
fn a_jwt_pin_login_ends_with_a_verified_plex_jwt_that_plex_tv_accepts() {
    let (emu, client) = common::setup();
    let key = new_device_key().unwrap();
    let jwt = jwt_login(&emu, &client, &key, Duration::from_millis(200));
    assert_eq!(jwt.claims.user.username, "alice");
    assert_eq!(jwt.claims.thumbprint.as_deref(), Some(key.kid()));
    assert!(jwt.claims.audience.iter().any(|a| a == common::CLIENT_ID));
    assert!(jwt.claims.seconds_left(plexlink_now()) > 6 * 86_400);
    // The token is a JWT, the PIN was made with the key, and plex.tv takes the JWT.
    assert_eq!(jwt.token.secret().split('.').count(), 3);
    assert!(emu.pins().iter().any(|p| p.jwk));
    assert_eq!(client.user(&jwt.token).unwrap().username, "alice");
    // Verifying again uses the keys the login kept: no second fetch.
    let keys_fetched = count(&emu, "GET /api/v2/auth/keys");
    assert_eq!(client.verify_jwt(&jwt.token, &key).unwrap(), jwt.claims);
    assert_eq!(count(&emu, "GET /api/v2/auth/keys"), keys_fetched);
    // Nothing in Debug shows a secret.
    let shown = format!("{jwt:?} {key:?}");
    assert!(!shown.contains(jwt.token.secret()));
    assert!(!shown.contains(key.private_key().secret()));
}

fn plexlink_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn a_login_outlives_its_nonce_by_signing_again() {
    let emu = Emulator::start_default().unwrap();
    emu.set_jwt_settings(JwtSettings {
        nonce_lifetime_secs: Some(2),
        nonce_rate_limit_per_minute: Some(0),
        ..JwtSettings::default()
    });
    let client = Client::builder("plexlink tests", common::CLIENT_ID)
        .plex_url(emu.url())
        .jwt_nonce_lifetime(Duration::from_secs(2))
        .build()
        .unwrap();
    let key = new_device_key().unwrap();
    // Approved after three nonce lives: every check carried a live nonce (the emulator refuses
    // an expired one with 422, which would end the wait), so the key signed again.
    let jwt = jwt_login(&emu, &client, &key, Duration::from_secs(5));
    assert_eq!(jwt.claims.user.username, "alice");
    assert!(
        count(&emu, "GET /api/v2/auth/nonce") >= 3,
        "{:?}",
        emu.counters().plextv
    );
}

#[test]
fn upgrading_a_legacy_token_ends_it_for_this_client_identifier_only() {
    let (emu, client) = common::setup();
    let legacy = common::token_of(&emu, "alice");
    let key = new_device_key().unwrap();
    let jwt = client.upgrade_to_jwt(&legacy, &key).unwrap();
    assert_eq!(jwt.claims.user.username, "alice");
    assert_eq!(client.user(&jwt.token).unwrap().username, "alice");
    // As the API warns: the legacy token no longer works for this client identifier...
    assert!(client.user(&legacy).unwrap_err().is_token_rejected());
    // ...while another client identifier keeps it.
    let other = Client::builder("another app", "another-client-id")
        .plex_url(emu.url())
        .build()
        .unwrap();
    assert_eq!(other.user(&legacy).unwrap().username, "alice");
}

#[test]
fn a_second_client_identifier_gets_a_jwt_and_the_first_keeps_its_legacy_token() {
    let (emu, first) = common::setup();
    let legacy = common::token_of(&emu, "alice");
    // The app's JWT side signs in under an identifier of its own...
    let second = Client::builder("plexlink tests (JWT)", "plexlink-tests-second-identity")
        .plex_url(emu.url())
        .build()
        .unwrap();
    let key = new_device_key().unwrap();
    let pin = second.create_jwt_pin(&key, false).unwrap();
    // ...and the first identifier approves that PIN with its legacy token (plex.tv/link's call).
    first.link_pin(&legacy, &pin.code).unwrap();
    let jwt = second.wait_for_jwt(&pin, &key, quick()).unwrap();
    assert_eq!(jwt.claims.user.username, "alice");
    assert!(
        jwt.claims
            .audience
            .iter()
            .any(|a| a == "plexlink-tests-second-identity")
    );
    // Both work: the JWT for the second identifier, the legacy token for the first.
    assert_eq!(second.user(&jwt.token).unwrap().username, "alice");
    assert_eq!(first.user(&legacy).unwrap().username, "alice");
}

#[test]
fn the_clients_calls_can_have_a_base_of_their_own() {
    let emu = Emulator::start_default().unwrap();
    // plex.tv at a dead address: only the clients.plex.tv calls are made, and they reach the
    // emulator through their own base.
    let client = Client::builder("plexlink tests", common::CLIENT_ID)
        .plex_url("http://127.0.0.1:9/")
        .clients_url(emu.url())
        .build()
        .unwrap();
    assert!(!client.plex_keys().unwrap().is_empty());
}

#[test]
fn a_session_refreshes_after_a_498_and_retries_once() {
    let (emu, client) = common::setup();
    emu.set_jwt_settings(JwtSettings {
        jwt_lifetime_secs: Some(1),
        ..JwtSettings::default()
    });
    let key = new_device_key().unwrap();
    let mut jwt = client.upgrade_to_jwt(&common::token_of(&emu, "alice"), &key).unwrap();
    emu.set_jwt_settings(JwtSettings {
        jwt_lifetime_secs: Some(3600),
        ..JwtSettings::default()
    });
    // The session believes the JWT has days left (a clock that is wrong, say), so only plex.tv's
    // 498 can tell it: the call fails once, the session refreshes, the call runs again.
    jwt.claims.expires_at = plexlink_now() + 7 * 86_400;
    let session = JwtSession::new(key, jwt);
    wait_until_expired(&client, &session.current().token);
    let nonces = count(&emu, "GET /api/v2/auth/nonce");
    let mut calls = 0;
    let account = client
        .with_jwt(&session, |token| {
            calls += 1;
            client.user(token)
        })
        .unwrap();
    assert_eq!(account.username, "alice");
    assert_eq!(calls, 2);
    assert_eq!(count(&emu, "GET /api/v2/auth/nonce"), nonces + 1);
    assert!(session.current().claims.seconds_left(plexlink_now()) > 3000);
    // A session near its expiry refreshes before the call, not after a 498.
    let mut near = session.current();
    near.claims.expires_at = plexlink_now() + 3600;
    let session = JwtSession::new(session.key().clone(), near);
    let token = client.jwt_token(&session).unwrap();
    assert_eq!(count(&emu, "GET /api/v2/auth/nonce"), nonces + 2);
    assert_eq!(client.user(&token).unwrap().username, "alice");
    // A refresh on demand (a host that makes its calls itself), however long is left.
    let again = client.refresh_session(&session).unwrap();
    assert_ne!(again, token);
    assert_eq!(session.current().token, again);
    assert_eq!(count(&emu, "GET /api/v2/auth/nonce"), nonces + 3);
}

/// A media player's threads share one session: those that find it stale at the same moment
/// (near its expiry, or refused with a 498) make one refresh between them, not one each.
#[test]
fn threads_that_find_a_session_stale_together_refresh_it_once() {
    const THREADS: usize = 8;
    let (emu, client) = common::setup();
    let key = new_device_key().unwrap();
    let mut near = client.upgrade_to_jwt(&common::token_of(&emu, "alice"), &key).unwrap();
    near.claims.expires_at = plexlink_now() + 3600;
    let session = JwtSession::new(key, near);
    let nonces = count(&emu, "GET /api/v2/auth/nonce");
    let all_at_once = std::sync::Barrier::new(THREADS);
    let tokens: Vec<Token> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    all_at_once.wait();
                    client.jwt_token(&session).unwrap()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    assert_eq!(count(&emu, "GET /api/v2/auth/nonce"), nonces + 1);
    assert!(tokens.iter().all(|t| *t == session.current().token));

    // Refused with a 498 (plex.tv ended it early): one refresh again, and every call retried
    // with the new token.
    emu.set_jwt_settings(JwtSettings {
        jwt_lifetime_secs: Some(1),
        ..JwtSettings::default()
    });
    let short = client.refresh_session(&session).unwrap();
    emu.set_jwt_settings(JwtSettings::default());
    let mut believed = session.current();
    believed.claims.expires_at = plexlink_now() + 7 * 86_400;
    let session = JwtSession::new(session.key().clone(), believed);
    wait_until_expired(&client, &short);
    let nonces = count(&emu, "GET /api/v2/auth/nonce");
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    all_at_once.wait();
                    client.with_jwt(&session, |token| client.user(token)).unwrap()
                })
            })
            .collect();
        for worker in workers {
            assert_eq!(worker.join().unwrap().username, "alice");
        }
    });
    assert_eq!(count(&emu, "GET /api/v2/auth/nonce"), nonces + 1);
}

/// The `kid` of a JWT's header (read here without the core, as a test should).
fn header_kid(token: &Token) -> String {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let header = token.secret().split('.').next().unwrap();
    let header: serde_json::Value = serde_json::from_slice(&Base64UrlUnpadded::decode_vec(header).unwrap()).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

/// Waits (at most 10 s) until plex.tv answers 498 to `token`.
fn wait_until_expired(client: &Client, token: &Token) {
    for _ in 0..100 {
        match client.user(token) {
            Err(Error::TokenExpired { .. }) => return,
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    panic!("the JWT never expired");
}

#[test]
fn a_rotated_key_is_fetched_and_a_removed_device_needs_a_new_identity() {
    let (emu, client) = common::setup();
    let key = new_device_key().unwrap();
    client.upgrade_to_jwt(&common::token_of(&emu, "alice"), &key).unwrap();
    let keys_fetched = count(&emu, "GET /api/v2/auth/keys");
    let signing = emu.rotate_jwt_key();
    // plex.tv publishes the next key before it signs with it: the kept set verifies the JWT
    // of the other key without a fetch (a key not yet published is fetched: the core's tests).
    let jwt = client.refresh_jwt(&key).unwrap();
    assert_eq!(header_kid(&jwt.token), signing);
    assert_eq!(count(&emu, "GET /api/v2/auth/keys"), keys_fetched);
    assert_eq!(client.user(&jwt.token).unwrap().username, "alice");
    // A new client knows no keys: it fetches them once.
    let fresh = common::client_for(&emu.url());
    fresh.verify_jwt(&jwt.token, &key).unwrap();
    assert_eq!(count(&emu, "GET /api/v2/auth/keys"), keys_fetched + 1);

    emu.remove_jwt_device(common::CLIENT_ID).unwrap();
    assert!(matches!(client.refresh_jwt(&key), Err(Error::DeviceRemoved { .. })));
    assert!(matches!(client.user(&jwt.token), Err(Error::DeviceRemoved { .. })));
}

#[test]
fn tampered_and_foreign_jwts_are_refused() {
    let (emu, client) = common::setup();
    let key = new_device_key().unwrap();
    let jwt = client.upgrade_to_jwt(&common::token_of(&emu, "alice"), &key).unwrap();
    let text = jwt.token.secret();
    let (signed, signature) = text.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let tampered = Token::new(format!("{signed}.{flipped}{}", &signature[1..]));
    assert!(matches!(
        client.verify_jwt(&tampered, &key),
        Err(Error::InvalidJwt { .. })
    ));
    // Issued to this device, checked as another's: the thumbprint differs.
    let other = new_device_key().unwrap();
    let refused = client.verify_jwt(&jwt.token, &other).unwrap_err();
    assert!(refused.to_string().contains("thumbprint"), "{refused}");
    assert!(!refused.to_string().contains(text));
}

#[test]
fn no_account_jwt_goes_to_a_server() {
    let (emu, client) = common::setup();
    let key = new_device_key().unwrap();
    let jwt = client.upgrade_to_jwt(&common::token_of(&emu, "alice"), &key).unwrap();
    let servers = client.servers(&jwt.token).unwrap();
    let living_room = servers.iter().find(|s| s.name == "Living Room").unwrap();
    let connected = client.connect(living_room).unwrap();
    // Server calls take the server's own token from resources.
    let server_token = living_room.access_token.clone().expect("an owned server has its token");
    client.transient_token(&connected.uri, &server_token).unwrap();
    let to_servers: Vec<_> = emu.requests().into_iter().filter(|r| r.listener != "plex.tv").collect();
    assert!(!to_servers.is_empty());
    assert!(to_servers.iter().all(|r| r.token_kind != Some("jwt")), "{to_servers:?}");
    assert!(to_servers.iter().any(|r| r.token_kind == Some("legacy")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_async_client_signs_in_refreshes_and_verifies() {
    let emu = Emulator::start_default().unwrap();
    let client = AsyncClient::builder("plexlink tests", common::CLIENT_ID)
        .plex_url(emu.url())
        .build_async()
        .unwrap();
    let key = new_device_key().unwrap();
    let pin = client.create_jwt_pin(&key, false).await.unwrap();
    let approve = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        emu.approve_pin(pin.id, "alice")
    };
    let (jwt, approved) = tokio::join!(client.wait_for_jwt(&pin, &key, quick()), approve);
    approved.unwrap();
    let jwt = jwt.unwrap();
    assert_eq!(jwt.claims.user.username, "alice");
    assert_eq!(client.verify_jwt(&jwt.token, &key).await.unwrap(), jwt.claims);

    let mut stale = jwt.clone();
    stale.claims.expires_at = plexlink_now() + 60;
    let session = JwtSession::new(key, stale);
    let nonces = count(&emu, "GET /api/v2/auth/nonce");
    let client_ref = &client;
    let account = client
        .with_jwt(&session, |token| async move { client_ref.user(&token).await })
        .await
        .unwrap();
    assert_eq!(account.username, "alice");
    assert_eq!(
        count(&emu, "GET /api/v2/auth/nonce"),
        nonces + 1,
        "refreshed before the call"
    );
}
