//! A server's connection kept right while the app runs ([`Client::keep`], [`AsyncClient::keep`]):
//! the core's [`KeptConnection`] driven in the background, one driver for both clients.
//!
//! - The blocking client drives each kept server on a thread of its own (`plexlink-kept`), the
//!   async client as a task of the caller's tokio runtime. Probes are futures polled together,
//!   as in a race; when nothing changes the driver sleeps until the core's next recheck.
//! - The driver ends when the last [`KeptServer`] handle is dropped (or [`KeptServer::stop`]).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use plexlink_core::kept::{KeepPolicy, KeptConnection, KeptEvent};
use plexlink_core::race::{Candidate, RaceOutcome};
use plexlink_core::resources::Device;
use plexlink_core::{AddressRules, ClientInfo, Error};
use tokio::sync::{Notify, watch};

#[cfg(feature = "async")]
use crate::AsyncClient;
#[cfg(feature = "blocking")]
use crate::Client;
use crate::io::{Io, Rules, exchange, first};

/// A callback for each [`KeptEvent`].
pub type OnKeptEvent = Box<dyn Fn(&KeptEvent) + Send + Sync>;

/// How [`Client::keep`] keeps a connection.
#[derive(Default)]
pub struct KeepOptions {
    /// Warm window, recheck intervals, retries and the race policy ([`KeepPolicy::default`]).
    pub policy: KeepPolicy,
    /// The URI of the last connection that worked, saved by the app from an earlier run: it is
    /// probed first, alone, and taken as soon as it answers.
    pub last_good: Option<String>,
    /// Called with each event, on the driver's thread (blocking client) or task (async client);
    /// keep it short.
    pub on_event: Option<OnKeptEvent>,
}

impl std::fmt::Debug for KeepOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeepOptions")
            .field("policy", &self.policy)
            .field("last_good", &self.last_good)
            .field("on_event", &self.on_event.is_some())
            .finish()
    }
}

/// What the app asks of the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    ReportFailure,
    NetworkChanged,
}

#[derive(Default)]
struct State {
    current: Option<Candidate>,
    outcome: Option<RaceOutcome>,
    commands: Vec<Command>,
    stopped: bool,
    /// The driver has ended (stopped, or died: a panicking HTTP stack).
    driver_ended: bool,
    subscribers: Vec<std::sync::mpsc::Sender<KeptEvent>>,
}

/// What the handles and the driver share.
struct Shared {
    device: Device,
    state: Mutex<State>,
    /// Wakes the driver: a command, or the stop.
    wake: Notify,
    /// Counts the events, so that `keep` can wait for the first decision.
    events: watch::Sender<u64>,
    on_event: Option<OnKeptEvent>,
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn command(&self, command: Command) {
        self.state().commands.push(command);
        self.wake.notify_one();
    }

    fn publish(&self, event: KeptEvent) {
        {
            let mut state = self.state();
            match &event {
                KeptEvent::Changed { new, outcome, .. } => {
                    state.current = Some(new.clone());
                    state.outcome = Some(outcome.clone());
                }
                KeptEvent::Lost { outcome, .. } => {
                    state.current = None;
                    state.outcome = Some(outcome.clone());
                }
                _ => {}
            }
            state.subscribers.retain(|tx| tx.send(event.clone()).is_ok());
        }
        if let Some(callback) = &self.on_event {
            callback(&event);
        }
        self.events.send_modify(|n| *n += 1);
    }
}

/// Marks the driver ended however it ends (a return, or a panic unwinding through it): a `keep`
/// still waiting for the first decision is woken and fails, instead of waiting for ever.
struct DriverEnded(Arc<Shared>);

impl Drop for DriverEnded {
    fn drop(&mut self) {
        {
            let mut state = self.0.state();
            state.driver_ended = true;
            if !state.stopped {
                // It died (an HTTP stack that panicked), maybe in the race after a reported
                // failure: nothing checks the connection any more, so none is offered.
                state.current = None;
            }
            // No event comes any more: the receivers see their channels close.
            state.subscribers.clear();
        }
        self.0.events.send_modify(|n| *n += 1);
    }
}

/// Stops the driver when the last handle goes.
struct StopOnDrop(Arc<Shared>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.state().stopped = true;
        self.0.wake.notify_one();
    }
}

