//! The async client: the same calls as [`Client`](crate::Client), as `Send` futures.

use std::sync::Arc;

use plexlink_core::pins::Pin;
use plexlink_core::race::RacePolicy;
use plexlink_core::resources::Device;
use plexlink_core::{AddressRules, ClientInfo, Error, HttpRequest, HttpResponse, Token};

use crate::client::{first_result, race_policy};
use crate::http::AsyncHttpClient;
use crate::io::{Io, Rules, TokioIo, exchange};
use crate::jwt::JwtState;
use crate::{ClientBuilder, Connected, WaitOptions, driver};

/// Signs people in to Plex and finds their servers, on tokio (a runtime with its I/O and time
/// drivers on, as `#[tokio::main]` makes; a stack of your own needs only the time driver).
///
/// Every call is an `async fn` whose future is `Send`; dropping it cancels the call and the
/// requests it has in flight. A connection race polls its probes as futures of the same task:
/// no thread and no task per probe. `AsyncClient` is cheap to clone; clones share one
/// connection pool.
///
/// Its sockets are written on your runtime's threads, which plexlink leaves as they are: a
/// program that sets SIGPIPE back to its default action (Rust programs start with it ignored)
/// should block it on those threads, or a server that hangs up mid-request ends the program.
/// The blocking `Client` blocks it on the threads it starts.
///
/// ```no_run
/// # async fn run() -> Result<(), plexlink::Error> {
/// let client = plexlink::AsyncClient::builder("My Player", "0b7e6f52-5c3a-4f0e-8d1c-2a9b8c7d6e5f")
///     .build_async()?;
/// let pin = client.create_pin(false).await?;
/// println!("Open {} and enter {}", client.link_url(), pin.code.secret());
/// let token = client.wait_for_token(&pin, plexlink::WaitOptions::default()).await?;
/// let servers = client.servers(&token).await?;
/// for (server, chosen) in servers.iter().zip(client.connect_all(&servers).await) {
///     println!("{}: {:?}", server.name, chosen.map(|c| c.uri));
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AsyncClient {
    inner: Arc<Inner>,
}

struct Inner {
    info: ClientInfo,
    rules: Rules,
    jwt: JwtState,
    io: TokioIo,
}

impl std::fmt::Debug for AsyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncClient")
            .field("info", &self.inner.info)
            .field("rules", &self.inner.rules)
            .finish_non_exhaustive()
    }
}

impl AsyncClient {
    pub(crate) fn new(info: ClientInfo, rules: Rules, jwt: JwtState, http: Arc<dyn AsyncHttpClient>) -> Self {
        let io = TokioIo {
            client: http,
            runtime: None,
        };
        Self {
            inner: Arc::new(Inner { info, rules, jwt, io }),
        }
    }

    /// A builder for an application named `product` with its lasting `client_identifier`;
    /// finish it with [`ClientBuilder::build_async`].
    pub fn builder(product: impl Into<String>, client_identifier: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(ClientInfo::new(product, client_identifier))
    }

    /// The identity this client presents.
    pub fn info(&self) -> &ClientInfo {
        &self.inner.info
    }

    /// How this client reads addresses (see [`Client::address_rules`](crate::Client::address_rules)).
    pub fn address_rules(&self) -> AddressRules {
        self.inner.rules.addresses
    }

    pub(crate) fn io(&self) -> &dyn Io {
        &self.inner.io
    }

    pub(crate) fn rules(&self) -> &Rules {
        &self.inner.rules
    }

    pub(crate) fn jwt(&self) -> &JwtState {
        &self.inner.jwt
    }

    /// Sends any core request with this client's rules.
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        exchange(self.io(), self.rules(), request, self.rules().timeout).await
    }

    /// Waits until the person approves `pin` and returns the token (see
    /// [`Client::wait_for_token`](crate::Client::wait_for_token)). Dropping the future cancels
    /// the wait.
    pub async fn wait_for_token(&self, pin: &Pin, options: WaitOptions<'_>) -> Result<Token, Error> {
        let info = self.info().clone();
        driver::wait_for_token(self.io(), self.rules(), info, pin, options.into_wait()).await
    }

    /// Chooses the best working connection of `device` with the default policy (see
    /// [`Client::connect`](crate::Client::connect)).
    pub async fn connect(&self, device: &Device) -> Result<Connected, Error> {
        self.connect_with(device, RacePolicy::default()).await
    }

    /// [`connect`](Self::connect) with a policy of your own.
    pub async fn connect_with(&self, device: &Device, policy: RacePolicy) -> Result<Connected, Error> {
        first_result(
            self.connect_all_with(std::slice::from_ref(device), policy).await,
            device,
        )
    }

    /// Chooses a connection for every server at once (see
    /// [`Client::connect_all`](crate::Client::connect_all)).
    pub async fn connect_all(&self, devices: &[Device]) -> Vec<Result<Connected, Error>> {
        self.connect_all_with(devices, RacePolicy::default()).await
    }

    /// [`connect_all`](Self::connect_all) with a policy of your own.
    pub async fn connect_all_with(&self, devices: &[Device], policy: RacePolicy) -> Vec<Result<Connected, Error>> {
        match race_policy(policy, self.address_rules()) {
            Ok(policy) => driver::connect_all(self.io(), self.rules(), self.info(), devices, policy).await,
            Err(error) => devices.iter().map(|_| Err(error.clone())).collect(),
        }
    }
}
