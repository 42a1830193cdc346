//! The account's servers while plex.tv cannot be reached (docs/protocol.md §3.8):
//! `plexlink_resources_snapshot` (plex.tv's answer, kept by the app) and
//! `plexlink_client_servers_or_snapshot`, which falls back to it.

use std::ffi::c_char;

use blocking::{ResourcesSnapshot, ServerList};

use crate::call::{Checked, token_call, try_call};
use crate::client::plexlink_client;
use crate::error::{self, ErrorInfo, plexlink_result};
use crate::ffi::{self, castable, owned_string, try_clone_arc, try_out, try_ref_from_ptr, try_str};
use crate::panic::ffi_panic_boundary;
use crate::resources::{DeviceHandle, device_list, plexlink_device_list};

/// What plex.tv said of the account's devices, and when: their connections and every server's
/// access token. A SECRET, like a token. Immutable; free with `plexlink_resources_snapshot_free`.
#[derive(Debug)]
pub struct plexlink_resources_snapshot {
    _private: [u8; 0],
}

/// The account's servers from `plexlink_client_servers_or_snapshot`: plex.tv's answer now, or
/// the snapshot given when plex.tv could not be reached. Immutable; free with
/// `plexlink_server_list_free`, which also ends everything it lent.
#[derive(Debug)]
pub struct plexlink_server_list {
    _private: [u8; 0],
}

castable!(Box plexlink_resources_snapshot => ResourcesSnapshot);
castable!(Box plexlink_server_list => ServerListHandle);

#[derive(Debug)]
pub(crate) struct ServerListHandle {
    servers: Vec<DeviceHandle>,
    snapshot: ResourcesSnapshot,
    /// Why the servers come from the snapshot; `None` when plex.tv answered.
    offline: Option<ErrorInfo>,
}

impl ServerListHandle {
    fn boxed(list: ServerList) -> Box<Self> {
        Box::new(Self {
            servers: device_list(list.servers),
            offline: list.offline.as_ref().map(ErrorInfo::from_error),
            snapshot: list.snapshot,
        })
    }
}

// --- plexlink_resources_snapshot ---------------------------------------------------------------

/// Reads a snapshot the app stored (the text of `plexlink_resources_snapshot_to_json`). On
/// success `*snapshot_out` is the caller's. `PLEXLINK_RESULT_DECODE` for text that is not one,
/// or one written by another version (whose message never quotes the text: it holds tokens).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_resources_snapshot_from_json(
    json: *const c_char,
    snapshot_out: *mut *mut plexlink_resources_snapshot,
) -> plexlink_result {
    ffi_panic_boundary! {
        let json = try_str!(json);
        let out = try_out!(snapshot_out);
        match ResourcesSnapshot::from_json(json) {
            Ok(snapshot) => {
                out.write(ffi::to_box(snapshot));
                plexlink_result::Ok
            }
            Err(e) => error::fail(&e),
        }
    }
}

/// The snapshot as text for the app to store and give to `plexlink_resources_snapshot_from_json`
/// on a later run. A SECRET: it holds every server's access token; store it as privately as a
/// token (a file only the user can read), never log it. On success `*json_out` is owned: free it
/// with `plexlink_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_resources_snapshot_to_json(
    snapshot: *const plexlink_resources_snapshot,
    json_out: *mut *mut c_char,
) -> plexlink_result {
    ffi_panic_boundary! {
        let snapshot = try_ref_from_ptr!(snapshot);
        let out = try_out!(json_out);
        out.write(owned_string(&snapshot.to_json()));
        plexlink_result::Ok
    }
}

/// When plex.tv gave this answer (Unix seconds); 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_resources_snapshot_taken_at(snapshot: *const plexlink_resources_snapshot) -> i64 {
    ffi_panic_boundary! { try_ref_from_ptr!(snapshot).taken_at() }
}

/// Frees a snapshot. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_resources_snapshot_free(snapshot: *mut plexlink_resources_snapshot) {
    ffi_panic_boundary! {
        // SAFETY: `snapshot` is NULL or a live snapshot that C gives up (this function's contract).
        unsafe { ffi::free_box(snapshot) }
    }
}

