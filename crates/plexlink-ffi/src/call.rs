//! A call of the blocking client, declared once for its two C forms.
//!
//! Each call (`user`, `sign_in`, `connect`, ...) has one declaration, beside its blocking form:
//! an `unsafe fn` taking the C arguments that both forms share, which checks them (NULL, UTF-8,
//! a policy's fields) and copies them into a [`Call`] that owns everything it needs. The two C
//! functions only say where the call runs:
//!
//! - `plexlink_client_<verb>` runs it on the caller's thread and writes its value to the
//!   out-parameter: `try_call!(user(client, token)).run(try_out!(account_out))`;
//! - `plexlink_task_<verb>` runs it on a task's thread, which keeps the value for
//!   `plexlink_task_take_*`: `try_call!(...).start(on_done, userdata, try_out!(task_out))`
//!   ([`task`](crate::task)).
//!
//! Either way a failure gives the same code and the same message. Every call is one of the
//! `plexlink` client's, which redacts the call's secrets (token, password, codes) from its error
//! itself: no secret list is kept here.

use std::ffi::c_char;
use std::sync::Arc;

use blocking::CancelToken;
use plexlink_core::{Error, Token};

use crate::account::{AccountHandle, HomeUserHandle, plexlink_account, plexlink_home_user_list};
use crate::connect::{ConnectResultHandle, plexlink_connect_result, plexlink_connect_result_list};
use crate::error::{ErrorInfo, plexlink_result};
use crate::ffi::{self, CText, OutParam, try_str};
use crate::jwt::{JwtHandle, plexlink_jwt};
use crate::kept_server::{KeptServerHandle, plexlink_kept_server};
use crate::offline::{ServerListHandle, plexlink_server_list};
use crate::pin::{PinHandle, ProgressCallback, plexlink_pin, plexlink_wait_progress};
use crate::resources::{DeviceHandle, IdentityHandle, plexlink_device_list, plexlink_identity};

/// A call's arguments, checked and copied, or the code of the first unusable one (also the
/// thread's last error).
pub(crate) type Checked<T> = Result<Call<T>, plexlink_result>;

/// Where a PIN wait reports its progress.
pub(crate) type Report<'a> = &'a mut (dyn FnMut(&plexlink_wait_progress) + Send);

