"""Progress at a glance (issue 18): the township's figures per village and in total, each one the households
a query selects, so that every number opens the list of those households.

A figure is a condition on the household table (``condition``); counting it (``compute``) and listing its
households (``household_list.ListFilter.figure``, the window's household list) use that same condition, so
a number and its list cannot disagree.  The conditions are the ones the records already keep:

- the identification workflow's state and the flags: the household's derived ``workflow_step`` and
  ``flags`` columns, as the household list filters them (``records.households.refresh_derived``, ID-5 and
  ``rules.flags``);
- relocation: a verification in scope (RL-1 … RL-4), a plan saved (``records.housing_plans``), agreements
  drafted and signed (``records.agreements``), the new house's building (``records.building``, as of the day:
  started and not completed, completed and not moved into, moved in), the old house demolished on time or late, overdue
  (``records.demolition.overdue_condition``: the AG-1 deadline of the signed demolition agreement in force
  passed without an acceptance), accepted, the old certificate handed in and the land reclaimed (AG-2, AG-3);
- the public notices (PN-1): households on a posted notice sheet, open objections (the household's own and
  those raised against a notice, naming it);
- sync: conflicts waiting (a field of one of the household's records, ``sync_conflict``), possible duplicates
  waiting (``possible_duplicate``), and the households of villages whose laptop has not been heard from for
  ``QUIET_DAYS`` (``sync_peer``).

Counting reads each table once: the household-column figures in one pass over the household table, each
relational figure by a grouped join over its own (much smaller) table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, TableClause, case, column, exists, func, literal_column, select, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.util import ClauseAdapter

from xinjie_desktop.core.records import access
from xinjie_desktop.core.records.demolition import overdue_condition
from xinjie_desktop.core.rules.building import COMPLETION, FOUNDATION, MOVED_IN
from xinjie_desktop.core.rules.flags import FLAGS
from xinjie_desktop.core.rules.identification import REJECTED, STATE_LABELS, STEP_CODES
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import (
    Agreement,
    AgreementSignature,
    Base,
    BuildingStage,
    DemolitionAcceptance,
    Household,
    NoticeObjection,
    Objection,
    PossibleDuplicate,
    PublicNotice,
    RelocationVerification,
    SavedHousingPlan,
    SyncConflict,
    SyncPeer,
    Village,
    utcnow,
)
from xinjie_desktop.i18n import N_, _

QUIET_DAYS = 7  # a laptop not heard from for a week (WT-2: the township reports weekly)

# The groups of figures, in the view's order (key, label).
GROUPS: tuple[tuple[str, str], ...] = (
    ("identification", N_("Identification (ID-5)")),
    ("flags", N_("Flags")),
    ("relocation", N_("Relocation")),
    ("notices", N_("Public notices (PN-1)")),
    ("sync", N_("Sync")),
)


@dataclass(frozen=True)
class Selection:
    """One figure's households as of a day: what the household list filters by (``ListFilter.figure``)."""

    key: str
    as_of: dt.date


@dataclass(frozen=True)
class Figure:
    key: str
    group: str
    label: str  # an English msgid: show it with _()
    rule: str  # the policy rule it reports on, or ""
    condition: Callable[[dt.date], ColumnElement[bool]] = field(compare=False, repr=False)
    # For a figure of another table: the select of (village id, households) it counts, without a pass over the
    # households; None: counted in the one pass over the household table.
    rows: Callable[[dt.date], Select] | None = field(default=None, compare=False, repr=False)


def _in(ids: Callable[[dt.date], Select]) -> Callable[[dt.date], ColumnElement[bool]]:
    return lambda as_of: Household.id.in_(ids(as_of))


class _HouseholdVillages(TableClause):
    """The household table read through its narrow index of (id, village) (migration 0017): SQLite would take
    the primary key's index and read each household's row for its village."""

    inherit_cache = True


@compiles(_HouseholdVillages)
def _indexed_by(_element: _HouseholdVillages, _compiler: object, **_kw: object) -> str:
    return "household INDEXED BY ix_household_village"


_BY_ID = _HouseholdVillages("household", column("id"), column("village_id"))


def _grouped(ids: Callable[[dt.date], Select]) -> Callable[[dt.date], Select]:
    """(village id, households) of the households ``ids`` selects: their villages looked up in the narrow index
    of a household's village (migration 0017), not the household table."""

    def rows(as_of: dt.date) -> Select:
        return (
            select(_BY_ID.c.village_id, func.count()).where(_BY_ID.c.id.in_(ids(as_of))).group_by(_BY_ID.c.village_id)
        )

    return rows


