"""Versioned policy parameters, read from ``resources/policy/*.toml``.

Each file carries a ``version``; the newest version is in force unless a
caller asks for another.  A file that does not parse or lacks a value is
refused with a message naming the file and what is wrong.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from xinjie_desktop.i18n import _
from xinjie_desktop.resources import policy_dir


class PolicyFileError(ValueError):
    pass


@dataclass(frozen=True)
class PolicyParameters:
    version: str
    income_lines: dict[int, Decimal]
    dibao_share_blocks_exit: Decimal
    notice_minimum_days: int

    def income_line(self, year: int) -> Decimal | None:
        return self.income_lines.get(year)


def _decimal(value: object, where: str, path: Path) -> Decimal:
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise PolicyFileError(
            _("Policy file {file}: {where} is not a number: {value!r}").format(file=path.name, where=where, value=value)
        ) from None
    if result < 0:
        raise PolicyFileError(_("Policy file {file}: {where} may not be negative").format(file=path.name, where=where))
    return result


def load_file(path: Path) -> PolicyParameters:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise PolicyFileError(_("Policy file {file} cannot be read: {error}").format(file=path.name, error=error)) from None
    try:
        version = str(data["version"])
        lines = {int(year): _decimal(v, f"income_line.{year}", path) for year, v in data["income_line"].items()}
        share = _decimal(data["exit"]["dibao_share_blocks_exit"], "exit.dibao_share_blocks_exit", path)
        days = int(data["public_notice"]["minimum_days"])
    except KeyError as missing:
        raise PolicyFileError(
            _("Policy file {file} lacks the value {key}").format(file=path.name, key=missing.args[0])
        ) from None
    except ValueError as error:
        if isinstance(error, PolicyFileError):
            raise
        raise PolicyFileError(_("Policy file {file}: {error}").format(file=path.name, error=error)) from None
    if not lines:
        raise PolicyFileError(_("Policy file {file} lacks the value {key}").format(file=path.name, key="income_line"))
    if not Decimal(0) < share <= Decimal(1):
        raise PolicyFileError(
            _("Policy file {file}: {where} must lie between 0 and 1").format(file=path.name, where="exit.dibao_share_blocks_exit")
        )
    return PolicyParameters(version, lines, share, days)


@lru_cache(maxsize=None)
def load_all(directory: Path | None = None) -> dict[str, PolicyParameters]:
    directory = directory or policy_dir()
    params = [load_file(p) for p in sorted(directory.glob("*.toml"))]
    return {p.version: p for p in params}


def current(version: str | None = None) -> PolicyParameters:
    every = load_all()
    if version is not None:
        return every[version]
    return every[max(every, key=lambda v: tuple(int(x) for x in v.split(".")))]
