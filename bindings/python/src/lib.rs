//! The native module `plexlink._plexlink`: pyo3 wrappers around the blocking `plexlink::Client`.
//!
//! No protocol knowledge lives here (no URL, header, JSON shape or retry rule): every call goes
//! to `plexlink`, which drives `plexlink-core`. This crate only converts arguments and results,
//! releases the GIL around every network call, and maps the core's `Error` to the Python
//! exception tree (`errors.rs`, the one place that does).
//!
//! Free-threading: every class is `frozen` (no `&mut self` anywhere) and whatever changes
//! inside one is behind a lock of its own (`Cancel` wraps the core's `CancelToken`, `Emulator`
//! a `Mutex`), so the module declares `gil_used = false`.

mod cancel;
mod client;
mod emulator;
mod errors;
mod types;

use pyo3::prelude::*;

/// plexlink's native module. Import `plexlink` instead: it re-exports everything public.
#[pymodule(gil_used = false)]
fn _plexlink(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<client::Client>()?;
    m.add_class::<cancel::Cancel>()?;
    m.add_class::<types::Pin>()?;
    m.add_class::<types::WaitProgress>()?;
    m.add_class::<types::Account>()?;
    m.add_class::<types::Subscription>()?;
    m.add_class::<types::HomeUser>()?;
    m.add_class::<types::Resource>()?;
    m.add_class::<types::Connection>()?;
    m.add_class::<types::Connected>()?;
    m.add_class::<types::CandidateReport>()?;
    m.add_class::<types::SkippedConnection>()?;
    m.add_class::<types::Identity>()?;
    m.add_class::<emulator::Emulator>()?;
    errors::register(m)?;
    Ok(())
}
