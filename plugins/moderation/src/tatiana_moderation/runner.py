"""The plugin's background task: runs the scheduled actions (a tempban's unban) that fell due.

It is a taskiq task of the plugin (``moderation.run_due_actions``): periodic, so that actions that fell
due while nothing ran are taken as soon as a runner starts, and also asked for at each action's due time.
It runs in the bot's process by default, in ``tatiana worker`` processes with Redis; every runner may run
it at once, and the claims in ``schedule`` make each action happen once.
"""

from __future__ import annotations

import logging

import hikari
from sqlalchemy.ext.asyncio import AsyncSession

from tatiana import Database, GuildSettings, TaskContext, Translator, every
from tatiana_moderation import schedule
from tatiana_moderation.cases import (
    Action,
    Case,
    GuildRef,
    Person,
    Source,
    close_active,
    get_case_by_id,
    open_case,
)
from tatiana_moderation.reporting import publish
from tatiana_moderation.settings import ModerationSettings
from tatiana_moderation.texts import TRANSLATIONS

log = logging.getLogger(__name__)

POLL_SECONDS = 30
"""The safety net: due actions are also asked for at their time, this catches those a restart lost."""
TASK = "moderation.run_due_actions"


class AlreadyDone(Exception):
    """Another runner recorded the action first: this one's case is undone."""


async def run_unban(
    action: schedule.Scheduled,
    *,
    db: Database,
    rest: hikari.api.RESTClient,
    guild_settings: GuildSettings,
    me: Person,
) -> None:
    """Lift a temporary ban, then record it: the unban case and the action done, in one transaction."""
    t = Translator(TRANSLATIONS, await guild_settings.language(action.guild_id))
    original = await get_case_by_id(db, action.case_id) if action.case_id is not None else None
    reason = t("moderation.schedule.ban_ended", number=original.number if original is not None else "?")
    try:
        await rest.unban_user(action.guild_id, action.user_id, reason=reason)
    except hikari.NotFoundError:
        async with db.transaction() as session:
            await schedule.finish(session, action.id, "already_lifted")
        await close_active(db, action.guild_id, action.user_id, Action.BAN)
        return
    except hikari.ForbiddenError as exc:
        log.warning("could not lift the temporary ban of %s in %s: %s", action.user_id, action.guild_id, exc)
        async with db.transaction() as session:
            await schedule.finish(session, action.id, "failed")
        return

    async def mark_done(session: AsyncSession, _case: Case) -> None:
        if not await schedule.finish(session, action.id, "done"):
            raise AlreadyDone

    guild = GuildRef(action.guild_id, str(action.guild_id))  # its row exists since the ban's case
    try:
        case = await open_case(
            db,
            guild=guild,
            target=Person(action.user_id, str(action.user_id)),
            moderator=me,
            action=Action.UNBAN,
            reason=reason,
            source=original.source if original is not None else Source.COMMAND,
            then=mark_done,
        )
    except AlreadyDone:
        return
    await close_active(db, action.guild_id, action.user_id, Action.BAN)
    settings = await guild_settings.get(ModerationSettings, action.guild_id)
    await publish(rest, db, case, t=t, settings=settings, guild_name=guild.name)  # no DM for an unban


@every(POLL_SECONDS)
async def run_due_actions(ctx: TaskContext) -> None:
    """Take the due actions this runner could claim, one after the other."""
    due = await schedule.claim_due(ctx.database)
    if not due:
        return
    me_user = await ctx.rest.fetch_my_user()
    me = Person(int(me_user.id), me_user.username, me_user.global_name)
    for action in due:
        try:
            if action.action == "unban":
                await run_unban(
                    action, db=ctx.database, rest=ctx.rest, guild_settings=ctx.guild_settings, me=me
                )
            else:
                log.warning("unknown scheduled action %r (id %s): dropped", action.action, action.id)
                async with ctx.database.transaction() as session:
                    await schedule.finish(session, action.id, "failed")
        except Exception:
            # Its lease expires and a later run tries again.
            log.exception("scheduled action %s (%s) failed", action.id, action.action)
