//! `plexlink_task`: a blocking call run on a library thread, for hosts with an event loop. It
//! reports progress and completion through callbacks on that thread, can be cancelled, and can
//! be freed at any time.
//!
//! The callbacks go through a [`Gate`]: `plexlink_task_free` closes it and waits for a callback
//! in progress to return, so that no callback runs after `free` returns. Where that would block
//! forever (a callback freeing its own task, two callbacks freeing each other)
//! [`waits`](crate::waits) says so, and `free` returns without waiting, `wait` with
//! `PLEXLINK_RESULT_WRONG_STATE`.

use std::any::Any;
use std::ffi::{c_char, c_void};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use blocking::CancelToken;
use plexlink_core::Error;

use crate::account::{self, plexlink_account, plexlink_home_user_list};
use crate::call::{Call, Taken, Value, try_call};
use crate::client::plexlink_client;
use crate::connect::{self, plexlink_connect_result, plexlink_connect_result_list, plexlink_race_policy};
use crate::error::{self, ErrorInfo, plexlink_result};
use crate::ffi::{self, OutParam, castable, try_out, try_ref_from_ptr};
use crate::gate::Gate;
use crate::jwt::{self, plexlink_device_key, plexlink_jwt};
use crate::offline::{self, plexlink_resources_snapshot, plexlink_server_list};
use crate::panic::{ffi_panic_boundary, panic_message};
use crate::pin::{self, ProgressCallback, plexlink_pin, plexlink_wait_options, plexlink_wait_progress};
use crate::resources::{self, plexlink_device, plexlink_device_list, plexlink_identity};
use crate::waits::{self, Until};

/// A call running on a library thread. Thread-safe: every `plexlink_task_*` function may be
/// called from any thread. Free with `plexlink_task_free` (at any time, even while it runs).
#[derive(Debug)]
pub struct plexlink_task {
    _private: [u8; 0],
}

castable!(Arc plexlink_task => Task);

/// Called once when the task has finished, with its result code (`PLEXLINK_RESULT_OK`, the
/// call's error, or `PLEXLINK_RESULT_CANCELLED`). Runs on the task's own thread, never on the
/// thread that started it; `plexlink_last_error_message` on that thread reads the task's error
/// (and `plexlink_last_error_connect_result` the race of a connect that found no connection).
/// `task` is lent for the call: the callback may take the value (`plexlink_task_take_*`), and
/// may free the task (then it must not use `task` again), or any other task. Not called after
/// the task was freed.
pub type plexlink_task_done_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, task: *const plexlink_task, result: plexlink_result)>;

/// The shared state of a task: C's handle and the worker thread each hold an `Arc`.
#[derive(Debug)]
pub(crate) struct Task {
    cancel: CancelToken,
    state: Mutex<State>,
    finished: Condvar,
    /// Closed when the task is freed.
    gate: Gate<Callbacks>,
}

#[derive(Debug)]
enum State {
    Running,
    /// The call's value until C takes it (`None` once taken), or its failure.
    Finished(Result<Option<Box<dyn Any + Send>>, ErrorInfo>),
}

#[derive(Clone, Copy, Debug)]
struct Callbacks {
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    progress: Option<ProgressCallback>,
}

