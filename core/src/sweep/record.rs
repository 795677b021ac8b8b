//! The recorder: turns a point's repeats into core's [`Point`], by one set of rules for every
//! runtime.
//!
//! - **Samples**: each measured repeat's makespan (warm-up repeats never reach the recorder).
//! - **Failures**: `errors` counts failed tasks over all repeats; `error_sample` is the first
//!   one's words; `all_failed` is set when every task of every repeat failed.
//! - **Checksum**: from the first repeat in which every task succeeded, so a partial repeat's
//!   checksum can never pass for a complete one.
//! - **CPU measured**: the tasks' thread CPU time where every task had a thread CPU clock,
//!   otherwise the wall time of each kernel call (`cpu_clock` says which).
//! - **Copies**: the most payload bytes one task copied between heaps and the median time
//!   those copies took.
//! - **Timeline**: the spans of the first measured repeat whose outcomes carry any (see
//!   [`Timeline::of`], which caps the tasks traced): the first, because it is there as soon as
//!   the point has one repeat, so a point cut short still shows its schedule.
//! - **The model twice**: at the CPU asked (`model_ms`, `efficiency`) and at the CPU the tasks
//!   actually took (`model_at_measured_ms`, `schedule_efficiency`), so a kernel that ran slower
//!   than calibrated is not read as a runtime that wasted time.

use super::SweepError;
use super::plan::{Plan, PointPlan};
use crate::kernel::{checksum_hex, combine_checksums};
use crate::report::{CpuClock, Point, PointSpec, Transport};
use crate::stats::Summary;
use crate::task::TaskOutcome;
use crate::timeline::{SpanKind, Timeline};

/// Longest `error_sample`, in characters.
pub const MAX_ERROR_SAMPLE_CHARS: usize = 300;

/// One timed repeat of a point, as a runtime hands it over.
#[derive(Debug, Clone, PartialEq)]
pub struct Repeat {
    /// Wall time from the strategy's set-up to the last task's end, ms.
    pub makespan_ms: f64,
    /// Every task's outcome.
    pub outcomes: Vec<TaskOutcome>,
    /// The feature server's lateness p99 over this repeat's requests, ms, where the server
    /// reports it.
    pub server_late_p99_ms: Option<f64>,
    /// The HTTP version this repeat's fetches spoke, where the runtime chose it.
    pub transport: Option<Transport>,
}

/// Collects one point's repeats.
#[derive(Debug)]
pub struct Recorder<'p> {
    plan: &'p Plan,
    point: &'p PointPlan,
    samples: Vec<f64>,
    errors: u64,
    error_sample: Option<String>,
    checksum: Option<String>,
    thread_cpu: Vec<f64>,
    wall_cpu: Vec<f64>,
    every_task_had_thread_cpu: bool,
    copied_bytes: Option<u64>,
    copy_times: Vec<f64>,
    late_p99: Option<f64>,
    client_late_p99: Option<f64>,
    transport: Option<Transport>,
    timeline: Option<Timeline>,
}

