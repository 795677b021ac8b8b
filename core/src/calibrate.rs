//! Calibration: how many kernel iterations make one millisecond of CPU work here.
//!
//! A workload asks for `cpu_ms` of work; the runtime (native or wasm) calibrates its own speed
//! with a clock it supplies, so `cpu_ms = 100` means 100 ms of work in both places.

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
}

impl Calibration {
    /// Iterations that make `cpu_ms` milliseconds of work (0 for 0 ms, at least 1 otherwise).
    pub fn iterations_for(&self, cpu_ms: f64) -> u64 {
        if cpu_ms <= 0.0 {
            0
        } else {
            ((cpu_ms * self.iters_per_ms).round() as u64).max(1)
        }
    }

    /// Milliseconds that `iterations` take at this speed.
    pub fn ms_for(&self, iterations: u64) -> f64 {
        iterations as f64 / self.iters_per_ms
    }
}

/// Shortest timed run that counts towards the estimate: shorter runs are mostly clock noise.
const MIN_SAMPLE_MS: f64 = 5.0;

/// Measures `kernel` over `body` with `clock` for roughly `budget_ms` and returns its speed.
///
/// Doubles the iteration count until one run takes at least a few milliseconds, then keeps
/// timing runs of that size until the budget is spent, and keeps the fastest (the machine is
/// shared and noisy; the fastest run is the one least disturbed).
pub fn calibrate(
    kernel: Kernel,
    body: &[u8],
    clock: &impl Clock,
    budget_ms: f64,
) -> Result<Calibration, KernelError> {
    let start = clock.now_ms();
    let mut iters: u64 = 1;
    let mut best: f64 = 0.0;
    let mut rounds = 0;
    loop {
        let t0 = clock.now_ms();
        std::hint::black_box(kernel.run(body, 1, iters)?);
        let elapsed = clock.now_ms() - t0;
        if elapsed >= MIN_SAMPLE_MS {
            best = best.max(iters as f64 / elapsed);
            rounds += 1;
        } else if iters < u64::MAX / 4 {
            iters = iters.saturating_mul(if elapsed < MIN_SAMPLE_MS / 8.0 { 4 } else { 2 });
            continue;
        }
        if rounds >= 3 && clock.now_ms() - start >= budget_ms {
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// A clock that advances a fixed amount per reading, so calibration is deterministic.
    struct Ticking(Cell<f64>, f64);
    impl Clock for Ticking {
        fn now_ms(&self) -> f64 {
            let t = self.0.get();
            self.0.set(t + self.1);
            t
        }
    }

    #[test]
    fn iterations_scale_with_ms() {
        let c = Calibration {
            kernel: Kernel::Sqrt,
            iters_per_ms: 1000.0,
            payload_bytes: 0,
        };
        assert_eq!(c.iterations_for(0.0), 0);
        assert_eq!(c.iterations_for(2.5), 2500);
        assert_eq!(c.iterations_for(0.0001), 1);
        assert_eq!(c.ms_for(5000), 5.0);
    }

    #[test]
    fn calibration_terminates_and_is_positive() {
        // Every reading advances 6 ms, so the very first one-iteration run already counts and
        // measures one iteration per 6 ms; the loop must stop once the budget is spent.
        let clock = Ticking(Cell::new(0.0), 6.0);
        let c = calibrate(Kernel::Sqrt, b"", &clock, 50.0).unwrap();
        assert_eq!(c.iters_per_ms, 1.0 / 6.0);
        assert!(clock.0.get() < 200.0, "calibration ran past its budget");
    }
}
