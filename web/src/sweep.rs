//! The page's side of core's sweep pipeline: start the workers, calibrate with
//! `performance.now()`, and run one repeat of a point at a time with the browser strategies.
//! Core plans, orders and records the points ([`gilwall_core::sweep`]), exactly as it does for
//! the `gilwall` command.
//!
//! The page drives it through [`Sweep`]: `new Sweep(config)` checks the config (throwing an
//! error that names the field), `run(onEvent)` resolves to the report object, `stop()` ends it
//! after the repeat under way. Events tell the page what is being measured, so its
//! responsiveness meter can attribute frozen frames to the strategy that froze them.

use crate::browser::{self, PerfClock, error_text, to_js};
use crate::strategy;
use crate::trace::RepeatClock;
use gilwall_core::calibrate::{Calibration, calibrate, calibrate_with_samples};
use gilwall_core::kernel::Kernel;
use gilwall_core::payload;
use gilwall_core::report::{Report, ReportRuntime};
use gilwall_core::strategy::{Runtime, StrategyId};
use gilwall_core::sweep::{
    self, Event, Plan, PointPlan, Repeat, RunNo, Runner, SpecError, SweepError, SweepSpec,
};
use gilwall_core::task::Clock;
use serde_json::json;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Longest the page warms its kernel up before it calibrates, ms.
pub const WARM_UP_CAP_MS: f64 = 1_000.0;
/// Shortest timed run of the page's calibration, ms: as long as a task's CPU, not 5 ms.
pub const CALIBRATION_SAMPLE_MS: f64 = 100.0;
/// Time spent calibrating the kernel before a sweep, ms.
pub const CALIBRATION_BUDGET_MS: f64 = 250.0;
/// Pause before each timed run, ms: the page draws, and the meter sees calm frames between
/// the strategies' runs rather than one long blur.
pub const PAUSE_BETWEEN_RUNS_MS: i32 = 60;

/// One sweep, configured and ready to run.
#[wasm_bindgen]
pub struct Sweep {
    spec: SweepSpec,
    stop: Rc<Cell<bool>>,
}

#[wasm_bindgen]
impl Sweep {
    /// Checks `config` (the fields of core's `SweepSpec`); `undefined` or `null` takes every
    /// default.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<Sweep, JsError> {
        let spec = match browser::config_json(&config, "the config")? {
            None => SweepSpec::default(),
            Some(text) => SweepSpec::from_json(&text).map_err(|e| JsError::new(&e.message))?,
        };
        let spec = with_default_strategies(spec);
        spec.check(Runtime::Browser)
            .map_err(|e| JsError::new(&e.message))?;
        for &id in &spec.strategies {
            strategy::support(id).map_err(|why| {
                JsError::new(&format!("strategies: {id} cannot run on this page: {why}"))
            })?;
        }
        Ok(Sweep {
            spec,
            stop: Rc::new(Cell::new(false)),
        })
    }

    /// Asks the sweep to end after the repeat under way; `run` then resolves with the points
    /// measured so far.
    pub fn stop(&self) {
        self.stop.set(true);
    }

    /// Runs the sweep, calling `on_event` with progress objects (`kind`: `starting-workers`,
    /// `starting-threads`, `calibrated`, `start`, `measured`, `point`, `error`, `stopped`),
    /// and resolves to the report object.
    pub fn run(&self, on_event: js_sys::Function) -> js_sys::Promise {
        let spec = self.spec.clone();
        let stop = self.stop.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let emit = |event: serde_json::Value| {
                // The page's handler failing must not end the measurement; say so and go on.
                if let Err(e) = on_event.call1(&JsValue::NULL, &to_js(&event)) {
                    console_warn(&format!(
                        "gilwall: the page's event handler threw: {}",
                        error_text(&e)
                    ));
                }
            };
            match run_sweep(&spec, &stop, &emit).await {
                Ok(report) => Ok(to_js(&report)),
                Err(e) => Err(JsError::new(&e.0).into()),
            }
        })
    }
}

