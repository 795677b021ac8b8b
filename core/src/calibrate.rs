//! Calibration: how many kernel iterations make one millisecond of CPU work here.
//!
//! A workload asks for `cpu_ms` of work; the runtime (native or wasm) calibrates its own speed
//! with a clock it supplies, so `cpu_ms = 100` means 100 ms of work in both places.
//!
//! A kernel call costs a fixed part plus a part per iteration: the `features` kernel parses its
//! payload once per call and then makes its passes. With a large payload the fixed part is
//! large (about 15 ms for 4 MiB in Chromium), so calibration measures it on its own and times
//! only the iterations beyond it; otherwise a one-pass sample, mostly parsing, would make every
//! pass look as slow as a parse and a task would do a fraction of the work asked.

use crate::kernel::{Kernel, KernelError};
use crate::task::Clock;
use serde::{Deserialize, Serialize};

/// The speed of one kernel on this runtime.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// The kernel measured.
    pub kernel: Kernel,
    /// Iterations per millisecond (the best of the rounds: least disturbed by other work).
    pub iters_per_ms: f64,
    /// Payload size in bytes the kernel was measured on (it matters for `features`).
    pub payload_bytes: u64,
    /// What one call costs before its first iteration, ms (the `features` kernel's parse).
    #[serde(default)]
    pub fixed_ms: f64,
}

impl Calibration {
    /// Iterations that, with the fixed part, make `cpu_ms` milliseconds of work (0 for 0 ms,
    /// at least 1 otherwise).
    pub fn iterations_for(&self, cpu_ms: f64) -> u64 {
        if cpu_ms <= 0.0 {
            0
        } else {
            (((cpu_ms - self.fixed_ms).max(0.0) * self.iters_per_ms).round() as u64).max(1)
        }
    }

    /// Milliseconds that a call of `iterations` takes at this speed, fixed part included.
    pub fn ms_for(&self, iterations: u64) -> f64 {
        self.fixed_ms + iterations as f64 / self.iters_per_ms
    }

    /// The CPU time per task to model when `cpu_ms` is asked: `cpu_ms` itself, unless even one
    /// iteration (with the fixed part) takes clearly longer — then what the work really costs.
    pub fn effective_ms(&self, cpu_ms: f64) -> f64 {
        if cpu_ms <= 0.0 {
            return 0.0;
        }
        let real = self.ms_for(self.iterations_for(cpu_ms));
        if real > cpu_ms * 1.01 { real } else { cpu_ms }
    }
}

/// Shortest timed run that counts towards the estimate: shorter runs are mostly clock noise.
const MIN_SAMPLE_MS: f64 = 5.0;

/// Calls of no iterations timed to find a kernel's fixed part (the fastest counts).
const FIXED_ROUNDS: usize = 3;
/// Calibration stops growing its sample after this many budgets, whatever it has measured.
const GIVE_UP: f64 = 4.0;

/// Measures `kernel` over `body` with `clock` for roughly `budget_ms` and returns its speed.
///
/// First times calls of no iterations: the fixed part. Then doubles the iteration count until
/// the iterations beyond the fixed part take at least a few milliseconds, keeps timing runs of
/// that size until the budget is spent, and keeps the fastest (the machine is shared and noisy;
/// the fastest run is the one least disturbed).
pub fn calibrate(
    kernel: Kernel,
    body: &[u8],
    clock: &impl Clock,
    budget_ms: f64,
) -> Result<Calibration, KernelError> {
    calibrate_with_samples(kernel, body, clock, budget_ms, MIN_SAMPLE_MS)
}

