"""The oracle for Python exercise 5: eight threads fetch from gilwall's server and update
shared totals; an instrumented lock stands in for `LOCK` and measures how long it was held."""

import threading
import time

import support
import exercise

DELAY_MS = 200
N = 8


class TimedLock:
    """A lock that records how often, and for how long at most, it was held."""

    def __init__(self):
        self._lock = threading.Lock()
        self.taken = 0
        self.longest_ms = 0.0

    def acquire(self, *args, **kwargs):
        got = self._lock.acquire(*args, **kwargs)
        if got:
            self._since = time.perf_counter()
            self.taken += 1
        return got

    def release(self):
        self.longest_ms = max(self.longest_ms, (time.perf_counter() - self._since) * 1000)
        self._lock.release()

    __enter__ = acquire

    def __exit__(self, *exc):
        self.release()


def _run(monkeypatch):
    lock = TimedLock()
    monkeypatch.setattr(exercise, "LOCK", lock)
    urls = [support.delay_url(DELAY_MS, tag=i) for i in range(N)]
    start = time.perf_counter()
    totals = exercise.fetch_and_count(urls)
    took = (time.perf_counter() - start) * 1000
    expected = sum(len(support.fetch_blocking(support.delay_url(0, tag=i))) for i in range(N))
    return totals, took, lock, expected


def test_the_fetches_overlap(url, monkeypatch):
    _, took, lock, _ = _run(monkeypatch)
    assert took < 2.5 * DELAY_MS, (
        f"{N} threads each fetching for {DELAY_MS} ms took {took:.0f} ms, and the lock was "
        f"held for up to {lock.longest_ms:.0f} ms at a time: the fetches take turns behind it"
    )


def test_the_lock_still_guards_the_totals(url, monkeypatch):
    totals, _, lock, expected = _run(monkeypatch)
    assert totals == {"bytes": expected, "fetches": N}, f"totals: {totals}"
    assert lock.taken >= N, (
        f"LOCK was taken {lock.taken} times for {N} updates of the shared totals"
    )
    assert lock.longest_ms < 20, f"LOCK was held for up to {lock.longest_ms:.0f} ms at a time"
