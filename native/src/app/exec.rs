//! How each app strategy runs one request: the article's task body (fetch → kernel) from core,
//! scheduled the way the deployment it mirrors schedules it.
//!
//! - `async` and each `processes` worker: core's [`run_task`] inline in the handler, on a
//!   current-thread runtime: FastAPI's `async def` doing CPU work. The kernel holds the one
//!   event loop, and every other request — its fetch's answer, even its accept — waits.
//! - `multicore`: Go's net/http, a goroutine per request on a runtime with a thread per core.
//!   The fetch is awaited in the handler and the kernel runs inside
//!   [`tokio::task::block_in_place`], which hands the worker's other tasks to a fresh thread
//!   while the kernel runs — as Go's scheduler hands a busy thread's goroutines to another and
//!   preempts a long one, so every request computing shares the cores. Run inline instead, a
//!   kernel strands the tasks queued on its worker (tokio steals from a busy worker only when
//!   the other is idle, and never its next-up slot): measured here at half of capacity, p50
//!   1.2× and p99 1.5× what a shared queue gives, as if each core had a queue of its own.
//! - `threads` and `gil`: a pool of OS threads fed through a queue, each doing a blocking fetch
//!   and then the kernel — gunicorn's threaded workers; under `gil` the kernel runs in slices
//!   holding one lock handed over every switch interval, as CPython's GIL is
//!   ([`crate::strategy::gil`]).
//! - `async-rayon`: the fetch on the event loop, the kernel sent to a rayon pool of one thread
//!   per core and awaited — `loop.run_in_executor(pool, …)`.

use super::AppConfig;
use crate::fetch::AsyncFetcher;
use crate::machine::InstantClock;
use anyhow::Result;
use gilwall_core::StrategyId;
use gilwall_core::task::{Fetcher, TaskOutcome, TaskSpec, run_task, timed_compute};
use gilwall_core::timeline::Lane;
use parking_lot::Mutex;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

/// One request handed to a pool thread, and where its outcome goes.
pub(super) struct Job {
    spec: TaskSpec,
    reply: tokio::sync::oneshot::Sender<TaskOutcome>,
}

/// A strategy's executor, shared by every request.
pub(super) enum Exec {
    /// Fetch and compute in the handler, on whatever runtime serves it.
    Inline(AsyncFetcher),
    /// Fetch in the handler, compute there too but with the worker's other tasks handed on
    /// (multi-thread runtime only).
    HandOff(AsyncFetcher),
    /// A pool of threads doing blocking fetches and the kernel (under a GIL or not).
    Pool(mpsc::Sender<Job>),
    /// Fetch in the handler, compute on a rayon pool.
    Rayon(AsyncFetcher, rayon::ThreadPool),
}

impl Exec {
    /// Starts what `config`'s strategy needs (its threads, its pool).
    pub(super) fn start(config: &AppConfig) -> Result<Exec> {
        let timeout = Duration::from_millis(config.timeout_ms);
        Ok(match config.strategy {
            StrategyId::Threads | StrategyId::Gil => {
                let (tx, rx) = mpsc::channel::<Job>();
                let rx = Arc::new(Mutex::new(rx));
                let gil = (config.strategy == StrategyId::Gil).then(|| Arc::new(Mutex::new(())));
                let iters_per_ms = config.calibration.map_or(1.0, |c| c.iters_per_ms);
                let slice = crate::strategy::gil::slice_for(
                    Duration::from_secs_f64(config.switch_interval_ms / 1000.0),
                    iters_per_ms,
                );
                for k in 0..config.workers {
                    let (rx, gil) = (rx.clone(), gil.clone());
                    std::thread::Builder::new()
                        .name(format!("gilwall-app-{k}"))
                        .spawn(move || pool_thread(k, &rx, gil.as_deref(), slice, timeout))?;
                }
                Exec::Pool(tx)
            }
            StrategyId::AsyncRayon => Exec::Rayon(
                AsyncFetcher::new(timeout)?,
                rayon::ThreadPoolBuilder::new()
                    .num_threads(crate::machine::cores() as usize)
                    .thread_name(|k| format!("gilwall-app-rayon-{k}"))
                    .build()?,
            ),
            StrategyId::Multicore => Exec::HandOff(AsyncFetcher::new(timeout)?),
            _ => Exec::Inline(AsyncFetcher::new(timeout)?),
        })
    }

