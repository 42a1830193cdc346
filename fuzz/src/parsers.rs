//! Target `parsers`: every public parser of the core reads one answer, written as text
//! ([`crate::input::response`]: status, headers, body that may repeat a part up to 256 KiB).
//!
//! Asserts, beyond not panicking:
//! - all of them together take time linear in the body's size;
//! - a parser succeeds only on a status it documents as success; on any other status its error
//!   is exactly [`Error::from_response`] (a PIN's 404 is always [`Error::PinExpired`]); on a
//!   success status its error is [`Error::Decode`];
//! - what a parser promises is there: a PIN's code, an identity's machine identifier, the token
//!   of a sign-in or Home switch, a non-empty claim or transient token;
//! - a value comes from the shape WIRE.md gives: a JSON object (a list of objects for resources,
//!   either for Home users; XML too for a transient token), never a list read by position;
//! - no parsed value shows a token, PIN code or QR URL in its `Debug`;
//! - every device read plans races that keep the plan's rules
//!   ([`crate::connection_race::check_plan`]);
//! - a [`ResourcesSnapshot`] of the answer ([`ResourcesSnapshot::from_response`]) holds the
//!   devices `parse_resources` reads, and the body read as a stored snapshot
//!   ([`ResourcesSnapshot::from_json`]) is one or is refused with [`Error::Decode`]; every
//!   snapshot that reads reads back from its `to_json` as itself; no refusal of the snapshot's
//!   own quotes the text (a snapshot holds every server's token): not a long word of it, and
//!   not a string of it replaced by a canary (an answer that is not resources is refused with
//!   `parse_resources`' own error, unchecked: it quotes what serde quotes).

use plexlink_core::race::{self, HttpPolicy, RacePolicy};
use plexlink_core::snapshot::ResourcesSnapshot;
use plexlink_core::{Error, HttpResponse, PinCode, Token, account, pins, plex_direct, resources, server};

use crate::{check, connection_race, input};

pub fn run(data: &[u8]) {
    let response = input::response(data);
    check::linear("the parsers", response.body().len(), || every_parser(&response));
}

fn every_parser(r: &HttpResponse) {
    let shape = Shape::of(r.body());
    let object = |what: &str| assert!(shape == Shape::Object, "{what} read from {shape:?}");
    if let Some(pin) = judged(r, &[200, 201], pins::parse_pin(r)) {
        object("a PIN");
        check_pin(r, &pin);
    }
    judged(r, &[200, 204], pins::parse_link(r));
    if let Some(account) = judged(r, &[200], account::parse_user(r)) {
        object("an account");
        check_account(&account);
    }
    for parsed in [account::parse_sign_in(r), account::parse_switch_home_user(r)] {
        if let Some(account) = judged(r, &[200, 201], parsed) {
            object("a signed-in account");
            assert!(account.auth_token.is_some(), "a sign-in without a token");
            check_account(&account);
        }
    }
    judged(r, &[200, 204], account::parse_sign_out(r));
    judged(r, &[200, 204], account::parse_ping(r));
    if judged(r, &[200], account::parse_home_users(r)).is_some() {
        assert!(
            matches!(shape, Shape::Object | Shape::Objects),
            "Home users read from {shape:?}"
        );
    }
    if let Some(token) = judged(r, &[200], account::parse_claim_token(r)) {
        object("a claim token");
        check_token(&token);
    }
    if let Some(token) = server_judged(r, &[200], server::parse_transient_token(r)) {
        assert!(
            matches!(shape, Shape::Object | Shape::Other),
            "a transient token read from {shape:?}"
        );
        check_token(&token);
    }
    if let Some(identity) = server_judged(r, &[200], server::parse_identity(r)) {
        object("an identity");
        assert!(
            !identity.machine_identifier.is_empty(),
            "an identity without machineIdentifier"
        );
    }
    for (parsed, listed, table) in [
        (
            resources::parse_resources(r),
            true,
            Error::from_response as fn(&HttpResponse) -> Error,
        ),
        (
            server::parse_source_connection_info(r),
            false,
            Error::from_server_response,
        ),
    ] {
        let Some(devices) = judged_by(r, &[200], parsed, table) else {
            continue;
        };
        let expected = if listed { Shape::Objects } else { Shape::Object };
        assert!(
            shape == expected || (listed && devices.is_empty()),
            "devices read from {shape:?}"
        );
        for device in devices {
            check_device(&device);
        }
    }
    check_snapshots(r);
}

