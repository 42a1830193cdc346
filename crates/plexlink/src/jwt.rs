//! Plex JWT sign-in on both clients: device keys from the OS's generator, the JWT PIN login,
//! upgrading a legacy token, refresh, verification, and a session that refreshes by itself.
//!
//! The protocol (and its one warning: a Plex JWT ends the legacy token of its client
//! identifier) is [`plexlink_core::jwt`]'s; this module only draws randomness, reads the clock
//! and keeps plex.tv's keys between calls.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub(crate) use plexlink_core::jwt as core;
use plexlink_core::jwt::{DeviceKey, JwtClaims, PlexJwt, PlexKeys, WallClock};
use plexlink_core::pin_login::NONCE_LIFETIME;
use plexlink_core::pins::{self, Pin};
use plexlink_core::{ClientInfo, Error, Token};

#[cfg(feature = "async")]
use crate::AsyncClient;
#[cfg(feature = "blocking")]
use crate::Client;
use crate::io::{Io, Rules};
use crate::{WaitOptions, driver};

/// A new device key from the operating system's random generator (the core draws no
/// randomness itself). Keep its [`DeviceKey::private_key`] with the client identifier: the key
/// is the device's identity at plex.tv for as long as the identifier lives.
///
/// ```
/// let key = plexlink::new_device_key()?;
/// assert_eq!(key.kid().len(), 43); // an RFC 7638 thumbprint, base64url of a SHA-256
/// # Ok::<(), plexlink::Error>(())
/// ```
pub fn new_device_key() -> Result<DeviceKey, Error> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| Error::InvalidArgument {
        what: "device key",
        detail: format!("the operating system gave no random bytes: {e}"),
    })?;
    let key = DeviceKey::from_seed(seed);
    seed.fill(0);
    Ok(key)
}

/// Unix seconds now: the drivers read the clock, the core never does.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The monotonic clock tied to Unix time now.
pub(crate) fn wall_clock(now: Instant) -> WallClock {
    WallClock::new(now, unix_now())
}

/// What a client keeps for its JWT calls: plex.tv's keys (fetched once, fetched again when
/// they rotate) and the nonce lifetime its machines assume.
#[derive(Debug)]
pub(crate) struct JwtState {
    keys: Mutex<Option<PlexKeys>>,
    pub(crate) nonce_lifetime: Duration,
}

impl JwtState {
    pub(crate) fn new(nonce_lifetime: Option<Duration>) -> Self {
        Self {
            keys: Mutex::new(None),
            nonce_lifetime: nonce_lifetime.unwrap_or(NONCE_LIFETIME),
        }
    }

    pub(crate) fn keys(&self) -> Option<PlexKeys> {
        self.keys.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn keep_keys(&self, keys: Option<&PlexKeys>) {
        if let Some(keys) = keys {
            *self.keys.lock().unwrap_or_else(|p| p.into_inner()) = Some(keys.clone());
        }
    }
}

/// A signed-in device: its key and its current Plex JWT, refreshed by the client when less
/// than a day is left ([`Client::jwt_token`]) or when plex.tv answers 498
/// ([`Client::with_jwt`]). Share it between threads and tasks: those that find it stale at the
/// same moment wait for one refresh between them. Keep [`JwtSession::current`]'s token (and
/// the key) to start the next run from it.
///
/// ```no_run
/// # let client = plexlink::Client::builder("My Player", "id").build()?;
/// # let key = plexlink::new_device_key()?;
/// # let pin = client.create_jwt_pin(&key, false)?;
/// let jwt = client.wait_for_jwt(&pin, &key, plexlink::WaitOptions::default())?;
/// let session = plexlink::JwtSession::new(key, jwt);
/// let account = client.with_jwt(&session, |token| client.user(token))?;
/// # Ok::<(), plexlink::Error>(())
/// ```
#[derive(Debug)]
pub struct JwtSession {
    key: DeviceKey,
    current: Mutex<PlexJwt>,
    /// Held for the length of a refresh (by a thread or a task alike: it is awaited, or
    /// blocked on), so that callers that found the JWT stale together refresh it once.
    refreshing: futures_util::lock::Mutex<()>,
}

impl JwtSession {
    /// A session of `key` starting from `jwt` (from a login, an upgrade, or kept from before
    /// and verified again with [`Client::verify_jwt`]).
    pub fn new(key: DeviceKey, jwt: PlexJwt) -> Self {
        Self {
            key,
            current: Mutex::new(jwt),
            refreshing: futures_util::lock::Mutex::new(()),
        }
    }

