//! The sweep pipeline, written once for every runtime: the specification
//! ([`spec::SweepSpec`]), the plan of each point ([`plan::Plan`]), the recorder that turns a
//! point's repeats into a [`Point`](crate::report::Point) ([`record::Recorder`]), and the loop
//! that drives them ([`run`]).
//!
//! A runtime — the `gilwall` command or the page — supplies only what is its own, through
//! [`Runner`]: get a point's pool or workers ready, run one repeat of a point, and show progress.
//! Everything else — the order of points, warm-ups, resuming, stopping, failures, checksums,
//! the model — is decided here, so the two runtimes cannot drift apart.

pub mod plan;
pub mod record;
pub mod spec;

pub use plan::{Plan, PointPlan};
pub use record::{Recorder, Repeat};
pub use spec::{SpecError, SweepSpec};

use crate::report::Report;
use crate::strategy::StrategyId;

/// What can go wrong in the pipeline itself (a runtime's own failures are its own errors).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SweepError {
    /// The specification is wrong.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A repeat produced no usable time (a runtime's clock went wrong).
    #[error("{strategy} at {tasks} tasks measured no finite time")]
    NoTime {
        /// The strategy.
        strategy: StrategyId,
        /// Its task count.
        tasks: u32,
    },
    /// A saved report came from another runtime.
    #[error("cannot resume: {0}")]
    Resume(String),
    /// A saved report's point was measured with another setting.
    #[error("cannot resume: its point {point} was measured with {field} {value}")]
    ResumeMismatch {
        /// The point, as `strategy N=tasks`.
        point: String,
        /// The setting's field in the specification.
        field: &'static str,
        /// Its value in the saved point.
        value: String,
    },
}

/// Which run of a point a repeat is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunNo {
    /// Its number among the measured runs (or among the warm-ups), from 0.
    pub index: u32,
    /// Of how many.
    pub of: u32,
    /// Whether it is a warm-up: timed, but not recorded.
    pub warmup: bool,
}

/// What the loop tells a runtime as it goes, so it can show progress and keep what is measured.
#[derive(Debug)]
pub enum Event<'a> {
    /// A run of `point` took `ms`.
    Measured {
        /// The point.
        point: &'a PointPlan,
        /// Which run.
        run: RunNo,
        /// Its makespan.
        ms: f64,
    },
    /// The first task of `point` that failed, in words.
    Failure {
        /// The point.
        point: &'a PointPlan,
        /// What went wrong.
        message: &'a str,
    },
    /// A point was measured; it is the last of `report.points`. A runtime saves the report here
    /// so nothing measured is lost.
    Point {
        /// The report so far.
        report: &'a Report,
    },
    /// The sweep stopped early because the runtime asked it to.
    Stopped,
}

/// What a runtime supplies to the loop.
///
/// The futures need not be `Send`: the loop never moves them across threads, which is what
/// lets the browser's futures run it.
#[allow(async_fn_in_trait)]
pub trait Runner {
    /// The runtime's error; the pipeline's own errors convert into it.
    type Error: From<SweepError>;

    /// Gets what `point` needs ready before its clock starts (a pool of workers, a driver).
    async fn prepare(&mut self, plan: &Plan, point: &PointPlan) -> Result<(), Self::Error>;

    /// Runs one repeat of `point` (its `run`-th) and times it.
    async fn repeat(
        &mut self,
        plan: &Plan,
        point: &PointPlan,
        run: RunNo,
    ) -> Result<Repeat, Self::Error>;

