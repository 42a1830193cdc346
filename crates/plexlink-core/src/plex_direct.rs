//! `*.plex.direct` names: `192-168-1-150.<server hash>.plex.direct` is 192.168.1.150.
//!
//! Routers with DNS-rebinding protection refuse to resolve such names to private addresses.
//! Because the name encodes the address, a client can connect to the address directly while
//! keeping the name for TLS (SNI and the certificate check).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::resources::Connection;

/// The address a plex.direct host name encodes, or `None` when it is not such a name.
///
/// ```
/// use plexlink_core::plex_direct::decode_host;
///
/// let ip = decode_host("192-168-1-150.fc6b48db927de7394036856ade1760b9.plex.direct");
/// assert_eq!(ip, Some("192.168.1.150".parse().unwrap()));
/// let v6 = decode_host("2001-db8-0-0-0-0-0-5.fc6b48db927de7394036856ade1760b9.plex.direct");
/// assert_eq!(v6, Some("2001:db8::5".parse().unwrap()));
/// assert_eq!(decode_host("plex.tv"), None);
/// ```
pub fn decode_host(host: &str) -> Option<IpAddr> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let lower = host.to_ascii_lowercase();
    let rest = lower.strip_suffix(".plex.direct")?;
    let (label, hash) = rest.split_once('.')?;
    if hash.is_empty() || hash.contains('.') || !hash.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let parts: Vec<&str> = label.split('-').collect();
    match parts.len() {
        4 => {
            let mut octets = [0u8; 4];
            for (octet, part) in octets.iter_mut().zip(&parts) {
                if part.is_empty() || part.len() > 3 || !part.chars().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                *octet = part.parse().ok()?;
            }
            Some(IpAddr::V4(Ipv4Addr::from(octets)))
        }
        8 => {
            let mut groups = [0u16; 8];
            for (group, part) in groups.iter_mut().zip(&parts) {
                // from_str_radix alone would take a sign (`+5`): a name is not an address then.
                if part.is_empty() || part.len() > 4 || !part.chars().all(|c| c.is_ascii_hexdigit()) {
                    return None;
                }
                *group = u16::from_str_radix(part, 16).ok()?;
            }
            Some(IpAddr::V6(Ipv6Addr::from(groups)))
        }
        _ => None,
    }
}

/// Where to connect for `connection` when its plex.direct name cannot be resolved: the encoded
/// address and the port, but only when the name encodes exactly the advertised address (a name
/// that says something else is not trusted).
pub fn direct_address(connection: &Connection) -> Option<SocketAddr> {
    let url = url::Url::parse(&connection.uri).ok()?;
    let host = match url.host()? {
        url::Host::Domain(name) => name,
        _ => return None,
    };
    let encoded = decode_host(host)?;
    let advertised: IpAddr = connection
        .address
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()?;
    (encoded == advertised).then(|| SocketAddr::new(encoded, url.port_or_known_default().unwrap_or(connection.port)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "fc6b48db927de7394036856ade1760b9";

    #[test]
    fn ipv4_and_ipv6_names_decode() {
        assert_eq!(
            decode_host(&format!("10-0-0-1.{HASH}.plex.direct")),
            Some("10.0.0.1".parse().unwrap())
        );
        assert_eq!(
            decode_host(&format!("10-0-0-1.{HASH}.PLEX.DIRECT.")),
            Some("10.0.0.1".parse().unwrap())
        );
        assert_eq!(
            decode_host(&format!("fd00-0-0-0-1a2b-3c4d-5e6f-7a8b.{HASH}.plex.direct")),
            Some("fd00::1a2b:3c4d:5e6f:7a8b".parse().unwrap())
        );
    }

    #[test]
    fn a_group_with_a_sign_is_not_an_address() {
        assert_eq!(decode_host(&format!("fd00-0-0-0-0-0-0-+5.{HASH}.plex.direct")), None);
        assert_eq!(decode_host(&format!("+fd0-0-0-0-0-0-0-5.{HASH}.plex.direct")), None);
        assert_eq!(decode_host(&format!("+10-0-0-1.{HASH}.plex.direct")), None);
    }

    #[test]
    fn other_names_do_not_decode() {
        for host in [
            "plex.tv".to_owned(),
            format!("{HASH}.plex.direct"),
            format!("256-0-0-1.{HASH}.plex.direct"),
            format!("1-2-3.{HASH}.plex.direct"),
            format!("1-2-3-4.{HASH}.plex.direct.evil.com"),
            "1-2-3-4.a.b.plex.direct".to_owned(),
            "1-2-3-4..plex.direct".to_owned(),
            format!("1-2-3-+4.{HASH}.plex.direct"),
            format!("g-0-0-0-0-0-0-1.{HASH}.plex.direct"),
            format!("12345-0-0-0-0-0-0-1.{HASH}.plex.direct"),
        ] {
            assert_eq!(decode_host(&host), None, "{host}");
        }
    }

    #[test]
    fn direct_address_needs_the_advertised_address() {
        let good = Connection::new(
            "https",
            "192.168.1.150",
            32400,
            &format!("https://192-168-1-150.{HASH}.plex.direct:32400"),
            true,
            false,
        );
        assert_eq!(direct_address(&good), Some("192.168.1.150:32400".parse().unwrap()));
        let lying = Connection::new(
            "https",
            "192.168.1.151",
            32400,
            &format!("https://192-168-1-150.{HASH}.plex.direct:32400"),
            true,
            false,
        );
        assert_eq!(direct_address(&lying), None);
        let v6 = Connection::new(
            "https",
            "2001:db8::5",
            32400,
            &format!("https://2001-db8-0-0-0-0-0-5.{HASH}.plex.direct:32400"),
            false,
            false,
        );
        assert_eq!(direct_address(&v6), Some("[2001:db8::5]:32400".parse().unwrap()));
        let plain = Connection::new(
            "http",
            "192.168.1.150",
            32400,
            "http://192.168.1.150:32400",
            true,
            false,
        );
        assert_eq!(direct_address(&plain), None);
    }
}
