//! How each app strategy serves a stream of requests, as the open model needs it: what
//! [`crate::load::app_schedule`] says (slots and CPU executors) and three things a batch of
//! tasks started together never shows, because they change who waits, not how long the batch
//! takes (four, then):
//!
//! - **the loop also starts each fetch**: where CPU work runs inline on an event loop (`async`,
//!   each `processes` worker, `multicore`'s handlers), a request's accept, parsing and fetch
//!   send need that loop too, so a request waits for the kernel running when it arrives, and
//!   for the CPU work queued ahead, before its fetch as well as after it (FastAPI's `async def`
//!   doing CPU work delays even the next request's accept);
//! - **separate queues**: `processes` is P event loops, each with its own queue; the kernel
//!   spreads connections over them (`SO_REUSEPORT`, as under gunicorn `-w P`), so a request
//!   waits behind its own worker's requests even when another worker is idle;
//! - **sharing, not queueing**: Go's scheduler preempts a long goroutine, so under `multicore`
//!   every request with CPU work to do advances a share of the cores;
//! - **one core for the GIL**: CPython's threads take turns holding the GIL, handing it over
//!   every switch interval, so every thread with CPU work to do advances a share of one core
//!   (processor sharing), rather than one request computing to the end while the others wait.
//!
//! The page's strategies are served the same way ([`crate::load_spec`] models its points with
//! [`app_model`] too, so `gilwall load` and the page say the same thing for the same
//! deployment): its `async` is this module's `async` — the main thread starts each fetch and
//! runs each kernel, so a request arriving during a kernel waits for it before its fetch;
//! `async-workers` and `wasm-threads` start their fetches on an event loop that runs no CPU
//! work (the page's main thread, the driver worker's loop) and hand each kernel to a pool that
//! takes them first come, first served (the page's worker crew, rayon's queue), so nothing
//! delays a fetch and the pool is one shared queue, as `async-rayon`'s, not `processes`'
//! separate ones; `workers` holds a Web Worker per request from fetch to kernel (slots).
//!
//! Measured on 2 cores with io 50 ms and CPU 20 ms at half of each strategy's capacity
//! (2026-12-01), the schedule alone put `async`'s, `gil`'s and `processes`' median 20–40 %
//! below what the app answered in; with these, 4–6 % below it (release build).

use crate::load::{ModelLatency, UNBOUNDED, app_schedule, measured_percentiles, simulate_queue};
use crate::payload::mix64;
use crate::strategy::{Schedule, StrategyId};

/// What the open model simulates for one app strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppModel {
    /// One queue's slots and CPU executors.
    pub schedule: Schedule,
    /// The cores one queue's executors share.
    pub cores: u32,
    /// Independent queues, each with `schedule`, that requests are spread over at random.
    pub queues: u32,
    /// The event loop that runs the CPU work also starts each fetch.
    pub loop_starts_fetch: bool,
}

/// The model of `strategy`'s app with `pool` threads or processes on `cores` cores.
pub fn app_model(strategy: StrategyId, pool: u32, cores: u32) -> AppModel {
    let pool = pool.max(1);
    let cores = cores.max(1);
    let schedule = app_schedule(strategy, pool, cores);
    match strategy {
        // Every request computing shares the cores, as goroutines do (the app hands each
        // kernel's worker on, see its `exec`); at most the cores run at once.
        StrategyId::Multicore => AppModel {
            schedule: Schedule {
                slots: UNBOUNDED,
                cpu_executors: UNBOUNDED,
            },
            cores,
            queues: 1,
            loop_starts_fetch: false,
        },
        StrategyId::Async => AppModel {
            schedule,
            cores,
            queues: 1,
            loop_starts_fetch: true,
        },
        // Each worker is `async` on a core of its own (at most `cores` run at once).
        StrategyId::Processes => AppModel {
            schedule: Schedule {
                slots: UNBOUNDED,
                cpu_executors: 1,
            },
            cores: 1,
            queues: pool,
            loop_starts_fetch: true,
        },
        // Every thread holding a request computes, sharing one core through the lock.
        StrategyId::Gil => AppModel {
            schedule: Schedule {
                slots: pool,
                cpu_executors: pool,
            },
            cores: 1,
            queues: 1,
            loop_starts_fetch: false,
        },
        // The rest queue once for their executors, and nothing delays a fetch: `threads` and
        // the page's `workers` hold a thread or a Web Worker per request; `async-rayon` and the
        // page's `async-workers` and `wasm-threads` start fetches on a loop that computes
        // nothing and hand the kernels to one shared pool.
        _ => AppModel {
            schedule,
            cores,
            queues: 1,
            loop_starts_fetch: false,
        },
    }
}

