"""The moderation plugin's es/en texts, for code that runs outside a command (the scheduled actions)."""

from tatiana import load_translations

TRANSLATIONS = load_translations("tatiana_moderation")
"""``{"es": {...}, "en": {...}}`` from the ``locales`` folder."""
