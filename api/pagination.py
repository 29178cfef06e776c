"""Cursor pagination, the same on every list: ``?limit=&cursor=`` in, ``{"items", "next_cursor"}`` out.

``limit`` is 1..100 (default 50); ``cursor`` is the opaque ``next_cursor`` of the previous page (absent for
the first page). ``next_cursor`` is null on the last page. A bad limit or cursor is a 400 saying why.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter

T = TypeVar("T")
K = TypeVar("K")

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
MAX_CURSOR = 200


@dataclass
class Page(Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next (null: this was the last)."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(position: Any) -> str:
    """An opaque cursor for ``position`` (any JSON value)."""
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode().rstrip("=")


def _bad_cursor() -> ValidationException:
    return ValidationException(
        "invalid cursor: pass back the next_cursor of the previous page",
        extra=[{"source": "query", "key": "cursor", "message": "not a cursor of this list"}],
    )


@dataclass(frozen=True)
class PageRequest:
    """What the caller asked for: at most ``limit`` items after the position ``cursor`` encodes."""

    limit: int
    cursor: str | None

    def position(self, kind: type[K]) -> K | None:
        """The decoded cursor, which must be a ``kind`` (an int or a str); None for the first page."""
        if self.cursor is None:
            return None
        padded = self.cursor + "=" * (-len(self.cursor) % 4)
        try:
            value = json.loads(base64.urlsafe_b64decode(padded.encode()))
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise _bad_cursor() from None
        if not isinstance(value, kind) or isinstance(value, bool):
            raise _bad_cursor()
        return value

    def page(self, rows: Sequence[T], position_of: Callable[[T], Any]) -> Page[T]:
        """The page of ``rows`` fetched with ``limit + 1``: the extra row only says that more follow."""
        items = list(rows[: self.limit])
        more = len(rows) > self.limit
        return Page(items, encode_cursor(position_of(items[-1])) if more and items else None)

    def slice(self, rows: Sequence[T], key: Callable[[T], int]) -> Page[T]:
        """A page of an in-memory list ordered by the int ``key``: the rows after the cursor's key."""
        after = self.position(int)
        remaining = [row for row in rows if after is None or key(row) > after]
        return self.page(remaining[: self.limit + 1], key)

    def offset_page(self, rows: Sequence[T]) -> Page[T]:
        """A page of rows fetched from ``offset`` with ``limit + 1`` (aggregates with no stable key)."""
        start = self.offset
        items = list(rows[: self.limit])
        more = len(rows) > self.limit
        return Page(items, encode_cursor(start + len(items)) if more else None)

    @property
    def offset(self) -> int:
        """Where an offset-paged list resumes."""
        start = self.position(int) or 0
        if start < 0:
            raise _bad_cursor()
        return start


def provide_page(
    limit: Annotated[
        int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Items per page, 1 to {MAX_LIMIT}")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        QueryParameter(
            max_length=MAX_CURSOR,
            description="The next_cursor of the previous page; absent for the first page",
        ),
    ] = None,
) -> PageRequest:
    """The page the request asks for."""
    return PageRequest(limit, cursor)


PAGINATED = {"page": Provide(provide_page, sync_to_thread=False)}
"""Dependencies of a paginated route: declare ``page: PageRequest``."""
