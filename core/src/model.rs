//! The ideal-makespan model: how long a strategy *should* take with zero overhead.
//!
//! Every measured point is reported beside this prediction (efficiency = model / measured), so a
//! curve that departs from it is either a real overhead worth showing or a bug in the kit.
//!
//! All fetches take `io_ms` and need no CPU; each task's CPU work takes `cpu_ms` on one core.
//! A strategy is described by its [`Schedule`]: how many tasks may be in flight (`slots`) and
//! how many executors run CPU work (`cpu_executors`, fed first-in first-out and sharing the
//! `cores` fairly when there are more executors than cores). A small discrete-event simulation
//! gives the makespan for any schedule; the closed forms below are what it reduces to in the
//! article's cases, and the tests check that they agree:
//!
//! - serial: N·(io + cpu)
//! - async on one thread, and gil: io + N·cpu — the wall
//! - a pool of E ≤ P CPU executors (multicore, async-rayon): io + ⌈N/E⌉·cpu
//! - a thread or process per task on P cores: io + cpu·max(1, N/P)

use crate::strategy::{Schedule, StrategyId};
use std::collections::VecDeque;

/// What the model needs to predict one point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelInput {
    /// Number of tasks, N.
    pub tasks: u32,
    /// Delay of one fetch, in ms.
    pub io_ms: f64,
    /// CPU work per task, in ms.
    pub cpu_ms: f64,
    /// Pool size (workers) where the strategy has a pool.
    pub pool: u32,
    /// Cores available, P.
    pub cores: u32,
}

/// The ideal makespan of `strategy` for `input`, in ms.
pub fn predict(strategy: StrategyId, input: ModelInput) -> f64 {
    let schedule = strategy.schedule(input.tasks, input.pool, input.cores);
    simulate(
        input.tasks,
        input.io_ms,
        input.cpu_ms,
        schedule,
        input.cores,
    )
}

/// The closed form for the article's common cases, where one exists.
pub fn closed_form(schedule: Schedule, tasks: u32, io: f64, cpu: f64, cores: u32) -> Option<f64> {
    let n = tasks as f64;
    let p = cores.max(1) as f64;
    let Schedule {
        slots,
        cpu_executors: e,
    } = schedule;
    if slots == 1 {
        Some(n * (io + cpu))
    } else if slots >= tasks && e == 1 {
        Some(io + n * cpu)
    } else if slots >= tasks && e <= cores {
        Some(io + (tasks.div_ceil(e)) as f64 * cpu)
    } else if slots >= tasks && e >= tasks {
        Some(io + cpu * (n / p).max(1.0))
    } else {
        None
    }
}

/// Simulates `tasks` identical tasks under `schedule` on `cores` cores and returns the makespan
/// in ms.
///
/// Tasks start in order as slots free up; each waits `io` ms, then queues for a CPU executor.
/// Running executors share the cores fairly (processor sharing), so each progresses at
/// `min(1, cores / running)`. Because every CPU job has the same size and they all progress at
/// the same rate, they finish in the order they started, so queues suffice (no heap): the
/// simulation is O(N) events.
pub fn simulate(tasks: u32, io: f64, cpu: f64, schedule: Schedule, cores: u32) -> f64 {
    const EPS: f64 = 1e-9;
    let io = io.max(0.0);
    let cpu = cpu.max(0.0);
    let cores = cores.max(1) as f64;
    let slots = schedule.slots.max(1);
    let executors = schedule.cpu_executors.max(1) as usize;

    let mut t = 0.0f64; // wall time
    let mut v = 0.0f64; // "virtual" CPU time: work done by each running job so far
    let mut not_started = tasks;
    let mut fetching: VecDeque<f64> = VecDeque::new(); // fetch end times, ascending
    let mut cpu_queue: u32 = 0;
    let mut running: VecDeque<f64> = VecDeque::new(); // virtual finish times, ascending
    let mut done = 0u32;

    let start =
        |not_started: &mut u32, fetching: &mut VecDeque<f64>, cpu_queue: &mut u32, t: f64| {
            *not_started -= 1;
            if io > 0.0 {
                fetching.push_back(t + io);
            } else {
                *cpu_queue += 1;
            }
        };
    for _ in 0..slots.min(tasks) {
        start(&mut not_started, &mut fetching, &mut cpu_queue, t);
    }

    while done < tasks {
        while cpu_queue > 0 && running.len() < executors {
            cpu_queue -= 1;
            running.push_back(v + cpu);
        }
        let rate = if running.is_empty() {
            0.0
        } else {
            (cores / running.len() as f64).min(1.0)
        };
        let dt_cpu = running
            .front()
            .map_or(f64::INFINITY, |&fin| (fin - v).max(0.0) / rate);
        let dt_io = fetching
            .front()
            .map_or(f64::INFINITY, |&end| (end - t).max(0.0));
        let dt = dt_cpu.min(dt_io);
        debug_assert!(dt.is_finite(), "the simulation always has a next event");
        t += dt;
        v += rate * dt;
        while fetching.front().is_some_and(|&end| end <= t + EPS) {
            fetching.pop_front();
            cpu_queue += 1;
        }
        while running.front().is_some_and(|&fin| fin <= v + EPS) {
            running.pop_front();
            done += 1;
            if not_started > 0 {
                start(&mut not_started, &mut fetching, &mut cpu_queue, t);
            }
        }
    }
    t
}

