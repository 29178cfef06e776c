"""A pytest plugin that fails the run when any test was skipped: the real servers are never optional.

Enabled for this repository's suite by ``-p tatiana.testing.no_skips`` in pyproject's ``addopts``; a plugin
author may add the same option to their own.
"""

from __future__ import annotations

import pytest

_skipped: list[str] = []


def pytest_sessionstart(session: pytest.Session) -> None:
    """Start each run with no skip recorded."""
    _skipped.clear()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember every test that was skipped (an expected failure is not a skip)."""
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Turn a run with skipped tests into a failed one."""
    if _skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name the skipped tests, and why the run failed."""
    if _skipped:
        terminalreporter.write_line(
            f"FAILED: {len(_skipped)} test(s) skipped; nothing may be skipped "
            f"(tatiana.testing.no_skips): {', '.join(_skipped)}",
            red=True,
        )
