//! The workload: what one measured point asks of a strategy, and its limits.
//!
//! The article's knobs are the number of tasks (it sweeps 1..32), the delay of one fetch
//! (`httpbin.org/delay/1`, so 1 s), and the CPU work per task (`fraction_of_io = 0.5`: half the
//! I/O time). Every limit here is explicit so that bad input is an error naming the field, not a
//! panic or a hang.

use crate::kernel::Kernel;
use serde::{Deserialize, Serialize};

/// Explicit limits on every workload field. The CLI, the page and the server quote these.
pub mod limits {
    /// Most tasks in one point.
    pub const MAX_TASKS: u32 = 100_000;
    /// Longest fetch delay, in ms (the server's own default cap is lower: 10 s).
    pub const MAX_IO_MS: f64 = 60_000.0;
    /// Most CPU work per task, in ms.
    pub const MAX_CPU_MS: f64 = 60_000.0;
    /// Largest CPU-to-I/O ratio.
    pub const MAX_CPU_RATIO: f64 = 100.0;
    /// Most kernel iterations per task.
    pub const MAX_CPU_ITERS: u64 = 1_000_000_000_000;
    /// Largest feature payload, in bytes (16 MiB).
    pub const MAX_PAYLOAD_BYTES: u64 = 16 * 1024 * 1024;
    /// Most repeats of one point.
    pub const MAX_REPEATS: u32 = 1_000;
    /// Most workers in a pool.
    pub const MAX_WORKERS: u32 = 100_000;
}

/// How much CPU work each task does after its fetch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CpuSpec {
    /// Milliseconds of work, turned into iterations by calibration. `0` is the article's step 2.
    Ms(f64),
    /// A fraction of the I/O delay: the article's `fraction_of_io` (it uses 0.5).
    Ratio(f64),
    /// A fixed number of kernel iterations, to compare the runtimes' raw speed.
    Iters(u64),
}

impl CpuSpec {
    /// The CPU milliseconds this asks for, given the I/O delay; `None` for a fixed iteration
    /// count (whose duration depends on the runtime).
    pub fn ms(self, io_ms: f64) -> Option<f64> {
        match self {
            CpuSpec::Ms(ms) => Some(ms),
            CpuSpec::Ratio(r) => Some(r * io_ms),
            CpuSpec::Iters(_) => None,
        }
    }
}

impl Default for CpuSpec {
    fn default() -> Self {
        CpuSpec::Ms(0.0)
    }
}

/// A field of the workload that is out of range, with the range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorkloadError {
    /// A number outside its allowed range (or not a finite number).
    #[error("{field} must be {range}, got {got}")]
    OutOfRange {
        /// The field's name, as the user spells it.
        field: &'static str,
        /// The allowed range, in words.
        range: String,
        /// What was given.
        got: String,
    },
}

/// One point's workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workload {
    /// Number of concurrent tasks, N.
    pub tasks: u32,
    /// Delay of one fetch, in ms.
    pub io_ms: f64,
    /// CPU work per task.
    pub cpu: CpuSpec,
    /// The kernel that does the CPU work.
    pub kernel: Kernel,
    /// Size of the feature payload each fetch returns, in bytes.
    pub payload_bytes: u64,
    /// Pool size where a strategy has a pool; `None` means one worker per task, as the
    /// article's executors (`max_workers=num_feature_batches`).
    pub workers: Option<u32>,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            tasks: 1,
            io_ms: 1000.0,
            cpu: CpuSpec::default(),
            kernel: Kernel::Sqrt,
            payload_bytes: 1024,
            workers: None,
        }
    }
}

impl Workload {
    /// Checks every field against [`limits`].
    pub fn validate(&self) -> Result<(), WorkloadError> {
        check_tasks(self.tasks)?;
        check_io_ms(self.io_ms)?;
        match self.cpu {
            CpuSpec::Ms(ms) => check_cpu_ms(ms).map(drop)?,
            CpuSpec::Ratio(r) => check_cpu_ratio(r).map(drop)?,
            CpuSpec::Iters(n) => check_cpu_iters(n).map(drop)?,
        }
        check_payload_bytes(self.payload_bytes)?;
        if let Some(w) = self.workers {
            check_workers(w)?;
        }
        Ok(())
    }

    /// The pool size a strategy uses for this workload: `workers`, or one per task.
    pub fn pool_size(&self) -> u32 {
        self.workers.unwrap_or(self.tasks).max(1)
    }
}

fn out_of_range(field: &'static str, range: String, got: impl ToString) -> WorkloadError {
    WorkloadError::OutOfRange {
        field,
        range,
        got: got.to_string(),
    }
}

fn check_f64(field: &'static str, v: f64, max: f64) -> Result<f64, WorkloadError> {
    if v.is_finite() && (0.0..=max).contains(&v) {
        Ok(v)
    } else {
        Err(out_of_range(field, format!("a number from 0 to {max}"), v))
    }
}

fn check_int<T: PartialOrd + std::fmt::Display + Copy>(
    field: &'static str,
    v: T,
    min: T,
    max: T,
) -> Result<T, WorkloadError> {
    if v >= min && v <= max {
        Ok(v)
    } else {
        Err(out_of_range(field, format!("between {min} and {max}"), v))
    }
}

