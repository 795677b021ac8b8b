//! The server's routes: `/delay/{seconds}`, `/features`, `/healthz`, and the page.

use super::ServerConfig;
use super::faults::{Dice, Fault, Faults};
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, Version, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

#[derive(Clone)]
struct AppState {
    max_delay_ms: f64,
    max_payload_bytes: u64,
    in_flight: Arc<Semaphore>,
    max_in_flight: usize,
    faults: Faults,
    dice: Arc<Dice>,
    lateness: Arc<Lateness>,
}

/// How late the server answers: for each `/delay` and `/features` request, the time its handler
/// took minus the delay it was asked for (jitter included in the asked delay). Read, and
/// optionally reset, at `GET /stats`.
#[derive(Debug, Default)]
pub(super) struct Lateness(std::sync::Mutex<Vec<f64>>);

impl Lateness {
    fn record(&self, ms: f64) {
        // Poisoning needs a panic while holding the lock, and pushing cannot panic.
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(ms);
    }
}

/// An error answer: a status and a message saying what was wrong, as JSON `{"error": …}`.
#[derive(Debug)]
pub(super) struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

fn bad_request(msg: String) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, msg)
}

/// The server's two halves: the full router, and the fast path for its hot route that
/// shares the router's state (in-flight cap, faults, lateness).
pub(super) struct Routes {
    pub(super) app: Router,
    pub(super) fast: FastDelay,
}

pub(super) fn router(config: &ServerConfig) -> Router {
    routes(config).app
}

pub(super) fn routes(config: &ServerConfig) -> Routes {
    let state = AppState {
        max_delay_ms: config.max_delay_ms,
        max_payload_bytes: config.max_payload_bytes,
        in_flight: Arc::new(Semaphore::new(config.max_in_flight)),
        max_in_flight: config.max_in_flight,
        faults: config.faults,
        dice: Arc::new(Dice::default()),
        lateness: Arc::new(Lateness::default()),
    };
    let limit = middleware::from_fn_with_state(state.clone(), limit_in_flight);
    // The data a fetch reads: only what the fetch needs on each answer (no page headers).
    let data = Router::new()
        .route("/delay/{seconds}", get(delay))
        .route("/features", get(features))
        .route_layer(limit.clone())
        .with_state(state.clone());
    let site = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/stats", get(stats))
        .route_layer(limit)
        .with_state(state.clone());
    let site = match &config.www {
        // ServeDir resolves paths without ever leaving its folder (`..` and encoded forms are
        // refused) and picks MIME types from extensions, `application/wasm` included.
        Some(dir) => {
            site.fallback_service(ServeDir::new(dir).append_index_html_on_directories(true))
        }
        None if config.page_inside => site.fallback(page_inside),
        None => site.fallback(no_page),
    };
    let [coop, coep, corp, server] = SITE_HEADERS;
    let app = site
        // Cross-origin isolation: required for SharedArrayBuffer (wasm threads) in the page.
        .layer(SetResponseHeaderLayer::overriding(coop.0, coop.1))
        .layer(SetResponseHeaderLayer::overriding(coep.0, coep.1))
        .layer(SetResponseHeaderLayer::if_not_present(corp.0, corp.1))
        // Names the server, so a static export's service worker left on this origin (same
        // host and port) knows gilwall serve answers here now and steps aside (www/sw.js).
        .layer(SetResponseHeaderLayer::if_not_present(server.0, server.1))
        // Added after the page's header layers, so they do not wrap it.
        .merge(data)
        .layer(CatchPanicLayer::custom(|_| bug()));
    Routes {
        app,
        fast: FastDelay {
            state,
            last: Arc::default(),
        },
    }
}

