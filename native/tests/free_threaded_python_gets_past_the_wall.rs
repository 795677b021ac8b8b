//! `gilwall python --free-threaded --compare` end to end: the article's step 5 with the
//! article's own runtime. It finds the free-threaded CPython that `.ci/run` built into
//! ~/.cache/gilwall (or builds it there, once, as root: about 8 minutes on 2 idle cores), makes
//! its virtual environment, and runs the companion on it and on the GIL build (python3) in
//! turns at each N. The shapes are the article's, asserted as ratios inside one run with
//! margins, each on the fastest of three repeats: the thread pool without the GIL gets past the
//! wall that asyncio + run_in_executor hits; the same thread pool under the GIL does not.
//!
//! There is no skip: without a free-threaded interpreter, and not root to build one, this test
//! fails and says why.

mod binary;
mod schema;

use binary::{assert_usage_errors, gilwall};
use gilwall_core::report::{Point, Report, ReportRuntime};
use std::path::{Path, PathBuf};

/// The virtual environments, shared with `python_companion_shows_the_wall.rs` (the
/// free-threaded one is made beside it, with `-free-threaded`).
fn venv() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-venv")
}

fn load(path: &Path) -> (Report, serde_json::Value) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let report = Report::from_json(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (report, serde_json::from_slice(&bytes).expect("JSON"))
}

fn min_ms(report: &Report, strategy: &str, tasks: u32) -> f64 {
    let p: &Point = report
        .points
        .iter()
        .find(|p| p.strategy == strategy && p.tasks == tasks)
        .unwrap_or_else(|| panic!("no point for {strategy} N={tasks}"));
    assert_eq!(p.errors, 0, "{strategy} N={tasks}: {:?}", p.error_sample);
    p.min_ms
}

/// One run of the command (three strategies, three repeats): (free-threaded thread
/// pool, GIL asyncio + run_in_executor, GIL thread pool) at N = 4, and the reports.
fn measure(dir: &Path) -> ((f64, f64, f64), Report, serde_json::Value, Report, String) {
    let free_json = dir.join("free.json");
    let gil_json = dir.join("gil.json");
    let chart = dir.join("both.svg");
    let out = gilwall(&[
        "python",
        "--free-threaded",
        "--compare",
        "--strategy",
        "asyncio-executor,process-pool,thread-pool",
        "--tasks",
        "1,4",
        "--io-ms",
        "200",
        "--cpu-ratio",
        "0.5",
        "--repeats",
        "3",
        "--venv",
        venv().to_str().expect("cargo's target path is UTF-8"),
        "--export-json",
        free_json.to_str().unwrap(),
        "--compare-json",
        gil_json.to_str().unwrap(),
        "--chart",
        chart.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "gilwall python --free-threaded failed (it needs a free-threaded CPython in \
         ~/.cache/gilwall, built by .ci/run, or root to build one):\n{stderr}"
    );
    let (free, value) = load(&free_json);
    let (gil, _) = load(&gil_json);
    let svg = std::fs::read_to_string(&chart).unwrap();
    let shape = (
        min_ms(&free, "thread-pool", 4),
        min_ms(&gil, "asyncio-executor", 4),
        min_ms(&gil, "thread-pool", 4),
    );
    (
        shape,
        free,
        value,
        gil,
        format!("{}\n{svg}", String::from_utf8_lossy(&out.stdout)),
    )
}

/// The timed tests take turns (two at once would share the two cores), and the first to run
/// builds the interpreter if it is missing, once.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn free_threads_get_past_the_wall_and_the_same_pool_under_the_gil_does_not() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let (shape, free, value, gil, printed) = measure(dir.path());

    // The free-threaded build's report validates and says the GIL was off.
    let problems = schema::violations(&value);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(free.runtime, ReportRuntime::Python);
    assert_eq!(value["machine"]["gil_enabled"], false);
    assert!(
        free.machine
            .interpreter
            .as_deref()
            .unwrap_or("")
            .contains("free-threaded build"),
        "{:?}",
        free.machine.interpreter
    );
    assert_eq!(gil.machine.gil_enabled, Some(true));
    // Both builds, side by side, and one chart that holds both.
    assert!(
        printed.contains("| Python strategy | N | free-threaded model |")
            && printed.contains("the thread pool without the GIL took"),
        "{printed}"
    );
    assert!(
        printed.contains("thread-pool (python, no GIL)")
            && printed.contains("thread-pool (python)"),
        "the chart should name both builds' series"
    );

    // At N = 4, io 200 ms + 4 × 100 ms of CPU: asyncio + run_in_executor under the GIL is the
    // wall (600 ms); free threads compute on both cores (400 ms; ≥ 1.3× faster asked); the GIL
    // build's thread pool is the wall again (not 1.3× faster). Two free cores are needed to
    // show it; while another session's compiler holds one, a miss is measured again (up to
    // three more times) and the shape must show in at least one attempt.
    let holds = |(free_pool, wall, gil_pool): (f64, f64, f64)| {
        free_pool * 1.3 <= wall && gil_pool * 1.3 > wall
    };
    let mut attempts = vec![shape];
    while !attempts.iter().any(|&s| holds(s)) && attempts.len() < 4 {
        let again = tempfile::tempdir().unwrap();
        attempts.push(measure(again.path()).0);
    }
    assert!(
        attempts.iter().any(|&s| holds(s)),
        "(free-threaded thread pool, GIL asyncio + run_in_executor, GIL thread pool) at N=4, in \
         ms, per attempt: {attempts:.0?}"
    );
}

