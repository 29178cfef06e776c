"""Tatiana's moderation plugin: warnings, timeouts, kicks, bans (temporary too), channel tools, automod,
reports and appeals, each action a numbered case."""

from importlib.metadata import version
from pathlib import Path

from tatiana import Plugin
from tatiana_moderation.api_cases import loader as api_cases_loader
from tatiana_moderation.automod.loader import loader as automod_loader
from tatiana_moderation.commands import loader
from tatiana_moderation.reports import router as _reports  # noqa: F401  # registers the Report message command and the buttons
from tatiana_moderation.runner import run_due_actions
from tatiana_moderation.settings import ModerationSettings
from tatiana_moderation.tables import metadata
from tatiana_moderation.texts import TRANSLATIONS

__all__ = ["ModerationSettings", "plugin"]

plugin = Plugin(
    name="moderation",
    version=version("tatiana-moderation"),
    description="Warnings, timeouts, kicks and bans as numbered cases, told by DM and posted in a log channel.",
    requires="1.*",
    loaders=[loader, automod_loader, api_cases_loader],
    settings=ModerationSettings,
    migrations=Path(__file__).parent / "migrations",
    metadata=metadata,
    translations=TRANSLATIONS,
    tasks=[run_due_actions],
)
"""The plugin object, found through the ``tatiana.plugins`` entry point ``moderation``."""
