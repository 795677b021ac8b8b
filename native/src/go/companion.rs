//! What the Go companion measures, and how gilwall reads it: the article's Go strategies, the
//! gilwall schedule each one has (so the model can predict it), the program's output turned into
//! a report, what the compiler did to the article's loop as written, and the side-by-side table
//! of a comparison with gilwall.

use crate::export;
use crate::machine;
use anyhow::{Context, Result, bail};
use gilwall_core::model::{self, ModelInput};
use gilwall_core::report::{CpuClock, Point, PointSpec, Report, ReportRuntime};
use gilwall_core::sweep::SweepSpec;
use gilwall_core::{Kernel, StrategyId};
use serde::Deserialize;
use std::fmt::Write as _;

/// One of the article's Go strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoStrategy {
    /// Article step 1 in Go: one task after another, each `http.Get` blocking.
    Serial,
    /// The article's Go concurrency: a goroutine per task and a `sync.WaitGroup`; the CPU work
    /// runs on up to GOMAXPROCS threads at once (gilwall's `multicore`).
    Goroutines,
    /// The article's Go program as written: the loop's result unused (the compiler deletes its
    /// body) and N+1 goroutines for N tasks.
    GoroutinesAsWritten,
}

impl GoStrategy {
    /// The strategies `gilwall go` runs unless told otherwise, in the article's order.
    pub const KEPT: [GoStrategy; 2] = [GoStrategy::Serial, GoStrategy::Goroutines];

    /// The name the companion takes on its command line and writes in its points.
    pub fn as_str(self) -> &'static str {
        match self {
            GoStrategy::Serial => "serial",
            GoStrategy::Goroutines => "goroutines",
            GoStrategy::GoroutinesAsWritten => "goroutines-as-written",
        }
    }

    /// The strategy a point names, if the companion writes that name.
    pub fn from_name(name: &str) -> Option<GoStrategy> {
        [
            GoStrategy::Serial,
            GoStrategy::Goroutines,
            GoStrategy::GoroutinesAsWritten,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }

    /// The gilwall strategy with the same schedule, which the model predicts it by: serial is
    /// serial; goroutines are `multicore` (every fetch in flight, CPU on every core). The loop
    /// as written is predicted as what it claims to be, so a point far *faster* than the model
    /// shows the work that was not done.
    pub fn model_strategy(self) -> StrategyId {
        match self {
            GoStrategy::Serial => StrategyId::Serial,
            GoStrategy::Goroutines | GoStrategy::GoroutinesAsWritten => StrategyId::Multicore,
        }
    }
}

/// The document the Go companion prints (its `outputFormat` 1).
#[derive(Debug, Deserialize)]
pub struct GoOutput {
    /// The format version; only 1 is read.
    pub format: u32,
    /// e.g. "go1.19.8".
    pub go_version: String,
    /// `runtime.GOMAXPROCS(0)`.
    pub gomaxprocs: u32,
    /// Iterations of the kept loop per ms of thread CPU time.
    pub iters_per_ms: f64,
    /// Iterations of the loop as written per ms, when it ran.
    #[serde(default)]
    pub as_written_iters_per_ms: Option<f64>,
    /// The measured points.
    pub points: Vec<GoPoint>,
}

/// One point as the Go companion measured it.
#[derive(Debug, Deserialize)]
pub struct GoPoint {
    /// Strategy name (`serial`, `goroutines`, `goroutines-as-written`).
    pub strategy: String,
    /// N.
    pub tasks: u32,
    /// Goroutines started for the N tasks (N + 1 as written).
    pub goroutines: u32,
    /// Fetch delay, ms.
    pub io_ms: f64,
    /// CPU work per task asked, ms of Go CPU time.
    pub cpu_ms: f64,
    /// Iterations of the loop per task.
    pub cpu_iters: u64,
    /// Makespan of each repeat, ms.
    pub samples_ms: Vec<f64>,
    /// Failed fetches over all repeats.
    pub errors: u64,
    /// Median thread CPU time of one task's loop, ms.
    pub cpu_measured_ms: Option<f64>,
    /// The tasks' combined result, as gilwall's core combines it; absent for the loop as
    /// written (its result is gone) and for points with failed fetches.
    pub checksum: Option<String>,
    /// One failure, in words.
    pub error_sample: Option<String>,
}

