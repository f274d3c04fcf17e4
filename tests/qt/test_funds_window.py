"""Relocation funds on the screen (issue 19), driven like a user: Funds → Ledger, payments and checks; the ledger
with its overdue paperwork in red, a payment typed in with FD-1's refusal shown before saving, then saved; the
checks' calendar and a major problem reported late."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QDialogButtonBox

from funds_builders import TODAY, FundsTown
from xinjie_desktop.core.records import funds
from xinjie_desktop.core.rules import funds as rules
from xinjie_desktop.qt.funds.funds_view import AcknowledgeForm, CheckForm, FundsDialog, PaymentForm, RectifyForm
from xinjie_desktop.qt.shell.app import create_main_window

pytestmark = pytest.mark.gui
SHOTS = Path("/tmp/funds")
AUDITOR_SHOTS = Path("/tmp/s10-fixes")


@pytest.fixture
def town(store, group_id):
    town = FundsTown(store, group_id)
    paid = funds.record_payment(
        store, town.registered, town.central, rules.FOUNDATION, dt.date(2017, 5, 4), Decimal(30000), today=TODAY
    )
    funds.acknowledge_on_screen(store, paid, "杨明", b"\x89PNG\r\n\x1a\n signature", dt.date(2017, 5, 5))
    funds.record_paperwork(store, town.central, dt.date(2017, 4, 7))
    check = funds.record_check(store, rules.WEEKLY, dt.date(2017, 5, 3), "指挥部 段正德", "资金专户流水")
    found = dt.datetime(2017, 5, 3, 9, 30)
    funds.record_finding(
        store, check, "专户资金转入一般账户", found, major=True, reported_at=found + dt.timedelta(hours=30)
    )
    return town


def _open(qtbot, store) -> tuple[object, FundsDialog]:
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.funds_action.isEnabled()
    window.funds_action.trigger()
    dialog = window.findChild(FundsDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.today = TODAY
    dialog.refresh()
    return window, dialog  # (the window kept alive: it owns the dialog)


def _texts(model, column: int) -> list[str]:
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_FD_1_FD_3_the_ledger_and_a_payment_typed_in(qtbot, prepared_app, store, town, type_text):
    _window, dialog = _open(qtbot, store)
    ledger = dialog.ledger_model
    assert _texts(ledger, 1) == ["2017年中央预算内易地扶贫搬迁资金", "隆阳区财政同步搬迁补助资金"]
    assert _texts(ledger, 6) == ["170,000.00", "50,000.00"]
    assert _texts(ledger, 7)[0].startswith("done") and _texts(ledger, 7)[1].startswith("overdue")
    assert ledger.index(1, 7).data(Qt.ItemDataRole.ForegroundRole) is not None  # overdue in red
    assert "received 250,000.00 yuan" in dialog.totals.text()
    dialog.resize(QSize(1366, 768))
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "funds_ledger.png"))

    dialog.tabs.setCurrentIndex(1)
    assert _texts(dialog.payments_model, 2) == ["杨明"] and "1 payments" in dialog.payments_count.text()
    dialog.pay_button.click()
    form = dialog.findChild(PaymentForm)
    qtbot.waitExposed(form)
    while "synchronised" not in form.household.currentText():  # the synchronised household, from the list
        qtbot.keyClick(form.household, Qt.Key.Key_Down)
    form.amount.setFocus()
    type_text(form.amount, "10000")
    save = form.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled() and "FD-1" in form.message.text() and "synchronised" in form.message.text()
    form.fund.setFocus()
    qtbot.keyClick(form.fund, Qt.Key.Key_Down)  # the district's funds may pay it
    assert "district finance" in form.fund.currentText()
    assert save.isEnabled() and not form.message.isVisible()
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert _texts(dialog.payments_model, 6) == ["foundation laid", "foundation laid"]
    assert "2 payments" in dialog.payments_count.text()
    assert dialog.payments_model.index(1, 9).data() == "not yet"
    assert dialog.grab().save(str(SHOTS / "funds_payments.png"))


def test_FD_2_the_checks_calendar_and_a_late_report(qtbot, prepared_app, store, town):
    _window, dialog = _open(qtbot, store)
    dialog.tabs.setCurrentIndex(2)
    calendar = dialog.calendar_model
    assert _texts(calendar, 0)[0] == "weekly check by the command centre"
    assert int(_texts(calendar, 1)[0]) == 1 and int(_texts(calendar, 2)[0]) > 0
    assert "did not reach the command centre within 24 hours" in dialog.late_reports.text()
    (reported,) = _texts(dialog.findings_model, 6)
    assert reported.endswith("reported late")
    dialog.resize(QSize(1366, 768))
    assert dialog.grab().save(str(SHOTS / "funds_checks.png"))


def test_on_a_laptop_the_ledger_is_read_only(qtbot, prepared_app, store, town):
    dialog = FundsDialog(store, today=TODAY, on_laptop=True)
    qtbot.addWidget(dialog)
    assert not dialog.pay_button.isEnabled() and not dialog.new_fund_button.isEnabled()
    assert dialog.ledger_model.rowCount() == 2


def test_a_payment_acknowledged_on_paper_from_the_window(qtbot, prepared_app, store, town, tmp_path, type_text):
    """Issue 19: the household signed the receipt on paper; the scan is kept and the payment shows it."""
    funds.record_payment(
        store, town.registered, town.central, rules.MAIN_STRUCTURE, dt.date(2017, 5, 20), Decimal(20000), today=TODAY
    )
    scan = tmp_path / "签收单.jpg"
    scan.write_bytes(b"\xff\xd8\xff\xe0 receipt \xff\xd9")
    dialog = FundsDialog(store, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(1)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.acknowledge_button.isEnabled()
    waiting = _texts(dialog.payments_model, 9).index("not yet")
    dialog.payments_table.selectRow(waiting)
    assert dialog.acknowledge_button.isEnabled()
    dialog.acknowledge_button.click()
    form = dialog.findChild(AcknowledgeForm)
    qtbot.waitExposed(form)
    form.scan.setFocus()
    type_text(form.scan, str(scan))
    form.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    assert "not yet" not in _texts(dialog.payments_model, 9)
    assert any(text.endswith("on paper") for text in _texts(dialog.payments_model, 9))


def test_FD_2_a_check_recorded_with_its_major_problem_then_rectified(qtbot, prepared_app, store, town, type_text):
    """Issue 19: who checked, what was looked at, the problem found (reported 25 hours later: late), its
    rectification until closed, typed in the window."""
    dialog = FundsDialog(store, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(2)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.check_button.click()
    form = dialog.findChild(CheckForm)
    qtbot.waitExposed(form)
    form.kind.setFocus()
    qtbot.keyClick(form.kind, Qt.Key.Key_Down)  # the monthly spot check
    for field, text in (
        (form.held_on, "2017-05-31"),
        (form.checked_by, "乡纪委 杨建华"),
        (form.looked_at, "拨付到户凭证"),
        (form.problem, "一户签收单缺失"),
        (form.found_at, "2017-05-31 10:00"),
        (form.reported_at, "2017-06-01 11:00"),
    ):
        field.setFocus()
        field.selectAll()
        type_text(field, text)
    qtbot.mouseClick(form.major, Qt.MouseButton.LeftButton)
    form.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    assert not form.isVisible()
    rows = dialog.findings_model.rows
    (mine,) = [finding for check, finding in rows if finding is not None and finding.description == "一户签收单缺失"]
    assert mine.major and mine.report_state == rules.LATE and mine.check_kind == rules.MONTHLY_SPOT
    assert "2 major problem(s)" in dialog.late_reports.text()

    dialog.findings_table.selectRow(next(i for i, (_c, f) in enumerate(rows) if f is mine))
    assert dialog.rectify_button.isEnabled()
    dialog.rectify_button.click()
    rectify = dialog.findChild(RectifyForm)
    qtbot.waitExposed(rectify)
    rectify.rectification.setFocus()
    type_text(rectify.rectification, "补签签收单并归档")
    qtbot.mouseClick(rectify.closed, Qt.MouseButton.LeftButton)
    rectify.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    (closed,) = [f for _c, f in dialog.findings_model.rows if f is not None and f.id == mine.id]
    assert closed.closed and closed.rectification == "补签签收单并归档"


def test_a_payment_acknowledged_on_the_screen_from_the_window(qtbot, prepared_app, store, town, draw_on_pad):
    """Issue 19: the household signs the receipt of a payment on the screen's signature pad (as the agreements are
    signed): the payment shows it acknowledged on screen and keeps the picture; an empty pad is refused."""
    funds.record_payment(
        store, town.registered, town.central, rules.MAIN_STRUCTURE, dt.date(2017, 5, 20), Decimal(20000), today=TODAY
    )
    dialog = FundsDialog(store, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(1)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.payments_table.selectRow(_texts(dialog.payments_model, 9).index("not yet"))
    dialog.acknowledge_button.click()
    form = dialog.findChild(AcknowledgeForm)
    qtbot.waitExposed(form)
    assert not form.pad.isVisible()
    qtbot.mouseClick(form.on_screen, Qt.MouseButton.LeftButton)
    assert form.pad.isVisible() and not form.scan.isVisible()
    save = form.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    save.click()
    assert form.isVisible() and form.message.text()  # nothing signed yet
    draw_on_pad(form.pad, [[(30, 60), (80, 40), (140, 90), (220, 50)]])
    save.click()
    assert "not yet" not in _texts(dialog.payments_model, 9)
    assert any(text.endswith("on screen") for text in _texts(dialog.payments_model, 9))
    (kept,) = [p for p in funds.payments(store) if p.tranche == rules.MAIN_STRUCTURE]
    assert kept.acknowledgement == "screen"


def test_FD_2_an_auditor_records_a_check_and_reads_the_rest(qtbot, prepared_app, store, town, type_text):
    """FD-2, issue 19 and 17: the township discipline commission (纪检/审计) opens the funds from the main window:
    the ledger and the payments are read only (recording funds or a payment, acknowledging: not offered, saying
    why), the check form is enabled; the auditor types a quarterly full check with a problem found, saves it, and
    then closes the problem with its rectification."""
    from xinjie_desktop.core.rules.permissions import Actor, Role

    funds.record_payment(
        store, town.registered, town.central, rules.MAIN_STRUCTURE, dt.date(2017, 5, 20), Decimal(20000), today=TODAY
    )
    store.actor = Actor("7a1d0c6e-0000-4000-8000-000000000003", "赵审计", Role.AUDITOR, frozenset())
    _window, dialog = _open(qtbot, store)
    for button in (dialog.new_fund_button, dialog.pay_button):
        assert not button.isEnabled() and "赵审计 (auditor) may not" in button.toolTip()
    dialog.tabs.setCurrentIndex(1)
    dialog.payments_table.selectRow(_texts(dialog.payments_model, 9).index("not yet"))
    assert not dialog.acknowledge_button.isEnabled() and "may not" in dialog.acknowledge_button.toolTip()
    dialog.resize(QSize(1366, 768))
    AUDITOR_SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(AUDITOR_SHOTS / "funds_payments_auditor.png"))

    dialog.tabs.setCurrentIndex(2)
    assert dialog.check_button.isEnabled()
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    form = dialog.findChild(CheckForm)
    qtbot.waitExposed(form)
    form.kind.setFocus()
    qtbot.keyClick(form.kind, Qt.Key.Key_Down)
    qtbot.keyClick(form.kind, Qt.Key.Key_Down)  # the quarterly full check
    for field, text in (
        (form.held_on, "2017-05-31"),
        (form.checked_by, "乡纪委 赵审计"),
        (form.looked_at, "专户流水、拨付凭证"),
        (form.problem, "一笔拨付无签收"),
        (form.found_at, "2017-05-31 10:00"),
    ):
        field.setFocus()
        field.selectAll()
        type_text(field, text)
    form.resize(QSize(700, 520))
    assert form.grab().save(str(AUDITOR_SHOTS / "funds_check_form_auditor.png"))
    form.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    assert not form.isVisible()
    rows = dialog.findings_model.rows
    (mine,) = [f for _c, f in rows if f is not None and f.description == "一笔拨付无签收"]
    assert mine.check_kind == rules.QUARTERLY_FULL

    dialog.findings_table.selectRow(next(i for i, (_c, f) in enumerate(rows) if f is mine))
    assert dialog.rectify_button.isEnabled()
    qtbot.mouseClick(dialog.rectify_button, Qt.MouseButton.LeftButton)
    rectify = dialog.findChild(RectifyForm)
    qtbot.waitExposed(rectify)
    rectify.rectification.setFocus()
    type_text(rectify.rectification, "补签并归档")
    qtbot.mouseClick(rectify.closed, Qt.MouseButton.LeftButton)
    rectify.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    (closed,) = [f for _c, f in dialog.findings_model.rows if f is not None and f.id == mine.id]
    assert closed.closed and closed.rectification == "补签并归档"
    assert dialog.grab().save(str(AUDITOR_SHOTS / "funds_checks_auditor.png"))
    assert [p.acknowledgement for p in funds.payments(store)] == ["screen", ""]  # nothing else written


def test_FD_1_a_tranche_whose_stage_is_not_recorded_is_refused_before_saving(
    qtbot, prepared_app, store, group_id, town, type_text
):
    """按建房进度拨付 (issues 18, 19): a household whose new house has no stage recorded yet — the payment form says
    so, naming the stage and the household, and does not save; a tranche dated before its stage neither."""
    from funds_builders import relocation_household
    from xinjie_desktop.core.records import building

    waiting = relocation_household(store, group_id, 70, built=False)
    form = PaymentForm(store, TODAY)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    while form.household.currentData() != waiting:
        qtbot.keyClick(form.household, Qt.Key.Key_Down)
    form.amount.setFocus()
    type_text(form.amount, "1000")
    save = form.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled()
    assert "“foundation laid (building started)” is not recorded for the household of" in form.message.text()
    building.record_stage(store, waiting, rules.FOUNDATION, dt.date(2017, 5, 25), "王芳", today=TODAY)
    form.paid_on.setFocus()
    form.paid_on.selectAll()
    type_text(form.paid_on, "2017-05-20")
    assert not save.isEnabled() and "reached it on 2017-05-25" in form.message.text()
    form.paid_on.selectAll()
    type_text(form.paid_on, "2017-05-26")
    assert save.isEnabled() and not form.message.isVisible()
