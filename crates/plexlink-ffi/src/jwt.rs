//! Plex JWT sign-in in C: `plexlink_device_key` (a device's Ed25519 key), `plexlink_jwt` (a
//! verified Plex JWT and its claims), and the blocking calls that get, refresh and verify one.
//!
//! The protocol and its warnings (a Plex JWT ends the legacy token of its client identifier;
//! servers take their own access tokens, never the account JWT) are the core's; the key is
//! drawn by the `plexlink` client from the OS, or made from bytes or text the host kept.

use std::ffi::c_char;

use blocking::DeviceKey;
use plexlink_core::jwt::{PlexJwt, PlexKeys, needs_refresh};
use plexlink_core::{Error, PrivateKey, Token};

use crate::call::{Call, Checked, token_call, try_call};
use crate::client::plexlink_client;
use crate::error::{self, plexlink_result};
use crate::ffi::{
    self, CText, OutParam, c_string, castable, opt_c_string, opt_ptr, owned_string, try_bytes, try_clone_arc, try_out,
    try_ref_from_ptr, try_str, try_struct,
};
use crate::panic::ffi_panic_boundary;
use crate::pin::{PinHandle, ProgressCallback, WaitSettings, plexlink_pin, plexlink_wait_options};

/// The length of a device key's seed (its private part), in bytes.
pub const PLEXLINK_DEVICE_KEY_SEED_LEN: usize = 32;

/// A device's Ed25519 key: its identity at plex.tv for a Plex JWT, one per client identifier,
/// kept by the application for as long as the identifier (plexlink stores it nowhere). Its
/// private part is a secret. Immutable; free with `plexlink_device_key_free`.
#[derive(Debug)]
pub struct plexlink_device_key {
    _private: [u8; 0],
}

/// A Plex JWT that plexlink verified (signature by plex.tv's published keys, issuer, audience,
/// device, expiry), with its claims. Immutable; its strings are lent for as long as it lives.
/// Free with `plexlink_jwt_free`.
#[derive(Debug)]
pub struct plexlink_jwt {
    _private: [u8; 0],
}

/// plex.tv's keys for verifying Plex JWTs, as a sans-IO JWT sign-in or refresh had them
/// (`plexlink_pin_login_plex_keys`, `plexlink_jwt_refresh_plex_keys`). Give them to the next one
/// (`plexlink_jwt_refresh_new`, `plexlink_pin_login_new_jwt`, `plexlink_pin_login_resume_jwt`)
/// and it verifies its Plex JWT without fetching them again: one request less, at the end of
/// each. It still fetches them when the JWT names a key they lack (plex.tv rotates its keys).
/// Public keys, no secret. Immutable; free with `plexlink_plex_keys_free`. (The blocking calls
/// and tasks keep them in their client by themselves.)
#[derive(Debug)]
pub struct plexlink_plex_keys {
    _private: [u8; 0],
}

castable!(Box plexlink_device_key => DeviceKeyHandle);
castable!(Box plexlink_jwt => JwtHandle);
castable!(Box plexlink_plex_keys => PlexKeys);

/// The keys behind an optional handle argument: `None` for NULL.
///
/// # Safety
///
/// `keys` is NULL or a live `plexlink_plex_keys`.
pub(crate) unsafe fn taken_plex_keys(keys: *const plexlink_plex_keys) -> Option<PlexKeys> {
    // SAFETY: this function's contract.
    unsafe { ffi::try_from(keys) }.cloned()
}

/// A copy of `keys` for C (the `_plex_keys` getters of the JWT machines): `PLEXLINK_RESULT_OK`
/// with `*out`, or `PLEXLINK_RESULT_DONE` (nothing written) when there are none.
pub(crate) fn give_plex_keys(keys: Option<&PlexKeys>, out: OutParam<'_, *mut plexlink_plex_keys>) -> plexlink_result {
    out.write_or(keys.map(|keys| ffi::to_box(keys.clone())), plexlink_result::Done)
}

/// How many keys plexlink can use in `keys`; 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_plex_keys_len(keys: *const plexlink_plex_keys) -> usize {
    ffi_panic_boundary! { try_ref_from_ptr!(keys).len() }
}

/// Frees keys. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_plex_keys_free(keys: *mut plexlink_plex_keys) {
    ffi_panic_boundary! {
        // SAFETY: `keys` is NULL or live keys that C gives up (this function's contract).
        unsafe { ffi::free_box(keys) }
    }
}

