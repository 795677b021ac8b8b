//! The Web Worker's side: each worker is its own wasm instance (loaded by `www/worker.js`)
//! that answers one [`Job`] at a time — the browser's analogue of one process in the article's
//! `ProcessPoolExecutor`.

use crate::browser::{WebFetcher, error_text};
use crate::trace::RepeatClock;
use crate::wire::Job;
use gilwall_core::kernel::Kernel;
use gilwall_core::payload;
use gilwall_core::task::{Clock, Copied, Fetcher, TaskOutcome, TaskSpec, traced_compute};
use gilwall_core::timeline::{Lane, Span, SpanKind};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Runs one job sent by the page and returns the reply: `{outcome, features}`, where `outcome`
/// is the JSON of core's [`TaskOutcome`] and `features` the fetched payload, sent back with the
/// result as the native `processes` strategy does (absent when the fetch failed).
///
/// `job` is the JSON of a [`Job`]; `body` is the payload for a compute job (ignored for a task
/// job, which fetches its own); `origin` the repeat's start in epoch ms, so the outcome's spans
/// (fetch, copies, cpu; on a placeholder lane the page replaces with this worker's) are on the
/// repeat's clock. Called by `www/worker.js` for every message, which transfers
/// `features`' buffer back rather than cloning it: the copies that count are timed here
/// (payload into this heap, features out of it) and in [`crate::pool`] (the page's side).
#[wasm_bindgen]
pub async fn worker_handle(job: String, body: JsValue, origin: f64) -> Result<JsValue, JsError> {
    let job: Job = serde_json::from_str(&job)
        .map_err(|e| JsError::new(&format!("the page sent a malformed job: {e}")))?;
    if !origin.is_finite() {
        return Err(JsError::new(&format!(
            "the page sent a job without its repeat's start (origin {origin})"
        )));
    }
    let clock = RepeatClock::at(origin);
    // The page knows which worker this is; it puts the spans on that lane.
    let lane = Lane::WebWorker(0);
    let mut spans = Vec::new();
    let mut copy_ms = 0.0;
    let (spec, body): (TaskSpec, Result<Vec<u8>, String>) = match job {
        Job::Task(spec) => {
            // This worker runs one job at a time, so its loop is free the moment the answer is
            // in: the fetch ends when the body does, with no queue to show.
            let t0 = clock.now_ms();
            let body = WebFetcher.fetch(&spec.url).await;
            spans.push(Span::new(SpanKind::Fetch, lane, t0, clock.now_ms()));
            (spec, body)
        }
        Job::Compute(spec) => {
            let body = body.dyn_into::<js_sys::Uint8Array>().map_err(|v| {
                JsError::new(&format!(
                    "a compute job needs its payload as a Uint8Array, got {}",
                    error_text(&v)
                ))
            })?;
            let t0 = clock.now_ms();
            let body = body.to_vec();
            let t1 = clock.now_ms();
            spans.push(Span::new(SpanKind::Copy, lane, t0, t1));
            copy_ms += t1 - t0;
            (spec, Ok(body))
        }
    };
    let reply = js_sys::Object::new();
    let outcome = match body {
        Err(e) => TaskOutcome::fetch_failed(&spec, e, None),
        Ok(body) => {
            let (computed, cpu) = traced_compute(&clock, lane, &body, &spec);
            spans.push(cpu);
            let t1 = clock.now_ms();
            let features = js_sys::Uint8Array::from(&body[..]);
            let t2 = clock.now_ms();
            spans.push(Span::new(SpanKind::Copy, lane, t1, t2));
            copy_ms += t2 - t1;
            set(&reply, "features", &features.into())?;
            TaskOutcome::computed(spec.index, None, computed)
        }
    };
    // The page counts the bytes of each crossing once, as it receives them; the worker adds
    // the time of its own copies.
    let outcome = outcome
        .with_copied(Copied {
            bytes: 0,
            ms: copy_ms,
        })
        .with_spans(spans);
    // An outcome is integers, finite floats and strings.
    let text = serde_json::to_string(&outcome).expect("an outcome always serialises");
    set(&reply, "outcome", &text.into())?;
    Ok(reply.into())
}

fn set(target: &js_sys::Object, key: &str, value: &JsValue) -> Result<(), JsError> {
    js_sys::Reflect::set(target, &key.into(), value)
        .map(drop)
        .map_err(|e| JsError::new(&error_text(&e)))
}

/// Longest a worker spends warming up each kernel before it reports ready, ms.
pub const WARM_UP_CAP_MS: f64 = 250.0;

/// Runs every kernel, many calls each, until its speed stops changing (or for at most
/// [`WARM_UP_CAP_MS`] each), before the worker reports ready.
///
/// A fresh wasm instance starts in the engine's baseline compiler; V8 compiles hot functions
/// again, optimised, on background threads and switches to them only between calls. Measured
/// on the project's 2-core machine, a fresh pool's first jobs ran the kernels two to four times
/// slower than the same workers a few jobs later. The page warms its own instance the same way
/// before it calibrates; this gives each worker the same footing before the clock starts.
#[wasm_bindgen]
pub async fn warm_up() -> Result<(), JsError> {
    let body = payload::generate(1, 1024);
    crate::browser::warm_up(&Kernel::ALL, &body, WARM_UP_CAP_MS)
        .await
        .map_err(|e| JsError::new(&e.to_string()))
}
