//! `plexlink_connect_result`: the connection chosen for a server, and what became of every
//! candidate of the race that chose it.

use std::ffi::c_char;
use std::time::Duration;

use blocking::Connected;
use plexlink_core::Error;
use plexlink_core::race::{CandidateReport, HttpPolicy, ProbeResult, RaceOutcome, RacePolicy, SkipReason, Tier};
use plexlink_core::resources::Device;

use crate::call::{Call, Checked, try_call};
use crate::client::plexlink_client;
use crate::error::{self, ErrorInfo, code_for, plexlink_result};
use crate::ffi::{
    self, CText, PLEXLINK_NO_TIME, c_string, castable, millis, opt_ptr, try_clone_arc, try_out, try_ref_from_ptr,
    try_struct,
};
use crate::panic::ffi_panic_boundary;
use crate::resources::{ConnectionHandle, DeviceHandle, plexlink_connection, plexlink_device, plexlink_device_list};

/// Where plain `http://` candidates may be probed (`plexlink_race_policy.allow_http`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum plexlink_http_policy {
    /// https only.
    Never = 0,
    /// Plain http only to loopback and private addresses, where a token may travel (the default).
    PrivateOnly = 1,
    /// Plain http wherever plex.tv lists it; the client must also allow insecure HTTP.
    Anywhere = 2,
}

/// How `plexlink_client_connect_with` chooses. Start from `plexlink_race_policy_default()`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct plexlink_race_policy {
    /// After the first good answer, how long to wait for a nearer or more secure candidate
    /// still pending, in milliseconds (default 500; 0: the first good answer wins).
    pub grace_ms: u64,
    /// How long each probe may take, in milliseconds (default 5000; not 0).
    pub probe_timeout_ms: u64,
    /// A `plexlink_http_policy` value (default `PLEXLINK_HTTP_POLICY_PRIVATE_ONLY`).
    pub allow_http: u32,
    /// Whether IPv6 connections are candidates (default true).
    pub ipv6: bool,
    /// Whether relay connections are candidates (default true; relays cap at ~2 Mbit/s).
    pub relay: bool,
    /// Whether https plex.direct connections to private addresses get a plain-http twin
    /// (default false). A twin can win only after its https name failed to resolve, never after
    /// a TLS or certificate failure; its result then says why it was not used.
    pub http_twins: bool,
}

/// The kind of path a candidate takes, best first.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum plexlink_tier {
    /// A private address.
    Local = 0,
    /// A public address of the server.
    Remote = 1,
    /// A Plex relay: works almost everywhere, but slow.
    Relay = 2,
}

/// What became of one candidate of a race.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum plexlink_probe_result {
    /// It answered as the server and was chosen.
    Won = 0,
    /// It answered as the server, but a better-ranked candidate won.
    Answered = 1,
    /// Another server answered at that address: never a winner.
    WrongServer = 2,
    /// It answered 401: reachable, but refusing.
    Unauthorized = 3,
    /// It failed (`plexlink_candidate_error` says how).
    Failed = 4,
    /// No answer before its deadline.
    TimedOut = 5,
    /// Still pending when the race was decided.
    Abandoned = 6,
    /// Never sent before the race was decided.
    NotSent = 7,
}

/// Why a connection was not a candidate.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum plexlink_skip_reason {
    /// The URI is not an http(s) URL with a host.
    InvalidUri = 0,
    /// A relay, and the policy leaves relays out.
    RelayDisabled = 1,
    /// IPv6, and the policy leaves IPv6 out.
    Ipv6Disabled = 2,
    /// A private address of a server this account does not own, off the server's network.
    ForeignLan = 3,
    /// Plain http, and the server requires https.
    HttpsRequired = 4,
    /// Plain http, and the policy is `PLEXLINK_HTTP_POLICY_NEVER`.
    HttpDisabled = 5,
    /// Plain http to a public address, and the policy is `PLEXLINK_HTTP_POLICY_PRIVATE_ONLY`.
    PlaintextToPublic = 6,
    /// The same URI as a better-ranked candidate.
    Duplicate = 7,
    /// A reason this version has no code for (`plexlink_skipped_description` says it).
    Other = 99,
}

/// A server and the connection chosen for it. Immutable; free with
/// `plexlink_connect_result_free`, which also ends everything it lent.
#[derive(Debug)]
pub struct plexlink_connect_result {
    _private: [u8; 0],
}

