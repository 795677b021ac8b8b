//! The page's load mode: a stream of requests at a rate, the browser's version of the cliff.
//!
//! Each step offers one strategy one rate: core's arrivals ([`LoadSpec::arrivals_for`]), each
//! request a fetch of the feature endpoint with the set delay and then the kernel, started at
//! its intended time whatever happened to the ones before (open loop). Core's `async` is the
//! article's step 3 as a service — FastAPI's `async def` doing CPU work: the main thread
//! fetches and computes inline, so it serves at most 1/cpu requests per second, and while a
//! kernel runs the page is frozen, the generator's own timer included. `async-workers` is the
//! fix without leaving async: the main thread fetches, each request's CPU goes to the Web
//! Worker pool (one per core), first come first served. `workers` runs the whole request in a
//! worker, one at a time (a thread pool whose threads block on their fetch). `wasm-threads` is
//! article step 5, free threads: each request is posted at its intended time to the driver
//! worker, which fetches it on its own event loop and `rayon::spawn`s its kernel onto the pool
//! of shared-memory wasm threads, answering each request as it is done ([`Driver::serve`]). It
//! runs only where the page is cross-origin isolated, as in a sweep; elsewhere the config is
//! refused with why.
//!
//! Latency counts from the *intended* arrival time, so a timer the frozen thread fired late
//! still counts its delay. Core builds each step's [`LoadPoint`](gilwall_core::load::LoadPoint)
//! and its model over the very arrivals offered ([`point_of`]).
//!
//! The page drives it through [`Load`]: `new Load(config)` checks the config (throwing an error
//! that names the field), `run(onEvent)` resolves to the report, `stop()` ends it after the
//! step under way.

use crate::browser::{self, PerfClock, WebFetcher, fetch_bytes, to_js};
use crate::pool::{Crew, Pool};
use crate::strategy::{self, uses_pool};
use crate::sweep::calibrate_page;
use crate::threads::Driver;
use crate::trace::RepeatClock;
use crate::wire::Job;
use futures::channel::oneshot;
use futures::future::{Either, join_all, select};
use gilwall_core::kernel::Kernel;
use gilwall_core::load_spec::{LoadSpec, Sent, point_of};
use gilwall_core::payload;
use gilwall_core::report::{Report, ReportRuntime};
use gilwall_core::strategy::StrategyId;
use gilwall_core::task::{self, Clock, TaskOutcome, TaskSpec};
use gilwall_core::workload::fetch_url;
use serde_json::json;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Pause before each step, ms: the page draws the last point, and queues from one step do not
/// run into the next.
pub const PAUSE_BETWEEN_STEPS_MS: i32 = 300;
/// Lead before a step's first arrival, ms, so its intended time is not already past.
const LEAD_MS: f64 = 20.0;

/// One load run, configured and ready.
#[wasm_bindgen]
pub struct Load {
    spec: LoadSpec,
    stop: Rc<Cell<bool>>,
}

#[wasm_bindgen]
impl Load {
    /// Checks `config` (the fields of core's `LoadSpec`); `undefined` or `null` takes every
    /// default (the article's step 3 as a service: io 300 ms, CPU 150 ms, `async` against
    /// `async-workers` at fractions of each one's capacity).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<Load, JsError> {
        let spec = match browser::config_json(&config, "the load config")? {
            None => LoadSpec::default(),
            Some(text) => LoadSpec::from_json(&text).map_err(|e| JsError::new(&e.message))?,
        };
        spec.check(browser::cores())
            .map_err(|e| JsError::new(&e.message))?;
        for id in spec.strategies() {
            strategy::support(id).map_err(|why| {
                JsError::new(&format!("strategies: {id} cannot run on this page: {why}"))
            })?;
        }
        Ok(Load {
            spec,
            stop: Rc::new(Cell::new(false)),
        })
    }

    /// Each strategy's rates as this config offers them (`{strategy: [req/s, …]}`), and its
    /// capacity, for the page to say what will run.
    pub fn plan(&self) -> JsValue {
        let cores = browser::cores();
        let plan: Vec<_> = self
            .spec
            .strategies()
            .into_iter()
            .map(|s| {
                json!({
                    "strategy": s.as_str(),
                    // Checked in the constructor, so the rates are there.
                    "rates": self.spec.rates_for(s, cores).unwrap_or_default(),
                    "capacity_rps": self.spec.capacity(s, cores),
                })
            })
            .collect();
        to_js(&plan)
    }

    /// Asks the run to end after the step under way; `run` then resolves with the points so far.
    pub fn stop(&self) {
        self.stop.set(true);
    }

    /// Runs every step, calling `on_event` with progress objects (`kind`: `starting-workers`,
    /// `starting-threads`, `calibrated`, `step`, `load-point`, `stopped`), and resolves to the
    /// report object (its `load_points`, the same format as `gilwall load`'s).
    pub fn run(&self, on_event: js_sys::Function) -> js_sys::Promise {
        let spec = self.spec.clone();
        let stop = self.stop.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let emit = |event: serde_json::Value| {
                // The page's handler failing must not end the measurement.
                let _ = on_event.call1(&JsValue::NULL, &to_js(&event));
            };
            match run_load(&spec, &stop, &emit).await {
                Ok(report) => Ok(to_js(&report)),
                Err(e) => Err(JsError::new(&e).into()),
            }
        })
    }
}

