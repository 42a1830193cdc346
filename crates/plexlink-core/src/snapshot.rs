//! What plex.tv said of the account's devices, kept by the app, so that its servers can still be
//! found while plex.tv cannot be reached (docs/protocol.md §3.8).

use std::time::Duration;

use serde_json::{Value, json};

use crate::resources::{self, Device};
use crate::{Error, HttpResponse};

/// The format of [`ResourcesSnapshot::to_json`]; a snapshot of another version is refused.
pub const SNAPSHOT_VERSION: u64 = 1;

/// The longest snapshot text read (a 500-server account's answer is about 1.5 MB).
const MAX_SNAPSHOT_LEN: usize = 16 * 1024 * 1024;

/// The deepest JSON serde_json reads (its recursion limit of 128 refuses the 128th level):
/// lists and objects inside each other.
const MAX_JSON_DEPTH: usize = 127;

/// A resources answer and when it was taken: the devices, their connections and their access
/// tokens. It holds secrets (every server's `accessToken`): keep it as privately as a token.
/// `Debug` shows only when it was taken and how many devices it holds.
///
/// ```
/// use plexlink_core::snapshot::ResourcesSnapshot;
///
/// let body = br#"[{"name":"Srv","clientIdentifier":"abc","provides":"server","accessToken":"secret",
///   "connections":[{"protocol":"http","address":"192.168.1.10","port":32400,
///                   "uri":"http://192.168.1.10:32400","local":true}]}]"#;
/// let answer = http::Response::builder().status(200).body(body.to_vec()).unwrap();
/// let snapshot = ResourcesSnapshot::from_response(&answer, 1_767_225_600).unwrap();
/// let kept = snapshot.to_json(); // store this as privately as a token
/// let again = ResourcesSnapshot::from_json(&kept).unwrap();
/// assert_eq!(again.devices()[0].name, "Srv");
/// assert!(!format!("{again:?}").contains("secret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ResourcesSnapshot {
    taken_at: i64,
    answer: Value,
    devices: Vec<Device>,
}

impl ResourcesSnapshot {
    /// A snapshot of a successful resources answer ([`resources::parse_resources`] reads it),
    /// taken at `taken_at` (Unix seconds). An answer nested too deeply for its stored text to
    /// read back (127 lists and objects, far beyond plex.tv's 4) is [`Error::Decode`].
    pub fn from_response(response: &HttpResponse, taken_at: i64) -> Result<Self, Error> {
        let devices = resources::parse_resources(response)?;
        let answer = serde_json::from_slice(response.body()).map_err(|e| Error::Decode {
            what: "resources",
            detail: crate::wire::json_fault(&e),
        })?;
        // The stored text nests the answer one level deeper: an answer as deep as serde_json
        // reads would make a snapshot whose text does not read back.
        if depth(&answer) >= MAX_JSON_DEPTH {
            return Err(Error::Decode {
                what: "resources",
                detail: "nested too deeply to be stored".into(),
            });
        }
        Ok(Self {
            taken_at,
            answer,
            devices,
        })
    }

    /// The snapshot as text for the app to store:
    /// `{"version":1,"taken_at":<unix>,"resources":<plex.tv's answer>}`.
    #[must_use]
    pub fn to_json(&self) -> String {
        json!({ "version": SNAPSHOT_VERSION, "taken_at": self.taken_at, "resources": self.answer }).to_string()
    }

    /// Reads a snapshot stored with [`to_json`](Self::to_json). Another version, or text that
    /// is not one, is [`Error::Decode`] (the message never quotes the text: it holds tokens).
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let refuse = |detail: &str| Error::Decode {
            what: "resources snapshot",
            detail: detail.into(),
        };
        if text.len() > MAX_SNAPSHOT_LEN {
            return Err(refuse("larger than any resources answer"));
        }
        let value: Value = serde_json::from_str(text).map_err(|_| refuse("not JSON"))?;
        match value.get("version").and_then(Value::as_u64) {
            Some(SNAPSHOT_VERSION) => {}
            Some(_) => return Err(refuse("written by another version of plexlink")),
            None => return Err(refuse("no version")),
        }
        let taken_at = value
            .get("taken_at")
            .and_then(Value::as_i64)
            .ok_or_else(|| refuse("no taken_at"))?;
        let answer = value.get("resources").cloned().ok_or_else(|| refuse("no resources"))?;
        let body = serde_json::to_vec(&answer).map_err(|_| refuse("unreadable resources"))?;
        let response = http::Response::builder()
            .status(200)
            .body(body)
            .map_err(|_| refuse("unreadable resources"))?;
        let devices = resources::parse_resources(&response).map_err(|_| refuse("the resources do not read"))?;
        Ok(Self {
            taken_at,
            answer,
            devices,
        })
    }

    /// When plex.tv gave this answer (Unix seconds).
    #[must_use]
    pub fn taken_at(&self) -> i64 {
        self.taken_at
    }

    /// How old it is at `now` (Unix seconds); zero for one from the future.
    #[must_use]
    pub fn age(&self, now: i64) -> Duration {
        Duration::from_secs(u64::try_from(now.saturating_sub(self.taken_at)).unwrap_or(0))
    }

    /// Every device of the answer.
    #[must_use]
    pub fn devices(&self) -> &[Device] {
        &self.devices
    }

    /// The servers of the answer, as `servers` returns them.
    #[must_use]
    pub fn servers(&self) -> Vec<Device> {
        self.devices.iter().filter(|d| d.is_server()).cloned().collect()
    }
}

