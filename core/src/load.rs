//! Latency under load: the article's app as a service, a stream of requests, and its model.
//!
//! A batch of N tasks started together ([`crate::model`]) is a proxy; what the article's reader
//! runs is a server under a stream of requests. Each request fetches its features (`io`), then
//! computes (`cpu`). This module holds what is the same wherever it runs:
//!
//! - [`Arrivals`] and [`arrival_times`]: the open-loop schedule of intended send times (Poisson
//!   or constant), seeded, so the load generator and the model see the *same* arrivals;
//! - [`app_schedule`]: each app strategy's slots and CPU executors (one for `async` and `gil`,
//!   the cores for `multicore` and `async-rayon`, its pool where it has one);
//! - [`simulate_open`]: the discrete-event simulation with open arrivals — a slot (a thread of
//!   a thread pool; unbounded for async servers), the fetch as an infinite server, then the
//!   strategy's CPU executors, first in first out, sharing the cores fairly — giving each
//!   request's latency, and [`capacity_rps`], the rate it cannot pass (executors ÷ cpu);
//! - [`LoadPoint`]: one strategy at one offered rate, as the report keeps it.
//!
//! A single thread that spends `cpu` per request saturates at 1/cpu requests per second and its
//! p99 climbs long before that: the wall, as a service's users feel it.

use crate::payload::SplitMix64;
use crate::strategy::{Schedule, StrategyId};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Limits on a load run, quoted by the CLI.
pub mod limits {
    /// Highest offered rate, requests per second.
    pub const MAX_RATE_RPS: f64 = 100_000.0;
    /// Longest measured step at one rate, seconds.
    pub const MAX_DURATION_S: f64 = 600.0;
    /// Most requests in one step (warm-up included), so a schedule fits in memory.
    pub const MAX_REQUESTS_PER_STEP: u64 = 5_000_000;
    /// Most rates in one run.
    pub const MAX_RATES: usize = 64;
}

/// How requests arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Arrivals {
    /// Independent arrivals (exponential gaps): what many independent users make.
    #[default]
    Poisson,
    /// Evenly spaced arrivals, 1/rate apart.
    Constant,
}

impl Arrivals {
    /// The name on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Arrivals::Poisson => "poisson",
            Arrivals::Constant => "constant",
        }
    }
}

impl std::str::FromStr for Arrivals {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "poisson" => Ok(Arrivals::Poisson),
            "constant" => Ok(Arrivals::Constant),
            other => Err(format!(
                "unknown arrival process {other:?}; expected poisson or constant"
            )),
        }
    }
}

/// The intended send times, in ms from 0, of every request offered at `rate_rps` for
/// `duration_ms`, in ascending order. Poisson gaps come from SplitMix64 seeded with `seed`, so
/// the generator and the model draw the same schedule. Empty for a rate or duration ≤ 0.
pub fn arrival_times(arrivals: Arrivals, rate_rps: f64, duration_ms: f64, seed: u64) -> Vec<f64> {
    if !(rate_rps > 0.0 && duration_ms > 0.0 && rate_rps.is_finite() && duration_ms.is_finite()) {
        return Vec::new();
    }
    let mean_gap = 1000.0 / rate_rps;
    let expected = (duration_ms / mean_gap).ceil() as usize;
    let mut out = Vec::with_capacity(expected.min(limits::MAX_REQUESTS_PER_STEP as usize) + 16);
    let mut rng = SplitMix64::new(seed);
    let mut t = 0.0;
    loop {
        t += match arrivals {
            // Inverse transform: −ln(1 − U) · mean, with U in [0, 1) so the log is finite.
            Arrivals::Poisson => -(1.0 - rng.next_f64()).ln() * mean_gap,
            Arrivals::Constant => mean_gap,
        };
        if t >= duration_ms || out.len() as u64 >= limits::MAX_REQUESTS_PER_STEP {
            break;
        }
        out.push(t);
    }
    out
}

/// Slots with no bound: an async server takes every request it is sent.
pub const UNBOUNDED: u32 = u32::MAX;

