"""Saving a household writes what the form changed and nothing else (issue 13, case 1).

A form loads a household; meanwhile another writer (a second window: a second ``open_store`` of the same
file, or an import) changes it; the user's save must not write the other writer's values back."""

import copy
import datetime as dt
import json
from decimal import Decimal

import pytest
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
    households.save(
        store, form, loaded=loaded, decisions={collision.key: edits.Decision(edits.MINE, collision.theirs)}
    )
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
