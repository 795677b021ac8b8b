//! The article's own runtimes beside gilwall's strategies in `gilwall blog --with python,go`:
//! CPython through the Python companion and Go through the Go companion, measured at each N in
//! turns with gilwall's sweeps (so a change in the shared machine's load falls on all alike),
//! and each experiment's series picked from their points by the schedule each has.
//!
//! The default `blog` needs neither runtime: with nothing asked for, none of this runs.

use crate::go::{self, GoOutput, GoStrategy};
use crate::python::{self, PyOutput, PyStrategy};
use crate::sweep::Bench;
use anyhow::Result;
use gilwall_core::StrategyId;
use gilwall_core::report::{Point, Report, ReportRuntime};
use gilwall_core::sweep::SweepSpec;
use indicatif::ProgressBar;
use std::ffi::OsString;
use std::path::PathBuf;

/// Which of the article's own runtimes to measure, and with what.
#[derive(Debug, Clone, Default)]
pub struct WithRuntimes {
    /// CPython: the interpreter that makes the companion's environment, and where it lives.
    pub python: Option<(OsString, PathBuf)>,
    /// Go: the `go` command (found or installed when `None`), and the cache it builds into.
    pub go: Option<(Option<OsString>, PathBuf)>,
}

impl WithRuntimes {
    /// Whether no runtime was asked for.
    pub fn is_empty(&self) -> bool {
        self.python.is_none() && self.go.is_none()
    }
}

/// What [`take_turns`] measured: gilwall's two sweeps and a report per real runtime.
pub struct Measured {
    /// gilwall's strategies without CPU work.
    pub io_only: Report,
    /// gilwall's strategies with CPU work.
    pub with_cpu: Report,
    /// Python's and Go's reports, in that order, each with and without CPU work.
    pub real: Vec<Report>,
}

/// Python's strategies with CPU work, and without (serial and asyncio with `cpu_ms` 0).
const PY_CPU: [PyStrategy; 5] = [
    PyStrategy::Serial,
    PyStrategy::Asyncio,
    PyStrategy::AsyncioExecutor,
    PyStrategy::ProcessPool,
    PyStrategy::ThreadPool,
];
const PY_IO: [PyStrategy; 2] = [PyStrategy::Serial, PyStrategy::AsyncioIo];

/// Runs gilwall's sweeps `io_only` and `with_cpu` one N at a time, each N followed by the real
/// runtimes at the same N, with and without CPU work (`cpu_ms` per task, calibrated in each
/// runtime).
pub fn take_turns(
    bench: &Bench,
    with: &WithRuntimes,
    io_only: &SweepSpec,
    with_cpu: &SweepSpec,
    cpu_ms: f64,
    progress: &ProgressBar,
) -> Result<Measured> {
    let py = match &with.python {
        Some((python, venv)) => Some(python::Companion::start(python, venv)?),
        None => None,
    };
    let go = match &with.go {
        Some((go, cache)) => Some(go::Companion::start(go.as_deref(), cache)?),
        None => None,
    };
    let mut native: [Option<Report>; 2] = [None, None];
    let mut py_out: Option<PyOutput> = None;
    let mut go_out: Option<GoOutput> = None;
    for &n in &with_cpu.tasks {
        for (i, sweep) in [io_only, with_cpu].into_iter().enumerate() {
            let one = SweepSpec {
                tasks: vec![n],
                ..sweep.clone()
            };
            let r = bench.run(&one, progress, |_| Ok(()))?;
            match native[i].as_mut() {
                Some(all) => all.points.extend(r.points),
                None => native[i] = Some(r),
            }
        }
        let url = bench.url();
        let (io, repeats) = (with_cpu.io_ms, with_cpu.repeats);
        if let Some(py) = &py {
            for (strategies, cpu) in [(&PY_IO[..], 0.0), (&PY_CPU[..], cpu_ms)] {
                let out = py.measure(url, strategies, n, io, cpu, repeats)?;
                match py_out.as_mut() {
                    Some(all) => {
                        all.gil_enabled |= out.gil_enabled;
                        all.points.extend(out.points);
                    }
                    None => py_out = Some(out),
                }
            }
        }
        if let Some(go) = &go {
            for cpu in [0.0, cpu_ms] {
                let out = go.measure(url, &GoStrategy::KEPT, n, io, (cpu, None), repeats)?;
                match go_out.as_mut() {
                    Some(all) => all.points.extend(out.points),
                    None => go_out = Some(out),
                }
            }
        }
    }
    let [Some(io_only), Some(with_cpu)] = native else {
        anyhow::bail!("no task count to run");
    };
    let created = crate::machine::now_rfc3339();
    let mut real = Vec::new();
    if let Some(out) = py_out {
        real.push(python::build_report(
            out,
            bench.cores(),
            created.clone(),
            None,
        )?);
    }
    if let Some(out) = go_out {
        real.push(go::build_report(&out, bench.cores(), created, None)?);
    }
    Ok(Measured {
        io_only,
        with_cpu,
        real,
    })
}

