//! Who may hold a connection open, and for how long. Each connection costs an open file and a
//! task; without a cap, a few hundred idle sockets from one machine in the lobby would use up
//! the open-file limit and every kiosk would stop being answered.
//!
//! Two caps, decided when a connection is accepted:
//! - per client address (an IPv6 client by its /64, which one machine usually owns whole), so
//!   that one misbehaving machine cannot take the slots every kiosk tablet and desk needs;
//! - over all connections, kept below the open-file limit, so the process itself never runs out.
//!
//! A connection past a cap is not left hanging: it is answered `503` with a JSON error and
//! `Connection: close` at its first request. A few such answers are kept ready
//! ([`Admission::busy_answers`]); past those the connection is closed at once.
//! The proxies named in `ARRIVE_TRUSTED_PROXIES` carry many clients each, so only the global cap
//! counts for them (the proxy is where a per-client limit belongs then).
//!
//! The time limits are hyper's and tower-http's (set in `lib.rs`): a connection waiting for a
//! request's headers, new or kept alive between requests, is closed after `header_timeout`;
//! a request body that stops arriving fails after `body_timeout`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::{ready, Future, Ready};
use std::io;
use std::net::{IpAddr, Ipv6Addr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use arrive_domain::ErrorCode;
use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use axum::response::IntoResponse;
use axum_server::accept::Accept;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::error::ApiError;

/// The connection settings (`ARRIVE_MAX_CONNECTIONS`, `ARRIVE_MAX_CONNECTIONS_PER_CLIENT`,
/// `ARRIVE_HEADER_TIMEOUT_SECONDS`, `ARRIVE_BODY_TIMEOUT_SECONDS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections open at once, all clients together; lowered at start to fit the open-file
    /// limit.
    pub max_connections: usize,
    /// Connections open at once from one client address.
    pub max_per_client: usize,
    /// How long a connection may take to send a request's headers, and how long a kept-alive
    /// connection may wait idle for its next request (hyper runs one timer for both).
    pub header_timeout: Duration,
    /// How long a request body may pause between two of its pieces.
    pub body_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 1024,
            // A browser opens up to six connections to a server, and the desks of a clinic
            // behind one NAT address share a count: room for about ten of them.
            max_per_client: 64,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
        }
    }
}

/// Files the process needs besides its connections: the database pool, SQLite's files, the
/// kiosk's files being served, outgoing FHIR and eligibility calls, logs.
const RESERVED_FILES: u64 = 128;

/// Raises the open-file soft limit to the hard limit where the OS allows, and returns the
/// limits with `max_connections` lowered to fit what is then available.
pub fn fit_to_open_file_limit(mut limits: ConnectionLimits) -> ConnectionLimits {
    let soft = match rlimit::getrlimit(rlimit::Resource::NOFILE) {
        Ok((soft, hard)) => rlimit::increase_nofile_limit(hard).unwrap_or(soft),
        // No limit to read (not a Unix): trust the setting.
        Err(_) => return limits,
    };
    // The busy answers hold files too.
    let room = soft.saturating_sub(RESERVED_FILES) * 15 / 16;
    let room = usize::try_from(room).unwrap_or(usize::MAX).max(1);
    if limits.max_connections > room {
        tracing::warn!(
            open_file_limit = soft,
            max_connections = room,
            "ARRIVE_MAX_CONNECTIONS lowered to fit the open-file limit"
        );
        limits.max_connections = room;
    }
    limits
}

/// Decides, at accept, whether a connection is served, answered busy, or closed.
#[derive(Clone)]
pub struct Admission {
    shared: Arc<Shared>,
}

struct Shared {
    limits: ConnectionLimits,
    busy_answers: usize,
    trusted_proxies: Arc<Vec<IpAddr>>,
    counts: Mutex<Counts>,
    log: RateLimitedLog,
}

#[derive(Default)]
struct Counts {
    open: usize,
    busy: usize,
    per_client: HashMap<ClientKey, usize>,
}

/// An IPv4 address, or an IPv6 /64.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct ClientKey(IpAddr);

impl ClientKey {
    fn of(address: IpAddr) -> Self {
        match address.to_canonical() {
            IpAddr::V6(v6) => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                ClientKey(IpAddr::V6(Ipv6Addr::from(prefix)))
            }
            v4 => ClientKey(v4),
        }
    }
}

/// Why a connection was not served.
#[derive(Clone, Copy, Debug)]
enum Refusal {
    ClientCap,
    GlobalCap,
}

