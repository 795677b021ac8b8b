//! The report: the versioned JSON format every part of gilwall reads and writes.
//!
//! The CLI writes it (`--export-json`), the page downloads and loads it, the Python companion
//! writes it, and `gilwall plot` draws any mix of them on one chart. Its JSON Schema is
//! `schema/report.schema.json` (also [`JSON_SCHEMA`]); tests validate real reports against it.
//!
//! **Architecture Invariant:** this format is the only contract between the CLI, the page and
//! the Python companion. A change that breaks old readers bumps [`SCHEMA_VERSION`].

use crate::model;
use crate::stats::Summary;
use crate::timeline::Timeline;
use serde::{Deserialize, Serialize};

/// The version of the format this build writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON Schema of the format.
pub const JSON_SCHEMA: &str = include_str!("../../schema/report.schema.json");

/// Largest report file accepted when loading, in bytes (64 MiB).
pub const MAX_REPORT_BYTES: usize = 64 * 1024 * 1024;
/// Most points in one report.
pub const MAX_POINTS: usize = 100_000;
/// Most samples in one point (the most repeats a sweep allows).
pub const MAX_SAMPLES: usize = crate::workload::limits::MAX_REPEATS as usize;

/// Which program produced a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportRuntime {
    /// The `gilwall` command.
    Native,
    /// The demo page.
    Browser,
    /// The Python companion that runs the article's own strategies.
    Python,
    /// The Go companion that runs the article's Go strategies (`gilwall go`).
    Go,
}

/// The machine a report was measured on.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Machine {
    /// Logical cores available to the run.
    pub cores: u32,
    /// CPU model name, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_model: Option<String>,
    /// Operating system, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// The browser's user agent (browser reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The interpreter's version (Python reports), or the Go toolchain's (Go reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,
    /// Whether the interpreter's GIL was enabled (Python reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gil_enabled: Option<bool>,
    /// Go's `GOMAXPROCS`: how many threads run goroutines at once (Go reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gomaxprocs: Option<u32>,
    /// How the page was served (browser reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_mode: Option<PageMode>,
}

/// How a browser report's page was served, so a reader knows who answered its fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PageMode {
    /// By `gilwall serve`: the page, `/delay` and `/features` from gilwall's server.
    Served,
    /// A static export (`gilwall export-page`) on any file server: `/delay` and `/features`
    /// answered inside the browser by the page's service worker.
    Static,
}

/// One measured point: a strategy at one task count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Strategy identifier (`serial`, `async`, … or a Python strategy's name).
    pub strategy: String,
    /// Number of tasks, N.
    pub tasks: u32,
    /// Pool size, where the strategy has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<u32>,
    /// Delay of one fetch, in ms.
    pub io_ms: f64,
    /// CPU work per task, in ms, as asked (or as calibrated, for a fixed iteration count).
    pub cpu_ms: f64,
    /// Kernel iterations per task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_iters: Option<u64>,
    /// Kernel used (`sqrt` or `features`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
    /// Size of each fetched payload, in bytes.
    pub payload_bytes: u64,
    /// Makespan of each repeat, in ms.
    pub samples_ms: Vec<f64>,
    /// Median of `samples_ms`.
    pub median_ms: f64,
    /// Fastest repeat.
    pub min_ms: f64,
    /// Slowest repeat.
    pub max_ms: f64,
    /// The model's ideal makespan, in ms.
    pub model_ms: f64,
    /// `model_ms / median_ms`: 1 is ideal.
    pub efficiency: f64,
    /// Failed fetches over all repeats.
    pub errors: u64,
    /// Median CPU time one task's kernel actually took, in ms, on the clock `cpu_clock` names,
    /// so a gap to the model can be told apart: runtime or machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_measured_ms: Option<f64>,
    /// Which clock `cpu_measured_ms` was read from: the thread's CPU clock (natively), or the
    /// wall time around each kernel call (the browser, which has no thread CPU clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_clock: Option<CpuClock>,
    /// The model's ideal makespan with each task's CPU work at what the tasks actually took
    /// (their mean) instead of what was asked, in ms. Beside `model_ms` it separates the
    /// machine (its kernels ran slower or faster than calibrated) from the runtime (its
    /// schedule wasted time). Absent where it would mislead: a point with failed tasks, or
    /// wall-clock CPU times of more executors than cores (time-slicing stretches them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_at_measured_ms: Option<f64>,
    /// `model_at_measured_ms / median_ms`: how close the schedule came to ideal, whatever the
    /// kernel's speed on the day; 1 is ideal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_efficiency: Option<f64>,
    /// Order-independent checksum of all tasks' kernel results, in hex; equal across strategies
    /// for the same workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// True when every fetch of every repeat failed: the times measure failures, not work, and
    /// charts leave the point out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all_failed: bool,
    /// One of the failures, to say what went wrong (at most 300 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_sample: Option<String>,
    /// The feature server's own lateness (time served − delay asked), 99th percentile over
    /// the point's requests, worst repeat, in ms; where the server reports it (gilwall's does).
    /// It is not subtracted from anything: it is part of what the strategies waited for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_late_p99_ms: Option<f64>,
    /// The client's view of the same: each fetch's time (request started to body in) minus
    /// the delay asked, 99th percentile over the point's tasks, worst repeat, in ms; where the
    /// runtime traces its fetches. Beside `server_late_p99_ms` it tells server queueing from
    /// client queueing (the client sending late, or reading answers late).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_late_p99_ms: Option<f64>,
    /// The HTTP version the point's fetches spoke, where the runtime chose it (natively: HTTP/2
    /// when N connections would not fit, or as `--http1`/`--http2` forced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<Transport>,
    /// Payload bytes one task copied between heaps that share no memory (the article's
    /// pickling): into a worker and, with the computed features, back. `Some(0)` where the
    /// strategy shares its heap (threads); `None` where it was not counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copied_bytes: Option<u64>,
    /// Median time one task spent on those copies, in ms, as far as the runtime can time them
    /// (a lower bound: see the strategy that reports it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_ms: Option<f64>,
    /// One repeat's schedule: each traced task's spans (fetch, waiting, CPU, copies) on named
    /// lanes, where the runtime traces; see [`Timeline`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Timeline>,
    /// The page's main thread's own CPU time over the point's measured repeats ÷ their wall
    /// time, in cores (1 = a core busy throughout): what the page itself cost the cores its
    /// workers are measured on. Browser reports only, and only where the page could read its
    /// thread's CPU clock (driven through the DevTools protocol; a page alone cannot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_thread_cpu: Option<f64>,
}