// SAFETY: the header tells C that a task's callbacks run on the task's thread and that their
// `userdata` must be usable there; Rust only hands the pointer back to C.
unsafe impl Send for Callbacks {}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Task {
    /// The task as [`waits`] knows it.
    fn id(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    /// Runs `call` with the callbacks unless the task was freed.
    fn with_callbacks(&self, call: impl FnOnce(&Callbacks)) {
        self.gate.call(self.id(), call);
    }

    /// What `free` does: closes the gate (first, so that the end the cancel brings calls no
    /// callback), cancels the task if it still runs, and waits for a callback in progress to
    /// return, unless that would never end (see [`waits`]).
    fn stop(&self) {
        self.gate.close();
        self.request_cancel();
        self.gate.wait_idle(self.id());
    }

    fn result_code(&self) -> plexlink_result {
        match &*lock(&self.state) {
            State::Running => plexlink_result::Pending,
            State::Finished(Ok(_)) => plexlink_result::Ok,
            State::Finished(Err(e)) => e.code,
        }
    }

    fn request_cancel(&self) {
        let state = lock(&self.state);
        if matches!(*state, State::Running) {
            self.cancel.cancel();
        }
    }

    /// Stores the outcome (cancelled wins over anything but a result stored earlier), wakes
    /// the waiters and returns the code.
    fn finish(&self, outcome: Result<Box<dyn Any + Send>, ErrorInfo>) -> plexlink_result {
        let mut state = lock(&self.state);
        let outcome = if self.cancel.is_cancelled() {
            Err(ErrorInfo::from_error(&Error::Cancelled))
        } else {
            outcome
        };
        let code = outcome.as_ref().map_or_else(|e| e.code, |_| plexlink_result::Ok);
        *state = State::Finished(outcome.map(Some));
        self.finished.notify_all();
        waits::finished(self.id());
        code
    }
}

impl<T: Value> Call<T> {
    /// The task form: runs the call on a new thread, reporting a PIN wait's progress to its
    /// callback there, and writes the task to `out`.
    pub(crate) fn start(
        self,
        on_done: plexlink_task_done_cb,
        userdata: *mut c_void,
        out: OutParam<'_, *const plexlink_task>,
    ) -> plexlink_result {
        match spawn(self, on_done, userdata) {
            Ok(task) => {
                out.write(ffi::to_arc(task));
                plexlink_result::Ok
            }
            Err(code) => code,
        }
    }
}

/// Starts `call` on a new thread.
fn spawn<T: Value>(
    call: Call<T>,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
) -> Result<Arc<Task>, plexlink_result> {
    let task = Arc::new(Task {
        cancel: call.cancel.clone(),
        state: Mutex::new(State::Running),
        finished: Condvar::new(),
        gate: Gate::new(Callbacks {
            on_done,
            userdata,
            progress: call.progress,
        }),
    });
    let worker = Arc::clone(&task);
    let spawned = std::thread::Builder::new().name("plexlink-task".into()).spawn(move || {
        let mut report = |progress: &plexlink_wait_progress| {
            worker.with_callbacks(|cb| cb.progress.iter().for_each(|p| p.call(progress)));
        };
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| call.execute(&mut report)));
        let outcome = match ran {
            Ok(result) => result.map(|value| Box::new(value) as Box<dyn Any + Send>),
            Err(payload) => Err(ErrorInfo::new(
                plexlink_result::Panic,
                &format!(
                    "internal error: the library panicked: {}",
                    panic_message(payload.as_ref())
                ),
            )),
        };
        let code = worker.finish(outcome);
        worker.with_callbacks(|cb| {
            if let Some(on_done) = cb.on_done {
                // The callback may read the task's error through the thread's last error.
                if let State::Finished(Err(e)) = &*lock(&worker.state) {
                    e.set_last();
                }
                let handle: *const plexlink_task = Arc::as_ptr(&worker).cast();
                // SAFETY: C gave this callback for exactly this use; `handle` stays valid during
                // the call because this thread holds a reference of the task.
                unsafe { on_done(cb.userdata, handle, code) }
            }
        });
    });
    match spawned {
        Ok(_) => Ok(task),
        Err(e) => Err(error::misuse(
            plexlink_result::Internal,
            &format!("could not start a task thread: {e}"),
        )),
    }
}

// --- the task handle -------------------------------------------------------------------------

/// Asks the task to stop. A PIN wait stops promptly; other calls stop when their current
/// request ends (bounded by the client's timeouts). A task cancelled before it finished ends
/// with `PLEXLINK_RESULT_CANCELLED` (its value, if it got one, is dropped); cancelling a
/// finished task does nothing. Any thread, any number of times.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_cancel(task: *const plexlink_task) -> plexlink_result {
    ffi_panic_boundary! {
        try_ref_from_ptr!(task).request_cancel();
        plexlink_result::Ok
    }
}

/// Whether the task has finished (its result is known). False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_is_finished(task: *const plexlink_task) -> bool {
    ffi_panic_boundary! { try_ref_from_ptr!(task).result_code() != plexlink_result::Pending }
}

/// The task's result: `PLEXLINK_RESULT_PENDING` while it runs, then `PLEXLINK_RESULT_OK` or the
/// call's error code.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_result(task: *const plexlink_task) -> plexlink_result {
    ffi_panic_boundary! { try_ref_from_ptr!(task).result_code() }
}

