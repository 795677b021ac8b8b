//! The points' timelines in the Chrome Trace Event format, for ui.perfetto.dev and
//! chrome://tracing — the tools people already use to look at a schedule.
//!
//! The JSON object form: `{"traceEvents": [...]}` of complete (`"X"`) events, `ts` and `dur` in
//! µs from the repeat's start. Each point (strategy × N) is a process of its own, named
//! `async N=8` by a `process_name` metadata event; each of its lanes is a thread, named by a
//! `thread_name` event. An event's `name` and `cat` are its span kind and `args.task` its task.
//!
//! Beside each point goes the model's ideal schedule of the same workload as a process of its
//! own, `model async N=8`: the same lanes with no overhead, so a gap between the two is the
//! runtime's (or the machine's) and not the schedule's.
//!
//! Trace viewers nest the events of one thread by containment and draw events that overlap
//! without nesting wrongly, yet one lane can hold overlapping spans: an event loop has every
//! fetch in flight at once. So each lane's spans are packed into as few threads as keep them
//! apart — the lane's work (`cpu`, `copy`) first, on the lane's own thread, then the waits and
//! fetches wherever they fit, on extra threads named `event loop · 2` and so on.

use super::Exporter;
use anyhow::Result;
use gilwall_core::model::{self, ModelInput};
use gilwall_core::report::{Point, Report, ReportRuntime};
use gilwall_core::timeline::{SpanKind, Timeline, TracedSpan};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Writes every traced point of every report as one trace; points without a timeline are left
/// out, and a trace with none is an empty `traceEvents`.
pub struct Trace;

impl Exporter for Trace {
    fn export(&self, reports: &[Report]) -> Result<Vec<u8>> {
        let mut events = Vec::new();
        let mut pid = 0;
        let mut process = |name: String, timeline: &Timeline, events: &mut Vec<Value>| {
            pid += 1;
            events.push(meta("process_name", pid, 0, json!({ "name": name })));
            events.push(meta(
                "process_sort_index",
                pid,
                0,
                json!({ "sort_index": pid }),
            ));
            point_events(pid, timeline, events);
        };
        for report in reports {
            for point in &report.points {
                let Some(timeline) = &point.timeline else {
                    continue;
                };
                let name = format!("{} N={}", point.strategy, point.tasks);
                process(name.clone(), timeline, &mut events);
                if let Some(ideal) = ideal(report, point) {
                    process(format!("model {name}"), &ideal, &mut events);
                }
            }
        }
        let trace = json!({ "traceEvents": events, "displayTimeUnit": "ms" });
        let mut out = serde_json::to_vec(&trace)?;
        out.push(b'\n');
        Ok(out)
    }
}

/// The model's ideal schedule of `point`, at the CPU asked (its makespan is the point's
/// `model_ms`); `None` for a strategy the model does not know.
fn ideal(report: &Report, point: &Point) -> Option<Timeline> {
    let strategy = match report.runtime {
        ReportRuntime::Python => {
            crate::python::model_strategy(&point.strategy, report.machine.gil_enabled?)?
        }
        _ => point.strategy.parse().ok()?,
    };
    let input = ModelInput {
        tasks: point.tasks,
        io_ms: point.io_ms,
        cpu_ms: point.cpu_ms,
        pool: point.workers.unwrap_or(point.tasks),
        cores: report.machine.cores,
        fetch_limit: (report.runtime == ReportRuntime::Browser)
            .then_some(model::BROWSER_CONNECTIONS_PER_HOST),
    };
    model::ideal_timeline(strategy, input)
}

/// A metadata event.
fn meta(name: &str, pid: usize, tid: usize, args: Value) -> Value {
    json!({ "name": name, "ph": "M", "pid": pid, "tid": tid, "args": args })
}

