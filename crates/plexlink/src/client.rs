//! The clients: [`ClientBuilder`] (settings, checked in one place), [`Client`] (blocking) and
//! [`AsyncClient`](crate::AsyncClient). Every call of both is declared once, in [`calls!`]; the
//! long ones (the PIN wait, the race) are the drivers of `driver.rs`.

use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "blocking")]
use plexlink_core::HttpRequest;
use plexlink_core::account::{self, Account, HomeUser};
use plexlink_core::pins::{self, Pin};
use plexlink_core::race::RacePolicy;
use plexlink_core::resources::{self, Device, Include};
use plexlink_core::server::{self, Identity};
use plexlink_core::{AddressRules, ClientInfo, Error, HttpResponse, Password, PinCode, Token, VerificationCode};

#[cfg(feature = "async")]
use crate::AsyncClient;
#[cfg(feature = "blocking")]
use crate::WaitOptions;
#[cfg(feature = "blocking")]
use crate::executor::{self, Pool};
#[cfg(feature = "async")]
use crate::http::AsyncHttpClient;
#[cfg(feature = "blocking")]
use crate::http::HttpClient;
use crate::io::Rules;
#[cfg(feature = "blocking")]
use crate::io::{Io, PoolIo, TokioIo, exchange};
use crate::jwt::JwtState;
use crate::transport::{Reqwest, TransportConfig};
use crate::{Connected, driver};

/// The most threads a blocking stack of the host's own gets for the requests of one client.
/// A race sends its probes together; past this many at once, they wait in line.
#[cfg(feature = "blocking")]
const POOL_THREADS: usize = 16;

/// Builds a [`Client`] or an [`AsyncClient`]. Every value is checked by the `build` methods,
/// which name the field of a value that cannot work.
///
/// ```no_run
/// let client = plexlink::Client::builder("My Player", "0b7e6f52-5c3a-4f0e-8d1c-2a9b8c7d6e5f")
///     .version("2.1.0")
///     .device_name("Living room TV")
///     .timeout(std::time::Duration::from_secs(20))
///     .build()?;
/// # Ok::<(), plexlink::Error>(())
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct ClientBuilder {
    info: ClientInfo,
    plex_url: Option<String>,
    clients_url: Option<String>,
    nonce_lifetime: Option<Duration>,
    transport: TransportConfig,
    timeout: Duration,
    allow_insecure_http: bool,
    carrier_nat_is_private: bool,
}

impl ClientBuilder {
    pub(crate) fn new(info: ClientInfo) -> Self {
        Self {
            info,
            plex_url: None,
            clients_url: None,
            nonce_lifetime: None,
            transport: TransportConfig {
                connect_timeout: Duration::from_secs(5),
                max_body: plexlink_core::MAX_BODY_DEFAULT,
                extra_roots: Vec::new(),
                resolve_plex_direct: true,
            },
            timeout: Duration::from_secs(30),
            allow_insecure_http: false,
            carrier_nat_is_private: false,
        }
    }

