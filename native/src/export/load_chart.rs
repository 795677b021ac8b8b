//! The load chart: p50 and p99 latency against the offered rate, log scale, one colour per
//! strategy (core's), the model dashed in the same colour, and each strategy's capacity as a
//! dotted vertical line — the cliff where a single thread with `cpu` per request stops keeping
//! up. Only complete steps are drawn (a step with failed requests measured failures); a line
//! under the plot names the ones left out.

use super::Exporter;
use super::chart::{colour, plot_err};
use super::load::{label, modelled};
use anyhow::{Result, anyhow};
use gilwall_core::load::LoadPoint;
use gilwall_core::report::Report;
use gilwall_core::report::ReportRuntime;
use plotters::prelude::*;

/// Draws the load points of every report on one SVG chart.
pub struct LoadChart {
    /// The chart's title.
    pub title: String,
}

impl Exporter for LoadChart {
    fn export(&self, reports: &[Report]) -> Result<Vec<u8>> {
        let all: Vec<&LoadPoint> = reports.iter().flat_map(|r| &r.load_points).collect();
        if all.is_empty() {
            return Err(anyhow!("nothing to plot: the reports have no load points"));
        }
        let drawn: Vec<&LoadPoint> = all.iter().copied().filter(|p| p.complete()).collect();
        let max_x = all
            .iter()
            .map(|p| p.rate_rps.max(p.capacity_rps.unwrap_or(0.0)))
            .fold(1.0f64, f64::max)
            * 1.25;
        let values = drawn
            .iter()
            .flat_map(|p| {
                let l = p.latency_ms.expect("a complete step has answered requests");
                [l.p50, l.p99, p.model_latency_ms.p50, p.model_latency_ms.p99]
            })
            .filter(|v| *v > 0.0);
        let (lo, hi) = values.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        let (lo, hi) = if hi > 0.0 {
            (lo / 1.5, hi * 1.5)
        } else {
            (1.0, 1000.0)
        };
        let left_out: Vec<String> = all
            .iter()
            .filter(|p| !p.complete())
            .map(|p| {
                format!(
                    "{} at {} req/s ({} of {} failed)",
                    label(p),
                    p.rate_rps,
                    p.errors,
                    p.sent
                )
            })
            .collect();
        let mut svg = String::new();
        {
            let notes = usize::from(!left_out.is_empty());
            let root = SVGBackend::with_string(&mut svg, (1100, 650 + 26 * notes as u32))
                .into_drawing_area();
            root.fill(&WHITE).map_err(plot_err)?;
            let (plot, under) = root.split_vertically(650);
            if !left_out.is_empty() {
                let mut line = format!("left out, with failed requests: {}", left_out.join(", "));
                if line.chars().count() > 130 {
                    line = line.chars().take(129).collect::<String>() + "…";
                }
                under
                    .draw(&Text::new(
                        line,
                        (30, 0),
                        ("sans-serif", 17).into_font().color(&RGBColor(70, 70, 70)),
                    ))
                    .map_err(plot_err)?;
            }
            let mut chart = ChartBuilder::on(&plot)
                .caption(&self.title, ("sans-serif", 28))
                .margin(20)
                .x_label_area_size(55)
                .y_label_area_size(85)
                .build_cartesian_2d(0f64..max_x, (lo..hi).log_scale())
                .map_err(plot_err)?;
            chart
                .configure_mesh()
                .x_desc("offered rate (requests per second)")
                .y_desc("latency (ms, log scale)")
                .axis_desc_style(("sans-serif", 22))
                .label_style(("sans-serif", 18))
                .light_line_style(WHITE)
                .y_label_formatter(&|y| {
                    if *y >= 10.0 {
                        format!("{y:.0}")
                    } else {
                        format!("{y:.1}")
                    }
                })
                .draw()
                .map_err(plot_err)?;
            // Series by label, so the Python app's `asyncio (python)` is a line of its own
            // beside gilwall's `async`, in the colour of the strategy that models it.
            let mut strategies: Vec<(String, &LoadPoint)> = Vec::new();
            for p in &all {
                if !strategies.iter().any(|(l, _)| *l == label(p)) {
                    strategies.push((label(p), p));
                }
            }
            let mut capacities: Vec<f64> = Vec::new();
            for (name, first) in strategies {
                let c = colour(modelled(first));
                // The Python app's measured points are triangles, gilwall's circles.
                let python = first.runtime == Some(ReportRuntime::Python);
                let mut mine: Vec<&LoadPoint> =
                    drawn.iter().copied().filter(|p| label(p) == name).collect();
                mine.sort_by(|a, b| a.rate_rps.total_cmp(&b.rate_rps));
                if let Some(cap) = first.capacity_rps {
                    chart
                        .draw_series(DashedLineSeries::new(
                            [(cap, lo), (cap, hi)],
                            3,
                            5,
                            c.mix(0.6).stroke_width(2),
                        ))
                        .map_err(plot_err)?;
                    // Strategies with the same capacity (gilwall's and Python's twins) share
                    // its line; their labels stack down it instead of over each other.
                    let above = capacities.iter().filter(|&&c| c == cap).count();
                    capacities.push(cap);
                    chart
                        .draw_series([Text::new(
                            format!("{name}: capacity {cap:.0}/s"),
                            (cap, hi / 1.3f64.powi(1 + above as i32)),
                            ("sans-serif", 15).into_font().color(&c),
                        )])
                        .map_err(plot_err)?;
                }
                if mine.is_empty() {
                    continue;
                }
                let at = |f: &dyn Fn(&LoadPoint) -> f64| -> Vec<(f64, f64)> {
                    mine.iter().map(|p| (p.rate_rps, f(p).max(lo))).collect()
                };
                let lat = |p: &LoadPoint| p.latency_ms.expect("complete steps are answered");
                let p99 = at(&|p| lat(p).p99);
                let p50 = at(&|p| lat(p).p50);
                chart
                    .draw_series(LineSeries::new(p99.clone(), c.stroke_width(3)))
                    .map_err(plot_err)?
                    .label(format!("{name} p99"))
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                    });
                marks(&mut chart, &p99, 5, c, python)?;
                chart
                    .draw_series(LineSeries::new(p50.clone(), c.stroke_width(1)))
                    .map_err(plot_err)?
                    .label(format!("{name} p50"))
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(1))
                    });
                marks(&mut chart, &p50, 3, c, python)?;
                for model in [
                    at(&|p| p.model_latency_ms.p99),
                    at(&|p| p.model_latency_ms.p50),
                ] {
                    chart
                        .draw_series(DashedLineSeries::new(model, 10, 6, c.stroke_width(2)))
                        .map_err(plot_err)?;
                }
            }
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(plot_err)?
                .label("dashed: model; dotted: capacity")
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
            root.present().map_err(plot_err)?;
        }
        Ok(svg.into_bytes())
    }
}

