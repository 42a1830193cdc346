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
//! [`Scenario::dual_stack`] is the same world plus "Dual Stack" (owned by alice): `local` on
//! 127.0.0.1 and `local-v6` on `[::1]`, both https (see [IPv6](#ipv6)).
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
//! # IPv6
//!
//! A connection with [`Connection::ipv6`] set listens on `[::1]:PORT` and is advertised as
//! plex.tv advertises IPv6 connections: `"address":"::1"`, `"IPv6":true`, `"uri"`
//! `http://[::1]:PORT`, or for an https one `https://0-0-0-0-0-0-0-1.<hash>.plex.direct:PORT`
//! (the label is the eight groups of the address in hex, joined by `-`, never shortened). Like
//! plex.tv, resources list such a connection only with `includeIPv6=1`. On a machine without
//! an IPv6 loopback ([`Emulator::ipv6_available`] is false) a scenario with one fails to start
//! with `AddrNotAvailable` naming the connection, rather than start without it: a test that
//! needs it checks first and skips.
//!
//! # Changes while running
//!
//! What issue-style tests need to see a client keep (or lose) its connection:
//!
//! - [`Emulator::set_behaviour`] changes a connection's [`Behaviour`] at once, its port and
//!   URI staying. Turned dead, its listener is closed (connects are refused: `ECONNREFUSED`)
//!   and its open connections are closed (a kept-alive socket sees end of stream; a request
//!   sent on it after the change is never answered). Back from dead, the same port listens
//!   again: it is held meanwhile by a socket that never listens (with `SO_REUSEPORT`), so
//!   nothing else can take it. Slow takes the new delay from the next request. Blackhole
//!   accepts and never answers; a request on a connection opened before waits until the
//!   behaviour changes again, then is answered (or closed, if dead). Resources' `presence` is
//!   false while every connection of a server is dead.
//! - [`Emulator::set_plex_tv_down`] takes plex.tv down: every request to the plex.tv
//!   listener except control requests (`/_emulator/...`, which share its port and keep
//!   working) has its connection closed without an answer, a transport error for the client.
//!   Connects still succeed (the port must stay open for control requests), so "refused" is
//!   "closed unanswered" here, not `ECONNREFUSED`. [`Emulator::set_plex_tv_down_mode`] with
//!   [`DownMode::Unavailable`] answers 503 (an HTML page, `Retry-After: 30`) instead. The
//!   PMS listeners keep working.
//! - The counters go on counting: TCP connections accepted (none for a refused connect),
//!   requests (those refused while plex.tv is down too; not those held by a blackhole), so a
//!   test can count a client's rechecks.
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
//! requests by method and path (every connection is listed, dead ones with zeros); [`Emulator::requests`] is the timed request log, each entry with
//! the kind of token the request carried ([`LoggedRequest::token_kind`]: `"jwt"`, `"legacy"`, or
//! none; never the token).
//!
//! # JWT sign-in
//!
//! Plex's 2025 sign-in with a per-device Ed25519 key, on the plex.tv listener (which also stands
//! for clients.plex.tv), checked by the emulator's own code:
//!
//! | endpoint | answer |
//! |---|---|
//! | `GET /api/v2/auth/keys` | `{"keys":[JWK, JWK]}`: the emulator's two Ed25519 keys (`kty` OKP, `crv` Ed25519, `use` sig, `alg` EdDSA, `kid`), always in this order. The first signs Plex JWTs until [`Emulator::rotate_jwt_key`] |
//! | `GET /api/v2/auth/nonce` | `{"nonce":"<uuid>"}`, no token needed, valid [`Scenario::nonce_lifetime_secs`]. More than [`Scenario::nonce_rate_limit_per_minute`] in a minute from one client identifier: 429/1003 with `Retry-After: 1` |
//! | `POST /api/v2/auth/jwk` `{"jwk":{...}}` | with `X-Plex-Token` (legacy or Plex JWT): registers the key for (account, client identifier), one key per client identifier; **201, empty body** |
//! | `POST /api/v2/auth/token` `{"jwt":"<device JWT>"}` | 200 `{"auth_token":"<Plex JWT>"}` |
//!
//! The device JWT (header `{"alg":"EdDSA","typ":"JWT","kid"}`, claims `nonce`, `scope`, `aud`,
//! `iss`, `iat`, `exp`) must name a registered `kid` whose client identifier is its `iss`, be
//! signed by that key, carry a nonce of this emulator that has not expired and was never used,
//! have `aud` plex.tv and an `exp` to come. The Plex JWT: header
//! `{"alg":"EdDSA","typ":"JWT","kid":"<signing key>"}`, claims `iss` "plex.tv", `aud`
//! `["plex.tv","<client id>"]`, `iat` (the clock rounded up to the second), `exp` = `iat` +
//! [`Scenario::jwt_lifetime_secs`] (so valid at least that long), `nonce` and `scope` of the
//! device JWT, `thumbprint` (the device's `kid`), `user` (`id`, `uuid`, `username`, `email`,
//! `friendlyName`, `restricted`).
//!
//! - Every plex.tv endpoint that takes `X-Plex-Token` takes a Plex JWT too (signed by either
//!   key); `/user` then shows it as `authToken`, and sign-out ends that one JWT. An expired one
//!   answers 498/1099, one of a removed device 401/1097. The PMS listeners refuse a Plex JWT
//!   (401), as real servers may; their access tokens keep working.
//! - Issuing a Plex JWT for a client identifier ends the account's legacy token for that client
//!   identifier only: with it, requests answer 401/1001, and a password sign-in or a PIN without
//!   `jwk` fails with 401/1001. Other client identifiers keep using it.
//! - The JWT PIN: `POST /api/v2/pins` with JSON `{"jwk":{...},"strong":true}` (no `strong`: a
//!   short code; an invalid key: 422/1090). `GET /api/v2/pins/{id}?deviceJWT=<device JWT>`
//!   checks the device JWT (signed by the PIN's key, `iss` the client identifier, `exp` to come,
//!   a live nonce of this emulator, which may serve every poll of the PIN) or answers 422/1096;
//!   `authToken` is null until the PIN is approved, then a Plex JWT (the same one on every later
//!   poll): the key is registered and the legacy token ends as above. Without `deviceJWT` the
//!   `authToken` stays null.
//! - Device removal ([`Emulator::remove_jwt_device`]): the key is forgotten; exchanges from that
//!   client identifier answer 422/1097 (with the old key or a new one: recovery takes a new
//!   client identifier, or a JWT PIN, which registers its key again), its Plex JWTs 401/1097.
//!
//! Error codes (JSON `{"errors":[{"code","message","status"}]}` as elsewhere; 1003 and 1097 are
//! plex.tv's, the rest the emulator's own choice):
//!
//! | status | code | message | when |
//! |---|---|---|---|
//! | 429 | 1003 | Too many requests | nonce rate limit |
//! | 422 | 1090 | Invalid JWK... | a key that is not a public Ed25519 JWK with a `kid`; an exchange naming an unknown key, or whose `iss` is not the key's client identifier |
//! | 422 | 1091 | Invalid signature | the device JWT is not signed by its key |
//! | 422 | 1092 | Invalid nonce | not issued here, expired, or used |
//! | 422 | 1093 | Invalid JWT... | not a JWT, not EdDSA, `aud` not plex.tv, `exp` gone |
//! | 422 | 1096 | Invalid device JWT | a JWT PIN's `deviceJWT` |
//! | 422 / 401 | 1097 | jwk missing | an exchange / a Plex JWT of a removed device |
//! | 422 | 1098 | Thumbprint Already Taken | the `kid` is registered for another client identifier |
//! | 498 | 1099 | Token expired | a Plex JWT past its `exp` |
//!
//! Lifetimes and the nonce limit change at run time with [`Emulator::set_jwt_settings`] (for
//! tests: a 2 s Plex JWT to see 498 and refresh, a 2 s nonce to see a sign-in outlive one).
//!
//! # Control over HTTP
//!
//! For callers in other languages, the plex.tv listener also answers `/_emulator/...`:
//! `GET pins`, `POST pins/{id}/approve` (form or query `account`), `POST pins/{id}/expire`,
//! `POST codes/approve` (`code`, `account`), `GET|POST|DELETE faults` (POST takes a [`Fault`]
//! as JSON), `GET counters`, `POST counters/reset`, `GET requests` (the timed log),
//! `GET scenario`, `GET servers` (URIs), `GET ca` (the test authority's PEM,
//! [`Emulator::ca_pem`]), and for JWT sign-in `POST jwt/rotate` (answers `{"kid":"<now
//! signing>"}`), `GET jwt/devices` (registered keys, [`JwtDevice`]),
//! `POST jwt/devices/{client_identifier}/remove` (percent-encoded; 204, or 404 when none is
//! registered), `GET|POST jwt/settings` (POST takes any subset of
//! `{"jwt_lifetime_secs":N,"nonce_lifetime_secs":N,"nonce_rate_limit_per_minute":N}`, both
//! answer the settings in force).
//!
//! Changes while running (server and connection names percent-encoded, e.g. `Living%20Room`):
//!
//! | request | body | answer |
//! |---|---|---|
//! | `GET servers/{server}/connections/{connection}/behaviour` | | 200, the behaviour in force, e.g. `{"kind":"good"}` |
//! | `POST servers/{server}/connections/{connection}/behaviour` | a [`Behaviour`] as the scenario writes it, `{"kind":"slow","ms":300}`, or with `behaviour` for `kind`: `{"behaviour":"dead"}` (`good`, `slow` with `ms`, `dead`, `blackhole`, `wrong_id`, `unauthorized`) | 200, the behaviour now in force; 400 for a bad body, 404 for an unknown connection, 500 when the port cannot listen again |
//! | `GET plextv` | | 200 `{"down":false,"mode":"refuse"}` ([`PlexTvStatus`]) |
//! | `POST plextv/down` | none (the mode in force), or `{"mode":"refuse"}` / `{"mode":"503"}` | 200, the status now; 400 for a bad body |
//! | `POST plextv/up` | | 200, the status now (the mode is kept for next time) |
//!
//! A fault as JSON:
//! `{"path_prefix":"/api/v2/pins","method":"GET","kind":{"type":"status","status":429,"retry_after":2},"times":1}`
//! (`kind.type` is one of `status`, `malformed_json`, `oversized` with `bytes`, `delay` with
//! `ms`, `close`).
//!
//! # Not emulated
//!
//! Addresses other than loopback (IPv4 connections are on 127.x, IPv6 ones on ::1), DNS (no
//! plex.direct name resolves), plex.tv refusing connects (down, it still accepts them, see
//! above), a relay that forwards to another listener (a relay is a listener of its own), RS256
//! Plex keys (both keys are EdDSA), and scopes (every Plex JWT carries every user claim).

