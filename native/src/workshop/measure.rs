//! Running a lesson: the sweeps its [`Run`] in core's table asks for, the chart and table they
//! produce, and its findings — the claims the table lists, checked against what was measured
//! (`findings`).

use super::findings::Checker;
pub use super::findings::Finding;
use super::plot::{LineChart, Series as PlotSeries};
use super::{cliff, convoy};
use crate::export::{Exporter, chart::Chart, markdown};
use crate::python::{self, PyStrategy};
use crate::sweep::Bench;
use anyhow::{Result, anyhow, bail};
use gilwall_core::lesson::{self, Lesson, Line, Numbers, PythonSeries, Run, Series};
use gilwall_core::report::Report;
use gilwall_core::sweep::SweepSpec;
use gilwall_core::{Kernel, StrategyId};
use indicatif::ProgressBar;
use std::ffi::OsStr;
use std::path::Path;

/// The sizes a lesson runs at. The defaults keep every lesson well under a minute; the tests
/// use [`Sizes::small`].
#[derive(Debug, Clone, PartialEq)]
pub struct Sizes {
    /// Delay of one fetch, ms (lessons 1-6 and 9).
    pub io_ms: f64,
    /// Task counts N (lessons 1-5); the largest is the one predictions ask about.
    pub tasks: Vec<u32>,
    /// CPU work as a fraction of the delay (the article: 0.5).
    pub cpu_ratio: f64,
    /// Tasks in lesson 6's payload sweep.
    pub copy_tasks: u32,
    /// Payload sizes of lesson 6, KiB.
    pub payloads_kb: Vec<u64>,
    /// Switch intervals of lesson 8, ms.
    pub switch_intervals_ms: Vec<f64>,
    /// Fetches the I/O thread makes in lesson 8.
    pub convoy_fetches: u32,
    /// Delay of each of those fetches, ms.
    pub convoy_io_ms: f64,
    /// CPU work per request in lesson 9's load, ms: its rates are fractions of what one
    /// thread serves, 1000 ÷ this a second.
    pub load_cpu_ms: f64,
    /// Lesson 9's offered rates as fractions of one thread's capacity, in order; those above 1
    /// are past it.
    pub load_fractions: Vec<f64>,
    /// The fraction lesson 9's question asks about (one of `load_fractions`, below 1).
    pub load_asked: f64,
    /// Measured seconds per rate in lesson 9.
    pub load_duration_s: f64,
    /// Unmeasured seconds per rate before them.
    pub load_warmup_s: f64,
}

impl Sizes {
    /// The workshop's sizes with a fetch of `io_ms`.
    pub fn new(io_ms: f64) -> Sizes {
        Sizes {
            io_ms,
            tasks: vec![1, 2, 4, 8, 16],
            cpu_ratio: 0.5,
            copy_tasks: 8,
            payloads_kb: vec![1, 1024, 4096, 8192],
            switch_intervals_ms: vec![1.0, 5.0, 10.0, 20.0, 50.0],
            convoy_fetches: 20,
            convoy_io_ms: 2.0,
            load_cpu_ms: 20.0,
            load_fractions: vec![0.2, 0.5, 0.8, 1.2],
            load_asked: 0.8,
            load_duration_s: 4.0,
            load_warmup_s: 1.0,
        }
    }

    /// Smaller sizes for tests: a few seconds per lesson.
    pub fn small() -> Sizes {
        Sizes {
            tasks: vec![1, 8],
            payloads_kb: vec![1, 8192],
            switch_intervals_ms: vec![1.0, 30.0],
            convoy_fetches: 12,
            load_fractions: vec![0.2, 0.8, 1.2],
            load_duration_s: 2.0,
            load_warmup_s: 0.5,
            ..Sizes::new(100.0)
        }
    }

    pub(super) fn max_tasks(&self) -> u32 {
        self.tasks.iter().copied().max().unwrap_or(1)
    }

    pub(super) fn cpu_ms(&self) -> f64 {
        self.io_ms * self.cpu_ratio
    }

