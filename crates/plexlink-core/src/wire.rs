//! What every call shares: building a request with the client's headers, reading a JSON answer,
//! and the rule for where a token may be sent.

use std::net::IpAddr;

use http::{HeaderValue, Method};
use serde::de::DeserializeOwned;
use url::Url;

use crate::lenient::Object;
use crate::{ClientInfo, Error, HttpRequest, HttpResponse, Token};

/// The default cap on an answer's size: 16 MiB (a 500-server resources answer is ~1.5 MB).
pub const MAX_BODY_DEFAULT: usize = 16 * 1024 * 1024;

/// The body of a request.
pub(crate) enum Body {
    Empty,
    Form(Vec<(&'static str, String)>),
    Json(serde_json::Value),
}

/// A request with the client's `X-Plex-*` headers, `Accept: application/json` and, when given,
/// `X-Plex-Token`. Fails when `url` cannot travel in an HTTP request (see [`request_uri`]).
pub(crate) fn build(
    info: &ClientInfo,
    method: Method,
    url: &Url,
    token: Option<&Token>,
    body: Body,
) -> Result<HttpRequest, Error> {
    let mut request = http::Request::new(Vec::new());
    *request.method_mut() = method;
    *request.uri_mut() = request_uri(url)?;
    *request.headers_mut() = info.headers();
    if let Some(token) = token {
        // Control characters cannot travel in a header; a token holding them is refused by the
        // server (401) rather than breaking the request.
        if let Some(mut value) = crate::client_info::header_value(token.secret()) {
            value.set_sensitive(true);
            request.headers_mut().insert(TOKEN_HEADER, value);
        }
    }
    match body {
        Body::Empty => {}
        Body::Form(pairs) => {
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            request.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
            *request.body_mut() = encoded.into_bytes();
        }
        Body::Json(value) => {
            request
                .headers_mut()
                .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            *request.body_mut() = serde_json::to_vec(&value).expect("a JSON value serializes");
        }
    }
    Ok(request)
}

/// The longest URI plexlink sends. The `http` crate refuses URIs of 64 KiB and more; no Plex
/// call needs a tenth of this, so a longer one is hostile input, refused before it is built.
const MAX_URI_LEN: usize = 8 * 1024;

/// `url` as the `http` crate's URI. A `url::Url` is not always one: WHATWG URLs allow hosts that
/// HTTP refuses (`a"b`, `a{b}`, a backtick) and have no length limit. A connection URI comes
/// from resources, which a server's owner controls, so this is input to check, never to assume.
pub(crate) fn request_uri(url: &Url) -> Result<http::Uri, Error> {
    let text = url.as_str();
    if text.len() > MAX_URI_LEN {
        return Err(Error::InvalidArgument {
            what: "URL",
            detail: format!("{} bytes long, more than the {MAX_URI_LEN} plexlink sends", text.len()),
        });
    }
    // The URL may hold a PIN or a device JWT in its query: the error names neither.
    text.parse().map_err(|_| Error::InvalidArgument {
        what: "URL",
        detail: "not a valid HTTP request URI (a character HTTP does not allow in a host?)".into(),
    })
}

/// `base` joined with a relative `path` (no leading slash), keeping any path the base has.
/// `path` is fixed ASCII or holds segments made by [`path_segment`]; `base` is one that
/// [`ClientInfo::set_plex_url`] (or [`server_endpoint`]) checked: http(s), with a host, a
/// path that ends in `/`. Joining such a path onto such a base cannot fail.
pub(crate) fn endpoint(base: &Url, path: &str) -> Url {
    base.join(path).expect("relative API paths join onto an http(s) base")
}

/// `value` made safe to stand as one path segment: refused when empty, `.` or `..`, or holding
/// a control character; every byte but the URL-unreserved ones percent-encoded, so a `/`, `\`,
/// `?`, `#` or `%2e%2e` stays inside its segment.
pub(crate) fn path_segment(what: &'static str, value: &str) -> Result<String, Error> {
    let refuse = |detail: &str| Error::InvalidArgument {
        what,
        detail: detail.into(),
    };
    if value.is_empty() || value == "." || value == ".." {
        return Err(refuse("must be a name, not empty, `.` or `..`"));
    }
    if value.chars().any(char::is_control) {
        return Err(refuse("must not hold control characters"));
    }
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(out)
}

/// A server URI (`https://host:32400`, maybe with a path) joined with an API path.
pub(crate) fn server_endpoint(server_uri: &str, path: &str) -> Result<Url, Error> {
    let mut base = Url::parse(server_uri.trim()).map_err(|e| Error::InvalidArgument {
        what: "server URI",
        detail: format!("{e}"),
    })?;
    if !matches!(base.scheme(), "http" | "https") || base.host().is_none() {
        return Err(Error::InvalidArgument {
            what: "server URI",
            detail: "must be an http or https URL".into(),
        });
    }
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base.set_query(None);
    base.set_fragment(None);
    let url = endpoint(&base, path);
    // Checked here, not only when the request is built: the race plans with this function, and a
    // connection it admits must be one it can probe.
    request_uri(&url)?;
    Ok(url)
}

/// The answer's JSON object, when its status is one of `ok`; else the error it stands for. A
/// body of another shape (a list, read by position) is [`Error::Decode`].
pub(crate) fn expect_json<T: DeserializeOwned>(
    response: &HttpResponse,
    ok: &[u16],
    what: &'static str,
) -> Result<T, Error> {
    expect_any_json::<Object<T>>(response, ok, what).map(|Object(value)| value)
}

/// The answer's JSON list of objects (as resources are), else as [`expect_json`].
pub(crate) fn expect_json_list<T: DeserializeOwned>(
    response: &HttpResponse,
    ok: &[u16],
    what: &'static str,
) -> Result<Vec<T>, Error> {
    let items = expect_any_json::<Vec<Object<T>>>(response, ok, what)?;
    Ok(items.into_iter().map(|Object(item)| item).collect())
}

/// The answer's JSON body of any shape `T` accepts.
pub(crate) fn expect_any_json<T: DeserializeOwned>(
    response: &HttpResponse,
    ok: &[u16],
    what: &'static str,
) -> Result<T, Error> {
    expect_status(response, ok)?;
    // JSON is UTF-8. serde_json does not check the bytes of what it skips (an unknown key), so
    // a body that is not JSON at all could still be read; checked first, it cannot.
    let text = std::str::from_utf8(response.body()).map_err(|_| Error::Decode {
        what,
        detail: "the body is not UTF-8".into(),
    })?;
    serde_json::from_str(text).map_err(|e| Error::Decode {
        what,
        detail: json_fault(&e),
    })
}

/// What a JSON answer's fault is and where, without serde_json's own message: that quotes the
/// value it could not read (`invalid type: string "..."`), and an answer's values may be
/// tokens. A missing field's name is the schema's, not the answer's: it stays.
pub(crate) fn json_fault(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let message = error.to_string();
    let kind = match error.classify() {
        Category::Data => match message.strip_prefix("missing field `") {
            Some(rest) => match rest.split_once('`') {
                Some((field, _)) => return format!("no {field} at line {} column {}", error.line(), error.column()),
                None => "a value of another type or shape",
            },
            None => "a value of another type or shape",
        },
        Category::Syntax => "not JSON",
        Category::Eof => "JSON cut short",
        Category::Io => "unreadable",
    };
    format!("{kind} at line {} column {}", error.line(), error.column())
}

/// `Ok` when the status is one of `ok`; else the error the answer stands for.
pub(crate) fn expect_status(response: &HttpResponse, ok: &[u16]) -> Result<(), Error> {
    if ok.contains(&response.status().as_u16()) {
        Ok(())
    } else {
        Err(Error::from_response(response))
    }
}

/// How plexlink reads an address when it decides whether a request may travel in the clear
/// and whether a connection points into a LAN. [`AddressRules::default`] is the strict reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AddressRules {
    /// `*.plex.direct` names are dialled at the address their label encodes (the HTTP stack
    /// resolves them itself, as `plexlink::Client` does by default). Only then does the label
    /// say where a request goes; with the system's DNS (or a hosts file) it may go anywhere, so
    /// the label is not trusted for plain http.
    pub plex_direct_by_label: bool,
    /// Carrier-grade NAT addresses (100.64.0.0/10) count as private. Off by default: behind a
    /// carrier's NAT the next hop is the carrier's network, not yours, and a token sent in clear
    /// crosses it. On for a VPN that uses that range (Tailscale does).
    pub carrier_nat_is_private: bool,
}

impl AddressRules {
    /// True for addresses that cannot be reached across the internet under these rules:
    /// loopback, private (RFC 1918), link-local, unique-local, and 100.64.0.0/10 when
    /// [`carrier_nat_is_private`](Self::carrier_nat_is_private).
    #[must_use]
    pub fn is_non_public(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(v4) => {
                v4.is_loopback()
                    || v4.is_private()
                    || v4.is_link_local()
                    || (self.carrier_nat_is_private && is_cgnat(v4.octets()))
            }
            IpAddr::V6(v6) => {
                if let Some(v4) = v6.to_ipv4_mapped() {
                    return self.is_non_public(IpAddr::V4(v4));
                }
                let first = v6.segments()[0];
                v6.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
            }
        }
    }