    /// `X-Plex-Version`: the application's version.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.info.version = version.into();
        self
    }

    /// `X-Plex-Device-Name`: the name the person knows this device by.
    pub fn device_name(mut self, name: impl Into<String>) -> Self {
        self.info.device_name = name.into();
        self
    }

    /// `X-Plex-Platform` (defaults to the OS plexlink was built for).
    pub fn platform(mut self, platform: impl Into<String>) -> Self {
        self.info.platform = platform.into();
        self
    }

    /// `X-Plex-Platform-Version`.
    pub fn platform_version(mut self, version: impl Into<String>) -> Self {
        self.info.platform_version = version.into();
        self
    }

    /// `X-Plex-Device` (the kind of hardware).
    pub fn device(mut self, device: impl Into<String>) -> Self {
        self.info.device = device.into();
        self
    }

    /// `X-Plex-Model`.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.info.model = model.into();
        self
    }

    /// `X-Plex-Provides` (e.g. `controller`, `player`).
    pub fn provides(mut self, provides: impl Into<String>) -> Self {
        self.info.provides = provides.into();
        self
    }

    /// Where plex.tv is: an emulator's `http://127.0.0.1:PORT` for tests. The clients.plex.tv
    /// calls (JWT, Home users) go to the same base.
    pub fn plex_url(mut self, url: impl Into<String>) -> Self {
        self.plex_url = Some(url.into());
        self
    }

    /// Where the clients.plex.tv calls (JWT, Home users) go, when not to the base of
    /// [`plex_url`](Self::plex_url) (which points both there).
    pub fn clients_url(mut self, url: impl Into<String>) -> Self {
        self.clients_url = Some(url.into());
        self
    }

    /// The life of a JWT nonce, when it is not plex.tv's five minutes (an emulator set to a
    /// short one): a JWT PIN login makes its device JWT again before it ends. At least 1 s.
    pub fn jwt_nonce_lifetime(mut self, lifetime: Duration) -> Self {
        self.nonce_lifetime = Some(lifetime);
        self
    }

    /// The longest wait for a TCP (and TLS) connection. Default 5 s; not zero.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.transport.connect_timeout = timeout;
        self
    }

    /// The longest a whole request may take, answer included, however slowly the server
    /// sends it. Default 30 s; not zero; [`Duration::MAX`] means no limit.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Answers larger than this are refused. Default 16 MiB; not zero; `usize::MAX` means no
    /// limit.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.transport.max_body = limit;
        self
    }

    /// Allows sending a token over plain HTTP to public addresses. Off by default: anyone on
    /// the path could read the token. Only for networks you trust.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Counts carrier-grade NAT addresses (100.64.0.0/10) as private: plain http may carry a
    /// token to them, and they rank as local connections. Off by default, because behind a
    /// carrier's NAT that range is the carrier's network. Turn it on for a VPN that uses it
    /// (Tailscale does).
    pub fn carrier_nat_is_private(mut self, private: bool) -> Self {
        self.carrier_nat_is_private = private;
        self
    }

    /// Trusts one more certificate authority (PEM), beside the system's.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.transport.extra_roots.push(pem.into());
        self
    }

    /// Reads `*.plex.direct` addresses from the name instead of asking DNS (on by default),
    /// so routers that block those names (DNS-rebinding protection) do not push you onto a
    /// relay or off your server. It connects where Plex's DNS would send you, and TLS still
    /// sends the name (SNI) and checks the certificate against it. Off: plex.direct names go
    /// to the system resolver like any other. (A stack of your own resolves as it likes: its
    /// plex.direct labels are trusted as this setting says.)
    pub fn resolve_plex_direct(mut self, on: bool) -> Self {
        self.transport.resolve_plex_direct = on;
        self
    }

    #[cfg(feature = "blocking")]
    /// A blocking client over the built-in stack (reqwest, rustls). Its requests run on a
    /// private runtime thread; the calls block the caller's thread, and may be made from any
    /// thread, inside an async runtime too.
    pub fn build(self) -> Result<Client, Error> {
        let (info, rules) = self.checked()?;
        let transport = Reqwest::new(&self.transport)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(4)
            .thread_name("plexlink-io")
            .on_thread_start(crate::sigpipe::block_on_this_thread)
            .enable_all()
            .build()
            .map_err(|e| Error::InvalidArgument {
                what: "client configuration",
                detail: format!("the I/O thread could not start: {e}"),
            })?;
        let io = TokioIo {
            client: Arc::new(transport),
            runtime: Some(runtime.handle().clone()),
        };
        Ok(Client::new(
            info,
            rules,
            JwtState::new(self.nonce_lifetime),
            Backend::Runtime {
                io,
                runtime: Some(runtime),
            },
        ))
    }

    #[cfg(feature = "blocking")]
    /// A blocking client over an HTTP stack of your own (any
    /// `Fn(HttpRequest, Duration) -> Result<HttpResponse, Error>`), called from a bounded pool
    /// of 16 threads per client: a race over more candidates than that probes 16 at a time, the
    /// others waiting in line (an async stack, [`build_async_with`](Self::build_async_with), has
    /// no such bound). The transport settings of this builder (connect timeout, roots,
    /// plex.direct resolution) are the stack's business; every other rule is kept here.
    pub fn build_with(self, http: impl HttpClient) -> Result<Client, Error> {
        let (info, rules) = self.checked()?;
        let io = PoolIo {
            client: Arc::new(http),
            pool: Pool::new(POOL_THREADS),
        };
        Ok(Client::new(
            info,
            rules,
            JwtState::new(self.nonce_lifetime),
            Backend::Pool(io),
        ))
    }

    #[cfg(feature = "async")]
    /// An async client over the built-in stack (reqwest, rustls) on the caller's tokio
    /// runtime.
    pub fn build_async(self) -> Result<AsyncClient, Error> {
        let (info, rules) = self.checked()?;
        let transport = Reqwest::new(&self.transport)?;
        Ok(AsyncClient::new(
            info,
            rules,
            JwtState::new(self.nonce_lifetime),
            Arc::new(transport),
        ))
    }

    #[cfg(feature = "async")]
    /// An async client over an async HTTP stack of your own (any
    /// `Fn(HttpRequest, Duration) -> impl Future<Output = Result<HttpResponse, Error>>`).
    pub fn build_async_with(self, http: impl AsyncHttpClient) -> Result<AsyncClient, Error> {
        let (info, rules) = self.checked()?;
        Ok(AsyncClient::new(
            info,
            rules,
            JwtState::new(self.nonce_lifetime),
            Arc::new(http),
        ))
    }

    /// The identity and the rules, once every value is known to work.
    fn checked(&self) -> Result<(ClientInfo, Rules), Error> {
        let mut info = self.info.clone();
        if let Some(url) = &self.plex_url {
            info.set_plex_url(url)?;
        }
        if let Some(url) = &self.clients_url {
            info.set_clients_url(url)?;
        }
        info.validate()?;
        let refuse = |what, detail: &str| {
            Err(Error::InvalidArgument {
                what,
                detail: detail.into(),
            })
        };
        if self.timeout.is_zero() {
            return refuse("timeout", "must be more than zero: every request would time out");
        }
        if self.transport.connect_timeout.is_zero() {
            return refuse("connect_timeout", "must be more than zero: no connection could be made");
        }
        if self.transport.max_body == 0 {
            return refuse(
                "max_response_bytes",
                "must be more than zero: every answer would be refused",
            );
        }
        let rules = Rules {
            addresses: AddressRules {
                // A label says where a plaintext request goes only when this stack dials it.
                plex_direct_by_label: self.transport.resolve_plex_direct,
                carrier_nat_is_private: self.carrier_nat_is_private,
            },
            allow_insecure_http: self.allow_insecure_http,
            max_body: self.transport.max_body,
            timeout: self.timeout,
        };
        Ok((info, rules))
    }
}

