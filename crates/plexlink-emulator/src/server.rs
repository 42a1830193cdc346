//! Listeners and the request pipeline: bind every port up front (so `start` reports failures
//! and knows every URL before it returns), then run one accept loop per listener on a
//! single-threaded tokio runtime in a background thread. A PMS connection's listener comes
//! and goes with its behaviour (see `live`): each listening period has its own accept loop,
//! and its connections close when the period ends.
//!
//! Pipeline of one request: on a PMS connection, wait out a blackhole and drop the request if
//! the connection turned dead; count it, read its body; on plex.tv, refuse it while plex.tv is
//! down (not control requests); apply a matching fault (not to control requests); then route
//! it to the control API, the pages, the plex.tv API or the PMS.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, TcpListener as StdListener};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::counters::Listener;
use crate::faults::FaultKind;
use crate::live::{self, Slot};
use crate::reply::{self, Answer, RepeatBody};
use crate::request::{self, Req};
use crate::scenario::{Behaviour, Scenario};
use crate::state::{DownMode, EmuError, Shared, lock};
use crate::tls::{HANDSHAKE, Tls};
use crate::{control, jwt, pages, plextv, pms};

/// Largest request body read; the emulator's own requests are tiny.
const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// The running emulator's threads and listeners.
#[derive(Debug)]
pub(crate) struct Running {
    pub(crate) shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// What an open PMS connection answers as: its connection, and the listening period it was
/// accepted in (it is closed when that ends, see [`crate::live::Live::life`]).
#[derive(Debug, Clone)]
struct PmsListener {
    slot: Arc<Slot>,
    life: u64,
}

pub(crate) fn start(scenario: Scenario, port: u16) -> io::Result<Running> {
    scenario
        .validate()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    if let Some((server, connection)) = scenario
        .servers
        .iter()
        .flat_map(|s| s.connections.iter().map(move |c| (s, c)))
        .find(|(_, c)| c.ipv6)
        && !ipv6_available()
    {
        return Err(io::Error::new(
            io::ErrorKind::AddrNotAvailable,
            format!(
                "connection {:?} of {:?} is on IPv6, and this machine has no IPv6 loopback \
                 ([::1] cannot be bound); check Emulator::ipv6_available() before starting it",
                connection.name, server.name
            ),
        ));
    }
    let plextv = StdListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port))?;
    plextv.set_nonblocking(true)?;
    let base_url = format!("http://{}/", plextv.local_addr()?);
    let tls = Tls::new(&scenario)?;

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    // Listeners register with the runtime, which needs its context; doing it here lets a
    // failure come back from `start`.
    let (plextv, slots, listening) = {
        let _context = runtime.enter();
        let plextv = TcpListener::from_std(plextv)?;
        let mut slots = Vec::new();
        let mut listening = Vec::new();
        for (si, server) in scenario.servers.iter().enumerate() {
            let mut of_server = Vec::new();
            for (ci, connection) in server.connections.iter().enumerate() {
                let ip = connection
                    .ip()
                    .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "connection address is not IPv4"))?;
                let id = Listener::Pms {
                    server: server.name.clone(),
                    connection: connection.name.clone(),
                };
                let tls = if connection.https { tls.acceptor(si) } else { None };
                let (slot, listener) = Slot::bind(si, ci, id, ip, connection.behaviour, tls).map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!("connection {:?} of {:?} on {ip}: {e}", connection.name, server.name),
                    )
                })?;
                let slot = Arc::new(slot);
                if let Some(listener) = listener {
                    listening.push((slot.clone(), listener));
                }
                of_server.push(slot);
            }
            slots.push(of_server);
        }
        (plextv, slots, listening)
    };

    let shared = Arc::new(Shared::new(
        scenario,
        base_url,
        slots,
        runtime.handle().clone(),
        tls.ca_pem.clone(),
    ));
    {
        // Every connection appears in the counters from the start, with zeros, dead ones too
        // (they may come back).
        let mut counters = lock(&shared.counters);
        for slot in shared.slots.iter().flatten() {
            if let Listener::Pms { server, connection } = &slot.id {
                counters
                    .pms
                    .entry(server.clone())
                    .or_default()
                    .entry(connection.clone())
                    .or_default();
            }
        }
    }

    let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
    let thread_shared = shared.clone();
    let thread = std::thread::Builder::new()
        .name("plexlink-emulator".to_string())
        .spawn(move || {
            runtime.block_on(async move {
                tokio::spawn(plextv_accept_loop(plextv, thread_shared.clone()));
                for (slot, listener) in listening {
                    tokio::spawn(pms_accept_loop(thread_shared.clone(), slot, listener, 0));
                }
                // Returns on a message, or when the handle is dropped without sending one.
                let _ = shutdown_rx.await;
                // The listeners and reserved ports live in `Shared`, which the handle keeps:
                // close them here, so every port is free once `stop` returns.
                for slot in thread_shared.slots.iter().flatten() {
                    slot.shut();
                }
            });
            // Dropping the runtime drops every task: open connections and blackholed sockets
            // close here.
            drop(runtime);
        })?;
    Ok(Running {
        shared,
        shutdown: Some(shutdown_tx),
        thread: Some(thread),
    })
}

