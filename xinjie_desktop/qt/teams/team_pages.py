"""The work-teams window's pages over a village (issue 20): the team and its pairings, the WT-1 deadlines and the
tasks reported done, the township's checks (WT-3), and the quarter's coverage per village and member.

Thin, like qt.teams.teams_view: every list, every status and every check is core.records.work_teams' (the rules:
core.rules.work_teams); the forms call its services and show a refusal in words.  Where the person logged in may
not write (``work_teams.may``: a village cadre, an auditor; the checks on a laptop), the form is not shown and a
line says who records it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.records import work_teams as teams
from xinjie_desktop.core.rules import work_teams as wt
from xinjie_desktop.core.rules.permissions import Action, PermissionRefused
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell.widgets import DateField, MessageLabel, read_only_view
from xinjie_desktop.qt.teams.tables import RowsModel, _day, days_text

REFUSALS = (teams.WorkTeamError, PermissionRefused)
FORM_WIDTH = 440


def _form_box(title: str, name: str) -> tuple[QGroupBox, QFormLayout]:
    box = QGroupBox(title, objectName=name)
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return box, form


def _selected(view) -> object:
    index = view.currentIndex()
    return index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None


class VillagePage(QWidget):
    """A page over one village's team records; ``load`` shows them as of a day."""

    def __init__(self, store: Store, on_laptop: bool, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        self.on_laptop = on_laptop
        self.village_id: str | None = None
        self.today = dt.date.today()

    def load(self, village_id: str | None, today: dt.date) -> None:
        self.village_id, self.today = village_id, today
        self.refresh()

    def refresh(self) -> None:  # pragma: no cover - each page has its own
        raise NotImplementedError

    def _two_columns(self) -> tuple[QSplitter, QVBoxLayout, QVBoxLayout]:
        """The page's splitter with its two columns' layouts: the records (left) and the forms (right, at most
        FORM_WIDTH wide)."""
        layout = QHBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal)
        layout.addWidget(split)
        columns = []
        for widest in (None, FORM_WIDTH + 40):
            column = QWidget()
            if widest is not None:
                column.setMaximumWidth(widest)
            column_layout = QVBoxLayout(column)
            column_layout.setContentsMargins(0, 0, 0, 0)
            split.addWidget(column)
            columns.append(column_layout)
        return split, columns[0], columns[1]

    def _end_forms(self, split: QSplitter, right_layout: QVBoxLayout, message_name: str, left_width: int) -> None:
        """Below the forms, the page's message line (refusals in words), then the columns' first widths."""
        self.message = MessageLabel()
        self.message.setObjectName(message_name)
        self.message.setWordWrap(True)
        right_layout.addWidget(self.message)
        right_layout.addStretch(1)
        split.setSizes([left_width, FORM_WIDTH])

    def _read_only_note(self, text: str, name: str) -> QLabel:
        note = QLabel(text, objectName=name)
        note.setWordWrap(True)
        note.setVisible(False)
        return note


# --- the team and its pairings ------------------------------------------------------------------------------


