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
//! - a Plex JWT refused as [`Error::InvalidJwt`] is refused by the keys plex.tv answered last;
//! - a `Failed` event's error (`Display` and `Debug`) shows neither the PIN's code nor any device
//!   JWT a check carried (the core redacts them: a server may quote what it was sent).
//!
//! The rules both halves share are kept by the driver of `pin_login/driver.rs`.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use ed25519_dalek::{Signature, VerifyingKey};
use plexlink_core::jwt::{self, DeviceKey, Expected, PlexKeys, WallClock};
use plexlink_core::pin_login::{NONCE_LIFETIME, PinEvent, PinLogin};
use plexlink_core::pins;
use plexlink_core::{Error, HttpRequest, HttpResponse, Token};
use serde_json::{Value, json};

use super::driver::{CODE, Half, Harness, Setup, Step};
use super::{CLIENT, EPOCH, ID};
use crate::clock;
use crate::jwt::{PLEX_SEED, answer, rsa_jwk, sign, unb64};

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
    setup: Setup,
    /// A nonce's life in seconds, when not plex.tv's.
    nonce_life: Option<u16>,
    /// plex.tv's keys, kept from an earlier sign-in.
    kept: Option<Published>,
    steps: Vec<Step<Reply>>,
}

#[derive(Arbitrary, Debug)]
pub(super) enum Reply {
    /// An answer of the legacy half: a PIN created or pending, a legacy token approved, errors.
    Pin(super::Reply),
    Approved(Minted),
    Nonce(Nonce),
    Keys(Published),
    DeviceRemoved,
}

#[derive(Arbitrary, Debug)]
pub(super) enum Nonce {
    Fresh(u16),
    Text(String),
    Empty,
}

/// Which keys a keys answer publishes.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub(super) struct Published {
    plex: bool,
    rotated: bool,
    rsa: bool,
    /// A P-256 key: a kind plexlink skips.
    other: bool,
}

/// A Plex JWT as plex.tv mints it at the answer's wall time.
#[derive(Arbitrary, Debug)]
pub(super) struct Minted {
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
                json!({"id": ID, "code": CODE, "clientIdentifier": CLIENT, "authToken": minted.token(wall)})
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
pub(super) enum Kind {
    Create,
    Check,
    Nonce,
    Keys,
}

/// The JWT half: what its driver knows of plex.tv and the sign-in, beyond the PIN.
pub(super) struct Jwt {
    nonce_life: Duration,
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
        let mut h = self.harness();
        h.play(&self.setup, &self.steps);
        h.login
    }

