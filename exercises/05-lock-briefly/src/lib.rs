//! Exercise 5 — hold a lock only while you need it (a GIL, made by hand).
//!
//! `run_jobs` starts a thread per job. Each does CPU work (`support::burn`) and records the
//! result in shared statistics behind a `Mutex`. It is correct, and it has real threads — but
//! each worker takes the lock *before* its CPU work and keeps it to the end, so only one worker
//! computes at a time. That is Python's GIL, re-created: threads that take turns (the article's
//! step 3, and the `gil` strategy of lesson 3).
//!
//! Your job: let the workers compute at the same time; take the lock only to record a result.
//!
//! Check your work: `gilwall workshop check 5`. Stuck? Read HINT.md.

use std::sync::Mutex;
use support::burn;

/// What the workers record.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Stats {
    /// Jobs finished.
    pub done: u64,
    /// The results, combined.
    pub checksum: u64,
}

/// Runs jobs `0..jobs` on a thread each: `burn(cpu_ms, job)`, then records the result in
/// `stats`.
pub fn run_jobs(jobs: u64, cpu_ms: u64, stats: &Mutex<Stats>) {
    std::thread::scope(|scope| {
        for job in 0..jobs {
            scope.spawn(move || {
                // The lock is only poisoned if a worker panics while holding it; burn never does.
                let mut stats = stats.lock().expect("a worker panicked");
                // TODO: the guard above is held during the CPU work below, so the workers take
                //       turns. Compute first; lock only to record the result.
                let result = burn(cpu_ms, job);
                stats.done += 1;
                stats.checksum ^= result;
            });
        }
    });
}