// --- the call ------------------------------------------------------------------------------------

/// The call of `plexlink_client_servers_or_snapshot` and `plexlink_task_servers_or_snapshot`.
pub(crate) unsafe fn servers_or_snapshot(
    client: *const plexlink_client,
    token: *const c_char,
    snapshot: *const plexlink_resources_snapshot,
) -> Checked<Box<ServerListHandle>> {
    let client = try_clone_arc!(client);
    // SAFETY: `snapshot` is NULL or a live snapshot (the C functions' contract).
    let snapshot = unsafe { ffi::try_from(snapshot) }.cloned();
    // SAFETY: `token` as this function's callers got it.
    unsafe {
        token_call(client, token, move |c, token| {
            c.servers_or_snapshot(token, snapshot.as_ref())
                .map(ServerListHandle::boxed)
        })
    }
}

/// The account's servers (as `plexlink_client_servers` lists them), with a fallback: when
/// plex.tv cannot be reached (a network error, a timeout, a 5xx or a 429) and `snapshot` is
/// given, the servers of `snapshot`, and `plexlink_server_list_offline` says why. Never after
/// plex.tv refused the token (`PLEXLINK_RESULT_UNAUTHORIZED`) or any other definite answer: a
/// person signed out must not keep reaching servers through an old answer. `snapshot` may be
/// NULL (then a failure is the call's), and is copied. Keep the list's snapshot
/// (`plexlink_server_list_snapshot`, then `plexlink_resources_snapshot_to_json`) for the next
/// call. Races to the servers still check each one's identity. On success `*list_out` is the
/// caller's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_servers_or_snapshot(
    client: *const plexlink_client,
    token: *const c_char,
    snapshot: *const plexlink_resources_snapshot,
    list_out: *mut *mut plexlink_server_list,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(servers_or_snapshot(client, token, snapshot)).run(try_out!(list_out)) }
}

// --- plexlink_server_list ------------------------------------------------------------------------

/// The servers, lent while `list` lives (never freed on their own). NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_server_list_servers(
    list: *const plexlink_server_list,
) -> *const plexlink_device_list {
    ffi_panic_boundary! { ffi::lend(&try_ref_from_ptr!(list).servers) }
}

/// The snapshot to store for the next call: plex.tv's answer now, or the one given when plex.tv
/// could not be reached. A SECRET (see `plexlink_resources_snapshot_to_json`). Lent while `list`
/// lives (never freed on its own). NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_server_list_snapshot(
    list: *const plexlink_server_list,
) -> *const plexlink_resources_snapshot {
    ffi_panic_boundary! { ffi::lend(&try_ref_from_ptr!(list).snapshot) }
}

/// Why the servers come from the snapshot: the code of plex.tv's failure
/// (`PLEXLINK_RESULT_NETWORK`, `PLEXLINK_RESULT_HTTP_STATUS`, ...); `PLEXLINK_RESULT_OK` when
/// plex.tv answered now. `PLEXLINK_RESULT_NULL_PARAMETER` for NULL (not recorded as the last
/// error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_server_list_offline(list: *const plexlink_server_list) -> plexlink_result {
    ffi_panic_boundary! {
        // SAFETY: `list` is NULL or a live list (this function's contract).
        match unsafe { ffi::try_from(list) } {
            None => plexlink_result::NullParameter,
            Some(list) => list.offline.as_ref().map_or(plexlink_result::Ok, |e| e.code),
        }
    }
}

/// The full text of plex.tv's failure when the servers come from the snapshot; "" when plex.tv
/// answered now. Lent while `list` lives. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_server_list_offline_message(list: *const plexlink_server_list) -> *const c_char {
    ffi_panic_boundary! {
        try_ref_from_ptr!(list).offline.as_ref().map_or(c"".as_ptr(), |e| e.message.as_ptr())
    }
}

/// Frees the list, its servers and its snapshot. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_server_list_free(list: *mut plexlink_server_list) {
    ffi_panic_boundary! {
        // SAFETY: `list` is NULL or a live list that C gives up (this function's contract).
        unsafe { ffi::free_box(list) }
    }
}