/// The top of a JSON body, as far as a parser's answer must be one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Object,
    /// A list whose every item is an object.
    Objects,
    /// Another list: read by position, a list fills a struct's fields in order.
    OtherList,
    /// Anything else (other JSON, XML, not JSON at all).
    Other,
}

impl Shape {
    /// Judged as serde reads JSON, not as `serde_json::Value` does: a number too large for an
    /// `f64` is still JSON (the grammar sets no limit), and the parsers skip what they do not
    /// know without reading it. The body must be UTF-8, as the parsers require.
    fn of(body: &[u8]) -> Self {
        let Ok(text) = std::str::from_utf8(body) else {
            return Self::Other;
        };
        let mut reader = serde_json::Deserializer::from_str(text);
        match serde::de::Deserializer::deserialize_any(&mut reader, TopVisitor) {
            Ok(shape) if reader.end().is_ok() => shape,
            _ => Self::Other,
        }
    }
}

/// The shape of a JSON value's top.
struct TopVisitor;

impl<'de> serde::de::Visitor<'de> for TopVisitor {
    type Value = Shape;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Shape::Object)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        let mut all_objects = true;
        while let Some(item) = seq.next_element::<ItemShape>()? {
            all_objects &= item.0;
        }
        Ok(if all_objects { Shape::Objects } else { Shape::OtherList })
    }

    fn visit_bool<E>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_str<E>(self, _: &str) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_unit<E>(self) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
}

/// Whether a list item is an object; its content skipped as the parsers skip it.
struct ItemShape(bool);

impl<'de> serde::Deserialize<'de> for ItemShape {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(TopVisitor)? {
            Shape::Object => Ok(ItemShape(true)),
            _ => Ok(ItemShape(false)),
        }
    }
}

fn check_token(token: &Token) {
    assert!(!token.secret().is_empty(), "an empty token");
    check::hidden("Token", token.secret(), &format!("{token:?}"), "");
}

/// The parsed value, after checking how the outcome fits the status.
pub(crate) fn judged<T>(response: &HttpResponse, ok: &[u16], parsed: Result<T, Error>) -> Option<T> {
    judged_by(response, ok, parsed, Error::from_response)
}

/// [`judged`] for a Plex Media Server's answer, whose error statuses it reads by its own rule.
fn server_judged<T>(response: &HttpResponse, ok: &[u16], parsed: Result<T, Error>) -> Option<T> {
    judged_by(response, ok, parsed, Error::from_server_response)
}

/// [`judged`] with the table that reads the answerer's error statuses.
fn judged_by<T>(
    response: &HttpResponse,
    ok: &[u16],
    parsed: Result<T, Error>,
    table: fn(&HttpResponse) -> Error,
) -> Option<T> {
    let status = response.status().as_u16();
    match parsed {
        Ok(value) => {
            assert!(ok.contains(&status), "parsed an answer with status {status}");
            Some(value)
        }
        Err(error) => {
            drop(error.to_string());
            if ok.contains(&status) {
                assert!(matches!(error, Error::Decode { .. }), "status {status} gave {error:?}");
            } else if status == 404 && matches!(error, Error::PinExpired { .. }) {
                // A PIN's 404 is terminal whatever its body says.
            } else {
                assert_eq!(error, table(response), "status {status}");
            }
            None
        }
    }
}

fn check_pin(response: &HttpResponse, pin: &pins::Pin) {
    let code = pin.code.secret();
    assert!(!code.is_empty(), "a PIN without a code");
    assert_eq!(pin.strong, code.chars().count() > 4, "strong is a long code");
    let mut cleared = pin.clone();
    cleared.code = PinCode::new("");
    cleared.auth_token = None;
    cleared.qr = None;
    let (full, cleared) = (format!("{pin:?}"), format!("{cleared:?}"));
    let secrets = [
        Some(code),
        pin.auth_token.as_ref().map(|t| t.secret()),
        pin.qr.as_deref(),
    ];
    for secret in secrets.into_iter().flatten() {
        check::hidden("Pin", secret, &full, &cleared);
    }
    let _ = (pin.lifetime(), pin.expires_at_unix(), pins::time_left(response, pin));
}

