//! The demo page's load presets: its "requests per second" mode's buttons, the article's step 3
//! as a service in the browser. Each is a stream of requests (a fetch, then the CPU kernel) on
//! the main thread (`async`, the article's single-threaded event loop) beside a pool, at rates
//! that are fractions of a capacity. The page shows them as buttons, in this order.

use super::{LoadPreset, LoadRates};
use crate::kernel::Kernel;
use crate::load::Arrivals;
use crate::load_spec::AUTO_FRACTIONS;
use crate::strategy::StrategyId::{Async, AsyncWorkers};

/// Every load preset, in the order of the page's buttons.
pub const LOAD_PRESETS: &[LoadPreset] = &[SERVICE, SAME_RATES, THE_CLIFF];

/// The load preset the page's load mode opens with.
pub const DEFAULT_LOAD_PRESET: &LoadPreset = &SERVICE;

/// What every load preset shares unless it says otherwise: the article's step 3 as a service
/// (a 300 ms feature fetch, then 150 ms of CPU), Poisson arrivals with seed 1, 1 s of warm-up
/// then 8 s measured per rate — `LoadSpec`'s defaults.
const BASE: LoadPreset = LoadPreset {
    id: "",
    label: "",
    note: "",
    strategies: &[Async, AsyncWorkers],
    rates: LoadRates::OwnCapacity(&AUTO_FRACTIONS),
    arrivals: Arrivals::Poisson,
    duration_s: 8.0,
    warmup_s: 1.0,
    io_ms: 300.0,
    cpu_ms: 150.0,
    kernel: Kernel::Sqrt,
    payload_kb: 1,
    seed: 1,
};

/// Step 3 as a service: each strategy offered fractions of its own capacity.
pub const SERVICE: LoadPreset = LoadPreset {
    id: "service",
    label: "Step 3 as a service",
    note: "Each request fetches features (300 ms), then computes (150 ms). One thread saturates \
           at 1/cpu = 6.7 req/s and its p99 climbs well before; two Web Workers hold until \
           2/cpu = 13.3. Rates are fractions of each one's capacity.",
    ..BASE
};

/// The same rates for both, in req/s.
pub const SAME_RATES: LoadPreset = LoadPreset {
    id: "same-rates",
    label: "Same rates, both",
    note: "The same offered rates for the main thread and the workers: past 6.7 req/s the main \
           thread cannot keep up and its queue grows for as long as the step lasts, while the \
           workers' latency stays at fetch + CPU.",
    rates: LoadRates::Given(&[1.5, 3.0, 4.5, 6.0, 7.5]),
    ..BASE
};

/// Lesson 9, the cliff, in the browser: the main thread and the worker pool offered the very
/// same requests at fractions of what the main thread serves (the lesson's own fractions of
/// one thread's capacity), short enough to run in front of a room (about 25 s on two cores).
/// 100 ms fetches and 40 ms of CPU: one thread serves 25 a second, so the highest rate (30)
/// needs at most 30 × 0.14 ≈ 4 of the 6 connections Chromium opens to one host.
pub const THE_CLIFF: LoadPreset = LoadPreset {
    id: "the-cliff",
    label: "9 · the cliff",
    note: "Lesson 9 in the page — each request fetches (100 ms), then computes (40 ms): the main \
           thread serves at most 1/cpu = 25 a second, the Web Workers cores/cpu. Both get the \
           same requests at 0.2, 0.5, 0.8 and 1.2 of the main thread's 25: its p99 leaves the \
           workers' long before the dotted line, and past it its queue grows for as long as \
           the step lasts.",
    rates: LoadRates::OneThread(&[0.2, 0.5, 0.8, 1.2]),
    duration_s: 2.5,
    warmup_s: 0.5,
    io_ms: 100.0,
    cpu_ms: 40.0,
    ..BASE
};
