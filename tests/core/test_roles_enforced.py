"""Issue 17, roles enforced in the core: every service that changes something asks who is logged in
(core.records.access), and a refused action raises and writes nothing (the file and its log byte-identical)."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from builders import family_draft, renumber
from xinjie_desktop.core.records import (
    accounts,
    agreements,
    attachments,
    dangerous_house,
    demolition,
    households,
    housing_plans,
    public_notice,
    relocation,
    township,
)
from xinjie_desktop.core.records.demo_data import signature_png
from xinjie_desktop.core.rules.dangerous_house import DangerousHouseInput
from xinjie_desktop.core.rules.housing_plan import PlanInput, calculate
from xinjie_desktop.core.rules.identification import StepInput
from xinjie_desktop.core.rules.permissions import PermissionRefused, Role
from xinjie_desktop.core.rules.relocation import VerificationDraft
from xinjie_desktop.core.store.models import Agreement, Household, Township

PASSWORD = "a good password"
TODAY = dt.date(2017, 6, 1)
PLAN = PlanInput(people=4, unit_cost=Decimal(1100), layout=100, demolition_signed=True)
SIGNATURES = {
    "household_head": ("杨明", signature_png(1)),
    "representative": ("段志强", signature_png(2)),
    "witness": ("李四", signature_png(3)),
}


class Town:
    """A township with a household of V1 (entered before any account: the store as before issue 17), its
    plan and drafted agreements, then the accounts of every role."""

    def __init__(self, store, group_id, tmp_path):
        self.store = store
        with store.unit_of_work() as session:
            session.query(Township).one().representative = "段志强"
        with store.session() as session:
            refs = township.villages(session)
            self.v1, self.v2 = refs[0].id, refs[1].id
            self.g2 = next(g.id for g in township.groups(session) if g.village_id == self.v2)
        self.group = group_id
        self.household = households.save(store, family_draft(group_id))  # no account yet: allowed
        housing_plans.save(store, self.household, PLAN, calculate(PLAN, housing_plans.current()))
        agreements.draft_missing(store, self.household, demolition_deadline=dt.date(2017, 12, 31), today=TODAY)
        self.agreement = next(info.id for info in agreements.current_agreements(store, self.household).values())
        self.scan = tmp_path / "scan.png"
        self.scan.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
        accounts.create(store, "admin", PASSWORD, Role.TOWNSHIP_ADMIN)
        accounts.login(store, "admin", PASSWORD)
        accounts.create(store, "signer", PASSWORD, Role.WORK_TEAM, [self.v1], may_sign=True)
        accounts.create(store, "team", PASSWORD, Role.WORK_TEAM, [self.v1])
        accounts.create(store, "cadre1", PASSWORD, Role.VILLAGE_CADRE, [self.v1])
        accounts.create(store, "cadre2", PASSWORD, Role.VILLAGE_CADRE, [self.v2])
        accounts.create(store, "auditor", PASSWORD, Role.AUDITOR)
        accounts.logout(store)

    def as_(self, name):
        if name is None:
            accounts.logout(self.store)
        else:
            accounts.login(self.store, name, PASSWORD)

    def files(self):
        path = self.store.path
        return tuple(
            hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None
            for p in (path, path.with_name(path.name + "-wal"))
        )

    def changes(self):
        """Every service that changes something, on the household of V1 (name, call)."""
        store, h = self.store, self.household
        edited = households.to_draft(households.load_household(store.session(), h))
        edited.phone = "13900000000"
        return {
            "save household": lambda: households.save(store, edited),
            "new household": lambda: households.save(store, renumber(family_draft(self.group), 70)),
            "record step": lambda: households.record_step(
                store, h, StepInput("proposed", TODAY, "村委会", notes="因病")
            ),
            "add objection": lambda: households.add_objection(store, h, TODAY, "村民", "有异议"),
            "delete household": lambda: households.delete(store, h),
            "relocation": lambda: relocation.save(
                store,
                h,
                VerificationDraft(in_scope=True, area_category="geohazard", area_reason="滑坡", mode="centralised"),
                "registered",
            ),
            "housing plan": lambda: housing_plans.save(store, h, PLAN, calculate(PLAN, housing_plans.current())),
            "attach": lambda: attachments.attach(store, h, self.scan, "reconciliation"),
            "dangerous house": lambda: dangerous_house.record(
                store,
                h,
                DangerousHouseInput(grade="C", appraiser="鉴定所", appraised_on=dt.date(2017, 4, 10)),
                housing_plans.current(),
            ),
            "notice": lambda: public_notice.create_notice(
                store, self.v1, None, "identification", [h], "公示栏", TODAY, TODAY + dt.timedelta(days=7), "杨书记"
            ),
            "edit agreement": lambda: agreements.edit(store, self.agreement, today=TODAY),
            "sign on screen": lambda: agreements.sign_on_screen(store, self.agreement, SIGNATURES, TODAY),
            "sign on paper": lambda: agreements.sign_on_paper(store, self.agreement, self.scan, True, TODAY),
            "demolition": lambda: demolition.record_certificates(store, h, True, "X-1"),
            "set up": lambda: township.set_up(store, "Another", "Centre", {"V9": ["G1"]}),
        }


@pytest.fixture
def town(store, group_id, tmp_path):
    return Town(store, group_id, tmp_path)


def assert_refused(town, call):
    before = town.files()
    with pytest.raises(PermissionRefused):
        call()
    assert town.files() == before  # nothing written


def test_a_store_without_accounts_allows_everything_as_before(store, group_id):
    """Issue 17: store.actor None on a store without any account: the state before this issue."""
    assert store.actor is None and not accounts.any_accounts(store)
    households.save(store, family_draft(group_id))


@pytest.mark.parametrize("who", [None, "auditor"])
def test_nobody_logged_in_and_the_auditor_change_nothing(town, who):
    """Issue 17: on a store with accounts no one logged in changes nothing; 纪检/审计 reads and changes nothing."""
    town.as_(who)
    for name, call in town.changes().items():
        before = town.files()
        with pytest.raises(PermissionRefused):
            call()
        assert town.files() == before, name


def test_a_village_cadre_enters_in_their_village_only_and_never_signs(town):
    """Issue 17: 村干部 enter and view their village; another village's household is refused; no signing."""
    town.as_("cadre2")
    for name, call in town.changes().items():
        before = town.files()
        with pytest.raises(PermissionRefused):
            call()
        assert town.files() == before, name
    households.save(town.store, renumber(family_draft(town.g2), 90))  # their own village
    town.as_("cadre1")
    changes = town.changes()
    changes["save household"]()
    changes["record step"]()
    assert_refused(town, changes["sign on screen"])
    assert_refused(town, changes["set up"])
    with pytest.raises(PermissionRefused, match="village cadre.*may not enter or edit households in V2"):
        households.save(town.store, renumber(family_draft(town.g2), 95))