#[wasm_bindgen]
extern "C" {
    /// `console.warn`, for problems the sweep survives.
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(s: &str);
}

/// No strategies named: every browser strategy this page can run.
fn with_default_strategies(mut spec: SweepSpec) -> SweepSpec {
    if spec.strategies.is_empty() {
        spec.strategies = StrategyId::for_runtime(Runtime::Browser)
            .filter(|&id| strategy::support(id).is_ok())
            .collect();
    }
    spec
}

/// Why a sweep in the page failed, in words for the page.
#[derive(Debug)]
struct PageError(String);

impl From<SweepError> for PageError {
    fn from(e: SweepError) -> Self {
        PageError(e.to_string())
    }
}

impl From<SpecError> for PageError {
    fn from(e: SpecError) -> Self {
        PageError(e.message)
    }
}

impl From<String> for PageError {
    fn from(e: String) -> Self {
        PageError(e)
    }
}

/// The page's calibration of `kernel` over `body`, shared by the sweep and the load mode:
/// warmed up first, as every worker is, then timed in runs as long as a task's CPU
/// ([`CALIBRATION_SAMPLE_MS`]): measured in Chromium, short runs on the page could promise up
/// to twice the work per ms that its tasks, each one long call, then got.
///
/// With no CPU work asked (`cpu` false: the article's step 2) there is nothing to size, and a
/// short calibration is enough for the report's figure: the sweep starts at once.
pub async fn calibrate_page(kernel: Kernel, body: &[u8], cpu: bool) -> Result<Calibration, String> {
    if !cpu {
        return calibrate(kernel, body, &PerfClock, 20.0)
            .map_err(|e| format!("calibrating the {kernel} kernel: {e}"));
    }
    browser::warm_up(&[kernel], body, WARM_UP_CAP_MS)
        .await
        .map_err(|e| format!("warming up the {kernel} kernel: {e}"))?;
    calibrate_with_samples(
        kernel,
        body,
        &PerfClock,
        CALIBRATION_BUDGET_MS,
        CALIBRATION_SAMPLE_MS,
    )
    .map_err(|e| format!("calibrating the {kernel} kernel: {e}"))
}

async fn run_sweep(
    spec: &SweepSpec,
    stop: &Cell<bool>,
    emit: &impl Fn(serde_json::Value),
) -> Result<Report, PageError> {
    let base = browser::origin()?;
    let machine = browser::describe();
    let cores = machine.cores;
    // Let the page show "calibrating" before the main thread is busy for a moment.
    browser::pause(0).await;
    let body = match spec.kernel {
        Kernel::Features => payload::generate(1, spec.payload_bytes() as usize),
        Kernel::Sqrt => Vec::new(),
    };
    // CPU work unless every task asks for 0 ms of it.
    let cpu = spec.cpu().map_or(true, |c| c.ms(spec.io_ms) != Some(0.0));
    let cal = calibrate_page(spec.kernel, &body, cpu).await?;
    let plan = Plan::new(spec, Runtime::Browser, &cal, cores, &base)?;
    // Start (and warm up) every worker the sweep will need before anything is timed, so that
    // no point pays for another's start-up.
    let most = plan.most_pool();
    if plan.points.iter().any(|p| strategy::uses_pool(p.strategy)) {
        emit(json!({"kind": "starting-workers", "workers": most}));
        crate::pool::Pool::get().ensure(most as usize).await?;
    }
    // Likewise the wasm-threads driver, once: rayon's pool cannot be resized, so it gets the
    // most threads any point uses. With one thread per task a smaller N leaves some idle (the
    // same parallelism as N threads); a fixed `workers` is the same at every N.
    if plan.spec.strategies.contains(&StrategyId::WasmThreads) {
        emit(json!({"kind": "starting-threads", "threads": most}));
        crate::threads::Driver::ensure(most).await?;
    }
    emit(json!({
        "kind": "calibrated", "kernel": spec.kernel.id(), "iters_per_ms": cal.iters_per_ms,
        "iterations": plan.iterations, "cpu_ms": plan.cpu_ms,
    }));
    let mut report = Report::new(ReportRuntime::Browser, machine, browser::now_rfc3339());
    report.title = spec.title.clone();
    let mut runner = PageRunner {
        emit,
        stop,
        threads: most,
        main_thread: Vec::new(),
    };
    let mut report = sweep::run(&plan, report, &mut runner).await?;
    // What the page's main thread cost each point, where its CPU clock could be read.
    for p in &mut report.points {
        let key = (p.strategy.clone(), p.tasks);
        if let Some((_, cpu, wall)) = runner.main_thread.iter().find(|(k, ..)| *k == key)
            && *wall > 0.0
        {
            p.main_thread_cpu = Some(cpu / wall);
        }
    }
    Ok(report)
}

