"""Long answers cut into Discord-sized messages without breaking a code block."""

from __future__ import annotations

import re

MESSAGE_LIMIT = 2_000
"""The most characters Discord allows in one message's content."""

_FENCE = re.compile(r"^```(\S*)", re.MULTILINE)
_CLOSE = "\n```"


def _open_fence(text: str) -> str | None:
    """The opening line (```lang) of the code block still open at the end of ``text``, if any."""
    opening: str | None = None
    for match in _FENCE.finditer(text):
        opening = None if opening is not None else match.group(0)
    return opening


def _cut(text: str, room: int) -> int:
    """Where to end a part of at most ``room`` characters: after a newline, else a space, else hard."""
    if len(text) <= room:
        return len(text)
    window = text[:room]
    for separator in ("\n", " "):
        at = window.rfind(separator)
        if at > room // 2:
            return at + 1
    return room


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """``text`` in parts of at most ``limit`` characters; a code block cut in two is closed and reopened."""
    parts: list[str] = []
    rest, reopen = text, ""
    while True:
        body = reopen + rest
        if len(body) <= limit:
            if body.strip():
                parts.append(body)
            return parts
        end = _cut(body, limit - len(_CLOSE))
        head, rest = body[:end], body[end:]
        fence = _open_fence(head)
        if fence is None:
            parts.append(head.rstrip("\n"))
            reopen = ""
        else:
            parts.append(head.rstrip("\n") + _CLOSE)
            reopen = fence + "\n"
