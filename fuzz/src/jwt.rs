//! Target `jwt`: the JWT code of the core ([`plexlink_core::jwt`]) on text. The input is, line
//! by line:
//!
//! ```text
//! TOKEN                    a token, verified as it is
//! HEADER                   the JSON header and
//! CLAIMS                   the JSON claims of a token the fixed Ed25519 key signs
//! NOW CLIENT [THUMBPRINT]  the Unix time of the checks and what a token must name (defaults:
//!                          2026-01-01, `my-app`, no thumbprint)
//! STATUS[ *N]              an answer, as the answer targets read one (crate::input::response)
//! Name: value
//!
//! BODY
//! ```
//!
//! The answer is read by `parse_keys`, `parse_nonce`, `parse_exchange` and `parse_register` at
//! its own status, and at 200 and 201. The tokens (`TOKEN`, the body as text, the signed one,
//! the one an exchange answer carries) are verified against two key sets: a fixed one (the
//! Ed25519 key that signs, and the RSA key of the core's RS256 test vector) and the set the body
//! publishes when it is a keys answer. `TOKEN` and the body are also read as a device's private
//! key ([`DeviceKey::from_private_key`]). A [`JwtRefresh`] for `CLIENT` at `NOW` gets a nonce,
//! then the answer made to quote the device JWT it was sent ([`echoed`]) to its exchange (and to
//! its keys request, if it makes one).
//!
//! Asserts, beyond not panicking:
//! - every parse and every verification takes time linear in the input's size;
//! - a parser succeeds only on a status it documents as success, else its error is what
//!   [`Error::from_response`] says (as in [`crate::parsers`]); a keys answer that parses has a
//!   key, a nonce is not empty, an exchanged token is not empty and its `Debug` hides it;
//! - `verify` refuses only with [`Error::InvalidJwt`], whose text never shows a token of more
//!   than eight characters; the same verification gives the same answer twice;
//! - verified claims are what `verify` promises: issuer `plex.tv`, an audience with `plex.tv` and
//!   the client identifier, not expired at NOW, issued at most [`IAT_LEEWAY_SECS`] after it, the
//!   thumbprint asked for;
//! - a token the fixed Ed25519 key signed, whose header asks for EdDSA and names no other key,
//!   is never refused for its signature: it is judged otherwise than the same token with a
//!   broken signature (always refused), and alike by a set of that key alone without a `kid`;
//! - a private key is read from the base64url text of 32 bytes alone (it writes back as the
//!   text, trimmed), any other text gets one fixed error (which cannot show it), and a key's
//!   `Debug` hides it;
//! - the refresh's final error (`Display` and `Debug`) never shows the device JWT it sent, which
//!   the answer quotes (the core redacts it).

use std::sync::OnceLock;

use base64ct::{Base64UrlUnpadded, Encoding};
use ed25519_dalek::{Signer, SigningKey};
use plexlink_core::jwt::{
    self, DeviceKey, Expected, IAT_LEEWAY_SECS, JwtClaims, JwtRefresh, PlexKeys, RefreshConfig, RefreshEvent, WallClock,
};
use plexlink_core::{ClientInfo, Error, HttpResponse, PrivateKey, Token};
use serde_json::{Value, json};

use crate::{check, clock, input, parsers};