    /// The address `host` stands for, when it says: an IP literal, `localhost`, or (under
    /// [`plex_direct_by_label`](Self::plex_direct_by_label)) a plex.direct name.
    #[must_use]
    pub fn address_of(&self, host: &str) -> Option<IpAddr> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host.parse::<IpAddr>()
            .ok()
            .or_else(|| {
                self.plex_direct_by_label
                    .then(|| crate::plex_direct::decode_host(host))
                    .flatten()
            })
            .or_else(|| {
                host.eq_ignore_ascii_case("localhost")
                    .then_some(IpAddr::from([127, 0, 0, 1]))
            })
    }
}

/// Whether a token may be sent to `uri`: always over https; over plain http only to a
/// non-public address ([`AddressRules::is_non_public`]) that the URI names for certain
/// ([`AddressRules::address_of`]). Anything else would expose the token to the network.
///
/// ```
/// use plexlink_core::{token_allowed_for, AddressRules};
///
/// let strict = AddressRules::default();
/// let allowed = |uri: &str, rules| token_allowed_for(&uri.parse().unwrap(), rules).is_ok();
/// assert!(allowed("https://plex.tv/api/v2/user", strict));
/// assert!(allowed("http://192.168.1.20:32400/identity", strict));
/// assert!(!allowed("http://54.231.109.34:32400/", strict));
/// // A plex.direct label says where the name goes only when the client dials the label.
/// let by_label = AddressRules { plex_direct_by_label: true, ..strict };
/// let name = "http://192-168-1-20.0123abcd.plex.direct:32400/";
/// assert!(!allowed(name, strict));
/// assert!(allowed(name, by_label));
/// ```
pub fn token_allowed_for(uri: &http::Uri, rules: AddressRules) -> Result<(), Error> {
    match uri.scheme_str() {
        Some("https") => return Ok(()),
        Some("http") => {}
        _ => {
            return Err(Error::InsecureTransport {
                url: redacted_uri(uri),
                reason: "only http and https are supported".into(),
            });
        }
    }
    match rules.address_of(uri.host().unwrap_or_default()) {
        Some(ip) if rules.is_non_public(ip) => Ok(()),
        _ => Err(Error::InsecureTransport {
            url: redacted_uri(uri),
            reason: "a token is never sent over plain HTTP to a public address; use the https \
                     connection, or allow insecure connections explicitly"
                .into(),
        }),
    }
}

