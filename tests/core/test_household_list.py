"""The household list's filters and paging, in SQL (what the Qt list shows)."""

import pytest
from sqlalchemy import text

from xinjie_desktop.core.records import demo_data, household_list
from xinjie_desktop.core.records.household_list import ListFilter


@pytest.fixture
def listed(store):
    demo_data.generate(store, 3, 300, 5)
    return store


def test_both_query_plans_give_the_same_rows_in_the_same_order(listed):
    with listed.session() as session:
        for word in ("杨", "530502198", "明"):
            criteria = ListFilter(text=word)
            matches = household_list.count(session, criteria)
            assert 0 < matches < household_list.SORT_MATCHES_BELOW
            by_index = household_list.page(session, criteria, 0, 1000)
            sorted_matches = household_list.page(session, criteria, 0, 1000, matches=matches)
            assert by_index == sorted_matches and len(by_index) == matches


@pytest.mark.parametrize("word, limit", [("杨", 7), ("530502", 7), ("530502", 1000), ("无此人", 7), ("", 50)])
def test_first_page_agrees_with_count_and_page(listed, word, limit, monkeypatch):
    """One pass for few matches, index order for many: the same count and rows either way."""
    with listed.session() as session:
        criteria = ListFilter(text=word)
        expected = (household_list.count(session, criteria), household_list.page(session, criteria, 0, limit))
        assert household_list.first_page(session, criteria, limit) == expected
        monkeypatch.setattr(household_list, "SORT_MATCHES_BELOW", 10)  # the many-matches way for the same data
        assert household_list.first_page(session, criteria, limit) == expected


def test_filters_combine_and_count_agrees_with_sql(listed):
    with listed.session() as session:
        village = session.execute(text("SELECT village_id FROM household LIMIT 1")).scalar()
        criteria = ListFilter(village_id=village, step="entered", flag="below_line")
        expected = session.execute(
            text(
                "SELECT count(*) FROM household WHERE village_id = :v AND workflow_step = 'entered' "
                "AND flags LIKE '%|below_line|%'"
            ),
            {"v": village},
        ).scalar()
        assert household_list.count(session, criteria) == expected > 0
        rows = household_list.page(session, criteria, 0, 1000)
        assert len(rows) == expected and all("below_line" in r.flags for r in rows)


def test_text_filter_finds_any_member_by_name_or_id_number(listed):
    with listed.session() as session:
        name, number = session.execute(
            text(
                "SELECT m.name, m.id_number FROM member m JOIN household h ON h.id = m.household_id "
                "WHERE m.relation = 'child' LIMIT 1"
            )
        ).one()
        for word in (name, number[-6:], number.lower()):
            rows = household_list.page(session, ListFilter(text=word), 0, 1000)
            assert rows, word


def test_known_counts_hold_only_for_the_version_they_were_made_in():
    """Issue 16: a count kept for a filter is given back while the store's version is the one it was made in;
    a count that was running while something was committed (made in an older version) is not kept."""
    known = household_list.KnownCounts(size=2)
    five, six = household_list.ListFilter(text="5305"), household_list.ListFilter(text="53050")
    assert known.get(1, five) is None
    known.put(1, five, 240)
    assert known.get(1, five) == 240
    assert known.get(2, five) is None  # committed since
    known.put(1, six, 100)  # counted before that commit, arriving after it
    assert known.get(2, six) is None
    known.put(2, five, 239)
    known.put(2, six, 100)
    known.put(2, household_list.ListFilter(text="530502"), 90)  # a third: the least recently used goes
    assert known.get(2, five) is None and known.get(2, six) == 100
