"""Alembic environment and the core's migrations."""