/// How an app strategy serves requests, as the open model needs it: `slots` requests served at
/// once (each holds its slot from its fetch to the end of its CPU work: a thread of a thread
/// pool), and `cpu_executors` running CPU work. `pool` is the app's thread or process count.
///
/// - `async`: one event loop, every request admitted, CPU inline — one executor (FastAPI
///   `async def` doing CPU work);
/// - `gil`: `pool` threads, CPU under one lock — one executor (gunicorn threads on CPython);
/// - `threads`: `pool` threads, no lock (free-threaded Python);
/// - `processes`: `pool` processes, each an event loop with CPU inline (gunicorn `-w P` with
///   async workers): `pool` executors, every request admitted;
/// - `multicore`, `async-rayon`: async I/O, CPU on one thread per core (Go's net/http;
///   `run_in_executor` with a pool);
/// - the page's: `workers` a Web Worker per request at a time (`pool` slots and executors);
///   `async-workers` and `wasm-threads` every request admitted (fetched on the main thread, on
///   the driver worker's loop), CPU on `pool` Web Workers or pool threads.
pub fn app_schedule(strategy: StrategyId, pool: u32, cores: u32) -> Schedule {
    let pool = pool.max(1);
    let cores = cores.max(1);
    let (slots, cpu_executors) = match strategy {
        StrategyId::Serial => (1, 1),
        StrategyId::Async => (UNBOUNDED, 1),
        StrategyId::Gil => (pool, 1),
        StrategyId::Threads | StrategyId::Workers => (pool, pool),
        StrategyId::Processes | StrategyId::AsyncWorkers | StrategyId::WasmThreads => {
            (UNBOUNDED, pool)
        }
        StrategyId::Multicore | StrategyId::AsyncRayon => (UNBOUNDED, cores),
    };
    Schedule {
        slots,
        cpu_executors,
    }
}

/// Answers a second over a step: `ok` answers between the first measured request's intended
/// time and the last answer (ms on one clock); 0 where nothing was answered.
pub fn achieved_rps(ok: u64, first_intended_ms: f64, last_done_ms: f64) -> f64 {
    let span_s = (last_done_ms - first_intended_ms) / 1000.0;
    if ok > 0 && span_s > 0.0 {
        ok as f64 / span_s
    } else {
        0.0
    }
}

