//! A sweep in the page: calibrate, then measure every strategy at every task count, and build
//! the report — the browser's counterpart of the CLI's sweep runner.
//!
//! The page drives it through [`Sweep`]: `new Sweep(config)` checks the config (throwing an
//! error that names the field), `run(onEvent)` resolves to the report object, `stop()` ends it
//! after the repeat under way. Events tell the page what is being measured, so its
//! responsiveness meter can attribute frozen frames to the strategy that froze them.

use crate::browser::{self, PerfClock, error_text, to_js};
use crate::config::SweepConfig;
use crate::strategy;
use gilwall_core::calibrate::calibrate;
use gilwall_core::kernel::{Kernel, checksum_hex, combine_checksums};
use gilwall_core::model::{BROWSER_CONNECTIONS_PER_HOST, ModelInput, predict};
use gilwall_core::payload;
use gilwall_core::report::{Point, PointSpec, Report, ReportRuntime};
use gilwall_core::stats::Summary;
use gilwall_core::strategy::StrategyId;
use gilwall_core::task::{Clock, TaskSpec};
use gilwall_core::workload::{CpuSpec, fetch_url};
use serde_json::json;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Time spent calibrating the kernel before a sweep, ms.
pub const CALIBRATION_BUDGET_MS: f64 = 250.0;
/// Pause between two timed runs, ms: the page draws, and the meter sees calm frames between
/// the strategies' runs rather than one long blur.
pub const PAUSE_BETWEEN_RUNS_MS: i32 = 60;

/// One sweep, configured and ready to run.
#[wasm_bindgen]
pub struct Sweep {
    config: SweepConfig,
    stop: Rc<Cell<bool>>,
}

