//! What the browser hands to core: `fetch()`, `performance.now()`, a pause, and a description
//! of the machine — each usable in a window and in a Web Worker alike.
//!
//! The bindings go to the global names (`fetch`, `performance`, `navigator`, `setTimeout`)
//! rather than through `Window`, because a worker has no `Window`; both scopes have these.

use gilwall_core::bench::WarmUp;
use gilwall_core::kernel::{Kernel, KernelError};
use gilwall_core::report::Machine;
use gilwall_core::task::{Clock, Fetcher};
use js_sys::{Promise, Uint8Array};
use serde::Serialize;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// `performance`, or `navigator`: only the members used here are bound.
    type Performance;
    #[wasm_bindgen(thread_local_v2, js_name = performance)]
    static PERFORMANCE: Performance;
    #[wasm_bindgen(method)]
    fn now(this: &Performance) -> f64;
    #[wasm_bindgen(method, getter, js_name = timeOrigin)]
    fn time_origin(this: &Performance) -> f64;
    #[wasm_bindgen(method, js_name = getEntriesByName)]
    fn get_entries_by_name(this: &Performance, name: &str, kind: &str) -> js_sys::Array;
    #[wasm_bindgen(method, js_name = clearResourceTimings)]
    fn clear_resource_timings(this: &Performance);
    #[wasm_bindgen(method, js_name = setResourceTimingBufferSize)]
    fn set_resource_timing_buffer_size(this: &Performance, n: u32);

    type NavigatorLike;
    #[wasm_bindgen(thread_local_v2, js_name = navigator)]
    static NAVIGATOR: NavigatorLike;
    #[wasm_bindgen(method, getter, js_name = hardwareConcurrency)]
    fn hardware_concurrency(this: &NavigatorLike) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = userAgent)]
    fn user_agent(this: &NavigatorLike) -> String;

    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str, init: &web_sys::RequestInit) -> Promise;

    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;
}

/// `performance.now()`: a monotonic clock in ms from the scope's time origin.
#[derive(Debug, Clone, Copy, Default)]
pub struct PerfClock;

impl Clock for PerfClock {
    fn now_ms(&self) -> f64 {
        PERFORMANCE.with(Performance::now)
    }
}

/// `performance.timeOrigin + performance.now()`: ms since the Unix epoch at high resolution,
/// one clock for the page and every worker (each of which has its own time origin).
pub fn epoch_now_ms() -> f64 {
    PERFORMANCE.with(|p| p.time_origin() + p.now())
}

/// `performance.timeOrigin`: when this scope's `performance.now()` was 0, in epoch ms.
pub fn time_origin() -> f64 {
    PERFORMANCE.with(Performance::time_origin)
}

/// Empties this scope's Resource Timing buffer and makes room for `n` entries, so a repeat's
/// fetches are the ones found there.
pub fn reset_resource_timings(n: u32) {
    PERFORMANCE.with(|p| {
        p.clear_resource_timings();
        p.set_resource_timing_buffer_size(n);
    });
}

/// Every Resource Timing entry for `url` in this scope: `(startTime, responseEnd)` on this
/// scope's `performance.now()` clock, as the network saw them. `responseEnd` is when the last
/// byte arrived, even while this thread was too busy to look.
pub fn resource_times(url: &str) -> Vec<(f64, f64)> {
    let get = |e: &JsValue, k: &str| {
        js_sys::Reflect::get(e, &k.into())
            .ok()
            .and_then(|v| v.as_f64())
    };
    PERFORMANCE
        .with(|p| p.get_entries_by_name(url, "resource"))
        .iter()
        .filter_map(|e| Some((get(&e, "startTime")?, get(&e, "responseEnd")?)))
        .collect()
}

/// The name of the function through which whoever drives the page (a test, `cargo xtask
/// page-run`) lends it its main thread's CPU clock: `globalThis.gilwallThreadCpuMs()`, resolving
/// to ms. Browsers give a page no thread CPU clock of its own.
pub const THREAD_CPU_PROBE: &str = "gilwallThreadCpuMs";

/// This thread's CPU time in ms, where [`THREAD_CPU_PROBE`] is there to read it; else `None`.
pub async fn thread_cpu_ms() -> Option<f64> {
    let probe = js_sys::Reflect::get(&js_sys::global(), &THREAD_CPU_PROBE.into()).ok()?;
    let probe = probe.dyn_into::<js_sys::Function>().ok()?;
    let value = probe.call0(&JsValue::NULL).ok()?;
    let value = JsFuture::from(Promise::resolve(&value)).await.ok()?;
    value.as_f64().filter(|v| v.is_finite() && *v >= 0.0)
}

/// Fetches with the global `fetch()`; a non-2xx status is an error carrying the server's text.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebFetcher;

impl Fetcher for WebFetcher {
    type Error = String;

