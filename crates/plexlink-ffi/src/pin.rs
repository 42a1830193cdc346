//! `plexlink_pin` and the PIN login through the blocking client: create, check, the pages where
//! a person approves it, approving another device's code, and waiting for the token.

use std::ffi::{c_char, c_void};
use std::time::Duration;

use blocking::{CancelToken, WaitOptions, WaitProgress};
use plexlink_core::pins::Pin;
use plexlink_core::{Error, PinCode, Token};

use crate::call::{Call, Checked, Report, try_call};
use crate::cancel::plexlink_cancel;
use crate::client::plexlink_client;
use crate::error::plexlink_result;
use crate::ffi::{
    self, CText, PLEXLINK_NO_TIME, c_string, castable, millis, opt_c_string, opt_ptr, owned_string, try_clone_arc,
    try_opt_str, try_out, try_ref_from_ptr, try_str, try_struct,
};
use crate::panic::ffi_panic_boundary;

/// A PIN as plex.tv described it (from `plexlink_client_create_pin`, `plexlink_client_check_pin`
/// or `plexlink_pin_new`). Immutable; its strings are lent for as long as it lives. Free with
/// `plexlink_pin_free`.
#[derive(Debug)]
pub struct plexlink_pin {
    _private: [u8; 0],
}

castable!(Box plexlink_pin => PinHandle);

/// A PIN and its strings, ready for C.
#[derive(Debug)]
pub(crate) struct PinHandle {
    pub(crate) pin: Pin,
    code: CText,
    client_identifier: CText,
    created_at: Option<CText>,
    expires_at: Option<CText>,
    auth_token: Option<CText>,
    qr: Option<CText>,
}

impl PinHandle {
    pub(crate) fn boxed(pin: Pin) -> Box<Self> {
        Box::new(Self::new(pin))
    }

    pub(crate) fn new(pin: Pin) -> Self {
        Self {
            code: c_string(pin.code.secret()),
            client_identifier: c_string(&pin.client_identifier),
            created_at: opt_c_string(pin.created_at.as_deref()),
            expires_at: opt_c_string(pin.expires_at.as_deref()),
            auth_token: opt_c_string(pin.auth_token.as_ref().map(Token::secret)),
            qr: opt_c_string(pin.qr.as_deref()),
            pin,
        }
    }
}

/// A progress report of a PIN wait, lent to the callback for the call.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct plexlink_wait_progress {
    /// Checks answered so far (1 at the first report).
    pub checks: u32,
    /// Milliseconds until the PIN expires; `PLEXLINK_NO_TIME` when unknown.
    pub remaining_ms: u64,
}

/// Called after each check that found the PIN not yet approved. `progress` is lent for the call
/// only. Runs on the thread that waits: the caller's for `plexlink_client_wait_for_token`, the
/// task's thread for `plexlink_task_wait_for_token`. It may call `plexlink_cancel_cancel` (or
/// `plexlink_task_cancel`) to stop the wait.
pub type plexlink_wait_progress_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, progress: *const plexlink_wait_progress)>;

/// How a PIN wait waits. Start from `plexlink_wait_options_default()` and change what you need.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct plexlink_wait_options {
    /// Milliseconds between checks; 0 for the default, 1000 (Plex's advice). The wait never
    /// polls faster, and backs off on 429, 5xx and network errors.
    pub interval_ms: u64,
    /// Give up after this many milliseconds with `PLEXLINK_RESULT_TIMEOUT`; 0 waits until the
    /// PIN expires (`PLEXLINK_RESULT_PIN_EXPIRED`).
    pub timeout_ms: u64,
    /// May be NULL. Cancelling it ends the wait with `PLEXLINK_RESULT_CANCELLED`. Borrowed for
    /// the call (a task takes its own reference).
    pub cancel: *const plexlink_cancel,
    /// May be NULL. Called after each check that found the PIN not yet approved.
    pub on_progress: plexlink_wait_progress_cb,
    /// Passed to `on_progress` as is.
    pub userdata: *mut c_void,
}

