"""The "Agreements" tab and the village documents dialog, driven like a user (issue 4).

Signatures are drawn on the three pads with simulated mouse strokes; each test ends by looking at
what the store holds (AgreementSignature rows and their PNG blobs, the signed PDF, the scan, the
voided version and its successor, the acceptance, the notices).  Rules: AG-1 (the agreements,
signed once, voided into a new version, demolition deadline tracked), AG-2 (acceptance,
certificates), AG-3 (reclamation), PN-1 (notices, objections, second posting), SB-1 (reward due).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtGui import QDesktopServices, QImage
from PySide6.QtWidgets import QDialog
from sqlalchemy import select

from builders import family_draft, renumber
from xinjie_desktop.core.records import agreements, demolition, households, housing_plans, public_notice, township
from xinjie_desktop.core.records.agreements import AgreementError
from xinjie_desktop.core.rules.housing_plan import PlanInput, calculate
from xinjie_desktop.core.store.models import (
    Agreement,
    AgreementSignature,
    Blob,
    DemolitionAcceptance,
    Township,
)
from xinjie_desktop.qt.agreements.agreements_tab import AgreementsTab, PaperSignDialog
from xinjie_desktop.qt.households.household_editor import AGREEMENTS_TAB, HouseholdEditor
from xinjie_desktop.qt.notices.village_documents import VillageDocumentsDialog

pytestmark = pytest.mark.gui

WITHIN = PlanInput(people=4, unit_cost=Decimal(1100), layout=100, demolition_signed=True)  # reward counted (issue 14)
TODAY = dt.date.today()


def add_household(store, group_id: str, sequence: int = 0, plan: bool = True) -> str:
    draft = family_draft(group_id, national_number=f"53050200{sequence:02d}")
    if sequence:
        renumber(draft, 20 + sequence * 10)
    household_id = households.save(store, draft)
    if plan:
        housing_plans.save(store, household_id, WITHIN, calculate(WITHIN, housing_plans.current()))
    return household_id


@pytest.fixture
def village(store):
    township.set_up(store, "Test township", "Command centre", {"V1": ["G1", "G2"], "V2": ["G1"]})
    with store.unit_of_work() as session:
        session.query(Township).one().representative = "段志强"
    with store.session() as session:
        groups = township.groups(session)
    return next(g for g in groups if g.village_name == "V1" and g.name == "G1")


@pytest.fixture
def household_id(store, village):
    return add_household(store, village.id)


@pytest.fixture
def tab(qtbot, prepared_app, store, household_id, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    widget = AgreementsTab(store, household_id)
    widget.opened = opened
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    with qtbot.waitExposed(widget):
        widget.show()
    return widget


def select_kind(tab: AgreementsTab, kind: str, status: str = agreements.DRAFT) -> agreements.AgreementInfo:
    for row, item in enumerate(tab.model.items):
        if item.kind == kind and item.status == status:
            tab.view.selectRow(row)
            assert tab.selected() == item
            return item
    raise AssertionError(f"no {status} {kind} agreement listed")


def sign_all_three(qtbot, tab, draw_on_pad, names=("杨明", "段志强", "李四")):
    dialog = tab.make_sign_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for box, name in zip(dialog.boxes.values(), names, strict=True):
        box.name_edit.setText(name)
        draw_on_pad(box.pad)
    return dialog


def test_AG_1_tab_enabled_only_for_saved_households(qtbot, prepared_app, store, household_id):
    """AG-1: agreements belong to a saved household; a new one's tab is disabled."""
    new = HouseholdEditor(store, None)
    qtbot.addWidget(new)
    assert not new.tabs.isTabEnabled(AGREEMENTS_TAB)
    assert new.tabs.tabText(AGREEMENTS_TAB) == "Agreements"
    saved = HouseholdEditor(store, household_id)
    qtbot.addWidget(saved)
    assert saved.tabs.isTabEnabled(AGREEMENTS_TAB)
    assert saved.agreements_tab.household_id == household_id
    assert not saved.has_unsaved_changes()