/// One candidate of the race, lent by its `plexlink_connect_result`.
#[derive(Debug)]
pub struct plexlink_candidate {
    _private: [u8; 0],
}

/// A connection that was not a candidate, and why; lent by its `plexlink_connect_result`.
#[derive(Debug)]
pub struct plexlink_skipped {
    _private: [u8; 0],
}

/// One outcome per server of `plexlink_client_connect_all`, in the order of the device list.
/// Immutable; free with `plexlink_connect_result_list_free`, which also ends everything it lent.
#[derive(Debug)]
pub struct plexlink_connect_result_list {
    _private: [u8; 0],
}

castable!(Box plexlink_connect_result => ConnectResultHandle);
castable!(Box plexlink_connect_result_list => Vec<Result<ConnectResultHandle, ErrorInfo>>);
castable!(Ref plexlink_candidate => CandidateHandle);
castable!(Ref plexlink_skipped => SkippedHandle);

#[derive(Clone, Debug)]
pub(crate) struct ConnectResultHandle {
    device: DeviceHandle,
    /// The winner's connection and URI; `None` for a race that no candidate won.
    connection: Option<ConnectionHandle>,
    uri: Option<CText>,
    access_token: Option<CText>,
    elapsed_ms: u64,
    candidates: Vec<CandidateHandle>,
    skipped: Vec<SkippedHandle>,
}

#[derive(Clone, Debug)]
pub(crate) struct CandidateHandle {
    connection: ConnectionHandle,
    uri: CText,
    tier: plexlink_tier,
    secure: bool,
    ipv6: bool,
    http_twin: bool,
    result: plexlink_probe_result,
    error: plexlink_result,
    description: CText,
    latency_ms: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct SkippedHandle {
    connection: ConnectionHandle,
    reason: plexlink_skip_reason,
    description: CText,
}

impl ConnectResultHandle {
    pub(crate) fn new(connected: Connected) -> Self {
        Self::from_race(connected.device, &connected.outcome, connected.elapsed)
    }

