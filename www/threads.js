// gilwall's wasm-threads driver: a dedicated worker that loads the shared-memory build
// (www/pkg-threads, built with atomics by `cargo xtask web`), starts rayon's pool of threads
// over that one shared memory, and runs each repeat the page sends it. The page only waits for
// the reply, so its main thread never blocks on the pool. The logic is in Rust
// (web/src/threads.rs); this file only connects messages to it.
//
// A message with an `id` is one request of the load mode: many are in flight at once (each
// handler awaits its own), and each reply carries its `id` so the page matches it up.
import init, { threads_start, threads_run } from './pkg-threads/gilwall_web.js';

const threads = Number(new URL(self.location.href).searchParams.get('threads'));
const message = (err) => String(err && err.message ? err.message : err);

try {
  await init();
  await threads_start(threads);
  self.onmessage = async (event) => {
    const { id, job } = event.data;
    try {
      const outcome = await threads_run(job);
      postMessage(id === undefined ? outcome : { id, outcome });
    } catch (err) {
      postMessage(id === undefined ? { error: message(err) } : { id, error: message(err) });
    }
  };
  // The page waits for this before it sends the first repeat.
  postMessage({ ready: true });
} catch (err) {
  postMessage({ error: `the wasm-threads driver could not start: ${message(err)}` });
}
