// gilwall's Web Worker: loads its own instance of the wasm module and answers the page's jobs
// one at a time (the browser's analogue of one process in a ProcessPoolExecutor). The logic is
// in Rust (web/src/worker.rs); this file only connects messages to it.
import init, { worker_handle, warm_up } from './pkg/gilwall_web.js';

await init();
// Get the kernels into optimised code before the first timed job (see web/src/worker.rs).
await warm_up();

self.onmessage = async (event) => {
  const { job, body, origin } = event.data;
  try {
    const reply = await worker_handle(job, body, origin);
    // The features go back by transfer: the copy out of this worker's wasm memory was already
    // made (and timed) in Rust; cloning the buffer again would be a copy nobody counts.
    postMessage(reply, reply.features ? [reply.features.buffer] : []);
  } catch (err) {
    // A failed job fails only its own task; the page shows the message.
    postMessage({ error: String(err && err.message ? err.message : err) });
  }
};

// The pool waits for this before it sends the first job.
postMessage({ ready: true });