/// Whether `request` may be sent as it is: a request that carries a token goes only where
/// [`token_allowed_for`] allows, unless the host opted in to insecure connections. Every
/// driver calls this before any HTTP stack sees the request, so a transport of the host's own
/// cannot skip it.
///
/// ```
/// use plexlink_core::{AddressRules, ClientInfo, Token, account, check_request};
///
/// let mut info = ClientInfo::new("Player", "id-1");
/// info.set_plex_url("http://203.0.113.7/")?;
/// let request = account::user_request(&info, &Token::new("t"))?;
/// assert!(check_request(&request, AddressRules::default(), false).is_err());
/// assert!(check_request(&request, AddressRules::default(), true).is_ok());
/// # Ok::<(), plexlink_core::Error>(())
/// ```
pub fn check_request(request: &HttpRequest, rules: AddressRules, allow_insecure_http: bool) -> Result<(), Error> {
    if allow_insecure_http || !request.headers().contains_key(TOKEN_HEADER) {
        return Ok(());
    }
    token_allowed_for(request.uri(), rules)
}

/// The header that carries a token.
const TOKEN_HEADER: &str = "x-plex-token";

fn is_cgnat(octets: [u8; 4]) -> bool {
    octets[0] == 100 && (octets[1] & 0xc0) == 64
}

