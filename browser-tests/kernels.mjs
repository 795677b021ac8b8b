// The wasm-vs-native kernel comparison, shared by `cargo xtask bench-wasm` (bench-wasm.mjs) and
// the browser tests' regression check (kernels.test.mjs).
//
// The native side is `kernel-timing` from the gilwall-bench crate, built optimised (its path in
// GILWALL_KERNEL_TIMING); the wasm side is the `kernel_timing` export on www/bench.html. Both
// run the same kernel from core over the same payload for the same iterations, warm up first,
// and time one whole kernel call per sample inside their runtime. Samples are taken in turns —
// wasm, native, native, wasm, … — so a burst of load from elsewhere hits both sides alike.
import { execFile } from 'node:child_process';
import { URL } from './harness.mjs';

/** Path of the optimised native runner, or a clear error saying how to get one. */
export function nativeRunner() {
  const path = process.env.GILWALL_KERNEL_TIMING;
  if (!path) {
    throw new Error('GILWALL_KERNEL_TIMING is not set: run this through `cargo xtask browser` or '
      + '`cargo xtask bench-wasm`, or build `cargo build --release -p gilwall-bench` and point it '
      + 'at target/release/kernel-timing');
  }
  return path;
}

/** Runs the native runner once; resolves to its KernelTiming. */
export function native(kernel, { iterations, sampleMs, repeats = 1 }) {
  const args = ['--kernel', kernel, '--repeats', String(repeats)];
  if (iterations !== undefined) args.push('--iterations', String(iterations));
  else args.push('--sample-ms', String(sampleMs));
  const runner = nativeRunner();
  return new Promise((resolve, reject) => {
    execFile(runner, args, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${runner} ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout));
      } catch {
        reject(new Error(`${runner} printed something other than one JSON line: ${stdout}`));
      }
    });
  });
}

/** Opens www/bench.html (a bare page: nothing else runs on its main thread). */
export async function openBenchPage(context) {
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  await page.goto(`${URL}/bench.html`);
  await page.waitForFunction(() => window.gilwallBench?.version, null, { timeout: 30_000 });
  return { page, errors };
}

/** Runs the wasm export once in `page`; resolves to its KernelTiming. */
export function wasm(page, kernel, iterations, repeats = 1) {
  return page.evaluate(([k, i, r]) => window.gilwallBench.kernelTiming(k, i, r), [kernel, iterations, repeats]);
}

/** The median of a non-empty list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Compares `kernel` in wasm and natively: the native runner picks iterations that take about
 * `sampleMs` here, then `rounds` samples are taken on each side in turns. Throws if a checksum
 * differs between samples or between the runtimes.
 */
export async function compare(page, kernel, { sampleMs, rounds }) {
  const calibration = await native(kernel, { sampleMs, repeats: 1 });
  const { iterations } = calibration;
  const nativeMs = [];
  const wasmMs = [];
  const checksums = { native: new Set(), wasm: new Set() };
  let wasmWarmUpMs = 0;
  for (let r = 0; r < rounds; r++) {
    const takeWasm = async () => {
      const t = await wasm(page, kernel, iterations);
      wasmMs.push(...t.samples_ms);
      checksums.wasm.add(t.checksum);
      wasmWarmUpMs = Math.max(wasmWarmUpMs, t.warm_up_ms);
    };
    const takeNative = async () => {
      const t = await native(kernel, { iterations });
      nativeMs.push(...t.samples_ms);
      checksums.native.add(t.checksum);
    };
    // ABBA: alternate which side goes first, so a drift in load does not favour one.
    if (r % 2 === 0) { await takeWasm(); await takeNative(); } else { await takeNative(); await takeWasm(); }
  }
  const one = (set, side) => {
    if (set.size !== 1) throw new Error(`${kernel}: ${side} samples disagree on the checksum: ${[...set].join(', ')}`);
    return [...set][0];
  };
  const nativeChecksum = one(checksums.native, 'native');
  const wasmChecksum = one(checksums.wasm, 'wasm');
  if (nativeChecksum !== wasmChecksum) {
    throw new Error(`${kernel}: wasm computed checksum ${wasmChecksum}, native ${nativeChecksum}, `
      + `for the same ${iterations} iterations: the runtimes did not do the same work`);
  }
  const nativeMedian = median(nativeMs);
  const wasmMedian = median(wasmMs);
  return {
    kernel,
    iterations,
    payload_bytes: calibration.payload_bytes,
    native_ms: nativeMedian,
    wasm_ms: wasmMedian,
    ratio: wasmMedian / nativeMedian,
    best_ratio: Math.min(...wasmMs) / Math.min(...nativeMs),
    native_samples_ms: nativeMs,
    wasm_samples_ms: wasmMs,
    wasm_warm_up_ms: wasmWarmUpMs,
    checksum: wasmChecksum,
  };
}
