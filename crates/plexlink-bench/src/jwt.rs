//! The JWT case, plexlink's side: signing a device JWT, verifying a Plex JWT with plex.tv's keys
//! kept, and refreshing a Plex JWT over HTTP with the blocking `Client`, against the emulator.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use plexlink::core::jwt::{self, DEFAULT_SCOPE, Expected};
use plexlink::{Client, Token};
use plexlink_emulator::Emulator;

use crate::scenarios::OWNER;

/// The nonce both sides sign with in the signing rounds: signing is timed alone, the nonce
/// fetch being part of the refresh rounds.
pub const FIXED_NONCE: &str = "6a3f1c2e-0b7d-4e59-9c1a-2f8e4d6b7a90";

/// plexlink's times, each round's.
#[derive(Debug)]
pub struct JwtTimes {
    pub sign: Vec<Duration>,
    pub verify: Vec<Duration>,
    pub refresh: Vec<Duration>,
    /// `GET /api/v2/auth/keys` requests during the refresh rounds: the client keeps plex.tv's
    /// keys from the upgrade, so none is expected.
    pub keys_fetched_in_refreshes: u64,
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Upgrades `alice`'s legacy token with a new device key (register + exchange), then times
/// `fast_rounds` signings and verifications and `refresh_rounds` refreshes. The emulator's
/// nonce rate limit must be lifted first, or the refreshes meet its 429.
pub fn plexlink_rounds(
    emu: &Emulator,
    client: &Client,
    fast_rounds: usize,
    refresh_rounds: usize,
) -> Result<JwtTimes, String> {
    let key = plexlink::new_device_key().map_err(|e| e.to_string())?;
    let legacy = Token::new(emu.token_for(OWNER).ok_or("no token for the owner")?);
    // Also what warms the kept-alive connection and makes the client keep plex.tv's keys, as
    // python-plexapi's registerDevice() warms its Session before its rounds.
    let first = client
        .upgrade_to_jwt(&legacy, &key)
        .map_err(|e| format!("upgrade_to_jwt: {e}"))?;
    let client_identifier = client.info().client_identifier.clone();

    let iat = unix_now();
    let mut sign = Vec::with_capacity(fast_rounds);
    for _ in 0..fast_rounds {
        let started = Instant::now();
        let token = key
            .device_jwt(&client_identifier, FIXED_NONCE, DEFAULT_SCOPE, iat)
            .map_err(|e| e.to_string())?;
        sign.push(started.elapsed());
        std::hint::black_box(token);
    }

    // plex.tv's keys fetched and parsed once, outside the rounds: what "kept" means.
    let request = jwt::keys_request(client.info()).map_err(|e| e.to_string())?;
    let response = client.send(request).map_err(|e| e.to_string())?;
    let keys = jwt::parse_keys(&response).map_err(|e| e.to_string())?;
    let expected = Expected {
        client_identifier: &client_identifier,
        thumbprint: Some(key.kid()),
    };
    let now = unix_now();
    let mut verify = Vec::with_capacity(fast_rounds);
    for _ in 0..fast_rounds {
        let started = Instant::now();
        let claims = jwt::verify(&first.token, &keys, &expected, now).map_err(|e| format!("verify: {e}"))?;
        verify.push(started.elapsed());
        std::hint::black_box(claims);
    }

    let keys_before = keys_fetched(emu);
    let mut refresh = Vec::with_capacity(refresh_rounds);
    let mut last = first;
    for _ in 0..refresh_rounds {
        let started = Instant::now();
        last = client.refresh_jwt(&key).map_err(|e| format!("refresh_jwt: {e}"))?;
        refresh.push(started.elapsed());
    }
    let keys_fetched_in_refreshes = keys_fetched(emu) - keys_before;
    // refresh_jwt verified each JWT itself; plex.tv must also take the last one, or the rounds
    // timed nothing a program could use.
    client
        .user(&last.token)
        .map_err(|e| format!("the refreshed JWT is refused: {e}"))?;
    Ok(JwtTimes {
        sign,
        verify,
        refresh,
        keys_fetched_in_refreshes,
    })
}

fn keys_fetched(emu: &Emulator) -> u64 {
    emu.counters().plextv.requests_to("GET /api/v2/auth/keys")
}