/// The highest rate, in requests per second, that `schedule` can serve on `cores` cores: the
/// CPU executors' (at most `cores` at once) ÷ `cpu`, or the slots ÷ (`io` + `cpu`), whichever is
/// lower. `None` when nothing bounds it (no CPU work and unbounded slots).
pub fn capacity_rps(schedule: Schedule, io_ms: f64, cpu_ms: f64, cores: u32) -> Option<f64> {
    let busy = schedule.cpu_executors.clamp(1, cores.max(1)) as f64;
    let by_cpu = (cpu_ms > 0.0).then(|| busy * 1000.0 / cpu_ms);
    let held = io_ms.max(0.0) + cpu_ms.max(0.0);
    let by_slots =
        (schedule.slots != UNBOUNDED && held > 0.0).then(|| schedule.slots as f64 * 1000.0 / held);
    match (by_cpu, by_slots) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Where a strategy's capacity comes from, in words: "one thread, 20 ms of CPU each".
pub fn capacity_words(
    strategy: StrategyId,
    schedule: Schedule,
    io_ms: f64,
    cpu_ms: f64,
    cores: u32,
) -> String {
    let busy = schedule.cpu_executors.clamp(1, cores.max(1));
    let by_cpu = if cpu_ms > 0.0 {
        busy as f64 * 1000.0 / cpu_ms
    } else {
        f64::INFINITY
    };
    let held = io_ms + cpu_ms;
    let by_slots = if schedule.slots != UNBOUNDED && held > 0.0 {
        schedule.slots as f64 * 1000.0 / held
    } else {
        f64::INFINITY
    };
    if by_slots < by_cpu {
        return format!(
            "{} threads, each held {} ms per request",
            schedule.slots,
            trim(held)
        );
    }
    let who = match (strategy, busy) {
        (StrategyId::Gil, _) => "one lock (the GIL)".to_string(),
        (_, 1) => "one thread".to_string(),
        (StrategyId::Processes, n) => format!("{n} processes"),
        (_, n) => format!("{n} cores"),
    };
    format!("{who}, {} ms of CPU each", trim(cpu_ms))
}

fn trim(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// Simulates requests arriving at `arrivals` (ms, ascending) under `schedule` on `cores`
/// cores, each fetching for `io` ms and then computing for `cpu` ms, and returns each request's
/// latency (finish − arrival) in arrival order.
///
/// A request waits for a slot (first come, first served), fetches — an infinite server: every
/// fetch overlaps — then queues for a CPU executor; running executors share the cores fairly.
/// As in [`crate::model::simulate`], every CPU job has the same size and every queue is FIFO,
/// so requests finish in the order they arrived and queues of counts suffice: O(n) events.
pub fn simulate_open(
    arrivals: &[f64],
    io: f64,
    cpu: f64,
    schedule: Schedule,
    cores: u32,
) -> Vec<f64> {
    simulate_queue(arrivals, io, cpu, schedule, cores, false)
}

/// A CPU executor's queue holds CPU work, and, where the loop that runs the CPU also starts
/// each fetch, a request's turn to start it (which takes no time but waits its turn).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Queued {
    Cpu,
    StartFetch,
}

/// [`simulate_open`]; with `loop_starts_fetch`, a request also queues for an executor before
/// its fetch (its turn takes no time), as on an event loop whose CPU work runs inline: the
/// accept, the request's parsing and the fetch's send wait for the kernel running then and for
/// the CPU work queued ahead. Requests still finish in arrival order.
pub(crate) fn simulate_queue(
    arrivals: &[f64],
    io: f64,
    cpu: f64,
    schedule: Schedule,
    cores: u32,
    loop_starts_fetch: bool,
) -> Vec<f64> {
    const EPS: f64 = 1e-9;
    let io = io.max(0.0);
    let cpu = cpu.max(0.0);
    let cores = cores.max(1) as f64;
    let slots = schedule.slots.max(1) as u64;
    let executors = schedule.cpu_executors.max(1) as usize;
    let n = arrivals.len();

    let mut latencies = Vec::with_capacity(n);
    let mut t = 0.0f64; // wall time
    let mut v = 0.0f64; // virtual CPU time: work done by each running job so far
    let mut next = 0usize; // next arrival
    let mut held = 0u64; // slots in use
    let mut waiting_for_slot = 0u64;
    let mut fetching: VecDeque<f64> = VecDeque::new(); // fetch end times, ascending
    let mut cpu_queue: VecDeque<Queued> = VecDeque::new();
    let mut running: VecDeque<f64> = VecDeque::new(); // virtual finish times, ascending

    let fetch = |fetching: &mut VecDeque<f64>, cpu_queue: &mut VecDeque<Queued>, t: f64| {
        if io <= 0.0 {
            cpu_queue.push_back(Queued::Cpu);
        } else {
            fetching.push_back(t + io);
        }
    };
    let start = |fetching: &mut VecDeque<f64>, cpu_queue: &mut VecDeque<Queued>, t: f64| {
        if loop_starts_fetch {
            cpu_queue.push_back(Queued::StartFetch);
        } else {
            fetch(fetching, cpu_queue, t);
        }
    };

    while latencies.len() < n {
        while running.len() < executors
            && let Some(next_up) = cpu_queue.pop_front()
        {
            match next_up {
                Queued::Cpu => running.push_back(v + cpu),
                // Its turn takes no time: the fetch starts now, and the next in line goes on.
                Queued::StartFetch => fetch(&mut fetching, &mut cpu_queue, t),
            }
        }
        let rate = if running.is_empty() {
            0.0
        } else {
            (cores / running.len() as f64).min(1.0)
        };
        let dt_cpu = running
            .front()
            .map_or(f64::INFINITY, |&fin| (fin - v).max(0.0) / rate);
        let dt_io = fetching
            .front()
            .map_or(f64::INFINITY, |&end| (end - t).max(0.0));
        let dt_arrival = arrivals
            .get(next)
            .map_or(f64::INFINITY, |&a| (a - t).max(0.0));
        let dt = dt_cpu.min(dt_io).min(dt_arrival);
        debug_assert!(dt.is_finite(), "the simulation always has a next event");
        t += dt;
        v += rate * dt;
        while fetching.front().is_some_and(|&end| end <= t + EPS) {
            fetching.pop_front();
            cpu_queue.push_back(Queued::Cpu);
        }
        while running.front().is_some_and(|&fin| fin <= v + EPS) {
            running.pop_front();
            let done = latencies.len();
            latencies.push(t - arrivals[done]);
            held -= 1;
            // The freed slot goes to the request that has waited longest.
            if waiting_for_slot > 0 {
                waiting_for_slot -= 1;
                held += 1;
                start(&mut fetching, &mut cpu_queue, t);
            }
        }
        while arrivals.get(next).is_some_and(|&a| a <= t + EPS) {
            next += 1;
            if held < slots {
                held += 1;
                start(&mut fetching, &mut cpu_queue, t);
            } else {
                waiting_for_slot += 1;
            }
        }
    }
    latencies
}

/// The `q`-quantile (0 to 1) of `sorted` (ascending), by nearest rank; `None` if it is empty.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q.clamp(0.0, 1.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// What the model predicts for one step: its median and 99th percentile latency, ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelLatency {
    /// Median latency.
    pub p50: f64,
    /// 99th percentile latency.
    pub p99: f64,
}

