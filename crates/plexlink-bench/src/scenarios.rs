//! The emulated worlds of the benchmark, one per case. Every server belongs to `alice` of the
//! built-in scenario, and every connection is an https plex.direct one, as plex.tv lists them
//! with `includeHttps=1`. 127.0.0.1 plays the LAN, 127.0.0.2 a public address, 127.0.0.3 a relay.

use plexlink_emulator::{Behaviour, Connection, Scenario, Server};

/// The account that owns every benchmark server (and approves the PINs).
pub const OWNER: &str = "alice";
/// The LAN address: the one a router with DNS-rebinding protection refuses names for.
pub const LAN: &str = "127.0.0.1";
const PUBLIC: &str = "127.0.0.2";
const RELAY: &str = "127.0.0.3";

pub const BLACKHOLE_SERVER: &str = "Black-holed Box";
pub const HOME_SERVER: &str = "Home Box";
pub const SLOW_SERVER: &str = "Slow NAS";
/// The kept-connection case's servers (issue 12): see [`kept`].
pub const WARM_SERVER: &str = "Warm Box";
pub const KEPT_SERVER: &str = "Kept Box";
pub const RECHECK_SERVER: &str = "Recheck Box";
pub const BEST_SERVER: &str = "Best Box";

fn https(name: &str, behaviour: Behaviour, local: bool, address: &str) -> Connection {
    Connection {
        https: true,
        address: address.into(),
        ..Connection::new(name, behaviour, local)
    }
}

fn lan(name: &str, behaviour: Behaviour) -> Connection {
    https(name, behaviour, true, LAN)
}

fn remote(name: &str, behaviour: Behaviour) -> Connection {
    https(name, behaviour, false, PUBLIC)
}

fn relay(name: &str, behaviour: Behaviour) -> Connection {
    Connection {
        relay: true,
        ..https(name, behaviour, false, RELAY)
    }
}

fn server(case: u32, index: usize, name: String, connections: Vec<Connection>) -> Server {
    Server {
        name,
        client_identifier: format!("{case:08x}{index:032x}"),
        owner: OWNER.into(),
        access_token: format!("bench-{case}-{index}-server-token"),
        connections,
        ..Server::default()
    }
}

fn world(servers: Vec<Server>) -> Scenario {
    Scenario {
        servers,
        ..Scenario::default()
    }
}

/// One good LAN connection beside two dead and one black-holed, the bad ones listed first
/// (a Docker bridge address often is).
pub fn blackhole() -> Scenario {
    world(vec![server(
        1,
        0,
        BLACKHOLE_SERVER.into(),
        vec![
            lan("blackhole", Behaviour::Blackhole),
            lan("dead-1", Behaviour::Dead),
            lan("dead-2", Behaviour::Dead),
            lan("good", Behaviour::Good),
        ],
    )])
}

/// At home: the LAN connection (whose name the router refuses), a remote and a relay, all up.
pub fn at_home() -> Scenario {
    world(vec![server(
        2,
        0,
        HOME_SERVER.into(),
        vec![
            lan("lan", Behaviour::Good),
            remote("remote", Behaviour::Good),
            relay("relay", Behaviour::Good),
        ],
    )])
}

/// A LAN server that answers in 300 ms and a relay that answers in 5 ms.
pub fn slow_local() -> Scenario {
    world(vec![server(
        3,
        0,
        SLOW_SERVER.into(),
        vec![
            lan("lan", Behaviour::Slow { ms: 300 }),
            relay("relay", Behaviour::Slow { ms: 5 }),
        ],
    )])
}

/// The kept-connection case, four servers on one emulator (plex.tv taken down last):
///
/// - [`WARM_SERVER`]: its LAN connection, ranked first, black-holes and the remote one answers,
///   so a cold race waits out its grace window for the LAN (a better tier) after the remote's
///   answer, where a warm start from the remote is taken at its answer;
/// - [`KEPT_SERVER`]: LAN and remote, both up; the case turns the LAN dead and back
///   (failover, move up) and connects to it from a snapshot while plex.tv is down;
/// - [`RECHECK_SERVER`]: settled on the remote, with two LAN candidates the emulator counts but
///   that never win: another box on the LAN address (a wrong identity: a request the emulator
///   counts, answered at once) and a black-holed one (a TCP connection it counts, never
///   answered: each recheck then lasts a probe timeout). A relay, worse, is never rechecked;
/// - [`BEST_SERVER`]: LAN, remote and relay up; on the LAN, the best tier, nothing is rechecked.
pub fn kept() -> Scenario {
    world(vec![
        server(
            7,
            0,
            WARM_SERVER.into(),
            vec![lan("lan", Behaviour::Blackhole), remote("remote", Behaviour::Good)],
        ),
        server(
            7,
            1,
            KEPT_SERVER.into(),
            vec![lan("lan", Behaviour::Good), remote("remote", Behaviour::Good)],
        ),
        server(
            7,
            2,
            RECHECK_SERVER.into(),
            vec![
                lan("lan-other-box", Behaviour::WrongId),
                lan("lan-blackhole", Behaviour::Blackhole),
                remote("remote", Behaviour::Good),
                relay("relay", Behaviour::Good),
            ],
        ),
        server(
            7,
            3,
            BEST_SERVER.into(),
            vec![
                lan("lan", Behaviour::Good),
                remote("remote", Behaviour::Good),
                relay("relay", Behaviour::Good),
            ],
        ),
    ])
}

/// `count` servers of four connections each: a good LAN one, a dead LAN one, a remote and a
/// relay.
pub fn fleet(count: usize) -> Scenario {
    world(
        (0..count)
            .map(|i| {
                let connections = vec![
                    lan("lan", Behaviour::Good),
                    lan("lan-old", Behaviour::Dead),
                    remote("remote", Behaviour::Good),
                    relay("relay", Behaviour::Good),
                ];
                server(4, i, format!("Fleet {:02}", i + 1), connections)
            })
            .collect(),
    )
}

/// Connections of each server of [`crowd`]: one good LAN connection and seven refused ones.
pub const CROWD_CONNECTIONS: usize = 8;

/// `count` servers of [`CROWD_CONNECTIONS`] connections each: seven dead LAN ones (an old
/// address, a Docker bridge, ...), listed first, then the good LAN one. Dead, not black-holed:
/// python-plexapi would wait its 30 s timeout on each server for a black-holed one.
pub fn crowd(count: usize) -> Scenario {
    world(
        (0..count)
            .map(|i| {
                let mut connections: Vec<Connection> = (1..CROWD_CONNECTIONS)
                    .map(|d| lan(&format!("dead-{d}"), Behaviour::Dead))
                    .collect();
                connections.push(lan("good", Behaviour::Good));
                server(6, i, format!("Crowd {:03}", i + 1), connections)
            })
            .collect(),
    )
}

/// `count` servers of three connections each, for parsing only: nothing listens (a dead
/// connection is one bound socket, the cheapest there is).
pub fn library(count: usize) -> Scenario {
    world(
        (0..count)
            .map(|i| {
                let connections = vec![
                    lan("lan", Behaviour::Dead),
                    remote("remote", Behaviour::Dead),
                    relay("relay", Behaviour::Dead),
                ];
                server(5, i, format!("Library {:03}", i + 1), connections)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_world_is_valid() {
        for scenario in [
            blackhole(),
            at_home(),
            slow_local(),
            fleet(20),
            crowd(200),
            library(500),
            kept(),
        ] {
            assert_eq!(scenario.validate(), Ok(()));
        }
    }
}