/// Each request's latency (finish − arrival) under `model`, in arrival order. Request `i` goes
/// to queue `mix64(i) % queues`: a fixed spread that looks random, so the model of one run is
/// the same every time.
pub fn simulate_app(arrivals: &[f64], io: f64, cpu: f64, model: AppModel) -> Vec<f64> {
    let queues = model.queues.max(1) as usize;
    let run = |a: &[f64]| {
        simulate_queue(
            a,
            io,
            cpu,
            model.schedule,
            model.cores,
            model.loop_starts_fetch,
        )
    };
    if queues == 1 {
        return run(arrivals);
    }
    let queue_of = |i: usize| (mix64(i as u64) % queues as u64) as usize;
    let mut split = vec![Vec::new(); queues];
    for (i, &a) in arrivals.iter().enumerate() {
        split[queue_of(i)].push(a);
    }
    let mut answers: Vec<std::vec::IntoIter<f64>> =
        split.iter().map(|a| run(a).into_iter()).collect();
    (0..arrivals.len())
        .map(|i| {
            // Each queue's latencies come in its arrivals' order, which is the order they were
            // dealt to it, so taking them in turn gives request i its own.
            answers[queue_of(i)]
                .next()
                .expect("every request dealt to a queue has its latency")
        })
        .collect()
}

/// The model's latency for the requests at `arrivals` at or after `from_ms` (the measured ones;
/// the warm-up's still queue ahead of them) under `model`. `None` if no request is measured.
pub fn app_model_latency(
    arrivals: &[f64],
    from_ms: f64,
    io: f64,
    cpu: f64,
    model: AppModel,
) -> Option<ModelLatency> {
    measured_percentiles(arrivals, from_ms, simulate_app(arrivals, io, cpu, model))
}

