"""What the moderation commands share: the loader, the checks before acting, and recording a case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import hikari
import lightbulb
from sqlalchemy.ext.asyncio import AsyncSession

from tatiana import Database, LiveEvents, Translator
from tatiana_moderation.cases import Action, Case, GuildRef, Person, open_case
from tatiana_moderation.guild_lookup import member_roles, role_positions
from tatiana_moderation.hierarchy import Ranks, refusal, top_position
from tatiana_moderation.reporting import publish
from tatiana_moderation.settings import ModerationSettings

loader = lightbulb.Loader()
"""Every command and task of the moderation plugin."""

AUDIT_REASON_MAX = 512
REASON_MAX_LENGTH = 500


def guild_ref(ctx: lightbulb.Context) -> GuildRef:
    """The command's guild as the core's ``guilds`` table records it (the name from the cache)."""
    assert ctx.guild_id is not None, "moderation commands run in guilds only"
    guild = ctx.interaction.get_guild()
    if guild is None:
        return GuildRef(int(ctx.guild_id), str(ctx.guild_id))
    return GuildRef(int(guild.id), guild.name, int(guild.owner_id))


def person(user: hikari.User) -> Person:
    """A user as the core's ``users`` table records them."""
    return Person(int(user.id), user.username, user.global_name)


def audit_reason(moderator: hikari.User, reason: str | None) -> str:
    """The reason Discord's audit log shows: who did it, and why."""
    return f"{moderator.username}: {reason or '-'}"[:AUDIT_REASON_MAX]


def missing_permissions(ctx: lightbulb.Context, needed: hikari.Permissions) -> hikari.Permissions:
    """The permissions of ``needed`` the bot lacks in the command's channel (Discord sends them along)."""
    have = ctx.interaction.app_permissions
    if have & hikari.Permissions.ADMINISTRATOR:
        return hikari.Permissions.NONE
    return needed & ~have


def permission_names(t: Translator, permissions: hikari.Permissions) -> str:
    """The permissions' names as the guild's language shows them in Discord's settings."""
    return ", ".join(f"**{t(f'moderation.permissions.{flag.name}')}**" for flag in permissions)


async def _member_roles(ctx: lightbulb.Context, guild_id: int, user_id: int) -> list[int] | None:
    resolved = ctx.interaction.resolved
    if resolved is not None and user_id in resolved.members:
        return [int(r) for r in resolved.members[hikari.Snowflake(user_id)].role_ids]
    return await member_roles(ctx.interaction.app, guild_id, user_id)


async def bot_id(ctx: lightbulb.Context) -> int:
    """The bot's own user id."""
    app = ctx.interaction.app
    if isinstance(app, hikari.CacheAware) and (me := app.cache.get_me()) is not None:
        return int(me.id)
    return int(ctx.interaction.application_id)


async def hierarchy_refusal(ctx: lightbulb.Context, t: Translator, target: hikari.User) -> str | None:
    """Why the moderator may not act on ``target`` (themselves, the bot, the owner, a higher role), or None."""
    guild = guild_ref(ctx)
    owner_id = guild.owner_id
    if owner_id is None:
        owner_id = int((await ctx.client.rest.fetch_guild(guild.id)).owner_id)
    me = await bot_id(ctx)
    moderator = ctx.member
    moderator_roles = [int(r) for r in moderator.role_ids] if moderator is not None else []
    bot_roles = await _member_roles(ctx, guild.id, me) or []
    target_roles = await _member_roles(ctx, guild.id, int(target.id))
    positions = await role_positions(
        ctx.interaction.app, guild.id, {*moderator_roles, *bot_roles, *(target_roles or [])}
    )
    ranks = Ranks(
        owner_id=owner_id,
        bot_id=me,
        moderator_id=int(ctx.user.id),
        moderator_top=top_position(moderator_roles, positions, is_owner=int(ctx.user.id) == owner_id),
        bot_top=top_position(bot_roles, positions),
    )
    target_top = None if target_roles is None else top_position(target_roles, positions)
    found = refusal(ranks, int(target.id), target_top)
    if found is None:
        return None
    return t(f"moderation.refusals.{found.value}", member=target.mention)


