//! Plex's JWT sign-in (WIRE.md §5): the emulator's signing keys, nonces, registered device
//! keys, the exchange of a device JWT for a Plex JWT, the JWT variant of the PIN, and the
//! check of a token (legacy or Plex JWT) that every plex.tv endpoint with `X-Plex-Token` makes.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clock::unix_now_ms;
use crate::jwt::{self, DeviceKey, Jws};
use crate::reply::{self, Body, plex_error};
use crate::request::Req;
use crate::rng::Rng;
use crate::scenario::{Account, Scenario};
use crate::state::{EmuError, Pin, Shared, State, lock};

type Response = http::Response<Body>;

// plex.tv's codes where reports name them (1003, 1097); the others are the emulator's own
// choice, one per failure, so that a test can tell them apart.
/// 429: too many nonces from one client identifier.
pub(crate) const TOO_MANY_REQUESTS: u32 = 1003;
/// 422: a JWK that is not an Ed25519 public key (or an exchange naming an unknown key).
pub(crate) const INVALID_JWK: u32 = 1090;
/// 422: the device JWT's signature is not by its registered key.
pub(crate) const INVALID_SIGNATURE: u32 = 1091;
/// 422: the nonce was not issued here, has expired or was used already.
pub(crate) const INVALID_NONCE: u32 = 1092;
/// 422: not a JWT, not EdDSA, `aud` not plex.tv, or its `exp` has passed.
pub(crate) const INVALID_JWT: u32 = 1093;
/// 422: the device JWT of a JWT PIN's check is not acceptable.
pub(crate) const INVALID_DEVICE_JWT: u32 = 1096;
/// 422 on an exchange, 401 on a Plex JWT: the device was removed from Authorized Devices.
pub(crate) const JWK_MISSING: u32 = 1097;
/// 422: the key's `kid` is registered for another client identifier.
pub(crate) const THUMBPRINT_TAKEN: u32 = 1098;
/// 498: the Plex JWT has expired.
pub(crate) const TOKEN_EXPIRED: u32 = 1099;

/// More live nonces than this (over every client identifier) are refused with 429, so that a
/// caller minting client identifiers cannot grow the emulator's memory without bound.
const MAX_LIVE_NONCES: usize = 100_000;
const MINUTE: Duration = Duration::from_secs(60);

/// Run-time changes to the JWT settings ([`crate::Emulator::set_jwt_settings`],
/// `POST /_emulator/jwt/settings`): each field left `None` keeps its value. Read back from
/// [`crate::Emulator::jwt_settings`] with every field set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JwtSettings {
    /// Lifetime of the Plex JWTs issued from now on, in seconds.
    pub jwt_lifetime_secs: Option<u64>,
    /// Lifetime of the nonces issued from now on, in seconds.
    pub nonce_lifetime_secs: Option<u64>,
    /// Nonces one client identifier may get in a minute before 429 (0: no limit).
    pub nonce_rate_limit_per_minute: Option<u32>,
}

/// A device key registered for an account and a client identifier, as the control API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JwtDevice {
    /// The device's `X-Plex-Client-Identifier`.
    pub client_identifier: String,
    /// The username the key was registered for.
    pub account: String,
    /// The key's `kid`, which Plex JWTs carry as `thumbprint`.
    pub kid: String,
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    jwt_lifetime_secs: u64,
    nonce_lifetime_secs: u64,
    nonce_rate_limit_per_minute: u32,
}

/// One of the emulator's own signing keys.
struct EmulatorKey {
    kid: String,
    signing: SigningKey,
    verifying: VerifyingKey,
}

impl std::fmt::Debug for EmulatorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl EmulatorKey {
    fn new(rng: &mut Rng) -> EmulatorKey {
        let mut seed = [0u8; 32];
        for chunk in seed.chunks_mut(8) {
            chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
        }
        let signing = SigningKey::from_bytes(&seed);
        let verifying = signing.verifying_key();
        let mut id = [0u8; 24];
        for chunk in id.chunks_mut(8) {
            chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
        }
        EmulatorKey {
            kid: jwt::b64url(&id),
            signing,
            verifying,
        }
    }
}

#[derive(Debug)]
struct Device {
    username: String,
    key: DeviceKey,
}

#[derive(Debug)]
struct Nonce {
    /// `None` when the lifetime is too long to count.
    deadline: Option<Instant>,
    used: bool,
}

impl Nonce {
    fn is_live(&self, now: Instant) -> bool {
        self.deadline.is_none_or(|d| now < d)
    }
}