async fn run_load(
    spec: &LoadSpec,
    stop: &Cell<bool>,
    emit: &impl Fn(serde_json::Value),
) -> Result<Report, String> {
    let base = browser::origin()?;
    let machine = browser::describe();
    let cores = machine.cores;
    browser::pause(0).await;
    let payload_bytes = spec.payload_kb * 1024;
    let body = match spec.kernel {
        Kernel::Features => payload::generate(1, payload_bytes as usize),
        Kernel::Sqrt => Vec::new(),
    };
    let cal = calibrate_page(spec.kernel, &body, spec.cpu_ms > 0.0).await?;
    let iterations = cal.iterations_for(spec.cpu_ms);
    let strategies = spec.strategies();
    let pool = spec.pool(cores);
    if strategies.iter().any(|&s| uses_pool(s)) {
        emit(json!({"kind": "starting-workers", "workers": pool}));
        Pool::get().ensure(pool as usize).await?;
    }
    // The driver and its pool threads start, and warm up, before the clock, as the workers do.
    let driver = if strategies.contains(&StrategyId::WasmThreads) {
        emit(json!({"kind": "starting-threads", "threads": pool}));
        Some(Driver::ensure(pool).await?)
    } else {
        None
    };
    emit(json!({
        "kind": "calibrated", "kernel": spec.kernel.id(), "iterations": iterations,
        "cpu_ms": spec.cpu_ms,
    }));
    let mut report = Report::new(ReportRuntime::Browser, machine, browser::now_rfc3339());
    report.title = spec.title.clone();
    let mut step_no = 0u64;
    for strategy in strategies {
        // Checked with the config, so this only repeats the check's arithmetic.
        for rate in spec.rates_for(strategy, cores).map_err(|e| e.message)? {
            if stop.get() {
                emit(json!({"kind": "stopped"}));
                return Ok(report);
            }
            let arrivals = spec.arrivals_for(rate, step_no);
            step_no += 1;
            browser::pause(PAUSE_BETWEEN_STEPS_MS).await;
            emit(json!({
                "kind": "step", "strategy": strategy.as_str(), "rate_rps": rate,
                "requests": arrivals.len(), "seconds": spec.warmup_s + spec.duration_s,
                "capacity_rps": spec.capacity(strategy, cores),
            }));
            let job = StepJob {
                strategy,
                base: &base,
                spec,
                iterations,
                pool,
                driver: driver.clone(),
            };
            let sent = job.run(&arrivals).await?;
            let point = point_of(spec, strategy, cores, rate, &arrivals, &sent);
            emit(json!({"kind": "load-point", "point": point}));
            report.load_points.push(point);
        }
    }
    Ok(report)
}

/// What every request of one step shares.
struct StepJob<'a> {
    strategy: StrategyId,
    base: &'a str,
    spec: &'a LoadSpec,
    iterations: u64,
    pool: u32,
    /// The wasm-threads driver, for `wasm-threads`' steps.
    driver: Option<Rc<Driver>>,
}

