//! What a report's numbers mean, in words: the cell a failed point shows instead of an
//! efficiency, the kernels' drift from their calibration beside the schedules' efficiency, the
//! first failure, and the paragraph a command ends with when points failed.
//!
//! The table, the chart and the commands share these, so they say the same thing. Two rules
//! hold throughout: a point with failed tasks is never read as speed (its times measure how
//! fast things failed), and the two efficiencies are told apart — `efficiency` is the model at
//! the CPU asked over the median, so a kernel that ran slower than calibrated lowers it however
//! good the schedule; `schedule` is the model at the CPU the kernels took, which leaves the
//! runtime's own waste.

use super::markdown::series;
use gilwall_core::report::{CpuClock, Point, Report};

/// What the table shows for a point with failed tasks in place of its efficiency: "all
/// failed" or "3 of 16 tasks failed" (tasks over all repeats); `None` for a complete point.
pub fn failed_cell(p: &Point) -> Option<String> {
    if p.complete() {
        return None;
    }
    if p.all_failed {
        return Some("all failed".to_string());
    }
    let runs = task_runs(p);
    Some(format!("{} of {runs} {} failed", p.errors, tasks(runs)))
}

/// "task" or "tasks", for `n` of them.
fn tasks(n: u64) -> &'static str {
    if n == 1 { "task" } else { "tasks" }
}

/// Tasks a point ran over all its measured repeats.
fn task_runs(p: &Point) -> u64 {
    u64::from(p.tasks) * p.samples_ms.len() as u64
}