impl std::fmt::Debug for ResourcesSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourcesSnapshot")
            .field("taken_at", &self.taken_at)
            .field("devices", &self.devices.len())
            .finish_non_exhaustive()
    }
}

/// How many lists and objects `value` nests (0 for a scalar). Recursion is bounded: serde_json
/// reads no value deeper than [`MAX_JSON_DEPTH`].
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Whether a failed resources call may be answered from a snapshot: only when plex.tv could not
/// be reached or could not answer (a network error, a timeout, a 5xx, a 429). Never when it
/// answered that the token is refused or anything else definite: a signed-out person must not
/// keep reaching servers through an old answer.
#[must_use]
pub fn use_snapshot_after(error: &Error) -> bool {
    error.is_transient() || matches!(error, Error::Timeout { .. })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TransportErrorKind;

    fn answer(body: &str) -> HttpResponse {
        http::Response::builder()
            .status(200)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    const BODY: &str = r#"[
      {"name":"Srv","clientIdentifier":"abc","provides":"server","accessToken":"server-secret-1",
       "connections":[{"protocol":"http","address":"192.168.1.10","port":32400,"uri":"http://192.168.1.10:32400","local":true}]},
      {"name":"Phone","clientIdentifier":"p1","provides":"player","connections":[]}]"#;

    #[test]
    fn a_snapshot_round_trips_and_hides_its_tokens() {
        let snapshot = ResourcesSnapshot::from_response(&answer(BODY), 1_000).unwrap();
        let again = ResourcesSnapshot::from_json(&snapshot.to_json()).unwrap();
        assert_eq!(again, snapshot);
        assert_eq!(again.devices().len(), 2);
        assert_eq!(again.servers().len(), 1);
        assert_eq!(
            again.servers()[0].access_token.as_ref().unwrap().secret(),
            "server-secret-1"
        );
        assert_eq!(again.taken_at(), 1_000);
        assert_eq!(again.age(1_060), Duration::from_secs(60));
        assert_eq!(again.age(10), Duration::ZERO);
        assert!(!format!("{again:?}").contains("server-secret-1"));
    }

    #[test]
    fn other_versions_and_junk_are_refused_without_quoting_them() {
        let good = ResourcesSnapshot::from_response(&answer(BODY), 1_000)
            .unwrap()
            .to_json();
        let v2 = good.replace(r#""version":1"#, r#""version":2"#);
        for text in [
            v2.as_str(),
            "",
            "null",
            "[]",
            r#"{"version":1}"#,
            r#"{"version":1,"taken_at":5,"resources":{"x":1}}"#,
        ] {
            let error = ResourcesSnapshot::from_json(text).unwrap_err();
            assert!(matches!(error, Error::Decode { .. }), "{text}");
            assert!(!error.to_string().contains("server-secret-1"));
        }
        assert!(ResourcesSnapshot::from_response(&answer("not json"), 0).is_err());
    }

    /// A device whose unknown key `x` holds `inner` (JSON).
    fn with_extra(inner: &str) -> String {
        format!(r#"[{{"name":"Srv","clientIdentifier":"abc","provides":"server","x":{inner}}}]"#)
    }

    #[test]
    fn an_answer_nested_as_deep_as_json_reads_is_refused_or_reads_back() {
        // The list, the device and `x`'s arrays: 126 levels read back; 127 (the most
        // serde_json reads) would not, as the stored text nests the answer one level deeper.
        for (arrays, reads) in [(124, true), (125, false)] {
            let body = with_extra(&format!("{}{}", "[".repeat(arrays), "]".repeat(arrays)));
            match ResourcesSnapshot::from_response(&answer(&body), 1_000) {
                Ok(snapshot) => {
                    assert!(reads, "{arrays} arrays read");
                    assert_eq!(ResourcesSnapshot::from_json(&snapshot.to_json()).unwrap(), snapshot);
                }
                Err(error) => {
                    assert!(!reads, "{arrays} arrays refused: {error}");
                    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
                }
            }
        }
    }

    #[test]
    fn every_number_reads_back_as_it_was() {
        // Numbers whose shortest text serde_json reads one unit off without float_roundtrip.
        let body = with_extra("[1.0715660391465826e-75, -1.81996730402717e-179, 1.0, -0, 18446744073709551616]");
        let snapshot = ResourcesSnapshot::from_response(&answer(&body), 1_000).unwrap();
        assert_eq!(ResourcesSnapshot::from_json(&snapshot.to_json()).unwrap(), snapshot);
    }

    #[test]
    fn only_unreachable_plex_tv_falls_back_to_the_snapshot() {
        let transport = Error::Transport {
            kind: TransportErrorKind::Connect,
            detail: "refused".into(),
        };
        assert!(use_snapshot_after(&transport));
        assert!(use_snapshot_after(&Error::Http { status: 503 }));
        assert!(use_snapshot_after(&Error::Timeout { what: "resources" }));
        assert!(!use_snapshot_after(&Error::Unauthorized {
            status: 401,
            message: String::new()
        }));
        assert!(!use_snapshot_after(&Error::Http { status: 404 }));
        assert!(!use_snapshot_after(&Error::TokenExpired { message: String::new() }));
    }
}
