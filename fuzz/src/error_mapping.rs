//! Target `error_mapping`: [`Error::from_response`] over an answer read as text
//! ([`crate::input::response`]), and over one Plex error (status, code, message) drawn from the
//! same bytes and written both as JSON and as XML.
//!
//! Asserts, beyond not panicking:
//! - linear time in the body's size (XML entities, JSON, HTML up to 256 KiB);
//! - [`Error::http_status`], when it names a status, names the answer's;
//! - only 401 and 422 reject a token; only 429 and 5xx are transient;
//! - an HTML page maps as an empty body would: by its status alone;
//! - the same error maps to the same [`Error`] from JSON and from XML.

use arbitrary::{Arbitrary, Unstructured};
use plexlink_core::{Error, HttpResponse};

use crate::{check, input};

pub fn run(data: &[u8]) {
    let response = input::response(data);
    let error = check::linear("Error::from_response", response.body().len(), || {
        Error::from_response(&response)
    });
    check_mapping(&response, &error);
    if is_html(response.body()) {
        let mut bare = response.clone();
        bare.body_mut().clear();
        assert_eq!(
            error,
            Error::from_response(&bare),
            "an HTML page maps by its status alone"
        );
    }
    if let Ok(plex) = PlexError::arbitrary_take_rest(Unstructured::new(data)) {
        plex.check();
    }
}

fn check_mapping(response: &HttpResponse, error: &Error) {
    let status = response.status().as_u16();
    drop(error.to_string());
    if let Some(named) = error.http_status() {
        assert_eq!(named, status, "{error:?}");
    }
    if error.is_token_rejected() {
        assert!(
            matches!(status, 401 | 422),
            "status {status} rejected the token: {error:?}"
        );
    }
    if error.is_transient() {
        assert!(
            status == 429 || status >= 500,
            "status {status} is not transient: {error:?}"
        );
    }
}

fn is_html(body: &[u8]) -> bool {
    let text = body.trim_ascii_start();
    let starts = |tag: &[u8]| text.get(..tag.len()).is_some_and(|head| head.eq_ignore_ascii_case(tag));
    starts(b"<html") || starts(b"<!doctype")
}

/// One error as plex.tv describes it, in either of its shapes.
#[derive(Arbitrary, Debug)]
struct PlexError {
    status: u16,
    code: Option<u32>,
    message: String,
}

impl PlexError {
    fn check(&self) {
        let status = 100 + self.status % 900;
        let mut item = serde_json::json!({ "message": self.message, "status": status });
        let mut code_attr = String::new();
        if let Some(code) = self.code {
            item["code"] = code.into();
            code_attr = format!(r#" code="{code}""#);
        }
        let json = serde_json::json!({ "errors": [item] }).to_string();
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><errors><error{code_attr} message="{}" status="{status}"/></errors>"#,
            xml_escape(&self.message)
        );
        let answer = |body: String| {
            let response: HttpResponse = http::Response::builder()
                .status(status)
                .body(body.into_bytes())
                .expect("a status in 100..=999");
            Error::from_response(&response)
        };
        let from_json = answer(json);
        assert_eq!(from_json, answer(xml), "the same error as JSON and as XML: {self:?}");
    }
}

/// `text` as an XML attribute value: markup characters and control characters as references.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push_str(&format!("&#x{:x};", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}