    /// The machine the script starts, and its driver.
    fn harness(&self) -> Harness<Jwt> {
        let info = self.setup.info(CLIENT);
        let config = self.setup.config();
        let start = clock::origin();
        let wall = WallClock::new(start, EPOCH);
        let device = keys().device.clone();
        let (mut login, deadline) = match self.setup.resumed(CLIENT, start) {
            Some((pin, deadline)) => {
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
        let half = Jwt {
            nonce_life,
            nonce: None,
            device_jwt: None,
            approved: None,
            kept,
            fetched: None,
        };
        Harness::new(login, &self.setup, deadline, half)
    }
}

impl Half for Jwt {
    type Reply = Reply;
    type Kind = Kind;
    /// The keys, after an approval.
    const SENDS_AT_ONCE: bool = true;

    fn reply(h: &mut Harness<Self>, reply: &Reply) {
        h.answer(reply.response(h.wall()));
    }

    /// What an answer to a `kind` request sent at `sent` tells. Returns whether it is an approval
    /// the kept keys decide to accept.
    fn learn(h: &mut Harness<Self>, kind: Kind, sent: Instant, response: &HttpResponse) -> bool {
        match kind {
            Kind::Nonce => {
                if let Ok(nonce) = jwt::parse_nonce(response) {
                    h.half.nonce = Some((nonce, sent, h.wall()));
                }
            }
            Kind::Check => {
                if let Some(token) = pins::parse_pin(response).ok().and_then(|p| p.auth_token) {
                    h.deadline = None;
                    let decides = h.half.kept.as_ref().is_some_and(|kept| {
                        header_kid(&token).is_none_or(|kid| kept.has_kid(&kid))
                            && jwt::verify(&token, kept, &h.expected(), h.wall()).is_ok()
                    });
                    h.half.approved = Some(token);
                    return decides;
                }
            }
            Kind::Keys => {
                if let Ok(keys) = jwt::parse_keys(response) {
                    h.half.fetched = Some(keys);
                }
            }
            Kind::Create => {}
        }
        false
    }

    fn request(h: &mut Harness<Self>, request: &HttpRequest) -> (Kind, bool) {
        let uri = request.uri();
        assert_eq!(
            (uri.scheme_str(), uri.host()),
            (Some("https"), Some("clients.plex.tv")),
            "{uri}"
        );
        let polling = (h.resumed || h.created) && h.half.approved.is_none();
        let kind = match (request.method().as_str(), uri.path()) {
            ("POST", "/api/v2/pins") => {
                assert!(!h.resumed && !h.created, "a second create, or one when resumed");
                let body: Value = serde_json::from_slice(request.body()).expect("a JSON body");
                let mut want = json!({ "jwk": keys().device.public_jwk() });
                if h.strong {
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
                assert!(h.half.approved.is_some(), "keys asked for before an approval");
                Kind::Keys
            }
            ("GET", path) => {
                let id = h.login.pin().expect("a PIN to check").id;
                assert_eq!(path, format!("/api/v2/pins/{id}"), "a check of another PIN");
                assert!(polling, "a check while not polling");
                let query = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes());
                let pairs: Vec<(String, String)> = query.into_owned().collect();
                let [(name, device_jwt)] = pairs.as_slice() else {
                    panic!("a check's query: {pairs:?}");
                };
                assert_eq!(name, "deviceJWT");
                h.check_device_jwt(device_jwt);
                Kind::Check
            }
            other => panic!("an unexpected request {other:?}"),
        };
        (kind, matches!(kind, Kind::Create | Kind::Check))
    }

    fn ended(h: &mut Harness<Self>, event: &PinEvent) {
        match event {
            PinEvent::Authorized(token) => h.authorized(token),
            PinEvent::Failed(error @ Error::InvalidJwt { .. }) => {
                let token = h.half.approved.as_ref().expect("a JWT refused before any approval");
                let keys = h.half.fetched.as_ref().expect("a JWT refused without plex.tv's keys");
                assert!(
                    jwt::verify(token, keys, &h.expected(), h.wall()).is_err(),
                    "refused a Plex JWT that plex.tv's keys verify: {error:?}"
                );
            }
            _ => {}
        }
    }
}

impl Harness<Jwt> {
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

    /// A check's device JWT: the device's, for plex.tv's last nonce, not too old.
    fn check_device_jwt(&mut self, device_jwt: &str) {
        let (nonce, asked, wall) = self.half.nonce.clone().expect("a check without a nonce");
        assert!(
            self.now - asked < self.half.nonce_life,
            "a check carried a nonce asked for {:?} ago",
            self.now - asked
        );
        if self.half.device_jwt.as_deref() == Some(device_jwt) {
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
        self.half.device_jwt = Some(device_jwt.to_owned());
        self.secrets.push(device_jwt.to_owned());
    }

    fn authorized(&self, token: &Token) {
        assert_eq!(
            Some(token),
            self.half.approved.as_ref(),
            "authorized with another token"
        );
        let keys = self
            .half
            .fetched
            .as_ref()
            .or(self.half.kept.as_ref())
            .expect("authorized without any key");
        let claims = jwt::verify(token, keys, &self.expected(), self.wall())
            .unwrap_or_else(|e| panic!("authorized a Plex JWT its keys refuse: {e:?}"));
        assert_eq!(self.login.jwt_claims(), Some(&claims), "jwt_claims");
        let kept = self.login.plex_jwt().expect("plex_jwt once authorized");
        assert_eq!((&kept.token, &kept.claims), (token, &claims), "plex_jwt");
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
    use crate::clock::Jump;

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

    /// A script of a short code checked every second, backing off to 30 s, not resumed: the
    /// PIN created, a nonce, then the check, and `more`.
    fn checked(kept: Option<Published>, more: impl IntoIterator<Item = Step<Reply>>) -> Script {
        let created = super::super::Reply::Created {
            long_code: false,
            expires_in: Some(600),
            dates: None,
        };
        let mut steps = vec![
            Step::Transmit,
            Step::Answer(Reply::Pin(created)),
            Step::Timer(Jump::Still),
            Step::Transmit,
            Step::Answer(Reply::Nonce(Nonce::Fresh(1))),
            Step::Transmit,
        ];
        steps.extend(more);
        Script {
            setup: Setup {
                strong: false,
                interval_ms: 1000,
                max_backoff_ms: 30_000,
                blank_identifier: false,
                resume: None,
            },
            nonce_life: None,
            kept,
            steps,
        }
    }

    /// A check answered by a 401 that quotes what the machine holds and sent: the final error,
    /// which the driver checks, shows neither the code nor the device JWT.
    #[test]
    fn an_answer_that_echoes_the_code_and_the_device_jwt_passes_the_harness() {
        let script = checked(None, []);
        let mut h = script.harness();
        h.run(&script.setup, &script.steps);
        let device_jwt = h.half.device_jwt.clone().expect("a check sent");
        assert_eq!(h.secrets, [CODE.to_owned(), device_jwt.clone()], "the secrets");
        let message = format!("PIN {CODE}, device JWT {device_jwt}");
        let echo = json!({"errors": [{"code": 1001, "message": message}]});
        let (events, _) = h.answer(answer(401, echo.to_string()));
        let Some(PinEvent::Failed(error)) = events.last() else {
            panic!("not failed: {events:?}");
        };
        assert!(format!("{error:?}").contains("[redacted]"), "{error:?}");
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
            let mut more = vec![
                Step::Answer(Reply::Pin(pending)),
                Step::Timer(Jump::Still),
                Step::Transmit,
                Step::Answer(Reply::Approved(minted)),
            ];
            if kept.is_none() {
                more.extend([Step::Transmit, Step::Answer(Reply::Keys(every))]);
            }
            let script = checked(kept, more);
            let login = script.play();
            assert!(login.plex_jwt().is_some(), "not authorized (kept keys: {kept:?})");
        }
    }
}