/// plex.tv's signing key in the targets (the core's tests use the same seed): any Ed25519 key
/// signs as one.
pub(crate) const PLEX_SEED: [u8; 32] = [200; 32];
/// The modulus of the 2048-bit RSA key that signed the core's RS256 test vector
/// (crates/plexlink-core/src/jwt/tests.rs), published with `e` = 65537 as `kid` [`RSA_KID`].
pub(crate) const RSA_N: &str = "yaUGRUdjlKIjsJAHIeJrv7EMpllm6GEjWWh4ya1syKnw-ubVptUDrzBN_fr9KAnudoNhuJI81K2XFDYAIQ64RYmQDtsE8G2Gg-7u454M9Cl0mIGyX7kTO5QQd1uB12fzAhuuRLzzTmmErs7fe--zQdIhIjBU5JXdr6zzVpMmaefRr4QKaG9F3baiSYeZzTKQCRvxNG7jRDA0gX6xJZcI9Yx1JtI-w8dOKeqynYun0dg7LSpsiDooC7quDp0hXEzoTGNOQ3QFRMnvTqyyevcNsG2pqhn3TzAgDEpq_F5lTeosPW3GnY6EW_Ulv8939iVqKwW-t8Cs87CGRNHmLZGWKw";
pub(crate) const RSA_KID: &str = "rsa-test";
/// 2026-01-01T00:00:00Z, when the input does not say.
const NOW: i64 = 1_767_225_600;
const CLIENT: &str = "my-app";

pub fn run(data: &[u8]) {
    Input::read(data).check(data.len());
}

/// base64url without padding, as every JWT part is written.
pub(crate) fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

pub(crate) fn unb64(text: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(text).ok()
}

/// The compact JWT of `header` and `claims` (any text) signed by the key of `seed`; `broken`
/// flips a bit of the signature, so that no key verifies it.
pub(crate) fn sign(seed: &[u8; 32], header: &str, claims: &str, broken: bool) -> String {
    let signed = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
    let mut signature = SigningKey::from_bytes(seed).sign(signed.as_bytes()).to_bytes();
    if broken {
        signature[0] ^= 1;
    }
    format!("{signed}.{}", b64(&signature))
}

/// The RSA key of the core's test vector as a JWK.
pub(crate) fn rsa_jwk() -> Value {
    json!({"kty": "RSA", "alg": "RS256", "kid": RSA_KID, "n": RSA_N, "e": "AQAB"})
}

/// An answer with `status` and `body`.
pub(crate) fn answer(status: u16, body: impl Into<Vec<u8>>) -> HttpResponse {
    http::Response::builder()
        .status(status)
        .body(body.into())
        .expect("a valid answer")
}

/// What every input is checked against, made once.
struct Fixed {
    /// The Ed25519 key that signs, and the RSA key.
    both: PlexKeys,
    /// The Ed25519 key alone, published without a `kid`: every token is tried against it.
    ed_only: PlexKeys,
    /// What `from_private_key` says of every text it refuses.
    bad_private_key: Error,
    /// The text of the refusal of a token that is not three parts: a token that is part of it
    /// (`dot-separated`) is not shown by it.
    shapeless: String,
    /// The device key of the refresh.
    device: DeviceKey,
}

fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| {
        let plex = DeviceKey::from_seed(PLEX_SEED);
        let published = |keys: Value| jwt::parse_keys(&answer(200, json!({ "keys": keys }).to_string())).expect("keys");
        let both = published(json!([plex.public_jwk(), rsa_jwk()]));
        assert_eq!(both.len(), 2, "the fixed keys");
        let mut bare = plex.public_jwk();
        bare.as_object_mut().expect("a JWK").remove("kid");
        let ed_only = published(json!([bare]));
        let bad_private_key = DeviceKey::from_private_key(&PrivateKey::new("")).expect_err("an empty key");
        let expected = Expected {
            client_identifier: CLIENT,
            thumbprint: None,
        };
        let shapeless = jwt::verify(&Token::new(""), &both, &expected, NOW).expect_err("an empty token");
        Fixed {
            both,
            ed_only,
            bad_private_key,
            shapeless: format!("{shapeless} {shapeless:?}"),
            device: DeviceKey::from_seed([1; 32]),
        }
    })
}

struct Input {
    token: String,
    header: String,
    claims: String,
    now: i64,
    client: String,
    thumbprint: Option<String>,
    answer: HttpResponse,
}

