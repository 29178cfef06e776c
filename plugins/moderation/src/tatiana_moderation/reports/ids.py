"""The custom ids of the reports' and appeals' buttons and forms: what to do, and on which row.

Each id carries everything its handler needs, so a button keeps working after a restart, in any bot
process, with nothing kept in memory: ``moderation:<kind>:<word or number>...``.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "moderation"
REPORT_FORM = "report-form"
REPORT_ACTION = "report"
APPEAL_BUTTON = "appeal"
APPEAL_FORM = "appeal-form"
APPEAL_DECISION = "appeal-decide"
KINDS = frozenset({REPORT_FORM, REPORT_ACTION, APPEAL_BUTTON, APPEAL_FORM, APPEAL_DECISION})

REASON_FIELD = "reason"
APPEAL_FIELD = "text"


@dataclass(frozen=True)
class CustomId:
    """A parsed custom id: its kind, an optional verb (``delete``, ``accept``...) and its numbers."""

    kind: str
    verb: str | None
    numbers: tuple[int, ...]


def make(kind: str, *parts: str | int) -> str:
    """The custom id of ``kind`` with ``parts``."""
    return ":".join([PREFIX, kind, *(str(part) for part in parts)])


def parse(custom_id: str) -> CustomId | None:
    """The custom id if it is one of ours, else None (another plugin's component, or a malformed one)."""
    prefix, _, rest = custom_id.partition(":")
    if prefix != PREFIX:
        return None
    kind, *parts = rest.split(":")
    if kind not in KINDS or not parts:
        return None
    verb = None if parts[0].isdigit() else parts.pop(0)
    if not parts or not all(part.isdigit() for part in parts):
        return None
    return CustomId(kind, verb, tuple(int(part) for part in parts))
