//! Faults on demand: a matching request gets a failure instead of (or before) its answer.

use serde::{Deserialize, Serialize};

/// A failure injected into requests whose path starts with `path_prefix` (and whose method is
/// `method`, when given), on plex.tv and on every PMS listener alike. Control requests
/// (`/_emulator/...`) are never faulted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// Path prefix to match, e.g. `"/api/v2/pins"` or `"/identity"`; the query is not part of it.
    pub path_prefix: String,
    /// HTTP method to match (`"GET"`, ...), any method when `None`.
    #[serde(default)]
    pub method: Option<String>,
    /// What happens to a matching request.
    pub kind: FaultKind,
    /// How many matching requests get the fault before it goes away; 0 means every matching
    /// request until [`crate::Emulator::clear_faults`].
    #[serde(default)]
    pub times: u32,
}

/// What a fault does to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this status, an optional `Retry-After` (seconds) and this body
    /// (sent as `application/json` when it parses as JSON, else `text/plain`).
    Status {
        /// HTTP status code, e.g. 429 or 500.
        status: u16,
        /// `Retry-After` header value in seconds.
        #[serde(default)]
        retry_after: Option<u64>,
        /// Response body.
        #[serde(default)]
        body: String,
    },
    /// Answer 200 with a JSON content type and a body that is not valid JSON.
    MalformedJson,
    /// Answer 200 with a body of `bytes` bytes, streamed in chunks without a length.
    Oversized {
        /// Body size in bytes.
        bytes: usize,
    },
    /// Wait `ms` milliseconds, then answer as usual.
    Delay {
        /// The delay.
        ms: u64,
    },
    /// Drop the connection without an answer.
    Close,
}

/// The active faults, in the order they were added.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    list: Vec<Fault>,
}

impl Faults {
    pub(crate) fn add(&mut self, fault: Fault) {
        self.list.push(fault);
    }

    pub(crate) fn clear(&mut self) {
        self.list.clear();
    }

    pub(crate) fn list(&self) -> Vec<Fault> {
        self.list.clone()
    }

    /// The first fault matching this request, used up by one.
    pub(crate) fn take(&mut self, method: &str, path: &str) -> Option<FaultKind> {
        let index = self.list.iter().position(|f| {
            path.starts_with(&f.path_prefix) && f.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
        })?;
        let fault = &mut self.list[index];
        let kind = fault.kind.clone();
        match fault.times {
            0 => {}
            1 => {
                self.list.remove(index);
            }
            _ => fault.times -= 1,
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(prefix: &str, method: Option<&str>, times: u32) -> Fault {
        Fault {
            path_prefix: prefix.to_string(),
            method: method.map(str::to_string),
            kind: FaultKind::Close,
            times,
        }
    }

    #[test]
    fn faults_match_by_prefix_and_method_and_run_out() {
        let mut faults = Faults::default();
        faults.add(fault("/api/v2/pins", Some("POST"), 2));
        assert_eq!(faults.take("GET", "/api/v2/pins/1"), None);
        assert_eq!(faults.take("POST", "/api/v2/pins"), Some(FaultKind::Close));
        assert_eq!(faults.take("post", "/api/v2/pins"), Some(FaultKind::Close));
        assert_eq!(faults.take("POST", "/api/v2/pins"), None);
    }

    #[test]
    fn zero_times_lasts_until_cleared() {
        let mut faults = Faults::default();
        faults.add(fault("/", None, 0));
        for _ in 0..5 {
            assert!(faults.take("GET", "/identity").is_some());
        }
        faults.clear();
        assert!(faults.take("GET", "/identity").is_none());
    }

    #[test]
    fn fault_json_shape() {
        let f: Fault = serde_json::from_str(
            r#"{"path_prefix":"/api/v2/pins","kind":{"type":"status","status":429,"retry_after":2},"times":1}"#,
        )
        .expect("parse");
        assert_eq!(
            f.kind,
            FaultKind::Status {
                status: 429,
                retry_after: Some(2),
                body: String::new()
            }
        );
        assert_eq!(f.method, None);
    }
}
