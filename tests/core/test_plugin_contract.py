"""The Plugin object: what it accepts, what it refuses with a clear reason, and what it offers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

import tatiana
from tatiana import API_VERSION, NoSettings, Plugin, PluginDefinitionError


class Settings(BaseModel):
    units: str = Field("metric", description="metric or imperial")


def make(**overrides: object) -> Plugin:
    fields: dict[str, object] = {
        "name": "weather",
        "version": "1.0.0",
        "description": "Weather",
        "requires": "1.*",
    }
    fields.update(overrides)
    return Plugin(**fields)  # type: ignore[arg-type]


def test_public_api_is_small_and_documented() -> None:
    assert set(tatiana.__all__) >= {"Plugin", "API_VERSION"}
    for name in tatiana.__all__:
        obj = getattr(tatiana, name)
        assert isinstance(obj, str) or obj.__doc__, f"tatiana.{name} has no docstring"
        assert f"``{name}``" in str(tatiana.__doc__), (
            f"tatiana.{name} is not documented in tatiana/__init__.py"
        )
    fields = {f.name for f in dataclasses.fields(Plugin)}
    contract = {"name", "version", "description", "requires", "loaders", "settings", "migrations", "tasks"}
    assert fields >= contract | {"routes", "translations"}
    assert all(f"``{field}``" in str(Plugin.__doc__) for field in fields - {"name", "version", "description"})


def test_minimal_plugin_has_no_settings() -> None:
    plugin = make()
    assert plugin.settings is NoSettings
    assert plugin.settings_schema()["properties"] == {}


@pytest.mark.parametrize(
    ("requires", "supported"),
    [("1.*", True), (">=1.0,<2", True), ("==1.0", True), ("2.*", False), (">1.0", False)],
)
def test_requires_is_checked_against_api_version(requires: str, supported: bool) -> None:
    assert API_VERSION == "1.0"
    assert make(requires=requires).supports_api() is supported


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"name": "Weather"}, "lowercase"),
        ({"name": "w"}, "2-32"),
        ({"version": "one"}, "not PEP 440"),
        ({"requires": "latest"}, "not a version specifier"),
        ({"settings": dict}, "pydantic BaseModel"),
        ({"translations": {"fr": {}}}, "unsupported locales: fr"),
        ({"migrations": "/no/such/folder"}, "does not exist"),
    ],
)
def test_invalid_definitions_are_refused_with_reason(overrides: dict[str, object], reason: str) -> None:
    with pytest.raises(PluginDefinitionError, match=reason):
        make(**overrides)


def test_settings_fields_need_defaults() -> None:
    class Required(BaseModel):
        api_key: str

    with pytest.raises(PluginDefinitionError, match="without a default: api_key"):
        make(settings=Required)


def test_settings_schema_is_what_the_dashboard_renders() -> None:
    schema = make(settings=Settings).settings_schema()
    assert schema["properties"]["units"] == {
        "default": "metric",
        "description": "metric or imperial",
        "title": "Units",
        "type": "string",
    }


def test_each_settings_schema_is_a_copy_of_its_own() -> None:
    plugin = make(settings=Settings)
    plugin.settings_schema()["properties"].clear()
    assert "units" in plugin.settings_schema()["properties"]


def test_translate_falls_back_to_english_then_key() -> None:
    plugin = make(translations={"es": {"hi": "hola {name}"}, "en": {"hi": "hi {name}", "bye": "bye"}})
    assert plugin.translate("es", "hi", name="Ana") == "hola Ana"
    assert plugin.translate("es", "bye") == "bye"
    assert plugin.translate("es", "missing") == "missing"


def test_migrations_folder_accepted(tmp_path: Path) -> None:
    assert make(migrations=tmp_path).migrations == tmp_path


async def _nothing(call: tatiana.ToolCall) -> dict[str, object]:
    return {}


def test_ai_tools_are_named_described_and_distinct() -> None:
    tool = tatiana.AITool(name="forecast", description="The forecast of a city.", run=_nothing)
    assert make(ai_tools=[tool]).ai_tools == [tool]
    assert tool.schema() == {"type": "object", "properties": {}}
    with pytest.raises(ValueError, match="must match"):
        tatiana.AITool(name="Forecast!", description="x", run=_nothing)
    with pytest.raises(ValueError, match="needs a description"):
        tatiana.AITool(name="forecast", description=" ", run=_nothing)
    with pytest.raises(PluginDefinitionError, match="distinct names"):
        make(ai_tools=[tool, tool])
