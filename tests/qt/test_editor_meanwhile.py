"""A household open in the editor while another writer changes it in the store (issue 13, case 1): saving
writes what the user changed, keeps what the other wrote, and lets the user decide where both changed one
field. The other writer is a second window's store (a second ``open_store`` of the same file) or an import."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QRadioButton
from sqlalchemy import select

from builders import family_draft, person
from xinjie_desktop.core.records import households, township
from xinjie_desktop.core.store.models import ChangeLog
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.qt.households.household_editor import MEMBERS_TAB, HouseholdEditor
from xinjie_desktop.qt.shell.collision_dialog import CollisionDialog

pytestmark = pytest.mark.gui


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
    return households.save(mine, family_draft(group))


@pytest.fixture
def editor(qtbot, stores, household):
    editor = HouseholdEditor(stores[0], household)
    qtbot.addWidget(editor)
    editor.resize(1100, 750)
    with qtbot.waitActive(editor):
        editor.show()
        editor.activateWindow()
    return editor


def meanwhile(store, household_id, change) -> None:
    """The other writer: reads the household, changes it, saves the whole (as its own editor did)."""
    with store.session() as session:
        draft = households.to_draft(households.existing_household(session, household_id))
    change(draft)
    households.save(store, draft)


def stored(store, household_id):
    with store.session() as session:
        return households.to_draft(households.existing_household(session, household_id))


def type_into(qtbot, widget, text: str, replace: bool = False) -> None:
    """Click into the field (the cursor at the end, or all selected to type over) and type."""
    widget.setFocus()
    qtbot.keyClick(widget, *((Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier) if replace else (Qt.Key.Key_End,)))
    qtbot.keyClicks(widget, text)


def save(qtbot, editor) -> None:
    qtbot.keyClick(editor.phone_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def test_a_field_changed_meanwhile_is_kept_and_shown_after_saving_another(qtbot, editor, stores, household):
    mine, other = stores
    meanwhile(other, household, lambda d: setattr(d, "address", "imported address"))
    type_into(qtbot, editor.phone_edit, "13900000000")
    save(qtbot, editor)
    saved = stored(mine, household)
    assert (saved.address, saved.phone) == ("imported address", "13900000000")
    assert editor.address_edit.text() == "imported address" and not editor.has_unsaved_changes()


def test_members_and_income_changed_meanwhile_are_not_undone(qtbot, editor, stores, household):
    mine, other = stores

    def underneath(draft):
        draft.members[1].name = "李芳芳"
        del draft.members[3]
        draft.members.append(person("杨新", dt.date(2010, 1, 1), 21))
        draft.incomes[0].business = draft.incomes[0].business + 500

    meanwhile(other, household, underneath)
    type_into(qtbot, editor.phone_edit, "13900000000")
    save(qtbot, editor)
    saved = stored(mine, household)
    assert [m.name for m in saved.members] == ["杨明", "李芳芳", "杨华", "杨新"]
    assert saved.incomes[0].business == 500 and saved.phone == "13900000000"
    assert [m.name for m in editor.member_model.members] == ["杨明", "李芳芳", "杨华", "杨新"]


def answer_dialog(qtbot, keep: str):
    """Click the user's choice in the dialog when it comes up, then "Save with these choices"."""
    seen = []

    def act():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, CollisionDialog):
            QTimer.singleShot(20, act)
            return
        seen.append([button.text() for button in dialog.findChildren(QRadioButton)])
        for index in range(len(dialog.groups)):
            button = dialog.findChild(QRadioButton, f"keep_{keep}_{index}")
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, act)
    return seen


@pytest.mark.parametrize("keep", ["mine", "theirs"])
def test_a_field_both_changed_is_shown_and_the_user_decides(qtbot, editor, stores, household, keep):
    mine, other = stores
    meanwhile(other, household, lambda d: setattr(d, "address", "theirs"))
    type_into(qtbot, editor.address_edit, "mine", replace=True)
    type_into(qtbot, editor.phone_edit, "13900000000")
    seen = answer_dialog(qtbot, keep)
    save(qtbot, editor)
    texts = "\n".join(seen[0])
    assert "mine" in texts and "theirs" in texts and "changed by this computer" in texts
    saved = stored(mine, household)
    assert (saved.address, saved.phone) == (keep, "13900000000")
    assert editor.address_edit.text() == keep and not editor.has_unsaved_changes()
    with mine.session() as session:
        last = session.scalars(
            select(ChangeLog).where(ChangeLog.row_id == household).order_by(ChangeLog.seq.desc())
        ).first()
    assert "address+" in json.loads(last.bases)


def test_cancelling_the_decision_saves_nothing_and_keeps_the_form(qtbot, editor, stores, household, monkeypatch):
    mine, other = stores
    meanwhile(other, household, lambda d: setattr(d, "address", "theirs"))
    type_into(qtbot, editor.address_edit, "mine", replace=True)
    monkeypatch.setattr(CollisionDialog, "ask", staticmethod(lambda collisions, parent=None: None))
    save(qtbot, editor)
    assert stored(mine, household).address == "theirs"
    assert editor.address_edit.text() == "mine" and editor.has_unsaved_changes()


def test_a_member_added_in_the_editor_while_another_was_added_meanwhile(qtbot, editor, stores, household, type_text):
    mine, other = stores
    meanwhile(other, household, lambda d: d.members.append(person("杨新", dt.date(2010, 1, 1), 21)))
    editor.tabs.setCurrentIndex(MEMBERS_TAB)
    editor.m_name.setFocus()
    type_text(editor.m_name, "杨二")
    number = person("x", dt.date(2012, 2, 2), 22).id_number
    type_into(qtbot, editor.m_id, number)
    editor.m_relation.setFocus()  # chosen, not defaulted (issue 16)
    for _step in range(editor.m_relation.count()):
        if editor.m_relation.currentData() == "child":
            break
        qtbot.keyClick(editor.m_relation, Qt.Key.Key_Down)
    qtbot.keyClick(editor.m_relation, Qt.Key.Key_Return)
    qtbot.keyClick(editor.m_name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert [m.name for m in stored(mine, household).members] == ["杨明", "李芳", "杨华", "杨英", "杨新", "杨二"]
