//! Exercise 3 — bound concurrency: at most `limit` fetches in flight.
//!
//! Async makes it cheap to start thousands of fetches at once — cheap for you. The feature store
//! on the other side may allow only a few connections per client, and this machine has an
//! open-files limit (a client and a server in one process hold two descriptors per connection,
//! so a 20 000 limit caps one process near 10 000 connections). `fetch_all_bounded` starts
//! every fetch at once, whatever `limit` says.
//!
//! Your job: never have more than `limit` fetches in flight, keep as many as `limit` going
//! while there is work (don't fall back to serial), and keep the results in the URLs' order.
//!
//! Check your work: `gilwall workshop check 3`. Stuck? Read HINT.md.

use support::{FetchError, fetch};

/// Fetches every URL with at most `limit` (at least 1) fetches in flight at any moment; returns
/// the bodies in the URLs' order and fails if any fetch fails.
pub async fn fetch_all_bounded(urls: &[String], limit: usize) -> Result<Vec<String>, FetchError> {
    // TODO: `limit` is ignored: every fetch starts at once. Let only `limit` run at a time,
    //       starting the next as one finishes.
    let _ = limit;
    futures::future::try_join_all(urls.iter().map(|url| fetch(url))).await
}
