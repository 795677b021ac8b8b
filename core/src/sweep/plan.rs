//! The plan of a sweep: every point it measures, each task's spec, and the model's prediction
//! for each, fixed before anything is timed.
//!
//! A plan is made from a checked [`SweepSpec`], the kernel's calibration where the sweep runs
//! (so `cpu_ms = 100` means 100 ms of work natively and in wasm alike), the cores there and the
//! server's URL. Everything a runtime needs to run one repeat of a point comes from here.

use super::SweepError;
use super::spec::{SpecError, SweepSpec};
use crate::calibrate::Calibration;
use crate::kernel::Kernel;
use crate::model::{self, BROWSER_CONNECTIONS_PER_HOST, ModelInput};
use crate::report::{Report, ReportRuntime};
use crate::strategy::{Runtime, StrategyId};
use crate::task::TaskSpec;
use crate::workload::{self, CpuSpec};

/// A sweep, planned.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The specification it was planned from (checked).
    pub spec: SweepSpec,
    /// Where it runs.
    pub runtime: Runtime,
    /// Cores the model assumes.
    pub cores: u32,
    /// Base URL of the feature server.
    pub base_url: String,
    /// The kernel.
    pub kernel: Kernel,
    /// Fetch delay, ms.
    pub io_ms: f64,
    /// Payload bytes per fetch.
    pub payload_bytes: u64,
    /// CPU work per task as the model sees it, ms: what was asked (never less than one call's
    /// fixed part, a large payload's parse), or what a fixed iteration count takes here.
    pub cpu_ms: f64,
    /// Kernel iterations per task.
    pub iterations: u64,
    /// Kernel iterations per ms here (the `gil` strategy sizes its slices with it).
    pub iters_per_ms: f64,
    /// Most fetches in flight the runtime allows (a browser's connections per host).
    pub fetch_limit: Option<u32>,
    /// The points, in the order they are measured: each strategy at each N.
    pub points: Vec<PointPlan>,
}

/// One point of a plan: a strategy at one task count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointPlan {
    /// The strategy.
    pub strategy: StrategyId,
    /// Number of tasks, N.
    pub tasks: u32,
    /// The pool that runs them, for the pooled strategies (one per task unless `workers`).
    pub pool: u32,
    /// The model's ideal makespan at the CPU asked, ms.
    pub model_ms: f64,
}

impl PointPlan {
    /// The pool size a point records: the pool where the strategy has one.
    pub fn workers(&self) -> Option<u32> {
        self.strategy.info().pooled.then_some(self.pool)
    }
}

impl Plan {
    /// Plans `spec` on `runtime` with the kernel's calibration there, `cores` cores, and the
    /// feature server at `base_url`; checks the spec first.
    pub fn new(
        spec: &SweepSpec,
        runtime: Runtime,
        calibration: &Calibration,
        cores: u32,
        base_url: &str,
    ) -> Result<Plan, SpecError> {
        spec.check(runtime)?;
        let cpu = spec.cpu()?;
        let (cpu_ms, iterations) = match cpu.ms(spec.io_ms) {
            // Asking for less than one call's fixed part (a large payload's parse) models what
            // the call really costs.
            Some(ms) => (calibration.effective_ms(ms), calibration.iterations_for(ms)),
            None => {
                let CpuSpec::Iters(n) = cpu else {
                    unreachable!("only a fixed iteration count has no duration")
                };
                (calibration.ms_for(n), n)
            }
        };
        let mut plan = Plan {
            spec: spec.clone(),
            runtime,
            cores: cores.max(1),
            base_url: base_url.trim_end_matches('/').to_string(),
            kernel: spec.kernel,
            io_ms: spec.io_ms,
            payload_bytes: spec.payload_bytes(),
            cpu_ms,
            iterations,
            iters_per_ms: calibration.iters_per_ms,
            fetch_limit: (runtime == Runtime::Browser).then_some(BROWSER_CONNECTIONS_PER_HOST),
            points: Vec::new(),
        };
        let tasks = spec.task_counts();
        for strategy in spec.strategies_for(runtime) {
            for &n in &tasks {
                let pool = spec.pool_size(n, runtime);
                let mut point = PointPlan {
                    strategy,
                    tasks: n,
                    pool,
                    model_ms: 0.0,
                };
                point.model_ms = plan.model_ms(&point, cpu_ms);
                plan.points.push(point);
            }
        }
        Ok(plan)
    }

