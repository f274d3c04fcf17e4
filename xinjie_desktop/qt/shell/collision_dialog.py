"""Fields the user changed that were changed in the store too since the editor opened the record (an import,
a second window): each shown with what the user typed, what the store holds now and who wrote it when; the
user keeps one or the other of each, and the record is saved with those choices (or not at all). Every
editor shows it: the household's tabs, the relocation verification, housing plans, agreements, notices.

The rule (which fields changed, which collide) is the core's: ``core.records.edits``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.records import edits
from xinjie_desktop.core.records.form_saving import EditCollisions
from xinjie_desktop.core.rules import vocabulary
from xinjie_desktop.core.rules.money import format_yuan, from_fen
from xinjie_desktop.i18n import N_, _
from xinjie_desktop.qt.shell.field_labels import CHOICES, MONEY_FIELDS, field_label
from xinjie_desktop.qt.shell.widgets import EMPTY_MARK, scrolled

# What the user calls a record that holds a single form's fields (a member or an income year: by its label).
RECORD_NAMES = {
    "household": N_("Household"),
    "relocation_verification": N_("Relocation verification"),
    "housing_plan": N_("Housing plan"),
    "agreement": N_("Agreement"),
    "demolition_acceptance": N_("Acceptance of the demolished old house"),
    "public_notice": N_("Public notice"),
    "notice_objection": N_("Objection"),
}


def bold(label: QLabel) -> QLabel:
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


def value_text(table: str, field: str, value: object) -> str:
    """A value as a person reads it: a label for a code, yes or no, yuan for an amount."""
    if value is None or value == "":
        return EMPTY_MARK
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if (table, field) in MONEY_FIELDS and isinstance(value, int):
        return _("{amount} yuan").format(amount=format_yuan(from_fen(value)))
    choices = CHOICES.get((table, field))
    if choices and isinstance(value, str) and value in choices:
        return _(choices[value])
    if (table, field) == ("household", "secondary_causes") and isinstance(value, str):
        return _(", ").join(_(vocabulary.CAUSES.get(code, code)) for code in value.split(",") if code)
    return str(value)


def side_text(collision: edits.Collision, value: object) -> str:
    if collision.field != edits.EXISTS:
        return value_text(collision.table, collision.field, value)
    return _("removed") if value is None else _("kept, as shown")


def where_text(collision: edits.Collision) -> str:
    if collision.table == "member":
        record = _("Member {name}").format(name=collision.label or EMPTY_MARK)
    elif collision.table == "income_worksheet":
        record = _("Income {year}").format(year=collision.label)
    elif collision.table == "agreement" and collision.label:
        record = collision.label
    else:
        record = _(RECORD_NAMES.get(collision.table, RECORD_NAMES["household"]))
    if collision.field == edits.EXISTS:
        return record
    return _("{name}: {value}").format(name=record, value=field_label(collision.table, collision.field))


class CollisionDialog(QDialog):
    """One row a collision: where, yours, the store's (who, when), and the choice between them."""

    def __init__(self, collisions: list[edits.Collision], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Changed meanwhile"))
        self.setObjectName("collision_dialog")
        self._collisions = collisions
        layout = QVBoxLayout(self)
        explanation = QLabel(
            _(
                "While you were editing, the same fields were changed in the store (by an "
                "import, or in another window). For each, choose the value to keep; nothing is saved until "
                "you have chosen. The fields changed only there keep their new values."
            )
        )
        explanation.setWordWrap(True)  # the instruction, in the window's own colour: it must be read
        layout.addWidget(explanation)
        body = QWidget()
        grid = QGridLayout(body)
        for column, heading in enumerate((_("Field"), _("What you entered"), _("In the store now"))):
            grid.addWidget(bold(QLabel(heading)), 0, column)
        self.groups: list[QButtonGroup] = []
        for row, collision in enumerate(collisions, start=1):
            grid.addWidget(QLabel(where_text(collision)), row, 0)
            mine = QRadioButton(side_text(collision, collision.mine))
            mine.setObjectName(f"keep_mine_{row - 1}")
            theirs_text = side_text(collision, collision.theirs)
            if collision.changed_by or collision.changed_at:
                theirs_text += "\n" + _("changed by {who}, {when}").format(
                    who=collision.changed_by or EMPTY_MARK, when=collision.changed_at or EMPTY_MARK
                )
            theirs = QRadioButton(theirs_text)
            theirs.setObjectName(f"keep_theirs_{row - 1}")
            group = QButtonGroup(self)
            group.addButton(mine)
            group.addButton(theirs)
            group.buttonToggled.connect(lambda *_args: self._update())
            self.groups.append(group)
            grid.addWidget(mine, row, 1)
            grid.addWidget(theirs, row, 2)
        grid.setRowStretch(len(collisions) + 1, 1)  # the rows at the top, the room left below them
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        layout.addWidget(scrolled(body), 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton(_("Save with these choices"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("save_choices_button")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update()

    def _update(self) -> None:
        self.save_button.setEnabled(all(group.checkedButton() is not None for group in self.groups))

    def decisions(self) -> dict[edits.Key, edits.Decision]:
        """The choices made, each with the store's value it was made against."""
        chosen = {}
        for collision, group in zip(self._collisions, self.groups, strict=True):
            button = group.checkedButton()
            if button is None:
                continue
            choice = edits.MINE if button.objectName().startswith("keep_mine") else edits.THEIRS
            chosen[collision.key] = edits.Decision(choice, collision.theirs)
        return chosen

    @staticmethod
    def ask(collisions: list[edits.Collision], parent: QWidget | None = None) -> dict[edits.Key, edits.Decision] | None:
        """The user's decisions, or ``None`` if they cancelled (nothing is saved then)."""
        dialog = CollisionDialog(collisions, parent)
        dialog.resize(760, 200 + 60 * min(len(collisions), 8))
        return dialog.decisions() if dialog.exec() == QDialog.DialogCode.Accepted else None


T = TypeVar("T")


class NothingChosen(Exception):
    """The user closed the collision dialog without choosing: nothing was saved (the message says so)."""


def save_deciding(parent: QWidget, save: Callable[[dict[edits.Key, edits.Decision]], T]) -> T:
    """``save(decisions)`` until it goes through: each time the store changed a field the user changed too
    (``EditCollisions``), the user decides in the dialog and the save is tried again with every decision so
    far (issue 13, case 1).  ``NothingChosen`` when the user chooses nothing."""
    decisions: dict[edits.Key, edits.Decision] = {}
    while True:
        try:
            return save(decisions)
        except EditCollisions as collided:
            chosen = CollisionDialog.ask(collided.collisions, parent)
            if chosen is None:
                raise NothingChosen(_("Not saved: nothing was chosen for the fields changed meanwhile.")) from None
            decisions.update(chosen)
