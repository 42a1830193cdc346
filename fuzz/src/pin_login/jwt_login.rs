//! The JWT half of target `pin_login`: the same input read again as the script of a JWT sign-in
//! ([`PinLogin::new_jwt`], or a resumed PIN made a JWT one by [`PinLogin::with_device_key`]),
//! maybe with a nonce life of its own and plex.tv's keys kept from before. Its plex.tv also
//! hands out nonces (fresh, odd text, none), publishes keys (the signing key, a rotated one, the
//! RSA key of the core's RS256 vector, a key of a kind plexlink skips), answers 1097, and
//! approves with a Plex JWT minted at the answer's wall time: good, expired, from the future,
//! for another audience, device or issuer, badly signed, signed by a rotated or unknown key,
//! naming its key or not, the RS256 vector, or a legacy token.
//!
//! Asserts, beyond not panicking:
//! - the legacy half's rules for the PIN: creates and checks no faster than the interval, any
//!   request after `Retry-After`, nothing at or after the deadline until the approval (which ends
//!   the deadline), the deadline ends it, no stall (a timer within the longest wait, or a request
//!   due at once), one request in flight, events in order, nothing once finished;
//! - every request goes to clients.plex.tv without a token: the create `POST /api/v2/pins` with
//!   the device's public JWK (and `strong`), nonces `GET /api/v2/auth/nonce` and checks
//!   `GET /api/v2/pins/{id}?deviceJWT=` only while the PIN is polled, `GET /api/v2/auth/keys`
//!   only once approved;
//! - each check's device JWT is signed by the device key, for the nonce plex.tv gave last, for
//!   `plex.tv`, issued by this client identifier at the wall time that nonce came, valid 300 s,
//!   and that nonce was asked for less than a nonce's life ago;
//! - `Authorized` carries the approved Plex JWT, which the keys the machine holds (fetched last,
//!   else kept) verify now, with the claims [`PinLogin::jwt_claims`] and [`PinLogin::plex_jwt`]
//!   report; kept keys that decide (they verify it, and know its `kid` when it names one)
//!   authorize at once, with no keys request;
//! - a Plex JWT refused as [`Error::InvalidJwt`] is refused by the keys plex.tv answered last.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use ed25519_dalek::{Signature, VerifyingKey};
use plexlink_core::jwt::{self, DeviceKey, Expected, PlexKeys, WallClock};
use plexlink_core::pin_login::{NONCE_LIFETIME, PinEvent, PinLogin, PinLoginConfig};
use plexlink_core::pins::{self, Pin};
use plexlink_core::{ClientInfo, Error, HttpRequest, HttpResponse, PinCode, Token};
use serde_json::{Value, json};

use super::{DAY, EPOCH, Failure, ID, Resumed};
use crate::clock::{self, Jump};
use crate::jwt::{PLEX_SEED, answer, rsa_jwk, sign, unb64};

const CLIENT: &str = "fuzz-app";
/// The key plex.tv moved to, and one it never published.
const ROTATED_SEED: [u8; 32] = [201; 32];
const STRANGER_SEED: [u8; 32] = [5; 32];
/// The core's RS256 test vector: issued for `my-app` in 2023, so always refused here.
const RSA_JWT: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYS10ZXN0In0.eyJpc3MiOiJwbGV4LnR2IiwiYXVkIjpbInBsZXgudHYiLCJteS1hcHAiXSwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDA2MDQ4MDAsInRodW1icHJpbnQiOiJkZXZpY2Uta2lkIiwidXNlciI6eyJpZCI6NywidXVpZCI6InUtNyIsInVzZXJuYW1lIjoiYWxpY2UifX0.Hop1UEeidUrTkic8FFjHBkvXcPkLlj8V1jGO3VQrwQFGQhZcH06W-A6nke6TawLy79E9qHpRMXXKdHG0AX2_2TKSudQc4ssitYrBb_fnFKlEoSb4rxd3wuDzY7_934x4JixvprpEwpkjuBb_7dCtbWRos7lS0pFf8J0ttQsl6z7jO33zNqqTPmYLWRwZtvC502rM-urtbBADO9z5YRoxn5U7ZjXOl0Xlau0aKWseuKt81amrcwmZixTTaSYeJsxCUC8fqTWawSLELOvwoWdASSWGfRd1-JgRSCisxFnoSbFtF4Te9XaHnp6Gb3Ax2pPLDK2EFrDdiT-JVEqyc5K44A";

