//! The native HTTP clients: an async [`Fetcher`] for the tokio strategies (the article's
//! `aiohttp`) and a blocking one for serial, threads, gil and the worker processes (its
//! `requests`).

use gilwall_core::task::Fetcher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a fetch may take beyond its asked delay before it counts as failed, unless the
/// user sets `--timeout-ms`.
pub const DEFAULT_TIMEOUT_SLACK: Duration = Duration::from_secs(30);

/// HTTP/2 connections an async strategy's [`AsyncFetcher`] opens (each reqwest client holds
/// one). Several, on a server with a worker per core, were measured slower here (10 000 fetches
/// of 1 s: 1.48-1.60 s with four connections and two server threads, 1.31 s with one and one;
/// BENCHMARKS.md): on two cores the client's one thread and the server's share them, and a
/// second server thread takes the client's core. [`AsyncFetcher::with_connections`] keeps the
/// choice open for a machine with more cores.
pub const HTTP2_CONNECTIONS: usize = 1;

/// Flow-control window of a whole HTTP/2 connection, bytes (reqwest's default is 5 MiB). With
/// 100 000 answers in flight a small window makes the server send bodies in slivers as the
/// client frees room, and h2 takes a flood of small DATA frames for an attack
/// (`too_many_data_frames`); the window is only accounting, not memory.
pub const HTTP2_CONNECTION_WINDOW: u32 = 256 * 1024 * 1024;

/// How long a kept-alive connection may sit idle in a client's pool before the client closes
/// it: below the feature server's default header-read timeout (10 s, `--header-timeout-ms`),
/// after which the server closes an idle connection, so the client never reuses one just as
/// the server closes it (a load run idles between its rates; reqwest's own default is 90 s).
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// The async client (reqwest on tokio), the article's `aiohttp`: over HTTP/1.1 one connection
/// per concurrent request, kept alive; over HTTP/2 one or more connections, requests dealt
/// out over them in turn.
#[derive(Debug, Clone)]
pub struct AsyncFetcher {
    clients: Arc<[reqwest::Client]>,
    next: Arc<AtomicUsize>,
    /// The last URL parsed: every task of a `/delay` point fetches the same one, and parsing it
    /// is a good part of what a request costs the client.
    parsed: Arc<Mutex<Option<(String, reqwest::Url)>>>,
}

impl AsyncFetcher {
    /// A client whose requests fail after `timeout`, speaking HTTP/1.1.
    pub fn new(timeout: Duration) -> anyhow::Result<Self> {
        Self::with_http2(timeout, false)
    }

    /// A client whose requests fail after `timeout`; with `http2`, it speaks HTTP/2 from the
    /// first byte (h2c prior knowledge) and multiplexes every request over one connection.
    pub fn with_http2(timeout: Duration, http2: bool) -> anyhow::Result<Self> {
        Self::with_connections(timeout, http2, 1)
    }

    /// Like [`AsyncFetcher::with_http2`]; over HTTP/2, spread over `connections` connections
    /// (at least one).
    pub fn with_connections(
        timeout: Duration,
        http2: bool,
        connections: usize,
    ) -> anyhow::Result<Self> {
        let count = if http2 { connections.max(1) } else { 1 };
        let clients = (0..count)
            .map(|_| {
                let mut builder = reqwest::Client::builder()
                    .timeout(timeout)
                    .pool_idle_timeout(POOL_IDLE_TIMEOUT)
                    .no_proxy();
                if http2 {
                    builder = builder
                        .http2_prior_knowledge()
                        .http2_initial_connection_window_size(HTTP2_CONNECTION_WINDOW);
                }
                builder
                    .build()
                    .map_err(|e| anyhow::anyhow!("cannot build the HTTP client: {}", describe(&e)))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(AsyncFetcher {
            clients: clients.into(),
            next: Arc::new(AtomicUsize::new(0)),
            parsed: Arc::new(Mutex::new(None)),
        })
    }

    /// `url` parsed, from the cache when it is the last one asked for.
    fn url(&self, url: &str) -> Result<reqwest::Url, String> {
        // Poisoning needs a panic while holding the lock, and nothing here panics.
        let mut last = self.parsed.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((text, parsed)) = last.as_ref()
            && text == url
        {
            return Ok(parsed.clone());
        }
        let parsed =
            reqwest::Url::parse(url).map_err(|e| format!("{url:?} is not a valid URL: {e}"))?;
        *last = Some((url.to_string(), parsed.clone()));
        Ok(parsed)
    }
}

impl Fetcher for AsyncFetcher {
    type Error = String;

    async fn fetch(&self, url: &str) -> Result<Vec<u8>, String> {
        let turn = self.next.fetch_add(1, Ordering::Relaxed) % self.clients.len();
        let resp = self.clients[turn]
            .get(self.url(url)?)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| describe(&e))?;
        check_status(status, &body)?;
        // Takes the buffer over without a copy when the body arrived in one piece.
        Ok(body.into())
    }
}

/// A blocking client whose requests fail after `timeout`, speaking HTTP/1.1.
pub fn blocking_client(timeout: Duration) -> anyhow::Result<reqwest::blocking::Client> {
    blocking_client_with(timeout, false)
}

/// A blocking client; with `http2`, it speaks HTTP/2 (h2c prior knowledge).
pub fn blocking_client_with(
    timeout: Duration,
    http2: bool,
) -> anyhow::Result<reqwest::blocking::Client> {
    let mut builder = reqwest::blocking::Client::builder()
        .timeout(timeout)
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .no_proxy();
    if http2 {
        builder = builder.http2_prior_knowledge();
    }
    builder
        .build()
        .map_err(|e| anyhow::anyhow!("cannot build the HTTP client: {}", describe(&e)))
}

/// Fetches `url` with a blocking client; an error says what failed.
pub fn blocking_fetch(client: &reqwest::blocking::Client, url: &str) -> Result<Vec<u8>, String> {
    let resp = client.get(url).send().map_err(|e| describe(&e))?;
    let status = resp.status();
    let body = resp.bytes().map_err(|e| describe(&e))?;
    check_status(status, &body)?;
    Ok(body.to_vec())
}

fn check_status(status: reqwest::StatusCode, body: &[u8]) -> Result<(), String> {
    if status.is_success() {
        return Ok(());
    }
    // gilwall's server explains itself as {"error": "…"}; show that, or the start of the body.
    let text = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned());
    Err(format!("HTTP {status}: {text}"))
}

/// An error and its causes on one line (reqwest hides the useful part, e.g. "connection
/// refused", in its source chain).
pub fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
