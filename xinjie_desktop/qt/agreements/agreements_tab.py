"""The household editor's "Agreements" tab (AG-1, AG-2, AG-3, HS-4, SB-1, SB-2).

A list of every version of the household's agreements (kind, number, version, status, signing),
and the actions on the selected one: preview and print the PDF, sign on screen (three signature
pads), mark signed on paper (scan and fingerprint), void with a reason (a new version appears;
both are kept).  Below, once the demolition agreement is signed, the acceptance of the demolished
old house, and whether the reward is due.

Thin: ``core.records.agreements`` and ``core.records.demolition`` decide everything (what may be drafted, signed,
voided or accepted); their refusals are shown in words in the tab, and nothing is changed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.records import agreements, demolition
from xinjie_desktop.core.records.agreements import AgreementError, AgreementInfo
from xinjie_desktop.core.records.demolition import DemolitionError
from xinjie_desktop.core.rules.dates import DateError
from xinjie_desktop.core.store.models import Household, Township, VillagerGroup
from xinjie_desktop.i18n import N_, _
from xinjie_desktop.qt.agreements.sign_dialog import SignDialog
from xinjie_desktop.qt.shell import documents
from xinjie_desktop.qt.shell.collision_dialog import NothingChosen, save_deciding
from xinjie_desktop.qt.shell.widgets import (
    EMPTY_MARK,
    ChoiceCombo,
    DateField,
    MessageLabel,
    date_with_message,
    unreadable_date,
)

METHOD_LABELS = {"screen": N_("on screen"), "paper": N_("on paper")}
STATUS_COLOURS = {agreements.SIGNED: "#1b5e20", agreements.VOIDED: "#8a8a8a"}
DEFAULT_DEADLINE_DAYS = 180

NO_PARENT = QModelIndex()  # the default of rowCount/columnCount: the invisible root


class AgreementsModel(QAbstractTableModel):
    """Every version of the household's agreements, by kind and version."""

    HEADERS = (N_("Agreement"), N_("Number"), N_("Version"), N_("Status"), N_("Signed on"), N_("Note"))

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.items: list[AgreementInfo] = []
        self.stale: dict[str, list[str]] = {}  # agreement id -> fields the records now fill in otherwise

    def set_items(self, items: list[AgreementInfo], stale: dict[str, list[str]] | None = None) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.stale = dict(stale or {})
        self.endResetModel()

    def rowCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(self.HEADERS[section])
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self.items[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.ForegroundRole and column == 3:
            colour = STATUS_COLOURS.get(item.status)
            return None if colour is None else _qcolour(colour)
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return _("Content hash (SHA-256): {hash}").format(hash=item.content_sha256)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == 0:
            return item.label
        if column == 1:
            return item.number
        if column == 2:
            return str(item.version)
        if column == 3:
            return _(agreements.STATUSES.get(item.status, item.status))
        if column == 4:
            if item.signed_on is None:
                return EMPTY_MARK
            method = _(METHOD_LABELS.get(item.signing_method, item.signing_method))
            return f"{item.signed_on.isoformat()}（{method}）" if method else item.signed_on.isoformat()
        if column == 5:
            return self._note(item, self.stale.get(item.id))
        return None

    @staticmethod
    def _note(item: AgreementInfo, stale: list[str] | None = None) -> str:
        notes = []
        if stale:
            notes.append(_("out of date: {fields}").format(fields=agreements.describe_stale(stale)))
        if item.demolition_deadline is not None:
            notes.append(_("demolish by {date}").format(date=item.demolition_deadline.isoformat()))
        if item.signing_method == "paper" and item.fingerprint:
            notes.append(_("fingerprint"))
        if item.status == agreements.VOIDED:
            notes.append(
                _("voided on {date}: {reason}").format(
                    date=item.voided_on.isoformat() if item.voided_on else EMPTY_MARK, reason=item.void_reason
                )
            )
        if item.supersedes_id:
            notes.append(_("replaces an earlier version"))
        return "; ".join(notes) or EMPTY_MARK


def _qcolour(name: str):
    from PySide6.QtGui import QColor

    return QColor(name)


class PaperSignDialog(QDialog):
    """Signed on paper: the photo or scan of the signed copy, the date, the fingerprint noted."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paper_sign_dialog")
        self.setWindowTitle(_("Signed on paper"))
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("scan_path")
        self.path_edit.setPlaceholderText(_("photo or scan of the signed agreement"))
        browse = QPushButton(_("Choose…"))
        browse.clicked.connect(self._choose)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        self.date_edit = DateField(dt.date.today())
        self.date_edit.setObjectName("paper_signed_on")
        self.fingerprint_check = QCheckBox(_("The household head put a fingerprint"))
        self.fingerprint_check.setObjectName("fingerprint")
        form = QFormLayout()
        form.addRow(_("Scan"), row)
        form.addRow(_("Signed on"), date_with_message(self.date_edit)[0])
        form.addRow("", self.fingerprint_check)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Mark signed"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.path_edit.textChanged.connect(lambda text: self.ok_button.setEnabled(bool(text.strip())))
        self.ok_button.setEnabled(False)
        heading = QLabel(title)
        heading.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def _choose(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Choose the scan of the signed agreement"),
            "",
            _("Images and PDF files (*.jpg *.jpeg *.png *.pdf);;All files (*)"),
        )
        if path:
            self.path_edit.setText(path)

    def accept(self) -> None:
        if not unreadable_date(self.date_edit):
            super().accept()


class VoidDialog(QDialog):
    """Void an agreement: the reason is required."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("void_dialog")
        self.setWindowTitle(_("Void the agreement"))
        heading = QLabel(title)
        heading.setWordWrap(True)
        note = QLabel(
            _(
                "The agreement is kept, marked voided with the reason; a new version is drafted to be "
                "corrected and signed."
            )
        )
        note.setWordWrap(True)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setObjectName("void_reason")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setPlaceholderText(_("Why the agreement is voided (required)"))
        self.reason_edit.setFixedHeight(80)
        self.date_edit = DateField(dt.date.today())
        form = QFormLayout()
        form.addRow(_("Reason"), self.reason_edit)
        form.addRow(_("Voided on"), date_with_message(self.date_edit)[0])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Void"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.reason_edit.textChanged.connect(
            lambda: self.ok_button.setEnabled(bool(self.reason_edit.toPlainText().strip()))
        )
        self.ok_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def accept(self) -> None:
        if not unreadable_date(self.date_edit):
            super().accept()


