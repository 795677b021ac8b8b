//! The wasm side of the wasm-vs-native kernel benchmark: [`kernel_timing`] times one of core's
//! kernels inside wasm, exactly as the native runner (`gilwall-bench`'s `kernel-timing`) does,
//! and returns the same `KernelTiming` shape.
//!
//! Everything happens inside one exported call: the payload is generated here, the kernel is
//! warmed up, and each sample reads `performance.now()` just before and after one whole kernel
//! call, so no JavaScript runs and nothing crosses the wasm boundary while the clock runs.

use crate::browser::{self, PerfClock};
use gilwall_core::Runtime;
use gilwall_core::bench::{self, WarmUp};
use gilwall_core::kernel::Kernel;
use gilwall_core::task::Clock;
use wasm_bindgen::prelude::*;

/// Times `kernel` ("sqrt" or "features") for `repeats` samples of `iterations` each, after a
/// warm-up, and resolves to `{runtime: "browser", kernel, iterations, payload_bytes,
/// warm_up_ms, samples_ms, checksum}`.
///
/// `iterations` is a JavaScript number (a whole number up to 10¹²). Between warm-up rounds the
/// call yields to the event loop for a few ms, so V8's background compiler can finish the
/// optimised code it swaps in between calls.
#[wasm_bindgen]
pub async fn kernel_timing(
    kernel: String,
    iterations: f64,
    repeats: u32,
) -> Result<JsValue, JsError> {
    let kernel: Kernel = kernel.parse().map_err(|e: String| JsError::new(&e))?;
    let iterations = whole_number(iterations).ok_or_else(|| {
        JsError::new(&format!(
            "iterations must be a whole number, got {iterations}"
        ))
    })?;
    bench::check(iterations, repeats).map_err(|e| JsError::new(&e.to_string()))?;
    let clock = PerfClock;
    let body = bench::payload();
    let warm_start = clock.now_ms();
    browser::warm_up(&[kernel], &body, WarmUp::CAP_MS)
        .await
        .map_err(|e| JsError::new(&e.to_string()))?;
    let warm_up_ms = clock.now_ms() - warm_start;
    let timing = bench::measure(
        Runtime::Browser,
        kernel,
        &body,
        iterations,
        repeats,
        warm_up_ms,
        &clock,
    )
    .map_err(|e| JsError::new(&e.to_string()))?;
    Ok(browser::to_js(&timing))
}

/// `x` as a u64 if it is a non-negative whole number that a JavaScript number holds exactly.
fn whole_number(x: f64) -> Option<u64> {
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
    (x.is_finite() && x.fract() == 0.0 && (0.0..=MAX_SAFE).contains(&x)).then_some(x as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_whole_numbers_are_iterations() {
        assert_eq!(whole_number(1e6), Some(1_000_000));
        assert_eq!(whole_number(0.0), Some(0));
        assert_eq!(whole_number(1.5), None);
        assert_eq!(whole_number(-1.0), None);
        assert_eq!(whole_number(f64::NAN), None);
        assert_eq!(whole_number(1e300), None);
    }
}