    async fn fetch(&self, url: &str) -> Result<Vec<u8>, String> {
        fetch_bytes(url).await
    }
}

/// Fetches `url` and returns its body.
///
/// The request bypasses the HTTP cache (`cache: "no-store"`): Chromium lets only one request
/// for a URL go to the network while another for the same URL is in flight (its cache lock),
/// which would turn N concurrent fetches of `/delay/1` into N fetches in a row.
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let init = web_sys::RequestInit::new();
    init.set_cache(web_sys::RequestCache::NoStore);
    let response = JsFuture::from(global_fetch(url, &init))
        .await
        .map_err(|e| error_text(&e))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|v| format!("fetch returned {} instead of a Response", error_text(&v)))?;
    let status = response.status();
    let buffer = JsFuture::from(response.array_buffer().map_err(|e| error_text(&e))?)
        .await
        .map_err(|e| error_text(&e))?;
    let bytes = Uint8Array::new(&buffer).to_vec();
    if !response.ok() {
        let text = String::from_utf8_lossy(&bytes);
        return Err(format!("HTTP {status}: {}", text.trim()));
    }
    Ok(bytes)
}

/// Resolves after `ms` milliseconds, letting the browser render and handle input meanwhile.
pub async fn pause(ms: i32) {
    let promise = Promise::new(&mut |resolve, _reject| {
        set_timeout(&resolve, ms);
    });
    // A timer's promise only ever resolves.
    let _ = JsFuture::from(promise).await;
}

/// Warms `kernels` up over `body` before anything is timed: core's [`WarmUp`] rounds, at most
/// `cap_ms` per kernel, with a short pause between rounds so V8's background compiler can
/// install its optimised code (it swaps code only between calls). Used by the page before it
/// calibrates and by every Web Worker before it reports ready, so the calibration and the
/// tasks measure the same, settled code.
pub async fn warm_up(kernels: &[Kernel], body: &[u8], cap_ms: f64) -> Result<(), KernelError> {
    for &kernel in kernels {
        let mut warm = WarmUp::with_cap(&PerfClock, cap_ms);
        while !warm.round(kernel, body, &PerfClock)? {
            pause(5).await;
        }
    }
    Ok(())
}

/// A config object from JavaScript as JSON text, or `None` for `undefined` or `null` (every
/// default); `what` names it in the error ("the load config").
pub fn config_json(config: &JsValue, what: &str) -> Result<Option<String>, JsError> {
    if config.is_undefined() || config.is_null() {
        return Ok(None);
    }
    let text = js_sys::JSON::stringify(config).map_err(|e| {
        JsError::new(&format!(
            "{what} cannot be read as JSON: {}",
            error_text(&e)
        ))
    })?;
    Ok(Some(String::from(text)))
}

/// Logical cores the browser reports (`navigator.hardwareConcurrency`), at least 1.
pub fn cores() -> u32 {
    NAVIGATOR
        .with(NavigatorLike::hardware_concurrency)
        .filter(|n| n.is_finite() && *n >= 1.0)
        .map_or(1, |n| n as u32)
}

/// This browser, as reports describe the machine: its cores, user agent and how the page was
/// served.
pub fn describe() -> Machine {
    Machine {
        cores: cores(),
        user_agent: Some(NAVIGATOR.with(NavigatorLike::user_agent)),
        page_mode: Some(crate::static_page::mode()),
        ..Machine::default()
    }
}

/// Now, as RFC 3339 UTC (`Date.prototype.toISOString`), for a report's `created_at`.
pub fn now_rfc3339() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

/// The origin this scope was loaded from (`location.origin`), the base of every fetch URL.
pub fn origin() -> Result<String, String> {
    let location =
        js_sys::Reflect::get(&js_sys::global(), &"location".into()).map_err(|e| error_text(&e))?;
    js_sys::Reflect::get(&location, &"origin".into())
        .ok()
        .and_then(|o| o.as_string())
        .ok_or_else(|| "this page has no location.origin to fetch from".to_string())
}

/// A JavaScript value as a message: an `Error`'s message, a string, or its debug form.
pub fn error_text(value: &JsValue) -> String {
    if let Some(e) = value.dyn_ref::<js_sys::Error>() {
        String::from(e.message())
    } else if let Some(s) = value.as_string() {
        s
    } else {
        format!("{value:?}")
    }
}

/// Any serialisable value as a plain JavaScript object (through JSON, which every report and
/// description here round-trips through anyway).
pub fn to_js<T: Serialize>(value: &T) -> JsValue {
    // Everything passed here is built from strings, integers and finite floats.
    let json = serde_json::to_string(value).expect("values sent to the page always serialise");
    // JSON.parse of serde_json's own output cannot fail.
    js_sys::JSON::parse(&json).expect("serde_json writes valid JSON")
}
