//! Target `builders`: every builder that takes a URI, a path segment or a caller's string, with
//! [`ClientInfo::set_plex_url`]. The input's lines are, in order: a server URI, a plex.tv base,
//! a Home user's uuid, a Home PIN, a device JWT, a PIN code to link, a token, a source, a
//! forward URL, a login, a password, a verification code, a product, a device name, a client
//! identifier and a PIN id. Every builder runs against the real plex.tv addresses and, when
//! `set_plex_url` takes the base, against it too. The JWT calls (nonce, keys, key registration,
//! exchange) and the JWT PIN go to the clients base.
//!
//! Asserts, beyond not panicking (the `http` crate refuses URIs that `url` accepts) and linear
//! time:
//! - a builder that fails says [`Error::InvalidArgument`];
//! - a request goes to the host and port of its base, under the base's path, to its endpoint;
//! - a caller's value stays what it is: the uuid is one path segment that decodes to itself, and
//!   the PIN, device JWT, source, form fields, JWK and auth URL parameters read back unchanged;
//! - a token travels only where a builder takes one, and headers carry no control character;
//! - `set_plex_url` keeps only an http(s) base with a path ending in `/`, no query or fragment,
//!   and moves every plex.tv address to it.

use std::sync::OnceLock;

use plexlink_core::jwt::{self, DeviceKey};
use plexlink_core::pins::{self, Pin};
use plexlink_core::resources::{self, Include};
use plexlink_core::{ClientInfo, Error, HttpRequest, Password, PinCode, Token, VerificationCode, account, server};
use url::Url;

use crate::check;
use crate::input::Lines;

pub fn run(data: &[u8]) {
    let lines = Lines::new(data);
    check::linear("the builders", data.len(), || build_all(&lines));
}

/// The caller's values, from the input's lines.
struct Values<'a> {
    server_uri: &'a str,
    uuid: &'a str,
    home_pin: Option<PinCode>,
    device_jwt: &'a str,
    code: PinCode,
    token: Token,
    source: &'a str,
    forward: &'a str,
    login: &'a str,
    password: Password,
    verification: Option<VerificationCode>,
    pin_id: u64,
}

fn build_all(lines: &Lines) {
    let non_empty = |line: &str| (!line.is_empty()).then(|| line.to_owned());
    let v = Values {
        server_uri: lines.get(0),
        uuid: lines.get(2),
        home_pin: non_empty(lines.get(3)).map(PinCode::new),
        device_jwt: lines.get(4),
        code: PinCode::new(lines.get(5)),
        token: Token::new(lines.get(6)),
        source: lines.get(7),
        forward: lines.get(8),
        login: lines.get(9),
        password: Password::new(lines.get(10)),
        verification: non_empty(lines.get(11)).map(VerificationCode::new),
        pin_id: lines.get(15).trim().parse().unwrap_or(lines.get(15).len() as u64),
    };
    let mut info = ClientInfo::new(lines.get(12), lines.get(14));
    info.device_name = lines.get(13).to_owned();
    let headers = info.headers();
    for (name, value) in [
        ("x-plex-product", &info.product),
        ("x-plex-device-name", &info.device_name),
        ("x-plex-client-identifier", &info.client_identifier),
    ] {
        check_header(&headers, name, value);
    }
    plex_builders(&info, &v, true);
    server_builders(&info, &v);
    let mut moved = info.clone();
    match moved.set_plex_url(lines.get(1)) {
        Ok(()) => {
            let base = moved.plex_url();
            assert!(matches!(base.scheme(), "http" | "https"), "{base}");
            assert!(
                base.path().ends_with('/') && base.query().is_none() && base.fragment().is_none(),
                "{base}"
            );
            assert_eq!(moved.clients_url(), base);
            assert_eq!(Some(moved.auth_page_url().clone()), base.join("auth").ok());
            plex_builders(&moved, &v, false);
        }
        Err(error) => assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}"),
    }
}

/// A header made from a caller's `value`: left out when it is blank once control characters are
/// dropped, else that value without them.
fn check_header(headers: &http::HeaderMap, name: &str, value: &str) {
    let clean: String = value.chars().filter(|c| !c.is_control()).collect();
    match headers.get(name) {
        Some(sent) => {
            let sent = std::str::from_utf8(sent.as_bytes()).expect("a header from UTF-8 is UTF-8");
            assert!(
                !sent.is_empty() && clean.contains(sent),
                "{name}: {sent:?} from {value:?}"
            );
        }
        None => assert!(clean.trim().is_empty(), "{name} left out for {value:?}"),
    }
}

