//! The page's load run: what `gilwall.runLoad(config)` (and `cargo xtask page-run --load`) takes,
//! checked field by field, and how one step's requests become a [`LoadPoint`].
//!
//! The browser's version of the article's step 3 as a service: requests arrive at a rate
//! (core's [`arrival_times`], Poisson or constant, seeded), each a fetch of the feature endpoint
//! with the set delay and then the CPU kernel, scheduled by a browser strategy — `async` (the
//! main thread fetches and computes inline: the GIL-like runtime), `async-workers` (the main
//! thread fetches, each request's CPU goes to a pool of Web Workers, one per core) or `workers`
//! (the whole request runs in a worker, one request per worker at a time, like a thread pool)
//! or `wasm-threads` (article step 5, free threads: a driver worker fetches each request on its
//! own event loop and hands its kernel to rayon's pool of shared-memory wasm threads). The
//! model is `gilwall load`'s ([`crate::serving`]: on one event loop a request also waits for
//! the loop before its fetch), over the very arrivals the page offered, so native and page say
//! the same thing for the same deployment. A runtime only sends the requests and times them; the
//! percentiles, the model and the point are built here, once.
//!
//! Latency counts from each request's *intended* arrival time: in a page the generator shares
//! the main thread with `async`'s kernels, so a frozen thread fires its timers late, and that
//! delay is the queueing the user feels (no coordinated omission). How late the sends were is
//! reported too (`send_late_p99_ms`).
//!
//! The page's load presets, lesson 9's browser twin among them, are values in
//! [`crate::lesson`] beside the sweep presets ([`crate::lesson::LOAD_PRESETS`]).

use crate::kernel::Kernel;
use crate::load::{self, Arrivals, LoadPoint, Percentiles, arrival_times, capacity_rps, quantile};
use crate::serving::{AppModel, app_model, app_model_at};
use crate::strategy::{Schedule, StrategyId};
use crate::sweep::SpecError;
use crate::sweep::spec::{MAX_BROWSER_WORKERS, MAX_TIMEOUT_MS, MAX_TITLE_CHARS};
use crate::workload::{self, limits};
use serde::{Deserialize, Serialize};

/// The strategies the page's load mode runs.
pub const PAGE_LOAD_STRATEGIES: &[StrategyId] = &[
    StrategyId::Async,
    StrategyId::AsyncWorkers,
    StrategyId::Workers,
    StrategyId::WasmThreads,
];
/// Highest rate the page offers, requests per second: its generator is a timer on the main
/// thread, and Chromium sends at most 6 requests to one host at once over HTTP/1.1.
pub const MAX_PAGE_RATE_RPS: f64 = 500.0;
/// Most requests in one step (warm-up included): the page keeps every request's times.
pub const MAX_PAGE_REQUESTS_PER_STEP: u64 = 20_000;
/// Longest warm-up before a step's measured part, seconds.
pub const MAX_WARMUP_S: f64 = 60.0;
/// Largest fraction of capacity `fractions` may ask for.
pub const MAX_FRACTION: f64 = 5.0;
/// The fractions of each strategy's capacity offered when no rates are given: well below,
/// near the knee, and past it.
pub const AUTO_FRACTIONS: [f64; 5] = [0.2, 0.5, 0.7, 0.9, 1.2];

/// A load run in the page: every strategy at every rate, each step a warm-up then the measured
/// part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoadSpec {
    /// Strategies, in the order they run; empty means `async` and `async-workers`.
    pub strategies: Vec<StrategyId>,
    /// Offered rates, requests per second, for every strategy; empty means `fractions`.
    pub rates: Vec<f64>,
    /// Fractions of each strategy's modelled capacity to offer when `rates` is empty
    /// ([`AUTO_FRACTIONS`] if this is empty too).
    pub fractions: Vec<f64>,
    /// How requests arrive.
    pub arrivals: Arrivals,
    /// Measured seconds per rate.
    pub duration_s: f64,
    /// Unmeasured seconds per rate before them (its requests still queue ahead).
    pub warmup_s: f64,
    /// Fetch delay per request, ms.
    pub io_ms: f64,
    /// CPU work per request, ms, calibrated in the page.
    pub cpu_ms: f64,
    /// The kernel doing the CPU work.
    pub kernel: Kernel,
    /// Size of each fetched feature payload, KiB (the `features` kernel).
    pub payload_kb: u64,
    /// Web Workers for the pooled strategies; `None` is one per core.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workers: Option<u32>,
    /// Seed of the arrivals (step k uses `seed + k`).
    pub seed: u64,
    /// A request not answered within this many ms counts as failed.
    pub timeout_ms: u64,
    /// A title for the report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Default for LoadSpec {
    fn default() -> Self {
        // The article's step 3 as a service: a 300 ms feature fetch, then 150 ms of CPU.
        LoadSpec {
            strategies: Vec::new(),
            rates: Vec::new(),
            fractions: Vec::new(),
            arrivals: Arrivals::Poisson,
            // Long enough for a few dozen requests at the lowest rate.
            duration_s: 8.0,
            warmup_s: 1.0,
            io_ms: 300.0,
            cpu_ms: 150.0,
            kernel: Kernel::Sqrt,
            payload_kb: 1,
            workers: None,
            seed: 1,
            timeout_ms: 30_000,
            title: None,
        }
    }
}

