"""Saving a household writes what the form changed and nothing else (issue 13, case 1).

A form loads a household; meanwhile another writer (a second window: a second ``open_store`` of the same
file, or an import) changes it; the user's save must not write the other writer's values back."""

import copy
import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from builders import family_draft, person
from xinjie_desktop.core.records import edits, households
from xinjie_desktop.core.records.households import EditCollisions, IncomeDraft
from xinjie_desktop.core.store.models import ChangeLog
from xinjie_desktop.core.sync import change_log
from xinjie_desktop.core.sync.workstore import open_store


@pytest.fixture
def second(store):
    """A second writer on the same store file (a second window, or the command line importing)."""
    other = open_store(store.path)
    yield other
    other.close()


@pytest.fixture
def household_id(store, group_id):
    return households.save(store, family_draft(group_id))


def open_form(store, household_id):
    """What a form does when it opens a household: its draft to edit, and what it loaded."""
    with store.session() as session:
        loaded = households.loaded_household(households.existing_household(session, household_id))
    return copy.deepcopy(loaded.draft), loaded


def read(store, household_id):
    with store.session() as session:
        return households.to_draft(households.existing_household(session, household_id))


def write(store, household_id, change):
    draft = read(store, household_id)
    change(draft)
    households.save(store, draft)


def test_the_journal_reads_the_decisions_under_the_same_name():
    assert households.DECIDED_VERSIONS == change_log.RESOLVING


def test_a_field_changed_underneath_is_kept_when_the_user_saves_another(store, second, household_id):
    form, loaded = open_form(store, household_id)
    write(second, household_id, lambda d: setattr(d, "address", "imported address"))
    form.phone = "13900000000"
    households.save(store, form, loaded=loaded)
    saved = read(store, household_id)
    assert (saved.address, saved.phone) == ("imported address", "13900000000")


def test_without_what_was_loaded_the_whole_draft_is_written(store, second, household_id):
    """The old way (no ``loaded``): what the store's other writer wrote is lost. Kept for a new household."""
    form, _loaded = open_form(store, household_id)
    write(second, household_id, lambda d: setattr(d, "address", "imported address"))
    households.save(store, form)
    assert read(store, household_id).address == "V1 G1 No. 3"


def test_both_changed_one_field_the_user_decides_and_the_decision_is_journalled(store, second, household_id):
    form, loaded = open_form(store, household_id)
    write(second, household_id, lambda d: setattr(d, "address", "theirs"))
    form.address = "mine"
    form.phone = "13900000000"
    with pytest.raises(EditCollisions) as raised:
        households.save(store, form, loaded=loaded)
    (collision,) = raised.value.collisions
    assert (collision.table, collision.field, collision.mine, collision.theirs, collision.base) == (
        "household",
        "address",
        "mine",
        "theirs",
        "V1 G1 No. 3",
    )
    assert collision.changed_by == "this computer" and collision.changed_at.startswith(str(dt.date.today().year))
    assert read(store, household_id).phone == ""  # nothing was written

    # A decision about a value that has changed again since does not count.
    stale = {collision.key: edits.Decision(edits.THEIRS, "something else")}
    with pytest.raises(EditCollisions):
        households.save(store, form, loaded=loaded, decisions=stale)

    decisions = {collision.key: edits.Decision(edits.THEIRS, "theirs")}
    households.save(store, form, loaded=loaded, decisions=decisions)
    saved = read(store, household_id)
    assert (saved.address, saved.phone) == ("theirs", "13900000000")
    with store.session() as session:
        last = session.scalars(
            select(ChangeLog).where(ChangeLog.row_id == household_id).order_by(ChangeLog.seq.desc())
        ).first()
    assert "address" in json.loads(last.payload) and "address+" in json.loads(last.bases)


