//! `/_emulator/...`: the control API over HTTP, for tests written in other languages (the
//! Python wrapper, C examples) that cannot call the Rust handle. Answers are JSON; failures are
//! `{"error": "..."}` with 400 or 404.

use http::Method;
use serde_json::json;

use crate::faults::Fault;
use crate::reply::{self, Answer, Body};
use crate::request::Req;
use crate::state::{EmuError, Shared, lock};

type Response = http::Response<Body>;

pub(crate) const PREFIX: &str = "/_emulator/";

pub(crate) fn handle(shared: &Shared, req: &Req) -> Answer {
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
                .ports
                .iter()
                .map(|(server, conns)| {
                    let uris: serde_json::Map<String, serde_json::Value> = conns
                        .keys()
                        .filter_map(|c| Some((c.clone(), json!(shared.uri(server, c)?))))
                        .collect();
                    (server.clone(), serde_json::Value::Object(uris))
                })
                .collect();
            reply::json(200, &serde_json::Value::Object(map))
        }
        _ => error(404, "no such control endpoint"),
    };
    answer.into()
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
        EmuError::UnknownPin(_) | EmuError::UnknownCode(_) | EmuError::PinExpired(_) => 404,
    };
    error(status, &e.to_string())
}

fn error(status: u16, message: &str) -> Response {
    reply::json(status, &json!({ "error": message }))
}
