"""Tatiana: a plugin-based Discord bot framework. This module is the public plugin API."""

from tatiana.plugin import API_VERSION, NoSettings, Plugin, PluginDefinitionError

__all__ = ["API_VERSION", "NoSettings", "Plugin", "PluginDefinitionError"]
__version__ = "0.1.0"
