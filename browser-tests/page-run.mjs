// `cargo xtask page-run [--load] CONFIG [--export-json FILE]`: one sweep on the demo page in headless
// Chromium, exactly as `window.gilwall.run(CONFIG)` runs it, printed as a table with each
// point's copies between heaps, the longest gap between the main thread's heartbeats while it
// ran and the main thread's own CPU (the harness lends the page its thread clock). Not a test:
// it records browser figures for BENCHMARKS.md and for talks, reproducibly.
//
//   node browser-tests/page-run.mjs '{"strategies":["workers","wasm-threads"],"tasks":[1,4]}'
//
// With `--load`, CONFIG is a load spec (the fields of window.gilwall.runLoad): a stream of
// requests at each rate, printed as `gilwall load` prints its table, with each strategy's knee
// in core's words and the longest heartbeat gap of each step; `--screenshot FILE` saves the
// page as it ends (docs/page-load.png is one).
//
//   node browser-tests/page-run.mjs --load '{"strategies":["async","async-workers"],"rates":[2,5]}'
//
// Needs GILWALL_URL (a running `gilwall serve` with the built www/pkg and www/pkg-threads);
// `cargo xtask page-run` provides it.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launch, openPage } from './harness.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'export-json': { type: 'string' }, load: { type: 'boolean' }, screenshot: { type: 'string' } },
});
if (positionals.length !== 1) {
  throw new Error('give one config as JSON (with --load, a load spec: the fields of window.gilwall.runLoad), e.g. \'{"strategies":["async","wasm-threads"],"tasks":[1,4]}\' (the fields of window.gilwall.run)');
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
  if (values.load) {
    await loadRun(page, errors);
    process.exit(process.exitCode ?? 0);
  }
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

/** `--load`: one load run, printed as `gilwall load`'s table with the knees below it. */
async function loadRun(page, errors) {
  try {
    const report = await page.evaluate((c) => window.gilwall.runLoad(c), config);
    const gaps = await page.evaluate(() => window.gilwall.loadResponsiveness());
    const knees = await page.locator('#load-knees li').allTextContents();
    if (values.screenshot) {
      await page.waitForTimeout(300);
      await page.screenshot({ path: values.screenshot });
    }
    const ms = (v) => (v === undefined || v === null ? '–' : v < 10 ? v.toFixed(2) : v.toFixed(0));
    const rows = [['strategy', 'offered req/s', 'achieved', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'model p50', 'model p99', 'capacity', 'failed', 'send late p99', 'longest gap ms', 'CPU/req ms']];
    for (const p of report.load_points) {
      const l = p.latency_ms ?? {};
      rows.push([p.strategy, p.rate_rps, p.achieved_rps.toFixed(1), ms(l.p50), ms(l.p90), ms(l.p99), ms(l.max),
        ms(p.model_latency_ms.p50), ms(p.model_latency_ms.p99), p.capacity_rps?.toFixed(1) ?? '–',
        p.errors ? `${p.errors} of ${p.sent}` : '0', ms(p.send_late_p99_ms), ms(gaps[`${p.strategy}@${p.rate_rps}`]?.max_frame_gap_ms), ms(p.cpu_measured_ms)]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
    const line = (r) => `| ${r.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
    console.log(line(rows[0]));
    console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    rows.slice(1).forEach((r) => console.log(line(r)));
    console.log('');
    knees.forEach((k) => console.log(`- ${k}`));
    const first = report.load_points[0];
    if (first) console.log(`\nper request: io ${first.io_ms} ms, cpu ${first.cpu_ms} ms (${first.kernel}, calibrated on the page), ${first.arrivals} arrivals, ${first.duration_s} s measured per rate`);
    console.log(`${report.machine.user_agent} · ${report.machine.cores} cores · ${report.created_at}`);
    if (values['export-json']) {
      writeFileSync(values['export-json'], JSON.stringify(report, null, 2) + '\n');
      console.log(`wrote the report to ${values['export-json']}`);
    }
    if (errors.length) console.error(`the page logged errors:\n${errors.join('\n')}`);
    const failed = report.load_points.filter((p) => p.errors > 0);
    if (failed.length) {
      console.error(`${failed.length} steps had failed requests: ${failed.map((p) => `${p.strategy}@${p.rate_rps}: ${p.error_sample}`).join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    await browser.close();
  }
}
