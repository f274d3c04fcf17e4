"""The household editor's identification workflow tab (ID-5, PN-1): the steps recorded, the next step
to record (the core refuses anything out of order), and the objections raised during the public
notice with their re-verification."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.records import households
from xinjie_desktop.core.rules import identification
from xinjie_desktop.core.rules.identification import StepInput, WorkflowError
from xinjie_desktop.core.rules.policy_params import PolicyParameters
from xinjie_desktop.i18n import _, join
from xinjie_desktop.qt.households.editor_parts import bold, note
from xinjie_desktop.qt.shell.widgets import (
    EMPTY_MARK,
    DateField,
    MessageLabel,
    date_with_message,
    read_only_table,
    table_cell,
    text_box,
    unreadable_date,
)


class WorkflowTab(QWidget):
    """The workflow of the saved household ``set_household``; ``recorded`` once a step, an objection or
    a re-verification is in the store (the editor reloads the household then)."""

    recorded = Signal(str)  # the household's id

    def __init__(self, store, params: PolicyParameters) -> None:
        super().__init__()
        self._store = store
        self._params = params
        self._household_id: str | None = None
        self._next_step: str | None = None
        self._build()

    def set_household(self, household_id: str | None) -> None:
        self._household_id = household_id

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.workflow_placeholder = note(
            _("Save the household first: the identification workflow is recorded for a saved household.")
        )
        self.workflow_placeholder.setObjectName("workflow_placeholder")
        layout.addWidget(self.workflow_placeholder)
        self.workflow_body = QWidget()
        layout.addWidget(self.workflow_body, 1)
        body = QVBoxLayout(self.workflow_body)
        body.setContentsMargins(0, 0, 0, 0)
        self.workflow_state_label = bold(QLabel())
        self.workflow_state_label.setObjectName("workflow_state_label")
        body.addWidget(self.workflow_state_label)
        self.steps_table = read_only_table([_("Step"), _("Date"), _("Done by"), _("Result"), _("Details")])
        self.steps_table.setObjectName("steps_table")
        body.addWidget(self.steps_table, 1)

        lower = QHBoxLayout()
        body.addLayout(lower, 2)
        self.step_box = QGroupBox()
        self.step_box.setObjectName("step_box")
        self.step_form = QFormLayout(self.step_box)
        self.step_date = DateField(dt.date.today())
        self.step_date.setObjectName("step_date")
        self.step_date.date_changed.connect(self._on_step_date_changed)
        self.step_by = QLineEdit()
        self.step_by.setObjectName("step_by")
        self.step_passed = QCheckBox(_("Passed"))
        self.step_passed.setObjectName("step_passed")
        self.step_passed.setChecked(True)
        self.step_notes = text_box(56)
        self.step_notes.setObjectName("step_notes")
        self.step_omission = QCheckBox(_("An omitted household (missed by an earlier identification)"))
        self.step_omission.setObjectName("step_omission")
        self.step_omission_reason = QLineEdit()
        self.step_omission_reason.setObjectName("step_omission_reason")
        self.step_omission_reason.setEnabled(False)
        self.step_omission.toggled.connect(self.step_omission_reason.setEnabled)
        self.step_notice_place = QLineEdit()
        self.step_notice_place.setObjectName("step_notice_place")
        self.step_notice_end = DateField(dt.date.today())
        self.step_notice_end.setObjectName("step_notice_end")
        self.step_national_number = QLineEdit()
        self.step_national_number.setObjectName("step_national_number")
        self.step_notes_label = QLabel()
        self._step_date_box = date_with_message(self.step_date)[0]
        self.step_form.addRow(_("Date"), self._step_date_box)
        self.step_form.addRow(_("Done by"), self.step_by)
        self.step_form.addRow("", self.step_passed)
        self.step_form.addRow(self.step_notes_label, self.step_notes)
        self.step_form.addRow("", self.step_omission)
        self.step_form.addRow(_("Why it was missed"), self.step_omission_reason)
        self.step_form.addRow(_("Posted at"), self.step_notice_place)
        self._notice_end_box = date_with_message(self.step_notice_end)[0]
        self.step_form.addRow(_("Posted until"), self._notice_end_box)
        self.step_form.addRow(_("Number in the national system"), self.step_national_number)
        self.record_step_button = QPushButton(_("Record this step"))
        self.record_step_button.setObjectName("record_step_button")
        self.record_step_button.clicked.connect(self.record_step)
        self.step_message = MessageLabel()
        self.step_message.setObjectName("step_message")
        self.step_form.addRow("", self.record_step_button)
        self.step_form.addRow("", self.step_message)
        self.workflow_done_label = note("")
        self.workflow_done_label.setObjectName("workflow_done_label")
        self.step_form.addRow(self.workflow_done_label)
        lower.addWidget(self.step_box, 1)

        objections_box = QGroupBox(_("Objections raised during the public notice"))
        objections = QVBoxLayout(objections_box)
        self.objections_table = read_only_table(
            [_("Raised on"), _("Raised by"), _("Objection"), _("Re-verified on"), _("Re-verification")]
        )
        self.objections_table.setObjectName("objections_table")
        self.objections_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        objections.addWidget(self.objections_table, 1)
        add_form = QFormLayout()
        self.objection_date = DateField(dt.date.today())
        self.objection_by = QLineEdit()
        self.objection_content = QLineEdit()
        self.objection_content.setObjectName("objection_content")
        self.add_objection_button = QPushButton(_("Add objection"))
        self.add_objection_button.setObjectName("add_objection_button")
        self.add_objection_button.clicked.connect(self.add_objection)
        row = QHBoxLayout()
        row.addWidget(self.objection_date)
        row.addWidget(QLabel(_("Raised by")))
        row.addWidget(self.objection_by, 1)
        add_form.addRow(_("Raised on"), row)
        row = QHBoxLayout()
        row.addWidget(self.objection_content, 1)
        row.addWidget(self.add_objection_button)
        add_form.addRow(_("Objection"), row)
        self.resolution_date = DateField(dt.date.today())
        self.resolution_text = QLineEdit()
        self.resolution_text.setObjectName("resolution_text")
        self.resolve_button = QPushButton(_("Record re-verification"))
        self.resolve_button.setObjectName("resolve_button")
        self.resolve_button.clicked.connect(self.resolve_objection)
        row = QHBoxLayout()
        row.addWidget(self.resolution_date)
        row.addWidget(self.resolution_text, 1)
        row.addWidget(self.resolve_button)
        add_form.addRow(_("Re-verified"), row)
        objections.addLayout(add_form)
        self.objection_message = MessageLabel()
        self.objection_message.setObjectName("objection_message")
        for field in (self.objection_date, self.resolution_date):
            field.problem_changed.connect(self.objection_message.show_message)
        objections.addWidget(self.objection_message)
        lower.addWidget(objections_box, 1)

    def fill(self, household) -> None:
        """The saved household's steps and objections and its next step; ``None``: not saved yet."""
        saved = household is not None
        self.workflow_placeholder.setVisible(not saved)
        self.workflow_body.setVisible(saved)
        if not saved:
            self._next_step = None
            return
        steps = list(household.steps)
        state = identification.state(steps)
        previous_next = self._next_step
        self._next_step = identification.next_step(steps)
        self.workflow_state_label.setText(
            _("Workflow state: {state}").format(state=_(identification.STATE_LABELS.get(state, state)))
        )
        self.steps_table.setRowCount(len(steps))
        for row, step in enumerate(sorted(steps, key=lambda s: s.ordinal)):
            details = [step.notes] if step.notes else []
            if step.is_omission:
                details.append(_("omitted household; missed because: {reason}").format(reason=step.omission_reason))
            if step.notice_place:
                details.append(
                    _("posted at {place} until {end}").format(
                        place=step.notice_place, end=step.notice_end.isoformat() if step.notice_end else EMPTY_MARK
                    )
                )
            self.steps_table.setItem(row, 0, table_cell(_(identification.STEP_LABELS.get(step.step, step.step))))
            self.steps_table.setItem(row, 1, table_cell(step.done_on.isoformat()))
            self.steps_table.setItem(row, 2, table_cell(step.done_by))
            self.steps_table.setItem(row, 3, table_cell(_("passed") if step.passed else _("not approved")))
            self.steps_table.setItem(row, 4, table_cell(join(details)))
        self.steps_table.resizeRowsToContents()

        objections = list(household.objections)
        self.objections_table.setRowCount(len(objections))
        for row, objection in enumerate(objections):
            self.objections_table.setItem(row, 0, table_cell(objection.raised_on.isoformat(), objection.id))
            self.objections_table.setItem(row, 1, table_cell(objection.raised_by))
            self.objections_table.setItem(row, 2, table_cell(objection.content))
            self.objections_table.setItem(
                row, 3, table_cell(objection.resolved_on.isoformat() if objection.resolved_on else EMPTY_MARK)
            )
            self.objections_table.setItem(row, 4, table_cell(objection.resolution or _("not re-verified yet")))
        self.objections_table.resizeRowsToContents()

        step = self._next_step
        has_next = step is not None
        self.step_box.setTitle(
            _("Next step: {step}").format(step=_(identification.STEP_LABELS[step])) if has_next else _("Next step")
        )
        for widget in (self._step_date_box, self.step_by, self.step_passed, self.step_notes, self.record_step_button):
            self.step_form.setRowVisible(widget, has_next)
        self.step_form.setRowVisible(self.step_omission, step == "proposed")
        self.step_form.setRowVisible(self.step_omission_reason, step == "proposed")
        self.step_form.setRowVisible(self.step_notice_place, step == "noticed")
        self.step_form.setRowVisible(self._notice_end_box, step == "noticed")
        self.step_form.setRowVisible(self.step_national_number, step == "entered")
        self.step_notes_label.setText(_("Circumstances of the household") if step == "proposed" else _("Notes"))
        self.step_message.clear_message()
        if has_next:
            self.workflow_done_label.hide()
        else:
            self.workflow_done_label.setText(
                _("The workflow was closed because a step was not approved.")
                if state == identification.REJECTED
                else _("All steps of the workflow are recorded.")
            )
            self.workflow_done_label.show()
        if step != previous_next:  # a new step: a fresh form (an objection keeps what is typed)
            for widget in (self.step_by, self.step_omission_reason, self.step_notice_place, self.step_national_number):
                widget.clear()
            self.step_notes.clear()
            self.step_passed.setChecked(True)
            self.step_omission.setChecked(False)
            if (date := self.step_date.date_or_none()) is not None:
                self._on_step_date_changed(date)

    def _on_step_date_changed(self, date: dt.date) -> None:
        self.step_notice_end.set_value(date + dt.timedelta(days=self._params.notice_minimum_days))

    def record_step(self) -> None:
        """Record the next step through the core; the core refuses anything out of order."""
        if not self._household_id or self._next_step is None:
            return
        step = self._next_step
        dates = (self.step_date, self.step_notice_end) if step == "noticed" else (self.step_date,)
        if problem := unreadable_date(*dates):
            self.step_message.show_message(problem)
            return
        entry = StepInput(
            step=step,
            done_on=self.step_date.value(),
            done_by=self.step_by.text(),
            passed=self.step_passed.isChecked(),
            notes=self.step_notes.toPlainText(),
            is_omission=step == "proposed" and self.step_omission.isChecked(),
            omission_reason=self.step_omission_reason.text() if step == "proposed" else "",
            notice_place=self.step_notice_place.text() if step == "noticed" else "",
            notice_end=self.step_notice_end.value() if step == "noticed" else None,
            national_number=self.step_national_number.text() if step == "entered" else "",
        )
        try:
            households.record_step(self._store, self._household_id, entry, self._params)
        except WorkflowError as error:
            self.step_message.show_message(str(error))
            return
        self.recorded.emit(self._household_id)

    def add_objection(self) -> None:
        if not self._household_id:
            return
        if problem := unreadable_date(self.objection_date):
            self.objection_message.show_message(problem)
            return
        try:
            households.add_objection(
                self._store,
                self._household_id,
                self.objection_date.value(),
                self.objection_by.text(),
                self.objection_content.text(),
            )
        except WorkflowError as error:
            self.objection_message.show_message(str(error))
            return
        self.objection_message.clear_message()
        self.objection_by.clear()
        self.objection_content.clear()
        self.recorded.emit(self._household_id)

    def resolve_objection(self) -> None:
        if not self._household_id:
            return
        rows = self.objections_table.selectionModel().selectedRows()
        if not rows:
            self.objection_message.show_message(_("Select the objection that was re-verified."))
            return
        objection_id = self.objections_table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        if problem := unreadable_date(self.resolution_date):
            self.objection_message.show_message(problem)
            return
        try:
            households.resolve_objection(
                self._store, objection_id, self.resolution_date.value(), self.resolution_text.text()
            )
        except WorkflowError as error:
            self.objection_message.show_message(str(error))
            return
        self.objection_message.clear_message()
        self.resolution_text.clear()
        self.recorded.emit(self._household_id)

    # =====================================================================================
    # Flags
