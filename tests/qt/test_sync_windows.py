"""The sync windows driven like a user (issue 5, "The window"): Export to USB on a village laptop,
Import from USB at the township office with its preview and printed report, the conflicts screen,
possible duplicates and the sync board — on real stores passing real bundles (tests/sync_world.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import text

from builders import family_draft
from sync_world import World, agreement_numbered_on_two_computers, group_of, household_field, step_entered_twice
from sync_world import edit as set_field
from xinjie_desktop import __version__
from xinjie_desktop.core.records import demo_data, households
from xinjie_desktop.core.sync import conflicts, exporting
from xinjie_desktop.qt.shell.app import create_main_window
from xinjie_desktop.qt.sync.conflicts_view import ConflictsDialog
from xinjie_desktop.qt.sync.sync_board_view import SyncBoardDialog
from xinjie_desktop.qt.sync.sync_export_dialog import SyncExportDialog
from xinjie_desktop.qt.sync.sync_import_dialog import SyncImportDialog

pytestmark = pytest.mark.gui

WAIT_MS = 30_000
NEW_RECORDS = 20 + 78 + 20 + 69  # demo_data.add_households(…, 20, seed=1): households, members, incomes, steps


@pytest.fixture
def world(tmp_path):
    world = World(tmp_path)
    for path in world.stick.glob("*.xjb"):  # the bundles of the first contact are imported already
        path.unlink()
    yield world
    world.close()


@pytest.fixture
def opened_urls(monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    return opened


def window_over(qtbot, store):
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def open_from_menu(qtbot, window, action, kind):
    """Choose the Sync menu's ``action``; the dialog it opens (window-modal)."""
    assert action.isEnabled()
    action.trigger()
    (dialog,) = [found for found in window.findChildren(kind) if found.isVisible()]  # a closed one waits to be deleted
    qtbot.waitExposed(dialog)
    return dialog


def settle(qtbot, dialog) -> None:
    """Wait for the dialog's background job (preview, writing, importing) to end."""
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=WAIT_MS)


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def row_texts(table) -> list[list[str]]:
    return [
        [table.item(row, column).text() for column in range(table.columnCount())] for row in range(table.rowCount())
    ]


def export_with_dialog(qtbot, window, usb) -> SyncExportDialog:
    dialog = open_from_menu(qtbot, window, window.sync_export_action, SyncExportDialog)
    settle(qtbot, dialog)
    click(qtbot, dialog.drive.choose_button)
    assert dialog.drive.folder() == usb
    click(qtbot, dialog.export_button)
    settle(qtbot, dialog)
    return dialog


# --- export and import ------------------------------------------------------------------------------------


def test_export_on_a_laptop_then_import_at_the_township_with_preview_and_report(
    qtbot, prepared_app, world, usb, opened_urls, monkeypatch, tmp_path
):
    laptop = world.laptop(0)
    demo_data.add_households(laptop, 20, seed=1)

    # The village laptop: Sync → Export to USB.
    window = window_over(qtbot, laptop)
    dialog = open_from_menu(qtbot, window, window.sync_export_action, SyncExportDialog)
    settle(qtbot, dialog)
    assert "青山村笔记本" in dialog.intro.text()
    (going,) = row_texts(dialog.table)
    assert going[0] == "辛街乡 (township office)"
    assert "households 20" in going[1] and "household members 78" in going[1]
    assert going[3].endswith("KB")
    assert not dialog.export_button.isEnabled() or dialog.drive.folder() is not None  # no stick chosen: no writing
    click(qtbot, dialog.drive.choose_button)
    click(qtbot, dialog.export_button)
    settle(qtbot, dialog)
    assert dialog.done_box.isVisible()
    assert dialog.safe_label.text() == "You can safely remove the USB stick."
    written = sorted(usb.glob("*.xjb"))
    assert len(written) == 1 and dialog.files_list.count() == 1
    assert written[0].name in dialog.files_list.item(0).text()
    dialog.close()

    # The township office: Sync → Import from USB.
    town = window_over(qtbot, world.township)
    assert town.model.total() == 0
    dialog = open_from_menu(qtbot, town, town.sync_import_action, SyncImportDialog)
    click(qtbot, dialog.drive.choose_button)
    settle(qtbot, dialog)
    (preview,) = row_texts(dialog.table)
    assert preview[:3] == [written[0].name, "青山村笔记本", "will be imported"]
    assert preview[3:] == [str(NEW_RECORDS), "0", "0", "0", "0"]
    assert "households 20" in dialog.details.text()
    assert town.model.total() == 0  # the preview changed nothing
    click(qtbot, dialog.import_button)
    settle(qtbot, dialog)
    (report,) = row_texts(dialog.table)
    assert report[2] == "imported" and report[3] == str(NEW_RECORDS)
    assert dialog.table_box.title().startswith("3. Import report")
    assert not dialog.import_button.isEnabled()
    qtbot.waitUntil(lambda: town.model.total() == 20)  # the household list shows the imported households

    # Print report…: a PDF with the program's name, saved where chosen, then opened.
    target = tmp_path / "report.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    click(qtbot, dialog.print_button)
    assert opened_urls == [str(target)]
    pdf = PdfReader(target)
    assert pdf.metadata.creator == f"xinjie-desktop {__version__}"
    page = pdf.pages[0].extract_text()
    assert "Import report of sync bundles" in page and written[0].name[:20] in page.replace("\n", "")
    dialog.close()

    # Importing the same stick again: already imported, nothing to do.
    dialog = open_from_menu(qtbot, town, town.sync_import_action, SyncImportDialog)
    click(qtbot, dialog.drive.choose_button)
    settle(qtbot, dialog)
    (again,) = row_texts(dialog.table)
    assert again[2].startswith("already imported on")
    assert not dialog.import_button.isEnabled()
    assert "There is nothing to import." in dialog.summary.text()