/// Whether this machine has an IPv6 loopback: `[::1]` can be bound.
pub(crate) fn ipv6_available() -> bool {
    StdListener::bind(SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 0)).is_ok()
}

/// Changes a connection's behaviour now (see [`crate::Emulator::set_behaviour`]); from any
/// thread, the emulator's own included.
pub(crate) fn set_behaviour(
    shared: &Arc<Shared>,
    server: &str,
    connection: &str,
    behaviour: Behaviour,
) -> Result<(), EmuError> {
    let slot = shared
        .slot(server, connection)
        .ok_or_else(|| EmuError::UnknownConnection(server.to_string(), connection.to_string()))?;
    let reopened = slot
        .set(behaviour, &shared.runtime)
        .map_err(|e| EmuError::Listen(e.to_string()))?;
    if let Some((listener, life)) = reopened {
        // The port listens already (connects complete in the kernel's backlog); the loop
        // starts answering them as soon as the emulator's thread gets to it.
        shared
            .runtime
            .spawn(pms_accept_loop(shared.clone(), slot.clone(), listener, life));
    }
    Ok(())
}

impl Running {
    /// Stops the runtime and waits for its thread; the ports are closed when this returns.
    pub(crate) fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits a little after a failed accept (out of file descriptors and the like) rather than
/// spin.
async fn accept_failed() {
    tokio::time::sleep(Duration::from_millis(20)).await;
}

async fn plextv_accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                accept_failed().await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        lock(&shared.counters).count_connection(&Listener::PlexTv);
        let open = OpenConnection {
            shared: shared.clone(),
            id: Listener::PlexTv,
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            serve(stream, shared, None).await;
            drop(open);
        });
    }
}

