"""The oracle for Python exercise 3: twenty fetches with a limit of four, against gilwall's
server — how many were in flight at once, how long they took, and the order of the answers."""

import asyncio
import time

import aiohttp

import support
from exercise import fetch_bounded

DELAY_MS = 100
N, LIMIT = 20, 4


async def _run(urls, limit):
    async with aiohttp.ClientSession() as session:
        support.reset_in_flight()
        start = time.perf_counter()
        bodies = await fetch_bounded(session, urls, limit)
        return bodies, (time.perf_counter() - start) * 1000, support.peak_in_flight()


def test_never_more_than_the_limit_in_flight(url):
    urls = [support.delay_url(DELAY_MS, tag=i) for i in range(N)]
    bodies, _, peak = asyncio.run(_run(urls, LIMIT))
    assert len(bodies) == N, f"fetch_bounded returned {len(bodies)} bodies for {N} URLs"
    assert peak <= LIMIT, f"{peak} fetches were in flight at once; the limit was {LIMIT}"


def test_the_limit_is_used_not_just_respected(url):
    urls = [support.delay_url(DELAY_MS, tag=i) for i in range(N)]
    _, took, peak = asyncio.run(_run(urls, LIMIT))
    assert peak == LIMIT, f"at most {peak} fetches were in flight; {LIMIT} were allowed"
    # 20 fetches, 4 at a time: 5 rounds of 100 ms; one at a time would be 2 s.
    assert took < 2.5 * (N / LIMIT) * DELAY_MS, (
        f"{N} fetches of {DELAY_MS} ms, {LIMIT} at a time, took {took:.0f} ms"
    )


def test_results_come_back_in_order(url):
    urls = [support.delay_url(20 * (6 - i), tag=i) for i in range(6)]
    bodies, _, _ = asyncio.run(_run(urls, 3))
    tags = [support.tag_of(b) for b in bodies]
    assert tags == list(range(6)), f"the answers came back as URLs {tags}, not in the order asked"
