"""First start on an empty store: a village laptop's provisioning, the township, or demo data.

A village laptop does not set up a township: it accepts the provisioning file
the township office wrote for it (qt.sync.provisioning shows what the file grants,
with the township key fingerprint to compare, before it is accepted); its
villages arrive with the township office's first bundle.

Nothing about real villages is built in.  At the township office the user
types the villages as lines of "village: group, group"
(core.records.township.parse_outline reads Chinese or English punctuation); problems
are shown in words beside the field.  The other way in is a clearly labelled
button that loads an invented demo data set, in the background, with a
progress bar and a Cancel button.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.records import township
from xinjie_desktop.core.records.township import SetupError
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.sync import demo_township
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell.operations import Worker, run_in_background

ERROR_STYLE = "color: #b00020;"
NOTE_STYLE = "color: #555555;"
TITLE_BAR_ROOM = 40  # px a window manager's title bar and frame take above a dialog


class WrappedLabel(QLabel):
    """A word-wrapped line under a field: it takes the field's whole width; ``lines`` reserves room for that
    many lines even while it is empty, so a message appearing moves nothing.  (The dialog keeps itself tall
    enough for every wrapped line at its width: ``SetupDialog._hold_height``.)"""

    def __init__(self, text: str = "", *, lines: int = 0, object_name: str = "") -> None:
        super().__init__(text)
        if object_name:
            self.setObjectName(object_name)
        self.setWordWrap(True)
        self.setMinimumWidth(360)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self._lines = lines
        self._hold_height()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._hold_height()

    def clear(self) -> None:
        super().clear()
        self._hold_height()

    def sizeHint(self) -> QSize:  # the lines its text takes at the width it has, not at a guessed one
        width = max(self.width(), self.minimumWidth())
        return QSize(self.minimumWidth(), max(self.heightForWidth(width) if self.text() else 0, self.minimumHeight()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.updateGeometry()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._hold_height()

    def _hold_height(self) -> None:
        reserved = 0
        if self._lines:  # as high as that many lines of text in this label's font
            probe = QLabel("\n".join("X" * self._lines))
            probe.setFont(self.font())
            probe.setWordWrap(True)
            reserved = probe.heightForWidth(self.minimumWidth())
        self.setMinimumHeight(reserved)


class SetupDialog(QDialog):
    """Accepted once the township exists in the store (typed in, or demo data), or once a village
    laptop's provisioning is accepted (``provisioning`` then holds it)."""

    def __init__(
        self,
        store: Store,
        parent: QWidget | None = None,
        *,
        demo_villages: int = 6,
        demo_households: int = 1200,
        demo_seed: int = 1,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._demo = (demo_villages, demo_households, demo_seed)
        self._worker: Worker | None = None
        self.request_dialog = None  # the laptop's provisioning request and its provisioning file (qt.sync.provisioning)
        self.provisioning = None  # the accepted core.sync.device.Provisioning, on a village laptop
        self.setWindowTitle(_("First start"))
        self.setObjectName("setup_dialog")
        self.setMinimumWidth(640)

        intro = QLabel(
            _(
                "This data file is still empty. On a village laptop, ask the township office for provisioning: write "
                "the laptop's request, then accept the provisioning file made from it. At the township office, enter your township with its villages and villagers' groups. "
                "To look around first, load the demo data set: it is invented and marked as demo data everywhere."
            )
        )
        intro.setWordWrap(True)

        self.laptop_button = QPushButton(
            _("This is a village laptop: ask the township office for provisioning…"),
            objectName="laptop_button",
        )
        self.laptop_button.setAutoDefault(False)
        laptop_note = QLabel(
            _(
                "The laptop writes its request onto a USB stick; the township office writes a provisioning file for "
                "exactly this laptop from it and gives it back to you on the stick. Do not enter a township on a village laptop: the villages and their households arrive with "
                "the township office's first bundle."
            )
        )
        laptop_note.setWordWrap(True)
        laptop_note.setStyleSheet(NOTE_STYLE)
        laptop = QGroupBox(_("On a village laptop"))
        laptop_layout = QVBoxLayout(laptop)
        laptop_row = QHBoxLayout()
        laptop_row.addWidget(self.laptop_button)
        laptop_row.addStretch(1)
        laptop_layout.addLayout(laptop_row)
        laptop_layout.addWidget(laptop_note)

        self.name_edit = QLineEdit(objectName="township_name")
        self.name_error = self._error_label("township_name_error")
        self.centre_edit = QLineEdit(objectName="command_centre")
        self.centre_edit.setPlaceholderText(_("e.g. the township's relocation command centre"))
        self.outline_edit = QPlainTextEdit(objectName="outline")
        self.outline_edit.setTabChangesFocus(True)
        self.outline_edit.setMinimumHeight(120)  # it takes the room there is; the dialog fits a 1366×768 screen
        self.outline_edit.setPlaceholderText(_("Qingshan: Group 1, Group 2, Group 3\nSonglin: Group 1, Group 2"))
        self.outline_hint = WrappedLabel(
            _("One village per line: the village's name, a colon, then its villagers' groups separated by commas."),
            object_name="outline_hint",
        )
        self.outline_hint.setStyleSheet(NOTE_STYLE)
        self.outline_status = WrappedLabel(lines=1, object_name="outline_status")  # room kept for a message

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(_("Township name:"), self.name_edit)
        form.addRow("", self.name_error)
        form.addRow(_("Command centre:"), self.centre_edit)
        form.addRow(_("Villages and groups:"), self.outline_edit)
        form.addRow("", self.outline_hint)
        form.addRow("", self.outline_status)

        self.create_button = QPushButton(_("Create township"), objectName="create_button")
        self.cancel_button = QPushButton(_("Quit"), objectName="quit_button")
        self.demo_button = QPushButton(_("Load demo data (fictitious)"), objectName="demo_button")
        for button in (self.create_button, self.cancel_button, self.demo_button):
            button.setAutoDefault(False)
        own = QGroupBox(_("At the township office: your township"))
        own_layout = QVBoxLayout(own)
        own_layout.addLayout(form)
        create_row = QHBoxLayout()
        create_row.addStretch(1)
        create_row.addWidget(self.create_button)
        own_layout.addLayout(create_row)

        demo_note = QLabel(
            _(
                "Invented data to look around or to train: {villages} villages with {households} households, "
                "names and ID numbers made up. It is marked as demo data in the window title."
            ).format(villages=demo_villages, households=demo_households)
        )
        demo_note.setWordWrap(True)
        # Shown only while the demo data loads.
        self.progress_panel = QFrame(objectName="progress_panel")
        self.progress_label = QLabel(_("Loading the demo data…"))
        self.progress_bar = QProgressBar(objectName="progress_bar")
        self.progress_bar.setRange(0, 0)  # busy until the first report
        self.cancel_loading_button = QPushButton(_("Cancel loading"), objectName="cancel_loading_button")
        self.cancel_loading_button.setAutoDefault(False)
        progress_row = QHBoxLayout(self.progress_panel)
        progress_row.setContentsMargins(0, 0, 0, 0)
        progress_row.addWidget(self.progress_label)
        progress_row.addWidget(self.progress_bar, 1)
        progress_row.addWidget(self.cancel_loading_button)
        self.progress_panel.hide()
        demo = QGroupBox(_("Or: try the program with demo data"))
        demo_layout = QVBoxLayout(demo)
        demo_row = QHBoxLayout()
        demo_row.addWidget(demo_note, 1)
        demo_row.addWidget(self.demo_button, 0, Qt.AlignmentFlag.AlignTop)
        demo_layout.addLayout(demo_row)
        demo_layout.addWidget(self.progress_panel)

        self.message = QLabel(objectName="setup_message")
        self.message.setWordWrap(True)

        quit_row = QHBoxLayout()
        quit_row.addWidget(self.message, 1)
        quit_row.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignBottom)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(laptop)
        layout.addWidget(own)
        layout.addWidget(demo)
        layout.addLayout(quit_row)

        self.name_edit.returnPressed.connect(self.centre_edit.setFocus)
        self.centre_edit.returnPressed.connect(self.outline_edit.setFocus)
        self.outline_edit.textChanged.connect(self._show_outline_status)
        self.name_edit.textChanged.connect(lambda _text: self.name_error.clear())
        self.create_button.clicked.connect(self.create_township)
        self.cancel_button.clicked.connect(self.reject)
        self.demo_button.clicked.connect(self.load_demo_data)
        self.laptop_button.clicked.connect(self.request_provisioning)
        self.cancel_loading_button.clicked.connect(self.cancel_loading)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.create_township)
        # Wrapped labels get their height from the width the dialog opens with: open it wide enough, and no
        # taller than the screen leaves room for (its title bar included).
        # On a low screen (1366×768) it opens wider rather than taller than the screen.
        screen = self.screen().availableGeometry()
        width = 760
        while width + 100 <= screen.width() and self._height_needed(width) + TITLE_BAR_ROOM > screen.height():
            width += 100
        self.resize(width, self._height_needed(width) + self._outline_slack())

    def _outline_slack(self) -> int:
        return max(0, self.outline_edit.sizeHint().height() - self.outline_edit.minimumHeight())

    def _height_needed(self, width: int) -> int:
        """The least height at which every wrapped line shows whole at this width (the villages box at its
        smallest): a top-level dialog's minimum height does not follow its wrapped labels by itself, and a
        dialog squeezed below it draws the hint over the villages box."""
        layout = self.layout()
        return layout.totalHeightForWidth(width) - self._outline_slack()

    def _hold_height(self) -> None:
        needed = self._height_needed(self.width())
        if needed != self.minimumHeight():
            self.setMinimumHeight(needed)

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:  # a message appeared or went: the height it needs
            self._hold_height()
        return handled

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._hold_height()

    @staticmethod
    def _error_label(name: str) -> QLabel:
        label = WrappedLabel(lines=1, object_name=name)  # its line is kept: an error appearing moves nothing
        label.setStyleSheet(ERROR_STYLE)
        return label

    # --- typed-in township ----------------------------------------------
    def _show_outline_status(self) -> None:
        text = self.outline_edit.toPlainText()
        if not text.strip():
            self.outline_status.clear()
            return
        try:
            villages = township.parse_outline(text)
        except SetupError as error:
            self._set_outline_status(str(error), error=True)
            return
        groups = sum(len(g) for g in villages.values())
        self._set_outline_status(
            _("{villages} villages, {groups} villagers' groups").format(villages=len(villages), groups=groups),
            error=False,
        )

    def _set_outline_status(self, text: str, *, error: bool) -> None:
        self.outline_status.setText(text)
        self.outline_status.setStyleSheet(ERROR_STYLE if error else NOTE_STYLE)
        self.outline_status.setProperty("error", error)

    def create_township(self) -> None:
        if self._worker is not None:
            return
        name = self.name_edit.text()
        try:
            villages = township.parse_outline(self.outline_edit.toPlainText())
        except SetupError as error:
            self._set_outline_status(str(error), error=True)
            self.outline_edit.setFocus()
            return
        try:
            township.set_up(self._store, name, self.centre_edit.text(), villages)
        except SetupError as error:
            if not name.strip():
                self.name_error.setText(str(error))
                self.name_edit.setFocus()
            else:
                self._set_outline_status(str(error), error=True)
                self.outline_edit.setFocus()
            return
        self.accept()

    # --- a village laptop ---------------------------------------------------
    def request_provisioning(self):
        """The laptop's provisioning request and, back from the township office, the provisioning file made
        from it (qt.sync.provisioning), window-modal; once the file is accepted, so is this dialog.  The
        dialog shown, or None."""
        from xinjie_desktop.qt.sync.provisioning import RequestProvisioningDialog

        if self._worker is not None:
            return None
        dialog = RequestProvisioningDialog(self._store, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.provisioned.connect(self._provisioned)
        self.request_dialog = dialog
        dialog.open()
        return dialog

    @property
    def accept_dialog(self):
        """The provisioning file being looked at, in the request dialog's second step (or None)."""
        return self.request_dialog.accept_dialog if self.request_dialog is not None else None

    def _provisioned(self, accepted) -> None:
        self.provisioning = accepted
        self.accept()

    # --- demo data ------------------------------------------------------
    def load_demo_data(self) -> None:
        if self._worker is not None:
            return
        villages, households, seed = self._demo
        store = self._store

        def job(report):
            return demo_township.build(store, villages, households, seed, progress=report)

        self._set_busy(True)
        self._worker = run_in_background(
            self,
            job,
            progress=self._on_progress,
            success=self._on_loaded,
            failure=self._on_failed,
            cancelled=self._on_cancelled,
        )

    def is_loading(self) -> bool:
        return self._worker is not None

    def cancel_loading(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self.cancel_loading_button.setEnabled(False)
            self.progress_label.setText(_("Cancelling…"))

    def _on_progress(self, done: int, total: int) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)

    def _finish_worker(self) -> None:
        if self._worker is not None:
            self._worker.wait()  # run_in_background deletes it
            self._worker = None

    def _on_loaded(self, _count) -> None:
        self._finish_worker()
        self.accept()

    def _on_failed(self, message: str) -> None:
        self._finish_worker()
        self._set_busy(False)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(message)

    def _on_cancelled(self) -> None:
        self._finish_worker()
        self._set_busy(False)
        self.message.setStyleSheet(NOTE_STYLE)
        self.message.setText(_("Loading the demo data was cancelled; nothing was saved."))

    def _set_busy(self, busy: bool) -> None:
        for widget in (
            self.name_edit,
            self.centre_edit,
            self.outline_edit,
            self.create_button,
            self.cancel_button,
            self.demo_button,
            self.laptop_button,
        ):
            widget.setEnabled(not busy)
        self.progress_panel.setVisible(busy)
        if busy:
            self.message.clear()
            self.progress_bar.setRange(0, 0)
            self.progress_label.setText(_("Loading the demo data…"))
            self.cancel_loading_button.setEnabled(True)
            self.cancel_loading_button.setFocus()

    def reject(self) -> None:
        if self._worker is not None:  # closing while loading: cancel first, close afterwards
            self.cancel_loading()
            return
        super().reject()

    def done(self, result: int) -> None:
        self._finish_worker()
        super().done(result)
