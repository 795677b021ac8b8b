//! The report as JSON: the shared format (`schema/report.schema.json`).

use super::Exporter;
use anyhow::Result;
use gilwall_core::report::Report;

/// Writes the first report as pretty JSON.
pub struct Json;

impl Exporter for Json {
    fn export(&self, reports: &[Report]) -> Result<Vec<u8>> {
        let report = reports
            .first()
            .ok_or_else(|| anyhow::anyhow!("no report to export"))?;
        let mut out = report.to_json().into_bytes();
        out.push(b'\n');
        Ok(out)
    }
}
