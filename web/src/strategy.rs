//! The browser strategies: how one point's tasks are scheduled in a page.
//!
//! | id | what runs | article |
//! |---|---|---|
//! | `serial` | await each fetch, then its CPU, in turn, on the main thread | 1 |
//! | `async` | all fetches concurrent on the main thread, CPU inline there | 2–3: asyncio; the page freezes |
//! | `workers` | a pool of Web Workers, each its own wasm instance; messages copied | 4: processes |
//! | `async-workers` | fetches on the main thread, CPU sent to the worker pool | the fix without leaving async |
//! | `wasm-threads` | shared-memory wasm threads | 5: free threads — not in this build yet |

use crate::browser::{PerfClock, WebFetcher, fetch_bytes};
use crate::pool::{Crew, Pool};
use crate::wire::{Job, WireSpec};
use futures::future::join_all;
use gilwall_core::strategy::{Runtime, StrategyId};
use gilwall_core::task::{self, TaskOutcome, TaskSpec};
use serde::Serialize;

/// Whether this build runs `id` in the browser. `wasm-threads` needs a separate shared-memory
/// build (atomics, a nightly toolchain, SharedArrayBuffer); its place is here when it lands.
pub fn is_available(id: StrategyId) -> bool {
    matches!(
        id,
        StrategyId::Serial | StrategyId::Async | StrategyId::Workers | StrategyId::AsyncWorkers
    )
}

/// The browser strategies this build runs, in the article's order.
pub fn available() -> impl Iterator<Item = StrategyId> {
    StrategyId::for_runtime(Runtime::Browser).filter(|&id| is_available(id))
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
    available: bool,
}

/// Every browser strategy from core's list, with whether this build runs it.
pub fn describe_all() -> Vec<Described> {
    StrategyId::for_runtime(Runtime::Browser)
        .map(|id| {
            let info = id.info();
            Described {
                id: id.as_str(),
                title: info.title,
                article: info.article,
                shows: info.shows,
                available: is_available(id),
            }
        })
        .collect()
}

/// Gets the pool ready for a run of `id` with `pool_size` workers (before the clock starts).
pub async fn prepare(id: StrategyId, pool_size: u32) -> Result<(), String> {
    if uses_pool(id) {
        Pool::get().ensure(pool_size as usize).await?;
    }
    Ok(())
}

/// Runs every task of one repeat with strategy `id` and returns their outcomes.
pub async fn run(
    id: StrategyId,
    specs: &[TaskSpec],
    pool_size: u32,
) -> Result<Vec<TaskOutcome>, String> {
    let (fetcher, clock) = (WebFetcher, PerfClock);
    match id {
        // Article step 1: one task after another; each fetch is awaited before the next starts.
        StrategyId::Serial => {
            let mut out = Vec::with_capacity(specs.len());
            for spec in specs {
                out.push(task::run_task(&fetcher, &clock, spec).await);
            }
            Ok(out)
        }
        // Article steps 2-3: asyncio.gather. Core's schedule, unchanged, on the page's event loop:
        // fetches overlap, and each kernel blocks the main thread — and the page — while it runs.
        StrategyId::Async => Ok(task::run_all_on_one_thread(&fetcher, &clock, specs).await),
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
        other => Err(format!(
            "the {other} strategy is not available in this build of the page"
        )),
    }
}

/// A worker's answer as core's outcome; a worker that failed fails only its task.
fn settle(spec: &TaskSpec, out: Result<crate::wire::WireOutcome, String>) -> TaskOutcome {
    match out {
        Ok(o) => o.into_outcome(),
        Err(e) => failed(spec, e),
    }
}

fn failed(spec: &TaskSpec, error: String) -> TaskOutcome {
    TaskOutcome {
        index: spec.index,
        result: Err(error),
        fetched_at_ms: f64::NAN,
        cpu_ms: 0.0,
        cpu_time_ms: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_offers_four_strategies_and_keeps_a_place_for_wasm_threads() {
        let ids: Vec<_> = available().map(|s| s.as_str()).collect();
        assert_eq!(ids, ["serial", "async", "workers", "async-workers"]);
        let all = describe_all();
        assert_eq!(all.len(), 5);
        assert!(all.iter().any(|d| d.id == "wasm-threads" && !d.available));
    }
}
