//! The gate that C callbacks of a library thread go through: a task's progress and done
//! callbacks, a kept server's event callback.
//!
//! Closing the gate (the handle's `free`, or a kept server's `stop`) stops new callbacks, and
//! [`Gate::wait_idle`] then waits for one in progress to return, so that no callback runs after
//! `free` returns and `userdata` may be released right then. The gate's lock is never held while
//! C code runs: C may free or wait for any handle from a callback. Where the wait would block
//! forever (a callback freeing its own handle, two callbacks freeing each other)
//! [`waits`](crate::waits) says so, and the wait is skipped.

use std::sync::{Condvar, Mutex, MutexGuard};

use crate::waits::{self, Until};

/// The callbacks `C` (function pointers and their `userdata`) while the gate is open.
#[derive(Debug)]
pub(crate) struct Gate<C> {
    state: Mutex<State<C>>,
    /// Signalled when a callback returns.
    returned: Condvar,
}

#[derive(Debug)]
struct State<C> {
    /// `None` once closed: no callback starts any more.
    callbacks: Option<C>,
    /// A callback is running (the lock is not held meanwhile).
    running: bool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<C: Copy> Gate<C> {
    /// An open gate.
    pub(crate) fn new(callbacks: C) -> Self {
        Self {
            state: Mutex::new(State {
                callbacks: Some(callbacks),
                running: false,
            }),
            returned: Condvar::new(),
        }
    }

    /// Runs `call` with the callbacks unless the gate is closed, marked as running meanwhile
    /// (for [`wait_idle`](Self::wait_idle)) but without holding the lock. `owner` is the
    /// handle as [`waits`] knows it: C code in the callback runs as that handle's.
    pub(crate) fn call(&self, owner: usize, call: impl FnOnce(&C)) {
        /// Clears `running` when the callback returns (or unwinds).
        struct Returned<'a, C>(&'a Gate<C>);
        impl<C> Drop for Returned<'_, C> {
            fn drop(&mut self) {
                lock(&self.0.state).running = false;
                self.0.returned.notify_all();
            }
        }
        let callbacks = {
            let mut state = lock(&self.state);
            let Some(callbacks) = state.callbacks else { return };
            state.running = true;
            callbacks
        };
        let _returned = Returned(self);
        waits::in_callback(owner, || call(&callbacks));
    }

    /// Closes the gate: no callback starts after this returns.
    pub(crate) fn close(&self) {
        lock(&self.state).callbacks = None;
    }

    /// Waits for a callback in progress to return, unless that would never end (see
    /// [`waits`]): called from inside one of `owner`'s own callbacks, or from a callback that
    /// the running one is itself blocked on.
    pub(crate) fn wait_idle(&self, owner: usize) {
        let mut state = lock(&self.state);
        if !state.running {
            return;
        }
        if let Some(_blocked) = waits::block_on(owner, Until::CallbackReturns) {
            while state.running {
                state = self.returned.wait(state).unwrap_or_else(|p| p.into_inner());
            }
        }
    }
}
