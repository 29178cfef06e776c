"""The suite's no-skip rule: a run in which any test was skipped fails, naming the test."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

TESTS = """
import pytest


def test_runs() -> None:
    assert True


@pytest.mark.xfail(reason="known", strict=True)
def test_expected_failure() -> None:
    raise AssertionError


def test_needs_a_server() -> None:
    pytest.skip("no server")
"""


def test_a_skipped_test_fails_the_run_and_is_named(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_servers=TESTS)

    result = pytester.runpytest_subprocess("-p", "tatiana.testing.no_skips", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=1, skipped=1, xfailed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*1 test(s) skipped; nothing may be skipped*test_needs_a_server*"])


def test_a_run_without_skips_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_servers=TESTS.replace('pytest.skip("no server")', "assert True"))

    result = pytester.runpytest_subprocess("-p", "tatiana.testing.no_skips", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=2, xfailed=1)
    assert result.ret == pytest.ExitCode.OK


def test_the_repositorys_suite_enables_it() -> None:
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert "-p tatiana.testing.no_skips" in pyproject["tool"]["pytest"]["ini_options"]["addopts"]
