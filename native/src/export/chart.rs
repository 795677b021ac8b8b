//! The chart: duration vs tasks, one coloured line per strategy, the model as a dashed line of
//! the same colour — the article's figures, with the ideal beside each curve. SVG through
//! plotters, so no system libraries are needed.
//!
//! Several reports (native, browser, Python) can share one chart; their series are told apart
//! by a suffix and a different marker.
//!
//! Only complete points are drawn: a point with failed tasks measured how fast things failed,
//! and on a duration chart it would pass for speed. Lines under the plot say which points were
//! left out and, per report, how far the kernels drifted from their calibration beside how
//! close the schedules came to ideal at the CPU they took — the gap between the solid line and
//! the dashed model that is the machine's, not the runtime's.

use super::Exporter;
use super::markdown::series;
use super::notes;
use anyhow::{Result, anyhow};
use gilwall_core::StrategyId;
use gilwall_core::report::{Report, ReportRuntime};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// Draws every report on one SVG chart.
pub struct Chart {
    /// The chart's title.
    pub title: String,
}

/// A fixed colour per strategy, from core's strategy table, so the same strategy looks the same
/// on every chart, the CLI's and the page's. Serial is green and async purple, as in the
/// article's figures.
pub fn colour(strategy: &str) -> RGBColor {
    // The companions' strategies wear the colour of the gilwall strategy they mirror.
    let id = match strategy {
        "asyncio" => "async",
        "asyncio-executor" => "gil",
        "process-pool" => "processes",
        "thread-pool" => "threads",
        // The Go companion's: goroutines are gilwall's multicore.
        "goroutines" | "goroutines-as-written" => "multicore",
        other => other,
    };
    id.parse::<StrategyId>()
        .ok()
        .and_then(|id| hex(id.info().colour))
        .unwrap_or(RGBColor(60, 60, 60))
}

/// `#rrggbb` as a colour; core's tables are checked to hold only such strings.
pub(crate) fn hex(code: &str) -> Option<RGBColor> {
    let byte = |i: usize| u8::from_str_radix(code.get(i..i + 2)?, 16).ok();
    Some(RGBColor(byte(1)?, byte(3)?, byte(5)?))
}

/// Lighter, for the I/O-only variant of a strategy shown beside its CPU variant.
fn lighter(c: RGBColor) -> RGBColor {
    RGBColor(
        ((c.0 as u16 + 255) / 2) as u8,
        ((c.1 as u16 + 255) / 2) as u8,
        ((c.2 as u16 + 255) / 2) as u8,
    )
}

/// Which runtime drew a series: a free-threaded Python apart from one under the GIL, so
/// `gilwall python --free-threaded --compare` can hold both builds on one chart.
fn runtime_name(r: &Report) -> &'static str {
    match r.runtime {
        ReportRuntime::Native => "native",
        ReportRuntime::Browser => "browser",
        ReportRuntime::Python if r.machine.gil_enabled == Some(false) => "python, no GIL",
        ReportRuntime::Python => "python",
        ReportRuntime::Go => "go",
    }
}

