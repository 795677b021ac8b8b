//! Cheap guards for the scale and fidelity figures in BENCHMARKS.md: not the targets
//! themselves (those are benchmarks on a quiet machine), but failures far outside them.

use gilwall::server::ServerConfig;
use gilwall::sweep::Bench;
use gilwall_core::StrategyId;
use gilwall_core::sweep::SweepSpec;
use indicatif::ProgressBar;
use std::process::Command;
use std::sync::Mutex;

/// The tests here time real work; one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn two_thousand_requests_in_flight_over_http2_stay_near_one_delay() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let bench = Bench::start(None, ServerConfig::default()).unwrap();
    let config = SweepSpec {
        strategies: vec![StrategyId::Async],
        tasks: vec![2000],
        io_ms: 300.0,
        cpu_ms: Some(0.0),
        http2: true,
        ..SweepSpec::default()
    };
    let report = bench
        .run(&config, &ProgressBar::hidden(), |_| Ok(()))
        .unwrap();
    let p = &report.points[0];
    assert_eq!(p.errors, 0);
    assert!(
        p.median_ms < 2.0 * 300.0,
        "2000 concurrent 300 ms fetches took {:.0} ms",
        p.median_ms
    );
    let late = p
        .server_late_p99_ms
        .expect("gilwall's server reports its lateness");
    assert!(
        late < 150.0,
        "the server answered 2000 requests with a p99 lateness of {late:.1} ms"
    );
}

#[test]
fn five_thousand_fetches_with_no_transport_flag_stay_near_one_delay() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    // No flag: the sweep must choose a transport that holds 5 000 fetches at once. Over
    // HTTP/1.1 the burst of connects overflows the 4 096-entry accept backlog and TCP retries
    // the rest after a second: a makespan of about twice the delay or more. Measured at
    // 1.1-1.2 delays on a quiet machine (BENCHMARKS.md).
    let bench = Bench::start(None, ServerConfig::default()).unwrap();
    let io_ms = 500.0;
    let config = SweepSpec {
        strategies: vec![StrategyId::Async],
        tasks: vec![5000],
        io_ms,
        cpu_ms: Some(0.0),
        ..SweepSpec::default()
    };
    let report = bench
        .run(&config, &ProgressBar::hidden(), |_| Ok(()))
        .unwrap();
    let p = &report.points[0];
    assert_eq!(p.errors, 0, "{:?}", p.error_sample);
    assert_eq!(p.transport, Some(gilwall_core::Transport::Http2));
    assert!(
        p.median_ms < 1.8 * io_ms,
        "5000 concurrent {io_ms} ms fetches with no transport flag took {:.0} ms",
        p.median_ms
    );
    let client = p
        .client_late_p99_ms
        .expect("the async strategy traces its fetches");
    assert!(
        client >= 0.0 && client < p.median_ms,
        "client lateness {client}"
    );
    assert!(p.server_late_p99_ms.is_some());
}

#[test]
fn the_one_thread_strategies_stay_close_to_the_model() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let bench = Bench::start(None, ServerConfig::default()).unwrap();
    let config = SweepSpec {
        // One-thread strategies only: they need one core, so another program on the shared
        // machine bends them least; the parallel ones are checked against async by ratio in
        // strategies_show_the_wall.rs instead.
        strategies: vec![StrategyId::Serial, StrategyId::Async],
        tasks: vec![1, 4],
        io_ms: 100.0,
        cpu_ms: Some(50.0),
        warmup: 1,
        ..SweepSpec::default()
    };
    let report = bench
        .run(&config, &ProgressBar::hidden(), |_| Ok(()))
        .unwrap();
    for p in &report.points {
        // Measured at 92-100% on a quiet machine (BENCHMARKS.md); far below means a regression.
        assert!(
            p.efficiency > 0.6,
            "{} N={} ran at {:.0}% of the model",
            p.strategy,
            p.tasks,
            p.efficiency * 100.0
        );
    }
}

#[test]
fn a_sweep_too_large_for_one_process_moves_the_server_out() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    // 150 tasks need ~364 descriptors with the server inside, ~214 with it outside.
    let script = format!(
        "ulimit -n 256 && exec {} run --strategy async --tasks 150 --io-ms 50 --cpu-ms 0 --http1 --export-json -",
        env!("CARGO_BIN_EXE_gilwall")
    );
    // Run in a scratch folder: `run` also saves gilwall-results/last-run.json where it runs.
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("runs in its own process"), "{stderr}");
    let report = gilwall_core::Report::from_json(&out.stdout).unwrap();
    assert_eq!(report.points[0].errors, 0);
    assert!(report.points[0].server_late_p99_ms.is_some());
}
