//! The PMS listeners as they are now: each connection's behaviour can change while the emulator
//! runs, and its port never does (the advertised URI is the one clients keep).
//!
//! A connection's port is held for the emulator's whole life by a "reserve" socket: bound,
//! never listening. Bound sockets refuse connects, and the kernel never hands a bound port to
//! an outgoing connection. While the connection is not dead a second socket listens on the same
//! port beside it (both set `SO_REUSEPORT`, the only way two sockets share a port on every
//! Unix); turning it dead closes that one, so connects are refused at once, and turning it back
//! binds a new listener to the same port, which nobody can have taken meanwhile.
//!
//! Where `SO_REUSEPORT` is missing (Windows), the reserve is dropped while a listener holds
//! the port and bound again when it closes; another program could take the port in between,
//! in which case turning the connection back fails with [`crate::EmuError::Listen`].
//!
//! Every change is done by the caller before it returns, whatever thread it runs on: after
//! `set` to dead a connect is refused, after `set` to anything else it is accepted.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpSocket};
use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::counters::Listener;
use crate::scenario::Behaviour;
use crate::state::lock;

/// Whether a reserve socket can stay bound beside the listener (see the module doc).
const RESERVE_BESIDE_LISTENER: bool = cfg!(all(
    unix,
    not(target_os = "solaris"),
    not(target_os = "illumos"),
    not(target_os = "cygwin"),
    not(target_os = "nuttx"),
));

/// Connections waiting to be accepted; plenty for a race of every connection at once.
const BACKLOG: u32 = 1024;

/// A connection's state as its listener and its open connections watch it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Live {
    /// Which listening period this is: it grows each time the listener closes or opens again.
    /// An open connection belongs to the period it was accepted in and is closed when the
    /// period ends (the connection turned dead).
    pub(crate) life: u64,
    /// The behaviour in force.
    pub(crate) behaviour: Behaviour,
}

/// One PMS connection's port and behaviour.
pub(crate) struct Slot {
    /// Index of the server in the scenario.
    pub(crate) server: usize,
    /// Index of the connection in its server.
    pub(crate) connection: usize,
    /// The counters' name for it.
    pub(crate) id: Listener,
    /// The address and the fixed port.
    pub(crate) addr: SocketAddr,
    /// For an https connection: its server's certificate.
    pub(crate) tls: Option<TlsAcceptor>,
    live: watch::Sender<Live>,
    /// Held for the whole change, so changes of one connection never interleave.
    sockets: Mutex<Sockets>,
}

#[derive(Default)]
struct Sockets {
    /// The listening socket while the connection is not dead. Its accept loop holds only a
    /// weak reference, so dropping this one closes the port at once.
    listener: Option<Arc<TcpListener>>,
    /// Keeps the port bound (see the module doc).
    reserve: Option<TcpSocket>,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("id", &self.id)
            .field("addr", &self.addr)
            .field("live", &*self.live.borrow())
            .finish_non_exhaustive()
    }
}

/// A TCP socket for `addr` that may share its port with the reserve.
fn socket(addr: SocketAddr) -> io::Result<TcpSocket> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    // Lets a new listener bind while connections of the old one linger in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    #[cfg(all(
        unix,
        not(target_os = "solaris"),
        not(target_os = "illumos"),
        not(target_os = "cygwin"),
        not(target_os = "nuttx"),
    ))]
    socket.set_reuseport(true)?;
    socket.bind(addr)?;
    Ok(socket)
}

impl Slot {
    /// Binds a fresh port on `ip` and, unless `behaviour` is dead, listens on it. Needs the
    /// emulator's runtime context (the listener registers with it). Returns the listener to
    /// run an accept loop for.
    pub(crate) fn bind(
        server: usize,
        connection: usize,
        id: Listener,
        ip: IpAddr,
        behaviour: Behaviour,
        tls: Option<TlsAcceptor>,
    ) -> io::Result<(Slot, Option<Weak<TcpListener>>)> {
        let reserve = socket(SocketAddr::new(ip, 0))?;
        let addr = reserve.local_addr()?;
        let slot = Slot {
            server,
            connection,
            id,
            addr,
            tls,
            live: watch::Sender::new(Live { life: 0, behaviour }),
            sockets: Mutex::new(Sockets {
                listener: None,
                reserve: Some(reserve),
            }),
        };
        let listener = if behaviour == Behaviour::Dead {
            None
        } else {
            Some(slot.open(&mut lock(&slot.sockets))?)
        };
        Ok((slot, listener))
    }

