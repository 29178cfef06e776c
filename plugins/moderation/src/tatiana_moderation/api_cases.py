"""Cases made through the API, told by the bot: the API records the case and publishes its moderation alert; the
bot process serving the guild hears it and posts the mod-log embed and DMs the member, as for a command's case.
The API bans a member only after the bot told them (the alert's ``dm_first``): the DM goes first, then the answer
``LiveEvents.case_told`` that lets the API ban, then the mod-log post.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

import hikari
import lightbulb

from tatiana import Database, GuildSettings, LiveEventReceived, LiveEvents, Translator
from tatiana.coordination import EventKind
from tatiana_moderation.cases import Action, Source, get_case
from tatiana_moderation.reporting import direct_message, dm_text, publish
from tatiana_moderation.settings import ModerationSettings
from tatiana_moderation.texts import TRANSLATIONS

log = logging.getLogger(__name__)

REMOVED = frozenset({Action.KICK, Action.BAN})
"""Actions after which the member shares no server with the bot: Discord refuses them a DM. They are told only
when the API waits for it (``dm_first``: the member is told before the ban), as a command tells them first."""


class ToldCases:
    """The ids of the last API cases a bot told, so that an alert heard twice is told once."""

    def __init__(self, size: int = 1024) -> None:
        self._ids: OrderedDict[int, None] = OrderedDict()
        self._size = size

    def first_time(self, case_id: int) -> bool:
        """Whether ``case_id`` is new here (remembered from now on)."""
        if case_id in self._ids:
            return False
        self._ids[case_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True


class ToldCasesLoadable(lightbulb.Loadable):
    """Gives each bot (lightbulb client) that loads the plugin its own ``ToldCases`` to inject."""

    async def load(self, client: lightbulb.Client) -> None:
        """Register a fresh ``ToldCases`` with the client, once."""
        registry = client.di.registry_for(lightbulb.di.Contexts.DEFAULT)
        if ToldCases not in registry:
            registry.register_value(ToldCases, ToldCases())

    async def unload(self, client: lightbulb.Client) -> None:
        """Nothing to undo: the value goes with the client."""


loader = lightbulb.Loader()
"""The API cases' part of the moderation plugin."""
loader.add(ToldCasesLoadable())


async def _guild_name(app: hikari.RESTAware, guild_id: int) -> str:
    if isinstance(app, hikari.CacheAware) and (guild := app.cache.get_guild(guild_id)) is not None:
        return guild.name
    return (await app.rest.fetch_guild(guild_id)).name


@loader.listener(LiveEventReceived)
async def tell_api_case(
    event: LiveEventReceived,
    db: Database = lightbulb.di.INJECTED,
    guild_settings: GuildSettings = lightbulb.di.INJECTED,
    told: ToldCases = lightbulb.di.INJECTED,
    live: LiveEvents = lightbulb.di.INJECTED,
) -> None:
    """Post an API-made case in the guild's mod-log and DM the member, as the guild's settings want; a case whose
    action waits for the DM (``dm_first``) is DMed first and answered with ``case_told``, whatever the DM did."""
    data = event.data
    if event.kind is not EventKind.MODERATION_ALERT or data.get("source") != Source.API:
        return
    number = data.get("case")
    if not isinstance(number, int) or isinstance(number, bool):
        return
    guild_id = int(event.guild_id)
    case = await get_case(db, guild_id, number)
    if case is None or case.source is not Source.API:
        log.info("case %s of guild %s announced by the API is not an API case here", number, guild_id)
        return
    if case.log_message_id is not None or not told.first_time(case.id):
        return
    settings = await guild_settings.get(ModerationSettings, guild_id)
    t = Translator(TRANSLATIONS, await guild_settings.language(guild_id))
    rest = event.app.rest
    guild_name = await _guild_name(event.app, guild_id)
    dm = case.action not in REMOVED
    if data.get("dm_first") is True:
        dm = False
        try:
            if settings.dm_on_action and case.user_id is not None:
                await direct_message(rest, case.user_id, dm_text(case, t, guild_name))
        finally:
            await live.case_told(guild_id, case.number)
    # The API already published the case's alert: no ``live`` here.
    published = await publish(rest, db, case, t=t, settings=settings, guild_name=guild_name, dm=dm)
    log.debug("API case %s of guild %s told: %s", case.number, guild_id, published)
