//! The oracle for exercise 5: `support::burn` counts how many CPU jobs run at the same moment,
//! which tells whether the workers take turns — on any number of cores.

use ex05_lock_briefly::{Stats, run_jobs};
use std::sync::Mutex;

/// The burn counter is process-wide; one test at a time keeps its peak meaningful.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn workers_compute_at_the_same_time() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    support::reset_burn_peak();
    let stats = Mutex::new(Stats::default());
    run_jobs(4, 150, &stats);
    let peak = support::peak_concurrent_burns();
    assert!(
        peak >= 3,
        "at most {peak} of 4 workers computed at the same moment: the lock is held during the \
         CPU work, so the workers take turns, as threads do under Python's GIL"
    );
}

#[test]
fn every_result_is_recorded() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let stats = Mutex::new(Stats::default());
    run_jobs(6, 10, &stats);
    let stats = stats.into_inner().expect("no worker panicked");
    assert_eq!(stats.done, 6, "every job must be recorded once");
    assert_ne!(
        stats.checksum, 0,
        "the results must be combined into the checksum"
    );
}
