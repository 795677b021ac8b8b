//! The native strategies: one module each, each running one point (N tasks) and timing it.
//!
//! | module        | article step                                        |
//! |---------------|-----------------------------------------------------|
//! | `serial`      | 1. `requests.get` in a loop                         |
//! | `async_`      | 2–3. `asyncio.gather` on one event loop             |
//! | `gil`         | 3. `run_in_executor` under the GIL                  |
//! | `threads`     | 5. `ThreadPoolExecutor` on free-threaded 3.13t      |
//! | `processes`   | 4. `ProcessPoolExecutor`                            |
//! | `multicore`   | Go's goroutines                                     |
//! | `async_rayon` | beyond the article: async I/O, CPU on a pool        |
//!
//! Each strategy times everything it sets up per run — its runtime, pool, processes and HTTP
//! client — as the article's Python does (`asyncio.run`, `ProcessPoolExecutor(...)` per call).

mod async_;
mod async_rayon;
pub(crate) mod gil;
mod multicore;
pub mod processes;
mod serial;
mod threads;

use gilwall_core::sweep::{Plan, PointPlan};
use gilwall_core::task::{TaskOutcome, TaskSpec};
use gilwall_core::{StrategyId, Transport};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// Everything a strategy needs to run one repeat of a point: core's plan of it, and what only
/// the native runtime decides.
#[derive(Debug, Clone)]
pub struct PointCtx {
    /// The sweep's plan: the server's URL, the kernel, its iterations, the cores.
    pub plan: Arc<Plan>,
    /// The point: the strategy, N and the pool.
    pub point: PointPlan,
    /// The gil strategy's switch interval (CPython's `sys.getswitchinterval()`, 5 ms).
    pub switch_interval: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
    /// The `gilwall` binary, for the processes strategy's workers.
    pub worker_exe: PathBuf,
    /// The HTTP version this point's fetches speak (chosen by the sweep for N, or forced).
    pub transport: Transport,
}

impl PointCtx {
    /// Number of tasks, N.
    pub fn tasks(&self) -> u32 {
        self.point.tasks
    }

    /// Pool size for the strategies with a pool (threads, gil, processes).
    pub fn pool(&self) -> u32 {
        self.point.pool
    }

    /// Cores to use (tokio workers, rayon threads).
    pub fn cores(&self) -> u32 {
        self.plan.cores
    }

    /// Whether to speak HTTP/2 to the server (h2c prior knowledge), multiplexing requests.
    pub fn http2(&self) -> bool {
        self.transport == Transport::Http2
    }

    /// HTTP/2 connections the async clients open.
    pub fn http2_connections(&self) -> usize {
        crate::fetch::HTTP2_CONNECTIONS
    }

    /// The specs of this point's tasks.
    pub fn specs(&self) -> Vec<TaskSpec> {
        self.plan.tasks(&self.point)
    }

    /// The spec of task `index`.
    pub fn spec(&self, index: u32) -> TaskSpec {
        self.plan.task(index)
    }
}

/// One timed run of a point.
#[derive(Debug, Clone)]
pub struct PointRun {
    /// Wall time from the start of the strategy's set-up to the last task's end, in ms.
    pub makespan_ms: f64,
    /// Every task's outcome, in task order, with what it copied between processes where the
    /// strategy crosses them.
    pub outcomes: Vec<TaskOutcome>,
}

/// Runs `strategy` once for `ctx`.
pub fn run(strategy: StrategyId, ctx: &PointCtx) -> anyhow::Result<PointRun> {
    let mut run = match strategy {
        StrategyId::Serial => serial::run(ctx),
        StrategyId::Async => async_::run(ctx),
        StrategyId::Gil => gil::run(ctx),
        StrategyId::Threads => threads::run(ctx),
        StrategyId::Processes => processes::run(ctx),
        StrategyId::Multicore => multicore::run(ctx),
        StrategyId::AsyncRayon => async_rayon::run(ctx),
        other => anyhow::bail!("{other} runs only in the browser; see `cargo xtask serve`"),
    }?;
    run.outcomes.sort_by_key(|o| o.index);
    Ok(run)
}

/// Runs `body(thread, index)` for every task on `pool` OS threads (numbered from 0, the lane
/// the task's spans go on), each taking the next task index as it finishes one (a thread per
/// task when the pool is as large as N). Shared by the thread-based strategies.
pub(crate) fn on_threads<F>(tasks: u32, pool: u32, body: F) -> Vec<TaskOutcome>
where
    F: Fn(u32, u32) -> TaskOutcome + Sync,
{
    let next = AtomicU32::new(0);
    let mut outcomes = Vec::with_capacity(tasks as usize);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..pool.clamp(1, tasks.max(1)))
            .map(|thread| {
                let body = &body;
                let next = &next;
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        if index >= tasks {
                            break mine;
                        }
                        mine.push(body(thread, index));
                    }
                })
            })
            .collect();
        for h in handles {
            // A panicking task body is a bug in gilwall; re-raise it where it is visible.
            outcomes.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
    });
    outcomes
}