/// A server whose connection plexlink keeps right in the background: warm start, failover,
/// moving up to a better tier, an event at each change (docs/protocol.md §3.7). Clones share
/// one kept connection; it stops when the last clone is dropped.
///
/// ```no_run
/// # let client = plexlink::Client::builder("My Player", "id").build()?;
/// # let token = plexlink::Token::new("t");
/// let server = client.servers(&token)?.remove(0);
/// let kept = client.keep(&server, plexlink::KeepOptions::default())?;
/// let uri = kept.uri().expect("a connection works");
/// // ... a request to `uri` failed at the transport level:
/// kept.report_failure();
/// # Ok::<(), plexlink::Error>(())
/// ```
#[derive(Clone)]
pub struct KeptServer {
    shared: Arc<Shared>,
    _stop: Arc<StopOnDrop>,
}

impl std::fmt::Debug for KeptServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptServer")
            .field("server", &self.shared.device.name)
            .field("current", &self.current().map(|c| c.uri))
            .finish()
    }
}

impl KeptServer {
    /// The server.
    pub fn device(&self) -> &Device {
        &self.shared.device
    }

    /// The connection to use now; `None` while none works (the driver keeps looking), and
    /// for good once the driver has died ([`is_running`](Self::is_running)).
    pub fn current(&self) -> Option<Candidate> {
        self.shared.state().current.clone()
    }

    /// The URI to use now (save it as the next run's [`KeepOptions::last_good`]).
    pub fn uri(&self) -> Option<String> {
        self.current().map(|c| c.uri)
    }

    /// The last race's outcome: every candidate's result.
    pub fn last_outcome(&self) -> Option<RaceOutcome> {
        self.shared.state().outcome.clone()
    }

    /// A request to the current connection failed: race every connection again. Many reports
    /// during one race start nothing more.
    pub fn report_failure(&self) {
        self.shared.command(Command::ReportFailure);
    }

    /// The network changed (another Wi-Fi, a VPN, a wake from sleep): race now.
    pub fn network_changed(&self) {
        self.shared.command(Command::NetworkChanged);
    }

    /// Every event from now on, on a channel of its own.
    pub fn events(&self) -> std::sync::mpsc::Receiver<KeptEvent> {
        let (tx, rx) = std::sync::mpsc::channel();
        self.shared.state().subscribers.push(tx);
        rx
    }

    /// Runs `call` with the current URI; when it fails at the transport level (no answer), the
    /// failure is reported, so the next call finds a new connection.
    pub fn call<T>(&self, call: impl FnOnce(&str) -> Result<T, Error>) -> Result<T, Error> {
        let uri = self.uri().ok_or_else(|| self.no_connection())?;
        let result = call(&uri);
        if matches!(result, Err(Error::Transport { .. })) {
            self.report_failure();
        }
        result
    }

    /// Stops the driver now (dropping every handle does too).
    pub fn stop(&self) {
        self.shared.state().stopped = true;
        self.shared.wake.notify_one();
    }

    /// True while the driver keeps the connection right: false once stopped, or once it died
    /// (an HTTP stack of yours that panicked), when only keeping the server again brings one
    /// back.
    pub fn is_running(&self) -> bool {
        !self.shared.state().driver_ended
    }

    fn no_connection(&self) -> Error {
        let state = self.shared.state();
        if state.driver_ended && !state.stopped {
            return Error::Transport {
                kind: plexlink_core::TransportErrorKind::Other,
                detail: format!(
                    "the driver keeping {} died (its HTTP stack panicked): keep the server again",
                    self.shared.device.name
                ),
            };
        }
        Error::NoConnection {
            server: self.shared.device.name.clone(),
            race: state.outcome.clone().map(Box::new),
        }
    }

    /// `addresses` are the client's: every race reads addresses as its HTTP stack dials them,
    /// as a connect's race does.
    fn new(
        device: &Device,
        mut options: KeepOptions,
        addresses: AddressRules,
    ) -> Result<(Self, Arc<Shared>, KeepPolicy, Option<String>), Error> {
        options.policy.validate()?;
        options.policy.race.addresses = addresses;
        let shared = Arc::new(Shared {
            device: device.clone(),
            state: Mutex::new(State::default()),
            wake: Notify::new(),
            events: watch::channel(0).0,
            on_event: options.on_event,
        });
        let handle = Self {
            _stop: Arc::new(StopOnDrop(Arc::clone(&shared))),
            shared: Arc::clone(&shared),
        };
        Ok((handle, shared, options.policy, options.last_good))
    }

