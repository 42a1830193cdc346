//! What every call shares: building a request with the client's headers, reading a JSON answer,
//! and the rule for where a token may be sent.

use std::net::IpAddr;

use http::{HeaderValue, Method};
use serde::de::DeserializeOwned;
use url::Url;

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
/// `X-Plex-Token`.
pub(crate) fn build(info: &ClientInfo, method: Method, url: &Url, token: Option<&Token>, body: Body) -> HttpRequest {
    let mut request = http::Request::new(Vec::new());
    *request.method_mut() = method;
    *request.uri_mut() = url.as_str().parse().expect("a url::Url is a valid URI");
    *request.headers_mut() = info.headers();
    if let Some(token) = token {
        // Control characters cannot travel in a header; a token holding them is refused by the
        // server (401) rather than breaking the request.
        if let Some(mut value) = crate::client_info::header_value(token.secret()) {
            value.set_sensitive(true);
            request.headers_mut().insert("x-plex-token", value);
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
    request
}

/// `base` joined with a relative `path` (no leading slash), keeping any path the base has.
pub(crate) fn endpoint(base: &Url, path: &str) -> Url {
    base.join(path).expect("relative API paths join onto an http(s) base")
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
    Ok(endpoint(&base, path))
}

/// The answer's JSON body, when its status is one of `ok`; else the error it stands for.
pub(crate) fn expect_json<T: DeserializeOwned>(
    response: &HttpResponse,
    ok: &[u16],
    what: &'static str,
) -> Result<T, Error> {
    expect_status(response, ok)?;
    serde_json::from_slice(response.body()).map_err(|e| Error::Decode {
        what,
        detail: e.to_string(),
    })
}

/// `Ok` when the status is one of `ok`; else the error the answer stands for.
pub(crate) fn expect_status(response: &HttpResponse, ok: &[u16]) -> Result<(), Error> {
    if ok.contains(&response.status().as_u16()) {
        Ok(())
    } else {
        Err(Error::from_response(response))
    }
}

/// Whether a token may be sent to `uri`: always over https; over plain http only to a loopback,
/// private, link-local or unique-local address (given as an IP, `localhost`, or a plex.direct
/// name that encodes such an address). Anything else would expose the token to the network.
///
/// ```
/// use plexlink_core::token_allowed_for;
///
/// assert!(token_allowed_for(&"https://plex.tv/api/v2/user".parse().unwrap()).is_ok());
/// assert!(token_allowed_for(&"http://192.168.1.20:32400/identity".parse().unwrap()).is_ok());
/// assert!(token_allowed_for(&"http://54.231.109.34:32400/".parse().unwrap()).is_err());
/// ```
pub fn token_allowed_for(uri: &http::Uri) -> Result<(), Error> {
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
    let host = uri
        .host()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let address = host
        .parse::<IpAddr>()
        .ok()
        .or_else(|| crate::plex_direct::decode_host(host))
        .or_else(|| {
            host.eq_ignore_ascii_case("localhost")
                .then_some(IpAddr::from([127, 0, 0, 1]))
        });
    match address {
        Some(ip) if is_non_public(ip) => Ok(()),
        _ => Err(Error::InsecureTransport {
            url: redacted_uri(uri),
            reason: "a token is never sent over plain HTTP to a public address; use the https \
                     connection, or allow insecure connections explicitly"
                .into(),
        }),
    }
}

/// True for addresses that cannot be reached across the internet.
pub(crate) fn is_non_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local() || is_cgnat(v4.octets()),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_non_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    }
}

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

    fn allowed(uri: &str) -> bool {
        token_allowed_for(&uri.parse().unwrap()).is_ok()
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
        assert!(allowed("http://100.64.0.9/"));
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
    fn the_refusal_names_no_query() {
        let err = token_allowed_for(&"http://8.8.8.8/x?X-Plex-Token=abc".parse().unwrap()).unwrap_err();
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