/// The HTTP version a point's fetches spoke to the feature server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    /// HTTP/1.1: one connection per request in flight, as the article's clients.
    Http1,
    /// HTTP/2 without TLS (h2c): many requests multiplexed over a few connections.
    Http2,
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Transport::Http1 => "HTTP/1.1",
            Transport::Http2 => "HTTP/2",
        })
    }
}

/// The clock a point's measured CPU time was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CpuClock {
    /// The thread's own CPU clock: time the kernel's thread ran, not waited.
    Thread,
    /// Wall time around each kernel call: CPU time while the kernel has a core to itself.
    Wall,
}

/// What a point was measured for, before its samples are known.
#[derive(Debug, Clone, PartialEq)]
pub struct PointSpec {
    /// Strategy identifier.
    pub strategy: String,
    /// Number of tasks.
    pub tasks: u32,
    /// Pool size, where the strategy has one.
    pub workers: Option<u32>,
    /// Fetch delay, ms.
    pub io_ms: f64,
    /// CPU per task, ms.
    pub cpu_ms: f64,
    /// Kernel iterations per task.
    pub cpu_iters: Option<u64>,
    /// Kernel used.
    pub kernel: Option<String>,
    /// Payload size, bytes.
    pub payload_bytes: u64,
}

impl Point {
    /// Builds a point from its spec, its samples, the model's prediction and its error count.
    /// Returns `None` if `samples_ms` is empty or holds a non-finite value.
    pub fn new(spec: PointSpec, samples_ms: Vec<f64>, model_ms: f64, errors: u64) -> Option<Point> {
        let s = Summary::of(&samples_ms)?;
        Some(Point {
            strategy: spec.strategy,
            tasks: spec.tasks,
            workers: spec.workers,
            io_ms: spec.io_ms,
            cpu_ms: spec.cpu_ms,
            cpu_iters: spec.cpu_iters,
            kernel: spec.kernel,
            payload_bytes: spec.payload_bytes,
            samples_ms,
            median_ms: s.median,
            min_ms: s.min,
            max_ms: s.max,
            model_ms,
            efficiency: model::efficiency(model_ms, s.median),
            errors,
            cpu_measured_ms: None,
            cpu_clock: None,
            model_at_measured_ms: None,
            schedule_efficiency: None,
            checksum: None,
            all_failed: false,
            error_sample: None,
            server_late_p99_ms: None,
            client_late_p99_ms: None,
            transport: None,
            copied_bytes: None,
            copy_ms: None,
            timeline: None,
            main_thread_cpu: None,
        })
    }