#[cfg(feature = "blocking")]
/// Where a blocking client's requests go.
enum Backend {
    /// The built-in stack on a private runtime, shut down with the client.
    Runtime {
        io: TokioIo,
        runtime: Option<tokio::runtime::Runtime>,
    },
    /// A blocking stack of the host's own on a pool of threads.
    Pool(PoolIo),
}

#[cfg(feature = "blocking")]
impl Drop for Backend {
    fn drop(&mut self) {
        // Dropping a runtime blocks until its tasks end, which tokio forbids (with a panic)
        // inside another runtime: a blocking client dropped in an async task must not panic.
        if let Self::Runtime { runtime, .. } = self
            && let Some(runtime) = runtime.take()
        {
            runtime.shutdown_background();
        }
    }
}

#[cfg(feature = "blocking")]
impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Runtime { .. } => "Runtime",
            Self::Pool(_) => "Pool",
        })
    }
}

#[cfg(feature = "blocking")]
/// Signs people in to Plex and finds their servers, over blocking HTTP.
///
/// `Client` is cheap to clone and safe to share between threads: clones share one connection
/// pool, so a whole PIN wait runs over one kept-alive connection.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[cfg(feature = "blocking")]
#[derive(Debug)]
struct Inner {
    info: ClientInfo,
    rules: Rules,
    jwt: JwtState,
    backend: Backend,
}

