//! The task body and the single-thread `async` schedule, written once for every runtime.
//!
//! A task is the article's `prepare_feature_batch`: fetch the features, then run the CPU
//! kernel on them. The fetch and the clock are handed in by the runtime — reqwest and
//! `Instant` natively, `fetch()` and `performance.now()` in the browser — so the very same code
//! runs under tokio's current-thread runtime and under the browser's event loop.

use crate::kernel::Kernel;
use serde::{Deserialize, Serialize};
use std::future::Future;

/// A monotonic clock in milliseconds, supplied by the runtime (core reads no clock itself).
pub trait Clock {
    /// Milliseconds since an arbitrary, fixed origin.
    fn now_ms(&self) -> f64;

    /// CPU time the calling thread has used, in ms, where the runtime can tell (natively, the
    /// thread CPU clock); `None` where it cannot (the browser).
    fn thread_cpu_ms(&self) -> Option<f64> {
        None
    }
}

/// Fetches a URL and returns its body, supplied by the runtime.
pub trait Fetcher {
    /// Why a fetch failed, in words for the user.
    type Error: std::fmt::Display;

    /// Fetches `url`, failing on a transport error or a non-success status.
    ///
    /// The future need not be `Send`: the single-thread schedule never moves it across threads,
    /// which is what lets the browser's non-`Send` fetch futures use this trait.
    fn fetch(&self, url: &str) -> impl Future<Output = Result<Vec<u8>, Self::Error>>;
}

/// What one task does. Serialisable, so it can cross to a worker process or a Web Worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSpec {
    /// The task's number within its point, from 0; also the seed of its payload and noise.
    pub index: u32,
    /// The URL it fetches.
    pub url: String,
    /// The kernel it runs.
    pub kernel: Kernel,
    /// Kernel iterations.
    pub iterations: u64,
}

/// How one task went.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskOutcome {
    /// The task's number.
    pub index: u32,
    /// The kernel's checksum, or why the task failed (fetch or payload).
    pub result: Result<u64, String>,
    /// When the fetch finished, relative to the clock's origin.
    pub fetched_at_ms: f64,
    /// Wall time the kernel took.
    pub cpu_ms: f64,
    /// CPU time the kernel took, where the clock can tell.
    pub cpu_time_ms: Option<f64>,
}

/// The article's `prepare_feature_batch`: fetch, then compute. A failed fetch is reported in
/// the outcome rather than aborting the other tasks.
pub async fn run_task<F: Fetcher, C: Clock>(
    fetcher: &F,
    clock: &C,
    spec: &TaskSpec,
) -> TaskOutcome {
    let body = fetcher.fetch(&spec.url).await;
    let fetched_at_ms = clock.now_ms();
    match body {
        Err(e) => TaskOutcome {
            index: spec.index,
            result: Err(format!("fetch {} failed: {e}", spec.url)),
            fetched_at_ms,
            cpu_ms: 0.0,
            cpu_time_ms: None,
        },
        Ok(body) => {
            let cpu0 = clock.thread_cpu_ms();
            let result = compute(&body, spec);
            let cpu_time_ms = cpu0.zip(clock.thread_cpu_ms()).map(|(a, b)| b - a);
            TaskOutcome {
                index: spec.index,
                result,
                fetched_at_ms,
                cpu_ms: clock.now_ms() - fetched_at_ms,
                cpu_time_ms,
            }
        }
    }
}

/// The CPU half of a task: the kernel over a fetched body. Strategies that move CPU work
/// elsewhere (a pool, a worker, another process) call this there.
pub fn compute(body: &[u8], spec: &TaskSpec) -> Result<u64, String> {
    check_json(body, spec.kernel)?;
    spec.kernel
        .run(body, spec.index as u64, spec.iterations)
        .map_err(|e| e.to_string())
}

