//! Plex's JWT authentication (docs/protocol.md, "JWT"): a device key, device JWTs, the Plex
//! JWT that plex.tv issues for them, its verification and its refresh.
//!
//! - **One key per device** ([`DeviceKey`]), made from seed bytes the caller draws and kept by the
//!   app; its `kid` is the RFC 7638 thumbprint of its public JWK.
//! - **Getting a Plex JWT**: the JWT PIN login ([`crate::pin_login::PinLogin::new_jwt`]), or
//!   upgrading a legacy token ([`register_request`] with it, then a [`JwtRefresh`]).
//! - **Issuing a JWT ends the legacy token of that client identifier** (and later password or PIN
//!   logins under it fail). An app that must keep a legacy token gets its JWT under a second
//!   client identifier instead: the JWT PIN login with that identifier, its PIN approved by the
//!   first with [`crate::pins::link_request`].
//! - **Plex Media Servers may not accept a Plex JWT.** The connection race sends no token, and
//!   server calls use each server's own `accessToken` from resources: never send the account
//!   JWT to a server.
//! - **Refresh** when less than a day is left ([`needs_refresh`]); after a 498 refresh and retry
//!   once; a 1097 ([`Error::DeviceRemoved`](crate::Error::DeviceRemoved)) needs a new identity ([`recovery_for`]).
//!
//! The core reads no clock: a [`WallClock`] ties the caller's `Instant`s to Unix time once.
//!
//! ```
//! use std::time::Instant;
//! use plexlink_core::jwt::{DeviceKey, JwtRefresh, RefreshConfig, WallClock};
//! use plexlink_core::ClientInfo;
//!
//! let info = ClientInfo::new("My Player", "7f3c0e2a-6d8b-4b1e-9a51-1c2d3e4f5a6b");
//! let key = DeviceKey::from_seed([42; 32]); // 32 bytes from the OS's generator, in a real app
//! let now = Instant::now();
//! let mut refresh = JwtRefresh::new(info, key, None, WallClock::new(now, 1_767_225_600), RefreshConfig::default());
//! let first = refresh.poll_transmit(now).unwrap();
//! assert_eq!(first.uri(), "https://clients.plex.tv/api/v2/auth/nonce");
//! ```

mod b64;
mod calls;
mod key;
mod refresh;
mod rs256;
mod verify;

use std::time::Instant;

pub use calls::{
    exchange_request, keys_request, nonce_request, parse_exchange, parse_keys, parse_nonce, parse_register,
    register_request,
};
pub use key::{DEFAULT_SCOPE, DEVICE_JWT_LIFETIME_SECS, DeviceKey};
pub use refresh::{
    JwtRefresh, PlexJwt, REFRESH_BEFORE, Recovery, RefreshConfig, RefreshEvent, needs_refresh, recovery_for,
};
pub use verify::{Expected, IAT_LEEWAY_SECS, JwtClaims, JwtUser, PlexKeys, verify, verify_with_kept};

use crate::Token;

/// The caller's monotonic clock tied to Unix time at one moment, so that a machine driven by
/// `Instant`s can write the Unix times a JWT carries without reading a clock itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WallClock {
    at: Instant,
    unix: i64,
}

impl WallClock {
    /// `unix` (seconds since 1970) was the time at `at`.
    #[must_use]
    pub fn new(at: Instant, unix: i64) -> Self {
        Self { at, unix }
    }

    /// The Unix time at `now`.
    #[must_use]
    pub fn unix_at(&self, now: Instant) -> i64 {
        let whole = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        match now.checked_duration_since(self.at) {
            Some(later) => self.unix.saturating_add(whole(later)),
            None => self.unix.saturating_sub(whole(self.at - now)),
        }
    }
}

/// The `kid` a JWT's header names, read without verifying anything (to choose a key).
fn header_kid(token: &Token) -> Option<String> {
    let header = token.secret().split('.').next()?;
    if header.len() > 4096 {
        return None;
    }
    let header: serde_json::Value = serde_json::from_slice(&b64::decode(header).ok()?).ok()?;
    header.get("kid")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests;
