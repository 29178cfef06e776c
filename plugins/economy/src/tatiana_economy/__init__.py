"""Tatiana economy plugin."""
