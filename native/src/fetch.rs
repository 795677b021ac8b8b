//! The native HTTP clients: an async [`Fetcher`] for the tokio strategies (the article's
//! `aiohttp`: reqwest over HTTP/1.1, the `h2` crate directly over HTTP/2) and a blocking one
//! for serial, threads, gil and the worker processes (its `requests`).

use gilwall_core::task::Fetcher;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a fetch may take beyond its asked delay before it counts as failed, unless the
/// user sets `--timeout-ms`.
pub const DEFAULT_TIMEOUT_SLACK: Duration = Duration::from_secs(30);

/// HTTP/2 connections an async strategy's [`AsyncFetcher`] opens. Several, on a server with a worker per core, were measured slower here (10 000 fetches
/// of 1 s: 1.48-1.60 s with four connections and two server threads, 1.31 s with one and one;
/// BENCHMARKS.md): on two cores the client's one thread and the server's share them, and a
/// second server thread takes the client's core. [`AsyncFetcher::with_connections`] keeps the
/// choice open for a machine with more cores.
pub const HTTP2_CONNECTIONS: usize = 1;

/// Flow-control window of a whole HTTP/2 connection, bytes (hyper's and reqwest's default is 5 MiB). With
/// 100 000 answers in flight a small window makes the server send bodies in slivers as the
/// client frees room, and h2 takes a flood of small DATA frames for an attack
/// (`too_many_data_frames`); the window is only accounting, not memory.
pub const HTTP2_CONNECTION_WINDOW: u32 = 256 * 1024 * 1024;

/// How long a kept-alive connection may sit idle in a client's pool before the client closes
/// it: below the feature server's default header-read timeout (10 s, `--header-timeout-ms`),
/// after which the server closes an idle connection, so the client never reuses one just as
/// the server closes it (a load run idles between its rates; reqwest's own default is 90 s).
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// The async client, the article's `aiohttp`: over HTTP/1.1 reqwest on tokio, one connection
/// per concurrent request, kept alive; over HTTP/2 the `h2` crate directly
/// ([`Http2Connections`]), one or more connections, requests dealt out over them in turn.
#[derive(Debug, Clone)]
pub struct AsyncFetcher {
    how: Arc<How>,
}

#[derive(Debug)]
enum How {
    Http1 {
        client: reqwest::Client,
        /// The last URL parsed: every task of a `/delay` point fetches the same one, and
        /// parsing it is a good part of what a request costs the client.
        parsed: Mutex<Option<(String, reqwest::Url)>>,
    },
    Http2(Http2Connections),
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
        let how = if http2 {
            How::Http2(Http2Connections::new(timeout, connections))
        } else {
            let client = reqwest::Client::builder()
                .timeout(timeout)
                .pool_idle_timeout(POOL_IDLE_TIMEOUT)
                .no_proxy()
                .build()
                .map_err(|e| anyhow::anyhow!("cannot build the HTTP client: {}", describe(&e)))?;
            How::Http1 {
                client,
                parsed: Mutex::new(None),
            }
        };
        Ok(AsyncFetcher { how: Arc::new(how) })
    }
}

