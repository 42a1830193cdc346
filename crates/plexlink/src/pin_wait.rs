//! Waiting for a PIN's token: the core's `PinLogin` driven by the real clock and this client.

use std::time::{Duration, Instant};

use plexlink_core::pin_login::{PinEvent, PinLogin, PinLoginConfig};
use plexlink_core::pins::Pin;
use plexlink_core::{Error, Token};

use crate::{CancelToken, Client};

/// How [`Client::wait_for_token`] waits.
#[derive(Default)]
pub struct WaitOptions<'a> {
    /// Time between checks (default 1 s, Plex's advice). The core never polls faster.
    pub interval: Option<Duration>,
    /// Give up after this long with [`Error::Timeout`] (default: until the PIN expires).
    pub timeout: Option<Duration>,
    /// Cancels the wait from another thread ([`Error::Cancelled`]).
    pub cancel: Option<CancelToken>,
    /// Called on this thread after each check that found the PIN not yet approved.
    pub on_progress: Option<&'a mut dyn FnMut(&WaitProgress)>,
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

impl Client {
    /// Waits until the person approves `pin` and returns the token; stops when the PIN
    /// expires ([`Error::PinExpired`]), at `options.timeout` ([`Error::Timeout`]) or when
    /// cancelled ([`Error::Cancelled`]). Backs off on 429, 5xx and network errors.
    ///
    /// ```no_run
    /// # let client = plexlink::Client::builder("My Player", "id").build()?;
    /// let pin = client.create_pin(false)?;
    /// println!("Go to {} and enter {}", client.link_url(), pin.code.secret());
    /// let token = client.wait_for_token(&pin, plexlink::WaitOptions::default())?;
    /// # Ok::<(), plexlink::Error>(())
    /// ```
    pub fn wait_for_token(&self, pin: &Pin, options: WaitOptions<'_>) -> Result<Token, Error> {
        let WaitOptions {
            interval,
            timeout,
            cancel,
            mut on_progress,
        } = options;
        let mut config = PinLoginConfig::default();
        if let Some(interval) = interval {
            config.interval = interval;
        }
        let cancel = cancel.unwrap_or_default();
        let started = Instant::now();
        // A timeout too long for the clock to hold (Python's `timeout=1.8e19`) is no timeout.
        let give_up = timeout.and_then(|t| started.checked_add(t));
        let mut login = PinLogin::resume(self.info().clone(), config, pin.clone(), started);
        let mut checks = 0u32;
        loop {
            while let Some(event) = login.poll_event() {
                match event {
                    PinEvent::Authorized(token) => return Ok(token),
                    PinEvent::Failed(error) => return Err(error),
                    PinEvent::Pending { remaining } => {
                        checks += 1;
                        if let Some(report) = on_progress.as_mut() {
                            report(&WaitProgress { remaining, checks });
                        }
                    }
                    _ => {}
                }
            }
            if login.is_finished() {
                // Finished without a final event is impossible by the machine's contract; fail
                // loudly rather than spin.
                return Err(Error::Decode {
                    what: "PIN state",
                    detail: "login stopped without a result".into(),
                });
            }
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            if let Some(request) = login.poll_transmit(Instant::now()) {
                match self.send(request) {
                    Ok(response) => login.handle_response(Instant::now(), response),
                    Err(error @ Error::Transport { .. }) => login.handle_transport_error(Instant::now(), error),
                    Err(error) => return Err(error),
                }
                continue;
            }
            let Some(next) = login.poll_timeout() else {
                // `poll_transmit` found the PIN expired: its final event is queued, and the top
                // of the loop reads it. Idle and unfinished without a timer cannot happen.
                if login.is_finished() {
                    continue;
                }
                return Err(Error::Decode {
                    what: "PIN state",
                    detail: "login idle without a timer".into(),
                });
            };
            let wake = give_up.map_or(next, |g| next.min(g));
            if cancel.sleep_until(wake) {
                return Err(Error::Cancelled);
            }
            let now = Instant::now();
            if give_up.is_some_and(|g| now >= g) {
                return Err(Error::Timeout { what: "PIN approval" });
            }
            login.handle_timeout(now);
        }
    }
}
