"""A report's post in the moderators' queue: the reported message, who reported it and why, and four buttons."""

from __future__ import annotations

import enum

import hikari

from tatiana import Translator
from tatiana_moderation.reports import ids
from tatiana_moderation.reports.store import Report, Resolution

OPEN_COLOR = 0xE67E22
RESOLVED_COLOR = 0x95A5A6
QUOTE_MAX_LENGTH = 1000


class Verb(enum.StrEnum):
    """The queue's buttons, in the order shown: what each does (the custom id's verb)."""

    DELETE = "delete"
    WARN = "warn"
    TIMEOUT = "timeout"
    DISMISS = "dismiss"


RESOLUTIONS = {
    Verb.DELETE: Resolution.DELETED,
    Verb.WARN: Resolution.WARNED,
    Verb.TIMEOUT: Resolution.TIMED_OUT,
    Verb.DISMISS: Resolution.DISMISSED,
}
STYLES: dict[Verb, hikari.components.InteractiveButtonTypesT] = {
    Verb.DELETE: hikari.ButtonStyle.DANGER,
    Verb.WARN: hikari.ButtonStyle.PRIMARY,
    Verb.TIMEOUT: hikari.ButtonStyle.PRIMARY,
    Verb.DISMISS: hikari.ButtonStyle.SECONDARY,
}


def quote(content: str) -> str:
    """The reported text as a block quote, shortened for the embed."""
    text = content if len(content) <= QUOTE_MAX_LENGTH else content[: QUOTE_MAX_LENGTH - 1] + "…"
    return "\n".join(f"> {line}" for line in text.splitlines()) or "> "


def report_embed(report: Report, t: Translator, outcome: str | None = None) -> hikari.Embed:
    """The queue post of a report; ``outcome`` says who handled it and how."""
    embed = hikari.Embed(
        title=t("moderation.reports.queue.title", number=report.id),
        description=quote(report.content) if report.content else t("moderation.reports.queue.no_text"),
        color=OPEN_COLOR if report.resolution is None else RESOLVED_COLOR,
        timestamp=report.created_at,
    )
    embed.add_field(
        t("moderation.reports.queue.author"), f"<@{report.author_id}> (`{report.author_id}`)", inline=True
    )
    embed.add_field(t("moderation.reports.queue.reporter"), f"<@{report.reporter_id}>", inline=True)
    embed.add_field(t("moderation.reports.queue.channel"), f"<#{report.channel_id}>", inline=True)
    embed.add_field(t("moderation.reports.queue.reason"), report.reason)
    embed.add_field(
        t("moderation.reports.queue.message"), f"[{t('moderation.reports.queue.jump')}]({report.jump_url()})"
    )
    if outcome is not None:
        embed.add_field(t("moderation.reports.queue.handled"), outcome)
    return embed


def outcome_text(report: Report, t: Translator, case_number: int | None = None) -> str:
    """Who handled the report and what they did (with the case it opened)."""
    assert report.resolution is not None and report.resolved_by is not None
    text = t(f"moderation.reports.outcome.{report.resolution}", moderator=f"<@{report.resolved_by}>")
    if case_number is not None:
        text += " " + t("moderation.reports.outcome.case", number=case_number)
    return text


def buttons(report_id: int, t: Translator, *, disabled: bool = False) -> hikari.impl.MessageActionRowBuilder:
    """The row of buttons under a report: delete the message, warn or time out its author, dismiss."""
    row = hikari.impl.MessageActionRowBuilder()
    for verb in Verb:
        row.add_interactive_button(
            STYLES[verb],
            ids.make(ids.REPORT_ACTION, verb, report_id),
            label=t(f"moderation.reports.buttons.{verb}"),
            is_disabled=disabled,
        )
    return row
