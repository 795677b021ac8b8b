//! A sweep whose server dies part-way says so: failed points are never read as speed.
//!
//! A real `gilwall serve` child is killed once the first point is saved; the real `gilwall run`
//! against it must exit non-zero, print no efficiency for a point with failed tasks, draw no
//! verdict from them, name what failed, and still save every point, the late ones marked. The
//! kill comes after a point lands, whenever that is, so a slow machine only moves which points
//! fail: the `async` points run after every serial one (at least 0.7 s later), long after it.

use gilwall_core::Report;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed (by its own handle) when the test is done with it or panics.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        // It may have exited already; then there is nothing to stop.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `gilwall serve --port 0 --no-www` and reads its base URL from its first line
/// ("gilwall: feature server at http://127.0.0.1:PORT/delay/1 and …").
fn start_server() -> (Killed, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gilwall"))
        .args(["serve", "--port", "0", "--no-www"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    // Spawned with a piped stdout just above.
    let stdout = child.stdout.take().expect("stdout is piped");
    let server = Killed(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .map(|u| {
            // Keep scheme, host and port: "http://127.0.0.1:PORT".
            let end = u[7..].find('/').map_or(u.len(), |i| i + 7);
            u[..end].to_string()
        })
        .unwrap_or_else(|| panic!("gilwall serve did not say where it listens: {first:?}"));
    // Keep draining its output so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (server, url)
}

fn saved(path: &Path) -> Option<Report> {
    std::fs::read(path)
        .ok()
        .and_then(|b| Report::from_json(&b).ok())
}

/// Reads a pipe to its end on a thread of its own, so the child never blocks on it.
fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// The table row of `strategy` at `tasks`, split into trimmed cells.
fn row<'a>(stdout: &'a str, strategy: &str, tasks: u32) -> Option<Vec<&'a str>> {
    stdout.lines().find_map(|l| {
        let cells: Vec<&str> = l
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        (cells.len() > 2 && cells[0] == strategy && cells[1] == tasks.to_string()).then_some(cells)
    })
}

/// Every percentage in `cells`, as a number.
fn percentages(cells: &[&str]) -> Vec<f64> {
    cells
        .iter()
        .filter_map(|c| c.strip_suffix('%'))
        .filter_map(|c| c.trim().parse().ok())
        .collect()
}

#[test]
fn a_sweep_whose_server_dies_exits_non_zero_and_never_reads_failures_as_speed() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("sweep.json");
    let (mut server, url) = start_server();
    let mut run = Killed(
        Command::new(env!("CARGO_BIN_EXE_gilwall"))
            .args(["run", "--url", &url, "--strategy", "serial,async"])
            .args(["--tasks", "1,2,4", "--io-ms", "100", "--cpu-ms", "20"])
            .arg("--export-json")
            .arg(&file)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts"),
    );
    // Both were just spawned with piped output.
    let stdout = drain(run.0.stdout.take().expect("stdout is piped"));
    let stderr = drain(run.0.stderr.take().expect("stderr is piped"));

    // Kill the server as soon as the first point is saved (calibration comes first: be patient).
    let deadline = Instant::now() + Duration::from_secs(120);
    while saved(&file).is_none_or(|r| r.points.is_empty()) {
        assert!(
            Instant::now() < deadline,
            "no point was saved in two minutes"
        );
        assert!(
            run.0
                .try_wait()
                .expect("the run can be waited for")
                .is_none(),
            "the run ended before its first point was saved"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    server.0.kill().expect("the server can be killed");
    server.0.wait().expect("the killed server can be reaped");

    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = run.0.try_wait().expect("the run can be waited for") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the run did not end within two minutes of the server's death"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    // The pipes close when the run exits, so the drains end.
    let stdout = stdout.join().expect("the stdout drain");
    let stderr = stderr.join().expect("the stderr drain");
    let all = format!("stdout:\n{stdout}\nstderr:\n{stderr}");

    assert_eq!(status.code(), Some(1), "{all}");
    let report = saved(&file).expect("the report is saved and valid");
    assert_eq!(report.points.len(), 6, "every point is saved: {all}");
    assert!(
        report.points[0].complete(),
        "the first point ran before the kill: {all}"
    );
    // The async points start after every serial one, well after the kill.
    for p in report.points.iter().filter(|p| p.strategy == "async") {
        assert!(
            !p.complete() && (p.errors > 0 || p.all_failed),
            "async N={} ran after the server died but has no failures: {all}",
            p.tasks
        );
    }
    let failed: Vec<_> = report.points.iter().filter(|p| !p.complete()).collect();
    for p in &failed {
        assert_eq!(
            (p.schedule_efficiency, p.model_at_measured_ms),
            (None, None),
            "{} N={} failed yet has a schedule efficiency",
            p.strategy,
            p.tasks
        );
        // Its table row shows its failures, and no percentage at all.
        let cells = row(&stdout, &p.strategy, p.tasks)
            .unwrap_or_else(|| panic!("no table row for {} N={}: {all}", p.strategy, p.tasks));
        assert!(
            percentages(&cells).is_empty() && cells.iter().any(|c| c.contains("failed")),
            "{} N={} is shown as speed: {cells:?}",
            p.strategy,
            p.tasks
        );
    }
    // No efficiency anywhere in the table is above 100 % by the margin a failure gives.
    for p in &report.points {
        let cells = row(&stdout, &p.strategy, p.tasks).expect("every point has a row");
        assert!(percentages(&cells).iter().all(|&e| e < 150.0), "{cells:?}");
    }

    // Verdicts come only from complete points: async has none, so no shape for it.
    let verdict = |name: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("- **{name}**")))
            .unwrap_or_else(|| panic!("no verdict line for {name}: {all}"))
            .to_string()
    };
    let async_verdict = verdict("async");
    assert!(
        async_verdict.contains("no verdict") && !async_verdict.contains("grows"),
        "{async_verdict}"
    );
    let serial_complete = report
        .points
        .iter()
        .filter(|p| p.strategy == "serial" && p.complete())
        .count();
    if serial_complete < 2 {
        assert!(verdict("serial").contains("no verdict"), "{all}");
    }

    // The closing paragraph names what failed: strategies, N, task counts and the first error.
    let summary = stderr
        .find("error: ")
        .map(|at| &stderr[at..])
        .unwrap_or_else(|| panic!("no closing error: {all}"));
    assert!(
        summary.contains(&format!("{} of 6 points had failed tasks", failed.len())),
        "{summary}"
    );
    for p in &failed {
        assert!(
            summary.contains(&format!("N={}", p.tasks)) && summary.contains(&p.strategy),
            "the summary does not name {} N={}: {summary}",
            p.strategy,
            p.tasks
        );
    }
    let first = failed[0]
        .error_sample
        .as_deref()
        .expect("a failed point keeps one of its errors");
    assert!(summary.contains(first), "{summary}");
    assert!(
        summary.contains(&file.display().to_string()),
        "the summary says where the points are: {summary}"
    );
}
