//! Running a driver on the calling thread, for blocking HTTP stacks of the host's own: a
//! `block_on` that parks between wake-ups and knows the one kind of timer the drivers use, and
//! a bounded pool of threads that run the blocking requests.
//!
//! The drivers are async functions written once (see `driver.rs`). Over reqwest they run on
//! tokio; over a blocking [`HttpClient`](crate::HttpClient) they run here: each request goes to
//! a pool thread, and the driver waits for the answers and its timers on the caller's thread.

use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use plexlink_core::{Error, TransportErrorKind};

thread_local! {
    /// The earliest instant a [`Sleep`] polled on this thread waits for, since the last poll of
    /// the future [`block_on`] drives.
    static NEXT_WAKE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// The longest park: a guard against a lost wake-up, which costs at most this much.
const LONGEST_PARK: Duration = Duration::from_secs(1);

struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to its end on this thread. Between polls the thread parks until a waker fires
/// or the earliest [`Sleep`] is due.
pub(crate) fn block_on<T>(future: impl Future<Output = T>) -> T {
    let waker = Waker::from(Arc::new(Unparker(thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        NEXT_WAKE.with(|next| next.set(None));
        if let Poll::Ready(value) = future.as_mut().poll(&mut context) {
            return value;
        }
        let park = match NEXT_WAKE.with(Cell::get) {
            Some(at) => at.saturating_duration_since(Instant::now()).min(LONGEST_PARK),
            None => LONGEST_PARK,
        };
        if !park.is_zero() {
            thread::park_timeout(park);
        }
    }
}

/// A timer for futures that [`block_on`] drives: ready once `at` has passed.
pub(crate) struct Sleep {
    at: Instant,
}

impl Sleep {
    pub(crate) fn until(at: Instant) -> Self {
        Self { at }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.at {
            return Poll::Ready(());
        }
        let at = self.at;
        NEXT_WAKE.with(|next| next.set(Some(next.get().map_or(at, |earlier| earlier.min(at)))));
        Poll::Pending
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// A bounded set of threads that run blocking jobs. Threads start when a job finds none idle,
/// up to `max`; further jobs wait in line. A thread that cannot start is an error for its job,
/// never a panic.
#[derive(Debug)]
pub(crate) struct Pool {
    max: usize,
    state: Arc<(Mutex<PoolState>, Condvar)>,
}

#[derive(Default)]
struct PoolState {
    queue: VecDeque<Job>,
    threads: usize,
    idle: usize,
}

impl std::fmt::Debug for PoolState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolState")
            .field("queued", &self.queue.len())
            .field("threads", &self.threads)
            .field("idle", &self.idle)
            .finish()
    }
}

/// How long an idle pool thread waits for work before it ends.
const IDLE_LIFETIME: Duration = Duration::from_secs(30);

impl Pool {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            max: max.max(1),
            state: Arc::default(),
        }
    }

    /// Runs `job` on a pool thread. Fails only when no thread runs and none can start.
    pub(crate) fn execute(&self, job: Job) -> Result<(), Error> {
        let (lock, ready) = &*self.state;
        let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
        state.queue.push_back(job);
        if state.idle > 0 || state.threads >= self.max {
            ready.notify_one();
            return Ok(());
        }
        state.threads += 1;
        drop(state);
        let shared = Arc::clone(&self.state);
        let started = thread::Builder::new().name("plexlink-http".into()).spawn(move || {
            // The host's stack writes to sockets on this thread.
            crate::sigpipe::block_on_this_thread();
            work(&shared)
        });
        if let Err(error) = started {
            let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
            state.threads -= 1;
            if state.threads == 0 {
                // Nobody will ever run it: take it back and say so.
                state.queue.pop_back();
                return Err(Error::Transport {
                    kind: TransportErrorKind::Other,
                    detail: format!("no thread could start to send the request: {error}"),
                });
            }
        }
        Ok(())
    }
}

fn work(shared: &(Mutex<PoolState>, Condvar)) {
    let (lock, ready) = shared;
    let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        if let Some(job) = state.queue.pop_front() {
            drop(state);
            // A panicking stack must not take the pool thread's count with it.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            state = lock.lock().unwrap_or_else(|p| p.into_inner());
            continue;
        }
        state.idle += 1;
        let (next, timeout) = ready
            .wait_timeout(state, IDLE_LIFETIME)
            .unwrap_or_else(|p| p.into_inner());
        state = next;
        state.idle -= 1;
        if timeout.timed_out() && state.queue.is_empty() {
            state.threads -= 1;
            return;
        }
    }
}

/// A value that one thread sets and one future waits for.
pub(crate) struct Slot<T> {
    inner: Mutex<(Option<T>, Option<Waker>)>,
}

impl<T> Slot<T> {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new((None, None)),
        })
    }

    pub(crate) fn fill(&self, value: T) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.0 = Some(value);
        if let Some(waker) = inner.1.take() {
            waker.wake();
        }
    }

    /// Ready with the value once [`fill`](Self::fill) ran.
    pub(crate) fn poll_take(&self, context: &mut Context<'_>) -> Poll<T> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        match inner.0.take() {
            Some(value) => Poll::Ready(value),
            None => {
                inner.1 = Some(context.waker().clone());
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_waits_for_a_sleep_and_for_another_thread() {
        let started = Instant::now();
        block_on(Sleep::until(started + Duration::from_millis(30)));
        assert!(started.elapsed() >= Duration::from_millis(30));

        let pool = Pool::new(2);
        let slot = Slot::new();
        let filler = Arc::clone(&slot);
        pool.execute(Box::new(move || filler.fill(7))).expect("a thread starts");
        let value = block_on(std::future::poll_fn(|cx| slot.poll_take(cx)));
        assert_eq!(value, 7);
    }

    #[test]
    fn the_pool_never_runs_more_threads_than_its_bound() {
        let pool = Pool::new(3);
        let running = Arc::new(Mutex::new((0usize, 0usize)));
        let slots: Vec<_> = (0..20).map(|_| Slot::new()).collect();
        for slot in &slots {
            let (running, slot) = (Arc::clone(&running), Arc::clone(slot));
            pool.execute(Box::new(move || {
                {
                    let mut r = running.lock().unwrap();
                    r.0 += 1;
                    r.1 = r.1.max(r.0);
                }
                thread::sleep(Duration::from_millis(5));
                running.lock().unwrap().0 -= 1;
                slot.fill(());
            }))
            .expect("queued");
        }
        for slot in &slots {
            block_on(std::future::poll_fn(|cx| slot.poll_take(cx)));
        }
        let most = running.lock().unwrap().1;
        assert!((1..=3).contains(&most), "at most 3 at once, saw {most}");
    }
}
