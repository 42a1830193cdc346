//! The kept connection (docs/protocol.md §3.7): what its two C faces share (the policy, the
//! events, the current connection), and `plexlink_kept`, the core's machine for hosts that bring
//! their own HTTP stack and event loop, driven like `plexlink_race` (probes with ids, the host's
//! monotonic clock in milliseconds). The blocking face is [`kept_server`](crate::kept_server).

use std::collections::HashMap;
use std::ffi::c_char;
use std::time::{Duration, Instant};

use plexlink_core::kept::{KeepPolicy, KeptConnection, KeptEvent, ProbeId, Reason};
use plexlink_core::race::{Candidate, RaceOutcome};
use plexlink_core::resources::Device;
use plexlink_core::{Error, HttpRequest, HttpResponse};

use crate::config::plexlink_client_config;
use crate::connect::{
    self, ConnectResultHandle, plexlink_connect_result, plexlink_race_policy, plexlink_race_policy_default,
    plexlink_tier, race_policy,
};
use crate::error::{self, ErrorInfo, plexlink_result};
use crate::ffi::{
    self, CText, OutParam, c_string, castable, millis, opt_ptr, owned_string, try_checked, try_mut_from_ptr,
    try_opt_str, try_out, try_ref_from_ptr, try_struct,
};
use crate::host::{self, Exchange, HostClock, Machine, Prober, Reporter};
use crate::panic::ffi_panic_boundary;
use crate::pin_login::{plexlink_http_header, plexlink_http_request};
use crate::resources::plexlink_device;

// --- the policy --------------------------------------------------------------------------------

/// How a kept connection keeps its connection (`plexlink_client_keep`, `plexlink_kept_new`).
/// Start from `plexlink_keep_policy_default()` and change what you need. Every time is in
/// milliseconds, more than 0 and at most a day.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct plexlink_keep_policy {
    /// How every race probes and chooses, as `plexlink_client_connect_with` takes it.
    pub race: plexlink_race_policy,
    /// How long a start with a last good connection probes it alone before racing every
    /// connection (default 300).
    pub warm_window_ms: u64,
    /// Time between rechecks of the better tiers while on a worse one (default 60000); doubles
    /// after each recheck that finds nothing, up to `recheck_max_ms`, and starts again after a
    /// change. A recheck sends one probe per better connection; on the best tier none is sent.
    pub recheck_interval_ms: u64,
    /// The longest time between rechecks (default 240000).
    pub recheck_max_ms: u64,
    /// The longest wait before racing again while no connection works (default 60000; the wait
    /// starts at one second and doubles).
    pub retry_max_ms: u64,
}

/// The recommended policy: the default race (`plexlink_race_policy_default()`), a 300 ms warm
/// window, rechecks every minute backing off to 4 minutes, retries backing off to a minute.
#[unsafe(no_mangle)]
pub extern "C" fn plexlink_keep_policy_default() -> plexlink_keep_policy {
    ffi_panic_boundary! {
        let core = KeepPolicy::default();
        plexlink_keep_policy {
            race: plexlink_race_policy_default(),
            warm_window_ms: millis(core.warm_window),
            recheck_interval_ms: millis(core.recheck_interval),
            recheck_max_ms: millis(core.recheck_max),
            retry_max_ms: millis(core.retry_max),
        }
    }
}

/// The core's policy from the C struct, or `PLEXLINK_RESULT_INVALID_PARAMETER` for an unusable
/// field (the last error names it).
pub(crate) fn keep_policy(policy: &plexlink_keep_policy) -> Result<KeepPolicy, plexlink_result> {
    let ms = Duration::from_millis;
    let policy = KeepPolicy {
        race: race_policy(&policy.race)?,
        warm_window: ms(policy.warm_window_ms),
        recheck_interval: ms(policy.recheck_interval_ms),
        recheck_max: ms(policy.recheck_max_ms),
        retry_max: ms(policy.retry_max_ms),
    };
    policy.validate().map_err(|e| error::fail(&e))?;
    Ok(policy)
}

// --- the events --------------------------------------------------------------------------------

/// What a kept connection reports.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum plexlink_kept_event_kind {
    /// The connection to use is now `plexlink_kept_event_new_uri` (the one before:
    /// `plexlink_kept_event_old_uri`, NULL at the start and after a loss).
    Changed = 0,
    /// No connection answered as the server: there is none to use until a later race finds one
    /// (the kept connection keeps trying, backing off, and reports `CHANGED` with
    /// `PLEXLINK_KEPT_REASON_RECOVERED` then).
    Lost = 1,
}

