"""Sign an agreement on screen: the household head, the command-centre representative and a witness,
each with a name and a handwritten signature on a ``SignaturePad``.

The dialog only collects; ``signatures()`` gives ``{role: (name, png_bytes)}`` for the core's
``agreements.sign_on_screen``.  OK is enabled only when all three have a name and a signature.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.i18n import N_, _
from xinjie_desktop.qt.shell.signature_pad import SignaturePad
from xinjie_desktop.qt.shell.widgets import DateField, MessageLabel, unreadable_date

# The three who sign, in the order they sign (role codes as the core stores them).
SIGNER_ROLES: tuple[tuple[str, str], ...] = (
    ("household_head", N_("Household head")),
    ("representative", N_("Command-centre representative")),
    ("witness", N_("Witness")),
)


class SignerBox(QGroupBox):
    """One signer: a name and a signature pad with a Clear button."""

    def __init__(self, role: str, title: str, name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.role = role
        self.setObjectName(f"signer_{role}")
        self.name_edit = QLineEdit(name)
        self.name_edit.setObjectName(f"signer_{role}_name")
        self.name_edit.setPlaceholderText(_("Name as written on the agreement"))
        self.pad = SignaturePad()
        self.pad.setObjectName(f"signer_{role}_pad")
        self.pad.setMinimumSize(300, 120)
        self.clear_button = QPushButton(_("Clear"))
        self.clear_button.setObjectName(f"signer_{role}_clear")
        self.clear_button.clicked.connect(self.pad.clear)
        self.clear_button.setAutoDefault(False)
        layout = QGridLayout(self)
        layout.addWidget(QLabel(_("Name")), 0, 0)
        layout.addWidget(self.name_edit, 0, 1)
        layout.addWidget(self.clear_button, 0, 2)
        layout.addWidget(self.pad, 1, 0, 1, 3)
        layout.setRowStretch(1, 1)
        layout.setColumnStretch(1, 1)

    def is_complete(self) -> bool:
        return bool(self.name_edit.text().strip()) and not self.pad.is_empty()


class SignDialog(QDialog):
    """Collect the three signatures for one agreement."""

    def __init__(
        self,
        title: str,
        names: dict[str, str] | None = None,
        signed_on: dt.date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sign_dialog")
        self.setWindowTitle(_("Sign on screen"))
        names = names or {}
        heading = QLabel(title)
        heading.setObjectName("sign_heading")
        heading.setWordWrap(True)
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() + 1)
        heading.setFont(font)
        note = QLabel(
            _(
                "Each signer writes with the mouse, a pen or a finger in their box; Clear starts again. "
                "The signatures are stamped into the agreement's PDF, which can no longer be edited."
            )
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555555;")

        self.boxes: dict[str, SignerBox] = {}
        pads = QGridLayout()
        pads.setSpacing(10)
        for index, (role, label) in enumerate(SIGNER_ROLES):
            box = SignerBox(role, _(label), names.get(role, ""))
            box.pad.changed.connect(self._update_ok)
            box.name_edit.textChanged.connect(self._update_ok)
            self.boxes[role] = box
            pads.addWidget(box, index // 2, index % 2)

        date_row = QFormLayout()
        self.date_edit = DateField(signed_on or dt.date.today())
        self.date_edit.setObjectName("signed_on")
        date_row.addRow(_("Signed on"), self.date_edit)

        self.message = MessageLabel()
        self.message.setObjectName("sign_message")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Sign"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.status = QLabel()
        self.status.setObjectName("sign_status")
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(note)
        layout.addLayout(pads, 1)
        layout.addLayout(date_row)
        layout.addWidget(self.message)
        layout.addLayout(bottom)
        self.resize(860, 560)
        self._update_ok()

    def _missing(self) -> list[str]:
        return [box.title() for box in self.boxes.values() if not box.is_complete()]

    def _update_ok(self) -> None:
        missing = self._missing()
        self.ok_button.setEnabled(not missing)
        self.status.setText(
            _("Still to sign: {who}").format(who="、".join(missing)) if missing else _("All three have signed.")
        )

    def signed_on(self) -> dt.date:
        return self.date_edit.value()

    def signatures(self) -> dict[str, tuple[str, bytes]]:
        """``{role: (name, PNG)}`` of the three signers (white background, trimmed)."""
        return {role: (box.name_edit.text().strip(), box.pad.to_png()) for role, box in self.boxes.items()}

    def accept(self) -> None:
        if self._missing():
            return
        if problem := unreadable_date(self.date_edit):
            self.message.show_message(problem)
            return
        super().accept()

    def keyPressEvent(self, event) -> None:
        # Enter in a name field must not sign the agreement before everyone has signed.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.ok_button.isEnabled():
            event.accept()
            return
        super().keyPressEvent(event)