impl<'p> Recorder<'p> {
    /// A recorder for `point` of `plan`, with no repeats yet.
    pub fn new(plan: &'p Plan, point: &'p PointPlan) -> Recorder<'p> {
        Recorder {
            plan,
            point,
            samples: Vec::new(),
            errors: 0,
            error_sample: None,
            checksum: None,
            thread_cpu: Vec::new(),
            wall_cpu: Vec::new(),
            every_task_had_thread_cpu: true,
            copied_bytes: None,
            copy_times: Vec::new(),
            late_p99: None,
            client_late_p99: None,
            transport: None,
            timeline: None,
        }
    }

    /// Measured repeats so far.
    pub fn repeats(&self) -> usize {
        self.samples.len()
    }

    /// Adds one measured repeat. Returns the first failure's words when this repeat brought
    /// the point's first failure, so a runtime can show it at once.
    pub fn record(&mut self, repeat: Repeat) -> Option<&str> {
        let had_errors = self.errors > 0;
        if self.timeline.is_none() {
            // The repeat's number among the measured ones; at most MAX_SAMPLES, so it fits.
            self.timeline = Timeline::of(self.samples.len() as u32, &repeat.outcomes);
        }
        self.samples.push(repeat.makespan_ms);
        if let Some(l) = repeat.server_late_p99_ms {
            self.late_p99 = Some(self.late_p99.map_or(l, |m| m.max(l)));
        }
        if let Some(l) = client_late_p99(&repeat.outcomes, self.plan.io_ms) {
            self.client_late_p99 = Some(self.client_late_p99.map_or(l, |m| m.max(l)));
        }
        self.transport = repeat.transport.or(self.transport);
        let mut sums = Vec::with_capacity(repeat.outcomes.len());
        // A runtime that lost tasks (fewer outcomes than tasks) lost them as failures.
        let lost = u64::from(self.point.tasks).saturating_sub(repeat.outcomes.len() as u64);
        self.errors += lost;
        if lost > 0 && self.error_sample.is_none() {
            self.error_sample = Some(format!(
                "{lost} of {} tasks never reported back",
                self.point.tasks
            ));
        }
        for o in &repeat.outcomes {
            if let Some(c) = o.copied {
                self.copied_bytes = self.copied_bytes.max(Some(c.bytes));
                self.copy_times.push(c.ms);
            }
            match &o.result {
                Ok(sum) => {
                    sums.push(*sum);
                    self.wall_cpu.push(o.cpu_ms);
                    match o.cpu_time_ms {
                        Some(t) => self.thread_cpu.push(t),
                        None => self.every_task_had_thread_cpu = false,
                    }
                }
                Err(e) => {
                    self.errors += 1;
                    if self.error_sample.is_none() {
                        self.error_sample = Some(e.chars().take(MAX_ERROR_SAMPLE_CHARS).collect());
                    }
                }
            }
        }
        if self.checksum.is_none() && lost == 0 && sums.len() == repeat.outcomes.len() {
            self.checksum = Some(checksum_hex(combine_checksums(sums)));
        }
        if !had_errors && self.errors > 0 {
            self.error_sample.as_deref()
        } else {
            None
        }
    }

    /// The point, from every repeat recorded.
    pub fn finish(self) -> Result<Point, SweepError> {
        let (plan, point) = (self.plan, self.point);
        let spec = PointSpec {
            strategy: point.strategy.as_str().to_string(),
            tasks: point.tasks,
            workers: point.workers(),
            io_ms: plan.io_ms,
            cpu_ms: plan.cpu_ms,
            cpu_iters: Some(plan.iterations),
            kernel: Some(plan.kernel.id().to_string()),
            payload_bytes: plan.payload_bytes,
        };
        let repeats = self.samples.len() as u64;
        let mut p = Point::new(spec, self.samples, point.model_ms, self.errors).ok_or(
            SweepError::NoTime {
                strategy: point.strategy,
                tasks: point.tasks,
            },
        )?;
        p.all_failed = repeats > 0 && self.errors >= u64::from(point.tasks) * repeats;
        p.error_sample = self.error_sample;
        p.checksum = self.checksum;
        p.server_late_p99_ms = self.late_p99;
        p.client_late_p99_ms = self.client_late_p99;
        p.transport = self.transport;
        p.copied_bytes = self.copied_bytes;
        p.copy_ms = Summary::of(&self.copy_times).map(|s| s.median);
        p.timeline = self.timeline;
        let (clock, cpu) = if self.every_task_had_thread_cpu && !self.thread_cpu.is_empty() {
            (CpuClock::Thread, Summary::of(&self.thread_cpu))
        } else {
            (CpuClock::Wall, Summary::of(&self.wall_cpu))
        };
        if let Some(cpu) = cpu {
            p.cpu_measured_ms = Some(cpu.median);
            p.cpu_clock = Some(clock);
            // Wall time is CPU time only while each kernel has a core to itself; with more
            // executors than cores the OS time-slices them and a kernel's wall time stretches.
            // With no kernel (I/O only, timed on the wall clock: `KernelClock`) there is only
            // a JSON check of microseconds to stretch, nothing the model would notice.
            let schedule = point.strategy.schedule(point.tasks, point.pool, plan.cores);
            let sliced =
                plan.iterations > 0 && schedule.cpu_executors.min(point.tasks) > plan.cores;
            if p.complete() && !(clock == CpuClock::Wall && sliced) {
                // The mean, not the median: a wall of N slices adds them all up.
                p.set_model_at_measured(plan.model_ms(point, cpu.mean));
            }
        }
        Ok(p)
    }
}

