//! `gilwall python` end to end: it makes its virtual environment (pip-installing requests and
//! aiohttp from PyPI the first time), runs the article's own Python strategies against the
//! embedded server, and writes a report in the shared format beside gilwall's own run of the
//! same schedules. The shapes are the article's — asyncio with CPU work grows with N, a process
//! pool gets past it — asserted as ratios inside one run with wide margins (a shared, noisy
//! 2-core machine), each on the fastest of three repeats, the one least disturbed.
//!
//! CPU work equals the fetch delay (100 ms each), not the article's half: starting four worker
//! processes costs a fixed 40-100 ms here, which at 50 ms of CPU would eat most of the pool's
//! 100 ms advantage at N = 4; at 100 ms the advantage is 200 ms against the same cost.
//!
//! The timelines come from Python's own clocks and thread ids: asyncio's CPU on its loop's one
//! thread, one task at a time; the process pool's in several worker processes.
//!
//! There is no skip: if python3, its venv module or PyPI is missing, these tests fail and say
//! which (CI installs python3-venv where the interpreter lacks it; see .ci/run).

mod binary;
mod schema;

use binary::{assert_usage_errors, gilwall};
use gilwall_core::report::{Point, Report, ReportRuntime};
use gilwall_core::timeline::{SpanKind, Timeline};
use std::path::{Path, PathBuf};

const IO_MS: f64 = 100.0;
const CPU_MS: f64 = 100.0;

/// One environment for every run of these tests, kept between runs in cargo's scratch folder
/// for integration tests, so pip installs once per target folder, not once per test run.
fn venv() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-venv")
}

fn load(path: &Path) -> (Report, serde_json::Value) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let report = Report::from_json(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value = serde_json::from_slice(&bytes).expect("a loaded report is JSON");
    (report, value)
}

fn point<'a>(report: &'a Report, strategy: &str, tasks: u32, with_cpu: bool) -> &'a Point {
    report
        .points
        .iter()
        .find(|p| p.strategy == strategy && p.tasks == tasks && (p.cpu_ms > 0.0) == with_cpu)
        .unwrap_or_else(|| panic!("no point for {strategy} N={tasks} (cpu: {with_cpu})"))
}

