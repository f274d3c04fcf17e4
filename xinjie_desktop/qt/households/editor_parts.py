"""Small pieces the household editor's tabs share: bold headings, grey notes, a household field with
its message beside it, and the member entry form that submits on Enter."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QWidget

from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell.field_labels import HOUSEHOLD_LABELS
from xinjie_desktop.qt.shell.widgets import MessageLabel, with_message


def bold(label: QLabel, size_delta: float = 0) -> QLabel:
    font = QFont(label.font())
    font.setBold(True)
    if size_delta:
        font.setPointSizeF(font.pointSizeF() + size_delta)
    label.setFont(font)
    return label


def note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(mid);")
    return label


class HouseholdFields:
    """The household's fields by attribute (``household.<attr>`` in the core's problems): each widget
    and the message shown next to it."""

    def __init__(self) -> None:
        self.messages: dict[str, MessageLabel] = {}
        self.widgets: dict[str, QWidget] = {}

    def add(self, form: QFormLayout, attr: str, widget: QWidget, label: str | None = None) -> None:
        box, message = with_message(widget)
        message.setObjectName(f"household_{attr}_message")
        widget.setObjectName(f"household_{attr}")
        self.messages[attr] = message
        self.widgets[attr] = widget
        form.addRow(label if label is not None else _(HOUSEHOLD_LABELS[attr]), box)


class MemberForm(QGroupBox):
    """The entry form for one member; Enter anywhere in it submits the member."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.submitted.emit()
            return
        super().keyPressEvent(event)