def test_a_laptop_imports_its_own_bundle_and_leaves_the_others_and_a_damaged_file_is_refused(
    qtbot, prepared_app, world, usb
):
    qingshan, lushui = world.laptop(0), world.laptop(1)
    demo_data.add_households(lushui, 3, seed=2)
    world.sync(lushui)
    for result in exporting.export(world.township, usb):  # one bundle for each laptop
        assert result.path.exists()
    (usb / "broken.xjb").write_bytes(b"this is not a bundle")

    window = window_over(qtbot, qingshan)
    dialog = open_from_menu(qtbot, window, window.sync_import_action, SyncImportDialog)
    click(qtbot, dialog.drive.choose_button)
    settle(qtbot, dialog)
    rows = {row[0]: row for row in row_texts(dialog.table)}
    assert len(rows) == 3
    assert rows["broken.xjb"][2].startswith("refused: The file broken.xjb is not a bundle")
    statuses = sorted(row[2] for name, row in rows.items() if name != "broken.xjb")
    assert statuses == ["for another computer, left on the stick", "will be imported"]
    assert "1 would be refused" in dialog.summary.text()
    assert "1 written for other computers" in dialog.summary.text()
    click(qtbot, dialog.import_button)
    settle(qtbot, dialog)
    outcomes = sorted(row[2] for row in row_texts(dialog.table))
    assert outcomes == [
        "for another computer, left on the stick",
        "imported",
        "refused: The file broken.xjb is not a bundle of xinjie-desktop. Nothing was changed.",
    ]
    with qingshan.session() as session:  # the township's records of the laptop's villages only
        assert session.execute(text("SELECT count(*) FROM household")).scalar() == 0


def test_an_agreement_number_given_on_both_computers_is_refused_in_the_preview_naming_the_laptop(
    qtbot, prepared_app, world, usb
):
    """The household's next agreement drafted on the laptop and at the township, the same number on both
    (AG-1: a number never changes): the preview refuses that bundle, names the laptop and says why; the
    other laptop's bundle imports."""
    _household_id, number = agreement_numbered_on_two_computers(world)
    qingshan, lushui = world.laptop(0), world.laptop(1)
    demo_data.add_households(lushui, 2, seed=4)
    (refused,) = exporting.export(qingshan, usb)
    exporting.export(lushui, usb)
    window = window_over(qtbot, world.township)
    dialog = open_from_menu(qtbot, window, window.sync_import_action, SyncImportDialog)
    click(qtbot, dialog.drive.choose_button)
    settle(qtbot, dialog)
    rows = {row[0]: row for row in row_texts(dialog.table)}
    assert rows[refused.path.name][1] == "青山村笔记本"
    assert rows[refused.path.name][2].startswith("refused: The bundle")
    assert f"agreement number {number}" in rows[refused.path.name][2]
    click(qtbot, dialog.import_button)
    settle(qtbot, dialog)
    outcomes = {row[1]: row[2] for row in row_texts(dialog.table)}
    assert outcomes["绿水村笔记本"] == "imported" and outcomes["青山村笔记本"].startswith("refused")


