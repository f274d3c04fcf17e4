"""The first administrator of a new data file, and its recovery code (issue 17).

Right after the first start's set-up, the person setting the laptop up names the first township administrator
and gives a password (twice); the data file is then encrypted (the core: ``core.sync.workstore.secure``), and
the recovery code that opens it when every administrator's password is lost is shown once, to print on the
recovery sheet (core.documents.recovery_sheet) and keep in the township safe.  The dialog closes only once
the sheet has been saved or printed and the person says it is put away.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell.widgets import MessageLabel

MIN_PASSWORD = 8


class FirstAdminDialog(QDialog):
    """Asks for the first administrator's name and password, calls ``secure(name, password)`` (which makes the
    account, encrypts the file and returns the recovery code; a ``ValueError`` is shown as it is), then shows the
    code with "Save the recovery sheet…" (``save_sheet(code) -> Path | None``)."""

    def __init__(
        self,
        secure: Callable[[str, str], str],
        save_sheet: Callable[[str], Path | None],
        parent: QWidget | None = None,
        *,
        suggested_name: str = "",
        existing_account: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("first_admin_dialog")
        self._existing = existing_account
        self.setWindowTitle(
            _("Encrypt the data file") if existing_account else _("The first administrator and the recovery code")
        )
        self.setMinimumWidth(560)
        self._secure = secure
        self._save_sheet = save_sheet
        self.code = ""
        self.saved_to: Path | None = None

        self.pages = QStackedWidget()
        # the account
        ask = QWidget()
        intro = QLabel(
            _(
                "The data file holds the households' names, ID numbers and incomes: it is kept encrypted, and opens "
                "only with an account's password. Name the first township administrator (who makes the others' "
                "accounts) and choose a password of at least {n} characters."
            ).format(n=MIN_PASSWORD)
        )
        if existing_account:
            intro.setText(
                _(
                    "This data file is not encrypted yet: anyone who finds the laptop or a backup can read the "
                    "households in it. Type your password to encrypt it now (it takes a moment); a recovery code is "
                    "made with it."
                )
            )
        intro.setWordWrap(True)
        self.name_edit = QLineEdit(existing_account or suggested_name, objectName="first_admin_name")
        self.name_edit.setReadOnly(bool(existing_account))
        self.name_edit.setMaxLength(50)
        self.password_edit = QLineEdit(objectName="first_admin_password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.again_edit = QLineEdit(objectName="first_admin_again")
        self.again_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(_("Account name:"), self.name_edit)
        form.addRow(_("Password:"), self.password_edit)
        form.addRow(_("Password again:"), self.again_edit)
        if existing_account:  # a password the account has already: typed once
            self.again_edit.hide()
            form.labelForField(self.again_edit).hide()
        self.message = MessageLabel(reserve=2)
        self.message.setObjectName("first_admin_message")
        self.secure_button = QPushButton(_("Make the account and encrypt the data file"), objectName="secure_button")
        self.secure_button.setDefault(True)
        self.secure_button.clicked.connect(self._make)
        for edit in (self.name_edit, self.password_edit, self.again_edit):
            edit.returnPressed.connect(self._make)
        ask_layout = QVBoxLayout(ask)
        ask_layout.addWidget(intro)
        ask_layout.addLayout(form)
        ask_layout.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.secure_button)
        ask_layout.addLayout(row)
        self.pages.addWidget(ask)

        # the recovery code
        show = QWidget()
        told = QLabel(
            _(
                "The data file is encrypted. This is its recovery code: it opens the file when every administrator's "
                "password is lost. It is shown only now. Save or print the recovery sheet and keep it sealed in the "
                "township safe."
            )
        )
        told.setWordWrap(True)
        self.code_label = QLabel(objectName="recovery_code")
        font = QFont(self.code_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.code_label.setFont(font)
        self.code_label.setWordWrap(True)
        self.code_label.setTextInteractionFlags(self.code_label.textInteractionFlags())
        self.sheet_button = QPushButton(_("Save the recovery sheet…"), objectName="save_sheet_button")
        self.sheet_button.clicked.connect(self._save)
        self.sheet_message = MessageLabel(reserve=2)
        self.kept_box = QCheckBox(_("The recovery sheet is printed and will be kept in the township safe"))
        self.kept_box.setObjectName("kept_box")
        self.kept_box.setEnabled(False)
        self.done_button = QPushButton(_("Done"), objectName="done_button")
        self.done_button.setEnabled(False)
        self.kept_box.toggled.connect(self.done_button.setEnabled)
        self.done_button.clicked.connect(self.accept)
        show_layout = QVBoxLayout(show)
        show_layout.addWidget(told)
        show_layout.addWidget(self.code_label)
        show_layout.addWidget(self.sheet_button)
        show_layout.addWidget(self.sheet_message)
        show_layout.addWidget(self.kept_box)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.done_button)
        show_layout.addLayout(row)
        self.pages.addWidget(show)

        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        (self.password_edit if suggested_name or existing_account else self.name_edit).setFocus()

    def _make(self) -> None:
        if self.pages.currentIndex() != 0:
            return
        name, password = self.name_edit.text().strip(), self.password_edit.text()
        if not name:
            self.message.show_message(_("Type the administrator's account name."))
            self.name_edit.setFocus()
            return
        if not self._existing and len(password) < MIN_PASSWORD:
            self.message.show_message(_("The password needs at least {n} characters.").format(n=MIN_PASSWORD))
            self.password_edit.setFocus()
            return
        if not self._existing and password != self.again_edit.text():
            self.message.show_message(_("The two passwords are not the same."))
            self.again_edit.clear()
            self.again_edit.setFocus()
            return
        self.message.show_message(_("Encrypting the data file…"), "info")
        self.secure_button.setEnabled(False)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.code = self._secure(name, password)
        except ValueError as error:
            self.message.show_message(str(error))
            self.password_edit.clear()
            self.again_edit.clear()
            return
        finally:
            QApplication.restoreOverrideCursor()
            self.secure_button.setEnabled(True)
        self.password_edit.clear()
        self.again_edit.clear()
        self.code_label.setText(self.code)
        self.pages.setCurrentIndex(1)
        self.sheet_button.setFocus()

    def _save(self) -> None:
        path = self._save_sheet(self.code)
        if path is None:
            return
        self.saved_to = path
        self.sheet_message.show_message(_("Saved as {path}. Print it now.").format(path=path), "info")
        self.kept_box.setEnabled(True)

    def reject(self) -> None:
        if self.pages.currentIndex() == 1:  # the file is encrypted already: the code must not be lost
            self.sheet_message.show_message(_("Save the recovery sheet first: the code is not shown again."))
            return
        super().reject()
