//! A device's Ed25519 key: made from seed bytes the caller draws, exported for the app to keep,
//! published as a JWK whose `kid` is its RFC 7638 thumbprint, and used to sign device JWTs.

use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::b64;
use crate::{Error, PrivateKey, Token};

/// How long a device JWT is valid: Plex asks for `exp` = `iat` + 300 s, a nonce's life.
pub const DEVICE_JWT_LIFETIME_SECS: i64 = 300;

/// The user claims a device JWT asks to have in the Plex JWT. Scopes choose claims only; they
/// grant no permission on a server.
pub const DEFAULT_SCOPE: &str = "username,email,friendly_name,restricted,anonymous,joinedAt";

/// One device's Ed25519 key pair: one per client identifier, kept by the app for as long as
/// the identifier (plexlink never stores it anywhere itself).
///
/// The core draws no randomness: make a new key from 32 random bytes the caller drew (the
/// `plexlink` client does it with the OS's generator), or load the one the app kept with
/// [`DeviceKey::from_private_key`]. `Debug` shows the `kid`, never the private key.
///
/// ```
/// use plexlink_core::jwt::DeviceKey;
///
/// let key = DeviceKey::from_seed([7; 32]);
/// let kept = key.private_key(); // store this secret (a config file, a keychain)
/// let again = DeviceKey::from_private_key(&kept).unwrap();
/// assert_eq!(again.kid(), key.kid());
/// assert_eq!(format!("{key:?}").contains("redacted"), true);
/// ```
#[derive(Clone)]
pub struct DeviceKey {
    signing: SigningKey,
    kid: String,
}

impl DeviceKey {
    /// The key whose private part is `seed` (RFC 8032's 32-byte secret key).
    #[must_use]
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let signing = SigningKey::from_bytes(&seed);
        let kid = thumbprint(&b64::encode(signing.verifying_key().as_bytes()));
        Self { signing, kid }
    }

    /// The key kept earlier as [`private_key`](Self::private_key) text.
    pub fn from_private_key(private: &PrivateKey) -> Result<Self, Error> {
        let bytes = b64::decode(private.secret().trim()).map_err(|_| bad_private_key())?;
        let seed: [u8; 32] = bytes.as_slice().try_into().map_err(|_| bad_private_key())?;
        Ok(Self::from_seed(seed))
    }

    /// The private key as text (base64url of the 32-byte seed), for the app to keep secret.
    #[must_use]
    pub fn private_key(&self) -> PrivateKey {
        PrivateKey::new(b64::encode(self.signing.as_bytes()))
    }

    /// The 32-byte seed itself (for a C host that keeps raw bytes). A secret.
    #[must_use]
    pub fn seed(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }

    /// The key's id: the RFC 7638 thumbprint of its public JWK (base64url of a SHA-256), which
    /// needs no private material. Plex echoes it as the `thumbprint` claim of the Plex JWT.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The 32-byte public key.
    #[must_use]
    pub fn public_key(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// The public key as the JWK Plex registers:
    /// `{"kty":"OKP","crv":"Ed25519","x":..,"use":"sig","alg":"EdDSA","kid":..}`.
    #[must_use]
    pub fn public_jwk(&self) -> Value {
        json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64::encode(&self.public_key()),
            "use": "sig",
            "alg": "EdDSA",
            "kid": self.kid,
        })
    }

    /// A device JWT for `nonce` (from [`super::nonce_request`]), issued at `iat` (Unix seconds)
    /// and valid [`DEVICE_JWT_LIFETIME_SECS`]: what the exchange and the JWT PIN check carry.
    pub fn device_jwt(&self, client_identifier: &str, nonce: &str, scope: &str, iat: i64) -> Result<Token, Error> {
        if nonce.is_empty() {
            return Err(Error::InvalidArgument {
                what: "nonce",
                detail: "empty".into(),
            });
        }
        let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": self.kid});
        let claims = json!({
            "nonce": nonce,
            "scope": scope,
            "aud": "plex.tv",
            "iss": client_identifier,
            "iat": iat,
            "exp": iat.saturating_add(DEVICE_JWT_LIFETIME_SECS),
        });
        Ok(Token::new(self.sign_compact(&header, &claims)))
    }

    /// `header.claims.signature`, each part base64url (RFC 7515's compact form).
    pub(crate) fn sign_compact(&self, header: &Value, claims: &Value) -> String {
        let signed = format!(
            "{}.{}",
            b64::encode(header.to_string().as_bytes()),
            b64::encode(claims.to_string().as_bytes())
        );
        let signature = self.signing.sign(signed.as_bytes());
        format!("{signed}.{}", b64::encode(&signature.to_bytes()))
    }
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKey")
            .field("kid", &self.kid)
            .field("private", &"[redacted]")
            .finish()
    }
}

