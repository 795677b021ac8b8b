// The static page (`gilwall export-page DIR`, here exported by the installed binary from the page
// inside it: GILWALL_STATIC_DIR, made by `cargo xtask browser`) served by Python's
// `http.server`, which sends no COOP/COEP and has no /delay or /features. Its service worker
// must stand in for gilwall serve: the page loads without console errors, becomes cross-origin
// isolated after its one reload, its fetches wait off the main thread for the delay asked and
// return the native server's very bytes, and the wall shows as under gilwall serve.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { launch, URL as SERVED, ROOT } from './harness.mjs';
import { startServer, openAt, measureWall, MIN_RATIO } from './wall.mjs';

const DIR = process.env.GILWALL_STATIC_DIR;
const skip = !DIR && 'GILWALL_STATIC_DIR is not set (cargo xtask browser sets it)';
let host, browser, page, errors;

before(async () => {
  if (!DIR) return;
  // Port 0: the OS picks a free one, which the server prints (-u: unbuffered, so it does now).
  host = await startServer('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', DIR], {
    pattern: /Serving HTTP on \S+ port \d+ \((http:\/\/\S+?)\/?\)/,
  });
  browser = await launch();
  ({ page, errors } = await openAt(browser.context, host.url + '/'));
});

after(async () => {
  host?.stop();
  await browser?.close();
});

test('the static host sends no isolation headers and has no feature endpoints', { skip }, async () => {
  const index = await fetch(host.url + '/');
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('cross-origin-opener-policy'), null);
  assert.equal(index.headers.get('cross-origin-embedder-policy'), null);
  assert.match(await index.text(), /<script src="static.js"><\/script>/);
  assert.equal((await fetch(host.url + '/delay/0')).status, 404);
});

test('the static page loads without console errors, cross-origin isolated, and says it is static', { skip }, async () => {
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
  assert.equal(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)), true);
  assert.match(await page.locator('#meta').textContent(), /static page/);
  assert.match(await page.locator('header').textContent(), /answered in this browser by a service worker/);
  const threads = await page.evaluate(() => window.gilwall && document.querySelector('#strategies input[value="wasm-threads"]').disabled);
  assert.equal(threads, false, 'wasm-threads is available: SharedArrayBuffer works');
  assert.deepEqual(errors, []);
});

test('the service worker answers after the delay asked, off the main thread, with the native server\'s bytes', { skip }, async () => {
  const got = await page.evaluate(async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const t0 = performance.now();
    const r = await fetch('/features?delay_ms=300&size=4096&seed=7', { cache: 'no-store' });
    const bytes = [...new Uint8Array(await r.arrayBuffer())];
    const ms = performance.now() - t0;
    clearInterval(timer);
    const d0 = performance.now();
    const delay = await (await fetch('/delay/0.2', { cache: 'no-store' })).json();
    const delayMs = performance.now() - d0;
    const bad = await fetch('/delay/-1');
    const big = await fetch('/features?size=999999999999');
    return { status: r.status, type: r.headers.get('content-type'), bytes, ms, ticks, delay, delayMs,
      bad: [bad.status, (await bad.json()).error], big: [big.status, (await big.json()).error] };
  });
  assert.equal(got.status, 200);
  assert.equal(got.type, 'application/json');
  assert.ok(got.ms >= 295 && got.ms < 2000, `answered after ${got.ms} ms for 300 asked`);
  // The main thread kept running timers while the fetch waited (about 30 in 300 ms).
  assert.ok(got.ticks >= 10, `only ${got.ticks} timer ticks during a 300 ms fetch`);
  const native = new Uint8Array(await (await fetch(`${SERVED}/features?size=4096&seed=7`)).arrayBuffer());
  assert.equal(got.bytes.length, native.length);
  assert.deepEqual(Buffer.from(got.bytes), Buffer.from(native), 'the payload differs from gilwall serve\'s');
  assert.ok(got.delayMs >= 195, `/delay/0.2 answered after ${got.delayMs} ms`);
  assert.ok(got.delay.url.endsWith('/delay/0.2') && typeof got.delay.headers === 'object', JSON.stringify(got.delay));
  assert.equal(got.bad[0], 400);
  assert.match(got.bad[1], /delay.*finite number ≥ 0, got "-1"/);
  assert.equal(got.big[0], 400);
  assert.match(got.big[1], /above the server's cap/);
  // The browser logs each of those two refusals asked for on purpose; nothing else may be there.
  const refused = (e) => /status of 400/.test(e);
  for (const until = Date.now() + 5000; errors.filter(refused).length < 2 && Date.now() < until;) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const refusals = errors.filter(refused);
  assert.equal(refusals.length, 2, JSON.stringify(errors));
  errors.splice(0, errors.length, ...errors.filter((e) => !refused(e)));
  assert.deepEqual(errors, []);
});

test('on the static page, async at N = 4 is clearly slower than workers and wasm-threads, as under gilwall serve', { skip }, async (t) => {
  const { report, ratios, cores } = await measureWall(t, page, ['workers', 'wasm-threads']);
  for (const p of report.points) assert.equal(p.errors, 0, `${p.strategy}@${p.tasks} had failed tasks: ${p.error_sample}`);
  for (const s of ['workers', 'wasm-threads']) {
    assert.ok(ratios[s] >= MIN_RATIO, `async/${s} at N=4 is only ${ratios[s].toFixed(2)} (the page could use ${cores.toFixed(2)} cores)`);
  }
  // The report says where it came from, in the shared format.
  assert.equal(report.machine.page_mode, 'static');
  const schema = JSON.parse(readFileSync(join(ROOT, 'schema/report.schema.json'), 'utf8'));
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
  assert.ok(validate(report), JSON.stringify(validate.errors));
  assert.deepEqual(errors, []);
});