/// The JWT part of the emulator's state (inside [`State`], under its lock).
#[derive(Debug)]
pub(crate) struct JwtState {
    keys: [EmulatorKey; 2],
    /// Index of the key that signs now.
    current: usize,
    settings: Settings,
    /// Client identifier → its registered key (one key per device).
    devices: BTreeMap<String, Device>,
    /// Client identifiers whose device was removed and not registered again.
    removed: HashSet<String>,
    nonces: HashMap<String, Nonce>,
    /// When each client identifier got its nonces in the last minute.
    nonce_times: HashMap<String, VecDeque<Instant>>,
    /// (username, client identifier) pairs that got a Plex JWT: their legacy token is over.
    legacy_ended: HashSet<(String, String)>,
}

impl JwtState {
    pub(crate) fn new(rng: &mut Rng, scenario: &Scenario) -> JwtState {
        JwtState {
            keys: [EmulatorKey::new(rng), EmulatorKey::new(rng)],
            current: 0,
            settings: Settings {
                jwt_lifetime_secs: scenario.jwt_lifetime_secs,
                nonce_lifetime_secs: scenario.nonce_lifetime_secs,
                nonce_rate_limit_per_minute: scenario.nonce_rate_limit_per_minute,
            },
            devices: BTreeMap::new(),
            removed: HashSet::new(),
            nonces: HashMap::new(),
            nonce_times: HashMap::new(),
            legacy_ended: HashSet::new(),
        }
    }

    /// True when this account's legacy token no longer works from this client identifier.
    pub(crate) fn legacy_ended(&self, username: &str, client: &str) -> bool {
        self.legacy_ended.contains(&(username.to_string(), client.to_string()))
    }

    /// The `kid` of another client identifier's registration of this key id, if any.
    fn taken_elsewhere(&self, kid: &str, client: &str) -> bool {
        self.devices.iter().any(|(c, d)| d.key.kid == kid && c != client)
    }

    fn register(&mut self, username: &str, client: &str, key: DeviceKey) {
        self.removed.remove(client);
        self.devices.insert(
            client.to_string(),
            Device {
                username: username.to_string(),
                key,
            },
        );
    }

    /// A nonce that was issued here and has not expired (used or not).
    fn live_nonce(&self, nonce: &str) -> Option<&Nonce> {
        self.nonces.get(nonce).filter(|n| n.is_live(Instant::now()))
    }

