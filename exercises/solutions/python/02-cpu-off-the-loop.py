"""Python exercise 2 — reference solution: the fetch stays async; the CPU work runs in an
executor and the coroutine awaits it, so the event loop keeps turning (the article's
`run_in_executor`). Under the GIL that executor must be a process pool for the work to run on
several cores; on a free-threaded build a thread pool does it without pickling."""

import asyncio
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from support import burn, fetch, gil_enabled

# One pool for every call: starting workers costs milliseconds.
POOL = ProcessPoolExecutor() if gil_enabled() else ThreadPoolExecutor()


async def handle(session, url, cpu_ms):
    """Fetches `url`, then does `cpu_ms` of CPU work on what came back; returns its result."""
    body = await fetch(session, url)
    seed = len(body)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(POOL, burn, cpu_ms, seed)