    /// The numbers a lesson's question is asked with, on a machine with `cores` cores.
    pub fn numbers(&self, cores: u32) -> Numbers {
        Numbers {
            io_ms: self.io_ms,
            cpu_ms: self.cpu_ms(),
            max_tasks: self.max_tasks(),
            cores,
            copy_tasks: self.copy_tasks,
            max_payload_kb: self.payloads_kb.iter().copied().max().unwrap_or(1),
            convoy_fetches: self.convoy_fetches,
            convoy_io_ms: self.convoy_io_ms,
            max_interval_ms: self.switch_intervals_ms.iter().copied().fold(0.0, f64::max),
            request_cpu_ms: self.load_cpu_ms,
            asked_fraction: self.load_asked,
        }
    }

    /// Lesson 9's offered rates, req/s: [`Sizes::load_fractions`] of one thread's capacity.
    pub fn load_rates(&self) -> Vec<f64> {
        self.load_fractions
            .iter()
            .map(|&f| lesson::load_rate(f, self.load_cpu_ms))
            .collect()
    }

    /// Where on the x axis a lesson's question asks: the largest x it sweeps — N, the payload
    /// in KiB or the switch interval in ms — or, for the load, the rate it names; `None` for
    /// the page's lesson.
    pub fn asked_x(&self, run: &Run) -> Option<f64> {
        match run {
            Run::Tasks(_) => Some(self.max_tasks().into()),
            Run::Payloads(_) => Some(self.numbers(1).max_payload_kb as f64),
            Run::Convoy(_) => Some(self.numbers(1).max_interval_ms),
            Run::Load(_) => Some(self.numbers(1).asked_rps()),
            Run::Page => None,
        }
    }
}

/// The article's own CPython for lesson 5's [`PythonSeries`] lines: the free-threaded build and
/// the GIL build, each with the companion's environment made.
pub struct Pythons {
    /// The free-threaded build (3.13t).
    pub free: python::Companion,
    /// The ordinary build, under the GIL.
    pub gil: python::Companion,
}

impl Pythons {
    /// Both builds, if a free-threaded CPython is already on this machine (on PATH, or the one
    /// `gilwall python --free-threaded` built into `cache`); `None` if not. Never builds one:
    /// that takes minutes. The environments go under `dir` (made or reused: the first time
    /// installs the companion's requirements from PyPI).
    pub fn find(cache: &Path, dir: &Path) -> Result<Option<Pythons>> {
        let Some(free) = python::free_threaded::find(cache) else {
            return Ok(None);
        };
        Ok(Some(Pythons {
            free: python::Companion::start(&free, &dir.join("python-venv-free-threaded"))?,
            gil: python::Companion::start(OsStr::new("python3"), &dir.join("python-venv"))?,
        }))
    }

    fn of(&self, line: PythonSeries) -> &python::Companion {
        if line.free_threaded {
            &self.free
        } else {
            &self.gil
        }
    }
}

/// One measured value with the model's, for the table, the chart and the prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The name of the series it belongs to, as the learner sees it, e.g. `async + CPU`.
    pub series: String,
    /// The line it belongs to, by identity: what findings and questions look rows up by.
    pub line: Line,
    /// Where on the x axis: tasks, payload KiB or switch interval ms.
    pub x: f64,
    /// Measured makespan, ms (the median of the repeats).
    pub measured_ms: f64,
    /// The model's ideal, ms.
    pub model_ms: f64,
}

/// What a lesson's run produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Every measured value.
    pub rows: Vec<Row>,
    /// The table, padded for a terminal (Markdown).
    pub table: String,
    /// The chart, SVG.
    pub chart: Vec<u8>,
    /// The report in the shared format, for lessons that run gilwall's sweeps (1-6) or its load
    /// (9, as `load_points`); lesson 8's experiment is no sweep, and its rows are written as
    /// they are.
    pub report: Option<Report>,
    /// CPython's reports, one per build, where the lesson ran the article's runtime too.
    pub python_reports: Vec<Report>,
    /// The lesson's claims, checked.
    pub findings: Vec<Finding>,
    /// Numbers worth saying that are not pass/fail claims (e.g. the price of processes).
    pub notes: Vec<String>,
}

