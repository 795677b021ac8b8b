//! The load points of a report (`gilwall load`) as CSV, and as the table `load` prints: each
//! step's measured and modelled latency, then each strategy's knee in words — where the model
//! says it saturates and why, and where the measurement turned.

use super::Exporter;
use anyhow::Result;
use gilwall_core::load::LoadPoint;
use gilwall_core::report::Report;
use std::fmt::Write;

/// Every load point of every report, one CSV row each; a failed step's latency columns hold
/// what its answered requests took, and its `errors` say it failed.
pub struct LoadCsv;

impl Exporter for LoadCsv {
    fn export(&self, reports: &[Report]) -> Result<Vec<u8>> {
        let mut out = String::from(
            "strategy,workers,arrivals,rate_rps,achieved_rps,duration_s,io_ms,cpu_ms,sent,ok,errors,rejected,\
             p50_ms,p90_ms,p99_ms,p999_ms,max_ms,model_p50_ms,model_p99_ms,model_cpu_ms,capacity_rps,\
             send_late_p99_ms,cpu_measured_ms\n",
        );
        let opt = |v: Option<f64>| v.map(|v| format!("{v:.3}")).unwrap_or_default();
        for p in reports.iter().flat_map(|r| &r.load_points) {
            let l = p.latency_ms;
            writeln!(
                out,
                "{},{},{},{},{:.3},{},{},{},{},{},{},{},{},{},{},{},{},{:.3},{:.3},{:.3},{},{:.3},{}",
                p.strategy,
                p.workers.map(|w| w.to_string()).unwrap_or_default(),
                p.arrivals.as_str(),
                p.rate_rps,
                p.achieved_rps,
                p.duration_s,
                p.io_ms,
                p.cpu_ms,
                p.sent,
                p.ok,
                p.errors,
                p.rejected,
                opt(l.map(|l| l.p50)),
                opt(l.map(|l| l.p90)),
                opt(l.map(|l| l.p99)),
                opt(l.map(|l| l.p999)),
                opt(l.map(|l| l.max)),
                p.model_latency_ms.p50,
                p.model_latency_ms.p99,
                p.model_cpu_ms,
                opt(p.capacity_rps),
                p.send_late_p99_ms,
                opt(p.cpu_measured_ms),
            )?;
        }
        Ok(out.into_bytes())
    }
}