class RosterPage(VillagePage):
    """队员与结对: the village's team (unit, role, telephone, arrival), a member added or edited; the pairings of
    the member chosen with households (from, to), a household paired, a pairing ended."""

    def __init__(self, store: Store, on_laptop: bool, parent=None) -> None:
        super().__init__(store, on_laptop, parent)
        self.changed: Callable[[], None] | None = None  # told when the team changed (the window's member list)
        split, left_layout, right_layout = self._two_columns()
        self.members_model = RowsModel(
            lambda: [_("Name"), _("Unit"), _("Role in the team"), _("Telephone"), _("Arrived"), _("Left")], self
        )
        self.members_table = read_only_view(self.members_model, "roster_members")
        left_layout.addWidget(QLabel(_("The village's work team")))
        left_layout.addWidget(self.members_table, 3)
        self.pairings_title = QLabel(objectName="roster_pairings_title")
        left_layout.addWidget(self.pairings_title)
        self.pairings_model = RowsModel(lambda: [_("Household"), _("Pairing starts"), _("Pairing ends")], self)
        self.pairings_table = read_only_view(self.pairings_model, "roster_pairings")
        left_layout.addWidget(self.pairings_table, 2)
        self.note = self._read_only_note(
            _("You may read the team here; its own members and the township office record it."), "roster_read_only"
        )
        right_layout.addWidget(self.note)
        self.member_box, form = _form_box(_("Team member"), "roster_member_form")
        self.name = QLineEdit(objectName="roster_name")
        self.unit = QLineEdit(objectName="roster_unit")
        self.role = QComboBox(objectName="roster_role")
        for code, label in wt.MEMBER_ROLES.items():
            self.role.addItem(_(label), code)
        self.telephone = QLineEdit(objectName="roster_telephone")
        self.arrived = DateField()
        self.arrived.setObjectName("roster_arrived")
        self.left_on = DateField(optional=True)
        self.left_on.setObjectName("roster_left")
        form.addRow(_("Name:"), self.name)
        form.addRow(_("Unit:"), self.unit)
        form.addRow(_("Role in the team:"), self.role)
        form.addRow(_("Telephone:"), self.telephone)
        form.addRow(_("Arrived in the village:"), self.arrived)
        form.addRow(_("Left the village:"), self.left_on)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(_("Add as a new member"), objectName="roster_add")
        self.add_button.clicked.connect(self.add_member)
        self.edit_button = QPushButton(_("Save the member chosen"), objectName="roster_edit")
        self.edit_button.clicked.connect(self.edit_member)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        form.addRow(buttons)
        right_layout.addWidget(self.member_box)
        self.pair_box, pair_form = _form_box(_("Helper cadre of a household"), "roster_pair_form")
        self.pair_household = QComboBox(objectName="roster_pair_household")
        self.pair_start = DateField()
        self.pair_start.setObjectName("roster_pair_start")
        self.pair_button = QPushButton(_("Pair the member chosen with this household"), objectName="roster_pair")
        self.pair_button.clicked.connect(self.pair)
        self.end_on = DateField()
        self.end_on.setObjectName("roster_end_on")
        self.end_button = QPushButton(_("End the pairing chosen"), objectName="roster_end_pairing")
        self.end_button.clicked.connect(self.end_pairing)
        pair_form.addRow(_("Household:"), self.pair_household)
        pair_form.addRow(_("Pairing starts:"), self.pair_start)
        pair_form.addRow(self.pair_button)
        pair_form.addRow(_("Pairing ends:"), self.end_on)
        pair_form.addRow(self.end_button)
        right_layout.addWidget(self.pair_box)
        self._end_forms(split, right_layout, "roster_message", 820)
        self.members_table.selectionModel().currentRowChanged.connect(self.member_chosen)

    def refresh(self) -> None:
        village = self.village_id
        chosen = _selected(self.members_table)
        chosen_id = chosen.id if isinstance(chosen, teams.MemberInfo) else None
        if village is None:
            self.members_model.set_rows([])
            self.pairings_model.set_rows([])
            return
        writable = teams.may(self.store, village)
        self.note.setVisible(not writable)
        self.member_box.setVisible(writable)
        self.pair_box.setVisible(writable)
        members = teams.roster(self.store, village)
        self.members_model.set_rows(
            [
                (
                    m,
                    [m.name, m.unit, m.role_label, m.telephone, _day(m.arrived_on), _day(m.left_on)],
                )
                for m in members
            ]
        )
        self.pair_household.clear()
        for household_id, head in teams.village_households(self.store, village):
            self.pair_household.addItem(head, household_id)
        for date_field in (self.pair_start, self.end_on):
            if not date_field.text():
                date_field.set_value(self.today)
        if not self.arrived.text():
            self.arrived.set_value(self.today)
        row = next((i for i, m in enumerate(members) if m.id == chosen_id), 0 if members else -1)
        if row >= 0:
            self.members_table.setCurrentIndex(self.members_model.index(row, 0))
        self.member_chosen(self.members_table.currentIndex())

    def chosen_member(self) -> teams.MemberInfo | None:
        member = _selected(self.members_table)
        return member if isinstance(member, teams.MemberInfo) else None

    def member_chosen(self, _current: QModelIndex, _previous: QModelIndex | None = None) -> None:
        member = self.chosen_member()
        self.edit_button.setEnabled(member is not None)
        self.pair_button.setEnabled(member is not None)
        if member is None or self.village_id is None:
            self.pairings_title.setText(_("Pairings with households"))
            self.pairings_model.set_rows([])
            return
        self.name.setText(member.name)
        self.unit.setText(member.unit)
        self.role.setCurrentIndex(max(self.role.findData(member.role), 0))
        self.telephone.setText(member.telephone)
        self.arrived.set_value(member.arrived_on)
        self.left_on.set_date_or_none(member.left_on)
        found = teams.pairings(self.store, self.village_id, member.id)
        self.pairings_title.setText(_("Households {name} is helper cadre of").format(name=member.name))
        self.pairings_model.set_rows(
            [(p, [p.household, _day(p.start_on), _day(p.end_on) or _("still paired")]) for p in found]
        )
        if found:
            self.pairings_table.setCurrentIndex(self.pairings_model.index(0, 0))
        self.end_button.setEnabled(bool(found))

    def _draft(self, account_name: str = "") -> teams.MemberDraft | None:
        for field in (self.arrived, self.left_on):
            if not field.is_valid():
                self.message.show_message(field.problem())
                return None
        return teams.MemberDraft(
            self.name.text(),
            self.arrived.value(),
            self.unit.text(),
            self.role.currentData(),
            self.telephone.text(),
            self.left_on.date_or_none(),
            account_name,
        )

    def add_member(self) -> None:
        draft = self._draft()
        if draft is None or self.village_id is None:
            return
        try:
            teams.add_member(self.store, self.village_id, draft)
        except REFUSALS as refused:
            self.message.show_message(str(refused))
            return
        self.message.show_message(_("{name} is on the team.").format(name=draft.name.strip()), "info")
        self._changed()

    def edit_member(self) -> None:
        member = self.chosen_member()
        draft = None if member is None else self._draft(member.account_name)
        if member is None or draft is None:
            return
        try:
            teams.edit_member(self.store, member.id, draft)
        except REFUSALS as refused:
            self.message.show_message(str(refused))
            return
        self.message.show_message(_("The member's details are saved."), "info")
        self._changed()

    def _changed(self) -> None:
        self.refresh()
        if self.changed is not None:
            self.changed()

    def pair(self) -> None:
        member, household = self.chosen_member(), self.pair_household.currentData()
        if member is None or household is None:
            self.message.show_message(_("Choose the member and the household."))
            return
        if not self.pair_start.is_valid():
            self.message.show_message(self.pair_start.problem())
            return
        try:
            teams.pair(self.store, member.id, household, self.pair_start.value())
        except REFUSALS as refused:
            self.message.show_message(str(refused))
            return
        self.message.show_message(
            _("{name} is the helper cadre of {head}.").format(name=member.name, head=self.pair_household.currentText()),
            "info",
        )
        self.refresh()

    def end_pairing(self) -> None:
        pairing = _selected(self.pairings_table)
        if not isinstance(pairing, teams.PairingInfo):
            self.message.show_message(_("Choose the pairing to end."))
            return
        if not self.end_on.is_valid():
            self.message.show_message(self.end_on.problem())
            return
        try:
            teams.end_pairing(self.store, pairing.id, self.end_on.value())
        except REFUSALS as refused:
            self.message.show_message(str(refused))
            return
        self.message.show_message(_("The pairing is ended."), "info")
        self.refresh()


