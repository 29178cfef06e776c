"""The "Report message" context menu: a member reports a message, says why in a form, and it joins the queue."""

from __future__ import annotations

import logging

import hikari
import lightbulb

from tatiana import Database, Translator
from tatiana_moderation.commands.common import REASON_MAX_LENGTH, loader, refuse
from tatiana_moderation.reports import alerts, ids, store
from tatiana_moderation.reports.queue import buttons, report_embed
from tatiana_moderation.reports.responses import Deps, text_field
from tatiana_moderation.settings import ModerationSettings

log = logging.getLogger(__name__)

GUILD_ONLY = [hikari.ApplicationContextType.GUILD]


def snapshot(message: hikari.Message) -> str:
    """The reported message's text as the moderators will read it: its content and its attachments' links."""
    parts = [message.content or ""]
    parts.extend(attachment.url for attachment in message.attachments)
    return "\n".join(part for part in parts if part)


async def refusal(
    db: Database,
    t: Translator,
    settings: ModerationSettings,
    *,
    guild_id: int,
    reporter_id: int,
    message: hikari.Message,
) -> str | None:
    """Why this member may not report this message, or None."""
    if settings.reports.queue_channel_id is None:
        return t("moderation.reports.errors.not_set_up")
    if message.author.id == reporter_id:
        return t("moderation.reports.errors.own_message")
    if message.author.is_bot or message.webhook_id is not None:
        return t("moderation.reports.errors.bot_message")
    if await store.report_of_message(db, guild_id, int(message.id)) is not None:
        return t("moderation.reports.errors.already_reported")
    return None


def reason_form(t: Translator) -> hikari.impl.ModalActionRowBuilder:
    """The form's one field: why the message is reported."""
    return hikari.impl.ModalActionRowBuilder().add_text_input(
        ids.REASON_FIELD,
        t("moderation.reports.form.reason"),
        style=hikari.TextInputStyle.PARAGRAPH,
        placeholder=t("moderation.reports.form.placeholder"),
        min_length=1,
        max_length=REASON_MAX_LENGTH,
    )


@loader.command
class ReportMessage(
    lightbulb.MessageCommand,
    name="moderation.reports.command",
    localize=True,
    contexts=GUILD_ONLY,
):
    """Apps → "Report message": ask the reporter why, in a form; the form's answer files the report."""

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
        settings: ModerationSettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Refuse what cannot be reported; otherwise open the form for the reason."""
        settings = settings or ModerationSettings()
        message = self.target
        problem = await refusal(
            db, t, settings, guild_id=int(ctx.guild_id or 0), reporter_id=int(ctx.user.id), message=message
        )
        if problem is not None:
            await refuse(ctx, problem)
            return
        await ctx.respond_with_modal(
            t("moderation.reports.form.title"),
            ids.make(ids.REPORT_FORM, message.channel_id, message.id),
            components=[reason_form(t)],
        )


async def submit_report(
    interaction: hikari.ModalInteraction, channel_id: int, message_id: int, deps: Deps
) -> None:
    """The form came back: check again, record the report, post it in the queue and thank the reporter."""
    guild_id = int(interaction.guild_id or 0)
    t = await deps.translator(guild_id)
    await interaction.create_initial_response(
        hikari.ResponseType.DEFERRED_MESSAGE_CREATE, flags=hikari.MessageFlag.EPHEMERAL
    )
    text = await _file_report(interaction, channel_id, message_id, deps, t)
    await interaction.edit_initial_response(text, user_mentions=False, role_mentions=False)


async def _file_report(
    interaction: hikari.ModalInteraction, channel_id: int, message_id: int, deps: Deps, t: Translator
) -> str:
    guild_id = int(interaction.guild_id or 0)
    settings = await deps.settings(guild_id)
    reason = text_field(interaction, ids.REASON_FIELD)[:REASON_MAX_LENGTH]
    if not reason:
        return t("moderation.errors.empty_reason")
    try:
        message = await interaction.app.rest.fetch_message(channel_id, message_id)
    except (hikari.NotFoundError, hikari.ForbiddenError):
        return t("moderation.reports.errors.message_gone")
    problem = await refusal(
        deps.db, t, settings, guild_id=guild_id, reporter_id=int(interaction.user.id), message=message
    )
    if problem is not None:
        return problem
    queue = settings.reports.queue_channel_id
    assert queue is not None, "refusal() checked it"
    try:
        report = await store.create_report(
            deps.db,
            guild_id=guild_id,
            reporter_id=int(interaction.user.id),
            channel_id=channel_id,
            message_id=message_id,
            author_id=int(message.author.id),
            content=snapshot(message),
            reason=reason,
        )
    except store.AlreadyExists:
        return t("moderation.reports.errors.already_reported")
    try:
        post = await interaction.app.rest.create_message(
            queue, embed=report_embed(report, t), components=[buttons(report.id, t)], user_mentions=False
        )
    except (hikari.ForbiddenError, hikari.NotFoundError) as exc:
        log.info("could not post report %s of guild %s in %s: %s", report.id, guild_id, queue, exc)
        await store.forget_report(deps.db, report.id)
        return t("moderation.reports.errors.queue_refused", channel=f"<#{queue}>")
    await store.set_queue_message(deps.db, report.id, queue, int(post.id))
    await alerts.report_filed(deps.live, report)
    return t("moderation.reports.done")