    /// Whether every task of every repeat succeeded: only such a point's times measure the
    /// work, so only such points get an efficiency, a verdict or a place on a chart.
    pub fn complete(&self) -> bool {
        self.errors == 0 && !self.all_failed
    }

    /// Sets the model's prediction at the CPU time the tasks actually took (`model_at_ms`),
    /// and the schedule's efficiency against it.
    pub fn set_model_at_measured(&mut self, model_at_ms: f64) {
        self.model_at_measured_ms = Some(model_at_ms);
        self.schedule_efficiency = Some(model::efficiency(model_at_ms, self.median_ms));
    }
}

/// A whole report: where and when it was measured, and its points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Format version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Version of the program that wrote it.
    pub tool_version: String,
    /// Which program wrote it.
    pub runtime: ReportRuntime,
    /// Where it was measured.
    pub machine: Machine,
    /// When it was written (RFC 3339, UTC), supplied by the caller: core reads no clock.
    pub created_at: String,
    /// A human title, e.g. the experiment or lesson.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The measured points, in the order they were measured.
    pub points: Vec<Point>,
    /// Latency under load (`gilwall load`): one point per strategy and offered rate, in the
    /// order measured. Absent from sweep reports; readers that predate it ignore it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_points: Vec<crate::load::LoadPoint>,
}

