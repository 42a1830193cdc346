//! How handles and strings cross the C boundary, and the checks every exported function makes.
//!
//! Every opaque C type (`plexlink_client`, `plexlink_pin`, ...) is a zero-sized marker whose
//! [`Castable`] impl names the Rust value behind the pointer and how C holds it:
//!
//! - [`OwnershipBox`]: a `Box<T>` that C owns alone and frees with the type's `_free`.
//! - [`OwnershipArc`]: an `Arc<T>` (immutable, shareable between threads); `_free` drops C's
//!   reference, and the library may keep its own clones (a task keeps its client alive).
//! - [`OwnershipRef`]: a `&T` lent by another handle (a device of a device list); never freed.
//!
//! The `try_*!` macros turn a C argument into a Rust value or return early: a NULL pointer gives
//! `PLEXLINK_RESULT_NULL_PARAMETER` (or NULL / false / 0 from functions that cannot fail), a
//! string that is not UTF-8 gives `PLEXLINK_RESULT_INVALID_UTF8`. They run inside the panic
//! boundary, so `return` leaves the exported function; in a call's declaration
//! ([`call`](crate::call)) they return the code as an `Err`.

use std::ffi::{CStr, CString, c_char};
use std::marker::PhantomData;
use std::sync::Arc;

use crate::error::plexlink_result;

/// C owns a `Box<RustType>`.
pub(crate) struct OwnershipBox;
/// C owns one reference of an `Arc<RustType>`.
pub(crate) struct OwnershipArc;
/// C borrows a `&RustType` from another handle.
pub(crate) struct OwnershipRef;

/// The Rust value behind an opaque C type, and how C holds it.
pub(crate) trait Castable {
    /// [`OwnershipBox`], [`OwnershipArc`] or [`OwnershipRef`].
    type Ownership;
    /// The value behind the pointer.
    type RustType;
}

/// Declares the Rust value behind an opaque C type: `castable!(Box plexlink_pin => PinHandle)`.
macro_rules! castable {
    (Box $c:ty => $rust:ty) => {
        impl $crate::ffi::Castable for $c {
            type Ownership = $crate::ffi::OwnershipBox;
            type RustType = $rust;
        }
    };
    (Arc $c:ty => $rust:ty) => {
        impl $crate::ffi::Castable for $c {
            type Ownership = $crate::ffi::OwnershipArc;
            type RustType = $rust;
        }
    };
    (Ref $c:ty => $rust:ty) => {
        impl $crate::ffi::Castable for $c {
            type Ownership = $crate::ffi::OwnershipRef;
            type RustType = $rust;
        }
    };
}
pub(crate) use castable;

/// A new C handle that owns `value` alone.
pub(crate) fn to_box<C: Castable<Ownership = OwnershipBox>>(value: C::RustType) -> *mut C {
    Box::into_raw(Box::new(value)).cast()
}

/// A new C handle that owns an already boxed value alone.
pub(crate) fn boxed_to_c<C: Castable<Ownership = OwnershipBox>>(value: Box<C::RustType>) -> *mut C {
    Box::into_raw(value).cast()
}

/// A new C handle that holds one reference of `value`.
pub(crate) fn to_arc<C: Castable<Ownership = OwnershipArc>>(value: Arc<C::RustType>) -> *const C {
    Arc::into_raw(value).cast()
}

/// A C view of a value that another handle owns (a device of a list, the PIN of an event).
pub(crate) fn lend<C: Castable>(value: &C::RustType) -> *const C {
    std::ptr::from_ref(value).cast()
}

/// The value behind a handle of any ownership, or `None` for NULL.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `C` made by this library (not yet freed), and the
/// returned reference is not used after the handle is freed.
pub(crate) unsafe fn try_from<'a, C: Castable>(ptr: *const C) -> Option<&'a C::RustType> {
    // SAFETY: per this function's contract, a non-NULL `ptr` points at a live `C::RustType`
    // (the pointee of a Box or Arc made by `to_box`/`to_arc`, or a value lent by `to_ref`).
    unsafe { ptr.cast::<C::RustType>().as_ref() }
}

