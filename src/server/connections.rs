//! Connections at the edge: how many each peer address holds open, the cap on them
//! (`connections_per_client_max`), and a watch that closes a connection idle too long between
//! two requests.
//!
//! `HttpServer::on_connect` gives every connection a [`Slot`] in its extensions. The first
//! request's head fills it with a [`Held`] that counts the connection against its peer
//! address; the connection's extensions are dropped when it closes, and with them the count.
//! A connection whose peer already had `connections_per_client_max` open ones when it was
//! counted is refused: each request on it answers 429 `too_many_connections` with
//! `Connection: close`.
//!
//! The cap counts the TCP peer, not the client a proxy names in `X-Forwarded-For`: a reverse
//! proxy is one peer carrying many clients, so `trusted_proxies` are exempt (nginx's own
//! `limit_conn` is the cap there). A connection is counted when its first head has arrived;
//! until then actix's `client_request_timeout` (`request_head_timeout_ms`) bounds it.
//!
//! That actix timeout covers only a connection's first request: once a keep-alive connection
//! has received a byte of its next request, no actix timer runs until that head is complete,
//! so a client that sends half a head holds the connection for ever. The [`Watch`] closes it:
//! a task per connection shuts the socket down (through a duplicate of its descriptor) when no
//! request has been in flight for `keep_alive_seconds` + `request_head_timeout_ms`. A request
//! is in flight from its head until the dispatcher drops its response body, so long answers
//! (exports) and slow bodies (bounded by `body_timeout`) are never cut by it.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Extensions, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::rt::net::TcpStream;
use actix_web::rt::time::{sleep_until, Instant};
use actix_web::web::Bytes;
use actix_web::{web, ResponseError};

use super::{ApiError, AppState};

/// Open (counted) connections per peer address, shared by every worker.
#[derive(Default, Clone)]
pub struct Connections {
    open: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

impl Connections {
    /// Counts one more connection from `peer` until the returned guard is dropped.
    pub fn open(&self, peer: IpAddr) -> Held {
        let peer = peer.to_canonical();
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(peer).or_insert(0);
        *count = count.saturating_add(1);
        Held {
            table: self.clone(),
            peer,
            rank: *count,
        }
    }

    /// Connections from `peer` open now.
    #[cfg(test)]
    pub fn count(&self, peer: IpAddr) -> u32 {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(&peer.to_canonical()).copied().unwrap_or(0)
    }
}

/// One counted connection. Invariant: the table holds an entry for `peer` while a `Held` of
/// it lives, and an entry is removed when its count reaches zero, so the table never holds
/// more addresses than there are open connections.
pub struct Held {
    table: Connections,
    peer: IpAddr,
    /// How many connections from `peer` were open, this one included, when it was counted.
    rank: u32,
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.peer) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.peer);
            }
        }
    }
}

/// What the service keeps of each connection.
pub struct Slot {
    /// Its place in the count: empty until its first request's head arrives.
    held: RefCell<Option<Held>>,
    /// `None` when the socket could not be duplicated (then only actix's timers apply).
    watch: Option<Rc<Watch>>,
}

/// A connection's requests in flight and since when it has had none.
struct Watch {
    in_flight: Cell<u32>,
    idle_since: Cell<Instant>,
    /// A duplicate of the connection's socket, to shut the connection down with.
    socket: socket2::Socket,
}

/// A request in flight, from its head until its response body is dropped.
struct InFlight(Rc<Watch>);

impl InFlight {
    fn start(watch: &Rc<Watch>) -> InFlight {
        watch.in_flight.set(watch.in_flight.get().saturating_add(1));
        InFlight(watch.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let left = self.0.in_flight.get().saturating_sub(1);
        self.0.in_flight.set(left);
        if left == 0 {
            self.0.idle_since.set(Instant::now());
        }
    }
}

/// The closer: ends when the connection is gone, or shuts it down once it has been idle for
/// `idle_max`.
async fn watch_idle(watch: Weak<Watch>, idle_max: Duration) {
    loop {
        let wake = match watch.upgrade() {
            None => return,
            Some(w) if w.in_flight.get() > 0 => Instant::now() + idle_max,
            Some(w) => {
                let deadline = w.idle_since.get() + idle_max;
                if deadline <= Instant::now() {
                    tracing::debug!("closing a connection idle for {idle_max:?}");
                    let _ = w.socket.shutdown(std::net::Shutdown::Both);
                    return;
                }
                deadline
            }
        };
        sleep_until(wake).await;
    }
}

/// The TCP socket under a plain or TLS connection.
fn tcp_of(connection: &dyn Any) -> Option<&TcpStream> {
    if let Some(tcp) = connection.downcast_ref::<TcpStream>() {
        return Some(tcp);
    }
    connection
        .downcast_ref::<actix_tls::accept::rustls_0_23::TlsStream<TcpStream>>()
        .map(|tls| tls.get_ref().0)
}

/// `HttpServer::on_connect`: every connection gets a [`Slot`], and a watch that closes it
/// after `idle_max` without a request in flight.
pub fn on_connect(connection: &dyn Any, extensions: &mut Extensions, idle_max: Duration) {
    let socket = tcp_of(connection).and_then(|tcp| socket2::SockRef::from(tcp).try_clone().ok());
    let watch = socket.map(|socket| {
        Rc::new(Watch {
            in_flight: Cell::new(0),
            idle_since: Cell::new(Instant::now()),
            socket,
        })
    });
    if let Some(w) = &watch {
        actix_web::rt::spawn(watch_idle(Rc::downgrade(w), idle_max));
    }
    extensions.insert(Slot {
        held: RefCell::new(None),
        watch,
    });
}

/// A response body that keeps its request in flight until the dispatcher drops it.
pub struct Tracked {
    body: BoxBody,
    _in_flight: Option<InFlight>,
}

impl MessageBody for Tracked {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_next(cx)
    }
}

