"""Alembic migrations of the store. Run automatically by core.store.database.open_store."""
