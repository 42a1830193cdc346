//! Sends one core request over reqwest with plexlink's rules: the token transport check, no
//! redirects, a per-request deadline and a cap on the answer's size.

use std::io::Read;
use std::time::Duration;

use plexlink_core::{AddressRules, Error, HttpRequest, HttpResponse, TransportErrorKind};

/// The HTTP stack and the rules every request follows.
#[derive(Clone, Debug)]
pub(crate) struct Transport {
    http: reqwest::blocking::Client,
    max_body: usize,
    allow_insecure_http: bool,
    rules: AddressRules,
}

/// The settings of a [`Transport`].
#[derive(Clone, Debug)]
pub(crate) struct TransportConfig {
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_body: usize,
    pub allow_insecure_http: bool,
    pub extra_roots: Vec<Vec<u8>>,
    pub resolve_plex_direct: bool,
    pub carrier_nat_is_private: bool,
}

impl Transport {
    pub(crate) fn new(config: &TransportConfig) -> Result<Self, Error> {
        let mut builder = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
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
            allow_insecure_http: config.allow_insecure_http,
            rules: AddressRules {
                // A label says where a plaintext request goes only when this stack dials it.
                plex_direct_by_label: config.resolve_plex_direct,
                carrier_nat_is_private: config.carrier_nat_is_private,
            },
        })
    }

    pub(crate) fn address_rules(&self) -> AddressRules {
        self.rules
    }

    /// Sends `request`, waiting at most `timeout` (or the client's default) for the whole answer.
    pub(crate) fn send(&self, request: HttpRequest, timeout: Option<Duration>) -> Result<HttpResponse, Error> {
        if request.headers().contains_key("x-plex-token") && !self.allow_insecure_http {
            plexlink_core::token_allowed_for(request.uri(), self.rules)?;
        }
        let mut request = reqwest::blocking::Request::try_from(request).map_err(|e| Error::InvalidArgument {
            what: "request",
            detail: e.without_url().to_string(),
        })?;
        if let Some(timeout) = timeout {
            *request.timeout_mut() = Some(timeout);
        }
        let mut response = self.http.execute(request).map_err(transport_error)?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            return Err(Error::Redirect {
                status: status.as_u16(),
                location: strip_query(location),
            });
        }
        // `usize` may be wider than what fits once one is added: saturate, never wrap to zero.
        let limit = u64::try_from(self.max_body).unwrap_or(u64::MAX);
        if response.content_length().is_some_and(|len| len > limit) {
            return Err(Error::ResponseTooLarge { limit: self.max_body });
        }
        let mut body = Vec::new();
        (&mut response)
            .take(limit.saturating_add(1))
            .read_to_end(&mut body)
            .map_err(|e| io_error(&e))?;
        if body.len() > self.max_body {
            return Err(Error::ResponseTooLarge { limit: self.max_body });
        }
        let mut answer = http::Response::new(body);
        *answer.status_mut() = status;
        *answer.headers_mut() = response.headers().clone();
        Ok(answer)
    }
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

fn io_error(error: &std::io::Error) -> Error {
    let kind =
        if error.kind() == std::io::ErrorKind::TimedOut || source_chain_mentions(error, &["timed out", "timeout"]) {
            TransportErrorKind::Timeout
        } else {
            TransportErrorKind::Other
        };
    Error::Transport {
        kind,
        detail: describe(error),
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

fn strip_query(location: &str) -> String {
    location.split(['?', '#']).next().unwrap_or_default().to_owned()
}
