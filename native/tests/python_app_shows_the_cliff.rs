//! The article's app served by Python (issue 14, item 6): `python/gilwall_app.py` on aiohttp,
//! driven open-loop by `gilwall load --python`, shows the same cliff as gilwall's app. With
//! 50 ms of I/O and 20 ms of CPU per request, `asyncio` (CPU inline in the handler: one event
//! loop) serves at most 50 req/s and its tail climbs well before, while a process pool on two
//! cores holds to 100. Also: `/predict` answers JSON with a checksum and the CPU it took, a bad
//! query gets 400 naming the parameter, and SIGKILL to `gilwall load` leaves no Python process
//! behind (the app, its pool, its workers).
//!
//! Shapes only (ratios inside one run, with margins): the machine is shared. The virtual
//! environment is the Python companion tests' own (pip runs once per target folder). There is no
//! skip: without python3, its venv module or PyPI these tests fail and say which.

mod binary;

use gilwall::load::python::{AppArgs, PyApp, PythonApp, PythonLoad};
use gilwall::load::{self, LoadOptions, Rates};
use gilwall::server::{Background, ServerConfig};
use gilwall_core::Kernel;
use gilwall_core::load::{Arrivals, LoadPoint};
use gilwall_core::report::ReportRuntime;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The Python companion tests' environment, kept in cargo's scratch folder.
fn venv() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-venv")
}

/// These tests take turns: the shape test's timing must not share the two cores with the others.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    // A test that failed while holding the lock leaves it poisoned; the others still run.
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

fn python_load(apps: &[PyApp]) -> PythonLoad {
    PythonLoad {
        apps: apps.to_vec(),
        python: "python3".into(),
        venv: venv(),
        free_threaded: None,
        cache: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gilwall-cache"),
    }
}

/// The step's point, complete (a failed request is a failure, never a latency).
fn point<'a>(points: &'a [LoadPoint], strategy: &str, rate: f64) -> &'a LoadPoint {
    let p = points
        .iter()
        .find(|p| p.strategy == strategy && p.rate_rps == rate)
        .expect("the step ran");
    assert!(
        p.complete(),
        "{strategy} at {rate} req/s failed: {:?}",
        p.error_sample
    );
    p
}

/// A point's p99 and the two yardsticks it is judged in, all at the CPU its requests took
/// (`model_cpu_ms`, Python's measure on its threads' CPU clocks): what a request takes alone,
/// `io + cpu` (the model's capacity-free line), and the model's p99 for its schedule.
struct Tail {
    p99: f64,
    cpu: f64,
    alone: f64,
    model_p99: f64,
}

impl Tail {
    fn of(p: &LoadPoint) -> Tail {
        Tail {
            p99: p.latency_ms.expect("answered").p99,
            cpu: p.model_cpu_ms,
            alone: p.io_ms + p.model_cpu_ms,
            model_p99: p.model_latency_ms.p99,
        }
    }

    /// The p99 in units of a request alone.
    fn climb(&self) -> f64 {
        self.p99 / self.alone
    }
}

/// One load of the Python app's `asyncio` and `process-pool` at `rate` for `duration_s`.
fn python_report(rate: f64, duration_s: f64) -> gilwall_core::report::Report {
    let options = LoadOptions {
        strategies: Vec::new(),
        rates: Rates::List(vec![rate]),
        arrivals: Arrivals::Poisson,
        duration_s,
        warmup_s: 1.0,
        io_ms: 50.0,
        cpu_ms: 20.0,
        kernel: Kernel::Sqrt,
        payload_bytes: 1024,
        workers: None,
        max_in_flight: 1024,
        app_url: None,
        timeout_ms: 30_000,
        seed: 14,
        title: None,
        python: Some(python_load(&[PyApp::Asyncio, PyApp::ProcessPool])),
    };
    let exe = Path::new(env!("CARGO_BIN_EXE_gilwall"));
    let report = load::run(&options, exe, &indicatif::ProgressBar::hidden(), |_| Ok(()))
        .expect("the load runs");
    report.check().expect("the report is valid");
    report
}

