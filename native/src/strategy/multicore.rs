//! `multicore` — the article's Go version: goroutines on every core. A tokio multi-thread runtime
//! with one worker per core runs each task (core's task body) as its own spawned task; fetches
//! overlap and CPU work runs on every core at once. Unlike Go, tokio does not preempt a task
//! that computes, so a worker is busy until its kernel ends — which the model accounts for.

use super::{PointCtx, PointRun};
use crate::fetch::AsyncFetcher;
use crate::machine::InstantClock;
use gilwall_core::task::{Clock, TaskOutcome, run_task};
use std::sync::Arc;

/// Runs the point on a multi-thread runtime.
pub fn run(ctx: &PointCtx) -> anyhow::Result<PointRun> {
    let clock = InstantClock::new();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(ctx.cores().max(1) as usize)
        .enable_all()
        .build()?;
    let fetcher = Arc::new(AsyncFetcher::with_http2(ctx.timeout, ctx.http2())?);
    let outcomes = runtime.block_on(async {
        let handles: Vec<_> = ctx
            .specs()
            .into_iter()
            .map(|spec| {
                let fetcher = fetcher.clone();
                tokio::spawn(async move { run_task(&*fetcher, &clock, &spec).await })
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
