//! Calls to a Plex Media Server: `/identity`, the transient token, source connection information.
//!
//! `server_uri` is a connection's URI (`https://192-168-1-150.<hash>.plex.direct:32400`).

use http::Method;
use serde::Deserialize;

use crate::lenient::{self, Object};
use crate::resources::Device;
use crate::wire::{self, Body};
use crate::{ClientInfo, Error, HttpRequest, HttpResponse, Token};

/// What `/identity` says about a server.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Identity {
    /// Equals the `clientIdentifier` of the server's device in resources.
    #[serde(default, deserialize_with = "lenient::string")]
    pub machine_identifier: String,
    /// Whether the server is claimed by an account.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub claimed: bool,
    /// The server's version.
    #[serde(default, deserialize_with = "lenient::string")]
    pub version: String,
}

/// `GET {server}/identity`, without a token: reachability and who answers.
pub fn identity_request(info: &ClientInfo, server_uri: &str) -> Result<HttpRequest, Error> {
    let url = wire::server_endpoint(server_uri, "identity")?;
    wire::build(info, Method::GET, &url, None, Body::Empty)
}

/// Reads `{"MediaContainer":{"machineIdentifier":..,"claimed":..,"version":..}}`.
pub fn parse_identity(response: &HttpResponse) -> Result<Identity, Error> {
    answered(response)?;
    let container: Container<Identity> = wire::expect_json(response, &[200], "identity")?;
    if container.media_container.machine_identifier.is_empty() {
        return Err(Error::Decode {
            what: "identity",
            detail: "no machineIdentifier".into(),
        });
    }
    Ok(container.media_container)
}

/// `GET {server}/security/token?type=delegation&scope=all` with an admin token.
pub fn transient_token_request(info: &ClientInfo, server_uri: &str, token: &Token) -> Result<HttpRequest, Error> {
    let mut url = wire::server_endpoint(server_uri, "security/token")?;
    url.query_pairs_mut()
        .append_pair("type", "delegation")
        .append_pair("scope", "all");
    wire::build(info, Method::GET, &url, Some(token), Body::Empty)
}

/// Reads the transient token from JSON (`MediaContainer.token`) or XML (`<MediaContainer token=..>`).
pub fn parse_transient_token(response: &HttpResponse) -> Result<Token, Error> {
    answered(response)?;
    let body = std::str::from_utf8(response.body()).map_err(|_| Error::Decode {
        what: "transient token",
        detail: "body is not UTF-8".into(),
    })?;
    let token = if body.trim_start().starts_with('<') {
        crate::xml::find_element(body, "MediaContainer").and_then(|e| e.attr("token"))
    } else {
        #[derive(Deserialize)]
        struct Inner {
            #[serde(default, deserialize_with = "lenient::opt_string")]
            token: Option<String>,
        }
        let Object(container) = serde_json::from_str::<Object<Container<Inner>>>(body).map_err(|e| Error::Decode {
            what: "transient token",
            detail: wire::json_fault(&e),
        })?;
        container.media_container.token
    };
    token
        .filter(|t| !t.is_empty())
        .map(Token::new)
        .ok_or_else(|| Error::Decode {
            what: "transient token",
            detail: "no token in the answer".into(),
        })
}

/// `GET {server}/security/resources?source=...` with an admin or transient token.
///
/// `source` is `server://<machineIdentifier>`, `provider://<id>`, or a bare machine identifier
/// (read as `server://`). `refresh` asks the server to ask plex.tv again.
pub fn source_connection_info_request(
    info: &ClientInfo,
    server_uri: &str,
    token: &Token,
    source: &str,
    refresh: bool,
) -> Result<HttpRequest, Error> {
    let source = source.trim();
    if source.is_empty() {
        return Err(Error::InvalidArgument {
            what: "source",
            detail: "must not be empty".into(),
        });
    }
    let source = if source.contains("://") {
        source.to_owned()
    } else {
        format!("server://{source}")
    };
    let mut url = wire::server_endpoint(server_uri, "security/resources")?;
    url.query_pairs_mut().append_pair("source", &source);
    if refresh {
        url.query_pairs_mut().append_pair("refresh", "1");
    }
    wire::build(info, Method::GET, &url, Some(token), Body::Empty)
}

/// Reads `{"MediaContainer":{"Device": one object or a list}}` into devices with connections.
pub fn parse_source_connection_info(response: &HttpResponse) -> Result<Vec<Device>, Error> {
    #[derive(Deserialize)]
    struct Inner {
        #[serde(default, rename = "Device", deserialize_with = "lenient::one_or_many")]
        device: Vec<Device>,
    }
    answered(response)?;
    let container: Container<Inner> = wire::expect_json(response, &[200], "source connection information")?;
    Ok(container.media_container.device)
}

/// Nothing, or the error of a server's answer that is not 200 ([`Error::from_server_response`]:
/// a server's 401 is not plex.tv's).
fn answered(response: &HttpResponse) -> Result<(), Error> {
    if response.status().as_u16() == 200 {
        Ok(())
    } else {
        Err(Error::from_server_response(response))
    }
}

#[derive(Deserialize)]
struct Container<T> {
    #[serde(rename = "MediaContainer")]
    media_container: T,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> ClientInfo {
        ClientInfo::new("Player", "id-1")
    }

