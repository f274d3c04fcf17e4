"""The household editor: a frame around its tabs (basic information and the national-system record,
members, income worksheet, identification workflow, flags, relocation and housing, agreements).

A thin layer over ``core.records.households``: the tabs fill a ``HouseholdDraft``, the core validates
and saves it in one transaction (or not at all), and every figure shown (actual population,
per-capita net income, the income line, the next workflow step, the flags) is computed by the
core.  Problems the core reports are shown in words next to the field they concern: the frame
places them on the tabs and sums them up under the tabs.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.records import households, township
from xinjie_desktop.core.records.households import (
    ERROR,
    WARNING,
    HouseholdDraft,
    LoadedHousehold,
    Problem,
    ValidationFailed,
)
from xinjie_desktop.core.rules import flags as flag_rules
from xinjie_desktop.core.rules import policy_params
from xinjie_desktop.core.rules.permissions import PermissionRefused
from xinjie_desktop.core.store.database import StoreWriteError
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.agreements.agreements_tab import AgreementsTab
from xinjie_desktop.qt.households.basic_tab import BasicTab
from xinjie_desktop.qt.households.editor_parts import HouseholdFields, bold
from xinjie_desktop.qt.households.flags_tab import FlagsTab
from xinjie_desktop.qt.households.income_tab import IncomeTab
from xinjie_desktop.qt.households.members_tab import MembersTab
from xinjie_desktop.qt.households.workflow_tab import WorkflowTab
from xinjie_desktop.qt.relocation.relocation_tab import RelocationTab
from xinjie_desktop.qt.shell.collision_dialog import NothingChosen, save_deciding
from xinjie_desktop.qt.shell.field_labels import HOUSEHOLD_LABELS
from xinjie_desktop.qt.shell.widgets import EMPTY_MARK, MessageLabel, scrolled

BASIC_TAB, MEMBERS_TAB, INCOME_TAB, WORKFLOW_TAB, FLAGS_TAB, RELOCATION_TAB, AGREEMENTS_TAB = range(7)

SUMMARY_HEIGHT_LINES = 4  # the summary under the tabs, in lines of text: its head, then the problems

# The tabs' widgets and actions, reachable on the editor by the names they always had.
BASIC_PARTS = ("group_combo", "address_edit", "phone_edit", "labour_willing_check", "moved_check", "recheck_edit")
NATIONAL_PARTS = (
    "national_number_edit",
    "system_population_spin",
    "basic_population_label",
    "attribute_combo",
    "main_cause_combo",
    "secondary_checks",
    "standard_combo",
    "exited_check",
    "exit_year_spin",
    "helper_edit",
    "reconciliation_edit",
    "attachment_panel",
)
MEMBERS_PARTS = (
    "population_label",
    "new_member_button",
    "remove_member_button",
    "members_message",
    "member_model",
    "member_table",
    "member_form",
    "m_name",
    "m_id",
    "m_relation",
    "m_sex",
    "m_birth",
    "m_ethnicity",
    "m_education",
    "m_health",
    "m_labour",
    "m_schooling",
    "m_basis",
    "m_dibao",
    "m_registered",
    "add_member_button",
    "_member_messages",
    "commit_member",
    "select_member",
)
INCOME_PARTS = (
    "income_year_spin",
    "income_edits",
    "_income_messages",
    "net_income_label",
    "income_population_label",
    "per_capita_label",
    "line_label",
    "income_result_label",
)
WORKFLOW_PARTS = (
    "workflow_placeholder",
    "workflow_body",
    "workflow_state_label",
    "steps_table",
    "step_box",
    "step_date",
    "step_by",
    "step_passed",
    "step_notes",
    "step_omission",
    "step_omission_reason",
    "step_notice_place",
    "step_notice_end",
    "step_national_number",
    "record_step_button",
    "step_message",
    "workflow_done_label",
    "objections_table",
    "objection_date",
    "objection_by",
    "objection_content",
    "add_objection_button",
    "resolution_date",
    "resolution_text",
    "resolve_button",
    "objection_message",
    "record_step",
    "add_objection",
    "resolve_objection",
)
FLAGS_PARTS = ("flags_note", "flags_table", "flag_codes")


class HouseholdEditor(QWidget):
    """Edit one household (``household_id``) or enter a new one (``None``)."""

    saved = Signal(str)  # the household's id, after a successful save
    cancelled = Signal()
    changed = Signal(str)  # a workflow step or an objection was recorded in the store
    deleted = Signal(str)  # the household's id, after it was deleted from the store

    def __init__(self, store, household_id: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._params = policy_params.current()
        self._household_id = household_id
        self._loaded_national_number = ""
        self._loaded: LoadedHousehold | None = None  # the household as loaded: what a save is checked against
        self._clean = HouseholdDraft()
        self._problems_shown = False  # a refused save's problems are shown: every change checks again
        self._revalidating = False
        self._build()
        self.load()
        (self.group_combo if household_id is None else self.tabs).setFocus()

    # =====================================================================================
    # Building the frame and its tabs
    # =====================================================================================
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.heading = bold(QLabel(), 2)
        layout.addWidget(self.heading)
        self.tabs = QTabWidget()
        fields = HouseholdFields()
        self.basic_tab = BasicTab(self._store, fields)
        self.tabs.addTab(scrolled(self.basic_tab), _("Basic information"))
        self.members_tab = MembersTab(self._store, lambda: (self._household_id, self.basic_tab.group_id()))
        # On a short screen the tab scrolls as a whole: the member table keeps its five rows (VISIBLE_MEMBERS).
        self.tabs.addTab(scrolled(self.members_tab), _("Household members"))
        self.income_tab = IncomeTab(self._params)
        self.tabs.addTab(self.income_tab, _("Income worksheet"))
        self.workflow_tab = WorkflowTab(self._store, self._params)
        self.tabs.addTab(self.workflow_tab, _("Identification workflow"))
        self.flags_tab = FlagsTab()
        self.tabs.addTab(self.flags_tab, _("Flags"))
        self.relocation_tab = RelocationTab(self._store, None)
        self.relocation_tab.setObjectName("relocation_tab")
        self.tabs.addTab(self.relocation_tab, _("Relocation and housing"))
        self.agreements_tab = AgreementsTab(self._store, None)
        self.agreements_tab.setObjectName("agreements_tab")
        self.tabs.addTab(self.agreements_tab, _("Agreements"))
        self.relocation_tab.plan_saved.connect(lambda _id: self.agreements_tab.refresh())
        self.relocation_tab.dangerous_panel.recorded.connect(lambda _id: self.agreements_tab.refresh())
        layout.addWidget(self.tabs, 1)

        for part, names in (
            (self.basic_tab, BASIC_PARTS),
            (self.basic_tab.national, NATIONAL_PARTS),
            (self.members_tab, MEMBERS_PARTS),
            (self.income_tab, INCOME_PARTS),
            (self.workflow_tab, WORKFLOW_PARTS),
            (self.flags_tab, FLAGS_PARTS),
        ):
            for name in names:
                setattr(self, name, getattr(part, name))
        self._household_messages = {**fields.messages, "members": self.members_message}
        self._household_widgets = {**fields.widgets, "members": self.member_table}

        self.basic_tab.system_population_changed.connect(self.members_tab.update_population)
        self.members_tab.population_changed.connect(self.basic_tab.show_actual_population)
        self.members_tab.population_changed.connect(self.income_tab.set_population)
        self.workflow_tab.recorded.connect(self._recorded)

        bottom = QHBoxLayout()
        # A fixed height of SUMMARY_HEIGHT_LINES whole lines, whatever the summary says: the tabs never shrink
        # or grow as problems come and go, so no field moves under the user's pointer; the head line counts
        # the problems, the first ones follow and the last line says how many more (the whole list is the
        # tooltip, and each problem is shown next to its field).
        self.summary = MessageLabel(reserve=SUMMARY_HEIGHT_LINES)
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
        self.delete_button = QPushButton(_("Delete household…"))
        self.delete_button.setObjectName("delete_button")
        self.delete_button.setToolTip(
            _("Delete this household and everything recorded for it (refused, with the reason, where it must be kept)")
        )
        self.delete_button.clicked.connect(self.delete)
        bottom.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        bottom.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignTop)
        bottom.addWidget(self.delete_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(bottom)
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.save)
        self._watch_changes(fields)

    def _watch_changes(self, fields: HouseholdFields) -> None:
        """Every change of a household field or of the members checks the household again, while a refused
        save's problems are shown (``_revalidate``)."""
        for widget in (*fields.widgets.values(), *self.basic_tab.national.secondary_checks.values()):
            if isinstance(widget, QComboBox):
                widget.currentIndexChanged.connect(self._revalidate)
            elif isinstance(widget, (QLineEdit, QPlainTextEdit)):
                widget.textChanged.connect(self._revalidate)
            elif isinstance(widget, QAbstractButton):
                widget.toggled.connect(self._revalidate)
            elif isinstance(widget, QSpinBox):
                widget.valueChanged.connect(self._revalidate)
        self.members_tab.population_changed.connect(self._revalidate)
        model = self.member_model
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(self._revalidate)

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
                    self._loaded = households.loaded_household(household)
                    flag_list = flag_rules.compute(
                        household, self._params, households.duplicate_numbers(session, household)
                    )
        self.basic_tab.fill_groups(groups)
        self._clear_problems()
        if self._household_id and household is None:
            self.summary.show_message(_("This household no longer exists in the store."))
            self._household_id = None
        self.delete_button.setEnabled(household is not None)
        draft = households.to_draft(household) if household is not None else HouseholdDraft()
        self._fill_household(draft)
        self.attachment_panel.set_household(self._household_id)
        self.workflow_tab.set_household(self._household_id)
        if household is not None:
            self.workflow_tab.fill(household)
            self.flags_tab.fill(flag_list)
        else:
            self.workflow_tab.fill(None)
            self.flags_tab.fill(None)
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
        if household is None:
            self._loaded = None
        self._clean = copy.deepcopy(self.build_draft()[0])

    def has_unsaved_changes(self) -> bool:
        """Whether saving would store anything other than the store holds: a value changed (and not changed
        back), a member typed but not added, an amount or a date that cannot be read."""
        draft, problems = self.build_draft()
        return (
            bool(problems)
            or households.differs(draft, self._clean)
            or self.members_tab.has_pending_member()
            or self.relocation_tab.has_unsaved_changes()
        )

    def _update_heading(self, draft: HouseholdDraft) -> None:
        if not self._household_id:
            self.heading.setText(_("New household"))
            return
        head = next((m.name for m in draft.members if m.relation == "head"), "") or EMPTY_MARK
        self.heading.setText(_("Household of {head}, {place}").format(head=head, place=self.group_combo.currentText()))

    def _fill_household(self, draft: HouseholdDraft) -> None:
        self.basic_tab.fill(draft)
        self._loaded_national_number = draft.national_number
        self.members_tab.set_members(list(draft.members))
        self.income_tab.fill(draft.incomes)
        self.members_tab.start_new_member(focus=False)
        self.income_tab.show_year()

    # =====================================================================================
    # Saving
    # =====================================================================================
    def build_draft(self) -> tuple[HouseholdDraft, list[Problem]]:
        """The draft the widgets hold, and the amounts that could not be read."""
        incomes, problems = self.income_tab.drafts()
        draft = HouseholdDraft(
            id=self._household_id,
            **self.basic_tab.values(),
            members=list(self.member_model.members),
            incomes=incomes,
        )
        return draft, problems

    def save(self) -> str | None:
        """Save the whole household, or nothing and show why; returns the id when saved."""
        if not self.members_tab.flush_pending_member():
            self.tabs.setCurrentIndex(MEMBERS_TAB)
            self.m_birth.setFocus()
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
        try:  # changed in the store meanwhile: the user decides
            household_id = save_deciding(
                self, lambda decisions: households.save(self._store, draft, self._params, self._loaded, decisions)
            )
        except NothingChosen as nothing:
            self.summary.show_message(str(nothing))
            return None
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

    def delete(self) -> bool:
        """Delete the household after the user confirms (``records.households.delete``); a refusal is shown in
        words under the tabs (payments made to it, an objection naming it, a signed agreement: issue 19, PN-1,
        AG-1) and nothing is written.  Returns whether it was deleted."""
        if not self._household_id:
            return False
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self,
            _("Delete household"),
            _("Delete this household and everything recorded for it? This cannot be undone."),
            buttons.Yes | buttons.No,
            buttons.No,
        )
        if answer != buttons.Yes:
            return False
        try:
            households.delete(self._store, self._household_id)
        except ValidationFailed as failure:
            self.summary.show_message("\n".join(p.message for p in failure.problems))  # each says why
            return False
        except (PermissionRefused, StoreWriteError) as error:
            self.summary.show_message(str(error))
            return False
        self.deleted.emit(self._household_id)
        return True

    def _clear_problems(self) -> None:
        self._problems_shown = False
        for message in (*self._household_messages.values(), self.summary):
            message.clear_message()
        self.members_tab.clear_problems()
        self.income_tab.clear_problems()

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

    def _place_problems(self, problems: list[Problem], draft: HouseholdDraft, saved: bool = False) -> None:
        """Each problem next to its field, and the summary under the tabs; moves nothing, focuses nothing."""
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
        self.members_tab.set_problems(members)
        self.income_tab.set_problems(incomes)

        errors = [p for p in problems if p.severity == ERROR]
        lines = []
        for problem in sorted(problems, key=lambda p: p.severity != ERROR):
            where = self._where(problem, draft)
            lines.append(
                "\u2022 "
                + (_("{name}: {value}").format(name=where, value=problem.message) if where else problem.message)
            )
        if saved:
            head = _("Saved, with {n} warning(s):").format(n=len(problems))
        else:
            head = _("Not saved: {n} problem(s) to correct.").format(n=len(errors))
        room = SUMMARY_HEIGHT_LINES - 1  # under the head line
        shown = lines if len(lines) <= room else [*lines[: room - 1], _("and {n} more").format(n=len(lines) - room + 1)]
        whole = "\n".join([head, *lines]) if len(shown) < len(lines) else ""
        self.summary.show_message("\n".join([head, *shown]), "warning" if saved else ERROR, whole)

    def _revalidate(self, *_args) -> None:
        """After a refused save, every change checks the household again: a problem fixed is no longer
        shown, and the summary follows (cleared once nothing is left to correct)."""
        if not self._problems_shown or self._revalidating:
            return
        self._revalidating = True
        try:
            draft, problems = self.build_draft()
            with self._store.session() as session:
                problems += households.validate(session, draft)
            for message in self._household_messages.values():
                message.clear_message()
            if not any(p.severity == ERROR for p in problems):
                self._problems_shown = False
                self.summary.clear_message()
                self.members_tab.set_problems({})
                return
            self._place_problems(problems, draft)
        finally:
            self._revalidating = False

    def _show_problems(self, problems: list[Problem], draft: HouseholdDraft, saved: bool = False) -> None:
        self._clear_problems()
        self._place_problems(problems, draft, saved)
        self._problems_shown = not saved
        errors = [p for p in problems if p.severity == ERROR]
        parted = [p.field.split(".") for p in problems]
        members = {int(parts[1]) for parts in parted if parts[0] == "member" and len(parts) == 3 and parts[1].isdigit()}
        first = errors[0] if errors else None
        if first is None:
            if members:
                self.select_member(min(members))
            return
        parts = first.field.split(".")
        if parts[0] == "member" and len(parts) == 3 and parts[1].isdigit():
            self.tabs.setCurrentIndex(MEMBERS_TAB)
            self.select_member(int(parts[1]))
            widget = self.members_tab.member_widget(parts[2])
        elif parts[0] == "income":
            self.tabs.setCurrentIndex(INCOME_TAB)
            year = (
                draft.incomes[int(parts[1])].year if parts[1].isdigit() and int(parts[1]) < len(draft.incomes) else None
            )
            if year is not None and year != self.income_tab.year:
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

    # =====================================================================================
    # Workflow (ID-5, PN-1) and objections: recorded by the workflow tab, then the household reloaded
    # =====================================================================================
    def _recorded(self, household_id: str) -> None:
        self._reload_workflow()
        self.changed.emit(household_id)

    def _reload_workflow(self) -> None:
        with self._store.session() as session:
            household = households.load_household(session, self._household_id)
            flag_list = flag_rules.compute(household, self._params, households.duplicate_numbers(session, household))
        self.workflow_tab.fill(household)
        self.flags_tab.fill(flag_list)
        # Entering the household into the national system records its number there.
        if household.national_number != self._loaded_national_number:
            if self.national_number_edit.text() == self._loaded_national_number:
                self.national_number_edit.setText(household.national_number)
                self._clean.national_number = household.national_number
            self._loaded_national_number = household.national_number