/// Efficiency of a measurement: model / measured (1 is ideal, below 1 is overhead).
pub fn efficiency(model_ms: f64, measured_ms: f64) -> f64 {
    if measured_ms > 0.0 {
        model_ms / measured_ms
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::STRATEGIES;
    use proptest::prelude::*;

    fn approx(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-6 * (1.0 + a.abs().max(b.abs()))
    }

    fn input(tasks: u32, pool: u32, cores: u32) -> ModelInput {
        ModelInput {
            tasks,
            io_ms: 1000.0,
            cpu_ms: 500.0,
            pool,
            cores,
        }
    }

    #[test]
    fn the_article_cases() {
        // Article step 1: serial, 8 tasks of 1 s I/O and 0.5 s CPU.
        assert!(approx(
            predict(StrategyId::Serial, input(8, 8, 8)),
            12_000.0
        ));
        // Steps 2-3: async on one thread hits the wall.
        assert!(approx(
            predict(StrategyId::Async, input(8, 8, 8)),
            1000.0 + 8.0 * 500.0
        ));
        assert!(approx(predict(StrategyId::Gil, input(8, 8, 8)), 5000.0));
        // I/O only: flat at any N.
        let io_only = ModelInput {
            cpu_ms: 0.0,
            ..input(32, 32, 2)
        };
        assert!(approx(predict(StrategyId::Async, io_only), 1000.0));
        // Steps 4-5 on 8 cores: one round of CPU up to 8 tasks, then it grows.
        for s in [
            StrategyId::Threads,
            StrategyId::Processes,
            StrategyId::Multicore,
        ] {
            assert!(approx(predict(s, input(8, 8, 8)), 1500.0), "{s}");
            assert!(approx(predict(s, input(16, 16, 8)), 2000.0), "{s}");
        }
        // On 2 cores, time-sliced threads share: 3 tasks take 1.5 rounds, a FIFO pool 2.
        assert!(approx(
            predict(StrategyId::Threads, input(3, 3, 2)),
            1000.0 + 750.0
        ));
        assert!(approx(
            predict(StrategyId::AsyncRayon, input(3, 3, 2)),
            1000.0 + 1000.0
        ));
    }

    #[test]
    fn bounded_pools() {
        // 8 tasks on 2 worker threads (2 cores): 4 rounds of fetch + compute.
        assert!(approx(
            predict(StrategyId::Threads, input(8, 2, 2)),
            4.0 * 1500.0
        ));
        // 8 tasks on 4 threads but 2 cores: fetches overlap, CPU time-sliced.
        let t = predict(StrategyId::Threads, input(8, 4, 2));
        assert!(
            t > 2.0 * 1000.0 + 2.0 * 500.0 - 1e-6 && t < 4.0 * 1500.0,
            "{t}"
        );
    }

    #[test]
    fn zero_work_is_instant() {
        for s in STRATEGIES {
            let z = ModelInput {
                tasks: 5,
                io_ms: 0.0,
                cpu_ms: 0.0,
                pool: 2,
                cores: 2,
            };
            assert_eq!(predict(s.id, z), 0.0);
        }
    }

    #[test]
    fn efficiency_is_model_over_measured() {
        assert_eq!(efficiency(100.0, 200.0), 0.5);
        assert_eq!(efficiency(100.0, 0.0), 1.0);
    }

    proptest! {
        #[test]
        fn simulation_agrees_with_closed_forms(
            tasks in 1u32..200, pool in 1u32..64, cores in 1u32..16,
            io in 0.0f64..2000.0, cpu in 0.0f64..2000.0,
        ) {
            for s in STRATEGIES {
                let schedule = s.id.schedule(tasks, pool, cores);
                let sim = simulate(tasks, io, cpu, schedule, cores);
                if let Some(closed) = closed_form(schedule, tasks, io, cpu, cores) {
                    prop_assert!(approx(sim, closed), "{} N={tasks} W={pool} P={cores}: sim {sim} closed {closed}", s.id);
                }
                // Never faster than the work allows, never slower than serial.
                let n = tasks as f64;
                let lower = io + cpu * (n / cores as f64).max(1.0);
                prop_assert!(sim >= lower - 1e-6, "{} below the bound", s.id);
                prop_assert!(sim <= n * (io + cpu) + 1e-6, "{} slower than serial", s.id);
            }
        }
    }
}
