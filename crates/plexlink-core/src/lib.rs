//! The Plex sign-in protocol, without I/O.
//!
//! `plexlink-core` knows every URL, header, JSON shape, error code, retry rule and connection
//! ranking that plexlink speaks, and nothing about sockets, threads or clocks. It is the one place
//! where protocol knowledge lives; the blocking client, the C library and the Python module drive
//! it.
//!
//! - Requests and responses are [`HttpRequest`] and [`HttpResponse`] (`http` crate types with a
//!   `Vec<u8>` body). Each family of calls has pure `..._request(...)` builders and
//!   `parse_...(&HttpResponse)` parsers: [`pins`], [`account`], [`resources`], [`server`].
//! - Long-running flows are state machines that take time as a parameter:
//!   [`pin_login::PinLogin`] (create a PIN, poll it, back off, expire) and
//!   [`race::ConnectionRace`] (probe a server's connections and pick the best one that answers).
//! - Secrets ([`Token`], [`Password`], [`PinCode`], [`VerificationCode`]) print `[redacted]`.
//! - Every failure is one [`Error`], whose variants are what a caller branches on.
//!
//! ```
//! use plexlink_core::{ClientInfo, pins};
//!
//! let info = ClientInfo::new("My Player", "7f3c0e2a-6d8b-4b1e-9a51-1c2d3e4f5a6b");
//! let request = pins::create_request(&info, false).unwrap();
//! assert_eq!(request.method(), "POST");
//! assert_eq!(request.uri(), "https://plex.tv/api/v2/pins");
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Library code says why a value must be there (`expect`) or handles its absence; tests may unwrap.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod account;
mod backoff;
mod client_info;
mod error;
pub mod jwt;
pub mod kept;
mod lenient;
pub mod pin_login;
pub mod pins;
pub mod plex_direct;
pub mod race;
pub mod resources;
mod secret;
pub mod server;
pub mod snapshot;
pub mod timefmt;
mod wire;
mod xml;

pub use client_info::ClientInfo;
pub use error::{Error, TransportErrorKind};
pub use secret::{Password, PinCode, PrivateKey, Token, VerificationCode};
pub use wire::{AddressRules, MAX_BODY_DEFAULT, check_request, token_allowed_for};

/// A request as the core builds it: the caller sends it with any HTTP stack.
pub type HttpRequest = http::Request<Vec<u8>>;
/// A response as the core reads it: the caller fills it from any HTTP stack.
pub type HttpResponse = http::Response<Vec<u8>>;
