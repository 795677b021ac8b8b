//! The report as CSV: one row per point, for spreadsheets.

use super::Exporter;
use anyhow::Result;
use gilwall_core::report::Report;
use std::fmt::Write;

/// Writes every point of every report, with the report's runtime in the first column.
pub struct Csv;

/// The header row.
pub const HEADER: &str = "runtime,strategy,tasks,workers,io_ms,cpu_ms,cpu_iters,kernel,payload_bytes,median_ms,min_ms,max_ms,model_ms,efficiency,errors,cpu_measured_ms,copied_bytes,copy_ms,samples_ms";

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
                let samples: Vec<String> = p.samples_ms.iter().map(|s| format!("{s:.3}")).collect();
                writeln!(
                    out,
                    "{runtime},{},{},{},{},{},{},{},{},{:.3},{:.3},{:.3},{:.3},{:.4},{},{},{},{},\"{}\"",
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
                    p.efficiency,
                    p.errors,
                    opt(p.cpu_measured_ms.map(|c| format!("{c:.3}"))),
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