/// The request a builder made, checked against where it must go; `None` when it refused.
fn judged<'r>(
    built: &'r Result<HttpRequest, Error>,
    base: &Url,
    endpoint: &str,
    token: Option<&Token>,
) -> Option<&'r HttpRequest> {
    let request = match built {
        Ok(request) => request,
        Err(error) => {
            assert!(matches!(error, Error::InvalidArgument { .. }), "{endpoint}: {error:?}");
            return None;
        }
    };
    let uri = request.uri();
    assert_eq!(uri.host(), base.host_str(), "{endpoint}: {uri} is not on {base}");
    assert_eq!(uri.port_u16(), base.port(), "{endpoint}: {uri} is not on {base}");
    assert_eq!(uri.path(), format!("{}{endpoint}", base.path()), "{uri} from {base}");
    match token {
        Some(token) => check_header(request.headers(), "x-plex-token", token.secret()),
        None => assert!(request.headers().get("x-plex-token").is_none(), "{endpoint}: a token"),
    }
    Some(request)
}

fn query(request: &HttpRequest) -> Vec<(String, String)> {
    let text = request.uri().query().unwrap_or_default();
    url::form_urlencoded::parse(text.as_bytes()).into_owned().collect()
}

fn form(request: &HttpRequest) -> Vec<(String, String)> {
    url::form_urlencoded::parse(request.body()).into_owned().collect()
}

/// The device key whose JWK a key registration sends, made once (it costs a scalar product).
fn device_key() -> &'static DeviceKey {
    static KEY: OnceLock<DeviceKey> = OnceLock::new();
    KEY.get_or_init(|| DeviceKey::from_seed([1; 32]))
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn plex_builders(info: &ClientInfo, v: &Values<'_>, real_plex: bool) {
    let (plex, clients, token) = (info.plex_url(), info.clients_url(), Some(&v.token));
    let fixed = [
        (pins::create_request(info, false), plex, "api/v2/pins", None),
        (account::user_request(info, &v.token), plex, "api/v2/user", token),
        (
            account::sign_out_request(info, &v.token),
            plex,
            "api/v2/users/signout",
            token,
        ),
        (account::ping_request(info, &v.token), plex, "api/v2/ping", token),
        (
            account::home_users_request(info, &v.token),
            clients,
            "api/v2/home/users",
            token,
        ),
        (
            account::claim_token_request(info, &v.token),
            plex,
            "api/claim/token.json",
            token,
        ),
        (
            resources::resources_request(info, &v.token, Include::default()),
            plex,
            "api/v2/resources",
            token,
        ),
        (jwt::nonce_request(info), clients, "api/v2/auth/nonce", None),
        (jwt::keys_request(info), clients, "api/v2/auth/keys", None),
        (
            jwt::register_request(info, &v.token, device_key()),
            clients,
            "api/v2/auth/jwk",
            token,
        ),
    ];
    for (built, base, endpoint, token) in &fixed {
        let request = judged(built, base, endpoint, *token);
        assert!(request.is_some() || !real_plex, "{endpoint} refused on plex.tv");
    }

    let pin_path = format!("api/v2/pins/{}", v.pin_id);
    if let Some(r) = judged(&pins::check_request(info, v.pin_id), plex, &pin_path, None) {
        assert_eq!(r.uri().query(), None);
    }
    // The JWT PIN lives at clients.plex.tv, as every JWT call does.
    let jwt_check = pins::check_request_with_device_jwt(info, v.pin_id, v.device_jwt);
    if let Some(r) = judged(&jwt_check, clients, &pin_path, None) {
        assert_eq!(query(r), pairs(&[("deviceJWT", v.device_jwt)]));
    }
    let jwk = serde_json::json!({ "kty": "OKP", "kid": v.device_jwt, "x": v.forward });
    if let Some(r) = judged(
        &pins::create_request_with_jwk(info, true, &jwk),
        clients,
        "api/v2/pins",
        None,
    ) {
        let body: serde_json::Value = serde_json::from_slice(r.body()).expect("a JSON body");
        assert_eq!(body, serde_json::json!({ "jwk": jwk, "strong": true }));
    }
    // The exchange's credential is the device JWT in its body, never a token.
    let exchange = jwt::exchange_request(info, &Token::new(v.device_jwt));
    if let Some(r) = judged(&exchange, clients, "api/v2/auth/token", None) {
        let body: serde_json::Value = serde_json::from_slice(r.body()).expect("a JSON body");
        assert_eq!(body, serde_json::json!({ "jwt": v.device_jwt }));
    }
    if let Some(r) = judged(
        &pins::link_request(info, &v.token, &v.code),
        plex,
        "api/v2/pins/link",
        token,
    ) {
        assert_eq!(form(r), pairs(&[("code", v.code.secret().trim())]));
        assert_eq!(r.headers()["x-plex-product"], "Plex SSO");
    }
    let sign_in = account::sign_in_request(info, v.login, &v.password, v.verification.as_ref());
    if let Some(r) = judged(&sign_in, plex, "api/v2/users/signin", None) {
        let mut expected = vec![
            ("login", v.login),
            ("password", v.password.secret()),
            ("rememberMe", "true"),
        ];
        expected.extend(v.verification.as_ref().map(|c| ("verificationCode", c.secret().trim())));
        assert_eq!(form(r), pairs(&expected));
    }
    check_switch(info, v);
    check_auth_url(info, v);
    let link = pins::link_url(info);
    assert!(link.starts_with(plex.as_str()) && link.ends_with("link"), "{link}");
}

