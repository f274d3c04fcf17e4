"""Provisioning in the window (issues 5 and 13): the village laptop writes its request, the township office
provisions the laptop that wrote it, the laptop accepts the provisioning file, and a provisioned laptop waits
for the township office's first bundle.  Nothing is taken on trust: each side confirms the other's key
fingerprint as the other's screen shows it.

``RequestProvisioningDialog`` (village laptop, first start or Sync → Write a provisioning request): the
name it asks for, the USB stick; core.sync.device.write_request writes the request, and the dialog shows
this laptop's key fingerprint in large letters for the officer to compare at the township office.  Its
second step opens the provisioning file the township office wrote.

``ProvisionLaptopDialog`` (township office, Sync → Provision a village laptop): the laptop's request
(chosen on the stick, its fingerprint shown, to be confirmed with a tick as the one the laptop's screen
shows), the laptop's name, its villages (ticked in a list of the stored villages), the USB stick;
core.sync.device.provision writes the signed file, and the dialog shows the township key fingerprint to
compare on the laptop.

``AcceptProvisioningDialog`` (village laptop): the file chosen on the stick is read and checked
(core.sync.device.read_provisioning) and what it grants is shown, with the township key fingerprint; it is
accepted (core.sync.device.accept_provisioning, which also checks that the file is for this laptop's keys)
only once the user ticked that the township office's computer shows the same fingerprint.

``AwaitingTownshipPage``: a provisioned laptop whose data file holds no township yet (the villages
arrive with the township office's first bundle) shows this page in place of the empty household
list, with the two steps: write the first bundle for the township office, import its bundle back.

Thin: every check and refusal is core.sync.device's, shown in its words.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from xinjie_desktop.core.records import township
from xinjie_desktop.core.store.models import Village
from xinjie_desktop.core.sync import device
from xinjie_desktop.core.sync.device import DeviceError, Provisioning, Request
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell.widgets import INFO_COLOUR, WARNING_COLOUR, MessageLabel, close_buttons
from xinjie_desktop.qt.sync.sync_common import (
    DrivePicker,
    local_text,
    this_computer_text,
    usb_volumes,
)

NOTE_STYLE = "color: #555555;"
FILE_SUFFIX = ".json"
UNSAFE_IN_FILE_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f]')  # not allowed on FAT32 or Windows


# --- what the window needs to know -----------------------------------------------------------------


def is_laptop(store) -> bool:
    """A provisioned village laptop: it accepts provisioning files and never writes them."""
    return device.provisioning(store) is not None


def villages_text(granted: Provisioning) -> str:
    return _(", ").join(name for _id, name in sorted(granted.villages, key=lambda village: village[1]))


def issued_text(issued_at: str) -> str:
    """The provisioning's time (UTC, ISO) as local time."""
    try:
        return local_text(dt.datetime.fromisoformat(issued_at))
    except ValueError:
        return issued_at


def fingerprint_label(text: str = "", name: str = "") -> QLabel:
    """A key fingerprint, large enough to read aloud and compare; selectable."""
    label = QLabel(text, objectName=name)
    font = QFont(label.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.5)
    font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _note(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text, objectName=name)
    label.setWordWrap(True)
    label.setStyleSheet(NOTE_STYLE)
    return label


