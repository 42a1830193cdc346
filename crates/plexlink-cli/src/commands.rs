//! The commands that talk to plex.tv and servers with the saved identity and token.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use plexlink::{
    CancelToken, Client, Device, DeviceKey, Error, JwtClaims, JwtSession, Password, PinCode, PlexJwt,
    ResourcesSnapshot, Token, VerificationCode, WaitOptions,
};
use serde_json::json;

use crate::Cli;
use crate::config::{self, Store, TokenKind};
use crate::show;

/// The product name plexlink's own command presents to plex.tv.
const PRODUCT: &str = "plexlink";

/// The client for this run, with the stored client identifier, and the store.
pub fn open(cli: &Cli) -> Result<(Client, Store), String> {
    let dir = Store::directory(cli.config_dir.as_deref())?;
    let store = Store::open(&dir)?;
    let mut builder = Client::builder(PRODUCT, store.client_identifier())
        .version(env!("CARGO_PKG_VERSION"))
        .device_name(device_name());
    if let Some(url) = &cli.plex_url {
        builder = builder.plex_url(url.clone());
    }
    let client = builder.build().map_err(|e| e.to_string())?;
    Ok((client, store))
}

fn plex_key(client: &Client) -> String {
    client.info().plex_url().to_string()
}

fn saved_token(client: &Client, store: &Store) -> Result<Token, String> {
    store
        .token(&plex_key(client))
        .ok_or_else(|| "not signed in; run `plexlink login` first".to_owned())
}

fn device_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "plexlink".to_owned())
}

/// This installation's device key: the saved one, or a new one saved now.
fn device_key(store: &mut Store) -> Result<DeviceKey, String> {
    let private = match store.device_key() {
        Some(key) => key.clone(),
        None => {
            let key = plexlink::new_device_key().map_err(|e| e.to_string())?;
            store.set_device_key(&key.private_key())?
        }
    };
    DeviceKey::from_private_key(&private).map_err(|e| format!("{}: {e}", store.path().display()))
}

/// `plexlink login [--jwt]`.
pub fn login(cli: &Cli, strong: bool, qr: bool, timeout: Option<u64>, jwt: bool) -> Result<(), String> {
    let (client, mut store) = open(cli)?;
    let key = if jwt { Some(device_key(&mut store)?) } else { None };
    let cancel = CancelToken::new();
    let on_interrupt = cancel.clone();
    // Ctrl-C cancels the wait; the wait returns Cancelled and the command exits cleanly.
    let _ = ctrlc::set_handler(move || on_interrupt.cancel());
    let how = PinLogin {
        strong,
        qr,
        timeout: timeout.map(Duration::from_secs),
        cancel: Some(cancel),
        json: cli.json,
        on_created: None,
        jwt_key: key.as_ref(),
    };
    let signed = pin_login(&client, how)?;
    store.set_token(&plex_key(&client), Some((&signed.token, signed.kind())))?;
    let account = client.user(&signed.token).map_err(|e| e.to_string())?;
    if cli.json {
        println!(
            "{}",
            json!({
                "signed_in": true,
                "account": show::account_json(&account),
                "token": token_json(signed.kind(), signed.claims.as_ref()),
                "config": store.path(),
            })
        );
    } else {
        println!(
            "Signed in as {}{}. Token saved in {}.",
            show::account_name(&account),
            if jwt { " with a Plex JWT" } else { "" },
            store.path().display()
        );
    }
    Ok(())
}

/// What a PIN sign-in gave: a legacy token, or a verified Plex JWT.
pub struct Signed {
    pub token: Token,
    pub claims: Option<JwtClaims>,
}

impl Signed {
    fn kind(&self) -> TokenKind {
        if self.claims.is_some() {
            TokenKind::Jwt
        } else {
            TokenKind::Legacy
        }
    }
}

/// The saved token's kind and, for a Plex JWT, its expiry, for programs.
fn token_json(kind: TokenKind, claims: Option<&JwtClaims>) -> serde_json::Value {
    json!({ "kind": kind.as_str(), "expires_at": claims.map(|c| c.expires_at) })
}