/// A key and its id, ready for C. `Debug` shows the id only (the core's `DeviceKey`).
#[derive(Debug)]
pub(crate) struct DeviceKeyHandle {
    pub(crate) key: DeviceKey,
    kid: CText,
}

impl DeviceKeyHandle {
    fn new(key: DeviceKey) -> Self {
        Self {
            kid: c_string(key.kid()),
            key,
        }
    }
}

/// A verified Plex JWT and its strings, ready for C.
#[derive(Debug)]
pub(crate) struct JwtHandle {
    jwt: PlexJwt,
    token: CText,
    username: CText,
    uuid: CText,
    email: CText,
    friendly_name: CText,
    thumbprint: Option<CText>,
}

impl JwtHandle {
    pub(crate) fn boxed(jwt: PlexJwt) -> Box<Self> {
        let user = &jwt.claims.user;
        Box::new(Self {
            token: c_string(jwt.token.secret()),
            username: c_string(&user.username),
            uuid: c_string(&user.uuid),
            email: c_string(&user.email),
            friendly_name: c_string(&user.friendly_name),
            thumbprint: opt_c_string(jwt.claims.thumbprint.as_deref()),
            jwt,
        })
    }
}

// --- plexlink_device_key -----------------------------------------------------------------------

/// How the functions that make a key end: the new key (the caller's) written out, or the
/// failure's code (also the last error).
fn write_key(out: OutParam<'_, *mut plexlink_device_key>, key: Result<DeviceKey, Error>) -> plexlink_result {
    match key {
        Ok(key) => out.write_ok(ffi::to_box(DeviceKeyHandle::new(key))),
        Err(e) => error::fail(&e),
    }
}

/// A new device key from the operating system's random generator, for a new client identifier.
/// Keep it with the identifier (`plexlink_device_key_private` or `plexlink_device_key_seed`)
/// and load it on the next run: a new key is a new device at plex.tv. On success `*key_out` is
/// the caller's, to free with `plexlink_device_key_free`. `PLEXLINK_RESULT_INVALID_PARAMETER`
/// when the system gives no random bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_key_new(key_out: *mut *mut plexlink_device_key) -> plexlink_result {
    ffi_panic_boundary! { write_key(try_out!(key_out), blocking::new_device_key()) }
}

/// The device key whose private part is `seed`: `seed_len` bytes (copied), which must be
/// `PLEXLINK_DEVICE_KEY_SEED_LEN` (32), as `plexlink_device_key_seed` gave them or as drawn
/// from a random generator the host trusts. On success `*key_out` is the caller's.
/// `PLEXLINK_RESULT_INVALID_PARAMETER` for another length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_key_from_seed(
    seed: *const u8,
    seed_len: usize,
    key_out: *mut *mut plexlink_device_key,
) -> plexlink_result {
    ffi_panic_boundary! {
        let out = try_out!(key_out);
        if seed.is_null() {
            return error::null_parameter("seed");
        }
        let bytes = try_bytes!(seed, seed_len);
        let Ok(mut seed) = <[u8; PLEXLINK_DEVICE_KEY_SEED_LEN]>::try_from(bytes) else {
            return error::invalid_parameter(&format!(
                "invalid device key seed: {PLEXLINK_DEVICE_KEY_SEED_LEN} bytes are needed, not {seed_len}"
            ));
        };
        let key = DeviceKey::from_seed(seed);
        // The key holds its own copy; this one need not outlive the call.
        seed.fill(0);
        write_key(out, Ok(key))
    }
}

/// The device key kept as text (`plexlink_device_key_private`): the base64url of its 32-byte
/// seed, copied. On success `*key_out` is the caller's. `PLEXLINK_RESULT_INVALID_PARAMETER`
/// when it is not such a text (the last error never shows it).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_key_from_private(
    private_key: *const c_char,
    key_out: *mut *mut plexlink_device_key,
) -> plexlink_result {
    ffi_panic_boundary! {
        let out = try_out!(key_out);
        let text = try_str!(private_key);
        write_key(out, DeviceKey::from_private_key(&PrivateKey::new(text)))
    }
}

