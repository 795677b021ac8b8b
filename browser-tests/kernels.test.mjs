// The kernels in wasm stay close to the same kernels built natively: a cheap regression check
// for the wasm-vs-native benchmark (BENCHMARKS.md has the figures and `cargo xtask bench-wasm`
// measures them properly).
//
// Small: about 100 ms a sample, three samples a side per kernel, in turns (about 5 s in all). The
// margins are wide on purpose — on this shared 2-core machine noise moves one ratio by tens of
// percent, while the regressions this is for move it by whole multiples: a wasm built without
// optimisation runs `features` ~3.8× slower (tried), a V8 that stops optimising a kernel runs
// it several times slower, a wasm that skipped work gives another checksum, and a native
// runner built at opt-level 0 (or a broken timer) makes wasm look impossibly fast.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './harness.mjs';
import { compare, openBenchPage } from './kernels.mjs';

/**
 * wasm ÷ native (fastest sample each) above which the wasm build or V8 has regressed: about
 * twice what BENCHMARKS.md measured here (sqrt 2.4–3.3×: V8's code for the square-root loop is
 * slower than LLVM's; features 0.9–1.2×).
 */
const MAX_RATIO = { sqrt: 6, features: 2.5 };
/** Below this wasm would be faster than optimised native code by more than any JIT can be. */
const MIN_RATIO = 0.4;

let browser, page, errors;

before(async () => {
  browser = await launch();
  ({ page, errors } = await openBenchPage(browser.context));
});

after(async () => {
  await browser?.close();
});

for (const kernel of ['sqrt', 'features']) {
  test(`the ${kernel} kernel in wasm computes the native checksum within ${MAX_RATIO[kernel]}× of native time`, async () => {
    // compare() throws if any checksum differs, within a runtime or between the two.
    const r = await compare(page, kernel, { sampleMs: 100, rounds: 3 });
    const detail = `wasm ${r.wasm_samples_ms.map((x) => x.toFixed(1)).join(', ')} ms; `
      + `native ${r.native_samples_ms.map((x) => x.toFixed(1)).join(', ')} ms; ${r.iterations} iterations`;
    // Each sample must be long enough that performance.now()'s coarse steps do not matter.
    assert.ok(Math.min(...r.native_samples_ms) >= 20, `native samples too short to time: ${detail}`);
    assert.ok(Math.min(...r.wasm_samples_ms) >= 20, `wasm samples too short to time: ${detail}`);
    // The fastest sample of each side: noise only ever adds time, so best against best is the
    // comparison least moved by other work on the machine.
    assert.ok(r.best_ratio <= MAX_RATIO[kernel], `wasm is ${r.best_ratio.toFixed(2)}× native (limit ${MAX_RATIO[kernel]}×): ${detail}`);
    assert.ok(r.best_ratio >= MIN_RATIO, `wasm is ${r.best_ratio.toFixed(2)}× native, faster than it can be (limit ${MIN_RATIO}×): ${detail}`);
    assert.deepEqual(errors, []);
  });
}

test('the wasm export refuses a bad kernel or iteration count with a message naming it', async () => {
  const attempt = (kernel, iterations) => page.evaluate(([k, i]) => window.gilwallBench.kernelTiming(k, i, 1)
    .then(() => 'accepted', (e) => e.message), [kernel, iterations]);
  assert.match(await attempt('turbo', 10), /^unknown kernel "turbo"; expected one of: sqrt, features$/);
  assert.match(await attempt('sqrt', 1.5), /^iterations must be a whole number, got 1.5$/);
  assert.match(await attempt('sqrt', 0), /^iterations must be between 1 and 1000000000000, got 0$/);
});