    /// The fixed port.
    pub(crate) fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The state in force.
    pub(crate) fn live(&self) -> Live {
        *self.live.borrow()
    }

    /// A receiver of every change, for waiting on one.
    pub(crate) fn watch(&self) -> watch::Receiver<Live> {
        self.live.subscribe()
    }

    /// Changes the behaviour. Returns the new listener when the connection comes back from
    /// dead (its accept loop is the caller's to start, with the life it is given), after
    /// which connects are accepted; after a change to dead they are refused.
    pub(crate) fn set(&self, behaviour: Behaviour, runtime: &Handle) -> io::Result<Option<(Weak<TcpListener>, u64)>> {
        let mut sockets = lock(&self.sockets);
        let was = self.live().behaviour;
        match (was == Behaviour::Dead, behaviour == Behaviour::Dead) {
            (false, true) => {
                // The period ends before the port closes, so a request that slips in on an
                // open connection meanwhile is already refused an answer.
                self.live.send_modify(|l| {
                    l.life += 1;
                    l.behaviour = behaviour;
                });
                self.close(&mut sockets);
                Ok(None)
            }
            (true, false) => {
                let opened = {
                    let _context = runtime.enter();
                    self.open(&mut sockets)
                };
                let listener = match opened {
                    Ok(listener) => listener,
                    Err(e) => {
                        // Still dead: keep the port reserved if the failed open let it go.
                        if sockets.reserve.is_none() {
                            sockets.reserve = socket(self.addr).ok();
                        }
                        return Err(e);
                    }
                };
                let mut life = 0;
                self.live.send_modify(|l| {
                    l.life += 1;
                    l.behaviour = behaviour;
                    life = l.life;
                });
                Ok(Some((listener, life)))
            }
            _ => {
                self.live.send_modify(|l| l.behaviour = behaviour);
                Ok(None)
            }
        }
    }

    /// Closes the port for good (the emulator is stopping).
    pub(crate) fn shut(&self) {
        let mut sockets = lock(&self.sockets);
        self.live.send_modify(|l| l.life += 1);
        self.close(&mut sockets);
        sockets.reserve = None;
    }

    fn open(&self, sockets: &mut Sockets) -> io::Result<Weak<TcpListener>> {
        if !RESERVE_BESIDE_LISTENER {
            sockets.reserve = None;
        }
        let listener = Arc::new(socket(self.addr)?.listen(BACKLOG)?);
        let weak = Arc::downgrade(&listener);
        sockets.listener = Some(listener);
        Ok(weak)
    }

    fn close(&self, sockets: &mut Sockets) {
        if let Some(mut listener) = sockets.listener.take() {
            // The accept loop upgrades its weak reference only while it polls, on the
            // emulator's thread: wait out such a poll so the port is closed on return. On the
            // emulator's own thread (a control request) no poll can be running.
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                match Arc::try_unwrap(listener) {
                    Ok(only) => {
                        drop(only);
                        break;
                    }
                    Err(shared) if Instant::now() < deadline => {
                        listener = shared;
                        std::thread::yield_now();
                    }
                    // Cannot happen unless that thread is stuck; it closes when it lets go.
                    Err(_) => break,
                }
            }
        }
        if !RESERVE_BESIDE_LISTENER {
            sockets.reserve = socket(self.addr).ok();
        }
    }
}

/// Accepts on a listener held through a weak reference: `None` once it has been closed.
pub(crate) async fn accept(listener: &Weak<TcpListener>) -> Option<io::Result<tokio::net::TcpStream>> {
    std::future::poll_fn(|cx| match listener.upgrade() {
        Some(l) => l.poll_accept(cx).map(|r| Some(r.map(|(stream, _)| stream))),
        None => std::task::Poll::Ready(None),
    })
    .await
}

/// Waits until the listening period `life` ends (the connection turned dead, or the emulator
/// is stopping).
pub(crate) async fn ended(changes: &mut watch::Receiver<Live>, life: u64) {
    // The value is dropped at once: it holds the channel's lock, which a change needs.
    let _ = changes.wait_for(|l| l.life != life).await;
}
