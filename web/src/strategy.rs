//! The browser strategies: how one point's tasks are scheduled in a page.
//!
//! | id | what runs | article |
//! |---|---|---|
//! | `serial` | await each fetch, then its CPU, in turn, on the main thread | 1 |
//! | `async` | all fetches concurrent on the main thread, CPU inline there | 2–3: asyncio; the page freezes |
//! | `workers` | a pool of Web Workers, each its own wasm instance; messages copied | 4: processes |
//! | `async-workers` | fetches on the main thread, CPU sent to the worker pool | the fix without leaving async |
//! | `wasm-threads` | fetches in a driver worker, CPU on rayon's pool over shared memory | 5: free threads; one heap, nothing copied |
//!
//! The strategies that cross heaps count what they copy (each outcome's `copied`), so a report
//! shows the price of the article's pickling beside the threads that do not pay it.

use crate::browser::{WebFetcher, fetch_bytes};
use crate::pool::{Crew, Pool};
use crate::threads::{self, Driver};
use crate::trace::{self, RepeatClock};
use crate::wire::Job;
use futures::future::join_all;
use gilwall_core::strategy::{Runtime, StrategyId};
use gilwall_core::task::{self, Clock, TaskOutcome, TaskSpec};
use gilwall_core::timeline::{Lane, Span, SpanKind};
use serde::Serialize;

/// Whether this page can run `id`, and if not, why. Every browser strategy is built in; only
/// `wasm-threads` depends on the page (cross-origin isolation, SharedArrayBuffer).
pub fn support(id: StrategyId) -> Result<(), String> {
    match id {
        StrategyId::WasmThreads => threads::support(),
        id if id.info().runtimes.contains(&Runtime::Browser) => Ok(()),
        other => Err(format!(
            "{other} is a native strategy; the page does not run it"
        )),
    }
}

/// Whether `id` sends work to the worker pool (and so has a pool size).
pub fn uses_pool(id: StrategyId) -> bool {
    matches!(id, StrategyId::Workers | StrategyId::AsyncWorkers)
}

/// One strategy as the page's controls show it.
#[derive(Debug, Serialize)]
pub struct Described {
    id: &'static str,
    title: &'static str,
    article: &'static str,
    shows: &'static str,
    colour: &'static str,
    available: bool,
    /// Why the page cannot run it, when it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<String>,
}

/// Every browser strategy from core's list, with whether this page runs it and why not.
pub fn describe_all() -> Vec<Described> {
    StrategyId::for_runtime(Runtime::Browser)
        .map(|id| {
            let info = id.info();
            let why = support(id).err();
            Described {
                id: id.as_str(),
                title: info.title,
                article: info.article,
                shows: info.shows,
                colour: info.colour,
                available: why.is_none(),
                why,
            }
        })
        .collect()
}

/// Gets what a run of `id` needs ready (before the clock starts): `pool_size` workers, or the
/// wasm-threads driver with `pool_size` threads (restarted if it has another number).
pub async fn prepare(id: StrategyId, pool_size: u32) -> Result<(), String> {
    if uses_pool(id) {
        Pool::get().ensure(pool_size as usize).await?;
    }
    if id == StrategyId::WasmThreads {
        Driver::ensure(pool_size).await?;
    }
    Ok(())
}

/// Runs every task of one repeat with strategy `id` and returns their outcomes, each with its
/// spans on `clock` (the repeat's): the page's own on [`Lane::MainThread`], a Web Worker's on
/// [`Lane::WebWorker`] k, a wasm pool thread's on [`Lane::PoolThread`] k.
pub async fn run(
    id: StrategyId,
    specs: &[TaskSpec],
    pool_size: u32,
    clock: RepeatClock,
) -> Result<Vec<TaskOutcome>, String> {
    let fetcher = WebFetcher;
    match id {
        // Article step 1: one task after another; each fetch is awaited before the next starts.
        StrategyId::Serial => {
            let mut out = Vec::with_capacity(specs.len());
            for spec in specs {
                out.push(task::run_task_on(&fetcher, &clock, spec, || Lane::MainThread).await);
            }
            trace::split_at_arrival(&clock, specs, &mut out);
            Ok(out)
        }
        // Article steps 2-3: asyncio.gather. Core's schedule, unchanged, on the page's event loop:
        // fetches overlap, and each kernel blocks the main thread — and the page — while it runs.
        // The answers that came in meanwhile wait (`wait-cpu`): Resource Timing says when.
        StrategyId::Async => {
            let mut out =
                task::run_all_on_one_thread_on(&fetcher, &clock, specs, Lane::MainThread).await;
            trace::split_at_arrival(&clock, specs, &mut out);
            Ok(out)
        }
        // Article step 4: the whole task (fetch and compute) runs in a worker.
        StrategyId::Workers => {
            let crew = Crew::new(Pool::get(), pool_size as usize)?;
            let jobs = specs.iter().map(|spec| {
                let crew = &crew;
                async move {
                    let out = crew.run(Job::Task(spec.clone()), None, clock, None).await;
                    settle(spec, out)
                }
            });
            Ok(join_all(jobs).await)
        }
        // Async fetches on the main thread; each payload is copied to a worker for its CPU half.
        StrategyId::AsyncWorkers => {
            let crew = Crew::new(Pool::get(), pool_size as usize)?;
            let jobs = specs.iter().map(|spec| {
                let crew = &crew;
                async move {
                    let start = clock.now_ms();
                    let body = fetch_bytes(&spec.url).await;
                    let fetched = clock.now_ms();
                    let fetch = Span::new(SpanKind::Fetch, Lane::MainThread, start, fetched);
                    match body {
                        Err(e) => {
                            TaskOutcome::fetch_failed(spec, e, Some(fetched)).with_spans([fetch])
                        }
                        Ok(body) => {
                            let out = crew
                                .run(
                                    Job::Compute(spec.clone()),
                                    Some(&body),
                                    clock,
                                    Some(fetched),
                                )
                                .await;
                            let mut out = settle(spec, out);
                            out.fetched_at_ms = Some(fetched);
                            out.with_spans([fetch])
                        }
                    }
                }
            });
            let mut out = join_all(jobs).await;
            for o in &mut out {
                o.spans.sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms));
            }
            trace::split_at_arrival(&clock, specs, &mut out);
            Ok(out)
        }
        // Article step 5: free threads. A driver worker fetches concurrently and runs each
        // kernel on rayon's pool over shared memory; the page only awaits the reply.
        StrategyId::WasmThreads => {
            let driver = Driver::ensure(pool_size).await?;
            driver.run(specs, clock).await
        }
        other => Err(format!("the {other} strategy is not one the page runs")),
    }
}

/// A worker's answer; a worker that failed fails only its task.
fn settle(spec: &TaskSpec, out: Result<TaskOutcome, String>) -> TaskOutcome {
    out.unwrap_or_else(|e| TaskOutcome::failed(spec.index, e, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_browser_strategy_is_built_in_and_native_ones_are_refused() {
        let ids: Vec<_> = StrategyId::for_runtime(Runtime::Browser)
            .map(|s| s.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "serial",
                "async",
                "workers",
                "async-workers",
                "wasm-threads"
            ]
        );
        for id in ["serial", "async", "workers", "async-workers"] {
            assert_eq!(support(id.parse().unwrap()), Ok(()), "{id}");
        }
        let err = support(StrategyId::Gil).unwrap_err();
        assert!(err.contains("native strategy"), "{err}");
    }
}
