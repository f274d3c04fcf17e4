"""Issue 19: a payment recorded at the township reaches the village's laptop with its fund, is acknowledged there,
and the acknowledgement travels back in a bundle; the funds' ledger and checks are the township's alone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text

from funds_builders import TODAY, paid_on_a_laptop
from xinjie_desktop.core.records import funds
from xinjie_desktop.core.records.demo_data import signature_png
from xinjie_desktop.core.rules import funds as rules
from xinjie_desktop.core.store.models import Fund
from xinjie_desktop.core.sync.importing import SyncError


@pytest.fixture
def paid(world):
    return world, *paid_on_a_laptop(world)


def test_a_payment_acknowledged_on_the_laptop_travels_back_to_the_township(paid):
    world, laptop, household, fund, payment = paid
    (line,) = funds.payments(laptop, household_id=household)
    assert (line.fund_id, line.amount, line.acknowledgement) == (fund, Decimal(30000), "")
    funds.acknowledge_on_screen(laptop, payment, "杨明", signature_png(5), dt.date(2017, 5, 6))
    world.import_into(world.township, world.export(laptop))
    (back,) = funds.payments(world.township, household_id=household)
    assert (back.acknowledgement, back.acknowledged_by, back.acknowledged_on) == ("screen", "杨明", dt.date(2017, 5, 6))
    with world.township.session() as session:  # the signature picture came with it
        row = session.execute(
            text(
                "SELECT b.size FROM fund_payment p JOIN blob b ON b.sha256 = p.acknowledgement_sha256 WHERE p.id = :id"
            ),
            {"id": payment},
        ).scalar()
    assert row == len(signature_png(5))


def test_a_laptop_never_changes_the_township_s_ledger(paid):
    world, laptop, _household, fund, _payment = paid
    with laptop.unit_of_work() as session:  # bypassing the services, as a tampered laptop would
        session.get(Fund, fund).amount = 999_999_999
    with pytest.raises(SyncError, match="record of the whole township"):
        world.import_into(world.township, world.export(laptop))
    assert next(f for f in funds.ledger(world.township, TODAY) if f.id == fund).received == Decimal(200000)


def test_FD_1_a_laptop_never_makes_or_changes_a_payment_only_acknowledges_it(paid, tmp_path):
    """FD-1 is checked at the township, where the balances are: a laptop's bundle that raises a payment's amount
    or makes a payment of its own (bypassing the services, as a tampered laptop would) is refused whole."""
    world, laptop, household, fund, payment = paid
    from xinjie_desktop.core.store.models import FundPayment

    with laptop.unit_of_work() as session:
        session.get(FundPayment, payment).amount = 9_000_000
    with pytest.raises(SyncError, match="only a household's acknowledgement"):
        world.import_into(world.township, world.export(laptop))
    assert funds.payments(world.township, household_id=household)[0].amount == Decimal(30000)


def test_FD_1_a_payment_made_on_a_laptop_is_refused(paid):
    world, laptop, household, fund, payment = paid
    from xinjie_desktop.core.store.models import Agreement, FundPayment

    with laptop.unit_of_work() as session:
        agreement = session.query(Agreement).filter_by(household_id=household, kind="relocation").one()
        session.add(
            FundPayment(
                household_id=household,
                fund_id=fund,
                agreement_id=agreement.id,
                tranche=rules.MAIN_STRUCTURE,
                paid_on=dt.date(2017, 5, 20),
                amount=500_000_00,
            )
        )
    with pytest.raises(SyncError, match="only a household's acknowledgement"):
        world.import_into(world.township, world.export(laptop))
    assert len(funds.payments(world.township, household_id=household)) == 1
