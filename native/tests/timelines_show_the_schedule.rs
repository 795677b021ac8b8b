//! The schedule behind the wall, read from the points' timelines, measured for real against the
//! embedded server at 4 tasks, io 100 ms, CPU 50 ms: `async` computes on one lane one kernel at
//! a time; `gil` hands its lock around in slices of one switch interval that never overlap;
//! `threads` and `processes` compute side by side on at least two lanes; every task fetches
//! before it computes; the Chrome trace export names every point and lane, with the model's
//! ideal schedule beside each; and the Gantt chart draws a panel per strategy. Margins are wide
//! and a busy machine gets three tries: this is a shared, noisy 2-core machine.

mod schema;
mod support;

use gilwall::export::Exporter;
use gilwall::export::gantt::Gantt;
use gilwall::export::trace::Trace;
use gilwall::server::ServerConfig;
use gilwall::sweep::Bench;
use gilwall_core::report::{Point, Report};
use gilwall_core::sweep::SweepSpec;
use gilwall_core::timeline::{SpanKind, Timeline, TracedSpan};
use gilwall_core::{Kernel, StrategyId};
use indicatif::ProgressBar;
use std::path::PathBuf;

/// CPython's default switch interval, which the `gil` strategy uses unless told otherwise.
const SWITCH_INTERVAL_MS: f64 = 5.0;

fn measure(bench: &Bench) -> Report {
    let spec = SweepSpec {
        strategies: vec![
            StrategyId::Async,
            StrategyId::Gil,
            StrategyId::Threads,
            StrategyId::Processes,
        ],
        tasks: vec![4],
        io_ms: 100.0,
        cpu_ms: Some(50.0),
        kernel: Kernel::Sqrt,
        payload_kb: 2,
        repeats: 1,
        ..SweepSpec::default()
    };
    bench
        .run(&spec, &ProgressBar::hidden(), |_| Ok(()))
        .unwrap()
}

fn point<'r>(report: &'r Report, strategy: &str) -> &'r Point {
    report
        .points
        .iter()
        .find(|p| p.strategy == strategy)
        .unwrap_or_else(|| panic!("no point for {strategy}"))
}

fn timeline<'r>(report: &'r Report, strategy: &str) -> &'r Timeline {
    let p = point(report, strategy);
    assert_eq!(p.errors, 0, "{strategy} had failed tasks");
    p.timeline
        .as_ref()
        .unwrap_or_else(|| panic!("{strategy} has no timeline"))
}

fn cpu_spans(t: &Timeline) -> Vec<TracedSpan> {
    let mut cpu: Vec<TracedSpan> = t
        .tasks
        .iter()
        .flat_map(|task| task.spans.iter().copied())
        .filter(|s| s.kind == SpanKind::Cpu)
        .collect();
    cpu.sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms));
    cpu
}

/// Whether no two of `spans` (sorted by start) overlap.
fn one_at_a_time(spans: &[TracedSpan]) -> bool {
    spans.windows(2).all(|w| w[0].end_ms <= w[1].start_ms)
}

/// How many lanes ran a `cpu` span that overlapped, by at least `margin_ms`, a `cpu` span on
/// another lane.
fn lanes_computing_together(t: &Timeline, margin_ms: f64) -> usize {
    let cpu = cpu_spans(t);
    let mut lanes: Vec<u32> = Vec::new();
    for a in &cpu {
        for b in &cpu {
            let overlap = a.end_ms.min(b.end_ms) - a.start_ms.max(b.start_ms);
            if a.lane != b.lane && overlap >= margin_ms && !lanes.contains(&a.lane) {
                lanes.push(a.lane);
            }
        }
    }
    lanes.len()
}

/// The shapes that need the machine's two cores to themselves; what went wrong, if any.
fn parallel_shapes(report: &Report) -> Vec<String> {
    let mut wrong = Vec::new();
    for s in ["threads", "processes"] {
        let t = timeline(report, s);
        let together = lanes_computing_together(t, 5.0);
        if together < 2 {
            wrong.push(format!("{s}: only {together} lanes computed side by side"));
        }
    }
    // A slice is one switch interval of the kernel; a busy machine stretches it, so allow 3×.
    let longest = cpu_spans(timeline(report, "gil"))
        .iter()
        .map(|s| s.end_ms - s.start_ms)
        .fold(0.0, f64::max);
    if longest > 3.0 * SWITCH_INTERVAL_MS {
        wrong.push(format!("gil: a slice held the lock for {longest:.1} ms"));
    }
    wrong
}

