//! SIGPIPE on the client's own I/O threads.
//!
//! Writing to a connection that the server has closed raises SIGPIPE in the writing thread,
//! and its default action ends the process. A Rust program ignores SIGPIPE from its start and
//! Python does too, but a C program that links plexlink may not, nor a Rust or Python program
//! that set it back to the default (command-line tools do, to end quietly in `| head`): a
//! server that hangs up in the middle of a request (a dead or restarting PMS) ended the program
//! (seen in the C tests under valgrind, where the timing is slow enough). The signal is blocked
//! on the threads the client starts for I/O only (the runtime of the built-in stack, the pool
//! that calls a stack of your own): the write then fails with EPIPE, an error like any other,
//! and the program's own threads and handlers stay as it set them. An async client runs on the
//! caller's runtime, whose threads are the caller's to set.

/// Blocks SIGPIPE on the calling thread (the first thing each I/O thread does).
pub(crate) fn block_on_this_thread() {
    #[cfg(unix)]
    {
        use nix::sys::signal::{SigSet, Signal};
        let mut pipe = SigSet::empty();
        pipe.add(Signal::SIGPIPE);
        // It fails only for an invalid set; this one is valid.
        let _ = pipe.thread_block();
    }
}