/// One point's threads and events.
fn point_events(pid: usize, timeline: &Timeline, events: &mut Vec<Value>) {
    let mut tid = 0;
    for lane in pack(timeline) {
        for (row, spans) in lane.rows.iter().enumerate() {
            for &(task, span) in spans {
                events.push(json!({
                    "name": span.kind.as_str(),
                    "cat": span.kind.as_str(),
                    "ph": "X",
                    "pid": pid,
                    "tid": tid + 1 + row,
                    "ts": span.start_ms * 1000.0,
                    "dur": (span.end_ms - span.start_ms) * 1000.0,
                    "args": { "task": task },
                }));
            }
        }
        let name = &timeline.lanes[lane.lane].name;
        for row in 0..lane.rows.len().max(1) {
            let thread = if row == 0 {
                name.clone()
            } else {
                format!("{name} · {}", row + 1)
            };
            let t = tid + 1 + row;
            events.push(meta("thread_name", pid, t, json!({ "name": thread })));
            events.push(meta(
                "thread_sort_index",
                pid,
                t,
                json!({ "sort_index": t }),
            ));
        }
        tid += lane.rows.len().max(1);
    }
}

/// One lane of a timeline, its spans packed into rows in which no two overlap.
pub(crate) struct PackedLane<'t> {
    /// The lane's index in the timeline's `lanes`.
    pub lane: usize,
    /// The rows, the lane's own work first: each span with its task.
    pub rows: Vec<Vec<(u32, &'t TracedSpan)>>,
}

/// Every lane of `timeline` (lanes without spans too, with no rows), its spans packed into as
/// few rows as keep them apart: the lane's work (`cpu`, `copy`) first, so it fills the first
/// row, then the waits and fetches wherever they fit. The trace makes each row a thread; the
/// Gantt chart draws each as a row.
pub(crate) fn pack(timeline: &Timeline) -> Vec<PackedLane<'_>> {
    let mut by_lane: Vec<Vec<(u32, &TracedSpan)>> = vec![Vec::new(); timeline.lanes.len()];
    for task in &timeline.tasks {
        for span in &task.spans {
            // A loaded timeline was checked: every span's lane is listed.
            by_lane[span.lane as usize].push((task.task, span));
        }
    }
    let work_last = |k: SpanKind| !matches!(k, SpanKind::Cpu | SpanKind::Copy);
    by_lane
        .into_iter()
        .enumerate()
        .map(|(lane, mut spans)| {
            spans.sort_by(|a, b| {
                (work_last(a.1.kind), a.1.start_ms)
                    .partial_cmp(&(work_last(b.1.kind), b.1.start_ms))
                    // The times are finite (checked), so they compare.
                    .expect("span times are finite")
            });
            let mut rows: Vec<Row> = Vec::new();
            let mut packed: Vec<Vec<(u32, &TracedSpan)>> = Vec::new();
            for (task, span) in spans {
                let row = match rows.iter().position(|r| r.fits(span)) {
                    Some(i) => i,
                    None => {
                        rows.push(Row::default());
                        packed.push(Vec::new());
                        rows.len() - 1
                    }
                };
                rows[row].take(span);
                packed[row].push((task, span));
            }
            PackedLane { lane, rows: packed }
        })
        .collect()
}

/// One thread's spans so far, by start in ns, so a new span's neighbours are found in
/// logarithmic time (a `gil` point can hold many thousands of slices).
#[derive(Default)]
struct Row(BTreeMap<i64, i64>);

/// A time in whole ns, which orders spans exactly enough and has a total order.
fn ns(ms: f64) -> i64 {
    (ms * 1e6).round() as i64
}

impl Row {
    /// Whether `span` overlaps none of the row's spans (touching is not overlapping).
    fn fits(&self, span: &TracedSpan) -> bool {
        let (start, end) = (ns(span.start_ms), ns(span.end_ms));
        let before = self.0.range(..=start).next_back();
        let after = self.0.range(start..).next();
        before.is_none_or(|(_, &e)| e <= start) && after.is_none_or(|(&s, _)| s >= end)
    }

