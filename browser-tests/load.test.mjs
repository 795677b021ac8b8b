// The browser's cliff: a stream of requests at a rate, each a fetch (100 ms) then CPU (40 ms),
// on the page's main thread (`async`: one executor, capacity 1/cpu = 25 req/s) against the
// Web Worker pool (`async-workers`: two executors on two cores, 50 req/s). Near async's
// capacity its queue, and so its p99, climbs; at the same rate the workers are under half busy
// and their p99 stays close to what it was at a low rate. `wasm-threads` (a driver worker
// fetches on its own event loop, rayon's shared-memory pool computes: two executors, 50 req/s)
// is offered the same rates, each request posted to the driver at its intended time: near the
// main thread's capacity its p99 is well below async's. Latency counts from each request's
// intended arrival, so the main thread's frozen timer cannot hide the queue.
//
// Timing claims are ratios inside one run, with margins, on Poisson arrivals with a fixed
// seed; like sweep.test.mjs it first waits (bounded) for a moment when the page gets two cores,
// and measures again (at most ATTEMPTS times) if the shape is not there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { launch, openPage, ROOT } from './harness.mjs';
import { waitForTwoCores } from './wall.mjs';

const LOW = 5, HIGH = 21;
const SPEC = {
  strategies: ['async', 'async-workers', 'wasm-threads'], rates: [LOW, HIGH], io_ms: 100, cpu_ms: 40,
  duration_s: 6, warmup_s: 1, arrivals: 'poisson', seed: 7, kernel: 'sqrt',
};
const ATTEMPTS = 3;