# --- deadlines and tasks --------------------------------------------------------------------------------------


class DeadlinesPage(VillagePage):
    """期限与任务 (WT-1): each member's deadlines counted from their arrival (due, met with what shows it, overdue;
    the agreements and archives judged from the records), the tasks the team reported done, and a task recorded."""

    def __init__(self, store: Store, on_laptop: bool, parent=None) -> None:
        super().__init__(store, on_laptop, parent)
        split, left_layout, right_layout = self._two_columns()
        self.summary = QLabel(objectName="deadlines_summary")
        self.summary.setWordWrap(True)
        left_layout.addWidget(self.summary)
        self.deadlines_model = RowsModel(
            lambda: [_("Member"), _("Arrived"), _("Task"), _("Due"), _("Status"), _("Done on"), _("What shows it")],
            self,
        )
        left_layout.addWidget(read_only_view(self.deadlines_model, "deadlines_table"), 3)
        left_layout.addWidget(QLabel(_("Tasks the team reported done")))
        self.tasks_model = RowsModel(lambda: [_("Task"), _("Done on"), _("What shows it")], self)
        left_layout.addWidget(read_only_view(self.tasks_model, "tasks_table"), 1)
        self.note = self._read_only_note(
            _("You may read the deadlines here; the team's members record the tasks done."), "tasks_read_only"
        )
        right_layout.addWidget(self.note)
        self.task_box, form = _form_box(_("Record a task done"), "task_form")
        self.task = QComboBox(objectName="task_kind")
        for code in wt.RECORDED_TASKS:
            self.task.addItem(_(wt.TASK_LABELS[code]), code)
        self.done_on = DateField()
        self.done_on.setObjectName("task_done_on")
        self.evidence = QPlainTextEdit(objectName="task_evidence")
        self.evidence.setPlaceholderText(_("the document or record that shows it, e.g. 村情简介 (2017-04-20)"))
        self.evidence.setMaximumHeight(80)
        form.addRow(_("Task:"), self.task)
        form.addRow(_("Done on:"), self.done_on)
        form.addRow(_("What shows it:"), self.evidence)
        explained = QLabel(
            _("The 3 agreements and the archives are not reported: the software judges them from its own records.")
        )
        explained.setWordWrap(True)
        form.addRow(explained)
        self.save = QPushButton(_("Record the task done"), objectName="task_save")
        self.save.clicked.connect(self.record_task)
        form.addRow(self.save)
        right_layout.addWidget(self.task_box)
        self._end_forms(split, right_layout, "tasks_message", 900)

    def refresh(self) -> None:
        village = self.village_id
        if village is None:
            self.deadlines_model.set_rows([])
            self.tasks_model.set_rows([])
            return
        writable = teams.may(self.store, village)
        self.note.setVisible(not writable)
        self.task_box.setVisible(writable)
        if not self.done_on.text():
            self.done_on.set_value(self.today)
        found = teams.report(self.store, wt.quarter_of(self.today), self.today, [village])
        rows = []
        counts = dict.fromkeys(wt.STATUS_LABELS, 0)
        for v in found.villages:
            for m in v.members:
                for d in m.deadlines:
                    counts[d.status] += 1
                    rows.append(
                        (
                            d,
                            [
                                m.name,
                                _day(m.arrived_on),
                                _(wt.TASK_LABELS[d.task]),
                                _day(d.due_on),
                                _(wt.STATUS_LABELS[d.status]),
                                _day(d.done_on),
                                d.evidence,
                            ],
                        )
                    )
        self.deadlines_model.set_rows(rows)
        self.summary.setText(
            _("As of {day}: met {met}, met late {late}, due {due}, overdue {overdue}.").format(
                day=self.today,
                met=counts[wt.MET],
                late=counts[wt.MET_LATE],
                due=counts[wt.DUE],
                overdue=counts[wt.OVERDUE],
            )
        )
        self.tasks_model.set_rows(
            [(t, [t.task_label, _day(t.done_on), t.evidence]) for t in teams.tasks_reported(self.store, village)]
        )

    def record_task(self) -> None:
        if self.village_id is None:
            return
        if not self.done_on.is_valid():
            self.message.show_message(self.done_on.problem())
            return
        try:
            teams.record_task(
                self.store,
                self.village_id,
                self.task.currentData(),
                self.done_on.value(),
                self.evidence.toPlainText(),
                today=dt.date.today(),
            )
        except REFUSALS as refused:
            self.message.show_message(str(refused))
            return
        self.message.show_message(_("The task is recorded as done."), "info")
        self.evidence.setPlainText("")
        self.refresh()


