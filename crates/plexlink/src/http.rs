//! The HTTP stacks plexlink can drive: any function from a request to its answer, blocking
//! ([`HttpClient`]) or async ([`AsyncHttpClient`]). reqwest is the built-in one; a closure is
//! a stack too, so a program can bring its own.
//!
//! A stack sends what it is given and returns the answer as it came: it must not follow
//! redirects, and it should stop at the `timeout` it is handed (the whole exchange, not each
//! read). plexlink keeps every other rule itself, whatever the stack: a token never travels in
//! clear to a public address, a redirect is an error, an answer over the size cap is refused,
//! and a request that outlives its timeout is given up.
//!
//! ```
//! use std::time::Duration;
//! use plexlink::{Client, Error, HttpRequest, HttpResponse};
//!
//! // A stack of your own: here, one that answers every request with 503.
//! let client = Client::builder("My Player", "0b7e6f52-5c3a-4f0e-8d1c-2a9b8c7d6e5f")
//!     .build_with(|_request: HttpRequest, _timeout: Duration| -> Result<HttpResponse, Error> {
//!         Ok(http::Response::builder().status(503).body(Vec::new()).unwrap())
//!     })?;
//! assert_eq!(client.create_pin(false).unwrap_err().http_status(), Some(503));
//! # Ok::<(), Error>(())
//! ```

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use plexlink_core::{Error, HttpRequest, HttpResponse};

/// A boxed future that can move between threads.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A blocking HTTP stack. Any `Fn(HttpRequest, Duration) -> Result<HttpResponse, Error>` that
/// is `Send + Sync` is one.
///
/// plexlink calls it from a bounded pool of threads, several at once during a connection race;
/// `timeout` is the time the whole exchange may take. Report a failure to get an answer as
/// [`Error::Transport`] with the kind that fits: the PIN wait backs off and retries those.
pub trait HttpClient: Send + Sync + 'static {
    /// Sends `request` and returns the answer, whatever its status.
    fn send(&self, request: HttpRequest, timeout: Duration) -> Result<HttpResponse, Error>;
}

impl<F> HttpClient for F
where
    F: Fn(HttpRequest, Duration) -> Result<HttpResponse, Error> + Send + Sync + 'static,
{
    fn send(&self, request: HttpRequest, timeout: Duration) -> Result<HttpResponse, Error> {
        self(request, timeout)
    }
}

/// An async HTTP stack. Any `Fn(HttpRequest, Duration) -> impl Future<Output = Result<..>>`
/// whose future is `Send + 'static` is one.
///
/// plexlink polls many of its futures at once during a connection race and drops those it no
/// longer needs: dropping must cancel the request.
pub trait AsyncHttpClient: Send + Sync + 'static {
    /// Sends `request` and resolves to the answer, whatever its status.
    fn send(&self, request: HttpRequest, timeout: Duration) -> BoxFuture<'static, Result<HttpResponse, Error>>;
}

impl<F, Fut> AsyncHttpClient for F
where
    F: Fn(HttpRequest, Duration) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<HttpResponse, Error>> + Send + 'static,
{
    fn send(&self, request: HttpRequest, timeout: Duration) -> BoxFuture<'static, Result<HttpResponse, Error>> {
        Box::pin(self(request, timeout))
    }
}
