// Shared by installed.test.mjs and static.test.mjs (not a test): start a server process and read
// where it listens, open the page at any URL across the static page's one reload, and measure
// the wall — async against strategies past it at N = 4 — the way sweep.test.mjs does: ratios of
// the least disturbed repeat, after waiting (bounded) for a moment when the page gets two cores.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

// 120 ms of CPU per task: the model has async/workers at N = 4 at (100 + 4 × 120) ÷ (100 + 2 × 120)
// = 1.71 on 2 cores, room above MIN_RATIO for a shared machine. (With 60 ms the model allows only
// 1.55; the tests passed with it while the page's calibration made every kernel take twice the
// CPU asked, which is fixed.)
export const WALL_CONFIG = { tasks: [1, 4], io_ms: 100, cpu_ms: 120, repeats: 3, kernel: 'features', payload_kb: 4 };
export const MIN_RATIO = 1.25;
const ATTEMPTS = 3;
const CAPACITY_WAIT_MS = 120_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Spawns `cmd args` (in `cwd`) and resolves to `{child, url, line}` once a line of its output
 * matches `pattern`, whose first group is the base URL. The child is killed by `stop()`.
 */
export function startServer(cmd, args, { cwd, pattern, stream = 'stdout' }) {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const seen = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill(); reject(new Error(`${cmd} did not say where it listens within 30 s; it printed: ${seen.join(' | ')}`)); }, 30_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${cmd} exited (${code}) before listening: ${seen.join(' | ')}`)); });
    for (const s of ['stdout', 'stderr']) {
      createInterface({ input: child[s] }).on('line', (line) => {
        seen.push(line);
        const m = s === stream && line.match(pattern);
        if (m) {
          clearTimeout(timer);
          resolve({ child, url: m[1].replace(/\/$/, ''), line, stop: () => child.kill() });
        }
      });
    }
  });
}

/** Opens `url` and waits for `window.gilwall`, through any reload on the way; collects errors. */
export async function openAt(context, url) {
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  await page.goto(url);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await page.waitForFunction(() => window.gilwall && window.gilwall.version, null, { timeout: Math.max(1000, deadline - Date.now()) });
      return { page, errors };
    } catch (e) {
      // The static page reloads once on its first visit; a wait cut short by it starts again.
      if (Date.now() > deadline || !/context was destroyed|navigat/i.test(e.message)) throw e;
    }
  }
}

async function coresAvailable(page) {
  const probe = await page.evaluate(() => window.gilwall.run({ strategies: ['workers'], tasks: [1, 2], io_ms: 0, cpu_ms: 80, repeats: 2, kernel: 'sqrt' }));
  const [one, two] = probe.points.map((p) => p.min_ms);
  return (2 * one) / two;
}

/**
 * Waits (bounded) until the page gets about two cores twice in a row — a quiet moment rather
 * than a lucky probe — and returns the last measurement of the cores it can use.
 */
export async function waitForTwoCores(page) {
  const deadline = Date.now() + CAPACITY_WAIT_MS;
  for (let quiet = 0; ;) {
    const cores = await coresAvailable(page);
    quiet = cores >= 1.6 ? quiet + 1 : 0;
    if (quiet >= 2 || Date.now() > deadline) return cores;
    if (!quiet) await sleep(3000);
  }
}

/**
 * Runs async and `past` at N = 1 and 4 until each of `past` is at least MIN_RATIO faster than
 * async at N = 4 (at most ATTEMPTS sweeps); returns `{report, ratios, cores}` of the last.
 */
export async function measureWall(t, page, past) {
  let report, ratios = {}, cores = 0;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    cores = await waitForTwoCores(page);
    report = await page.evaluate((c) => window.gilwall.run(c), { ...WALL_CONFIG, strategies: ['async', ...past] });
    const min = (s, n) => report.points.find((p) => p.strategy === s && p.tasks === n).min_ms;
    ratios = Object.fromEntries(past.map((s) => [s, min('async', 4) / min(s, 4)]));
    t.diagnostic(`attempt ${attempt} (cores ${cores.toFixed(2)}): ` + report.points.map((p) => `${p.strategy}@${p.tasks} ${p.samples_ms.map(Math.round).join('/')} ms (model ${Math.round(p.model_ms)})`).join('; '));
    t.diagnostic(`attempt ${attempt}: async/x at N=4 = ${JSON.stringify(ratios)}`);
    if (past.every((s) => ratios[s] >= MIN_RATIO)) break;
  }
  return { report, ratios, cores };
}
