"""Exercise 5 (Python) — hold a lock briefly (a GIL made by hand, and undone).

`fetch_and_count` fetches every URL on its own thread and adds up what came back in a shared
`totals` dict. The dict is shared, so updates take `LOCK`. But `record` holds the lock for the
whole fetch too, so only one thread can be fetching at a time: eight threads, one at a time —
the same convoy as one CPU-bound thread holding the GIL (lesson 8).

Your job: hold the lock only while touching `totals`, so the fetches overlap, and keep the
totals right.

Check your work: `gilwall workshop check --python 5`. Stuck? add `--hint`.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from support import fetch_blocking

LOCK = threading.Lock()


def record(url, totals):
    """Fetches `url` and adds its size and one fetch to `totals`."""
    # TODO: the lock is held while fetching; hold it only for the update.
    with LOCK:
        body = fetch_blocking(url)
        totals["bytes"] += len(body)
        totals["fetches"] += 1


def fetch_and_count(urls):
    """Fetches every URL, one thread each; returns {"bytes": total size, "fetches": count}."""
    totals = {"bytes": 0, "fetches": 0}
    with ThreadPoolExecutor(len(urls)) as pool:
        for done in [pool.submit(record, url, totals) for url in urls]:
            done.result()
    return totals