#[test]
fn python_asyncio_hits_the_wall_and_a_process_pool_gets_past_it_beside_gilwall() {
    let dir = tempfile::tempdir().unwrap();
    let py_json = dir.path().join("python.json");
    let native_json = dir.path().join("native.json");
    let chart = dir.path().join("both.svg");
    let trace = dir.path().join("trace.json");
    let timeline = dir.path().join("timeline.svg");
    let out = gilwall(&[
        "python",
        "--tasks",
        "1,4",
        "--io-ms",
        &IO_MS.to_string(),
        "--cpu-ms",
        &CPU_MS.to_string(),
        "--repeats",
        "3",
        "--compare",
        "--venv",
        venv().to_str().expect("cargo's target path is UTF-8"),
        "--export-json",
        py_json.to_str().unwrap(),
        "--compare-json",
        native_json.to_str().unwrap(),
        "--chart",
        chart.to_str().unwrap(),
        "--export-trace",
        trace.to_str().unwrap(),
        "--timeline",
        timeline.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "gilwall python failed (it needs python3 with venv and PyPI for requests/aiohttp):\n{stderr}"
    );

    // The report is the shared format: it validates against the published schema, says it came
    // from Python, on which interpreter, and whether the GIL was on.
    let (py, value) = load(&py_json);
    let problems = schema::violations(&value);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(value["runtime"], "python");
    assert_eq!(py.runtime, ReportRuntime::Python);
    let gil = py
        .machine
        .gil_enabled
        .expect("a Python report says whether the GIL was on");
    let interpreter = py.machine.interpreter.clone().unwrap_or_default();
    assert!(interpreter.contains("Python 3."), "{interpreter:?}");

    // Every strategy at every N, with every fetch answered and the model beside it.
    assert_eq!(py.points.len(), 6 * 2, "{:?}", py.points);
    for p in &py.points {
        assert_eq!(
            p.errors, 0,
            "{} N={}: {:?}",
            p.strategy, p.tasks, p.error_sample
        );
        assert_eq!(p.samples_ms.len(), 3);
        assert!(p.model_ms >= IO_MS, "{} N={}", p.strategy, p.tasks);
        assert!(p.efficiency > 0.0);
        // The calibration holds: each task's loop used about the CPU time asked for.
        if p.cpu_ms > 0.0 {
            let used = p.cpu_measured_ms.expect("CPU points measure CPU time");
            assert!(
                used > 0.5 * CPU_MS && used < 2.0 * CPU_MS,
                "{} N={}: the loop used {used:.1} ms of CPU for {CPU_MS} ms asked",
                p.strategy,
                p.tasks
            );
        }
    }

    // Article step 2: asyncio with I/O only stays flat (ideal 1×).
    let io_growth = point(&py, "asyncio", 4, false).min_ms / point(&py, "asyncio", 1, false).min_ms;
    assert!(
        io_growth < 1.5,
        "I/O-only asyncio grew {io_growth:.2}× from N=1 to 4"
    );
    // Article step 3: with CPU work on the loop, 3 more tasks add 3 CPU slices (ideal 2.5×).
    let wall = point(&py, "asyncio", 4, true).min_ms;
    let growth = wall / point(&py, "asyncio", 1, true).min_ms;
    assert!(
        growth > 1.4,
        "asyncio + CPU grew only {growth:.2}× from N=1 to 4 (the wall: ~2.5×)"
    );
    if gil {
        // Under the GIL, run_in_executor and a thread pool are the wall too.
        for s in ["asyncio-executor", "thread-pool"] {
            let g = point(&py, s, 4, true).min_ms / point(&py, s, 1, true).min_ms;
            assert!(g > 1.4, "{s} grew only {g:.2}× from N=1 to 4 under the GIL");
        }
    }
    // Article step 4: a process per task computes on both cores: io + 2·cpu = 300 ms against
    // asyncio's io + 4·cpu = 500 ms (ideal ratio 0.6), plus the pool's start-up. Only a machine
    // with two free cores can show it: while another session's compiler holds one, this whole
    // test gets about one core (the kernel shares the CPU between sessions). So if the first
    // measurement misses, up to three more pairs are measured a few seconds apart, and the
    // shape must show in at least one; every attempt is in the failure message.
    let mut attempts = vec![(point(&py, "process-pool", 4, true).min_ms, wall)];
    while attempts.iter().all(|&(pool, wall)| pool >= 0.85 * wall) && attempts.len() < 4 {
        attempts.push(pool_and_asyncio_at_4(dir.path()));
    }
    assert!(
        attempts.iter().any(|&(pool, wall)| pool < 0.85 * wall),
        "the process pool at N=4 was never clearly faster than asyncio with CPU; \
         (pool ms, asyncio ms) per attempt: {attempts:.0?}"
    );

    // gilwall ran the same schedules in the same session, and both appear side by side.
    let (native, _) = load(&native_json);
    assert_eq!(native.runtime, ReportRuntime::Native);
    let mut strategies: Vec<&str> = native.points.iter().map(|p| p.strategy.as_str()).collect();
    strategies.dedup();
    let twin = if gil { "gil" } else { "threads" };
    for s in ["serial", "async", "processes", twin] {
        assert!(strategies.contains(&s), "{s} missing from {strategies:?}");
    }
    assert!(
        stdout.contains("| Python strategy | gilwall strategy | N |"),
        "{stdout}"
    );
    for row in [
        "| serial | serial | 4 |",
        "| asyncio (I/O only) | async | 4 |",
        "| asyncio | async | 4 |",
        "| process-pool | processes | 4 |",
    ] {
        assert!(stdout.contains(row), "no row {row:?} in:\n{stdout}");
    }
    assert!(stdout.contains("the wall"), "{stdout}");
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(
        svg.contains("asyncio + CPU (python)") && svg.contains("async + CPU (native)"),
        "the chart should name both runtimes' series"
    );

    // The schedules, as Python's own clocks and thread ids saw them.
    let timeline_of = |strategy: &str| {
        point(&py, strategy, 4, true)
            .timeline
            .as_ref()
            .unwrap_or_else(|| panic!("python {strategy} N=4 has no timeline"))
    };
    // asyncio: every task's CPU on the loop's one thread, one after another.
    let asyncio = timeline_of("asyncio");
    let cpu = cpu_spans(asyncio);
    assert_eq!(cpu.len(), 4, "{cpu:?}");
    assert!(cpu.iter().all(|s| s.0 == "event loop"), "{cpu:?}");
    assert!(
        cpu.windows(2).all(|w| w[0].2 <= w[1].1),
        "asyncio's CPU overlapped on one thread: {cpu:?}"
    );
    // Every task fetched before it computed.
    for task in &asyncio.tasks {
        let fetch = task.spans.iter().find(|s| s.kind == SpanKind::Fetch);
        let cpu = task.spans.iter().find(|s| s.kind == SpanKind::Cpu);
        let (fetch, cpu) = (fetch.unwrap(), cpu.unwrap());
        assert!(fetch.end_ms <= cpu.start_ms, "task {}", task.task);
    }
    // The process pool: its CPU in at least two worker processes, told apart by their pids.
    let pool = cpu_spans(timeline_of("process-pool"));
    let mut pids: Vec<&str> = pool.iter().map(|s| s.0).collect();
    pids.sort_unstable();
    pids.dedup();
    assert!(
        pids.len() >= 2 && pids.iter().all(|p| p.starts_with("worker process ")),
        "{pids:?}"
    );
    let trace: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&trace).unwrap()).expect("the trace is JSON");
    let processes: Vec<&str> = trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "process_name")
        .filter_map(|e| e["args"]["name"].as_str())
        .collect();
    for name in [
        "asyncio N=4",
        "model asyncio N=4",
        "process-pool N=4",
        "async N=4",
    ] {
        assert!(
            processes.contains(&name),
            "no process {name:?} in {processes:?}"
        );
    }
    let svg = std::fs::read_to_string(&timeline).unwrap();
    // plotters writes each text element's content on a line of its own.
    let titles: Vec<&str> = svg
        .split('>')
        .filter_map(|t| t.split_once('<').map(|(text, _)| text.trim()))
        .filter(|t| t.contains(" N="))
        .collect();
    for panel in [
        "asyncio + CPU (python) N=4",
        "process-pool + CPU (python) N=4",
    ] {
        assert!(
            titles.contains(&panel),
            "no panel {panel:?} in the timeline, whose titles are {titles:?}"
        );
    }
}

