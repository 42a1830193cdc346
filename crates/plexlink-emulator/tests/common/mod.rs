//! A tiny HTTP/1.1 client over `std::net::TcpStream`, written by hand so the tests see exactly
//! what goes over one connection (keep-alive, closed sockets, chunked bodies).

#![allow(dead_code, unused_imports, clippy::unwrap_used)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

pub use plexlink_emulator::Emulator;

/// `host:port` of a URL like `http://127.0.0.1:1234/`.
pub fn host_port(url: &str) -> String {
    url.trim_start_matches("http://").trim_end_matches('/').to_string()
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The plex.tv error code of a JSON error body.
    pub fn plex_code(&self) -> u64 {
        self.json()["errors"][0]["code"].as_u64().unwrap_or(0)
    }
}

/// One keep-alive connection.
pub struct Conn {
    reader: BufReader<TcpStream>,
    host: String,
}

impl Conn {
    pub fn open(url: &str) -> io::Result<Conn> {
        let host = host_port(url);
        let stream = TcpStream::connect(&host)?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        Ok(Conn {
            reader: BufReader::new(stream),
            host,
        })
    }

    /// Waits up to `within` for the server to close this connection without sending anything:
    /// true on end of stream or a reset, false when it is still open (or sent bytes).
    pub fn closed_by_peer(&mut self, within: Duration) -> bool {
        self.set_read_timeout(within);
        let mut byte = [0u8; 1];
        match self.reader.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => matches!(
                e.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted | io::ErrorKind::BrokenPipe
            ),
        }
    }

    pub fn set_read_timeout(&self, timeout: Duration) {
        self.reader.get_ref().set_read_timeout(Some(timeout)).unwrap();
    }

    pub fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> io::Result<Resp> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() || matches!(method, "POST" | "PUT") {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        self.read_response(method == "HEAD")
    }

    fn read_line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed"));
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }

    fn read_response(&mut self, head_only: bool) -> io::Result<Resp> {
        let status_line = self.read_line()?;
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, status_line.clone()))?;
        let mut headers = Vec::new();
        loop {
            let line = self.read_line()?;
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let mut resp = Resp {
            status,
            headers,
            body: Vec::new(),
        };
        if head_only || status == 204 || status == 304 {
            return Ok(resp);
        }
        if let Some(len) = resp.header("content-length") {
            let len: usize = len.parse().unwrap();
            let mut body = vec![0; len];
            self.reader.read_exact(&mut body)?;
            resp.body = body;
        } else if resp.header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
            loop {
                let size = usize::from_str_radix(self.read_line()?.split(';').next().unwrap().trim(), 16).unwrap();
                if size == 0 {
                    self.read_line()?;
                    break;
                }
                let mut chunk = vec![0; size];
                self.reader.read_exact(&mut chunk)?;
                resp.body.extend_from_slice(&chunk);
                self.read_line()?;
            }
        } else {
            self.reader.read_to_end(&mut resp.body)?;
        }
        Ok(resp)
    }
}

/// One request on a fresh connection.
pub fn request(url: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    Conn::open(url).unwrap().send(method, path, headers, body).unwrap()
}

/// The usual plex.tv headers of a JSON client.
pub fn plex_headers<'a>(client: &'a str, token: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut h = vec![
        ("X-Plex-Client-Identifier", client),
        ("X-Plex-Product", "plexlink tests"),
        ("Accept", "application/json"),
    ];
    if let Some(t) = token {
        h.push(("X-Plex-Token", t));
    }
    h
}

pub fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
        .into_bytes()
}

pub const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");
