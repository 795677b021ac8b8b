"""Exercise 4 (Python) — share without copying (the article's "pickling is expensive for large
objects").

`count_all` counts the digits in a large document, split into `parts` jobs run by a process
pool. A process has its own heap, so every argument sent to it is pickled, piped and unpickled:
here every job is sent the *whole* document to look at its part. With 4 parts, a 4 MiB
document is copied four times.

Your job: get the same answer while copying (pickling) each byte of the document at most once —
send each job only its part, or share the document instead of copying it (threads share one
heap).

Check your work: `gilwall workshop check --python 4`. Stuck? add `--hint`.
"""

from concurrent.futures import ProcessPoolExecutor

DIGITS = b"0123456789"


def count_digits(chunk):
    """The digits in `chunk` (bytes)."""
    return sum(chunk.count(d) for d in DIGITS)


def digits_in_part(document, part, parts):
    """The digits in the `part`-th of `parts` equal slices of `document`."""
    size = -(-len(document) // parts)
    return count_digits(document[part * size : (part + 1) * size])


# One pool for every call: starting processes costs milliseconds.
POOL = ProcessPoolExecutor(2)


def count_all(document, parts=4):
    """The digits in `document`, counted in `parts` jobs."""
    # TODO: every job is sent the whole document (pickled, piped, unpickled) to count a slice.
    jobs = [POOL.submit(digits_in_part, document, i, parts) for i in range(parts)]
    return sum(job.result() for job in jobs)
