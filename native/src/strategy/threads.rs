//! `threads` — article step 5: `ThreadPoolExecutor` on free-threaded Python 3.13t. A thread per
//! task (or a pool of `--workers`), each doing a blocking fetch and then its CPU work, with no
//! lock between them: the OS runs the CPU work on every core.

use super::serial::blocking_task;
use super::{PointCtx, PointRun, on_threads};
use crate::fetch::blocking_client_with;
use crate::machine::InstantClock;
use gilwall_core::task::Clock;
use gilwall_core::timeline::Lane;

/// Runs the point on plain OS threads.
pub fn run(ctx: &PointCtx) -> anyhow::Result<PointRun> {
    let clock = InstantClock::new();
    let client = blocking_client_with(ctx.timeout, ctx.http2())?;
    let specs = ctx.specs();
    let outcomes = on_threads(ctx.tasks(), ctx.pool(), |thread, i| {
        blocking_task(&client, &clock, &specs[i as usize], Lane::Thread(thread))
    });
    Ok(PointRun {
        makespan_ms: clock.now_ms(),
        outcomes,
    })
}