/// What the compiler did to the article's loop as written, from the two loops' speeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AsWritten {
    /// Iterations per ns of the loop that keeps its result.
    pub kept_per_ns: f64,
    /// Iterations per ns of the loop as written.
    pub as_written_per_ns: f64,
}

impl AsWritten {
    /// From a document where the loop as written ran.
    pub fn of(out: &GoOutput) -> Option<AsWritten> {
        Some(AsWritten {
            kept_per_ns: out.iters_per_ms / 1e6,
            as_written_per_ns: out.as_written_iters_per_ms? / 1e6,
        })
    }

    /// How many times faster the loop as written ran.
    pub fn speedup(self) -> f64 {
        self.as_written_per_ns / self.kept_per_ns
    }

    /// In words, for the summary and the report's title.
    pub fn describe(self) -> String {
        if self.speedup() >= 3.0 {
            format!(
                "the article's loop as written ran {:.1}× faster than the kept loop ({:.2} \
                 against {:.2} iterations per ns): nothing reads its result, so the compiler \
                 deleted the square root and the addition and timed an empty counter loop; its \
                 points have no checksum",
                self.speedup(),
                self.as_written_per_ns,
                self.kept_per_ns
            )
        } else {
            format!(
                "the article's loop as written ran at {:.2} iterations per ns, the kept loop at \
                 {:.2}: this compiler kept its body (its points still have no checksum, since \
                 nothing reads the result)",
                self.as_written_per_ns, self.kept_per_ns
            )
        }
    }
}

/// Turns the companion's output into a report: every point gets the model's prediction for the
/// schedule its strategy has on GOMAXPROCS cores.
pub fn build_report(
    out: &GoOutput,
    cores: u32,
    created_at: String,
    title: Option<String>,
) -> Result<Report> {
    if out.format != 1 {
        bail!(
            "the Go companion wrote output format {}, but this gilwall reads format 1",
            out.format
        );
    }
    let mut machine = machine::describe();
    machine.cores = cores;
    machine.interpreter = Some(out.go_version.clone());
    machine.gomaxprocs = Some(out.gomaxprocs);
    let mut report = Report::new(ReportRuntime::Go, machine, created_at);
    report.title = title;
    for p in &out.points {
        let strategy = GoStrategy::from_name(&p.strategy).with_context(|| {
            format!(
                "the Go companion reported an unknown strategy {:?}",
                p.strategy
            )
        })?;
        let model_ms = model::predict(
            strategy.model_strategy(),
            ModelInput {
                tasks: p.tasks,
                io_ms: p.io_ms,
                cpu_ms: p.cpu_ms,
                pool: p.tasks,
                cores: out.gomaxprocs.max(1),
                fetch_limit: None,
            },
        );
        let what = format!("{} N={}", p.strategy, p.tasks);
        let repeats = p.samples_ms.len() as u64;
        let spec = PointSpec {
            strategy: p.strategy.clone(),
            tasks: p.tasks,
            workers: None,
            io_ms: p.io_ms,
            cpu_ms: p.cpu_ms,
            cpu_iters: Some(p.cpu_iters),
            // gilwall's sqrt kernel, bit for bit, so the checksum is comparable with gilwall's
            // at the same iteration count.
            kernel: (p.cpu_iters > 0).then(|| Kernel::Sqrt.id().to_string()),
            payload_bytes: 0,
        };
        let mut point = Point::new(spec, p.samples_ms.clone(), model_ms, p.errors)
            .with_context(|| format!("the Go companion's point {what} has no usable times"))?;
        // The loop as written did no work: its CPU time would read as the machine running
        // 90 % faster than calibrated. Its speed is said once, by [`AsWritten`], in the title.
        if strategy != GoStrategy::GoroutinesAsWritten {
            point.cpu_measured_ms = p.cpu_measured_ms;
            point.cpu_clock = p.cpu_measured_ms.map(|_| CpuClock::Thread);
            // The model at the CPU the kernels took (the companion reports their median), so
            // a slow machine is told apart from a slow schedule, as for gilwall's points.
            if let (Some(cpu), true) = (p.cpu_measured_ms, point.complete()) {
                let at = model::predict(
                    strategy.model_strategy(),
                    ModelInput {
                        tasks: p.tasks,
                        io_ms: p.io_ms,
                        cpu_ms: cpu,
                        pool: p.tasks,
                        cores: out.gomaxprocs.max(1),
                        fetch_limit: None,
                    },
                );
                point.set_model_at_measured(at);
            }
        }
        point.checksum = p.checksum.clone();
        point.all_failed = p.errors > 0 && p.errors >= u64::from(p.goroutines) * repeats;
        point.error_sample = p
            .error_sample
            .as_ref()
            .map(|s| s.chars().take(300).collect());
        report.points.push(point);
    }
    // The same checks a reader applies, so this command never writes a report others refuse.
    Report::from_json(report.to_json().as_bytes())
        .context("the Go companion's measurements do not make a valid report")
}

