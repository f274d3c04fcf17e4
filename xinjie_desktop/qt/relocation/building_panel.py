"""The household window's 建房进度: the new house's building progress (issues 18, 19).

The four stages (foundation laid, main structure, completion, moved in) with the day each was reached, who
recorded it and the evidence; below, the next stage to record with its date box, who records it and a short
note of the evidence.  The funds' tranches are paid by these stages (按建房进度拨付).

Thin: ``core.records.building`` decides (a relocation verified in scope, the relocation agreement signed, the
stages in order, no day going backwards or in the future); its refusals are shown in words and nothing is
changed.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.records import building
from xinjie_desktop.core.records.building import BuildingError
from xinjie_desktop.core.rules import building as rules
from xinjie_desktop.core.rules.dates import DateError
from xinjie_desktop.core.rules.permissions import Action, PermissionRefused, any_village
from xinjie_desktop.i18n import N_, _
from xinjie_desktop.qt.shell.widgets import EMPTY_MARK, DateField, MessageLabel, date_with_message

HEADERS = (N_("Building stage"), N_("Reached on"), N_("Recorded by"), N_("Evidence"))


class BuildingPanel(QWidget):
    """The building progress of one saved household."""

    recorded = Signal(str)  # the stage's record id

    def __init__(self, store, parent: QWidget | None = None, today: dt.date | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._household_id: str | None = None
        self.today = today or dt.date.today()
        self._next: str | None = None
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        note = QLabel(
            _(
                "The new house's building, stage by stage. Each tranche of the relocation funds is paid once its "
                "stage is recorded here (按建房进度拨付)."
            )
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555555;")
        layout.addWidget(note)
        self.eligibility_label = QLabel()
        self.eligibility_label.setObjectName("building_eligibility")
        self.eligibility_label.setWordWrap(True)
        self.eligibility_label.setStyleSheet("color: #8a5a00;")
        layout.addWidget(self.eligibility_label)
        self.table = QTableWidget(len(rules.STAGES), len(HEADERS))
        self.table.setObjectName("building_stages")
        self.table.setHorizontalHeaderLabels([_(h) for h in HEADERS])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setFixedHeight(
            self.table.horizontalHeader().sizeHint().height() + 4 * self.table.verticalHeader().defaultSectionSize() + 4
        )
        layout.addWidget(self.table)

        self.form_box = QGroupBox(_("Record the next stage"))
        self.form_box.setObjectName("building_form")
        form = QFormLayout(self.form_box)
        self.next_label = QLabel()
        self.next_label.setObjectName("building_next_stage")
        form.addRow(_("Next stage"), self.next_label)
        self.reached_edit = DateField(self.today)
        self.reached_edit.setObjectName("building_reached_on")
        reached_box, _message = date_with_message(self.reached_edit)
        reached_row = QHBoxLayout()
        reached_row.addWidget(reached_box)
        reached_row.addStretch(1)
        form.addRow(_("Reached on"), reached_row)
        self.recorded_by_edit = QLineEdit()
        self.recorded_by_edit.setObjectName("building_recorded_by")
        self.recorded_by_edit.setPlaceholderText(_("who saw it and records it"))
        form.addRow(_("Recorded by"), self.recorded_by_edit)
        self.evidence_edit = QLineEdit()
        self.evidence_edit.setObjectName("building_evidence")
        self.evidence_edit.setPlaceholderText(_("e.g. photo of the foundation kept, seen by the village committee"))
        form.addRow(_("Evidence"), self.evidence_edit)
        self.record_button = QPushButton(_("Record stage"))
        self.record_button.setObjectName("building_record_button")
        self.record_button.clicked.connect(self.record)
        self.message = MessageLabel(reserve=2)
        self.message.setObjectName("building_message")
        actions = QHBoxLayout()
        actions.addWidget(self.message, 1)
        actions.addWidget(self.record_button)
        form.addRow("", actions)
        layout.addWidget(self.form_box)
        layout.addStretch(1)

    # ------------------------------------------------------------------------------------------
    def set_household(self, household_id: str | None) -> None:
        self._household_id = household_id
        self.message.clear_message()
        if household_id is None:
            return
        actor = self._store.actor
        if not self.recorded_by_edit.text().strip() and actor is not None:
            self.recorded_by_edit.setText(actor.name)
        self.refresh()

    def refresh(self) -> None:
        if self._household_id is None:
            return
        stages = {s.stage: s for s in building.stages(self._store, self._household_id)}
        for row, stage in enumerate(rules.STAGES):
            reached = stages.get(stage)
            values = (
                rules.stage_label(stage),
                reached.reached_on.isoformat() if reached else EMPTY_MARK,
                reached.recorded_by if reached else EMPTY_MARK,
                reached.evidence or EMPTY_MARK if reached else EMPTY_MARK,
            )
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self._next = rules.next_stage([rules.Reached(s.stage, s.reached_on) for s in stages.values()])
        refused = building.eligibility(self._store, self._household_id)
        actor = self._store.actor
        if actor is not None and not any_village(actor, Action.BUILDING_PROGRESS):
            refused = [_("Your account may read the building progress, not record it.")]
        self.eligibility_label.setText("\n".join(refused))
        self.eligibility_label.setVisible(bool(refused))
        if self._next is None:
            self.next_label.setText(_("none: the household has moved in"))
        else:
            self.next_label.setText(rules.stage_label(self._next))
        self.form_box.setEnabled(self._next is not None and not refused)

    def record(self) -> str | None:
        """Record the next stage through ``core.records.building``; a refusal is shown in words."""
        if self._household_id is None or self._next is None:
            return None
        try:
            record_id = building.record_stage(
                self._store,
                self._household_id,
                self._next,
                self.reached_edit.value(),
                self.recorded_by_edit.text(),
                self.evidence_edit.text(),
                today=self.today,
            )
        except (BuildingError, DateError, PermissionRefused) as error:
            self.message.show_message(str(error))
            return None
        self.message.show_message(
            _("Recorded: {stage} on {date}.").format(
                stage=rules.stage_label(self._next), date=self.reached_edit.value().isoformat()
            ),
            "info",
        )
        self.evidence_edit.clear()
        self.refresh()
        self.recorded.emit(record_id)
        return record_id
