"""Python exercise 4 — reference solution: each job is sent only its slice, so each byte of
the document is pickled once on its way to a worker process (a thread pool would copy none,
and runs in parallel on a free-threaded build)."""

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
    size = -(-len(document) // parts)
    chunks = [document[i * size : (i + 1) * size] for i in range(parts)]
    return sum(POOL.map(count_digits, chunks))
