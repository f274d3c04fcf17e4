"""The household list's text filter through the FTS5 trigram index (issue 16) finds exactly what a LIKE
scan of ``household.search_text`` finds: for any text (names and ID numbers in any case, full-width
letters, ID numbers ending in X, LIKE's wildcards), for filters of one and two characters (a scan, or the
character index of migration 0021 for Chinese characters) and longer ones (the index), after the texts change
(the index's triggers)."""

from __future__ import annotations

import sqlite3
from contextlib import closing, contextmanager
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinjie_desktop.core.records import demo_data, household_list, households
from xinjie_desktop.core.records.household_list import ListFilter
from xinjie_desktop.core.sync.workstore import open_store

# Chinese names, digits, X and x, their full-width forms, the letters other scripts fold onto (İ, Kelvin
# sign, long s), LIKE's wildcards and escape, a double quote (FTS5's phrase quote), a space and the separator;
# Chinese characters the character index does not hold (Extension B's 𠀀, U+9FFF, 〇) and the middle dot of a
# minority name, which the character index must not let two characters around it meet across.
ALPHABET = '张王李何兰秋红英0123456789XxＸｘ１kKsSiIİKſ%_/" |𠀀鿿〇·'
# The same, with the separator of a search text's two parts (households.search_text), for names and numbers.
FIELDS = ALPHABET + "\x1e"
HOUSEHOLDS = 12


@contextmanager
def demo_households(path, households: int, seed: int):
    """A store of ``households`` demo households, and their ids."""
    store = open_store(path)
    try:
        demo_data.generate(store, villages=1, households=households, seed=seed)
        with store.session() as session:
            ids = [
                row[0]
                for row in session.execute(household_list._row_query().with_only_columns(household_list.Household.id))
            ]
        yield store, ids
    finally:
        store.close()


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    with demo_households(tmp_path_factory.mktemp("search") / "store.sqlite", HOUSEHOLDS, 5) as made:
        yield made


def like_ids(store, text: str) -> set[str]:
    """The reference: a LIKE scan, with the list's upper-casing and escaping."""
    words = text.strip().upper()
    escaped = words.replace("/", "//").replace("%", "/%").replace("_", "/_")
    with sqlite3.connect(store.path) as connection:
        rows = connection.execute(
            "SELECT id FROM household WHERE search_text LIKE ? ESCAPE '/'", (f"%{escaped}%",)
        ).fetchall()
    connection.close()
    return {row[0] for row in rows}


texts = st.text(alphabet=ALPHABET, min_size=0, max_size=24)


def write_texts(store, ids: list[str], written: list[str]) -> None:
    with store.engine.begin() as connection:
        for household_id, text in zip(ids, written, strict=True):
            connection.exec_driver_sql("UPDATE household SET search_text = ? WHERE id = ?", (text, household_id))


def query_from(data, sources: list[str], longest: int) -> str:
    """A filter: a piece of one of ``sources`` (as typed, lower-cased or case-swapped), or any text."""
    source = data.draw(st.sampled_from(sources))
    start = data.draw(st.integers(0, len(source)))
    piece = source[start : start + data.draw(st.integers(1, longest))]
    return data.draw(st.one_of(st.just(piece), st.just(piece.lower()), st.just(piece.swapcase()), texts))


def assert_found_as_like(store, query: str) -> None:
    """The list's first page, count and page find exactly the households a LIKE scan finds for ``query``."""
    criteria = ListFilter(text=query)
    expected = like_ids(store, query)
    with store.session() as session:
        total, rows = household_list.first_page(session, criteria, 200)
        assert {row.id for row in rows} == expected
        assert total == len(expected) == household_list.count(session, criteria)
        paged = household_list.page(session, criteria, 0, 200, matches=len(expected))
        assert {row.id for row in paged} == expected


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), stored=st.lists(texts, min_size=HOUSEHOLDS, max_size=HOUSEHOLDS))
def test_the_index_finds_what_like_finds(searched, data, stored):
    store, ids = searched
    write_texts(store, ids, stored)  # the texts change: the update trigger keeps the index
    assert_found_as_like(store, query_from(data, stored, 6))


fields_ = st.text(alphabet=FIELDS, min_size=0, max_size=12)
members = st.lists(st.tuples(fields_, fields_), min_size=0, max_size=4)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), stored=st.lists(members, min_size=HOUSEHOLDS, max_size=HOUSEHOLDS))
def test_a_scan_of_the_words_or_the_numbers_alone_finds_what_like_finds(searched, data, stored):
    """Migration 0020: the household editor writes the names and ID numbers in two parts (words, numbers), and a
    filter of digits and X alone scans the numbers, any other the words: for any names and numbers (a name with a
    digit or an X, a number with a letter, the separators in either), exactly what LIKE finds in the whole text."""
    store, ids = searched
    written = [
        households.search_text(SimpleNamespace(members=[SimpleNamespace(name=n, id_number=i) for n, i in people]))
        for people in stored
    ]
    write_texts(store, ids, written)
    fields = [field for people in stored for person in people for field in person if field] or ["5"]
    assert_found_as_like(store, query_from(data, fields, 4))


