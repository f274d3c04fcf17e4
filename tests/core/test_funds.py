"""Issue 19: the funds' ledger, payments and checks as services (core.records.funds), FD-1 to FD-3 enforced."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from sqlalchemy import text

from builders import tables_changed_by
from funds_builders import TODAY, FundsTown, relocation_agreement, signatures
from xinjie_desktop.core.records import accounts, agreements, funds
from xinjie_desktop.core.records.demo_data import signature_png
from xinjie_desktop.core.records.funds import FundsError
from xinjie_desktop.core.rules import funds as rules
from xinjie_desktop.core.rules.permissions import PermissionRefused, Role

PASSWORD = "a good password"
PAID_ON = dt.date(2017, 5, 4)


@pytest.fixture
def town(store, group_id):
    return FundsTown(store, group_id)


def files(store):
    path = store.path
    return tuple(
        hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None
        for p in (path, path.with_name(path.name + "-wal"))
    )


def pay(town, household, fund, amount, tranche=rules.FOUNDATION, on=PAID_ON):
    return funds.record_payment(town.store, household, fund, tranche, on, Decimal(amount), today=TODAY)


def test_FD_1_a_registered_household_is_paid_in_tranches_from_an_earmarked_fund(town):
    pay(town, town.registered, town.central, 30000)
    pay(town, town.registered, town.central, 40000, rules.MAIN_STRUCTURE, dt.date(2017, 5, 20))
    (line,) = [f for f in funds.ledger(town.store, TODAY) if f.id == town.central]
    assert (line.received, line.paid, line.balance) == (Decimal(200000), Decimal(70000), Decimal(130000))
    assert line.paid_by_kind == {"registered": Decimal(70000)}
    paid = funds.payments(town.store, household_id=town.registered)
    assert [(p.tranche, p.amount) for p in paid] == [("foundation", 30000), ("main_structure", 40000)]
    assert paid[0].id_number_masked.count("*") == 8


def test_FD_1_an_earmarked_fund_never_pays_a_synchronised_household_and_nothing_is_written(town):
    before = files(town.store)
    with pytest.raises(FundsError) as refused:
        pay(town, town.synchronised, town.central, 10000)
    message = str(refused.value)
    assert message.startswith("FD-1") and "2017年中央预算内易地扶贫搬迁资金" in message and "synchronised" in message
    assert files(town.store) == before
    pay(town, town.synchronised, town.district, 10000)  # the district's funds may
    (line,) = [f for f in funds.ledger(town.store, TODAY) if f.id == town.district]
    assert line.paid_by_kind == {"synchronised": Decimal(10000)}


def test_FD_1_an_earmarked_fund_pays_only_households_of_the_plan(town):
    with pytest.raises(FundsError, match="three-year plan"):
        pay(town, town.outside, town.central, 10000)


def test_FD_1_never_more_than_the_agreement_states(town):
    pay(town, town.registered, town.central, 100000)
    with pytest.raises(FundsError, match="104,000.00"):
        pay(town, town.registered, town.central, "4000.01", rules.COMPLETION)
    pay(town, town.registered, town.central, 4000, rules.COMPLETION)  # exactly the agreement's 104,000


def test_FD_1_balance_never_negative(town):
    pay(town, town.synchronised, town.district, 25000)
    with pytest.raises(FundsError, match="negative"):
        funds.record_payment(
            town.store, town.outside, town.district, rules.FOUNDATION, PAID_ON, Decimal("25000.01"), today=TODAY
        )
    with pytest.raises(FundsError, match="FD-1"):
        funds.change_amount(town.store, town.district, Decimal("24999.99"))
    funds.change_amount(town.store, town.district, Decimal(25000))


def test_FD_1_a_voided_agreement_stops_payments_until_the_new_version_is_signed(town):
    """Paid under version 1, voided: refused while version 2 is a draft; once signed, the sum over both versions
    still keeps within what the agreement states."""
    store = town.store
    pay(town, town.registered, town.central, 50000)
    new = agreements.void(store, relocation_agreement(store, town.registered), "户主姓名录入有误", dt.date(2017, 5, 10))
    with pytest.raises(FundsError, match="not signed yet"):
        pay(town, town.registered, town.central, 10000, rules.MAIN_STRUCTURE, dt.date(2017, 5, 12))
    agreements.sign_on_screen(store, new, signatures("杨明"), dt.date(2017, 5, 15))
    pay(town, town.registered, town.central, 10000, rules.MAIN_STRUCTURE, dt.date(2017, 5, 16))
    with pytest.raises(FundsError, match="more than the 104,000.00"):
        pay(town, town.registered, town.central, 44001, rules.COMPLETION, dt.date(2017, 5, 20))
    versions = {p.agreement_id for p in funds.payments(store, household_id=town.registered)}
    assert len(versions) == 2


def test_FD_1_voided_without_a_new_version_refuses(town, store):
    agreement = relocation_agreement(store, town.registered)
    with store.unit_of_work() as session:  # a voided agreement whose next version was never drafted
        session.execute(text("UPDATE agreement SET status = 'voided' WHERE id = :id"), {"id": agreement})
        session.execute(
            text("DELETE FROM agreement WHERE household_id = :h AND kind = 'relocation' AND id != :id"),
            {"h": town.registered, "id": agreement},
        )
    with pytest.raises(FundsError, match="voided"):
        pay(town, town.registered, town.central, 1000)


def test_acknowledged_on_screen_and_on_paper(town, tmp_path):
    first = pay(town, town.registered, town.central, 30000)
    funds.acknowledge_on_screen(town.store, first, "杨明", signature_png(7), dt.date(2017, 5, 5))
    with pytest.raises(FundsError, match="already"):
        funds.acknowledge_on_screen(town.store, first, "杨明", signature_png(7), dt.date(2017, 5, 5))
    second = pay(town, town.registered, town.central, 20000, rules.MAIN_STRUCTURE)
    with pytest.raises(FundsError, match="on or after"):
        funds.acknowledge_on_screen(town.store, second, "杨明", signature_png(7), dt.date(2017, 5, 3))
    scan = tmp_path / "receipt.jpg"
    scan.write_bytes(b"\xff\xd8\xff\xe0 receipt scan \xff\xd9")
    funds.acknowledge_on_paper(town.store, second, "杨明", scan, dt.date(2017, 5, 8))
    lines = funds.payments(town.store, household_id=town.registered)
    assert [(p.acknowledgement, p.acknowledged_by) for p in lines] == [("screen", "杨明"), ("paper", "杨明")]


def test_FD_3_paperwork_and_loan_replacement_in_the_ledger(town):
    store = town.store
    loan = funds.record_fund(
        store,
        funds.FundDraft(
            rules.LOW_COST_LOAN, "农发行低成本长期贷款", dt.date(2017, 2, 20), Decimal(600000), "", "贷2017-3"
        ),
        today=TODAY,
    )
    funds.record_paperwork(store, town.central, dt.date(2017, 4, 7))  # the 7th working day exactly
    lines = {f.id: f for f in funds.ledger(store, TODAY)}
    assert (lines[town.central].paperwork.due_on, lines[town.central].paperwork.state) == (
        dt.date(2017, 4, 7),
        rules.DONE,
    )
    assert lines[loan].replacement.state == rules.OVERDUE and lines[loan].paperwork.state == rules.OVERDUE
    assert lines[town.district].paperwork.state == rules.OVERDUE
    funds.record_replacement(store, loan, dt.date(2017, 4, 28))
    assert {f.id: f for f in funds.ledger(store, TODAY)}[loan].replacement.state == rules.DONE
    with pytest.raises(FundsError):
        funds.record_replacement(store, town.central, dt.date(2017, 4, 28))


def test_FD_2_checks_findings_and_the_24th_hour(town):
    store = town.store
    weekly = funds.record_check(store, rules.WEEKLY, dt.date(2017, 5, 3), "指挥部 段正德", "资金专户流水")
    found = dt.datetime(2017, 5, 3, 9, 30)
    in_time = funds.record_finding(
        store, weekly, "凭证缺签字", found, major=True, reported_at=found + dt.timedelta(hours=24)
    )
    late = funds.record_finding(store, weekly, "挪用嫌疑", found, major=True)
    minor = funds.record_finding(store, weekly, "台账字迹不清", found)
    funds.report_finding(store, late, found + dt.timedelta(hours=24, minutes=1))
    funds.rectify_finding(store, minor, "重新誊写", dt.date(2017, 5, 5))
    by_id = {f.id: f for f in funds.findings(store, dt.datetime(2017, 6, 1, 12))}
    assert by_id[in_time].report_state == rules.ON_TIME
    assert by_id[late].report_state == rules.LATE
    assert by_id[minor].report_state == "" and by_id[minor].closed
    board = funds.check_board(store, dt.date(2017, 5, 17))
    weekly_states = [(p.first, p.state) for p in board.periods[rules.WEEKLY] if p.first >= dt.date(2017, 5, 1)]
    assert weekly_states == [
        (dt.date(2017, 5, 1), rules.DONE),
        (dt.date(2017, 5, 8), rules.OVERDUE),
        (dt.date(2017, 5, 15), rules.DUE),
    ]
    figures = funds.report(store, dt.date(2017, 5, 17))
    assert [f["finding_id"] for f in figures["late_major_reports"]] == [late]
    assert {"kind": "weekly", "from": "2017-05-08", "to": "2017-05-14"} in figures["checks_overdue"]


def test_report_figures(town):
    pay(town, town.registered, town.central, 30000)
    figures = funds.report(town.store, TODAY)
    central = next(f for f in figures["funds"] if f["id"] == town.central)
    assert central["received"] == "200000.00" and central["paid"] == "30000.00" and central["balance"] == "170000.00"
    assert central["earmarked"] and central["paid_by_household_kind"] == {"registered": "30000.00"}
    assert central["paperwork"] == {"due_on": "2017-04-07", "done_on": None, "state": "overdue"}
    assert {o["name"] for o in figures["overdue_paperwork"]} == {central["name"], "隆阳区财政同步搬迁补助资金"}
    assert figures["totals"]["received"] == "250000.00"


def test_roles_who_may_record_and_who_may_only_read(town, store):
    """Issue 19: the township's administrators record funds, payments and checks; a work team acknowledges in its
    village; an auditor reads; every refusal writes nothing."""
    payment = pay(town, town.registered, town.central, 30000)
    with store.session() as session:
        village = session.execute(
            text("SELECT village_id FROM household WHERE id = :h"), {"h": town.registered}
        ).scalar()
        other = session.execute(text("SELECT id FROM village WHERE id != :v LIMIT 1"), {"v": village}).scalar()
    accounts.create(store, "admin", PASSWORD, Role.TOWNSHIP_ADMIN)
    accounts.login(store, "admin", PASSWORD)
    accounts.create(store, "team", PASSWORD, Role.WORK_TEAM, [village])
    accounts.create(store, "team2", PASSWORD, Role.WORK_TEAM, [other])
    accounts.create(store, "auditor", PASSWORD, Role.AUDITOR)
    writes = {
        "fund": lambda: funds.record_fund(
            store, funds.FundDraft(rules.SOCIAL, "社会帮扶", dt.date(2017, 5, 1), Decimal(1000)), today=TODAY
        ),
        "payment": lambda: pay(town, town.registered, town.central, 1000, rules.MAIN_STRUCTURE),
        "check": lambda: funds.record_check(store, rules.WEEKLY, TODAY, "指挥部", "流水"),
    }
    for name in ("team", "auditor"):
        accounts.login(store, name, PASSWORD)
        for what, write in writes.items():
            if name == "auditor" and what == "check":
                continue  # the auditors' own work (FD-2): test_FD_2_auditors_record_checks_and_change_nothing_else
            before = files(store)
            with pytest.raises(PermissionRefused):
                write()
            assert files(store) == before
        assert funds.ledger(store, TODAY)  # reads
    accounts.login(store, "team2", PASSWORD)
    with pytest.raises(PermissionRefused):
        funds.acknowledge_on_screen(store, payment, "杨明", signature_png(7), dt.date(2017, 5, 5))
    assert funds.payments(store) == []  # another village's payments are not theirs to read
    accounts.login(store, "team", PASSWORD)
    funds.acknowledge_on_screen(store, payment, "杨明", signature_png(7), dt.date(2017, 5, 5))
    accounts.login(store, "admin", PASSWORD)
    for write in writes.values():
        write()


def test_FD_2_auditors_record_checks_and_change_nothing_else(town, store):
    """FD-2, issue 19 and 17: the township discipline commission's and finance office's spot and full checks (纪检/审计)
    are recorded by the auditor, with the findings, a major one's report and its rectification, in the record of
    who did what under the auditor's name; a work team or a village cadre may not; the auditor still changes no
    fund, payment, acknowledgement, household or agreement."""
    from xinjie_desktop.core.records import agreements, households

    payment = pay(town, town.registered, town.central, 30000)
    with store.session() as session:
        village = session.execute(
            text("SELECT village_id FROM household WHERE id = :h"), {"h": town.registered}
        ).scalar()
    accounts.create(store, "admin", PASSWORD, Role.TOWNSHIP_ADMIN)
    accounts.login(store, "admin", PASSWORD)
    accounts.create(store, "auditor", PASSWORD, Role.AUDITOR)
    accounts.create(store, "cadre", PASSWORD, Role.VILLAGE_CADRE, [village])
    accounts.create(store, "team", PASSWORD, Role.WORK_TEAM, [village])
    found = dt.datetime(2017, 5, 31, 10)
    for name in ("cadre", "team"):
        accounts.login(store, name, PASSWORD)
        before = files(store)
        with pytest.raises(PermissionRefused, match="may not record checks of the funds"):
            funds.record_check(store, rules.MONTHLY_SPOT, TODAY, "乡纪委", "拨付凭证")
        assert files(store) == before

    accounts.login(store, "auditor", PASSWORD)
    check = funds.record_check(store, rules.MONTHLY_SPOT, dt.date(2017, 5, 31), "乡纪委 杨建华", "拨付到户凭证")
    finding = funds.record_finding(store, check, "一户签收单缺失", found, major=True)
    funds.report_finding(store, finding, found + dt.timedelta(hours=3))
    funds.rectify_finding(store, finding, "补签签收单并归档", dt.date(2017, 6, 1))
    (line,) = funds.findings(store, dt.datetime(2017, 6, 1, 12))
    assert line.closed and line.rectification == "补签签收单并归档"
    assert tables_changed_by(store, "auditor") == {"fund_check", "fund_finding"}
    before = files(store)
    for write in (
        lambda: funds.record_fund(
            store, funds.FundDraft(rules.SOCIAL, "社会帮扶", dt.date(2017, 5, 1), Decimal(1000)), today=TODAY
        ),
        lambda: funds.record_paperwork(store, town.central, dt.date(2017, 4, 7)),
        lambda: funds.change_amount(store, town.central, Decimal(1)),
        lambda: pay(town, town.registered, town.central, 1000, rules.MAIN_STRUCTURE),
        lambda: funds.acknowledge_on_screen(store, payment, "杨明", signature_png(7), dt.date(2017, 5, 5)),
        lambda: agreements.void(store, relocation_agreement(store, town.registered), "更正", TODAY),
        lambda: households.delete(store, town.outside),
    ):
        with pytest.raises(PermissionRefused, match="auditor"):
            write()
        assert files(store) == before


def test_on_a_laptop_funds_payments_and_checks_are_refused_up_front(town):
    """Issue 19: what the township would refuse in a laptop's bundle is refused on the laptop before it is written."""
    before = files(town.store)
    for write in (
        lambda: funds.record_payment(
            town.store,
            town.registered,
            town.central,
            rules.FOUNDATION,
            PAID_ON,
            Decimal(1),
            today=TODAY,
            on_laptop=True,
        ),
        lambda: funds.record_check(town.store, rules.WEEKLY, TODAY, "指挥部", "流水", on_laptop=True),
        lambda: funds.record_paperwork(town.store, town.central, TODAY, on_laptop=True),
    ):
        with pytest.raises(FundsError, match="only acknowledged"):
            write()
    assert files(town.store) == before
