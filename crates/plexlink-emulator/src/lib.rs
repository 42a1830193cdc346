//! A local stand-in for plex.tv and Plex Media Servers, on 127.0.0.1.
//!
//! Every plexlink test, example and the CLI's demo talk to this instead of Plex: no internet,
//! no Plex account. It answers the wire shapes of `docs/protocol.md` itself and deliberately does not
//! use `plexlink-core`, so that a mistake in the core is not echoed here.
//!
//! ```no_run
//! use plexlink_emulator::Emulator;
//!
//! let emu = Emulator::start_default()?;
//! println!("plex.tv stand-in at {}", emu.url()); // http://127.0.0.1:PORT/
//! // ... create a PIN with a client pointed at emu.url(), then:
//! for pin in emu.pins() {
//!     emu.approve_pin(pin.id, "alice")?;
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The built-in scenario ([`Scenario::default`])
//!
//! | account | password | notes |
//! |---|---|---|
//! | `alice` (alice@example.com) | `alice-password` | plain; token 536 characters long; owns "Living Room", sees "Friend's Server" |
//! | `bob` (bob@example.com) | `bob-password` | 2FA: code `123456`, backup code `backup-code-1234567890` |
//! | `carol` (carol@example.com) | `carol-password` | Home admin of "Carol's Home"; owns "Home Server" |
//! | `dave` | — | managed Home user, not protected; sees "Home Server" as `owned:false` |
//! | `erin` | — | managed Home user, protected by Home PIN `1234` |
//! | `frank` (frank@example.com) | `frank-password` | owns "Friend's Server", shared with alice |
//!
//! Tokens: [`Emulator::token_for`]. Five failed sign-ins from one client identifier lock it
//! out (401/1031).
//!
//! "Living Room" connections: `local` (good), `local-dead` (refuses), `local-blackhole`
//! (accepts, never answers), `remote-slow` (300 ms), `local-wrong-id` (another machine
//! identifier), `relay` (good, relay). "Friend's Server": `local`, `remote`. "Home Server":
//! `local`, `relay`. All on 127.0.0.1, each its own port: [`Emulator::server_uri`].
//!
//! # https and plex.direct names
//!
//! A connection with [`Connection::https`] set is advertised the way plex.tv advertises a real
//! server's: `"protocol":"https"`, `"uri":"https://127-0-0-1.<hash>.plex.direct:PORT"`, with
//! the server's [`Server::plex_direct_hash`]. Its listener speaks TLS with a certificate for
//! `*.<hash>.plex.direct`, signed by a certificate authority the emulator makes when it starts
//! ([`Emulator::ca_pem`]: trust it in the client under test), and plain http on the same port
//! (a Plex Media Server answers both). Nothing resolves these names here: a client reaches such
//! a connection only by reading the address from the name, which is what a router with
//! DNS-rebinding protection forces on it.
//!
//! ```no_run
//! use plexlink_emulator::{Behaviour, Connection, Emulator, Scenario};
//!
//! let mut scenario = Scenario::default();
//! scenario.servers[0].connections = vec![Connection {
//!     https: true,
//!     ..Connection::new("local", Behaviour::Good, true)
//! }];
//! let emu = Emulator::start(scenario)?;
//! let uri = emu.server_uri("Living Room", "local").unwrap(); // https://127-0-0-1.<hash>.plex.direct:PORT
//! let ca = emu.ca_pem(); // trust this in the client
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # XML
//!
//! Like plex.tv, the plex.tv listener answers XML when a request's `Accept` does not ask for
//! JSON (python-plexapi reads XML): `<pin .../>`, `<user ...>` (user, sign-in, Home switch),
//! `<home>`, `<resources size="N"><resource ...><connections><connection .../>...`, and the
//! errors as `<errors><error .../></errors>`. Attributes carry the JSON answer's fields (booleans
//! as `1`/`0`); nested objects become child elements, lists a wrapper element holding one child
//! per item. The PMS listeners answer XML too (`/identity`, `/`, token calls).
//!
//! # Counters
//!
//! [`Emulator::counters`] counts, per listener, TCP connections accepted, TLS handshakes, the
//! connections still open (so a test can check that a client left no socket behind) and
//! requests by method and path; [`Emulator::requests`] is the timed request log.
//!
//! # Control over HTTP
//!
//! For callers in other languages, the plex.tv listener also answers `/_emulator/...`:
//! `GET pins`, `POST pins/{id}/approve` (form or query `account`), `POST pins/{id}/expire`,
//! `POST codes/approve` (`code`, `account`), `GET|POST|DELETE faults` (POST takes a [`Fault`]
//! as JSON), `GET counters`, `POST counters/reset`, `GET requests` (the timed log),
//! `GET scenario`, `GET servers` (URIs), `GET ca` (the test authority's PEM,
//! [`Emulator::ca_pem`]). A fault as JSON:
//! `{"path_prefix":"/api/v2/pins","method":"GET","kind":{"type":"status","status":429,"retry_after":2},"times":1}`
//! (`kind.type` is one of `status`, `malformed_json`, `oversized` with `bytes`, `delay` with
//! `ms`, `close`).
//!
//! # Not emulated
//!
//! The JWT endpoints (`/api/v2/auth/jwk|nonce|token|keys`; a `jwk` in a PIN request is accepted
//! and ignored), IPv6 connections (every connection is on 127.x), DNS (no plex.direct name
//! resolves), and a relay that forwards to another listener (a relay is a listener of its own).

