"""Saving what a form changed, and only that: a three-way merge of records (issue 13, case 1).

A form remembers the records it loaded (``base``). When the user saves, the store may hold something
else (``theirs``): an import, or a second window, wrote in the meantime. Saving writes the user's
(``mine``) changes only, field by field, each checked against what the form loaded:

* a field the user did not change keeps the store's value, whatever it is now;
* a field the user changed that nobody else changed (or that the store now holds with the same value)
  takes the user's value;
* a field both changed, to different values, is a ``Collision``: the user decides (``Decision``), and
  until then nothing is saved.

Records (a member, a year's income worksheet) can be added or removed on either side, too: a record
added underneath is kept, a record removed underneath stays removed unless the user changed it, a
record the user removed is removed unless it was changed underneath. Such a clash of existence is a
``Collision`` whose ``field`` is ``EXISTS``.

Pure: no store, no Qt. Values are compared as given; the caller normalises them (stripped text, …).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

EXISTS = ""  # the field of a collision about a record's existence (removed on one side, changed on the other)
MINE = "mine"
THEIRS = "theirs"

Record = Mapping[str, object]
Key = tuple[str, str, str]  # (table, record, field)


@dataclass(frozen=True)
class Collision:
    """A field (or a record's existence) the user changed and the store changed too, differently.

    ``mine``/``theirs``/``base``: the values (``None`` for a record that is not there, when ``field`` is
    ``EXISTS``: then they are the whole records). ``label``: what the record is, in the user's words (a
    member's name, an income year), filled in by the caller. ``changed_by``/``changed_at``: who wrote
    the store's value and when, if known."""

    table: str
    record: str
    field: str
    mine: object
    theirs: object
    base: object
    label: str = ""
    changed_by: str = ""
    changed_at: str = ""

    @property
    def key(self) -> Key:
        return (self.table, self.record, self.field)


@dataclass(frozen=True)
class Decision:
    """The user's choice for one collision: ``MINE`` or ``THEIRS``, and the store's value they saw when
    deciding (a decision about a value that has changed again since does not count)."""

    choice: str
    theirs_seen: object


@dataclass
class Merged:
    """The records to write (``None``: not there), the collisions still undecided, and the decisions
    applied (key → the value written)."""

    records: dict[tuple[str, str], dict[str, object] | None]
    collisions: list[Collision]
    decided: dict[Key, object]


def merge_fields(
    table: str,
    record: str,
    base: Record,
    mine: Record,
    theirs: Record,
    decisions: Mapping[Key, Decision],
    merged: Merged,
) -> dict[str, object]:
    """One record on all three sides: the values to write, field by field (collisions noted in ``merged``)."""
    result: dict[str, object] = dict(theirs)
    for name, my_value in mine.items():
        base_value = base.get(name)
        their_value = theirs.get(name)
        if my_value == base_value or my_value == their_value:
            continue  # not changed by the user, or both agree: the store's value stands
        if their_value == base_value:
            result[name] = my_value  # changed by the user only
            continue
        key = (table, record, name)
        decision = decisions.get(key)
        if decision is not None and decision.theirs_seen == their_value:
            result[name] = my_value if decision.choice == MINE else their_value
            merged.decided[key] = result[name]
            continue
        merged.collisions.append(Collision(table, record, name, my_value, their_value, base_value))
    return result


def merge_record(
    table: str,
    record: str,
    base: Record | None,
    mine: Record | None,
    theirs: Record | None,
    decisions: Mapping[Key, Decision],
    merged: Merged,
    empty: Record | None = None,
) -> dict[str, object] | None:
    """One record that may be missing on any side (``None``); returns what to write, ``None`` for nothing.

    ``empty``: the values a missing record stands for when the user and the store both add it (an income
    worksheet of a year is the same record on both sides); without it both additions are kept apart by
    the caller (they have different ids) and this is never asked."""
    if mine is None and theirs is None:
        return None
    if base is None:
        if mine is None or theirs is None:
            added = mine if theirs is None else theirs
            assert added is not None
            return dict(added)
        return merge_fields(table, record, empty or {}, mine, theirs, decisions, merged)
    if mine is not None and theirs is not None:
        return merge_fields(table, record, base, mine, theirs, decisions, merged)
    # Removed on one side.
    kept = mine if mine is not None else theirs
    assert kept is not None
    if dict(kept) == dict(base):
        return None  # the other side did not change it: the removal stands
    key = (table, record, EXISTS)
    decision = decisions.get(key)
    theirs_seen = None if theirs is None else dict(theirs)
    if decision is not None and decision.theirs_seen == theirs_seen:
        written = dict(mine) if decision.choice == MINE and mine is not None else None
        if decision.choice == THEIRS and theirs is not None:
            written = dict(theirs)
        merged.decided[key] = written
        return written
    merged.collisions.append(
        Collision(
            table,
            record,
            EXISTS,
            None if mine is None else dict(mine),
            theirs_seen,
            dict(base),
        )
    )
    return dict(theirs) if theirs is not None else None


def merge(
    base: Mapping[tuple[str, str], Record],
    mine: Mapping[tuple[str, str], Record],
    theirs: Mapping[tuple[str, str], Record],
    decisions: Mapping[Key, Decision] | None = None,
    empty: Mapping[str, Record] | None = None,
) -> Merged:
    """Every record of the three sides, keyed ``(table, record)``; ``empty``: per table, what a missing
    record stands for when added on both sides (see ``merge_record``)."""
    decisions = decisions or {}
    merged = Merged({}, [], {})
    keys = list(dict.fromkeys([*theirs, *mine, *base]))
    for table, record in keys:
        result = merge_record(
            table,
            record,
            base.get((table, record)),
            mine.get((table, record)),
            theirs.get((table, record)),
            decisions,
            merged,
            (empty or {}).get(table),
        )
        merged.records[(table, record)] = result
    return merged
