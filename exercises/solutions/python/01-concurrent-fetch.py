"""Python exercise 1 — reference solution: every fetch starts at once and the loop waits for
all of them together (the article's `asyncio.gather`), so N fetches take about one delay."""

import asyncio

from support import fetch


async def fetch_all(session, urls):
    """Fetches every URL with the aiohttp `session`; returns the bodies in the order of `urls`."""
    return await asyncio.gather(*(fetch(session, url) for url in urls))