/// The keys of the sign-in, made once: a key costs a scalar product, and a script uses them at
/// every step.
struct Keys {
    device: DeviceKey,
    plex: DeviceKey,
    rotated: DeviceKey,
    stranger: DeviceKey,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        device: DeviceKey::from_seed([1; 32]),
        plex: DeviceKey::from_seed(PLEX_SEED),
        rotated: DeviceKey::from_seed(ROTATED_SEED),
        stranger: DeviceKey::from_seed(STRANGER_SEED),
    })
}

#[derive(Arbitrary, Debug)]
pub(super) struct Script {
    strong: bool,
    interval_ms: u32,
    max_backoff_ms: u32,
    blank_identifier: bool,
    resume: Option<Resumed>,
    /// A nonce's life in seconds, when not plex.tv's.
    nonce_life: Option<u16>,
    /// plex.tv's keys, kept from an earlier sign-in.
    kept: Option<Published>,
    steps: Vec<Step>,
}

#[derive(Arbitrary, Debug)]
enum Step {
    Wait(Jump),
    Transmit,
    Answer(Reply),
    Fail(Failure),
    /// Its timer fires, late by the jump.
    Timer(Jump),
    Cancel,
}

#[derive(Arbitrary, Debug)]
enum Reply {
    /// An answer of the legacy half: a PIN created or pending, a legacy token approved, errors.
    Pin(super::Reply),
    Approved(Minted),
    Nonce(Nonce),
    Keys(Published),
    DeviceRemoved,
}

#[derive(Arbitrary, Debug)]
enum Nonce {
    Fresh(u16),
    Text(String),
    Empty,
}

/// Which keys a keys answer publishes.
#[derive(Arbitrary, Clone, Copy, Debug)]
struct Published {
    plex: bool,
    rotated: bool,
    rsa: bool,
    /// A P-256 key: a kind plexlink skips.
    other: bool,
}

/// A Plex JWT as plex.tv mints it at the answer's wall time.
#[derive(Arbitrary, Debug)]
struct Minted {
    signer: Signer,
    kid: Kid,
    flaw: Option<Flaw>,
    /// Seconds it lives past the first.
    life: u32,
}

#[derive(Arbitrary, Clone, Copy, Debug)]
enum Signer {
    Plex,
    Rotated,
    Stranger,
    /// The RS256 vector, whatever the rest says.
    Rsa,
}

#[derive(Arbitrary, Clone, Copy, Debug)]
enum Kid {
    Named,
    Unnamed,
    /// A `kid` no key has.
    Unknown,
}

#[derive(Arbitrary, Clone, Copy, Debug)]
enum Flaw {
    Expired,
    /// Issued this many seconds past the leeway.
    Future(u16),
    OtherAudience,
    OtherDevice,
    OtherIssuer,
    BrokenSignature,
}

impl Published {
    fn response(self) -> HttpResponse {
        let k = keys();
        let mut set = Vec::new();
        if self.plex {
            set.push(k.plex.public_jwk());
        }
        if self.rotated {
            set.push(k.rotated.public_jwk());
        }
        if self.rsa {
            set.push(rsa_jwk());
        }
        if self.other {
            set.push(json!({"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", "kid": "ec"}));
        }
        answer(200, json!({ "keys": set }).to_string())
    }

    fn parsed(self) -> Option<PlexKeys> {
        jwt::parse_keys(&self.response()).ok()
    }
}