impl StepJob<'_> {
    /// Offers `arrivals` (ms from the step's start), each request started at its intended
    /// time, and waits for every answer (or its timeout).
    async fn run(&self, arrivals: &[f64]) -> Result<Vec<Sent>, String> {
        let crew = if uses_pool(self.strategy) {
            Some(Rc::new(Crew::new(Pool::get(), self.pool as usize)?))
        } else {
            None
        };
        let clock = PerfClock;
        let origin = clock.now_ms() + LEAD_MS;
        let timeout = self.spec.timeout_ms.min(i32::MAX as u64) as i32;
        let mut answers = Vec::with_capacity(arrivals.len());
        for (i, &intended) in arrivals.iter().enumerate() {
            // A timer, not a loop: the thread is free between sends. Under `async` a kernel
            // holds it, and this send is late by as much: that wait is the user's.
            let wait = origin + intended - clock.now_ms();
            if wait > 0.0 {
                browser::pause(wait.ceil() as i32).await;
            }
            let sent_ms = clock.now_ms() - origin;
            let spec = TaskSpec {
                index: i as u32,
                url: fetch_url(
                    self.base,
                    self.spec.kernel,
                    self.spec.io_ms,
                    self.spec.payload_kb * 1024,
                    i as u64,
                ),
                kernel: self.spec.kernel,
                iterations: self.iterations,
            };
            let (tx, rx) = oneshot::channel();
            let (strategy, crew, driver) = (self.strategy, crew.clone(), self.driver.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let serve = Box::pin(serve_one(strategy, spec, crew, driver));
                let outcome = match select(serve, Box::pin(browser::pause(timeout))).await {
                    Either::Left((outcome, _)) => outcome,
                    Either::Right(_) => Err(format!(
                        "no answer within {timeout} ms (timeout_ms); is the server still running?"
                    )),
                };
                let done_ms = PerfClock.now_ms() - origin;
                // The step waits for every request, so the receiver is still there.
                let _ = tx.send(Sent {
                    intended_ms: intended,
                    sent_ms,
                    done_ms,
                    outcome,
                });
            });
            answers.push(rx);
        }
        join_all(answers)
            .await
            .into_iter()
            .map(|r| r.map_err(|_| "a request of the step was dropped unanswered".to_string()))
            .collect()
    }
}

/// Serves one request with `strategy`; the kernel's time, or why it failed.
async fn serve_one(
    strategy: StrategyId,
    spec: TaskSpec,
    crew: Option<Rc<Crew>>,
    driver: Option<Rc<Driver>>,
) -> Result<f64, String> {
    let outcome = match (strategy, crew) {
        // Article step 3 as a service: fetch, then the kernel inline on the main thread.
        (StrategyId::Async, _) => task::run_task(&WebFetcher, &PerfClock, &spec).await,
        // The fix without leaving async: the main thread fetches, a Web Worker computes.
        (StrategyId::AsyncWorkers, Some(crew)) => {
            let clock = RepeatClock::start();
            let body = fetch_bytes(&spec.url).await;
            let fetched = clock.now_ms();
            match body {
                Err(e) => TaskOutcome::fetch_failed(&spec, e, Some(fetched)),
                Ok(body) => crew
                    .run(
                        Job::Compute(spec.clone()),
                        Some(&body),
                        clock,
                        Some(fetched),
                    )
                    .await
                    .unwrap_or_else(|e| TaskOutcome::failed(spec.index, e, None)),
            }
        }
        // Article step 4 in a page: the whole request in a worker, one at a time.
        (StrategyId::Workers, Some(crew)) => crew
            .run(Job::Task(spec.clone()), None, RepeatClock::start(), None)
            .await
            .unwrap_or_else(|e| TaskOutcome::failed(spec.index, e, None)),
        // Article step 5 in a page: the driver's loop fetches, a shared-memory pool thread
        // computes over the very bytes fetched; the main thread only posts and is told.
        (StrategyId::WasmThreads, _) => match driver {
            Some(driver) => driver.serve(spec.clone(), RepeatClock::start()).await?,
            None => return Err("the wasm-threads driver was not started for this run".into()),
        },
        (other, _) => return Err(format!("the page's load mode does not run {other}")),
    };
    outcome.result.map(|_| outcome.cpu_ms)
}
