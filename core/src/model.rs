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
//!
//! The same simulation also gives the ideal *schedule* ([`ideal_schedule`], [`ideal_timeline`]):
//! when each task fetched, waited for an executor and computed, which the trace export shows
//! beside each measured timeline.
//!
//! A runtime may also cap the fetches in flight: a browser opens at most
//! [`BROWSER_CONNECTIONS_PER_HOST`] HTTP/1.1 connections to one host, so its fetches beyond
//! that wait for a connection to free up (`fetch_limit`), even in I/O-only `async`.

use crate::strategy::{Schedule, StrategyId};
use crate::timeline::{Lane, Span, SpanKind, Timeline};
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
    /// Most fetches in flight at once, where the runtime caps them (the browser); `None` is
    /// no cap.
    pub fetch_limit: Option<u32>,
}

/// HTTP/1.1 connections a browser opens to one host (Chromium, Firefox and Safari alike); a
/// page and its workers share them, and gilwall's page can only speak HTTP/1.1 to its server
/// (browsers speak HTTP/2 only over TLS).
pub const BROWSER_CONNECTIONS_PER_HOST: u32 = 6;

/// The ideal makespan of `strategy` for `input`, in ms.
pub fn predict(strategy: StrategyId, input: ModelInput) -> f64 {
    let schedule = strategy.schedule(input.tasks, input.pool, input.cores);
    simulate_with_fetch_limit(
        input.tasks,
        input.io_ms,
        input.cpu_ms,
        schedule,
        input.cores,
        input.fetch_limit,
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
    simulate_with_fetch_limit(tasks, io, cpu, schedule, cores, None)
}

/// [`simulate`], with at most `fetch_limit` fetches in flight: a task whose turn has come waits
/// (first come, first served) for one of them to finish before its own fetch starts.
pub fn simulate_with_fetch_limit(
    tasks: u32,
    io: f64,
    cpu: f64,
    schedule: Schedule,
    cores: u32,
    fetch_limit: Option<u32>,
) -> f64 {
    run(tasks, io, cpu, schedule, cores, fetch_limit, &mut [])
}

/// One task in the model's ideal schedule, times in ms from the start.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct IdealTask {
    /// The fetch: from its start (once a slot and a connection are free) to its end.
    pub fetch: (f64, f64),
    /// The CPU work: from when an executor took it to its end (stretched where more executors
    /// run than there are cores). Before it, from the fetch's end, the task waited for one.
    pub cpu: (f64, f64),
    /// The slot it ran in (a thread or process of its own, for a thread or process per task),
    /// the lowest one free when it started.
    pub slot: u32,
    /// The CPU executor that ran its work, the lowest one free when it was taken.
    pub executor: u32,
}