mod auth;
mod clock;
mod control;
mod counters;
mod faults;
mod jwt;
mod pages;
mod plextv;
mod pms;
mod reply;
mod request;
mod rng;
mod scenario;
mod server;
mod state;
mod tls;

pub use auth::{JwtDevice, JwtSettings};
pub use counters::{Counters, ListenerCounters, LoggedRequest, normalize_path};
pub use faults::{Fault, FaultKind};
pub use scenario::{
    Account, Behaviour, ClientDevice, Connection, Home, Scenario, Server, Share, Subscription, TwoFactor,
};
pub use state::{EmuError, PinInfo};

use state::lock;

/// A running emulator: plex.tv on one port of 127.0.0.1 and one listener per PMS connection.
///
/// It runs its own tokio runtime on a background thread, so it can be used from plain
/// synchronous tests. Dropping it (or [`Emulator::stop`]) stops the runtime, closes every port
/// and joins the thread.
pub struct Emulator {
    running: server::Running,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Starts an emulator for `scenario` on a free port.
    ///
    /// Fails when the scenario is inconsistent (`InvalidInput`, see [`Scenario::validate`]) or
    /// a port cannot be bound.
    pub fn start(scenario: Scenario) -> std::io::Result<Emulator> {
        Emulator::start_on(scenario, 0)
    }

    /// Starts an emulator of the built-in scenario ([`Scenario::default`]) on a free port.
    pub fn start_default() -> std::io::Result<Emulator> {
        Emulator::start(Scenario::default())
    }

    /// Starts an emulator with plex.tv on `port` of 127.0.0.1 (0 picks a free one). PMS
    /// listeners always take free ports.
    pub fn start_on(scenario: Scenario, port: u16) -> std::io::Result<Emulator> {
        Ok(Emulator {
            running: server::start(scenario, port)?,
        })
    }

    /// The plex.tv base URL, `http://127.0.0.1:PORT/` (with the trailing slash).
    pub fn url(&self) -> String {
        self.running.shared.base_url.clone()
    }

    /// The scenario this emulator plays.
    pub fn scenario(&self) -> &Scenario {
        &self.running.shared.scenario
    }

    /// Approves a PIN for an account (username or e-mail), as if its owner signed in on the
    /// consent page. The next check of the PIN by its creator gets the account's token.
    pub fn approve_pin(&self, pin_id: u64, account: &str) -> Result<(), EmuError> {
        self.running.shared.approve_pin(pin_id, account)
    }

