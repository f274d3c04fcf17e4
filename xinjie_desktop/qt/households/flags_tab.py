"""The household editor's flags tab: the flags the core computed from the saved household."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from xinjie_desktop.core.rules import flags as flag_rules
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.households.editor_parts import note
from xinjie_desktop.qt.shell.widgets import read_only_table, table_cell


class FlagsTab(QWidget):
    """The rule, the flag and its explanation, one row a flag."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.flags_note = note("")
        self.flags_note.setObjectName("flags_note")
        layout.addWidget(self.flags_note)
        self.flags_table = read_only_table([_("Rule"), _("Flag"), _("Explanation")])
        self.flags_table.setObjectName("flags_table")
        layout.addWidget(self.flags_table, 1)

    def fill(self, flag_list: list[flag_rules.Flag] | None) -> None:
        if flag_list is None:
            self.flags_note.setText(_("Flags are computed when the household is saved."))
            self.flags_table.setRowCount(0)
            return
        self.flags_note.setText(
            _("As computed from the saved household; they change when you save it again.")
            if flag_list
            else _("No flags: nothing to check for this household.")
        )
        self.flags_table.setRowCount(len(flag_list))
        for row, flag in enumerate(flag_list):
            self.flags_table.setItem(row, 0, table_cell(flag.rule, flag.code))
            self.flags_table.setItem(row, 1, table_cell(flag.label))
            self.flags_table.setItem(row, 2, table_cell(flag.explanation))
        self.flags_table.resizeRowsToContents()

    def flag_codes(self) -> list[str]:
        return [
            self.flags_table.item(row, 0).data(Qt.ItemDataRole.UserRole) for row in range(self.flags_table.rowCount())
        ]