/// The model's latency for the requests at `arrivals` whose intended time is at or after
/// `from_ms` (the ones measured, after the warm-up), the warm-up's requests still queued ahead
/// of them. `None` if no request is measured.
pub fn model_latency(
    arrivals: &[f64],
    from_ms: f64,
    io: f64,
    cpu: f64,
    schedule: Schedule,
    cores: u32,
) -> Option<ModelLatency> {
    measured_percentiles(
        arrivals,
        from_ms,
        simulate_open(arrivals, io, cpu, schedule, cores),
    )
}

/// p50 and p99 of the modelled latencies `all` (one per arrival) of the requests whose
/// intended time is at or after `from_ms`; `None` if there is none.
pub(crate) fn measured_percentiles(
    arrivals: &[f64],
    from_ms: f64,
    all: Vec<f64>,
) -> Option<ModelLatency> {
    let mut measured: Vec<f64> = arrivals
        .iter()
        .zip(all)
        .filter(|(a, _)| **a >= from_ms)
        .map(|(_, l)| l)
        .collect();
    measured.sort_by(f64::total_cmp);
    Some(ModelLatency {
        p50: quantile(&measured, 0.5)?,
        p99: quantile(&measured, 0.99)?,
    })
}

/// Measured latency percentiles, ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Slowest.
    pub max: f64,
}

/// One strategy at one offered rate: a step of `gilwall load`, as the report keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadPoint {
    /// The app's strategy (`async`, `multicore`, …), or a Python app's name.
    pub strategy: String,
    /// The app's pool (threads or processes), where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<u32>,
    /// How requests arrived.
    pub arrivals: Arrivals,
    /// The offered rate, requests per second.
    pub rate_rps: f64,
    /// Length of the measured part of the step, s (after its warm-up).
    pub duration_s: f64,
    /// Fetch delay per request, ms.
    pub io_ms: f64,
    /// CPU work per request, ms, as asked.
    pub cpu_ms: f64,
    /// Kernel used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
    /// Size of each fetched payload, bytes.
    pub payload_bytes: u64,
    /// Requests sent in the measured part.
    pub sent: u64,
    /// Requests answered 200 among them.
    pub ok: u64,
    /// Requests that failed among them, `rejected` included.
    pub errors: u64,
    /// Requests the app turned away with 503 because its bounded queue was full (counted in
    /// `errors` too).
    pub rejected: u64,
    /// Answered requests per second, from the first intended send to the last answer.
    pub achieved_rps: f64,
    /// Latency of the answered requests, from each one's *intended* send time (so a stalled
    /// client cannot hide queueing), ms; absent when none was answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<Percentiles>,
    /// The model's latency for the same arrivals, ms.
    pub model_latency_ms: ModelLatency,
    /// The CPU per request the model was evaluated at, ms: what the requests measured, where
    /// the app reported it, else what was asked.
    pub model_cpu_ms: f64,
    /// The model's capacity, requests per second; absent where nothing bounds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_rps: Option<f64>,
    /// The load generator's own lateness (actual send − intended), 99th percentile, ms: above a
    /// few ms the generator, not the app, limited the run.
    pub send_late_p99_ms: f64,
    /// Mean CPU time one request's kernel took in the app, ms (its thread's CPU clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_measured_ms: Option<f64>,
    /// One of the failures, in words (at most 300 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_sample: Option<String>,
    /// The runtime that served this point, where it is not the report's own: `python` for the
    /// Python app (`gilwall load --python`) in a report of gilwall's. Absent: the report's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<crate::report::ReportRuntime>,
    /// The gilwall strategy whose schedule the model assumed, where `strategy` is not one
    /// (a Python app's `asyncio` is modelled as `async`, its `process-pool` as `processes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modelled_as: Option<String>,
    /// Whether the serving interpreter's GIL was on (Python points only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gil_enabled: Option<bool>,
}