    /// Signs a Plex JWT for a device with the current key, and ends the legacy token of
    /// (account, client identifier), as issuing one does on plex.tv.
    fn issue(&mut self, account: &Account, client: &str, thumbprint: &str, nonce: &str, scope: &str) -> String {
        // Rounded up, so a token is valid for at least its whole lifetime (the check counts
        // milliseconds); an `iat` a fraction of a second ahead is within any client's leeway.
        let iat = unix_now_ms().saturating_add(999) / 1000;
        let lifetime = i64::try_from(self.settings.jwt_lifetime_secs).unwrap_or(i64::MAX);
        let key = &self.keys[self.current];
        let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": key.kid});
        let claims = json!({
            "iss": "plex.tv",
            "aud": ["plex.tv", client],
            "iat": iat,
            "exp": iat.saturating_add(lifetime),
            "nonce": nonce,
            "thumbprint": thumbprint,
            "scope": scope,
            "user": {
                "id": account.id,
                "uuid": account.uuid,
                "username": account.username,
                "email": account.email,
                "friendlyName": account.title,
                "restricted": account.managed,
            },
        });
        let token = jwt::sign(&key.signing, &header, &claims);
        self.legacy_ended.insert((account.username.clone(), client.to_string()));
        token
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Denied {
    /// 401/1001: unknown, signed out, forged, or a legacy token this client identifier gave up.
    Unauthorized,
    /// 498/1099: a Plex JWT past its `exp`.
    Expired,
    /// 401/1097: a Plex JWT of a device that was removed since.
    DeviceRemoved,
}

/// Who a request's token speaks for.
#[derive(Debug)]
pub(crate) struct Caller<'a> {
    pub(crate) account: &'a Account,
    /// The token as sent (what `/user` shows as `authToken`, what sign-out ends).
    pub(crate) token: String,
}

/// The answer to a refused token.
pub(crate) fn denied(req: &Req, why: Denied) -> Response {
    let json = req.wants_json();
    match why {
        Denied::Unauthorized => plex_error(json, 401, 1001, "User could not be authenticated"),
        Denied::Expired => plex_error(json, 498, TOKEN_EXPIRED, "Token expired"),
        Denied::DeviceRemoved => plex_error(json, 401, JWK_MISSING, "jwk missing"),
    }
}

fn unprocessable(req: &Req, code: u32, message: &str) -> Response {
    plex_error(req.wants_json(), 422, code, message)
}

fn expired_at(exp: f64, now_ms: i64) -> bool {
    // f64 holds every millisecond count of the next few thousand centuries exactly.
    (now_ms as f64) >= exp * 1000.0
}

impl Shared {
    /// Checks a plex.tv token: an account's legacy token (not signed out, and not ended for
    /// `client` by a Plex JWT), or a Plex JWT this emulator signed with either of its keys,
    /// unexpired, of a device still registered.
    pub(crate) fn authenticate(&self, token: Option<&str>, client: Option<&str>) -> Result<Caller<'_>, Denied> {
        let token = token.ok_or(Denied::Unauthorized)?;
        let state = lock(&self.state);
        if state.revoked.contains(token) {
            return Err(Denied::Unauthorized);
        }
        // A legacy token may look like a JWT (alice's does), so the exact match comes first.
        if let Some(account) = self.scenario.account_by_token(token) {
            if client.is_some_and(|c| state.jwt.legacy_ended(&account.username, c)) {
                return Err(Denied::Unauthorized);
            }
            return Ok(Caller {
                account,
                token: token.to_string(),
            });
        }
        let jws = Jws::parse(token).filter(Jws::is_eddsa).ok_or(Denied::Unauthorized)?;
        // Every key is tried whatever the `kid` says: a token signed before a rotation stays good.
        let signed = state.jwt.keys.iter().any(|k| jws.signed_by(&k.verifying));
        if !signed || jws.str_claim("iss") != Some("plex.tv") {
            return Err(Denied::Unauthorized);
        }
        let exp = jws.time_claim("exp").ok_or(Denied::Unauthorized)?;
        if expired_at(exp, unix_now_ms()) {
            return Err(Denied::Expired);
        }
        let account = jws
            .claims
            .get("user")
            .and_then(|u| u.get("id"))
            .and_then(Value::as_u64)
            .and_then(|id| self.scenario.accounts.iter().find(|a| a.id == id))
            .ok_or(Denied::Unauthorized)?;
        let device = match jws.claims.get("aud") {
            Some(Value::Array(aud)) => aud.iter().filter_map(Value::as_str).find(|a| *a != "plex.tv"),
            _ => None,
        };
        let thumbprint = jws.str_claim("thumbprint");
        let registered = device
            .and_then(|c| state.jwt.devices.get(c))
            .is_some_and(|d| Some(d.key.kid.as_str()) == thumbprint && d.username == account.username);
        if !registered {
            return Err(Denied::DeviceRemoved);
        }
        Ok(Caller {
            account,
            token: token.to_string(),
        })
    }

    /// Makes the emulator's other key the signing one; answers its `kid`.
    pub(crate) fn rotate_jwt_key(&self) -> String {
        let mut state = lock(&self.state);
        state.jwt.current = 1 - state.jwt.current;
        state.jwt.keys[state.jwt.current].kid.clone()
    }

    /// Forgets a device's key: its exchanges answer 422/1097 and its Plex JWTs 401/1097.
    pub(crate) fn remove_jwt_device(&self, client_identifier: &str) -> Result<(), EmuError> {
        let mut state = lock(&self.state);
        if state.jwt.devices.remove(client_identifier).is_none() {
            return Err(EmuError::UnknownDevice(client_identifier.to_string()));
        }
        state.jwt.removed.insert(client_identifier.to_string());
        Ok(())
    }

    pub(crate) fn jwt_devices(&self) -> Vec<JwtDevice> {
        lock(&self.state)
            .jwt
            .devices
            .iter()
            .map(|(client, d)| JwtDevice {
                client_identifier: client.clone(),
                account: d.username.clone(),
                kid: d.key.kid.clone(),
            })
            .collect()
    }

    /// Applies the fields that are set; answers the settings now in force.
    pub(crate) fn set_jwt_settings(&self, changes: JwtSettings) -> JwtSettings {
        let mut state = lock(&self.state);
        let s = &mut state.jwt.settings;
        if let Some(v) = changes.jwt_lifetime_secs {
            s.jwt_lifetime_secs = v;
        }
        if let Some(v) = changes.nonce_lifetime_secs {
            s.nonce_lifetime_secs = v;
        }
        if let Some(v) = changes.nonce_rate_limit_per_minute {
            s.nonce_rate_limit_per_minute = v;
        }
        JwtSettings {
            jwt_lifetime_secs: Some(s.jwt_lifetime_secs),
            nonce_lifetime_secs: Some(s.nonce_lifetime_secs),
            nonce_rate_limit_per_minute: Some(s.nonce_rate_limit_per_minute),
        }
    }
}

