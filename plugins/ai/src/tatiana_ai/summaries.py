"""Folding a conversation's older exchanges into a summary the next questions carry instead."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from tatiana import Database
from tatiana_ai.core_tables import conversations
from tatiana_ai.gemini import GeminiConfig, ModelError, Question, stream_answer
from tatiana_ai.memory import Recollection
from tatiana_ai.tables import summaries

log = logging.getLogger("tatiana_ai")

SUMMARY_TOKENS = 300
"""Longest summary the model may write, in tokens."""

INSTRUCTION = (
    "You keep the memory of a Discord conversation. Rewrite the earlier summary (if any) and the exchanges "
    "below into one short summary, at most 120 words, in the conversation's language. Keep names, facts, "
    "decisions and open questions; drop greetings and small talk. Write only the summary."
)


def summary_request(model: str, recollection: Recollection) -> Question:
    """The request asking ``model`` to fold the unsummarised exchanges into the summary."""
    lines = [f"Earlier summary: {recollection.summary}"] if recollection.summary else []
    for exchange in recollection.unsummarised:
        lines += [f"Member — {exchange.question}", f"Assistant — {exchange.answer}"]
    return Question(
        model=model,
        system_prompt=INSTRUCTION,
        turns=(("user", "\n".join(lines)),),
        temperature=0.2,
        max_output_tokens=SUMMARY_TOKENS,
    )


async def summarise(
    db: Database,
    config: GeminiConfig,
    *,
    model: str,
    guild_id: int,
    conversation_id: int,
    recollection: Recollection,
) -> bool:
    """Fold ``recollection``'s unsummarised exchanges into the stored summary; False when nothing changed.

    Never raises: a failed summary only means the next question summarises again.
    """
    if not recollection.unsummarised:
        return False
    try:
        text = "".join(
            [delta.text async for delta in stream_answer(config, summary_request(model, recollection))]
        )
    except ModelError as error:
        log.info("guild %s: could not summarise conversation %s (%s)", guild_id, conversation_id, error)
        return False
    stored = StoredSummary(guild_id, conversation_id, text.strip(), recollection.unsummarised[-1].id)
    try:
        return await _replace(db, stored, previous=recollection.summarised_through)
    except IntegrityError:  # another process stored the first summary at the same moment
        return False


@dataclass(frozen=True)
class StoredSummary:
    """A conversation's summary through one exchange."""

    guild_id: int
    conversation_id: int
    text: str
    through: int


async def _replace(db: Database, new: StoredSummary, *, previous: int) -> bool:
    """Store ``new`` if the summary is still the one through ``previous`` and its exchanges are remembered."""
    async with db.transaction() as session:
        still_remembered = await session.scalar(
            select(conversations.c.conversation_id).where(conversations.c.id == new.through)
        )
        if still_remembered != new.conversation_id:  # /ai reset forgot the conversation meanwhile
            return False
        current = await session.scalar(
            select(summaries.c.through_id).where(summaries.c.conversation_id == new.conversation_id)
        )
        now = datetime.now(UTC)
        if current is None and previous == 0:
            await session.execute(
                summaries.insert().values(
                    conversation_id=new.conversation_id,
                    guild_id=new.guild_id,
                    summary=new.text,
                    through_id=new.through,
                    updated_at=now,
                )
            )
            return True
        # Another answer summarised meanwhile: keep what it wrote.
        changed = await session.execute(
            update(summaries)
            .where(summaries.c.conversation_id == new.conversation_id, summaries.c.through_id == previous)
            .values(summary=new.text, through_id=new.through, updated_at=now)
        )
        return cast("CursorResult[Any]", changed).rowcount > 0