#[cfg(feature = "blocking")]
impl Client {
    fn new(info: ClientInfo, rules: Rules, jwt: JwtState, backend: Backend) -> Self {
        Self {
            inner: Arc::new(Inner {
                info,
                rules,
                jwt,
                backend,
            }),
        }
    }

    /// A builder for an application named `product` with its lasting `client_identifier`.
    ///
    /// Make the identifier once per installation (a UUID) and keep it: plex.tv lists every new
    /// identifier as a new device.
    pub fn builder(product: impl Into<String>, client_identifier: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(ClientInfo::new(product, client_identifier))
    }

    /// A builder from a complete [`ClientInfo`].
    pub fn builder_from_info(info: ClientInfo) -> ClientBuilder {
        ClientBuilder::new(info)
    }

    /// The identity this client presents.
    pub fn info(&self) -> &ClientInfo {
        &self.inner.info
    }

    /// How this client reads addresses: plex.direct labels are trusted exactly when it dials
    /// them itself, and carrier-grade NAT as configured.
    pub fn address_rules(&self) -> AddressRules {
        self.inner.rules.addresses
    }

    /// Sends any core request with this client's rules (token check, no redirects, size cap,
    /// the whole-request timeout).
    pub fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let rules = &self.inner.rules;
        self.block_on(|io| exchange(io, rules, request, rules.timeout))
    }

    /// Runs a driver on this thread to its end.
    pub(crate) fn block_on<'a, F: std::future::Future>(&'a self, driver: impl FnOnce(&'a dyn Io) -> F) -> F::Output {
        let io: &dyn Io = match &self.inner.backend {
            Backend::Runtime { io, .. } => io,
            Backend::Pool(io) => io,
        };
        executor::block_on(driver(io))
    }

    pub(crate) fn rules(&self) -> &Rules {
        &self.inner.rules
    }

    pub(crate) fn jwt(&self) -> &JwtState {
        &self.inner.jwt
    }

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
        let info = self.info().clone();
        self.block_on(|io| driver::wait_for_token(io, self.rules(), info, pin, options.into_wait()))
    }

    /// Chooses the best working connection of `device` with the default policy: probes every
    /// candidate's `/identity` at once and returns as soon as the race is decided (the best
    /// candidate answered, or the grace window after a worse one ended), not when the slowest
    /// probe gives up. [`Error::NoConnection`] when none answered as that server.
    pub fn connect(&self, device: &Device) -> Result<Connected, Error> {
        self.connect_with(device, RacePolicy::default())
    }

    /// [`connect`](Self::connect) with a policy of your own (grace window, probe timeout,
    /// plain HTTP, relays, IPv6, http twins).
    pub fn connect_with(&self, device: &Device, policy: RacePolicy) -> Result<Connected, Error> {
        first_result(self.connect_all_with(std::slice::from_ref(device), policy), device)
    }

    /// Chooses a connection for every server at once, with the default policy: all their races
    /// run together, so the call takes as long as the slowest race, not the sum of them. One
    /// result per device, in the order given; each [`Connected::elapsed`] is when that server's
    /// race was decided.
    ///
    /// ```no_run
    /// # let client = plexlink::Client::builder("My Player", "id").build()?;
    /// # let token = plexlink::Token::new("t");
    /// let servers = client.servers(&token)?;
    /// for (server, result) in servers.iter().zip(client.connect_all(&servers)) {
    ///     match result {
    ///         Ok(connected) => println!("{}: {}", server.name, connected.uri),
    ///         Err(error) => println!("{}: {error}", server.name),
    ///     }
    /// }
    /// # Ok::<(), plexlink::Error>(())
    /// ```
    pub fn connect_all(&self, devices: &[Device]) -> Vec<Result<Connected, Error>> {
        self.connect_all_with(devices, RacePolicy::default())
    }

    /// [`connect_all`](Self::connect_all) with a policy of your own. Its
    /// [`addresses`](RacePolicy::addresses) are this client's ([`Client::address_rules`]): the
    /// race must read addresses as the HTTP stack that sends its probes dials them.
    pub fn connect_all_with(&self, devices: &[Device], policy: RacePolicy) -> Vec<Result<Connected, Error>> {
        match race_policy(policy, self.address_rules()) {
            Ok(policy) => self.block_on(|io| driver::connect_all(io, self.rules(), self.info(), devices, policy)),
            Err(error) => devices.iter().map(|_| Err(error.clone())).collect(),
        }
    }
}

