"""The store: one SQLite file per laptop, its tables, and keeping it safe.

The ORM models, opening and migrating a store (``database``: a file that cannot be opened is never
modified), rotated backups and restore, atomic file writes, and the canonical dump that compares two
stores.  A store knows nothing of sync: whoever opens a store for work installs what it needs through
the store's extension point (``database.StoreExtension``; the sync layer's ``sync.workstore``).

May import: ``rules`` and the standard library, SQLAlchemy and Alembic.  Nothing from ``records``,
``sync`` or ``documents``.
"""