    /// Shows or keeps what the loop reports.
    fn event(&mut self, event: Event<'_>) -> Result<(), Self::Error>;

    /// Whether to stop before the next repeat (the user pressed Stop); the report then holds
    /// what was measured.
    fn stop_requested(&self) -> bool {
        false
    }
}

/// Runs every point of `plan` that `report` does not hold yet (a fresh report, or one being
/// resumed), in the plan's order, and returns the report with them.
///
/// Each point: `prepare`, then the warm-up repeats (timed, not recorded), then the measured
/// ones, each recorded; then the point joins the report and the runtime hears of it. A stop
/// request ends the sweep before the next repeat; a point cut short keeps the repeats it has.
pub async fn run<R: Runner>(
    plan: &Plan,
    mut report: Report,
    runner: &mut R,
) -> Result<Report, R::Error> {
    let todo = plan.pending(&report);
    let (warmup, repeats) = (plan.spec.warmup, plan.spec.repeats);
    'sweep: for point in todo {
        if runner.stop_requested() {
            break;
        }
        runner.prepare(plan, point).await?;
        let mut recorder = Recorder::new(plan, point);
        let warmups = (0..warmup).map(|index| RunNo {
            index,
            of: warmup,
            warmup: true,
        });
        let measured = (0..repeats).map(|index| RunNo {
            index,
            of: repeats,
            warmup: false,
        });
        for no in warmups.chain(measured) {
            if runner.stop_requested() {
                if recorder.repeats() == 0 {
                    break 'sweep;
                }
                break;
            }
            let run = runner.repeat(plan, point, no).await?;
            runner.event(Event::Measured {
                point,
                run: no,
                ms: run.makespan_ms,
            })?;
            if no.warmup {
                continue;
            }
            if let Some(message) = recorder.record(run) {
                runner.event(Event::Failure { point, message })?;
            }
        }
        if recorder.repeats() == 0 {
            break;
        }
        let measured = recorder.finish().map_err(R::Error::from)?;
        // A failed point being measured again keeps its place; a new one goes last.
        match plan::report_point(&report, point) {
            Some(i) => report.points[i] = measured,
            None => report.points.push(measured),
        }
        runner.event(Event::Point { report: &report })?;
    }
    if runner.stop_requested() {
        runner.event(Event::Stopped)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::Calibration;
    use crate::kernel::Kernel;
    use crate::report::{Machine, Point, ReportRuntime};
    use crate::strategy::Runtime;
    use crate::task::TaskOutcome;

    /// A runtime whose repeats take a fixed time and whose tasks fail where told; it keeps a
    /// log of what it was asked and told.
    struct Scripted {
        log: Vec<String>,
        fail_task: Option<u32>,
        stop_after_repeats: Option<usize>,
        repeats_run: usize,
    }

    #[derive(Debug, PartialEq)]
    struct Oops(String);
    impl From<SweepError> for Oops {
        fn from(e: SweepError) -> Self {
            Oops(e.to_string())
        }
    }

    impl Runner for Scripted {
        type Error = Oops;
        async fn prepare(&mut self, _: &Plan, point: &PointPlan) -> Result<(), Oops> {
            self.log
                .push(format!("prepare {} {}", point.strategy, point.tasks));
            Ok(())
        }
        async fn repeat(
            &mut self,
            plan: &Plan,
            point: &PointPlan,
            no: RunNo,
        ) -> Result<Repeat, Oops> {
            self.repeats_run += 1;
            self.log.push(format!(
                "run {} {} {}{}",
                point.strategy,
                point.tasks,
                no.index,
                if no.warmup { " warmup" } else { "" }
            ));
            let outcomes = plan
                .tasks(point)
                .iter()
                .map(|t| match self.fail_task {
                    Some(i) if i == t.index => TaskOutcome::fetch_failed(t, "refused", None),
                    _ => TaskOutcome::computed(
                        t.index,
                        None,
                        crate::task::Computed {
                            result: Ok(1),
                            wall_ms: 1.0,
                            cpu_time_ms: Some(1.0),
                        },
                    ),
                })
                .collect();
            Ok(Repeat {
                makespan_ms: 10.0,
                outcomes,
                server_late_p99_ms: None,
                transport: None,
            })
        }
        fn event(&mut self, event: Event<'_>) -> Result<(), Oops> {
            let line = match event {
                Event::Measured { .. } => return Ok(()),
                Event::Failure { message, .. } => format!("failure {message}"),
                Event::Point { report } => format!("point {}", report.points.len()),
                Event::Stopped => "stopped".into(),
            };
            self.log.push(line);
            Ok(())
        }
        fn stop_requested(&self) -> bool {
            self.stop_after_repeats
                .is_some_and(|n| self.repeats_run >= n)
        }
    }

    fn plan(repeats: u32, warmup: u32) -> Plan {
        let spec = SweepSpec {
            strategies: vec![StrategyId::Serial, StrategyId::Async],
            tasks: vec![1, 2],
            repeats,
            warmup,
            ..SweepSpec::default()
        };
        let cal = Calibration {
            kernel: Kernel::Sqrt,
            iters_per_ms: 10.0,
            payload_bytes: 1024,
            fixed_ms: 0.0,
        };
        Plan::new(&spec, Runtime::Native, &cal, 2, "http://h").unwrap()
    }

    fn report() -> Report {
        Report::new(ReportRuntime::Native, Machine::default(), "t".into())
    }

    fn runner() -> Scripted {
        Scripted {
            log: vec![],
            fail_task: None,
            stop_after_repeats: None,
            repeats_run: 0,
        }
    }

    #[test]
    fn every_point_is_prepared_warmed_up_measured_and_kept() {
        let p = plan(2, 1);
        let mut r = runner();
        let out = futures::executor::block_on(run(&p, report(), &mut r)).unwrap();
        assert_eq!(out.points.len(), 4);
        assert!(out.points.iter().all(|p| p.samples_ms.len() == 2));
        assert_eq!(
            &r.log[..5],
            [
                "prepare serial 1",
                "run serial 1 0 warmup",
                "run serial 1 0",
                "run serial 1 1",
                "point 1"
            ]
        );
        assert_eq!(r.repeats_run, 12);
    }

    #[test]
    fn a_resumed_report_is_continued_not_measured_again() {
        let p = plan(1, 0);
        let mut r = runner();
        let full = futures::executor::block_on(run(&p, report(), &mut r)).unwrap();
        let mut partial = full.clone();
        partial.points.truncate(3);
        let mut r = runner();
        let out = futures::executor::block_on(run(&p, partial, &mut r)).unwrap();
        assert_eq!(out.points.len(), 4);
        assert_eq!(r.repeats_run, 1);
        assert_eq!(r.log[0], "prepare async 2");
    }

    #[test]
    fn a_resumed_report_measures_its_failed_points_again_in_place() {
        let p = plan(1, 0);
        let mut r = runner();
        r.fail_task = Some(1);
        let failed = futures::executor::block_on(run(&p, report(), &mut r)).unwrap();
        // Task 1 exists only at N = 2: those two points failed, the N = 1 ones did not.
        let complete: Vec<bool> = failed.points.iter().map(Point::complete).collect();
        assert_eq!(complete, [true, false, true, false]);
        let mut r = runner();
        let out = futures::executor::block_on(run(&p, failed, &mut r)).unwrap();
        assert_eq!(r.repeats_run, 2);
        assert_eq!(&r.log[..2], ["prepare serial 2", "run serial 2 0"]);
        let order: Vec<(&str, u32)> = out
            .points
            .iter()
            .map(|p| (p.strategy.as_str(), p.tasks))
            .collect();
        assert_eq!(
            order,
            [("serial", 1), ("serial", 2), ("async", 1), ("async", 2)]
        );
        assert!(out.points.iter().all(Point::complete));
    }

    #[test]
    fn a_failure_is_told_once_per_point() {
        let p = plan(2, 0);
        let mut r = runner();
        r.fail_task = Some(0);
        let out = futures::executor::block_on(run(&p, report(), &mut r)).unwrap();
        let told = r.log.iter().filter(|l| l.starts_with("failure")).count();
        assert_eq!(told, 4);
        assert!(out.points.iter().all(|p| !p.complete()));
        // N = 1 with its only task failing: every fetch failed.
        assert!(out.points[0].all_failed && !out.points[1].all_failed);
    }

    #[test]
    fn a_stop_keeps_what_was_measured() {
        let p = plan(2, 0);
        let mut r = runner();
        r.stop_after_repeats = Some(3);
        let out = futures::executor::block_on(run(&p, report(), &mut r)).unwrap();
        // The first point whole, the second cut short after one repeat.
        let samples: Vec<usize> = out.points.iter().map(|p| p.samples_ms.len()).collect();
        assert_eq!(samples, [2, 1]);
        assert_eq!(r.log.last().unwrap(), "stopped");
    }
}