# --- the township's checks ------------------------------------------------------------------------------------


class ChecksPage(VillagePage):
    """检查 (WT-3): the township's checks of the quarter on the village's team (telephone, village visit, household
    visit): who was checked, how, the result, the follow-up; a check and its follow-up recorded at the township."""

    def __init__(self, store: Store, on_laptop: bool, parent=None) -> None:
        super().__init__(store, on_laptop, parent)
        split, left_layout, right_layout = self._two_columns()
        self.summary = QLabel(objectName="checks_summary")
        self.summary.setWordWrap(True)
        left_layout.addWidget(self.summary)
        self.checks_model = RowsModel(
            lambda: [
                _("Date"),
                _("How"),
                _("Who checked"),
                _("Member checked"),
                _("Household"),
                _("Result"),
                _("Findings"),
                _("Follow-up"),
                _("Followed up on"),
                _("Talked to"),
            ],
            self,
        )
        self.checks_table = read_only_view(self.checks_model, "checks_table")
        left_layout.addWidget(self.checks_table, 1)
        self.note = self._read_only_note(
            _("The township office records the checks; they reach the village laptops and are read here."),
            "checks_read_only",
        )
        right_layout.addWidget(self.note)
        self.check_box, form = _form_box(_("Record a check on the team"), "check_form")
        self.checked_on = DateField()
        self.checked_on.setObjectName("check_date")
        self.kind = QComboBox(objectName="check_kind")
        for code, label in wt.CHECK_KINDS.items():
            self.kind.addItem(_(label), code)
        self.checker = QLineEdit(objectName="check_checker")
        self.checker.setPlaceholderText(_("e.g. 乡督查组 段正德"))
        self.member = QComboBox(objectName="check_member")
        self.household = QComboBox(objectName="check_household")
        self.result = QComboBox(objectName="check_result")
        for code, label in wt.CHECK_RESULTS.items():
            self.result.addItem(_(label), code)
        self.findings = QPlainTextEdit(objectName="check_findings")
        self.findings.setMaximumHeight(60)
        form.addRow(_("Date:"), self.checked_on)
        form.addRow(_("How:"), self.kind)
        form.addRow(_("Who checked:"), self.checker)
        form.addRow(_("Member checked:"), self.member)
        form.addRow(_("Household visited:"), self.household)
        form.addRow(_("Result:"), self.result)
        form.addRow(_("Findings:"), self.findings)
        self.save = QPushButton(_("Record the check"), objectName="check_save")
        self.save.clicked.connect(self.record_check)
        form.addRow(self.save)
        right_layout.addWidget(self.check_box)
        self.follow_box, follow = _form_box(_("Follow-up of the check chosen"), "follow_up_form")
        self.follow_up = QLineEdit(objectName="follow_up_text")
        self.follow_done = DateField()
        self.follow_done.setObjectName("follow_up_date")
        self.talked_to = QCheckBox(_("The member was talked to (约谈)"), objectName="follow_up_talked_to")
        self.follow_save = QPushButton(_("Record the follow-up"), objectName="follow_up_save")
        self.follow_save.clicked.connect(self.record_follow_up)
        follow.addRow(_("What was done about it:"), self.follow_up)
        follow.addRow(_("Done on:"), self.follow_done)
        follow.addRow(self.talked_to)
        follow.addRow(self.follow_save)
        right_layout.addWidget(self.follow_box)
        self._end_forms(split, right_layout, "checks_message", 900)
        self.checks_table.selectionModel().currentRowChanged.connect(self.check_chosen)

    def refresh(self) -> None:
        village = self.village_id
        if village is None:
            self.checks_model.set_rows([])
            return
        writable = teams.may(self.store, village, Action.TEAM_CHECKS, on_laptop=self.on_laptop)
        self.note.setVisible(not writable)
        self.check_box.setVisible(writable)
        self.follow_box.setVisible(writable)
        for field in (self.checked_on, self.follow_done):
            if not field.text():
                field.set_value(self.today)
        self.member.clear()
        self.member.addItem(_("the whole team"), None)
        for m in teams.roster(self.store, village):
            self.member.addItem(m.name, m.id)
        self.household.clear()
        self.household.addItem(_("none"), None)
        for household_id, head in teams.village_households(self.store, village):
            self.household.addItem(head, household_id)
        quarter = wt.quarter_of(self.today)
        [found] = teams.report(self.store, quarter, self.today, [village]).villages
        self.checks_model.set_rows(
            [
                (
                    c,
                    [
                        _day(c.checked_on),
                        _(wt.CHECK_KINDS.get(c.kind, c.kind)),
                        c.checker,
                        c.member or _("the whole team"),
                        c.household,
                        _(wt.CHECK_RESULTS.get(c.result, c.result)),
                        c.findings,
                        c.follow_up or (_("to follow up") if c.follow_up_state == wt.FOLLOW_UP_OPEN else ""),
                        _day(c.follow_up_done_on),
                        _("yes") if c.talked_to else "",
                    ],
                )
                for c in reversed(found.checks)
            ]
        )
        open_ = sum(1 for c in found.checks if c.follow_up_state == wt.FOLLOW_UP_OPEN)
        self.summary.setText(
            _("Checks in {quarter}: {n}; not good {short}; follow-ups open {open}.").format(
                quarter=quarter,
                n=len(found.checks),
                short=sum(1 for c in found.checks if c.result != wt.GOOD),
                open=open_,
            )
        )
        self.check_chosen(self.checks_table.currentIndex())

    def check_chosen(self, _current: QModelIndex, _previous: QModelIndex | None = None) -> None:
        check = _selected(self.checks_table)
        self.follow_save.setEnabled(isinstance(check, teams.CheckInfo) and check.result != wt.GOOD)

    def record_check(self) -> None:
        if self.village_id is None:
            return
        if not self.checked_on.is_valid():
            self.message.show_message(self.checked_on.problem())
            return
        draft = teams.CheckDraft(
            self.village_id,
            self.checked_on.value(),
            self.kind.currentData(),
            self.checker.text(),
            self.result.currentData(),
            self.member.currentData(),
            self.household.currentData(),
            self.findings.toPlainText(),
        )
        try:
            teams.record_check(self.store, draft, today=dt.date.today(), on_laptop=self.on_laptop)
        except REFUSALS as refused:
            self.message.show_message(str(refused))
            return
        self.message.show_message(_("The check is recorded."), "info")
        self.findings.setPlainText("")
        self.refresh()

    def record_follow_up(self) -> None:
        check = _selected(self.checks_table)
        if not isinstance(check, teams.CheckInfo):
            self.message.show_message(_("Choose the check followed up."))
            return
        if not self.follow_done.is_valid():
            self.message.show_message(self.follow_done.problem())
            return
        try:
            teams.record_follow_up(
                self.store,
                check.id,
                self.follow_up.text(),
                self.follow_done.value(),
                talked_to=self.talked_to.isChecked(),
                today=dt.date.today(),
                on_laptop=self.on_laptop,
            )
        except REFUSALS as refused:
            self.message.show_message(str(refused))
            return
        self.message.show_message(_("The follow-up is recorded."), "info")
        self.follow_up.setText("")
        self.refresh()


