//! How the command shows things: text for people, JSON for programs, a QR code, a spinner.
//! No token is ever printed here.

use std::io::Write;
use std::time::Duration;

use plexlink::RaceOutcome;
use plexlink::core::AddressRules;
use plexlink::core::race::ProbeResult;
use plexlink::{Account, Connected, Device, Error, HomeUser};
use serde_json::{Value, json};

pub fn account_name(account: &Account) -> String {
    [
        &account.friendly_name,
        &account.title,
        &account.username,
        &account.email,
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .cloned()
    .unwrap_or_else(|| "(unnamed account)".into())
}

pub fn account_json(account: &Account) -> Value {
    json!({
        "id": account.id,
        "uuid": account.uuid,
        "username": account.username,
        "email": account.email,
        "friendly_name": account.friendly_name,
        "two_factor_enabled": account.two_factor_enabled,
        "home": account.home,
        "home_admin": account.home_admin,
        "subscription": account.subscription.as_ref().map(|s| json!({"active": s.active, "status": s.status, "plan": s.plan})),
    })
}

/// One line: the name, the username (how people know their Plex account) when it differs from
/// the name, the e-mail, then what is on.
pub fn account_text(account: &Account) -> String {
    let name = account_name(account);
    let mut text = name.clone();
    if !account.username.is_empty() && account.username != name {
        text.push_str(&format!(" (username {})", account.username));
    }
    if !account.email.is_empty() {
        text.push_str(&format!(" <{}>", account.email));
    }
    if account.home_admin {
        text.push_str(", Home admin");
    }
    if account.two_factor_enabled {
        text.push_str(", two-factor on");
    }
    if let Some(sub) = account.subscription.as_ref().filter(|s| s.active) {
        text.push_str(&format!(", Plex Pass ({})", sub.plan));
    }
    text
}

/// A Home user for programs (never a token).
pub fn home_user_json(user: &HomeUser) -> Value {
    json!({
        "uuid": user.uuid,
        "title": user.title,
        "username": user.username,
        "admin": user.admin,
        "restricted": user.restricted,
        "protected": user.protected,
        "guest": user.guest,
    })
}

/// One line per Home user: the name, the username when it differs, what the user is.
pub fn home_user_text(user: &HomeUser) -> String {
    let mut text = user.title.clone();
    if !user.username.is_empty() && user.username != user.title {
        text.push_str(&format!(" (username {})", user.username));
    }
    let marks: Vec<&str> = [
        (user.admin, "admin"),
        (user.restricted, "managed"),
        (user.protected, "PIN-protected"),
        (user.guest, "guest"),
    ]
    .into_iter()
    .filter_map(|(on, mark)| on.then_some(mark))
    .collect();
    if !marks.is_empty() {
        text.push_str(&format!(": {}", marks.join(", ")));
    }
    text.push_str(&format!(" [{}]", user.uuid));
    text
}

/// A time span for people: `6 d 23 h`, `5 h 12 min`, `42 s`.
pub fn duration_text(seconds: u64) -> String {
    let (d, h, m) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

fn ms(d: Option<Duration>) -> Option<f64> {
    d.map(|d| (d.as_secs_f64() * 1000.0 * 10.0).round() / 10.0)
}

/// A server for programs. Every name in it is one of the core's stable names (`tier`, a
/// candidate's `result`, a skipped connection's `reason`, a failed probe's `transport`); the
/// prose for people is in `detail`.
pub fn server_json(server: &Device, connected: Option<&Result<Connected, Error>>, rules: &AddressRules) -> Value {
    let connections: Vec<Value> = server
        .connections
        .iter()
        .map(|c| json!({"uri": c.uri, "protocol": c.protocol, "address": c.address, "port": c.port, "local": c.local, "relay": c.relay, "ipv6": c.is_ipv6(), "tier": c.tier(rules).as_str()}))
        .collect();
    let mut value = json!({
        "name": server.name,
        "client_identifier": server.client_identifier,
        "owned": server.owned,
        "source_title": server.source_title,
        "presence": server.presence,
        "connections": connections,
    });
    if let Some(result) = connected {
        value["connect"] = match result {
            Ok(c) => json!({
                "uri": c.uri,
                "elapsed_ms": ms(Some(c.elapsed)),
            }),
            Err(e) => json!({ "error": e.to_string() }),
        };
        if let Some(race) = race_of(result) {
            value["connect"]["candidates"] = race
                .reports
                .iter()
                .map(|r| {
                    json!({
                        "uri": r.candidate.uri,
                        "tier": r.candidate.tier.as_str(),
                        "result": r.result.as_str(),
                        "transport": match &r.result {
                            ProbeResult::Failed(Error::Transport { kind, .. }) => Some(kind.as_str()),
                            _ => None,
                        },
                        "detail": r.result.to_string(),
                        "won": matches!(r.result, ProbeResult::Won),
                        "latency_ms": ms(r.latency),
                    })
                })
                .collect();
            value["connect"]["skipped"] = race
                .skipped
                .iter()
                .map(|(connection, reason)| {
                    json!({
                        "uri": connection.uri,
                        "reason": reason.as_str(),
                        "detail": reason.to_string(),
                    })
                })
                .collect();
        }
    }
    value
}

/// The race behind a connect result: the chosen connection's, or the one that found none.
fn race_of(result: &Result<Connected, Error>) -> Option<&RaceOutcome> {
    match result {
        Ok(c) => Some(&c.outcome),
        Err(Error::NoConnection { race, .. }) => race.as_deref(),
        Err(_) => None,
    }
}

pub fn server_text(server: &Device, connected: Option<&Result<Connected, Error>>, rules: &AddressRules) -> String {
    let owner = if server.owned {
        "owned".to_owned()
    } else {
        format!("shared by {}", server.source_title.as_deref().unwrap_or("someone"))
    };
    let mut text = format!("{} ({}, {})\n", server.name, owner, server.client_identifier);
    match connected {
        None => {
            for c in &server.connections {
                text.push_str(&format!("  {:<6} {}\n", c.tier(rules).as_str(), c.uri));
            }
        }
        Some(Err(e)) => text.push_str(&format!("  no connection: {e}\n")),
        Some(Ok(c)) => text.push_str(&format!(
            "  -> {}  (chosen in {:.1} ms)\n",
            c.uri,
            c.elapsed.as_secs_f64() * 1000.0
        )),
    }
    if let Some(race) = connected.and_then(race_of) {
        for r in &race.reports {
            let latency = ms(r.latency).map(|l| format!("{l} ms")).unwrap_or_else(|| "-".into());
            let tier = r.candidate.tier.as_str();
            text.push_str(&format!(
                "     {tier:<6} {:<34} {latency:>9}  {}\n",
                r.candidate.uri, r.result
            ));
        }
        for (connection, reason) in &race.skipped {
            text.push_str(&format!(
                "     {:<6} {:<34} {:>9}  skipped: {reason}\n",
                "", connection.uri, "-"
            ));
        }
    }
    text
}

/// The URL as a QR code drawn with half-block characters, or `None` if it does not fit.
pub fn qr_code(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

/// A one-line spinner with the time left, on standard error, drawn only on a terminal.
pub struct Spinner {
    on: bool,
    frame: usize,
}

impl Spinner {
    pub fn new(on: bool) -> Self {
        Self { on, frame: 0 }
    }

    pub fn tick(&mut self, remaining: Option<Duration>) {
        if !self.on {
            return;
        }
        const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
        self.frame = (self.frame + 1) % FRAMES.len();
        let left = remaining
            .map(|r| format!("{}:{:02} left", r.as_secs() / 60, r.as_secs() % 60))
            .unwrap_or_default();
        eprint!(
            "\r{} Waiting for approval... {left}  (Ctrl-C to cancel) ",
            FRAMES[self.frame]
        );
        let _ = std::io::stderr().flush();
    }

    pub fn clear(on: bool) {
        if on {
            eprint!("\r{:70}\r", "");
            let _ = std::io::stderr().flush();
        }
    }
}