/// Blocks until the task has finished or `timeout_ms` milliseconds have passed (`UINT64_MAX`:
/// no limit). Returns `PLEXLINK_RESULT_OK` once finished, with the task's result in
/// `*result_out`, or `PLEXLINK_RESULT_PENDING` when the time ran out. From inside a task's
/// callback, a wait that could never end returns `PLEXLINK_RESULT_WRONG_STATE` at once: a wait
/// for the caller's own task (from its progress callback), or for a task whose callback is
/// itself blocked in `plexlink_task_wait` or `plexlink_task_free` on the caller's task.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_wait(
    task: *const plexlink_task,
    timeout_ms: u64,
    result_out: *mut plexlink_result,
) -> plexlink_result {
    ffi_panic_boundary! {
        let task = try_ref_from_ptr!(task);
        let out = try_out!(result_out);
        let deadline = Instant::now().checked_add(Duration::from_millis(timeout_ms));
        let mut state = lock(&task.state);
        let mut blocked = None;
        loop {
            if let State::Finished(outcome) = &*state {
                out.write(outcome.as_ref().map_or_else(|e| e.code, |_| plexlink_result::Ok));
                return plexlink_result::Ok;
            }
            if blocked.is_none() {
                blocked = waits::block_on(task.id(), Until::Finished);
                if blocked.is_none() {
                    return error::misuse(
                        plexlink_result::WrongState,
                        "this wait would never end: a task cannot wait for itself from its own callback, nor for a task whose callback waits for the caller's",
                    );
                }
            }
            let wait = match deadline {
                None => Duration::from_secs(3600),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return plexlink_result::Pending;
                    }
                    deadline - now
                }
            };
            state = task.finished.wait_timeout(state, wait).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}

/// The full text of the task's error: lent, valid while the task lives ("" while it runs or
/// when it succeeded). Never contains a token. NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_error_message(task: *const plexlink_task) -> *const c_char {
    ffi_panic_boundary! {
        let task = try_ref_from_ptr!(task);
        match &*lock(&task.state) {
            // The message lives in the task's state, which is never replaced once finished, so
            // the pointer stays valid while the task lives.
            State::Finished(Err(e)) => e.message.as_ptr(),
            _ => c"".as_ptr(),
        }
    }
}

/// Stops callbacks and gives up the caller's handle: the task is cancelled if it still runs,
/// and its thread ends on its own (holding what it needs meanwhile). When `free` returns no
/// callback of the task is running or will run, so `userdata` may be released; a callback in
/// progress on the task's thread is waited for. Two exceptions, where that wait would never
/// end, and `free` returns at once: called from inside one of the task's own callbacks, nothing
/// more is called after that callback returns; called from inside a callback of another task
/// while the task's callback in progress is itself blocked on that task (two done callbacks
/// freeing each other: one of the two frees waits, the other does not), that callback goes on
/// once the caller's callback has returned, and nothing more is called after it. A value not
/// yet taken is freed. NULL is fine; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_free(task: *const plexlink_task) {
    ffi_panic_boundary! {
        // SAFETY: `task` is NULL or a live task (this function's contract).
        if let Some(shared) = unsafe { ffi::try_from(task) } {
            shared.stop();
        }
        // SAFETY: `task` is NULL or a live task that C gives up (this function's contract).
        unsafe { ffi::free_arc(task) }
    }
}

/// Takes the value of a finished task into `out`: `PLEXLINK_RESULT_PENDING` while it runs, the
/// task's error (also made the calling thread's last error) when it failed,
/// `PLEXLINK_RESULT_WRONG_STATE` when the value was taken already or is of another kind.
/// Which value is taken follows from the out-parameter's type ([`Taken`]).
fn take<C: Taken>(task: &Task, out: OutParam<'_, C>) -> plexlink_result {
    let mut state = lock(&task.state);
    match &mut *state {
        State::Running => plexlink_result::Pending,
        State::Finished(Err(e)) => e.set_last(),
        State::Finished(Ok(slot)) => match slot.take().map(<Box<dyn Any + Send>>::downcast::<C::Value>) {
            Some(Ok(value)) => {
                out.write(value.into_c());
                plexlink_result::Ok
            }
            None => error::misuse(plexlink_result::WrongState, "the task's value was taken already"),
            Some(Err(other)) => {
                *slot = Some(other);
                error::misuse(plexlink_result::WrongState, "the task's value is of another kind")
            }
        },
    }
}

/// Takes the string of a finished `plexlink_task_wait_for_token` (the token),
/// `plexlink_task_claim_token` or `plexlink_task_transient_token`. On success `*string_out` is
/// owned: free it with `plexlink_string_free`. See `plexlink_task_take_pin` for the other codes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_take_string(
    task: *const plexlink_task,
    string_out: *mut *mut c_char,
) -> plexlink_result {
    ffi_panic_boundary! { take(try_ref_from_ptr!(task), try_out!(string_out)) }
}

