//! Target `hosts`: plex.direct names and the rule for where a token may go. Each input line is
//! a host name for [`plex_direct::decode_host`] and a URI for [`token_allowed_for`]; each pair of
//! lines is a connection's URI and address for [`plex_direct::direct_address`].
//!
//! Asserts, beyond not panicking:
//! - a name decodes only when it is `<label>.<alphanumeric hash>.plex.direct` (any case, one
//!   trailing dot), whatever its case, and the address written back as a label decodes to itself;
//! - under each of the [`AddressRules`], a token may always go over https, never over another
//!   scheme, and over plain http only to an address reachable only nearby (loopback, private,
//!   link-local, unique-local, and CGNAT when the rules say so), given as an IP, `localhost` or,
//!   when the rules read labels, a plex.direct name; a refusal never shows the URI's query;
//! - a direct address is the one both the URI's plex.direct name and the advertised address say.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use plexlink_core::plex_direct::{decode_host, direct_address};
use plexlink_core::resources::Connection;
use plexlink_core::{AddressRules, token_allowed_for};

use crate::input::Lines;

pub fn run(data: &[u8]) {
    let lines = Lines::new(data);
    for line in lines.all() {
        check_name(line);
        check_token_rule(line);
    }
    for pair in lines.all().windows(2) {
        check_direct_address(&pair[0], &pair[1]);
    }
}

fn check_name(name: &str) {
    let decoded = decode_host(name);
    assert_eq!(decoded, decode_host(&name.to_ascii_uppercase()), "{name:?} in capitals");
    let Some(ip) = decoded else { return };
    let labels: Vec<&str> = name.strip_suffix('.').unwrap_or(name).split('.').collect();
    assert!(
        labels.len() == 4 && labels[2].eq_ignore_ascii_case("plex") && labels[3].eq_ignore_ascii_case("direct"),
        "{name:?} decoded to {ip} but is not <label>.<hash>.plex.direct"
    );
    let hash = labels[1];
    assert!(
        !hash.is_empty() && hash.chars().all(|c| c.is_ascii_alphanumeric()),
        "{name:?}: hash"
    );
    let label = match ip {
        IpAddr::V4(v4) => v4.octets().map(|o| o.to_string()).join("-"),
        IpAddr::V6(v6) => v6.segments().map(|s| format!("{s:x}")).join("-"),
    };
    assert_eq!(
        decode_host(&format!("{label}.{hash}.plex.direct")),
        Some(ip),
        "{name:?} re-encoded"
    );
}

fn check_token_rule(text: &str) {
    let Ok(uri) = text.parse::<http::Uri>() else { return };
    for (by_label, carrier_nat) in [(false, false), (true, false), (false, true), (true, true)] {
        let rules = AddressRules {
            plex_direct_by_label: by_label,
            carrier_nat_is_private: carrier_nat,
        };
        let verdict = token_allowed_for(&uri, rules);
        match uri.scheme_str() {
            Some("https") => assert!(verdict.is_ok(), "{text:?}: https refused"),
            Some("http") => {}
            _ => assert!(verdict.is_err(), "{text:?}: a token over another scheme"),
        }
        if let Err(error) = &verdict
            && let Some(query) = uri.query().filter(|q| !q.is_empty())
        {
            assert!(
                !error.to_string().contains(&format!("?{query}")),
                "{text:?}: {error} shows the query"
            );
        }
        if verdict.is_ok() && uri.scheme_str() == Some("http") {
            let host = uri.host().unwrap_or_default();
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            let ip = bare
                .parse::<IpAddr>()
                .ok()
                .or_else(|| decode_host(bare).filter(|_| by_label))
                .or_else(|| {
                    bare.eq_ignore_ascii_case("localhost")
                        .then_some(IpAddr::V4(Ipv4Addr::LOCALHOST))
                });
            assert!(
                ip.is_some_and(|ip| only_nearby(ip, carrier_nat)),
                "{text:?} under {rules:?}: a token over plain http to {ip:?}"
            );
        }
    }
}

/// Addresses the internet cannot reach, by their prefixes; carrier-grade NAT when asked.
fn only_nearby(ip: IpAddr, carrier_nat: bool) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            matches!((a, b), (10 | 127, _) | (172, 16..=31) | (192, 168) | (169, 254))
                || (carrier_nat && matches!((a, b), (100, 64..=127)))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => only_nearby(IpAddr::V4(v4), carrier_nat),
            None => v6 == Ipv6Addr::LOCALHOST || matches!(v6.segments()[0], 0xfc00..=0xfdff | 0xfe80..=0xfebf),
        },
    }
}

fn check_direct_address(uri: &str, address: &str) {
    let connection = Connection::new("https", address, 32400, uri, true, false);
    let Some(direct) = direct_address(&connection) else {
        return;
    };
    let url = url::Url::parse(uri).expect("a URI that gave a direct address parses");
    let Some(url::Host::Domain(name)) = url.host() else {
        panic!("{uri:?}: a direct address without a plex.direct name")
    };
    assert_eq!(decode_host(name), Some(direct.ip()), "{uri:?}: the name's address");
    let advertised = address.trim_start_matches('[').trim_end_matches(']').parse().ok();
    assert_eq!(
        advertised,
        Some(direct.ip()),
        "{uri:?}: the advertised address {address:?}"
    );
    assert_eq!(
        direct.port(),
        url.port_or_known_default().unwrap_or(32400),
        "{uri:?}: the port"
    );
}
