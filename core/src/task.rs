//! The task body and the single-thread `async` schedule, written once for every runtime.
//!
//! A task is the article's `prepare_feature_batch`: fetch the features, then run the CPU
//! kernel on them. The fetch and the clock are handed in by the runtime — reqwest and
//! `Instant` natively, `fetch()` and `performance.now()` in the browser — so the very same code
//! runs under tokio's current-thread runtime and under the browser's event loop.

use crate::kernel::Kernel;
use crate::timeline::{Lane, PROMPT_MS, Span, SpanKind, wake_stamped};
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

/// How one task went. Serialisable, so it can cross back from a worker process or a Web Worker
/// whole; every runtime builds it with the constructors below, so a failed fetch reads the same
/// everywhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskOutcome {
    /// The task's number.
    pub index: u32,
    /// The kernel's checksum, or why the task failed (fetch or payload).
    pub result: Result<u64, String>,
    /// When the fetch finished, on the repeat's clock; `None` where the task ran on another
    /// clock (a Web Worker's has its own origin) or never got that far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at_ms: Option<f64>,
    /// Wall time from the fetched body to the kernel's result, ms (under `gil` this includes
    /// waiting for the lock).
    pub cpu_ms: f64,
    /// CPU time the kernel took on its thread's own clock, where the runtime has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_time_ms: Option<f64>,
    /// What the task copied between heaps that share no memory, for the strategies that cross
    /// them (processes, Web Workers); `None` where it stayed in one heap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copied: Option<Copied>,
    /// What the task did when and where, on the repeat's clock, for the runtimes that trace
    /// (natively and in the browser, every strategy); empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spans: Vec<Span>,
}

/// Payload bytes one task's data crossed between heaps with, and the time the copies took.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Copied {
    /// Payload bytes that crossed.
    pub bytes: u64,
    /// Time spent copying, serialising and deserialising them, ms.
    pub ms: f64,
}

/// The one wording of a failed fetch, whatever the runtime.
pub fn fetch_error(url: &str, error: impl std::fmt::Display) -> String {
    format!("fetch {url} failed: {error}")
}

impl TaskOutcome {
    /// A task that failed before its kernel ran (a fetch, a worker, a pool), saying why.
    pub fn failed(index: u32, error: String, fetched_at_ms: Option<f64>) -> TaskOutcome {
        TaskOutcome {
            index,
            result: Err(error),
            fetched_at_ms,
            cpu_ms: 0.0,
            cpu_time_ms: None,
            copied: None,
            spans: Vec::new(),
        }
    }

    /// A task whose fetch of `spec.url` failed with `error`, noticed at `at_ms`.
    pub fn fetch_failed(
        spec: &TaskSpec,
        error: impl std::fmt::Display,
        at_ms: Option<f64>,
    ) -> TaskOutcome {
        TaskOutcome::failed(spec.index, fetch_error(&spec.url, error), at_ms)
    }

    /// A task whose kernel ran (`computed`), fetched at `fetched_at_ms`.
    pub fn computed(index: u32, fetched_at_ms: Option<f64>, computed: Computed) -> TaskOutcome {
        TaskOutcome {
            index,
            result: computed.result,
            fetched_at_ms,
            cpu_ms: computed.wall_ms,
            cpu_time_ms: computed.cpu_time_ms,
            copied: None,
            spans: Vec::new(),
        }
    }

    /// The same outcome, with what the task copied between heaps.
    pub fn with_copied(mut self, copied: Copied) -> TaskOutcome {
        self.copied = Some(copied);
        self
    }

    /// The same outcome, with `spans` added to the ones it has.
    pub fn with_spans(mut self, spans: impl IntoIterator<Item = Span>) -> TaskOutcome {
        self.spans.extend(spans);
        self
    }
}

/// A timed piece of CPU work: its result, its wall time and (where the clock can tell) the CPU
/// time its thread spent.
#[derive(Debug, Clone, PartialEq)]
pub struct Computed {
    /// The kernel's checksum, or why the payload could not be used.
    pub result: Result<u64, String>,
    /// Wall time, ms.
    pub wall_ms: f64,
    /// The thread's CPU time, ms, where the clock has a thread CPU clock.
    pub cpu_time_ms: Option<f64>,
}

