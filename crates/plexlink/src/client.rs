//! The blocking client: one method per Plex call, each a short loop around the core.

use std::sync::Arc;
use std::time::Duration;

use plexlink_core::account::{self, Account, HomeUser};
use plexlink_core::pins::{self, Pin};
use plexlink_core::resources::{self, Device, Include};
use plexlink_core::server::{self, Identity};
use plexlink_core::{ClientInfo, Error, HttpRequest, HttpResponse, Password, PinCode, Token, VerificationCode};

use crate::transport::{Transport, TransportConfig};

/// Builds a [`Client`].
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
    transport: TransportConfig,
}

impl ClientBuilder {
    fn new(info: ClientInfo) -> Self {
        Self {
            info,
            plex_url: None,
            transport: TransportConfig {
                connect_timeout: Duration::from_secs(5),
                timeout: Duration::from_secs(30),
                max_body: plexlink_core::MAX_BODY_DEFAULT,
                allow_insecure_http: false,
                extra_roots: Vec::new(),
                resolve_plex_direct: true,
                carrier_nat_is_private: false,
            },
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

    /// Where plex.tv is: an emulator's `http://127.0.0.1:PORT` for tests.
    pub fn plex_url(mut self, url: impl Into<String>) -> Self {
        self.plex_url = Some(url.into());
        self
    }

    /// The longest wait for a TCP (and TLS) connection. Default 5 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.transport.connect_timeout = timeout;
        self
    }

    /// The longest wait for a whole answer. Default 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.transport.timeout = timeout;
        self
    }

    /// Answers larger than this are refused. Default 16 MiB; zero is refused by
    /// [`build`](Self::build).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.transport.max_body = limit;
        self
    }

    /// Allows sending a token over plain HTTP to public addresses. Off by default: anyone on
    /// the path could read the token. Only for networks you trust.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.transport.allow_insecure_http = allow;
        self
    }

    /// Counts carrier-grade NAT addresses (100.64.0.0/10) as private: plain http may carry a
    /// token to them, and they rank as local connections. Off by default, because behind a
    /// carrier's NAT that range is the carrier's network. Turn it on for a VPN that uses it
    /// (Tailscale does).
    pub fn carrier_nat_is_private(mut self, private: bool) -> Self {
        self.transport.carrier_nat_is_private = private;
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
    /// to the system resolver like any other.
    pub fn resolve_plex_direct(mut self, on: bool) -> Self {
        self.transport.resolve_plex_direct = on;
        self
    }

    /// The client, or an error for an unusable configuration (empty product or identifier, a
    /// bad plex.tv URL, a bad certificate).
    pub fn build(mut self) -> Result<Client, Error> {
        if let Some(url) = &self.plex_url {
            self.info.set_plex_url(url)?;
        }
        self.info.validate()?;
        if self.transport.max_body == 0 {
            return Err(Error::InvalidArgument {
                what: "max_response_bytes",
                detail: "must be more than zero: every answer would be refused".into(),
            });
        }
        let transport = Transport::new(&self.transport)?;
        Ok(Client {
            inner: Arc::new(Inner {
                info: self.info,
                transport,
                timeout: self.transport.timeout,
            }),
        })
    }
}

/// Signs people in to Plex and finds their servers, over blocking HTTP.
///
/// `Client` is cheap to clone and safe to share between threads: clones share one connection
/// pool, so a whole PIN wait runs over one kept-alive connection.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    info: ClientInfo,
    transport: Transport,
    timeout: Duration,
}

impl Client {
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

