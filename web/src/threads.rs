//! `wasm-threads` — article step 5, free threads: real threads that share one heap.
//!
//! In the browser that is WebAssembly with shared memory: a second build of this crate
//! (`--features threads`, nightly, atomics; `cargo xtask web` puts it in `www/pkg-threads/`)
//! whose memory is a `SharedArrayBuffer` that several Web Workers run the same module over.
//! rayon's pool runs on those workers (through `wasm-bindgen-rayon`), exactly as the native
//! `async-rayon` strategy runs its kernels on rayon.
//!
//! Two halves live here:
//! - **the page's side** (every build): [`Driver`], a dedicated module worker (`www/threads.js`)
//!   that loads the shared-memory build, and [`support`], which says plainly why the strategy
//!   cannot run where the page is not cross-origin isolated. The page only posts a repeat's
//!   task list to the driver and awaits the reply, so the main thread never blocks: driving
//!   rayon from the main thread would freeze it, since a thread that waits for the pool blocks.
//! - **the driver's side** (only in the shared-memory build): [`threads_start`] builds the pool;
//!   [`threads_run`] runs one repeat — every fetch concurrent on the driver's event loop (the
//!   async half), each kernel on the pool over the fetched body *in place*: the body is moved
//!   into the pool thread's closure, not copied, because every thread sees the same memory.
//!
//! The page's load mode streams requests instead of repeats ([`Driver::serve`]): each request
//! is posted to the driver at its intended time as a one-task list tagged with an id, the
//! driver runs it as it runs a repeat's tasks — concurrently with every other request in
//! flight — and replies per request, so a slow request never holds up the answer to another.

use crate::pool::Member;
use crate::trace::RepeatClock;
use crate::wire::ThreadsJob;
use gilwall_core::task::{Clock, TaskOutcome, TaskSpec};
use std::cell::RefCell;
use std::rc::Rc;

/// The driver worker's script, relative to the page.
pub const DRIVER_SCRIPT: &str = "threads.js";
/// Most pool threads the page asks for (each is a Web Worker with its own stack).
pub const MAX_THREADS: u32 = 64;

/// Whether this page can run shared-memory threads at all, and if not, why — in words for the
/// page. Whether the shared-memory build was built is only known when the driver starts.
pub fn support() -> Result<(), String> {
    let global = js_sys::global();
    let has = |name: &str| {
        js_sys::Reflect::get(&global, &name.into())
            .map(|v| v.is_truthy())
            .unwrap_or(false)
    };
    if !has("crossOriginIsolated") {
        return Err(
            "this page is not cross-origin isolated, so the browser withholds \
                    SharedArrayBuffer, which shared-memory threads need. Serve it with \
                    `gilwall serve`, which sends the COOP and COEP headers that isolate it"
                .into(),
        );
    }
    if !has("SharedArrayBuffer") {
        return Err(
            "this browser has no SharedArrayBuffer, which shared-memory threads need".into(),
        );
    }
    Ok(())
}

/// The page's handle on the driver worker and its pool of `threads` threads.
pub struct Driver {
    member: Member,
    threads: u32,
}

thread_local! {
    /// The page's driver: started on first use, started again for another pool size (rayon's
    /// pool cannot be resized once built).
    static DRIVER: RefCell<Option<Rc<Driver>>> = const { RefCell::new(None) };
}