impl Minted {
    /// The approving answer's `authToken` at wall time `wall`.
    fn token(&self, wall: i64) -> String {
        let k = keys();
        let (seed, key) = match self.signer {
            Signer::Plex => (PLEX_SEED, &k.plex),
            Signer::Rotated => (ROTATED_SEED, &k.rotated),
            Signer::Stranger => (STRANGER_SEED, &k.stranger),
            Signer::Rsa => return RSA_JWT.to_owned(),
        };
        let header = match self.kid {
            Kid::Named => json!({"alg": "EdDSA", "typ": "JWT", "kid": key.kid()}),
            Kid::Unnamed => json!({"alg": "EdDSA", "typ": "JWT"}),
            Kid::Unknown => json!({"alg": "EdDSA", "typ": "JWT", "kid": "retired"}),
        };
        let mut claims = json!({
            "iss": "plex.tv",
            "aud": ["plex.tv", CLIENT],
            "iat": wall - 1,
            "exp": wall + 1 + i64::from(self.life),
            "thumbprint": k.device.kid(),
            "scope": jwt::DEFAULT_SCOPE,
            "user": {"id": 7, "uuid": "u-7", "username": "alice", "friendlyName": "Alice"},
        });
        match self.flaw {
            Some(Flaw::Expired) => claims["exp"] = (wall - 1).into(),
            Some(Flaw::Future(s)) => claims["iat"] = (wall + jwt::IAT_LEEWAY_SECS + 1 + i64::from(s)).into(),
            Some(Flaw::OtherAudience) => claims["aud"] = json!(["plex.tv", "another-app"]),
            Some(Flaw::OtherDevice) => claims["thumbprint"] = k.stranger.kid().into(),
            Some(Flaw::OtherIssuer) => claims["iss"] = "example.com".into(),
            Some(Flaw::BrokenSignature) | None => {}
        }
        let broken = matches!(self.flaw, Some(Flaw::BrokenSignature));
        sign(&seed, &header.to_string(), &claims.to_string(), broken)
    }
}

impl Reply {
    fn response(&self, wall: i64) -> HttpResponse {
        match self {
            Self::Pin(reply) => reply.response(),
            Self::Approved(minted) => answer(
                200,
                json!({"id": ID, "code": "7RQZ", "clientIdentifier": CLIENT, "authToken": minted.token(wall)})
                    .to_string(),
            ),
            Self::Nonce(nonce) => {
                let nonce = match nonce {
                    Nonce::Fresh(n) => format!("6a5e1b2c-{n}"),
                    Nonce::Text(text) => text.clone(),
                    Nonce::Empty => String::new(),
                };
                answer(200, json!({ "nonce": nonce }).to_string())
            }
            Self::Keys(published) => published.response(),
            Self::DeviceRemoved => answer(422, r#"{"errors":[{"code":1097,"message":"jwk missing"}]}"#),
        }
    }
}

/// What is in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Create,
    Check,
    Nonce,
    Keys,
}

/// The machine and what its driver has seen of it.
struct Harness {
    login: PinLogin,
    start: Instant,
    now: Instant,
    interval: Duration,
    longest_backoff: Duration,
    strong: bool,
    resumed: bool,
    nonce_life: Duration,
    /// The last create or check.
    last_poll: Option<Instant>,
    in_flight: Option<(Instant, Kind)>,
    /// The deadline the machine last made known; none once approved.
    deadline: Option<Instant>,
    not_before: Option<Instant>,
    created: bool,
    finished: bool,
    /// The nonce plex.tv gave last, when it was asked for, and the wall time of its answer.
    nonce: Option<(String, Instant, i64)>,
    /// The last device JWT whose signature and claims were checked.
    device_jwt: Option<String>,
    /// The Plex JWT of the approval, once a check brought one.
    approved: Option<Token>,
    kept: Option<PlexKeys>,
    /// The keys plex.tv answered last.
    fetched: Option<PlexKeys>,
}

impl Script {
    /// Plays the script; returns the machine as it ended.
    pub(super) fn play(&self) -> PinLogin {
        let info = ClientInfo::new("Fuzz Player", if self.blank_identifier { " " } else { CLIENT });
        let config = PinLoginConfig {
            strong: self.strong,
            interval: Duration::from_millis(self.interval_ms.into()),
            max_backoff: Duration::from_millis(self.max_backoff_ms.into()),
        };
        let start = clock::origin();
        let wall = WallClock::new(start, EPOCH);
        let device = keys().device.clone();
        let (mut login, deadline) = match &self.resume {
            Some(resumed) => {
                let mut pin = Pin::new(resumed.id.into(), PinCode::new("7RQZ"), CLIENT);
                pin.expires_in = resumed.expires_in.map(u64::from);
                if let Some(d) = resumed.dates {
                    pin.created_at = Some(clock::rfc3339(EPOCH + i64::from(d.created)));
                    pin.expires_at = Some(clock::rfc3339(EPOCH + i64::from(d.expires)));
                }
                let deadline = pin.lifetime().map(|left| start + left);
                let login = PinLogin::resume(info, config, pin, start).with_device_key(device, wall);
                (login, deadline)
            }
            None => (PinLogin::new_jwt(info, config, device, wall), None),
        };
        let mut nonce_life = NONCE_LIFETIME;
        if let Some(secs) = self.nonce_life {
            login = login.with_nonce_lifetime(Duration::from_secs(secs.into()));
            nonce_life = Duration::from_secs(secs.max(1).into());
        }
        let kept = self.kept.and_then(Published::parsed);
        if let Some(keys) = &kept {
            login = login.with_plex_keys(keys.clone());
        }
        let mut h = Harness {
            login,
            start,
            now: start,
            interval: config.interval.min(DAY),
            longest_backoff: config.interval.max(config.max_backoff).min(DAY),
            strong: self.strong,
            resumed: self.resume.is_some(),
            nonce_life,
            last_poll: None,
            in_flight: None,
            deadline,
            not_before: None,
            created: false,
            finished: false,
            nonce: None,
            device_jwt: None,
            approved: None,
            kept,
            fetched: None,
        };
        let first = h.events();
        if self.interval_ms == 0 || self.blank_identifier {
            assert!(
                matches!(first.as_slice(), [PinEvent::Failed(Error::InvalidArgument { .. })]),
                "an unusable configuration: {first:?}"
            );
        }
        for step in &self.steps {
            h.step(step);
        }
        // Until it is approved, the machine is over once its deadline has passed.
        if let Some(deadline) = h.deadline {
            h.now = h.now.max(deadline);
            h.login.handle_timeout(h.now);
            h.events();
            assert!(h.finished, "still running after its deadline");
        }
        h.login
    }
}