# Few characters, so that a filter's two characters are often in a household's names apart, or either side of
# a separator (the middle dot, the names' separator) or of a character the character index does not hold.
NAMES = "张王李·|𠀀鿿a1"


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    stored=st.lists(
        st.lists(st.text(alphabet=NAMES, max_size=8), max_size=3), min_size=HOUSEHOLDS, max_size=HOUSEHOLDS
    ),
    query=st.text(alphabet="张王李", min_size=1, max_size=2),
)
def test_the_character_index_finds_what_like_finds(searched, stored, query):
    """Migration 0021: a filter of one or two Chinese characters, found through the character index, is exactly
    LIKE's: the two characters next to each other in one name, never across a separator or another character."""
    store, ids = searched
    written = [
        households.search_text(SimpleNamespace(members=[SimpleNamespace(name=n, id_number="") for n in names]))
        for names in stored
    ]
    write_texts(store, ids, written)
    assert household_list._by_character(query)
    assert_found_as_like(store, query)


def test_the_index_follows_inserts_and_deletes(tmp_path):
    store = open_store(tmp_path / "store.sqlite")
    demo_data.generate(store, villages=1, households=5, seed=9)  # a bulk insert
    with store.session() as session:
        name = session.execute(household_list._row_query()).first().head_name
    criteria = ListFilter(text=name[:3] if len(name) >= 3 else name)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE household SET search_text = 'ABC王秋红DEF'")
    with store.session() as session:
        assert household_list.count(session, ListFilter(text="王秋红")) == 5
        assert household_list.count(session, ListFilter(text="abc王")) == 5
    with store.engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.exec_driver_sql("DELETE FROM household WHERE rowid IN (SELECT rowid FROM household LIMIT 2)")
    with store.session() as session:
        assert household_list.count(session, ListFilter(text="王秋红")) == 3
        assert household_list.first_page(session, ListFilter(text="C王秋"), 200)[0] == 3
    with store.engine.connect() as connection:
        assert (
            connection.exec_driver_sql(
                "INSERT INTO household_search (household_search, rank) VALUES ('integrity-check', 1)"
            ).rowcount
            is not None
        )  # the index agrees with household.search_text (raises when it does not)
    store.close()
    assert criteria.text


def test_the_index_is_local_and_derived_never_dumped_nor_journalled(tmp_path):
    from xinjie_desktop.core.store import canonical_dump
    from xinjie_desktop.core.store.database import DERIVED_INDEX_TABLES

    store = open_store(tmp_path / "store.sqlite")
    demo_data.generate(store, villages=1, households=3, seed=2)
    try:
        with store.engine.connect() as connection:
            present = {
                row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            journalled = {row[0] for row in connection.exec_driver_sql("SELECT DISTINCT table_name FROM change_log")}
        assert "household_search" in present
        assert not set(canonical_dump.dump(store)["tables"]) & DERIVED_INDEX_TABLES
        assert not journalled & DERIVED_INDEX_TABLES
    finally:
        store.close()


def test_names_longer_than_the_character_index_takes_are_found_all_the_same(tmp_path):
    """Migration 0021: names of more than 2048 characters (a hostile bundle's) are indexed as one token and
    rechecked, so a filter of one or two characters still finds exactly what LIKE finds."""
    with demo_households(tmp_path / "store.sqlite", 4, 3) as (store, ids):
        long_name = "王" * 2000 + "李何" + "王" * 100
        write_texts(store, ids, [f"{long_name}\x1e5305", "李何\x1e5305", "何李\x1e5305", f"{'何' * 3000}\x1e5305"])
        with closing(sqlite3.connect(store.path)) as connection:
            assert connection.execute("SELECT count(*) FROM household_search_chars WHERE chars = '1'").fetchone() == (
                2,
            )
        for query in ("李何", "李", "何", "何李", "王", "王李", "红"):
            assert_found_as_like(store, query)


def test_the_character_index_holds_each_character_of_the_names_as_a_token(tmp_path):
    """Migration 0021: the names of each household one character a token, every character the index does not
    hold (a separator, a letter, a digit, a rarer character) the token 0, in order; kept by the triggers."""
    with demo_households(tmp_path / "store.sqlite", 3, 4) as (store, ids):
        write_texts(store, ids, ["杨明|段秀英\x1e530502", "阿依·古丽|张3\x1e张3", "𠀀红鿿\x1e"])
        with closing(sqlite3.connect(store.path)) as connection:
            held = [
                row[0]
                for row in connection.execute(
                    "SELECT c.chars FROM household h JOIN household_search_text t ON t.household_id = h.id "
                    "JOIN household_search_chars c ON c.rowid = t.rowid ORDER BY h.search_text"
                )
            ]
            connection.execute(
                "INSERT INTO household_search_chars (household_search_chars, rank) VALUES ('integrity-check', 1)"
            )
        assert sorted(held) == sorted(["杨 明 0 段 秀 英", "阿 依 0 古 丽 0 张 0", "0 红 0"])
