//! `async` — article steps 2 and 3: `asyncio.gather` on one event loop. A tokio current-thread
//! runtime joins every task's future: the fetches overlap, so with no CPU work the makespan stays
//! at one delay however many tasks there are; but each task's kernel runs on that one thread and
//! blocks every other task while it runs, so with CPU work the makespan is io + N·cpu — the wall.
//!
//! The schedule itself is core's [`run_all_on_one_thread`](gilwall_core::task::run_all_on_one_thread),
//! the very code the browser runs, traced: every span on the one event-loop lane. It starts the
//! tasks a turn at a time and yields between turns, so the HTTP/2 connection's task sends each
//! turn's requests while later tasks start, as aiohttp's requests leave as each task first runs.

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
    let timeout = ctx.timeout;
    let schedule = async move {
        let _armed = arm_the_timer(timeout).await;
        run_all_on_one_thread_traced(&fetcher, &clock, &specs).await
    };
    let outcomes = runtime
        .block_on(runtime.spawn(schedule))
        .map_err(|e| anyhow::anyhow!("the async schedule failed: {e}"))?;
    Ok(PointRun {
        makespan_ms: clock.now_ms(),
        outcomes,
    })
}

/// Tells the runtime's timer of a deadline no fetch's timeout comes before, and lets its driver
/// park once so that it knows it; the guard it returns keeps the deadline registered.
///
/// Every fetch registers its timeout (`--timeout-ms`) on its first poll, and the schedule's
/// first turns start fetches before the driver has parked. tokio unparks its
/// driver (an eventfd write, a system call) for each timer registered sooner than the earliest
/// wake-up it knows of, and before any park it knows of none: one write per task, 20 084 at
/// 20 000 tasks (strace). Once it has parked with this guard's deadline, a timeout that falls
/// due after it is only queued.
async fn arm_the_timer(timeout: std::time::Duration) -> std::pin::Pin<Box<tokio::time::Sleep>> {
    let mut guard = Box::pin(tokio::time::sleep(timeout));
    // The first poll registers it (it is pending: the timeout is at least a millisecond).
    let _ = futures::poll!(guard.as_mut());
    // A yield on a current-thread runtime resumes after the driver has been polled.
    tokio::task::yield_now().await;
    guard
}
