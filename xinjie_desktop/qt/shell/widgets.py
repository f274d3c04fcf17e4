"""Small widgets the forms share: inline messages, closed-list combos, optional dates and numbers.

Nothing here knows a business rule: the lists come from the core's dicts (code -> English
message id) and are shown through ``_()``.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QAbstractItemModel, QDate, QLocale, QPoint, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QIcon,
    QPainter,
    QPixmap,
    QStandardItem,
    QStandardItemModel,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCalendarWidget,
    QComboBox,
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
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop import i18n
from xinjie_desktop.core.rules.dates import DateError, date_problem, read_date, show_date
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


class PathLabel(QLabel):
    """A file or folder path on one line of its own: elided in the middle when it does not fit (where it starts
    and the folder it ends in stay in view), the whole path in its tooltip and ``path()``.  A label that wraps
    breaks a path after any "/", which reads as two paths (the new-user trial's backups dialog)."""

    def __init__(self, path: str = "", parent: QWidget | None = None, *, objectName: str = "") -> None:
        super().__init__(parent)
        if objectName:
            self.setObjectName(objectName)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._path = ""
        self.set_path(path)

    def path(self) -> str:
        return self._path

    def set_path(self, path) -> None:
        self._path = str(path)
        self.setToolTip(self._path)
        self._elide()

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance(self._path) + 4, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("x" * 12), super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.contentsRect().width(), 1)
        self.setText(self.fontMetrics().elidedText(self._path, Qt.TextElideMode.ElideMiddle, width))


class MessageLabel(QLabel):
    """A line of text next to a field, red for an error and amber for a warning; hidden when empty.

    ``reserve``: the label keeps the height of that many lines whether it shows a message or not, so
    the fields around it never move as problems come and go; a message wraps onto the reserved lines
    (a saved file's path in a dialog of 560 px is read whole on two), and one longer still is cut with "…"
    on the last of them and shown whole as the label's tooltip."""

    def __init__(self, parent: QWidget | None = None, reserve: int = 0) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.severity = ""
        self._whole = ""
        self._reserve = reserve
        self._colour = ERROR_COLOUR
        if reserve:
            self.setWordWrap(False)
            policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            policy.setRetainSizeWhenHidden(True)
            self.setSizePolicy(policy)
            self.setFixedHeight(reserve * self.fontMetrics().lineSpacing() + 2)
        self.hide()

    def sizeHint(self) -> QSize:
        if self._reserve:
            return QSize(40, self.height())
        return super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        if self._reserve:
            return QSize(40, self.height())
        return super().minimumSizeHint()

    def show_message(self, text: str, severity: str = "error", whole: str = "") -> None:
        """``whole``: a longer text of which ``text`` is a part (the tooltip shows it)."""
        if not text:
            self.clear_message()
            return
        self._whole = whole
        colour = {"error": ERROR_COLOUR, "warning": WARNING_COLOUR}.get(severity, INFO_COLOUR)
        self._colour = colour
        self.setStyleSheet(f"color: {colour};")
        self.setText(text)
        self.severity = severity
        if self._reserve:
            self._set_cut_tooltip()
        self.show()

    def _wrapped_lines(self, width: int) -> list[str]:
        """The message's lines as drawn at ``width``: each of its lines wrapped (between words, or anywhere
        in Chinese)."""
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        lines: list[str] = []
        for paragraph in self.text().split("\n"):
            layout = QTextLayout(paragraph, self.font())
            layout.setTextOption(option)
            layout.beginLayout()
            while (line := layout.createLine()).isValid():
                line.setLineWidth(width)
                lines.append(paragraph[line.textStart() : line.textStart() + line.textLength()].rstrip())
            layout.endLayout()
        return lines

    def _shown_lines(self) -> list[str]:
        """The lines drawn in the reserved height: the message wrapped to the width; when it needs more lines
        than are reserved, the last one holds the rest, cut with "…"."""
        width = max(self.width(), 10)
        lines = self._wrapped_lines(width)
        if len(lines) <= self._reserve:
            return lines
        shown = lines[: self._reserve]
        rest = "".join(lines[self._reserve - 1 :])
        shown[-1] = self.fontMetrics().elidedText(rest + " …", Qt.TextElideMode.ElideRight, width)
        return shown

    def is_cut(self) -> bool:
        """Part of the message is not drawn in the reserved lines (it is then the label's tooltip)."""
        return bool(self._reserve) and len(self._wrapped_lines(max(self.width(), 10))) > self._reserve

    def _set_cut_tooltip(self) -> None:
        self.setToolTip(self._whole or (self.text() if self.is_cut() else ""))

    def paintEvent(self, event) -> None:
        if not self._reserve:
            super().paintEvent(event)
            return
        painter = QPainter(self)
        painter.setPen(QColor(self._colour))
        metrics = self.fontMetrics()
        for number, line in enumerate(self._shown_lines()):
            painter.drawText(0, 1 + number * metrics.lineSpacing() + metrics.ascent(), line)
        painter.end()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._reserve and self.text():
            self._set_cut_tooltip()

    def show_problems(self, problems) -> None:
        """Show core ``Problem``s (errors first); an error outranks a warning."""
        if not problems:
            self.clear_message()
            return
        ordered = sorted(problems, key=lambda p: p.severity != "error")
        self.show_message("\n".join(p.message for p in ordered), ordered[0].severity)

    def clear_message(self) -> None:
        self._whole = ""
        self.setText("")
        self.setToolTip("")
        self.severity = ""
        self.hide()


