"""Amounts: yuan as Decimal for people, fen (分) as int in the store.

Every amount read from a person (the window's fields, the command line's options) goes through
``parse_yuan``: plain decimal digits (full-width ones, as a Chinese input method types them, are read as
their ASCII twins), at most two decimals, and at most ``MAX_YUAN`` either side of zero.  The limit,
100,000,000 yuan (一亿元), is far above any household's income, cost or subsidy, and keeps every sum and
product the program forms exact: two values at the limit multiplied (a cost per m² times an area), in
fen, still fit the store's signed 64-bit integers (10¹⁸ < 2⁶³), and Decimal's 28 digits never round.
Areas typed by a person (m²) are read the same way by ``parse_area``, up to ``MAX_AREA``.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from xinjie_desktop.i18n import _

CENT = Decimal("0.01")
MAX_YUAN = Decimal(100_000_000)
MAX_AREA = Decimal(1_000_000)  # m²: a square kilometre

# Sign, digits, one decimal point: no exponents ("1e30"), no "_" separators, no NaN or Infinity, no other
# scripts' digits (after NFKC folding, which turns full-width "１２３．４５" into "123.45").
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")


class AmountError(ValueError):
    pass


def parse_yuan(text: str | Decimal | int | float, *, allow_negative: bool = False) -> Decimal:
    """Read an amount typed by a person ("3,049.99", "3049.99元", "") into yuan."""
    value = _read(text, "元", MAX_YUAN, _("An amount is at most {limit} yuan."), _("Not an amount: {text}"))
    if value != value.quantize(CENT):
        raise AmountError(_("An amount has at most two decimals (fen)."))
    if value < 0 and not allow_negative:
        raise AmountError(_("The amount may not be negative."))
    return value + 0  # "-0" and "-0.00" become 0 and 0.00: no amount is shown as "-0.00"


def parse_area(text: str | Decimal) -> Decimal | None:
    """Read an area in m² typed by a person ("87.5", "1,200", "87.5㎡"), None when empty; at most
    ``MAX_AREA`` and two decimals, never negative."""
    if not isinstance(text, Decimal) and not unicodedata.normalize("NFKC", str(text)).replace("m2", "").strip():
        return None
    value = _read(text, "m2", MAX_AREA, _("An area is at most {limit} m²."), _("Not a number: {text}")) + 0
    if value != value.quantize(CENT):
        raise AmountError(_("An area has at most two decimals."))
    if value < 0:
        raise AmountError(_("An area may not be negative."))
    return value


def _read(text: str | Decimal | int | float, unit: str, limit: Decimal, too_large: str, unreadable: str) -> Decimal:
    if isinstance(text, Decimal):
        value = text
        if not value.is_finite():
            raise AmountError(unreadable.format(text=text))
    else:
        cleaned = unicodedata.normalize("NFKC", str(text)).replace(",", "").replace(unit, "").strip()
        if not cleaned:
            return Decimal(0)
        if not _PLAIN_NUMBER.match(cleaned):
            raise AmountError(unreadable.format(text=_shortened(str(text))))
        integral = cleaned.lstrip("+-").split(".")[0].lstrip("0")
        if len(integral) > len(str(int(limit))):  # too long to be worth turning into a number
            raise AmountError(too_large.format(limit=format_yuan(limit)))
        value = Decimal(cleaned)  # the pattern admits only what Decimal reads exactly
    if abs(value) > limit:
        raise AmountError(too_large.format(limit=format_yuan(limit)))
    return value


def _shortened(text: str, keep: int = 40) -> str:
    return text if len(text) <= keep else text[:keep] + "…"


def to_fen(yuan: Decimal) -> int:
    return int((yuan * 100).to_integral_value(rounding=ROUND_HALF_UP))


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)


def format_yuan(value: Decimal) -> str:
    return f"{value.quantize(CENT, rounding=ROUND_FLOOR):,.2f}"
