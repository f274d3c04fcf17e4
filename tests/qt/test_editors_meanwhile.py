"""Every editor other than the household's, open while another writer changes its record in the store (issue
13, case 1): saving writes what the user changed, keeps what the other wrote, and shows the user each field
both changed to decide. And "unsaved" means "differs from the store" (case 2): right after a save, leaving
asks nothing. The other writer is a second window's store (a second ``open_store`` of the same file)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QDialog, QRadioButton
from sqlalchemy import select

from builders import family_draft
from xinjie_desktop.core.records import agreements, demolition, households, housing_plans, public_notice, township
from xinjie_desktop.core.records import relocation as relocation_records
from xinjie_desktop.core.rules.housing_plan import PlanInput, calculate
from xinjie_desktop.core.rules.policy_params import current
from xinjie_desktop.core.rules.relocation import VerificationDraft
from xinjie_desktop.core.store.models import ChangeLog, Household, RelocationVerification
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.qt.households.household_editor import AGREEMENTS_TAB, RELOCATION_TAB, HouseholdEditor
from xinjie_desktop.qt.notices.village_documents import NOTICES_TAB, VillageDocumentsDialog
from xinjie_desktop.qt.relocation.relocation_tab import PLAN_TAB
from xinjie_desktop.qt.shell.collision_dialog import CollisionDialog

pytestmark = pytest.mark.gui

REG = "registered"


@pytest.fixture
def stores(tmp_path):
    """The editor's store and another writer on the same file."""
    mine = open_store(tmp_path / "s.sqlite")
    township.set_up(mine, "T", "C", {"V1": ["G1", "G2"]})
    other = open_store(tmp_path / "s.sqlite")
    yield mine, other
    other.close()
    mine.close()


@pytest.fixture
def household(stores):
    mine, _other = stores
    with mine.session() as session:
        group = township.groups(session)[0].id
    return households.save(mine, family_draft(group, national_number="5305020001"))


def answer_dialog(qtbot, keep: str):
    """Click the user's choice in the dialog when it comes up, then "Save with these choices"; what the
    dialog showed is returned (its choices' texts, and its picture)."""
    seen: list = []

    def act():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, CollisionDialog):
            QTimer.singleShot(20, act)
            return
        dialog.resize(1366, 768)
        seen.append([button.text() for button in dialog.findChildren(QRadioButton)])
        seen.append(dialog.grab())
        for index in range(len(dialog.groups)):
            button = dialog.findChild(QRadioButton, f"keep_{keep}_{index}")
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, act)
    return seen


@pytest.fixture
def retype(qtbot, type_text):
    """Click into the field, select what is there and type over it (Chinese as an input method sends it)."""

    def over(widget, text: str) -> None:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
        qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(widget, Qt.Key.Key_Backspace)
        type_text(widget, text)

    return over


def last_entry(store, row_id):
    with store.session() as session:
        return session.scalars(
            select(ChangeLog).where(ChangeLog.row_id == row_id).order_by(ChangeLog.seq.desc())
        ).first()


# --- the relocation verification -------------------------------------------------------------------------


def verification(**changes) -> VerificationDraft:
    values = {
        "in_scope": True,
        "area_category": "geohazard",
        "area_reason": "村后山体滑坡隐患点",
        "mode": "centralised",
        "site": "辛街乡集镇安置点",
        "building_mode": "unified",
    }
    return VerificationDraft(**{**values, **changes})


@pytest.fixture
def relocation_editor(qtbot, stores, household):
    mine, _other = stores
    relocation_records.save(mine, household, verification(), REG)
    editor = HouseholdEditor(mine, household)
    qtbot.addWidget(editor)
    editor.resize(1366, 768)
    with qtbot.waitExposed(editor):
        editor.show()
    editor.tabs.setCurrentIndex(RELOCATION_TAB)
    return editor


def test_relocation_a_field_changed_meanwhile_is_kept_after_saving_another(
    qtbot, relocation_editor, stores, household, retype
):
    mine, other = stores
    tab = relocation_editor.relocation_tab
    relocation_records.save(other, household, verification(site="imported site"), REG)
    retype(tab.notice_place_edit, "村委会公示栏")
    qtbot.mouseClick(tab.save_verification_button, Qt.MouseButton.LeftButton)
    saved = relocation_records.load(mine, household)
    assert (saved.site, saved.notice_place) == ("imported site", "村委会公示栏")
    assert tab.site_edit.text() == "imported site"
    assert not relocation_editor.has_unsaved_changes()  # case 2: leaving now asks nothing


