//! A request as the handlers see it: already read, with helpers for Plex's ways of passing
//! things (headers or query for the token, form bodies, `Accept`).

use bytes::Bytes;
use http::{HeaderMap, Method};

/// The token of a request's headers or query (see [`Req::token`]).
pub(crate) fn token_in(headers: &HeaderMap, query: &str) -> Option<String> {
    headers
        .get("x-plex-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "X-Plex-Token")
                .map(|(_, v)| v.into_owned())
        })
        .filter(|t| !t.is_empty())
}

/// One request, its body read in full.
#[derive(Debug)]
pub(crate) struct Req {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Req {
    /// A header's value as text (`None` when absent or not UTF-8).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A query parameter, decoded.
    pub(crate) fn query_param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// A field of an `application/x-www-form-urlencoded` body (or of a JSON object body, which
    /// some clients send instead), falling back to the query string as plex.tv does.
    pub(crate) fn field(&self, name: &str) -> Option<String> {
        let from_body = if self.body.first() == Some(&b'{') {
            serde_json::from_slice::<serde_json::Value>(&self.body)
                .ok()
                .and_then(|v| match v.get(name)? {
                    serde_json::Value::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                })
        } else {
            url::form_urlencoded::parse(&self.body)
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        from_body.or_else(|| self.query_param(name))
    }

    /// The token from `X-Plex-Token`, or from the query (`?X-Plex-Token=`), as Plex accepts both.
    pub(crate) fn token(&self) -> Option<String> {
        token_in(&self.headers, &self.query)
    }

    /// The client identifier from the header or the query.
    pub(crate) fn client_identifier(&self) -> Option<String> {
        self.header("x-plex-client-identifier")
            .map(str::to_string)
            .or_else(|| self.query_param("X-Plex-Client-Identifier"))
            .filter(|t| !t.trim().is_empty())
    }

    /// Plex answers JSON only when asked: `Accept` must mention json, otherwise XML.
    pub(crate) fn wants_json(&self) -> bool {
        self.header("accept")
            .is_some_and(|a| a.to_ascii_lowercase().contains("json"))
    }

    /// A query flag such as `includeRelay=1` (also `true`).
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.query_param(name)
            .is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
    }
}