/// The saved token, ready to use. A Plex JWT is verified, and refreshed with the device key
/// when it has less than a day left or no longer verifies (expired); the new one is saved.
fn account_token(client: &Client, store: &mut Store) -> Result<(Token, Option<JwtClaims>), String> {
    let url = plex_key(client);
    let token = saved_token(client, store)?;
    if store.token_kind(&url) == TokenKind::Legacy {
        return Ok((token, None));
    }
    let key = match store.device_key() {
        Some(private) => DeviceKey::from_private_key(private).map_err(|e| e.to_string())?,
        None => return Err("the saved Plex JWT has no device key beside it; run `plexlink login --jwt`".into()),
    };
    let jwt = match client.verify_jwt(&token, &key) {
        Ok(claims) => {
            let session = JwtSession::new(key, PlexJwt { token, claims });
            client.jwt_token(&session).map(|_| session.current())
        }
        // Expired (or otherwise unusable): the device key gets a new one.
        Err(Error::InvalidJwt { .. }) => client.refresh_jwt(&key),
        Err(e) => Err(e),
    };
    let jwt = match jwt {
        Ok(jwt) => jwt,
        // plex.tv cannot be reached to check or renew it: the saved JWT is used as it is, so
        // that commands that can work offline (servers from the snapshot) still do.
        Err(e) if plexlink::core::snapshot::use_snapshot_after(&e) => {
            return Ok((saved_token(client, store)?, None));
        }
        Err(e) => return Err(plex_error(store, e)),
    };
    if store.token(&url).as_ref() != Some(&jwt.token) {
        store.set_token(&url, Some((&jwt.token, TokenKind::Jwt)))?;
    }
    Ok((jwt.token, Some(jwt.claims)))
}

/// How [`pin_login`] runs.
#[derive(Default)]
pub struct PinLogin<'a> {
    /// A strong code and the app.plex.tv page.
    pub strong: bool,
    /// Draw a QR code of the URL.
    pub qr: bool,
    pub timeout: Option<Duration>,
    pub cancel: Option<CancelToken>,
    pub json: bool,
    /// Runs once the PIN exists (the demo approves it from there).
    pub on_created: Option<&'a dyn Fn(&plexlink::Pin)>,
    /// Sign in for a Plex JWT of this device key.
    pub jwt_key: Option<&'a DeviceKey>,
}

/// The PIN flow as a person sees it: the code or URL, a QR code, a spinner with the time left.
pub fn pin_login(client: &Client, how: PinLogin<'_>) -> Result<Signed, String> {
    let PinLogin {
        strong,
        qr,
        timeout,
        cancel,
        json,
        on_created,
        jwt_key,
    } = how;
    let pin = match jwt_key {
        Some(key) => client.create_jwt_pin(key, strong),
        None => client.create_pin(strong),
    }
    .map_err(|e| e.to_string())?;
    let url = if strong {
        client.auth_url(&pin, None)
    } else {
        client.link_url()
    };
    if json {
        println!(
            "{}",
            json!({ "pin_id": pin.id, "code": if strong { None } else { Some(pin.code.secret()) }, "url": url })
        );
    } else if strong {
        println!("Open this page to sign in:\n\n  {url}\n");
    } else {
        println!("Open {url} and enter the code:\n\n  {}\n", pin.code.secret());
    }
    if qr && !json {
        if let Some(code) = show::qr_code(&url) {
            println!("{code}");
        }
    }
    if let Some(hook) = on_created {
        hook(&pin);
    }
    let interactive = std::io::stderr().is_terminal() && !json;
    let mut spinner = show::Spinner::new(interactive);
    let mut progress = |p: &plexlink::WaitProgress| spinner.tick(p.remaining);
    let options = WaitOptions {
        timeout,
        cancel,
        on_progress: Some(&mut progress),
        ..WaitOptions::default()
    };
    let result = match jwt_key {
        Some(key) => client.wait_for_jwt(&pin, key, options).map(|jwt| Signed {
            token: jwt.token,
            claims: Some(jwt.claims),
        }),
        None => client
            .wait_for_token(&pin, options)
            .map(|token| Signed { token, claims: None }),
    };
    show::Spinner::clear(interactive);
    result.map_err(|e| match e {
        Error::Cancelled => "cancelled".to_owned(),
        Error::PinExpired { .. } => "the PIN expired before it was approved; run the command again".to_owned(),
        other => other.to_string(),
    })
}

/// The message for a failed plex.tv call. A device removed from the account (its key gone at
/// plex.tv) also forgets the key and its JWTs here: they can never work again.
fn plex_error(store: &mut Store, error: Error) -> String {
    if !matches!(error, Error::DeviceRemoved { .. }) {
        return error.to_string();
    }
    if let Err(e) = store.forget_device() {
        return e;
    }
    format!(
        "this device was removed from the Plex account; its key and token are forgotten. To sign in \
         again under a new identity, remove {} and run `plexlink login --jwt`",
        store.path().display()
    )
}

