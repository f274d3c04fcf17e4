"""The household editor's income worksheet tab: the amounts of each year, and the result the core
computes from them and the actual population (net income, per-capita income, the year's income line,
below the line or not)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from xinjie_desktop.core.records.households import IncomeDraft, Problem
from xinjie_desktop.core.rules import income
from xinjie_desktop.core.rules.money import AmountError, format_yuan, parse_yuan, to_fen
from xinjie_desktop.core.rules.policy_params import PolicyParameters
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.households.editor_parts import bold, note
from xinjie_desktop.qt.shell.field_labels import INCOME_FIELDS
from xinjie_desktop.qt.shell.widgets import EMPTY_MARK, ERROR_COLOUR, INFO_COLOUR, MessageLabel, with_message


class IncomeTab(QWidget):
    """One worksheet a year, typed as text and kept per year until the household is saved."""

    def __init__(self, params: PolicyParameters) -> None:
        super().__init__()
        self._params = params
        lined_years = sorted(params.income_lines)
        self._default_year = lined_years[-1] if lined_years else dt.date.today().year - 1
        self._incomes: dict[int, dict[str, str]] = {}
        self._income_problems: dict[int, dict[str, list[Problem]]] = {}
        self._income_year = self._default_year
        self._income_messages: dict[str, MessageLabel] = {}
        self._population = 0
        self._filling = False
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        columns = QHBoxLayout()
        layout.addLayout(columns)
        layout.addStretch(1)
        sheet_box = QGroupBox(_("Income worksheet"))
        form = QFormLayout(sheet_box)
        self.income_year_spin = QSpinBox()
        self.income_year_spin.setObjectName("income_year")
        self.income_year_spin.setRange(2010, dt.date.today().year)
        self.income_year_spin.setValue(self._default_year)
        self.income_year_spin.valueChanged.connect(self._on_income_year_changed)
        form.addRow(_("Year"), self.income_year_spin)
        self.income_edits: dict[str, QLineEdit] = {}
        for attr, label in INCOME_FIELDS:
            edit = QLineEdit()
            edit.setObjectName(f"income_{attr}")
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            edit.setPlaceholderText("0.00")
            edit.textChanged.connect(lambda _t, attr=attr: self._on_income_edited(attr))
            self.income_edits[attr] = edit
            box, message = with_message(edit)
            message.setObjectName(f"income_{attr}_message")
            self._income_messages[attr] = message
            form.addRow(_("{label} (yuan)").format(label=_(label)), box)
        form.addRow(
            note(
                _(
                    "Net income = wage + business + property + transfer income - production costs. "
                    "Leave every amount empty to keep no worksheet for the year."
                )
            )
        )
        columns.addWidget(sheet_box, 1)

        result_box = QGroupBox(_("Result"))
        form = QFormLayout(result_box)
        self.net_income_label = QLabel()
        self.income_population_label = QLabel()
        self.per_capita_label = bold(QLabel())
        self.line_label = QLabel()
        self.income_result_label = bold(QLabel(), 1)
        for name, widget in (
            ("net_income_label", self.net_income_label),
            ("income_population_label", self.income_population_label),
            ("per_capita_label", self.per_capita_label),
            ("line_label", self.line_label),
            ("income_result_label", self.income_result_label),
        ):
            widget.setObjectName(name)
            widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(_("Net income"), self.net_income_label)
        form.addRow(_("Actual population"), self.income_population_label)
        form.addRow(_("Per-capita net income"), self.per_capita_label)
        form.addRow(_("Income line of the year"), self.line_label)
        form.addRow(_("Against the line"), self.income_result_label)
        form.addRow(
            note(
                _(
                    "A household qualifies when its per-capita net income is below the line "
                    "and it has labour capacity and willingness to work."
                )
            )
        )
        columns.addWidget(result_box, 1)

    def _on_income_year_changed(self, year: int) -> None:
        if self._filling:
            return
        self._income_year = year
        self.show_year()

    def show_year(self) -> None:
        texts = self._incomes.get(self._income_year, {})
        self._filling = True
        try:
            for attr, edit in self.income_edits.items():
                edit.setText(texts.get(attr, ""))
        finally:
            self._filling = False
        self.recompute()

    def _on_income_edited(self, attr: str) -> None:
        if self._filling:
            return
        self._incomes.setdefault(self._income_year, {})[attr] = self.income_edits[attr].text()
        self._income_problems.get(self._income_year, {}).pop(attr, None)
        self.recompute()

    def recompute(self) -> None:
        amounts = {}
        saved_problems = self._income_problems.get(self._income_year, {})
        for attr, edit in self.income_edits.items():
            message = self._income_messages[attr]
            try:
                amounts[attr] = parse_yuan(edit.text())
            except AmountError as error:
                message.show_message(str(error))
                continue
            message.show_problems(saved_problems.get(attr, []))
        population = self._population
        self.income_population_label.setText(str(population))
        if len(amounts) < len(self.income_edits):
            for label in (self.net_income_label, self.per_capita_label, self.line_label):
                label.setText(EMPTY_MARK)
            self._set_result(_("Correct the amounts marked in red to see the result."), ERROR_COLOUR)
            return
        result = income.assess(
            self._income_year, *(to_fen(amounts[attr]) for attr, _label in INCOME_FIELDS), population, self._params
        )
        self.net_income_label.setText(_("{amount} yuan").format(amount=format_yuan(result.net_income)))
        self.per_capita_label.setText(
            _("{amount} yuan").format(amount=format_yuan(result.per_capita))
            if result.per_capita is not None
            else _("none: the household has no actual members")
        )
        self.line_label.setText(
            _("{amount} yuan").format(amount=format_yuan(result.line))
            if result.line is not None
            else _("no income line is set for {year}").format(year=self._income_year)
        )
        if result.below_line is None:
            self._set_result(EMPTY_MARK, "")
        elif result.below_line:
            self._set_result(_("Below the line"), ERROR_COLOUR)
        else:
            self._set_result(_("Not below the line"), INFO_COLOUR)

    def _set_result(self, text: str, colour: str) -> None:
        self.income_result_label.setText(text)
        self.income_result_label.setStyleSheet(f"color: {colour};" if colour else "")

    def drafts(self) -> tuple[list[IncomeDraft], list[Problem]]:
        sheets: list[IncomeDraft] = []
        problems: list[Problem] = []
        for year in sorted(self._incomes):
            texts = self._incomes[year]
            if not any(text.strip() for text in texts.values()):
                continue
            index = len(sheets)
            sheet = IncomeDraft(year=year)
            for attr, _label in INCOME_FIELDS:
                try:
                    setattr(sheet, attr, parse_yuan(texts.get(attr, "")))
                except AmountError as error:
                    problems.append(Problem(f"income.{index}.{attr}", str(error)))
            sheets.append(sheet)
        return sheets, problems

    # =====================================================================================
    # Saving

    # =====================================================================================
    # What the editor asks of the tab
    # =====================================================================================
    @property
    def year(self) -> int:
        return self._income_year

    def fill(self, sheets: list[IncomeDraft]) -> None:
        """The saved worksheets; shows the newest year with an income line (or the newest at all)."""
        self._filling = True
        try:
            self._incomes = {
                sheet.year: {attr: _amount_text(getattr(sheet, attr)) for attr, _label in INCOME_FIELDS}
                for sheet in sheets
            }
            years = sorted(self._incomes)
            self._income_year = self._default_year if self._default_year in self._incomes or not years else years[-1]
            self.income_year_spin.setValue(self._income_year)
        finally:
            self._filling = False

    def set_population(self, population: int) -> None:
        self._population = population
        self.recompute()

    def clear_problems(self) -> None:
        self._income_problems = {}
        self.recompute()

    def set_problems(self, problems: dict[int, dict[str, list[Problem]]]) -> None:
        self._income_problems = problems
        self.recompute()


def _amount_text(value) -> str:
    return "" if not value else str(value)