impl Exporter for Chart {
    fn export(&self, reports: &[Report]) -> Result<Vec<u8>> {
        if reports.iter().all(|r| r.points.is_empty()) {
            return Err(anyhow!("nothing to plot: the reports have no points"));
        }
        let mixed = reports.len() > 1;
        // The axes fit what is drawn: the complete points (or, when none is, the model alone).
        let drawn = || {
            reports
                .iter()
                .flat_map(|r| &r.points)
                .filter(|p| p.complete())
        };
        let any_drawn = drawn().next().is_some();
        let max_x = reports
            .iter()
            .flat_map(|r| &r.points)
            .filter(|p| p.complete() || !any_drawn)
            .map(|p| p.tasks)
            .max()
            .unwrap_or(1) as f64;
        let max_y = drawn()
            .map(|p| p.max_ms.max(p.model_ms))
            .chain(
                reports
                    .iter()
                    .flat_map(|r| &r.points)
                    .filter(|_| !any_drawn)
                    .map(|p| p.model_ms),
            )
            .fold(0.0f64, f64::max)
            / 1000.0;
        let notes = chart_notes(reports, any_drawn);
        let mut svg = String::new();
        {
            let height = 650 + NOTE_LINE_PX * notes.len() as u32;
            let root = SVGBackend::with_string(&mut svg, (1100, height)).into_drawing_area();
            root.fill(&WHITE).map_err(plot_err)?;
            let (plot, under) = root.split_vertically(650);
            for (i, note) in notes.iter().enumerate() {
                let y = NOTE_LINE_PX as i32 * i as i32;
                under
                    .draw(&Text::new(
                        note.clone(),
                        (30, y),
                        ("sans-serif", 17).into_font().color(&RGBColor(70, 70, 70)),
                    ))
                    .map_err(plot_err)?;
            }
            // Enough decimals that ticks 0.02 s apart do not all read "0.2".
            let top = (max_y * 1.1).max(0.001);
            let decimals = if top >= 2.0 {
                1
            } else if top >= 0.2 {
                2
            } else {
                3
            };
            let mut chart = ChartBuilder::on(&plot)
                .caption(&self.title, ("sans-serif", 30))
                .margin(20)
                .x_label_area_size(55)
                .y_label_area_size(75)
                .build_cartesian_2d(0f64..max_x * 1.02 + 0.5, 0f64..top)
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
                .y_label_formatter(&|y| format!("{y:.decimals$}"))
                .draw()
                .map_err(plot_err)?;
            for report in reports {
                for (name, mut points) in series(report) {
                    // A point with failed tasks measured failures, not work.
                    points.retain(|p| p.complete());
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
                        format!("{name} ({})", runtime_name(report))
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
                        // Go's goroutines: hollow circles beside native's filled ones.
                        ReportRuntime::Go => chart
                            .draw_series(
                                measured
                                    .iter()
                                    .map(|&xy| Circle::new(xy, 6, c.stroke_width(2))),
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

/// Height of one line of notes under the plot, in pixels.
const NOTE_LINE_PX: u32 = 26;

/// Longest note line, in characters, so it fits the chart's width.
const NOTE_CHARS: usize = 130;

/// The lines under the plot: per report, the kernels' drift and the schedules' efficiency, and
/// which points were left out for failed tasks.
fn chart_notes(reports: &[Report], any_drawn: bool) -> Vec<String> {
    let mut out = Vec::new();
    if !any_drawn {
        out.push("no point ran without failed tasks: nothing measured the work".to_string());
    }
    for report in reports {
        let who = if reports.len() > 1 {
            format!("{}: ", runtime_name(report))
        } else {
            String::new()
        };
        if let Some(d) = notes::Drift::of(report) {
            out.push(fit(format!("{who}{}", d.brief())));
        }
        if let Some(left) = notes::left_out(report) {
            out.push(fit(format!("{who}left out, with failed tasks: {left}")));
        }
    }
    out
}

/// `line`, cut to [`NOTE_CHARS`] with an ellipsis if longer.
fn fit(line: String) -> String {
    if line.chars().count() <= NOTE_CHARS {
        return line;
    }
    let mut cut: String = line.chars().take(NOTE_CHARS - 1).collect();
    cut.push('…');
    cut
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

#[cfg(test)]
mod tests {
    use super::*;
    use gilwall_core::report::{CpuClock, Machine, Point, PointSpec};

    #[test]
    fn colours_come_from_cores_table_and_python_wears_its_twins() {
        assert_eq!(colour("serial"), RGBColor(0x2c, 0xa0, 0x2c));
        for info in gilwall_core::strategy::STRATEGIES {
            assert_eq!(
                Some(colour(info.id.as_str())),
                hex(info.colour),
                "{}",
                info.id
            );
        }
        assert_eq!(colour("process-pool"), colour("processes"));
        assert_eq!(colour("no-such"), RGBColor(60, 60, 60));
    }

    fn point(strategy: &str, tasks: u32, median: f64) -> Point {
        let spec = PointSpec {
            strategy: strategy.into(),
            tasks,
            workers: None,
            io_ms: 100.0,
            cpu_ms: 50.0,
            cpu_iters: None,
            kernel: Some("sqrt".into()),
            payload_bytes: 0,
        };
        let mut p = Point::new(spec, vec![median], 150.0 * f64::from(tasks), 0).unwrap();
        p.cpu_measured_ms = Some(56.0);
        p.cpu_clock = Some(CpuClock::Thread);
        p.set_model_at_measured(p.model_ms * 1.1);
        p
    }

    fn svg(points: Vec<Point>) -> String {
        let mut r = Report::new(ReportRuntime::Native, Machine::default(), "now".into());
        r.points = points;
        let bytes = Chart { title: "t".into() }.export(&[r]).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn failed_points_are_left_out_and_named_under_the_plot() {
        let mut partly = point("serial", 4, 300.0);
        partly.errors = 1;
        let mut all = point("async", 2, 5.0);
        all.errors = 2;
        all.all_failed = true;
        let text = svg(vec![
            point("serial", 1, 160.0),
            point("serial", 2, 320.0),
            partly,
            all,
        ]);
        // One marker per complete point: serial at N = 1 and 2.
        assert_eq!(text.matches("<circle").count(), 2, "{text}");
        assert!(
            text.contains("left out, with failed tasks: serial N=4; async N=2"),
            "{text}"
        );
        // A series with no complete point has no line and no legend entry.
        assert!(!text.contains(">async<"), "{text}");
        assert!(
            text.contains(
                "kernels 12 % slower than calibrated (the machine); at the CPU they took, \
                 schedules 103 % of ideal"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_report_where_everything_failed_still_draws_and_says_why() {
        let mut dead = point("async", 2, 5.0);
        dead.errors = 2;
        dead.all_failed = true;
        let text = svg(vec![dead]);
        assert!(text.starts_with("<svg") && text.matches("<circle").count() == 0);
        assert!(text.contains("no point ran without failed tasks"), "{text}");
    }
}
