#!/usr/bin/env python3
"""gilwall's Python app: the article's feature-serving endpoint on aiohttp, as Python deploys it.

"Async I/O Is Not Enough" is about a latency-critical service: an ML endpoint that fetches
features, then computes. ``gilwall app`` serves it in Rust; this program serves the same
``GET /predict`` in Python, so ``gilwall load --python`` can put Python's tail-latency cliff
beside gilwall's on one chart. Each strategy is what Python users deploy:

- ``asyncio``: the CPU work inline in the handler, as a FastAPI ``async def`` doing CPU work.
  The event loop's one thread runs every request's CPU: it saturates at 1/cpu req/s (the wall).
- ``executor``: the CPU work through ``loop.run_in_executor(None, ...)``, the default
  ThreadPoolExecutor (article step 3). Under the GIL its threads take turns, so it is the wall
  again; on a free-threaded build they compute on every core.
- ``process-pool``: the CPU work in a ``ProcessPoolExecutor`` (article step 4): the fetch on
  the loop, the loop's work pickled to a worker process.
- ``workers``: P aiohttp processes sharing one port with ``SO_REUSEPORT``, each with its CPU
  inline: gunicorn ``-w P`` with uvicorn workers. The kernel spreads connections over them.

The CPU work is the companion's (``gilwall_python.fake_cpu_op``, calibrated by its
``calibrate``), so ``--cpu-ms 20`` means the same 20 ms of Python CPU time here as in
``gilwall python``. ``/predict`` takes ``seed``, ``io_ms`` and ``cpu_ms`` and answers JSON with
the strategy, the seed, a checksum (the loop's result, proof the work was done; the loop is the
article's, with its random noise, so it is not comparable with gilwall's kernel) and the CPU
time the work took on its thread's CPU clock. A bad query gets 400 naming the parameter; past
``--max-in-flight`` requests at once, 503 at once, as ``gilwall app`` does.

Run it by hand against a feature server (``gilwall serve``)::

    python gilwall_app.py --feature-url http://127.0.0.1:8000 --strategy asyncio --port 8080

Once it serves it prints one line on stdout, ``{"listening": URL, ...}``. With ``--lifeline``
it stops when its stdin ends (its parent closed it or died), which is how gilwall runs it; its
own children (pool or worker processes) stop when it does, by any signal.
"""

import argparse
import asyncio
import json
import math
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

# The companion's kernel and calibration, so `cpu_ms` means what it means there.
import gilwall_python
from gilwall_python import calibrate, gil_enabled, interpreter

try:
    import aiohttp
    from aiohttp import web
except ImportError as missing:  # run by hand outside gilwall's virtual environment
    sys.exit(
        f"gilwall_app.py needs aiohttp ({missing}); install it with "
        "`pip install -r requirements.txt` beside this file, or run it through `gilwall load`"
    )

STRATEGIES = ("asyncio", "executor", "process-pool", "workers")

# The same limits as `gilwall app`'s, so the same query is refused by both with the same words.
MAX_REQUEST_MS = 10_000.0
MAX_QUERY_BYTES = 1024
U32_MAX = 2**32 - 1
DEFAULT_MAX_IN_FLIGHT = 1024
# How often a child process checks that its parent is still there, seconds.
PARENT_CHECK_S = 0.1
# How long a clean stop may take once asked, seconds (gilwall's children get as long).
GRACE_S = 1.0


# ----------------------------------------------------------------------------------------------
# Children die with their parent
# ----------------------------------------------------------------------------------------------


def die_with_parent():
    """Ends this process when its parent does, whatever ended the parent (SIGKILL included).

    A thread compares ``os.getppid()`` with the parent's pid at start: when the parent dies the
    process is re-parented and the pid changes. Python's pool workers hold both ends of their
    queues' pipes, so no end of file would tell them; a check every 100 ms does.
    """
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, name="gilwall-parent-watch", daemon=True).start()