impl Outcome {
    /// The rows as JSON — each line's name, x, measurement and model — for a lesson whose
    /// run has no report in the shared format (lesson 8).
    pub fn rows_json(&self, lesson: &Lesson, x: &str) -> serde_json::Value {
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "series": r.series,
                    "x": r.x,
                    "measured_ms": r.measured_ms,
                    "model_ms": r.model_ms,
                })
            })
            .collect();
        serde_json::json!({
            "lesson": lesson.id,
            "title": lesson.title,
            "x": x,
            "rows": rows,
        })
    }

    /// The measured value of the series named `series` (as the table names it) at `x`.
    pub fn at(&self, series: &str, x: f64) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.series == series && (r.x - x).abs() < 1e-9)
    }

    /// The measured value of `line` at `x`.
    pub fn of(&self, line: Line, x: f64) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.line == line && (r.x - x).abs() < 1e-9)
    }
}

/// Runs lesson `n` at sizes `s`: what core's table says it runs, then its claims checked and
/// its notes said. The page's lesson (7) has nothing to measure here.
///
/// With `pythons`, a lesson with CPython lines runs them too (at each N, after gilwall's
/// sweeps); without, it leaves them and their claims out and says how to get them.
pub fn run(
    n: u32,
    bench: &Bench,
    s: &Sizes,
    pythons: Option<&Pythons>,
    progress: &ProgressBar,
) -> Result<Outcome> {
    let lesson = lesson::by_number(n).ok_or_else(|| anyhow!("there is no lesson {n}"))?;
    let mut outcome = match lesson.run {
        Run::Tasks(series) => tasks_lesson(lesson, series, bench, s, pythons, progress)?,
        Run::Payloads(strategies) => copying_lesson(lesson, strategies, bench, s, progress)?,
        Run::Convoy(modes) => convoy::run(modes, bench, s, progress)?,
        Run::Load(strategies) => cliff::run(lesson, strategies, bench, s, progress)?,
        Run::Page => bail!(
            "lesson {n} runs in the browser; there is nothing to measure here (gilwall workshop \
             {n} says how to open the page)"
        ),
    };
    let checker = Checker {
        lesson,
        sizes: s,
        cores: bench.cores(),
        outcome: &outcome,
    };
    // A claim about CPython lines that did not run is left out, not failed.
    let ran = |p: &PythonSeries| outcome.rows.iter().any(|r| r.line == Line::Python(*p));
    let findings = lesson
        .findings
        .iter()
        .filter(|c| c.python_lines().iter().all(ran))
        .map(|c| checker.check(c))
        .collect();
    let mut notes: Vec<String> = lesson
        .notes
        .iter()
        .filter_map(|n| checker.note(n))
        .collect();
    if !lesson.python.is_empty() && pythons.is_none() {
        notes.push(
            "no free-threaded CPython here, so the article's own thread pool did not run: \
             `gilwall python --free-threaded` builds one once (about 8 minutes on 2 cores), and \
             this lesson then runs it on 3.13t and on the GIL build beside gilwall's"
                .to_string(),
        );
    }
    notes.extend(
        outcome
            .report
            .as_ref()
            .and_then(|r| busy_machine_note(r, s)),
    );
    outcome.findings = findings;
    outcome.notes = notes;
    Ok(outcome)
}

