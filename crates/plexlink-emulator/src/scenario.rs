//! The world the emulator plays: accounts, the Home, servers and their connections.
//!
//! A [`Scenario`] is plain data, (de)serializable from JSON (`plexlink-emulator --scenario FILE`),
//! and [`Scenario::default`] is the built-in world that tests and demos rely on. Ports are not part
//! of it: every PMS connection gets a fresh port on 127.0.0.1 (or ::1) when the emulator starts,
//! kept until it stops.

use serde::{Deserialize, Serialize};

/// Everything the emulator knows: who can sign in, which servers exist and how their
/// connections behave, and a few timing knobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Plex accounts, including the managed users of a Home.
    pub accounts: Vec<Account>,
    /// Plex Homes (households): an admin and its members.
    pub homes: Vec<Home>,
    /// Plex Media Servers, each answered by one real listener per connection.
    pub servers: Vec<Server>,
    /// Devices that are not servers (players), listed in resources so clients learn to skip them.
    pub clients: Vec<ClientDevice>,
    /// Lifetime of a short (4-character) PIN, in seconds.
    pub pin_lifetime_secs: u64,
    /// Lifetime of a strong PIN, in seconds.
    pub strong_pin_lifetime_secs: u64,
    /// Failed sign-ins from one client identifier after which every sign-in from it answers
    /// 401/1031 (locked out) until the emulator restarts. 0 never locks.
    pub lockout_after_failures: u32,
    /// Lifetime of a Plex JWT (`POST /api/v2/auth/token`, a JWT PIN), in seconds (7 days).
    pub jwt_lifetime_secs: u64,
    /// Lifetime of a nonce (`GET /api/v2/auth/nonce`), in seconds (5 minutes).
    pub nonce_lifetime_secs: u64,
    /// Nonces one client identifier may get in a minute; the next answers 429/1003 with
    /// `Retry-After: 1`. 0 never limits.
    pub nonce_rate_limit_per_minute: u32,
}

/// One Plex account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Account {
    /// Numeric account id (`id` in the account JSON).
    pub id: u64,
    /// Account uuid (16 hex characters, as Plex writes them).
    pub uuid: String,
    /// The login name; also how the emulator's API and pages name the account.
    pub username: String,
    /// E-mail address; sign-in accepts it in place of the username.
    pub email: String,
    /// Display name (`title`, `friendlyName`).
    pub title: String,
    /// Password for `POST /api/v2/users/signin`; `None` for managed users, who cannot sign in.
    pub password: Option<String>,
    /// The account's token (what a PIN approval, a sign-in or a Home switch hands out).
    pub token: String,
    /// Two-factor authentication, when enabled.
    pub two_factor: Option<TwoFactor>,
    /// A managed Home user (restricted, no password).
    pub managed: bool,
    /// The Home PIN that protects a switch to this user (`protected` in the Home users list).
    pub home_pin: Option<String>,
    /// The Plex Pass subscription, if any.
    pub subscription: Option<Subscription>,
}

/// Two-factor authentication settings of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwoFactor {
    /// The current verification code (authenticator apps show six digits).
    pub code: String,
    /// Backup codes, accepted like the code (longer than six characters on purpose).
    #[serde(default)]
    pub backup_codes: Vec<String>,
}

/// A Plex Pass subscription as the account JSON shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    /// `subscription.status`, e.g. "Active".
    pub status: String,
    /// `subscription.plan`, e.g. "lifetime" or "monthly".
    pub plan: String,
}

/// A Plex Home: one admin and its members (all named by username).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Home {
    /// Home id.
    pub id: u64,
    /// Display name, e.g. "Carol's Home".
    pub name: String,
    /// The admin's username.
    pub admin: String,
    /// Every member's username, the admin included.
    pub members: Vec<String>,
}