    /// Ready once the first race (or the warm start) has decided; an error when the driver died
    /// before that.
    async fn first_decision(&self) -> Result<(), Error> {
        let mut events = self.shared.events.subscribe();
        let _ = events.wait_for(|n| *n > 0).await;
        let state = self.shared.state();
        if state.driver_ended && state.outcome.is_none() {
            return Err(Error::Transport {
                kind: plexlink_core::TransportErrorKind::Other,
                detail: "the kept connection's driver stopped before its first race ended".into(),
            });
        }
        Ok(())
    }
}

/// The driver: the core's machine over `io`, until stopped.
async fn drive(
    io: &dyn Io,
    rules: &Rules,
    info: ClientInfo,
    shared: Arc<Shared>,
    policy: KeepPolicy,
    last: Option<String>,
) {
    let _ended = DriverEnded(Arc::clone(&shared));
    let mut kept = KeptConnection::new(info, shared.device.clone(), policy, last.as_deref(), Instant::now());
    let mut in_flight = FuturesUnordered::new();
    loop {
        let commands = {
            let mut state = shared.state();
            if state.stopped {
                return;
            }
            std::mem::take(&mut state.commands)
        };
        let now = Instant::now();
        for command in commands {
            match command {
                Command::ReportFailure => kept.report_failure(now),
                Command::NetworkChanged => kept.network_changed(now),
            }
        }
        if kept.poll_timeout().is_some_and(|at| at <= now) {
            kept.handle_timeout(now);
        }
        while let Some(probe) = kept.poll_transmit(now) {
            let budget = probe.deadline.saturating_duration_since(now);
            let mut request = probe.request;
            // A probe's socket must not stay in the pool (as in a race).
            request
                .headers_mut()
                .insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
            let id = probe.id;
            let sent = exchange(io, rules, request, budget);
            in_flight.push(async move { (id, sent.await, Instant::now()) });
        }
        while let Some(event) = kept.poll_event() {
            shared.publish(event);
        }
        // Sleep until the next timer, an answer, or a command; with nothing at all to wait for
        // (the best tier, nothing in flight), only a command wakes the driver.
        let timer = kept.poll_timeout();
        let answer = async {
            if in_flight.is_empty() {
                std::future::pending::<()>().await;
            }
            if let Some((id, result, at)) = in_flight.next().await {
                match result {
                    Ok(response) => kept.handle_response(at, id, response),
                    Err(error) => kept.handle_failure(at, id, error),
                }
            }
        };
        let timer_or_answer = async {
            match timer {
                Some(at) => {
                    let _ = first(answer, io.sleep_until(at)).await;
                }
                None => answer.await,
            }
        };
        let _ = first(timer_or_answer, shared.wake.notified()).await;
    }
}

#[cfg(feature = "blocking")]
impl Client {
    /// Keeps `device`'s connection right in the background (see [`KeptServer`]); returns once
    /// the warm start or the first race has decided. When nothing answered, the handle's
    /// [`current`](KeptServer::current) is `None` and the driver keeps trying, backing off.
    ///
    /// The driver runs on a thread of its own until the last handle is dropped.
    pub fn keep(&self, device: &Device, options: KeepOptions) -> Result<KeptServer, Error> {
        let (handle, shared, policy, last) = KeptServer::new(device, options, self.address_rules())?;
        let client = self.clone();
        std::thread::Builder::new()
            .name("plexlink-kept".into())
            .spawn(move || {
                let info = client.info().clone();
                client.block_on(|io| drive(io, client.rules(), info, shared, policy, last));
            })
            .map_err(|e| Error::Transport {
                kind: plexlink_core::TransportErrorKind::Other,
                detail: format!("no thread could start to keep the connection: {e}"),
            })?;
        crate::executor::block_on(handle.first_decision())?;
        Ok(handle)
    }
}

#[cfg(feature = "async")]
impl AsyncClient {
    /// Keeps `device`'s connection right in the background (see [`KeptServer`]), as a task of
    /// the current tokio runtime; returns once the warm start or the first race has decided.
    pub async fn keep(&self, device: &Device, options: KeepOptions) -> Result<KeptServer, Error> {
        let (handle, shared, policy, last) = KeptServer::new(device, options, self.address_rules())?;
        let client = self.clone();
        tokio::spawn(async move {
            let info = client.info().clone();
            drive(client.io(), client.rules(), info, shared, policy, last).await;
        });
        handle.first_decision().await?;
        Ok(handle)
    }
}