/// The discrete-event simulation behind [`simulate_with_fetch_limit`]; the first
/// `trace.len()` tasks' schedules are written into `trace`.
fn run(
    tasks: u32,
    io: f64,
    cpu: f64,
    schedule: Schedule,
    cores: u32,
    fetch_limit: Option<u32>,
    trace: &mut [IdealTask],
) -> f64 {
    use std::cmp::Reverse;
    use std::collections::{BinaryHeap, HashMap};
    const EPS: f64 = 1e-9;
    let io = io.max(0.0);
    let cpu = cpu.max(0.0);
    let cores = cores.max(1) as f64;
    let slots = schedule.slots.max(1);
    let executors = schedule.cpu_executors.max(1) as usize;

    let mut t = 0.0f64; // wall time
    let mut v = 0.0f64; // "virtual" CPU time: work done by each running job so far
    let mut next: u32 = 0; // the next task to start
    let mut fetching: VecDeque<(u32, f64)> = VecDeque::new(); // (task, end), ends ascending
    let mut waiting_to_fetch: VecDeque<u32> = VecDeque::new(); // started, waiting for a connection
    let connections = fetch_limit.map_or(usize::MAX, |c| c.max(1) as usize);
    let mut cpu_queue: VecDeque<u32> = VecDeque::new();
    let mut running: VecDeque<(u32, f64)> = VecDeque::new(); // (task, virtual finish), ascending
    let mut done = 0u32;
    // Free slot and executor numbers, lowest first; slot k is task k's while it runs.
    let mut free_slots: BinaryHeap<Reverse<u32>> = BinaryHeap::new();
    let mut free_executors: BinaryHeap<Reverse<u32>> = (0..executors.min(tasks as usize) as u32)
        .map(Reverse)
        .collect();
    // The slot and executor of each task while it holds them.
    let mut slot_of: HashMap<u32, u32> = HashMap::new();
    let mut executor_of: HashMap<u32, u32> = HashMap::new();
    let mut note = |task: u32, f: &mut dyn FnMut(&mut IdealTask)| {
        if let Some(rec) = trace.get_mut(task as usize) {
            f(rec);
        }
    };

    macro_rules! start {
        ($slot:expr) => {{
            let task = next;
            next += 1;
            let slot = $slot;
            slot_of.insert(task, slot);
            note(task, &mut |r| r.slot = slot);
            if io <= 0.0 {
                note(task, &mut |r| r.fetch = (t, t));
                cpu_queue.push_back(task);
            } else if fetching.len() < connections {
                note(task, &mut |r| r.fetch = (t, t + io));
                fetching.push_back((task, t + io));
            } else {
                waiting_to_fetch.push_back(task);
            }
        }};
    }
    for slot in 0..slots.min(tasks) {
        start!(slot);
    }

    while done < tasks {
        while !cpu_queue.is_empty() && running.len() < executors {
            let task = cpu_queue.pop_front().expect("the queue is not empty");
            // A number is free: fewer than `executors` run, and each holds one.
            let Reverse(e) = free_executors.pop().unwrap_or(Reverse(0));
            executor_of.insert(task, e);
            note(task, &mut |r| {
                r.executor = e;
                r.cpu.0 = t;
            });
            running.push_back((task, v + cpu));
        }
        let rate = if running.is_empty() {
            0.0
        } else {
            (cores / running.len() as f64).min(1.0)
        };
        let dt_cpu = running
            .front()
            .map_or(f64::INFINITY, |&(_, fin)| (fin - v).max(0.0) / rate);
        let dt_io = fetching
            .front()
            .map_or(f64::INFINITY, |&(_, end)| (end - t).max(0.0));
        let dt = dt_cpu.min(dt_io);
        debug_assert!(dt.is_finite(), "the simulation always has a next event");
        t += dt;
        v += rate * dt;
        while fetching.front().is_some_and(|&(_, end)| end <= t + EPS) {
            let (task, _) = fetching.pop_front().expect("checked just above");
            cpu_queue.push_back(task);
            // The freed connection goes to the task that has waited longest.
            if let Some(waiting) = waiting_to_fetch.pop_front() {
                note(waiting, &mut |r| r.fetch = (t, t + io));
                fetching.push_back((waiting, t + io));
            }
        }
        while running.front().is_some_and(|&(_, fin)| fin <= v + EPS) {
            let (task, _) = running.pop_front().expect("checked just above");
            done += 1;
            note(task, &mut |r| r.cpu.1 = t);
            free_executors.push(Reverse(executor_of.remove(&task).unwrap_or(0)));
            let slot = slot_of.remove(&task).unwrap_or(0);
            free_slots.push(Reverse(slot));
            if next < tasks {
                let Reverse(slot) = free_slots.pop().expect("one was just freed");
                start!(slot);
            }
        }
    }
    t
}

/// How many tasks [`ideal_timeline`] schedules at most: the first ones, as a measured timeline.
pub const MAX_IDEAL_TASKS: u32 = crate::timeline::MAX_TRACED_TASKS;