/// A percentage for people, `94 %`.
fn percent(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

/// A range of percentages, `96–100 %`, or one figure when both ends round alike.
fn percent_range(lo: f64, hi: f64) -> String {
    let (lo, hi) = ((lo * 100.0).round(), (hi * 100.0).round());
    if lo == hi {
        format!("{lo:.0} %")
    } else {
        format!("{lo:.0}–{hi:.0} %")
    }
}

/// Below this relative drift the kernels count as running at their calibrated speed.
const AS_CALIBRATED: f64 = 0.03;

/// How the kernels' CPU time compared with what was asked, over a report's complete points
/// with CPU work, and how close the schedules came to ideal at the CPU they took.
#[derive(Debug, Clone, PartialEq)]
pub struct Drift {
    /// Least and most CPU a task took, as a multiple of what was asked (1 is as calibrated).
    pub ratio: (f64, f64),
    /// Least and most CPU a task took, in ms, with what was asked, when every point asked the
    /// same.
    pub ms: Option<(f64, f64, f64)>,
    /// Whether some CPU times are wall time around each kernel call (the browser's clock).
    pub wall_clock: bool,
    /// Least and most schedule efficiency, where the report has any.
    pub schedule: Option<(f64, f64)>,
}

impl Drift {
    /// The drift of `report`'s complete points with CPU work and a measured CPU time; `None`
    /// when it has none.
    pub fn of(report: &Report) -> Option<Drift> {
        let cpu: Vec<(&Point, f64)> = report
            .points
            .iter()
            .filter(|p| p.complete() && p.cpu_ms > 0.0)
            .filter_map(|p| Some((p, p.cpu_measured_ms?)))
            .collect();
        let ratios: Vec<f64> = cpu.iter().map(|(p, m)| m / p.cpu_ms).collect();
        let ratio = min_max(&ratios)?;
        let asked = cpu[0].0.cpu_ms;
        let ms = cpu.iter().all(|(p, _)| p.cpu_ms == asked).then(|| {
            let taken: Vec<f64> = cpu.iter().map(|(_, m)| *m).collect();
            // `taken` has one value per entry of `ratios`, which is not empty.
            let (lo, hi) = min_max(&taken).expect("as many CPU times as ratios");
            (lo, hi, asked)
        });
        let schedules: Vec<f64> = report
            .points
            .iter()
            .filter(|p| p.complete())
            .filter_map(|p| p.schedule_efficiency)
            .collect();
        Some(Drift {
            ratio,
            ms,
            wall_clock: cpu.iter().any(|(p, _)| p.cpu_clock == Some(CpuClock::Wall)),
            schedule: min_max(&schedules),
        })
    }

    /// "ran 6–17 % slower than calibrated", "took 10 % less CPU than calibrated" (a kernel
    /// that took 40 % of its time did not run "60 % faster"), or "ran as fast as calibrated".
    fn speed(&self) -> String {
        let (lo, hi) = (self.ratio.0 - 1.0, self.ratio.1 - 1.0);
        if lo.abs() < AS_CALIBRATED && hi.abs() < AS_CALIBRATED {
            "ran as fast as calibrated".to_string()
        } else if lo >= 0.0 {
            format!("ran {} slower than calibrated", percent_range(lo, hi))
        } else if hi <= 0.0 {
            format!("took {} less CPU than calibrated", percent_range(-hi, -lo))
        } else {
            format!(
                "took between {} less and {} more CPU than calibrated",
                percent(-lo),
                percent(hi)
            )
        }
    }

    /// Whether the kernels' speed differed enough from calibration to matter.
    fn drifted(&self) -> bool {
        (self.ratio.0 - 1.0).abs() >= AS_CALIBRATED || (self.ratio.1 - 1.0).abs() >= AS_CALIBRATED
    }

    /// The sentence under the table, e.g. "The kernels ran 12 % slower than calibrated (117 ms
    /// of CPU per task for 100 ms asked): that much is the machine, not the runtime; at the CPU
    /// they took, the schedules were 96–100 % of ideal."
    pub fn sentence(&self) -> String {
        let mut out = format!("The kernels {}", self.speed());
        let how = if self.wall_clock {
            ", timed around each kernel call"
        } else {
            ""
        };
        match self.ms {
            Some((lo, hi, asked)) => {
                let taken = if (lo - hi).abs() < 0.5 {
                    format!("{hi:.0} ms")
                } else {
                    format!("{lo:.0}–{hi:.0} ms")
                };
                out.push_str(&format!(
                    " ({taken} of CPU per task for {asked:.0} ms asked{how})"
                ));
            }
            None => out.push_str(&format!(
                " ({:.2}–{:.2} × the CPU asked per task{how})",
                self.ratio.0, self.ratio.1
            )),
        }
        if self.drifted() {
            out.push_str(": that much is the machine, not the runtime");
        }
        if let Some((lo, hi)) = self.schedule {
            out.push_str(&format!(
                "; at the CPU they took, the schedules were {} of ideal",
                percent_range(lo, hi)
            ));
        }
        out.push('.');
        out
    }

    /// The same, short enough for a line under a chart: "kernels 6–17 % slower than
    /// calibrated (the machine); at the CPU they took, schedules 96–100 % of ideal".
    pub fn brief(&self) -> String {
        let speed = self.speed();
        let mut out = format!("kernels {}", speed.strip_prefix("ran ").unwrap_or(&speed));
        if self.drifted() {
            out.push_str(" (the machine)");
        }
        if let Some((lo, hi)) = self.schedule {
            out.push_str(&format!(
                "; at the CPU they took, schedules {} of ideal",
                percent_range(lo, hi)
            ));
        }
        out
    }
}

/// The smallest and largest of `values`; `None` when there are none.
fn min_max(values: &[f64]) -> Option<(f64, f64)> {
    let lo = values.iter().copied().reduce(f64::min)?;
    let hi = values.iter().copied().reduce(f64::max)?;
    Some((lo, hi))
}

/// What the table's efficiency columns mean, in one sentence.
pub fn legend(with_schedule: bool) -> &'static str {
    if with_schedule {
        "efficiency: the model at the CPU asked ÷ the median; schedule: the model at the CPU the \
         kernels took ÷ the median (the runtime alone); 100 % is ideal."
    } else {
        "efficiency: the model ÷ the median; 100 % is ideal."
    }
}

/// The points of `report` with failed tasks, each with the name of its series.
fn failed_points(report: &Report) -> Vec<(String, &Point)> {
    series(report)
        .into_iter()
        .flat_map(|(name, points)| {
            points
                .into_iter()
                .filter(|p| !p.complete())
                .map(move |p| (name.clone(), p))
        })
        .collect()
}