/// Headers on the page's answers (its files, `/healthz`, `/stats`, refusals of unknown paths):
/// cross-origin isolation (COOP, COEP: SharedArrayBuffer for the page's wasm threads), CORP,
/// and `Server: gilwall`, which a static export's service worker reads on a navigation to step
/// aside (www/sw.js). Not on the data answers (`/delay`, `/features`): COOP and COEP act only on
/// documents and workers, CORP only on cross-origin loads without CORS, and the page fetches
/// its data from its own origin; each client decodes every header of every answer, and these
/// four were a tenth of what an answer cost each side at 10 000 in flight (BENCHMARKS.md).
const SITE_HEADERS: [(header::HeaderName, HeaderValue); 4] = [
    (
        header::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    ),
    (
        header::HeaderName::from_static("cross-origin-embedder-policy"),
        HeaderValue::from_static("require-corp"),
    ),
    (
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    ),
    (header::SERVER, HeaderValue::from_static("gilwall")),
];

/// The answer when a handler panics.
fn bug() -> Response {
    ApiError(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the server hit a bug; please report it".into(),
    )
    .into_response()
}

/// The hot route without the router: a plain `GET /delay/{seconds}` (no query string, a delay
/// within the cap, a free in-flight slot) is answered here, before axum's router and its
/// in-flight middleware (with the page's header layers it then had, about half of what an answer
/// cost the server with 10 000 in flight: the article's step 2 at scale; BENCHMARKS.md).
/// Anything else, errors included, goes to the router, so every refusal reads the same.
#[derive(Clone)]
pub(super) struct FastDelay {
    state: AppState,
    last: Arc<std::sync::Mutex<Option<Echo>>>,
}

/// The last `/delay` body the fast path wrote, and the request parts it echoes: the tasks of a
/// point all send the same request, so the body is written once and then shared (a `Bytes`
/// clone), not pretty-printed again for each (~3 900 instructions and a 500-byte buffer held
/// through each request's delay, with 100 000 in flight; BENCHMARKS.md).
struct Echo {
    uri: Uri,
    headers: HeaderMap,
    origin: std::net::IpAddr,
    body: bytes::Bytes,
}

impl FastDelay {
    /// httpbin's body for this request: the last one if the request echoes the same parts.
    fn body(&self, headers: &HeaderMap, peer: SocketAddr, uri: &Uri) -> bytes::Bytes {
        // Poisoning needs a panic while holding the lock; writing a body does not panic.
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(echo) = last.as_ref()
            && echo.origin == peer.ip()
            && echo.uri == *uri
            && echo.headers == *headers
        {
            return echo.body.clone();
        }
        let body = bytes::Bytes::from(delay_body(&BTreeMap::new(), headers, peer, uri));
        *last = Some(Echo {
            uri: uri.clone(),
            headers: headers.clone(),
            origin: peer.ip(),
            body: body.clone(),
        });
        body
    }
}

impl FastDelay {
    /// The answer to `req` from `peer` if it is a plain `/delay`, else `None` (the router's).
    /// Its body is built now, while the delay runs, as the router's handler does.
    pub(super) fn answer<B>(
        &self,
        req: &hyper::Request<B>,
        peer: SocketAddr,
    ) -> Option<impl Future<Output = Response> + Send + 'static + use<B>> {
        if req.method() != axum::http::Method::GET || req.uri().query().is_some() {
            return None;
        }
        let seconds = req.uri().path().strip_prefix("/delay/")?;
        // Percent-encoded or nested paths: the router decodes and refuses them.
        if seconds.contains(['/', '%']) {
            return None;
        }
        let state = &self.state;
        let ms = parse_delay_ms("the delay (seconds)", seconds, 1000.0, state.max_delay_ms).ok()?;
        let permit = state.in_flight.clone().try_acquire_owned().ok()?;
        let fault = state.draw(&BTreeMap::new()).ok()?;
        let started = std::time::Instant::now();
        let body = self.body(req.headers(), peer, req.uri());
        let version = req.version();
        let state = state.clone();
        let answer = async move {
            tokio::time::sleep_until(
                (started + Duration::from_secs_f64((ms + fault.1) / 1000.0)).into(),
            )
            .await;
            state.late(started, ms + fault.1);
            drop(permit);
            answer(body, fault.0, version)
        };
        Some(async move {
            use futures::FutureExt;
            std::panic::AssertUnwindSafe(answer)
                .catch_unwind()
                .await
                .unwrap_or_else(|_| bug())
        })
    }
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError(
        StatusCode::NOT_FOUND,
        format!(
            "no such endpoint: {}; try /delay/1, /features or /healthz",
            uri.path()
        ),
    )
}

