// The kernel-timing page: loads the wasm module and exposes `window.gilwallBench.kernelTiming`
// (the wasm export `kernel_timing`). It measures nothing itself: every figure comes from wasm.
import init, { kernel_timing, version } from './pkg/gilwall_web.js';

await init();
window.gilwallBench = {
  version: version(),
  /** Resolves to the KernelTiming of `kernel` ("sqrt" | "features"); see web/src/bench.rs. */
  kernelTiming: (kernel, iterations, repeats) => kernel_timing(kernel, iterations, repeats),
};

const out = document.getElementById('out');
const button = document.getElementById('run');
// Iterations that take roughly 100 ms each on the project's 2-core Xeon.
const ITERATIONS = { sqrt: 15_000_000, features: 30_000 };
button.addEventListener('click', async () => {
  button.disabled = true;
  out.textContent = '';
  try {
    for (const [kernel, iterations] of Object.entries(ITERATIONS)) {
      const t = await kernel_timing(kernel, iterations, 5);
      const ms = t.samples_ms.map((s) => s.toFixed(1)).join(', ');
      out.textContent += `${kernel}: ${iterations} iterations, samples ${ms} ms, checksum ${t.checksum}\n`;
    }
  } catch (e) {
    out.textContent += `error: ${e.message ?? e}\n`;
  } finally {
    button.disabled = false;
  }
});
button.disabled = false;