mod auth;
mod clock;
mod control;
mod counters;
mod faults;
mod jwt;
mod live;
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
    Account, Behaviour, ClientDevice, Connection, DUAL_STACK, DUAL_STACK_TOKEN, Home, Scenario, Server, Share,
    Subscription, TwoFactor,
};
pub use state::{DownMode, EmuError, PinInfo, PlexTvStatus};

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

    /// Changes how a connection behaves, from now on; its port and advertised URI stay.
    ///
    /// When this returns the change is in force:
    /// - to [`Behaviour::Dead`]: the listener is closed, so a connect is refused (the kernel
    ///   answers with a reset: `ECONNREFUSED`), and every open connection to it is closed
    ///   (a FIN; a request on it after this call is never answered), so a client's pooled
    ///   socket fails as when a real server goes down;
    /// - from dead to anything else: the same port listens again (a connect completes at once;
    ///   its requests are answered as soon as the emulator's thread gets to them);
    /// - [`Behaviour::Slow`]: requests arriving from now on wait the new delay;
    /// - [`Behaviour::Blackhole`]: new connections are accepted and never answered; a request
    ///   on a connection opened before waits, unanswered, until the behaviour changes again
    ///   (a connection accepted while blackholed is never answered, whatever comes later);
    /// - the others apply to the next request.
    ///
    /// Fails with [`EmuError::UnknownConnection`], or [`EmuError::Listen`] when the port cannot
    /// listen again (only on systems without `SO_REUSEPORT`, such as Windows, where the port is
    /// not held while a connection is dead). [`Emulator::scenario`] keeps the behaviours the
    /// emulator started with; [`Emulator::behaviour`] tells the one in force.
    pub fn set_behaviour(&self, server: &str, connection: &str, behaviour: Behaviour) -> Result<(), EmuError> {
        server::set_behaviour(&self.running.shared, server, connection, behaviour)
    }

    /// The behaviour in force of a connection (`None` when there is no such connection).
    pub fn behaviour(&self, server: &str, connection: &str) -> Option<Behaviour> {
        self.running
            .shared
            .slot(server, connection)
            .map(|slot| slot.live().behaviour)
    }

    /// Takes plex.tv down (`true`) or brings it back (`false`), in the mode set by
    /// [`Emulator::set_plex_tv_down_mode`] ([`DownMode::Refuse`] unless changed).
    ///
    /// While it is down every request to the plex.tv listener (API, pages, preflights) is
    /// refused, except control requests under `/_emulator/`, which keep working so that a test
    /// in another language can bring it back, and which share its port. So "refused" cannot be
    /// a refused connect: the connection is accepted, the request is read (and counted), and
    /// the connection is closed without an answer (a FIN), which a client sees as a transport
    /// error ("connection closed before the message completed"), as with a network that drops
    /// it. Kept-alive connections are treated alike at their next request. With
    /// [`DownMode::Unavailable`] such requests are answered 503 instead. PMS listeners are not
    /// affected, and faults are not consumed while it is down.
    pub fn set_plex_tv_down(&self, down: bool) {
        lock(&self.running.shared.plextv).down = down;
    }

    /// Chooses what a plex.tv that is down does; takes effect at once if it is down now.
    pub fn set_plex_tv_down_mode(&self, mode: DownMode) {
        lock(&self.running.shared.plextv).mode = mode;
    }

    /// Whether plex.tv is down, and its down mode.
    pub fn plex_tv_status(&self) -> PlexTvStatus {
        *lock(&self.running.shared.plextv)
    }

    /// Whether this machine has an IPv6 loopback (`[::1]` can be bound). A scenario with an
    /// IPv6 connection ([`Connection::ipv6`], [`Scenario::dual_stack`]) fails to start without
    /// one (`AddrNotAvailable`, naming the connection), so tests check this first and skip.
    pub fn ipv6_available() -> bool {
        server::ipv6_available()
    }

    /// Stops the emulator and waits until every port is closed (what dropping it does).
    pub fn stop(self) {
        drop(self);
    }
}
