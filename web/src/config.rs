//! The configuration of one browser sweep, as `window.gilwall.run(config)` and the page's
//! controls give it, checked field by field so that a mistake is an error naming the field.
//!
//! The fields mirror the CLI's workload: `strategies`, `tasks`, `io_ms`, one of `cpu_ms`,
//! `cpu_ratio` or `cpu_iters`, `kernel`, `payload_kb`, `repeats`, `workers`, and a `title`.
//! The ranges are core's [`limits`](gilwall_core::workload::limits), plus a cap on the worker
//! pool that only the browser needs.

use gilwall_core::kernel::Kernel;
use gilwall_core::strategy::{Runtime, StrategyId};
use gilwall_core::workload::{self, CpuSpec, limits};
use serde_json::{Map, Value};

/// Most Web Workers in the pool: each is a whole wasm instance with its own memory, and the
/// article sweeps to 32 tasks.
pub const MAX_BROWSER_WORKERS: u32 = 32;
/// Most task counts in one sweep.
pub const MAX_TASK_COUNTS: usize = 64;
/// Longest title.
pub const MAX_TITLE_CHARS: usize = 200;
/// Most payload bytes one `wasm-threads` repeat may hold at once (N × payload): its tasks share
/// one wasm memory, which the shared-memory build caps at 1 GiB (`--max-memory` in
/// `xtask/src/web.rs`); this leaves room for the allocator and each fetch's staging copy.
pub const MAX_SHARED_PAYLOAD_BYTES: u64 = 512 * 1024 * 1024;

/// Every field a config may have, in the order errors list them.
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
    "workers",
    "title",
];

/// A checked sweep configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepConfig {
    /// Strategies to measure, in this order.
    pub strategies: Vec<StrategyId>,
    /// Task counts N to measure each strategy at.
    pub tasks: Vec<u32>,
    /// Delay of one fetch, ms.
    pub io_ms: f64,
    /// CPU work per task.
    pub cpu: CpuSpec,
    /// The kernel doing the CPU work.
    pub kernel: Kernel,
    /// Size of each fetched payload, bytes.
    pub payload_bytes: u64,
    /// Repeats of each point (the report keeps every sample and their median).
    pub repeats: u32,
    /// Worker pool size; `None` is one worker per task, as the article's executors.
    pub workers: Option<u32>,
    /// A title for the report.
    pub title: Option<String>,
}

impl Default for SweepConfig {
    fn default() -> Self {
        SweepConfig {
            strategies: vec![StrategyId::Async, StrategyId::Workers],
            tasks: vec![1, 2, 4, 8],
            io_ms: 300.0,
            cpu: CpuSpec::Ratio(0.5),
            kernel: Kernel::Features,
            payload_bytes: 1024,
            repeats: 1,
            workers: None,
            title: None,
        }
    }
}

/// A config field the user got wrong, in words that name it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl SweepConfig {
    /// The pool size for `tasks` tasks: `workers`, or one per task, capped at
    /// [`MAX_BROWSER_WORKERS`].
    pub fn pool_size(&self, tasks: u32) -> u32 {
        self.workers.unwrap_or(tasks).clamp(1, MAX_BROWSER_WORKERS)
    }

    /// The largest pool any point of the sweep uses.
    pub fn most_pool_size(&self) -> u32 {
        self.tasks
            .iter()
            .map(|&n| self.pool_size(n))
            .max()
            .unwrap_or(1)
    }

    /// Checks a config given as JSON (what `JSON.stringify(config)` makes of the object);
    /// missing fields take their defaults.
    pub fn from_json(value: &Value) -> Result<SweepConfig, ConfigError> {
        let err = |s: String| Err(ConfigError(s));
        let Some(obj) = value.as_object() else {
            return err(format!(
                "the config must be an object such as {{\"strategies\": [\"async\", \"workers\"], \"tasks\": [1, 4]}}, got {value}"
            ));
        };
        if let Some(unknown) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return err(format!(
                "unknown config field {unknown:?}; expected some of: {}",
                FIELDS.join(", ")
            ));
        }
        let mut c = SweepConfig::default();
        if let Some(v) = obj.get("strategies") {
            c.strategies = strategies(v)?;
        }
        if let Some(v) = obj.get("tasks") {
            c.tasks = task_counts(v)?;
        }
        if let Some(v) = obj.get("io_ms") {
            c.io_ms = workload::check_io_ms(number("io_ms", v)?).map_err(to_config)?;
        }
        c.cpu = cpu(obj)?.unwrap_or(c.cpu);
        if let Some(v) = obj.get("kernel") {
            c.kernel = match v.as_str() {
                Some(s) => s.parse().map_err(|e| ConfigError(format!("kernel: {e}")))?,
                None => return err(format!("kernel must be \"sqrt\" or \"features\", got {v}")),
            };
        }
        if let Some(v) = obj.get("payload_kb") {
            let kb = number("payload_kb", v)?;
            let max_kb = (limits::MAX_PAYLOAD_BYTES / 1024) as f64;
            if !(0.0..=max_kb).contains(&kb) {
                return err(format!(
                    "payload_kb must be a number from 0 to {max_kb}, got {kb}"
                ));
            }
            c.payload_bytes = (kb * 1024.0).round() as u64;
        }
        if let Some(v) = obj.get("repeats") {
            c.repeats = workload::check_repeats(whole("repeats", v)?).map_err(to_config)?;
        }
        match obj.get("workers") {
            None | Some(Value::Null) => {}
            Some(v) => {
                let w = whole("workers", v)?;
                if !(1..=MAX_BROWSER_WORKERS).contains(&w) {
                    return err(format!(
                        "workers must be between 1 and {MAX_BROWSER_WORKERS} in the browser (or left out for one per task), got {w}"
                    ));
                }
                c.workers = Some(w);
            }
        }
        match obj.get("title") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.chars().count() <= MAX_TITLE_CHARS => {
                c.title = Some(s.clone())
            }
            Some(v) => {
                return err(format!(
                    "title must be a string of at most {MAX_TITLE_CHARS} characters, got {v}"
                ));
            }
        }
        let most_tasks = c.tasks.iter().copied().max().unwrap_or(1) as u64;
        if c.strategies.contains(&StrategyId::WasmThreads)
            && c.kernel == Kernel::Features
            && most_tasks * c.payload_bytes > MAX_SHARED_PAYLOAD_BYTES
        {
            return err(format!(
                "wasm-threads holds every task's payload in one shared memory: tasks × payload_kb \
                 must stay within {} KiB, got {most_tasks} × {} KiB; use fewer tasks or a smaller payload",
                MAX_SHARED_PAYLOAD_BYTES / 1024,
                c.payload_bytes / 1024
            ));
        }
        Ok(c)
    }
}