/// Why a report could not be loaded.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ReportError {
    /// The file is larger than [`MAX_REPORT_BYTES`].
    #[error("the report is {got} bytes; at most {max} bytes are read")]
    TooLarge {
        /// Its size.
        got: usize,
        /// The limit.
        max: usize,
    },
    /// The JSON does not parse or has the wrong shape.
    #[error("not a gilwall report: {0}")]
    Malformed(String),
    /// A different format version.
    #[error(
        "the report has schema_version {got}, but this gilwall reads version {SCHEMA_VERSION}{hint}"
    )]
    WrongVersion {
        /// The version found.
        got: u64,
        /// What to do about it.
        hint: &'static str,
    },
    /// A value out of range.
    #[error("point {index}: {problem}")]
    BadPoint {
        /// Index of the point, from 0.
        index: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// A load point's value out of range.
    #[error("load point {index}: {problem}")]
    BadLoadPoint {
        /// Index of the load point, from 0.
        index: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// Too many points.
    #[error("the report has {got} points; at most {MAX_POINTS} are read")]
    TooManyPoints {
        /// How many it has.
        got: usize,
    },
}

impl Report {
    /// An empty report for `runtime` on `machine`, written at `created_at`.
    pub fn new(runtime: ReportRuntime, machine: Machine, created_at: String) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            tool_version: crate::VERSION.to_string(),
            runtime,
            machine,
            created_at,
            title: None,
            points: Vec::new(),
            load_points: Vec::new(),
        }
    }

    /// Serialises the report as pretty JSON.
    pub fn to_json(&self) -> String {
        // A report holds only strings, numbers and finite floats (checked when points are
        // built), all of which serialise.
        serde_json::to_string_pretty(self).expect("a report always serialises")
    }

    /// Parses and checks a report, with an error that says what is wrong and where.
    pub fn from_json(bytes: &[u8]) -> Result<Report, ReportError> {
        if bytes.len() > MAX_REPORT_BYTES {
            return Err(ReportError::TooLarge {
                got: bytes.len(),
                max: MAX_REPORT_BYTES,
            });
        }
        // Read the version first, so an old or new file gets the right message rather than a
        // complaint about a missing field.
        #[derive(Deserialize)]
        struct Version {
            schema_version: Option<serde_json::Value>,
        }
        let v: Version =
            serde_json::from_slice(bytes).map_err(|e| ReportError::Malformed(e.to_string()))?;
        match v.schema_version.as_ref().and_then(|v| v.as_u64()) {
            Some(n) if n == SCHEMA_VERSION as u64 => {}
            Some(n) => {
                let hint = if n > SCHEMA_VERSION as u64 {
                    ": it was written by a newer gilwall; update this one"
                } else {
                    ": it was written by an older gilwall; re-run the measurement"
                };
                return Err(ReportError::WrongVersion { got: n, hint });
            }
            None => {
                return Err(ReportError::Malformed(
                    "missing or non-integer \"schema_version\"".to_string(),
                ));
            }
        }
        let report: Report =
            serde_json::from_slice(bytes).map_err(|e| ReportError::Malformed(e.to_string()))?;
        report.check()?;
        Ok(report)
    }

    /// Checks every point's values are in range.
    pub fn check(&self) -> Result<(), ReportError> {
        if self.load_points.len() > MAX_POINTS {
            return Err(ReportError::TooManyPoints {
                got: self.load_points.len(),
            });
        }
        for (index, p) in self.load_points.iter().enumerate() {
            p.check()
                .map_err(|problem| ReportError::BadLoadPoint { index, problem })?;
        }
        if self.points.len() > MAX_POINTS {
            return Err(ReportError::TooManyPoints {
                got: self.points.len(),
            });
        }
        for (index, p) in self.points.iter().enumerate() {
            let bad = |problem: String| ReportError::BadPoint { index, problem };
            if p.strategy.is_empty() || p.strategy.len() > 64 {
                return Err(bad("strategy must be 1 to 64 characters".into()));
            }
            if p.tasks == 0 {
                return Err(bad("tasks must be at least 1".into()));
            }
            if p.samples_ms.is_empty() || p.samples_ms.len() > MAX_SAMPLES {
                return Err(bad(format!(
                    "samples_ms must hold 1 to {MAX_SAMPLES} values"
                )));
            }
            let numbers = [
                ("io_ms", p.io_ms),
                ("cpu_ms", p.cpu_ms),
                ("median_ms", p.median_ms),
                ("min_ms", p.min_ms),
                ("max_ms", p.max_ms),
                ("model_ms", p.model_ms),
                ("efficiency", p.efficiency),
            ];
            let optional = [
                ("cpu_measured_ms", p.cpu_measured_ms),
                ("server_late_p99_ms", p.server_late_p99_ms),
                ("client_late_p99_ms", p.client_late_p99_ms),
                ("copy_ms", p.copy_ms),
                ("model_at_measured_ms", p.model_at_measured_ms),
                ("schedule_efficiency", p.schedule_efficiency),
                ("main_thread_cpu", p.main_thread_cpu),
            ];
            for (name, value) in numbers
                .into_iter()
                .chain(p.samples_ms.iter().map(|&s| ("samples_ms", s)))
                .chain(optional.into_iter().filter_map(|(n, v)| Some((n, v?))))
            {
                if !value.is_finite() || value < 0.0 {
                    return Err(bad(format!(
                        "{name} must be a finite number ≥ 0, got {value}"
                    )));
                }
            }
            if let Some(t) = &p.timeline {
                t.check().map_err(bad)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample_report() -> Report {
        let mut r = Report::new(
            ReportRuntime::Native,
            Machine {
                cores: 2,
                cpu_model: Some("Test CPU".into()),
                os: Some("linux".into()),
                ..Machine::default()
            },
            "2026-11-26T00:00:00Z".into(),
        );
        let spec = PointSpec {
            strategy: "async".into(),
            tasks: 4,
            workers: None,
            io_ms: 100.0,
            cpu_ms: 50.0,
            cpu_iters: Some(12345),
            kernel: Some("sqrt".into()),
            payload_bytes: 1024,
        };
        let mut p = Point::new(spec, vec![310.0, 305.0, 320.0], 300.0, 0).unwrap();
        p.checksum = Some("00ff".into());
        p.cpu_measured_ms = Some(51.0);
        r.points.push(p);
        r
    }

    #[test]
    fn round_trips_through_json() {
        let r = sample_report();
        let back = Report::from_json(r.to_json().as_bytes()).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.points[0].median_ms, 310.0);
        assert!((back.points[0].efficiency - 300.0 / 310.0).abs() < 1e-12);
    }

    #[test]
    fn reports_validate_against_the_published_schema() {
        let schema: serde_json::Value = serde_json::from_str(JSON_SCHEMA).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let good: serde_json::Value = serde_json::from_str(&sample_report().to_json()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&good)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        // The schema is not vacuous: these must fail it.
        for breakage in [
            |v: &mut serde_json::Value| v["schema_version"] = 2.into(),
            |v: &mut serde_json::Value| v["points"][0]["samples_ms"] = serde_json::json!([]),
            |v: &mut serde_json::Value| v["points"][0]["tasks"] = 0.into(),
            |v: &mut serde_json::Value| v["runtime"] = "jvm".into(),
            |v: &mut serde_json::Value| {
                v["points"][0].as_object_mut().unwrap().remove("model_ms");
            },
        ] {
            let mut bad = good.clone();
            breakage(&mut bad);
            assert!(!validator.is_valid(&bad), "schema accepted {bad}");
        }
    }

    #[test]
    fn a_timeline_loads_and_its_spans_are_checked() {
        use crate::task::{Computed, TaskOutcome};
        use crate::timeline::{Lane, Span, SpanKind};
        let done = Computed {
            result: Ok(1),
            wall_ms: 1.0,
            cpu_time_ms: None,
        };
        let traced = TaskOutcome::computed(0, Some(1.0), done).with_spans([Span::new(
            SpanKind::Cpu,
            Lane::EventLoop,
            1.0,
            2.0,
        )]);
        let mut r = sample_report();
        r.points[0].timeline = Timeline::of(0, &[traced]);
        let back = Report::from_json(r.to_json().as_bytes()).unwrap();
        assert_eq!(back.points[0].timeline, r.points[0].timeline);
        // The schema describes it too.
        let schema: serde_json::Value = serde_json::from_str(JSON_SCHEMA).unwrap();
        assert!(schema["$defs"]["timeline"]["properties"]["lanes"].is_object());
        let t = r.points[0].timeline.as_mut().unwrap();
        t.tasks[0].spans[0].start_ms = -1.0;
        let err = Report::from_json(r.to_json().as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("point 0: timeline: task 0's cpu span"),
            "{err}"
        );
    }

    #[test]
    fn loading_names_what_is_wrong() {
        let err = |s: &str| Report::from_json(s.as_bytes()).unwrap_err().to_string();
        assert!(err("{").starts_with("not a gilwall report"));
        assert!(err("{}").contains("schema_version"));
        assert!(err(r#"{"schema_version": 9}"#).contains("newer gilwall"));
        assert!(err(r#"{"schema_version": 0}"#).contains("older gilwall"));
        let mut r = sample_report();
        r.points[0].samples_ms.clear();
        assert_eq!(
            err(&r.to_json()),
            format!("point 0: samples_ms must hold 1 to {MAX_SAMPLES} values")
        );
        let mut r = sample_report();
        r.points[0].model_ms = -1.0;
        assert!(err(&r.to_json()).contains("model_ms must be a finite number"));
        // Optional measurements are checked when present.
        let mut r = sample_report();
        r.points[0].copy_ms = Some(-0.5);
        assert!(err(&r.to_json()).contains("copy_ms must be a finite number ≥ 0, got -0.5"));
        let mut r = sample_report();
        r.points[0].copied_bytes = Some(4 << 20);
        r.points[0].copy_ms = Some(1.5);
        let back = Report::from_json(r.to_json().as_bytes()).unwrap();
        assert_eq!(
            (back.points[0].copied_bytes, back.points[0].copy_ms),
            (Some(4 << 20), Some(1.5))
        );
        let huge = vec![b' '; MAX_REPORT_BYTES + 1];
        assert!(
            Report::from_json(&huge)
                .unwrap_err()
                .to_string()
                .contains("at most")
        );
    }

    #[test]
    fn points_need_finite_samples() {
        let spec = PointSpec {
            strategy: "serial".into(),
            tasks: 1,
            workers: None,
            io_ms: 0.0,
            cpu_ms: 0.0,
            cpu_iters: None,
            kernel: None,
            payload_bytes: 0,
        };
        assert!(Point::new(spec.clone(), vec![], 1.0, 0).is_none());
        assert!(Point::new(spec, vec![f64::INFINITY], 1.0, 0).is_none());
    }
}

#[cfg(test)]
mod fuzz {
    //! The loader meets hostile input: random bytes and mangled reports never panic, and
    //! whatever it accepts passes its own checks.
    use super::*;
    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(
                |f| serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into)
            ),
            ".{0,20}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                prop::collection::btree_map(".{0,8}", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = Report::from_json(&bytes);
        }

        #[test]
        fn mangled_reports_never_panic(path in prop::collection::vec(0usize..8, 1..4), value in json_value()) {
            let mut v: serde_json::Value = serde_json::from_str(&tests::sample_report().to_json()).unwrap();
            // Walk into the report along `path`, then replace what is there.
            let mut pointer = String::new();
            let mut at = &v;
            for step in path {
                let next = match at {
                    serde_json::Value::Object(m) if !m.is_empty() => m.iter().nth(step % m.len()).map(|(k, n)| (k.clone(), n)),
                    serde_json::Value::Array(a) if !a.is_empty() => Some(((step % a.len()).to_string(), &a[step % a.len()])),
                    _ => None,
                };
                let Some((key, n)) = next else { break };
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                at = n;
            }
            // The pointer was built from keys that exist, so it resolves.
            *v.pointer_mut(&pointer).expect("the pointer names an existing value") = value;
            if let Ok(r) = Report::from_json(v.to_string().as_bytes()) {
                prop_assert!(r.check().is_ok());
            }
        }
    }
}
