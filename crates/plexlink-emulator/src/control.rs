//! `/_emulator/...`: the control API over HTTP, for tests written in other languages (the
//! Python wrapper, C examples) that cannot call the Rust handle. Answers are JSON; failures are
//! `{"error": "..."}` with 400 or 404.

use std::sync::Arc;

use http::Method;
use serde_json::json;

use crate::auth::JwtSettings;
use crate::faults::Fault;
use crate::reply::{self, Answer, Body};
use crate::request::Req;
use crate::scenario::Behaviour;
use crate::server;
use crate::state::{DownMode, EmuError, Shared, lock};

type Response = http::Response<Body>;

pub(crate) const PREFIX: &str = "/_emulator/";

pub(crate) fn handle(shared: &Arc<Shared>, req: &Req) -> Answer {
    let rest = req.path.strip_prefix(PREFIX).unwrap_or("");
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let m = &req.method;
    let answer = match segments.as_slice() {
        ["pins"] if m == Method::GET => reply::json(200, &json!(shared.pins())),
        ["pins", id, "approve"] if m == Method::POST => with_pin_id(id, |id| {
            let account = req.field("account").unwrap_or_default();
            shared.approve_pin(id, &account).map(|()| reply::empty(204))
        }),
        ["pins", id, "expire"] if m == Method::POST => {
            with_pin_id(id, |id| shared.expire_pin(id).map(|()| reply::empty(204)))
        }
        // Like the /link page, by code: answers the PIN id.
        ["codes", "approve"] if m == Method::POST => {
            let code = req.field("code").unwrap_or_default();
            let account = req.field("account").unwrap_or_default();
            match shared.approve_code(&code, &account, false) {
                Ok(id) => reply::json(200, &json!({ "id": id })),
                Err(e) => emu_error(&e),
            }
        }
        ["faults"] if m == Method::GET => reply::json(200, &json!(lock(&shared.faults).list())),
        ["faults"] if m == Method::POST => match serde_json::from_slice::<Fault>(&req.body) {
            Ok(fault) => {
                lock(&shared.faults).add(fault);
                reply::empty(201)
            }
            Err(e) => error(400, &format!("bad fault: {e}")),
        },
        ["faults"] if m == Method::DELETE => {
            lock(&shared.faults).clear();
            reply::empty(204)
        }
        ["counters"] if m == Method::GET => reply::json(200, &json!(*lock(&shared.counters))),
        ["counters", "reset"] if m == Method::POST => {
            shared.reset_counters();
            reply::empty(204)
        }
        ["requests"] if m == Method::GET => reply::json(200, &json!(lock(&shared.log).entries())),
        ["scenario"] if m == Method::GET => reply::json(200, &json!(shared.scenario)),
        // The test certificate authority of the https listeners, to trust in a client.
        ["ca"] if m == Method::GET => reply::with_body(200, "application/x-pem-file", shared.ca_pem.clone()),
        // Server name → connection name → advertised URI.
        ["servers"] if m == Method::GET => {
            let map: serde_json::Map<String, serde_json::Value> = shared
                .scenario
                .servers
                .iter()
                .map(|server| {
                    let uris: serde_json::Map<String, serde_json::Value> = server
                        .connections
                        .iter()
                        .filter_map(|c| Some((c.name.clone(), json!(shared.uri(&server.name, &c.name)?))))
                        .collect();
                    (server.name.clone(), serde_json::Value::Object(uris))
                })
                .collect();
            reply::json(200, &serde_json::Value::Object(map))
        }
        // A connection's behaviour in force, and changing it (names percent-encoded).
        ["servers", server, "connections", connection, "behaviour"] if m == Method::GET => {
            let (server, connection) = (percent_decoded(server), percent_decoded(connection));
            match shared.slot(&server, &connection) {
                Some(slot) => reply::json(200, &json!(slot.live().behaviour)),
                None => emu_error(&EmuError::UnknownConnection(server, connection)),
            }
        }
        ["servers", server, "connections", connection, "behaviour"] if m == Method::POST => {
            match behaviour_from(&req.body) {
                Ok(behaviour) => {
                    let (server, connection) = (percent_decoded(server), percent_decoded(connection));
                    match server::set_behaviour(shared, &server, &connection, behaviour) {
                        Ok(()) => reply::json(200, &json!(behaviour)),
                        Err(e) => emu_error(&e),
                    }
                }
                Err(e) => error(400, &format!("bad behaviour: {e}")),
            }
        }
        // plex.tv down and up; these control requests keep working while it is down.
        ["plextv"] if m == Method::GET => reply::json(200, &json!(*lock(&shared.plextv))),
        ["plextv", "down"] if m == Method::POST => match down_mode_from(&req.body) {
            Ok(mode) => {
                let mut status = lock(&shared.plextv);
                status.mode = mode.unwrap_or(status.mode);
                status.down = true;
                reply::json(200, &json!(*status))
            }
            Err(e) => error(400, &format!("bad mode: {e}")),
        },
        ["plextv", "up"] if m == Method::POST => {
            let mut status = lock(&shared.plextv);
            status.down = false;
            reply::json(200, &json!(*status))
        }
        // JWT sign-in: the signing key, registered devices, lifetimes and the nonce limit.
        ["jwt", "rotate"] if m == Method::POST => reply::json(200, &json!({ "kid": shared.rotate_jwt_key() })),
        ["jwt", "devices"] if m == Method::GET => reply::json(200, &json!(shared.jwt_devices())),
        ["jwt", "devices", client, "remove"] if m == Method::POST => {
            match shared.remove_jwt_device(&percent_decoded(client)) {
                Ok(()) => reply::empty(204),
                Err(e) => emu_error(&e),
            }
        }
        ["jwt", "settings"] if m == Method::GET => {
            reply::json(200, &json!(shared.set_jwt_settings(JwtSettings::default())))
        }
        ["jwt", "settings"] if m == Method::POST => match serde_json::from_slice::<JwtSettings>(&req.body) {
            Ok(changes) => reply::json(200, &json!(shared.set_jwt_settings(changes))),
            Err(e) => error(400, &format!("bad JWT settings: {e}")),
        },
        _ => error(404, "no such control endpoint"),
    };
    answer.into()
}

