//! Checks that several targets share.

use std::time::{Duration, Instant};

/// Runs `f`, which reads an input of `len` bytes, and panics when it takes far longer than a
/// linear parse would (100 ms plus 1 µs a byte; a quadratic parse of 256 KiB takes seconds).
/// A run over the budget is timed once more before failing, so that a stalled machine does not
/// count as a slow parse.
pub fn linear<T>(what: &str, len: usize, mut f: impl FnMut() -> T) -> T {
    let budget = Duration::from_millis(100) + Duration::from_micros(u64::try_from(len).unwrap_or(u64::MAX));
    let start = Instant::now();
    let out = f();
    if start.elapsed() > budget {
        let again = Instant::now();
        drop(f());
        let took = again.elapsed();
        assert!(
            took <= budget,
            "{what}: {len} bytes took {took:?}, more than the linear budget of {budget:?}"
        );
    }
    out
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
