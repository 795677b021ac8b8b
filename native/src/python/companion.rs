//! What the Python companion measures, and how gilwall reads it: the article's Python
//! strategies, the gilwall schedule each one has (so the model can predict it), the script's
//! output turned into a report, and the side-by-side table of a comparison with gilwall.

use crate::export;
use crate::machine;
use anyhow::{Context, Result, bail};
use gilwall_core::model::{self, ModelInput};
use gilwall_core::report::{Point, PointSpec, Report, ReportRuntime};
use gilwall_core::sweep::SweepSpec;
use gilwall_core::timeline::{Lane, Span, SpanKind, Timeline};
use gilwall_core::{Kernel, StrategyId};
use serde::Deserialize;
use std::fmt::Write as _;

/// One of the article's Python strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PyStrategy {
    /// Article step 1: a blocking `requests.get(...).json()` per task, one after another.
    Serial,
    /// Article step 2: `asyncio.gather` of aiohttp fetches, no CPU work (reported as `asyncio`
    /// with `cpu_ms` 0).
    AsyncioIo,
    /// `asyncio.gather` of aiohttp fetches, CPU work inline on the event loop's thread.
    Asyncio,
    /// Article step 3: asyncio, CPU work through `loop.run_in_executor(None, ...)`.
    AsyncioExecutor,
    /// Article step 4: `ProcessPoolExecutor(max_workers=N)` running the serial task.
    ProcessPool,
    /// Article step 5: `ThreadPoolExecutor(max_workers=N)` running the serial task.
    ThreadPool,
}

impl PyStrategy {
    /// Every strategy, in the article's order.
    pub const ALL: [PyStrategy; 6] = [
        PyStrategy::Serial,
        PyStrategy::AsyncioIo,
        PyStrategy::Asyncio,
        PyStrategy::AsyncioExecutor,
        PyStrategy::ProcessPool,
        PyStrategy::ThreadPool,
    ];

    /// The name the companion script takes on its command line.
    pub fn as_str(self) -> &'static str {
        match self {
            PyStrategy::Serial => "serial",
            PyStrategy::AsyncioIo => "asyncio-io",
            PyStrategy::Asyncio => "asyncio",
            PyStrategy::AsyncioExecutor => "asyncio-executor",
            PyStrategy::ProcessPool => "process-pool",
            PyStrategy::ThreadPool => "thread-pool",
        }
    }
}

/// The gilwall strategy whose schedule a Python strategy has, as its points name it, so the
/// model predicts the Python point as it would gilwall's. `None` for a name the companion does
/// not write.
///
/// - `serial` → serial: one task at a time.
/// - `asyncio` → async: every fetch in flight, all CPU work on the event loop's one thread.
/// - `asyncio-executor` → gil under the GIL: every fetch in flight, CPU on pool threads that
///   take turns on one lock. Without the GIL → async-rayon: one-thread async I/O with CPU on a
///   pool of threads (Python's default executor has a few more threads than cores; the cores
///   are the limit either way).
/// - `process-pool` → processes: a process per task, time-sliced over the cores.
/// - `thread-pool` → gil under the GIL (a thread per task, CPU under one lock); threads
///   without it (free-threaded 3.13t: a thread per task, no lock).
pub fn model_strategy(python_strategy: &str, gil_enabled: bool) -> Option<StrategyId> {
    Some(match python_strategy {
        "serial" => StrategyId::Serial,
        "asyncio" => StrategyId::Async,
        "asyncio-executor" if gil_enabled => StrategyId::Gil,
        "asyncio-executor" => StrategyId::AsyncRayon,
        "process-pool" => StrategyId::Processes,
        "thread-pool" if gil_enabled => StrategyId::Gil,
        "thread-pool" => StrategyId::Threads,
        _ => return None,
    })
}

/// The document the companion script prints (its `OUTPUT_FORMAT` 1).
#[derive(Debug, Deserialize)]
pub struct PyOutput {
    /// The format version; only 1 is read.
    pub format: u32,
    /// e.g. "CPython 3.11.7".
    pub interpreter: String,
    /// Whether the GIL was on at the end of the run.
    pub gil_enabled: bool,
    /// `sys.getswitchinterval()`, in ms.
    pub switch_interval_ms: f64,
    /// multiprocessing's start method (fork, spawn, forkserver).
    pub start_method: String,
    /// Iterations of the article's loop per ms of CPU time.
    pub iters_per_ms: f64,
    /// The measured points.
    pub points: Vec<PyPoint>,
}

