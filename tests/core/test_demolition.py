"""The old house's demolition: AG-1 (deadline, overdue list), AG-2 (acceptance, certificates),
AG-3 (reclamation) and the reward of SB-1 / SB-2, due only after an accepted, on-time demolition."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from builders import family_draft, renumber
from xinjie_desktop.core.records import demolition, households, housing_plans
from xinjie_desktop.core.records.demolition import DemolitionError
from xinjie_desktop.core.rules.housing_plan import SYNCHRONISED, PlanInput, calculate
from xinjie_desktop.core.store.models import Agreement, Blob, DemolitionAcceptance

SIGNED_ON = dt.date(2017, 4, 20)
DEADLINE = dt.date(2017, 6, 30)


def agreement(store, household_id, *, status="signed", deadline=DEADLINE, version=1, kind="demolition") -> str:
    """A demolition agreement row as core.records.agreements would leave it once signed (AG-1)."""
    with store.unit_of_work() as session:
        record = Agreement(
            household_id=household_id,
            kind=kind,
            number=f"XJ-{kind}-{household_id[:8]}-v{version}",
            version=version,
            status=status,
            template_version="test",
            content="{}",
            content_sha256=hashlib.sha256(b"{}").hexdigest(),
            demolition_deadline=deadline,
            signing_method="paper" if status != "draft" else "",
            signed_on=SIGNED_ON if status != "draft" else None,
        )
        session.add(record)
        session.flush()
        return record.id


def accept(store, household_id, on=dt.date(2017, 6, 20), **changes):
    arguments = {
        "inspector": "乡指挥部 张工",
        "photo_path": None,
        "old_certificate_returned": True,
        "new_certificate_number": "龙宅字(2017)第0123号",
        "reclamation": "farmland",
    }
    arguments.update(changes)
    return demolition.accept(store, household_id, on, **arguments)


@pytest.fixture
def household_id(store, group_id):
    return households.save(store, family_draft(group_id))


def test_AG_1_overdue_lists_signed_agreements_past_their_deadline_without_acceptance(store, group_id):
    """AG-1: the demolition agreement's deadline is tracked; overdue houses are listed with days overdue."""
    late = households.save(store, family_draft(group_id))
    accepted = households.save(store, renumber(family_draft(group_id), 40))
    not_yet = households.save(store, renumber(family_draft(group_id), 60))
    draft_only = households.save(store, renumber(family_draft(group_id), 80))
    agreement(store, late, deadline=dt.date(2017, 6, 30))
    agreement(store, accepted, deadline=dt.date(2017, 6, 10))
    agreement(store, not_yet, deadline=dt.date(2017, 7, 31))
    agreement(store, draft_only, status="draft", deadline=dt.date(2017, 5, 31))
    accept(store, accepted, on=dt.date(2017, 6, 25))  # late, but accepted: not overdue any more
    today = dt.date(2017, 7, 10)
    rows = demolition.overdue(store, today)
    assert [(r.household_id, r.days_overdue, r.deadline) for r in rows] == [(late, 10, dt.date(2017, 6, 30))]
    assert rows[0].head_name == "杨明" and rows[0].village == "V1" and rows[0].group == "G1"
    assert demolition.overdue(store, dt.date(2017, 6, 30)) == []  # the deadline day itself is still on time
    assert len(demolition.overdue(store, dt.date(2017, 8, 1))) == 2


def test_AG_1_voided_version_does_not_count(store, household_id):
    agreement(store, household_id, status="voided", deadline=dt.date(2017, 5, 1))
    assert demolition.overdue(store, dt.date(2017, 7, 1)) == []
    agreement(store, household_id, version=2, deadline=dt.date(2017, 6, 1))
    assert [r.days_overdue for r in demolition.overdue(store, dt.date(2017, 7, 1))] == [30]


def test_AG_2_acceptance_needs_a_signed_agreement_and_an_inspector(store, household_id, tmp_path):
    """AG-2: the command centre accepts the demolished house against the signed demolition agreement,
    recording the date, the inspector and the photo."""
    with pytest.raises(DemolitionError, match="no signed demolition agreement"):
        accept(store, household_id)
    agreement(store, household_id, status="draft")
    with pytest.raises(DemolitionError, match="no signed demolition agreement"):
        accept(store, household_id)
    signed = agreement(store, household_id, version=2)
    with pytest.raises(DemolitionError, match="inspected"):
        accept(store, household_id, inspector=" ")
    with pytest.raises(DemolitionError, match="before the agreement was signed"):
        accept(store, household_id, on=dt.date(2017, 4, 1))
    photo = tmp_path / "拆除后.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 demolished house photo")
    accept(store, household_id, photo_path=photo)
    record = demolition.acceptance(store, household_id)
    assert record.agreement_id == signed and record.inspector == "乡指挥部 张工"
    assert record.accepted_on == dt.date(2017, 6, 20)
    with store.session() as session:
        assert session.get(Blob, record.photo_sha256).data == photo.read_bytes()
    with pytest.raises(DemolitionError, match="already accepted"):
        accept(store, household_id)