def watch_stdin(on_end):
    """Calls ``on_end`` (from another thread) when stdin ends: gilwall's lifeline. If the
    process is still alive ``GRACE_S`` later (a request stuck in a pool, say), it exits anyway.
    """

    def watch():
        # os.read, not sys.stdin: a process pool's worker forked while this thread held
        # sys.stdin's lock would deadlock closing it (multiprocessing closes stdin in children).
        while os.read(0, 4096):
            pass
        on_end()
        time.sleep(GRACE_S)
        os._exit(0)

    threading.Thread(target=watch, name="gilwall-lifeline", daemon=True).start()


# ----------------------------------------------------------------------------------------------
# The request: its query, checked like gilwall app's
# ----------------------------------------------------------------------------------------------


class BadQuery(ValueError):
    """A query parameter out of range or unknown; the message names it."""


FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$", re.I)
UINT = re.compile(r"^\+?\d+$")


def parse_query(raw: str, io_ms: float, cpu_ms: float):
    """``(seed, io_ms, cpu_ms)`` from ``/predict``'s raw query string, each falling back to the
    app's setting; raises ``BadQuery`` naming the parameter, in ``gilwall app``'s words."""
    seed = 0
    if len(raw) > MAX_QUERY_BYTES:
        raise BadQuery(f"the query string is longer than {MAX_QUERY_BYTES} bytes")

    def ms(name, value):
        v = float(value) if FLOAT.match(value) else math.nan
        if not (math.isfinite(v) and 0.0 <= v <= MAX_REQUEST_MS):
            raise BadQuery(f"{name} must be a number of ms from 0 to {MAX_REQUEST_MS:.0f}, got {value!r}")
        return v

    for pair in filter(None, raw.split("&")):
        name, _, value = pair.partition("=")
        if name == "seed":
            if not UINT.match(value) or int(value) > U32_MAX:
                raise BadQuery(f"seed must be an integer from 0 to {U32_MAX}, got {value!r}")
            seed = int(value)
        elif name == "io_ms":
            io_ms = ms(name, value)
        elif name == "cpu_ms":
            cpu_ms = ms(name, value)
        else:
            raise BadQuery(f"unknown parameter {name[:40]!r}; /predict takes seed, io_ms and cpu_ms")
    return seed, io_ms, cpu_ms


def compute(iterations: int):
    """The article's CPU work: ``(cpu_ms, checksum)``, the CPU time on this thread's clock and
    the loop's result as 16 hex digits (its float's bits). Module-level, so it pickles by name
    for the process pool."""
    start = time.thread_time()
    result = gilwall_python.fake_cpu_op(iterations)
    cpu_ms = (time.thread_time() - start) * 1000.0
    bits = int.from_bytes(struct.pack("<d", result), "little")
    return cpu_ms, f"{bits:016x}"


def error(status: int, message: str):
    return web.json_response({"error": message}, status=status)


# Where a request's CPU work runs: on the loop's own thread, or handed to an executor.
INLINE = "inline"