# --- the quarter's coverage -----------------------------------------------------------------------------------


class CoveragePage(VillagePage):
    """The quarter's coverage (WT-1 遍访, WT-2) per village and per member, from ``work_teams.report``: poor
    households visited and not yet, days left, visits and photos, meetings and weekly reports held and missing,
    checks; per member, their pairings visited and their deadlines overdue.  Every village the reader may read."""

    def __init__(self, store: Store, on_laptop: bool, parent=None) -> None:
        super().__init__(store, on_laptop, parent)
        layout = QVBoxLayout(self)
        self.summary = QLabel(objectName="coverage_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.villages_model = RowsModel(
            lambda: [
                _("Village"),
                _("Poor households"),
                _("Visited"),
                _("Not yet visited"),
                _("Days left"),
                _("Visits"),
                _("Photos"),
                _("Team meetings held / missing"),
                _("Weekly reports in / missing"),
                _("Checks made"),
            ],
            self,
        )
        layout.addWidget(read_only_view(self.villages_model, "coverage_villages"), 1)
        layout.addWidget(QLabel(_("Per member")))
        self.members_model = RowsModel(
            lambda: [
                _("Village"),
                _("Member"),
                _("Role in the team"),
                _("Paired households"),
                _("Of them visited"),
                _("Visits made"),
                _("Deadlines overdue"),
                _("Checks not good"),
            ],
            self,
        )
        layout.addWidget(read_only_view(self.members_model, "coverage_members"), 2)

    def refresh(self) -> None:
        quarter = wt.quarter_of(self.today)
        found = teams.report(self.store, quarter, self.today)
        village_rows = []
        member_rows = []
        for v in found.villages:
            village_rows.append(
                (
                    v,
                    [
                        v.village,
                        str(v.coverage.households),
                        str(len(v.coverage.visited)),
                        str(len(v.coverage.not_visited)),
                        days_text(v.coverage.days_left),
                        str(v.visits),
                        str(v.photos),
                        f"{wt.count(v.team_meetings, wt.HELD)} / {wt.count(v.team_meetings, wt.MISSING)}",
                        f"{wt.count(v.reports, wt.HELD)} / {wt.count(v.reports, wt.MISSING)}",
                        str(len(v.checks)),
                    ],
                )
            )
            for m in v.members:
                member_rows.append(
                    (
                        m,
                        [
                            v.village,
                            m.name,
                            _(wt.MEMBER_ROLES.get(m.role, m.role)),
                            str(m.coverage.households),
                            str(len(m.coverage.visited)),
                            str(m.visits),
                            str(sum(1 for d in m.deadlines if d.status == wt.OVERDUE)),
                            str(m.checks_short),
                        ],
                    )
                )
        self.villages_model.set_rows(village_rows)
        self.members_model.set_rows(member_rows)
        self.summary.setText(
            _(
                "{quarter} as of {day}: the township's leaders' meetings held {leaders_held}, missing "
                "{leaders_missing}; all-member meetings held {all_held}, missing {all_missing}."
            ).format(
                quarter=quarter,
                day=self.today,
                leaders_held=wt.count(found.leaders_meetings, wt.HELD),
                leaders_missing=wt.count(found.leaders_meetings, wt.MISSING),
                all_held=wt.count(found.all_member_meetings, wt.HELD),
                all_missing=wt.count(found.all_member_meetings, wt.MISSING),
            )
        )
