//! The schedule as a picture: a Gantt chart of each strategy's timeline at one N, the panels
//! stacked on one time axis, so the wall reads at a glance — on one event loop the CPU slices
//! run one after another (a staircase of waits beside them) while with threads or processes
//! they sit side by side on as many lanes as there are cores. SVG through plotters, like the
//! duration chart.
//!
//! One panel per point at that N (a strategy, and where a report mixes them, with or without
//! CPU), lanes down, time across in ms from the repeat's start, each span in its kind's colour
//! (core's `SpanKind::colour`, the page's too). A lane whose spans overlap (every fetch in
//! flight on one event loop) gets extra rows, packed as the trace packs its threads. The
//! model's makespan is a dashed line. A point without a timeline (every task failed, or a
//! report from a runtime that does not trace) says so in its panel instead of looking idle;
//! failed tasks and the cap on traced tasks are said in the panel's header.

use super::Exporter;
use super::chart::{colour, hex, plot_err};
use super::markdown::{format_ms, series};
use super::notes;
use super::trace::{PackedLane, pack};
use anyhow::Result;
use gilwall_core::report::{Point, Report, ReportRuntime};
use gilwall_core::timeline::SpanKind;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The largest N a timeline figure shows by default: beyond it the rows get too thin to read
/// on a projector.
pub const DEFAULT_MAX_TASKS: u32 = 16;

/// Draws every report's points at `tasks` as one SVG.
pub struct Gantt {
    /// The figure's title.
    pub title: String,
    /// The N whose points are drawn.
    pub tasks: u32,
}

/// Why a timeline figure cannot be drawn for the N asked, in the words of its fields.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GanttError {
    /// No point was measured at that N.
    #[error("no point has {tasks} tasks; the task counts measured are {}", list(.measured))]
    NotMeasured {
        /// The N asked for.
        tasks: u32,
        /// The task counts the reports hold.
        measured: Vec<u32>,
    },
}

fn list(counts: &[u32]) -> String {
    let words: Vec<String> = counts.iter().map(u32::to_string).collect();
    words.join(", ")
}

/// The N a timeline figure shows when none is asked for: the largest of `counts` up to
/// [`DEFAULT_MAX_TASKS`], or the smallest when every one is larger; `None` for no counts.
pub fn default_tasks(counts: &[u32]) -> Option<u32> {
    let small = counts.iter().copied().filter(|&n| n <= DEFAULT_MAX_TASKS);
    small.max().or_else(|| counts.iter().copied().min())
}

/// The task counts `reports` hold, ascending, each once.
pub fn task_counts(reports: &[Report]) -> Vec<u32> {
    let mut counts: Vec<u32> = reports
        .iter()
        .flat_map(|r| &r.points)
        .map(|p| p.tasks)
        .collect();
    counts.sort_unstable();
    counts.dedup();
    counts
}

/// Width of the figure, px.
const WIDTH: u32 = 1400;
/// Room for the lanes' names, px.
const LANE_LABELS: u32 = 210;
/// Title and legend above the panels, px.
const TOP: u32 = 96;
/// A panel's header (its name and what it measured), px.
const HEADER: u32 = 42;
/// A panel's time axis, px.
const AXIS: u32 = 34;
/// The axis's description under the last panel, px.
const AXIS_DESC: u32 = 28;
/// Space after a panel, px.
const GAP: u32 = 18;
/// Height of the message that stands in for a missing timeline, px.
const MESSAGE: u32 = 56;
/// The rows of all panels share about this much height, within [`MIN_ROW`]..[`MAX_ROW`].
const ROWS_BUDGET: u32 = 720;
const MIN_ROW: u32 = 9;
const MAX_ROW: u32 = 30;

/// One panel: a point and the name it is shown by.
struct Panel<'r> {
    name: String,
    point: &'r Point,
    lanes: Vec<PackedLane<'r>>,
}

impl Panel<'_> {
    fn rows(&self) -> u32 {
        self.lanes.iter().map(|l| l.rows.len().max(1) as u32).sum()
    }
}