/// The measured points of one series: circles, or triangles for the Python app's.
fn marks<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<
            plotters::coord::types::RangedCoordf64,
            plotters::coord::combinators::LogCoord<f64>,
        >,
    >,
    at: &[(f64, f64)],
    size: i32,
    c: RGBColor,
    python: bool,
) -> Result<()> {
    if python {
        chart
            .draw_series(
                at.iter()
                    .map(|&xy| TriangleMarker::new(xy, size + 2, c.filled())),
            )
            .map_err(plot_err)?;
    } else {
        chart
            .draw_series(at.iter().map(|&xy| Circle::new(xy, size, c.filled())))
            .map_err(plot_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gilwall_core::load::{Arrivals, ModelLatency, Percentiles};

    #[test]
    fn draws_complete_steps_and_names_the_failed_ones() {
        let p = |rate: f64, errors: u64| LoadPoint {
            strategy: "async".into(),
            workers: None,
            arrivals: Arrivals::Poisson,
            rate_rps: rate,
            duration_s: 1.0,
            io_ms: 50.0,
            cpu_ms: 20.0,
            kernel: None,
            payload_bytes: 0,
            sent: 10,
            ok: 10 - errors,
            errors,
            rejected: errors,
            achieved_rps: rate,
            latency_ms: Some(Percentiles {
                p50: 70.0,
                p90: 75.0,
                p99: 90.0,
                p999: 95.0,
                max: 99.0,
            }),
            model_latency_ms: ModelLatency {
                p50: 70.0,
                p99: 80.0,
            },
            model_cpu_ms: 20.0,
            capacity_rps: Some(50.0),
            send_late_p99_ms: 0.1,
            cpu_measured_ms: None,
            error_sample: None,
            runtime: None,
            modelled_as: None,
            gil_enabled: None,
        };
        let mut r = Report::new(
            gilwall_core::report::ReportRuntime::Native,
            Default::default(),
            "2026-12-01T00:00:00Z".into(),
        );
        r.load_points = vec![p(10.0, 0), p(40.0, 0), p(70.0, 3)];
        let svg = String::from_utf8(
            LoadChart { title: "t".into() }
                .export(&[r.clone()])
                .unwrap(),
        )
        .unwrap();
        assert!(
            svg.contains("async p99") && svg.contains("capacity 50/s"),
            "legend and capacity"
        );
        assert!(svg.contains("left out, with failed requests: async at 70 req/s (3 of 10 failed)"));
        r.load_points.clear();
        assert!(LoadChart { title: "t".into() }.export(&[r]).is_err());
    }
}
