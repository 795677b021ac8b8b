//! The kernel benchmark that native and wasm share: the same kernel, the same payload, the same
//! number of iterations, timed the same way on both sides (`cargo xtask bench-wasm` compares
//! them; BENCHMARKS.md has the figures).
//!
//! What is shaped here so the comparison measures the runtimes and not the benchmark:
//!
//! - **One call per sample.** The clock is read just before and just after one
//!   [`Kernel::run`] of all the iterations, inside the runtime; in the browser nothing crosses
//!   between JavaScript and wasm per iteration.
//! - **Long samples.** The caller picks iterations that take ~100 ms or more, so a clamped
//!   timer (a cross-origin-isolated page rounds `performance.now()` to 5 µs, others to 100 µs)
//!   is lost in the noise.
//! - **Warm code.** [`WarmUp`] runs the kernel in short calls until its speed stops changing,
//!   so V8's baseline code (Liftoff), which it swaps for optimised code (TurboFan) only between
//!   calls, is not what the samples time. Native code is warmed the same way (caches, clocks).
//! - **The same work.** The payload is generated inside each runtime from a fixed seed
//!   ([`payload`]), outside the timed region; every sample returns the kernel's checksum, and
//!   the checksums must agree across samples and across runtimes — a runtime that skipped
//!   work could not produce the same bits.
//!
//! Like the rest of core this reads no clock: callers hand in a [`Clock`].

use crate::calibrate::calibrate;
use crate::kernel::{Kernel, KernelError, checksum_hex};
use crate::payload;
use crate::strategy::Runtime;
use crate::task::Clock;
use crate::workload::limits;
use serde::{Deserialize, Serialize};

/// Seed of the benchmark's payload.
pub const PAYLOAD_SEED: u64 = 7;
/// Size of the benchmark's payload, bytes: about 50 feature rows, which stay in L1/L2 cache.
pub const PAYLOAD_BYTES: usize = 16 * 1024;
/// The task seed every sample runs with (it sets the `sqrt` kernel's noise).
pub const TASK_SEED: u64 = 1;
/// Most samples one measurement takes.
pub const MAX_REPEATS: u32 = 1_000;

/// The benchmark's payload, the same bytes natively and in wasm.
pub fn payload() -> Vec<u8> {
    payload::generate(PAYLOAD_SEED, PAYLOAD_BYTES)
}

/// One runtime's measurement of one kernel: what the native runner prints and what the wasm
/// export returns, in the same shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KernelTiming {
    /// Where it ran.
    pub runtime: Runtime,
    /// The kernel measured.
    pub kernel: Kernel,
    /// Iterations per sample.
    pub iterations: u64,
    /// Size of the payload the kernel ran over, bytes.
    pub payload_bytes: u64,
    /// Time spent warming up before the first sample, ms.
    pub warm_up_ms: f64,
    /// Each sample's duration, ms: one whole kernel call each.
    pub samples_ms: Vec<f64>,
    /// The kernel's checksum, 16 hex digits (the same for every sample).
    pub checksum: String,
}

/// What makes a measurement impossible.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BenchError {
    /// The kernel refused the payload.
    #[error(transparent)]
    Kernel(#[from] KernelError),
    /// Iterations out of range.
    #[error("iterations must be between 1 and {max}, got {got}", max = limits::MAX_CPU_ITERS)]
    Iterations {
        /// What was asked.
        got: u64,
    },
    /// Repeats out of range.
    #[error("repeats must be between 1 and {MAX_REPEATS}, got {got}")]
    Repeats {
        /// What was asked.
        got: u32,
    },
    /// Two samples of the same work gave different checksums: the kernel is not deterministic.
    #[error("the {kernel} kernel gave checksum {first} and then {then} for the same work")]
    Unstable {
        /// The kernel.
        kernel: Kernel,
        /// The first sample's checksum.
        first: String,
        /// A later sample's checksum.
        then: String,
    },
}

/// Checks a measurement's size before any work starts.
pub fn check(iterations: u64, repeats: u32) -> Result<(), BenchError> {
    if !(1..=limits::MAX_CPU_ITERS).contains(&iterations) {
        return Err(BenchError::Iterations { got: iterations });
    }
    if !(1..=MAX_REPEATS).contains(&repeats) {
        return Err(BenchError::Repeats { got: repeats });
    }
    Ok(())
}

/// Runs `kernel` for `iterations` over `body`, timing the whole call; returns (ms, checksum).
pub fn time_once(
    kernel: Kernel,
    body: &[u8],
    iterations: u64,
    clock: &impl Clock,
) -> Result<(f64, u64), KernelError> {
    let t0 = clock.now_ms();
    let checksum = kernel.run(body, TASK_SEED, iterations)?;
    let ms = clock.now_ms() - t0;
    Ok((ms, checksum))
}

/// Takes `repeats` samples of `kernel` (the caller has warmed it up; `warm_up_ms` says how
/// long that took) and checks that every sample computed the same checksum.
pub fn measure(
    runtime: Runtime,
    kernel: Kernel,
    body: &[u8],
    iterations: u64,
    repeats: u32,
    warm_up_ms: f64,
    clock: &impl Clock,
) -> Result<KernelTiming, BenchError> {
    check(iterations, repeats)?;
    let mut samples_ms = Vec::with_capacity(repeats as usize);
    let mut checksum = None;
    for _ in 0..repeats {
        let (ms, sum) = time_once(kernel, body, iterations, clock)?;
        samples_ms.push(ms);
        match checksum {
            None => checksum = Some(sum),
            Some(first) if first != sum => {
                return Err(BenchError::Unstable {
                    kernel,
                    first: checksum_hex(first),
                    then: checksum_hex(sum),
                });
            }
            Some(_) => {}
        }
    }
    Ok(KernelTiming {
        runtime,
        kernel,
        iterations,
        payload_bytes: body.len() as u64,
        warm_up_ms,
        samples_ms,
        // `check` made repeats at least 1, so there was a sample.
        checksum: checksum_hex(checksum.expect("at least one sample was taken")),
    })
}