impl Input {
    fn read(data: &[u8]) -> Self {
        let mut parts = data.splitn(5, |&b| b == b'\n');
        let mut line = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
        let (token, header, claims, expect) = (line(), line(), line(), line());
        let answer = input::response(parts.next().unwrap_or_default());
        let mut words = expect.split_whitespace();
        let now = words.next().and_then(|w| w.parse().ok()).unwrap_or(NOW);
        let client = words.next().unwrap_or(CLIENT).to_owned();
        let thumbprint = words.next().map(str::to_owned);
        Self {
            token,
            header,
            claims,
            now,
            client,
            thumbprint,
            answer,
        }
    }

    fn check(&self, len: usize) {
        let fixed = fixed();
        let (published, exchanged) = self.answers();
        let body = String::from_utf8_lossy(self.answer.body()).into_owned();
        for text in [&self.token, &body] {
            check_private_key(text, fixed);
        }
        let expected = Expected {
            client_identifier: &self.client,
            thumbprint: self.thumbprint.as_deref(),
        };
        let judge = Judge {
            expected,
            now: self.now,
            len,
            fixed,
        };
        let signed = Token::new(sign(&PLEX_SEED, &self.header, &self.claims, false));
        let mut tokens = vec![Token::new(self.token.as_str()), Token::new(body), signed.clone()];
        tokens.extend(exchanged);
        for token in &tokens {
            drop(judge.verify(token, &fixed.both));
            if let Some(keys) = &published {
                drop(judge.verify(token, keys));
            }
        }
        // A header the fixed Ed25519 key can answer for: EdDSA, no `kid` or one that is not the
        // RSA key's (an unknown `kid` has every key tried).
        let header: Option<Value> = serde_json::from_str(&self.header).ok();
        let alg = header.as_ref().and_then(|h| h.get("alg")).and_then(Value::as_str);
        let kid = header.as_ref().and_then(|h| h.get("kid")).and_then(Value::as_str);
        if alg == Some("EdDSA") && kid != Some(RSA_KID) {
            let right = judge.verify(&signed, &fixed.both);
            let broken = Token::new(sign(&PLEX_SEED, &self.header, &self.claims, true));
            let wrong = judge.verify(&broken, &fixed.both);
            assert!(wrong.is_err(), "a broken signature verified");
            assert_ne!(right, wrong, "a well-signed token refused as a badly signed one is");
            assert_eq!(
                right,
                judge.verify(&signed, &fixed.ed_only),
                "the fixed keys and their Ed25519 key alone (no kid) disagree"
            );
        }
        check::linear("the refresh", len, || self.refresh(fixed));
    }

