"""Accounts, for the township's administrators; one's own password, for everyone (issue 17).

The list of the data file's accounts (a table model over ``core.records.accounts.listing``): name, role,
villages, may sign for the township, locked, locked out here after wrong passwords, countersigned.  An
administrator adds an account (its key pair made from its password: on an encrypted data file it opens the
file at once, and it reaches the laptops of its villages with the next bundles), gives a forgotten password
anew, locks and unlocks (unlocking also ends a lockout).  Every check is the core's (``core.sync.login``,
``core.records.accounts``); a refusal is shown under the list as the core words it.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.records import accounts, township
from xinjie_desktop.core.rules.permissions import PermissionRefused, Role, role_label
from xinjie_desktop.core.store.database import Store, StoreError
from xinjie_desktop.core.store.keyring import KeyringError
from xinjie_desktop.core.sync import login
from xinjie_desktop.i18n import N_, _
from xinjie_desktop.qt.shell.widgets import MessageLabel

NO_PARENT = QModelIndex()
MIN_PASSWORD = 8
REFUSALS = (accounts.AccountError, PermissionRefused, StoreError, KeyringError)

COLUMNS = (
    ("name", N_("Account")),
    ("display_name", N_("Name")),
    ("role", N_("Role")),
    ("villages", N_("Villages")),
    ("may_sign", N_("Signs for the township")),
    ("state", N_("State")),
)


class AccountsModel(QAbstractTableModel):
    def __init__(self, store: Store, parent=None) -> None:
        super().__init__(parent)
        self._store = store
        self.rows: list[accounts.AccountView] = []
        self._village_names: dict[str, str] = {}
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self.rows = accounts.listing(self._store)
        with self._store.session() as session:
            self._village_names = {village.id: village.name for village in township.villages(session)}
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(COLUMNS[section][1])
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self.rows[index.row()]
        key = COLUMNS[index.column()][0]
        if key == "role":
            return role_label(row.role)
        if key == "villages":
            if not row.villages:
                return _("every village")
            return _(", ").join(self._village_names.get(village, village) for village in row.villages)
        if key == "may_sign":
            return _("yes") if row.may_sign else ""
        if key == "state":
            states = []
            if row.locked:
                states.append(_("locked"))
            if row.locked_out:
                states.append(_("locked out after wrong passwords"))
            if not row.countersigned:
                states.append(_("not yet countersigned by the township"))
            return _(", ").join(states) or _("active")
        return getattr(row, key)


def _password_pair(form: QFormLayout, first: str) -> tuple[QLineEdit, QLineEdit]:
    edits = []
    for label in (first, _("Password again:")):
        edit = QLineEdit()
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(label, edit)
        edits.append(edit)
    return edits[0], edits[1]


def _password_problem(password: str, again: str) -> str:
    if len(password) < MIN_PASSWORD:
        return _("The password needs at least {n} characters.").format(n=MIN_PASSWORD)
    if password != again:
        return _("The two passwords are not the same.")
    return ""


class NewAccountDialog(QDialog):
    """Name, display name, role, villages (for a work-team member or village cadre), may sign, password."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("new_account_dialog")
        self.setWindowTitle(_("New account"))
        self._store = store
        self.name_edit = QLineEdit(objectName="account_name")
        self.display_edit = QLineEdit(objectName="account_display_name")
        self.role_box = QComboBox(objectName="account_role")
        for role in Role:
            self.role_box.addItem(role_label(role), role)
        self.villages = QListWidget(objectName="account_villages")
        with store.session() as session:
            for village in township.villages(session):
                item = QListWidgetItem(village.name)
                item.setData(Qt.ItemDataRole.UserRole, village.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.villages.addItem(item)
        self.villages.setMaximumHeight(120)
        self.may_sign_box = QCheckBox(_("May sign agreements for the township"), objectName="account_may_sign")
        form = QFormLayout()
        form.addRow(_("Account name:"), self.name_edit)
        form.addRow(_("Name:"), self.display_edit)
        form.addRow(_("Role:"), self.role_box)
        form.addRow(_("Villages:"), self.villages)
        form.addRow("", self.may_sign_box)
        self.password_edit, self.again_edit = _password_pair(form, _("Password:"))
        self.message = MessageLabel(reserve=2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._make)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.role_box.currentIndexChanged.connect(self._role_changed)
        self.role_box.setCurrentIndex(list(Role).index(Role.WORK_TEAM))
        self._role_changed()

    def _role(self) -> Role:
        return Role(self.role_box.currentData())

    def _role_changed(self, *_args) -> None:
        scoped = self._role() in (Role.WORK_TEAM, Role.VILLAGE_CADRE)
        self.villages.setEnabled(scoped)
        self.may_sign_box.setEnabled(self._role() is Role.WORK_TEAM)
        if self._role() is not Role.WORK_TEAM:
            self.may_sign_box.setChecked(False)

    def chosen_villages(self) -> list[str]:
        return [
            self.villages.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.villages.count())
            if self.villages.item(row).checkState() == Qt.CheckState.Checked
        ]

    def _make(self) -> None:
        problem = _password_problem(self.password_edit.text(), self.again_edit.text())
        if problem:
            self.message.show_message(problem)
            return
        scoped = self._role() in (Role.WORK_TEAM, Role.VILLAGE_CADRE)
        try:
            login.add_account(
                self._store,
                self.name_edit.text().strip(),
                self.password_edit.text(),
                self._role(),
                self.chosen_villages() if scoped else [],
                display_name=self.display_edit.text().strip(),
                may_sign=self.may_sign_box.isChecked(),
            )
        except REFUSALS as error:
            self.message.show_message(str(error))
            return
        self.accept()