/// Why a kept connection changed (or was lost). `plexlink_kept_event_why_name` gives the same
/// as a stable name.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum plexlink_kept_reason {
    /// The first race chose it ("started").
    Started = 0,
    /// The last good connection answered within the warm window ("warm_start").
    WarmStart = 1,
    /// A failure was reported, and a new race chose another connection ("failover").
    Failover = 2,
    /// A recheck found a better tier answering ("moved_up").
    MovedUp = 3,
    /// The network changed, and a new race chose another connection ("network_changed").
    NetworkChanged = 4,
    /// No connection worked for a while; now one does ("recovered").
    Recovered = 5,
    /// A reason this version has no code for (its name says it).
    Other = 99,
}

/// A change of a kept connection. From `plexlink_kept_poll_event` it is the caller's, to free
/// with `plexlink_kept_event_free`; given to a `plexlink_kept_event_cb` it is lent for the call.
/// Immutable; what it lends is valid while it lives.
#[derive(Debug)]
pub struct plexlink_kept_event {
    _private: [u8; 0],
}

castable!(Box plexlink_kept_event => KeptEventHandle);

/// An event and its strings, ready for C.
#[derive(Debug)]
pub(crate) struct KeptEventHandle {
    kind: plexlink_kept_event_kind,
    why: plexlink_kept_reason,
    why_name: CText,
    old_uri: Option<CText>,
    new_uri: Option<CText>,
    new_tier: plexlink_tier,
    outcome: ConnectResultHandle,
}

impl KeptEventHandle {
    /// The event for C; `None` for a kind this version does not know. `device` is the server
    /// kept, for the race's outcome.
    pub(crate) fn new(event: &KeptEvent, device: &Device) -> Option<Self> {
        let uri = |c: &Option<Candidate>| c.as_ref().map(|c| c_string(&c.uri));
        let (kind, old, new, why, outcome) = match event {
            KeptEvent::Changed { old, new, why, outcome } => {
                (plexlink_kept_event_kind::Changed, old, Some(new), why, outcome)
            }
            KeptEvent::Lost { old, why, outcome } => (plexlink_kept_event_kind::Lost, old, None, why, outcome),
            _ => return None,
        };
        Some(Self {
            kind,
            why: reason(*why),
            why_name: c_string(why.as_str()),
            old_uri: uri(old),
            new_uri: new.map(|c| c_string(&c.uri)),
            new_tier: new.map_or(plexlink_tier::Local, |c| connect::tier(c.tier)),
            outcome: race_result(device, outcome),
        })
    }
}

fn reason(why: Reason) -> plexlink_kept_reason {
    match why {
        Reason::Started => plexlink_kept_reason::Started,
        Reason::WarmStart => plexlink_kept_reason::WarmStart,
        Reason::Failover => plexlink_kept_reason::Failover,
        Reason::MovedUp => plexlink_kept_reason::MovedUp,
        Reason::NetworkChanged => plexlink_kept_reason::NetworkChanged,
        Reason::Recovered => plexlink_kept_reason::Recovered,
        _ => plexlink_kept_reason::Other,
    }
}

/// A race of the kept connection as C reads a connect's result.
fn race_result(device: &Device, outcome: &RaceOutcome) -> ConnectResultHandle {
    ConnectResultHandle::from_race(device.clone(), outcome, outcome.elapsed)
}

/// What a kept connection is on: the current connection (if any), the outcome of the last race
/// that ended (none before the first decision), and the server.
pub(crate) struct KeptState<'a> {
    pub(crate) current: Option<&'a Candidate>,
    pub(crate) outcome: Option<&'a RaceOutcome>,
    pub(crate) device: &'a Device,
}