/// Middleware: counts the connection at its first request, refuses every request on a
/// connection beyond the cap, and keeps each request in flight for the idle watch.
pub async fn admit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<Tracked>>, actix_web::Error> {
    if let Some(max) = over_cap(&req) {
        if let Some(state) = req.app_data::<web::Data<AppState>>() {
            state
                .metrics
                .connections_refused
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let response = ApiError::TooManyConnections { max }.error_response();
        return Ok(req.into_response(response).map_into_right_body());
    }
    let in_flight = req
        .request()
        .conn_data::<Slot>()
        .and_then(|slot| slot.watch.as_ref())
        .map(InFlight::start);
    let res = next.call(req).await?;
    Ok(res
        .map_body(|_, body| Tracked {
            body: body.boxed(),
            _in_flight: in_flight,
        })
        .map_into_left_body())
}

/// `Some(cap)` when the request's connection is beyond its peer's cap.
fn over_cap(req: &ServiceRequest) -> Option<u32> {
    let state = req.app_data::<web::Data<AppState>>()?;
    let max = state.config.connections_per_client_max;
    if max == 0 {
        return None;
    }
    let peer = req.peer_addr()?.ip().to_canonical();
    if state.config.trusted_proxies.contains(&peer) {
        return None;
    }
    let slot = req.request().conn_data::<Slot>()?;
    let mut held = slot.held.borrow_mut();
    let held = held.get_or_insert_with(|| state.connections.open(peer));
    (held.rank > max).then_some(max)
}

/// File descriptors kept for everything but connections: the listeners, the log segments, the
/// sled databases, the key files, an export's temporary files.
const FILES_RESERVE: u64 = 256;

/// `connections_max`, or, when connections could use up the open-file limit (`ulimit -n`,
/// systemd's `LimitNOFILE`), `Err` with the lower value that leaves [`FILES_RESERVE`] free and
/// a warning for the log. Each connection holds two descriptors: its socket and the duplicate
/// its idle watch shuts it down with.
pub fn fit_to_open_files(connections_max: usize) -> Result<usize, (usize, String)> {
    match open_files_limit() {
        Some(limit) => fit(connections_max, limit),
        None => Ok(connections_max),
    }
}

fn fit(connections_max: usize, open_files: u64) -> Result<usize, (usize, String)> {
    let room = (open_files.saturating_sub(FILES_RESERVE) / 2).max(16);
    if connections_max as u64 <= room {
        return Ok(connections_max);
    }
    let lowered = usize::try_from(room).unwrap_or(connections_max);
    Err((
        lowered,
        format!(
            "connections_max {connections_max} lowered to {lowered}: the open-file limit \
             (ulimit -n, LimitNOFILE) is {open_files}, {FILES_RESERVE} files are kept for the \
             log and the database, and each connection takes two; raise the limit to serve \
             more connections (打开文件数上限不足, 已降低 connections_max)"
        ),
    ))
}

/// The soft limit on open files of this process, from `/proc/self/limits` (Linux); `None`
/// elsewhere or when unlimited.
fn open_files_limit() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.get("Max open files".len()..)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_address_and_forgets_closed_connections() {
        let table = Connections::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = table.open(a);
        let second = table.open(a);
        let other = table.open(b);
        assert_eq!((first.rank, second.rank, other.rank), (1, 2, 1));
        assert_eq!(table.count(a), 2);
        drop(first);
        assert_eq!(table.count(a), 1);
        // A connection's rank is fixed when it is counted; a later one counts the open ones.
        let third = table.open(a);
        assert_eq!((second.rank, third.rank), (2, 2));
        drop((second, third, other));
        assert_eq!((table.count(a), table.count(b)), (0, 0));
        assert!(table.open.lock().unwrap().is_empty());
    }

    #[test]
    fn connections_leave_room_for_files() {
        assert_eq!(fit(4096, 16384), Ok(4096));
        assert_eq!(fit(4096, 2 * 4096 + 256), Ok(4096));
        let (lowered, why) = fit(4096, 1024).unwrap_err();
        assert_eq!(lowered, 384);
        assert!(why.contains("1024"), "{why}");
        assert_eq!(fit(4096, 100).unwrap_err().0, 16);
        // This process has some limit, or none that can be read.
        let _ = open_files_limit();
    }

    #[test]
    fn an_ipv4_mapped_peer_is_its_ipv4_address() {
        let table = Connections::default();
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        let _held = table.open(mapped);
        assert_eq!(table.count("192.0.2.1".parse().unwrap()), 1);
    }
}
