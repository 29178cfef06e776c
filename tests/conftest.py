"""Fixtures shared by the whole suite: throwaway databases on the real PostgreSQL and SQLite, the real Redis."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tatiana.testing.databases import database_url, postgres_url, sqlite_url
from tatiana.testing.log_capture import LogCapture
from tatiana.testing.redis_server import redis_namespace, redis_url

__all__ = ["database_url", "postgres_url", "redis_namespace", "redis_url", "sqlite_url"]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No Tatiana or spec variable from the developer's environment, and a temporary working directory."""
    spec_variables = {"DATABASE_URL", "REDIS_URL", "BOT_PREFIX", "LOG_LEVEL", "DASHBOARD_ORIGIN"}
    for name in list(os.environ):
        ours = name.startswith(("DISCORD_", "GEMINI_", "TATIANA_", "JWT_", "API_")) or name in spec_variables
        if ours and not name.startswith("TATIANA_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


@pytest.fixture
def hikari_log() -> Iterator[LogCapture]:
    """Fails the test on any hikari warning or error it did not ``expect``."""
    handler = LogCapture(expected=("optimization level",))
    logger = logging.getLogger("hikari")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
    assert handler.unexpected() == []


@pytest.fixture(autouse=True)
def restore_root_logging() -> Iterator[None]:
    """Undo what a CLI run in the test did to the root logger: its handler writes to this test's stderr."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