    /// Sends any core request with this client's rules (token check, no redirects, size cap).
    pub fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        self.inner.transport.send(request, None)
    }

    /// How this client reads addresses: plex.direct labels are trusted exactly when it dials
    /// them itself, and carrier-grade NAT as configured.
    pub fn address_rules(&self) -> plexlink_core::AddressRules {
        self.inner.transport.address_rules()
    }

    /// Sends with a deadline of its own (probes).
    pub(crate) fn send_within(&self, request: HttpRequest, timeout: Duration) -> Result<HttpResponse, Error> {
        self.inner
            .transport
            .send(request, Some(timeout.min(self.inner.timeout)))
    }

    fn call<T>(&self, request: HttpRequest, parse: impl FnOnce(&HttpResponse) -> Result<T, Error>) -> Result<T, Error> {
        parse(&self.send(request)?)
    }

    // --- PIN login -------------------------------------------------------------------------

    /// Creates a PIN: a 4-character code for plex.tv/link, or (`strong`) a long code for the
    /// app.plex.tv page ([`auth_url`](Self::auth_url)).
    pub fn create_pin(&self, strong: bool) -> Result<Pin, Error> {
        self.call(pins::create_request(self.info(), strong)?, pins::parse_pin)
    }

    /// Checks a PIN once; `auth_token` is set once the person approved it.
    pub fn check_pin(&self, pin_id: u64) -> Result<Pin, Error> {
        self.call(pins::check_request(self.info(), pin_id)?, pins::parse_pin)
    }

    /// The page where a short code is typed in: `https://plex.tv/link`.
    pub fn link_url(&self) -> String {
        pins::link_url(self.info())
    }

    /// The app.plex.tv page that approves a (strong) PIN, and sends the browser on to
    /// `forward_url` when given.
    pub fn auth_url(&self, pin: &Pin, forward_url: Option<&str>) -> String {
        pins::auth_url(self.info(), pin, forward_url)
    }

    /// Approves another device's 4-character code with this account's token (what the
    /// plex.tv/link page does).
    pub fn link_pin(&self, token: &Token, code: &PinCode) -> Result<(), Error> {
        self.call(pins::link_request(self.info(), token, code)?, pins::parse_link)
    }

    // --- Account -----------------------------------------------------------------------------

    /// The account a token belongs to. Only [`Error::Unauthorized`] means the token is bad
    /// ([`Error::is_token_rejected`]); any other error says nothing about it.
    pub fn user(&self, token: &Token) -> Result<Account, Error> {
        self.call(account::user_request(self.info(), token)?, account::parse_user)
    }

    /// Signs in with a login (user name or e-mail) and password, and the two-factor code when
    /// the account needs one ([`Error::TwoFactorRequired`] says so). The token is in
    /// `auth_token` of the answer.
    pub fn sign_in(
        &self,
        login: &str,
        password: &Password,
        verification_code: Option<&VerificationCode>,
    ) -> Result<Account, Error> {
        self.call(
            account::sign_in_request(self.info(), login, password, verification_code)?,
            account::parse_sign_in,
        )
    }

    /// Revokes the token.
    pub fn sign_out(&self, token: &Token) -> Result<(), Error> {
        self.call(account::sign_out_request(self.info(), token)?, account::parse_sign_out)
    }

    /// Keeps the token alive.
    pub fn ping(&self, token: &Token) -> Result<(), Error> {
        self.call(account::ping_request(self.info(), token)?, account::parse_ping)
    }

    /// The members of the account's Plex Home.
    pub fn home_users(&self, token: &Token) -> Result<Vec<HomeUser>, Error> {
        self.call(
            account::home_users_request(self.info(), token)?,
            account::parse_home_users,
        )
    }

    /// Switches to a Home user (by uuid), with their PIN when they are protected. The answer's
    /// `auth_token` is the Home user's token; read resources again with it.
    pub fn switch_home_user(&self, token: &Token, user_uuid: &str, pin: Option<&PinCode>) -> Result<Account, Error> {
        let request = account::switch_home_user_request(self.info(), token, user_uuid, pin)?;
        self.call(request, account::parse_switch_home_user)
    }

    /// A claim token for setting up a new server.
    pub fn claim_token(&self, token: &Token) -> Result<Token, Error> {
        self.call(
            account::claim_token_request(self.info(), token)?,
            account::parse_claim_token,
        )
    }

    // --- Servers -----------------------------------------------------------------------------

    /// Every device of the account with all its connections (https, relay, IPv6).
    pub fn resources(&self, token: &Token) -> Result<Vec<Device>, Error> {
        self.call(
            resources::resources_request(self.info(), token, Include::default())?,
            resources::parse_resources,
        )
    }

    /// The account's Plex Media Servers.
    pub fn servers(&self, token: &Token) -> Result<Vec<Device>, Error> {
        Ok(self.resources(token)?.into_iter().filter(Device::is_server).collect())
    }

    /// What a server's `/identity` says (no token needed).
    pub fn identity(&self, server_uri: &str) -> Result<Identity, Error> {
        self.call(
            server::identity_request(self.info(), server_uri)?,
            server::parse_identity,
        )
    }

    /// A transient token from a server (valid up to 48 h, gone when the server restarts),
    /// with an admin token.
    pub fn transient_token(&self, server_uri: &str, token: &Token) -> Result<Token, Error> {
        self.call(
            server::transient_token_request(self.info(), server_uri, token)?,
            server::parse_transient_token,
        )
    }

    /// How to reach the server or provider `source` (`server://<machineIdentifier>`, or a bare
    /// machine identifier), as a server knows it.
    pub fn source_connection_info(&self, server_uri: &str, token: &Token, source: &str) -> Result<Vec<Device>, Error> {
        let request = server::source_connection_info_request(self.info(), server_uri, token, source, false)?;
        self.call(request, server::parse_source_connection_info)
    }
}
