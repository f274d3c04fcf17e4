"""Every editor other than the household's saves what its form changed and nothing else (issue 13, case 1).

A form loads a record; meanwhile another writer (a second window: a second ``open_store`` of the same file;
or an import) changes it; saving the form must not write the other writer's values back. A field both
changed is a collision (``EditCollisions``, nothing written) until the user decides, and the decision is
journalled with the versions it decided between (as a sync conflict's resolution is)."""

import dataclasses
import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from test_demolition import SIGNED_ON, accept
from test_demolition import agreement as demolition_agreement
from test_public_notice import notice as posted_notice
from test_relocation import REG, complete

from builders import family_draft
from xinjie_desktop.core.records import agreements, demolition, edits, households, housing_plans, public_notice
from xinjie_desktop.core.records import relocation as relocation_records
from xinjie_desktop.core.records.agreements import AgreementError
from xinjie_desktop.core.records.form_saving import EditCollisions
from xinjie_desktop.core.rules.housing_plan import PlanInput, calculate
from xinjie_desktop.core.rules.policy_params import current
from xinjie_desktop.core.store.models import Agreement, ChangeLog, RelocationVerification
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


# --- housing plans (HS-1 … HS-4) ---------------------------------------------------------------------------


def save_plan(store, household_id, plan, **options):
    return housing_plans.save(store, household_id, plan, calculate(plan, current()), **options)


def latest_plan(store, household_id):
    return housing_plans.saved_plans(store, household_id)[0]


@pytest.fixture
def planned(store, household_id):
    save_plan(store, household_id, PLAN)
    return household_id


PLAN = PlanInput(people=4, unit_cost=Decimal("1200"), layout=100, own_funds=Decimal("10000"))


def test_plan_a_plan_saved_underneath_is_the_base_of_the_users_save(store, second, planned):
    """The calculator opened the household's plan; another writer saved a newer plan (another unit cost);
    the user changes the own funds and saves: the new plan keeps the other writer's unit cost."""
    form = housing_plans.plan_base(store, planned)
    save_plan(second, planned, dataclasses.replace(PLAN, unit_cost=Decimal("1500")))
    mine = dataclasses.replace(form.plan, own_funds=Decimal("12000"))
    housing_plans.save(store, planned, mine, calculate(mine, current()), loaded=form)
    saved = latest_plan(store, planned)
    assert (saved.plan.unit_cost, saved.plan.own_funds) == (Decimal("1500"), Decimal("12000"))
    assert saved.results == calculate(saved.plan, current()).to_json()  # the figures of what was saved


def test_plan_a_field_both_changed_is_a_collision_the_user_decides(store, second, planned):
    form = housing_plans.plan_base(store, planned)
    save_plan(second, planned, dataclasses.replace(PLAN, unit_cost=Decimal("1500")))
    mine = dataclasses.replace(form.plan, unit_cost=Decimal("1300"), own_funds=Decimal("12000"))
    with pytest.raises(EditCollisions) as raised:
        housing_plans.save(store, planned, mine, calculate(mine, current()), loaded=form)
    (collision,) = raised.value.collisions
    theirs_plan = latest_plan(store, planned)
    assert (collision.table, collision.record, collision.field) == ("housing_plan", theirs_plan.id, "unit_cost")
    assert (collision.mine, collision.theirs, collision.base) == (Decimal("1300"), Decimal("1500"), Decimal("1200"))
    assert collision.changed_by == "this computer"
    assert len(housing_plans.saved_plans(store, planned)) == 2  # nothing saved
    stale = {collision.key: edits.Decision(edits.MINE, Decimal("1400"))}
    with pytest.raises(EditCollisions):
        housing_plans.save(store, planned, mine, calculate(mine, current()), loaded=form, decisions=stale)
    decisions = {collision.key: edits.Decision(edits.THEIRS, Decimal("1500"))}
    plan_id = housing_plans.save(store, planned, mine, calculate(mine, current()), loaded=form, decisions=decisions)
    saved = latest_plan(store, planned)
    assert saved.id == plan_id and (saved.plan.unit_cost, saved.plan.own_funds) == (Decimal("1500"), Decimal("12000"))
    decided = json.loads(last_entry(store, plan_id).bases)["inputs+"]  # journalled: the versions decided between
    assert len(decided) == 2


def test_plan_keeping_mine_writes_mine(store, second, planned):
    form = housing_plans.plan_base(store, planned)
    save_plan(second, planned, dataclasses.replace(PLAN, unit_cost=Decimal("1500")))
    mine = dataclasses.replace(form.plan, unit_cost=Decimal("1300"))
    key = ("housing_plan", latest_plan(store, planned).id, "unit_cost")
    decisions = {key: edits.Decision(edits.MINE, Decimal("1500"))}
    housing_plans.save(store, planned, mine, calculate(mine, current()), loaded=form, decisions=decisions)
    assert latest_plan(store, planned).plan.unit_cost == Decimal("1300")