    /// The device key.
    pub fn key(&self) -> &DeviceKey {
        &self.key
    }

    /// The Plex JWT as it is now.
    pub fn current(&self) -> PlexJwt {
        self.current.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Keeps a new JWT; its token.
    fn replace(&self, jwt: PlexJwt) -> Token {
        let token = jwt.token.clone();
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = jwt;
        token
    }

    /// The current token unless `stale` holds of the current JWT.
    fn unless(&self, stale: &Stale) -> Option<Token> {
        let current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        let is_stale = match stale {
            Stale::Always => true,
            Stale::Near(now) => core::needs_refresh(&current.claims, *now),
            Stale::Refused(token) => current.token == *token,
        };
        (!is_stale).then(|| current.token.clone())
    }
}

/// When a session's JWT wants a refresh: checked before taking the refresh gate and again once
/// it is taken, when another caller may have refreshed meanwhile.
enum Stale {
    /// A refresh on demand, whatever the JWT.
    Always,
    /// Less than a day left at this Unix time.
    Near(i64),
    /// plex.tv refused this token (498): stale while it is still the current one.
    Refused(Token),
}

driven! {
    /// Creates a PIN whose token will be a Plex JWT for `key` (at clients.plex.tv, with the
    /// key's public JWK). Show it as [`create_pin`](Self::create_pin)'s, then
    /// [`wait_for_jwt`](Self::wait_for_jwt).
    fn create_jwt_pin(key: &DeviceKey, strong: bool) -> Pin = |client, io| {
        let request = pins::create_request_with_jwk(client.info(), strong, &key.public_jwk());
        driver::call(io, client.rules(), request, pins::parse_pin, &[])
    };

    /// Waits until the person approves `pin` (made by [`create_jwt_pin`](Self::create_jwt_pin)
    /// with the same `key`), as [`wait_for_token`](Self::wait_for_token) does, then returns the
    /// Plex JWT, verified. Each check carries a device JWT, made again from a new nonce before
    /// the last one's five minutes end, for as long as the PIN lives.
    ///
    /// The Plex JWT ends the legacy token of this client identifier.
    fn wait_for_jwt(pin: &Pin, key: &DeviceKey, options: WaitOptions<'_>) -> PlexJwt = |client, io| {
        driver::wait_for_jwt(io, client.rules(), client.info().clone(), pin, key, client.jwt(), options.into_wait())
    };

    /// Upgrades the legacy `token` to a Plex JWT: registers `key` with it, then exchanges a
    /// device JWT. **This ends `token` for this client identifier** (and password or PIN logins
    /// under it); to keep a legacy token, sign in with [`create_jwt_pin`](Self::create_jwt_pin)
    /// under a second client identifier and approve that PIN with
    /// [`link_pin`](Self::link_pin) and the legacy token instead.
    fn upgrade_to_jwt(token: &Token, key: &DeviceKey) -> PlexJwt = |client, io| {
        driver::upgrade_to_jwt(io, client.rules(), client.info().clone(), token, key, client.jwt())
    };

    /// A new Plex JWT for the registered `key`: nonce, device JWT, exchange, verification.
    /// [`Error::DeviceRemoved`] means the device was removed from the account: make a new
    /// client identifier and key and sign in again.
    fn refresh_jwt(key: &DeviceKey) -> PlexJwt = |client, io| {
        driver::refresh_jwt(io, client.rules(), client.info().clone(), key, client.jwt())
    };

    /// Verifies a Plex JWT issued to `key` (signature by plex.tv's published keys, issuer,
    /// audience, expiry, thumbprint) and returns its claims. plex.tv's keys are fetched once
    /// and kept, and fetched again when a JWT names one the client does not have.
    fn verify_jwt(token: &Token, key: &DeviceKey) -> JwtClaims = |client, io| {
        driver::verify_jwt(io, client.rules(), client.info(), token, key, client.jwt())
    };

    /// The session's Plex JWT, refreshed first when less than a day is left (once for all the
    /// callers that find it so together).
    fn jwt_token(session: &JwtSession) -> Token = |client, io| {
        session_token(io, client.rules(), client.info(), client.jwt(), session, Stale::Near(unix_now()))
    };

    /// Refreshes the session's Plex JWT now, however long it has left, and returns the new
    /// token: for a host that makes the call itself and so cannot hand it to
    /// [`with_jwt`](Self::with_jwt) (a binding awaiting its own language's coroutine), after
    /// plex.tv answered it 498.
    fn refresh_session(session: &JwtSession) -> Token = |client, io| {
        session_token(io, client.rules(), client.info(), client.jwt(), session, Stale::Always)
    };

    /// plex.tv's current signing keys (also kept for [`verify_jwt`](Self::verify_jwt)).
    fn plex_keys() -> PlexKeys = |client, io| async move {
        let keys = driver::call(io, client.rules(), core::keys_request(client.info()), core::parse_keys, &[]).await?;
        client.jwt().keep_keys(Some(&keys));
        Ok(keys)
    };
}

#[cfg(feature = "blocking")]
impl Client {
    /// Runs `call` with the session's Plex JWT; when plex.tv answers that it expired (498),
    /// refreshes and runs it once more. For plex.tv calls only: servers take their own
    /// `accessToken` from resources, never the account JWT.
    pub fn with_jwt<T>(
        &self,
        session: &JwtSession,
        mut call: impl FnMut(&Token) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let token = self.jwt_token(session)?;
        match call(&token) {
            Err(error) if core::recovery_for(&error) == core::Recovery::RefreshThenRetry => {
                let refreshed = self.block_on(|io| {
                    session_token(
                        io,
                        self.rules(),
                        self.info(),
                        self.jwt(),
                        session,
                        Stale::Refused(token),
                    )
                })?;
                call(&refreshed)
            }
            other => other,
        }
    }
}

#[cfg(feature = "async")]
impl AsyncClient {
    /// Runs `call` with the session's Plex JWT; after a 498, refreshes and runs it once more
    /// (see [`Client::with_jwt`](crate::Client::with_jwt)).
    pub async fn with_jwt<T, F, Fut>(&self, session: &JwtSession, mut call: F) -> Result<T, Error>
    where
        F: FnMut(Token) -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let token = self.jwt_token(session).await?;
        match call(token.clone()).await {
            Err(error) if core::recovery_for(&error) == core::Recovery::RefreshThenRetry => {
                let stale = Stale::Refused(token);
                call(session_token(self.io(), self.rules(), self.info(), self.jwt(), session, stale).await?).await
            }
            other => other,
        }
    }
}

/// The session's token unless it is `stale`; else one refresh, under the session's gate, shared
/// with every caller that found it stale meanwhile.
async fn session_token(
    io: &dyn Io,
    rules: &Rules,
    info: &ClientInfo,
    jwt: &JwtState,
    session: &JwtSession,
    stale: Stale,
) -> Result<Token, Error> {
    if let Some(token) = session.unless(&stale) {
        return Ok(token);
    }
    let _gate = session.refreshing.lock().await;
    if let Some(token) = session.unless(&stale) {
        return Ok(token);
    }
    let refreshed = driver::refresh_jwt(io, rules, info.clone(), session.key(), jwt).await?;
    Ok(session.replace(refreshed))
}
