//! The sweep's specification: what `gilwall run`'s flags and the page's `gilwall.run(config)`
//! both become, one serde type, checked field by field so a mistake is an error naming it.
//!
//! Missing fields take their defaults; an unknown field is refused (a typo must not silently
//! measure something else). The ranges are [`limits`](crate::workload::limits), plus the few
//! that only one runtime has (a browser's worker pool, the shared memory of its wasm threads),
//! which [`SweepSpec::check`] applies for the runtime it is given.

use crate::kernel::Kernel;
use crate::strategy::{Runtime, StrategyId};
use crate::workload::{self, CpuSpec, WorkloadError, limits};
use serde::{Deserialize, Serialize};

/// Most task counts in one sweep.
pub const MAX_TASK_COUNTS: usize = 64;
/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Most Web Workers (or wasm pool threads) in a browser's pool: each is a whole wasm instance
/// with its own memory, and the article sweeps to 32 tasks.
pub const MAX_BROWSER_WORKERS: u32 = 32;
/// Most payload bytes one `wasm-threads` repeat may hold at once (N × payload): its tasks
/// share one wasm memory, which the shared-memory build caps at 1 GiB; this leaves room for
/// the allocator and each fetch's staging copy.
pub const MAX_SHARED_PAYLOAD_BYTES: u64 = 512 * 1024 * 1024;
/// Shortest and longest switch interval of the `gil` strategy, ms.
pub const SWITCH_INTERVAL_RANGE_MS: (f64, f64) = (0.0, 1000.0);
/// Longest per-request timeout, ms (one hour).
pub const MAX_TIMEOUT_MS: u64 = 3_600_000;
/// Most unmeasured runs before a point's measured ones.
pub const MAX_WARMUP: u32 = 100;

/// One sweep: every strategy at every task count, repeated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SweepSpec {
    /// Strategies, in the order they are run and shown; empty means every strategy of the
    /// runtime that runs the sweep.
    pub strategies: Vec<StrategyId>,
    /// Task counts N (the article sweeps 1..32); measured in increasing order, each once.
    pub tasks: Vec<u32>,
    /// Delay of one fetch, ms (the article: 1000).
    pub io_ms: f64,
    /// CPU work per task in ms, calibrated where it runs (at most one of the three CPU fields;
    /// none means half the I/O time, the article's `fraction_of_io`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_ms: Option<f64>,
    /// CPU work as a fraction of the fetch delay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_ratio: Option<f64>,
    /// A fixed number of kernel iterations per task, to compare runtimes' raw speed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_iters: Option<u64>,
    /// The kernel doing the CPU work.
    pub kernel: Kernel,
    /// Size of each fetched feature payload, KiB.
    pub payload_kb: u64,
    /// Measured runs per point; the report keeps every sample and their median.
    pub repeats: u32,
    /// Unmeasured runs per point before the measured ones.
    pub warmup: u32,
    /// Pool size for the pooled strategies; `None` is one per task, as the article's executors
    /// (`max_workers=num_feature_batches`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workers: Option<u32>,
    /// The `gil` strategy's switch interval, ms (CPython's `sys.getswitchinterval()`: 5).
    pub switch_interval_ms: f64,
    /// Per-request timeout, ms; `None` is the delay plus 30 s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// Speak HTTP/2 (h2c) to the server, multiplexing requests over few connections (native
    /// only: browsers speak HTTP/2 only over TLS). With neither this nor `http1`, the native
    /// runtime chooses per point: HTTP/1.1 while N connections fit, HTTP/2 beyond.
    pub http2: bool,
    /// Speak HTTP/1.1, one connection per request in flight, whatever N (as the article's
    /// clients do; beyond the accept backlog, connects wait for TCP's retry).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub http1: bool,
    /// A title for the report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Default for SweepSpec {
    fn default() -> Self {
        SweepSpec {
            strategies: Vec::new(),
            tasks: vec![1, 2, 4, 8, 16],
            io_ms: 200.0,
            cpu_ms: None,
            cpu_ratio: None,
            cpu_iters: None,
            kernel: Kernel::Sqrt,
            payload_kb: 1,
            repeats: 1,
            warmup: 0,
            workers: None,
            switch_interval_ms: 5.0,
            timeout_ms: None,
            http2: false,
            http1: false,
            title: None,
        }
    }
}