@pytest.mark.parametrize("keep", ["mine", "theirs"])
def test_relocation_a_field_both_changed_is_shown_and_the_user_decides(
    qtbot, relocation_editor, stores, household, keep, retype
):
    mine, other = stores
    tab = relocation_editor.relocation_tab
    relocation_records.save(other, household, verification(site="theirs"), REG)
    retype(tab.site_edit, "mine")
    retype(tab.notice_place_edit, "村委会公示栏")
    seen = answer_dialog(qtbot, keep)
    qtbot.mouseClick(tab.save_verification_button, Qt.MouseButton.LeftButton)
    texts = "\n".join(seen[0])
    assert "mine" in texts and "theirs" in texts and "changed by this computer" in texts
    seen[1].save(f"/tmp/collision_relocation_{keep}.png")
    saved = relocation_records.load(mine, household)
    assert (saved.site, saved.notice_place) == (keep, "村委会公示栏")
    assert tab.site_edit.text() == keep and not relocation_editor.has_unsaved_changes()
    with mine.session() as session:
        record_id = session.scalar(select(RelocationVerification.id))
    assert "site+" in json.loads(last_entry(mine, record_id).bases)


def test_relocation_cancelling_the_decision_saves_nothing(
    qtbot, relocation_editor, stores, household, monkeypatch, retype
):
    mine, other = stores
    tab = relocation_editor.relocation_tab
    relocation_records.save(other, household, verification(site="theirs"), REG)
    retype(tab.site_edit, "mine")
    monkeypatch.setattr(CollisionDialog, "ask", staticmethod(lambda collisions, parent=None: None))
    qtbot.mouseClick(tab.save_verification_button, Qt.MouseButton.LeftButton)
    assert relocation_records.load(mine, household).site == "theirs"
    assert tab.site_edit.text() == "mine" and relocation_editor.has_unsaved_changes()
    assert "nothing was chosen" in tab.verification_status.text()


def test_relocation_saved_through_the_household_save_leaves_without_a_question(
    qtbot, relocation_editor, stores, household, retype
):
    """Case 2: Ctrl+S saves the household and the verification; nothing is unsaved afterwards, even
    with the verification changed meanwhile by the other writer."""
    mine, other = stores
    tab = relocation_editor.relocation_tab
    relocation_records.save(other, household, verification(site="imported site"), REG)
    retype(tab.notice_place_edit, " 村委会公示栏 ")
    qtbot.keyClick(tab.notice_place_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    saved = relocation_records.load(mine, household)
    assert (saved.site, saved.notice_place) == ("imported site", "村委会公示栏")
    assert not relocation_editor.has_unsaved_changes()


# --- housing plans ---------------------------------------------------------------------------------------

PLAN = PlanInput(people=4, unit_cost=Decimal("1200"), layout=100, own_funds=Decimal("10000"))


def save_plan(store, household_id, plan):
    return housing_plans.save(store, household_id, plan, calculate(plan, current()))


@pytest.fixture
def plan_tab(qtbot, stores, household):
    mine, _other = stores
    save_plan(mine, household, PLAN)
    editor = HouseholdEditor(mine, household)
    qtbot.addWidget(editor)
    editor.resize(1366, 768)
    with qtbot.waitExposed(editor):
        editor.show()
    editor.tabs.setCurrentIndex(RELOCATION_TAB)
    editor.relocation_tab.inner_tabs.setCurrentIndex(PLAN_TAB)
    return editor


def test_plan_saved_meanwhile_is_the_base_of_the_users_plan(qtbot, plan_tab, stores, household, retype):
    mine, other = stores
    tab = plan_tab.relocation_tab
    assert tab.calculator.unit_cost_edit.text() == "1200"
    save_plan(other, household, dataclasses.replace(PLAN, unit_cost=Decimal("1500")))
    retype(tab.calculator.own_funds_edit, "12000")
    qtbot.mouseClick(tab.save_plan_button, Qt.MouseButton.LeftButton)
    latest = housing_plans.saved_plans(mine, household)[0]
    assert (latest.plan.unit_cost, latest.plan.own_funds) == (Decimal("1500"), Decimal("12000"))
    assert tab.calculator.unit_cost_edit.text() == "1500" and tab.calculator.result() == housing_plans.reopen(latest)
    assert not plan_tab.has_unsaved_changes()


@pytest.mark.parametrize("keep", ["mine", "theirs"])
def test_plan_an_input_both_changed_is_shown_and_the_user_decides(qtbot, plan_tab, stores, household, retype, keep):
    mine, other = stores
    tab = plan_tab.relocation_tab
    save_plan(other, household, dataclasses.replace(PLAN, unit_cost=Decimal("1500")))
    retype(tab.calculator.unit_cost_edit, "1300")
    retype(tab.calculator.own_funds_edit, "12000")
    seen = answer_dialog(qtbot, keep)
    qtbot.mouseClick(tab.save_plan_button, Qt.MouseButton.LeftButton)
    seen[1].save(f"/tmp/collision_plan_{keep}.png")
    assert "1300" in seen[0][0] and "1500" in seen[0][1]
    latest = housing_plans.saved_plans(mine, household)[0]
    expected = Decimal("1300") if keep == "mine" else Decimal("1500")
    assert (latest.plan.unit_cost, latest.plan.own_funds) == (expected, Decimal("12000"))
    assert len(housing_plans.saved_plans(mine, household)) == 3
    assert "inputs+" in json.loads(last_entry(mine, latest.id).bases)


# --- agreements and the acceptance of the demolished house ------------------------------------------------


@pytest.fixture
def agreements_editor(qtbot, stores, household, monkeypatch):
    mine, _other = stores
    # the demolition agreement is drafted only from a plan that assumes it (SB-1, SB-2)
    save_plan(mine, household, PlanInput(people=4, unit_cost=Decimal(1100), layout=100, demolition_signed=True))
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: True)
    editor = HouseholdEditor(mine, household)
    qtbot.addWidget(editor)
    editor.resize(1366, 768)
    with qtbot.waitExposed(editor):
        editor.show()
    editor.tabs.setCurrentIndex(AGREEMENTS_TAB)
    tab = editor.agreements_tab
    qtbot.mouseClick(tab.draft_button, Qt.MouseButton.LeftButton)
    return editor


