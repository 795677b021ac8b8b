//! `async-rayon` — beyond the article: keep async I/O on one thread, but send each task's CPU
//! work to a rayon pool (one thread per core) and await it. The event loop stays free to start
//! and finish fetches while the kernels run on every core — the fix without leaving async, like
//! Python's `run_in_executor` with a *process* pool, minus the copies.

use super::{PointCtx, PointRun};
use crate::fetch::AsyncFetcher;
use crate::machine::InstantClock;
use gilwall_core::task::{Clock, Fetcher, TaskOutcome, timed_compute};

/// Runs the point: async fetches on one thread, CPU on a rayon pool.
pub fn run(ctx: &PointCtx) -> anyhow::Result<PointRun> {
    let clock = InstantClock::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(ctx.cores().max(1) as usize)
        .build()?;
    let fetcher = AsyncFetcher::with_http2(ctx.timeout, ctx.http2())?;
    let specs = ctx.specs();
    let outcomes = runtime.block_on(futures::future::join_all(specs.into_iter().map(|spec| {
        let (fetcher, pool) = (&fetcher, &pool);
        async move {
            let body = fetcher.fetch(&spec.url).await;
            let fetched_at_ms = Some(clock.now_ms());
            let body = match body {
                Ok(b) => b,
                Err(e) => return TaskOutcome::fetch_failed(&spec, e, fetched_at_ms),
            };
            let index = spec.index;
            let (tx, rx) = tokio::sync::oneshot::channel();
            pool.spawn(move || {
                // The receiver only goes away if the whole run was dropped; nothing to tell.
                let _ = tx.send(timed_compute(&clock, &body, &spec));
            });
            match rx.await {
                Ok(computed) => TaskOutcome::computed(index, fetched_at_ms, computed),
                Err(_) => TaskOutcome::failed(
                    index,
                    "the CPU pool dropped the task".into(),
                    fetched_at_ms,
                ),
            }
        }
    })));
    Ok(PointRun {
        makespan_ms: clock.now_ms(),
        outcomes,
    })
}