    /// Drives a [`JwtRefresh`] (one attempt, no kept keys) through a nonce to its exchange,
    /// whose answer, and the keys' if it asks for them, is the input's quoting the device JWT
    /// sent; checks that the final error does not show that JWT. Returns the final error.
    fn refresh(&self, fixed: &Fixed) -> Option<Error> {
        let start = clock::origin();
        let info = ClientInfo::new("Fuzz Player", self.client.as_str());
        let config = RefreshConfig {
            attempts: 1,
            ..RefreshConfig::default()
        };
        let wall = WallClock::new(start, self.now);
        let mut refresh = JwtRefresh::new(info, fixed.device.clone(), None, wall, config);
        // Nothing waits: the nonce's answer is good and the exchange has one attempt.
        if refresh.poll_transmit(start).is_some() {
            refresh.handle_response(start, answer(200, r#"{"nonce":"6a5e1b2c-nonce"}"#));
        }
        let mut sent: Vec<String> = Vec::new();
        // The exchange, then the keys for a Plex JWT that names none the refresh holds.
        for _ in 0..2 {
            let Some(request) = refresh.poll_transmit(start) else {
                break;
            };
            let body: Value = serde_json::from_slice(request.body()).unwrap_or_default();
            if let Some(device_jwt) = body.get("jwt").and_then(Value::as_str) {
                sent.push(device_jwt.to_owned());
            }
            let quoted = sent.last().map_or("", String::as_str);
            refresh.handle_response(start, echoed(&self.answer, quoted));
        }
        let mut failed = None;
        for event in std::iter::from_fn(|| refresh.poll_event()) {
            if let RefreshEvent::Failed(error) = event {
                let shown = format!("{error} {error:?}");
                for device_jwt in &sent {
                    assert!(
                        !shown.contains(device_jwt.as_str()),
                        "the refresh's final error shows the device JWT it sent: {shown}"
                    );
                }
                failed = Some(error);
            }
        }
        failed
    }

    /// Every JWT parser at the answer's status, 200 and 201; the keys and the exchanged token of
    /// the answer at 200.
    fn answers(&self) -> (Option<PlexKeys>, Option<Token>) {
        let own = self.answer.status().as_u16();
        let mut statuses = vec![own];
        statuses.extend([200, 201].into_iter().filter(|&s| s != own));
        let success: Vec<u16> = (200..300).collect();
        let (mut published, mut exchanged) = (None, None);
        for status in statuses {
            let mut r = self.answer.clone();
            *r.status_mut() = http::StatusCode::from_u16(status).expect("a status");
            let (keys, nonce, token, registered) = check::linear("the JWT parsers", r.body().len(), || {
                (
                    jwt::parse_keys(&r),
                    jwt::parse_nonce(&r),
                    jwt::parse_exchange(&r),
                    jwt::parse_register(&r),
                )
            });
            if let Some(keys) = parsers::judged(&r, &[200], keys) {
                assert!(!keys.is_empty(), "a keys answer without a key");
                published = Some(keys);
            }
            if let Some(nonce) = parsers::judged(&r, &[200, 201], nonce) {
                assert!(!nonce.is_empty(), "an empty nonce");
            }
            if let Some(token) = parsers::judged(&r, &[200, 201], token) {
                assert!(!token.secret().is_empty(), "an empty exchanged token");
                check::hidden("Token", token.secret(), &format!("{token:?}"), "");
                if status == 200 {
                    exchanged = Some(token);
                }
            }
            parsers::judged(&r, &success, registered);
        }
        (published, exchanged)
    }
}

/// `response` as a server that repeats what it was sent would give it: every message of its
/// Plex error list (`{"errors":[{"code":…,"message":…}]}`) quotes `sent`, or where the body
/// has no such list, it is one error (code 1001, as plex.tv's 401) that does.
fn echoed(response: &HttpResponse, sent: &str) -> HttpResponse {
    let quoted = format!("refused: {sent}");
    let mut body: Value = serde_json::from_slice(response.body()).unwrap_or_default();
    match body.get_mut("errors").and_then(Value::as_array_mut) {
        Some(errors) if errors.iter().any(Value::is_object) => {
            for error in errors.iter_mut().filter_map(Value::as_object_mut) {
                error.insert("message".into(), quoted.clone().into());
            }
        }
        _ => body = json!({"errors": [{"code": 1001, "message": quoted}]}),
    }
    let mut echoed = response.clone();
    *echoed.body_mut() = body.to_string().into_bytes();
    echoed
}

/// Verifies tokens as an input asks.
struct Judge<'a> {
    expected: Expected<'a>,
    now: i64,
    /// The input's size, for the time budget.
    len: usize,
    fixed: &'static Fixed,
}

impl Judge<'_> {
    fn verify(&self, token: &Token, keys: &PlexKeys) -> Result<JwtClaims, Error> {
        let verdict = check::linear("verify", self.len, || {
            jwt::verify(token, keys, &self.expected, self.now)
        });
        assert_eq!(
            verdict,
            jwt::verify(token, keys, &self.expected, self.now),
            "verified twice, judged twice"
        );
        match &verdict {
            Ok(claims) => self.check_claims(claims),
            Err(error @ Error::InvalidJwt { reason }) => {
                let text = token.secret();
                if text.len() > 8 && !self.fixed.shapeless.contains(text) {
                    for shown in [reason.clone(), error.to_string(), format!("{error:?}")] {
                        assert!(!shown.contains(text), "the refusal shows the token: {shown}");
                    }
                }
            }
            Err(other) => panic!("verify failed with {other:?}, not InvalidJwt"),
        }
        verdict
    }

