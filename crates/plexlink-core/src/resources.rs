//! The account's devices and their connections: `GET /api/v2/resources`.

use http::Method;
use serde::Deserialize;

use std::net::IpAddr;

use crate::lenient;
use crate::race::Tier;
use crate::wire::{self, Body};
use crate::{AddressRules, ClientInfo, Error, HttpRequest, HttpResponse, Token};

/// Which kinds of connection plex.tv should include; each left out is missing from the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Include {
    /// `includeHttps=1`: the https plex.direct URIs.
    pub https: bool,
    /// `includeRelay=1`: relay connections.
    pub relay: bool,
    /// `includeIPv6=1`: IPv6 connections.
    pub ipv6: bool,
}

impl Default for Include {
    /// Everything: the connection race decides what to use.
    fn default() -> Self {
        Self {
            https: true,
            relay: true,
            ipv6: true,
        }
    }
}

/// `GET {plex}/api/v2/resources?includeHttps=1&includeRelay=1&includeIPv6=1` with the token.
///
/// ```
/// use plexlink_core::{ClientInfo, Token, resources};
///
/// let info = ClientInfo::new("Player", "id-1");
/// let request = resources::resources_request(&info, &Token::new("t"), resources::Include::default())?;
/// assert_eq!(request.uri(), "https://plex.tv/api/v2/resources?includeHttps=1&includeRelay=1&includeIPv6=1");
/// # Ok::<(), plexlink_core::Error>(())
/// ```
pub fn resources_request(info: &ClientInfo, token: &Token, include: Include) -> Result<HttpRequest, Error> {
    let mut url = wire::endpoint(info.plex_url(), "api/v2/resources");
    {
        let flag = |on: bool| if on { "1" } else { "0" };
        let mut query = url.query_pairs_mut();
        query.append_pair("includeHttps", flag(include.https));
        query.append_pair("includeRelay", flag(include.relay));
        query.append_pair("includeIPv6", flag(include.ipv6));
    }
    wire::build(info, Method::GET, &url, Some(token), Body::Empty)
}

/// Reads the resources answer: a JSON array of devices (200).
pub fn parse_resources(response: &HttpResponse) -> Result<Vec<Device>, Error> {
    wire::expect_json_list(response, &[200], "resources")
}

/// A device of the account: a server, a player, a controller...
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Device {
    /// The name the owner gave it.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    /// `Plex Media Server`, `Plex for Android (TV)`, ...
    #[serde(default, deserialize_with = "lenient::string")]
    pub product: String,
    /// The product's version.
    #[serde(default, deserialize_with = "lenient::string")]
    pub product_version: String,
    /// `Linux`, `Windows`, ...
    #[serde(default, deserialize_with = "lenient::string")]
    pub platform: String,
    /// The platform's version.
    #[serde(default, deserialize_with = "lenient::string")]
    pub platform_version: String,
    /// The hardware (`Docker Container`, `PC`, ...).
    #[serde(default, deserialize_with = "lenient::string")]
    pub device: String,
    /// The device's identifier; for a server, the `machineIdentifier` its `/identity` returns.
    #[serde(default, deserialize_with = "lenient::string")]
    pub client_identifier: String,
    /// When it was registered (RFC 3339), if known.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub created_at: Option<String>,
    /// When plex.tv last heard of it (RFC 3339), if known.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_seen_at: Option<String>,
    /// What it provides (`server`, `client`, `player`, `controller`, ...).
    #[serde(default, deserialize_with = "provides_list")]
    pub provides: Vec<String>,
    /// The owner's account id, for a device shared with this account.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub owner_id: Option<u64>,
    /// The owner's name, for a device shared with this account.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub source_title: Option<String>,
    /// The public address plex.tv last saw the device at.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub public_address: Option<String>,
    /// The token for this device (for a shared server, the only token it accepts).
    #[serde(default, deserialize_with = "opt_token")]
    pub access_token: Option<Token>,
    /// Whether this account owns it.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub owned: bool,
    /// Whether it belongs to the account's Plex Home.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub home: bool,
    /// Whether it is a synced device.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub synced: bool,
    /// Whether it can be reached through a Plex relay.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub relay: bool,
    /// Whether it is online now, as far as plex.tv knows.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub presence: bool,
    /// Whether it refuses plain HTTP.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub https_required: bool,
    /// Whether the caller's public address is the device's: the caller is on its network.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub public_address_matches: bool,
    /// Whether the device's network has DNS-rebinding protection: its resolver refuses to
    /// resolve a plex.direct name to a private address (undocumented by Plex; not used to choose).
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub dns_rebinding_protection: bool,
    /// Whether its router loops back connections to its own public address.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub nat_loopback_supported: bool,
    /// The ways to reach it.
    #[serde(default, alias = "Connection", deserialize_with = "lenient::one_or_many")]
    pub connections: Vec<Connection>,
}

