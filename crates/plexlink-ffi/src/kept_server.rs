//! `plexlink_kept_server`: a server's connection kept right in the background by the blocking
//! client (`Client::keep`): warm start, failover, moving up to a better tier, an event callback
//! at each change (docs/protocol.md §3.7).
//!
//! The event callback runs on the client's driver thread and goes through a [`Gate`]: stopping
//! or freeing the handle closes it and waits for a callback in progress, so that none runs once
//! `_stop` or `_free` has returned (as a task's callbacks after `plexlink_task_free`).

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use blocking::{KeepOptions, KeptEvent, KeptServer};
use plexlink_core::resources::Device;

use crate::call::{Call, Checked, try_call};
use crate::client::plexlink_client;
use crate::connect::{plexlink_connect_result, plexlink_tier};
use crate::error::plexlink_result;
use crate::ffi::{self, castable, try_clone_arc, try_opt_str, try_out, try_ref_from_ptr, try_struct};
use crate::gate::Gate;
use crate::kept::{
    KeptEventHandle, KeptState, keep_policy, plexlink_keep_policy, plexlink_keep_policy_default, plexlink_kept_event,
};
use crate::panic::ffi_panic_boundary;
use crate::resources::plexlink_device;

/// Called at each change of a kept server's connection, with `userdata` as the options gave it.
/// `event` and its strings are lent for the call only (copy what you keep). Runs on the kept
/// server's own driver thread, never on the thread that called `plexlink_client_keep`; the
/// first event (the first decision) comes before `plexlink_client_keep` returns. It may
/// call any function of the kept server, also `plexlink_kept_server_stop` and
/// `plexlink_kept_server_free` (then it must not use the handle again). Never called after
/// `plexlink_kept_server_stop` or `plexlink_kept_server_free` has returned. Keep it short: the
/// driver waits for it.
pub type plexlink_kept_event_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, event: *const plexlink_kept_event)>;

/// How `plexlink_client_keep` keeps a connection. Start from `plexlink_keep_options_default()`
/// and change what you need.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct plexlink_keep_options {
    /// Warm window, rechecks, retries and the race.
    pub policy: plexlink_keep_policy,
    /// May be NULL (the default). The URI of the connection that worked last, saved by the app
    /// from an earlier run (`plexlink_kept_server_current`): probed first, alone, and taken as
    /// soon as it answers. Copied.
    pub last_good: *const c_char,
    /// May be NULL (the default). Called at each change.
    pub on_event: plexlink_kept_event_cb,
    /// Passed to `on_event` as is; must be usable on the driver's thread.
    pub userdata: *mut c_void,
}

/// The defaults: `plexlink_keep_policy_default()`, no last good connection, no callback.
#[unsafe(no_mangle)]
pub extern "C" fn plexlink_keep_options_default() -> plexlink_keep_options {
    ffi_panic_boundary! {
        plexlink_keep_options {
            policy: plexlink_keep_policy_default(),
            last_good: std::ptr::null(),
            on_event: None,
            userdata: std::ptr::null_mut(),
        }
    }
}

/// A server whose connection the library keeps right in the background, on a thread of its
/// own: it races when a failure is reported or the network changes, rechecks better tiers now
/// and then, and calls the event callback at each change. Thread-safe: every function may be
/// called from any thread, also from the event callback. Free with `plexlink_kept_server_free`,
/// which stops it.
#[derive(Debug)]
pub struct plexlink_kept_server {
    _private: [u8; 0],
}

castable!(Arc plexlink_kept_server => KeptServerHandle);

/// The event callback and its `userdata`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EventCallback {
    on_event: plexlink_kept_event_cb,
    userdata: *mut c_void,
}

// SAFETY: the header tells C that the event callback runs on the driver's thread and that its
// `userdata` must be usable there; Rust only hands the pointer back to C.
unsafe impl Send for EventCallback {}