/// The defaults: 1 s interval, no timeout, no cancel handle, no progress callback.
#[unsafe(no_mangle)]
pub extern "C" fn plexlink_wait_options_default() -> plexlink_wait_options {
    ffi_panic_boundary! {
        plexlink_wait_options {
            interval_ms: 0,
            timeout_ms: 0,
            cancel: std::ptr::null(),
            on_progress: None,
            userdata: std::ptr::null_mut(),
        }
    }
}

/// The settings of a wait, taken from the C options (the cancel handle's reference cloned).
#[derive(Clone, Debug)]
pub(crate) struct WaitSettings {
    interval: Option<Duration>,
    timeout: Option<Duration>,
    pub(crate) cancel: CancelToken,
}

impl WaitSettings {
    /// # Safety
    /// `options.cancel` is NULL or a live `plexlink_cancel`.
    pub(crate) unsafe fn from_c(options: &plexlink_wait_options) -> Self {
        let ms = |v: u64| (v > 0).then(|| Duration::from_millis(v));
        let cancel = options.cancel;
        // SAFETY: per this function's contract, `cancel` is NULL or a live handle.
        let cancel = unsafe { ffi::clone_arc(cancel) }
            .map(|c| (*c).clone())
            .unwrap_or_default();
        Self {
            interval: ms(options.interval_ms),
            timeout: ms(options.timeout_ms),
            cancel,
        }
    }

    /// Runs a PIN wait (`wait` calls the client with the options it is given), reporting each
    /// pending check to `progress`: the token wait and the JWT wait alike.
    pub(crate) fn wait<T>(
        &self,
        progress: Report<'_>,
        wait: impl FnOnce(WaitOptions<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut report = |p: &WaitProgress| {
            progress(&plexlink_wait_progress {
                checks: p.checks,
                remaining_ms: p.remaining.map_or(PLEXLINK_NO_TIME, millis),
            })
        };
        wait(WaitOptions {
            interval: self.interval,
            timeout: self.timeout,
            cancel: Some(self.cancel.clone()),
            on_progress: Some(&mut report),
        })
    }
}

/// A progress callback and its userdata, callable from the thread that waits.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ProgressCallback {
    callback: plexlink_wait_progress_cb,
    userdata: *mut c_void,
}

// SAFETY: the header tells C that progress callbacks run on the waiting thread (a task's own
// thread for tasks) and that `userdata` must be usable there; Rust never dereferences it.
unsafe impl Send for ProgressCallback {}

impl ProgressCallback {
    pub(crate) fn from_c(options: &plexlink_wait_options) -> Self {
        Self {
            callback: options.on_progress,
            userdata: options.userdata,
        }
    }

    pub(crate) fn call(&self, progress: &plexlink_wait_progress) {
        if let Some(callback) = self.callback {
            // SAFETY: C gave this callback for exactly this use; `progress` lives for the call.
            unsafe { callback(self.userdata, progress) }
        }
    }
}

// --- the PIN handle --------------------------------------------------------------------------

/// A PIN known by its id and code, such as one stored across a restart, to wait on again with
/// `plexlink_client_wait_for_token` (with a client of the same `client_identifier`) or to
/// resume with `plexlink_pin_login_resume`. Its expiry is unknown: only plex.tv's "not found"
/// ends a wait on it. On success `*pin_out` is the caller's, to free with `plexlink_pin_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_new(
    id: u64,
    code: *const c_char,
    client_identifier: *const c_char,
    pin_out: *mut *mut plexlink_pin,
) -> plexlink_result {
    ffi_panic_boundary! {
        let out = try_out!(pin_out);
        let code = try_str!(code);
        let client_identifier = try_str!(client_identifier);
        out.write(ffi::to_box(PinHandle::new(Pin::new(id, PinCode::new(code), client_identifier))));
        plexlink_result::Ok
    }
}

/// The PIN's id: what is checked, and what a web app stores to resume it. 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_id(pin: *const plexlink_pin) -> u64 {
    ffi_panic_boundary! { try_ref_from_ptr!(pin).pin.id }
}

/// The code the person enters at the link page (4 characters) or that the auth URL carries
/// (strong). Lent: valid while `pin` lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_code(pin: *const plexlink_pin) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(pin).code.as_ptr() }
}

