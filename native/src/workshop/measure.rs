//! Running a lesson: the sweeps its [`Run`] in core's table asks for, the chart and table they
//! produce, and its findings — the claims the table lists, checked against what was measured
//! (`findings`).

use super::convoy;
use super::findings::Checker;
pub use super::findings::Finding;
use super::plot::{LineChart, Series as PlotSeries};
use crate::export::{Exporter, chart::Chart, markdown};
use crate::sweep::Bench;
use anyhow::{Result, anyhow, bail};
use gilwall_core::lesson::{self, Lesson, Line, Numbers, Run, Series};
use gilwall_core::report::Report;
use gilwall_core::sweep::SweepSpec;
use gilwall_core::{Kernel, StrategyId};
use indicatif::ProgressBar;

/// The sizes a lesson runs at. The defaults keep every lesson well under a minute; the tests
/// use [`Sizes::small`].
#[derive(Debug, Clone, PartialEq)]
pub struct Sizes {
    /// Delay of one fetch, ms (lessons 1-6).
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
        }
    }

    /// Smaller sizes for tests: a few seconds per lesson.
    pub fn small() -> Sizes {
        Sizes {
            tasks: vec![1, 8],
            payloads_kb: vec![1, 8192],
            switch_intervals_ms: vec![1.0, 30.0],
            convoy_fetches: 12,
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
        }
    }

    /// The largest x a run sweeps — N, the payload in KiB or the switch interval in ms — which
    /// is where a lesson's question asks; `None` for the page's lesson.
    pub fn largest_x(&self, run: &Run) -> Option<f64> {
        match run {
            Run::Tasks(_) => Some(self.max_tasks().into()),
            Run::Payloads(_) => Some(self.numbers(1).max_payload_kb as f64),
            Run::Convoy(_) => Some(self.numbers(1).max_interval_ms),
            Run::Page => None,
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
    /// The report in the shared format, for lessons that run gilwall's sweeps (1-6); lesson 8's
    /// experiment is no sweep, and its rows are written as they are.
    pub report: Option<Report>,
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
pub fn run(n: u32, bench: &Bench, s: &Sizes, progress: &ProgressBar) -> Result<Outcome> {
    let lesson = lesson::by_number(n).ok_or_else(|| anyhow!("there is no lesson {n}"))?;
    let mut outcome = match lesson.run {
        Run::Tasks(series) => tasks_lesson(lesson, series, bench, s, progress)?,
        Run::Payloads(strategies) => copying_lesson(lesson, strategies, bench, s, progress)?,
        Run::Convoy(modes) => convoy::run(modes, bench, s, progress)?,
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
    let findings = lesson.findings.iter().map(|c| checker.check(c)).collect();
    let mut notes: Vec<String> = lesson
        .notes
        .iter()
        .filter_map(|n| checker.note(n))
        .collect();
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
    // Each series' points, found by strategy and by whether they did CPU work.
    let rows = series
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
    let table = format!(
        "{}\n{}",
        markdown::table(&report),
        markdown::verdicts(&report)
            .iter()
            .map(|v| format!("- {v}\n"))
            .collect::<String>()
    );
    let chart = Chart { title }.export(std::slice::from_ref(&report))?;
    Ok(Outcome {
        rows,
        table,
        chart,
        report: Some(report),
        findings: Vec::new(),
        notes: Vec::new(),
    })
}

/// Says so when the CPU work took clearly longer than asked — a busy or throttled machine —
/// since every CPU slope on the chart grows with it.
fn busy_machine_note(report: &Report, s: &Sizes) -> Option<String> {
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
        findings: Vec::new(),
        notes: Vec::new(),
    })
}
