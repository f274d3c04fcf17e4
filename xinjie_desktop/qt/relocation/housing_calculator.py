"""The housing-plan calculator (安置房测算): a thin window over ``core.rules.housing_plan.calculate``.

Every input change recalculates at once; every figure shown, every reason and every explanation
comes from the core's ``PlanResult``.  This module only reads the fields into a ``PlanInput``
and lays the result out: the layouts as choices (disabled, with the reason, when not allowed),
the money as a breakdown, the verdict with its reasons, and the co-ownership ways of HS-4 (2)
only when the core offers them.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.rules import policy_params
from xinjie_desktop.core.rules.housing_plan import (
    KINDS,
    LAND_LABELS,
    REGISTERED,
    ZONE_LABELS,
    PlanInput,
    PlanInputError,
    PlanResult,
    calculate,
)
from xinjie_desktop.core.rules.money import AmountError, format_yuan, parse_area, parse_yuan
from xinjie_desktop.i18n import N_, _
from xinjie_desktop.qt.shell.widgets import (
    EMPTY_MARK,
    ERROR_COLOUR,
    INFO_COLOUR,
    WARNING_COLOUR,
    ChoiceCombo,
    DateField,
    MessageLabel,
    scrolled,
    with_message,
)

AUTO_LAYOUT = 0  # the button id of "the largest layout allowed" (PlanInput.layout None)

# The money breakdown: (result attribute, label, explanation key); amounts in yuan.
MONEY_ROWS: list[tuple[str, str, str]] = [
    ("building_cost", N_("Building cost"), "building_cost"),
    # the parts as paid, within the HS-3 cap (they add up to the row below; core.rules.household_money)
    ("subsidy_paid", N_("Subsidy"), "subsidy"),
    ("reward_paid", N_("Reward for demolishing the old house"), "reward"),
    ("subsidy_and_reward", N_("Subsidy and reward paid (capped)"), "subsidy_and_reward"),
    ("own_funds_needed", N_("Own funds needed"), "own_funds_needed"),
    ("own_funds_limit", N_("Own funds limit"), "own_funds_needed"),
    ("funding_gap", N_("Unpaid gap"), "own_funds_needed"),
    ("loan_allowed", N_("Loan allowed"), "loan"),
    ("loan_taken_over", N_("Loan taken over by the district company"), "loan"),
]


def _area(value: Decimal | int | None) -> str:
    if value is None:
        return EMPTY_MARK
    value = Decimal(value)
    text = f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:.2f}"
    return _("{area} m²").format(area=text)


def _yuan(value: Decimal | None) -> str:
    return EMPTY_MARK if value is None else _("{amount} yuan").format(amount=format_yuan(value))


def explanation_text(explanation) -> str:
    """An explanation as plain text: the rules, the sentence with the numbers and the plan's words."""
    if explanation is None:
        return ""
    lines = [_("Rules: {rules}").format(rules=", ".join(explanation.rules)), explanation.text]
    if explanation.plan:
        lines.append(_("The plan says: {words}").format(words=explanation.plan))
    return "\n".join(lines)


def _tooltip(explanation) -> str:
    """Rich-text tooltips wrap; plain ones would run off the screen."""
    text = explanation_text(explanation)
    if not text:
        return ""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")
    return f"<p style='white-space: pre-wrap'>{escaped}</p>"


