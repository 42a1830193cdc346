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
