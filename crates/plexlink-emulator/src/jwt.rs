//! Compact JWS (JWT) handling for the emulator's JWT sign-in: base64url, splitting and checking
//! a token, signing one, reading a public JWK. Written here rather than borrowed from the core,
//! so that a mistake there is not echoed (see the crate documentation).

use base64ct::{Base64UrlUnpadded, Encoding};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde_json::{Map, Value, json};

/// Longest `kid` accepted in a JWK: thumbprints are 43 characters, hex sha256 64; a longer one
/// is someone testing the emulator's memory.
const MAX_KID: usize = 256;

pub(crate) fn b64url(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

pub(crate) fn from_b64url(text: &str) -> Option<Vec<u8>> {
    // Padding is not part of JWS/JWK base64url, but a lenient reader costs nothing here.
    Base64UrlUnpadded::decode_vec(text.trim_end_matches('=')).ok()
}

fn json_object(part: &str) -> Option<Map<String, Value>> {
    match serde_json::from_slice(&from_b64url(part)?) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// A compact JWS split into its parts, header and claims decoded; nothing is verified yet.
#[derive(Debug)]
pub(crate) struct Jws<'a> {
    pub(crate) header: Map<String, Value>,
    pub(crate) claims: Map<String, Value>,
    /// `header.claims` as sent: what the signature covers.
    signed: &'a str,
    signature: Vec<u8>,
}

impl<'a> Jws<'a> {
    /// Splits `header.claims.signature`; `None` unless both JSON parts are objects.
    pub(crate) fn parse(token: &'a str) -> Option<Jws<'a>> {
        let mut parts = token.split('.');
        let (header, claims, signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        Some(Jws {
            header: json_object(header)?,
            claims: json_object(claims)?,
            signed: token.get(..header.len() + 1 + claims.len())?,
            signature: from_b64url(signature)?,
        })
    }

    pub(crate) fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    pub(crate) fn is_eddsa(&self) -> bool {
        self.header.get("alg").and_then(Value::as_str) == Some("EdDSA")
    }

    /// True when `key` made the signature. Strict verification: a device JWT made by any
    /// correct Ed25519 signer passes, a malleated signature or a weak key does not.
    pub(crate) fn signed_by(&self, key: &VerifyingKey) -> bool {
        let Ok(bytes) = <[u8; 64]>::try_from(self.signature.as_slice()) else {
            return false;
        };
        key.verify_strict(self.signed.as_bytes(), &Signature::from_bytes(&bytes))
            .is_ok()
    }

    pub(crate) fn str_claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A NumericDate claim (`exp`, `iat`) in seconds; fractions allowed, as RFC 7519 does.
    pub(crate) fn time_claim(&self, name: &str) -> Option<f64> {
        self.claims.get(name).and_then(Value::as_f64)
    }

    /// `aud` names `audience`, as a string or as one item of a list.
    pub(crate) fn audience_has(&self, audience: &str) -> bool {
        match self.claims.get("aud") {
            Some(Value::String(s)) => s == audience,
            Some(Value::Array(items)) => items.iter().any(|i| i.as_str() == Some(audience)),
            _ => false,
        }
    }
}

/// A token whose first two parts decode to JSON objects is a JWT; anything else is a legacy
/// token. The signature part is left alone: a JWT signed with an unknown algorithm is still one.
pub(crate) fn is_jwt(token: &str) -> bool {
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(header), Some(claims), Some(_), None) => json_object(header).is_some() && json_object(claims).is_some(),
        _ => false,
    }
}

/// `base64url(header).base64url(claims).base64url(EdDSA signature)`.
pub(crate) fn sign(key: &SigningKey, header: &Value, claims: &Value) -> String {
    let signed = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let signature = key.sign(signed.as_bytes());
    format!("{signed}.{}", b64url(&signature.to_bytes()))
}

/// A device's public key as it registered it (JWK `kid` and `x`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeviceKey {
    pub(crate) kid: String,
    pub(crate) key: VerifyingKey,
}