impl Harness {
    /// The Unix time at `now`, as the machine's wall clock says it.
    fn wall(&self) -> i64 {
        EPOCH + i64::try_from((self.now - self.start).as_secs()).expect("seconds")
    }

    fn expected(&self) -> Expected<'static> {
        Expected {
            client_identifier: CLIENT,
            thumbprint: Some(keys().device.kid()),
        }
    }

    fn step(&mut self, step: &Step) {
        match step {
            Step::Wait(jump) => self.now += jump.duration(),
            Step::Transmit => {
                if let Some(request) = self.login.poll_transmit(self.now) {
                    self.sent(&request);
                }
                self.events();
                self.after_clock(self.deadline);
            }
            Step::Answer(reply) => {
                let response = reply.response(self.wall());
                let retry_after = match Error::from_response(&response) {
                    Error::RateLimited { retry_after, .. } => retry_after,
                    _ => None,
                };
                self.hand_in(retry_after, Some(&response), |login, now| {
                    login.handle_response(now, response.clone());
                });
            }
            Step::Fail(failure) => {
                self.hand_in(None, None, |login, now| {
                    login.handle_transport_error(now, failure.error())
                });
            }
            Step::Timer(jump) => {
                if let Some(at) = self.login.poll_timeout() {
                    self.now = self.now.max(at);
                }
                self.now += jump.duration();
                self.login.handle_timeout(self.now);
                self.events();
                self.after_clock(self.deadline);
            }
            Step::Cancel => {
                self.login.cancel();
                self.events();
                assert!(self.finished, "cancel did not end it");
            }
        }
        self.check_timer();
    }

    /// Hands the machine an answer (`response`) or a failure, learning first what the answer
    /// tells a driver that knows plex.tv: a nonce, an approval, keys.
    fn hand_in(
        &mut self,
        retry_after: Option<Duration>,
        response: Option<&HttpResponse>,
        hand: impl FnOnce(&mut PinLogin, Instant),
    ) {
        let (was, deadline) = (self.in_flight.take(), self.deadline);
        let alive = deadline.is_none_or(|d| self.now < d);
        let mut at_once = false;
        if let (Some((sent, kind)), Some(response), true) = (was, response, alive) {
            at_once = self.learn(kind, sent, response);
        }
        hand(&mut self.login, self.now);
        let events = self.events();
        self.after_clock(deadline);
        if was.is_none() {
            assert!(
                events
                    .iter()
                    .all(|e| matches!(e, PinEvent::Failed(Error::PinExpired { .. }))),
                "an answer with no request in flight did something: {events:?}"
            );
        }
        if at_once {
            assert!(
                matches!(events.last(), Some(PinEvent::Authorized(_))),
                "the kept keys verify the approval, yet: {events:?}"
            );
        }
        self.after_answer(was.is_some(), retry_after);
    }

    /// What an answer to a `kind` request sent at `sent` tells. Returns whether it is an approval
    /// the kept keys decide to accept.
    fn learn(&mut self, kind: Kind, sent: Instant, response: &HttpResponse) -> bool {
        match kind {
            Kind::Nonce => {
                if let Ok(nonce) = jwt::parse_nonce(response) {
                    self.nonce = Some((nonce, sent, self.wall()));
                }
            }
            Kind::Check => {
                if let Some(token) = pins::parse_pin(response).ok().and_then(|p| p.auth_token) {
                    self.deadline = None;
                    let decides = self.kept.as_ref().is_some_and(|kept| {
                        header_kid(&token).is_none_or(|kid| kept.has_kid(&kid))
                            && jwt::verify(&token, kept, &self.expected(), self.wall()).is_ok()
                    });
                    self.approved = Some(token);
                    return decides;
                }
            }
            Kind::Keys => {
                if let Ok(keys) = jwt::parse_keys(response) {
                    self.fetched = Some(keys);
                }
            }
            Kind::Create => {}
        }
        false
    }

    fn sent(&mut self, request: &HttpRequest) {
        assert!(!self.finished, "a request after the final event");
        assert!(self.in_flight.is_none(), "two requests in flight");
        assert!(
            self.deadline.is_none_or(|d| self.now < d),
            "a request at or after the deadline"
        );
        assert!(
            self.not_before.is_none_or(|t| self.now >= t),
            "a request before Retry-After"
        );
        assert!(
            request.headers().get("x-plex-token").is_none(),
            "a JWT sign-in request with a token"
        );
        let uri = request.uri();
        assert_eq!(
            (uri.scheme_str(), uri.host()),
            (Some("https"), Some("clients.plex.tv")),
            "{uri}"
        );
        let polling = (self.resumed || self.created) && self.approved.is_none();
        let kind = match (request.method().as_str(), uri.path()) {
            ("POST", "/api/v2/pins") => {
                assert!(!self.resumed && !self.created, "a second create, or one when resumed");
                let body: Value = serde_json::from_slice(request.body()).expect("a JSON body");
                let mut want = json!({ "jwk": keys().device.public_jwk() });
                if self.strong {
                    want["strong"] = true.into();
                }
                assert_eq!(body, want, "the create's body");
                Kind::Create
            }
            ("GET", "/api/v2/auth/nonce") => {
                assert!(polling, "a nonce asked for while not polling");
                Kind::Nonce
            }
            ("GET", "/api/v2/auth/keys") => {
                assert!(self.approved.is_some(), "keys asked for before an approval");
                Kind::Keys
            }
            ("GET", path) => {
                let id = self.login.pin().expect("a PIN to check").id;
                assert_eq!(path, format!("/api/v2/pins/{id}"), "a check of another PIN");
                assert!(polling, "a check while not polling");
                let query = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes());
                let pairs: Vec<(String, String)> = query.into_owned().collect();
                let [(name, device_jwt)] = pairs.as_slice() else {
                    panic!("a check's query: {pairs:?}");
                };
                assert_eq!(name, "deviceJWT");
                self.check_device_jwt(device_jwt);
                Kind::Check
            }
            other => panic!("an unexpected request {other:?}"),
        };
        if matches!(kind, Kind::Create | Kind::Check) {
            if let Some(last) = self.last_poll {
                assert!(
                    self.now - last >= self.interval,
                    "polled {:?} after the last poll",
                    self.now - last
                );
            }
            self.last_poll = Some(self.now);
        }
        self.in_flight = Some((self.now, kind));
    }

    /// A check's device JWT: the device's, for plex.tv's last nonce, not too old.
    fn check_device_jwt(&mut self, device_jwt: &str) {
        let (nonce, asked, wall) = self.nonce.clone().expect("a check without a nonce");
        assert!(
            self.now - asked < self.nonce_life,
            "a check carried a nonce asked for {:?} ago",
            self.now - asked
        );
        if self.device_jwt.as_deref() == Some(device_jwt) {
            return;
        }
        let device = &keys().device;
        let parts: Vec<&str> = device_jwt.split('.').collect();
        let [header, claims, signature] = parts.as_slice() else {
            panic!("a device JWT of {} parts", parts.len());
        };
        let json = |part: &str| -> Value { serde_json::from_slice(&unb64(part).expect("base64url")).expect("JSON") };
        let public = VerifyingKey::from_bytes(&device.public_key()).expect("the device's key");
        let signature = Signature::from_slice(&unb64(signature).expect("base64url")).expect("a signature");
        public
            .verify_strict(format!("{header}.{claims}").as_bytes(), &signature)
            .expect("a device JWT the device key signed");
        let (header, claims) = (json(header), json(claims));
        assert_eq!(header["alg"], "EdDSA");
        assert_eq!(header["kid"], device.kid());
        assert_eq!(claims["nonce"], nonce.as_str(), "the nonce");
        assert_eq!(claims["iss"], CLIENT);
        assert_eq!(claims["aud"], "plex.tv");
        assert_eq!(claims["iat"], wall, "issued at the nonce's answer");
        assert_eq!(claims["exp"], wall + jwt::DEVICE_JWT_LIFETIME_SECS);
        self.device_jwt = Some(device_jwt.to_owned());
    }

    /// Drains the events, checks their order and what they carry, and learns the deadline.
    fn events(&mut self) -> Vec<PinEvent> {
        let events: Vec<PinEvent> = std::iter::from_fn(|| self.login.poll_event()).collect();
        for event in &events {
            assert!(!self.finished, "an event after the final one: {event:?}");
            match event {
                PinEvent::Created(pin) => {
                    assert!(!self.resumed && !self.created, "a second Created, or one when resumed");
                    self.created = true;
                    let sent = self.last_poll.expect("created by a request");
                    self.deadline = pin.lifetime().map(|left| sent + left);
                }
                PinEvent::Pending { remaining } => {
                    assert!(self.resumed || self.created, "Pending before Created");
                    if let Some(left) = remaining {
                        self.deadline = Some(self.now + *left);
                    }
                }
                PinEvent::Authorized(token) => {
                    self.finished = true;
                    self.authorized(token);
                }
                PinEvent::Failed(error) => {
                    self.finished = true;
                    if let Error::InvalidJwt { .. } = error {
                        let token = self.approved.as_ref().expect("a JWT refused before any approval");
                        let keys = self.fetched.as_ref().expect("a JWT refused without plex.tv's keys");
                        assert!(
                            jwt::verify(token, keys, &self.expected(), self.wall()).is_err(),
                            "refused a Plex JWT that plex.tv's keys verify: {error:?}"
                        );
                    }
                }
                _ => {}
            }
        }
        assert_eq!(
            self.login.is_finished(),
            self.finished,
            "is_finished and the final event"
        );
        if self.finished {
            self.in_flight = None;
        }
        events
    }

    fn authorized(&self, token: &Token) {
        assert_eq!(Some(token), self.approved.as_ref(), "authorized with another token");
        let keys = self
            .fetched
            .as_ref()
            .or(self.kept.as_ref())
            .expect("authorized without any key");
        let claims = jwt::verify(token, keys, &self.expected(), self.wall())
            .unwrap_or_else(|e| panic!("authorized a Plex JWT its keys refuse: {e:?}"));
        assert_eq!(self.login.jwt_claims(), Some(&claims), "jwt_claims");
        let kept = self.login.plex_jwt().expect("plex_jwt once authorized");
        assert_eq!((&kept.token, &kept.claims), (token, &claims), "plex_jwt");
    }

    /// After the machine read the clock: at or past the deadline it knew then, it is over.
    fn after_clock(&self, deadline: Option<Instant>) {
        if deadline.is_some_and(|d| self.now >= d) {
            assert!(self.finished, "running at or after its deadline");
        }
    }

    /// After an answer or a failure: the next request waits at least `Retry-After`, and the
    /// machine goes on within its longest wait: by its timer, or by a request due at once (the
    /// keys after an approval).
    fn after_answer(&mut self, was_in_flight: bool, retry_after: Option<Duration>) {
        if self.finished || !was_in_flight {
            return;
        }
        if let Some(after) = retry_after {
            self.not_before = Some(self.now + after.min(DAY));
        }
        let longest = self.longest_backoff.max(retry_after.unwrap_or_default()).min(DAY);
        match self.login.poll_timeout() {
            Some(at) => assert!(at <= self.now + longest, "stalled: woken {:?} from now", at - self.now),
            None => assert!(
                self.login.clone().poll_transmit(self.now).is_some(),
                "stalled: no timer and nothing to send"
            ),
        }
    }

    fn check_timer(&self) {
        let timer = self.login.poll_timeout();
        if self.finished {
            assert_eq!(timer, None, "a timer once finished");
            assert!(
                self.login.clone().poll_transmit(self.now + DAY).is_none(),
                "a request once finished"
            );
        } else if let Some(deadline) = self.deadline {
            assert!(
                timer.is_some_and(|t| t <= deadline),
                "timer {timer:?} past the deadline"
            );
        }
    }
}

