//! The chart: duration vs tasks, one coloured line per strategy, the model as a dashed line of
//! the same colour — the article's figures, with the ideal beside each curve. SVG through
//! plotters, so no system libraries are needed.
//!
//! Several reports (native, browser, Python) can share one chart; their series are told apart
//! by a suffix and a different marker.

use super::Exporter;
use super::markdown::series;
use anyhow::{Result, anyhow};
use gilwall_core::report::{Report, ReportRuntime};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// Draws every report on one SVG chart.
pub struct Chart {
    /// The chart's title.
    pub title: String,
}

/// A fixed colour per strategy, so the same strategy looks the same on every chart. Serial is
/// green and async purple, as in the article's figures.
pub fn colour(strategy: &str) -> RGBColor {
    match strategy {
        "serial" => RGBColor(44, 160, 44),
        "async" => RGBColor(148, 103, 189),
        "gil" => RGBColor(214, 39, 40),
        "threads" => RGBColor(31, 119, 180),
        "processes" => RGBColor(255, 127, 14),
        "multicore" => RGBColor(23, 190, 207),
        "async-rayon" => RGBColor(140, 86, 75),
        "workers" => RGBColor(227, 119, 194),
        "async-workers" => RGBColor(127, 127, 127),
        "wasm-threads" => RGBColor(188, 189, 34),
        // The Python companion's strategies wear the colour of the gilwall strategy they mirror.
        "asyncio" => colour("async"),
        "asyncio-executor" => colour("gil"),
        "process-pool" => colour("processes"),
        "thread-pool" => colour("threads"),
        _ => RGBColor(60, 60, 60),
    }
}

/// Lighter, for the I/O-only variant of a strategy shown beside its CPU variant.
fn lighter(c: RGBColor) -> RGBColor {
    RGBColor(
        ((c.0 as u16 + 255) / 2) as u8,
        ((c.1 as u16 + 255) / 2) as u8,
        ((c.2 as u16 + 255) / 2) as u8,
    )
}

fn runtime_name(r: ReportRuntime) -> &'static str {
    match r {
        ReportRuntime::Native => "native",
        ReportRuntime::Browser => "browser",
        ReportRuntime::Python => "python",
    }
}

impl Exporter for Chart {
    fn export(&self, reports: &[Report]) -> Result<Vec<u8>> {
        if reports.iter().all(|r| r.points.is_empty()) {
            return Err(anyhow!("nothing to plot: the reports have no points"));
        }
        let mixed = reports.len() > 1;
        let max_x = reports
            .iter()
            .flat_map(|r| &r.points)
            .map(|p| p.tasks)
            .max()
            .unwrap_or(1) as f64;
        let max_y = reports
            .iter()
            .flat_map(|r| &r.points)
            .map(|p| p.max_ms.max(p.model_ms))
            .fold(0.0f64, f64::max)
            / 1000.0;
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (1100, 650)).into_drawing_area();
            root.fill(&WHITE).map_err(plot_err)?;
            let mut chart = ChartBuilder::on(&root)
                .caption(&self.title, ("sans-serif", 30))
                .margin(20)
                .x_label_area_size(55)
                .y_label_area_size(75)
                .build_cartesian_2d(0f64..max_x * 1.02 + 0.5, 0f64..(max_y * 1.1).max(0.001))
                .map_err(plot_err)?;
            chart
                .configure_mesh()
                .x_desc("tasks (N)")
                .y_desc("duration (s)")
                .axis_desc_style(("sans-serif", 22))
                .label_style(("sans-serif", 18))
                .light_line_style(WHITE)
                .x_labels((max_x as usize).clamp(2, 17))
                .x_label_formatter(&|x| format!("{x:.0}"))
                .y_label_formatter(&|y| format!("{y:.1}"))
                .draw()
                .map_err(plot_err)?;
            for report in reports {
                for (name, mut points) in series(report) {
                    // A point whose every fetch failed measured failures, not work.
                    points.retain(|p| !p.all_failed);
                    if points.is_empty() {
                        continue;
                    }
                    points.sort_by_key(|p| p.tasks);
                    let base = colour(&points[0].strategy);
                    let c = if name.ends_with("(I/O only)") {
                        lighter(base)
                    } else {
                        base
                    };
                    let label = if mixed {
                        format!("{name} ({})", runtime_name(report.runtime))
                    } else {
                        name
                    };
                    let measured: Vec<(f64, f64)> = points
                        .iter()
                        .map(|p| (p.tasks as f64, p.median_ms / 1000.0))
                        .collect();
                    let model: Vec<(f64, f64)> = points
                        .iter()
                        .map(|p| (p.tasks as f64, p.model_ms / 1000.0))
                        .collect();
                    chart
                        .draw_series(LineSeries::new(measured.clone(), c.stroke_width(3)))
                        .map_err(plot_err)?
                        .label(label)
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                        });
                    match report.runtime {
                        ReportRuntime::Native => chart
                            .draw_series(measured.iter().map(|&xy| Circle::new(xy, 5, c.filled())))
                            .map_err(plot_err)?,
                        ReportRuntime::Browser => chart
                            .draw_series(
                                measured
                                    .iter()
                                    .map(|&xy| TriangleMarker::new(xy, 7, c.filled())),
                            )
                            .map_err(plot_err)?,
                        ReportRuntime::Python => chart
                            .draw_series(
                                measured
                                    .iter()
                                    .map(|&xy| Cross::new(xy, 6, c.stroke_width(3))),
                            )
                            .map_err(plot_err)?,
                    };
                    chart
                        .draw_series(DashedLineSeries::new(model, 10, 6, c.stroke_width(2)))
                        .map_err(plot_err)?;
                }
            }
            draw_legend(&mut chart)?;
            root.present().map_err(plot_err)?;
        }
        Ok(svg.into_bytes())
    }
}

/// Adds the legend entry that explains the dashes once and draws the legend, in the style every
/// gilwall chart shares (the workshop's charts call it too).
pub fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
) -> Result<()> {
    chart
        .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
        .map_err(plot_err)?
        .label("dashed: ideal model")
        .legend(|(x, y)| {
            PathElement::new(
                vec![(x, y), (x + 8, y), (x + 14, y), (x + 22, y)],
                BLACK.stroke_width(1),
            )
        });
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(180, 180, 180))
        .label_font(("sans-serif", 18))
        .draw()
        .map_err(plot_err)?;
    Ok(())
}

/// A plotters error, in words.
pub fn plot_err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("cannot draw the chart: {e}")
}
