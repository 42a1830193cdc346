//! What the emulator remembers while it runs (PINs, signed-out tokens, failed sign-ins,
//! transient tokens, faults, counters), shared by the listeners and the [`crate::Emulator`]
//! handle. Every lock is short and never held across an `.await`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::runtime::Handle;

use serde::{Deserialize, Serialize};

use crate::auth::JwtState;
use crate::clock::unix_now;
use crate::counters::{Counters, RequestLog};
use crate::faults::Faults;
use crate::jwt::DeviceKey;
use crate::live::Slot;
use crate::rng::{CODE_ALPHABET, Rng, TOKEN_ALPHABET};
use crate::scenario::{Account, Behaviour, Connection, Scenario, Server};

/// Why a control call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmuError {
    /// No PIN has this id.
    #[error("no PIN with id {0}")]
    UnknownPin(u64),
    /// No live short PIN has this code.
    #[error("no PIN with code {0:?} (or it has expired)")]
    UnknownCode(String),
    /// The PIN exists but has expired.
    #[error("PIN {0} has expired")]
    PinExpired(u64),
    /// No account has this username or e-mail.
    #[error("no account {0:?} in the scenario")]
    UnknownAccount(String),
    /// No JWT device key is registered for this client identifier.
    #[error("no JWT device registered for client identifier {0:?}")]
    UnknownDevice(String),
    /// The scenario has no such server, or the server no connection of this name.
    #[error("no connection {1:?} of server {0:?}")]
    UnknownConnection(String, String),
    /// A connection coming back from dead could not listen on its port again (only where
    /// ports cannot be shared, see [`crate::Emulator::set_behaviour`]).
    #[error("cannot listen on the connection's port again: {0}")]
    Listen(String),
}

/// What a plex.tv listener that is down does with a plex.tv request (never with a control
/// request under `/_emulator/`). As JSON: `"refuse"` or `"503"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DownMode {
    /// Closes the connection without an answer, as when plex.tv cannot be reached (see
    /// [`crate::Emulator::set_plex_tv_down`] for why not a refused connect).
    #[default]
    #[serde(rename = "refuse")]
    Refuse,
    /// Answers `503 Service Unavailable` (an HTML page, as a load balancer in front of a
    /// service that is down does) with `Retry-After: 30`.
    #[serde(rename = "503")]
    Unavailable,
}

/// Whether plex.tv is down, and how; `GET /_emulator/plextv` answers it as JSON,
/// `{"down":false,"mode":"refuse"}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlexTvStatus {
    /// Down now.
    pub down: bool,
    /// What a down plex.tv does; kept while it is up, for the next time it goes down.
    pub mode: DownMode,
}

/// A PIN as the control API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PinInfo {
    /// The PIN id (`GET /api/v2/pins/{id}`).
    pub id: u64,
    /// The code shown to the person (4 characters, or long for a strong PIN).
    pub code: String,
    /// Created with `strong=true`.
    pub strong: bool,
    /// The `X-Plex-Client-Identifier` that created it (only it may check the PIN).
    pub client_identifier: String,
    /// The `X-Plex-Product` that created it.
    pub product: String,
    /// Approved by someone.
    pub approved: bool,
    /// The username that approved it.
    pub account: Option<String>,
    /// Expired, by the clock or by `expire_pin`.
    pub expired: bool,
    /// Created with a `jwk` (the JWT variant): approving it hands out a Plex JWT.
    #[serde(default)]
    pub jwk: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Pin {
    pub(crate) id: u64,
    pub(crate) code: String,
    pub(crate) strong: bool,
    pub(crate) client_identifier: String,
    pub(crate) product: String,
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) expired_by_hand: bool,
    pub(crate) account: Option<String>,
    /// The device key of a JWT PIN.
    pub(crate) jwk: Option<DeviceKey>,
    /// The Plex JWT a JWT PIN handed out, handed out again to later checks.
    pub(crate) plex_jwt: Option<String>,
}

impl Pin {
    pub(crate) fn is_expired(&self, now: i64) -> bool {
        self.expired_by_hand || now >= self.expires_at
    }

    fn info(&self, now: i64) -> PinInfo {
        PinInfo {
            id: self.id,
            code: self.code.clone(),
            strong: self.strong,
            client_identifier: self.client_identifier.clone(),
            product: self.product.clone(),
            approved: self.account.is_some(),
            account: self.account.clone(),
            expired: self.is_expired(now),
            jwk: self.jwk.is_some(),
        }
    }
}

/// Mutable world state.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) pins: BTreeMap<u64, Pin>,
    next_pin_id: u64,
    /// Account tokens signed out; signing in again (or switching to the user) re-enables them.
    pub(crate) revoked: HashSet<String>,
    /// Failed sign-ins per client identifier (the real service counts per IP; on loopback
    /// every client shares one IP, so the client identifier stands in for it).
    pub(crate) failed_sign_ins: HashMap<String, u32>,
    /// Transient tokens → the server name that issued them.
    pub(crate) transient_tokens: HashMap<String, String>,
    /// JWT sign-in: keys, nonces, registered devices, legacy tokens ended.
    pub(crate) jwt: JwtState,
    pub(crate) rng: Rng,
}

