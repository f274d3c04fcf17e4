"""The household editor's "Relocation and housing" tab: the relocation verification (RL-1 to RL-4,
HS-5) and the household's housing plans (HS-1 to HS-4, HB-1, SB-1, SB-2, LN-1); the dangerous house (SB-3) and
the new house's building progress (建房进度, ``BuildingPanel``, issues 18 and 19).

Thin: the verification form fills a ``core.rules.relocation.VerificationDraft`` that the core validates
and saves (or not at all, with the problems shown next to their fields); the calculator is
``HousingCalculator``; plans are saved, listed, reopened and compared by ``core.records.housing_plans``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop import i18n
from xinjie_desktop.core.records import housing_plans, township
from xinjie_desktop.core.records import relocation as relocation_records
from xinjie_desktop.core.records.households import ValidationFailed
from xinjie_desktop.core.rules import policy_params, relocation
from xinjie_desktop.core.rules.housing_plan import PlanInputError
from xinjie_desktop.core.rules.relocation import BUILDING_MODES, EXCLUSIONS, MODES, SIGNERS, VerificationDraft
from xinjie_desktop.core.store.models import Household
from xinjie_desktop.i18n import N_, _
from xinjie_desktop.qt.relocation.building_panel import BuildingPanel
from xinjie_desktop.qt.relocation.dangerous_house_panel import DangerousHousePanel
from xinjie_desktop.qt.relocation.housing_calculator import HousingCalculator
from xinjie_desktop.qt.shell import documents
from xinjie_desktop.qt.shell.collision_dialog import NothingChosen, save_deciding
from xinjie_desktop.qt.shell.widgets import (
    EMPTY_MARK,
    ChoiceCombo,
    DateField,
    MessageLabel,
    scrolled,
    text_box,
    with_message,
)

VERIFICATION_TAB, PLAN_TAB, SAVED_PLANS_TAB, DANGEROUS_HOUSE_TAB, BUILDING_TAB = range(5)

COMPARED_LABELS = {
    "allowed_layouts": N_("Layouts allowed"),
    "layout_m2": N_("Layout"),
    "per_capita_m2": N_("Area a person"),
    "building_cost": N_("Building cost"),
    "subsidy": N_("Subsidy"),
    "reward": N_("Reward for demolishing the old house"),
    "subsidy_and_reward": N_("Subsidy and reward paid (capped)"),
    "own_funds_needed": N_("Own funds needed"),
    "own_funds_limit": N_("Own funds limit"),
    "loan_allowed": N_("Loan allowed"),
    "loan_taken_over": N_("Loan taken over by the district company"),
    "homestead_limit_m2": N_("Homestead limit"),
    "garden_m2": N_("Becomes garden"),
    "compliant": N_("Complies"),
}

NO_PARENT = QModelIndex()  # the default of rowCount/columnCount: the invisible root


def _shown(value) -> str:
    if value is None:
        return EMPTY_MARK
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or EMPTY_MARK
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


class SavedPlansModel(QAbstractTableModel):
    """The household's saved plans, newest first: date, parameter version, layout, compliance."""

    HEADERS = (N_("Saved"), N_("Parameters"), N_("Layout"), N_("Complies"), N_("Co-ownership"), N_("Household"))

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.plans: list[housing_plans.SavedPlan] = []
        self.changes: dict[str, list[tuple[str, object, object]]] = {}  # plan id -> household facts changed since

    def set_plans(
        self, plans: list[housing_plans.SavedPlan], changes: dict[str, list[tuple[str, object, object]]] | None = None
    ) -> None:
        self.beginResetModel()
        self.plans = list(plans)
        self.changes = dict(changes or {})
        self.endResetModel()

    def rowCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.plans)

    def columnCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(self.HEADERS[section])
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        plan = self.plans[index.row()]
        column = index.column()
        if column == 0:
            return plan.saved_at.strftime("%Y-%m-%d %H:%M")
        if column == 1:
            return plan.parameters_version
        if column == 2:
            area = plan.results.get("layout_m2") or plan.results.get("area_m2")
            return _("{area} m²").format(area=_shown(area)) if area is not None else EMPTY_MARK
        if column == 3:
            return _("yes") if plan.compliant else _("no")
        if column == 4:
            label = housing_plans.OPTION_LABELS.get(plan.chosen_option)
            return f"{_(label)}: {plan.co_investor}" if label else EMPTY_MARK
        if column == 5:
            changes = self.changes.get(plan.id)
            return (
                _("out of date: {changes}").format(changes=housing_plans.describe_changes(changes))
                if changes
                else _("as it is now")
            )
        return None


