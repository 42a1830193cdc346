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
        // The TLS settings are made here rather than by reqwest for one thing only, the crypto
        // provider: reqwest would take aws-lc-rs (or a process-wide default someone installed),
        // and the C library is built with ring, 0.8 MiB smaller (README.md, Benchmarks).
        builder = builder.tls_backend_preconfigured(tls_config(&config.extra_roots)?);
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

/// The crypto provider of the `tls-ring` feature (the C library's), unless aws-lc-rs is on as
/// well: a program that compiles aws-lc-rs anyway keeps rustls' default provider and its
/// post-quantum key exchange (X25519MLKEM768), which ring lacks.
#[cfg(all(feature = "tls-ring", not(feature = "tls-aws-lc-rs")))]
fn crypto_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// rustls' default provider, what reqwest itself would use.
#[cfg(feature = "tls-aws-lc-rs")]
fn crypto_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::aws_lc_rs::default_provider()
}

#[cfg(not(any(feature = "tls-ring", feature = "tls-aws-lc-rs")))]
compile_error!("plexlink needs a TLS crypto provider: the feature tls-aws-lc-rs (default) or tls-ring");

/// What reqwest's own rustls setup gives (TLS 1.2 and 1.3; the platform verifier, which
/// trusts the system's roots and the extra ones; ALPN http/1.1, the only HTTP version built in;
/// SNI on), over [`crypto_provider`].
fn tls_config(extra_roots: &[Vec<u8>]) -> Result<rustls::ClientConfig, Error> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    let invalid = |what: &'static str, detail: String| Error::InvalidArgument { what, detail };
    let mut roots = Vec::new();
    for pem in extra_roots {
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid("root certificate", e.to_string()))?;
        // Text without a PEM block parses as an empty bundle: trusting nothing would be a
        // silent misconfiguration.
        if certs.is_empty() {
            return Err(invalid(
                "root certificate",
                "no PEM certificate (-----BEGIN CERTIFICATE-----) found".into(),
            ));
        }
        roots.extend(certs);
    }
    // No key loader: see NoPrivateKeys.
    let provider = std::sync::Arc::new(rustls::crypto::CryptoProvider {
        key_provider: &NoPrivateKeys,
        ..crypto_provider()
    });
    let verifier = if roots.is_empty() {
        // Fails only when the system has no root at all.
        rustls_platform_verifier::Verifier::new(provider.clone())
            .map_err(|e| invalid("client configuration", e.to_string()))?
    } else {
        // The system's roots may be missing here: the extra ones are enough. What fails is an
        // extra root that is PEM but no certificate.
        rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider.clone())
            .map_err(|e| invalid("root certificate", e.to_string()))?
    };
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|e| invalid("client configuration", e.to_string()))?
        // "dangerous" only because the verifier is not rustls' own WebPkiServerVerifier: it is
        // the platform verifier, which reqwest plugs in the same way.
        .dangerous()
        .with_custom_certificate_verifier(std::sync::Arc::new(verifier))
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tls)
}

/// The crypto provider's private-key loader, which refuses every key. rustls asks it only for the
/// key of a certificate this side presents, and plexlink presents none (`with_no_client_auth`):
/// the provider's own loader is never called, yet it links RSA and ECDSA signing into every
/// program, 50 KiB of the stripped C library (README.md, Benchmarks).
#[derive(Debug)]
struct NoPrivateKeys;

impl rustls::crypto::KeyProvider for NoPrivateKeys {
    fn load_private_key(
        &self,
        _key: rustls::pki_types::PrivateKeyDer<'static>,
    ) -> Result<std::sync::Arc<dyn rustls::sign::SigningKey>, rustls::Error> {
        Err(rustls::Error::General("plexlink presents no client certificate".into()))
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
