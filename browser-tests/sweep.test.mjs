// A real sweep in real Chromium against the real server: async on the main thread hits the
// wall and freezes the page; Web Workers and shared-memory wasm threads get past it and keep the
// page alive. The report it returns and downloads is the shared format, and a native report
// plots beside it.
//
// Timing claims are ratios with margins: the machine may have 2 shared, noisy cores. There,
// with io = 100 ms and cpu = 120 ms (wall.mjs's WALL_CONFIG), async at N = 4 should take
// io + 4·cpu = 580 ms and workers io + 2·cpu = 340 ms (ratio 1.71), and wasm-threads the same;
// the test asks for 1.25. That needs two cores the browser
// can actually use: on a machine busy with other work (a compile next door), Linux gives the
// browser's whole process group one fair share, and workers cannot beat the main thread. So the
// test first measures how many cores the page gets (the same task in 1 and in 2 workers) and
// waits, within a bound, for a moment when it gets two.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { launch, openPage, ROOT } from './harness.mjs';
import { WALL_CONFIG } from './wall.mjs';

const CONFIG = { strategies: ['async', 'workers', 'wasm-threads'], ...WALL_CONFIG };
const PAST_THE_WALL = ['workers', 'wasm-threads'];
const MIN_RATIO = 1.25;
const ATTEMPTS = 3;
/** How long to wait for the browser to get two cores before measuring anyway. */
const CAPACITY_WAIT_MS = 120_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let browser, page, errors, report, resp;
const schema = JSON.parse(readFileSync(join(ROOT, 'schema/report.schema.json'), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
const point = (s, n) => report.points.find((p) => p.strategy === s && p.tasks === n);

before(async () => {
  browser = await launch();
  ({ page, errors } = await openPage(browser.context));
});

after(async () => {
  await browser?.close();
});

/** Cores the page can use right now: 2 × (one task in one worker) / (two tasks in two workers). */
async function coresAvailable() {
  const probe = await page.evaluate(() => window.gilwall.run({ strategies: ['workers'], tasks: [1, 2], io_ms: 0, cpu_ms: 80, repeats: 2, kernel: 'sqrt' }));
  const [one, two] = probe.points.map((p) => p.min_ms);
  return (2 * one) / two;
}

/**
 * Waits (bounded) until the page gets about two cores twice in a row — a quiet moment rather
 * than a lucky probe — and returns the last measurement.
 */
async function waitForTwoCores(t) {
  const deadline = Date.now() + CAPACITY_WAIT_MS;
  let quiet = 0;
  for (;;) {
    const cores = await coresAvailable();
    quiet = cores >= 1.6 ? quiet + 1 : 0;
    t.diagnostic(`cores the page can use now: ${cores.toFixed(2)}`);
    if (quiet >= 2 || Date.now() > deadline) return cores;
    if (!quiet) await sleep(3000);
  }
}

test('async at N = 4 is clearly slower than workers and wasm threads, and freezes the page while they do not', async (t) => {
  const hw = await page.evaluate(() => navigator.hardwareConcurrency);
  if (hw < 2) {
    t.skip(`this machine has ${hw} core: workers cannot beat the main thread here, and the model says so`);
    return;
  }
  let ratios = {}, cores = 0;
  const passes = () => PAST_THE_WALL.every((s) => ratios[s] >= MIN_RATIO && resp[s].max_frame_gap_ms < resp.async.max_frame_gap_ms / 2);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    cores = await waitForTwoCores(t);
    report = await page.evaluate((c) => window.gilwall.run(c), CONFIG);
    resp = await page.evaluate(() => window.gilwall.responsiveness().by_strategy);
    // min over repeats: the run least disturbed by whatever else the machine is doing.
    ratios = Object.fromEntries(PAST_THE_WALL.map((s) => [s, point('async', 4).min_ms / point(s, 4).min_ms]));
    t.diagnostic(`attempt ${attempt}: ` + report.points.map((p) => `${p.strategy}@${p.tasks} ${p.samples_ms.map(Math.round).join('/')} ms (model ${Math.round(p.model_ms)})`).join('; '));
    t.diagnostic(`attempt ${attempt}: async/x at N=4 = ${JSON.stringify(ratios)}; frames: ${JSON.stringify(resp)}`);
    if (passes()) break;
  }
  assert.equal(report.points.length, 6);
  for (const p of report.points) assert.equal(p.errors, 0, `${p.strategy}@${p.tasks} had failed tasks`);
  // The same tasks give the same checksums on the main thread, in separate wasm instances and
  // on threads sharing one memory.
  for (const s of PAST_THE_WALL) {
    assert.equal(point(s, 4).checksum, point('async', 4).checksum, s);
    assert.equal(point(s, 1).checksum, point('async', 1).checksum, s);
  }
  // The wall: async grows with N (580 vs 220 ms ideally) …
  assert.ok(point('async', 4).min_ms >= 1.5 * point('async', 1).min_ms, 'async did not grow with N');
  // The meter: long frames (≥ 50 ms) during async with CPU …
  assert.ok(resp.async.long_frames >= 1 && resp.async.max_frame_gap_ms >= 50, `async: ${JSON.stringify(resp.async)}`);
  for (const s of PAST_THE_WALL) {
    // … while workers and threads get past the wall …
    assert.ok(ratios[s] >= MIN_RATIO, `async/${s} at N=4 is only ${ratios[s].toFixed(2)} (the page could use ${cores.toFixed(2)} cores)`);
    // … and the main thread stays responsive: no frame as long as async's.
    assert.ok(resp[s].max_frame_gap_ms < resp.async.max_frame_gap_ms / 2, `${s}: ${JSON.stringify(resp[s])}`);
    assert.ok(resp[s].long_frames < resp.async.long_frames, s);
  }
  // The table shows every point.
  assert.equal(await page.locator('#table tbody tr').count(), 6);
});

test('the returned report is the shared format, with the browser as machine and the model filled in', () => {
  assert.ok(validate(report), JSON.stringify(validate.errors));
  assert.equal(report.runtime, 'browser');
  assert.match(report.machine.user_agent, /Chrome/);
  assert.ok(report.machine.cores >= 1);
  for (const p of report.points) {
    assert.ok(p.model_ms > 0 && p.median_ms > 0 && p.efficiency > 0);
    assert.equal(p.samples_ms.length, CONFIG.repeats);
  }
  // The async model is the wall: io + N·cpu.
  assert.equal(point('async', 4).model_ms, CONFIG.io_ms + 4 * CONFIG.cpu_ms);
  // The schema is not vacuous.
  assert.equal(validate({ ...report, runtime: 'jvm' }), false);
});

test('the downloaded JSON validates against the report schema', async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const saved = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.match(download.suggestedFilename(), /^gilwall-browser-.*\.json$/);
  assert.ok(validate(saved), JSON.stringify(validate.errors));
  assert.deepEqual(saved, report);
});

test('a native report loaded from a file is plotted beside the browser run', async () => {
  const fixture = join(ROOT, 'browser-tests/fixtures/native-report.json');
  const native = JSON.parse(readFileSync(fixture, 'utf8'));
  assert.ok(validate(native), 'the fixture itself follows the schema');
  await page.setInputFiles('#load', fixture);
  await page.waitForFunction(() => document.querySelectorAll('#loaded li').length === 1);
  const legend = await page.locator('#legend li').allTextContents();
  assert.ok(legend.some((l) => l.startsWith('native threads')), legend.join(' | '));
  assert.ok(legend.some((l) => l.startsWith('native gil')), legend.join(' | '));
  assert.ok(legend.some((l) => l.startsWith('browser async')), legend.join(' | '));
  // Loaded series are drawn with square markers: one per native point.
  assert.equal(await page.locator('#chart rect').count(), native.points.length);
  const sources = await page.locator('#table tbody tr td:first-child').allTextContents();
  assert.equal(sources.filter((s) => s.startsWith('native')).length, native.points.length);
  assert.deepEqual(errors, []);
});