/// What a load point sets beside its measurement, for the page and `gilwall load` alike: the
/// model's latency (zeros if no request is measured) at the CPU the requests' kernels took
/// (`cpu_measured`, their mean), or at the CPU asked where none was measured; and that CPU.
pub fn app_model_at(
    arrivals: &[f64],
    from_ms: f64,
    io: f64,
    (cpu_asked, cpu_measured): (f64, Option<f64>),
    model: AppModel,
) -> (ModelLatency, f64) {
    let cpu = cpu_measured.unwrap_or(cpu_asked);
    let latency = app_model_latency(arrivals, from_ms, io, cpu, model)
        .unwrap_or(ModelLatency { p50: 0.0, p99: 0.0 });
    (latency, cpu)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Arrivals, arrival_times, quantile, simulate_open};
    use crate::model;
    use proptest::prelude::*;

    fn median(mut v: Vec<f64>) -> f64 {
        v.sort_by(f64::total_cmp);
        quantile(&v, 0.5).unwrap()
    }

    #[test]
    fn on_one_loop_a_request_also_waits_before_its_fetch() {
        // A at 0 computes from 50 to 70; B arrives at 55, while A's kernel holds the loop, so
        // its fetch starts at 70, not 55, and its kernel runs from 120 to 140.
        let m = app_model(StrategyId::Async, 1, 2);
        let l = simulate_app(&[0.0, 55.0], 50.0, 20.0, m);
        assert!(
            (l[0] - 70.0).abs() < 1e-9 && (l[1] - 85.0).abs() < 1e-9,
            "{l:?}"
        );
        // With the fetch started off the loop (async-rayon), B's fetch starts at once.
        let r = simulate_app(
            &[0.0, 55.0],
            50.0,
            20.0,
            app_model(StrategyId::AsyncRayon, 1, 2),
        );
        assert!((r[1] - 70.0).abs() < 1e-9, "{r:?}");
    }

    #[test]
    fn under_the_gil_two_requests_share_the_core_instead_of_queueing() {
        // Both fetched by 50; computing together at half speed each, both finish at 90.
        let l = simulate_app(&[0.0, 0.0], 50.0, 20.0, app_model(StrategyId::Gil, 8, 2));
        assert!(l.iter().all(|x| (x - 90.0).abs() < 1e-9), "{l:?}");
    }

    #[test]
    fn separate_worker_queues_wait_longer_than_one_shared_queue() {
        // Half of two workers' capacity: a shared queue would rarely wait; separate ones wait
        // as often as one worker at half of its own.
        let a = arrival_times(Arrivals::Poisson, 50.0, 200_000.0, 3);
        let separate = median(simulate_app(
            &a,
            50.0,
            20.0,
            app_model(StrategyId::Processes, 2, 2),
        ));
        let shared = median(simulate_open(
            &a,
            50.0,
            20.0,
            app_schedule(StrategyId::Processes, 2, 2),
            2,
        ));
        assert!(
            separate > shared + 2.0,
            "separate {separate}, shared {shared}"
        );
    }

    #[test]
    fn the_page_s_async_waits_for_its_loop_and_its_pools_do_not() {
        // A at 0 computes from 50 to 70 on the main thread; B arrives at 55, during A's
        // kernel, so under `async` its fetch starts at 70. The page's pooled strategies start
        // B's fetch at 55 on a loop that computes nothing, even with one worker: B's kernel
        // runs from 105 to 125 after A's ended at 70.
        let a = app_model(StrategyId::Async, 2, 2);
        assert_eq!(simulate_app(&[0.0, 55.0], 50.0, 20.0, a), [70.0, 85.0]);
        for s in [StrategyId::AsyncWorkers, StrategyId::WasmThreads] {
            let m = app_model(s, 1, 2);
            assert_eq!((m.queues, m.loop_starts_fetch), (1, false), "{s}");
            assert_eq!(
                simulate_app(&[0.0, 55.0], 50.0, 20.0, m),
                [70.0, 70.0],
                "{s}"
            );
        }
        // The driver fetches every request at once: wasm-threads' pool is its executors, not
        // its slots, so its capacity is the pool's cores ÷ cpu, as async-workers'.
        let w = app_model(StrategyId::WasmThreads, 2, 2).schedule;
        assert_eq!((w.slots, w.cpu_executors), (UNBOUNDED, 2));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// In the page, every request at once is the sweep's own point: the load model of a
        /// burst at zero ends at the makespan the sweep's model gives the same strategy.
        #[test]
        fn a_burst_at_zero_in_the_page_is_the_sweep_s_model(
            n in 1u32..200, pool in 1u32..8, io in 0.0f64..500.0, cpu in 0.0f64..500.0,
        ) {
            let a = vec![0.0; n as usize];
            for s in [StrategyId::Async, StrategyId::AsyncWorkers, StrategyId::WasmThreads, StrategyId::Workers] {
                let l = simulate_app(&a, io, cpu, app_model(s, pool, 2));
                let makespan = model::simulate(n, io, cpu, s.schedule(n, pool, 2), 2);
                let last = l.iter().copied().fold(0.0, f64::max);
                prop_assert!((last - makespan).abs() <= 1e-6 * (1.0 + makespan), "{s}: {last} vs {makespan}");
            }
        }

        /// Handing the kernels to a pool of up to one worker per core never makes a request
        /// later than keeping them on the main thread, whatever the arrivals.
        #[test]
        fn the_page_s_pools_never_answer_later_than_its_main_thread(
            gaps in proptest::collection::vec(0.0f64..200.0, 1..120),
            pool in 1u32..=2, io in 0.0f64..300.0, cpu in 0.0f64..200.0,
        ) {
            let a: Vec<f64> = gaps.iter().scan(0.0, |t, g| { *t += g; Some(*t) }).collect();
            let main = simulate_app(&a, io, cpu, app_model(StrategyId::Async, pool, 2));
            for s in [StrategyId::AsyncWorkers, StrategyId::WasmThreads] {
                let pooled = simulate_app(&a, io, cpu, app_model(s, pool, 2));
                for (i, (p, m)) in pooled.iter().zip(&main).enumerate() {
                    prop_assert!(*p <= m + 1e-6 * (1.0 + m), "{s}: request {i} {p} after {m}");
                }
            }
        }

        /// Every request at once is the closed batch: none waits for a loop that is not yet
        /// busy, so the makespan is the batch model's. (Under the GIL only with a thread per
        /// request: when threads are short, sharing the core frees them later than the batch
        /// model's one-at-a-time does, and the next fetches start later.)
        #[test]
        fn a_burst_at_zero_is_still_the_closed_model(
            n in 1u32..200, pool in 1u32..16, io in 0.0f64..500.0, cpu in 0.0f64..500.0,
        ) {
            let a = vec![0.0; n as usize];
            for s in [StrategyId::Async, StrategyId::Gil, StrategyId::Multicore] {
                let pool = if s == StrategyId::Gil { pool.max(n) } else { pool };
                let open = app_schedule(s, pool, 2);
                let closed = Schedule { slots: open.slots.min(n), ..open };
                let l = simulate_app(&a, io, cpu, app_model(s, pool, 2));
                let makespan = model::simulate(n, io, cpu, closed, 2);
                let last = l.iter().copied().fold(0.0, f64::max);
                if s == StrategyId::Multicore {
                    // Sharing both cores to the end, the odd last kernel does not run alone on
                    // one: never later than the batch model, never before the work allows.
                    let floor = io + f64::from(n) * cpu / 2.0;
                    prop_assert!(last <= makespan + 1e-6 * (1.0 + makespan) && last >= floor - 1e-6 * (1.0 + floor),
                        "{s}: {last} vs {makespan} (floor {floor})");
                } else {
                    prop_assert!((last - makespan).abs() <= 1e-6 * (1.0 + makespan), "{s}: {last} vs {makespan}");
                }
                prop_assert!(l.iter().all(|&x| x >= io + cpu - 1e-6));
            }
        }

        /// Waiting for the loop before the fetch adds to the wait after it, never takes from
        /// it: an arrival finds, on average, about the M/D/1 backlog ahead of it
        /// (ρ·S / (2(1 − ρ))), so the mean wait grows by at least half of that.
        #[test]
        fn waiting_before_the_fetch_adds_about_an_m_d_1_wait(
            rho in 0.1f64..0.7, cpu in 1.0f64..30.0, seed in any::<u64>(),
        ) {
            let rate = rho * 1000.0 / cpu;
            let a = arrival_times(Arrivals::Poisson, rate, 20_000.0 / rate * 1000.0, seed);
            let plain = simulate_open(&a, 50.0, cpu, app_schedule(StrategyId::Async, 1, 2), 2);
            let on_loop = simulate_app(&a, 50.0, cpu, app_model(StrategyId::Async, 1, 2));
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let (p, o) = (mean(&plain) - 50.0 - cpu, mean(&on_loop) - 50.0 - cpu);
            let closed = rho * cpu / (2.0 * (1.0 - rho));
            prop_assert!(o >= p + 0.5 * closed, "plain wait {p:.2}, on the loop {o:.2}, M/D/1 {closed:.2}");
        }
    }
}