/// `url` parsed, from `cache` when it is the last one asked for.
fn cached<T: Clone>(
    cache: &Mutex<Option<(String, T)>>,
    url: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, String> {
    // Poisoning needs a panic while holding the lock, and nothing here panics.
    let mut last = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((text, parsed)) = last.as_ref()
        && text == url
    {
        return Ok(parsed.clone());
    }
    let parsed = parse(url)?;
    *last = Some((url.to_string(), parsed.clone()));
    Ok(parsed)
}

impl Fetcher for AsyncFetcher {
    type Error = String;

    async fn fetch(&self, url: &str) -> Result<Vec<u8>, String> {
        match &*self.how {
            How::Http2(connections) => connections.fetch(url).await,
            // Boxed: an async fn's future has room for its largest branch, and reqwest's
            // request and body futures made every task's future 60 % larger over HTTP/2 too,
            // where 100 000 of them are in flight (a task's future 800 -> 496 bytes,
            // `size_of_val`). Over HTTP/1.1 one allocation more a fetch is nothing beside
            // reqwest's own.
            How::Http1 { client, parsed } => {
                Box::pin(async move {
                    let url = cached(parsed, url, |u| {
                        reqwest::Url::parse(u).map_err(|e| format!("{u:?} is not a valid URL: {e}"))
                    })?;
                    let resp = client.get(url).send().await.map_err(|e| describe(&e))?;
                    let status = resp.status();
                    let body = resp.bytes().await.map_err(|e| describe(&e))?;
                    check_status(status, &body)?;
                    // Takes the buffer over without a copy when the body arrived in one piece.
                    Ok(body.into())
                })
                .await
            }
        }
    }
}

/// The HTTP/2 side of [`AsyncFetcher`]: the `h2` crate, the HTTP/2 implementation under hyper
/// and reqwest, used directly: an `h2::client::SendRequest` per connection, cloned for each
/// request, whose response the fetch's own future polls. None of a full client's layers: what
/// the article's `aiohttp` does per request (a pool, redirects, cookies) gilwall's `/delay`
/// fetches never use, and on reqwest those layers were most of the client's cost (its redirect
/// layer re-parses every request's URL; hyper-util's pool checks a connection out and back in).
/// hyper's own `client::conn::http2` was tried first: it spawns a task per request to carry
/// the answer back through a channel, 1.9 KB and ~15 000 instructions a request more than
/// polling h2's response here (BENCHMARKS.md, "Scale, third pass").
///
/// Connections open on the first fetch that needs one (on the runtime that fetch runs on, which
/// drives the connection's task), and again once the server has closed one.
#[derive(Debug)]
pub struct Http2Connections {
    timeout: Duration,
    slots: Box<[Slot]>,
    next: AtomicUsize,
    /// The last URL parsed (every task of a point fetches the same one).
    parsed: Mutex<Option<(String, Arc<Target>)>>,
}

/// One connection, once open, and who it is to.
#[derive(Debug, Default)]
struct Slot {
    open: Mutex<Option<Open>>,
    /// Held while the connection is being opened, so a thousand first fetches open one.
    opening: tokio::sync::Mutex<()>,
}

/// An open connection: where it goes, its sender, and whether its task has ended.
#[derive(Debug, Clone)]
struct Open {
    to: Authority,
    sender: SendRequest,
    closed: Arc<AtomicBool>,
}

type SendRequest = h2::client::SendRequest<bytes::Bytes>;

/// Where a connection goes: host and port as the URL gave them.
type Authority = Arc<str>;

/// Flow-control window of each HTTP/2 stream, bytes: hyper's default (h2's own is 64 KiB),
/// so a large features body arrives without waiting on window updates.
const HTTP2_STREAM_WINDOW: u32 = 2 * 1024 * 1024;

/// A `GET` of `target` with no body.
fn request_to(target: &Target) -> hyper::Request<()> {
    let mut request = hyper::Request::new(());
    *request.uri_mut() = target.uri.clone();
    request
}

/// A URL parsed once for every request to it.
#[derive(Debug, Clone)]
struct Target {
    uri: hyper::Uri,
    authority: Authority,
    host: Arc<str>,
    port: u16,
}

impl Target {
    fn parse(url: &str) -> Result<Target, String> {
        let uri: hyper::Uri = url
            .parse()
            .map_err(|e| format!("{url:?} is not a valid URL: {e}"))?;
        if uri.scheme_str() != Some("http") {
            return Err(format!(
                "{url:?} is not an http:// URL: gilwall's HTTP/2 client speaks plain HTTP/2 \
                 (h2c, no TLS)"
            ));
        }
        let authority = uri
            .authority()
            .ok_or_else(|| format!("{url:?} names no host"))?;
        // An IPv6 literal comes bracketed in a URL and bare to the resolver.
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        Ok(Target {
            authority: authority.as_str().into(),
            host: host.into(),
            port: authority.port_u16().unwrap_or(80),
            uri,
        })
    }
}

impl Http2Connections {
    /// Requests that fail after `timeout`, dealt out over `connections` connections (at least
    /// one).
    pub fn new(timeout: Duration, connections: usize) -> Http2Connections {
        Http2Connections {
            timeout,
            slots: (0..connections.max(1)).map(|_| Slot::default()).collect(),
            next: AtomicUsize::new(0),
            parsed: Mutex::new(None),
        }
    }

    /// Fetches `url` over the next connection in turn: the body, checked for a success status.
    pub async fn fetch(&self, url: &str) -> Result<Vec<u8>, String> {
        let target = cached(&self.parsed, url, |u| Target::parse(u).map(Arc::new))?;
        let turn = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len();
        // Every value held across an `.await` below is room in each task's future, and with
        // 100 000 tasks each byte of it is 100 KB of memory to fault in: so the URL's parts
        // are shared (an `Arc`), the request is built only once the connection is ready, and
        // of the answer's head only the status is kept while the body is read.
        let exchange = async {
            let sender = self.sender(&self.slots[turn], &target).await?;
            // A fresh clone is ready at once unless the connection has failed.
            let answer = sender
                .ready()
                .await
                .and_then(|mut s| s.send_request(request_to(&target), true))
                .map_err(|e| format!("sending the request failed: {}", describe(&e)))?
                .0;
            let (status, mut body) = answer
                .await
                .map(|answer| {
                    let (head, body) = answer.into_parts();
                    (head.status, body)
                })
                .map_err(|e| format!("no answer: {}", describe(&e)))?;
            let mut bytes = Vec::new();
            while let Some(chunk) = body.data().await {
                let chunk =
                    chunk.map_err(|e| format!("reading the answer failed: {}", describe(&e)))?;
                // Handing the window back is what lets the server send the next answers.
                let _ = body.flow_control().release_capacity(chunk.len());
                bytes.extend_from_slice(&chunk);
            }
            check_status(status, &bytes)?;
            Ok(bytes)
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(format!(
                    "no answer within {} ms (--timeout-ms sets the limit)",
                    self.timeout.as_millis()
                ))
            })
    }

    /// The slot's connection to `target`, opened if it is not (or no longer) open.
    async fn sender(&self, slot: &Slot, target: &Target) -> Result<SendRequest, String> {
        match slot.usable(target) {
            Some(sender) => Ok(sender),
            // Boxed: otherwise every request's future would carry room for a connect and a
            // handshake, which only the first request on a connection needs.
            None => Box::pin(self.reopen(slot, target)).await,
        }
    }

    /// Opens the slot's connection to `target`, unless another fetch did while this one waited.
    async fn reopen(&self, slot: &Slot, target: &Target) -> Result<SendRequest, String> {
        let _opening = slot.opening.lock().await;
        if let Some(sender) = slot.usable(target) {
            return Ok(sender);
        }
        let open = self.open(target).await?;
        let sender = open.sender.clone();
        *slot.open.lock().unwrap_or_else(|p| p.into_inner()) = Some(open);
        Ok(sender)
    }

    /// A new connection to `target`, its task spawned on the current runtime.
    async fn open(&self, target: &Target) -> Result<Open, String> {
        let at = format!("{}:{}", target.host, target.port);
        let stream = tokio::net::TcpStream::connect((&*target.host, target.port))
            .await
            .map_err(|e| format!("cannot connect to {at}: {e}"))?;
        // As reqwest does: a request is one small frame, sent at once.
        stream
            .set_nodelay(true)
            .map_err(|e| format!("cannot set TCP_NODELAY on {at}: {e}"))?;
        let (sender, connection) = h2::client::Builder::new()
            .initial_connection_window_size(HTTP2_CONNECTION_WINDOW)
            .initial_window_size(HTTP2_STREAM_WINDOW)
            .enable_push(false)
            .handshake(stream)
            .await
            .map_err(|e| format!("HTTP/2 handshake with {at} failed: {}", describe(&e)))?;
        let closed = Arc::new(AtomicBool::new(false));
        // Ends when the server closes the connection or the runtime stops; a connection error
        // reaches each request in flight as its own error.
        tokio::spawn({
            let closed = closed.clone();
            async move {
                let _ = connection.await;
                closed.store(true, Ordering::Relaxed);
            }
        });
        Ok(Open {
            to: target.authority.clone(),
            sender,
            closed,
        })
    }
}

