//! The C ABI of plexlink (`libplexlink.so`, `libplexlink.a`, `include/plexlink.h`).
//!
//! A thin layer: every call goes to the blocking client (`plexlink`, here `blocking`) or to the
//! sans-IO core (`plexlink-core`); no protocol knowledge lives here. What this crate adds is
//! the C shape: opaque handles ([`ffi`]), result codes and the per-thread last error
//! ([`error`]), a panic boundary around every exported body ([`panic`]), one declaration per
//! call for its blocking and its task form ([`call`]), tasks that run a call on a library thread
//! ([`task`]), and the host-driven PIN login ([`pin_login`]), connection race ([`race`]), Plex
//! JWT refresh ([`jwt_refresh`]) and kept connection ([`kept`]), which share the host's clock,
//! its answers and probes ([`host`]). Plex JWT sign-in (device keys, verified JWTs and their
//! calls) is [`jwt`]; the connection kept in the background is [`kept_server`], the servers
//! while plex.tv is down [`offline`]. Callbacks of library threads go through a [`gate`].
//!
//! The conventions C callers rely on are written once, at the top of the generated header
//! (`cbindgen.toml`'s `header`).
//!
//! Every exported function is `unsafe extern "C"`: its safety contract is the header's (handle
//! arguments are NULL or live handles of their type, strings NULL or NUL-terminated, buffers
//! NULL or as long as their length), so the per-function `# Safety` sections are left out.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]
#![allow(non_camel_case_types, clippy::missing_safety_doc)]

mod account;
mod call;
mod cancel;
mod client;
mod config;
mod connect;
mod error;
mod ffi;
mod gate;
mod host;
mod jwt;
mod jwt_refresh;
mod kept;
mod kept_server;
mod offline;
mod panic;
mod pin;
mod pin_login;
mod race;
mod resources;
mod task;
mod version;
mod waits;

// The unit tests check that strings are wiped, by looking into every block freed while they run.
#[cfg(test)]
#[path = "../../plexlink-core/tests/freed/mod.rs"]
mod freed;
#[cfg(test)]
#[global_allocator]
static WATCH: freed::Watch = freed::Watch;

pub use account::*;
pub use cancel::*;
pub use client::*;
pub use config::*;
pub use connect::*;
pub use error::*;
pub use jwt::*;
pub use jwt_refresh::*;
pub use kept::*;
pub use kept_server::*;
pub use offline::*;
pub use pin::*;
pub use pin_login::*;
pub use race::*;
pub use resources::*;
pub use task::*;
pub use version::*;