def test_keeping_mine_writes_mine(store, second, household_id):
    form, loaded = open_form(store, household_id)
    write(second, household_id, lambda d: setattr(d, "address", "theirs"))
    form.address = "mine"
    key = ("household", household_id, "address")
    households.save(store, form, loaded=loaded, decisions={key: edits.Decision(edits.MINE, "theirs")})
    assert read(store, household_id).address == "mine"


def test_both_making_the_same_change_is_no_collision(store, second, household_id):
    form, loaded = open_form(store, household_id)
    write(second, household_id, lambda d: setattr(d, "address", "same"))
    form.address = "same "
    households.save(store, form, loaded=loaded)
    assert read(store, household_id).address == "same"


def test_members_added_removed_or_changed_underneath_are_kept_so(store, second, household_id):
    form, loaded = open_form(store, household_id)

    def underneath(draft):
        draft.members[1].name = "李芳芳"  # changed
        del draft.members[3]  # removed
        draft.members.append(person("杨新", dt.date(2010, 1, 1), 21))  # added

    write(second, household_id, underneath)
    form.members[2].labour = "normal"  # the user changes another member
    form.members.append(person("杨二", dt.date(2012, 2, 2), 22))  # and adds one
    form.address = "mine"
    households.save(store, form, loaded=loaded)
    saved = read(store, household_id)
    assert [m.name for m in saved.members] == ["杨明", "李芳芳", "杨华", "杨新", "杨二"]
    assert saved.members[2].labour == "normal" and saved.address == "mine"


def test_a_member_the_user_removed_but_another_changed_is_a_collision(store, second, household_id):
    form, loaded = open_form(store, household_id)
    removed_id = form.members[3].id
    write(second, household_id, lambda d: setattr(d.members[3], "name", "杨英英"))
    del form.members[3]
    with pytest.raises(EditCollisions) as raised:
        households.save(store, form, loaded=loaded)
    (collision,) = raised.value.collisions
    assert (collision.table, collision.record, collision.field, collision.mine) == ("member", removed_id, "", None)
    assert collision.label == "杨英英"
    households.save(store, form, loaded=loaded, decisions={collision.key: edits.Decision(edits.MINE, collision.theirs)})
    assert [m.name for m in read(store, household_id).members] == ["杨明", "李芳", "杨华"]


def test_a_member_removed_underneath_stays_removed_unless_the_user_changed_it(store, second, household_id):
    form, loaded = open_form(store, household_id)
    write(second, household_id, lambda d: d.members.pop(3))
    form.phone = "13900000000"
    households.save(store, form, loaded=loaded)
    assert [m.name for m in read(store, household_id).members] == ["杨明", "李芳", "杨华"]


def test_income_worksheets_changed_underneath_are_kept(store, second, household_id):
    form, loaded = open_form(store, household_id)

    def underneath(draft):
        draft.incomes[0].business = Decimal("500")
        draft.incomes.append(IncomeDraft(year=2017, wage=Decimal("8000")))

    write(second, household_id, underneath)
    form.incomes[0].transfer = Decimal("300")
    households.save(store, form, loaded=loaded)
    sheets = {s.year: s for s in read(store, household_id).incomes}
    assert sheets[2016].business == Decimal("500") and sheets[2016].transfer == Decimal("300")
    assert sheets[2017].wage == Decimal("8000")


def test_untouched_fields_are_not_written_at_all(store, second, household_id):
    """Saving one changed field journals that field only: nothing else travels as this computer's edit."""
    form, loaded = open_form(store, household_id)
    form.phone = "13900000000"
    households.save(store, form, loaded=loaded)
    with store.session() as session:
        last = session.scalars(select(ChangeLog).order_by(ChangeLog.seq.desc())).first()
    assert last.row_id == household_id and set(json.loads(last.payload)) == {"phone", "updated_at", "device_id"}


# --- random interleavings -------------------------------------------------------------------------------

