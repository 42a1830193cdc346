//! `plexlink_client`: the blocking client, made from a configuration.

use crate::config::plexlink_client_config;
use crate::error::{self, plexlink_result};
use crate::ffi::{self, castable, try_out, try_ref_from_ptr};
use crate::panic::ffi_panic_boundary;

/// Signs people in to Plex and finds their servers, over blocking HTTP. Thread-safe: one client
/// may be used by many threads at once, and its connection pool is shared by all of them (a
/// whole PIN wait runs over one kept-alive connection). Free with `plexlink_client_free`.
#[derive(Debug)]
pub struct plexlink_client {
    _private: [u8; 0],
}

castable!(Arc plexlink_client => blocking::Client);

/// Makes a client from a configuration (the configuration may be freed afterwards).
///
/// On success `*client_out` is the caller's, to free with `plexlink_client_free`.
/// `PLEXLINK_RESULT_INVALID_PARAMETER` for an unusable setting (a bad root certificate).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_new(
    config: *const plexlink_client_config,
    client_out: *mut *const plexlink_client,
) -> plexlink_result {
    ffi_panic_boundary! {
        let config = try_ref_from_ptr!(config);
        let out = try_out!(client_out);
        match config.client() {
            Ok(client) => {
                out.write(ffi::to_arc(std::sync::Arc::new(client)));
                plexlink_result::Ok
            }
            Err(e) => error::fail(&e),
        }
    }
}

/// Frees the client. Tasks still running keep their own reference, so this is safe while they
/// run; a blocking call on another thread must have returned. NULL is fine; must not be called
/// twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_client_free(client: *const plexlink_client) {
    ffi_panic_boundary! {
        // SAFETY: `client` is NULL or a live client that C gives up (this function's contract).
        unsafe { ffi::free_arc(client) }
    }
}

/// Frees a string that the library returned as owned (`char **..._out`), after setting its bytes
/// to zero (a token must not stay in freed memory). NULL is fine; must not be called twice, and
/// must not be given a string the library only lent (`const char *` accessors) or one from
/// anywhere else. Strings the library lends are wiped too, when their handle is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_string_free(string: *mut std::ffi::c_char) {
    ffi_panic_boundary! {
        if !string.is_null() {
            // SAFETY: a non-NULL `string` came from `CText::into_raw` in this library and C
            // gives it up (this function's contract). Dropped, it is wiped.
            drop(unsafe { ffi::CText::from_raw(string) });
        }
    }
}
