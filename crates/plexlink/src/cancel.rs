//! A cancel handle that another thread can trigger while a call waits.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Cancels a long wait ([`Client::wait_for_token`](crate::Client::wait_for_token),
/// [`Client::connect_with`](crate::Client::connect_with)) from any thread. Clones share one flag.
///
/// ```
/// let cancel = plexlink::CancelToken::new();
/// let other = cancel.clone();
/// std::thread::spawn(move || other.cancel()).join().unwrap();
/// assert!(cancel.is_cancelled());
/// ```
#[derive(Clone, Debug, Default)]
pub struct CancelToken {
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl CancelToken {
    /// A handle that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels: every wait on this handle (or a clone) returns at once.
    pub fn cancel(&self) {
        let (flag, wake) = &*self.inner;
        *flag.lock().unwrap_or_else(|p| p.into_inner()) = true;
        wake.notify_all();
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        *self.inner.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sleeps until `deadline` or until cancelled; true when cancelled.
    pub(crate) fn sleep_until(&self, deadline: Instant) -> bool {
        let (flag, wake) = &*self.inner;
        let mut cancelled = flag.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if *cancelled {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            let wait = (deadline - now).min(Duration::from_secs(3600));
            cancelled = wake.wait_timeout(cancelled, wait).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}