/// Lessons 1-5: sweeps over N, without and with CPU work, merged into one report.
fn tasks_lesson(
    lesson: &Lesson,
    series: &[Series],
    bench: &Bench,
    s: &Sizes,
    pythons: Option<&Pythons>,
    progress: &ProgressBar,
) -> Result<Outcome> {
    let title = format!("{}. {}", lesson.number, lesson.title);
    let mut report: Option<Report> = None;
    for cpu in [false, true] {
        let strategies: Vec<StrategyId> = series
            .iter()
            .filter(|x| x.cpu == cpu)
            .map(|x| x.strategy)
            .collect();
        if strategies.is_empty() {
            continue;
        }
        let config = SweepSpec {
            strategies,
            tasks: s.tasks.clone(),
            io_ms: s.io_ms,
            cpu_ratio: Some(if cpu { s.cpu_ratio } else { 0.0 }),
            title: Some(title.clone()),
            ..SweepSpec::default()
        };
        let part = bench.run(&config, progress, |_| Ok(()))?;
        match &mut report {
            Some(r) => r.points.extend(part.points),
            None => report = Some(part),
        }
    }
    let report = report.ok_or_else(|| anyhow!("lesson {} runs no series", lesson.id))?;
    let python_reports = match pythons {
        Some(py) if !lesson.python.is_empty() => {
            python_lines(lesson.python, py, bench, s, &title, progress)?
        }
        _ => Vec::new(),
    };
    // Each series' points, found by strategy and by whether they did CPU work.
    let mut rows: Vec<Row> = series
        .iter()
        .flat_map(|&x| {
            let line = Line::Series(x);
            let name = lesson.label(line);
            report
                .points
                .iter()
                .filter(move |p| p.strategy == x.strategy.as_str() && (p.cpu_ms > 0.0) == x.cpu)
                .map(move |p| Row {
                    series: name.clone(),
                    line,
                    x: p.tasks.into(),
                    measured_ms: p.median_ms,
                    model_ms: p.model_ms,
                })
        })
        .collect();
    // CPython's lines, each from its build's report.
    for (&line, r) in lesson.python.iter().zip(&python_reports) {
        rows.extend(
            r.points
                .iter()
                .filter(|p| p.strategy == line.strategy && p.complete())
                .map(|p| Row {
                    series: line.label(),
                    line: Line::Python(line),
                    x: p.tasks.into(),
                    measured_ms: p.median_ms,
                    model_ms: p.model_ms,
                }),
        );
    }
    let mut table = format!(
        "{}\n{}",
        markdown::table(&report),
        markdown::verdicts(&report)
            .iter()
            .map(|v| format!("- {v}\n"))
            .collect::<String>()
    );
    for (line, r) in lesson.python.iter().zip(&python_reports) {
        table += &format!("\n{}:\n\n{}", line.label(), markdown::table(r));
    }
    let mut drawn = vec![report.clone()];
    drawn.extend(python_reports.iter().cloned());
    let chart = Chart { title }.export(&drawn)?;
    Ok(Outcome {
        rows,
        table,
        chart,
        report: Some(report),
        python_reports,
        findings: Vec::new(),
        notes: Vec::new(),
    })
}

/// Measures `lines` with the article's own CPython at each of the lesson's N (CPU work as
/// gilwall's, calibrated in Python): one report per line, in order.
fn python_lines(
    lines: &[PythonSeries],
    py: &Pythons,
    bench: &Bench,
    s: &Sizes,
    title: &str,
    progress: &ProgressBar,
) -> Result<Vec<Report>> {
    let repeats = SweepSpec::default().repeats;
    let mut reports = Vec::new();
    for &line in lines {
        let strategy = PyStrategy::ALL
            .into_iter()
            .find(|p| p.as_str() == line.strategy)
            .ok_or_else(|| anyhow!("the Python companion has no strategy {}", line.strategy))?;
        progress.set_message(line.label());
        let mut all: Option<python::PyOutput> = None;
        for &n in &s.tasks {
            let out =
                py.of(line)
                    .measure(bench.url(), &[strategy], n, s.io_ms, s.cpu_ms(), repeats)?;
            match all.as_mut() {
                Some(a) => a.points.extend(out.points),
                None => all = Some(out),
            }
        }
        let out = all.ok_or_else(|| anyhow!("no task count to run"))?;
        if line.free_threaded && out.gil_enabled {
            bail!(
                "{} is a free-threaded build, but the GIL was on during the run (an extension \
                 module turned it back on at import); run the lesson with PYTHON_GIL=0",
                out.interpreter
            );
        }
        reports.push(python::build_report(
            out,
            bench.cores(),
            crate::machine::now_rfc3339(),
            Some(format!("{title} — {}", line.label())),
        )?);
    }
    Ok(reports)
}