/// The page inside the binary (feature `page`): a lookup in the table of embedded files, with
/// the content type each got when it was embedded (`application/wasm` for the modules).
async fn page_inside(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    };
    match super::page::file_inside(&path) {
        Some((body, mime)) => {
            // Embedded files are static: the body borrows them, no copy per request.
            let body = match body {
                std::borrow::Cow::Borrowed(b) => bytes::Bytes::from_static(b),
                std::borrow::Cow::Owned(b) => bytes::Bytes::from(b),
            };
            ([(header::CONTENT_TYPE, mime)], body).into_response()
        }
        None => not_found(uri).await.into_response(),
    }
}

/// No page here: `/` says so, in a page a browser shows, with the commands that give one;
/// anything else is an unknown endpoint.
async fn no_page(uri: Uri) -> Response {
    if uri.path() != "/" && uri.path() != "/index.html" {
        return not_found(uri).await.into_response();
    }
    let html = format!(
        "<!doctype html><meta charset=\"utf-8\"><title>gilwall: no demo page here</title>\n\
         <h1>No demo page here</h1>\n\
         <p>This gilwall serves the feature endpoints only (<code>/delay/1</code>, \
         <code>/features</code>, <code>/healthz</code>): it was started with <code>--no-www</code>, \
         or it has no page inside and found no built <code>www</code> folder.</p>\n\
         <p>A gilwall with the page inside: <code>{}</code> in gilwall's checkout. \
         In a checkout: <code>{}</code>, then <code>gilwall serve --www www</code>.</p>\n",
        super::page::INSTALL_COMMAND,
        super::page::BUILD_COMMAND,
    );
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

/// Refuses work beyond `max_in_flight` with 503 rather than queueing without bound.
async fn limit_in_flight(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match state.in_flight.clone().try_acquire_owned() {
        Ok(_permit) => next.run(req).await,
        Err(_) => ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the server already has {} requests in flight (its --max-in-flight); retry later or raise the cap",
                state.max_in_flight
            ),
        )
        .into_response(),
    }
}

/// Parses a delay in ms and checks it against the cap.
fn parse_delay_ms(what: &str, raw: &str, scale: f64, max_ms: f64) -> Result<f64, ApiError> {
    let value: f64 = raw
        .trim()
        .parse()
        .map_err(|_| bad_request(format!("{what} must be a number, got {raw:?}")))?;
    let ms = value * scale;
    if !ms.is_finite() || ms < 0.0 {
        return Err(bad_request(format!(
            "{what} must be a finite number ≥ 0, got {raw:?}"
        )));
    }
    if ms > max_ms {
        return Err(bad_request(format!(
            "{what} {raw} is above the server's cap of {} s (gilwall serve --max-delay-s)",
            max_ms / 1000.0
        )));
    }
    Ok(ms)
}

/// `GET /delay/{seconds}` as httpbin: waits, then echoes the request.
async fn delay(
    State(state): State<AppState>,
    Path(seconds): Path<String>,
    Query(args): Query<BTreeMap<String, String>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    uri: Uri,
    version: Version,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let ms = parse_delay_ms("the delay (seconds)", &seconds, 1000.0, state.max_delay_ms)?;
    let fault = state.draw(&args)?;
    let started = std::time::Instant::now();
    // The answer is built as the request arrives, while its delay runs, so that when it falls
    // due (often with thousands of others in the same millisecond) only sending it is left.
    let body = delay_body(&args, &headers, peer, &uri).into();
    tokio::time::sleep_until((started + Duration::from_secs_f64((ms + fault.1) / 1000.0)).into())
        .await;
    state.late(started, ms + fault.1);
    Ok(answer(body, fault.0, version))
}

