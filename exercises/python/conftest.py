"""What every Python exercise's tests share: the server's address, and the results written as
one JSON document for `gilwall workshop check --python` to read (a machine-readable contract,
not pytest's text for people)."""

import json
import os

import pytest

import support

_RESULTS = {"passed": 0, "failures": []}


@pytest.fixture(scope="session")
def url():
    """gilwall's feature server, which `gilwall workshop check --python` starts."""
    return support.server_url()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.passed:
        _RESULTS["passed"] += 1
    elif report.failed:
        error = call.excinfo.value if call.excinfo is not None else None
        if isinstance(error, AssertionError) and str(error):
            # The test's own sentence, without pytest's rewritten expression after it.
            message = str(error).split("\nassert ")[0]
            verbatim = False
        elif call.excinfo is not None:
            # An error in the code under test: a short traceback, as Python laid it out.
            message = str(call.excinfo.getrepr(style="short", chain=False))
            verbatim = True
        else:
            message = str(report.longrepr)
            verbatim = True
        _RESULTS["failures"].append(
            {"test": item.name, "message": message, "verbatim": verbatim}
        )


def pytest_collectreport(report):
    if report.failed:
        _RESULTS["failures"].append(
            {"test": "it does not import", "message": str(report.longrepr), "verbatim": True}
        )


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("GILWALL_PYTEST_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(_RESULTS, f)
