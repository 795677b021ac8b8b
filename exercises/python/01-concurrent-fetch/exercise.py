"""Exercise 1 (Python) — fetch concurrently (the article's step 2).

`fetch_all` fetches every URL and returns the bodies in the order of `urls`. It awaits each
fetch before starting the next, so N fetches take N delays: serial I/O, only written with
`await`.

Your job: start all the fetches, then wait for all of them at once, keeping the order.

Check your work: `gilwall workshop check --python 1`. Stuck? add `--hint`.
"""

from support import fetch


async def fetch_all(session, urls):
    """Fetches every URL with the aiohttp `session`; returns the bodies in the order of `urls`."""
    bodies = []
    # TODO: each `await` here waits for one fetch before the next begins. Make the fetches
    #       overlap (one coroutine per URL, awaited together) and keep the results in order.
    for url in urls:
        bodies.append(await fetch(session, url))
    return bodies