/// One point as the companion script measured it.
#[derive(Debug, Deserialize)]
pub struct PyPoint {
    /// Strategy name (`serial`, `asyncio`, …).
    pub strategy: String,
    /// N.
    pub tasks: u32,
    /// Fetch delay, ms.
    pub io_ms: f64,
    /// CPU work per task asked, ms.
    pub cpu_ms: f64,
    /// Iterations of the loop per task.
    pub cpu_iters: u64,
    /// Makespan of each repeat, ms.
    pub samples_ms: Vec<f64>,
    /// Failed fetches over all repeats.
    pub errors: u64,
    /// Median thread CPU time of one task's work, ms.
    pub cpu_measured_ms: Option<f64>,
    /// One failure, in words.
    pub error_sample: Option<String>,
    /// The first measured repeat's spans, where the script traced them (it always does now;
    /// older scripts did not).
    #[serde(default)]
    pub timeline: Option<PyTimeline>,
}

/// One repeat's spans as the companion script records them.
#[derive(Debug, Deserialize)]
pub struct PyTimeline {
    /// Which measured repeat, from 0.
    pub repeat: u32,
    /// The traced tasks (the first 64).
    pub tasks: Vec<PyTask>,
}

/// One task's spans as the script records them.
#[derive(Debug, Deserialize)]
pub struct PyTask {
    /// The task's number.
    pub task: u32,
    /// Its spans, each `[kind, where, id, start_ms, end_ms]`.
    pub spans: Vec<PySpan>,
}

/// One span: what, where (`event-loop`, `main`, `thread` with a thread's native id, or
/// `process` with a pool worker's pid), and when, in ms from the repeat's start.
#[derive(Debug, Deserialize)]
pub struct PySpan(pub SpanKind, pub PyWhere, pub u64, pub f64, pub f64);

/// Where a span of the script's ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PyWhere {
    /// A thread running an asyncio event loop.
    EventLoop,
    /// The main thread, running no loop (serial).
    Main,
    /// Any other thread (a pool's).
    Thread,
    /// A process pool's worker.
    Process,
}

/// The script's spans as core's timeline: the event loop's thread is the event loop, the main
/// thread the serial lane, other threads `thread k` and workers `worker process k`, numbered in
/// the order they first ran something, so `thread 0` started first. An error (in words) when a
/// span is malformed — a worker's clock that is not the parent's would give negative times.
pub fn python_timeline(t: &PyTimeline) -> Result<Option<Timeline>, String> {
    let mut first: Vec<((PyWhere, u64), f64)> = Vec::new();
    for s in t.tasks.iter().flat_map(|task| &task.spans) {
        let PySpan(kind, place, id, start, end) = *s;
        if !(start.is_finite() && end.is_finite() && start >= 0.0 && end >= start) {
            return Err(format!(
                "its {kind} span from {start} to {end} ms is not a stretch of the repeat"
            ));
        }
        match first.iter_mut().find(|(k, _)| *k == (place, id)) {
            Some((_, at)) => *at = at.min(start),
            None => first.push(((place, id), start)),
        }
    }
    first.sort_by(|a, b| a.1.total_cmp(&b.1));
    let lane_of = |place: PyWhere, id: u64| -> Lane {
        let rank = first
            .iter()
            .filter(|((p, _), _)| *p == place)
            .position(|((_, i), _)| *i == id)
            .unwrap_or(0) as u32;
        match place {
            PyWhere::EventLoop => Lane::EventLoop,
            PyWhere::Main => Lane::Serial,
            PyWhere::Thread => Lane::Thread(rank),
            PyWhere::Process => Lane::WorkerProcess(rank),
        }
    };
    let spans: Vec<(u32, Vec<Span>)> = t
        .tasks
        .iter()
        .map(|task| {
            let spans = task
                .spans
                .iter()
                .map(|&PySpan(kind, place, id, start, end)| {
                    Span::new(kind, lane_of(place, id), start, end)
                })
                .collect();
            (task.task, spans)
        })
        .collect();
    Ok(Timeline::of_tasks(
        t.repeat,
        spans.iter().map(|(i, s)| (*i, s.as_slice())),
    ))
}