// Why the shape is judged at the CPU the kernels took, not the 20 ms asked. On this kind of host
// (2 vCPUs, shared) the same Python loop runs 1.6x faster or slower from one second to the next:
// the app calibrates once at start (the fastest of 300 ms of runs), and its requests then took
// 19 to 30 ms of thread CPU time at one rate or the other (BENCHMARKS.md, the Python app's
// section). A raw p99 ratio between two steps then compares two different workloads: the pool's
// rose 1.62x from 10 to 40 req/s while its CPU went from 19 to 27 ms. So each p99 is measured in
// units of its own yardsticks at its own CPU (`Tail`):
//
// - asyncio climbs: its p99 in units of a request alone (`io + cpu`) at least doubles from 10
//   to 40 req/s (0.2 to 0.8 of one loop's 50 req/s); measured 4-5x.
// - the pool holds: its p99 at 40 req/s is within 2x of its own model's p99 (two executors at
//   the CPU measured, 0.4-0.6 of their capacity); measured 1.2-1.8x. A pool that queued like one
//   loop would be at 0.8 of one executor or past it, its p99 like asyncio's: 4-7x that model
//   (seen: the app's pool forced to one worker while it still said two failed every try), so
//   the margin cannot hide it.
//
// A p99 needs a few hundred samples to be more than the largest few: 10 s at 10 req/s, 8 s at 40.
// Up to three runs, as the other timing tests here: another build may hold a core for a while.
#[test]
fn python_asyncio_tail_climbs_before_its_capacity_while_a_process_pool_holds() {
    let _turn = turn();
    let mut tries = Vec::new();
    for _ in 0..3 {
        let mut report = python_report(10.0, 10.0);
        report
            .load_points
            .extend(python_report(40.0, 8.0).load_points);
        let points = &report.load_points;
        assert_eq!(points.len(), 4);
        for p in points {
            assert_eq!(p.runtime, Some(ReportRuntime::Python), "{}", p.strategy);
            // A failed request fails the test, not a latency.
            point(points, &p.strategy, p.rate_rps);
            // The model took the CPU Python measured, on its threads' CPU clocks.
            let cpu = p.cpu_measured_ms.expect("the app reports its CPU");
            assert_eq!(p.model_cpu_ms, cpu);
            assert!((10.0..60.0).contains(&cpu), "{} took {cpu} ms", p.strategy);
        }
        let modelled = |s: &str| {
            points
                .iter()
                .find(|p| p.strategy == s)
                .and_then(|p| p.modelled_as.clone())
        };
        assert_eq!(modelled("asyncio").as_deref(), Some("async"));
        assert_eq!(modelled("process-pool").as_deref(), Some("processes"));
        let tail = |s: &str, rate: f64| Tail::of(point(points, s, rate));
        let (a10, a40) = (tail("asyncio", 10.0), tail("asyncio", 40.0));
        let q40 = tail("process-pool", 40.0);
        let table = gilwall::export::load::table(&report);
        assert!(
            table.contains("asyncio (python) saturates at 50 req/s"),
            "{table}"
        );
        let climbs = a40.climb() / a10.climb();
        let holds = q40.p99 / q40.model_p99;
        let seen = format!(
            "asyncio's p99 {:.0} -> {:.0} ms, alone {:.0} -> {:.0} ms: climbed x{climbs:.2}; \
             the process pool's p99 at 40 req/s {:.0} ms, its model's {:.0} ms (CPU {:.0} ms): \
             x{holds:.2}",
            a10.p99, a40.p99, a10.alone, a40.alone, q40.p99, q40.model_p99, q40.cpu
        );
        // Shown with --nocapture, so a green run's margins can be read too.
        eprintln!("{seen}");
        if climbs >= 2.0 && holds <= 2.0 {
            return;
        }
        tries.push(format!("{seen}\n{table}"));
    }
    panic!(
        "asyncio's p99 (in units of a request alone at the CPU it took) should at least double \
         from 10 to 40 req/s while the process pool's stays within 2x of its model at the CPU it \
         took, in none of 3 runs:\n{}",
        tries.join("\n")
    );
}

