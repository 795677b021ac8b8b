// `cargo xtask page-run CONFIG [--export-json FILE]`: one sweep on the demo page in headless
// Chromium, exactly as `window.gilwall.run(CONFIG)` runs it, printed as a table with each
// point's copies between heaps, the longest gap between the main thread's heartbeats while it
// ran and the main thread's own CPU (the harness lends the page its thread clock). Not a test:
// it records browser figures for BENCHMARKS.md and for talks, reproducibly.
//
//   node browser-tests/page-run.mjs '{"strategies":["workers","wasm-threads"],"tasks":[1,4]}'
//
// Needs GILWALL_URL (a running `gilwall serve` with the built www/pkg and www/pkg-threads);
// `cargo xtask page-run` provides it.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launch, openPage } from './harness.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'export-json': { type: 'string' } },
});
if (positionals.length !== 1) {
  throw new Error('give one config as JSON, e.g. \'{"strategies":["async","wasm-threads"],"tasks":[1,4]}\' (the fields of window.gilwall.run)');
}
let config;
try {
  config = JSON.parse(positionals[0]);
} catch (e) {
  throw new Error(`the config is not JSON (${e.message}): ${positionals[0]}`);
}

const browser = await launch();
try {
  const { page, errors } = await openPage(browser.context);
  // The page's own checks name any bad field; the message is passed on as it is.
  const report = await page.evaluate((c) => window.gilwall.run(c), config);
  const frames = await page.evaluate(() => window.gilwall.responsiveness().by_point);
  const ms = (v) => (v === undefined || v === null ? '–' : v < 10 ? v.toFixed(2) : v.toFixed(0));
  const mib = (b) => (b === undefined ? '–' : (b / (1 << 20)).toFixed(2));
  const rows = [['strategy', 'N', 'median ms', 'model ms', 'efficiency', 'cpu ms / task', 'copied MiB / task', 'copy ms / task', 'longest gap ms', 'main thread CPU', 'errors']];
  for (const p of report.points) {
    rows.push([p.strategy, p.tasks, ms(p.median_ms), ms(p.model_ms), `${Math.round(p.efficiency * 100)} %`, ms(p.cpu_measured_ms),
      mib(p.copied_bytes), ms(p.copy_ms), ms(frames[`${p.strategy}@${p.tasks}`]?.max_frame_gap_ms),
      p.main_thread_cpu === undefined ? '–' : `${p.main_thread_cpu.toFixed(3)} cores`, p.errors]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  console.log(line(rows[0]));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  rows.slice(1).forEach((r) => console.log(line(r)));
  const first = report.points[0];
  if (first) console.log(`\nasked per task: io ${first.io_ms} ms, cpu ${ms(first.cpu_ms)} ms (${first.cpu_iters} ${first.kernel} iterations, calibrated on the page)`);
  console.log(`${report.machine.user_agent} · ${report.machine.cores} cores · ${report.created_at}`);
  if (values['export-json']) {
    writeFileSync(values['export-json'], JSON.stringify(report, null, 2) + '\n');
    console.log(`wrote the report to ${values['export-json']}`);
  }
  if (errors.length) console.error(`the page logged errors:\n${errors.join('\n')}`);
} finally {
  await browser.close();
}