fn num(v: f64) -> String {
    if v >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// How a point's app is named in tables and charts: its strategy, and for one served by another
/// runtime than gilwall (the Python app) that runtime too, so `asyncio (python)` reads apart
/// from gilwall's `async`.
pub(crate) fn label(p: &LoadPoint) -> String {
    p.label()
}

/// The gilwall strategy a point was modelled as: its own, or the one `modelled_as` names.
pub(crate) fn modelled(p: &LoadPoint) -> &str {
    p.modelled_as.as_deref().unwrap_or(&p.strategy)
}

/// The table `gilwall load` prints, Markdown, with each strategy's knee in words below it.
pub fn table(report: &Report) -> String {
    let mut out = String::from(
        "| strategy | offered req/s | achieved | p50 ms | p99 ms | p99.9 ms | model p50 | model p99 | failed | CPU/req ms |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let points = &report.load_points;
    for p in points {
        let (p50, p99, p999) = match p.latency_ms {
            Some(l) => (num(l.p50), num(l.p99), num(l.p999)),
            None => ("—".into(), "—".into(), "—".into()),
        };
        let failed = match (p.errors, p.rejected) {
            (0, _) => "0".to_string(),
            (e, 0) => format!("{e} of {}", p.sent),
            (e, r) => format!("{e} of {} ({r} × 503)", p.sent),
        };
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "| {} | {} | {} | {p50} | {p99} | {p999} | {} | {} | {failed} | {} |",
            label(p),
            num(p.rate_rps),
            num(p.achieved_rps),
            num(p.model_latency_ms.p50),
            num(p.model_latency_ms.p99),
            p.cpu_measured_ms.map(num).unwrap_or_else(|| "—".into()),
        );
    }
    out.push('\n');
    let mut seen: Vec<String> = Vec::new();
    for p in points {
        if seen.contains(&label(p)) {
            continue;
        }
        seen.push(label(p));
        let mine: Vec<&LoadPoint> = points.iter().filter(|q| label(q) == label(p)).collect();
        let _ = writeln!(out, "- {}", knee(&mine, report.machine.cores));
    }
    let late: Vec<String> = points
        .iter()
        .filter(|p| p.send_late_p99_ms > LATE_MS)
        .map(|p| {
            format!(
                "{} at {} req/s (p99 {:.1} ms)",
                p.strategy,
                num(p.rate_rps),
                p.send_late_p99_ms
            )
        })
        .collect();
    if !late.is_empty() {
        let _ = writeln!(
            out,
            "- The load generator itself sent late at {}; latencies still count from the intended \
             send times, but the offered rate was not held.",
            late.join(", ")
        );
    }
    out
}

/// Send lateness above which the generator, not the app, may have limited a step, ms.
pub const LATE_MS: f64 = 2.0;

/// One strategy's knee in words (core's wording, which the page shares).
fn knee(points: &[&LoadPoint], cores: u32) -> String {
    gilwall_core::load::knee_words(points, cores)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gilwall_core::load::{Arrivals, ModelLatency, Percentiles};

    fn point(strategy: &str, rate: f64, p99: f64, achieved: f64) -> LoadPoint {
        LoadPoint {
            strategy: strategy.into(),
            workers: None,
            arrivals: Arrivals::Poisson,
            rate_rps: rate,
            duration_s: 5.0,
            io_ms: 50.0,
            cpu_ms: 20.0,
            kernel: Some("sqrt".into()),
            payload_bytes: 1024,
            sent: 100,
            ok: 100,
            errors: 0,
            rejected: 0,
            achieved_rps: achieved,
            latency_ms: Some(Percentiles {
                p50: 71.0,
                p90: 80.0,
                p99,
                p999: p99,
                max: p99,
            }),
            model_latency_ms: ModelLatency {
                p50: 70.0,
                p99: 90.0,
            },
            model_cpu_ms: 20.0,
            capacity_rps: Some(50.0),
            send_late_p99_ms: 0.5,
            cpu_measured_ms: Some(21.0),
            error_sample: None,
            runtime: None,
            modelled_as: None,
            gil_enabled: None,
        }
    }

    #[test]
    fn the_table_says_the_knee_in_words() {
        let mut r = Report::new(
            gilwall_core::report::ReportRuntime::Native,
            gilwall_core::report::Machine {
                cores: 2,
                ..Default::default()
            },
            "2026-12-01T00:00:00Z".into(),
        );
        r.load_points = vec![
            point("async", 10.0, 80.0, 10.0),
            point("async", 40.0, 300.0, 40.0),
            point("async", 70.0, 2000.0, 49.0),
        ];
        let t = table(&r);
        assert!(
            t.contains("async saturates at 50 req/s: one thread, 20 ms of CPU each"),
            "{t}"
        );
        assert!(t.contains("3.8× that (300 ms) at 40 req/s"), "{t}");
        assert!(t.contains("offered 70 req/s it answered only 49"), "{t}");
        let mut failed = point("async", 90.0, 100.0, 40.0);
        failed.errors = 3;
        failed.rejected = 3;
        r.load_points.push(failed);
        assert!(table(&r).contains("3 of 100 (3 × 503)"));
        let csv = String::from_utf8(LoadCsv.export(&[r]).unwrap()).unwrap();
        assert_eq!(csv.lines().count(), 5);
        assert!(
            csv.lines()
                .nth(1)
                .unwrap()
                .starts_with("async,,poisson,10,10.000,")
        );
    }
}
