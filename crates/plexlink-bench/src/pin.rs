//! The PIN login: how long after the approval the token arrives, how often the PIN is checked
//! while waiting, and over how many TCP connections.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use plexlink::{Client, WaitOptions};
use plexlink_emulator::Emulator;

use crate::scenarios::OWNER;

/// One login.
#[derive(Debug, Clone)]
pub struct PinRound {
    /// From the approval to the token in the program's hands.
    pub to_token: Duration,
    /// TCP connections to plex.tv, the PIN's creation included.
    pub tcp_connections: u64,
    /// When the PIN was checked, in ms since the round began (the emulator's log).
    pub checks: Vec<u64>,
}

/// The PIN checks the emulator logged since its counters were last reset.
pub fn checks_of(emu: &Emulator) -> Vec<u64> {
    emu.requests()
        .into_iter()
        .filter(|r| r.listener == "plex.tv" && r.request == "GET /api/v2/pins/{id}")
        .map(|r| r.at_ms)
        .collect()
}

/// The approval's delay in round `round`: `base` plus a fraction of a second that walks
/// through the poll interval (the golden ratio's), the same for both libraries.
pub fn delay(base: Duration, round: usize) -> Duration {
    let phase = (round as f64 * 0.618_034).fract();
    base + Duration::from_secs_f64(phase)
}

/// plexlink's `wait_for_token`, one fresh client (a program that starts) per round.
pub fn plexlink_rounds(
    emu: &Emulator,
    client_for: impl Fn() -> Result<Client, String>,
    rounds: usize,
    delay: impl Fn(usize) -> Duration,
) -> Result<Vec<PinRound>, String> {
    let mut results = Vec::new();
    for round in 0..rounds {
        emu.reset_counters();
        let client = client_for()?;
        let pin = client.create_pin(false).map_err(|e| e.to_string())?;
        let (done, arrived) = mpsc::channel();
        let waiter = {
            let (client, pin) = (client.clone(), pin.clone());
            std::thread::spawn(move || {
                let token = client.wait_for_token(&pin, WaitOptions::default());
                let _ = done.send((token.is_ok(), Instant::now()));
            })
        };
        std::thread::sleep(delay(round));
        let approved = Instant::now();
        emu.approve_pin(pin.id, OWNER).map_err(|e| e.to_string())?;
        let (ok, token_at) = arrived
            .recv_timeout(Duration::from_secs(30))
            .map_err(|_| "no token 30 s after the approval".to_string())?;
        let _ = waiter.join();
        if !ok {
            return Err("wait_for_token failed".into());
        }
        results.push(PinRound {
            to_token: token_at.saturating_duration_since(approved),
            tcp_connections: emu.counters().plextv.tcp_connections,
            checks: checks_of(emu),
        });
    }
    Ok(results)
}

/// What the rounds add up to.
#[derive(Debug, Clone)]
pub struct PinSummary {
    pub to_token: Vec<Duration>,
    /// Checks per minute of waiting: the gaps between checks over the time they span.
    pub per_minute: f64,
    /// The shortest gap between two checks of one PIN.
    pub shortest_gap: Duration,
    /// The most TCP connections one login used.
    pub most_connections: u64,
}

pub fn summarize(rounds: &[PinRound]) -> PinSummary {
    let (mut gaps, mut span_ms, mut shortest) = (0u64, 0u64, u64::MAX);
    for round in rounds {
        for pair in round.checks.windows(2) {
            let gap = pair[1].saturating_sub(pair[0]);
            gaps += 1;
            span_ms += gap;
            shortest = shortest.min(gap);
        }
    }
    PinSummary {
        to_token: rounds.iter().map(|r| r.to_token).collect(),
        per_minute: if span_ms == 0 {
            0.0
        } else {
            gaps as f64 * 60_000.0 / span_ms as f64
        },
        shortest_gap: Duration::from_millis(if shortest == u64::MAX { 0 } else { shortest }),
        most_connections: rounds.iter().map(|r| r.tcp_connections).max().unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_walk_through_the_interval() {
        let base = Duration::from_secs(2);
        let delays: Vec<Duration> = (0..5).map(|r| delay(base, r)).collect();
        assert_eq!(delays[0], base);
        assert!(delays.iter().all(|d| *d >= base && *d < base + Duration::from_secs(1)));
    }

    #[test]
    fn rates_come_from_the_gaps() {
        let round = |checks: Vec<u64>| PinRound {
            to_token: Duration::ZERO,
            tcp_connections: 1,
            checks,
        };
        let summary = summarize(&[round(vec![0, 1000, 2000]), round(vec![5, 1005])]);
        assert_eq!(summary.per_minute, 60.0);
        assert_eq!(summary.shortest_gap, Duration::from_secs(1));
        assert_eq!(summary.most_connections, 1);
    }
}
