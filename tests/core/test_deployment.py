"""plugins.toml: defaults per plugin, and clear errors naming the file, key and problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from tatiana import Plugin
from tatiana.deployment import DeploymentConfig, DeploymentConfigError
from tatiana.registry import PluginRegistry


class WeatherSettings(BaseModel):
    units: str = "metric"
    max_cities: int = Field(default=3, ge=1, le=10)


WEATHER = Plugin(
    name="weather", version="1.0.0", description="Weather", requires="1.*", settings=WeatherSettings
)
REGISTRY = PluginRegistry.of(WEATHER)


def load(tmp_path: Path, text: str) -> DeploymentConfig:
    path = tmp_path / "plugins.toml"
    path.write_text(text, encoding="utf-8")
    return DeploymentConfig.load(path, REGISTRY)


def test_defaults_and_settings_are_read(tmp_path: Path) -> None:
    config = load(tmp_path, '[plugins.weather]\nenabled = true\nsettings = { units = "imperial" }\n')
    assert config.enabled_by_default("weather") is True
    assert config.settings_defaults("weather") == {"units": "imperial"}


def test_unnamed_plugin_is_off_with_no_overrides(tmp_path: Path) -> None:
    config = load(tmp_path, "")
    assert config.enabled_by_default("weather") is False
    assert config.settings_defaults("weather") == {}


def test_missing_optional_file_means_no_defaults(tmp_path: Path) -> None:
    config = DeploymentConfig.load(tmp_path / "absent.toml", REGISTRY)
    assert config.path is None and not config.plugins


def test_missing_required_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DeploymentConfigError, match=r"absent\.toml: file not found"):
        DeploymentConfig.load(tmp_path / "absent.toml", REGISTRY, required=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[plugins.wether]\nenabled = true\n",
            r"plugins\.toml: plugins\.wether: no installed plugin named 'wether'",
        ),
        (
            "[plugins.weather]\nenabled = 'yes'\n",
            r"plugins\.toml: plugins\.weather\.enabled: must be true or false",
        ),
        ("[plugins.weather]\nenable = true\n", r"plugins\.toml: plugins\.weather\.enable: unknown key"),
        (
            "[plugins.weather.settings]\nmax_cities = 50\n",
            r"plugins\.toml: plugins\.weather\.settings\.max_cities: Input should be less than or equal to 10",
        ),
        (
            "[plugins.weather.settings]\nunit = 'metric'\n",
            r"plugins\.toml: plugins\.weather\.settings\.unit: unknown setting \(known: max_cities, units\)",
        ),
        ("[plugins.weather\n", r"plugins\.toml: invalid TOML: .*line 1"),
        ("[server]\nport = 1\n", r"plugins\.toml: server: unknown key"),
    ],
)
def test_invalid_file_names_file_key_and_problem(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(DeploymentConfigError, match=expected):
        load(tmp_path, text)
