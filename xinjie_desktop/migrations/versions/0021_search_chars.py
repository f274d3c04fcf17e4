"""A filter of one or two Chinese characters through an index, not a scan of every name (issue 16).

The trigram index (0011) serves filters of three characters or more; a surname or two characters of a name
(the searches a cadre types most) scanned every household's names (0020's ``household_search_words``): 10 to
18 ms at 100,000 households, each keystroke.  ``household_search_chars`` is an FTS5 index of those names one
character a token (the ``unicode61`` tokenizer, a space between characters): a character of the CJK Unified
Ideographs or their Extension A that the tokenizer's Unicode tables know (U+4E00..U+9FCC, U+3400..U+4DB5) is a
token of its own, every other character (a separator, a letter, a digit, a rarer character) the token ``0``, so
that a filter of such characters is a phrase of consecutive tokens exactly where it is a substring of the names
(core.records.household_list).  ``household_search_positions`` (1 .. 2048) lets the triggers take a text apart
character by character in plain SQL; the names of a household longer than that (no household's are) are
indexed as the single token ``1``, and a filter rechecks those households' names with instr().

Derived from ``household_search_words`` by triggers, like it: never journalled, never in a bundle or the
canonical dump (core.store.database.DERIVED_INDEX_TABLES).

Revision ID: 0021_search_chars
Revises: 0020_search_parts
Create Date: 2026-12-07
"""

from alembic import op

revision = "0021_search_chars"
down_revision = "0020_search_parts"
branch_labels = None
depends_on = None

POSITIONS = 2048
# The tokens of a household's names (``{w}``): each character, or 0 for one the index does not hold, a space
# between; the token 1 for names longer than POSITIONS characters.
CHARS = (
    f"CASE WHEN length({{w}}) > {POSITIONS} THEN '1' ELSE coalesce(("
    "SELECT group_concat(c, ' ') FROM (SELECT CASE WHEN unicode(substr({w}, n, 1)) BETWEEN 19968 AND 40908 "
    "OR unicode(substr({w}, n, 1)) BETWEEN 13312 AND 19893 THEN substr({w}, n, 1) ELSE '0' END AS c "
    "FROM household_search_positions WHERE n <= length({w}) ORDER BY n)), '') END"
)
TRIGGERS = (
    "CREATE TRIGGER household_search_chars_insert AFTER INSERT ON household_search_words BEGIN "
    f"INSERT INTO household_search_chars (rowid, chars) VALUES (new.rowid, {CHARS.format(w='new.words')}); END",
    "CREATE TRIGGER household_search_chars_update AFTER UPDATE ON household_search_words BEGIN "
    "DELETE FROM household_search_chars WHERE rowid = old.rowid; "
    f"INSERT INTO household_search_chars (rowid, chars) VALUES (new.rowid, {CHARS.format(w='new.words')}); END",
    "CREATE TRIGGER household_search_chars_delete AFTER DELETE ON household_search_words BEGIN "
    "DELETE FROM household_search_chars WHERE rowid = old.rowid; END",
)
TRIGGER_NAMES = ("household_search_chars_insert", "household_search_chars_update", "household_search_chars_delete")


def upgrade() -> None:
    op.execute("CREATE TABLE household_search_positions (n INTEGER PRIMARY KEY)")
    op.get_bind().exec_driver_sql(
        "INSERT INTO household_search_positions (n) VALUES (?)", [(n,) for n in range(1, POSITIONS + 1)]
    )
    op.execute("CREATE VIRTUAL TABLE household_search_chars USING fts5(chars, tokenize='unicode61')")
    op.execute(
        f"INSERT INTO household_search_chars (rowid, chars) SELECT rowid, {CHARS.format(w='words')} "
        "FROM household_search_words"
    )
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for name in TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE household_search_chars")
    op.execute("DROP TABLE household_search_positions")
