// The page loads cleanly in real Chromium, its wasm computes the checksum pinned natively, and
// bad input is refused with an error that names the field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, ROOT } from './harness.mjs';

let browser, page, errors;

before(async () => {
  browser = await launch();
  ({ page, errors } = await openPage(browser.context));
});

after(async () => {
  await browser?.close();
});

test('the page loads with no console errors and is cross-origin isolated', async () => {
  const cargo = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8');
  const version = cargo.match(/\[workspace\.package\][^[]*?version = "([^"]+)"/)[1];
  assert.equal(await page.evaluate(() => window.gilwall.version), version);
  // COOP + COEP from gilwall serve: what shared-memory wasm threads need.
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
  assert.equal(await page.locator('#run').isEnabled(), true);
  // Every browser strategy is offered and runnable here.
  const boxes = await page.locator('#strategies input').evaluateAll((els) => els.map((e) => [e.value, e.disabled]));
  assert.deepEqual(boxes, [['serial', false], ['async', false], ['workers', false], ['async-workers', false], ['wasm-threads', false]]);
  assert.equal(await page.locator('#unavailable').textContent(), '');
  assert.deepEqual(errors, []);
});

test('the features checksum computed in wasm equals the value pinned natively', async () => {
  // The constant as core's source pins it (and core's native unit test checks it).
  const source = readFileSync(join(ROOT, 'core/src/kernel.rs'), 'utf8');
  const pinned = source.match(/PINNED_FEATURES_CHECKSUM: u64 = 0x([0-9a-f_]+);/)[1].replaceAll('_', '');
  const got = await page.evaluate(async () => {
    const c = window.gilwall.pinnedFeaturesCase();
    // The payload comes from the native server; the kernel runs in this page's wasm.
    const res = await fetch(`/features?delay_ms=0&size=${c.size}&seed=${c.seed}`);
    const body = new Uint8Array(await res.arrayBuffer());
    return { expected: c.checksum, computed: window.gilwall.featuresChecksum(body, c.passes) };
  });
  assert.equal(got.expected, pinned);
  assert.equal(got.computed, pinned);
});

test('a bad config is rejected with an error that names the field', async () => {
  const cases = [
    [{ tasks: [0] }, /^tasks must be between 1 and 100000, got 0$/],
    [{ tasks: [1, 'many'] }, /^tasks\[1\]: invalid type: string "many", expected u32/],
    [{ io_ms: -5 }, /^io_ms must be a number from 0 to 60000, got -5$/],
    [{ cpu_ms: 10, cpu_ratio: 0.5 }, /^give only one of cpu_ms, cpu_ratio and cpu_iters/],
    [{ strategies: ['threads'] }, /^strategies: "threads" runs only natively/],
    [{ strategies: ['turbo'] }, /^strategies\[0\]: unknown variant `turbo`, expected one of/],
    [{ payload_kb: 1e9 }, /^payload_kb must be between 0 and 16384/],
    [{ io_ms: null }, /^io_ms: invalid type: null, expected f64/],
    [{ http2: true }, /^http2: the page speaks HTTP\/1.1/],
    [{ repeats: 0 }, /^repeats must be between 1 and 1000, got 0$/],
    [{ workers: 99 }, /^workers must be between 1 and 32/],
    [{ taks: [1] }, /^unknown config field "taks"/],
    ['fast please', /^the config must be an object/],
  ];
  for (const [config, pattern] of cases) {
    const message = await page.evaluate(
      (c) => window.gilwall.run(c).then(() => 'resolved', (e) => `${e instanceof Error ? '' : 'not an Error: '}${e.message}`),
      config,
    );
    assert.match(message, pattern, `config ${JSON.stringify(config)}`);
  }
  // A refused config leaves the page ready for the next run.
  assert.equal(await page.locator('#run').isEnabled(), true);
  assert.deepEqual(errors, []);
});

test('a broken saved report is refused with a message saying what is wrong', async () => {
  const message = await page.evaluate(() => {
    try {
      window.gilwall.load({ schema_version: 9, points: [] }, 'future.json');
      return 'loaded';
    } catch (e) {
      return e.message;
    }
  });
  assert.match(message, /schema_version 9.*newer gilwall/);
});