impl State {
    fn new(scenario: &Scenario) -> State {
        let mut rng = Rng::new();
        // Realistic nine-digit ids, different on every run so that a client cannot lean on them.
        let next_pin_id = 300_000_000 + rng.next_u64() % 600_000_000;
        State {
            pins: BTreeMap::new(),
            next_pin_id,
            revoked: HashSet::new(),
            failed_sign_ins: HashMap::new(),
            transient_tokens: HashMap::new(),
            jwt: JwtState::new(&mut rng, scenario),
            rng,
        }
    }

    pub(crate) fn create_pin(
        &mut self,
        strong: bool,
        client_identifier: &str,
        product: &str,
        lifetime: u64,
        jwk: Option<DeviceKey>,
    ) -> Pin {
        let now = unix_now();
        let code = loop {
            let code = if strong {
                self.rng.string(TOKEN_ALPHABET, 25)
            } else {
                self.rng.string(CODE_ALPHABET, 4)
            };
            if !self.pins.values().any(|p| p.code == code && !p.is_expired(now)) {
                break code;
            }
        };
        let id = self.next_pin_id;
        self.next_pin_id += 1 + self.rng.next_u64() % 7;
        let pin = Pin {
            id,
            code,
            strong,
            client_identifier: client_identifier.to_string(),
            product: product.to_string(),
            created_at: now,
            expires_at: now.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX)),
            expired_by_hand: false,
            account: None,
            jwk,
            plex_jwt: None,
        };
        self.pins.insert(id, pin.clone());
        pin
    }

    /// The live PIN with this code (case-insensitive); short codes only unless `strong_too`,
    /// since plex.tv/link accepts only the 4-character code.
    fn live_pin_by_code(&mut self, code: &str, strong_too: bool) -> Option<&mut Pin> {
        let now = unix_now();
        let code = code.trim();
        self.pins
            .values_mut()
            .find(|p| (strong_too || !p.strong) && !p.is_expired(now) && p.code.eq_ignore_ascii_case(code))
    }

    pub(crate) fn new_token(&mut self, prefix: &str) -> String {
        format!("{prefix}{}", self.rng.string(TOKEN_ALPHABET, 20))
    }
}

/// Everything the listeners and the handle share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) scenario: Scenario,
    /// The plex.tv base URL, with a trailing slash.
    pub(crate) base_url: String,
    /// Every PMS connection's port and behaviour, by server and connection index.
    pub(crate) slots: Vec<Vec<Arc<Slot>>>,
    /// The emulator's runtime, for listeners opened from another thread.
    pub(crate) runtime: Handle,
    /// plex.tv down or up.
    pub(crate) plextv: Mutex<PlexTvStatus>,
    pub(crate) state: Mutex<State>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) counters: Mutex<Counters>,
    pub(crate) log: Mutex<RequestLog>,
    /// The test certificate authority (PEM) that signs the https listeners' certificates.
    pub(crate) ca_pem: String,
}

/// Locks a mutex, carrying on after a panic elsewhere: the emulator's state stays usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// How a connection is advertised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Advertised {
    /// `http` or `https`.
    pub(crate) protocol: &'static str,
    /// The IP address.
    pub(crate) address: String,
    /// The listener's port.
    pub(crate) port: u16,
    /// What a client should use.
    pub(crate) uri: String,
}

/// What a token may do on one PMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PmsAccess {
    /// The owner: account token, the owner's server token or a transient token of this server.
    Admin,
    /// A share's server token.
    User,
    /// Missing or unknown here.
    None,
}

impl Shared {
    pub(crate) fn new(
        scenario: Scenario,
        base_url: String,
        slots: Vec<Vec<Arc<Slot>>>,
        runtime: Handle,
        ca_pem: String,
    ) -> Shared {
        Shared {
            state: Mutex::new(State::new(&scenario)),
            scenario,
            base_url,
            slots,
            runtime,
            plextv: Mutex::new(PlexTvStatus::default()),
            faults: Mutex::new(Faults::default()),
            counters: Mutex::new(Counters::default()),
            log: Mutex::new(RequestLog::new()),
            ca_pem,
        }
    }

    /// The advertised URI of a connection, e.g. `http://127.0.0.1:40123`, or
    /// `https://127-0-0-1.<hash>.plex.direct:40123` for an https one.
    pub(crate) fn uri(&self, server: &str, connection: &str) -> Option<String> {
        let slot = self.slot(server, connection)?;
        let server = &self.scenario.servers[slot.server];
        Some(self.advertised(server, &server.connections[slot.connection], true).uri)
    }