let browser, page, errors, report, gaps;
const schema = JSON.parse(readFileSync(join(ROOT, 'schema/report.schema.json'), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
const step = (s, r) => report.load_points.find((p) => p.strategy === s && p.rate_rps === r);
const growth = (s) => step(s, HIGH).latency_ms.p99 / step(s, LOW).latency_ms.p99;
// wasm-threads' p99 near the main thread's capacity, as a fraction of async's there.
const threadsVsMain = () => step('wasm-threads', HIGH).latency_ms.p99 / step('async', HIGH).latency_ms.p99;
const shapeHolds = () => growth('async') >= 2 && growth('async-workers') <= 1.6 && threadsVsMain() <= 0.5;

before(async () => {
  browser = await launch();
  ({ page, errors } = await openPage(browser.context));
});

after(async () => {
  await browser?.close();
});

test('near its capacity async p99 climbs while the workers stay flat and the wasm threads stay well below it, and the meter sees async freeze', async (t) => {
  const hw = await page.evaluate(() => navigator.hardwareConcurrency);
  if (hw < 2) {
    t.skip(`this machine has ${hw} core: the workers cannot beat the main thread here`);
    return;
  }
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const cores = await waitForTwoCores(page);
    report = await page.evaluate((c) => window.gilwall.runLoad(c), SPEC);
    gaps = await page.evaluate(() => window.gilwall.loadResponsiveness());
    t.diagnostic(`attempt ${attempt} (cores ${cores.toFixed(2)}): ` + report.load_points.map((p) => `${p.strategy}@${p.rate_rps} p50 ${p.latency_ms?.p50.toFixed(0)} p99 ${p.latency_ms?.p99.toFixed(0)} ms (model ${p.model_latency_ms.p50.toFixed(0)}/${p.model_latency_ms.p99.toFixed(0)}), answered ${p.achieved_rps.toFixed(1)}/s, errors ${p.errors}`).join('; '));
    if (shapeHolds()) break;
  }
  assert.equal(report.load_points.length, 6);
  for (const p of report.load_points) {
    assert.equal(p.errors, 0, `${p.strategy}@${p.rate_rps}: ${p.error_sample}`);
    assert.ok(p.sent >= 0.5 * p.rate_rps * SPEC.duration_s, `${p.strategy}@${p.rate_rps} sent only ${p.sent}`);
  }
  // The cliff: async's p99 at 0.84 of its capacity is at least twice its p99 at 0.2 …
  assert.ok(growth('async') >= 2, `async p99 grew only ${growth('async').toFixed(2)}×`);
  // … while the workers, at 0.42 of theirs, stay within 1.6×.
  assert.ok(growth('async-workers') <= 1.6, `async-workers p99 grew ${growth('async-workers').toFixed(2)}×`);
  // At the same rate, 0.84 of the main thread's capacity, the free threads answer with well
  // under half of async's p99: the CPU is off the main thread, and nothing was copied to do it.
  assert.ok(threadsVsMain() <= 0.5, `wasm-threads p99 ${step('wasm-threads', HIGH).latency_ms.p99.toFixed(0)} ms is ${threadsVsMain().toFixed(2)} of async's`);
  // The model, over the same arrivals, says the same: a queue for async, none to speak of for the workers.
  assert.ok(step('async', HIGH).model_latency_ms.p99 > 1.5 * step('async', LOW).model_latency_ms.p99);
  assert.equal(step('async', HIGH).capacity_rps, 25);
  assert.equal(step('async-workers', HIGH).capacity_rps, 50);
  assert.equal(step('wasm-threads', HIGH).capacity_rps, 50);
  assert.equal(step('wasm-threads', HIGH).workers, 2);
  // The meter: each async kernel freezes the main thread for its 40 ms; the workers' steps less.
  const gap = (s) => gaps[`${s}@${HIGH}`].max_frame_gap_ms;
  assert.ok(gap('async') >= 35 && gap('async') > gap('async-workers'), JSON.stringify(gaps));
  // The chart draws both strategies' p50 and p99, the model and the capacities; the knees are core's words.
  assert.equal(await page.locator('#load-chart .measured-p99').count(), 3);
  assert.equal(await page.locator('#load-chart .model-p99').count(), 3);
  // async-workers and wasm-threads share their capacity, 50 req/s: one dotted line each.
  assert.equal(await page.locator('#load-chart .capacity').count(), 3);
  const knees = await page.locator('#load-knees li').allTextContents();
  assert.ok(knees[0].startsWith('async saturates at 25 req/s: one thread, 40 ms of CPU each'), knees.join(' | '));
  assert.ok(knees[1].startsWith('async-workers saturates at 50 req/s: 2 cores, 40 ms of CPU each'), knees.join(' | '));
  assert.ok(knees[2].startsWith('wasm-threads saturates at 50 req/s: 2 cores, 40 ms of CPU each'), knees.join(' | '));
  assert.equal(await page.locator('#load-table tbody tr').count(), 6);
  assert.deepEqual(errors, []);
});

// Lesson 9's browser twin, as the room runs it: /?lesson=9, then Run. The cliff preset offers
// the main thread and the Web Workers the same requests (100 ms fetch, 40 ms CPU) at 0.2, 0.5,
// 0.8 and 1.2 of the main thread's capacity (25 req/s): at the highest, 30 a second, async is
// past its capacity and its queue grows for the whole step, while the two workers (50 a second)
// are at 0.6 of theirs.
const CLIFF_ATTEMPTS = 2;
const CLIFF_MARGIN = 2;

test('/?lesson=9 runs the cliff from its Run button: at the highest rate async\'s p99 is well above the workers\'', async (t) => {
  const hw = await page.evaluate(() => navigator.hardwareConcurrency);
  if (hw < 2) {
    t.skip(`this machine has ${hw} core: the workers cannot beat the main thread here`);
    return;
  }
  const { page: nine, errors: nineErrors } = await openPage(browser.context, '/?lesson=9');
  const { rates, duration_s: seconds } = await nine.evaluate(async () => {
    const wasm = await import('/pkg/gilwall_web.js');
    return wasm.load_presets().find((p) => p.id === 'the-cliff').config;
  });
  const highest = Math.max(...rates);
  let cliff, ratio;
  const at = (s, r) => cliff.load_points.find((p) => p.strategy === s && p.rate_rps === r);
  for (let attempt = 1; attempt <= CLIFF_ATTEMPTS; attempt++) {
    const cores = await waitForTwoCores(nine);
    const started = Date.now();
    await nine.click('#load-run');
    await nine.waitForFunction(() => !document.querySelector('#load-run').disabled, null, { timeout: 180_000 });
    cliff = await nine.evaluate(() => window.gilwall.loadReport());
    ratio = at('async', highest).latency_ms.p99 / at('async-workers', highest).latency_ms.p99;
    t.diagnostic(`attempt ${attempt} (cores ${cores.toFixed(2)}, ${((Date.now() - started) / 1000).toFixed(1)} s): ` + cliff.load_points.map((p) => `${p.strategy}@${p.rate_rps} p50 ${p.latency_ms?.p50.toFixed(0)} p99 ${p.latency_ms?.p99.toFixed(0)} ms, answered ${p.achieved_rps.toFixed(1)}/s, errors ${p.errors}`).join('; '));
    if (ratio >= CLIFF_MARGIN) break;
  }
  // The preset's own config ran: both strategies at every rate, its short steps, nothing failed.
  assert.equal(await nine.locator('#load-status').textContent(), `done: ${2 * rates.length} steps`);
  assert.deepEqual(cliff.load_points.map((p) => `${p.strategy}@${p.rate_rps}`), ['async', 'async-workers'].flatMap((s) => rates.map((r) => `${s}@${r}`)));
  for (const p of cliff.load_points) {
    assert.equal(p.errors, 0, `${p.strategy}@${p.rate_rps}: ${p.error_sample}`);
    assert.equal(p.duration_s, seconds);
  }
  assert.ok(highest > at('async', highest).capacity_rps && highest < at('async-workers', highest).capacity_rps);
  // The cliff: offered the very same requests, async's p99 is at least twice the workers'.
  assert.ok(ratio >= CLIFF_MARGIN, `at ${highest} req/s async's p99 ${at('async', highest).latency_ms.p99.toFixed(0)} ms is only ${ratio.toFixed(2)}× async-workers' ${at('async-workers', highest).latency_ms.p99.toFixed(0)} ms`);
  const knees = await nine.locator('#load-knees li').allTextContents();
  assert.ok(knees[0].startsWith('async saturates at 25 req/s: one thread, 40 ms of CPU each'), knees.join(' | '));
  assert.deepEqual(nineErrors, []);
  await nine.close();
});

test('the load report is the shared format and validates against the schema', () => {
  assert.ok(report, 'the load run above produced a report');
  assert.ok(validate(report), JSON.stringify(validate.errors));
  assert.equal(report.runtime, 'browser');
  assert.deepEqual(report.points, []);
  for (const p of report.load_points) {
    assert.equal(p.arrivals, 'poisson');
    assert.ok(p.latency_ms.p50 >= SPEC.io_ms, `${p.strategy}@${p.rate_rps}: faster than its own fetch`);
    assert.ok(p.latency_ms.p50 <= p.latency_ms.p90 && p.latency_ms.p90 <= p.latency_ms.p99 && p.latency_ms.p99 <= p.latency_ms.max);
    assert.ok(p.cpu_measured_ms > 0 && p.model_cpu_ms === p.cpu_measured_ms);
  }
  // The schema is not vacuous.
  assert.equal(validate({ ...report, load_points: [{ ...report.load_points[0], rate_rps: 'fast' }] }), false);
});

test('bad load specs get a clear error naming the field, at once', async () => {
  for (const [spec, field] of [
    [{ rates: [0] }, 'rates[0] must be a number above 0'],
    [{ rates: [3, -1] }, 'rates[1] must be a number above 0'],
    [{ rates: [NaN] }, 'rates[0] must be a finite number, got null'],
    [{ duration_s: 1e9 }, 'duration_s must be a number of seconds above 0 and at most 600'],
    [{ io_ms: NaN }, 'io_ms must be given a value'],
    [{ strategies: ['serial'] }, 'not one the page\'s load mode runs'],
    [{ rate: [1] }, 'unknown load config field "rate"'],
  ]) {
    const started = Date.now();
    const message = await page.evaluate((c) => window.gilwall.runLoad(c).then(() => 'it ran', (e) => e.message), spec);
    assert.ok(message.includes(field), `${JSON.stringify(spec)}: ${message}`);
    assert.ok(Date.now() - started < 2000, `${JSON.stringify(spec)} took ${Date.now() - started} ms to refuse`);
  }
  // The page is still ready for a run.
  assert.equal(await page.locator('#load-run').isDisabled(), false);
});

test('without cross-origin isolation the load mode says why wasm-threads cannot run, and refuses it', async () => {
  // The same page served without COOP/COEP: the browser then withholds SharedArrayBuffer.
  const plain = await browser.context.newPage();
  const plainErrors = [];
  plain.on('pageerror', (e) => plainErrors.push(e.message));
  await plain.route('**/*', async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['cross-origin-opener-policy'];
    delete headers['cross-origin-embedder-policy'];
    await route.fulfill({ response, headers });
  });
  await plain.goto(new URL('/?mode=load', process.env.GILWALL_URL ?? 'http://127.0.0.1:8000').href);
  await plain.waitForFunction(() => window.gilwall && window.gilwall.version, null, { timeout: 30_000 });
  assert.equal(await plain.evaluate(() => self.crossOriginIsolated), false);
  const box = plain.locator('#load-config input[value="wasm-threads"]');
  assert.equal(await box.isDisabled(), true);
  assert.match(await box.locator('xpath=..').getAttribute('title'), /not cross-origin isolated.*gilwall serve/);
  const refused = await plain.evaluate(() => window.gilwall.runLoad({ strategies: ['async', 'wasm-threads'], rates: [1], duration_s: 1 })
    .then(() => 'ran', (e) => e.message));
  assert.match(refused, /^strategies: wasm-threads cannot run on this page: this page is not cross-origin isolated/);
  assert.deepEqual(plainErrors, []);
  await plain.close();
});
