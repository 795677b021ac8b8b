//! Reliability: injected faults are counted per point and the sweep goes on; a point whose
//! every fetch failed is marked; Ctrl-C leaves a valid partial report that `--resume` completes.

use gilwall::server::ServerConfig;
use gilwall::server::faults::Faults;
use gilwall::sweep::Bench;
use gilwall_core::sweep::SweepSpec;
use gilwall_core::{Report, StrategyId};
use indicatif::ProgressBar;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn io_only(strategies: &[StrategyId], tasks: u32, repeats: u32) -> SweepSpec {
    SweepSpec {
        strategies: strategies.to_vec(),
        tasks: vec![tasks],
        io_ms: 10.0,
        cpu_ms: Some(0.0),
        repeats,
        ..SweepSpec::default()
    }
}

/// gilwall's own server, in process, injecting `faults`.
fn bench_with(faults: Faults) -> Bench {
    Bench::start(
        None,
        ServerConfig {
            faults,
            ..ServerConfig::default()
        },
    )
    .unwrap()
}

#[test]
fn injected_faults_are_counted_at_about_their_rate() {
    let faults = Faults {
        fail_rate: 0.2,
        drop_rate: 0.1,
        malformed_rate: 0.1,
        jitter_ms: 5.0,
    };
    let bench = bench_with(faults);
    let strategies = [StrategyId::Async, StrategyId::Threads];
    let report = bench
        .run(
            &io_only(&strategies, 100, 2),
            &ProgressBar::hidden(),
            |_| Ok(()),
        )
        .unwrap();
    for p in &report.points {
        // 200 fetches at a 40% fault rate: about 80 failures; ±30 is over four standard deviations.
        assert!(
            (50..=110).contains(&p.errors),
            "{}: {} errors of 200 at a 40% fault rate",
            p.strategy,
            p.errors
        );
        assert!(!p.all_failed);
        let sample = p.error_sample.as_deref().unwrap_or_default();
        assert!(
            sample.contains("fetch") || sample.contains("JSON"),
            "{}: {sample}",
            p.strategy
        );
    }
}

#[test]
fn injected_faults_are_counted_over_http2_too() {
    // The async strategies' HTTP/2 fetcher is h2 directly, not reqwest: a 500, a cut answer and
    // truncated JSON must each fail the task, say why, and leave the other fetches on the
    // connection (or a new one) alone.
    let faults = Faults {
        fail_rate: 0.2,
        drop_rate: 0.1,
        malformed_rate: 0.1,
        jitter_ms: 0.0,
    };
    let bench = bench_with(faults);
    let spec = SweepSpec {
        http2: true,
        ..io_only(&[StrategyId::Async, StrategyId::Multicore], 200, 1)
    };
    let report = bench
        .run(&spec, &ProgressBar::hidden(), |_| Ok(()))
        .unwrap();
    for p in &report.points {
        assert_eq!(p.transport, Some(gilwall_core::Transport::Http2));
        // 200 fetches at a 40% fault rate: about 80 failures; ±30 is over four standard deviations.
        assert!(
            (50..=110).contains(&p.errors),
            "{}: {} errors of 200 at a 40% fault rate: {:?}",
            p.strategy,
            p.errors,
            p.error_sample
        );
        let sample = p.error_sample.as_deref().unwrap_or_default();
        assert!(sample.contains("fetch"), "{}: {sample}", p.strategy);
    }
}

#[test]
fn a_point_where_every_fetch_failed_is_marked_and_the_sweep_goes_on() {
    let faults = Faults {
        fail_rate: 1.0,
        ..Faults::default()
    };
    let bench = bench_with(faults);
    let mut config = io_only(&[StrategyId::Serial, StrategyId::Async], 3, 1);
    config.tasks = vec![1, 3];
    let report = bench
        .run(&config, &ProgressBar::hidden(), |_| Ok(()))
        .unwrap();
    assert_eq!(report.points.len(), 4, "the sweep stopped early");
    for p in &report.points {
        assert!(p.all_failed, "{} N={} not marked", p.strategy, p.tasks);
        assert_eq!(p.errors, u64::from(p.tasks));
        assert!(
            p.error_sample
                .as_deref()
                .unwrap()
                .contains("injected fault")
        );
    }
    let table = gilwall::export::markdown::table(&report);
    assert!(table.contains("all failed"), "{table}");
}

fn points_in(path: &std::path::Path) -> Option<Report> {
    std::fs::read(path)
        .ok()
        .and_then(|b| Report::from_json(&b).ok())
}

#[test]
fn ctrl_c_mid_sweep_leaves_a_partial_report_that_resume_completes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sweep.json");
    let args = [
        "run",
        "--strategy",
        "serial",
        "--tasks",
        "1,2,3,4,5,6",
        "--io-ms",
        "150",
        "--cpu-ms",
        "0",
    ];
    let child = Command::new(env!("CARGO_BIN_EXE_gilwall"))
        .args(args)
        .args(["--export-json", file.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Serial at N = 1..6 takes 0.15 + 0.3 + … = 3.15 s: interrupt once two points are saved.
    let deadline = Instant::now() + Duration::from_secs(20);
    while points_in(&file).is_none_or(|r| r.points.len() < 2) {
        assert!(Instant::now() < deadline, "no points were saved");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill sends a signal to the child we spawned; no memory is involved.
    #[allow(unsafe_code)]
    let sent = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(sent, 0);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains(&format!("--resume {}", file.display())),
        "{stderr}"
    );
    let partial = points_in(&file).expect("the partial report is valid");
    let k = partial.points.len();
    assert!((2..6).contains(&k), "{k} points saved");

    let out = Command::new(env!("CARGO_BIN_EXE_gilwall"))
        .args(args)
        .args(["--resume", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let done = points_in(&file).unwrap();
    assert_eq!(done.points.len(), 6);
    assert_eq!(
        done.points[..k],
        partial.points[..],
        "resuming re-measured saved points"
    );
    let tasks: Vec<u32> = done.points.iter().map(|p| p.tasks).collect();
    assert_eq!(tasks, [1, 2, 3, 4, 5, 6]);

    // Resuming with other flags is refused by name.
    let out = Command::new(env!("CARGO_BIN_EXE_gilwall"))
        .args([
            "run",
            "--strategy",
            "serial",
            "--tasks",
            "7",
            "--io-ms",
            "100",
            "--cpu-ms",
            "0",
        ])
        .args(["--resume", file.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("cannot resume") && stderr.contains("--io-ms 150"),
        "{stderr}"
    );
}
