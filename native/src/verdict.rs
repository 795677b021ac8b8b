//! One-line verdicts: which shape a strategy's curve has, in words a learner can take away.
//!
//! The measured growth per extra task is compared with the shapes the article shows: serial
//! (+io+cpu per task), the wall (+cpu per task: CPU serialised on one thread), parallel
//! (+cpu/P per task) and flat (+0: the fetches overlap).

use gilwall_core::report::Point;

/// The shape a curve is closest to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Each task waits for the one before.
    Serial,
    /// CPU work serialised on one thread.
    Wall,
    /// CPU work spread over the cores.
    Parallel,
    /// Nothing grows: the fetches overlap and there is no CPU work to queue.
    Flat,
}

/// Classifies one strategy's points (same io and cpu, at least two task counts).
pub fn classify(points: &[&Point], cores: u32) -> Option<(Shape, f64)> {
    let mut pts: Vec<&&Point> = points.iter().collect();
    pts.sort_by_key(|p| p.tasks);
    let (first, last) = (pts.first()?, pts.last()?);
    if last.tasks == first.tasks {
        return None;
    }
    let slope = (last.median_ms - first.median_ms) / f64::from(last.tasks - first.tasks);
    let (io, cpu) = (last.io_ms, last.cpu_ms);
    let candidates: &[(Shape, f64)] = if cpu <= 0.0 {
        &[(Shape::Serial, io), (Shape::Flat, 0.0)]
    } else {
        &[
            (Shape::Serial, io + cpu),
            (Shape::Wall, cpu),
            (Shape::Parallel, cpu / f64::from(cores.max(1))),
        ]
    };
    // Compare in log space so "twice the wall" and "half the wall" are equally far from it.
    let distance = |target: f64| ((slope.max(0.0) + 1.0) / (target + 1.0)).ln().abs();
    candidates
        .iter()
        .min_by(|a, b| distance(a.1).total_cmp(&distance(b.1)))
        .map(|&(shape, _)| (shape, slope))
}

/// The verdict for one strategy's points, e.g. "grows by one CPU slice per task: …".
pub fn verdict(points: &[&Point], cores: u32) -> Option<String> {
    let (shape, slope) = classify(points, cores)?;
    let text = match shape {
        Shape::Serial => "grows like serial: each task waits for the one before",
        Shape::Wall => {
            "grows by one CPU slice per task: CPU is serialised on one thread (the wall)"
        }
        Shape::Parallel => "grows by cpu/cores per task: CPU work runs on every core",
        Shape::Flat => "flat: the fetches overlap",
    };
    Some(format!("{text} (+{slope:.0} ms per extra task)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gilwall_core::report::PointSpec;

    fn point(tasks: u32, median: f64, cpu: f64) -> Point {
        let spec = PointSpec {
            strategy: "x".into(),
            tasks,
            workers: None,
            io_ms: 100.0,
            cpu_ms: cpu,
            cpu_iters: None,
            kernel: None,
            payload_bytes: 0,
        };
        Point::new(spec, vec![median], median, 0).unwrap()
    }

    #[test]
    fn shapes_are_told_apart() {
        let cls = |a: Point, b: Point| classify(&[&a, &b], 2).map(|c| c.0);
        assert_eq!(
            cls(point(1, 150.0, 50.0), point(9, 1350.0, 50.0)),
            Some(Shape::Serial)
        );
        assert_eq!(
            cls(point(1, 150.0, 50.0), point(9, 560.0, 50.0)),
            Some(Shape::Wall)
        );
        assert_eq!(
            cls(point(1, 150.0, 50.0), point(9, 360.0, 50.0)),
            Some(Shape::Parallel)
        );
        assert_eq!(
            cls(point(1, 100.0, 0.0), point(9, 104.0, 0.0)),
            Some(Shape::Flat)
        );
        assert_eq!(
            cls(point(1, 100.0, 0.0), point(9, 900.0, 0.0)),
            Some(Shape::Serial)
        );
        assert_eq!(cls(point(4, 100.0, 0.0), point(4, 100.0, 0.0)), None);
        assert!(
            verdict(&[&point(1, 150.0, 50.0), &point(9, 560.0, 50.0)], 2)
                .unwrap()
                .contains("the wall")
        );
    }
}
