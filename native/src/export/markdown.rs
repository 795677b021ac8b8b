//! The report as Markdown: a table per strategy × N with median, min–max, the model and the
//! efficiency, then a one-line verdict per strategy. `gilwall run` prints the same table.

use super::Exporter;
use crate::verdict::verdict;
use anyhow::Result;
use gilwall_core::report::{Point, Report};
use std::fmt::Write;

/// Writes the first report as Markdown.
pub struct Markdown;

impl Exporter for Markdown {
    fn export(&self, reports: &[Report]) -> Result<Vec<u8>> {
        let report = reports
            .first()
            .ok_or_else(|| anyhow::anyhow!("no report to export"))?;
        let mut out = String::new();
        if let Some(title) = &report.title {
            writeln!(out, "## {title}\n")?;
        }
        let m = &report.machine;
        writeln!(
            out,
            "Measured {} on {} cores ({}), gilwall {}.\n",
            report.created_at,
            m.cores,
            m.cpu_model
                .as_deref()
                .or(m.user_agent.as_deref())
                .unwrap_or("unknown CPU"),
            report.tool_version
        )?;
        out.push_str(&table(report));
        out.push('\n');
        for line in verdicts(report) {
            writeln!(out, "- {line}")?;
        }
        Ok(out.into_bytes())
    }
}

/// The table and a verdict per strategy, as `gilwall run` and `gilwall python` print them.
pub fn summary(report: &Report) -> String {
    let mut out = table(report);
    out.push('\n');
    for line in verdicts(report) {
        out.push_str(&format!("- {line}\n"));
    }
    out
}

/// A series: one strategy at one io/cpu setting (the blog mixes `async` with and without CPU).
pub fn series(report: &Report) -> Vec<(String, Vec<&Point>)> {
    let mut out: Vec<(String, Vec<&Point>)> = Vec::new();
    // Name the CPU setting only where the report mixes I/O-only and CPU runs.
    let mixed = report.points.iter().any(|p| p.cpu_ms == 0.0)
        && report.points.iter().any(|p| p.cpu_ms > 0.0);
    for p in &report.points {
        let name = match (mixed, p.cpu_ms == 0.0) {
            (false, _) => p.strategy.clone(),
            (true, true) => format!("{} (I/O only)", p.strategy),
            (true, false) => format!("{} + CPU", p.strategy),
        };
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, pts)) => pts.push(p),
            None => out.push((name, vec![p])),
        }
    }
    out
}

/// The table of every point, columns padded so it reads in a terminal too.
pub fn table(report: &Report) -> String {
    let header = [
        "strategy",
        "N",
        "median",
        "min–max",
        "model",
        "efficiency",
        "errors",
        "copied / task",
    ];
    let mut rows: Vec<[String; 8]> = Vec::new();
    for (name, points) in series(report) {
        for p in points {
            rows.push([
                name.clone(),
                p.tasks.to_string(),
                if p.all_failed {
                    "all failed".to_string()
                } else {
                    format_ms(p.median_ms)
                },
                if p.samples_ms.len() > 1 {
                    format!("{}–{}", format_ms(p.min_ms), format_ms(p.max_ms))
                } else {
                    "—".to_string()
                },
                format_ms(p.model_ms),
                format!("{:.0}%", p.efficiency * 100.0),
                p.errors.to_string(),
                copied(p.copied_bytes, p.copy_ms),
            ]);
        }
    }
    // The copies column only where some strategy crossed heaps (processes, the page's workers).
    if report.points.iter().any(|p| p.copied_bytes.is_some()) {
        return padded_table(&header, &rows);
    }
    let first7 = |r: &[String; 8]| -> [String; 7] { std::array::from_fn(|i| r[i].clone()) };
    let header7: [&str; 7] = std::array::from_fn(|i| header[i]);
    padded_table(&header7, &rows.iter().map(first7).collect::<Vec<_>>())
}

/// What one task copied between heaps, as the table shows it: `4.0 MiB in 9.9 ms`.
fn copied(bytes: Option<u64>, ms: Option<f64>) -> String {
    match bytes {
        None => "—".to_string(),
        Some(b) => {
            let size = if b >= 1 << 20 {
                format!("{:.1} MiB", b as f64 / f64::from(1 << 20))
            } else if b >= 1024 {
                format!("{:.0} KiB", b as f64 / 1024.0)
            } else {
                format!("{b} B")
            };
            format!("{size} in {:.1} ms", ms.unwrap_or(0.0))
        }
    }
}

/// A Markdown table whose columns are padded so it reads in a terminal too: the first column
/// left-aligned, the others right-aligned.
pub fn padded_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let widths: [usize; N] = std::array::from_fn(|i| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([header[i].chars().count(), 3])
            .max()
            .unwrap_or(3)
    });
    let line = |cells: [&str; N]| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = " ".repeat(widths[i] - c.chars().count());
                if i == 0 {
                    format!("{c}{pad}")
                } else {
                    format!("{pad}{c}")
                }
            })
            .collect();
        format!("| {} |\n", padded.join(" | "))
    };
    let mut out = line(*header);
    let rule: Vec<String> = widths
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i == 0 {
                "-".repeat(*w)
            } else {
                format!("{}:", "-".repeat(w - 1))
            }
        })
        .collect();
    out.push_str(&format!("| {} |\n", rule.join(" | ")));
    for r in rows {
        out.push_str(&line(std::array::from_fn(|i| r[i].as_str())));
    }
    out
}

/// One verdict per series with at least two task counts.
pub fn verdicts(report: &Report) -> Vec<String> {
    series(report)
        .into_iter()
        .filter_map(|(name, pts)| {
            verdict(&pts, report.machine.cores).map(|v| format!("**{name}**: {v}"))
        })
        .collect()
}

/// Milliseconds for people: `850 ms`, `1.25 s`.
pub fn format_ms(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gilwall_core::report::{Machine, PointSpec, ReportRuntime};

    fn point(strategy: &str, copies: Option<(u64, f64)>) -> Point {
        let spec = PointSpec {
            strategy: strategy.into(),
            tasks: 2,
            workers: None,
            io_ms: 100.0,
            cpu_ms: 50.0,
            cpu_iters: None,
            kernel: Some("features".into()),
            payload_bytes: 4 << 20,
        };
        let mut p = Point::new(spec, vec![160.0], 150.0, 0).unwrap();
        p.copied_bytes = copies.map(|c| c.0);
        p.copy_ms = copies.map(|c| c.1);
        p
    }

    fn report(points: Vec<Point>) -> Report {
        let mut r = Report::new(ReportRuntime::Native, Machine::default(), "now".into());
        r.points = points;
        r
    }

    #[test]
    fn the_table_shows_copies_only_where_a_strategy_crossed_heaps() {
        let with = table(&report(vec![
            point("threads", None),
            point("processes", Some((4_194_506, 9.97))),
        ]));
        assert!(
            with.lines().next().unwrap().ends_with("copied / task |"),
            "{with}"
        );
        assert!(with.contains("4.0 MiB in 10.0 ms"), "{with}");
        assert!(with.lines().nth(2).unwrap().ends_with("— |"), "{with}");
        let without = table(&report(vec![point("threads", None)]));
        assert!(!without.contains("copied"), "{without}");
        assert!(
            without.lines().next().unwrap().ends_with("errors |"),
            "{without}"
        );
    }
}
