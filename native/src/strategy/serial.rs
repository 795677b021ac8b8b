//! `serial` — article step 1: `requests.get` in a loop. One thread fetches, computes, and only
//! then starts the next task, so the makespan is N·(io + cpu).

use super::{PointCtx, PointRun, failed};
use crate::fetch::{blocking_client_with, blocking_fetch};
use crate::machine::{InstantClock, thread_cpu_ms};
use gilwall_core::task::{Clock, TaskOutcome, compute};

/// Runs the point serially.
pub fn run(ctx: &PointCtx) -> anyhow::Result<PointRun> {
    let clock = InstantClock::new();
    let client = blocking_client_with(ctx.timeout, ctx.http2)?;
    let outcomes = ctx
        .specs()
        .iter()
        .map(|spec| blocking_task(&client, &clock, spec))
        .collect();
    Ok(PointRun {
        makespan_ms: clock.now_ms(),
        outcomes,
        copies: Vec::new(),
    })
}

/// One task with a blocking fetch: the article's `prepare_feature_batch_serial`. Shared by the
/// strategies whose tasks block a thread (serial, threads, and the worker processes).
pub(crate) fn blocking_task(
    client: &reqwest::blocking::Client,
    clock: &InstantClock,
    spec: &gilwall_core::task::TaskSpec,
) -> TaskOutcome {
    let body = blocking_fetch(client, &spec.url);
    let fetched_at_ms = clock.now_ms();
    match body {
        Err(e) => failed(
            spec.index,
            format!("fetch {} failed: {e}", spec.url),
            fetched_at_ms,
        ),
        Ok(body) => {
            let cpu0 = thread_cpu_ms();
            let result = compute(&body, spec);
            TaskOutcome {
                index: spec.index,
                result,
                fetched_at_ms,
                cpu_ms: clock.now_ms() - fetched_at_ms,
                cpu_time_ms: Some(thread_cpu_ms() - cpu0),
            }
        }
    }
}
