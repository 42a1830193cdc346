//! The built-in HTTP stack: reqwest (async, rustls) with plexlink's transport settings. The
//! whole exchange, body included, must finish within its timeout, however slowly the server
//! trickles bytes; reading stops as soon as the answer passes the size cap.

use std::time::Duration;

use plexlink_core::{Error, HttpRequest, HttpResponse, TransportErrorKind};

use crate::http::{AsyncHttpClient, BoxFuture};

/// The settings of the built-in stack.
#[derive(Clone, Debug)]
pub(crate) struct TransportConfig {
    pub connect_timeout: Duration,
    pub max_body: usize,
    pub extra_roots: Vec<Vec<u8>>,
    pub resolve_plex_direct: bool,
}

/// reqwest as an [`AsyncHttpClient`].
#[derive(Clone, Debug)]
pub(crate) struct Reqwest {
    http: reqwest::Client,
    max_body: usize,
}

impl Reqwest {
    pub(crate) fn new(config: &TransportConfig) -> Result<Self, Error> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .no_proxy()
            .user_agent(concat!("plexlink/", env!("CARGO_PKG_VERSION")));
        for pem in &config.extra_roots {
            let invalid = |detail: String| Error::InvalidArgument {
                what: "root certificate",
                detail,
            };
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| invalid(e.to_string()))?;
            // Text without a PEM block parses as an empty bundle: trusting nothing would be a
            // silent misconfiguration.
            if certs.is_empty() {
                return Err(invalid("no PEM certificate (-----BEGIN CERTIFICATE-----) found".into()));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        if config.resolve_plex_direct {
            builder = builder.dns_resolver(std::sync::Arc::new(crate::resolve::PlexDirectResolver));
        }
        let http = builder.build().map_err(|e| Error::InvalidArgument {
            what: "client configuration",
            detail: e.without_url().to_string(),
        })?;
        Ok(Self {
            http,
            max_body: config.max_body,
        })
    }
}

impl AsyncHttpClient for Reqwest {
    fn send(&self, request: HttpRequest, timeout: Duration) -> BoxFuture<'static, Result<HttpResponse, Error>> {
        let http = self.http.clone();
        let max_body = self.max_body;
        Box::pin(async move {
            match tokio::time::timeout(timeout, exchange(&http, request, max_body)).await {
                Ok(result) => result,
                Err(_) => Err(Error::Transport {
                    kind: TransportErrorKind::Timeout,
                    detail: format!("no complete answer within {timeout:?}"),
                }),
            }
        })
    }
}

async fn exchange(http: &reqwest::Client, request: HttpRequest, max_body: usize) -> Result<HttpResponse, Error> {
    let request = reqwest::Request::try_from(request).map_err(|e| Error::InvalidArgument {
        what: "request",
        detail: e.without_url().to_string(),
    })?;
    let mut response = http.execute(request).await.map_err(transport_error)?;
    let too_large = || Error::ResponseTooLarge { limit: max_body };
    // `usize` may be wider than what fits once one is added: saturate, never wrap to zero.
    let limit = u64::try_from(max_body).unwrap_or(u64::MAX);
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len().saturating_add(chunk.len()) > max_body {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    let mut answer = http::Response::new(body);
    *answer.status_mut() = status;
    *answer.headers_mut() = headers;
    Ok(answer)
}

/// A reqwest failure as the core's error, without the URL (which may carry a PIN or a JWT).
fn transport_error(error: reqwest::Error) -> Error {
    let kind = if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if error.is_dns() {
        TransportErrorKind::Dns
    } else if source_chain_mentions(&error, &["certificate", "tls", "handshake"]) {
        TransportErrorKind::Tls
    } else if error.is_connect() {
        TransportErrorKind::Connect
    } else {
        TransportErrorKind::Other
    };
    Error::Transport {
        kind,
        detail: describe(&error.without_url()),
    }
}

/// The root cause's text ("Connection refused (os error 111)"): reqwest's own top level
/// ("error sending request") says nothing, and the middle layers repeat each other.
fn describe(error: &dyn std::error::Error) -> String {
    let mut deepest = error;
    while let Some(cause) = deepest.source() {
        deepest = cause;
    }
    deepest.to_string()
}

fn source_chain_mentions(error: &dyn std::error::Error, words: &[&str]) -> bool {
    let mut current = error.source();
    while let Some(cause) = current {
        let text = cause.to_string().to_ascii_lowercase();
        if words.iter().any(|w| text.contains(w)) {
            return true;
        }
        current = cause.source();
    }
    false
}
