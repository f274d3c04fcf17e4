"""The household list's text filter through an index (issue 16): ``household_search``, an FTS5 table with
the trigram tokenizer over ``household.search_text`` (every member's name and ID number), finds the
households whose text holds a filter of three characters or more without reading every household
(core.records.household_list).

The index is derived from ``household.search_text``: an external-content table (``content='household'``,
keyed by the household's rowid) kept in step by triggers, so every writer of ``search_text`` (a save, the
import's bulk ``INSERT ... SELECT``, the demo data) keeps it without knowing of it.  It is not a model
table: never journalled, never in a bundle or the canonical dump (core.store.database.DERIVED_INDEX_TABLES).
A later revision that copies the household table (a batch alter) must drop and rebuild it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE household_search USING fts5("
        "search_text, content='household', content_rowid='rowid', tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER household_search_insert AFTER INSERT ON household BEGIN "
        "INSERT INTO household_search (rowid, search_text) VALUES (new.rowid, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER household_search_delete AFTER DELETE ON household BEGIN "
        "INSERT INTO household_search (household_search, rowid, search_text) "
        "VALUES ('delete', old.rowid, old.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER household_search_update AFTER UPDATE OF search_text ON household BEGIN "
        "INSERT INTO household_search (household_search, rowid, search_text) "
        "VALUES ('delete', old.rowid, old.search_text); "
        "INSERT INTO household_search (rowid, search_text) VALUES (new.rowid, new.search_text); END"
    )
    op.execute("INSERT INTO household_search (household_search) VALUES ('rebuild')")


def downgrade() -> None:
    for trigger in ("household_search_insert", "household_search_delete", "household_search_update"):
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DROP TABLE household_search")