/// A Plex Media Server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Server {
    /// Friendly name (`name` in resources).
    pub name: String,
    /// `clientIdentifier` in resources, `machineIdentifier` at `/identity`.
    pub client_identifier: String,
    /// The owner's username.
    pub owner: String,
    /// The owner's server token (`accessToken` in the owner's resources). An admin token.
    pub access_token: String,
    /// Who else sees this server, each with their own server token.
    pub shares: Vec<Share>,
    /// `productVersion`.
    pub product_version: String,
    /// `platform`.
    pub platform: String,
    /// `platformVersion`.
    pub platform_version: String,
    /// `device`.
    pub device: String,
    /// The server's connections, advertised in resources in this order.
    pub connections: Vec<Connection>,
}

/// A server shared with another account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Share {
    /// The username that sees the server (as `owned:false`).
    pub account: String,
    /// That account's token for this server (a user token, not an admin one).
    pub access_token: String,
    /// Shared through a Home (`home:true` in resources) rather than as a friend.
    #[serde(default)]
    pub home: bool,
}

/// One advertised connection of a server, answered by its own listener.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    /// Unique within its server; names the listener in counters and in `server_uri`.
    pub name: String,
    /// How the listener behaves.
    pub behaviour: Behaviour,
    /// `local` in resources: a private address.
    #[serde(default)]
    pub local: bool,
    /// `relay` in resources.
    #[serde(default)]
    pub relay: bool,
    /// The loopback address to bind and advertise (127.0.0.0/8 only).
    #[serde(default = "loopback")]
    pub address: String,
    /// Advertised as plex.tv advertises https connections: `protocol:"https"` and
    /// `uri:"https://127-0-0-1.<hash>.plex.direct:PORT"` (see [`Server::plex_direct_hash`]).
    /// The listener speaks TLS with a certificate for `*.<hash>.plex.direct` signed by the
    /// emulator's test authority ([`crate::Emulator::ca_pem`]), and plain http on the same port
    /// as a Plex Media Server does. No DNS serves the name: a client must read the address from
    /// it, as it must behind a router with DNS-rebinding protection.
    #[serde(default)]
    pub https: bool,
    /// On the IPv6 loopback: the listener binds `[::1]:PORT` and the connection is advertised
    /// as plex.tv advertises IPv6 ones (`"address":"::1"`, `"IPv6":true`, `uri`
    /// `http://[::1]:PORT`, or with [`Connection::https`] the plex.direct name of eight
    /// dash-joined groups, `0-0-0-0-0-0-0-1.<hash>.plex.direct`), and listed in resources only
    /// with `includeIPv6=1`. [`Connection::address`] is not used then. A machine without an IPv6
    /// loopback cannot start such a scenario (see [`crate::Emulator::ipv6_available`]).
    #[serde(default)]
    pub ipv6: bool,
}

fn loopback() -> String {
    "127.0.0.1".to_string()
}

/// How a PMS connection's listener behaves. It can change while the emulator runs
/// ([`crate::Emulator::set_behaviour`]); the port, and so the advertised URI, never does.
///
/// As JSON (the scenario, and `POST /_emulator/servers/{server}/connections/{connection}/behaviour`):
/// `{"kind":"good"}`, `{"kind":"slow","ms":300}`, `{"kind":"dead"}`, `{"kind":"blackhole"}`,
/// `{"kind":"wrong_id"}`, `{"kind":"unauthorized"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Behaviour {
    /// Answers at once.
    Good,
    /// Answers every request after `ms` milliseconds (the delay in force when the request
    /// arrives).
    Slow {
        /// The delay before each answer.
        ms: u64,
    },
    /// Nothing listens: connects are refused (the kernel answers the SYN with a reset). The
    /// port stays bound by a socket that never listens, so no one else can take it while the
    /// emulator runs and the listener comes back on it. Turning a connection dead also closes
    /// its open connections, as a server going down does.
    Dead,
    /// Accepts TCP and never answers, holding the socket open. A request on a connection
    /// opened before the change waits unanswered until the behaviour changes again.
    Blackhole,
    /// Answers `/identity` with another machine identifier (another box on the same address).
    WrongId,
    /// Answers 401 (an HTML page) to everything, `/identity` included.
    Unauthorized,
}

