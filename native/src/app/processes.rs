//! `gilwall app --strategy processes`: gunicorn `-w P` — P worker processes sharing one
//! listening port, each an event loop with its CPU inline (gunicorn with async workers, as
//! FastAPI is deployed: `-k uvicorn.workers.UvicornWorker`). The parent only starts them and
//! waits; it never serves.
//!
//! The port is shared with `SO_REUSEPORT`: the parent binds it first (port 0 picks a free one),
//! each worker binds the same port, and once all of them listen the parent closes its own
//! socket, so the kernel spreads new connections over the workers alone. The spread is by
//! connection, not by request — as with gunicorn, a busy worker keeps the connections it has —
//! so the model's one queue in front of P executors is the best case.
//!
//! Each worker is a child process of this binary on a lifeline ([`super::child`]): it ends when
//! the parent does, however the parent ends.

use super::AppConfig;
use super::child::{AppChild, ChildRequest};
use anyhow::{Context, Result};
use gilwall_core::StrategyId;
use gilwall_core::calibrate::Calibration;
use std::future::Future;

/// Starts `config.workers` worker processes on `listener`'s port, calls `ready`, and waits for
/// `shutdown`; dropping the workers on the way out ends them.
pub(super) fn serve(
    config: AppConfig,
    listener: std::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    ready: impl FnOnce(&Calibration),
) -> Result<()> {
    let addr = listener.local_addr()?;
    let exe = std::env::current_exe().context("cannot find the gilwall binary for the workers")?;
    let workers = config.workers.max(1);
    let worker = AppConfig {
        strategy: StrategyId::Async,
        // The bound is the app's, shared out among its workers.
        max_in_flight: config.max_in_flight.div_ceil(workers),
        ..config.clone()
    };
    let mut children = Vec::with_capacity(workers as usize);
    for _ in 0..workers {
        children.push(AppChild::start(
            &exe,
            &ChildRequest {
                config: worker.clone(),
                addr,
                reuse_port: true,
            },
        )?);
    }
    // From here only the workers' sockets take connections.
    drop(listener);
    // `serve` filled the calibration in before calling here.
    let calibration = config.calibration.context("the app was not calibrated")?;
    ready(&calibration);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(shutdown);
    drop(children);
    Ok(())
}
