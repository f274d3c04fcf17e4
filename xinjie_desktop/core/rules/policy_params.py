"""Versioned policy parameters, read from ``resources/policy/*.toml``.

Each file carries a ``version``; the newest version is in force unless a
caller asks for another (a saved housing plan asks for the version it was
made under).  A file that does not parse, lacks a value or holds a wrong one is
refused with a message naming the file, the line and what is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from xinjie_desktop.i18n import _
from xinjie_desktop.resources import policy_dir

ZONES = ("basin", "mountain")
LAND_TYPES = ("farmland", "other", "unused")


class PolicyFileError(ValueError):
    pass


@dataclass(frozen=True)
class RelocationArea:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class PolicyParameters:
    version: str
    income_lines: dict[int, Decimal]
    dibao_share_blocks_exit: Decimal
    notice_minimum_days: int
    # housing (HS-1 .. HS-4)
    key_date: dt.date
    per_capita_max_m2: int
    max_area_m2: int
    layouts_m2: tuple[int, ...]
    own_funds_limit: Decimal
    elderly_home_max_people: int
    # subsidies and loans (SB-1, SB-2, LN-1)
    registered_per_person: Decimal
    registered_reward_per_person: Decimal
    synchronised_per_household: Decimal
    synchronised_reward_per_household: Decimal
    synchronised_loan: Decimal
    registered_loan: Decimal
    # HB-1 and SB-3
    homestead_limits: dict[tuple[str, str], int]
    c_grade_subsidy: Decimal
    d_grade_subsidy: Decimal
    # RL-1
    relocation_areas: tuple[RelocationArea, ...]

    def income_line(self, year: int) -> Decimal | None:
        return self.income_lines.get(year)


class _Reader:
    """Reads values out of the parsed file, naming the line of any value at fault."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        try:
            self.data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise PolicyFileError(
                _("Policy file {file} cannot be read: {error}").format(file=path.name, error=error)
            ) from None

    def line_of(self, dotted: str) -> int:
        """The line that sets ``dotted`` (section.key), or of its section, or 1."""
        *sections, key = dotted.split(".")
        section = ".".join(sections)
        in_section = not sections
        for number, line in enumerate(self.lines, start=1):
            stripped = line.strip()
            header = re.fullmatch(r"\[\[?\s*([^\]]+?)\s*\]\]?", stripped)
            if header:
                in_section = header.group(1) == section
                if in_section and not key:
                    return number
                continue
            if in_section and re.match(rf'"?{re.escape(key)}"?\s*=', stripped):
                return number
        for number, line in enumerate(self.lines, start=1):
            if section and line.strip().strip("[]").strip() == section:
                return number
        return 1

    def fail(self, dotted: str, problem: str) -> PolicyFileError:
        return PolicyFileError(
            _("Policy file {file}, line {line} ({key}): {problem}").format(
                file=self.path.name, line=self.line_of(dotted), key=dotted, problem=problem
            )
        )

    def get(self, dotted: str) -> object:
        node: object = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                raise PolicyFileError(
                    _("Policy file {file} lacks the value {key}").format(file=self.path.name, key=dotted)
                )
            node = node[part]
        return node

    def decimal(self, dotted: str, value: object = None) -> Decimal:
        value = self.get(dotted) if value is None else value
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.fail(dotted, _("not a number: {value!r}").format(value=value))
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(dotted, _("not a number: {value!r}").format(value=value)) from None
        if not result.is_finite() or result < 0:
            raise self.fail(dotted, _("must be a number not below 0"))
        return result

    def whole(self, dotted: str, low: int = 0) -> int:
        value = self.get(dotted)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.fail(dotted, _("must be a whole number of at least {low}").format(low=low))
        return value