    /// The race for `device`, won or not; `elapsed` is how long it took to decide.
    pub(crate) fn from_race(device: Device, outcome: &RaceOutcome, elapsed: Duration) -> Self {
        let winner = outcome.winning_candidate();
        Self {
            access_token: device.access_token.as_ref().map(|t| c_string(t.secret())),
            connection: winner.map(|c| ConnectionHandle::new(c.connection.clone())),
            uri: winner.map(|c| c_string(&c.uri)),
            elapsed_ms: millis(elapsed),
            candidates: outcome.reports.iter().map(CandidateHandle::new).collect(),
            skipped: outcome
                .skipped
                .iter()
                .map(|(c, r)| SkippedHandle::new(c.clone(), *r))
                .collect(),
            device: DeviceHandle::new(device),
        }
    }
}

impl CandidateHandle {
    fn new(report: &CandidateReport) -> Self {
        let c = &report.candidate;
        let (result, error) = match &report.result {
            ProbeResult::Won => (plexlink_probe_result::Won, plexlink_result::Ok),
            ProbeResult::Answered => (plexlink_probe_result::Answered, plexlink_result::Ok),
            ProbeResult::WrongServer { .. } => (plexlink_probe_result::WrongServer, plexlink_result::Ok),
            ProbeResult::Unauthorized => (plexlink_probe_result::Unauthorized, plexlink_result::Unauthorized),
            ProbeResult::Failed(e) => (plexlink_probe_result::Failed, code_for(e)),
            ProbeResult::TimedOut => (plexlink_probe_result::TimedOut, plexlink_result::RequestTimeout),
            ProbeResult::Abandoned => (plexlink_probe_result::Abandoned, plexlink_result::Ok),
            ProbeResult::NotSent => (plexlink_probe_result::NotSent, plexlink_result::Ok),
        };
        Self {
            connection: ConnectionHandle::new(c.connection.clone()),
            uri: c_string(&c.uri),
            tier: tier(c.tier),
            secure: c.secure,
            ipv6: c.ipv6,
            http_twin: c.http_twin,
            result,
            error,
            description: c_string(&report.result.to_string()),
            latency_ms: report.latency.map_or(PLEXLINK_NO_TIME, millis),
        }
    }
}

/// The C name of a candidate's tier.
pub(crate) fn tier(tier: Tier) -> plexlink_tier {
    match tier {
        Tier::Local => plexlink_tier::Local,
        Tier::Remote => plexlink_tier::Remote,
        Tier::Relay => plexlink_tier::Relay,
    }
}

impl SkippedHandle {
    fn new(connection: plexlink_core::resources::Connection, reason: SkipReason) -> Self {
        let code = match reason {
            SkipReason::InvalidUri => plexlink_skip_reason::InvalidUri,
            SkipReason::RelayDisabled => plexlink_skip_reason::RelayDisabled,
            SkipReason::Ipv6Disabled => plexlink_skip_reason::Ipv6Disabled,
            SkipReason::ForeignLan => plexlink_skip_reason::ForeignLan,
            SkipReason::HttpsRequired => plexlink_skip_reason::HttpsRequired,
            SkipReason::HttpDisabled => plexlink_skip_reason::HttpDisabled,
            SkipReason::PlaintextToPublic => plexlink_skip_reason::PlaintextToPublic,
            SkipReason::Duplicate => plexlink_skip_reason::Duplicate,
            _ => plexlink_skip_reason::Other,
        };
        Self {
            connection: ConnectionHandle::new(connection),
            reason: code,
            description: c_string(&reason.to_string()),
        }
    }
}

/// The outcome of a connect to `device` as C holds it: a failure keeps the race that found no
/// connection, for `plexlink_last_error_connect_result` and
/// `plexlink_connect_result_list_error_result`.
fn outcome(result: Result<Connected, Error>, device: &Device) -> Result<ConnectResultHandle, ErrorInfo> {
    result.map(ConnectResultHandle::new).map_err(|e| {
        let info = ErrorInfo::from_error(&e);
        match &e {
            Error::NoConnection { race: Some(race), .. } => {
                info.with_race(ConnectResultHandle::from_race(device.clone(), race, race.elapsed))
            }
            _ => info,
        }
    })
}

/// The core's policy from the C struct, or `PLEXLINK_RESULT_INVALID_PARAMETER` for an unusable
/// field (the last error names it).
pub(crate) fn race_policy(policy: &plexlink_race_policy) -> Result<RacePolicy, plexlink_result> {
    let invalid = |what, detail: &str| {
        let e = Error::InvalidArgument {
            what,
            detail: detail.into(),
        };
        Err(error::fail(&e))
    };
    let allow_http = match policy.allow_http {
        0 => HttpPolicy::Never,
        1 => HttpPolicy::PrivateOnly,
        2 => HttpPolicy::Anywhere,
        _ => return invalid("allow_http", "not a plexlink_http_policy value"),
    };
    if policy.probe_timeout_ms == 0 {
        return invalid("probe_timeout_ms", "must be more than 0");
    }
    Ok(RacePolicy {
        grace: Duration::from_millis(policy.grace_ms),
        probe_timeout: Duration::from_millis(policy.probe_timeout_ms),
        allow_http,
        ipv6: policy.ipv6,
        relay: policy.relay,
        http_twins: policy.http_twins,
        ..RacePolicy::default()
    })
}

/// The recommended policy: 500 ms grace, 5 s probe timeout, plain http to private addresses
/// only, IPv6 and relays on, no http twins.
#[unsafe(no_mangle)]
pub extern "C" fn plexlink_race_policy_default() -> plexlink_race_policy {
    ffi_panic_boundary! {
        let core = RacePolicy::default();
        plexlink_race_policy {
            grace_ms: millis(core.grace),
            probe_timeout_ms: millis(core.probe_timeout),
            allow_http: plexlink_http_policy::PrivateOnly as u32,
            ipv6: core.ipv6,
            relay: core.relay,
            http_twins: core.http_twins,
        }
    }
}

// --- blocking calls --------------------------------------------------------------------------

/// The call of `plexlink_client_connect_with` and `plexlink_task_connect`.
pub(crate) unsafe fn connect(
    client: *const plexlink_client,
    device: *const plexlink_device,
    policy: *const plexlink_race_policy,
) -> Checked<Box<ConnectResultHandle>> {
    let client = try_clone_arc!(client);
    let device = try_ref_from_ptr!(device).device.clone();
    let policy = race_policy(try_struct!(policy))?;
    Ok(Call::with_error_info(client, move |c, _| {
        outcome(c.connect_with(&device, policy), &device).map(Box::new)
    }))
}

/// Chooses the best working connection of `device` with the default policy: probes every
/// candidate's `/identity` at once and returns as soon as the race is decided, not when the
/// slowest probe gives up. `device` is copied. On success `*result_out` is the caller's.
///
/// `PLEXLINK_RESULT_NO_CONNECTION` when none answered as that server (nothing written): the
/// thread's last error then keeps the race, and `plexlink_last_error_connect_result` gives what
/// became of each connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_connect(
    client: *const plexlink_client,
    device: *const plexlink_device,
    result_out: *mut *mut plexlink_connect_result,
) -> plexlink_result {
    ffi_panic_boundary! {
        let policy = plexlink_race_policy_default();
        let policy: *const plexlink_race_policy = &policy;
        try_call!(connect(client, device, policy)).run(try_out!(result_out))
    }
}

