"""The household editor's members tab: the member list, the entry form (Enter adds the member and
starts the next), live checks of the ID number, birth date and sex as they are typed, and the actual
population (the core's rule)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.records import households
from xinjie_desktop.core.records.households import HouseholdDraft, MemberDraft, Problem
from xinjie_desktop.core.rules import flags as flag_rules
from xinjie_desktop.core.rules import membership, vocabulary
from xinjie_desktop.core.rules.idnumber import SEX_LABELS, normalise
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.households.editor_parts import MemberForm, bold, note
from xinjie_desktop.qt.households.member_table_model import MemberTableModel
from xinjie_desktop.qt.shell.field_labels import MEMBER_LABELS
from xinjie_desktop.qt.shell.widgets import (
    EMPTY_MARK,
    ChoiceCombo,
    DateField,
    GroupedChoiceCombo,
    MessageLabel,
    with_message,
)

VISIBLE_MEMBERS = 5  # rows of the member table always on screen (issue 16: 2 were, at 1366×768)


class _MemberTable(QTableView):
    """Asks for no more height than its minimum (five rows): the rest of the tab's height is given to it by
    the layout's stretch, and the tab does not scroll on a 768-pixel screen for the table's 192 px default."""

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.minimumHeight())


class MembersTab(QWidget):
    """The members of the household being edited; ``context()`` gives the household's id and its
    group as the editor holds them (the live checks validate the members against them)."""

    population_changed = Signal(int)  # the actual population, whenever the members change

    def __init__(self, store, context: Callable[[], tuple[str | None, str]]) -> None:
        super().__init__()
        self._store = store
        self._context = context
        self._member_messages: dict[str, MessageLabel] = {}
        self._member_widgets: dict[str, QWidget] = {}
        self._current = MemberDraft()
        self._current_row: int | None = None
        self._auto_filled: set[str] = set()
        self._filling = False
        self._build()

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

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        top = QHBoxLayout()
        self.population_label = bold(QLabel())
        self.population_label.setObjectName("population_label")
        top.addWidget(self.population_label, 1)
        self.new_member_button = QPushButton(_("New member"))
        self.new_member_button.clicked.connect(self.start_new_member)
        self.remove_member_button = QPushButton(_("Remove member"))
        self.remove_member_button.clicked.connect(self._remove_member)
        self.remove_member_button.setEnabled(False)
        top.addWidget(self.new_member_button)
        top.addWidget(self.remove_member_button)
        self.members_message = MessageLabel(reserve=1)
        self.members_message.setObjectName("household_members_message")
        top.insertWidget(1, self.members_message, 2)  # beside the count, not a line of its own above the table
        layout.addLayout(top)

        self.member_model = MemberTableModel(self)
        self.member_table = _MemberTable()
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
        # A longer name added later widens its column (Qt sized the columns to the first rows only: "杨小华"
        # showed as "…" after "杨明").
        for signal in (self.member_model.rowsInserted, self.member_model.dataChanged, self.member_model.modelReset):
            signal.connect(lambda *_args: header.resizeSections(QHeaderView.ResizeMode.ResizeToContents))
        rows = self.member_table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().lineSpacing() + 6)  # the style's 30 px showed 2 rows at 768
        self.member_table.setMinimumHeight(self.table_height(VISIBLE_MEMBERS))
        self.member_table.selectionModel().selectionChanged.connect(self._on_member_selected)
        layout.addWidget(self.member_table, 1)

        self.member_form = MemberForm(_("New member"))
        self.member_form.submitted.connect(self.commit_member)
        grid = QGridLayout(self.member_form)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.m_name = QLineEdit()
        self.m_id = QLineEdit()
        self.m_id.setMaxLength(22)
        self.m_id.setPlaceholderText(_("18 characters; birth date and sex are read from it"))
        self.m_relation = ChoiceCombo(vocabulary.RELATIONS, placeholder=_("Choose"))
        self.m_sex = ChoiceCombo(SEX_LABELS, EMPTY_MARK)
        self.m_birth = DateField(optional=True)
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
        checks = QHBoxLayout()  # the two boxes, the hint and the button on one line: the table keeps the height
        checks.addWidget(self.m_dibao)
        checks.addSpacing(24)
        checks.addWidget(self.m_registered)
        checks.addSpacing(24)
        checks.addWidget(note(_("Press Enter to add the member and go on with the next one.")), 1)
        self.add_member_button = QPushButton(_("Add member"))
        self.add_member_button.setObjectName("add_member_button")
        self.add_member_button.clicked.connect(self.commit_member)
        checks.addWidget(self.add_member_button)
        grid.addLayout(checks, 6, 1, 1, 3)
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
        for first, second in zip(order, order[1:], strict=False):
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

    def table_height(self, rows: int) -> int:
        """The member table's height showing its header and ``rows`` rows whole."""
        table = self.member_table
        header = table.horizontalHeader().sizeHint().height()
        return header + rows * table.verticalHeader().defaultSectionSize() + 2 * table.frameWidth()

    def form_to(self, member: MemberDraft) -> None:
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
        self.form_to(self._current)
        if attr in self._member_messages:
            self._member_messages[attr].clear_message()
        if self._current_row is not None:
            self.member_model.clear_problem(self._current_row, attr)
            self.member_model.row_changed(self._current_row)
        if attr in ("id_number", "birth_date", "sex"):
            self._show_live_id_problems(final=False)
            self._check_birth_format(final=False)
        self.update_population()

    def _check_birth_format(self, final: bool) -> bool:
        """The birth date field holds a date or nothing; says so next to it otherwise."""
        problem = self.m_birth.problem()
        if not problem:
            return True
        if final or sum(char.isdigit() for char in self.m_birth.text()) >= 8:
            self._member_messages["birth_date"].show_message(problem)
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
                if "labour" in self._auto_filled:  # a new member's, until someone chooses it
                    self.m_labour.set_code(vocabulary.default_labour(facts.birth_date, dt.date.today()))
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
        """The core's problems with this member's ID number, birth date and sex, as typed so far; with ``final`` (the
        member added) its relation to the head too."""
        number = normalise(member.id_number)
        checked = ["id_number", "birth_date", "sex"] if number and (final or len(number) >= 18) else []
        if final:
            checked.append("relation")  # chosen or not, once the member is added
        if not checked:
            return []
        others = list(self.member_model.members)
        if self._current_row is None:
            others.append(member)
            row = len(others) - 1
        else:
            row = self._current_row
        household_id, group_id = self._context()
        draft = HouseholdDraft(id=household_id, group_id=group_id, members=others)
        with self._store.session() as session:
            problems = households.validate(session, draft)
        wanted = {f"member.{row}.{attr}" for attr in checked}
        return [p for p in problems if p.field in wanted]

    def _show_live_id_problems(self, final: bool) -> None:
        if self._filling:
            return
        problems = self._live_problems(self._current, final)
        for attr in ("id_number", "birth_date", "sex"):
            self._member_messages[attr].show_problems([p for p in problems if p.field.endswith("." + attr)])

    def update_population(self) -> None:
        """Count the actual population of the members entered (the core's rule) and say so."""
        members = self.member_model.members
        actual = len(flag_rules.actual_members_of(members))
        self.population_label.setText(
            _("{total} people entered; actual population: {actual}").format(total=len(members), actual=actual)
        )
        self.population_changed.emit(actual)

    def _new_member_draft(self) -> MemberDraft:
        """The first member of a household is offered as its head; any other's relation is chosen by the user
        (the list shows "Choose": a spouse typed and confirmed with Enter was saved as a child)."""
        has_members = bool(self.member_model.members)
        return MemberDraft(relation="" if has_members else "head")

    def start_new_member(self, focus: bool = True) -> None:
        self._current = self._new_member_draft()
        self._current_row = None
        self._auto_filled = {"labour"}  # follows the age the ID number gives (vocabulary.default_labour)
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
        self.update_population()
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
        self.form_to(self._current)
        if self._current_row is None:
            if self._is_blank(self._current):
                self.m_name.setFocus()
                return
            row = self.member_model.append(self._current)
            live = self._live_problems_for_row(row)
            if live:
                self.member_model.set_problems({**self.all_problems(), row: live})
        self.start_new_member()

    def _live_problems_for_row(self, row: int) -> list[Problem]:
        current_row, self._current_row = self._current_row, row
        try:
            return self._live_problems(self.member_model.members[row], final=True)
        finally:
            self._current_row = current_row

    def all_problems(self) -> dict[int, list[Problem]]:
        return {
            row: self.member_model.problems(row)
            for row in range(self.member_model.rowCount())
            if self.member_model.problems(row)
        }

    def flush_pending_member(self) -> bool:
        """A member typed but not yet added is added rather than lost; False if it cannot be (its birth
        date is not a date: the editor shows this tab with the birth date in focus)."""
        if not self._check_birth_format(final=True):
            return False
        if self._current_row is None:
            self.form_to(self._current)
            if not self._is_blank(self._current):
                self.member_model.append(self._current)
                self.start_new_member(focus=False)
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
            self.form_to(self._current)
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

    # =====================================================================================
    # What the editor asks of the tab
    # =====================================================================================
    def set_members(self, members: list[MemberDraft]) -> None:
        self._filling = True
        try:
            self.member_model.set_members(list(members))
        finally:
            self._filling = False

    def has_pending_member(self) -> bool:
        """A new member typed but not added yet, or a birth date that is not a date: not saved as shown."""
        if not self.m_birth.is_valid():
            return True
        if self._current_row is not None:
            return False  # the selected member's fields are in the list already
        form = MemberDraft()
        self.form_to(form)
        return not self._is_blank(form)

    def clear_problems(self) -> None:
        for message in self._member_messages.values():
            message.clear_message()
        self.member_model.set_problems({})

    def set_problems(self, problems: dict[int, list[Problem]]) -> None:
        self.member_model.set_problems(problems)

    def member_widget(self, attr: str) -> QWidget | None:
        return self._member_widgets.get(attr)