impl KeptState<'_> {
    /// `plexlink_kept_current` and `plexlink_kept_server_current`: the URI (an owned copy) and
    /// the tier; `PLEXLINK_RESULT_PENDING` before the first decision, and
    /// `PLEXLINK_RESULT_NO_CONNECTION` while none works, whose last error keeps the last race.
    pub(crate) fn write_current(
        &self,
        uri_out: OutParam<'_, *mut c_char>,
        tier_out: OutParam<'_, plexlink_tier>,
    ) -> plexlink_result {
        match (self.current, self.outcome) {
            (Some(current), _) => {
                uri_out.write(owned_string(&current.uri));
                tier_out.write(connect::tier(current.tier));
                plexlink_result::Ok
            }
            (None, None) => plexlink_result::Pending,
            (None, Some(outcome)) => {
                let error = Error::NoConnection {
                    server: self.device.name.clone(),
                    race: Some(Box::new(outcome.clone())),
                };
                let race = race_result(self.device, outcome);
                ErrorInfo::from_error(&error).with_race(race).set_last()
            }
        }
    }

    /// `plexlink_kept_last_outcome` and `plexlink_kept_server_last_outcome`: an owned copy of
    /// the last race; `PLEXLINK_RESULT_PENDING` before the first decision.
    pub(crate) fn write_outcome(&self, result_out: OutParam<'_, *mut plexlink_connect_result>) -> plexlink_result {
        match self.outcome {
            Some(outcome) => {
                result_out.write(ffi::to_box(race_result(self.device, outcome)));
                plexlink_result::Ok
            }
            None => plexlink_result::Pending,
        }
    }
}

/// What happened. `PLEXLINK_KEPT_EVENT_KIND_LOST` for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_event_get_kind(event: *const plexlink_kept_event) -> plexlink_kept_event_kind {
    ffi_panic_boundary! {
        // SAFETY: `event` is NULL or a live event (this function's contract).
        unsafe { ffi::try_from(event) }.map_or(plexlink_kept_event_kind::Lost, |e| e.kind)
    }
}

/// Why. `PLEXLINK_KEPT_REASON_OTHER` for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_event_why(event: *const plexlink_kept_event) -> plexlink_kept_reason {
    ffi_panic_boundary! {
        // SAFETY: `event` is NULL or a live event (this function's contract).
        unsafe { ffi::try_from(event) }.map_or(plexlink_kept_reason::Other, |e| e.why)
    }
}

/// Why, as a stable name for programs and logs: "started", "warm_start", "failover",
/// "moved_up", "network_changed", "recovered" (a later version may add names). Lent: valid
/// while `event` lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_event_why_name(event: *const plexlink_kept_event) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(event).why_name.as_ptr() }
}

/// The URI of the connection before the change (or the loss); NULL when there was none (at the
/// start, after a loss), and for NULL. Lent: valid while `event` lives.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_event_old_uri(event: *const plexlink_kept_event) -> *const c_char {
    ffi_panic_boundary! { opt_ptr(&try_ref_from_ptr!(event).old_uri) }
}

/// The URI to use from now on, for a `CHANGED` event (save it for the next start's last good
/// URI); NULL for `LOST`, and for NULL. Lent: valid while `event` lives.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_event_new_uri(event: *const plexlink_kept_event) -> *const c_char {
    ffi_panic_boundary! { opt_ptr(&try_ref_from_ptr!(event).new_uri) }
}

/// The tier of the new connection, for a `CHANGED` event. `PLEXLINK_TIER_LOCAL` for `LOST` and
/// for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_event_new_tier(event: *const plexlink_kept_event) -> plexlink_tier {
    ffi_panic_boundary! {
        // SAFETY: `event` is NULL or a live event (this function's contract).
        unsafe { ffi::try_from(event) }.map_or(plexlink_tier::Local, |e| e.new_tier)
    }
}

/// The race that made the change, read as a connect's result: the winner's URI (NULL for
/// `LOST`), and what became of each candidate. A recheck races only the better tiers, so its
/// candidates are those alone. Lent: valid while `event` lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_event_outcome(
    event: *const plexlink_kept_event,
) -> *const plexlink_connect_result {
    ffi_panic_boundary! { ffi::lend(&try_ref_from_ptr!(event).outcome) }
}

/// Frees an event from `plexlink_kept_poll_event` (never one lent to a callback). NULL is fine;
/// must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_event_free(event: *mut plexlink_kept_event) {
    ffi_panic_boundary! {
        // SAFETY: `event` is NULL or a live event that C gives up (this function's contract).
        unsafe { ffi::free_box(event) }
    }
}

// --- plexlink_kept: the sans-IO machine ----------------------------------------------------------