/// The accept loop of one listening period of a PMS connection: it ends when the connection
/// turns dead (the listener is closed by then) or the emulator stops.
async fn pms_accept_loop(shared: Arc<Shared>, slot: Arc<Slot>, listener: Weak<TcpListener>, life: u64) {
    let mut changes = slot.watch();
    loop {
        let accepted = tokio::select! {
            accepted = live::accept(&listener) => accepted,
            () = live::ended(&mut changes, life) => return,
        };
        let stream = match accepted {
            Some(Ok(stream)) => stream,
            Some(Err(_)) => {
                accept_failed().await;
                continue;
            }
            None => return,
        };
        let now = slot.live();
        if now.life != life {
            // Accepted just as the connection turned dead: a server going down drops it.
            continue;
        }
        let _ = stream.set_nodelay(true);
        lock(&shared.counters).count_connection(&slot.id);
        let open = OpenConnection {
            shared: shared.clone(),
            id: slot.id.clone(),
        };
        let pms = PmsListener {
            slot: slot.clone(),
            life,
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut changes = pms.slot.watch();
            let work = async {
                if now.behaviour == Behaviour::Blackhole {
                    hold(stream).await;
                } else {
                    match pms.slot.tls.clone() {
                        Some(acceptor) => serve_https_port(stream, acceptor, shared, pms.clone()).await,
                        None => serve(stream, shared, Some(pms.clone())).await,
                    }
                }
            };
            // Dropping the connection's future closes its socket: what a client's kept-alive
            // socket sees when the server goes down.
            tokio::select! {
                () = work => {}
                () = live::ended(&mut changes, life) => {}
            }
            drop(open);
        });
    }
}

/// Counts a TCP connection as open until it is dropped (closed by either side, or by the
/// emulator stopping).
struct OpenConnection {
    shared: Arc<Shared>,
    id: Listener,
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        lock(&self.shared.counters).count_closed(&self.id);
    }
}

/// An https connection's port: TLS when the client starts a handshake, plain http otherwise
/// (a Plex Media Server answers both on one port, which is what makes a client's http fallback
/// to the same address work).
async fn serve_https_port(stream: TcpStream, acceptor: TlsAcceptor, shared: Arc<Shared>, pms: PmsListener) {
    let mut first = [0u8; 1];
    match stream.peek(&mut first).await {
        Ok(1) if first[0] == HANDSHAKE => {}
        Ok(1) => return serve(stream, shared, Some(pms)).await,
        _ => return,
    }
    // A client that refuses the certificate ends the handshake with an alert: nothing to serve.
    let Ok(tls) = acceptor.accept(stream).await else {
        return;
    };
    lock(&shared.counters).count_tls(&pms.slot.id);
    serve(tls, shared, Some(pms)).await;
}

/// A blackhole reads and forgets whatever comes, never answers, and keeps the socket open
/// until the client gives up or the emulator stops.
async fn hold(mut stream: TcpStream) {
    let mut sink = [0u8; 4096];
    while let Ok(n) = stream.read(&mut sink).await {
        if n == 0 {
            break;
        }
    }
}

/// The error that makes hyper drop a connection without answering (the `Close` fault).
#[derive(Debug)]
struct CloseConnection;

impl std::fmt::Display for CloseConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection closed by a fault")
    }
}

impl std::error::Error for CloseConnection {}

