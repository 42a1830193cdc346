//! The JWT calls of clients.plex.tv: nonce, key registration, exchange, published keys.

use http::Method;
use serde::Deserialize;

use super::DeviceKey;
use super::verify::{JwkSet, PlexKeys};
use crate::wire::{self, Body};
use crate::{ClientInfo, Error, HttpRequest, HttpResponse, Token, lenient};

fn clients_endpoint(info: &ClientInfo, path: &str) -> url::Url {
    wire::endpoint(info.clients_url(), path)
}

/// `GET {clients}/api/v2/auth/nonce`, no token: a nonce for one device JWT, valid 5 minutes.
/// plex.tv rate-limits it (429).
pub fn nonce_request(info: &ClientInfo) -> Result<HttpRequest, Error> {
    wire::build(
        info,
        Method::GET,
        &clients_endpoint(info, "api/v2/auth/nonce"),
        None,
        Body::Empty,
    )
}

/// Reads `{"nonce":"..."}`.
pub fn parse_nonce(response: &HttpResponse) -> Result<String, Error> {
    #[derive(Deserialize)]
    struct Nonce {
        #[serde(default, deserialize_with = "lenient::string")]
        nonce: String,
    }
    let Nonce { nonce } = wire::expect_json(response, &[200, 201], "nonce")?;
    if nonce.is_empty() || nonce.len() > 1024 {
        return Err(Error::Decode {
            what: "nonce",
            detail: "no usable nonce in the answer".into(),
        });
    }
    Ok(nonce)
}

/// `POST {clients}/api/v2/auth/jwk` with `token` (issued to this same client identifier) and
/// body `{"jwk":{..}}`: registers the device's public key, once.
///
/// Registering is harmless; the *exchange* that follows it ends the legacy token of this client
/// identifier (see [`super`]).
pub fn register_request(info: &ClientInfo, token: &Token, key: &DeviceKey) -> Result<HttpRequest, Error> {
    let body = serde_json::json!({ "jwk": key.public_jwk() });
    let url = clients_endpoint(info, "api/v2/auth/jwk");
    wire::build(info, Method::POST, &url, Some(token), Body::Json(body))
}

/// A 2xx (Plex answers 201, possibly with an empty body) is success; 422 "Thumbprint Already
/// Taken" means this key is registered to another device.
pub fn parse_register(response: &HttpResponse) -> Result<(), Error> {
    if response.status().is_success() {
        Ok(())
    } else {
        Err(Error::from_response(response))
    }
}

/// `POST {clients}/api/v2/auth/token` with body `{"jwt":"<device JWT>"}`: trades a device JWT
/// for a Plex JWT. No `X-Plex-Token`: the signature is the credential.
pub fn exchange_request(info: &ClientInfo, device_jwt: &Token) -> Result<HttpRequest, Error> {
    let body = serde_json::json!({ "jwt": device_jwt.secret() });
    let url = clients_endpoint(info, "api/v2/auth/token");
    wire::build(info, Method::POST, &url, None, Body::Json(body))
}

/// Reads `{"auth_token":"eyJ..."}`: the Plex JWT, not yet verified ([`super::verify`]).
pub fn parse_exchange(response: &HttpResponse) -> Result<Token, Error> {
    #[derive(Deserialize)]
    struct Exchanged {
        #[serde(default, alias = "authToken", deserialize_with = "lenient::string")]
        auth_token: String,
    }
    let Exchanged { auth_token } = wire::expect_json(response, &[200, 201], "token exchange")?;
    if auth_token.is_empty() {
        return Err(Error::Decode {
            what: "token exchange",
            detail: "no auth_token in the answer".into(),
        });
    }
    Ok(Token::new(auth_token))
}

/// `GET {clients}/api/v2/auth/keys`, no token: the keys plex.tv signs Plex JWTs with.
pub fn keys_request(info: &ClientInfo) -> Result<HttpRequest, Error> {
    wire::build(
        info,
        Method::GET,
        &clients_endpoint(info, "api/v2/auth/keys"),
        None,
        Body::Empty,
    )
}

/// Reads `{"keys":[JWK, ...]}`; keys plexlink cannot use are skipped, and an answer with none it
/// can use is [`Error::Decode`].
pub fn parse_keys(response: &HttpResponse) -> Result<PlexKeys, Error> {
    let set: JwkSet = wire::expect_json(response, &[200], "plex.tv keys")?;
    let keys = PlexKeys::from_jwks(&set);
    if keys.is_empty() {
        return Err(Error::Decode {
            what: "plex.tv keys",
            detail: "no Ed25519 or RSA key in the answer".into(),
        });
    }
    Ok(keys)
}