impl Refusal {
    fn label(self) -> &'static str {
        match self {
            Refusal::ClientCap => "per_client_cap",
            Refusal::GlobalCap => "global_cap",
        }
    }
}

/// A connection's place in the counts, given back when the connection ends.
pub struct Slot {
    shared: Arc<Shared>,
    kind: SlotKind,
}

enum SlotKind {
    Open(Option<ClientKey>),
    Busy,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.shared.counts.lock().unwrap_or_else(|p| p.into_inner());
        match self.kind {
            SlotKind::Open(client) => {
                counts.open -= 1;
                if let Some(client) = client {
                    if let Some(n) = counts.per_client.get_mut(&client) {
                        *n -= 1;
                        if *n == 0 {
                            counts.per_client.remove(&client);
                        }
                    }
                }
                metrics::gauge!("arrive_connections_open").decrement(1.0);
            }
            SlotKind::Busy => counts.busy -= 1,
        }
    }
}

impl Admission {
    pub fn new(limits: ConnectionLimits, trusted_proxies: Arc<Vec<IpAddr>>) -> Self {
        Admission {
            shared: Arc::new(Shared {
                limits,
                busy_answers: Self::busy_answers(&limits),
                trusted_proxies,
                counts: Mutex::default(),
                log: RateLimitedLog::default(),
            }),
        }
    }

    /// How many connections past a cap are answered 503 rather than closed at once: enough
    /// that a client past its share learns why, few enough to cost little.
    pub fn busy_answers(limits: &ConnectionLimits) -> usize {
        (limits.max_connections / 16).clamp(4, 64)
    }

    fn admit(&self, peer: Option<IpAddr>) -> Result<Slot, io::Error> {
        let shared = &self.shared;
        let client = peer
            .filter(|ip| !shared.trusted_proxies.contains(ip))
            .map(ClientKey::of);
        let mut counts = shared.counts.lock().unwrap_or_else(|p| p.into_inner());
        let from_client = client.map_or(0, |c| counts.per_client.get(&c).copied().unwrap_or(0));
        let refusal = if client.is_some() && from_client >= shared.limits.max_per_client {
            Some(Refusal::ClientCap)
        } else if counts.open >= shared.limits.max_connections {
            Some(Refusal::GlobalCap)
        } else {
            None
        };
        let Some(refusal) = refusal else {
            counts.open += 1;
            if let Some(client) = client {
                *counts.per_client.entry(client).or_default() += 1;
            }
            metrics::gauge!("arrive_connections_open").increment(1.0);
            return Ok(Slot {
                shared: shared.clone(),
                kind: SlotKind::Open(client),
            });
        };
        let answered = counts.busy < shared.busy_answers;
        if answered {
            counts.busy += 1;
        }
        drop(counts);
        metrics::counter!("arrive_connections_refused_total", "reason" => refusal.label()).increment(1);
        shared.log.note(refusal);
        if answered {
            Ok(Slot {
                shared: shared.clone(),
                kind: SlotKind::Busy,
            })
        } else {
            Err(io::Error::other("connection limit reached"))
        }
    }
}

impl<S> Accept<TcpStream, S> for Admission {
    type Stream = Admitted<TcpStream>;
    type Service = tower::util::Either<S, Busy>;
    type Future = Ready<io::Result<(Self::Stream, Self::Service)>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let peer = stream.peer_addr().ok().map(|a| a.ip());
        let header_timeout = self.shared.limits.header_timeout;
        ready(self.admit(peer).map(|slot| {
            let (service, deadline) = match slot.kind {
                SlotKind::Open(_) => (tower::util::Either::Left(service), None),
                SlotKind::Busy => {
                    let deadline = tokio::time::sleep(BUSY_DEADLINE.min(header_timeout));
                    (tower::util::Either::Right(Busy), Some(Box::pin(deadline)))
                }
            };
            let stream = Admitted {
                _slot: slot,
                inner: stream,
                deadline,
            };
            (stream, service)
        }))
    }
}

/// A connection that holds its slot until it is dropped.
pub struct Admitted<T> {
    // First, so that it is given back before the socket closes: a client that sees the close
    // may connect again at once.
    _slot: Slot,
    inner: T,
    /// A busy answer's connection must send its request soon: idle, it would keep the few busy
    /// answers from the clients that do ask.
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
}

/// How long a connection past a cap has to send the request it is answered 503 to.
const BUSY_DEADLINE: Duration = Duration::from_secs(3);