impl Exporter for Gantt {
    fn export(&self, reports: &[Report]) -> Result<Vec<u8>> {
        let mixed = reports.len() > 1;
        let mut panels: Vec<Panel> = Vec::new();
        for report in reports {
            for (name, points) in series(report) {
                for point in points.into_iter().filter(|p| p.tasks == self.tasks) {
                    let name = if mixed {
                        format!("{name} ({})", runtime(report.runtime))
                    } else {
                        name.clone()
                    };
                    let lanes = point.timeline.as_ref().map(pack).unwrap_or_default();
                    panels.push(Panel {
                        name: format!("{name} N={}", point.tasks),
                        point,
                        lanes,
                    });
                }
            }
        }
        if panels.is_empty() {
            return Err(GanttError::NotMeasured {
                tasks: self.tasks,
                measured: task_counts(reports),
            }
            .into());
        }
        let total_rows: u32 = panels.iter().map(Panel::rows).sum();
        let row = (ROWS_BUDGET / total_rows.max(1)).clamp(MIN_ROW, MAX_ROW);
        let heights: Vec<u32> = panels
            .iter()
            .map(|p| {
                let body = if p.point.timeline.is_some() {
                    p.rows() * row
                } else {
                    MESSAGE
                };
                HEADER + body + AXIS + GAP
            })
            .enumerate()
            .map(|(i, h)| {
                if i + 1 == panels.len() {
                    h + AXIS_DESC
                } else {
                    h
                }
            })
            .collect();
        let height = TOP + heights.iter().sum::<u32>() + 10;
        // One time axis for every panel, so their lengths compare: to the last span's end or
        // the slowest model, whichever is later.
        let t_max = panels
            .iter()
            .flat_map(|p| p.point.timeline.iter())
            .flat_map(|t| &t.tasks)
            .flat_map(|t| &t.spans)
            .map(|s| s.end_ms)
            .chain(panels.iter().map(|p| p.point.model_ms))
            .fold(1.0f64, f64::max)
            * 1.03;

        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
            root.fill(&WHITE).map_err(plot_err)?;
            root.draw(&Text::new(
                self.title.clone(),
                (30, 14),
                ("sans-serif", 30).into_font().style(FontStyle::Bold),
            ))
            .map_err(plot_err)?;
            draw_legend(&root, 30, 60)?;
            let mut y = TOP as i32;
            for (i, (panel, &h)) in panels.iter().zip(&heights).enumerate() {
                let area = root.clone().shrink((0, y), (WIDTH, h));
                draw_panel(&area, panel, row, t_max, i + 1 == panels.len())?;
                y += h as i32;
            }
            root.present().map_err(plot_err)?;
        }
        Ok(svg.into_bytes())
    }
}

fn runtime(r: ReportRuntime) -> &'static str {
    match r {
        ReportRuntime::Native => "native",
        ReportRuntime::Browser => "browser",
        ReportRuntime::Python => "python",
        ReportRuntime::Go => "go",
    }
}

/// The colour of a span kind, from core's table (checked there to be `#rrggbb`).
fn kind_colour(kind: SpanKind) -> RGBColor {
    hex(kind.colour()).unwrap_or(RGBColor(120, 120, 120))
}

/// The legend: a swatch and a name per span kind, and the dashed model line.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    x: i32,
    y: i32,
) -> Result<()> {
    let font = ("sans-serif", 20).into_font().color(&RGBColor(40, 40, 40));
    let mut at = x;
    for kind in SpanKind::ALL {
        root.draw(&Rectangle::new(
            [(at, y), (at + 34, y + 20)],
            kind_colour(kind).filled(),
        ))
        .map_err(plot_err)?;
        root.draw(&Text::new(kind.label(), (at + 42, y), font.clone()))
            .map_err(plot_err)?;
        at += 42 + 10 * kind.label().chars().count() as i32 + 36;
    }
    for dash in 0..3 {
        let x0 = at + dash * 12;
        root.draw(&PathElement::new(
            vec![(x0, y + 10), (x0 + 7, y + 10)],
            BLACK.stroke_width(2),
        ))
        .map_err(plot_err)?;
    }
    root.draw(&Text::new("ideal makespan (the model)", (at + 42, y), font))
        .map_err(plot_err)?;
    Ok(())
}

/// What stands in for a point's missing timeline, in words.
fn missing(point: &Point) -> String {
    if point.all_failed {
        let why = point.error_sample.as_deref().unwrap_or("no error recorded");
        let why: String = why.chars().take(110).collect();
        format!("no timeline: every task failed ({why})")
    } else {
        "no timeline: this point was measured by a runtime or a gilwall that does not trace"
            .to_string()
    }
}

