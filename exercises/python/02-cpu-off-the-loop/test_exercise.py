"""The oracle for Python exercise 2: handles run together on one event loop while a ticker
measures how long the loop is stalled; then, whether their CPU work ran in parallel."""

import asyncio
import time

import aiohttp

import support
from exercise import handle

CPU_MS = 150


async def _handles(n, cpu_ms, delay_ms):
    async with aiohttp.ClientSession() as session:
        urls = [support.delay_url(delay_ms, tag=i) for i in range(n)]
        # Once first, so starting an executor's workers is not counted below.
        await handle(session, urls[0], 1)
        work = asyncio.gather(*(handle(session, u, cpu_ms) for u in urls))
        start = time.perf_counter()
        results, stall = await support.longest_stall(work)
        return results, stall, (time.perf_counter() - start) * 1000


def test_cpu_work_does_not_stall_the_event_loop(url):
    results, stall, _ = asyncio.run(_handles(3, CPU_MS, 50))
    assert all(isinstance(r, int) and r != 0 for r in results), f"results: {results}"
    assert stall < 60, (
        f"the event loop was stalled for {stall:.0f} ms while tasks computed ({CPU_MS} ms of "
        f"CPU each); the CPU work is still running on the loop's thread"
    )


def test_the_cpu_work_runs_in_parallel(url):
    n = 6
    cores = support.wait_for_free_cores()
    assert cores >= 1.5, (
        f"two busy processes got only {cores:.1f} cores of this machine for a minute: other "
        f"programs are using them, so parallel work cannot show; close them and check again"
    )
    # The same work one after another, here and now, as the yardstick for this machine's load.
    start = time.perf_counter()
    for i in range(n):
        support.burn(CPU_MS, i)
    serial = (time.perf_counter() - start) * 1000
    _, stall, took = asyncio.run(_handles(n, CPU_MS, 20))
    # Overlapping fetches (20 ms) plus the CPU work spread over at least two cores.
    if took >= 0.8 * serial:
        if stall >= 60:
            why = "the CPU work still runs on the event loop's thread, one task after another"
        elif support.gil_enabled():
            why = (
                "this interpreter has the GIL, so threads take turns running Python code: a "
                "thread pool keeps the loop turning but runs the CPU work one thread at a "
                "time. Use a ProcessPoolExecutor (each process has its own GIL), or run a "
                "free-threaded Python (3.13t) where a thread pool is enough"
            )
        else:
            why = "the CPU work still ran one task at a time"
        raise AssertionError(
            f"{n} tasks with {CPU_MS} ms of CPU each took {took:.0f} ms, against {serial:.0f} "
            f"ms for the same work one after another: {why}"
        )
