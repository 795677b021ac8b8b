//! `gilwall blog`: the article's five experiments, in its order, plus the Go analog.
//!
//! Each unique measurement (a strategy with or without CPU work) is taken once and shared by
//! every experiment that shows it, as the article's figures reuse earlier lines. For each
//! experiment it writes a JSON report, an SVG chart and a Markdown summary, plus an index; step 3
//! also draws the timelines of async and the multicore analog side by side at one N.
//! Points with failed tasks are written too, shown as failures and left out of the verdicts
//! and charts; the caller learns which failed, to say so and fail.

use crate::companions;
use crate::export::gantt::{self, Gantt};
use crate::export::{self, Exporter, chart::Chart, json::Json, markdown::Markdown};
use crate::sweep::Bench;
use anyhow::{Context, Result};
use gilwall_core::StrategyId;
use gilwall_core::report::Report;
use gilwall_core::sweep::SweepSpec;
use indicatif::ProgressBar;
use std::fmt::Write;
use std::path::PathBuf;

/// One of the article's experiments.
pub struct Experiment {
    /// File name stem, e.g. `3-cpu`.
    pub slug: &'static str,
    /// Chart title.
    pub title: &'static str,
    /// What the reader should see.
    pub lesson: &'static str,
    /// The series it shows: strategy, and whether tasks do CPU work.
    pub series: &'static [(StrategyId, bool)],
    /// The strategies (with CPU work) whose timelines it also draws side by side at one N, as
    /// `{slug}-timeline.svg`; none for most.
    pub timeline: &'static [StrategyId],
}

use StrategyId::{Async, Gil, Multicore, Processes, Serial, Threads};

/// The experiments, in the article's order.
pub const EXPERIMENTS: &[Experiment] = &[
    Experiment {
        slug: "1-serial",
        title: "1. Serial: blocking I/O",
        lesson: "Each fetch waits for the one before: the makespan grows by one delay per task.",
        series: &[(Serial, false)],
        timeline: &[],
    },
    Experiment {
        slug: "2-async",
        title: "2. Non-blocking I/O: async scales flat",
        lesson: "One thread waits for all fetches at once: async stays at one delay however many tasks.",
        series: &[(Serial, false), (Async, false)],
        timeline: &[],
    },
    Experiment {
        slug: "3-cpu",
        title: "3. I/O + CPU: the wall",
        lesson: "With CPU work at half the I/O time, async on one thread (and threads under a GIL) grow by \
                 one CPU slice per task, back toward serial; Go's analog spreads the CPU over the cores.",
        series: &[
            (Serial, true),
            (Async, false),
            (Async, true),
            (Gil, true),
            (Multicore, true),
        ],
        // The wall as a schedule: one event loop computing task after task, against Go's
        // analog computing on every core at once.
        timeline: &[Async, Multicore],
    },
    Experiment {
        slug: "4-processes",
        title: "4. Processes get past the wall",
        lesson: "A process per task runs CPU work on every core, paying for start-up and serialised data.",
        series: &[
            (Serial, true),
            (Async, true),
            (Processes, true),
            (Multicore, true),
        ],
        timeline: &[],
    },
    Experiment {
        slug: "5-threads",
        title: "5. Free threads get past it too",
        lesson: "Threads without a global lock run CPU work on every core, with no copies.",
        series: &[
            (Serial, true),
            (Async, true),
            (Processes, true),
            (Threads, true),
            (Multicore, true),
        ],
        timeline: &[],
    },
];

/// What `gilwall blog` measures.
#[derive(Debug, Clone)]
pub struct BlogConfig {
    /// Fetch delay, ms (the article: 1000; default here 100 so it finishes in about a minute).
    pub io_ms: f64,
    /// Task counts (the article: 1..32).
    pub tasks: Vec<u32>,
    /// Repeats per point.
    pub repeats: u32,
    /// CPU work as a fraction of the fetch delay (the article: 0.5).
    pub cpu_ratio: f64,
    /// Where to write.
    pub out: PathBuf,
    /// The article's own runtimes (CPython, Go) to measure beside gilwall's strategies, taking
    /// turns at each N (`--with python,go`); none by default, so the default blog stays fast.
    pub with: companions::WithRuntimes,
}

/// What [`run`] wrote, and what failed while measuring it.
#[derive(Debug, Clone)]
pub struct Written {
    /// The index first, then each experiment's chart.
    pub files: Vec<PathBuf>,
    /// The paragraph naming the points with failed tasks (their strategies, N, how many tasks,
    /// the first error); `None` when every point ran without failures.
    pub failed: Option<String>,
}