def load_file(path: Path) -> PolicyParameters:
    reader = _Reader(path, path.read_text(encoding="utf-8"))
    version = reader.get("version")
    if not isinstance(version, str) or not re.fullmatch(r"\d+(\.\d+)*", version):
        raise reader.fail("version", _("a version looks like 2017.1"))
    lines_table = reader.get("income_line")
    if not isinstance(lines_table, dict) or not lines_table:
        raise PolicyFileError(_("Policy file {file} lacks the value {key}").format(file=path.name, key="income_line"))
    lines = {}
    for year in lines_table:
        if not year.isdigit():
            raise reader.fail(f"income_line.{year}", _("a year has four digits"))
        lines[int(year)] = reader.decimal(f"income_line.{year}")
    share = reader.decimal("exit.dibao_share_blocks_exit")
    if not Decimal(0) < share <= Decimal(1):
        raise reader.fail("exit.dibao_share_blocks_exit", _("must lie between 0 and 1"))
    key_date = reader.get("housing.key_date")
    if not isinstance(key_date, dt.date) or isinstance(key_date, dt.datetime):
        raise reader.fail("housing.key_date", _("must be a date such as 2017-02-28"))
    layouts = reader.get("housing.layouts_m2")
    if (
        not isinstance(layouts, list)
        or not layouts
        or any(isinstance(v, bool) or not isinstance(v, int) or v <= 0 for v in layouts)
        or layouts != sorted(set(layouts))
    ):
        raise reader.fail("housing.layouts_m2", _("must list areas in square metres, smallest first, e.g. [75, 100]"))
    max_area = reader.whole("housing.max_area_m2", 1)
    if layouts[-1] > max_area:
        raise reader.fail("housing.layouts_m2", _("a layout is larger than the maximum area"))
    homestead = {}
    for zone in ZONES:
        for land in LAND_TYPES:
            homestead[(zone, land)] = reader.whole(f"homestead.{zone}.{land}", 1)
    areas = reader.get("relocation_area")
    if not isinstance(areas, list) or len(areas) != 6:
        raise reader.fail("relocation_area.", _("the plan names exactly six categories of areas"))
    relocation_areas = []
    for area in areas:
        if not all(isinstance(area.get(k), str) and area.get(k).strip() for k in ("code", "zh", "en")):
            raise reader.fail("relocation_area.", _("each category needs a code, zh and en"))
        relocation_areas.append(RelocationArea(area["code"], area["zh"], area["en"]))
    if len({a.code for a in relocation_areas}) != 6:
        raise reader.fail("relocation_area.", _("two categories have the same code"))
    return PolicyParameters(
        version=version,
        income_lines=lines,
        dibao_share_blocks_exit=share,
        notice_minimum_days=reader.whole("public_notice.minimum_days", 1),
        key_date=key_date,
        per_capita_max_m2=reader.whole("housing.per_capita_max_m2", 1),
        max_area_m2=max_area,
        layouts_m2=tuple(layouts),
        own_funds_limit=reader.decimal("housing.own_funds_limit"),
        elderly_home_max_people=reader.whole("housing.elderly_home_max_people", 0),
        registered_per_person=reader.decimal("subsidy.registered.per_person"),
        registered_reward_per_person=reader.decimal("subsidy.registered.reward_per_person"),
        synchronised_per_household=reader.decimal("subsidy.synchronised.per_household"),
        synchronised_reward_per_household=reader.decimal("subsidy.synchronised.reward_per_household"),
        synchronised_loan=reader.decimal("subsidy.synchronised.loan_per_household"),
        registered_loan=reader.decimal("loan.registered_loan_per_household"),
        homestead_limits=homestead,
        c_grade_subsidy=reader.decimal("dangerous_house.c_grade"),
        d_grade_subsidy=reader.decimal("dangerous_house.d_grade"),
        relocation_areas=tuple(relocation_areas),
    )


@cache
def load_all(directory: Path | None = None) -> dict[str, PolicyParameters]:
    directory = directory or policy_dir()
    every: dict[str, PolicyParameters] = {}
    for path in sorted(directory.glob("policy-*.toml")):
        params = load_file(path)
        if params.version in every:
            raise PolicyFileError(
                _("Policy file {file}: version {version} is already in another file").format(
                    file=path.name, version=params.version
                )
            )
        every[params.version] = params
    if not every:
        raise PolicyFileError(_("No policy parameter file was found in {folder}").format(folder=directory))
    return every


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


def current(version: str | None = None) -> PolicyParameters:
    """The parameters in force (the newest version), or those of ``version``."""
    every = load_all()
    if version is not None:
        if version not in every:
            raise PolicyFileError(
                _("The policy parameters of version {version} are not installed.").format(version=version)
            )
        return every[version]
    return every[max(every, key=_version_key)]