/// What a call does with the client.
type Work<T> = Box<dyn FnOnce(&blocking::Client, Report<'_>) -> Result<T, ErrorInfo> + Send>;

/// One call of the blocking client, owning everything it needs: it may run on another thread
/// after the C arguments are gone.
pub(crate) struct Call<T> {
    pub(crate) client: Arc<blocking::Client>,
    pub(crate) work: Work<T>,
    /// A PIN wait's progress callback.
    pub(crate) progress: Option<ProgressCallback>,
    /// What stops the call: a PIN wait's cancel handle, which a task's cancel also raises.
    pub(crate) cancel: CancelToken,
}

impl<T: Value> Call<T> {
    /// A call whose failure is the core's error, as C reads it.
    pub(crate) fn new(
        client: Arc<blocking::Client>,
        work: impl FnOnce(&blocking::Client, Report<'_>) -> Result<T, Error> + Send + 'static,
    ) -> Self {
        Self::with_error_info(client, move |c, report| {
            work(c, report).map_err(|e| ErrorInfo::from_error(&e))
        })
    }

    /// A call that describes its failure itself: a connect keeps the race that found no
    /// connection.
    pub(crate) fn with_error_info(
        client: Arc<blocking::Client>,
        work: impl FnOnce(&blocking::Client, Report<'_>) -> Result<T, ErrorInfo> + Send + 'static,
    ) -> Self {
        Self {
            client,
            work: Box::new(work),
            progress: None,
            cancel: CancelToken::new(),
        }
    }

    /// A PIN wait: `progress` gets its reports, `cancel` stops it.
    pub(crate) fn with_progress(self, progress: ProgressCallback, cancel: CancelToken) -> Self {
        Self {
            progress: Some(progress),
            cancel,
            ..self
        }
    }

    /// Runs the call on this thread, a PIN wait reporting its progress to `report`.
    pub(crate) fn execute(self, report: Report<'_>) -> Result<T, ErrorInfo> {
        (self.work)(&self.client, report)
    }

    /// The blocking form: runs the call on this thread (a PIN wait calls its progress callback
    /// here) and writes its value to `out`, or makes its failure the thread's last error.
    pub(crate) fn run(self, out: OutParam<'_, T::C>) -> plexlink_result {
        match self.run_here() {
            Ok(value) => {
                out.write(value.into_c());
                plexlink_result::Ok
            }
            Err(code) => code,
        }
    }

    fn run_here(self) -> Result<T, plexlink_result> {
        let progress = self.progress;
        self.execute(&mut move |p| progress.iter().for_each(|callback| callback.call(p)))
            .map_err(|e| e.set_last())
    }
}

impl Call<()> {
    /// The blocking form of a call without a value.
    pub(crate) fn run_unit(self) -> plexlink_result {
        self.run_here().map_or_else(|code| code, |()| plexlink_result::Ok)
    }
}

/// The end of the declaration of a call that takes the account `token`, and whatever `work` has
/// copied.
///
/// # Safety
/// `token` is NULL or a NUL-terminated string, as the C functions' contract says.
pub(crate) unsafe fn token_call<T: Value>(
    client: Arc<blocking::Client>,
    token: *const c_char,
    work: impl FnOnce(&blocking::Client, &Token) -> Result<T, Error> + Send + 'static,
) -> Checked<T> {
    let token = Token::new(try_str!(token));
    Ok(Call::new(client, move |c, _| work(c, &token)))
}

/// The value of a call, as the blocking form writes it to its out-parameter and
/// `plexlink_task_take_*` to theirs.
pub(crate) trait Value: Send + 'static {
    /// What the out-parameter points at.
    type C;
    fn into_c(self) -> Self::C;
}

/// What an out-parameter of `plexlink_task_take_*` points at, and the value it is made from:
/// the [`Value`] table read backwards, so that each take names its C type only.
pub(crate) trait Taken: Sized {
    type Value: Value<C = Self>;
}

macro_rules! values {
    ($($rust:ty => $c:ty: $to_c:path;)*) => {$(
        impl Value for $rust {
            type C = $c;
            fn into_c(self) -> $c {
                $to_c(self)
            }
        }
        impl Taken for $c {
            type Value = $rust;
        }
    )*};
}

values! {
    CText => *mut c_char: CText::into_raw;
    Box<PinHandle> => *mut plexlink_pin: ffi::boxed_to_c;
    Box<AccountHandle> => *mut plexlink_account: ffi::boxed_to_c;
    Vec<HomeUserHandle> => *mut plexlink_home_user_list: ffi::to_box;
    Vec<DeviceHandle> => *mut plexlink_device_list: ffi::to_box;
    Box<IdentityHandle> => *mut plexlink_identity: ffi::boxed_to_c;
    Box<ConnectResultHandle> => *mut plexlink_connect_result: ffi::boxed_to_c;
    Box<JwtHandle> => *mut plexlink_jwt: ffi::boxed_to_c;
    Vec<Result<ConnectResultHandle, ErrorInfo>> => *mut plexlink_connect_result_list: ffi::to_box;
    Arc<KeptServerHandle> => *const plexlink_kept_server: ffi::to_arc;
    Box<ServerListHandle> => *mut plexlink_server_list: ffi::boxed_to_c;
}

/// Calls without a value (sign-out, ping, linking a PIN).
impl Value for () {
    type C = ();
    fn into_c(self) {}
}

/// The checked arguments of a call, `try_call!(account::user(client, token))`, or an early
/// return of the code of the first unusable one.
macro_rules! try_call {
    ($declaration:expr) => {
        // SAFETY: a call's declaration takes the pointer arguments of its two C functions as
        // they were given, which their contract says are NULL or valid; it checks NULL itself.
        match unsafe { $declaration } {
            Ok(call) => call,
            Err(code) => return code,
        }
    };
}
pub(crate) use try_call;
