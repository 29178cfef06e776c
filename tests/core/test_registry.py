"""The registry: duplicates and incompatible plugins refused with a reason, failures isolated on load."""

from __future__ import annotations

import hikari
import lightbulb

from tatiana import Plugin
from tatiana.registry import PluginRegistry, PluginStatus

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def plugin(name: str, loaders: list[lightbulb.Loader] | None = None, requires: str = "1.*") -> Plugin:
    return Plugin(name=name, version="1.0.0", description=name, requires=requires, loaders=loaders or [])


def test_duplicate_names_are_all_rejected() -> None:
    registry = PluginRegistry.of(plugin("alpha"), plugin("alpha"), plugin("beta"))
    assert registry.names == ["beta"]
    rejected = [r for r in registry.records if r.status is PluginStatus.REJECTED]
    assert len(rejected) == 2
    assert all("duplicate plugin name 'alpha'" in (r.error or "") for r in rejected)


def test_get_unknown_plugin_names_the_installed_ones() -> None:
    registry = PluginRegistry.of(plugin("alpha"))
    try:
        registry.get("beta")
    except KeyError as exc:
        assert "no plugin named 'beta' (installed: alpha)" in str(exc)
    else:
        raise AssertionError("KeyError expected")


async def test_plugin_failing_on_load_is_isolated() -> None:
    good, bad = lightbulb.Loader(), lightbulb.Loader()

    @good.command
    class Ping(lightbulb.SlashCommand, name="ping", description="Ping"):
        @lightbulb.invoke
        async def invoke(self, ctx: lightbulb.Context) -> None:
            await ctx.respond("pong")

    class Exploding(lightbulb.Loadable):
        async def load(self, client: lightbulb.Client) -> None:
            raise RuntimeError("cannot connect to the weather service")

        async def unload(self, client: lightbulb.Client) -> None:
            return None

    @bad.command
    class Broken(lightbulb.SlashCommand, name="broken", description="Broken"):
        @lightbulb.invoke
        async def invoke(self, ctx: lightbulb.Context) -> None:
            await ctx.respond("never")

    bad.add(Exploding())
    registry = PluginRegistry.of(plugin("good", [good]), plugin("bad", [bad]))
    client = lightbulb.client_from_app(hikari.GatewayBot(TOKEN, banner=None))
    await registry.add_to_client(client)

    bad_record, good_record = registry.records
    assert good_record.status is PluginStatus.LOADED
    assert bad_record.status is PluginStatus.FAILED
    assert bad_record.error == "load: RuntimeError: cannot connect to the weather service"
    names = {c._command_data.name for c in client.registered_commands}
    assert names == {"ping"}, "a failed plugin's commands are removed again"
    assert registry.names == ["good"]
