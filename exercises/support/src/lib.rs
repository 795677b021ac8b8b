//! What the exercises share: a feature server on loopback that answers after a delay and
//! counts how many requests it is serving at once, a tiny HTTP client, CPU work that really
//! occupies a core, and an allocator that counts bytes (to see copies).
//!
//! It stands in for gilwall's embedded server so that the exercises build with nothing but
//! tokio: a learner's first `cargo test` should take seconds, not minutes. The server is real —
//! a TCP listener on 127.0.0.1 speaking just enough HTTP/1.1 — so the tests measure real
//! behaviour: overlapping fetches, requests in flight, a stalled event loop.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A loopback server: `GET /delay/{ms}` answers after `ms` milliseconds with a small JSON body
/// that names the path (so tests can check the order of results). It runs on its own thread
/// and runtime, so whatever a test does to its own runtime cannot slow the server down.
pub struct Server {
    addr: SocketAddr,
    stats: Arc<Stats>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct Stats {
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    served: AtomicUsize,
}

impl Server {
    /// Starts the server on a free port of 127.0.0.1.
    pub fn start() -> Server {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let stats = Arc::new(Stats::default());
        let server_stats = stats.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                // Building a one-thread runtime only fails if the OS refuses a thread; the
                // tests cannot run without it anyway.
                .expect("cannot start the test server's runtime");
            runtime.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("cannot listen on 127.0.0.1 for the test server");
                // A bound listener always has an address, and the receiver waits for it just
                // below, so neither can fail.
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                tokio::select! {
                    _ = stop_rx => {}
                    _ = accept_loop(listener, server_stats) => {}
                }
            });
        });
        // The thread sends the address right after binding; it only fails to if binding failed,
        // which already panicked with the reason.
        let addr = addr_rx.recv().expect("the test server did not start");
        Server {
            addr,
            stats,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The URL of a fetch that takes `ms` milliseconds, e.g. `http://127.0.0.1:4321/delay/100`.
    pub fn url(&self, ms: u64) -> String {
        format!("http://{}/delay/{ms}", self.addr)
    }

    /// `n` URLs of fetches of `ms` each, told apart by a query (`?i=0`, `?i=1`, …).
    pub fn urls(&self, n: usize, ms: u64) -> Vec<String> {
        (0..n).map(|i| format!("{}?i={i}", self.url(ms))).collect()
    }

    /// The most requests the server has been serving at the same moment since the last reset.
    pub fn peak_in_flight(&self) -> usize {
        self.stats.peak.load(Ordering::SeqCst)
    }

    /// Requests answered since the last reset.
    pub fn served(&self) -> usize {
        self.stats.served.load(Ordering::SeqCst)
    }

    /// Forgets the peak and the count.
    pub fn reset(&self) {
        self.stats.peak.store(0, Ordering::SeqCst);
        self.stats.served.store(0, Ordering::SeqCst);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, stats: Arc<Stats>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let stats = stats.clone();
        tokio::spawn(async move {
            // A client that hangs up early only ends its own connection.
            let _ = serve(stream, &stats).await;
        });
    }
}