def with_message(field: QWidget, message: MessageLabel | None = None) -> tuple[QWidget, MessageLabel]:
    """``field`` with a message label under it, as one widget for a form layout; the label's line is kept
    free when there is no message, so the fields below do not move when one appears."""
    message = message or MessageLabel(reserve=1)
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(1)
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


class DateField(QLineEdit):
    """The one date field of the window: a line where a date is typed as written (2017-03-05, 2017/3/5,
    20170305, 2017年3月5日, full-width digits: ``core.rules.dates`` reads them), with a calendar to pick
    from (the button at its end, F4 or Alt+Down), shown as YYYY-MM-DD once the field is left.

    ``optional``: empty means "no date"; otherwise a date is required.  Text that is no date stays as
    typed, drawn in red, and ``problem_changed`` says why (connected to a message next to the field)."""

    date_changed = Signal(object)  # the date, whenever the text names a date other than before
    problem_changed = Signal(str)  # why the text is no date; "" once it is one

    def __init__(self, value: dt.date | None = None, optional: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._optional = optional
        self._last: dt.date | None = None
        self._shown_problem = ""
        self.calendar_popup: QCalendarWidget | None = None
        self.setPlaceholderText(_("YYYY-MM-DD"))
        self.setMaxLength(24)
        self.calendar_action = self.addAction(_calendar_icon(), QLineEdit.ActionPosition.TrailingPosition)
        self.calendar_action.setToolTip(_("Pick the date from a calendar (F4)"))
        self.calendar_action.triggered.connect(self.open_calendar)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("2017-03-05") + 48)
        self.textChanged.connect(self._typed)
        self.editingFinished.connect(self.normalise)
        self.set_date_or_none(value)

    # --- reading and writing -------------------------------------------------------
    def problem(self) -> str:
        """Why the text is no date, or "" (an empty optional field is no problem)."""
        return date_problem(self.text(), self._optional)

    def is_valid(self) -> bool:
        return not self.problem()

    def date_or_none(self) -> dt.date | None:
        try:
            return read_date(self.text(), optional=True)
        except DateError:
            return None

    def value(self) -> dt.date:
        """The date typed; DateError (its message says why) when there is none."""
        value = read_date(self.text())
        assert value is not None
        return value

    def set_value(self, value: dt.date) -> None:
        self.set_date_or_none(value)

    def set_date_or_none(self, value: dt.date | None) -> None:
        self.setText(show_date(value))
        self._show_problem("")

    # --- typing, leaving, picking ----------------------------------------------------
    def _typed(self, _text: str) -> None:
        value = self.date_or_none()
        if self._shown_problem and (value is not None or not self.text().strip()):
            self._show_problem("")
        if value is not None and value != self._last:
            self._last = value
            self.date_changed.emit(value)

    def normalise(self) -> None:
        """On leaving the field: a date is shown as YYYY-MM-DD; anything else says why."""
        value = self.date_or_none()
        if value is not None and self.text() != show_date(value):
            self.setText(show_date(value))
        self._show_problem("" if value is not None or not self.text().strip() else self.problem())

    def _show_problem(self, problem: str) -> None:
        self.setStyleSheet(f"color: {ERROR_COLOUR};" if problem else "")
        self.setToolTip(problem)
        if problem != self._shown_problem:
            self._shown_problem = problem
            self.problem_changed.emit(problem)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_F4 or (
            event.key() == Qt.Key.Key_Down and event.modifiers() & Qt.KeyboardModifier.AltModifier
        ):
            self.open_calendar()
            return
        super().keyPressEvent(event)

    def open_calendar(self) -> None:
        """A month's calendar under the field, on the date typed (today when none); a click picks."""
        if self.calendar_popup is None:
            popup = QCalendarWidget(self)
            popup.setWindowFlags(Qt.WindowType.Popup)
            popup.setGridVisible(True)
            popup.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
            popup.setObjectName("date_calendar")
            popup.clicked.connect(self._picked)
            popup.activated.connect(self._picked)
            self.calendar_popup = popup
        popup = self.calendar_popup
        chinese = i18n.language().startswith("zh")
        popup.setLocale(QLocale(QLocale.Language.Chinese, QLocale.Country.China) if chinese else QLocale())
        popup.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        popup.setSelectedDate(to_qdate(self.date_or_none() or dt.date.today()))
        popup.adjustSize()
        place = self.mapToGlobal(self.rect().bottomLeft())
        screen = self.screen().availableGeometry()
        if place.y() + popup.height() > screen.bottom():  # no room below: above the field
            place = self.mapToGlobal(self.rect().topLeft()) - QPoint(0, popup.height())
        place.setX(max(screen.left(), min(place.x(), screen.right() - popup.width())))
        popup.move(place)
        popup.show()
        popup.setFocus()

    def _picked(self, date: QDate) -> None:
        if self.calendar_popup is not None:
            self.calendar_popup.hide()
        self.setText(show_date(from_qdate(date)))
        self.normalise()
        self.setFocus()


def _calendar_icon() -> QIcon:
    """A small calendar page: a dark band on top and a grid of days."""
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setPen(QColor("#444444"))
    painter.setBrush(QColor("#ffffff"))
    painter.drawRect(1, 2, 13, 12)
    painter.fillRect(1, 2, 14, 4, QColor("#b3261e"))
    for x in (4, 7, 10):
        for y in (8, 11):
            painter.fillRect(x, y, 2, 2, QColor("#444444"))
    painter.end()
    return QIcon(pixmap)


def unreadable_date(*fields: DateField) -> str:
    """The first of ``fields``' reasons why their text is no date, or "" when every one is readable."""
    for field in fields:
        if problem := field.problem():
            field.normalise()
            return problem
    return ""


def date_with_message(field: DateField) -> tuple[QWidget, MessageLabel]:
    """``field`` with the message under it that says why its text is no date."""
    box, message = with_message(field)
    field.problem_changed.connect(message.show_message)
    return box, message


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


def read_only_view(model: QAbstractItemModel, name: str) -> QTableView:
    """A read-only view of ``model``'s whole rows, each column as wide as its contents, the last one taking the
    spare width."""
    view = QTableView(objectName=name)
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return view


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