/// The value behind a handle that C owns alone, mutably, or `None` for NULL.
///
/// # Safety
/// `ptr` is NULL or a live handle made by [`to_box`], and no other reference to its value
/// exists while the returned one is used (C does not call into the same handle from two
/// threads at once: the header says which handles are not thread-safe).
pub(crate) unsafe fn try_from_mut<'a, C: Castable<Ownership = OwnershipBox>>(
    ptr: *mut C,
) -> Option<&'a mut C::RustType> {
    // SAFETY: per this function's contract, a non-NULL `ptr` is a live, unaliased Box value.
    unsafe { ptr.cast::<C::RustType>().as_mut() }
}

/// A new reference to the value behind an Arc handle (C keeps its own), or `None` for NULL.
///
/// # Safety
/// `ptr` is NULL or a live handle made by [`to_arc`].
pub(crate) unsafe fn clone_arc<C: Castable<Ownership = OwnershipArc>>(ptr: *const C) -> Option<Arc<C::RustType>> {
    if ptr.is_null() {
        return None;
    }
    let raw = ptr.cast::<C::RustType>();
    // SAFETY: `raw` came from `Arc::into_raw` (contract) and C still holds that reference, so
    // the count is at least one; incrementing it first keeps C's reference intact when the
    // `Arc` made by `from_raw` is returned.
    unsafe {
        Arc::increment_strong_count(raw);
        Some(Arc::from_raw(raw))
    }
}

/// Takes back a Box handle's value (the handle is gone afterwards), or `None` for NULL.
///
/// # Safety
/// `ptr` is NULL or a live handle made by [`to_box`], not used again afterwards.
pub(crate) unsafe fn take_box<C: Castable<Ownership = OwnershipBox>>(ptr: *mut C) -> Option<Box<C::RustType>> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: per this function's contract, `ptr` came from `Box::into_raw` and is given up.
    Some(unsafe { Box::from_raw(ptr.cast::<C::RustType>()) })
}

/// Frees a Box handle; NULL is fine.
///
/// # Safety
/// As [`take_box`].
pub(crate) unsafe fn free_box<C: Castable<Ownership = OwnershipBox>>(ptr: *mut C) {
    // SAFETY: the caller's contract is take_box's.
    drop(unsafe { take_box(ptr) });
}

/// Drops C's reference of an Arc handle; NULL is fine.
///
/// # Safety
/// `ptr` is NULL or a live handle made by [`to_arc`], not used again afterwards.
pub(crate) unsafe fn free_arc<C: Castable<Ownership = OwnershipArc>>(ptr: *const C) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: per this function's contract, `ptr` came from `Arc::into_raw` and C gives up the
    // reference it held.
    drop(unsafe { Arc::from_raw(ptr.cast::<C::RustType>()) });
}

/// An out-parameter, or `None` for NULL. Nothing is written here: callers write only on success.
///
/// # Safety
/// `ptr` is NULL or valid for writes of a `T` for the duration of the call.
pub(crate) unsafe fn out_param<'a, T>(ptr: *mut T) -> Option<OutParam<'a, T>> {
    (!ptr.is_null()).then_some(OutParam {
        ptr,
        _life: PhantomData,
    })
}

/// A checked, non-NULL out-parameter.
pub(crate) struct OutParam<'a, T> {
    ptr: *mut T,
    _life: PhantomData<&'a mut T>,
}

impl<T> OutParam<'_, T> {
    /// Writes the result. Whatever the C memory held before is overwritten, not dropped.
    pub(crate) fn write(self, value: T) {
        // SAFETY: `ptr` is non-NULL and valid for writes (the contract of `out_param`); `write`
        // does not read or drop the old, possibly uninitialized, value.
        unsafe { self.ptr.write(value) }
    }

    /// Writes the result and gives `PLEXLINK_RESULT_OK`: how a call that succeeded ends.
    pub(crate) fn write_ok(self, value: T) -> plexlink_result {
        self.write(value);
        plexlink_result::Ok
    }

    /// Writes the result when there is one (`PLEXLINK_RESULT_OK`); otherwise writes nothing and
    /// gives `none` (`PLEXLINK_RESULT_DONE`: nothing to do now; `PLEXLINK_RESULT_PENDING`: not
    /// yet).
    pub(crate) fn write_or(self, value: Option<T>, none: plexlink_result) -> plexlink_result {
        value.map_or(none, |value| self.write_ok(value))
    }
}

/// A borrowed C string as UTF-8: `Ok(None)` for NULL, `Err(())` when it is not UTF-8.
///
/// # Safety
/// `ptr` is NULL or points at a NUL-terminated string that stays alive and unchanged during the
/// call.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char) -> Result<Option<&'a str>, ()> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: per this function's contract, `ptr` is a live NUL-terminated string.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str().map(Some).map_err(|_| ())
}