impl PartialEq for DeviceKey {
    fn eq(&self, other: &Self) -> bool {
        // The kid is a hash of the public key, which the private one determines.
        self.kid == other.kid
    }
}

impl Eq for DeviceKey {}

fn bad_private_key() -> Error {
    Error::InvalidArgument {
        what: "private key",
        detail: "not the base64url text of a 32-byte Ed25519 key".into(),
    }
}

/// RFC 7638: SHA-256 of the JWK's required members in lexical order, no spaces, base64url.
fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    b64::encode(&Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8037 appendix A.1 (the key), A.3 (its thumbprint) and A.4 (a signature).
    const RFC8037_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const RFC8037_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

    #[test]
    fn rfc8037_key_and_thumbprint() {
        let key = DeviceKey::from_private_key(&PrivateKey::new(RFC8037_D)).unwrap();
        assert_eq!(key.public_jwk()["x"], RFC8037_X);
        assert_eq!(key.kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
        assert_eq!(key.private_key().secret(), RFC8037_D);
    }

    #[test]
    fn rfc8037_signature() {
        let key = DeviceKey::from_private_key(&PrivateKey::new(RFC8037_D)).unwrap();
        let signing_input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
        let signature = key.signing.sign(signing_input.as_bytes());
        assert_eq!(
            b64::encode(&signature.to_bytes()),
            "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
        );
    }

    #[test]
    fn a_device_jwt_carries_what_plex_asks_for() {
        let key = DeviceKey::from_seed([1; 32]);
        let jwt = key.device_jwt("my-app", "n-1", DEFAULT_SCOPE, 1_700_000_000).unwrap();
        let parts: Vec<&str> = jwt.secret().split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value = serde_json::from_slice(&b64::decode(parts[0]).unwrap()).unwrap();
        let claims: Value = serde_json::from_slice(&b64::decode(parts[1]).unwrap()).unwrap();
        assert_eq!(header, json!({"alg":"EdDSA","typ":"JWT","kid":key.kid()}));
        assert_eq!(claims["iss"], "my-app");
        assert_eq!(claims["aud"], "plex.tv");
        assert_eq!(claims["nonce"], "n-1");
        assert_eq!(claims["exp"], 1_700_000_300);
        let signature = ed25519_dalek::Signature::from_slice(&b64::decode(parts[2]).unwrap()).unwrap();
        let signed = format!("{}.{}", parts[0], parts[1]);
        key.signing
            .verifying_key()
            .verify_strict(signed.as_bytes(), &signature)
            .unwrap();
        assert!(key.device_jwt("my-app", "", DEFAULT_SCOPE, 0).is_err());
    }

    #[test]
    fn bad_private_keys_are_refused_and_not_echoed() {
        for text in ["", "short", "!!!!", &"A".repeat(44), &b64::encode(&[0; 31])] {
            let error = DeviceKey::from_private_key(&PrivateKey::new(text)).unwrap_err();
            assert!(matches!(
                error,
                Error::InvalidArgument {
                    what: "private key",
                    ..
                }
            ));
            if text.len() > 3 {
                assert!(!error.to_string().contains(text));
            }
        }
    }

    #[test]
    fn debug_hides_the_private_key() {
        let key = DeviceKey::from_seed([9; 32]);
        let shown = format!("{key:?}");
        assert!(!shown.contains(key.private_key().secret()));
        assert!(shown.contains(key.kid()));
    }
}