def test_a_household_is_not_moved_into_a_village_outside_the_scope(town):
    """Issue 17: moving a household to another village's group needs both villages."""
    town.as_("team")
    draft = households.to_draft(households.load_household(town.store.session(), town.household))
    draft.group_id = town.g2
    assert_refused(town, lambda: households.save(town.store, draft))
    with town.store.session() as session:
        assert session.get(Household, town.household).village_id == town.v1  # the row unchanged


def test_a_work_team_member_signs_for_the_township_only_where_authorised(town):
    """Issue 17: 工作队员 sign agreements as the township's representative where authorised (may_sign)."""
    town.as_("team")
    changes = town.changes()
    for name in ("sign on screen", "sign on paper"):
        assert_refused(town, changes[name])
    with town.store.session() as session:
        assert session.get(Agreement, town.agreement).status == "draft"
    changes["edit agreement"]()  # drafting is theirs
    town.as_("signer")
    agreements.sign_on_screen(town.store, town.agreement, SIGNATURES, TODAY)
    with town.store.session() as session:
        assert session.get(Agreement, town.agreement).status == "signed"


def test_the_township_administrator_does_everything(town):
    """Issue 17: 乡指挥部管理员, everything in every village."""
    town.as_("admin")
    changes = town.changes()
    for name in ("save household", "record step", "relocation", "attach", "notice", "sign on screen"):
        changes[name]()
    households.save(town.store, renumber(family_draft(town.g2), 90))


def test_the_refusal_names_the_village_by_its_name(town):
    """Issue 17: the refusal names role, action and village in plain words."""
    town.as_("cadre2")
    with pytest.raises(PermissionRefused) as refused:
        town.changes()["relocation"]()
    assert str(refused.value) == (
        "cadre2 (village cadre) may not enter relocation records and housing plans in V1: "
        "that village is not in their scope."
    )


def test_the_villages_a_person_may_read(town):
    """Issue 17: a village cadre views their village; administrators and auditors every village."""
    from xinjie_desktop.core.records import access

    assert access.readable_villages(town.store) == frozenset()  # nobody logged in
    town.as_("cadre2")
    assert access.readable_villages(town.store) == {town.v2}
    town.as_("auditor")
    assert access.readable_villages(town.store) is None