def _heading(text: str, name: str = "", scale: float = 1.3) -> QLabel:
    label = QLabel(text, objectName=name)
    label.setWordWrap(True)
    font = QFont(label.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


# --- the township office: provision a village laptop ----------------------------------------------


def provisioning_file_name(laptop_name: str) -> str:
    """The file's name on the stick: the laptop's name, without characters FAT32 refuses."""
    safe = UNSAFE_IN_FILE_NAMES.sub("_", laptop_name).strip().strip(".") or "laptop"
    return _("{laptop} provisioning file").format(laptop=safe) + FILE_SUFFIX


def free_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name (2)``, ``name (3)``… if a file of that name is there already."""
    path = folder / name
    number = 2
    while path.exists():
        path = folder / f"{Path(name).stem} ({number}){Path(name).suffix}"
        number += 1
    return path


class ProvisionLaptopDialog(QDialog):
    """The township office writes a provisioning file for a village laptop onto a USB stick."""

    provisioned = Signal(object)  # the Provisioning written

    def __init__(self, store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("provision_dialog")
        self.setWindowTitle(_("Provision a village laptop"))
        self.store = store
        self.written: Path | None = None
        self.granted: Provisioning | None = None
        self.request: Request | None = None  # the laptop's request, read and checked
        me = device.identity(store)

        intro = QLabel(
            _(
                "A village laptop sends the township office only the households of the villages it is provisioned for. "
                "The laptop first writes its provisioning request onto a USB stick; choose it here, compare its key "
                "fingerprint with the laptop's screen, then write the provisioning file for that laptop."
            )
        )
        intro.setWordWrap(True)
        self.this_computer = _note(this_computer_text(store), "this_computer")
        self.this_computer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.name_edit = QLineEdit(objectName="laptop_name")
        self.name_edit.setPlaceholderText(_("e.g. Qingshan village laptop"))
        self.village_list = QListWidget(objectName="village_list")
        self.village_list.setMinimumHeight(self.fontMetrics().height() * 5)
        self.village_list.setMaximumHeight(self.fontMetrics().height() * 9)
        with store.session() as session:
            villages = [(v.id, v.name) for v in township.villages(session)]  # in the order typed at set-up
        for village_id, name in villages:
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, village_id)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.village_list.addItem(item)
        if villages:
            self.village_list.setCurrentRow(0)
        village_hint = _note(
            _("Tick the villages whose households this laptop enters (Space ticks the selected village).")
            if villages
            else _("This data file holds no village yet: set up the township first.")
        )
        village_hint.setMinimumWidth(420)  # a wrapped label in a form row is otherwise squeezed
        self.choose_request_button = QPushButton(_("Choose the laptop's request…"), objectName="choose_request_button")
        self.choose_request_button.setAutoDefault(False)
        self.request_label = QLabel(objectName="request_label")
        self.request_label.setWordWrap(True)
        self.request_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.request_fingerprint = fingerprint_label(name="request_fingerprint")
        self.confirm_laptop = QCheckBox(
            _("The laptop's screen shows this same fingerprint"), objectName="laptop_fingerprint_confirmed"
        )
        self.request_compare = _note(
            _(
                "Compare it group by group with the fingerprint the laptop shows (Sync → Write a provisioning "
                "request, or its first start). If they differ, the request does not come from that laptop: do not "
                "tick the box."
            )
        )
        request_box = QGroupBox(_("1. The laptop's request"))
        request_layout = QVBoxLayout(request_box)
        request_row = QHBoxLayout()
        request_row.addWidget(self.request_label, 1)
        request_row.addWidget(self.choose_request_button, 0, Qt.AlignmentFlag.AlignTop)
        request_layout.addLayout(request_row)
        self.request_details = QWidget(objectName="request_details")
        details_layout = QVBoxLayout(self.request_details)
        details_layout.setContentsMargins(0, 0, 0, 0)
        details_layout.addWidget(QLabel(_("The laptop's key fingerprint, as its request gives it:")))
        details_layout.addWidget(self.request_fingerprint)
        details_layout.addWidget(self.confirm_laptop)
        details_layout.addWidget(self.request_compare)
        self.request_details.hide()
        request_layout.addWidget(self.request_details)
        self.request_label.setText(_("No request chosen yet: the laptop writes it onto a USB stick."))

        laptop_box = QGroupBox(_("2. The laptop"))
        form = QFormLayout(laptop_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(_("Laptop name:"), self.name_edit)
        form.addRow(_("Its villages:"), self.village_list)
        form.addRow("", village_hint)

        self.drive = DrivePicker()
        drive_box = QGroupBox(_("3. The USB stick"))
        QVBoxLayout(drive_box).addWidget(self.drive)

        self.write_button = QPushButton(_("Write the provisioning file"), objectName="write_provisioning_button")
        self.write_button.setDefault(True)
        write_row = QHBoxLayout()
        write_row.addWidget(self.write_button)
        write_row.addStretch(1)
        self.message = MessageLabel()
        self.message.setObjectName("provision_message")

        self.done_box = QGroupBox(_("4. Done"))
        self.written_label = QLabel(objectName="written_label")
        self.written_label.setWordWrap(True)
        self.written_label.setStyleSheet(f"color: {INFO_COLOUR};")
        compare = QLabel(_("On the laptop, compare the township key fingerprint with this one:"))
        compare.setWordWrap(True)
        self.fingerprint = fingerprint_label(me.fingerprint, "township_fingerprint")
        self.next_note = _note(
            _(
                'On the laptop: in "2. Accept the provisioning file" of its request (or Sync → Accept a provisioning '
                "file), choose this file and confirm the township key fingerprint. The laptop then writes its first "
                "bundle; import it here (Sync → Import from USB) and write the bundles back (Sync → Export to USB)."
            ),
            "next_note",
        )
        done_layout = QVBoxLayout(self.done_box)
        done_layout.addWidget(self.written_label)
        done_layout.addWidget(compare)
        done_layout.addWidget(self.fingerprint)
        done_layout.addWidget(self.next_note)
        self.done_box.hide()

        self.issued_box = QGroupBox(_("Laptops provisioned before"))
        self.issued_list = QListWidget(objectName="issued_list")
        self.issued_list.setMaximumHeight(self.fontMetrics().height() * 5)
        QVBoxLayout(self.issued_box).addWidget(self.issued_list)

        buttons = close_buttons(self)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.this_computer)
        layout.addWidget(request_box)
        layout.addWidget(laptop_box)
        layout.addWidget(drive_box)
        layout.addLayout(write_row)
        layout.addWidget(self.message)
        layout.addWidget(self.done_box)
        layout.addWidget(self.issued_box)
        layout.addStretch(1)
        layout.addWidget(buttons)

        self.write_button.clicked.connect(self.write)
        self.choose_request_button.clicked.connect(self.choose_request)
        self.confirm_laptop.toggled.connect(lambda _on: self.message.clear_message())
        self.name_edit.returnPressed.connect(self.village_list.setFocus)
        self.name_edit.textChanged.connect(lambda _text: self.message.clear_message())
        self.village_list.itemChanged.connect(lambda _item: self.message.clear_message())
        self._fill_issued()
        self.resize(760, 760)

    def choose_request(self) -> bool:
        """Ask for the laptop's request file (starting on the first USB stick found) and load it."""
        volumes = usb_volumes()
        start = volumes[0].path if volumes else str(Path.home())
        path, _selected = QFileDialog.getOpenFileName(
            self,
            _("Choose the laptop's provisioning request"),
            start,
            _("Provisioning requests (*.json);;All files (*)"),
        )
        return self.load_request(Path(path)) if path else False

    def load_request(self, path: Path) -> bool:
        """Read and check the request; show its fingerprint to compare, or why it cannot be used."""
        self.confirm_laptop.setChecked(False)
        try:
            self.request = device.read_request(path)
        except DeviceError as error:
            self.request = None
            self.request_details.hide()
            self.request_label.setText(_("File: {path}").format(path=path))
            self.message.show_message(str(error))
            return False
        asked = self.request
        self.request_label.setText(
            _("Request of {laptop}, written {when}: {path}").format(
                laptop=asked.name or _("a laptop without a name"), when=issued_text(asked.made_at), path=path
            )
        )
        self.request_fingerprint.setText(asked.fingerprint)
        if asked.name and not self.name_edit.text().strip():
            self.name_edit.setText(asked.name)
        self.request_details.show()
        self.message.clear_message()
        self.confirm_laptop.setFocus()
        return True

    def checked_villages(self) -> list[str]:
        return [
            self.village_list.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.village_list.count())
            if self.village_list.item(row).checkState() == Qt.CheckState.Checked
        ]

    def write(self) -> Path | None:
        """Write the provisioning file onto the chosen stick; its path, or None (and a message why not)."""
        if self.request is None:
            self.message.show_message(
                _("Choose the laptop's provisioning request first (the laptop writes it onto a USB stick).")
            )
            self.choose_request_button.setFocus()
            return None
        if not self.confirm_laptop.isChecked():
            self.message.show_message(
                _(
                    "Compare the fingerprint with the one the laptop's screen shows, and tick the box if they are the same."
                )
            )
            self.confirm_laptop.setFocus()
            return None
        name = self.name_edit.text().strip()
        if not name:
            self.message.show_message(_("Give the laptop a name."))
            self.name_edit.setFocus()
            return None
        villages = self.checked_villages()
        if not villages:
            self.message.show_message(_("Choose at least one village the laptop may write."))
            self.village_list.setFocus()
            return None
        folder = self.drive.folder()
        if folder is None:
            self.message.show_message(_("Choose the USB stick (or a folder) first."))
            return None
        path = free_path(folder, provisioning_file_name(name))
        try:
            # The officer ticked that the laptop's screen shows this fingerprint: that is the confirmation.
            granted = device.provision(
                self.store, name, villages, path, request=self.request, fingerprint=self.request.fingerprint
            )
        except DeviceError as error:
            self.message.show_message(str(error))
            return None
        self.written, self.granted = path, granted
        self.message.clear_message()
        self.written_label.setText(
            _("The provisioning file for {laptop} ({villages}) is written: {path}").format(
                laptop=granted.laptop_name, villages=villages_text(granted), path=path
            )
        )
        self.fingerprint.setText(granted.township.fingerprint)
        self.done_box.show()
        self.this_computer.setText(this_computer_text(self.store))  # now the township office
        self._fill_issued()
        self.provisioned.emit(granted)
        return path

    def _fill_issued(self) -> None:
        issued = device.issued(self.store)
        with self.store.session() as session:
            names = dict(session.execute(select(Village.id, Village.name)).all())
        self.issued_list.clear()
        for entry in reversed(issued):  # the newest first
            self.issued_list.addItem(
                _("{laptop}: {villages} (written {when})").format(
                    laptop=entry.get("laptop_name", ""),
                    villages=_(", ").join(sorted(names.get(village, village) for village in entry.get("villages", []))),
                    when=issued_text(entry.get("issued_at", "")),
                )
            )
        self.issued_box.setVisible(bool(issued))


