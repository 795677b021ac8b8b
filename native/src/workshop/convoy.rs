//! Lesson 8: the convoy effect. An I/O-bound thread makes K short fetches in a row and needs
//! the global lock briefly after each (to parse the answer, as Python code must hold the GIL
//! to touch any object). Beside it, a CPU-bound thread holds the lock and offers it only when
//! its switch interval is up — the `gil` strategy's mechanism (a `parking_lot` mutex handed
//! over fairly with `MutexGuard::bump`), as CPython's forced switching does.
//!
//! So every fetch ends with a wait in line behind the CPU thread: the I/O thread's K fetches
//! take about K switch intervals instead of K fetch delays. The same run alone, and beside a
//! CPU thread that takes no lock (free threads), show that it is the lock, not the CPU load.
//!
//! The modes ([`Convoy`]) and the claims checked against them are core's lesson table's; this
//! is the experiment.

use super::measure::{Outcome, Row, Sizes};
use super::plot::{LineChart, Series, table};
use crate::fetch::{blocking_client, blocking_fetch};
use crate::sweep::Bench;
use anyhow::{Context, Result};
use gilwall_core::kernel::{Kernel, Work};
use gilwall_core::lesson::{Convoy as Mode, Line};
use indicatif::ProgressBar;
use parking_lot::{Mutex, MutexGuard};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Runs lesson 8: every mode in `modes` at every switch interval. The model's fetch time is the
/// one measured alone, so the table lists [`Mode::Alone`] first.
pub fn run(modes: &[Mode], bench: &Bench, s: &Sizes, progress: &ProgressBar) -> Result<Outcome> {
    let url = format!("{}/delay/{}", bench.url(), s.convoy_io_ms / 1000.0);
    let client = blocking_client(Duration::from_secs(30))?;
    // One fetch first, so connecting is not counted in the first measurement.
    blocking_fetch(&client, &url)
        .map_err(|e| anyhow::anyhow!("cannot fetch {url}: {e}"))
        .context("lesson 8 needs the feature server")?;
    let iters_per_ms = bench.calibration(Kernel::Sqrt, 0)?.iters_per_ms;
    let k = s.convoy_fetches;
    progress.set_length((s.switch_intervals_ms.len() * modes.len()) as u64);
    let mut rows: Vec<Row> = Vec::new();
    // The model's fetch time is the one measured alone (the first series): what a fetch
    // costs here without any lock contention.
    let mut fetch_ms = s.convoy_io_ms;
    for &mode in modes {
        for &interval in &s.switch_intervals_ms {
            progress.set_message(format!("{}, {interval} ms", mode.label()));
            let switch = Duration::from_secs_f64(interval / 1000.0);
            let took = io_thread_time(&client, &url, k, mode, switch, iters_per_ms)?;
            progress.inc(1);
            let per_fetch = match mode {
                Mode::UnderGil => (fetch_ms / interval).ceil() * interval,
                Mode::Alone | Mode::Free => fetch_ms,
            };
            rows.push(Row {
                series: mode.label().to_string(),
                line: Line::Convoy(mode),
                x: interval,
                measured_ms: took,
                model_ms: f64::from(k) * per_fetch,
            });
        }
        if mode == Mode::Alone {
            let alone: Vec<f64> = rows.iter().map(|r| r.measured_ms).collect();
            if let Some(m) = gilwall_core::stats::Summary::of(&alone) {
                fetch_ms = m.median / f64::from(k);
                for r in &mut rows {
                    r.model_ms = m.median;
                }
            }
        }
    }
    progress.finish_and_clear();
    let chart = LineChart {
        title: format!(
            "8. The convoy effect: {k} fetches of {} ms beside a CPU-bound thread",
            s.convoy_io_ms
        ),
        x_desc: "switch interval (ms; values evenly spaced)".into(),
        series: Series::from_rows(&rows),
    }
    .svg()?;
    let table = table(&rows, "switch interval (ms)");
    Ok(Outcome {
        rows,
        table,
        chart,
        report: None,
        python_reports: Vec::new(),
        findings: Vec::new(),
        notes: Vec::new(),
    })
}

/// Time the I/O thread takes for `k` fetches in `mode`, in ms.
fn io_thread_time(
    client: &reqwest::blocking::Client,
    url: &str,
    k: u32,
    mode: Mode,
    switch: Duration,
    iters_per_ms: f64,
) -> Result<f64> {
    let gil = Mutex::new(());
    let stop = AtomicBool::new(false);
    let started = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let cpu = (mode != Mode::Alone).then(|| {
            let (gil, stop, started) = (&gil, &stop, &started);
            scope.spawn(move || {
                cpu_thread(
                    gil,
                    stop,
                    started,
                    mode == Mode::UnderGil,
                    switch,
                    iters_per_ms,
                )
            })
        });
        if cpu.is_some() {
            // The CPU thread is already busy (and holding the lock) when the I/O thread starts.
            while !started.load(Ordering::SeqCst) {
                std::thread::yield_now();
            }
        }
        let start = Instant::now();
        let result = (0..k).try_for_each(|_| {
            let body = blocking_fetch(client, url).map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
            // Python must hold the GIL to build objects from the answer; free threads need not.
            let guard = (mode != Mode::Free).then(|| gil.lock());
            let parsed: serde_json::Value =
                serde_json::from_slice(&body).context("the server's answer is not JSON")?;
            std::hint::black_box(parsed);
            drop(guard);
            Ok::<_, anyhow::Error>(())
        });
        let took = start.elapsed().as_secs_f64() * 1000.0;
        stop.store(true, Ordering::SeqCst);
        if let Some(cpu) = cpu {
            // The CPU thread only loops over arithmetic; a panic there is a bug worth seeing.
            std::hint::black_box(cpu.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        result.map(|()| took)
    })
}

/// A CPU-bound thread: runs the sqrt kernel until told to stop. Under the GIL it holds the lock
/// and offers it (fairly) once per switch interval, as CPython's eval loop does.
fn cpu_thread(
    gil: &Mutex<()>,
    stop: &AtomicBool,
    started: &AtomicBool,
    under_gil: bool,
    switch: Duration,
    iters_per_ms: f64,
) -> u64 {
    // About 50 µs of work between looks at the clock.
    let chunk = ((iters_per_ms / 20.0) as u64).max(1);
    // The sqrt kernel needs no payload, so preparing it cannot fail.
    let mut work = Work::new(Kernel::Sqrt, b"", 0).expect("the sqrt kernel needs no payload");
    let mut guard = under_gil.then(|| gil.lock());
    started.store(true, Ordering::SeqCst);
    let mut slice_start = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        work.step(chunk);
        if slice_start.elapsed() >= switch {
            if let Some(g) = guard.as_mut() {
                MutexGuard::bump(g);
            }
            slice_start = Instant::now();
        }
    }
    work.finish()
}
