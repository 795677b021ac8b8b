"""The oracle for Python exercise 1: eight fetches of 200 ms against gilwall's server, how long
they took, how many were in flight at once, and the order of the answers."""

import asyncio
import time

import aiohttp

import support
from exercise import fetch_all

DELAY_MS = 200
N = 8


async def _run(urls):
    async with aiohttp.ClientSession() as session:
        support.reset_in_flight()
        start = time.perf_counter()
        bodies = await fetch_all(session, urls)
        return bodies, (time.perf_counter() - start) * 1000, support.peak_in_flight()


def test_eight_fetches_take_about_as_long_as_one(url):
    urls = [support.delay_url(DELAY_MS, tag=i) for i in range(N)]
    bodies, took, peak = asyncio.run(_run(urls))
    assert len(bodies) == N, f"fetch_all returned {len(bodies)} bodies for {N} URLs"
    assert peak == N, (
        f"at most {peak} of the {N} fetches were in flight at once; they should all wait "
        f"together"
    )
    assert took < 2.5 * DELAY_MS, (
        f"{N} fetches of {DELAY_MS} ms took {took:.0f} ms: they still run one after another"
    )


def test_results_come_back_in_order(url):
    # Later URLs answer sooner, so answers that arrive first must not be put first.
    urls = [support.delay_url(50 * (4 - i), tag=i) for i in range(4)]
    bodies, _, _ = asyncio.run(_run(urls))
    tags = [support.tag_of(b) for b in bodies]
    assert tags == [0, 1, 2, 3], f"the answers came back as URLs {tags}, not in the order asked"