impl LoadPoint {
    /// How the point's app is named in tables and charts: its strategy, and for one served by
    /// another runtime than gilwall (the Python app) that runtime too, so `asyncio (python)`
    /// reads apart from gilwall's `async`.
    pub fn label(&self) -> String {
        match self.runtime {
            Some(crate::report::ReportRuntime::Python) if self.gil_enabled == Some(false) => {
                format!("{} (python, no GIL)", self.strategy)
            }
            Some(crate::report::ReportRuntime::Python) => format!("{} (python)", self.strategy),
            _ => self.strategy.clone(),
        }
    }

    /// Whether every measured request was answered: only then do its percentiles measure the
    /// service, and only then is it drawn.
    pub fn complete(&self) -> bool {
        self.errors == 0 && self.ok > 0
    }

    /// Checks its values are in range; the message names the field.
    pub fn check(&self) -> Result<(), String> {
        if self.strategy.is_empty() || self.strategy.len() > 64 {
            return Err("strategy must be 1 to 64 characters".into());
        }
        if let Some(m) = &self.modelled_as {
            m.parse::<StrategyId>()
                .map_err(|e| format!("modelled_as must be a gilwall strategy: {e}"))?;
        }
        if self.ok + self.errors > self.sent || self.rejected > self.errors {
            return Err("ok + errors must not exceed sent, nor rejected errors".into());
        }
        let mut numbers = vec![
            ("rate_rps", self.rate_rps),
            ("duration_s", self.duration_s),
            ("io_ms", self.io_ms),
            ("cpu_ms", self.cpu_ms),
            ("achieved_rps", self.achieved_rps),
            ("model_latency_ms.p50", self.model_latency_ms.p50),
            ("model_latency_ms.p99", self.model_latency_ms.p99),
            ("model_cpu_ms", self.model_cpu_ms),
            ("send_late_p99_ms", self.send_late_p99_ms),
        ];
        if let Some(l) = &self.latency_ms {
            numbers.extend([
                ("latency_ms.p50", l.p50),
                ("latency_ms.p90", l.p90),
                ("latency_ms.p99", l.p99),
                ("latency_ms.p999", l.p999),
                ("latency_ms.max", l.max),
            ]);
        }
        numbers.extend(self.capacity_rps.map(|c| ("capacity_rps", c)));
        numbers.extend(self.cpu_measured_ms.map(|c| ("cpu_measured_ms", c)));
        for (name, value) in numbers {
            if !value.is_finite() || value < 0.0 {
                return Err(format!("{name} must be a finite number ≥ 0, got {value}"));
            }
        }
        Ok(())
    }
}

