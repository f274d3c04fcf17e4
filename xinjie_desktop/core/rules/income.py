"""Income worksheet and the income line, rule ID-1.

Net income = wage + household business + property + transfer income
− production costs; per-capita net income = net income ÷ actual population
(实有人口, ID-2).  A household is below the line when its per-capita net income
is *strictly* below that year's line (3,049.99 qualifies, 3,050.00 does not);
the comparison is made exactly, in fen, never on a rounded figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from xinjie_desktop.core.rules.money import CENT, from_fen
from xinjie_desktop.core.rules.policy_params import PolicyParameters


@dataclass(frozen=True)
class IncomeResult:
    year: int
    net_income: Decimal
    population: int
    per_capita: Decimal | None  # None when the household has no actual members
    line: Decimal | None  # None when no line is set for that year
    below_line: bool | None  # None when it cannot be decided


def assess(
    year: int,
    wage_fen: int,
    business_fen: int,
    property_fen: int,
    transfer_fen: int,
    costs_fen: int,
    population: int,
    params: PolicyParameters,
) -> IncomeResult:
    net_fen = wage_fen + business_fen + property_fen + transfer_fen - costs_fen
    line = params.income_line(year)
    if population <= 0:
        return IncomeResult(year, from_fen(net_fen), population, None, line, None)
    per_capita = (Decimal(net_fen) / 100 / population).quantize(CENT, rounding=ROUND_FLOOR)
    below = None if line is None else net_fen < int(line * 100) * population
    return IncomeResult(year, from_fen(net_fen), population, per_capita, line, below)