async fn serve<S>(stream: S, shared: Arc<Shared>, pms: Option<PmsListener>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req: hyper::Request<Incoming>| {
        let shared = shared.clone();
        let pms = pms.clone();
        async move {
            match respond(&shared, pms.as_ref(), req).await {
                Answer::Reply(r) => Ok(r),
                Answer::Close => Err(CloseConnection),
            }
        }
    });
    // Keep-alive is on (hyper's default, set here to say it matters): a client's PIN poll
    // should run over one TCP connection, and tests count connections to check that.
    let _ = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn respond(shared: &Arc<Shared>, pms: Option<&PmsListener>, req: hyper::Request<Incoming>) -> Answer {
    // A PMS connection's state when the request arrives.
    let mut behaviour = None;
    if let Some(p) = pms {
        let mut changes = p.slot.watch();
        // A blackholed connection reads and forgets: the request waits, unseen and
        // uncounted, until the behaviour changes.
        let Ok(now) = changes
            .wait_for(|l| l.life != p.life || l.behaviour != Behaviour::Blackhole)
            .await
            .map(|l| *l)
        else {
            return Answer::Close;
        };
        if now.life != p.life {
            // The connection turned dead since it was accepted: its server is gone.
            return Answer::Close;
        }
        behaviour = Some(now.behaviour);
    }
    let (parts, body) = req.into_parts();
    let id = pms.map_or(Listener::PlexTv, |p| p.slot.id.clone());
    lock(&shared.counters).count_request(&id, parts.method.as_str(), parts.uri.path());
    let token_kind = request::token_in(&parts.headers, parts.uri.query().unwrap_or(""))
        .map(|t| if jwt::is_jwt(&t) { "jwt" } else { "legacy" });
    lock(&shared.log).record(&id, parts.method.as_str(), parts.uri.path(), token_kind);
    let body: Bytes = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return reply::empty(413).into(),
    };
    let req = Req {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: parts.headers,
        body,
    };

    let is_control = pms.is_none() && req.path.starts_with(control::PREFIX);
    if pms.is_none() && !is_control {
        let status = *lock(&shared.plextv);
        if status.down {
            return match status.mode {
                DownMode::Refuse => Answer::Close,
                DownMode::Unavailable => plextv_unavailable(),
            };
        }
    }
    if !is_control {
        let fault = lock(&shared.faults).take(req.method.as_str(), &req.path);
        match fault {
            Some(FaultKind::Delay { ms }) => tokio::time::sleep(Duration::from_millis(ms)).await,
            Some(kind) => return fault_answer(kind),
            None => {}
        }
    }

    let answer = match (pms, behaviour) {
        (Some(p), Some(behaviour)) => {
            return pms::handle(shared, &shared.scenario.servers[p.slot.server], behaviour, &req).await;
        }
        (Some(_), None) => Answer::Close,
        (None, _) if req.method == http::Method::OPTIONS => reply::empty(204).into(),
        (None, _) if is_control => control::handle(shared, &req),
        (None, _) if pages::is_page(&req.path) => pages::handle(shared, &req),
        (None, _) => plextv::handle(shared, &req),
    };
    with_cors(answer, &req)
}

/// plex.tv lets web apps call it from the browser (a web app creates and checks its PIN from
/// its own page), so the plex.tv listener answers CORS preflights and allows any origin.
fn with_cors(answer: Answer, req: &Req) -> Answer {
    use http::HeaderValue;
    use http::header::{
        ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE,
    };
    let Answer::Reply(mut r) = answer else {
        return answer;
    };
    let h = r.headers_mut();
    h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    if req.method == http::Method::OPTIONS {
        let asked = req.header("access-control-request-headers").unwrap_or("*");
        h.insert(
            ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_str(asked).unwrap_or(HeaderValue::from_static("*")),
        );
        h.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"),
        );
        h.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    }
    Answer::Reply(r)
}

/// What a plex.tv that is down in the 503 mode answers: the page a load balancer shows for a
/// service behind it that is down, so a client must go by the status.
fn plextv_unavailable() -> Answer {
    let mut r = reply::html(
        503,
        "<html><head><title>503 Service Temporarily Unavailable</title></head><body><h1>503 Service Temporarily Unavailable</h1></body></html>".to_string(),
    );
    r.headers_mut()
        .insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("30"));
    r.into()
}

fn fault_answer(kind: FaultKind) -> Answer {
    match kind {
        FaultKind::Status {
            status,
            retry_after,
            body,
        } => {
            let content_type = if serde_json::from_str::<serde_json::Value>(&body).is_ok() {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            let mut r = reply::with_body(status, content_type, body);
            if let Some(secs) = retry_after {
                r.headers_mut()
                    .insert(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
            }
            r.into()
        }
        FaultKind::MalformedJson => reply::with_body(
            200,
            "application/json",
            r#"{"id": 308667304, "code": "7RQZ", "authToken": "#,
        )
        .into(),
        FaultKind::Oversized { bytes } => {
            let mut r = http::Response::new(RepeatBody::boxed(bytes));
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            r.into()
        }
        FaultKind::Close => Answer::Close,
        // Handled before routing; never reaches here.
        FaultKind::Delay { .. } => reply::empty(500).into(),
    }
}