/// Takes the PIN of a finished `plexlink_task_create_pin`, `plexlink_task_create_jwt_pin` or
/// `plexlink_task_check_pin`. On success `*pin_out` is the caller's. `PLEXLINK_RESULT_PENDING`
/// while the task runs; the task's error code when it failed (also the calling thread's last
/// error); `PLEXLINK_RESULT_WRONG_STATE` when the value was taken already or is of another kind.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_take_pin(
    task: *const plexlink_task,
    pin_out: *mut *mut plexlink_pin,
) -> plexlink_result {
    ffi_panic_boundary! { take(try_ref_from_ptr!(task), try_out!(pin_out)) }
}

/// Takes the account of a finished `plexlink_task_user`, `plexlink_task_sign_in` or
/// `plexlink_task_switch_home_user`. On success `*account_out` is the caller's. Other codes as
/// `plexlink_task_take_pin`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_take_account(
    task: *const plexlink_task,
    account_out: *mut *mut plexlink_account,
) -> plexlink_result {
    ffi_panic_boundary! { take(try_ref_from_ptr!(task), try_out!(account_out)) }
}

/// Takes the list of a finished `plexlink_task_home_users`. On success `*list_out` is the
/// caller's. Other codes as `plexlink_task_take_pin`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_take_home_user_list(
    task: *const plexlink_task,
    list_out: *mut *mut plexlink_home_user_list,
) -> plexlink_result {
    ffi_panic_boundary! { take(try_ref_from_ptr!(task), try_out!(list_out)) }
}

/// Takes the list of a finished `plexlink_task_resources`, `plexlink_task_servers` or
/// `plexlink_task_source_connection_info`. On success `*list_out` is the caller's. Other codes
/// as `plexlink_task_take_pin`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_take_device_list(
    task: *const plexlink_task,
    list_out: *mut *mut plexlink_device_list,
) -> plexlink_result {
    ffi_panic_boundary! { take(try_ref_from_ptr!(task), try_out!(list_out)) }
}

/// Takes the result of a finished `plexlink_task_connect`. On success `*result_out` is the
/// caller's. Other codes as `plexlink_task_take_pin`: after `PLEXLINK_RESULT_NO_CONNECTION`,
/// which is then the calling thread's last error, `plexlink_last_error_connect_result` gives
/// what became of each connection.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_take_connect_result(
    task: *const plexlink_task,
    result_out: *mut *mut plexlink_connect_result,
) -> plexlink_result {
    ffi_panic_boundary! { take(try_ref_from_ptr!(task), try_out!(result_out)) }
}

/// Takes the list of a finished `plexlink_task_connect_all`. On success `*results_out` is the
/// caller's. Other codes as `plexlink_task_take_pin`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_take_connect_result_list(
    task: *const plexlink_task,
    results_out: *mut *mut plexlink_connect_result_list,
) -> plexlink_result {
    ffi_panic_boundary! { take(try_ref_from_ptr!(task), try_out!(results_out)) }
}

/// Takes the identity of a finished `plexlink_task_identity`. On success `*identity_out` is the
/// caller's. Other codes as `plexlink_task_take_pin`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_take_identity(
    task: *const plexlink_task,
    identity_out: *mut *mut plexlink_identity,
) -> plexlink_result {
    ffi_panic_boundary! { take(try_ref_from_ptr!(task), try_out!(identity_out)) }
}

/// Takes the Plex JWT of a finished `plexlink_task_wait_for_jwt`, `plexlink_task_upgrade_to_jwt`,
/// `plexlink_task_refresh_jwt` or `plexlink_task_verify_jwt`. On success `*jwt_out` is the
/// caller's, to free with `plexlink_jwt_free`. Other codes as `plexlink_task_take_pin`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_take_jwt(
    task: *const plexlink_task,
    jwt_out: *mut *mut plexlink_jwt,
) -> plexlink_result {
    ffi_panic_boundary! { take(try_ref_from_ptr!(task), try_out!(jwt_out)) }
}

/// Takes the list of a finished `plexlink_task_servers_or_snapshot`. On success `*list_out` is
/// the caller's. Other codes as `plexlink_task_take_pin`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_take_server_list(
    task: *const plexlink_task,
    list_out: *mut *mut plexlink_server_list,
) -> plexlink_result {
    ffi_panic_boundary! { take(try_ref_from_ptr!(task), try_out!(list_out)) }
}

