"""The identification workflow: ID-5 (omissions, order of steps) and PN-1 (public notice)."""

import datetime as dt

import pytest

from builders import family_draft
from xinjie_desktop.core.records import households
from xinjie_desktop.core.rules import identification
from xinjie_desktop.core.rules.identification import StepInput, WorkflowError
from xinjie_desktop.core.store.models import Household

D = dt.date(2017, 4, 1)


def step(code, day=D, **fields):
    fields.setdefault("done_by", "村委会 杨书记")
    return StepInput(step=code, done_on=day, **fields)


def proposal(**fields):
    fields.setdefault("notes", "户主患病，两个孩子上学")
    return step("proposed", **fields)


def up_to_notice(store, household_id, notice_start=dt.date(2017, 4, 14)):
    households.record_step(store, household_id, proposal())
    households.record_step(store, household_id, step("audited", dt.date(2017, 4, 3), done_by="指挥部 李"))
    households.record_step(store, household_id, step("evaluated", dt.date(2017, 4, 10), done_by="群众代表大会"))
    households.record_step(
        store,
        household_id,
        step("noticed", notice_start, notice_place="村委会公示栏", notice_end=notice_start + dt.timedelta(days=7)),
    )


def state(store, household_id):
    with store.session() as session:
        return session.get(Household, household_id).workflow_step


@pytest.fixture
def household_id(store, group_id):
    return households.save(store, family_draft(group_id))


def test_ID_5_whole_workflow_in_order(store, household_id):
    """ID-5: village → home-visit audit → assembly → notice (PN-1) → entered into the system."""
    up_to_notice(store, household_id)
    assert state(store, household_id) == "noticed"
    households.record_step(
        store, household_id, step("entered", dt.date(2017, 4, 21), done_by="乡扶贫办", national_number="5305021700001")
    )
    with store.session() as session:
        household = households.load_household(session, household_id)
        assert [s.step for s in household.steps] == identification.STEP_CODES
        assert [s.done_by for s in household.steps][:2] == ["村委会 杨书记", "指挥部 李"]
        assert household.national_number == "5305021700001"
        assert household.workflow_step == "entered"


def test_ID_5_a_step_cannot_be_skipped(store, household_id):
    households.record_step(store, household_id, proposal())
    with pytest.raises(WorkflowError, match="cannot be skipped"):
        households.record_step(store, household_id, step("evaluated"))
    assert state(store, household_id) == "proposed"


def test_ID_5_nothing_before_the_proposal(store, household_id):
    with pytest.raises(WorkflowError, match="cannot be skipped"):
        households.record_step(store, household_id, step("audited"))
    assert state(store, household_id) == ""


def test_ID_5_omission_needs_the_reason_it_was_missed(store, household_id):
    """ID-5: an omitted household (漏评) is proposed with the reason it was missed."""
    with pytest.raises(WorkflowError, match="reason it was missed"):
        households.record_step(store, household_id, proposal(is_omission=True))
    households.record_step(store, household_id, proposal(is_omission=True, omission_reason="外出务工，上轮未入户"))
    with store.session() as session:
        first = households.load_household(session, household_id).steps[0]
        assert first.is_omission and first.omission_reason == "外出务工，上轮未入户"


def test_ID_5_each_step_records_who_and_when(store, household_id):
    with pytest.raises(WorkflowError, match="who carried out"):
        households.record_step(store, household_id, proposal(done_by="  "))
    households.record_step(store, household_id, proposal())
    with pytest.raises(WorkflowError, match="before 2017-04-01"):
        households.record_step(store, household_id, step("audited", dt.date(2017, 3, 30)))


def test_ID_5_failed_audit_closes_the_workflow(store, household_id):
    households.record_step(store, household_id, proposal())
    households.record_step(store, household_id, step("audited", passed=False, notes="入户核实收入超线"))
    assert state(store, household_id) == "rejected"
    with pytest.raises(WorkflowError, match="closed"):
        households.record_step(store, household_id, step("evaluated"))