/// A device that is not a server (a player), listed in its owner's resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientDevice {
    /// Device name.
    pub name: String,
    /// The owner's username.
    pub owner: String,
    /// `product`, e.g. "Plex for iOS".
    pub product: String,
    /// `provides`, a comma list without `server`.
    pub provides: String,
    /// `clientIdentifier`.
    pub client_identifier: String,
}

impl Server {
    /// The server's hash in its plex.direct names (`127-0-0-1.<hash>.plex.direct`): 32 hex
    /// characters derived from its `client_identifier`.
    pub fn plex_direct_hash(&self) -> String {
        crate::tls::hash_of(&self.client_identifier)
    }
}

impl Default for Server {
    fn default() -> Self {
        Server {
            name: String::new(),
            client_identifier: String::new(),
            owner: String::new(),
            access_token: String::new(),
            shares: Vec::new(),
            product_version: "1.40.0.7998-c29d4c0c8".to_string(),
            platform: "Linux".to_string(),
            platform_version: "6.1.0-emulated".to_string(),
            device: "PC".to_string(),
            connections: Vec::new(),
        }
    }
}

impl Scenario {
    /// The account with this username or e-mail address (e-mail compared case-insensitively).
    pub fn account(&self, login: &str) -> Option<&Account> {
        self.accounts
            .iter()
            .find(|a| a.username == login || (!a.email.is_empty() && a.email.eq_ignore_ascii_case(login)))
    }