FIELDS = [
    ("household", "address", ["V1 G1 No. 3", "a", "b"]),
    ("household", "phone", ["", "13900000001", "13900000002"]),
    ("household", "helper_cadre", ["", "张", "王"]),
    ("member", "name", ["x", "y", "杨华"]),
    ("member", "labour", ["none", "normal", "weak"]),
    ("income", "wage", [Decimal("12199.96"), Decimal("1"), Decimal("2")]),
    ("income", "business", [Decimal(0), Decimal("3")]),
]


@st.composite
def operation(draw):
    kind = draw(st.sampled_from(["edit", "other", "edit", "other", "save", "other_add", "remove", "other_remove"]))
    table, name, values = draw(st.sampled_from(FIELDS))
    return kind, table, name, draw(st.sampled_from(values)), draw(st.integers(1, 3)), draw(st.booleans())


def set_value(draft, table, name, value, index):
    if table == "household":
        setattr(draft, name, value)
    elif table == "member":
        if index < len(draft.members):
            setattr(draft.members[index], name, value)
    else:
        sheet = next((s for s in draft.incomes if s.year == 2016), None)
        if sheet is None:
            sheet = IncomeDraft(year=2016)
            draft.incomes.append(sheet)
        setattr(sheet, name, value)


@pytest.fixture(scope="module")
def two_writers(tmp_path_factory):
    from xinjie_desktop.core.records import township

    path = tmp_path_factory.mktemp("interleavings") / "store.sqlite"
    first = open_store(path)
    township.set_up(first, "T", "C", {"V1": ["G1"]})
    second = open_store(path)
    with first.session() as session:
        group = township.groups(session)[0].id
    yield first, second, group
    first.close()
    second.close()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.lists(operation(), min_size=1, max_size=14))
def test_interleaved_edits_never_lose_a_value_the_other_writer_wrote(two_writers, operations):
    """Whatever the order of a form's edits, its saves (deciding collisions either way) and another writer's
    changes: after each save, every field the user did not change holds what the store held just before
    (the other writer's value), records added underneath are there, and the fields only the user changed
    hold the user's value."""
    store, second, group = two_writers
    household_id = households.save(store, family_draft(group))
    form, loaded = open_form(store, household_id)
    added = 0
    for kind, table, name, value, index, choice in [*operations, ("save", "", "", None, 0, True)]:
        if kind == "edit":
            set_value(form, table, name, value, index)
        elif kind == "remove" and index < len(form.members):
            del form.members[index]
        elif kind == "other":
            write(second, household_id, lambda d, t=table, n=name, v=value, i=index: set_value(d, t, n, v, i))
        elif kind == "other_add":
            added += 1
            write(
                second, household_id, lambda d, a=added: d.members.append(person(f"新{a}", dt.date(2011, 1, 1), 30 + a))
            )
        elif kind == "other_remove":
            write(second, household_id, lambda d, i=index: d.members.pop(i) if i < len(d.members) else None)
        elif kind == "save":
            before = households.edit_records(read(store, household_id))
            base = households.edit_records(loaded.draft)
            mine = households.edit_records(form)
            decisions: dict = {}
            for _attempt in range(3):
                try:
                    households.save(store, form, loaded=loaded, decisions=decisions)
                    break
                except EditCollisions as raised:
                    pick = edits.MINE if choice else edits.THEIRS
                    decisions.update({c.key: edits.Decision(pick, c.theirs) for c in raised.collisions})
            else:
                pytest.fail("the collisions were decided and still raised")
            after = households.edit_records(read(store, household_id))
            decided = {(key[0], key[1]) for key in decisions}
            for record, values in before.items():
                if record not in base:  # added underneath: kept as the store has it
                    assert after.get(record) == values, record
                    continue
                if record not in mine:
                    continue  # removed by the user: gone, or kept by decision when changed underneath
                for field, value_before in values.items():
                    if mine[record][field] == base[record][field]:
                        assert after[record][field] == value_before, (record, field)
                    elif value_before == base[record][field] and record not in decided:
                        assert after[record][field] == mine[record][field], (record, field)
            form, loaded = open_form(store, household_id)
