//! The plex.tv API (`/api/v2/...`, `/api/claim/token.json`), shaped after docs/protocol.md §0–§3;
//! the JWT endpoints (`/api/v2/auth/...`) are in [`crate::auth`].

use http::Method;
use serde_json::{Value, json};

use crate::auth::{self, Caller, Denied};
use crate::clock::{rfc3339, unix_now};
use crate::reply::{self, Answer, Body, plex_error};
use crate::request::Req;
use crate::scenario::{Account, Behaviour};
use crate::state::{Pin, Shared, lock};

type Response = http::Response<Body>;

/// Answers a plex.tv API request.
pub(crate) fn handle(shared: &Shared, req: &Req) -> Answer {
    let json = req.wants_json();
    if req.path == "/api/claim/token.json" && req.method == Method::GET {
        return claim_token(shared, req).into();
    }
    let Some(rest) = req.path.strip_prefix("/api/v2/") else {
        return plex_error(json, 404, 1003, "Not found").into();
    };
    // Every v2 call needs the client identifier, before anything else is looked at.
    let Some(client) = req.client_identifier() else {
        return plex_error(json, 400, 1000, "X-Plex-Client-Identifier is missing").into();
    };
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let m = &req.method;
    let answer = match segments.as_slice() {
        ["pins"] if m == Method::POST => create_pin(shared, req, &client),
        ["pins", "link"] if m == Method::PUT => link_pin(shared, req),
        ["pins", id] if m == Method::GET => check_pin(shared, req, &client, id),
        ["user"] if m == Method::GET => user(shared, req),
        ["users", "signin"] if m == Method::POST => sign_in(shared, req, &client),
        ["users", "signout"] if m == Method::DELETE => sign_out(shared, req),
        ["ping"] if m == Method::GET => ping(shared, req),
        ["home"] if m == Method::GET => home(shared, req),
        ["home", "users"] if m == Method::GET => home_users(shared, req),
        ["home", "users", uuid, "switch"] if m == Method::POST => switch_home_user(shared, req, uuid),
        ["resources"] if m == Method::GET => resources(shared, req),
        ["auth", "keys"] if m == Method::GET => auth::keys(shared, req),
        ["auth", "nonce"] if m == Method::GET => auth::nonce(shared, req, &client),
        ["auth", "jwk"] if m == Method::POST => auth::register(shared, req, &client),
        ["auth", "token"] if m == Method::POST => auth::exchange(shared, req),
        _ => plex_error(json, 404, 1003, "Not found"),
    };
    answer.into()
}

fn unauthorized(req: &Req) -> Response {
    plex_error(req.wants_json(), 401, 1001, "User could not be authenticated")
}

/// Who the request's token speaks for (a legacy token or a Plex JWT); [`auth::denied`] answers
/// a refusal.
fn authed<'a>(shared: &'a Shared, req: &Req) -> Result<Caller<'a>, Denied> {
    shared.authenticate(req.token().as_deref(), req.client_identifier().as_deref())
}

// ---- PINs (docs/protocol.md §1) ----

pub(crate) fn pin_json(shared: &Shared, pin: &Pin, token: Option<&str>) -> Value {
    let now = unix_now();
    json!({
        "id": pin.id,
        "code": pin.code,
        "product": pin.product,
        "trusted": false,
        "qr": format!("{}api/v2/pins/qr/{}", shared.base_url, pin.code),
        "clientIdentifier": pin.client_identifier,
        "location": {
            "code": "NL",
            "european_union_member": true,
            "continent_code": "EU",
            "country": "The Netherlands",
            "city": "Breda",
            "time_zone": "Europe/Amsterdam",
            "postal_code": "4814",
            "in_privacy_restricted_country": true,
            "in_privacy_restricted_region": true,
            "subdivisions": "North Brabant",
            "coordinates": "51.5869, 4.7471"
        },
        "expiresIn": (pin.expires_at - now).max(0),
        "createdAt": rfc3339(pin.created_at),
        "expiresAt": rfc3339(pin.expires_at),
        "authToken": token,
        "newRegistration": token.map(|_| false),
    })
}