def select_demolition(tab, status=agreements.DRAFT):
    for row, item in enumerate(tab.model.items):
        if item.kind == agreements.DEMOLITION and item.status == status:
            tab.view.selectRow(row)
            return item
    raise AssertionError("no demolition agreement listed")


def sign_on_paper_as_a_user(qtbot, tab, scan, monkeypatch):
    from xinjie_desktop.qt.agreements import agreements_tab as module

    monkeypatch.setattr(module.QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(scan), "")))

    def run(dialog):
        dialog._choose()
        dialog.fingerprint_check.setChecked(True)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(module.PaperSignDialog, "exec", run)
    qtbot.mouseClick(tab.paper_button, Qt.MouseButton.LeftButton)


def test_AG_1_a_draft_changed_meanwhile_is_not_signed_unseen(qtbot, agreements_editor, stores, tmp_path, monkeypatch):
    mine, other = stores
    tab = agreements_editor.agreements_tab
    shown = select_demolition(tab)
    agreements.edit(other, shown.id, demolition_deadline=dt.date(2031, 1, 1), today=dt.date.today())
    scan = tmp_path / "scan.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n a scanned page")
    sign_on_paper_as_a_user(qtbot, tab, scan, monkeypatch)
    assert "changed in the store since you opened it" in tab.message.text()
    tab.resize(1366, 768)
    tab.grab().save("/tmp/agreements_changed_meanwhile.png")
    now = next(item for item in agreements.versions(mine, shown.household_id) if item.id == shown.id)
    assert now.status == agreements.DRAFT and now.demolition_deadline == dt.date(2031, 1, 1)
    assert tab.selected() == now  # the list shows it as the store holds it: the user previews again
    sign_on_paper_as_a_user(qtbot, tab, scan, monkeypatch)
    signed = next(item for item in agreements.versions(mine, shown.household_id) if item.id == shown.id)
    assert signed.status == agreements.SIGNED and signed.demolition_deadline == dt.date(2031, 1, 1)
    assert not agreements_editor.has_unsaved_changes()


@pytest.fixture
def accepted_editor(qtbot, agreements_editor, stores, household, tmp_path, monkeypatch):
    mine, _other = stores
    tab = agreements_editor.agreements_tab
    select_demolition(tab)
    scan = tmp_path / "scan.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n a scanned page")
    sign_on_paper_as_a_user(qtbot, tab, scan, monkeypatch)
    demolition.accept(mine, household, dt.date.today(), "王检查", None, False, "", "farmland")
    tab.refresh()
    assert tab.acceptance_box.isVisibleTo(tab) and not tab.old_certificate_check.isChecked()
    return agreements_editor


