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

/// Time each kernel runs when a worker starts, ms.
pub const WARM_UP_MS: f64 = 40.0;

/// Runs every kernel for a moment, many calls each, before the worker reports ready.
///
/// A fresh wasm instance starts in the engine's baseline compiler, and V8 moves a function to
/// optimised code only between calls, never inside a running loop. The page's own instance is
/// warm from calibration; without this, a worker's first task could run its whole kernel in
/// baseline code — a start-up cost, not the strategy's. (On this project's busy 2-core machine
/// the difference drowned in noise: it is cheap insurance, not a measured fix.)
#[wasm_bindgen]
pub fn warm_up() -> Result<(), JsError> {
    let body = payload::generate(1, 1024);
    for kernel in Kernel::ALL {
        calibrate(kernel, &body, &PerfClock, WARM_UP_MS)
            .map_err(|e| JsError::new(&e.to_string()))?;
    }
    Ok(())
}
