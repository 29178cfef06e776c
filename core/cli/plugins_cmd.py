"""``tatiana plugins``: what is installed and how it loaded."""

from __future__ import annotations

import json

import click

from tatiana.cli.context import Environment
from tatiana.cli.table import render_table


@click.group()
def plugins() -> None:
    """Inspect installed plugins."""


@plugins.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_plugins(as_json: bool) -> None:
    """Installed plugins: name, version, distribution, on by default, load status (loaded, failed, rejected) and error."""
    env = Environment(log_level="CRITICAL")
    registry, deployment = env.checked_registry, env.deployment
    rows = [
        {
            "name": record.name,
            "version": record.plugin.version if record.plugin else record.distribution_version,
            "distribution": record.distribution,
            "default": deployment.enabled_by_default(record.name),
            "status": record.status.value,
            "error": record.error,
        }
        for record in registry.records
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no plugins installed (entry point group tatiana.plugins is empty)")
        return
    click.echo(
        render_table(
            ["NAME", "VERSION", "DISTRIBUTION", "DEFAULT", "STATUS", "ERROR"],
            [
                [
                    r["name"],
                    r["version"] or "?",
                    r["distribution"],
                    "on" if r["default"] else "off",
                    r["status"],
                    r["error"] or "",
                ]
                for r in rows
            ],
        )
    )
