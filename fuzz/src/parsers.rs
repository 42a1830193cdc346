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
//!   ([`crate::connection_race::check_plan`]).

use plexlink_core::race::{self, HttpPolicy, RacePolicy};
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
    if let Some(token) = judged(r, &[200], server::parse_transient_token(r)) {
        assert!(
            matches!(shape, Shape::Object | Shape::Other),
            "a transient token read from {shape:?}"
        );
        check_token(&token);
    }
    if let Some(identity) = judged(r, &[200], server::parse_identity(r)) {
        object("an identity");
        assert!(
            !identity.machine_identifier.is_empty(),
            "an identity without machineIdentifier"
        );
    }
    for (parsed, listed) in [
        (resources::parse_resources(r), true),
        (server::parse_source_connection_info(r), false),
    ] {
        let Some(devices) = judged(r, &[200], parsed) else {
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
                assert_eq!(error, Error::from_response(response), "status {status}");
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
