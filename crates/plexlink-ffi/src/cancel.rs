//! `plexlink_cancel`: a flag that one thread raises to stop a PIN wait on another.

use std::sync::Arc;

use blocking::CancelToken;

use crate::error::plexlink_result;
use crate::ffi::{self, castable, try_out, try_ref_from_ptr};
use crate::panic::ffi_panic_boundary;

/// Cancels a blocking PIN wait (`plexlink_wait_options.cancel`) from any thread. Thread-safe.
/// Free with `plexlink_cancel_free`.
#[derive(Debug)]
pub struct plexlink_cancel {
    _private: [u8; 0],
}

castable!(Arc plexlink_cancel => CancelToken);

/// A new cancel handle, not cancelled. On success `*cancel_out` is the caller's, to free with
/// `plexlink_cancel_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_cancel_new(cancel_out: *mut *const plexlink_cancel) -> plexlink_result {
    ffi_panic_boundary! {
        let out = try_out!(cancel_out);
        out.write(ffi::to_arc(Arc::new(CancelToken::new())));
        plexlink_result::Ok
    }
}

/// Cancels: every wait using this handle returns `PLEXLINK_RESULT_CANCELLED` promptly (a
/// request already on the wire ends first, bounded by the client's timeout). May be called from
/// any thread, any number of times.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_cancel_cancel(cancel: *const plexlink_cancel) -> plexlink_result {
    ffi_panic_boundary! {
        let token = try_ref_from_ptr!(cancel);
        token.cancel();
        plexlink_result::Ok
    }
}

/// Whether `plexlink_cancel_cancel` was called on this handle; false for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_cancel_is_cancelled(cancel: *const plexlink_cancel) -> bool {
    ffi_panic_boundary! {
        let token = try_ref_from_ptr!(cancel);
        token.is_cancelled()
    }
}

/// Frees the handle. A wait that uses it keeps its own reference, so this is safe while the
/// wait runs (the wait can then no longer be cancelled through it). NULL is fine; must not be
/// called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_cancel_free(cancel: *const plexlink_cancel) {
    ffi_panic_boundary! {
        // SAFETY: `cancel` is NULL or a live handle that C gives up (this function's contract).
        unsafe { ffi::free_arc(cancel) }
    }
}