/// Every field a load specification may have.
pub const FIELDS: &[&str] = &[
    "strategies",
    "rates",
    "fractions",
    "arrivals",
    "duration_s",
    "warmup_s",
    "io_ms",
    "cpu_ms",
    "kernel",
    "payload_kb",
    "workers",
    "seed",
    "timeout_ms",
    "title",
];

fn err(field: &str, message: impl Into<String>) -> SpecError {
    SpecError {
        field: field.to_string(),
        message: message.into(),
    }
}

impl LoadSpec {
    /// Reads a specification from JSON, without checking its ranges ([`LoadSpec::check`]).
    pub fn from_json(text: &str) -> Result<LoadSpec, SpecError> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| err("", format!("the load config is not JSON: {e}")))?;
        LoadSpec::from_value(value)
    }

    /// Reads a specification from a JSON value; see [`LoadSpec::from_json`].
    pub fn from_value(value: serde_json::Value) -> Result<LoadSpec, SpecError> {
        let Some(object) = value.as_object() else {
            return Err(err(
                "",
                format!(
                    "the load config must be an object such as {{\"strategies\": [\"async\", \"async-workers\"], \"rates\": [2, 5]}}, got {value}"
                ),
            ));
        };
        if let Some(unknown) = object.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(err(
                unknown,
                format!(
                    "unknown load config field {unknown:?}; expected some of: {}",
                    FIELDS.join(", ")
                ),
            ));
        }
        // JSON has no NaN or infinity: `JSON.stringify` turns them into null, which would
        // otherwise read as "invalid type: null".
        for (key, v) in object {
            let nulls = match v {
                serde_json::Value::Array(items) => items.iter().position(|x| x.is_null()),
                _ => None,
            };
            if let Some(i) = nulls {
                return Err(err(
                    key,
                    format!(
                        "{key}[{i}] must be a finite number, got null (NaN and Infinity become null in JSON)"
                    ),
                ));
            }
            if v.is_null() && !["workers", "title"].contains(&key.as_str()) {
                return Err(err(
                    key,
                    format!(
                        "{key} must be given a value, got null (NaN and Infinity become null in JSON)"
                    ),
                ));
            }
        }
        serde_path_to_error::deserialize(value).map_err(|e| {
            let field = e.path().to_string();
            let message = format!("{field}: {}", e.inner());
            err(field.split(['[', '.']).next().unwrap_or(""), message)
        })
    }

    /// The strategies in order, each once (the default pair when none is named).
    pub fn strategies(&self) -> Vec<StrategyId> {
        if self.strategies.is_empty() {
            return vec![StrategyId::Async, StrategyId::AsyncWorkers];
        }
        let mut out: Vec<StrategyId> = Vec::new();
        for &s in &self.strategies {
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }

    /// The Web Workers of the pooled strategies on `cores` cores.
    pub fn pool(&self, cores: u32) -> u32 {
        self.workers.unwrap_or(cores).clamp(1, MAX_BROWSER_WORKERS)
    }

    /// How `strategy` serves requests, for the model ([`app_model`], as `gilwall load`'s):
    /// `async` one executor, every request admitted, and the main thread also starts each
    /// fetch, so a request waits for the kernel running when it arrives; `async-workers` and
    /// `wasm-threads` the pool's executors, every request admitted, its fetch started at once
    /// (the main thread's, the driver's loop: neither computes); `workers` the pool as slots
    /// and executors (a worker takes one request, fetch and CPU, at a time).
    pub fn model(&self, strategy: StrategyId, cores: u32) -> AppModel {
        app_model(strategy, self.pool(cores), cores)
    }

    /// The slots and CPU executors of `strategy`'s model.
    pub fn schedule(&self, strategy: StrategyId, cores: u32) -> Schedule {
        self.model(strategy, cores).schedule
    }

    /// The model's capacity of `strategy`, requests per second: as `gilwall load` says it, the
    /// executors (at most the cores at once) ÷ cpu, or the slots ÷ (io + cpu).
    pub fn capacity(&self, strategy: StrategyId, cores: u32) -> Option<f64> {
        capacity_rps(
            self.schedule(strategy, cores),
            self.io_ms,
            self.cpu_ms,
            cores,
        )
    }

    /// The rates offered to `strategy`: `rates`, or `fractions` of its capacity (rounded to
    /// a tenth of a request per second).
    pub fn rates_for(&self, strategy: StrategyId, cores: u32) -> Result<Vec<f64>, SpecError> {
        if !self.rates.is_empty() {
            return Ok(self.rates.clone());
        }
        let cap = self.capacity(strategy, cores).ok_or_else(|| {
            err(
                "rates",
                format!(
                    "rates: {strategy} has no capacity to take fractions of without CPU work (cpu_ms 0); give rates in requests per second"
                ),
            )
        })?;
        let fractions: &[f64] = if self.fractions.is_empty() {
            &AUTO_FRACTIONS
        } else {
            &self.fractions
        };
        Ok(fractions
            .iter()
            .map(|f| ((f * cap * 10.0).round() / 10.0).max(0.1))
            .collect())
    }

    /// The arrivals of step `step` (numbered across the whole run) at `rate`: intended send
    /// times in ms from the step's start, warm-up included.
    pub fn arrivals_for(&self, rate: f64, step: u64) -> Vec<f64> {
        arrival_times(
            self.arrivals,
            rate,
            (self.warmup_s + self.duration_s) * 1000.0,
            self.seed.wrapping_add(step),
        )
    }

    /// Checks every field for a run on `cores` cores; the error names the first that is wrong.
    pub fn check(&self, cores: u32) -> Result<(), SpecError> {
        let have: Vec<&str> = PAGE_LOAD_STRATEGIES.iter().map(|s| s.as_str()).collect();
        if let Some(s) = self
            .strategies
            .iter()
            .find(|s| !PAGE_LOAD_STRATEGIES.contains(s))
        {
            return Err(err(
                "strategies",
                format!(
                    "strategies: {:?} is not one the page's load mode runs; it has: {}",
                    s.as_str(),
                    have.join(", ")
                ),
            ));
        }
        if !self.rates.is_empty() && !self.fractions.is_empty() {
            return Err(err(
                "fractions",
                "give rates or fractions of capacity, not both",
            ));
        }
        let count = self.rates.len().max(self.fractions.len());
        if count > load::limits::MAX_RATES {
            return Err(err(
                if self.rates.is_empty() {
                    "fractions"
                } else {
                    "rates"
                },
                format!(
                    "at most {} rates per run, got {count}",
                    load::limits::MAX_RATES
                ),
            ));
        }
        for (i, &r) in self.rates.iter().enumerate() {
            if !(r.is_finite() && r > 0.0 && r <= MAX_PAGE_RATE_RPS) {
                return Err(err(
                    "rates",
                    format!(
                        "rates[{i}] must be a number above 0 and at most {MAX_PAGE_RATE_RPS} requests per second, got {r}"
                    ),
                ));
            }
        }
        for (i, &f) in self.fractions.iter().enumerate() {
            if !(f.is_finite() && f > 0.0 && f <= MAX_FRACTION) {
                return Err(err(
                    "fractions",
                    format!(
                        "fractions[{i}] must be a fraction of capacity above 0 and at most {MAX_FRACTION}, got {f}"
                    ),
                ));
            }
        }
        if !(self.duration_s.is_finite()
            && self.duration_s > 0.0
            && self.duration_s <= load::limits::MAX_DURATION_S)
        {
            return Err(err(
                "duration_s",
                format!(
                    "duration_s must be a number of seconds above 0 and at most {}, got {}",
                    load::limits::MAX_DURATION_S,
                    self.duration_s
                ),
            ));
        }
        if !(self.warmup_s.is_finite() && self.warmup_s >= 0.0 && self.warmup_s <= MAX_WARMUP_S) {
            return Err(err(
                "warmup_s",
                format!(
                    "warmup_s must be a number of seconds from 0 to {MAX_WARMUP_S}, got {}",
                    self.warmup_s
                ),
            ));
        }
        workload::check_io_ms(self.io_ms)?;
        workload::check_cpu_ms(self.cpu_ms)?;
        let max_kb = limits::MAX_PAYLOAD_BYTES / 1024;
        if self.payload_kb > max_kb {
            return Err(err(
                "payload_kb",
                format!(
                    "payload_kb must be between 0 and {max_kb}, got {}",
                    self.payload_kb
                ),
            ));
        }
        if let Some(w) = self.workers
            && !(1..=MAX_BROWSER_WORKERS).contains(&w)
        {
            return Err(err(
                "workers",
                format!(
                    "workers must be between 1 and {MAX_BROWSER_WORKERS} (or left out for one per core), got {w}"
                ),
            ));
        }
        if !(1..=MAX_TIMEOUT_MS).contains(&self.timeout_ms) {
            return Err(err(
                "timeout_ms",
                format!(
                    "timeout_ms must be between 1 and {MAX_TIMEOUT_MS}, got {}",
                    self.timeout_ms
                ),
            ));
        }
        if let Some(t) = &self.title
            && t.chars().count() > MAX_TITLE_CHARS
        {
            return Err(err(
                "title",
                format!("title must be at most {MAX_TITLE_CHARS} characters"),
            ));
        }
        let seconds = self.warmup_s + self.duration_s;
        for s in self.strategies() {
            for rate in self.rates_for(s, cores)? {
                let requests = (rate * seconds).ceil() as u64;
                if requests > MAX_PAGE_REQUESTS_PER_STEP {
                    return Err(err(
                        "duration_s",
                        format!(
                            "duration_s: {rate} req/s for {seconds} s (warm-up included) is {requests} requests, more than the {MAX_PAGE_REQUESTS_PER_STEP} one step in the page may send; shorten the step or lower the rate"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// One request of a step as the runtime timed it, ms on one clock from the step's start.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// When it was meant to be sent (its arrival).
    pub intended_ms: f64,
    /// When it was actually sent (a late timer, a busy thread).
    pub sent_ms: f64,
    /// When its answer was complete (its CPU work done).
    pub done_ms: f64,
    /// The CPU its kernel took, ms, or why it failed.
    pub outcome: Result<f64, String>,
}

/// The load point of `strategy` at `rate`: `sent` are the step's requests (warm-up included,
/// any order) offered at `arrivals`; those intended before the warm-up's end are not counted,
/// but the model queues them ahead all the same. The model runs at the CPU the kernels took.
pub fn point_of(
    spec: &LoadSpec,
    strategy: StrategyId,
    cores: u32,
    rate: f64,
    arrivals: &[f64],
    sent: &[Sent],
) -> LoadPoint {
    let warm_ms = spec.warmup_s * 1000.0;
    let measured: Vec<&Sent> = sent.iter().filter(|s| s.intended_ms >= warm_ms).collect();
    let ok: Vec<&&Sent> = measured.iter().filter(|s| s.outcome.is_ok()).collect();
    let errors = measured.len() - ok.len();
    let mut latency: Vec<f64> = ok.iter().map(|s| s.done_ms - s.intended_ms).collect();
    latency.sort_by(f64::total_cmp);
    let mut late: Vec<f64> = measured
        .iter()
        .map(|s| (s.sent_ms - s.intended_ms).max(0.0))
        .collect();
    late.sort_by(f64::total_cmp);
    let cpu: Vec<f64> = ok.iter().filter_map(|s| s.outcome.clone().ok()).collect();
    let cpu_measured_ms = (!cpu.is_empty()).then(|| cpu.iter().sum::<f64>() / cpu.len() as f64);
    let (model, model_cpu_ms) = app_model_at(
        arrivals,
        warm_ms,
        spec.io_ms,
        (spec.cpu_ms, cpu_measured_ms),
        spec.model(strategy, cores),
    );
    let first = measured
        .iter()
        .map(|s| s.intended_ms)
        .fold(f64::INFINITY, f64::min);
    let last = ok.iter().map(|s| s.done_ms).fold(0.0, f64::max);
    let achieved_rps = load::achieved_rps(ok.len() as u64, first, last);
    let pct = |q| quantile(&latency, q);
    let latency_ms = match (pct(0.5), pct(0.9), pct(0.99), pct(0.999), latency.last()) {
        (Some(p50), Some(p90), Some(p99), Some(p999), Some(&max)) => Some(Percentiles {
            p50,
            p90,
            p99,
            p999,
            max,
        }),
        _ => None,
    };
    LoadPoint {
        strategy: strategy.as_str().to_string(),
        workers: strategy.info().pooled.then(|| spec.pool(cores)),
        arrivals: spec.arrivals,
        rate_rps: rate,
        duration_s: spec.duration_s,
        io_ms: spec.io_ms,
        cpu_ms: spec.cpu_ms,
        kernel: Some(spec.kernel.id().to_string()),
        payload_bytes: spec.payload_kb * 1024,
        sent: measured.len() as u64,
        ok: ok.len() as u64,
        errors: errors as u64,
        rejected: 0,
        achieved_rps,
        latency_ms,
        model_latency_ms: model,
        model_cpu_ms,
        capacity_rps: spec.capacity(strategy, cores),
        send_late_p99_ms: quantile(&late, 0.99).unwrap_or(0.0),
        cpu_measured_ms,
        error_sample: measured
            .iter()
            .find_map(|s| s.outcome.as_ref().err())
            .map(|e| e.chars().take(300).collect()),
        runtime: None,
        modelled_as: None,
        gil_enabled: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(json: &str) -> SpecError {
        LoadSpec::from_json(json)
            .and_then(|s| s.check(2).map(|_| s))
            .unwrap_err()
    }

    #[test]
    fn the_default_is_step_3_as_a_service_at_fractions_of_capacity() {
        let s = LoadSpec::default();
        assert_eq!(s.check(2), Ok(()));
        assert_eq!(
            s.strategies(),
            [StrategyId::Async, StrategyId::AsyncWorkers]
        );
        // One thread at 150 ms of CPU serves 6.7 req/s; two workers 13.3.
        assert_eq!(
            s.rates_for(StrategyId::Async, 2).unwrap(),
            [1.3, 3.3, 4.7, 6.0, 8.0]
        );
        assert_eq!(
            s.rates_for(StrategyId::AsyncWorkers, 2).unwrap()[3],
            12.0,
            "0.9 of 2 cores ÷ 150 ms"
        );
        // A worker holds its request from fetch to kernel: two of them, 450 ms each.
        let cap = s.capacity(StrategyId::Workers, 2).unwrap();
        assert!((cap - 2000.0 / 450.0).abs() < 1e-9, "{cap}");
        // The driver fetches every request at once; its two pool threads compute.
        let cap = s.capacity(StrategyId::WasmThreads, 2).unwrap();
        assert!((cap - 2000.0 / 150.0).abs() < 1e-9, "{cap}");
    }

    #[test]
    fn the_page_s_points_use_gilwall_load_s_serving_model() {
        // Two requests 55 ms apart, io 50, CPU 20: on the main thread the second arrives during
        // the first's kernel and its fetch waits for it (85 ms); with a pool it does not (70).
        let spec = LoadSpec {
            rates: vec![1.0],
            warmup_s: 0.0,
            duration_s: 1.0,
            io_ms: 50.0,
            cpu_ms: 20.0,
            ..LoadSpec::default()
        };
        let arrivals = [0.0, 55.0];
        let sent: Vec<Sent> = arrivals
            .iter()
            .map(|&a| Sent {
                intended_ms: a,
                sent_ms: a,
                done_ms: a + 80.0,
                outcome: Ok(20.0),
            })
            .collect();
        let p99 = |s| {
            point_of(&spec, s, 2, 1.0, &arrivals, &sent)
                .model_latency_ms
                .p99
        };
        assert!((p99(StrategyId::Async) - 85.0).abs() < 1e-9);
        assert!((p99(StrategyId::AsyncWorkers) - 70.0).abs() < 1e-9);
        assert!((p99(StrategyId::WasmThreads) - 70.0).abs() < 1e-9);
    }

    #[test]
    fn a_few_slow_answers_are_not_read_as_overload() {
        let spec = LoadSpec {
            rates: vec![10.0],
            warmup_s: 0.0,
            duration_s: 1.0,
            ..LoadSpec::default()
        };
        let arrivals = arrival_times(Arrivals::Constant, 10.0, 1000.0, 0);
        let sent: Vec<Sent> = arrivals
            .iter()
            .map(|&a| Sent {
                intended_ms: a,
                sent_ms: a,
                done_ms: a + 3000.0,
                outcome: Ok(150.0),
            })
            .collect();
        let p = point_of(&spec, StrategyId::Async, 2, 10.0, &arrivals, &sent);
        assert!(p.achieved_rps < 5.0, "{}", p.achieved_rps);
        let words = load::knee_words(&[&p], 2);
        assert!(
            words.starts_with("async saturates at 6.7 req/s: one thread, 150 ms of CPU each"),
            "{words}"
        );
        assert!(!words.contains("answered only"), "{words}");
    }

    #[test]
    fn bad_load_specs_name_their_field() {
        for (json, field, says) in [
            (
                r#"{"rates":[0]}"#,
                "rates",
                "rates[0] must be a number above 0",
            ),
            (r#"{"rates":[2,-1]}"#, "rates", "rates[1] must be"),
            (
                r#"{"rates":[null]}"#,
                "rates",
                "rates[0] must be a finite number, got null",
            ),
            (
                r#"{"duration_s":1e9}"#,
                "duration_s",
                "duration_s must be a number of seconds above 0 and at most 600, got 1000000000",
            ),
            (r#"{"duration_s":null}"#, "duration_s", "NaN"),
            (r#"{"io_ms":-1}"#, "io_ms", "io_ms must be"),
            (
                r#"{"strategies":["serial"]}"#,
                "strategies",
                "not one the page's load mode runs",
            ),
            (r#"{"strategies":["threads"]}"#, "strategies", "threads"),
            (
                r#"{"strategies":["multicore"]}"#,
                "strategies",
                "it has: async, async-workers, workers, wasm-threads",
            ),
            (r#"{"rate":[1]}"#, "rate", "unknown load config field"),
            (
                r#"{"rates":[1],"fractions":[0.5]}"#,
                "fractions",
                "not both",
            ),
            (r#"{"fractions":[9]}"#, "fractions", "fractions[0] must be"),
            (r#"{"cpu_ms":0}"#, "rates", "no capacity"),
            (
                r#"{"rates":[400],"duration_s":100}"#,
                "duration_s",
                "more than the 20000",
            ),
            (r#"{"workers":0}"#, "workers", "workers must be"),
            (r#"{"arrivals":"bursty"}"#, "arrivals", "arrivals"),
            (r#"[1]"#, "", "must be an object"),
        ] {
            let e = message(json);
            assert_eq!(e.field, field, "{json}: {e}");
            assert!(e.message.contains(says), "{json}: {e}");
        }
    }

    #[test]
    fn a_point_counts_from_the_intended_time_after_the_warm_up() {
        let spec = LoadSpec {
            rates: vec![10.0],
            warmup_s: 1.0,
            duration_s: 1.0,
            io_ms: 50.0,
            cpu_ms: 20.0,
            ..LoadSpec::default()
        };
        let arrivals = arrival_times(Arrivals::Constant, 10.0, 2000.0, 0);
        // Each request sent 5 ms late and answered 100 ms after its intended time; one fails.
        let mut sent: Vec<Sent> = arrivals
            .iter()
            .map(|&a| Sent {
                intended_ms: a,
                sent_ms: a + 5.0,
                done_ms: a + 100.0,
                outcome: Ok(21.0),
            })
            .collect();
        sent.last_mut().unwrap().outcome = Err("HTTP 500: boom".into());
        let p = point_of(&spec, StrategyId::Async, 2, 10.0, &arrivals, &sent);
        assert_eq!(p.check(), Ok(()));
        assert_eq!((p.sent, p.ok, p.errors), (10, 9, 1), "{p:?}");
        assert!(!p.complete());
        let l = p.latency_ms.unwrap();
        assert!((l.p50 - 100.0).abs() < 1e-9 && (l.max - 100.0).abs() < 1e-9);
        assert!((p.send_late_p99_ms - 5.0).abs() < 1e-9);
        assert_eq!(p.cpu_measured_ms, Some(21.0));
        assert!(
            (p.model_latency_ms.p50 - 71.0).abs() < 1e-6,
            "io + measured CPU"
        );
        assert_eq!(p.capacity_rps, Some(50.0));
        assert_eq!(p.error_sample.as_deref(), Some("HTTP 500: boom"));
        assert_eq!(p.workers, None);
        let w = point_of(&spec, StrategyId::AsyncWorkers, 2, 10.0, &arrivals, &sent);
        assert_eq!((w.workers, w.capacity_rps), (Some(2), Some(100.0)));
    }
}