/// The key's private part as text (base64url of its 32-byte seed), for the application to keep
/// with its client identifier and give to `plexlink_device_key_from_private` on the next run.
/// A SECRET: whoever has it signs in as this device. Store it as safely as a password (a
/// keychain, a file only the user can read); never log it. On success `*private_key_out` is
/// owned: free it with `plexlink_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_key_private(
    key: *const plexlink_device_key,
    private_key_out: *mut *mut c_char,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_ref_from_ptr!(key);
        let out = try_out!(private_key_out);
        out.write(owned_string(handle.key.private_key().secret()));
        plexlink_result::Ok
    }
}

/// Copies the key's 32-byte seed (its private part, as raw bytes) to `seed_out`, which holds
/// `seed_len` bytes; the first `PLEXLINK_DEVICE_KEY_SEED_LEN` are written. A SECRET, as
/// `plexlink_device_key_private`. `PLEXLINK_RESULT_INSUFFICIENT_SIZE` when `seed_len` is less
/// than `PLEXLINK_DEVICE_KEY_SEED_LEN` (nothing is written: part of a key is no key).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_key_seed(
    key: *const plexlink_device_key,
    seed_out: *mut u8,
    seed_len: usize,
) -> plexlink_result {
    ffi_panic_boundary! {
        let handle = try_ref_from_ptr!(key);
        if seed_out.is_null() {
            return error::null_parameter("seed_out");
        }
        if seed_len < PLEXLINK_DEVICE_KEY_SEED_LEN {
            return error::misuse(
                plexlink_result::InsufficientSize,
                &format!("a device key's seed is {PLEXLINK_DEVICE_KEY_SEED_LEN} bytes; the buffer holds {seed_len}"),
            );
        }
        let mut seed = handle.key.seed();
        // SAFETY: `seed_out` is non-NULL and holds `seed_len` >= 32 writable bytes (this
        // function's contract); the source is a separate Rust array.
        unsafe { std::ptr::copy_nonoverlapping(seed.as_ptr(), seed_out, seed.len()) };
        seed.fill(0);
        plexlink_result::Ok
    }
}

/// The key's id (`kid`, the RFC 7638 thumbprint of its public key; not a secret): the
/// `thumbprint` of every Plex JWT issued to this device. Lent: valid while `key` lives. NULL for
/// NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_key_kid(key: *const plexlink_device_key) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(key).kid.as_ptr() }
}

/// Frees a device key. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_device_key_free(key: *mut plexlink_device_key) {
    ffi_panic_boundary! {
        // SAFETY: `key` is NULL or a live key that C gives up (this function's contract).
        unsafe { ffi::free_box(key) }
    }
}

// --- plexlink_jwt ------------------------------------------------------------------------------

/// The Plex JWT itself: send it as `X-Plex-Token` to plex.tv (the account calls:
/// `plexlink_client_user`, `plexlink_client_servers`, ...). Never send it to a Plex Media
/// Server: servers take their own access token (`plexlink_device_access_token`). A SECRET:
/// store it safely, never log it. Lent: valid while `jwt` lives (copy it to keep it). NULL for
/// NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_token(jwt: *const plexlink_jwt) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(jwt).token.as_ptr() }
}

/// The account's user name ("" when the JWT does not say). Lent: valid while `jwt` lives. NULL
/// for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_username(jwt: *const plexlink_jwt) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(jwt).username.as_ptr() }
}

/// The account's UUID ("" when the JWT does not say). Lent: valid while `jwt` lives. NULL for
/// NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_user_uuid(jwt: *const plexlink_jwt) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(jwt).uuid.as_ptr() }
}

/// The account's numeric id; 0 when the JWT does not say (and for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_user_id(jwt: *const plexlink_jwt) -> u64 {
    ffi_panic_boundary! { try_ref_from_ptr!(jwt).jwt.claims.user.id.unwrap_or(0) }
}

/// The account's e-mail address ("" when the JWT does not say). Lent: valid while `jwt` lives.
/// NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_email(jwt: *const plexlink_jwt) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(jwt).email.as_ptr() }
}

/// The name to show for the account ("" when the JWT does not say). Lent: valid while `jwt`
/// lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_friendly_name(jwt: *const plexlink_jwt) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(jwt).friendly_name.as_ptr() }
}

/// Whether the account is a managed (restricted) Home user. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_restricted(jwt: *const plexlink_jwt) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(jwt).jwt.claims.user.restricted }
}