/// [`calibrate`] with timed runs of at least `min_sample_ms` each.
///
/// The page calibrates with runs as long as its tasks' (about 100 ms): measured in Chromium
/// 156 on a 2-core AMD EPYC, the `sqrt` loop's short calls ran up to 2.2× faster than the
/// long calls its tasks made, even on warm code, and a calibration from 5 ms runs promised the
/// page's tasks twice the work per ms they got.
pub fn calibrate_with_samples(
    kernel: Kernel,
    body: &[u8],
    clock: &impl Clock,
    budget_ms: f64,
    min_sample_ms: f64,
) -> Result<Calibration, KernelError> {
    let min_sample_ms = min_sample_ms.max(MIN_SAMPLE_MS);
    // Growing the sample may take a few samples' time, whatever the budget.
    let give_up_ms = GIVE_UP * budget_ms.max(3.0 * min_sample_ms);
    let start = clock.now_ms();
    let mut fixed_ms = f64::INFINITY;
    for _ in 0..FIXED_ROUNDS {
        let t0 = clock.now_ms();
        std::hint::black_box(kernel.run(body, 1, 0)?);
        fixed_ms = fixed_ms.min(clock.now_ms() - t0);
    }
    let mut iters: u64 = 1;
    let mut best: f64 = 0.0;
    let mut rounds = 0;
    loop {
        let t0 = clock.now_ms();
        std::hint::black_box(kernel.run(body, 1, iters)?);
        let raw = clock.now_ms() - t0;
        let elapsed = raw - fixed_ms;
        let spent = clock.now_ms() - start;
        if elapsed >= min_sample_ms {
            best = best.max(iters as f64 / elapsed);
            rounds += 1;
        } else if spent < give_up_ms && iters < u64::MAX / 4 {
            iters = iters.saturating_mul(if elapsed < min_sample_ms / 8.0 { 4 } else { 2 });
            continue;
        } else if best == 0.0 {
            // The iterations never stood out from the fixed part within the time allowed (a
            // coarse or odd clock): charge the whole run to them — too slow, never too fast.
            best = iters as f64 / raw.max(f64::MIN_POSITIVE);
            break;
        }
        if rounds >= 3 && spent >= budget_ms {
            break;
        }
        if rounds >= 25 {
            break;
        }
    }
    Ok(Calibration {
        kernel,
        iters_per_ms: best,
        payload_bytes: body.len() as u64,
        fixed_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::test_clocks::Ticking;

    #[test]
    fn iterations_scale_with_ms() {
        let c = Calibration {
            kernel: Kernel::Sqrt,
            iters_per_ms: 1000.0,
            payload_bytes: 0,
            fixed_ms: 0.0,
        };
        assert_eq!(c.iterations_for(0.0), 0);
        assert_eq!(c.iterations_for(2.5), 2500);
        assert_eq!(c.iterations_for(0.0001), 1);
        assert_eq!(c.ms_for(5000), 5.0);
        assert_eq!(c.effective_ms(2.5), 2.5);
    }

    #[test]
    fn a_fixed_part_is_paid_once_per_call_not_per_iteration() {
        // 15 ms to parse a large payload, then 2 passes per ms.
        let c = Calibration {
            kernel: Kernel::Features,
            iters_per_ms: 2.0,
            payload_bytes: 4 << 20,
            fixed_ms: 15.0,
        };
        assert_eq!(c.iterations_for(150.0), 270);
        assert_eq!(c.ms_for(270), 150.0);
        assert_eq!(c.effective_ms(150.0), 150.0);
        // Asking for less than the parse costs still parses and makes one pass: model that.
        assert_eq!(c.iterations_for(10.0), 1);
        assert_eq!(c.effective_ms(10.0), 15.5);
        assert_eq!(c.effective_ms(0.0), 0.0);
    }

    #[test]
    fn calibration_measures_the_features_parse_apart_from_its_passes() {
        // The real kernel on a large payload: the fixed part is clearly above zero, and the
        // iterations asked for 3 parses' worth of time are many more than 3.
        let body = crate::payload::generate(1, 256 * 1024);
        let clock = Wall(std::time::Instant::now());
        let c = calibrate(Kernel::Features, &body, &clock, 60.0).unwrap();
        assert!(c.fixed_ms > 0.0, "{c:?}");
        assert!(c.iterations_for(3.0 * c.fixed_ms) > 3, "{c:?}");
    }

    #[test]
    fn longer_samples_are_honoured_however_small_the_budget() {
        // Three timed runs of at least 40 ms each, although the budget is 10 ms: the page
        // calibrates with runs as long as its tasks', and must get them.
        let clock = Wall(std::time::Instant::now());
        let c = calibrate_with_samples(Kernel::Sqrt, b"", &clock, 10.0, 40.0).unwrap();
        let took = clock.now_ms();
        assert!(took >= 3.0 * 40.0, "calibration took {took:.1} ms");
        assert!(c.iters_per_ms > 0.0 && c.iters_per_ms.is_finite(), "{c:?}");
    }

    /// The wall clock, for the tests that run the real kernel.
    struct Wall(std::time::Instant);
    impl Clock for Wall {
        fn now_ms(&self) -> f64 {
            self.0.elapsed().as_secs_f64() * 1000.0
        }
    }

    #[test]
    fn calibration_terminates_and_is_positive() {
        // Every reading advances 6 ms: a call of no iterations "takes" 6 ms (the fixed part),
        // and so does every timed run, whose iterations then take no time at all; the loop
        // must still stop once the budget is spent, with a positive speed.
        let clock = Ticking::new(6.0);
        let c = calibrate(Kernel::Sqrt, b"", &clock, 50.0).unwrap();
        assert_eq!(c.fixed_ms, 6.0);
        assert!(c.iters_per_ms > 0.0 && c.iters_per_ms.is_finite(), "{c:?}");
        // It gives up growing its sample after GIVE_UP budgets (plus the readings of one run).
        assert!(
            clock.0.get() <= GIVE_UP * 50.0 + 4.0 * 6.0,
            "calibration ran past its budget: {}",
            clock.0.get()
        );
    }
}