fn create_pin(shared: &Shared, req: &Req, client: &str) -> Response {
    // `strong` comes in the query, or in a JSON body next to a `jwk` (the JWT variant, whose
    // token will be a Plex JWT for that key).
    let body: Option<Value> = serde_json::from_slice(&req.body).ok();
    let jwk = match body.as_ref().and_then(|b| b.get("jwk")).filter(|j| !j.is_null()) {
        None => None,
        Some(j) => match crate::jwt::parse_jwk(j) {
            Some(key) => Some(key),
            None => return plex_error(req.wants_json(), 422, auth::INVALID_JWK, "Invalid JWK"),
        },
    };
    let strong =
        req.flag("strong") || body.as_ref().and_then(|b| b.get("strong")).and_then(Value::as_bool) == Some(true);
    let lifetime = if strong {
        shared.scenario.strong_pin_lifetime_secs
    } else {
        shared.scenario.pin_lifetime_secs
    };
    let product = req.header("x-plex-product").unwrap_or("").to_string();
    let pin = lock(&shared.state).create_pin(strong, client, &product, lifetime, jwk);
    reply::plex(req.wants_json(), 201, "pin", &pin_json(shared, &pin, None))
}

fn not_found_pin(req: &Req) -> Response {
    plex_error(req.wants_json(), 404, 1020, "Code not found or expired")
}

fn check_pin(shared: &Shared, req: &Req, client: &str, id: &str) -> Response {
    let Ok(id) = id.parse::<u64>() else {
        return not_found_pin(req);
    };
    let pin = lock(&shared.state).pins.get(&id).cloned();
    // A PIN is visible only to the client identifier that created it.
    let Some(pin) = pin.filter(|p| p.client_identifier == client && !p.is_expired(unix_now())) else {
        return not_found_pin(req);
    };
    if let Some(key) = &pin.jwk {
        return auth::check_jwt_pin(shared, req, client, &pin, key);
    }
    let account = pin.account.as_deref().and_then(|a| shared.scenario.account(a));
    if let Some(account) = account {
        let mut state = lock(&shared.state);
        // This client identifier gave up the legacy token for a Plex JWT: no way back to it.
        if state.jwt.legacy_ended(&account.username, client) {
            return unauthorized(req);
        }
        // Approving hands out the account's token, so it works again even after a sign-out.
        state.revoked.remove(&account.token);
    }
    let token = account.map(|a| a.token.clone());
    reply::plex(req.wants_json(), 200, "pin", &pin_json(shared, &pin, token.as_deref()))
}

fn link_pin(shared: &Shared, req: &Req) -> Response {
    let caller = match authed(shared, req) {
        Ok(c) => c,
        Err(why) => return auth::denied(req, why),
    };
    let code = req.field("code").unwrap_or_default();
    match shared.approve_code(&code, &caller.account.username, false) {
        Ok(_) => reply::empty(204),
        Err(_) => not_found_pin(req),
    }
}

// ---- Accounts (docs/protocol.md §2) ----

