//! Running a lesson: the sweeps each lesson needs, the chart and table they produce, and the
//! findings — the lesson's expected shape, checked against what was measured. The same
//! findings are printed to the learner ("what it means") and asserted by the tests, so the
//! workshop cannot quietly teach something the machine did not show.

use super::convoy;
use super::plot::{LineChart, Series};
use crate::export::{Exporter, chart::Chart, markdown};
use crate::sweep::Bench;
use anyhow::{Result, bail};
use gilwall_core::report::Report;
use gilwall_core::sweep::SweepSpec;
use gilwall_core::{Kernel, StrategyId};
use indicatif::ProgressBar;

use StrategyId::{Async, Gil, Processes, Serial, Threads};

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
}

/// One measured value with the model's, for the table, the chart and the prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The series it belongs to, e.g. `async + CPU`.
    pub series: String,
    /// Where on the x axis: tasks, payload KiB or switch interval ms.
    pub x: f64,
    /// Measured makespan, ms (the median of the repeats).
    pub measured_ms: f64,
    /// The model's ideal, ms.
    pub model_ms: f64,
}

/// A claim the lesson makes about the measurement, and whether this run bears it out.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Whether the measurement shows it.
    pub holds: bool,
    /// The claim, with the numbers measured.
    pub text: String,
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
    /// The report, for lessons that sweep tasks (the shared format).
    pub report: Option<Report>,
    /// The lesson's claims, checked.
    pub findings: Vec<Finding>,
    /// Numbers worth saying that are not pass/fail claims (e.g. the price of processes).
    pub notes: Vec<String>,
}

impl Outcome {
    /// The measured value of `series` at `x`.
    pub fn at(&self, series: &str, x: f64) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.series == series && (r.x - x).abs() < 1e-9)
    }

    fn ms(&self, series: &str, x: f64) -> f64 {
        self.at(series, x).map_or(f64::NAN, |r| r.measured_ms)
    }
}

/// Runs lesson `n` (not 7, which runs in the browser) at sizes `s`.
pub fn run(n: u32, bench: &Bench, s: &Sizes, progress: &ProgressBar) -> Result<Outcome> {
    match n {
        1 => tasks_lesson(n, bench, s, progress, &[(Serial, false)]),
        2 => tasks_lesson(n, bench, s, progress, &[(Serial, false), (Async, false)]),
        3 => tasks_lesson(
            n,
            bench,
            s,
            progress,
            &[(Async, false), (Async, true), (Gil, true)],
        ),
        4 => tasks_lesson(
            n,
            bench,
            s,
            progress,
            &[(Serial, true), (Async, true), (Processes, true)],
        ),
        5 => tasks_lesson(
            n,
            bench,
            s,
            progress,
            &[(Async, true), (Processes, true), (Threads, true)],
        ),
        6 => copying_lesson(bench, s, progress),
        8 => convoy::run(bench, s, progress),
        7 => bail!("lesson 7 runs in the browser; there is nothing to measure here"),
        other => bail!("there is no lesson {other}"),
    }
}