    /// The account whose account token this is (revocation is not considered here).
    pub fn account_by_token(&self, token: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| !a.token.is_empty() && a.token == token)
    }

    /// The server with this name.
    pub fn server(&self, name: &str) -> Option<&Server> {
        self.servers.iter().find(|s| s.name == name)
    }

    /// The Home this username belongs to.
    pub fn home_of(&self, username: &str) -> Option<&Home> {
        self.homes.iter().find(|h| h.members.iter().any(|m| m == username))
    }

    /// Checks what the emulator relies on: unique names, tokens and identifiers, known owners,
    /// loopback addresses. Returns a description of the first problem.
    pub fn validate(&self) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for a in &self.accounts {
            if a.username.is_empty() || a.token.is_empty() {
                return Err(format!("account {:?} needs a username and a token", a.username));
            }
            if !seen.insert(("account", a.username.clone())) {
                return Err(format!("account {:?} appears twice", a.username));
            }
            if !seen.insert(("token", a.token.clone())) {
                return Err(format!("the token of {:?} is used twice", a.username));
            }
        }
        for h in &self.homes {
            for m in h.members.iter().chain(std::iter::once(&h.admin)) {
                if self.account(m).is_none() {
                    return Err(format!("home {:?} names unknown account {m:?}", h.name));
                }
            }
        }
        for s in &self.servers {
            if !seen.insert(("server", s.name.clone())) {
                return Err(format!("server {:?} appears twice", s.name));
            }
            if !seen.insert(("machine", s.client_identifier.clone())) {
                return Err(format!("machine identifier of {:?} is used twice", s.name));
            }
            if self.account(&s.owner).is_none() {
                return Err(format!("server {:?} has unknown owner {:?}", s.name, s.owner));
            }
            if !seen.insert(("token", s.access_token.clone())) {
                return Err(format!("the access token of {:?} is used twice", s.name));
            }
            for share in &s.shares {
                if self.account(&share.account).is_none() {
                    return Err(format!(
                        "server {:?} is shared with unknown {:?}",
                        s.name, share.account
                    ));
                }
                if !seen.insert(("token", share.access_token.clone())) {
                    return Err(format!("a share token of {:?} is used twice", s.name));
                }
            }
            let mut names = std::collections::HashSet::new();
            for c in &s.connections {
                if !names.insert(c.name.clone()) {
                    return Err(format!("server {:?} has two connections named {:?}", s.name, c.name));
                }
                match c.address.parse::<std::net::Ipv4Addr>() {
                    // An IPv6 connection is always on ::1, whatever `address` says.
                    _ if c.ipv6 => {}
                    Ok(ip) if ip.is_loopback() => {}
                    _ => {
                        return Err(format!(
                            "connection {:?} of {:?}: address must be 127.x.x.x",
                            c.name, s.name
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// A token as long as the JWT-based one seen in the wild (536 characters), built from a fixed
/// seed so that it is the same on every run.
fn long_token(seed: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::from("eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.");
    let mut x: u64 = seed.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    while out.len() < 536 {
        if out.len() == 400 {
            out.push('.');
            continue;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push(char::from(ALPHABET[(x % 64) as usize]));
    }
    out
}

fn good(name: &str, local: bool, relay: bool) -> Connection {
    Connection {
        relay,
        ..Connection::new(name, Behaviour::Good, local)
    }
}

fn conn(name: &str, behaviour: Behaviour, local: bool) -> Connection {
    Connection::new(name, behaviour, local)
}

impl Connection {
    /// A plain-http connection on 127.0.0.1, not a relay; set the other fields with struct
    /// update syntax (`Connection { https: true, ..Connection::new(...) }`).
    pub fn new(name: &str, behaviour: Behaviour, local: bool) -> Connection {
        Connection {
            name: name.to_string(),
            behaviour,
            local,
            relay: false,
            address: loopback(),
            https: false,
            ipv6: false,
        }
    }

    /// The address the listener binds and the connection advertises: `::1` for an IPv6
    /// connection, else [`Connection::address`] (`None` when that is not an IPv4 address, which
    /// [`Scenario::validate`] refuses).
    pub fn ip(&self) -> Option<std::net::IpAddr> {
        if self.ipv6 {
            Some(std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST))
        } else {
            self.address
                .parse::<std::net::Ipv4Addr>()
                .ok()
                .map(std::net::IpAddr::V4)
        }
    }
}

impl Scenario {
    /// The built-in world ([`Scenario::default`], unchanged) plus a server on both loopbacks,
    /// "Dual Stack", owned by alice (owner token [`DUAL_STACK_TOKEN`]): `local` on 127.0.0.1 and
    /// `local-v6` on `[::1]`, both good, local and https (so plex.tv lists them as
    /// `https://127-0-0-1.<hash>.plex.direct:PORT` and
    /// `https://0-0-0-0-0-0-0-1.<hash>.plex.direct:PORT`, and as plain http without
    /// `includeHttps=1`; their listeners answer both). The IPv6 one is listed only with
    /// `includeIPv6=1`. It needs an IPv6 loopback: check [`crate::Emulator::ipv6_available`]
    /// first, since starting it without one fails.
    pub fn dual_stack() -> Scenario {
        let mut scenario = Scenario::default();
        scenario.servers.push(Server {
            name: DUAL_STACK.to_string(),
            client_identifier: "6d2e8f4a1b9c3e7f5a0d2c4b6e8f1a3c5e7d9b0f".to_string(),
            owner: "alice".to_string(),
            access_token: DUAL_STACK_TOKEN.to_string(),
            connections: vec![
                Connection {
                    https: true,
                    ..Connection::new("local", Behaviour::Good, true)
                },
                Connection {
                    https: true,
                    ipv6: true,
                    ..Connection::new("local-v6", Behaviour::Good, true)
                },
            ],
            ..Server::default()
        });
        scenario
    }
}

/// The name of the server [`Scenario::dual_stack`] adds.
pub const DUAL_STACK: &str = "Dual Stack";

/// The owner token of [`Scenario::dual_stack`]'s server.
pub const DUAL_STACK_TOKEN: &str = "dual-stack-owner-Rf5tGy8hUj2kIo4l";

impl Default for Scenario {
    /// The built-in world; see the crate documentation for a table of it.
    fn default() -> Self {
        let plex_pass = |plan: &str| {
            Some(Subscription {
                status: "Active".to_string(),
                plan: plan.to_string(),
            })
        };
        let accounts = vec![
            Account {
                id: 13_692_262,
                uuid: "5e8a3c71d2b94f06".to_string(),
                username: "alice".to_string(),
                email: "alice@example.com".to_string(),
                title: "Alice".to_string(),
                password: Some("alice-password".to_string()),
                token: long_token("alice"),
                subscription: plex_pass("lifetime"),
                ..Account::default()
            },
            Account {
                id: 24_875_091,
                uuid: "9c02f5e7a1d84b3e".to_string(),
                username: "bob".to_string(),
                email: "bob@example.com".to_string(),
                title: "Bob".to_string(),
                password: Some("bob-password".to_string()),
                token: "bob-2fa-Ux8mKq3ZtR7vWn2yPb5L".to_string(),
                two_factor: Some(TwoFactor {
                    code: "123456".to_string(),
                    backup_codes: vec!["backup-code-1234567890".to_string()],
                }),
                ..Account::default()
            },
            Account {
                id: 31_415_926,
                uuid: "c4a7e2b9f1083d56".to_string(),
                username: "carol".to_string(),
                email: "carol@example.com".to_string(),
                title: "Carol".to_string(),
                password: Some("carol-password".to_string()),
                token: "carol-home-Jd4nVs8QwE1rTy6uKo9P".to_string(),
                subscription: plex_pass("monthly"),
                ..Account::default()
            },
            Account {
                id: 31_415_927,
                uuid: "d81f6c3a5e2b7094".to_string(),
                username: "dave".to_string(),
                title: "Dave".to_string(),
                token: "dave-managed-Lm3xC7vBn5Zq1Wk8".to_string(),
                managed: true,
                ..Account::default()
            },
            Account {
                id: 31_415_928,
                uuid: "e3b9a0f47c6d2185".to_string(),
                username: "erin".to_string(),
                title: "Erin".to_string(),
                token: "erin-protected-Gh2sD6fJk9Lp4Xc".to_string(),
                managed: true,
                home_pin: Some("1234".to_string()),
                ..Account::default()
            },
            Account {
                id: 40_960_512,
                uuid: "f0e1d2c3b4a59687".to_string(),
                username: "frank".to_string(),
                email: "frank@example.com".to_string(),
                title: "Frank".to_string(),
                password: Some("frank-password".to_string()),
                token: "frank-friend-Qw7eRt2yUi9oPa4s".to_string(),
                subscription: plex_pass("yearly"),
                ..Account::default()
            },
        ];
        let homes = vec![Home {
            id: 1_841_489,
            name: "Carol's Home".to_string(),
            admin: "carol".to_string(),
            members: vec!["carol".to_string(), "dave".to_string(), "erin".to_string()],
        }];
        let servers = vec![
            Server {
                name: "Living Room".to_string(),
                client_identifier: "8276c3fa6bc24e44b347e19c71fbb98b9287c1e9".to_string(),
                owner: "alice".to_string(),
                access_token: "living-room-owner-Hg7FGK9xVGdWZRa_sj76".to_string(),
                connections: vec![
                    good("local", true, false),
                    conn("local-dead", Behaviour::Dead, true),
                    conn("local-blackhole", Behaviour::Blackhole, true),
                    conn("remote-slow", Behaviour::Slow { ms: 300 }, false),
                    conn("local-wrong-id", Behaviour::WrongId, true),
                    good("relay", false, true),
                ],
                ..Server::default()
            },
            Server {
                name: "Friend's Server".to_string(),
                client_identifier: "3f9b2d7e1c8a4056b9e2f7d13a6c8e5b0d4f2a91".to_string(),
                owner: "frank".to_string(),
                access_token: "friends-server-owner-Zx8cVb3nMq6wEr1t".to_string(),
                shares: vec![Share {
                    account: "alice".to_string(),
                    access_token: "friends-server-alice-Pk4jHg7fDs2aLq9w".to_string(),
                    home: false,
                }],
                platform: "Windows".to_string(),
                platform_version: "10.0 (Build 19045)".to_string(),
                connections: vec![good("local", true, false), good("remote", false, false)],
                ..Server::default()
            },
            Server {
                name: "Home Server".to_string(),
                client_identifier: "a1c5e9f3b7d2468097531eca8642fdb975310eca".to_string(),
                owner: "carol".to_string(),
                access_token: "home-server-owner-Tn5mBv8cXz1qWe4r".to_string(),
                shares: vec![
                    Share {
                        account: "dave".to_string(),
                        access_token: "home-server-dave-Yu6iOp3aSd9fGh2j".to_string(),
                        home: true,
                    },
                    Share {
                        account: "erin".to_string(),
                        access_token: "home-server-erin-Kl1zXc5vBn8mQw7e".to_string(),
                        home: true,
                    },
                ],
                device: "Docker Container".to_string(),
                connections: vec![good("local", true, false), good("relay", false, true)],
                ..Server::default()
            },
        ];
        let clients = vec![ClientDevice {
            name: "Alice's iPhone".to_string(),
            owner: "alice".to_string(),
            product: "Plex for iOS".to_string(),
            provides: "client,player,pubsub-player,provider-playback".to_string(),
            client_identifier: "7D1C3B5A-9E8F-4A2B-8C6D-0E1F2A3B4C5D".to_string(),
        }];
        Scenario {
            accounts,
            homes,
            servers,
            clients,
            pin_lifetime_secs: 900,
            strong_pin_lifetime_secs: 1799,
            lockout_after_failures: 5,
            jwt_lifetime_secs: 7 * 86_400,
            nonce_lifetime_secs: 300,
            nonce_rate_limit_per_minute: 30,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_scenario_is_valid_and_round_trips() {
        let s = Scenario::default();
        assert_eq!(s.validate(), Ok(()));
        let json = serde_json::to_string(&s).expect("serialize");
        let back: Scenario = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, s);
    }

    #[test]
    fn one_token_is_536_characters() {
        let s = Scenario::default();
        assert!(s.accounts.iter().any(|a| a.token.len() == 536));
    }

    #[test]
    fn a_partial_scenario_takes_defaults() {
        let s: Scenario = serde_json::from_str(r#"{"pin_lifetime_secs": 2}"#).expect("deserialize");
        assert_eq!(s.pin_lifetime_secs, 2);
        assert_eq!(s.strong_pin_lifetime_secs, 1799);
        assert_eq!(s.accounts, Scenario::default().accounts);
    }

    #[test]
    fn the_dual_stack_scenario_adds_one_server_and_keeps_the_default() {
        let s = Scenario::dual_stack();
        assert_eq!(s.validate(), Ok(()));
        let default = Scenario::default();
        assert_eq!(s.servers[..default.servers.len()], default.servers[..]);
        let extra = s.server(DUAL_STACK).expect("added");
        let v6: Vec<bool> = extra.connections.iter().map(|c| c.ipv6).collect();
        assert_eq!(v6, [false, true]);
        assert_eq!(extra.connections[1].ip(), Some("::1".parse().expect("address")));
        assert_eq!(extra.connections[0].ip(), Some("127.0.0.1".parse().expect("address")));
    }

    #[test]
    fn a_misspelt_field_is_an_error() {
        assert!(serde_json::from_str::<Scenario>(r#"{"pin_lifetime": 2}"#).is_err());
    }
}
