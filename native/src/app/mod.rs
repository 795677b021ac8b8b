//! `gilwall app`: the article's feature-serving app as a real HTTP service, one implementation
//! per strategy, each named after what Python users deploy.
//!
//! `GET /predict` fetches the request's features from the feature server, runs core's kernel on
//! them and answers JSON with the checksum and the CPU time the kernel took; `GET /healthz`
//! answers `ok`. How the work is scheduled is the strategy ([`exec`]):
//!
//! | strategy      | what Python users deploy                         | CPU executors  |
//! |---------------|--------------------------------------------------|----------------|
//! | `async`       | FastAPI `async def` doing CPU work inline        | 1 (the loop)   |
//! | `gil`         | Flask under gunicorn threads on CPython          | 1 (the GIL)    |
//! | `threads`     | the same threads on free-threaded Python         | the threads    |
//! | `processes`   | gunicorn `-w P` (async workers), one socket      | P processes    |
//! | `multicore`   | Go's net/http: every core runs handlers          | the cores      |
//! | `async-rayon` | FastAPI with `run_in_executor` to a pool         | the cores      |
//!
//! Every app bounds its queue: at most `max_in_flight` requests are admitted at once, and the
//! rest are answered 503 at once, so a load it cannot serve is refused and counted, never a
//! crash or an unbounded heap. A bad query gets 400 naming the parameter. It binds loopback
//! unless told otherwise.
//!
//! Standalone (`gilwall app`), any load tool can drive it; `gilwall load` starts it as a child
//! process on a lifeline ([`child`]).

pub mod child;
mod exec;
mod handler;
mod processes;

use crate::fetch::DEFAULT_TIMEOUT_SLACK;
use anyhow::{Context, Result};
use gilwall_core::calibrate::Calibration;
use gilwall_core::{Kernel, StrategyId};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

/// Most requests an app admits at once unless told otherwise; the rest get 503.
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 1024;

/// Longest CPU work a request may ask for with `?cpu_ms=`, ms.
pub const MAX_REQUEST_CPU_MS: f64 = 10_000.0;

/// Longest fetch delay a request may ask for with `?io_ms=`, ms (the feature server's own cap).
pub const MAX_REQUEST_IO_MS: f64 = 10_000.0;

/// What an app serves and how. It crosses to an app's child process (and to the `processes`
/// workers) whole, as one JSON line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppConfig {
    /// How requests are scheduled.
    pub strategy: StrategyId,
    /// The feature server's base URL.
    pub feature_url: String,
    /// Fetch delay per request unless the query says otherwise, ms.
    pub io_ms: f64,
    /// CPU work per request unless the query says otherwise, ms.
    pub cpu_ms: f64,
    /// The kernel.
    pub kernel: Kernel,
    /// Payload size for the `features` kernel, bytes.
    pub payload_bytes: u64,
    /// Threads (`gil`, `threads`) or processes (`processes`); ignored by the others.
    pub workers: u32,
    /// Most requests admitted at once; more get 503.
    pub max_in_flight: u32,
    /// The `gil` strategy's switch interval, ms (CPython's default: 5).
    pub switch_interval_ms: f64,
    /// How long a fetch may take, ms.
    pub timeout_ms: u64,
    /// The kernel's speed, where already measured (the `processes` workers take their
    /// parent's, so all of them do the same work per ms asked).
    #[serde(default)]
    pub calibration: Option<Calibration>,
}

impl AppConfig {
    /// An app of `strategy` fetching from `feature_url`, with the defaults of `gilwall app`.
    pub fn new(strategy: StrategyId, feature_url: String, cores: u32) -> AppConfig {
        AppConfig {
            strategy,
            feature_url,
            io_ms: 50.0,
            cpu_ms: 20.0,
            kernel: Kernel::Sqrt,
            payload_bytes: 1024,
            workers: default_workers(strategy, cores),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            switch_interval_ms: 5.0,
            timeout_ms: (MAX_REQUEST_IO_MS as u64) + DEFAULT_TIMEOUT_SLACK.as_millis() as u64,
            calibration: None,
        }
    }

    /// The pool the model should assume: its threads or processes, where it has a pool.
    pub fn pool(&self) -> Option<u32> {
        matches!(
            self.strategy,
            StrategyId::Gil | StrategyId::Threads | StrategyId::Processes
        )
        .then_some(self.workers)
    }

