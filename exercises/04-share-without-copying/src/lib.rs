//! Exercise 4 — share a large payload between threads without copying it.
//!
//! Each worker thread computes a checksum over the *whole* fetched payload (think: several
//! models reading the same features). `checksums` gives every thread its own copy of the
//! payload — the article's processes pay that price on every call (pickling), and so does this
//! code, needlessly: threads share one heap. With 4 workers and a 16 MiB payload, that is
//! 64 MiB of copying before any work starts.
//!
//! Your job: let every worker read the same bytes, with no copy of the payload at all.
//!
//! Check your work: `gilwall workshop check 4`. Stuck? Read HINT.md.

/// Runs `workers` threads; worker `i` returns `support::checksum(&payload, i)`. The results
/// are in worker order.
pub fn checksums(payload: Vec<u8>, workers: usize) -> Vec<u64> {
    let mut handles = Vec::with_capacity(workers);
    for i in 0..workers {
        // TODO: this clones the whole payload for every worker. Share it instead.
        let mine = payload.clone();
        handles.push(std::thread::spawn(move || {
            support::checksum(&mine, i as u64)
        }));
    }
    handles
        .into_iter()
        // A worker only panics if `checksum` does, which it never does.
        .map(|h| h.join().expect("a worker panicked"))
        .collect()
}
