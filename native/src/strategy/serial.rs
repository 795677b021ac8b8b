//! `serial` — article step 1: `requests.get` in a loop. One thread fetches, computes, and only
//! then starts the next task, so the makespan is N·(io + cpu).

use super::{PointCtx, PointRun};
use crate::fetch::{blocking_client_with, blocking_fetch};
use crate::machine::InstantClock;
use gilwall_core::task::{Clock, TaskOutcome, TaskSpec};
use gilwall_core::timeline::{Lane, Span, SpanKind};

/// Runs the point serially.
pub fn run(ctx: &PointCtx) -> anyhow::Result<PointRun> {
    let clock = InstantClock::new();
    let client = blocking_client_with(ctx.timeout, ctx.http2())?;
    let outcomes = ctx
        .specs()
        .iter()
        .map(|spec| blocking_task(&client, &clock, spec, Lane::Serial))
        .collect();
    Ok(PointRun {
        makespan_ms: clock.now_ms(),
        outcomes,
    })
}

/// One task with a blocking fetch: the article's `prepare_feature_batch_serial`, its `fetch`
/// and `cpu` spans on `lane`. Shared by the strategies whose tasks block a thread (serial,
/// threads, and the worker processes).
pub(crate) fn blocking_task(
    client: &reqwest::blocking::Client,
    clock: &InstantClock,
    spec: &TaskSpec,
    lane: Lane,
) -> TaskOutcome {
    let start = clock.now_ms();
    let body = blocking_fetch(client, &spec.url);
    let fetched_at_ms = clock.now_ms();
    let fetch = Span::new(SpanKind::Fetch, lane, start, fetched_at_ms);
    match body {
        Err(e) => TaskOutcome::fetch_failed(spec, e, Some(fetched_at_ms)).with_spans([fetch]),
        Ok(body) => {
            let (computed, cpu) = gilwall_core::task::traced_compute(clock, lane, &body, spec);
            TaskOutcome::computed(spec.index, Some(fetched_at_ms), computed)
                .with_spans([fetch, cpu])
        }
    }
}