# --- the households of each relational figure -------------------------------------------------------


def _verified(_as_of: dt.date) -> Select:
    return select(RelocationVerification.household_id).where(RelocationVerification.in_scope.is_(True))


def _plan_saved(_as_of: dt.date) -> Select:
    return select(SavedHousingPlan.household_id)


def _agreements(status: str) -> Callable[[dt.date], Select]:
    return lambda _as_of: select(Agreement.household_id).where(Agreement.status == status)


def _reached(stage: str, as_of: dt.date) -> Select:
    """The households whose new house reached ``stage`` on or before ``as_of`` (``records.building``)."""
    return select(BuildingStage.household_id).where(BuildingStage.stage == stage, BuildingStage.reached_on <= as_of)


def _building(stage: str, until: str | None) -> Callable[[dt.date], Select]:
    """The households whose house reached ``stage`` and not ``until`` (None: the last stage) as of the day."""

    def ids(as_of: dt.date) -> Select:
        reached = _reached(stage, as_of)
        if until is None:
            return reached
        later = aliased(BuildingStage)
        return reached.where(
            ~exists().where(
                later.household_id == BuildingStage.household_id, later.stage == until, later.reached_on <= as_of
            )
        )

    return ids


def _latest_acceptance() -> Select:
    """Each household's newest acceptance (as ``records.demolition`` reads it)."""
    newer = aliased(DemolitionAcceptance)
    return select(DemolitionAcceptance).where(
        ~exists().where(
            newer.household_id == DemolitionAcceptance.household_id,
            newer.created_at > DemolitionAcceptance.created_at,
        )
    )


def _demolished(on_time: bool) -> Callable[[dt.date], Select]:
    """SB-1, SB-2: demolished on or before the deadline of the agreement the demolition was accepted under (the
    day the house was demolished decides; before revision 0009, the acceptance's day)."""

    def ids(_as_of: dt.date) -> Select:
        accepted = _latest_acceptance().subquery()
        day = func.coalesce(accepted.c.demolished_on, accepted.c.accepted_on)
        return (
            select(accepted.c.household_id)
            .join(Agreement, Agreement.id == accepted.c.agreement_id)
            .where(Agreement.demolition_deadline.is_not(None))
            .where(day <= Agreement.demolition_deadline if on_time else day > Agreement.demolition_deadline)
        )

    return ids


def _overdue(as_of: dt.date) -> Select:
    return select(Agreement.household_id).where(overdue_condition(as_of))


def _accepted(_as_of: dt.date) -> Select:
    return select(DemolitionAcceptance.household_id)


def _certificates(_as_of: dt.date) -> Select:
    accepted = _latest_acceptance().subquery()
    return select(accepted.c.household_id).where(accepted.c.old_certificate_returned.is_(True))


def _reclaimed(_as_of: dt.date) -> Select:
    accepted = _latest_acceptance().subquery()
    return select(accepted.c.household_id).where(accepted.c.reclamation != "")


def _on_notice(_as_of: dt.date) -> Select:
    entries = func.json_each(PublicNotice.entries).table_valued("value")
    return (
        select(func.json_extract(entries.c.value, "$.household_id"))
        .select_from(PublicNotice)
        .join(entries, literal_column("1") == literal_column("1"))
    )


def _objections_open(_as_of: dt.date) -> Select:
    return union(
        select(Objection.household_id).where(Objection.resolved_on.is_(None)),
        select(NoticeObjection.household_id).where(
            NoticeObjection.resolved_on.is_(None), NoticeObjection.household_id.is_not(None)
        ),
    )  # type: ignore[return-value]  # a compound select, used as a subquery like any select


# Tables whose records belong to one household (as the sync board counts work on a household).
HOUSEHOLD_TABLES = sorted(table.name for table in Base.metadata.sorted_tables if "household_id" in table.columns)


def _conflicts_open(_as_of: dt.date) -> Select:
    """The households one of whose records holds a conflict waiting for a person to decide."""
    open_ = SyncConflict.status == "open"
    parts = [select(SyncConflict.row_id).where(open_, SyncConflict.table_name == "household")]
    for name in HOUSEHOLD_TABLES:
        table = Base.metadata.tables[name]
        parts.append(
            select(table.c.household_id)
            .join(SyncConflict, SyncConflict.row_id == table.c.id)
            .where(open_, SyncConflict.table_name == name)
        )
    parts.append(
        select(Agreement.household_id)
        .join(AgreementSignature, AgreementSignature.agreement_id == Agreement.id)
        .join(SyncConflict, SyncConflict.row_id == AgreementSignature.id)
        .where(open_, SyncConflict.table_name == "agreement_signature")
    )
    return union(*parts)  # type: ignore[return-value]


