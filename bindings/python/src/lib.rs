//! The native module `plexlink._plexlink`: pyo3 wrappers around the blocking `plexlink::Client`,
//! and around `plexlink::AsyncClient` for the asyncio face (`aio.rs`).
//!
//! No protocol knowledge lives here (no URL, header, JSON shape or retry rule): every call goes
//! to `plexlink`, which drives `plexlink-core`. This crate only converts arguments and results,
//! releases the GIL around every network call, and maps the core's `Error` to the Python
//! exception tree (`errors.rs`, the one place that does).
//!
//! The values plexlink returns live by domain, as in the C crate: `pin.rs`, `jwt.rs`,
//! `account.rs`, `resources.rs`, `connect.rs`, `offline.rs` (servers from a snapshot while
//! plex.tv is down); plain conversions in `convert.rs`. Each is built once from the core's
//! value while the GIL is held and never changes after; a kept server (`kept.rs`) is the one
//! handle whose answers change, as its driver runs. Tokens are readable attributes
//! where the API hands them out (`token`, `access_token`, a device key's `private_key`), but no
//! `__repr__` ever shows one, nor a PIN code.
//!
//! Free-threading: every class is `frozen` (no `&mut self` anywhere) and whatever changes
//! inside one is behind a lock of its own (`Cancel` wraps the core's `CancelToken`, `Emulator`
//! a `Mutex`, `JwtSession` plexlink's session, whose JWT is behind one, `KeptServer` plexlink's
//! handle and a `Mutex` of its own), so the module declares
//! `gil_used = false`.

mod account;
mod aio;
mod cancel;
mod client;
mod connect;
mod convert;
mod emulator;
mod errors;
mod jwt;
mod kept;
mod offline;
mod pin;
mod resources;

use pyo3::prelude::*;

/// plexlink's native module. Import `plexlink` instead: it re-exports everything public.
#[pymodule(gil_used = false)]
fn _plexlink(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<client::Client>()?;
    aio::init_runtime();
    m.add_class::<aio::AsyncCore>()?;
    m.add_class::<cancel::Cancel>()?;
    m.add_class::<pin::Pin>()?;
    m.add_class::<pin::WaitProgress>()?;
    m.add_class::<jwt::DeviceKey>()?;
    m.add_class::<jwt::PlexJwt>()?;
    m.add_class::<jwt::JwtClaims>()?;
    m.add_class::<jwt::JwtSession>()?;
    m.add_class::<account::Account>()?;
    m.add_class::<account::Subscription>()?;
    m.add_class::<account::HomeUser>()?;
    m.add_class::<resources::Resource>()?;
    m.add_class::<resources::Connection>()?;
    m.add_class::<connect::Connected>()?;
    m.add_class::<connect::CandidateReport>()?;
    m.add_class::<connect::SkippedConnection>()?;
    m.add_class::<connect::RaceOutcome>()?;
    m.add_class::<kept::KeptServer>()?;
    m.add_class::<kept::KeptEvent>()?;
    m.add_class::<offline::ResourcesSnapshot>()?;
    m.add_class::<offline::ServerList>()?;
    m.add_class::<resources::Identity>()?;
    m.add_class::<emulator::Emulator>()?;
    errors::register(m)?;
    m.add_function(wrap_pyfunction!(errors::refresh_then_retry_py, m)?)?;
    Ok(())
}