/// True for a strong (long) code, approved only through `plexlink_client_auth_url`; false for a
/// short code (and for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_is_strong(pin: *const plexlink_pin) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(pin).pin.strong }
}

/// The client identifier the PIN belongs to; checks must send the same one. Lent: valid while
/// `pin` lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_client_identifier(pin: *const plexlink_pin) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(pin).client_identifier.as_ptr() }
}

/// Seconds the PIN lives, as plex.tv said; 0 when unknown (and for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_expires_in_s(pin: *const plexlink_pin) -> u64 {
    ffi_panic_boundary! { try_ref_from_ptr!(pin).pin.expires_in.unwrap_or(0) }
}

/// When plex.tv created the PIN (RFC 3339), or NULL when unknown. Lent: valid while `pin` lives.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_created_at(pin: *const plexlink_pin) -> *const c_char {
    ffi_panic_boundary! { opt_ptr(&try_ref_from_ptr!(pin).created_at) }
}

/// When the PIN expires (RFC 3339), or NULL when unknown. Lent: valid while `pin` lives.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_expires_at(pin: *const plexlink_pin) -> *const c_char {
    ffi_panic_boundary! { opt_ptr(&try_ref_from_ptr!(pin).expires_at) }
}

/// The account token once the person approved the PIN (from `plexlink_client_check_pin`), else
/// NULL. A secret: store it safely, never log it. Lent: valid while `pin` lives.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_auth_token(pin: *const plexlink_pin) -> *const c_char {
    ffi_panic_boundary! { opt_ptr(&try_ref_from_ptr!(pin).auth_token) }
}

/// The URL of a QR code image for the code, or NULL. Lent: valid while `pin` lives.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_qr(pin: *const plexlink_pin) -> *const c_char {
    ffi_panic_boundary! { opt_ptr(&try_ref_from_ptr!(pin).qr) }
}

/// Whether approving the PIN created a new Plex account: 1 yes, 0 no, -1 unknown (before
/// approval, and for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_new_registration(pin: *const plexlink_pin) -> i32 {
    ffi_panic_boundary! {
        // SAFETY: `pin` is NULL or a live PIN (this function's contract).
        match unsafe { ffi::try_from(pin) } {
            Some(handle) => handle.pin.new_registration.map_or(-1, i32::from),
            None => -1,
        }
    }
}

/// Frees a PIN. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_pin_free(pin: *mut plexlink_pin) {
    ffi_panic_boundary! {
        // SAFETY: `pin` is NULL or a live PIN that C gives up (this function's contract).
        unsafe { ffi::free_box(pin) }
    }
}

// --- blocking calls --------------------------------------------------------------------------

/// The call of `plexlink_client_create_pin` and `plexlink_task_create_pin`.
pub(crate) unsafe fn create_pin(client: *const plexlink_client, strong: bool) -> Checked<Box<PinHandle>> {
    let client = try_clone_arc!(client);
    Ok(Call::new(client, move |c, _| {
        c.create_pin(strong).map(PinHandle::boxed)
    }))
}

/// Creates a PIN: a 4-character code for the link page (`strong` false) or a long code for the
/// auth page (`strong` true). Blocks for one request. On success `*pin_out` is the caller's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_create_pin(
    client: *const plexlink_client,
    strong: bool,
    pin_out: *mut *mut plexlink_pin,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(create_pin(client, strong)).run(try_out!(pin_out)) }
}

/// The call of `plexlink_client_check_pin` and `plexlink_task_check_pin`.
pub(crate) unsafe fn check_pin(client: *const plexlink_client, pin_id: u64) -> Checked<Box<PinHandle>> {
    let client = try_clone_arc!(client);
    Ok(Call::new(client, move |c, _| c.check_pin(pin_id).map(PinHandle::boxed)))
}

/// Checks a PIN once by its id (with this client's identifier, which must be the one that
/// created it); `plexlink_pin_auth_token` of the answer is set once the person approved it.
/// `PLEXLINK_RESULT_PIN_EXPIRED` when it expired. On success `*pin_out` is the caller's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_check_pin(
    client: *const plexlink_client,
    pin_id: u64,
    pin_out: *mut *mut plexlink_pin,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(check_pin(client, pin_id)).run(try_out!(pin_out)) }
}

