"""The household list's filter scans a part of every household's text, not all of it (issue 16).

``household.search_text`` now holds its words (the members' names) and its numbers (their ID numbers) in two
parts, the words, then char(30), then the numbers (core.records.households.search_text: a field holding a
character other than the digits and X is a word, one holding any of those a number; a name with a digit is both).
The narrow copy's parts are kept in tables of their own, ``household_search_words`` and
``household_search_numbers`` (numbered as ``household_search_text``), by triggers on it: a filter of digits and X
alone scans the numbers, any other filter the words (core.records.household_list), a third and a half of the
text.  A text without char(30) (none is written so) is both parts whole.  Both are derived, like the narrow copy:
never journalled, never in a bundle or the canonical dump.

Every household's search text is written again in the new form here; the narrow copy follows by its trigger, and
its FTS5 index is rebuilt once rather than row by row.

Revision ID: 0020_search_parts
Revises: 0019_building
Create Date: 2026-12-07
"""

from collections.abc import Callable, Sequence

from alembic import op

revision = "0020_search_parts"
down_revision = "0019_building"
branch_labels = None
depends_on = None

PARTS = "\x1e"
NUMBER_CHARACTERS = frozenset("0123456789Xx")
# The two parts of a text, in SQL (``{t}``: the text): before and after its first char(30), or the whole text
# for each when it has none.
WORDS = "CASE WHEN instr({t}, char(30)) = 0 THEN {t} ELSE substr({t}, 1, instr({t}, char(30)) - 1) END"
NUMBERS = "CASE WHEN instr({t}, char(30)) = 0 THEN {t} ELSE substr({t}, instr({t}, char(30)) + 1) END"
TRIGGERS = (
    "CREATE TRIGGER household_search_parts_insert AFTER INSERT ON household_search_text BEGIN "
    f"INSERT INTO household_search_words (rowid, words) VALUES (new.rowid, {WORDS.format(t='new.search_text')}); "
    "INSERT INTO household_search_numbers (rowid, numbers) "
    f"VALUES (new.rowid, {NUMBERS.format(t='new.search_text')}); END",
    "CREATE TRIGGER household_search_parts_update AFTER UPDATE ON household_search_text BEGIN "
    "DELETE FROM household_search_words WHERE rowid = old.rowid; "
    "DELETE FROM household_search_numbers WHERE rowid = old.rowid; "
    f"INSERT INTO household_search_words (rowid, words) VALUES (new.rowid, {WORDS.format(t='new.search_text')}); "
    "INSERT INTO household_search_numbers (rowid, numbers) "
    f"VALUES (new.rowid, {NUMBERS.format(t='new.search_text')}); END",
    "CREATE TRIGGER household_search_parts_delete AFTER DELETE ON household_search_text BEGIN "
    "DELETE FROM household_search_words WHERE rowid = old.rowid; "
    "DELETE FROM household_search_numbers WHERE rowid = old.rowid; END",
)
TRIGGER_NAMES = ("household_search_parts_insert", "household_search_parts_update", "household_search_parts_delete")
# The narrow copy's index follows it by these (migration 0011); they are set aside while every text is written.
INDEX_TRIGGERS = ("household_search_text_insert", "household_search_text_update", "household_search_text_delete")


def parted(fields: Sequence[str]) -> str:
    """The search text of a household whose members' names and ID numbers are ``fields`` (in member order), as
    core.records.households.search_text writes it at this revision."""
    words, numbers = [], []
    for field in fields:
        field = (field or "").replace(PARTS, "")
        if any(c not in NUMBER_CHARACTERS for c in field):
            words.append(field)
        if any(c in NUMBER_CHARACTERS for c in field):
            numbers.append(field)
    return f"{'|'.join(words)}{PARTS}{'|'.join(numbers)}"


def joined(fields: Sequence[str]) -> str:
    """The search text as revisions before this one wrote it: every name and ID number, in member order."""
    return "|".join(field or "" for field in fields)


def _write_every_text(text_of: Callable[[Sequence[str]], str]) -> None:
    """Every household's search text written again as ``text_of`` its members' names and ID numbers; the narrow
    copy follows by its trigger, its index is rebuilt once."""
    bind = op.get_bind()
    fields: dict[str, list[str]] = {}
    for household_id, name, number in bind.exec_driver_sql(
        "SELECT h.id, m.name, m.id_number FROM household h LEFT JOIN member m ON m.household_id = h.id "
        "ORDER BY h.id, m.position, m.rowid"
    ):
        written = fields.setdefault(household_id, [])
        if name is not None or number is not None:
            written += [name, number]
    index_triggers = [
        row[0]
        for row in bind.exec_driver_sql(
            f"SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN {INDEX_TRIGGERS!r} ORDER BY name"
        )
    ]
    for name in INDEX_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if fields:
        bind.exec_driver_sql(
            "UPDATE household SET search_text = ? WHERE id = ?",
            [(text_of(members), household_id) for household_id, members in fields.items()],
        )
    op.execute("INSERT INTO household_search (household_search) VALUES ('rebuild')")
    for trigger in index_triggers:
        op.execute(trigger)


def upgrade() -> None:
    _write_every_text(parted)
    op.execute("CREATE TABLE household_search_words (rowid INTEGER PRIMARY KEY, words TEXT NOT NULL)")
    op.execute("CREATE TABLE household_search_numbers (rowid INTEGER PRIMARY KEY, numbers TEXT NOT NULL)")
    op.execute(
        "INSERT INTO household_search_words (rowid, words) "
        f"SELECT rowid, {WORDS.format(t='search_text')} FROM household_search_text"
    )
    op.execute(
        "INSERT INTO household_search_numbers (rowid, numbers) "
        f"SELECT rowid, {NUMBERS.format(t='search_text')} FROM household_search_text"
    )
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for name in TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE household_search_numbers")
    op.execute("DROP TABLE household_search_words")
    _write_every_text(joined)