def _duplicates_open(_as_of: dt.date) -> Select:
    members = func.json_each(PossibleDuplicate.household_ids).table_valued("value")
    return (
        select(members.c.value)
        .select_from(PossibleDuplicate)
        .join(members, literal_column("1") == literal_column("1"))
        .where(PossibleDuplicate.status == "open")
    )


def quiet_since(as_of: dt.date) -> dt.datetime:
    """Laptops last seen before this moment have not been heard from for ``QUIET_DAYS``."""
    return dt.datetime.combine(as_of - dt.timedelta(days=QUIET_DAYS), dt.time())


def _quiet_laptops(as_of: dt.date) -> Select:
    """The villages (ids) in the scope of a laptop not heard from for ``QUIET_DAYS``."""
    scope = func.json_each(SyncPeer.scope).table_valued("value")
    return (
        select(scope.c.value)
        .select_from(SyncPeer)
        .join(scope, literal_column("1") == literal_column("1"))
        .where(SyncPeer.role == "laptop", SyncPeer.last_seen < quiet_since(as_of))
    )


def _laptops_quiet(as_of: dt.date) -> ColumnElement[bool]:
    return Household.village_id.in_(_quiet_laptops(as_of))


def _step(code: str) -> Callable[[dt.date], ColumnElement[bool]]:
    return lambda _as_of: Household.workflow_step == code


def _flag(code: str) -> Callable[[dt.date], ColumnElement[bool]]:
    return lambda _as_of: func.instr(Household.flags, f"|{code}|") > 0  # LIKE '%|code|%', without its pattern


def _relational(key: str, group: str, label: str, rule: str, ids: Callable[[dt.date], Select]) -> Figure:
    return Figure(key, group, label, rule, _in(ids), _grouped(ids))


FIGURES: tuple[Figure, ...] = (
    *(
        Figure(f"step_{code or 'not_started'}", "identification", STATE_LABELS[code], "ID-5", _step(code))
        for code in ("", *STEP_CODES, REJECTED)
    ),
    *(Figure(f"flag_{code}", "flags", label, rule, _flag(code)) for code, (rule, label) in FLAGS.items()),
    _relational("relocation_verified", "relocation", N_("verified, in scope"), "RL-1", _verified),
    _relational("plan_saved", "relocation", N_("housing plan saved"), "HS-1", _plan_saved),
    _relational("agreements_drafted", "relocation", N_("agreement drafted, not signed"), "AG-1", _agreements("draft")),
    _relational("agreements_signed", "relocation", N_("agreement signed"), "AG-1", _agreements("signed")),
    _relational(
        "building",
        "relocation",
        N_("new house being built (started, not completed)"),
        "",
        _building(FOUNDATION, COMPLETION),
    ),
    _relational(
        "building_completed", "relocation", N_("new house completed, not moved in"), "", _building(COMPLETION, MOVED_IN)
    ),
    _relational("moved_in", "relocation", N_("moved into the new house"), "", _building(MOVED_IN, None)),
    _relational("demolished_on_time", "relocation", N_("old house demolished on time"), "SB-1", _demolished(True)),
    _relational("demolished_late", "relocation", N_("old house demolished late"), "SB-1", _demolished(False)),
    _relational("demolition_overdue", "relocation", N_("demolition overdue"), "AG-1", _overdue),
    _relational("demolition_accepted", "relocation", N_("demolition accepted"), "AG-2", _accepted),
    _relational("certificates_handed_in", "relocation", N_("old certificate handed in"), "AG-3", _certificates),
    _relational("land_reclaimed", "relocation", N_("land reclaimed"), "AG-3", _reclaimed),
    _relational("notice_posted", "notices", N_("on a posted notice"), "PN-1", _on_notice),
    _relational("objections_open", "notices", N_("objection open"), "PN-1", _objections_open),
    _relational("conflicts_open", "sync", N_("conflict waiting"), "", _conflicts_open),
    _relational("duplicates_open", "sync", N_("possible duplicate waiting"), "", _duplicates_open),
    Figure("laptop_quiet", "sync", N_("village laptop not heard from for a week"), "", _laptops_quiet),
)
BY_KEY = {figure.key: figure for figure in FIGURES}
KEYS = tuple(BY_KEY)


class UnknownFigure(ValueError):
    """A figure key this version does not know."""


