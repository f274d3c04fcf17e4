"""The household editor's first tab: basic information (village and group, address, phone, willingness
to work, a resettlement shop or row house) and the household's record in the national
poverty-alleviation system (number, system population, attribute, causes, standard, exit, helping
cadre, reconciliation, supporting files)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.records import township
from xinjie_desktop.core.records.households import HouseholdDraft
from xinjie_desktop.core.rules import vocabulary
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.households.attachment_panel import AttachmentPanel
from xinjie_desktop.qt.households.editor_parts import HouseholdFields
from xinjie_desktop.qt.shell.widgets import EMPTY_MARK, ChoiceCombo, MessageLabel, OptionalIntSpin, text_box


class NationalRecordBox(QGroupBox):
    """The household's record in the national system, with its supporting files."""

    def __init__(self, store, fields: HouseholdFields) -> None:
        super().__init__(_("Record in the national poverty-alleviation system"))
        form = QFormLayout(self)
        self.national_number_edit = QLineEdit()
        fields.add(form, "national_number", self.national_number_edit)
        population_row = QWidget()
        row = QHBoxLayout(population_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.system_population_spin = OptionalIntSpin(0, 99)
        row.addWidget(self.system_population_spin)
        self.basic_population_label = QLabel()
        row.addWidget(self.basic_population_label, 1)
        fields.add(form, "system_population", population_row)
        fields.widgets["system_population"] = self.system_population_spin
        self.attribute_combo = ChoiceCombo(vocabulary.ATTRIBUTES, EMPTY_MARK)
        fields.add(form, "attribute", self.attribute_combo)
        self.main_cause_combo = ChoiceCombo(vocabulary.CAUSES, EMPTY_MARK)
        fields.add(form, "main_cause", self.main_cause_combo)
        causes = QWidget()
        grid = QGridLayout(causes)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        self.secondary_checks: dict[str, QCheckBox] = {}
        for index, (code, label) in enumerate(vocabulary.CAUSES.items()):
            check = QCheckBox(_(label))
            check.setObjectName(f"secondary_{code}")
            self.secondary_checks[code] = check
            grid.addWidget(check, index // 2, index % 2)
        fields.add(form, "secondary_causes", causes)
        self.standard_combo = ChoiceCombo(vocabulary.IDENTIFICATION_STANDARDS, EMPTY_MARK)
        fields.add(form, "identification_standard", self.standard_combo)
        exit_row = QWidget()
        row = QHBoxLayout(exit_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.exited_check = QCheckBox(_("The household has exited poverty, in"))
        self.exit_year_spin = OptionalIntSpin(2014, dt.date.today().year)
        self.exit_year_spin.setEnabled(False)
        self.exited_check.toggled.connect(self.exit_year_spin.setEnabled)
        row.addWidget(self.exited_check)
        row.addWidget(self.exit_year_spin)
        row.addStretch(1)
        fields.add(form, "exited", exit_row, _("Exit"))
        fields.widgets["exited"] = self.exited_check
        exit_message = MessageLabel()
        fields.messages["exit_year"] = exit_message
        fields.widgets["exit_year"] = self.exit_year_spin
        form.addRow("", exit_message)
        self.helper_edit = QLineEdit()
        fields.add(form, "helper_cadre", self.helper_edit)
        self.reconciliation_edit = text_box(56)
        self.reconciliation_edit.setPlaceholderText(
            _("Where system and actual population differ: the reconciliation and its supporting files")
        )
        fields.add(form, "reconciliation_note", self.reconciliation_edit)
        self.attachment_panel = AttachmentPanel(store)
        form.addRow(_("Supporting files"), self.attachment_panel)

    def fill(self, draft: HouseholdDraft) -> None:
        self.national_number_edit.setText(draft.national_number)
        self.system_population_spin.set_value_or_none(draft.system_population)
        self.attribute_combo.set_code(draft.attribute)
        self.main_cause_combo.set_code(draft.main_cause)
        for code, check in self.secondary_checks.items():
            check.setChecked(code in draft.secondary_causes)
        self.standard_combo.set_code(draft.identification_standard)
        self.exited_check.setChecked(draft.exited)
        self.exit_year_spin.setEnabled(draft.exited)
        self.exit_year_spin.set_value_or_none(draft.exit_year)
        self.helper_edit.setText(draft.helper_cadre)
        self.reconciliation_edit.setPlainText(draft.reconciliation_note)

    def values(self) -> dict:
        """The record's fields of a ``HouseholdDraft``, as typed."""
        exited = self.exited_check.isChecked()
        return {
            "national_number": self.national_number_edit.text(),
            "system_population": self.system_population_spin.value_or_none(),
            "attribute": self.attribute_combo.code(),
            "main_cause": self.main_cause_combo.code(),
            "secondary_causes": [code for code, check in self.secondary_checks.items() if check.isChecked()],
            "identification_standard": self.standard_combo.code(),
            "exited": exited,
            "exit_year": self.exit_year_spin.value_or_none() if exited else None,
            "helper_cadre": self.helper_edit.text(),
            "reconciliation_note": self.reconciliation_edit.toPlainText(),
        }


class BasicTab(QWidget):
    """Basic information on the left, the national-system record on the right."""

    system_population_changed = Signal()

    def __init__(self, store, fields: HouseholdFields) -> None:
        super().__init__()
        columns = QHBoxLayout(self)
        left = QVBoxLayout()
        right = QVBoxLayout()
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)

        household_box = QGroupBox(_("Household"))
        form = QFormLayout(household_box)
        self.group_combo = QComboBox()
        self.group_combo.setPlaceholderText(_("Choose the village and villagers' group"))
        fields.add(form, "group_id", self.group_combo)
        self.address_edit = QLineEdit()
        fields.add(form, "address", self.address_edit)
        self.phone_edit = QLineEdit()
        fields.add(form, "phone", self.phone_edit)
        self.labour_willing_check = QCheckBox(_("The household is willing to work"))
        fields.add(form, "labour_willing", self.labour_willing_check, "")
        left.addWidget(household_box)

        moved_box = QGroupBox(_("Resettlement shop or row house (re-check)"))
        form = QFormLayout(moved_box)
        self.moved_check = QCheckBox(_("Moved to a shop or row house at a resettlement site"))
        fields.add(form, "moved_to_shop_or_row_house", self.moved_check, "")
        self.recheck_edit = text_box(56)
        self.recheck_edit.setPlaceholderText(_("Outcome of the re-check"))
        fields.add(form, "recheck_outcome", self.recheck_edit)
        self.moved_check.toggled.connect(self.recheck_edit.setEnabled)
        left.addWidget(moved_box)
        left.addStretch(1)

        self.national = NationalRecordBox(store, fields)
        right.addWidget(self.national)
        right.addStretch(1)

        for widget in (self.national.system_population_spin, self.national.exit_year_spin):
            widget.setMinimumWidth(90)
        self.national.system_population_spin.valueChanged.connect(lambda _v: self.system_population_changed.emit())

    def fill_groups(self, groups: list[township.GroupRef]) -> None:
        self.group_combo.clear()
        for group in groups:
            self.group_combo.addItem(f"{group.village_name} {group.name}", group.id)
        self.group_combo.setCurrentIndex(-1)

    def group_id(self) -> str:
        return self.group_combo.currentData() or ""

    def fill(self, draft: HouseholdDraft) -> None:
        index = self.group_combo.findData(draft.group_id) if draft.group_id else -1
        self.group_combo.setCurrentIndex(index)
        self.address_edit.setText(draft.address)
        self.phone_edit.setText(draft.phone)
        self.labour_willing_check.setChecked(draft.labour_willing)
        self.national.fill(draft)
        self.moved_check.setChecked(draft.moved_to_shop_or_row_house)
        self.recheck_edit.setEnabled(draft.moved_to_shop_or_row_house)
        self.recheck_edit.setPlainText(draft.recheck_outcome)

    def values(self) -> dict:
        """This tab's fields of a ``HouseholdDraft``, as typed."""
        return {
            "group_id": self.group_id(),
            "address": self.address_edit.text(),
            "phone": self.phone_edit.text(),
            "labour_willing": self.labour_willing_check.isChecked(),
            **self.national.values(),
            "moved_to_shop_or_row_house": self.moved_check.isChecked(),
            "recheck_outcome": self.recheck_edit.toPlainText(),
        }

    def show_actual_population(self, actual: int) -> None:
        self.national.basic_population_label.setText(_("actual population: {actual}").format(actual=actual))
