// The page's presets and colours come from core's tables through the wasm module: the buttons
// are core's presets in core's order, /?lesson=N opens the preset core's lesson table names, and
// every strategy wears the colour core gives it (the same as on the gilwall command's charts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, ROOT } from './harness.mjs';

let browser, page, errors;

/** The wasm module's own answers, from the instance the page already initialised. */
const fromWasm = (p) => p.evaluate(async () => {
  const wasm = await import('/pkg/gilwall_web.js');
  return { presets: wasm.presets(), colours: wasm.strategy_colours() };
});

/** Every strategy's colour as core's source writes it: `StrategyId::AsyncRayon` → `async-rayon`. */
function coreColours() {
  const source = readFileSync(join(ROOT, 'core/src/strategy.rs'), 'utf8');
  const out = {};
  for (const [, variant, colour] of source.matchAll(/id: StrategyId::(\w+),[\s\S]*?colour: "(#[0-9a-f]{6})"/g)) {
    out[variant.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()] = colour;
  }
  return out;
}

/** `#rrggbb` as the browser reports a computed colour. */
function rgb(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}

/** What the page's controls say now. */
const controls = (p) => p.evaluate(() => {
  const f = document.querySelector('#config').elements;
  return {
    preset: document.querySelector('#presets button.active')?.dataset.preset ?? null,
    label: document.querySelector('#presets button.active')?.textContent ?? null,
    strategies: [...document.querySelectorAll('#strategies input:checked')].map((i) => i.value),
    tasks: f.tasks.value, io_ms: f.io_ms.value, cpu: f.cpu.value, cpu_mode: f.cpu_mode.value,
    kernel: f.kernel.value, payload_kb: f.payload_kb.value, chart: document.querySelector('#measure').value,
    status: document.querySelector('#status').textContent,
  };
});

before(async () => {
  browser = await launch();
  ({ page, errors } = await openPage(browser.context));
});

after(async () => {
  await browser?.close();
});

test('the preset buttons are core\'s presets, from wasm, and the wall opens by default', async () => {
  const { presets } = await fromWasm(page);
  const buttons = await page.locator('#presets button').evaluateAll((els) => els.map((b) => [b.dataset.preset, b.textContent]));
  assert.deepEqual(buttons, presets.map((p) => [p.id, p.label]));
  // The labels are core's: each is written in core's preset table, and none in the page's script.
  const table = readFileSync(join(ROOT, 'core/src/lesson/presets.rs'), 'utf8');
  const script = readFileSync(join(ROOT, 'www/app.js'), 'utf8');
  for (const p of presets) {
    assert.ok(table.includes(`label: "${p.label}"`), `${p.label} is not in core's table`);
    assert.ok(!script.includes(p.label), `${p.label} is written in app.js too`);
  }
  assert.deepEqual(presets.filter((p) => p.default).map((p) => p.id), ['the-wall']);
  const now = await controls(page);
  assert.equal(now.preset, 'the-wall');
  assert.equal(now.label, '3 · async + CPU: the wall');
  assert.deepEqual(errors, []);
});

test('/?lesson=3 opens the wall preset with its config, and /?preset=ID opens that preset', async () => {
  const { page: three, errors: threeErrors } = await openPage(browser.context, '/?lesson=3');
  const wall = await controls(three);
  assert.deepEqual(
    { ...wall, status: undefined },
    {
      preset: 'the-wall', label: '3 · async + CPU: the wall', strategies: ['async'], tasks: '1,2,4,6', io_ms: '300',
      cpu: '0.5', cpu_mode: 'ratio', kernel: 'features', payload_kb: '1', chart: 'makespan', status: undefined,
    },
  );
  assert.match(await three.locator('#preset-note').textContent(), /^Step 3/);
  assert.deepEqual(threeErrors, []);
  await three.close();

  const { page: pickling } = await openPage(browser.context, '/?preset=pickling');
  const copy = await controls(pickling);
  assert.equal(copy.preset, 'pickling');
  assert.equal(copy.chart, 'copy', 'the pickling preset charts the copy time');
  assert.deepEqual([copy.tasks, copy.payload_kb], ['1,2,4', '4096']);
  // The boxes are checked in the page's order of strategies, not the preset's.
  assert.deepEqual(copy.strategies, ['workers', 'async-workers', 'wasm-threads']);
  await pickling.close();

  // Lesson 8 has no preset (it runs natively) and the page says so; a preset that does not exist
  // is named, with the ones that do.
  const { page: eight } = await openPage(browser.context, '/?lesson=8');
  const native = await controls(eight);
  assert.equal(native.preset, 'the-wall', 'the default stays');
  assert.match(native.status, /lesson 8, .*convoy effect, runs only natively: gilwall workshop 8/);
  await eight.close();
  // Lesson 9, the load, also runs natively; a lesson past the last names how many there are.
  const { page: nine } = await openPage(browser.context, '/?lesson=9');
  assert.match((await controls(nine)).status, /lesson 9, The cliff: latency under load, runs only natively: gilwall workshop 9/);
  await nine.close();
  const { page: ten } = await openPage(browser.context, '/?lesson=10');
  assert.match((await controls(ten)).status, /there is no lesson 10; the lessons are 1-9/);
  await ten.close();
  const { page: typo } = await openPage(browser.context, '/?preset=nope');
  assert.match((await controls(typo)).status, /there is no preset "nope"; the presets are: serial, async-io, the-wall/);
  await typo.close();
});

test('every strategy wears core\'s colour: swatches, chart lines and loaded reports', async () => {
  const core = coreColours();
  assert.equal(Object.keys(core).length, 10, JSON.stringify(core));
  const { colours } = await fromWasm(page);
  assert.deepEqual(colours, core);
  const swatches = await page.locator('#strategies label').evaluateAll((labels) => labels.map((l) => [
    l.querySelector('input').value, getComputedStyle(l.querySelector('.swatch')).backgroundColor,
  ]));
  assert.equal(swatches.length, 5);
  for (const [id, colour] of swatches) assert.equal(colour, rgb(core[id]), id);

  // A tiny run draws each strategy's line in that colour…
  await page.evaluate(() => window.gilwall.run({ strategies: ['serial', 'async'], tasks: [1], io_ms: 0, cpu_ms: 1, kernel: 'sqrt' }));
  const strokes = await page.locator('#chart path').evaluateAll((paths) => paths.map((p) => p.getAttribute('stroke')));
  for (const id of ['serial', 'async']) assert.ok(strokes.includes(core[id]), `${id}: ${strokes.join(', ')}`);
  // … and a loaded native report's strategies wear theirs, even those the page does not run.
  const fixture = readFileSync(join(ROOT, 'browser-tests/fixtures/native-report.json'), 'utf8');
  await page.evaluate((text) => window.gilwall.load(text, 'native.json'), fixture);
  const squares = await page.locator('#chart rect').evaluateAll((rects) => rects.map((r) => r.getAttribute('stroke')));
  const strategies = new Set(JSON.parse(fixture).points.map((p) => p.strategy));
  for (const id of strategies) assert.ok(squares.includes(core[id]), `native ${id}: ${squares.join(', ')}`);
  assert.deepEqual(errors, []);
});
