"""The queue's buttons: a moderator deletes the reported message, warns or times out its author, or dismisses it.

Warning and timing out open a case (source ``report``, the moderator who pressed); every button records who
acted in the report, shows it on the queue post and disables the buttons. The report is claimed before
acting, so a second press, by anyone, only hears that it was handled.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import hikari

from tatiana import Translator
from tatiana_moderation.cases import Action, Case, Person, Source, open_case
from tatiana_moderation.commands.common import audit_reason
from tatiana_moderation.reporting import publish
from tatiana_moderation.reports import store
from tatiana_moderation.reports.queue import RESOLUTIONS, Verb, buttons, outcome_text, report_embed
from tatiana_moderation.reports.ranks import action_refusal
from tatiana_moderation.reports.responses import (
    Deps,
    answer_privately,
    guild_of,
    has_permission,
    person,
    tell_privately,
)
from tatiana_moderation.settings import ModerationSettings

log = logging.getLogger(__name__)

P = hikari.Permissions
NEEDED = {
    Verb.DELETE: P.MANAGE_MESSAGES,
    Verb.WARN: P.MODERATE_MEMBERS,
    Verb.TIMEOUT: P.MODERATE_MEMBERS,
    Verb.DISMISS: P.MANAGE_MESSAGES,
}


class Refused(Exception):
    """Discord refused the action: the report goes back to the queue, and the moderator is told why."""


async def handle_report_button(
    interaction: hikari.ComponentInteraction, verb: str, report_id: int, deps: Deps
) -> None:
    """Check who pressed and whether the report is still open, then act and show the outcome on the post."""
    if interaction.guild_id is None or verb not in set(Verb):
        return
    action = Verb(verb)
    t = await deps.translator(interaction.guild_id)
    if not has_permission(interaction, NEEDED[action]):
        needed = t(f"moderation.permissions.{NEEDED[action].name}")
        await answer_privately(interaction, t("moderation.reports.errors.no_permission", permission=needed))
        return
    report = await store.get_report(deps.db, report_id)
    if report is None or report.guild_id != interaction.guild_id:
        await answer_privately(interaction, t("moderation.reports.errors.unknown"))
        return
    if report.resolution is not None:
        await answer_privately(interaction, _already(report, t))
        return
    if action in (Verb.WARN, Verb.TIMEOUT):
        problem = await action_refusal(interaction, t, report.author_id)
        if problem is not None:
            await answer_privately(interaction, problem)
            return
    claimed = await store.claim_report(deps.db, report.id, int(interaction.user.id), RESOLUTIONS[action])
    if claimed is None:
        latest = await store.get_report(deps.db, report.id)
        await answer_privately(interaction, _already(latest or report, t))
        return
    await interaction.create_initial_response(hikari.ResponseType.DEFERRED_MESSAGE_UPDATE)
    settings = await deps.settings(interaction.guild_id)
    try:
        case, problems = await _act(interaction, action, claimed, deps=deps, t=t, settings=settings)
    except Refused as refused:
        await store.reopen_report(deps.db, claimed.id)
        await tell_privately(interaction, str(refused))
        return
    if case is not None:
        await store.set_report_case(deps.db, claimed.id, case.id)
    outcome = outcome_text(claimed, t, case.number if case is not None else None)
    await interaction.edit_initial_response(
        embed=report_embed(claimed, t, outcome), components=[buttons(claimed.id, t, disabled=True)]
    )
    if problems:
        await tell_privately(interaction, "\n".join(problems))


def _already(report: store.Report, t: Translator) -> str:
    if report.resolution is None or report.resolved_by is None:
        return t("moderation.reports.errors.busy")
    return t("moderation.reports.errors.already_handled", outcome=outcome_text(report, t))


async def _act(
    interaction: hikari.ComponentInteraction,
    action: Verb,
    report: store.Report,
    *,
    deps: Deps,
    t: Translator,
    settings: ModerationSettings,
) -> tuple[Case | None, list[str]]:
    """Do what the button says; the case it opened (warn, timeout) and what went wrong on the side."""
    rest = interaction.app.rest
    reason = t("moderation.reports.case_reason", number=report.id, reason=report.reason)
    author = f"<@{report.author_id}>"
    if action is Verb.DISMISS:
        return None, []
    if action is Verb.DELETE:
        try:
            await rest.delete_message(report.channel_id, report.message_id)
        except hikari.NotFoundError:
            return None, [t("moderation.reports.errors.already_deleted")]
        except hikari.ForbiddenError as exc:
            raise Refused(
                t("moderation.reports.errors.delete_refused", channel=f"<#{report.channel_id}>")
            ) from exc
        return None, []
    duration = settings.reports.timeout if action is Verb.TIMEOUT else None
    expires_at = datetime.now(UTC) + duration if duration is not None else None
    if expires_at is not None:
        try:
            await rest.edit_member(
                report.guild_id,
                report.author_id,
                communication_disabled_until=expires_at,
                reason=audit_reason(interaction.user, reason),
            )
        except (hikari.ForbiddenError, hikari.NotFoundError) as exc:
            raise Refused(t("moderation.errors.discord_refused", member=author)) from exc
    target = await _author(rest, report)
    guild = guild_of(interaction)
    case = await open_case(
        deps.db,
        guild=guild,
        target=target,
        moderator=person(interaction.user),
        action=Action.TIMEOUT if expires_at is not None else Action.WARN,
        reason=reason,
        duration=duration,
        expires_at=expires_at,
        source=Source.REPORT,
        channel_id=report.channel_id,
    )
    published = await publish(
        rest, deps.db, case, t=t, settings=settings, guild_name=guild.name, live=deps.live
    )
    problems = []
    if published.dm_sent is False:
        problems.append(t("moderation.errors.dm_failed", member=author))
    if published.logged is False:
        problems.append(t("moderation.errors.log_failed", channel=f"<#{settings.mod_log_channel_id}>"))
    return case, problems


async def _author(rest: hikari.api.RESTClient, report: store.Report) -> Person:
    try:
        return person(await rest.fetch_user(report.author_id))
    except hikari.NotFoundError:
        return Person(report.author_id, str(report.author_id))