/// A `UserPlexAccount` whose `authToken` is `token` (the account's legacy token, or the Plex
/// JWT the request came with).
pub(crate) fn account_json(shared: &Shared, account: &Account, token: &str) -> Value {
    let scenario = &shared.scenario;
    let home = scenario.home_of(&account.username);
    let subscription = match &account.subscription {
        Some(s) => json!({
            "active": true, "subscribedAt": "2021-04-12T18:21:12Z", "status": s.status,
            "paymentService": "braintree", "plan": s.plan, "features": ["sync", "camera_upload", "webhooks"]
        }),
        None => json!({
            "active": false, "subscribedAt": null, "status": "Inactive",
            "paymentService": null, "plan": null, "features": []
        }),
    };
    json!({
        "id": account.id,
        "uuid": account.uuid,
        "username": account.username,
        "title": account.title,
        "email": if account.email.is_empty() { Value::Null } else { Value::from(account.email.clone()) },
        "friendlyName": account.title,
        "locale": null,
        "confirmed": true,
        "joinedAt": 1_556_281_940,
        "emailOnlyAuth": false,
        "hasPassword": account.password.is_some(),
        "protected": account.home_pin.is_some(),
        "thumb": format!("{}users/{}/avatar?c=1556281940", shared.base_url, account.uuid),
        "authToken": token,
        "mailingListStatus": "unsubscribed",
        "mailingListActive": false,
        "scrobbleTypes": "",
        "country": "NL",
        "subscription": subscription,
        "subscriptionDescription": null,
        "restricted": account.managed,
        "anonymous": null,
        "home": home.is_some(),
        "guest": false,
        "homeSize": home.map_or(0, |h| h.members.len()),
        "homeAdmin": home.is_some_and(|h| h.admin == account.username),
        "maxHomeSize": 15,
        "rememberExpiresAt": unix_now() + 14 * 86_400,
        "profile": {
            "autoSelectAudio": true, "defaultAudioLanguage": "en", "defaultSubtitleLanguage": "en",
            "autoSelectSubtitle": 0, "defaultSubtitleAccessibility": 0, "defaultSubtitleForced": 0
        },
        "entitlements": [],
        "roles": [],
        "services": [],
        "adsConsent": null,
        "adsConsentSetAt": null,
        "adsConsentReminderAt": null,
        "experimentalFeatures": false,
        "twoFactorEnabled": account.two_factor.is_some(),
        "backupCodesCreated": account.two_factor.as_ref().is_some_and(|t| !t.backup_codes.is_empty()),
        "attributionPartner": null,
    })
}

fn user(shared: &Shared, req: &Req) -> Response {
    match authed(shared, req) {
        Ok(c) => reply::plex(
            req.wants_json(),
            200,
            "user",
            &account_json(shared, c.account, &c.token),
        ),
        Err(why) => auth::denied(req, why),
    }
}

fn sign_in(shared: &Shared, req: &Req, client: &str) -> Response {
    let json = req.wants_json();
    let limit = shared.scenario.lockout_after_failures;
    let failures = |state: &mut crate::state::State| {
        let n = state.failed_sign_ins.entry(client.to_string()).or_insert(0);
        *n += 1;
    };
    let mut state = lock(&shared.state);
    if limit > 0 && state.failed_sign_ins.get(client).copied().unwrap_or(0) >= limit {
        return plex_error(
            json,
            401,
            1031,
            "Your IP address has been locked out due to too many failed sign-in attempts",
        );
    }
    let login = req.field("login").unwrap_or_default();
    let password = req.field("password").unwrap_or_default();
    let account = shared
        .scenario
        .account(login.trim())
        .filter(|a| a.password.as_deref().is_some_and(|p| p == password));
    let Some(account) = account else {
        failures(&mut state);
        return plex_error(json, 401, 1001, "User could not be authenticated");
    };
    if let Some(two_factor) = &account.two_factor {
        // Any length is accepted: backup codes are longer than the six-digit code.
        let code = req
            .field("verificationCode")
            .map(|c| c.trim().to_string())
            .unwrap_or_default();
        if code.is_empty() {
            return plex_error(json, 401, 1029, "Please enter the verification code");
        }
        if code != two_factor.code && !two_factor.backup_codes.contains(&code) {
            failures(&mut state);
            return plex_error(json, 401, 1028, "Please enter a valid verification code");
        }
    }
    state.failed_sign_ins.remove(client);
    // The password was right, but this client identifier traded its legacy token for a Plex
    // JWT, and a password sign-in hands out only the legacy one.
    if state.jwt.legacy_ended(&account.username, client) {
        return plex_error(json, 401, 1001, "User could not be authenticated");
    }
    state.revoked.remove(&account.token);
    drop(state);
    reply::plex(json, 201, "user", &account_json(shared, account, &account.token))
}

