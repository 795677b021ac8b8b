//! Shared by the timing tests: waiting for the machine to give this process its cores.
//!
//! The model and the "parallel strategies beat async" claims assume the cores are free. On a
//! shared 2-core machine another job (a compiler, another test binary) can take one away for a
//! while; then threads and async tie and a correct kit looks broken. These tests first measure
//! how many cores they actually get and wait, up to two minutes, for a quieter moment, and say
//! so plainly if it never comes.

use std::time::{Duration, Instant};

/// How many cores' worth of CPU two busy threads get right now (2.0 = both cores free).
pub fn cores_available_now() -> f64 {
    let work = || {
        let t = Instant::now();
        std::hint::black_box(gilwall_core::kernel::sqrt_loop(0.5, 20_000_000));
        t.elapsed()
    };
    let one = work();
    let t = Instant::now();
    std::thread::scope(|s| {
        let a = s.spawn(work);
        let b = s.spawn(work);
        let _ = (a.join(), b.join());
    });
    2.0 * one.as_secs_f64() / t.elapsed().as_secs_f64()
}

/// Waits until this process gets about `want` cores (at most 2 minutes); returns what it got.
pub fn wait_for_cores(want: f64) -> f64 {
    let want = want.min(std::thread::available_parallelism().map_or(1, |n| n.get()) as f64);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let got = cores_available_now();
        if got >= want * 0.8 || Instant::now() >= deadline {
            return got;
        }
        eprintln!("only {got:.2} of {want} cores are free; waiting for a quieter moment");
        std::thread::sleep(Duration::from_secs(3));
    }
}
