// Failures in the page are shown as failures: against a real `gilwall serve` that injects
// faults, the page's points count their failed tasks, mark a point whose every fetch failed,
// carry an error sample exactly as native points do (core's recorder builds both), get no
// schedule efficiency, and stay off the chart while the table names the failures.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { launch, ROOT } from './harness.mjs';

const BIN = process.env.GILWALL_BIN;

/** Starts `gilwall serve --port 0` on the page with `faults` (flags); resolves to {url, stop}. */
async function faultyServer(faults) {
  const child = spawn(BIN, ['serve', '--port', '0', '--www', join(ROOT, 'www'), ...faults], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('gilwall serve did not say where it listens within 20 s')), 20_000);
    lines.on('line', (line) => {
      const m = line.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (m) { clearTimeout(timer); resolve(m[0]); }
    });
    child.on('exit', (code) => reject(new Error(`gilwall serve exited (${code}) before listening`)));
  });
  return { url, stop: () => child.kill() };
}

let browser;
const servers = [];

before(async () => {
  assert.ok(BIN, 'GILWALL_BIN names the gilwall binary (cargo xtask browser sets it)');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  for (const s of servers) s.stop();
});

async function pageOn(url) {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  await page.goto(url + '/');
  await page.waitForFunction(() => window.gilwall && window.gilwall.version, null, { timeout: 30_000 });
  return { page, errors };
}

test('a point whose every fetch failed is marked, sampled, unmodelled and left off the chart', async () => {
  const server = await faultyServer(['--fail-rate', '1']);
  servers.push(server);
  const { page, errors } = await pageOn(server.url);
  const report = await page.evaluate(() => window.gilwall.run({
    strategies: ['serial', 'async', 'workers'], tasks: [1, 2], io_ms: 20, cpu_ms: 5, kernel: 'sqrt',
  }));
  assert.equal(report.points.length, 6);
  for (const p of report.points) {
    const what = `${p.strategy}@${p.tasks}`;
    assert.equal(p.all_failed, true, what);
    assert.equal(p.errors, p.tasks, what);
    assert.match(p.error_sample, /^fetch http:\/\/127\.0\.0\.1:\d+\/delay\/0\.02 failed: /, what);
    assert.equal(p.schedule_efficiency, undefined, what);
    assert.equal(p.checksum, undefined, what);
  }
  // The chart plots no point of this run; the table says what failed.
  const plotted = await page.locator('#chart circle').count();
  assert.equal(plotted, 0, 'failed points must not be drawn');
  const cells = await page.locator('#table tbody td:nth-child(6)').allTextContents();
  assert.deepEqual(cells, Array(6).fill('all tasks failed'));
  assert.match(await page.locator('#status').textContent(), /failed/);
  assert.deepEqual(errors, []);
});

test('a point with some failed fetches counts them and gets no efficiency', async () => {
  const server = await faultyServer(['--fail-rate', '0.5']);
  servers.push(server);
  const { page } = await pageOn(server.url);
  const report = await page.evaluate(() => window.gilwall.run({
    strategies: ['async'], tasks: [16], io_ms: 20, cpu_ms: 1, kernel: 'sqrt',
  }));
  const [p] = report.points;
  // The server's draws are a fixed sequence at rate 0.5: some of 16 fail, not all.
  assert.ok(p.errors > 0 && p.errors < 16, `errors ${p.errors}`);
  assert.ok(!p.all_failed, "all_failed is left out (false) when some tasks succeeded");
  assert.ok(p.error_sample?.includes('failed'), p.error_sample);
  assert.equal(p.schedule_efficiency, undefined);
  const cell = await page.locator('#table tbody td:nth-child(6)').first().textContent();
  assert.equal(cell, `${p.errors} of 16 tasks failed`);
});
