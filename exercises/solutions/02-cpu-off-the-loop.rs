//! Exercise 2 — reference solution: the fetch stays async; the CPU work runs on tokio's
//! blocking-thread pool and the task awaits its answer, so the event loop keeps turning.
//!
//! This is `loop.run_in_executor` from the article — but with real threads and no GIL, the CPU
//! work of several tasks runs on several cores.

use support::{FetchError, burn, fetch};

/// Fetches `url`, then does `cpu_ms` of CPU work on what came back; returns the work's result.
pub async fn handle(url: String, cpu_ms: u64) -> Result<u64, FetchError> {
    let body = fetch(&url).await?;
    let seed = body.len() as u64;
    // `?` turns a `JoinError` (the closure panicked) into a `FetchError`.
    let result = tokio::task::spawn_blocking(move || burn(cpu_ms, seed)).await?;
    Ok(result)
}
