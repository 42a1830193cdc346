//! Readable input formats, so that seeds are real answers and a crash input can be read.

use plexlink_core::HttpResponse;

/// The largest body a target builds: 256 KiB, the `-max_len` of the answer targets. A parse
/// that is quadratic shows at this size (see [`crate::check::linear`]).
pub const MAX_BODY: usize = 256 * 1024;

/// An HTTP answer from text:
///
/// ```text
/// STATUS[ *N]
/// Name: value
/// ...
///
/// BODY
/// ```
///
/// A status outside 100..=999 is folded into it. Header lines that HTTP cannot carry are left
/// out. When the body holds two NUL bytes, the part between them stands `N` times (up to
/// [`MAX_BODY`]): a small input can make a large answer, to find parses that are not linear.
pub fn response(data: &[u8]) -> HttpResponse {
    let (head, body) = match find(data, b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &[][..]),
    };
    let mut lines = head.split(|&b| b == b'\n');
    let first = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
    let mut words = first.split_whitespace();
    let status = words.next().and_then(|s| s.parse::<u32>().ok()).unwrap_or(200);
    let status = if (100..=999).contains(&status) {
        status
    } else {
        100 + status % 900
    };
    let repeat = words
        .next()
        .and_then(|w| w.strip_prefix('*'))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(1);
    let mut builder = http::Response::builder().status(u16::try_from(status).unwrap_or(200));
    for line in lines {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = http::HeaderName::from_bytes(line[..colon].trim_ascii());
        let value = http::HeaderValue::from_bytes(line[colon + 1..].trim_ascii());
        if let (Ok(name), Ok(value)) = (name, value) {
            builder = builder.header(name, value);
        }
    }
    builder.body(expand(body, repeat)).unwrap_or_default()
}

/// `body` with the part between its first two NUL bytes standing `repeat` times.
pub fn expand(body: &[u8], repeat: usize) -> Vec<u8> {
    let Some(open) = body.iter().position(|&b| b == 0) else {
        return body[..body.len().min(MAX_BODY)].to_vec();
    };
    let Some(len) = body[open + 1..].iter().position(|&b| b == 0) else {
        return body[..body.len().min(MAX_BODY)].to_vec();
    };
    let (prefix, unit, suffix) = (&body[..open], &body[open + 1..open + 1 + len], &body[open + 2 + len..]);
    let mut out = prefix.to_vec();
    let room = MAX_BODY.saturating_sub(prefix.len() + suffix.len());
    let times = if unit.is_empty() {
        0
    } else {
        repeat.min(room / unit.len())
    };
    for _ in 0..times {
        out.extend_from_slice(unit);
    }
    out.extend_from_slice(suffix);
    out.truncate(MAX_BODY);
    out
}

/// The input as lines of text (invalid UTF-8 replaced), `""` past the last one.
pub struct Lines(Vec<String>);

impl Lines {
    pub fn new(data: &[u8]) -> Self {
        Self(String::from_utf8_lossy(data).split('\n').map(str::to_owned).collect())
    }

    pub fn get(&self, index: usize) -> &str {
        self.0.get(index).map_or("", String::as_str)
    }

    pub fn all(&self) -> &[String] {
        &self.0
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