def make_app(args, iters_per_ms: float, pool):
    """The aiohttp application: ``/predict`` and ``/healthz``, CPU work where ``args.strategy``
    puts it: ``pool`` is ``INLINE``, ``None`` (the loop's default ThreadPoolExecutor, as
    ``run_in_executor(None, ...)`` picks it) or an executor (the ``ProcessPoolExecutor``)."""
    state = {"in_flight": 0}
    session_key = web.AppKey("session", aiohttp.ClientSession)

    async def predict(request):
        try:
            seed, io_ms, cpu_ms = parse_query(request.query_string, args.io_ms, args.cpu_ms)
        except BadQuery as e:
            return error(400, str(e))
        # The bounded queue: a request beyond the limit is refused now, not queued without end.
        if state["in_flight"] >= args.max_in_flight:
            return error(
                503,
                f"the app is at its limit of {args.max_in_flight} requests in flight; try again later",
            )
        state["in_flight"] += 1
        try:
            url = f"{args.feature_url.rstrip('/')}/delay/{io_ms / 1000.0}"
            try:
                async with request.app[session_key].get(url) as response:
                    response.raise_for_status()
                    await response.json()  # the features; the article's work does not read them
            except Exception as e:  # noqa: BLE001 -- the feature server failed us: 502, in its words
                return error(502, f"fetching {url}: {type(e).__name__}: {e}")
            iterations = round(cpu_ms * iters_per_ms) if cpu_ms > 0 else 0
            if pool is INLINE:
                # FastAPI `async def` doing CPU work: the loop runs nothing else meanwhile.
                spent_ms, checksum = compute(iterations)
            else:
                # run_in_executor: the loop waits for the pool (threads or processes).
                loop = asyncio.get_running_loop()
                spent_ms, checksum = await loop.run_in_executor(pool, compute, iterations)
            return web.json_response(
                {"strategy": args.strategy, "seed": seed, "checksum": checksum, "cpu_ms": spent_ms}
            )
        finally:
            state["in_flight"] -= 1

    async def healthz(_request):
        return web.Response(text="ok\n")

    async def not_found(request):
        return error(
            404,
            f"no such endpoint: {request.path}; the app serves /predict?seed=&io_ms=&cpu_ms= and /healthz",
        )

    async def client(app):
        # One session per process, with a connection pool, as a service keeps it (the article's
        # benchmark opens one per fetch; a deployed app does not).
        timeout = aiohttp.ClientTimeout(total=args.timeout_s)
        connector = aiohttp.TCPConnector(limit=0)
        app[session_key] = aiohttp.ClientSession(timeout=timeout, connector=connector)
        yield
        await app[session_key].close()

    app = web.Application()
    app.cleanup_ctx.append(client)
    app.router.add_get("/predict", predict)
    app.router.add_get("/healthz", healthz)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app