/// Reads a public Ed25519 JWK; `None` for anything Plex would call an invalid JWK (another key
/// type or curve, an `x` that is not 32 bytes or not a usable point, no `kid`, an `alg` or
/// `use` that is not for EdDSA signatures).
pub(crate) fn parse_jwk(value: &Value) -> Option<DeviceKey> {
    let field = |name: &str| value.get(name).and_then(Value::as_str);
    if field("kty") != Some("OKP") || field("crv") != Some("Ed25519") {
        return None;
    }
    if value.get("alg").is_some_and(|a| a.as_str() != Some("EdDSA"))
        || value.get("use").is_some_and(|u| u.as_str() != Some("sig"))
    {
        return None;
    }
    let kid = field("kid").filter(|k| !k.is_empty() && k.len() <= MAX_KID)?;
    let x: [u8; 32] = from_b64url(field("x")?)?.try_into().ok()?;
    let key = VerifyingKey::from_bytes(&x).ok().filter(|k| !k.is_weak())?;
    Some(DeviceKey {
        kid: kid.to_string(),
        key,
    })
}

/// The public JWK of a key, as `/api/v2/auth/keys` lists it.
pub(crate) fn public_jwk(kid: &str, key: &VerifyingKey) -> Value {
    json!({
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(key.as_bytes()),
        "use": "sig",
        "alg": "EdDSA",
        "kid": kid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn a_signed_token_parses_and_verifies_only_with_its_key() {
        let token = sign(
            &key(1),
            &json!({"alg": "EdDSA", "typ": "JWT", "kid": "k"}),
            &json!({"iss": "plex.tv", "aud": ["plex.tv", "c"], "exp": 1.5e9}),
        );
        assert!(is_jwt(&token));
        let jws = Jws::parse(&token).expect("parses");
        assert_eq!((jws.kid(), jws.is_eddsa()), (Some("k"), true));
        assert!(jws.signed_by(&key(1).verifying_key()));
        assert!(!jws.signed_by(&key(2).verifying_key()));
        assert!(jws.audience_has("c") && !jws.audience_has("d"));
        assert_eq!(jws.time_claim("exp"), Some(1.5e9));

        // Another claims part under the same signature.
        let mut parts: Vec<&str> = token.split('.').collect();
        let other = b64url(br#"{"iss":"evil"}"#);
        parts[1] = &other;
        let forged = parts.join(".");
        assert!(!Jws::parse(&forged).expect("parses").signed_by(&key(1).verifying_key()));
    }

    #[test]
    fn garbage_is_not_a_jwt_and_never_panics() {
        for token in [
            "",
            ".",
            "..",
            "a.b.c",
            "a.b.c.d",
            "legacy-token",
            "eyJ9.eyJ9.x",
            "!!!.???.***",
            "e30.e30.",
            "e30.e30.AAAA",
        ] {
            let parsed = Jws::parse(token);
            if let Some(jws) = parsed {
                assert!(!jws.signed_by(&key(1).verifying_key()), "{token}");
            }
        }
        assert!(!is_jwt("legacy-token"));
        assert!(is_jwt("e30.e30.sig"));
        assert!(!is_jwt("e30.W10.sig"), "claims must be an object");
    }

    #[test]
    fn jwks_are_read_strictly() {
        let x = b64url(key(3).verifying_key().as_bytes());
        let good = json!({"kty": "OKP", "crv": "Ed25519", "x": x, "use": "sig", "alg": "EdDSA", "kid": "k1"});
        let parsed = parse_jwk(&good).expect("valid");
        assert_eq!(parsed.kid, "k1");
        assert_eq!(public_jwk("k1", &parsed.key), good);
        for bad in [
            json!({"kty": "RSA", "crv": "Ed25519", "x": x, "kid": "k"}),
            json!({"kty": "OKP", "crv": "X25519", "x": x, "kid": "k"}),
            json!({"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "kid": "k"}),
            json!({"kty": "OKP", "crv": "Ed25519", "x": x}),
            json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": ""}),
            json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "k", "alg": "RS256"}),
            json!({"kty": "OKP", "crv": "Ed25519", "x": b64url(&[0; 32]), "kid": "k"}),
            json!({"kty": "OKP"}),
            json!("not an object"),
        ] {
            assert!(parse_jwk(&bad).is_none(), "{bad}");
        }
    }
}
