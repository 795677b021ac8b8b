"""The oracle for Python exercise 4: a feature payload from gilwall's server, counted by the
learner's `count_all`, while a meter counts the bytes multiprocessing pickles between
processes."""

import pytest

import support
from exercise import count_all, count_digits

SIZE = 4 << 20


@pytest.fixture(scope="module")
def document(url):
    return support.fetch_blocking(support.payload_url(SIZE, seed=7))


@pytest.mark.parametrize("parts", [4, 8])
def test_each_byte_is_copied_at_most_once(document, parts):
    with support.PickleMeter() as meter:
        counted = count_all(document, parts)
    assert counted == count_digits(document), (
        f"count_all found {counted} digits; the document has {count_digits(document)}"
    )
    mib = 1 << 20
    assert meter.bytes <= 1.25 * len(document) + 64 * 1024, (
        f"count_all pickled {meter.bytes / mib:.1f} MiB between processes to count a "
        f"{len(document) / mib:.1f} MiB document in {parts} parts: "
        f"{meter.bytes / len(document):.1f} copies of it"
    )