/// Turns the companion's output into a report: every point gets the model's prediction for the
/// schedule its strategy has (see [`model_strategy`]) on `cores` cores, with a pool of N (the
/// article's `max_workers=N`).
pub fn build_report(
    out: PyOutput,
    cores: u32,
    created_at: String,
    title: Option<String>,
) -> Result<Report> {
    if out.format != 1 {
        bail!(
            "the Python companion wrote output format {}, but this gilwall reads format 1",
            out.format
        );
    }
    let mut machine = machine::describe();
    machine.cores = cores;
    machine.interpreter = Some(out.interpreter.clone());
    machine.gil_enabled = Some(out.gil_enabled);
    let mut report = Report::new(ReportRuntime::Python, machine, created_at);
    report.title = title;
    for p in out.points {
        let id = model_strategy(&p.strategy, out.gil_enabled).with_context(|| {
            format!(
                "the Python companion reported an unknown strategy {:?}",
                p.strategy
            )
        })?;
        let model_ms = model::predict(
            id,
            ModelInput {
                tasks: p.tasks,
                io_ms: p.io_ms,
                cpu_ms: p.cpu_ms,
                pool: p.tasks,
                cores,
                fetch_limit: None,
            },
        );
        let what = format!("{} N={}", p.strategy, p.tasks);
        let repeats = p.samples_ms.len() as u64;
        let spec = PointSpec {
            strategy: p.strategy,
            tasks: p.tasks,
            workers: None,
            io_ms: p.io_ms,
            cpu_ms: p.cpu_ms,
            cpu_iters: Some(p.cpu_iters),
            // The article's loop in Python, not gilwall's sqrt kernel: same idea, other code,
            // so no checksum either.
            kernel: Some("python-sqrt".to_string()),
            payload_bytes: 0,
        };
        let mut point = Point::new(spec, p.samples_ms, model_ms, p.errors)
            .with_context(|| format!("the Python companion's point {what} has no usable times"))?;
        point.cpu_measured_ms = p.cpu_measured_ms;
        point.all_failed = p.errors > 0 && p.errors >= u64::from(p.tasks) * repeats;
        point.error_sample = p.error_sample.map(|s| s.chars().take(300).collect());
        // A timeline the script got wrong is left out, said, and the measurement kept.
        point.timeline = match p.timeline.as_ref().map(python_timeline).transpose() {
            Ok(t) => t.flatten(),
            Err(why) => {
                eprintln!("gilwall python: {what}'s timeline is left out: {why}");
                None
            }
        };
        report.points.push(point);
    }
    // The same checks a reader applies, so this command never writes a report others refuse.
    Report::from_json(report.to_json().as_bytes())
        .context("the Python companion's measurements do not make a valid report")
}

/// The side-by-side table: at every N, each Python strategy's median and efficiency beside
/// the gilwall strategy with the same schedule. Rows without a gilwall point show "—"; a point
/// with failed tasks shows how many failed instead of an efficiency.
pub fn side_by_side(python: &Report, native: &Report) -> String {
    let gil = python.machine.gil_enabled.unwrap_or(true);
    let mut out = String::from(
        "| Python strategy | gilwall strategy | N | model | Python | Python efficiency | gilwall | gilwall efficiency |\n\
         |---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut rows: Vec<&Point> = python.points.iter().collect();
    // Grouped by strategy (as measured), then by N.
    rows.sort_by_key(|p| {
        let first = python
            .points
            .iter()
            .position(|q| q.strategy == p.strategy && (q.cpu_ms == 0.0) == (p.cpu_ms == 0.0));
        (first, p.tasks)
    });
    let ms = export::markdown::format_ms;
    for p in rows {
        let io_only = p.cpu_ms == 0.0;
        let (name, id) = match model_strategy(&p.strategy, gil) {
            Some(id) => (p.strategy.clone(), id),
            None => continue,
        };
        let name = if io_only {
            format!("{name} (I/O only)")
        } else {
            name
        };
        let twin = native.points.iter().find(|q| {
            q.strategy == id.as_str() && q.tasks == p.tasks && (q.cpu_ms == 0.0) == io_only
        });
        // A point with failed tasks shows them, not an efficiency: its times measure failures.
        let efficiency = |q: &Point| {
            export::notes::failed_cell(q).unwrap_or_else(|| format!("{:.0}%", q.efficiency * 100.0))
        };
        let (g_ms, g_eff) = match twin {
            Some(q) => (ms(q.median_ms), efficiency(q)),
            None => ("—".to_string(), "—".to_string()),
        };
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "| {name} | {id} | {} | {} | {} | {} | {g_ms} | {g_eff} |",
            p.tasks,
            ms(p.model_ms),
            ms(p.median_ms),
            efficiency(p)
        );
    }
    out
}