class NewPasswordDialog(QDialog):
    """A new password, twice; with ``old``, the present one first (one's own password)."""

    def __init__(self, title: str, parent: QWidget | None = None, *, ask_old: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("new_password_dialog")
        self.setWindowTitle(title)
        form = QFormLayout()
        self.old_edit = QLineEdit(objectName="old_password")
        self.old_edit.setEchoMode(QLineEdit.EchoMode.Password)
        if ask_old:
            form.addRow(_("Present password:"), self.old_edit)
        self.password_edit, self.again_edit = _password_pair(form, _("New password:"))
        self.password_edit.setObjectName("new_password")
        self.again_edit.setObjectName("new_password_again")
        self.message = MessageLabel(reserve=2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.act = None  # (old, new) -> None, raising a refusal

    def _check(self) -> None:
        problem = _password_problem(self.password_edit.text(), self.again_edit.text())
        if problem:
            self.message.show_message(problem)
            return
        try:
            if self.act is not None:
                self.act(self.old_edit.text(), self.password_edit.text())
        except REFUSALS as error:
            self.message.show_message(str(error))
            return
        self.accept()


def change_own_password(store: Store, parent: QWidget | None = None) -> NewPasswordDialog:
    """The dialog in which the person logged in changes their own password (shown, not waited for)."""
    dialog = NewPasswordDialog(_("Change my password"), parent, ask_old=True)
    dialog.act = lambda old, new: login.change_password(store, old, new)
    dialog.open()
    return dialog


class AccountsDialog(QDialog):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accounts_dialog")
        self.setWindowTitle(_("Accounts"))
        self.resize(900, 480)
        self._store = store
        self.model = AccountsModel(store, self)
        self.view = QTableView(objectName="accounts_view")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.add_button = QPushButton(_("New account…"), objectName="add_account_button")
        self.reset_button = QPushButton(_("New password…"), objectName="reset_password_button")
        self.lock_button = QPushButton(_("Lock"), objectName="lock_account_button")
        self.unlock_button = QPushButton(_("Unlock"), objectName="unlock_account_button")
        close = QPushButton(_("Close"))
        close.clicked.connect(self.accept)
        self.add_button.clicked.connect(self.add_account)
        self.reset_button.clicked.connect(self.reset_password)
        self.lock_button.clicked.connect(lambda: self._set_locked(True))
        self.unlock_button.clicked.connect(lambda: self._set_locked(False))
        self.message = MessageLabel(reserve=2)
        self.message.setObjectName("accounts_message")
        row = QHBoxLayout()
        for button in (self.add_button, self.reset_button, self.lock_button, self.unlock_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message)
        layout.addLayout(row)
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self._update_buttons()

    def selected(self) -> accounts.AccountView | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        chosen = self.selected()
        self.reset_button.setEnabled(chosen is not None)
        self.lock_button.setEnabled(chosen is not None and not chosen.locked)
        self.unlock_button.setEnabled(chosen is not None and (chosen.locked or chosen.locked_out))

    def _done(self, text: str) -> None:
        chosen = self.selected()
        self.model.reload()
        if chosen is not None:
            for number, row in enumerate(self.model.rows):
                if row.id == chosen.id:
                    self.view.selectRow(number)
        self._update_buttons()
        self.message.show_message(text, "info")

    def add_account(self) -> NewAccountDialog:
        dialog = NewAccountDialog(self._store, self)
        dialog.accepted.connect(
            lambda: self._done(_("Account {name} made.").format(name=dialog.name_edit.text().strip()))
        )
        dialog.open()
        return dialog

    def reset_password(self) -> NewPasswordDialog | None:
        chosen = self.selected()
        if chosen is None:
            return None
        dialog = NewPasswordDialog(_("A new password for {name}").format(name=chosen.name), self)
        dialog.act = lambda _old, new: login.reset_password(self._store, chosen.name, new)
        dialog.accepted.connect(lambda: self._done(_("{name} has a new password.").format(name=chosen.name)))
        dialog.open()
        return dialog

    def _set_locked(self, locked: bool) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        try:
            (accounts.lock if locked else accounts.unlock)(self._store, chosen.name)
        except REFUSALS as error:
            self.message.show_message(str(error))
            return
        self._done((_("{name} is locked.") if locked else _("{name} is unlocked.")).format(name=chosen.name))