#[wasm_bindgen]
impl Sweep {
    /// Checks `config` (see [`SweepConfig`]); `undefined` or `null` takes every default.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<Sweep, JsError> {
        let value = if config.is_undefined() || config.is_null() {
            serde_json::Value::Object(Default::default())
        } else {
            let text = js_sys::JSON::stringify(&config).map_err(|e| {
                JsError::new(&format!(
                    "the config cannot be read as JSON: {}",
                    error_text(&e)
                ))
            })?;
            let text = String::from(text);
            serde_json::from_str(&text).map_err(|_| {
                JsError::new(&format!("the config must be a plain object, got {text}"))
            })?
        };
        let config = SweepConfig::from_json(&value).map_err(|e| JsError::new(&e.to_string()))?;
        for &id in &config.strategies {
            strategy::support(id).map_err(|why| {
                JsError::new(&format!("strategies: {id} cannot run on this page: {why}"))
            })?;
        }
        Ok(Sweep {
            config,
            stop: Rc::new(Cell::new(false)),
        })
    }

    /// Asks the sweep to end after the repeat under way; `run` then resolves with the points
    /// measured so far.
    pub fn stop(&self) {
        self.stop.set(true);
    }

    /// Runs the sweep, calling `on_event` with progress objects (`kind`: `starting-workers`,
    /// `starting-threads`, `calibrated`, `start`,
    /// `measured`, `point`, `error`, `stopped`), and resolves to the report object.
    pub fn run(&self, on_event: js_sys::Function) -> js_sys::Promise {
        let config = self.config.clone();
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
            match run_sweep(&config, &stop, &emit).await {
                Ok(report) => Ok(to_js(&report)),
                Err(e) => Err(JsError::new(&e).into()),
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

/// How much work one task does, once the kernel is calibrated.
struct Work {
    iterations: u64,
    cpu_ms: f64,
}

async fn calibrate_work(
    config: &SweepConfig,
    emit: &impl Fn(serde_json::Value),
) -> Result<Work, String> {
    let body = match config.kernel {
        Kernel::Features => payload::generate(1, config.payload_bytes as usize),
        Kernel::Sqrt => Vec::new(),
    };
    // Let the page show "calibrating" before the main thread is busy for a moment.
    browser::pause(0).await;
    let cal = calibrate(config.kernel, &body, &PerfClock, CALIBRATION_BUDGET_MS)
        .map_err(|e| format!("calibrating the {} kernel: {e}", config.kernel))?;
    let work = match config.cpu {
        CpuSpec::Iters(n) => Work {
            iterations: n,
            cpu_ms: cal.ms_for(n),
        },
        spec => {
            // ms() is only None for Iters, handled above.
            let ms = spec.ms(config.io_ms).unwrap_or(0.0);
            Work {
                iterations: cal.iterations_for(ms),
                cpu_ms: cal.effective_ms(ms),
            }
        }
    };
    emit(json!({
        "kind": "calibrated", "kernel": config.kernel.id(), "iters_per_ms": cal.iters_per_ms,
        "iterations": work.iterations, "cpu_ms": work.cpu_ms,
    }));
    Ok(work)
}

async fn run_sweep(
    config: &SweepConfig,
    stop: &Cell<bool>,
    emit: &impl Fn(serde_json::Value),
) -> Result<Report, String> {
    let base = browser::origin()?;
    let clock = PerfClock;
    let machine = browser::describe();
    let cores = machine.cores;
    // Start (and warm up) every worker the sweep will need before anything is timed, so that
    // no point pays for another's start-up.
    let most = config.most_pool_size();
    if config.strategies.iter().any(|&id| strategy::uses_pool(id)) {
        emit(json!({"kind": "starting-workers", "workers": most}));
        crate::pool::Pool::get().ensure(most as usize).await?;
    }
    // Likewise the wasm-threads driver, once: rayon's pool cannot be resized, so it gets the
    // most threads any point uses. With one thread per task a smaller N leaves some idle (the
    // same parallelism as N threads); a fixed `workers` is the same at every N.
    if config.strategies.contains(&StrategyId::WasmThreads) {
        emit(json!({"kind": "starting-threads", "threads": most}));
        crate::threads::Driver::ensure(most).await?;
    }
    let work = calibrate_work(config, emit).await?;
    let mut report = Report::new(ReportRuntime::Browser, machine, browser::now_rfc3339());
    report.title = config.title.clone();

    'sweep: for &id in &config.strategies {
        for &n in &config.tasks {
            if stop.get() {
                break 'sweep;
            }
            // The point's pool (recorded and modelled); wasm-threads runs it on the sweep's one
            // driver, started above.
            let pool = config.pool_size(n);
            let size = if id == StrategyId::WasmThreads {
                most
            } else {
                pool
            };
            strategy::prepare(id, size).await?;
            let specs: Vec<TaskSpec> = (0..n)
                .map(|i| TaskSpec {
                    index: i,
                    url: fetch_url(
                        &base,
                        config.kernel,
                        config.io_ms,
                        config.payload_bytes,
                        i as u64,
                    ),
                    kernel: config.kernel,
                    iterations: work.iterations,
                })
                .collect();
            let (mut samples, mut cpu_times, mut errors) = (Vec::new(), Vec::new(), 0u64);
            let (mut copied_bytes, mut copy_times) = (None, Vec::new());
            let mut checksum = None;
            for repeat in 0..config.repeats {
                if stop.get() {
                    break;
                }
                browser::pause(PAUSE_BETWEEN_RUNS_MS).await;
                emit(
                    json!({"kind": "start", "strategy": id.as_str(), "tasks": n, "repeat": repeat, "repeats": config.repeats}),
                );
                let t0 = clock.now_ms();
                let done = strategy::run(id, &specs, size).await?;
                let ms = clock.now_ms() - t0;
                emit(
                    json!({"kind": "measured", "strategy": id.as_str(), "tasks": n, "repeat": repeat, "ms": ms}),
                );
                samples.push(ms);
                let mut ok = Vec::new();
                for d in &done {
                    if let Some((bytes, ms)) = d.copied {
                        copied_bytes = copied_bytes.max(Some(bytes));
                        copy_times.push(ms);
                    }
                    match &d.outcome.result {
                        Ok(sum) => {
                            ok.push(*sum);
                            cpu_times.push(d.outcome.cpu_ms);
                        }
                        Err(e) => {
                            if errors == 0 {
                                emit(
                                    json!({"kind": "error", "strategy": id.as_str(), "tasks": n, "message": e}),
                                );
                            }
                            errors += 1;
                        }
                    }
                }
                if ok.len() == done.len() {
                    checksum = Some(checksum_hex(combine_checksums(ok)));
                }
            }
            if samples.is_empty() {
                break 'sweep;
            }
            let spec = PointSpec {
                strategy: id.as_str().to_string(),
                tasks: n,
                workers: strategy::has_pool(id).then_some(pool),
                io_ms: config.io_ms,
                cpu_ms: work.cpu_ms,
                cpu_iters: Some(work.iterations),
                kernel: Some(config.kernel.id().to_string()),
                payload_bytes: config.payload_bytes,
            };
            let model_ms = predict(
                id,
                ModelInput {
                    tasks: n,
                    io_ms: config.io_ms,
                    cpu_ms: work.cpu_ms,
                    pool,
                    cores,
                    fetch_limit: Some(BROWSER_CONNECTIONS_PER_HOST),
                },
            );
            let mut point = Point::new(spec, samples, model_ms, errors)
                .ok_or_else(|| format!("{id} at {n} tasks measured a non-finite time"))?;
            point.cpu_measured_ms = Summary::of(&cpu_times).map(|s| s.median);
            point.checksum = checksum;
            point.copied_bytes = copied_bytes;
            point.copy_ms = Summary::of(&copy_times).map(|s| s.median);
            emit(json!({"kind": "point", "point": &point}));
            report.points.push(point);
        }
    }
    if stop.get() {
        emit(json!({"kind": "stopped"}));
    }
    Ok(report)
}
