//! Request and TCP connection counts, and a timed log of requests, so tests can assert on
//! what a client really sent ("one PIN wait used one TCP connection", "the 429 made the client
//! wait").

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Deserializer, Serialize};

/// Counts of one listener.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListenerCounters {
    /// TCP connections accepted.
    pub tcp_connections: u64,
    /// Of those, the ones that completed a TLS handshake (https listeners only).
    pub tls_connections: u64,
    /// TCP connections open right now: accepted and not yet closed by either side. Not zeroed
    /// by a reset, since the connections it counts are still open. A client that leaves no
    /// socket behind brings it back to 0.
    pub open_connections: u64,
    /// Requests per `"METHOD /normalized/path"` (ids replaced by `{id}`, query left out).
    pub requests: BTreeMap<String, u64>,
}

impl ListenerCounters {
    /// Requests seen under one key, e.g. `"GET /api/v2/pins/{id}"` (0 if none).
    pub fn requests_to(&self, key: &str) -> u64 {
        self.requests.get(key).copied().unwrap_or(0)
    }

    /// All requests, whatever their key.
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }
}

/// A snapshot of every listener's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// The plex.tv listener (API, pages and `/_emulator` control requests).
    pub plextv: ListenerCounters,
    /// PMS listeners: server name → connection name → counts. Every listening connection is
    /// present (with zeros) so tests can tell "not contacted" from "unknown".
    pub pms: BTreeMap<String, BTreeMap<String, ListenerCounters>>,
}

impl Counters {
    /// The counts of one PMS connection (zeros when it is unknown or never listened).
    pub fn connection(&self, server: &str, connection: &str) -> ListenerCounters {
        self.pms
            .get(server)
            .and_then(|c| c.get(connection))
            .cloned()
            .unwrap_or_default()
    }
}

/// Which listener a request or a connection belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Listener {
    PlexTv,
    Pms { server: String, connection: String },
}

impl Counters {
    fn listener_mut(&mut self, listener: &Listener) -> &mut ListenerCounters {
        match listener {
            Listener::PlexTv => &mut self.plextv,
            Listener::Pms { server, connection } => self
                .pms
                .entry(server.clone())
                .or_default()
                .entry(connection.clone())
                .or_default(),
        }
    }

    pub(crate) fn count_connection(&mut self, listener: &Listener) {
        let counts = self.listener_mut(listener);
        counts.tcp_connections += 1;
        counts.open_connections += 1;
    }

    pub(crate) fn count_closed(&mut self, listener: &Listener) {
        let counts = self.listener_mut(listener);
        counts.open_connections = counts.open_connections.saturating_sub(1);
    }

    pub(crate) fn count_tls(&mut self, listener: &Listener) {
        self.listener_mut(listener).tls_connections += 1;
    }

    pub(crate) fn count_request(&mut self, listener: &Listener, method: &str, path: &str) {
        let key = format!("{method} {}", normalize_path(path));
        *self.listener_mut(listener).requests.entry(key).or_insert(0) += 1;
    }

    /// Zeros every count but keeps the listeners' entries and the open connections.
    pub(crate) fn reset(&mut self) {
        for l in std::iter::once(&mut self.plextv).chain(self.pms.values_mut().flat_map(|c| c.values_mut())) {
            *l = ListenerCounters {
                open_connections: l.open_connections,
                ..ListenerCounters::default()
            };
        }
    }
}

/// One request as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedRequest {
    /// `"plex.tv"`, or `"<server name>/<connection name>"` for a PMS listener.
    pub listener: String,
    /// The counter key, `"METHOD /normalized/path"`.
    pub request: String,
    /// Milliseconds since the emulator started (or since the last reset).
    pub at_ms: u64,
    /// The kind of token the request carried (`X-Plex-Token` header or query), never the token
    /// itself: `"jwt"` for a JWT (three parts, the first two JSON objects), `"legacy"` for any
    /// other token, `None` without one.
    pub token_kind: Option<&'static str>,
}