class HousingCalculator(QWidget):
    """Inputs on the left, the plan on the right; recalculated live as inputs change."""

    result_changed = Signal(object)  # the PlanResult, or None while an input is not usable

    def __init__(self, params: policy_params.PolicyParameters | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._params = params or policy_params.current()
        self._result: PlanResult | None = None
        self._plan: PlanInput | None = None
        self._filling = False
        self._explain_key = ""
        self._build()
        self.recalculate()

    # ------------------------------------------------------------------------------------------
    # Widgets
    # ------------------------------------------------------------------------------------------
    def _build(self) -> None:
        columns = QHBoxLayout(self)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.addWidget(self._build_inputs(), 2)
        columns.addWidget(self._build_results(), 3)

    def _field(self, form: QFormLayout, name: str, widget: QWidget, label: str) -> None:
        widget.setObjectName(name)
        box, message = with_message(widget)
        message.setObjectName(f"{name}_message")
        self._messages[name] = message
        form.addRow(label, box)

    def _build_inputs(self) -> QWidget:
        self._messages: dict[str, MessageLabel] = {}
        box = QGroupBox(_("The household and the house"))
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.people_spin = QSpinBox()
        self.people_spin.setRange(1, 30)
        self.people_spin.setValue(4)
        self._field(form, "people", self.people_spin, _("Actual population"))
        self.kind_combo = ChoiceCombo(KINDS)
        self.kind_combo.set_code(REGISTERED)
        self._field(form, "kind", self.kind_combo, _("Kind of household"))
        self.labour_check = QCheckBox(_("Has labour capacity"))
        self._field(form, "labour", self.labour_check, "")
        self.labour_check.setChecked(True)
        self.start_edit = DateField(optional=True)
        self.start_edit.setToolTip(_("Leave empty when construction has not started yet."))
        self._field(form, "start_date", self.start_edit, _("Construction started"))
        self.unit_cost_edit = QLineEdit()
        self.unit_cost_edit.setPlaceholderText(_("yuan per m²"))
        self.unit_cost_edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self._field(form, "unit_cost", self.unit_cost_edit, _("Building cost per m²"))

        layouts = QWidget()
        row = QHBoxLayout(layouts)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        self.layout_group = QButtonGroup(self)
        self.layout_group.setExclusive(True)
        auto = QPushButton(_("Largest"))
        auto.setToolTip(_("The largest layout allowed for the household"))
        auto.setObjectName("layout_auto")
        auto.setCheckable(True)
        auto.setFixedWidth(auto.fontMetrics().horizontalAdvance(auto.text()) + 24)
        auto.setChecked(True)
        self.layout_group.addButton(auto, AUTO_LAYOUT)
        row.addWidget(auto)
        self.layout_buttons: dict[int, QPushButton] = {}
        for layout in self._params.layouts_m2:
            button = QPushButton(str(layout))
            button.setObjectName(f"layout_{layout}")
            button.setCheckable(True)
            self.layout_group.addButton(button, layout)
            self.layout_buttons[layout] = button
            button.setFixedWidth(button.fontMetrics().horizontalAdvance("0000") + 24)
            row.addWidget(button)
        row.addStretch(1)
        layout_box = QWidget()
        column = QVBoxLayout(layout_box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(layouts)
        self.layout_note = QLabel()
        self.layout_note.setObjectName("layout_note")
        self.layout_note.setWordWrap(True)
        self.layout_note.setStyleSheet(f"color: {WARNING_COLOUR};")
        column.addWidget(self.layout_note)
        form.addRow(_("Layout (m²)"), layout_box)

        self.built_area_edit = QLineEdit()
        self.built_area_edit.setPlaceholderText(_("m², for a house already built"))
        self.built_area_edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self._field(form, "built_area", self.built_area_edit, _("Area built"))
        self.own_funds_edit = QLineEdit()
        self.own_funds_edit.setPlaceholderText(_("yuan"))
        self.own_funds_edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self._field(form, "own_funds", self.own_funds_edit, _("Own funds planned"))
        self.loan_edit = QLineEdit()
        self.loan_edit.setPlaceholderText("0.00")
        self.loan_edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self._field(form, "loan", self.loan_edit, _("Loan already drawn"))
        self.demolition_check = QCheckBox(_("signed; old house demolished on time"))
        self._field(form, "demolition_signed", self.demolition_check, _("Demolition agreement"))
        self.zone_combo = ChoiceCombo(ZONE_LABELS, EMPTY_MARK)
        self._field(form, "zone", self.zone_combo, _("Homestead zone"))
        self.land_combo = ChoiceCombo(LAND_LABELS, EMPTY_MARK)
        self._field(form, "land", self.land_combo, _("Homestead land type"))
        self.homestead_edit = QLineEdit()
        self.homestead_edit.setPlaceholderText(_("m²"))
        self.homestead_edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self._field(form, "homestead_area", self.homestead_edit, _("Homestead area"))
        self.input_message = MessageLabel()
        self.input_message.setObjectName("input_message")
        form.addRow(self.input_message)

        self.people_spin.valueChanged.connect(self._changed)
        self.kind_combo.currentIndexChanged.connect(self._changed)
        self.labour_check.toggled.connect(self._changed)
        self.demolition_check.toggled.connect(self._changed)
        self.layout_group.idToggled.connect(lambda _id, checked: checked and self._changed())
        for edit in (
            self.start_edit,
            self.unit_cost_edit,
            self.built_area_edit,
            self.own_funds_edit,
            self.loan_edit,
            self.homestead_edit,
        ):
            edit.textChanged.connect(self._changed)
        for combo in (self.zone_combo, self.land_combo):
            combo.currentIndexChanged.connect(self._changed)
        area = scrolled(box)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area.setMinimumWidth(box.minimumSizeHint().width() + area.verticalScrollBar().sizeHint().width() + 2)
        return area

    def _build_results(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)

        self.verdict_label = QLabel()
        self.verdict_label.setObjectName("verdict_label")
        font = QFont(self.verdict_label.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() + 2)
        self.verdict_label.setFont(font)
        self.verdict_label.setWordWrap(True)
        layout.addWidget(self.verdict_label)
        self.reasons_label = MessageLabel()
        self.reasons_label.setObjectName("reasons_label")
        layout.addWidget(self.reasons_label)
        self.elderly_label = MessageLabel()
        self.elderly_label.setObjectName("elderly_label")
        layout.addWidget(self.elderly_label)
        self.notes_label = MessageLabel()
        self.notes_label.setObjectName("notes_label")
        layout.addWidget(self.notes_label)

        area_box = QGroupBox(_("Area"))
        form = QFormLayout(area_box)
        self.layout_used_label = QLabel()
        self.layout_used_label.setObjectName("layout_used_label")
        form.addRow(_("Area of the house"), self.layout_used_label)
        self.per_capita_label = QLabel()
        self.per_capita_label.setObjectName("per_capita_label")
        form.addRow(_("Area a person"), self.per_capita_label)
        self.homestead_label = QLabel()
        self.homestead_label.setObjectName("homestead_label")
        self.homestead_label.setWordWrap(True)
        form.addRow(_("Homestead"), self.homestead_label)
        for key, label in (
            ("per_capita_m2", self.per_capita_label),
            ("homestead", self.homestead_label),
            ("allowed_layouts", self.layout_used_label),
        ):
            label.setProperty("explain_key", key)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(area_box)

        money_box = QGroupBox(_("Money"))
        money_layout = QVBoxLayout(money_box)
        self.money_table = QTableWidget(len(MONEY_ROWS), 2)
        self.money_table.setObjectName("money_table")
        self.money_table.setHorizontalHeaderLabels([_("Item"), _("Amount")])
        self.money_table.verticalHeader().setVisible(False)
        self.money_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.money_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.money_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.money_table.setAlternatingRowColors(True)
        self.money_table.setTabKeyNavigation(False)
        header = self.money_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        for row, (_attr, label, _key) in enumerate(MONEY_ROWS):
            self.money_table.setItem(row, 0, QTableWidgetItem(_(label)))
            amount = QTableWidgetItem()
            amount.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.money_table.setItem(row, 1, amount)
        self.money_table.resizeRowsToContents()
        height = (
            self.money_table.horizontalHeader().sizeHint().height()
            + sum(self.money_table.rowHeight(r) for r in range(len(MONEY_ROWS)))
            + 4
        )
        self.money_table.setFixedHeight(height)
        self.money_table.currentCellChanged.connect(lambda row, *_a: self._explain_row(row))
        money_layout.addWidget(self.money_table)
        layout.addWidget(money_box)

        self.options_box = QGroupBox(_("Co-ownership (HS-4): choose one way"))
        self.options_box.setObjectName("options_box")
        self.options_layout = QVBoxLayout(self.options_box)
        self.option_group = QButtonGroup(self)
        self.option_buttons: dict[str, QRadioButton] = {}
        self.option_details: dict[str, QLabel] = {}
        self._options_area = QVBoxLayout()
        self.options_layout.addLayout(self._options_area)
        self.conditions_label = QLabel()
        self.conditions_label.setObjectName("conditions_label")
        self.conditions_label.setWordWrap(True)
        self.conditions_label.setStyleSheet("color: palette(mid);")
        self.options_layout.addWidget(self.conditions_label)
        investor = QFormLayout()
        self.co_investor_name = QLineEdit()
        self.co_investor_name.setObjectName("co_investor_name")
        investor.addRow(_("Co-investor"), self.co_investor_name)
        self.co_investor_details = QLineEdit()
        self.co_investor_details.setObjectName("co_investor_details")
        self.co_investor_details.setPlaceholderText(_("Relation, ID number, phone, address"))
        investor.addRow(_("Details"), self.co_investor_details)
        self.options_layout.addLayout(investor)
        self.option_group.idToggled.connect(lambda _id, checked: checked and self._show_conditions())
        self.options_box.hide()
        layout.addWidget(self.options_box)

        explain_box = QGroupBox(_("Explanation"))
        explain_layout = QVBoxLayout(explain_box)
        self.explain_label = QLabel()
        self.explain_label.setObjectName("explain_label")
        self.explain_label.setWordWrap(True)
        self.explain_label.setTextFormat(Qt.TextFormat.PlainText)
        self.explain_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explain_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        explain_layout.addWidget(self.explain_label)
        self.rules_label = QLabel()
        self.rules_label.setObjectName("rules_label")
        self.rules_label.setStyleSheet("color: palette(mid);")
        explain_layout.addWidget(self.rules_label)
        layout.addWidget(explain_box)
        layout.addStretch(1)
        self.results_area = scrolled(page)
        return self.results_area

    # ------------------------------------------------------------------------------------------
    # Reading and filling the inputs
    # ------------------------------------------------------------------------------------------
    def plan_input(self) -> PlanInput:
        """The fields as a PlanInput; ValueError naming the field (``field`` attribute) if one is unreadable."""
        if not self.start_edit.is_valid():
            raise _FieldError("start_date", _("A date looks like 2017-02-28."))

        def amount(name: str, edit: QLineEdit) -> Decimal | None:
            if not edit.text().strip():
                return None
            try:
                return parse_yuan(edit.text())
            except AmountError as error:
                raise _FieldError(name, str(error)) from None

        def area(name: str, edit: QLineEdit) -> Decimal | None:
            try:
                return parse_area(edit.text())
            except AmountError as error:
                raise _FieldError(name, str(error)) from None

        layout = self.layout_group.checkedId()
        return PlanInput(
            people=self.people_spin.value(),
            kind=self.kind_combo.code() or REGISTERED,
            labour=self.labour_check.isChecked(),
            start_date=self.start_edit.date_or_none(),
            unit_cost=amount("unit_cost", self.unit_cost_edit),
            layout=layout if layout > 0 else None,
            built_area=area("built_area", self.built_area_edit),
            own_funds=amount("own_funds", self.own_funds_edit),
            loan=amount("loan", self.loan_edit) or Decimal(0),
            demolition_signed=self.demolition_check.isChecked(),
            zone=self.zone_combo.code() or None,
            land=self.land_combo.code() or None,
            homestead_area=area("homestead_area", self.homestead_edit),
        )

    def parameters(self) -> policy_params.PolicyParameters:
        return self._params

    def set_plan_input(self, plan: PlanInput, params: policy_params.PolicyParameters | None = None) -> None:
        """Fill the fields from ``plan`` (a household's defaults or a saved plan) and recalculate, under
        ``params`` when given (a saved plan reopens under the parameters it was made with)."""
        if params is not None:
            self._params = params

        def text(value) -> str:
            if value is None:
                return ""
            value = Decimal(value)
            return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:.2f}"

        self._filling = True
        try:
            self.people_spin.setValue(plan.people)
            self.kind_combo.set_code(plan.kind)
            self.labour_check.setChecked(plan.labour)
            self.start_edit.set_date_or_none(plan.start_date)
            self.unit_cost_edit.setText(text(plan.unit_cost))
            button = self.layout_group.button(plan.layout or AUTO_LAYOUT) or self.layout_group.button(AUTO_LAYOUT)
            button.setChecked(True)
            self.built_area_edit.setText(text(plan.built_area))
            self.own_funds_edit.setText(text(plan.own_funds))
            self.loan_edit.setText(text(plan.loan) if plan.loan else "")
            self.demolition_check.setChecked(plan.demolition_signed)
            self.zone_combo.set_code(plan.zone or "")
            self.land_combo.set_code(plan.land or "")
            self.homestead_edit.setText(text(plan.homestead_area))
        finally:
            self._filling = False
        self.recalculate()

    def result(self) -> PlanResult | None:
        return self._result

    def last_input(self) -> PlanInput | None:
        """The input the shown result was calculated from."""
        return self._plan

    def chosen_option(self) -> str:
        button = self.option_group.checkedButton()
        return button.property("code") if button is not None and not self.options_box.isHidden() else ""

    def co_investor(self) -> str:
        parts = [self.co_investor_name.text().strip(), self.co_investor_details.text().strip()]
        return "; ".join(part for part in parts if part)

    def set_choice(self, code: str, co_investor: str) -> None:
        button = self.option_buttons.get(code)
        if button is not None:
            button.setChecked(True)
        name, _sep, details = co_investor.partition("; ")
        self.co_investor_name.setText(name)
        self.co_investor_details.setText(details)

    # ------------------------------------------------------------------------------------------
    # Recalculating and showing
    # ------------------------------------------------------------------------------------------
    def _changed(self, *_args) -> None:
        if not self._filling:
            self.recalculate()

    def recalculate(self) -> PlanResult | None:
        for message in self._messages.values():
            message.clear_message()
        self.input_message.clear_message()
        try:
            plan = self.plan_input()
            result = calculate(plan, self._params)
        except _FieldError as error:
            self._messages[error.field].show_message(str(error))
            return self._show(None, None)
        except PlanInputError as error:
            self.input_message.show_message(str(error))
            return self._show(None, None)
        return self._show(plan, result)

    def _show(self, plan: PlanInput | None, result: PlanResult | None) -> PlanResult | None:
        self._plan, self._result = plan, result
        if result is None:
            self.verdict_label.setText(_("Correct the inputs to see the plan."))
            self.verdict_label.setStyleSheet(f"color: {ERROR_COLOUR};")
            for label in (self.reasons_label, self.elderly_label, self.notes_label):
                label.clear_message()
            for label in (self.layout_used_label, self.per_capita_label, self.homestead_label):
                label.setText(EMPTY_MARK)
            for row in range(len(MONEY_ROWS)):
                self.money_table.item(row, 1).setText(EMPTY_MARK)
            self.options_box.hide()
            self.explain_label.clear()
            self.rules_label.clear()
            self.result_changed.emit(None)
            return None

        explain = result.explanations
        if result.compliant:
            self.verdict_label.setText(_("The plan complies."))
            self.verdict_label.setStyleSheet(f"color: {INFO_COLOUR};")
        else:
            self.verdict_label.setText(_("The plan does not comply:"))
            self.verdict_label.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.reasons_label.show_message("\n".join(f"• {reason}" for reason in result.reasons), "error")
        if result.elderly_home:
            self.elderly_label.show_message(
                explain["elderly_home"].text if "elderly_home" in explain else "", "warning"
            )
            self.elderly_label.setToolTip(_tooltip(explain.get("elderly_home")))
        else:
            self.elderly_label.clear_message()
        self.notes_label.show_message("\n".join(result.notes), "warning")

        # The layouts: allowed ones enabled, the others disabled with the reason.
        why = explain.get("allowed_layouts")
        refused = []
        for layout, button in self.layout_buttons.items():
            allowed = layout in result.allowed_layouts
            button.setEnabled(allowed)
            button.setToolTip("" if allowed else (why.text if why else ""))
            if not allowed:
                refused.append(_area(layout))
        self.layout_note.setText(
            _("Not allowed: {layouts}. {why}").format(layouts="、".join(refused), why=why.text if why else "")
            if refused
            else ""
        )
        self.layout_note.setVisible(bool(refused))

        used = _area(result.area_m2)
        if result.layout_m2 is not None and plan.built_area is None:
            used = _("{area} layout").format(area=_area(result.layout_m2))
        self.layout_used_label.setText(used)
        self.per_capita_label.setText(_area(result.per_capita_m2))
        if result.homestead_limit_m2 is None:
            self.homestead_label.setText(EMPTY_MARK)
        else:
            text = _("at most {limit}").format(limit=_area(result.homestead_limit_m2))
            if result.garden_m2:
                text += _("; {garden} becomes garden").format(garden=_area(result.garden_m2))
            self.homestead_label.setText(text)
        for label in (self.layout_used_label, self.per_capita_label, self.homestead_label):
            label.setToolTip(_tooltip(explain.get(label.property("explain_key"))))

        for row, (attr, _label, key) in enumerate(MONEY_ROWS):
            value = getattr(result, attr)
            text = _yuan(value)
            if attr == "subsidy_and_reward" and result.cap_reached:
                text = _("{amount} (cap reached)").format(amount=text)
            full = {"subsidy_paid": result.subsidy, "reward_paid": result.reward}.get(attr)
            if full is not None and value < full:
                text = _("{amount} ({full} before the HS-3 cap)").format(amount=text, full=_yuan(full))
            item = self.money_table.item(row, 1)
            item.setText(text)
            bad = (
                (
                    attr == "own_funds_needed"
                    and value is not None
                    and result.own_funds_limit is not None
                    and value > result.own_funds_limit
                )
                or (attr == "funding_gap" and value)
                or (attr == "subsidy_and_reward" and result.cap_reached)
            )
            item.setForeground(
                Qt.GlobalColor.darkRed
                if bad and attr != "subsidy_and_reward"
                else (Qt.GlobalColor.darkYellow if bad else self.palette().text().color())
            )
            tip = _tooltip(explain.get(key))
            item.setToolTip(tip)
            self.money_table.item(row, 0).setToolTip(tip)

        self._fill_options(result)
        self.rules_label.setText(
            _("Rules applied: {rules}; parameters {version}").format(
                rules=", ".join(result.rules), version=result.parameters_version
            )
        )
        row = self.money_table.currentRow()
        self._explain_row(row if row >= 0 else 0)
        self.result_changed.emit(result)
        return result

    def _fill_options(self, result: PlanResult) -> None:
        previous = self.chosen_option() or (
            self.option_group.checkedButton().property("code") if self.option_group.checkedButton() else ""
        )
        codes = [option.code for option in result.options]
        if codes != list(self.option_buttons):
            for button in self.option_buttons.values():
                self.option_group.removeButton(button)
            while self._options_area.count():
                item = self._options_area.takeAt(0)
                if item.widget() is not None:
                    item.widget().deleteLater()
            self.option_buttons.clear()
            self.option_details.clear()
            for number, option in enumerate(result.options):
                button = QRadioButton(option.label)
                button.setObjectName(f"option_{option.code}")
                button.setProperty("code", option.code)
                self.option_group.addButton(button, number)
                self.option_buttons[option.code] = button
                detail = QLabel()
                detail.setObjectName(f"option_{option.code}_detail")
                detail.setWordWrap(True)
                detail.setContentsMargins(24, 0, 0, 4)
                self.option_details[option.code] = detail
                self._options_area.addWidget(button)
                self._options_area.addWidget(detail)
        for option in result.options:
            lines = [
                _("{investor} pays {pays}; the household pays {household}").format(
                    investor=option.investor, pays=_yuan(option.investor_pays), household=_yuan(option.household_pays)
                )
            ]
            if option.others_pay:
                lines.append(
                    _("Still to find from relatives or other means: {amount}").format(amount=_yuan(option.others_pay))
                )
            lines.append(
                _("Shares: co-investor {investor}%, household {household}%; buy-back at cost: {price}").format(
                    investor=option.investor_share, household=option.household_share, price=_yuan(option.buy_back_price)
                )
            )
            self.option_details[option.code].setText("\n".join(lines))
        if previous in self.option_buttons:
            self.option_buttons[previous].setChecked(True)
        self.options_box.setVisible(bool(result.options))
        if result.options:
            self.options_box.setToolTip(_tooltip(result.explanations.get("options")))
        self._show_conditions()

    def _show_conditions(self) -> None:
        button = self.option_group.checkedButton()
        option = None
        if button is not None and self._result is not None:
            option = next((o for o in self._result.options if o.code == button.property("code")), None)
        if option is None:
            self.conditions_label.setText(_("Choose a way to see the plan's conditions."))
        else:
            self.conditions_label.setText(_("Conditions: {text}").format(text=option.conditions))
        needs_investor = option is not None
        self.co_investor_name.setEnabled(needs_investor)
        self.co_investor_details.setEnabled(needs_investor)

    def _explain_row(self, row: int) -> None:
        if self._result is None or not 0 <= row < len(MONEY_ROWS):
            return
        key = MONEY_ROWS[row][2]
        self.show_explanation(key)

    def show_explanation(self, key: str) -> None:
        """Show in the explanation panel why a figure is what it is (rules, sentence, the plan's words)."""
        if self._result is None:
            return
        self._explain_key = key
        self.explain_label.setText(explanation_text(self._result.explanations.get(key)) or EMPTY_MARK)

    def explained(self, key: str) -> str:
        """The explanation shown for ``key`` (what a tooltip or the panel says)."""
        return explanation_text(self._result.explanations.get(key)) if self._result else ""


class _FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
