//! `Cancel`: a handle that stops a wait from another thread.

use std::future::Future;

use plexlink::CancelToken;
use pyo3::prelude::*;

/// Cancels a wait (``Client.wait_for_token``) from any thread.
///
/// Pass it as ``cancel=``; calling :meth:`cancel` from another thread (or a signal handler)
/// makes the wait raise :class:`Cancelled` promptly. A handle stays cancelled: make a new one
/// for the next wait. :meth:`child` makes a handle of its own for one part of the work, which
/// is cancelled with this one but can be cancelled alone.
#[pyclass(frozen, module = "plexlink")]
#[derive(Clone, Debug, Default)]
pub(crate) struct Cancel {
    // The core's tokens are a lock and a condition variable each, so the class stays frozen.
    /// This handle's own token.
    own: CancelToken,
    /// The tokens of the handles it is a child of (its parent's, its parent's parent's...).
    parents: Vec<CancelToken>,
}

impl Cancel {
    /// Whether this handle or one it is a child of was cancelled. Clones share the answer.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.own.is_cancelled() || self.parents.iter().any(CancelToken::is_cancelled)
    }

    /// Ready once this handle or one it is a child of is cancelled; woken by the cancel itself,
    /// never polled on a timer.
    pub(crate) async fn until_cancelled(&self) {
        let mut waits: Vec<_> = std::iter::once(&self.own)
            .chain(&self.parents)
            .map(|token| Box::pin(token.cancelled()))
            .collect();
        std::future::poll_fn(|cx| {
            if waits.iter_mut().any(|wait| wait.as_mut().poll(cx).is_ready()) {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        })
        .await;
    }
}

#[pymethods]
impl Cancel {
    /// A handle that is not cancelled.
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Cancels every wait that uses this handle or one of its children.
    fn cancel(&self) {
        self.own.cancel();
    }

    /// A new handle that is cancelled whenever this one is; cancelling it leaves this one (and
    /// whatever else it guards) alone.
    fn child(&self) -> Self {
        let mut parents = self.parents.clone();
        parents.push(self.own.clone());
        Self {
            own: CancelToken::new(),
            parents,
        }
    }

    /// Whether this handle (or one it is a child of) was cancelled.
    #[getter]
    fn cancelled(&self) -> bool {
        self.is_cancelled()
    }

    fn __repr__(&self) -> String {
        format!(
            "Cancel(cancelled={})",
            if self.is_cancelled() { "True" } else { "False" }
        )
    }
}
