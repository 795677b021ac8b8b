//! Exercise 2 — move CPU work off the event loop (the article's step 3, and its way out).
//!
//! `handle` fetches features and then preprocesses them: `support::burn` keeps a core busy for
//! `cpu_ms`. It runs the CPU work right there, in the async task, on the runtime's thread. While
//! it computes, the event loop cannot do anything else — no other task's fetch completes, no
//! timer fires. Run several `handle`s at once and their CPU work queues on that one thread:
//! the wall.
//!
//! Your job: keep the fetch async, but run the CPU work somewhere it does not block the event
//! loop, and await its result.
//!
//! Check your work: `gilwall workshop check 2`. Stuck? Read HINT.md.

use support::{FetchError, burn, fetch};

/// Fetches `url`, then does `cpu_ms` of CPU work on what came back; returns the work's result.
pub async fn handle(url: String, cpu_ms: u64) -> Result<u64, FetchError> {
    let body = fetch(&url).await?;
    let seed = body.len() as u64;
    // TODO: this blocks the event loop for `cpu_ms`. Run it on a thread meant for blocking
    //       work and `.await` the answer instead.
    let result = burn(cpu_ms, seed);
    Ok(result)
}
