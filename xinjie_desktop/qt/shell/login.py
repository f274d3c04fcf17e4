"""Who is at the keyboard: the login page, the lock page and the idle lock (issue 17).

A store that has accounts is opened only after its user logs in (``LoginPage``, in the window's centre in place
of the opening page); the window locks itself after a set idle time and on demand (Ctrl+L): the lock page
covers the centre, so nothing of the households shows until the same user's password is given again, or the
user gives way to another account (the store is then closed and opened again for that one).

These widgets present and ask; whether a password is right, how often one may try and when an account locks
are the core's (``core.records.accounts``, ``core.store.keyring``): the shell runs those checks in the
background and shows their answer here.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell import settings
from xinjie_desktop.qt.shell.widgets import MessageLabel

# What counts as the user being at the keyboard: the idle lock's clock starts again at each of these.
_ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


def _heading(text: str, name: str) -> QLabel:
    label = QLabel(text, objectName=name)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.3)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    return label


def _centred(column: QWidget, page: QWidget) -> None:
    column.setFixedWidth(480)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(column)
    row.addStretch(1)
    layout = QVBoxLayout(page)
    layout.addStretch(2)
    layout.addLayout(row)
    layout.addStretch(3)


class LoginPage(QWidget):
    """The account name and password for the data file named on it; or the recovery code kept in the
    township safe, which opens the file when every administrator's password is lost."""

    submitted = Signal(str, str)  # account name, password
    recovery_submitted = Signal(str)  # the printed recovery code

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("login_page")
        self.heading = _heading(_("Log in to open the data file"), "login_heading")
        self.path_label = QLabel(objectName="login_path")
        self.path_label.setWordWrap(True)
        self.path_label.setStyleSheet("color: #555555;")
        self.name_edit = QLineEdit(objectName="login_name")
        self.name_edit.setMaxLength(50)
        self.password_edit = QLineEdit(objectName="login_password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setMaxLength(200)
        self.code_edit = QLineEdit(objectName="login_recovery_code")
        self.code_edit.setMaxLength(80)
        self.code_edit.setPlaceholderText(_("As printed on the recovery sheet, with or without the dashes"))
        self.form = QFormLayout()
        self.form.addRow(_("Account name:"), self.name_edit)
        self.form.addRow(_("Password:"), self.password_edit)
        self.form.addRow(_("Recovery code:"), self.code_edit)
        self.message = MessageLabel(reserve=2)
        self.message.setObjectName("login_message")
        self.login_button = QPushButton(_("Log in"), objectName="login_button")
        self.login_button.setDefault(True)
        self.login_button.clicked.connect(self._submit)
        self.recovery_button = QPushButton(_("Use the recovery code…"), objectName="login_recovery_button")
        self.recovery_button.setFlat(True)
        self.recovery_button.clicked.connect(lambda: self.set_recovery(not self._recovery))
        for edit in (self.name_edit, self.password_edit, self.code_edit):
            edit.returnPressed.connect(self._submit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.recovery_button)
        buttons.addStretch(1)
        buttons.addWidget(self.login_button)
        column = QWidget(objectName="login_column")
        column_layout = QVBoxLayout(column)
        column_layout.setSpacing(10)
        column_layout.addWidget(self.heading)
        column_layout.addWidget(self.path_label)
        column_layout.addLayout(self.form)
        column_layout.addWidget(self.message)
        column_layout.addLayout(buttons)
        _centred(column, self)
        self._recovery = True
        self.set_recovery(False)

    def set_path(self, path) -> None:
        self.path_label.setText(_("Data file: {path}").format(path=path))

    def set_recovery(self, recovery: bool) -> None:
        """Ask for the recovery code instead of an account's name and password (or back)."""
        self._recovery = recovery
        for edit, shown in (
            (self.name_edit, not recovery),
            (self.password_edit, not recovery),
            (self.code_edit, recovery),
        ):
            edit.setVisible(shown)
            self.form.labelForField(edit).setVisible(shown)
        self.recovery_button.setText(_("Log in with an account") if recovery else _("Use the recovery code…"))
        self.heading.setText(
            _("Open the data file with the recovery code") if recovery else _("Log in to open the data file")
        )
        self.message.clear_message()
        (self.code_edit if recovery else self.name_edit if not self.name_edit.text() else self.password_edit).setFocus()

    def set_busy(self, busy: bool) -> None:
        """While the password is checked (a second or so, on purpose): nothing to press twice."""
        for widget in (self.name_edit, self.password_edit, self.code_edit, self.login_button, self.recovery_button):
            widget.setEnabled(not busy)
        if busy:
            self.message.show_message(_("Checking…"), "info")

    def refuse(self, reason: str) -> None:
        """The password (or code) was not accepted: say why, empty the password, ready to try again."""
        self.set_busy(False)
        self.message.show_message(reason)
        self.password_edit.clear()
        self.code_edit.clear()
        (
            self.code_edit if self._recovery else self.password_edit if self.name_edit.text() else self.name_edit
        ).setFocus()

    def _submit(self) -> None:
        if not self.login_button.isEnabled():
            return
        if self._recovery:
            code = self.code_edit.text().strip()
            if not code:
                self.message.show_message(_("Type the recovery code printed on the recovery sheet."))
                return
            self.recovery_submitted.emit(code)
            return
        name = self.name_edit.text().strip()
        if not name:
            self.message.show_message(_("Type your account name."))
            self.name_edit.setFocus()
            return
        if not self.password_edit.text():
            self.message.show_message(_("Type your password."))
            self.password_edit.setFocus()
            return
        self.submitted.emit(name, self.password_edit.text())


class LockPage(QWidget):
    """The window is locked: the user's own password unlocks it; another account can log in instead."""

    unlock_requested = Signal(str)  # the password
    switch_requested = Signal()  # another person wants to log in: the store is opened again for them

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lock_page")
        self.heading = _heading(_("The window is locked"), "lock_heading")
        self.who = QLabel(objectName="lock_who")
        self.who.setWordWrap(True)
        self.password_edit = QLineEdit(objectName="lock_password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setMaxLength(200)
        self.password_edit.returnPressed.connect(self._submit)
        self.message = MessageLabel(reserve=2)
        self.message.setObjectName("lock_message")
        self.unlock_button = QPushButton(_("Unlock"), objectName="unlock_button")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._submit)
        self.switch_button = QPushButton(_("Log in as someone else"), objectName="switch_user_button")
        self.switch_button.clicked.connect(self.switch_requested)
        form = QFormLayout()
        form.addRow(_("Password:"), self.password_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.switch_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        column = QWidget(objectName="lock_column")
        column_layout = QVBoxLayout(column)
        column_layout.setSpacing(10)
        for widget in (self.heading, self.who):
            column_layout.addWidget(widget)
        column_layout.addLayout(form)
        column_layout.addWidget(self.message)
        column_layout.addLayout(buttons)
        _centred(column, self)

    def set_user(self, display: str) -> None:
        self.who.setText(_("Locked by {name}. Type the password to go on working.").format(name=display))
        self.password_edit.clear()
        self.message.clear_message()
        self.set_busy(False)

    def set_busy(self, busy: bool) -> None:
        for widget in (self.password_edit, self.unlock_button, self.switch_button):
            widget.setEnabled(not busy)
        if busy:
            self.message.show_message(_("Checking…"), "info")

    def refuse(self, reason: str) -> None:
        self.set_busy(False)
        self.message.show_message(reason)
        self.password_edit.clear()
        self.password_edit.setFocus()

    def _submit(self) -> None:
        if not self.unlock_button.isEnabled():
            return
        if not self.password_edit.text():
            self.message.show_message(_("Type your password."))
            return
        self.unlock_requested.emit(self.password_edit.text())


class IdleLock(QObject):
    """Emits ``idle`` once nobody has pressed a key or moved the mouse anywhere in the program for the set
    time (Settings, default 10 minutes); any such event starts the clock again."""

    idle = Signal()

    def __init__(self, minutes: int | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self.set_minutes(settings.idle_lock_minutes() if minutes is None else minutes)
        self._watching = False

    def set_minutes(self, minutes: float) -> None:
        self.timer.setInterval(max(1, round(minutes * 60_000)))

    def start(self) -> None:
        """Watch the whole program's input (an event filter on the application)."""
        if not self._watching:
            QApplication.instance().installEventFilter(self)
            self._watching = True
        self.timer.start()

    def stop(self) -> None:
        if self._watching:
            QApplication.instance().removeEventFilter(self)
            self._watching = False
        self.timer.stop()

    def eventFilter(self, watched, event) -> bool:
        if event.type() in _ACTIVITY and self.timer.isActive():
            self.timer.start()
        return False