/// `plexlink_client_connect` with a policy of your own (copied).
/// `PLEXLINK_RESULT_INVALID_PARAMETER` for an unknown `allow_http` or a zero probe timeout.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_connect_with(
    client: *const plexlink_client,
    device: *const plexlink_device,
    policy: *const plexlink_race_policy,
    result_out: *mut *mut plexlink_connect_result,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(connect(client, device, policy)).run(try_out!(result_out)) }
}

/// The call of `plexlink_client_connect_all` and `plexlink_task_connect_all`.
pub(crate) unsafe fn connect_all(
    client: *const plexlink_client,
    devices: *const plexlink_device_list,
    policy: *const plexlink_race_policy,
) -> Checked<Vec<Result<ConnectResultHandle, ErrorInfo>>> {
    let client = try_clone_arc!(client);
    let devices: Vec<_> = try_ref_from_ptr!(devices).iter().map(|d| d.device.clone()).collect();
    let policy = race_policy(try_struct!(policy))?;
    Ok(Call::new(client, move |c, _| {
        let results = c.connect_all_with(&devices, policy);
        Ok(results.into_iter().zip(&devices).map(|(r, d)| outcome(r, d)).collect())
    }))
}

/// Chooses a connection for every device of `devices` at once (their races run together, so the
/// call takes as long as the slowest race, not the sum), with `policy` (copied; pass
/// `plexlink_race_policy_default()` for the default). Returns `PLEXLINK_RESULT_OK` even when some
/// servers could not be reached: each has its own outcome in the list (its error, and for one
/// that no connection answered, its race: `plexlink_connect_result_list_error_result`). On
/// success `*results_out` is the caller's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_connect_all(
    client: *const plexlink_client,
    devices: *const plexlink_device_list,
    policy: *const plexlink_race_policy,
    results_out: *mut *mut plexlink_connect_result_list,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(connect_all(client, devices, policy)).run(try_out!(results_out)) }
}

// --- plexlink_connect_result_list --------------------------------------------------------------

/// How many outcomes the list holds (one per device given); 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connect_result_list_len(list: *const plexlink_connect_result_list) -> usize {
    ffi_panic_boundary! { try_ref_from_ptr!(list).len() }
}

/// The connection chosen for device `index`, lent while `list` lives; NULL when that server
/// could not be reached (see `plexlink_connect_result_list_error`), when out of range, and for
/// NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connect_result_list_get(
    list: *const plexlink_connect_result_list,
    index: usize,
) -> *const plexlink_connect_result {
    ffi_panic_boundary! {
        match try_ref_from_ptr!(list).get(index) {
            Some(Ok(connected)) => ffi::lend(connected),
            _ => std::ptr::null(),
        }
    }
}

/// Why device `index` could not be reached (`PLEXLINK_RESULT_NO_CONNECTION`, ...; for that one
/// `plexlink_connect_result_list_error_result` says what became of each connection);
/// `PLEXLINK_RESULT_OK` when it was. `PLEXLINK_RESULT_INVALID_PARAMETER` when out of range,
/// `PLEXLINK_RESULT_NULL_PARAMETER` for NULL (neither recorded as the last error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connect_result_list_error(
    list: *const plexlink_connect_result_list,
    index: usize,
) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: `list` is NULL or a live list (this function's contract).
        match unsafe { ffi::try_from(list) }.map(|l| l.get(index)) {
            None => plexlink_result::NullParameter,
            Some(None) => plexlink_result::InvalidParameter,
            Some(Some(Ok(_))) => plexlink_result::Ok,
            Some(Some(Err(e))) => e.code,
        }
    }
}

/// The full text of why device `index` could not be reached, lent while `list` lives; "" when it
/// was. NULL when out of range and for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connect_result_list_error_message(
    list: *const plexlink_connect_result_list,
    index: usize,
) -> *const c_char {
    ffi_panic_boundary! {
        match try_ref_from_ptr!(list).get(index) {
            Some(Ok(_)) => c"".as_ptr(),
            Some(Err(e)) => e.message.as_ptr(),
            None => std::ptr::null(),
        }
    }
}

