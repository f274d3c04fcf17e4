"""Every editor other than the household's saves what its form changed and nothing else (issue 13, case 1).

A form loads a record; meanwhile another writer (a second window: a second ``open_store`` of the same file;
or an import) changes it; saving the form must not write the other writer's values back. A field both
changed is a collision (``EditCollisions``, nothing written) until the user decides, and the decision is
journalled with the versions it decided between (as a sync conflict's resolution is)."""

import json

import pytest
from sqlalchemy import select
from test_relocation import REG, complete

from builders import family_draft
from xinjie_desktop.core.records import edits, households
from xinjie_desktop.core.records import relocation as relocation_records
from xinjie_desktop.core.records.form_saving import EditCollisions
from xinjie_desktop.core.store.models import ChangeLog, RelocationVerification
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


def last_entry(store, row_id):
    with store.session() as session:
        return session.scalars(
            select(ChangeLog).where(ChangeLog.row_id == row_id).order_by(ChangeLog.seq.desc())
        ).first()


# --- relocation verification (RL-1 … RL-4) -----------------------------------------------------------------


@pytest.fixture
def verified(store, household_id, params):
    relocation_records.save(store, household_id, complete(), REG, params)
    return household_id


def test_relocation_a_field_changed_underneath_is_kept_when_the_user_saves_another(store, second, verified, params):
    form = relocation_records.load_for_editing(store, verified)
    relocation_records.save(second, verified, complete(site="imported site"), REG, params)
    mine = relocation_records.VerificationDraft(**{**vars(form.draft), "notice_place": "村民小组公示栏"})
    relocation_records.save(store, verified, mine, REG, params, loaded=form)
    saved = relocation_records.load(store, verified)
    assert (saved.site, saved.notice_place) == ("imported site", "村民小组公示栏")


def test_relocation_both_changed_one_field_the_user_decides_journalled(store, second, verified, params):
    form = relocation_records.load_for_editing(store, verified)
    relocation_records.save(second, verified, complete(site="theirs"), REG, params)
    mine = relocation_records.VerificationDraft(**{**vars(form.draft), "site": "mine", "notice_place": "小组"})
    with pytest.raises(EditCollisions) as raised:
        relocation_records.save(store, verified, mine, REG, params, loaded=form)
    (collision,) = raised.value.collisions
    assert (collision.table, collision.field, collision.mine, collision.theirs, collision.base) == (
        "relocation_verification",
        "site",
        "mine",
        "theirs",
        "辛街乡集镇安置点",
    )
    assert collision.changed_by == "this computer" and collision.changed_at
    assert relocation_records.load(store, verified).notice_place == "村委会公示栏"  # nothing written

    stale = {collision.key: edits.Decision(edits.MINE, "something else")}
    with pytest.raises(EditCollisions):
        relocation_records.save(store, verified, mine, REG, params, loaded=form, decisions=stale)
    decisions = {collision.key: edits.Decision(edits.THEIRS, "theirs")}
    relocation_records.save(store, verified, mine, REG, params, loaded=form, decisions=decisions)
    saved = relocation_records.load(store, verified)
    assert (saved.site, saved.notice_place) == ("theirs", "小组")
    with store.session() as session:
        record_id = session.scalar(select(RelocationVerification.id))
    entry = last_entry(store, record_id)
    assert "site" in json.loads(entry.payload) and "site+" in json.loads(entry.bases)


def test_relocation_keeping_mine_writes_mine(store, second, verified, params):
    form = relocation_records.load_for_editing(store, verified)
    relocation_records.save(second, verified, complete(site="theirs"), REG, params)
    mine = relocation_records.VerificationDraft(**{**vars(form.draft), "site": "mine"})
    key = ("relocation_verification", relocation_records.record_id(store, verified), "site")
    relocation_records.save(
        store, verified, mine, REG, params, loaded=form, decisions={key: edits.Decision(edits.MINE, "theirs")}
    )
    assert relocation_records.load(store, verified).site == "mine"


def test_relocation_created_underneath_while_the_form_was_empty(store, second, household_id, params):
    """The form opened before any verification existed; another writer saved one meanwhile: the user's
    new fields are written onto it, the other's kept."""
    form = relocation_records.load_for_editing(store, household_id)
    relocation_records.save(second, household_id, complete(), REG, params)
    mine = relocation_records.VerificationDraft(
        **{**vars(form.draft), "objections": "有异议", "reverification": "经复核属实"}
    )
    relocation_records.save(store, household_id, mine, REG, params, loaded=form)
    saved = relocation_records.load(store, household_id)
    assert saved == complete(objections="有异议", reverification="经复核属实")


def test_relocation_the_merged_verification_is_checked_again(store, second, verified, params):
    """RL-1: what is written is checked as written: a reason the user cleared while the other writer kept
    the household in scope cannot leave a verification in scope without its reason."""
    form = relocation_records.load_for_editing(store, verified)
    relocation_records.save(second, verified, complete(area_reason="另一原因"), REG, params)
    mine = relocation_records.VerificationDraft(**{**vars(form.draft), "area_reason": ""})
    key = ("relocation_verification", relocation_records.record_id(store, verified), "area_reason")
    with pytest.raises(households.ValidationFailed):
        relocation_records.save(
            store, verified, mine, REG, params, loaded=form, decisions={key: edits.Decision(edits.MINE, "另一原因")}
        )
    assert relocation_records.load(store, verified).area_reason == "另一原因"