async fn serve(mut stream: TcpStream, stats: &Stats) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() > 16 * 1024 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let ms = path
        .strip_prefix("/delay/")
        .and_then(|rest| rest.split('?').next())
        .and_then(|ms| ms.parse::<u64>().ok());
    let (status, body) = match ms {
        Some(ms) if ms <= 60_000 => {
            let now = stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            stats.peak.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            stats.in_flight.fetch_sub(1, Ordering::SeqCst);
            stats.served.fetch_add(1, Ordering::SeqCst);
            (
                "200 OK",
                format!("{{\"path\":\"{path}\",\"delay_ms\":{ms}}}"),
            )
        }
        _ => (
            "404 Not Found",
            "{\"error\":\"try /delay/{ms}\"}".to_string(),
        ),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// Why a fetch failed.
#[derive(Debug)]
pub struct FetchError(String);

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FetchError {}

impl FetchError {
    /// An error that says `message`, for failures of your own (a worker that did not answer).
    pub fn new(message: impl Into<String>) -> FetchError {
        FetchError(message.into())
    }
}

/// A task that panicked or was cancelled (what awaiting a `JoinHandle` can return) is a failed
/// fetch-and-compute too, so `spawn_blocking(…).await?` works in a function returning
/// `Result<_, FetchError>`.
impl From<tokio::task::JoinError> for FetchError {
    fn from(e: tokio::task::JoinError) -> FetchError {
        FetchError(format!("the CPU work did not finish: {e}"))
    }
}

/// Fetches `url` (an `http://host:port/path` URL) and returns the body. Like `reqwest::get`, it
/// is a future: while it waits for the server, the runtime can run other tasks.
pub async fn fetch(url: &str) -> Result<String, FetchError> {
    let err = |what: &str, e: &dyn fmt::Display| FetchError(format!("{what} {url}: {e}"));
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| FetchError(format!("{url} is not an http:// URL")))?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = TcpStream::connect(host)
        .await
        .map_err(|e| err("cannot connect to", &e))?;
    let request = format!("GET {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| err("cannot send to", &e))?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .map_err(|e| err("cannot read from", &e))?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| FetchError(format!("{url} sent no HTTP response")))?;
    if !head.starts_with("HTTP/1.1 200") {
        let status = head.lines().next().unwrap_or("");
        return Err(FetchError(format!("{url} answered {status}")));
    }
    Ok(body.to_string())
}

/// Keeps the calling thread busy computing for `ms` milliseconds of wall time and returns a
/// number that depends on every step (so no optimiser can delete the loop). This is the CPU
/// work after a fetch — the article's `fake_cpu_op`. While it runs, nothing else runs on this
/// thread: not other tasks, not the event loop.
pub fn burn(ms: u64, seed: u64) -> u64 {
    let now = BURNING.fetch_add(1, Ordering::SeqCst) + 1;
    PEAK_BURNING.fetch_max(now, Ordering::SeqCst);
    let result = burn_for(ms, seed);
    BURNING.fetch_sub(1, Ordering::SeqCst);
    result
}

static BURNING: AtomicUsize = AtomicUsize::new(0);
static PEAK_BURNING: AtomicUsize = AtomicUsize::new(0);

/// The most [`burn`] calls that have been running at the same moment (on any threads) since
/// the last [`reset_burn_peak`]: whether CPU work overlapped, however many cores there are.
pub fn peak_concurrent_burns() -> usize {
    PEAK_BURNING.load(Ordering::SeqCst)
}

/// Forgets the peak of [`peak_concurrent_burns`].
pub fn reset_burn_peak() {
    PEAK_BURNING.store(0, Ordering::SeqCst);
}

fn burn_for(ms: u64, seed: u64) -> u64 {
    let end = Instant::now() + Duration::from_millis(ms);
    let mut acc = seed as f64 + 0.5;
    let mut rounds = 0u64;
    while Instant::now() < end {
        for _ in 0..1000 {
            acc = (acc * 12345.6789).sqrt() + 1.0;
        }
        rounds += 1;
    }
    std::hint::black_box(acc).to_bits() ^ rounds.rotate_left(32)
}

/// A checksum of `bytes` for worker `seed` (FNV-1a, salted): it reads every byte, so a worker
/// needs the whole payload.
pub fn checksum(bytes: &[u8], seed: u64) -> u64 {
    bytes.iter().fold(
        0xcbf2_9ce4_8422_2325u64 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15),
        |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3),
    )
}

/// The system allocator, counting every byte it hands out. A test binary installs it with
/// `#[global_allocator] static A: support::CountingAlloc = support::CountingAlloc;` and reads
/// [`allocated_bytes`] before and after a call to see how much that call allocated — a copy of a
/// large payload shows up as its size.
pub struct CountingAlloc;

static ALLOCATED: AtomicU64 = AtomicU64::new(0);

/// Bytes allocated so far by the process, if [`CountingAlloc`] is installed (else 0).
pub fn allocated_bytes() -> u64 {
    ALLOCATED.load(Ordering::SeqCst)
}

// SAFETY: every method delegates to `System` with the caller's own arguments, which upholds
// `GlobalAlloc`'s contract exactly as `System` does; counting touches only an atomic.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: forwarded unchanged from our caller, who promised a valid layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above, i.e. from `System`, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: as in `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATED.fetch_add(
            new_size.saturating_sub(layout.size()) as u64,
            Ordering::Relaxed,
        );
        // SAFETY: `ptr` came from `System` with `layout`; the caller promised a valid size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Runs `f` while a ticker on the current tokio runtime wakes every `tick`, and returns `f`'s
/// output with the longest time the ticker had to wait beyond its tick: how long the event loop
/// was stalled. On a healthy loop this is a few milliseconds.
pub async fn longest_stall<T>(tick: Duration, f: impl Future<Output = T>) -> (T, Duration) {
    let done = std::sync::atomic::AtomicBool::new(false);
    let ticker = async {
        let mut worst = Duration::ZERO;
        while !done.load(Ordering::SeqCst) {
            let before = Instant::now();
            tokio::time::sleep(tick).await;
            worst = worst.max(before.elapsed().saturating_sub(tick));
        }
        worst
    };
    let work = async {
        let out = f.await;
        done.store(true, Ordering::SeqCst);
        out
    };
    let (out, worst) = tokio::join!(work, ticker);
    (out, worst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_server_answers_after_its_delay_and_counts_requests_in_flight() {
        let server = Server::start();
        let start = Instant::now();
        let url = server.url(100);
        let (a, b) = tokio::join!(fetch(&url), fetch(&url));
        let took = start.elapsed();
        assert!(a.unwrap().contains("/delay/100"));
        assert!(b.is_ok());
        assert!(took >= Duration::from_millis(100) && took < Duration::from_millis(190));
        assert_eq!(server.peak_in_flight(), 2);
        assert_eq!(server.served(), 2);
        let missing = fetch(&format!("http://{}/nope", server.addr)).await;
        assert!(missing.unwrap_err().to_string().contains("404"));
    }

    #[test]
    fn burn_takes_about_as_long_as_asked_and_checksums_depend_on_the_seed() {
        let start = Instant::now();
        burn(30, 1);
        assert!(start.elapsed() >= Duration::from_millis(30));
        assert_ne!(checksum(b"abc", 1), checksum(b"abc", 2));
    }
}