#[test]
fn timelines_show_the_wall_the_gil_and_the_cores() {
    let bench = Bench::start(None, ServerConfig::default())
        .unwrap()
        .with_worker_exe(PathBuf::from(env!("CARGO_BIN_EXE_gilwall")));
    let mut attempt = 0;
    let report = loop {
        attempt += 1;
        let cores = support::wait_for_cores(2.0);
        let report = measure(&bench);
        let wrong = parallel_shapes(&report);
        if wrong.is_empty() {
            break report;
        }
        assert!(
            attempt < 3,
            "{} (this process had {cores:.2} cores)",
            wrong.join("; ")
        );
    };

    // async: one lane, the event loop, and one kernel at a time on it.
    let t = timeline(&report, "async");
    assert_eq!(t.lanes.len(), 1, "async's lanes: {:?}", t.lanes);
    assert_eq!(t.lanes[0].name, "event loop");
    let cpu = cpu_spans(t);
    assert_eq!(cpu.len(), 4, "one kernel per task");
    assert!(one_at_a_time(&cpu), "async's kernels overlapped: {cpu:?}");
    // The bodies arrive together; all but the first wait behind the kernels before them.
    let queued = t
        .tasks
        .iter()
        .filter(|task| {
            task.spans
                .iter()
                .any(|s| s.kind == SpanKind::WaitCpu && s.end_ms - s.start_ms >= 25.0)
        })
        .count();
    assert!(queued >= 2, "only {queued} async tasks waited for the loop");

    // gil: many slices, held one at a time across all its threads.
    let t = timeline(&report, "gil");
    let slices = cpu_spans(t);
    assert!(
        slices.len() >= 2 * 4,
        "gil: {} slices for 4 kernels of 10 switch intervals",
        slices.len()
    );
    assert!(one_at_a_time(&slices), "two threads held the GIL at once");
    assert!(
        t.tasks
            .iter()
            .any(|task| task.spans.iter().any(|s| s.kind == SpanKind::WaitCpu))
    );

    // Every strategy: each task fetched, then computed; processes also copied.
    for p in &report.points {
        let t = timeline(&report, &p.strategy);
        assert_eq!((t.traced_tasks, t.capped_at), (4, None), "{}", p.strategy);
        for task in &t.tasks {
            let of = |kind| task.spans.iter().filter(move |s| s.kind == kind);
            let fetch = of(SpanKind::Fetch).next();
            let fetch =
                fetch.unwrap_or_else(|| panic!("{}: task {} never fetched", p.strategy, task.task));
            let first_cpu = of(SpanKind::Cpu)
                .map(|s| s.start_ms)
                .fold(f64::INFINITY, f64::min);
            assert!(
                fetch.end_ms <= first_cpu,
                "{}: task {} computed at {first_cpu} ms before its fetch ended at {} ms",
                p.strategy,
                task.task,
                fetch.end_ms
            );
            if p.strategy == "processes" {
                assert!(
                    of(SpanKind::Copy).count() >= 2,
                    "processes: task {} copied nothing",
                    task.task
                );
            }
        }
    }
    let names: Vec<&str> = timeline(&report, "processes")
        .lanes
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    assert!(
        names.iter().all(|n| n.starts_with("worker process ")),
        "{names:?}"
    );

    // The report with its timelines still follows the published schema and loads back.
    let value: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    let errors = schema::violations(&value);
    assert!(
        errors.is_empty(),
        "the timelines break the schema: {errors:?}"
    );
    assert_eq!(
        Report::from_json(report.to_json().as_bytes()).unwrap(),
        report
    );

    // The trace: JSON with a process per point and a named thread per lane.
    let trace: serde_json::Value =
        serde_json::from_slice(&Trace.export(std::slice::from_ref(&report)).unwrap()).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    let named = |what: &str| -> Vec<String> {
        events
            .iter()
            .filter(|e| e["ph"] == "M" && e["name"] == what)
            .map(|e| e["args"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    // Each point's process, and the model's ideal schedule of it beside it.
    assert_eq!(
        named("process_name"),
        [
            "async N=4",
            "model async N=4",
            "gil N=4",
            "model gil N=4",
            "threads N=4",
            "model threads N=4",
            "processes N=4",
            "model processes N=4"
        ]
    );
    let threads = named("thread_name");
    for lane in ["event loop", "thread 0", "worker process 0"] {
        assert!(
            threads.iter().any(|t| t == lane),
            "no thread {lane}: {threads:?}"
        );
    }
    let complete = events.iter().filter(|e| e["ph"] == "X");
    assert!(
        complete
            .clone()
            .all(|e| e["ts"].as_f64().is_some_and(|ts| ts >= 0.0)
                && e["dur"].as_f64().is_some_and(|d| d >= 0.0)
                && e["args"]["task"].is_u64())
    );
    assert!(complete.clone().any(|e| e["cat"] == "copy"));
    assert!(complete.count() >= 4 * 4 * 2);

    // The Gantt chart, written as `--timeline` writes it: one panel per strategy, in order,
    // each naming its lanes, and the span kinds in the legend.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.svg");
    let gantt = Gantt {
        title: "the schedule".into(),
        tasks: 4,
    };
    gilwall::export::write(&path, &gantt.export(std::slice::from_ref(&report)).unwrap()).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let texts = svg_texts(&svg);
    let panels: Vec<&str> = texts
        .iter()
        .map(String::as_str)
        .filter(|t| t.ends_with(" N=4"))
        .collect();
    assert_eq!(
        panels,
        ["async N=4", "gil N=4", "threads N=4", "processes N=4"]
    );
    for text in [
        "event loop",
        "thread 3",
        "worker process 0",
        "fetch",
        "waiting for the CPU",
        "CPU",
        "copy between heaps",
    ] {
        assert!(texts.iter().any(|t| t == text), "no {text:?} in {texts:?}");
    }
    // Every panel says which repeat it draws and how long it took.
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.starts_with("repeat 1 of 1: "))
            .count(),
        4
    );
}

/// The text of every `<text>` element of an SVG, entities decoded.
fn svg_texts(svg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(open) = rest.find("<text") {
        let after = &rest[open..];
        let start = after.find('>').expect("a text element's tag closes") + 1;
        let end = after.find("</text>").expect("a text element ends");
        out.push(
            after[start..end]
                .trim()
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&"),
        );
        rest = &after[end..];
    }
    out
}
