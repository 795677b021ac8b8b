//! The points' timelines in the Chrome Trace Event format, for ui.perfetto.dev and
//! chrome://tracing — the tools people already use to look at a schedule.
//!
//! The JSON object form: `{"traceEvents": [...]}` of complete (`"X"`) events, `ts` and `dur` in
//! µs from the repeat's start. Each point (strategy × N) is a process of its own, named
//! `async N=8` by a `process_name` metadata event; each of its lanes is a thread, named by a
//! `thread_name` event. An event's `name` and `cat` are its span kind and `args.task` its task.
//!
//! Trace viewers nest the events of one thread by containment and draw events that overlap
//! without nesting wrongly, yet one lane can hold overlapping spans: an event loop has every
//! fetch in flight at once. So each lane's spans are packed into as few threads as keep them
//! apart — the lane's work (`cpu`, `copy`) first, on the lane's own thread, then the waits and
//! fetches wherever they fit, on extra threads named `event loop · 2` and so on.

use super::Exporter;
use anyhow::Result;
use gilwall_core::report::Report;
use gilwall_core::timeline::{SpanKind, Timeline, TracedSpan};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Writes every traced point of every report as one trace; points without a timeline are left
/// out, and a trace with none is an empty `traceEvents`.
pub struct Trace;

impl Exporter for Trace {
    fn export(&self, reports: &[Report]) -> Result<Vec<u8>> {
        let mut events = Vec::new();
        let points = reports.iter().flat_map(|r| &r.points);
        for (pid, (point, timeline)) in points
            .filter_map(|p| Some((p, p.timeline.as_ref()?)))
            .enumerate()
        {
            let pid = pid + 1;
            let name = format!("{} N={}", point.strategy, point.tasks);
            events.push(meta("process_name", pid, 0, json!({ "name": name })));
            events.push(meta(
                "process_sort_index",
                pid,
                0,
                json!({ "sort_index": pid }),
            ));
            point_events(pid, timeline, &mut events);
        }
        let trace = json!({ "traceEvents": events, "displayTimeUnit": "ms" });
        let mut out = serde_json::to_vec(&trace)?;
        out.push(b'\n');
        Ok(out)
    }
}

/// A metadata event.
fn meta(name: &str, pid: usize, tid: usize, args: Value) -> Value {
    json!({ "name": name, "ph": "M", "pid": pid, "tid": tid, "args": args })
}

/// One point's threads and events.
fn point_events(pid: usize, timeline: &Timeline, events: &mut Vec<Value>) {
    // Every span with its task, grouped by lane, the lane's own work first.
    let mut by_lane: Vec<Vec<(u32, &TracedSpan)>> = vec![Vec::new(); timeline.lanes.len()];
    for task in &timeline.tasks {
        for span in &task.spans {
            // A loaded timeline was checked: every span's lane is listed.
            by_lane[span.lane as usize].push((task.task, span));
        }
    }
    let mut tid = 0;
    for (lane, mut spans) in by_lane.into_iter().enumerate() {
        let work_first = |k: SpanKind| !matches!(k, SpanKind::Cpu | SpanKind::Copy);
        spans.sort_by(|a, b| {
            (work_first(a.1.kind), a.1.start_ms)
                .partial_cmp(&(work_first(b.1.kind), b.1.start_ms))
                // The times are finite (checked), so they compare.
                .expect("span times are finite")
        });
        let mut rows: Vec<Row> = Vec::new();
        for (task, span) in spans {
            let row = match rows.iter().position(|r| r.fits(span)) {
                Some(i) => i,
                None => {
                    rows.push(Row::default());
                    rows.len() - 1
                }
            };
            rows[row].take(span);
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
        let name = &timeline.lanes[lane].name;
        for row in 0..rows.len().max(1) {
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
        tid += rows.len().max(1);
    }
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
        assert_eq!(named("process_name"), ["async N=2"]);
        assert_eq!(named("thread_name"), ["event loop", "event loop · 2"]);
        let x: Vec<&Value> = events.iter().filter(|e| e["ph"] == "X").collect();
        assert_eq!(x.len(), 4);
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
