//! Sign people in to Plex and find their servers, blocking ([`Client`]) or async
//! ([`AsyncClient`], on tokio).
//!
//! Both drive `plexlink-core` (all protocol knowledge lives there) with the same drivers,
//! written once over an HTTP stack: the built-in one (reqwest, rustls) or any of yours
//! ([`HttpClient`], [`AsyncHttpClient`]; a closure is one). Whatever the stack, every request has
//! a whole-request timeout, answers over a size cap are refused, redirects are never followed,
//! a token is never sent over plain HTTP to a public address, and the secrets of a call never
//! appear in its error.
//!
//! The PIN login:
//!
//! ```no_run
//! use plexlink::{Client, WaitOptions};
//!
//! let client = Client::builder("My Player", "0b7e6f52-5c3a-4f0e-8d1c-2a9b8c7d6e5f").build()?;
//! let pin = client.create_pin(false)?;
//! println!("Open {} and enter {}", client.link_url(), pin.code.secret());
//! let token = client.wait_for_token(&pin, WaitOptions::default())?;
//! for server in client.servers(&token)? {
//!     let connected = client.connect(&server)?;
//!     println!("{} at {}", server.name, connected.uri);
//! }
//! # Ok::<(), plexlink::Error>(())
//! ```
//! Features: `blocking` ([`Client`]) and `async` ([`AsyncClient`]), both on by default; the
//! drivers they share are built either way. The built-in stack's TLS needs a crypto provider:
//! `tls-aws-lc-rs` (on by default, rustls' own, with post-quantum key exchange) or `tls-ring`
//! (smaller); with `default-features = false`, name one, e.g.
//! `features = ["blocking", "tls-ring"]`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Library code says why a value must be there (`expect`) or handles its absence; tests may unwrap.
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

#[cfg(not(any(feature = "blocking", feature = "async")))]
compile_error!("plexlink needs its `blocking` feature, its `async` feature, or both");

#[macro_use]
mod macros;

#[cfg(feature = "async")]
mod async_client;
mod cancel;
mod client;
mod connect;
mod driver;
#[cfg(feature = "blocking")]
mod executor;
pub mod http;
mod io;
mod jwt;
mod kept;
mod offline;
mod pin_wait;
mod resolve;
#[cfg(feature = "blocking")]
mod sigpipe;
mod transport;

#[cfg(feature = "async")]
pub use async_client::AsyncClient;
pub use cancel::CancelToken;
#[cfg(feature = "blocking")]
pub use client::Client;
pub use client::ClientBuilder;
pub use connect::Connected;
pub use http::{AsyncHttpClient, HttpClient};
pub use jwt::{JwtSession, new_device_key};
pub use kept::{KeepOptions, KeptServer, OnKeptEvent};
pub use offline::ServerList;
pub use pin_wait::{WaitOptions, WaitProgress};
pub use plexlink_core::kept::{KeepPolicy, KeptEvent, Reason};
pub use plexlink_core::snapshot::ResourcesSnapshot;

/// The sans-IO core, for its types and for hosts that drive it themselves.
pub use plexlink_core as core;
pub use plexlink_core::account::{Account, HomeUser, Subscription};
pub use plexlink_core::jwt::{DeviceKey, JwtClaims, JwtUser, PlexJwt, PlexKeys};
pub use plexlink_core::pins::Pin;
pub use plexlink_core::race::{RaceOutcome, RacePolicy};
pub use plexlink_core::resources::{Connection, Device};
pub use plexlink_core::server::Identity;
pub use plexlink_core::{
    AddressRules, ClientInfo, Error, HttpRequest, HttpResponse, Password, PinCode, PrivateKey, Token,
    TransportErrorKind, VerificationCode,
};

/// The README's Rust examples, compiled by `cargo test --doc`: a README that drifts from the API
/// fails the tests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeExamples;