# --- the village laptop: accept the provisioning file ---------------------------------------------


def choose_provisioning_file(parent: QWidget | None) -> Path | None:
    """Ask for the provisioning file (starting on the first USB stick found); None if none was chosen."""
    volumes = usb_volumes()
    start = volumes[0].path if volumes else str(Path.home())
    path, _selected = QFileDialog.getOpenFileName(
        parent,
        _("Choose the provisioning file from the township office"),
        start,
        _("Provisioning files (*.json);;All files (*)"),
    )
    return Path(path) if path else None


class AcceptProvisioningDialog(QDialog):
    """Show what a provisioning file grants, with the township key fingerprint to compare; accept it."""

    def __init__(self, store, path: Path | str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accept_provisioning_dialog")
        self.setWindowTitle(_("Accept the provisioning file"))
        self.store = store
        self.path: Path | None = None
        self.read: Provisioning | None = None  # the file chosen, read and checked
        self.accepted_provisioning: Provisioning | None = None

        intro = QLabel(
            _(
                "The township office wrote this provisioning file for this laptop. Check what it grants before you "
                "accept it: this laptop may then enter the households of these villages and exchange bundles with "
                "the township office."
            )
        )
        intro.setWordWrap(True)

        self.file_label = QLabel(objectName="provisioning_file")
        self.file_label.setWordWrap(True)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choose_button = QPushButton(_("Choose another file…"), objectName="choose_provisioning_button")
        self.choose_button.setAutoDefault(False)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_label, 1)
        file_row.addWidget(self.choose_button, 0, Qt.AlignmentFlag.AlignTop)

        self.grants_box = QGroupBox(_("What the file grants"))
        self.laptop_label = QLabel(objectName="granted_laptop")
        self.villages_label = QLabel(objectName="granted_villages")
        self.villages_label.setWordWrap(True)
        self.township_label = QLabel(objectName="granted_township")
        self.issued_label = QLabel(objectName="granted_issued")
        self.fingerprint = fingerprint_label(name="granted_fingerprint")
        for label in (self.laptop_label, self.villages_label, self.township_label):
            font = QFont(label.font())
            font.setBold(True)
            label.setFont(font)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(_("This laptop's name:"), self.laptop_label)
        form.addRow(_("Villages it may enter:"), self.villages_label)
        form.addRow(_("Township office:"), self.township_label)
        form.addRow(_("Written on:"), self.issued_label)
        form.addRow(_("Township key fingerprint:"), self.fingerprint)
        compare = QLabel(
            _(
                "Compare this fingerprint with the one the township office's computer showed when it "
                "wrote the file. If they differ, do not accept the file: it does not come from your "
                "township office."
            ),
            objectName="compare_note",
        )
        compare.setWordWrap(True)
        compare.setStyleSheet(f"color: {WARNING_COLOUR};")
        self.confirm_township = QCheckBox(
            _("The township office's computer shows this same fingerprint"), objectName="township_fingerprint_confirmed"
        )
        grants_layout = QVBoxLayout(self.grants_box)
        grants_layout.addLayout(form)
        grants_layout.addWidget(compare)
        grants_layout.addWidget(self.confirm_township)
        self.grants_box.hide()

        self.message = MessageLabel()
        self.message.setObjectName("accept_message")
        self.this_computer = _note(
            _("This computer's key fingerprint: {fingerprint}").format(fingerprint=device.identity(store).fingerprint),
            "this_computer",
        )

        self.accept_button = QPushButton(_("Accept the provisioning"), objectName="accept_provisioning_button")
        self.accept_button.setDefault(True)
        self.accept_button.setEnabled(False)
        self.cancel_button = QPushButton(_("Cancel"), objectName="accept_cancel_button")
        self.cancel_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.this_computer, 1)
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(file_row)
        layout.addWidget(self.grants_box)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(buttons)

        self.choose_button.clicked.connect(self.choose_file)
        self.confirm_township.toggled.connect(self._enable_accept)
        self.accept_button.clicked.connect(self.accept_file)
        self.cancel_button.clicked.connect(self.reject)
        self.resize(720, 460)
        if path is not None:
            self.load(path)

    def choose_file(self) -> bool:
        path = choose_provisioning_file(self)
        if path is None:
            return False
        self.load(path)
        return True

    def load(self, path: Path | str) -> bool:
        """Read and check the file; show what it grants, or why it cannot be accepted."""
        self.path = Path(path)
        self.file_label.setText(_("File: {path}").format(path=self.path))
        try:
            self.read = device.read_provisioning(self.path)
        except DeviceError as error:
            self.read = None
            self.grants_box.hide()
            self.message.show_message(str(error))
            self._enable_accept()
            return False
        granted = self.read
        self.laptop_label.setText(granted.laptop_name)
        self.villages_label.setText(villages_text(granted))
        self.township_label.setText(granted.township_name or _("township office"))
        self.issued_label.setText(issued_text(granted.issued_at))
        self.fingerprint.setText(granted.township.fingerprint)
        self.confirm_township.setChecked(False)
        self.grants_box.show()
        self.message.clear_message()
        self._enable_accept()
        self.confirm_township.setFocus()
        return True

    def _enable_accept(self) -> None:
        """Accept only a file read and checked, once the user confirmed the township key fingerprint."""
        ready = self.read is not None and self.confirm_township.isChecked()
        self.accept_button.setEnabled(ready)
        if ready:
            self.accept_button.setFocus()

    def accept_file(self) -> Provisioning | None:
        if self.read is None or self.path is None or not self.confirm_township.isChecked():
            return None
        try:
            # The user ticked that the township office's screen shows this fingerprint: that is the confirmation.
            accepted = device.accept_provisioning(
                self.store, self.path, township_fingerprint=self.read.township.fingerprint
            )
        except DeviceError as error:
            self.message.show_message(str(error))
            return None
        self.accepted_provisioning = accepted
        self.accept()
        return accepted