fn sign_out(shared: &Shared, req: &Req) -> Response {
    match authed(shared, req) {
        // Ends the token sent: the legacy token, or that one Plex JWT.
        Ok(c) => {
            lock(&shared.state).revoked.insert(c.token);
            reply::empty(204)
        }
        Err(why) => auth::denied(req, why),
    }
}

fn ping(shared: &Shared, req: &Req) -> Response {
    match authed(shared, req) {
        Ok(_) => reply::empty(200),
        Err(why) => auth::denied(req, why),
    }
}

fn home(shared: &Shared, req: &Req) -> Response {
    let account = match authed(shared, req) {
        Ok(c) => c.account,
        Err(why) => return auth::denied(req, why),
    };
    match shared.scenario.home_of(&account.username) {
        Some(h) => reply::plex(
            req.wants_json(),
            200,
            "home",
            &json!({"id": h.id, "name": h.name, "guestUserID": null, "guestUserUUID": null,
                    "guestEnabled": false, "subscription": true}),
        ),
        None => plex_error(req.wants_json(), 404, 1003, "Not a member of a Plex Home"),
    }
}

fn home_user_json(shared: &Shared, account: &Account, admin: bool) -> Value {
    json!({
        "id": account.id,
        "uuid": account.uuid,
        "title": account.title,
        "username": account.username,
        "email": account.email,
        "friendlyName": account.title,
        "thumb": format!("{}users/{}/avatar?c=1556281940", shared.base_url, account.uuid),
        "hasPassword": account.password.is_some(),
        "restricted": account.managed,
        "updatedAt": 1_700_000_000,
        "restrictionProfile": if account.managed { Value::from("little_kid") } else { Value::Null },
        "admin": admin,
        "guest": false,
        "protected": account.home_pin.is_some(),
    })
}

fn home_users(shared: &Shared, req: &Req) -> Response {
    let account = match authed(shared, req) {
        Ok(c) => c.account,
        Err(why) => return auth::denied(req, why),
    };
    let value = match shared.scenario.home_of(&account.username) {
        Some(h) => {
            let users: Vec<Value> = h
                .members
                .iter()
                .filter_map(|m| shared.scenario.account(m))
                .map(|a| home_user_json(shared, a, a.username == h.admin))
                .collect();
            json!({"id": h.id, "name": h.name, "guestUserID": null, "guestUserUUID": null,
                   "guestEnabled": false, "subscription": true, "users": users})
        }
        // Without a Home an account is alone in its own household.
        None => {
            json!({"id": null, "name": format!("{}'s home", account.title), "guestUserID": null,
                       "guestUserUUID": null, "guestEnabled": false, "subscription": false,
                       "users": [home_user_json(shared, account, true)]})
        }
    };
    reply::plex(req.wants_json(), 200, "home", &value)
}

fn switch_home_user(shared: &Shared, req: &Req, uuid: &str) -> Response {
    let json = req.wants_json();
    let caller = match authed(shared, req) {
        Ok(c) => c.account,
        Err(why) => return auth::denied(req, why),
    };
    let scenario = &shared.scenario;
    let target = scenario
        .home_of(&caller.username)
        .into_iter()
        .flat_map(|h| h.members.iter())
        .filter_map(|m| scenario.account(m))
        .find(|a| a.uuid == uuid || a.id.to_string() == uuid);
    let Some(target) = target else {
        return plex_error(json, 404, 1003, "Home user not found");
    };
    // Protection belongs to the target: a protected user needs their PIN whoever switches.
    if let Some(expected) = &target.home_pin {
        if req.field("pin").as_deref() != Some(expected.as_str()) {
            return plex_error(json, 403, 1041, "A valid Home PIN is required");
        }
    }
    lock(&shared.state).revoked.remove(&target.token);
    reply::plex(json, 201, "user", &account_json(shared, target, &target.token))
}

