"""What the sync windows share: choosing the USB stick, times shown in local time, the names of the
roles, this computer's line in their headers, whether a laptop still awaits its first bundle, and the
dialog running one background operation.

``DrivePicker`` lists the mounted volumes that look like a USB stick (writable, under /media,
/run/media, /mnt or /Volumes, or a FAT/exFAT/NTFS file system, or on Windows any drive but the
system's), with "Choose folder…" for anything else (a folder on the disk, a network share).
Presentation only: which bundles go where is the core's (core.sync.exporting and core.sync.importing).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStorageInfo, Signal
from PySide6.QtWidgets import QComboBox, QDialog, QFileDialog, QHBoxLayout, QPushButton, QSizePolicy, QWidget

from xinjie_desktop.core.records import township
from xinjie_desktop.core.sync import device, roles
from xinjie_desktop.core.sync.device import Provisioning
from xinjie_desktop.i18n import N_, _
from xinjie_desktop.qt.shell.widgets import EMPTY_MARK, size_text

REMOVABLE_ROOTS = ("/media/", "/run/media/", "/mnt/", "/Volumes/")
STICK_FILE_SYSTEMS = {"vfat", "msdos", "fat", "fat32", "exfat", "fuseblk", "ntfs", "ntfs3"}
ROLE_LABELS = {roles.LAPTOP: N_("village laptop"), roles.TOWNSHIP: N_("township office")}
VIRTUAL_FILE_SYSTEMS = {"tmpfs", "devtmpfs", "proc", "sysfs", "overlay", "squashfs", "ramfs", "autofs", "devfs"}


def role_label(role: str | None) -> str:
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else ""


def awaiting_first_bundle(store) -> Provisioning | None:
    """The provisioning of a village laptop whose data file holds no township yet (its villages arrive
    with the township office's first bundle); None otherwise."""
    granted = device.provisioning(store)
    if granted is None:
        return None
    with store.session() as session:
        if township.is_set_up(session):
            return None
    return granted


def this_computer_text(store) -> str:
    """ "This computer: <name> (<role>), key fingerprint …", for the sync windows' headers."""
    name, role = roles.my_name(store), roles.role(store)
    fingerprint = device.identity(store).fingerprint
    if role is None:
        return _("This computer's key fingerprint: {fingerprint}").format(fingerprint=fingerprint)
    return _("This computer: {name} ({role}), key fingerprint {fingerprint}").format(
        name=name, role=role_label(role), fingerprint=fingerprint
    )


def local_text(moment: dt.datetime | None) -> str:
    """A time the core keeps in UTC (without a zone), as the local date and time; a dash for none."""
    if moment is None:
        return EMPTY_MARK
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def local_time(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone().replace(tzinfo=None)


@dataclass(frozen=True)
class Volume:
    path: str
    label: str


def usb_volumes() -> list[Volume]:
    """Mounted, writable volumes that look like a USB stick (the system's own disk left out)."""
    system_drive = os.environ.get("SystemDrive", "C:").upper()
    found = []
    for info in QStorageInfo.mountedVolumes():
        if not info.isValid() or not info.isReady() or info.isReadOnly():
            continue
        root = info.rootPath()
        file_system = bytes(info.fileSystemType()).decode("ascii", "replace").lower()
        if file_system in VIRTUAL_FILE_SYSTEMS or root == "/":
            continue
        if os.name == "nt":
            looks_removable = not root.upper().startswith(system_drive)
        else:
            looks_removable = (root + "/").startswith(REMOVABLE_ROOTS) or file_system in STICK_FILE_SYSTEMS
        if not looks_removable:
            continue
        name = info.displayName() or info.name() or root
        label = (
            _("{name} ({path}), {free} free").format(name=name, path=root, free=size_text(info.bytesAvailable()))
            if name != root
            else _("{path}, {free} free").format(path=root, free=size_text(info.bytesAvailable()))
        )
        found.append(Volume(root, label))
    return found


class DrivePicker(QWidget):
    """The USB stick (or folder) to write to or read from."""

    folder_changed = Signal(str)  # "" when none is chosen

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox(objectName="drive_combo")
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.combo.setMinimumContentsLength(30)
        self.refresh_button = QPushButton(_("Look again"), objectName="drive_refresh")
        self.refresh_button.setToolTip(_("List the USB sticks again (after plugging one in)"))
        self.choose_button = QPushButton(_("Choose folder…"), objectName="drive_choose")
        self.choose_button.setToolTip(_("Another folder: a USB stick not listed, or a folder on this computer"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo, 1)
        layout.addWidget(self.refresh_button)
        layout.addWidget(self.choose_button)
        self.refresh_button.clicked.connect(self.refresh)
        self.choose_button.clicked.connect(self.choose_folder)
        self.combo.currentIndexChanged.connect(lambda _index: self.folder_changed.emit(self.folder_text()))
        self.refresh()

    def refresh(self) -> None:
        """List the sticks again, keeping a chosen folder."""
        chosen = self.folder_text()
        self.combo.blockSignals(True)
        self.combo.clear()
        for volume in usb_volumes():
            self.combo.addItem(volume.label, volume.path)
        if self.combo.count() == 0:
            self.combo.setPlaceholderText(
                _('No USB stick found: plug one in and press "Look again", or choose a folder')
            )
        if chosen:
            self._select(chosen)
        self.combo.blockSignals(False)
        self.folder_changed.emit(self.folder_text())

    def _select(self, folder: str) -> None:
        index = self.combo.findData(folder)
        if index < 0:
            self.combo.addItem(folder, folder)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)

    def choose_folder(self) -> str:
        start = self.folder_text() or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, _("Choose the USB stick or folder"), start)
        if folder:
            self.set_folder(folder)
        return folder

    def set_folder(self, folder: str | Path) -> None:
        self._select(str(folder))

    def folder_text(self) -> str:
        data = self.combo.currentData()
        return data if isinstance(data, str) else ""

    def folder(self) -> Path | None:
        text = self.folder_text()
        return Path(text) if text else None

    def set_enabled(self, enabled: bool) -> None:
        for widget in (self.combo, self.refresh_button, self.choose_button):
            widget.setEnabled(enabled)


class WorkerDialog(QDialog):
    """A dialog running one background operation at a time (``self.worker``, from
    shell.operations.run_in_background): closing it stops the job (after the bundle in hand) and waits
    for its thread."""

    worker = None

    def stop_and_wait(self) -> None:
        if self.worker is not None and self.worker.isRunning():
            self.worker.cancel()
            self.worker.wait()

    def done(self, result: int) -> None:
        self.stop_and_wait()
        super().done(result)

    def closeEvent(self, event) -> None:
        self.stop_and_wait()
        super().closeEvent(event)