def test_AG_2_new_certificate_only_after_the_old_one_is_taken_back(store, household_id):
    """AG-2: the new homestead certificate is issued only when the old one has been taken back."""
    agreement(store, household_id)
    with pytest.raises(DemolitionError, match="AG-2"):
        accept(store, household_id, old_certificate_returned=False, new_certificate_number="龙宅字第0123号")
    accept(store, household_id, old_certificate_returned=False, new_certificate_number="")
    with pytest.raises(DemolitionError, match="AG-2"):
        demolition.record_certificates(store, household_id, False, "龙宅字第0123号")
    demolition.record_certificates(store, household_id, True, "龙宅字第0123号")
    record = demolition.acceptance(store, household_id)
    assert record.old_certificate_returned and record.new_certificate_number == "龙宅字第0123号"


@pytest.mark.parametrize(
    "reclamation, ok",
    [("farmland", True), ("forest", True), ("grass", True), ("", False), ("orchard", False), ("house", False)],
)
def test_AG_3_freed_land_is_reclaimed_as_farmland_forest_or_grass(store, household_id, reclamation, ok):
    """AG-3: 宜耕则耕、宜林则林、宜草则草 — only these three."""
    agreement(store, household_id)
    if ok:
        accept(store, household_id, reclamation=reclamation)
        assert demolition.acceptance(store, household_id).reclamation == reclamation
    else:
        with pytest.raises(DemolitionError, match="AG-3"):
            accept(store, household_id, reclamation=reclamation)
        with store.session() as session:
            assert session.query(DemolitionAcceptance).count() == 0


def test_SB_1_reward_due_only_after_accepted_on_time_demolition(store, group_id, params):
    """SB-1: 6,000 yuan a person of actual population, due only once the demolition is accepted on or
    before the deadline; no acceptance or a late one → not due, with the reason."""
    on_time = households.save(store, family_draft(group_id))
    late = households.save(store, renumber(family_draft(group_id), 40))
    none = households.save(store, renumber(family_draft(group_id), 60))
    unsigned = households.save(store, renumber(family_draft(group_id), 80))
    for household in (on_time, late, none, unsigned):
        housing_plans.save(store, household, PlanInput(people=4), calculate(PlanInput(people=4), params))
    for household in (on_time, late, none):
        agreement(store, household)
    accept(store, on_time, on=DEADLINE)  # on the deadline day: on time
    accept(store, late, on=DEADLINE + dt.timedelta(days=1))

    due = demolition.reward_due(store, on_time)
    assert due.due and due.rule == "SB-1" and due.people == 4
    assert due.amount == params.registered_reward_per_person * 4 == Decimal(24000)
    assert "24,000.00" in due.reason

    refused = demolition.reward_due(store, late)
    assert not refused.due and "1 day(s) after the deadline" in refused.reason
    assert refused.accepted_on == DEADLINE + dt.timedelta(days=1) and refused.deadline == DEADLINE

    waiting = demolition.reward_due(store, none)
    assert not waiting.due and "not been accepted" in waiting.reason
    assert not demolition.reward_due(store, unsigned).due
    assert "not signed a demolition agreement" in demolition.reward_due(store, unsigned).reason


def test_SB_2_synchronised_household_reward_per_household(store, household_id, params):
    """SB-2: 10,000 yuan a household for a synchronised relocation household, once demolished on time."""
    plan = PlanInput(people=4, kind=SYNCHRONISED)
    housing_plans.save(store, household_id, plan, calculate(plan, params))
    agreement(store, household_id)
    assert not demolition.reward_due(store, household_id).due
    accept(store, household_id, on=dt.date(2017, 5, 2))
    due = demolition.reward_due(store, household_id)
    assert due.due and due.rule == "SB-2" and due.kind == SYNCHRONISED
    assert due.amount == params.synchronised_reward_per_household == Decimal(10000)


def test_SB_1_kind_without_a_saved_plan_comes_from_the_household(store, household_id):
    """Without a saved plan, the kind is what the household's records say (not in the national
    system → synchronised, SB-2)."""
    agreement(store, household_id)
    accept(store, household_id)
    assert demolition.reward_due(store, household_id).rule == "SB-2"