/// Runs the experiments and writes their files, failed points included (they are data, shown
/// as failures and left out of verdicts and charts); returns what it wrote and what failed.
pub fn run(bench: &Bench, config: &BlogConfig, progress: &ProgressBar) -> Result<Written> {
    let mut wanted: Vec<(StrategyId, bool)> = Vec::new();
    for e in EXPERIMENTS {
        for s in e.series {
            if !wanted.contains(s) {
                wanted.push(*s);
            }
        }
    }
    let sweep = |cpu: bool| SweepSpec {
        strategies: wanted
            .iter()
            .filter(|(_, c)| *c == cpu)
            .map(|(s, _)| *s)
            .collect(),
        tasks: config.tasks.clone(),
        io_ms: config.io_ms,
        cpu_ratio: Some(if cpu { config.cpu_ratio } else { 0.0 }),
        repeats: config.repeats,
        ..SweepSpec::default()
    };
    // With the real runtimes, each N is measured by all in turns; without, two plain sweeps.
    let (io_only, with_cpu, real) = if config.with.is_empty() {
        let io_only = bench.run(&sweep(false), progress, |_| Ok(()))?;
        let with_cpu = bench.run(&sweep(true), progress, |_| Ok(()))?;
        (io_only, with_cpu, Vec::new())
    } else {
        let m = companions::take_turns(
            bench,
            &config.with,
            &sweep(false),
            &sweep(true),
            config.cpu_ratio * config.io_ms,
            progress,
        )?;
        (m.io_only, m.with_cpu, m.real)
    };

    let mut written = Vec::new();
    let mut index = String::from("# gilwall blog: the article's experiments\n\n");
    writeln!(
        index,
        "Fetch delay {} ms, CPU work {} × the delay, N = {:?}, {} repeat(s), {} cores.\n",
        config.io_ms,
        config.cpu_ratio,
        config.tasks,
        config.repeats,
        bench.cores()
    )?;
    for e in EXPERIMENTS {
        let mut report = Report {
            title: Some(e.title.to_string()),
            points: Vec::new(),
            ..with_cpu.clone()
        };
        for &(strategy, cpu) in e.series {
            let source = if cpu { &with_cpu } else { &io_only };
            report.points.extend(
                source
                    .points
                    .iter()
                    .filter(|p| p.strategy == strategy.as_str())
                    .cloned(),
            );
        }
        let base = config.out.join(e.slug);
        // The real runtimes' points with this experiment's schedules share its chart and table.
        let mut shown = vec![report.clone()];
        shown.extend(
            real.iter()
                .map(|r| companions::for_series(r, e.series))
                .filter(|r| !r.points.is_empty()),
        );
        let files = [
            (
                base.with_extension("json"),
                Json.export(std::slice::from_ref(&report))?,
            ),
            (
                base.with_extension("svg"),
                Chart {
                    title: e.title.to_string(),
                }
                .export(&shown)?,
            ),
            (
                base.with_extension("md"),
                with_lesson(e, Markdown.export(&shown)?),
            ),
        ];
        for (path, bytes) in &files {
            export::write(path, bytes)?;
        }
        for r in &shown[1..] {
            let path = config
                .out
                .join(format!("{}-{}.json", e.slug, companions::suffix(r)));
            export::write(&path, &Json.export(std::slice::from_ref(r))?)?;
        }
        writeln!(
            index,
            "## {}\n\n{}\n\n![{}]({}.svg)\n",
            e.title, e.lesson, e.title, e.slug
        )?;
        if let Some((name, n, svg)) = timeline_figure(e, &with_cpu)? {
            export::write(&config.out.join(&name), &svg)?;
            writeln!(
                index,
                "The schedule behind it at N = {n}: each lane is a thread, time runs left to \
                 right; fetches are blue, waiting for the CPU grey, CPU work red.\n\n\
                 ![the timelines at N = {n}]({name})\n"
            )?;
        }
        for r in &shown {
            index.push_str(&crate::export::markdown::summary(r));
            index.push('\n');
        }
        written.push(files[1].0.clone());
    }
    let index_path = config.out.join("index.md");
    export::write(&index_path, index.as_bytes()).context("writing the index")?;
    written.insert(0, index_path);
    // Both sweeps as one report, so a strategy measured with and without CPU work is named
    // apart ("async (I/O only)", "async + CPU").
    let measured = Report {
        points: io_only
            .points
            .iter()
            .chain(&with_cpu.points)
            .cloned()
            .collect(),
        ..with_cpu.clone()
    };
    let mut all: Vec<&Report> = vec![&measured];
    all.extend(&real);
    Ok(Written {
        files: written,
        failed: export::notes::failure_summary(&all),
    })
}

/// The experiment's timeline figure (file name, N, SVG) from the CPU sweep, at the largest N
/// up to 16; `None` when it draws none.
fn timeline_figure(e: &Experiment, with_cpu: &Report) -> Result<Option<(String, u32, Vec<u8>)>> {
    if e.timeline.is_empty() {
        return Ok(None);
    }
    let report = Report {
        points: e
            .timeline
            .iter()
            .flat_map(|s| with_cpu.points.iter().filter(|p| p.strategy == s.as_str()))
            .cloned()
            .collect(),
        ..with_cpu.clone()
    };
    let Some(n) = gantt::default_tasks(&gantt::task_counts(std::slice::from_ref(&report))) else {
        return Ok(None);
    };
    let title = format!("{}: the schedule at N={n}", e.title);
    let svg = Gantt { title, tasks: n }.export(std::slice::from_ref(&report))?;
    Ok(Some((format!("{}-timeline.svg", e.slug), n, svg)))
}

fn with_lesson(e: &Experiment, markdown: Vec<u8>) -> Vec<u8> {
    let mut out = format!("{}\n\n", e.lesson).into_bytes();
    out.extend(markdown);
    out
}
