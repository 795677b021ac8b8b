//! Exercise 1 — reference solution: all fetches in flight at once on one thread.
//!
//! `try_join_all` is the article's `asyncio.gather`: it polls every future concurrently, keeps
//! the outputs in the order given, and fails on the first error.

use support::{FetchError, fetch};

/// Fetches every URL and returns the bodies in the URLs' order; fails if any fetch fails.
pub async fn fetch_all(urls: &[String]) -> Result<Vec<String>, FetchError> {
    futures::future::try_join_all(urls.iter().map(|url| fetch(url))).await
}