impl Driver {
    /// The driver with a pool of `threads`, started (and warmed up) if it is not running yet.
    /// Called before the clock starts, like the worker pool.
    pub async fn ensure(threads: u32) -> Result<Rc<Driver>, String> {
        support()?;
        if !(1..=MAX_THREADS).contains(&threads) {
            return Err(format!(
                "wasm-threads needs 1 to {MAX_THREADS} threads, got {threads}"
            ));
        }
        if let Some(d) = DRIVER.with(|d| d.borrow().clone())
            && d.threads == threads
        {
            return Ok(d);
        }
        // Replace (and stop) a driver with another pool size.
        if let Some(old) = DRIVER.with(|d| d.borrow_mut().take()) {
            old.member.terminate();
        }
        let script = format!("{DRIVER_SCRIPT}?threads={threads}");
        let (member, ready) = Member::spawn(&script)?;
        match ready.await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                member.terminate();
                return Err(format!(
                    "{e} — the shared-memory build in www/pkg-threads/ is missing or failed to \
                     start; `cargo xtask web` builds it (it needs the nightly toolchain with \
                     rust-src, which it installs through rustup if missing)"
                ));
            }
            Err(_) => return Err("the wasm-threads driver went away while starting".into()),
        }
        let driver = Rc::new(Driver { member, threads });
        DRIVER.with(|d| *d.borrow_mut() = Some(driver.clone()));
        Ok(driver)
    }

    /// Serves one request of the load mode on the driver: its fetch on the driver's event loop,
    /// its kernel on the pool, answered as soon as it is done, however many others are in
    /// flight (a tagged job, see `www/threads.js`). Spans on `clock`.
    pub async fn serve(&self, spec: TaskSpec, clock: RepeatClock) -> Result<TaskOutcome, String> {
        let job = ThreadsJob {
            specs: vec![spec],
            origin_ms: clock.start_epoch_ms,
        };
        // A task spec is plain data and always serialises.
        let job = serde_json::to_string(&job).expect("a task spec always serialises");
        let reply = self.member.ask_tagged(job, clock.start_epoch_ms).await?;
        let text = js_sys::Reflect::get(&reply, &"outcome".into())
            .ok()
            .and_then(|v| v.as_string())
            .ok_or_else(|| "the wasm-threads driver replied without an outcome".to_string())?;
        let mut outcomes: Vec<TaskOutcome> = serde_json::from_str(&text)
            .map_err(|e| format!("the wasm-threads driver replied nonsense: {e}"))?;
        match (outcomes.pop(), outcomes.is_empty()) {
            (Some(o), true) => Ok(o),
            _ => Err(
                "the wasm-threads driver answered one request with other than one outcome".into(),
            ),
        }
    }

    /// Runs one repeat's tasks on the driver and returns their outcomes, spans on `clock`.
    pub async fn run(
        &self,
        specs: &[TaskSpec],
        clock: RepeatClock,
    ) -> Result<Vec<TaskOutcome>, String> {
        let job = ThreadsJob {
            specs: specs.to_vec(),
            origin_ms: clock.start_epoch_ms,
        };
        // Task specs are plain data and always serialise.
        let job = serde_json::to_string(&job).expect("task specs always serialise");
        let sent = clock.now_ms();
        let reply = self.member.ask(job, None, clock.start_epoch_ms).await?;
        let replied = clock.now_ms();
        let text = reply
            .as_string()
            .ok_or_else(|| "the wasm-threads driver replied with something not text".to_string())?;
        let mut outcomes: Vec<TaskOutcome> = serde_json::from_str(&text)
            .map_err(|e| format!("the wasm-threads driver replied nonsense: {e}"))?;
        for o in &mut outcomes {
            crate::trace::fit(&mut o.spans, sent, replied);
        }
        if outcomes.len() != specs.len() {
            return Err(format!(
                "the wasm-threads driver answered {} tasks of {}",
                outcomes.len(),
                specs.len()
            ));
        }
        Ok(outcomes)
    }
}

/// The driver's side: only in the shared-memory build.
#[cfg(feature = "threads")]
mod driver_side {
    use crate::browser::{PerfClock, WebFetcher};
    use crate::trace::RepeatClock;
    use crate::wire::ThreadsJob;
    use futures::channel::oneshot;
    use futures::future::join_all;
    use gilwall_core::calibrate::calibrate;
    use gilwall_core::kernel::Kernel;
    use gilwall_core::payload;
    use gilwall_core::task::{Clock, Copied, Fetcher, TaskOutcome, TaskSpec, traced_compute};
    use gilwall_core::timeline::{Lane, Span, SpanKind};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;

    /// Time each pool thread runs each kernel before the pool reports ready, ms: V8 compiles a
    /// wasm function again, optimised, once it is hot; a warm pool measures the kernel, not
    /// the compiler (see `worker::warm_up`).
    const WARM_UP_MS: f64 = 150.0;