/// The free-threaded build beside the GIL build: at every N, each strategy's median and
/// efficiency on both (each against the model of its own schedule), the ratio of the two, and
/// then, per N, the article's claim in numbers: the thread pool without the GIL against asyncio
/// with `run_in_executor` under it (step 5 against step 3), and the GIL build's thread pool
/// against the same. Failed points show their failures, never a ratio.
pub fn builds_side_by_side(free: &Report, gil: &Report) -> String {
    let mut out = String::from(
        "| Python strategy | N | free-threaded model | free-threaded | efficiency | GIL model | GIL build | efficiency | free-threaded ÷ GIL |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let ms = export::markdown::format_ms;
    let cell = |q: &Point| {
        export::notes::failed_cell(q).unwrap_or_else(|| format!("{:.0}%", q.efficiency * 100.0))
    };
    let at = |r: &Report, strategy: &str, tasks: u32, io_only: bool| {
        r.points
            .iter()
            .find(|q| q.strategy == strategy && q.tasks == tasks && (q.cpu_ms == 0.0) == io_only)
            .cloned()
    };
    let mut tasks: Vec<u32> = Vec::new();
    for p in &free.points {
        if !tasks.contains(&p.tasks) {
            tasks.push(p.tasks);
        }
        let io_only = p.cpu_ms == 0.0;
        let name = if io_only {
            format!("{} (I/O only)", p.strategy)
        } else {
            p.strategy.clone()
        };
        let twin = at(gil, &p.strategy, p.tasks, io_only);
        let (g_model, g_ms, g_eff, ratio) = match &twin {
            Some(q) => (
                ms(q.model_ms),
                ms(q.median_ms),
                cell(q),
                if p.complete() && q.complete() {
                    format!("{:.2}", p.median_ms / q.median_ms)
                } else {
                    "—".to_string()
                },
            ),
            None => ("—".into(), "—".into(), "—".into(), "—".into()),
        };
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {g_model} | {g_ms} | {g_eff} | {ratio} |",
            p.tasks,
            ms(p.model_ms),
            ms(p.median_ms),
            cell(p)
        );
    }
    let mut claims = String::new();
    for n in tasks {
        let wall = at(gil, "asyncio-executor", n, false).filter(Point::complete);
        let free_pool = at(free, "thread-pool", n, false).filter(Point::complete);
        let gil_pool = at(gil, "thread-pool", n, false).filter(Point::complete);
        if let (Some(wall), Some(free_pool)) = (&wall, &free_pool) {
            let _ = write!(
                claims,
                "- N = {n}: the thread pool without the GIL took {:.2}× the time of asyncio + \
                 run_in_executor under it",
                free_pool.median_ms / wall.median_ms
            );
            if let Some(gil_pool) = &gil_pool {
                let _ = write!(
                    claims,
                    "; the GIL build's thread pool {:.2}×",
                    gil_pool.median_ms / wall.median_ms
                );
            }
            claims.push_str(".\n");
        }
    }
    if !claims.is_empty() {
        out.push_str("\nThe article's step 5 against its step 3:\n\n");
        out.push_str(&claims);
    }
    out
}