def test_plan_the_form_opened_without_a_plan_and_one_arrived(store, second, household_id):
    """The calculator showed the household's defaults; a plan arrived meanwhile: the user's changes are
    made to it, the rest is the arrived plan's."""
    form = housing_plans.plan_base(store, household_id)
    assert form.plan_id is None
    save_plan(second, household_id, PLAN)
    mine = dataclasses.replace(form.plan, loan=Decimal("5000"))
    housing_plans.save(store, household_id, mine, calculate(mine, current()), loaded=form)
    saved = latest_plan(store, household_id)
    assert (saved.plan.unit_cost, saved.plan.layout, saved.plan.loan) == (Decimal("1200"), 100, Decimal("5000"))


# --- agreements (AG-1 … AG-3) ------------------------------------------------------------------------------


@pytest.fixture
def accepted(store, household_id):
    demolition_agreement(store, household_id)
    accept(store, household_id, old_certificate_returned=False, new_certificate_number="")
    return household_id


def test_AG_2_certificates_recorded_underneath_are_kept_when_the_user_records_another(store, second, accepted):
    """The form showed the acceptance without certificates; another writer recorded the new certificate
    (the old one taken back); the user ticks "old certificate taken back" and records: the number stays."""
    form = demolition.acceptance(store, accepted)
    demolition.record_certificates(second, accepted, True, "龙宅字第0123号")
    demolition.record_certificates(store, accepted, True, form.new_certificate_number, loaded=form)
    now = demolition.acceptance(store, accepted)
    assert (now.old_certificate_returned, now.new_certificate_number) == (True, "龙宅字第0123号")


def test_AG_2_a_certificate_number_both_entered_is_decided(store, second, accepted):
    form = demolition.acceptance(store, accepted)
    demolition.record_certificates(second, accepted, True, "龙宅字第0123号")
    with pytest.raises(EditCollisions) as raised:
        demolition.record_certificates(store, accepted, True, "龙宅字第9999号", loaded=form)
    (collision,) = raised.value.collisions
    assert (collision.table, collision.field, collision.mine, collision.theirs) == (
        "demolition_acceptance",
        "new_certificate_number",
        "龙宅字第9999号",
        "龙宅字第0123号",
    )
    decisions = {collision.key: edits.Decision(edits.MINE, "龙宅字第0123号")}
    demolition.record_certificates(store, accepted, True, "龙宅字第9999号", loaded=form, decisions=decisions)
    assert demolition.acceptance(store, accepted).new_certificate_number == "龙宅字第9999号"
    assert "new_certificate_number+" in json.loads(last_entry(store, form.id).bases)


@pytest.fixture
def drafted(store, household_id):
    agreement_id = demolition_agreement(store, household_id, status="draft")
    return household_id, agreement_id


def test_AG_1_a_draft_changed_meanwhile_is_not_signed_unseen(store, second, drafted, tmp_path):
    """AG-1: the user previewed a draft; meanwhile its content changed in the store (an import of another
    computer's correction): signing it now would sign what nobody was shown. Refused, naming what happened;
    signing the agreement as it is now (after looking at it again) goes through."""
    household_id, agreement_id = drafted
    (shown,) = agreements.versions(store, household_id)
    with second.unit_of_work() as session:
        record = session.get(Agreement, agreement_id)
        record.content, record.content_sha256 = '{"x":1}', hashlib.sha256(b'{"x":1}').hexdigest()
    scan = tmp_path / "scan.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\nscan")
    with pytest.raises(AgreementError, match="changed in the store since you opened it"):
        agreements.sign_on_paper(store, agreement_id, scan, True, SIGNED_ON, expected=shown)
    assert agreements.versions(store, household_id)[0].status == "draft"
    (again,) = agreements.versions(store, household_id)
    agreements.sign_on_paper(store, agreement_id, scan, True, SIGNED_ON, expected=again)
    assert agreements.versions(store, household_id)[0].status == "signed"


def test_AG_1_an_agreement_signed_meanwhile_is_not_voided_as_a_draft(store, second, drafted):
    """The user voids the draft they see; meanwhile it was signed (an import): voiding it now would void a
    signed agreement unseen. Refused; the user sees it signed and decides again."""
    household_id, agreement_id = drafted
    (shown,) = agreements.versions(store, household_id)
    with second.unit_of_work() as session:
        record = session.get(Agreement, agreement_id)
        record.status, record.signing_method, record.signed_on = "signed", "paper", SIGNED_ON
    with pytest.raises(AgreementError, match="signed in the store since you opened it"):
        agreements.void(store, agreement_id, "错别字", SIGNED_ON, expected=shown)
    assert [a.status for a in agreements.versions(store, household_id)] == ["signed"]


# --- public notices (PN-1) -----------------------------------------------------------------------------


@pytest.fixture
def objection(store, household_id):
    notice_id = posted_notice(store, household_id)
    return public_notice.record_objection(store, notice_id, household_id, dt.date(2017, 4, 16), "李四", "有商品房")


