"""Tatiana moderation plugin."""
