"""Work teams (issue 20): what a team member does with the laptop on an ordinary day.

Four pages over one member (chosen at the top; the person logged in when their account is a member's): **My day**
(the visits due today, the WT-1 deadlines near, the decisions they own due soon, and every poor household of the
village not yet visited this quarter, nearest first), **Visits** (the quarter's visit log and the form that records
one, with photos), **Meetings** (the quarter's meetings and the form for the village's team meeting) and **Weekly
report** (drafted from the week's records, edited, saved or sent).  Thin: every list and every check is
core.records.work_teams' (the rules: core.rules.work_teams); the tables are models over its rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.records import work_teams as teams
from xinjie_desktop.core.rules import permissions
from xinjie_desktop.core.rules import work_teams as wt
from xinjie_desktop.core.rules.permissions import Action, PermissionRefused
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell.widgets import EMPTY_MARK, DateField, MessageLabel, close_buttons

NO_PARENT = QModelIndex()
PREVIEW_HEIGHT = 200


class RowsModel(QAbstractTableModel):
    """A read-only table of rows of text (each row's object kept for ``UserRole``)."""

    def __init__(self, headers: Callable[[], list[str]], parent=None) -> None:
        super().__init__(parent)
        self._headers = headers
        self.rows: list[tuple[object, Sequence[str]]] = []

    def set_rows(self, rows: list[tuple[object, Sequence[str]]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._headers())

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers()[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        item, texts = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return texts[index.column()] or EMPTY_MARK
        if role == Qt.ItemDataRole.UserRole:
            return item
        return None


def table(model: RowsModel, name: str) -> QTableView:
    view = QTableView(objectName=name)
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return view


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def days_text(days: int) -> str:
    if days < 0:
        return _("quarter ended")
    return _("last day") if days == 0 else _("days left: {n}").format(n=days)


class TeamsDialog(QDialog):
    """Records → Work teams."""

    def __init__(self, store: Store, parent=None, today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setObjectName("teams_dialog")
        self.setWindowTitle(_("Work teams"))
        self.resize(1280, 720)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Team member:")))
        self.member = QComboBox(objectName="teams_member")
        top.addWidget(self.member, 1)
        top.addWidget(QLabel(_("Today:")))
        self.today = DateField(today or dt.date.today())
        self.today.setObjectName("teams_today")
        top.addWidget(self.today)
        self.summary = QLabel(objectName="teams_summary")
        top.addWidget(self.summary, 2)
        layout.addLayout(top)
        self.message = MessageLabel()
        self.message.setObjectName("teams_message")
        layout.addWidget(self.message)
        self.tabs = QTabWidget(objectName="teams_tabs")
        self.tabs.addTab(self._day_page(), _("My day"))
        self.tabs.addTab(self._visits_page(), _("Visits"))
        self.tabs.addTab(self._meetings_page(), _("Meetings"))
        self.tabs.addTab(self._report_page(), _("Weekly report"))
        layout.addWidget(self.tabs, 1)
        layout.addWidget(close_buttons(self))
        self.view: teams.DayView | None = None
        try:
            members = teams.members(store)
        except PermissionRefused as refused:
            members = []
            self.message.show_message(str(refused))
        for member_id, name, _village_id, village in members:
            self.member.addItem(f"{name}（{village}）", member_id)
        if not members and not self.message.text():
            self.message.show_message(_("No work team is recorded yet."), "info")
        actor = store.actor
        if actor is not None:
            mine = teams.member_for_account(store, actor.name)
            if mine is not None and self.member.findData(mine) >= 0:
                self.member.setCurrentIndex(self.member.findData(mine))
        self.member.currentIndexChanged.connect(self.refresh)
        self.today.date_changed.connect(lambda _day: self.refresh())
        self.refresh()

    # --- pages --------------------------------------------------------------------------------------
    def _day_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        upper = QHBoxLayout()
        self.due_model = RowsModel(lambda: [_("Household"), _("Group"), _("Last visit"), _("Paired with me")], self)
        self.near_model = RowsModel(lambda: [_("Task"), _("Due"), _("Status")], self)
        self.decisions_model = RowsModel(lambda: [_("Due"), _("Decision")], self)
        self.waiting_model = RowsModel(
            lambda: [_("Household"), _("Group"), _("Last visit"), _("Days left"), _("Paired with me")], self
        )
        for title, model, name in (
            (_("Visits due today"), self.due_model, "teams_due_today"),
            (_("Deadlines near"), self.near_model, "teams_deadlines_near"),
            (_("My decisions due"), self.decisions_model, "teams_decisions"),
        ):
            box = QGroupBox(title)
            inner = QVBoxLayout(box)
            inner.addWidget(table(model, name))
            upper.addWidget(box, 1)
        layout.addLayout(upper, 1)
        self.waiting_box = QGroupBox(_("Households not yet visited this quarter, nearest first"))
        inner = QVBoxLayout(self.waiting_box)
        inner.addWidget(table(self.waiting_model, "teams_not_visited"))
        layout.addWidget(self.waiting_box, 1)
        return page

    def _visits_page(self) -> QWidget:
        page = QSplitter(Qt.Orientation.Horizontal)
        self.visits_model = RowsModel(
            lambda: [
                _("Date"),
                _("Household"),
                _("Kind"),
                _("Team members"),
                _("What was done"),
                _("Promises"),
                _("Photos"),
            ],
            self,
        )
        self.visits_table = table(self.visits_model, "teams_visits")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.visits_table, 1)
        self.photo_preview = QLabel(objectName="visit_photo_preview")
        self.photo_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo_preview.setFixedHeight(PREVIEW_HEIGHT)
        left_layout.addWidget(self.photo_preview)
        self.visits_table.selectionModel().currentRowChanged.connect(self.show_photo)
        page.addWidget(left)
        form_box = QGroupBox(_("Record a visit"))
        outer = QVBoxLayout(form_box)
        form = QFormLayout()
        outer.addLayout(form)
        outer.addStretch(1)
        self.visit_household = QComboBox(objectName="visit_household")
        self.visit_date = DateField(dt.date.today())
        self.visit_date.setObjectName("visit_date")
        self.visit_kind = QComboBox(objectName="visit_kind")
        for code, label in wt.VISIT_KINDS.items():
            self.visit_kind.addItem(_(label), code)
        self.visit_members = QListWidget(objectName="visit_members")
        self.visit_members.setMaximumHeight(90)
        self.visit_done = QPlainTextEdit(objectName="visit_done")
        self.visit_done.setMaximumHeight(70)
        self.visit_promises = QLineEdit(objectName="visit_promises")
        photos = QHBoxLayout()
        self.visit_photos = QLabel(_("No photo"), objectName="visit_photos")
        choose = QPushButton(_("Add photos…"), objectName="visit_add_photos")
        choose.clicked.connect(self.choose_photos)
        photos.addWidget(self.visit_photos, 1)
        photos.addWidget(choose)
        self.photo_paths: list[Path] = []
        form.addRow(_("Household:"), self.visit_household)
        form.addRow(_("Date:"), self.visit_date)
        form.addRow(_("Kind:"), self.visit_kind)
        form.addRow(_("Members seen:"), self.visit_members)
        form.addRow(_("What was done:"), self.visit_done)
        form.addRow(_("Promises:"), self.visit_promises)
        form.addRow(_("Photos:"), photos)
        self.visit_message = MessageLabel()
        form.addRow(self.visit_message)
        self.visit_save = QPushButton(_("Record the visit"), objectName="visit_save")
        self.visit_save.clicked.connect(self.save_visit)
        form.addRow(self.visit_save)
        page.addWidget(form_box)
        page.setSizes([760, 480])
        return page

    def _meetings_page(self) -> QWidget:
        page = QSplitter(Qt.Orientation.Horizontal)
        self.meetings_model = RowsModel(
            lambda: [_("Date"), _("Meeting"), _("Who came"), _("Minutes"), _("Decisions")], self
        )
        left = QWidget()
        left_layout = QVBoxLayout(left)
        self.rhythm = QLabel(objectName="teams_rhythm")
        self.rhythm.setWordWrap(True)
        left_layout.addWidget(self.rhythm)
        left_layout.addWidget(table(self.meetings_model, "teams_meetings"), 1)
        page.addWidget(left)
        form_box = QGroupBox(_("Record the team meeting"))
        outer = QVBoxLayout(form_box)
        form = QFormLayout()
        outer.addLayout(form)
        outer.addStretch(1)
        self.meeting_date = DateField(dt.date.today())
        self.meeting_date.setObjectName("meeting_date")
        self.meeting_attendees = QLineEdit(objectName="meeting_attendees")
        self.meeting_attendees.setPlaceholderText(_("names, separated by commas"))
        self.meeting_minutes = QPlainTextEdit(objectName="meeting_minutes")
        self.meeting_minutes.setMaximumHeight(90)
        self.decision_text = QLineEdit(objectName="decision_text")
        self.decision_owner = QLineEdit(objectName="decision_owner")
        self.decision_due = DateField(optional=True)
        self.decision_due.setObjectName("decision_due")
        form.addRow(_("Date:"), self.meeting_date)
        form.addRow(_("Who came:"), self.meeting_attendees)
        form.addRow(_("Minutes:"), self.meeting_minutes)
        form.addRow(_("Decision:"), self.decision_text)
        form.addRow(_("Owner:"), self.decision_owner)
        form.addRow(_("Due:"), self.decision_due)
        self.meeting_message = MessageLabel()
        form.addRow(self.meeting_message)
        self.meeting_save = QPushButton(_("Record the meeting"), objectName="meeting_save")
        self.meeting_save.clicked.connect(self.save_meeting)
        form.addRow(self.meeting_save)
        page.addWidget(form_box)
        page.setSizes([760, 480])
        return page

    def _report_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Week of:")))
        self.report_week = DateField(dt.date.today())
        self.report_week.setObjectName("report_week")
        row.addWidget(self.report_week)
        self.report_draft = QPushButton(_("Draft from the week's records"), objectName="report_draft")
        self.report_draft.clicked.connect(self.draft_report)
        row.addWidget(self.report_draft)
        self.report_state = QLabel(objectName="report_state")
        row.addWidget(self.report_state, 1)
        layout.addLayout(row)
        self.report_text = QPlainTextEdit(objectName="report_text")
        layout.addWidget(self.report_text, 1)
        self.report_message = MessageLabel()
        layout.addWidget(self.report_message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.report_save = QPushButton(_("Save the draft"), objectName="report_save")
        self.report_save.clicked.connect(lambda: self.save_report(send=False))
        self.report_send = QPushButton(_("Send with the next bundle"), objectName="report_send")
        self.report_send.clicked.connect(lambda: self.save_report(send=True))
        buttons.addWidget(self.report_save)
        buttons.addWidget(self.report_send)
        layout.addLayout(buttons)
        self.report_week.date_changed.connect(lambda _day: self.load_report())
        return page

    # --- reading ------------------------------------------------------------------------------------
    def member_id(self) -> str | None:
        return self.member.currentData()

    def day(self) -> dt.date:
        return self.today.date_or_none() or dt.date.today()

    def may_record_team_work(self) -> bool:
        """Whether the person logged in records a team's work (no one logged in: a store without accounts)."""
        actor = self.store.actor
        return actor is None or permissions.any_village(actor, Action.TEAM_WORK)

    def refresh(self) -> None:
        member_id = self.member_id()
        # The team's own work is the work team's (issue 17): an auditor or a village cadre reads it (the core
        # refuses the rest anyway); the township's checks on the teams (WT-3) are not recorded on these pages.
        actor = self.store.actor
        may = self.may_record_team_work()
        enabled = member_id is not None and may
        for widget in (self.visit_save, self.meeting_save, self.report_draft, self.report_save, self.report_send):
            widget.setEnabled(enabled)
            if not may:
                widget.setToolTip(permissions.refusal(actor, Action.TEAM_WORK))
        if member_id is None:
            return
        today = self.day()
        try:
            view = teams.day_view(self.store, member_id, today)
        except PermissionRefused as refused:
            self.message.show_message(str(refused))
            return
        self.view = view
        quarter = view.quarter
        self.summary.setText(
            _("{village}, {quarter}: households not yet visited {n}, {days}").format(
                village=view.village, quarter=quarter, n=len(view.not_visited), days=days_text(quarter.days_left(today))
            )
        )

        def household_row(h: teams.HouseholdToVisit, with_days: bool) -> tuple[object, list[str]]:
            texts = [h.head, h.group, _day(h.last_visit) or _("never")]
            if with_days:
                texts.append(days_text(h.days_left))
            texts.append(_("yes") if h.paired else "")
            return h, texts

        self.due_model.set_rows([household_row(h, False) for h in view.visits_today])
        self.waiting_model.set_rows([household_row(h, True) for h in view.not_visited])
        self.waiting_box.setTitle(
            _("Households not yet visited in {quarter}, nearest first ({n})").format(
                quarter=quarter, n=len(view.not_visited)
            )
        )
        self.near_model.set_rows(
            [(d, [d.label, _day(d.due_on), _(wt.STATUS_LABELS[d.status])]) for d in view.deadlines_near]
        )
        self.decisions_model.set_rows([(text, [_day(due), text]) for due, text in view.decisions_due])
        self.visit_household.clear()
        for h in sorted(view.not_visited, key=lambda h: (h.group, h.head)):
            self.visit_household.addItem(f"{h.head}（{h.group}）", h.household_id)
        visited = {
            (v.household_id, v.household)
            for v in teams.visits(self.store, view.village_id, quarter.first_day, quarter.last_day)
        }
        for household_id, head in sorted(visited, key=lambda pair: pair[1]):
            if self.visit_household.findData(household_id) < 0:
                self.visit_household.addItem(_("{head} (visited)").format(head=head), household_id)
        self.visit_members.clear()
        for other_id, name, _village_id, _village in teams.members(self.store, view.village_id):
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, other_id)
            item.setCheckState(Qt.CheckState.Checked if other_id == member_id else Qt.CheckState.Unchecked)
            self.visit_members.addItem(item)
        self.load_visits()
        self.load_meetings()
        self.load_report()

    def load_visits(self) -> None:
        if self.view is None:
            return
        quarter = self.view.quarter
        rows = teams.visits(self.store, self.view.village_id, quarter.first_day, quarter.last_day)
        self.visits_model.set_rows(
            [
                (
                    v,
                    [
                        _day(v.visited_on),
                        v.household,
                        v.kind_label,
                        _("、").join(v.members),
                        v.done,
                        v.promises,
                        str(len(v.photos)) if v.photos else "",
                    ],
                )
                for v in rows
            ]
        )
        if rows:
            self.visits_table.setCurrentIndex(self.visits_model.index(0, 0))
        else:
            self.photo_preview.clear()

    def show_photo(self, current: QModelIndex, _previous: QModelIndex | None = None) -> None:
        """The first photo of the visit chosen in the log, under it (the photos as the stick carries them)."""
        visit = current.data(Qt.ItemDataRole.UserRole) if current.isValid() else None
        if not isinstance(visit, teams.VisitInfo) or not visit.photos:
            self.photo_preview.clear()
            self.photo_preview.setText(_("No photo") if visit is not None else "")
            return
        pixmap = QPixmap()
        pixmap.loadFromData(teams.photo(self.store, visit.photos[0]))
        self.photo_preview.setPixmap(
            pixmap.scaledToHeight(PREVIEW_HEIGHT - 8, Qt.TransformationMode.SmoothTransformation)
        )
        self.photo_preview.setToolTip(
            _("Photos of this visit: {n}").format(n=len(visit.photos)) if len(visit.photos) > 1 else ""
        )

    def load_meetings(self) -> None:
        if self.view is None:
            return
        quarter, today = self.view.quarter, self.day()
        found = teams.meetings(self.store, self.view.village_id, quarter.first_day, quarter.last_day)
        self.meetings_model.set_rows(
            [
                (
                    m,
                    [
                        _day(m.held_on),
                        m.kind_label,
                        _("、").join(m.attendees),
                        m.minutes,
                        "; ".join(f"{d.text}（{d.owner} {_day(d.due_on)}）".replace(" ）", "）") for d in m.decisions),
                    ],
                )
                for m in found
            ]
        )
        days = [m.held_on for m in found if m.kind == wt.TEAM_MEETING]
        periods = wt.meeting_periods(wt.TEAM_MEETING, quarter, days, today)
        missing = [f"{p.first_day:%m-%d}–{p.last_day:%m-%d}" for p in periods if p.state == wt.MISSING]
        self.rhythm.setText(
            _("Team meetings in {quarter}: weeks held {held}, weeks missing {missing}.").format(
                quarter=quarter, held=wt.count(periods, wt.HELD), missing=len(missing)
            )
            + ((" " + _("Missing: {weeks}.").format(weeks=_(", ").join(missing))) if missing else "")
        )

    def load_report(self) -> None:
        if self.view is None:
            return
        week = self.report_week.date_or_none() or self.day()
        monday, sunday = wt.week_of(week)
        report = teams.report_of_week(self.store, self.view.village_id, monday)
        if report is None:
            self.report_state.setText(_("Week {first} to {last}: no report yet.").format(first=monday, last=sunday))
            self.report_text.setPlainText("")
        elif report.sent_on is None:
            self.report_state.setText(_("Week {first} to {last}: draft, not sent.").format(first=monday, last=sunday))
            self.report_text.setPlainText(report.text)
        else:
            self.report_state.setText(
                _("Week {first} to {last}: sent on {day}.").format(first=monday, last=sunday, day=report.sent_on)
            )
            self.report_text.setPlainText(report.text)
        sent = report is not None and report.sent_on is not None
        may = self.may_record_team_work()
        self.report_text.setReadOnly(sent or not may)
        for widget in (self.report_save, self.report_send, self.report_draft):
            widget.setEnabled(not sent and may)

    # --- writing ------------------------------------------------------------------------------------
    def choose_photos(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self, _("Photos of the visit"), "", _("Photos (*.jpg *.jpeg *.png)")
        )
        self.set_photos([Path(name) for name in names])

    def set_photos(self, paths: list[Path]) -> None:
        self.photo_paths = paths
        self.visit_photos.setText(_("photos chosen: {n}").format(n=len(paths)) if paths else _("No photo"))

    def save_visit(self) -> None:
        members = tuple(
            self.visit_members.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.visit_members.count())
            if self.visit_members.item(i).checkState() == Qt.CheckState.Checked
        )
        household = self.visit_household.currentData()
        day = self.visit_date.date_or_none()
        if household is None or day is None:
            self.visit_message.show_message(self.visit_date.problem() or _("Choose the household visited."))
            return
        draft = teams.VisitDraft(
            household,
            day,
            self.visit_kind.currentData(),
            members,
            self.visit_done.toPlainText(),
            self.visit_promises.text(),
        )
        try:
            teams.record_visit(self.store, draft, self.photo_paths, today=dt.date.today())
        except (teams.WorkTeamError, PermissionRefused) as refused:
            self.visit_message.show_message(str(refused))
            return
        self.visit_message.show_message(_("The visit is recorded."), "info")
        self.visit_done.setPlainText("")
        self.visit_promises.setText("")
        self.set_photos([])
        self.refresh()

    def save_meeting(self) -> None:
        if self.view is None:
            return
        day = self.meeting_date.date_or_none()
        if day is None or not self.decision_due.is_valid():
            self.meeting_message.show_message(self.meeting_date.problem() or self.decision_due.problem())
            return
        decisions = ()
        if self.decision_text.text().strip():
            decisions = (
                teams.Decision(self.decision_text.text(), self.decision_owner.text(), self.decision_due.date_or_none()),
            )
        attendees = tuple(
            name.strip() for name in self.meeting_attendees.text().replace("，", ",").split(",") if name.strip()
        )
        draft = teams.MeetingDraft(
            wt.TEAM_MEETING, day, self.view.village_id, attendees, self.meeting_minutes.toPlainText(), decisions
        )
        try:
            teams.record_meeting(self.store, draft, today=dt.date.today())
        except (teams.WorkTeamError, PermissionRefused) as refused:
            self.meeting_message.show_message(str(refused))
            return
        self.meeting_message.show_message(_("The meeting is recorded."), "info")
        for field in (self.meeting_attendees, self.decision_text, self.decision_owner):
            field.setText("")
        self.meeting_minutes.setPlainText("")
        self.load_meetings()

    def draft_report(self) -> None:
        if self.view is None:
            return
        week = self.report_week.date_or_none() or self.day()
        self.report_text.setPlainText(teams.draft_report_text(self.store, self.view.village_id, week))

    def save_report(self, *, send: bool) -> None:
        if self.view is None:
            return
        week = self.report_week.date_or_none() or self.day()
        try:
            teams.save_report(
                self.store, self.view.village_id, week, self.report_text.toPlainText(), send=send, today=dt.date.today()
            )
        except (teams.WorkTeamError, PermissionRefused) as refused:
            self.report_message.show_message(str(refused))
            return
        self.report_message.show_message(
            _("The report is sent with the next bundle.") if send else _("The draft is saved."), "info"
        )
        self.load_report()
