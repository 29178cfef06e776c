"""The core's database layer: models, engine and session factory, migrations."""