# --- the village laptop: ask for provisioning --------------------------------------------------------


def request_file_name(laptop_name: str) -> str:
    """The request's file name on the stick: the laptop's name, without characters FAT32 refuses."""
    safe = UNSAFE_IN_FILE_NAMES.sub("_", laptop_name).strip().strip(".") or "laptop"
    return _("{laptop} provisioning request").format(laptop=safe) + FILE_SUFFIX


class RequestProvisioningDialog(QDialog):
    """A village laptop asks the township office for provisioning: 1. write its request onto a USB stick,
    with its key fingerprint shown large for the officer to compare; 2. accept the file made from it."""

    provisioned = Signal(object)  # the accepted Provisioning

    def __init__(self, store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("request_provisioning_dialog")
        self.setWindowTitle(_("Ask the township office for provisioning"))
        self.store = store
        self.written: Path | None = None
        self.accept_dialog: AcceptProvisioningDialog | None = None
        self.accepted_provisioning: Provisioning | None = None
        me = device.identity(store)

        intro = QLabel(
            _(
                "The township office provisions this laptop for its villages in two steps. Nothing is taken on trust: "
                "the officer at the township office compares this laptop's key fingerprint with the request, and you "
                "compare the township office's fingerprint with the provisioning file."
            )
        )
        intro.setWordWrap(True)

        self.name_edit = QLineEdit(objectName="request_name")
        self.name_edit.setPlaceholderText(_("e.g. Qingshan village laptop"))
        granted = device.provisioning(store)
        if granted is not None:
            self.name_edit.setText(granted.laptop_name)  # provisioned before: asked again under its name
        self.drive = DrivePicker()
        self.write_button = QPushButton(_("Write the request"), objectName="write_request_button")
        self.write_button.setDefault(True)
        self.written_label = QLabel(objectName="request_written")
        self.written_label.setWordWrap(True)
        self.written_label.setStyleSheet(f"color: {INFO_COLOUR};")
        self.written_label.hide()
        self.fingerprint = fingerprint_label(me.fingerprint, "laptop_fingerprint")
        show_note = _note(
            _(
                "At the township office the officer compares this fingerprint with the one the request shows there. "
                "Take this laptop along, or write the fingerprint down on paper."
            )
        )
        first = QGroupBox(_("1. Write this laptop's request onto a USB stick"))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(_("Laptop name:"), self.name_edit)
        form.addRow(_("USB stick:"), self.drive)
        write_row = QHBoxLayout()
        write_row.addWidget(self.write_button)
        write_row.addStretch(1)
        first_layout = QVBoxLayout(first)
        first_layout.addLayout(form)
        first_layout.addLayout(write_row)
        first_layout.addWidget(self.written_label)
        first_layout.addWidget(QLabel(_("This laptop's key fingerprint:")))
        first_layout.addWidget(self.fingerprint)
        first_layout.addWidget(show_note)

        self.accept_file_button = QPushButton(
            _("Choose the provisioning file…"), objectName="choose_certificate_button"
        )
        self.accept_file_button.setAutoDefault(False)
        second = QGroupBox(_("2. Accept the provisioning file the township office wrote"))
        second_layout = QHBoxLayout(second)
        second_note = QLabel(
            _(
                "Back from the township office with its provisioning file on the USB stick: choose it, and compare "
                "the township key fingerprint it shows with the one the township office's computer showed."
            )
        )
        second_note.setWordWrap(True)
        second_layout.addWidget(second_note, 1)
        second_layout.addWidget(self.accept_file_button, 0, Qt.AlignmentFlag.AlignVCenter)

        self.message = MessageLabel()
        self.message.setObjectName("request_message")
        self.cancel_button = QPushButton(_("Cancel"), objectName="request_cancel_button")
        self.cancel_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(first)
        layout.addWidget(second)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(buttons)

        self.write_button.clicked.connect(self.write)
        self.accept_file_button.clicked.connect(self.choose_certificate)
        self.cancel_button.clicked.connect(self.reject)
        self.name_edit.textChanged.connect(lambda _text: self.message.clear_message())
        self.resize(760, 620)

    def write(self) -> Path | None:
        """Write the request onto the chosen stick; its path, or None (and a message why not)."""
        name = self.name_edit.text().strip()
        if not name:
            self.message.show_message(_("Give the laptop a name."))
            self.name_edit.setFocus()
            return None
        folder = self.drive.folder()
        if folder is None:
            self.message.show_message(_("Choose the USB stick (or a folder) first."))
            return None
        path = free_path(folder, request_file_name(name))
        try:
            asked = device.write_request(self.store, path, name)
        except DeviceError as error:
            self.message.show_message(str(error))
            return None
        self.written = path
        self.message.clear_message()
        self.fingerprint.setText(asked.fingerprint)
        self.written_label.setText(
            _("The request is written: {path}. Take the USB stick to the township office.").format(path=path)
        )
        self.written_label.show()
        return path

    def choose_certificate(self) -> AcceptProvisioningDialog | None:
        """Step 2: choose the provisioning file and show what it grants (window-modal); None if none chosen."""
        path = choose_provisioning_file(self)
        if path is None:
            return None
        if self.accept_dialog is not None:  # one chosen before and cancelled
            self.accept_dialog.deleteLater()
        # Not deleted on close: a child of this dialog, deleted with it (closing this one from within the
        # child's accepted signal would otherwise delete the child twice).
        dialog = AcceptProvisioningDialog(self.store, path, self)
        dialog.accepted.connect(lambda: self._accepted(dialog.accepted_provisioning))
        self.accept_dialog = dialog
        dialog.open()
        return dialog

    def _accepted(self, accepted: Provisioning | None) -> None:
        self.accepted_provisioning = accepted
        self.provisioned.emit(accepted)
        self.accept()


# --- a provisioned laptop waiting for the township office's first bundle ---------------------------


class AwaitingTownshipPage(QWidget):
    """In place of the empty household list, until the township office's first bundle is imported."""

    export_requested = Signal()
    import_requested = Signal()

    def __init__(self, store, granted: Provisioning, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("awaiting_page")
        self.heading = _heading(
            _("This laptop is provisioned ({villages}).").format(villages=villages_text(granted)),
            "awaiting_heading",
            1.5,
        )
        self.lead = QLabel(
            _(
                "Import the bundle the township office sends back from the USB stick; then you can "
                "start entering households."
            ),
            objectName="awaiting_lead",
        )
        self.lead.setWordWrap(True)
        font = QFont(self.lead.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.lead.setFont(font)

        self.export_button = QPushButton(_("Export to USB…"), objectName="awaiting_export_button")
        self.import_button = QPushButton(_("Import from USB…"), objectName="awaiting_import_button")
        self.exported_label = QLabel(objectName="awaiting_exported")
        self.exported_label.setWordWrap(True)
        self.exported_label.setStyleSheet(f"color: {INFO_COLOUR};")
        self.exported_label.hide()
        first = self._step(
            _("1. Write the first bundle and give it to the township office"),
            _(
                "It introduces this laptop to the township office. Take the USB stick there; the "
                "township office imports it (Sync → Import from USB) and writes a bundle back for this "
                "laptop."
            ),
            self.export_button,
            self.exported_label,
        )
        second = self._step(
            _("2. Import the township office's bundle from the USB stick"),
            _("It brings the township, the villages and their households. Then the household list appears here."),
            self.import_button,
        )

        self.details = _note(
            _("Laptop: {laptop} · Township office: {township} · Township key fingerprint: {fingerprint}").format(
                laptop=granted.laptop_name,
                township=granted.township_name or _("township office"),
                fingerprint=granted.township.fingerprint,
            ),
            "awaiting_details",
        )
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning = MessageLabel()
        self.warning.setObjectName("awaiting_warning")
        if device.needs_reprovisioning(store):
            former = device.history(store)
            self.warning.show_message(
                (device.former_identity_text(former[-1]) + "\n" if former else "")
                + _(
                    "This data file took a new identity after it was provisioned: write a provisioning request "
                    "(Sync → Write a provisioning request) and have the township office provision it again."
                ),
                "warning",
            )

        column = QWidget(objectName="awaiting_column")
        column.setMaximumWidth(760)
        column_layout = QVBoxLayout(column)
        column_layout.setSpacing(14)
        for widget in (self.heading, self.lead, first, second, self.warning, self.details):
            column_layout.addWidget(widget)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column, 6)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)

        self.export_button.clicked.connect(self.export_requested)
        self.import_button.clicked.connect(self.import_requested)

    @staticmethod
    def _step(title: str, text: str, button: QPushButton, extra: QWidget | None = None) -> QFrame:
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        inner = QVBoxLayout(frame)
        inner.addWidget(_heading(title, scale=1.1))
        body = QHBoxLayout()
        explanation = QLabel(text)
        explanation.setWordWrap(True)
        body.addWidget(explanation, 1)
        button.setMinimumWidth(150)
        body.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        inner.addLayout(body)
        if extra is not None:
            inner.addWidget(extra)
        return frame

    def first_bundle_written(self, results: list) -> None:
        """The export dialog wrote the first bundle: say so under step 1."""
        if results:
            self.exported_label.setText(
                _("Written: {files}. Now take the USB stick to the township office.").format(
                    files=_(", ").join(result.path.name for result in results)
                )
            )
            self.exported_label.show()