/// Written by hand because a derived impl would borrow `token_kind` for `'static` and so read
/// only from static text: this one reads any JSON (`GET /_emulator/requests`), mapping the kind
/// back onto the two static names.
impl<'de> Deserialize<'de> for LoggedRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Logged {
            listener: String,
            request: String,
            at_ms: u64,
            #[serde(default)]
            token_kind: Option<String>,
        }
        let l = Logged::deserialize(d)?;
        Ok(LoggedRequest {
            listener: l.listener,
            request: l.request,
            at_ms: l.at_ms,
            token_kind: match l.token_kind.as_deref() {
                Some("jwt") => Some("jwt"),
                Some("legacy") => Some("legacy"),
                _ => None,
            },
        })
    }
}

/// The most recent requests, oldest first, with their times.
#[derive(Debug)]
pub(crate) struct RequestLog {
    start: Instant,
    entries: Vec<LoggedRequest>,
}

impl RequestLog {
    /// Enough for any test; older entries are dropped past it so a long-running emulator
    /// (the binary) does not grow without bound.
    const CAPACITY: usize = 10_000;

    pub(crate) fn new() -> RequestLog {
        RequestLog {
            start: Instant::now(),
            entries: Vec::new(),
        }
    }

    pub(crate) fn record(&mut self, listener: &Listener, method: &str, path: &str, token_kind: Option<&'static str>) {
        if self.entries.len() >= Self::CAPACITY {
            self.entries.drain(..Self::CAPACITY / 2);
        }
        let listener = match listener {
            Listener::PlexTv => "plex.tv".to_string(),
            Listener::Pms { server, connection } => format!("{server}/{connection}"),
        };
        let at_ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.entries.push(LoggedRequest {
            listener,
            request: format!("{method} {}", normalize_path(path)),
            at_ms,
            token_kind,
        });
    }

    pub(crate) fn entries(&self) -> Vec<LoggedRequest> {
        self.entries.clone()
    }

    pub(crate) fn reset(&mut self) {
        *self = RequestLog::new();
    }
}

/// Replaces the id-like segments of a path by `{id}`: numbers (PIN ids) and long alphanumeric
/// words with a digit (uuids), so `/api/v2/pins/308667304` counts as `/api/v2/pins/{id}`.
pub fn normalize_path(path: &str) -> String {
    let is_id = |seg: &str| {
        !seg.is_empty()
            && (seg.bytes().all(|b| b.is_ascii_digit())
                || (seg.len() >= 8
                    && seg.bytes().any(|b| b.is_ascii_digit())
                    && seg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')))
    };
    path.split('/')
        .map(|seg| if is_id(seg) { "{id}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_normalized() {
        assert_eq!(normalize_path("/api/v2/pins/308667304"), "/api/v2/pins/{id}");
        assert_eq!(
            normalize_path("/api/v2/home/users/e3b9a0f47c6d2185/switch"),
            "/api/v2/home/users/{id}/switch"
        );
        assert_eq!(normalize_path("/api/v2/pins"), "/api/v2/pins");
        assert_eq!(normalize_path("/api/claim/token.json"), "/api/claim/token.json");
        assert_eq!(normalize_path("/"), "/");
    }

    #[test]
    fn a_logged_request_reads_back_from_json() {
        fn owned<T: serde::de::DeserializeOwned>() {}
        owned::<LoggedRequest>();
        let entry = LoggedRequest {
            listener: "plex.tv".to_string(),
            request: "GET /api/v2/user".to_string(),
            at_ms: 3,
            token_kind: Some("jwt"),
        };
        let json = serde_json::to_string(&entry).expect("serializes");
        assert!(json.contains(r#""token_kind":"jwt""#), "{json}");
        let back: LoggedRequest = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, entry);
        let old: LoggedRequest =
            serde_json::from_str(r#"{"listener":"plex.tv","request":"GET /","at_ms":1}"#).expect("deserializes");
        assert_eq!(old.token_kind, None);
    }
}