    /// Builds rayon's pool of `threads` Web Workers over this module's shared memory, and
    /// warms every thread up. Called once by `www/threads.js`.
    #[wasm_bindgen]
    pub async fn threads_start(threads: u32) -> Result<(), JsError> {
        if !(1..=super::MAX_THREADS).contains(&threads) {
            return Err(JsError::new(&format!(
                "wasm-threads needs 1 to {} threads, got {threads}",
                super::MAX_THREADS
            )));
        }
        JsFuture::from(wasm_bindgen_rayon::init_thread_pool(threads as usize))
            .await
            .map_err(|e| {
                JsError::new(&format!(
                    "cannot start the shared-memory thread pool: {}",
                    crate::browser::error_text(&e)
                ))
            })?;
        let body = payload::generate(1, 1024);
        // The driver is a worker, so it may block while the pool warms up.
        rayon::broadcast(|_| {
            for kernel in Kernel::ALL {
                // A warm-up that fails is caught by the first real task with the same kernel.
                let _ = calibrate(kernel, &body, &PerfClock, WARM_UP_MS);
            }
        });
        Ok(())
    }

    /// Runs one repeat: `job` is the JSON of a [`ThreadsJob`]; the reply is the JSON list of
    /// their outcomes, in the same order, with spans on the repeat's clock: fetches on the
    /// driver's event loop, waits and kernels on the pool thread that ran them.
    #[wasm_bindgen]
    pub async fn threads_run(job: String) -> Result<String, JsError> {
        let job: ThreadsJob = serde_json::from_str(&job)
            .map_err(|e| JsError::new(&format!("the page sent a malformed task list: {e}")))?;
        let clock = RepeatClock::at(job.origin_ms);
        let outcomes = join_all(job.specs.into_iter().map(|s| one_task(s, clock))).await;
        // Outcomes are integers, finite floats and strings.
        Ok(serde_json::to_string(&outcomes).expect("outcomes always serialise"))
    }

    /// One task: fetch on the driver's event loop, then the kernel on a pool thread.
    async fn one_task(spec: TaskSpec, clock: RepeatClock) -> TaskOutcome {
        let index = spec.index;
        let start = clock.now_ms();
        let body = WebFetcher.fetch(&spec.url).await;
        let at = clock.now_ms();
        // The driver only waits (for answers and for the pool), so it sees each answer at once.
        let fetch = Span::new(SpanKind::Fetch, Lane::EventLoop, start, at);
        let body = match body {
            Ok(body) => body,
            Err(e) => return TaskOutcome::fetch_failed(&spec, e, Some(at)).with_spans([fetch]),
        };
        let (tx, rx) = oneshot::channel();
        // `body` moves into the closure: the pool thread reads the very bytes the fetch wrote
        // into shared memory. Nothing is copied.
        rayon::spawn(move || {
            // Every pool thread reads the same epoch clock, so its spans line up with the
            // driver's; until a thread is free the task waits for it (a pool slot).
            let lane = Lane::PoolThread(rayon::current_thread_index().unwrap_or(0) as u32);
            let began = clock.now_ms();
            let wait = (began - at > 0.2).then(|| Span::new(SpanKind::WaitCpu, lane, at, began));
            let (computed, cpu) = traced_compute(&clock, lane, &body, &spec);
            let _ = tx.send((computed, wait.into_iter().chain([cpu]).collect::<Vec<_>>()));
        });
        // Waking this future from a pool thread goes through `Atomics.waitAsync`, so the
        // driver's event loop keeps serving the other fetches meanwhile.
        let outcome = match rx.await {
            Ok((computed, spans)) => TaskOutcome::computed(index, Some(at), computed)
                .with_spans([fetch].into_iter().chain(spans)),
            Err(_) => TaskOutcome::failed(index, "a pool thread dropped its task".into(), None)
                .with_spans([fetch]),
        };
        outcome.with_copied(Copied { bytes: 0, ms: 0.0 })
    }
}