def figure(key: str) -> Figure:
    try:
        return BY_KEY[key]
    except KeyError:
        raise UnknownFigure(key) from None


def condition(selection: Selection) -> ColumnElement[bool]:
    """The households of the figure, as of its day: a condition on the household table."""
    return figure(selection.key).condition(selection.as_of)


@dataclass(frozen=True)
class VillageProgress:
    village_id: str
    name: str
    households: int
    figures: dict[str, int]  # figure key → households
    quiet_laptops: tuple[str, ...] = ()  # the laptops of the village not heard from for QUIET_DAYS (their names)


@dataclass(frozen=True)
class Progress:
    as_of: dt.date
    villages: tuple[VillageProgress, ...]  # in the township's order
    total: VillageProgress  # the township (village_id "")

    def value(self, key: str, village_id: str | None = None) -> int:
        row = self.total if not village_id else next(v for v in self.villages if v.village_id == village_id)
        return row.figures[key]


def _within_villages(session: Session, within: frozenset[str] | None) -> list[tuple[str, str]]:
    query = select(Village.id, Village.name).order_by(Village.created_at, Village.name, Village.id)
    if within is not None:
        query = query.where(Village.id.in_(sorted(within)))
    return [(str(v), str(n)) for v, n in session.execute(query)]


def compute_in(
    session: Session, as_of: dt.date, within: frozenset[str] | None = None, keys: Sequence[str] = KEYS
) -> Progress:
    """Every figure per village and for the township (``within``: only those villages)."""
    villages = _within_villages(session, within)
    ids = [v for v, _n in villages]
    counts: dict[str, dict[str, int]] = {v: dict.fromkeys(keys, 0) for v in ids}
    totals_per_village: dict[str, int] = dict.fromkeys(ids, 0)
    wanted = [figure(key) for key in keys]
    one_pass = [f for f in wanted if f.rows is None]
    # The households grouped by (state, flags, village) in the order of their narrow covering index (migration
    # 0017: a thousand groups or so, whatever the number of households), then each figure's own condition
    # applied to the groups.
    grouped = (
        select(Household.workflow_step, Household.flags, Household.village_id, func.count().label("n"))
        .group_by(Household.workflow_step, Household.flags, Household.village_id)
        .subquery("grouped")
    )
    on_groups = ClauseAdapter(grouped)
    columns = [func.sum(grouped.c.n)] + [
        func.sum(case((on_groups.traverse(f.condition(as_of)), grouped.c.n), else_=0)) for f in one_pass
    ]
    query = select(grouped.c.village_id, *columns).group_by(grouped.c.village_id)
    for village_id, households, *sums in session.execute(query):
        if village_id in counts:
            totals_per_village[village_id] = households
            for f, value in zip(one_pass, sums, strict=True):
                counts[village_id][f.key] = int(value or 0)
    for f in wanted:
        if f.rows is None:
            continue
        for village_id, value in session.execute(f.rows(as_of)):
            if village_id in counts:
                counts[village_id][f.key] = int(value)
    quiet: dict[str, list[str]] = {}
    scope = func.json_each(SyncPeer.scope).table_valued("value")
    for name, device_id, village_id in session.execute(
        select(SyncPeer.name, SyncPeer.device_id, scope.c.value)
        .select_from(SyncPeer)
        .join(scope, literal_column("1") == literal_column("1"))
        .where(SyncPeer.role == "laptop", SyncPeer.last_seen < quiet_since(as_of))
        .order_by(SyncPeer.name)
    ):
        quiet.setdefault(str(village_id), []).append(str(name or device_id))
    rows = tuple(VillageProgress(v, n, totals_per_village[v], counts[v], tuple(quiet.get(v, ()))) for v, n in villages)
    total = VillageProgress(
        "",
        "",
        sum(r.households for r in rows),
        {key: sum(r.figures[key] for r in rows) for key in keys},
        tuple(sorted({name for r in rows for name in r.quiet_laptops})),
    )
    return Progress(as_of, rows, total)


def compute(store: Store, as_of: dt.date | None = None, keys: Sequence[str] = KEYS) -> Progress:
    """The progress the person logged in may read (their villages; issue 17), as of ``as_of`` (today)."""
    access.require_open(store, Action.READ)
    within = access.readable_villages(store)
    with store.session() as session:
        return compute_in(session, as_of or utcnow().date(), within, keys)


def households_in(
    session: Session, selection: Selection, village_id: str | None = None, within: frozenset[str] | None = None
) -> list[str]:
    """The ids of the figure's households (of one village), in the household list's order."""
    query = select(Household.id).where(condition(selection)).order_by(Household.list_key, Household.id)
    if village_id:
        query = query.where(Household.village_id == village_id)
    if within is not None:
        query = query.where(Household.village_id.in_(sorted(within)))
    return list(session.scalars(query))


