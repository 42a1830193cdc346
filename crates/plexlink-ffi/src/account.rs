//! `plexlink_account` and `plexlink_home_user_list`: token details, sign-in with two-factor
//! codes, sign-out, ping, the Plex Home and switching to one of its users, claim tokens.

use std::ffi::c_char;

use plexlink_core::account::{Account, HomeUser};
use plexlink_core::{Password, PinCode, Token, VerificationCode};

use crate::call::{Call, Checked, token_call, try_call};
use crate::client::plexlink_client;
use crate::error::plexlink_result;
use crate::ffi::{
    self, CText, c_string, castable, opt_c_string, opt_ptr, try_clone_arc, try_opt_str, try_out, try_ref_from_ptr,
    try_str,
};
use crate::panic::ffi_panic_boundary;

/// A Plex account, as token details, sign-in and a Home switch give it. Immutable; its strings
/// are lent for as long as it lives. Free with `plexlink_account_free`.
#[derive(Debug)]
pub struct plexlink_account {
    _private: [u8; 0],
}

/// The members of a Plex Home. Immutable; free with `plexlink_home_user_list_free`.
#[derive(Debug)]
pub struct plexlink_home_user_list {
    _private: [u8; 0],
}

/// One member of a Plex Home, lent by its `plexlink_home_user_list` (valid while the list
/// lives; never freed on its own).
#[derive(Debug)]
pub struct plexlink_home_user {
    _private: [u8; 0],
}

castable!(Box plexlink_account => AccountHandle);
castable!(Box plexlink_home_user_list => Vec<HomeUserHandle>);
castable!(Ref plexlink_home_user => HomeUserHandle);

#[derive(Debug)]
pub(crate) struct AccountHandle {
    account: Account,
    uuid: CText,
    username: CText,
    email: CText,
    friendly_name: CText,
    title: CText,
    thumb: CText,
    auth_token: Option<CText>,
    subscription_status: Option<CText>,
    subscription_plan: Option<CText>,
}

impl AccountHandle {
    pub(crate) fn boxed(account: Account) -> Box<Self> {
        Box::new(Self::new(account))
    }

    pub(crate) fn new(account: Account) -> Self {
        Self {
            uuid: c_string(&account.uuid),
            username: c_string(&account.username),
            email: c_string(&account.email),
            friendly_name: c_string(&account.friendly_name),
            title: c_string(&account.title),
            thumb: c_string(&account.thumb),
            auth_token: opt_c_string(account.auth_token.as_ref().map(Token::secret)),
            subscription_status: opt_c_string(account.subscription.as_ref().map(|s| s.status.as_str())),
            subscription_plan: opt_c_string(account.subscription.as_ref().map(|s| s.plan.as_str())),
            account,
        }
    }
}

#[derive(Debug)]
pub(crate) struct HomeUserHandle {
    user: HomeUser,
    uuid: CText,
    title: CText,
    username: CText,
    thumb: CText,
}

pub(crate) fn home_user_list(users: Vec<HomeUser>) -> Vec<HomeUserHandle> {
    users
        .into_iter()
        .map(|user| HomeUserHandle {
            uuid: c_string(&user.uuid),
            title: c_string(&user.title),
            username: c_string(&user.username),
            thumb: c_string(&user.thumb),
            user,
        })
        .collect()
}

// --- plexlink_account ------------------------------------------------------------------------

/// The account's numeric id; 0 when unknown (and for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_account_id(account: *const plexlink_account) -> u64 {
    ffi_panic_boundary! { try_ref_from_ptr!(account).account.id.unwrap_or(0) }
}

/// The account's UUID ("" when unknown). Lent: valid while `account` lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_account_uuid(account: *const plexlink_account) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(account).uuid.as_ptr() }
}

/// The user name ("" for managed users). Lent: valid while `account` lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_account_username(account: *const plexlink_account) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(account).username.as_ptr() }
}

/// The e-mail address ("" when not given). Lent: valid while `account` lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_account_email(account: *const plexlink_account) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(account).email.as_ptr() }
}

/// The name to show. Lent: valid while `account` lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_account_friendly_name(account: *const plexlink_account) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(account).friendly_name.as_ptr() }
}

/// The title (a managed user's name). Lent: valid while `account` lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_account_title(account: *const plexlink_account) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(account).title.as_ptr() }
}

/// The avatar's URL ("" when none). Lent: valid while `account` lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_account_thumb(account: *const plexlink_account) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(account).thumb.as_ptr() }
}

/// The account's token: after a sign-in or a Home switch, the new token to store. NULL when the
/// answer had none. A secret: never log it. Lent: valid while `account` lives.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_account_auth_token(account: *const plexlink_account) -> *const c_char {
    ffi_panic_boundary! { opt_ptr(&try_ref_from_ptr!(account).auth_token) }
}

/// Whether two-factor authentication is on. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_account_two_factor_enabled(account: *const plexlink_account) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(account).account.two_factor_enabled }
}

