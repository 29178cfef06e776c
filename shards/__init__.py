"""Tatiana shard processes, launcher and Redis coordination."""
