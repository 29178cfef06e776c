"""What a plugin's background task receives, and how plugin code asks for one to run."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import hikari

    from tatiana.database import Database
    from tatiana.guild_settings import GuildSettings

F = TypeVar("F", bound=Callable[..., Any])
EVERY_ATTRIBUTE = "__tatiana_every__"


@dataclass(frozen=True)
class TaskContext:
    """The first argument of a plugin's task: the database, Discord's REST API and each guild's settings."""

    database: Database
    rest: hikari.api.RESTClient
    guild_settings: GuildSettings


def every(seconds: float) -> Callable[[F], F]:
    """Run the decorated plugin task every ``seconds``, and once as soon as its runner starts."""
    if seconds < 1:
        raise ValueError(f"a periodic task runs at most every second, not every {seconds}s")

    def mark(function: F) -> F:
        setattr(function, EVERY_ATTRIBUTE, float(seconds))
        return function

    return mark


def period_of(function: Callable[..., Any]) -> float | None:
    """The period ``every`` gave a task, or None."""
    value = getattr(function, EVERY_ATTRIBUTE, None)
    return float(value) if value is not None else None


class Tasks(abc.ABC):
    """Runs plugins' tasks, named ``<plugin>.<function>``; commands and listeners declare ``tasks: Tasks``."""

    @abc.abstractmethod
    async def run(self, task: str, /, **kwargs: Any) -> None:
        """Run the task named ``task`` as soon as possible, with ``kwargs`` (JSON values)."""

    @abc.abstractmethod
    async def run_at(self, when: datetime, task: str, /, **kwargs: Any) -> None:
        """Run the task named ``task`` at ``when`` (timezone-aware).

        A time kept in memory is lost with the process: a task that must happen stores what it has to do,
        and a periodic task (``every``) of the plugin picks up what is overdue.
        """
