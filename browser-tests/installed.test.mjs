// What a user installs: `cargo xtask install` builds a gilwall with the page inside (here a
// debug-profile install into a scratch root, GILWALL_INSTALLED_BIN, made by `cargo xtask
// browser`). Run from an empty folder, far from any www/, its `serve` serves the page, both wasm
// builds as application/wasm with the isolation headers, and the page shows the wall.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from './harness.mjs';
import { startServer, openAt, measureWall, MIN_RATIO } from './wall.mjs';

const BIN = process.env.GILWALL_INSTALLED_BIN;
let server, empty, browser;

before(async () => {
  if (!BIN) return;
  empty = mkdtempSync(join(tmpdir(), 'gilwall-empty-'));
  server = await startServer(BIN, ['serve', '--port', '0'], { cwd: empty, pattern: /demo page at (http:\/\/\S+)/ });
  browser = await launch();
});

after(async () => {
  server?.stop();
  await browser?.close();
  if (empty) rmSync(empty, { recursive: true, force: true });
});

test('the installed gilwall serves the page from inside itself, from an empty folder', { skip: !BIN && 'GILWALL_INSTALLED_BIN is not set (cargo xtask browser sets it)' }, async () => {
  assert.match(server.line, /inside this binary/);
  const index = await fetch(server.url + '/');
  assert.equal(index.status, 200);
  assert.match(await index.text(), /<script type="module" src="app.js"><\/script>/);
  assert.equal(index.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal(index.headers.get('cross-origin-embedder-policy'), 'require-corp');
  for (const wasm of ['/pkg/gilwall_web_bg.wasm', '/pkg-threads/gilwall_web_bg.wasm']) {
    const r = await fetch(server.url + wasm);
    assert.equal(r.status, 200, wasm);
    assert.equal(r.headers.get('content-type'), 'application/wasm', wasm);
    const bytes = new Uint8Array(await r.arrayBuffer());
    assert.deepEqual([...bytes.slice(0, 4)], [0, 0x61, 0x73, 0x6d], `${wasm} is a wasm module`);
  }
  assert.equal((await fetch(server.url + '/no-such-file.js')).status, 404);
  assert.equal((await fetch(server.url + '/features?size=64&seed=1')).status, 200);
});

test('on the installed page, async at N = 4 is clearly slower than workers (the wall)', { skip: !BIN && 'GILWALL_INSTALLED_BIN is not set' }, async (t) => {
  const { page, errors } = await openAt(browser.context, server.url + '/');
  const { report, ratios, cores } = await measureWall(t, page, ['workers']);
  for (const p of report.points) assert.equal(p.errors, 0, `${p.strategy}@${p.tasks} had failed tasks`);
  assert.equal(report.machine.page_mode, 'served');
  assert.ok(ratios.workers >= MIN_RATIO, `async/workers at N=4 is only ${ratios.workers.toFixed(2)} (the page could use ${cores.toFixed(2)} cores)`);
  assert.deepEqual(errors, []);
  await page.close();
});