/// Every `cpu` span of `t` as (lane name, start, end), by start.
fn cpu_spans(t: &Timeline) -> Vec<(&str, f64, f64)> {
    let mut cpu: Vec<_> = t
        .tasks
        .iter()
        .flat_map(|task| &task.spans)
        .filter(|s| s.kind == SpanKind::Cpu)
        .map(|s| (t.lanes[s.lane as usize].name.as_str(), s.start_ms, s.end_ms))
        .collect();
    cpu.sort_by(|a, b| a.1.total_cmp(&b.1));
    cpu
}

/// The fastest of three runs of the process pool and of asyncio with CPU, both at N = 4.
fn pool_and_asyncio_at_4(dir: &Path) -> (f64, f64) {
    let json = dir.join("again.json");
    let out = gilwall(&[
        "python",
        "--strategy",
        "asyncio,process-pool",
        "--tasks",
        "4",
        "--io-ms",
        &IO_MS.to_string(),
        "--cpu-ms",
        &CPU_MS.to_string(),
        "--repeats",
        "3",
        "--venv",
        venv().to_str().expect("cargo's target path is UTF-8"),
        "--export-json",
        json.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (r, _) = load(&json);
    (
        point(&r, "process-pool", 4, true).min_ms,
        point(&r, "asyncio", 4, true).min_ms,
    )
}

#[test]
fn bad_flags_exit_2_naming_the_flag() {
    let cases: &[(&[&str], &str)] = &[
        (&["python", "--tasks", "0"], "--tasks"),
        (&["python", "--io-ms", "-1"], "--io-ms"),
        (&["python", "--cpu-iters", "1000"], "--cpu-iters"),
        (
            &["python", "--cpu-ms", "5", "--cpu-ratio", "0.5"],
            "--cpu-ratio",
        ),
        (&["python", "--strategy", "goroutines"], "--strategy"),
        (&["python", "--repeats", "0"], "--repeats"),
        (&["python", "--url", "ftp://x"], "--url"),
    ];
    assert_usage_errors(cases);
}

#[test]
fn a_missing_python_says_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let out = gilwall(&[
        "python",
        "--python",
        "/nonexistent/python3",
        "--venv",
        dir.path().join("venv").to_str().unwrap(),
        "--tasks",
        "1",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot run /nonexistent/python3")
            && stderr.contains("apt-get install python3 python3-venv")
            && stderr.contains("--python"),
        "{stderr}"
    );
}
