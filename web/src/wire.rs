//! The messages between the page and its Web Workers.
//!
//! A job crosses as a JSON string (plus, for a compute job, the fetched payload as a
//! `Uint8Array`); the reply crosses as a JSON string. `postMessage` copies both (structured
//! clone): this is the browser's version of the article's pickling between processes, and its
//! cost is part of what the `workers` strategies measure.

use gilwall_core::kernel::Kernel;
use gilwall_core::task::{TaskOutcome, TaskSpec};
use serde::{Deserialize, Serialize};

/// What a worker is asked to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Job {
    /// The whole task: fetch, then compute (the `workers` strategy).
    Task(WireSpec),
    /// Only the CPU half, over a payload the page fetched and sent along (`async-workers`).
    Compute(WireSpec),
}

/// A [`TaskSpec`] as it crosses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireSpec {
    /// The task's number.
    pub index: u32,
    /// The URL to fetch (task jobs).
    pub url: String,
    /// The kernel.
    pub kernel: Kernel,
    /// Kernel iterations.
    pub iterations: u64,
}

impl From<&TaskSpec> for WireSpec {
    fn from(s: &TaskSpec) -> Self {
        WireSpec {
            index: s.index,
            url: s.url.clone(),
            kernel: s.kernel,
            iterations: s.iterations,
        }
    }
}

impl From<WireSpec> for TaskSpec {
    fn from(s: WireSpec) -> Self {
        TaskSpec {
            index: s.index,
            url: s.url,
            kernel: s.kernel,
            iterations: s.iterations,
        }
    }
}

/// A [`TaskOutcome`] as it crosses back. The worker's clock has its own origin, so only the
/// kernel's duration comes back, not when the fetch finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireOutcome {
    /// The task's number.
    pub index: u32,
    /// The checksum, or why the task failed.
    pub result: Result<u64, String>,
    /// Wall time the kernel took in the worker, ms.
    pub cpu_ms: f64,
    /// Payload bytes this task copied between heaps (see [`crate::pool`]); 0 where shared.
    #[serde(default)]
    pub copied_bytes: u64,
    /// Time those copies took, ms.
    #[serde(default)]
    pub copy_ms: f64,
}

impl From<TaskOutcome> for WireOutcome {
    fn from(o: TaskOutcome) -> Self {
        WireOutcome {
            index: o.index,
            result: o.result,
            cpu_ms: o.cpu_ms,
            copied_bytes: 0,
            copy_ms: 0.0,
        }
    }
}

impl WireOutcome {
    /// Back into core's outcome, with `fetched_at_ms` unknown (NaN).
    pub fn into_outcome(self) -> TaskOutcome {
        TaskOutcome {
            index: self.index,
            result: self.result,
            fetched_at_ms: f64::NAN,
            cpu_ms: self.cpu_ms,
            // The browser has no thread CPU clock.
            cpu_time_ms: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_and_outcomes_round_trip_with_full_u64_checksums() {
        let job = Job::Compute(WireSpec {
            index: 3,
            url: "u".into(),
            kernel: Kernel::Features,
            iterations: 7,
        });
        let text = serde_json::to_string(&job).unwrap();
        assert!(text.contains("\"kind\":\"compute\""));
        assert_eq!(serde_json::from_str::<Job>(&text).unwrap(), job);
        let out = WireOutcome {
            index: 1,
            result: Ok(u64::MAX - 1),
            cpu_ms: 2.5,
            copied_bytes: 4 << 20,
            copy_ms: 1.25,
        };
        let text = serde_json::to_string(&out).unwrap();
        assert_eq!(serde_json::from_str::<WireOutcome>(&text).unwrap(), out);
    }
}
