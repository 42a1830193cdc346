//! Building answers: JSON, plex.tv's two error shapes, PMS's HTML errors, pages, and the
//! streamed oversized body.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body as HttpBody, Frame};

/// The body type of every answer.
pub(crate) type Body = BoxBody<Bytes, Infallible>;

/// What a handler decided: an answer, or dropping the connection without one.
#[derive(Debug)]
pub(crate) enum Answer {
    Reply(Response<Body>),
    Close,
}

impl From<Response<Body>> for Answer {
    fn from(r: Response<Body>) -> Self {
        Answer::Reply(r)
    }
}

pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

pub(crate) fn with_body(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(full(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

pub(crate) fn json(status: u16, value: &serde_json::Value) -> Response<Body> {
    with_body(status, "application/json; charset=utf-8", value.to_string())
}

/// A plex.tv answer: `value` as JSON when the request asked for it, else as plex.tv's XML with
/// `root` as the top element (see [`to_xml`]).
pub(crate) fn plex(wants_json: bool, status: u16, root: &str, value: &serde_json::Value) -> Response<Body> {
    if wants_json {
        json(status, value)
    } else {
        xml(status, to_xml(root, value))
    }
}

/// A JSON answer in plex.tv's XML shape: an object's scalar fields become attributes of its
/// element (booleans `1`/`0`, nulls left out), an object field a child element named after the
/// field, a list field a wrapper element named after the field with one child per item, named
/// in the singular (`connections` → `connection`; a scalar item becomes `<feature id="..."/>`).
/// A list at the top becomes `<root size="N">` holding the items.
pub(crate) fn to_xml(root: &str, value: &serde_json::Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    match value {
        serde_json::Value::Array(items) => {
            out.push_str(&format!("<{root} size=\"{}\">\n", items.len()));
            for item in items {
                xml_element(&mut out, singular(root), item);
            }
            out.push_str(&format!("</{root}>\n"));
        }
        other => xml_element(&mut out, root, other),
    }
    out
}

fn singular(plural: &str) -> &str {
    plural.strip_suffix('s').unwrap_or(plural)
}

fn xml_scalar(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(escape(s)),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn xml_element(out: &mut String, tag: &str, value: &serde_json::Value) {
    use serde_json::Value;
    let Value::Object(fields) = value else {
        if let Some(text) = xml_scalar(value) {
            out.push_str(&format!("<{tag} id=\"{text}\"/>\n"));
        }
        return;
    };
    out.push('<');
    out.push_str(tag);
    for (name, field) in fields {
        if let Some(text) = xml_scalar(field) {
            out.push_str(&format!(" {name}=\"{text}\""));
        }
    }
    let children: Vec<(&String, &Value)> = fields
        .iter()
        .filter(|(_, v)| matches!(v, Value::Object(_) | Value::Array(_)))
        .collect();
    if children.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    for (name, child) in children {
        match child {
            Value::Array(items) if items.is_empty() => out.push_str(&format!("<{name}/>\n")),
            Value::Array(items) => {
                out.push_str(&format!("<{name}>\n"));
                for item in items {
                    xml_element(out, singular(name), item);
                }
                out.push_str(&format!("</{name}>\n"));
            }
            object => xml_element(out, name, object),
        }
    }
    out.push_str(&format!("</{tag}>\n"));
}

pub(crate) fn xml(status: u16, text: String) -> Response<Body> {
    with_body(status, "text/xml; charset=utf-8", text)
}

pub(crate) fn html(status: u16, text: String) -> Response<Body> {
    with_body(status, "text/html; charset=utf-8", text)
}

pub(crate) fn empty(status: u16) -> Response<Body> {
    let mut r = Response::new(full(Bytes::new()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r
}

/// A plex.tv error: `{"errors":[{"code","message","status"}]}`, or the XML
/// `<errors><error .../></errors>` when the request did not ask for JSON (as plex.tv does).
pub(crate) fn plex_error(wants_json: bool, status: u16, code: u32, message: &str) -> Response<Body> {
    if wants_json {
        json(
            status,
            &serde_json::json!({"errors": [{"code": code, "message": message, "status": status}]}),
        )
    } else {
        xml(
            status,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<errors>\n  <error code=\"{code}\" message=\"{}\" status=\"{status}\"/>\n</errors>\n",
                escape(message)
            ),
        )
    }
}

/// A PMS error page: PMS answers errors with HTML, and clients must use the status alone.
pub(crate) fn pms_error(status: u16) -> Response<Body> {
    let title = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    html(
        status,
        format!("<html><head><title>{title}</title></head><body><h1>{status} {title}</h1></body></html>"),
    )
}

/// Escapes text for HTML and XML (element content and quoted attributes).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A body of `remaining` bytes sent in chunks, so that a client's size cap is tested on a
/// stream and not only on a `Content-Length` it could refuse up front.
#[derive(Debug)]
pub(crate) struct RepeatBody {
    remaining: usize,
}

impl RepeatBody {
    const CHUNK: usize = 16 * 1024;

    pub(crate) fn boxed(bytes: usize) -> Body {
        RepeatBody { remaining: bytes }.boxed()
    }
}

impl HttpBody for RepeatBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        let n = this.remaining.min(Self::CHUNK);
        this.remaining -= n;
        // Looks like the start of a JSON array that never ends, whatever the cut.
        let mut chunk = vec![b' '; n];
        if let Some(first) = chunk.first_mut() {
            *first = b'[';
        }
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk)))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_becomes_plex_tv_xml() {
        let value = serde_json::json!({
            "id": 7, "name": "A & B", "owned": true, "ownerId": null,
            "subscription": {"active": false, "features": ["sync", "webhooks"]},
            "connections": [{"protocol": "https", "local": false}],
            "roles": [],
        });
        let xml = to_xml("resource", &value);
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <resource id=\"7\" name=\"A &amp; B\" owned=\"1\">\n\
             <connections>\n<connection local=\"0\" protocol=\"https\"/>\n</connections>\n\
             <roles/>\n\
             <subscription active=\"0\">\n<features>\n<feature id=\"sync\"/>\n<feature id=\"webhooks\"/>\n</features>\n</subscription>\n\
             </resource>\n"
        );
        let list = to_xml("resources", &serde_json::json!([{"name": "x"}, {"name": "y"}]));
        assert!(
            list.contains("<resources size=\"2\">\n<resource name=\"x\"/>\n<resource name=\"y\"/>\n</resources>\n")
        );
    }
}
