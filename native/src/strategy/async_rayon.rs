//! `async-rayon` — beyond the article: keep async I/O on one thread, but send each task's CPU
//! work to a rayon pool (one thread per core) and await it. The event loop stays free to start
//! and finish fetches while the kernels run on every core — the fix without leaving async, like
//! Python's `run_in_executor` with a *process* pool, minus the copies.
//!
//! Lanes: the event loop holds the fetches; each rayon thread is a lane of its own, with a
//! task's `wait-cpu` from its body's arrival to a pool thread taking it up.

use super::{PointCtx, PointRun};
use crate::fetch::AsyncFetcher;
use crate::machine::InstantClock;
use gilwall_core::task::{Clock, Fetcher, TaskOutcome, traced_compute};
use gilwall_core::timeline::{Lane, Span, SpanKind};

/// Runs the point: async fetches on one thread, CPU on a rayon pool.
pub fn run(ctx: &PointCtx) -> anyhow::Result<PointRun> {
    let clock = InstantClock::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(ctx.cores().max(1) as usize)
        .build()?;
    let fetcher =
        AsyncFetcher::with_connections(ctx.timeout, ctx.http2(), ctx.http2_connections())?;
    let specs = ctx.specs();
    let outcomes = runtime.block_on(futures::future::join_all(specs.into_iter().map(|spec| {
        let (fetcher, pool) = (&fetcher, &pool);
        async move {
            let start = clock.now_ms();
            let body = fetcher.fetch(&spec.url).await;
            let at = clock.now_ms();
            let fetch = Span::new(SpanKind::Fetch, Lane::EventLoop, start, at);
            let fetched_at_ms = Some(at);
            let body = match body {
                Ok(b) => b,
                Err(e) => {
                    return TaskOutcome::fetch_failed(&spec, e, fetched_at_ms).with_spans([fetch]);
                }
            };
            let index = spec.index;
            let (tx, rx) = tokio::sync::oneshot::channel();
            pool.spawn(move || {
                // Every job runs on one of the pool's threads, which have an index.
                let lane = Lane::PoolThread(rayon::current_thread_index().unwrap_or(0) as u32);
                let wait = Span::new(SpanKind::WaitCpu, lane, at, clock.now_ms());
                let (computed, cpu) = traced_compute(&clock, lane, &body, &spec);
                // The receiver only goes away if the whole run was dropped; nothing to tell.
                let _ = tx.send((computed, [wait, cpu]));
            });
            match rx.await {
                Ok((computed, spans)) => TaskOutcome::computed(index, fetched_at_ms, computed)
                    .with_spans([fetch].into_iter().chain(spans)),
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