/// The `kid` a JWT's header names, read as plexlink does before verifying (to choose keys).
fn header_kid(token: &Token) -> Option<String> {
    let header = token.secret().split('.').next()?;
    let header: Value = serde_json::from_slice(&unb64(header)?).ok()?;
    header.get("kid")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes that `arbitrary` 1.x reads back as chosen values (little-endian integers, a `u32`
    /// scaled to pick an enum's variant, a "keep going" byte before each item of the last
    /// list), so that the seeds of the JWT half are real sign-ins rather than what libFuzzer
    /// happens to reach.
    #[derive(Default)]
    struct Bytes(Vec<u8>);

    impl Bytes {
        fn flag(&mut self, on: bool) -> &mut Self {
            self.0.push(u8::from(on));
            self
        }

        fn u16(&mut self, n: u16) -> &mut Self {
            self.0.extend(n.to_le_bytes());
            self
        }

        fn u32(&mut self, n: u32) -> &mut Self {
            self.0.extend(n.to_le_bytes());
            self
        }

        /// Variant `index` of an enum of `count`: the middle of its share of the `u32`s.
        fn variant(&mut self, index: u64, count: u64) -> &mut Self {
            let tag = ((2 * index + 1) << 32) / (2 * count);
            self.u32(u32::try_from(tag).expect("a u32"))
        }

        fn published(&mut self, p: Published) -> &mut Self {
            self.flag(p.plex).flag(p.rotated).flag(p.rsa).flag(p.other)
        }

        /// The start of a [`Script`]: a short code checked every second, backing off to 30 s,
        /// not resumed.
        fn script(nonce_life: Option<u16>, kept: Option<Published>) -> Self {
            let mut b = Self::default();
            b.flag(false).u32(1000).u32(30_000).flag(false).flag(false);
            b.flag(nonce_life.is_some());
            if let Some(secs) = nonce_life {
                b.u16(secs);
            }
            b.flag(kept.is_some());
            if let Some(p) = kept {
                b.published(p);
            }
            b
        }

        fn step(&mut self, index: u64) -> &mut Self {
            self.flag(true).variant(index, 6)
        }

        fn transmit(&mut self) -> &mut Self {
            self.step(1)
        }

        fn timer(&mut self) -> &mut Self {
            self.step(4).variant(0, 4)
        }

        fn wait_secs(&mut self, secs: u16) -> &mut Self {
            self.step(0).variant(2, 4).u16(secs)
        }

        fn answer(&mut self, reply: u64) -> &mut Self {
            self.step(2).variant(reply, 5)
        }

        /// A PIN created, living `expires_in` seconds.
        fn created(&mut self, expires_in: u16) -> &mut Self {
            self.answer(0)
                .variant(0, 9)
                .flag(false)
                .flag(true)
                .u16(expires_in)
                .flag(false)
        }

        fn pending(&mut self) -> &mut Self {
            self.answer(0).variant(1, 9).flag(false).flag(false)
        }

        fn nonce(&mut self, n: u16) -> &mut Self {
            self.answer(2).variant(0, 3).u16(n)
        }

        /// An approval with a Plex JWT of `signer` (0 plex.tv's, 1 the rotated key) naming its
        /// key, living a week, with `flaw` (0: expired) or none.
        fn approved(&mut self, signer: u64, flaw: Option<u64>) -> &mut Self {
            self.answer(1).variant(signer, 4).variant(0, 3).flag(flaw.is_some());
            if let Some(flaw) = flaw {
                self.variant(flaw, 6);
            }
            self.u32(7 * 86_400)
        }

        fn keys(&mut self, p: Published) -> &mut Self {
            self.answer(3).published(p)
        }
    }

    const PLEX: Published = Published {
        plex: true,
        rotated: false,
        rsa: false,
        other: false,
    };
    const EVERY: Published = Published {
        plex: true,
        rotated: true,
        rsa: true,
        other: true,
    };

    /// The seeds: name, bytes, and whether the sign-in ends authorized.
    fn seeds() -> Vec<(&'static str, Vec<u8>, bool)> {
        // Created, a nonce, a pending check, then the approving check.
        let approach = |b: &mut Bytes| {
            b.transmit()
                .created(600)
                .timer()
                .transmit()
                .nonce(1)
                .transmit()
                .pending()
                .timer()
                .transmit();
        };
        let mut fetched = Bytes::script(None, None);
        approach(&mut fetched);
        fetched.approved(0, None).transmit().keys(EVERY);
        let mut kept = Bytes::script(None, Some(PLEX));
        approach(&mut kept);
        kept.approved(0, None);
        // A nonce that lives 5 s, outlived between checks; plex.tv signs with a key the kept set
        // does not have.
        let mut rotated = Bytes::script(Some(5), Some(PLEX));
        approach(&mut rotated);
        rotated.approved(1, None).transmit().keys(EVERY);
        let mut renewed = Bytes::script(Some(5), None);
        renewed
            .transmit()
            .created(600)
            .timer()
            .transmit()
            .nonce(1)
            .transmit()
            .pending();
        renewed
            .wait_secs(6)
            .transmit()
            .nonce(2)
            .transmit()
            .pending()
            .timer()
            .transmit();
        renewed.approved(0, None).transmit().keys(PLEX);
        let mut expired = Bytes::script(None, Some(PLEX));
        approach(&mut expired);
        expired.approved(0, Some(0)).transmit().keys(PLEX);
        vec![
            ("jwt_sign_in_keys_fetched", fetched.0, true),
            ("jwt_sign_in_kept_keys", kept.0, true),
            ("jwt_sign_in_rotated_key", rotated.0, true),
            ("jwt_sign_in_nonce_renewed", renewed.0, true),
            ("jwt_sign_in_expired_jwt", expired.0, false),
        ]
    }

    /// The committed seeds of the JWT half are still the sign-ins they were written as.
    #[test]
    fn the_jwt_seeds_sign_in() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/pin_login");
        for (name, bytes, authorized) in seeds() {
            let committed = std::fs::read(root.join(name)).expect("a committed seed");
            assert_eq!(committed, bytes, "{name} is not what seeds() writes");
            let script = Script::arbitrary_take_rest(arbitrary::Unstructured::new(&bytes)).expect(name);
            let mut login = script.play();
            assert!(login.is_finished(), "{name}: not finished: {script:#?}");
            assert_eq!(login.plex_jwt().is_some(), authorized, "{name}: {script:#?}");
            let last = std::iter::from_fn(|| login.poll_event()).last();
            assert!(last.is_none(), "{name}: events left: {last:?}");
        }
    }

    /// Writes the seeds (`cargo test ... -- --ignored write_jwt_seeds`).
    #[test]
    #[ignore = "a tool: writes the JWT seeds of corpus/pin_login"]
    fn write_jwt_seeds() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/pin_login");
        for (name, bytes, _) in seeds() {
            std::fs::write(root.join(name), bytes).expect("a seed written");
        }
    }

    /// A plex.tv that approves at the second check, with the keys fetched at the end, and one
    /// whose kept keys decide at once: the harness's own view of a good sign-in holds.
    #[test]
    fn a_good_jwt_sign_in_passes_the_harness() {
        let every = Published {
            plex: true,
            rotated: true,
            rsa: true,
            other: true,
        };
        for kept in [None, Some(every)] {
            let created = super::super::Reply::Created {
                long_code: false,
                expires_in: Some(600),
                dates: None,
            };
            let pending = super::super::Reply::Pending {
                expires: None,
                date: None,
            };
            let minted = Minted {
                signer: Signer::Plex,
                kid: Kid::Named,
                flaw: None,
                life: 7 * 86_400,
            };
            let mut steps = vec![
                Step::Transmit,
                Step::Answer(Reply::Pin(created)),
                Step::Timer(Jump::Still),
                Step::Transmit,
                Step::Answer(Reply::Nonce(Nonce::Fresh(1))),
                Step::Transmit,
                Step::Answer(Reply::Pin(pending)),
                Step::Timer(Jump::Still),
                Step::Transmit,
                Step::Answer(Reply::Approved(minted)),
            ];
            if kept.is_none() {
                steps.extend([Step::Transmit, Step::Answer(Reply::Keys(every))]);
            }
            let script = Script {
                strong: false,
                interval_ms: 1000,
                max_backoff_ms: 30_000,
                blank_identifier: false,
                resume: None,
                nonce_life: None,
                kept,
                steps,
            };
            let login = script.play();
            assert!(login.plex_jwt().is_some(), "not authorized (kept keys: {kept:?})");
        }
    }
}