/// The header's right-hand side: which repeat is drawn and how long it took beside the model,
/// what failed, and what the caps left out.
fn header_note(point: &Point) -> String {
    let mut parts = Vec::new();
    if let Some(t) = &point.timeline {
        let repeats = point.samples_ms.len();
        if let Some(ms) = point.samples_ms.get(t.repeat as usize) {
            parts.push(format!(
                "repeat {} of {repeats}: {} (ideal {})",
                t.repeat + 1,
                format_ms(*ms),
                format_ms(point.model_ms)
            ));
        }
        if let Some(cap) = t.capped_at {
            parts.push(format!("first {cap} of {} tasks traced", point.tasks));
        }
        if t.tasks.iter().any(|task| task.dropped_spans > 0) {
            parts.push("some tasks' last spans left out".to_string());
        }
    }
    if let Some(failed) = notes::failed_cell(point) {
        parts.push(failed);
    }
    parts.join(" · ")
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    panel: &Panel,
    row_px: u32,
    t_max: f64,
    last: bool,
) -> Result<()> {
    let point = panel.point;
    let strategy = colour(&point.strategy);
    area.draw(&Rectangle::new([(30, 8), (42, 34)], strategy.filled()))
        .map_err(plot_err)?;
    area.draw(&Text::new(
        panel.name.clone(),
        (52, 6),
        ("sans-serif", 26).into_font().style(FontStyle::Bold),
    ))
    .map_err(plot_err)?;
    let failed = !point.complete();
    let note_colour = if failed {
        RGBColor(180, 20, 20)
    } else {
        RGBColor(70, 70, 70)
    };
    area.draw(&Text::new(
        header_note(point),
        (WIDTH as i32 - 40, 12),
        ("sans-serif", 19)
            .into_font()
            .color(&note_colour)
            .pos(Pos::new(HPos::Right, VPos::Top)),
    ))
    .map_err(plot_err)?;

    let (_, h) = area.dim_in_pixel();
    let body = area.clone().shrink((0, HEADER), (WIDTH, h - HEADER - GAP));
    let rows = if point.timeline.is_some() {
        panel.rows().max(1)
    } else {
        1
    };
    let mut chart = ChartBuilder::on(&body)
        .margin_right(40)
        .set_label_area_size(LabelAreaPosition::Left, LANE_LABELS)
        .set_label_area_size(
            LabelAreaPosition::Bottom,
            if last { AXIS + AXIS_DESC } else { AXIS },
        )
        .build_cartesian_2d(0f64..t_max, 0f64..rows as f64)
        .map_err(plot_err)?;
    let mut mesh = chart.configure_mesh();
    mesh.disable_y_mesh()
        .disable_y_axis()
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .label_style(("sans-serif", 17))
        .x_labels(12)
        .x_label_formatter(&|x| format!("{x:.0}"));
    if last {
        mesh.x_desc("ms since the repeat started")
            .axis_desc_style(("sans-serif", 19));
    }
    mesh.draw().map_err(plot_err)?;

    let Some(timeline) = &point.timeline else {
        let (x, y) = chart.backend_coord(&(0.0, 0.5));
        area.draw(&Text::new(
            missing(point),
            (x + 16, y - area.get_base_pixel().1),
            ("sans-serif", 21)
                .into_font()
                .color(&RGBColor(180, 20, 20))
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(plot_err)?;
        return Ok(());
    };

    // Row r (0 at the top) spans y = rows-r-1 .. rows-r.
    let top_of = |r: u32| (rows - r) as f64;
    let base = area.get_base_pixel();
    let label_font = ("sans-serif", 18)
        .into_font()
        .color(&RGBColor(40, 40, 40))
        .pos(Pos::new(HPos::Right, VPos::Center));
    let mut r = 0u32;
    for (i, lane) in panel.lanes.iter().enumerate() {
        let lane_rows = lane.rows.len().max(1) as u32;
        if i % 2 == 1 {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, top_of(r)), (t_max, top_of(r + lane_rows))],
                    RGBColor(244, 244, 246).filled(),
                )))
                .map_err(plot_err)?;
        }
        let (x, y) = chart.backend_coord(&(0.0, top_of(r) - 0.5));
        let name = &timeline.lanes[lane.lane].name;
        area.draw(&Text::new(
            name.clone(),
            (x - 12 - base.0, y - base.1),
            label_font.clone(),
        ))
        .map_err(plot_err)?;
        for (k, spans) in lane.rows.iter().enumerate() {
            let top = top_of(r + k as u32);
            let (inset_top, inset_bottom) = (0.14, 0.86);
            for &(task, span) in spans {
                let (x0, x1) = (span.start_ms, span.end_ms.max(span.start_ms));
                let y0 = top - inset_top;
                let y1 = top - inset_bottom;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x0, y0), (x1, y1)],
                        kind_colour(span.kind).filled(),
                    )))
                    .map_err(plot_err)?;
                let px0 = chart.backend_coord(&(x0, y0));
                let px1 = chart.backend_coord(&(x1, y1));
                let width = px1.0 - px0.0;
                // Borders only where there is room: a thousand GIL slices would turn white.
                if width >= 6 {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(x0, y0), (x1, y1)],
                            WHITE.stroke_width(1),
                        )))
                        .map_err(plot_err)?;
                }
                if width >= 26 && row_px >= 16 && span.kind != SpanKind::WaitCpu {
                    let text_colour = if span.kind == SpanKind::Cpu {
                        WHITE
                    } else {
                        RGBColor(30, 30, 30)
                    };
                    area.draw(&Text::new(
                        task.to_string(),
                        ((px0.0 + px1.0) / 2 - base.0, (px0.1 + px1.1) / 2 - base.1),
                        ("sans-serif", (row_px as f64 * 0.55).clamp(10.0, 16.0))
                            .into_font()
                            .color(&text_colour)
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    ))
                    .map_err(plot_err)?;
                }
            }
        }
        r += lane_rows;
    }
    // The model's makespan, where the point could have finished at best.
    chart
        .draw_series(DashedLineSeries::new(
            [(point.model_ms, 0.0), (point.model_ms, rows as f64)],
            7,
            5,
            BLACK.stroke_width(2),
        ))
        .map_err(plot_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gilwall_core::report::{Machine, PointSpec};
    use gilwall_core::task::{Computed, TaskOutcome};
    use gilwall_core::timeline::{Lane, Span, Timeline};

    fn point(strategy: &str, tasks: u32, traced: bool) -> Point {
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
        let mut p = Point::new(spec, vec![310.0], 300.0, 0).unwrap();
        if traced {
            let outcomes: Vec<TaskOutcome> = (0..tasks)
                .map(|i| {
                    let done = Computed {
                        result: Ok(1),
                        wall_ms: 50.0,
                        cpu_time_ms: None,
                    };
                    let cpu = 100.0 + 50.0 * f64::from(i);
                    TaskOutcome::computed(i, Some(100.0), done).with_spans([
                        Span::new(SpanKind::Fetch, Lane::EventLoop, 0.0, 100.0),
                        Span::new(SpanKind::WaitCpu, Lane::EventLoop, 100.0, cpu),
                        Span::new(SpanKind::Cpu, Lane::EventLoop, cpu, cpu + 50.0),
                    ])
                })
                .collect();
            p.timeline = Timeline::of(0, &outcomes);
        }
        p
    }

    fn svg(points: Vec<Point>, tasks: u32) -> Result<String> {
        let mut r = Report::new(ReportRuntime::Native, Machine::default(), "now".into());
        r.points = points;
        let bytes = Gantt {
            title: "t".into(),
            tasks,
        }
        .export(&[r])?;
        Ok(String::from_utf8(bytes).unwrap())
    }

    #[test]
    fn one_panel_per_point_at_that_n_and_a_missing_timeline_is_said() {
        let mut dead = point("threads", 4, false);
        dead.errors = 4;
        dead.all_failed = true;
        dead.error_sample = Some("fetch http://x failed: connection refused".into());
        let text = svg(
            vec![point("async", 2, true), point("async", 4, true), dead],
            4,
        )
        .unwrap();
        let texts: Vec<&str> = text
            .split("<text")
            .skip(1)
            .filter_map(|t| Some(t.split_once('>')?.1.split_once("</text>")?.0.trim()))
            .collect();
        assert!(texts.contains(&"async N=4") && texts.contains(&"threads N=4"));
        assert!(!texts.contains(&"async N=2"), "only N = 4 is drawn");
        assert!(
            text.contains(
                "no timeline: every task failed (fetch http://x failed: connection refused)"
            ),
            "{text}"
        );
        assert!(text.contains("all failed"));
        assert!(texts.contains(&"event loop"));
        assert!(text.contains("repeat 1 of 1: 310 ms (ideal 300 ms)"));
        for kind in SpanKind::ALL {
            assert!(
                text.to_lowercase().contains(kind.colour()),
                "{kind}'s colour is not drawn"
            );
        }
    }

    #[test]
    fn an_n_that_was_not_measured_is_refused_naming_the_ones_that_were() {
        let e = svg(vec![point("async", 2, true), point("async", 8, true)], 5).unwrap_err();
        assert_eq!(
            e.downcast_ref::<GanttError>(),
            Some(&GanttError::NotMeasured {
                tasks: 5,
                measured: vec![2, 8]
            })
        );
        assert!(e.to_string().contains("the task counts measured are 2, 8"));
    }

    #[test]
    fn the_default_n_is_the_largest_up_to_16() {
        assert_eq!(default_tasks(&[1, 2, 4, 8, 16, 32]), Some(16));
        assert_eq!(default_tasks(&[1, 4, 9]), Some(9));
        assert_eq!(default_tasks(&[32, 64]), Some(32));
        assert_eq!(default_tasks(&[]), None);
    }
}
