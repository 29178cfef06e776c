"""Tatiana ai plugin."""