def test_export_refused_in_words_when_the_computer_takes_no_part_in_sync(qtbot, prepared_app, store, usb):
    dialog = SyncExportDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, dialog)
    assert dialog.table.rowCount() == 0
    assert "does not take part in sync yet" in dialog.message.text()
    click(qtbot, dialog.drive.choose_button)
    assert not dialog.export_button.isEnabled()


# --- conflicts and duplicates -------------------------------------------------------------------------------


@pytest.fixture
def conflicted(world):
    """A household of 青山村 whose phone and address were changed both on the laptop and at the township."""
    laptop = world.laptop(0)
    demo_data.add_households(laptop, 2, seed=1)
    world.sync(laptop)
    with laptop.session() as session:
        household_id = session.execute(text("SELECT id FROM household ORDER BY list_key LIMIT 1")).scalar()
    set_field(laptop, household_id, phone="13900000001", address="青山村一组5号")
    set_field(world.township, household_id, phone="13900000002", address="青山村一组6号")
    world.import_into(world.township, world.export(laptop))
    return world, household_id


def test_a_conflict_is_resolved_on_the_conflicts_screen_by_keeping_one_value_or_entering_one(
    qtbot, prepared_app, conflicted, type_text
):
    """Property 4: both values are shown side by side with who changed them and when; the person decides."""
    world, household_id = conflicted
    town = world.township
    window = window_over(qtbot, town)
    dialog = open_from_menu(qtbot, window, window.conflicts_action, ConflictsDialog)
    assert dialog.tabs.tabText(0) == "Conflicts (2)"
    assert dialog.model.rowCount() == 2
    fields = {dialog.model.index(row, 2).data(): row for row in range(2)}
    assert set(fields) == {"Phone", "Address"}
    head = household_field(town, household_id, "head_name")
    assert dialog.model.index(0, 0).data() == head
    assert dialog.model.index(0, 1).data() == "households"
    assert dialog.model.index(0, 3).data() == "edited on two computers"

    # Phone: keep the laptop's value.
    dialog.view.selectRow(fields["Phone"])
    panel = dialog.panel
    shown = {card.who_label.text(): card.value_label.text() for card in panel.cards}
    assert shown == {"Changed on: this computer": "13900000002", "Changed on: 青山村笔记本": "13900000001"}
    assert all(card.when_label.text().startswith(f"When: {dt.date.today().year}-") for card in panel.cards)
    in_force, other = panel.cards  # the value in force first (the highest version, the same in every store)
    assert household_field(town, household_id, "phone") == in_force.value_label.text()
    click(qtbot, other.keep_button)
    assert household_field(town, household_id, "phone") == other.value_label.text()
    kept_phone = other.value_label.text()
    assert dialog.model.rowCount() == 1 and dialog.tabs.tabText(0) == "Conflicts (1)"

    # Address: neither is right; type the right one.
    assert dialog.model.index(0, 2).data() == "Address"
    assert panel.value_edit.isVisible()
    type_text(panel.value_edit, "青山村一组7号")
    click(qtbot, panel.save_button)
    assert household_field(town, household_id, "address") == "青山村一组7号"
    assert dialog.model.rowCount() == 0 and dialog.empty_label.isVisible()
    assert conflicts.listing(town) == []
    assert sorted(c.status for c in conflicts.listing(town, status=None)) == ["resolved", "resolved"]

    # The resolution travels: the laptop gets the decided values.
    world.import_into(world.laptop(0), world.export(town, to=world.laptop(0)))
    assert household_field(world.laptop(0), household_id, "phone") == kept_phone
    assert household_field(world.laptop(0), household_id, "address") == "青山村一组7号"


def test_a_step_entered_on_two_computers_is_listed_and_settled_by_keeping_a_value(qtbot, prepared_app, tmp_path):
    """The same step recorded on two laptops: the township's conflicts screen lists each field entered
    differently, both values with the computer that entered them; keeping one writes it to the step that
    stays."""
    world, household_id = step_entered_twice(tmp_path / "world")
    town = world.township
    window = window_over(qtbot, town)
    dialog = open_from_menu(qtbot, window, window.conflicts_action, ConflictsDialog)
    assert dialog.model.rowCount() == 2
    fields = {dialog.model.index(row, 2).data(): row for row in range(2)}
    assert set(fields) == {"Done by", "Notes"}
    assert {dialog.model.index(row, 3).data() for row in range(2)} == {"entered on two computers"}
    dialog.view.selectRow(fields["Done by"])
    shown = {card.who_label.text(): card.value_label.text() for card in dialog.panel.cards}
    assert shown == {"Changed on: 青山村笔记本": "李四", "Changed on: 绿水村笔记本": "王五"}
    in_force, other = dialog.panel.cards
    click(qtbot, other.keep_button)
    with town.session() as session:
        assert session.execute(
            text("SELECT done_by FROM workflow_step WHERE household_id = :h"), {"h": household_id}
        ).scalars().all() == [other.value_label.text()]
    assert dialog.model.rowCount() == 1


