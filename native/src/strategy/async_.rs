//! `async` — article steps 2 and 3: `asyncio.gather` on one event loop. A tokio current-thread
//! runtime joins every task's future: the fetches overlap, so with no CPU work the makespan stays
//! at one delay however many tasks there are; but each task's kernel runs on that one thread and
//! blocks every other task while it runs, so with CPU work the makespan is io + N·cpu — the wall.
//!
//! The schedule itself is core's [`run_all_on_one_thread`](gilwall_core::task::run_all_on_one_thread),
//! the very code the browser runs, traced: every span on the one event-loop lane.

use super::{PointCtx, PointRun};
use crate::fetch::AsyncFetcher;
use crate::machine::InstantClock;
use gilwall_core::task::{Clock, run_all_on_one_thread_traced};

/// Runs the point on one thread.
pub fn run(ctx: &PointCtx) -> anyhow::Result<PointRun> {
    let clock = InstantClock::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let fetcher =
        AsyncFetcher::with_connections(ctx.timeout, ctx.http2(), ctx.http2_connections())?;
    let specs = ctx.specs();
    // The schedule runs as a task of the runtime, not as `block_on`'s own future: tokio's
    // current-thread scheduler wakes `block_on`'s future through the I/O driver (an eventfd
    // write, a system call) even from its own thread, and that future is woken for every
    // answer; a task woken on its own thread is only queued. Still the one thread.
    // The clock is `Copy`: the task takes its own, and the makespan below reads this one.
    let schedule = async move { run_all_on_one_thread_traced(&fetcher, &clock, &specs).await };
    let outcomes = runtime
        .block_on(runtime.spawn(schedule))
        .map_err(|e| anyhow::anyhow!("the async schedule failed: {e}"))?;
    Ok(PointRun {
        makespan_ms: clock.now_ms(),
        outcomes,
    })
}
