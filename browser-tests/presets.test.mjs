// The page's presets and colours come from core's tables through the wasm module: the buttons
// are core's presets in core's order (the load mode's too), /?lesson=N opens the preset or load
// preset core's lesson table names, /?load=ID a load preset, and every strategy wears the
// colour core gives it (the same as on the gilwall command's charts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, ROOT } from './harness.mjs';

let browser, page, errors;

/** The wasm module's own answers, from the instance the page already initialised. */
const fromWasm = (p) => p.evaluate(async () => {
  const wasm = await import('/pkg/gilwall_web.js');
  return { presets: wasm.presets(), loadPresets: wasm.load_presets(), colours: wasm.strategy_colours() };
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
  // A lesson past the last names how many there are.
  const { page: ten } = await openPage(browser.context, '/?lesson=10');
  assert.match((await controls(ten)).status, /there is no lesson 10; the lessons are 1-9/);
  await ten.close();
  const { page: typo } = await openPage(browser.context, '/?preset=nope');
  assert.match((await controls(typo)).status, /there is no preset "nope"; the presets are: serial, async-io, the-wall/);
  await typo.close();
});

/** What the load mode's controls say now, and whether it is the mode shown. */
const loadControls = (p) => p.evaluate(() => {
  const f = document.querySelector('#load-config').elements;
  return {
    shown: !document.querySelector('#load-section').hidden && document.querySelector('#controls').hidden,
    preset: document.querySelector('#load-presets button.active')?.dataset.preset ?? null,
    strategies: [...document.querySelectorAll('#load-config input[name="load-strategy"]:checked')].map((i) => i.value),
    rates: f.rates.value, io_ms: f.io_ms.value, cpu_ms: f.cpu_ms.value, duration_s: f.duration_s.value,
    note: document.querySelector('#load-note').textContent,
    status: document.querySelector('#load-status').textContent,
    error: document.querySelector('#load-status').className === 'error',
  };
});

test('the load mode\'s buttons are core\'s load presets; /?lesson=9 opens the cliff in it, /?load=ID any', async () => {
  const { loadPresets } = await fromWasm(page);
  const buttons = await page.locator('#load-presets button').evaluateAll((els) => els.map((b) => [b.dataset.preset, b.textContent]));
  assert.deepEqual(buttons, loadPresets.map((p) => [p.id, p.label]));
  const table = readFileSync(join(ROOT, 'core/src/lesson/load_presets.rs'), 'utf8');
  const script = readFileSync(join(ROOT, 'www/load.js'), 'utf8');
  for (const p of loadPresets) {
    assert.ok(table.includes(`label: "${p.label}"`), `${p.label} is not in core's table`);
    assert.ok(!script.includes(p.label), `${p.label} is written in load.js too`);
  }
  assert.deepEqual(loadPresets.filter((p) => p.default).map((p) => p.id), ['service']);
  const cliff = loadPresets.find((p) => p.lessons.includes(9));
  assert.equal(cliff?.id, 'the-cliff', 'core\'s lesson 9 opens the cliff');

  // Lesson 9 runs natively, and the page opens its browser twin: the load mode with the cliff.
  const { page: nine, errors: nineErrors } = await openPage(browser.context, '/?lesson=9');
  const now = await loadControls(nine);
  assert.deepEqual(
    { ...now, note: undefined },
    {
      shown: true, preset: 'the-cliff', strategies: ['async', 'async-workers'], rates: '5,13,20,30', io_ms: '100',
      cpu_ms: '40', duration_s: '2.5', note: undefined, status: now.status, error: false,
    },
  );
  assert.match(now.note, /^Lesson 9 in the page/);
  assert.doesNotMatch(now.status + (await controls(nine)).status, /natively/);
  assert.equal(await nine.locator('#mode input[value="load"]').isChecked(), true);
  assert.deepEqual(nineErrors, []);
  await nine.close();

  const { page: same } = await openPage(browser.context, '/?load=same-rates');
  assert.deepEqual([(await loadControls(same)).shown, (await loadControls(same)).preset], [true, 'same-rates']);
  await same.close();
  // A load preset that does not exist is named, with the ones that do.
  const { page: typo } = await openPage(browser.context, '/?load=nope');
  const refused = await loadControls(typo);
  assert.ok(refused.shown && refused.error, JSON.stringify(refused));
  assert.equal(refused.status, `there is no load preset "nope"; the load presets are: ${loadPresets.map((p) => p.id).join(', ')}`);
  assert.match(refused.status, /service, same-rates, the-cliff/);
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
