//! https for `*.plex.direct` names: a test certificate authority made when the emulator starts,
//! and one leaf certificate per server for `*.<server hash>.plex.direct`, as Plex issues them.
//!
//! A client that trusts [`crate::Emulator::ca_pem`] can verify an https connection such as
//! `https://127-0-0-1.<hash>.plex.direct:PORT` for its name, exactly as it would a real server's.
//! No DNS serves those names here: a client must read the address from the name (or be told it),
//! which is what a router with DNS-rebinding protection forces on it.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::scenario::{Scenario, Server};

/// The first byte of a TLS connection (a handshake record). An https listener answers plain
/// http too, as a Plex Media Server does on its one port.
pub(crate) const HANDSHAKE: u8 = 0x16;

/// The certificate authority and the servers' TLS settings.
pub(crate) struct Tls {
    /// The authority's certificate, PEM.
    pub(crate) ca_pem: String,
    /// Server index → its TLS settings, for servers with an https connection.
    acceptors: HashMap<usize, TlsAcceptor>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("servers", &self.acceptors.len())
            .finish_non_exhaustive()
    }
}

fn tls_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("test certificates: {e}"))
}

impl Tls {
    /// A fresh authority (a new key on every start), and a leaf for every server that has an
    /// https connection.
    pub(crate) fn new(scenario: &Scenario) -> io::Result<Tls> {
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(tls_error)?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "plexlink emulator test CA");
        ca.distinguished_name
            .push(DnType::OrganizationName, "plexlink emulator");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().map_err(tls_error)?).map_err(tls_error)?;
        let provider = Arc::new(aws_lc_rs::default_provider());
        let mut acceptors = HashMap::new();
        for (index, server) in scenario.servers.iter().enumerate() {
            if !server.connections.iter().any(|c| c.https) {
                continue;
            }
            let name = format!("*.{}.plex.direct", server.plex_direct_hash());
            let mut leaf = CertificateParams::new(vec![name.clone()]).map_err(tls_error)?;
            leaf.distinguished_name.push(DnType::CommonName, name);
            leaf.is_ca = IsCa::NoCa;
            leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            leaf.use_authority_key_identifier_extension = true;
            let key = KeyPair::generate().map_err(tls_error)?;
            let cert = leaf.signed_by(&key, &ca).map_err(tls_error)?;
            let chain = vec![cert.der().clone(), ca.der().clone()];
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
            let mut config = ServerConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .map_err(tls_error)?
                .with_no_client_auth()
                .with_single_cert(chain, key)
                .map_err(tls_error)?;
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            acceptors.insert(index, TlsAcceptor::from(Arc::new(config)));
        }
        Ok(Tls {
            ca_pem: ca.pem(),
            acceptors,
        })
    }

    /// The TLS settings of a server's https listeners.
    pub(crate) fn acceptor(&self, server: usize) -> Option<TlsAcceptor> {
        self.acceptors.get(&server).cloned()
    }
}

/// The name Plex gives an address of a server: `127-0-0-1.<hash>.plex.direct` for IPv4, and
/// for IPv6 the eight groups in lowercase hex without leading zeros, joined by `-` and never
/// shortened (`::1` is `0-0-0-0-0-0-0-1.<hash>.plex.direct`): a DNS label cannot hold `:`, and
/// a `::` would leave an empty group.
pub(crate) fn plex_direct_host(address: IpAddr, server: &Server) -> String {
    let label = match address {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{a}-{b}-{c}-{d}")
        }
        IpAddr::V6(v6) => v6
            .segments()
            .iter()
            .map(|g| format!("{g:x}"))
            .collect::<Vec<_>>()
            .join("-"),
    };
    format!("{label}.{}.plex.direct", server.plex_direct_hash())
}

/// 32 lowercase hex characters from a server's identifier, the shape of the hash in a Plex
/// server's plex.direct names (Plex derives it from the server's certificate; any fixed value
/// per server will do here).
pub(crate) fn hash_of(client_identifier: &str) -> String {
    let fnv = |seed: u64| {
        client_identifier
            .bytes()
            .fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    };
    format!("{:016x}{:016x}", fnv(0xcbf2_9ce4_8422_2325), fnv(0x84222325_cbf29ce4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_32_hex_characters_and_differ_per_server() {
        let a = hash_of("8276c3fa6bc24e44b347e19c71fbb98b9287c1e9");
        let b = hash_of("3f9b2d7e1c8a4056b9e2f7d13a6c8e5b0d4f2a91");
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
        assert_eq!(a, hash_of("8276c3fa6bc24e44b347e19c71fbb98b9287c1e9"), "stable");
    }

    #[test]
    fn names_encode_ipv4_and_all_eight_ipv6_groups() {
        let server = Server {
            client_identifier: "x".to_string(),
            ..Server::default()
        };
        let hash = hash_of("x");
        let name = |ip: &str| plex_direct_host(ip.parse().expect("address"), &server);
        assert_eq!(name("127.0.0.1"), format!("127-0-0-1.{hash}.plex.direct"));
        assert_eq!(name("::1"), format!("0-0-0-0-0-0-0-1.{hash}.plex.direct"));
        assert_eq!(name("2001:db8::5"), format!("2001-db8-0-0-0-0-0-5.{hash}.plex.direct"));
        assert_eq!(
            name("fe80::abcd:1:ffff"),
            format!("fe80-0-0-0-0-abcd-1-ffff.{hash}.plex.direct")
        );
    }
}