fn check_account(account: &account::Account) {
    token_hidden("Account", account, account.auth_token.as_ref(), |a| a.auth_token = None);
}

/// Checks that `value`'s `Debug` hides `token`; `clear` takes the token out of a copy.
fn token_hidden<T: Clone + std::fmt::Debug>(what: &str, value: &T, token: Option<&Token>, clear: impl FnOnce(&mut T)) {
    let Some(token) = token else { return };
    let mut cleared = value.clone();
    clear(&mut cleared);
    check::hidden(what, token.secret(), &format!("{value:?}"), &format!("{cleared:?}"));
}

fn check_device(device: &resources::Device) {
    token_hidden("Device", device, device.access_token.as_ref(), |d| {
        d.access_token = None
    });
    for connection in &device.connections {
        let _ = plex_direct::direct_address(connection);
    }
    // Every policy for a device of a usual size; a long list (up to thousands of connections in
    // 256 KiB) is planned under the default policy only: enough to time it, and the target stays fast.
    let every = [HttpPolicy::Never, HttpPolicy::PrivateOnly, HttpPolicy::Anywhere];
    let policies = if device.connections.len() <= 64 {
        &every[..]
    } else {
        &every[1..2]
    };
    for &allow_http in policies {
        for http_twins in [false, true] {
            let policy = RacePolicy {
                allow_http,
                http_twins,
                ..RacePolicy::default()
            };
            connection_race::check_plan(device, &policy, &race::plan(device, &policy));
        }
    }
}

/// When the snapshots of the answers were taken: 2026-01-01T00:00:00Z.
const TAKEN_AT: i64 = 1_767_225_600;

/// A string no text holds, that a refusal must not show when it stands for every string of
/// the text: as long as a Plex token, of a token's characters.
const CANARY: &str = "CanaryToken_q7Zx93kV";

/// The answer as a snapshot, and its body as a stored snapshot's text.
fn check_snapshots(r: &HttpResponse) {
    let snapshot = ResourcesSnapshot::from_response(r, TAKEN_AT);
    match judged(r, &[200], snapshot.clone()) {
        Some(snapshot) => {
            let devices = resources::parse_resources(r).expect("the snapshot's answer reads as resources");
            assert_eq!(snapshot.devices(), devices, "the snapshot's devices");
            assert_eq!(snapshot.taken_at(), TAKEN_AT);
            reads_back(&snapshot);
        }
        // Another status is the error the answer stands for, which shows plex.tv's message
        // by design.
        None if r.status() != 200 => {}
        None => match resources::parse_resources(r) {
            // The answer does not read as resources: the snapshot passes that refusal on as it
            // is. It is serde's message, which quotes a string where another type belongs
            // (`["…"]`): every resources call does the same, so it is not checked here.
            Err(error) => assert_eq!(snapshot.err(), Some(error), "from_response's refusal"),
            // The snapshot's own refusal: it must not quote the answer.
            Ok(_) => refused_quietly("from_response", r.body(), |body| {
                let mut canaried = http::Response::builder()
                    .status(r.status())
                    .body(body.to_vec())
                    .expect("the same answer with another body");
                *canaried.headers_mut() = r.headers().clone();
                resources::parse_resources(&canaried).ok()?;
                ResourcesSnapshot::from_response(&canaried, TAKEN_AT).err()
            }),
        },
    }
    // A stored snapshot is text: the body as the app would read it back.
    let text = String::from_utf8_lossy(r.body());
    match ResourcesSnapshot::from_json(&text) {
        Ok(snapshot) => reads_back(&snapshot),
        Err(error) => {
            assert!(
                matches!(
                    error,
                    Error::Decode {
                        what: "resources snapshot",
                        ..
                    }
                ),
                "from_json refused with {error:?}"
            );
            refused_quietly("from_json", text.as_bytes(), |body| {
                ResourcesSnapshot::from_json(std::str::from_utf8(body).expect("JSON is UTF-8")).err()
            });
        }
    }
}