test('async with I/O only stays flat: concurrent fetches of one URL really overlap', async (t) => {
  // Article step 2. The sqrt kernel fetches the same /delay URL for every task, which Chromium's
  // HTTP cache would otherwise let through one at a time. N = 6 is the most HTTP/1.1
  // connections a browser opens to one host.
  const io = await page.evaluate(() => window.gilwall.run({ strategies: ['async'], tasks: [1, 6], io_ms: 150, cpu_ms: 0, kernel: 'sqrt' }));
  const [one, six] = io.points.map((p) => p.min_ms);
  t.diagnostic(`async, I/O only: N=1 ${Math.round(one)} ms, N=6 ${Math.round(six)} ms`);
  assert.ok(six < 1.5 * one, `6 concurrent fetches took ${Math.round(six)} ms, one took ${Math.round(one)} ms`);
});

test('Stop ends a sweep after the run under way, with the points measured so far', async () => {
  const result = await page.evaluate(async () => {
    const running = window.gilwall.run({ strategies: ['async'], tasks: [1, 2, 3, 4, 5, 6], io_ms: 200, cpu_ms: 0, kernel: 'sqrt', repeats: 2 });
    await new Promise((r) => setTimeout(r, 700));
    window.gilwall.stop();
    const report = await running;
    return { points: report.points.length, status: document.querySelector('#status').textContent, runEnabled: !document.querySelector('#run').disabled };
  });
  assert.ok(result.points >= 1 && result.points < 6, `${result.points} points`);
  assert.match(result.status, /stopp/);
  assert.equal(result.runEnabled, true);
  assert.deepEqual(errors, []);
});

test('every strategy computes the same checksums for the same tasks', async () => {
  // serial and async run in this page's wasm; workers fetch and compute in their own instances;
  // async-workers copy each fetched payload to a worker; wasm-threads compute on threads that
  // share one memory, in the shared-memory build. The kernels must agree bit for bit.
  const all = ['serial', 'async', 'workers', 'async-workers', 'wasm-threads'];
  const r = await page.evaluate((strategies) => window.gilwall.run({
    strategies, tasks: [3], io_ms: 20, cpu_ms: 10, kernel: 'features', payload_kb: 8,
  }), all);
  assert.deepEqual(r.points.map((p) => p.strategy), all);
  for (const p of r.points) {
    assert.equal(p.errors, 0, p.strategy);
    assert.match(p.checksum, /^[0-9a-f]{16}$/);
    assert.equal(p.checksum, r.points[0].checksum, `${p.strategy} disagrees with serial`);
    assert.equal(p.payload_bytes, 8 * 1024);
  }
  // The model per strategy: serial N·(io + cpu); async io + N·cpu.
  assert.equal(r.points[0].model_ms, 3 * (20 + 10));
  assert.equal(r.points[1].model_ms, 20 + 3 * 10);
  assert.equal(r.points[2].workers, 3);
  assert.equal(r.points[4].workers, 3);
  assert.deepEqual(errors, []);
});

test('with 4 MiB payloads the workers pay for copies between heaps and wasm threads do not', async () => {
  const r = await page.evaluate(() => window.gilwall.run({
    strategies: ['workers', 'async-workers', 'wasm-threads', 'async'], tasks: [2], io_ms: 20, cpu_ms: 30, kernel: 'features', payload_kb: 4096,
  }));
  const at = (s) => r.points.find((p) => p.strategy === s);
  const body = at('workers').copied_bytes;
  // workers: each task's features come back to the page (the article's pickled result) …
  assert.ok(body >= 4 << 20 && body < 5 << 20, `workers copied ${body} bytes per task`);
  assert.ok(at('workers').copy_ms > 0, JSON.stringify(at('workers')));
  // … async-workers also send the fetched payload out to the worker first …
  assert.equal(at('async-workers').copied_bytes, 2 * body);
  assert.ok(at('async-workers').copy_ms > 0);
  // … threads share the memory the fetch wrote into, and the page's own async copies nothing.
  assert.equal(at('wasm-threads').copied_bytes, 0);
  assert.equal(at('wasm-threads').copy_ms, 0);
  assert.equal(at('async').copied_bytes, undefined);
  for (const p of r.points) assert.equal(p.checksum, r.points[0].checksum, p.strategy);
  // The chart can show what each strategy's tasks spent copying: one line per strategy that
  // crosses heaps or shares one (async stays in the page and has nothing to show).
  const thisRun = async () => (await page.locator('#legend li').allTextContents()).filter((l) => l.startsWith('browser '));
  assert.equal((await thisRun()).length, 4);
  await page.selectOption('#measure', 'copy');
  const copyLegend = await thisRun();
  assert.equal(copyLegend.length, 3, copyLegend.join(' | '));
  assert.match(await page.locator('#chart').textContent(), /copy time per task/);
  await page.selectOption('#measure', 'makespan');
  assert.equal((await thisRun()).length, 4);
  assert.deepEqual(errors, []);
});

