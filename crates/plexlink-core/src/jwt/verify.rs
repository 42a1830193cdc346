//! Checking a Plex JWT against the keys plex.tv publishes, and reading its claims.

use ed25519_dalek::VerifyingKey;
use serde::Deserialize;
use serde_json::Value;

use super::b64;
use super::rs256::RsaKey;
use crate::lenient;
use crate::{Error, Token};

/// The longest Plex JWT plexlink reads (they are under 2 KiB); a longer one is refused before
/// any decoding.
const MAX_JWT_LEN: usize = 16 * 1024;

/// The most keys kept from one answer: plex.tv publishes two or three. A JWT without a known
/// `kid` is tried against each, so a hostile list of thousands would make one check slow.
const MAX_KEYS: usize = 16;

/// How far in the future a JWT's `iat` may be: clocks differ a little, not more.
pub const IAT_LEEWAY_SECS: i64 = 60;

/// The keys plex.tv signs Plex JWTs with (`GET /api/v2/auth/keys`), as
/// [`parse_keys`](super::parse_keys) reads them. Plex rotates them: fetch again when a JWT names
/// a `kid` that is not here.
#[derive(Clone, Debug, Default)]
pub struct PlexKeys {
    keys: Vec<PlexKey>,
}

#[derive(Clone, Debug)]
struct PlexKey {
    kid: Option<String>,
    material: Material,
}

#[derive(Clone, Debug)]
enum Material {
    Ed25519(VerifyingKey),
    Rsa(RsaKey),
}

impl PlexKeys {
    /// The number of keys plexlink can use.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// No usable key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether a key with this `kid` is here.
    #[must_use]
    pub fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid.as_deref() == Some(kid))
    }

    /// Reads a JWK set `{"keys":[...]}`; keys of a kind plexlink cannot use (not Ed25519 or
    /// RSA, or malformed) are skipped, so one odd key does not hide the others; past
    /// [`MAX_KEYS`] usable ones, the rest are ignored.
    pub(crate) fn from_jwks(set: &JwkSet) -> Self {
        let keys = set.keys.iter().filter_map(PlexKey::from_jwk).take(MAX_KEYS).collect();
        Self { keys }
    }
}

#[derive(Deserialize)]
pub(crate) struct JwkSet {
    #[serde(default)]
    keys: Vec<Value>,
}

impl PlexKey {
    fn from_jwk(jwk: &Value) -> Option<Self> {
        let text = |name: &str| jwk.get(name).and_then(Value::as_str);
        let kid = text("kid").map(str::to_owned);
        let material = match (text("kty")?, text("alg")) {
            ("OKP", None | Some("EdDSA")) if text("crv") == Some("Ed25519") => {
                let x: [u8; 32] = b64::decode(text("x")?).ok()?.try_into().ok()?;
                Material::Ed25519(VerifyingKey::from_bytes(&x).ok()?)
            }
            ("RSA", None | Some("RS256")) => {
                let n = b64::decode(text("n")?).ok()?;
                let e = b64::decode(text("e")?).ok()?;
                Material::Rsa(RsaKey::new(&n, &e)?)
            }
            _ => return None,
        };
        Some(Self { kid, material })
    }

    fn verifies(&self, alg: Alg, signed: &[u8], signature: &[u8]) -> bool {
        match (&self.material, alg) {
            (Material::Ed25519(key), Alg::EdDSA) => {
                ed25519_dalek::Signature::from_slice(signature).is_ok_and(|s| key.verify_strict(signed, &s).is_ok())
            }
            (Material::Rsa(key), Alg::Rs256) => key.verifies(signed, signature),
            _ => false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Alg {
    EdDSA,
    Rs256,
}

/// What a Plex JWT must say of this device.
#[derive(Clone, Copy, Debug)]
pub struct Expected<'a> {
    /// This app's client identifier: the JWT's `aud` must name it (beside `plex.tv`).
    pub client_identifier: &'a str,
    /// This device's key id: the JWT's `thumbprint` must be it. `None` skips the check (a JWT
    /// made for another device, read by a server-side tool).
    pub thumbprint: Option<&'a str>,
}

/// The claims of a verified Plex JWT.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct JwtClaims {
    /// `iss`: `plex.tv`.
    pub issuer: String,
    /// `aud`: `plex.tv` and the client identifier.
    pub audience: Vec<String>,
    /// `iat`, Unix seconds.
    pub issued_at: i64,
    /// `exp`, Unix seconds.
    pub expires_at: i64,
    /// `thumbprint`: the key id of the device it was issued to.
    pub thumbprint: Option<String>,
    /// `scope`, when given.
    pub scope: Option<String>,
    /// The account it signs in.
    pub user: JwtUser,
}

impl JwtClaims {
    /// Seconds left before it expires at `now` (Unix seconds); zero once expired.
    #[must_use]
    pub fn seconds_left(&self, now: i64) -> u64 {
        u64::try_from(self.expires_at.saturating_sub(now)).unwrap_or(0)
    }
}

/// The `user` claim: which scopes were asked decides which fields are filled.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct JwtUser {
    /// The account's numeric id.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub id: Option<u64>,
    /// The account's uuid.
    #[serde(default, deserialize_with = "lenient::string")]
    pub uuid: String,
    /// The account's username.
    #[serde(default, deserialize_with = "lenient::string")]
    pub username: String,
    /// The account's e-mail address.
    #[serde(default, deserialize_with = "lenient::string")]
    pub email: String,
    /// The name shown for the account.
    #[serde(
        default,
        rename = "friendlyName",
        alias = "friendly_name",
        deserialize_with = "lenient::string"
    )]
    pub friendly_name: String,
    /// A managed (restricted) Home user.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub restricted: bool,
}

