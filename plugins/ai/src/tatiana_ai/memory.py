"""What the bot remembers of each channel's conversation: the recent turns, within a token budget."""

from __future__ import annotations

from collections import deque

MAX_TURNS = 50
"""Turns kept per channel at most, whatever their size."""


def estimate_tokens(text: str) -> int:
    """A cheap estimate of a text's tokens (about four characters each), never zero."""
    return max(1, len(text) // 4)


class ChannelMemory:
    """Recent ``(role, text)`` turns per channel or thread, in this process's memory."""

    def __init__(self) -> None:
        self._turns: dict[int, deque[tuple[str, str]]] = {}

    def recent(self, channel_id: int, token_budget: int) -> tuple[tuple[str, str], ...]:
        """The latest turns whose estimated tokens fit ``token_budget``, oldest first, starting with a user turn."""
        kept: list[tuple[str, str]] = []
        used = 0
        for role, text in reversed(self._turns.get(channel_id, ())):
            used += estimate_tokens(text)
            if used > token_budget:
                break
            kept.append((role, text))
        kept.reverse()
        while kept and kept[0][0] != "user":
            kept.pop(0)
        return tuple(kept)

    def remember(self, channel_id: int, question: str, answer: str) -> None:
        """Keep one exchange: the member's question and the model's answer."""
        turns = self._turns.setdefault(channel_id, deque(maxlen=MAX_TURNS))
        turns.extend((("user", question), ("model", answer)))

    def reset(self, channel_id: int) -> int:
        """Forget the channel's conversation; returns how many turns were forgotten."""
        return len(self._turns.pop(channel_id, ()))
