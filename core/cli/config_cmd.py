"""``tatiana config``: validate and show the effective configuration."""

from __future__ import annotations

import click

from tatiana.cli.context import Environment
from tatiana.cli.table import render_table


@click.group()
def config() -> None:
    """Check the configuration."""


@config.command("check")
def check() -> None:
    """Validate the environment and plugins.toml; print the effective configuration, secrets masked."""
    env = Environment(log_level="CRITICAL")
    settings, registry, deployment = env.settings, env.checked_registry, env.deployment
    click.echo("Environment (secrets masked):")
    click.echo(
        render_table(
            ["VARIABLE", "VALUE"], [[k, "" if v is None else v] for k, v in settings.masked().items()]
        )
    )
    click.echo("")
    source = deployment.path or f"{settings.tatiana_plugins_file} (absent: every plugin off by default)"
    click.echo(f"Plugins ({source}):")
    rows = []
    for record in registry.records:
        defaults = deployment.settings_defaults(record.name)
        shown = ", ".join(f"{k}={v!r}" for k, v in defaults.items()) or "-"
        state = "on" if deployment.enabled_by_default(record.name) else "off"
        rows.append([record.name, record.status.value, state, shown])
    click.echo(
        render_table(["PLUGIN", "STATUS", "DEFAULT", "SETTINGS"], rows) if rows else "  none installed"
    )
    for warning in deployment.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo("")
    click.echo("configuration OK")
