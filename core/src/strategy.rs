//! Every strategy gilwall runs, native and in the browser, with the article step it mirrors.
//!
//! This list is the single source for help text, the page's controls and the model: a strategy
//! is described once here and implemented per runtime (`native/src/strategy/…`,
//! `web/src/…`).

use serde::{Deserialize, Serialize};

/// Where a strategy runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runtime {
    /// The `gilwall` command.
    Native,
    /// The demo page (wasm in a browser).
    Browser,
}

/// A strategy's identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StrategyId {
    /// Fetch then compute, one task after another (article step 1).
    Serial,
    /// All fetches concurrent on one thread, CPU inline there (steps 2 and 3: asyncio).
    Async,
    /// Threads whose CPU work holds one global lock, handed over every switch interval.
    Gil,
    /// OS threads with no shared lock (step 5: free-threaded Python).
    Threads,
    /// Child processes; inputs and results cross serialised (step 4: ProcessPoolExecutor).
    Processes,
    /// A multi-thread async runtime, CPU inline in the tasks (Go's goroutines).
    Multicore,
    /// One-thread async I/O, CPU handed to a pool of threads and awaited.
    AsyncRayon,
    /// Web Workers, each its own wasm instance, messages copied (browser step 4).
    Workers,
    /// Fetches on the main thread, CPU sent to a pool of Web Workers.
    AsyncWorkers,
    /// Shared-memory wasm threads (browser step 5).
    WasmThreads,
}

/// What the model needs to know about how a strategy schedules its tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Most tasks in flight at once; a task holds its slot from its fetch to the end of its CPU
    /// work (1 for serial, the pool size for a thread or process per task, N for async).
    pub slots: u32,
    /// Executors that run CPU work, fed in FIFO order; they share the cores fairly when there
    /// are more executors than cores (the OS time-slices threads and processes).
    pub cpu_executors: u32,
}

/// One strategy's description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrategyInfo {
    /// Its identifier.
    pub id: StrategyId,
    /// Short title for charts and tables.
    pub title: &'static str,
    /// Where it runs.
    pub runtimes: &'static [Runtime],
    /// The article step it mirrors, in words.
    pub article: &'static str,
    /// What it shows, one sentence.
    pub shows: &'static str,
    /// Whether it runs its tasks on a pool whose size (`workers`, one per task by default) a
    /// point records and the model uses.
    pub pooled: bool,
    /// Its colour on every chart, the CLI's and the page's alike (`#rrggbb`).
    pub colour: &'static str,
}

use Runtime::{Browser, Native};

/// Every strategy, in the article's order.
pub const STRATEGIES: &[StrategyInfo] = &[
    StrategyInfo {
        id: StrategyId::Serial,
        title: "serial",
        runtimes: &[Native, Browser],
        article: "1. serial requests.get",
        shows: "blocking I/O: the makespan grows with every task",
        pooled: false,
        colour: "#2ca02c",
    },
    StrategyInfo {
        id: StrategyId::Async,
        title: "async (one thread)",
        runtimes: &[Native, Browser],
        article: "2-3. asyncio.gather on one event loop",
        shows: "flat while there is no CPU work; the wall once there is",
        pooled: false,
        colour: "#9467bd",
    },
    StrategyInfo {
        id: StrategyId::Gil,
        title: "GIL threads",
        runtimes: &[Native],
        article: "3. run_in_executor under the GIL",
        shows: "threads whose CPU work takes turns on one lock: the wall again",
        pooled: true,
        colour: "#d62728",
    },
    StrategyInfo {
        id: StrategyId::Threads,
        title: "threads",
        runtimes: &[Native],
        article: "5. ThreadPoolExecutor on free-threaded 3.13t",
        shows: "real threads, one heap, no lock: past the wall",
        pooled: true,
        colour: "#1f77b4",
    },
    StrategyInfo {
        id: StrategyId::Processes,
        title: "processes",
        runtimes: &[Native],
        article: "4. ProcessPoolExecutor",
        shows: "past the wall, paying for process start-up and serialised data",
        pooled: true,
        colour: "#ff7f0e",
    },
    StrategyInfo {
        id: StrategyId::Multicore,
        title: "multicore async",
        runtimes: &[Native],
        article: "Go's goroutines",
        shows: "async on every core: what Go does natively",
        pooled: false,
        colour: "#17becf",
    },
    StrategyInfo {
        id: StrategyId::AsyncRayon,
        title: "async + CPU pool",
        runtimes: &[Native],
        article: "beyond the article: keep async I/O, send CPU to a pool",
        shows: "the fix without leaving async",
        pooled: false,
        colour: "#8c564b",
    },
    StrategyInfo {
        id: StrategyId::Workers,
        title: "Web Workers",
        runtimes: &[Browser],
        article: "4. processes, in the browser",
        shows: "separate wasm instances, messages copied: past the wall",
        pooled: true,
        colour: "#e377c2",
    },
    StrategyInfo {
        id: StrategyId::AsyncWorkers,
        title: "async + workers",
        runtimes: &[Browser],
        article: "beyond the article: fetch on the main thread, CPU in workers",
        shows: "the fix without leaving the main thread's async fetches",
        pooled: true,
        colour: "#7f7f7f",
    },
    StrategyInfo {
        id: StrategyId::WasmThreads,
        title: "wasm threads",
        runtimes: &[Browser],
        article: "5. free threads, in the browser",
        shows: "shared-memory wasm threads: one heap, no copies",
        pooled: true,
        colour: "#bcbd22",
    },
];

