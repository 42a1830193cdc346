//! Listeners and the request pipeline: bind every port up front (so `start` reports failures
//! and knows every URL before it returns), then run one accept loop per listener on a
//! single-threaded tokio runtime in a background thread.
//!
//! Pipeline of one request: count it, read its body, apply a matching fault (not to control
//! requests), then route it to the control API, the pages, the plex.tv API or the PMS.

use std::collections::BTreeMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener as StdListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::counters::Listener;
use crate::faults::FaultKind;
use crate::reply::{self, Answer, RepeatBody};
use crate::request::{self, Req};
use crate::scenario::{Behaviour, Scenario};
use crate::state::{Shared, lock};
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

/// What a PMS listener answers as.
#[derive(Clone)]
struct PmsListener {
    server: usize,
    connection: usize,
    id: Listener,
    /// For an https connection: its server's certificate.
    tls: Option<TlsAcceptor>,
}

impl std::fmt::Debug for PmsListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PmsListener")
            .field("id", &self.id)
            .field("https", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

pub(crate) fn start(scenario: Scenario, port: u16) -> io::Result<Running> {
    scenario
        .validate()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let plextv = StdListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port))?;
    plextv.set_nonblocking(true)?;
    let base_url = format!("http://{}/", plextv.local_addr()?);
    let tls = Tls::new(&scenario)?;

    let mut pms_listeners = Vec::new();
    // Dead connections: a socket bound but never listening refuses connects, and keeps the
    // port from being handed to anyone else while the emulator runs.
    let mut dead_sockets = Vec::new();
    let mut ports: BTreeMap<String, BTreeMap<String, u16>> = BTreeMap::new();
    for (si, server) in scenario.servers.iter().enumerate() {
        for (ci, connection) in server.connections.iter().enumerate() {
            let ip: Ipv4Addr = connection
                .address
                .parse()
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "connection address is not IPv4"))?;
            let port = if connection.behaviour == Behaviour::Dead {
                let socket = TcpSocket::new_v4()?;
                socket.bind(SocketAddr::V4(SocketAddrV4::new(ip, 0)))?;
                let port = socket.local_addr()?.port();
                dead_sockets.push(socket);
                port
            } else {
                let listener = StdListener::bind(SocketAddrV4::new(ip, 0))?;
                listener.set_nonblocking(true)?;
                let port = listener.local_addr()?.port();
                let id = Listener::Pms {
                    server: server.name.clone(),
                    connection: connection.name.clone(),
                };
                pms_listeners.push((
                    listener,
                    PmsListener {
                        server: si,
                        connection: ci,
                        id,
                        tls: if connection.https { tls.acceptor(si) } else { None },
                    },
                ));
                port
            };
            ports
                .entry(server.name.clone())
                .or_default()
                .insert(connection.name.clone(), port);
        }
    }

    let shared = Arc::new(Shared::new(scenario, base_url, ports, tls.ca_pem.clone()));
    {
        // Every listening connection appears in the counters from the start, with zeros.
        let mut counters = lock(&shared.counters);
        for (_, l) in &pms_listeners {
            if let Listener::Pms { server, connection } = &l.id {
                counters
                    .pms
                    .entry(server.clone())
                    .or_default()
                    .entry(connection.clone())
                    .or_default();
            }
        }
    }

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    // Registering the listeners with the runtime needs its context; doing it here lets a
    // failure come back from `start`.
    let (plextv, pms_listeners) = {
        let _context = runtime.enter();
        let plextv = TcpListener::from_std(plextv)?;
        let mut converted = Vec::new();
        for (listener, pms) in pms_listeners {
            converted.push((TcpListener::from_std(listener)?, pms));
        }
        (plextv, converted)
    };
    let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
    let thread_shared = shared.clone();
    let thread = std::thread::Builder::new()
        .name("plexlink-emulator".to_string())
        .spawn(move || {
            runtime.block_on(async move {
                tokio::spawn(accept_loop(plextv, thread_shared.clone(), None));
                for (listener, pms) in pms_listeners {
                    tokio::spawn(accept_loop(listener, thread_shared.clone(), Some(pms)));
                }
                // Returns on a message, or when the handle is dropped without sending one.
                let _ = shutdown_rx.await;
            });
            // Dropping the runtime drops every task: listeners, open connections and blackholed
            // sockets close here, so the ports are free once `stop` returns.
            drop(runtime);
            drop(dead_sockets);
        })?;
    Ok(Running {
        shared,
        shutdown: Some(shutdown_tx),
        thread: Some(thread),
    })
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

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, pms: Option<PmsListener>) {
    let id = pms.as_ref().map_or(Listener::PlexTv, |p| p.id.clone());
    let blackhole = pms
        .as_ref()
        .is_some_and(|p| shared.scenario.servers[p.server].connections[p.connection].behaviour == Behaviour::Blackhole);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors and the like: wait a little rather than spin.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        lock(&shared.counters).count_connection(&id);
        let open = OpenConnection {
            shared: shared.clone(),
            id: id.clone(),
        };
        if blackhole {
            tokio::spawn(async move {
                hold(stream).await;
                drop(open);
            });
        } else {
            let (shared, pms) = (shared.clone(), pms.clone());
            tokio::spawn(async move {
                match pms.as_ref().and_then(|p| p.tls.clone()) {
                    Some(acceptor) => serve_https_port(stream, acceptor, shared, pms).await,
                    None => serve(stream, shared, pms).await,
                }
                drop(open);
            });
        }
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
async fn serve_https_port(stream: TcpStream, acceptor: TlsAcceptor, shared: Arc<Shared>, pms: Option<PmsListener>) {
    let mut first = [0u8; 1];
    match stream.peek(&mut first).await {
        Ok(1) if first[0] == HANDSHAKE => {}
        Ok(1) => return serve(stream, shared, pms).await,
        _ => return,
    }
    // A client that refuses the certificate ends the handshake with an alert: nothing to serve.
    let Ok(tls) = acceptor.accept(stream).await else {
        return;
    };
    let id = pms.as_ref().map_or(Listener::PlexTv, |p| p.id.clone());
    lock(&shared.counters).count_tls(&id);
    serve(tls, shared, pms).await;
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

async fn respond(shared: &Shared, pms: Option<&PmsListener>, req: hyper::Request<Incoming>) -> Answer {
    let (parts, body) = req.into_parts();
    let id = pms.map_or(Listener::PlexTv, |p| p.id.clone());
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
    if !is_control {
        let fault = lock(&shared.faults).take(req.method.as_str(), &req.path);
        match fault {
            Some(FaultKind::Delay { ms }) => tokio::time::sleep(Duration::from_millis(ms)).await,
            Some(kind) => return fault_answer(kind),
            None => {}
        }
    }

    let answer = match pms {
        Some(p) => {
            let server = &shared.scenario.servers[p.server];
            return pms::handle(shared, server, &server.connections[p.connection], &req).await;
        }
        None if req.method == http::Method::OPTIONS => reply::empty(204).into(),
        None if is_control => control::handle(shared, &req),
        None if pages::is_page(&req.path) => pages::handle(shared, &req),
        None => plextv::handle(shared, &req),
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