    fn take(&mut self, span: &TracedSpan) {
        self.0.insert(ns(span.start_ms), ns(span.end_ms));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gilwall_core::report::{Machine, Point, PointSpec, ReportRuntime};
    use gilwall_core::task::{Computed, TaskOutcome};
    use gilwall_core::timeline::{Lane, Span};

    fn report() -> Report {
        let spec = PointSpec {
            strategy: "async".into(),
            tasks: 2,
            workers: None,
            io_ms: 100.0,
            cpu_ms: 50.0,
            cpu_iters: None,
            kernel: None,
            payload_bytes: 0,
        };
        let mut p = Point::new(spec, vec![200.0], 200.0, 0).unwrap();
        let done = || Computed {
            result: Ok(1),
            wall_ms: 50.0,
            cpu_time_ms: None,
        };
        let on_loop = |kind, a, b| Span::new(kind, Lane::EventLoop, a, b);
        let outcomes = [
            TaskOutcome::computed(0, Some(100.0), done()).with_spans([
                on_loop(SpanKind::Fetch, 0.0, 100.0),
                on_loop(SpanKind::Cpu, 100.0, 150.0),
            ]),
            TaskOutcome::computed(1, Some(150.0), done()).with_spans([
                on_loop(SpanKind::Fetch, 0.5, 150.0),
                on_loop(SpanKind::Cpu, 150.0, 200.0),
            ]),
        ];
        p.timeline = Timeline::of(0, &outcomes);
        let mut r = Report::new(ReportRuntime::Native, Machine::default(), "t".into());
        r.points.push(p);
        r
    }

    #[test]
    fn a_point_is_a_process_and_overlapping_spans_get_threads_of_their_own() {
        let out = Trace.export(&[report()]).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        let events = v["traceEvents"].as_array().unwrap();
        let named = |what: &str| -> Vec<String> {
            events
                .iter()
                .filter(|e| e["name"] == what)
                .map(|e| e["args"]["name"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(named("process_name"), ["async N=2", "model async N=2"]);
        assert_eq!(
            named("thread_name"),
            [
                "event loop",
                "event loop · 2",
                "event loop",
                "event loop · 2"
            ]
        );
        let x: Vec<&Value> = events
            .iter()
            .filter(|e| e["ph"] == "X" && e["pid"] == 1)
            .collect();
        assert_eq!(x.len(), 4);
        // The model's: two fetches of 100 ms, then the kernels one after the other.
        let ideal: Vec<(&Value, &Value, &Value)> = events
            .iter()
            .filter(|e| e["ph"] == "X" && e["pid"] == 2 && e["cat"] == "cpu")
            .map(|e| (&e["ts"], &e["dur"], &e["args"]["task"]))
            .collect();
        assert_eq!(
            ideal,
            [
                (&json!(100000.0), &json!(50000.0), &json!(0)),
                (&json!(150000.0), &json!(50000.0), &json!(1))
            ]
        );
        // The CPU spans share the lane's own thread; the two fetches overlap, so they cannot.
        let cpu_tids: Vec<&Value> = x
            .iter()
            .filter(|e| e["cat"] == "cpu")
            .map(|e| &e["tid"])
            .collect();
        assert_eq!(cpu_tids, [&json!(1), &json!(1)]);
        let fetch = x
            .iter()
            .find(|e| e["args"]["task"] == 1 && e["cat"] == "fetch")
            .unwrap();
        assert_eq!(
            (&fetch["ts"], &fetch["dur"]),
            (&json!(500.0), &json!(149500.0))
        );
        assert_ne!(fetch["tid"], json!(1));
    }

    #[test]
    fn points_without_a_timeline_are_left_out() {
        let mut r = report();
        r.points[0].timeline = None;
        let v: Value = serde_json::from_slice(&Trace.export(&[r]).unwrap()).unwrap();
        assert_eq!(v["traceEvents"], json!([]));
    }
}