def test_AG_2_certificates_recorded_meanwhile_are_kept(qtbot, accepted_editor, stores, household):
    mine, other = stores
    tab = accepted_editor.agreements_tab
    demolition.record_certificates(other, household, True, "XJ-宅-2017-031")
    qtbot.mouseClick(tab.old_certificate_check, Qt.MouseButton.LeftButton, pos=QPoint(8, 8))
    qtbot.mouseClick(tab.accept_button, Qt.MouseButton.LeftButton)
    now = demolition.acceptance(mine, household)
    assert (now.old_certificate_returned, now.new_certificate_number) == (True, "XJ-宅-2017-031")
    assert tab.new_certificate_edit.text() == "XJ-宅-2017-031"
    assert not accepted_editor.has_unsaved_changes()


@pytest.mark.parametrize("keep", ["mine", "theirs"])
def test_AG_2_a_certificate_number_both_entered_is_shown_and_decided(qtbot, accepted_editor, stores, household, keep):
    mine, other = stores
    tab = accepted_editor.agreements_tab
    demolition.record_certificates(other, household, True, "XJ-theirs-031")
    qtbot.mouseClick(tab.old_certificate_check, Qt.MouseButton.LeftButton, pos=QPoint(8, 8))
    tab.new_certificate_edit.setFocus()
    qtbot.keyClicks(tab.new_certificate_edit, "XJ-mine-032")
    seen = answer_dialog(qtbot, keep)
    qtbot.mouseClick(tab.accept_button, Qt.MouseButton.LeftButton)
    seen[1].save(f"/tmp/collision_certificate_{keep}.png")
    assert "XJ-mine-032" in seen[0][0] and "XJ-theirs-031" in seen[0][1]
    assert (
        demolition.acceptance(mine, household).new_certificate_number == f"XJ-{keep}-0{31 if keep == 'theirs' else 32}"
    )


# --- public notices --------------------------------------------------------------------------------------


@pytest.fixture
def notices_dialog(qtbot, stores, household, monkeypatch):
    mine, _other = stores
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: True)
    with mine.session() as session:
        record = session.get(Household, household)
        village_id, group_id = record.village_id, record.group_id
    start = dt.date.today() - dt.timedelta(days=20)
    notice_id = public_notice.create_notice(
        mine,
        village_id,
        group_id,
        "identification",
        [household],
        "村委会公示栏",
        start,
        start + dt.timedelta(days=7),
        "村委会，电话 0875-1234567",
    )
    objection = public_notice.record_objection(
        mine, notice_id, household, start + dt.timedelta(days=2), "村民甲", "收入算少了"
    )
    dialog = VillageDocumentsDialog(mine, village_id)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 768)
    with qtbot.waitExposed(dialog):
        dialog.show()
    dialog.tabs.setCurrentIndex(NOTICES_TAB)
    page = dialog.notices_page
    page.notice_table.selectRow(0)
    page.objection_table.selectRow(0)
    page.reverify_date.set_value(start + dt.timedelta(days=5))
    return dialog, objection, start + dt.timedelta(days=5)


@pytest.mark.parametrize("keep", ["mine", "theirs"])
def test_PN_1_a_reverification_recorded_meanwhile_is_shown_and_decided(qtbot, notices_dialog, stores, type_text, keep):
    mine, other = stores
    dialog, objection, on = notices_dialog
    page = dialog.notices_page
    public_notice.reverify(other, objection, "theirs: income confirmed", on)
    page.reverify_edit.setFocus()
    type_text(page.reverify_edit, "mine: income too low")
    seen = answer_dialog(qtbot, keep)
    qtbot.mouseClick(page.reverify_button, Qt.MouseButton.LeftButton)
    seen[1].save(f"/tmp/collision_notice_{keep}.png")
    assert "mine: income too low" in seen[0][0] and "theirs: income confirmed" in seen[0][1]
    (shown,) = public_notice.get_notice(mine, public_notice.notice_of_objection(mine, objection)).objections
    assert shown.reverification == ("mine: income too low" if keep == "mine" else "theirs: income confirmed")
    assert page.objection_table.item(0, 5).text() == shown.reverification  # shown as stored
