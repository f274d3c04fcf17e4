"""The household list's text filter through an index (issue 16): a filter of three characters or more is
found through ``household_search``, an FTS5 table with the trigram tokenizer, without reading every
household; a count of many matches, and a shorter filter, scan ``household_search_text``, a narrow copy of
every household's ``search_text`` (every member's name and ID number), a sixth of the household table
(core.records.household_list).

Both are derived from ``household.search_text`` and kept in step by triggers, so every writer of it (a
save, the import's bulk ``INSERT ... SELECT``, the demo data) keeps them without knowing of them:
``household_search_text`` follows the households (keyed by their id, numbered by its own INTEGER PRIMARY
KEY, which a VACUUM keeps), and ``household_search`` indexes it (an external-content table keyed by that
number).  Neither is a model table: never journalled, never in a bundle or the canonical dump
(core.store.database.DERIVED_INDEX_TABLES).  A later revision that copies the household table (a batch
alter) drops its triggers with it and must create them again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TRIGGERS = (
    # the narrow copy follows the households
    "CREATE TRIGGER household_search_insert AFTER INSERT ON household BEGIN "
    "INSERT INTO household_search_text (household_id, search_text) VALUES (new.id, coalesce(new.search_text, '')); END",
    "CREATE TRIGGER household_search_update AFTER UPDATE OF id, search_text ON household BEGIN "
    "UPDATE household_search_text SET household_id = new.id, search_text = coalesce(new.search_text, '') "
    "WHERE household_id = old.id; END",
    "CREATE TRIGGER household_search_delete AFTER DELETE ON household BEGIN "
    "DELETE FROM household_search_text WHERE household_id = old.id; END",
    # the index follows the narrow copy
    "CREATE TRIGGER household_search_text_insert AFTER INSERT ON household_search_text BEGIN "
    "INSERT INTO household_search (rowid, search_text) VALUES (new.rowid, new.search_text); END",
    "CREATE TRIGGER household_search_text_update AFTER UPDATE ON household_search_text BEGIN "
    "INSERT INTO household_search (household_search, rowid, search_text) "
    "VALUES ('delete', old.rowid, old.search_text); "
    "INSERT INTO household_search (rowid, search_text) VALUES (new.rowid, new.search_text); END",
    "CREATE TRIGGER household_search_text_delete AFTER DELETE ON household_search_text BEGIN "
    "INSERT INTO household_search (household_search, rowid, search_text) "
    "VALUES ('delete', old.rowid, old.search_text); END",
)
TRIGGER_NAMES = (
    "household_search_insert",
    "household_search_update",
    "household_search_delete",
    "household_search_text_insert",
    "household_search_text_update",
    "household_search_text_delete",
)


def upgrade() -> None:
    op.execute(
        "CREATE TABLE household_search_text (rowid INTEGER PRIMARY KEY, household_id VARCHAR(36) NOT NULL UNIQUE, "
        "search_text TEXT NOT NULL)"
    )
    op.execute(
        "CREATE VIRTUAL TABLE household_search USING fts5("
        "search_text, content='household_search_text', content_rowid='rowid', tokenize='trigram')"
    )
    op.execute(
        "INSERT INTO household_search_text (household_id, search_text) "
        "SELECT id, coalesce(search_text, '') FROM household ORDER BY rowid"
    )
    op.execute("INSERT INTO household_search (household_search) VALUES ('rebuild')")
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for trigger in TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DROP TABLE household_search")
    op.execute("DROP TABLE household_search_text")
