"""Python exercise 5 — reference solution: the fetch runs outside the lock; only the update of
the shared totals holds it, for microseconds, so eight threads fetch at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

from support import fetch_blocking

LOCK = threading.Lock()


def record(url, totals):
    """Fetches `url` and adds its size and one fetch to `totals`."""
    body = fetch_blocking(url)
    with LOCK:
        totals["bytes"] += len(body)
        totals["fetches"] += 1


def fetch_and_count(urls):
    """Fetches every URL, one thread each; returns {"bytes": total size, "fetches": count}."""
    totals = {"bytes": 0, "fetches": 0}
    with ThreadPoolExecutor(len(urls)) as pool:
        for done in [pool.submit(record, url, totals) for url in urls]:
            done.result()
    return totals
