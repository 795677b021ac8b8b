// `cargo xtask bench-wasm`: the same kernels, the same iterations, in headless Chromium and
// natively; prints the medians, the ratio per kernel and the checksums (which must agree).
// Not a test (no .test.mjs): the figures belong in BENCHMARKS.md, not in assertions.
//
//   node browser-tests/bench-wasm.mjs [--rounds N] [--sample-ms MS] [--export-json FILE]
//                                     [--js-flags FLAGS]   (V8 flags, for experiments)
//
// Needs GILWALL_URL (a running `gilwall serve` with the built www/pkg) and GILWALL_KERNEL_TIMING
// (an optimised kernel-timing); `cargo xtask bench-wasm` provides both.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { launch } from './harness.mjs';
import { compare, nativeRunner, openBenchPage } from './kernels.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    'sample-ms': { type: 'string', default: '200' },
    'export-json': { type: 'string' },
    // For experiments only, e.g. --js-flags=--no-liftoff (skip V8's baseline tier).
    'js-flags': { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const sampleMs = Number(values['sample-ms']);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) throw new Error(`--rounds must be 1 to 100, got ${values.rounds}`);
if (!(sampleMs >= 10 && sampleMs <= 10_000)) throw new Error(`--sample-ms must be 10 to 10000, got ${values['sample-ms']}`);
nativeRunner();

const jsFlags = values['js-flags'];
const browser = await launch(jsFlags ? [`--js-flags=${jsFlags}`] : []);
try {
  const { page, errors } = await openBenchPage(browser.context);
  const userAgent = await page.evaluate(() => navigator.userAgent);
  // The user agent string says only the major version; the client hints say the full one.
  const chromium = await page.evaluate(async () => {
    const hints = await navigator.userAgentData?.getHighEntropyValues(['fullVersionList']);
    return hints?.fullVersionList?.find((b) => /Chrom/.test(b.brand))?.version;
  }) ?? userAgent;
  const started = new Date().toISOString();
  console.log(`wasm vs native: ${rounds} samples a side, about ${sampleMs} ms each, taken in turns`
    + (jsFlags ? ` (experiment: --js-flags=${jsFlags})` : ''));
  console.log(`Chromium ${chromium}; ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}); ${started}\n`);
  const results = [];
  for (const kernel of ['sqrt', 'features']) {
    results.push(await compare(page, kernel, { sampleMs, rounds }));
  }
  const row = (cols) => cols.map((c, i) => (i === 0 ? String(c).padEnd(9) : String(c).padStart(12))).join(' ');
  console.log(row(['kernel', 'iterations', 'native ms', 'wasm ms', 'wasm/native', 'best/best', 'checksum']));
  for (const r of results) {
    console.log(row([r.kernel, r.iterations, r.native_ms.toFixed(1), r.wasm_ms.toFixed(1),
      `${r.ratio.toFixed(3)}×`, `${r.best_ratio.toFixed(3)}×`, r.checksum]));
  }
  console.log('\nmedians of the samples; best/best = fastest wasm sample ÷ fastest native sample;');
  console.log('checksums equal in every sample on both sides (checked).');
  if (errors.length) throw new Error(`the bench page logged errors: ${errors.join('; ')}`);
  if (values['export-json']) {
    const report = { what: 'wasm-vs-native', created_at: started, chromium, user_agent: userAgent, js_flags: jsFlags,
      cores: cpus().length, cpu: cpus()[0]?.model, rounds, sample_ms: sampleMs, kernels: results };
    writeFileSync(values['export-json'], `${JSON.stringify(report, null, 2)}\n`);
    console.log(`saved ${values['export-json']}`);
  }
} finally {
  await browser.close();
}
