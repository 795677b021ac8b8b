//! Exercise 3 — reference solution: a semaphore with `limit` permits. Each fetch takes a permit
//! before it starts and gives it back when it ends, so at most `limit` are in flight, and the
//! next one starts the moment one finishes.

use support::{FetchError, fetch};
use tokio::sync::Semaphore;

/// Fetches every URL with at most `limit` (at least 1) fetches in flight at any moment; returns
/// the bodies in the URLs' order and fails if any fetch fails.
pub async fn fetch_all_bounded(urls: &[String], limit: usize) -> Result<Vec<String>, FetchError> {
    let permits = Semaphore::new(limit.max(1));
    let permits = &permits;
    futures::future::try_join_all(urls.iter().map(|url| async move {
        // The semaphore lives until every future is done and is never closed.
        let _permit = permits.acquire().await.expect("the semaphore is never closed");
        fetch(url).await
    }))
    .await
}
