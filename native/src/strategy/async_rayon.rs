//! `async-rayon` — beyond the article: keep async I/O on one thread, but send each task's CPU
//! work to a rayon pool (one thread per core) and await it. The event loop stays free to start
//! and finish fetches while the kernels run on every core — the fix without leaving async, like
//! Python's `run_in_executor` with a *process* pool, minus the copies.

use super::{PointCtx, PointRun, failed};
use crate::fetch::AsyncFetcher;
use crate::machine::{InstantClock, thread_cpu_ms};
use gilwall_core::task::{Clock, Fetcher, TaskOutcome, compute};

/// Runs the point: async fetches on one thread, CPU on a rayon pool.
pub fn run(ctx: &PointCtx) -> anyhow::Result<PointRun> {
    let clock = InstantClock::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(ctx.cores.max(1) as usize)
        .build()?;
    let fetcher = AsyncFetcher::with_http2(ctx.timeout, ctx.http2)?;
    let specs = ctx.specs();
    let outcomes = runtime.block_on(futures::future::join_all(specs.into_iter().map(|spec| {
        let (fetcher, pool) = (&fetcher, &pool);
        async move {
            let body = fetcher.fetch(&spec.url).await;
            let fetched_at_ms = clock.now_ms();
            let body = match body {
                Ok(b) => b,
                Err(e) => {
                    return failed(
                        spec.index,
                        format!("fetch {} failed: {e}", spec.url),
                        fetched_at_ms,
                    );
                }
            };
            let index = spec.index;
            let (tx, rx) = tokio::sync::oneshot::channel();
            pool.spawn(move || {
                let cpu0 = thread_cpu_ms();
                let result = compute(&body, &spec);
                // The receiver only goes away if the whole run was dropped; nothing to tell.
                let _ = tx.send((result, thread_cpu_ms() - cpu0));
            });
            match rx.await {
                Ok((result, cpu_time)) => TaskOutcome {
                    index,
                    result,
                    fetched_at_ms,
                    cpu_ms: clock.now_ms() - fetched_at_ms,
                    cpu_time_ms: Some(cpu_time),
                },
                Err(_) => failed(index, "the CPU pool dropped the task".into(), fetched_at_ms),
            }
        }
    })));
    Ok(PointRun {
        makespan_ms: clock.now_ms(),
        outcomes,
        copies: Vec::new(),
    })
}
