//! PIN login (the device flow) as requests and answers: `POST /api/v2/pins`,
//! `GET /api/v2/pins/{id}`, the pages where a person approves a PIN, and `PUT /api/v2/pins/link`.
//!
//! [`crate::pin_login::PinLogin`] drives these with the polling policy; they are public for hosts
//! that want a single step (a web app that checks a stored PIN once per page load).

use std::time::Duration;

use http::{HeaderValue, Method};
use serde::Deserialize;

use crate::lenient;
use crate::timefmt::parse_rfc3339;
use crate::wire::{self, Body};
use crate::{ClientInfo, Error, HttpRequest, HttpResponse, PinCode, Token};

/// A PIN as plex.tv describes it, at creation or at a check.
///
/// `Debug` hides the code, the token, and the QR URL (which holds the code).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pin {
    /// The PIN's id: what is polled, and what a web app stores to resume it.
    pub id: u64,
    /// The code the person enters (short, 4 characters) or that the auth URL carries (strong).
    pub code: PinCode,
    /// A strong (long) code: approved through [`auth_url`] only, never at [`link_url`].
    pub strong: bool,
    /// The client identifier the PIN belongs to; checks must send the same one.
    pub client_identifier: String,
    /// Seconds the PIN lives, as plex.tv said.
    pub expires_in: Option<u64>,
    /// When plex.tv created it (RFC 3339).
    pub created_at: Option<String>,
    /// When it expires (RFC 3339).
    pub expires_at: Option<String>,
    /// The token, once the person has approved the PIN.
    pub auth_token: Option<Token>,
    /// Whether approving it created a new Plex account; unknown until approval.
    pub new_registration: Option<bool>,
    /// A URL of a QR code image for the code.
    pub qr: Option<String>,
}

impl Pin {
    /// A PIN known by its id and code, such as one stored across restarts; the other fields are
    /// unknown and can be set afterwards.
    pub fn new(id: u64, code: PinCode, client_identifier: impl Into<String>) -> Self {
        Self {
            id,
            strong: is_strong(code.secret()),
            code,
            client_identifier: client_identifier.into(),
            expires_in: None,
            created_at: None,
            expires_at: None,
            auth_token: None,
            new_registration: None,
            qr: None,
        }
    }

    /// How long the PIN lives: `expiresAt − createdAt` when both parse (both are the server's
    /// clock, so the client's clock skew does not matter), else `expiresIn`.
    pub fn lifetime(&self) -> Option<Duration> {
        let created = self.created_at.as_deref().and_then(parse_rfc3339);
        let expires = self.expires_at.as_deref().and_then(parse_rfc3339);
        let dated = match (created, expires) {
            (Some(c), Some(e)) if e > c => u64::try_from(e - c).ok().map(Duration::from_secs),
            _ => None,
        };
        dated.or_else(|| self.expires_in.map(Duration::from_secs))
    }