    /// Approves the live short PIN with this 4-character code (case-insensitive), as the
    /// `/link` page does; strong codes are refused as on plex.tv/link. Returns the PIN id.
    pub fn approve_code(&self, code: &str, account: &str) -> Result<u64, EmuError> {
        self.running.shared.approve_code(code, account, false)
    }

    /// Expires a PIN now: checks of it answer 404/1020 from then on.
    pub fn expire_pin(&self, pin_id: u64) -> Result<(), EmuError> {
        self.running.shared.expire_pin(pin_id)
    }

    /// Every PIN created so far, oldest first (ids grow), expired ones included.
    pub fn pins(&self) -> Vec<PinInfo> {
        self.running.shared.pins()
    }

    /// Adds a fault; faults are tried in the order they were added, the first match wins.
    pub fn add_fault(&self, fault: Fault) {
        lock(&self.running.shared.faults).add(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        lock(&self.running.shared.faults).clear();
    }

    /// A snapshot of the request and TCP connection counts of every listener.
    pub fn counters(&self) -> Counters {
        lock(&self.running.shared.counters).clone()
    }

    /// Zeros every count and empties the request log.
    pub fn reset_counters(&self) {
        self.running.shared.reset_counters();
    }

    /// The requests seen so far (up to the last 10,000), oldest first, each with its time in
    /// milliseconds since the start or the last [`Emulator::reset_counters`]: enough to check
    /// that a client waited after a 429 or polled at its interval.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.running.shared.log).entries()
    }

    /// The account token of an account (username or e-mail), whether or not it is signed out.
    pub fn token_for(&self, account: &str) -> Option<String> {
        self.scenario().account(account).map(|a| a.token.clone())
    }

    /// The advertised URI of a server's connection, e.g. `http://127.0.0.1:40123` (no trailing
    /// slash, as in resources), dead connections included; for an https connection
    /// `https://127-0-0-1.<hash>.plex.direct:40123`.
    pub fn server_uri(&self, server: &str, connection: &str) -> Option<String> {
        self.running.shared.uri(server, connection)
    }

    /// The PEM certificate of the certificate authority that signs the https listeners'
    /// certificates (`*.<hash>.plex.direct`). A new authority is made at every start, so a
    /// client trusts only the emulator it was given this by.
    pub fn ca_pem(&self) -> String {
        self.running.shared.ca_pem.clone()
    }

    /// Makes the emulator's other Ed25519 key the one that signs Plex JWTs from now on (the
    /// first key signs until the first rotation; each rotation switches). Plex JWTs signed by
    /// either key stay valid. Returns the `kid` that signs now.
    pub fn rotate_jwt_key(&self) -> String {
        self.running.shared.rotate_jwt_key()
    }

    /// Removes a device from the account's Authorized Devices, as its owner can on plex.tv:
    /// its registered key is forgotten, its exchanges answer 422/1097 ("jwk missing") and its
    /// Plex JWTs 401/1097. Fails when no key is registered for this client identifier.
    pub fn remove_jwt_device(&self, client_identifier: &str) -> Result<(), EmuError> {
        self.running.shared.remove_jwt_device(client_identifier)
    }

    /// The device keys registered now, by client identifier.
    pub fn jwt_devices(&self) -> Vec<JwtDevice> {
        self.running.shared.jwt_devices()
    }

    /// Changes the JWT lifetimes and the nonce limit from now on (fields left `None` keep
    /// their value); tokens and nonces already issued keep theirs. Returns the settings in force.
    pub fn set_jwt_settings(&self, changes: JwtSettings) -> JwtSettings {
        self.running.shared.set_jwt_settings(changes)
    }

    /// The JWT settings in force (every field set): the scenario's, unless changed since.
    pub fn jwt_settings(&self) -> JwtSettings {
        self.running.shared.set_jwt_settings(JwtSettings::default())
    }

    /// Stops the emulator and waits until every port is closed (what dropping it does).
    pub fn stop(self) {
        drop(self);
    }
}
