"""The household editor: basic facts, members, income worksheet, identification workflow, flags.

A thin layer over ``core.records.households``: the widgets fill a ``HouseholdDraft``, the core validates
and saves it in one transaction (or not at all), and every figure shown (actual population,
per-capita net income, the income line, the next workflow step, the flags) is computed by the
core.  Problems the core reports are shown in words next to the field they concern.
"""

from __future__ import annotations

import copy
import datetime as dt
from types import SimpleNamespace

from PySide6.QtCore import QDate, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.records import households, township
from xinjie_desktop.core.records.households import (
    ERROR,
    WARNING,
    HouseholdDraft,
    IncomeDraft,
    MemberDraft,
    Problem,
    ValidationFailed,
)
from xinjie_desktop.core.rules import flags as flag_rules
from xinjie_desktop.core.rules import identification, income, membership, policy_params, vocabulary
from xinjie_desktop.core.rules.identification import StepInput, WorkflowError
from xinjie_desktop.core.rules.idnumber import SEX_LABELS, normalise
from xinjie_desktop.core.rules.money import AmountError, format_yuan, parse_yuan, to_fen
from xinjie_desktop.core.store.database import StoreWriteError
from xinjie_desktop.i18n import _, join
from xinjie_desktop.qt.agreements.agreements_tab import AgreementsTab
from xinjie_desktop.qt.households.attachment_panel import AttachmentPanel
from xinjie_desktop.qt.households.member_table_model import MemberTableModel
from xinjie_desktop.qt.relocation.relocation_tab import RelocationTab
from xinjie_desktop.qt.shell.field_labels import HOUSEHOLD_LABELS, INCOME_FIELDS, MEMBER_LABELS
from xinjie_desktop.qt.shell.widgets import (
    EMPTY_MARK,
    ERROR_COLOUR,
    INFO_COLOUR,
    ChoiceCombo,
    DateEdit,
    GroupedChoiceCombo,
    MessageLabel,
    OptionalDateEdit,
    OptionalIntSpin,
    from_qdate,
    read_only_table,
    scrolled,
    table_cell,
    text_box,
    with_message,
)

BASIC_TAB, MEMBERS_TAB, INCOME_TAB, WORKFLOW_TAB, FLAGS_TAB, RELOCATION_TAB, AGREEMENTS_TAB = range(7)

SUMMARY_LINES = 6


def _bold(label: QLabel, size_delta: float = 0) -> QLabel:
    font = QFont(label.font())
    font.setBold(True)
    if size_delta:
        font.setPointSizeF(font.pointSizeF() + size_delta)
    label.setFont(font)
    return label


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(mid);")
    return label


