"""The plan's own words behind each rule (resources/policy/plan-wording-*.toml).

Kept as the plan wrote them, in Chinese, in either interface language: they are a citation a
cadre reads to a household, not an interface message.
"""

from __future__ import annotations

import tomllib
from functools import cache

from xinjie_desktop.resources import policy_dir


@cache
def wording() -> dict[str, str]:
    words: dict[str, str] = {}
    for path in sorted(policy_dir().glob("plan-wording-*.toml")):
        words.update(tomllib.loads(path.read_text(encoding="utf-8"))["wording"])
    return words


def quote(rule: str) -> str:
    return wording().get(rule, "")