    fn check_claims(&self, claims: &JwtClaims) {
        let has = |who: &str| claims.audience.iter().any(|a| a == who);
        assert_eq!(claims.issuer, "plex.tv");
        assert!(
            has("plex.tv") && has(self.expected.client_identifier),
            "audience {:?}",
            claims.audience
        );
        assert!(claims.expires_at > self.now, "expired at {}: {claims:?}", self.now);
        assert!(claims.seconds_left(self.now) > 0, "no time left: {claims:?}");
        assert!(
            claims.issued_at <= self.now.saturating_add(IAT_LEEWAY_SECS),
            "issued after {}: {claims:?}",
            self.now
        );
        if let Some(want) = self.expected.thumbprint {
            assert_eq!(claims.thumbprint.as_deref(), Some(want), "the thumbprint");
        }
    }
}

fn check_private_key(text: &str, fixed: &Fixed) {
    let read = check::linear("from_private_key", text.len(), || {
        DeviceKey::from_private_key(&PrivateKey::new(text))
    });
    match read {
        Ok(key) => {
            let kept = key.private_key();
            assert_eq!(kept.secret(), text.trim(), "a key read from text other than its own");
            let again = DeviceKey::from_private_key(&kept).expect("a key's own text");
            assert_eq!(again.kid(), key.kid(), "a key read back as another");
            assert_eq!(key.public_jwk()["kid"], key.kid(), "the JWK's kid");
            check::hidden("DeviceKey", kept.secret(), &format!("{key:?}"), "");
        }
        Err(error) => assert_eq!(error, fixed.bad_private_key, "a private key refused otherwise"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed seeds that hold a Plex JWT still verify: a change of the core or of the
    /// target that makes them fail would leave the fuzzer starting from refusals only.
    #[test]
    fn the_seeds_with_a_plex_jwt_verify() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/jwt");
        for (seed, signed) in [
            ("rsa_plex_jwt", false),
            ("ed25519_plex_jwt", true),
            ("exchange_answer", true),
        ] {
            let data = std::fs::read(root.join(seed)).expect("a seed");
            let input = Input::read(&data);
            let (published, exchanged) = input.answers();
            let token = if seed == "exchange_answer" {
                exchanged.expect("an exchanged token")
            } else if signed {
                Token::new(sign(&PLEX_SEED, &input.header, &input.claims, false))
            } else {
                Token::new(input.token.as_str())
            };
            let expected = Expected {
                client_identifier: &input.client,
                thumbprint: input.thumbprint.as_deref(),
            };
            jwt::verify(&token, &fixed().both, &expected, input.now).expect(seed);
            if let Some(keys) = published {
                jwt::verify(&token, &keys, &expected, input.now).expect(seed);
            }
        }
    }

    /// The seeds of plex.tv's refusals reach the refresh's final error quoting the device JWT,
    /// and the core redacts it there: the refresh's check sees what it is for.
    #[test]
    fn a_refusal_that_quotes_the_device_jwt_fails_the_refresh_redacted() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/jwt");
        for seed in ["device_removed", "register_taken"] {
            let data = std::fs::read(root.join(seed)).expect("a seed");
            let error = Input::read(&data).refresh(fixed()).expect(seed);
            assert!(
                format!("{error:?}").contains("refused: [redacted]"),
                "{seed}: {error:?}"
            );
        }
    }

    /// Writes the seeds (`cargo test ... -- --ignored write_seeds`): a keys answer, a nonce
    /// answer, a Plex JWT of each kind, an exchange answer and refusals.
    #[test]
    #[ignore = "a tool: rewrites corpus/jwt"]
    fn write_seeds() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/jwt");
        std::fs::create_dir_all(&root).expect("corpus/jwt");
        let plex = DeviceKey::from_seed(PLEX_SEED);
        let device = DeviceKey::from_seed([1; 32]);
        let keys = json!({"keys": [plex.public_jwk(), rsa_jwk(),
            {"kty": "EC", "crv": "P-256", "x": "skipped", "y": "skipped"}]})
        .to_string();
        let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": plex.kid()}).to_string();
        let claims = json!({
            "iss": "plex.tv",
            "aud": ["plex.tv", CLIENT],
            "iat": NOW - 10,
            "exp": NOW + 7 * 86_400,
            "thumbprint": device.kid(),
            "scope": jwt::DEFAULT_SCOPE,
            "user": {"id": 7, "uuid": "u-7", "username": "alice", "email": "alice@example.com",
                     "friendlyName": "Alice", "restricted": false},
        })
        .to_string();
        let plex_jwt = sign(&PLEX_SEED, &header, &claims, false);
        let device_jwt = device
            .device_jwt(CLIENT, "n-1", jwt::DEFAULT_SCOPE, NOW)
            .expect("a device JWT");
        let expect = format!("{NOW} {CLIENT} {}", device.kid());
        let seeds = [
            (
                "keys_answer",
                format!("\n{header}\n{claims}\n{expect}\n200\nContent-Type: application/json\n\n{keys}"),
            ),
            (
                "nonce_answer",
                format!(
                    "{}\n\n\n\n200\n\n{}",
                    device_jwt.secret(),
                    json!({"nonce": "6a5e1b2c-nonce"})
                ),
            ),
            (
                "ed25519_plex_jwt",
                format!("{plex_jwt}\n{header}\n{claims}\n{expect}\n200\n\n{keys}"),
            ),
            (
                "rsa_plex_jwt",
                format!(
                    "{}\n{header}\n{claims}\n1700000100 {CLIENT} device-kid\n200\n\n{keys}",
                    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYS10ZXN0In0.eyJpc3MiOiJwbGV4LnR2IiwiYXVkIjpbInBsZXgudHYiLCJteS1hcHAiXSwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDA2MDQ4MDAsInRodW1icHJpbnQiOiJkZXZpY2Uta2lkIiwidXNlciI6eyJpZCI6NywidXVpZCI6InUtNyIsInVzZXJuYW1lIjoiYWxpY2UifX0.Hop1UEeidUrTkic8FFjHBkvXcPkLlj8V1jGO3VQrwQFGQhZcH06W-A6nke6TawLy79E9qHpRMXXKdHG0AX2_2TKSudQc4ssitYrBb_fnFKlEoSb4rxd3wuDzY7_934x4JixvprpEwpkjuBb_7dCtbWRos7lS0pFf8J0ttQsl6z7jO33zNqqTPmYLWRwZtvC502rM-urtbBADO9z5YRoxn5U7ZjXOl0Xlau0aKWseuKt81amrcwmZixTTaSYeJsxCUC8fqTWawSLELOvwoWdASSWGfRd1-JgRSCisxFnoSbFtF4Te9XaHnp6Gb3Ax2pPLDK2EFrDdiT-JVEqyc5K44A"
                ),
            ),
            (
                "exchange_answer",
                format!(
                    "\n{header}\n{claims}\n{expect}\n200\n\n{}",
                    json!({"auth_token": plex_jwt})
                ),
            ),
            (
                "alg_none",
                format!(
                    "{}.{}.\n{{\"alg\":\"none\"}}\n{claims}\n{expect}\n",
                    b64(br#"{"alg":"none"}"#),
                    b64(claims.as_bytes())
                ),
            ),
            ("private_key", format!("{}\n\n\n\n", device.private_key().secret())),
            (
                "register_taken",
                "\n\n\n\n422\n\n{\"errors\":[{\"code\":1098,\"message\":\"Thumbprint Already Taken\"}]}".to_owned(),
            ),
            ("keys_rate_limited", "\n\n\n\n429\nRetry-After: 7\n\n".to_owned()),
            (
                "device_removed",
                "\n\n\n\n422\n\n{\"errors\":[{\"code\":1097,\"message\":\"jwk missing\"}]}".to_owned(),
            ),
        ];
        for (name, text) in seeds {
            std::fs::write(root.join(name), text).expect("a seed written");
        }
    }
}
