//! `gilwall go` end to end: it builds the Go companion with the machine's Go toolchain (once,
//! into a cache), runs the article's Go strategies against the embedded server beside gilwall's
//! `async` (the wall) and `multicore`, and writes a report in the shared format. The shapes are
//! the article's — goroutines spread the CPU work over the cores, so they get past the wall —
//! asserted as ratios inside one run with margins, on the fastest of three repeats; and the
//! article's loop as written is shown to be deleted by the compiler.
//!
//! There is no skip: without a Go toolchain (and not root to install Debian's golang-go) these
//! tests fail and say so (.ci/run installs golang-go).

mod binary;
mod schema;

use binary::{assert_usage_errors, gilwall};
use gilwall_core::report::{Point, Report, ReportRuntime};
use std::path::{Path, PathBuf};

/// One cache for every run of these tests, in cargo's scratch folder, so the companion is
/// built once per target folder.
fn cache() -> String {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("gilwall-cache")
        .to_str()
        .expect("cargo's target path is UTF-8")
        .to_string()
}

fn load(path: &Path) -> (Report, serde_json::Value) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let report = Report::from_json(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (report, serde_json::from_slice(&bytes).expect("JSON"))
}

fn point<'a>(report: &'a Report, strategy: &str, tasks: u32) -> &'a Point {
    report
        .points
        .iter()
        .find(|p| p.strategy == strategy && p.tasks == tasks)
        .unwrap_or_else(|| panic!("no point for {strategy} N={tasks}"))
}

/// Runs `gilwall go` with `args` (plus the cache and the two report files) and returns both
/// reports and stdout.
fn run_go(dir: &Path, args: &[&str]) -> (Report, serde_json::Value, Option<Report>, String) {
    let go_json = dir.join("go.json");
    let native_json = dir.join("native.json");
    let _ = std::fs::remove_file(&native_json);
    let cache = cache();
    let mut all = vec!["go", "--cache", &cache];
    all.extend_from_slice(args);
    let go_json_s = go_json.to_str().unwrap().to_string();
    let native_json_s = native_json.to_str().unwrap().to_string();
    all.extend_from_slice(&[
        "--export-json",
        &go_json_s,
        "--compare-json",
        &native_json_s,
    ]);
    let out = gilwall(&all);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "gilwall go failed (it needs a Go toolchain, or root to install golang-go):\n{stderr}"
    );
    let (report, value) = load(&go_json);
    let native = native_json.exists().then(|| load(&native_json).0);
    (
        report,
        value,
        native,
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn goroutines_get_past_the_wall_that_async_hits_and_say_so_in_a_valid_report() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("go.svg");
    let chart_s = chart.to_str().unwrap().to_string();
    // The command, with three repeats and the comparison that measures the wall.
    let args = [
        "--tasks",
        "1,4",
        "--io-ms",
        "200",
        "--cpu-ratio",
        "0.5",
        "--repeats",
        "3",
        "--compare",
        "--chart",
        &chart_s,
    ];
    let (go, value, native, stdout) = run_go(dir.path(), &args);
    let problems = schema::violations(&value);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(value["runtime"], "go");
    assert_eq!(go.runtime, ReportRuntime::Go);
    let procs = go.machine.gomaxprocs.expect("a Go report gives GOMAXPROCS");
    assert!(procs >= 1);
    assert!(
        go.machine
            .interpreter
            .as_deref()
            .unwrap_or("")
            .starts_with("go1."),
        "{:?}",
        go.machine.interpreter
    );
    assert_eq!(go.points.len(), 2 * 2, "{:?}", go.points);
    for p in &go.points {
        assert_eq!(
            p.errors, 0,
            "{} N={}: {:?}",
            p.strategy, p.tasks, p.error_sample
        );
        // Calibrated in Go: each task's loop took about the 100 ms of CPU asked.
        let used = p.cpu_measured_ms.expect("Go points measure CPU time");
        assert!(
            used > 50.0 && used < 200.0,
            "{} N={}: {used:.1} ms of CPU for 100 ms asked",
            p.strategy,
            p.tasks
        );
        assert!(p.checksum.is_some(), "the kept loop's result is observable");
    }
    // The same tasks computed the same results, one after another or in goroutines.
    for n in [1, 4] {
        assert_eq!(
            point(&go, "serial", n).checksum,
            point(&go, "goroutines", n).checksum
        );
    }
    // Serial grows by a whole task per task (ideal 4×); goroutines spread the CPU.
    let serial = point(&go, "serial", 4).min_ms / point(&go, "serial", 1).min_ms;
    assert!(serial > 2.5, "serial grew only {serial:.2}× from N=1 to 4");

    // The wall: gilwall's async at N = 4 is io + 4·cpu = 600 ms; goroutines io + 2·cpu = 400 ms
    // on two cores (ideal ratio 0.67). While another session's compiler holds a core, this test
    // gets about one, so a miss is measured again (up to three more times) and the shape must
    // show in at least one attempt; every attempt is in the failure message.
    let native = native.expect("--compare writes gilwall's report");
    assert_eq!(native.runtime, ReportRuntime::Native);
    let mut attempts = vec![(
        point(&go, "goroutines", 4).min_ms,
        point(&native, "async", 4).min_ms,
    )];
    while attempts.iter().all(|&(g, wall)| g > 0.8 * wall) && attempts.len() < 4 {
        let again = tempfile::tempdir().unwrap();
        let (g, _, n, _) = run_go(
            again.path(),
            &[
                "--tasks",
                "4",
                "--io-ms",
                "200",
                "--cpu-ratio",
                "0.5",
                "--repeats",
                "3",
                "--strategy",
                "goroutines",
                "--compare",
            ],
        );
        let n = n.expect("--compare writes gilwall's report");
        attempts.push((
            point(&g, "goroutines", 4).min_ms,
            point(&n, "async", 4).min_ms,
        ));
    }
    assert!(
        attempts.iter().any(|&(g, wall)| g <= 0.8 * wall),
        "goroutines at N=4 never took ≤ 0.8× gilwall's async; (goroutines ms, async ms) per \
         attempt: {attempts:.0?}"
    );
    assert!(
        stdout.contains("| Go strategy | gilwall strategy | N |"),
        "{stdout}"
    );
    assert!(
        stdout.contains("| goroutines | multicore | 4 |"),
        "{stdout}"
    );
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(
        svg.contains("goroutines (go)") && svg.contains("async (native)"),
        "the chart should name both runtimes' series"
    );
}