/// When plex.tv issued the JWT (`iat`), in Unix seconds. 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_issued_at(jwt: *const plexlink_jwt) -> i64 {
    ffi_panic_boundary! { try_ref_from_ptr!(jwt).jwt.claims.issued_at }
}

/// When the JWT expires (`exp`), in Unix seconds. 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_expires_at(jwt: *const plexlink_jwt) -> i64 {
    ffi_panic_boundary! { try_ref_from_ptr!(jwt).jwt.claims.expires_at }
}

/// The id of the device key the JWT was issued to (`thumbprint`: `plexlink_device_key_kid` of
/// its key), or NULL when it names none. Lent: valid while `jwt` lives.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_thumbprint(jwt: *const plexlink_jwt) -> *const c_char {
    ffi_panic_boundary! { opt_ptr(&try_ref_from_ptr!(jwt).thumbprint) }
}

/// Whether it is time to refresh the JWT (`plexlink_client_refresh_jwt`) at `unix_now_s` (Unix
/// seconds): less than a day of its life is left, as Plex advises. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_needs_refresh(jwt: *const plexlink_jwt, unix_now_s: i64) -> bool {
    ffi_panic_boundary! { needs_refresh(&try_ref_from_ptr!(jwt).jwt.claims, unix_now_s) }
}

/// Frees a JWT. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_jwt_free(jwt: *mut plexlink_jwt) {
    ffi_panic_boundary! {
        // SAFETY: `jwt` is NULL or a live JWT that C gives up (this function's contract).
        unsafe { ffi::free_box(jwt) }
    }
}

// --- blocking calls ----------------------------------------------------------------------------

/// The call of `plexlink_client_create_jwt_pin` and `plexlink_task_create_jwt_pin`.
pub(crate) unsafe fn create_jwt_pin(
    client: *const plexlink_client,
    key: *const plexlink_device_key,
    strong: bool,
) -> Checked<Box<PinHandle>> {
    let client = try_clone_arc!(client);
    let key = try_ref_from_ptr!(key).key.clone();
    Ok(Call::new(client, move |c, _| {
        c.create_jwt_pin(&key, strong).map(PinHandle::boxed)
    }))
}

/// Creates a PIN whose token will be a Plex JWT for `key` (a short code when `strong` is false,
/// a long one for the auth page when true). Show it as a `plexlink_client_create_pin` PIN, then
/// wait with `plexlink_client_wait_for_jwt` and the same key. Blocks for one request. On
/// success `*pin_out` is the caller's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_create_jwt_pin(
    client: *const plexlink_client,
    key: *const plexlink_device_key,
    strong: bool,
    pin_out: *mut *mut plexlink_pin,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(create_jwt_pin(client, key, strong)).run(try_out!(pin_out)) }
}

/// The call of `plexlink_client_wait_for_jwt` and `plexlink_task_wait_for_jwt`.
pub(crate) unsafe fn wait_for_jwt(
    client: *const plexlink_client,
    pin: *const plexlink_pin,
    key: *const plexlink_device_key,
    options: *const plexlink_wait_options,
) -> Checked<Box<JwtHandle>> {
    let client = try_clone_arc!(client);
    let pin = try_ref_from_ptr!(pin).pin.clone();
    let key = try_ref_from_ptr!(key).key.clone();
    let options = try_struct!(options);
    // SAFETY: `options.cancel` is NULL or a live cancel handle (the options' contract).
    let settings = unsafe { WaitSettings::from_c(options) };
    let cancel = settings.cancel.clone();
    let call = Call::new(client, move |c, progress| {
        settings
            .wait(progress, |options| c.wait_for_jwt(&pin, &key, options))
            .map(JwtHandle::boxed)
    });
    Ok(call.with_progress(ProgressCallback::from_c(options), cancel))
}

/// Waits until the person approves `pin` (from `plexlink_client_create_jwt_pin` with the same
/// `key`), as `plexlink_client_wait_for_token` does (same options, progress, cancel, endings),
/// then gives the Plex JWT, verified. Each check carries a device JWT signed by `key`, signed
/// again from a new nonce before the last one's life ends, for as long as the PIN lives.
///
/// The Plex JWT ENDS THE LEGACY TOKEN of this client identifier (and password or PIN sign-ins
/// under it). On success `*jwt_out` is the caller's, to free with `plexlink_jwt_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_wait_for_jwt(
    client: *const plexlink_client,
    pin: *const plexlink_pin,
    key: *const plexlink_device_key,
    options: *const plexlink_wait_options,
    jwt_out: *mut *mut plexlink_jwt,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(wait_for_jwt(client, pin, key, options)).run(try_out!(jwt_out)) }
}

