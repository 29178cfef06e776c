"""One question answered: the checks that may refuse it, then the model's streamed answer, recorded."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from tatiana import Database, Translator
from tatiana_ai import usage
from tatiana_ai.cooldowns import Cooldowns
from tatiana_ai.gemini import FunctionCall, GeminiConfig, ModelError, Question, ToolRound, stream_answer
from tatiana_ai.memory import NOTHING, Recollection
from tatiana_ai.settings import AISettings, SafetyLevel
from tatiana_ai.streaming import StreamingReply
from tatiana_ai.tools import MAX_TOOL_ROUNDS, Toolbox

log = logging.getLogger("tatiana_ai")


SAFETY_THRESHOLDS: dict[SafetyLevel, str | None] = {
    SafetyLevel.DEFAULT: None,
    SafetyLevel.BLOCK_FEW: "BLOCK_ONLY_HIGH",
    SafetyLevel.BLOCK_SOME: "BLOCK_MEDIUM_AND_ABOVE",
    SafetyLevel.BLOCK_MOST: "BLOCK_LOW_AND_ABOVE",
}
"""Gemini's harm block threshold for each safety level of the settings (None: the model's default)."""


@dataclass(frozen=True)
class Asker:
    """Who asks, and where."""

    guild_id: int
    guild_name: str
    user_id: int
    username: str


async def refusal(
    t: Translator,
    db: Database,
    *,
    settings: AISettings,
    config: GeminiConfig | None,
    cooldowns: Cooldowns,
    asker: Asker,
    prompt: str,
) -> str | None:
    """Why the question is not sent to the model, in the guild's language; None when it may be."""
    if not prompt:
        return t("ai.ask.empty")
    if len(prompt) > settings.max_prompt_chars:
        return t("ai.ask.too_long", length=len(prompt), limit=settings.max_prompt_chars)
    if settings.guild_daily_token_budget == 0:
        return t("ai.ask.disabled")
    if config is None:
        return t("ai.ask.not_configured")
    wait = cooldowns.remaining(asker.guild_id, asker.user_id)
    if wait > 0:
        return t("ai.ask.cooldown", seconds=max(1, round(wait)))
    spent = await usage.spent_today(db, asker.guild_id, asker.user_id)
    if spent.guild >= settings.guild_daily_token_budget:
        return t("ai.ask.guild_budget_spent", budget=settings.guild_daily_token_budget)
    if spent.member >= settings.member_daily_token_budget:
        return t("ai.ask.member_budget_spent", budget=settings.member_daily_token_budget)
    return None


SUMMARY_HEADING = "Summary of the earlier conversation:"


def question_for(
    settings: AISettings,
    prompt: str,
    past: Recollection = NOTHING,
    images: tuple[tuple[bytes, str], ...] = (),
) -> Question:
    """The request the guild's settings make of ``prompt`` and its images, after the conversation so far."""
    system_prompt = settings.system_prompt
    if past.summary:
        system_prompt = f"{system_prompt}\n\n{SUMMARY_HEADING} {past.summary}".strip()
    return Question(
        model=settings.model,
        system_prompt=system_prompt,
        turns=(*past.turns, ("user", prompt)),
        temperature=settings.temperature,
        max_output_tokens=settings.max_output_tokens,
        images=images,
        safety_threshold=SAFETY_THRESHOLDS[settings.safety],
    )


@dataclass
class Spent:
    """Tokens the model reported per request of one answer (a failed request's count included)."""

    rounds: list[int | None]

    @property
    def tokens(self) -> int | None:
        """The answer's tokens; None when the model reported none."""
        known = [tokens for tokens in self.rounds if tokens is not None]
        return sum(known) if known else None


async def _stream_round(
    config: GeminiConfig, question: Question, reply: StreamingReply, spent: Spent
) -> tuple[FunctionCall, ...]:
    """One request: its text streamed into ``reply``, its tokens noted in ``spent``; the calls asked for."""
    calls: list[FunctionCall] = []
    spent.rounds.append(None)
    async for delta in stream_answer(config, question):
        if delta.total_tokens is not None:
            spent.rounds[-1] = delta.total_tokens
        calls += delta.calls
        if delta.text:
            await reply.add(delta.text)
    return tuple(calls)


async def answer(
    t: Translator,
    db: Database,
    *,
    config: GeminiConfig,
    question: Question,
    reply: StreamingReply,
    asker: Asker,
    message_id: Callable[[], int | None],
    conversation_id: int | None = None,
    toolbox: Toolbox | None = None,
) -> str | None:
    """Stream the model's answer into ``reply``, running the tools it calls, and record the exchange
    (remembered in ``conversation_id``, when given); returns the answer, or None after saying in the reply
    why there is none. Tokens the model reported count against the budgets even when the answer failed."""
    started = time.perf_counter()
    spent = Spent([])
    if toolbox is not None and toolbox.offered:
        question = replace(question, tools=toolbox.specs())
    try:
        for round_number in range(MAX_TOOL_ROUNDS + 1):
            if round_number == MAX_TOOL_ROUNDS:
                question = replace(question, tools=())  # enough calls: now the model must answer
            calls = await _stream_round(config, question, reply, spent)
            if not calls or toolbox is None or not question.tools:
                break
            results = tuple([await toolbox.run(call) for call in calls])
            question = replace(question, tool_rounds=(*question.tool_rounds, ToolRound(calls, results)))
        if not reply.text:
            raise ModelError("empty", "only tool calls")
    except ModelError as error:
        log.warning("guild %s: the model gave no answer (%s)", asker.guild_id, error)
        sorry = t(f"ai.error.{error.kind}")
        if spent.tokens:  # not remembered as a conversation turn, but the tokens were used
            await usage.record(
                db,
                _exchange(
                    question,
                    asker,
                    response=reply.text,
                    spent=spent,
                    started=started,
                    message_id=message_id(),
                    conversation_id=None,
                ),
            )
        await reply.finish(f"{reply.text}\n\n{sorry}" if reply.text else sorry)
        return None
    exchange = _exchange(
        question,
        asker,
        response=reply.text,
        spent=spent,
        started=started,
        message_id=message_id(),
        conversation_id=conversation_id,
    )
    # Recorded before the final edit: whatever the member says after seeing the whole answer comes later.
    await usage.record(db, exchange)
    await reply.finish()
    return reply.text


def _exchange(
    question: Question,
    asker: Asker,
    *,
    response: str,
    spent: Spent,
    started: float,
    message_id: int | None,
    conversation_id: int | None,
) -> usage.Exchange:
    return usage.Exchange(
        guild_id=asker.guild_id,
        guild_name=asker.guild_name,
        user_id=asker.user_id,
        username=asker.username,
        message_id=message_id or 0,
        prompt=question.turns[-1][1],
        response=response,
        tokens=spent.tokens,
        seconds=time.perf_counter() - started,
        model=question.model,
        conversation_id=conversation_id,
    )
