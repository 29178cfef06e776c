"""A command's name as Discord shows it, for analytics and the activity feed (not lightbulb's localization keys)."""

from __future__ import annotations

import hikari
import lightbulb

NESTED = (hikari.OptionType.SUB_COMMAND, hikari.OptionType.SUB_COMMAND_GROUP)


def invoked_name(context: lightbulb.Context) -> str:
    """The full name the member invoked, e.g. ``economy give`` (lightbulb's ``qualified_name`` is made of
    localization keys for a localized command)."""
    interaction = context.interaction
    names = [interaction.command_name]
    options = interaction.options or ()
    while options and options[0].type in NESTED:
        names.append(options[0].name)
        options = options[0].options or ()
    return " ".join(names)