// --- starting tasks ----------------------------------------------------------------------------
//
// Each takes the arguments of its blocking call, checked and copied by the call's declaration
// beside the blocking function (see `call.rs`; they may be freed once it returns), then `on_done`
// (may be NULL) and `userdata`, and writes the new task to `*task_out`.

/// `plexlink_client_create_pin` as a task; take its value with `plexlink_task_take_pin`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_create_pin(
    client: *const plexlink_client,
    strong: bool,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(pin::create_pin(client, strong)).start(on_done, userdata, try_out!(task_out)) }
}

/// `plexlink_client_check_pin` as a task; take its value with `plexlink_task_take_pin`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_check_pin(
    client: *const plexlink_client,
    pin_id: u64,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(pin::check_pin(client, pin_id)).start(on_done, userdata, try_out!(task_out)) }
}

/// `plexlink_client_wait_for_token` as a task: `options->on_progress` is called on the task's
/// thread with `options->userdata` (and not after the task was freed). When `options->cancel` is
/// given the task uses it as its own cancel flag: cancelling it stops the task, and
/// `plexlink_task_cancel` raises it. Take the token with `plexlink_task_take_string`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_wait_for_token(
    client: *const plexlink_client,
    pin: *const plexlink_pin,
    options: *const plexlink_wait_options,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! {
        try_call!(pin::wait_for_token(client, pin, options)).start(on_done, userdata, try_out!(task_out))
    }
}

/// `plexlink_client_user` as a task; take its value with `plexlink_task_take_account`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_user(
    client: *const plexlink_client,
    token: *const c_char,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(account::user(client, token)).start(on_done, userdata, try_out!(task_out)) }
}

/// `plexlink_client_sign_in` as a task (`verification_code` may be NULL); take its value with
/// `plexlink_task_take_account`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_sign_in(
    client: *const plexlink_client,
    login: *const c_char,
    password: *const c_char,
    verification_code: *const c_char,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! {
        let call = try_call!(account::sign_in(client, login, password, verification_code));
        call.start(on_done, userdata, try_out!(task_out))
    }
}

/// `plexlink_client_sign_out` as a task (no value: read the result).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_sign_out(
    client: *const plexlink_client,
    token: *const c_char,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(account::sign_out(client, token)).start(on_done, userdata, try_out!(task_out)) }
}

/// `plexlink_client_ping` as a task (no value: read the result).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_ping(
    client: *const plexlink_client,
    token: *const c_char,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(account::ping(client, token)).start(on_done, userdata, try_out!(task_out)) }
}

/// `plexlink_client_link_pin` as a task (no value: read the result).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_link_pin(
    client: *const plexlink_client,
    token: *const c_char,
    code: *const c_char,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(pin::link_pin(client, token, code)).start(on_done, userdata, try_out!(task_out)) }
}

/// `plexlink_client_home_users` as a task; take its value with
/// `plexlink_task_take_home_user_list`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_home_users(
    client: *const plexlink_client,
    token: *const c_char,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(account::home_users(client, token)).start(on_done, userdata, try_out!(task_out)) }
}

/// `plexlink_client_switch_home_user` as a task (`pin` may be NULL); take its value with
/// `plexlink_task_take_account`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_switch_home_user(
    client: *const plexlink_client,
    token: *const c_char,
    user_uuid: *const c_char,
    pin: *const c_char,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! {
        try_call!(account::switch_home_user(client, token, user_uuid, pin)).start(on_done, userdata, try_out!(task_out))
    }
}

/// `plexlink_client_claim_token` as a task; take its value with `plexlink_task_take_string`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_claim_token(
    client: *const plexlink_client,
    token: *const c_char,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(account::claim_token(client, token)).start(on_done, userdata, try_out!(task_out)) }
}

/// `plexlink_client_resources` as a task; take its value with `plexlink_task_take_device_list`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_resources(
    client: *const plexlink_client,
    token: *const c_char,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(resources::resources(client, token)).start(on_done, userdata, try_out!(task_out)) }
}

/// `plexlink_client_servers` as a task; take its value with `plexlink_task_take_device_list`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_servers(
    client: *const plexlink_client,
    token: *const c_char,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(resources::servers(client, token)).start(on_done, userdata, try_out!(task_out)) }
}

/// `plexlink_client_identity` as a task; take its value with `plexlink_task_take_identity`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_identity(
    client: *const plexlink_client,
    server_uri: *const c_char,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! {
        try_call!(resources::identity(client, server_uri)).start(on_done, userdata, try_out!(task_out))
    }
}