// ---- Endpoints ----

/// `GET /api/v2/auth/keys`: both signing keys, always in the same order (a rotation changes
/// which one signs, not the list).
pub(crate) fn keys(shared: &Shared, req: &Req) -> Response {
    let state = lock(&shared.state);
    let keys: Vec<Value> = state
        .jwt
        .keys
        .iter()
        .map(|k| jwt::public_jwk(&k.kid, &k.verifying))
        .collect();
    drop(state);
    reply::plex(req.wants_json(), 200, "keys", &json!({ "keys": keys }))
}

/// `GET /api/v2/auth/nonce`: no token needed; limited per client identifier.
pub(crate) fn nonce(shared: &Shared, req: &Req, client: &str) -> Response {
    let now = Instant::now();
    let mut guard = lock(&shared.state);
    let state = &mut *guard;
    let jwt = &mut state.jwt;
    jwt.nonces.retain(|_, n| n.is_live(now));
    jwt.nonce_times.retain(|_, times| {
        while times.front().is_some_and(|t| now.duration_since(*t) >= MINUTE) {
            times.pop_front();
        }
        !times.is_empty()
    });
    let limit = jwt.settings.nonce_rate_limit_per_minute;
    let recent = jwt.nonce_times.get(client).map_or(0, VecDeque::len);
    let over_limit = limit > 0 && recent >= usize::try_from(limit).unwrap_or(usize::MAX);
    if over_limit || jwt.nonces.len() >= MAX_LIVE_NONCES {
        drop(guard);
        let mut r = plex_error(req.wants_json(), 429, TOO_MANY_REQUESTS, "Too many requests");
        r.headers_mut()
            .insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("1"));
        return r;
    }
    let nonce = loop {
        let (a, b) = (state.rng.next_u64(), state.rng.next_u64());
        // A version-4 UUID's shape, as plex.tv's nonces have.
        let candidate = format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        );
        if !jwt.nonces.contains_key(&candidate) {
            break candidate;
        }
    };
    let lifetime = Duration::from_secs(jwt.settings.nonce_lifetime_secs);
    jwt.nonces.insert(
        nonce.clone(),
        Nonce {
            deadline: now.checked_add(lifetime),
            used: false,
        },
    );
    jwt.nonce_times.entry(client.to_string()).or_default().push_back(now);
    drop(guard);
    reply::plex(req.wants_json(), 200, "nonce", &json!({ "nonce": nonce }))
}

/// `POST /api/v2/auth/jwk`: registers the body's key for the token's account and this client
/// identifier; 201 with an empty body.
pub(crate) fn register(shared: &Shared, req: &Req, client: &str) -> Response {
    let caller = match shared.authenticate(req.token().as_deref(), Some(client)) {
        Ok(c) => c,
        Err(why) => return denied(req, why),
    };
    let key = serde_json::from_slice::<Value>(&req.body)
        .ok()
        .and_then(|body| jwt::parse_jwk(body.get("jwk")?));
    let Some(key) = key else {
        return unprocessable(req, INVALID_JWK, "Invalid JWK");
    };
    let mut state = lock(&shared.state);
    if state.jwt.taken_elsewhere(&key.kid, client) {
        return unprocessable(req, THUMBPRINT_TAKEN, "Thumbprint Already Taken");
    }
    state.jwt.register(&caller.account.username, client, key);
    reply::empty(201)
}

