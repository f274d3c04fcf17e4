"""ID-4 in the editor: the reconciliation's supporting files are added, copied out and removed."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from builders import family_draft
from xinjie_desktop.core.records import attachments, households
from xinjie_desktop.qt.households.household_editor import HouseholdEditor


def test_ID_4_supporting_file_added_saved_out_and_removed(qtbot, store, group_id, tmp_path, monkeypatch):
    household_id = households.save(store, family_draft(group_id, system_population=5))
    editor = HouseholdEditor(store, household_id)
    qtbot.addWidget(editor)
    panel = editor.attachment_panel
    scan = tmp_path / "分户证明.jpg"
    scan.write_bytes(b"\xff\xd8 certificate")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(scan), ""))
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    kept = attachments.listing(store, household_id)
    assert [(a.filename, a.purpose) for a in kept] == [("分户证明.jpg", "reconciliation")]
    assert panel.model.rowCount() == 1 and "分户证明.jpg" in panel.model.item(0).text()

    copy = tmp_path / "copy.jpg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(copy), ""))
    panel.view.setCurrentIndex(panel.model.index(0, 0))
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    assert copy.read_bytes() == scan.read_bytes()

    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert attachments.listing(store, household_id) == []
    assert panel.model.rowCount() == 0


def test_ID_4_unreadable_file_shows_a_message_and_keeps_nothing(qtbot, store, group_id, tmp_path, monkeypatch):
    household_id = households.save(store, family_draft(group_id))
    editor = HouseholdEditor(store, household_id)
    qtbot.addWidget(editor)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(tmp_path / "gone.pdf"), ""))
    qtbot.mouseClick(editor.attachment_panel.add_button, Qt.MouseButton.LeftButton)
    assert "cannot be read" in editor.attachment_panel.message.text()
    assert attachments.listing(store, household_id) == []


def test_new_household_cannot_take_files_until_saved(qtbot, store, group_id):
    editor = HouseholdEditor(store, None)
    qtbot.addWidget(editor)
    assert not editor.attachment_panel.add_button.isEnabled()
    assert "Save the household first" in editor.attachment_panel.message.text()
