"""Flags on a household, computed by the core and explained in words.

ID-1 below / above the income line; ID-3 partial household; ID-4 system
population differs from actual population; ID-6 wrong inclusion; EX-1 cannot
exit (dibao members 60 % or more) and wrongly exited (错退); ID-7 re-check of
households moved to shop or row houses; and two checks on members' ID numbers
(the birth date or sex typed differs from the number, the number is in another
household too).
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from xinjie_desktop.core.rules import identification, income, membership
from xinjie_desktop.core.rules.idnumber import IdNumberError, parse
from xinjie_desktop.core.rules.money import format_yuan
from xinjie_desktop.core.rules.policy_params import PolicyParameters
from xinjie_desktop.core.rules.shapes import Household, Member
from xinjie_desktop.i18n import N_, _, join

# code -> (rule, short label)
FLAGS: dict[str, tuple[str, str]] = {
    "below_line": ("ID-1", N_("below the income line")),
    "above_line": ("ID-1", N_("above the income line")),
    "partial_household": ("ID-3", N_("partial household")),
    "population_differs": ("ID-4", N_("system population differs")),
    "wrong_inclusion": ("ID-6", N_("wrong inclusion")),
    "cannot_exit": ("EX-1", N_("cannot exit: dibao share")),
    "wrongly_exited": ("EX-1", N_("wrongly exited")),
    "recheck_pending": ("ID-7", N_("shop/row house re-check pending")),
    "id_mismatch": ("ID-2", N_("ID number does not match birth date or sex")),
    "duplicate_id": ("ID-2", N_("ID number also in another household")),
}


@dataclass(frozen=True)
class Flag:
    code: str
    rule: str
    explanation: str

    @property
    def label(self) -> str:
        return _(FLAGS[self.code][1])


M = TypeVar("M", bound=Member)


def actual_members_of(members: Iterable[M]) -> list[M]:
    """The members who count toward the actual population: those whose membership basis is included
    (a form's members as typed, or a household's stored members)."""
    return [m for m in members if m.membership_basis in membership.INCLUDED]


def actual_members(household: Household) -> list[Member]:
    return actual_members_of(household.members)


def latest_income(household: Household, params: PolicyParameters) -> income.IncomeResult | None:
    """The newest worksheet of a year that has an income line (or the newest at all)."""
    sheets = sorted(household.incomes, key=lambda s: s.year)
    with_line = [s for s in sheets if params.income_line(s.year) is not None]
    candidates = with_line or sheets
    if not candidates:
        return None
    sheet = candidates[-1]
    return income.assess(
        sheet.year,
        sheet.wage,
        sheet.business,
        sheet.property_income,
        sheet.transfer,
        sheet.production_costs,
        len(actual_members(household)),
        params,
    )


def dibao_share(household: Household) -> tuple[int, int]:
    people = actual_members(household)
    return sum(1 for m in people if m.dibao), len(people)


def compute(household: Household, params: PolicyParameters, duplicate_numbers: Set[str] = frozenset()) -> list[Flag]:
    flags: list[Flag] = []
    people = actual_members(household)
    result = latest_income(household, params)
    # A comparison is decided (below_line is not None) only with both figures known (income.assess).
    if (
        result is not None
        and result.below_line is not None
        and result.per_capita is not None
        and result.line is not None
    ):
        figures = {"year": result.year, "value": format_yuan(result.per_capita), "line": format_yuan(result.line)}
        if result.below_line:
            flags.append(
                Flag(
                    "below_line",
                    "ID-1",
                    _("Per-capita net income in {year} is {value} yuan, below the line of {line} yuan.").format(
                        **figures
                    ),
                )
            )
        else:
            flags.append(
                Flag(
                    "above_line",
                    "ID-1",
                    _("Per-capita net income in {year} is {value} yuan, not below the line of {line} yuan.").format(
                        **figures
                    ),
                )
            )

    registered_out = [m for m in household.members if m.registered and m.membership_basis in membership.EXCLUDED]
    unregistered_in = [m for m in people if not m.registered]
    if people and any(m.registered for m in household.members) and (registered_out or unregistered_in):
        parts = []
        if unregistered_in:
            parts.append(
                _("members of the household left out of the identification: {names}").format(
                    names="、".join(m.name for m in unregistered_in)
                )
            )
        if registered_out:
            parts.append(
                _("people who are not household members identified with it: {names}").format(
                    names="、".join(m.name for m in registered_out)
                )
            )
        flags.append(
            Flag(
                "partial_household",
                "ID-3",
                _("The household must be identified whole, with all its actual members: {details}.").format(
                    details=join(parts)
                ),
            )
        )

    if household.system_population is not None and household.system_population != len(people):
        flags.append(
            Flag(
                "population_differs",
                "ID-4",
                _("The national system records {system} people; the actual population is {actual}.").format(
                    system=household.system_population, actual=len(people)
                ),
            )
        )

    if identification.in_national_system(household) and not household.exited:
        reasons = []
        if (
            result is not None
            and result.below_line is False
            and result.per_capita is not None
            and result.line is not None
        ):
            reasons.append(
                _("per-capita net income {value} yuan is not below the line of {line} yuan").format(
                    value=format_yuan(result.per_capita), line=format_yuan(result.line)
                )
            )
        if registered_out:
            reasons.append(_("it counts people who are not household members"))
        reasons.extend(identification.labour_shortfalls(household))  # ID-1, as the workflow checks it
        if reasons:
            flags.append(
                Flag(
                    "wrong_inclusion",
                    "ID-6",
                    _("Registered although it does not meet the identification standard: {reasons}.").format(
                        reasons=join(reasons)
                    ),
                )
            )

    dibao, total = dibao_share(household)
    blocked = total > 0 and Decimal(dibao) >= params.dibao_share_blocks_exit * total
    if blocked:
        flags.append(
            Flag(
                "cannot_exit",
                "EX-1",
                _(
                    "{dibao} of {total} members receive dibao ({share}%), at least {limit}%: the household cannot exit."
                ).format(
                    dibao=dibao,
                    total=total,
                    share=round(100 * dibao / total),
                    limit=int(params.dibao_share_blocks_exit * 100),
                ),
            )
        )
    if household.exited:
        reasons = []
        if result is not None and result.below_line:
            reasons.append(_("its per-capita net income is still below the line"))
        if blocked:
            reasons.append(
                _("its dibao members are {limit}% or more of its members").format(
                    limit=int(params.dibao_share_blocks_exit * 100)
                )
            )
        if reasons:
            flags.append(
                Flag(
                    "wrongly_exited",
                    "EX-1",
                    _("Marked as exited although {reasons}: identify it as poor again.").format(reasons=join(reasons)),
                )
            )

    if household.moved_to_shop_or_row_house and not household.recheck_outcome.strip():
        flags.append(
            Flag(
                "recheck_pending",
                "ID-7",
                _("The household moved to a shop house or row house at a resettlement site and must be re-checked."),
            )
        )

    mismatched = []
    for member in household.members:
        try:
            facts = parse(member.id_number)
        except IdNumberError:
            continue
        if (member.birth_date and member.birth_date != facts.birth_date) or (member.sex and member.sex != facts.sex):
            mismatched.append(member.name)
    if mismatched:
        flags.append(
            Flag(
                "id_mismatch",
                "ID-2",
                _("The birth date or sex typed for {names} differs from what the ID number says.").format(
                    names="、".join(mismatched)
                ),
            )
        )
    duplicates = [m.name for m in household.members if m.id_number in duplicate_numbers]
    if duplicates:
        flags.append(
            Flag(
                "duplicate_id",
                "ID-2",
                _("The ID number of {names} is also registered in another household.").format(
                    names="、".join(duplicates)
                ),
            )
        )
    return flags


def encode(flags: list[Flag]) -> str:
    return "|" + "|".join(f.code for f in flags) + "|" if flags else ""