test('without cross-origin isolation the page says why wasm-threads cannot run, and refuses it', async () => {
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
  await plain.goto(new URL('/', process.env.GILWALL_URL ?? 'http://127.0.0.1:8000').href);
  await plain.waitForFunction(() => window.gilwall && window.gilwall.version, null, { timeout: 30_000 });
  assert.equal(await plain.evaluate(() => self.crossOriginIsolated), false);
  assert.equal(await plain.locator('#strategies input[value="wasm-threads"]').isDisabled(), true);
  assert.match(await plain.locator('#unavailable').textContent(), /wasm-threads: this page is not cross-origin isolated.*gilwall serve/);
  const refused = await plain.evaluate(() => window.gilwall.run({ strategies: ['wasm-threads'], tasks: [1], io_ms: 0, cpu_ms: 1 })
    .then(() => 'ran', (e) => e.message));
  assert.match(refused, /^strategies: wasm-threads cannot run on this page: this page is not cross-origin isolated/);
  // The other strategies still run.
  const ok = await plain.evaluate(() => window.gilwall.run({ strategies: ['workers'], tasks: [1], io_ms: 0, cpu_ms: 1 }));
  assert.equal(ok.points[0].errors, 0);
  assert.deepEqual(plainErrors, []);
  await plain.close();
});

test('without the shared-memory build, wasm-threads fails with how to build it, and the page goes on', async () => {
  const bare = await browser.context.newPage();
  // As if `cargo xtask web` could not make www/pkg-threads (no nightly toolchain).
  await bare.route('**/pkg-threads/**', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await bare.goto(new URL('/', process.env.GILWALL_URL ?? 'http://127.0.0.1:8000').href);
  await bare.waitForFunction(() => window.gilwall && window.gilwall.version, null, { timeout: 30_000 });
  const refused = await bare.evaluate(() => window.gilwall.run({ strategies: ['wasm-threads'], tasks: [1], io_ms: 0, cpu_ms: 1 })
    .then(() => 'ran', (e) => e.message));
  assert.match(refused, /www\/pkg-threads\/ is missing or failed to start; `cargo xtask web` builds it/);
  const ok = await bare.evaluate(() => window.gilwall.run({ strategies: ['async'], tasks: [1], io_ms: 0, cpu_ms: 1 }));
  assert.equal(ok.points[0].errors, 0);
  await bare.close();
});

test('a workshop lesson link opens the matching preset', async () => {
  const { page: lessonPage, errors: lessonErrors } = await openPage(browser.context, '/?lesson=4');
  const active = await lessonPage.locator('#presets button.active').textContent();
  assert.match(active, /Web Workers/);
  const checked = await lessonPage.locator('#strategies input:checked').evaluateAll((els) => els.map((e) => e.value));
  assert.deepEqual(checked, ['async', 'workers']);
  assert.deepEqual(lessonErrors, []);
  await lessonPage.close();
  // Lesson 5, free threads, opens the wasm threads preset.
  const { page: five } = await openPage(browser.context, '/?lesson=5');
  assert.match(await five.locator('#presets button.active').textContent(), /wasm threads/);
  const five_checked = await five.locator('#strategies input:checked').evaluateAll((els) => els.map((e) => e.value));
  assert.deepEqual(five_checked, ['async', 'workers', 'wasm-threads']);
  await five.close();
});