#[test]
fn the_python_app_answers_predict_and_names_a_bad_parameter() {
    let _turn = turn();
    let load = python_load(&[PyApp::Executor]);
    let env = load.environment().expect("the Python environment is made");
    let features = Background::start(ServerConfig::default()).expect("the feature server starts");
    let app = PythonApp::start(
        &env,
        &AppArgs {
            app: PyApp::Executor,
            feature_url: features.url().to_string(),
            io_ms: 5.0,
            cpu_ms: 2.0,
            workers: None,
            max_in_flight: 64,
        },
    )
    .expect("the Python app starts");
    assert!(app.hello.listening.starts_with("http://127.0.0.1:"));
    assert!(app.hello.interpreter.starts_with("CPython 3."));
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    let get = |query: &str| {
        let resp = client
            .get(format!("{}/predict{query}", app.hello.listening))
            .send()
            .expect("the app answers");
        let status = resp.status().as_u16();
        let body: serde_json::Value = resp.json().expect("the answer is JSON");
        (status, body)
    };
    let (status, body) = get("?seed=7&cpu_ms=5");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["strategy"], "executor");
    assert_eq!(body["seed"], 7);
    let checksum = body["checksum"].as_str().expect("a checksum");
    assert_eq!(checksum.len(), 16, "{checksum}");
    assert!(u64::from_str_radix(checksum, 16).is_ok(), "{checksum}");
    let cpu = body["cpu_ms"].as_f64().expect("its CPU time");
    assert!((2.0..50.0).contains(&cpu), "5 ms asked, {cpu} ms taken");
    // The same words as `gilwall app`'s, parameter by parameter.
    for (query, names) in [
        ("?seed=-1", "seed must be an integer from 0 to 4294967295"),
        ("?seed=abc", "seed must be"),
        ("?io_ms=-1", "io_ms must be a number of ms from 0 to 10000"),
        (
            "?cpu_ms=1e9",
            "cpu_ms must be a number of ms from 0 to 10000",
        ),
        ("?cpu_ms=NaN", "cpu_ms must be"),
        ("?bogus=1", "unknown parameter 'bogus'"),
    ] {
        let (status, body) = get(query);
        assert_eq!(status, 400, "{query}: {body}");
        let message = body["error"].as_str().unwrap_or_default();
        assert!(message.contains(names), "{query}: {message}");
    }
    let long = format!("?{}", "a".repeat(2000));
    assert_eq!(get(&long).0, 400);
}

/// `/proc/PID/stat`'s parent and start time (the start tells a process from a later one that
/// reuses its PID); `None` once it is gone or a zombie.
fn stat(pid: u32) -> Option<(u32, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = text[text.rfind(')')? + 1..].split_whitespace().collect();
    if fields.first() == Some(&"Z") {
        return None;
    }
    Some((fields.get(1)?.parse().ok()?, fields.get(19)?.parse().ok()?))
}

/// Every process descended from `root`, with its start time.
fn descendants(root: u32) -> HashMap<u32, u64> {
    let all: Vec<(u32, u32, u64)> = std::fs::read_dir("/proc")
        .expect("/proc is there on Linux")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| stat(pid).map(|(ppid, start)| (pid, ppid, start)))
        .collect();
    let mut found = HashMap::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for &(pid, ppid, start) in &all {
            if ppid == parent && found.insert(pid, start).is_none() {
                frontier.push(pid);
            }
        }
    }
    found
}

#[test]
fn sigkill_to_gilwall_load_leaves_no_python_process_behind() {
    let _turn = turn();
    let dir = tempfile::tempdir().unwrap();
    let mut load = Command::new(env!("CARGO_BIN_EXE_gilwall"))
        .args(["load", "--python", "process-pool", "--rate", "5"])
        .args(["--duration-s", "60", "--warmup-s", "0"])
        .arg("--venv")
        .arg(venv())
        .arg("--export-json")
        .arg(dir.path().join("r.json"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gilwall load starts");
    // The app and its pool's first worker (concurrent.futures starts them as requests come).
    let deadline = Instant::now() + Duration::from_secs(60);
    let python = |pids: &HashMap<u32, u64>| {
        pids.keys()
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/cmdline"))
                    .is_ok_and(|c| String::from_utf8_lossy(&c).contains("gilwall_app.py"))
            })
            .count()
    };
    let mut seen = descendants(load.id());
    while python(&seen) < 2 {
        assert!(
            Instant::now() < deadline,
            "the Python app and its pool did not start within a minute: {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
        seen = descendants(load.id());
    }
    load.kill().expect("SIGKILL is sent");
    load.wait().expect("gilwall load is reaped");
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let left: Vec<u32> = seen
            .iter()
            .filter(|&(&pid, &start)| stat(pid).is_some_and(|(_, s)| s == start))
            .map(|(&pid, _)| pid)
            .collect();
        if left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still running 3 s after SIGKILL to gilwall load: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn bad_python_flags_are_refused_by_name() {
    binary::assert_usage_errors(&[
        (&["load", "--python", "gunicorn"], "--python"),
        (&["load", "--free-threaded"], "--python"),
        (
            &["load", "--python", "asyncio", "--url", "http://127.0.0.1:9"],
            "--url",
        ),
        (
            &["load", "--python", "asyncio", "--kernel", "features"],
            "--kernel",
        ),
        (&["load", "--python", "asyncio", "--cpu-ms", "0"], "--rate"),
    ]);
}