/// The call of `plexlink_client_upgrade_to_jwt` and `plexlink_task_upgrade_to_jwt`.
pub(crate) unsafe fn upgrade_to_jwt(
    client: *const plexlink_client,
    token: *const c_char,
    key: *const plexlink_device_key,
) -> Checked<Box<JwtHandle>> {
    let client = try_clone_arc!(client);
    let key = try_ref_from_ptr!(key).key.clone();
    // SAFETY: `token` as this function's callers got it.
    unsafe {
        token_call(client, token, move |c, token| {
            c.upgrade_to_jwt(token, &key).map(JwtHandle::boxed)
        })
    }
}

/// Upgrades the legacy account `token` to a Plex JWT: registers `key` with it, then exchanges a
/// device JWT signed by `key`. THIS ENDS `token` for this client identifier (and password or
/// PIN sign-ins under it); other client identifiers keep it. To keep a legacy token, sign in
/// with `plexlink_client_create_jwt_pin` under a second client identifier instead, and approve
/// that PIN with `plexlink_client_link_pin` and the legacy token. On success `*jwt_out` is the
/// caller's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_upgrade_to_jwt(
    client: *const plexlink_client,
    token: *const c_char,
    key: *const plexlink_device_key,
    jwt_out: *mut *mut plexlink_jwt,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(upgrade_to_jwt(client, token, key)).run(try_out!(jwt_out)) }
}

/// The call of `plexlink_client_refresh_jwt` and `plexlink_task_refresh_jwt`.
pub(crate) unsafe fn refresh_jwt(
    client: *const plexlink_client,
    key: *const plexlink_device_key,
) -> Checked<Box<JwtHandle>> {
    let client = try_clone_arc!(client);
    let key = try_ref_from_ptr!(key).key.clone();
    Ok(Call::new(client, move |c, _| c.refresh_jwt(&key).map(JwtHandle::boxed)))
}

/// A new Plex JWT for the registered `key` (nonce, device JWT, exchange, verification): call it
/// when `plexlink_jwt_needs_refresh` says so, or when plex.tv answered
/// `PLEXLINK_RESULT_TOKEN_EXPIRED`, then make the call once more. `PLEXLINK_RESULT_DEVICE_REMOVED`:
/// the device was removed from the account; only a new client identifier and a new key (and a
/// new sign-in) help. On success `*jwt_out` is the caller's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_refresh_jwt(
    client: *const plexlink_client,
    key: *const plexlink_device_key,
    jwt_out: *mut *mut plexlink_jwt,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(refresh_jwt(client, key)).run(try_out!(jwt_out)) }
}

/// The call of `plexlink_client_verify_jwt` and `plexlink_task_verify_jwt`.
pub(crate) unsafe fn verify_jwt(
    client: *const plexlink_client,
    token: *const c_char,
    key: *const plexlink_device_key,
) -> Checked<Box<JwtHandle>> {
    let client = try_clone_arc!(client);
    let key = try_ref_from_ptr!(key).key.clone();
    // SAFETY: `token` as this function's callers got it.
    unsafe {
        token_call(client, token, move |c, token| {
            let claims = c.verify_jwt(token, &key)?;
            Ok(JwtHandle::boxed(PlexJwt {
                token: Token::clone(token),
                claims,
            }))
        })
    }
}

/// Verifies a Plex JWT issued to `key` (a stored one, on the next run): signed by one of
/// plex.tv's published keys, issued by plex.tv for this client identifier and this device, not
/// expired. plex.tv's keys are fetched once per client and kept (fetched again when a JWT names
/// one the client does not have). `PLEXLINK_RESULT_INVALID_JWT` when it fails (never trust its
/// claims then); `PLEXLINK_RESULT_INVALID_UTF8` for bytes that are not UTF-8. On success
/// `*jwt_out` is the caller's: the token (copied) with its claims.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_verify_jwt(
    client: *const plexlink_client,
    token: *const c_char,
    key: *const plexlink_device_key,
    jwt_out: *mut *mut plexlink_jwt,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(verify_jwt(client, token, key)).run(try_out!(jwt_out)) }
}