/// The client's lateness p99 over one repeat's fetches: each traced task's fetch time
/// (its first `fetch` span's start, when its request began, to `fetched_at_ms`, when its body
/// was in) minus the delay asked, in ms; `None` where no task carries both (an untraced runtime).
pub fn client_late_p99(outcomes: &[TaskOutcome], io_ms: f64) -> Option<f64> {
    let mut late: Vec<f64> = outcomes
        .iter()
        .filter_map(|o| {
            let start = o.spans.iter().find(|s| s.kind == SpanKind::Fetch)?.start_ms;
            Some((o.fetched_at_ms? - start - io_ms).max(0.0))
        })
        .collect();
    if late.is_empty() {
        return None;
    }
    let rank = ((late.len() as f64 * 0.99).ceil() as usize).clamp(1, late.len()) - 1;
    Some(*late.select_nth_unstable_by(rank, f64::total_cmp).1)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::calibrate::Calibration;
    use crate::kernel::Kernel;
    use crate::strategy::{Runtime, StrategyId};
    use crate::sweep::SweepSpec;
    use crate::task::{Computed, Copied};

    /// A repeat in which every task of `point` succeeded with `cpu_ms` of thread CPU time.
    pub(crate) fn repeat_of(plan: &Plan, point: &PointPlan, cpu_ms: f64) -> Repeat {
        Repeat {
            makespan_ms: 100.0,
            outcomes: (0..point.tasks)
                .map(|i| {
                    TaskOutcome::computed(
                        plan.task(i).index,
                        Some(0.0),
                        Computed {
                            result: Ok(u64::from(i) + 1),
                            wall_ms: cpu_ms,
                            cpu_time_ms: Some(cpu_ms),
                        },
                    )
                })
                .collect(),
            server_late_p99_ms: Some(1.0),
            transport: None,
        }
    }

    fn plan(strategy: StrategyId, tasks: u32, runtime: Runtime) -> Plan {
        let spec = SweepSpec {
            strategies: vec![strategy],
            tasks: vec![tasks],
            io_ms: 200.0,
            cpu_ms: Some(100.0),
            ..SweepSpec::default()
        };
        let cal = Calibration {
            kernel: Kernel::Sqrt,
            iters_per_ms: 100.0,
            payload_bytes: 1024,
            fixed_ms: 0.0,
        };
        Plan::new(&spec, runtime, &cal, 2, "http://h:1").unwrap()
    }

    #[test]
    fn the_clients_lateness_is_each_fetch_minus_the_delay_asked() {
        use crate::timeline::{Lane, Span};
        let fetched = |index: u32, start: f64, end: f64| {
            let done = Computed {
                result: Ok(1),
                wall_ms: 0.0,
                cpu_time_ms: None,
            };
            TaskOutcome::computed(index, Some(end), done).with_spans([Span::new(
                SpanKind::Fetch,
                Lane::EventLoop,
                start,
                end,
            )])
        };
        // 100 fetches of a 100 ms delay, the i-th i ms late after a start i ms in.
        let outcomes: Vec<_> = (0..100)
            .map(|i| fetched(i, f64::from(i), 100.0 + 2.0 * f64::from(i)))
            .collect();
        assert_eq!(client_late_p99(&outcomes, 100.0), Some(98.0));
        // Untraced outcomes (the browser's) give no figure rather than a zero.
        let bare = TaskOutcome::failed(0, "x".into(), Some(5.0));
        assert_eq!(client_late_p99(&[bare], 100.0), None);
    }

    #[test]
    fn a_kernel_slower_than_calibrated_is_told_apart_from_a_slow_schedule() {
        // The wall at N = 4: io + 4·cpu. The kernels took 117 ms each instead of 100, and the
        // repeat took exactly what the model says for 117 ms: the schedule was ideal.
        let p = plan(StrategyId::Async, 4, Runtime::Native);
        let point = p.points[0];
        let mut r = Recorder::new(&p, &point);
        let mut rep = repeat_of(&p, &point, 117.0);
        rep.makespan_ms = 200.0 + 4.0 * 117.0;
        assert_eq!(r.record(rep), None);
        let got = r.finish().unwrap();
        assert_eq!(got.model_ms, 600.0);
        assert!((got.efficiency - 600.0 / 668.0).abs() < 1e-9);
        assert_eq!(got.model_at_measured_ms, Some(668.0));
        assert_eq!(got.schedule_efficiency, Some(1.0));
        assert_eq!(got.cpu_clock, Some(CpuClock::Thread));
        assert_eq!(got.cpu_measured_ms, Some(117.0));
        assert_eq!(got.checksum, Some(checksum_hex(combine_checksums(1..=4))));
        assert!(got.complete());
    }

    #[test]
    fn failures_are_counted_sampled_and_never_modelled() {
        let p = plan(StrategyId::Threads, 2, Runtime::Native);
        let point = p.points[0];
        let mut r = Recorder::new(&p, &point);
        let mut bad = repeat_of(&p, &point, 10.0);
        bad.outcomes[1] = TaskOutcome::fetch_failed(&p.task(1), "503 busy", None);
        assert_eq!(
            r.record(bad),
            Some("fetch http://h:1/delay/0.2 failed: 503 busy")
        );
        // A second failure is not news.
        let mut bad = repeat_of(&p, &point, 10.0);
        bad.outcomes[0] = TaskOutcome::failed(0, "boom".into(), None);
        assert_eq!(r.record(bad), None);
        // The first complete repeat gives the checksum.
        r.record(repeat_of(&p, &point, 10.0));
        let got = r.finish().unwrap();
        assert_eq!((got.errors, got.all_failed), (2, false));
        assert!(!got.complete());
        assert_eq!(got.model_at_measured_ms, None);
        assert_eq!(got.schedule_efficiency, None);
        assert_eq!(got.checksum, Some(checksum_hex(combine_checksums([1, 2]))));
        assert_eq!(got.samples_ms.len(), 3);
    }

    #[test]
    fn a_point_whose_every_task_failed_says_so_and_has_no_checksum() {
        let p = plan(StrategyId::Serial, 2, Runtime::Native);
        let point = p.points[0];
        let mut r = Recorder::new(&p, &point);
        r.record(Repeat {
            makespan_ms: 3.0,
            outcomes: vec![
                TaskOutcome::fetch_failed(&p.task(0), "connection refused", None),
                TaskOutcome::fetch_failed(&p.task(1), "connection refused", None),
            ],
            server_late_p99_ms: None,
            transport: None,
        });
        let got = r.finish().unwrap();
        assert!(got.all_failed);
        assert_eq!(got.checksum, None);
        assert_eq!(got.cpu_measured_ms, None);
        assert!(got.error_sample.unwrap().ends_with("connection refused"));
    }

    #[test]
    fn lost_tasks_count_as_failures() {
        let p = plan(StrategyId::Processes, 3, Runtime::Native);
        let point = p.points[0];
        let mut r = Recorder::new(&p, &point);
        let mut rep = repeat_of(&p, &point, 5.0);
        rep.outcomes.pop();
        assert_eq!(r.record(rep), Some("1 of 3 tasks never reported back"));
        let got = r.finish().unwrap();
        assert_eq!((got.errors, got.checksum), (1, None));
    }

    #[test]
    fn wall_clock_cpu_is_used_honestly() {
        // The browser: no thread CPU clock, so the kernel's wall time, and no model at the
        // measured CPU where more executors than cores time-slice each kernel.
        for (tasks, modelled) in [(2, true), (8, false)] {
            let p = plan(StrategyId::Workers, tasks, Runtime::Browser);
            let point = p.points[0];
            let mut r = Recorder::new(&p, &point);
            let mut rep = repeat_of(&p, &point, 50.0);
            for o in &mut rep.outcomes {
                o.cpu_time_ms = None;
                o.copied = Some(Copied {
                    bytes: 4096,
                    ms: 0.5,
                });
            }
            r.record(rep);
            let got = r.finish().unwrap();
            assert_eq!(got.cpu_clock, Some(CpuClock::Wall));
            assert_eq!(got.cpu_measured_ms, Some(50.0));
            assert_eq!(got.model_at_measured_ms.is_some(), modelled, "N = {tasks}");
            assert_eq!((got.copied_bytes, got.copy_ms), (Some(4096), Some(0.5)));
            assert_eq!(got.workers, Some(tasks));
        }
    }

    #[test]
    fn the_first_traced_repeat_is_the_points_timeline() {
        use crate::timeline::{Lane, Span, SpanKind};
        let p = plan(StrategyId::Async, 2, Runtime::Native);
        let point = p.points[0];
        let mut r = Recorder::new(&p, &point);
        // An untraced repeat, then two traced ones: the first traced one is kept.
        r.record(repeat_of(&p, &point, 10.0));
        for at in [5.0, 7.0] {
            let mut rep = repeat_of(&p, &point, 10.0);
            for o in &mut rep.outcomes {
                o.spans = vec![Span::new(SpanKind::Cpu, Lane::EventLoop, at, at + 1.0)];
            }
            r.record(rep);
        }
        let t = r.finish().unwrap().timeline.unwrap();
        assert_eq!((t.repeat, t.traced_tasks), (1, 2));
        assert_eq!(t.tasks[1].spans[0].start_ms, 5.0);
        assert_eq!(t.lanes[0].name, "event loop");
    }

    #[test]
    fn a_point_without_a_finite_time_is_an_error() {
        let p = plan(StrategyId::Serial, 1, Runtime::Native);
        let point = p.points[0];
        let r = Recorder::new(&p, &point);
        assert!(r.finish().is_err());
    }
}