/// `plexlink_client_transient_token` as a task; take its value with
/// `plexlink_task_take_string`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_transient_token(
    client: *const plexlink_client,
    server_uri: *const c_char,
    token: *const c_char,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! {
        try_call!(resources::transient_token(client, server_uri, token)).start(on_done, userdata, try_out!(task_out))
    }
}

/// `plexlink_client_source_connection_info` as a task; take its value with
/// `plexlink_task_take_device_list`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_source_connection_info(
    client: *const plexlink_client,
    server_uri: *const c_char,
    token: *const c_char,
    source: *const c_char,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! {
        let call = try_call!(resources::source_connection_info(client, server_uri, token, source));
        call.start(on_done, userdata, try_out!(task_out))
    }
}

/// `plexlink_client_connect_with` as a task (`device` and `policy` are copied; pass
/// `plexlink_race_policy_default()` for the default); take its value with
/// `plexlink_task_take_connect_result`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_connect(
    client: *const plexlink_client,
    device: *const plexlink_device,
    policy: *const plexlink_race_policy,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! {
        try_call!(connect::connect(client, device, policy)).start(on_done, userdata, try_out!(task_out))
    }
}

/// `plexlink_client_connect_all` as a task (`devices` and `policy` are copied); take its value
/// with `plexlink_task_take_connect_result_list`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_connect_all(
    client: *const plexlink_client,
    devices: *const plexlink_device_list,
    policy: *const plexlink_race_policy,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! {
        try_call!(connect::connect_all(client, devices, policy)).start(on_done, userdata, try_out!(task_out))
    }
}

/// `plexlink_client_create_jwt_pin` as a task (`key` is copied); take its value with
/// `plexlink_task_take_pin`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_create_jwt_pin(
    client: *const plexlink_client,
    key: *const plexlink_device_key,
    strong: bool,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! {
        try_call!(jwt::create_jwt_pin(client, key, strong)).start(on_done, userdata, try_out!(task_out))
    }
}

/// `plexlink_client_wait_for_jwt` as a task (`pin` and `key` are copied), with its options as
/// `plexlink_task_wait_for_token` takes them (progress on the task's thread, the options'
/// cancel handle as the task's own); take the Plex JWT with `plexlink_task_take_jwt`. The Plex
/// JWT ends the legacy token of this client identifier.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_wait_for_jwt(
    client: *const plexlink_client,
    pin: *const plexlink_pin,
    key: *const plexlink_device_key,
    options: *const plexlink_wait_options,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! {
        try_call!(jwt::wait_for_jwt(client, pin, key, options)).start(on_done, userdata, try_out!(task_out))
    }
}

/// `plexlink_client_upgrade_to_jwt` as a task (it ends `token` for this client identifier);
/// take the Plex JWT with `plexlink_task_take_jwt`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_upgrade_to_jwt(
    client: *const plexlink_client,
    token: *const c_char,
    key: *const plexlink_device_key,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! {
        try_call!(jwt::upgrade_to_jwt(client, token, key)).start(on_done, userdata, try_out!(task_out))
    }
}

/// `plexlink_client_refresh_jwt` as a task; take the Plex JWT with `plexlink_task_take_jwt`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_refresh_jwt(
    client: *const plexlink_client,
    key: *const plexlink_device_key,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! { try_call!(jwt::refresh_jwt(client, key)).start(on_done, userdata, try_out!(task_out)) }
}

/// `plexlink_client_verify_jwt` as a task; take the JWT and its claims with
/// `plexlink_task_take_jwt`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_verify_jwt(
    client: *const plexlink_client,
    token: *const c_char,
    key: *const plexlink_device_key,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! {
        try_call!(jwt::verify_jwt(client, token, key)).start(on_done, userdata, try_out!(task_out))
    }
}

/// `plexlink_client_servers_or_snapshot` as a task (`snapshot` may be NULL, and is copied); take
/// its value with `plexlink_task_take_server_list`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plexlink_task_servers_or_snapshot(
    client: *const plexlink_client,
    token: *const c_char,
    snapshot: *const plexlink_resources_snapshot,
    on_done: plexlink_task_done_cb,
    userdata: *mut c_void,
    task_out: *mut *const plexlink_task,
) -> plexlink_result {
    ffi_panic_boundary! {
        try_call!(offline::servers_or_snapshot(client, token, snapshot)).start(on_done, userdata, try_out!(task_out))
    }
}