/// httpbin's `/delay` body: the query, the request's headers, the peer and the URL, as JSON.
fn delay_body(
    args: &BTreeMap<String, String>,
    headers: &HeaderMap,
    peer: SocketAddr,
    uri: &Uri,
) -> Vec<u8> {
    // Written straight from borrowed parts, without a `serde_json::Value` tree in between: the
    // tree was a quarter of what an answer cost the server with 10 000 in flight.
    #[derive(serde::Serialize)]
    struct Body<'a> {
        args: &'a BTreeMap<String, String>,
        data: &'static str,
        files: BTreeMap<(), ()>,
        form: BTreeMap<(), ()>,
        headers: BTreeMap<String, std::borrow::Cow<'a, str>>,
        origin: std::net::IpAddr,
        url: String,
    }
    // Title-cased names in order, the last of a repeated header winning, as httpbin shows them.
    let headers: BTreeMap<String, std::borrow::Cow<'_, str>> = headers
        .iter()
        .map(|(k, v)| {
            (
                title_case(k.as_str()),
                String::from_utf8_lossy(v.as_bytes()),
            )
        })
        .collect();
    // Over HTTP/2 the request's URI is absolute (it carries `:authority`), and there is no Host.
    let url = match uri.authority() {
        Some(_) => uri.to_string(),
        None => format!(
            "http://{}{uri}",
            headers.get("Host").map_or("127.0.0.1", |h| h.as_ref())
        ),
    };
    let body = Body {
        args,
        data: "",
        files: BTreeMap::new(),
        form: BTreeMap::new(),
        headers,
        origin: peer.ip(),
        url,
    };
    let mut out = Vec::with_capacity(512);
    // Strings and maps of strings always serialise.
    serde_json::to_writer_pretty(&mut out, &body).expect("the delay body serialises");
    out
}

impl AppState {
    /// Records how much later than `asked_ms` after `started` this answer is.
    fn late(&self, started: std::time::Instant, asked_ms: f64) {
        self.lateness
            .record(started.elapsed().as_secs_f64() * 1000.0 - asked_ms);
    }

    /// This request's fault and jitter: the server's rates, overridden by the query's.
    fn draw(&self, query: &BTreeMap<String, String>) -> Result<(Fault, f64), ApiError> {
        let faults = self
            .faults
            .with_query(query, self.max_delay_ms)
            .map_err(bad_request)?;
        Ok(self.dice.draw(&faults))
    }
}

/// The answer for a JSON `body` under `fault`, to a request over HTTP `version`: the body and
/// its type, and nothing a fetch does not read (each client decodes every header of every
/// answer). The server's lateness is at `GET /stats`, not on each answer: a `Server-Timing`
/// header unique to each was ~4 000 instructions an answer on each side with 10 000 in flight
/// (BENCHMARKS.md), read by no one.
///
/// Over HTTP/2 no `content-length` either: the stream's end marks the body's, and HPACK never
/// indexes a length, so each answer carried it as a literal for the client to decode
/// (callgrind at scale: ~1 800 instructions an answer on the client, ~4 400 on the server).
/// HTTP/1.1 needs it: without it hyper would send the body chunked.
fn answer(body: bytes::Bytes, fault: Fault, version: Version) -> Response {
    let json = [(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    )];
    match fault {
        Fault::None if version == Version::HTTP_2 => {
            (json, axum::body::Body::new(Unsized(Some(body)))).into_response()
        }
        Fault::None => (json, body).into_response(),
        Fault::Fail => ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "injected fault: this request was chosen to fail (fail_rate)".into(),
        )
        .into_response(),
        // Half the JSON: valid UTF-8 up to there, but never valid JSON.
        Fault::Malformed => (json, body.slice(..body.len() / 2)).into_response(),
        // The headers go out, then the body stream fails: hyper cuts the connection, and the
        // client sees a response that ends mid-way.
        Fault::Drop => {
            let first = body.slice(..body.len() / 2);
            let stream = futures::stream::iter([
                Ok(first),
                Err(std::io::Error::other(
                    "injected fault: connection dropped (drop_rate)",
                )),
            ]);
            (json, axum::body::Body::from_stream(stream)).into_response()
        }
    }
}