impl StrategyId {
    /// This strategy's description.
    pub fn info(self) -> &'static StrategyInfo {
        // Every variant has exactly one entry in STRATEGIES; a unit test checks it.
        STRATEGIES
            .iter()
            .find(|s| s.id == self)
            .expect("every strategy is described")
    }

    /// The identifier as written on the command line and in reports (`async-rayon`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            StrategyId::Serial => "serial",
            StrategyId::Async => "async",
            StrategyId::Gil => "gil",
            StrategyId::Threads => "threads",
            StrategyId::Processes => "processes",
            StrategyId::Multicore => "multicore",
            StrategyId::AsyncRayon => "async-rayon",
            StrategyId::Workers => "workers",
            StrategyId::AsyncWorkers => "async-workers",
            StrategyId::WasmThreads => "wasm-threads",
        }
    }

    /// The strategies a runtime offers, in the article's order.
    pub fn for_runtime(runtime: Runtime) -> impl Iterator<Item = StrategyId> {
        STRATEGIES
            .iter()
            .filter(move |s| s.runtimes.contains(&runtime))
            .map(|s| s.id)
    }

    /// How the strategy schedules `tasks` tasks with a pool of `pool` on `cores` cores.
    pub fn schedule(self, tasks: u32, pool: u32, cores: u32) -> Schedule {
        let n = tasks.max(1);
        let pool = pool.clamp(1, n);
        let cores = cores.max(1);
        let (slots, cpu_executors) = match self {
            StrategyId::Serial => (1, 1),
            // One thread runs every task's CPU work; under the GIL only the holder computes.
            StrategyId::Async => (n, 1),
            StrategyId::Gil => (pool, 1),
            // A thread or process per task (or per pool worker), time-sliced by the OS.
            StrategyId::Threads | StrategyId::Processes | StrategyId::Workers => (pool, pool),
            // Tokio's multi-thread runtime has one worker thread per core.
            StrategyId::Multicore => (n, cores),
            // Rayon's pool has one thread per core.
            StrategyId::AsyncRayon => (n, cores),
            StrategyId::AsyncWorkers | StrategyId::WasmThreads => (n, pool),
        };
        Schedule {
            slots,
            cpu_executors,
        }
    }
}

impl std::fmt::Display for StrategyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for StrategyId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        STRATEGIES
            .iter()
            .map(|i| i.id)
            .find(|id| id.as_str() == s)
            .ok_or_else(|| {
                let all: Vec<_> = STRATEGIES.iter().map(|i| i.id.as_str()).collect();
                format!(
                    "unknown strategy {s:?}; expected one of: {}",
                    all.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_strategy_is_described_once_and_round_trips() {
        for info in STRATEGIES {
            assert_eq!(STRATEGIES.iter().filter(|s| s.id == info.id).count(), 1);
            assert_eq!(info.id.as_str().parse::<StrategyId>().unwrap(), info.id);
            let json = serde_json::to_string(&info.id).unwrap();
            assert_eq!(json, format!("\"{}\"", info.id.as_str()));
            assert!(!info.runtimes.is_empty());
            assert!(
                info.colour.len() == 7
                    && info.colour.starts_with('#')
                    && info.colour[1..].chars().all(|c| c.is_ascii_hexdigit()),
                "{}: {}",
                info.id,
                info.colour
            );
            assert_eq!(
                STRATEGIES
                    .iter()
                    .filter(|s| s.colour == info.colour)
                    .count(),
                1,
                "{} shares its colour",
                info.id
            );
        }
        assert_eq!(STRATEGIES.len(), 10);
        assert!(
            "nope"
                .parse::<StrategyId>()
                .unwrap_err()
                .contains("expected one of: serial")
        );
    }

    #[test]
    fn a_strategy_is_pooled_exactly_when_its_schedule_depends_on_the_pool() {
        for info in STRATEGIES {
            let one = info.id.schedule(8, 1, 2);
            let eight = info.id.schedule(8, 8, 2);
            assert_eq!(info.pooled, one != eight, "{}", info.id);
        }
    }

    #[test]
    fn native_and_browser_lists_follow_the_design() {
        let native: Vec<_> = StrategyId::for_runtime(Runtime::Native)
            .map(|s| s.as_str())
            .collect();
        assert_eq!(
            native,
            [
                "serial",
                "async",
                "gil",
                "threads",
                "processes",
                "multicore",
                "async-rayon"
            ]
        );
        let browser: Vec<_> = StrategyId::for_runtime(Runtime::Browser)
            .map(|s| s.as_str())
            .collect();
        assert_eq!(
            browser,
            [
                "serial",
                "async",
                "workers",
                "async-workers",
                "wasm-threads"
            ]
        );
    }
}
