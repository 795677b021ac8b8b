//! The report as CSV: one row per point, for spreadsheets.
//!
//! Every point is a row, failed or not: the CSV is data. But a point with failed tasks has its
//! efficiency columns empty — its times measure how fast things failed, so a ratio to the model
//! would read as speed — and `complete`, `errors`, `all_failed` and `error_sample` say what
//! happened. Both efficiencies are there: `efficiency` at the CPU asked, `schedule_efficiency`
//! at the CPU the kernels took (`cpu_measured_ms`, read from the clock `cpu_clock` names).

use super::Exporter;
use anyhow::Result;
use gilwall_core::report::{CpuClock, Report};
use std::fmt::Write;

/// Writes every point of every report, with the report's runtime in the first column.
pub struct Csv;

/// The header row.
pub const HEADER: &str = "runtime,strategy,tasks,workers,io_ms,cpu_ms,cpu_iters,kernel,payload_bytes,median_ms,min_ms,max_ms,model_ms,efficiency,model_at_measured_ms,schedule_efficiency,complete,errors,all_failed,error_sample,cpu_measured_ms,cpu_clock,copied_bytes,copy_ms,samples_ms";

impl Exporter for Csv {
    fn export(&self, reports: &[Report]) -> Result<Vec<u8>> {
        let mut out = String::from(HEADER);
        out.push('\n');
        for r in reports {
            let runtime = serde_json::to_value(r.runtime)?
                .as_str()
                .unwrap_or_default()
                .to_string();
            for p in &r.points {
                let opt = |v: Option<String>| v.unwrap_or_default();
                let complete = p.complete();
                // Only a complete point's times measure the work.
                let ratio = |v: Option<f64>| opt(v.filter(|_| complete).map(|e| format!("{e:.4}")));
                let samples: Vec<String> = p.samples_ms.iter().map(|s| format!("{s:.3}")).collect();
                writeln!(
                    out,
                    "{runtime},{},{},{},{},{},{},{},{},{:.3},{:.3},{:.3},{:.3},{},{},{},{},{},{},{},{},{},{},{},\"{}\"",
                    field(&p.strategy),
                    p.tasks,
                    opt(p.workers.map(|w| w.to_string())),
                    p.io_ms,
                    p.cpu_ms,
                    opt(p.cpu_iters.map(|i| i.to_string())),
                    field(p.kernel.as_deref().unwrap_or("")),
                    p.payload_bytes,
                    p.median_ms,
                    p.min_ms,
                    p.max_ms,
                    p.model_ms,
                    ratio(Some(p.efficiency)),
                    opt(p.model_at_measured_ms.map(|m| format!("{m:.3}"))),
                    ratio(p.schedule_efficiency),
                    complete,
                    p.errors,
                    p.all_failed,
                    field(p.error_sample.as_deref().unwrap_or("")),
                    opt(p.cpu_measured_ms.map(|c| format!("{c:.3}"))),
                    match p.cpu_clock {
                        Some(CpuClock::Thread) => "thread",
                        Some(CpuClock::Wall) => "wall",
                        None => "",
                    },
                    opt(p.copied_bytes.map(|b| b.to_string())),
                    opt(p.copy_ms.map(|c| format!("{c:.3}"))),
                    samples.join(";"),
                )?;
            }
        }
        Ok(out.into_bytes())
    }
}

/// Quotes a text field if it holds a comma, a quote or a line break.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gilwall_core::report::{Machine, Point, PointSpec, ReportRuntime};

    fn point(tasks: u32) -> Point {
        let spec = PointSpec {
            strategy: "serial".into(),
            tasks,
            workers: None,
            io_ms: 100.0,
            cpu_ms: 20.0,
            cpu_iters: Some(1000),
            kernel: Some("sqrt".into()),
            payload_bytes: 1024,
        };
        Point::new(spec, vec![130.0, 125.0], 120.0, 0).unwrap()
    }

    #[test]
    fn every_point_is_a_row_and_failed_ones_have_no_efficiency() {
        let mut ok = point(1);
        ok.cpu_measured_ms = Some(22.5);
        ok.cpu_clock = Some(CpuClock::Thread);
        ok.set_model_at_measured(122.5);
        let mut failed = point(2);
        failed.errors = 3;
        failed.error_sample = Some("fetch \"x\": connection refused, twice".into());
        let mut r = Report::new(ReportRuntime::Native, Machine::default(), "now".into());
        r.points = vec![ok, failed];
        let text = String::from_utf8(Csv.export(&[r]).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[0], HEADER);
        assert_eq!(
            lines[1],
            "native,serial,1,,100,20,1000,sqrt,1024,127.500,125.000,130.000,120.000,0.9412,\
             122.500,0.9608,true,0,false,,22.500,thread,,,\"130.000;125.000\""
        );
        assert_eq!(
            lines[2],
            "native,serial,2,,100,20,1000,sqrt,1024,127.500,125.000,130.000,120.000,,,,false,3,\
             false,\"fetch \"\"x\"\": connection refused, twice\",,,,,\"130.000;125.000\""
        );
        // The header and every row have as many columns (outside quotes).
        let columns = |l: &str| {
            let mut quoted = false;
            1 + l
                .chars()
                .filter(|&c| {
                    if c == '"' {
                        quoted = !quoted;
                    }
                    c == ',' && !quoted
                })
                .count()
        };
        assert!(
            lines.iter().all(|l| columns(l) == columns(HEADER)),
            "{text}"
        );
    }
}