    /// Unix seconds of the expiry: `expiresAt`, else `createdAt + expiresIn`.
    pub fn expires_at_unix(&self) -> Option<i64> {
        if let Some(at) = self.expires_at.as_deref().and_then(parse_rfc3339) {
            return Some(at);
        }
        let created = self.created_at.as_deref().and_then(parse_rfc3339)?;
        created.checked_add(i64::try_from(self.expires_in?).ok()?)
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pin")
            .field("id", &self.id)
            .field("code", &self.code)
            .field("strong", &self.strong)
            .field("client_identifier", &self.client_identifier)
            .field("expires_in", &self.expires_in)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("auth_token", &self.auth_token)
            .field("new_registration", &self.new_registration)
            .field("qr", &self.qr.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// Strong codes are long; short codes are the 4 characters plex.tv/link accepts.
fn is_strong(code: &str) -> bool {
    code.chars().count() > 4
}

/// `POST {plex}/api/v2/pins` (`?strong=true` for a strong code); no body, no token.
pub fn create_request(info: &ClientInfo, strong: bool) -> Result<HttpRequest, Error> {
    let mut url = pins_url(info);
    if strong {
        url.query_pairs_mut().append_pair("strong", "true");
    }
    wire::build(info, Method::POST, &url, None, Body::Empty)
}

/// `GET {plex}/api/v2/pins/{id}`, without a token: must carry the client identifier that
/// created the PIN, so use the same [`ClientInfo`].
pub fn check_request(info: &ClientInfo, pin_id: u64) -> Result<HttpRequest, Error> {
    wire::build(info, Method::GET, &pin_url(info, pin_id), None, Body::Empty)
}

/// `POST {clients}/api/v2/pins` with body `{"jwk":{..},"strong":true}` (`strong` left out for a
/// short code): a PIN whose token will be a Plex JWT for this device's key.
pub fn create_request_with_jwk(
    info: &ClientInfo,
    strong: bool,
    jwk_json: &serde_json::Value,
) -> Result<HttpRequest, Error> {
    let mut body = serde_json::Map::new();
    body.insert("jwk".into(), jwk_json.clone());
    if strong {
        body.insert("strong".into(), serde_json::Value::Bool(true));
    }
    let url = wire::endpoint(info.clients_url(), "api/v2/pins");
    wire::build(info, Method::POST, &url, None, Body::Json(body.into()))
}

/// `GET {clients}/api/v2/pins/{id}?deviceJWT=..`: the check for a PIN created with a JWK. The
/// device JWT lives 5 minutes, so a long sign-in needs a fresh one.
pub fn check_request_with_device_jwt(info: &ClientInfo, pin_id: u64, device_jwt: &str) -> Result<HttpRequest, Error> {
    let mut url = wire::endpoint(info.clients_url(), &format!("api/v2/pins/{pin_id}"));
    url.query_pairs_mut().append_pair("deviceJWT", device_jwt);
    wire::build(info, Method::GET, &url, None, Body::Empty)
}

/// Reads a PIN from a create (201) or check (200) answer.
///
/// Only `id` and `code` are required. A 404 means the PIN expired or never existed
/// ([`Error::PinExpired`]) whatever its body says: a proxy may drop Plex's code 1020.
pub fn parse_pin(response: &HttpResponse) -> Result<Pin, Error> {
    pin_gone(response)?;
    let wire: WirePin = wire::expect_json(response, &[200, 201], "PIN")?;
    let id = wire.id.ok_or_else(|| decode("no id"))?;
    let code = wire.code.filter(|c| !c.is_empty()).ok_or_else(|| decode("no code"))?;
    Ok(Pin {
        id,
        strong: is_strong(&code),
        code: PinCode::new(code),
        client_identifier: wire.client_identifier,
        expires_in: wire.expires_in,
        created_at: wire.created_at,
        expires_at: wire.expires_at,
        auth_token: wire.auth_token.filter(|t| !t.is_empty()).map(Token::new),
        new_registration: wire.new_registration,
        qr: wire.qr,
    })
}

/// How long `pin` has left by plex.tv's own clock: its expiry less the answer's `Date` header.
/// `None` when either is missing or unreadable. No local clock enters, so a device whose clock
/// is wrong by hours still counts the PIN's life rightly.
#[must_use]
pub fn time_left(response: &HttpResponse, pin: &Pin) -> Option<Duration> {
    let server_now = response
        .headers()
        .get(http::header::DATE)
        .and_then(|value| value.to_str().ok())
        .and_then(crate::timefmt::parse_http_date)?;
    let expires = pin.expires_at_unix()?;
    Some(Duration::from_secs(
        u64::try_from(expires.saturating_sub(server_now)).unwrap_or(0),
    ))
}

/// The page where a person enters a short code: `{plex}/link`.
pub fn link_url(info: &ClientInfo) -> String {
    wire::endpoint(info.plex_url(), "link").into()
}

/// The app.plex.tv page that approves a strong code:
/// `{auth page}#?clientID=..&code=..&context%5Bdevice%5D%5Bproduct%5D=..[&forwardUrl=..]`.
///
/// Every key and value is percent-encoded, spaces as `%20`: the parameters live in the fragment,
/// where some routers of single-page apps do not read `+` as a space.
///
/// ```
/// use plexlink_core::{ClientInfo, PinCode, pins};
///
/// let info = ClientInfo::new("My Player", "id-1");
/// let pin = pins::Pin::new(42, PinCode::new("abcdefghijklmnopqrstuvwxy"), "id-1");
/// let url = pins::auth_url(&info, &pin, None);
/// assert!(url.starts_with("https://app.plex.tv/auth#?clientID=id-1&code=abcdefghijklmnopqrstuvwxy&context%5Bdevice%5D%5Bproduct%5D=My%20Player"));
/// ```
pub fn auth_url(info: &ClientInfo, pin: &Pin, forward_url: Option<&str>) -> String {
    let mut page = info.auth_page_url().clone();
    page.set_fragment(None);
    let mut pairs = vec![
        ("clientID", info.client_identifier.as_str()),
        ("code", pin.code.secret()),
    ];
    pairs.extend(info.auth_context());
    if let Some(forward) = forward_url.filter(|f| !f.is_empty()) {
        pairs.push(("forwardUrl", forward));
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("{page}#?{}", query.join("&"))
}

/// `PUT {plex}/api/v2/pins/link`, form `code=<code>`, with the approving account's token: what
/// the plex.tv/link page does, for "link a TV" flows. Plex expects `X-Plex-Product: Plex SSO`
/// here, whatever the caller's product is.
pub fn link_request(info: &ClientInfo, token: &Token, code: &PinCode) -> Result<HttpRequest, Error> {
    let url = wire::endpoint(info.plex_url(), "api/v2/pins/link");
    let body = Body::Form(vec![("code", code.secret().trim().to_owned())]);
    let mut request = wire::build(info, Method::PUT, &url, Some(token), body)?;
    request
        .headers_mut()
        .insert("x-plex-product", HeaderValue::from_static("Plex SSO"));
    Ok(request)
}

/// Reads the answer to [`link_request`]: 204 (or 200) when linked; 404 when the code is unknown
/// or expired ([`Error::PinExpired`]).
pub fn parse_link(response: &HttpResponse) -> Result<(), Error> {
    pin_gone(response)?;
    wire::expect_status(response, &[200, 204])
}

/// The wire shape, read leniently; [`parse_pin`] checks what is required.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePin {
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    id: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    code: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    client_identifier: String,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    created_at: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    expires_at: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    auth_token: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_boolean")]
    new_registration: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    qr: Option<String>,
}

fn pins_url(info: &ClientInfo) -> url::Url {
    wire::endpoint(info.plex_url(), "api/v2/pins")
}

fn pin_url(info: &ClientInfo, pin_id: u64) -> url::Url {
    wire::endpoint(info.plex_url(), &format!("api/v2/pins/{pin_id}"))
}

/// A 404 on a PIN is terminal with or without Plex's code 1020 in the body.
fn pin_gone(response: &HttpResponse) -> Result<(), Error> {
    if response.status() == http::StatusCode::NOT_FOUND {
        Err(Error::PinExpired { status: Some(404) })
    } else {
        Ok(())
    }
}

fn decode(detail: &str) -> Error {
    Error::Decode {
        what: "PIN",
        detail: detail.into(),
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters. `form_urlencoded` writes a
/// space as `+` and a literal `+` as `%2B`, so every `+` left is a space.
fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A create answer of the shape docs/protocol.md §1.1 shows.
    const PIN_EXAMPLE: &str = r#"{"id":308667304,"code":"7RQZ","product":"0","trusted":false,
    "qr":"https://plex.tv/api/v2/pins/qr/7RQZ","clientIdentifier":"my-app-id",
    "location":{"code":"NL","country":"The Netherlands","city":"Breda","subdivisions":"North Brabant","coordinates":"51.5869, 4.7471"},
    "expiresIn":900,"createdAt":"2024-07-16T17:03:05Z","expiresAt":"2024-07-16T17:18:05Z",
    "authToken":null,"newRegistration":null}"#;

    fn info() -> ClientInfo {
        ClientInfo::new("My Player", "my-app-id")
    }

    fn response(status: u16, body: &str) -> HttpResponse {
        http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .expect("valid response")
    }

    fn assert_identity_headers(request: &HttpRequest, product: &str) {
        let h = request.headers();
        assert_eq!(h["x-plex-client-identifier"], "my-app-id");
        assert_eq!(h["x-plex-product"], product);
        assert_eq!(h["accept"], "application/json");
    }

    #[test]
    fn create_request_short_and_strong() {
        let r = create_request(&info(), false).unwrap();
        assert_eq!(r.method(), "POST");
        assert_eq!(r.uri(), "https://plex.tv/api/v2/pins");
        assert_identity_headers(&r, "My Player");
        assert!(r.headers().get("x-plex-token").is_none());
        assert!(r.headers().get("content-type").is_none());
        assert!(r.body().is_empty());

        let r = create_request(&info(), true).unwrap();
        assert_eq!(r.method(), "POST");
        assert_eq!(r.uri(), "https://plex.tv/api/v2/pins?strong=true");
        assert!(r.headers().get("x-plex-token").is_none());
        assert!(r.body().is_empty());
    }

    #[test]
    fn check_request_has_the_id_and_no_token() {
        let r = check_request(&info(), 308_667_304).unwrap();
        assert_eq!(r.method(), "GET");
        assert_eq!(r.uri(), "https://plex.tv/api/v2/pins/308667304");
        assert_identity_headers(&r, "My Player");
        assert!(r.headers().get("x-plex-token").is_none());
        assert!(r.body().is_empty());
    }

    #[test]
    fn jwt_variants() {
        let jwk = serde_json::json!({"kty":"OKP","crv":"Ed25519","x":"abc","use":"sig","alg":"EdDSA","kid":"k1"});
        let r = create_request_with_jwk(&info(), true, &jwk).unwrap();
        assert_eq!(r.method(), "POST");
        assert_eq!(r.uri(), "https://clients.plex.tv/api/v2/pins");
        assert_eq!(r.headers()["content-type"], "application/json");
        assert!(r.headers().get("x-plex-token").is_none());
        let body: serde_json::Value = serde_json::from_slice(r.body()).expect("JSON body");
        assert_eq!(body, serde_json::json!({"jwk": jwk, "strong": true}));

        let r = create_request_with_jwk(&info(), false, &jwk).unwrap();
        let body: serde_json::Value = serde_json::from_slice(r.body()).expect("JSON body");
        assert_eq!(body, serde_json::json!({"jwk": jwk}));

        let r = check_request_with_device_jwt(&info(), 7, "eyJ.a+b/c=.sig").unwrap();
        assert_eq!(r.method(), "GET");
        assert_eq!(
            r.uri(),
            "https://clients.plex.tv/api/v2/pins/7?deviceJWT=eyJ.a%2Bb%2Fc%3D.sig"
        );
        assert!(r.headers().get("x-plex-token").is_none());
        assert!(r.body().is_empty());
    }

    #[test]
    fn link_request_approves_a_code_as_plex_sso() {
        let r = link_request(&info(), &Token::new("account-token"), &PinCode::new("7RQZ")).unwrap();
        assert_eq!(r.method(), "PUT");
        assert_eq!(r.uri(), "https://plex.tv/api/v2/pins/link");
        assert_identity_headers(&r, "Plex SSO");
        assert_eq!(r.headers().get_all("x-plex-product").iter().count(), 1);
        assert_eq!(r.headers()["x-plex-token"], "account-token");
        assert_eq!(r.headers()["content-type"], "application/x-www-form-urlencoded");
        assert_eq!(r.body(), b"code=7RQZ");
    }

    #[test]
    fn parse_link_answers() {
        assert_eq!(parse_link(&response(204, "")), Ok(()));
        assert_eq!(parse_link(&response(200, "")), Ok(()));
        assert_eq!(
            parse_link(&response(404, "")),
            Err(Error::PinExpired { status: Some(404) })
        );
        assert!(
            parse_link(&response(401, r#"{"errors":[{"code":1001,"message":"no"}]}"#))
                .expect_err("401 is an error")
                .is_token_rejected()
        );
    }

    #[test]
    fn link_url_follows_plex_url() {
        assert_eq!(link_url(&info()), "https://plex.tv/link");
        let mut local = info();
        local.set_plex_url("http://127.0.0.1:9/").expect("valid URL");
        assert_eq!(link_url(&local), "http://127.0.0.1:9/link");
    }

    #[test]
    fn auth_url_encodes_every_pair() {
        let mut info = info();
        info.version = "2.1.0".into();
        info.platform = "Linux".into();
        info.device_name = "Télé du salon".into();
        let pin = Pin::new(1, PinCode::new("abcdefghijklmnopqrstuvwxy"), "my-app-id");
        let url = auth_url(&info, &pin, Some("https://app.example/done?a=1&b=2#top"));
        assert_eq!(
            url,
            "https://app.plex.tv/auth#?clientID=my-app-id&code=abcdefghijklmnopqrstuvwxy\
             &context%5Bdevice%5D%5Bproduct%5D=My%20Player\
             &context%5Bdevice%5D%5Bversion%5D=2.1.0\
             &context%5Bdevice%5D%5Bplatform%5D=Linux\
             &context%5Bdevice%5D%5BdeviceName%5D=T%C3%A9l%C3%A9%20du%20salon\
             &forwardUrl=https%3A%2F%2Fapp.example%2Fdone%3Fa%3D1%26b%3D2%23top"
        );

        let default = auth_url(&ClientInfo::new("P", "id"), &pin, None);
        assert!(
            default.starts_with("https://app.plex.tv/auth#?clientID=id&code="),
            "{default}"
        );
        assert!(!default.contains("forwardUrl"));

        let mut local = ClientInfo::new("P", "id");
        local.set_plex_url("http://127.0.0.1:9/").expect("valid URL");
        assert!(auth_url(&local, &pin, None).starts_with("http://127.0.0.1:9/auth#?clientID=id&"));
    }

    #[test]
    fn parses_the_wire_example() {
        let pin = parse_pin(&response(201, PIN_EXAMPLE)).expect("a PIN");
        assert_eq!(pin.id, 308_667_304);
        assert_eq!(pin.code.secret(), "7RQZ");
        assert!(!pin.strong);
        assert_eq!(pin.client_identifier, "my-app-id");
        assert_eq!(pin.expires_in, Some(900));
        assert_eq!(pin.created_at.as_deref(), Some("2024-07-16T17:03:05Z"));
        assert_eq!(pin.expires_at.as_deref(), Some("2024-07-16T17:18:05Z"));
        assert_eq!(pin.auth_token, None);
        assert_eq!(pin.new_registration, None);
        assert_eq!(pin.qr.as_deref(), Some("https://plex.tv/api/v2/pins/qr/7RQZ"));
        assert_eq!(pin.lifetime(), Some(Duration::from_secs(900)));
        assert_eq!(pin.expires_at_unix(), Some(1_721_150_285));
        let debug = format!("{pin:?}");
        assert!(!debug.contains("7RQZ"), "{debug}");
        assert!(debug.contains("308667304"), "{debug}");
        // The same body answers a check with 200.
        assert_eq!(parse_pin(&response(200, PIN_EXAMPLE)), Ok(pin));
    }

    #[test]
    fn lenient_bodies_parse() {
        let pin = parse_pin(&response(
            200,
            r#"{"id":"12","code":"ABCD","authToken":null,"newRegistration":null,"createdAt":null}"#,
        ))
        .expect("a PIN");
        assert_eq!(pin.id, 12);
        assert_eq!(pin.client_identifier, "");
        assert_eq!(
            (pin.expires_in, pin.qr.as_ref(), pin.auth_token.as_ref()),
            (None, None, None)
        );
        assert_eq!(pin.lifetime(), None);
        assert_eq!(pin.expires_at_unix(), None);

        let pin = parse_pin(&response(
            200,
            r#"{"id":5,"code":"ABCD","expiresIn":"1799","authToken":""}"#,
        ))
        .expect("a PIN");
        assert_eq!(pin.auth_token, None, "an empty token is no token");
        assert_eq!(pin.lifetime(), Some(Duration::from_secs(1799)));

        let pin = parse_pin(&response(
            200,
            r#"{"id":5,"code":"ABCD","expiresIn":60,"createdAt":"2024-07-16T17:03:05Z","expiresAt":"garbage"}"#,
        ))
        .expect("a PIN");
        assert_eq!(
            pin.lifetime(),
            Some(Duration::from_secs(60)),
            "unparseable dates fall back to expiresIn"
        );
        assert_eq!(pin.expires_at_unix(), Some(1_721_149_385 + 60));
    }

    #[test]
    fn approved_pin_carries_a_long_token() {
        let token = "e".repeat(536);
        let body = format!(r#"{{"id":9,"code":"ABCD","authToken":"{token}","newRegistration":false,"location":null}}"#);
        let pin = parse_pin(&response(200, &body)).expect("a PIN");
        assert_eq!(pin.auth_token.as_ref().map(|t| t.secret().len()), Some(536));
        assert_eq!(pin.auth_token.as_ref().map(Token::secret), Some(token.as_str()));
        assert_eq!(pin.new_registration, Some(false));
        assert!(!format!("{pin:?}").contains(&token));
    }

    #[test]
    fn gone_malformed_and_refused() {
        let expired = r#"{"errors":[{"code":1020,"message":"Code not found or expired"}]}"#;
        assert_eq!(
            parse_pin(&response(404, expired)),
            Err(Error::PinExpired { status: Some(404) })
        );
        assert_eq!(
            parse_pin(&response(404, "")),
            Err(Error::PinExpired { status: Some(404) })
        );
        assert_eq!(
            parse_pin(&response(404, "<html>Not Found</html>")),
            Err(Error::PinExpired { status: Some(404) })
        );
        assert!(matches!(
            parse_pin(&response(200, r#"{"id":1,"code":"#)),
            Err(Error::Decode { what: "PIN", .. })
        ));
        assert!(matches!(
            parse_pin(&response(201, r#"{"code":"ABCD"}"#)),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            parse_pin(&response(201, r#"{"id":null,"code":"ABCD"}"#)),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            parse_pin(&response(201, r#"{"id":1,"code":""}"#)),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(parse_pin(&response(201, "[]")), Err(Error::Decode { .. })));
        assert_eq!(
            parse_pin(&response(
                400,
                r#"{"errors":[{"code":1000,"message":"X-Plex-Client-Identifier is missing"}]}"#
            )),
            Err(Error::Plex {
                status: 400,
                code: Some(1000),
                message: "X-Plex-Client-Identifier is missing".into()
            })
        );
        assert_eq!(parse_pin(&response(503, "")), Err(Error::Http { status: 503 }));
    }
}