    /// Checks the configuration; the message names the field.
    pub fn check(&self) -> Result<(), String> {
        if !APP_STRATEGIES.contains(&self.strategy) {
            let all: Vec<&str> = APP_STRATEGIES.iter().map(|s| s.as_str()).collect();
            return Err(format!(
                "strategy {} is not an app; expected one of: {}",
                self.strategy,
                all.join(", ")
            ));
        }
        if !(0.0..=MAX_REQUEST_IO_MS).contains(&self.io_ms) {
            return Err(format!(
                "io_ms must be from 0 to {MAX_REQUEST_IO_MS}, got {}",
                self.io_ms
            ));
        }
        if !(0.0..=MAX_REQUEST_CPU_MS).contains(&self.cpu_ms) {
            return Err(format!(
                "cpu_ms must be from 0 to {MAX_REQUEST_CPU_MS}, got {}",
                self.cpu_ms
            ));
        }
        if !(1..=4096).contains(&self.workers) {
            return Err(format!(
                "workers must be from 1 to 4096, got {}",
                self.workers
            ));
        }
        if !(1..=1_000_000).contains(&self.max_in_flight) {
            return Err(format!(
                "max_in_flight must be from 1 to 1000000, got {}",
                self.max_in_flight
            ));
        }
        Ok(())
    }
}

/// The strategies `gilwall app` serves, in the article's order.
pub const APP_STRATEGIES: &[StrategyId] = &[
    StrategyId::Async,
    StrategyId::Gil,
    StrategyId::Threads,
    StrategyId::Processes,
    StrategyId::Multicore,
    StrategyId::AsyncRayon,
];

/// The pool an app of `strategy` gets unless told: gunicorn's usual 32 threads for `gil` and
/// `threads`, one process per core for `processes`.
pub fn default_workers(strategy: StrategyId, cores: u32) -> u32 {
    match strategy {
        StrategyId::Processes => cores.max(1),
        _ => 32,
    }
}

/// Binds `addr` for an app, with the feature server's backlog so a burst of connects is not
/// left to TCP's one-second retry. With `reuse_port`, other sockets (the `processes` workers)
/// may bind the same port, and the kernel spreads new connections over them.
pub fn bind(addr: SocketAddr, reuse_port: bool) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    // socket2 rather than tokio's `TcpSocket`: this runs before any runtime exists (the
    // runtime depends on the strategy), and tokio's socket needs one to listen.
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.bind(&addr.into())?;
    socket.listen(crate::server::BACKLOG as i32)?;
    Ok(socket.into())
}

/// Serves `config` on `listener` until `shutdown` completes: calibrates the kernel (unless the
/// configuration carries a calibration), builds the runtime and the executors the strategy
/// needs, and serves. `processes` starts its worker processes here and waits on them.
///
/// `ready` is called once the app answers, with the calibration it uses.
pub fn serve(
    mut config: AppConfig,
    listener: std::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    ready: impl FnOnce(&Calibration),
) -> Result<()> {
    config.check().map_err(anyhow::Error::msg)?;
    let calibration = match config.calibration {
        Some(c) => c,
        None => {
            let body = gilwall_core::payload::generate(0, config.payload_bytes as usize);
            gilwall_core::calibrate::calibrate(
                config.kernel,
                &body,
                &ThreadCpuClock,
                crate::sweep::CALIBRATION_BUDGET_MS,
            )
            .with_context(|| format!("calibrating the {} kernel", config.kernel))?
        }
    };
    config.calibration = Some(calibration);
    if config.strategy == StrategyId::Processes {
        return processes::serve(config, listener, shutdown, ready);
    }
    let runtime = match config.strategy {
        // Go's net/http: handlers on every core.
        StrategyId::Multicore => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(crate::machine::cores() as usize)
            .thread_name("gilwall-app")
            .enable_all()
            .build()?,
        // One event loop: the CPU of `async` runs on it; the others only parse and wait there.
        _ => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?,
    };
    let exec = exec::Exec::start(&config)?;
    let result = runtime.block_on(async move {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let app = handler::router(config, calibration, exec);
        ready(&calibration);
        use axum::serve::ListenerExt;
        let listener = listener.tap_io(|tcp| {
            // Small answers go out at once; Nagle would add up to 40 ms to each.
            let _ = tcp.set_nodelay(true);
        });
        tokio::select! {
            served = axum::serve(listener, app).into_future() => served,
            () = shutdown => Ok(()),
        }
    });
    // Connections still open are dropped with the runtime; the pool threads end when their
    // channel closes.
    runtime.shutdown_timeout(Duration::from_millis(200));
    Ok(result?)
}

/// The calling thread's CPU clock as a [`Clock`]: the app calibrates on it, so `cpu_ms` means
/// CPU time even when the machine is busy at start-up (a wall clock, preempted, would count
/// fewer iterations per ms, and every request would then do less work than asked).
struct ThreadCpuClock;

impl gilwall_core::task::Clock for ThreadCpuClock {
    fn now_ms(&self) -> f64 {
        crate::machine::thread_cpu_ms()
    }
}

/// The shutdown signals of a standalone app: SIGINT or SIGTERM.
pub async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(mut int), Ok(mut term)) => {
            tokio::select! {
                _ = int.recv() => {},
                _ = term.recv() => {},
            }
        }
        // Without signal handlers the default actions end the process, which is what a user
        // asked for anyway.
        _ => std::future::pending().await,
    }
}