/// `plexlink signin`.
pub fn sign_in(cli: &Cli, login: Option<String>) -> Result<(), String> {
    let (client, mut store) = open(cli)?;
    let login = match login {
        Some(l) => l,
        None => prompt("Login (user name or e-mail): ")?,
    };
    let password = Password::new(read_secret("Password: ")?);
    let account = match client.sign_in(&login, &password, None) {
        Err(Error::TwoFactorRequired { .. }) => {
            let code = VerificationCode::new(read_secret("Two-factor code: ")?);
            client.sign_in(&login, &password, Some(&code))
        }
        other => other,
    }
    .map_err(|e| e.to_string())?;
    let token = account.auth_token.clone().ok_or("the sign-in answer had no token")?;
    store.set_token(&plex_key(&client), Some((&token, TokenKind::Legacy)))?;
    if cli.json {
        println!(
            "{}",
            json!({ "signed_in": true, "account": show::account_json(&account) })
        );
    } else {
        println!("Signed in as {}.", show::account_name(&account));
    }
    Ok(())
}

/// `plexlink whoami`.
pub fn whoami(cli: &Cli) -> Result<(), String> {
    let (client, mut store) = open(cli)?;
    let (token, claims) = account_token(&client, &mut store)?;
    let kind = store.token_kind(&plex_key(&client));
    match client.user(&token) {
        Ok(account) => {
            if cli.json {
                let mut shown = show::account_json(&account);
                shown["token"] = token_json(kind, claims.as_ref());
                println!("{shown}");
            } else {
                println!("{}", show::account_text(&account));
                match &claims {
                    Some(claims) => println!(
                        "Token: Plex JWT, expires in {}",
                        show::duration_text(claims.seconds_left(plexlink_now()))
                    ),
                    None => println!("Token: legacy (no expiry)"),
                }
            }
            Ok(())
        }
        Err(e) if e.is_token_rejected() => {
            // Only a refusal of the token forgets it; a network error never signs anyone out.
            store.set_token(&plex_key(&client), None)?;
            Err(format!(
                "the saved token is no longer valid ({e}); run `plexlink login`"
            ))
        }
        Err(e) => Err(plex_error(&mut store, e)),
    }
}

/// `plexlink servers [--connect]`.
pub fn servers(cli: &Cli, connect: bool) -> Result<(), String> {
    let (client, mut store) = open(cli)?;
    let (token, _) = account_token(&client, &mut store)?;
    let url = plex_key(&client);
    let dir = store.path().parent().unwrap_or(std::path::Path::new(".")).to_path_buf();
    // The last answer, kept for when plex.tv cannot be reached; one that no longer reads (an
    // older format) is as good as none.
    let kept = config::snapshot(&dir, &url).and_then(|text| ResourcesSnapshot::from_json(&text).ok());
    let list = client
        .servers_or_snapshot(&token, kept.as_ref())
        .map_err(|e| plex_error(&mut store, e))?;
    match &list.offline {
        None => config::set_snapshot(&dir, &url, &list.snapshot.to_json())?,
        Some(why) => eprintln!(
            "plexlink: plex.tv could not be reached ({why}); servers from its answer of {} ago, each checked as it is raced",
            show::duration_text(list.snapshot.age(plexlink_now()).as_secs())
        ),
    }
    print_servers(&client, &list.servers, connect, cli.json);
    Ok(())
}

/// Lists servers, and with `connect` races the connections of all of them at once.
pub fn print_servers(client: &Client, servers: &[Device], connect: bool, json: bool) {
    let results: Vec<Option<Result<plexlink::Connected, Error>>> = if connect {
        client.connect_all(servers).into_iter().map(Some).collect()
    } else {
        servers.iter().map(|_| None).collect()
    };
    let rules = client.address_rules();
    if json {
        let list: Vec<_> = servers
            .iter()
            .zip(&results)
            .map(|(s, r)| show::server_json(s, r.as_ref(), &rules))
            .collect();
        println!("{}", serde_json::Value::Array(list));
    } else if servers.is_empty() {
        println!("No servers on this account.");
    } else {
        for (server, result) in servers.iter().zip(&results) {
            print!("{}", show::server_text(server, result.as_ref(), &rules));
        }
    }
}

/// `plexlink token transient`.
pub fn transient(cli: &Cli, server: Option<&str>) -> Result<(), String> {
    let (client, mut store) = open(cli)?;
    let (token, claims) = account_token(&client, &mut store)?;
    let servers = client.servers(&token).map_err(|e| plex_error(&mut store, e))?;
    // By name, an owned server before a shared one of the same name.
    let device = servers
        .iter()
        .filter(|d| server.map_or(d.owned, |name| d.name == name))
        .min_by_key(|d| !d.owned)
        .ok_or_else(|| match server {
            Some(name) => format!("no server named {name:?}"),
            None => "no server owned by this account".to_owned(),
        })?;
    // Decided before any request: a server that will not get a token is not contacted at all.
    // A Plex JWT is never sent to a server (servers may not take one): only its own token.
    let server_token = match claims {
        None => server_token(device, &token)?,
        Some(_) => device.access_token.clone().ok_or_else(|| {
            format!(
                "plex.tv gave no access token for {:?}, and a Plex JWT is not sent to servers",
                device.name
            )
        })?,
    };
    let connected = client.connect(device).map_err(|e| e.to_string())?;
    let transient = client
        .transient_token(&connected.uri, &server_token)
        .map_err(|e| e.to_string())?;
    // The transient token is the output the person asked for: printing it is the point.
    if cli.json {
        println!(
            "{}",
            json!({ "server": device.name, "uri": connected.uri, "transient_token": transient.secret() })
        );
    } else {
        println!("{}", transient.secret());
    }
    Ok(())
}