/// `POST /api/v2/auth/token` with `{"jwt": "<device JWT>"}`: a Plex JWT for the device.
pub(crate) fn exchange(shared: &Shared, req: &Req) -> Response {
    let device_jwt = serde_json::from_slice::<Value>(&req.body)
        .ok()
        .and_then(|body| body.get("jwt")?.as_str().map(str::to_string));
    let Some(jws) = device_jwt.as_deref().and_then(Jws::parse).filter(Jws::is_eddsa) else {
        return unprocessable(req, INVALID_JWT, "Invalid JWT");
    };
    let iss = jws.str_claim("iss").unwrap_or_default();
    let mut guard = lock(&shared.state);
    let state = &mut *guard;
    let jwt = &mut state.jwt;
    let device = jws
        .kid()
        .and_then(|kid| jwt.devices.iter().find(|(_, d)| d.key.kid == kid));
    let Some((client, device)) = device else {
        if jwt.removed.contains(iss) {
            return unprocessable(req, JWK_MISSING, "jwk missing");
        }
        return unprocessable(req, INVALID_JWK, "Invalid JWK: unknown key");
    };
    if client != iss {
        return unprocessable(req, INVALID_JWK, "Invalid JWK: iss is not the key's client identifier");
    }
    if !jws.signed_by(&device.key.key) {
        return unprocessable(req, INVALID_SIGNATURE, "Invalid signature");
    }
    let nonce = jws.str_claim("nonce").unwrap_or_default();
    if jwt.live_nonce(nonce).is_none_or(|n| n.used) {
        return unprocessable(req, INVALID_NONCE, "Invalid nonce");
    }
    if !jws.audience_has("plex.tv") {
        return unprocessable(req, INVALID_JWT, "Invalid JWT: aud must be plex.tv");
    }
    if jws.time_claim("exp").is_none_or(|exp| expired_at(exp, unix_now_ms())) {
        return unprocessable(req, INVALID_JWT, "Invalid JWT: expired");
    }
    let Some(account) = shared.scenario.account(&device.username) else {
        return unprocessable(req, INVALID_JWK, "Invalid JWK: unknown key");
    };
    let (client, thumbprint) = (client.clone(), device.key.kid.clone());
    if let Some(n) = jwt.nonces.get_mut(nonce) {
        n.used = true;
    }
    let scope = jws.str_claim("scope").unwrap_or_default();
    let token = jwt.issue(account, &client, &thumbprint, nonce, scope);
    drop(guard);
    reply::plex(req.wants_json(), 200, "token", &json!({ "auth_token": token }))
}

/// The device JWT of a JWT PIN's check: signed by the PIN's key, issued by this client
/// identifier, unexpired, with a live nonce of this emulator (used or not: a client polls with
/// one device JWT for minutes). Answers its claims' nonce and scope.
fn pin_device_jwt(shared: &Shared, key: &DeviceKey, client: &str, token: &str) -> Option<(String, String)> {
    let jws = Jws::parse(token).filter(Jws::is_eddsa)?;
    if !jws.signed_by(&key.key) || jws.str_claim("iss") != Some(client) {
        return None;
    }
    if jws.time_claim("exp").is_none_or(|exp| expired_at(exp, unix_now_ms())) {
        return None;
    }
    let nonce = jws.str_claim("nonce")?;
    lock(&shared.state).jwt.live_nonce(nonce)?;
    Some((
        nonce.to_string(),
        jws.str_claim("scope").unwrap_or_default().to_string(),
    ))
}

/// `GET /api/v2/pins/{id}` of a PIN created with a `jwk`: `authToken` is a Plex JWT once the
/// PIN is approved and the check carries an acceptable `deviceJWT`, else null.
pub(crate) fn check_jwt_pin(shared: &Shared, req: &Req, client: &str, pin: &Pin, key: &DeviceKey) -> Response {
    let json = req.wants_json();
    let pending = || reply::plex(json, 200, "pin", &crate::plextv::pin_json(shared, pin, None));
    let Some(device_jwt) = req.query_param("deviceJWT") else {
        return pending();
    };
    let Some((nonce, scope)) = pin_device_jwt(shared, key, client, &device_jwt) else {
        return unprocessable(req, INVALID_DEVICE_JWT, "Invalid device JWT");
    };
    let Some(account) = pin.account.as_deref().and_then(|a| shared.scenario.account(a)) else {
        return pending();
    };
    let mut guard = lock(&shared.state);
    let state: &mut State = &mut guard;
    // Later checks get the token the first one got.
    let issued = state.pins.get(&pin.id).and_then(|p| p.plex_jwt.clone());
    let token = match issued {
        Some(token) => token,
        None => {
            if state.jwt.taken_elsewhere(&key.kid, client) {
                return unprocessable(req, THUMBPRINT_TAKEN, "Thumbprint Already Taken");
            }
            state.jwt.register(&account.username, client, key.clone());
            let token = state.jwt.issue(account, client, &key.kid, &nonce, &scope);
            if let Some(p) = state.pins.get_mut(&pin.id) {
                p.plex_jwt = Some(token.clone());
            }
            token
        }
    };
    drop(guard);
    reply::plex(json, 200, "pin", &crate::plextv::pin_json(shared, pin, Some(&token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_counts_the_last_second_as_valid() {
        assert!(!expired_at(100.0, 99_999));
        assert!(expired_at(100.0, 100_000));
        assert!(!expired_at(1e300, i64::MAX));
    }
}