/// One server's connection kept right by the host: a race that never ends. Not thread-safe:
/// call it from one thread at a time. Free with `plexlink_kept_free`.
///
/// The loop, for as long as the app uses the server:
/// 1. `plexlink_kept_poll_transmit(now)` until `PLEXLINK_RESULT_DONE`: send every probe it gives
///    (all at once, each with its own timeout of `deadline_ms - now`), and hand each answer to
///    `plexlink_kept_handle_response`, or its failure to `plexlink_kept_handle_failure`, with
///    the probe's id, as they come.
/// 2. `plexlink_kept_poll_event` until `PLEXLINK_RESULT_DONE`: each change of the connection to
///    use.
/// 3. Sleep until an answer arrives, until `plexlink_kept_poll_timeout()` (`PLEXLINK_NO_TIME`: no
///    timer, only an answer or the app moves it on), or until the app reports something, call
///    `plexlink_kept_handle_timeout(now)`, go to 1.
///
/// When a request of the app to the current connection fails at the transport level, call
/// `plexlink_kept_report_failure`; when the network changes (another Wi-Fi, a VPN, a wake from
/// sleep), `plexlink_kept_network_changed`; then go to 1. `plexlink_kept_current` gives the
/// connection to use at any time.
#[derive(Debug)]
pub struct plexlink_kept {
    _private: [u8; 0],
}

castable!(Box plexlink_kept => KeptHandle);

/// The machine, the host's clock, and the probes out.
#[derive(Debug)]
pub(crate) struct KeptHandle {
    kept: KeptConnection,
    clock: HostClock,
    /// C's id of each probe out → the core's id, and when the machine stops waiting for it
    /// (then its answer is not needed, and the id is forgotten).
    probes: HashMap<u64, (ProbeId, Instant)>,
    /// The id of the next probe: ids are never reused, so a late answer cannot be taken for
    /// another probe's.
    next_probe: u64,
}

impl KeptHandle {
    fn state(&self) -> KeptState<'_> {
        KeptState {
            current: self.kept.current(),
            outcome: self.kept.last_outcome(),
            device: self.kept.device(),
        }
    }
}

impl Machine for KeptHandle {
    fn clock(&self) -> &HostClock {
        &self.clock
    }

    fn timer(&self) -> Option<Instant> {
        self.kept.poll_timeout()
    }

    fn on_timeout(&mut self, now: Instant) {
        self.kept.handle_timeout(now);
        // The machine has timed out every probe past its deadline: their answers would be ignored.
        self.probes.retain(|_, (_, deadline)| *deadline > now);
    }
}

impl Reporter for KeptHandle {
    type Event = KeptEvent;
    type C = plexlink_kept_event;

    fn next_event(&mut self) -> Option<KeptEvent> {
        self.kept.poll_event()
    }

    fn for_c(&self, event: KeptEvent) -> Option<KeptEventHandle> {
        KeptEventHandle::new(&event, self.kept.device())
    }
}

impl Prober for KeptHandle {
    fn next_probe(&mut self, now: Instant) -> Option<(u64, Instant, HttpRequest)> {
        let probe = self.kept.poll_transmit(now)?;
        let id = self.next_probe;
        self.next_probe += 1;
        self.probes.insert(id, (probe.id, probe.deadline));
        Some((id, probe.deadline, probe.request))
    }
}

/// C gets a number of its own for each probe: the core's ids are opaque.
impl Exchange for KeptHandle {
    type Id = u64;

    fn on_answer(&mut self, now: Instant, id: u64, answer: Result<HttpResponse, Error>) {
        let Some((probe, _)) = self.probes.remove(&id) else {
            return;
        };
        match answer {
            Ok(response) => self.kept.handle_response(now, probe, response),
            Err(error) => self.kept.handle_failure(now, probe, error),
        }
    }
}

/// Starts keeping the connection of `device` (copied) with `policy` (copied; pass
/// `plexlink_keep_policy_default()` for the default), probing with the identity of `config`.
/// `last_good` may be NULL: the URI of the connection that worked last (saved by the app from an
/// earlier run) is probed first, alone, for the warm window, and taken as soon as it answers; a
/// URI that is not among the device's connections any more is ignored. `now_ms` is the host's
/// clock now. Addresses are read as `plexlink_race_new` reads them. No I/O. On success
/// `*kept_out` is the caller's. `PLEXLINK_RESULT_INVALID_PARAMETER` for an unusable policy.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_new(
    config: *const plexlink_client_config,
    device: *const plexlink_device,
    policy: *const plexlink_keep_policy,
    last_good: *const c_char,
    now_ms: u64,
    kept_out: *mut *mut plexlink_kept,
) -> plexlink_result {
    ffi_panic_boundary! {
        let config = try_ref_from_ptr!(config);
        let device = try_ref_from_ptr!(device).device.clone();
        let mut policy = try_checked!(keep_policy(try_struct!(policy)));
        let last_good = try_opt_str!(last_good);
        let out = try_out!(kept_out);
        policy.race.addresses = config.host_address_rules();
        let clock = HostClock::new(now_ms);
        let kept = KeptConnection::new(config.info.clone(), device, policy, last_good, clock.origin());
        out.write_ok(ffi::to_box(KeptHandle { kept, clock, probes: HashMap::new(), next_probe: 1 }))
    }
}