/// Whether the account belongs to a Plex Home. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_account_home(account: *const plexlink_account) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(account).account.home }
}

/// Whether the account is its Home's administrator. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_account_home_admin(account: *const plexlink_account) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(account).account.home_admin }
}

/// Whether the account has an active Plex Pass subscription. False when unknown, and for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_account_subscription_active(account: *const plexlink_account) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(account).account.subscription.as_ref().is_some_and(|s| s.active) }
}

/// The subscription's status ("Active", "Inactive", ...), or NULL when plex.tv sent none. Lent:
/// valid while `account` lives.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_account_subscription_status(account: *const plexlink_account) -> *const c_char {
    ffi_panic_boundary! { opt_ptr(&try_ref_from_ptr!(account).subscription_status) }
}

/// The subscription's plan ("monthly", "lifetime", ...), or NULL when plex.tv sent none. Lent:
/// valid while `account` lives.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_account_subscription_plan(account: *const plexlink_account) -> *const c_char {
    ffi_panic_boundary! { opt_ptr(&try_ref_from_ptr!(account).subscription_plan) }
}

/// Frees an account. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_account_free(account: *mut plexlink_account) {
    ffi_panic_boundary! {
        // SAFETY: `account` is NULL or a live account that C gives up (this function's contract).
        unsafe { ffi::free_box(account) }
    }
}

// --- plexlink_home_user_list -------------------------------------------------------------------

/// How many members the list holds; 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_home_user_list_len(list: *const plexlink_home_user_list) -> usize {
    ffi_panic_boundary! { try_ref_from_ptr!(list).len() }
}

/// The member at `index` (0-based), lent while `list` lives; NULL when out of range or for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_home_user_list_get(
    list: *const plexlink_home_user_list,
    index: usize,
) -> *const plexlink_home_user {
    ffi_panic_boundary! {
        try_ref_from_ptr!(list).get(index).map_or(std::ptr::null(), ffi::lend)
    }
}

/// Frees the list and every member it lent. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_home_user_list_free(list: *mut plexlink_home_user_list) {
    ffi_panic_boundary! {
        // SAFETY: `list` is NULL or a live list that C gives up (this function's contract).
        unsafe { ffi::free_box(list) }
    }
}

/// The member's numeric id; 0 when unknown (and for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_home_user_id(user: *const plexlink_home_user) -> u64 {
    ffi_panic_boundary! { try_ref_from_ptr!(user).user.id.unwrap_or(0) }
}

/// The member's UUID: what `plexlink_client_switch_home_user` takes. Lent: valid while the list
/// lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_home_user_uuid(user: *const plexlink_home_user) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(user).uuid.as_ptr() }
}

/// The name to show. Lent: valid while the list lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_home_user_title(user: *const plexlink_home_user) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(user).title.as_ptr() }
}

/// The user name ("" for managed users). Lent: valid while the list lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_home_user_username(user: *const plexlink_home_user) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(user).username.as_ptr() }
}

/// The avatar's URL ("" when none). Lent: valid while the list lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_home_user_thumb(user: *const plexlink_home_user) -> *const c_char {
    ffi_panic_boundary! { try_ref_from_ptr!(user).thumb.as_ptr() }
}

/// Whether the member is the Home's administrator. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_home_user_admin(user: *const plexlink_home_user) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(user).user.admin }
}

/// Whether the member is a managed user with restrictions. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_home_user_restricted(user: *const plexlink_home_user) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(user).user.restricted }
}

/// Whether switching to the member needs their Home PIN. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_home_user_protected(user: *const plexlink_home_user) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(user).user.protected }
}

/// Whether the member is the guest user. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_home_user_guest(user: *const plexlink_home_user) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(user).user.guest }
}

// --- blocking calls --------------------------------------------------------------------------

/// The call of `plexlink_client_user` and `plexlink_task_user`.
pub(crate) unsafe fn user(client: *const plexlink_client, token: *const c_char) -> Checked<Box<AccountHandle>> {
    let client = try_clone_arc!(client);
    // SAFETY: `token` as this function's callers got it.
    unsafe { token_call(client, token, |c, token| c.user(token).map(AccountHandle::boxed)) }
}

/// The account `token` belongs to (token details). Only `PLEXLINK_RESULT_UNAUTHORIZED` means the
/// token is bad and should be forgotten; any other failure says nothing about it. On success
/// `*account_out` is the caller's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_user(
    client: *const plexlink_client,
    token: *const c_char,
    account_out: *mut *mut plexlink_account,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(user(client, token)).run(try_out!(account_out)) }
}

/// The call of `plexlink_client_sign_in` and `plexlink_task_sign_in`.
pub(crate) unsafe fn sign_in(
    client: *const plexlink_client,
    login: *const c_char,
    password: *const c_char,
    verification_code: *const c_char,
) -> Checked<Box<AccountHandle>> {
    let client = try_clone_arc!(client);
    let login = try_str!(login).to_owned();
    let password = Password::new(try_str!(password));
    let code = try_opt_str!(verification_code).map(VerificationCode::new);
    Ok(Call::new(client, move |c, _| {
        c.sign_in(&login, &password, code.as_ref()).map(AccountHandle::boxed)
    }))
}