/// Checks a task count N.
pub fn check_tasks(v: u32) -> Result<u32, WorkloadError> {
    check_int("tasks", v, 1, limits::MAX_TASKS)
}
/// Checks a fetch delay in ms.
pub fn check_io_ms(v: f64) -> Result<f64, WorkloadError> {
    check_f64("io_ms", v, limits::MAX_IO_MS)
}
/// Checks CPU milliseconds per task.
pub fn check_cpu_ms(v: f64) -> Result<f64, WorkloadError> {
    check_f64("cpu_ms", v, limits::MAX_CPU_MS)
}
/// Checks a CPU-to-I/O ratio.
pub fn check_cpu_ratio(v: f64) -> Result<f64, WorkloadError> {
    check_f64("cpu_ratio", v, limits::MAX_CPU_RATIO)
}
/// Checks a fixed iteration count.
pub fn check_cpu_iters(v: u64) -> Result<u64, WorkloadError> {
    check_int("cpu_iters", v, 0, limits::MAX_CPU_ITERS)
}
/// Checks a payload size in bytes.
pub fn check_payload_bytes(v: u64) -> Result<u64, WorkloadError> {
    check_int("payload_bytes", v, 0, limits::MAX_PAYLOAD_BYTES)
}
/// Checks a repeat count.
pub fn check_repeats(v: u32) -> Result<u32, WorkloadError> {
    check_int("repeats", v, 1, limits::MAX_REPEATS)
}
/// Checks a pool size.
pub fn check_workers(v: u32) -> Result<u32, WorkloadError> {
    check_int("workers", v, 1, limits::MAX_WORKERS)
}

/// The URL one task fetches from a gilwall (or httpbin-compatible) server at `base`.
///
/// The `sqrt` kernel needs no payload, so it uses httpbin's `/delay/{seconds}` exactly as the
/// article does; the `features` kernel fetches `/features`, which only gilwall's server has.
pub fn fetch_url(base: &str, kernel: Kernel, io_ms: f64, payload_bytes: u64, seed: u64) -> String {
    let base = base.trim_end_matches('/');
    match kernel {
        Kernel::Sqrt => format!("{base}/delay/{}", io_ms / 1000.0),
        Kernel::Features => {
            format!("{base}/features?delay_ms={io_ms}&size={payload_bytes}&seed={seed}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_field_and_range() {
        let w = Workload {
            tasks: 0,
            ..Workload::default()
        };
        assert_eq!(
            w.validate().unwrap_err().to_string(),
            "tasks must be between 1 and 100000, got 0"
        );
        let w = Workload {
            io_ms: -5.0,
            ..Workload::default()
        };
        assert_eq!(
            w.validate().unwrap_err().to_string(),
            "io_ms must be a number from 0 to 60000, got -5"
        );
        let w = Workload {
            io_ms: f64::NAN,
            ..Workload::default()
        };
        assert!(
            w.validate()
                .unwrap_err()
                .to_string()
                .starts_with("io_ms must be")
        );
        let w = Workload {
            cpu: CpuSpec::Ratio(1e9),
            ..Workload::default()
        };
        assert!(
            w.validate()
                .unwrap_err()
                .to_string()
                .starts_with("cpu_ratio must be")
        );
        let w = Workload {
            payload_bytes: 1 << 40,
            ..Workload::default()
        };
        assert!(
            w.validate()
                .unwrap_err()
                .to_string()
                .starts_with("payload_bytes must be")
        );
        let w = Workload {
            workers: Some(0),
            ..Workload::default()
        };
        assert!(
            w.validate()
                .unwrap_err()
                .to_string()
                .starts_with("workers must be")
        );
        assert!(Workload::default().validate().is_ok());
    }

    #[test]
    fn cpu_spec_resolves_against_io() {
        assert_eq!(CpuSpec::Ratio(0.5).ms(1000.0), Some(500.0));
        assert_eq!(CpuSpec::Ms(20.0).ms(1000.0), Some(20.0));
        assert_eq!(CpuSpec::Iters(5).ms(1000.0), None);
    }

    #[test]
    fn urls_match_httpbin_and_gilwall() {
        assert_eq!(
            fetch_url("http://h:1/", Kernel::Sqrt, 1000.0, 0, 3),
            "http://h:1/delay/1"
        );
        assert_eq!(
            fetch_url("http://h:1", Kernel::Sqrt, 250.0, 0, 3),
            "http://h:1/delay/0.25"
        );
        assert_eq!(
            fetch_url("http://h:1", Kernel::Features, 100.0, 2048, 3),
            "http://h:1/features?delay_ms=100&size=2048&seed=3"
        );
    }

    #[test]
    fn pool_defaults_to_one_worker_per_task() {
        assert_eq!(
            Workload {
                tasks: 8,
                ..Workload::default()
            }
            .pool_size(),
            8
        );
        assert_eq!(
            Workload {
                tasks: 8,
                workers: Some(2),
                ..Workload::default()
            }
            .pool_size(),
            2
        );
    }
}
