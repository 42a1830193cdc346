//! A cancel handle that another thread (or task) can trigger while a call waits.

use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

/// Cancels a long wait ([`Client::wait_for_token`](crate::Client::wait_for_token) and its async
/// twin) from any thread. Clones share one flag. An async call is also cancelled by dropping
/// its future.
///
/// ```
/// let cancel = plexlink::CancelToken::new();
/// let other = cancel.clone();
/// std::thread::spawn(move || other.cancel()).join().unwrap();
/// assert!(cancel.is_cancelled());
/// ```
#[derive(Clone, Debug, Default)]
pub struct CancelToken {
    inner: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    cancelled: bool,
    waiting: Vec<Waker>,
}

impl CancelToken {
    /// A handle that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels: every wait on this handle (or a clone) returns at once.
    pub fn cancel(&self) {
        let waiting = {
            let mut state = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            state.cancelled = true;
            std::mem::take(&mut state.waiting)
        };
        waiting.into_iter().for_each(Waker::wake);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).cancelled
    }

    /// Ready once cancelled: for an async program that races its own work against a cancel,
    /// with no polling.
    ///
    /// ```
    /// use futures_util::FutureExt;
    ///
    /// let cancel = plexlink::CancelToken::new();
    /// assert!(cancel.cancelled().now_or_never().is_none());
    /// cancel.cancel();
    /// assert!(cancel.cancelled().now_or_never().is_some());
    /// ```
    pub async fn cancelled(&self) {
        std::future::poll_fn(|cx| {
            let mut state = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            if state.cancelled {
                return Poll::Ready(());
            }
            if !state.waiting.iter().any(|w| w.will_wake(cx.waker())) {
                state.waiting.push(cx.waker().clone());
            }
            Poll::Pending
        })
        .await;
    }
}