fn check_switch(info: &ClientInfo, v: &Values<'_>) {
    let built = account::switch_home_user_request(info, &v.token, v.uuid, v.home_pin.as_ref());
    let uuid = v.uuid.trim();
    let Ok(request) = &built else {
        // A URL far under any length limit: each byte of the uuid and PIN may take three.
        let pin_len = v.home_pin.as_ref().map_or(0, |p| p.secret().len());
        let short = info.plex_url().as_str().len() + 3 * (v.uuid.len() + pin_len) < 2048;
        let refusable = matches!(uuid, "" | "." | "..") || uuid.chars().any(char::is_control);
        assert!(refusable || !short, "the uuid {uuid:?} was refused: {built:?}");
        return;
    };
    let path = request.uri().path();
    let segment = path
        .strip_prefix(&format!("{}api/v2/home/users/", info.plex_url().path()))
        .and_then(|rest| rest.strip_suffix("/switch"))
        .unwrap_or_else(|| panic!("the uuid {uuid:?} moved the request to {path}"));
    assert!(
        !segment.contains('/'),
        "the uuid {uuid:?} is more than one segment: {path}"
    );
    assert_eq!(percent_decode(segment), uuid.as_bytes(), "the uuid's segment in {path}");
    judged(
        &built,
        info.plex_url(),
        &format!("api/v2/home/users/{segment}/switch"),
        Some(&v.token),
    );
    let pin = v.home_pin.as_ref().map(|p| ("pin", p.secret()));
    assert_eq!(query(request), pairs(&Vec::from_iter(pin)));
}

/// The auth URL's parameters read back: the client identifier, the code, the non-empty device
/// context in its documented order, and the forward URL.
fn check_auth_url(info: &ClientInfo, v: &Values<'_>) {
    let pin = Pin::new(v.pin_id, v.code.clone(), info.client_identifier.clone());
    let forward = Some(v.forward).filter(|f| !f.is_empty());
    let url = pins::auth_url(info, &pin, forward);
    let mut page = info.auth_page_url().clone();
    page.set_fragment(None);
    let fragment = url
        .strip_prefix(&format!("{page}#?"))
        .unwrap_or_else(|| panic!("{url} is not on {page}"));
    assert!(!fragment.contains(['+', '#', ' ']), "{fragment}: unencoded");
    let context = [
        ("product", &info.product),
        ("version", &info.version),
        ("platform", &info.platform),
        ("platformVersion", &info.platform_version),
        ("device", &info.device),
        ("deviceName", &info.device_name),
        ("model", &info.model),
    ];
    let mut expected = pairs(&[("clientID", &info.client_identifier), ("code", v.code.secret())]);
    expected.extend(
        context
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(key, value)| (format!("context[device][{key}]"), (*value).clone())),
    );
    expected.extend(pairs(&Vec::from_iter(forward.map(|f| ("forwardUrl", f)))));
    let read: Vec<(String, String)> = url::form_urlencoded::parse(fragment.as_bytes()).into_owned().collect();
    assert_eq!(read, expected, "{url}");
}

fn server_builders(info: &ClientInfo, v: &Values<'_>) {
    let uri = v.server_uri;
    let identity = server::identity_request(info, uri);
    let transient = server::transient_token_request(info, uri, &v.token);
    let refresh = v.source.len() % 2 == 1;
    let sources = server::source_connection_info_request(info, uri, &v.token, v.source, refresh);
    let Ok(mut base) = Url::parse(uri.trim()) else {
        for built in [&identity, &transient, &sources] {
            assert!(
                matches!(built, Err(Error::InvalidArgument { .. })),
                "{uri:?}: {built:?}"
            );
        }
        return;
    };
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    if let Some(r) = judged(&identity, &base, "identity", None) {
        assert_eq!(r.uri().query(), None, "{uri:?}");
    }
    if let Some(r) = judged(&transient, &base, "security/token", Some(&v.token)) {
        assert_eq!(query(r), pairs(&[("type", "delegation"), ("scope", "all")]));
    }
    if let Some(r) = judged(&sources, &base, "security/resources", Some(&v.token)) {
        let source = v.source.trim();
        let source = if source.contains("://") {
            source.to_owned()
        } else {
            format!("server://{source}")
        };
        let mut expected = vec![("source", source.as_str())];
        expected.extend(refresh.then_some(("refresh", "1")));
        assert_eq!(query(r), pairs(&expected));
    }
}

/// `%XX` escapes decoded; anything else kept as it is.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}