def test_AG_1_draft_missing_lists_the_three_agreements(tab, store, household_id):
    """AG-1: the three agreements are drafted, with the demolition deadline from the date field."""
    deadline = TODAY + dt.timedelta(days=90)
    tab.deadline_edit.set_value(deadline)
    assert tab.draft_button.isEnabled()
    drafted = tab.draft_missing()
    assert len(drafted) == 3
    assert [item.kind for item in tab.model.items] == ["relocation", "demolition", "employment"]
    assert {tab.model.index(row, 3).data() for row in range(3)} == {"draft"}
    assert not tab.draft_button.isEnabled()
    demolition_row = next(i for i in tab.model.items if i.kind == "demolition")
    assert demolition_row.demolition_deadline == deadline
    assert tab.model.index(1, 1).data().startswith("XJ-")


def test_AG_1_core_refusal_is_shown_and_nothing_changes(qtbot, prepared_app, store, village):
    """AG-1: without a saved plan the relocation and demolition agreements cannot be drafted: said in words."""
    household = add_household(store, village.id, sequence=1, plan=False)
    widget = AgreementsTab(store, household)
    qtbot.addWidget(widget)
    widget.draft_missing()
    assert widget.message.isVisibleTo(widget)
    assert "housing plan" in widget.message.text()
    kinds = [i.kind for i in agreements.versions(store, household)]
    assert "relocation" not in kinds and "demolition" not in kinds


def test_AG_1_sign_on_screen_with_three_pads_stores_the_signatures(qtbot, tab, store, draw_on_pad):
    """AG-1: the household head, the representative and a witness sign on pads; the signatures and the
    signed PDF are stored, and the signed agreement can no longer be edited."""
    tab.draft_missing()
    item = select_kind(tab, "relocation")
    assert tab.sign_button.isEnabled()

    dialog = tab.make_sign_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.boxes["household_head"].name_edit.text() == "杨明"  # filled in from the household
    assert dialog.boxes["representative"].name_edit.text() == "段志强"  # and the township's settings
    assert not dialog.ok_button.isEnabled()
    draw_on_pad(dialog.boxes["household_head"].pad)
    draw_on_pad(dialog.boxes["representative"].pad)
    assert not dialog.ok_button.isEnabled()  # the witness has neither signed nor been named
    draw_on_pad(dialog.boxes["witness"].pad)
    assert not dialog.ok_button.isEnabled()
    dialog.boxes["witness"].name_edit.setText("李四")
    assert dialog.ok_button.isEnabled()
    dialog.boxes["witness"].clear_button.click()  # Clear: signs again
    assert dialog.boxes["witness"].pad.is_empty() and not dialog.ok_button.isEnabled()
    draw_on_pad(dialog.boxes["witness"].pad)
    assert dialog.ok_button.isEnabled()

    assert tab.apply_signatures(dialog)
    with store.session() as session:
        record = session.get(Agreement, item.id)
        assert record.status == "signed" and record.signing_method == "screen"
        assert record.signed_on == TODAY
        pdf = session.get(Blob, record.signed_pdf_sha256).data
        assert pdf.startswith(b"%PDF")
        rows = session.scalars(select(AgreementSignature).where(AgreementSignature.agreement_id == item.id)).all()
        assert {(r.role, r.signer_name) for r in rows} == {
            ("household_head", "杨明"),
            ("representative", "段志强"),
            ("witness", "李四"),
        }
        for row in rows:
            image = QImage.fromData(session.get(Blob, row.image_sha256).data)
            assert not image.isNull() and image.width() > 100
            dark = sum(
                1
                for x in range(0, image.width(), 2)
                for y in range(0, image.height(), 2)
                if image.pixelColor(x, y).lightness() < 100
            )
            assert dark > 20, row.role  # the strokes drawn with the mouse are in the picture
    signed = select_kind(tab, "relocation", "signed")
    assert tab.model.index(tab.model.items.index(signed), 4).data().startswith(TODAY.isoformat())
    assert not tab.sign_button.isEnabled() and not tab.paper_button.isEnabled()
    assert tab.void_button.isEnabled()
    with pytest.raises(AgreementError):
        agreements.edit(store, item.id, today=TODAY)

    # The preview of a signed agreement is the stored signed PDF.
    path = tab.preview()
    assert path.read_bytes() == pdf
    assert tab.opened and tab.opened[-1].toLocalFile() == str(path)


