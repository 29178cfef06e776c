"""The core's Alembic revisions (branch ``core``); a package so that a wheel ships them."""