/// The token to send to `device`: the one plex.tv gave for it, or for a server this account
/// owns, the account token. A shared server without its own token is refused: the account token
/// would hand the whole account to that server's owner.
pub fn server_token(device: &Device, account_token: &Token) -> Result<Token, String> {
    match &device.access_token {
        Some(token) => Ok(token.clone()),
        None if device.owned => Ok(account_token.clone()),
        None => Err(format!(
            "{:?} is shared with you and plex.tv gave no access token for it; plexlink will not \
             send your account token to a server someone else owns",
            device.name
        )),
    }
}

/// Unix seconds now (for the time a JWT has left).
fn plexlink_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `plexlink home users`.
pub fn home_users(cli: &Cli) -> Result<(), String> {
    let (client, mut store) = open(cli)?;
    let (token, _) = account_token(&client, &mut store)?;
    let users = client.home_users(&token).map_err(|e| plex_error(&mut store, e))?;
    if cli.json {
        let list: Vec<_> = users.iter().map(show::home_user_json).collect();
        println!("{}", serde_json::Value::Array(list));
    } else if users.is_empty() {
        println!("This account has no Plex Home.");
    } else {
        for user in &users {
            println!("{}", show::home_user_text(user));
        }
    }
    Ok(())
}

/// `plexlink home switch <user>`: the user's token is saved under `home_tokens`, never over
/// the account's own.
pub fn home_switch(cli: &Cli, wanted: &str, ask_pin: bool) -> Result<(), String> {
    let (client, mut store) = open(cli)?;
    let (token, _) = account_token(&client, &mut store)?;
    let users = client.home_users(&token).map_err(|e| plex_error(&mut store, e))?;
    let user = users
        .iter()
        .find(|u| u.uuid == wanted || u.username == wanted || u.title == wanted)
        .ok_or_else(|| format!("no Home user {wanted:?}; `plexlink home users` lists them"))?;
    let ask = || read_secret(&format!("Home PIN of {}: ", user.title)).map(PinCode::new);
    let pin = if ask_pin || user.protected { Some(ask()?) } else { None };
    let account = match client.switch_home_user(&token, &user.uuid, pin.as_ref()) {
        // plex.tv may ask for a PIN the list did not announce.
        Err(Error::HomePinRequired { .. }) if pin.is_none() => {
            client.switch_home_user(&token, &user.uuid, Some(&ask()?))
        }
        other => other,
    }
    .map_err(|e| plex_error(&mut store, e))?;
    let user_token = account.auth_token.clone().ok_or("the switch answer had no token")?;
    store.set_home_token(&plex_key(&client), &user.uuid, &user_token)?;
    if cli.json {
        println!(
            "{}",
            json!({ "switched": true, "account": show::account_json(&account), "config": store.path() })
        );
    } else {
        println!(
            "Switched to {}. Their token is kept apart from yours in {}.",
            show::account_name(&account),
            store.path().display()
        );
    }
    Ok(())
}

/// `plexlink signout`.
pub fn sign_out(cli: &Cli) -> Result<(), String> {
    let (client, mut store) = open(cli)?;
    let token = saved_token(&client, &store)?;
    let result = client.sign_out(&token);
    // Forget the token whether or not plex.tv could be told: the person asked to sign out.
    store.set_token(&plex_key(&client), None)?;
    result.map_err(|e| format!("token forgotten locally, but plex.tv did not confirm: {e}"))?;
    if cli.json {
        println!("{}", json!({ "signed_out": true }));
    } else {
        println!("Signed out.");
    }
    Ok(())
}

fn prompt(question: &str) -> Result<String, String> {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let line = line.trim().to_owned();
    if line.is_empty() {
        Err("no answer given".into())
    } else {
        Ok(line)
    }
}

/// Reads a secret without echo on a terminal, or a line from piped input.
fn read_secret(question: &str) -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password(question).map_err(|e| e.to_string())
    } else {
        prompt(question)
    }
}