impl Device {
    /// A Plex Media Server known by its name, machine identifier and connections, for a host
    /// that knows its server without plex.tv (and for tests); every other field is empty.
    pub fn server(name: &str, machine_identifier: &str, connections: Vec<Connection>) -> Self {
        Self {
            name: name.into(),
            product: "Plex Media Server".into(),
            product_version: String::new(),
            platform: String::new(),
            platform_version: String::new(),
            device: String::new(),
            client_identifier: machine_identifier.into(),
            created_at: None,
            last_seen_at: None,
            provides: vec!["server".into()],
            owner_id: None,
            source_title: None,
            public_address: None,
            access_token: None,
            owned: true,
            home: false,
            synced: false,
            relay: false,
            presence: true,
            https_required: false,
            public_address_matches: false,
            dns_rebinding_protection: false,
            nat_loopback_supported: false,
            connections,
        }
    }

    /// True when it provides `server` (a Plex Media Server).
    pub fn is_server(&self) -> bool {
        self.provides.iter().any(|p| p == "server")
    }
}

/// One way to reach a device.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Connection {
    /// `https` or `http`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub protocol: String,
    /// The IP address (IPv6 without brackets).
    #[serde(default, deserialize_with = "lenient::string")]
    pub address: String,
    /// The port.
    #[serde(default, deserialize_with = "port")]
    pub port: u16,
    /// The URI to use (a plex.direct name for https).
    #[serde(default, deserialize_with = "lenient::string")]
    pub uri: String,
    /// A private address (not "on your network": see `Device::public_address_matches`).
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub local: bool,
    /// A Plex relay.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub relay: bool,
    /// An IPv6 address (derived from the address when the field is absent).
    #[serde(default, rename = "IPv6", deserialize_with = "lenient::boolean")]
    pub ipv6: bool,
}

impl Connection {
    /// A connection from its parts (for tests and for hosts that know a server's address).
    pub fn new(protocol: &str, address: &str, port: u16, uri: &str, local: bool, relay: bool) -> Self {
        Self {
            protocol: protocol.into(),
            address: address.into(),
            port,
            uri: uri.into(),
            local,
            relay,
            ipv6: address.contains(':'),
        }
    }

    /// Local, remote or relay: by the address where it is known (the URI's IP literal, its
    /// plex.direct label, else `address`), whatever the `local` flag says: a non-public address
    /// under `rules` is local, a public one remote. The flag decides only for a host name and
    /// for loopback (this machine, which plex.tv never lists for a real server and a local
    /// emulator lists for every tier). A server's owner writes its connection list, so a
    /// private address flagged `local:false` must not pass for a remote one.
    ///
    /// ```
    /// use plexlink_core::AddressRules;
    /// use plexlink_core::race::Tier;
    /// use plexlink_core::resources::Connection;
    ///
    /// let lan = Connection::new("https", "192.168.1.5", 32400, "https://192-168-1-5.abc.plex.direct:32400", false, false);
    /// assert_eq!(lan.tier(&AddressRules::default()), Tier::Local);
    /// ```
    #[must_use]
    pub fn tier(&self, rules: &AddressRules) -> Tier {
        if self.relay {
            return Tier::Relay;
        }
        // The label is read even when not dialled: it is what Plex's DNS answers, and reading a
        // name as private only ever skips or demotes it.
        let label_rules = AddressRules {
            plex_direct_by_label: true,
            ..*rules
        };
        let host = url::Url::parse(self.uri.trim())
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_default();
        let address = label_rules.address_of(&host).or_else(|| {
            self.address
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .ok()
        });
        let flagged = if self.local { Tier::Local } else { Tier::Remote };
        match address {
            Some(ip) if is_loopback(ip) => flagged,
            Some(ip) if rules.is_non_public(ip) => Tier::Local,
            Some(_) => Tier::Remote,
            None => flagged,
        }
    }

    /// Whether the address is IPv6, by the flag or by the address itself.
    pub fn is_ipv6(&self) -> bool {
        self.ipv6 || self.address.contains(':')
    }
}

fn provides_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let text = lenient::string(d)?;
    Ok(text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect())
}

