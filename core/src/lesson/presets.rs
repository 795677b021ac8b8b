//! The demo page's presets: the article's steps in the browser, scaled down so a whole sweep
//! takes seconds (the article: io 1 s, N to 32). The page shows them as buttons, in this order.

use super::{ChartView, Preset};
use crate::kernel::Kernel;
use crate::strategy::StrategyId::{Async, AsyncWorkers, Serial, WasmThreads, Workers};

/// Every preset, in the order of the page's buttons.
pub const PRESETS: &[Preset] = &[
    SERIAL,
    ASYNC_IO,
    THE_WALL,
    WORKERS,
    ASYNC_WORKERS,
    WASM_THREADS,
    PICKLING,
];

/// The preset the page opens with.
pub const DEFAULT_PRESET: &Preset = &THE_WALL;

/// What every preset shares unless it says otherwise: N up to 6 (a browser's connections to
/// one host), io 300 ms, the realistic kernel over a small payload, CPU half the I/O.
const BASE: Preset = Preset {
    id: "",
    label: "",
    note: "",
    strategies: &[],
    tasks: &[1, 2, 4, 6],
    io_ms: 300.0,
    cpu_ratio: 0.5,
    kernel: Kernel::Features,
    payload_kb: 1,
    chart: ChartView::Makespan,
};

/// Step 1: serial.
pub const SERIAL: Preset = Preset {
    id: "serial",
    label: "1 · serial",
    note: "Step 1 — requests.get in a loop: each task waits for its fetch before the next \
           starts, so the time grows with every task.",
    strategies: &[Serial],
    cpu_ratio: 0.0,
    ..BASE
};

/// Step 2: async with I/O only.
pub const ASYNC_IO: Preset = Preset {
    id: "async-io",
    label: "2 · async, I/O only",
    note: "Step 2 — asyncio.gather: every fetch is in flight at once, so async stays flat… \
           while there is no CPU work.",
    strategies: &[Serial, Async],
    cpu_ratio: 0.0,
    ..BASE
};

/// Step 3: async with CPU work, the wall.
pub const THE_WALL: Preset = Preset {
    id: "the-wall",
    label: "3 · async + CPU: the wall",
    note: "Step 3 — each task also computes for half its I/O time. On the one main thread that \
           work takes turns: io + N·cpu. Watch the spinner freeze.",
    strategies: &[Async],
    ..BASE
};

/// Step 4: Web Workers, the browser's processes.
pub const WORKERS: Preset = Preset {
    id: "workers",
    label: "4 · Web Workers",
    note: "Step 4 — ProcessPoolExecutor's twin: each Web Worker is its own wasm instance, data \
           copied by postMessage. Past the wall, and the page stays alive.",
    strategies: &[Async, Workers],
    ..BASE
};

/// Beyond the article: async fetches, CPU in workers.
pub const ASYNC_WORKERS: Preset = Preset {
    id: "async-workers",
    label: "async + workers",
    note: "Beyond the article: keep the async fetches on the main thread and send only the CPU \
           work to the workers.",
    strategies: &[Async, Workers, AsyncWorkers],
    ..BASE
};

/// Step 5: wasm threads, the browser's free threads.
pub const WASM_THREADS: Preset = Preset {
    id: "wasm-threads",
    label: "5 · wasm threads",
    note: "Step 5 — free threads: wasm threads sharing one memory, driven from a worker. Past \
           the wall like the workers, without copying anything between heaps.",
    strategies: &[Async, Workers, WasmThreads],
    ..BASE
};

/// The price of pickling: large payloads, charted as copy time per task.
pub const PICKLING: Preset = Preset {
    id: "pickling",
    label: "pickling: 4 MiB payloads",
    note: "The article's price of processes: every payload crosses between heaps — into a \
           worker and back with its features — while threads share it. The chart shows the \
           copy time per task.",
    strategies: &[AsyncWorkers, Workers, WasmThreads],
    tasks: &[1, 2, 4],
    payload_kb: 4096,
    chart: ChartView::Copy,
    ..BASE
};