class RelocationTab(QWidget):
    """Relocation verification and housing plans of one saved household."""

    saved = Signal()  # the verification was saved
    plan_saved = Signal(str)  # a plan's id

    def __init__(self, store, household_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._params = policy_params.current()
        self._household_id: str | None = None
        self._kind = ""
        self._messages: dict[str, MessageLabel] = {}
        self._clean: VerificationDraft | None = None
        self._loaded: relocation_records.LoadedVerification | None = None  # what a save is checked against
        self._plan_base: housing_plans.PlanBase | None = None  # the plan the calculator opened: the same
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
        self.save_first_label = QLabel(
            _("Save the household first: relocation and housing plans belong to a saved household.")
        )
        self.save_first_label.setObjectName("save_first_label")
        self.save_first_label.setWordWrap(True)
        self.save_first_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.save_first_label)
        self.inner_tabs = QTabWidget()
        self.inner_tabs.addTab(self._build_verification(), _("Relocation verification"))
        self.inner_tabs.addTab(self._build_plan(), _("Housing plan"))
        self.inner_tabs.addTab(self._saved_page, _("Saved plans"))
        self.dangerous_panel = DangerousHousePanel(self._store)
        self.dangerous_panel.setObjectName("dangerous_house_panel")
        self.inner_tabs.addTab(self.dangerous_panel, _("Dangerous house (SB-3)"))
        self.building_panel = BuildingPanel(self._store)  # issues 18, 19: 建房进度
        self.building_panel.setObjectName("building_panel")
        self.inner_tabs.addTab(self.building_panel, _("Building progress"))
        self.stack.addWidget(self.inner_tabs)

    def _field(self, form: QFormLayout, name: str, widget: QWidget, label: str) -> QWidget:
        widget.setObjectName(f"relocation_{name}")
        box, message = with_message(widget)
        message.setObjectName(f"relocation_{name}_message")
        self._messages[name] = message
        form.addRow(label, box)
        return box

    def _build_verification(self) -> QWidget:
        page = QWidget()
        columns = QHBoxLayout(page)
        left = QVBoxLayout()
        right = QVBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)

        scope_box = QGroupBox(_("Relocation scope (RL-1, RL-2)"))
        form = QFormLayout(scope_box)
        self.in_scope_check = QCheckBox(_("The household is in relocation scope"))
        self._field(form, "in_scope", self.in_scope_check, "")
        language = i18n.language()
        areas = {area.code: (area.en if language == "en" else area.zh) for area in self._params.relocation_areas}
        self.area_combo = ChoiceCombo(areas, EMPTY_MARK)
        self.area_combo.setMinimumContentsLength(20)
        for index in range(self.area_combo.count()):
            self.area_combo.setItemData(index, self.area_combo.itemText(index), Qt.ItemDataRole.ToolTipRole)
        self._field(form, "area_category", self.area_combo, _("Category of area"))
        self.area_reason_edit = text_box(52)
        self._field(form, "area_reason", self.area_reason_edit, _("Why it must move"))
        self.exclusion_combo = ChoiceCombo(EXCLUSIONS, EMPTY_MARK)
        self._field(form, "exclusion", self.exclusion_combo, _("Taken out of scope"))
        self.exclusion_reason_edit = text_box(52)
        self._field(form, "exclusion_reason", self.exclusion_reason_edit, _("Reason taken out"))
        left.addWidget(scope_box)

        site_box = QGroupBox(_("Resettlement (HS-5, RL-4)"))
        form = QFormLayout(site_box)
        self.mode_combo = ChoiceCombo(MODES, EMPTY_MARK)
        self._field(form, "mode", self.mode_combo, _("Resettlement mode"))
        self.site_edit = QLineEdit()
        self._field(form, "site", self.site_edit, _("Site"))
        self.building_mode_combo = ChoiceCombo(BUILDING_MODES, EMPTY_MARK)
        self._field(form, "building_mode", self.building_mode_combo, _("Building mode"))
        coordinates = QWidget()
        row = QHBoxLayout(coordinates)
        row.setContentsMargins(0, 0, 0, 0)
        self.latitude_edit = QLineEdit()
        self.latitude_edit.setPlaceholderText(_("latitude, e.g. 25.1120"))
        self.longitude_edit = QLineEdit()
        self.longitude_edit.setPlaceholderText(_("longitude, e.g. 99.1680"))
        row.addWidget(self.latitude_edit)
        row.addWidget(self.longitude_edit)
        box = self._field(form, "latitude", coordinates, _("Residential point"))
        self.latitude_edit.setObjectName("relocation_latitude")
        self.longitude_edit.setObjectName("relocation_longitude")
        box.setFocusProxy(self.latitude_edit)
        longitude_message = MessageLabel()
        longitude_message.setObjectName("relocation_longitude_message")
        self._messages["longitude"] = longitude_message
        form.addRow("", longitude_message)
        left.addWidget(site_box)
        left.addStretch(1)

        notice_box = QGroupBox(_("Public notice of the result (RL-3, PN-1)"))
        form = QFormLayout(notice_box)
        dates = QWidget()
        row = QHBoxLayout(dates)
        row.setContentsMargins(0, 0, 0, 0)
        self.notice_start_edit = DateField(optional=True)
        self.notice_start_edit.setObjectName("relocation_notice_start")
        self.notice_end_edit = DateField(optional=True)
        self.notice_end_edit.setObjectName("relocation_notice_end")
        row.addWidget(self.notice_start_edit)
        row.addWidget(QLabel(_("to")))
        row.addWidget(self.notice_end_edit)
        box, message = with_message(dates)
        box.setFocusProxy(self.notice_start_edit)
        self._messages["notice_start"] = message
        end_message = MessageLabel()
        self._messages["notice_end"] = end_message
        box.layout().addWidget(end_message)
        form.addRow(_("Posted"), box)
        self.notice_place_edit = QLineEdit()
        self._field(form, "notice_place", self.notice_place_edit, _("Where posted"))
        self.objections_edit = text_box(52)
        self._field(form, "objections", self.objections_edit, _("Objections"))
        self.reverification_edit = text_box(52)
        self._field(form, "reverification", self.reverification_edit, _("Re-verification"))
        right.addWidget(notice_box)

        sign_box = QGroupBox(_("Sign-off before submission (RL-4)"))
        grid = QGridLayout(sign_box)
        grid.setColumnStretch(1, 1)
        self.signer_edits: dict[str, tuple[QLineEdit, DateField]] = {}
        for number, (name, label) in enumerate(SIGNERS):
            name_edit = QLineEdit()
            name_edit.setObjectName(f"relocation_{name}")
            name_edit.setPlaceholderText(_("name"))
            date_edit = DateField(optional=True)
            date_edit.setObjectName(f"relocation_{name}_signed_on")
            date_edit.setMaximumWidth(120)
            self.signer_edits[name] = (name_edit, date_edit)
            title = QLabel(_(label).capitalize() if i18n.language() == "en" else _(label))
            title.setBuddy(name_edit)
            grid.addWidget(title, number * 2, 0)
            grid.addWidget(name_edit, number * 2, 1)
            grid.addWidget(date_edit, number * 2, 2)
            message = MessageLabel()
            message.setObjectName(f"relocation_{name}_message")
            self._messages[name] = message
            date_message = MessageLabel()
            self._messages[f"{name}_signed_on"] = date_message
            column = QVBoxLayout()
            column.setSpacing(0)
            column.addWidget(message)
            column.addWidget(date_message)
            grid.addLayout(column, number * 2 + 1, 1, 1, 2)
        self.submitted_edit = DateField(optional=True)
        self.submitted_edit.setObjectName("relocation_submitted_on")
        self.submitted_edit.setMaximumWidth(120)
        grid.addWidget(QLabel(_("Submitted to the command centre")), 6, 0)
        box, message = with_message(self.submitted_edit)
        self._messages["submitted_on"] = message
        grid.addWidget(box, 6, 1, 1, 2)
        right.addWidget(sign_box)

        actions = QHBoxLayout()
        self.verification_status = MessageLabel()
        self.verification_status.setObjectName("verification_status")
        actions.addWidget(self.verification_status, 1)
        self.save_verification_button = QPushButton(_("Save verification"))
        self.save_verification_button.setObjectName("save_verification_button")
        self.save_verification_button.clicked.connect(self.save_verification)
        actions.addWidget(self.save_verification_button, 0, Qt.AlignmentFlag.AlignTop)
        right.addLayout(actions)
        right.addStretch(1)

        self.mode_combo.currentIndexChanged.connect(self._update_building_modes)
        self.in_scope_check.toggled.connect(self._update_scope)

        return scrolled(page)

    def _build_plan(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.calculator = HousingCalculator(self._params)
        self.calculator.setObjectName("housing_calculator")
        layout.addWidget(self.calculator, 1)

        self.plan_stale_label = QLabel()
        self.plan_stale_label.setObjectName("plan_stale_label")
        self.plan_stale_label.setWordWrap(True)
        self.plan_stale_label.setStyleSheet("color: #8a5a00;")
        self.plan_stale_label.hide()
        layout.addWidget(self.plan_stale_label)
        actions = QHBoxLayout()
        self.plan_status = MessageLabel()
        self.plan_status.setObjectName("plan_status")
        actions.addWidget(self.plan_status, 1)
        self.plan_note_edit = QLineEdit()
        self.plan_note_edit.setPlaceholderText(_("Note to keep with the plan"))
        actions.addWidget(self.plan_note_edit, 1)
        self.save_plan_button = QPushButton(_("Save plan"))
        self.save_plan_button.setObjectName("save_plan_button")
        self.save_plan_button.clicked.connect(self.save_plan)
        actions.addWidget(self.save_plan_button)
        self.print_button = QPushButton(_("Print summary…"))
        self.print_button.setObjectName("print_button")
        self.print_button.clicked.connect(self.print_summary)
        self.print_button.setToolTip(_("The household's copy: the figures and the plan's words, without rule codes."))
        actions.addWidget(self.print_button)
        self.office_button = QPushButton(_("Office copy…"))
        self.office_button.setObjectName("office_copy_button")
        self.office_button.setToolTip(_("The office's copy: each figure with the rule behind it."))
        self.office_button.clicked.connect(lambda: self.print_summary(office_copy=True))
        actions.addWidget(self.office_button)
        layout.addLayout(actions)

        self._saved_page = QWidget()
        saved = QHBoxLayout(self._saved_page)
        self.plans_model = SavedPlansModel(self)
        self.plans_view = QTableView()
        self.plans_view.setObjectName("saved_plans")
        self.plans_view.setModel(self.plans_model)
        self.plans_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.plans_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.plans_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.plans_view.verticalHeader().setVisible(False)
        self.plans_view.setAlternatingRowColors(True)
        self.plans_view.setTabKeyNavigation(False)
        header = self.plans_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.plans_view.doubleClicked.connect(lambda _index: self.reopen_plan())
        self.plans_view.selectionModel().selectionChanged.connect(lambda *_a: self._update_plan_buttons())
        saved.addWidget(self.plans_view, 3)
        buttons = QVBoxLayout()
        self.reopen_button = QPushButton(_("Reopen"))
        self.reopen_button.setObjectName("reopen_button")
        self.reopen_button.clicked.connect(self.reopen_plan)
        self.compare_button = QPushButton(_("Compare with now"))
        self.compare_button.setObjectName("compare_button")
        self.compare_button.clicked.connect(self.compare_plan)
        buttons.addWidget(self.reopen_button)
        buttons.addWidget(self.compare_button)
        buttons.addStretch(1)
        saved.addLayout(buttons)
        self.compare_table = QTableWidget(0, 3)
        self.compare_table.setObjectName("compare_table")
        self.compare_table.setHorizontalHeaderLabels([_("Figure"), _("Saved"), _("Now")])
        self.compare_table.verticalHeader().setVisible(False)
        self.compare_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.compare_table.setTabKeyNavigation(False)
        self.compare_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.compare_table.horizontalHeader().setStretchLastSection(True)
        self.compare_message = QLabel()
        self.compare_message.setObjectName("compare_message")
        self.compare_message.setWordWrap(True)
        compare = QVBoxLayout()
        compare.addWidget(self.compare_message)
        compare.addWidget(self.compare_table, 1)
        compare.addStretch(1)
        saved.addLayout(compare, 2)
        self.compare_table.hide()
        self._update_plan_buttons()
        return page

    # ------------------------------------------------------------------------------------------
    # Loading
    # ------------------------------------------------------------------------------------------
    @property
    def household_id(self) -> str | None:
        return self._household_id

    def set_household(self, household_id: str | None) -> None:
        """Show ``household_id``'s verification and plans; None: a new household, which must be saved first."""
        changed = household_id != self._household_id
        self._household_id = household_id
        if household_id is None:
            self.stack.setCurrentWidget(self.save_first_label)
            self._clean = None
            return
        self.stack.setCurrentWidget(self.inner_tabs)
        self.dangerous_panel.set_household(household_id)
        self.building_panel.set_household(household_id)
        defaults = housing_plans.defaults_for(self._store, household_id)
        self._kind = defaults.kind
        self.load_verification()
        if changed:
            self._plan_base = housing_plans.plan_base(self._store, household_id)
            plans = housing_plans.saved_plans(self._store, household_id)
            self._set_plans(plans)
            if plans:
                self._open_saved(plans[0])
            else:
                self.calculator.set_plan_input(defaults, self._params)
            self.compare_table.hide()
            self.compare_message.clear()
            self.plan_status.clear_message()
            self._update_plan_buttons()
        else:  # the household was saved again: its plans are checked against it as it is now
            self._set_plans(housing_plans.saved_plans(self._store, household_id))
        self._follow_household()

    def _follow_household(self) -> None:
        """The calculator computes for the household as its records are now (actual population, kind,
        labour capacity); the plan it shows says when it was made for the household as it was."""
        shown = self.calculator.last_input()
        if shown is None:
            try:
                shown = self.calculator.plan_input()
            except ValueError:
                shown = None
        changes = housing_plans.household_changes(self._store, self._household_id, shown) if shown else []
        if shown is not None and changes:
            self.calculator.set_plan_input(
                housing_plans.as_household_is_now(self._store, self._household_id, shown), self.calculator.parameters()
            )
        self._show_staleness()

    def _show_staleness(self) -> None:
        latest = self.plans_model.plans[0] if self.plans_model.plans else None
        changes = self.plans_model.changes.get(latest.id) if latest is not None else None
        if changes:
            self.plan_stale_label.setText(
                _(
                    "The latest saved plan was made for the household as it was ({changes}); the calculator "
                    "computes for it as it is now. Save the plan again before the agreements are drafted."
                ).format(changes=housing_plans.describe_changes(changes))
            )
        self.plan_stale_label.setVisible(bool(changes))

    def load_verification(self) -> None:
        self._loaded = relocation_records.load_for_editing(self._store, self._household_id)
        self._fill(self._loaded.draft)
        self._clear_messages()
        self._clean = self.draft()

    def _fill(self, draft: VerificationDraft) -> None:
        self.in_scope_check.setChecked(draft.in_scope)
        self.area_combo.set_code(draft.area_category)
        self.area_reason_edit.setPlainText(draft.area_reason)
        self.exclusion_combo.set_code(draft.exclusion)
        self.exclusion_reason_edit.setPlainText(draft.exclusion_reason)
        self.mode_combo.set_code(draft.mode)
        self.site_edit.setText(draft.site)
        self._update_building_modes()
        self.building_mode_combo.set_code(draft.building_mode)
        self.latitude_edit.setText(draft.latitude)
        self.longitude_edit.setText(draft.longitude)
        self.notice_start_edit.set_date_or_none(draft.notice_start)
        self.notice_end_edit.set_date_or_none(draft.notice_end)
        self.notice_place_edit.setText(draft.notice_place)
        self.objections_edit.setPlainText(draft.objections)
        self.reverification_edit.setPlainText(draft.reverification)
        for name, (name_edit, date_edit) in self.signer_edits.items():
            name_edit.setText(getattr(draft, name))
            date_edit.set_date_or_none(getattr(draft, f"{name}_signed_on"))
        self.submitted_edit.set_date_or_none(draft.submitted_on)
        self._update_scope()

    def draft(self) -> VerificationDraft:
        draft = VerificationDraft(
            in_scope=self.in_scope_check.isChecked(),
            area_category=self.area_combo.code(),
            area_reason=self.area_reason_edit.toPlainText(),
            exclusion=self.exclusion_combo.code(),
            exclusion_reason=self.exclusion_reason_edit.toPlainText(),
            mode=self.mode_combo.code(),
            site=self.site_edit.text(),
            building_mode=self.building_mode_combo.code(),
            latitude=self.latitude_edit.text().strip(),
            longitude=self.longitude_edit.text().strip(),
            notice_start=self.notice_start_edit.date_or_none(),
            notice_end=self.notice_end_edit.date_or_none(),
            notice_place=self.notice_place_edit.text(),
            objections=self.objections_edit.toPlainText(),
            reverification=self.reverification_edit.toPlainText(),
            submitted_on=self.submitted_edit.date_or_none(),
        )
        for name, (name_edit, date_edit) in self.signer_edits.items():
            draft = replace(draft, **{name: name_edit.text(), f"{name}_signed_on": date_edit.date_or_none()})
        return draft

    def _date_edits(self) -> dict[str, DateField]:
        edits = {
            "notice_start": self.notice_start_edit,
            "notice_end": self.notice_end_edit,
            "submitted_on": self.submitted_edit,
        }
        edits.update({f"{name}_signed_on": date for name, (_n, date) in self.signer_edits.items()})
        return edits

    def has_unsaved_changes(self) -> bool:
        """The verification form differs from what the store holds (plans are saved explicitly)."""
        if self._household_id is None or self._clean is None:
            return False
        typed_dates = any(edit.text().strip() and not edit.is_valid() for edit in self._date_edits().values())
        return typed_dates or self.draft() != self._clean

    # ------------------------------------------------------------------------------------------
    # The verification
    # ------------------------------------------------------------------------------------------
    def _update_scope(self) -> None:
        in_scope = self.in_scope_check.isChecked()
        for widget in (
            self.area_combo,
            self.area_reason_edit,
            self.mode_combo,
            self.site_edit,
            self.building_mode_combo,
        ):
            widget.setEnabled(in_scope)

    def _update_building_modes(self) -> None:
        """HS-5: only the building modes allowed for the resettlement mode and the kind of household can be chosen."""
        allowed = relocation.building_modes_allowed(self.mode_combo.code(), self._kind) if self._kind else ()
        model = self.building_mode_combo.model()
        for index in range(self.building_mode_combo.count()):
            code = self.building_mode_combo.itemData(index)
            item = model.item(index)
            if item is not None and code:
                item.setEnabled(code in allowed)
        current = self.building_mode_combo.code()
        if current and current not in allowed and self.mode_combo.code():
            self._messages["building_mode"].show_message(
                _("This building mode is not allowed here; allowed: {modes} (HS-5).").format(
                    modes="、".join(_(BUILDING_MODES[m]) for m in allowed)
                ),
                "warning",
            )
        else:
            self._messages["building_mode"].clear_message()

    def allowed_building_modes(self) -> list[str]:
        """The codes the building-mode list lets the user choose now."""
        model = self.building_mode_combo.model()
        return [
            self.building_mode_combo.itemData(i)
            for i in range(self.building_mode_combo.count())
            if self.building_mode_combo.itemData(i) and model.item(i).isEnabled()
        ]

    def _clear_messages(self) -> None:
        for message in self._messages.values():
            message.clear_message()
        self.verification_status.clear_message()

    def save_verification(self) -> bool:
        """Validate and save the verification (core.rules.relocation.save); show every problem next to its field."""
        if self._household_id is None:
            return False
        self._clear_messages()
        bad_dates = [name for name, edit in self._date_edits().items() if not edit.is_valid()]
        for name in bad_dates:
            self._messages[name].show_message(_("A date looks like 2017-04-14."))
        if bad_dates:
            self.verification_status.show_message(_("Not saved: correct the fields marked in red."))
            return False
        draft = self.draft()
        try:  # changed in the store meanwhile: the user decides
            save_deciding(
                self,
                lambda decisions: relocation_records.save(
                    self._store, self._household_id, draft, self._kind, self._params, self._loaded, decisions
                ),
            )
        except NothingChosen as nothing:
            self.verification_status.show_message(str(nothing))
            return False
        except ValidationFailed as failure:
            by_field: dict[str, list] = {}
            for problem in failure.problems:
                by_field.setdefault(problem.field.removeprefix("relocation."), []).append(problem)
            unplaced = []
            for name, problems in by_field.items():
                message = self._messages.get(name)
                if message is None:
                    unplaced.extend(problems)
                else:
                    message.show_problems(problems)
            text = _("Not saved: correct the fields marked in red.")
            if unplaced:
                text += "\n" + "\n".join(p.message for p in unplaced)
            self.verification_status.show_message(text)
            return False
        self.load_verification()
        self.verification_status.show_message(_("Verification saved."), "info")
        self.saved.emit()
        return True

    # ------------------------------------------------------------------------------------------
    # Housing plans
    # ------------------------------------------------------------------------------------------
    def _set_plans(self, plans: list[housing_plans.SavedPlan]) -> None:
        changes = {}
        if self._household_id is not None:
            changes = {
                plan.id: housing_plans.household_changes(self._store, self._household_id, plan.plan) for plan in plans
            }
        self.plans_model.set_plans(plans, changes)
        self.inner_tabs.setTabText(SAVED_PLANS_TAB, _("Saved plans ({count})").format(count=len(plans)))

    def _selected_plan(self) -> housing_plans.SavedPlan | None:
        rows = self.plans_view.selectionModel().selectedRows()
        return self.plans_model.plans[rows[0].row()] if rows else None

    def _update_plan_buttons(self) -> None:
        selected = self._selected_plan() is not None
        self.reopen_button.setEnabled(selected)
        self.compare_button.setEnabled(selected)

    def save_plan(self) -> str | None:
        if self._household_id is None:
            return None
        result = self.calculator.result()
        plan = self.calculator.last_input()
        if result is None or plan is None:
            self.plan_status.show_message(_("Not saved: correct the inputs first."))
            return None
        household_id = self._household_id
        try:  # a newer plan was saved meanwhile: the user decides
            plan_id = save_deciding(
                self,
                lambda decisions: housing_plans.save(
                    self._store,
                    household_id,
                    plan,
                    result,
                    chosen_option=self.calculator.chosen_option(),
                    co_investor=self.calculator.co_investor(),
                    note=self.plan_note_edit.text(),
                    loaded=self._plan_base,
                    decisions=decisions,
                ),
            )
        except NothingChosen as nothing:
            self.plan_status.show_message(str(nothing))
            return None
        except PlanInputError as error:
            self.plan_status.show_message(_("Not saved: {reason}").format(reason=str(error)))
            return None
        self._plan_base = housing_plans.plan_base(self._store, self._household_id)
        if self._plan_base.plan != plan:  # made to the plan saved meanwhile: show what was saved
            self._open_saved(housing_plans.saved_plans(self._store, self._household_id)[0])
        self._set_plans(housing_plans.saved_plans(self._store, self._household_id))
        for row, saved in enumerate(self.plans_model.plans):
            if saved.id == plan_id:
                self.plans_view.selectRow(row)
        self.plan_note_edit.clear()
        self._show_staleness()
        self.plan_status.show_message(
            _("Plan saved with parameters {version}.").format(version=result.parameters_version), "info"
        )
        self.plan_saved.emit(plan_id)
        return plan_id

    def _open_saved(self, saved: housing_plans.SavedPlan) -> None:
        """The saved inputs, recalculated under the parameters the plan was made with, for the household
        as it is now (what changed since is named)."""
        plan = housing_plans.as_household_is_now(self._store, self._household_id, saved.plan)
        self.calculator.set_plan_input(plan, policy_params.current(saved.parameters_version))
        self.calculator.set_choice(saved.chosen_option, saved.co_investor)

    def reopen_plan(self) -> None:
        """Load the selected saved plan's inputs into the calculator."""
        saved = self._selected_plan()
        if saved is None:
            return
        self._open_saved(saved)
        self.inner_tabs.setCurrentIndex(PLAN_TAB)
        self.plan_status.show_message(
            _("Reopened the plan saved on {date} (parameters {version}).").format(
                date=saved.saved_at.strftime("%Y-%m-%d %H:%M"), version=saved.parameters_version
            ),
            "info",
        )

    def compare_plan(self) -> list[tuple[str, object, object]]:
        """Show the figures that differ between the selected saved plan and the same inputs now."""
        saved = self._selected_plan()
        if saved is None:
            return []
        differences = housing_plans.compare(saved, self._params)
        self.compare_table.setRowCount(len(differences))
        for row, (key, old, new) in enumerate(differences):
            self.compare_table.setItem(row, 0, QTableWidgetItem(_(COMPARED_LABELS.get(key, key))))
            self.compare_table.setItem(row, 1, QTableWidgetItem(_shown(old)))
            self.compare_table.setItem(row, 2, QTableWidgetItem(_shown(new)))
        self.compare_table.setVisible(bool(differences))
        self.compare_message.setText(
            _("Compared with parameters {version}: {count} figures differ.").format(
                version=self._params.version, count=len(differences)
            )
            if differences
            else _("Compared with parameters {version}: every figure is the same.").format(version=self._params.version)
        )
        return differences

    def print_summary(self, office_copy: bool = False) -> None:
        result, plan = self.calculator.result(), self.calculator.last_input()
        if result is None or plan is None or self._household_id is None:
            self.plan_status.show_message(_("Correct the inputs first."))
            return
        village, head = self._place()
        kind = _("housing plan summary, office copy") if office_copy else _("housing plan summary")
        path = documents.ask_save_path(self, _("Print summary"), kind, village, head)
        if path is None:
            return
        if self.write_summary(path, plan, result, office_copy=office_copy):
            documents.open_document(self, path)

    def _place(self) -> tuple[str, str]:
        """The household's village and head, which name the folder and the file of its documents."""
        with self._store.session() as session:
            record = session.get(Household, self._household_id)
            if record is None:
                return "", ""
            group = next((g for g in township.groups(session) if g.id == record.group_id), None)
            return (group.village_name if group else ""), record.head_name or ""

    def write_summary(self, path, plan, result, office_copy: bool = False) -> bool:
        """Render the one-page summary of the shown plan to ``path`` (core.documents.plan_summary); False
        (and the reason shown) when the file cannot be written."""
        from xinjie_desktop.core.documents import plan_summary  # reportlab: loaded when a summary is printed

        with self._store.session() as session:
            record = session.get(Household, self._household_id)
            group = next((g for g in township.groups(session) if g.id == record.group_id), None)
            place = township.township(session)
            household = plan_summary.PlanHousehold(
                head_name=record.head_name,
                id_number=record.head_id_number,
                village=group.village_name if group else "",
                group=group.name if group else "",
                actual_population=record.actual_population,
            )
            township_name = place.name if place is not None else ""
        try:
            plan_summary.render_plan_summary(
                path,
                household,
                plan,
                result,
                township_name,
                dt.date.today(),
                chosen_option=self.calculator.chosen_option(),
                co_investor=self.calculator.co_investor(),
                office_copy=office_copy,
            )
        except OSError as error:
            self.plan_status.show_message(
                _("The summary could not be written to {path}: {error}").format(
                    path=str(path), error=error.strerror or error
                )
            )
            return False
        self.plan_status.show_message(_("Summary written to {path}.").format(path=str(path)), "info")
        return True
