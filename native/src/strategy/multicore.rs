//! `multicore` — the article's Go version: goroutines on every core. A tokio multi-thread runtime
//! with one worker per core runs each task (core's task body) as its own spawned task; fetches
//! overlap and CPU work runs on every core at once. Unlike Go, tokio does not preempt a task
//! that computes, so a worker is busy until its kernel ends — which the model accounts for.
//!
//! Each runtime worker is a lane: a thread-local set as each worker starts says which one a
//! task is on once its body is in (tokio may move a task between workers at an `await`).

use super::{PointCtx, PointRun};
use crate::fetch::AsyncFetcher;
use crate::machine::InstantClock;
use gilwall_core::task::{Clock, TaskOutcome, run_task_on};
use gilwall_core::timeline::Lane;
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

thread_local! {
    /// This thread's number among the runtime's workers, where it is one.
    static WORKER: Cell<Option<u32>> = const { Cell::new(None) };
}

/// The lane of the thread this is called on: its runtime worker, or (for a thread that is not
/// one) the task's own.
fn lane_here(task: u32) -> Lane {
    WORKER
        .with(Cell::get)
        .map_or(Lane::Task(task), Lane::RuntimeWorker)
}

/// Runs the point on a multi-thread runtime.
pub fn run(ctx: &PointCtx) -> anyhow::Result<PointRun> {
    let clock = InstantClock::new();
    let started = Arc::new(AtomicU32::new(0));
    // The workers start when the runtime is built, before any blocking thread, so they take
    // the numbers 0 to cores − 1.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(ctx.cores().max(1) as usize)
        .on_thread_start(move || {
            let k = started.fetch_add(1, Ordering::Relaxed);
            WORKER.with(|w| w.set(Some(k)));
        })
        .enable_all()
        .build()?;
    let fetcher = Arc::new(AsyncFetcher::with_connections(
        ctx.timeout,
        ctx.http2(),
        ctx.http2_connections(),
    )?);
    let outcomes = runtime.block_on(async {
        let handles: Vec<_> = ctx
            .specs()
            .into_iter()
            .map(|spec| {
                let fetcher = fetcher.clone();
                tokio::spawn(async move {
                    let task = spec.index;
                    run_task_on(&*fetcher, &clock, &spec, || lane_here(task)).await
                })
            })
            .collect();
        let mut outcomes = Vec::with_capacity(handles.len());
        for (i, h) in handles.into_iter().enumerate() {
            outcomes.push(h.await.unwrap_or_else(|e| {
                TaskOutcome::failed(i as u32, format!("task failed: {e}"), None)
            }));
        }
        outcomes
    });
    Ok(PointRun {
        makespan_ms: clock.now_ms(),
        outcomes,
    })
}