/// The client's kept server, and the gate of its event callback.
#[derive(Debug)]
pub(crate) struct KeptServerHandle {
    server: KeptServer,
    gate: Arc<Gate<EventCallback>>,
}

/// The gate as [`waits`](crate::waits) knows its owner: the event callback's C code runs as
/// that of the kept server.
fn owner(gate: &Arc<Gate<EventCallback>>) -> usize {
    Arc::as_ptr(gate).addr()
}

impl KeptServerHandle {
    /// Closes the gate, and waits for a callback in progress unless that would never end
    /// (called from that callback, or from one it waits on).
    fn silence(&self) {
        self.gate.close();
        self.gate.wait_idle(owner(&self.gate));
    }
}

/// `_free`: the gate closes first, so that no callback comes after it; then the client's handle
/// goes, which stops the driver.
impl Drop for KeptServerHandle {
    fn drop(&mut self) {
        self.silence();
    }
}

/// The client's event callback: each event, made for C, through the gate. A panic here (making
/// the event) is caught: it must not end the driver, and never reaches C.
fn on_event(gate: Arc<Gate<EventCallback>>, device: Device) -> impl Fn(&KeptEvent) + Send + Sync + 'static {
    move |event| {
        let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| KeptEventHandle::new(event, &device)));
        let Ok(Some(event)) = made else { return };
        gate.call(owner(&gate), |callback| {
            if let Some(on_event) = callback.on_event {
                let event: *const plexlink_kept_event = ffi::lend(&event);
                // SAFETY: C gave this callback for exactly this use; `event` lives until the
                // callback returns.
                unsafe { on_event(callback.userdata, event) }
            }
        });
    }
}

impl KeptServerHandle {
    fn state<T>(&self, read: impl FnOnce(KeptState<'_>) -> T) -> T {
        let current = self.server.current();
        let outcome = self.server.last_outcome();
        read(KeptState {
            current: current.as_ref(),
            outcome: outcome.as_ref(),
            device: self.server.device(),
        })
    }
}

/// The call of `plexlink_client_keep`. (No task form: the event callback would outlive a task
/// freed before its value was taken, which `plexlink_task_free` promises never to let happen.)
pub(crate) unsafe fn keep(
    client: *const plexlink_client,
    device: *const plexlink_device,
    options: *const plexlink_keep_options,
) -> Checked<Arc<KeptServerHandle>> {
    let client = try_clone_arc!(client);
    let device = try_ref_from_ptr!(device).device.clone();
    let options = try_struct!(options);
    let policy = keep_policy(&options.policy)?;
    let last_good = options.last_good;
    let last_good = try_opt_str!(last_good).map(str::to_owned);
    let gate = Arc::new(Gate::new(EventCallback {
        on_event: options.on_event,
        userdata: options.userdata,
    }));
    let options = KeepOptions {
        policy,
        last_good,
        on_event: Some(Box::new(on_event(Arc::clone(&gate), device.clone()))),
    };
    Ok(Call::new(client, move |c, _| {
        let server = c.keep(&device, options)?;
        Ok(Arc::new(KeptServerHandle { server, gate }))
    }))
}

/// Keeps the connection of `device` (copied) right in the background, as `options` (copied;
/// pass `plexlink_keep_options_default()` for the default) say: with `last_good` that connection
/// is probed first, alone, else every connection is raced. Returns once that first decision is
/// made, which the event callback has been told already. When no connection answered, the
/// kept server has none (`plexlink_kept_server_current` says `PLEXLINK_RESULT_NO_CONNECTION`)
/// and keeps trying, backing off. On success `*kept_out` is the caller's, to free with
/// `plexlink_kept_server_free`. `PLEXLINK_RESULT_INVALID_PARAMETER` for an unusable policy.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_keep(
    client: *const plexlink_client,
    device: *const plexlink_device,
    options: *const plexlink_keep_options,
    kept_out: *mut *const plexlink_kept_server,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(keep(client, device, options)).run(try_out!(kept_out)) }
}

