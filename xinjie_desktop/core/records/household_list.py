"""The household list: filtered, counted and paged with plain indexed SQL.

The Qt table model asks for the count and for pages of rows as the user
scrolls; nothing here loads every household.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    CompoundSelect,
    FromClause,
    Select,
    TableClause,
    column,
    func,
    literal_column,
    select,
    table,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from xinjie_desktop.core.records import progress
from xinjie_desktop.core.records.households import NUMBER_CHARACTERS, SEARCH_PARTS
from xinjie_desktop.core.store.models import Household, Village, VillagerGroup


@dataclass(frozen=True)
class ListFilter:
    village_id: str | None = None
    group_id: str | None = None
    step: str | None = None  # a workflow state code, "" for not started
    flag: str | None = None  # a flag code
    text: str = ""  # part of any member's name or ID number
    # The villages the person logged in may read (core.records.access.readable_villages; issue 17: a village
    # cadre views their village): None for every village.
    within: frozenset[str] | None = None
    # The households a figure of the progress view counts (issue 18: every number opens its list), by the
    # figure's own condition (core.records.progress).
    figure: progress.Selection | None = None


@dataclass(frozen=True)
class Row:
    id: str
    head_name: str
    head_id_number: str
    village: str
    group: str
    actual_population: int
    system_population: int | None
    workflow_step: str
    flags: tuple[str, ...]


# The text index (migration 0011): ``household_search_text``, a narrow copy of every household's
# ``search_text`` (a quarter of the household table), and ``household_search``, an FTS5 index of it
# with the trigram tokenizer, which finds the households holding a filter of three characters or more
# without reading the others.  Their results are LIKE's: the index folds the case of every cased letter,
# LIKE of ASCII letters only, so the index's households are rechecked with LIKE unless the filter holds
# only characters both treat alike (caseless ones, such as digits and Chinese characters, and the ASCII
# letters no other letter folds onto); a scan of a caseless filter uses instr(), which is LIKE for it.
# A scan reads one part of the narrow copy (migration 0020): the numbers (a seventh of the household table) for a
# filter of digits and X alone, the words (a fourteenth) for any other, each a table of its own.
# A filter of one or two Chinese characters is found through ``household_search_chars`` (migration
# 0021_search_chars), an index of the words one character a token (the characters of CHARACTER_RANGES; any other
# character is the token 0, so a phrase of these characters is found exactly where it is a substring), and
# the households whose names are too long for it (the token 1) rechecked with instr().
INDEXED_FROM = 3
CHARACTER_RANGES = ((0x4E00, 0x9FCC), (0x3400, 0x4DB5))
SEARCH = table("household_search", column("rowid"))
CHARS = table("household_search_chars", column("rowid"))
TEXTS = table("household_search_text", column("rowid"), column("household_id"), column("search_text"))
WORDS = table("household_search_words", column("rowid"), column("words"))
NUMBERS = table("household_search_numbers", column("rowid"), column("numbers"))
_FOLDED_ONTO_ASCII = frozenset("IKS")  # İ (U+0130), K (Kelvin sign U+212A), ſ (long s U+017F)


def _text(criteria: ListFilter) -> str:
    return criteria.text.strip().upper()


def _indexed(criteria: ListFilter) -> bool:
    return len(_text(criteria)) >= INDEXED_FROM


def _by_character(text: str) -> bool:
    """True when ``text`` is found through the character index: one or two characters it holds."""
    return 0 < len(text) < INDEXED_FROM and all(
        any(first <= ord(c) <= last for first, last in CHARACTER_RANGES) for c in text
    )


def _character_rows(text: str) -> CompoundSelect:
    """The narrow copy's numbers of the households whose words hold ``text`` (``_by_character``): the phrase of
    its characters in the character index, and the households indexed as too long, by instr() on their words."""
    indexed: ColumnClause[Any] = literal_column("household_search_chars")
    return union_all(
        select(CHARS.c.rowid).where(indexed.op("MATCH")('"' + " ".join(text) + '"')),
        select(CHARS.c.rowid)
        .select_from(CHARS.join(WORDS, WORDS.c.rowid == CHARS.c.rowid))
        .where(indexed.op("MATCH")('"1"'), func.instr(WORDS.c.words, text) > 0),
    )


def _caseless(text: str) -> bool:
    return all(c.lower() == c.upper() == c for c in text)


def _same_as_like(text: str) -> bool:
    """True when the index's matches of ``text`` are exactly LIKE's (no recheck needed)."""
    return all(
        (c.lower() == c.upper() == c) or (c.isascii() and c.isalpha() and c.upper() not in _FOLDED_ONTO_ASCII)
        for c in text
    )


def _phrase(text: str) -> str:
    """The FTS5 query of ``text`` as one phrase: its trigrams, consecutive (a substring)."""
    return '"' + text.replace('"', '""') + '"'


def _holding(
    text: str, searched: ColumnClause | InstrumentedAttribute[str] = TEXTS.c.search_text
) -> ColumnElement[bool]:
    """The rows whose ``searched`` (a household's search text, the narrow copy's or a part of it) holds ``text``, as
    LIKE finds them (instr() does the same for a text without case, and reads it several times faster)."""
    if _caseless(text):
        return func.instr(searched, text) > 0
    return searched.contains(text, autoescape=True)


def _part(text: str) -> tuple[TableClause, ColumnClause]:
    """What a scan for ``text`` reads: the numbers when it holds digits and X alone, else the words (a field holding
    any other character is a word: households.search_text); the whole text when it holds a separator."""
    if "|" in text or SEARCH_PARTS in text:
        return TEXTS, TEXTS.c.search_text
    if all(c in NUMBER_CHARACTERS for c in text):
        return NUMBERS, NUMBERS.c.numbers
    return WORDS, WORDS.c.words


def _scan(text: str) -> tuple[FromClause, ColumnElement[bool]]:
    """The narrow copy joined to the part a scan for ``text`` reads, and the condition that finds it there."""
    part, searched = _part(text)
    if part is TEXTS:
        return TEXTS, _holding(text)
    return part.join(TEXTS, TEXTS.c.rowid == part.c.rowid), _holding(text, searched)


def _from_index(query: Select, criteria: ListFilter) -> Select:
    """``query`` over the households the text index finds for the filter (other criteria as ``_filtered``)."""
    text = _text(criteria)
    query = (
        query.join(TEXTS, TEXTS.c.household_id == Household.id)
        .join(SEARCH, SEARCH.c.rowid == TEXTS.c.rowid)
        .where(literal_column("household_search").op("MATCH")(_phrase(text)))
    )
    if not _same_as_like(text):
        query = query.where(_holding(text))
    return _filtered(query, criteria, text=False)


def _matching_rows(criteria: ListFilter) -> Select | CompoundSelect:
    """The narrow copy's numbers of the households whose text holds the filter (no other criterion): through its
    index for a filter of three characters or more, else by a scan of the part the text can be in; nothing else
    is read, so that finding out whether many match stops as soon as they do."""
    text = _text(criteria)
    if _by_character(text):
        return _character_rows(text)
    if not _indexed(criteria):
        part, searched = _part(text)
        return select(part.c.rowid).where(_holding(text, searched))
    matching = literal_column("household_search").op("MATCH")(_phrase(text))
    if _same_as_like(text):
        return select(SEARCH.c.rowid).where(matching)
    return (
        select(TEXTS.c.rowid)
        .select_from(SEARCH.join(TEXTS, TEXTS.c.rowid == SEARCH.c.rowid))
        .where(matching, _holding(text))
    )


def _listed(values: Sequence[object]) -> Select:
    """``values`` as a one-column query for ``IN``: one JSON parameter, not one parameter each (SQLAlchemy renders
    and binds each of hundreds of parameters again on every keystroke)."""
    return select(func.json_each(json.dumps(list(values))).table_valued("value").c.value)


def _scanned(query: Select, criteria: ListFilter) -> Select:
    """``query`` over the households whose text holds the filter, through the character index or by a scan of the
    narrow copy (other criteria as ``_filtered``)."""
    text = _text(criteria)
    if _by_character(text):
        query = query.join(TEXTS, TEXTS.c.household_id == Household.id).where(TEXTS.c.rowid.in_(_character_rows(text)))
    else:
        scanned, holding = _scan(text)
        query = query.join(scanned, TEXTS.c.household_id == Household.id).where(holding)
    return _filtered(query, criteria, text=False)


def _filtered(query: Select, criteria: ListFilter, *, text: bool = True) -> Select:
    if criteria.within is not None:
        query = query.where(Household.village_id.in_(sorted(criteria.within)))
    if criteria.village_id:
        query = query.where(Household.village_id == criteria.village_id)
    if criteria.group_id:
        query = query.where(Household.group_id == criteria.group_id)
    if criteria.step is not None:
        query = query.where(Household.workflow_step == criteria.step)
    if criteria.flag:
        query = query.where(Household.flags.contains(f"|{criteria.flag}|", autoescape=True))
    if criteria.figure is not None:
        query = query.where(progress.condition(criteria.figure))
    if text and (words := _text(criteria)):
        query = query.where(_holding(words, Household.search_text))
    return query


def _other_criteria(criteria: ListFilter) -> bool:
    return bool(
        criteria.village_id
        or criteria.group_id
        or criteria.step is not None
        or criteria.flag
        or criteria.figure is not None
        or criteria.within is not None
    )


# Counting through the index costs by matches times trigrams, a scan of the narrow copy by households: at
# 100,000 households (one region code: every ID number starts alike) the index counts one trigram's
# 100,000 matches in 2 ms but a six-character filter's in 60 ms, where a scan takes 25 to 30 ms (8 to 12 ms
# since it reads one part).  So a count (needed only when a thousand or more match) is the index's for one
# trigram, else a scan.


def _one_trigram(text: str) -> bool:
    """True when the trigram index counts ``text`` alone: one trigram, whose matches are LIKE's."""
    return len(text) == INDEXED_FROM and _same_as_like(text)


