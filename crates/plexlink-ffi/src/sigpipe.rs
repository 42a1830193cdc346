//! SIGPIPE on the library's own I/O threads.
//!
//! Writing to a connection that the server has closed raises SIGPIPE in the writing thread,
//! and its default action ends the process. A Rust program ignores SIGPIPE from its start, so
//! the Rust client never meets it; a C program that links this library may not, and a server
//! that hangs up in the middle of a request (a dead or restarting PMS) killed the host (seen
//! under valgrind, where the timing is slow enough). The signal is blocked on the threads the
//! library starts for I/O only: the write then fails with EPIPE, an error like any other, and
//! the host's own threads and signal handlers stay as the host set them.

/// Blocks SIGPIPE on the calling thread (the first thing each I/O thread does).
pub(crate) fn block_on_this_thread() {
    #[cfg(unix)]
    // SAFETY: `set` is a local signal set, initialised by `sigemptyset` before use; the calls
    // only change the calling thread's signal mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}