/// Runs `work` on this thread, timed by `clock` in wall time and thread CPU time. Every
/// strategy times its CPU half through this, wherever that half runs.
pub fn timed<C: Clock>(clock: &C, work: impl FnOnce() -> Result<u64, String>) -> Computed {
    let cpu0 = clock.thread_cpu_ms();
    let t0 = clock.now_ms();
    let result = work();
    let wall_ms = clock.now_ms() - t0;
    let cpu_time_ms = cpu0.zip(clock.thread_cpu_ms()).map(|(a, b)| b - a);
    Computed {
        result,
        wall_ms,
        cpu_time_ms,
    }
}

/// The clock a task's CPU half is timed on: `clock`, but without its thread CPU clock when the
/// task runs no kernel iterations (I/O only, the article's step 2). Its CPU half is then the
/// JSON check of a small body, microseconds, and the thread CPU clock is a system call (the
/// vDSO does not serve it): two a task were ~1.2 µs of the ~10 µs a fetch costs the `async`
/// client at 100 000 tasks. Wall time measures that check as well.
pub struct KernelClock<'a, C> {
    clock: &'a C,
    thread_cpu: bool,
}

impl<'a, C: Clock> KernelClock<'a, C> {
    /// `clock` for timing `spec`'s CPU half.
    pub fn for_task(clock: &'a C, spec: &TaskSpec) -> Self {
        KernelClock {
            clock,
            thread_cpu: spec.iterations > 0,
        }
    }
}

impl<C: Clock> Clock for KernelClock<'_, C> {
    fn now_ms(&self) -> f64 {
        self.clock.now_ms()
    }

    fn thread_cpu_ms(&self) -> Option<f64> {
        self.thread_cpu
            .then(|| self.clock.thread_cpu_ms())
            .flatten()
    }
}

/// Runs `work` like [`timed`], and also returns its `cpu` span on `lane`.
pub fn traced<C: Clock>(
    clock: &C,
    lane: Lane,
    work: impl FnOnce() -> Result<u64, String>,
) -> (Computed, Span) {
    let start = clock.now_ms();
    let computed = timed(clock, work);
    let span = Span::new(SpanKind::Cpu, lane, start, clock.now_ms());
    (computed, span)
}

/// The CPU half of a task over a fetched body, timed: what a pool thread, a worker process or a
/// Web Worker runs.
pub fn timed_compute<C: Clock>(clock: &C, body: &[u8], spec: &TaskSpec) -> Computed {
    timed(&KernelClock::for_task(clock, spec), || compute(body, spec))
}

/// [`timed_compute`], traced: also returns its `cpu` span on `lane`.
pub fn traced_compute<C: Clock>(
    clock: &C,
    lane: Lane,
    body: &[u8],
    spec: &TaskSpec,
) -> (Computed, Span) {
    traced(&KernelClock::for_task(clock, spec), lane, || {
        compute(body, spec)
    })
}

/// The article's `prepare_feature_batch`: fetch, then compute. A failed fetch is reported in
/// the outcome rather than aborting the other tasks.
pub async fn run_task<F: Fetcher, C: Clock>(
    fetcher: &F,
    clock: &C,
    spec: &TaskSpec,
) -> TaskOutcome {
    let body = fetcher.fetch(&spec.url).await;
    let fetched_at_ms = Some(clock.now_ms());
    match body {
        Err(e) => TaskOutcome::fetch_failed(spec, e, fetched_at_ms),
        Ok(body) => {
            TaskOutcome::computed(spec.index, fetched_at_ms, timed_compute(clock, &body, spec))
        }
    }
}