/// The model's ideal schedule of the first [`MAX_IDEAL_TASKS`] tasks of `strategy` for
/// `input`: when each fetched, waited and computed, with no overhead at all.
pub fn ideal_schedule(strategy: StrategyId, input: ModelInput) -> Vec<IdealTask> {
    let schedule = strategy.schedule(input.tasks, input.pool, input.cores);
    let mut trace = vec![IdealTask::default(); input.tasks.min(MAX_IDEAL_TASKS) as usize];
    run(
        input.tasks,
        input.io_ms,
        input.cpu_ms,
        schedule,
        input.cores,
        input.fetch_limit,
        &mut trace,
    );
    trace
}

/// [`ideal_schedule`] as a timeline, on the lanes the strategy runs its tasks on: one event
/// loop for `async`; a thread (or process, or Web Worker) per slot for `gil`, `threads`,
/// `processes` and `workers`; an executor's lane for the pools (`multicore`'s runtime
/// workers, `async-rayon`'s pool threads). `None` when there is nothing to draw (no tasks).
pub fn ideal_timeline(strategy: StrategyId, input: ModelInput) -> Option<Timeline> {
    use StrategyId::*;
    let spans: Vec<(u32, Vec<Span>)> = ideal_schedule(strategy, input)
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let (home, computes) = match strategy {
                Serial => (Lane::Serial, Lane::Serial),
                Async => (Lane::EventLoop, Lane::EventLoop),
                Gil | Threads => (Lane::Thread(t.slot), Lane::Thread(t.slot)),
                Processes => (Lane::WorkerProcess(t.slot), Lane::WorkerProcess(t.slot)),
                Workers => (Lane::WebWorker(t.slot), Lane::WebWorker(t.slot)),
                Multicore => (
                    Lane::RuntimeWorker(t.executor),
                    Lane::RuntimeWorker(t.executor),
                ),
                AsyncRayon | WasmThreads => (Lane::EventLoop, Lane::PoolThread(t.executor)),
                AsyncWorkers => (Lane::MainThread, Lane::WebWorker(t.executor)),
            };
            let mut spans = Vec::with_capacity(3);
            if t.fetch.1 > t.fetch.0 {
                spans.push(Span::new(SpanKind::Fetch, home, t.fetch.0, t.fetch.1));
            }
            if t.cpu.0 > t.fetch.1 {
                spans.push(Span::new(SpanKind::WaitCpu, home, t.fetch.1, t.cpu.0));
            }
            if t.cpu.1 > t.cpu.0 {
                spans.push(Span::new(SpanKind::Cpu, computes, t.cpu.0, t.cpu.1));
            }
            // Task numbers fit: at most MAX_IDEAL_TASKS of them.
            (i as u32, spans)
        })
        .collect();
    Timeline::of_tasks(0, spans.iter().map(|(i, s)| (*i, s.as_slice())))
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
            fetch_limit: None,
        }
    }

    #[test]
    fn a_browsers_six_connections_make_io_only_async_go_in_rounds() {
        let browser = |tasks: u32, cpu_ms: f64| ModelInput {
            cpu_ms,
            fetch_limit: Some(BROWSER_CONNECTIONS_PER_HOST),
            ..input(tasks, tasks, 2)
        };
        // I/O only: flat up to 6 fetches, then one more fetch time per round of 6.
        for (n, rounds) in [
            (1, 1.0),
            (6, 1.0),
            (7, 2.0),
            (12, 2.0),
            (13, 3.0),
            (32, 6.0),
        ] {
            let got = predict(StrategyId::Async, browser(n, 0.0));
            assert!(approx(got, rounds * 1000.0), "N = {n}: {got}");
        }
        // With CPU on one thread, the wall hides the rounds: the CPU of the first six still
        // runs while the seventh fetches (1 s of I/O, 0.5 s of CPU each).
        let wall = predict(StrategyId::Async, browser(8, 500.0));
        assert!(approx(wall, 1000.0 + 8.0 * 500.0), "{wall}");
        // No cap: the same as before.
        let free = ModelInput {
            cpu_ms: 0.0,
            ..input(32, 32, 2)
        };
        assert!(approx(predict(StrategyId::Async, free), 1000.0));
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
    fn the_ideal_async_schedule_is_a_staircase_on_one_event_loop() {
        let input = ModelInput {
            cpu_ms: 50.0,
            io_ms: 100.0,
            ..input(4, 4, 2)
        };
        let t = ideal_timeline(StrategyId::Async, input).unwrap();
        assert_eq!(t.lanes.len(), 1);
        assert_eq!(t.lanes[0].name, "event loop");
        let cpu: Vec<(f64, f64)> = t
            .tasks
            .iter()
            .flat_map(|task| &task.spans)
            .filter(|s| s.kind == SpanKind::Cpu)
            .map(|s| (s.start_ms, s.end_ms))
            .collect();
        assert_eq!(
            cpu,
            [
                (100.0, 150.0),
                (150.0, 200.0),
                (200.0, 250.0),
                (250.0, 300.0)
            ]
        );
        // Threads on 2 cores: a thread per task, all four computing at half speed.
        let t = ideal_timeline(StrategyId::Threads, input).unwrap();
        let names: Vec<&str> = t.lanes.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["thread 0", "thread 1", "thread 2", "thread 3"]);
        assert!(
            t.tasks
                .iter()
                .all(|task| task.spans.last().unwrap().end_ms == 200.0)
        );
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
                fetch_limit: None,
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

        #[test]
        fn the_ideal_schedule_ends_at_the_makespan_and_keeps_its_order(
            tasks in 1u32..=64, pool in 1u32..64, cores in 1u32..16,
            io in 0.0f64..2000.0, cpu in 0.0f64..2000.0, limit in proptest::option::of(1u32..8),
        ) {
            for s in STRATEGIES {
                let input = ModelInput { tasks, io_ms: io, cpu_ms: cpu, pool, cores, fetch_limit: limit };
                let makespan = predict(s.id, input);
                let ideal = ideal_schedule(s.id, input);
                prop_assert_eq!(ideal.len(), tasks as usize);
                let end = ideal.iter().map(|t| t.cpu.1).fold(0.0, f64::max);
                prop_assert!(approx(end, makespan), "{}: ends at {end}, makespan {makespan}", s.id);
                let schedule = s.id.schedule(tasks, pool, cores);
                for t in &ideal {
                    // Fetch, then wait, then compute: the fetch one delay long.
                    prop_assert!(approx(t.fetch.1 - t.fetch.0, io), "{}: {t:?}", s.id);
                    prop_assert!(t.fetch.1 <= t.cpu.0 + 1e-6 && t.cpu.0 <= t.cpu.1 + 1e-6, "{}: {t:?}", s.id);
                    prop_assert!(t.cpu.1 - t.cpu.0 >= cpu - 1e-6, "{}: work faster than one core", s.id);
                    prop_assert!(t.slot < schedule.slots.max(1) && t.executor < schedule.cpu_executors.max(1));
                    // No two tasks in one slot, nor on one executor, at once.
                    for u in &ideal {
                        if std::ptr::eq(t, u) { continue; }
                        let apart = |a: (f64, f64), b: (f64, f64)| a.1 <= b.0 + 1e-6 || b.1 <= a.0 + 1e-6;
                        if t.slot == u.slot {
                            prop_assert!(apart((t.fetch.0, t.cpu.1), (u.fetch.0, u.cpu.1)), "{}: slot {} shared", s.id, t.slot);
                        }
                        if t.executor == u.executor {
                            prop_assert!(apart(t.cpu, u.cpu), "{}: executor {} shared", s.id, t.executor);
                        }
                    }
                }
                let timeline = ideal_timeline(s.id, input);
                prop_assert!(timeline.is_some() == (io > 0.0 || cpu > 0.0));
                if let Some(t) = timeline {
                    prop_assert_eq!(t.check(), Ok(()));
                }
            }
        }
    }
}
