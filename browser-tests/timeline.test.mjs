// The page's timelines: every browser strategy's report carries one repeat's spans per point,
// on lanes that say where the work ran, and their shapes are the article's: under `async` the
// kernels run one after another on the main thread (a staircase, answers queuing behind it);
// with `workers` they run side by side on several Web Workers; every task fetches before it
// computes. The meter still shows `async` freezing the main thread, and the page shows any
// point's timeline when it is clicked, a loaded report's included.
//
// Shapes only, no speeds: spans overlap in wall time on a loaded machine too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { launch, openPage, ROOT } from './harness.mjs';

const ALL = ['serial', 'async', 'workers', 'async-workers', 'wasm-threads'];
const N = 4;
const CONFIG = { strategies: ALL, tasks: [N], io_ms: 100, cpu_ms: 50, kernel: 'features', payload_kb: 4 };

let browser, page, errors, report;
const schema = JSON.parse(readFileSync(join(ROOT, 'schema/report.schema.json'), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
const point = (s) => report.points.find((p) => p.strategy === s);
/** A point's spans with their task and lane name. */
const spans = (p) => p.timeline.tasks.flatMap((t) => t.spans.map((s) => ({ ...s, task: t.task, laneName: p.timeline.lanes[s.lane].name })));

before(async () => {
  browser = await launch();
  ({ page, errors } = await openPage(browser.context));
  report = await page.evaluate((c) => window.gilwall.run(c), CONFIG);
});

after(async () => {
  await browser?.close();
});

test('every browser strategy records a timeline of every task, on lanes named for where it ran', () => {
  assert.ok(validate(report), JSON.stringify(validate.errors));
  const lanes = {
    serial: /^main thread$/,
    async: /^main thread$/,
    workers: /^(main thread|Web Worker \d+)$/,
    'async-workers': /^(main thread|Web Worker \d+)$/,
    'wasm-threads': /^(event loop|pool thread \d+)$/,
  };
  for (const s of ALL) {
    const p = point(s);
    assert.equal(p.errors, 0, s);
    assert.equal(p.timeline?.traced_tasks, N, `${s}: ${JSON.stringify(p.timeline)}`);
    for (const l of p.timeline.lanes) assert.match(l.name, lanes[s], s);
    for (const sp of spans(p)) {
      assert.ok(sp.start_ms >= 0 && sp.end_ms >= sp.start_ms, `${s}: ${JSON.stringify(sp)}`);
      // On the repeat's clock: nothing after the repeat ended (1 ms for clock readings).
      assert.ok(sp.end_ms <= p.samples_ms[p.timeline.repeat] + 1, `${s}: ${JSON.stringify(sp)} after ${p.samples_ms[0]}`);
    }
    // Each task's fetch comes before its kernel.
    for (const t of p.timeline.tasks) {
      const fetches = t.spans.filter((x) => x.kind === 'fetch');
      const cpu = t.spans.filter((x) => x.kind === 'cpu');
      assert.equal(cpu.length, 1, `${s} task ${t.task}`);
      assert.ok(fetches.length >= 1, `${s} task ${t.task} has no fetch`);
      assert.ok(Math.max(...fetches.map((f) => f.end_ms)) <= cpu[0].start_ms + 0.01, `${s} task ${t.task}: ${JSON.stringify(t.spans)}`);
    }
  }
  // Where the work ran: kernels on workers and pool threads; copies only where heaps differ.
  assert.ok(spans(point('workers')).filter((x) => x.kind === 'cpu').every((x) => x.laneName.startsWith('Web Worker')));
  assert.ok(spans(point('wasm-threads')).filter((x) => x.kind === 'cpu').every((x) => x.laneName.startsWith('pool thread')));
  assert.ok(spans(point('async-workers')).some((x) => x.kind === 'copy' && x.laneName === 'main thread'));
  assert.ok(!spans(point('wasm-threads')).some((x) => x.kind === 'copy'));
});

test("async's kernels run one at a time on the main thread, and the answers that came in meanwhile wait", () => {
  const cpu = spans(point('async')).filter((x) => x.kind === 'cpu').sort((a, b) => a.start_ms - b.start_ms);
  assert.equal(cpu.length, N);
  assert.equal(new Set(cpu.map((x) => x.lane)).size, 1);
  for (let i = 1; i < cpu.length; i++) assert.ok(cpu[i - 1].end_ms <= cpu[i].start_ms + 0.01, JSON.stringify(cpu));
  // All four answers are in at about the same time; the ones behind a kernel wait for the loop
  // (Resource Timing's responseEnd, not when the busy thread got round to them).
  const waits = point('async').timeline.tasks.map((t) => t.spans.filter((x) => x.kind === 'wait-cpu').reduce((a, x) => a + x.end_ms - x.start_ms, 0));
  const waited = waits.filter((w) => w >= 0.4 * CONFIG.cpu_ms).length;
  assert.ok(waited >= N - 2, `waits per task: ${waits.map(Math.round).join(', ')} ms`);
});

test("workers' kernels overlap on at least two Web Workers", () => {
  const cpu = spans(point('workers')).filter((x) => x.kind === 'cpu');
  assert.ok(new Set(cpu.map((x) => x.lane)).size >= 2, JSON.stringify(cpu));
  const overlapping = cpu.some((a) => cpu.some((b) => a.lane !== b.lane && a.start_ms < b.end_ms && b.start_ms < a.end_ms));
  assert.ok(overlapping, JSON.stringify(cpu));
});

test("the report says what the page's main thread cost each point", () => {
  // The harness lends the page its thread's CPU clock; async computes on the main thread.
  for (const s of ALL) assert.ok(point(s).main_thread_cpu >= 0, `${s}: ${point(s).main_thread_cpu}`);
  assert.ok(point('workers').main_thread_cpu < point('async').main_thread_cpu / 2,
    `workers ${point('workers').main_thread_cpu}, async ${point('async').main_thread_cpu}`);
});

test('the meter shows async freezing the main thread', async () => {
  // Right after a run of async with CPU, the meter's painter shows the long gap it saw.
  await page.evaluate(() => window.gilwall.run({ strategies: ['async'], tasks: [3], io_ms: 50, cpu_ms: 80 }));
  const shown = await page.evaluate(() => window.gilwall.meterShown());
  assert.ok(shown.longest_gap_ms >= 80, JSON.stringify(shown));
  const resp = await page.evaluate(() => window.gilwall.responsiveness().by_strategy);
  assert.ok(resp.async.max_frame_gap_ms >= 80 && resp.async.long_frames >= 1, JSON.stringify(resp));
});

test("clicking a point shows its timeline, a loaded report's too", async () => {
  // The last run's async point, then the same report loaded as a saved file.
  const last = await page.evaluate(() => window.gilwall.report());
  await page.evaluate((r) => window.gilwall.load(r, 'saved.json'), last);
  const pick = async (prefix, loaded) => {
    const hits = page.locator('#chart .pick');
    const titles = await hits.evaluateAll((els) => els.map((e) => e.querySelector('title').textContent));
    const i = titles.findIndex((t) => t.startsWith(prefix) && t.includes('saved.json') === loaded);
    assert.ok(i >= 0, `no point titled ${prefix}: ${titles.join(' | ')}`);
    await hits.nth(i).dispatchEvent('click');
  };
  await pick('browser async', false);
  assert.match(await page.locator('#timeline').textContent(), /browser async .*N = 3/);
  assert.equal(await page.locator('#timeline rect.span.cpu').count(), 3);
  assert.ok(await page.locator('#timeline rect.span.wait-cpu').count() >= 1);
  assert.equal(await page.locator('#timeline-legend li').count(), 4);
  await pick('browser async', true);
  assert.match(await page.locator('#timeline').textContent(), /saved\.json/);
  assert.equal(await page.locator('#timeline rect.span.cpu').count(), 3);
  assert.deepEqual(errors, []);
});