/// [`run_task`], traced: the outcome also carries the task's spans on `clock`, which must count
/// from the repeat's start: `fetch` while its request is out, `wait-cpu` wherever the fetch's
/// future had been woken (its answer, or part of it, was in) but its thread was busy with
/// another task's kernel and polled it only later, then `cpu`. `lane` says where the task is
/// once its body is in, since a multi-thread runtime may move a task between threads.
///
/// The reactor (or the connection's own task) wakes the future as the answer comes in, even
/// while the thread that will poll it is still computing; so the clock goes into a waker, and
/// must be `Send + Sync`.
pub async fn run_task_on<F: Fetcher, C: Clock + Clone + Send + Sync + 'static>(
    fetcher: &F,
    clock: &C,
    spec: &TaskSpec,
    lane: impl Fn() -> Lane,
) -> TaskOutcome {
    let start = clock.now_ms();
    let fetch = std::pin::pin!(fetcher.fetch(&spec.url));
    let (body, queued) = wake_stamped(fetch, clock.clone()).await;
    let fetched_at_ms = clock.now_ms();
    let lane = lane();
    let mut spans = Vec::with_capacity(2 * queued.len() + 2);
    let mut from = start;
    for (woken, polled) in queued {
        spans.push(Span::new(SpanKind::Fetch, lane, from, woken));
        spans.push(Span::new(SpanKind::WaitCpu, lane, woken, polled));
        from = polled;
    }
    match spans.last_mut() {
        // The poll that found the body in was the one that ended the last wait.
        Some(wait) if fetched_at_ms - from <= PROMPT_MS => wait.end_ms = fetched_at_ms,
        _ => spans.push(Span::new(SpanKind::Fetch, lane, from, fetched_at_ms)),
    }
    match body {
        Err(e) => TaskOutcome::fetch_failed(spec, e, Some(fetched_at_ms)).with_spans(spans),
        Ok(body) => {
            let (computed, cpu) = traced_compute(clock, lane, &body, spec);
            spans.push(cpu);
            TaskOutcome::computed(spec.index, Some(fetched_at_ms), computed).with_spans(spans)
        }
    }
}

/// The CPU half of a task: the kernel over a fetched body. Strategies that move CPU work
/// elsewhere (a pool, a worker, another process) call this there, through [`timed_compute`].
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
    // Over indices: a closure over `&TaskSpec` would be higher-ranked over the reference's
    // lifetime, which makes the join's future (it keeps the iterator) not provably `Send`.
    join_started_in_turns((0..specs.len()).map(|i| run_task(fetcher, clock, &specs[i]))).await
}

/// [`run_all_on_one_thread`], traced: every span on the [`Lane::EventLoop`]. A task whose
/// body arrived while another's kernel held the loop shows the queue as `wait-cpu`.
pub async fn run_all_on_one_thread_traced<F: Fetcher, C: Clock + Clone + Send + Sync + 'static>(
    fetcher: &F,
    clock: &C,
    specs: &[TaskSpec],
) -> Vec<TaskOutcome> {
    run_all_on_one_thread_on(fetcher, clock, specs, Lane::EventLoop).await
}

/// [`run_all_on_one_thread_traced`] on another `lane`: the page's event loop is its main
/// thread ([`Lane::MainThread`]).
pub async fn run_all_on_one_thread_on<F: Fetcher, C: Clock + Clone + Send + Sync + 'static>(
    fetcher: &F,
    clock: &C,
    specs: &[TaskSpec],
    lane: Lane,
) -> Vec<TaskOutcome> {
    // Over indices, as in `run_all_on_one_thread`.
    let tasks = (0..specs.len()).map(move |i| run_task_on(fetcher, clock, &specs[i], move || lane));
    join_started_in_turns(tasks).await
}

/// Tasks a one-thread schedule starts before it lets the executor run anything else
/// ([`join_started_in_turns`]). Small, so each turn's requests leave soon after their tasks
/// start (100 000 fetches over HTTP/2: the client's lateness p99 ~0.2-0.3 s with turns of 32
/// against ~0.55 s with 128; BENCHMARKS.md); a yield costs the executor a queue round trip.
pub const START_TURN: usize = 32;

