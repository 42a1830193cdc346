//! Checks that several targets share.

use std::time::Duration;

/// Runs `f`, which reads an input of `len` bytes, and panics when it takes far longer than a
/// linear parse would: 100 ms plus 4 µs a byte of this thread's CPU time (the fuzzing build's
/// coverage instrumentation makes a linear parse cost up to 2 µs a byte; a quadratic parse of
/// 256 KiB takes seconds). CPU time, so that a busy machine's stalls do not count; a run over
/// the budget is timed once more before failing.
pub fn linear<T>(what: &str, len: usize, mut f: impl FnMut() -> T) -> T {
    let per_byte = Duration::from_micros(4).saturating_mul(u32::try_from(len).unwrap_or(u32::MAX));
    let budget = Duration::from_millis(100).saturating_add(per_byte);
    let start = cpu_time();
    let out = f();
    if cpu_time().saturating_sub(start) > budget {
        let again = cpu_time();
        drop(f());
        let took = cpu_time().saturating_sub(again);
        assert!(
            took <= budget,
            "{what}: {len} bytes took {took:?} of CPU, more than the linear budget of {budget:?}"
        );
    }
    out
}

/// The CPU time this thread has used.
#[cfg(unix)]
fn cpu_time() -> Duration {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `clock_gettime` writes one `timespec` through a pointer to a live one.
    let read = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(read, 0, "the thread's CPU clock");
    Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    )
}

/// Elsewhere, the time since the first call.
#[cfg(not(unix))]
fn cpu_time() -> Duration {
    crate::clock::origin().elapsed()
}

/// What the `Debug` text of a secret newtype and its `Option` may show.
const PLACEHOLDERS: &str = "Some(Token([redacted])) Some(PinCode([redacted])) Some(\"[redacted]\")";

/// Panics when `secret` shows in `full` (a value's `Debug` text) but not in `cleared` (the same
/// value's with its secrets taken out): the value printed its secret. Secrets too short or
/// made of the placeholders' characters say nothing and are not checked.
pub fn hidden(what: &str, secret: &str, full: &str, cleared: &str) {
    let telling = secret.len() >= 3
        && secret
            .chars()
            .all(|c| c.is_ascii_graphic() && !"()[]{},:\"'\\".contains(c))
        && !PLACEHOLDERS.contains(secret);
    assert!(
        !telling || !full.contains(secret) || cleared.contains(secret),
        "{what}: Debug shows the secret {secret:?}: {full}"
    );
}

#[cfg(test)]
mod tests {
    use std::panic::catch_unwind;
    use std::time::Duration;

    use super::{cpu_time, linear};

    /// Spins until this thread has used `cpu` of CPU time.
    fn spin(cpu: Duration) {
        let start = cpu_time();
        while cpu_time().saturating_sub(start) < cpu {
            std::hint::spin_loop();
        }
    }

    #[test]
    fn work_over_the_budget_fails_and_waiting_does_not() {
        // The budget of an empty input is 100 ms.
        assert!(catch_unwind(|| linear("spin", 0, || spin(Duration::from_millis(150)))).is_err());
        linear("sleep", 0, || std::thread::sleep(Duration::from_millis(150)));
        linear("work", 0, || spin(Duration::from_millis(20)));
    }
}
