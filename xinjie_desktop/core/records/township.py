"""The township this store serves, its villages and villagers' groups.

Nothing about real villages is built in: the first start asks for them, or
loads a clearly labelled demo data set (core.records.demo_data).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import Township, Village, VillagerGroup, new_uuid
from xinjie_desktop.i18n import _


class SetupError(ValueError):
    pass


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
        if is_set_up(session):
            raise SetupError(_("This store already has a township."))
        town = Township(id=new_id(), name=name.strip(), command_centre=command_centre.strip(), is_demo=is_demo)
        session.add(town)
        for village_name, groups in villages.items():
            village = Village(id=new_id(), name=village_name, township=town)
            session.add(village)
            for group_name in groups:
                session.add(VillagerGroup(id=new_id(), name=group_name, village=village))
        session.flush()
        return town.id


def groups(session: Session) -> list[GroupRef]:
    rows = session.execute(
        select(VillagerGroup.id, VillagerGroup.name, Village.id, Village.name)
        .join(Village, VillagerGroup.village_id == Village.id)
        .order_by(Village.name, VillagerGroup.name)
    )
    return [GroupRef(*row) for row in rows]