/// A rate or latency as the load table and chart print it: whole above 100 or when whole,
/// else one decimal.
pub fn num(v: f64) -> String {
    if v >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Fewest answered requests from which a step's achieved rate is read as the service's.
pub const MIN_ANSWERS_TO_JUDGE_RATE: u64 = 30;

/// One strategy's knee in words, from its points in the order offered: "async saturates at
/// 50 req/s: one thread, 20 ms of CPU each. Measured: p99 75 ms at 10 req/s, 3.4× that (255 ms)
/// at 40 req/s; offered 70 req/s it answered only 49". The CLI's load table and the page both
/// say it so. Only complete points (every request answered) count as measured.
pub fn knee_words(points: &[&LoadPoint], cores: u32) -> String {
    use std::fmt::Write;
    let Some(first) = points.first() else {
        return String::new();
    };
    let name = &first.label();
    // Answering under 0.9 of the offered rate means overload only over enough answers: a few
    // Poisson arrivals (the page's slow requests) fall short of the rate by chance.
    let overloaded =
        |p: &LoadPoint| p.ok >= MIN_ANSWERS_TO_JUDGE_RATE && p.achieved_rps < 0.9 * p.rate_rps;
    let modelled = first.modelled_as.as_deref().unwrap_or(&first.strategy);
    let model = match (first.capacity_rps, modelled.parse::<StrategyId>()) {
        (Some(cap), Ok(id)) => {
            let schedule = app_schedule(id, first.workers.unwrap_or(1), cores);
            format!(
                "{name} saturates at {} req/s: {}",
                num(cap),
                capacity_words(id, schedule, first.io_ms, first.cpu_ms, cores)
            )
        }
        (Some(cap), Err(_)) => format!("{name} saturates at {} req/s", num(cap)),
        (None, _) => format!("{name} has no CPU bound in the model"),
    };
    let complete: Vec<&&LoadPoint> = points.iter().filter(|p| p.complete()).collect();
    let Some(base) = complete.first() else {
        return format!("{model}; every step had failed requests, so nothing was measured");
    };
    let base_p99 = base.latency_ms.map_or(0.0, |l| l.p99);
    let mut said = format!(
        "{model}. Measured: p99 {} ms at {} req/s",
        num(base_p99),
        num(base.rate_rps)
    );
    if let Some(turn) = complete
        .iter()
        .skip(1)
        .find(|p| p.latency_ms.is_some_and(|l| l.p99 > 2.0 * base_p99) || overloaded(p))
    {
        let p99 = turn.latency_ms.map_or(0.0, |l| l.p99);
        // Writing to a String cannot fail.
        let _ = write!(
            said,
            ", {:.1}× that ({} ms) at {} req/s",
            p99 / base_p99.max(1e-9),
            num(p99),
            num(turn.rate_rps)
        );
    } else {
        said.push_str(", and no more than twice that at any rate offered");
    }
    if let Some(over) = points.iter().find(|p| overloaded(p)) {
        let _ = write!(
            said,
            "; offered {} req/s it answered only {}",
            num(over.rate_rps),
            num(over.achieved_rps)
        );
    }
    said
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model;
    use proptest::prelude::*;

    fn mean(v: &[f64]) -> f64 {
        v.iter().sum::<f64>() / v.len() as f64
    }

    #[test]
    fn arrivals_are_seeded_ascending_and_at_the_rate() {
        let a = arrival_times(Arrivals::Poisson, 100.0, 60_000.0, 7);
        assert_eq!(a, arrival_times(Arrivals::Poisson, 100.0, 60_000.0, 7));
        assert_ne!(a, arrival_times(Arrivals::Poisson, 100.0, 60_000.0, 8));
        assert!(a.windows(2).all(|w| w[0] <= w[1]));
        assert!((a.len() as f64 - 6000.0).abs() < 300.0, "{}", a.len());
        let c = arrival_times(Arrivals::Constant, 50.0, 1000.0, 0);
        assert_eq!(c.len(), 49, "20, 40, … 980 ms");
        assert!((c[1] - c[0] - 20.0).abs() < 1e-9);
        assert!(arrival_times(Arrivals::Constant, 0.0, 1000.0, 0).is_empty());
        assert!(arrival_times(Arrivals::Poisson, f64::NAN, 1000.0, 0).is_empty());
    }

    #[test]
    fn capacity_is_executors_over_cpu_unless_slots_bind() {
        let cap = |s, pool| capacity_rps(app_schedule(s, pool, 2), 50.0, 20.0, 2).unwrap();
        assert!((cap(StrategyId::Async, 1) - 50.0).abs() < 1e-9);
        assert!((cap(StrategyId::Gil, 32) - 50.0).abs() < 1e-9);
        assert!((cap(StrategyId::Multicore, 1) - 100.0).abs() < 1e-9);
        assert!((cap(StrategyId::Threads, 32) - 100.0).abs() < 1e-9);
        assert!((cap(StrategyId::Processes, 2) - 100.0).abs() < 1e-9);
        // Four threads each held 70 ms serve at most 57 req/s, below the cores' 100.
        assert!((cap(StrategyId::Threads, 4) - 4000.0 / 70.0).abs() < 1e-9);
        assert_eq!(
            capacity_rps(app_schedule(StrategyId::Async, 1, 2), 10.0, 0.0, 2),
            None
        );
        assert_eq!(
            capacity_words(
                StrategyId::Async,
                app_schedule(StrategyId::Async, 1, 2),
                50.0,
                20.0,
                2
            ),
            "one thread, 20 ms of CPU each"
        );
        assert_eq!(
            capacity_words(
                StrategyId::Threads,
                app_schedule(StrategyId::Threads, 4, 2),
                50.0,
                20.0,
                2
            ),
            "4 threads, each held 70 ms per request"
        );
    }

    #[test]
    fn below_capacity_constant_arrivals_never_queue() {
        let a = arrival_times(Arrivals::Constant, 40.0, 10_000.0, 0);
        let l = simulate_open(&a, 50.0, 20.0, app_schedule(StrategyId::Async, 1, 2), 2);
        assert!(l.iter().all(|&x| (x - 70.0).abs() < 1e-6), "{l:?}");
    }

    #[test]
    fn above_capacity_the_queue_grows_without_bound() {
        // 70 req/s into one thread that serves 50: the last of 5 s waits about 2 s.
        let a = arrival_times(Arrivals::Constant, 70.0, 5_000.0, 0);
        let l = simulate_open(&a, 50.0, 20.0, app_schedule(StrategyId::Async, 1, 2), 2);
        let last = *l.last().unwrap();
        assert!(last > 1900.0 && last < 2100.0, "{last}");
        // Two cores serve it with room to spare.
        let l = simulate_open(&a, 50.0, 20.0, app_schedule(StrategyId::Multicore, 1, 2), 2);
        assert!(l.iter().all(|&x| x < 70.0 + 1e-6));
    }

    #[test]
    fn the_model_drops_the_warm_up_from_its_percentiles() {
        let a = arrival_times(Arrivals::Constant, 10.0, 2_000.0, 0);
        let m = model_latency(
            &a,
            1000.0,
            50.0,
            20.0,
            app_schedule(StrategyId::Async, 1, 2),
            2,
        )
        .unwrap();
        assert!(
            (m.p50 - 70.0).abs() < 1e-6 && (m.p99 - 70.0).abs() < 1e-6,
            "{m:?}"
        );
        // A burst in the warm-up delays the measured requests behind it.
        let mut burst = vec![0.0; 60];
        burst.extend(&a);
        let m = model_latency(
            &burst,
            1000.0,
            50.0,
            20.0,
            app_schedule(StrategyId::Async, 1, 2),
            2,
        )
        .unwrap();
        assert!(m.p99 > 70.0 + 1e-6, "{m:?}");
        assert_eq!(
            model_latency(
                &a,
                5000.0,
                50.0,
                20.0,
                app_schedule(StrategyId::Async, 1, 2),
                2
            ),
            None
        );
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.5), Some(50.0));
        assert_eq!(quantile(&v, 0.99), Some(99.0));
        assert_eq!(quantile(&v, 1.0), Some(100.0));
        assert_eq!(quantile(&v, 0.0), Some(1.0));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn a_load_point_names_its_bad_field() {
        let mut p = LoadPoint {
            strategy: "async".into(),
            workers: None,
            arrivals: Arrivals::Poisson,
            rate_rps: 10.0,
            duration_s: 1.0,
            io_ms: 50.0,
            cpu_ms: 20.0,
            kernel: None,
            payload_bytes: 0,
            sent: 10,
            ok: 10,
            errors: 0,
            rejected: 0,
            achieved_rps: 10.0,
            latency_ms: None,
            model_latency_ms: ModelLatency {
                p50: 70.0,
                p99: 70.0,
            },
            model_cpu_ms: 20.0,
            capacity_rps: Some(50.0),
            send_late_p99_ms: 0.1,
            cpu_measured_ms: None,
            error_sample: None,
            runtime: None,
            modelled_as: None,
            gil_enabled: None,
        };
        assert_eq!(p.check(), Ok(()));
        assert!(p.complete());
        p.send_late_p99_ms = -1.0;
        assert!(
            p.check()
                .unwrap_err()
                .starts_with("send_late_p99_ms must be")
        );
        p.send_late_p99_ms = 0.0;
        p.ok = 11;
        assert!(p.check().is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// M/D/1: Poisson arrivals at λ into one executor of fixed service time S have a mean
        /// wait of ρ·S / (2(1 − ρ)), ρ = λS (the Pollaczek–Khinchine formula); the fetch before
        /// it, an infinite server, adds io to every request and changes no one's order.
        #[test]
        fn one_executor_under_poisson_arrivals_waits_as_m_d_1(
            rho in 0.1f64..0.7, cpu in 1.0f64..50.0, io in 0.0f64..100.0, seed in any::<u64>(),
        ) {
            let rate = rho * 1000.0 / cpu;
            // About 100 000 requests, so the sample mean settles.
            let duration = 100_000.0 / rate * 1000.0;
            let a = arrival_times(Arrivals::Poisson, rate, duration, seed);
            let l = simulate_open(&a, io, cpu, app_schedule(StrategyId::Async, 1, 2), 2);
            let wait = mean(&l) - io - cpu;
            let closed = rho * cpu / (2.0 * (1.0 - rho));
            prop_assert!((wait - closed).abs() <= 0.1 * closed + 0.01 * cpu,
                "ρ {rho:.2} S {cpu:.1}: simulated wait {wait:.3}, M/D/1 {closed:.3}");
        }

        /// Every request arriving at once is the closed batch of `model::simulate`: the last
        /// to finish ends at its makespan.
        #[test]
        fn a_burst_at_zero_is_the_closed_model(
            n in 1u32..200, pool in 1u32..64, cores in 1u32..8,
            io in 0.0f64..500.0, cpu in 0.0f64..500.0,
        ) {
            let a = vec![0.0; n as usize];
            for s in [StrategyId::Async, StrategyId::Gil, StrategyId::Threads, StrategyId::Multicore] {
                let open = app_schedule(s, pool, cores);
                let closed = Schedule { slots: open.slots.min(n), ..open };
                let l = simulate_open(&a, io, cpu, open, cores);
                let makespan = model::simulate(n, io, cpu, closed, cores);
                let last = l.iter().copied().fold(0.0, f64::max);
                prop_assert!((last - makespan).abs() <= 1e-6 * (1.0 + makespan), "{s}: {last} vs {makespan}");
                // Requests finish in arrival order, none faster than its own work.
                prop_assert!(l.iter().all(|&x| x >= io + cpu - 1e-6));
            }
        }

        /// Below capacity, the achieved rate is the offered one: the simulated queue stays
        /// short, so the last answer comes soon after the last arrival.
        #[test]
        fn below_capacity_the_queue_stays_short(
            fraction in 0.1f64..0.6, cpu in 1.0f64..30.0, seed in any::<u64>(),
        ) {
            let s = app_schedule(StrategyId::Multicore, 1, 2);
            let cap = capacity_rps(s, 10.0, cpu, 2).unwrap();
            let a = arrival_times(Arrivals::Poisson, fraction * cap, 20_000.0, seed);
            let l = simulate_open(&a, 10.0, cpu, s, 2);
            let worst = l.iter().copied().fold(0.0, f64::max);
            prop_assert!(worst < 10.0 + 40.0 * cpu, "{worst}");
        }
    }
}
