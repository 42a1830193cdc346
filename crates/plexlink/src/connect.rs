//! A server and the connection chosen for it.
//!
//! What a race costs, and for how long (the driver is `driver::connect_all`):
//! - the call returns as soon as the core decides (at most one grace window after the first
//!   good answer, sooner when no better candidate can still answer), never when the slowest
//!   probe gives up: a dead or black-holed candidate costs nothing once a better one has won;
//! - probes are futures polled together, not a thread each; over the built-in stack the probes
//!   still in flight when the race is decided are dropped, which closes their sockets; over a
//!   blocking stack of the host's own they finish on its bounded pool and their answers go
//!   nowhere;
//! - probes ask the server to close the connection after answering (`Connection: close`), so
//!   no probe's socket is kept in the pool.

use std::time::Duration;

use plexlink_core::Token;
use plexlink_core::race::{RaceOutcome, Tier};
use plexlink_core::resources::{Connection, Device};

/// A server and the connection chosen for it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Connected {
    /// The server.
    pub device: Device,
    /// The winning connection as plex.tv advertised it.
    pub connection: Connection,
    /// The URI to use (the connection's, or its plain-HTTP twin's).
    pub uri: String,
    /// Every candidate's result, latency and why it lost.
    pub outcome: RaceOutcome,
    /// How long choosing took.
    pub elapsed: Duration,
}

impl Connected {
    /// The token to use with this server: its own `accessToken` (a shared server refuses the
    /// account token), if plex.tv gave one.
    pub fn access_token(&self) -> Option<&Token> {
        self.device.access_token.as_ref()
    }

    /// The chosen connection's tier (local, remote, relay), as the race judged it.
    pub fn tier(&self) -> Option<Tier> {
        self.outcome.winning_candidate().map(|c| c.tier)
    }
}
