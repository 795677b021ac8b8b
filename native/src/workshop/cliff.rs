//! Lesson 9's run, the cliff: the article's app as services (`gilwall app`, one per strategy)
//! under the same open-loop load, through `gilwall load`'s own [`load::run`] — so the lesson
//! measures exactly what the command does: Poisson arrivals, each request timed from its
//! intended send time, HDR histograms, the queueing model beside every step.
//!
//! Each strategy gets its own run with the same seed, so step k of every strategy draws the
//! same arrivals: both apps are offered the very same requests at the very same moments, and
//! any difference between their latencies is how they serve, not luck of the draw. The rates
//! are fractions of what one thread serves (1000 ÷ CPU ms a second): async's capacity, where
//! the article's step 3 hits its wall as a service's users feel it.

use super::measure::{Outcome, Row, Sizes};
use crate::export::{Exporter, load::table, load_chart::LoadChart};
use crate::load::{self, LoadOptions, Rates};
use crate::sweep::Bench;
use anyhow::{Result, anyhow};
use gilwall_core::lesson::{Lesson, Line, Series};
use gilwall_core::load::Arrivals;
use gilwall_core::report::Report;
use gilwall_core::{Kernel, StrategyId};
use indicatif::ProgressBar;

/// The arrivals' seed: the same for every strategy, so they are offered the same requests.
pub const SEED: u64 = 1;

/// The payload each request fetches, bytes (`gilwall load`'s default, 1 KiB).
const PAYLOAD_BYTES: u64 = 1024;

/// Runs `strategies` as services at `s`'s load rates, one after another, into one report.
pub(super) fn run(
    lesson: &Lesson,
    strategies: &[StrategyId],
    bench: &Bench,
    s: &Sizes,
    progress: &ProgressBar,
) -> Result<Outcome> {
    let title = format!(
        "{}. {}: fetch {} ms + {} ms CPU per request",
        lesson.number, lesson.title, s.io_ms, s.load_cpu_ms
    );
    let mut report: Option<Report> = None;
    for &strategy in strategies {
        let options = LoadOptions {
            strategies: vec![strategy],
            rates: Rates::List(s.load_rates()),
            arrivals: Arrivals::Poisson,
            duration_s: s.load_duration_s,
            warmup_s: s.load_warmup_s,
            io_ms: s.io_ms,
            cpu_ms: s.load_cpu_ms,
            kernel: Kernel::Sqrt,
            payload_bytes: PAYLOAD_BYTES,
            workers: None,
            max_in_flight: crate::app::DEFAULT_MAX_IN_FLIGHT,
            app_url: None,
            timeout_ms: 60_000,
            seed: SEED,
            title: Some(title.clone()),
            python: None,
        };
        let part = load::run(&options, bench.worker_exe(), progress, |_| Ok(()))?;
        match &mut report {
            Some(r) => r.load_points.extend(part.load_points),
            None => report = Some(part),
        }
    }
    let report = report.ok_or_else(|| anyhow!("lesson {} drives no strategy", lesson.id))?;
    // One row per complete step: its p99 with the model's, what the question and the chart's
    // reader look at. A step with failed requests measured failures, so it has no row.
    let rows = strategies
        .iter()
        .flat_map(|&strategy| {
            let line = Line::Series(Series::cpu(strategy));
            let name = lesson.label(line);
            report
                .load_points
                .iter()
                .filter(move |p| p.strategy == strategy.as_str())
                .filter_map(move |p| {
                    Some(Row {
                        series: name.clone(),
                        line,
                        x: p.rate_rps,
                        measured_ms: p.latency_ms.filter(|_| p.complete())?.p99,
                        model_ms: p.model_latency_ms.p99,
                    })
                })
        })
        .collect();
    let table = format!(
        "{}- Every strategy was offered the same requests at the same moments (Poisson \
         arrivals, seed {SEED}), {} s measured per rate after {} s of warm-up.\n",
        table(&report),
        s.load_duration_s,
        s.load_warmup_s
    );
    let chart = LoadChart { title }.export(std::slice::from_ref(&report))?;
    Ok(Outcome {
        rows,
        table,
        chart,
        report: Some(report),
        python_reports: Vec::new(),
        findings: Vec::new(),
        notes: Vec::new(),
    })
}