/// A borrowed byte buffer: `None` when `ptr` is NULL and `len` is not 0. A NULL pointer with a
/// length of 0 is the empty buffer.
///
/// # Safety
/// `ptr` is NULL or points at `len` readable bytes that stay alive and unchanged during the call.
pub(crate) unsafe fn bytes_arg<'a>(ptr: *const u8, len: usize) -> Option<&'a [u8]> {
    if ptr.is_null() {
        return (len == 0).then_some(&[]);
    }
    // SAFETY: per this function's contract, `ptr` points at `len` readable bytes.
    Some(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Text held for C: a `CString` whose bytes are wiped (set to zero) when it is dropped or freed
/// with `plexlink_string_free`. Tokens, PIN codes and private keys reach C this way, and a C host
/// may hold them for hours: the memory they leave behind must not show them. Every string is
/// wiped, not only the secret ones, so that none is forgotten; strings are short and the cost
/// is one pass over bytes just written.
#[derive(Clone, Default)]
pub(crate) struct CText(CString);

impl CText {
    /// The pointer C reads; valid while this value lives.
    pub(crate) fn as_ptr(&self) -> *const c_char {
        self.0.as_ptr()
    }

    /// The bytes, without the final NUL.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Gives the text to C, which frees it with `plexlink_string_free` (and so wipes it).
    pub(crate) fn into_raw(mut self) -> *mut c_char {
        std::mem::take(&mut self.0).into_raw()
    }

    /// Takes back a string given to C.
    ///
    /// # Safety
    ///
    /// `raw` came from [`CText::into_raw`] and C gives it up.
    pub(crate) unsafe fn from_raw(raw: *mut c_char) -> Self {
        // SAFETY: this function's contract.
        Self(unsafe { CString::from_raw(raw) })
    }
}

/// Not the text: it may be a token (a handle's `Debug` output must not show it).
impl std::fmt::Debug for CText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CText({} bytes)", self.0.as_bytes().len())
    }
}

impl Drop for CText {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut std::mem::take(&mut self.0).into_bytes_with_nul());
    }
}

/// Text for C: a [`CText`] with any NUL byte removed (JSON may carry `\u0000`; C strings end at
/// the first NUL, so dropping them loses nothing a C reader could see anyway).
pub(crate) fn c_string(text: &str) -> CText {
    // One allocation, with room for the NUL: a buffer that grew would leave its old block, part
    // of a token perhaps, in freed memory unwiped.
    let mut bytes = Vec::with_capacity(text.len() + 1);
    bytes.extend(text.bytes().filter(|&b| b != 0));
    CText(CString::new(bytes).unwrap_or_default())
}

/// [`c_string`] of an optional text.
pub(crate) fn opt_c_string(text: Option<&str>) -> Option<CText> {
    text.map(c_string)
}

/// The pointer of an optional string, NULL for `None`.
pub(crate) fn opt_ptr(text: &Option<CText>) -> *const c_char {
    text.as_ref().map_or(std::ptr::null(), CText::as_ptr)
}

/// A string for C to own and free with `plexlink_string_free`.
pub(crate) fn owned_string(text: &str) -> *mut c_char {
    c_string(text).into_raw()
}

/// A time in milliseconds that there is none of: no timer (a machine's `_poll_timeout`: wait
/// for the answer, or for nothing), a duration not known (a PIN's time left, a rate limit's
/// wait), no answer (a probe's latency). `UINT64_MAX`.
pub const PLEXLINK_NO_TIME: u64 = u64::MAX;

/// Milliseconds of a duration, saturating.
pub(crate) fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// The value behind a handle, or an early return: `PLEXLINK_RESULT_NULL_PARAMETER` (with the
/// argument's name in the last error) or NULL / false / 0 from functions that cannot fail.
macro_rules! try_ref_from_ptr {
    ($var:ident) => {
        // SAFETY: every exported function documents that handle arguments are NULL or live
        // handles of their type; NULL is answered here.
        match unsafe { $crate::ffi::try_from($var) } {
            Some(value) => value,
            None => return $crate::panic::NullParameterOrDefault::null_parameter(stringify!($var)),
        }
    };
}
pub(crate) use try_ref_from_ptr;

