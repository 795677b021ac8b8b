//! `gil` — article step 3: `run_in_executor` under CPython's GIL. A thread per task (or a pool of
//! `--workers`); fetches run free, as CPython releases the GIL around socket I/O, but CPU work
//! runs only while holding one global lock. The holder computes for one switch interval
//! (`sys.getswitchinterval()`, 5 ms by default) and then, if another thread is waiting, hands
//! the lock over — a fair hand-off, as CPython's forced switching does. Parsing the payload also
//! happens under the lock, as `json.loads` would.
//!
//! The result: real threads, but CPU work takes turns on one core — the wall again.
//!
//! Each thread is a lane; a task's timeline holds its `fetch`, a `wait-cpu` span for every wait
//! for the lock, and one `cpu` span per slice held — the GIL's hand-offs, exactly, which a
//! sampling profiler of CPython can only estimate.

use super::{PointCtx, PointRun, on_threads};
use crate::fetch::{blocking_client_with, blocking_fetch};
use crate::machine::InstantClock;
use gilwall_core::kernel::Work;
use gilwall_core::task::{self, Clock, TaskOutcome, TaskSpec};
use gilwall_core::timeline::{Lane, Span, SpanKind};
use parking_lot::{Mutex, MutexGuard};

/// Runs the point on threads that share one emulated GIL.
pub fn run(ctx: &PointCtx) -> anyhow::Result<PointRun> {
    let clock = InstantClock::new();
    let client = blocking_client_with(ctx.timeout, ctx.http2())?;
    let gil = Mutex::new(());
    let specs = ctx.specs();
    let slice = slice_iterations(ctx);
    let outcomes = on_threads(ctx.tasks(), ctx.pool(), |thread, i| {
        let spec = &specs[i as usize];
        let lane = Lane::Thread(thread);
        let start = clock.now_ms();
        let body = blocking_fetch(&client, &spec.url);
        let fetched_at_ms = clock.now_ms();
        let mut trace = Trace {
            clock: &clock,
            lane,
            spans: vec![Span::new(SpanKind::Fetch, lane, start, fetched_at_ms)],
        };
        match body {
            Err(e) => {
                TaskOutcome::fetch_failed(spec, e, Some(fetched_at_ms)).with_spans(trace.spans)
            }
            Ok(body) => {
                let (computed, spans) = compute_holding(&gil, &clock, lane, &body, spec, slice);
                trace.spans.extend(spans);
                TaskOutcome::computed(i, Some(fetched_at_ms), computed).with_spans(trace.spans)
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
    slice_for(ctx.switch_interval, ctx.plan.iters_per_ms)
}

/// Iterations that take `switch_interval` at `iters_per_ms` (at least 1).
pub(crate) fn slice_for(switch_interval: std::time::Duration, iters_per_ms: f64) -> u64 {
    ((switch_interval.as_secs_f64() * 1000.0 * iters_per_ms) as u64).max(1)
}

/// A task's CPU half under the emulated GIL `gil`, timed, with its spans on `lane`: wait for
/// the lock, then compute in slices of `slice` iterations, offering the lock after each. What
/// this strategy's threads run, and what `gilwall app --strategy gil` runs per request.
pub(crate) fn compute_holding(
    gil: &Mutex<()>,
    clock: &InstantClock,
    lane: Lane,
    body: &[u8],
    spec: &TaskSpec,
    slice: u64,
) -> (task::Computed, Vec<Span>) {
    let mut trace = Trace {
        clock,
        lane,
        spans: Vec::new(),
    };
    // Wall time includes the wait for the lock; the thread's CPU clock does not.
    let computed = task::timed(clock, || {
        let asked = clock.now_ms();
        let mut guard = gil.lock();
        trace.waited(asked);
        compute_under_gil(&mut guard, body, spec, slice, &mut trace)
    });
    (computed, trace.spans)
}

/// One task's spans as its thread records them, on the repeat's clock.
struct Trace<'c> {
    clock: &'c InstantClock,
    lane: Lane,
    spans: Vec<Span>,
}

impl Trace<'_> {
    /// Records a wait for the lock that began at `since` and ended now; returns now, when
    /// holding it began. A hand-off nobody was waiting for takes a microsecond or so: that is
    /// no wait, and a span for it would only clutter the trace.
    fn waited(&mut self, since: f64) -> f64 {
        let now = self.clock.now_ms();
        if now - since > 0.01 {
            self.add(SpanKind::WaitCpu, since, now);
        }
        now
    }

    fn add(&mut self, kind: SpanKind, start: f64, end: f64) {
        self.spans.push(Span::new(kind, self.lane, start, end));
    }
}

/// Runs the task's kernel in slices, offering the lock to a waiting thread after each, and
/// records each slice held as a `cpu` span and each wait to get it back as `wait-cpu`.
fn compute_under_gil(
    guard: &mut MutexGuard<'_, ()>,
    body: &[u8],
    spec: &TaskSpec,
    slice: u64,
    trace: &mut Trace<'_>,
) -> Result<u64, String> {
    // The first slice holds the lock from here: parsing, as `json.loads`, is under it too.
    let mut held_since = trace.clock.now_ms();
    let work = gilwall_core::task::check_json(body, spec.kernel)
        .and_then(|()| Work::new(spec.kernel, body, spec.index as u64).map_err(|e| e.to_string()));
    let mut work = match work {
        Ok(w) => w,
        Err(e) => {
            trace.add(SpanKind::Cpu, held_since, trace.clock.now_ms());
            return Err(e);
        }
    };
    let mut left = spec.iterations;
    loop {
        let n = left.min(slice);
        work.step(n);
        left -= n;
        let released = trace.clock.now_ms();
        trace.add(SpanKind::Cpu, held_since, released);
        if left == 0 {
            break;
        }
        // CPython's eval loop: the switch interval is up; if another thread has asked for the
        // GIL, give it up fairly and queue for it again.
        MutexGuard::bump(guard);
        held_since = trace.waited(released);
    }
    Ok(work.finish())
}
