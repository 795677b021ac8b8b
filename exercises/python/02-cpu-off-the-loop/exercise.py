"""Exercise 2 (Python) — move CPU work off the event loop (the article's step 3, and its way
out).

`handle` fetches, then does CPU work on what came back (`support.burn` keeps the interpreter
busy for `cpu_ms`). It computes right there, in the coroutine, on the event loop's thread:
while it computes, no other fetch completes and no timer fires. Run several at once and their
CPU work queues on that one thread — the wall.

Your job: keep the fetch async, but run the CPU work in an executor (`loop.run_in_executor`)
where it runs in parallel with the other tasks' CPU work, and await its result. Which executor
works depends on the interpreter: see what the tests say.

Check your work: `gilwall workshop check --python 2`. Stuck? add `--hint`.
"""

from support import burn, fetch


async def handle(session, url, cpu_ms):
    """Fetches `url`, then does `cpu_ms` of CPU work on what came back; returns its result."""
    body = await fetch(session, url)
    seed = len(body)
    # TODO: this blocks the event loop for `cpu_ms`. Run it in an executor and await it.
    return burn(cpu_ms, seed)
