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
//! The strategies that cross heaps count what they copy ([`Done`]), so a report shows the
//! price of the article's pickling beside the threads that do not pay it.

use crate::browser::{PerfClock, WebFetcher, fetch_bytes};
use crate::pool::{Crew, Pool};
use crate::threads::{self, Driver};
use crate::wire::{Job, WireOutcome, WireSpec};
use futures::future::join_all;
use gilwall_core::strategy::{Runtime, StrategyId};
use gilwall_core::task::{self, TaskOutcome, TaskSpec};
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

/// Whether `id` runs on a pool whose size a point records: the workers, or wasm-threads' threads.
pub fn has_pool(id: StrategyId) -> bool {
    uses_pool(id) || id == StrategyId::WasmThreads
}

/// One strategy as the page's controls show it.
#[derive(Debug, Serialize)]
pub struct Described {
    id: &'static str,
    title: &'static str,
    article: &'static str,
    shows: &'static str,
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

/// One task's outcome, with what it copied between heaps where the strategy crosses them.
#[derive(Debug)]
pub struct Done {
    /// Core's outcome.
    pub outcome: TaskOutcome,
    /// Payload bytes copied between heaps and the time it took, ms; `None` where the strategy
    /// never leaves the page's heap.
    pub copied: Option<(u64, f64)>,
}

impl Done {
    fn local(outcome: TaskOutcome) -> Done {
        Done {
            outcome,
            copied: None,
        }
    }

    fn crossed(out: WireOutcome) -> Done {
        let copied = Some((out.copied_bytes, out.copy_ms));
        Done {
            outcome: out.into_outcome(),
            copied,
        }
    }
}

/// Runs every task of one repeat with strategy `id` and returns their outcomes.
pub async fn run(id: StrategyId, specs: &[TaskSpec], pool_size: u32) -> Result<Vec<Done>, String> {
    let (fetcher, clock) = (WebFetcher, PerfClock);
    match id {
        // Article step 1: one task after another; each fetch is awaited before the next starts.
        StrategyId::Serial => {
            let mut out = Vec::with_capacity(specs.len());
            for spec in specs {
                out.push(Done::local(task::run_task(&fetcher, &clock, spec).await));
            }
            Ok(out)
        }
        // Article steps 2-3: asyncio.gather. Core's schedule, unchanged, on the page's event loop:
        // fetches overlap, and each kernel blocks the main thread — and the page — while it runs.
        StrategyId::Async => Ok(task::run_all_on_one_thread(&fetcher, &clock, specs)
            .await
            .into_iter()
            .map(Done::local)
            .collect()),
        // Article step 4: the whole task (fetch and compute) runs in a worker.
        StrategyId::Workers => {
            let crew = Crew::new(Pool::get(), pool_size as usize)?;
            let jobs = specs.iter().map(|spec| {
                let crew = &crew;
                async move {
                    let out = crew.run(Job::Task(WireSpec::from(spec)), None).await;
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
                    match fetch_bytes(&spec.url).await {
                        Err(e) => failed(spec, format!("fetch {} failed: {e}", spec.url)),
                        Ok(body) => {
                            let out = crew
                                .run(Job::Compute(WireSpec::from(spec)), Some(&body))
                                .await;
                            settle(spec, out)
                        }
                    }
                }
            });
            Ok(join_all(jobs).await)
        }
        // Article step 5: free threads. A driver worker fetches concurrently and runs each
        // kernel on rayon's pool over shared memory; the page only awaits the reply.
        StrategyId::WasmThreads => {
            let driver = Driver::ensure(pool_size).await?;
            Ok(driver
                .run(specs)
                .await?
                .into_iter()
                .map(Done::crossed)
                .collect())
        }
        other => Err(format!("the {other} strategy is not one the page runs")),
    }
}

/// A worker's answer as core's outcome; a worker that failed fails only its task.
fn settle(spec: &TaskSpec, out: Result<WireOutcome, String>) -> Done {
    match out {
        Ok(o) => Done::crossed(o),
        Err(e) => failed(spec, e),
    }
}

fn failed(spec: &TaskSpec, error: String) -> Done {
    Done::local(TaskOutcome {
        index: spec.index,
        result: Err(error),
        fetched_at_ms: f64::NAN,
        cpu_ms: 0.0,
        cpu_time_ms: None,
    })
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
