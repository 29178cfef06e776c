"""What every subcommand needs: validated settings, the plugin registry, the deployment config."""

from __future__ import annotations

import asyncio
from functools import cached_property

import click
from pydantic import ValidationError

from tatiana.deployment import DeploymentConfig, DeploymentConfigError
from tatiana.log import configure_logging
from tatiana.registry import PluginRegistry, check_loading
from tatiana.settings import Settings


class CliError(click.ClickException):
    """A one-line failure; exit code 2 for bad input or configuration, 1 for a failure at run time."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.status = exit_code


class Environment:
    """Lazily loaded configuration of one CLI invocation."""

    def __init__(self, log_level: str | None = "WARNING") -> None:
        """``log_level`` None uses LOG_LEVEL from the environment."""
        self.log_level = log_level

    @cached_property
    def settings(self) -> Settings:
        """Settings from the environment; an invalid variable is a one-line CliError."""
        try:
            settings = Settings()
        except ValidationError as exc:
            first = exc.errors()[0]
            name = str(first["loc"][0]).upper() if first["loc"] else "environment"
            message = first["msg"].removeprefix("Value error, ")
            raise CliError(f"environment variable {name}: {message}") from None
        configure_logging(settings, self.log_level)
        return settings

    @cached_property
    def registry(self) -> PluginRegistry:
        """The installed plugins."""
        self.settings  # noqa: B018 - logging must be configured before plugins are imported
        return PluginRegistry.discover()

    @cached_property
    def checked_registry(self) -> PluginRegistry:
        """The installed plugins, each also loaded into a client that never connects: a plugin whose loading
        raises is ``failed`` with that error, as a bot would find it."""
        asyncio.run(check_loading(self.registry))
        return self.registry

    @cached_property
    def deployment(self) -> DeploymentConfig:
        """plugins.toml, validated against the installed plugins."""
        path = self.settings.tatiana_plugins_file
        explicit = "tatiana_plugins_file" in self.settings.model_fields_set
        try:
            return DeploymentConfig.load(path, self.registry, required=explicit)
        except DeploymentConfigError as exc:
            raise CliError(str(exc)) from None