def test_AG_1_void_with_reason_creates_a_new_version_both_kept(qtbot, tab, store, draw_on_pad):
    """AG-1: a correction voids the signed agreement with a reason; the new version is listed, both kept."""
    tab.draft_missing()
    item = select_kind(tab, "employment")
    dialog = sign_all_three(qtbot, tab, draw_on_pad)
    assert tab.apply_signatures(dialog)
    select_kind(tab, "employment", "signed")
    assert tab.void_selected("   ") is None  # the reason is required
    assert "reason" in tab.message.text()
    assert agreements.versions(store, tab.household_id)[-1].status == "signed"

    new_id = tab.void_selected("户主姓名写错")
    assert new_id is not None
    versions = [i for i in tab.model.items if i.kind == "employment"]
    assert [(i.version, i.status) for i in versions] == [(1, "voided"), (2, "draft")]
    assert tab.selected().id == new_id
    assert "户主姓名写错" in tab.model.index(tab.model.items.index(versions[0]), 5).data()
    with store.session() as session:
        old = session.get(Agreement, item.id)
        assert old.status == "voided" and old.void_reason == "户主姓名写错" and old.signed_pdf_sha256
        assert session.get(Agreement, new_id).supersedes_id == item.id


def test_AG_1_void_dialog_requires_a_reason(qtbot, tab, monkeypatch):
    tab.draft_missing()
    select_kind(tab, "relocation")
    seen = {}

    def run(dialog):
        seen["ok_enabled_empty"] = dialog.ok_button.isEnabled()
        dialog.reason_edit.setPlainText("数字有误")
        seen["ok_enabled"] = dialog.ok_button.isEnabled()
        return QDialog.DialogCode.Accepted

    from xinjie_desktop.qt.agreements import agreements_tab as module

    monkeypatch.setattr(module.VoidDialog, "exec", run)
    tab.void()
    assert seen == {"ok_enabled_empty": False, "ok_enabled": True}
    assert [(i.version, i.status) for i in tab.model.items if i.kind == "relocation"] == [(1, "voided"), (2, "draft")]


def test_AG_1_signed_on_paper_stores_the_scan_and_fingerprint(qtbot, tab, store, tmp_path, monkeypatch):
    """AG-1: signed on paper: the scan is kept and the fingerprint noted; the agreement is signed."""
    tab.draft_missing()
    item = select_kind(tab, "demolition")
    scan = tmp_path / "scan.jpg"
    scan.write_bytes(b"\xff\xd8\xff\xe0 a scanned page " * 50)
    from xinjie_desktop.qt.agreements import agreements_tab as module

    monkeypatch.setattr(module.QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(scan), "")))

    def run(dialog: PaperSignDialog):
        assert not dialog.ok_button.isEnabled()
        dialog._choose()  # the file dialog (patched) gives the scan
        dialog.fingerprint_check.setChecked(True)
        assert dialog.ok_button.isEnabled()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(PaperSignDialog, "exec", run)
    tab.sign_on_paper()
    with store.session() as session:
        record = session.get(Agreement, item.id)
        assert record.status == "signed" and record.signing_method == "paper" and record.fingerprint
        assert session.get(Blob, record.scan_sha256).data == scan.read_bytes()
    signed = select_kind(tab, "demolition", "signed")
    assert "on paper" in tab.model.index(tab.model.items.index(signed), 4).data()
    assert "fingerprint" in tab.model.index(tab.model.items.index(signed), 5).data()

    # Signed again: refused by the core, said in words, nothing changed.
    assert not tab.mark_signed_on_paper(scan, False, TODAY)
    assert "can no longer be edited" in tab.message.text()
    assert agreements.versions(store, tab.household_id)[1].fingerprint