/// Why each connection of device `index` failed, when no connection of that server worked
/// (`plexlink_connect_result_list_error` is `PLEXLINK_RESULT_NO_CONNECTION`):
/// `PLEXLINK_RESULT_OK` with `*result_out`, an owned copy of its race (the caller's, to free
/// with `plexlink_connect_result_free`, independent of `list`), read as
/// `plexlink_last_error_connect_result` says: URI and connection NULL, every candidate with its
/// result. `PLEXLINK_RESULT_DONE` (nothing written) when the device was reached (its result is
/// `plexlink_connect_result_list_get`) or failed without a race.
/// `PLEXLINK_RESULT_INVALID_PARAMETER` when `index` is out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connect_result_list_error_result(
    list: *const plexlink_connect_result_list,
    index: usize,
    result_out: *mut *mut plexlink_connect_result,
) -> plexlink_result {
    ffi_panic_boundary! {
        let list = try_ref_from_ptr!(list);
        let out = try_out!(result_out);
        match list.get(index) {
            Some(outcome) => error::race_copy(outcome.as_ref().err(), out),
            None => error::invalid_parameter(&format!(
                "no device {index} in a list of {} outcomes",
                list.len()
            )),
        }
    }
}

/// Frees the list and every connect result it lent. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connect_result_list_free(list: *mut plexlink_connect_result_list) {
    ffi_panic_boundary! {
        // SAFETY: `list` is NULL or a live list that C gives up (this function's contract).
        unsafe { ffi::free_box(list) }
    }
}

// --- plexlink_connect_result -----------------------------------------------------------------

/// The server (a copy of the device given to connect). Lent: valid while `result` lives. NULL
/// for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connect_result_device(
    result: *const plexlink_connect_result,
) -> *const plexlink_device {
    ffi_panic_boundary! { ffi::lend(&try_ref_from_ptr!(result).device) }
}

/// The winning connection as plex.tv listed it. Lent: valid while `result` lives. NULL when no
/// candidate won (the outcome of a race that found no working connection), and for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connect_result_connection(
    result: *const plexlink_connect_result,
) -> *const plexlink_connection {
    ffi_panic_boundary! { try_ref_from_ptr!(result).connection.as_ref().map_or(std::ptr::null(), ffi::lend) }
}

/// The URI to use for the server (the winning connection's, or its plain-http twin's). Lent:
/// valid while `result` lives. NULL when no candidate won (the outcome of a race that found no
/// working connection: its candidates say why each failed), and for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connect_result_uri(result: *const plexlink_connect_result) -> *const c_char {
    ffi_panic_boundary! { opt_ptr(&try_ref_from_ptr!(result).uri) }
}

/// The token to use with this server (its own access token: a shared server refuses the account
/// token), or NULL when plex.tv gave none. A secret. Lent: valid while `result` lives.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connect_result_access_token(result: *const plexlink_connect_result) -> *const c_char {
    ffi_panic_boundary! { opt_ptr(&try_ref_from_ptr!(result).access_token) }
}

/// How long choosing took, in milliseconds; 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connect_result_elapsed_ms(result: *const plexlink_connect_result) -> u64 {
    ffi_panic_boundary! { try_ref_from_ptr!(result).elapsed_ms }
}

/// How many candidates the race had; 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connect_result_candidates_len(result: *const plexlink_connect_result) -> usize {
    ffi_panic_boundary! { try_ref_from_ptr!(result).candidates.len() }
}

/// The candidate at `index`, in rank order (0 is the best-ranked), lent while `result` lives;
/// NULL when out of range or for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connect_result_candidate_get(
    result: *const plexlink_connect_result,
    index: usize,
) -> *const plexlink_candidate {
    ffi_panic_boundary! { try_ref_from_ptr!(result).candidates.get(index).map_or(std::ptr::null(), ffi::lend) }
}

/// How many of the device's connections were not candidates; 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connect_result_skipped_len(result: *const plexlink_connect_result) -> usize {
    ffi_panic_boundary! { try_ref_from_ptr!(result).skipped.len() }
}

/// The skipped connection at `index`, lent while `result` lives; NULL when out of range or for
/// NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connect_result_skipped_get(
    result: *const plexlink_connect_result,
    index: usize,
) -> *const plexlink_skipped {
    ffi_panic_boundary! { try_ref_from_ptr!(result).skipped.get(index).map_or(std::ptr::null(), ffi::lend) }
}

