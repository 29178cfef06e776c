"""A logging handler for tests: collects a logger's warnings and errors, of which a test declares the expected."""

from __future__ import annotations

import logging
import re


class LogCapture(logging.Handler):
    """Records of ``level`` and above; ``unexpected()`` lists those no ``expect``-ed pattern matches."""

    def __init__(self, level: int = logging.WARNING, expected: tuple[str, ...] = ()) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []
        self.expected: list[re.Pattern[str]] = [re.compile(p) for p in expected]

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)

    def expect(self, pattern: str) -> None:
        """Allow warnings or errors whose ``"<logger> <LEVEL>: <message>"`` matches ``pattern``."""
        self.expected.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        """The collected messages no expected pattern matches."""
        messages = [f"{r.name} {r.levelname}: {r.getMessage()}" for r in self.records]
        return [m for m in messages if not any(p.search(m) for p in self.expected)]