/// The gilwall sweeps that mirror `strategies` (one with CPU work, one I/O-only for
/// `asyncio-io`), so a comparison measures the same schedules.
pub fn compare_sweeps(
    strategies: &[PyStrategy],
    gil_enabled: bool,
    tasks: &[u32],
    io_ms: f64,
    cpu_ms: f64,
    repeats: u32,
) -> Vec<SweepSpec> {
    let mut with_cpu: Vec<StrategyId> = Vec::new();
    let mut io_only = false;
    for &s in strategies {
        if s == PyStrategy::AsyncioIo {
            io_only = true;
            continue;
        }
        // Every name PyStrategy::as_str returns is one model_strategy knows (a unit test
        // checks it).
        let id = model_strategy(s.as_str(), gil_enabled).expect("every Python strategy maps");
        if !with_cpu.contains(&id) {
            with_cpu.push(id);
        }
    }
    let sweep = |strategies: Vec<StrategyId>, cpu: f64| SweepSpec {
        strategies,
        tasks: tasks.to_vec(),
        io_ms,
        cpu_ms: Some(cpu),
        kernel: Kernel::Sqrt,
        repeats,
        ..SweepSpec::default()
    };
    let mut sweeps = Vec::new();
    if !with_cpu.is_empty() {
        sweeps.push(sweep(with_cpu, cpu_ms));
    }
    if io_only {
        sweeps.push(sweep(vec![StrategyId::Async], 0.0));
    }
    sweeps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_python_strategy_gets_the_schedule_it_has() {
        let with_gil: Vec<_> = PyStrategy::ALL
            .iter()
            .map(|s| model_strategy(s.as_str().trim_end_matches("-io"), true))
            .collect();
        use StrategyId::*;
        assert_eq!(
            with_gil,
            [
                Some(Serial),
                Some(Async),
                Some(Async),
                Some(Gil),
                Some(Processes),
                Some(Gil)
            ]
        );
        // Free-threaded Python: the pools compute in parallel; the event loop still does not.
        assert_eq!(model_strategy("thread-pool", false), Some(Threads));
        assert_eq!(model_strategy("asyncio-executor", false), Some(AsyncRayon));
        assert_eq!(model_strategy("asyncio", false), Some(Async));
        assert_eq!(model_strategy("process-pool", false), Some(Processes));
        assert_eq!(model_strategy("async", true), None);
        // Every name the CLI sends maps, or compare_sweeps would panic.
        for s in PyStrategy::ALL {
            if s != PyStrategy::AsyncioIo {
                assert!(model_strategy(s.as_str(), true).is_some(), "{s:?}");
            }
        }
    }

    #[test]
    fn the_model_predicts_the_wall_for_asyncio_and_parallel_for_the_process_pool() {
        let point = |strategy: &str, tasks: u32| PyPoint {
            strategy: strategy.into(),
            tasks,
            io_ms: 100.0,
            cpu_ms: 50.0,
            cpu_iters: 1000,
            samples_ms: vec![500.0],
            errors: 0,
            cpu_measured_ms: Some(49.0),
            error_sample: None,
            timeline: None,
        };
        let out = PyOutput {
            format: 1,
            interpreter: "CPython 3.11.7".into(),
            gil_enabled: true,
            switch_interval_ms: 5.0,
            start_method: "fork".into(),
            iters_per_ms: 20.0,
            points: vec![
                point("asyncio", 8),
                point("process-pool", 8),
                point("thread-pool", 8),
            ],
        };
        let r = build_report(out, 2, "2026-11-26T00:00:00Z".into(), None).unwrap();
        assert_eq!(r.runtime, ReportRuntime::Python);
        assert_eq!(r.machine.gil_enabled, Some(true));
        assert_eq!(r.machine.interpreter.as_deref(), Some("CPython 3.11.7"));
        // io + N·cpu on one thread (or one lock); io + N/P·cpu for a process per task.
        assert_eq!(r.points[0].model_ms, 100.0 + 8.0 * 50.0);
        assert_eq!(r.points[1].model_ms, 100.0 + 4.0 * 50.0);
        assert_eq!(r.points[2].model_ms, 100.0 + 8.0 * 50.0);
        assert_eq!(r.points[0].efficiency, 1.0);
        assert_eq!(r.points[1].cpu_measured_ms, Some(49.0));
    }

    #[test]
    fn bad_companion_output_is_refused_by_name() {
        let out = |strategy: &str, samples: Vec<f64>, format: u32| PyOutput {
            format,
            interpreter: "CPython 3.11.7".into(),
            gil_enabled: true,
            switch_interval_ms: 5.0,
            start_method: "fork".into(),
            iters_per_ms: 20.0,
            points: vec![PyPoint {
                strategy: strategy.into(),
                tasks: 2,
                io_ms: 10.0,
                cpu_ms: 0.0,
                cpu_iters: 0,
                samples_ms: samples,
                errors: 4,
                cpu_measured_ms: None,
                error_sample: Some("ConnectionError: refused".into()),
                timeline: None,
            }],
        };
        let err = |o| format!("{:#}", build_report(o, 2, "t".into(), None).unwrap_err());
        assert!(err(out("go", vec![1.0], 1)).contains("unknown strategy \"go\""));
        assert!(err(out("serial", vec![], 1)).contains("serial N=2 has no usable times"));
        assert!(err(out("serial", vec![1.0], 2)).contains("output format 2"));
        // Every fetch failed: the point is kept, marked, and says why.
        let r = build_report(out("serial", vec![1.0], 1), 2, "t".into(), None).unwrap();
        assert!(r.points[0].all_failed);
        assert_eq!(
            r.points[0].error_sample.as_deref(),
            Some("ConnectionError: refused")
        );
    }

    #[test]
    fn the_scripts_spans_become_lanes_numbered_by_first_start() {
        let doc = r#"{"repeat": 0, "tasks": [
            {"task": 0, "spans": [["fetch", "event-loop", 7, 0.1, 100.0],
                                  ["cpu", "thread", 42, 101.0, 150.0]]},
            {"task": 1, "spans": [["fetch", "event-loop", 7, 0.2, 100.0],
                                  ["wait-cpu", "event-loop", 7, 100.0, 150.0],
                                  ["cpu", "thread", 41, 150.0, 200.0]]}]}"#;
        let t: PyTimeline = serde_json::from_str(doc).unwrap();
        let t = python_timeline(&t).unwrap().unwrap();
        let names: Vec<&str> = t.lanes.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["event loop", "thread 0", "thread 1"]);
        // Thread 42 computed first, so it is thread 0.
        assert_eq!(t.tasks[0].spans[1].lane, 1);
        assert_eq!(t.tasks[1].spans[2].lane, 2);
        let bad: PyTimeline = serde_json::from_str(
            r#"{"repeat": 0, "tasks": [{"task": 0, "spans": [["cpu", "process", 9, -3.0, 1.0]]}]}"#,
        )
        .unwrap();
        assert!(
            python_timeline(&bad)
                .unwrap_err()
                .contains("cpu span from -3")
        );
    }

    #[test]
    fn compare_runs_the_gilwall_twins_once_each() {
        let sweeps = compare_sweeps(&PyStrategy::ALL, true, &[1, 4], 100.0, 50.0, 1);
        assert_eq!(sweeps.len(), 2);
        use StrategyId::*;
        assert_eq!(sweeps[0].strategies, [Serial, Async, Gil, Processes]);
        assert_eq!(sweeps[0].cpu_ms, Some(50.0));
        assert_eq!(sweeps[1].strategies, [Async]);
        assert_eq!(sweeps[1].cpu_ms, Some(0.0));
        let free = compare_sweeps(&[PyStrategy::ThreadPool], false, &[1], 100.0, 50.0, 1);
        assert_eq!(free.len(), 1);
        assert_eq!(free[0].strategies, [Threads]);
    }

    #[test]
    fn the_side_by_side_table_pairs_each_point_with_its_twin() {
        let mk = |runtime, strategy: &str, median: f64| {
            let mut r = Report::new(runtime, machine::describe(), "t".into());
            r.machine.gil_enabled = Some(true);
            for tasks in [1, 4] {
                let spec = PointSpec {
                    strategy: strategy.into(),
                    tasks,
                    workers: None,
                    io_ms: 100.0,
                    cpu_ms: 50.0,
                    cpu_iters: None,
                    kernel: None,
                    payload_bytes: 0,
                };
                r.points
                    .push(Point::new(spec, vec![median * tasks as f64], 150.0, 0).unwrap());
            }
            r
        };
        let table = side_by_side(
            &mk(ReportRuntime::Python, "thread-pool", 300.0),
            &mk(ReportRuntime::Native, "gil", 150.0),
        );
        assert!(
            table.contains("| thread-pool | gil | 1 | 150 ms | 300 ms | 50% | 150 ms | 100% |"),
            "{table}"
        );
        assert!(
            table.contains("| thread-pool | gil | 4 | 150 ms | 1.20 s | 12% | 600 ms | 25% |"),
            "{table}"
        );
        // No twin: the gilwall side says so rather than inventing a number.
        let alone = side_by_side(
            &mk(ReportRuntime::Python, "serial", 300.0),
            &mk(ReportRuntime::Native, "gil", 150.0),
        );
        assert!(alone.contains("| serial | serial | 1 | 150 ms | 300 ms | 50% | — | — |"));
        // Failed tasks on either side: their count, never a ratio of a failure's time.
        let mut python = mk(ReportRuntime::Python, "thread-pool", 300.0);
        python.points[1].errors = 4;
        python.points[1].all_failed = true;
        let mut native = mk(ReportRuntime::Native, "gil", 150.0);
        native.points[0].errors = 1;
        let table = side_by_side(&python, &native);
        assert!(
            table.contains(
                "| thread-pool | gil | 1 | 150 ms | 300 ms | 50% | 150 ms | 1 of 1 task failed |"
            ) && table.contains(
                "| thread-pool | gil | 4 | 150 ms | 1.20 s | all failed | 600 ms | 25% |"
            ),
            "{table}"
        );
    }
}