fn opt_token<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Token>, D::Error> {
    Ok(lenient::opt_string(d)?.filter(|t| !t.is_empty()).map(Token::new))
}

fn port<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
    Ok(lenient::opt_u64(d)?.and_then(|p| u16::try_from(p).ok()).unwrap_or(0))
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The resources example of docs/protocol.md §3.1.
    const RESOURCES_EXAMPLE: &str = include_str!("../testdata/resources_example.json");

    fn ok(body: &str) -> HttpResponse {
        http::Response::builder()
            .status(200)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn request_has_flags_token_and_headers() {
        let info = ClientInfo::new("Player", "id-1");
        let r = resources_request(
            &info,
            &Token::new("tok"),
            Include {
                https: true,
                relay: false,
                ipv6: true,
            },
        )
        .unwrap();
        assert_eq!(r.method(), "GET");
        assert_eq!(
            r.uri(),
            "https://plex.tv/api/v2/resources?includeHttps=1&includeRelay=0&includeIPv6=1"
        );
        assert_eq!(r.headers()["x-plex-token"], "tok");
        assert_eq!(r.headers()["x-plex-client-identifier"], "id-1");
        assert_eq!(r.headers()["accept"], "application/json");
        assert!(r.body().is_empty());
    }

    #[test]
    fn parses_the_wire_example() {
        let devices = parse_resources(&ok(RESOURCES_EXAMPLE)).unwrap();
        assert_eq!(devices.len(), 1);
        let d = &devices[0];
        assert_eq!(d.name, "StreamMaster");
        assert_eq!(d.client_identifier, "8276c3fa6bc24e44b347e19c71fbb98b9287c1e9");
        assert!(d.is_server() && d.owned && d.relay && d.presence && d.dns_rebinding_protection);
        assert!(!d.https_required && !d.public_address_matches);
        assert_eq!(d.owner_id, None);
        assert_eq!(d.access_token.as_ref().unwrap().secret(), "Hg7FGK9xVGdWZRa_sj76");
        assert_eq!(d.connections.len(), 3);
        let c = &d.connections[0];
        assert_eq!(
            (c.protocol.as_str(), c.address.as_str(), c.port),
            ("https", "192.168.1.150", 32400)
        );
        assert!(c.local && !c.relay && !c.ipv6);
        assert!(d.connections[2].relay);
        assert!(!format!("{d:?}").contains("Hg7FGK9xVGdWZRa_sj76"));
    }

    #[test]
    fn lenient_shapes_parse() {
        let long_token = "x".repeat(536);
        let body = format!(
            r#"[{{"name":null,"clientIdentifier":"abc","provides":"client,player, server","ownerId":"1234",
                "accessToken":"{long_token}","owned":0,"presence":"1","connections":null}},
               {{"clientIdentifier":"def","provides":"player","Connection":
                 {{"protocol":"http","address":"2001:db8::5","port":"32400","uri":"http://[2001:db8::5]:32400","local":false,"relay":false}}}},
               {{"clientIdentifier":"ghi","provides":"server","accessToken":"","connections":[{{"uri":"https://x","port":99999}}],"extraField":{{"nested":[1,2]}}}}]"#
        );
        let devices = parse_resources(&ok(&body)).unwrap();
        assert_eq!(devices[0].name, "");
        assert!(devices[0].is_server());
        assert_eq!(devices[0].owner_id, Some(1234));
        assert_eq!(devices[0].access_token.as_ref().unwrap().secret().len(), 536);
        assert!(!devices[0].owned && devices[0].presence);
        assert!(devices[0].connections.is_empty());
        assert!(!devices[1].is_server());
        assert_eq!(devices[1].connections.len(), 1);
        assert!(devices[1].connections[0].is_ipv6());
        assert_eq!(devices[1].connections[0].port, 32400);
        assert_eq!(devices[2].access_token, None);
        assert_eq!(devices[2].connections[0].port, 0);
    }

    #[test]
    fn errors_and_garbage() {
        let unauthorized = http::Response::builder()
            .status(401)
            .body(br#"{"errors":[{"code":1001,"message":"User could not be authenticated"}]}"#.to_vec())
            .unwrap();
        assert!(parse_resources(&unauthorized).unwrap_err().is_token_rejected());
        assert!(matches!(
            parse_resources(&ok("{\"not\":\"a list\"}")),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(parse_resources(&ok("[{\"name\":")), Err(Error::Decode { .. })));
        assert!(parse_resources(&ok("[]")).unwrap().is_empty());
    }
}
