//! The embedded feature server: an httpbin-compatible `/delay/{seconds}`, the `/features`
//! payload endpoint, `/healthz`, and (for `gilwall serve`) the demo page from `www/`.
//!
//! It plays the role of `httpbin.org` and the feature store in the article, on loopback, so a
//! run needs no internet. Shaped like mini-redis: [`run`] takes a bound listener and a shutdown
//! future, so tests bind `127.0.0.1:0` and never fight over ports.
//!
//! [`serve`] is `gilwall serve`'s body as a typed function; [`ChildServer`] runs the server in a
//! child process on a lifeline, configured by one JSON line (module `child`).
//!
//! **Architecture Invariant:** the server binds loopback unless told otherwise, caps every input
//! (delay, payload size, requests in flight, time to send headers) and never serves a file
//! outside the `www` folder it was given.

mod child;
pub mod faults;
mod handlers;
pub mod page;
pub mod serve;
pub mod session;

pub use child::{ChildServer, Listening, child_main};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket};
use tower::ServiceExt;

/// The server's limits and options. Every cap has a `gilwall serve` flag. It crosses to the
/// server's child process whole, as one JSON line (see [`ChildServer`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ServerConfig {
    /// Longest delay `/delay` and `/features` accept, in ms (`--max-delay-s`).
    pub max_delay_ms: f64,
    /// Largest payload `/features` generates, in bytes (`--max-payload-kb`).
    pub max_payload_bytes: u64,
    /// Most requests handled at once; more get 503 (`--max-in-flight`).
    pub max_in_flight: usize,
    /// Time a client has to send its request headers (`--header-timeout-ms`).
    pub header_timeout: Duration,
    /// Folder served at `/` (the demo page), if any.
    pub www: Option<PathBuf>,
    /// Serve the page inside this binary at `/` when `www` is `None` (see [`page`]).
    #[serde(default)]
    pub page_inside: bool,
    /// Faults injected into every `/delay` and `/features` answer (requests may override).
    pub faults: faults::Faults,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_delay_ms: 10_000.0,
            max_payload_bytes: gilwall_core::workload::limits::MAX_PAYLOAD_BYTES,
            max_in_flight: 16_384,
            header_timeout: Duration::from_secs(10),
            www: None,
            page_inside: false,
            faults: faults::Faults::default(),
        }
    }
}

/// Accept backlog for the listener: large enough that a burst of a few thousand connects is
/// not left to TCP's one-second retry. Linux caps it at `net.core.somaxconn` (4096 on the
/// machines gilwall is developed on); connects beyond it are retried by TCP after about a second,
/// which shows up as a one-second step in a sweep's makespan.
pub const BACKLOG: u32 = 4096;

/// Most bytes of request line and headers a client may send; more gets the connection closed.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Binds a TCP listener on `addr` with [`BACKLOG`].
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// The server's routes, without the connection handling (tests call it in-process).
pub fn router(config: &ServerConfig) -> Router {
    handlers::router(config)
}

/// Serves on `listener` until `shutdown` completes. Connections still open then are dropped.
pub async fn run(
    listener: TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let handlers::Routes { app, fast } = handlers::routes(&config);
    // HTTP/1.1 as the article's clients speak it, and HTTP/2 (prior knowledge, h2c) so a
    // client can multiplex thousands of requests over a few connections (`--http2`).
    let mut http = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    http.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout)
        .max_buf_size(MAX_HEADER_BYTES)
        .keep_alive(true);
    http.http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(u32::try_from(config.max_in_flight).unwrap_or(u32::MAX))
        .max_header_list_size(MAX_HEADER_BYTES as u32);
    let http = Arc::new(http);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    // Running out of descriptors or a reset before accept must not stop the
                    // server; back off briefly and go on.
                    Err(_) => { tokio::time::sleep(Duration::from_millis(5)).await; continue; }
                };
                let _ = stream.set_nodelay(true);
                let service = Front { app: app.clone(), fast: fast.clone(), peer };
                let http = http.clone();
                connections.spawn(async move {
                    // A client that misbehaves (slow headers, a reset) only ends its own
                    // connection; there is nothing to report to anyone.
                    let _ = http.serve_connection(TokioIo::new(stream), service).await;
                });
            }
            // Reap finished connections so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
    Ok(())
}

/// One connection's service: a plain `GET /delay/{seconds}` straight to its handler
/// ([`handlers::FastDelay`]), everything else through axum's router and layers.
struct Front {
    app: Router,
    fast: handlers::FastDelay,
    peer: SocketAddr,
}

impl hyper::service::Service<hyper::Request<hyper::body::Incoming>> for Front {
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = futures::future::BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn call(&self, mut req: hyper::Request<hyper::body::Incoming>) -> Self::Future {
        if let Some(answer) = self.fast.answer(&req, self.peer) {
            return Box::pin(async move { Ok(answer.await) });
        }
        req.extensions_mut().insert(ConnectInfo(self.peer));
        Box::pin(self.app.clone().oneshot(req.map(axum::body::Body::new)))
    }
}

/// A server running in the background of this process, as every command but `serve` uses it.
pub struct RunningServer {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Starts a server on a free port of 127.0.0.1 on the current tokio runtime.
    pub async fn start(config: ServerConfig) -> std::io::Result<RunningServer> {
        let listener = bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0))?;
        let addr = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(run(listener, config, async move {
            let _ = rx.await;
        }));
        Ok(RunningServer {
            addr,
            stop: Some(tx),
            task,
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        match (&mut self.task).await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

/// A server on a thread of its own in the background of a synchronous program, as `gilwall
/// run` uses it while the strategies run their own runtimes and threads. Dropping it stops the
/// server and joins its thread.
///
/// One thread: on two cores a second server thread took the core of the client being measured
/// (10 000 fetches over HTTP/2 ran slower with two; BENCHMARKS.md). And a current-thread
/// runtime, not a multi-thread one with one worker: there, each answer's task woke the
/// connection's task into the worker's LIFO slot, which ran it next, so every answer was
/// written on its own (a `writev` per answer, and a read per answer on the client); here the
/// woken tasks queue in order, and the connection writes the answers that fell due together
/// in one go.
pub struct Background {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Starts a server on a free port of 127.0.0.1.
    pub fn start(config: ServerConfig) -> std::io::Result<Background> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = {
            let _entered = runtime.enter();
            bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0))?
        };
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("gilwall-server".into())
            .spawn(move || {
                // The server as a task, not `block_on`'s own future, which the runtime wakes
                // through its I/O driver (a system call) however the wake comes.
                let server = runtime.spawn(run(listener, config, async move {
                    let _ = stopped.await;
                }));
                // It only ends early if it panicked, and there is no one to tell.
                let _ = runtime.block_on(server);
            })?;
        Ok(Background {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
