"""Amounts: yuan as Decimal for people, fen (分) as int in the store."""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from xinjie_desktop.i18n import _

CENT = Decimal("0.01")


class AmountError(ValueError):
    pass


def parse_yuan(text: str | Decimal | int | float, *, allow_negative: bool = False) -> Decimal:
    """Read an amount typed by a person ("3,049.99", "3049.99元", "") into yuan."""
    if isinstance(text, Decimal):
        value = text
    else:
        cleaned = str(text).replace(",", "").replace("，", "").replace("元", "").strip()
        if not cleaned:
            return Decimal(0)
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise AmountError(_("Not an amount: {text}").format(text=text)) from None
    if not value.is_finite():
        raise AmountError(_("Not an amount: {text}").format(text=text))
    if value != value.quantize(CENT):
        raise AmountError(_("An amount has at most two decimals (fen)."))
    if value < 0 and not allow_negative:
        raise AmountError(_("The amount may not be negative."))
    return value


def to_fen(yuan: Decimal) -> int:
    return int((yuan * 100).to_integral_value(rounding=ROUND_HALF_UP))


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)


def format_yuan(value: Decimal) -> str:
    return f"{value.quantize(CENT, rounding=ROUND_FLOOR):,.2f}"