def counted_through_an_index(criteria: ListFilter) -> bool:
    """True when ``count`` reads an index for ``criteria`` (a text alone of one or two characters the character
    index holds, or of one trigram): a millisecond or two, made with the first page (``first_rows``) rather than
    beside it."""
    text = _text(criteria)
    return bool(text) and not _other_criteria(criteria) and (_by_character(text) or _one_trigram(text))


def count(session: Session, criteria: ListFilter) -> int:
    text = _text(criteria)
    if text and not _other_criteria(criteria):
        counted: int
        if _by_character(text):
            counted = session.execute(select(func.count()).select_from(_character_rows(text).subquery())).scalar_one()
            return counted
        if _one_trigram(text):
            counted = session.execute(
                select(func.count())
                .select_from(SEARCH)
                .where(literal_column("household_search").op("MATCH")(_phrase(text)))
            ).scalar_one()
            return counted
        # one pass over the part of the narrow copy the text can be in
        part, searched = _part(text)
        counted = session.execute(select(func.count()).select_from(part).where(_holding(text, searched))).scalar_one()
        return counted
    if _indexed(criteria):
        return session.scalar(_from_index(select(func.count()).select_from(Household), criteria))
    return session.scalar(_filtered(select(func.count()).select_from(Household), criteria))


class KnownCounts:
    """The counts of filters already made, kept while the store is unchanged (``Store.data_version``).

    A count of many matches is a pass over every household's text, and the same ones are asked for again and
    again: every ID number of the township starts with its region code, so typing any of them counts the
    same first six prefixes; a correction goes back over letters typed before.  A count is kept under the
    store's version read before it started, and given back only while the store still has that version."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._version: int | None = None
        self._counts: OrderedDict[ListFilter, int] = OrderedDict()

    def get(self, version: int, criteria: ListFilter) -> int | None:
        if version != self._version:  # something was committed since: every count kept may be wrong
            self._version = version
            self._counts.clear()
            return None
        found = self._counts.get(criteria)
        if found is not None:
            self._counts.move_to_end(criteria)
        return found

    def put(self, version: int, criteria: ListFilter, counted: int) -> None:
        if version != self._version:  # counted before the latest change: not kept
            return
        self._counts[criteria] = counted
        self._counts.move_to_end(criteria)
        while len(self._counts) > self._size:
            self._counts.popitem(last=False)


# With a text filter that matches few rows, walking the list-order index (village, group, head)
# reads every household before the page fills (122 ms for 9 matches in 100,000); sorting the few
# matches is then far cheaper (28 ms). With many matches the index order wins (4 ms against 31 ms).
# 1,000 measured best over typed names and ID numbers in 100,000 households (scripts/benchmark.py):
# first_page median 25.6 ms, p90 48.4 ms, against 41.0 / 65.1 ms at 5,000 and 24.5 / 123.9 ms at 300.
SORT_MATCHES_BELOW = 1000


def page(session: Session, criteria: ListFilter, offset: int, limit: int, matches: int | None = None) -> list[Row]:
    """Rows ``offset`` to ``offset + limit`` of the filtered list, in list order.

    ``matches`` is the filtered count when the caller knows it; it chooses the cheaper plan."""
    order: list[InstrumentedAttribute[str] | ColumnElement[Any]] = [Household.list_key, Household.id]
    few = criteria.text.strip() and matches is not None and matches < SORT_MATCHES_BELOW
    if few:
        order[0] = literal_column("+household.list_key")  # unary plus: not from the index
    if few and _indexed(criteria):  # the few the text index finds, sorted
        query = _from_index(_row_query(), criteria).order_by(*order)
    elif few and not _other_criteria(criteria):  # the few a scan of the narrow copy finds, sorted
        query = _scanned(_row_query(), criteria).order_by(*order)
    else:  # the list's order, until the page is full: many matches fill it soon
        query = _filtered(_row_query(), criteria).order_by(*order)
    return _rows(session.execute(query.offset(offset).limit(limit)))


def first_page(session: Session, criteria: ListFilter, limit: int) -> tuple[int, list[Row]]:
    """The filtered count and the first ``limit`` rows, in as few passes over the table as it takes."""
    rows, total = first_rows(session, criteria, limit)
    return (count(session, criteria) if total is None else total), rows


def first_rows(
    session: Session,
    criteria: ListFilter,
    limit: int,
    known: int | None = None,
) -> tuple[list[Row], int | None]:
    """The first ``limit`` rows of the filtered list and its count, or None for the count when finding it
    would be a pass of its own (a text filter that a thousand households or more match, unless an index counts
    it: ``counted_through_an_index``; ``count`` then).
    (The window starts that count at once, on another connection, beside the rows and the repaint.)

    A text filter is matched once: when it matches fewer than SORT_MATCHES_BELOW households, that
    one pass gives the count and, sorted, the page (two passes and a sort would take twice as long).

    ``known`` is the filtered count when the caller has it from before (``KnownCounts``): no count is made
    again, and a text filter that many match goes to the list's order at once.
    """
    if known is not None and (known >= SORT_MATCHES_BELOW or not criteria.text.strip()):
        return page(session, criteria, 0, limit, matches=known), known
    if criteria.text.strip():
        if _other_criteria(criteria):
            matching = _from_index if _indexed(criteria) else _filtered
            found = session.execute(
                matching(select(Household.list_key, Household.id).select_from(Household), criteria).limit(
                    SORT_MATCHES_BELOW
                )
            )
            # sorted as plain tuples: SQLAlchemy's rows compare in Python, many times slower
            keys = sorted((key, household_id) for key, household_id in found)
            if len(keys) < SORT_MATCHES_BELOW:
                wanted = [household_id for _key, household_id in keys[:limit]]
                by_id = {
                    row.id: row for row in _rows(session.execute(_row_query().where(Household.id.in_(_listed(wanted)))))
                }
                return [by_id[household_id] for household_id in wanted], len(keys)
        else:  # the text alone: the narrow copy (or its indexes) says which; their rows, sorted by SQL
            holding = session.execute(_matching_rows(criteria).limit(SORT_MATCHES_BELOW)).scalars().all()
            if len(holding) < SORT_MATCHES_BELOW:
                query = (
                    _row_query()
                    .join(TEXTS, TEXTS.c.household_id == Household.id)
                    .where(TEXTS.c.rowid.in_(_listed(holding)))
                    .order_by(literal_column("+household.list_key"), Household.id)  # unary plus: sorted, not walked
                    .limit(limit)
                )
                return _rows(session.execute(query)), len(holding)
        rows = page(session, criteria, 0, limit)
        if len(rows) < limit:
            return rows, len(rows)
        return rows, (count(session, criteria) if counted_through_an_index(criteria) else None)
    rows = page(session, criteria, 0, limit)
    return rows, (len(rows) if len(rows) < limit else count(session, criteria))


def _row_query() -> Select:
    return (
        select(
            Household.id,
            Household.head_name,
            Household.head_id_number,
            Village.name,
            VillagerGroup.name,
            Household.actual_population,
            Household.system_population,
            Household.workflow_step,
            Household.flags,
        )
        .join(VillagerGroup, Household.group_id == VillagerGroup.id)
        .join(Village, Household.village_id == Village.id)
    )


def _rows(result: Iterable[Sequence[Any]]) -> list[Row]:
    """``_row_query``'s rows, with the flags column split into codes."""
    return [
        Row(id_, head, head_id, village, group, actual, system, step, tuple(f for f in flags.split("|") if f))
        for id_, head, head_id, village, group, actual, system, step, flags in result
    ]