def test_AG_2_AG_3_SB_1_acceptance_of_the_demolished_house(qtbot, tab, store, tmp_path):
    """AG-2/AG-3: once the demolition agreement is signed, the acceptance (date, inspector, photo,
    certificates, reclamation) is recorded and the reward of SB-1 becomes due."""
    tab.draft_missing()
    assert not tab.acceptance_box.isVisibleTo(tab)  # nothing to accept before the agreement is signed
    select_kind(tab, "demolition")
    scan = tmp_path / "scan.png"
    scan.write_bytes(b"\x89PNG fake scan")
    assert tab.mark_signed_on_paper(scan, True, TODAY)
    assert tab.acceptance_box.isVisibleTo(tab)
    assert "not been accepted" in tab.reward_label.text()

    photo = tmp_path / "site.jpg"
    photo.write_bytes(b"\xff\xd8 photo of the cleared site")
    tab.photo_edit.setText(str(photo))
    tab.new_certificate_edit.setText("XJ-宅-2017-031")
    tab.reclamation_combo.set_code("farmland")
    assert not tab.record_acceptance()  # no inspector, and a new certificate before the old is back
    assert tab.acceptance_message.isVisibleTo(tab)
    with store.session() as session:
        assert session.scalar(select(DemolitionAcceptance)) is None
    tab.inspector_edit.setText("王检查")
    tab.old_certificate_check.setChecked(True)
    assert tab.record_acceptance()
    with store.session() as session:
        record = session.scalar(select(DemolitionAcceptance))
        assert (
            record.inspector,
            record.reclamation,
            record.old_certificate_returned,
            record.new_certificate_number,
        ) == ("王检查", "farmland", True, "XJ-宅-2017-031")
        assert session.get(Blob, record.photo_sha256).data == photo.read_bytes()
    assert demolition.reward_due(store, tab.household_id).due
    assert "Reward due" in tab.reward_label.text()
    assert not tab.inspector_edit.isEnabled()  # accepted once


def test_SB_1_the_day_the_old_house_was_demolished_decides_the_reward(
    qtbot, prepared_app, store, household_id, tmp_path
):
    """SB-1: demolished by the deadline, accepted after it: the day of demolition is recorded beside the
    acceptance and the reward is due (the acceptance may follow later)."""
    drafted_on, deadline = TODAY - dt.timedelta(days=40), TODAY - dt.timedelta(days=10)
    agreement_id = agreements.draft(store, household_id, "demolition", demolition_deadline=deadline, today=drafted_on)
    scan = tmp_path / "scan.png"
    scan.write_bytes(b"\x89PNG fake scan")
    agreements.sign_on_paper(store, agreement_id, scan, True, drafted_on)
    tab = AgreementsTab(store, household_id)
    qtbot.addWidget(tab)
    tab.accepted_on_edit.set_value(deadline + dt.timedelta(days=5))
    assert tab.demolished_on_edit.value() == deadline + dt.timedelta(days=5)  # follows until changed
    tab.demolished_on_edit.set_value(deadline)
    tab.accepted_on_edit.set_value(deadline + dt.timedelta(days=6))
    assert tab.demolished_on_edit.value() == deadline  # changed by hand: kept
    tab.inspector_edit.setText("王检查")
    tab.reclamation_combo.set_code("farmland")
    assert tab.record_acceptance(), tab.acceptance_message.text()
    assert demolition.acceptance(store, household_id).demolished_on == deadline
    assert "Reward due" in tab.reward_label.text()


# ---------------------------------------------------------------------------------------------
# Village documents


@pytest.fixture
def village_with_agreements(store, village):
    ids = []
    for sequence in range(3):
        household = add_household(store, village.id, sequence=sequence + 1)
        agreements.draft_missing(store, household, demolition_deadline=TODAY + dt.timedelta(days=60), today=TODAY)
        ids.append(household)
    return ids


