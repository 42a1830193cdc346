//! How a PIN wait waits, and what it reports ([`Client::wait_for_token`](crate::Client::wait_for_token)
//! and its async twin; the loop itself is the driver's).

use std::time::Duration;

use crate::CancelToken;

/// How [`Client::wait_for_token`](crate::Client::wait_for_token) waits.
#[derive(Default)]
pub struct WaitOptions<'a> {
    /// Time between checks (default 1 s, Plex's advice). The core never polls faster.
    pub interval: Option<Duration>,
    /// Give up after this long with [`Error::Timeout`](crate::Error::Timeout) (default: until
    /// the PIN expires; a duration too long for the clock is no limit).
    pub timeout: Option<Duration>,
    /// Cancels the wait from another thread ([`Error::Cancelled`](crate::Error::Cancelled)).
    pub cancel: Option<CancelToken>,
    /// Called after each check that found the PIN not yet approved: on the waiting thread for
    /// [`Client`](crate::Client), inside the future for [`AsyncClient`](crate::AsyncClient).
    pub on_progress: Option<&'a mut (dyn FnMut(&WaitProgress) + Send)>,
}

impl std::fmt::Debug for WaitOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitOptions")
            .field("interval", &self.interval)
            .field("timeout", &self.timeout)
            .field("cancel", &self.cancel)
            .field("on_progress", &self.on_progress.is_some())
            .finish()
    }
}

/// What a wait has seen so far.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitProgress {
    /// Time until the PIN expires, when known.
    pub remaining: Option<Duration>,
    /// Checks answered so far.
    pub checks: u32,
}

impl<'a> WaitOptions<'a> {
    /// The driver's view, with a cancel handle of its own when none was given.
    pub(crate) fn into_wait(self) -> crate::driver::Wait<'a> {
        crate::driver::Wait {
            interval: self.interval,
            timeout: self.timeout,
            cancel: self.cancel.unwrap_or_default(),
            on_progress: self.on_progress,
        }
    }
}
