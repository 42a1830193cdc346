//! `Cancel`: a handle that stops a wait from another thread.

use plexlink::CancelToken;
use pyo3::prelude::*;

/// Cancels a wait (``Client.wait_for_token``) from any thread.
///
/// Pass it as ``cancel=``; calling :meth:`cancel` from another thread (or a signal handler)
/// makes the wait raise :class:`Cancelled` promptly. A handle stays cancelled: make a new one
/// for the next wait.
#[pyclass(frozen, module = "plexlink")]
#[derive(Debug, Default)]
pub(crate) struct Cancel {
    // The core's token is a lock and a condition variable, so the class stays frozen.
    pub(crate) token: CancelToken,
}

#[pymethods]
impl Cancel {
    /// A handle that is not cancelled.
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Cancels every wait that uses this handle.
    fn cancel(&self) {
        self.token.cancel();
    }

    /// Whether :meth:`cancel` was called.
    #[getter]
    fn cancelled(&self) -> bool {
        self.token.is_cancelled()
    }

    fn __repr__(&self) -> String {
        format!(
            "Cancel(cancelled={})",
            if self.token.is_cancelled() { "True" } else { "False" }
        )
    }
}
