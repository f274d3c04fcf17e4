"""Small widgets the forms share: inline messages, closed-list combos, optional dates and numbers.

Nothing here knows a business rule: the lists come from the core's dicts (code -> English
message id) and are shown through ``_()``.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QEvent, QRegularExpression, Qt
from PySide6.QtGui import QFont, QRegularExpressionValidator, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.i18n import _

ERROR_COLOUR = "#b3261e"
WARNING_COLOUR = "#8a5a00"
INFO_COLOUR = "#1b5e20"
EMPTY_MARK = "\u2014"  # an em dash stands for "nothing entered"


def size_text(size: int) -> str:
    """A file's size for the user: kilobytes below a megabyte, megabytes with one decimal above."""
    if size < 1024 * 1024:
        return _("{n} KB").format(n=max(1, round(size / 1024)))
    return _("{n} MB").format(n=f"{size / (1024 * 1024):.1f}")


def to_qdate(value: dt.date) -> QDate:
    return QDate(value.year, value.month, value.day)


def from_qdate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class MessageLabel(QLabel):
    """A line of text next to a field, red for an error and amber for a warning; hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.severity = ""
        self.hide()

    def show_message(self, text: str, severity: str = "error") -> None:
        if not text:
            self.clear_message()
            return
        colour = {"error": ERROR_COLOUR, "warning": WARNING_COLOUR}.get(severity, INFO_COLOUR)
        self.setStyleSheet(f"color: {colour};")
        self.setText(text)
        self.severity = severity
        self.show()

    def show_problems(self, problems) -> None:
        """Show core ``Problem``s (errors first); an error outranks a warning."""
        if not problems:
            self.clear_message()
            return
        ordered = sorted(problems, key=lambda p: p.severity != "error")
        self.show_message("\n".join(p.message for p in ordered), ordered[0].severity)

    def clear_message(self) -> None:
        self.setText("")
        self.severity = ""
        self.hide()


def with_message(field: QWidget, message: MessageLabel | None = None) -> tuple[QWidget, MessageLabel]:
    """``field`` with a message label under it, as one widget for a form layout."""
    message = message or MessageLabel()
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(field)
    layout.addWidget(message)
    box.setFocusProxy(field)
    return box, message


class ChoiceCombo(QComboBox):
    """A closed list: items show ``_(label)`` and carry the stored code.

    With ``empty_text`` the first item stands for "not recorded" (code ""); without it, an
    empty value shows the placeholder and has no item.
    """

    def __init__(
        self,
        choices: dict[str, str],
        empty_text: str | None = None,
        placeholder: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._has_empty = empty_text is not None
        if self._has_empty:
            self.addItem(empty_text, "")
        for code, label in choices.items():
            self.addItem(_(label), code)
        if placeholder:
            self.setPlaceholderText(placeholder)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(10)

    def code(self) -> str:
        data = self.currentData()
        return data if isinstance(data, str) else ""

    def set_code(self, code: str) -> None:
        index = self.findData(code)
        if index < 0 and code:
            # A code the list no longer has (older data): keep it visible rather than lose it.
            self.addItem(code, code)
            index = self.count() - 1
        self.setCurrentIndex(index if index >= 0 else (0 if self._has_empty else -1))


class GroupedChoiceCombo(ChoiceCombo):
    """A closed list in labelled groups; the group headings cannot be chosen."""

    def __init__(
        self, groups: list[tuple[str, dict[str, str]]], placeholder: str = "", parent: QWidget | None = None
    ) -> None:
        QComboBox.__init__(self, parent)
        self._has_empty = False
        model = QStandardItemModel(self)
        heading_font = QFont()
        heading_font.setBold(True)
        for heading, choices in groups:
            item = QStandardItem(heading)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            item.setFont(heading_font)
            model.appendRow(item)
            for code, label in choices.items():
                child = QStandardItem("    " + _(label))
                child.setData(code, Qt.ItemDataRole.UserRole)
                model.appendRow(child)
        self.setModel(model)
        if placeholder:
            self.setPlaceholderText(placeholder)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(16)


class OptionalDateEdit(QLineEdit):
    """A date typed as YYYY-MM-DD (or YYYYMMDD) that may be left empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(_("YYYY-MM-DD"))
        self.setMaxLength(10)
        self.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9]{0,4}-?[0-9]{0,2}-?[0-9]{0,2}"), self))

    def is_valid(self) -> bool:
        """Empty, or a real calendar date."""
        return not self.text().strip() or self._parse() is not None

    def _parse(self) -> dt.date | None:
        digits = self.text().strip().replace("-", "")
        if len(digits) != 8:
            return None
        try:
            return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        except ValueError:
            return None

    def date_or_none(self) -> dt.date | None:
        return self._parse()

    def set_date_or_none(self, value: dt.date | None) -> None:
        self.setText("" if value is None else value.isoformat())


class DateEdit(QDateEdit):
    """A date field for typing: a click selects the section under it, so that typed digits replace
    it (year, month and day move on by themselves); Tab leaves the field rather than walking
    through its sections.  No calendar popup: with one, a click on the text stepped the date down
    by one day (seen with PySide6 6.12 offscreen, driven by QTest), which would change dates
    silently."""

    def __init__(self, value: dt.date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setDate(to_qdate(value or dt.date.today()))
        self.lineEdit().installEventFilter(self)

    def value(self) -> dt.date:
        return from_qdate(self.date())

    def set_value(self, value: dt.date) -> None:
        self.setDate(to_qdate(value))

    def eventFilter(self, watched, event) -> bool:
        if (
            watched is self.lineEdit()
            and event.type() == QEvent.Type.MouseButtonRelease
            and not self.lineEdit().hasSelectedText()
        ):
            self.setSelectedSection(self.currentSection())
        return super().eventFilter(watched, event)

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)


class OptionalIntSpin(QSpinBox):
    """A whole number that may be left empty: one below the lowest value means "not given"."""

    def __init__(self, low: int, high: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._empty = low - 1
        self.setRange(self._empty, high)
        self.setSpecialValueText(EMPTY_MARK)
        self.setValue(self._empty)

    def value_or_none(self) -> int | None:
        value = self.value()
        return None if value == self._empty else value

    def set_value_or_none(self, value: int | None) -> None:
        self.setValue(self._empty if value is None else value)


def text_box(height: int = 64) -> QPlainTextEdit:
    """A few lines of free text; Tab moves on to the next field instead of typing a tab."""
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setFixedHeight(height)
    return box


def read_only_table(headers: list[str]) -> QTableWidget:
    """A small read-only table of whole rows, the last column taking the spare width."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(True)
    table.setTabKeyNavigation(False)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    for column in range(len(headers) - 1):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
    return table


def table_cell(text: str, data=None) -> QTableWidgetItem:
    """A table item showing ``text`` and carrying ``data`` (UserRole)."""
    item = QTableWidgetItem(text)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    return item


def scrolled(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area that resizes it to the width available."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    return area


def close_buttons(dialog: QDialog) -> QDialogButtonBox:
    """The button row of a window whose work is done by its own buttons: Close only, which Enter in a
    field does not press, closing ``dialog``."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
    buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
    buttons.rejected.connect(dialog.reject)
    return buttons
