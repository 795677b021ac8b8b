//! The native HTTP clients: an async [`Fetcher`] for the tokio strategies (the article's
//! `aiohttp`) and a blocking one for serial, threads, gil and the worker processes (its
//! `requests`).

use gilwall_core::task::Fetcher;
use std::time::Duration;

/// How long a fetch may take beyond its asked delay before it counts as failed, unless the
/// user sets `--timeout-ms`.
pub const DEFAULT_TIMEOUT_SLACK: Duration = Duration::from_secs(30);

/// The async client (reqwest on tokio): one connection per concurrent request, kept alive.
#[derive(Debug, Clone)]
pub struct AsyncFetcher {
    client: reqwest::Client,
}

impl AsyncFetcher {
    /// A client whose requests fail after `timeout`, speaking HTTP/1.1.
    pub fn new(timeout: Duration) -> anyhow::Result<Self> {
        Self::with_http2(timeout, false)
    }

    /// A client whose requests fail after `timeout`; with `http2`, it speaks HTTP/2 from the
    /// first byte (h2c prior knowledge) and multiplexes every request over one connection.
    pub fn with_http2(timeout: Duration, http2: bool) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder().timeout(timeout).no_proxy();
        if http2 {
            builder = builder.http2_prior_knowledge();
        }
        let client = builder
            .build()
            .map_err(|e| anyhow::anyhow!("cannot build the HTTP client: {}", describe(&e)))?;
        Ok(AsyncFetcher { client })
    }
}

impl Fetcher for AsyncFetcher {
    type Error = String;

    async fn fetch(&self, url: &str) -> Result<Vec<u8>, String> {
        let resp = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| describe(&e))?;
        check_status(status, &body)?;
        Ok(body.to_vec())
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