/// A body in one piece that does not tell its length (its size hint is not exact), so hyper
/// sends no `content-length` with it; it ends with its one frame.
struct Unsized(Option<bytes::Bytes>);

impl hyper::body::Body for Unsized {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<bytes::Bytes>, Self::Error>>> {
        std::task::Poll::Ready(self.0.take().map(|b| Ok(hyper::body::Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_none()
    }
}

/// httpbin writes header names in title case (`User-Agent`).
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// `GET /features?delay_ms=…&size=…&seed=…`: after the delay, a deterministic feature payload
/// of about `size` bytes. The payload is built while the delay runs, on a blocking thread, so
/// building a large one neither delays other requests nor adds to this one's time.
async fn features(
    State(state): State<AppState>,
    Query(q): Query<BTreeMap<String, String>>,
    version: Version,
) -> Result<Response, ApiError> {
    let delay_ms = match q.get("delay_ms") {
        Some(raw) => parse_delay_ms("delay_ms", raw, 1.0, state.max_delay_ms)?,
        None => 0.0,
    };
    let size: u64 = match q.get("size") {
        Some(raw) => raw.trim().parse().map_err(|_| {
            bad_request(format!("size must be a whole number of bytes, got {raw:?}"))
        })?,
        None => 1024,
    };
    if size > state.max_payload_bytes {
        return Err(bad_request(format!(
            "size {size} is above the server's cap of {} bytes (gilwall serve --max-payload-kb)",
            state.max_payload_bytes
        )));
    }
    let seed: u64 = match q.get("seed") {
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|_| bad_request(format!("seed must be a whole number ≥ 0, got {raw:?}")))?,
        None => 0,
    };
    let fault = state.draw(&q)?;
    let started = std::time::Instant::now();
    let build =
        tokio::task::spawn_blocking(move || gilwall_core::payload::generate(seed, size as usize));
    let (body, ()) = tokio::join!(
        build,
        tokio::time::sleep(Duration::from_secs_f64((delay_ms + fault.1) / 1000.0))
    );
    let body = body.map_err(|e| {
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("payload builder failed: {e}"),
        )
    })?;
    state.late(started, delay_ms + fault.1);
    Ok(answer(body.into(), fault.0, version))
}

/// `GET /stats[?reset=1]`: how late the server has answered since the last reset.
async fn stats(
    State(state): State<AppState>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Json<Value> {
    let mut samples = state.lateness.0.lock().unwrap_or_else(|p| p.into_inner());
    let mut sorted = samples.clone();
    if q.get("reset").is_some_and(|v| v == "1" || v == "true") {
        samples.clear();
    }
    drop(samples);
    sorted.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        sorted
            .get(((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
    };
    Json(json!({
        "requests": sorted.len(),
        "lateness_ms": { "p50": pct(0.5), "p99": pct(0.99), "max": sorted.last() },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_title_cased() {
        assert_eq!(title_case("user-agent"), "User-Agent");
        assert_eq!(title_case("host"), "Host");
        assert_eq!(title_case("x-a-b"), "X-A-B");
    }

    #[test]
    fn delays_are_parsed_and_capped() {
        assert_eq!(
            parse_delay_ms("d", "0.2", 1000.0, 10_000.0).ok(),
            Some(200.0)
        );
        for bad in ["-1", "abc", "NaN", "inf", "11", "1e9", ""] {
            let e = parse_delay_ms("d", bad, 1000.0, 10_000.0).expect_err(bad);
            assert_eq!(e.0, StatusCode::BAD_REQUEST, "{bad}");
            assert!(!e.1.is_empty());
        }
    }
}
