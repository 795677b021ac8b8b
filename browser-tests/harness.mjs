// Shared by the browser tests: launch Debian's Chromium through playwright-core and open the
// page served by the `gilwall serve` that `cargo xtask browser` started (GILWALL_URL).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const URL = process.env.GILWALL_URL ?? 'http://127.0.0.1:8000';
export const ROOT = process.env.GILWALL_ROOT ?? new globalThis.URL('..', import.meta.url).pathname;
const EXECUTABLE = process.env.GILWALL_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Starts Chromium with a fresh profile; `close()` also removes the profile. `extraArgs` are
 * added to the command line (e.g. `--js-flags=--no-liftoff` for an experiment).
 */
export async function launch(extraArgs = []) {
  const profile = mkdtempSync(join(tmpdir(), 'gilwall-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: EXECUTABLE,
    headless: true,
    viewport: { width: 1500, height: 1150 },
    acceptDownloads: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // Timing tests must not be throttled as a background tab would be.
      '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
      ...extraArgs,
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Lends `page` its main thread's CPU clock: `window.gilwallThreadCpuMs()` resolves to the
 * renderer main thread's CPU time in ms (the DevTools protocol's `Performance.getMetrics`
 * ThreadTime, read from the OS). A page has no such clock of its own; with this one the page's
 * reports carry `main_thread_cpu` per point.
 */
export async function lendThreadClock(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.exposeFunction('gilwallThreadCpuMs', async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return 1000 * metrics.find((m) => m.name === 'ThreadTime').value;
  });
}

/**
 * Opens the page and waits for `window.gilwall`; collects console errors and page errors into
 * the returned `errors` array. The page is lent its main thread's CPU clock (`lendThreadClock`).
 */
export async function openPage(context, path = '/') {
  const page = await context.newPage();
  await lendThreadClock(page);
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  await page.goto(URL + path);
  await page.waitForFunction(() => window.gilwall && window.gilwall.version, null, { timeout: 30_000 });
  return { page, errors };
}
