"""After the recovery code opened the data file: an administrator gets a new password (issue 17).

The recovery code opens the store only to do this: the dialog lists the township administrators' accounts,
asks for the new password twice, gives it (core.sync.login.reset_password: the hash, and a new key pair given
the data key) and logs that administrator in.  Closing it leaves the store closed again.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from xinjie_desktop.core.store.database import Store
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell.first_admin import MIN_PASSWORD
from xinjie_desktop.qt.shell.widgets import MessageLabel


class NewAdminPasswordDialog(QDialog):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        from xinjie_desktop.core.sync import login

        super().__init__(parent)
        self.setObjectName("new_admin_password_dialog")
        self.setWindowTitle(_("A new password for an administrator"))
        self.setMinimumWidth(520)
        self._store = store
        intro = QLabel(
            _(
                "The recovery code has opened the data file. Give one of the township administrators a new "
                "password now; they then make new passwords for the others who lost theirs. Make a new recovery "
                "code afterwards if this one may have been seen."
            )
        )
        intro.setWordWrap(True)
        self.account_box = QComboBox(objectName="recovery_account")
        self.account_box.addItems(login.administrators(store))
        self.password_edit = QLineEdit(objectName="recovery_password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.again_edit = QLineEdit(objectName="recovery_again")
        self.again_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(_("Administrator:"), self.account_box)
        form.addRow(_("New password:"), self.password_edit)
        form.addRow(_("Password again:"), self.again_edit)
        self.message = MessageLabel(reserve=2)
        self.ok_button = QPushButton(_("Set the password and log in"), objectName="recovery_ok")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self._set)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.ok_button)
        if not self.account_box.count():
            self.message.show_message(_("The data file has no township administrator's account."))
            self.ok_button.setEnabled(False)
        self.password_edit.setFocus()

    def _set(self) -> None:
        from xinjie_desktop.core.records import accounts
        from xinjie_desktop.core.sync import login

        name, password = self.account_box.currentText(), self.password_edit.text()
        if len(password) < MIN_PASSWORD:
            self.message.show_message(_("The password needs at least {n} characters.").format(n=MIN_PASSWORD))
            return
        if password != self.again_edit.text():
            self.message.show_message(_("The two passwords are not the same."))
            self.again_edit.clear()
            return
        try:
            login.reset_password(self._store, name, password)
            accounts.unlock(self._store, name)  # a lockout after wrong passwords ends with the new password
            accounts.login(self._store, name, password)
        except (accounts.AccountError, ValueError) as error:
            self.message.show_message(str(error))
            return
        self.accept()