    /// The slot of a connection, by server and connection name.
    pub(crate) fn slot(&self, server: &str, connection: &str) -> Option<&Arc<Slot>> {
        let si = self.scenario.servers.iter().position(|s| s.name == server)?;
        let ci = self.scenario.servers[si]
            .connections
            .iter()
            .position(|c| c.name == connection)?;
        self.slots.get(si)?.get(ci)
    }

    /// The behaviour in force of a connection, by index (every connection has a slot; dead
    /// for an index that names none, which nothing passes).
    pub(crate) fn behaviour_at(&self, server: usize, connection: usize) -> Behaviour {
        self.slots
            .get(server)
            .and_then(|s| s.get(connection))
            .map_or(Behaviour::Dead, |slot| slot.live().behaviour)
    }

    /// A connection as resources and `/security/resources` advertise it. Without
    /// `include_https` (resources without `includeHttps=1`) an https connection is advertised
    /// as plain http to its address, which its listener also answers.
    pub(crate) fn advertised(&self, server: &Server, connection: &Connection, include_https: bool) -> Advertised {
        let port = self.port(server, connection);
        let Some(ip) = connection.ip() else {
            // `Scenario::validate` refuses such a connection: never reached.
            return Advertised {
                protocol: "http",
                address: connection.address.clone(),
                port,
                uri: format!("http://{}:{port}", connection.address),
            };
        };
        let address = ip.to_string();
        if connection.https && include_https {
            Advertised {
                protocol: "https",
                uri: format!("https://{}:{port}", crate::tls::plex_direct_host(ip, server)),
                address,
                port,
            }
        } else {
            Advertised {
                protocol: "http",
                // `SocketAddr` brackets an IPv6 address, as a URI needs.
                uri: format!("http://{}", std::net::SocketAddr::new(ip, port)),
                address,
                port,
            }
        }
    }

    fn port(&self, server: &Server, connection: &Connection) -> u16 {
        self.slot(&server.name, &connection.name).map_or(0, |s| s.port())
    }

    /// The account whose (not signed-out) account token this is.
    pub(crate) fn account_for_token(&self, token: Option<&str>) -> Option<&Account> {
        let token = token?;
        let account = self.scenario.account_by_token(token)?;
        (!lock(&self.state).revoked.contains(token)).then_some(account)
    }

    pub(crate) fn pms_access(&self, server: &Server, token: Option<&str>) -> PmsAccess {
        let Some(token) = token else {
            return PmsAccess::None;
        };
        if token == server.access_token {
            return PmsAccess::Admin;
        }
        if self
            .account_for_token(Some(token))
            .is_some_and(|a| a.username == server.owner)
        {
            return PmsAccess::Admin;
        }
        if lock(&self.state)
            .transient_tokens
            .get(token)
            .is_some_and(|s| *s == server.name)
        {
            return PmsAccess::Admin;
        }
        if server.shares.iter().any(|s| s.access_token == token) {
            return PmsAccess::User;
        }
        PmsAccess::None
    }

    /// Zeros the counters and empties the request log.
    pub(crate) fn reset_counters(&self) {
        lock(&self.counters).reset();
        lock(&self.log).reset();
    }

    pub(crate) fn pins(&self) -> Vec<PinInfo> {
        let now = unix_now();
        lock(&self.state).pins.values().map(|p| p.info(now)).collect()
    }

    pub(crate) fn approve_pin(&self, pin_id: u64, account: &str) -> Result<(), EmuError> {
        let username = self.username(account)?;
        let mut state = lock(&self.state);
        let pin = state.pins.get_mut(&pin_id).ok_or(EmuError::UnknownPin(pin_id))?;
        if pin.is_expired(unix_now()) {
            return Err(EmuError::PinExpired(pin_id));
        }
        pin.account = Some(username);
        Ok(())
    }

    /// Approves the live PIN with this code; `strong_too` also accepts strong codes (the
    /// app.plex.tv page does, plex.tv/link does not).
    pub(crate) fn approve_code(&self, code: &str, account: &str, strong_too: bool) -> Result<u64, EmuError> {
        let username = self.username(account)?;
        let mut state = lock(&self.state);
        let pin = state
            .live_pin_by_code(code, strong_too)
            .ok_or_else(|| EmuError::UnknownCode(code.to_string()))?;
        pin.account = Some(username);
        Ok(pin.id)
    }

    pub(crate) fn expire_pin(&self, pin_id: u64) -> Result<(), EmuError> {
        let mut state = lock(&self.state);
        let pin = state.pins.get_mut(&pin_id).ok_or(EmuError::UnknownPin(pin_id))?;
        pin.expired_by_hand = true;
        Ok(())
    }

    fn username(&self, account: &str) -> Result<String, EmuError> {
        self.scenario
            .account(account)
            .map(|a| a.username.clone())
            .ok_or_else(|| EmuError::UnknownAccount(account.to_string()))
    }
}
