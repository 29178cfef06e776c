"""Reading and amending cases: ``/warnings member``, ``/case view id``, ``/case reason id text``, ``/cases``."""

from __future__ import annotations

import hikari
import lightbulb

from tatiana import Database, Translator
from tatiana_moderation.cases import Action, Case, get_case, list_cases, set_reason
from tatiana_moderation.commands.common import REASON_MAX_LENGTH, clean_reason, loader, refuse
from tatiana_moderation.durations import format_duration
from tatiana_moderation.reporting import case_embed, refresh_log
from tatiana_moderation.settings import ModerationSettings

P = hikari.Permissions
GUILD_ONLY = [hikari.ApplicationContextType.GUILD]
SHOWN = 10
SNIPPET = 80


def case_line(case: Case, t: Translator) -> str:
    """One line of a list of cases: number, action, member, when, reason."""
    parts = [
        f"**#{case.number}**",
        t(f"moderation.actions.{case.action}"),
        f"<@{case.user_id}>" if case.user_id is not None else f"<#{case.channel_id}>",
    ]
    if case.duration is not None:
        parts.append(format_duration(case.duration))
    parts.append(f"<t:{int(case.created_at.timestamp())}:d>")
    reason = case.reason or t("moderation.embed.no_reason")
    parts.append(reason if len(reason) <= SNIPPET else reason[: SNIPPET - 1] + "…")
    return " · ".join(parts)


@loader.command
class Warnings(
    lightbulb.SlashCommand,
    name="moderation.warnings.name",
    description="moderation.warnings.description",
    localize=True,
    contexts=GUILD_ONLY,
    default_member_permissions=P.MODERATE_MEMBERS,
):
    """``/warnings member``: how many warnings a member has, and the latest."""

    member = lightbulb.user("moderation.options.member.name", "moderation.warnings.member", localize=True)

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
    ) -> None:
        """List the member's warning cases, newest first."""
        found, total = await list_cases(
            db, int(ctx.guild_id or 0), user_id=int(self.member.id), actions=(Action.WARN,), limit=SHOWN
        )
        if not total:
            await refuse(ctx, t("moderation.warnings.none", member=self.member.mention))
            return
        lines = [t("moderation.warnings.count", member=self.member.mention, count=total)]
        lines += [case_line(case, t) for case in found]
        await refuse(ctx, "\n".join(lines))


@loader.command
class Cases(
    lightbulb.SlashCommand,
    name="moderation.cases.name",
    description="moderation.cases.description",
    localize=True,
    contexts=GUILD_ONLY,
    default_member_permissions=P.MODERATE_MEMBERS,
):
    """``/cases [member]``: the server's latest cases, or a member's."""

    member = lightbulb.user(
        "moderation.options.member.name", "moderation.cases.member", localize=True, default=None
    )

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
    ) -> None:
        """The newest cases, ten at most, and how many there are."""
        user_id = int(self.member.id) if self.member is not None else None
        found, total = await list_cases(db, int(ctx.guild_id or 0), user_id=user_id, limit=SHOWN)
        if not total:
            await refuse(ctx, t("moderation.cases.none"))
            return
        if self.member is not None:
            header = t("moderation.cases.member_count", member=self.member.mention, count=total)
        else:
            header = t("moderation.cases.count", count=total)
        await refuse(ctx, "\n".join([header, *(case_line(case, t) for case in found)]))


case_group = lightbulb.Group(
    "moderation.case.name",
    "moderation.case.description",
    localize=True,
    contexts=GUILD_ONLY,
    default_member_permissions=P.MODERATE_MEMBERS,
)


@case_group.register
class ViewCase(
    lightbulb.SlashCommand,
    name="moderation.case.view.name",
    description="moderation.case.view.description",
    localize=True,
):
    """``/case view id``: one case in full."""

    number = lightbulb.integer(
        "moderation.case.number.name", "moderation.case.number.description", localize=True, min_value=1
    )

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
    ) -> None:
        """Show the case's embed to the moderator."""
        case = await get_case(db, int(ctx.guild_id or 0), self.number)
        if case is None:
            await refuse(ctx, t("moderation.case.not_found", number=self.number))
            return
        await ctx.respond(embed=case_embed(case, t), ephemeral=True, user_mentions=False)


@case_group.register
class ReasonCase(
    lightbulb.SlashCommand,
    name="moderation.case.reason.name",
    description="moderation.case.reason.description",
    localize=True,
):
    """``/case reason id text``: replace a case's reason, in the database and in its mod-log post."""

    number = lightbulb.integer(
        "moderation.case.number.name", "moderation.case.number.description", localize=True, min_value=1
    )
    text = lightbulb.string(
        "moderation.options.reason.name",
        "moderation.case.reason.text",
        localize=True,
        min_length=1,
        max_length=REASON_MAX_LENGTH,
    )

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
        settings: ModerationSettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Store the new reason, then edit the case's post in the mod-log."""
        settings = settings or ModerationSettings()
        reason = clean_reason(self.text)
        if reason is None:
            await refuse(ctx, t("moderation.errors.empty_reason"))
            return
        case = await set_reason(db, int(ctx.guild_id or 0), self.number, reason)
        if case is None:
            await refuse(ctx, t("moderation.case.not_found", number=self.number))
            return
        lines = [t("moderation.case.reason.done", number=case.number, reason=reason)]
        if case.log_message_id is not None and not await refresh_log(
            ctx.client.rest, case, t, settings.mod_log_channel_id
        ):
            lines.append(t("moderation.case.reason.log_not_edited"))
        await refuse(ctx, "\n".join(lines))


loader.command(case_group)