def test_PN_1_a_reverification_recorded_meanwhile_is_a_collision_the_user_decides(store, second, objection):
    """The user had the objection open (not re-verified) and writes its re-verification; meanwhile another
    writer recorded one: not refused outright, nor written over: the user sees both and decides."""
    notice_id = public_notice.notice_of_objection(store, objection)
    form = public_notice.loaded_objections(store, notice_id)[objection]
    on = dt.date(2017, 4, 23)
    public_notice.reverify(second, objection, "入户复核：维持识别结果", on)
    with pytest.raises(EditCollisions) as raised:
        public_notice.reverify(store, objection, "入户复核：取消识别", on, loaded=form)
    (collision,) = raised.value.collisions  # the same date: only the outcome differs
    assert (collision.table, collision.field, collision.theirs) == (
        "notice_objection",
        "reverification",
        "入户复核：维持识别结果",
    )
    decisions = {collision.key: edits.Decision(edits.MINE, "入户复核：维持识别结果")}
    public_notice.reverify(store, objection, "入户复核：取消识别", on, loaded=form, decisions=decisions)
    (shown,) = public_notice.get_notice(store, notice_id).objections
    assert (shown.reverification, shown.resolved_on) == ("入户复核：取消识别", on)
    assert "reverification+" in json.loads(last_entry(store, objection).bases)


def test_PN_1_the_same_reverification_recorded_on_both_sides_is_no_collision(store, second, objection):
    notice_id = public_notice.notice_of_objection(store, objection)
    form = public_notice.loaded_objections(store, notice_id)[objection]
    public_notice.reverify(second, objection, "维持", dt.date(2017, 4, 23))
    public_notice.reverify(store, objection, "维持 ", dt.date(2017, 4, 23), loaded=form)
    (shown,) = public_notice.get_notice(store, notice_id).objections
    assert shown.reverification == "维持"


# --- random interleavings, over another editor than the household's -------------------------------------

VERIFICATION_FIELDS = {
    "site": ["辛街乡集镇安置点", "a", "b"],
    "notice_place": ["村委会公示栏", "小组", "村民小组活动室"],
    "area_reason": ["村后山体滑坡隐患点，2015年雨季已有裂缝", "x", "y"],
    "objections": ["", "有异议"],
    "reverification": ["", "复核属实"],
}


@st.composite
def verification_operation(draw):
    kind = draw(st.sampled_from(["edit", "other", "save"]))
    name = draw(st.sampled_from(sorted(VERIFICATION_FIELDS)))
    return kind, name, draw(st.sampled_from(VERIFICATION_FIELDS[name])), draw(st.booleans())


@pytest.fixture(scope="module")
def verification_writers(tmp_path_factory):
    from xinjie_desktop.core.records import township

    path = tmp_path_factory.mktemp("verification-interleavings") / "store.sqlite"
    first = open_store(path)
    township.set_up(first, "T", "C", {"V1": ["G1"]})
    other = open_store(path)
    with first.session() as session:
        group = township.groups(session)[0].id
    yield first, other, group
    first.close()
    other.close()


def _valid(draft):
    """Objections are re-verified (RL-3): a writer that records one records both."""
    if bool(draft.objections) != bool(draft.reverification):
        return dataclasses.replace(draft, objections="有异议", reverification="复核属实")
    return draft


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.lists(verification_operation(), min_size=1, max_size=12))
def test_interleaved_verification_edits_never_lose_a_value_the_other_writer_wrote(verification_writers, operations):
    """The relocation verification's form, its saves (deciding collisions either way) and another writer's
    saves in any order: after each save, every field the user did not change holds what the store held just
    before (the other writer's value), and a field only the user changed holds the user's value."""
    store, other, group = verification_writers
    household_id = households.save(store, family_draft(group))
    relocation_records.save(store, household_id, complete(), REG)
    form = relocation_records.load_for_editing(store, household_id)
    mine = form.draft
    for kind, name, value, choice in [*operations, ("save", "", None, True)]:
        if kind == "edit":
            mine = dataclasses.replace(mine, **{name: value})
        elif kind == "other":
            theirs = _valid(dataclasses.replace(relocation_records.load(other, household_id), **{name: value}))
            relocation_records.save(other, household_id, theirs, REG)
        else:
            mine = _valid(mine)
            before = relocation_records.load(store, household_id)
            decisions: dict = {}
            for _attempt in range(3):
                try:
                    relocation_records.save(store, household_id, mine, REG, loaded=form, decisions=decisions)
                    break
                except EditCollisions as raised:
                    pick = edits.MINE if choice else edits.THEIRS
                    decisions.update({c.key: edits.Decision(pick, c.theirs) for c in raised.collisions})
            else:
                pytest.fail("the collisions were decided and still raised")
            after = relocation_records.load(store, household_id)
            decided = {key[2] for key in decisions}
            for field in VERIFICATION_FIELDS:
                base_value, my_value = getattr(form.draft, field), getattr(mine, field)
                if my_value == base_value:
                    assert getattr(after, field) == getattr(before, field), field
                elif getattr(before, field) == base_value and field not in decided:
                    assert getattr(after, field) == my_value, field
            form = relocation_records.load_for_editing(store, household_id)
            mine = form.draft
