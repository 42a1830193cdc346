//! A Plex Media Server as one connection's listener answers it (docs/protocol.md §3.3 and §4).

use std::time::Duration;

use http::Method;
use serde_json::{Value, json};

use crate::reply::{self, Answer, Body, escape, pms_error};
use crate::request::Req;
use crate::scenario::{Behaviour, Connection, Server};
use crate::state::{Advertised, PmsAccess, Shared, lock};

type Response = http::Response<Body>;

/// Answers a request made to a connection of `server`, after `behaviour`, the connection's
/// in force when the request arrived (slow, unauthorized).
pub(crate) async fn handle(shared: &Shared, server: &Server, behaviour: Behaviour, req: &Req) -> Answer {
    match behaviour {
        Behaviour::Slow { ms } => tokio::time::sleep(Duration::from_millis(ms)).await,
        Behaviour::Unauthorized => return pms_error(401).into(),
        Behaviour::Good | Behaviour::WrongId | Behaviour::Dead | Behaviour::Blackhole => {}
    }
    let token = req.token();
    let access = shared.pms_access(server, token.as_deref());
    let answer = match req.path.as_str() {
        "/identity" if req.method == Method::GET => identity(server, behaviour, req),
        "/security/token" => transient_token(shared, server, req, access),
        "/security/resources" if req.method == Method::GET => source_resources(shared, server, req, access),
        "/" if req.method == Method::GET => match access {
            PmsAccess::None => pms_error(401),
            PmsAccess::Admin | PmsAccess::User => root(server, req),
        },
        _ => pms_error(if access == PmsAccess::None { 401 } else { 404 }),
    };
    answer.into()
}

/// The machine identifier a `wrong_id` listener claims: another box answering on the address.
fn other_identifier(id: &str) -> String {
    id.chars()
        .rev()
        .collect::<String>()
        .replace(|c: char| !c.is_ascii_hexdigit(), "0")
        + "ff"
}

fn identity(server: &Server, behaviour: Behaviour, req: &Req) -> Response {
    let id = match behaviour {
        Behaviour::WrongId => other_identifier(&server.client_identifier),
        _ => server.client_identifier.clone(),
    };
    let version = &server.product_version;
    if req.wants_json() {
        reply::json(
            200,
            &json!({"MediaContainer": {"size": 0, "claimed": true, "machineIdentifier": id, "version": version}}),
        )
    } else {
        reply::xml(
            200,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<MediaContainer size=\"0\" claimed=\"1\" machineIdentifier=\"{}\" version=\"{}\">\n</MediaContainer>\n",
                escape(&id),
                escape(version)
            ),
        )
    }
}

fn root(server: &Server, req: &Req) -> Response {
    let c = json!({
        "size": 0,
        "allowCameraUpload": false,
        "friendlyName": server.name,
        "machineIdentifier": server.client_identifier,
        "myPlex": true,
        "platform": server.platform,
        "platformVersion": server.platform_version,
        "version": server.product_version,
    });
    if req.wants_json() {
        reply::json(200, &json!({ "MediaContainer": c }))
    } else {
        reply::xml(
            200,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<MediaContainer size=\"0\" friendlyName=\"{}\" machineIdentifier=\"{}\" myPlex=\"1\" version=\"{}\">\n</MediaContainer>\n",
                escape(&server.name),
                escape(&server.client_identifier),
                escape(&server.product_version)
            ),
        )
    }
}

/// `/security/token?type=delegation&scope=all`: every method is accepted, as PMS does.
fn transient_token(shared: &Shared, server: &Server, req: &Req, access: PmsAccess) -> Response {
    match access {
        PmsAccess::None => return pms_error(401),
        PmsAccess::User => return pms_error(403),
        PmsAccess::Admin => {}
    }
    if req.query_param("type").as_deref() != Some("delegation") || req.query_param("scope").as_deref() != Some("all") {
        return pms_error(400);
    }
    let token = {
        let mut state = lock(&shared.state);
        let token = state.new_token("transient-");
        state.transient_tokens.insert(token.clone(), server.name.clone());
        token
    };
    if req.wants_json() {
        reply::json(200, &json!({"MediaContainer": {"size": 0, "token": token}}))
    } else {
        reply::xml(
            200,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<MediaContainer size=\"0\" token=\"{}\">\n</MediaContainer>\n",
                escape(&token)
            ),
        )
    }
}

/// `/security/resources?source=server://<machineIdentifier>`: the connections of a server
/// this server's owner can see, with the owner's token for it.
fn source_resources(shared: &Shared, server: &Server, req: &Req, access: PmsAccess) -> Response {
    match access {
        PmsAccess::None => return pms_error(401),
        PmsAccess::User => return pms_error(403),
        PmsAccess::Admin => {}
    }
    let source = req.query_param("source").unwrap_or_default();
    let Some(machine) = source.strip_prefix("server://").filter(|m| !m.is_empty()) else {
        return pms_error(if source.starts_with("provider://") { 404 } else { 400 });
    };
    let scenario = &shared.scenario;
    let Some(target) = scenario.servers.iter().find(|s| s.client_identifier == machine) else {
        return pms_error(404);
    };
    let access_token = if target.owner == server.owner {
        Some(target.access_token.clone())
    } else {
        target
            .shares
            .iter()
            .find(|s| s.account == server.owner)
            .map(|s| s.access_token.clone())
    };
    let Some(access_token) = access_token else {
        return pms_error(404);
    };
    let connections: Vec<(Advertised, &Connection)> = target
        .connections
        .iter()
        .map(|c| (shared.advertised(target, c, true), c))
        .collect();
    if req.wants_json() {
        let list: Vec<Value> = connections
            .iter()
            .map(|(a, c)| {
                json!({"protocol": a.protocol, "address": a.address, "port": a.port,
                       "uri": a.uri, "local": c.local, "relay": c.relay})
            })
            .collect();
        reply::json(
            200,
            &json!({"MediaContainer": {"size": 1, "Device": {
                "name": target.name, "clientIdentifier": target.client_identifier,
                "accessToken": access_token, "Connection": list
            }}}),
        )
    } else {
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<MediaContainer size=\"1\">\n<Device name=\"{}\" clientIdentifier=\"{}\" accessToken=\"{}\">\n",
            escape(&target.name),
            escape(&target.client_identifier),
            escape(&access_token)
        );
        for (a, c) in &connections {
            xml.push_str(&format!(
                "<Connection protocol=\"{}\" address=\"{}\" port=\"{}\" uri=\"{}\" local=\"{}\" relay=\"{}\"/>\n",
                a.protocol,
                escape(&a.address),
                a.port,
                escape(&a.uri),
                u8::from(c.local),
                u8::from(c.relay)
            ));
        }
        xml.push_str("</Device>\n</MediaContainer>\n");
        reply::xml(200, xml)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wrong_identifier_differs() {
        let id = "8276c3fa6bc24e44b347e19c71fbb98b9287c1e9";
        assert_ne!(other_identifier(id), id);
    }
}
