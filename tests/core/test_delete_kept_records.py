"""Issue 19: a household the township keeps records of (payments from the relocation funds, FD-1) is not deleted, on a
laptop or at the township: the delete is refused at once, naming why, and nothing is written; so a laptop no longer
makes a bundle the township refuses whole.  A hand-made bundle that deletes such a household anyway is still refused
at the township, naming the payment, and the township's store is left byte for byte as it was."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from sqlalchemy import text

from funds_builders import TODAY, FundsTown, paid_on_a_laptop
from sync_world import file_state
from xinjie_desktop.core.records import funds, households
from xinjie_desktop.core.rules import funds as rules
from xinjie_desktop.core.rules.problems import ValidationFailed
from xinjie_desktop.core.store.models import Household
from xinjie_desktop.core.sync.importing import SyncError


def _files(store):
    path = store.path
    return tuple(
        hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None
        for p in (path, path.with_name(path.name + "-wal"))
    )


def _count(store, table: str, household: str) -> int:
    with store.session() as session:
        return session.execute(text(f"SELECT count(*) FROM {table} WHERE household_id = :h"), {"h": household}).scalar()


def test_FD_1_a_household_with_payments_is_not_deleted_at_the_township(store, group_id):
    """FD-1, issue 19: the delete names the payments (before the signed agreement) and writes nothing; a household
    without payments or agreements is still deleted."""
    town = FundsTown(store, group_id)
    funds.record_payment(
        store, town.registered, town.central, rules.FOUNDATION, dt.date(2017, 5, 4), Decimal(30000), today=TODAY
    )
    before = _files(store)
    with pytest.raises(ValidationFailed) as refused:
        households.delete(store, town.registered)
    assert "payments from the relocation funds" in str(refused.value.problems[0].message)
    assert _files(store) == before
    assert _count(store, "fund_payment", town.registered) == 1


def test_FD_1_in_chinese_the_refusal_says_the_household_has_payments(store, group_id):
    from xinjie_desktop.i18n import set_language

    town = FundsTown(store, group_id)
    funds.record_payment(
        store, town.registered, town.central, rules.FOUNDATION, dt.date(2017, 5, 4), Decimal(1000), today=TODAY
    )
    set_language("zh_CN")
    with pytest.raises(ValidationFailed) as refused:
        households.delete(store, town.registered)
    assert "资金拨付" in refused.value.problems[0].message


def test_FD_1_a_laptop_never_makes_a_bundle_the_township_refuses_for_a_deleted_payment(world):
    """FD-1, issue 19 end to end: the payment reaches the laptop; deleting its household there is refused with the
    reason and nothing is written, and the laptop's next bundle is accepted.  A tampered laptop that deletes the
    household bypassing the service makes a bundle the township refuses, naming the payment: its store unchanged."""
    town = world.township
    laptop, household, _fund, _payment = paid_on_a_laptop(world)
    assert _count(laptop, "fund_payment", household) == 1

    before = file_state(laptop.path)
    with pytest.raises(ValidationFailed, match="payments from the relocation funds"):
        households.delete(laptop, household)
    assert file_state(laptop.path) == before
    world.import_into(town, world.export(laptop))  # what the laptop sends is accepted
    assert _count(town, "fund_payment", household) == 1

    with laptop.unit_of_work() as session:  # bypassing the service, as a tampered laptop would
        session.delete(session.get(Household, household))
    hostile = world.export(laptop)
    before = file_state(town.path)
    with pytest.raises(SyncError, match="fund_payment .*acknowledgement of a payment"):
        world.import_into(town, hostile)
    assert file_state(town.path) == before
    assert _count(town, "fund_payment", household) == 1
    with town.session() as session:
        assert session.get(Household, household) is not None


def test_PN_1_a_household_named_by_a_notice_objection_is_not_deleted(store, group_id):
    """PN-1, issue 19: an objection raised against a public notice names the household: the delete says so and
    writes nothing (it had failed in the store's foreign key, an unexpected error in front of the user)."""
    from builders import family_draft
    from xinjie_desktop.core.records import public_notice

    household_id = households.save(store, family_draft(group_id))
    with store.session() as session:
        village_id = session.execute(
            text("SELECT village_id FROM villager_group WHERE id = :g"), {"g": group_id}
        ).scalar()
    notice_id = public_notice.create_notice(
        store,
        village_id=village_id,
        group_id=group_id,
        subject="identification",
        households=[household_id],
        place="村委会公示栏",
        start_date=dt.date(2017, 4, 14),
        end_date=dt.date(2017, 4, 21),
        objection_contact="村委会 0875-1234567",
    )
    public_notice.record_objection(store, notice_id, household_id, dt.date(2017, 4, 16), "李四", "有商品房")
    before = _files(store)
    with pytest.raises(ValidationFailed, match="an objection raised against a public notice names it"):
        households.delete(store, household_id)
    assert _files(store) == before