/// The article's `response.json()`: every fetched body must be JSON. The `features` kernel
/// parses it anyway; for the `sqrt` kernel, which ignores the body, it is checked here, so a
/// malformed answer counts as a failed task whatever the kernel.
pub fn check_json(body: &[u8], kernel: Kernel) -> Result<(), String> {
    match kernel {
        Kernel::Features => Ok(()),
        Kernel::Sqrt => serde_json::from_slice::<serde::de::IgnoredAny>(body)
            .map(drop)
            .map_err(|e| format!("the fetched body is not JSON: {e}")),
    }
}

/// The single-thread `async` strategy (article steps 2 and 3, `asyncio.gather`): every task's
/// future is joined on the current executor. Fetches overlap; each task's kernel runs on this
/// one thread and blocks all the others while it runs — the wall.
pub async fn run_all_on_one_thread<F: Fetcher, C: Clock>(
    fetcher: &F,
    clock: &C,
    specs: &[TaskSpec],
) -> Vec<TaskOutcome> {
    futures::future::join_all(specs.iter().map(|s| run_task(fetcher, clock, s))).await
}

/// Clocks for core's own tests.
#[cfg(test)]
pub(crate) mod test_clocks {
    use super::Clock;
    use std::cell::Cell;

    /// A clock that advances a fixed amount per reading, so timing code is deterministic.
    pub(crate) struct Ticking(pub Cell<f64>, pub f64);

    impl Ticking {
        /// Starts at 0 and advances `step_ms` per reading.
        pub(crate) fn new(step_ms: f64) -> Ticking {
            Ticking(Cell::new(0.0), step_ms)
        }
    }

    impl Clock for Ticking {
        fn now_ms(&self) -> f64 {
            let t = self.0.get();
            self.0.set(t + self.1);
            t
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload;
    use std::cell::{Cell, RefCell};

    /// A clock the test advances by hand.
    struct ManualClock(Cell<f64>);
    impl Clock for ManualClock {
        fn now_ms(&self) -> f64 {
            self.0.get()
        }
    }

    /// Serves payloads from core's generator and records the URLs asked for; fails URLs that
    /// contain "fail".
    struct PayloadFetcher(RefCell<Vec<String>>);
    impl Fetcher for PayloadFetcher {
        type Error = String;
        async fn fetch(&self, url: &str) -> Result<Vec<u8>, String> {
            self.0.borrow_mut().push(url.to_string());
            if url.contains("fail") {
                Err("503 busy".into())
            } else {
                Ok(payload::generate(1, 512))
            }
        }
    }

    fn spec(index: u32, url: &str, kernel: Kernel) -> TaskSpec {
        TaskSpec {
            index,
            url: url.into(),
            kernel,
            iterations: 10,
        }
    }

    #[test]
    fn all_tasks_run_and_failures_stay_local() {
        let fetcher = PayloadFetcher(RefCell::new(vec![]));
        let clock = ManualClock(Cell::new(5.0));
        let specs = [
            spec(0, "a", Kernel::Features),
            spec(1, "fail", Kernel::Features),
            spec(2, "c", Kernel::Sqrt),
        ];
        let out = futures::executor::block_on(run_all_on_one_thread(&fetcher, &clock, &specs));
        assert_eq!(out.len(), 3);
        assert_eq!(
            out[0].result,
            Ok(crate::kernel::features(&payload::generate(1, 512), 10).unwrap())
        );
        assert_eq!(
            out[1].result,
            Err("fetch fail failed: 503 busy".to_string())
        );
        assert_eq!(
            out[2].result,
            Ok(crate::kernel::sqrt_loop(crate::kernel::noise_for(2), 10).to_bits())
        );
        assert_eq!(*fetcher.0.borrow(), ["a", "fail", "c"]);
        assert!(out.iter().all(|o| o.fetched_at_ms == 5.0));
    }

    #[test]
    fn a_body_that_is_not_json_fails_the_task_for_every_kernel() {
        for kernel in Kernel::ALL {
            let err = compute(b"{\"args\": {", &spec(0, "a", kernel)).unwrap_err();
            assert!(err.contains("JSON"), "{kernel}: {err}");
        }
        assert!(compute(b"{}", &spec(0, "a", Kernel::Sqrt)).is_ok());
    }
}