#[test]
fn lesson_five_runs_the_article_s_own_thread_pool_on_both_builds() {
    use gilwall::server::ServerConfig;
    use gilwall::sweep::Bench;
    use gilwall::workshop::measure::{self, Pythons, Sizes};
    use gilwall_core::lesson::{Line, PYTHON_FREE_THREADS, PYTHON_GIL_THREADS};

    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let cache = gilwall::machine::cache_dir();
    gilwall::python::free_threaded::find_or_build(None, &cache)
        .expect("a free-threaded CPython (built by .ci/run into ~/.cache/gilwall, or as root)");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("workshop-5");
    let pythons = Pythons::find(&cache, &dir)
        .expect("the companion's environments")
        .expect("the free-threaded CPython just found or built");
    let bench = Bench::start(None, ServerConfig::default())
        .unwrap()
        .with_worker_exe(PathBuf::from(env!("CARGO_BIN_EXE_gilwall")));
    let s = Sizes::small();
    let n = f64::from(*s.tasks.iter().max().unwrap());
    // Up to three runs: the shape needs both cores, which another build may hold for a while.
    let mut seen = Vec::new();
    for _ in 0..3 {
        let outcome = measure::run(
            5,
            &bench,
            &s,
            Some(&pythons),
            &indicatif::ProgressBar::hidden(),
        )
        .unwrap();
        // Both CPython lines ran at every N, each from its build's own report.
        for line in [PYTHON_FREE_THREADS, PYTHON_GIL_THREADS] {
            for &x in &s.tasks {
                assert!(
                    outcome.of(Line::Python(line), x.into()).is_some(),
                    "{} at N = {x} is missing: {:?}",
                    line.label(),
                    outcome.rows
                );
            }
        }
        assert_eq!(outcome.python_reports.len(), 2);
        assert_eq!(outcome.python_reports[0].machine.gil_enabled, Some(false));
        assert_eq!(outcome.python_reports[1].machine.gil_enabled, Some(true));
        let svg = String::from_utf8(outcome.chart.clone()).unwrap();
        assert!(
            svg.contains("python, no GIL"),
            "the chart names the free-threaded build"
        );
        assert!(
            outcome
                .table
                .contains("Python 3.13t (free-threaded) thread-pool:"),
            "{}",
            outcome.table
        );
        // The claim the learner reads: the same thread pool, past the wall on 3.13t.
        let claim = outcome
            .findings
            .iter()
            .find(|f| f.text.contains("in the article's own runtime"))
            .expect("lesson 5 says what CPython showed");
        let ms = |line| outcome.of(Line::Python(line), n).unwrap().measured_ms;
        seen.push((ms(PYTHON_FREE_THREADS), ms(PYTHON_GIL_THREADS)));
        if claim.holds {
            return;
        }
    }
    panic!("(3.13t thread pool, GIL thread pool) at N = {n}, ms, per run: {seen:.0?}");
}

#[test]
fn an_interpreter_with_the_gil_is_refused_for_the_free_threaded_run() {
    // The machine's python3 has the GIL built in: named, and told what to do instead.
    let dir = tempfile::tempdir().unwrap();
    let out = gilwall(&[
        "python",
        "--free-threaded",
        "--python",
        "python3",
        "--tasks",
        "1",
        "--venv",
        dir.path().join("venv").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--python python3 is not a free-threaded build")
            && stderr.contains("drop --python"),
        "{stderr}"
    );
    // The cache of a free-threaded build means nothing without --free-threaded.
    assert_usage_errors(&[(&["python", "--cache", "/tmp/x"], "--free-threaded")]);
}
