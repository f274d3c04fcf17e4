"""Every quotation of the plan (resources/policy/plan-wording-*.toml) is the plan's own words (issue 14).

The plan's published text (tests/fixtures/plan/rectification-plan-2017.txt, a copy of
../shared/seed/rectification-plan-2017.txt) lost some characters (POLICY.md: "2017228日" is
2017年2月28日, "〔2016198号" is 〔2016〕198号) and was published with half-width commas,
parentheses, colons and semicolons.  A quotation restores the lost characters and prints the
punctuation full width; apart from that it must be a stretch of the plan's text, character for
character: no word added, none dropped, no sentence cut before its own condition.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from xinjie_desktop.core.rules.plan_wording import quote, wording

PLAN = Path(__file__).parent.parent / "fixtures" / "plan" / "rectification-plan-2017.txt"
RESTORED = (("2017228日", "2017年2月28日"), ("228日", "2月28日"), ("〔2016198号", "〔2016〕198号"))


def normalised(text: str) -> str:
    """Full-width punctuation as the published text has it (half width); nothing else changes."""
    return unicodedata.normalize("NFKC", text)


def plan_text() -> str:
    text = PLAN.read_text(encoding="utf-8")
    for lost, restored in RESTORED:
        text = text.replace(lost, restored)
    return normalised(text)


@pytest.mark.parametrize("rule", sorted(wording()))
def test_every_quote_is_the_plans_own_words(rule):
    """ID-1..SB-3, HS-4, HB-1, LN-1: each quotation is a stretch of the plan's text."""
    assert normalised(quote(rule)) in plan_text(), rule


def test_SB_1_quote_carries_its_own_cap():
    """SB-1: the plan's sentence on the reward goes on to its cap (HS-3); the quote does not stop before it."""
    assert "不得超过面积控制标准的建房成本" in quote("SB-1")