/// The URI without its query (which may hold a PIN or a device JWT).
pub(crate) fn redacted_uri(uri: &http::Uri) -> String {
    match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) => format!("{scheme}://{authority}{}", uri.path()),
        _ => uri.path().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BY_LABEL: AddressRules = AddressRules {
        plex_direct_by_label: true,
        carrier_nat_is_private: false,
    };

    fn allowed(uri: &str) -> bool {
        token_allowed_for(&uri.parse().unwrap(), BY_LABEL).is_ok()
    }

    #[test]
    fn tokens_go_over_https_or_to_private_addresses_only() {
        assert!(allowed("https://54.231.109.34:32400/"));
        assert!(allowed("http://127.0.0.1:32400/"));
        assert!(allowed("http://localhost:32400/"));
        assert!(allowed("http://10.0.0.2:32400/"));
        assert!(allowed("http://172.16.5.4/"));
        assert!(allowed("http://192.168.1.150:32400/"));
        assert!(allowed("http://169.254.3.3/"));
        assert!(!allowed("http://100.64.0.9/"), "carrier-grade NAT is opt-in");
        assert!(!allowed("http://100.127.255.254/"));
        assert!(!allowed("http://100.128.0.1/"));
        assert!(allowed("http://[::1]:32400/"));
        assert!(allowed("http://[fd00::1]:32400/"));
        assert!(allowed("http://[fe80::1]:32400/"));
        assert!(allowed(
            "http://192-168-1-150.fc6b48db927de7394036856ade1760b9.plex.direct:32400/"
        ));
        assert!(!allowed("http://54.231.109.34:32400/"));
        assert!(!allowed("http://[2001:db8::1]:32400/"));
        assert!(!allowed("http://myserver.example.com/"));
        assert!(!allowed(
            "http://54-231-109-34.fc6b48db927de7394036856ade1760b9.plex.direct:32400/"
        ));
        assert!(!allowed("ftp://127.0.0.1/"));
    }

    #[test]
    fn carrier_nat_and_plex_direct_labels_are_trusted_only_when_asked() {
        let cgnat: http::Uri = "http://100.64.0.9:32400/".parse().unwrap();
        assert!(token_allowed_for(&cgnat, AddressRules::default()).is_err());
        let rules = AddressRules {
            carrier_nat_is_private: true,
            ..AddressRules::default()
        };
        assert!(token_allowed_for(&cgnat, rules).is_ok());
        assert!(token_allowed_for(&"http://100.128.0.1/".parse().unwrap(), rules).is_err());

        // Under the system's DNS a plex.direct name can resolve anywhere (a hosts entry sent a
        // token in clear to another address): its label proves nothing then.
        let name: http::Uri = "http://192-168-1-150.fc6b48db927de7394036856ade1760b9.plex.direct:32400/"
            .parse()
            .unwrap();
        assert!(token_allowed_for(&name, AddressRules::default()).is_err());
        assert!(token_allowed_for(&name, BY_LABEL).is_ok());
    }

    #[test]
    fn hostile_uris_are_errors_not_panics() {
        let long = format!("https://{}.example:32400", "a".repeat(70_000));
        for uri in [
            "https://a\"b:32400",
            "https://a{b}:32400",
            "https://a`b:32400",
            "https://a|b:32400",
            long.as_str(),
        ] {
            let err = server_endpoint(uri, "identity").unwrap_err();
            assert!(matches!(err, Error::InvalidArgument { .. }), "{uri:.40}: {err}");
            let info = ClientInfo::new("P", "id");
            assert!(crate::server::identity_request(&info, uri).is_err());
            assert!(crate::server::transient_token_request(&info, uri, &Token::new("t")).is_err());
            assert!(crate::server::source_connection_info_request(&info, uri, &Token::new("t"), "abc", false).is_err());
        }
    }

    /// serde's messages quote the value they could not read ("invalid type: string \"...\""),
    /// and an answer's values may be tokens: a decode error names the place, never the text.
    #[test]
    fn a_decode_error_never_quotes_the_answer() {
        let secret = "sekrit-7f3a";
        let answer = |body: String| http::Response::builder().status(200).body(body.into_bytes()).unwrap();
        type Parse = fn(&HttpResponse) -> Option<Error>;
        let cases: Vec<(String, Parse)> = vec![
            (format!(r#"{{"id":"{secret}","code":"ABCD"}}"#), |r| {
                crate::pins::parse_pin(r).err()
            }),
            (format!(r#"{{"id":1,"code":"ABCD","expiresIn":"{secret}"}}"#), |r| {
                crate::pins::parse_pin(r).err()
            }),
            (
                format!(r#"[{{"name":"a","clientIdentifier":"b","owned":"{secret}"}}]"#),
                |r| crate::resources::parse_resources(r).err(),
            ),
            (
                format!(r#"{{"id":1,"uuid":"u","authToken":"t","admin":"{secret}"}}"#),
                |r| crate::account::parse_user(r).err(),
            ),
            (format!(r#"{{"MediaContainer":{{"token":{{"{secret}":1}}}}}}"#), |r| {
                crate::server::parse_transient_token(r).err()
            }),
            (format!(r#"{{"id":1 "{secret}"}}"#), |r| crate::pins::parse_pin(r).err()),
            (format!(r#"{{"auth_token":["{secret}"]}}"#), |r| {
                crate::jwt::parse_exchange(r).err()
            }),
            // This one serde quoted: a connection that is a string.
            (
                format!(r#"[{{"name":"a","clientIdentifier":"b","connections":["{secret}"]}}]"#),
                |r| crate::resources::parse_resources(r).err(),
            ),
        ];
        let mut quoted = 0;
        for (body, parse) in cases {
            let response = answer(body.clone());
            let Some(error) = parse(&response) else {
                continue;
            };
            assert!(matches!(error, Error::Decode { .. }), "{body}: {error:?}");
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains(secret), "{body}: {shown}");
            if shown.contains("at line 1 column") {
                quoted += 1;
            }
        }
        // Where serde found the fault is still said.
        assert!(quoted >= 2, "{quoted}");
        // ResourcesSnapshot reads the same answers.
        let body = format!(r#"[{{"name":"a" "{secret}"}}]"#);
        let error = crate::snapshot::ResourcesSnapshot::from_response(&answer(body), 0).unwrap_err();
        assert!(!format!("{error:?}").contains(secret), "{error:?}");
    }

    /// Found by fuzzing: serde fills a struct from a list by position, so
    /// `[308667304,"7RQZ","my-app-id",900,null,null,"not-a-token"]` was read as an approved PIN.
    #[test]
    fn a_list_is_never_read_as_an_object() {
        let answer = |body: &str| {
            http::Response::builder()
                .status(200)
                .body(body.as_bytes().to_vec())
                .unwrap()
        };
        let pin = answer(r#"[308667304,"7RQZ","my-app-id",900,null,null,"not-a-token"]"#);
        assert!(matches!(crate::pins::parse_pin(&pin), Err(Error::Decode { .. })));
        let devices = answer(r#"[["Srv","abc"]]"#);
        assert!(matches!(
            crate::resources::parse_resources(&devices),
            Err(Error::Decode { .. })
        ));
        let users = answer(r#"[["x","a"]]"#);
        assert!(matches!(
            crate::account::parse_home_users(&users),
            Err(Error::Decode { .. })
        ));
        let token = answer(r#"[{"token":"t"}]"#);
        assert!(matches!(
            crate::server::parse_transient_token(&token),
            Err(Error::Decode { .. })
        ));
        // Found by fuzzing too: a byte that is not UTF-8 in an unknown key was skipped unread.
        let mut not_utf8 = br#"{"id":1,"uuid":"u","a"#.to_vec();
        not_utf8.extend_from_slice(b"\x99\":true}");
        let not_utf8 = http::Response::builder().status(200).body(not_utf8).unwrap();
        assert!(matches!(
            crate::account::parse_user(&not_utf8),
            Err(Error::Decode { .. })
        ));
        // The shapes Plex sends still read.
        assert_eq!(
            crate::pins::parse_pin(&answer(r#"{"id":1,"code":"7RQZ"}"#)).unwrap().id,
            1
        );
        assert_eq!(
            crate::account::parse_home_users(&answer(r#"[{"uuid":"a"}]"#))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            crate::account::parse_home_users(&answer(r#"{"users":[{"uuid":"a"}]}"#))
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn path_segments_are_encoded_and_dot_segments_refused() {
        assert_eq!(path_segment("x", "a/b").unwrap(), "a%2Fb");
        assert_eq!(path_segment("x", "%2e%2e").unwrap(), "%252e%252e");
        assert_eq!(path_segment("x", "...").unwrap(), "...");
        for bad in ["", ".", "..", ".\n.", "a\u{7f}"] {
            assert!(path_segment("x", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_refusal_names_no_query() {
        let err = token_allowed_for(&"http://8.8.8.8/x?X-Plex-Token=abc".parse().unwrap(), BY_LABEL).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("http://8.8.8.8/x"), "{text}");
        assert!(!text.contains("abc"), "{text}");
    }

    #[test]
    fn server_endpoints_keep_a_base_path() {
        assert_eq!(
            server_endpoint("https://h:32400", "identity").unwrap().as_str(),
            "https://h:32400/identity"
        );
        assert_eq!(
            server_endpoint("https://h/plex", "identity").unwrap().as_str(),
            "https://h/plex/identity"
        );
        assert!(server_endpoint("nonsense", "identity").is_err());
        assert!(server_endpoint("file:///etc/passwd", "identity").is_err());
    }
}
