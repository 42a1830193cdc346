//! What a driver needs from the world, and the rules every request follows on its way out.
//!
//! [`Io`] is one HTTP stack plus a timer. There are two: [`TokioIo`] (an async stack, tokio's
//! timer: `AsyncClient`, and the blocking `Client` over reqwest, whose requests run on a
//! private runtime) and [`PoolIo`] (a blocking stack of the host's own on a bounded thread
//! pool, timers of [`executor::block_on`]). [`exchange`] sends one request through either with
//! the rules of [`Rules`], so no stack can skip them.

use std::future::Future;
#[cfg(feature = "blocking")]
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use plexlink_core::{AddressRules, Error, HttpRequest, HttpResponse, TransportErrorKind};

#[cfg(feature = "blocking")]
use crate::executor::{self, Pool, Slot};
#[cfg(feature = "blocking")]
use crate::http::HttpClient;
use crate::http::{AsyncHttpClient, BoxFuture};

/// An HTTP stack and a timer, as a driver sees them.
pub(crate) trait Io: Send + Sync {
    /// Sends `request`; the answer or the failure to get one.
    fn send(&self, request: HttpRequest, timeout: Duration) -> BoxFuture<'static, Result<HttpResponse, Error>>;
    /// Ready at `at`.
    fn sleep_until(&self, at: Instant) -> BoxFuture<'static, ()>;
}

/// The rules every request follows, whatever the stack: where a token may go, the size cap,
/// the timeout of a request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rules {
    pub(crate) addresses: AddressRules,
    pub(crate) allow_insecure_http: bool,
    pub(crate) max_body: usize,
    pub(crate) timeout: Duration,
}

/// Sends `request` through `io` within `timeout`: the token check before, and after it the
/// redirect and size rules. A stack that overruns the timeout is given up at the deadline.
///
/// The request is handed to the stack when this is called, not when the future is first
/// polled, so a driver that starts several at once sends them all at once.
pub(crate) fn exchange<'a>(
    io: &'a dyn Io,
    rules: &'a Rules,
    request: HttpRequest,
    timeout: Duration,
) -> impl Future<Output = Result<HttpResponse, Error>> + Send + 'a {
    let sent = plexlink_core::check_request(&request, rules.addresses, rules.allow_insecure_http)
        .map(|()| (io.send(request, timeout), Instant::now().checked_add(timeout)));
    async move {
        let (sent, deadline) = sent?;
        let response = match deadline {
            Some(deadline) => first(sent, io.sleep_until(deadline)).await.unwrap_or_else(|| {
                Err(Error::Transport {
                    kind: TransportErrorKind::Timeout,
                    detail: format!("no complete answer within {timeout:?}"),
                })
            })?,
            None => sent.await?,
        };
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            return Err(Error::Redirect {
                status: status.as_u16(),
                // The query may hold a PIN or a token.
                location: location.split(['?', '#']).next().unwrap_or_default().to_owned(),
            });
        }
        if response.body().len() > rules.max_body {
            return Err(Error::ResponseTooLarge { limit: rules.max_body });
        }
        Ok(response)
    }
}

/// `Some(a's output)` when `a` finishes first, `None` when `b` does.
pub(crate) async fn first<A: Future>(a: A, b: impl Future<Output = ()>) -> Option<A::Output> {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    std::future::poll_fn(move |cx: &mut Context<'_>| {
        if let Poll::Ready(out) = a.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        if b.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

/// An async stack with tokio's timer. With `runtime`, each request runs there (the blocking
/// client's private runtime), so its future can be awaited from any thread; without, in the
/// caller's own tokio runtime.
pub(crate) struct TokioIo {
    pub(crate) client: Arc<dyn AsyncHttpClient>,
    pub(crate) runtime: Option<tokio::runtime::Handle>,
}

impl Io for TokioIo {
    fn send(&self, request: HttpRequest, timeout: Duration) -> BoxFuture<'static, Result<HttpResponse, Error>> {
        let sent = self.client.send(request, timeout);
        let Some(runtime) = &self.runtime else {
            return sent;
        };
        // Dropping the handle detaches the task; the request's own timeout ends it.
        let task = runtime.spawn(sent);
        Box::pin(async move {
            task.await.unwrap_or_else(|e| {
                if e.is_panic() {
                    std::panic::resume_unwind(e.into_panic())
                }
                Err(Error::Cancelled)
            })
        })
    }

    fn sleep_until(&self, at: Instant) -> BoxFuture<'static, ()> {
        #[cfg(feature = "blocking")]
        if self.runtime.is_some() {
            // The driver runs on the caller's thread under `executor::block_on`.
            return Box::pin(executor::Sleep::until(at));
        }
        Box::pin(tokio::time::sleep_until(at.into()))
    }
}

#[cfg(feature = "blocking")]
/// A blocking stack of the host's own, on a bounded pool of threads; timers of
/// [`executor::block_on`], which must drive the driver.
pub(crate) struct PoolIo {
    pub(crate) client: Arc<dyn HttpClient>,
    pub(crate) pool: Pool,
}

#[cfg(feature = "blocking")]
impl Io for PoolIo {
    fn send(&self, request: HttpRequest, timeout: Duration) -> BoxFuture<'static, Result<HttpResponse, Error>> {
        let slot = Slot::new();
        let filler = Arc::clone(&slot);
        let client = Arc::clone(&self.client);
        let queued = self
            .pool
            .execute(Box::new(move || filler.fill(client.send(request, timeout))));
        Box::pin(Answer {
            slot,
            queued: Some(queued),
        })
    }

    fn sleep_until(&self, at: Instant) -> BoxFuture<'static, ()> {
        Box::pin(executor::Sleep::until(at))
    }
}

#[cfg(feature = "blocking")]
/// The answer a pool thread will give.
struct Answer {
    slot: Arc<Slot<Result<HttpResponse, Error>>>,
    queued: Option<Result<(), Error>>,
}

#[cfg(feature = "blocking")]
impl Future for Answer {
    type Output = Result<HttpResponse, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(Err(error)) = self.queued.take() {
            return Poll::Ready(Err(error));
        }
        self.slot.poll_take(cx)
    }
}
