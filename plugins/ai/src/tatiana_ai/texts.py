"""The plugin's texts in Spanish and English (``locales/*.toml``)."""

from tatiana import load_translations

TRANSLATIONS = load_translations("tatiana_ai")
"""Every text of the plugin, by language and dotted key."""
