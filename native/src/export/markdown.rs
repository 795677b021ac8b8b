//! The report as Markdown: a table per strategy × N with median, min–max, the model and the
//! two efficiencies (at the CPU asked, and at the CPU the kernels took), the sentences that say
//! what they mean and what failed, then a one-line verdict per strategy. `gilwall run` prints
//! the same summary. A point with failed tasks shows its failures instead of an efficiency.

use super::{Exporter, notes};
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
        out.push_str(&summary(report));
        Ok(out.into_bytes())
    }
}

/// The table, the notes under it and a verdict per strategy, as `gilwall run` and `gilwall
/// python` print them.
pub fn summary(report: &Report) -> String {
    let mut out = table(report);
    out.push('\n');
    for note in notes(report) {
        out.push_str(&note);
        out.push_str("\n\n");
    }
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

/// The table of every point, columns padded so it reads in a terminal too. A point with failed
/// tasks shows them where its efficiencies would be: its times measure failures, not the work.
/// The schedule column (the model at the CPU the kernels took ÷ the median) appears where some
/// point has one, the copies column where some strategy crossed heaps.
pub fn table(report: &Report) -> String {
    let with_schedule = has_schedule(report);
    let with_copies = report.points.iter().any(|p| p.copied_bytes.is_some());
    let mut header = vec!["strategy", "N", "median", "min–max", "model", "efficiency"];
    if with_schedule {
        header.push("schedule");
    }
    if with_copies {
        header.push("copied / task");
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (name, points) in series(report) {
        for p in points {
            let failed = notes::failed_cell(p);
            let mut row = vec![
                name.clone(),
                p.tasks.to_string(),
                // An all-failed point's median is how fast its tasks failed.
                if p.all_failed {
                    "—".to_string()
                } else {
                    format_ms(p.median_ms)
                },
                if p.samples_ms.len() > 1 && !p.all_failed {
                    format!("{}–{}", format_ms(p.min_ms), format_ms(p.max_ms))
                } else {
                    "—".to_string()
                },
                format_ms(p.model_ms),
                failed
                    .clone()
                    .unwrap_or_else(|| format!("{:.0}%", p.efficiency * 100.0)),
            ];
            if with_schedule {
                row.push(match (&failed, p.schedule_efficiency) {
                    (None, Some(s)) => format!("{:.0}%", s * 100.0),
                    _ => "—".to_string(),
                });
            }
            if with_copies {
                row.push(copied(p.copied_bytes, p.copy_ms));
            }
            rows.push(row);
        }
    }
    padded_rows(&header, &rows)
}

/// Whether some complete point of `report` has a schedule efficiency, so the table shows it.
fn has_schedule(report: &Report) -> bool {
    report
        .points
        .iter()
        .any(|p| p.complete() && p.schedule_efficiency.is_some())
}

/// The sentences under the table: what its efficiencies mean, how far the kernels drifted from
/// their calibration with how close the schedules came to ideal, and what failed.
pub fn notes(report: &Report) -> Vec<String> {
    let mut out = vec![notes::legend(has_schedule(report)).to_string()];
    out.extend(notes::Drift::of(report).map(|d| d.sentence()));
    out.extend(notes::failures(report));
    out
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
    let rows: Vec<Vec<String>> = rows.iter().map(|r| r.to_vec()).collect();
    padded_rows(header, &rows)
}

/// [`padded_table`] for a number of columns known only at run time; every row has as many
/// cells as `header`.
fn padded_rows(header: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].chars().count(), 3])
                .max()
                .unwrap_or(3)
        })
        .collect();
    let line = |cells: &[&str]| {
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
    let mut out = line(header);
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
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        out.push_str(&line(&cells));
    }
    out
}

/// One verdict per series with at least two task counts, judged from its complete points only
/// (one that has too few says so instead of naming a shape).
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
            without.lines().next().unwrap().ends_with("efficiency |"),
            "{without}"
        );
    }

    fn measured(mut p: Point, cpu: f64, model_at: f64) -> Point {
        p.cpu_measured_ms = Some(cpu);
        p.cpu_clock = Some(gilwall_core::report::CpuClock::Thread);
        p.set_model_at_measured(model_at);
        p
    }

    #[test]
    fn the_table_shows_both_efficiencies_and_failures_instead_of_speed() {
        // A failed serial point that finished fast: its "efficiency" would read 261 %.
        let mut broken = point("serial", None);
        broken.tasks = 4;
        broken.median_ms = 780.0;
        broken.model_ms = 2040.0;
        broken.efficiency = 2040.0 / 780.0;
        broken.errors = 3;
        broken.error_sample = Some("fetch: connection refused".into());
        let mut dead = point("async", None);
        dead.errors = 2;
        dead.all_failed = true;
        let r = report(vec![
            measured(point("threads", None), 56.0, 158.0),
            broken,
            dead,
        ]);
        let out = summary(&r);
        let table: String = out.lines().take(5).map(|l| format!("{l}\n")).collect();
        assert_eq!(
            table,
            "| strategy |   N | median | min–max |  model |          efficiency | schedule |\n\
             | -------- | --: | -----: | ------: | -----: | ------------------: | -------: |\n\
             | threads  |   2 | 160 ms |       — | 150 ms |                 94% |      99% |\n\
             | serial   |   4 | 780 ms |       — | 2.04 s | 3 of 4 tasks failed |        — |\n\
             | async    |   2 |      — |       — | 150 ms |          all failed |        — |\n",
            "{out}"
        );
        assert!(!out.contains("261%"), "{out}");
        assert!(
            out.contains(
                "efficiency: the model at the CPU asked ÷ the median; schedule: the model at the \
                 CPU the kernels took ÷ the median (the runtime alone); 100 % is ideal."
            ),
            "{out}"
        );
        assert!(
            out.contains(
                "The kernels ran 12 % slower than calibrated (56 ms of CPU per task for 50 ms \
                 asked): that much is the machine, not the runtime; at the CPU they took, the \
                 schedules were 99 % of ideal."
            ),
            "{out}"
        );
        assert!(
            out.contains(
                "Failed tasks: 2 of 3 points show no efficiency and are left out of the verdicts \
                 and the chart, because their times measure failures, not the work: serial N=4 \
                 (3 of 4 tasks failed); async N=2 (all 2). The first error, at serial N=4: \
                 fetch: connection refused."
            ),
            "{out}"
        );
    }
}