/// Iterations of `kernel` over `body` that take about `sample_ms` on this runtime (calibrated
/// with `clock` for ~100 ms); the native runner uses it so both runtimes get the same count.
pub fn iterations_for(
    kernel: Kernel,
    body: &[u8],
    sample_ms: f64,
    clock: &impl Clock,
) -> Result<u64, KernelError> {
    let speed = calibrate(kernel, body, clock, 100.0)?;
    Ok(speed
        .iterations_for(sample_ms)
        .clamp(1, limits::MAX_CPU_ITERS))
}

/// Warming a kernel up: short calls until two rounds in a row run within 3% of the speed
/// before them, or the cap ([`WarmUp::CAP_MS`] unless set) has passed.
///
/// Each round is one short calibration ([`WarmUp::ROUND_MS`]), i.e. dozens of calls, so an
/// engine that swaps in optimised code between calls gets the chance to. In the browser the
/// caller yields to the event loop between rounds, so the background compiler gets a core.
#[derive(Debug, Clone)]
pub struct WarmUp {
    start_ms: f64,
    cap_ms: f64,
    last: f64,
    steady: u32,
}

impl WarmUp {
    /// Time one round spends calling the kernel, ms.
    pub const ROUND_MS: f64 = 20.0;
    /// Longest warm-up, ms.
    pub const CAP_MS: f64 = 3_000.0;

    /// Starts warming up now, for at most [`WarmUp::CAP_MS`].
    pub fn new(clock: &impl Clock) -> WarmUp {
        WarmUp::with_cap(clock, Self::CAP_MS)
    }

    /// Starts warming up now, for at most `cap_ms` (a page that must start soon gives less).
    pub fn with_cap(clock: &impl Clock, cap_ms: f64) -> WarmUp {
        WarmUp {
            start_ms: clock.now_ms(),
            cap_ms,
            last: 0.0,
            steady: 0,
        }
    }

    /// Runs one round; `true` when the kernel is warm (its speed settled, or the cap passed).
    pub fn round(
        &mut self,
        kernel: Kernel,
        body: &[u8],
        clock: &impl Clock,
    ) -> Result<bool, KernelError> {
        let speed = calibrate(kernel, body, clock, Self::ROUND_MS)?.iters_per_ms;
        Ok(self.observe(speed, clock.now_ms()))
    }

    /// Records one round's speed (iterations per ms) at time `now_ms`; `true` when warm.
    pub fn observe(&mut self, speed: f64, now_ms: f64) -> bool {
        let settled = self.last > 0.0 && (speed / self.last - 1.0).abs() < 0.03;
        self.steady = if settled { self.steady + 1 } else { 0 };
        self.last = speed;
        self.steady >= 2 || now_ms - self.start_ms >= self.cap_ms
    }

    /// Time since the warm-up started, ms.
    pub fn elapsed_ms(&self, clock: &impl Clock) -> f64 {
        clock.now_ms() - self.start_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::test_clocks::Ticking;

    #[test]
    fn every_sample_times_one_call_and_agrees_on_the_checksum() {
        let body = payload();
        let clock = Ticking::new(4.0);
        for kernel in Kernel::ALL {
            let t = measure(Runtime::Native, kernel, &body, 50, 3, 0.0, &clock).unwrap();
            // Two clock readings per sample, 4 ms apart.
            assert_eq!(t.samples_ms, vec![4.0; 3]);
            let expected = kernel.run(&body, TASK_SEED, 50).unwrap();
            assert_eq!(t.checksum, checksum_hex(expected), "{kernel}");
            assert_eq!(t.payload_bytes, body.len() as u64);
        }
    }

    #[test]
    fn different_iterations_give_different_checksums() {
        let body = payload();
        let clock = Ticking::new(1.0);
        for kernel in Kernel::ALL {
            let a = measure(Runtime::Native, kernel, &body, 10, 1, 0.0, &clock).unwrap();
            let b = measure(Runtime::Native, kernel, &body, 11, 1, 0.0, &clock).unwrap();
            assert_ne!(a.checksum, b.checksum, "{kernel}");
        }
    }

    #[test]
    fn sizes_out_of_range_are_refused_with_their_value() {
        assert_eq!(
            check(0, 1).unwrap_err().to_string(),
            "iterations must be between 1 and 1000000000000, got 0"
        );
        assert_eq!(
            check(1, 0).unwrap_err().to_string(),
            "repeats must be between 1 and 1000, got 0"
        );
        assert!(check(1, 1).is_ok());
    }

    #[test]
    fn warm_up_ends_when_the_speed_settles_or_the_cap_passes() {
        let clock = Ticking::new(0.0);
        let mut w = WarmUp::new(&clock);
        // Speeding up (baseline code replaced by optimised code): not warm yet.
        assert!(!w.observe(100.0, 10.0));
        assert!(!w.observe(300.0, 20.0));
        assert!(!w.observe(301.0, 30.0));
        assert!(w.observe(300.5, 40.0));
        // A speed that never settles stops at the cap.
        let mut w = WarmUp::new(&clock);
        assert!(!w.observe(100.0, 10.0));
        assert!(!w.observe(200.0, 20.0));
        assert!(w.observe(100.0, WarmUp::CAP_MS));
    }
}