fn to_config(e: workload::WorkloadError) -> ConfigError {
    ConfigError(e.to_string())
}

/// A JSON number (JSON.stringify turns NaN and Infinity into null, which lands here too).
fn number(field: &str, v: &Value) -> Result<f64, ConfigError> {
    v.as_f64()
        .ok_or_else(|| ConfigError(format!("{field} must be a number, got {v}")))
}

/// A JSON whole number that fits in u32.
fn whole(field: &str, v: &Value) -> Result<u32, ConfigError> {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .or_else(|| {
            // 4.0 is a whole number too (JavaScript has no integers).
            v.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= u32::MAX as f64)
                .map(|f| f as u32)
        })
        .ok_or_else(|| ConfigError(format!("{field} must be a whole number ≥ 0, got {v}")))
}

/// One value or a list of them, as a list.
fn list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

fn strategies(v: &Value) -> Result<Vec<StrategyId>, ConfigError> {
    let available: Vec<&str> = StrategyId::for_runtime(Runtime::Browser)
        .map(|s| s.as_str())
        .collect();
    let items = list(v);
    if items.is_empty() {
        return Err(ConfigError(format!(
            "strategies must name at least one of: {}",
            available.join(", ")
        )));
    }
    let mut out = Vec::new();
    for item in items {
        let Some(name) = item.as_str() else {
            return Err(ConfigError(format!(
                "strategies must be names such as \"async\", got {item}"
            )));
        };
        let id: StrategyId = name
            .parse()
            .map_err(|e| ConfigError(format!("strategies: {e}")))?;
        if !id.info().runtimes.contains(&Runtime::Browser) {
            return Err(ConfigError(format!(
                "strategies: {name:?} runs only natively (the gilwall command); the browser has: {}",
                available.join(", ")
            )));
        }
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

fn task_counts(v: &Value) -> Result<Vec<u32>, ConfigError> {
    let items = list(v);
    if items.is_empty() || items.len() > MAX_TASK_COUNTS {
        return Err(ConfigError(format!(
            "tasks must list 1 to {MAX_TASK_COUNTS} task counts, got {}",
            items.len()
        )));
    }
    let mut counts = items
        .into_iter()
        .map(|item| workload::check_tasks(whole("tasks", item)?).map_err(to_config))
        .collect::<Result<Vec<u32>, _>>()?;
    // A sweep is a curve over N: each count once, in order.
    counts.sort_unstable();
    counts.dedup();
    Ok(counts)
}

/// The CPU field: at most one of `cpu_ms`, `cpu_ratio` and `cpu_iters` (null counts as absent).
fn cpu(obj: &Map<String, Value>) -> Result<Option<CpuSpec>, ConfigError> {
    let given: Vec<(&str, &Value)> = ["cpu_ms", "cpu_ratio", "cpu_iters"]
        .into_iter()
        .filter_map(|k| obj.get(k).filter(|v| !v.is_null()).map(|v| (k, v)))
        .collect();
    match given.as_slice() {
        [] => Ok(None),
        [("cpu_ms", v)] => Ok(Some(CpuSpec::Ms(
            workload::check_cpu_ms(number("cpu_ms", v)?).map_err(to_config)?,
        ))),
        [("cpu_ratio", v)] => Ok(Some(CpuSpec::Ratio(
            workload::check_cpu_ratio(number("cpu_ratio", v)?).map_err(to_config)?,
        ))),
        [(_, v)] => {
            let n = v.as_u64().ok_or_else(|| {
                ConfigError(format!("cpu_iters must be a whole number ≥ 0, got {v}"))
            })?;
            Ok(Some(CpuSpec::Iters(
                workload::check_cpu_iters(n).map_err(to_config)?,
            )))
        }
        _ => Err(ConfigError(format!(
            "give only one of cpu_ms, cpu_ratio and cpu_iters, got {}",
            given
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
                .join(" and ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(v: Value) -> String {
        SweepConfig::from_json(&v).unwrap_err().to_string()
    }

    #[test]
    fn a_full_config_parses() {
        let c = SweepConfig::from_json(&json!({
            "strategies": ["async", "workers", "async"], "tasks": [4.0, 1, 4], "io_ms": 100,
            "cpu_ms": 60, "kernel": "sqrt", "payload_kb": 2, "repeats": 3, "workers": null,
            "title": "t"
        }))
        .unwrap();
        assert_eq!(c.strategies, [StrategyId::Async, StrategyId::Workers]);
        assert_eq!(c.tasks, [1, 4]);
        assert_eq!(c.cpu, CpuSpec::Ms(60.0));
        assert_eq!(c.kernel, Kernel::Sqrt);
        assert_eq!(c.payload_bytes, 2048);
        assert_eq!((c.repeats, c.workers), (3, None));
        assert_eq!(c.pool_size(4), 4);
        assert_eq!(c.most_pool_size(), 4);
        assert_eq!(c.pool_size(1000), MAX_BROWSER_WORKERS);
        assert_eq!(
            SweepConfig::from_json(&json!({})).unwrap(),
            SweepConfig::default()
        );
    }

    #[test]
    fn every_mistake_names_its_field() {
        assert!(err(json!(5)).starts_with("the config must be an object"));
        assert!(err(json!({"taks": [1]})).starts_with("unknown config field \"taks\""));
        assert_eq!(
            err(json!({"tasks": [0]})),
            "tasks must be between 1 and 100000, got 0"
        );
        assert!(err(json!({"tasks": ["a"]})).starts_with("tasks must be a whole number"));
        assert!(err(json!({"tasks": []})).starts_with("tasks must list"));
        assert!(err(json!({"io_ms": -1})).starts_with("io_ms must be"));
        assert!(err(json!({"io_ms": null})).starts_with("io_ms must be a number"));
        assert!(err(json!({"cpu_ms": 1, "cpu_ratio": 0.5})).starts_with("give only one of"));
        assert!(err(json!({"cpu_ratio": 1e9})).starts_with("cpu_ratio must be"));
        assert!(err(json!({"strategies": ["threads"]})).contains("runs only natively"));
        // Whether the page can run it (isolation) is checked where the page is: in Sweep::new.
        let threads = SweepConfig::from_json(&json!({"strategies": "wasm-threads"})).unwrap();
        assert_eq!(threads.strategies, [StrategyId::WasmThreads]);
        assert!(err(json!({"strategies": ["nope"]})).starts_with("strategies: unknown strategy"));
        assert!(err(json!({"strategies": []})).starts_with("strategies must name"));
        assert!(err(json!({"kernel": "x"})).starts_with("kernel: unknown kernel"));
        assert!(err(json!({"payload_kb": 1e9})).starts_with("payload_kb must be"));
        // wasm-threads' tasks share one memory: 40 × 16 MiB would not fit; the same elsewhere,
        // 32 × 16 MiB there, or no payload at all (sqrt) are fine.
        let big = json!({"strategies": ["wasm-threads"], "tasks": [1, 40], "payload_kb": 16384});
        assert!(err(big).starts_with(
            "wasm-threads holds every task's payload in one shared memory: tasks × payload_kb must stay within 524288 KiB, got 40 × 16384 KiB"
        ));
        for fine in [
            json!({"strategies": ["workers"], "tasks": [40], "payload_kb": 16384}),
            json!({"strategies": ["wasm-threads"], "tasks": [32], "payload_kb": 16384}),
            json!({"strategies": ["wasm-threads"], "tasks": [40], "payload_kb": 16384, "kernel": "sqrt"}),
        ] {
            assert!(SweepConfig::from_json(&fine).is_ok(), "{fine}");
        }
        assert!(err(json!({"repeats": 0})).starts_with("repeats must be"));
        assert!(err(json!({"workers": 0})).starts_with("workers must be between 1 and 32"));
        assert!(err(json!({"title": 3})).starts_with("title must be"));
    }
}