def test_possible_duplicates_are_listed_and_decided(qtbot, prepared_app, world):
    """The same ID number registered in households on two laptops: listed, never merged, decided by a person."""
    qingshan, lushui = world.laptop(0), world.laptop(1)
    households.save(qingshan, family_draft(group_of(qingshan, "青山村")))
    households.save(lushui, family_draft(group_of(lushui, "绿水村")))
    world.import_into(world.township, world.export(qingshan) + world.export(lushui))
    window = window_over(qtbot, world.township)
    dialog = open_from_menu(qtbot, window, window.conflicts_action, ConflictsDialog)
    assert dialog.tabs.tabText(1) == "Possible duplicates (4)"  # the family's four ID numbers
    dialog.tabs.setCurrentIndex(1)
    page = dialog.duplicates_page
    number = page.table.item(0, 0).text()
    assert sorted(page.table.item(0, 1).text().split("; ")) == ["杨明 (绿水村)", "杨明 (青山村)"]
    assert page.households.count() == 2
    click(qtbot, page.same_button)
    assert dialog.tabs.tabText(1) == "Possible duplicates (3)"
    click(qtbot, page.fixed_button)
    decided = {d["id_number"]: d["status"] for d in conflicts.duplicates(world.township, status=None)}
    assert decided[number] == "same_person_kept_apart"
    assert sorted(decided.values()).count("fixed") == 1
    assert dialog.tabs.tabText(1) == "Possible duplicates (2)"

    # "Open the household": the dialog closes and the household editor shows the selected household.
    page.households.setCurrentRow(1)
    household_id = page.households.currentItem().data(Qt.ItemDataRole.UserRole)
    click(qtbot, page.open_button)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: window.editor() is not None)
    assert window.editor().household_id == household_id


# --- the sync board -----------------------------------------------------------------------------------------


def test_the_sync_board_lists_every_laptop(qtbot, prepared_app, world):
    laptop = world.laptop(0)
    demo_data.add_households(laptop, 2, seed=1)
    exporting.export(laptop, world.stick)  # written, not imported yet: the township does not know it
    window = window_over(qtbot, world.township)
    dialog = open_from_menu(qtbot, window, window.sync_board_action, SyncBoardDialog)
    model = dialog.model
    names = [model.index(row, 0).data() for row in range(model.rowCount())]
    assert names == ["绿水村笔记本", "青山村笔记本"]
    row = names.index("青山村笔记本")
    assert model.index(row, 1).data() == "village laptop"
    assert model.index(row, 3).data() == "today"
    # Issue 16: when, in the cells; the bundle's file name (sender-to-recipient-date) in the tooltip.
    today = dt.date.today().isoformat()
    assert model.index(row, 4).data().startswith(today) and model.index(row, 5).data().startswith(today)
    assert f"青山村笔记本-to-辛街乡-{today}-" in model.index(row, 4).data(Qt.ItemDataRole.ToolTipRole)
    assert f"辛街乡-to-青山村笔记本-{today}-" in model.index(row, 5).data(Qt.ItemDataRole.ToolTipRole)
    # The township's records it has not confirmed: which laptop, since when; the change numbers in the tooltip.
    waiting = model.index(row, 7).data()
    assert waiting.startswith("青山村笔记本 has not yet confirmed ") and f"waiting since {today}" in waiting, waiting
    assert "changes 1–" in model.index(row, 7).data(Qt.ItemDataRole.ToolTipRole) and "changes 1–" not in waiting
    world.import_into(world.township, sorted(world.stick.glob("*.xjb")))  # its receipt arrives
    click(qtbot, dialog.refresh_button)
    assert model.index(row, 7).data() == "—"


def test_sync_board_shows_an_unnamed_peer_by_its_whole_id(qtbot):
    """Issue 13 case 14: two peers whose ids begin alike are two rows that read differently."""
    from xinjie_desktop.core.sync.board import PeerRow
    from xinjie_desktop.qt.sync.sync_board_view import SyncBoardModel

    ids = ["0badc0de-1111-4111-8111-111111111111", "0badc0de-2222-4222-8222-222222222222"]
    model = SyncBoardModel()
    model.set_rows([PeerRow(i, "", "laptop", None, None, "", "", "", "", "") for i in ids])
    assert [model.text(peer, "name") for peer in model.peers] == ids