/// `from_json(to_json(x)) == x`, and `x`'s `Debug` hides its servers' tokens.
fn reads_back(snapshot: &ResourcesSnapshot) {
    let text = snapshot.to_json();
    match ResourcesSnapshot::from_json(&text) {
        Ok(again) => assert!(again == *snapshot, "the snapshot read back differs: {text}"),
        Err(error) => panic!("a snapshot's own text is refused ({error}): {text}"),
    }
    let shown = format!("{snapshot:?}");
    for device in snapshot.devices() {
        if let Some(token) = &device.access_token {
            check::hidden("ResourcesSnapshot", token.secret(), &shown, "");
        }
    }
}

/// A refusal of `text` shows no long word of it (a token is 20 characters without a space or
/// JSON's punctuation); and with every string value of the JSON `text` replaced by [`CANARY`],
/// the refusal `again` gives shows no canary.
fn refused_quietly(what: &str, text: &[u8], again: impl Fn(&[u8]) -> Option<Error>) {
    let shown = |error: &Error| format!("{error} {error:?}");
    if let Some(error) = again(text) {
        let message = shown(&error);
        let text = String::from_utf8_lossy(text);
        let word = |c: char| c.is_ascii_graphic() && !"()[]{},:\"'\\`".contains(c);
        for long in text.split(|c: char| !word(c)).filter(|w| w.len() >= 16) {
            assert!(
                !message.contains(long),
                "{what}: the refusal quotes {long:?}: {message}"
            );
        }
    }
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(text) else {
        return;
    };
    canary(&mut value);
    if let Some(error) = again(value.to_string().as_bytes()) {
        let message = shown(&error);
        assert!(
            !message.contains(CANARY),
            "{what}: the refusal quotes a string: {message}"
        );
    }
}

/// Every string value (not the keys) becomes [`CANARY`].
fn canary(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => CANARY.clone_into(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(canary),
        serde_json::Value::Object(map) => map.values_mut().for_each(canary),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESOURCES: &str = include_str!("../../crates/plexlink-core/testdata/resources_example.json");

    /// The snapshot seeds: name, input, whether `from_json` reads the body.
    fn snapshot_seeds() -> Vec<(&'static str, String, bool)> {
        let answer = http::Response::builder()
            .status(200)
            .body(RESOURCES.as_bytes().to_vec())
            .expect("an answer");
        let stored = ResourcesSnapshot::from_response(&answer, TAKEN_AT)
            .expect("the example reads")
            .to_json();
        let head = "200\nContent-Type: application/json\n\n";
        vec![
            ("snapshot_stored", format!("{head}{stored}"), true),
            (
                "snapshot_other_version",
                format!("{head}{}", stored.replace(r#""version":1"#, r#""version":2"#)),
                false,
            ),
            (
                "snapshot_no_resources",
                format!("{head}{{\"version\":1,\"taken_at\":-5,\"resources\":{{\"name\":\"x\"}}}}"),
                false,
            ),
        ]
    }

    /// The committed snapshot seeds are what `snapshot_seeds` writes, and read (or not) as
    /// written: a change of the format that refuses them all would leave the fuzzer without
    /// a snapshot to start from.
    #[test]
    fn the_snapshot_seeds_read_as_written() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/parsers");
        for (name, text, reads) in snapshot_seeds() {
            let committed = std::fs::read_to_string(root.join(name)).expect("a committed seed");
            assert_eq!(committed, text, "{name} is not what snapshot_seeds() writes");
            let response = input::response(text.as_bytes());
            let body = std::str::from_utf8(response.body()).expect("UTF-8");
            assert_eq!(ResourcesSnapshot::from_json(body).is_ok(), reads, "{name}");
        }
    }

    /// Writes the snapshot seeds (`cargo test ... -- --ignored write_snapshot_seeds`).
    #[test]
    #[ignore = "a tool: writes the snapshot seeds of corpus/parsers"]
    fn write_snapshot_seeds() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/parsers");
        for (name, text, _) in snapshot_seeds() {
            std::fs::write(root.join(name), text).expect("a seed written");
        }
    }
}