/// Signs in with a `login` (user name or e-mail) and `password`. `verification_code` may be NULL;
/// when the account has two-factor authentication the call fails with
/// `PLEXLINK_RESULT_TWO_FACTOR_REQUIRED`: ask the person for the code and call again with it
/// (`PLEXLINK_RESULT_INVALID_VERIFICATION_CODE` when wrong). `PLEXLINK_RESULT_UNAUTHORIZED` for
/// bad credentials, `PLEXLINK_RESULT_IP_LOCKED_OUT` after too many failures (stop retrying).
/// On success `*account_out` is the caller's; its `plexlink_account_auth_token` is the token.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_sign_in(
    client: *const plexlink_client,
    login: *const c_char,
    password: *const c_char,
    verification_code: *const c_char,
    account_out: *mut *mut plexlink_account,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(sign_in(client, login, password, verification_code)).run(try_out!(account_out)) }
}

/// The call of `plexlink_client_sign_out` and `plexlink_task_sign_out`.
pub(crate) unsafe fn sign_out(client: *const plexlink_client, token: *const c_char) -> Checked<()> {
    let client = try_clone_arc!(client);
    // SAFETY: `token` as this function's callers got it.
    unsafe { token_call(client, token, |c, token| c.sign_out(token)) }
}

/// Revokes `token` (signs this device out).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_sign_out(
    client: *const plexlink_client,
    token: *const c_char,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(sign_out(client, token)).run_unit() }
}

/// The call of `plexlink_client_ping` and `plexlink_task_ping`.
pub(crate) unsafe fn ping(client: *const plexlink_client, token: *const c_char) -> Checked<()> {
    let client = try_clone_arc!(client);
    // SAFETY: `token` as this function's callers got it.
    unsafe { token_call(client, token, |c, token| c.ping(token)) }
}

/// Keeps `token` alive.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_ping(client: *const plexlink_client, token: *const c_char) -> plexlink_result {
    ffi_panic_boundary! { try_call!(ping(client, token)).run_unit() }
}

/// The call of `plexlink_client_home_users` and `plexlink_task_home_users`.
pub(crate) unsafe fn home_users(client: *const plexlink_client, token: *const c_char) -> Checked<Vec<HomeUserHandle>> {
    let client = try_clone_arc!(client);
    // SAFETY: `token` as this function's callers got it.
    unsafe { token_call(client, token, |c, token| c.home_users(token).map(home_user_list)) }
}

/// The members of the account's Plex Home. On success `*list_out` is the caller's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_home_users(
    client: *const plexlink_client,
    token: *const c_char,
    list_out: *mut *mut plexlink_home_user_list,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(home_users(client, token)).run(try_out!(list_out)) }
}

/// The call of `plexlink_client_switch_home_user` and `plexlink_task_switch_home_user`.
pub(crate) unsafe fn switch_home_user(
    client: *const plexlink_client,
    token: *const c_char,
    user_uuid: *const c_char,
    pin: *const c_char,
) -> Checked<Box<AccountHandle>> {
    let client = try_clone_arc!(client);
    let token = Token::new(try_str!(token));
    let user_uuid = try_str!(user_uuid).to_owned();
    let pin = try_opt_str!(pin).map(PinCode::new);
    Ok(Call::new(client, move |c, _| {
        c.switch_home_user(&token, &user_uuid, pin.as_ref())
            .map(AccountHandle::boxed)
    }))
}

/// Switches to the Home member `user_uuid`, with their Home `pin` when they are protected (`pin`
/// may be NULL; `PLEXLINK_RESULT_HOME_PIN_REQUIRED` when one is needed or it was wrong). On
/// success `*account_out` is the caller's; its `plexlink_account_auth_token` is the member's
/// token: read resources again with it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_switch_home_user(
    client: *const plexlink_client,
    token: *const c_char,
    user_uuid: *const c_char,
    pin: *const c_char,
    account_out: *mut *mut plexlink_account,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(switch_home_user(client, token, user_uuid, pin)).run(try_out!(account_out)) }
}

/// The call of `plexlink_client_claim_token` and `plexlink_task_claim_token`.
pub(crate) unsafe fn claim_token(client: *const plexlink_client, token: *const c_char) -> Checked<CText> {
    let client = try_clone_arc!(client);
    // SAFETY: `token` as this function's callers got it.
    unsafe {
        token_call(client, token, |c, token| {
            c.claim_token(token).map(|t| c_string(t.secret()))
        })
    }
}

/// A claim token for setting up a new server. On success `*claim_token_out` is owned: free it
/// with `plexlink_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_claim_token(
    client: *const plexlink_client,
    token: *const c_char,
    claim_token_out: *mut *mut c_char,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(claim_token(client, token)).run(try_out!(claim_token_out)) }
}