/// The next probe to send: `PLEXLINK_RESULT_OK` with its id in `*probe_out` (give it back with
/// the answer), when the machine stops waiting for it in `*deadline_ms_out` (the host's clock),
/// and the request in `*request_out` (the caller's, to free with `plexlink_http_request_free`).
/// `PLEXLINK_RESULT_DONE` when no probe is due now (nothing written).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_poll_transmit(
    kept: *mut plexlink_kept,
    now_ms: u64,
    probe_out: *mut u64,
    deadline_ms_out: *mut u64,
    request_out: *mut *mut plexlink_http_request,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_mut_from_ptr!(kept);
        host::poll_probe(handle, now_ms, try_out!(probe_out), try_out!(deadline_ms_out), try_out!(request_out))
    }
}

/// Hands in the answer to probe `probe`: its HTTP `status`, `headers_len` headers (`headers`
/// may be NULL when `headers_len` is 0) and `body_len` bytes of body (`body` may be NULL when
/// `body_len` is 0), all borrowed for the call. An answer the machine no longer waits for (an
/// unknown id, a probe past its deadline or of a race that has ended) is ignored.
/// `PLEXLINK_RESULT_INVALID_PARAMETER` for a status outside 100–999 or a header that HTTP does
/// not allow (nothing is handed in then).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_handle_response(
    kept: *mut plexlink_kept,
    now_ms: u64,
    probe: u64,
    status: u16,
    headers: *const plexlink_http_header,
    headers_len: usize,
    body: *const u8,
    body_len: usize,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_mut_from_ptr!(kept);
        // SAFETY: the answer's pointers are as this function's contract says.
        unsafe { host::answer(handle, now_ms, probe, status, headers, headers_len, body, body_len) }
    }
}

/// Probe `probe` got no answer, as `plexlink_race_handle_failure` takes it (`kind` one of
/// `PLEXLINK_RESULT_NETWORK`, `_DNS`, `_CONNECT`, `_TLS`, `_REQUEST_TIMEOUT`; `message` copied,
/// never put a token in it). Ignored like a late answer. Any other `kind`:
/// `PLEXLINK_RESULT_INVALID_PARAMETER`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_handle_failure(
    kept: *mut plexlink_kept,
    now_ms: u64,
    probe: u64,
    kind: u32,
    message: *const c_char,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_mut_from_ptr!(kept);
        // SAFETY: `message` is as this function's contract says.
        unsafe { host::failure(handle, now_ms, probe, kind, message) }
    }
}

/// When to call `plexlink_kept_handle_timeout` next, on the host's clock: a probe's deadline,
/// the end of a grace or warm window, the next recheck of the better tiers, the next try while
/// no connection works. `PLEXLINK_NO_TIME` when there is no timer: on the best tier, with nothing out
/// (only a report of the app moves it on). `PLEXLINK_NO_TIME` for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_poll_timeout(kept: *const plexlink_kept) -> u64 {
    ffi_panic_boundary! {
        // SAFETY: `kept` is as this function's contract says.
        unsafe { host::poll_timeout(kept) }
    }
}

/// Applies the timers due by `now_ms`: probes past their deadline time out, races are decided,
/// rechecks and retries start (then `plexlink_kept_poll_transmit` gives their probes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_handle_timeout(kept: *mut plexlink_kept, now_ms: u64) -> plexlink_result {
    ffi_panic_boundary! { host::handle_timeout(try_mut_from_ptr!(kept), now_ms) }
}

/// The next change, oldest first: `PLEXLINK_RESULT_OK` with `*event_out` (the caller's, to free
/// with `plexlink_kept_event_free`), or `PLEXLINK_RESULT_DONE` when there is none (nothing
/// written).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_poll_event(
    kept: *mut plexlink_kept,
    event_out: *mut *mut plexlink_kept_event,
) -> plexlink_result {
    ffi_panic_boundary! { host::poll_event(try_mut_from_ptr!(kept), try_out!(event_out)) }
}

/// A request of the app to the current connection failed at the transport level (no answer),
/// at the host's `now_ms`: every connection is raced again (a `CHANGED` event with
/// `PLEXLINK_KEPT_REASON_FAILOVER` when another one wins). Reports while a race runs start
/// nothing more. Poll for probes next.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_report_failure(kept: *mut plexlink_kept, now_ms: u64) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_mut_from_ptr!(kept);
        let now = handle.clock.at(now_ms);
        handle.kept.report_failure(now);
        plexlink_result::Ok
    }
}