    /// The model's makespan for `point` with `cpu_ms` of CPU work per task.
    pub fn model_ms(&self, point: &PointPlan, cpu_ms: f64) -> f64 {
        model::predict(
            point.strategy,
            ModelInput {
                tasks: point.tasks,
                io_ms: self.io_ms,
                cpu_ms,
                pool: point.pool,
                cores: self.cores,
                fetch_limit: self.fetch_limit,
            },
        )
    }

    /// Task `index` of `point`: the URL it fetches (its payload seeded by its index), the
    /// kernel and its iterations.
    pub fn task(&self, index: u32) -> TaskSpec {
        TaskSpec {
            index,
            url: workload::fetch_url(
                &self.base_url,
                self.kernel,
                self.io_ms,
                self.payload_bytes,
                u64::from(index),
            ),
            kernel: self.kernel,
            iterations: self.iterations,
        }
    }

    /// Every task of `point`, in order.
    ///
    /// Where the URL is the same for every task (`/delay`: only `/features` is seeded by the
    /// task), it is formatted once and copied: formatting it was ~2 000 instructions a task,
    /// inside the makespan, 6 % of what an I/O-only fetch costs the async client at scale.
    pub fn tasks(&self, point: &PointPlan) -> Vec<TaskSpec> {
        match self.kernel {
            Kernel::Sqrt => {
                let first = self.task(0);
                (0..point.tasks)
                    .map(|index| TaskSpec {
                        index,
                        url: first.url.clone(),
                        ..first
                    })
                    .collect()
            }
            Kernel::Features => (0..point.tasks).map(|i| self.task(i)).collect(),
        }
    }

    /// The points still to measure, in order: all of them for a fresh report; for one being
    /// resumed, those it does not hold and those whose tasks failed (a failure measured how
    /// fast things failed, not the work, so resuming measures it again).
    pub fn pending(&self, report: &Report) -> Vec<&PointPlan> {
        self.points
            .iter()
            .filter(|q| report_point(report, q).is_none_or(|p| !report.points[p].complete()))
            .collect()
    }

    /// The largest pool any point uses (a runtime whose pool cannot be resized starts this
    /// many once).
    pub fn most_pool(&self) -> u32 {
        self.points.iter().map(|p| p.pool).max().unwrap_or(1)
    }

    /// Checks that `report` — an interrupted run — was measured with this plan's settings, so
    /// continuing it does not mix two experiments in one chart. The error names the first
    /// point that differs and the setting it differs in (by field name).
    pub fn check_resumable(&self, report: &Report) -> Result<(), SweepError> {
        let runtime = match self.runtime {
            Runtime::Native => ReportRuntime::Native,
            Runtime::Browser => ReportRuntime::Browser,
        };
        if report.runtime != runtime {
            return Err(SweepError::Resume(format!(
                "the report came from the {:?} runtime, not this one ({:?})",
                report.runtime, runtime
            )));
        }
        for p in &report.points {
            let planned = self
                .points
                .iter()
                .find(|q| q.strategy.as_str() == p.strategy && q.tasks == p.tasks);
            let cpu_matches = match self.spec.cpu_iters {
                Some(_) => p.cpu_iters == Some(self.iterations),
                None => (p.cpu_ms - self.cpu_ms).abs() < 1e-9,
            };
            let differs = if p.io_ms != self.io_ms {
                Some(("io_ms", format!("{}", p.io_ms)))
            } else if !cpu_matches {
                Some((
                    "cpu_ms",
                    format!("{} ({} iterations)", p.cpu_ms, p.cpu_iters.unwrap_or(0)),
                ))
            } else if p.kernel.as_deref() != Some(self.kernel.id()) {
                Some(("kernel", p.kernel.clone().unwrap_or_else(|| "?".into())))
            } else if p.payload_bytes != self.payload_bytes {
                Some(("payload_kb", format!("{}", p.payload_bytes / 1024)))
            } else if planned.is_some_and(|q| q.workers() != p.workers) {
                Some((
                    "workers",
                    p.workers.map_or("(one per task)".into(), |w| w.to_string()),
                ))
            } else {
                None
            };
            if let Some((field, value)) = differs {
                return Err(SweepError::ResumeMismatch {
                    point: format!("{} N={}", p.strategy, p.tasks),
                    field,
                    value,
                });
            }
        }
        Ok(())
    }
}

