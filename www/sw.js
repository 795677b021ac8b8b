// gilwall's service worker, for the static page only (`gilwall export-page DIR`; `www/static.js`
// registers it). A static file server has no /delay or /features and sends no COOP/COEP, so this
// worker stands in for `gilwall serve` inside the browser:
//
// - `/delay/{seconds}` and `/features?delay_ms=&size=&seed=` are answered here, after the delay
//   asked, with the bodies `gilwall serve` sends: /features is core's own payload, built by the
//   same Rust compiled to wasm. The page's fetch stays a real fetch: it leaves the page (or its
//   Web Worker), waits on this worker's thread — never the page's main thread — and comes back
//   as a Response, so the article's point (the event loop is free while I/O waits) holds.
// - Every other same-origin answer gets the cross-origin-isolation headers that
//   SharedArrayBuffer (the wasm-threads strategy) needs, as gilwall serve adds them. Dedicated
//   workers the page starts (worker.js, threads.js, rayon's helpers) are clients of this worker
//   too, so their scripts get the headers as well — without them a COEP page may not start them.
//
// A module service worker: it imports the page's own wasm bindings (Chromium 91+, Safari 15+;
// Firefox only recently). No top-level await: service workers may not use it.
import init, { static_features, static_max_payload_bytes } from './pkg/gilwall_web.js';

const wasm = init();
/** The native server's default caps (gilwall serve --max-delay-s, --max-payload-kb). */
const MAX_DELAY_MS = 10_000;
/** Payloads already built, by "seed:size", up to this many bytes in all: repeats ask again. */
const CACHE_BYTES = 64 * 1024 * 1024;
const built = new Map();
let cachedBytes = 0;
/** Whether this origin turned out to be served by gilwall serve itself (see `retire`). */
let retired = false;

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (retired || url.origin !== self.location.origin || request.method !== 'GET') return;
  // A request the browser may only answer from its cache must not go to the network.
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  if (url.pathname.startsWith('/delay/')) {
    event.respondWith(delay(request, url));
  } else if (url.pathname === '/features') {
    event.respondWith(features(url));
  } else {
    event.respondWith(isolated(request));
  }
});

/** The network's answer with the cross-origin-isolation headers added. */
async function isolated(request) {
  const response = await fetch(request);
  // An opaque or redirected answer cannot be rebuilt; pass it on as it is.
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.status === 0) return response;
  if (request.mode === 'navigate' && (response.headers.get('server') ?? '').startsWith('gilwall')) {
    retire();
    return response;
  }
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  // Static hosts often send .wasm as something else; the streaming compiler insists on this.
  if (new URL(request.url).pathname.endsWith('.wasm')) headers.set('Content-Type', 'application/wasm');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * This origin's page now comes from `gilwall serve` (say the export was once served on the same
 * port): gilwall's own server answers and isolates, so this worker steps aside for good.
 */
function retire() {
  retired = true;
  self.registration.unregister();
}

/** `GET /delay/{seconds}` as httpbin answers it (and gilwall serve), after the delay. */
async function delay(request, url) {
  const raw = decodeURIComponent(url.pathname.slice('/delay/'.length));
  const ms = parseDelay('the delay (seconds)', raw, 1000);
  if (typeof ms === 'string') return error(400, ms);
  const refused = faultParams(url);
  if (refused) return error(400, refused);
  await sleep(ms);
  const headers = {};
  for (const [k, v] of request.headers) headers[k.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('-')] = v;
  const body = JSON.stringify({
    args: Object.fromEntries(url.searchParams), data: '', files: {}, form: {}, headers,
    origin: '127.0.0.1', url: url.href,
  }, null, 2);
  return json(body);
}

/** `GET /features?delay_ms=&size=&seed=`: core's payload, built while the delay runs. */
async function features(url) {
  const q = url.searchParams;
  const ms = q.has('delay_ms') ? parseDelay('delay_ms', q.get('delay_ms'), 1) : 0;
  if (typeof ms === 'string') return error(400, ms);
  const size = q.has('size') ? wholeNumber(q.get('size')) : 1024n;
  if (size === null) return error(400, `size must be a whole number of bytes, got ${JSON.stringify(q.get('size'))}`);
  const seed = q.has('seed') ? wholeNumber(q.get('seed')) : 0n;
  if (seed === null || seed >= 2n ** 64n) return error(400, `seed must be a whole number ≥ 0, got ${JSON.stringify(q.get('seed'))}`);
  const refused = faultParams(url);
  if (refused) return error(400, refused);
  await wasm;
  if (size > BigInt(static_max_payload_bytes())) {
    return error(400, `size ${size} is above the server's cap of ${static_max_payload_bytes()} bytes (gilwall serve --max-payload-kb)`);
  }
  // The timer starts first, so building the payload overlaps the wait as on the native server.
  const waited = sleep(ms);
  const body = payload(seed, Number(size));
  await waited;
  return json(body);
}

function payload(seed, size) {
  const key = `${seed}:${size}`;
  let body = built.get(key);
  if (!body) {
    body = static_features(seed, size);
    if (body.length <= CACHE_BYTES) {
      while (cachedBytes + body.length > CACHE_BYTES) {
        const [oldest, old] = built.entries().next().value;
        built.delete(oldest);
        cachedBytes -= old.length;
      }
      built.set(key, body);
      cachedBytes += body.length;
    }
  }
  // A Response copies a typed array's bytes, so the cached one stays as it is.
  return body;
}

/** Delay in ms from `raw` × `scale`, or a message saying what is wrong with it. */
function parseDelay(what, raw, scale) {
  const trimmed = raw.trim();
  const value = trimmed === '' ? NaN : Number(trimmed);
  if (Number.isNaN(value)) return `${what} must be a number, got ${JSON.stringify(raw)}`;
  const ms = value * scale;
  if (!Number.isFinite(ms) || ms < 0) return `${what} must be a finite number ≥ 0, got ${JSON.stringify(raw)}`;
  if (ms > MAX_DELAY_MS) return `${what} ${raw} is above the server's cap of ${MAX_DELAY_MS / 1000} s (gilwall serve --max-delay-s)`;
  return ms;
}

function wholeNumber(raw) {
  const t = raw.trim();
  return /^[0-9]+$/.test(t) ? BigInt(t) : null;
}

/** The native server injects faults on request; this one cannot, and says so. */
function faultParams(url) {
  const asked = ['fail_rate', 'drop_rate', 'malformed_rate', 'jitter_ms'].filter((k) => url.searchParams.has(k));
  return asked.length ? `${asked.join(', ')}: the static page injects no faults; use gilwall serve for fault injection` : null;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function json(body) {
  return new Response(body, {
    headers: {
      'Content-Type': 'application/json',
      'Cross-Origin-Resource-Policy': 'same-origin',
    },
  });
}

function error(status, message) {
  return new Response(JSON.stringify({ error: message }), {
    status,
    headers: { 'Content-Type': 'application/json', 'Cross-Origin-Resource-Policy': 'same-origin' },
  });
}
