"""The listener that sends the reports' and appeals' buttons and forms to their handlers, by custom id.

Nothing is kept in memory between a post and a press: the custom id says what to do and on which row, so
the buttons work after a restart and in whichever bot process receives the interaction.
"""

from __future__ import annotations

import hikari
import lightbulb

from tatiana import Database, GuildSettings, LiveEvents
from tatiana_moderation.commands.common import loader
from tatiana_moderation.reports import actions, appeals, command, ids
from tatiana_moderation.reports.responses import Deps


@loader.listener(hikari.InteractionCreateEvent)
async def route(
    event: hikari.InteractionCreateEvent,
    db: Database = lightbulb.di.INJECTED,
    guild_settings: GuildSettings = lightbulb.di.INJECTED,
    live: LiveEvents = lightbulb.di.INJECTED,
) -> None:
    """Hand a press or a form of ours to its handler; everything else is someone else's."""
    interaction = event.interaction
    if not isinstance(interaction, hikari.ComponentInteraction | hikari.ModalInteraction):
        return
    found = ids.parse(interaction.custom_id)
    if found is None:
        return
    deps = Deps(db, guild_settings, live)
    numbers, verb = found.numbers, found.verb or ""
    if isinstance(interaction, hikari.ModalInteraction):
        if found.kind == ids.REPORT_FORM and len(numbers) == 2:
            await command.submit_report(interaction, numbers[0], numbers[1], deps)
        elif found.kind == ids.APPEAL_FORM and len(numbers) == 1:
            await appeals.submit(interaction, numbers[0], deps)
    elif found.kind == ids.REPORT_ACTION and len(numbers) == 1:
        await actions.handle_report_button(interaction, verb, numbers[0], deps)
    elif found.kind == ids.APPEAL_BUTTON and len(numbers) == 1:
        await appeals.open_form(interaction, numbers[0], deps)
    elif found.kind == ids.APPEAL_DECISION and len(numbers) == 1:
        await appeals.decide(interaction, verb, numbers[0], deps)
