"""Relocation funds on the screen (issue 19): the ledger, the payments, the checks (FD-1 to FD-3).

Three tabs over ``core.records.funds``:

- 资金台账: every fund — source (the earmarked ones marked), name and documents, arrival, received, paid, balance,
  its paperwork (FD-3: due on the 7th working day after arrival) and a loan's replacement; what is overdue in red.
  "Record funds received…" (the township's administrators).
- 拨付到户: the payments by village, group and household — kind, fund, tranche, date, amount, acknowledgement;
  "Record a payment…": the household, the fund, the tranche, the day and the amount, with FD-1's refusals shown
  as they are typed (``core.rules.funds.check_payment`` through ``records.funds.payment_case``); the core refuses
  the same on saving.
- 资金检查: FD-2's calendar (per kind of check: periods done, due and overdue, the current one), the checks held
  with their findings, a major problem's report in time, late or not yet, its rectification.

Thin: every figure and every check is the core's (``records.funds``, ``rules.funds``); models over plain lists.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xinjie_desktop.core.records import funds
from xinjie_desktop.core.rules import funds as rules
from xinjie_desktop.core.rules import permissions
from xinjie_desktop.core.rules.housing_plan import KINDS
from xinjie_desktop.core.rules.money import AmountError, format_yuan, parse_yuan
from xinjie_desktop.core.rules.permissions import Action, PermissionRefused
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.i18n import _
from xinjie_desktop.qt.shell.signature_pad import SignaturePad
from xinjie_desktop.qt.shell.widgets import (
    EMPTY_MARK,
    ChoiceCombo,
    DateField,
    MessageLabel,
    close_buttons,
    read_only_view,
)

NO_PARENT = QModelIndex()
OVERDUE = QBrush(QColor(176, 0, 32))
LATE_STATES = {rules.OVERDUE, rules.LATE, rules.OVERDUE_UNREPORTED}


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return EMPTY_MARK
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _deadline(deadline: rules.Deadline) -> str:
    if deadline.state == rules.NOT_APPLICABLE:
        return EMPTY_MARK
    state = rules.state_label(deadline.state)
    if deadline.done_on is not None:
        return _("{state} ({date})").format(state=state, date=_date(deadline.done_on))
    return _("{state}, by {date}").format(state=state, date=_date(deadline.due_on))


class ListModel(QAbstractTableModel):
    """Rows of plain objects; ``cells(row)`` gives the texts, ``late(row, column)`` which are drawn in red."""

    def __init__(self, headers: list[str], parent=None) -> None:
        super().__init__(parent)
        self._headers = headers
        self.rows: list = []

    def set_rows(self, rows: list) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def cells(self, row) -> list[str]:
        raise NotImplementedError

    def late(self, row, column: int) -> bool:
        return False

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.cells(row)[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and self.late(row, index.column()):
            return OVERDUE
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.amount_columns():
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    def amount_columns(self) -> tuple[int, ...]:
        return ()


class LedgerModel(ListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                _("Source"),
                _("Fund"),
                _("Documents"),
                _("Arrived"),
                _("Received (yuan)"),
                _("Paid (yuan)"),
                _("Balance (yuan)"),
                _("Paperwork (FD-3)"),
                _("Loan replacement"),
            ],
            parent,
        )

    def cells(self, row: funds.FundLine) -> list[str]:
        source = rules.source_label(row.source)
        if row.earmarked:
            source = _("{source} (earmarked)").format(source=source)
        paperwork = row.calendar_problem or _deadline(row.paperwork)
        return [
            source,
            row.name,
            " ".join(part for part in (row.plan_document, row.fund_document) if part) or EMPTY_MARK,
            _date(row.arrived_on),
            format_yuan(row.received),
            format_yuan(row.paid),
            format_yuan(row.balance),
            paperwork,
            _deadline(row.replacement),
        ]

    def late(self, row: funds.FundLine, column: int) -> bool:
        return (column == 7 and row.paperwork.state in (rules.OVERDUE, rules.DONE_LATE)) or (
            column == 8 and row.replacement.state in (rules.OVERDUE, rules.DONE_LATE)
        )

    def amount_columns(self) -> tuple[int, ...]:
        return (4, 5, 6)


class PaymentsModel(ListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                _("Village"),
                _("Villagers' group"),
                _("Head of household"),
                _("ID number"),
                _("Kind"),
                _("Fund"),
                _("Tranche"),
                _("Paid on"),
                _("Amount (yuan)"),
                _("Acknowledged"),
            ],
            parent,
        )

    def cells(self, row: funds.PaymentLine) -> list[str]:
        if row.acknowledgement:
            how = _("on screen") if row.acknowledgement == funds.SCREEN else _("on paper")
            acknowledged = _("{name}, {date}, {how}").format(
                name=row.acknowledged_by, date=_date(row.acknowledged_on), how=how
            )
        else:
            acknowledged = _("not yet")
        return [
            row.village,
            row.group,
            row.head_name,
            row.id_number_masked,
            _(KINDS[row.household_kind]) if row.household_kind in KINDS else EMPTY_MARK,
            row.fund_name,
            rules.tranche_label(row.tranche),
            _date(row.paid_on),
            format_yuan(row.amount),
            acknowledged,
        ]

    def late(self, row: funds.PaymentLine, column: int) -> bool:
        return column == 9 and not row.acknowledgement

    def amount_columns(self) -> tuple[int, ...]:
        return (8,)


class CalendarModel(ListModel):
    """FD-2: one row per kind of check."""

    def __init__(self, parent=None) -> None:
        super().__init__(
            [_("Check (FD-2)"), _("Done"), _("Overdue"), _("This period"), _("Last held")],
            parent,
        )

    def cells(self, row: tuple[str, list[rules.CheckPeriod]]) -> list[str]:
        kind, periods = row
        done = sum(1 for p in periods if p.state == rules.DONE)
        overdue = [p for p in periods if p.state == rules.OVERDUE]
        current = periods[-1] if periods else None
        held = [day for p in periods for day in p.done_on]
        now = (
            _("{state} ({start} to {end})").format(
                state=rules.state_label(current.state), start=_date(current.first), end=_date(current.last)
            )
            if current is not None
            else EMPTY_MARK
        )
        return [rules.check_kind_label(kind), str(done), str(len(overdue)), now, _date(max(held) if held else None)]

    def late(self, row: tuple[str, list[rules.CheckPeriod]], column: int) -> bool:
        return column == 2 and any(p.state == rules.OVERDUE for p in row[1])


class FindingsModel(ListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                _("Check"),
                _("Held on"),
                _("Checked by"),
                _("Problem found"),
                _("Major"),
                _("Found"),
                _("Reported"),
                _("Rectification"),
            ],
            parent,
        )

    def cells(self, row: tuple[funds.CheckLine, funds.FindingLine | None]) -> list[str]:
        check, finding = row
        head = [rules.check_kind_label(check.kind), _date(check.held_on), check.checked_by]
        if finding is None:
            return [*head, check.summary or _("no problem found"), "", "", "", ""]
        if finding.major:
            reported = rules.report_state_label(finding.report_state)
            if finding.reported_at is not None:
                reported = f"{_date(finding.reported_at)} · {reported}"
        else:
            reported = EMPTY_MARK
        if finding.closed:
            rectified = _("closed {date}: {how}").format(date=_date(finding.rectified_on), how=finding.rectification)
        else:
            rectified = finding.rectification or _("open")
        return [
            *head,
            finding.description,
            _("yes") if finding.major else _("no"),
            _date(finding.found_at),
            reported,
            rectified,
        ]

    def late(self, row: tuple[funds.CheckLine, funds.FindingLine | None], column: int) -> bool:
        finding = row[1]
        return finding is not None and (
            (column == 6 and finding.report_state in LATE_STATES) or (column == 7 and not finding.closed)
        )


class FundsDialog(QDialog):
    """File → Relocation funds (文件 → 易地扶贫搬迁资金)."""

    def __init__(self, store: Store, parent=None, today: dt.date | None = None, on_laptop: bool = False) -> None:
        super().__init__(parent)
        self.store = store
        self.today = today or dt.date.today()
        self.on_laptop = on_laptop
        self.setObjectName("funds_dialog")
        self.setWindowTitle(_("Relocation funds: ledger, payments and checks"))
        self.resize(1280, 720)
        layout = QVBoxLayout(self)
        self.message = MessageLabel()
        self.message.setObjectName("funds_message")
        layout.addWidget(self.message)
        self.tabs = QTabWidget(objectName="funds_tabs")
        layout.addWidget(self.tabs, 1)

        ledger = QWidget()
        ledger_layout = QVBoxLayout(ledger)
        self.totals = QLabel(objectName="funds_totals")
        ledger_layout.addWidget(self.totals)
        self.ledger_model = LedgerModel(self)
        self.ledger_table = read_only_view(self.ledger_model, "funds_ledger")
        ledger_layout.addWidget(self.ledger_table, 1)
        row = QHBoxLayout()
        self.new_fund_button = QPushButton(_("Record funds received…"), objectName="funds_new_fund")
        self.new_fund_button.clicked.connect(self.record_fund)
        row.addWidget(self.new_fund_button)
        row.addStretch(1)
        ledger_layout.addLayout(row)
        self.tabs.addTab(ledger, _("Ledger"))

        payments = QWidget()
        payments_layout = QVBoxLayout(payments)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Village:")))
        self.village = QComboBox(objectName="funds_village")
        self.village.addItem(_("All villages"), "")
        top.addWidget(self.village)
        self.payments_count = QLabel(objectName="funds_payments_count")
        top.addWidget(self.payments_count, 1)
        payments_layout.addLayout(top)
        self.payments_model = PaymentsModel(self)
        self.payments_table = read_only_view(self.payments_model, "funds_payments")
        payments_layout.addWidget(self.payments_table, 1)
        row = QHBoxLayout()
        self.pay_button = QPushButton(_("Record a payment…"), objectName="funds_pay")
        self.pay_button.clicked.connect(self.record_payment)
        row.addWidget(self.pay_button)
        self.acknowledge_button = QPushButton(_("Acknowledged by the household…"), objectName="funds_acknowledge")
        self.acknowledge_button.setToolTip(
            _(
                "The household acknowledges the selected payment: signed here on the screen, or on paper with the "
                "scan kept (also on a laptop)"
            )
        )
        self.acknowledge_button.setEnabled(False)
        self.acknowledge_button.clicked.connect(self.acknowledge)
        row.addWidget(self.acknowledge_button)
        row.addStretch(1)
        payments_layout.addLayout(row)
        self.tabs.addTab(payments, _("Payments to households"))

        checks = QWidget()
        checks_layout = QVBoxLayout(checks)
        self.calendar_model = CalendarModel(self)
        self.calendar_table = read_only_view(self.calendar_model, "funds_calendar")
        self.calendar_table.setMaximumHeight(150)
        checks_layout.addWidget(self.calendar_table)
        self.late_reports = MessageLabel()
        self.late_reports.setObjectName("funds_late_reports")
        checks_layout.addWidget(self.late_reports)
        self.findings_model = FindingsModel(self)
        self.findings_table = read_only_view(self.findings_model, "funds_findings")
        checks_layout.addWidget(self.findings_table, 1)
        row = QHBoxLayout()
        self.check_button = QPushButton(_("Record a check…"), objectName="funds_new_check")
        self.check_button.clicked.connect(self.record_check)
        row.addWidget(self.check_button)
        self.rectify_button = QPushButton(_("Reported or rectified…"), objectName="funds_rectify")
        self.rectify_button.setToolTip(
            _("When the selected problem reached the command centre, and how it was rectified")
        )
        self.rectify_button.setEnabled(False)
        self.rectify_button.clicked.connect(self.rectify)
        row.addWidget(self.rectify_button)
        row.addStretch(1)
        checks_layout.addLayout(row)
        self.tabs.addTab(checks, _("Checks"))

        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close_buttons(self))
        layout.addLayout(bottom)
        # What the person's role allows (issue 17; the core refuses the rest anyway): an auditor (纪检/审计) records
        # checks, their findings and rectification (FD-2), and reads the rest.
        self.may_acknowledge = self._may(Action.ACKNOWLEDGE_PAYMENT)
        self.may_check = self._may(Action.FUND_CHECKS) and not on_laptop
        for button, action in (
            (self.new_fund_button, Action.MANAGE_FUNDS),
            (self.pay_button, Action.RECORD_PAYMENT),
            (self.acknowledge_button, Action.ACKNOWLEDGE_PAYMENT),
            (self.check_button, Action.FUND_CHECKS),
            (self.rectify_button, Action.FUND_CHECKS),
        ):
            if not self._may(action):
                button.setEnabled(False)
                button.setToolTip(permissions.refusal(store.actor, action))
        if on_laptop:
            for button in (self.new_fund_button, self.pay_button, self.check_button, self.rectify_button):
                button.setEnabled(False)
                button.setToolTip(
                    _("On a village laptop a payment is only acknowledged: the township office records it.")
                )
        try:
            self.refresh()
        except PermissionRefused as refused:
            self.message.show_message(str(refused))
            self.tabs.setEnabled(False)
            return
        villages = sorted({(p.village, p.village_id) for p in funds.payees(store)})
        for name, village_id in villages:
            self.village.addItem(name, village_id)
        self.village.currentIndexChanged.connect(self.refresh_payments)
        self.payments_table.selectionModel().selectionChanged.connect(self._selected)
        self.findings_table.selectionModel().selectionChanged.connect(self._finding_selected)

    def _may(self, action: Action) -> bool:
        """Whether the person logged in may do ``action`` somewhere (no one logged in: a store without accounts)."""
        actor = self.store.actor
        return actor is None or permissions.any_village(actor, action)

    def refresh(self) -> None:
        lines = funds.ledger(self.store, self.today)
        self.ledger_model.set_rows(lines)
        received = sum((line.received for line in lines), Decimal(0))
        paid = sum((line.paid for line in lines), Decimal(0))
        overdue = sum(1 for line in lines for d in (line.paperwork, line.replacement) if d.state == rules.OVERDUE)
        self.totals.setText(
            _(
                "{n} funds: received {received} yuan, paid {paid} yuan, balance {balance} yuan; {overdue} overdue"
            ).format(
                n=len(lines),
                received=format_yuan(received),
                paid=format_yuan(paid),
                balance=format_yuan(received - paid),
                overdue=overdue,
            )
        )
        self.refresh_payments()
        board = funds.check_board(self.store, self.today, dt.datetime.now().replace(microsecond=0))
        self.calendar_model.set_rows([(kind, board.periods.get(kind, [])) for kind in rules.CHECK_ORDER])
        rows: list[tuple[funds.CheckLine, funds.FindingLine | None]] = []
        for check in board.checks:
            rows.extend((check, finding) for finding in check.findings) if check.findings else rows.append(
                (check, None)
            )
        self.findings_model.set_rows(rows)
        late = [f for c in board.checks for f in c.findings if f.report_state in (rules.LATE, rules.OVERDUE_UNREPORTED)]
        if late:
            self.late_reports.show_message(
                _("{n} major problem(s) did not reach the command centre within 24 hours of being found.").format(
                    n=len(late)
                )
            )
        else:
            self.late_reports.clear_message()

    def refresh_payments(self, *_ignored) -> None:
        village = self.village.currentData() or None
        lines = funds.payments(self.store, village_id=village)
        self.payments_model.set_rows(lines)
        waiting = sum(1 for line in lines if not line.acknowledgement)
        self.payments_count.setText(
            _("{n} payments, {amount} yuan; {waiting} not acknowledged yet").format(
                n=len(lines), amount=format_yuan(sum((line.amount for line in lines), Decimal(0))), waiting=waiting
            )
        )

    def selected_payment(self) -> funds.PaymentLine | None:
        rows = self.payments_table.selectionModel().selectedRows()
        return self.payments_model.rows[rows[0].row()] if rows else None

    def _selected(self, *_ignored) -> None:
        payment = self.selected_payment()
        self.acknowledge_button.setEnabled(self.may_acknowledge and payment is not None and not payment.acknowledgement)

    def acknowledge(self) -> AcknowledgeForm | None:
        payment = self.selected_payment()
        if payment is None:
            return None
        form = AcknowledgeForm(self.store, payment, self.today, self)
        form.accepted.connect(self.refresh)
        form.open()
        return form

    def selected_finding(self) -> funds.FindingLine | None:
        rows = self.findings_table.selectionModel().selectedRows()
        return self.findings_model.rows[rows[0].row()][1] if rows else None

    def _finding_selected(self, *_ignored) -> None:
        finding = self.selected_finding()
        self.rectify_button.setEnabled(self.may_check and finding is not None and not finding.closed)

    def record_check(self) -> CheckForm:
        form = CheckForm(self.store, self.today, self)
        form.accepted.connect(self.refresh)
        form.open()
        return form

    def rectify(self) -> RectifyForm | None:
        finding = self.selected_finding()
        if finding is None:
            return None
        form = RectifyForm(self.store, finding, self.today, self)
        form.accepted.connect(self.refresh)
        form.open()
        return form

    def record_fund(self) -> FundForm:
        form = FundForm(self.store, self.today, self, on_laptop=self.on_laptop)
        form.accepted.connect(self.refresh)
        form.open()
        return form

    def record_payment(self) -> PaymentForm:
        form = PaymentForm(self.store, self.today, self, on_laptop=self.on_laptop)
        form.accepted.connect(self.refresh)
        form.open()
        return form


class FundForm(QDialog):
    """Funds received: source, name, documents, arrival, amount, account, use and units."""

    def __init__(self, store: Store, today: dt.date, parent=None, on_laptop: bool = False) -> None:
        super().__init__(parent)
        self.store, self.today, self.on_laptop = store, today, on_laptop
        self.setObjectName("fund_form")
        self.setWindowTitle(_("Record funds received"))
        form = QFormLayout(self)
        self.source = ChoiceCombo(rules.SOURCES, placeholder=_("choose"))
        self.source.setObjectName("fund_source")
        self.source.setCurrentIndex(-1)
        self.name = QLineEdit(objectName="fund_name")
        self.plan_document = QLineEdit(objectName="fund_plan_document")
        self.fund_document = QLineEdit(objectName="fund_fund_document")
        self.arrived = DateField(today)
        self.arrived.setObjectName("fund_arrived")
        self.amount = QLineEdit(objectName="fund_amount")
        self.account = QLineEdit(objectName="fund_account")
        self.use = QLineEdit(objectName="fund_use")
        self.units = QLineEdit(objectName="fund_units")
        for label, widget in (
            (_("Source:"), self.source),
            (_("Name:"), self.name),
            (_("Plan document number:"), self.plan_document),
            (_("Fund document number:"), self.fund_document),
            (_("Arrived on:"), self.arrived),
            (_("Amount (yuan):"), self.amount),
            (_("Account:"), self.account),
            (_("Use:"), self.use),
            (_("Units using it:"), self.units),
        ):
            form.addRow(label, widget)
        self.message = MessageLabel()
        self.message.setObjectName("fund_message")
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def save(self) -> None:
        if not self.arrived.is_valid():
            self.message.show_message(self.arrived.problem())
            return
        try:
            amount = parse_yuan(self.amount.text())
            draft = funds.FundDraft(
                source=self.source.code(),
                name=self.name.text(),
                arrived_on=self.arrived.value(),
                amount=amount,
                plan_document=self.plan_document.text(),
                fund_document=self.fund_document.text(),
                account=self.account.text(),
                use=self.use.text(),
                units=self.units.text(),
            )
            funds.record_fund(self.store, draft, self.today, on_laptop=self.on_laptop)
        except (AmountError, funds.FundsError, PermissionRefused) as error:
            self.message.show_message(str(error))
            return
        self.accept()


class PaymentForm(QDialog):
    """A tranche to a household: FD-1's refusals shown as the fields change; Save only when there are none."""

    def __init__(self, store: Store, today: dt.date, parent=None, on_laptop: bool = False) -> None:
        super().__init__(parent)
        self.store, self.today, self.on_laptop = store, today, on_laptop
        self.setObjectName("payment_form")
        self.setWindowTitle(_("Record a payment"))
        self.setMinimumWidth(560)
        form = QFormLayout(self)
        self.household = QComboBox(objectName="payment_household")
        for payee in funds.payees(store):
            kind = _(KINDS[payee.household_kind]) if payee.household_kind in KINDS else ""
            self.household.addItem(
                _("{village} {group} {head} ({kind}; paid {paid} of {total} yuan)").format(
                    village=payee.village,
                    group=payee.group,
                    head=payee.head_name,
                    kind=kind,
                    paid=format_yuan(payee.paid),
                    total=format_yuan(payee.agreement_total),
                ),
                payee.household_id,
            )
        self.fund = QComboBox(objectName="payment_fund")
        for line in funds.ledger(store, today):
            self.fund.addItem(
                _("{name} ({source}; balance {balance} yuan)").format(
                    name=line.name, source=rules.source_label(line.source), balance=format_yuan(line.balance)
                ),
                line.id,
            )
        self.tranche = ChoiceCombo(rules.TRANCHES)
        self.tranche.setObjectName("payment_tranche")
        self.paid_on = DateField(today)
        self.paid_on.setObjectName("payment_paid_on")
        self.amount = QLineEdit(objectName="payment_amount")
        for label, widget in (
            (_("Household:"), self.household),
            (_("Fund:"), self.fund),
            (_("Tranche:"), self.tranche),
            (_("Paid on:"), self.paid_on),
            (_("Amount (yuan):"), self.amount),
        ):
            form.addRow(label, widget)
        self.message = MessageLabel()
        self.message.setObjectName("payment_message")
        form.addRow(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        for signal in (
            self.household.currentIndexChanged,
            self.fund.currentIndexChanged,
            self.tranche.currentIndexChanged,
            self.paid_on.date_changed,
            self.amount.textChanged,
        ):
            signal.connect(self.check)
        self.check()

    def refusals(self) -> list[str]:
        """FD-1's refusals of the payment as typed (the amount unreadable: why)."""
        household, fund = self.household.currentData(), self.fund.currentData()
        if not household or not fund:
            return [_("Choose the household and the fund.")]
        try:
            amount = parse_yuan(self.amount.text())
        except AmountError as error:
            return [str(error)]
        found = [r.message for r in rules.check_payment(funds.payment_case(self.store, household, fund, amount))]
        if self.tranche.code() and self.paid_on.is_valid():  # paid by building progress (按建房进度拨付)
            by_progress = funds.tranche_refusal(self.store, household, self.tranche.code(), self.paid_on.value())
            if by_progress is not None:
                found.append(by_progress)
        return found

    def check(self, *_ignored) -> None:
        problems = self.refusals() if self.amount.text().strip() else []
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(bool(self.amount.text().strip()) and not problems)
        if problems:
            self.message.show_message("\n".join(problems))
        else:
            self.message.clear_message()

    def save(self) -> None:
        if not self.paid_on.is_valid():
            self.message.show_message(self.paid_on.problem())
            return
        try:
            funds.record_payment(
                self.store,
                self.household.currentData(),
                self.fund.currentData(),
                self.tranche.code(),
                self.paid_on.value(),
                parse_yuan(self.amount.text()),
                today=self.today,
                on_laptop=self.on_laptop,
            )
        except (AmountError, funds.FundsError, PermissionRefused) as error:
            self.message.show_message(str(error))
            return
        self.accept()


class AcknowledgeForm(QDialog):
    """The household's acknowledgement of a payment (issue 19, like the agreements): signed here on the screen's
    signature pad, or on paper with the scan of the signed receipt kept; who signed and when."""

    def __init__(self, store: Store, payment: funds.PaymentLine, today: dt.date, parent=None) -> None:
        super().__init__(parent)
        self.store, self.payment = store, payment
        self.setObjectName("acknowledge_form")
        self.setWindowTitle(_("Payment acknowledged by the household"))
        self.setMinimumWidth(560)
        form = QFormLayout(self)
        form.addRow(
            QLabel(
                _("{head}: {tranche}, {amount} yuan paid on {date}").format(
                    head=payment.head_name,
                    tranche=rules.tranche_label(payment.tranche),
                    amount=format_yuan(payment.amount),
                    date=_date(payment.paid_on),
                )
            )
        )
        self.signer = QLineEdit(payment.head_name, objectName="acknowledge_signer")
        self.signed_on = DateField(today)
        self.signed_on.setObjectName("acknowledge_on")
        how = QHBoxLayout()
        self.on_paper = QRadioButton(_("On paper (the signed receipt scanned)"), objectName="acknowledge_paper")
        self.on_screen = QRadioButton(_("Here, on the screen"), objectName="acknowledge_screen")
        self.on_paper.setChecked(True)
        how.addWidget(self.on_paper)
        how.addWidget(self.on_screen)
        how.addStretch(1)
        scan_row = QHBoxLayout()
        self.scan = QLineEdit(objectName="acknowledge_scan")
        self.choose = QPushButton(_("Choose…"))
        self.choose.clicked.connect(self.choose_scan)
        scan_row.addWidget(self.scan, 1)
        scan_row.addWidget(self.choose)
        self.pad = SignaturePad(placeholder=_("The household signs here"))
        self.pad.setObjectName("acknowledge_pad")
        self.pad.setMinimumHeight(160)
        self.clear_pad = QPushButton(_("Clear the signature"), objectName="acknowledge_clear")
        self.clear_pad.clicked.connect(self.pad.clear)
        form.addRow(_("Signed:"), how)
        form.addRow(_("Signed by:"), self.signer)
        form.addRow(_("Signed on:"), self.signed_on)
        self.scan_label = QLabel(_("Scan of the signed receipt:"))
        form.addRow(self.scan_label, scan_row)
        form.addRow(self.pad)
        form.addRow(self.clear_pad)
        self.message = MessageLabel()
        self.message.setObjectName("acknowledge_message")
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.on_screen.toggled.connect(self._show_how)
        self._show_how()

    def _show_how(self, *_ignored) -> None:
        screen = self.on_screen.isChecked()
        for widget in (self.scan_label, self.scan, self.choose):
            widget.setVisible(not screen)
        self.pad.setVisible(screen)
        self.clear_pad.setVisible(screen)
        self.message.clear_message()

    def choose_scan(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _chosen = QFileDialog.getOpenFileName(
            self, _("Scan of the signed receipt"), "", _("Scans (*.jpg *.jpeg *.png *.pdf);;All files (*)")
        )
        if path:
            self.scan.setText(path)

    def save(self) -> None:
        if not self.signed_on.is_valid():
            self.message.show_message(self.signed_on.problem())
            return
        screen = self.on_screen.isChecked()
        if screen and self.pad.is_empty():
            self.message.show_message(_("The household signs on the pad first."))
            return
        if not screen and not self.scan.text().strip():
            self.message.show_message(_("Choose the scan of the signed receipt."))
            return
        try:
            if screen:
                funds.acknowledge_on_screen(
                    self.store, self.payment.id, self.signer.text(), self.pad.to_png(), self.signed_on.value()
                )
            else:
                funds.acknowledge_on_paper(
                    self.store, self.payment.id, self.signer.text(), self.scan.text().strip(), self.signed_on.value()
                )
        except (funds.FundsError, PermissionRefused) as error:
            self.message.show_message(str(error))
            return
        self.accept()


def _moment(text: str) -> dt.datetime | None:
    """A time typed as YYYY-MM-DD HH:MM (None when empty); ValueError when it is not one."""
    text = text.strip()
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M") if text else None


class CheckForm(QDialog):
    """FD-2: a check held — its kind, day, who checked, what was looked at — and the problem it found, if any
    (a major one: when found and when reported to the command centre)."""

    def __init__(self, store: Store, today: dt.date, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        self.setObjectName("check_form")
        self.setWindowTitle(_("Record a check"))
        self.setMinimumWidth(560)
        form = QFormLayout(self)
        self.kind = ChoiceCombo(rules.CHECK_KINDS)
        self.kind.setObjectName("check_kind")
        self.held_on = DateField(today)
        self.held_on.setObjectName("check_held_on")
        self.checked_by = QLineEdit(objectName="check_checked_by")
        self.looked_at = QLineEdit(objectName="check_looked_at")
        self.summary = QLineEdit(objectName="check_summary")
        self.problem = QPlainTextEdit(objectName="check_problem")
        self.problem.setFixedHeight(56)
        self.major = QCheckBox(
            _("A major problem: reported to the command centre within 24 hours"), objectName="check_major"
        )
        self.found_at = QLineEdit(objectName="check_found_at")
        self.found_at.setPlaceholderText(_("YYYY-MM-DD HH:MM"))
        self.reported_at = QLineEdit(objectName="check_reported_at")
        self.reported_at.setPlaceholderText(_("YYYY-MM-DD HH:MM (empty: not yet)"))
        for label, widget in (
            (_("Check:"), self.kind),
            (_("Held on:"), self.held_on),
            (_("Checked by:"), self.checked_by),
            (_("Looked at:"), self.looked_at),
            (_("Summary:"), self.summary),
            (_("Problem found (if any):"), self.problem),
            ("", self.major),
            (_("Found at:"), self.found_at),
            (_("Reported at:"), self.reported_at),
        ):
            form.addRow(label, widget)
        self.message = MessageLabel()
        self.message.setObjectName("check_message")
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def save(self) -> None:
        if not self.held_on.is_valid():
            self.message.show_message(self.held_on.problem())
            return
        problem = self.problem.toPlainText().strip()
        try:
            found_at = _moment(self.found_at.text()) or dt.datetime.combine(self.held_on.value(), dt.time(9, 0))
            reported_at = _moment(self.reported_at.text())
        except ValueError:
            self.message.show_message(_("Type a time as YYYY-MM-DD HH:MM, e.g. 2017-05-03 09:30."))
            return
        try:
            check = funds.record_check(
                self.store,
                self.kind.code(),
                self.held_on.value(),
                self.checked_by.text(),
                self.looked_at.text(),
                self.summary.text(),
            )
            if problem:
                funds.record_finding(
                    self.store, check, problem, found_at, major=self.major.isChecked(), reported_at=reported_at
                )
        except (funds.FundsError, PermissionRefused) as error:
            self.message.show_message(str(error))
            return
        self.accept()


class RectifyForm(QDialog):
    """A finding: when it reached the command centre (a major one not yet reported), how it was rectified, and
    closed once rectified."""

    def __init__(self, store: Store, finding: funds.FindingLine, today: dt.date, parent=None) -> None:
        super().__init__(parent)
        self.store, self.finding = store, finding
        self.setObjectName("rectify_form")
        self.setWindowTitle(_("Problem reported or rectified"))
        self.setMinimumWidth(520)
        form = QFormLayout(self)
        form.addRow(QLabel(finding.description))
        self.reported_at = QLineEdit(objectName="rectify_reported_at")
        self.reported_at.setPlaceholderText(_("YYYY-MM-DD HH:MM (empty: not yet)"))
        self.reported_at.setEnabled(finding.major and finding.reported_at is None)
        if finding.reported_at is not None:
            self.reported_at.setText(finding.reported_at.strftime("%Y-%m-%d %H:%M"))
        self.rectification = QPlainTextEdit(finding.rectification, objectName="rectify_rectification")
        self.rectification.setFixedHeight(56)
        self.closed = QCheckBox(_("Rectified: close it on"), objectName="rectify_closed")
        self.rectified_on = DateField(today)
        self.rectified_on.setObjectName("rectify_on")
        form.addRow(_("Reported at:"), self.reported_at)
        form.addRow(_("Rectification:"), self.rectification)
        closing = QHBoxLayout()
        closing.addWidget(self.closed)
        closing.addWidget(self.rectified_on, 1)
        form.addRow(closing)
        self.message = MessageLabel()
        self.message.setObjectName("rectify_message")
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def save(self) -> None:
        try:
            reported_at = _moment(self.reported_at.text()) if self.reported_at.isEnabled() else None
        except ValueError:
            self.message.show_message(_("Type a time as YYYY-MM-DD HH:MM, e.g. 2017-05-03 09:30."))
            return
        if self.closed.isChecked() and not self.rectified_on.is_valid():
            self.message.show_message(self.rectified_on.problem())
            return
        try:
            if reported_at is not None:
                funds.report_finding(self.store, self.finding.id, reported_at)
            funds.rectify_finding(
                self.store,
                self.finding.id,
                self.rectification.toPlainText(),
                self.rectified_on.value() if self.closed.isChecked() else None,
            )
        except (funds.FundsError, PermissionRefused) as error:
            self.message.show_message(str(error))
            return
        self.accept()