/// Like [`try_ref_from_ptr!`] for a handle C owns alone and the call changes.
macro_rules! try_mut_from_ptr {
    ($var:ident) => {
        // SAFETY: handle arguments are NULL or live handles of their type, and the header says
        // this one must not be used from two threads at once.
        match unsafe { $crate::ffi::try_from_mut($var) } {
            Some(value) => value,
            None => return $crate::panic::NullParameterOrDefault::null_parameter(stringify!($var)),
        }
    };
}
pub(crate) use try_mut_from_ptr;

/// Like [`try_ref_from_ptr!`], giving a new `Arc` of a shareable handle.
macro_rules! try_clone_arc {
    ($var:ident) => {
        // SAFETY: handle arguments are NULL or live handles of their type.
        match unsafe { $crate::ffi::clone_arc($var) } {
            Some(value) => value,
            None => return $crate::panic::NullParameterOrDefault::null_parameter(stringify!($var)),
        }
    };
}
pub(crate) use try_clone_arc;

/// A required out-parameter, checked but not written.
macro_rules! try_out {
    ($var:ident) => {
        // SAFETY: out-parameters are NULL or valid for writes of their type during the call.
        match unsafe { $crate::ffi::out_param($var) } {
            Some(out) => out,
            None => return $crate::panic::NullParameterOrDefault::null_parameter(stringify!($var)),
        }
    };
}
pub(crate) use try_out;

/// A required UTF-8 string argument: NULL gives `PLEXLINK_RESULT_NULL_PARAMETER`, other bytes
/// `PLEXLINK_RESULT_INVALID_UTF8`.
macro_rules! try_str {
    ($var:ident) => {
        // SAFETY: string arguments are NULL or NUL-terminated strings alive during the call.
        match unsafe { $crate::ffi::str_arg($var) } {
            Ok(Some(text)) => text,
            Ok(None) => return $crate::panic::NullParameterOrDefault::null_parameter(stringify!($var)),
            Err(()) => return $crate::panic::FromCode::from_code($crate::error::invalid_utf8(stringify!($var))),
        }
    };
}
pub(crate) use try_str;

/// An optional UTF-8 string argument (NULL means "none"), checked like [`try_str!`].
macro_rules! try_opt_str {
    ($var:ident) => {
        // SAFETY: string arguments are NULL or NUL-terminated strings alive during the call.
        match unsafe { $crate::ffi::str_arg($var) } {
            Ok(text) => text,
            Err(()) => return $crate::panic::FromCode::from_code($crate::error::invalid_utf8(stringify!($var))),
        }
    };
}
pub(crate) use try_opt_str;

/// A borrowed `(pointer, length)` byte buffer; NULL is allowed only with a length of 0.
macro_rules! try_bytes {
    ($ptr:ident, $len:ident) => {
        // SAFETY: buffer arguments are NULL or point at `len` readable bytes during the call.
        match unsafe { $crate::ffi::bytes_arg($ptr, $len) } {
            Some(bytes) => bytes,
            None => return $crate::panic::NullParameterOrDefault::null_parameter(stringify!($ptr)),
        }
    };
}
pub(crate) use try_bytes;

/// A required `#[repr(C)]` struct argument, or an early `PLEXLINK_RESULT_NULL_PARAMETER`.
macro_rules! try_struct {
    ($var:ident) => {
        // SAFETY: struct arguments are NULL or point at a live, initialized value of their type.
        match unsafe { $var.as_ref() } {
            Some(value) => value,
            None => return $crate::panic::NullParameterOrDefault::null_parameter(stringify!($var)),
        }
    };
}
pub(crate) use try_struct;

/// The value of a check that gives `Result<T, plexlink_result>`, or an early return of its code.
macro_rules! try_checked {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(code) => return $crate::panic::FromCode::from_code(code),
        }
    };
}
pub(crate) use try_checked;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::freed;

    #[test]
    fn strings_given_to_c_are_wiped_when_freed_or_dropped() {
        let given = owned_string(&freed::marker());
        assert_eq!(
            // SAFETY: `given` came from `owned_string` and is freed once.
            freed::unwiped_while(|| unsafe { crate::client::plexlink_string_free(given) }),
            0
        );
        let held = c_string(&freed::marker());
        assert_eq!(freed::unwiped_while(|| drop(held)), 0);
        // The watch does see what is not wiped.
        let plain = CString::new(freed::marker()).unwrap();
        assert_eq!(freed::unwiped_while(|| drop(plain)), 1);
    }
}