/// A field of a sweep's specification that is wrong, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct SpecError {
    /// The field, as the specification spells it (`tasks`, `io_ms`, …; empty for the whole).
    pub field: String,
    /// The whole message, which names the field.
    pub message: String,
}

impl SpecError {
    fn new(field: &str, message: impl Into<String>) -> SpecError {
        SpecError {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl From<WorkloadError> for SpecError {
    fn from(e: WorkloadError) -> Self {
        let WorkloadError::OutOfRange { field, .. } = &e;
        SpecError::new(field, e.to_string())
    }
}

/// Every field a specification may have, in the order errors list them.
pub const FIELDS: &[&str] = &[
    "strategies",
    "tasks",
    "io_ms",
    "cpu_ms",
    "cpu_ratio",
    "cpu_iters",
    "kernel",
    "payload_kb",
    "repeats",
    "warmup",
    "workers",
    "switch_interval_ms",
    "timeout_ms",
    "http2",
    "http1",
    "title",
];

impl SweepSpec {
    /// Reads a specification from JSON (what `JSON.stringify(config)` makes of the page's
    /// object), without checking its ranges: that is [`SweepSpec::check`]'s job.
    pub fn from_json(text: &str) -> Result<SweepSpec, SpecError> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| SpecError::new("", format!("the config is not JSON: {e}")))?;
        SweepSpec::from_value(value)
    }

    /// Reads a specification from a JSON value; see [`SweepSpec::from_json`].
    pub fn from_value(value: serde_json::Value) -> Result<SweepSpec, SpecError> {
        let Some(object) = value.as_object() else {
            return Err(SpecError::new(
                "",
                format!(
                    "the config must be an object such as {{\"strategies\": [\"async\", \"workers\"], \"tasks\": [1, 4]}}, got {value}"
                ),
            ));
        };
        // serde's own message for an unknown field lists the fields in backticks; say it in
        // the words the rest of these errors use.
        if let Some(unknown) = object.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(SpecError::new(
                unknown,
                format!(
                    "unknown config field {unknown:?}; expected some of: {}",
                    FIELDS.join(", ")
                ),
            ));
        }
        serde_path_to_error::deserialize(value).map_err(|e| {
            let field = e.path().to_string();
            let message = format!("{field}: {}", e.inner());
            SpecError::new(field.split(['[', '.']).next().unwrap_or(""), message)
        })
    }