impl Slot {
    /// A sender on the open connection, if it goes to `target` and has not closed.
    fn usable(&self, target: &Target) -> Option<SendRequest> {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        match &*open {
            Some(o) if o.to == target.authority && !o.closed.load(Ordering::Relaxed) => {
                Some(o.sender.clone())
            }
            _ => None,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fetch(url: &str, timeout: Duration) -> Result<Vec<u8>, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let fetcher = AsyncFetcher::with_http2(timeout, true).unwrap();
        runtime.block_on(fetcher.fetch(url))
    }

    #[test]
    fn an_http2_fetch_nobody_answers_says_the_connection_was_refused() {
        // Bound and dropped: nothing listens on the port any more.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = fetch(
            &format!("http://127.0.0.1:{port}/delay/0"),
            Duration::from_secs(5),
        )
        .unwrap_err();
        assert!(
            err.contains(&format!("cannot connect to 127.0.0.1:{port}")) && err.contains("refused"),
            "{err}"
        );
    }

    #[test]
    fn an_http2_fetch_of_a_silent_server_times_out_naming_the_flag() {
        // Accepts the connection (the kernel's backlog does) and never speaks.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/delay/0", listener.local_addr().unwrap());
        let t0 = std::time::Instant::now();
        let err = fetch(&url, Duration::from_millis(300)).unwrap_err();
        assert!(
            err.contains("no answer within 300 ms") && err.contains("--timeout-ms"),
            "{err}"
        );
        assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
        drop(listener);
    }

    #[test]
    fn an_http2_fetch_of_a_url_it_cannot_speak_says_so() {
        let err = fetch("https://127.0.0.1:1/delay/0", Duration::from_secs(1)).unwrap_err();
        assert!(err.contains("not an http:// URL"), "{err}");
        let err = fetch("not a url", Duration::from_secs(1)).unwrap_err();
        assert!(
            err.contains("not a valid URL") || err.contains("not an http"),
            "{err}"
        );
    }
}
