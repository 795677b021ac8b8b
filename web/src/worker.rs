//! The Web Worker's side: each worker is its own wasm instance (loaded by `www/worker.js`)
//! that answers one [`Job`] at a time — the browser's analogue of one process in the article's
//! `ProcessPoolExecutor`.

use crate::browser::{PerfClock, WebFetcher, error_text};
use crate::wire::{Job, WireOutcome};
use gilwall_core::calibrate::calibrate;
use gilwall_core::kernel::Kernel;
use gilwall_core::payload;
use gilwall_core::task::{self, Clock, TaskSpec};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Runs one job sent by the page and returns the reply (a JSON [`WireOutcome`]).
///
/// `job` is the JSON of a [`Job`]; `body` is the payload for a compute job (ignored for a task
/// job, which fetches its own). Called by `www/worker.js` for every message.
#[wasm_bindgen]
pub async fn worker_handle(job: String, body: JsValue) -> Result<String, JsError> {
    let job: Job = serde_json::from_str(&job)
        .map_err(|e| JsError::new(&format!("the page sent a malformed job: {e}")))?;
    let clock = PerfClock;
    let outcome: WireOutcome = match job {
        Job::Task(spec) => {
            let spec: TaskSpec = spec.into();
            task::run_task(&WebFetcher, &clock, &spec).await.into()
        }
        Job::Compute(spec) => {
            let body = body
                .dyn_into::<js_sys::Uint8Array>()
                .map_err(|v| {
                    JsError::new(&format!(
                        "a compute job needs its payload as a Uint8Array, got {}",
                        error_text(&v)
                    ))
                })?
                .to_vec();
            let spec: TaskSpec = spec.into();
            let t0 = clock.now_ms();
            let result = task::compute(&body, &spec);
            WireOutcome {
                index: spec.index,
                result,
                cpu_ms: clock.now_ms() - t0,
            }
        }
    };
    // An outcome is integers, finite floats and strings.
    Ok(serde_json::to_string(&outcome).expect("an outcome always serialises"))
}

/// Longest a worker spends warming up before it reports ready, ms.
pub const WARM_UP_CAP_MS: f64 = 500.0;
/// Time each warm-up round measures each kernel, ms.
const WARM_UP_ROUND_MS: f64 = 15.0;

/// Runs every kernel, many calls each, until their speed stops changing (or for at most
/// [`WARM_UP_CAP_MS`]), before the worker reports ready.
///
/// A fresh wasm instance starts in the engine's baseline compiler; V8 compiles hot functions
/// again, optimised, on background threads and switches to them only between calls. Measured
/// on the project's 2-core machine, a fresh pool's first jobs ran the kernels two to four times
/// slower than the same workers a few jobs later. The page's own instance is warm from
/// calibration; this gives each worker the same footing before the clock starts.
#[wasm_bindgen]
pub async fn warm_up() -> Result<(), JsError> {
    let body = payload::generate(1, 1024);
    let clock = PerfClock;
    let start = clock.now_ms();
    let mut last = [0.0f64; 2];
    let mut steady = 0;
    while clock.now_ms() - start < WARM_UP_CAP_MS {
        let mut speed = [0.0f64; 2];
        for (s, kernel) in speed.iter_mut().zip(Kernel::ALL) {
            *s = calibrate(kernel, &body, &clock, WARM_UP_ROUND_MS)
                .map_err(|e| JsError::new(&e.to_string()))?
                .iters_per_ms;
        }
        let settled = speed
            .iter()
            .zip(&last)
            .all(|(s, l)| *l > 0.0 && (s / l - 1.0).abs() < 0.05);
        steady = if settled { steady + 1 } else { 0 };
        if steady >= 2 {
            break;
        }
        last = speed;
        // Give the background compiler a moment to install optimised code.
        crate::browser::pause(5).await;
    }
    Ok(())
}