/// The caller's policy, checked, with the client's way of reading addresses.
pub(crate) fn race_policy(mut policy: RacePolicy, addresses: AddressRules) -> Result<RacePolicy, Error> {
    policy.validate()?;
    policy.addresses = addresses;
    Ok(policy)
}

/// The one result of a race over one device.
pub(crate) fn first_result(mut results: Vec<Result<Connected, Error>>, device: &Device) -> Result<Connected, Error> {
    results.pop().unwrap_or_else(|| {
        Err(Error::NoConnection {
            server: device.name.clone(),
            race: None,
        })
    })
}

/// Every single-request call, declared once for [`Client`] and [`AsyncClient`]: its
/// documentation, arguments, the request it builds (from `info` and the arguments), the parser
/// of its answer and the secrets to redact from its error.
macro_rules! calls {
    ($(
        $(#[$doc:meta])*
        fn $name:ident($($arg:ident: $ty:ty),*) -> $out:ty
            = |$info:ident| $build:expr, $parse:path, secrets [$($secret:expr),*];
    )*) => {
        #[cfg(feature = "blocking")]
        impl Client {
            $(
                $(#[$doc])*
                pub fn $name(&self, $($arg: $ty),*) -> Result<$out, Error> {
                    let $info = self.info();
                    let request = $build;
                    let secrets: &[&str] = &[$($secret),*];
                    self.block_on(|io| driver::call(io, self.rules(), request, $parse, secrets))
                }
            )*
        }

        #[cfg(feature = "async")]
        impl AsyncClient {
            $(
                $(#[$doc])*
                pub async fn $name(&self, $($arg: $ty),*) -> Result<$out, Error> {
                    let $info = self.info();
                    let request = $build;
                    let secrets: &[&str] = &[$($secret),*];
                    driver::call(self.io(), self.rules(), request, $parse, secrets).await
                }
            )*
        }
    };
}

calls! {
    /// Creates a PIN: a 4-character code for plex.tv/link, or (`strong`) a long code for the
    /// app.plex.tv page (`auth_url`).
    fn create_pin(strong: bool) -> Pin = |info| pins::create_request(info, strong), pins::parse_pin, secrets [];

    /// Checks a PIN once; `auth_token` is set once the person approved it.
    fn check_pin(pin_id: u64) -> Pin = |info| pins::check_request(info, pin_id), pins::parse_pin, secrets [];

    /// Approves another device's 4-character code with this account's token (what the
    /// plex.tv/link page does).
    fn link_pin(token: &Token, code: &PinCode) -> () = |info| pins::link_request(info, token, code),
        pins::parse_link, secrets [token.secret(), code.secret()];

    /// The account a token belongs to. Only [`Error::Unauthorized`] means the token is bad
    /// ([`Error::is_token_rejected`]); any other error says nothing about it.
    fn user(token: &Token) -> Account = |info| account::user_request(info, token), account::parse_user,
        secrets [token.secret()];

    /// Signs in with a login (user name or e-mail) and password, and the two-factor code when
    /// the account needs one ([`Error::TwoFactorRequired`] says so). The token is in
    /// `auth_token` of the answer.
    fn sign_in(login: &str, password: &Password, verification_code: Option<&VerificationCode>) -> Account
        = |info| account::sign_in_request(info, login, password, verification_code), account::parse_sign_in,
        secrets [password.secret(), verification_code.map_or("", |c| c.secret())];

    /// Revokes the token.
    fn sign_out(token: &Token) -> () = |info| account::sign_out_request(info, token), account::parse_sign_out,
        secrets [token.secret()];

    /// Keeps the token alive.
    fn ping(token: &Token) -> () = |info| account::ping_request(info, token), account::parse_ping,
        secrets [token.secret()];

    /// The members of the account's Plex Home.
    fn home_users(token: &Token) -> Vec<HomeUser> = |info| account::home_users_request(info, token),
        account::parse_home_users, secrets [token.secret()];

    /// Switches to a Home user (by uuid), with their PIN when they are protected. The answer's
    /// `auth_token` is the Home user's token; read resources again with it.
    fn switch_home_user(token: &Token, user_uuid: &str, pin: Option<&PinCode>) -> Account
        = |info| account::switch_home_user_request(info, token, user_uuid, pin), account::parse_switch_home_user,
        secrets [token.secret(), pin.map_or("", |p| p.secret())];

    /// A claim token for setting up a new server.
    fn claim_token(token: &Token) -> Token = |info| account::claim_token_request(info, token),
        account::parse_claim_token, secrets [token.secret()];

    /// Every device of the account with all its connections (https, relay, IPv6).
    fn resources(token: &Token) -> Vec<Device> = |info| resources::resources_request(info, token, Include::default()),
        resources::parse_resources, secrets [token.secret()];

    /// The account's Plex Media Servers.
    fn servers(token: &Token) -> Vec<Device> = |info| resources::resources_request(info, token, Include::default()),
        parse_servers, secrets [token.secret()];

    /// What a server's `/identity` says (no token needed).
    fn identity(server_uri: &str) -> Identity = |info| server::identity_request(info, server_uri),
        server::parse_identity, secrets [];

    /// A transient token from a server (valid up to 48 h, gone when the server restarts),
    /// with an admin token.
    fn transient_token(server_uri: &str, token: &Token) -> Token
        = |info| server::transient_token_request(info, server_uri, token), server::parse_transient_token,
        secrets [token.secret()];

    /// How to reach the server or provider `source` (`server://<machineIdentifier>`, or a bare
    /// machine identifier), as a server knows it.
    fn source_connection_info(server_uri: &str, token: &Token, source: &str) -> Vec<Device>
        = |info| server::source_connection_info_request(info, server_uri, token, source, false),
        server::parse_source_connection_info, secrets [token.secret()];
}

/// The resources answer, servers only.
fn parse_servers(response: &HttpResponse) -> Result<Vec<Device>, Error> {
    Ok(resources::parse_resources(response)?
        .into_iter()
        .filter(Device::is_server)
        .collect())
}

/// The calls that need no request: the same for both clients.
macro_rules! local_calls {
    ($($feature:literal: $client:ty),*) => {$(
        #[cfg(feature = $feature)]
        impl $client {
            /// The page where a short code is typed in: `https://plex.tv/link`.
            pub fn link_url(&self) -> String {
                pins::link_url(self.info())
            }

            /// The app.plex.tv page that approves a (strong) PIN, and sends the browser on to
            /// `forward_url` when given.
            pub fn auth_url(&self, pin: &Pin, forward_url: Option<&str>) -> String {
                pins::auth_url(self.info(), pin, forward_url)
            }
        }
    )*};
}

local_calls!("blocking": Client, "async": AsyncClient);