/// Where points failed, strategy by strategy: "serial N=2 (all 2 tasks failed), N=4 (3 of 4);
/// async N=1 (all 1)". At most `limit` points are named.
fn where_failed(failed: &[(String, &Point)], limit: usize) -> String {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (i, (name, p)) in failed.iter().take(limit).enumerate() {
        let runs = task_runs(p);
        let what = match (p.all_failed, i == 0) {
            (true, true) => format!("all {runs} {} failed", tasks(runs)),
            (true, false) => format!("all {runs}"),
            (false, true) => format!("{} of {runs} {} failed", p.errors, tasks(runs)),
            (false, false) => format!("{} of {runs}", p.errors),
        };
        let entry = format!("N={} ({what})", p.tasks);
        match groups.iter_mut().find(|(n, _)| n == name) {
            Some((_, entries)) => entries.push(entry),
            None => groups.push((name.clone(), vec![entry])),
        }
    }
    let mut out = groups
        .iter()
        .map(|(name, entries)| format!("{name} {}", entries.join(", ")))
        .collect::<Vec<_>>()
        .join("; ");
    if failed.len() > limit {
        out.push_str(&format!(" and {} more", failed.len() - limit));
    }
    out
}

/// The first failure's words with where it happened: "serial N=2: fetch …: connection refused".
fn first_error(failed: &[(String, &Point)]) -> Option<String> {
    failed.iter().find_map(|(name, p)| {
        let sample = p.error_sample.as_deref()?;
        Some(format!("{name} N={}: {sample}", p.tasks))
    })
}