impl<T: AsyncRead + Unpin> AsyncRead for Admitted<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Pending => {
                let expired = this
                    .deadline
                    .as_mut()
                    .is_some_and(|deadline| deadline.as_mut().poll(cx).is_ready());
                if expired {
                    Poll::Ready(Err(io::ErrorKind::TimedOut.into()))
                } else {
                    Poll::Pending
                }
            }
            ready => ready,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Admitted<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The service of a connection past a cap: every request is answered 503, and the connection
/// closed after it.
#[derive(Clone, Copy)]
pub struct Busy;

/// The answer past a cap.
pub fn busy_response() -> Response<Body> {
    let mut response = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Unavailable,
        "The server has too many open connections. Please try again shortly.",
    )
    .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

impl<R> tower::Service<R> for Busy {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Ready<Result<Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: R) -> Self::Future {
        ready(Ok(busy_response()))
    }
}

/// One warning per reason every ten seconds at most, with how many were refused since: a flood
/// must not flood the log too. No address is logged.
#[derive(Default)]
struct RateLimitedLog {
    client_cap: Counter,
    global_cap: Counter,
}

#[derive(Default)]
struct Counter {
    since_last: AtomicU64,
    last_logged_ms: AtomicU64,
}

const LOG_EVERY_MS: u64 = 10_000;

impl RateLimitedLog {
    fn note(&self, refusal: Refusal) {
        let counter = match refusal {
            Refusal::ClientCap => &self.client_cap,
            Refusal::GlobalCap => &self.global_cap,
        };
        counter.since_last.fetch_add(1, Ordering::Relaxed);
        let now = process_millis();
        let last = counter.last_logged_ms.load(Ordering::Relaxed);
        let due = last == 0 || now.saturating_sub(last) >= LOG_EVERY_MS;
        if due
            && counter
                .last_logged_ms
                .compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let refused = counter.since_last.swap(0, Ordering::Relaxed);
            tracing::warn!(
                reason = refusal.label(),
                refused,
                "connection limit reached: connections answered 503 or closed"
            );
        }
    }
}

/// Milliseconds since the process started counting (monotonic).
fn process_millis() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let start = START.get_or_init(std::time::Instant::now);
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_connections: usize, max_per_client: usize) -> ConnectionLimits {
        ConnectionLimits {
            max_connections,
            max_per_client,
            ..ConnectionLimits::default()
        }
    }

    #[test]
    fn a_client_past_its_share_is_answered_busy_while_others_are_served() {
        let admission = Admission::new(limits(10, 2), Arc::default());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let held: Vec<_> = (0..2).map(|_| admission.admit(Some(a)).unwrap()).collect();
        assert!(matches!(admission.admit(Some(a)).unwrap().kind, SlotKind::Busy));
        assert!(matches!(admission.admit(Some(b)).unwrap().kind, SlotKind::Open(_)));
        drop(held);
        assert!(matches!(admission.admit(Some(a)).unwrap().kind, SlotKind::Open(_)));
    }

    #[test]
    fn past_the_busy_answers_connections_are_closed() {
        let admission = Admission::new(limits(1, 1), Arc::default());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let _open = admission.admit(Some(a)).unwrap();
        let busy: Vec<_> = (0..4).map(|_| admission.admit(Some(a)).unwrap()).collect();
        assert!(busy.iter().all(|s| matches!(s.kind, SlotKind::Busy)));
        assert!(admission.admit(Some(a)).is_err());
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64() {
        let admission = Admission::new(limits(10, 1), Arc::default());
        let _first = admission.admit(Some("2001:db8::1".parse().unwrap())).unwrap();
        let other_host = admission.admit(Some("2001:db8::ffff:2".parse().unwrap())).unwrap();
        assert!(matches!(other_host.kind, SlotKind::Busy));
        let other_net = admission.admit(Some("2001:db8:0:1::1".parse().unwrap())).unwrap();
        assert!(matches!(other_net.kind, SlotKind::Open(_)));
    }

    #[test]
    fn a_trusted_proxy_is_held_to_the_global_cap_only() {
        let proxy: IpAddr = "192.0.2.9".parse().unwrap();
        let admission = Admission::new(limits(3, 1), Arc::new(vec![proxy]));
        let held: Vec<_> = (0..3).map(|_| admission.admit(Some(proxy)).unwrap()).collect();
        assert!(held.iter().all(|s| matches!(s.kind, SlotKind::Open(_))));
        assert!(matches!(admission.admit(Some(proxy)).unwrap().kind, SlotKind::Busy));
    }
}
