"""A streaming answer shown on a surface: one round of edits per interval, parts over 2,000 characters added."""

from __future__ import annotations

from dataclasses import dataclass, field

from tatiana_ai.streaming import NO_PINGS, StreamingReply


@dataclass
class Surface:
    """Messages as a channel would show them, and every call made."""

    messages: list[str] = field(default_factory=lambda: [""])
    calls: list[tuple[str, int, str]] = field(default_factory=list)

    async def edit_part(self, index: int, content: str) -> None:
        self.messages[index] = content
        self.calls.append(("edit", index, content))

    async def add_part(self, content: str) -> None:
        self.messages.append(content)
        self.calls.append(("add", len(self.messages) - 1, content))


@dataclass
class Clock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


async def test_edits_wait_for_the_interval_and_the_end_shows_everything() -> None:
    surface, clock = Surface(), Clock()
    reply = StreamingReply(surface, interval=1.0, clock=clock)
    await reply.add("Hola")
    for piece in (", ", "qué ", "tal"):
        clock.now += 0.3
        await reply.add(piece)
    assert surface.calls == [("edit", 0, "Hola")], "nothing more within the second"
    clock.now += 0.2
    await reply.add("?")
    assert surface.messages == ["Hola, qué tal?"]
    await reply.finish()
    assert len(surface.calls) == 2, "an unchanged message is not edited again"


async def test_text_beyond_one_message_goes_to_further_messages() -> None:
    surface, clock = Surface(), Clock()
    reply = StreamingReply(surface, interval=1.0, clock=clock, limit=20)
    await reply.add("one two three four ")
    clock.now += 1
    await reply.add("five six seven eight nine")
    await reply.finish()
    assert len(surface.messages) > 2
    assert all(len(m) <= 20 for m in surface.messages)
    assert " ".join(m.strip() for m in surface.messages).split() == reply.text.split()
    assert [kind for kind, *_ in surface.calls][:2] == ["edit", "edit"]
    assert {kind for kind, *_ in surface.calls[2:]} == {"add"}, "earlier parts settled, later ones added"


async def test_finish_can_replace_the_text() -> None:
    surface = Surface()
    reply = StreamingReply(surface, interval=1.0, clock=Clock())
    await reply.add("Par")
    await reply.finish("Par\n\nThe model stopped.")
    assert surface.messages == ["Par\n\nThe model stopped."]


def test_answers_never_ping() -> None:
    assert NO_PINGS == {"mentions_everyone": False, "user_mentions": False, "role_mentions": False}
