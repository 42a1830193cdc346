//! The wait before retrying a request that failed transiently, shared by every machine.

use std::time::Duration;

use crate::{ClientInfo, Error};

/// What every machine checks before it sends anything: an identity plex.tv accepts, and an
/// interval that is not zero (a zero one would poll in a busy loop).
pub(crate) fn check_setup(info: &ClientInfo, interval: Duration) -> Result<(), Error> {
    info.validate()?;
    if interval.is_zero() {
        return Err(Error::InvalidArgument {
            what: "interval",
            detail: "must be more than zero (Plex advises 1 s)".into(),
        });
    }
    Ok(())
}

/// No wait is longer than this, so that no configuration or `Retry-After` can overflow an
/// `Instant`.
pub(crate) const LONGEST_WAIT: Duration = Duration::from_secs(86_400);

/// Exponential back-off: `interval × 2^(failures − 1)`, capped at `max`; a 429's `Retry-After`
/// wins when it says; never shorter than `interval`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Backoff {
    interval: Duration,
    max: Duration,
    /// Failures in a row: the exponent.
    failures: u32,
}

impl Backoff {
    pub(crate) fn new(interval: Duration, max: Duration) -> Self {
        Self {
            interval,
            max,
            failures: 0,
        }
    }

    /// A success: the next failure starts the ladder again.
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }

    /// Failures in a row so far.
    pub(crate) fn failures(&self) -> u32 {
        self.failures
    }

    /// Counts a transient failure and says how long to wait before the next try.
    pub(crate) fn after(&mut self, error: &Error) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let wait = match error {
            Error::RateLimited {
                retry_after: Some(after),
                ..
            } => *after,
            _ => {
                let factor = 1_u32.checked_shl(self.failures - 1).unwrap_or(u32::MAX);
                self.interval.checked_mul(factor).unwrap_or(Duration::MAX).min(self.max)
            }
        };
        wait.max(self.interval).min(LONGEST_WAIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_obeys_retry_after() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(5));
        let io = Error::Http { status: 503 };
        let waits: Vec<u64> = (0..5).map(|_| b.after(&io).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 5, 5]);
        let limited = Error::RateLimited {
            retry_after: Some(Duration::from_secs(9)),
            message: String::new(),
        };
        assert_eq!(b.after(&limited), Duration::from_secs(9));
        b.reset();
        assert_eq!(b.after(&io), Duration::from_secs(1));
        for _ in 0..100 {
            b.after(&io);
        }
        assert_eq!(b.failures(), 101);
    }
}