/// What core's loop calls in the page.
struct PageRunner<'a, E> {
    emit: &'a E,
    stop: &'a Cell<bool>,
    /// The wasm-threads driver's pool size: every point runs on the sweep's one driver.
    threads: u32,
    /// Per point (strategy, N): the main thread's CPU ms and the wall ms of its measured
    /// repeats, where the page could read its thread's CPU clock.
    main_thread: Vec<((String, u32), f64, f64)>,
}

impl<E> PageRunner<'_, E> {
    /// The pool a point runs on: its own, or the sweep's one wasm-threads driver.
    fn size(&self, point: &PointPlan) -> u32 {
        if point.strategy == StrategyId::WasmThreads {
            self.threads
        } else {
            point.pool
        }
    }
}

impl<E: Fn(serde_json::Value)> Runner for PageRunner<'_, E> {
    type Error = PageError;

    async fn prepare(&mut self, _plan: &Plan, point: &PointPlan) -> Result<(), PageError> {
        Ok(strategy::prepare(point.strategy, self.size(point)).await?)
    }

    async fn repeat(
        &mut self,
        plan: &Plan,
        point: &PointPlan,
        run: RunNo,
    ) -> Result<Repeat, PageError> {
        let specs = plan.tasks(point);
        browser::pause(PAUSE_BETWEEN_RUNS_MS).await;
        (self.emit)(json!({
            "kind": "start", "strategy": point.strategy.as_str(), "tasks": point.tasks,
            "repeat": run.index, "repeats": run.of, "warmup": run.warmup,
        }));
        // Read outside the clock: asking costs a round trip to whoever lends the clock.
        let cpu0 = browser::thread_cpu_ms().await;
        // Every span of the repeat, the page's and its workers', counts from here.
        let clock = RepeatClock::start();
        let outcomes = strategy::run(point.strategy, &specs, self.size(point), clock).await?;
        let makespan_ms = clock.now_ms();
        if let (Some(a), Some(b), false) = (cpu0, browser::thread_cpu_ms().await, run.warmup) {
            let key = (point.strategy.as_str().to_string(), point.tasks);
            match self.main_thread.iter_mut().find(|(k, ..)| *k == key) {
                Some((_, cpu, wall)) => (*cpu, *wall) = (*cpu + (b - a), *wall + makespan_ms),
                None => self.main_thread.push((key, b - a, makespan_ms)),
            }
        }
        Ok(Repeat {
            makespan_ms,
            outcomes,
            server_late_p99_ms: None,
            transport: None,
        })
    }

    fn event(&mut self, event: Event<'_>) -> Result<(), PageError> {
        let value = match event {
            Event::Measured { point, run, ms } => json!({
                "kind": "measured", "strategy": point.strategy.as_str(), "tasks": point.tasks,
                "repeat": run.index, "warmup": run.warmup, "ms": ms,
            }),
            Event::Failure { point, message } => json!({
                "kind": "error", "strategy": point.strategy.as_str(), "tasks": point.tasks,
                "message": message,
            }),
            // The report's last point is the one just measured.
            Event::Point { report } => json!({"kind": "point", "point": report.points.last()}),
            Event::Stopped => json!({"kind": "stopped"}),
        };
        (self.emit)(value);
        Ok(())
    }

    fn stop_requested(&self) -> bool {
        self.stop.get()
    }
}
