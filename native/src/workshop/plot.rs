//! Charts and tables for the lessons whose x axis is not the number of tasks: lesson 6 (payload
//! size) and lesson 8 (switch interval). The export `Chart` draws duration against N; these
//! draw duration against any swept value, in the same style — a colour per series (its
//! strategy's, from core's table), the model dashed — so the workshop's charts look alike.
//!
//! The swept values (1 KiB … 4 MiB, 1 … 50 ms) span orders of magnitude, so they are placed
//! evenly along the axis and labelled with their values rather than drawn to a linear scale.

use super::measure::Row;
use crate::export::chart::{draw_legend, plot_err};
use crate::export::markdown::{format_ms, padded_table};
use anyhow::{Result, anyhow};
use gilwall_core::StrategyId;
use plotters::prelude::*;

/// One line on the chart, with its model.
#[derive(Debug, Clone)]
pub struct Series {
    /// Its name in the legend.
    pub name: String,
    /// Its colour.
    pub colour: RGBColor,
    /// (swept value, measured ms), in the order swept.
    pub measured: Vec<(f64, f64)>,
    /// (swept value, model ms).
    pub model: Vec<(f64, f64)>,
}

impl Series {
    /// Groups rows into series, in the order they first appear.
    pub fn from_rows(rows: &[Row]) -> Vec<Series> {
        let mut out: Vec<Series> = Vec::new();
        for r in rows {
            let i = match out.iter().position(|s| s.name == r.series) {
                Some(i) => i,
                None => {
                    out.push(Series {
                        name: r.series.clone(),
                        colour: colour(r.line.strategy()),
                        measured: Vec::new(),
                        model: Vec::new(),
                    });
                    out.len() - 1
                }
            };
            out[i].measured.push((r.x, r.measured_ms));
            out[i].model.push((r.x, r.model_ms));
        }
        out
    }
}

/// The colour of `strategy` on every chart, from core's table; lesson 8's lines wear the colour
/// of the strategy they stand for (the GIL red, free threads blue).
fn colour(strategy: StrategyId) -> RGBColor {
    let hex = strategy.info().colour;
    // Core's unit test checks every colour is `#rrggbb`, so each pair is two hex digits.
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).expect("a colour is #rrggbb");
    RGBColor(byte(1), byte(3), byte(5))
}

/// A line chart of duration against a swept value.
#[derive(Debug, Clone)]
pub struct LineChart {
    /// The title.
    pub title: String,
    /// What the x axis is.
    pub x_desc: String,
    /// The lines.
    pub series: Vec<Series>,
}

impl LineChart {
    /// The chart as SVG.
    pub fn svg(&self) -> Result<Vec<u8>> {
        let mut xs: Vec<f64> = self
            .series
            .iter()
            .flat_map(|s| s.measured.iter().map(|p| p.0))
            .collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        if xs.is_empty() {
            return Err(anyhow!("nothing to plot: no measurements"));
        }
        let slot = |x: f64| xs.iter().position(|&v| v == x).unwrap_or(0) as f64;
        let max_y = self
            .series
            .iter()
            .flat_map(|s| s.measured.iter().chain(&s.model).map(|p| p.1))
            .fold(0.0f64, f64::max);
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (1100, 650)).into_drawing_area();
            root.fill(&WHITE).map_err(plot_err)?;
            let last = (xs.len() - 1) as f64;
            let mut chart = ChartBuilder::on(&root)
                .caption(&self.title, ("sans-serif", 30))
                .margin(20)
                .x_label_area_size(55)
                .y_label_area_size(75)
                .build_cartesian_2d(-0.3f64..last + 0.3, 0f64..(max_y * 1.15).max(1.0))
                .map_err(plot_err)?;
            let label = |v: &f64| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < xs.len() {
                    format!("{}", xs[i as usize])
                } else {
                    String::new()
                }
            };
            chart
                .configure_mesh()
                .x_desc(&self.x_desc)
                .y_desc("duration (ms)")
                .axis_desc_style(("sans-serif", 22))
                .label_style(("sans-serif", 18))
                .light_line_style(WHITE)
                .x_labels(xs.len() * 4)
                .x_label_formatter(&label)
                .y_label_formatter(&|y| format!("{y:.0}"))
                .draw()
                .map_err(plot_err)?;
            for s in &self.series {
                let c = s.colour;
                let measured: Vec<(f64, f64)> =
                    s.measured.iter().map(|&(x, y)| (slot(x), y)).collect();
                let model: Vec<(f64, f64)> = s.model.iter().map(|&(x, y)| (slot(x), y)).collect();
                chart
                    .draw_series(LineSeries::new(measured.clone(), c.stroke_width(3)))
                    .map_err(plot_err)?
                    .label(s.name.clone())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                    });
                chart
                    .draw_series(measured.iter().map(|&xy| Circle::new(xy, 5, c.filled())))
                    .map_err(plot_err)?;
                chart
                    .draw_series(DashedLineSeries::new(model, 10, 6, c.stroke_width(2)))
                    .map_err(plot_err)?;
            }
            draw_legend(&mut chart)?;
            root.present().map_err(plot_err)?;
        }
        Ok(svg.into_bytes())
    }
}

/// A Markdown table of rows — series, swept value, measured, model, efficiency — padded so it
/// reads in a terminal, like `gilwall run`'s.
pub fn table(rows: &[Row], x_name: &str) -> String {
    let header = ["series", x_name, "measured", "model", "efficiency"];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.series.clone(),
                format!("{}", r.x),
                format_ms(r.measured_ms),
                format_ms(r.model_ms),
                format!("{:.0}%", 100.0 * r.model_ms / r.measured_ms),
            ]
        })
        .collect();
    padded_table(&header, &cells)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gilwall_core::lesson::{Line, Series as LessonSeries};

    fn row(series: &str, x: f64, ms: f64) -> Row {
        let strategy: StrategyId = series.parse().expect("a strategy's name");
        Row {
            series: series.into(),
            line: Line::Series(LessonSeries::cpu(strategy)),
            x,
            measured_ms: ms,
            model_ms: ms / 2.0,
        }
    }

    #[test]
    fn rows_become_one_series_each_and_a_chart_and_table_with_their_values() {
        let rows = [
            row("threads", 1.0, 300.0),
            row("processes", 1.0, 320.0),
            row("threads", 4096.0, 310.0),
            row("processes", 4096.0, 900.0),
        ];
        let series = Series::from_rows(&rows);
        assert_eq!(series.len(), 2);
        assert_eq!(series[1].measured, [(1.0, 320.0), (4096.0, 900.0)]);
        assert_eq!(series[1].colour, colour(StrategyId::Processes));
        assert_eq!(colour(StrategyId::Serial), RGBColor(0x2c, 0xa0, 0x2c));
        let svg = String::from_utf8(
            LineChart {
                title: "t".into(),
                x_desc: "payload (KiB)".into(),
                series,
            }
            .svg()
            .unwrap(),
        )
        .unwrap();
        assert!(svg.contains("4096") && svg.contains("processes") && svg.contains("ideal"));
        let t = table(&rows, "payload (KiB)");
        assert!(
            t.contains("| processes |          4096 |   900 ms | 450 ms |        50% |"),
            "{t}"
        );
    }
}