#[derive(Deserialize)]
struct RawClaims {
    #[serde(default, deserialize_with = "lenient::string")]
    iss: String,
    #[serde(default)]
    aud: Option<Value>,
    #[serde(default)]
    iat: Option<Value>,
    #[serde(default)]
    exp: Option<Value>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    thumbprint: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    scope: Option<String>,
    #[serde(default)]
    user: Option<lenient::Object<JwtUser>>,
}

/// Verifies a Plex JWT at `now` (Unix seconds) and returns its claims.
///
/// The header's `alg` must be `EdDSA` or `RS256` (never `none`); the key is the one named by its
/// `kid`, or, when no key has that `kid` (or it names none), each key in turn. Then: `iss` is
/// `plex.tv`; `aud` holds `plex.tv` and the client identifier; `exp` is after `now`; `iat` is not
/// more than [`IAT_LEEWAY_SECS`] after `now`; `thumbprint` is the device's `kid` when one is
/// expected. Any failure is [`Error::InvalidJwt`], whose reason never holds the token.
pub fn verify(token: &Token, keys: &PlexKeys, expected: &Expected<'_>, now: i64) -> Result<JwtClaims, Error> {
    let refuse = |reason: &str| Error::InvalidJwt { reason: reason.into() };
    let text = token.secret();
    if text.len() > MAX_JWT_LEN {
        return Err(refuse("longer than any Plex JWT"));
    }
    let mut parts = text.split('.');
    let (Some(header), Some(claims), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(refuse("not three dot-separated parts"));
    };
    let header: Value = decode_json(header).ok_or_else(|| refuse("the header is not base64url JSON"))?;
    let alg = match header.get("alg").and_then(Value::as_str) {
        Some("EdDSA") => Alg::EdDSA,
        Some("RS256") => Alg::Rs256,
        _ => return Err(refuse("the algorithm is not EdDSA or RS256")),
    };
    let signature = b64::decode(signature).map_err(|_| refuse("the signature is not base64url"))?;
    let signed = &text.as_bytes()[..text.len() - signature_part_len(text)];
    let kid = header.get("kid").and_then(Value::as_str);
    let named: Vec<&PlexKey> = keys
        .keys
        .iter()
        .filter(|k| kid.is_some() && k.kid.as_deref() == kid)
        .collect();
    let candidates: Vec<&PlexKey> = if named.is_empty() {
        keys.keys.iter().collect()
    } else {
        named
    };
    if !candidates.iter().any(|key| key.verifies(alg, signed, &signature)) {
        return Err(refuse("the signature does not match any of plex.tv's keys"));
    }
    let raw: lenient::Object<RawClaims> =
        decode_json(claims).ok_or_else(|| refuse("the claims are not base64url JSON"))?;
    let raw = raw.0;
    if raw.iss != "plex.tv" {
        return Err(refuse("the issuer is not plex.tv"));
    }
    let audience = match raw.aud {
        Some(Value::String(one)) => vec![one],
        Some(Value::Array(many)) => many.into_iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    };
    for needed in ["plex.tv", expected.client_identifier] {
        if !audience.iter().any(|a| a == needed) {
            return Err(refuse(if needed == "plex.tv" {
                "the audience does not include plex.tv"
            } else {
                "the audience does not include this client identifier"
            }));
        }
    }
    let expires_at = raw.exp.as_ref().and_then(seconds).ok_or_else(|| refuse("no expiry"))?;
    let issued_at = raw
        .iat
        .as_ref()
        .and_then(seconds)
        .ok_or_else(|| refuse("no issue time"))?;
    if expires_at <= now {
        return Err(refuse("expired"));
    }
    if issued_at > now.saturating_add(IAT_LEEWAY_SECS) {
        return Err(refuse("issued in the future"));
    }
    if let Some(want) = expected.thumbprint {
        if raw.thumbprint.as_deref() != Some(want) {
            return Err(refuse("issued to another device key (thumbprint)"));
        }
    }
    Ok(JwtClaims {
        issuer: raw.iss,
        audience,
        issued_at,
        expires_at,
        thumbprint: raw.thumbprint,
        scope: raw.scope,
        user: raw.user.map(|u| u.0).unwrap_or_default(),
    })
}

/// [`verify`] with keys kept from before, when they can decide: `None` when there are none,
/// when the JWT names a `kid` they do not have, or when they refuse it (plex.tv may have rotated
/// its keys since): fetch plex.tv's keys, then [`verify`] with those, once.
#[must_use]
pub fn verify_with_kept(
    token: &Token,
    kept: Option<&PlexKeys>,
    expected: &Expected<'_>,
    now: i64,
) -> Option<Result<JwtClaims, Error>> {
    let keys = kept?;
    if super::header_kid(token).is_some_and(|kid| !keys.has_kid(&kid)) {
        return None;
    }
    verify(token, keys, expected, now).ok().map(Ok)
}

/// The length of `.signature` at the end of a compact JWT.
fn signature_part_len(text: &str) -> usize {
    text.rfind('.').map_or(0, |dot| text.len() - dot)
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str) -> Option<T> {
    let bytes = b64::decode(part).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A NumericDate: whole seconds; a fractional one is cut to its whole part.
fn seconds(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.is_finite() && f.abs() < 1e15)
            .map(|f| f as i64)
    })
}
