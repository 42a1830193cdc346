//! `plexlink_race`: the core's connection race, for hosts that bring their own HTTP stack and
//! event loop. The host sends each probe it is given, hands back the answers, and keeps the
//! time (the host's monotonic clock in milliseconds, as for `plexlink_pin_login`).

use std::ffi::c_char;
use std::time::Instant;

use plexlink_core::race::ConnectionRace;
use plexlink_core::resources::Device;
use plexlink_core::{Error, HttpRequest, HttpResponse};

use crate::config::plexlink_client_config;
use crate::connect::{ConnectResultHandle, plexlink_connect_result, plexlink_race_policy, race_policy};
use crate::error::plexlink_result;
use crate::ffi::{self, castable, try_checked, try_mut_from_ptr, try_out, try_ref_from_ptr, try_struct};
use crate::host::{self, Exchange, Finite, HostClock, Prober, machine};
use crate::panic::ffi_panic_boundary;
use crate::pin_login::{plexlink_http_header, plexlink_http_request};
use crate::resources::plexlink_device;

/// One server's connection race driven by the host: which of the device's connections answers
/// as that server, best first. Not thread-safe: call it from one thread at a time. Free with
/// `plexlink_race_free`.
///
/// The loop, repeated until `plexlink_race_is_decided`:
/// 1. `plexlink_race_poll_transmit(now)` until `PLEXLINK_RESULT_DONE`: send every probe it gives
///    (all at once, each with its own timeout of `deadline_ms - now`), and hand each answer to
///    `plexlink_race_handle_response`, or its failure to `plexlink_race_handle_failure`, with
///    the probe's candidate index, as they come.
/// 2. Sleep until an answer arrives or until `plexlink_race_poll_timeout()` (`PLEXLINK_NO_TIME`: no
///    timer), call `plexlink_race_handle_timeout(now)`, go to 1.
///
/// Then `plexlink_race_outcome` gives the chosen connection and what became of every candidate;
/// probes still in flight may be dropped, their answers are not needed.
#[derive(Debug)]
pub struct plexlink_race {
    _private: [u8; 0],
}

castable!(Box plexlink_race => RaceHandle);

/// The machine, the device it races (for the outcome) and the host's clock.
#[derive(Debug)]
pub(crate) struct RaceHandle {
    race: ConnectionRace,
    device: Device,
    clock: HostClock,
}

machine!(RaceHandle, race);

/// A race ends once decided.
impl Finite for RaceHandle {
    fn is_finished(&self) -> bool {
        self.race.is_decided()
    }
}

impl Prober for RaceHandle {
    fn next_probe(&mut self, now: Instant) -> Option<(usize, Instant, HttpRequest)> {
        self.race
            .poll_transmit(now)
            .map(|probe| (probe.candidate, probe.deadline, probe.request))
    }
}

/// A race's probes are named by their candidate's index.
impl Exchange for RaceHandle {
    type Id = usize;

    fn on_answer(&mut self, now: Instant, candidate: usize, answer: Result<HttpResponse, Error>) {
        match answer {
            Ok(response) => self.race.handle_response(now, candidate, response),
            Err(error) => self.race.handle_failure(now, candidate, error),
        }
    }
}

/// A race over the connections of `device` (copied) with `policy` (copied; pass
/// `plexlink_race_policy_default()` for the default), probing with the identity of `config`.
/// `now_ms` is the host's clock now. No I/O. Addresses are read as a stack that resolves
/// `plex.direct` names through DNS does (their labels are not trusted to decide where plain
/// http may go); `carrier_nat_is_private` is the configuration's. A device without any usable
/// connection gives a race decided at once, without a winner. On success `*race_out` is the
/// caller's. `PLEXLINK_RESULT_INVALID_PARAMETER` for an unusable policy.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_race_new(
    config: *const plexlink_client_config,
    device: *const plexlink_device,
    policy: *const plexlink_race_policy,
    now_ms: u64,
    race_out: *mut *mut plexlink_race,
) -> plexlink_result {
    ffi_panic_boundary! {
        let config = try_ref_from_ptr!(config);
        let device = try_ref_from_ptr!(device).device.clone();
        let mut policy = try_checked!(race_policy(try_struct!(policy)));
        let out = try_out!(race_out);
        policy.addresses = config.host_address_rules();
        let clock = HostClock::new(now_ms);
        let race = ConnectionRace::new(config.info.clone(), &device, policy, clock.origin());
        out.write_ok(ffi::to_box(RaceHandle { race, device, clock }))
    }
}

