"""Runs the scheduled actions when they fall due, in the bot process (the embedded default).

A lightbulb task of the plugin polls the stored actions every ``POLL_SECONDS``, from the start: actions that
fell due while no bot ran are taken at once. Every bot process polls; the claim in ``schedule`` makes each
action run in one of them, once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import hikari
import lightbulb
from sqlalchemy.ext.asyncio import AsyncSession

from tatiana import Database, GuildSettings, Translator
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
from tatiana_moderation.commands.common import loader
from tatiana_moderation.reporting import publish
from tatiana_moderation.settings import ModerationSettings
from tatiana_moderation.texts import TRANSLATIONS

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0


class AlreadyDone(Exception):
    """Another runner recorded the action first: this one's case is undone."""


def _every_poll(data: lightbulb.TaskExecutionData) -> float:
    return 0 if data.invocation_count == 0 else POLL_SECONDS


async def run_unban(
    action: schedule.Scheduled,
    *,
    db: Database,
    rest: hikari.api.RESTClient,
    guild_settings: GuildSettings,
    me: Person,
    guild: GuildRef,
) -> None:
    """Lift a temporary ban, then record it: the unban case and the action done, in one transaction."""
    language = await guild_settings.language(action.guild_id)
    t = Translator(TRANSLATIONS, language)
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
    await publish(rest, db, case, t=t, settings=settings, guild_name=guild.name)


class PerClientTask(lightbulb.Loadable):
    """A repeating task made anew for each client that loads it.

    A ``lightbulb.Task`` object runs in one client only, and ``Loader.task`` makes one per loader: a second
    bot in the same process (a restart, the tests) would never run it.
    """

    def __init__(self, func: Callable[..., Awaitable[None]], trigger: lightbulb.tasks.Trigger) -> None:
        self._func = func
        self._trigger = trigger
        self._tasks: dict[int, lightbulb.Task] = {}

    async def load(self, client: lightbulb.Client) -> None:
        """Add a fresh task to ``client``; it starts with the client."""
        task = lightbulb.Task(self._func, self._trigger, True, -1, -1)
        self._tasks[id(client)] = client.task(task)

    async def unload(self, client: lightbulb.Client) -> None:
        """Cancel and remove ``client``'s task."""
        task = self._tasks.pop(id(client), None)
        if task is not None:
            client.remove_task(task, cancel=True)


async def run_scheduled_actions(
    db: Database = lightbulb.di.INJECTED,
    bot: hikari.GatewayBot = lightbulb.di.INJECTED,
    guild_settings: GuildSettings = lightbulb.di.INJECTED,
) -> None:
    """Take the due actions this process could claim, one after the other."""
    due = await schedule.claim_due(db)
    if not due:
        return
    me_user = bot.get_me() or await bot.rest.fetch_my_user()
    me = Person(int(me_user.id), me_user.username, me_user.global_name)
    for action in due:
        cached = bot.cache.get_guild(action.guild_id)
        guild = GuildRef(action.guild_id, cached.name if cached else str(action.guild_id))
        try:
            if action.action == "unban":
                await run_unban(
                    action, db=db, rest=bot.rest, guild_settings=guild_settings, me=me, guild=guild
                )
            else:
                log.warning("unknown scheduled action %r (id %s): dropped", action.action, action.id)
                async with db.transaction() as session:
                    await schedule.finish(session, action.id, "failed")
        except Exception:
            # Its lease expires and a later poll tries again.
            log.exception("scheduled action %s (%s) failed", action.id, action.action)


loader.add(PerClientTask(run_scheduled_actions, _every_poll))