/// The page where a person types a short code (`https://plex.tv/link`, or the configured
/// plex.tv's). No I/O. On success `*url_out` is owned: free it with `plexlink_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_link_url(
    client: *const plexlink_client,
    url_out: *mut *mut c_char,
) -> plexlink_result {
    ffi_panic_boundary! {
        let client = try_ref_from_ptr!(client);
        let out = try_out!(url_out);
        out.write(owned_string(&client.link_url()));
        plexlink_result::Ok
    }
}

/// The app.plex.tv page that approves `pin` (for strong codes), which sends the browser on to
/// `forward_url` afterwards. `forward_url` may be NULL (no forwarding). No I/O. On success
/// `*url_out` is owned: free it with `plexlink_string_free`. The URL carries the PIN code.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_auth_url(
    client: *const plexlink_client,
    pin: *const plexlink_pin,
    forward_url: *const c_char,
    url_out: *mut *mut c_char,
) -> plexlink_result {
    ffi_panic_boundary! {
        let client = try_ref_from_ptr!(client);
        let pin = try_ref_from_ptr!(pin);
        let out = try_out!(url_out);
        let forward_url = try_opt_str!(forward_url);
        out.write(owned_string(&client.auth_url(&pin.pin, forward_url)));
        plexlink_result::Ok
    }
}

/// The call of `plexlink_client_link_pin` and `plexlink_task_link_pin`.
pub(crate) unsafe fn link_pin(
    client: *const plexlink_client,
    token: *const c_char,
    code: *const c_char,
) -> Checked<()> {
    let client = try_clone_arc!(client);
    let token = Token::new(try_str!(token));
    let code = PinCode::new(try_str!(code));
    Ok(Call::new(client, move |c, _| c.link_pin(&token, &code)))
}

/// Approves another device's 4-character `code` with the account `token` (what the link page
/// does, for "link a TV" flows). `PLEXLINK_RESULT_PIN_EXPIRED` when the code is unknown.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_link_pin(
    client: *const plexlink_client,
    token: *const c_char,
    code: *const c_char,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(link_pin(client, token, code)).run_unit() }
}

/// The call of `plexlink_client_wait_for_token` and `plexlink_task_wait_for_token`.
pub(crate) unsafe fn wait_for_token(
    client: *const plexlink_client,
    pin: *const plexlink_pin,
    options: *const plexlink_wait_options,
) -> Checked<CText> {
    let client = try_clone_arc!(client);
    let pin = try_ref_from_ptr!(pin).pin.clone();
    let options = try_struct!(options);
    // SAFETY: `options.cancel` is NULL or a live cancel handle (the options' contract).
    let settings = unsafe { WaitSettings::from_c(options) };
    let cancel = settings.cancel.clone();
    let call = Call::new(client, move |c, progress| {
        let token = settings.wait(progress, |options| c.wait_for_token(&pin, options))?;
        Ok(c_string(token.secret()))
    });
    Ok(call.with_progress(ProgressCallback::from_c(options), cancel))
}

/// Waits until the person approves `pin`, checking it every `options->interval_ms`, and gives
/// the account token. Blocks the calling thread; `options->on_progress` runs on it after each
/// check. Ends with `PLEXLINK_RESULT_PIN_EXPIRED`, `PLEXLINK_RESULT_TIMEOUT` (the options'
/// timeout) or `PLEXLINK_RESULT_CANCELLED` (the options' cancel handle). Backs off on 429, 5xx
/// and network errors. Use a client with the identifier that created the PIN.
///
/// On success `*token_out` is owned: free it with `plexlink_string_free`. A secret: store it
/// safely, never log it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_wait_for_token(
    client: *const plexlink_client,
    pin: *const plexlink_pin,
    options: *const plexlink_wait_options,
    token_out: *mut *mut c_char,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(wait_for_token(client, pin, options)).run(try_out!(token_out)) }
}