async def check_action(
    ctx: lightbulb.Context, t: Translator, target: hikari.User, needed: hikari.Permissions
) -> str | None:
    """Everything that stops an action before it starts: a bot permission missing, then the hierarchy."""
    lacking = missing_permissions(ctx, needed)
    if lacking:
        return t("moderation.errors.bot_missing", permissions=permission_names(t, lacking))
    return await hierarchy_refusal(ctx, t, target)


def is_member(ctx: lightbulb.Context, user: hikari.User) -> bool:
    """Whether ``user``, given as a command option, is a member of the command's guild."""
    resolved = ctx.interaction.resolved
    return resolved is not None and user.id in resolved.members


async def refuse(ctx: lightbulb.Context, text: str) -> None:
    """Answer only the moderator, pinging no one."""
    await ctx.respond(text, ephemeral=True, user_mentions=False, role_mentions=False)


@lightbulb.di.with_di
async def record(
    ctx: lightbulb.Context,
    db: Database,
    t: Translator,
    settings: ModerationSettings,
    *,
    action: Action,
    target: hikari.User,
    reason: str | None,
    duration: timedelta | None = None,
    expires_at: datetime | None = None,
    dm: bool = True,
    then: Callable[[AsyncSession, Case], Awaitable[None]] | None = None,
    live: LiveEvents = lightbulb.di.INJECTED,
) -> tuple[Case, list[str]]:
    """Open the action's case, post it in the mod-log and DM the member; the case and what went wrong."""
    guild = guild_ref(ctx)
    case = await open_case(
        db,
        guild=guild,
        target=person(target),
        moderator=person(ctx.user),
        action=action,
        reason=reason,
        duration=duration,
        expires_at=expires_at,
        channel_id=int(ctx.channel_id),
        then=then,
    )
    published = await publish(
        ctx.client.rest, db, case, t=t, settings=settings, guild_name=guild.name, dm=dm, live=live
    )
    problems = []
    if published.dm_sent is False:
        problems.append(t("moderation.errors.dm_failed", member=target.mention))
    if published.logged is False:
        problems.append(t("moderation.errors.log_failed", channel=f"<#{settings.mod_log_channel_id}>"))
    return case, problems


@lightbulb.di.with_di
async def record_channel(
    ctx: lightbulb.Context,
    t: Translator,
    *,
    action: Action,
    channel_id: int,
    reason: str | None = None,
    duration: timedelta | None = None,
    db: Database = lightbulb.di.INJECTED,
    settings: ModerationSettings | None = lightbulb.di.INJECTED,
    live: LiveEvents = lightbulb.di.INJECTED,
) -> list[str]:
    """Open the case of an action on a channel and post it in the mod-log; what went wrong, for the moderator."""
    settings = settings or ModerationSettings()
    guild = guild_ref(ctx)
    case = await open_case(
        db,
        guild=guild,
        target=None,
        moderator=person(ctx.user),
        action=action,
        reason=reason,
        duration=duration,
        channel_id=channel_id,
    )
    published = await publish(
        ctx.client.rest, db, case, t=t, settings=settings, guild_name=guild.name, dm=False, live=live
    )
    if published.logged is False:
        return [t("moderation.errors.log_failed", channel=f"<#{settings.mod_log_channel_id}>")]
    return []


async def announce(
    ctx: lightbulb.Context, settings: ModerationSettings, text: str, problems: list[str], target: hikari.User
) -> None:
    """Answer a deferred action: in public when the guild wants notices, and the problems to the moderator."""
    if settings.public_notice:
        await ctx.respond(text, user_mentions=[target], role_mentions=False, mentions_everyone=False)
        if problems:
            await ctx.respond("\n".join(problems), ephemeral=True, user_mentions=False)
    else:
        await ctx.respond("\n".join([text, *problems]), ephemeral=True, user_mentions=False)


def clean_reason(reason: str | None) -> str | None:
    """A reason as given, trimmed; None when empty."""
    if reason is None:
        return None
    return reason.strip()[:REASON_MAX_LENGTH] or None