/// Says so when the CPU work took clearly longer than asked — a busy or throttled machine —
/// since every CPU slope on the chart grows with it.
fn busy_machine_note(report: &Report, s: &Sizes) -> Option<String> {
    if !report.load_points.is_empty() {
        // Lesson 9: the CPU each app measured per request, against the CPU asked.
        let measured: Vec<f64> = report
            .load_points
            .iter()
            .filter_map(|p| p.cpu_measured_ms)
            .collect();
        let median = gilwall_core::stats::Summary::of(&measured)?.median;
        return (median > 1.3 * s.load_cpu_ms).then(|| {
            format!(
                "each request's CPU work took {median:.0} ms of CPU time here, not the {:.0} ms \
                 calibrated: this machine is busy or throttled, so every capacity is lower than \
                 the dotted lines say (the dashed model uses the CPU measured)",
                s.load_cpu_ms
            )
        });
    }
    let measured: Vec<f64> = report
        .points
        .iter()
        .filter(|p| p.cpu_ms > 0.0)
        .filter_map(|p| p.cpu_measured_ms)
        .collect();
    let median = gilwall_core::stats::Summary::of(&measured)?.median;
    (median > 1.3 * s.cpu_ms()).then(|| {
        format!(
            "each task's CPU work took {median:.0} ms of CPU time here, not the {:.0} ms \
             calibrated: this machine is busy or throttled, so every CPU slope is steeper \
             than the model's",
            s.cpu_ms()
        )
    })
}

/// Lesson 6: `strategies` over growing payloads with the features kernel, at one N.
fn copying_lesson(
    lesson: &Lesson,
    strategies: &[StrategyId],
    bench: &Bench,
    s: &Sizes,
    progress: &ProgressBar,
) -> Result<Outcome> {
    let mut rows = Vec::new();
    // Every payload's points in one report, so the lesson writes one file as the others do.
    let mut merged: Option<Report> = None;
    progress.set_length((s.payloads_kb.len() * strategies.len()) as u64);
    for &kb in &s.payloads_kb {
        let config = SweepSpec {
            strategies: strategies.to_vec(),
            tasks: vec![s.copy_tasks],
            io_ms: s.io_ms,
            // One pass over the parsed payload: work that grows with the payload and is the
            // same for both strategies, so the gap between them is the copying alone.
            cpu_iters: Some(1),
            kernel: Kernel::Features,
            payload_kb: kb,
            ..SweepSpec::default()
        };
        progress.set_message(format!("payload {kb} KiB"));
        let report = bench.run(&config, &ProgressBar::hidden(), |_| Ok(()))?;
        progress.inc(strategies.len() as u64);
        for &strategy in strategies {
            let line = Line::Series(Series::cpu(strategy));
            let name = lesson.label(line);
            rows.extend(
                report
                    .points
                    .iter()
                    .filter(|p| p.strategy == strategy.as_str())
                    .map(|p| Row {
                        series: name.clone(),
                        line,
                        x: kb as f64,
                        measured_ms: p.median_ms,
                        model_ms: p.model_ms,
                    }),
            );
        }
        match &mut merged {
            Some(r) => r.points.extend(report.points),
            None => {
                let mut first = report;
                first.title = Some(format!("{}. {}", lesson.number, lesson.title));
                merged = Some(first);
            }
        }
    }
    progress.finish_and_clear();
    let chart = LineChart {
        title: format!(
            "{}. {} ({} tasks)",
            lesson.number, lesson.title, s.copy_tasks
        ),
        x_desc: "payload per task (KiB; sizes evenly spaced)".into(),
        series: PlotSeries::from_rows(&rows),
    }
    .svg()?;
    let table = super::plot::table(&rows, "payload (KiB)");
    Ok(Outcome {
        rows,
        table,
        chart,
        report: merged,
        python_reports: Vec::new(),
        findings: Vec::new(),
        notes: Vec::new(),
    })
}
