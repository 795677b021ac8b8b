//! `gilwall plot`: saved reports from any runtime drawn on one chart.

use crate::export::{self, Exporter, chart::Chart};
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

/// Options of `gilwall plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// Saved reports (JSON, any runtime).
    #[arg(required = true, value_name = "REPORT.json")]
    pub reports: Vec<PathBuf>,
    /// Where to write the SVG chart.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: PathBuf,
    /// The chart's title (default: the first report's, or "gilwall").
    #[arg(long)]
    pub title: Option<String>,
}

/// Runs `gilwall plot`.
pub(super) fn run(args: PlotArgs) -> Result<()> {
    let reports = args
        .reports
        .iter()
        .map(|p| export::read_report(p))
        .collect::<Result<Vec<_>>>()?;
    let title = args
        .title
        .or_else(|| reports[0].title.clone())
        .unwrap_or_else(|| "gilwall".to_string());
    export::write(&args.chart, &Chart { title }.export(&reports)?)?;
    eprintln!(
        "wrote the chart of {} report(s) to {}",
        reports.len(),
        args.chart.display()
    );
    Ok(())
}