    /// The CPU work each task asks for: at most one of `cpu_ms`, `cpu_ratio` and `cpu_iters`;
    /// none is half the I/O time.
    pub fn cpu(&self) -> Result<CpuSpec, SpecError> {
        let given: Vec<&str> = [
            ("cpu_ms", self.cpu_ms.is_some()),
            ("cpu_ratio", self.cpu_ratio.is_some()),
            ("cpu_iters", self.cpu_iters.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect();
        if given.len() > 1 {
            return Err(SpecError::new(
                given[1],
                format!(
                    "give only one of cpu_ms, cpu_ratio and cpu_iters, got {}",
                    given.join(" and ")
                ),
            ));
        }
        Ok(match (self.cpu_ms, self.cpu_ratio, self.cpu_iters) {
            (Some(ms), _, _) => CpuSpec::Ms(workload::check_cpu_ms(ms)?),
            (_, Some(r), _) => CpuSpec::Ratio(workload::check_cpu_ratio(r)?),
            (_, _, Some(n)) => CpuSpec::Iters(workload::check_cpu_iters(n)?),
            _ => CpuSpec::Ratio(0.5),
        })
    }

    /// Sets the CPU work, clearing the other two CPU fields.
    pub fn set_cpu(&mut self, cpu: CpuSpec) {
        (self.cpu_ms, self.cpu_ratio, self.cpu_iters) = match cpu {
            CpuSpec::Ms(ms) => (Some(ms), None, None),
            CpuSpec::Ratio(r) => (None, Some(r), None),
            CpuSpec::Iters(n) => (None, None, Some(n)),
        };
    }

    /// Payload bytes per fetch.
    pub fn payload_bytes(&self) -> u64 {
        self.payload_kb.saturating_mul(1024)
    }

    /// The strategies this sweep runs on `runtime`, in order, each once.
    pub fn strategies_for(&self, runtime: Runtime) -> Vec<StrategyId> {
        if self.strategies.is_empty() {
            return StrategyId::for_runtime(runtime).collect();
        }
        let mut out: Vec<StrategyId> = Vec::new();
        for &s in &self.strategies {
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }

    /// The task counts in the order they are measured: increasing, each once.
    pub fn task_counts(&self) -> Vec<u32> {
        let mut counts = self.tasks.clone();
        counts.sort_unstable();
        counts.dedup();
        counts
    }

    /// The pool of a point with `tasks` tasks on `runtime`: `workers`, or one per task, within
    /// what the runtime can start.
    pub fn pool_size(&self, tasks: u32, runtime: Runtime) -> u32 {
        let most = match runtime {
            Runtime::Native => limits::MAX_WORKERS,
            Runtime::Browser => MAX_BROWSER_WORKERS,
        };
        self.workers.unwrap_or(tasks).clamp(1, most)
    }

    /// Checks every field for a sweep on `runtime`; the error names the first that is wrong.
    pub fn check(&self, runtime: Runtime) -> Result<(), SpecError> {
        let available: Vec<&str> = StrategyId::for_runtime(runtime)
            .map(|s| s.as_str())
            .collect();
        if let Some(s) = self
            .strategies
            .iter()
            .find(|s| !s.info().runtimes.contains(&runtime))
        {
            let message = match runtime {
                Runtime::Browser => format!(
                    "strategies: {:?} runs only natively (the gilwall command); the browser has: {}",
                    s.as_str(),
                    available.join(", ")
                ),
                Runtime::Native => format!(
                    "strategies: {:?} runs only in the browser (the demo page: gilwall serve); the gilwall command has: {}",
                    s.as_str(),
                    available.join(", ")
                ),
            };
            return Err(SpecError::new("strategies", message));
        }
        if self.tasks.is_empty() || self.tasks.len() > MAX_TASK_COUNTS {
            return Err(SpecError::new(
                "tasks",
                format!(
                    "tasks must list 1 to {MAX_TASK_COUNTS} task counts, got {}",
                    self.tasks.len()
                ),
            ));
        }
        for &n in &self.tasks {
            workload::check_tasks(n)?;
        }
        workload::check_io_ms(self.io_ms)?;
        let cpu = self.cpu()?;
        let max_kb = limits::MAX_PAYLOAD_BYTES / 1024;
        if self.payload_kb > max_kb {
            return Err(SpecError::new(
                "payload_kb",
                format!(
                    "payload_kb must be between 0 and {max_kb}, got {}",
                    self.payload_kb
                ),
            ));
        }
        workload::check_repeats(self.repeats)?;
        if self.warmup > MAX_WARMUP {
            return Err(SpecError::new(
                "warmup",
                format!(
                    "warmup must be between 0 and {MAX_WARMUP}, got {}",
                    self.warmup
                ),
            ));
        }
        if let Some(w) = self.workers {
            match runtime {
                Runtime::Native => {
                    workload::check_workers(w)?;
                }
                Runtime::Browser if !(1..=MAX_BROWSER_WORKERS).contains(&w) => {
                    return Err(SpecError::new(
                        "workers",
                        format!(
                            "workers must be between 1 and {MAX_BROWSER_WORKERS} in the browser (or left out for one per task), got {w}"
                        ),
                    ));
                }
                Runtime::Browser => {}
            }
        }
        let (lo, hi) = SWITCH_INTERVAL_RANGE_MS;
        if !(self.switch_interval_ms.is_finite()
            && self.switch_interval_ms > lo
            && self.switch_interval_ms <= hi)
        {
            return Err(SpecError::new(
                "switch_interval_ms",
                format!(
                    "switch_interval_ms must be more than {lo} and at most {hi}, got {}",
                    self.switch_interval_ms
                ),
            ));
        }
        if let Some(t) = self.timeout_ms
            && !(1..=MAX_TIMEOUT_MS).contains(&t)
        {
            return Err(SpecError::new(
                "timeout_ms",
                format!("timeout_ms must be between 1 and {MAX_TIMEOUT_MS}, got {t}"),
            ));
        }
        if self.http1 && self.http2 {
            return Err(SpecError::new(
                "http1",
                "http1 and http2 each force one HTTP version; give at most one",
            ));
        }
        if self.http2 && runtime == Runtime::Browser {
            return Err(SpecError::new(
                "http2",
                "http2: the page speaks HTTP/1.1 to its server (browsers speak HTTP/2 only over TLS); leave it out",
            ));
        }
        if let Some(t) = &self.title
            && t.chars().count() > MAX_TITLE_CHARS
        {
            return Err(SpecError::new(
                "title",
                format!(
                    "title must be at most {MAX_TITLE_CHARS} characters, got {}",
                    t.chars().count()
                ),
            ));
        }
        let most_tasks = u64::from(self.tasks.iter().copied().max().unwrap_or(1));
        if runtime == Runtime::Browser
            && self.strategies.contains(&StrategyId::WasmThreads)
            && self.kernel == Kernel::Features
            && most_tasks * self.payload_bytes() > MAX_SHARED_PAYLOAD_BYTES
        {
            return Err(SpecError::new(
                "payload_kb",
                format!(
                    "wasm-threads holds every task's payload in one shared memory: tasks × payload_kb \
                     must stay within {} KiB, got {most_tasks} × {} KiB; use fewer tasks or a smaller payload",
                    MAX_SHARED_PAYLOAD_BYTES / 1024,
                    self.payload_kb
                ),
            ));
        }
        // A fixed iteration count is in range already; a duration must fit the workload too.
        if let Some(ms) = cpu.ms(self.io_ms) {
            workload::check_cpu_ms(ms)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: serde_json::Value) -> Result<SweepSpec, SpecError> {
        SweepSpec::from_value(v)
    }

    fn err(v: serde_json::Value, runtime: Runtime) -> SpecError {
        match read(v) {
            Err(e) => e,
            Ok(spec) => spec.check(runtime).unwrap_err(),
        }
    }

    #[test]
    fn a_full_spec_reads_and_an_empty_one_takes_the_defaults() {
        let s = read(json!({
            "strategies": ["async", "workers", "async"], "tasks": [4, 1, 4], "io_ms": 100,
            "cpu_ms": 60, "kernel": "sqrt", "payload_kb": 2, "repeats": 3, "workers": null,
            "title": "t"
        }))
        .unwrap();
        s.check(Runtime::Browser).unwrap();
        assert_eq!(
            s.strategies_for(Runtime::Browser),
            [StrategyId::Async, StrategyId::Workers]
        );
        assert_eq!(s.task_counts(), [1, 4]);
        assert_eq!(s.cpu().unwrap(), CpuSpec::Ms(60.0));
        assert_eq!(s.payload_bytes(), 2048);
        assert_eq!((s.repeats, s.workers), (3, None));
        assert_eq!(s.pool_size(4, Runtime::Browser), 4);
        assert_eq!(s.pool_size(1000, Runtime::Browser), MAX_BROWSER_WORKERS);
        assert_eq!(s.pool_size(1000, Runtime::Native), 1000);
        assert_eq!(read(json!({})).unwrap(), SweepSpec::default());
        assert_eq!(SweepSpec::default().cpu().unwrap(), CpuSpec::Ratio(0.5));
        assert_eq!(
            SweepSpec::default().strategies_for(Runtime::Native).len(),
            StrategyId::for_runtime(Runtime::Native).count()
        );
        // What serialises reads back the same.
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(SweepSpec::from_json(&text).unwrap(), s);
    }

    #[test]
    fn every_mistake_names_its_field() {
        let b = Runtime::Browser;
        let cases: Vec<(serde_json::Value, &str, &str)> = vec![
            (json!(5), "", "the config must be an object"),
            (
                json!({"taks": [1]}),
                "taks",
                "unknown config field \"taks\"",
            ),
            (
                json!({"tasks": [0]}),
                "tasks",
                "tasks must be between 1 and 100000, got 0",
            ),
            (
                json!({"tasks": [1, "many"]}),
                "tasks",
                "tasks[1]: invalid type",
            ),
            (json!({"tasks": []}), "tasks", "tasks must list"),
            (
                json!({"http1": true, "http2": true}),
                "http1",
                "http1 and http2 each force one HTTP version",
            ),
            (json!({"io_ms": -1}), "io_ms", "io_ms must be"),
            (json!({"io_ms": null}), "io_ms", "io_ms: invalid type: null"),
            (
                json!({"cpu_ms": 1, "cpu_ratio": 0.5}),
                "cpu_ratio",
                "give only one of",
            ),
            (json!({"cpu_ratio": 1e9}), "cpu_ratio", "cpu_ratio must be"),
            (
                json!({"cpu_ratio": 100, "io_ms": 60000}),
                "cpu_ms",
                "cpu_ms must be",
            ),
            (
                json!({"strategies": ["threads"]}),
                "strategies",
                "strategies: \"threads\" runs only natively",
            ),
            (
                json!({"strategies": ["nope"]}),
                "strategies",
                "strategies[0]: unknown variant `nope`",
            ),
            (
                json!({"kernel": "x"}),
                "kernel",
                "kernel: unknown variant `x`",
            ),
            (
                json!({"payload_kb": 1_000_000_000u64}),
                "payload_kb",
                "payload_kb must be",
            ),
            (
                json!({"payload_kb": 0.5}),
                "payload_kb",
                "payload_kb: invalid type",
            ),
            (json!({"repeats": 0}), "repeats", "repeats must be"),
            (json!({"warmup": 101}), "warmup", "warmup must be"),
            (
                json!({"workers": 0}),
                "workers",
                "workers must be between 1 and 32",
            ),
            (
                json!({"switch_interval_ms": 0}),
                "switch_interval_ms",
                "switch_interval_ms must be more than 0",
            ),
            (json!({"timeout_ms": 0}), "timeout_ms", "timeout_ms must be"),
            (
                json!({"http2": true}),
                "http2",
                "http2: the page speaks HTTP/1.1",
            ),
            (json!({"title": 3}), "title", "title: invalid type"),
            (
                json!({"title": "x".repeat(201)}),
                "title",
                "title must be at most 200",
            ),
        ];
        for (v, field, start) in cases {
            let e = err(v.clone(), b);
            assert_eq!(e.field, field, "{v}: {e}");
            assert!(e.message.starts_with(start), "{v}: {e}");
        }
        assert!(
            err(json!({"strategies": ["workers"]}), Runtime::Native)
                .message
                .contains("runs only in the browser")
        );
        assert!(
            read(json!({"http2": true, "workers": 1000}))
                .unwrap()
                .check(Runtime::Native)
                .is_ok()
        );
    }

    #[test]
    fn wasm_threads_payloads_must_fit_their_shared_memory() {
        let big = json!({"strategies": ["wasm-threads"], "tasks": [1, 40], "payload_kb": 16384, "kernel": "features"});
        assert!(err(big, Runtime::Browser).message.starts_with(
            "wasm-threads holds every task's payload in one shared memory: tasks × payload_kb must stay within 524288 KiB, got 40 × 16384 KiB"
        ));
        for fine in [
            json!({"strategies": ["workers"], "tasks": [40], "payload_kb": 16384, "kernel": "features"}),
            json!({"strategies": ["wasm-threads"], "tasks": [32], "payload_kb": 16384, "kernel": "features"}),
            json!({"strategies": ["wasm-threads"], "tasks": [40], "payload_kb": 16384, "kernel": "sqrt"}),
        ] {
            read(fine.clone())
                .unwrap()
                .check(Runtime::Browser)
                .unwrap_or_else(|e| panic!("{fine}: {e}"));
        }
    }

    #[test]
    fn cpu_fields_set_and_clear_each_other() {
        let mut s = SweepSpec::default();
        s.set_cpu(CpuSpec::Iters(7));
        assert_eq!(s.cpu().unwrap(), CpuSpec::Iters(7));
        s.set_cpu(CpuSpec::Ms(3.0));
        assert_eq!(
            (s.cpu_ms, s.cpu_ratio, s.cpu_iters),
            (Some(3.0), None, None)
        );
    }
}