class AgreementsTab(QWidget):
    """The agreements of one saved household, and the acceptance of its demolished old house."""

    changed = Signal()  # something was drafted, signed, voided or accepted

    def __init__(self, store, household_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._household_id: str | None = None
        self._acceptance: demolition.Acceptance | None = None
        self._build()
        self.set_household(household_id)

    # ------------------------------------------------------------------------------------------
    # Widgets
    # ------------------------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)
        self.save_first_label = QLabel(_("Save the household first: agreements belong to a saved household."))
        self.save_first_label.setWordWrap(True)
        self.save_first_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.save_first_label)
        body = QWidget()
        self.stack.addWidget(body)
        self.body = body
        layout = QVBoxLayout(body)

        draft_row = QHBoxLayout()
        draft_row.addWidget(QLabel(_("Old house demolished by")))
        self.deadline_edit = DateField(dt.date.today() + dt.timedelta(days=DEFAULT_DEADLINE_DAYS))
        self.deadline_edit.setObjectName("demolition_deadline")
        self.deadline_edit.setToolTip(_("The date the demolition agreement states (AG-1)"))
        draft_row.addWidget(self.deadline_edit)
        self.draft_button = QPushButton(_("Draft missing agreements"))
        self.draft_button.setObjectName("draft_button")
        self.draft_button.clicked.connect(self.draft_missing)
        draft_row.addWidget(self.draft_button)
        self.applicable_label = QLabel()
        self.applicable_label.setObjectName("applicable_label")
        self.applicable_label.setWordWrap(True)
        self.applicable_label.setStyleSheet("color: #555555;")
        draft_row.addWidget(self.applicable_label, 1)
        layout.addLayout(draft_row)

        self.model = AgreementsModel(self)
        self.view = QTableView()
        self.view.setObjectName("agreements_view")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.setAlternatingRowColors(True)
        self.view.setTabKeyNavigation(False)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.view.doubleClicked.connect(lambda _index: self.preview())
        layout.addWidget(self.view, 2)

        actions = QHBoxLayout()
        self.preview_button = QPushButton(_("Preview / print"))
        self.preview_button.setObjectName("preview_button")
        self.preview_button.clicked.connect(lambda: self.preview())
        self.print_button = QPushButton(_("Print…"))
        self.print_button.setObjectName("print_button")
        self.print_button.setToolTip(_("The household's copy, printed from here: choose the printer and the copies"))
        self.print_button.clicked.connect(lambda: self.print_agreement())
        self.office_button = QPushButton(_("Office copy"))
        self.office_button.setObjectName("office_copy_button")
        self.office_button.setToolTip(
            _(
                "The same agreement for the office's files: marked, with the rules it rests on and the command "
                "that verifies it. The household's copy carries neither."
            )
        )
        self.office_button.clicked.connect(lambda: self.preview(office_copy=True))
        self.sign_button = QPushButton(_("Sign on screen…"))
        self.sign_button.setObjectName("sign_button")
        self.sign_button.clicked.connect(self.sign_on_screen)
        self.paper_button = QPushButton(_("Signed on paper…"))
        self.paper_button.setObjectName("paper_button")
        self.paper_button.clicked.connect(self.sign_on_paper)
        self.void_button = QPushButton(_("Void…"))
        self.void_button.setObjectName("void_button")
        self.void_button.clicked.connect(self.void)
        self.edit_button = QPushButton(_("Fill in again from the records"))
        self.edit_button.setObjectName("edit_button")
        self.edit_button.setToolTip(
            _("A draft takes the household, its members and its saved housing plan as they are now.")
        )
        self.edit_button.clicked.connect(self.fill_in_again)
        for button in (
            self.preview_button,
            self.print_button,
            self.office_button,
            self.edit_button,
            self.sign_button,
            self.paper_button,
            self.void_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.stale_label = QLabel()
        self.stale_label.setObjectName("stale_label")
        self.stale_label.setWordWrap(True)
        self.stale_label.setStyleSheet("color: #8a5a00;")
        self.stale_label.hide()
        layout.addWidget(self.stale_label)
        self.message = MessageLabel()
        self.deadline_edit.problem_changed.connect(self.message.show_message)
        self.message.setObjectName("agreements_message")
        layout.addWidget(self.message)

        self.acceptance_box = self._build_acceptance()
        layout.addWidget(self.acceptance_box)
        layout.addStretch(1)

    def _build_acceptance(self) -> QGroupBox:
        box = QGroupBox(_("Acceptance of the demolished old house (AG-2, AG-3)"))
        box.setObjectName("acceptance_box")
        form = QFormLayout(box)
        self.accepted_on_edit = DateField(dt.date.today())
        self.accepted_on_edit.setObjectName("accepted_on")
        self.inspector_edit = QLineEdit()
        self.inspector_edit.setObjectName("inspector")
        self.inspector_edit.setPlaceholderText(_("who inspected and accepted the demolition"))
        first = QHBoxLayout()
        first.addWidget(self.accepted_on_edit)
        first.addWidget(QLabel(_("Inspector")))
        first.addWidget(self.inspector_edit, 1)
        form.addRow(_("Accepted on"), first)
        # the day the old house came down decides whether the reward is due (SB-1, SB-2), not the acceptance's
        self.demolished_on_edit = DateField(dt.date.today())
        self.demolished_on_edit.setObjectName("demolished_on")
        self.demolished_on_edit.setToolTip(
            _(
                "The reward is for demolishing the old house on time: the day it was demolished decides, not the day of the acceptance."
            )
        )
        demolished_row = QHBoxLayout()
        demolished_row.addWidget(self.demolished_on_edit)
        demolished_row.addStretch(1)
        form.addRow(_("Old house demolished on"), demolished_row)
        self._demolished_follows = True  # the same day as the acceptance until someone changes it
        self._setting_demolished = False
        self.accepted_on_edit.date_changed.connect(self._follow_acceptance)
        self.demolished_on_edit.date_changed.connect(self._demolished_changed)
        self.photo_edit = QLineEdit()
        self.photo_edit.setObjectName("acceptance_photo")
        self.photo_edit.setPlaceholderText(_("photo of the cleared site"))
        self.photo_button = QPushButton(_("Choose…"))
        self.photo_button.clicked.connect(self._choose_photo)
        photo_row = QHBoxLayout()
        photo_row.addWidget(self.photo_edit, 1)
        photo_row.addWidget(self.photo_button)
        form.addRow(_("Photo"), photo_row)
        self.old_certificate_check = QCheckBox(_("Old homestead certificate taken back"))
        self.old_certificate_check.setObjectName("old_certificate_returned")
        self.new_certificate_edit = QLineEdit()
        self.new_certificate_edit.setObjectName("new_certificate_number")
        self.new_certificate_edit.setPlaceholderText(_("number of the new homestead certificate"))
        certificates = QHBoxLayout()
        certificates.addWidget(self.old_certificate_check)
        certificates.addWidget(self.new_certificate_edit, 1)
        form.addRow(_("Certificates"), certificates)
        self.reclamation_combo = ChoiceCombo(demolition.RECLAMATIONS, placeholder=_("how the land is reclaimed"))
        self.reclamation_combo.setObjectName("reclamation")
        self.reclamation_combo.setCurrentIndex(-1)
        self.accept_button = QPushButton(_("Record acceptance"))
        self.accept_button.setObjectName("accept_button")
        self.accept_button.clicked.connect(self.record_acceptance)
        last = QHBoxLayout()
        last.addWidget(self.reclamation_combo)
        last.addStretch(1)
        last.addWidget(self.accept_button)
        form.addRow(_("Land"), last)
        self.acceptance_message = MessageLabel()
        for field in (self.accepted_on_edit, self.demolished_on_edit):
            field.problem_changed.connect(self.acceptance_message.show_message)
        self.acceptance_message.setObjectName("acceptance_message")
        form.addRow("", self.acceptance_message)
        self.reward_label = QLabel()
        self.reward_label.setObjectName("reward_label")
        self.reward_label.setWordWrap(True)
        form.addRow(_("Reward"), self.reward_label)
        return box

    # ------------------------------------------------------------------------------------------
    # Loading
    # ------------------------------------------------------------------------------------------
    @property
    def household_id(self) -> str | None:
        return self._household_id

    def set_household(self, household_id: str | None) -> None:
        self._household_id = household_id
        self.message.clear_message()
        self.acceptance_message.clear_message()
        if household_id is None:
            self.stack.setCurrentWidget(self.save_first_label)
            self.model.set_items([])
            return
        self.stack.setCurrentWidget(self.body)
        self.refresh()

    def refresh(self, select_id: str | None = None) -> None:
        if self._household_id is None:
            return
        previous = select_id or (self.selected().id if self.selected() else None)
        items = agreements.versions(self._store, self._household_id)
        stale = {}
        for item in items:
            if item.status != agreements.VOIDED:
                try:
                    stale[item.id] = agreements.stale_fields(self._store, item.id)
                except AgreementError:
                    continue
        self.model.set_items(items, stale)
        for row, item in enumerate(items):
            if item.id == previous:
                self.view.selectRow(row)
        kinds = agreements.applicable_kinds(self._store, self._household_id)
        have = agreements.current_agreements(self._store, self._household_id)
        missing = [k for k in kinds if k not in have]
        self.draft_button.setEnabled(bool(missing))
        self.applicable_label.setText(
            _("To draft: {kinds}").format(kinds="、".join(_(agreements.KINDS[k]) for k in missing))
            if missing
            else _("Every agreement the household signs is drafted.")
        )
        self._update_buttons()
        self._fill_acceptance()

    def selected(self) -> AgreementInfo | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.items[rows[0].row()] if rows else None

    def select_agreement(self, agreement_id: str) -> bool:
        for row, item in enumerate(self.model.items):
            if item.id == agreement_id:
                self.view.selectRow(row)
                return True
        return False

    def _update_buttons(self) -> None:
        item = self.selected()
        draft = item is not None and item.status == agreements.DRAFT
        self.preview_button.setEnabled(item is not None)
        self.print_button.setEnabled(item is not None)
        self.office_button.setEnabled(item is not None)
        self.sign_button.setEnabled(draft)
        self.paper_button.setEnabled(draft)
        self.edit_button.setEnabled(draft)
        self.void_button.setEnabled(item is not None and item.status != agreements.VOIDED)
        stale = self.model.stale.get(item.id) if item is not None else None
        if stale:
            fields = agreements.describe_stale(stale)
            self.stale_label.setText(
                _(
                    "The records changed since this draft was filled in ({fields}): fill it in again "
                    "before it is printed or signed."
                ).format(fields=fields)
                if draft
                else _(
                    "The records changed since this agreement was signed ({fields}). Void it with the "
                    "reason: the new version is drafted from the records as they are now."
                ).format(fields=fields)
            )
        self.stale_label.setVisible(bool(stale))

    def _title(self, item: AgreementInfo) -> str:
        return _("{kind} {number} (version {version})").format(
            kind=item.label, number=item.number, version=item.version
        )

    def _failed(self, error: Exception) -> None:
        self.message.show_message(str(error))

    # ------------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------------
    def draft_missing(self) -> list[str]:
        if self._household_id is None:
            return []
        try:
            drafted, refused = agreements.draft_missing(
                self._store, self._household_id, demolition_deadline=self.deadline_edit.value(), today=dt.date.today()
            )
        except (AgreementError, DateError) as error:
            self._failed(error)
            return []
        self.refresh(drafted[0] if drafted else None)
        lines = []
        if drafted:
            lines.append(_("{n} agreements drafted; preview and print them for signing.").format(n=len(drafted)))
        for kind, reason in refused.items():
            lines.append(_("{kind} not drafted: {reason}").format(kind=_(agreements.KINDS[kind]), reason=reason))
        self.message.show_message("\n".join(lines), "warning" if refused else "info")
        if drafted:
            self.changed.emit()
        return drafted

    def fill_in_again(self) -> bool:
        """The correction step (``agreements.edit``): the selected draft filled in from the records now."""
        item = self.selected()
        if item is None:
            return False
        try:
            agreements.edit(self._store, item.id, today=dt.date.today())
        except AgreementError as error:
            self._failed(error)
            return False
        self.refresh(item.id)
        self.message.show_message(
            _("The draft is filled in again from the records as they are now; preview it before printing."), "info"
        )
        self.changed.emit()
        return True

    def preview(self, office_copy: bool = False) -> Path | None:
        """Save the selected agreement as a PDF in the village's documents folder (named by the household
        head, the kind, the date and the number) and open it in the PDF viewer (to look at and print): the
        household's copy, or the office's (``office_copy``: marked, with the rules and the command).  No
        viewer: a message says where the file is (qt.shell.documents)."""
        path = self._save_pdf(office_copy)
        if path is not None and not documents.open_document(self, path):
            self.message.show_message(
                _("Written to {path}; open it with a PDF reader to print.").format(path=str(path)), "info"
            )
        return path

    def print_agreement(self, office_copy: bool = False):
        """Save the selected agreement as ``preview`` does, then print it from here (qt.shell.printing: the
        system's print dialog, the pages drawn in the background).  Returns the printing worker, or None."""
        from xinjie_desktop.qt.shell import printing

        path = self._save_pdf(office_copy)
        if path is None:
            return None
        return printing.print_document(self, path, lambda text: self.message.show_message(text, "info"))

    def _save_pdf(self, office_copy: bool) -> Path | None:
        item = self.selected()
        if item is None:
            return None
        village, head = self._place()
        kind = _(agreements.KINDS[item.kind])
        if office_copy:
            kind = _("the office's copy of {what}").format(what=kind)
        try:
            target = documents.document_path(kind, village, head, item.number)
            path = agreements.render_pdf(self._store, item.id, target, office_copy=office_copy)
        except (AgreementError, OSError) as error:
            self._failed(error)
            return None
        self.message.show_message(_("Saved as {path}.").format(path=str(path)), "info")
        return path

    def _place(self) -> tuple[str, str]:
        """The household's village and head, which name the folder and the file of its documents."""
        with self._store.session() as session:
            household = session.get(Household, self._household_id) if self._household_id else None
            if household is None:
                return "", ""
            group = session.get(VillagerGroup, household.group_id)
            return (group.village.name if group is not None else ""), household.head_name or ""

    def _names(self) -> dict[str, str]:
        with self._store.session() as session:
            household = session.get(Household, self._household_id)
            township = session.query(Township).first()
            return {
                "household_head": household.head_name if household else "",
                "representative": township.representative if township is not None else "",
            }

    def make_sign_dialog(self) -> SignDialog | None:
        """The sign dialog for the selected draft (names filled in where known)."""
        item = self.selected()
        if item is None or item.status != agreements.DRAFT:
            return None
        return SignDialog(self._title(item), self._names(), dt.date.today(), self)

    def sign_on_screen(self) -> None:
        dialog = self.make_sign_dialog()
        if dialog is not None and dialog.exec() == QDialog.DialogCode.Accepted:
            self.apply_signatures(dialog)
        if dialog is not None:
            dialog.deleteLater()

    def apply_signatures(self, dialog: SignDialog) -> bool:
        """Give the dialog's three signatures to the core (AG-1): the agreement is signed, its PDF stored."""
        item = self.selected()
        if item is None:
            return False
        try:
            agreements.sign_on_screen(self._store, item.id, dialog.signatures(), dialog.signed_on(), expected=item)
        except AgreementError as error:
            self.refresh(item.id)  # as the store holds it now (changed meanwhile, perhaps)
            self._failed(error)
            return False
        self.refresh(item.id)
        self.message.show_message(
            _("Signed; the signed PDF is kept and the agreement can no longer be edited."), "info"
        )
        self.changed.emit()
        return True

    def sign_on_paper(self) -> None:
        item = self.selected()
        if item is None:
            return
        dialog = PaperSignDialog(self._title(item), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.mark_signed_on_paper(
                Path(dialog.path_edit.text().strip()), dialog.fingerprint_check.isChecked(), dialog.date_edit.value()
            )
        dialog.deleteLater()

    def mark_signed_on_paper(self, scan: Path, fingerprint: bool, signed_on: dt.date) -> bool:
        item = self.selected()
        if item is None:
            return False
        try:
            agreements.sign_on_paper(self._store, item.id, scan, fingerprint, signed_on, expected=item)
        except AgreementError as error:
            self.refresh(item.id)
            self._failed(error)
            return False
        self.refresh(item.id)
        self.message.show_message(_("Marked signed on paper; the scan is kept."), "info")
        self.changed.emit()
        return True

    def void(self) -> None:
        item = self.selected()
        if item is None:
            return
        dialog = VoidDialog(self._title(item), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.void_selected(dialog.reason_edit.toPlainText(), dialog.date_edit.value())
        dialog.deleteLater()

    def void_selected(self, reason: str, on: dt.date | None = None) -> str | None:
        """Void the selected agreement with ``reason``; the new version is selected.  Returns its id."""
        item = self.selected()
        if item is None:
            return None
        try:
            new_id = agreements.void(self._store, item.id, reason, on or dt.date.today(), expected=item)
        except AgreementError as error:
            self.refresh(item.id)
            self._failed(error)
            return None
        self.refresh(new_id)
        self.message.show_message(
            _("Voided; version {version} is drafted to be corrected and signed.").format(
                version=self.selected().version if self.selected() else ""
            ),
            "info",
        )
        self.changed.emit()
        return new_id

    # ------------------------------------------------------------------------------------------
    # Demolition acceptance
    # ------------------------------------------------------------------------------------------
    def _signed_demolition(self) -> AgreementInfo | None:
        current = agreements.current_agreements(self._store, self._household_id).get(agreements.DEMOLITION)
        return current if current is not None and current.status == agreements.SIGNED else None

    def _fill_acceptance(self) -> None:
        signed = self._signed_demolition()
        record = demolition.acceptance(self._store, self._household_id)
        self._acceptance = record  # as shown: recording the certificates is checked against it
        self.acceptance_box.setVisible(signed is not None or record is not None)
        if not self.acceptance_box.isVisibleTo(self):
            return
        editable = record is None
        for widget in (
            self.accepted_on_edit,
            self.demolished_on_edit,
            self.inspector_edit,
            self.photo_edit,
            self.photo_button,
            self.reclamation_combo,
            self.accept_button,
        ):
            widget.setEnabled(editable)
        if record is not None:
            self.accepted_on_edit.set_value(record.accepted_on)
            self._setting_demolished = True
            try:
                self.demolished_on_edit.set_value(record.demolished_on or record.accepted_on)
            finally:
                self._setting_demolished = False
            self.inspector_edit.setText(record.inspector)
            self.photo_edit.setText(_("photo kept") if record.photo_sha256 else "")
            self.old_certificate_check.setChecked(record.old_certificate_returned)
            self.new_certificate_edit.setText(record.new_certificate_number)
            self.reclamation_combo.set_code(record.reclamation)
            self.old_certificate_check.setEnabled(not record.old_certificate_returned)
            self.new_certificate_edit.setEnabled(True)
            self.accept_button.setText(_("Record certificates"))
            self.accept_button.setEnabled(True)
        else:
            self._demolished_follows = True
            self._follow_acceptance()
            self.accept_button.setText(_("Record acceptance"))
            self.old_certificate_check.setEnabled(True)
            self.new_certificate_edit.setEnabled(True)
        try:
            reward = demolition.reward_due(self._store, self._household_id)
        except DemolitionError as error:
            self.reward_label.setText(str(error))
        else:
            colour = "#1b5e20" if reward.due else "#8a5a00"
            self.reward_label.setStyleSheet(f"color: {colour};")
            self.reward_label.setText(reward.reason)

    def _follow_acceptance(self) -> None:
        if self._demolished_follows:
            self._setting_demolished = True
            try:
                self.demolished_on_edit.set_date_or_none(self.accepted_on_edit.date_or_none())
            finally:
                self._setting_demolished = False

    def _demolished_changed(self) -> None:
        if not self._setting_demolished:
            self._demolished_follows = False

    def _choose_photo(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Choose the photo of the demolished house"), "", _("Images (*.jpg *.jpeg *.png);;All files (*)")
        )
        if path:
            self.photo_edit.setText(path)

    def record_acceptance(self) -> bool:
        """Record the acceptance (or, once accepted, the certificates) through ``core.records.demolition``."""
        if self._household_id is None:
            return False
        existing = demolition.acceptance(self._store, self._household_id)
        try:
            if existing is None:
                photo = self.photo_edit.text().strip()
                demolition.accept(
                    self._store,
                    self._household_id,
                    self.accepted_on_edit.value(),
                    self.inspector_edit.text(),
                    Path(photo) if photo else None,
                    self.old_certificate_check.isChecked(),
                    self.new_certificate_edit.text(),
                    self.reclamation_combo.code(),
                    demolished_on=self.demolished_on_edit.value(),
                )
            else:  # changed in the store meanwhile: the user decides
                save_deciding(
                    self,
                    lambda decisions: demolition.record_certificates(
                        self._store,
                        self._household_id,
                        self.old_certificate_check.isChecked(),
                        self.new_certificate_edit.text(),
                        loaded=self._acceptance,
                        decisions=decisions,
                    ),
                )
        except (DemolitionError, NothingChosen, DateError) as error:
            self.acceptance_message.show_message(str(error))
            return False
        self.acceptance_message.show_message(
            _("Acceptance recorded.") if existing is None else _("Certificates recorded."), "info"
        )
        self._fill_acceptance()
        self.changed.emit()
        return True
