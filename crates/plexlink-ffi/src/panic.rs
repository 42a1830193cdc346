//! The panic boundary around every exported body, and what a function returns when it cannot
//! do its work (a panic, or a NULL argument).
//!
//! A panic must never unwind into C (since Rust 1.81 it aborts the host). Every exported body is
//! wrapped in [`ffi_panic_boundary!`]: a panic becomes `PLEXLINK_RESULT_PANIC` (with the panic
//! message in the last error) from functions that return a result, and NULL / false / 0 /
//! `UINT64_MAX`-style defaults from those that cannot fail.

use std::any::Any;

use crate::error::{self, plexlink_result};

/// What a function returns when its body panicked.
pub(crate) trait PanicOrDefault {
    fn panic_value() -> Self;
}

/// What a function returns when a required pointer argument is NULL.
pub(crate) trait NullParameterOrDefault {
    fn null_parameter(name: &'static str) -> Self;
}

impl PanicOrDefault for plexlink_result {
    fn panic_value() -> Self {
        plexlink_result::Panic
    }
}

impl NullParameterOrDefault for plexlink_result {
    fn null_parameter(name: &'static str) -> Self {
        error::null_parameter(name)
    }
}

/// What a function returns for an unusable argument, given the code that says why.
pub(crate) trait FromCode {
    fn from_code(code: plexlink_result) -> Self;
}

impl FromCode for plexlink_result {
    fn from_code(code: plexlink_result) -> Self {
        code
    }
}

/// The functions that check a call's arguments ([`crate::call`]) give the code as an `Err`.
impl<T> FromCode for Result<T, plexlink_result> {
    fn from_code(code: plexlink_result) -> Self {
        Err(code)
    }
}

impl<T> NullParameterOrDefault for Result<T, plexlink_result> {
    fn null_parameter(name: &'static str) -> Self {
        Err(error::null_parameter(name))
    }
}

/// Types whose default (0, false, nothing) is the answer of an accessor given NULL.
macro_rules! default_answer {
    ($($t:ty),*) => {$(
        impl PanicOrDefault for $t {
            fn panic_value() -> Self {
                Default::default()
            }
        }
        impl NullParameterOrDefault for $t {
            fn null_parameter(_name: &'static str) -> Self {
                Default::default()
            }
        }
    )*};
}
default_answer!((), bool, u16, u32, u64, i32, i64, usize);

/// Enum answers of accessors that cannot fail: a neutral value.
macro_rules! enum_answer {
    ($($t:ty => $v:expr),* $(,)?) => {$(
        impl PanicOrDefault for $t {
            fn panic_value() -> Self {
                $v
            }
        }
    )*};
}
enum_answer!(
    crate::connect::plexlink_tier => crate::connect::plexlink_tier::Local,
    crate::connect::plexlink_probe_result => crate::connect::plexlink_probe_result::NotSent,
    crate::connect::plexlink_skip_reason => crate::connect::plexlink_skip_reason::Other,
    crate::pin_login::plexlink_pin_event_kind => crate::pin_login::plexlink_pin_event_kind::Failed,
    crate::pin::plexlink_wait_options => crate::pin::plexlink_wait_options {
        interval_ms: 0,
        timeout_ms: 0,
        cancel: std::ptr::null(),
        on_progress: None,
        userdata: std::ptr::null_mut(),
    },
    crate::connect::plexlink_race_policy => crate::connect::plexlink_race_policy {
        grace_ms: 0,
        probe_timeout_ms: 5000,
        allow_http: 1,
        ipv6: true,
        relay: true,
        http_twins: false,
    },
    crate::kept::plexlink_kept_event_kind => crate::kept::plexlink_kept_event_kind::Lost,
    crate::kept::plexlink_kept_reason => crate::kept::plexlink_kept_reason::Other,
    crate::kept::plexlink_keep_policy => crate::kept::plexlink_keep_policy {
        race: PanicOrDefault::panic_value(),
        warm_window_ms: 300,
        recheck_interval_ms: 60_000,
        recheck_max_ms: 240_000,
        retry_max_ms: 60_000,
    },
    crate::kept_server::plexlink_keep_options => crate::kept_server::plexlink_keep_options {
        policy: PanicOrDefault::panic_value(),
        last_good: std::ptr::null(),
        on_event: None,
        userdata: std::ptr::null_mut(),
    },
);

impl<T> PanicOrDefault for *const T {
    fn panic_value() -> Self {
        std::ptr::null()
    }
}

impl<T> NullParameterOrDefault for *const T {
    fn null_parameter(_name: &'static str) -> Self {
        std::ptr::null()
    }
}

impl<T> PanicOrDefault for *mut T {
    fn panic_value() -> Self {
        std::ptr::null_mut()
    }
}

impl<T> NullParameterOrDefault for *mut T {
    fn null_parameter(_name: &'static str) -> Self {
        std::ptr::null_mut()
    }
}

/// Records a caught panic as the thread's last error and gives the function's fallback value.
pub(crate) fn on_panic<T: PanicOrDefault>(payload: Box<dyn Any + Send>) -> T {
    error::set_panic(panic_message(payload.as_ref()));
    T::panic_value()
}

/// The text of a panic payload (`panic!("...")` carries a `&str` or a `String`).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// Runs an exported function's body, turning a panic into the function's fallback value.
///
/// `return` inside the body returns from the exported function (the body is a closure whose
/// result is the function's).
macro_rules! ffi_panic_boundary {
    ( $($body:tt)* ) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| { $($body)* })) {
            Ok(value) => value,
            Err(payload) => $crate::panic::on_panic(payload),
        }
    };
}
pub(crate) use ffi_panic_boundary;

#[cfg(test)]
mod tests {
    use super::*;

    fn boom(fail: bool) -> plexlink_result {
        ffi_panic_boundary! {
            if fail {
                panic!("the body panicked");
            }
            plexlink_result::Ok
        }
    }

    fn accessor(fail: bool) -> *const u8 {
        ffi_panic_boundary! {
            if fail {
                panic!("{}", String::from("formatted"));
            }
            b"x".as_ptr()
        }
    }

    #[test]
    fn a_panic_becomes_the_panic_code_and_the_last_error() {
        assert_eq!(boom(false), plexlink_result::Ok);
        assert_eq!(boom(true), plexlink_result::Panic);
        let last = error::last_error_text();
        assert!(last.contains("the body panicked"), "{last}");
        assert!(accessor(true).is_null());
        assert!(error::last_error_text().contains("formatted"));
        assert!(!accessor(false).is_null());
    }
}