    fn response(status: u16, body: &str) -> HttpResponse {
        http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn identity_request_has_no_token() {
        let r = identity_request(&info(), "https://192-168-1-150.abc.plex.direct:32400").unwrap();
        assert_eq!(r.method(), "GET");
        assert_eq!(r.uri(), "https://192-168-1-150.abc.plex.direct:32400/identity");
        assert!(r.headers().get("x-plex-token").is_none());
        assert_eq!(r.headers()["accept"], "application/json");
    }

    #[test]
    fn identity_parses() {
        let id = parse_identity(&response(
            200,
            r#"{"MediaContainer":{"size":0,"claimed":true,"machineIdentifier":"abc","version":"1.40.0.7998"}}"#,
        ))
        .unwrap();
        assert_eq!(id.machine_identifier, "abc");
        assert!(id.claimed);
        assert_eq!(id.version, "1.40.0.7998");
        assert!(matches!(
            parse_identity(&response(200, r#"{"MediaContainer":{}}"#)),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            parse_identity(&response(200, "<html>")),
            Err(Error::Decode { .. })
        ));
        // A server's 401 is never plex.tv's "this token is bad".
        let refused = parse_identity(&response(401, "<html><title>Unauthorized</title></html>")).unwrap_err();
        assert_eq!(refused, Error::ServerRefused { status: 401 });
        assert!(!refused.is_token_rejected());
        assert_eq!(refused.http_status(), Some(401));
    }

    #[test]
    fn transient_token_request_and_answers() {
        let r = transient_token_request(&info(), "https://h:32400/", &Token::new("admin")).unwrap();
        assert_eq!(r.uri(), "https://h:32400/security/token?type=delegation&scope=all");
        assert_eq!(r.headers()["x-plex-token"], "admin");
        let t = parse_transient_token(&response(
            200,
            r#"{"MediaContainer":{"size":0,"token":"transient-123"}}"#,
        ))
        .unwrap();
        assert_eq!(t.secret(), "transient-123");
        let t = parse_transient_token(&response(200, r#"<MediaContainer size="0" token="transient-456"/>"#)).unwrap();
        assert_eq!(t.secret(), "transient-456");
        assert_eq!(
            parse_transient_token(&response(403, "<html><head><title>Forbidden</title></head></html>")),
            Err(Error::ServerRefused { status: 403 })
        );
        // Even with a plex.tv-like body: a server's answer, read by the server's rule.
        assert_eq!(
            parse_transient_token(&response(401, r#"{"errors":[{"code":1001,"message":"bad"}]}"#)),
            Err(Error::ServerRefused { status: 401 })
        );
        assert_eq!(
            parse_transient_token(&response(503, "<html>busy</html>")),
            Err(Error::Http { status: 503 })
        );
        assert!(matches!(
            parse_transient_token(&response(200, r#"{"MediaContainer":{}}"#)),
            Err(Error::Decode { .. })
        ));
    }

    #[test]
    fn source_connection_information() {
        let r = source_connection_info_request(&info(), "https://h:32400", &Token::new("t"), "abc", true).unwrap();
        assert_eq!(
            r.uri(),
            "https://h:32400/security/resources?source=server%3A%2F%2Fabc&refresh=1"
        );
        let r = source_connection_info_request(
            &info(),
            "https://h:32400",
            &Token::new("t"),
            "provider://tv.plex.x",
            false,
        )
        .unwrap();
        assert_eq!(
            r.uri(),
            "https://h:32400/security/resources?source=provider%3A%2F%2Ftv.plex.x"
        );
        assert!(source_connection_info_request(&info(), "https://h", &Token::new("t"), " ", false).is_err());

        let one = r#"{"MediaContainer":{"size":1,"Device":{"name":"Srv","clientIdentifier":"abc","accessToken":"tok",
            "Connection":[{"protocol":"https","address":"10.0.0.5","port":32400,"uri":"https://10-0-0-5.h.plex.direct:32400","local":true,"relay":false},
                          {"protocol":"http","address":"fd00::5","port":32400,"uri":"http://[fd00::5]:32400","local":true,"relay":false}]}}}"#;
        let devices = parse_source_connection_info(&response(200, one)).unwrap();
        assert_eq!(devices.len(), 1);
        assert_eq!(devices[0].client_identifier, "abc");
        assert_eq!(devices[0].access_token.as_ref().unwrap().secret(), "tok");
        assert_eq!(devices[0].connections.len(), 2);
        assert!(devices[0].connections[1].is_ipv6());

        let many = r#"{"MediaContainer":{"size":2,"Device":[{"name":"A","clientIdentifier":"a","Connection":{"uri":"https://x","protocol":"https","address":"1.2.3.4","port":1,"local":false,"relay":true}},{"name":"B","clientIdentifier":"b"}]}}"#;
        let devices = parse_source_connection_info(&response(200, many)).unwrap();
        assert_eq!(devices.len(), 2);
        assert!(devices[0].connections[0].relay);
        assert!(devices[1].connections.is_empty());
        assert!(
            parse_source_connection_info(&response(200, r#"{"MediaContainer":{"size":0}}"#))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            parse_source_connection_info(&response(401, "")),
            Err(Error::ServerRefused { status: 401 })
        );
    }
}
