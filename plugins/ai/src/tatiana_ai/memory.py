"""What the bot remembers of a conversation (a channel or a thread), read from the database.

Every answered exchange is a row of ``ai_conversations`` tagged with its conversation, so the memory
survives restarts and follows a guild to whichever shard process holds it. The latest exchanges that fit
the guild's token budget are sent as turns; older ones are folded into a summary (``ai_summaries``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from tatiana import Database
from tatiana_ai.core_tables import conversations
from tatiana_ai.tables import summaries

MAX_EXCHANGES = 25
"""Exchanges read per question at most: recent ones as turns, the others to summarise."""

Turn = tuple[str, str]


def estimate_tokens(text: str) -> int:
    """A cheap estimate of a text's tokens (about four characters each), never zero."""
    return max(1, len(text) // 4)


@dataclass(frozen=True)
class PastExchange:
    """One remembered exchange."""

    id: int
    question: str
    answer: str

    def turns(self) -> tuple[Turn, Turn]:
        """The exchange as a user turn and a model turn."""
        return ("user", self.question), ("model", self.answer)


@dataclass(frozen=True)
class Recollection:
    """A conversation as the next question sees it."""

    summary: str
    """What was said before ``turns`` (empty when nothing was summarised)."""
    turns: tuple[Turn, ...]
    """The latest exchanges that fit the token budget, oldest first."""
    unsummarised: tuple[PastExchange, ...]
    """Older exchanges that neither fit nor are in the summary yet, oldest first."""
    summarised_through: int
    """The last exchange the summary covers (0 for none)."""


NOTHING = Recollection(summary="", turns=(), unsummarised=(), summarised_through=0)


async def recall(db: Database, conversation_id: int, token_budget: int) -> Recollection:
    """The conversation's summary and its latest exchanges within ``token_budget`` tokens."""
    if token_budget <= 0:
        return NOTHING
    async with db.session() as session:
        row = (
            await session.execute(
                select(summaries.c.summary, summaries.c.through_id).where(
                    summaries.c.conversation_id == conversation_id
                )
            )
        ).first()
        summary, through = (row.summary, int(row.through_id)) if row is not None else ("", 0)
        rows = (
            await session.execute(
                select(conversations.c.id, conversations.c.user_message, conversations.c.ai_response)
                .where(conversations.c.conversation_id == conversation_id, conversations.c.id > through)
                .order_by(conversations.c.id.desc())
                .limit(MAX_EXCHANGES)
            )
        ).all()
    budget = token_budget - (estimate_tokens(summary) if summary else 0)
    kept: list[PastExchange] = []
    older: list[PastExchange] = []
    for exchange_id, question, answer in rows:  # newest first
        exchange = PastExchange(int(exchange_id), question, answer)
        cost = estimate_tokens(question) + estimate_tokens(answer)
        if not older and cost <= budget:
            kept.append(exchange)
            budget -= cost
        else:
            older.append(exchange)
    turns = tuple(turn for exchange in reversed(kept) for turn in exchange.turns())
    return Recollection(summary, turns, tuple(reversed(older)), through)


async def forget(db: Database, conversation_id: int) -> int:
    """Forget the conversation (its exchanges stay recorded for usage); returns how many were remembered."""
    async with db.transaction() as session:
        remembered = await session.scalar(
            select(func.count()).where(conversations.c.conversation_id == conversation_id)
        )
        await session.execute(
            update(conversations)
            .where(conversations.c.conversation_id == conversation_id)
            .values(conversation_id=None)
        )
        await session.execute(delete(summaries).where(summaries.c.conversation_id == conversation_id))
    return int(remembered or 0)