def households(store: Store, selection: Selection, village_id: str | None = None) -> list[str]:
    access.require_open(store, Action.READ)
    with store.session() as session:
        return households_in(session, selection, village_id, access.readable_villages(store))


def as_json(progress: Progress) -> dict:
    """The command line's ``progress --json`` document (keys in the README)."""

    def row(r: VillageProgress) -> dict:
        return {
            "households": r.households,
            "figures": dict(r.figures),
            "quiet_laptops": list(r.quiet_laptops),
        }

    return {
        "as_of": progress.as_of.isoformat(),
        "quiet_days": QUIET_DAYS,
        "figures": [
            {"key": f.key, "group": f.group, "label": _(f.label), "rule": f.rule}
            for f in FIGURES
            if f.key in progress.total.figures
        ],
        "villages": [{"id": r.village_id, "name": r.name, **row(r)} for r in progress.villages],
        "total": row(progress.total),
    }


# --- the weekly trend (the charts; the bulletin) -----------------------------------------------------

TREND_SERIES: tuple[tuple[str, str], ...] = (
    ("entered", N_("entered into the national system")),
    ("signed", N_("agreements signed")),
    ("accepted", N_("demolitions accepted")),
)


@dataclass(frozen=True)
class TrendPoint:
    week: str  # ISO week, "2017-W16"
    end: dt.date  # its Sunday
    values: dict[str, int]  # series key → households by the week's end (cumulative)


def iso_week(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_days(week: str) -> tuple[dt.date, dt.date]:
    """The Monday and the Sunday of an ISO week written ``2017-W16``; ValueError names a malformed week."""
    try:
        year_text, week_text = week.split("-W")
        monday = dt.date.fromisocalendar(int(year_text), int(week_text), 1)
    except ValueError:
        raise ValueError(week) from None
    return monday, monday + dt.timedelta(days=6)


def _by_day(
    session: Session, query: Select, within: frozenset[str] | None, once: bool = False
) -> list[tuple[dt.date, int]]:
    """(day, households) of ``query``'s (household id, day) rows, each household counted on its first day
    (``once``: a household has one row at most, counted as it is: through a covering index, no grouping)."""
    found = query.subquery()
    household, day = found.c[0], found.c[1]
    if once:
        days = select(household.label("h"), day.label("day")).select_from(found)
    else:
        days = select(household.label("h"), func.min(day).label("day")).group_by(household)
    if within is not None:
        days = days.join(Household, Household.id == household).where(Household.village_id.in_(sorted(within)))
    counted = days.subquery()
    return [
        (d, int(n))
        for d, n in session.execute(select(counted.c.day, func.count()).group_by(counted.c.day))
        if d is not None
    ]


def trend_in(
    session: Session, as_of: dt.date, weeks: int = 12, within: frozenset[str] | None = None
) -> list[TrendPoint]:
    """The last ``weeks`` ISO weeks up to ``as_of``'s: by each week's end, how many households had been entered
    into the national system (ID-5: the step's day), had signed an agreement (AG-1) and had their demolition
    accepted (AG-2)."""
    from xinjie_desktop.core.store.models import WorkflowStep

    sources = {
        "entered": select(WorkflowStep.household_id, WorkflowStep.done_on).where(
            WorkflowStep.step == "entered", WorkflowStep.passed.is_(True)
        ),
        "signed": select(Agreement.household_id, Agreement.signed_on).where(Agreement.signed_on.is_not(None)),
        "accepted": select(DemolitionAcceptance.household_id, DemolitionAcceptance.accepted_on),
    }
    last_sunday = week_days(iso_week(as_of))[1]
    ends = [last_sunday - dt.timedelta(weeks=n) for n in reversed(range(weeks))]
    points = [TrendPoint(iso_week(end), end, {}) for end in ends]
    for key, query in sources.items():
        days = sorted(_by_day(session, query, within, once=key == "entered"))  # one "entered" step a household
        running, index = 0, 0
        for point in points:
            while index < len(days) and days[index][0] <= point.end:
                running += days[index][1]
                index += 1
            point.values[key] = running
    return points


def trend(store: Store, as_of: dt.date | None = None, weeks: int = 12) -> list[TrendPoint]:
    access.require_open(store, Action.READ)
    with store.session() as session:
        return trend_in(session, as_of or utcnow().date(), weeks, access.readable_villages(store))