/// Where `report` holds the point `q` plans, if it does.
pub(crate) fn report_point(report: &Report, q: &PointPlan) -> Option<usize> {
    report
        .points
        .iter()
        .position(|p| p.strategy == q.strategy.as_str() && p.tasks == q.tasks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Machine;

    fn calibration() -> Calibration {
        Calibration {
            kernel: Kernel::Sqrt,
            iters_per_ms: 1000.0,
            payload_bytes: 1024,
            fixed_ms: 0.0,
        }
    }

    fn plan(spec: SweepSpec, runtime: Runtime) -> Plan {
        Plan::new(&spec, runtime, &calibration(), 2, "http://h:1/").unwrap()
    }

    #[test]
    fn a_plan_holds_every_strategy_at_every_n_with_the_model() {
        let spec = SweepSpec {
            strategies: vec![StrategyId::Async, StrategyId::Threads],
            tasks: vec![4, 1],
            io_ms: 100.0,
            cpu_ms: Some(50.0),
            ..SweepSpec::default()
        };
        let p = plan(spec, Runtime::Native);
        let got: Vec<_> = p
            .points
            .iter()
            .map(|q| (q.strategy.as_str(), q.tasks, q.workers()))
            .collect();
        assert_eq!(
            got,
            [
                ("async", 1, None),
                ("async", 4, None),
                ("threads", 1, Some(1)),
                ("threads", 4, Some(4))
            ]
        );
        assert_eq!((p.cpu_ms, p.iterations), (50.0, 50_000));
        // The wall: io + N·cpu.
        assert!((p.points[1].model_ms - 300.0).abs() < 1e-6);
        let t = p.task(3);
        assert_eq!(t.url, "http://h:1/delay/0.1");
        assert_eq!((t.index, t.iterations), (3, 50_000));
        // Every task of a point as `task` makes it, whether its URL is shared or seeded.
        assert_eq!(
            p.tasks(&p.points[1]),
            (0..4).map(|i| p.task(i)).collect::<Vec<_>>()
        );
        let features = Plan {
            kernel: Kernel::Features,
            ..p.clone()
        };
        let specs = features.tasks(&features.points[1]);
        assert_eq!(specs, (0..4).map(|i| features.task(i)).collect::<Vec<_>>());
        assert_ne!(
            specs[0].url, specs[1].url,
            "each task's payload is seeded by its index"
        );
        assert_eq!(p.most_pool(), 4);
        assert_eq!(p.fetch_limit, None);
    }

    #[test]
    fn the_browser_caps_its_pool_and_its_connections() {
        let spec = SweepSpec {
            strategies: vec![StrategyId::Workers],
            tasks: vec![40],
            cpu_ms: Some(0.0),
            ..SweepSpec::default()
        };
        let p = plan(spec, Runtime::Browser);
        assert_eq!(p.points[0].pool, 32);
        assert_eq!(p.fetch_limit, Some(BROWSER_CONNECTIONS_PER_HOST));
        // 40 fetches through 6 connections: seven rounds of 200 ms.
        assert!((p.points[0].model_ms - 1400.0).abs() < 1e-6);
    }

    #[test]
    fn a_fixed_iteration_count_is_modelled_at_its_calibrated_duration() {
        let spec = SweepSpec {
            cpu_iters: Some(5_000),
            ..SweepSpec::default()
        };
        let p = plan(spec, Runtime::Native);
        assert_eq!((p.cpu_ms, p.iterations), (5.0, 5_000));
    }

    #[test]
    fn resuming_refuses_a_report_of_other_settings() {
        let spec = SweepSpec {
            strategies: vec![StrategyId::Threads],
            tasks: vec![2],
            cpu_ms: Some(10.0),
            ..SweepSpec::default()
        };
        let p = plan(spec, Runtime::Native);
        let mut report = Report::new(ReportRuntime::Native, Machine::default(), "t".into());
        let mut rec = super::super::Recorder::new(&p, &p.points[0]);
        rec.record(super::super::record::tests::repeat_of(
            &p,
            &p.points[0],
            25.0,
        ));
        report.points.push(rec.finish().unwrap());
        p.check_resumable(&report).unwrap();
        let mut other = report.clone();
        other.points[0].io_ms = 999.0;
        assert_eq!(
            p.check_resumable(&other).unwrap_err().to_string(),
            "cannot resume: its point threads N=2 was measured with io_ms 999"
        );
        let mut other = report.clone();
        other.points[0].workers = Some(7);
        assert!(
            p.check_resumable(&other)
                .unwrap_err()
                .to_string()
                .ends_with("workers 7")
        );
        let mut other = report;
        other.runtime = ReportRuntime::Python;
        assert!(p.check_resumable(&other).is_err());
    }
}
