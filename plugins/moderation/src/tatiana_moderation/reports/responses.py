"""What the reports' and appeals' handlers share: their dependencies, texts and answers to a press or a form."""

from __future__ import annotations

from dataclasses import dataclass

import hikari

from tatiana import Database, GuildSettings, LiveEvents, Translator
from tatiana_moderation.cases import GuildRef, Person
from tatiana_moderation.settings import ModerationSettings
from tatiana_moderation.texts import TRANSLATIONS

ComponentOrModal = hikari.ComponentInteraction | hikari.ModalInteraction


@dataclass(frozen=True)
class Deps:
    """The bot's services a button or form handler uses (injected into the listener that routes them)."""

    db: Database
    guild_settings: GuildSettings
    live: LiveEvents

    async def translator(self, guild_id: hikari.Snowflakeish | None) -> Translator:
        """The plugin's texts in the guild's language (Spanish by default)."""
        return Translator(TRANSLATIONS, await self.guild_settings.language(guild_id))

    async def settings(self, guild_id: hikari.Snowflakeish) -> ModerationSettings:
        """The guild's moderation settings."""
        return await self.guild_settings.get(ModerationSettings, guild_id)


async def answer_privately(interaction: ComponentOrModal, text: str) -> None:
    """Answer only the person who pressed or submitted, pinging no one."""
    await interaction.create_initial_response(
        hikari.ResponseType.MESSAGE_CREATE,
        text,
        flags=hikari.MessageFlag.EPHEMERAL,
        user_mentions=False,
        role_mentions=False,
        mentions_everyone=False,
    )


async def tell_privately(interaction: ComponentOrModal, text: str) -> None:
    """A private followup after the first answer (a problem found while acting)."""
    await interaction.execute(
        text,
        flags=hikari.MessageFlag.EPHEMERAL,
        user_mentions=False,
        role_mentions=False,
        mentions_everyone=False,
    )


def person(user: hikari.User) -> Person:
    """A user as the core's ``users`` table records them."""
    return Person(int(user.id), user.username, user.global_name)


def guild_of(interaction: ComponentOrModal) -> GuildRef:
    """The interaction's guild as the core's ``guilds`` table records it (its name from the cache)."""
    assert interaction.guild_id is not None, "guild interactions only"
    guild = interaction.get_guild()
    if guild is None:
        return GuildRef(int(interaction.guild_id), str(interaction.guild_id))
    return GuildRef(int(guild.id), guild.name, int(guild.owner_id))


def has_permission(interaction: ComponentOrModal, needed: hikari.Permissions) -> bool:
    """Whether the member who pressed holds ``needed`` in the channel (administrators hold everything)."""
    member = interaction.member
    if member is None:
        return False
    held = member.permissions
    return bool(held & hikari.Permissions.ADMINISTRATOR) or held & needed == needed


def text_field(interaction: hikari.ModalInteraction, custom_id: str) -> str:
    """The trimmed value of the form's text input ``custom_id`` ("" when absent)."""
    for row in interaction.components:
        for item in row.components:
            if isinstance(item, hikari.TextInputComponent) and item.custom_id == custom_id:
                return item.value.strip()
    return ""
