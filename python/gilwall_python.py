#!/usr/bin/env python3
"""gilwall's Python companion: the article's own Python strategies, measured.

"Async I/O Is Not Enough" measures N tasks that each fetch features over HTTP and then do CPU
work, under five Python strategies. This program runs those strategies as the article writes
them -- ``requests`` for blocking fetches, ``aiohttp`` on ``asyncio`` for non-blocking ones,
``run_in_executor``, ``ProcessPoolExecutor`` and ``ThreadPoolExecutor`` -- against gilwall's
feature server (its httpbin-compatible ``/delay/{seconds}``), and prints what it measured as one
JSON document on stdout. ``gilwall python`` runs it in its own virtual environment, adds the
ideal model's prediction to every point and writes gilwall's report format, so Python's curves
and gilwall's share one chart.

Run it by hand with a server running (``gilwall serve``)::

    python gilwall_python.py --url http://127.0.0.1:8000 --tasks 1,4 --io-ms 100 --cpu-ms 50

The CPU work is the article's ``fake_cpu_op`` loop, calibrated here, so ``--cpu-ms 50`` means
about 50 ms of pure-Python work on this interpreter. Progress goes to stderr.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import random
import statistics
import sys
import sysconfig
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed

try:
    import aiohttp
    import requests
except ImportError as missing:  # run by hand outside gilwall's virtual environment
    sys.exit(
        f"gilwall_python.py needs requests and aiohttp ({missing}); install them with "
        "`pip install -r requirements.txt` beside this file, or run it through `gilwall python`"
    )

# The version of the JSON this program prints; `gilwall python` refuses others.
OUTPUT_FORMAT = 1

# Strategy names as the command line gives them. `asyncio-io` is `asyncio` with no CPU work
# (article step 2); its points are reported as `asyncio` with `cpu_ms` 0.
STRATEGIES = (
    "serial",
    "asyncio-io",
    "asyncio",
    "asyncio-executor",
    "process-pool",
    "thread-pool",
)

# Most of each input, matching gilwall's own limits so bad input fails here too, by name.
MAX_TASKS = 100_000
MAX_MS = 60_000.0
MAX_REPEATS = 1_000

# At most this many tasks of a point are traced (the lowest task numbers), as gilwall caps its own.
MAX_TRACED_TASKS = 64


# ----------------------------------------------------------------------------------------------
# Timelines: what each task did when, and where
# ----------------------------------------------------------------------------------------------
#
# Every task records spans [kind, where, id, start_ms, end_ms], timed with perf_counter_ns from
# the repeat's start (which every task is handed). perf_counter is the system's monotonic clock,
# so a pool worker's times are on the parent's clock too. `where` names the kind of lane and
# `id` the thread's native id or the worker's pid; gilwall numbers the lanes.


def since(start_ns: int) -> float:
    """Milliseconds from ``start_ns`` (a perf_counter_ns reading) to now."""
    return (time.perf_counter_ns() - start_ns) / 1e6


def here():
    """Where the calling code runs: ("process", pid) in a process pool's worker, ("event-loop",
    thread id) on a thread running an asyncio loop, ("main", thread id) on the main thread, and
    ("thread", thread id) on any other thread."""
    if multiprocessing.parent_process() is not None:
        return "process", os.getpid()
    tid = threading.get_native_id()
    try:
        asyncio.get_running_loop()
        return "event-loop", tid
    except RuntimeError:
        pass
    if threading.current_thread() is threading.main_thread():
        return "main", tid
    return "thread", tid


def span(kind: str, where, start_ms: float, end_ms: float):
    """One span as the JSON carries it."""
    return [kind, where[0], where[1], start_ms, end_ms]


# ----------------------------------------------------------------------------------------------
# The CPU work (article step 3)
# ----------------------------------------------------------------------------------------------


def fake_cpu_op(iterations: int) -> float:
    """The article's fake CPU operation: a square-root loop in pure Python.

    Every iteration runs bytecode, so the thread holds the GIL throughout (where there is one):
    this is the work the event loop cannot overlap. The result is returned so that it is used.
    """
    result = 0.0
    noise = random.random()
    for _ in range(iterations):
        result += (12345.6789 * noise) ** 0.5  # Perform a CPU-intensive operation
    return result


def preprocess_feature_batch(iterations: int) -> float:
    """The article's post-processing step; returns the CPU time this thread spent on it, in ms.

    The thread's own CPU clock tells a slow machine (CPU time grew) from a scheduler that kept
    the task waiting (only wall time grew), as gilwall's native strategies report too.
    """
    start = time.thread_time()
    fake_cpu_op(iterations)
    return (time.thread_time() - start) * 1000.0


def traced_preprocess(start_ns: int, iterations: int):
    """``preprocess_feature_batch``, also returning its ``cpu`` span on the thread that ran it.

    Under the GIL the span is the wall time from the work's start to its end, waits for the
    lock included: Python cannot see when its GIL changes hands.
    """
    where, begun = here(), since(start_ns)
    cpu_ms = preprocess_feature_batch(iterations)
    return cpu_ms, span("cpu", where, begun, since(start_ns))


def calibrate(budget_ms: float = 300.0) -> float:
    """Iterations of ``fake_cpu_op`` per millisecond of this thread's CPU time.

    Timed on the thread's own CPU clock, not the wall clock, so other programs busy on the same
    cores do not make the work look slower than it is (the wall clock counts the time this
    thread waited for a core). Doubles the count until one run takes 20 ms, then times runs of
    that size until the budget is spent and keeps the fastest.
    """
    iterations = 1_000
    while True:
        start = time.thread_time()
        fake_cpu_op(iterations)
        elapsed_ms = (time.thread_time() - start) * 1000.0
        if elapsed_ms >= 20.0:
            break
        iterations *= 2
    best = iterations / elapsed_ms
    deadline = time.perf_counter() + budget_ms / 1000.0
    while time.perf_counter() < deadline:
        start = time.thread_time()
        fake_cpu_op(iterations)
        elapsed_ms = (time.thread_time() - start) * 1000.0
        if elapsed_ms > 0.0:
            best = max(best, iterations / elapsed_ms)
    return best


# ----------------------------------------------------------------------------------------------
# One task: fetch, then compute. Each returns (cpu_ms or None, error or None); a failed fetch is
# counted, not fatal, as gilwall counts its own.
# ----------------------------------------------------------------------------------------------


def prepare_feature_batch_serial(url: str, iterations: int, timeout_s: float, start_ns: int):
    """Article step 1, and the task body of steps 4 and 5: a blocking ``requests.get``, then CPU.

    Like the article it opens a new connection per fetch (no ``Session``). It runs in the main
    thread (serial), in a pool thread (``ThreadPoolExecutor``) or in a child process
    (``ProcessPoolExecutor``), so it must stay a module-level function that pickles by name.
    Its spans are timed from ``start_ns``, the repeat's start.
    """
    where, begun = here(), since(start_ns)
    try:
        response = requests.get(url, timeout=timeout_s)
        response.raise_for_status()
        response.json()  # the features; the article's post-processing does not read them
    except Exception as e:  # noqa: BLE001 -- any failure of the fetch is counted, with its text
        return None, f"{type(e).__name__}: {e}", [span("fetch", where, begun, since(start_ns))]
    spans = [span("fetch", where, begun, since(start_ns))]
    cpu_ms = None
    if iterations > 0:
        cpu_ms, cpu = traced_preprocess(start_ns, iterations)
        spans.append(cpu)
    return cpu_ms, None, spans


async def get_feature_batch(url: str, timeout_s: float, on_body=None):
    """Article step 2: one non-blocking fetch with aiohttp.

    A new ``ClientSession`` per fetch, as the article writes it. ``on_body`` is called as soon
    as the body is in: closing the session afterwards hands the loop to other tasks, so the
    time this coroutine resumes with the features can be later than their arrival.
    """
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.get(url) as response:
            response.raise_for_status()
            features = await response.json()
            if on_body is not None:
                on_body()
            return features


async def prepare_feature_batch(
    url: str, iterations: int, timeout_s: float, executor: bool, start_ns: int
):
    """Article steps 2 and 3: await the fetch, then do the CPU work.

    With ``executor`` the work goes to ``loop.run_in_executor(None, ...)`` -- the default thread
    pool -- as the article's step 3 does "to not block the event loop". Under the GIL those
    threads still take turns, so the work is serialised all the same: the wall. Without it the
    work runs inline on the event loop's own thread, which is the same wall, only more visible.

    Spans: the fetch until its body was in, then ``wait-cpu`` until the work began (queued
    behind the loop's other tasks, or for a pool thread), then the work where it ran.
    """
    where, begun = here(), since(start_ns)
    body_in = []
    try:
        await get_feature_batch(url, timeout_s, on_body=lambda: body_in.append(since(start_ns)))
    except Exception as e:  # noqa: BLE001 -- any failure of the fetch is counted, with its text
        return None, f"{type(e).__name__}: {e}", [span("fetch", where, begun, since(start_ns))]
    fetched = body_in[0] if body_in else since(start_ns)
    spans = [span("fetch", where, begun, fetched)]
    if iterations <= 0:
        return None, None, spans
    if executor:
        # get_running_loop is the modern spelling of the article's get_event_loop here.
        loop = asyncio.get_running_loop()
        cpu_ms, cpu = await loop.run_in_executor(None, traced_preprocess, start_ns, iterations)
    else:
        cpu_ms, cpu = traced_preprocess(start_ns, iterations)
    if cpu[3] - fetched > 0.2:
        spans.append(span("wait-cpu", where, fetched, cpu[3]))
    spans.append(cpu)
    return cpu_ms, None, spans


# ----------------------------------------------------------------------------------------------
# The strategies: each runs N tasks and returns their (cpu_ms, error) results.
# ----------------------------------------------------------------------------------------------


def perform_serial(n: int, url: str, iterations: int, timeout_s: float, start_ns: int):
    """Article step 1: one task after another, each blocking on its fetch."""
    return [prepare_feature_batch_serial(url, iterations, timeout_s, start_ns) for _ in range(n)]


def perform_async(
    n: int, url: str, iterations: int, timeout_s: float, start_ns: int, executor: bool = False
):
    """Article steps 2-3: ``asyncio.gather`` of every task on one event loop."""

    async def tasks():
        return await asyncio.gather(
            *[
                prepare_feature_batch(url, iterations, timeout_s, executor, start_ns)
                for _ in range(n)
            ]
        )

    return asyncio.run(tasks())


def perform_multiprocessing(n: int, url: str, iterations: int, timeout_s: float, start_ns: int):
    """Article step 4: ``ProcessPoolExecutor(max_workers=N)`` running the serial task.

    Starting the pool is inside the timed region, as in the article; each task's arguments and
    result cross between processes pickled. The way back is seen: from the task's end in its
    worker to its result unpickled here is a ``copy`` span on the worker's lane.
    """
    with ProcessPoolExecutor(max_workers=n) as executor:
        futures = [
            executor.submit(prepare_feature_batch_serial, url, iterations, timeout_s, start_ns)
            for _ in range(n)
        ]
        arrived = {}
        for i, future in enumerate(futures):
            future.add_done_callback(lambda _, i=i: arrived.setdefault(i, since(start_ns)))
        order = {future: i for i, future in enumerate(futures)}
        results = [None] * n
        for future in as_completed(futures):
            results[order[future]] = future.result()
    # The callbacks run just after the futures complete, on the pool's own thread, which the
    # end of the `with` has joined: every arrival is in.
    for i, (_, _, spans) in enumerate(results):
        if spans and i in arrived and arrived[i] > spans[-1][4]:
            last = spans[-1]
            spans.append(["copy", last[1], last[2], last[4], arrived[i]])
    return results


def perform_threaded(n: int, url: str, iterations: int, timeout_s: float, start_ns: int):
    """Article step 5: ``ThreadPoolExecutor(max_workers=N)`` running the serial task.

    On a free-threaded build (3.13t) the threads compute in parallel; under the GIL they take
    turns, and this is the wall again.
    """
    with ThreadPoolExecutor(max_workers=n) as executor:
        futures = [
            executor.submit(prepare_feature_batch_serial, url, iterations, timeout_s, start_ns)
            for _ in range(n)
        ]
        order = {future: i for i, future in enumerate(futures)}
        results = [None] * n
        for future in as_completed(futures):
            results[order[future]] = future.result()
        return results


def run_strategy(name: str, n: int, url: str, iterations: int, timeout_s: float):
    """Runs one strategy once; returns (makespan in ms, the tasks' results in task order)."""
    start = time.perf_counter_ns()
    if name == "serial":
        results = perform_serial(n, url, iterations, timeout_s, start)
    elif name == "asyncio-io":
        results = perform_async(n, url, 0, timeout_s, start)
    elif name == "asyncio":
        results = perform_async(n, url, iterations, timeout_s, start)
    elif name == "asyncio-executor":
        results = perform_async(n, url, iterations, timeout_s, start, executor=True)
    elif name == "process-pool":
        results = perform_multiprocessing(n, url, iterations, timeout_s, start)
    elif name == "thread-pool":
        results = perform_threaded(n, url, iterations, timeout_s, start)
    else:
        raise ValueError(f"unknown strategy {name!r}")
    return since(start), results


# ----------------------------------------------------------------------------------------------
# The sweep and its output
# ----------------------------------------------------------------------------------------------


def gil_enabled() -> bool:
    """Whether the GIL is on now. Before 3.13 there is no switch: it always is.

    On a free-threaded build, importing an extension that does not declare itself safe turns
    the GIL back on, so this is asked after every import and every run.
    """
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return True if is_enabled is None else bool(is_enabled())


def interpreter() -> str:
    """The interpreter's name and version, with the build's threading model."""
    name = f"{platform.python_implementation()} {platform.python_version()}"
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        name += " (free-threaded build)"
    return name


def measure(args) -> dict:
    """Runs every strategy at every N and returns the document ``gilwall python`` reads."""
    iters_per_ms = calibrate()
    iterations = round(args.cpu_ms * iters_per_ms) if args.cpu_ms > 0 else 0
    url = f"{args.url.rstrip('/')}/delay/{args.io_ms / 1000.0}"
    timeout_s = args.io_ms / 1000.0 + args.timeout_slack_s
    print(
        f"python: {interpreter()}, GIL {'on' if gil_enabled() else 'off'}, "
        f"{iters_per_ms:.0f} iterations/ms; fetching {url}",
        file=sys.stderr,
    )
    points = []
    for name in args.strategies:
        for n in args.tasks:
            samples, cpu_times, errors, error_sample = [], [], 0, None
            timeline = None
            for run in range(args.warmup + args.repeats):
                makespan_ms, results = run_strategy(name, n, url, iterations, timeout_s)
                if run < args.warmup:
                    continue
                if timeline is None:
                    # The first measured repeat's, as gilwall keeps its own.
                    timeline = {
                        "repeat": len(samples),
                        "tasks": [
                            {"task": i, "spans": spans}
                            for i, (_, _, spans) in enumerate(results[:MAX_TRACED_TASKS])
                        ],
                    }
                samples.append(makespan_ms)
                for cpu_ms, error, _ in results:
                    if error is not None:
                        errors += 1
                        error_sample = error_sample or error[:300]
                    elif cpu_ms is not None:
                        cpu_times.append(cpu_ms)
            cpu_asked = 0.0 if name == "asyncio-io" else args.cpu_ms
            points.append(
                {
                    "strategy": "asyncio" if name == "asyncio-io" else name,
                    "tasks": n,
                    "io_ms": args.io_ms,
                    "cpu_ms": cpu_asked,
                    "cpu_iters": iterations if cpu_asked > 0 else 0,
                    "samples_ms": samples,
                    "errors": errors,
                    "cpu_measured_ms": statistics.median(cpu_times) if cpu_times else None,
                    "error_sample": error_sample,
                    "timeline": timeline,
                }
            )
            print(
                f"python: {name} N={n}: {statistics.median(samples):.0f} ms"
                + (f", {errors} failed fetches" if errors else ""),
                file=sys.stderr,
            )
    return {
        "format": OUTPUT_FORMAT,
        "interpreter": interpreter(),
        "gil_enabled": gil_enabled(),
        "switch_interval_ms": sys.getswitchinterval() * 1000.0,
        "start_method": multiprocessing.get_start_method(),
        "iters_per_ms": iters_per_ms,
        "points": points,
    }


def parse_args(argv):
    """The command line; every bad value is an error that names its flag."""

    def int_list(text):
        try:
            values = [int(v) for v in text.split(",")]
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of integers")
        bad = [v for v in values if not 1 <= v <= MAX_TASKS]
        if bad:
            raise argparse.ArgumentTypeError(f"task counts must be 1 to {MAX_TASKS}, got {bad[0]}")
        return values

    def ms(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number")
        if not 0.0 <= value <= MAX_MS:  # also rejects NaN
            raise argparse.ArgumentTypeError(f"must be from 0 to {MAX_MS:.0f} ms, got {text}")
        return value

    def strategy_list(text):
        names = text.split(",")
        unknown = [s for s in names if s not in STRATEGIES]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"unknown strategy {unknown[0]!r}; expected some of: {', '.join(STRATEGIES)}"
            )
        return names

    def repeats(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer")
        if not 1 <= value <= MAX_REPEATS:
            raise argparse.ArgumentTypeError(f"must be 1 to {MAX_REPEATS}, got {value}")
        return value

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="base URL of a gilwall (or httpbin) server")
    parser.add_argument("--strategies", type=strategy_list, default=list(STRATEGIES))
    parser.add_argument("--tasks", type=int_list, default=[1, 2, 4, 8, 16, 32])
    parser.add_argument("--io-ms", type=ms, default=200.0, help="delay of one fetch, in ms")
    parser.add_argument("--cpu-ms", type=ms, default=100.0, help="CPU work per task, in ms")
    parser.add_argument("--repeats", type=repeats, default=1, help="measured runs per point")
    parser.add_argument("--warmup", type=int, default=0, choices=range(0, 101), metavar="N")
    parser.add_argument("--timeout-slack-s", type=float, default=30.0,
                        help="per-request timeout beyond the delay, in seconds")
    args = parser.parse_args(argv)
    if not args.url.startswith(("http://", "https://")):
        parser.error(f"--url {args.url!r} is not an http:// or https:// URL")
    return args


def main(argv=None) -> int:
    """Measures, then prints the JSON document on stdout."""
    args = parse_args(argv)
    document = measure(args)
    json.dump(document, sys.stdout)
    sys.stdout.write("\n")
    return 0


# The guard matters: ProcessPoolExecutor's workers import this module, and with the spawn or
# forkserver start methods they must not run the sweep again.
if __name__ == "__main__":
    sys.exit(main())