/// The gilwall strategy whose schedule a real runtime's point has.
fn twin(report: &Report, p: &Point) -> Option<StrategyId> {
    match report.runtime {
        ReportRuntime::Python => {
            python::model_strategy(&p.strategy, report.machine.gil_enabled.unwrap_or(true))
        }
        ReportRuntime::Go => GoStrategy::from_name(&p.strategy).map(GoStrategy::model_strategy),
        ReportRuntime::Native | ReportRuntime::Browser => p.strategy.parse().ok(),
    }
}

/// The points of `report` that show an experiment's `series` (strategy, with CPU work): those
/// whose schedule is the series' strategy, with or without CPU work alike.
pub fn for_series(report: &Report, series: &[(StrategyId, bool)]) -> Report {
    Report {
        points: report
            .points
            .iter()
            .filter(|p| {
                let cpu = p.cpu_ms > 0.0;
                twin(report, p).is_some_and(|id| {
                    // Without CPU work, goroutines are non-blocking I/O on one wait: step 2's
                    // async line, as the article draws Go there.
                    let id = if !cpu && id == StrategyId::Multicore {
                        StrategyId::Async
                    } else {
                        id
                    };
                    series.contains(&(id, cpu))
                })
            })
            .cloned()
            .collect(),
        ..report.clone()
    }
}

/// A report's runtime as a file-name suffix (`3-cpu-python.json`).
pub fn suffix(report: &Report) -> &'static str {
    match report.runtime {
        ReportRuntime::Python => "python",
        ReportRuntime::Go => "go",
        ReportRuntime::Native => "native",
        ReportRuntime::Browser => "browser",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gilwall_core::report::PointSpec;

    fn report(runtime: ReportRuntime, points: &[(&str, f64)]) -> Report {
        let mut r = Report::new(runtime, crate::machine::describe(), "t".into());
        r.machine.gil_enabled = (runtime == ReportRuntime::Python).then_some(true);
        for &(strategy, cpu_ms) in points {
            let spec = PointSpec {
                strategy: strategy.into(),
                tasks: 2,
                workers: None,
                io_ms: 100.0,
                cpu_ms,
                cpu_iters: None,
                kernel: None,
                payload_bytes: 0,
            };
            r.points
                .push(Point::new(spec, vec![200.0], 200.0, 0).unwrap());
        }
        r
    }

    #[test]
    fn each_experiment_takes_the_real_points_with_its_schedules() {
        use StrategyId::*;
        let py = report(
            ReportRuntime::Python,
            &[
                ("serial", 0.0),
                ("asyncio", 0.0),
                ("asyncio", 50.0),
                ("asyncio-executor", 50.0),
                ("thread-pool", 50.0),
                ("process-pool", 50.0),
            ],
        );
        let names = |r: Report| -> Vec<(String, bool)> {
            r.points
                .into_iter()
                .map(|p| (p.strategy, p.cpu_ms > 0.0))
                .collect()
        };
        // Step 2: serial and async without CPU work.
        assert_eq!(
            names(for_series(&py, &[(Serial, false), (Async, false)])),
            [
                ("serial".to_string(), false),
                ("asyncio".to_string(), false)
            ]
        );
        // Step 3's gil line: both pools under the GIL.
        assert_eq!(
            names(for_series(&py, &[(Gil, true)])),
            [
                ("asyncio-executor".to_string(), true),
                ("thread-pool".to_string(), true)
            ]
        );
        // Step 5's free threads: not a thread pool under the GIL.
        assert!(for_series(&py, &[(Threads, true)]).points.is_empty());
        let go = report(
            ReportRuntime::Go,
            &[("serial", 50.0), ("goroutines", 0.0), ("goroutines", 50.0)],
        );
        assert_eq!(
            names(for_series(&go, &[(Multicore, true)])),
            [("goroutines".to_string(), true)]
        );
        assert_eq!(
            names(for_series(&go, &[(Async, false)])),
            [("goroutines".to_string(), false)]
        );
        assert_eq!(suffix(&go), "go");
    }
}
