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
from pathlib import Path

from PySide6.QtCore import QModelIndex, QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
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
from xinjie_desktop.qt.shell.widgets import DateField, MessageLabel, close_buttons, read_only_view
from xinjie_desktop.qt.teams.tables import PREVIEW_HEIGHT, THUMB_HEIGHT, THUMB_WIDTH, RowsModel, _day, days_text
from xinjie_desktop.qt.teams.team_pages import ChecksPage, CoveragePage, DeadlinesPage, RosterPage


class TeamsDialog(QDialog):
    """Records → Work teams."""

    def __init__(self, store: Store, parent=None, today: dt.date | None = None, on_laptop: bool = False) -> None:
        super().__init__(parent)
        self.store = store
        self.on_laptop = on_laptop  # a village laptop: the township's checks and meetings are only read here
        self.setObjectName("teams_dialog")
        self.setWindowTitle(_("Work teams"))
        self.resize(1280, 720)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Team member:")))
        self.member = QComboBox(objectName="teams_member")
        top.addWidget(self.member, 1)
        top.addWidget(QLabel(_("Village:")))
        self.village = QComboBox(objectName="teams_village")
        top.addWidget(self.village)
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
        self.roster_page = RosterPage(store, on_laptop, self)
        self.roster_page.changed = self.reload_members
        self.deadlines_page = DeadlinesPage(store, on_laptop, self)
        self.checks_page = ChecksPage(store, on_laptop, self)
        self.coverage_page = CoveragePage(store, on_laptop, self)
        self.village_pages = (self.roster_page, self.deadlines_page, self.checks_page, self.coverage_page)
        self.tabs.addTab(self.roster_page, _("Team and pairings"))
        self.tabs.addTab(self.deadlines_page, _("Deadlines and tasks"))
        self.tabs.addTab(self.checks_page, _("Checks on the team"))
        self.tabs.addTab(self.coverage_page, _("Quarter's coverage"))
        layout.addWidget(self.tabs, 1)
        layout.addWidget(close_buttons(self))
        self.view: teams.DayView | None = None
        self.report: teams.ReportInfo | None = None
        self.member_villages: dict[str, str] = {}
        try:
            villages = teams.team_villages(store)
        except PermissionRefused as refused:
            villages = []
            self.message.show_message(str(refused))
        for village_id, name in villages:
            self.village.addItem(name, village_id)
        self.reload_members()
        if not self.member_villages and not self.message.text():
            self.message.show_message(_("No work team is recorded yet."), "info")
        actor = store.actor
        if actor is not None:
            mine = teams.member_for_account(store, actor.name)
            if mine is not None and self.member.findData(mine) >= 0:
                self.member.setCurrentIndex(self.member.findData(mine))
        self.member.currentIndexChanged.connect(self.member_chosen)
        self.village.currentIndexChanged.connect(lambda _index: self.refresh_village())
        self.today.date_changed.connect(lambda _day: self.refresh_all())
        self.tabs.currentChanged.connect(self.page_shown)
        self.member_chosen()

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
            inner.addWidget(read_only_view(model, name))
            upper.addWidget(box, 1)
        layout.addLayout(upper, 1)
        self.waiting_box = QGroupBox(_("Households not yet visited this quarter, nearest first"))
        inner = QVBoxLayout(self.waiting_box)
        inner.addWidget(read_only_view(self.waiting_model, "teams_not_visited"))
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
        self.visits_table = read_only_view(self.visits_model, "teams_visits")
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
        left_layout.addWidget(read_only_view(self.meetings_model, "teams_meetings"), 1)
        page.addWidget(left)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.meeting_read_only = QLabel(
            _("You may read the meetings here; the team records its meetings, the township office its own."),
            objectName="meeting_read_only",
        )
        self.meeting_read_only.setWordWrap(True)
        self.meeting_read_only.setVisible(False)
        right_layout.addWidget(self.meeting_read_only)
        form_box = QGroupBox(_("Record a meeting"))
        self.meeting_box = form_box
        right_layout.addWidget(form_box)
        outer = QVBoxLayout(form_box)
        form = QFormLayout()
        outer.addLayout(form)
        outer.addStretch(1)
        self.meeting_kind = QComboBox(objectName="meeting_kind")
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
        form.addRow(_("Meeting:"), self.meeting_kind)
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
        page.addWidget(right)
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
        pictures = QHBoxLayout()
        self.report_photos = QListWidget(objectName="report_photos")
        self.report_photos.setViewMode(QListWidget.ViewMode.IconMode)
        self.report_photos.setIconSize(QSize(THUMB_WIDTH, THUMB_HEIGHT))
        self.report_photos.setFlow(QListWidget.Flow.LeftToRight)
        self.report_photos.setWrapping(False)
        self.report_photos.setFixedHeight(THUMB_HEIGHT + 44)
        pictures.addWidget(self.report_photos, 1)
        picture_buttons = QVBoxLayout()
        self.report_photos_label = QLabel(objectName="report_photos_label")
        self.report_add_photos = QPushButton(_("Add photos…"), objectName="report_add_photos")
        self.report_add_photos.clicked.connect(self.choose_report_photos)
        self.report_remove_photo = QPushButton(_("Take the photo chosen off"), objectName="report_remove_photo")
        self.report_remove_photo.clicked.connect(self.remove_report_photo)
        picture_buttons.addWidget(self.report_photos_label)
        picture_buttons.addWidget(self.report_add_photos)
        picture_buttons.addWidget(self.report_remove_photo)
        picture_buttons.addStretch(1)
        pictures.addLayout(picture_buttons)
        layout.addLayout(pictures)
        self.report_photo_paths: list[Path] = []  # chosen, saved with the report
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

    def village_id(self) -> str | None:
        return self.village.currentData()

    def reload_members(self) -> None:
        """The members still in their village (a member added on the roster page appears at once)."""
        current = self.member_id()
        try:
            members = teams.members(self.store)
        except PermissionRefused as refused:
            members = []
            self.message.show_message(str(refused))
        self.member.blockSignals(True)
        self.member.clear()
        self.member_villages = {}
        for member_id, name, village_id, village in members:
            self.member.addItem(f"{name}（{village}）", member_id)
            self.member_villages[member_id] = village_id
        if current is not None and self.member.findData(current) >= 0:
            self.member.setCurrentIndex(self.member.findData(current))
        self.member.blockSignals(False)

    def member_chosen(self) -> None:
        """A member chosen: their day, and their village on the village's pages."""
        village = self.member_villages.get(self.member_id() or "")
        if village is not None and self.village.findData(village) >= 0 and village != self.village_id():
            self.village.blockSignals(True)
            self.village.setCurrentIndex(self.village.findData(village))
            self.village.blockSignals(False)
        self.refresh_all()

    def refresh_all(self) -> None:
        self.refresh()
        self.refresh_village()

    def page_shown(self, index: int) -> None:
        """A village's page shown again shows what the other pages recorded meanwhile."""
        page = self.tabs.widget(index)
        if page in self.village_pages:
            try:
                page.load(self.village_id(), self.day())
            except PermissionRefused as refused:
                self.message.show_message(str(refused))

    def refresh_village(self) -> None:
        """The pages over the village chosen (the team, the deadlines, the checks, the quarter's coverage)."""
        village, today = self.village_id(), self.day()
        try:
            for page in self.village_pages:
                page.load(village, today)
            self.load_meetings()
            self.load_report()
        except PermissionRefused as refused:
            self.message.show_message(str(refused))

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
        """The quarter's meetings of the village chosen and the township's (a laptop reads the township's once
        they arrived); the form records the village's team meeting, and the township's own where it may."""
        village, today = self.village_id(), self.day()
        quarter = wt.quarter_of(today)
        kind = self.meeting_kind.currentData()
        self.meeting_kind.clear()
        if village is not None and teams.may(self.store, village):
            self.meeting_kind.addItem(_(wt.MEETING_KINDS[wt.TEAM_MEETING]), wt.TEAM_MEETING)
        if teams.may(self.store, None, Action.OVERSEE_TEAMS, on_laptop=self.on_laptop):
            for code in (wt.LEADERS_MEETING, wt.ALL_MEMBERS_MEETING):
                self.meeting_kind.addItem(_(wt.MEETING_KINDS[code]), code)
        if kind is not None and self.meeting_kind.findData(kind) >= 0:
            self.meeting_kind.setCurrentIndex(self.meeting_kind.findData(kind))
        self.meeting_box.setVisible(self.meeting_kind.count() > 0)
        self.meeting_read_only.setVisible(self.meeting_kind.count() == 0)
        self.meeting_save.setEnabled(self.meeting_kind.count() > 0)
        if village is None:
            self.meetings_model.set_rows([])
            return
        found = teams.meetings(self.store, village, quarter.first_day, quarter.last_day)
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
            + " "
            + _("The township's leaders' meetings held {leaders}, all-member meetings held {all}.").format(
                leaders=sum(1 for m in found if m.kind == wt.LEADERS_MEETING),
                all=sum(1 for m in found if m.kind == wt.ALL_MEMBERS_MEETING),
            )
        )

    def load_report(self) -> None:
        village = self.village_id()
        if village is None:
            return
        week = self.report_week.date_or_none() or self.day()
        monday, sunday = wt.week_of(week)
        report = teams.report_of_week(self.store, village, monday)
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
        writable = teams.may(self.store, village) and not sent
        self.report_text.setReadOnly(not writable)
        for widget in (self.report_save, self.report_send, self.report_draft, self.report_add_photos):
            widget.setEnabled(writable)
        self.report = report
        if sent:
            self.report_photo_paths = []
        self.show_report_photos()

    def show_report_photos(self) -> None:
        """The report's photos as the stick carries them, then those chosen and not saved yet."""
        self.report_photos.clear()
        saved = self.report.photos if self.report is not None else ()
        for photo in saved:
            pixmap = QPixmap()
            pixmap.loadFromData(teams.photo(self.store, photo.sha256))
            item = QListWidgetItem(QIcon(pixmap), photo.filename)
            item.setData(Qt.ItemDataRole.UserRole, photo.id)
            item.setToolTip(_("{name}, {kb} KB").format(name=photo.filename, kb=max(photo.size // 1024, 1)))
            self.report_photos.addItem(item)
        for path in self.report_photo_paths:
            item = QListWidgetItem(QIcon(QPixmap(str(path))), path.name)
            item.setData(Qt.ItemDataRole.UserRole, path)
            item.setToolTip(_("{name}: not saved yet").format(name=path.name))
            self.report_photos.addItem(item)
        self.report_photos_label.setText(
            _("Photos: {saved} saved, {chosen} to save").format(saved=len(saved), chosen=len(self.report_photo_paths))
            if self.report_photo_paths
            else _("Photos: {n}").format(n=len(saved))
        )
        sent = self.report is not None and self.report.sent_on is not None
        self.report_remove_photo.setEnabled(self.report_photos.count() > 0 and not sent)

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
        kind = self.meeting_kind.currentData()
        village = None if kind in (wt.LEADERS_MEETING, wt.ALL_MEMBERS_MEETING) else self.village_id()
        if kind is None or (kind == wt.TEAM_MEETING and village is None):
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
        draft = teams.MeetingDraft(kind, day, village, attendees, self.meeting_minutes.toPlainText(), decisions)
        try:
            teams.record_meeting(self.store, draft, today=dt.date.today(), on_laptop=self.on_laptop)
        except (teams.WorkTeamError, PermissionRefused) as refused:
            self.meeting_message.show_message(str(refused))
            return
        self.meeting_message.show_message(_("The meeting is recorded."), "info")
        for field in (self.meeting_attendees, self.decision_text, self.decision_owner):
            field.setText("")
        self.meeting_minutes.setPlainText("")
        self.load_meetings()

    def draft_report(self) -> None:
        village = self.village_id()
        if village is None:
            return
        week = self.report_week.date_or_none() or self.day()
        self.report_text.setPlainText(teams.draft_report_text(self.store, village, week))

    def save_report(self, *, send: bool) -> None:
        village = self.village_id()
        if village is None:
            return
        week = self.report_week.date_or_none() or self.day()
        try:
            teams.save_report(
                self.store,
                village,
                week,
                self.report_text.toPlainText(),
                send=send,
                today=dt.date.today(),
                photos=self.report_photo_paths,
            )
        except (teams.WorkTeamError, PermissionRefused) as refused:
            self.report_message.show_message(str(refused))
            return
        self.report_photo_paths = []
        self.report_message.show_message(
            _("The report is sent with the next bundle.") if send else _("The draft is saved."), "info"
        )
        self.load_report()

    def choose_report_photos(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self, _("Photos of the week"), "", _("Photos (*.jpg *.jpeg *.png)")
        )
        self.report_photo_paths += [Path(name) for name in names]
        self.show_report_photos()

    def remove_report_photo(self) -> None:
        """The photo chosen off the report: one not saved yet is forgotten, a saved one taken off the draft."""
        item = self.report_photos.currentItem()
        if item is None:
            self.report_message.show_message(_("Choose the photo to take off."))
            return
        chosen = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(chosen, Path):
            self.report_photo_paths.remove(chosen)
            self.show_report_photos()
            return
        try:
            teams.remove_report_photo(self.store, chosen)
        except (teams.WorkTeamError, PermissionRefused) as refused:
            self.report_message.show_message(str(refused))
            return
        self.report_message.show_message(_("The photo is taken off the report."), "info")
        self.load_report()
