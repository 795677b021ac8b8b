"""What the Python exercises share: the address of gilwall's feature server, clients that count
how many requests are in flight, CPU work that really occupies the interpreter, an event-loop
stall meter and a counter of the bytes a process pool pickles.

The tests measure behaviour against a real server on loopback (gilwall's own, which
`gilwall workshop check --python N` starts): overlapping fetches, requests in flight, a stalled
event loop, bytes copied between processes. Not the shape of your code.
"""

import asyncio
import os
import sys
import time
import urllib.request

_in_flight = 0
_peak = 0


def server_url():
    """The feature server's base URL, from GILWALL_URL."""
    url = os.environ.get("GILWALL_URL")
    if not url:
        raise RuntimeError(
            "GILWALL_URL is not set: run the tests with `gilwall workshop check --python N`, "
            "which starts gilwall's server, or start one with `gilwall serve` and set "
            "GILWALL_URL=http://127.0.0.1:PORT"
        )
    return url.rstrip("/")


def delay_url(ms, tag=0):
    """A URL the server answers after `ms` milliseconds; `tag` tells answers apart."""
    return f"{server_url()}/delay/{ms / 1000}?tag={tag}"


def payload_url(size_bytes, seed=0):
    """A URL the server answers at once with a feature payload of about `size_bytes` bytes."""
    return f"{server_url()}/features?size={size_bytes}&seed={seed}"


def tag_of(body):
    """The `tag` a /delay answer echoes back (its query string, as httpbin does)."""
    import json

    return int(json.loads(body)["args"]["tag"])


async def fetch(session, url):
    """Fetches `url` with the aiohttp `session` and returns the body as text. Like any
    coroutine it waits without blocking: while it waits, the event loop runs other tasks."""
    global _in_flight, _peak
    _in_flight += 1
    _peak = max(_peak, _in_flight)
    try:
        async with session.get(url) as response:
            response.raise_for_status()
            return await response.text()
    finally:
        _in_flight -= 1


def fetch_blocking(url):
    """Fetches `url` and returns the body as bytes, blocking the calling thread meanwhile (as
    requests.get does)."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def peak_in_flight():
    """The most `fetch` calls that were waiting at the same moment since `reset_in_flight`."""
    return _peak


def reset_in_flight():
    global _peak
    _peak = 0


def burn(cpu_ms, seed):
    """Keeps this thread computing for `cpu_ms` milliseconds of its own CPU time and returns a
    number that depends on every step: the CPU work after a fetch, the article's fake_cpu_op.
    Pure Python, so under the GIL two threads running it take turns."""
    deadline = time.thread_time() + cpu_ms / 1000
    x = seed % 1000 + 1
    steps = 0
    while time.thread_time() < deadline:
        for _ in range(1000):
            x = (x * 1103515245 + 12345) % 2147483648
        steps += 1
    return x + steps


def _spin(wall_s):
    """Spins for `wall_s` seconds of wall time; returns the CPU time this process got."""
    start, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - start < wall_s:
        pass
    return time.process_time() - cpu


def cores_we_get(wall_s=0.3):
    """How many cores two busy processes get right now: their CPU time over the wall time, about
    2 on an idle 2-core machine and well under 1 when other work fills the cores."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as pool:
        pool.submit(_spin, 0.0).result()  # both workers started before timing
        return sum(pool.map(_spin, [wall_s, wall_s])) / wall_s


def wait_for_free_cores(wanted=1.5, patience_s=60):
    """Waits (up to `patience_s`) until two processes get `wanted` cores; returns what they got.
    Parallel work cannot show itself on a machine whose cores other programs have taken."""
    deadline = time.perf_counter() + patience_s
    got = cores_we_get()
    while got < wanted and time.perf_counter() < deadline:
        time.sleep(2)
        got = cores_we_get()
    return got


def gil_enabled():
    """Whether this interpreter has the GIL (every CPython before 3.13, and 3.13+ unless it is
    a free-threaded build with the GIL off)."""
    check = getattr(sys, "_is_gil_enabled", None)
    return True if check is None else check()


async def longest_stall(awaitable, tick_ms=5):
    """Runs `awaitable` while a ticker asks to wake every `tick_ms`; returns its result and the
    longest the loop was late waking the ticker, in ms: how long the loop was blocked."""
    worst = 0.0
    done = False

    async def ticker():
        nonlocal worst
        while not done:
            asked = time.perf_counter()
            await asyncio.sleep(tick_ms / 1000)
            worst = max(worst, (time.perf_counter() - asked) * 1000 - tick_ms)

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    try:
        result = await awaitable
    finally:
        done = True
        await tick
    return result, worst


class PickleMeter:
    """Counts the bytes multiprocessing pickles to send to other processes, and unpickles from
    them, while it is active (`with PickleMeter() as m: ...; m.bytes`). A process pool copies
    every argument and every result this way; threads share the heap and copy nothing."""

    def __init__(self):
        self.bytes = 0

    def __enter__(self):
        from multiprocessing.reduction import ForkingPickler

        self._cls = ForkingPickler
        # The class's own attributes, put back as they were on exit.
        self._saved = {k: ForkingPickler.__dict__[k] for k in ("dumps", "loads")}
        meter = self
        dumps, loads = ForkingPickler.dumps, ForkingPickler.loads

        def counting_dumps(obj, protocol=None):
            data = dumps(obj, protocol)
            meter.bytes += len(data)
            return data

        def counting_loads(data, *args, **kwargs):
            meter.bytes += len(data)
            return loads(data, *args, **kwargs)

        ForkingPickler.dumps = staticmethod(counting_dumps)
        ForkingPickler.loads = staticmethod(counting_loads)
        return self

    def __exit__(self, *exc):
        for name, value in self._saved.items():
            setattr(self._cls, name, value)
        return False