/// gilwall's sweep of the same schedules, plus `async`, the wall the goroutines get past.
pub fn compare_sweep(tasks: &[u32], io_ms: f64, cpu_ms: f64, repeats: u32) -> SweepSpec {
    SweepSpec {
        strategies: vec![StrategyId::Serial, StrategyId::Async, StrategyId::Multicore],
        tasks: tasks.to_vec(),
        io_ms,
        cpu_ms: Some(cpu_ms),
        kernel: Kernel::Sqrt,
        repeats,
        ..SweepSpec::default()
    }
}

/// The side-by-side table: at every N, each Go strategy's median and efficiency beside the
/// gilwall strategy with the same schedule, and its time as a share of gilwall's `async` (the
/// wall) at that N. A point with failed tasks shows how many failed instead of a ratio.
pub fn side_by_side(go: &Report, native: &Report) -> String {
    let mut out = String::from(
        "| Go strategy | gilwall strategy | N | model | Go | Go efficiency | gilwall | gilwall efficiency | Go ÷ gilwall async |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let ms = export::markdown::format_ms;
    let cell = |q: &Point| {
        export::notes::failed_cell(q).unwrap_or_else(|| format!("{:.0}%", q.efficiency * 100.0))
    };
    let find = |id: StrategyId, tasks: u32| {
        native
            .points
            .iter()
            .find(|q| q.strategy == id.as_str() && q.tasks == tasks)
    };
    for p in &go.points {
        let Some(strategy) = GoStrategy::from_name(&p.strategy) else {
            continue;
        };
        let id = strategy.model_strategy();
        let (g_ms, g_eff) = match find(id, p.tasks) {
            Some(q) => (ms(q.median_ms), cell(q)),
            None => ("—".to_string(), "—".to_string()),
        };
        let wall = match find(StrategyId::Async, p.tasks) {
            Some(a) if a.complete() && p.complete() => {
                format!("{:.2}", p.median_ms / a.median_ms)
            }
            _ => "—".to_string(),
        };
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "| {} | {id} | {} | {} | {} | {} | {g_ms} | {g_eff} | {wall} |",
            p.strategy,
            p.tasks,
            ms(p.model_ms),
            ms(p.median_ms),
            cell(p)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(points: Vec<GoPoint>) -> GoOutput {
        GoOutput {
            format: 1,
            go_version: "go1.19.8".into(),
            gomaxprocs: 2,
            iters_per_ms: 400_000.0,
            as_written_iters_per_ms: Some(3_600_000.0),
            points,
        }
    }

    fn point(strategy: &str, tasks: u32, median: f64) -> GoPoint {
        GoPoint {
            strategy: strategy.into(),
            tasks,
            goroutines: tasks,
            io_ms: 200.0,
            cpu_ms: 100.0,
            cpu_iters: 40_000_000,
            samples_ms: vec![median],
            errors: 0,
            cpu_measured_ms: Some(101.0),
            checksum: Some("00000000000000ff".into()),
            error_sample: None,
        }
    }

    #[test]
    fn goroutines_are_predicted_as_multicore_on_gomaxprocs_cores() {
        let out = output(vec![
            point("serial", 4, 1200.0),
            point("goroutines", 4, 400.0),
        ]);
        let r = build_report(&out, 2, "2026-12-01T00:00:00Z".into(), None).unwrap();
        assert_eq!(r.runtime, ReportRuntime::Go);
        assert_eq!(r.machine.gomaxprocs, Some(2));
        assert_eq!(r.machine.interpreter.as_deref(), Some("go1.19.8"));
        // serial: N·(io + cpu); goroutines: io + ⌈N/P⌉·cpu.
        assert_eq!(r.points[0].model_ms, 4.0 * 300.0);
        assert_eq!(r.points[1].model_ms, 200.0 + 2.0 * 100.0);
        assert_eq!(r.points[1].efficiency, 1.0);
        assert_eq!(r.points[1].checksum.as_deref(), Some("00000000000000ff"));
        assert_eq!(r.points[1].cpu_clock, Some(CpuClock::Thread));
        assert_eq!(r.points[1].kernel.as_deref(), Some("sqrt"));
    }

    #[test]
    fn bad_companion_output_is_refused_by_name() {
        let err = |o: GoOutput| format!("{:#}", build_report(&o, 2, "t".into(), None).unwrap_err());
        assert!(err(output(vec![point("asyncio", 1, 1.0)])).contains("unknown strategy"));
        let mut empty = point("serial", 2, 1.0);
        empty.samples_ms.clear();
        assert!(err(output(vec![empty])).contains("serial N=2 has no usable times"));
        let mut v2 = output(vec![]);
        v2.format = 2;
        assert!(err(v2).contains("output format 2"));
        // Every fetch of the N+1 goroutines failed: kept, marked, and says why.
        let mut failed = point("goroutines-as-written", 2, 5.0);
        failed.goroutines = 3;
        failed.errors = 3;
        failed.checksum = None;
        failed.error_sample = Some("connection refused".into());
        let r = build_report(&output(vec![failed]), 2, "t".into(), None).unwrap();
        assert!(r.points[0].all_failed && !r.points[0].complete());
    }

    #[test]
    fn the_loop_as_written_is_said_to_be_deleted_only_when_it_ran_much_faster() {
        let out = output(vec![]);
        let a = AsWritten::of(&out).unwrap();
        assert!((a.speedup() - 9.0).abs() < 1e-9);
        assert!(a.describe().contains("9.0× faster") && a.describe().contains("deleted"));
        let kept = AsWritten {
            kept_per_ns: 0.4,
            as_written_per_ns: 0.5,
        };
        assert!(
            kept.describe().contains("kept its body"),
            "{}",
            kept.describe()
        );
        let mut none = output(vec![]);
        none.as_written_iters_per_ms = None;
        assert_eq!(AsWritten::of(&none), None);
    }

    #[test]
    fn the_side_by_side_table_shows_the_share_of_the_wall() {
        let go = build_report(
            &output(vec![point("goroutines", 4, 400.0)]),
            2,
            "t".into(),
            None,
        )
        .unwrap();
        let mut native = Report::new(ReportRuntime::Native, machine::describe(), "t".into());
        for (s, median) in [("async", 600.0), ("multicore", 410.0)] {
            let spec = PointSpec {
                strategy: s.into(),
                tasks: 4,
                workers: None,
                io_ms: 200.0,
                cpu_ms: 100.0,
                cpu_iters: None,
                kernel: None,
                payload_bytes: 0,
            };
            native
                .points
                .push(Point::new(spec, vec![median], 400.0, 0).unwrap());
        }
        let table = side_by_side(&go, &native);
        assert!(
            table.contains(
                "| goroutines | multicore | 4 | 400 ms | 400 ms | 100% | 410 ms | 98% | 0.67 |"
            ),
            "{table}"
        );
    }
}
