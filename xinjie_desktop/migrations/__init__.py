"""Alembic migrations of the store. Run automatically by core.store.open_store."""
