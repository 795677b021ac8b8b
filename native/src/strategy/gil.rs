//! `gil` — article step 3: `run_in_executor` under CPython's GIL. A thread per task (or a pool of
//! `--workers`); fetches run free, as CPython releases the GIL around socket I/O, but CPU work
//! runs only while holding one global lock. The holder computes for one switch interval
//! (`sys.getswitchinterval()`, 5 ms by default) and then, if another thread is waiting, hands
//! the lock over — a fair hand-off, as CPython's forced switching does. Parsing the payload also
//! happens under the lock, as `json.loads` would.
//!
//! The result: real threads, but CPU work takes turns on one core — the wall again.

use super::{PointCtx, PointRun, on_threads};
use crate::fetch::{blocking_client_with, blocking_fetch};
use crate::machine::InstantClock;
use gilwall_core::kernel::Work;
use gilwall_core::task::{self, Clock, TaskOutcome, TaskSpec};
use parking_lot::{Mutex, MutexGuard};

/// Runs the point on threads that share one emulated GIL.
pub fn run(ctx: &PointCtx) -> anyhow::Result<PointRun> {
    let clock = InstantClock::new();
    let client = blocking_client_with(ctx.timeout, ctx.http2())?;
    let gil = Mutex::new(());
    let specs = ctx.specs();
    let slice = slice_iterations(ctx);
    let outcomes = on_threads(ctx.tasks(), ctx.pool(), |i| {
        let spec = &specs[i as usize];
        let body = blocking_fetch(&client, &spec.url);
        let fetched_at_ms = Some(clock.now_ms());
        match body {
            Err(e) => TaskOutcome::fetch_failed(spec, e, fetched_at_ms),
            Ok(body) => {
                // Wall time includes the wait for the lock; the thread's CPU clock does not.
                let computed = task::timed(&clock, || {
                    let mut guard = gil.lock();
                    compute_under_gil(&mut guard, &body, spec, slice)
                });
                TaskOutcome::computed(i, fetched_at_ms, computed)
            }
        }
    });
    Ok(PointRun {
        makespan_ms: clock.now_ms(),
        outcomes,
    })
}

/// Iterations that take one switch interval here (at least 1).
fn slice_iterations(ctx: &PointCtx) -> u64 {
    ((ctx.switch_interval.as_secs_f64() * 1000.0 * ctx.plan.iters_per_ms) as u64).max(1)
}

/// Runs the task's kernel in slices, offering the lock to a waiting thread after each.
fn compute_under_gil(
    guard: &mut MutexGuard<'_, ()>,
    body: &[u8],
    spec: &TaskSpec,
    slice: u64,
) -> Result<u64, String> {
    gilwall_core::task::check_json(body, spec.kernel)?;
    let mut work = Work::new(spec.kernel, body, spec.index as u64).map_err(|e| e.to_string())?;
    let mut left = spec.iterations;
    while left > 0 {
        let n = left.min(slice);
        work.step(n);
        left -= n;
        if left > 0 {
            // CPython's eval loop: the switch interval is up; if another thread has asked for
            // the GIL, give it up fairly and queue for it again.
            MutexGuard::bump(guard);
        }
    }
    Ok(work.finish())
}