/// The network changed (another Wi-Fi, a VPN, a wake from sleep), at the host's `now_ms`:
/// every connection is raced now, and rechecks start again at the first interval. Poll for
/// probes next.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_network_changed(kept: *mut plexlink_kept, now_ms: u64) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_mut_from_ptr!(kept);
        let now = handle.clock.at(now_ms);
        handle.kept.network_changed(now);
        plexlink_result::Ok
    }
}

/// The connection to use now: `PLEXLINK_RESULT_OK` with its URI in `*uri_out` (owned: free it
/// with `plexlink_string_free`) and its tier in `*tier_out`. `PLEXLINK_RESULT_PENDING` before
/// the first race (or the warm start) has decided, and `PLEXLINK_RESULT_NO_CONNECTION` while no
/// connection works: then the last race is the calling thread's last error
/// (`plexlink_last_error_connect_result` says what became of each connection). Nothing is
/// written unless `PLEXLINK_RESULT_OK`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_current(
    kept: *const plexlink_kept,
    uri_out: *mut *mut c_char,
    tier_out: *mut plexlink_tier,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_ref_from_ptr!(kept);
        handle.state().write_current(try_out!(uri_out), try_out!(tier_out))
    }
}

/// The last race that ended (the first, a failover, a recheck, ...), read as a connect's
/// result: `PLEXLINK_RESULT_OK` with `*result_out` (the caller's, to free with
/// `plexlink_connect_result_free`); `PLEXLINK_RESULT_PENDING` before the first decision
/// (nothing written).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_last_outcome(
    kept: *const plexlink_kept,
    result_out: *mut *mut plexlink_connect_result,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_ref_from_ptr!(kept);
        handle.state().write_outcome(try_out!(result_out))
    }
}

/// Frees a kept connection (probes still in flight need no answer). NULL is fine; must not be
/// called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_free(kept: *mut plexlink_kept) {
    ffi_panic_boundary! {
        // SAFETY: `kept` is NULL or a live kept connection that C gives up (this function's
        // contract).
        unsafe { ffi::free_box(kept) }
    }
}

#[cfg(test)]
mod tests {
    use plexlink_core::ClientInfo;
    use plexlink_core::resources::Connection;

    use super::*;

    fn handle() -> KeptHandle {
        let device = Device::server(
            "Srv",
            "abc",
            vec![
                Connection::new("http", "192.168.1.10", 32400, "http://192.168.1.10:32400", true, false),
                Connection::new("http", "192.168.1.11", 32400, "http://192.168.1.11:32400", true, false),
            ],
        );
        let clock = HostClock::new(1_000);
        let kept = KeptConnection::new(
            ClientInfo::new("p", "c-tests"),
            device,
            KeepPolicy::default(),
            None,
            clock.origin(),
        );
        KeptHandle {
            kept,
            clock,
            probes: HashMap::new(),
            next_probe: 1,
        }
    }

    #[test]
    fn probe_ids_are_never_reused_and_forgotten_once_answered_or_past_their_deadline() {
        let mut handle = handle();
        let now = handle.clock.at(1_000);
        let (first, deadline, _) = handle.next_probe(now).expect("a probe");
        let (second, _, _) = handle.next_probe(now).expect("another");
        assert_eq!((first, second), (1, 2));
        assert!(handle.next_probe(now).is_none());
        // The first refuses: forgotten; a second answer to it, or to an unknown id, is ignored.
        let refused = Error::Transport {
            kind: plexlink_core::TransportErrorKind::Connect,
            detail: "refused".into(),
        };
        handle.on_answer(now, first, Err(refused.clone()));
        assert!(!handle.probes.contains_key(&first));
        handle.on_answer(now, first, Err(refused.clone()));
        handle.on_answer(now, 99, Err(refused));
        assert!(handle.kept.is_racing(), "the second is still out");
        // Past its deadline the machine times the second out, and its id goes.
        handle.on_timeout(deadline);
        assert!(handle.probes.is_empty());
        assert!(handle.kept.current().is_none());
        // The retry race numbers its probes on.
        let later = deadline + Duration::from_secs(120);
        handle.on_timeout(later);
        let (third, _, _) = handle.next_probe(later).expect("the retry's probe");
        assert_eq!(third, 3);
    }
}