/// Joins `tasks` like `futures::future::join_all` (outputs in the tasks' order), but starts
/// them [`START_TURN`] at a time and yields to the executor between turns.
///
/// `asyncio.gather` hands every task to the loop, and each task's request leaves the moment
/// the task first runs: aiohttp writes it to the socket itself. A client whose requests are
/// written by a task of their own (an HTTP/2 connection's, in tokio or the browser) sends
/// nothing until the schedule yields; joined all at once, 100 000 tasks were all started before
/// the first request left, and the server sat idle meanwhile. Between turns the writer sends
/// what the last turn asked for, so the server reads while the client is still starting
/// tasks, as it does under asyncio. Results and spans are the same: a yield only lets
/// others run.
pub fn join_started_in_turns<I>(tasks: I) -> impl Future<Output = Vec<<I::Item as Future>::Output>>
where
    I: IntoIterator,
    I::Item: Future,
{
    use futures::FutureExt;
    use futures::stream::{FuturesUnordered, StreamExt};
    use std::task::Poll;

    let mut waiting = tasks.into_iter().enumerate().peekable();
    let mut running = FuturesUnordered::new();
    // Sized up front: grown by doubling, 100 000 outputs were copied over and over, and up to
    // half the room was never used.
    let mut outputs: Vec<Option<<I::Item as Future>::Output>> =
        Vec::with_capacity(waiting.size_hint().0);
    std::future::poll_fn(move |cx| {
        for (index, task) in waiting.by_ref().take(START_TURN) {
            outputs.push(None);
            running.push(task.map(move |output| (index, output)));
        }
        while let Poll::Ready(Some((index, output))) = running.poll_next_unpin(cx) {
            outputs[index] = Some(output);
        }
        if waiting.peek().is_some() {
            // Another turn to start: come back once the others have run.
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if !running.is_empty() {
            return Poll::Pending;
        }
        Poll::Ready(
            outputs
                .drain(..)
                .map(|o| o.expect("every joined task has finished"))
                .collect(),
        )
    })
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

    /// [`Ticking`], shareable between threads and wakers: its clones read one clock, which
    /// advances 1 ms per reading.
    #[derive(Clone, Default)]
    pub(crate) struct SharedTicking(std::sync::Arc<std::sync::atomic::AtomicU64>);

    impl Clock for SharedTicking {
        fn now_ms(&self) -> f64 {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed) as f64
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

    /// A clock with a thread CPU clock that counts its readings.
    struct CpuCounting(Cell<u32>);
    impl Clock for CpuCounting {
        fn now_ms(&self) -> f64 {
            0.0
        }
        fn thread_cpu_ms(&self) -> Option<f64> {
            self.0.set(self.0.get() + 1);
            Some(f64::from(self.0.get()))
        }
    }

    #[test]
    fn the_thread_cpu_clock_is_read_only_where_a_kernel_runs() {
        let clock = CpuCounting(Cell::new(0));
        let body = payload::generate(1, 512);
        let with_kernel = spec(0, "u", Kernel::Sqrt);
        let computed = timed_compute(&clock, &body, &with_kernel);
        assert_eq!((clock.0.get(), computed.cpu_time_ms), (2, Some(1.0)));
        // I/O only (no iterations): the JSON check is timed on the wall clock alone.
        let io_only = TaskSpec {
            iterations: 0,
            ..with_kernel
        };
        let (computed, span) = traced_compute(&clock, Lane::Serial, &body, &io_only);
        assert_eq!((clock.0.get(), computed.cpu_time_ms), (2, None));
        assert_eq!(computed.result, compute(&body, &io_only));
        assert_eq!(span.kind, SpanKind::Cpu);
    }

    #[test]
    fn the_join_starts_its_tasks_in_turns_and_keeps_their_order() {
        use futures::task::LocalSpawnExt;
        use std::rc::Rc;
        use std::task::{Poll, Waker};
        let n = 5 * START_TURN + 7;
        let started = Rc::new(Cell::new(0));
        // The tasks' "answers": none is in until every task has started, as when each waits
        // on a server that is still reading the requests.
        let answered = Rc::new(Cell::new(false));
        let waiting: Rc<RefCell<Vec<Waker>>> = Rc::default();
        // Stands for a connection's writer: another task on the same executor, which records
        // how many tasks had started each time it ran, then lets the answers in.
        let seen = Rc::new(RefCell::new(Vec::new()));
        let mut pool = futures::executor::LocalPool::new();
        pool.spawner()
            .spawn_local({
                let (started, answered, waiting, seen) = (
                    started.clone(),
                    answered.clone(),
                    waiting.clone(),
                    seen.clone(),
                );
                std::future::poll_fn(move |cx| {
                    seen.borrow_mut().push(started.get());
                    if started.get() < n {
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                    answered.set(true);
                    waiting.borrow_mut().drain(..).for_each(Waker::wake);
                    Poll::Ready(())
                })
            })
            .unwrap();
        let tasks = (0..n).map(|i| {
            let (started, answered, waiting) = (started.clone(), answered.clone(), waiting.clone());
            async move {
                started.set(started.get() + 1);
                std::future::poll_fn(|cx| {
                    if answered.get() {
                        return Poll::Ready(i);
                    }
                    waiting.borrow_mut().push(cx.waker().clone());
                    Poll::Pending
                })
                .await
            }
        });
        let out = pool.run_until(join_started_in_turns(tasks));
        assert_eq!(out, (0..n).collect::<Vec<_>>());
        // The writer ran between every two turns (the join ran first), and saw each turn's
        // tasks started.
        let mut turns: Vec<usize> = (1..=n / START_TURN).map(|t| t * START_TURN).collect();
        turns.push(n);
        assert_eq!(*seen.borrow(), turns);
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
        assert!(out.iter().all(|o| o.fetched_at_ms == Some(5.0)));
    }

    #[test]
    fn the_traced_loop_runs_one_kernel_at_a_time_on_the_event_loop() {
        let fetcher = PayloadFetcher(RefCell::new(vec![]));
        let clock = test_clocks::SharedTicking::default();
        let specs = [
            spec(0, "a", Kernel::Sqrt),
            spec(1, "fail", Kernel::Sqrt),
            spec(2, "c", Kernel::Features),
        ];
        let out =
            futures::executor::block_on(run_all_on_one_thread_traced(&fetcher, &clock, &specs));
        let kinds = |o: &TaskOutcome| o.spans.iter().map(|s| s.kind).collect::<Vec<_>>();
        assert_eq!(kinds(&out[0]), [SpanKind::Fetch, SpanKind::Cpu]);
        assert_eq!(kinds(&out[1]), [SpanKind::Fetch]);
        assert_eq!(kinds(&out[2]), [SpanKind::Fetch, SpanKind::Cpu]);
        let spans: Vec<&Span> = out.iter().flat_map(|o| &o.spans).collect();
        assert!(spans.iter().all(|s| s.lane == Lane::EventLoop));
        assert!(spans.iter().all(|s| s.end_ms >= s.start_ms));
        let mut cpu: Vec<&Span> = spans
            .into_iter()
            .filter(|s| s.kind == SpanKind::Cpu)
            .collect();
        cpu.sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms));
        assert!(cpu.windows(2).all(|w| w[0].end_ms <= w[1].start_ms));
        for o in [&out[0], &out[2]] {
            assert!(o.spans[0].end_ms <= o.spans[1].start_ms);
            assert_eq!(o.fetched_at_ms, Some(o.spans[0].end_ms));
        }
    }

    /// Serves a payload after waiting once, as a real fetch does: the wake is when it arrived.
    struct WaitsOnce;
    impl Fetcher for WaitsOnce {
        type Error = String;
        async fn fetch(&self, _url: &str) -> Result<Vec<u8>, String> {
            let mut waited = false;
            std::future::poll_fn(move |cx| {
                if waited {
                    return std::task::Poll::Ready(());
                }
                waited = true;
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            })
            .await;
            Ok(payload::generate(1, 512))
        }
    }

    #[test]
    fn a_body_that_arrived_before_its_task_was_polled_again_shows_the_wait() {
        let clock = test_clocks::SharedTicking::default();
        let out = futures::executor::block_on(run_task_on(
            &WaitsOnce,
            &clock,
            &spec(0, "a", Kernel::Sqrt),
            || Lane::EventLoop,
        ));
        let kinds: Vec<SpanKind> = out.spans.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                SpanKind::Fetch,
                SpanKind::WaitCpu,
                SpanKind::Fetch,
                SpanKind::Cpu
            ]
        );
        // Clock readings: 0 start, 1 the wake, 2 polled again, 3 fetched (the ticking clock's
        // 1 ms per reading is more than a prompt poll, so the poll's own time shows as fetch).
        assert_eq!((out.spans[0].start_ms, out.spans[0].end_ms), (0.0, 1.0));
        assert_eq!((out.spans[1].start_ms, out.spans[1].end_ms), (1.0, 2.0));
        assert_eq!(out.spans[2].kind, SpanKind::Fetch);
        assert_eq!(out.fetched_at_ms, Some(3.0));
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
