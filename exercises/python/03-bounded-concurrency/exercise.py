"""Exercise 3 (Python) — bounded concurrency.

`fetch_bounded` fetches every URL concurrently and returns the bodies in order. It starts them
all at once: with 10 000 URLs that is 10 000 connections, more than a server (or the open-files
limit) allows. The caller says how many may be in flight: `limit`.

Your job: keep the fetches concurrent and in order, but never have more than `limit` in flight.

Check your work: `gilwall workshop check --python 3`. Stuck? add `--hint`.
"""

import asyncio

from support import fetch


async def fetch_bounded(session, urls, limit):
    """Fetches every URL, at most `limit` at a time; returns the bodies in the order of `urls`."""
    # TODO: this starts every fetch at once, whatever `limit` says.
    return await asyncio.gather(*(fetch(session, url) for url in urls))