    /// Runs one request's task: fetch, then the kernel.
    pub(super) async fn run(&self, spec: TaskSpec) -> TaskOutcome {
        let clock = InstantClock::new();
        match self {
            Exec::Inline(fetcher) => run_task(fetcher, &clock, &spec).await,
            Exec::HandOff(fetcher) => {
                let body = match fetcher.fetch(&spec.url).await {
                    Ok(b) => b,
                    Err(e) => return TaskOutcome::fetch_failed(&spec, e, None),
                };
                // `serve` builds the multi-thread runtime for `multicore`, the only strategy
                // with this executor, and block_in_place needs one. Without CPU work there is
                // nothing to hand the worker's tasks on for, and the hand-off costs a thread
                // switch per request.
                let computed = if spec.iterations == 0 {
                    timed_compute(&clock, &body, &spec)
                } else {
                    tokio::task::block_in_place(|| timed_compute(&clock, &body, &spec))
                };
                TaskOutcome::computed(spec.index, None, computed)
            }
            Exec::Pool(tx) => {
                let index = spec.index;
                let (reply, outcome) = tokio::sync::oneshot::channel();
                if tx.send(Job { spec, reply }).is_err() {
                    return TaskOutcome::failed(index, "the app's threads are gone".into(), None);
                }
                outcome.await.unwrap_or_else(|_| {
                    TaskOutcome::failed(
                        index,
                        "a thread of the app dropped the request".into(),
                        None,
                    )
                })
            }
            Exec::Rayon(fetcher, pool) => {
                let body = match fetcher.fetch(&spec.url).await {
                    Ok(b) => b,
                    Err(e) => return TaskOutcome::fetch_failed(&spec, e, None),
                };
                let index = spec.index;
                let (tx, rx) = tokio::sync::oneshot::channel();
                pool.spawn(move || {
                    // The receiver is gone only if the client hung up; nothing to tell then.
                    let _ = tx.send(timed_compute(&clock, &body, &spec));
                });
                match rx.await {
                    Ok(computed) => TaskOutcome::computed(index, None, computed),
                    Err(_) => {
                        TaskOutcome::failed(index, "the CPU pool dropped the task".into(), None)
                    }
                }
            }
        }
    }
}

/// One pool thread: take the next request, fetch, blocking this thread (the GIL is released
/// around socket I/O), compute — under the GIL where there is one — and answer.
fn pool_thread(
    k: u32,
    rx: &Mutex<mpsc::Receiver<Job>>,
    gil: Option<&Mutex<()>>,
    slice: u64,
    timeout: Duration,
) {
    // The fetch blocks this thread, as `requests.get` blocks a Python thread: the thread's own
    // one-thread runtime waits in the kernel for the answer, so the answer wakes this thread
    // directly. reqwest's blocking client would hand every request to a runtime thread of its
    // own and back — two more wake-ups, each waiting behind the kernels on busy cores (at half
    // of capacity, `threads`' median was 1.26–1.41× the model with it).
    let blocking = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| Ok((runtime, AsyncFetcher::new(timeout)?)));
    let (runtime, fetcher) = match blocking {
        Ok(both) => both,
        Err(e) => {
            eprintln!("error: the app's thread {k} cannot build its HTTP client: {e:#}");
            return;
        }
    };
    let clock = InstantClock::new();
    loop {
        // Hold the queue's lock only to take one job; the channel closes with the app.
        let job = rx.lock().recv();
        let Ok(Job { spec, reply }) = job else { return };
        let outcome = match runtime.block_on(fetcher.fetch(&spec.url)) {
            Err(e) => TaskOutcome::fetch_failed(&spec, e, None),
            Ok(body) => {
                let computed = match gil {
                    Some(gil) => {
                        crate::strategy::gil::compute_holding(
                            gil,
                            &clock,
                            Lane::Thread(k),
                            &body,
                            &spec,
                            slice,
                        )
                        .0
                    }
                    None => timed_compute(&clock, &body, &spec),
                };
                TaskOutcome::computed(spec.index, None, computed)
            }
        };
        // The handler is gone only if its client hung up.
        let _ = reply.send(outcome);
    }
}
