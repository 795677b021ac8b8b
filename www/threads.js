// gilwall's wasm-threads driver: a dedicated worker that loads the shared-memory build
// (www/pkg-threads, built with atomics by `cargo xtask web`), starts rayon's pool of threads
// over that one shared memory, and runs each repeat the page sends it. The page only waits for
// the reply, so its main thread never blocks on the pool. The logic is in Rust
// (web/src/threads.rs); this file only connects messages to it.
import init, { threads_start, threads_run } from './pkg-threads/gilwall_web.js';

const threads = Number(new URL(self.location.href).searchParams.get('threads'));

try {
  await init();
  await threads_start(threads);
  self.onmessage = async (event) => {
    try {
      postMessage(await threads_run(event.data.job));
    } catch (err) {
      postMessage({ error: String(err && err.message ? err.message : err) });
    }
  };
  // The page waits for this before it sends the first repeat.
  postMessage({ ready: true });
} catch (err) {
  postMessage({ error: `the wasm-threads driver could not start: ${err && err.message ? err.message : err}` });
}