fn claim_token(shared: &Shared, req: &Req) -> Response {
    if let Err(why) = authed(shared, req) {
        return auth::denied(req, why);
    }
    let token = lock(&shared.state).new_token("claim-");
    reply::json(200, &json!({ "token": token }))
}

// ---- Resources (docs/protocol.md §3) ----

fn resources(shared: &Shared, req: &Req) -> Response {
    let account = match authed(shared, req) {
        Ok(c) => c.account,
        Err(why) => return auth::denied(req, why),
    };
    // Without includeHttps an https connection is listed as plain http to its address;
    // without includeRelay and includeIPv6 those connections are left out, as plex.tv does.
    let relay = req.flag("includeRelay");
    let https = req.flag("includeHttps");
    let ipv6 = req.flag("includeIPv6");
    let scenario = &shared.scenario;
    let now = rfc3339(unix_now());
    let mut devices = Vec::new();
    for (si, server) in scenario.servers.iter().enumerate() {
        let owned = server.owner == account.username;
        let share = server.shares.iter().find(|s| s.account == account.username);
        if !owned && share.is_none() {
            continue;
        }
        let owner = scenario.account(&server.owner);
        let connections: Vec<Value> = server
            .connections
            .iter()
            .filter(|c| (relay || !c.relay) && (ipv6 || !c.ipv6))
            .map(|c| {
                let advertised = shared.advertised(server, c, https);
                json!({
                    "protocol": advertised.protocol,
                    "address": advertised.address,
                    "port": advertised.port,
                    "uri": advertised.uri,
                    "local": c.local,
                    "relay": c.relay,
                    "IPv6": c.ipv6,
                })
            })
            .collect();
        let is_home_share = share.is_some_and(|s| s.home);
        devices.push(json!({
            "name": server.name,
            "product": "Plex Media Server",
            "productVersion": server.product_version,
            "platform": server.platform,
            "platformVersion": server.platform_version,
            "device": server.device,
            "clientIdentifier": server.client_identifier,
            "createdAt": "2020-01-12T15:30:18Z",
            "lastSeenAt": now,
            "provides": "server",
            "ownerId": if owned { Value::Null } else { owner.map_or(Value::Null, |o| Value::from(o.id)) },
            "sourceTitle": if owned { Value::Null } else { owner.map_or(Value::Null, |o| Value::from(o.title.clone())) },
            "publicAddress": "127.0.0.1",
            "accessToken": if owned { server.access_token.clone() } else { share.map(|s| s.access_token.clone()).unwrap_or_default() },
            "owned": owned,
            "home": is_home_share,
            "synced": false,
            "relay": server.connections.iter().any(|c| c.relay),
            // Whether the server is up as plex.tv last heard: the behaviours in force now.
            "presence": !(0..server.connections.len()).all(|ci| shared.behaviour_at(si, ci) == Behaviour::Dead),
            "httpsRequired": false,
            // Owners (and the Home) are on the server's network; friends are not.
            "publicAddressMatches": owned || is_home_share,
            "dnsRebindingProtection": false,
            "natLoopbackSupported": false,
            "connections": connections,
        }));
    }
    for client in scenario.clients.iter().filter(|c| c.owner == account.username) {
        devices.push(json!({
            "name": client.name,
            "product": client.product,
            "productVersion": "8.30",
            "platform": "iOS",
            "platformVersion": "17.5",
            "device": "iPhone",
            "clientIdentifier": client.client_identifier,
            "createdAt": "2022-03-01T10:00:00Z",
            "lastSeenAt": now,
            "provides": client.provides,
            "ownerId": null,
            "sourceTitle": null,
            "publicAddress": "127.0.0.1",
            "accessToken": account.token,
            "owned": true,
            "home": false,
            "synced": false,
            "relay": false,
            "presence": false,
            "httpsRequired": false,
            "publicAddressMatches": true,
            "dnsRebindingProtection": false,
            "natLoopbackSupported": false,
            "connections": [],
        }));
    }
    reply::plex(req.wants_json(), 200, "resources", &Value::Array(devices))
}
