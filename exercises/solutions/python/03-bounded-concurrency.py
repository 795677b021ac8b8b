"""Python exercise 3 — reference solution: a semaphore with `limit` permits around each fetch,
so at most `limit` are in flight, and `gather` keeps the order."""

import asyncio

from support import fetch


async def fetch_bounded(session, urls, limit):
    """Fetches every URL, at most `limit` at a time; returns the bodies in the order of `urls`."""
    semaphore = asyncio.Semaphore(limit)

    async def one(url):
        async with semaphore:
            return await fetch(session, url)

    return await asyncio.gather(*(one(url) for url in urls))
