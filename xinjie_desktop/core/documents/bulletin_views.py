"""What the weekly bulletin prints (issue 18, WT-2), filled by core.records.bulletins from core.records.progress;
the renderer (``documents.bulletin``) never queries the store.  Labels are English message ids, translated when
printed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class FigureLine:
    key: str
    group: str  # the group's label (a message id)
    label: str  # a message id
    rule: str
    total: int  # the township's households
    by_village: tuple[int, ...]  # in ``BulletinView.villages``' order
    before: int | None = None  # the township's number in the last bulletin (None: not in it, or no bulletin)


@dataclass(frozen=True)
class VillageChange:
    village: str
    changes: tuple[tuple[str, int, int], ...]  # (figure label, before, now)


@dataclass(frozen=True)
class OverdueLine:
    village: str
    head: str
    group: str
    what: str  # the item, in words (already in the user's language)
    since: dt.date  # the deadline passed, or the day the objection was raised
    days: int


@dataclass(frozen=True)
class TrendLine:
    week: str
    values: dict[str, int]


@dataclass(frozen=True)
class BulletinView:
    township: str
    week: str  # "2017-W16"
    monday: dt.date
    sunday: dt.date
    as_of: dt.date
    issued_on: dt.date
    issued_by: str
    villages: tuple[str, ...]
    households: tuple[int, ...]  # per village
    total_households: int
    figures: tuple[FigureLine, ...]
    step_keys: tuple[str, ...]  # the identification states, for the chart, in the workflow's order
    previous_week: str | None  # the last bulletin before this one
    village_changes: tuple[VillageChange, ...]
    overdue: tuple[OverdueLine, ...]  # by village
    trend: tuple[TrendLine, ...]
    trend_series: tuple[tuple[str, str], ...]  # (key, label message id)
    quiet_laptops: tuple[str, ...] = ()