/// Lessons 1-5: sweeps over N, with and without CPU work, merged into one report.
fn tasks_lesson(
    n: u32,
    bench: &Bench,
    s: &Sizes,
    progress: &ProgressBar,
    series: &[(StrategyId, bool)],
) -> Result<Outcome> {
    let title = super::lessons::lesson(n).map_or("", |l| l.title);
    let mut report: Option<Report> = None;
    for cpu in [false, true] {
        let strategies: Vec<StrategyId> = series
            .iter()
            .filter(|(_, c)| *c == cpu)
            .map(|(s, _)| *s)
            .collect();
        if strategies.is_empty() {
            continue;
        }
        let config = SweepSpec {
            strategies,
            tasks: s.tasks.clone(),
            io_ms: s.io_ms,
            cpu_ratio: Some(if cpu { s.cpu_ratio } else { 0.0 }),
            title: Some(format!("{n}. {title}")),
            ..SweepSpec::default()
        };
        let part = bench.run(&config, progress, |_| Ok(()))?;
        match &mut report {
            Some(r) => r.points.extend(part.points),
            None => report = Some(part),
        }
    }
    // At least one of the two sweeps ran: every lesson has a series.
    let report = report.expect("a lesson has at least one series");
    let rows = markdown::series(&report)
        .into_iter()
        .flat_map(|(name, points)| {
            points.into_iter().map(move |p| Row {
                series: name.clone(),
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
    let chart = Chart {
        title: format!("{n}. {title}"),
    }
    .export(std::slice::from_ref(&report))?;
    let mut outcome = Outcome {
        rows,
        table,
        chart,
        report: Some(report),
        findings: Vec::new(),
        notes: Vec::new(),
    };
    tasks_findings(n, s, bench.cores(), &mut outcome);
    if let Some(note) = outcome
        .report
        .as_ref()
        .and_then(|r| busy_machine_note(r, s))
    {
        outcome.notes.push(note);
    }
    Ok(outcome)
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

/// Extra ms per extra task between the smallest and the largest N.
fn slope(o: &Outcome, series: &str, s: &Sizes) -> f64 {
    let lo = s.tasks.iter().copied().min().unwrap_or(1);
    let hi = s.max_tasks();
    (o.ms(series, hi.into()) - o.ms(series, lo.into())) / f64::from((hi - lo).max(1))
}

fn tasks_findings(n: u32, s: &Sizes, cores: u32, o: &mut Outcome) {
    let (io, cpu, hi) = (s.io_ms, s.cpu_ms(), f64::from(s.max_tasks()));
    let mut found = Vec::new();
    let mut claim = |holds: bool, text: String| found.push(Finding { holds, text });
    let grows_by = |o: &Outcome, series: &str, per: f64, what: &str| {
        let k = slope(o, series, s);
        (
            k > 0.6 * per,
            format!("{series} grew by {k:.0} ms per extra task — about {what} ({per:.0} ms)"),
        )
    };
    let flat = |o: &Outcome, series: &str| {
        let lo = f64::from(s.tasks.iter().copied().min().unwrap_or(1));
        let (a, b) = (o.ms(series, lo), o.ms(series, hi));
        (
            b < 1.6 * a,
            format!(
                "{series} stayed flat: {a:.0} ms at N = {lo}, {b:.0} ms at N = {hi}: one thread \
                 waits for all the fetches at once"
            ),
        )
    };
    let faster = |o: &Outcome, fast: &str, slow: &str| {
        let (f, w) = (o.ms(fast, hi), o.ms(slow, hi));
        (
            f < 0.85 * w,
            format!(
                "{fast} took {f:.0} ms at N = {hi} against {slow}'s {w:.0} ms: {:.1}× faster",
                w / f
            ),
        )
    };
    match n {
        1 => {
            let (h, t) = grows_by(o, "serial", io, "one whole fetch");
            claim(h, format!("{t}: each fetch waits for the one before"));
        }
        2 => {
            let (h, t) = grows_by(o, "serial", io, "one whole fetch");
            claim(h, t);
            let (h, t) = flat(o, "async");
            claim(h, t);
        }
        3 => {
            let (h, t) = flat(o, "async (I/O only)");
            claim(h, t);
            for series in ["async + CPU", "gil + CPU"] {
                let (h, t) = grows_by(o, series, cpu, "one CPU slice");
                // Below serial's slope (io + cpu): the fetches still overlap; only CPU queues.
                let below_serial = slope(o, series, s) < io + cpu;
                claim(
                    h && below_serial,
                    format!("{t}: the CPU work takes turns on one thread — the wall"),
                );
            }
        }
        4 => {
            let (h, t) = faster(o, "processes", "async");
            claim(h, format!("{t}: the CPU work ran on several cores"));
            let lo = f64::from(s.tasks.iter().copied().min().unwrap_or(1));
            if let Some(r) = o.at("processes", lo) {
                o.notes.push(format!(
                    "the price: at N = {lo}, processes took {:.0} ms against the model's {:.0} \
                     ms — {:+.0} ms for starting a process and sending data both ways",
                    r.measured_ms,
                    r.model_ms,
                    r.measured_ms - r.model_ms
                ));
            }
        }
        5 => {
            let (h, t) = faster(o, "threads", "async");
            claim(h, format!("{t}: free threads get past the wall"));
            let best = o
                .at("async", hi)
                .zip(o.at("threads", hi))
                .map(|(a, t)| a.model_ms / t.model_ms);
            if let Some(best) = best {
                o.notes.push(format!(
                    "with {cores} cores the model allows at most {best:.1}× over async at N = \
                     {hi}: more tasks than cores share the cores"
                ));
            }
        }
        _ => {}
    }
    o.findings.extend(found);
}

/// Lesson 6: threads and processes over growing payloads with the features kernel.
fn copying_lesson(bench: &Bench, s: &Sizes, progress: &ProgressBar) -> Result<Outcome> {
    let mut rows = Vec::new();
    progress.set_length(s.payloads_kb.len() as u64 * 2);
    for &kb in &s.payloads_kb {
        let config = SweepSpec {
            strategies: vec![Threads, Processes],
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
        progress.inc(2);
        for p in report.points {
            rows.push(Row {
                series: p.strategy.clone(),
                x: kb as f64,
                measured_ms: p.median_ms,
                model_ms: p.model_ms,
            });
        }
    }
    progress.finish_and_clear();
    let chart = LineChart {
        title: format!("6. The price of copying ({} tasks)", s.copy_tasks),
        x_desc: "payload per task (KiB; sizes evenly spaced)".into(),
        series: Series::from_rows(&rows),
    }
    .svg()?;
    let table = super::plot::table(&rows, "payload (KiB)");
    let mut o = Outcome {
        rows,
        table,
        chart,
        report: None,
        findings: Vec::new(),
        notes: Vec::new(),
    };
    let lo = s.payloads_kb.iter().copied().min().unwrap_or(1) as f64;
    let hi = s.payloads_kb.iter().copied().max().unwrap_or(1) as f64;
    let gap = |x: f64| o.ms("processes", x) - o.ms("threads", x);
    let (g_lo, g_hi) = (gap(lo), gap(hi));
    o.notes.push(
        "both run above the model at large payloads: the server generates and sends every \
         payload, and the model counts only the fetch delay and the kernel"
            .to_string(),
    );
    o.findings.push(Finding {
        holds: g_hi > g_lo + 0.1 * s.io_ms,
        text: format!(
            "processes cost {g_lo:+.0} ms over threads at {lo} KiB and {g_hi:+.0} ms at {hi} KiB: \
             the bigger the payload, the more serialising and copying between processes costs"
        ),
    });
    Ok(o)
}