/// A behaviour as the scenario writes it, `{"kind":"slow","ms":300}`; `"behaviour"` may
/// stand for `"kind"` (`{"behaviour":"dead"}`), which reads better in a request of its own.
fn behaviour_from(body: &[u8]) -> Result<Behaviour, serde_json::Error> {
    let mut value: serde_json::Value = serde_json::from_slice(body)?;
    if let Some(object) = value.as_object_mut()
        && !object.contains_key("kind")
        && let Some(kind) = object.remove("behaviour")
    {
        object.insert("kind".to_string(), kind);
    }
    serde_json::from_value(value)
}

/// The optional body of `POST plextv/down`: nothing (the mode in force stays), or
/// `{"mode":"refuse"|"503"}`.
fn down_mode_from(body: &[u8]) -> Result<Option<DownMode>, serde_json::Error> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Down {
        mode: Option<DownMode>,
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    Ok(serde_json::from_slice::<Down>(body)?.mode)
}

fn with_pin_id(id: &str, f: impl FnOnce(u64) -> Result<Response, EmuError>) -> Response {
    match id.parse::<u64>() {
        Ok(id) => f(id).unwrap_or_else(|e| emu_error(&e)),
        Err(_) => error(400, "the PIN id must be a number"),
    }
}

fn emu_error(e: &EmuError) -> Response {
    let status = match e {
        EmuError::UnknownAccount(_) => 400,
        EmuError::UnknownPin(_)
        | EmuError::UnknownCode(_)
        | EmuError::PinExpired(_)
        | EmuError::UnknownDevice(_)
        | EmuError::UnknownConnection(..) => 404,
        EmuError::Listen(_) => 500,
    };
    error(status, &e.to_string())
}

/// A path segment with its `%XX` escapes decoded (a client identifier may hold any character);
/// a bad escape is kept as written.
fn percent_decoded(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn error(status: u16, message: &str) -> Response {
    reply::json(status, &json!({ "error": message }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_decoded() {
        assert_eq!(percent_decoded("plain-id"), "plain-id");
        assert_eq!(percent_decoded("a%20b%2Fc"), "a b/c");
        assert_eq!(percent_decoded("100%"), "100%");
        assert_eq!(percent_decoded("%zz%+1%"), "%zz%+1%");
        assert_eq!(percent_decoded("%C3%A9"), "é");
    }
}