def listening_socket(host: str, port: int, reuse_port: bool, listen: bool = True):
    """A TCP socket bound to ``host:port``, listening unless told not to, with ``SO_REUSEPORT``
    where several processes share the port."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    if listen:
        sock.listen(4096)
    return sock


async def serve(args, iters_per_ms: float, pool, sock, ready, stop: asyncio.Event):
    """Serves on ``sock`` until ``stop`` is set; calls ``ready()`` once it accepts."""
    runner = web.AppRunner(make_app(args, iters_per_ms, pool), access_log=None, handle_signals=False,
                            shutdown_timeout=GRACE_S)
    await runner.setup()
    site = web.SockSite(runner, sock)
    await site.start()
    ready()
    await stop.wait()
    await runner.cleanup()


def run_in_loop(args, iters_per_ms, pool, sock, ready):
    """Serves until stdin ends (``--lifeline``) or SIGINT/SIGTERM."""

    async def main():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if args.lifeline:
            watch_stdin(lambda: loop.call_soon_threadsafe(stop.set))
        await serve(args, iters_per_ms, pool, sock, ready, stop)

    asyncio.run(main())


def start_workers(args, iters_per_ms: float, port: int):
    """``workers``: P copies of this program, each an ``asyncio`` app on ``port``
    (``SO_REUSEPORT``), on their own lifelines (their stdin). Returns them once all serve."""
    children = []
    for _ in range(args.workers):
        argv = [
            sys.executable, os.path.abspath(__file__), "--worker",
            "--feature-url", args.feature_url, "--strategy", "workers",
            "--host", args.host, "--port", str(port),
            "--io-ms", repr(args.io_ms), "--cpu-ms", repr(args.cpu_ms),
            "--max-in-flight", str(args.max_in_flight), "--timeout-s", repr(args.timeout_s),
            "--iters-per-ms", repr(iters_per_ms), "--lifeline",
        ]
        children.append(subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE))
    for child in children:
        line = child.stdout.readline()
        if not line:
            for c in children:
                c.kill()
            sys.exit("a worker process exited before it served; its error is above")
    return children


def parse_args(argv):
    """The command line; every bad value is an error that names its flag."""

    def ms(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number")
        if not 0.0 <= value <= MAX_REQUEST_MS:  # also rejects NaN
            raise argparse.ArgumentTypeError(f"must be from 0 to {MAX_REQUEST_MS:.0f} ms, got {text}")
        return value

    def count(low, high):
        def parse(text):
            try:
                value = int(text)
            except ValueError:
                raise argparse.ArgumentTypeError(f"{text!r} is not an integer")
            if not low <= value <= high:
                raise argparse.ArgumentTypeError(f"must be {low} to {high}, got {value}")
            return value

        return parse

    def positive(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number")
        if not (math.isfinite(value) and value > 0):
            raise argparse.ArgumentTypeError(f"must be a number more than 0, got {text}")
        return value

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feature-url", required=True, help="base URL of a gilwall feature server")
    parser.add_argument("--strategy", choices=STRATEGIES, default="asyncio")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback by default)")
    parser.add_argument("--port", type=count(0, 65535), default=0, help="port to bind; 0: a free one")
    parser.add_argument("--io-ms", type=ms, default=50.0, help="fetch delay unless ?io_ms= says")
    parser.add_argument("--cpu-ms", type=ms, default=20.0, help="CPU per request unless ?cpu_ms= says")
    parser.add_argument("--workers", type=count(1, 256), default=None,
                        help="process-pool's or workers' processes (default: one per core)")
    parser.add_argument("--max-in-flight", type=count(1, 1_000_000), default=DEFAULT_MAX_IN_FLIGHT,
                        help="requests admitted at once; the rest get 503")
    parser.add_argument("--timeout-s", type=positive, default=40.0, help="how long a fetch may take")
    parser.add_argument("--iters-per-ms", type=positive, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--lifeline", action="store_true",
                        help="stop when stdin ends (how gilwall runs it)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.feature_url.startswith(("http://", "https://")):
        parser.error(f"--feature-url {args.feature_url!r} is not an http:// or https:// URL")
    if args.workers is None:
        args.workers = os.cpu_count() or 1
    return args


def say(line: dict):
    """One JSON line on stdout, which is how gilwall (or the parent app) hears it."""
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        # One of `workers`' processes: an asyncio app on the shared port.
        die_with_parent()
        sock = listening_socket(args.host, args.port, reuse_port=True)
        run_in_loop(args, args.iters_per_ms, INLINE, sock, lambda: say({"serving": os.getpid()}))
        return 0
    iters_per_ms = args.iters_per_ms or calibrate()
    base = {
        "strategy": args.strategy,
        "interpreter": interpreter(),
        "iters_per_ms": iters_per_ms,
    }
    if args.strategy == "workers":
        # The port is held by a bound socket that never listens, so the kernel hands it no
        # connection while the workers, which listen on it too, take them all.
        holder = listening_socket(args.host, args.port, reuse_port=True, listen=False)
        port = holder.getsockname()[1]
        children = start_workers(args, iters_per_ms, port)
        say({**base, "listening": f"http://{args.host}:{port}", "gil_enabled": gil_enabled(),
             "workers": args.workers})
        stop = threading.Event()
        if args.lifeline:
            watch_stdin(stop.set)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        while not stop.is_set() and all(c.poll() is None for c in children):
            stop.wait(0.2)
        for c in children:
            c.kill()
            c.wait()
        holder.close()
        return 0
    sock = listening_socket(args.host, args.port, reuse_port=False)
    port = sock.getsockname()[1]
    if args.strategy == "process-pool":
        pool = ProcessPoolExecutor(max_workers=args.workers, initializer=die_with_parent)
        workers = args.workers
    elif args.strategy == "executor":
        pool = None  # run_in_executor(None, ...): the loop's default ThreadPoolExecutor
        workers = min(32, (os.cpu_count() or 1) + 4)  # its size, as concurrent.futures picks it
    else:
        pool, workers = INLINE, None

    def ready():
        say({**base, "listening": f"http://{args.host}:{port}", "gil_enabled": gil_enabled(),
             "workers": workers})

    try:
        run_in_loop(args, iters_per_ms, pool, sock, ready)
    finally:
        if isinstance(pool, ProcessPoolExecutor):
            pool.shutdown(wait=False, cancel_futures=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
