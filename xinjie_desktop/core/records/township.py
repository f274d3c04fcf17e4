"""The township this store serves, its villages and villagers' groups.

Nothing about real villages is built in: the first start asks for them, or
loads a clearly labelled demo data set (core.records.demo_data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from xinjie_desktop.core.records import access
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import Township, Village, VillagerGroup, new_uuid, utcnow
from xinjie_desktop.i18n import _


class SetupError(ValueError):
    pass


class VillageChoiceError(ValueError):
    """A village given by name or id that is not stored, or a name several villages share."""


# Villages and groups are listed in the order they were typed at set-up: each is created a microsecond after
# the one before it (``created_at`` travels with the record, so every laptop lists them the same way); the
# name breaks a tie, the id the last one.
VILLAGE_ORDER = (Village.created_at, Village.name, Village.id)
GROUP_ORDER = (VillagerGroup.created_at, VillagerGroup.name, VillagerGroup.id)


@dataclass(frozen=True)
class VillageRef:
    id: str
    name: str


@dataclass(frozen=True)
class GroupRef:
    id: str
    name: str
    village_id: str
    village_name: str


def is_set_up(session: Session) -> bool:
    return session.execute(select(func.count()).select_from(Township)).scalar_one() > 0


def township(session: Session) -> Township | None:
    return session.scalar(select(Township).options(selectinload(Township.villages).selectinload(Village.groups)))


def parse_outline(text: str) -> dict[str, list[str]]:
    """Read "village: group, group" lines (Chinese or English punctuation) into a dict."""
    villages: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        for colon in ("：", ":"):
            if colon in line:
                village, groups_text = line.split(colon, 1)
                break
        else:
            village, groups_text = line, ""
        village = village.strip()
        groups = [g.strip() for g in groups_text.replace("，", ",").replace("、", ",").split(",") if g.strip()]
        if not village:
            raise SetupError(_("Line {n}: the village name is missing.").format(n=number))
        if not groups:
            raise SetupError(
                _("Line {n}: list the villagers' groups of {village} after a colon.").format(n=number, village=village)
            )
        if village in villages:
            raise SetupError(_("Line {n}: the village {village} is listed twice.").format(n=number, village=village))
        if len(set(groups)) != len(groups):
            raise SetupError(_("Line {n}: a villagers' group is listed twice.").format(n=number))
        villages[village] = groups
    return villages


def set_up(
    store: Store,
    name: str,
    command_centre: str,
    villages: dict[str, list[str]],
    *,
    is_demo: bool = False,
    new_id: Callable[[], str] = new_uuid,
) -> str:
    """Create the township with its villages and groups, in one transaction (``new_id`` makes their ids)."""
    if not name.strip():
        raise SetupError(_("Enter the township's name."))
    if not villages:
        raise SetupError(_("Enter at least one village with its villagers' groups."))
    with store.unit_of_work() as session:
        access.require(store, session, Action.SET_UP)
        if is_set_up(session):
            raise SetupError(_("This store already has a township."))
        town = Township(id=new_id(), name=name.strip(), command_centre=command_centre.strip(), is_demo=is_demo)
        session.add(town)
        start = utcnow()
        typed = (start + dt.timedelta(microseconds=n) for n in range(1_000_000_000))  # the order typed
        for village_name, groups in villages.items():
            village = Village(id=new_id(), name=village_name, township=town, created_at=next(typed))
            session.add(village)
            for group_name in groups:
                session.add(VillagerGroup(id=new_id(), name=group_name, village=village, created_at=next(typed)))
        session.flush()
        return town.id


def groups(session: Session) -> list[GroupRef]:
    rows = session.execute(
        select(VillagerGroup.id, VillagerGroup.name, Village.id, Village.name)
        .join(Village, VillagerGroup.village_id == Village.id)
        .order_by(*VILLAGE_ORDER, *GROUP_ORDER)
    )
    return [GroupRef(*row) for row in rows]


def villages(session: Session) -> list[VillageRef]:
    """The stored villages, in the order they were typed at set-up."""
    return [VillageRef(*row) for row in session.execute(select(Village.id, Village.name).order_by(*VILLAGE_ORDER))]


def find_village(session: Session, given: str) -> str:
    """The id of the village ``given`` by its id or its name (spaces around it ignored); ``VillageChoiceError``
    naming the stored villages with their ids when none or several are called that."""
    text = given.strip()
    stored = villages(session)
    for village in stored:
        if village.id == text:
            return village.id
    named = [village for village in stored if village.name == text]
    if len(named) == 1:
        return named[0].id
    if named:
        raise VillageChoiceError(
            _("Several villages are called {name}: give one of their ids: {choices}.").format(
                name=text, choices=_choices(named)
            )
        )
    if not stored:
        raise VillageChoiceError(
            _(
                "No village with the id {name} is stored, nor one called {name}: this data file has no villages yet."
            ).format(name=text)
        )
    raise VillageChoiceError(
        _("No village with the id {name} is stored, nor one called {name}; the villages are: {choices}.").format(
            name=text, choices=_choices(stored)
        )
    )


def _choices(refs: list[VillageRef]) -> str:
    return _(", ").join(f"{village.name} ({village.id})" for village in refs)