/// The next probe to send: `PLEXLINK_RESULT_OK` with its candidate's index in
/// `*candidate_out` (give it back with the answer; it is also the candidate's index in the
/// outcome), when the race stops waiting for it in `*deadline_ms_out` (the host's clock), and
/// the request in `*request_out` (the caller's, to free with `plexlink_http_request_free`).
/// `PLEXLINK_RESULT_DONE` when every probe is out or the race is decided (nothing written).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_race_poll_transmit(
    race: *mut plexlink_race,
    now_ms: u64,
    candidate_out: *mut usize,
    deadline_ms_out: *mut u64,
    request_out: *mut *mut plexlink_http_request,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_mut_from_ptr!(race);
        host::poll_probe(handle, now_ms, try_out!(candidate_out), try_out!(deadline_ms_out), try_out!(request_out))
    }
}

/// Hands in the answer to the probe of `candidate`: its HTTP `status`, `headers_len` headers
/// (`headers` may be NULL when `headers_len` is 0) and `body_len` bytes of body (`body` may be
/// NULL when `body_len` is 0), all borrowed for the call. An answer the race no longer waits for
/// (an unknown candidate, one settled or past its deadline, a decided race) is ignored.
/// `PLEXLINK_RESULT_INVALID_PARAMETER` for a status outside 100–999 or a header that HTTP does
/// not allow (nothing is handed in then).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_race_handle_response(
    race: *mut plexlink_race,
    now_ms: u64,
    candidate: usize,
    status: u16,
    headers: *const plexlink_http_header,
    headers_len: usize,
    body: *const u8,
    body_len: usize,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_mut_from_ptr!(race);
        // SAFETY: the answer's pointers are as this function's contract says.
        unsafe { host::answer(handle, now_ms, candidate, status, headers, headers_len, body, body_len) }
    }
}

/// The probe of `candidate` got no answer. `kind` says why, as a result code:
/// `PLEXLINK_RESULT_NETWORK`, `_DNS`, `_CONNECT`, `_TLS` or `_REQUEST_TIMEOUT` (the probe's own
/// timeout: the candidate counts as timed out); `message` (copied; never put a token in it)
/// describes it. Ignored like a late answer. Any other `kind`: `PLEXLINK_RESULT_INVALID_PARAMETER`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_race_handle_failure(
    race: *mut plexlink_race,
    now_ms: u64,
    candidate: usize,
    kind: u32,
    message: *const c_char,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_mut_from_ptr!(race);
        // SAFETY: `message` is as this function's contract says.
        unsafe { host::failure(handle, now_ms, candidate, kind, message) }
    }
}

/// When to call `plexlink_race_handle_timeout` next, on the host's clock: the earliest probe
/// deadline or the end of the grace window. `PLEXLINK_NO_TIME` when there is no timer: once decided,
/// and while no probe is out yet. `PLEXLINK_NO_TIME` for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_race_poll_timeout(race: *const plexlink_race) -> u64 {
    ffi_panic_boundary! {
        // SAFETY: `race` is as this function's contract says.
        unsafe { host::poll_timeout(race) }
    }
}

/// Applies the timers due by `now_ms`: probes past their deadline time out, and the end of the
/// grace window decides the race.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_race_handle_timeout(race: *mut plexlink_race, now_ms: u64) -> plexlink_result {
    ffi_panic_boundary! { host::handle_timeout(try_mut_from_ptr!(race), now_ms) }
}

/// True once the race has chosen, or found that no candidate answers as the server. True for
/// NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_race_is_decided(race: *const plexlink_race) -> bool {
    ffi_panic_boundary! {
        // SAFETY: `race` is as this function's contract says.
        unsafe { host::is_finished(race) }
    }
}

/// How the race ended, once decided: `PLEXLINK_RESULT_OK` with `*result_out` (the caller's, to
/// free with `plexlink_connect_result_free`), read as the result of a blocking connect:
/// `plexlink_connect_result_uri` is the connection to use, or NULL when no candidate answered
/// as the server, and the candidates (in the order of their indexes) and skipped connections
/// say what became of each. `PLEXLINK_RESULT_PENDING` until the race is decided (nothing
/// written).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_race_outcome(
    race: *const plexlink_race,
    result_out: *mut *mut plexlink_connect_result,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_ref_from_ptr!(race);
        let out = try_out!(result_out);
        let result = handle.race.outcome().map(|outcome| {
            ffi::to_box(ConnectResultHandle::from_race(handle.device.clone(), outcome, outcome.elapsed))
        });
        out.write_or(result, plexlink_result::Pending)
    }
}

/// Frees a race (probes still in flight need no answer). NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_race_free(race: *mut plexlink_race) {
    ffi_panic_boundary! {
        // SAFETY: `race` is NULL or a live race that C gives up (this function's contract).
        unsafe { ffi::free_box(race) }
    }
}