/// The connection to use now: `PLEXLINK_RESULT_OK` with its URI in `*uri_out` (owned: free it
/// with `plexlink_string_free`; save it as the next start's `last_good`) and its tier in
/// `*tier_out`. `PLEXLINK_RESULT_NO_CONNECTION` while none works (the kept server keeps trying):
/// then the last race is the calling thread's last error (`plexlink_last_error_connect_result`
/// says what became of each connection). Nothing is written unless `PLEXLINK_RESULT_OK`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_server_current(
    kept: *const plexlink_kept_server,
    uri_out: *mut *mut c_char,
    tier_out: *mut plexlink_tier,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_ref_from_ptr!(kept);
        let uri_out = try_out!(uri_out);
        let tier_out = try_out!(tier_out);
        handle.state(|state| state.write_current(uri_out, tier_out))
    }
}

/// The last race that ended (the first, a failover, a recheck, ...), read as a connect's
/// result: `PLEXLINK_RESULT_OK` with `*result_out` (the caller's, to free with
/// `plexlink_connect_result_free`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_server_last_outcome(
    kept: *const plexlink_kept_server,
    result_out: *mut *mut plexlink_connect_result,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_ref_from_ptr!(kept);
        let out = try_out!(result_out);
        handle.state(|state| state.write_outcome(out))
    }
}

/// A request to the current connection failed at the transport level (no answer): every
/// connection is raced again, in the background (the event callback hears of a failover).
/// Many reports during one race start nothing more. Returns at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_server_report_failure(kept: *const plexlink_kept_server) -> plexlink_result {
    ffi_panic_boundary! {
        try_ref_from_ptr!(kept).server.report_failure();
        plexlink_result::Ok
    }
}

/// The network changed (another Wi-Fi, a VPN, a wake from sleep): every connection is raced
/// now, in the background. Returns at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_server_network_changed(kept: *const plexlink_kept_server) -> plexlink_result {
    ffi_panic_boundary! {
        try_ref_from_ptr!(kept).server.network_changed();
        plexlink_result::Ok
    }
}

/// Stops keeping the connection: the driver ends within moments (a probe it is sending may still
/// reach its server, then nothing more is sent), and when this returns the event callback is not
/// running and will not be called again. A callback in progress on the driver's thread is waited
/// for (do not hold a lock here that the callback takes), except where that wait would never
/// end: called from inside the event callback (or from a callback that the running one waits
/// on), it returns at once and nothing is called after that callback returns.
/// `plexlink_kept_server_current` and `plexlink_kept_server_last_outcome` keep giving the last
/// state. Any number of times.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_server_stop(kept: *const plexlink_kept_server) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_ref_from_ptr!(kept);
        handle.server.stop();
        handle.silence();
        plexlink_result::Ok
    }
}

/// True while the library keeps the connection right; false once the driver has ended: within
/// moments of `plexlink_kept_server_stop`, or if it died (a bug, reported as one), after which
/// `plexlink_kept_server_current` says `PLEXLINK_RESULT_NO_CONNECTION` for good and only keeping
/// the server again brings a connection back. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_server_is_running(kept: *const plexlink_kept_server) -> bool {
    ffi_panic_boundary! {
        // SAFETY: `kept` is NULL or a live kept server (this function's contract).
        unsafe { ffi::try_from(kept) }.is_some_and(|handle| handle.server.is_running())
    }
}

/// Stops the kept server as `plexlink_kept_server_stop` does (the same promise about the event
/// callback: once this returns it is not running and never called again, but for a call from
/// inside it) and frees the handle; `userdata` may be released once this returns. NULL is fine;
/// must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_kept_server_free(kept: *const plexlink_kept_server) {
    ffi_panic_boundary! {
        // SAFETY: `kept` is NULL or a live kept server that C gives up (this function's
        // contract). Its drop closes the callback's gate, then the client's handle stops the
        // driver.
        unsafe { ffi::free_arc(kept) }
    }
}