#[test]
fn the_article_s_loop_as_written_is_deleted_by_the_compiler() {
    let dir = tempfile::tempdir().unwrap();
    let (go, value, _, stdout) = run_go(
        dir.path(),
        &[
            "--tasks",
            "2",
            "--io-ms",
            "50",
            "--cpu-ms",
            "50",
            "--strategy",
            "goroutines",
            "--as-written",
        ],
    );
    assert!(schema::violations(&value).is_empty());
    let kept = point(&go, "goroutines", 2);
    let written = point(&go, "goroutines-as-written", 2);
    // Same iterations asked of both loops.
    assert_eq!(kept.cpu_iters, written.cpu_iters);
    // The loop as written leaves no result, so no checksum; and its "CPU work" ran far faster
    // than the same iterations of the kept loop: an empty counter loop. The report's title says
    // by how much ("as written, the loop ran 8.8× faster than kept").
    assert!(kept.checksum.is_some() && written.checksum.is_none());
    let title = go.title.clone().unwrap_or_default();
    let speedup: f64 = title
        .split("the loop ran ")
        .nth(1)
        .and_then(|t| t.split('×').next())
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("the title should say how much faster: {title:?}"));
    assert!(
        speedup >= 3.0,
        "as written, the loop ran only {speedup:.1}× faster than kept: {written:?}"
    );
    assert!(
        stdout.contains("What the compiler did: the article's loop as written ran")
            && stdout.contains("deleted the square root"),
        "{stdout}"
    );
}

#[test]
fn at_a_fixed_iteration_count_go_computes_gilwall_s_own_checksums() {
    // gilwall's sqrt kernel, written in Go bit for bit: the same tasks, the same iterations, the
    // same results, so the checksums of Go's goroutines and gilwall's multicore agree.
    let dir = tempfile::tempdir().unwrap();
    let (go, _, native, _) = run_go(
        dir.path(),
        &[
            "--tasks",
            "1,3",
            "--io-ms",
            "10",
            "--cpu-iters",
            "200000",
            "--strategy",
            "goroutines",
            "--compare",
        ],
    );
    let native = native.expect("--compare writes gilwall's report");
    for n in [1, 3] {
        let g = point(&go, "goroutines", n);
        let m = point(&native, "multicore", n);
        assert_eq!(g.cpu_iters, Some(200_000));
        assert!(g.checksum.is_some());
        assert_eq!(
            g.checksum, m.checksum,
            "N={n}: Go and gilwall computed different results"
        );
    }
}

#[test]
fn bad_flags_exit_2_naming_the_flag() {
    let cases: &[(&[&str], &str)] = &[
        (&["go", "--tasks", "0"], "--tasks"),
        (&["go", "--io-ms", "-1"], "--io-ms"),
        (
            &["go", "--cpu-ms", "5", "--cpu-ratio", "0.5"],
            "--cpu-ratio",
        ),
        (&["go", "--strategy", "asyncio"], "--strategy"),
        (&["go", "--repeats", "0"], "--repeats"),
        (&["go", "--url", "ftp://x"], "--url"),
    ];
    assert_usage_errors(cases);
}

#[test]
fn a_missing_go_toolchain_says_what_to_install() {
    let out = gilwall(&["go", "--go", "/nonexistent/go", "--tasks", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("/nonexistent/go")
            && stderr.contains("apt-get install golang-go")
            && stderr.contains("--go"),
        "{stderr}"
    );
}
