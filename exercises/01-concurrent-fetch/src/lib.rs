//! Exercise 1 — make a serial fetch loop concurrent (the article's step 2).
//!
//! `fetch_all` fetches every URL and returns the bodies in the same order as the URLs. It works,
//! but it waits for each fetch before starting the next: eight fetches of 200 ms take 1.6 s, like
//! the article's `requests.get` in a loop. The server can answer all of them at once.
//!
//! Your job: start every fetch before waiting for any, still on this one thread (no
//! `tokio::spawn` needed), and keep the results in the URLs' order.
//!
//! Check your work: `gilwall workshop check 1` (or `cargo test -p ex01-concurrent-fetch` in the
//! `exercises` folder). Stuck? Read HINT.md.

use support::{FetchError, fetch};

/// Fetches every URL and returns the bodies in the URLs' order; fails if any fetch fails.
pub async fn fetch_all(urls: &[String]) -> Result<Vec<String>, FetchError> {
    let mut bodies = Vec::with_capacity(urls.len());
    // TODO: each `.await` here waits for one fetch to finish before the next one starts.
    //       Build all the fetch futures first, then await them together.
    for url in urls {
        bodies.push(fetch(url).await?);
    }
    Ok(bodies)
}
