// Not a test: takes screenshots of the page during and after a sweep, for a person to look at
// (node browser-tests/look.mjs; GILWALL_URL must point at a running gilwall serve).
import { launch, openPage } from './harness.mjs';
import { mkdirSync } from 'node:fs';

const out = new globalThis.URL('out/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
const config = JSON.parse(process.argv[2] ?? '{"strategies":["async","workers"],"tasks":[1,2,4,6],"io_ms":300,"cpu_ratio":0.5}');
const browser = await launch();
try {
  const { page, errors } = await openPage(browser.context);
  await page.screenshot({ path: out + 'before.png' });
  const running = page.evaluate((c) => window.gilwall.run(c), config);
  await page.waitForTimeout(Number(process.env.DURING_MS ?? 2500));
  await page.screenshot({ path: out + 'during.png' });
  const report = await running;
  await page.waitForTimeout(300);
  if (process.env.LOAD) await page.setInputFiles('#load', process.env.LOAD);
  await page.waitForTimeout(200);
  await page.screenshot({ path: out + 'after.png', fullPage: true });
  console.log(JSON.stringify(report.points.map((p) => [p.strategy, p.tasks, Math.round(p.median_ms), Math.round(p.model_ms), Math.round(p.cpu_measured_ms), p.samples_ms.map(Math.round)])));
  console.log(JSON.stringify(await page.evaluate(() => window.gilwall.responsiveness().by_strategy)));
  console.log('errors:', errors);
} finally {
  await browser.close();
}
