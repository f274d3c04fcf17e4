"""What a public-notice sheet prints (PN-1, RL-3): the notice as a view object, filled by
``records.public_notice`` and printed by ``documents.notice_sheet``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xinjie_desktop.i18n import N_

IDENTIFICATION = "identification"
RELOCATION = "relocation"
SUBJECTS = {
    IDENTIFICATION: N_("identification of registered poor households"),
    RELOCATION: N_("relocation verification"),
}


@dataclass(frozen=True)
class NoticeEntry:
    household_id: str
    head_name: str
    id_number_masked: str
    group: str
    actual_population: int
    result: str
    reason: str


@dataclass(frozen=True)
class ObjectionView:
    id: str
    household_id: str | None
    raised_on: dt.date
    raised_by: str
    content: str
    reverification: str
    resolved_on: dt.date | None

    @property
    def open(self) -> bool:
        return self.resolved_on is None


@dataclass(frozen=True)
class NoticeView:
    id: str
    village_id: str
    village: str
    group_id: str | None
    group: str
    subject: str
    posting_round: int
    previous_id: str | None
    audited_on: dt.date | None
    place: str
    start_date: dt.date
    end_date: dt.date
    objection_contact: str
    entries: tuple[NoticeEntry, ...]
    objections: tuple[ObjectionView, ...]
    second_posting_id: str | None  # the round-2 notice that posted this one's audit result, if any

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days

    @property
    def open_objections(self) -> int:
        return sum(1 for o in self.objections if o.open)
