"""Tatiana levels plugin."""