class MemberForm(QGroupBox):
    """The entry form for one member; Enter anywhere in it submits the member."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class HouseholdEditor(QWidget):
    """Edit one household (``household_id``) or enter a new one (``None``)."""

    saved = Signal(str)  # the household's id, after a successful save
    cancelled = Signal()
    changed = Signal(str)  # a workflow step or an objection was recorded in the store

    def __init__(self, store, household_id: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._params = policy_params.current()
        self._household_id = household_id
        self._loaded_national_number = ""
        self._next_step: str | None = None
        lined_years = sorted(self._params.income_lines)
        self._default_year = lined_years[-1] if lined_years else dt.date.today().year - 1
        self._incomes: dict[int, dict[str, str]] = {}
        self._income_problems: dict[int, dict[str, list[Problem]]] = {}
        self._income_year = self._default_year
        self._household_messages: dict[str, MessageLabel] = {}
        self._household_widgets: dict[str, QWidget] = {}
        self._member_messages: dict[str, MessageLabel] = {}
        self._member_widgets: dict[str, QWidget] = {}
        self._income_messages: dict[str, MessageLabel] = {}
        self._current = MemberDraft()
        self._current_row: int | None = None
        self._auto_filled: set[str] = set()
        self._filling = False
        self._build()
        self.load()
        (self.group_combo if household_id is None else self.tabs).setFocus()

    # =====================================================================================
    # Building the widgets
    # =====================================================================================
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.heading = _bold(QLabel(), 2)
        layout.addWidget(self.heading)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_basic_tab(), _("Basic information"))
        self.tabs.addTab(self._build_members_tab(), _("Household members"))
        self.tabs.addTab(self._build_income_tab(), _("Income worksheet"))
        self.tabs.addTab(self._build_workflow_tab(), _("Identification workflow"))
        self.tabs.addTab(self._build_flags_tab(), _("Flags"))
        self.relocation_tab = RelocationTab(self._store, None)
        self.relocation_tab.setObjectName("relocation_tab")
        self.tabs.addTab(self.relocation_tab, _("Relocation and housing"))
        self.agreements_tab = AgreementsTab(self._store, None)
        self.agreements_tab.setObjectName("agreements_tab")
        self.tabs.addTab(self.agreements_tab, _("Agreements"))
        self.relocation_tab.plan_saved.connect(lambda _id: self.agreements_tab.refresh())
        layout.addWidget(self.tabs, 1)

        bottom = QHBoxLayout()
        self.summary = MessageLabel()
        self.summary.setObjectName("summary")
        bottom.addWidget(self.summary, 10)
        bottom.addStretch(1)
        self.save_button = QPushButton(_("Save"))
        self.save_button.setObjectName("save_button")
        self.save_button.setToolTip(
            QKeySequence(QKeySequence.StandardKey.Save).toString(QKeySequence.SequenceFormat.NativeText)
        )
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setObjectName("cancel_button")
        self.cancel_button.clicked.connect(self.cancelled.emit)
        bottom.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        bottom.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(bottom)
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.save)

    def _household_field(self, form: QFormLayout, attr: str, widget: QWidget, label: str | None = None) -> None:
        box, message = with_message(widget)
        message.setObjectName(f"household_{attr}_message")
        widget.setObjectName(f"household_{attr}")
        self._household_messages[attr] = message
        self._household_widgets[attr] = widget
        form.addRow(label if label is not None else _(HOUSEHOLD_LABELS[attr]), box)

    def _build_basic_tab(self) -> QWidget:
        page = QWidget()
        columns = QHBoxLayout(page)
        left = QVBoxLayout()
        right = QVBoxLayout()
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)

        household_box = QGroupBox(_("Household"))
        form = QFormLayout(household_box)
        self.group_combo = QComboBox()
        self.group_combo.setPlaceholderText(_("Choose the village and villagers' group"))
        self._household_field(form, "group_id", self.group_combo)
        self.address_edit = QLineEdit()
        self._household_field(form, "address", self.address_edit)
        self.phone_edit = QLineEdit()
        self._household_field(form, "phone", self.phone_edit)
        self.labour_willing_check = QCheckBox(_("The household is willing to work"))
        self._household_field(form, "labour_willing", self.labour_willing_check, "")
        left.addWidget(household_box)

        moved_box = QGroupBox(_("Resettlement shop or row house (re-check)"))
        form = QFormLayout(moved_box)
        self.moved_check = QCheckBox(_("Moved to a shop or row house at a resettlement site"))
        self._household_field(form, "moved_to_shop_or_row_house", self.moved_check, "")
        self.recheck_edit = text_box(56)
        self.recheck_edit.setPlaceholderText(_("Outcome of the re-check"))
        self._household_field(form, "recheck_outcome", self.recheck_edit)
        self.moved_check.toggled.connect(self.recheck_edit.setEnabled)
        left.addWidget(moved_box)
        left.addStretch(1)

        national_box = QGroupBox(_("Record in the national poverty-alleviation system"))
        form = QFormLayout(national_box)
        self.national_number_edit = QLineEdit()
        self._household_field(form, "national_number", self.national_number_edit)
        population_row = QWidget()
        row = QHBoxLayout(population_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.system_population_spin = OptionalIntSpin(0, 99)
        row.addWidget(self.system_population_spin)
        self.basic_population_label = QLabel()
        row.addWidget(self.basic_population_label, 1)
        self._household_field(form, "system_population", population_row)
        self._household_widgets["system_population"] = self.system_population_spin
        self.attribute_combo = ChoiceCombo(vocabulary.ATTRIBUTES, EMPTY_MARK)
        self._household_field(form, "attribute", self.attribute_combo)
        self.main_cause_combo = ChoiceCombo(vocabulary.CAUSES, EMPTY_MARK)
        self._household_field(form, "main_cause", self.main_cause_combo)
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
        self._household_field(form, "secondary_causes", causes)
        self.standard_combo = ChoiceCombo(vocabulary.IDENTIFICATION_STANDARDS, EMPTY_MARK)
        self._household_field(form, "identification_standard", self.standard_combo)
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
        self._household_field(form, "exited", exit_row, _("Exit"))
        self._household_widgets["exited"] = self.exited_check
        exit_message = MessageLabel()
        self._household_messages["exit_year"] = exit_message
        self._household_widgets["exit_year"] = self.exit_year_spin
        form.addRow("", exit_message)
        self.helper_edit = QLineEdit()
        self._household_field(form, "helper_cadre", self.helper_edit)
        self.reconciliation_edit = text_box(56)
        self.reconciliation_edit.setPlaceholderText(
            _("Where system and actual population differ: the reconciliation and its supporting files")
        )
        self._household_field(form, "reconciliation_note", self.reconciliation_edit)
        self.attachment_panel = AttachmentPanel(self._store)
        form.addRow(_("Supporting files"), self.attachment_panel)
        right.addWidget(national_box)
        right.addStretch(1)

        for widget in (self.system_population_spin, self.exit_year_spin):
            widget.setMinimumWidth(90)
        self.system_population_spin.valueChanged.connect(lambda _v: self._update_population())
        return scrolled(page)

    def _member_field(
        self, grid: QGridLayout, row: int, column: int, attr: str, widget: QWidget, span: int = 1
    ) -> None:
        widget.setObjectName(f"member_{attr}")
        box, message = with_message(widget)
        message.setObjectName(f"member_{attr}_message")
        self._member_messages[attr] = message
        self._member_widgets[attr] = widget
        label = QLabel(_(MEMBER_LABELS[attr]))
        label.setBuddy(widget)
        grid.addWidget(label, row, column * 2, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
        grid.addWidget(box, row, column * 2 + 1, 1, span * 2 - 1)

    def _build_members_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        top = QHBoxLayout()
        self.population_label = _bold(QLabel())
        self.population_label.setObjectName("population_label")
        top.addWidget(self.population_label, 1)
        self.new_member_button = QPushButton(_("New member"))
        self.new_member_button.clicked.connect(self._start_new_member)
        self.remove_member_button = QPushButton(_("Remove member"))
        self.remove_member_button.clicked.connect(self._remove_member)
        self.remove_member_button.setEnabled(False)
        top.addWidget(self.new_member_button)
        top.addWidget(self.remove_member_button)
        layout.addLayout(top)
        self.members_message = MessageLabel()
        self.members_message.setObjectName("household_members_message")
        self._household_messages["members"] = self.members_message
        layout.addWidget(self.members_message)

        self.member_model = MemberTableModel(self)
        self.member_table = QTableView()
        self.member_table.setObjectName("member_table")
        self.member_table.setModel(self.member_model)
        self.member_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.member_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.member_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.member_table.setAlternatingRowColors(True)
        self.member_table.setTabKeyNavigation(False)
        header = self.member_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.member_table.setMinimumHeight(140)
        self.member_table.selectionModel().selectionChanged.connect(self._on_member_selected)
        self._household_widgets["members"] = self.member_table
        layout.addWidget(self.member_table, 1)

        self.member_form = MemberForm(_("New member"))
        self.member_form.submitted.connect(self.commit_member)
        grid = QGridLayout(self.member_form)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.m_name = QLineEdit()
        self.m_id = QLineEdit()
        self.m_id.setMaxLength(22)
        self.m_id.setPlaceholderText(_("18 characters; birth date and sex are read from it"))
        self.m_relation = ChoiceCombo(vocabulary.RELATIONS, placeholder=_("Choose"))
        self.m_sex = ChoiceCombo(SEX_LABELS, EMPTY_MARK)
        self.m_birth = OptionalDateEdit()
        self.m_ethnicity = ChoiceCombo(vocabulary.ETHNICITIES, EMPTY_MARK)
        self.m_education = ChoiceCombo(vocabulary.EDUCATION, EMPTY_MARK)
        self.m_health = ChoiceCombo(vocabulary.HEALTH, EMPTY_MARK)
        self.m_labour = ChoiceCombo(vocabulary.LABOUR, EMPTY_MARK)
        self.m_schooling = ChoiceCombo(vocabulary.SCHOOLING, EMPTY_MARK)
        self.m_basis = GroupedChoiceCombo(
            [
                (_("Household members (count toward the actual population)"), membership.INCLUDED),
                (_("Not household members (do not count)"), membership.EXCLUDED),
            ],
            placeholder=_("Choose"),
        )
        self.m_dibao = QCheckBox(_("Receives dibao"))
        self.m_registered = QCheckBox(_("Identified (registered) with this household"))
        self._member_field(grid, 0, 0, "name", self.m_name)
        self._member_field(grid, 0, 1, "id_number", self.m_id)
        self._member_field(grid, 1, 0, "relation", self.m_relation)
        self._member_field(grid, 1, 1, "sex", self.m_sex)
        self._member_field(grid, 2, 0, "birth_date", self.m_birth)
        self._member_field(grid, 2, 1, "ethnicity", self.m_ethnicity)
        self._member_field(grid, 3, 0, "education", self.m_education)
        self._member_field(grid, 3, 1, "health", self.m_health)
        self._member_field(grid, 4, 0, "labour", self.m_labour)
        self._member_field(grid, 4, 1, "schooling", self.m_schooling)
        self._member_field(grid, 5, 0, "membership_basis", self.m_basis, span=2)
        self.m_dibao.setObjectName("member_dibao")
        self.m_registered.setObjectName("member_registered")
        self._member_widgets["dibao"] = self.m_dibao
        self._member_widgets["registered"] = self.m_registered
        grid.addWidget(self.m_dibao, 6, 1)
        grid.addWidget(self.m_registered, 6, 3)
        actions = QHBoxLayout()
        actions.addWidget(_note(_("Press Enter to add the member and go on with the next one.")), 1)
        self.add_member_button = QPushButton(_("Add member"))
        self.add_member_button.setObjectName("add_member_button")
        self.add_member_button.clicked.connect(self.commit_member)
        actions.addWidget(self.add_member_button)
        grid.addLayout(actions, 7, 0, 1, 4)
        layout.addWidget(self.member_form)

        order = [
            self.m_name,
            self.m_id,
            self.m_relation,
            self.m_sex,
            self.m_birth,
            self.m_ethnicity,
            self.m_education,
            self.m_health,
            self.m_labour,
            self.m_schooling,
            self.m_basis,
            self.m_dibao,
            self.m_registered,
            self.add_member_button,
        ]
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)

        self.m_name.textChanged.connect(lambda _t: self._on_member_edited("name"))
        self.m_id.textChanged.connect(self._on_id_typed)
        self.m_id.editingFinished.connect(lambda: self._show_live_id_problems(final=True))
        for attr, combo in (
            ("relation", self.m_relation),
            ("sex", self.m_sex),
            ("ethnicity", self.m_ethnicity),
            ("education", self.m_education),
            ("health", self.m_health),
            ("labour", self.m_labour),
            ("schooling", self.m_schooling),
            ("membership_basis", self.m_basis),
        ):
            combo.currentIndexChanged.connect(lambda _i, attr=attr: self._on_member_edited(attr))
        self.m_birth.textChanged.connect(lambda _t: self._on_member_edited("birth_date"))
        self.m_birth.editingFinished.connect(lambda: self._check_birth_format(final=True))
        self.m_dibao.toggled.connect(lambda _c: self._on_member_edited("dibao"))
        self.m_registered.toggled.connect(lambda _c: self._on_member_edited("registered"))
        return page

    def _build_income_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
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
            _note(
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
        self.per_capita_label = _bold(QLabel())
        self.line_label = QLabel()
        self.income_result_label = _bold(QLabel(), 1)
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
            _note(
                _(
                    "A household qualifies when its per-capita net income is below the line "
                    "and it has labour capacity and willingness to work."
                )
            )
        )
        columns.addWidget(result_box, 1)
        return page

    def _build_workflow_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.workflow_placeholder = _note(
            _("Save the household first: the identification workflow is recorded for a saved household.")
        )
        self.workflow_placeholder.setObjectName("workflow_placeholder")
        layout.addWidget(self.workflow_placeholder)
        self.workflow_body = QWidget()
        layout.addWidget(self.workflow_body, 1)
        body = QVBoxLayout(self.workflow_body)
        body.setContentsMargins(0, 0, 0, 0)
        self.workflow_state_label = _bold(QLabel())
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
        self.step_date = DateEdit()
        self.step_date.setObjectName("step_date")
        self.step_date.dateChanged.connect(self._on_step_date_changed)
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
        self.step_notice_end = DateEdit()
        self.step_notice_end.setObjectName("step_notice_end")
        self.step_national_number = QLineEdit()
        self.step_national_number.setObjectName("step_national_number")
        self.step_notes_label = QLabel()
        self.step_form.addRow(_("Date"), self.step_date)
        self.step_form.addRow(_("Done by"), self.step_by)
        self.step_form.addRow("", self.step_passed)
        self.step_form.addRow(self.step_notes_label, self.step_notes)
        self.step_form.addRow("", self.step_omission)
        self.step_form.addRow(_("Why it was missed"), self.step_omission_reason)
        self.step_form.addRow(_("Posted at"), self.step_notice_place)
        self.step_form.addRow(_("Posted until"), self.step_notice_end)
        self.step_form.addRow(_("Number in the national system"), self.step_national_number)
        self.record_step_button = QPushButton(_("Record this step"))
        self.record_step_button.setObjectName("record_step_button")
        self.record_step_button.clicked.connect(self.record_step)
        self.step_message = MessageLabel()
        self.step_message.setObjectName("step_message")
        self.step_form.addRow("", self.record_step_button)
        self.step_form.addRow("", self.step_message)
        self.workflow_done_label = _note("")
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
        self.objection_date = DateEdit()
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
        self.resolution_date = DateEdit()
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
        objections.addWidget(self.objection_message)
        lower.addWidget(objections_box, 1)
        return page

    def _build_flags_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.flags_note = _note("")
        self.flags_note.setObjectName("flags_note")
        layout.addWidget(self.flags_note)
        self.flags_table = read_only_table([_("Rule"), _("Flag"), _("Explanation")])
        self.flags_table.setObjectName("flags_table")
        layout.addWidget(self.flags_table, 1)
        return page

    # =====================================================================================
    # Loading
    # =====================================================================================
    @property
    def household_id(self) -> str | None:
        return self._household_id

    def load(self) -> None:
        """(Re)read the household from the store into every tab, discarding unsaved edits."""
        household = None
        with self._store.session() as session:
            groups = township.groups(session)
            if self._household_id:
                household = households.load_household(session, self._household_id)
                if household is not None:
                    flag_list = flag_rules.compute(
                        household, self._params, households.duplicate_numbers(session, household)
                    )
        self._fill_groups(groups)
        self._clear_problems()
        if self._household_id and household is None:
            self.summary.show_message(_("This household no longer exists in the store."))
            self._household_id = None
        draft = households.to_draft(household) if household is not None else HouseholdDraft()
        self._fill_household(draft)
        self.attachment_panel.set_household(self._household_id)
        if household is not None:
            self._fill_workflow(household)
            self._fill_flags(flag_list)
        else:
            self._fill_workflow(None)
            self._fill_flags(None)
        self._update_heading(draft)
        self.relocation_tab.set_household(self._household_id)
        self.tabs.setTabEnabled(RELOCATION_TAB, self._household_id is not None)
        self.tabs.setTabToolTip(
            RELOCATION_TAB,
            ""
            if self._household_id
            else _("Save the household first: relocation and housing plans belong to a saved household."),
        )
        self.agreements_tab.set_household(self._household_id)
        self.tabs.setTabEnabled(AGREEMENTS_TAB, self._household_id is not None)
        self.tabs.setTabToolTip(
            AGREEMENTS_TAB,
            "" if self._household_id else _("Save the household first: agreements belong to a saved household."),
        )
        self._clean = self._snapshot()

    def _snapshot(self) -> tuple:
        """What the widgets hold now, to tell whether anything was changed since loading."""
        draft, problems = self.build_draft()
        form = MemberDraft()
        self._form_to(form)
        return copy.deepcopy((draft, [p.message for p in problems], self._current_row, form, self.m_birth.text()))

    def has_unsaved_changes(self) -> bool:
        return self._snapshot() != self._clean or self.relocation_tab.has_unsaved_changes()

    def _fill_groups(self, groups: list[township.GroupRef]) -> None:
        self.group_combo.clear()
        for group in groups:
            self.group_combo.addItem(f"{group.village_name} {group.name}", group.id)
        self.group_combo.setCurrentIndex(-1)

    def _update_heading(self, draft: HouseholdDraft) -> None:
        if not self._household_id:
            self.heading.setText(_("New household"))
            return
        head = next((m.name for m in draft.members if m.relation == "head"), "") or EMPTY_MARK
        self.heading.setText(_("Household of {head}, {place}").format(head=head, place=self.group_combo.currentText()))

    def _fill_household(self, draft: HouseholdDraft) -> None:
        self._filling = True
        try:
            index = self.group_combo.findData(draft.group_id) if draft.group_id else -1
            self.group_combo.setCurrentIndex(index)
            self.address_edit.setText(draft.address)
            self.phone_edit.setText(draft.phone)
            self.labour_willing_check.setChecked(draft.labour_willing)
            self.national_number_edit.setText(draft.national_number)
            self._loaded_national_number = draft.national_number
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
            self.moved_check.setChecked(draft.moved_to_shop_or_row_house)
            self.recheck_edit.setEnabled(draft.moved_to_shop_or_row_house)
            self.recheck_edit.setPlainText(draft.recheck_outcome)
            self.member_model.set_members(list(draft.members))
            self._incomes = {
                sheet.year: {attr: self._amount_text(getattr(sheet, attr)) for attr, _label in INCOME_FIELDS}
                for sheet in draft.incomes
            }
            years = sorted(self._incomes)
            self._income_year = self._default_year if self._default_year in self._incomes or not years else years[-1]
            self.income_year_spin.setValue(self._income_year)
        finally:
            self._filling = False
        self._start_new_member(focus=False)
        self._show_income_year()

    @staticmethod
    def _amount_text(value) -> str:
        return "" if not value else str(value)

    # =====================================================================================
    # Members
    # =====================================================================================
    def _form_to(self, member: MemberDraft) -> None:
        member.name = self.m_name.text()
        member.id_number = self.m_id.text()
        member.relation = self.m_relation.code()
        member.sex = self.m_sex.code()
        member.birth_date = self.m_birth.date_or_none()
        member.ethnicity = self.m_ethnicity.code()
        member.education = self.m_education.code()
        member.health = self.m_health.code()
        member.labour = self.m_labour.code()
        member.schooling = self.m_schooling.code()
        member.membership_basis = self.m_basis.code()
        member.dibao = self.m_dibao.isChecked()
        member.registered = self.m_registered.isChecked()

    def _member_to_form(self, member: MemberDraft) -> None:
        self._filling = True
        try:
            self.m_name.setText(member.name)
            self.m_id.setText(member.id_number)
            self.m_relation.set_code(member.relation)
            self.m_sex.set_code(member.sex)
            self.m_birth.set_date_or_none(member.birth_date)
            self.m_ethnicity.set_code(member.ethnicity)
            self.m_education.set_code(member.education)
            self.m_health.set_code(member.health)
            self.m_labour.set_code(member.labour)
            self.m_schooling.set_code(member.schooling)
            self.m_basis.set_code(member.membership_basis)
            self.m_dibao.setChecked(member.dibao)
            self.m_registered.setChecked(member.registered)
        finally:
            self._filling = False
        for message in self._member_messages.values():
            message.clear_message()
        if self._current_row is not None:
            self._show_member_problems(self.member_model.problems(self._current_row))

    def _show_member_problems(self, problems: list[Problem]) -> None:
        by_attr: dict[str, list[Problem]] = {}
        for problem in problems:
            by_attr.setdefault(problem.field.rsplit(".", 1)[-1], []).append(problem)
        for attr, message in self._member_messages.items():
            message.show_problems(by_attr.get(attr, []))

    def _on_member_edited(self, attr: str) -> None:
        if self._filling:
            return
        self._auto_filled.discard(attr)
        self._form_to(self._current)
        if attr in self._member_messages:
            self._member_messages[attr].clear_message()
        if self._current_row is not None:
            self.member_model.clear_problem(self._current_row, attr)
            self.member_model.row_changed(self._current_row)
        if attr in ("id_number", "birth_date", "sex"):
            self._show_live_id_problems(final=False)
            self._check_birth_format(final=False)
        self._update_population()

    def _check_birth_format(self, final: bool) -> bool:
        """The birth date field holds a date or nothing; says so next to it otherwise."""
        if self.m_birth.is_valid():
            return True
        if final or len(self.m_birth.text().replace("-", "")) >= 8:
            self._member_messages["birth_date"].show_message(_("Type the birth date as YYYY-MM-DD, e.g. 1970-03-05."))
        return False

    def _on_id_typed(self, text: str) -> None:
        if self._filling:
            return
        facts = self._id_facts(text)
        if facts is not None:
            self._filling = True
            try:
                if self.m_birth.date_or_none() is None or "birth_date" in self._auto_filled:
                    self.m_birth.set_date_or_none(facts.birth_date)
                    self._auto_filled.add("birth_date")
                if not self.m_sex.code() or "sex" in self._auto_filled:
                    self.m_sex.set_code(facts.sex)
                    self._auto_filled.add("sex")
            finally:
                self._filling = False
        auto = set(self._auto_filled)
        self._on_member_edited("id_number")
        self._auto_filled = auto

    @staticmethod
    def _id_facts(text: str):
        from xinjie_desktop.core.rules.idnumber import IdNumberError, parse

        try:
            return parse(text)
        except IdNumberError:
            return None

    def _live_problems(self, member: MemberDraft, final: bool) -> list[Problem]:
        """The core's problems with this member's ID number, birth date and sex, as typed so far."""
        number = normalise(member.id_number)
        if not number or (len(number) < 18 and not final):
            return []
        others = list(self.member_model.members)
        if self._current_row is None:
            others.append(member)
            row = len(others) - 1
        else:
            row = self._current_row
        draft = HouseholdDraft(id=self._household_id, group_id=self.group_combo.currentData() or "", members=others)
        with self._store.session() as session:
            problems = households.validate(session, draft)
        wanted = {f"member.{row}.{attr}" for attr in ("id_number", "birth_date", "sex")}
        return [p for p in problems if p.field in wanted]

    def _show_live_id_problems(self, final: bool) -> None:
        if self._filling:
            return
        problems = self._live_problems(self._current, final)
        for attr in ("id_number", "birth_date", "sex"):
            self._member_messages[attr].show_problems([p for p in problems if p.field.endswith("." + attr)])

    def _update_population(self) -> None:
        members = self.member_model.members
        actual = len(flag_rules.actual_members(SimpleNamespace(members=members)))
        self._actual_population = actual
        self.population_label.setText(
            _("{total} people entered; actual population: {actual}").format(total=len(members), actual=actual)
        )
        self.basic_population_label.setText(_("actual population: {actual}").format(actual=actual))
        self._recompute_income()

    def _new_member_draft(self) -> MemberDraft:
        has_head = any(m.relation == "head" for m in self.member_model.members)
        return MemberDraft(relation="child" if has_head else "head")

    def _start_new_member(self, focus: bool = True) -> None:
        self._current = self._new_member_draft()
        self._current_row = None
        self._auto_filled = set()
        self._filling = True
        try:
            self.member_table.selectionModel().clearSelection()
            self.member_table.setCurrentIndex(QModelIndex())
        finally:
            self._filling = False
        self._member_to_form(self._current)
        self.member_form.setTitle(_("New member"))
        self.add_member_button.setText(_("Add member"))
        self.remove_member_button.setEnabled(False)
        self._update_population()
        if focus:
            self.m_name.setFocus()

    @staticmethod
    def _is_blank(member: MemberDraft) -> bool:
        return not member.name.strip() and not normalise(member.id_number)

    def commit_member(self) -> None:
        """Enter: add the member being typed (or finish the selected one) and start the next."""
        if not self._check_birth_format(final=True):
            self.m_birth.setFocus()
            return
        self._form_to(self._current)
        if self._current_row is None:
            if self._is_blank(self._current):
                self.m_name.setFocus()
                return
            row = self.member_model.append(self._current)
            live = self._live_problems_for_row(row)
            if live:
                self.member_model.set_problems({**self._all_member_problems(), row: live})
        self._start_new_member()

    def _live_problems_for_row(self, row: int) -> list[Problem]:
        current_row, self._current_row = self._current_row, row
        try:
            return self._live_problems(self.member_model.members[row], final=True)
        finally:
            self._current_row = current_row

    def _all_member_problems(self) -> dict[int, list[Problem]]:
        return {
            row: self.member_model.problems(row)
            for row in range(self.member_model.rowCount())
            if self.member_model.problems(row)
        }

    def _flush_pending_member(self) -> bool:
        """A member typed but not yet added is added rather than lost; False if it cannot be."""
        if not self._check_birth_format(final=True):
            self.tabs.setCurrentIndex(MEMBERS_TAB)
            self.m_birth.setFocus()
            return False
        if self._current_row is None:
            self._form_to(self._current)
            if not self._is_blank(self._current):
                self.member_model.append(self._current)
                self._start_new_member(focus=False)
        return True

    def select_member(self, row: int) -> None:
        self.member_table.selectionModel().select(
            self.member_model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.member_table.setCurrentIndex(self.member_model.index(row, 0))

    def _on_member_selected(self, *_args) -> None:
        if self._filling:
            return
        rows = self.member_table.selectionModel().selectedRows()
        if not rows:
            return
        row = rows[0].row()
        if self._current_row is None:
            self._form_to(self._current)
            if not self._is_blank(self._current):
                self.member_model.append(self._current)
        self._current_row = row
        self._current = self.member_model.members[row]
        self._auto_filled = set()
        self._member_to_form(self._current)
        self.member_form.setTitle(_("Member {n}").format(n=row + 1))
        self.add_member_button.setText(_("Done: next member"))
        self.remove_member_button.setEnabled(True)

    def _remove_member(self) -> None:
        if self._current_row is None:
            return
        self.member_model.remove(self._current_row)
        self._start_new_member()

    # =====================================================================================
    # Income worksheet
    # =====================================================================================
    def _on_income_year_changed(self, year: int) -> None:
        if self._filling:
            return
        self._income_year = year
        self._show_income_year()

    def _show_income_year(self) -> None:
        texts = self._incomes.get(self._income_year, {})
        self._filling = True
        try:
            for attr, edit in self.income_edits.items():
                edit.setText(texts.get(attr, ""))
        finally:
            self._filling = False
        self._recompute_income()

    def _on_income_edited(self, attr: str) -> None:
        if self._filling:
            return
        self._incomes.setdefault(self._income_year, {})[attr] = self.income_edits[attr].text()
        self._income_problems.get(self._income_year, {}).pop(attr, None)
        self._recompute_income()

    def _recompute_income(self) -> None:
        if not hasattr(self, "income_edits"):
            return
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
        population = getattr(self, "_actual_population", 0)
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

    def _income_drafts(self) -> tuple[list[IncomeDraft], list[Problem]]:
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
    def build_draft(self) -> tuple[HouseholdDraft, list[Problem]]:
        """The draft the widgets hold, and the amounts that could not be read."""
        incomes, problems = self._income_drafts()
        exited = self.exited_check.isChecked()
        draft = HouseholdDraft(
            id=self._household_id,
            group_id=self.group_combo.currentData() or "",
            address=self.address_edit.text(),
            phone=self.phone_edit.text(),
            labour_willing=self.labour_willing_check.isChecked(),
            national_number=self.national_number_edit.text(),
            system_population=self.system_population_spin.value_or_none(),
            attribute=self.attribute_combo.code(),
            main_cause=self.main_cause_combo.code(),
            secondary_causes=[code for code, check in self.secondary_checks.items() if check.isChecked()],
            identification_standard=self.standard_combo.code(),
            exited=exited,
            exit_year=self.exit_year_spin.value_or_none() if exited else None,
            helper_cadre=self.helper_edit.text(),
            reconciliation_note=self.reconciliation_edit.toPlainText(),
            moved_to_shop_or_row_house=self.moved_check.isChecked(),
            recheck_outcome=self.recheck_edit.toPlainText(),
            members=list(self.member_model.members),
            incomes=incomes,
        )
        return draft, problems

    def save(self) -> str | None:
        """Save the whole household, or nothing and show why; returns the id when saved."""
        if not self._flush_pending_member():
            self.summary.show_message(_("Not saved: correct the birth date of the member in the form."))
            return None
        if self.relocation_tab.has_unsaved_changes() and not self.relocation_tab.save_verification():
            self.tabs.setCurrentIndex(RELOCATION_TAB)
            self.relocation_tab.inner_tabs.setCurrentIndex(0)
            self.summary.show_message(_("Not saved: correct the relocation verification."))
            return None
        draft, problems = self.build_draft()
        with self._store.session() as session:
            problems += households.validate(session, draft)
        errors = [p for p in problems if p.severity == ERROR]
        warnings = [p for p in problems if p.severity == WARNING]
        if errors:
            self._show_problems(problems, draft)
            return None
        try:
            household_id = households.save(self._store, draft, self._params)
        except ValidationFailed as failure:
            self._show_problems(failure.problems + warnings, draft)
            return None
        except StoreWriteError as error:  # full disk, read-only folder: nothing saved, the form is kept as typed
            self.summary.show_message(str(error))
            return None
        self._household_id = household_id
        self.load()
        if warnings:
            self._show_problems(warnings, draft, saved=True)
        else:
            self.summary.show_message(_("Saved."), "info")
        self.saved.emit(household_id)
        return household_id

    def _clear_problems(self) -> None:
        for message in (*self._household_messages.values(), *self._member_messages.values(), self.summary):
            message.clear_message()
        self.member_model.set_problems({})
        self._income_problems = {}
        self._recompute_income()

    def _where(self, problem: Problem, draft: HouseholdDraft) -> str:
        parts = problem.field.split(".")
        if parts[0] == "member" and len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1])
            name = draft.members[index].name.strip() if index < len(draft.members) else ""
            return _("Member {n} ({name})").format(n=index + 1, name=name or EMPTY_MARK)
        if parts[0] == "income" and len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1])
            year = draft.incomes[index].year if index < len(draft.incomes) else ""
            return _("Income {year}").format(year=year)
        if parts[0] == "household" and len(parts) >= 2 and parts[1] in HOUSEHOLD_LABELS:
            return _(HOUSEHOLD_LABELS[parts[1]])
        return ""

    def _show_problems(self, problems: list[Problem], draft: HouseholdDraft, saved: bool = False) -> None:
        self._clear_problems()
        household: dict[str, list[Problem]] = {}
        members: dict[int, list[Problem]] = {}
        incomes: dict[int, dict[str, list[Problem]]] = {}
        unplaced: list[Problem] = []
        for problem in problems:
            parts = problem.field.split(".")
            if parts[0] == "household" and len(parts) == 2 and parts[1] in self._household_messages:
                household.setdefault(parts[1], []).append(problem)
            elif parts[0] == "member" and len(parts) == 3 and parts[1].isdigit():
                members.setdefault(int(parts[1]), []).append(problem)
            elif parts[0] == "income" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(draft.incomes):
                year = draft.incomes[int(parts[1])].year
                incomes.setdefault(year, {}).setdefault(parts[2], []).append(problem)
            else:
                unplaced.append(problem)
        for attr, found in household.items():
            self._household_messages[attr].show_problems(found)
        self.member_model.set_problems(members)
        self._income_problems = incomes
        self._recompute_income()

        errors = [p for p in problems if p.severity == ERROR]
        lines = []
        for problem in sorted(problems, key=lambda p: p.severity != ERROR)[:SUMMARY_LINES]:
            where = self._where(problem, draft)
            lines.append(
                "\u2022 "
                + (_("{name}: {value}").format(name=where, value=problem.message) if where else problem.message)
            )
        if len(problems) > SUMMARY_LINES:
            lines.append(_("and {n} more").format(n=len(problems) - SUMMARY_LINES))
        if saved:
            head = _("Saved, with {n} warning(s):").format(n=len(problems))
        else:
            head = _("Not saved: {n} problem(s) to correct.").format(n=len(errors))
        self.summary.show_message("\n".join([head, *lines]), "warning" if saved else ERROR)

        first = errors[0] if errors else None
        if first is None:
            if members:
                self.select_member(min(members))
            return
        parts = first.field.split(".")
        if parts[0] == "member" and len(parts) == 3 and parts[1].isdigit():
            self.tabs.setCurrentIndex(MEMBERS_TAB)
            self.select_member(int(parts[1]))
            widget = self._member_widgets.get(parts[2])
        elif parts[0] == "income":
            self.tabs.setCurrentIndex(INCOME_TAB)
            year = (
                draft.incomes[int(parts[1])].year if parts[1].isdigit() and int(parts[1]) < len(draft.incomes) else None
            )
            if year is not None and year != self._income_year:
                self.income_year_spin.setValue(year)
            widget = self.income_edits.get(parts[2]) if len(parts) == 3 else None
        elif parts[0] == "household" and len(parts) == 2 and parts[1] == "members":
            self.tabs.setCurrentIndex(MEMBERS_TAB)
            widget = self.member_table
        else:
            self.tabs.setCurrentIndex(BASIC_TAB)
            widget = self._household_widgets.get(parts[1]) if len(parts) == 2 else None
        if members:
            # Show a member's messages in the form even when the first error is elsewhere.
            if parts[0] != "member":
                self.select_member(min(members))
        if widget is not None:
            widget.setFocus()

    # =====================================================================================
    # Workflow (ID-5, PN-1) and objections
    # =====================================================================================
    def _fill_workflow(self, household) -> None:
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
        for widget in (self.step_date, self.step_by, self.step_passed, self.step_notes, self.record_step_button):
            self.step_form.setRowVisible(widget, has_next)
        self.step_form.setRowVisible(self.step_omission, step == "proposed")
        self.step_form.setRowVisible(self.step_omission_reason, step == "proposed")
        self.step_form.setRowVisible(self.step_notice_place, step == "noticed")
        self.step_form.setRowVisible(self.step_notice_end, step == "noticed")
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
            self._on_step_date_changed(self.step_date.date())

    def _on_step_date_changed(self, date: QDate) -> None:
        self.step_notice_end.setDate(date.addDays(self._params.notice_minimum_days))

    def record_step(self) -> None:
        """Record the next step through the core; the core refuses anything out of order."""
        if not self._household_id or self._next_step is None:
            return
        step = self._next_step
        entry = StepInput(
            step=step,
            done_on=from_qdate(self.step_date.date()),
            done_by=self.step_by.text(),
            passed=self.step_passed.isChecked(),
            notes=self.step_notes.toPlainText(),
            is_omission=step == "proposed" and self.step_omission.isChecked(),
            omission_reason=self.step_omission_reason.text() if step == "proposed" else "",
            notice_place=self.step_notice_place.text() if step == "noticed" else "",
            notice_end=from_qdate(self.step_notice_end.date()) if step == "noticed" else None,
            national_number=self.step_national_number.text() if step == "entered" else "",
        )
        try:
            households.record_step(self._store, self._household_id, entry, self._params)
        except WorkflowError as error:
            self.step_message.show_message(str(error))
            return
        self._reload_workflow()
        self.changed.emit(self._household_id)

    def _reload_workflow(self) -> None:
        with self._store.session() as session:
            household = households.load_household(session, self._household_id)
            flag_list = flag_rules.compute(household, self._params, households.duplicate_numbers(session, household))
        self._fill_workflow(household)
        self._fill_flags(flag_list)
        # Entering the household into the national system records its number there.
        if household.national_number != self._loaded_national_number:
            if self.national_number_edit.text() == self._loaded_national_number:
                self.national_number_edit.setText(household.national_number)
            self._loaded_national_number = household.national_number

    def add_objection(self) -> None:
        if not self._household_id:
            return
        try:
            households.add_objection(
                self._store,
                self._household_id,
                from_qdate(self.objection_date.date()),
                self.objection_by.text(),
                self.objection_content.text(),
            )
        except WorkflowError as error:
            self.objection_message.show_message(str(error))
            return
        self.objection_message.clear_message()
        self.objection_by.clear()
        self.objection_content.clear()
        self._reload_workflow()
        self.changed.emit(self._household_id)

    def resolve_objection(self) -> None:
        if not self._household_id:
            return
        rows = self.objections_table.selectionModel().selectedRows()
        if not rows:
            self.objection_message.show_message(_("Select the objection that was re-verified."))
            return
        objection_id = self.objections_table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        try:
            households.resolve_objection(
                self._store, objection_id, from_qdate(self.resolution_date.date()), self.resolution_text.text()
            )
        except WorkflowError as error:
            self.objection_message.show_message(str(error))
            return
        self.objection_message.clear_message()
        self.resolution_text.clear()
        self._reload_workflow()
        self.changed.emit(self._household_id)

    # =====================================================================================
    # Flags
    # =====================================================================================
    def _fill_flags(self, flag_list: list[flag_rules.Flag] | None) -> None:
        if flag_list is None:
            self.flags_note.setText(_("Flags are computed when the household is saved."))
            self.flags_table.setRowCount(0)
            return
        self.flags_note.setText(
            _("As computed from the saved household; they change when you save it again.")
            if flag_list
            else _("No flags: nothing to check for this household.")
        )
        self.flags_table.setRowCount(len(flag_list))
        for row, flag in enumerate(flag_list):
            self.flags_table.setItem(row, 0, table_cell(flag.rule, flag.code))
            self.flags_table.setItem(row, 1, table_cell(flag.label))
            self.flags_table.setItem(row, 2, table_cell(flag.explanation))
        self.flags_table.resizeRowsToContents()

    def flag_codes(self) -> list[str]:
        return [
            self.flags_table.item(row, 0).data(Qt.ItemDataRole.UserRole) for row in range(self.flags_table.rowCount())
        ]
