"""What a plugin declares for each of its buffered counters: its name and how one batch is written."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tatiana.database import Database

CounterWriter = Callable[["Database", Mapping[str, int]], Awaitable[None]]
"""Writes one batch (key -> total increment) in one transaction; raising keeps the batch for the next flush."""


@dataclass(frozen=True, slots=True)
class BufferedCounter:
    """A counter of a plugin, buffered outside the database: ``Plugin(counters=[...])`` declares it.

    ``name`` starts with the plugin's name and a dot (``"levels.xp"``). ``write`` receives every key that
    changed since the last flush, once, with the sum of its increments: one write per key and flush.
    A batch can be written twice if a process dies between its database commit and forgetting it.
    """

    name: str
    write: CounterWriter