/// Frees a connect result and everything it lent. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_connect_result_free(result: *mut plexlink_connect_result) {
    ffi_panic_boundary! {
        // SAFETY: `result` is NULL or a live connect result that C gives up (this function's
        // contract).
        unsafe { ffi::free_box(result) }
    }
}

// --- plexlink_candidate ----------------------------------------------------------------------

/// The URI that was probed (for an http twin, its own `http://` URI). Lent. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_candidate_uri(candidate: *const plexlink_candidate) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(candidate).uri.as_ptr() }
}

/// The connection plex.tv listed (for an http twin, the https one it derives from). Lent. NULL
/// for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_candidate_connection(
    candidate: *const plexlink_candidate,
) -> *const plexlink_connection {
    ffi_panic_boundary! { ffi::lend(&try_ref_from_ptr!(candidate).connection) }
}

/// Local, remote or relay. `PLEXLINK_TIER_LOCAL` for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_candidate_tier(candidate: *const plexlink_candidate) -> plexlink_tier {
    ffi_panic_boundary! {
        // SAFETY: `candidate` is NULL or a live candidate (this function's contract).
        unsafe { ffi::try_from(candidate) }.map_or(plexlink_tier::Local, |c| c.tier)
    }
}

/// Whether the candidate is https. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_candidate_secure(candidate: *const plexlink_candidate) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(candidate).secure }
}

/// Whether the candidate's address is IPv6. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_candidate_ipv6(candidate: *const plexlink_candidate) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(candidate).ipv6 }
}

/// Whether the candidate is a plain-http fallback made from an https plex.direct connection.
/// False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_candidate_http_twin(candidate: *const plexlink_candidate) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(candidate).http_twin }
}

/// What became of the candidate. `PLEXLINK_PROBE_RESULT_NOT_SENT` for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_candidate_result(candidate: *const plexlink_candidate) -> plexlink_probe_result {
    ffi_panic_boundary! {
        // SAFETY: `candidate` is NULL or a live candidate (this function's contract).
        unsafe { ffi::try_from(candidate) }.map_or(plexlink_probe_result::NotSent, |c| c.result)
    }
}

/// Why the probe failed, as a result code: the error of a `FAILED` probe (e.g.
/// `PLEXLINK_RESULT_CONNECT`), `PLEXLINK_RESULT_REQUEST_TIMEOUT` for `TIMED_OUT`,
/// `PLEXLINK_RESULT_UNAUTHORIZED` for `UNAUTHORIZED`, else `PLEXLINK_RESULT_OK` (also for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_candidate_error(candidate: *const plexlink_candidate) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: `candidate` is NULL or a live candidate (this function's contract).
        unsafe { ffi::try_from(candidate) }.map_or(plexlink_result::Ok, |c| c.error)
    }
}

/// What became of the candidate, in words ("chosen", "failed: connection failed: ...",
/// "another server answered (...)"). Lent. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_candidate_description(candidate: *const plexlink_candidate) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(candidate).description.as_ptr() }
}

/// From sending the probe to its HTTP answer, in milliseconds; `PLEXLINK_NO_TIME` without an answer
/// (and for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_candidate_latency_ms(candidate: *const plexlink_candidate) -> u64 {
    ffi_panic_boundary! {
        // SAFETY: `candidate` is NULL or a live candidate (this function's contract).
        unsafe { ffi::try_from(candidate) }.map_or(PLEXLINK_NO_TIME, |c| c.latency_ms)
    }
}

// --- plexlink_skipped ------------------------------------------------------------------------

/// The connection that was left out. Lent. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_skipped_connection(skipped: *const plexlink_skipped) -> *const plexlink_connection {
    ffi_panic_boundary! { ffi::lend(&try_ref_from_ptr!(skipped).connection) }
}

/// Why it was left out. `PLEXLINK_SKIP_REASON_OTHER` for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_skipped_reason(skipped: *const plexlink_skipped) -> plexlink_skip_reason {
    ffi_panic_boundary! {
        // SAFETY: `skipped` is NULL or a live entry (this function's contract).
        unsafe { ffi::try_from(skipped) }.map_or(plexlink_skip_reason::Other, |s| s.reason)
    }
}

/// Why it was left out, in words. Lent. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_skipped_description(skipped: *const plexlink_skipped) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(skipped).description.as_ptr() }
}
