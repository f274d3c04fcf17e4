"""Who is acting, and in which role (issue 17).

A minimal copy of the accounts part's module, as the design of issue 17 gives it (COMMON17): the acting
person is ``Store.actor``, an ``Actor``; ``None`` means no one has logged in.  The integrator keeps the
accounts part's version of this module (which adds the actions each role may take) when merging.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    TOWNSHIP_ADMIN = "township_admin"  # 乡指挥部管理员
    WORK_TEAM = "work_team"  # 工作队员
    VILLAGE_CADRE = "village_cadre"  # 村干部
    AUDITOR = "auditor"  # 纪检/审计


@dataclass(frozen=True)
class Actor:
    id: str  # the account's UUID
    name: str
    role: Role
    villages: frozenset[str]  # village ids in scope; empty = all
