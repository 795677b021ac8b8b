//! The messages between the page and its Web Workers.
//!
//! A job crosses as a JSON string (plus, for a compute job, the fetched payload as a
//! `Uint8Array`); the reply is core's [`TaskOutcome`] as a JSON string. `postMessage` copies
//! both: this is the browser's version of the article's pickling between processes, and its
//! cost is part of what the `workers` strategies measure. The outcome's `copied` adds up every
//! copy of the task's data, the worker's and the page's (see [`crate::pool`]).

use gilwall_core::task::{Copied, TaskSpec};
use serde::{Deserialize, Serialize};

/// What a worker is asked to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "spec")]
pub enum Job {
    /// The whole task: fetch, then compute (the `workers` strategy).
    Task(TaskSpec),
    /// Only the CPU half, over a payload the page fetched and sent along (`async-workers`).
    Compute(TaskSpec),
}

/// What the page asks the wasm-threads driver to run: one repeat's tasks, and the repeat's
/// start in epoch ms, so the driver's and pool threads' spans are on the repeat's clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadsJob {
    /// The repeat's tasks.
    pub specs: Vec<TaskSpec>,
    /// The repeat's start, epoch ms (`performance.timeOrigin + performance.now()`).
    pub origin_ms: f64,
}

/// `a` and `b` together: bytes and time of two sets of copies of one task's data.
pub fn add_copies(a: Option<Copied>, b: Copied) -> Copied {
    match a {
        None => b,
        Some(a) => Copied {
            bytes: a.bytes + b.bytes,
            ms: a.ms + b.ms,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gilwall_core::kernel::Kernel;
    use gilwall_core::task::{Computed, TaskOutcome};

    #[test]
    fn jobs_and_outcomes_round_trip_with_full_u64_checksums() {
        let job = Job::Compute(TaskSpec {
            index: 3,
            url: "u".into(),
            kernel: Kernel::Features,
            iterations: 7,
        });
        let text = serde_json::to_string(&job).unwrap();
        assert!(text.contains("\"kind\":\"compute\""));
        assert_eq!(serde_json::from_str::<Job>(&text).unwrap(), job);
        let out = TaskOutcome::computed(
            1,
            None,
            Computed {
                result: Ok(u64::MAX - 1),
                wall_ms: 2.5,
                cpu_time_ms: None,
            },
        )
        .with_copied(Copied {
            bytes: 4 << 20,
            ms: 1.25,
        });
        let text = serde_json::to_string(&out).unwrap();
        assert_eq!(serde_json::from_str::<TaskOutcome>(&text).unwrap(), out);
        let both = add_copies(out.copied, Copied { bytes: 1, ms: 0.75 });
        assert_eq!((both.bytes, both.ms), ((4 << 20) + 1, 2.0));
    }
}
