"""The household window's place for a C/D-grade dangerous house (SB-3).

For a registered poor household outside relocation: the third-party appraisal (grade, appraiser,
date), and for a D-grade house rebuilt in place its figures (area, cost, own funds, a loan drawn and
when building started); the assessment is shown as it is typed, with the plan's own words, and
"Record appraisal" keeps it with the household.  Where the district company takes over the
rebuild's loan, the agreements tab then offers the co-ownership agreement.

Thin: ``core.rules.dangerous_house`` assesses, ``core.records.dangerous_house`` says whether the
household may have one and keeps it; their refusals are shown in words and nothing is changed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.records import dangerous_house as dangerous_records
from xinjie_desktop.core.records import housing_plans
from xinjie_desktop.core.rules import policy_params
from xinjie_desktop.core.rules.dangerous_house import GRADES, DangerousHouseError, DangerousHouseInput, assess
from xinjie_desktop.core.rules.money import AmountError, format_yuan, parse_area, parse_yuan
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell.widgets import ChoiceCombo, DateField, MessageLabel


class DangerousHousePanel(QWidget):
    """SB-3 for one saved household."""

    recorded = Signal(str)  # the appraisal's id

    def __init__(self, store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._household_id: str | None = None
        self._params = policy_params.current()
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.eligibility_label = QLabel()
        self.eligibility_label.setObjectName("dangerous_eligibility")
        self.eligibility_label.setWordWrap(True)
        layout.addWidget(self.eligibility_label)
        self.form_box = QGroupBox(_("Appraisal of a dangerous house (SB-3)"))
        form = QFormLayout(self.form_box)
        self.grade_combo = ChoiceCombo(GRADES, placeholder=_("C or D"))
        self.grade_combo.setObjectName("dangerous_grade")
        self.grade_combo.setCurrentIndex(-1)
        form.addRow(_("Grade"), self.grade_combo)
        self.appraiser_edit = QLineEdit()
        self.appraiser_edit.setObjectName("dangerous_appraiser")
        self.appraiser_edit.setPlaceholderText(_("the third-party appraiser who graded the house"))
        form.addRow(_("Appraiser"), self.appraiser_edit)
        self.appraised_edit = DateField(dt.date.today())
        self.appraised_edit.setObjectName("dangerous_appraised_on")
        form.addRow(_("Appraised on"), self.appraised_edit)
        self.people_spin = QSpinBox()
        self.people_spin.setObjectName("dangerous_people")
        self.people_spin.setRange(1, 30)
        form.addRow(_("Actual population"), self.people_spin)
        self.rebuild_check = QCheckBox(_("Demolished and rebuilt in place (D grade)"))
        self.rebuild_check.setObjectName("dangerous_rebuild")
        form.addRow("", self.rebuild_check)
        self.start_edit = DateField(optional=True)
        self.start_edit.setObjectName("dangerous_start_date")
        form.addRow(_("Building started on"), self.start_edit)
        self.area_edit = QLineEdit()
        self.area_edit.setObjectName("dangerous_area")
        self.area_edit.setPlaceholderText(_("m²"))
        self.unit_cost_edit = QLineEdit()
        self.unit_cost_edit.setObjectName("dangerous_unit_cost")
        self.unit_cost_edit.setPlaceholderText(_("yuan per m²"))
        row = QHBoxLayout()
        row.addWidget(self.area_edit)
        row.addWidget(QLabel(_("Building cost per square metre")))
        row.addWidget(self.unit_cost_edit)
        form.addRow(_("Rebuilt area"), row)
        self.own_funds_edit = QLineEdit()
        self.own_funds_edit.setObjectName("dangerous_own_funds")
        self.loan_edit = QLineEdit()
        self.loan_edit.setObjectName("dangerous_loan")
        money = QHBoxLayout()
        money.addWidget(self.own_funds_edit)
        money.addWidget(QLabel(_("Loan already drawn")))
        money.addWidget(self.loan_edit)
        form.addRow(_("Own funds"), money)
        self.result_label = QLabel()
        self.result_label.setObjectName("dangerous_result")
        self.result_label.setWordWrap(True)
        form.addRow(_("Assessment"), self.result_label)
        self.record_button = QPushButton(_("Record appraisal"))
        self.record_button.setObjectName("dangerous_record_button")
        self.record_button.clicked.connect(self.record)
        self.message = MessageLabel()
        self.message.setObjectName("dangerous_message")
        actions = QHBoxLayout()
        actions.addWidget(self.message, 1)
        actions.addWidget(self.record_button)
        form.addRow("", actions)
        layout.addWidget(self.form_box)
        self.recorded_label = QLabel()
        self.recorded_label.setObjectName("dangerous_recorded")
        self.recorded_label.setWordWrap(True)
        layout.addWidget(self.recorded_label)
        layout.addStretch(1)
        self.grade_combo.currentIndexChanged.connect(self.reassess)
        self.rebuild_check.toggled.connect(self.reassess)
        self.people_spin.valueChanged.connect(self.reassess)
        for edit in (self.appraiser_edit, self.start_edit, self.area_edit, self.unit_cost_edit):
            edit.textChanged.connect(self.reassess)
        for edit in (self.own_funds_edit, self.loan_edit):
            edit.textChanged.connect(self.reassess)

    # ------------------------------------------------------------------------------------------
    def set_household(self, household_id: str | None) -> None:
        self._household_id = household_id
        self.message.clear_message()
        if household_id is None:
            return
        refusal = dangerous_records.refusal(self._store, household_id)
        self.form_box.setEnabled(refusal is None)
        self.eligibility_label.setText(
            refusal or _("A registered poor household outside relocation: a C or D-grade house is aided under SB-3.")
        )
        self.people_spin.setValue(housing_plans.defaults_for(self._store, household_id).people)
        self._show_recorded()
        self.reassess()

    def _show_recorded(self) -> None:
        appraisal = dangerous_records.latest(self._store, self._household_id) if self._household_id else None
        if appraisal is None:
            self.recorded_label.setText(_("No appraisal recorded yet."))
            return
        house, result = appraisal.house, appraisal.result
        lines = [
            _("Recorded: grade {grade}, appraised by {appraiser} on {date}.").format(
                grade=house.grade, appraiser=house.appraiser, date=house.appraised_on.isoformat()
            ),
            result.explanation,
        ]
        if result.loan_taken_over > 0:
            lines.append(_("The co-ownership agreement with the district company is drafted in the Agreements tab."))
        self.recorded_label.setText("\n".join(lines))

    def house(self) -> DangerousHouseInput:
        """The form as an appraisal; ValueError (the reason) if a figure cannot be read."""

        def amount(edit: QLineEdit) -> Decimal | None:
            return parse_yuan(edit.text()) if edit.text().strip() else None

        if not self.start_edit.is_valid():
            raise ValueError(_("A date looks like 2017-02-28."))
        try:
            return DangerousHouseInput(
                grade=self.grade_combo.code(),
                appraiser=self.appraiser_edit.text(),
                appraised_on=self.appraised_edit.value(),
                people=self.people_spin.value(),
                rebuild=self.rebuild_check.isChecked(),
                start_date=self.start_edit.date_or_none(),
                unit_cost=amount(self.unit_cost_edit),
                area=parse_area(self.area_edit.text()),
                own_funds=amount(self.own_funds_edit) or Decimal(0),
                loan=amount(self.loan_edit) or Decimal(0),
            )
        except AmountError as error:
            raise ValueError(str(error)) from None

    def reassess(self, *_args) -> None:
        try:
            result = assess(self.house(), self._params)
        except (ValueError, DangerousHouseError) as error:
            self.result_label.setStyleSheet("color: #8a5a00;")
            self.result_label.setText(str(error))
            return
        lines = [result.explanation, *("• " + reason for reason in result.reasons)]
        if result.max_area_m2 is not None:
            lines.append(_("At most {area} m² for this household.").format(area=result.max_area_m2))
        if result.building_cost is not None:
            lines.append(_("Building cost: {cost} yuan.").format(cost=format_yuan(result.building_cost)))
        lines.append(_("The plan's own words: {words}").format(words=result.plan))
        self.result_label.setStyleSheet("color: #1b5e20;" if result.compliant else "color: #b00020;")
        self.result_label.setText("\n".join(lines))

    def record(self) -> str | None:
        if self._household_id is None:
            return None
        try:
            record_id = dangerous_records.record(self._store, self._household_id, self.house(), self._params)
        except (ValueError, DangerousHouseError) as error:
            self.message.show_message(str(error))
            return None
        self.message.show_message(_("Appraisal recorded."), "info")
        self._show_recorded()
        self.recorded.emit(record_id)
        return record_id