/// The points a chart leaves out for failed tasks, strategy by strategy: "serial N=2, 4; async
/// N=1"; `None` when every point is complete.
pub fn left_out(report: &Report) -> Option<String> {
    let failed = failed_points(report);
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (name, p) in &failed {
        match groups.iter_mut().find(|(n, _)| n == name) {
            Some((_, ns)) => ns.push(p.tasks.to_string()),
            None => groups.push((name.clone(), vec![p.tasks.to_string()])),
        }
    }
    (!groups.is_empty()).then(|| {
        groups
            .iter()
            .map(|(name, ns)| format!("{name} N={}", ns.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// The note under the table when points failed: which, and the first error.
pub fn failures(report: &Report) -> Option<String> {
    let failed = failed_points(report);
    if failed.is_empty() {
        return None;
    }
    let mut out = format!(
        "Failed tasks: {} of {} points show no efficiency and are left out of the verdicts and \
         the chart, because their times measure failures, not the work: {}.",
        failed.len(),
        report.points.len(),
        where_failed(&failed, 12)
    );
    if let Some(first) = first_error(&failed) {
        out.push_str(&format!(" The first error, at {first}"));
        if !first.ends_with('.') {
            out.push('.');
        }
    }
    Some(out)
}

/// The paragraph a command that measured `reports` ends with when any point has failed tasks:
/// how many points and tasks, where, and the first error. `None` when every point is complete.
pub fn failure_summary(reports: &[&Report]) -> Option<String> {
    let failed: Vec<(String, &Point)> = reports.iter().flat_map(|r| failed_points(r)).collect();
    if failed.is_empty() {
        return None;
    }
    let points: usize = reports.iter().map(|r| r.points.len()).sum();
    let failed_tasks: u64 = failed.iter().map(|(_, p)| p.errors.min(task_runs(p))).sum();
    let of_tasks: u64 = failed.iter().map(|(_, p)| task_runs(p)).sum();
    let mut out = format!(
        "{} of {points} points had failed tasks ({failed_tasks} of their {of_tasks} tasks), so their \
         times measure failures, not the work: {}.",
        failed.len(),
        where_failed(&failed, 12)
    );
    if let Some(first) = first_error(&failed) {
        out.push_str(&format!(" The first error, at {first}"));
        if !first.ends_with('.') {
            out.push('.');
        }
    }
    out.push_str(
        " They show no efficiency and are left out of the verdicts and charts; the report keeps \
         them, with their errors.",
    );
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gilwall_core::report::{Machine, PointSpec, ReportRuntime};

    fn point(strategy: &str, tasks: u32, cpu_ms: f64) -> Point {
        let spec = PointSpec {
            strategy: strategy.into(),
            tasks,
            workers: None,
            io_ms: 100.0,
            cpu_ms,
            cpu_iters: None,
            kernel: Some("sqrt".into()),
            payload_bytes: 0,
        };
        Point::new(spec, vec![200.0, 210.0], 180.0, 0).unwrap()
    }

    fn measured(mut p: Point, cpu: f64, schedule_model: f64) -> Point {
        p.cpu_measured_ms = Some(cpu);
        p.cpu_clock = Some(CpuClock::Thread);
        p.set_model_at_measured(schedule_model);
        p
    }

    fn report(points: Vec<Point>) -> Report {
        let mut r = Report::new(ReportRuntime::Native, Machine::default(), "now".into());
        r.points = points;
        r
    }

    #[test]
    fn a_failed_point_shows_its_failures_in_words() {
        let mut p = point("serial", 8, 50.0);
        assert_eq!(failed_cell(&p), None);
        p.errors = 3;
        assert_eq!(failed_cell(&p).unwrap(), "3 of 16 tasks failed");
        p.errors = 16;
        p.all_failed = true;
        assert_eq!(failed_cell(&p).unwrap(), "all failed");
    }

    #[test]
    fn drift_says_the_machine_slowed_and_the_schedule_did_not() {
        let r = report(vec![
            measured(point("async", 1, 100.0), 106.0, 200.0),
            measured(point("async", 4, 100.0), 117.0, 196.0),
        ]);
        let d = Drift::of(&r).unwrap();
        assert_eq!(
            d.sentence(),
            "The kernels ran 6–17 % slower than calibrated (106–117 ms of CPU per task for 100 \
             ms asked): that much is the machine, not the runtime; at the CPU they took, the \
             schedules were 96–98 % of ideal."
        );
        assert_eq!(
            d.brief(),
            "kernels 6–17 % slower than calibrated (the machine); at the CPU they took, \
             schedules 96–98 % of ideal"
        );
    }

    #[test]
    fn drift_within_three_percent_is_as_calibrated_and_faster_is_said() {
        let r = report(vec![measured(point("threads", 2, 100.0), 101.0, 205.0)]);
        assert_eq!(
            Drift::of(&r).unwrap().sentence(),
            "The kernels ran as fast as calibrated (101 ms of CPU per task for 100 ms asked); \
             at the CPU they took, the schedules were 100 % of ideal."
        );
        let mut fast = point("threads", 2, 50.0);
        fast.cpu_measured_ms = Some(45.0);
        fast.cpu_clock = Some(CpuClock::Wall);
        let r = report(vec![
            fast,
            measured(point("threads", 4, 100.0), 80.0, 150.0),
        ]);
        assert_eq!(
            Drift::of(&r).unwrap().sentence(),
            "The kernels took 10–20 % less CPU than calibrated (0.80–0.90 × the CPU asked per \
             task, timed around each kernel call): that much is the machine, not the runtime; \
             at the CPU they took, the schedules were 73 % of ideal."
        );
    }

    #[test]
    fn failed_and_io_only_points_make_no_drift() {
        let mut failed = measured(point("serial", 2, 100.0), 300.0, 10.0);
        failed.errors = 1;
        let io_only = measured(point("async", 2, 0.0), 0.01, 100.0);
        assert_eq!(Drift::of(&report(vec![failed, io_only])), None);
    }

    #[test]
    fn the_failure_summary_names_points_tasks_and_the_first_error() {
        let ok = point("serial", 1, 20.0);
        let mut some = point("serial", 4, 20.0);
        some.errors = 3;
        some.error_sample = Some("fetch http://127.0.0.1:9/delay/0.1: connection refused".into());
        let mut all = point("async", 2, 20.0);
        all.errors = 4;
        all.all_failed = true;
        all.error_sample = Some("other".into());
        let r = report(vec![ok, some, all]);
        assert_eq!(failure_summary(&[&report(vec![point("a", 1, 0.0)])]), None);
        assert_eq!(
            failure_summary(&[&r]).unwrap(),
            "2 of 3 points had failed tasks (7 of their 12 tasks), so their times measure \
             failures, not the work: serial N=4 (3 of 8 tasks failed); async N=2 (all 4). The \
             first error, at serial N=4: fetch http://127.0.0.1:9/delay/0.1: connection \
             refused. They show no efficiency and are left out of the verdicts and charts; the \
             report keeps them, with their errors."
        );
        assert_eq!(left_out(&r).unwrap(), "serial N=4; async N=2");
        let note = failures(&r).unwrap();
        assert!(
            note.starts_with("Failed tasks: 2 of 3 points show no efficiency")
                && note.ends_with(
                    "at serial N=4: fetch http://127.0.0.1:9/delay/0.1: connection refused."
                ),
            "{note}"
        );
    }
}