def test_PN_1_notice_shorter_than_seven_days_is_refused(store, household_id):
    """PN-1: posted at least 7 days; a notice from 04-14 cannot end before 04-21."""
    households.record_step(store, household_id, proposal())
    households.record_step(store, household_id, step("audited"))
    households.record_step(store, household_id, step("evaluated"))
    start = dt.date(2017, 4, 14)
    with pytest.raises(WorkflowError, match="at least 7 full days: it cannot end before 2017-04-21"):
        households.record_step(
            store, household_id, step("noticed", start, notice_place="公示栏", notice_end=dt.date(2017, 4, 20))
        )
    with pytest.raises(WorkflowError, match="where the notice is posted"):
        households.record_step(store, household_id, step("noticed", start, notice_end=dt.date(2017, 4, 21)))
    households.record_step(
        store, household_id, step("noticed", start, notice_place="公示栏", notice_end=dt.date(2017, 4, 21))
    )
    assert state(store, household_id) == "noticed"


def test_PN_1_entry_waits_for_the_end_of_the_notice(store, household_id):
    up_to_notice(store, household_id)
    with pytest.raises(WorkflowError, match="before 2017-04-21"):
        households.record_step(store, household_id, step("entered", dt.date(2017, 4, 20), done_by="乡扶贫办"))


def test_PN_1_objections_are_reverified_before_entry(store, household_id):
    """PN-1: objections raised during the notice are recorded and re-verified before entry."""
    up_to_notice(store, household_id)
    households.add_objection(store, household_id, dt.date(2017, 4, 16), "村民 张某", "该户有货车一辆")
    with pytest.raises(WorkflowError, match="1 objection"):
        households.record_step(store, household_id, step("entered", dt.date(2017, 4, 22), done_by="乡扶贫办"))
    with store.session() as session:
        objection = households.load_household(session, household_id).objections[0]
    households.resolve_objection(store, objection.id, dt.date(2017, 4, 18), "复核：货车已于2015年变卖，异议不成立")
    households.record_step(store, household_id, step("entered", dt.date(2017, 4, 22), done_by="乡扶贫办"))
    assert state(store, household_id) == "entered"


def test_PN_1_objection_needs_a_posted_notice(store, household_id):
    households.record_step(store, household_id, proposal())
    with pytest.raises(WorkflowError, match="not been posted"):
        households.add_objection(store, household_id, D, "村民", "有异议")


def test_ID_5_PN_1_a_step_dated_too_early_names_the_date_it_was_compared_with(store, household_id):
    """ID-5, PN-1: after a public notice the next step is compared with the notice's end, not the day it
    was posted, and the message says so (it named the end "the date of the previous step"); after any
    other step it names that step and its date."""
    households.record_step(store, household_id, proposal())
    with pytest.raises(WorkflowError) as refused:
        households.record_step(store, household_id, step("audited", dt.date(2017, 3, 31), done_by="指挥部 李"))
    assert "2017-04-01" in str(refused.value) and "village" in str(refused.value)
    households.record_step(store, household_id, step("audited", dt.date(2017, 4, 3), done_by="指挥部 李"))
    households.record_step(store, household_id, step("evaluated", dt.date(2017, 4, 10), done_by="群众代表大会"))
    households.record_step(
        store,
        household_id,
        step("noticed", dt.date(2017, 4, 14), notice_place="村委会公示栏", notice_end=dt.date(2017, 4, 21)),
    )
    with pytest.raises(WorkflowError) as refused:
        households.record_step(store, household_id, step("entered", dt.date(2017, 4, 20), done_by="乡扶贫办"))
    message = str(refused.value)
    assert "2017-04-21" in message and "end of the public notice" in message
    assert "2017-04-14" in message, "the day it was posted, so the user sees both dates"
    assert "date of the previous step" not in message
