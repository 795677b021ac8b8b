//! Every measured lesson of the workshop shows its expected shape at small sizes: the very
//! findings the learner is told ("what it means") must hold. Ratios inside one run with wide
//! margins, as in strategies_show_the_wall.rs: this is a shared, noisy 2-core machine.

use gilwall::export::Exporter;
use gilwall::machine::thread_cpu_ms;
use gilwall::server::ServerConfig;
use gilwall::sweep::Bench;
use gilwall::workshop::measure::{self, Outcome, Sizes};
use indicatif::ProgressBar;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The tests in this file time real work; running them at once would halve each one's cores.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn run(lesson: u32) -> Outcome {
    let bench = Bench::start(None, ServerConfig::default())
        .unwrap()
        .with_worker_exe(PathBuf::from(env!("CARGO_BIN_EXE_gilwall")));
    measure::run(
        lesson,
        &bench,
        &Sizes::small(),
        None,
        &ProgressBar::hidden(),
    )
    .unwrap()
}

/// How many cores two busy threads get right now: CPU time over wall time, from about 2 on an
/// idle 2-core machine down to well under 1 when other work fills the cores.
fn cores_we_get() -> f64 {
    let wall = Duration::from_millis(200);
    let cpu: f64 = std::thread::scope(|scope| {
        let spin = || {
            let (start, cpu0) = (Instant::now(), thread_cpu_ms());
            let mut x = 1.0f64;
            while start.elapsed() < wall {
                x = std::hint::black_box((x * 1.000_001).sqrt() + 1.0);
            }
            thread_cpu_ms() - cpu0
        };
        let a = scope.spawn(spin);
        let b = scope.spawn(spin);
        // The spinning threads cannot panic.
        a.join().expect("probe thread") + b.join().expect("probe thread")
    });
    cpu / wall.as_secs_f64() / 1000.0
}

/// Waits (up to about a minute) until two threads get most of two cores: the parallel lessons
/// cannot show parallelism on a machine whose cores other work has taken.
fn wait_for_free_cores() {
    let deadline = Instant::now() + Duration::from_secs(60);
    while cores_we_get() < 1.5 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_secs(2));
    }
}

/// Runs `lesson` twice, and checks every finding holds each time: a finding must hold on every
/// run of a quiet machine, not once in a while.
fn shows_its_shape(lesson: u32) -> Outcome {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    shows_its_shape_once(lesson);
    shows_its_shape_once(lesson)
}

/// Runs `lesson` and checks every finding holds. A busy machine (other builds on the same two
/// cores) can blur a run, so a blurred run is repeated, after waiting for free cores, up to
/// three runs in all before a failure counts — the workshop's own advice.
fn shows_its_shape_once(lesson: u32) -> Outcome {
    wait_for_free_cores();
    let mut outcome = run(lesson);
    for attempt in 2..=3 {
        if outcome.findings.iter().all(|f| f.holds) {
            break;
        }
        let failed: Vec<&str> = outcome
            .findings
            .iter()
            .filter(|f| !f.holds)
            .map(|f| f.text.as_str())
            .collect();
        eprintln!(
            "lesson {lesson}: run blurred, running again (attempt {attempt}): {failed:#?}\n{}",
            outcome.table
        );
        wait_for_free_cores();
        outcome = run(lesson);
    }
    assert!(
        !outcome.findings.is_empty(),
        "lesson {lesson} checks nothing"
    );
    let failed: Vec<_> = outcome.findings.iter().filter(|f| !f.holds).collect();
    assert!(
        failed.is_empty(),
        "lesson {lesson} did not show its shape: {failed:#?}\n{}",
        outcome.table
    );
    assert!(String::from_utf8_lossy(&outcome.chart).starts_with("<svg"));
    // The prediction the lesson asks for refers to a point it measures.
    let q = gilwall::workshop::predict::question(lesson, &Sizes::small(), 2)
        .expect("every measured lesson asks");
    let row = outcome.at(&q.series, q.x).unwrap_or_else(|| {
        panic!(
            "lesson {lesson} asks about {} at {}, not measured",
            q.series, q.x
        )
    });
    assert!(row.measured_ms > 0.0 && row.model_ms > 0.0);
    outcome
}

#[test]
fn lesson_1_serial_io_grows_by_one_fetch_per_task() {
    let o = shows_its_shape(1);
    assert!(o.report.is_some());
}

#[test]
fn lesson_2_async_io_stays_flat_while_serial_grows() {
    shows_its_shape(2);
}

#[test]
fn lesson_3_async_and_gil_with_cpu_hit_the_wall() {
    let o = shows_its_shape(3);
    let names: Vec<&str> = o.rows.iter().map(|r| r.series.as_str()).collect();
    assert!(names.contains(&"async (I/O only)") && names.contains(&"gil + CPU"));
}

#[test]
fn lesson_4_processes_beat_async_and_their_price_is_reported() {
    let o = shows_its_shape(4);
    assert!(
        o.notes.iter().any(|n| n.contains("the price")),
        "{:?}",
        o.notes
    );
}

#[test]
fn lesson_5_free_threads_beat_async() {
    shows_its_shape(5);
}

#[test]
fn lesson_6_processes_pay_more_than_threads_as_payloads_grow() {
    let o = shows_its_shape(6);
    let report = o.report.expect("lesson 6 keeps its points as a report");
    assert_eq!(report.points.len(), 4, "two strategies at two payloads");
    assert!(
        report
            .points
            .iter()
            .any(|p| p.strategy == "processes" && p.copied_bytes >= Some(8 << 20)),
        "{:?}",
        report
            .points
            .iter()
            .map(|p| p.copied_bytes)
            .collect::<Vec<_>>()
    );
}

#[test]
fn lesson_8_an_io_thread_waits_a_switch_interval_per_fetch_under_the_gil() {
    shows_its_shape(8);
}

#[test]
fn lesson_9_asyncs_tail_climbs_under_load_while_multicores_holds() {
    let o = shows_its_shape(9);
    let report = o.report.expect("lesson 9 keeps its steps as a report");
    let s = Sizes::small();
    // Every strategy at every rate, each the same requests at the same moments.
    assert_eq!(report.load_points.len(), 2 * s.load_fractions.len());
    assert!(report.points.is_empty(), "a load, not a sweep");
    for rate in s.load_rates() {
        let sent: Vec<u64> = report
            .load_points
            .iter()
            .filter(|p| p.rate_rps == rate)
            .map(|p| p.sent)
            .collect();
        assert_eq!(sent.len(), 2, "both strategies at {rate} req/s");
        assert_eq!(sent[0], sent[1], "the same arrivals at {rate} req/s");
    }
    // The report reads back in the shared format, and the chart is the load chart.
    let json = gilwall::export::json::Json
        .export(std::slice::from_ref(&report))
        .unwrap();
    let back = gilwall_core::report::Report::from_json(&json).expect("the lesson's report loads");
    assert_eq!(back.load_points.len(), report.load_points.len());
    let svg = String::from_utf8_lossy(&o.chart);
    assert!(svg.contains("offered rate (requests per second)"), "{svg}");
    assert!(
        o.table.contains("async saturates at 50 req/s"),
        "{}",
        o.table
    );
}