@pytest.fixture
def documents(qtbot, prepared_app, store, village, monkeypatch):
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: True)
    dialog = VillageDocumentsDialog(store, village.village_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def wait_for_batch(qtbot, page) -> str:
    with qtbot.waitSignal(page.finished, timeout=60_000) as blocker:
        pass
    return blocker.args[0]


def test_AG_1_batch_render_in_the_background_shows_progress_and_completes(
    qtbot, documents, village_with_agreements, tmp_path
):
    """AG-1: all agreements of the village as one PDF, rendered by the worker with a progress bar."""
    page = documents.batch_page
    out = tmp_path / "out"
    out.mkdir()
    target = out / "v1-agreements.pdf"
    page.path_edit.setText(str(target))
    reports = []
    with qtbot.waitSignal(page.finished, timeout=60_000) as blocker:
        assert page.start()
        page.worker.progressed.connect(lambda done, total: reports.append((done, total)))
        assert page.is_running()
        assert not page.render_button.isEnabled() and page.cancel_button.isEnabled()
    assert blocker.args == ["succeeded"]
    assert target.exists() and target.read_bytes().startswith(b"%PDF")
    assert page.progress.maximum() == 9 and page.progress.value() == 9  # 3 households × 3 agreements
    assert reports and reports[-1] == (9, 9)
    assert page.render_button.isEnabled() and not page.cancel_button.isEnabled() and page.open_button.isEnabled()
    assert [p.name for p in out.iterdir()] == [target.name]  # no partial file left beside it
    from pypdf import PdfReader

    assert len(PdfReader(str(target)).pages) >= 9


def test_AG_1_batch_render_can_be_cancelled_and_leaves_no_file(qtbot, documents, village_with_agreements, tmp_path):
    """AG-1: Cancel stops the batch; no file (not even a partial one) is left."""
    page = documents.batch_page
    out = tmp_path / "out"
    out.mkdir()
    target = out / "cancelled.pdf"
    page.path_edit.setText(str(target))
    with qtbot.waitSignal(page.finished, timeout=60_000) as blocker:
        assert page.start()
        page.cancel()
    assert blocker.args == ["cancelled"]
    assert not target.exists()
    assert list(out.iterdir()) == []
    assert "Cancelled" in page.message.text()
    assert page.render_button.isEnabled()


def test_AG_1_batch_with_nothing_to_render_says_so(qtbot, documents, tmp_path):
    page = documents.batch_page
    out = tmp_path / "out"
    out.mkdir()
    page.path_edit.setText(str(out / "empty.pdf"))
    with qtbot.waitSignal(page.finished, timeout=60_000):
        assert page.start()
    assert "no agreements" in page.message.text()
    assert list(out.iterdir()) == []


def test_PN_1_notice_objection_reverification_second_posting_and_sheets(
    qtbot, documents, store, village, village_with_agreements, tmp_path
):
    """PN-1: a notice for the group (at least 7 days), an objection while posted, its re-verification,
    the second posting after the audit; then all sheets of the village as one PDF."""
    notices = documents.notices_page
    notices.group_combo.setCurrentIndex(notices.group_combo.findData(village.id))
    assert notices.household_list.count() == 3
    notices.subject_combo.set_code("identification")
    notices.place_edit.setText("村委会公示栏")
    notices.contact_edit.setText("村委会，电话 0875-1234567")
    start = TODAY - dt.timedelta(days=20)
    notices.start_edit.set_value(start)
    notices.end_edit.set_value(start + dt.timedelta(days=6))
    assert notices.create_notice() is None  # 6 days: refused, in words
    assert "7" in notices.create_message.text()
    assert public_notice.list_notices(store, village.village_id) == []
    notices.end_edit.set_value(start + dt.timedelta(days=7))
    notice_id = notices.create_notice()
    assert notice_id is not None
    assert notices.selected_notice_id() == notice_id

    notices.objection_household.setCurrentIndex(1)
    notices.objection_date.set_value(start + dt.timedelta(days=2))
    notices.objection_by.setText("村民甲")
    notices.objection_content.setText("收入算少了")
    assert notices.record_objection() is not None
    assert notices.objection_table.rowCount() == 1
    assert notices.second_posting() is None  # the objection is not re-verified yet
    assert "not re-verified" in notices.act_message.text()
    notices.objection_table.selectRow(0)
    notices.reverify_date.set_value(start + dt.timedelta(days=5))
    notices.reverify_edit.setText("入户复核，收入属实")
    assert notices.reverify()
    notices.notice_table.selectRow(0)
    notices.audit_date.set_value(start + dt.timedelta(days=8))
    notices.second_start.set_value(start + dt.timedelta(days=8))
    notices.second_end.set_value(start + dt.timedelta(days=15))
    second = notices.second_posting()
    assert second is not None
    views = public_notice.list_notices(store, village.village_id)
    assert [v.posting_round for v in views] == [1, 2]
    assert views[0].objections[0].resolved_on == start + dt.timedelta(days=5)
    assert notices.notice_table.rowCount() == 2

    page = documents.batch_page
    page.notices_radio.setChecked(True)
    target = tmp_path / "sheets.pdf"
    page.path_edit.setText(str(target))
    with qtbot.waitSignal(page.finished, timeout=60_000) as blocker:
        assert page.start()
    assert blocker.args == ["succeeded"]
    assert target.read_bytes().startswith(b"%PDF")
    assert page.progress.maximum() == 2


def test_AG_1_overdue_demolitions_are_listed(qtbot, prepared_app, store, village, tmp_path):
    """AG-1: a signed demolition agreement past its deadline without an acceptance is listed."""
    household = add_household(store, village.id, sequence=4)
    agreement_id = agreements.draft(
        store,
        household,
        "demolition",
        demolition_deadline=TODAY - dt.timedelta(days=10),
        today=TODAY - dt.timedelta(days=40),
    )
    scan = tmp_path / "scan.jpg"
    scan.write_bytes(b"\xff\xd8 signed on paper")
    agreements.sign_on_paper(store, agreement_id, scan, True, TODAY - dt.timedelta(days=40))
    dialog = VillageDocumentsDialog(store, village.village_id)
    qtbot.addWidget(dialog)
    table = dialog.overdue_page.table
    assert table.rowCount() == 1
    assert table.item(0, 0).text() == "杨明"
    assert table.item(0, 5).text() == "10"
    assert "1 old houses" in dialog.overdue_page.note.text()


def test_village_documents_from_the_file_menu(qtbot, window):
    """The File menu opens the village documents dialog for the village chosen in the filter bar."""
    assert window.village_documents_action.isEnabled()
    dialog = window.open_village_documents()
    qtbot.waitExposed(dialog)
    assert dialog.village_combo.count() == 3
    dialog.close()


def test_AG_1_office_copy_button_prints_the_marked_copy_with_the_rules(qtbot, tab):
    """The agreement printed for the household has no rule code; the office's copy, one click away, is
    marked and names the rules (SB-1, HS-3 …) and the verification command, with the same amounts."""
    import re
    import subprocess
    from pathlib import Path

    from PySide6.QtCore import Qt

    tab.draft_missing()
    select_kind(tab, "relocation")
    qtbot.mouseClick(tab.office_button, Qt.MouseButton.LeftButton)
    office_path = Path(tab.opened[-1].toLocalFile())
    home_path = tab.preview()
    # Issue 16: both in the village's documents folder, named by head, kind, date and number.
    assert office_path.parent == home_path.parent and office_path.parent.name == "V1"
    assert "office's copy" in office_path.name and "office's copy" not in home_path.name

    def text(path) -> str:
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout

    office, home = text(office_path), text(home_path)
    codes = re.compile(r"\b(?:SB|HS|AG)-\d")
    assert codes.search(office) and "OFFICE COPY" in office and "xinjie-desktop agreements verify" in office
    assert not codes.search(home) and "OFFICE COPY" not in home
    amounts = re.compile(r"\d{1,3}(?:,\d{3})*\.\d{2}")
    assert amounts.findall(office) == amounts.findall(home)
    tab.view.clearSelection()
    assert not tab.office_button.isEnabled()
